/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-delete-vm-dialog.h: Delete VM: asks first, listing the VM's disks (each with a check
 * box, checked unless another VM uses it) and its snapshots; then one action destroys the VM,
 * the checked disks and the checked snapshots with their disks.
 */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-connection.h"

G_BEGIN_DECLS

void lagoon_delete_vm_dialog_present (GtkWindow        *parent,
                                      LagoonConnection *connection,
                                      const char       *vm_ref);

G_END_DECLS
