/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-rig.c: the test rig checks itself (sshd, echo server, simulator runner, RFB client) */

#define G_LOG_DOMAIN "test-rig"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <glib/gstdio.h>

#include "lagoon-rig.h"

/* ---- helpers ------------------------------------------------------------------------------ */

typedef struct
{
  int     status;
  GBytes *out;
  char   *err;
} RunResult;

static void
run_result_clear (RunResult *r)
{
  g_clear_pointer (&r->out, g_bytes_unref);
  g_clear_pointer (&r->err, g_free);
}

/* Runs argv with input on stdin and extra environment ("NAME=value"), collects stdout and
 * stderr. */
static void
run_env (char       **argv,
         GBytes      *input,
         const char **env,
         RunResult   *result)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  gsize len = 0;
  const char *data;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (env[i], "=", 2);
      g_subprocess_launcher_setenv (launcher, kv[0], kv[1], TRUE);
    }
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate (proc, input ? input : empty, NULL, &result->out, &err, &error);
  g_assert_no_error (error);
  result->status = g_subprocess_get_exit_status (proc);
  data = err ? g_bytes_get_data (err, &len) : "";
  result->err = g_strndup (data, len);
}

static void
run (char      **argv,
     GBytes     *input,
     RunResult  *result)
{
  run_env (argv, input, NULL, result);
}

static gboolean
have_ssh_client (void)
{
  g_autofree char *ssh = g_find_program_in_path ("ssh");

  if (ssh == NULL)
    {
      g_test_skip ("The OpenSSH client (ssh) is not installed");
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  LagoonRigSshd *sshd;
} SshdFixture;

static void
sshd_setup (SshdFixture   *fx,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();

  fx->sshd = lagoon_rig_sshd_start ((const LagoonRigSshdOptions *) data, &error);
  if (lagoon_rig_error_is_missing (error))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);
  g_assert_nonnull (fx->sshd);
  g_test_message ("sshd started on port %u in %.1f ms",
                  lagoon_rig_sshd_get_port (fx->sshd),
                  (g_get_monotonic_time () - t0) / 1000.0);
}

static void
sshd_teardown (SshdFixture   *fx,
               gconstpointer  data)
{
  g_clear_pointer (&fx->sshd, lagoon_rig_sshd_stop);
}

/* ssh user@127.0.0.1 COMMAND with the given identity and known_hosts (NULL: the rig's). */
static void
ssh_run (LagoonRigSshd *sshd,
         const char    *identity,
         const char    *known_hosts,
         const char    *command,
         RunResult     *result)
{
  const char *cmd[] = { command, NULL };
  g_auto(GStrv) argv = lagoon_rig_sshd_ssh_argv (sshd, NULL, identity, known_hosts, NULL, cmd);

  run (argv, NULL, result);
}

/* ---- ports and echo ----------------------------------------------------------------------- */

static void
test_free_port (void)
{
  guint16 a = lagoon_rig_free_port ();

  g_assert_cmpuint (a, >, 0);
  /* Nobody listens there. */
  g_assert_false (lagoon_rig_port_accepts (a));
  g_assert_false (lagoon_rig_wait_for_port (a, 50));
}

static void
test_echo (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonRigEcho) echo = lagoon_rig_echo_start (&error);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  GSocketConnection *conns[4];

  g_socket_client_set_enable_proxy (client, FALSE);
  gsize size = 200 * 1000;
  g_autofree guint8 *data = g_malloc (size);
  g_autofree guint8 *back = g_malloc (size);

  g_assert_no_error (error);
  g_assert_cmpuint (lagoon_rig_echo_get_port (echo), >, 0);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_test_rand_int ();

  /* Several connections at once, each gets its own bytes back. */
  for (guint c = 0; c < G_N_ELEMENTS (conns); c++)
    {
      conns[c] = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                  lagoon_rig_echo_get_port (echo), NULL, &error);
      g_assert_no_error (error);
    }
  for (guint c = 0; c < G_N_ELEMENTS (conns); c++)
    {
      GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conns[c]));
      GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conns[c]));
      gsize chunk = size / G_N_ELEMENTS (conns);
      gsize done = 0;

      g_output_stream_write_all (out, data + c * chunk, chunk, &done, NULL, &error);
      g_assert_no_error (error);
      g_input_stream_read_all (in, back + c * chunk, chunk, &done, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (done, ==, chunk);
    }
  g_assert_cmpmem (data, size, back, size);
  g_assert_cmpuint (lagoon_rig_echo_get_connection_count (echo), ==, G_N_ELEMENTS (conns));
  /* The echo thread counts a chunk after writing it: the client may read it first. */
  {
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    while (lagoon_rig_echo_get_bytes_echoed (echo) < size && g_get_monotonic_time () < deadline)
      g_usleep (1000);
  }
  g_assert_cmpuint (lagoon_rig_echo_get_bytes_echoed (echo), ==, size);

  /* Stop with connections still open: their handlers must leave. */
  for (guint c = 0; c < 2; c++)
    g_object_unref (conns[c]);
  g_clear_pointer (&echo, lagoon_rig_echo_stop);
  for (guint c = 2; c < G_N_ELEMENTS (conns); c++)
    g_object_unref (conns[c]);
}

/* ---- sshd --------------------------------------------------------------------------------- */

static void
test_sshd_files (SshdFixture   *fx,
                 gconstpointer  data)
{
  g_autofree char *known = NULL;
  g_autofree char *changed = NULL;
  g_autofree char *hashed = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *host_pub = NULL;
  const char *keygen_l[] = { "ssh-keygen", "-l", "-E", "sha256", "-f", NULL, NULL };
  const char *keygen_y[] = { "ssh-keygen", "-y", "-P", NULL, "-f", NULL, NULL };
  g_autofree char *pub = NULL;
  RunResult r = { 0 };
  GStatBuf st;

  if (fx->sshd == NULL)
    return;

  g_assert_cmpstr (lagoon_rig_sshd_get_host (fx->sshd), ==, "127.0.0.1");
  g_assert_cmpstr (lagoon_rig_sshd_get_user (fx->sshd), ==, g_get_user_name ());
  g_assert_true (lagoon_rig_sshd_is_running (fx->sshd));
  g_assert_true (g_str_has_prefix (lagoon_rig_sshd_get_host_key (fx->sshd), "ssh-ed25519 AAAA"));
  g_assert_null (lagoon_rig_sshd_get_rsa_host_key (fx->sshd));
  /* ed25519 key blob: string "ssh-ed25519" + string of 32 bytes. */
  g_assert_cmpuint (g_bytes_get_size (lagoon_rig_sshd_get_host_key_blob (fx->sshd)), ==, 51);

  /* Private keys are the owner's alone, or ssh refuses them. */
  g_assert_cmpint (g_stat (lagoon_rig_sshd_get_key_path (fx->sshd), &st), ==, 0);
  g_assert_cmpint (st.st_mode & 077, ==, 0);

  prefix = g_strdup_printf ("[127.0.0.1]:%u ssh-ed25519 ", lagoon_rig_sshd_get_port (fx->sshd));
  g_assert_true (g_file_get_contents (lagoon_rig_sshd_get_known_hosts_path (fx->sshd),
                                      &known, NULL, NULL));
  g_assert_true (g_str_has_prefix (known, prefix));
  g_assert_nonnull (strstr (known, lagoon_rig_sshd_get_host_key (fx->sshd)));

  g_assert_true (g_file_get_contents (lagoon_rig_sshd_get_changed_known_hosts_path (fx->sshd),
                                      &changed, NULL, NULL));
  g_assert_true (g_str_has_prefix (changed, prefix));
  g_assert_null (strstr (changed, lagoon_rig_sshd_get_host_key (fx->sshd)));

  g_assert_true (g_file_get_contents (lagoon_rig_sshd_get_hashed_known_hosts_path (fx->sshd),
                                      &hashed, NULL, NULL));
  g_assert_true (g_str_has_prefix (hashed, "|1|"));
  g_assert_null (strstr (hashed, "127.0.0.1"));

  /* Our fingerprint is the one ssh-keygen computes. */
  host_pub = g_build_filename (lagoon_rig_sshd_get_dir (fx->sshd), "host_ed25519_key.pub", NULL);
  keygen_l[5] = host_pub;
  run ((char **) keygen_l, NULL, &r);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (r.out, NULL), g_bytes_get_size (r.out),
                                  lagoon_rig_sshd_get_host_key_fingerprint (fx->sshd)));
  run_result_clear (&r);

  /* The encrypted key opens with the passphrase, and only with it. */
  keygen_y[3] = lagoon_rig_sshd_get_passphrase (fx->sshd);
  keygen_y[5] = lagoon_rig_sshd_get_encrypted_key_path (fx->sshd);
  run ((char **) keygen_y, NULL, &r);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_file_get_contents (lagoon_rig_sshd_get_public_key_path (fx->sshd),
                                      &pub, NULL, NULL));
  /* It is not the plain key. */
  g_assert_null (g_strstr_len (g_bytes_get_data (r.out, NULL), g_bytes_get_size (r.out),
                               strchr (pub, ' ')));
  run_result_clear (&r);
  keygen_y[3] = "wrong passphrase";
  run ((char **) keygen_y, NULL, &r);
  g_assert_cmpint (r.status, !=, 0);
  run_result_clear (&r);
}

static void
test_sshd_accepts_key (SshdFixture   *fx,
                       gconstpointer  data)
{
  RunResult r = { 0 };
  g_autofree char *expected = NULL;

  if (fx->sshd == NULL || !have_ssh_client ())
    return;

  ssh_run (fx->sshd, NULL, NULL, "true", &r);
  if (r.status != 0)
    {
      g_autofree char *tail = lagoon_rig_sshd_get_log_tail (fx->sshd, 20);
      g_test_message ("ssh: %s\nsshd log:\n%s", r.err, tail);
    }
  g_assert_cmpint (r.status, ==, 0);
  run_result_clear (&r);

  /* The command really runs on the other side, as our user. */
  ssh_run (fx->sshd, NULL, NULL, "id -un", &r);
  g_assert_cmpint (r.status, ==, 0);
  expected = g_strdup_printf ("%s\n", g_get_user_name ());
  g_assert_cmpmem (g_bytes_get_data (r.out, NULL), g_bytes_get_size (r.out),
                   expected, strlen (expected));
  run_result_clear (&r);

  /* A hashed known_hosts file verifies the same host. */
  ssh_run (fx->sshd, NULL, lagoon_rig_sshd_get_hashed_known_hosts_path (fx->sshd), "true", &r);
  g_assert_cmpint (r.status, ==, 0);
  run_result_clear (&r);
}

static void
test_sshd_rejects_wrong_key (SshdFixture   *fx,
                             gconstpointer  data)
{
  RunResult r = { 0 };
  g_autofree char *log = NULL;

  if (fx->sshd == NULL || !have_ssh_client ())
    return;

  ssh_run (fx->sshd, lagoon_rig_sshd_get_unauthorized_key_path (fx->sshd), NULL, "true", &r);
  g_assert_cmpint (r.status, !=, 0);
  g_assert_nonnull (strstr (r.err, "Permission denied"));
  run_result_clear (&r);

  /* sshd saw the attempt (VERBOSE log in the rig's file). */
  g_assert_true (g_file_get_contents (lagoon_rig_sshd_get_log_path (fx->sshd), &log, NULL, NULL));
  g_assert_true (strstr (log, "Failed publickey") != NULL ||
                 strstr (log, "Connection closed by authenticating user") != NULL);

  /* And the right key still works afterwards (no penalty box for 127.0.0.1). */
  ssh_run (fx->sshd, NULL, NULL, "true", &r);
  g_assert_cmpint (r.status, ==, 0);
  run_result_clear (&r);
}

static void
test_sshd_changed_host_key (SshdFixture   *fx,
                            gconstpointer  data)
{
  RunResult r = { 0 };

  if (fx->sshd == NULL || !have_ssh_client ())
    return;

  ssh_run (fx->sshd, NULL, lagoon_rig_sshd_get_changed_known_hosts_path (fx->sshd), "true", &r);
  g_assert_cmpint (r.status, !=, 0);
  g_assert_nonnull (strstr (r.err, "IDENTIFICATION HAS CHANGED"));
  run_result_clear (&r);
}

static void
test_sshd_forwarding (SshdFixture   *fx,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonRigEcho) echo = NULL;
  g_autofree char *target = NULL;
  g_auto(GStrv) argv = NULL;
  gsize size = 256 * 1024;
  g_autofree guint8 *bytes = g_malloc (size);
  g_autoptr(GBytes) input = NULL;
  RunResult r = { 0 };

  if (fx->sshd == NULL || !have_ssh_client ())
    return;

  echo = lagoon_rig_echo_start (&error);
  g_assert_no_error (error);

  for (gsize i = 0; i < size; i++)
    bytes[i] = (guint8) g_test_rand_int ();
  input = g_bytes_new (bytes, size);

  /* ssh -W opens a direct-tcpip channel, as Lagoon's tunnel does. */
  target = g_strdup_printf ("127.0.0.1:%u", lagoon_rig_echo_get_port (echo));
  {
    const char *opts[] = { "-W", target, NULL };
    argv = lagoon_rig_sshd_ssh_argv (fx->sshd, NULL, NULL, NULL, opts, NULL);
  }
  run (argv, input, &r);
  if (r.status != 0)
    g_test_message ("ssh -W: %s", r.err);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpmem (g_bytes_get_data (r.out, NULL), g_bytes_get_size (r.out), bytes, size);
  g_assert_cmpuint (lagoon_rig_echo_get_connection_count (echo), ==, 1);
  run_result_clear (&r);
}

static void
test_sshd_kill_restart (SshdFixture   *fx,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GPid old_pid;
  guint16 port;
  RunResult r = { 0 };
  gint64 t0;

  if (fx->sshd == NULL || !have_ssh_client ())
    return;

  port = lagoon_rig_sshd_get_port (fx->sshd);
  old_pid = lagoon_rig_sshd_get_pid (fx->sshd);
  lagoon_rig_sshd_kill (fx->sshd);
  g_assert_false (lagoon_rig_sshd_is_running (fx->sshd));
  g_assert_cmpint (kill (old_pid, 0), ==, -1);
  g_assert_false (lagoon_rig_port_accepts (port));
  g_assert_true (g_file_test (lagoon_rig_sshd_get_key_path (fx->sshd), G_FILE_TEST_EXISTS));

  t0 = g_get_monotonic_time ();
  g_assert_true (lagoon_rig_sshd_restart (fx->sshd, &error));
  g_assert_no_error (error);
  g_test_message ("sshd restarted in %.1f ms", (g_get_monotonic_time () - t0) / 1000.0);
  g_assert_cmpuint (lagoon_rig_sshd_get_port (fx->sshd), ==, port);
  g_assert_true (lagoon_rig_sshd_is_running (fx->sshd));
  g_assert_cmpint (lagoon_rig_sshd_get_pid (fx->sshd), !=, old_pid);

  /* Same host key, same known_hosts. */
  ssh_run (fx->sshd, NULL, NULL, "true", &r);
  g_assert_cmpint (r.status, ==, 0);
  run_result_clear (&r);
}

/* A session open while the daemon is killed is cut too ("sshd killed mid-call"). */
static void
test_sshd_kill_cuts_sessions (SshdFixture   *fx,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_auto(GStrv) argv = NULL;
  const char *cmd[] = { "sleep", "60", NULL };
  gint64 t0;

  if (fx->sshd == NULL || !have_ssh_client ())
    return;

  argv = lagoon_rig_sshd_ssh_argv (fx->sshd, NULL, NULL, NULL, NULL, cmd);
  proc = g_subprocess_newv ((const char * const *) argv,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                            G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);

  /* Wait for the session to be up: sshd logs the accepted key. */
  t0 = g_get_monotonic_time ();
  for (;;)
    {
      g_autofree char *log = NULL;

      g_assert_true (g_file_get_contents (lagoon_rig_sshd_get_log_path (fx->sshd), &log, NULL,
                                          NULL));
      if (strstr (log, "Accepted publickey") != NULL)
        break;
      g_assert_cmpint (g_get_monotonic_time () - t0, <, 10 * G_TIME_SPAN_SECOND);
      g_usleep (10 * 1000);
    }

  t0 = g_get_monotonic_time ();
  lagoon_rig_sshd_kill (fx->sshd);
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);
  /* The client noticed within seconds, not after sleep 60. */
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 10 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (g_subprocess_get_exit_status (proc), !=, 0);
}

static void
test_sshd_stop_cleans_up (void)
{
  g_autoptr(GError) error = NULL;
  LagoonRigSshd *sshd;
  g_autofree char *dir = NULL;
  GPid pid;
  guint16 port;

  sshd = lagoon_rig_sshd_start (NULL, &error);
  if (lagoon_rig_error_is_missing (error))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);

  pid = lagoon_rig_sshd_get_pid (sshd);
  port = lagoon_rig_sshd_get_port (sshd);
  dir = g_strdup (lagoon_rig_sshd_get_dir (sshd));
  g_assert_cmpint (kill (pid, 0), ==, 0);
  g_assert_true (lagoon_rig_port_accepts (port));
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));

  lagoon_rig_sshd_stop (sshd);

  g_assert_cmpint (kill (pid, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
  g_assert_false (lagoon_rig_port_accepts (port));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

static void
test_sshd_options (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonRigSshd) sshd = NULL;
  g_autoptr(LagoonRigSshd) second = NULL;
  const char *extra[] = { "Banner none", "MaxSessions 120", NULL };
  LagoonRigSshdOptions opts = { .rsa_host_key = TRUE, .password_auth = TRUE,
                                .extra_config = extra };
  g_autofree char *config = NULL;
  g_autofree char *known = NULL;
  g_autofree char *config_path = NULL;
  RunResult r = { 0 };

  sshd = lagoon_rig_sshd_start (&opts, &error);
  if (lagoon_rig_error_is_missing (error))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);

  config_path = g_build_filename (lagoon_rig_sshd_get_dir (sshd), "sshd_config", NULL);
  g_assert_true (g_file_get_contents (config_path, &config, NULL, NULL));
  g_assert_nonnull (strstr (config, "\nPasswordAuthentication yes\n"));
  g_assert_nonnull (strstr (config, "\nPermitRootLogin yes\n"));
  g_assert_nonnull (strstr (config, "\nMaxSessions 120\n"));

  g_assert_true (g_str_has_prefix (lagoon_rig_sshd_get_rsa_host_key (sshd), "ssh-rsa "));
  g_assert_true (g_file_get_contents (lagoon_rig_sshd_get_known_hosts_path (sshd), &known,
                                      NULL, NULL));
  g_assert_nonnull (strstr (known, lagoon_rig_sshd_get_rsa_host_key (sshd)));

  if (have_ssh_client ())
    {
      /* Force the RSA host key: known_hosts has it too. */
      const char *opts_rsa[] = { "-o", "HostKeyAlgorithms=rsa-sha2-512,rsa-sha2-256", NULL };
      const char *cmd[] = { "true", NULL };
      g_auto(GStrv) argv = lagoon_rig_sshd_ssh_argv (sshd, NULL, NULL, NULL, opts_rsa, cmd);

      run (argv, NULL, &r);
      g_assert_cmpint (r.status, ==, 0);
      run_result_clear (&r);
    }

  /* A fixed port that is taken fails clearly instead of hopping elsewhere. */
  {
    LagoonRigSshdOptions same = { .port = lagoon_rig_sshd_get_port (sshd) };

    second = lagoon_rig_sshd_start (&same, &error);
    g_assert_null (second);
    g_assert_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED);
    g_assert_nonnull (strstr (error->message, "Address already in use"));
  }
}

/* Password authentication for a throwaway user, through ssh's askpass hook. */
static void
test_sshd_password (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonRigUser) user = NULL;
  g_autoptr(LagoonRigSshd) sshd = NULL;
  LagoonRigSshdOptions opts = { .password_auth = TRUE };
  const char *password = "lagoon-rig s3cret";
  g_autofree char *askpass = NULL;
  g_autofree char *askpass_env = NULL;
  g_autofree char *script = NULL;
  g_autofree char *expected = NULL;
  RunResult r = { 0 };
  const char *pw_opts[] = {
    "-o", "BatchMode=no", "-o", "PasswordAuthentication=yes", "-o", "PubkeyAuthentication=no",
    "-o", "PreferredAuthentications=password", "-o", "NumberOfPasswordPrompts=1", NULL
  };
  const char *cmd[] = { "id", "-un", NULL };

  if (!have_ssh_client ())
    return;
  user = lagoon_rig_user_add (password, &error);
  if (lagoon_rig_error_is_missing (error))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);

  sshd = lagoon_rig_sshd_start (&opts, &error);
  if (lagoon_rig_error_is_missing (error))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);

  for (guint attempt = 0; attempt < 2; attempt++)
    {
      const char *typed = attempt == 0 ? password : "not the password";
      const char *env[] = { NULL, "SSH_ASKPASS_REQUIRE=force", "DISPLAY=:lagoon-rig", NULL };
      g_auto(GStrv) argv = NULL;

      g_free (askpass);
      g_free (script);
      g_free (askpass_env);
      askpass = g_build_filename (lagoon_rig_sshd_get_dir (sshd), "askpass", NULL);
      script = g_strdup_printf ("#!/bin/sh\nprintf '%%s\\n' '%s'\n", typed);
      g_assert_true (g_file_set_contents_full (askpass, script, -1,
                                               G_FILE_SET_CONTENTS_CONSISTENT, 0755, NULL));
      askpass_env = g_strconcat ("SSH_ASKPASS=", askpass, NULL);
      env[0] = askpass_env;

      argv = lagoon_rig_sshd_ssh_argv (sshd, lagoon_rig_user_get_name (user), NULL, NULL,
                                       pw_opts, cmd);
      run_env (argv, NULL, env, &r);
      if (attempt == 0)
        {
          if (r.status != 0)
            {
              g_autofree char *tail = lagoon_rig_sshd_get_log_tail (sshd, 20);
              g_test_message ("ssh: %s\nsshd log:\n%s", r.err, tail);
            }
          g_assert_cmpint (r.status, ==, 0);
          expected = g_strdup_printf ("%s\n", lagoon_rig_user_get_name (user));
          g_assert_cmpmem (g_bytes_get_data (r.out, NULL), g_bytes_get_size (r.out),
                           expected, strlen (expected));
        }
      else
        {
          g_assert_cmpint (r.status, !=, 0);
          g_assert_nonnull (strstr (r.err, "Permission denied"));
        }
      run_result_clear (&r);
    }
}

/* Fifty connections through one SSH connection at once (ssh -L), as a pool's consoles and
 * calls would open. */
static void
test_sshd_many_channels (SshdFixture   *fx,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonRigEcho) echo = NULL;
  g_autoptr(GSubprocess) tunnel = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autofree char *forward = NULL;
  g_auto(GStrv) argv = NULL;
  GSocketConnection *conns[50];
  guint16 local_port;
  gint64 t0;

  if (fx->sshd == NULL || !have_ssh_client ())
    return;

  echo = lagoon_rig_echo_start (&error);
  g_assert_no_error (error);
  local_port = lagoon_rig_free_port ();
  forward = g_strdup_printf ("127.0.0.1:%u:127.0.0.1:%u", local_port,
                             lagoon_rig_echo_get_port (echo));
  {
    const char *opts[] = { "-N", "-L", forward, "-o", "ExitOnForwardFailure=yes", NULL };
    argv = lagoon_rig_sshd_ssh_argv (fx->sshd, NULL, NULL, NULL, opts, NULL);
  }
  tunnel = g_subprocess_newv ((const char * const *) argv, G_SUBPROCESS_FLAGS_STDIN_PIPE, &error);
  g_assert_no_error (error);

  t0 = g_get_monotonic_time ();
  while (!lagoon_rig_port_accepts (local_port))
    {
      g_assert_cmpint (g_get_monotonic_time () - t0, <, 10 * G_TIME_SPAN_SECOND);
      g_usleep (10 * 1000);
    }

  g_socket_client_set_enable_proxy (client, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (conns); i++)
    {
      char line[64];
      gsize done = 0;

      conns[i] = g_socket_client_connect_to_host (client, "127.0.0.1", local_port, NULL, &error);
      g_assert_no_error (error);
      g_snprintf (line, sizeof line, "channel %02u of lagoon rig\n", i);
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conns[i])),
                                 line, strlen (line), &done, NULL, &error);
      g_assert_no_error (error);
    }
  /* All open at once; each answers with its own line. */
  for (guint i = 0; i < G_N_ELEMENTS (conns); i++)
    {
      char want[64];
      char got[64] = { 0 };
      gsize done = 0;

      g_snprintf (want, sizeof want, "channel %02u of lagoon rig\n", i);
      g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (conns[i])),
                               got, strlen (want), &done, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (got, ==, want);
    }
  /* The probe connections of the wait loop count too. */
  g_assert_cmpuint (lagoon_rig_echo_get_connection_count (echo), >=, G_N_ELEMENTS (conns));
  for (guint i = 0; i < G_N_ELEMENTS (conns); i++)
    g_object_unref (conns[i]);

  g_subprocess_force_exit (tunnel);
  g_subprocess_wait (tunnel, NULL, NULL);
}

/* ---- simulator ---------------------------------------------------------------------------- */

static void
test_sim (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *binary = lagoon_rig_sim_find_binary (&error);
  LagoonRigSim *sim;
  GPid pid;
  guint16 port;

  if (binary == NULL)
    {
      g_test_skip (error->message);
      return;
    }

  sim = lagoon_rig_sim_start (NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (sim);
  port = lagoon_rig_sim_get_port (sim);
  pid = lagoon_rig_sim_get_pid (sim);
  g_assert_cmpuint (port, >, 0);
  g_assert_true (g_str_has_prefix (lagoon_rig_sim_get_address (sim), "127."));
  g_assert_true (g_str_has_prefix (lagoon_rig_sim_get_url (sim), "http://127."));
  g_test_message ("xapi-sim serving %s", lagoon_rig_sim_get_url (sim));

  /* It really listens there. */
  {
    g_autoptr(GSocketClient) client = g_socket_client_new ();
    g_autoptr(GSocketConnection) conn = NULL;

    g_socket_client_set_enable_proxy (client, FALSE);
    conn = g_socket_client_connect_to_host (client, lagoon_rig_sim_get_address (sim), port,
                                            NULL, &error);
    g_assert_no_error (error);
  }

  lagoon_rig_sim_stop (sim);
  g_assert_cmpint (kill (pid, 0), ==, -1);
}

/* The same helper against a stand-in: this very program in LAGOON_RIG_FAKE_SIM mode. */
static void
run_fake_sim (const char *mode,
              GError    **error,
              GPid       *pid_out,
              guint16    *port_out)
{
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  const char *extra[] = { "--extra", "arg", NULL };
  LagoonRigSim *sim;

  g_assert_nonnull (self_exe);
  g_setenv ("LAGOON_XAPI_SIM", self_exe, TRUE);
  g_setenv ("LAGOON_RIG_FAKE_SIM", mode, TRUE);
  sim = lagoon_rig_sim_start (extra, error);
  g_unsetenv ("LAGOON_XAPI_SIM");
  g_unsetenv ("LAGOON_RIG_FAKE_SIM");

  *pid_out = 0;
  *port_out = 0;
  if (sim == NULL)
    return;

  *pid_out = lagoon_rig_sim_get_pid (sim);
  *port_out = lagoon_rig_sim_get_port (sim);
  g_assert_cmpstr (lagoon_rig_sim_get_address (sim), ==, "127.0.0.1");
  g_assert_true (lagoon_rig_port_accepts (*port_out));
  {
    g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", *port_out);
    g_autofree char *tail = lagoon_rig_sim_get_log_tail (sim, 10);

    g_assert_cmpstr (lagoon_rig_sim_get_url (sim), ==, url);
    g_assert_nonnull (strstr (tail, "args: --port 0 --extra arg"));
  }
  lagoon_rig_sim_stop (sim);
}

static void
test_sim_fake (void)
{
  g_autoptr(GError) error = NULL;
  GPid pid;
  guint16 port;

  run_fake_sim ("ok", &error, &pid, &port);
  g_assert_no_error (error);
  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (kill (pid, 0), ==, -1);
  g_assert_false (lagoon_rig_port_accepts (port));

  /* A stand-in that fails at once is reported with its output. */
  run_fake_sim ("fail", &error, &pid, &port);
  g_assert_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "exited with status 3"));
  g_assert_nonnull (strstr (error->message, "fake failure"));
}

/* LAGOON_RIG_FAKE_SIM mode: print the simulator's ready line and serve nothing. */
static int
fake_sim_main (const char *mode,
               int         argc,
               char       *argv[])
{
  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *args = g_strjoinv (" ", argv + 1);

  printf ("fake xapi-sim args: %s\n", args);
  if (g_str_equal (mode, "fail"))
    {
      fprintf (stderr, "fake failure\n");
      return 3;
    }
  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  if (sock == NULL || !g_socket_bind (sock, addr, TRUE, NULL) || !g_socket_listen (sock, NULL))
    return 4;
  bound = g_socket_get_local_address (sock, NULL);
  printf ("some start-up noise\nxapi-sim: listening on http://127.0.0.1:%u\n",
          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  fflush (stdout);
  /* Until SIGTERM (or the parent's death), accept and drop connections; give up after a minute. */
  for (guint i = 0; i < 600; i++)
    {
      GSocket *c;

      g_socket_set_timeout (sock, 1);
      c = g_socket_accept (sock, NULL, NULL);
      g_clear_object (&c);
      g_usleep (100 * 1000);
    }
  return 0;
}

static void
test_sim_bad_args (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *binary = lagoon_rig_sim_find_binary (&error);
  const char *args[] = { "--no-such-option-for-lagoon-rig", NULL };
  LagoonRigSim *sim;

  if (binary == NULL)
    {
      g_test_skip (error->message);
      return;
    }

  /* A simulator that refuses to start is reported, with its output, not waited on forever. */
  sim = lagoon_rig_sim_start (args, &error);
  g_assert_null (sim);
  g_assert_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED);
}

/* ---- RFB client against canned servers ------------------------------------------------- */

typedef struct
{
  int     fd;
  GBytes *script;
} FakeServer;

static gpointer
fake_server_thread (gpointer data)
{
  FakeServer *fake = data;
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (fake->script, &len);
  guint8 sink[4096];

  while (len > 0)
    {
      gssize n = send (fake->fd, p, len, MSG_NOSIGNAL);
      if (n <= 0)
        break;
      p += n;
      len -= n;
    }
  /* Drain what the client sends until it hangs up. */
  while (recv (fake->fd, sink, sizeof sink, 0) > 0)
    ;
  close (fake->fd);
  g_bytes_unref (fake->script);
  g_free (fake);
  return NULL;
}

/* Starts a fake server that writes script; returns the client's fd. */
static int
fake_server (const void *script,
             gsize       len)
{
  int fds[2];
  FakeServer *fake = g_new0 (FakeServer, 1);

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  fake->fd = fds[1];
  fake->script = g_bytes_new (script, len);
  g_thread_unref (g_thread_new ("fake-rfb", fake_server_thread, fake));
  return fds[0];
}

static void
append_u16 (GByteArray *a,
            guint16     v)
{
  guint8 b[2] = { v >> 8, v & 0xff };
  g_byte_array_append (a, b, 2);
}

static void
append_u32 (GByteArray *a,
            guint32     v)
{
  guint8 b[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };
  g_byte_array_append (a, b, 4);
}

static void
append_server_init (GByteArray *a,
                    guint16     w,
                    guint16     h,
                    const char *name)
{
  guint8 pf[16] = { 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0 };

  g_byte_array_append (a, (const guint8 *) "RFB 003.008\n", 12);
  g_byte_array_append (a, (const guint8 *) "\x01\x01", 2);   /* one type: None */
  append_u32 (a, 0);                                          /* SecurityResult OK */
  append_u16 (a, w);
  append_u16 (a, h);
  g_byte_array_append (a, pf, sizeof pf);
  append_u32 (a, strlen (name));
  g_byte_array_append (a, (const guint8 *) name, strlen (name));
}

static void
test_rfb_canned (void)
{
  g_autoptr(GByteArray) s = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonRigRfb) rfb = NULL;
  g_autoptr(GBytes) pixels = NULL;
  const guint32 *px;
  guint32 colours[] = { 0x0000a8, 0xffffff, 0x123456, 0x000000 };

  append_server_init (s, 2, 2, "canned");
  /* Bell, then a FramebufferUpdate: DesktopSize 2x2 is not sent; one raw 2x2 rectangle. */
  g_byte_array_append (s, (const guint8 *) "\x02", 1);
  g_byte_array_append (s, (const guint8 *) "\x00\x00", 2);
  append_u16 (s, 1);
  append_u16 (s, 0);
  append_u16 (s, 0);
  append_u16 (s, 2);
  append_u16 (s, 2);
  append_u32 (s, 0);
  for (guint i = 0; i < 4; i++)
    {
      /* The client asked for pixels in its own byte order. */
      guint32 v = colours[i];
      g_byte_array_append (s, (const guint8 *) &v, 4);
    }

  rfb = lagoon_rig_rfb_new_for_fd (fake_server (s->data, s->len), 2000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lagoon_rig_rfb_get_width (rfb), ==, 2);
  g_assert_cmpuint (lagoon_rig_rfb_get_height (rfb), ==, 2);
  g_assert_cmpstr (lagoon_rig_rfb_get_name (rfb), ==, "canned");

  pixels = lagoon_rig_rfb_grab (rfb, 2000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (pixels), ==, 16);
  px = g_bytes_get_data (pixels, NULL);
  for (guint i = 0; i < 4; i++)
    g_assert_cmphex (px[i] & 0xffffff, ==, colours[i]);
  g_assert_cmpuint (lagoon_rig_pixels_count_matching (pixels, LAGOON_RIG_GUEST_BACKGROUND, 4),
                    ==, 1);
  g_assert_cmpuint (lagoon_rig_pixels_count_not (pixels, 0), ==, 3);

  /* Key events go out without error. */
  g_assert_true (lagoon_rig_rfb_type (rfb, "ok\n", &error));
  g_assert_no_error (error);
  g_assert_false (lagoon_rig_rfb_type (rfb, "\x01", &error));
  g_assert_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED);
  g_clear_error (&error);

  /* No second update comes: the grab times out rather than hanging. */
  g_clear_pointer (&pixels, g_bytes_unref);
  pixels = lagoon_rig_rfb_grab (rfb, 200, &error);
  g_assert_null (pixels);
  g_assert_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_TIMED_OUT);
}

typedef struct
{
  const char *what;
  GByteArray *script;
  int         code;
} BadCase;

static void
test_rfb_bad_servers (void)
{
  BadCase cases[6];
  guint n = 0;
  GByteArray *a;

  a = g_byte_array_new ();
  g_byte_array_append (a, (const guint8 *) "RFB 003.003\n", 12);
  cases[n++] = (BadCase) { "old version", a, LAGOON_RIG_ERROR_PROTOCOL };

  a = g_byte_array_new ();
  g_byte_array_append (a, (const guint8 *) "HTTP/1.1 200", 12);
  cases[n++] = (BadCase) { "not RFB", a, LAGOON_RIG_ERROR_PROTOCOL };

  a = g_byte_array_new ();
  g_byte_array_append (a, (const guint8 *) "RFB 003.008\n\x00", 13);
  append_u32 (a, 7);
  g_byte_array_append (a, (const guint8 *) "go away", 7);
  cases[n++] = (BadCase) { "refused", a, LAGOON_RIG_ERROR_PROTOCOL };

  a = g_byte_array_new ();
  g_byte_array_append (a, (const guint8 *) "RFB 003.008\n\x01\x02", 14);
  cases[n++] = (BadCase) { "VNC auth only", a, LAGOON_RIG_ERROR_PROTOCOL };

  a = g_byte_array_new ();
  append_server_init (a, 60000, 60000, "huge");
  cases[n++] = (BadCase) { "huge desktop", a, LAGOON_RIG_ERROR_PROTOCOL };

  a = g_byte_array_new ();
  g_byte_array_append (a, (const guint8 *) "RFB 003.008\n\x01", 13);
  /* The server stops mid-handshake but keeps the connection: the client gives up in time. */
  cases[n++] = (BadCase) { "truncated", a, LAGOON_RIG_ERROR_TIMED_OUT };

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      LagoonRigRfb *rfb;

      g_test_message ("case: %s", cases[i].what);
      rfb = lagoon_rig_rfb_new_for_fd (fake_server (cases[i].script->data, cases[i].script->len),
                                       500, &error);
      g_assert_null (rfb);
      g_assert_error (error, LAGOON_RIG_ERROR, cases[i].code);
      g_byte_array_unref (cases[i].script);
    }
}

int
main (int   argc,
      char *argv[])
{
  static const LagoonRigSshdOptions defaults = { 0 };
  const char *fake_sim = g_getenv ("LAGOON_RIG_FAKE_SIM");

  if (fake_sim != NULL)
    return fake_sim_main (fake_sim, argc, argv);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lagoon/rig/free-port", test_free_port);
  g_test_add_func ("/lagoon/rig/echo", test_echo);
  g_test_add ("/lagoon/rig/sshd/files", SshdFixture, &defaults,
              sshd_setup, test_sshd_files, sshd_teardown);
  g_test_add ("/lagoon/rig/sshd/accepts-key", SshdFixture, &defaults,
              sshd_setup, test_sshd_accepts_key, sshd_teardown);
  g_test_add ("/lagoon/rig/sshd/rejects-wrong-key", SshdFixture, &defaults,
              sshd_setup, test_sshd_rejects_wrong_key, sshd_teardown);
  g_test_add ("/lagoon/rig/sshd/changed-host-key", SshdFixture, &defaults,
              sshd_setup, test_sshd_changed_host_key, sshd_teardown);
  g_test_add ("/lagoon/rig/sshd/forwarding", SshdFixture, &defaults,
              sshd_setup, test_sshd_forwarding, sshd_teardown);
  g_test_add ("/lagoon/rig/sshd/kill-restart", SshdFixture, &defaults,
              sshd_setup, test_sshd_kill_restart, sshd_teardown);
  g_test_add ("/lagoon/rig/sshd/kill-cuts-sessions", SshdFixture, &defaults,
              sshd_setup, test_sshd_kill_cuts_sessions, sshd_teardown);
  g_test_add ("/lagoon/rig/sshd/many-channels", SshdFixture, &defaults,
              sshd_setup, test_sshd_many_channels, sshd_teardown);
  g_test_add_func ("/lagoon/rig/sshd/password", test_sshd_password);
  g_test_add_func ("/lagoon/rig/sshd/stop-cleans-up", test_sshd_stop_cleans_up);
  g_test_add_func ("/lagoon/rig/sshd/options", test_sshd_options);
  g_test_add_func ("/lagoon/rig/sim/start-stop", test_sim);
  g_test_add_func ("/lagoon/rig/sim/bad-args", test_sim_bad_args);
  g_test_add_func ("/lagoon/rig/sim/fake", test_sim_fake);
  g_test_add_func ("/lagoon/rig/rfb/canned", test_rfb_canned);
  g_test_add_func ("/lagoon/rig/rfb/bad-servers", test_rfb_bad_servers);

  return g_test_run ();
}
