/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-tcp-opener"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "lagoon-deadline-private.h"
#include "lagoon-tcp-opener.h"
#include "lagoon-tls.h"
#include "lagoon-transport-error.h"

struct _LagoonTcpOpener
{
  GObject     parent_instance;

  GMutex      lock;
  GHashTable *pins;        /* "host:port" -> fingerprint */
  guint       timeout_ms;
};

enum {
  ACCEPT_CERTIFICATE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void stream_opener_iface_init (LagoonStreamOpenerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LagoonTcpOpener, lagoon_tcp_opener, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LAGOON_TYPE_STREAM_OPENER,
                                                      stream_opener_iface_init))

static char *
pin_key (const char *host,
         guint16     port)
{
  return g_strdup_printf ("%s:%u", host, port);
}

typedef struct {
  LagoonTcpOpener *self;
} TrustData;

static gboolean
trust_by_signal (const char *host,
                 guint16     port,
                 const char *fingerprint,
                 gpointer    user_data)
{
  TrustData *data = user_data;
  gboolean accepted = FALSE;

  g_signal_emit (data->self, signals[ACCEPT_CERTIFICATE], 0, host, (guint) port, fingerprint,
                 &accepted);
  return accepted;
}

static GIOStream *
lagoon_tcp_opener_open (LagoonStreamOpener  *opener,
                        const char          *host,
                        guint16              port,
                        gboolean             tls,
                        GCancellable        *cancellable,
                        GError             **error)
{
  LagoonTcpOpener *self = LAGOON_TCP_OPENER (opener);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LagoonDeadline) deadline = NULL;
  g_autofree char *key = pin_key (host, port);
  g_autofree char *pinned = NULL;
  g_autofree char *fingerprint = NULL;
  GIOStream *stream;
  TrustData trust = { self };
  guint timeout_ms;

  g_mutex_lock (&self->lock);
  timeout_ms = self->timeout_ms;
  pinned = g_strdup (g_hash_table_lookup (self->pins, key));
  g_mutex_unlock (&self->lock);

  deadline = lagoon_deadline_new (timeout_ms, cancellable);
  connection = g_socket_client_connect_to_host (client, host, port,
                                                lagoon_deadline_get_cancellable (deadline),
                                                &local_error);
  if (connection == NULL)
    {
      lagoon_deadline_fix_error (deadline, &local_error, "Connecting");
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          local_error->domain == LAGOON_TRANSPORT_ERROR)
        g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s:%u: ", host, port);
      else
        g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CONNECT,
                     _("Could not connect to %s:%u: %s"), host, port, local_error->message);
      return NULL;
    }
  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY,
                       1, NULL);

  if (!tls)
    return G_IO_STREAM (g_steal_pointer (&connection));

  stream = lagoon_tls_client_handshake (G_IO_STREAM (connection), host, port, pinned,
                                        trust_by_signal, &trust, &fingerprint,
                                        lagoon_deadline_get_cancellable (deadline), &local_error);
  if (stream == NULL)
    {
      lagoon_deadline_fix_error (deadline, &local_error, "TLS handshake");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (pinned == NULL)
    lagoon_tcp_opener_set_pin (self, host, port, fingerprint);
  return stream;
}

static void
stream_opener_iface_init (LagoonStreamOpenerInterface *iface)
{
  iface->open = lagoon_tcp_opener_open;
}

static void
lagoon_tcp_opener_finalize (GObject *object)
{
  LagoonTcpOpener *self = LAGOON_TCP_OPENER (object);

  g_hash_table_unref (self->pins);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (lagoon_tcp_opener_parent_class)->finalize (object);
}

static void
lagoon_tcp_opener_class_init (LagoonTcpOpenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = lagoon_tcp_opener_finalize;

  /**
   * LagoonTcpOpener::accept-certificate:
   * @host: the host name as given to open()
   * @port: the port
   * @fingerprint: the SHA-256 fingerprint of the certificate
   *
   * Emitted in the connecting (worker) thread on the first TLS connection to a host:port
   * that has no pin. Return TRUE to trust and pin the certificate.
   */
  signals[ACCEPT_CERTIFICATE] =
    g_signal_new ("accept-certificate",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  g_signal_accumulator_true_handled, NULL,
                  NULL,
                  G_TYPE_BOOLEAN, 3, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_STRING);
}

static void
lagoon_tcp_opener_init (LagoonTcpOpener *self)
{
  g_mutex_init (&self->lock);
  self->pins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->timeout_ms = 30000;
}

LagoonTcpOpener *
lagoon_tcp_opener_new (void)
{
  return g_object_new (LAGOON_TYPE_TCP_OPENER, NULL);
}

void
lagoon_tcp_opener_set_timeout (LagoonTcpOpener *self,
                               guint            timeout_ms)
{
  g_return_if_fail (LAGOON_IS_TCP_OPENER (self));
  g_mutex_lock (&self->lock);
  self->timeout_ms = timeout_ms;
  g_mutex_unlock (&self->lock);
}

void
lagoon_tcp_opener_set_pin (LagoonTcpOpener *self,
                           const char      *host,
                           guint16          port,
                           const char      *fingerprint)
{
  g_return_if_fail (LAGOON_IS_TCP_OPENER (self));
  g_return_if_fail (host != NULL);

  g_mutex_lock (&self->lock);
  if (fingerprint != NULL)
    g_hash_table_replace (self->pins, pin_key (host, port), g_strdup (fingerprint));
  else
    {
      g_autofree char *key = pin_key (host, port);
      g_hash_table_remove (self->pins, key);
    }
  g_mutex_unlock (&self->lock);
}

char *
lagoon_tcp_opener_dup_pin (LagoonTcpOpener *self,
                           const char      *host,
                           guint16          port)
{
  g_autofree char *key = pin_key (host, port);
  char *fp;

  g_return_val_if_fail (LAGOON_IS_TCP_OPENER (self), NULL);
  g_mutex_lock (&self->lock);
  fp = g_strdup (g_hash_table_lookup (self->pins, key));
  g_mutex_unlock (&self->lock);
  return fp;
}
