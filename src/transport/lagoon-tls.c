/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-tls"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "lagoon-tls.h"
#include "lagoon-transport-error.h"

char *
lagoon_tls_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GChecksum) checksum = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  GString *out;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &digest_len);

  out = g_string_sized_new (96);
  for (gsize i = 0; i < digest_len; i++)
    g_string_append_printf (out, i == 0 ? "%02X" : ":%02X", digest[i]);
  return g_string_free (out, FALSE);
}

static char *
normalize (const char *fp)
{
  GString *s = g_string_new (NULL);

  for (const char *p = fp; *p != '\0'; p++)
    if (g_ascii_isxdigit (*p))
      g_string_append_c (s, g_ascii_toupper (*p));
  return g_string_free (s, FALSE);
}

gboolean
lagoon_tls_fingerprint_equal (const char *a,
                              const char *b)
{
  g_autofree char *na = NULL;
  g_autofree char *nb = NULL;

  if (a == NULL || b == NULL)
    return FALSE;
  na = normalize (a);
  nb = normalize (b);
  return na[0] != '\0' && g_strcmp0 (na, nb) == 0;
}

static gboolean
on_accept_certificate (GTlsConnection       *conn,
                       GTlsCertificate      *peer_cert,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  /* The CA verdict is irrelevant: the pin is checked once the handshake is done. */
  return TRUE;
}

GIOStream *
lagoon_tls_client_handshake (GIOStream           *base,
                             const char          *host,
                             guint16              port,
                             const char          *pinned,
                             LagoonTlsTrustFunc   trust,
                             gpointer             user_data,
                             char               **fingerprint,
                             GCancellable        *cancellable,
                             GError             **error)
{
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *fp = NULL;
  GTlsCertificate *peer;

  g_return_val_if_fail (G_IS_IO_STREAM (base), NULL);

  identity = g_network_address_new (host, port);
  tls = g_tls_client_connection_new (base, identity, &local_error);
  if (tls == NULL)
    {
      g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CERTIFICATE,
                   _("TLS is not available for %s:%u: %s"), host, port, local_error->message);
      return NULL;
    }
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (on_accept_certificate), NULL);

  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), cancellable, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CONNECT,
                     _("TLS handshake with %s:%u failed: %s"), host, port, local_error->message);
      return NULL;
    }

  peer = g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (tls));
  if (peer == NULL || (fp = lagoon_tls_certificate_fingerprint (peer)) == NULL)
    {
      g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CERTIFICATE,
                   _("%s:%u presented no TLS certificate"), host, port);
      return NULL;
    }

  if (pinned != NULL && pinned[0] != '\0')
    {
      if (!lagoon_tls_fingerprint_equal (pinned, fp))
        {
          g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CERTIFICATE,
                       _("The TLS certificate of %s:%u has changed. The pinned certificate has "
                       "the SHA-256 fingerprint %s, but the server now presents %s. This can "
                       "mean that someone is intercepting the connection; refusing to connect."),
                       host, port, pinned, fp);
          return NULL;
        }
    }
  else if (trust == NULL || !trust (host, port, fp, user_data))
    {
      g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CERTIFICATE,
                   _("The TLS certificate of %s:%u (SHA-256 fingerprint %s) is not trusted"),
                   host, port, fp);
      return NULL;
    }

  if (fingerprint != NULL)
    *fingerprint = g_steal_pointer (&fp);
  return g_steal_pointer (&tls);
}
