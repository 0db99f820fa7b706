/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sim-http.h: the simulator's HTTP/1.1 server: one thread per connection, keep-alive,
 * Content-Length or chunked request bodies, XML-RPC on any POST path but /jsonrpc (and the
 * legacy /json), JSON-RPC there, CORS preflight.
 */
#pragma once

#include <gio/gio.h>

#include "sim-console.h"
#include "sim-server.h"

G_BEGIN_DECLS

#define SIM_HTTP_MAX_BODY   (64 * 1024 * 1024)
#define SIM_HTTP_MAX_HEADER (64 * 1024)

typedef struct _SimHttp SimHttp;

SimHttp  *sim_http_new    (SimServer   *server);
void      sim_http_free   (SimHttp     *http);
/* Listens on @address:@port (0 = pick one); returns the port, or 0 with @error set. */
guint     sim_http_listen (SimHttp     *http,
                           const char  *address,
                           guint        port,
                           GError     **error);
/* Serves CONNECT /console with @consoles (not owned). */
void      sim_http_set_consoles (SimHttp     *http,
                                 SimConsoles *consoles);
void      sim_http_start  (SimHttp     *http);
void      sim_http_stop   (SimHttp     *http);

G_END_DECLS
