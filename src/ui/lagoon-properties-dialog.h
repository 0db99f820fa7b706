/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-properties-dialog.h: XenCenter's Properties: pages on the left, each a group of the
 * object's settings. A VM has General (name, description, tags, folder), CPU (vCPUs, topology,
 * priority, cap), Memory, Boot Options, Home Server, Start Options (auto power on, start order and
 * delays) and PCI devices; a host or a pool has General. Invalid input is explained before
 * anything is sent; OK writes only what changed, as one action.
 */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-server.h"

G_BEGIN_DECLS

/* Whether objects of @class_id have a Properties dialog. */
gboolean lagoon_properties_dialog_handles (int           class_id);
void     lagoon_properties_dialog_present (GtkWindow    *parent,
                                           LagoonServer *server,
                                           int           class_id,
                                           const char   *ref);

G_END_DECLS
