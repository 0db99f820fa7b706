/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-new-vm-wizard.h: New VM, XenCenter's pages in order: Template (search, grouped by
 * OS family, default and custom templates), Name, Number of VMs (a name pattern, placed on
 * one server or spread over the servers), Installation media, Home server, CPU & memory,
 * Storage, Networking, Finish (summary, "Start the new VM automatically" and the equivalent
 * xe commands). Every page reads the pool's cache and says why Next is unavailable. Finish
 * runs one LagoonNewVmAction per VM through the application (the Events pane shows them).
 */
#pragma once

#include "lagoon-server.h"
#include "lagoon-wizard.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_NEW_VM_WIZARD (lagoon_new_vm_wizard_get_type ())

G_DECLARE_FINAL_TYPE (LagoonNewVmWizard, lagoon_new_vm_wizard, LAGOON, NEW_VM_WIZARD,
                      LagoonWizard)

/* @server must be connected. @template_ref preselects a template and @host_ref a home server
 * (either may be NULL). */
GtkWidget *lagoon_new_vm_wizard_new (GtkWindow    *parent,
                                     LagoonServer *server,
                                     const char   *template_ref,
                                     const char   *host_ref);

/* The "new-vm" action of a window (menus, toolbar, context menus): enabled when the selection
 * is in a connected pool; a selected template is preselected, a selected host becomes the
 * home server. */
void       lagoon_new_vm_command_add    (GActionMap   *map);
void       lagoon_new_vm_command_update (GActionMap   *map,
                                         LagoonServer *server,
                                         int           class_id,
                                         const char   *ref);

G_END_DECLS
