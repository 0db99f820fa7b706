/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-console-page.h: the Console tab: the graphical console of a running VM (or of a
 * host's control domain), reached by CONNECT to the console's location through the
 * connection's stream opener. The VNC widget only ever gets the connected fd.
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
 * connection: nothing. The page connects while it is mapped and the VM runs. */
void       lagoon_console_page_set_object   (LagoonConsolePage *self,
                                             LagoonConnection  *connection,
                                             int                class_id,
                                             const char        *ref);

G_END_DECLS
