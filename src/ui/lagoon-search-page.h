/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-search-page.h: the Search tab (a LagoonTab). Not written yet: handles no class, so the
 * window never shows it.
 */
#pragma once

#include "lagoon-tab.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_SEARCH_PAGE (lagoon_search_page_get_type ())

G_DECLARE_FINAL_TYPE (LagoonSearchPage, lagoon_search_page, LAGOON, SEARCH_PAGE, GtkBox)

GtkWidget *lagoon_search_page_new (void);

G_END_DECLS
