/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-copy-vm-dialog.h: XenCenter's Copy VM: a name and description for the new VM, and
 * either a fast clone (VM.clone: disks shared copy-on-write where the storage allows) or a full
 * copy of the disks to a chosen storage repository (VM.copy). The work is one action.
 */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-connection.h"

G_BEGIN_DECLS

void lagoon_copy_vm_dialog_present (GtkWindow        *parent,
                                    LagoonConnection *connection,
                                    const char       *vm_ref);

G_END_DECLS
