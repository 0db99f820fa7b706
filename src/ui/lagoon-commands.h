/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-commands.h: commands on the selection as GActions ("win.vm-start", "win.host-reboot",
 * "win.sr-rescan"...). One update function decides every command's `enabled` from the object's
 * allowed_operations (and a few state checks) and keeps the reason when it is disabled, for
 * tooltips. Running a command asks first when it is destructive, builds a LagoonAction and hands
 * it to the application (the Events pane lists it).
 */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-server.h"

G_BEGIN_DECLS

/* Adds the commands to @map (a window). */
void        lagoon_commands_add        (GActionMap   *map);
/* The commands for @ref of @class_id as a context menu (sections; empty when none apply). */
GMenuModel *lagoon_commands_context_menu (GActionMap   *map,
                                          LagoonServer *server,
                                          int           class_id,
                                          const char   *ref);
/* Enables each command for the selected objects @refs (the primary first, NULL: nothing
 * selected) of @class_id on @server: a command is enabled when it can run on any of them, and
 * then runs on each it can run on. */
void        lagoon_commands_update_many (GActionMap         *map,
                                         LagoonServer       *server,
                                         int                 class_id,
                                         const char * const *refs);
/* Why the command @name is disabled, or NULL when it is enabled. */
const char *lagoon_commands_get_reason (GActionMap   *map,
                                        const char   *name);

G_END_DECLS
