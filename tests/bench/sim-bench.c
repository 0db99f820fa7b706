/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sim-bench: how fast is xapi-sim on a big pool? Starts the simulator with a generated
 * pool (default 64:5000), then measures
 *   - start-up time until the "listening" line,
 *   - VM.get_all_records calls per second (XML-RPC and JSON-RPC),
 *   - event.from latency: a set_name_label on one connection until a blocked event.from
 *     on another connection returns.
 * Run by hand: sim-bench [HOSTS:VMS] [ROUNDS]
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <gio/gio.h>

typedef struct
{
  GSocketConnection *conn;
  GDataInputStream  *in;
  GOutputStream     *out;
} Conn;

static guint port;

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static Conn *
conn_new (void)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  Conn *c = g_new0 (Conn, 1);

  g_socket_client_set_enable_proxy (client, FALSE);
  c->conn = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) port, NULL, &error);
  if (c->conn == NULL)
    g_error ("connect: %s", error->message);
  c->in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (c->conn)));
  g_data_input_stream_set_newline_type (c->in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (c->in), 1 << 20);
  c->out = g_io_stream_get_output_stream (G_IO_STREAM (c->conn));
  return c;
}

static GBytes *
request (Conn       *c,
         const char *path,
         const char *body)
{
  g_autoptr(GError) error = NULL;
  /* One write: a separate body write would meet Nagle and delayed ACKs (40 ms). */
  g_autofree char *msg = g_strdup_printf ("POST %s HTTP/1.1\r\nHost: sim\r\nContent-Length: %zu\r\n\r\n%s",
                                          path, strlen (body), body);
  gsize length = 0;
  char *data;

  if (!g_output_stream_write_all (c->out, msg, strlen (msg), NULL, NULL, &error))
    g_error ("write: %s", error->message);
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (c->in, NULL, NULL, &error);
      if (line == NULL)
        g_error ("read: %s", error != NULL ? error->message : "closed");
      if (*line == '\0')
        break;
      if (g_ascii_strncasecmp (line, "Content-Length:", 15) == 0)
        length = (gsize) g_ascii_strtoull (line + 15, NULL, 10);
    }
  data = g_malloc (length + 1);
  if (!g_input_stream_read_all (G_INPUT_STREAM (c->in), data, length, NULL, NULL, &error))
    g_error ("read: %s", error->message);
  data[length] = '\0';
  return g_bytes_new_take (data, length);
}

static char *
xml (const char *method,
     const char *p1,
     const char *p2,
     const char *p3,
     const char *p4)
{
  const char *params[] = { p1, p2, p3, p4 };
  GString *s = g_string_new ("<?xml version=\"1.0\"?><methodCall><methodName>");

  g_string_append_printf (s, "%s</methodName><params>", method);
  for (guint i = 0; i < G_N_ELEMENTS (params) && params[i] != NULL; i++)
    g_string_append_printf (s, "<param><value>%s</value></param>", params[i]);
  g_string_append (s, "</params></methodCall>");
  return g_string_free (s, FALSE);
}

/* The first "OpaqueRef:..." or token in a reply. */
static char *
find_after (GBytes     *reply,
            const char *marker,
            gsize       len)
{
  const char *p = strstr (g_bytes_get_data (reply, NULL), marker);

  if (p == NULL)
    g_error ("no %s in reply", marker);
  return g_strndup (p, len);
}

typedef struct
{
  char   *session;
  char   *token;
  gint64  returned;
  GBytes *reply;
} FromJob;

static gpointer
blocked_from (gpointer data)
{
  FromJob *job = data;
  Conn *c = conn_new ();
  g_autofree char *body = xml ("event.from", job->session,
                               "<array><data><value>vm</value></data></array>", job->token,
                               "<double>30</double>");

  job->reply = request (c, "/", body);
  job->returned = g_get_monotonic_time ();
  return NULL;
}

static void
print_machine (void)
{
  g_autofree char *cpuinfo = NULL;
  const char *model = "unknown";

  if (g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    {
      char *p = strstr (cpuinfo, "model name");
      if (p != NULL && (p = strchr (p, ':')) != NULL)
        {
          char *nl = strchr (p, '\n');
          if (nl != NULL)
            *nl = '\0';
          model = g_strstrip (p + 1);
        }
    }
  g_print ("machine: %u CPUs (nproc), %s\n", g_get_num_processors (), model);
}

int
main (int   argc,
      char *argv[])
{
  const char *spec = argc > 1 ? argv[1] : "64:5000";
  guint rounds = argc > 2 ? (guint) atoi (argv[2]) : 10;
  g_autofree char *binary = g_build_filename (LAGOON_BUILDDIR, "tests", "xapi-sim", "xapi-sim", NULL);
  g_autofree char *gen = g_strconcat ("--generate=", spec, NULL);
  const char *args[] = { binary, gen, "--port=0", "--speed=0", NULL };
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *login = NULL;
  g_autofree char *session = NULL;
  g_autofree char *vm = NULL;
  g_autofree char *all = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (double));
  gint64 t0, t1;
  gsize bytes = 0;
  Conn *c;

  print_machine ();
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  t0 = g_get_monotonic_time ();
  proc = g_subprocess_launcher_spawnv (launcher, args, &error);
  if (proc == NULL)
    g_error ("%s: %s", binary, error->message);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  if (line == NULL || strrchr (line, ':') == NULL)
    g_error ("xapi-sim did not start");
  t1 = g_get_monotonic_time ();
  port = (guint) atoi (strrchr (line, ':') + 1);
  g_print ("pool %s: ready in %.2f s\n", spec, (t1 - t0) / 1e6);

  c = conn_new ();
  login = xml ("session.login_with_password", "root", "xenroot", NULL, NULL);
  {
    g_autoptr(GBytes) r = request (c, "/", login);
    session = find_after (r, "OpaqueRef:", strlen ("OpaqueRef:") + 36);
  }
  all = xml ("VM.get_all_records", session, NULL, NULL, NULL);

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < rounds; i++)
    {
      g_autoptr(GBytes) r = request (c, "/", all);
      bytes = g_bytes_get_size (r);
      if (vm == NULL)
        vm = find_after (r, "<name>OpaqueRef:", strlen ("<name>OpaqueRef:") + 36);
    }
  t1 = g_get_monotonic_time ();
  g_print ("VM.get_all_records (XML-RPC): %.2f calls/s, %.1f ms per call, %.1f MB per reply\n",
           rounds / ((t1 - t0) / 1e6), (t1 - t0) / 1e3 / rounds, bytes / 1e6);

  json = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"method\":\"VM.get_all_records\",\"params\":[\"%s\"],\"id\":1}",
                          session);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < rounds; i++)
    {
      g_autoptr(GBytes) r = request (c, "/jsonrpc", json);
      bytes = g_bytes_get_size (r);
    }
  t1 = g_get_monotonic_time ();
  g_print ("VM.get_all_records (JSON-RPC): %.2f calls/s, %.1f ms per call, %.1f MB per reply\n",
           rounds / ((t1 - t0) / 1e6), (t1 - t0) / 1e3 / rounds, bytes / 1e6);

  /* event.from latency. */
  for (guint i = 0; i < rounds; i++)
    {
      g_autofree char *label = g_strdup_printf ("bench %u", i);
      g_autofree char *set = xml ("VM.set_name_label", session, vm + strlen ("<name>"), label, NULL);
      g_autoptr(GBytes) r = NULL;
      FromJob job = { session, NULL, 0, NULL };
      GThread *thread;
      gint64 sent;
      double ms;

      /* A token for "now", without sweeping the whole pool with an empty token. */
      {
        g_autofree char *now = xml ("event.get_current_id", session, NULL, NULL, NULL);
        g_autoptr(GBytes) id = request (c, "/", now);
        const char *p = strstr (g_bytes_get_data (id, NULL), "<name>Value</name><value>");
        gint64 gen = g_ascii_strtoll (p + strlen ("<name>Value</name><value>"), NULL, 10);
        job.token = g_strdup_printf ("%020" G_GINT64_FORMAT ",%020d", gen, 0);
      }
      thread = g_thread_new ("from", blocked_from, &job);
      g_usleep (200 * 1000);
      sent = g_get_monotonic_time ();
      r = request (c, "/", set);
      g_thread_join (thread);
      ms = (job.returned - sent) / 1e3;
      g_array_append_val (latencies, ms);
      g_bytes_unref (job.reply);
      g_free (job.token);
    }
  {
    double sum = 0, min = G_MAXDOUBLE, max = 0;
    for (guint i = 0; i < latencies->len; i++)
      {
        double v = g_array_index (latencies, double, i);
        sum += v;
        min = MIN (min, v);
        max = MAX (max, v);
      }
    g_print ("event.from latency (set_name_label -> blocked event.from returns, includes the 50 ms "
             "batching delay): mean %.1f ms, min %.1f ms, max %.1f ms over %u rounds\n",
             sum / latencies->len, min, max, latencies->len);
  }

  g_subprocess_send_signal (proc, SIGTERM);
  g_subprocess_wait (proc, NULL, NULL);
  return 0;
}
