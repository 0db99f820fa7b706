/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "lagoon-http-message.h"
#include "lagoon-stream-opener.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_HTTP_CLIENT (lagoon_http_client_get_type ())
G_DECLARE_FINAL_TYPE (LagoonHttpClient, lagoon_http_client, LAGOON, HTTP_CLIENT, GObject)

/* An HTTP/1.1 client for one server (host:port), over whatever GIOStream its opener gives:
 * a TCP connection, TLS, or an SSH channel. It keeps one connection alive between requests
 * and serialises requests on it; use one client per concurrent stream of requests (the
 * event.from long poll gets its own). The blocking calls are meant for worker threads;
 * the _async variants run them in a GTask thread. */
LagoonHttpClient   *lagoon_http_client_new               (LagoonStreamOpener   *opener,
                                                          const char           *host,
                                                          guint16               port,
                                                          gboolean              tls);

const char         *lagoon_http_client_get_host          (LagoonHttpClient     *self);
guint16             lagoon_http_client_get_port          (LagoonHttpClient     *self);
LagoonStreamOpener *lagoon_http_client_get_opener        (LagoonHttpClient     *self);

/* Whole-request timeout (connect, send, reply) in milliseconds; 0 = none. Default 60000. */
void                lagoon_http_client_set_timeout       (LagoonHttpClient     *self,
                                                          guint                 timeout_ms);
guint               lagoon_http_client_get_timeout       (LagoonHttpClient     *self);
/* Largest reply body accepted (default 256 MiB); over it: LAGOON_TRANSPORT_ERROR_TOO_LARGE. */
void                lagoon_http_client_set_max_body_size (LagoonHttpClient     *self,
                                                          guint64               max_body);
/* Redirects (301, 302, 303, 307, 308) followed per request (default 5; 0 returns the 3xx
 * reply to the caller). A redirect to another host opens a stream there through the
 * opener, used for that request only. */
void                lagoon_http_client_set_max_redirects (LagoonHttpClient     *self,
                                                          guint                 max_redirects);
/* Number of connections opened so far (for diagnostics and tests). */
guint               lagoon_http_client_get_n_connections (LagoonHttpClient     *self);

/* Send one request and read the reply. @headers is a NULL-terminated list of complete
 * "Name: value" lines (may be NULL). A @body is sent with Content-Length (and @content_type
 * when given). With @sink, the reply body is passed to it as it arrives (in this thread)
 * instead of being kept in the response. Any HTTP status is a successful return: check
 * lagoon_http_response_get_status(). */
LagoonHttpResponse *lagoon_http_client_send              (LagoonHttpClient     *self,
                                                          const char           *method,
                                                          const char           *path,
                                                          const char * const   *headers,
                                                          const char           *content_type,
                                                          GBytes               *body,
                                                          LagoonHttpBodySink    sink,
                                                          gpointer              sink_data,
                                                          GCancellable         *cancellable,
                                                          GError              **error);
/* The sink, if any, is called in the worker thread. */
void                lagoon_http_client_send_async        (LagoonHttpClient     *self,
                                                          const char           *method,
                                                          const char           *path,
                                                          const char * const   *headers,
                                                          const char           *content_type,
                                                          GBytes               *body,
                                                          LagoonHttpBodySink    sink,
                                                          gpointer              sink_data,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
LagoonHttpResponse *lagoon_http_client_send_finish       (LagoonHttpClient     *self,
                                                          GAsyncResult         *result,
                                                          GError              **error);

/* Drop the kept-alive connection (the next request opens a new one). */
void                lagoon_http_client_disconnect        (LagoonHttpClient     *self);

/* HTTP CONNECT for consoles: open a new stream to the client's server, send
 * "CONNECT @path HTTP/1.0" with Host and "Cookie: session_id=@session_id" (when given), read
 * the reply header block without reading past its blank line, and return the stream, which
 * from then on carries the raw proxied bytes (RFB). A non-2xx reply fails with
 * LAGOON_TRANSPORT_ERROR_HTTP_STATUS. */
GIOStream          *lagoon_http_client_open_tunnel       (LagoonHttpClient     *self,
                                                          const char           *path,
                                                          const char           *session_id,
                                                          GCancellable         *cancellable,
                                                          GError              **error);
void                lagoon_http_client_open_tunnel_async (LagoonHttpClient     *self,
                                                          const char           *path,
                                                          const char           *session_id,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
GIOStream          *lagoon_http_client_open_tunnel_finish (LagoonHttpClient    *self,
                                                          GAsyncResult         *result,
                                                          GError              **error);

/* The same CONNECT exchange on a stream the caller already has. Returns TRUE when the
 * server answered 2xx; the stream is then positioned right after the header block. */
gboolean            lagoon_http_connect_on_stream        (GIOStream            *stream,
                                                          const char           *host,
                                                          const char           *path,
                                                          const char           *session_id,
                                                          guint                 timeout_ms,
                                                          GCancellable         *cancellable,
                                                          GError              **error);

/* Split an absolute http or https URL ("http://host:port/path?query", "https://[::1]/x")
 * into its parts (the port defaults to 80 or 443, the path to "/"). Returns FALSE for a
 * malformed, relative or non-HTTP URL. */
gboolean            lagoon_http_split_url                (const char           *url,
                                                          gboolean             *tls,
                                                          char                **host,
                                                          guint16              *port,
                                                          char                **path);

G_END_DECLS
