/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SSH transport against a real OpenSSH sshd on loopback (tests/rig). */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "lagoon-rig.h"
#include "lagoon-transport-error.h"
#include "lagoon-ssh-config.h"
#include "lagoon-ssh-session.h"

/* ---- helpers -------------------------------------------------------------------------- */

static LagoonRigSshd *
start_sshd_or_skip (const LagoonRigSshdOptions *opts)
{
  g_autoptr(GError) error = NULL;
  LagoonRigSshd *sshd = lagoon_rig_sshd_start (opts, &error);

  if (sshd == NULL && lagoon_rig_error_is_missing (error))
    {
      g_test_skip (error->message);
      return NULL;
    }
  g_assert_no_error (error);
  return sshd;
}

/* A session that uses only the rig's key and known_hosts: no agent, no ~/.ssh. */
static LagoonSshSession *
rig_session (LagoonRigSshd *sshd,
             const char    *known_hosts)
{
  LagoonSshSession *s = lagoon_ssh_session_new (lagoon_rig_sshd_get_host (sshd),
                                                lagoon_rig_sshd_get_port (sshd),
                                                lagoon_rig_sshd_get_user (sshd));
  const char *keys[] = { lagoon_rig_sshd_get_key_path (sshd), NULL };

  lagoon_ssh_session_set_use_agent (s, FALSE);
  lagoon_ssh_session_set_identity_files (s, keys);
  lagoon_ssh_session_set_known_hosts_file (s, known_hosts ? known_hosts
                                              : lagoon_rig_sshd_get_known_hosts_path (sshd));
  lagoon_ssh_session_set_connect_timeout (s, 10);
  return s;
}

static GBytes *
random_bytes (gsize n)
{
  guint8 *data = g_malloc (n);

  for (gsize i = 0; i < n; i++)
    data[i] = (guint8) g_random_int ();
  return g_bytes_new_take (data, n);
}

/* Writes @payload through @stream and reads it back from the echo server. */
static void
assert_echo (GIOStream *stream,
             GBytes    *payload)
{
  GOutputStream *out = g_io_stream_get_output_stream (stream);
  GInputStream *in = g_io_stream_get_input_stream (stream);
  gsize len = g_bytes_get_size (payload);
  g_autofree guint8 *back = g_malloc (len);
  g_autoptr(GError) error = NULL;
  gsize done = 0, got = 0;
  const guint8 *data = g_bytes_get_data (payload, NULL);

  /* Interleave so neither side's buffers fill up. */
  while (got < len)
    {
      if (done < len)
        {
          gsize chunk = MIN (len - done, 65536);
          gsize written = 0;
          g_assert_true (g_output_stream_write_all (out, data + done, chunk, &written, NULL,
                                                    &error));
          g_assert_no_error (error);
          done += written;
        }
      while (got < done)
        {
          gssize n = g_input_stream_read (in, back + got, done - got, NULL, &error);
          g_assert_no_error (error);
          g_assert_cmpint (n, >, 0);
          got += (gsize) n;
        }
    }
  g_assert_cmpmem (back, len, data, len);
}

/* SIGKILLs every descendant of @pid (Linux /proc; tests only). */
static void
kill_descendants (GPid pid)
{
  g_autoptr(GArray) found = g_array_new (FALSE, FALSE, sizeof (int));
  gboolean grew = TRUE;

  g_array_append_val (found, pid);
  while (grew)
    {
      g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
      const char *name;

      grew = FALSE;
      while (proc != NULL && (name = g_dir_read_name (proc)))
        {
          g_autofree char *path = NULL, *stat = NULL;
          const char *close_paren;
          int child, ppid = 0;
          gboolean known = FALSE;

          if (!g_ascii_isdigit (name[0]))
            continue;
          child = atoi (name);
          for (guint i = 0; i < found->len; i++)
            known |= g_array_index (found, int, i) == child;
          if (known)
            continue;
          path = g_strdup_printf ("/proc/%s/stat", name);
          if (!g_file_get_contents (path, &stat, NULL, NULL))
            continue;
          close_paren = strrchr (stat, ')');
          if (close_paren == NULL || sscanf (close_paren + 2, "%*c %d", &ppid) != 1)
            continue;
          for (guint i = 0; i < found->len; i++)
            if (g_array_index (found, int, i) == ppid)
              {
                g_array_append_val (found, child);
                grew = TRUE;
                break;
              }
        }
    }
  for (guint i = 1; i < found->len; i++)
    kill (g_array_index (found, int, i), SIGKILL);
}

/* ---- destinations and ~/.ssh/config ------------------------------------------------------ */

static void
test_destination (void)
{
  struct { const char *in; const char *user; const char *host; guint16 port; } ok[] = {
    { "pool1", NULL, "pool1", 0 },
    { "root@pool1", "root", "pool1", 0 },
    { "root@pool1:2222", "root", "pool1", 2222 },
    { "ssh://admin@10.0.0.5:22", "admin", "10.0.0.5", 22 },
    { "ssh://pool.example.com/", NULL, "pool.example.com", 0 },
    { "[::1]:2200", NULL, "::1", 2200 },
    { "me@[fe80::1]", "me", "fe80::1", 0 },
  };
  const char *bad[] = { "", "@host", "host:0", "host:99999", "host:abc", "ssh://", "[::1",
                        "a b", "host/path" };

  for (guint i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_autofree char *user = NULL, *host = NULL;
      guint16 port;
      g_autoptr(GError) error = NULL;

      g_assert_true (lagoon_ssh_parse_destination (ok[i].in, &user, &host, &port, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (user, ==, ok[i].user);
      g_assert_cmpstr (host, ==, ok[i].host);
      g_assert_cmpuint (port, ==, ok[i].port);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *user = NULL, *host = NULL;
      guint16 port;
      g_autoptr(GError) error = NULL;

      g_assert_false (lagoon_ssh_parse_destination (bad[i], &user, &host, &port, &error));
      g_assert_nonnull (error);
      g_assert_null (user);
      g_assert_null (host);
    }
}

static void
test_config (void)
{
  g_autofree char *dir = g_dir_make_tmp ("lagoon-ssh-config-XXXXXX", NULL);
  g_autofree char *inc = g_build_filename (dir, "pools.conf", NULL);
  g_autoptr(GError) error = NULL;
  const char *text =
    "# comment\n"
    "Include pools.conf\n"
    "Host mypool\n"
    "  User admin\n"
    "  Port 2222\n"
    "  IdentityFile ~/.ssh/pool_%h\n"
    "\n"
    "Host *.lab !skip.lab\n"
    "  ProxyJump jumpuser@bastion:2200\n"
    "  User labuser\n"
    "Host *\n"
    "  User fallback\n"
    "  Port 22\n"
    "  ProxyJump none\n";

  g_assert_true (g_file_set_contents (inc, "Host mypool\n  HostName=10.1.2.3\n", -1, NULL));

  {
    g_autoptr(LagoonSshHostConfig) c = lagoon_ssh_config_resolve_text (text, dir, "mypool", &error);
    g_autofree char *key = g_build_filename (g_get_home_dir (), ".ssh", "pool_10.1.2.3", NULL);
    g_assert_no_error (error);
    g_assert_cmpstr (c->hostname, ==, "10.1.2.3");  /* from the Include, read first */
    g_assert_cmpstr (c->user, ==, "admin");         /* first value wins over Host * */
    g_assert_cmpuint (c->port, ==, 2222);
    g_assert_cmpuint (c->identity_files->len, ==, 1);
    g_assert_cmpstr (c->identity_files->pdata[0], ==, key);
    g_assert_null (c->proxy_jump);
  }
  {
    g_autoptr(LagoonSshHostConfig) c = lagoon_ssh_config_resolve_text (text, dir, "h1.lab", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (c->hostname, ==, "h1.lab");
    g_assert_cmpstr (c->user, ==, "labuser");
    g_assert_cmpstr (c->proxy_jump, ==, "jumpuser@bastion:2200");
    g_assert_cmpuint (c->port, ==, 22);
  }
  {
    g_autoptr(LagoonSshHostConfig) c = lagoon_ssh_config_resolve_text (text, dir, "skip.lab", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (c->user, ==, "fallback");    /* negated pattern rules the line out */
    g_assert_null (c->proxy_jump);                 /* "none" */
  }
  {
    g_autoptr(LagoonSshHostConfig) c =
      lagoon_ssh_config_resolve_text ("Host x\n Port banana\n", dir, "x", &error);
    g_assert_null (c);
    g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_FAILED);
    g_clear_error (&error);
  }
  {
    /* a missing config file is no error */
    g_autofree char *none = g_build_filename (dir, "missing", NULL);
    g_autoptr(LagoonSshHostConfig) c = lagoon_ssh_config_resolve (none, "plain", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (c->hostname, ==, "plain");
    g_assert_null (c->user);
  }
  {
    /* an Include of itself stops at the depth limit instead of looping */
    g_autofree char *self_inc = g_build_filename (dir, "loop.conf", NULL);
    g_autoptr(LagoonSshHostConfig) c = NULL;
    g_assert_true (g_file_set_contents (self_inc, "Include loop.conf\n", -1, NULL));
    c = lagoon_ssh_config_resolve (self_inc, "x", &error);
    g_assert_null (c);
    g_assert_nonnull (error);
    g_clear_error (&error);
    g_unlink (self_inc);
  }

  g_unlink (inc);
  g_rmdir (dir);
}

/* ---- against sshd ------------------------------------------------------------------------ */

static void
test_key_auth_and_forward (void)
{
  g_autoptr(LagoonRigSshd) sshd = start_sshd_or_skip (NULL);
  g_autoptr(LagoonRigEcho) echo = NULL;
  g_autoptr(LagoonSshSession) s = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GBytes) payload = random_bytes (4 * 1024 * 1024 + 17);
  g_autoptr(GError) error = NULL;

  if (sshd == NULL)
    return;
  echo = lagoon_rig_echo_start (&error);
  g_assert_no_error (error);

  s = rig_session (sshd, NULL);
  g_assert_true (lagoon_ssh_session_connect (s, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (lagoon_ssh_session_is_connected (s));
  g_assert_cmpstr (lagoon_ssh_session_get_host_key_fingerprint (s), ==,
                   lagoon_rig_sshd_get_host_key_fingerprint (sshd));
  g_assert_cmpstr (lagoon_ssh_session_get_host_key_type (s), ==, "ssh-ed25519");

  stream = lagoon_ssh_session_open_channel (s, "127.0.0.1", lagoon_rig_echo_get_port (echo),
                                            NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stream);
  assert_echo (stream, payload);
  g_assert_cmpuint (lagoon_rig_echo_get_bytes_echoed (echo), ==, g_bytes_get_size (payload));

  /* closing the stream closes the channel */
  g_assert_true (g_io_stream_close (stream, NULL, &error));
  for (guint i = 0; i < 200 && lagoon_ssh_session_get_n_channels (s) > 0; i++)
    g_usleep (10000);
  g_assert_cmpuint (lagoon_ssh_session_get_n_channels (s), ==, 0);

  /* a refused channel is a clear error and the session stays usable */
  g_clear_object (&stream);
  stream = lagoon_ssh_session_open_channel (s, "127.0.0.1", lagoon_rig_free_port (), NULL, &error);
  g_assert_null (stream);
  g_assert_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_CHANNEL);
  g_clear_error (&error);
  stream = lagoon_ssh_session_open_channel (s, "127.0.0.1", lagoon_rig_echo_get_port (echo),
                                            NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GBytes) small = random_bytes (1000);
    assert_echo (stream, small);
  }

  lagoon_ssh_session_disconnect (s);
  g_assert_false (lagoon_ssh_session_is_connected (s));
}

static void
test_hashed_known_hosts (void)
{
  g_autoptr(LagoonRigSshd) sshd = start_sshd_or_skip (NULL);
  g_autoptr(LagoonSshSession) s = NULL;
  g_autoptr(GError) error = NULL;

  if (sshd == NULL)
    return;
  s = rig_session (sshd, lagoon_rig_sshd_get_hashed_known_hosts_path (sshd));
  g_assert_true (lagoon_ssh_session_connect (s, NULL, &error));
  g_assert_no_error (error);
}

static void
test_unknown_host_key (void)
{
  g_autoptr(LagoonRigSshd) sshd = start_sshd_or_skip (NULL);
  g_autoptr(LagoonSshSession) s = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *kh = NULL, *contents = NULL;

  if (sshd == NULL)
    return;
  dir = g_dir_make_tmp ("lagoon-kh-XXXXXX", NULL);
  kh = g_build_filename (dir, "sub", "known_hosts", NULL);   /* not there yet */

  s = rig_session (sshd, kh);
  g_assert_false (lagoon_ssh_session_connect (s, NULL, &error));
  g_assert_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_HOST_KEY_UNKNOWN);
  g_assert_nonnull (strstr (error->message, lagoon_rig_sshd_get_host_key_fingerprint (sshd)));
  g_assert_cmpstr (lagoon_ssh_session_get_host_key_fingerprint (s), ==,
                   lagoon_rig_sshd_get_host_key_fingerprint (sshd));
  g_assert_false (lagoon_ssh_session_is_connected (s));
  g_clear_error (&error);

  /* the user accepts: the key is appended as [host]:port and the next attempt passes */
  g_assert_true (lagoon_ssh_session_trust_host_key (s, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (kh, &contents, NULL, NULL));
  {
    g_autofree char *prefix = g_strdup_printf ("[127.0.0.1]:%u ssh-ed25519 ",
                                               lagoon_rig_sshd_get_port (sshd));
    g_assert_true (g_str_has_prefix (contents, prefix));
  }
  g_assert_true (lagoon_ssh_session_connect (s, NULL, &error));
  g_assert_no_error (error);
  lagoon_ssh_session_disconnect (s);

  /* OpenSSH itself accepts the line we wrote */
  {
    const char *cmd[] = { "true", NULL };
    g_auto(GStrv) argv = lagoon_rig_sshd_ssh_argv (sshd, NULL, NULL, kh, NULL, cmd);
    int status = -1;
    g_assert_true (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH |
                                 G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                 NULL, NULL, NULL, NULL, &status, &error));
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }

  /* --accept-new-host-key behaviour: a fresh file gets the key without a question */
  {
    g_autofree char *kh2 = g_build_filename (dir, "kh2", NULL);
    g_autoptr(LagoonSshSession) s2 = rig_session (sshd, kh2);
    lagoon_ssh_session_set_accept_new_host_key (s2, TRUE);
    g_assert_true (lagoon_ssh_session_connect (s2, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_test (kh2, G_FILE_TEST_EXISTS));
    lagoon_ssh_session_disconnect (s2);
    g_unlink (kh2);
  }

  g_unlink (kh);
  {
    g_autofree char *sub = g_path_get_dirname (kh);
    g_rmdir (sub);
  }
  g_rmdir (dir);
}

static void
test_changed_host_key (void)
{
  g_autoptr(LagoonRigSshd) sshd = start_sshd_or_skip (NULL);
  g_autoptr(LagoonSshSession) s = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL, *after = NULL;
  const char *kh;

  if (sshd == NULL)
    return;
  kh = lagoon_rig_sshd_get_changed_known_hosts_path (sshd);
  g_assert_true (g_file_get_contents (kh, &before, NULL, NULL));

  s = rig_session (sshd, kh);
  /* even the "accept new keys" policy never accepts a changed one */
  lagoon_ssh_session_set_accept_new_host_key (s, TRUE);
  g_assert_false (lagoon_ssh_session_connect (s, NULL, &error));
  g_assert_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_HOST_KEY_CHANGED);
  g_assert_nonnull (strstr (error->message, kh));
  g_assert_nonnull (strstr (error->message, "line 1"));
  g_assert_nonnull (strstr (error->message, lagoon_rig_sshd_get_host_key_fingerprint (sshd)));
  g_assert_false (lagoon_ssh_session_is_connected (s));

  /* known_hosts is left alone */
  g_assert_true (g_file_get_contents (kh, &after, NULL, NULL));
  g_assert_cmpstr (before, ==, after);
}

static void
test_wrong_key (void)
{
  g_autoptr(LagoonRigSshd) sshd = start_sshd_or_skip (NULL);
  g_autoptr(LagoonSshSession) s = NULL;
  g_autoptr(GError) error = NULL;
  const char *keys[2] = { NULL, NULL };

  if (sshd == NULL)
    return;
  s = rig_session (sshd, NULL);
  keys[0] = lagoon_rig_sshd_get_unauthorized_key_path (sshd);
  lagoon_ssh_session_set_identity_files (s, keys);
  g_assert_false (lagoon_ssh_session_connect (s, NULL, &error));
  g_assert_true (g_error_matches (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_AUTH_FAILED) ||
                 g_error_matches (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_PASSWORD_NEEDED));
  g_assert_false (lagoon_ssh_session_is_connected (s));
}

static void
test_encrypted_key (void)
{
  g_autoptr(LagoonRigSshd) sshd = start_sshd_or_skip (NULL);
  g_autoptr(LagoonSshSession) s = NULL;
  g_autoptr(GError) error = NULL;
  const char *keys[2] = { NULL, NULL };

  if (sshd == NULL)
    return;
  s = rig_session (sshd, NULL);
  keys[0] = lagoon_rig_sshd_get_encrypted_key_path (sshd);
  lagoon_ssh_session_set_identity_files (s, keys);

  g_assert_false (lagoon_ssh_session_connect (s, NULL, &error));
  g_assert_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_PASSPHRASE_NEEDED);
  g_assert_nonnull (strstr (error->message, keys[0]));
  g_clear_error (&error);

  lagoon_ssh_session_set_passphrase (s, "not the passphrase");
  g_assert_false (lagoon_ssh_session_connect (s, NULL, &error));
  g_assert_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_PASSPHRASE_NEEDED);
  g_clear_error (&error);

  lagoon_ssh_session_set_passphrase (s, lagoon_rig_sshd_get_passphrase (sshd));
  g_assert_true (lagoon_ssh_session_connect (s, NULL, &error));
  g_assert_no_error (error);
}

static void
test_agent (void)
{
  g_autoptr(LagoonRigSshd) sshd = start_sshd_or_skip (NULL);
  g_autoptr(LagoonSshSession) s = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *sock = NULL, *agent = NULL, *add = NULL;
  g_autofree char *old_sock = g_strdup (g_getenv ("SSH_AUTH_SOCK"));
  const char *nokeys[] = { "/nonexistent/key", NULL };
  GPid pid = 0;
  int status = 0;

  if (sshd == NULL)
    return;
  agent = g_find_program_in_path ("ssh-agent");
  add = g_find_program_in_path ("ssh-add");
  if (agent == NULL || add == NULL)
    {
      g_test_skip ("ssh-agent or ssh-add is not installed");
      return;
    }

  dir = g_dir_make_tmp ("lagoon-agent-XXXXXX", NULL);
  sock = g_build_filename (dir, "agent.sock", NULL);
  {
    const char *argv[] = { agent, "-D", "-a", sock, NULL };
    g_assert_true (g_spawn_async (NULL, (char **) argv, NULL,
                                  G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL |
                                  G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &error));
  }
  for (guint i = 0; i < 500 && !g_file_test (sock, G_FILE_TEST_EXISTS); i++)
    g_usleep (10000);
  g_assert_true (g_file_test (sock, G_FILE_TEST_EXISTS));
  g_setenv ("SSH_AUTH_SOCK", sock, TRUE);

  {
    const char *argv[] = { add, lagoon_rig_sshd_get_key_path (sshd), NULL };
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL,
                                 G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                 NULL, NULL, NULL, NULL, &status, &error));
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }

  /* Only the agent holds the key. */
  s = rig_session (sshd, NULL);
  lagoon_ssh_session_set_identity_files (s, nokeys);
  lagoon_ssh_session_set_use_agent (s, TRUE);
  g_assert_true (lagoon_ssh_session_connect (s, NULL, &error));
  g_assert_no_error (error);
  lagoon_ssh_session_disconnect (s);

  /* and without the agent the same session fails */
  lagoon_ssh_session_set_use_agent (s, FALSE);
  g_assert_false (lagoon_ssh_session_connect (s, NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  kill (pid, SIGTERM);
  waitpid (pid, NULL, 0);
  g_spawn_close_pid (pid);
  if (old_sock)
    g_setenv ("SSH_AUTH_SOCK", old_sock, TRUE);
  else
    g_unsetenv ("SSH_AUTH_SOCK");
  g_unlink (sock);
  g_rmdir (dir);
}

/* Password authentication needs a throwaway account, which only root can make. */
static void
test_password (void)
{
  LagoonRigSshdOptions opts = { .password_auth = TRUE };
  g_autoptr(LagoonRigSshd) sshd = NULL;
  g_autoptr(LagoonSshSession) s = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = g_strdup_printf ("pw-%08x%08x", g_random_int (), g_random_int ());
  LagoonRigUser *user;
  const char *nokeys[] = { "/nonexistent/key", NULL };

  user = lagoon_rig_user_add (password, &error);
  if (user == NULL && lagoon_rig_error_is_missing (error))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);

  sshd = start_sshd_or_skip (&opts);
  if (sshd == NULL)
    {
      lagoon_rig_user_remove (user);
      return;
    }

  s = lagoon_ssh_session_new ("127.0.0.1", lagoon_rig_sshd_get_port (sshd),
                              lagoon_rig_user_get_name (user));
  lagoon_ssh_session_set_use_agent (s, FALSE);
  lagoon_ssh_session_set_identity_files (s, nokeys);
  lagoon_ssh_session_set_known_hosts_file (s, lagoon_rig_sshd_get_known_hosts_path (sshd));

  /* no password yet: the caller learns one is needed */
  g_assert_false (lagoon_ssh_session_connect (s, NULL, &error));
  g_assert_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_PASSWORD_NEEDED);
  g_clear_error (&error);

  lagoon_ssh_session_set_password (s, "wrong password");
  g_assert_false (lagoon_ssh_session_connect (s, NULL, &error));
  g_assert_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_AUTH_FAILED);
  g_assert_null (strstr (error->message, "wrong password"));   /* secrets never in messages */
  g_clear_error (&error);

  lagoon_ssh_session_set_password (s, password);
  g_assert_true (lagoon_ssh_session_connect (s, NULL, &error));
  g_assert_no_error (error);
  lagoon_ssh_session_disconnect (s);

  lagoon_rig_user_remove (user);
}

typedef struct
{
  LagoonSshSession *session;
  guint16           port;
  guint             index;
  gboolean          ok;
} ChannelJob;

static gpointer
channel_job (gpointer data)
{
  ChannelJob *job = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = lagoon_ssh_session_open_channel (job->session, "127.0.0.1",
                                                                 job->port, NULL, &error);
  g_autoptr(GBytes) payload = NULL;
  gsize len;
  g_autofree guint8 *back = NULL;
  gsize done = 0, got = 0;
  const guint8 *data_p;

  if (stream == NULL)
    return NULL;
  /* different sizes, so channels finish at different times */
  len = 64 * 1024 + job->index * 4099;
  payload = random_bytes (len);
  data_p = g_bytes_get_data (payload, NULL);
  back = g_malloc (len);
  while (got < len)
    {
      if (done < len)
        {
          gsize chunk = MIN (len - done, 16384), written = 0;
          if (!g_output_stream_write_all (g_io_stream_get_output_stream (stream), data_p + done,
                                          chunk, &written, NULL, &error))
            return NULL;
          done += written;
        }
      while (got < done)
        {
          gssize n = g_input_stream_read (g_io_stream_get_input_stream (stream), back + got,
                                          done - got, NULL, &error);
          if (n <= 0)
            return NULL;
          got += (gsize) n;
        }
    }
  job->ok = memcmp (back, data_p, len) == 0;
  return NULL;
}

static void
test_concurrent_channels (void)
{
  g_autoptr(LagoonRigSshd) sshd = start_sshd_or_skip (NULL);
  g_autoptr(LagoonRigEcho) echo = NULL;
  g_autoptr(LagoonSshSession) s = NULL;
  g_autoptr(GError) error = NULL;
  ChannelJob jobs[50];
  GThread *threads[50];

  if (sshd == NULL)
    return;
  echo = lagoon_rig_echo_start (&error);
  g_assert_no_error (error);
  s = rig_session (sshd, NULL);
  g_assert_true (lagoon_ssh_session_connect (s, NULL, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      jobs[i] = (ChannelJob) { s, lagoon_rig_echo_get_port (echo), i, FALSE };
      threads[i] = g_thread_new ("channel", channel_job, &jobs[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      g_thread_join (threads[i]);
      if (!jobs[i].ok)
        g_error ("channel %u lost or corrupted data", i);
    }
  g_assert_cmpuint (lagoon_rig_echo_get_connection_count (echo), ==, G_N_ELEMENTS (jobs));
}

static void
on_closed (LagoonSshSession *s,
           GError           *error,
           gpointer          user_data)
{
  GError **out = user_data;

  g_assert_null (*out);
  *out = g_error_copy (error);
}

static void
test_sshd_killed (void)
{
  g_autoptr(LagoonRigSshd) sshd = start_sshd_or_skip (NULL);
  g_autoptr(LagoonRigEcho) echo = NULL;
  g_autoptr(LagoonSshSession) s = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) closed = NULL;
  char buf[16];
  gssize n;
  gint64 deadline;

  if (sshd == NULL)
    return;
  echo = lagoon_rig_echo_start (&error);
  g_assert_no_error (error);
  s = rig_session (sshd, NULL);
  lagoon_ssh_session_set_keepalive_interval (s, 1);
  g_signal_connect (s, "closed", G_CALLBACK (on_closed), &closed);
  g_assert_true (lagoon_ssh_session_connect (s, NULL, &error));
  stream = lagoon_ssh_session_open_channel (s, "127.0.0.1", lagoon_rig_echo_get_port (echo),
                                            NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GBytes) small = random_bytes (100);
    assert_echo (stream, small);
  }

  /* sshd dies mid-conversation: OpenSSH forks per connection, so kill the whole tree */
  kill_descendants (lagoon_rig_sshd_get_pid (sshd));
  lagoon_rig_sshd_kill (sshd);

  /* the stream ends promptly instead of hanging */
  g_output_stream_write (g_io_stream_get_output_stream (stream), "x", 1, NULL, NULL);
  n = g_input_stream_read (g_io_stream_get_input_stream (stream), buf, sizeof buf, NULL, &error);
  g_assert_cmpint (n, <=, 0);
  g_clear_error (&error);

  /* ::closed arrives on the main context with a clear reason */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (closed == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (10000), TRUE);
  g_assert_error (closed, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_DISCONNECTED);
  g_assert_false (lagoon_ssh_session_is_connected (s));

  /* a new channel is refused clearly while down */
  g_clear_object (&stream);
  stream = lagoon_ssh_session_open_channel (s, "127.0.0.1", lagoon_rig_echo_get_port (echo),
                                            NULL, &error);
  g_assert_null (stream);
  g_assert_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_DISCONNECTED);
  g_clear_error (&error);

  /* sshd comes back: the same session object reconnects */
  g_assert_true (lagoon_rig_sshd_restart (sshd, &error));
  g_assert_no_error (error);
  g_assert_true (lagoon_ssh_session_connect (s, NULL, &error));
  g_assert_no_error (error);
  stream = lagoon_ssh_session_open_channel (s, "127.0.0.1", lagoon_rig_echo_get_port (echo),
                                            NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GBytes) small = random_bytes (1000);
    assert_echo (stream, small);
  }
}

static void
test_proxy_jump (void)
{
  g_autoptr(LagoonRigSshd) bastion = start_sshd_or_skip (NULL);
  g_autoptr(LagoonRigSshd) target = NULL;
  g_autoptr(LagoonRigEcho) echo = NULL;
  g_autoptr(LagoonSshSession) jump = NULL;
  g_autoptr(LagoonSshSession) s = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  if (bastion == NULL)
    return;
  target = start_sshd_or_skip (NULL);
  echo = lagoon_rig_echo_start (&error);
  g_assert_no_error (error);

  jump = rig_session (bastion, NULL);
  s = rig_session (target, NULL);
  lagoon_ssh_session_set_jump (s, jump);

  /* connecting the target connects the jump host first, then tunnels through it */
  g_assert_true (lagoon_ssh_session_connect (s, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (lagoon_ssh_session_is_connected (jump));
  g_assert_cmpuint (lagoon_ssh_session_get_n_channels (jump), ==, 1);
  g_assert_cmpstr (lagoon_ssh_session_get_host_key_fingerprint (s), ==,
                   lagoon_rig_sshd_get_host_key_fingerprint (target));

  stream = lagoon_ssh_session_open_channel (s, "127.0.0.1", lagoon_rig_echo_get_port (echo),
                                            NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GBytes) payload = random_bytes (512 * 1024);
    assert_echo (stream, payload);
  }
  g_clear_object (&stream);
  lagoon_ssh_session_disconnect (s);
  lagoon_ssh_session_disconnect (jump);
}

static void
test_connect_refused (void)
{
  g_autoptr(LagoonSshSession) s = lagoon_ssh_session_new ("127.0.0.1", lagoon_rig_free_port (),
                                                          "nobody");
  g_autoptr(GError) error = NULL;

  g_assert_false (lagoon_ssh_session_connect (s, NULL, &error));
  g_assert_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_CONNECT);
}

static void
test_not_ssh (void)
{
  g_autoptr(LagoonRigEcho) echo = NULL;
  g_autoptr(LagoonSshSession) s = NULL;
  g_autoptr(GError) error = NULL;

  /* an echo server answers the SSH banner with the banner: the handshake must fail cleanly */
  echo = lagoon_rig_echo_start (&error);
  g_assert_no_error (error);
  s = lagoon_ssh_session_new ("127.0.0.1", lagoon_rig_echo_get_port (echo), "nobody");
  lagoon_ssh_session_set_connect_timeout (s, 3);
  g_assert_false (lagoon_ssh_session_connect (s, NULL, &error));
  g_assert_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_CONNECT);
}

int
main (int   argc,
      char *argv[])
{
  signal (SIGPIPE, SIG_IGN);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lagoon/ssh/destination", test_destination);
  g_test_add_func ("/lagoon/ssh/config", test_config);
  g_test_add_func ("/lagoon/ssh/connect-refused", test_connect_refused);
  g_test_add_func ("/lagoon/ssh/not-ssh", test_not_ssh);
  g_test_add_func ("/lagoon/ssh/key-auth-and-forward", test_key_auth_and_forward);
  g_test_add_func ("/lagoon/ssh/hashed-known-hosts", test_hashed_known_hosts);
  g_test_add_func ("/lagoon/ssh/unknown-host-key", test_unknown_host_key);
  g_test_add_func ("/lagoon/ssh/changed-host-key", test_changed_host_key);
  g_test_add_func ("/lagoon/ssh/wrong-key", test_wrong_key);
  g_test_add_func ("/lagoon/ssh/encrypted-key", test_encrypted_key);
  g_test_add_func ("/lagoon/ssh/agent", test_agent);
  g_test_add_func ("/lagoon/ssh/password", test_password);
  g_test_add_func ("/lagoon/ssh/concurrent-channels", test_concurrent_channels);
  g_test_add_func ("/lagoon/ssh/sshd-killed", test_sshd_killed);
  g_test_add_func ("/lagoon/ssh/proxy-jump", test_proxy_jump);
  return g_test_run ();
}
