/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-search-page.h: the Search tab of a pool (a LagoonTab): every VM, server, storage
 * repository, network, template or snapshot of every connected pool whose name, description,
 * address or UUID matches what is typed, with its pool and state; activating a result selects it
 * in the tree.
 */
#pragma once

#include "lagoon-tab.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_SEARCH_PAGE (lagoon_search_page_get_type ())

G_DECLARE_FINAL_TYPE (LagoonSearchPage, lagoon_search_page, LAGOON, SEARCH_PAGE, GtkBox)

GtkWidget *lagoon_search_page_new (void);

G_END_DECLS
