/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-demo"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>

#include "lagoon-demo.h"

/* LagoonDemo against stand-in simulators (small shell scripts), and against the real
 * xapi-sim when the build has one. No display needed. */

typedef struct {
  char *dir;
  char *pid_file;
  char *args_file;
} Fixture;

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fx->dir = g_dir_make_tmp ("lagoon-test-demo-XXXXXX", &error);
  g_assert_no_error (error);
  fx->pid_file = g_build_filename (fx->dir, "pid", NULL);
  fx->args_file = g_build_filename (fx->dir, "args", NULL);
}

static gboolean
pid_alive (GPid pid)
{
  /* A reaped child is gone; a zombie would still answer kill(0), so GLib must reap it. */
  return kill (pid, 0) == 0 || errno != ESRCH;
}

static GPid
read_pid (Fixture *fx)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (fx->pid_file, &text, NULL, NULL))
    return 0;
  return (GPid) g_ascii_strtoll (text, NULL, 10);
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  g_autofree char *sim = g_build_filename (fx->dir, "sim", NULL);
  GPid pid = read_pid (fx);

  /* Whatever happened in the test, leave no process behind. */
  if (pid > 0)
    kill (pid, SIGKILL);
  g_unlink (fx->pid_file);
  g_unlink (fx->args_file);
  g_unlink (sim);
  g_rmdir (fx->dir);
  g_free (fx->dir);
  g_free (fx->pid_file);
  g_free (fx->args_file);
  g_unsetenv ("LAGOON_XAPI_SIM");
}

/* Writes an executable stand-in simulator whose body is @body, records its pid and
 * arguments, and points LAGOON_XAPI_SIM at it. */
static void
fixture_write_sim (Fixture    *fx,
                   const char *body)
{
  g_autofree char *path = g_build_filename (fx->dir, "sim", NULL);
  g_autofree char *script = NULL;
  g_autoptr(GError) error = NULL;

  script = g_strdup_printf ("#!/bin/sh\n"
                            "echo $$ > '%s'\n"
                            "echo \"$@\" > '%s'\n"
                            "%s\n",
                            fx->pid_file, fx->args_file, body);
  g_file_set_contents (path, script, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, 0755), ==, 0);
  g_setenv ("LAGOON_XAPI_SIM", path, TRUE);
}

static void
start_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Runs lagoon_demo_start_async() to completion. */
static gboolean
start_demo (LagoonDemo  *demo,
            GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  lagoon_demo_start_async (demo, NULL, start_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return lagoon_demo_start_finish (demo, result, error);
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_for_death (GPid pid)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (5000, timeout_cb, &timed_out);

  /* GLib reaps the child from its worker thread; keep the main loop turning meanwhile. */
  while (pid_alive (pid) && !timed_out)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  g_assert_false (timed_out);
  g_source_remove (id);
}

static void
test_parse_line (void)
{
  g_autofree char *uri = NULL;
  g_autofree char *uri6 = NULL;

  g_assert_true (lagoon_demo_parse_listen_line ("xapi-sim: listening on http://127.0.0.1:4242",
                                                &uri));
  g_assert_cmpstr (uri, ==, "http://127.0.0.1:4242");
  g_assert_true (lagoon_demo_parse_listen_line ("xapi-sim: listening on http://[::1]:80\r\n",
                                                &uri6));
  g_assert_cmpstr (uri6, ==, "http://[::1]:80");

  g_assert_false (lagoon_demo_parse_listen_line (NULL, NULL));
  g_assert_false (lagoon_demo_parse_listen_line ("", NULL));
  g_assert_false (lagoon_demo_parse_listen_line ("xapi-sim: generating a pool", NULL));
  g_assert_false (lagoon_demo_parse_listen_line ("xapi-sim: listening on ", NULL));
  g_assert_false (lagoon_demo_parse_listen_line ("xapi-sim: listening on http://127.0.0.1", NULL));
  g_assert_false (lagoon_demo_parse_listen_line ("xapi-sim: listening on http://127.0.0.1:0",
                                                 NULL));
  g_assert_false (lagoon_demo_parse_listen_line ("xapi-sim: listening on http://127.0.0.1:99999",
                                                 NULL));
  g_assert_false (lagoon_demo_parse_listen_line ("xapi-sim: listening on ftp://127.0.0.1:21",
                                                 NULL));
  g_assert_false (lagoon_demo_parse_listen_line ("xapi-sim: listening on http://:8080", NULL));
  g_assert_false (lagoon_demo_parse_listen_line ("xapi-sim: listening on http://a b:1", NULL));
}

static void
test_env_not_executable (Fixture       *fx,
                         gconstpointer  data)
{
  g_autoptr(LagoonDemo) demo = lagoon_demo_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *found = NULL;
  g_autofree char *missing = g_build_filename (fx->dir, "no-such-sim", NULL);

  g_setenv ("LAGOON_XAPI_SIM", missing, TRUE);
  found = lagoon_demo_find_simulator (&error);
  g_assert_null (found);
  g_assert_error (error, LAGOON_DEMO_ERROR, LAGOON_DEMO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  g_assert_false (start_demo (demo, &error));
  g_assert_error (error, LAGOON_DEMO_ERROR, LAGOON_DEMO_ERROR_NOT_FOUND);
  g_assert_false (lagoon_demo_get_running (demo));
  g_assert_null (lagoon_demo_get_uri (demo));
}

static void
test_starts_and_stops (Fixture       *fx,
                       gconstpointer  data)
{
  g_autoptr(LagoonDemo) demo = lagoon_demo_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *args = NULL;
  GPid pid;

  fixture_write_sim (fx, "echo 'xapi-sim: generating 3 hosts'\n"
                         "echo 'xapi-sim: listening on http://127.0.0.1:4242'\n"
                         "exec sleep 60");
  g_assert_true (start_demo (demo, &error));
  g_assert_no_error (error);
  g_assert_true (lagoon_demo_get_running (demo));
  g_assert_cmpstr (lagoon_demo_get_uri (demo), ==, "http://127.0.0.1:4242");

  g_assert_true (g_file_get_contents (fx->args_file, &args, NULL, NULL));
  g_assert_cmpstr (g_strstrip (args), ==, "--generate 3:40 --port 0");

  pid = read_pid (fx);
  g_assert_cmpint (pid, >, 0);
  g_assert_true (pid_alive (pid));

  lagoon_demo_stop (demo);
  g_assert_false (lagoon_demo_get_running (demo));
  wait_for_death (pid);
}

static void
test_dispose_kills (Fixture       *fx,
                    gconstpointer  data)
{
  LagoonDemo *demo = lagoon_demo_new ();
  g_autoptr(GError) error = NULL;
  GPid pid;

  fixture_write_sim (fx, "echo 'xapi-sim: listening on http://127.0.0.1:4243'\nexec sleep 60");
  g_assert_true (start_demo (demo, &error));
  g_assert_no_error (error);
  pid = read_pid (fx);
  g_assert_cmpint (pid, >, 0);

  g_object_unref (demo);
  wait_for_death (pid);
}

static void
test_exits_early (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(LagoonDemo) demo = lagoon_demo_new ();
  g_autoptr(GError) error = NULL;

  fixture_write_sim (fx, "echo 'xapi-sim: cannot bind' >&2\nexit 3");
  g_assert_false (start_demo (demo, &error));
  g_assert_error (error, LAGOON_DEMO_ERROR, LAGOON_DEMO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "exit status 3"));
  g_assert_false (lagoon_demo_get_running (demo));
}

static void
test_timeout (Fixture       *fx,
              gconstpointer  data)
{
  g_autoptr(LagoonDemo) demo = lagoon_demo_new ();
  g_autoptr(GError) error = NULL;
  GPid pid;

  /* Talks, but never says where it listens. */
  fixture_write_sim (fx, "echo 'xapi-sim: thinking'\nexec sleep 60");
  lagoon_demo_set_timeout (demo, 300);
  g_assert_false (start_demo (demo, &error));
  g_assert_error (error, LAGOON_DEMO_ERROR, LAGOON_DEMO_ERROR_TIMED_OUT);

  /* A simulator that failed to come up is not left running. */
  pid = read_pid (fx);
  g_assert_cmpint (pid, >, 0);
  wait_for_death (pid);
}

static void
exited_cb (LagoonDemo *demo,
           const char *message,
           char      **out)
{
  g_free (*out);
  *out = g_strdup (message);
}

static void
test_unexpected_exit (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(LagoonDemo) demo = lagoon_demo_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  gboolean timed_out = FALSE;
  guint id;

  fixture_write_sim (fx, "echo 'xapi-sim: listening on http://127.0.0.1:4244'\n"
                         "sleep 0.3\nexit 7");
  g_signal_connect (demo, "exited", G_CALLBACK (exited_cb), &message);
  g_assert_true (start_demo (demo, &error));
  g_assert_no_error (error);

  id = g_timeout_add (5000, timeout_cb, &timed_out);
  while (message == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (id);

  g_assert_nonnull (strstr (message, "exit status 7"));
  g_assert_false (lagoon_demo_get_running (demo));
}

static void
test_real_simulator (void)
{
  g_autofree char *path = g_build_filename (LAGOON_BUILDDIR, "tests", "xapi-sim", "xapi-sim",
                                            NULL);
  g_autoptr(LagoonDemo) demo = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GUri) uri = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("xapi-sim is not built in this tree");
      return;
    }

  g_setenv ("LAGOON_XAPI_SIM", path, TRUE);
  demo = lagoon_demo_new ();
  g_assert_true (start_demo (demo, &error));
  g_assert_no_error (error);
  g_unsetenv ("LAGOON_XAPI_SIM");

  uri = g_uri_parse (lagoon_demo_get_uri (demo), G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (g_uri_get_host (uri), "127."));

  /* It accepts connections where it said it would. */
  client = g_socket_client_new ();
  connection = g_socket_client_connect_to_host (client, g_uri_get_host (uri),
                                                (guint16) g_uri_get_port (uri), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (connection);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  lagoon_demo_stop (demo);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lagoon/demo/parse-line", test_parse_line);
  g_test_add ("/lagoon/demo/env-not-executable", Fixture, NULL,
              fixture_setup, test_env_not_executable, fixture_teardown);
  g_test_add ("/lagoon/demo/starts-and-stops", Fixture, NULL,
              fixture_setup, test_starts_and_stops, fixture_teardown);
  g_test_add ("/lagoon/demo/dispose-kills", Fixture, NULL,
              fixture_setup, test_dispose_kills, fixture_teardown);
  g_test_add ("/lagoon/demo/exits-early", Fixture, NULL,
              fixture_setup, test_exits_early, fixture_teardown);
  g_test_add ("/lagoon/demo/timeout", Fixture, NULL,
              fixture_setup, test_timeout, fixture_teardown);
  g_test_add ("/lagoon/demo/unexpected-exit", Fixture, NULL,
              fixture_setup, test_unexpected_exit, fixture_teardown);
  g_test_add_func ("/lagoon/demo/real-simulator", test_real_simulator);

  return g_test_run ();
}
