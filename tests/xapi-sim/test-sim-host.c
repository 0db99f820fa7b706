/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Wire tests for xapi-sim's hosts, pool, alerts and XVA export/import: start the real binary
 * on a free port with a small three-host pool, call it over XML-RPC and HTTP, check answers.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "lagoon-xenapi-error.h"
#include "lagoon-xmlrpc.h"

#include "sim-ops.h"

#define GiB "1073741824"

/*
 * host1 (coordinator, 4 GiB) runs nothing; host2 (4 GiB) runs vm1 (2 GiB) and vm2 (1.5 GiB);
 * host3 (1 GiB) has a control domain, a PIF, and a local SR with vm3's disk.
 */
static const char pool_db[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?><database><manifest>"
  "<pair key=\"schema_major_vsn\" value=\"5\"/><pair key=\"schema_minor_vsn\" value=\"786\"/>"
  "<pair key=\"generation_count\" value=\"100\"/></manifest>"
  "<table name=\"pool\"><row ref=\"OpaqueRef:pool1\" uuid=\"pool-uuid-1\" name__label=\"p\" "
  "master=\"OpaqueRef:host1\" default_SR=\"OpaqueRef:sr1\" "
  "suspend_image_SR=\"OpaqueRef:sr1\"/></table>"
  "<table name=\"host\">"
  "<row ref=\"OpaqueRef:host1\" uuid=\"host-uuid-1\" name__label=\"host1\" enabled=\"true\" "
  "metrics=\"OpaqueRef:hm1\"/>"
  "<row ref=\"OpaqueRef:host2\" uuid=\"host-uuid-2\" name__label=\"host2\" enabled=\"true\" "
  "metrics=\"OpaqueRef:hm2\"/>"
  "<row ref=\"OpaqueRef:host3\" uuid=\"host-uuid-3\" name__label=\"host3\" enabled=\"true\" "
  "metrics=\"OpaqueRef:hm3\" control_domain=\"OpaqueRef:dom3\"/></table>"
  "<table name=\"host_metrics\">"
  "<row ref=\"OpaqueRef:hm1\" uuid=\"hm-1\" live=\"true\" memory__total=\"4294967296\"/>"
  "<row ref=\"OpaqueRef:hm2\" uuid=\"hm-2\" live=\"true\" memory__total=\"4294967296\"/>"
  "<row ref=\"OpaqueRef:hm3\" uuid=\"hm-3\" live=\"true\" memory__total=\"" GiB "\"/></table>"
  "<table name=\"VM\">"
  "<row ref=\"OpaqueRef:vm1\" uuid=\"vm-uuid-1\" name__label=\"vm one\" power_state=\"Running\" "
  "memory__dynamic_max=\"2147483648\" memory__dynamic_min=\"2147483648\" "
  "memory__static_max=\"2147483648\" is_a_template=\"false\" "
  "resident_on=\"OpaqueRef:host2\" consoles=\"('OpaqueRef:console1')\"/>"
  "<row ref=\"OpaqueRef:vm2\" uuid=\"vm-uuid-2\" name__label=\"vm two\" power_state=\"Running\" "
  "memory__dynamic_max=\"1610612736\" memory__dynamic_min=\"1610612736\" "
  "memory__static_max=\"1610612736\" is_a_template=\"false\" "
  "resident_on=\"OpaqueRef:host2\"/>"
  "<row ref=\"OpaqueRef:vm3\" uuid=\"vm-uuid-3\" name__label=\"vm three\" power_state=\"Halted\" "
  "memory__dynamic_max=\"268435456\" memory__static_max=\"268435456\" is_a_template=\"false\" "
  "VBDs=\"('OpaqueRef:vbd3')\" VIFs=\"('OpaqueRef:vif3')\"/>"
  "<row ref=\"OpaqueRef:dom3\" uuid=\"dom-uuid-3\" name__label=\"Control domain on host: host3\" "
  "power_state=\"Running\" is_control_domain=\"true\" resident_on=\"OpaqueRef:host3\" "
  "memory__dynamic_max=\"268435456\" memory__dynamic_min=\"268435456\"/></table>"
  "<table name=\"console\"><row ref=\"OpaqueRef:console1\" uuid=\"console-uuid-1\" "
  "protocol=\"rfb\" "
  "location=\"x\" VM=\"OpaqueRef:vm1\"/></table>"
  "<table name=\"SR\">"
  "<row ref=\"OpaqueRef:sr1\" uuid=\"sr-uuid-1\" name__label=\"shared\" type=\"nfs\" "
  "shared=\"true\" "
  "physical_size=\"1099511627776\" "
  "PBDs=\"('OpaqueRef:pbd1' 'OpaqueRef:pbd1b' 'OpaqueRef:pbd1c')\"/>"
  "<row ref=\"OpaqueRef:sr2\" uuid=\"sr-uuid-2\" name__label=\"tiny\" type=\"nfs\" "
  "shared=\"true\" physical_size=\"1048576\" PBDs=\"('OpaqueRef:pbd2')\"/>"
  "<row ref=\"OpaqueRef:sr3\" uuid=\"sr-uuid-3\" name__label=\"Local storage\" type=\"lvm\" "
  "shared=\"false\" physical_size=\"107374182400\" physical_utilisation=\"96636764160\" "
  "PBDs=\"('OpaqueRef:pbd3')\" "
  "VDIs=\"('OpaqueRef:vdi3')\"/></table>"
  "<table name=\"PBD\">"
  "<row ref=\"OpaqueRef:pbd1\" uuid=\"pbd-uuid-1\" host=\"OpaqueRef:host1\" SR=\"OpaqueRef:sr1\" "
  "currently_attached=\"true\"/>"
  "<row ref=\"OpaqueRef:pbd1b\" uuid=\"pbd-uuid-1b\" host=\"OpaqueRef:host2\" SR=\"OpaqueRef:sr1\" "
  "currently_attached=\"true\"/>"
  "<row ref=\"OpaqueRef:pbd1c\" uuid=\"pbd-uuid-1c\" host=\"OpaqueRef:host3\" SR=\"OpaqueRef:sr1\" "
  "currently_attached=\"true\"/>"
  "<row ref=\"OpaqueRef:pbd2\" uuid=\"pbd-uuid-2\" host=\"OpaqueRef:host1\" SR=\"OpaqueRef:sr2\" "
  "currently_attached=\"true\"/>"
  "<row ref=\"OpaqueRef:pbd3\" uuid=\"pbd-uuid-3\" host=\"OpaqueRef:host3\" SR=\"OpaqueRef:sr3\" "
  "currently_attached=\"true\"/></table>"
  "<table name=\"VDI\"><row ref=\"OpaqueRef:vdi3\" uuid=\"vdi-uuid-3\" name__label=\"disk 3\" "
  "SR=\"OpaqueRef:sr3\" virtual_size=\"2097152\" type=\"system\" "
  "VBDs=\"('OpaqueRef:vbd3')\"/></table>"
  "<table name=\"VBD\"><row ref=\"OpaqueRef:vbd3\" uuid=\"vbd-uuid-3\" VM=\"OpaqueRef:vm3\" "
  "VDI=\"OpaqueRef:vdi3\" userdevice=\"0\" bootable=\"true\" mode=\"RW\" type=\"Disk\"/></table>"
  "<table name=\"network\"><row ref=\"OpaqueRef:net1\" uuid=\"net-uuid-1\" "
  "name__label=\"Pool-wide network\" "
  "bridge=\"xenbr0\" VIFs=\"('OpaqueRef:vif3')\" PIFs=\"('OpaqueRef:pif3')\"/></table>"
  "<table name=\"VIF\"><row ref=\"OpaqueRef:vif3\" uuid=\"vif-uuid-3\" VM=\"OpaqueRef:vm3\" "
  "network=\"OpaqueRef:net1\" device=\"0\" MAC=\"aa:bb:cc:dd:ee:03\" MTU=\"1500\"/></table>"
  "<table name=\"PIF\"><row ref=\"OpaqueRef:pif3\" uuid=\"pif-uuid-3\" host=\"OpaqueRef:host3\" "
  "network=\"OpaqueRef:net1\" device=\"eth0\"/></table>"
  "</database>";

typedef struct
{
  GSubprocess *proc;
  char        *dir;
  guint        port;
  char        *session;  /* on the coordinator (127.0.0.1) */
} Sim;

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
rm_rf (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_remove (path);
    }
  g_rmdir (dir);
}

/* One HTTP/1.1 request on a fresh connection (Connection: close); returns the status. */
static int
http_request (Sim         *sim,
              const char  *address,
              const char  *method,
              const char  *path,
              const char  *content_type,
              const void  *body,
              gsize        body_len,
              GBytes     **reply_body,
              char       **reply_headers)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) head = g_string_new (NULL);
  g_autoptr(GByteArray) all = g_byte_array_new ();
  GInputStream *in;
  GOutputStream *out;
  guint8 buf[65536];
  gssize n;
  const char *sep;
  gsize head_len;
  int status = 0;

  g_socket_client_set_timeout (client, 60);
  g_socket_client_set_enable_proxy (client, FALSE);
  conn = g_socket_client_connect_to_host (client, address, (guint16) sim->port, NULL, &error);
  g_assert_no_error (error);
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));

  g_string_append_printf (head, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, path,
                          address);
  if (content_type != NULL)
    g_string_append_printf (head, "Content-Type: %s\r\n", content_type);
  if (body != NULL)
    g_string_append_printf (head, "Content-Length: %" G_GSIZE_FORMAT "\r\n", body_len);
  g_string_append (head, "\r\n");
  g_assert_true (g_output_stream_write_all (out, head->str, head->len, NULL, NULL, &error));
  if (body != NULL && body_len > 0)
    g_assert_true (g_output_stream_write_all (out, body, body_len, NULL, NULL, &error));
  g_assert_no_error (error);

  while ((n = g_input_stream_read (in, buf, sizeof buf, NULL, &error)) > 0)
    g_byte_array_append (all, buf, (guint) n);
  g_assert_no_error (error);

  g_byte_array_append (all, (const guint8 *) "", 1);
  sep = strstr ((const char *) all->data, "\r\n\r\n");
  g_assert_nonnull (sep);
  head_len = (gsize) (sep - (const char *) all->data);
  g_assert_true (g_str_has_prefix ((const char *) all->data, "HTTP/1.1 "));
  status = atoi ((const char *) all->data + 9);
  if (reply_headers != NULL)
    *reply_headers = g_strndup ((const char *) all->data, head_len);
  if (reply_body != NULL)
    *reply_body = g_bytes_new (all->data + head_len + 4, all->len - 1 - head_len - 4);
  return status;
}

/* Sends a login to @address; the HTTP status, or 0 when the connection closes unanswered. */
static int
try_login (Sim        *sim,
           const char *address)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GBytes) call = lagoon_xmlrpc_build_call ("session.login_with_password",
                                                     g_variant_new ("(ss)", "root",
                                                                    "xenroot"), NULL);
  g_autofree char *head = g_strdup_printf ("POST / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
                                           "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n", address,
                                           g_bytes_get_size (call));
  char buf[64] = { 0 };
  gsize n = 0;
  GOutputStream *out;

  g_socket_client_set_timeout (client, 30);
  g_socket_client_set_enable_proxy (client, FALSE);
  conn = g_socket_client_connect_to_host (client, address, (guint16) sim->port, NULL, NULL);
  if (conn == NULL)
    return 0;
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  if (!g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL) ||
      !g_output_stream_write_all (out, g_bytes_get_data (call, NULL), g_bytes_get_size (call), NULL,
                                  NULL, NULL))
    return 0;
  g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf, 12, &n, NULL,
                           NULL);
  if (n < 12 || !g_str_has_prefix (buf, "HTTP/1.1 "))
    return 0;
  return atoi (buf + 9);
}

/* An XML-RPC call at @address; the Value, or NULL with the XenAPI error. */
static GVariant *
rpc_at (Sim         *sim,
        const char  *address,
        const char  *method,
        GVariant    *params,
        GError     **error)
{
  g_autoptr(GVariant) sunk = g_variant_ref_sink (params);
  g_autoptr(GBytes) call = lagoon_xmlrpc_build_call (method, sunk, NULL);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GVariant) top = NULL;
  gsize len;
  const char *data;
  int status;

  g_assert_nonnull (call);
  status = http_request (sim, address, "POST", "/", "text/xml", g_bytes_get_data (call, NULL),
                         g_bytes_get_size (call), &reply, NULL);
  g_assert_cmpint (status, ==, 200);
  data = g_bytes_get_data (reply, &len);
  top = lagoon_xmlrpc_parse_response (data, len, NULL);
  g_assert_nonnull (top);
  return lagoon_xmlrpc_unwrap_envelope (top, error);
}

static GVariant *
rpc (Sim        *sim,
     const char *method,
     GVariant   *params)
{
  g_autoptr(GError) error = NULL;
  GVariant *v = rpc_at (sim, "127.0.0.1", method, params, &error);

  g_assert_no_error (error);
  return v;
}

static void
expect_error (Sim        *sim,
              const char *address,
              const char *method,
              GVariant   *params,
              const char *code,
              ...)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) v = rpc_at (sim, address, method, params, &error);
  g_autoptr(GPtrArray) expected = g_ptr_array_new ();
  const char *const *got;
  const char *p;
  va_list ap;

  g_assert_null (v);
  g_assert_nonnull (error);
  g_assert_cmpstr (lagoon_xenapi_error_get_code_string (error), ==, code);
  va_start (ap, code);
  while ((p = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (expected, (gpointer) p);
  va_end (ap);
  got = lagoon_xenapi_error_get_params (error);
  for (guint i = 0; i < expected->len; i++)
    {
      g_assert_nonnull (got);
      g_assert_cmpstr (got[i], ==, g_ptr_array_index (expected, i));
    }
  g_assert_true ((got == NULL && expected->len == 0) || got[expected->len] == NULL);
}

static Sim *
sim_start (const char *const *extra)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autofree char *db = NULL;
  g_autoptr(GVariant) session = NULL;
  Sim *sim = g_new0 (Sim, 1);

  sim->dir = g_dir_make_tmp ("sim-host-test-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (sim->dir, "pool.db", NULL);
  g_assert_true (g_file_set_contents (db, pool_db, -1, NULL));

  g_ptr_array_add (argv, g_build_filename (LAGOON_BUILDDIR, "tests", "xapi-sim", "xapi-sim", NULL));
  g_ptr_array_add (argv, g_strdup ("--port=0"));
  g_ptr_array_add (argv, g_strdup ("--consoles=none"));
  g_ptr_array_add (argv, g_strconcat ("--db=", db, NULL));
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra[i]));
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  sim->proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sim->proc));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "xapi-sim: listening on http://127.0.0.1:"));
  sim->port = (guint) g_ascii_strtoull (strrchr (line, ':') + 1, NULL, 10);
  g_assert_cmpuint (sim->port, >, 0);

  session = rpc (sim, "session.login_with_password",
                 g_variant_new ("(ssss)", "root", "xenroot", "2.20", "test"));
  sim->session = g_variant_dup_string (session, NULL);
  return sim;
}

static void
sim_stop (Sim *sim)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (sim->proc, SIGTERM);
  g_subprocess_wait (sim->proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (sim->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (sim->proc), ==, 0);
  g_object_unref (sim->proc);
  rm_rf (sim->dir);
  g_free (sim->dir);
  g_free (sim->session);
  g_free (sim);
}

/* A field of an "a{sv}" record, as a string ("" when absent or not a string). */
static const char *
rec_str (GVariant   *record,
         const char *key)
{
  g_autoptr(GVariant) v = g_variant_lookup_value (record, key, NULL);
  const char *s;

  if (v == NULL || !g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    return "";
  /* The string lives as long as the record. */
  s = g_variant_get_string (v, NULL);
  return s;
}

static gboolean
rec_bool (GVariant   *record,
          const char *key)
{
  g_autoptr(GVariant) v = g_variant_lookup_value (record, key, G_VARIANT_TYPE_BOOLEAN);

  g_assert_nonnull (v);
  return g_variant_get_boolean (v);
}

static gboolean
set_contains (GVariant   *set,
              const char *item)
{
  GVariantIter iter;
  GVariant *v;
  gboolean found = FALSE;

  g_variant_iter_init (&iter, set);
  while ((v = g_variant_iter_next_value (&iter)))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (v);

      if (g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING) &&
          g_str_equal (g_variant_get_string (inner, NULL), item))
        found = TRUE;
      g_variant_unref (v);
    }
  return found;
}

static GVariant *
get_record (Sim        *sim,
            const char *klass,
            const char *ref)
{
  g_autofree char *method = g_strdup_printf ("%s.get_record", klass);

  return rpc (sim, method, g_variant_new ("(ss)", sim->session, ref));
}

static char *
get_field (Sim        *sim,
           const char *klass,
           const char *ref,
           const char *field)
{
  g_autoptr(GVariant) record = get_record (sim, klass, ref);

  return g_strdup (rec_str (record, field));
}

static gboolean
host_live (Sim        *sim,
           const char *metrics)
{
  g_autoptr(GVariant) m = get_record (sim, "host_metrics", metrics);

  return rec_bool (m, "live");
}

/* Waits (up to @seconds) until host_metrics @metrics has live == @live. */
static void
wait_live (Sim        *sim,
           const char *metrics,
           gboolean    live,
           double      seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (host_live (sim, metrics) != live)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }
}

static GVariant *find_message (GVariant   *messages,
                               const char *name,
                               char      **ref_out);

/* Waits (up to 10 s) for @task to leave "pending"; returns its record. */
static GVariant *
wait_task (Sim        *sim,
           const char *task)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(GVariant) rec = get_record (sim, "task", task);

      if (!g_str_equal (rec_str (rec, "status"), "pending"))
        return g_steal_pointer (&rec);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }
}

/* ---- hosts ------------------------------------------------------------------------------- */

static void
test_disable_enable (void)
{
  Sim *sim = sim_start (NULL);
  const char *s = sim->session;
  g_autoptr(GVariant) host = NULL;
  g_autoptr(GVariant) ops = NULL;
  g_autoptr(GVariant) v = NULL;

  host = get_record (sim, "host", "OpaqueRef:host2");
  g_assert_true (rec_bool (host, "enabled"));
  ops = g_variant_lookup_value (host, "allowed_operations", NULL);
  g_assert_true (set_contains (ops, "evacuate"));
  g_assert_true (set_contains (ops, "vm_start"));
  g_assert_false (set_contains (ops, "reboot"));
  g_assert_false (set_contains (ops, "shutdown"));
  g_clear_pointer (&ops, g_variant_unref);
  g_clear_pointer (&host, g_variant_unref);

  /* Generic setters work on hosts as on every class. */
  v = rpc (sim, "host.set_name_label", g_variant_new ("(sss)", s, "OpaqueRef:host2", "renamed"));
  g_clear_pointer (&v, g_variant_unref);
  {
    g_autofree char *label = get_field (sim, "host", "OpaqueRef:host2", "name_label");
    g_assert_cmpstr (label, ==, "renamed");
  }

  /* Reboot and shutdown want a disabled host. */
  expect_error (sim, "127.0.0.1", "host.reboot", g_variant_new ("(ss)", s, "OpaqueRef:host2"),
                "HOST_NOT_DISABLED", NULL);
  expect_error (sim, "127.0.0.1", "host.shutdown", g_variant_new ("(ss)", s, "OpaqueRef:host2"),
                "HOST_NOT_DISABLED", NULL);
  expect_error (sim, "127.0.0.1", "host.disable", g_variant_new ("(ss)", s, "OpaqueRef:nope"),
                "HANDLE_INVALID", "host", "OpaqueRef:nope", NULL);

  v = rpc (sim, "host.disable", g_variant_new ("(ss)", s, "OpaqueRef:host2"));
  g_clear_pointer (&v, g_variant_unref);
  host = get_record (sim, "host", "OpaqueRef:host2");
  g_assert_false (rec_bool (host, "enabled"));
  ops = g_variant_lookup_value (host, "allowed_operations", NULL);
  g_assert_true (set_contains (ops, "reboot"));
  g_assert_true (set_contains (ops, "shutdown"));
  g_assert_true (set_contains (ops, "enable"));
  g_clear_pointer (&ops, g_variant_unref);
  g_clear_pointer (&host, g_variant_unref);

  /* No VM starts on a disabled host, nor migrates to one. */
  expect_error (sim, "127.0.0.1", "VM.start_on",
                g_variant_new ("(sssbb)", s, "OpaqueRef:vm3", "OpaqueRef:host2", FALSE, FALSE),
                "HOST_DISABLED", "OpaqueRef:host2", NULL);
  v = rpc (sim, "host.disable", g_variant_new ("(ss)", s, "OpaqueRef:host3"));
  g_clear_pointer (&v, g_variant_unref);
  expect_error (sim, "127.0.0.1", "VM.pool_migrate",
                g_variant_new ("(sssa{ss})", s, "OpaqueRef:vm1", "OpaqueRef:host3", NULL),
                "HOST_DISABLED", "OpaqueRef:host3", NULL);

  /* Disabling twice is fine, as in xapi. */
  v = rpc (sim, "host.disable", g_variant_new ("(ss)", s, "OpaqueRef:host2"));
  g_clear_pointer (&v, g_variant_unref);

  v = rpc (sim, "host.enable", g_variant_new ("(ss)", s, "OpaqueRef:host2"));
  g_clear_pointer (&v, g_variant_unref);
  host = get_record (sim, "host", "OpaqueRef:host2");
  g_assert_true (rec_bool (host, "enabled"));
  ops = g_variant_lookup_value (host, "allowed_operations", NULL);
  g_assert_false (set_contains (ops, "reboot"));

  /* Every host disabled: VM.start finds no host. */
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *ref = g_strdup_printf ("OpaqueRef:host%u", i);
      g_autoptr(GVariant) r = rpc (sim, "host.disable", g_variant_new ("(ss)", s, ref));
    }
  expect_error (sim, "127.0.0.1", "VM.start",
                g_variant_new ("(ssbb)", s, "OpaqueRef:vm3", FALSE, FALSE),
                "NO_HOSTS_AVAILABLE", NULL);

  sim_stop (sim);
}

static void
test_evacuate (void)
{
  Sim *sim = sim_start (NULL);
  const char *s = sim->session;
  g_autoptr(GVariant) prevent = NULL;
  g_autoptr(GVariant) v = NULL;
  g_autofree char *resident1 = NULL;
  g_autofree char *resident2 = NULL;
  g_autofree char *location = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GVariant) reasons = NULL;

  prevent = rpc (sim, "host.get_vms_which_prevent_evacuation",
                 g_variant_new ("(ss)", s, "OpaqueRef:host2"));
  g_assert_cmpuint (g_variant_n_children (prevent), ==, 0);
  g_clear_pointer (&prevent, g_variant_unref);

  /* A pool migration by hand first: VM_MIGRATED names both hosts. */
  v = rpc (sim, "VM.pool_migrate",
           g_variant_new ("(sssa{ss})", s, "OpaqueRef:vm2", "OpaqueRef:host1", NULL));
  g_clear_pointer (&v, g_variant_unref);
  {
    g_autoptr(GVariant) msgs = rpc (sim, "message.get_all_records", g_variant_new ("(s)", s));
    g_autoptr(GVariant) migrated = find_message (msgs, "VM_MIGRATED", NULL);

    g_assert_nonnull (migrated);
    g_assert_cmpstr (rec_str (migrated, "obj_uuid"), ==, "vm-uuid-2");
    g_assert_cmpstr (rec_str (migrated, "body"), ==,
                     "VM 'vm two' (uuid: vm-uuid-2) migrated from host 'host2' (uuid: host-uuid-2) "
                     "to host 'host1' (uuid: host-uuid-1)");
  }

  /* As an Async call: the task succeeds once the guests moved, each announced. */
  v = rpc (sim, "Async.host.evacuate", g_variant_new ("(ss)", s, "OpaqueRef:host2"));
  {
    g_autoptr(GVariant) task = wait_task (sim, g_variant_get_string (v, NULL));
    g_assert_cmpstr (rec_str (task, "status"), ==, "success");
  }
  g_clear_pointer (&v, g_variant_unref);
  {
    g_autoptr(GVariant) msgs = rpc (sim, "message.get_all_records", g_variant_new ("(s)", s));
    GVariantIter iter;
    const char *ref;
    GVariant *rec;
    gboolean vm1_moved = FALSE;

    g_variant_iter_init (&iter, msgs);
    while (g_variant_iter_next (&iter, "{&sv}", &ref, &rec))
      {
        vm1_moved |= g_str_equal (rec_str (rec, "name"), "VM_MIGRATED") &&
                     g_str_equal (rec_str (rec, "obj_uuid"), "vm-uuid-1");
        g_variant_unref (rec);
      }
    g_assert_true (vm1_moved);
  }
  /* Both fit only on host1 (host3 has 1 GiB). */
  resident1 = get_field (sim, "VM", "OpaqueRef:vm1", "resident_on");
  resident2 = get_field (sim, "VM", "OpaqueRef:vm2", "resident_on");
  g_assert_cmpstr (resident1, ==, "OpaqueRef:host1");
  g_assert_cmpstr (resident2, ==, "OpaqueRef:host1");
  /* The console moved with it (sim-vm.c's migration makes a new one on the new host). */
  {
    g_autoptr(GVariant) vm1 = get_record (sim, "VM", "OpaqueRef:vm1");
    g_autoptr(GVariant) consoles = g_variant_lookup_value (vm1, "consoles", NULL);
    g_autoptr(GVariant) boxed = NULL;
    g_autoptr(GVariant) console = NULL;

    g_assert_cmpuint (g_variant_n_children (consoles), ==, 1);
    boxed = g_variant_get_child_value (consoles, 0);
    console = g_variant_get_variant (boxed);
    location = get_field (sim, "console", g_variant_get_string (console, NULL), "location");
    expected = g_strdup_printf ("http://127.0.0.1:%u/console?uuid=", sim->port);
    g_assert_true (g_str_has_prefix (location, expected));
  }
  {
    g_autoptr(GVariant) ops = rpc (sim, "host.get_current_operations",
                                   g_variant_new ("(ss)", s, "OpaqueRef:host2"));
    g_assert_cmpuint (g_variant_n_children (ops), ==, 0);
  }

  /* Now from host1, with host2 disabled: host3 is too small for either. */
  v = rpc (sim, "host.disable", g_variant_new ("(ss)", s, "OpaqueRef:host2"));
  g_clear_pointer (&v, g_variant_unref);
  prevent = rpc (sim, "host.get_vms_which_prevent_evacuation",
                 g_variant_new ("(ss)", s, "OpaqueRef:host1"));
  g_assert_cmpuint (g_variant_n_children (prevent), ==, 2);
  reasons = g_variant_lookup_value (prevent, "OpaqueRef:vm1", NULL);
  g_assert_nonnull (reasons);
  g_assert_cmpuint (g_variant_n_children (reasons), ==, 2);
  g_assert_true (set_contains (reasons, "HOST_NOT_ENOUGH_FREE_MEMORY"));
  g_assert_true (set_contains (reasons, "OpaqueRef:vm1"));
  g_clear_pointer (&prevent, g_variant_unref);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = rpc_at (sim, "127.0.0.1", "host.evacuate",
                                    g_variant_new ("(ss)", s, "OpaqueRef:host1"), &error);
    g_assert_null (r);
    g_assert_cmpstr (lagoon_xenapi_error_get_code_string (error), ==,
                     "HOST_NOT_ENOUGH_FREE_MEMORY");
  }
  expect_error (sim, "127.0.0.1", "host.assert_can_evacuate",
                g_variant_new ("(ss)", s, "OpaqueRef:host1"),
                "CANNOT_EVACUATE_HOST",
                "HOST_NOT_ENOUGH_FREE_MEMORY,OpaqueRef:vm1|"
                "HOST_NOT_ENOUGH_FREE_MEMORY,OpaqueRef:vm2", NULL);
  /* The VMs stayed. */
  g_clear_pointer (&resident1, g_free);
  resident1 = get_field (sim, "VM", "OpaqueRef:vm1", "resident_on");
  g_assert_cmpstr (resident1, ==, "OpaqueRef:host1");

  /* No other enabled host at all. */
  v = rpc (sim, "host.disable", g_variant_new ("(ss)", s, "OpaqueRef:host3"));
  g_clear_pointer (&v, g_variant_unref);
  prevent = rpc (sim, "host.get_vms_which_prevent_evacuation",
                 g_variant_new ("(ss)", s, "OpaqueRef:host1"));
  g_clear_pointer (&reasons, g_variant_unref);
  reasons = g_variant_lookup_value (prevent, "OpaqueRef:vm2", NULL);
  g_assert_nonnull (reasons);
  g_assert_true (set_contains (reasons, "NO_HOSTS_AVAILABLE"));
  expect_error (sim, "127.0.0.1", "host.evacuate", g_variant_new ("(ss)", s, "OpaqueRef:host1"),
                "NO_HOSTS_AVAILABLE", "OpaqueRef:vm1", NULL);

  sim_stop (sim);
}

static void
test_reboot_shutdown (void)
{
  const char *const args[] = { "--speed=0.5", NULL };
  Sim *sim = sim_start (args);
  const char *s = sim->session;
  g_autoptr(GVariant) v = NULL;
  g_autoptr(GVariant) host = NULL;
  g_autoptr(GVariant) ops = NULL;
  g_autofree char *state = NULL;

  v = rpc (sim, "host.disable", g_variant_new ("(ss)", s, "OpaqueRef:host2"));
  g_clear_pointer (&v, g_variant_unref);
  v = rpc (sim, "host.reboot", g_variant_new ("(ss)", s, "OpaqueRef:host2"));
  g_clear_pointer (&v, g_variant_unref);

  /* While it reboots, the operation shows and excludes a shutdown. */
  ops = rpc (sim, "host.get_current_operations", g_variant_new ("(ss)", s, "OpaqueRef:host2"));
  g_assert_cmpuint (g_variant_n_children (ops), ==, 1);
  g_clear_pointer (&ops, g_variant_unref);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = rpc_at (sim, "127.0.0.1", "host.shutdown",
                                    g_variant_new ("(ss)", s, "OpaqueRef:host2"), &error);
    g_assert_null (r);
    g_assert_cmpstr (lagoon_xenapi_error_get_code_string (error), ==,
                     "OTHER_OPERATION_IN_PROGRESS");
    g_assert_cmpstr (lagoon_xenapi_error_get_param (error, 0), ==, "host");
    g_assert_cmpstr (lagoon_xenapi_error_get_param (error, 2), ==, "reboot");
  }

  wait_live (sim, "OpaqueRef:hm2", FALSE, 5);
  /* While it is down, its address answers nothing. */
  g_assert_cmpint (try_login (sim, "127.0.0.2"), ==, 0);
  /* Its guests went down with it. */
  state = get_field (sim, "VM", "OpaqueRef:vm1", "power_state");
  g_assert_cmpstr (state, ==, "Halted");
  wait_live (sim, "OpaqueRef:hm2", TRUE, 5);
  g_assert_cmpint (try_login (sim, "127.0.0.2"), ==, 200);
  host = get_record (sim, "host", "OpaqueRef:host2");
  g_assert_true (rec_bool (host, "enabled"));
  g_clear_pointer (&host, g_variant_unref);
  ops = rpc (sim, "host.get_current_operations", g_variant_new ("(ss)", s, "OpaqueRef:host2"));
  g_assert_cmpuint (g_variant_n_children (ops), ==, 0);
  g_clear_pointer (&ops, g_variant_unref);

  /* Disabled with auto_enable=false, then shut down: stays down and disabled. */
  v = rpc (sim, "host.disable", g_variant_new ("(ssb)", s, "OpaqueRef:host3", FALSE));
  g_clear_pointer (&v, g_variant_unref);
  v = rpc (sim, "host.shutdown", g_variant_new ("(ss)", s, "OpaqueRef:host3"));
  g_clear_pointer (&v, g_variant_unref);
  wait_live (sim, "OpaqueRef:hm3", FALSE, 5);
  g_usleep (500 * 1000);
  g_assert_false (host_live (sim, "OpaqueRef:hm3"));
  host = get_record (sim, "host", "OpaqueRef:host3");
  g_assert_false (rec_bool (host, "enabled"));
  /* A host that is down cannot be enabled, nor take VMs. */
  expect_error (sim, "127.0.0.1", "host.enable", g_variant_new ("(ss)", s, "OpaqueRef:host3"),
                "HOST_OFFLINE", "OpaqueRef:host3", NULL);
  expect_error (sim, "127.0.0.1", "host.disable", g_variant_new ("(ss)", s, "OpaqueRef:host3"),
                "HOST_OFFLINE", "OpaqueRef:host3", NULL);
  expect_error (sim, "127.0.0.1", "VM.start_on",
                g_variant_new ("(sssbb)", s, "OpaqueRef:vm3", "OpaqueRef:host3", FALSE, FALSE),
                "HOST_NOT_LIVE", NULL);

  sim_stop (sim);
}

/* The coordinator reboots: the pool is unreachable meanwhile, and the sessions are gone after. */
static void
test_coordinator_reboot (void)
{
  const char *const args[] = { "--speed=0.5", NULL };
  Sim *sim = sim_start (args);
  const char *s = sim->session;
  g_autoptr(GVariant) v = NULL;
  gint64 deadline;
  gboolean saw_down = FALSE;

  v = rpc (sim, "host.disable", g_variant_new ("(ss)", s, "OpaqueRef:host1"));
  g_clear_pointer (&v, g_variant_unref);
  v = rpc (sim, "host.reboot", g_variant_new ("(ss)", s, "OpaqueRef:host1"));
  g_clear_pointer (&v, g_variant_unref);

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  for (;;)
    {
      int status = try_login (sim, "127.0.0.1");

      if (status == 0)
        saw_down = TRUE;
      else if (saw_down)
        {
          g_assert_cmpint (status, ==, 200);
          break;
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }
  expect_error (sim, "127.0.0.1", "pool.get_all", g_variant_new ("(s)", s), "SESSION_INVALID", s,
                NULL);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) session = rpc_at (sim, "127.0.0.1", "session.login_with_password",
                                          g_variant_new ("(ss)", "root", "xenroot"), &error);
    g_autoptr(GVariant) hosts = NULL;

    g_assert_no_error (error);
    g_free (sim->session);
    sim->session = g_variant_dup_string (session, NULL);
    /* Back and enabled, as after any reboot without auto_enable=false. */
    hosts = get_record (sim, "host", "OpaqueRef:host1");
    g_assert_true (rec_bool (hosts, "enabled"));
  }

  sim_stop (sim);
}

/* ---- alerts ------------------------------------------------------------------------------ */

/* The events of event.from(@classes, @token, 0) as an "av" of records; *token_out the new token. */
static GVariant *
events_from (Sim        *sim,
             const char *klass,
             const char *token,
             char      **token_out)
{
  const char *classes[] = { klass, NULL };
  g_autoptr(GVariant) r = rpc (sim, "event.from",
                               g_variant_new ("(s^assd)", sim->session, classes, token, 0.0));
  g_autoptr(GVariant) t = g_variant_lookup_value (r, "token", G_VARIANT_TYPE_STRING);

  if (token_out != NULL)
    *token_out = g_variant_dup_string (t, NULL);
  return g_variant_lookup_value (r, "events", NULL);
}

/* The first event about @ref in @events with @op, or NULL. */
static GVariant *
find_event (GVariant   *events,
            const char *ref,
            const char *op)
{
  for (gsize i = 0; i < g_variant_n_children (events); i++)
    {
      g_autoptr(GVariant) boxed = g_variant_get_child_value (events, i);
      g_autoptr(GVariant) ev = g_variant_get_variant (boxed);

      if (g_str_equal (rec_str (ev, "ref"), ref) && g_str_equal (rec_str (ev, "operation"), op))
        return g_steal_pointer (&ev);
    }
  return NULL;
}

/* The message named @name in @messages (a ref -> record map), or NULL. */
static GVariant *
find_message (GVariant   *messages,
              const char *name,
              char      **ref_out)
{
  GVariantIter iter;
  const char *ref;
  GVariant *rec;

  g_variant_iter_init (&iter, messages);
  while (g_variant_iter_next (&iter, "{&sv}", &ref, &rec))
    {
      if (g_str_equal (rec_str (rec, "name"), name))
        {
          if (ref_out != NULL)
            *ref_out = g_strdup (ref);
          return rec;
        }
      g_variant_unref (rec);
    }
  return NULL;
}

static void
test_messages (void)
{
  Sim *sim = sim_start (NULL);
  const char *s = sim->session;
  g_autoptr(GVariant) ref_v = NULL;
  g_autoptr(GVariant) record = NULL;
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GVariant) since = NULL;
  g_autoptr(GVariant) where = NULL;
  g_autoptr(GVariant) events = NULL;
  g_autoptr(GVariant) ev = NULL;
  g_autoptr(GVariant) snapshot = NULL;
  g_autoptr(GVariant) v = NULL;
  g_autoptr(GVariant) started = NULL;
  g_autofree char *token = NULL;
  g_autofree char *token2 = NULL;
  g_autofree char *body = NULL;
  g_autofree char *earlier = NULL;
  const char *ref;

  events = events_from (sim, "message", "", &token);
  g_assert_cmpuint (g_variant_n_children (events), ==, 0);
  g_clear_pointer (&events, g_variant_unref);

  ref_v = rpc (sim, "message.create",
               g_variant_new ("(ssxsss)", s, "TEST_ALERT", (gint64) 2, "VM", "vm-uuid-1",
                              "something"));
  ref = g_variant_get_string (ref_v, NULL);
  g_assert_true (g_str_has_prefix (ref, "OpaqueRef:"));
  record = rpc (sim, "message.get_record", g_variant_new ("(ss)", s, ref));
  g_assert_cmpstr (rec_str (record, "name"), ==, "TEST_ALERT");
  g_assert_cmpstr (rec_str (record, "cls"), ==, "VM");
  g_assert_cmpstr (rec_str (record, "obj_uuid"), ==, "vm-uuid-1");
  g_assert_cmpstr (rec_str (record, "body"), ==, "something");
  /* Ints travel untyped, as xapi writes them. */
  g_assert_cmpstr (rec_str (record, "priority"), ==, "2");

  /* Bad object: UUID_INVALID [cls, uuid]; bad class: the enum is checked on the wire. */
  expect_error (sim, "127.0.0.1", "message.create",
                g_variant_new ("(ssxsss)", s, "X", (gint64) 1, "Host", "vm-uuid-1", ""),
                "UUID_INVALID", "Host", "vm-uuid-1", NULL);
  expect_error (sim, "127.0.0.1", "message.get",
                g_variant_new ("(ssss)", s, "VM", "no-such",
                               "19700101T00:00:00Z"), "UUID_INVALID", NULL);

  all = rpc (sim, "message.get_all_records", g_variant_new ("(s)", s));
  {
    g_autoptr(GVariant) msg = g_variant_lookup_value (all, ref, NULL);
    g_assert_nonnull (msg);
  }
  since = rpc (sim, "message.get_since", g_variant_new ("(ss)", s, "20000101T00:00:00Z"));
  g_assert_cmpuint (g_variant_n_children (since), ==, 1);
  g_clear_pointer (&since, g_variant_unref);
  /* The message's own second counts as later (xapi's timestamps have sub-second precision). */
  since = rpc (sim, "message.get_since", g_variant_new ("(ss)", s, rec_str (record, "timestamp")));
  g_assert_cmpuint (g_variant_n_children (since), ==, 1);
  g_clear_pointer (&since, g_variant_unref);
  since = rpc (sim, "message.get_since", g_variant_new ("(ss)", s, "29990101T00:00:00Z"));
  g_assert_cmpuint (g_variant_n_children (since), ==, 0);
  g_clear_pointer (&since, g_variant_unref);
  since = rpc (sim, "message.get",
               g_variant_new ("(ssss)", s, "VM", "vm-uuid-1", "20000101T00:00:00Z"));
  g_assert_cmpuint (g_variant_n_children (since), ==, 1);
  where = rpc (sim, "message.get_all_records_where",
               g_variant_new ("(ss)", s,
                              "field \"name\"=\"TEST_ALERT\" and field \"priority\"=\"2\""));
  g_assert_cmpuint (g_variant_n_children (where), ==, 1);
  g_clear_pointer (&where, g_variant_unref);
  where = rpc (sim, "message.get_all_records_where",
               g_variant_new ("(ss)", s, "field \"name\"=\"OTHER\""));
  g_assert_cmpuint (g_variant_n_children (where), ==, 0);

  /* Events for messages carry id "0" and the record. */
  events = events_from (sim, "message", token, &token2);
  ev = find_event (events, ref, "add");
  g_assert_nonnull (ev);
  g_assert_cmpstr (rec_str (ev, "class"), ==, "message");
  g_assert_cmpstr (rec_str (ev, "id"), ==, "0");
  snapshot = g_variant_lookup_value (ev, "snapshot", NULL);
  g_assert_nonnull (snapshot);
  g_assert_cmpstr (rec_str (snapshot, "name"), ==, "TEST_ALERT");
  g_clear_pointer (&events, g_variant_unref);
  g_clear_pointer (&ev, g_variant_unref);

  v = rpc (sim, "message.destroy", g_variant_new ("(ss)", s, ref));
  g_clear_pointer (&v, g_variant_unref);
  events = events_from (sim, "message", token2, NULL);
  ev = find_event (events, ref, "del");
  g_assert_nonnull (ev);
  g_assert_null (g_variant_lookup_value (ev, "snapshot", NULL));
  expect_error (sim, "127.0.0.1", "message.destroy", g_variant_new ("(ss)", s, ref),
                "HANDLE_INVALID", "message", ref, NULL);

  /* The simulator raises xapi's alerts itself: VM_STARTED (priority 5) after VM.start. */
  v = rpc (sim, "VM.start", g_variant_new ("(ssbb)", s, "OpaqueRef:vm3", FALSE, FALSE));
  g_clear_pointer (&v, g_variant_unref);
  g_clear_pointer (&all, g_variant_unref);
  all = rpc (sim, "message.get_all_records", g_variant_new ("(s)", s));
  started = find_message (all, "VM_STARTED", NULL);
  g_assert_nonnull (started);
  g_assert_cmpstr (rec_str (started, "cls"), ==, "VM");
  g_assert_cmpstr (rec_str (started, "obj_uuid"), ==, "vm-uuid-3");
  body = g_strdup (rec_str (started, "body"));
  {
    g_autofree char *host = get_field (sim, "VM", "OpaqueRef:vm3", "resident_on");
    g_autoptr(GVariant) hrec = get_record (sim, "host", host);
    g_autofree char *expected =
      g_strdup_printf ("VM 'vm three' (uuid: vm-uuid-3) started on host: %s (uuid: %s)",
                       rec_str (hrec, "name_label"), rec_str (hrec, "uuid"));

    /* (vm3's disk is on host3's local SR, so that is where it starts.) */
    g_assert_cmpstr (body, ==, expected);
  }
  /* Ints travel untyped, as xapi writes them. */
  g_assert_cmpstr (rec_str (started, "priority"), ==, "5");
  v = rpc (sim, "VM.hard_shutdown", g_variant_new ("(ss)", s, "OpaqueRef:vm3"));
  g_clear_pointer (&v, g_variant_unref);
  g_clear_pointer (&all, g_variant_unref);
  all = rpc (sim, "message.get_all_records", g_variant_new ("(s)", s));
  g_clear_pointer (&started, g_variant_unref);
  started = find_message (all, "VM_SHUTDOWN", NULL);
  g_assert_nonnull (started);
  g_assert_cmpstr (rec_str (started, "body"), ==,
                   "VM 'vm three' (uuid: vm-uuid-3) shutdown forcibly");

  /* A failed call raises nothing. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = rpc_at (sim, "127.0.0.1", "VM.hard_shutdown",
                                    g_variant_new ("(ss)", s, "OpaqueRef:vm3"), &error);
    g_autoptr(GVariant) again = rpc (sim, "message.get_all_records", g_variant_new ("(s)", s));

    g_assert_null (r);
    g_assert_cmpuint (g_variant_n_children (again), ==, g_variant_n_children (all));
  }

  /* Suspend and resume. */
  {
    g_autoptr(GVariant) r1 = rpc (sim, "VM.start",
                                  g_variant_new ("(ssbb)", s, "OpaqueRef:vm3", FALSE, FALSE));
    g_autoptr(GVariant) r2 = rpc (sim, "VM.suspend", g_variant_new ("(ss)", s, "OpaqueRef:vm3"));
    g_autoptr(GVariant) r3 = rpc (sim, "VM.resume",
                                  g_variant_new ("(ssbb)", s, "OpaqueRef:vm3", FALSE, FALSE));
    g_autoptr(GVariant) msgs = rpc (sim, "message.get_all_records", g_variant_new ("(s)", s));
    g_autoptr(GVariant) suspended = find_message (msgs, "VM_SUSPENDED", NULL);
    g_autoptr(GVariant) resumed = find_message (msgs, "VM_RESUMED", NULL);
    g_autofree char *host = get_field (sim, "VM", "OpaqueRef:vm3", "resident_on");
    g_autoptr(GVariant) hrec = get_record (sim, "host", host);
    g_autofree char *expected =
      g_strdup_printf ("VM 'vm three' (uuid: vm-uuid-3) resumed on host: %s (uuid: %s)",
                       rec_str (hrec, "name_label"), rec_str (hrec, "uuid"));

    g_assert_nonnull (suspended);
    g_assert_cmpstr (rec_str (suspended, "body"), ==, "VM 'vm three' (uuid: vm-uuid-3) suspended");
    g_assert_nonnull (resumed);
    g_assert_cmpstr (rec_str (resumed, "body"), ==, expected);
  }
  {
    g_autoptr(GVariant) r = rpc (sim, "VM.hard_shutdown",
                                 g_variant_new ("(ss)", s, "OpaqueRef:vm3"));
  }

  /* Snapshots and reverts are announced too, about the VM. */
  {
    g_autoptr(GVariant) snap = rpc (sim, "VM.snapshot", g_variant_new ("(sss)", s, "OpaqueRef:vm3",
                                                                       "before upgrade"));
    g_autoptr(GVariant) r = rpc (sim, "VM.revert",
                                 g_variant_new ("(ss)", s, g_variant_get_string (snap, NULL)));
    g_autoptr(GVariant) msgs = rpc (sim, "message.get_all_records", g_variant_new ("(s)", s));
    g_autoptr(GVariant) taken = find_message (msgs, "VM_SNAPSHOTTED", NULL);
    g_autoptr(GVariant) reverted = find_message (msgs, "VM_SNAPSHOT_REVERTED", NULL);
    g_autofree char *snap_uuid = get_field (sim, "VM", g_variant_get_string (snap, NULL), "uuid");
    g_autofree char *expected = g_strdup_printf ("VM 'vm three' (uuid: vm-uuid-3) reverted to "
                                                 "snapshot: before upgrade (uuid %s)", snap_uuid);

    g_assert_nonnull (taken);
    g_assert_cmpstr (rec_str (taken, "obj_uuid"), ==, "vm-uuid-3");
    g_assert_cmpstr (rec_str (taken, "body"), ==,
                     "VM 'vm three' (uuid: vm-uuid-3) snapshotted, snapshot name: before upgrade");
    g_assert_nonnull (reverted);
    g_assert_cmpstr (rec_str (reverted, "obj_uuid"), ==, "vm-uuid-3");
    g_assert_cmpstr (rec_str (reverted, "body"), ==, expected);
  }

  /* event.from counts no messages in valid_ref_counts (they are not in xapi's database). */
  {
    const char *classes[] = { "message", NULL };
    g_autoptr(GVariant) r = rpc (sim, "event.from",
                                 g_variant_new ("(s^assd)", s, classes, "", 0.0));
    g_autoptr(GVariant) counts = g_variant_lookup_value (r, "valid_ref_counts", NULL);
    g_autoptr(GVariant) n = g_variant_lookup_value (counts, "message", NULL);

    g_assert_nonnull (n);
    g_assert_cmpint (g_variant_get_int64 (n), ==, 0);
  }

  sim_stop (sim);
}

/* perfmon's SR space alarm: other_config:perfmon with a physical_utilisation variable. */
static void
test_sr_alarm (void)
{
  Sim *sim = sim_start (NULL);
  const char *s = sim->session;
  const char *config = "<config><variable><name value=\"physical_utilisation\"/>"
                       "<alarm_trigger_level value=\"0.85\"/></variable></config>";
  g_autoptr(GVariant) v = NULL;
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GVariant) alarm = NULL;
  GVariantIter iter;
  const char *ref;
  GVariant *rec;
  guint n = 0;

  /* sr1 is nearly empty: a config there raises nothing. */
  v = rpc (sim, "SR.add_to_other_config",
           g_variant_new ("(ssss)", s, "OpaqueRef:sr1", "perfmon", config));
  g_clear_pointer (&v, g_variant_unref);
  all = rpc (sim, "message.get_all_records", g_variant_new ("(s)", s));
  g_assert_null (find_message (all, "ALARM", NULL));
  g_clear_pointer (&all, g_variant_unref);

  /* sr3 is 90% full. */
  v = rpc (sim, "SR.add_to_other_config",
           g_variant_new ("(ssss)", s, "OpaqueRef:sr3", "perfmon", config));
  g_clear_pointer (&v, g_variant_unref);
  v = rpc (sim, "SR.set_name_description", g_variant_new ("(sss)", s, "OpaqueRef:sr3", "again"));
  g_clear_pointer (&v, g_variant_unref);
  all = rpc (sim, "message.get_all_records", g_variant_new ("(s)", s));
  alarm = find_message (all, "ALARM", NULL);
  g_assert_nonnull (alarm);
  g_assert_cmpstr (rec_str (alarm, "cls"), ==, "SR");
  g_assert_cmpstr (rec_str (alarm, "obj_uuid"), ==, "sr-uuid-3");
  g_assert_cmpstr (rec_str (alarm, "priority"), ==, "3");
  g_assert_cmpstr (rec_str (alarm, "body"), ==,
                   "value: 0.900000\nconfig:\n<variable>\n"
                   "\t<name value=\"physical_utilisation\"/>\n"
                   "\t<alarm_trigger_level value=\"0.85\"/>\n</variable>\n");
  /* Once per inhibit period, however many calls follow. */
  g_variant_iter_init (&iter, all);
  while (g_variant_iter_next (&iter, "{&sv}", &ref, &rec))
    {
      n += g_str_equal (rec_str (rec, "name"), "ALARM");
      g_variant_unref (rec);
    }
  g_assert_cmpuint (n, ==, 1);

  sim_stop (sim);
}

/* ---- the pool ---------------------------------------------------------------------------- */

static void
test_designate_new_master (void)
{
  /* Slow tasks (2 s before the call, 2 s in it), to meet the designation in progress. */
  const char *const args[] = { "--speed=4", NULL };
  Sim *sim = sim_start (args);
  const char *s = sim->session;
  g_autoptr(GVariant) v = NULL;
  g_autoptr(GVariant) session2 = NULL;
  g_autoptr(GVariant) master = NULL;
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GVariant) transition = NULL;
  g_autoptr(GVariant) local3 = NULL;

  /* Designating the coordinator itself changes nothing. */
  v = rpc (sim, "pool.designate_new_master", g_variant_new ("(ss)", s, "OpaqueRef:host1"));
  g_clear_pointer (&v, g_variant_unref);
  expect_error (sim, "127.0.0.2", "session.login_with_password",
                g_variant_new ("(ss)", "root", "xenroot"), "HOST_IS_SLAVE", "127.0.0.1", NULL);

  /* A local session on host3, which restarts nothing, outlives the transition. */
  {
    g_autoptr(GError) error = NULL;
    local3 = rpc_at (sim, "127.0.0.3", "session.slave_local_login_with_password",
                     g_variant_new ("(ss)", "root", "xenroot"), &error);
    g_assert_no_error (error);
  }
  /* Idle, the pool offers xapi's operations; with HA off, not ha_disable. */
  {
    g_autoptr(GVariant) ops = rpc (sim, "pool.get_allowed_operations",
                                   g_variant_new ("(ss)", s, "OpaqueRef:pool1"));
    g_assert_true (set_contains (ops, "designate_new_master"));
    g_assert_true (set_contains (ops, "eject"));
    g_assert_true (set_contains (ops, "ha_enable"));
    g_assert_false (set_contains (ops, "ha_disable"));
  }
  /* Asynchronously, to meet it in progress: another designation and an eject are refused. */
  v = rpc (sim, "Async.pool.designate_new_master", g_variant_new ("(ss)", s, "OpaqueRef:host2"));
  {
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    g_autoptr(GVariant) task = NULL;

    for (;;)
      {
        g_autoptr(GVariant) cur = rpc (sim, "pool.get_current_operations",
                                       g_variant_new ("(ss)", s, "OpaqueRef:pool1"));
        if (g_variant_n_children (cur) > 0)
          break;
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_usleep (10 * 1000);
      }
    expect_error (sim, "127.0.0.1", "pool.designate_new_master",
                  g_variant_new ("(ss)", s, "OpaqueRef:host3"), "DESIGNATE_NEW_MASTER_IN_PROGRESS",
                  NULL);
    expect_error (sim, "127.0.0.1", "pool.eject", g_variant_new ("(ss)", s, "OpaqueRef:host3"),
                  "OTHER_OPERATION_IN_PROGRESS", "pool", "OpaqueRef:pool1", NULL);
    {
      g_autoptr(GVariant) ops = rpc (sim, "pool.get_allowed_operations",
                                     g_variant_new ("(ss)", s, "OpaqueRef:pool1"));
      g_assert_cmpuint (g_variant_n_children (ops), ==, 0);
    }
    /* Done when host2 takes logins (the old sessions end with it); tasks are kept. */
    for (;;)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) fresh = rpc_at (sim, "127.0.0.2", "session.login_with_password",
                                            g_variant_new ("(ss)", "root", "xenroot"), &error);

        if (fresh != NULL)
          {
            g_autoptr(GError) terr = NULL;
            task = rpc_at (sim, "127.0.0.2", "task.get_record",
                           g_variant_new ("(ss)", g_variant_get_string (fresh, NULL),
                                          g_variant_get_string (v, NULL)), &terr);
            g_assert_no_error (terr);
            break;
          }
        g_assert_cmpstr (lagoon_xenapi_error_get_code_string (error), ==, "HOST_IS_SLAVE");
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_usleep (10 * 1000);
      }
    g_assert_cmpstr (rec_str (task, "status"), ==, "success");
  }
  g_clear_pointer (&v, g_variant_unref);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) still = rpc_at (sim, "127.0.0.3", "host.get_name_label",
                                        g_variant_new ("(ss)", g_variant_get_string (local3, NULL),
                                                       "OpaqueRef:host3"), &error);
    g_assert_no_error (error);
  }

  /* Sessions end with the old coordinator's toolstack; its address now sends clients on. */
  expect_error (sim, "127.0.0.1", "pool.get_all", g_variant_new ("(s)", s), "SESSION_INVALID", s,
                NULL);
  expect_error (sim, "127.0.0.1", "session.login_with_password",
                g_variant_new ("(ss)", "root", "xenroot"), "HOST_IS_SLAVE", "127.0.0.2", NULL);
  {
    g_autoptr(GError) error = NULL;
    session2 = rpc_at (sim, "127.0.0.2", "session.login_with_password",
                       g_variant_new ("(ss)", "root", "xenroot"), &error);
    g_assert_no_error (error);
    master = rpc_at (sim, "127.0.0.2", "pool.get_master",
                     g_variant_new ("(ss)", g_variant_get_string (session2, NULL),
                                    "OpaqueRef:pool1"), &error);
    g_assert_no_error (error);
    g_assert_cmpstr (g_variant_get_string (master, NULL), ==, "OpaqueRef:host2");
    /* A session of the new coordinator used at the old one's address is sent on. */
    {
      g_autoptr(GError) slave_error = NULL;
      g_autoptr(GVariant) r = rpc_at (sim, "127.0.0.1", "pool.get_all",
                                      g_variant_new ("(s)", g_variant_get_string (session2, NULL)),
                                      &slave_error);
      g_assert_null (r);
      g_assert_cmpstr (lagoon_xenapi_error_get_code_string (slave_error), ==, "HOST_IS_SLAVE");
      g_assert_cmpstr (lagoon_xenapi_error_get_param (slave_error, 0), ==, "127.0.0.2");
    }
    all = rpc_at (sim, "127.0.0.2", "message.get_all_records",
                  g_variant_new ("(s)", g_variant_get_string (session2, NULL)), &error);
    g_assert_no_error (error);
  }
  /* The new coordinator says so with an alert about itself. */
  transition = find_message (all, "POOL_MASTER_TRANSITION", NULL);
  g_assert_nonnull (transition);
  g_assert_cmpstr (rec_str (transition, "cls"), ==, "Host");
  g_assert_cmpstr (rec_str (transition, "obj_uuid"), ==, "host-uuid-2");
  /* Ints travel untyped, as xapi writes them. */
  g_assert_cmpstr (rec_str (transition, "priority"), ==, "4");
  /* A supporter's local session still works on host1, and an emergency transition takes it back. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) local = rpc_at (sim, "127.0.0.1", "session.slave_local_login_with_password",
                                        g_variant_new ("(ss)", "root", "xenroot"), &error);
    g_autoptr(GVariant) r = NULL;
    g_autoptr(GVariant) login = NULL;

    g_assert_no_error (error);
    r = rpc_at (sim, "127.0.0.1", "pool.emergency_transition_to_master",
                g_variant_new ("(s)", g_variant_get_string (local, NULL)), &error);
    g_assert_no_error (error);
    login = rpc_at (sim, "127.0.0.1", "session.login_with_password",
                    g_variant_new ("(ss)", "root", "xenroot"), &error);
    g_assert_no_error (error);
  }

  sim_stop (sim);
}

static void
test_eject (void)
{
  Sim *sim = sim_start (NULL);
  const char *s = sim->session;
  g_autoptr(GVariant) v = NULL;
  g_autoptr(GVariant) hosts = NULL;
  g_autoptr(GVariant) vm3 = NULL;

  expect_error (sim, "127.0.0.1", "pool.eject", g_variant_new ("(ss)", s, "OpaqueRef:host1"),
                "INTERNAL_ERROR", "Xapi_pool.Cannot_eject_master", NULL);
  expect_error (sim, "127.0.0.1", "pool.eject", g_variant_new ("(ss)", s, "OpaqueRef:host2"),
                "OPERATION_NOT_ALLOWED", "VM resident on host", NULL);
  /* Nothing was left behind by the failures. */
  {
    g_autoptr(GVariant) ops = rpc (sim, "pool.get_current_operations",
                                   g_variant_new ("(ss)", s, "OpaqueRef:pool1"));
    g_assert_cmpuint (g_variant_n_children (ops), ==, 0);
  }

  v = rpc (sim, "pool.eject", g_variant_new ("(ss)", s, "OpaqueRef:host3"));
  g_clear_pointer (&v, g_variant_unref);
  hosts = rpc (sim, "host.get_all", g_variant_new ("(s)", s));
  g_assert_cmpuint (g_variant_n_children (hosts), ==, 2);
  g_assert_false (set_contains (hosts, "OpaqueRef:host3"));
  /* Its control domain, metrics, PIF, PBD and local SR (with its disk) went with it. */
  expect_error (sim, "127.0.0.1", "VM.get_record", g_variant_new ("(ss)", s, "OpaqueRef:dom3"),
                "HANDLE_INVALID", "VM", "OpaqueRef:dom3", NULL);
  expect_error (sim, "127.0.0.1", "host_metrics.get_record",
                g_variant_new ("(ss)", s, "OpaqueRef:hm3"),
                "HANDLE_INVALID", "host_metrics", "OpaqueRef:hm3", NULL);
  expect_error (sim, "127.0.0.1", "PIF.get_record", g_variant_new ("(ss)", s, "OpaqueRef:pif3"),
                "HANDLE_INVALID", "PIF", "OpaqueRef:pif3", NULL);
  expect_error (sim, "127.0.0.1", "PBD.get_record", g_variant_new ("(ss)", s, "OpaqueRef:pbd3"),
                "HANDLE_INVALID", "PBD", "OpaqueRef:pbd3", NULL);
  expect_error (sim, "127.0.0.1", "SR.get_record", g_variant_new ("(ss)", s, "OpaqueRef:sr3"),
                "HANDLE_INVALID", "SR", "OpaqueRef:sr3", NULL);
  expect_error (sim, "127.0.0.1", "VDI.get_record", g_variant_new ("(ss)", s, "OpaqueRef:vdi3"),
                "HANDLE_INVALID", "VDI", "OpaqueRef:vdi3", NULL);
  /* The shared SR and the halted VM stay; the VM lost the disk that was on host3. */
  v = rpc (sim, "SR.get_record", g_variant_new ("(ss)", s, "OpaqueRef:sr1"));
  g_clear_pointer (&v, g_variant_unref);
  vm3 = get_record (sim, "VM", "OpaqueRef:vm3");
  {
    g_autoptr(GVariant) vbds = g_variant_lookup_value (vm3, "VBDs", NULL);
    g_assert_cmpuint (g_variant_n_children (vbds), ==, 0);
  }
  expect_error (sim, "127.0.0.1", "pool.eject", g_variant_new ("(ss)", s, "OpaqueRef:host3"),
                "HANDLE_INVALID", "host", "OpaqueRef:host3", NULL);

  sim_stop (sim);
}

static void
test_join (void)
{
  Sim *sim = sim_start (NULL);
  const char *s = sim->session;

  expect_error (sim, "127.0.0.1", "pool.join",
                g_variant_new ("(ssss)", s, "127.0.0.2", "root", "xenroot"),
                "HOST_IS_SLAVE", "127.0.0.1", NULL);
  expect_error (sim, "127.0.0.1", "pool.join",
                g_variant_new ("(ssss)", s, "127.0.0.1", "root", "wrong"),
                "SESSION_AUTHENTICATION_FAILED", "root", "Authentication failure", NULL);
  expect_error (sim, "127.0.0.1", "pool.join",
                g_variant_new ("(ssss)", s, "127.0.0.1", "root", "xenroot"),
                "OPERATION_NOT_ALLOWED", "Host is already part of a pool", NULL);
  expect_error (sim, "127.0.0.1", "pool.join",
                g_variant_new ("(ssss)", s, "127.0.9.9", "root", "xenroot"),
                "POOL_JOINING_HOST_CONNECTION_FAILED", NULL);
  /* The asynchronous form fails its task with the same error. */
  {
    g_autoptr(GVariant) t = rpc (sim, "Async.pool.join",
                                 g_variant_new ("(ssss)", s, "127.0.0.1", "root", "xenroot"));
    g_autoptr(GVariant) task = wait_task (sim, g_variant_get_string (t, NULL));
    g_autoptr(GVariant) info = g_variant_lookup_value (task, "error_info", NULL);

    g_assert_cmpstr (rec_str (task, "status"), ==, "failure");
    g_assert_true (set_contains (info, "OPERATION_NOT_ALLOWED"));
    g_assert_true (set_contains (info, "Host is already part of a pool"));
  }
  /* Four parameters are needed. */
  expect_error (sim, "127.0.0.1", "pool.join", g_variant_new ("(sss)", s, "127.0.0.1", "root"),
                "MESSAGE_PARAMETER_COUNT_MISMATCH", "pool.join", "4", "3", NULL);

  sim_stop (sim);
}

/* ---- XVA export and import ---------------------------------------------------------------- */

static void
test_xxh64 (void)
{
  /* The reference implementation's values for seed 0. */
  g_assert_cmphex (sim_xxh64 ((const guint8 *) "", 0), ==, G_GUINT64_CONSTANT (0xEF46DB3751D8E999));
  g_assert_cmphex (sim_xxh64 ((const guint8 *) "abc", 3), ==,
                   G_GUINT64_CONSTANT (0x44BC2CF5AD770999));
}

static char *
new_task (Sim *sim)
{
  g_autoptr(GVariant) t = rpc (sim, "task.create",
                               g_variant_new ("(sss)", sim->session, "xva", ""));

  return g_variant_dup_string (t, NULL);
}

static void
run_tar (const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("tar failed: %s", err);
}

/* GET /export of @vm into @dir/@name (extracted into @dir/x when @extract); returns the status. */
static int
export_vm (Sim        *sim,
           const char *vm,
           const char *task,
           const char *extra,
           const char *path,
           char      **headers)
{
  g_autofree char *url = g_strdup_printf ("/export?ref=%s&session_id=%s%s%s%s", vm, sim->session,
                                          task != NULL ? "&task_id=" : "", task != NULL ? task : "",
                                          extra != NULL ? extra : "");
  g_autoptr(GBytes) body = NULL;
  int status = http_request (sim, "127.0.0.1", "GET", url, NULL, NULL, 0, &body, headers);

  if (status == 200 && path != NULL)
    g_assert_true (g_file_set_contents (path, g_bytes_get_data (body, NULL),
                                        (gssize) g_bytes_get_size (body),
                                        NULL));
  return status;
}

static int
import_file (Sim        *sim,
             const char *path,
             const char *query,
             char      **headers)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autofree char *url = g_strdup_printf ("/import?session_id=%s%s", sim->session, query);

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return http_request (sim, "127.0.0.1", "PUT", url, "application/octet-stream", data, len, NULL,
                       headers);
}

static GVariant *
task_record (Sim        *sim,
             const char *task)
{
  return get_record (sim, "task", task);
}

static void
assert_task_failed (Sim        *sim,
                    const char *task,
                    const char *code)
{
  g_autoptr(GVariant) rec = task_record (sim, task);
  g_autoptr(GVariant) info = g_variant_lookup_value (rec, "error_info", NULL);
  g_autoptr(GVariant) first = NULL;
  g_autoptr(GVariant) inner = NULL;

  g_assert_cmpstr (rec_str (rec, "status"), ==, "failure");
  g_assert_nonnull (info);
  g_assert_cmpuint (g_variant_n_children (info), >=, 1);
  first = g_variant_get_child_value (info, 0);
  inner = g_variant_get_variant (first);
  g_assert_cmpstr (g_variant_get_string (inner, NULL), ==, code);
}

/* The VM refs in a successful import task's result. */
static GVariant *
task_result (Sim        *sim,
             const char *task)
{
  g_autoptr(GVariant) rec = task_record (sim, task);
  const char *result = rec_str (rec, "result");
  g_autoptr(GError) error = NULL;
  GVariant *v;

  g_assert_cmpstr (rec_str (rec, "status"), ==, "success");
  v = lagoon_xmlrpc_parse_value_fragment (result, strlen (result), &error);
  g_assert_no_error (error);
  return v;
}

static char *
find_ref_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, "Ref:"))
      return g_strdup (name);
  return NULL;
}

static void
rm_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
      const char *name;

      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          rm_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_remove (path);
}

static char *
checksum_text (const guint8 *data,
               gsize         len)
{
  return g_strdup_printf ("%016" G_GINT64_MODIFIER "X", sim_xxh64 (data, len));
}

static void
test_export_import (void)
{
  Sim *sim = sim_start (NULL);
  const char *s = sim->session;
  g_autofree char *dir = g_dir_make_tmp ("sim-host-xva-XXXXXX", NULL);
  g_autofree char *xva = g_build_filename (dir, "vm3.xva", NULL);
  g_autofree char *x = g_build_filename (dir, "x", NULL);
  g_autofree char *task = new_task (sim);
  g_autofree char *headers = NULL;
  g_autofree char *expect_header = NULL;
  g_autofree char *ova_path = NULL;
  g_autofree char *ova = NULL;
  g_autofree char *refdir = NULL;
  g_autoptr(GVariant) header = NULL;
  g_autoptr(GVariant) version = NULL;
  g_autoptr(GVariant) objects = NULL;
  g_autoptr(GHashTable) classes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GVariant) trec = NULL;
  gsize ova_len;
  int status;

  /* Export: a tar with ova.xml first, then the 2 MiB disk's two chunks with their checksums. */
  status = export_vm (sim, "OpaqueRef:vm3", task, NULL, xva, &headers);
  g_assert_cmpint (status, ==, 200);
  expect_header = g_strdup_printf ("task-id: %s", task);
  g_assert_nonnull (strstr (headers, expect_header));
  g_assert_nonnull (strstr (headers, "Content-Type: application/octet-stream"));
  trec = task_record (sim, task);
  g_assert_cmpstr (rec_str (trec, "status"), ==, "success");

  g_mkdir (x, 0700);
  {
    const char *argv[] = { "tar", "-xf", xva, "-C", x, NULL };
    run_tar (argv);
  }
  ova_path = g_build_filename (x, "ova.xml", NULL);
  g_assert_true (g_file_get_contents (ova_path, &ova, &ova_len, NULL));
  refdir = find_ref_dir (x);
  g_assert_nonnull (refdir);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *chunk = g_strdup_printf ("%s/%s/%08u", x, refdir, i);
      g_autofree char *sum_path = g_strconcat (chunk, ".xxhash", NULL);
      g_autofree char *data = NULL;
      g_autofree char *sum = NULL;
      g_autofree char *expected = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (chunk, &data, &len, NULL));
      g_assert_cmpuint (len, ==, 1024 * 1024);
      g_assert_true (g_file_get_contents (sum_path, &sum, NULL, NULL));
      expected = checksum_text ((const guint8 *) data, len);
      g_assert_cmpstr (sum, ==, expected);
    }

  {
    g_autoptr(GError) error = NULL;
    header = lagoon_xmlrpc_parse_value_fragment (ova, ova_len, &error);
    g_assert_no_error (error);
  }
  version = g_variant_lookup_value (header, "version", NULL);
  g_assert_cmpstr (rec_str (version, "export_vsn"), ==, "2");
  objects = g_variant_lookup_value (header, "objects", NULL);
  for (gsize i = 0; i < g_variant_n_children (objects); i++)
    {
      g_autoptr(GVariant) boxed = g_variant_get_child_value (objects, i);
      g_autoptr(GVariant) obj = g_variant_get_variant (boxed);
      g_autoptr(GVariant) snap = g_variant_lookup_value (obj, "snapshot", NULL);
      const char *cls = rec_str (obj, "class");

      g_hash_table_add (classes, (gpointer) g_intern_string (cls));
      g_assert_true (g_str_has_prefix (rec_str (obj, "id"), "Ref:"));
      if (g_str_equal (cls, "VM"))
        {
          g_autoptr(GVariant) vbds = g_variant_lookup_value (snap, "VBDs", NULL);
          g_assert_cmpstr (rec_str (snap, "name_label"), ==, "vm three");
          g_assert_cmpstr (rec_str (snap, "power_state"), ==, "Halted");
          g_assert_cmpuint (g_variant_n_children (vbds), ==, 1);
        }
      if (g_str_equal (cls, "VDI"))
        g_assert_cmpstr (rec_str (obj, "id"), ==, refdir);
    }
  g_assert_cmpuint (g_hash_table_size (classes), ==, 6);
  for (guint i = 0; i < 6; i++)
    {
      static const char *const want[] = { "VM", "VBD", "VIF", "network", "VDI", "SR" };
      g_assert_true (g_hash_table_contains (classes, g_intern_string (want[i])));
    }

  /* Put data in the second chunk, repack with tar itself, import into the shared SR. */
  {
    g_autofree char *chunk = g_strdup_printf ("%s/%s/00000001", x, refdir);
    g_autofree char *sum_path = g_strconcat (chunk, ".xxhash", NULL);
    g_autofree guint8 *pattern = g_malloc (1024 * 1024);
    g_autofree char *sum = NULL;
    g_autofree char *packed = g_build_filename (dir, "patched.xva", NULL);
    g_autofree char *m0 = g_strdup_printf ("%s/00000000", refdir);
    g_autofree char *m0s = g_strdup_printf ("%s/00000000.xxhash", refdir);
    g_autofree char *m1 = g_strdup_printf ("%s/00000001", refdir);
    g_autofree char *m1s = g_strdup_printf ("%s/00000001.xxhash", refdir);
    g_autofree char *task2 = new_task (sim);
    g_autofree char *query = g_strdup_printf ("&sr_id=OpaqueRef:sr1&task_id=%s", task2);
    g_autofree char *vm_ref = NULL;
    g_autofree char *again = g_build_filename (dir, "again.xva.gz", NULL);
    g_autofree char *y = g_build_filename (dir, "y", NULL);
    g_autoptr(GVariant) result = NULL;
    g_autoptr(GVariant) vm = NULL;
    g_autoptr(GVariant) vbds = NULL;
    g_autoptr(GVariant) vifs = NULL;
    g_autoptr(GVariant) other = NULL;
    g_autofree char *vdi = NULL;
    g_autofree char *vbd = NULL;
    g_autofree char *vif = NULL;

    for (guint i = 0; i < 1024 * 1024; i++)
      pattern[i] = (guint8) (i * 7 + 1);
    g_assert_true (g_file_set_contents (chunk, (const char *) pattern, 1024 * 1024, NULL));
    sum = checksum_text (pattern, 1024 * 1024);
    g_assert_true (g_file_set_contents (sum_path, sum, -1, NULL));
    {
      const char *argv[] = { "tar", "--format=ustar", "-cf", packed, "-C", x, "ova.xml", m0, m0s,
                            m1, m1s, NULL };
      run_tar (argv);
    }
    g_clear_pointer (&headers, g_free);
    status = import_file (sim, packed, query, &headers);
    g_assert_cmpint (status, ==, 200);
    g_clear_pointer (&expect_header, g_free);
    expect_header = g_strdup_printf ("task-id: %s", task2);
    g_assert_nonnull (strstr (headers, expect_header));
    result = task_result (sim, task2);
    g_assert_cmpuint (g_variant_n_children (result), ==, 1);
    {
      g_autoptr(GVariant) boxed = g_variant_get_child_value (result, 0);
      g_autoptr(GVariant) inner = g_variant_get_variant (boxed);
      vm_ref = g_variant_dup_string (inner, NULL);
    }
    g_assert_cmpstr (vm_ref, !=, "OpaqueRef:vm3");
    vm = get_record (sim, "VM", vm_ref);
    g_assert_cmpstr (rec_str (vm, "name_label"), ==, "vm three");
    g_assert_cmpstr (rec_str (vm, "power_state"), ==, "Halted");
    {
      g_autoptr(GVariant) ops = g_variant_lookup_value (vm, "allowed_operations", NULL);
      g_assert_true (set_contains (ops, "start"));
      g_assert_true (set_contains (ops, "export"));
    }
    g_assert_cmpstr (rec_str (vm, "uuid"), !=, "vm-uuid-3");
    other = g_variant_lookup_value (vm, "other_config", NULL);
    g_assert_cmpstr (rec_str (other, "import_task"), ==, task2);
    g_assert_cmpstr (rec_str (other, "mac_seed"), !=, "");
    vbds = g_variant_lookup_value (vm, "VBDs", NULL);
    vifs = g_variant_lookup_value (vm, "VIFs", NULL);
    g_assert_cmpuint (g_variant_n_children (vbds), ==, 1);
    g_assert_cmpuint (g_variant_n_children (vifs), ==, 1);
    {
      g_autoptr(GVariant) b = g_variant_get_child_value (vbds, 0);
      g_autoptr(GVariant) i = g_variant_get_variant (b);
      vbd = g_variant_dup_string (i, NULL);
    }
    {
      g_autoptr(GVariant) b = g_variant_get_child_value (vifs, 0);
      g_autoptr(GVariant) i = g_variant_get_variant (b);
      vif = g_variant_dup_string (i, NULL);
    }
    vdi = get_field (sim, "VBD", vbd, "VDI");
    {
      g_autofree char *sr = get_field (sim, "VDI", vdi, "SR");
      g_autofree char *size = get_field (sim, "VDI", vdi, "virtual_size");
      g_autofree char *net = get_field (sim, "VIF", vif, "network");
      g_autofree char *mac = get_field (sim, "VIF", vif, "MAC");

      g_assert_cmpstr (sr, ==, "OpaqueRef:sr1");
      g_assert_cmpstr (size, ==, "2097152");
      g_assert_cmpstr (net, ==, "OpaqueRef:net1");  /* found by name */
      g_assert_cmpstr (mac, ==, "aa:bb:cc:dd:ee:03");
    }

    /* The disk came in: a gzip export of the new VM carries the pattern back. */
    status = export_vm (sim, vm_ref, NULL, "&use_compression=true", again, NULL);
    g_assert_cmpint (status, ==, 200);
    {
      g_autofree char *data = NULL;
      gsize len;
      g_autofree char *ydir = NULL;
      g_autofree char *back = NULL;
      g_autofree char *back_data = NULL;

      g_assert_true (g_file_get_contents (again, &data, &len, NULL));
      g_assert_cmpuint (len, >, 2);
      g_assert_cmpuint ((guint8) data[0], ==, 0x1f);
      g_assert_cmpuint ((guint8) data[1], ==, 0x8b);
      g_mkdir (y, 0700);
      {
        const char *argv[] = { "tar", "-xzf", again, "-C", y, NULL };
        run_tar (argv);
      }
      ydir = find_ref_dir (y);
      back = g_strdup_printf ("%s/%s/00000001", y, ydir);
      g_assert_true (g_file_get_contents (back, &back_data, &len, NULL));
      g_assert_cmpuint (len, ==, 1024 * 1024);
      g_assert_true (memcmp (back_data, pattern, len) == 0);
    }

    /* An SR without room: VDI.create's SR_FULL fails the import, nothing is left behind. */
    {
      g_autoptr(GVariant) before = rpc (sim, "VM.get_all", g_variant_new ("(s)", s));
      g_autoptr(GVariant) vdis_before = rpc (sim, "VDI.get_all", g_variant_new ("(s)", s));
      g_autoptr(GVariant) after = NULL;
      g_autoptr(GVariant) vdis_after = NULL;
      g_autofree char *task4 = new_task (sim);
      g_autofree char *q4 = g_strdup_printf ("&sr_id=OpaqueRef:sr2&task_id=%s", task4);

      status = import_file (sim, packed, q4, NULL);
      g_assert_cmpint (status, ==, 200);
      assert_task_failed (sim, task4, "SR_FULL");
      after = rpc (sim, "VM.get_all", g_variant_new ("(s)", s));
      vdis_after = rpc (sim, "VDI.get_all", g_variant_new ("(s)", s));
      g_assert_cmpuint (g_variant_n_children (after), ==, g_variant_n_children (before));
      g_assert_cmpuint (g_variant_n_children (vdis_after), ==, g_variant_n_children (vdis_before));
    }

    /* A wrong checksum fails the import and leaves nothing behind. */
    {
      g_autoptr(GVariant) before = rpc (sim, "VM.get_all", g_variant_new ("(s)", s));
      g_autoptr(GVariant) after = NULL;
      g_autofree char *task3 = new_task (sim);
      g_autofree char *q3 = g_strdup_printf ("&sr_id=OpaqueRef:sr1&task_id=%s", task3);

      g_assert_true (g_file_set_contents (sum_path, "0123456789ABCDEF", -1, NULL));
      {
        const char *argv[] = { "tar", "--format=ustar", "-cf", packed, "-C", x, "ova.xml", m0, m0s,
                              m1, m1s, NULL };
        run_tar (argv);
      }
      status = import_file (sim, packed, q3, NULL);
      g_assert_cmpint (status, ==, 200);
      assert_task_failed (sim, task3, "IMPORT_ERROR_SOME_CHECKSUMS_FAILED");
      after = rpc (sim, "VM.get_all", g_variant_new ("(s)", s));
      g_assert_cmpuint (g_variant_n_children (after), ==, g_variant_n_children (before));
    }
  }

  rm_tree (dir);
  sim_stop (sim);
}

static void
test_export_import_errors (void)
{
  Sim *sim = sim_start (NULL);
  g_autofree char *dir = g_dir_make_tmp ("sim-host-xva-XXXXXX", NULL);
  g_autofree char *task = new_task (sim);
  g_autofree char *garbage = g_build_filename (dir, "garbage.xva", NULL);
  g_autofree char *readme = g_build_filename (dir, "readme", NULL);
  g_autofree char *wrong = g_build_filename (dir, "wrong.tgz", NULL);
  g_autofree char *url = NULL;
  g_autoptr(GBytes) body = NULL;
  int status;

  /* No session: 401. */
  status = http_request (sim, "127.0.0.1", "GET", "/export?ref=OpaqueRef:vm3", NULL, NULL, 0, NULL,
                         NULL);
  g_assert_cmpint (status, ==, 401);
  url = g_strdup_printf ("/export?ref=OpaqueRef:vm3&session_id=OpaqueRef:bogus");
  status = http_request (sim, "127.0.0.1", "GET", url, NULL, NULL, 0, NULL, NULL);
  g_assert_cmpint (status, ==, 401);

  /* A running VM cannot be exported; the task says why. */
  status = export_vm (sim, "OpaqueRef:vm1", task, NULL, NULL, NULL);
  g_assert_cmpint (status, ==, 500);
  assert_task_failed (sim, task, "VM_BAD_POWER_STATE");
  {
    g_autoptr(GVariant) rec = task_record (sim, task);
    g_autoptr(GVariant) info = g_variant_lookup_value (rec, "error_info", NULL);
    g_assert_true (set_contains (info, "OpaqueRef:vm1"));
    g_assert_true (set_contains (info, "halted, suspended"));
    g_assert_true (set_contains (info, "running"));
  }

  /* Not a tar at all. */
  g_assert_true (g_file_set_contents (garbage, "this is not an XVA archive", -1, NULL));
  g_clear_pointer (&task, g_free);
  task = new_task (sim);
  {
    g_autofree char *q = g_strdup_printf ("&task_id=%s", task);
    status = import_file (sim, garbage, q, NULL);
  }
  g_assert_cmpint (status, ==, 200);
  assert_task_failed (sim, task, "IMPORT_ERROR_PREMATURE_EOF");

  /* A gzipped tar whose first member is not ova.xml. */
  g_assert_true (g_file_set_contents (readme, "hello", -1, NULL));
  {
    const char *argv[] = { "tar", "--format=ustar", "-czf", wrong, "-C", dir, "readme", NULL };
    run_tar (argv);
  }
  g_clear_pointer (&task, g_free);
  task = new_task (sim);
  {
    g_autofree char *q = g_strdup_printf ("&task_id=%s", task);
    status = import_file (sim, wrong, q, NULL);
  }
  g_assert_cmpint (status, ==, 200);
  assert_task_failed (sim, task, "IMPORT_ERROR_UNEXPECTED_FILE");
  {
    g_autoptr(GVariant) rec = task_record (sim, task);
    g_autoptr(GVariant) info = g_variant_lookup_value (rec, "error_info", NULL);
    g_assert_true (set_contains (info, "ova.xml"));
    g_assert_true (set_contains (info, "readme"));
  }

  /* An unknown SR. */
  g_clear_pointer (&task, g_free);
  task = new_task (sim);
  {
    g_autofree char *q = g_strdup_printf ("&task_id=%s&sr_id=OpaqueRef:nosr", task);
    status = import_file (sim, garbage, q, NULL);
  }
  g_assert_cmpint (status, ==, 404);
  assert_task_failed (sim, task, "HANDLE_INVALID");

  rm_tree (dir);
  sim_stop (sim);
}

/* preserve_power_state=true: a suspended VM travels with its memory image and comes back
 * suspended, ready to resume. */
static void
test_export_suspended (void)
{
  Sim *sim = sim_start (NULL);
  const char *s = sim->session;
  g_autofree char *dir = g_dir_make_tmp ("sim-host-xva-XXXXXX", NULL);
  g_autofree char *plain = g_build_filename (dir, "plain.xva", NULL);
  g_autofree char *kept = g_build_filename (dir, "kept.xva", NULL);
  g_autofree char *x = g_build_filename (dir, "x", NULL);
  g_autofree char *task = NULL;
  g_autofree char *q = NULL;
  g_autofree char *vm_ref = NULL;
  g_autoptr(GVariant) v = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) vm = NULL;
  guint n_dirs = 0;

  v = rpc (sim, "VM.start", g_variant_new ("(ssbb)", s, "OpaqueRef:vm3", FALSE, FALSE));
  g_clear_pointer (&v, g_variant_unref);
  v = rpc (sim, "VM.suspend", g_variant_new ("(ss)", s, "OpaqueRef:vm3"));
  g_clear_pointer (&v, g_variant_unref);

  g_assert_cmpint (export_vm (sim, "OpaqueRef:vm3", NULL, NULL, plain, NULL), ==, 200);
  g_assert_cmpint (export_vm (sim, "OpaqueRef:vm3", NULL, "&preserve_power_state=true", kept, NULL),
                   ==, 200);
  g_mkdir (x, 0700);
  {
    const char *argv[] = { "tar", "-xf", kept, "-C", x, NULL };
    g_autoptr(GDir) d = NULL;
    const char *name;

    run_tar (argv);
    d = g_dir_open (x, 0, NULL);
    while ((name = g_dir_read_name (d)) != NULL)
      n_dirs += g_str_has_prefix (name, "Ref:");
  }
  /* The disk and the memory image. */
  g_assert_cmpuint (n_dirs, ==, 2);

  task = new_task (sim);
  q = g_strdup_printf ("&sr_id=OpaqueRef:sr1&task_id=%s", task);
  g_assert_cmpint (import_file (sim, kept, q, NULL), ==, 200);
  result = task_result (sim, task);
  {
    g_autoptr(GVariant) boxed = g_variant_get_child_value (result, 0);
    g_autoptr(GVariant) inner = g_variant_get_variant (boxed);
    vm_ref = g_variant_dup_string (inner, NULL);
  }
  vm = get_record (sim, "VM", vm_ref);
  g_assert_cmpstr (rec_str (vm, "power_state"), ==, "Suspended");
  g_assert_cmpstr (rec_str (vm, "suspend_VDI"), !=, "OpaqueRef:NULL");
  {
    g_autoptr(GVariant) ops = g_variant_lookup_value (vm, "allowed_operations", NULL);
    g_assert_true (set_contains (ops, "resume"));
    g_assert_false (set_contains (ops, "start"));
  }
  v = rpc (sim, "VM.resume", g_variant_new ("(ssbb)", s, vm_ref, FALSE, FALSE));
  g_clear_pointer (&v, g_variant_unref);
  {
    g_autofree char *state = get_field (sim, "VM", vm_ref, "power_state");
    g_assert_cmpstr (state, ==, "Running");
  }

  /* Without preserve_power_state it comes back halted. */
  {
    g_autofree char *task2 = new_task (sim);
    g_autofree char *q2 = g_strdup_printf ("&sr_id=OpaqueRef:sr1&task_id=%s", task2);
    g_autoptr(GVariant) result2 = NULL;
    g_autoptr(GVariant) boxed = NULL;
    g_autoptr(GVariant) inner = NULL;
    g_autofree char *state = NULL;

    g_assert_cmpint (import_file (sim, plain, q2, NULL), ==, 200);
    result2 = task_result (sim, task2);
    boxed = g_variant_get_child_value (result2, 0);
    inner = g_variant_get_variant (boxed);
    state = get_field (sim, "VM", g_variant_get_string (inner, NULL), "power_state");
    g_assert_cmpstr (state, ==, "Halted");
  }

  rm_tree (dir);
  sim_stop (sim);
}

/* Cut and damaged archives: each import fails with an error in its task, nothing crashes. */
static void
test_import_damaged (void)
{
  Sim *sim = sim_start (NULL);
  g_autofree char *dir = g_dir_make_tmp ("sim-host-xva-XXXXXX", NULL);
  g_autofree char *xva = g_build_filename (dir, "vm3.xva", NULL);
  g_autofree char *cut = g_build_filename (dir, "cut.xva", NULL);
  g_autofree char *data = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  gsize len;
  const gsize cuts[] = { 100, 511, 512, 1000, 20000, 600000, 1500000 };

  g_assert_cmpint (export_vm (sim, "OpaqueRef:vm3", NULL, NULL, xva, NULL), ==, 200);
  g_assert_true (g_file_get_contents (xva, &data, &len, NULL));
  g_assert_cmpuint (len, >, 2 * 1024 * 1024);

  for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      g_autofree char *task = new_task (sim);
      g_autofree char *q = g_strdup_printf ("&sr_id=OpaqueRef:sr1&task_id=%s", task);
      g_autoptr(GVariant) rec = NULL;

      g_assert_true (g_file_set_contents (cut, data, (gssize) cuts[i], NULL));
      g_assert_cmpint (import_file (sim, cut, q, NULL), ==, 200);
      rec = wait_task (sim, task);
      g_assert_cmpstr (rec_str (rec, "status"), ==, "failure");
    }
  /* Random bytes flipped in the headers and ova.xml: success or an error, never a crash. */
  for (guint round = 0; round < 20; round++)
    {
      g_autofree char *copy = g_memdup2 (data, len);
      g_autofree char *task = new_task (sim);
      g_autofree char *q = g_strdup_printf ("&sr_id=OpaqueRef:sr1&task_id=%s", task);
      g_autoptr(GVariant) rec = NULL;

      for (guint k = 0; k < 8; k++)
        copy[g_rand_int_range (rand, 0, 4096)] = (char) g_rand_int_range (rand, 0, 256);
      g_assert_true (g_file_set_contents (cut, copy, (gssize) len, NULL));
      g_assert_cmpint (import_file (sim, cut, q, NULL), ==, 200);
      rec = wait_task (sim, task);
      g_assert_cmpstr (rec_str (rec, "status"), !=, "pending");
    }
  /* The simulator still answers. */
  {
    g_autoptr(GVariant) vms = rpc (sim, "VM.get_all", g_variant_new ("(s)", sim->session));
    g_assert_cmpuint (g_variant_n_children (vms), >=, 4);
  }

  rm_tree (dir);
  sim_stop (sim);
}

/* The XVA from XenCenter's test resources (exported by XenServer 5.6.900). */
static void
test_import_fixture (void)
{
  const char *shared = g_getenv ("LAGOON_SHARED_DIR");
  g_autofree char *path = NULL;
  Sim *sim;
  g_autofree char *task = NULL;
  g_autofree char *query = NULL;
  g_autofree char *vm_ref = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) vm = NULL;
  g_autoptr(GVariant) vbds = NULL;
  g_autoptr(GVariant) vifs = NULL;
  g_autoptr(GVariant) nets = NULL;
  guint disks = 0, cds = 0;
  int status;

  if (shared != NULL)
    path = g_build_filename (shared, "fixtures", "xva", "vmexport.xva", NULL);
  if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("vmexport.xva not found: ../shared is absent (a user's clone)");
      return;
    }
  sim = sim_start (NULL);
  task = new_task (sim);
  query = g_strdup_printf ("&sr_id=OpaqueRef:sr1&task_id=%s", task);
  status = import_file (sim, path, query, NULL);
  g_assert_cmpint (status, ==, 200);
  result = task_result (sim, task);
  g_assert_cmpuint (g_variant_n_children (result), ==, 1);
  {
    g_autoptr(GVariant) boxed = g_variant_get_child_value (result, 0);
    g_autoptr(GVariant) inner = g_variant_get_variant (boxed);
    vm_ref = g_variant_dup_string (inner, NULL);
  }
  vm = get_record (sim, "VM", vm_ref);
  g_assert_cmpstr (rec_str (vm, "name_label"), ==, "VM export");
  g_assert_cmpstr (rec_str (vm, "power_state"), ==, "Halted");
  g_assert_cmpstr (rec_str (vm, "memory_static_max"), ==, "268435456");
  vbds = g_variant_lookup_value (vm, "VBDs", NULL);
  vifs = g_variant_lookup_value (vm, "VIFs", NULL);
  g_assert_cmpuint (g_variant_n_children (vbds), ==, 2);
  g_assert_cmpuint (g_variant_n_children (vifs), ==, 3);
  for (gsize i = 0; i < g_variant_n_children (vbds); i++)
    {
      g_autoptr(GVariant) b = g_variant_get_child_value (vbds, i);
      g_autoptr(GVariant) r = g_variant_get_variant (b);
      g_autoptr(GVariant) vbd = get_record (sim, "VBD", g_variant_get_string (r, NULL));

      if (g_str_equal (rec_str (vbd, "type"), "CD"))
        {
          cds++;
          g_assert_true (rec_bool (vbd, "empty"));
        }
      else
        {
          g_autoptr(GVariant) vdi = get_record (sim, "VDI", rec_str (vbd, "VDI"));
          disks++;
          g_assert_cmpstr (rec_str (vdi, "name_label"), ==, "New virtual disk");
          g_assert_cmpstr (rec_str (vdi, "virtual_size"), ==, "2097152");
          g_assert_cmpstr (rec_str (vdi, "SR"), ==, "OpaqueRef:sr1");
        }
    }
  g_assert_cmpuint (disks, ==, 1);
  g_assert_cmpuint (cds, ==, 1);
  /* eth0's network matched ours by bridge; the other two were made. */
  nets = rpc (sim, "network.get_all", g_variant_new ("(s)", sim->session));
  g_assert_cmpuint (g_variant_n_children (nets), ==, 3);

  sim_stop (sim);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lagoon/sim-host/disable-enable", test_disable_enable);
  g_test_add_func ("/lagoon/sim-host/evacuate", test_evacuate);
  g_test_add_func ("/lagoon/sim-host/reboot-shutdown", test_reboot_shutdown);
  g_test_add_func ("/lagoon/sim-host/coordinator-reboot", test_coordinator_reboot);
  g_test_add_func ("/lagoon/sim-host/messages", test_messages);
  g_test_add_func ("/lagoon/sim-host/sr-alarm", test_sr_alarm);
  g_test_add_func ("/lagoon/sim-host/designate-new-master", test_designate_new_master);
  g_test_add_func ("/lagoon/sim-host/eject", test_eject);
  g_test_add_func ("/lagoon/sim-host/join", test_join);
  g_test_add_func ("/lagoon/sim-host/xxh64", test_xxh64);
  g_test_add_func ("/lagoon/sim-host/export-import", test_export_import);
  g_test_add_func ("/lagoon/sim-host/export-import-errors", test_export_import_errors);
  g_test_add_func ("/lagoon/sim-host/export-suspended", test_export_suspended);
  g_test_add_func ("/lagoon/sim-host/import-damaged", test_import_damaged);
  g_test_add_func ("/lagoon/sim-host/import-fixture", test_import_fixture);
  return g_test_run ();
}
