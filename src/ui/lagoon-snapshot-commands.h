/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-snapshot-commands.h: what the Snapshots tab, the VM menu and the VM context menu do
 * with snapshots. Each asks what it must (Take Snapshot dialog, revert warning with "take a
 * snapshot of the current state first", delete confirmation naming the snapshots, the name of
 * a new VM or template), then hands LagoonActions to the application (the Events pane shows
 * them). The window's actions are added and enabled here, with the reason when disabled:
 * "win.take-snapshot" (a VM), "win.snapshot-revert", "win.snapshot-delete",
 * "win.snapshot-new-vm" and "win.snapshot-new-template" (a snapshot selected in the tree).
 */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-server.h"

G_BEGIN_DECLS

/* Adds the snapshot actions to @map (a window). */
void        lagoon_snapshot_commands_add        (GActionMap         *map);
/* Enables them for @ref of @class_id on @server (NULL: nothing selected). */
void        lagoon_snapshot_commands_update     (GActionMap         *map,
                                                 LagoonServer       *server,
                                                 int                 class_id,
                                                 const char         *ref);
/* Why the action @name is disabled, or NULL when it is enabled. */
const char *lagoon_snapshot_commands_get_reason (GActionMap         *map,
                                                 const char         *name);
/* The context-menu section for @ref (Take a Snapshot for a VM; revert, new VM or template and
 * delete for a snapshot), or NULL. Full reference. */
GMenuModel *lagoon_snapshot_commands_menu       (LagoonServer       *server,
                                                 int                 class_id,
                                                 const char         *ref);

/* Why no snapshot of @vm can be taken now (free it), or NULL. */
char       *lagoon_snapshot_take_why_not        (const LagoonRecord *vm);
/* Why @snapshot cannot be reverted to now (free it), or NULL. */
char       *lagoon_snapshot_revert_why_not      (const LagoonRecord *snapshot);

void        lagoon_snapshot_take                (GtkWindow          *parent,
                                                 LagoonServer       *server,
                                                 const char         *vm_ref);
void        lagoon_snapshot_revert              (GtkWindow          *parent,
                                                 LagoonServer       *server,
                                                 const char         *snapshot_ref);
void        lagoon_snapshot_delete              (GtkWindow          *parent,
                                                 LagoonServer       *server,
                                                 const char * const *snapshot_refs);
/* VM.clone of the snapshot under a name the user gives, then a VM or a template. */
void        lagoon_snapshot_new_vm              (GtkWindow          *parent,
                                                 LagoonServer       *server,
                                                 const char         *snapshot_ref,
                                                 gboolean            as_template);

G_END_DECLS
