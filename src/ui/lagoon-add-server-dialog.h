/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-add-server-dialog.h: Add Server: an address reached through SSH (the default:
 * user@host:port, ssh://..., or an ~/.ssh/config alias) or directly (HTTP, or TLS with the
 * certificate pinned on first use), the xapi user and password, and whether to keep the
 * password in the keyring. The dialog hands the server to the application and closes; the
 * connection's own prompts (host key, certificate, SSH password) follow from there.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LAGOON_TYPE_ADD_SERVER_DIALOG (lagoon_add_server_dialog_get_type ())

G_DECLARE_FINAL_TYPE (LagoonAddServerDialog, lagoon_add_server_dialog, LAGOON,
                      ADD_SERVER_DIALOG, GtkDialog)

GtkWidget *lagoon_add_server_dialog_new (GtkWindow *parent);

G_END_DECLS
