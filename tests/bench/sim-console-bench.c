/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sim-console-bench: what do xapi-sim's consoles cost? Starts the simulator on a generated
 * pool, then
 *   - CONNECTs to N running VMs' rfb consoles at once (each starts a QEMU): time to the RFB
 *     banner per console,
 *   - CONNECTs again (QEMUs already up): time to the banner,
 *   - lets the guests idle and measures their CPU (utime+stime over 3 s) and RSS.
 * Run by hand: sim-console-bench [N] [HOSTS:VMS]
 * Uses $LAGOON_BUILDDIR/tests/xapi-sim/xapi-sim and its default guest image.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

static guint port;

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static int
tcp_connect (const char *address)
{
  struct sockaddr_in sa = { 0 };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct timeval tv = { 30, 0 };

  sa.sin_family = AF_INET;
  sa.sin_port = htons ((guint16) port);
  if (fd < 0 || inet_pton (AF_INET, address, &sa.sin_addr) != 1 ||
      connect (fd, (struct sockaddr *) &sa, sizeof sa) != 0)
    {
      g_printerr ("cannot connect to %s:%u\n", address, port);
      exit (1);
    }
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

static char *
rpc (const char *method,
     const char *params)
{
  g_autofree char *body = g_strdup_printf ("<?xml version=\"1.0\"?><methodCall><methodName>%s</methodName>"
                                           "<params>%s</params></methodCall>", method, params);
  g_autofree char *req = g_strdup_printf ("POST / HTTP/1.1\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n%s",
                                          strlen (body), body);
  GString *reply = g_string_new (NULL);
  int fd = tcp_connect ("127.0.0.1");
  char buf[65536];
  ssize_t n;

  if (send (fd, req, strlen (req), MSG_NOSIGNAL) < 0)
    exit (1);
  while ((n = recv (fd, buf, sizeof buf, 0)) > 0)
    g_string_append_len (reply, buf, n);
  close (fd);
  return g_string_free (reply, FALSE);
}

typedef struct
{
  char   *location;
  char   *session;
  double  ms;
  gboolean ok;
  int     fd;
} Job;

static gpointer
connect_job (gpointer data)
{
  Job *job = data;
  const char *hostport = job->location + strlen ("http://");
  const char *path = strchr (hostport, '/');
  g_autofree char *host = g_strndup (hostport, strchr (hostport, ':') - hostport);
  g_autofree char *req = g_strdup_printf ("CONNECT %s HTTP/1.0\r\nCookie: session_id=%s\r\n\r\n", path, job->session);
  gint64 t0 = g_get_monotonic_time ();
  char buf[78 + 12];
  int fd = tcp_connect (host);

  send (fd, req, strlen (req), MSG_NOSIGNAL);
  job->ok = recv (fd, buf, sizeof buf, MSG_WAITALL) == sizeof buf && memcmp (buf + 78, "RFB 003.00", 10) == 0;
  job->ms = (g_get_monotonic_time () - t0) / 1000.0;
  job->fd = fd;
  return NULL;
}

static void
run_round (GPtrArray  *jobs,
           const char *label)
{
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  gint64 t0 = g_get_monotonic_time ();
  double max = 0, sum = 0;
  guint ok = 0;

  for (guint i = 0; i < jobs->len; i++)
    g_ptr_array_add (threads, g_thread_new ("connect", connect_job, jobs->pdata[i]));
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (threads->pdata[i]);
  for (guint i = 0; i < jobs->len; i++)
    {
      Job *job = jobs->pdata[i];
      ok += job->ok;
      max = MAX (max, job->ms);
      sum += job->ms;
    }
  printf ("%-28s %u/%u banners, all in %.0f ms, mean %.1f ms, max %.1f ms\n", label, ok, jobs->len,
          (g_get_monotonic_time () - t0) / 1000.0, sum / jobs->len, max);
}

/* utime+stime (ticks) and RSS (KiB) of the simulator's QEMU children. */
static void
qemu_usage (GPid    parent,
            guint  *n,
            guint64 *ticks,
            guint64 *rss_kib)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;

  *n = 0;
  *ticks = 0;
  *rss_kib = 0;
  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%s/stat", name);
      g_autofree char *stat = NULL;
      char *p;
      int ppid;
      unsigned long ut, st;
      long rss;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      if (strstr (stat, "(qemu-system") == NULL || (p = strrchr (stat, ')')) == NULL)
        continue;
      if (sscanf (p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %*d %*d %*u %*u %ld",
                  &ppid, &ut, &st, &rss) != 4 || ppid != parent)
        continue;
      (*n)++;
      *ticks += ut + st;
      *rss_kib += (guint64) rss * (guint64) (sysconf (_SC_PAGESIZE) / 1024);
    }
}

int
main (int   argc,
      char *argv[])
{
  guint n_consoles = argc > 1 ? (guint) atoi (argv[1]) : 20;
  const char *spec = argc > 2 ? argv[2] : "4:100";
  const char *builddir = g_getenv ("LAGOON_BUILDDIR") != NULL ? g_getenv ("LAGOON_BUILDDIR") : LAGOON_BUILDDIR;
  g_autofree char *sim = g_build_filename (builddir, "tests", "xapi-sim", "xapi-sim", NULL);
  g_autofree char *gen = g_strdup_printf ("--generate=%s", spec);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = g_ptr_array_new ();
  g_autofree char *line = NULL;
  g_autofree char *login = NULL;
  g_autofree char *session = NULL;
  g_autofree char *params = NULL;
  g_autofree char *records = NULL;
  GPid pid;
  const char *p;
  guint n0, n1;
  guint64 t0, t1, rss0, rss1;

  signal (SIGPIPE, SIG_IGN);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  proc = g_subprocess_launcher_spawn (launcher, &error, sim, "--port=0", gen, NULL);
  if (proc == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  line = g_data_input_stream_read_line (out, NULL, NULL, NULL);
  if (line == NULL || (p = strrchr (line, ':')) == NULL)
    return 1;
  port = (guint) atoi (p + 1);
  pid = (GPid) atoi (g_subprocess_get_identifier (proc));

  login = rpc ("session.login_with_password", "<param><value>root</value></param><param><value>xenroot</value></param>");
  p = strstr (login, "<name>Value</name><value>");
  if (p == NULL)
    return 1;
  p += strlen ("<name>Value</name><value>");
  session = g_strndup (p, strchr (p, '<') - p);
  params = g_strdup_printf ("<param><value>%s</value></param>", session);
  records = rpc ("console.get_all_records", params);

  /* rfb consoles (control domains' included): protocol comes before location in a record. */
  for (p = records; jobs->len < n_consoles && (p = strstr (p, "<name>location</name><value>")) != NULL; p++)
    {
      const char *start = p + strlen ("<name>location</name><value>");
      const char *rec = g_strrstr_len (records, p - records, "<name>protocol</name>");
      Job *job;

      if (rec == NULL || !g_str_has_prefix (rec, "<name>protocol</name><value>rfb<"))
        continue;
      job = g_new0 (Job, 1);
      job->location = g_strndup (start, strchr (start, '<') - start);
      job->session = session;
      g_ptr_array_add (jobs, job);
    }
  printf ("xapi-sim --generate %s: %u rfb consoles\n", spec, jobs->len);
  run_round (jobs, "first CONNECT (QEMU starts)");
  for (guint i = 0; i < jobs->len; i++)
    close (((Job *) jobs->pdata[i])->fd);
  run_round (jobs, "second CONNECT (QEMU up)");

  g_usleep (3 * G_USEC_PER_SEC);
  qemu_usage (pid, &n0, &t0, &rss0);
  g_usleep (3 * G_USEC_PER_SEC);
  qemu_usage (pid, &n1, &t1, &rss1);
  printf ("%u QEMUs idle: %.1f %% of one core in total, RSS %.0f MiB in total (%.1f MiB each)\n", n1,
          (double) (t1 - t0) / (double) sysconf (_SC_CLK_TCK) / 3.0 * 100.0, rss1 / 1024.0,
          n1 > 0 ? rss1 / 1024.0 / n1 : 0.0);

  g_subprocess_send_signal (proc, SIGTERM);
  g_subprocess_wait (proc, NULL, NULL);
  return 0;
}
