/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-memory-page.h: the Memory tab (a LagoonTab). Not written yet: handles no class, so the
 * window never shows it.
 */
#pragma once

#include "lagoon-tab.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_MEMORY_PAGE (lagoon_memory_page_get_type ())

G_DECLARE_FINAL_TYPE (LagoonMemoryPage, lagoon_memory_page, LAGOON, MEMORY_PAGE, GtkBox)

GtkWidget *lagoon_memory_page_new (void);

G_END_DECLS
