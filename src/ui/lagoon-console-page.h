/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-console-page.h: the Console tab: the graphical console (a LagoonConsoleView) of a
 * running VM or of a host's control domain. A console can be undocked into its own window
 * (LagoonConsoleWindow) and docked back, keeping its VNC session; several undocked consoles
 * stay open while the tab shows other objects.
 */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-connection.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_CONSOLE_PAGE (lagoon_console_page_get_type ())

G_DECLARE_FINAL_TYPE (LagoonConsolePage, lagoon_console_page, LAGOON, CONSOLE_PAGE, GtkBox)

GtkWidget *lagoon_console_page_new          (void);
/* Whether the page has anything to show for an object of @class_id (VMs and hosts). */
gboolean   lagoon_console_page_handles      (int                class_id);
/* Shows the console of @ref (a VM, or a host's control domain) from @connection; NULL
 * connection: nothing. The page connects while it is mapped and the VM runs. An object whose
 * console is undocked shows a note with Show Window and Dock instead. */
void       lagoon_console_page_set_object   (LagoonConsolePage *self,
                                             LagoonConnection  *connection,
                                             int                class_id,
                                             const char        *ref);

G_END_DECLS
