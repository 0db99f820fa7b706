/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sim-generate.h: a realistic generated pool (hosts, SRs, networks, templates, VMs,
 * snapshots, vApps, alerts), emitted row by row exactly as the database-dump reader
 * emits them, so the simulator loads a generated pool and a real dump the same way.
 */
#pragma once

#include "lagoon-dbdump.h"

G_BEGIN_DECLS

typedef struct
{
  guint   hosts; /* at least 1 */
  guint   vms;   /* guest VMs, not counting templates, snapshots and control domains */
  guint64 seed;  /* the same seed gives the same rows, refs and uuids */
} SimGenerateOptions;

gboolean sim_generate (const SimGenerateOptions *options,
                       LagoonDbdumpRowFunc       row_func,
                       gpointer                  user_data,
                       GError                  **error);

/* Parses "HOSTS:VMS[:SEED]" as given to --generate. */
gboolean sim_generate_parse_spec (const char          *spec,
                                  SimGenerateOptions  *options,
                                  GError             **error);

G_END_DECLS
