/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-secrets"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "lagoon-secrets.h"

static const SecretSchema *
lagoon_secrets_schema (void)
{
  static const SecretSchema schema = {
    "dev.lagoon.Lagoon.Password", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  };

  return &schema;
}

void
lagoon_secrets_store_async (const char          *server_key,
                            const char          *label,
                            const char          *password,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (server_key != NULL && password != NULL);

  secret_password_store (lagoon_secrets_schema (), SECRET_COLLECTION_DEFAULT, label, password,
                         cancellable, callback, user_data, "server", server_key, NULL);
}

gboolean
lagoon_secrets_store_finish (GAsyncResult  *result,
                             GError       **error)
{
  return secret_password_store_finish (result, error);
}

void
lagoon_secrets_lookup_async (const char          *server_key,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (server_key != NULL);

  secret_password_lookup (lagoon_secrets_schema (), cancellable, callback, user_data,
                          "server", server_key, NULL);
}

char *
lagoon_secrets_lookup_finish (GAsyncResult  *result,
                              GError       **error)
{
  return secret_password_lookup_finish (result, error);
}

void
lagoon_secrets_clear_async (const char          *server_key,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (server_key != NULL);

  secret_password_clear (lagoon_secrets_schema (), cancellable, callback, user_data,
                         "server", server_key, NULL);
}

gboolean
lagoon_secrets_clear_finish (GAsyncResult  *result,
                             GError       **error)
{
  return secret_password_clear_finish (result, error);
}

void
lagoon_secrets_free (char *password)
{
  secret_password_free (password);
}
