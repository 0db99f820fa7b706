/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-vapp-commands.h: the vApp commands of a window: "win.new-vapp" (the New vApp wizard,
 * with the selected VM checked), "win.manage-vapps" (the Manage vApps dialog of the selected
 * pool, one per pool), and for a vApp selected in the tree "win.vapp-start",
 * "win.vapp-shutdown" (run from the Manage vApps dialog, which shows the sequence) and
 * "win.vapp-properties".
 */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-server.h"

G_BEGIN_DECLS

void lagoon_vapp_commands_add    (GActionMap   *map);
void lagoon_vapp_commands_update (GActionMap   *map,
                                  LagoonServer *server,
                                  int           class_id,
                                  const char   *ref);

G_END_DECLS
