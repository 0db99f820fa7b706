/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-vapp-vm-chooser.h: which VMs belong to a vApp (the New vApp wizard's "Virtual
 * Machines" page and vApp Properties): every VM of the pool (not templates, snapshots or
 * control domains) with a check box, its description and the vApp it is in now; a search
 * entry; Select All / Clear All (of the VMs shown); "N VMs selected". ::changed on every
 * change of the checked set.
 */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-cache.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_VAPP_VM_CHOOSER (lagoon_vapp_vm_chooser_get_type ())

G_DECLARE_FINAL_TYPE (LagoonVappVmChooser, lagoon_vapp_vm_chooser, LAGOON, VAPP_VM_CHOOSER,
                      GtkBox)

GtkWidget *lagoon_vapp_vm_chooser_new           (void);
/* Lists the VMs of @cache; @vapp_ref is the vApp being edited (its VMs say so), or NULL. */
void       lagoon_vapp_vm_chooser_set_cache     (LagoonVappVmChooser *self,
                                                 LagoonCache         *cache,
                                                 const char          *vapp_ref);
void       lagoon_vapp_vm_chooser_set_checked   (LagoonVappVmChooser *self,
                                                 const char * const  *refs);
/* The checked VMs' refs, in list order. */
GStrv      lagoon_vapp_vm_chooser_dup_checked   (LagoonVappVmChooser *self);
guint      lagoon_vapp_vm_chooser_get_n_checked (LagoonVappVmChooser *self);

G_END_DECLS
