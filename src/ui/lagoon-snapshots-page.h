/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-snapshots-page.h: the Snapshots tab (a LagoonTab). Not written yet: handles no class, so the
 * window never shows it.
 */
#pragma once

#include "lagoon-tab.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_SNAPSHOTS_PAGE (lagoon_snapshots_page_get_type ())

G_DECLARE_FINAL_TYPE (LagoonSnapshotsPage, lagoon_snapshots_page, LAGOON, SNAPSHOTS_PAGE, GtkBox)

GtkWidget *lagoon_snapshots_page_new (void);

G_END_DECLS
