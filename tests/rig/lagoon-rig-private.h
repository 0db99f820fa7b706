/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lagoon-rig-private.h: helpers shared by the rig's fixtures */

#pragma once

#include "lagoon-rig.h"

G_BEGIN_DECLS

/* A child process we reap ourselves (no main loop needed). */
typedef struct
{
  GPid     pid;      /* 0 once reaped */
  int      status;   /* wait status once reaped */
} LagoonRigProc;

/* Spawns argv with stdin from /dev/null, stdout and stderr appended to log_path, and
 * PR_SET_PDEATHSIG(SIGKILL) so the child dies with the calling thread. */
gboolean lagoon_rig_proc_spawn   (LagoonRigProc       *proc,
                                  const char * const  *argv,
                                  const char          *log_path,
                                  GError             **error);
/* Reaps without blocking; TRUE while the child runs. */
gboolean lagoon_rig_proc_alive   (LagoonRigProc       *proc);
/* Waits up to timeout_ms for the child to exit; TRUE when reaped. */
gboolean lagoon_rig_proc_wait    (LagoonRigProc       *proc,
                                  guint                timeout_ms);
/* SIGTERM, wait up to term_ms, then SIGKILL and wait. */
void     lagoon_rig_proc_stop    (LagoonRigProc       *proc,
                                  guint                term_ms);
/* SIGKILL and reap. */
void     lagoon_rig_proc_kill    (LagoonRigProc       *proc);
/* "exited with status 1", "killed by signal 9" */
char    *lagoon_rig_proc_describe (const LagoonRigProc *proc);

/* Removes lagoon-rig-* directories older than an hour, or whose test process is gone, from the
 * temporary directory (once per process), then makes a fresh lagoon-rig-XXXXXX directory. */
char    *lagoon_rig_make_tmp_dir (GError            **error);
/* rm -rf, without following symlinks. */
void     lagoon_rig_rm_rf        (const char         *path);
/* The last n_lines lines of a text file ("" when unreadable). */
char    *lagoon_rig_file_tail    (const char         *path,
                                  guint               n_lines);
/* Finds a program: $env_var if set, else the candidates (absolute) then PATH. */
char    *lagoon_rig_find_program (const char         *env_var,
                                  const char * const *candidates,
                                  const char         *name,
                                  GError            **error);

G_END_DECLS
