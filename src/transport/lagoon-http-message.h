/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LAGOON_HTTP_DEFAULT_MAX_HEAD  (64 * 1024)
#define LAGOON_HTTP_DEFAULT_MAX_BODY  (G_GUINT64_CONSTANT (256) * 1024 * 1024)

/* A parsed HTTP reply: status line, headers and (unless streamed to a sink) the body. */
typedef struct _LagoonHttpResponse LagoonHttpResponse;

#define LAGOON_TYPE_HTTP_RESPONSE (lagoon_http_response_get_type ())
GType               lagoon_http_response_get_type        (void) G_GNUC_CONST;

LagoonHttpResponse *lagoon_http_response_ref             (LagoonHttpResponse  *self);
void                lagoon_http_response_unref           (LagoonHttpResponse  *self);

guint               lagoon_http_response_get_status      (LagoonHttpResponse  *self);
const char         *lagoon_http_response_get_reason      (LagoonHttpResponse  *self);
/* 0 for HTTP/1.0, 1 for HTTP/1.1. */
guint               lagoon_http_response_get_minor_version (LagoonHttpResponse *self);
/* First header of that name (case-insensitive), or NULL. */
const char         *lagoon_http_response_get_header      (LagoonHttpResponse  *self,
                                                          const char          *name);
guint               lagoon_http_response_get_n_headers   (LagoonHttpResponse  *self);
/* Empty bytes when the body went to a sink or there was none. */
GBytes             *lagoon_http_response_get_body        (LagoonHttpResponse  *self);
/* The URL that answered (differs from the request's after redirects), or NULL. */
const char         *lagoon_http_response_get_url         (LagoonHttpResponse  *self);

/* Parse a header block: status line and header lines up to and including the blank line
 * (CRLF or bare LF line ends). */
LagoonHttpResponse *lagoon_http_response_parse_head      (const char          *data,
                                                          gsize                length,
                                                          GError             **error);

/* Receives body bytes as they arrive (@response gives the status and headers). Return
 * FALSE with @error set to abort the reply (the connection is then closed). */
typedef gboolean (*LagoonHttpBodySink) (LagoonHttpResponse *response,
                                        const guint8  *data,
                                        gsize          length,
                                        gpointer       user_data,
                                        GError       **error);

/* Reads replies from one connection's input: exactly one reply at a time, bounded, keeping
 * any bytes read ahead for the next reply on the same connection. */
typedef struct _LagoonHttpReader LagoonHttpReader;

LagoonHttpReader   *lagoon_http_reader_new               (GInputStream        *input);
void                lagoon_http_reader_free              (LagoonHttpReader    *self);
void                lagoon_http_reader_set_limits        (LagoonHttpReader    *self,
                                                          gsize                max_head,
                                                          guint64              max_body);
/* Read the status line and headers (skipping 1xx interim replies). @request_method decides
 * whether a body follows (none for HEAD). */
LagoonHttpResponse *lagoon_http_reader_read_head         (LagoonHttpReader    *self,
                                                          const char          *request_method,
                                                          GCancellable        *cancellable,
                                                          GError             **error);
/* Read the body of @response (Content-Length, chunked, or up to the close): to @sink when
 * given, else into the response (see lagoon_http_response_get_body). */
gboolean            lagoon_http_reader_read_body         (LagoonHttpReader    *self,
                                                          LagoonHttpResponse  *response,
                                                          LagoonHttpBodySink   sink,
                                                          gpointer             user_data,
                                                          GCancellable        *cancellable,
                                                          GError             **error);
/* TRUE when the last reply was read completely and the connection may carry another. */
gboolean            lagoon_http_reader_is_reusable       (LagoonHttpReader    *self);
/* Bytes received since the last call to lagoon_http_reader_read_head began. */
guint64             lagoon_http_reader_get_received      (LagoonHttpReader    *self);
/* Bytes read from HTTP servers by this process so far (headers and bodies). */
guint64             lagoon_http_get_total_received       (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LagoonHttpResponse, lagoon_http_response_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LagoonHttpReader, lagoon_http_reader_free)

/* Internal to the transport library. */
void                lagoon_http_response_set_url         (LagoonHttpResponse  *self,
                                                          const char          *url);

G_END_DECLS
