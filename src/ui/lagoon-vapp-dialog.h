/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-vapp-dialog.h: Manage vApps, for one pool: its vApps with their VMs and state;
 * New (::new-vapp: the owner opens the New vApp wizard), Delete (after a confirmation; the
 * VMs stay), Properties, Start and Shut Down. A started or stopped vApp's sequence is shown
 * live under the list, VM by VM as the cache reports them, with the time each one reached its
 * state since the command was given.
 */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-server.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_VAPP_DIALOG (lagoon_vapp_dialog_get_type ())

G_DECLARE_FINAL_TYPE (LagoonVappDialog, lagoon_vapp_dialog, LAGOON, VAPP_DIALOG, GtkWindow)

GtkWidget *lagoon_vapp_dialog_new    (GtkWindow        *parent,
                                      LagoonServer     *server);
LagoonServer *lagoon_vapp_dialog_get_server (LagoonVappDialog *self);
/* Selects the vApp @ref in the list (when it is there, now or when it appears). */
void       lagoon_vapp_dialog_select (LagoonVappDialog *self,
                                      const char       *ref);
/* Starts (@start) or shuts down the vApp @ref and follows its sequence. */
void       lagoon_vapp_dialog_run    (LagoonVappDialog *self,
                                      const char       *ref,
                                      gboolean          start);

G_END_DECLS
