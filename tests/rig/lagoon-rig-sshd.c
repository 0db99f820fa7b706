/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lagoon-rig-sshd.c: a real OpenSSH server on a loopback port, for tests */

#define G_LOG_DOMAIN "lagoon-rig"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "lagoon-rig-private.h"

#define START_TIMEOUT_MS   10000
#define STOP_TIMEOUT_MS    5000
#define MAX_PORT_ATTEMPTS  8
#define PRIVSEP_DIR        "/run/sshd"
#define PASSPHRASE         "lagoon rig passphrase"

struct _LagoonRigSshd
{
  LagoonRigProc proc;

  gboolean      password_auth;
  gboolean      rsa_host_key;
  gboolean      fixed_port;
  guint16       port;
  char        **extra_config;

  char         *sshd_path;
  char         *keygen_path;
  char         *user;
  char         *dir;
  char         *config_path;
  char         *log_path;
  gsize         log_offset;   /* where the current run's lines start */

  char         *key_path;
  char         *pub_path;
  char         *enc_key_path;
  char         *bad_key_path;

  char         *host_key_line;
  char         *rsa_host_key_line;
  GBytes       *host_key_blob;
  char         *fingerprint;

  char         *known_hosts;
  char         *changed_known_hosts;
  char         *hashed_known_hosts;
};

static void
sshd_free (LagoonRigSshd *self)
{
  g_strfreev (self->extra_config);
  g_free (self->sshd_path);
  g_free (self->keygen_path);
  g_free (self->user);
  g_free (self->dir);
  g_free (self->config_path);
  g_free (self->log_path);
  g_free (self->key_path);
  g_free (self->pub_path);
  g_free (self->enc_key_path);
  g_free (self->bad_key_path);
  g_free (self->host_key_line);
  g_free (self->rsa_host_key_line);
  g_clear_pointer (&self->host_key_blob, g_bytes_unref);
  g_free (self->fingerprint);
  g_free (self->known_hosts);
  g_free (self->changed_known_hosts);
  g_free (self->hashed_known_hosts);
  g_free (self);
}

/* ---- process tree ------------------------------------------------------------------------ */

static pid_t
read_ppid (const char *pid_name)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid_name);
  g_autofree char *contents = NULL;
  const char *p;
  long ppid = 0;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  /* "pid (comm) state ppid ...": comm may hold spaces and parentheses. */
  p = strrchr (contents, ')');
  if (p == NULL || sscanf (p + 1, " %*c %ld", &ppid) != 1)
    return 0;
  return (pid_t) ppid;
}

/* sshd forks a process per connection, which calls setsid(): signalling the daemon alone
 * leaves the sessions running. Collect every descendant through /proc. */
static GArray *
collect_descendants (pid_t root)
{
  g_autoptr(GArray) pids = g_array_new (FALSE, FALSE, sizeof (pid_t));
  g_autoptr(GArray) parents = g_array_new (FALSE, FALSE, sizeof (pid_t));
  g_autoptr(GArray) result = g_array_new (FALSE, FALSE, sizeof (pid_t));
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *name;
  gboolean grew = TRUE;

  if (dir == NULL || root <= 1)
    return g_steal_pointer (&result);

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      pid_t pid, ppid;

      if (!g_ascii_isdigit (name[0]))
        continue;
      pid = (pid_t) g_ascii_strtoll (name, NULL, 10);
      ppid = read_ppid (name);
      g_array_append_val (pids, pid);
      g_array_append_val (parents, ppid);
    }

  while (grew)
    {
      grew = FALSE;
      for (guint i = 0; i < pids->len; i++)
        {
          pid_t pid = g_array_index (pids, pid_t, i);
          pid_t ppid = g_array_index (parents, pid_t, i);
          gboolean parent_known = ppid == root;
          gboolean already = FALSE;

          for (guint j = 0; j < result->len && !parent_known; j++)
            parent_known = g_array_index (result, pid_t, j) == ppid;
          if (!parent_known)
            continue;
          for (guint j = 0; j < result->len && !already; j++)
            already = g_array_index (result, pid_t, j) == pid;
          if (!already)
            {
              g_array_append_val (result, pid);
              grew = TRUE;
            }
        }
    }

  return g_steal_pointer (&result);
}

static gboolean
process_gone (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *contents = NULL;
  const char *p;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return TRUE;
  p = strrchr (contents, ')');
  /* A zombie whose parent does not reap it (init in a container) does no more harm. */
  return p != NULL && (p[2] == 'Z' || p[2] == 'X');
}

/* SIGKILLs the daemon's connection processes and waits until they are gone, so that none writes
 * to the directory afterwards, and sends master_signal to the daemon while it is still frozen
 * (otherwise it could accept a connection waiting in its backlog and fork again). */
static void
kill_sessions (LagoonRigSshd *self,
               int            master_signal)
{
  g_autoptr(GArray) children = NULL;
  gint64 deadline;
  int status;
  pid_t r;

  if (!lagoon_rig_proc_alive (&self->proc))
    return;

  /* Freeze the daemon so it forks nothing while we look; SIGSTOP is asynchronous, so wait
   * until it has taken effect. */
  kill (self->proc.pid, SIGSTOP);
  do
    r = waitpid (self->proc.pid, &status, WUNTRACED);
  while (r < 0 && errno == EINTR);
  if (r != self->proc.pid || !WIFSTOPPED (status))
    {
      /* It died meanwhile (or was reaped elsewhere): its sessions, if any, are orphans now. */
      self->proc.status = r == self->proc.pid ? status : 0;
      self->proc.pid = 0;
      return;
    }

  children = collect_descendants (self->proc.pid);
  for (guint i = 0; i < children->len; i++)
    kill (g_array_index (children, pid_t, i), SIGKILL);
  if (master_signal != 0)
    kill (self->proc.pid, master_signal);
  kill (self->proc.pid, SIGCONT);

  deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  for (guint i = 0; i < children->len; i++)
    while (!process_gone (g_array_index (children, pid_t, i)) &&
           g_get_monotonic_time () < deadline)
      g_usleep (2 * 1000);
}

/* ---- helpers ------------------------------------------------------------------------------ */

static gboolean
run_sync (const char * const  *argv,
          GError             **error)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *cmd = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL,
                     &out, &err, &status, error))
    return FALSE;
  if (g_spawn_check_wait_status (status, NULL))
    return TRUE;

  cmd = g_strjoinv (" ", (char **) argv);
  g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED,
               "%s failed: %s%s", cmd, out ? out : "", err ? err : "");
  return FALSE;
}

static gboolean
keygen (LagoonRigSshd  *self,
        const char     *type,
        const char     *path,
        const char     *passphrase,
        GError        **error)
{
  const char *argv[] = {
    self->keygen_path, "-q", "-t", type, "-N", passphrase ? passphrase : "",
    "-C", "lagoon-rig", "-f", path,
    /* Few KDF rounds: decrypting an encrypted key stays fast in tests. */
    passphrase ? "-a" : NULL, "4", NULL
  };

  return run_sync (argv, error);
}

/* "type base64 comment\n" -> "type base64" */
static char *
read_public_key (const char  *path,
                 GError     **error)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) parts = NULL;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  g_strstrip (contents);
  parts = g_strsplit_set (contents, " \t", 3);
  if (g_strv_length (parts) < 2)
    {
      g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED,
                   "%s is not an OpenSSH public key", path);
      return NULL;
    }
  return g_strdup_printf ("%s %s", parts[0], parts[1]);
}

static gboolean
append_file (const char  *dest,
             const char  *src,
             GError     **error)
{
  g_autofree char *old = NULL;
  g_autofree char *add = NULL;
  g_autofree char *all = NULL;

  if (!g_file_get_contents (src, &add, NULL, error))
    return FALSE;
  if (!g_file_get_contents (dest, &old, NULL, NULL))
    old = g_strdup ("");
  all = g_strconcat (old, add, NULL);
  return g_file_set_contents_full (dest, all, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

/* OpenSSH 9.8 added per-source penalties, which would lock 127.0.0.1 out after a test's
 * deliberate authentication failure. Older versions reject the keyword. */
static gboolean
sshd_has_penalties (const char *sshd_path)
{
  const char *argv[] = { sshd_path, "-V", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *v;
  int major = 0, minor = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL,
                     &out, &err, NULL, NULL))
    return FALSE;
  v = err ? strstr (err, "OpenSSH_") : NULL;
  if (v == NULL && out != NULL)
    v = strstr (out, "OpenSSH_");
  if (v == NULL || sscanf (v, "OpenSSH_%d.%d", &major, &minor) != 2)
    return FALSE;
  return major > 9 || (major == 9 && minor >= 8);
}

static gboolean
write_config (LagoonRigSshd  *self,
              GError        **error)
{
  g_autoptr(GString) c = g_string_new (NULL);
  g_autofree char *authorized = g_build_filename (self->dir, "authorized_keys", NULL);
  g_autofree char *pid_file = g_build_filename (self->dir, "sshd.pid", NULL);
  g_autofree char *host_key = g_build_filename (self->dir, "host_ed25519_key", NULL);

  g_string_append_printf (c,
                          "# Written by the Lagoon test rig\n"
                          "ListenAddress 127.0.0.1\n"
                          "Port %u\n"
                          "HostKey %s\n",
                          self->port, host_key);
  if (self->rsa_host_key)
    {
      g_autofree char *rsa_key = g_build_filename (self->dir, "host_rsa_key", NULL);
      g_string_append_printf (c, "HostKey %s\n", rsa_key);
    }
  g_string_append_printf (c,
                          "PidFile %s\n"
                          "AuthorizedKeysFile %s\n"
                          "AuthorizedPrincipalsFile none\n"
                          "PubkeyAuthentication yes\n"
                          "PasswordAuthentication %s\n"
                          "KbdInteractiveAuthentication no\n"
                          "PermitEmptyPasswords no\n"
                          "PermitRootLogin %s\n"
                          "UsePAM no\n"
                          "StrictModes no\n"
                          "AllowTcpForwarding yes\n"
                          "AllowStreamLocalForwarding no\n"
                          "X11Forwarding no\n"
                          "PermitTunnel no\n"
                          "UseDNS no\n"
                          "PrintMotd no\n"
                          "PrintLastLog no\n"
                          "MaxSessions 100\n"
                          "MaxStartups 100:30:200\n"
                          "MaxAuthTries 10\n"
                          "LoginGraceTime 30\n"
                          "ClientAliveInterval 0\n"
                          "LogLevel VERBOSE\n",
                          pid_file, authorized,
                          self->password_auth ? "yes" : "no",
                          self->password_auth ? "yes" : "prohibit-password");
  if (sshd_has_penalties (self->sshd_path))
    g_string_append (c, "PerSourcePenalties no\n");
  for (guint i = 0; self->extra_config != NULL && self->extra_config[i] != NULL; i++)
    g_string_append_printf (c, "%s\n", self->extra_config[i]);

  return g_file_set_contents_full (self->config_path, c->str, c->len,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

static gboolean
make_keys (LagoonRigSshd  *self,
           GError        **error)
{
  g_autofree char *host_key = g_build_filename (self->dir, "host_ed25519_key", NULL);
  g_autofree char *host_pub = g_strconcat (host_key, ".pub", NULL);
  g_autofree char *other_key = g_build_filename (self->dir, "other_host_ed25519_key", NULL);
  g_autofree char *enc_pub = NULL;
  g_autofree char *authorized = g_build_filename (self->dir, "authorized_keys", NULL);
  g_autofree guchar *blob = NULL;
  g_autofree char *digest_b64 = NULL;
  g_autoptr(GChecksum) sum = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  gsize blob_len = 0;
  const char *space;
  char *eq;

  self->key_path = g_build_filename (self->dir, "id_ed25519", NULL);
  self->pub_path = g_strconcat (self->key_path, ".pub", NULL);
  self->enc_key_path = g_build_filename (self->dir, "id_ed25519_encrypted", NULL);
  self->bad_key_path = g_build_filename (self->dir, "id_ed25519_unauthorized", NULL);
  enc_pub = g_strconcat (self->enc_key_path, ".pub", NULL);

  if (!keygen (self, "ed25519", host_key, NULL, error) ||
      !keygen (self, "ed25519", other_key, NULL, error) ||
      !keygen (self, "ed25519", self->key_path, NULL, error) ||
      !keygen (self, "ed25519", self->enc_key_path, PASSPHRASE, error) ||
      !keygen (self, "ed25519", self->bad_key_path, NULL, error))
    return FALSE;

  if (self->rsa_host_key)
    {
      g_autofree char *rsa_key = g_build_filename (self->dir, "host_rsa_key", NULL);
      g_autofree char *rsa_pub = g_strconcat (rsa_key, ".pub", NULL);

      if (!keygen (self, "rsa", rsa_key, NULL, error))
        return FALSE;
      self->rsa_host_key_line = read_public_key (rsa_pub, error);
      if (self->rsa_host_key_line == NULL)
        return FALSE;
    }

  if (!append_file (authorized, self->pub_path, error) ||
      !append_file (authorized, enc_pub, error))
    return FALSE;

  self->host_key_line = read_public_key (host_pub, error);
  if (self->host_key_line == NULL)
    return FALSE;

  space = strchr (self->host_key_line, ' ');
  blob = g_base64_decode (space + 1, &blob_len);
  self->host_key_blob = g_bytes_new (blob, blob_len);

  sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, blob, blob_len);
  g_checksum_get_digest (sum, digest, &digest_len);
  digest_b64 = g_base64_encode (digest, digest_len);
  eq = strchr (digest_b64, '=');
  if (eq != NULL)
    *eq = '\0';
  self->fingerprint = g_strconcat ("SHA256:", digest_b64, NULL);

  return TRUE;
}

static gboolean
write_known_hosts (LagoonRigSshd  *self,
                   GError        **error)
{
  g_autofree char *other_pub = g_build_filename (self->dir, "other_host_ed25519_key.pub", NULL);
  g_autofree char *other_line = NULL;
  g_autofree char *host = g_strdup_printf ("[127.0.0.1]:%u", self->port);
  g_autofree char *good = NULL;
  g_autofree char *changed = NULL;
  g_autofree char *old = NULL;
  const char *hash_argv[] = { self->keygen_path, "-q", "-H", "-f", NULL, NULL };

  other_line = read_public_key (other_pub, error);
  if (other_line == NULL)
    return FALSE;

  if (self->rsa_host_key_line != NULL)
    good = g_strdup_printf ("%s %s\n%s %s\n", host, self->host_key_line,
                            host, self->rsa_host_key_line);
  else
    good = g_strdup_printf ("%s %s\n", host, self->host_key_line);
  changed = g_strdup_printf ("%s %s\n", host, other_line);

  g_free (self->known_hosts);
  g_free (self->changed_known_hosts);
  g_free (self->hashed_known_hosts);
  self->known_hosts = g_build_filename (self->dir, "known_hosts", NULL);
  self->changed_known_hosts = g_build_filename (self->dir, "known_hosts_changed", NULL);
  self->hashed_known_hosts = g_build_filename (self->dir, "known_hosts_hashed", NULL);

  if (!g_file_set_contents_full (self->known_hosts, good, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0644, error) ||
      !g_file_set_contents_full (self->changed_known_hosts, changed, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0644, error) ||
      !g_file_set_contents_full (self->hashed_known_hosts, good, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
    return FALSE;

  hash_argv[4] = self->hashed_known_hosts;
  if (!run_sync (hash_argv, error))
    return FALSE;
  old = g_strconcat (self->hashed_known_hosts, ".old", NULL);
  g_unlink (old);
  return TRUE;
}

static gboolean
ensure_privsep_dir (GError **error)
{
  if (geteuid () != 0 || g_file_test (PRIVSEP_DIR, G_FILE_TEST_IS_DIR))
    return TRUE;
  if (g_mkdir_with_parents (PRIVSEP_DIR, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED,
                   "sshd needs its privilege separation directory %s: %s",
                   PRIVSEP_DIR, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static gboolean
log_contains (LagoonRigSshd *self,
              const char    *needle)
{
  g_autofree char *contents = NULL;

  gsize len = 0;

  return g_file_get_contents (self->log_path, &contents, &len, NULL) &&
         len >= self->log_offset &&
         strstr (contents + self->log_offset, needle) != NULL;
}

/* One attempt on self->port. *port_taken tells whether it failed because the port was busy. */
static gboolean
spawn_and_wait (LagoonRigSshd  *self,
                gboolean       *port_taken,
                GError        **error)
{
  const char *argv[] = {
    self->sshd_path, "-D", "-f", self->config_path, "-E", self->log_path, NULL
  };
  g_autofree char *ready = g_strdup_printf ("Server listening on 127.0.0.1 port %u.", self->port);
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_MS * 1000;
  GStatBuf st;

  *port_taken = FALSE;

  /* Lines from an earlier run (restart, port retry) must not count. */
  self->log_offset = g_stat (self->log_path, &st) == 0 ? (gsize) st.st_size : 0;

  if (!lagoon_rig_proc_spawn (&self->proc, argv, self->log_path, error))
    return FALSE;

  for (;;)
    {
      if (!lagoon_rig_proc_alive (&self->proc))
        {
          g_autofree char *how = lagoon_rig_proc_describe (&self->proc);
          g_autofree char *tail = lagoon_rig_file_tail (self->log_path, 15);

          *port_taken = log_contains (self, "Address already in use");
          g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED,
                       "sshd %s before listening on port %u. Log %s:\n%s",
                       how, self->port, self->log_path, tail);
          return FALSE;
        }
      if (log_contains (self, ready) && lagoon_rig_port_accepts (self->port))
        return TRUE;
      if (g_get_monotonic_time () >= deadline)
        {
          g_autofree char *tail = lagoon_rig_file_tail (self->log_path, 15);

          lagoon_rig_proc_kill (&self->proc);
          g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_TIMED_OUT,
                       "sshd did not accept connections on 127.0.0.1:%u within %d s. Log %s:\n%s",
                       self->port, START_TIMEOUT_MS / 1000, self->log_path, tail);
          return FALSE;
        }
      g_usleep (5 * 1000);
    }
}

static gboolean
launch (LagoonRigSshd  *self,
        GError        **error)
{
  for (guint attempt = 0; ; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      gboolean port_taken = FALSE;

      if (!self->fixed_port)
        {
          self->port = lagoon_rig_free_port ();
          if (self->port == 0)
            {
              g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED,
                           "No free TCP port on 127.0.0.1");
              return FALSE;
            }
        }
      if (!write_config (self, error))
        return FALSE;
      if (spawn_and_wait (self, &port_taken, &local_error))
        return TRUE;
      if (!port_taken || self->fixed_port || attempt + 1 >= MAX_PORT_ATTEMPTS)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_debug ("Port %u was taken, retrying", self->port);
    }
}

LagoonRigSshd *
lagoon_rig_sshd_start (const LagoonRigSshdOptions  *opts,
                       GError                     **error)
{
  static const char * const sshd_candidates[] = {
    "/usr/sbin/sshd", "/usr/local/sbin/sshd", "/usr/bin/sshd", NULL
  };
  static const char * const keygen_candidates[] = { "/usr/bin/ssh-keygen", NULL };
  g_autofree char *sshd_path = NULL;
  LagoonRigSshd *self;

  sshd_path = lagoon_rig_find_program ("LAGOON_SSHD", sshd_candidates, "sshd", error);
  if (sshd_path == NULL)
    return NULL;
  if (!g_path_is_absolute (sshd_path))
    {
      /* sshd re-executes itself and insists on an absolute path. */
      g_autofree char *rel = g_steal_pointer (&sshd_path);
      sshd_path = g_canonicalize_filename (rel, NULL);
    }

  self = g_new0 (LagoonRigSshd, 1);
  self->sshd_path = g_steal_pointer (&sshd_path);
  self->keygen_path = lagoon_rig_find_program (NULL, keygen_candidates, "ssh-keygen", error);
  if (self->keygen_path == NULL)
    goto fail;

  if (opts != NULL)
    {
      self->password_auth = opts->password_auth;
      self->rsa_host_key = opts->rsa_host_key;
      self->port = opts->port;
      self->fixed_port = opts->port != 0;
      self->extra_config = g_strdupv ((char **) opts->extra_config);
    }
  self->user = g_strdup (g_get_user_name ());

  if (!ensure_privsep_dir (error))
    goto fail;

  self->dir = lagoon_rig_make_tmp_dir (error);
  if (self->dir == NULL)
    goto fail;
  self->config_path = g_build_filename (self->dir, "sshd_config", NULL);
  self->log_path = g_build_filename (self->dir, "sshd.log", NULL);

  if (!make_keys (self, error) || !launch (self, error) || !write_known_hosts (self, error))
    goto fail;

  g_debug ("sshd %d listening on 127.0.0.1:%u, files in %s",
           (int) self->proc.pid, self->port, self->dir);
  return self;

fail:
  lagoon_rig_sshd_stop (self);
  return NULL;
}

void
lagoon_rig_sshd_stop (LagoonRigSshd *self)
{
  if (self == NULL)
    return;

  kill_sessions (self, SIGTERM);
  if (!lagoon_rig_proc_wait (&self->proc, STOP_TIMEOUT_MS))
    lagoon_rig_proc_kill (&self->proc);
  if (self->dir != NULL)
    lagoon_rig_rm_rf (self->dir);
  sshd_free (self);
}

void
lagoon_rig_sshd_kill (LagoonRigSshd *self)
{
  g_return_if_fail (self != NULL);

  kill_sessions (self, SIGKILL);
  lagoon_rig_proc_kill (&self->proc);
}

gboolean
lagoon_rig_sshd_restart (LagoonRigSshd  *self,
                         GError        **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  lagoon_rig_sshd_kill (self);
  self->fixed_port = TRUE;
  return launch (self, error);
}

gboolean
lagoon_rig_sshd_is_running (LagoonRigSshd *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return lagoon_rig_proc_alive (&self->proc);
}

GPid
lagoon_rig_sshd_get_pid (LagoonRigSshd *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->proc.pid;
}

guint16
lagoon_rig_sshd_get_port (LagoonRigSshd *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->port;
}

const char *
lagoon_rig_sshd_get_host (LagoonRigSshd *self)
{
  return "127.0.0.1";
}

const char *
lagoon_rig_sshd_get_user (LagoonRigSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->user;
}

const char *
lagoon_rig_sshd_get_dir (LagoonRigSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->dir;
}

const char *
lagoon_rig_sshd_get_log_path (LagoonRigSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->log_path;
}

char *
lagoon_rig_sshd_get_log_tail (LagoonRigSshd *self,
                              guint          n_lines)
{
  g_return_val_if_fail (self != NULL, NULL);
  return lagoon_rig_file_tail (self->log_path, n_lines);
}

const char *
lagoon_rig_sshd_get_key_path (LagoonRigSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->key_path;
}

const char *
lagoon_rig_sshd_get_public_key_path (LagoonRigSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->pub_path;
}

const char *
lagoon_rig_sshd_get_encrypted_key_path (LagoonRigSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->enc_key_path;
}

const char *
lagoon_rig_sshd_get_passphrase (LagoonRigSshd *self)
{
  return PASSPHRASE;
}

const char *
lagoon_rig_sshd_get_unauthorized_key_path (LagoonRigSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->bad_key_path;
}

const char *
lagoon_rig_sshd_get_host_key (LagoonRigSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->host_key_line;
}

GBytes *
lagoon_rig_sshd_get_host_key_blob (LagoonRigSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->host_key_blob;
}

const char *
lagoon_rig_sshd_get_host_key_fingerprint (LagoonRigSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->fingerprint;
}

const char *
lagoon_rig_sshd_get_rsa_host_key (LagoonRigSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->rsa_host_key_line;
}

const char *
lagoon_rig_sshd_get_known_hosts_path (LagoonRigSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->known_hosts;
}

const char *
lagoon_rig_sshd_get_changed_known_hosts_path (LagoonRigSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->changed_known_hosts;
}

const char *
lagoon_rig_sshd_get_hashed_known_hosts_path (LagoonRigSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->hashed_known_hosts;
}

char **
lagoon_rig_sshd_ssh_argv (LagoonRigSshd      *self,
                          const char         *user,
                          const char         *identity,
                          const char         *known_hosts,
                          const char * const *options,
                          const char * const *command)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_autofree char *port = NULL;
  g_autofree char *identity_opt = NULL;
  g_autofree char *known_opt = NULL;
  g_autofree char *dest = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  port = g_strdup_printf ("%u", self->port);
  identity_opt = g_strconcat ("IdentityFile=", identity ? identity : self->key_path, NULL);
  known_opt = g_strconcat ("UserKnownHostsFile=", known_hosts ? known_hosts : self->known_hosts,
                           NULL);
  dest = g_strdup_printf ("%s@127.0.0.1", user ? user : self->user);

  /* ssh keeps the first value it sees for an option: the caller's options go first. */
  g_strv_builder_add_many (b, "ssh", "-F", "/dev/null", NULL);
  if (options != NULL)
    g_strv_builder_addv (b, (const char **) options);
  g_strv_builder_add_many (b, "-p", port,
                           "-o", identity_opt,
                           "-o", "IdentitiesOnly=yes",
                           "-o", "IdentityAgent=none",
                           "-o", known_opt,
                           "-o", "GlobalKnownHostsFile=/dev/null",
                           "-o", "StrictHostKeyChecking=yes",
                           "-o", "UpdateHostKeys=no",
                           "-o", "BatchMode=yes",
                           "-o", "PasswordAuthentication=no",
                           "-o", "ConnectTimeout=10",
                           "-o", "LogLevel=ERROR",
                           NULL);
  g_strv_builder_add (b, dest);
  if (command != NULL)
    g_strv_builder_addv (b, (const char **) command);
  return g_strv_builder_end (b);
}
