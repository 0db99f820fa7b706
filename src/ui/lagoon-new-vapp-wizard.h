/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-new-vapp-wizard.h: New vApp, on the wizard frame: Name (unique in the pool,
 * required) and description; Virtual Machines (LagoonVappVmChooser); VM Startup Sequence
 * (LagoonStartOrderEditor); Finish (summary). Finish runs one action: VM_appliance.create,
 * VM.set_appliance for each VM, then only the start-order values that were changed.
 */
#pragma once

#include "lagoon-server.h"
#include "lagoon-wizard.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_NEW_VAPP_WIZARD (lagoon_new_vapp_wizard_get_type ())

G_DECLARE_FINAL_TYPE (LagoonNewVappWizard, lagoon_new_vapp_wizard, LAGOON, NEW_VAPP_WIZARD,
                      LagoonWizard)

/* @vms: VMs checked from the start (the selection), or NULL. */
GtkWidget *lagoon_new_vapp_wizard_new (GtkWindow          *parent,
                                       LagoonServer       *server,
                                       const char * const *vms);

G_END_DECLS
