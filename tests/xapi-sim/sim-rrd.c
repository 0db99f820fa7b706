/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "xapi-sim"

#include "config.h"

#include "sim-console.h"
#include "sim-rrd.h"

gboolean
sim_rrd_handles (const char *path)
{
  return g_str_equal (path, "/rrd_updates");
}

int
sim_rrd_handle (SimServer   *server,
                const char  *local_address,
                const char  *path,
                const char  *query,
                const char  *cookie,
                GString     *body,
                char       **content_type)
{
  SimDb *db = sim_server_get_db (server);
  g_autofree char *session = sim_request_session (query, cookie);
  gboolean ok;

  (void) path;
  (void) content_type;
  g_string_truncate (body, 0);
  g_mutex_lock (&db->lock);
  ok = sim_session_ok (db, sim_host_at_address (db, local_address), session);
  g_mutex_unlock (&db->lock);
  if (!ok)
    return 401;
  g_string_append (body, "rrd_updates is not implemented yet");
  return 404;
}
