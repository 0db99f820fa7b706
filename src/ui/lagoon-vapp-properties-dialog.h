/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-vapp-properties-dialog.h: one vApp's properties: General (name, unique and required;
 * description), Virtual Machines (LagoonVappVmChooser) and Startup Sequence
 * (LagoonStartOrderEditor). OK runs one action with only what changed.
 */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-server.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_VAPP_PROPERTIES_DIALOG (lagoon_vapp_properties_dialog_get_type ())

G_DECLARE_FINAL_TYPE (LagoonVappPropertiesDialog, lagoon_vapp_properties_dialog,
                      LAGOON, VAPP_PROPERTIES_DIALOG, GtkWindow)

/* NULL when the vApp is not in the pool's cache. */
GtkWidget *lagoon_vapp_properties_dialog_new (GtkWindow    *parent,
                                              LagoonServer *server,
                                              const char   *vapp_ref);

G_END_DECLS
