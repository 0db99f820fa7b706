/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * console-tunnel-bench: a VM console's framebuffer through Lagoon's tunnel (LagoonSshOpener, the
 * HTTP CONNECT of the Console tab, the fd handed over by lagoon_io_stream_steal_fd) versus the
 * same console through OpenSSH's `ssh -N -L` to the same sshd, in the same run; direct TCP to
 * the simulator as the floor. Each path asks the guest's QEMU for full framebuffer updates
 * (raw 32-bit pixels) back to back and counts frames and bytes per second: one console, then
 * several consoles at once over the same SSH session (each path multiplexes its consoles over
 * one SSH connection). Also the time to open a console: CONNECT, RFB handshake and the first
 * full frame, on an SSH connection that is already up.
 *
 *   console-tunnel-bench [SECONDS_PER_ROUND] [ROUNDS]
 *
 * Needs sshd, QEMU and the built simulator (its default idle guest), like the console tests.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "lagoon-http-client.h"
#include "lagoon-rig.h"
#include "lagoon-ssh-opener.h"
#include "lagoon-ssh-session.h"
#include "lagoon-stream-fd.h"

#define MAX_CONSOLES 4

typedef struct
{
  const char   *name;
  LagoonRigRfb *rfb[MAX_CONSOLES];
  /* [0]: one console; [1]: all consoles at once (summed) */
  double        best_fps[2];
  double        best_mib_s[2];
} Path;

typedef struct
{
  const char   *name;
  LagoonRigRfb *rfb;
  double        seconds;
  guint64       bytes;
  guint         frames;
  double        elapsed;
} Run;

/* One XML-RPC call straight to the simulator (set-up only, not measured). */
static char *
rpc (guint16     port,
     const char *method,
     const char *params)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  g_autofree char *request = NULL;
  GString *reply = g_string_new (NULL);
  char buf[65536];
  gssize n;

  conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  if (conn == NULL)
    g_error ("simulator: %s", error->message);
  body = g_strdup_printf ("<?xml version=\"1.0\"?><methodCall><methodName>%s</methodName>"
                          "<params>%s</params></methodCall>", method, params);
  request = g_strdup_printf ("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                             "Content-Type: text/xml\r\nContent-Length: %zu\r\n\r\n%s",
                             strlen (body), body);
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), request,
                                  strlen (request), NULL, NULL, &error))
    g_error ("simulator: %s", error->message);
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf,
                                   sizeof buf, NULL, NULL)) > 0)
    g_string_append_len (reply, buf, n);
  return g_string_free (reply, FALSE);
}

/* The text of the first <value> after @key in @xml. */
static char *
value_after (const char *xml,
             const char *key)
{
  const char *p = strstr (xml, key);
  const char *end;

  if (p == NULL || (p = strstr (p, "<value>")) == NULL)
    return NULL;
  p += strlen ("<value>");
  if (g_str_has_prefix (p, "<string>"))
    p += strlen ("<string>");
  end = strchr (p, '<');
  return end != NULL ? g_strndup (p, end - p) : NULL;
}

static LagoonRigRfb *
rfb_on_stream (GIOStream *stream)
{
  g_autoptr(GError) error = NULL;
  LagoonRigRfb *rfb;
  int fd = lagoon_io_stream_steal_fd (stream, &error);

  if (fd < 0)
    g_error ("steal fd: %s", error->message);
  rfb = lagoon_rig_rfb_new_for_fd (fd, 20000, &error);
  if (rfb == NULL)
    g_error ("RFB handshake: %s", error->message);
  return rfb;
}

/* A CONNECT on a plain TCP connection to 127.0.0.1:@port (OpenSSH's forward, or direct). */
static LagoonRigRfb *
rfb_over_tcp (guint16     port,
              const char *host,
              const char *path,
              const char *session)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;

  conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  if (conn == NULL)
    g_error ("connect to %u: %s", port, error->message);
  /* As Lagoon's own TCP opener does (and gtk-vnc would need): no Nagle delay on the small
   * RFB requests. */
  g_socket_set_option (g_socket_connection_get_socket (conn), IPPROTO_TCP, TCP_NODELAY, 1,
                       NULL);
  if (!lagoon_http_connect_on_stream (G_IO_STREAM (conn), host, path, session, 20000, NULL,
                                      &error))
    g_error ("CONNECT: %s", error->message);
  return rfb_on_stream (G_IO_STREAM (conn));
}

static gpointer
run_thread (gpointer user_data)
{
  Run *run = user_data;
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + (gint64) (run->seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) pixels = lagoon_rig_rfb_grab (run->rfb, 20000, &error);

      if (pixels == NULL)
        g_error ("%s: update failed: %s", run->name, error->message);
      /* Raw encoding: the pixels plus a 4-byte header, 12 bytes per rectangle. */
      run->bytes += g_bytes_get_size (pixels) + 16;
      run->frames++;
    }
  run->elapsed = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  return NULL;
}

/* @n consoles of @path at once for @seconds; the sums count towards slot @slot. */
static void
measure (Path  *path,
         guint  n,
         guint  slot,
         double seconds)
{
  Run runs[MAX_CONSOLES] = { { 0 } };
  GThread *threads[MAX_CONSOLES];
  double fps = 0, mib_s = 0;

  for (guint i = 0; i < n; i++)
    {
      runs[i].name = path->name;
      runs[i].rfb = path->rfb[i];
      runs[i].seconds = seconds;
      threads[i] = g_thread_new ("rfb", run_thread, &runs[i]);
    }
  for (guint i = 0; i < n; i++)
    {
      g_thread_join (threads[i]);
      fps += runs[i].frames / runs[i].elapsed;
      mib_s += runs[i].bytes / runs[i].elapsed / (1024.0 * 1024.0);
    }
  path->best_fps[slot] = MAX (path->best_fps[slot], fps);
  path->best_mib_s[slot] = MAX (path->best_mib_s[slot], mib_s);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, values->len / 2);
}

/* Opening a console: a CONNECT, the RFB handshake and a first full frame, in ms. */
static double
open_console_ms (LagoonHttpClient *client,
                 guint16           tcp_port,
                 const char       *host,
                 const char       *path,
                 const char       *session)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) pixels = NULL;
  LagoonRigRfb *rfb;

  if (client != NULL)
    {
      g_autoptr(GIOStream) tunnel = lagoon_http_client_open_tunnel (client, path, session, NULL,
                                                                    &error);
      if (tunnel == NULL)
        g_error ("Lagoon CONNECT: %s", error->message);
      rfb = rfb_on_stream (tunnel);
    }
  else
    rfb = rfb_over_tcp (tcp_port, host, path, session);
  pixels = lagoon_rig_rfb_grab (rfb, 20000, &error);
  if (pixels == NULL)
    g_error ("first frame: %s", error->message);
  lagoon_rig_rfb_free (rfb);
  return (double) (g_get_monotonic_time () - start) / 1000.0;
}

int
main (int   argc,
      char *argv[])
{
  double seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 3.0;
  guint rounds = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 3;
  const char *sim_args[] = { "--generate=1:8", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonRigSshd) sshd = NULL;
  g_autoptr(LagoonRigSim) sim = NULL;
  g_autoptr(LagoonSshSession) ssh = NULL;
  g_autoptr(LagoonSshOpener) opener = NULL;
  g_autoptr(LagoonHttpClient) client = NULL;
  g_autoptr(GSubprocess) forward = NULL;
  g_autoptr(GPtrArray) paths_of = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) accepted = g_ptr_array_new ();
  g_autofree char *login = NULL;
  g_autofree char *session = NULL;
  g_autofree char *params = NULL;
  g_autofree char *records = NULL;
  g_autofree char *host = NULL;
  const char *keys[2] = { NULL, NULL };
  const char *p;
  guint16 port = 0;
  guint16 local_port;
  guint n;
  Path paths[3] = { { "direct TCP", { NULL }, { 0 }, { 0 } },
                    { "OpenSSH ssh -N -L", { NULL }, { 0 }, { 0 } },
                    { "Lagoon tunnel", { NULL }, { 0 }, { 0 } } };

  signal (SIGPIPE, SIG_IGN);
  printf ("machine: %u cores\n", g_get_num_processors ());

  sshd = lagoon_rig_sshd_start (NULL, &error);
  if (sshd == NULL)
    g_error ("sshd: %s", error->message);
  sim = lagoon_rig_sim_start (sim_args, &error);
  if (sim == NULL)
    g_error ("xapi-sim: %s", error->message);

  login = rpc (lagoon_rig_sim_get_port (sim), "session.login_with_password",
               "<param><value>root</value></param><param><value>xenroot</value></param>");
  session = value_after (login, "<name>Value</name>");
  if (session == NULL)
    g_error ("login failed: %s", login);
  params = g_strdup_printf ("<param><value>%s</value></param>", session);
  records = rpc (lagoon_rig_sim_get_port (sim), "console.get_all_records", params);
  /* The consoles' paths (all on the simulator's address); those of halted VMs answer 404 and
   * are left out below. */
  for (p = records; paths_of->len < 4 * MAX_CONSOLES &&
       (p = strstr (p, "<name>location</name>")) != NULL; p++)
    {
      g_autofree char *location = value_after (p, "<name>location</name>");
      g_autofree char *h = NULL;
      char *path = NULL;
      gboolean tls = FALSE;
      guint16 port_i = 0;

      if (location == NULL || !lagoon_http_split_url (location, &tls, &h, &port_i, &path))
        continue;
      if (host == NULL)
        {
          host = g_steal_pointer (&h);
          port = port_i;
          printf ("console: %s\n", location);
        }
      g_ptr_array_add (paths_of, path);
    }
  if (paths_of->len == 0)
    g_error ("no console location in console.get_all_records");
  n = 0;

  /* Lagoon: one SSH session, the consoles' CONNECTs through its opener, each fd as gtk-vnc
   * gets it. */
  ssh = lagoon_ssh_session_new ("127.0.0.1", lagoon_rig_sshd_get_port (sshd),
                                lagoon_rig_sshd_get_user (sshd));
  keys[0] = lagoon_rig_sshd_get_key_path (sshd);
  lagoon_ssh_session_set_identity_files (ssh, keys);
  lagoon_ssh_session_set_use_agent (ssh, FALSE);
  lagoon_ssh_session_set_known_hosts_file (ssh, lagoon_rig_sshd_get_known_hosts_path (sshd));
  if (!lagoon_ssh_session_connect (ssh, NULL, &error))
    g_error ("ssh: %s", error->message);
  opener = lagoon_ssh_opener_new (ssh);
  client = lagoon_http_client_new (LAGOON_STREAM_OPENER (opener), host, port, FALSE);
  for (guint i = 0; i < paths_of->len && n < MAX_CONSOLES; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GIOStream) tunnel = lagoon_http_client_open_tunnel (client,
                                                                    paths_of->pdata[i],
                                                                    session, NULL,
                                                                    &local_error);
      if (tunnel == NULL)
        {
          g_debug ("%s: %s", (char *) paths_of->pdata[i], local_error->message);
          continue;
        }
      g_ptr_array_add (accepted, paths_of->pdata[i]);
      paths[2].rfb[n++] = rfb_on_stream (tunnel);
    }
  if (n == 0)
    g_error ("no console answered a CONNECT");

  /* OpenSSH's forward to the same sshd and simulator. */
  local_port = lagoon_rig_free_port ();
  {
    g_autofree char *spec = g_strdup_printf ("%u:%s:%u", local_port, host, port);
    const char *options[] = { "-N", "-L", spec, "-o", "ExitOnForwardFailure=yes", NULL };
    g_auto(GStrv) argv_ssh = lagoon_rig_sshd_ssh_argv (sshd, NULL, NULL, NULL, options, NULL);

    forward = g_subprocess_newv ((const char * const *) argv_ssh, G_SUBPROCESS_FLAGS_NONE,
                                 &error);
    if (forward == NULL)
      g_error ("ssh -L: %s", error->message);
  }
  if (!lagoon_rig_wait_for_port (local_port, 10000))
    g_error ("ssh -L did not open port %u", local_port);
  for (guint i = 0; i < n; i++)
    {
      paths[1].rfb[i] = rfb_over_tcp (local_port, host, accepted->pdata[i], session);
      paths[0].rfb[i] = rfb_over_tcp (port, host, accepted->pdata[i], session);
    }

  {
    GArray *opens[3] = { g_array_new (FALSE, FALSE, sizeof (double)),
                         g_array_new (FALSE, FALSE, sizeof (double)),
                         g_array_new (FALSE, FALSE, sizeof (double)) };

    for (guint r = 0; r < 15; r++)
      {
        /* Each path goes first, second and third in turn: the order matters to QEMU. */
        for (guint k = 0; k < 3; k++)
          {
            guint i = (r + k) % 3;
            double ms = i == 2 ? open_console_ms (client, 0, host, accepted->pdata[0], session)
                               : open_console_ms (NULL, i == 0 ? port : local_port, host,
                                                  accepted->pdata[0], session);

            g_array_append_val (opens[i], ms);
          }
      }
    printf ("opening a console (CONNECT, RFB handshake, first full frame), median of 15:\n");
    double medians[3];

    for (guint i = 0; i < 3; i++)
      {
        medians[i] = median (opens[i]);
        printf ("  %-20s %8.1f ms\n", paths[i].name, medians[i]);
        g_array_unref (opens[i]);
      }
    printf ("  speed ratio Lagoon/OpenSSH (OpenSSH's time / Lagoon's): %.2f\n",
            medians[1] / medians[2]);
  }

  printf ("framebuffer %ux%u, 32-bit raw full updates back to back, %u rounds of %.1f s per "
          "path, best round\n",
          lagoon_rig_rfb_get_width (paths[2].rfb[0]), lagoon_rig_rfb_get_height (paths[2].rfb[0]),
          rounds, seconds);
  /* Interleaved so that a noisy moment hurts every path alike. */
  for (guint r = 0; r < rounds; r++)
    for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
      {
        measure (&paths[i], 1, 0, seconds);
        measure (&paths[i], n, 1, seconds);
      }

  printf ("%-20s %12s %12s %16s %14s\n", "", "frames/s", "MiB/s",
          "frames/s (all)", "MiB/s (all)");
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    printf ("%-20s %12.1f %12.1f %16.1f %14.1f\n", paths[i].name, paths[i].best_fps[0],
            paths[i].best_mib_s[0], paths[i].best_fps[1], paths[i].best_mib_s[1]);
  printf ("(all: %u consoles at once, each path over one connection to the sshd)\n", n);
  printf ("one console:  update rate ratio Lagoon/OpenSSH %.2f, throughput ratio %.2f "
          "(goal >= 0.80)\n", paths[2].best_fps[0] / paths[1].best_fps[0],
          paths[2].best_mib_s[0] / paths[1].best_mib_s[0]);
  printf ("%u consoles:   update rate ratio Lagoon/OpenSSH %.2f, throughput ratio %.2f "
          "(goal >= 0.80)\n", n, paths[2].best_fps[1] / paths[1].best_fps[1],
          paths[2].best_mib_s[1] / paths[1].best_mib_s[1]);

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    for (guint c = 0; c < n; c++)
      lagoon_rig_rfb_free (paths[i].rfb[c]);
  g_subprocess_force_exit (forward);
  g_subprocess_wait (forward, NULL, NULL);
  return 0;
}
