/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-secrets.h: xapi passwords in the user's keyring (Secret Service, via libsecret),
 * keyed by the server's key. Nothing secret goes to GSettings or to the log.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void     lagoon_secrets_store_async   (const char          *server_key,
                                       const char          *label,
                                       const char          *password,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
gboolean lagoon_secrets_store_finish  (GAsyncResult        *result,
                                       GError             **error);
void     lagoon_secrets_lookup_async  (const char          *server_key,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
/* The password (free with lagoon_secrets_free), or NULL with no error when none is stored. */
char    *lagoon_secrets_lookup_finish (GAsyncResult        *result,
                                       GError             **error);
void     lagoon_secrets_clear_async   (const char          *server_key,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
/* FALSE with no error when nothing was stored. */
gboolean lagoon_secrets_clear_finish  (GAsyncResult        *result,
                                       GError             **error);
void     lagoon_secrets_free          (char                *password);

G_END_DECLS
