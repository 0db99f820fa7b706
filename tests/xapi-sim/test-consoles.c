/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-consoles.c: CONNECT /console against the real simulator and the real QEMU behind it,
 * with the rig's RFB client on the proxied socket.
 */
#define G_LOG_DOMAIN "test-consoles"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "lagoon-rig.h"

#define CONNECT_OK "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nCache-Control: no-cache, no-store\r\n\r\n"

/* A coordinator and a supporter; vm1 runs on the supporter (127.0.0.2), vm2 is halted. */
static const char pool_db[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?><database><manifest>"
  "<pair key=\"schema_major_vsn\" value=\"5\"/><pair key=\"schema_minor_vsn\" value=\"786\"/>"
  "<pair key=\"generation_count\" value=\"10\"/></manifest>"
  "<table name=\"pool\"><row ref=\"OpaqueRef:pool1\" uuid=\"pool-uuid-1\" name__label=\"p\" "
  "master=\"OpaqueRef:host1\"/></table>"
  "<table name=\"host\"><row ref=\"OpaqueRef:host1\" uuid=\"host-uuid-1\" name__label=\"host1\" "
  "address=\"10.0.0.1\"/><row ref=\"OpaqueRef:host2\" uuid=\"host-uuid-2\" name__label=\"host2\" "
  "address=\"10.0.0.2\"/></table>"
  "<table name=\"VM\"><row ref=\"OpaqueRef:vm1\" uuid=\"vm-uuid-1\" name__label=\"vm one\" "
  "power_state=\"Running\" is_a_template=\"false\" resident_on=\"OpaqueRef:host2\" "
  "consoles=\"('OpaqueRef:console1')\"/>"
  "<row ref=\"OpaqueRef:vm2\" uuid=\"vm-uuid-2\" name__label=\"vm two\" power_state=\"Halted\" "
  "is_a_template=\"false\"/></table>"
  "<table name=\"console\"><row ref=\"OpaqueRef:console1\" uuid=\"console-uuid-1\" protocol=\"rfb\" "
  "location=\"https://10.0.0.2/console?uuid=console-uuid-1\" VM=\"OpaqueRef:vm1\"/></table>"
  "</database>";

typedef struct
{
  LagoonRigSim *sim;
  char         *dir;
  guint         port;
  char         *session;
} Fixture;

static int
tcp_connect (const char *address,
             guint       port)
{
  struct sockaddr_in sa = { 0 };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  sa.sin_family = AF_INET;
  sa.sin_port = htons ((guint16) port);
  g_assert_cmpint (inet_pton (AF_INET, address, &sa.sin_addr), ==, 1);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  {
    struct timeval tv = { 20, 0 };
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  return fd;
}

static void
send_str (int         fd,
          const char *s)
{
  gsize len = strlen (s);

  while (len > 0)
    {
      ssize_t n = send (fd, s, len, MSG_NOSIGNAL);
      g_assert_cmpint (n, >, 0);
      s += n;
      len -= (gsize) n;
    }
}

/* Reads the response head byte by byte (nothing past the blank line). */
static char *
read_head (int fd)
{
  GString *head = g_string_new (NULL);

  while (!g_str_has_suffix (head->str, "\r\n\r\n") && head->len < 65536)
    {
      char c;
      ssize_t n = recv (fd, &c, 1, 0);
      if (n <= 0)
        break;
      g_string_append_c (head, c);
    }
  return g_string_free (head, FALSE);
}

static char *
read_rest (int fd)
{
  GString *s = g_string_new (NULL);
  char buf[4096];
  ssize_t n;

  while ((n = recv (fd, buf, sizeof buf, 0)) > 0)
    g_string_append_len (s, buf, n);
  return g_string_free (s, FALSE);
}

/* One XML-RPC call at the coordinator; returns the whole response body. */
static char *
rpc (Fixture    *f,
     const char *method,
     const char *params)
{
  g_autofree char *body = g_strdup_printf ("<?xml version=\"1.0\"?><methodCall><methodName>%s</methodName>"
                                           "<params>%s</params></methodCall>", method, params);
  g_autofree char *request = g_strdup_printf ("POST / HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n"
                                              "Content-Length: %zu\r\n\r\n%s", strlen (body), body);
  g_autofree char *head = NULL;
  int fd = tcp_connect ("127.0.0.1", f->port);
  char *reply;

  send_str (fd, request);
  head = read_head (fd);
  g_assert_true (g_str_has_prefix (head, "HTTP/1.1 200"));
  reply = read_rest (fd);
  close (fd);
  return reply;
}

/* The string in <value>..</value> after "Value". */
static char *
rpc_value (const char *reply)
{
  const char *p = strstr (reply, "<name>Value</name><value>");
  const char *end;

  g_assert_nonnull (p);
  p += strlen ("<name>Value</name><value>");
  end = strstr (p, "</value>");
  g_assert_nonnull (end);
  return g_strndup (p, end - p);
}

static gboolean
fixture_setup (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *iso = lagoon_rig_guest_idle_iso_find (&error);
  g_autofree char *db = NULL;
  g_autofree char *db_arg = NULL;
  g_autofree char *iso_arg = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *qemu = g_find_program_in_path ("qemu-system-x86_64");

  if (iso == NULL)
    {
      g_test_skip (error->message);
      return FALSE;
    }
  if (qemu == NULL && g_getenv ("XAPI_SIM_QEMU") == NULL)
    {
      g_test_skip ("qemu-system-x86_64 not found");
      return FALSE;
    }
  f->dir = g_dir_make_tmp ("test-consoles-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (f->dir, "pool.db", NULL);
  g_assert_true (g_file_set_contents (db, pool_db, -1, NULL));
  db_arg = g_strconcat ("--db=", db, NULL);
  iso_arg = g_strconcat ("--guest-iso=", iso, NULL);
  {
    const char *args[] = { db_arg, iso_arg, "--speed=0", NULL };
    f->sim = lagoon_rig_sim_start (args, &error);
  }
  if (f->sim == NULL && lagoon_rig_error_is_missing (error))
    {
      g_test_skip (error->message);
      return FALSE;
    }
  g_assert_no_error (error);
  f->port = lagoon_rig_sim_get_port (f->sim);
  reply = rpc (f, "session.login_with_password",
               "<param><value>root</value></param><param><value>xenroot</value></param>");
  f->session = rpc_value (reply);
  g_assert_true (g_str_has_prefix (f->session, "OpaqueRef:"));
  return TRUE;
}

static void
fixture_teardown (Fixture *f)
{
  g_clear_pointer (&f->sim, lagoon_rig_sim_stop);
  if (f->dir != NULL)
    {
      g_autofree char *db = g_build_filename (f->dir, "pool.db", NULL);
      unlink (db);
      rmdir (f->dir);
    }
  g_free (f->dir);
  g_free (f->session);
}

/* Sends a CONNECT for @path_query at @address; returns the fd, the head in *head. */
static int
console_connect (Fixture    *f,
                 const char *address,
                 const char *path_query,
                 const char *cookie_session,
                 char      **head)
{
  int fd = tcp_connect (address, f->port);
  g_autofree char *request = NULL;

  if (cookie_session != NULL)
    request = g_strdup_printf ("CONNECT %s HTTP/1.0\r\nHost: %s\r\nCookie: session_id=%s\r\n\r\n",
                               path_query, address, cookie_session);
  else
    request = g_strdup_printf ("CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", path_query, address);
  send_str (fd, request);
  *head = read_head (fd);
  return fd;
}

static int
status_of (const char *head)
{
  g_assert_true (g_str_has_prefix (head, "HTTP/1.1 "));
  return atoi (head + 9);
}

/* Children of @parent whose command is QEMU; *last_pid: one of them. */
static guint
qemu_children (GPid  parent,
               int  *last_pid)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;
  guint n = 0;

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *stat = NULL;
      const char *close_paren;
      int ppid = 0;
      char state;

      if (!g_ascii_isdigit (name[0]))
        continue;
      path = g_strdup_printf ("/proc/%s/stat", name);
      if (!g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      close_paren = strrchr (stat, ')');
      if (close_paren == NULL || sscanf (close_paren + 2, "%c %d", &state, &ppid) != 2)
        continue;
      if (ppid == parent && strstr (stat, "(qemu-system") != NULL && state != 'Z')
        {
          n++;
          if (last_pid != NULL)
            *last_pid = atoi (name);
        }
    }
  return n;
}

static guint
count_qemu_children (GPid parent)
{
  return qemu_children (parent, NULL);
}

static GBytes *
grab (LagoonRigRfb *rfb)
{
  g_autoptr(GError) error = NULL;
  GBytes *pixels = lagoon_rig_rfb_grab (rfb, 10000, &error);

  g_assert_no_error (error);
  return pixels;
}

static void
test_console_connect (void)
{
  Fixture f = { 0 };
  g_autofree char *location = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *params = NULL;
  g_autofree char *head = NULL;
  g_autofree char *expected_prefix = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonRigRfb) rfb = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  const char *path;
  char banner[13] = { 0 };
  gint64 t0;
  gint64 t_banner;
  int fd;
  guint changed = 0;

  if (!fixture_setup (&f))
    return;

  /* The location names the resident host (the supporter) and this port. */
  params = g_strdup_printf ("<param><value>%s</value></param><param><value>OpaqueRef:console1</value></param>",
                            f.session);
  reply = rpc (&f, "console.get_location", params);
  location = rpc_value (reply);
  expected_prefix = g_strdup_printf ("http://127.0.0.2:%u/console?uuid=console-uuid-1", f.port);
  g_assert_cmpstr (location, ==, expected_prefix);
  path = strstr (location + strlen ("http://"), "/");

  /* XenCenter's way: HTTP/1.0 with the session in a cookie. The first CONNECT starts QEMU. */
  t0 = g_get_monotonic_time ();
  fd = console_connect (&f, "127.0.0.2", path, f.session, &head);
  g_assert_cmpstr (head, ==, CONNECT_OK);
  g_assert_cmpint (recv (fd, banner, 12, MSG_WAITALL), ==, 12);
  t_banner = g_get_monotonic_time ();
  g_assert_true (g_str_has_prefix (banner, "RFB 003.00"));
  g_test_message ("first CONNECT to RFB banner (QEMU start included): %.0f ms", (t_banner - t0) / 1000.0);
  g_assert_cmpuint (count_qemu_children (lagoon_rig_sim_get_pid (f.sim)), ==, 1);
  close (fd);
  g_clear_pointer (&head, g_free);

  /* Xen Orchestra's way: HTTP/1.1, session in the query, the VM's ref. Same QEMU, reused. */
  {
    g_autofree char *pq = g_strdup_printf ("/console?ref=OpaqueRef:vm1&session_id=%s", f.session);
    t0 = g_get_monotonic_time ();
    fd = console_connect (&f, "127.0.0.2", pq, NULL, &head);
    g_assert_cmpstr (head, ==, CONNECT_OK);
  }
  rfb = lagoon_rig_rfb_new_for_fd (fd, 10000, &error);
  g_assert_no_error (error);
  g_test_message ("second CONNECT to RFB ServerInit: %.0f ms", (g_get_monotonic_time () - t0) / 1000.0);
  g_assert_cmpuint (count_qemu_children (lagoon_rig_sim_get_pid (f.sim)), ==, 1);

  /* The guest's blue prompt screen shows up. */
  for (guint i = 0; i < 100; i++)
    {
      g_clear_pointer (&before, g_bytes_unref);
      before = grab (rfb);
      if (lagoon_rig_pixels_count_matching (before, LAGOON_RIG_GUEST_BACKGROUND, 8) >
          g_bytes_get_size (before) / 4 / 2)
        break;
      g_usleep (50 * 1000);
    }
  g_assert_cmpuint (lagoon_rig_pixels_count_matching (before, LAGOON_RIG_GUEST_BACKGROUND, 8), >,
                    g_bytes_get_size (before) / 4 / 2);
  g_assert_cmpuint (lagoon_rig_pixels_count_not (before, LAGOON_RIG_GUEST_BACKGROUND), >, 0);

  /* Typing echoes on screen. */
  g_assert_true (lagoon_rig_rfb_type (rfb, "lagoon", &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 100 && changed < 20; i++)
    {
      g_usleep (50 * 1000);
      g_clear_pointer (&after, g_bytes_unref);
      after = grab (rfb);
      if (g_bytes_get_size (after) == g_bytes_get_size (before))
        changed = lagoon_rig_pixels_count_different (before, after);
    }
  g_assert_cmpuint (changed, >=, 20);

  /* Errors: wrong host, bad session, unknown console. */
  g_clear_pointer (&head, g_free);
  fd = console_connect (&f, "127.0.0.1", path, f.session, &head);
  g_assert_cmpint (status_of (head), ==, 500);
  close (fd);
  g_clear_pointer (&head, g_free);
  fd = console_connect (&f, "127.0.0.2", path, "OpaqueRef:no-such-session", &head);
  g_assert_cmpint (status_of (head), ==, 401);
  close (fd);
  g_clear_pointer (&head, g_free);
  fd = console_connect (&f, "127.0.0.2", path, NULL, &head);
  g_assert_cmpint (status_of (head), ==, 401);
  close (fd);
  g_clear_pointer (&head, g_free);
  fd = console_connect (&f, "127.0.0.2", "/console?uuid=nothing-like-it", f.session, &head);
  g_assert_cmpint (status_of (head), ==, 404);
  close (fd);
  g_clear_pointer (&head, g_free);
  /* A halted VM has no console. */
  fd = console_connect (&f, "127.0.0.2", "/console?uuid=vm-uuid-2", f.session, &head);
  g_assert_cmpint (status_of (head), ==, 404);
  close (fd);
  g_clear_pointer (&head, g_free);

  /* A client that leaves half-way does not hurt: CONNECT, close at once. */
  for (guint i = 0; i < 5; i++)
    {
      int half = tcp_connect ("127.0.0.2", f.port);
      g_autofree char *req = g_strdup_printf ("CONNECT %s HTTP/1.0\r\nCookie: session_id=%s\r\n\r\n",
                                              path, f.session);
      send_str (half, req);
      shutdown (half, SHUT_WR);
      close (half);
    }

  /* Shutting the VM down stops its QEMU, cuts the open session, and the console is gone. */
  g_clear_pointer (&params, g_free);
  g_clear_pointer (&reply, g_free);
  params = g_strdup_printf ("<param><value>%s</value></param><param><value>OpaqueRef:vm1</value></param>",
                            f.session);
  reply = rpc (&f, "VM.hard_shutdown", params);
  g_assert_nonnull (strstr (reply, "<value>Success</value>"));
  for (guint i = 0; i < 100 && count_qemu_children (lagoon_rig_sim_get_pid (f.sim)) > 0; i++)
    g_usleep (50 * 1000);
  g_assert_cmpuint (count_qemu_children (lagoon_rig_sim_get_pid (f.sim)), ==, 0);
  /* Updates already in the socket may satisfy a grab or two; then the stream ends. */
  for (guint i = 0; i < 5; i++)
    {
      GBytes *gone = lagoon_rig_rfb_grab (rfb, 5000, &error);
      if (gone == NULL)
        break;
      g_bytes_unref (gone);
    }
  g_assert_nonnull (error);
  g_clear_error (&error);
  fd = console_connect (&f, "127.0.0.2", path, f.session, &head);
  g_assert_cmpint (status_of (head), ==, 404);
  close (fd);

  fixture_teardown (&f);
}

/* A VM started through the API gets a console on its host that works the same way. */
static void
test_console_after_start (void)
{
  Fixture f = { 0 };
  g_autofree char *params = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *head = NULL;
  g_autofree char *consoles = NULL;
  g_autofree char *location = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonRigRfb) rfb = NULL;
  const char *path;
  int fd;

  if (!fixture_setup (&f))
    return;
  params = g_strdup_printf ("<param><value>%s</value></param><param><value>OpaqueRef:vm2</value></param>"
                            "<param><value><boolean>0</boolean></value></param>"
                            "<param><value><boolean>0</boolean></value></param>", f.session);
  reply = rpc (&f, "VM.start", params);
  g_assert_nonnull (strstr (reply, "<value>Success</value>"));
  g_clear_pointer (&params, g_free);
  g_clear_pointer (&reply, g_free);
  params = g_strdup_printf ("<param><value>%s</value></param><param><value>OpaqueRef:vm2</value></param>",
                            f.session);
  reply = rpc (&f, "VM.get_consoles", params);
  consoles = rpc_value (reply);
  g_assert_true (g_str_has_prefix (consoles, "<array><data><value>OpaqueRef:"));
  {
    /* rpc_value stops at the first </value>: what follows the prefix is the ref. */
    const char *ref = consoles + strlen ("<array><data><value>");
    g_autofree char *p2 = g_strdup_printf ("<param><value>%s</value></param><param><value>%s</value></param>",
                                           f.session, ref);
    g_autofree char *r2 = rpc (&f, "console.get_location", p2);
    location = rpc_value (r2);
  }
  /* VM.start places it on the coordinator. */
  g_assert_true (g_str_has_prefix (location, "http://127.0.0.1:"));
  path = strstr (location + strlen ("http://"), "/");
  fd = console_connect (&f, "127.0.0.1", path, f.session, &head);
  g_assert_cmpstr (head, ==, CONNECT_OK);
  rfb = lagoon_rig_rfb_new_for_fd (fd, 10000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lagoon_rig_rfb_get_width (rfb), >, 0);

  /* A reboot makes a new domain: its display is a new QEMU, the open session ends. */
  {
    int pid_before = 0;
    int pid_after = 0;

    g_assert_cmpuint (qemu_children (lagoon_rig_sim_get_pid (f.sim), &pid_before), ==, 1);
    g_clear_pointer (&params, g_free);
    g_clear_pointer (&reply, g_free);
    params = g_strdup_printf ("<param><value>%s</value></param><param><value>OpaqueRef:vm2</value></param>",
                              f.session);
    reply = rpc (&f, "VM.hard_reboot", params);
    g_assert_nonnull (strstr (reply, "<value>Success</value>"));
    for (guint i = 0; i < 5; i++)
      {
        GBytes *gone = lagoon_rig_rfb_grab (rfb, 5000, &error);
        if (gone == NULL)
          break;
        g_bytes_unref (gone);
      }
    g_assert_nonnull (error);
    g_clear_error (&error);
    g_clear_pointer (&rfb, lagoon_rig_rfb_free);
    g_clear_pointer (&head, g_free);
    /* The new domain has a new console object (as xapi makes one per domain): find it again.
     * The old location is gone. */
    fd = console_connect (&f, "127.0.0.1", path, f.session, &head);
    g_assert_true (g_str_has_prefix (head, "HTTP/1.1 404"));
    if (fd >= 0)
      close (fd);
    g_clear_pointer (&head, g_free);
    g_clear_pointer (&params, g_free);
    g_clear_pointer (&reply, g_free);
    g_clear_pointer (&consoles, g_free);
    g_clear_pointer (&location, g_free);
    params = g_strdup_printf ("<param><value>%s</value></param><param><value>OpaqueRef:vm2</value></param>",
                              f.session);
    reply = rpc (&f, "VM.get_consoles", params);
    consoles = rpc_value (reply);
    {
      const char *ref = consoles + strlen ("<array><data><value>");
      g_autofree char *p2 = g_strdup_printf ("<param><value>%s</value></param><param><value>%s</value></param>",
                                             f.session, ref);
      g_autofree char *r2 = rpc (&f, "console.get_location", p2);
      location = rpc_value (r2);
    }
    path = strstr (location + strlen ("http://"), "/");
    fd = console_connect (&f, "127.0.0.1", path, f.session, &head);
    g_assert_cmpstr (head, ==, CONNECT_OK);
    rfb = lagoon_rig_rfb_new_for_fd (fd, 10000, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (qemu_children (lagoon_rig_sim_get_pid (f.sim), &pid_after), ==, 1);
    g_assert_cmpint (pid_after, !=, pid_before);
  }

  fixture_teardown (&f);
  /* The simulator took its QEMU with it. */
}

/* --consoles none: CONNECT fails cleanly. */
static void
test_consoles_none (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonRigSim) sim = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-consoles-XXXXXX", &error);
  g_autofree char *db = g_build_filename (dir, "pool.db", NULL);
  g_autofree char *db_arg = g_strconcat ("--db=", db, NULL);
  Fixture f = { 0 };
  g_autofree char *reply = NULL;
  g_autofree char *session = NULL;
  g_autofree char *head = NULL;
  g_autofree char *pq = NULL;
  int fd;

  g_assert_true (g_file_set_contents (db, pool_db, -1, NULL));
  {
    const char *args[] = { db_arg, "--consoles=none", NULL };
    sim = lagoon_rig_sim_start (args, &error);
  }
  if (sim == NULL && lagoon_rig_error_is_missing (error))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);
  f.port = lagoon_rig_sim_get_port (sim);
  reply = rpc (&f, "session.login_with_password",
               "<param><value>root</value></param><param><value>xenroot</value></param>");
  session = rpc_value (reply);
  pq = g_strdup_printf ("/console?uuid=console-uuid-1&session_id=%s", session);
  fd = console_connect (&f, "127.0.0.2", pq, NULL, &head);
  g_assert_cmpint (status_of (head), ==, 503);
  close (fd);
  g_assert_cmpuint (count_qemu_children (lagoon_rig_sim_get_pid (sim)), ==, 0);
  unlink (db);
  g_clear_pointer (&sim, lagoon_rig_sim_stop);
  rmdir (dir);
}

/* QEMU cannot be started: CONNECT fails with 500, and again (it is retried) without harm. */
static void
test_console_no_qemu (void)
{
  Fixture f = { 0 };
  gboolean ok;

  g_setenv ("XAPI_SIM_QEMU", "/nonexistent/qemu-system-x86_64", TRUE);
  ok = fixture_setup (&f);
  g_unsetenv ("XAPI_SIM_QEMU");
  if (!ok)
    return;
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *head = NULL;
      int fd = console_connect (&f, "127.0.0.2", "/console?uuid=console-uuid-1", f.session, &head);

      g_assert_cmpint (status_of (head), ==, 500);
      close (fd);
    }
  fixture_teardown (&f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);

  g_test_add_func ("/lagoon/xapi-sim/consoles/connect", test_console_connect);
  g_test_add_func ("/lagoon/xapi-sim/consoles/after-start", test_console_after_start);
  g_test_add_func ("/lagoon/xapi-sim/consoles/none", test_consoles_none);
  g_test_add_func ("/lagoon/xapi-sim/consoles/no-qemu", test_console_no_qemu);
  return g_test_run ();
}
