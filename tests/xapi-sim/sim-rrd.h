/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sim-rrd.h: GET /rrd_updates (rrdtool xport XML, or JSON with json=true) and the full
 * /host_rrd and /vm_rrd dumps (rrdtool dump XML), from synthetic but plausible per-host and
 * per-VM series.
 */
#pragma once

#include <glib.h>

#include "sim-server.h"

G_BEGIN_DECLS

/* Whether @path is one of the metrics handlers. */
gboolean sim_rrd_handles (const char  *path);
/*
 * Answers one metrics GET at @local_address: returns the HTTP status, the body in @body and
 * its type in @content_type (200 only).
 */
int      sim_rrd_handle  (SimServer   *server,
                          const char  *local_address,
                          const char  *path,
                          const char  *query,
                          const char  *cookie,
                          GString     *body,
                          char       **content_type);

G_END_DECLS
