/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lagoon-rig-util.c: processes, temporary directories and ports for the test rig */

#define G_LOG_DOMAIN "lagoon-rig"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "lagoon-rig-private.h"

G_DEFINE_QUARK (lagoon-rig-error-quark, lagoon_rig_error)

#define STALE_AGE_SECONDS 3600

gboolean
lagoon_rig_error_is_missing (const GError *error)
{
  return error != NULL && g_error_matches (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_NOT_FOUND);
}

/* ---- processes --------------------------------------------------------------------------- */

static void
child_setup (gpointer user_data)
{
  pid_t parent = (pid_t) GPOINTER_TO_INT (user_data);

  /* Dies with the thread that spawned it, even when the test aborts. If that thread is already
   * gone, the signal would never come: leave at once. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != parent)
    _exit (127);
}

gboolean
lagoon_rig_proc_spawn (LagoonRigProc       *proc,
                       const char * const  *argv,
                       const char          *log_path,
                       GError             **error)
{
  int log_fd;
  gboolean ok;

  g_return_val_if_fail (proc != NULL, FALSE);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, FALSE);

  proc->pid = 0;
  proc->status = 0;

  log_fd = g_open (log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0)
    {
      int saved = errno;
      g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED,
                   "Cannot open %s: %s", log_path, g_strerror (saved));
      return FALSE;
    }

  ok = g_spawn_async_with_pipes_and_fds (NULL, argv, NULL,
                                         G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL,
                                         child_setup, GINT_TO_POINTER ((int) getpid ()),
                                         -1, log_fd, log_fd,
                                         NULL, NULL, 0,
                                         &proc->pid, NULL, NULL, NULL,
                                         error);
  close (log_fd);
  if (!ok)
    proc->pid = 0;
  return ok;
}

gboolean
lagoon_rig_proc_alive (LagoonRigProc *proc)
{
  pid_t r;
  int status;

  if (proc->pid <= 0)
    return FALSE;

  do
    r = waitpid (proc->pid, &status, WNOHANG);
  while (r < 0 && errno == EINTR);

  if (r == 0)
    return TRUE;

  /* Reaped now, or already reaped by someone else (ECHILD): either way it is gone. */
  proc->status = r > 0 ? status : 0;
  proc->pid = 0;
  return FALSE;
}

gboolean
lagoon_rig_proc_wait (LagoonRigProc *proc,
                      guint          timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (lagoon_rig_proc_alive (proc))
    {
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      g_usleep (5 * 1000);
    }
  return TRUE;
}

void
lagoon_rig_proc_kill (LagoonRigProc *proc)
{
  if (!lagoon_rig_proc_alive (proc))
    return;
  kill (proc->pid, SIGKILL);
  /* SIGKILL cannot be ignored; the wait only covers scheduling. */
  if (!lagoon_rig_proc_wait (proc, 10000))
    g_warning ("Process %d survived SIGKILL for 10 s", (int) proc->pid);
}

void
lagoon_rig_proc_stop (LagoonRigProc *proc,
                      guint          term_ms)
{
  if (!lagoon_rig_proc_alive (proc))
    return;
  kill (proc->pid, SIGTERM);
  if (lagoon_rig_proc_wait (proc, term_ms))
    return;
  g_debug ("Process %d ignored SIGTERM for %u ms, killing it", (int) proc->pid, term_ms);
  lagoon_rig_proc_kill (proc);
}

char *
lagoon_rig_proc_describe (const LagoonRigProc *proc)
{
  if (proc->pid > 0)
    return g_strdup_printf ("is running as pid %d", (int) proc->pid);
  if (WIFEXITED (proc->status))
    return g_strdup_printf ("exited with status %d", WEXITSTATUS (proc->status));
  if (WIFSIGNALED (proc->status))
    return g_strdup_printf ("was killed by signal %d", WTERMSIG (proc->status));
  return g_strdup ("ended");
}

/* ---- files -------------------------------------------------------------------------------- */

static int
rm_rf_one (const char        *path,
           const struct stat *st,
           int                flag,
           struct FTW        *ftw)
{
  if (remove (path) != 0 && errno != ENOENT)
    g_debug ("Cannot remove %s: %s", path, g_strerror (errno));
  return 0;
}

void
lagoon_rig_rm_rf (const char *path)
{
  if (path == NULL || *path == '\0' || g_str_equal (path, "/"))
    return;
  /* A process that was just stopped may still create a file: sshd blocks signals outside its
   * poll, so when SIGTERM arrives just as a connection does, it forks one last child, which
   * logs "no hostkeys available" into the directory and exits. Try again briefly. */
  for (guint i = 0; i < 25; i++)
    {
      nftw (path, rm_rf_one, 16, FTW_DEPTH | FTW_PHYS);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return;
      g_usleep (20 * 1000);
    }
  g_debug ("Could not remove %s", path);
}

/* Each rig directory names the test process that made it. Without that file, it is being
 * created (young) or was half removed (old). */
static gboolean
owner_alive (const char *dir,
             time_t      age)
{
  g_autofree char *path = g_build_filename (dir, ".owner", NULL);
  g_autofree char *contents = NULL;
  guint64 pid = 0;

  if (!g_file_get_contents (path, &contents, NULL, NULL) ||
      !g_ascii_string_to_unsigned (g_strstrip (contents), 10, 1, G_MAXINT, &pid, NULL))
    return age < 300;
  return kill ((pid_t) pid, 0) == 0 || errno != ESRCH;
}

static void
remove_stale_dirs (void)
{
  const char *tmp = g_get_tmp_dir ();
  g_autoptr(GDir) dir = g_dir_open (tmp, 0, NULL);
  const char *name;
  time_t now = time (NULL);

  if (dir == NULL)
    return;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      struct stat st;

      if (!g_str_has_prefix (name, "lagoon-rig-"))
        continue;
      path = g_build_filename (tmp, name, NULL);
      if (lstat (path, &st) != 0 || !S_ISDIR (st.st_mode) || st.st_uid != getuid ())
        continue;
      if (now - st.st_mtime < STALE_AGE_SECONDS && owner_alive (path, now - st.st_mtime))
        continue;
      g_debug ("Removing stale rig directory %s", path);
      lagoon_rig_rm_rf (path);
    }
}

char *
lagoon_rig_make_tmp_dir (GError **error)
{
  static gsize cleaned = 0;
  char *dir;

  if (g_once_init_enter (&cleaned))
    {
      remove_stale_dirs ();
      g_once_init_leave (&cleaned, 1);
    }

  dir = g_dir_make_tmp ("lagoon-rig-XXXXXX", error);
  if (dir == NULL)
    return NULL;
  /* Traversable, so that sshd can read authorized_keys as another user; private keys stay 0600. */
  g_chmod (dir, 0755);
  {
    g_autofree char *owner = g_build_filename (dir, ".owner", NULL);
    g_autofree char *pid = g_strdup_printf ("%d\n", (int) getpid ());

    g_file_set_contents (owner, pid, -1, NULL);
  }
  return dir;
}

char *
lagoon_rig_file_tail (const char *path,
                      guint       n_lines)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  const char *p;
  guint seen = 0;

  if (path == NULL || !g_file_get_contents (path, &contents, &len, NULL) || len == 0)
    return g_strdup ("");

  p = contents + len;
  if (p[-1] == '\n')
    p--;
  while (p > contents)
    {
      if (p[-1] == '\n' && ++seen == n_lines)
        break;
      p--;
    }
  return g_utf8_make_valid (p, contents + len - p);
}

char *
lagoon_rig_find_program (const char         *env_var,
                         const char * const *candidates,
                         const char         *name,
                         GError            **error)
{
  const char *env = env_var != NULL ? g_getenv (env_var) : NULL;
  char *found;

  if (env != NULL && *env != '\0')
    {
      if (g_file_test (env, G_FILE_TEST_IS_EXECUTABLE))
        return g_strdup (env);
      g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_NOT_FOUND,
                   "%s=%s is not an executable", env_var, env);
      return NULL;
    }

  for (guint i = 0; candidates != NULL && candidates[i] != NULL; i++)
    if (g_file_test (candidates[i], G_FILE_TEST_IS_EXECUTABLE))
      return g_strdup (candidates[i]);

  found = g_find_program_in_path (name);
  if (found == NULL)
    g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_NOT_FOUND,
                 "%s not found (install it, or set %s)", name, env_var ? env_var : "PATH");
  return found;
}

/* ---- ports -------------------------------------------------------------------------------- */

guint16
lagoon_rig_free_port (void)
{
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof addr;
  guint16 port = 0;
  int fd;

  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return 0;

  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) == 0 &&
      getsockname (fd, (struct sockaddr *) &addr, &len) == 0)
    port = ntohs (addr.sin_port);
  close (fd);
  return port;
}

gboolean
lagoon_rig_port_accepts (guint16 port)
{
  struct sockaddr_in addr = { 0 };
  gboolean ok;
  int fd;

  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return FALSE;
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  addr.sin_port = htons (port);
  ok = connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0;
  close (fd);
  return ok;
}

gboolean
lagoon_rig_wait_for_port (guint16 port,
                          guint   timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!lagoon_rig_port_accepts (port))
    {
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      g_usleep (10 * 1000);
    }
  return TRUE;
}
