/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lagoon-rig-sim.c: runs the xapi-sim simulator for a test */

#define G_LOG_DOMAIN "lagoon-rig"

#include "config.h"

#include <string.h>

#include "lagoon-rig-private.h"

#define SIM_START_TIMEOUT_MS 20000
#define SIM_STOP_TIMEOUT_MS  5000
#define SIM_READY_PREFIX     "xapi-sim: listening on http://"

struct _LagoonRigSim
{
  LagoonRigProc proc;
  char         *dir;
  char         *log_path;
  char         *address;
  char         *url;
  guint16       port;
};

char *
lagoon_rig_sim_find_binary (GError **error)
{
  const char *env = g_getenv ("LAGOON_XAPI_SIM");
  const char *builddir = g_getenv ("LAGOON_BUILDDIR");
  g_autofree char *path = NULL;

  if (env != NULL && *env != '\0')
    path = g_strdup (env);
  else
    path = g_build_filename (builddir && *builddir ? builddir : LAGOON_BUILDDIR,
                             "tests", "xapi-sim", "xapi-sim", NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_NOT_FOUND,
                   "The simulator %s was not found (build it, or set LAGOON_XAPI_SIM)", path);
      return NULL;
    }
  return g_steal_pointer (&path);
}

/* Finds "xapi-sim: listening on http://ADDR:PORT" at the start of a line. */
static gboolean
parse_ready_line (LagoonRigSim *self,
                  const char   *log)
{
  const char *p = log;

  while ((p = strstr (p, SIM_READY_PREFIX)) != NULL)
    {
      const char *start = p + strlen (SIM_READY_PREFIX);
      const char *eol = strchr (start, '\n');
      g_autofree char *hostport = NULL;
      const char *colon;
      guint64 port = 0;

      if ((p != log && p[-1] != '\n') || eol == NULL)
        {
          /* Not at a line start, or the line is not complete yet. */
          p = start;
          continue;
        }
      hostport = g_strstrip (g_strndup (start, eol - start));
      if (g_str_has_suffix (hostport, "/"))
        hostport[strlen (hostport) - 1] = '\0';
      colon = strrchr (hostport, ':');
      if (colon == NULL || colon == hostport ||
          !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
        {
          p = start;
          continue;
        }
      self->address = g_strndup (hostport, colon - hostport);
      self->port = (guint16) port;
      self->url = g_strconcat ("http://", hostport, NULL);
      return TRUE;
    }
  return FALSE;
}

LagoonRigSim *
lagoon_rig_sim_start (const char * const  *extra_args,
                      GError             **error)
{
  g_autofree char *binary = NULL;
  g_autoptr(GPtrArray) argv = NULL;
  LagoonRigSim *self;
  gint64 deadline;

  binary = lagoon_rig_sim_find_binary (error);
  if (binary == NULL)
    return NULL;

  self = g_new0 (LagoonRigSim, 1);
  self->dir = lagoon_rig_make_tmp_dir (error);
  if (self->dir == NULL)
    goto fail;
  self->log_path = g_build_filename (self->dir, "xapi-sim.log", NULL);

  argv = g_ptr_array_new ();
  g_ptr_array_add (argv, binary);
  g_ptr_array_add (argv, (gpointer) "--port");
  g_ptr_array_add (argv, (gpointer) "0");
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  if (!lagoon_rig_proc_spawn (&self->proc, (const char * const *) argv->pdata, self->log_path,
                              error))
    goto fail;

  deadline = g_get_monotonic_time () + SIM_START_TIMEOUT_MS * 1000;
  for (;;)
    {
      g_autofree char *log = NULL;
      gboolean alive = lagoon_rig_proc_alive (&self->proc);

      /* Read after the liveness check: a line written just before exiting still counts. */
      if (g_file_get_contents (self->log_path, &log, NULL, NULL) && parse_ready_line (self, log))
        {
          if (alive)
            break;
        }
      if (!alive)
        {
          g_autofree char *how = lagoon_rig_proc_describe (&self->proc);
          g_autofree char *tail = lagoon_rig_file_tail (self->log_path, 20);

          g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED,
                       "xapi-sim %s before it was ready. Output:\n%s", how, tail);
          goto fail;
        }
      if (g_get_monotonic_time () >= deadline)
        {
          g_autofree char *tail = lagoon_rig_file_tail (self->log_path, 20);

          g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_TIMED_OUT,
                       "xapi-sim printed no \"" SIM_READY_PREFIX "ADDR:PORT\" line within %d s. "
                       "Output:\n%s", SIM_START_TIMEOUT_MS / 1000, tail);
          goto fail;
        }
      g_usleep (10 * 1000);
    }

  g_debug ("xapi-sim %d serving %s", (int) self->proc.pid, self->url);
  return self;

fail:
  lagoon_rig_sim_stop (self);
  return NULL;
}

void
lagoon_rig_sim_stop (LagoonRigSim *self)
{
  if (self == NULL)
    return;

  lagoon_rig_proc_stop (&self->proc, SIM_STOP_TIMEOUT_MS);
  if (self->dir != NULL)
    lagoon_rig_rm_rf (self->dir);
  g_free (self->dir);
  g_free (self->log_path);
  g_free (self->address);
  g_free (self->url);
  g_free (self);
}

const char *
lagoon_rig_sim_get_address (LagoonRigSim *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->address;
}

guint16
lagoon_rig_sim_get_port (LagoonRigSim *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->port;
}

const char *
lagoon_rig_sim_get_url (LagoonRigSim *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->url;
}

GPid
lagoon_rig_sim_get_pid (LagoonRigSim *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->proc.pid;
}

const char *
lagoon_rig_sim_get_dir (LagoonRigSim *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->dir;
}

const char *
lagoon_rig_sim_get_log_path (LagoonRigSim *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->log_path;
}

char *
lagoon_rig_sim_get_log_tail (LagoonRigSim *self,
                             guint         n_lines)
{
  g_return_val_if_fail (self != NULL, NULL);
  return lagoon_rig_file_tail (self->log_path, n_lines);
}
