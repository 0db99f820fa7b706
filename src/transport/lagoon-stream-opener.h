/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LAGOON_TYPE_STREAM_OPENER (lagoon_stream_opener_get_type ())
G_DECLARE_INTERFACE (LagoonStreamOpener, lagoon_stream_opener, LAGOON, STREAM_OPENER, GObject)

/* Something that opens a byte stream to host:port: a plain TCP connection, TLS on top of
 * one, or a channel through an SSH session. The HTTP client and the CONNECT helper only
 * see the GIOStream. open() blocks and is called from worker threads, so implementations
 * must be thread-safe. @tls asks for TLS on top of the transport (https URLs, port 443). */
struct _LagoonStreamOpenerInterface
{
  GTypeInterface parent_iface;

  GIOStream *(*open) (LagoonStreamOpener  *self,
                      const char          *host,
                      guint16              port,
                      gboolean             tls,
                      GCancellable        *cancellable,
                      GError             **error);
};

GIOStream *lagoon_stream_opener_open (LagoonStreamOpener  *self,
                                      const char          *host,
                                      guint16              port,
                                      gboolean             tls,
                                      GCancellable        *cancellable,
                                      GError             **error);

G_END_DECLS
