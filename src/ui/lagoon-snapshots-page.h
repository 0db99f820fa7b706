/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-snapshots-page.h: the Snapshots tab of a VM or template (a LagoonTab): the snapshot
 * chain as a tree (parent and children, with a "Now" row where the VM is) or as a list, a
 * details pane for the selection, and Take Snapshot, Revert To, Delete (several at once), New
 * VM and New Template from Snapshot as buttons and a context menu (lagoon-snapshot-commands.h
 * runs them). Updates in place as the cache changes.
 */
#pragma once

#include "lagoon-tab.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_SNAPSHOTS_PAGE (lagoon_snapshots_page_get_type ())

G_DECLARE_FINAL_TYPE (LagoonSnapshotsPage, lagoon_snapshots_page, LAGOON, SNAPSHOTS_PAGE, GtkBox)

GtkWidget *lagoon_snapshots_page_new (void);

G_END_DECLS
