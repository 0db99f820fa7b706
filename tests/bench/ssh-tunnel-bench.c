/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ssh-tunnel-bench: one channel through Lagoon's SSH tunnel versus OpenSSH's `ssh -N -L`
 * to the same sshd, in the same run, against the same loopback echo server (and direct TCP
 * as the floor). Prints bulk throughput and round-trip latency, and their ratios.
 *
 *   ssh-tunnel-bench [MEGABYTES] [ROUND_TRIPS]
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "lagoon-rig.h"
#include "lagoon-ssh-session.h"

typedef struct
{
  double mb_per_s;
  double rtt_us;
} Figures;

static void
machine_figures (void)
{
  g_autofree char *cpuinfo = NULL;
  const char *model = "unknown CPU";

  if (g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    {
      char *p = strstr (cpuinfo, "model name");
      if (p != NULL && (p = strchr (p, ':')) != NULL)
        {
          char *end = strchr (p, '\n');
          if (end)
            *end = '\0';
          model = g_strstrip (p + 1);
        }
    }
  printf ("machine: %u cores, %s\n", g_get_num_processors (), model);
}

/* Bulk: write @total bytes and read them back, interleaved in 64 KiB chunks. */
static double
measure_throughput (GIOStream *stream,
                    gsize      total)
{
  GOutputStream *out = g_io_stream_get_output_stream (stream);
  GInputStream *in = g_io_stream_get_input_stream (stream);
  g_autofree char *buf = g_malloc (65536);
  g_autofree char *back = g_malloc (65536);
  gsize sent = 0, got = 0;
  gint64 start;

  memset (buf, 'x', 65536);
  start = g_get_monotonic_time ();
  while (got < total)
    {
      if (sent < total && sent - got < 4 * 65536)
        {
          gsize n = MIN (65536, total - sent);
          if (!g_output_stream_write_all (out, buf, n, NULL, NULL, NULL))
            g_error ("write failed");
          sent += n;
          continue;
        }
      {
        gssize n = g_input_stream_read (in, back, 65536, NULL, NULL);
        if (n <= 0)
          g_error ("read failed");
        got += (gsize) n;
      }
    }
  /* bytes went both ways: count the payload once, as a one-way transfer of that size */
  return (double) total / (1024.0 * 1024.0) /
         ((double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC);
}

static double
measure_rtt (GIOStream *stream,
             guint      rounds)
{
  GOutputStream *out = g_io_stream_get_output_stream (stream);
  GInputStream *in = g_io_stream_get_input_stream (stream);
  gint64 start;
  char c = 'p';

  /* warm up */
  for (guint i = 0; i < 50; i++)
    {
      g_output_stream_write_all (out, &c, 1, NULL, NULL, NULL);
      g_input_stream_read_all (in, &c, 1, NULL, NULL, NULL);
    }
  start = g_get_monotonic_time ();
  for (guint i = 0; i < rounds; i++)
    {
      if (!g_output_stream_write_all (out, &c, 1, NULL, NULL, NULL) ||
          !g_input_stream_read_all (in, &c, 1, NULL, NULL, NULL))
        g_error ("ping failed");
    }
  return (double) (g_get_monotonic_time () - start) / rounds;
}

static GIOStream *
tcp_connect (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL,
                                                             &error);

  if (conn == NULL)
    g_error ("connect to %u: %s", port, error->message);
  g_socket_set_option (g_socket_connection_get_socket (conn), IPPROTO_TCP, TCP_NODELAY, 1,
                       NULL);
  return G_IO_STREAM (conn);
}

static Figures
run (GIOStream *stream,
     gsize      bytes,
     guint      rounds)
{
  Figures f;

  f.mb_per_s = measure_throughput (stream, bytes);
  f.rtt_us = measure_rtt (stream, rounds);
  return f;
}

int
main (int   argc,
      char *argv[])
{
  gsize megabytes = argc > 1 ? (gsize) g_ascii_strtoull (argv[1], NULL, 10) : 256;
  guint rounds = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 5000;
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonRigSshd) sshd = NULL;
  g_autoptr(LagoonRigEcho) echo = NULL;
  g_autoptr(LagoonSshSession) session = NULL;
  g_autoptr(GIOStream) lagoon_stream = NULL;
  g_autoptr(GIOStream) openssh_stream = NULL;
  g_autoptr(GIOStream) direct_stream = NULL;
  g_autoptr(GSubprocess) forward = NULL;
  const char *keys[2] = { NULL, NULL };
  guint16 local_port;
  Figures direct, lagoon, openssh;
  gsize bytes = megabytes * 1024 * 1024;

  signal (SIGPIPE, SIG_IGN);
  machine_figures ();

  sshd = lagoon_rig_sshd_start (NULL, &error);
  g_assert_no_error (error);
  echo = lagoon_rig_echo_start (&error);
  g_assert_no_error (error);

  /* Lagoon's tunnel */
  session = lagoon_ssh_session_new ("127.0.0.1", lagoon_rig_sshd_get_port (sshd),
                                    lagoon_rig_sshd_get_user (sshd));
  keys[0] = lagoon_rig_sshd_get_key_path (sshd);
  lagoon_ssh_session_set_identity_files (session, keys);
  lagoon_ssh_session_set_use_agent (session, FALSE);
  lagoon_ssh_session_set_known_hosts_file (session, lagoon_rig_sshd_get_known_hosts_path (sshd));
  if (!lagoon_ssh_session_connect (session, NULL, &error))
    g_error ("%s", error->message);
  lagoon_stream = lagoon_ssh_session_open_channel (session, "127.0.0.1",
                                                   lagoon_rig_echo_get_port (echo), NULL, &error);
  g_assert_no_error (error);

  /* OpenSSH's tunnel to the same sshd and echo server */
  local_port = lagoon_rig_free_port ();
  {
    g_autofree char *spec = g_strdup_printf ("%u:127.0.0.1:%u", local_port,
                                             lagoon_rig_echo_get_port (echo));
    const char *options[] = { "-N", "-L", spec, "-o", "ExitOnForwardFailure=yes", NULL };
    g_auto(GStrv) argv_ssh = lagoon_rig_sshd_ssh_argv (sshd, NULL, NULL, NULL, options, NULL);
    forward = g_subprocess_newv ((const char * const *) argv_ssh, G_SUBPROCESS_FLAGS_NONE,
                                 &error);
    g_assert_no_error (error);
  }
  if (!lagoon_rig_wait_for_port (local_port, 10000))
    g_error ("ssh -L did not open port %u", local_port);
  openssh_stream = tcp_connect (local_port);
  direct_stream = tcp_connect (lagoon_rig_echo_get_port (echo));

  printf ("payload: %zu MiB each way, %u one-byte round trips\n", megabytes, rounds);

  /* Interleave the runs so a noisy moment hurts both sides alike. */
  direct = run (direct_stream, bytes, rounds);
  openssh = run (openssh_stream, bytes, rounds);
  lagoon = run (lagoon_stream, bytes, rounds);
  {
    Figures o2 = run (openssh_stream, bytes, rounds);
    Figures l2 = run (lagoon_stream, bytes, rounds);
    openssh.mb_per_s = MAX (openssh.mb_per_s, o2.mb_per_s);
    lagoon.mb_per_s = MAX (lagoon.mb_per_s, l2.mb_per_s);
    openssh.rtt_us = MIN (openssh.rtt_us, o2.rtt_us);
    lagoon.rtt_us = MIN (lagoon.rtt_us, l2.rtt_us);
  }

  printf ("%-22s %12s %14s\n", "", "MiB/s", "round trip us");
  printf ("%-22s %12.1f %14.1f\n", "direct TCP", direct.mb_per_s, direct.rtt_us);
  printf ("%-22s %12.1f %14.1f\n", "OpenSSH ssh -L", openssh.mb_per_s, openssh.rtt_us);
  printf ("%-22s %12.1f %14.1f\n", "Lagoon tunnel", lagoon.mb_per_s, lagoon.rtt_us);
  printf ("throughput ratio Lagoon/OpenSSH: %.2f (goal >= 0.80)\n",
          lagoon.mb_per_s / openssh.mb_per_s);
  printf ("added latency over direct TCP: Lagoon %.1f us, OpenSSH %.1f us (goal < 1000 us)\n",
          lagoon.rtt_us - direct.rtt_us, openssh.rtt_us - direct.rtt_us);

  g_subprocess_force_exit (forward);
  g_subprocess_wait (forward, NULL, NULL);
  return 0;
}
