/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sim-console.h: `CONNECT /console` as xapi's console handler answers it, spliced to a real
 * QEMU (TCG, VNC on a unix socket) started on demand for each running VM; plus the small
 * helpers every HTTP handler shares (query parameters, session check).
 */
#pragma once

#include <gio/gio.h>

#include "sim-server.h"

G_BEGIN_DECLS

typedef struct _SimConsoles SimConsoles;

/* @guest_iso NULL: no QEMU (--consoles none); every CONNECT then fails. */
SimConsoles *sim_consoles_new   (SimServer          *server,
                                 const char         *guest_iso);
/* Kills every QEMU and removes the socket directory; later CONNECTs fail. */
void         sim_consoles_stop  (SimConsoles        *consoles);
void         sim_consoles_free  (SimConsoles        *consoles);

/*
 * Serves one `CONNECT /console?...` on @connection, which it then owns until the proxied
 * session ends. @pending: bytes the HTTP reader already took past the request head.
 */
void         sim_consoles_serve (SimConsoles        *consoles,
                                 GSocketConnection  *connection,
                                 const char         *local_address,
                                 const char         *query,
                                 const char         *cookie,
                                 const guint8       *pending,
                                 gsize               n_pending);

/* Number of QEMU processes the simulator runs now. */
guint        sim_consoles_n_running (SimConsoles    *consoles);

/* A query parameter, percent-decoded (NULL when absent). */
char        *sim_query_get      (const char         *query,
                                 const char         *key);
/* session_id from the Cookie header (wins) or the query. */
char        *sim_request_session (const char        *query,
                                  const char        *cookie);
/* The host ref answering at @local_address (db->lock held), or NULL. */
const char  *sim_host_at_address (SimDb             *db,
                                  const char        *local_address);
/* Whether @session may use HTTP handlers at @host_ref (db->lock held). */
gboolean     sim_session_ok     (SimDb              *db,
                                 const char         *host_ref,
                                 const char         *session);

G_END_DECLS
