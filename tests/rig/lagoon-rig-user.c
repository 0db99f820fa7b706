/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lagoon-rig-user.c: throwaway local users for password authentication tests */

#define G_LOG_DOMAIN "lagoon-rig"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "lagoon-rig-private.h"

#define USER_PREFIX "lagoonrig"
#define GECOS_PREFIX "lagoon-rig test user, pid "

struct _LagoonRigUser
{
  char *name;
};

static const char * const useradd_candidates[] = { "/usr/sbin/useradd", "/sbin/useradd", NULL };
static const char * const userdel_candidates[] = { "/usr/sbin/userdel", "/sbin/userdel", NULL };
static const char * const chpasswd_candidates[] = { "/usr/sbin/chpasswd", "/sbin/chpasswd", NULL };

static gboolean
run_tool (const char * const  *argv,
          const char          *input,
          GError             **error)
{
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GBytes) in = g_bytes_new (input ? input : "", input ? strlen (input) : 0);
  g_autoptr(GBytes) err = NULL;

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                            G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  if (proc == NULL || !g_subprocess_communicate (proc, in, NULL, NULL, &err, error))
    return FALSE;
  if (g_subprocess_get_if_exited (proc) && g_subprocess_get_exit_status (proc) == 0)
    return TRUE;
  g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED, "%s failed: %.*s", argv[0],
               (int) (err ? g_bytes_get_size (err) : 0),
               err ? (const char *) g_bytes_get_data (err, NULL) : "");
  return FALSE;
}

static void
userdel (const char *name)
{
  g_autofree char *tool = lagoon_rig_find_program (NULL, userdel_candidates, "userdel", NULL);
  g_autoptr(GError) error = NULL;
  const char *argv[] = { tool, name, NULL };

  if (tool != NULL && !run_tool (argv, NULL, &error))
    g_debug ("Removing test user %s: %s", name, error->message);
}

/* Users whose test process died (an aborted test) are removed. */
static void
remove_stale_users (void)
{
  g_autofree char *passwd = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/etc/passwd", &passwd, NULL, NULL))
    return;
  lines = g_strsplit (passwd, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], ":", 7);
      guint64 pid = 0;

      if (g_strv_length (f) < 5 || !g_str_has_prefix (f[0], USER_PREFIX) ||
          !g_str_has_prefix (f[4], GECOS_PREFIX) ||
          !g_ascii_string_to_unsigned (f[4] + strlen (GECOS_PREFIX), 10, 1, G_MAXINT, &pid, NULL))
        continue;
      if (kill ((pid_t) pid, 0) == 0 || errno != ESRCH)
        continue;
      g_debug ("Removing stale test user %s", f[0]);
      userdel (f[0]);
    }
}

LagoonRigUser *
lagoon_rig_user_add (const char  *password,
                     GError     **error)
{
  g_autofree char *useradd = NULL;
  g_autofree char *chpasswd = NULL;
  g_autofree char *name = NULL;
  g_autofree char *gecos = NULL;
  g_autofree char *line = NULL;
  LagoonRigUser *self;

  g_return_val_if_fail (password != NULL && strchr (password, '\n') == NULL, NULL);

  if (geteuid () != 0)
    {
      g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_NOT_FOUND,
                   "Adding a test user needs root");
      return NULL;
    }
  useradd = lagoon_rig_find_program (NULL, useradd_candidates, "useradd", error);
  if (useradd == NULL)
    return NULL;
  chpasswd = lagoon_rig_find_program (NULL, chpasswd_candidates, "chpasswd", error);
  if (chpasswd == NULL)
    return NULL;

  remove_stale_users ();

  name = g_strdup_printf (USER_PREFIX "%06x", g_random_int_range (0, 0xffffff));
  gecos = g_strdup_printf (GECOS_PREFIX "%d", (int) getpid ());
  {
    const char *argv[] = { useradd, "-M", "-d", "/", "-s", "/bin/sh", "-c", gecos, name, NULL };

    if (!run_tool (argv, NULL, error))
      return NULL;
  }

  self = g_new0 (LagoonRigUser, 1);
  self->name = g_steal_pointer (&name);

  line = g_strdup_printf ("%s:%s\n", self->name, password);
  {
    const char *argv[] = { chpasswd, NULL };

    if (!run_tool (argv, line, error))
      {
        lagoon_rig_user_remove (self);
        return NULL;
      }
  }
  return self;
}

void
lagoon_rig_user_remove (LagoonRigUser *self)
{
  if (self == NULL)
    return;
  userdel (self->name);
  g_free (self->name);
  g_free (self);
}

const char *
lagoon_rig_user_get_name (LagoonRigUser *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}
