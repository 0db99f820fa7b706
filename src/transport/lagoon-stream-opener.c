/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-stream-opener"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "lagoon-stream-opener.h"
#include "lagoon-transport-error.h"

G_DEFINE_INTERFACE (LagoonStreamOpener, lagoon_stream_opener, G_TYPE_OBJECT)

static void
lagoon_stream_opener_default_init (LagoonStreamOpenerInterface *iface)
{
}

GIOStream *
lagoon_stream_opener_open (LagoonStreamOpener  *self,
                           const char          *host,
                           guint16              port,
                           gboolean             tls,
                           GCancellable        *cancellable,
                           GError             **error)
{
  LagoonStreamOpenerInterface *iface;

  g_return_val_if_fail (LAGOON_IS_STREAM_OPENER (self), NULL);
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  iface = LAGOON_STREAM_OPENER_GET_IFACE (self);
  if (iface->open == NULL)
    {
      g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CONNECT,
                   _("This stream opener cannot open connections to %s:%u"), host, port);
      return NULL;
    }
  return iface->open (self, host, port, tls, cancellable, error);
}
