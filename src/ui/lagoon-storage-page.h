/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-storage-page.h: the Storage tab (a LagoonTab). Not written yet: handles no class, so the
 * window never shows it.
 */
#pragma once

#include "lagoon-tab.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_STORAGE_PAGE (lagoon_storage_page_get_type ())

G_DECLARE_FINAL_TYPE (LagoonStoragePage, lagoon_storage_page, LAGOON, STORAGE_PAGE, GtkBox)

GtkWidget *lagoon_storage_page_new (void);

G_END_DECLS
