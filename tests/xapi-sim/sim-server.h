/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sim-server.h: the XenAPI behind the wire. Dispatches parsed calls (generic per-class
 * messages from the schema, sessions, events, tasks) against a SimDb and writes xapi's
 * response envelopes.
 */
#pragma once

#include <glib.h>

#include "sim-db.h"
#include "sim-request.h"

G_BEGIN_DECLS

typedef struct _SimServer SimServer;

typedef struct
{
  const char *user;
  const char *password;
  double      speed;       /* task duration factor, 0 = instant */
  const char *address;     /* coordinator address; supporters follow (127.0.0.2, ...) */
  guint       port;
} SimServerOptions;

/* Takes @db. Rewrites host addresses and console locations, makes sure pool.master exists. */
SimServer  *sim_server_new            (SimDb                  *db,
                                       const SimServerOptions *options);
void        sim_server_free           (SimServer              *server);

SimDb      *sim_server_get_db         (SimServer              *server);
/* Host addresses in order: [0] is the coordinator. */
guint       sim_server_n_hosts        (SimServer              *server);
const char *sim_server_host_address   (SimServer              *server,
                                       guint                   index);
/* Sets the port once it is known (--port 0) and rewrites console locations. */
void        sim_server_set_port       (SimServer              *server,
                                       guint                   port);

/*
 * Handles one call that arrived at @local_address. Writes the whole response body into
 * @out (XML-RPC or JSON-RPC, as the request was).
 */
void        sim_server_handle         (SimServer              *server,
                                       const char             *local_address,
                                       SimRequest             *request,
                                       GString                *out);

/* Writes the database (persistent classes only) with the dump writer. */
gboolean    sim_server_save           (SimServer              *server,
                                       const char             *path,
                                       GError                **error);

/* The non-generic messages the simulator answers (for README and tests). */
const char *const *sim_server_special_messages (void);

G_END_DECLS
