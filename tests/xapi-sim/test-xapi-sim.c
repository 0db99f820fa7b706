/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Wire tests for xapi-sim: start the real binary on a free port, talk raw HTTP with
 * hand-written XML-RPC and JSON-RPC bodies, and check the exact bytes that come back.
 */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>

#include "sim-db.h"
#include "sim-request.h"
#include "sim-writer.h"

#define XML_HEAD "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct>"
#define OK_HEAD  XML_HEAD "<member><name>Status</name><value>Success</value></member><member><name>Value</name>"
#define OK_TAIL  "</member></struct></value></param></params></methodResponse>"
#define ERR_HEAD XML_HEAD "<member><name>Status</name><value>Failure</value></member>" \
                 "<member><name>ErrorDescription</name><value><array><data>"
#define ERR_TAIL "</data></array></value></member></struct></value></param></params></methodResponse>"

/* A small pool: a coordinator, a supporter, one running VM with a console. */
static const char small_db[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?><database><manifest>"
  "<pair key=\"schema_major_vsn\" value=\"5\"/><pair key=\"schema_minor_vsn\" value=\"786\"/>"
  "<pair key=\"generation_count\" value=\"100\"/></manifest>"
  "<table name=\"pool\"><row ref=\"OpaqueRef:pool1\" uuid=\"pool-uuid-1\" name__label=\"test pool\" "
  "master=\"OpaqueRef:host1\"/></table>"
  "<table name=\"host\"><row ref=\"OpaqueRef:host1\" uuid=\"host-uuid-1\" name__label=\"host1\" "
  "address=\"10.0.0.1\"/><row ref=\"OpaqueRef:host2\" uuid=\"host-uuid-2\" name__label=\"host2\" "
  "address=\"10.0.0.2\"/></table>"
  "<table name=\"VM\"><row ref=\"OpaqueRef:vm1\" uuid=\"vm-uuid-1\" name__label=\"vm one\" "
  "power_state=\"Running\" memory__static_max=\"268435456\" is_a_template=\"false\" "
  "other_config=\"(('folder' '/x'))\" resident_on=\"OpaqueRef:host2\" "
  "consoles=\"('OpaqueRef:console1')\"/></table>"
  "<table name=\"console\"><row ref=\"OpaqueRef:console1\" uuid=\"console-uuid-1\" protocol=\"rfb\" "
  "location=\"https://10.0.0.2/console?uuid=console-uuid-1\" VM=\"OpaqueRef:vm1\"/></table>"
  "</database>";

typedef struct
{
  GSubprocess *proc;
  char        *dir;
  guint        port;
} Sim;

typedef struct
{
  GSocketConnection *conn;
  GDataInputStream  *in;
  GOutputStream     *out;
} Conn;

static char *
sim_binary (void)
{
  return g_build_filename (LAGOON_BUILDDIR, "tests", "xapi-sim", "xapi-sim", NULL);
}

static char *
write_small_db (const char *dir)
{
  char *path = g_build_filename (dir, "small.db", NULL);

  g_assert_true (g_file_set_contents (path, small_db, -1, NULL));
  return path;
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Starts xapi-sim with @args (NULL-terminated) on a free port. */
static Sim *
sim_start_in (const char         *dir,
              const char *const  *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  Sim *sim = g_new0 (Sim, 1);
  const char *colon;

  sim->dir = g_strdup (dir);
  g_ptr_array_add (argv, sim_binary ());
  g_ptr_array_add (argv, g_strdup ("--port=0"));
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  /* The simulator dies with the test, even when an assertion aborts it. */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  sim->proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sim->proc));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "xapi-sim: listening on http://127.0.0.1:"));
  colon = strrchr (line, ':');
  sim->port = (guint) g_ascii_strtoull (colon + 1, NULL, 10);
  g_assert_cmpuint (sim->port, >, 0);
  return sim;
}

static Sim *
sim_start (const char *const *extra)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("xapi-sim-test-XXXXXX", &error);
  g_autofree char *db = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);

  g_assert_no_error (error);
  db = write_small_db (dir);
  g_ptr_array_add (args, g_strconcat ("--db=", db, NULL));
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (args, g_strdup (extra[i]));
  g_ptr_array_add (args, NULL);
  return sim_start_in (dir, (const char *const *) args->pdata);
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

/* SIGTERM, and the simulator must exit 0. */
static void
sim_stop_keep_dir (Sim *sim)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (sim->proc, SIGTERM);
  g_subprocess_wait (sim->proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (sim->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (sim->proc), ==, 0);
  g_object_unref (sim->proc);
}

static void
sim_stop (Sim *sim)
{
  sim_stop_keep_dir (sim);
  rm_rf (sim->dir);
  g_free (sim->dir);
  g_free (sim);
}

static Conn *
conn_new (Sim        *sim,
          const char *address)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  Conn *c = g_new0 (Conn, 1);

  g_socket_client_set_timeout (client, 30);
  g_socket_client_set_enable_proxy (client, FALSE);
  c->conn = g_socket_client_connect_to_host (client, address, (guint16) sim->port, NULL, &error);
  g_assert_no_error (error);
  c->in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (c->conn)));
  g_data_input_stream_set_newline_type (c->in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  c->out = g_io_stream_get_output_stream (G_IO_STREAM (c->conn));
  return c;
}

static void
conn_free (Conn *c)
{
  g_object_unref (c->in);
  g_object_unref (c->conn);
  g_free (c);
}

/* One request on a keep-alive connection; returns the body, sets *status. */
static char *
conn_request (Conn       *c,
              const char *method,
              const char *path,
              const char *body,
              int        *status,
              char      **headers_out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *request = g_strdup_printf ("%s %s HTTP/1.1\r\nHost: sim\r\n"
                                              "Content-Type: text/xml\r\nContent-Length: %zu\r\n\r\n%s",
                                              method, path, strlen (body), body);
  g_autofree char *status_line = NULL;
  g_autoptr(GString) headers = g_string_new (NULL);
  gsize length = 0;
  char *data;

  g_assert_true (g_output_stream_write_all (c->out, request, strlen (request), NULL, NULL, &error));
  g_assert_no_error (error);
  status_line = g_data_input_stream_read_line (c->in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (status_line);
  g_assert_true (g_str_has_prefix (status_line, "HTTP/1.1 "));
  *status = atoi (status_line + 9);
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (c->in, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (line);
      if (*line == '\0')
        break;
      g_string_append_printf (headers, "%s\n", line);
      if (g_ascii_strncasecmp (line, "Content-Length:", 15) == 0)
        length = (gsize) g_ascii_strtoull (line + 15, NULL, 10);
    }
  data = g_malloc0 (length + 1);
  g_assert_true (g_input_stream_read_all (G_INPUT_STREAM (c->in), data, length, NULL, NULL, &error));
  g_assert_no_error (error);
  if (headers_out != NULL)
    *headers_out = g_strdup (headers->str);
  return data;
}

/* An XML-RPC call with raw <value> fragments as parameters. */
static char *
xml_call (Conn       *c,
          const char *method,
          ...)
{
  g_autoptr(GString) body = g_string_new ("<?xml version=\"1.0\"?><methodCall><methodName>");
  const char *p;
  va_list ap;
  int status;
  char *reply;

  g_string_append_printf (body, "%s</methodName><params>", method);
  va_start (ap, method);
  while ((p = va_arg (ap, const char *)) != NULL)
    g_string_append_printf (body, "<param>%s</param>", p);
  va_end (ap);
  g_string_append (body, "</params></methodCall>");
  reply = conn_request (c, "POST", "/", body->str, &status, NULL);
  g_assert_cmpint (status, ==, 200);
  return reply;
}

/* The text of a scalar Success value. */
static char *
ok_value (const char *reply)
{
  const char *start;
  const char *end;

  g_assert_true (g_str_has_prefix (reply, OK_HEAD "<value>"));
  g_assert_true (g_str_has_suffix (reply, "</value>" OK_TAIL));
  start = reply + strlen (OK_HEAD "<value>");
  end = reply + strlen (reply) - strlen ("</value>" OK_TAIL);
  return g_strndup (start, end - start);
}

static char *
login (Conn *c)
{
  g_autofree char *reply = xml_call (c, "session.login_with_password", "<value>root</value>",
                                     "<value><string>xenroot</string></value>", "<value>2.20</value>",
                                     "<value>test</value>", NULL);
  char *session = ok_value (reply);

  g_assert_true (g_str_has_prefix (session, "OpaqueRef:"));
  return session;
}

static char *
sv (const char *s)
{
  return g_strdup_printf ("<value>%s</value>", s);
}

/* ---- tests --------------------------------------------------------------------------------- */

static void
test_login (void)
{
  Sim *sim = sim_start (NULL);
  Conn *c = conn_new (sim, "127.0.0.1");
  g_autofree char *session = login (c);
  g_autofree char *s = sv (session);
  g_autofree char *bad = NULL;
  g_autofree char *two = NULL;
  g_autofree char *superuser = NULL;
  g_autofree char *logout = NULL;
  g_autofree char *after = NULL;
  g_autofree char *expected = NULL;

  bad = xml_call (c, "session.login_with_password", "<value>root</value>", "<value>wrong</value>", NULL);
  g_assert_cmpstr (bad, ==, ERR_HEAD "<value>SESSION_AUTHENTICATION_FAILED</value><value>root</value>"
                            "<value>Authentication failure</value>" ERR_TAIL);

  /* The two-argument form works too (versioned parameters). */
  two = xml_call (c, "session.login_with_password", "<value>root</value>", "<value>xenroot</value>", NULL);
  g_assert_true (g_str_has_prefix (two, OK_HEAD "<value>OpaqueRef:"));

  superuser = xml_call (c, "session.get_is_local_superuser", s, s, NULL);
  g_assert_cmpstr (superuser, ==, OK_HEAD "<value><boolean>1</boolean></value>" OK_TAIL);

  logout = xml_call (c, "session.logout", s, NULL);
  g_assert_cmpstr (logout, ==, OK_HEAD "<value></value>" OK_TAIL);
  after = xml_call (c, "VM.get_all", s, NULL);
  expected = g_strdup_printf (ERR_HEAD "<value>SESSION_INVALID</value><value>%s</value>" ERR_TAIL, session);
  g_assert_cmpstr (after, ==, expected);

  conn_free (c);
  sim_stop (sim);
}

static void
test_records (void)
{
  Sim *sim = sim_start (NULL);
  Conn *c = conn_new (sim, "127.0.0.1");
  g_autofree char *session = login (c);
  g_autofree char *s = sv (session);
  g_autofree char *vms = xml_call (c, "VM.get_all_records", s, NULL);
  g_autofree char *hosts = xml_call (c, "host.get_all_records", s, NULL);
  g_autofree char *record = xml_call (c, "VM.get_record", s, "<value>OpaqueRef:vm1</value>", NULL);
  g_autofree char *label = xml_call (c, "VM.get_name_label", s, "<value>OpaqueRef:vm1</value>", NULL);
  g_autofree char *by_uuid = xml_call (c, "VM.get_by_uuid", s, "<value>vm-uuid-1</value>", NULL);
  g_autofree char *master = NULL;
  g_autofree char *console = NULL;
  g_autofree char *expected = NULL;

  g_assert_true (g_str_has_prefix (vms, OK_HEAD "<value><struct><member><name>OpaqueRef:vm1</name>"
                                        "<value><struct><member><name>uuid</name><value>vm-uuid-1</value>"
                                        "</member>"));
  /* Types as xapi writes them: untyped int64, <boolean>, <dateTime.iso8601>, maps as structs. */
  g_assert_nonnull (strstr (vms, "<member><name>memory_static_max</name><value>268435456</value></member>"));
  g_assert_nonnull (strstr (vms, "<member><name>is_a_template</name><value><boolean>0</boolean></value></member>"));
  g_assert_nonnull (strstr (vms, "<member><name>snapshot_time</name><value><dateTime.iso8601>"
                                 "19700101T00:00:00Z</dateTime.iso8601></value></member>"));
  g_assert_nonnull (strstr (vms, "<member><name>other_config</name><value><struct><member><name>folder"
                                 "</name><value>/x</value></member></struct></value></member>"));
  g_assert_nonnull (strstr (vms, "<member><name>consoles</name><value><array><data>"
                                 "<value>OpaqueRef:console1</value></data></array></value></member>"));
  g_assert_nonnull (strstr (vms, "<member><name>power_state</name><value>Running</value></member>"));
  g_assert_null (strstr (vms, "> <"));
  g_assert_null (strstr (vms, ">\n"));

  g_assert_nonnull (strstr (hosts, "<name>OpaqueRef:host1</name>"));
  g_assert_nonnull (strstr (hosts, "<name>OpaqueRef:host2</name>"));
  /* Addresses are rewritten to where the simulated hosts listen. */
  g_assert_nonnull (strstr (hosts, "<member><name>address</name><value>127.0.0.1</value></member>"));
  g_assert_nonnull (strstr (hosts, "<member><name>address</name><value>127.0.0.2</value></member>"));

  g_assert_true (g_str_has_prefix (record, OK_HEAD "<value><struct><member><name>uuid</name>"));
  g_assert_cmpstr (label, ==, OK_HEAD "<value>vm one</value>" OK_TAIL);
  g_assert_cmpstr (by_uuid, ==, OK_HEAD "<value>OpaqueRef:vm1</value>" OK_TAIL);

  /* The built-in roles are there whatever the database holds. */
  {
    g_autofree char *roles = xml_call (c, "role.get_all_records", s, NULL);
    g_assert_nonnull (strstr (roles, "<member><name>name_label</name><value>pool-admin</value></member>"));
    g_assert_nonnull (strstr (roles, "<member><name>name_label</name><value>read-only</value></member>"));
  }

  master = xml_call (c, "pool.get_master", s, "<value>OpaqueRef:pool1</value>", NULL);
  g_assert_cmpstr (master, ==, OK_HEAD "<value>OpaqueRef:host1</value>" OK_TAIL);

  /* The console of a VM resident on host2 points at host2. */
  console = xml_call (c, "console.get_location", s, "<value>OpaqueRef:console1</value>", NULL);
  expected = g_strdup_printf (OK_HEAD "<value>http://127.0.0.2:%u/console?uuid=console-uuid-1</value>" OK_TAIL,
                              sim->port);
  g_assert_cmpstr (console, ==, expected);

  conn_free (c);
  sim_stop (sim);
}

static void
test_errors (void)
{
  Sim *sim = sim_start (NULL);
  Conn *c = conn_new (sim, "127.0.0.1");
  g_autofree char *session = login (c);
  g_autofree char *s = sv (session);
  g_autofree char *r = NULL;
  int status;

  r = xml_call (c, "VM.get_record", s, "<value>OpaqueRef:nope</value>", NULL);
  g_assert_cmpstr (r, ==, ERR_HEAD "<value>HANDLE_INVALID</value><value>VM</value>"
                          "<value>OpaqueRef:nope</value>" ERR_TAIL);
  g_clear_pointer (&r, g_free);

  r = xml_call (c, "VM.get_record", s, NULL);
  g_assert_cmpstr (r, ==, ERR_HEAD "<value>MESSAGE_PARAMETER_COUNT_MISMATCH</value>"
                          "<value>VM.get_record</value><value>2</value><value>1</value>" ERR_TAIL);
  g_clear_pointer (&r, g_free);

  r = xml_call (c, "VM.get_by_uuid", s, "<value>no-such-uuid</value>", NULL);
  g_assert_cmpstr (r, ==, ERR_HEAD "<value>UUID_INVALID</value><value>VM</value>"
                          "<value>no-such-uuid</value>" ERR_TAIL);
  g_clear_pointer (&r, g_free);

  r = xml_call (c, "VM.add_to_other_config", s, "<value>OpaqueRef:vm1</value>", "<value>folder</value>",
                "<value>/y</value>", NULL);
  g_assert_cmpstr (r, ==, ERR_HEAD "<value>MAP_DUPLICATE_KEY</value><value>VM</value>"
                          "<value>other_config</value><value>OpaqueRef:vm1</value><value>folder</value>"
                          ERR_TAIL);
  g_clear_pointer (&r, g_free);

  r = xml_call (c, "VM.no_such_message", s, NULL);
  g_assert_cmpstr (r, ==, ERR_HEAD "<value>MESSAGE_METHOD_UNKNOWN</value>"
                          "<value>VM.no_such_message</value>" ERR_TAIL);
  g_clear_pointer (&r, g_free);

  /* A wrongly typed value. */
  r = xml_call (c, "VM.set_memory_static_max", s, "<value>OpaqueRef:vm1</value>",
                "<value><boolean>1</boolean></value>", NULL);
  g_assert_true (g_str_has_prefix (r, ERR_HEAD "<value>FIELD_TYPE_ERROR</value>"));
  g_clear_pointer (&r, g_free);

  /* The alternative wire name Class_message, typed ints accepted. */
  r = xml_call (c, "VM_set_memory_static_max", s, "<value>OpaqueRef:vm1</value>",
                "<value><i8>536870912</i8></value>", NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  r = xml_call (c, "VM.get_memory_static_max", s, "<value>OpaqueRef:vm1</value>", NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value>536870912</value>" OK_TAIL);
  g_clear_pointer (&r, g_free);

  /* Runtime read-only fields have no setter. */
  r = xml_call (c, "VM.set_power_state", s, "<value>OpaqueRef:vm1</value>", "<value>Halted</value>", NULL);
  g_assert_true (g_str_has_prefix (r, ERR_HEAD "<value>MESSAGE_METHOD_UNKNOWN</value>"));
  g_clear_pointer (&r, g_free);

  /* Malformed XML is an HTTP 500 with an HTML page. */
  r = conn_request (c, "POST", "/", "<methodCall><methodName>VM.get_all</methodName><params>",
                    &status, NULL);
  g_assert_cmpint (status, ==, 500);
  g_assert_true (g_str_has_prefix (r, "<html>"));
  g_clear_pointer (&r, g_free);

  /* The connection survives and serves the next call. */
  r = xml_call (c, "VM.get_all", s, NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value><array><data><value>OpaqueRef:vm1</value></data></array></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);

  conn_free (c);
  sim_stop (sim);
}

static void
test_jsonrpc (void)
{
  Sim *sim = sim_start (NULL);
  Conn *c = conn_new (sim, "127.0.0.1");
  g_autofree char *session = NULL;
  g_autofree char *body = NULL;
  g_autofree char *headers = NULL;
  g_autofree char *r = NULL;
  int status;

  r = conn_request (c, "POST", "/jsonrpc",
                    "{\"method\":\"session.login_with_password\",\"params\":[\"root\",\"xenroot\"],\"id\":7}",
                    &status, &headers);
  g_assert_cmpint (status, ==, 200);
  g_assert_nonnull (strstr (headers, "Content-Type: application/json"));
  g_assert_true (g_str_has_prefix (r, "{\"result\":\"OpaqueRef:"));
  g_assert_true (g_str_has_suffix (r, "\",\"error\":null,\"id\":7}"));
  session = g_strndup (r + strlen ("{\"result\":\""), strlen ("OpaqueRef:") + 36);
  g_clear_pointer (&r, g_free);

  /* v2 success and failure shapes. */
  body = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"method\":\"VM.get_memory_static_max\","
                          "\"params\":[\"%s\",\"OpaqueRef:vm1\"],\"id\":\"a\"}", session);
  r = conn_request (c, "POST", "/jsonrpc", body, &status, NULL);
  g_assert_cmpstr (r, ==, "{\"jsonrpc\":\"2.0\",\"result\":268435456,\"id\":\"a\"}");
  g_clear_pointer (&r, g_free);
  g_clear_pointer (&body, g_free);

  body = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"method\":\"VM.get_record\","
                          "\"params\":[\"%s\",\"OpaqueRef:bad\"],\"id\":3}", session);
  r = conn_request (c, "POST", "/jsonrpc", body, &status, NULL);
  g_assert_cmpstr (r, ==, "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":1,\"message\":\"HANDLE_INVALID\","
                          "\"data\":[\"VM\",\"OpaqueRef:bad\"]},\"id\":3}");
  g_clear_pointer (&r, g_free);
  g_clear_pointer (&body, g_free);

  /* v1 failure. */
  body = g_strdup_printf ("{\"method\":\"VM.get_by_uuid\",\"params\":[\"%s\",\"x\"],\"id\":4}", session);
  r = conn_request (c, "POST", "/jsonrpc", body, &status, NULL);
  g_assert_cmpstr (r, ==, "{\"result\":null,\"error\":[\"UUID_INVALID\",\"VM\",\"x\"],\"id\":4}");
  g_clear_pointer (&r, g_free);
  g_clear_pointer (&body, g_free);

  /* Records: booleans, numbers, datetimes as strings. */
  body = g_strdup_printf ("{\"method\":\"VM.get_record\",\"params\":[\"%s\",\"OpaqueRef:vm1\"],\"id\":5}",
                          session);
  r = conn_request (c, "POST", "/jsonrpc", body, &status, NULL);
  g_assert_true (g_str_has_prefix (r, "{\"result\":{\"uuid\":\"vm-uuid-1\","));
  g_assert_nonnull (strstr (r, "\"is_a_template\":false"));
  g_assert_nonnull (strstr (r, "\"memory_static_max\":268435456"));
  g_assert_nonnull (strstr (r, "\"snapshot_time\":\"19700101T00:00:00Z\""));
  g_assert_nonnull (strstr (r, "\"other_config\":{\"folder\":\"/x\"}"));
  g_clear_pointer (&r, g_free);
  g_clear_pointer (&body, g_free);

  /* Malformed JSON. */
  r = conn_request (c, "POST", "/jsonrpc", "{\"method\":", &status, NULL);
  g_assert_cmpint (status, ==, 500);
  g_clear_pointer (&r, g_free);

  /* CORS preflight. */
  g_clear_pointer (&headers, g_free);
  r = conn_request (c, "OPTIONS", "/jsonrpc", "", &status, &headers);
  g_assert_cmpint (status, ==, 200);
  g_assert_nonnull (strstr (headers, "Access-Control-Allow-Origin: *"));
  g_clear_pointer (&r, g_free);

  /* system.listMethods: a bare array. */
  r = conn_request (c, "POST", "/", "<?xml version=\"1.0\"?><methodCall><methodName>system.listMethods"
                    "</methodName><params/></methodCall>", &status, NULL);
  g_assert_true (g_str_has_prefix (r, "<?xml version=\"1.0\"?><methodResponse><params><param><value><array><data>"));
  g_assert_nonnull (strstr (r, "<value>VM.get_all_records</value>"));
  g_assert_nonnull (strstr (r, "<value>VM.start</value>"));
  g_assert_null (strstr (r, "<value>Async."));

  conn_free (c);
  sim_stop (sim);
}

typedef struct
{
  Sim   *sim;
  char  *session;
  char  *token;
  char  *reply;
  gint64 elapsed;
} FromJob;

static gpointer
blocked_from (gpointer data)
{
  FromJob *job = data;
  Conn *c = conn_new (job->sim, "127.0.0.1");
  g_autofree char *s = sv (job->session);
  g_autofree char *t = sv (job->token);
  gint64 start = g_get_monotonic_time ();

  job->reply = xml_call (c, "event.from", s, "<value><array><data><value>vm</value></data></array></value>",
                         t, "<value><double>10.0</double></value>", NULL);
  job->elapsed = g_get_monotonic_time () - start;
  conn_free (c);
  return NULL;
}

static char *
token_of (const char *reply)
{
  const char *p = strstr (reply, "<member><name>token</name><value>");

  g_assert_nonnull (p);
  p += strlen ("<member><name>token</name><value>");
  return g_strndup (p, 41);
}

static void
test_events (void)
{
  Sim *sim = sim_start (NULL);
  Conn *c = conn_new (sim, "127.0.0.1");
  g_autofree char *session = login (c);
  g_autofree char *s = sv (session);
  g_autofree char *all = NULL;
  g_autofree char *token = NULL;
  g_autofree char *t = NULL;
  g_autofree char *r = NULL;
  g_autofree char *vm = NULL;
  g_autofree char *v = NULL;
  FromJob job = { 0 };
  GThread *thread;

  /* An empty token gives an add for every object. */
  all = xml_call (c, "event.from", s, "<value><array><data><value>*</value></data></array></value>",
                  "<value></value>", "<value><double>1</double></value>", NULL);
  g_assert_true (g_str_has_prefix (all, OK_HEAD "<value><struct><member><name>events</name><value><array><data>"
                                        "<value><struct><member><name>id</name>"));
  g_assert_nonnull (strstr (all, "<member><name>class</name><value>vm</value></member>"
                                 "<member><name>operation</name><value>add</value></member>"
                                 "<member><name>ref</name><value>OpaqueRef:vm1</value></member>"
                                 "<member><name>snapshot</name><value><struct>"));
  g_assert_nonnull (strstr (all, "<value>host</value></member><member><name>operation</name><value>add</value>"));
  g_assert_nonnull (strstr (all, "<member><name>valid_ref_counts</name><value><struct>"));
  g_assert_nonnull (strstr (all, "<member><name>vm</name><value><i4>1</i4></value></member>"));
  g_assert_nonnull (strstr (all, "<member><name>host</name><value><i4>2</i4></value></member>"));
  token = token_of (all);
  g_assert_cmpuint (strlen (token), ==, 41);
  g_assert_cmpint (token[20], ==, ',');

  /* A bad token. */
  r = xml_call (c, "event.from", s, "<value><array><data><value>*</value></data></array></value>",
                "<value>garbage</value>", "<value><double>1</double></value>", NULL);
  g_assert_cmpstr (r, ==, ERR_HEAD "<value>EVENT_FROM_TOKEN_PARSE_FAILURE</value><value>garbage</value>" ERR_TAIL);
  g_clear_pointer (&r, g_free);

  /* A blocked event.from on another connection wakes up for a change made here. */
  job.sim = sim;
  job.session = session;
  job.token = token;
  thread = g_thread_new ("from", blocked_from, &job);
  g_usleep (300 * 1000);
  r = xml_call (c, "VM.set_name_label", s, "<value>OpaqueRef:vm1</value>", "<value>renamed &amp; moved</value>",
                NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  g_thread_join (thread);
  g_assert_cmpint (job.elapsed, <, 5 * G_USEC_PER_SEC);
  g_assert_nonnull (strstr (job.reply, "<member><name>operation</name><value>mod</value></member>"
                                       "<member><name>ref</name><value>OpaqueRef:vm1</value></member>"));
  g_assert_nonnull (strstr (job.reply, "<member><name>name_label</name><value>renamed &amp; moved</value>"));
  g_free (token);
  token = token_of (job.reply);
  g_free (job.reply);

  /* create then destroy: a del for the object (the add is coalesced away). */
  r = xml_call (c, "VM.create", s, "<value><struct><member><name>name_label</name><value>temp</value></member>"
                "</struct></value>", NULL);
  vm = ok_value (r);
  g_clear_pointer (&r, g_free);
  v = sv (vm);
  r = xml_call (c, "VM.get_name_label", s, v, NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value>temp</value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  r = xml_call (c, "VM.destroy", s, v, NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  t = sv (token);
  r = xml_call (c, "event.from", s, "<value><array><data><value>VM</value></data></array></value>",
                t, "<value><double>1</double></value>", NULL);
  {
    g_autofree char *del = g_strdup_printf ("<member><name>operation</name><value>del</value></member>"
                                            "<member><name>ref</name><value>%s</value></member></struct>", vm);
    g_assert_nonnull (strstr (r, del));
    /* Only VMs were asked for: the session and other classes stay out. */
    g_assert_null (strstr (r, "<member><name>class</name><value>host</value>"));
    g_assert_null (strstr (r, "<member><name>class</name><value>session</value>"));
  }
  g_clear_pointer (&r, g_free);

  /* event.inject gives a token; get_current_id an int. */
  r = xml_call (c, "event.inject", s, "<value>pool</value>", "<value>OpaqueRef:pool1</value>", NULL);
  g_assert_true (g_str_has_prefix (r, OK_HEAD "<value>0000000000000"));
  g_clear_pointer (&r, g_free);

  conn_free (c);
  sim_stop (sim);
}

static void
test_supporter (void)
{
  Sim *sim = sim_start (NULL);
  Conn *c = conn_new (sim, "127.0.0.1");
  Conn *c2 = conn_new (sim, "127.0.0.2");
  g_autofree char *session = login (c);
  g_autofree char *s = sv (session);
  g_autofree char *r = NULL;

  r = xml_call (c2, "session.login_with_password", "<value>root</value>", "<value>xenroot</value>", NULL);
  g_assert_cmpstr (r, ==, ERR_HEAD "<value>HOST_IS_SLAVE</value><value>127.0.0.1</value>" ERR_TAIL);
  g_clear_pointer (&r, g_free);

  r = xml_call (c2, "VM.get_all", s, NULL);
  g_assert_cmpstr (r, ==, ERR_HEAD "<value>HOST_IS_SLAVE</value><value>127.0.0.1</value>" ERR_TAIL);
  g_clear_pointer (&r, g_free);

  conn_free (c2);
  conn_free (c);
  sim_stop (sim);
}

static char *
wait_task (Conn       *c,
           const char *s,
           const char *task)
{
  g_autofree char *t = sv (task);

  for (int i = 0; i < 200; i++)
    {
      g_autofree char *r = xml_call (c, "task.get_status", s, t, NULL);
      g_autofree char *status = ok_value (r);

      if (!g_str_equal (status, "pending") && !g_str_equal (status, "cancelling"))
        return g_steal_pointer (&status);
      g_usleep (50 * 1000);
    }
  g_assert_not_reached ();
}

static void
test_tasks (void)
{
  const char *args[] = { "--speed=0.4", NULL };
  Sim *sim = sim_start (args);
  Conn *c = conn_new (sim, "127.0.0.1");
  g_autofree char *session = login (c);
  g_autofree char *s = sv (session);
  g_autofree char *r = NULL;
  g_autofree char *task = NULL;
  g_autofree char *t = NULL;
  g_autofree char *status = NULL;
  g_autofree char *expected = NULL;

  /* Async.VM.create: pending, then success with the new ref as an XML fragment. */
  r = xml_call (c, "Async.VM.create", s, "<value><struct><member><name>name_label</name><value>async vm"
                "</value></member></struct></value>", NULL);
  task = ok_value (r);
  g_clear_pointer (&r, g_free);
  t = sv (task);
  r = xml_call (c, "task.get_name_label", s, t, NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value>Async.VM.create</value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  status = wait_task (c, s, task);
  g_assert_cmpstr (status, ==, "success");
  r = xml_call (c, "task.get_record", s, t, NULL);
  g_assert_nonnull (strstr (r, "<member><name>progress</name><value><double>1</double></value></member>"));
  g_assert_nonnull (strstr (r, "<member><name>result</name><value>&lt;value&gt;OpaqueRef:"));
  g_assert_nonnull (strstr (r, "<member><name>error_info</name><value><array><data></data></array></value>"));
  g_clear_pointer (&r, g_free);
  r = xml_call (c, "task.destroy", s, t, NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  r = xml_call (c, "task.get_status", s, t, NULL);
  expected = g_strdup_printf (ERR_HEAD "<value>HANDLE_INVALID</value><value>task</value><value>%s</value>"
                              ERR_TAIL, task);
  g_assert_cmpstr (r, ==, expected);
  g_clear_pointer (&r, g_free);
  g_clear_pointer (&task, g_free);
  g_clear_pointer (&t, g_free);
  g_clear_pointer (&status, g_free);
  g_clear_pointer (&expected, g_free);

  /* A cancelled task fails with TASK_CANCELLED [task]. */
  r = xml_call (c, "Async.VM.create", s, "<value><struct><member><name>name_label</name><value>cancelled vm"
                "</value></member></struct></value>", NULL);
  task = ok_value (r);
  g_clear_pointer (&r, g_free);
  t = sv (task);
  r = xml_call (c, "task.cancel", s, t, NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  status = wait_task (c, s, task);
  g_assert_cmpstr (status, ==, "cancelled");
  r = xml_call (c, "task.get_error_info", s, t, NULL);
  expected = g_strdup_printf (OK_HEAD "<value><array><data><value>TASK_CANCELLED</value><value>%s</value>"
                              "</data></array></value>" OK_TAIL, task);
  g_assert_cmpstr (r, ==, expected);
  g_clear_pointer (&r, g_free);
  /* The cancelled call had no effect. */
  r = xml_call (c, "VM.get_by_name_label", s, "<value>cancelled vm</value>", NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value><array><data></data></array></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  /* A finished task cannot be cancelled. */
  r = xml_call (c, "task.cancel", s, t, NULL);
  g_assert_true (g_str_has_prefix (r, ERR_HEAD "<value>OPERATION_NOT_ALLOWED</value>"));
  g_clear_pointer (&r, g_free);

  /* A failing async call: the error lands in error_info. */
  r = xml_call (c, "Async.VM.destroy", s, "<value>OpaqueRef:gone</value>", NULL);
  g_clear_pointer (&task, g_free);
  g_clear_pointer (&t, g_free);
  g_clear_pointer (&status, g_free);
  task = ok_value (r);
  g_clear_pointer (&r, g_free);
  t = sv (task);
  status = wait_task (c, s, task);
  g_assert_cmpstr (status, ==, "failure");
  r = xml_call (c, "task.get_error_info", s, t, NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value><array><data><value>HANDLE_INVALID</value><value>VM</value>"
                          "<value>OpaqueRef:gone</value></data></array></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);

  /* No async form for accessors. */
  r = xml_call (c, "Async.VM.get_name_label", s, "<value>OpaqueRef:vm1</value>", NULL);
  g_assert_cmpstr (r, ==, ERR_HEAD "<value>MESSAGE_METHOD_UNKNOWN</value><value>Async.VM.get_name_label</value>"
                          ERR_TAIL);
  g_clear_pointer (&r, g_free);

  conn_free (c);
  sim_stop (sim);
}

static char *
without_port (const char *reply)
{
  g_autoptr(GRegex) re = g_regex_new (":[0-9]+/console", 0, 0, NULL);

  return g_regex_replace_literal (re, reply, -1, 0, ":PORT/console", 0, NULL);
}

static void
test_save_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("xapi-sim-test-XXXXXX", &error);
  g_autofree char *db = write_small_db (dir);
  g_autofree char *saved = g_build_filename (dir, "saved.db", NULL);
  g_autofree char *db_arg = g_strconcat ("--db=", db, NULL);
  g_autofree char *save_arg = g_strconcat ("--save=", saved, NULL);
  g_autofree char *saved_arg = g_strconcat ("--db=", saved, NULL);
  const char *first_args[] = { db_arg, save_arg, NULL };
  const char *second_args[] = { saved_arg, NULL };
  const char *classes[] = { "VM", "host", "pool", "console" };
  char *before[G_N_ELEMENTS (classes)] = { NULL };
  Sim *sim;
  Conn *c;

  g_assert_no_error (error);
  sim = sim_start_in (dir, first_args);
  c = conn_new (sim, "127.0.0.1");
  {
    g_autofree char *session = login (c);
    g_autofree char *s = sv (session);
    g_autofree char *r = xml_call (c, "VM.set_name_description", s, "<value>OpaqueRef:vm1</value>",
                                   "<value>saved &lt;here&gt;</value>", NULL);
    g_free (xml_call (c, "VM.add_tags", s, "<value>OpaqueRef:vm1</value>", "<value>a tag</value>", NULL));
    for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
      {
        g_autofree char *m = g_strdup_printf ("%s.get_all_records", classes[i]);
        before[i] = xml_call (c, m, s, NULL);
      }
  }
  conn_free (c);
  sim_stop_keep_dir (sim);
  g_free (sim->dir);
  g_free (sim);
  g_assert_true (g_file_test (saved, G_FILE_TEST_EXISTS));

  sim = sim_start_in (dir, second_args);
  c = conn_new (sim, "127.0.0.1");
  {
    g_autofree char *session = login (c);
    g_autofree char *s = sv (session);

    for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
      {
        g_autofree char *m = g_strdup_printf ("%s.get_all_records", classes[i]);
        g_autofree char *after = xml_call (c, m, s, NULL);
        g_autofree char *a = without_port (after);
        g_autofree char *b = without_port (before[i]);

        /* Console locations name the port, which differs between the two runs. */
        g_assert_cmpstr (a, ==, b);
      }
  }
  conn_free (c);
  sim_stop (sim);
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    g_free (before[i]);
}

static void
test_shared_fixtures (void)
{
  const char *shared = g_getenv ("LAGOON_SHARED_DIR");
  g_autofree char *fixtures = NULL;
  g_autoptr(GDir) d = NULL;
  const char *name;
  guint n = 0;

  if (shared == NULL || !g_file_test (shared, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("fixtures not found: ../shared is absent (a user's clone)");
      return;
    }
  fixtures = g_build_filename (shared, "fixtures", "xapi-db", NULL);
  d = g_dir_open (fixtures, 0, NULL);
  if (d == NULL)
    {
      g_test_skip ("fixtures not found: ../shared is absent (a user's clone)");
      return;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixtures, name, NULL);
      g_autofree char *arg = g_strconcat ("--db=", path, NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = g_dir_make_tmp ("xapi-sim-test-XXXXXX", &error);
      const char *args[] = { arg, NULL };
      Sim *sim;
      Conn *c;

      g_test_message ("loading %s", name);
      sim = sim_start_in (dir, args);
      c = conn_new (sim, "127.0.0.1");
      {
        g_autofree char *session = login (c);
        g_autofree char *s = sv (session);
        g_autofree char *pools = xml_call (c, "pool.get_all_records", s, NULL);
        g_autofree char *vms = xml_call (c, "VM.get_all_records", s, NULL);
        g_autofree char *events = xml_call (c, "event.from", s,
                                            "<value><array><data><value>*</value></data></array></value>",
                                            "<value></value>", "<value><double>0</double></value>", NULL);

        g_assert_true (g_str_has_prefix (pools, OK_HEAD "<value><struct><member><name>OpaqueRef:"));
        g_assert_true (g_str_has_prefix (vms, OK_HEAD "<value><struct><member><name>OpaqueRef:"));
        g_assert_true (g_str_has_prefix (events, OK_HEAD));
      }
      conn_free (c);
      sim_stop (sim);
      n++;
    }
  g_assert_cmpuint (n, >, 0);
}

static void
test_legacy_events (void)
{
  Sim *sim = sim_start (NULL);
  Conn *c = conn_new (sim, "127.0.0.1");
  g_autofree char *session = login (c);
  g_autofree char *s = sv (session);
  g_autofree char *r = NULL;
  g_autofree char *expected = NULL;

  r = xml_call (c, "event.next", s, NULL);
  expected = g_strdup_printf (ERR_HEAD "<value>SESSION_NOT_REGISTERED</value><value>%s</value>" ERR_TAIL,
                              session);
  g_assert_cmpstr (r, ==, expected);
  g_clear_pointer (&r, g_free);

  r = xml_call (c, "event.register", s, "<value><array><data><value>vm</value></data></array></value>", NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  g_free (xml_call (c, "VM.set_name_label", s, "<value>OpaqueRef:vm1</value>", "<value>legacy</value>", NULL));
  g_free (xml_call (c, "host.set_name_label", s, "<value>OpaqueRef:host1</value>", "<value>h</value>", NULL));
  r = xml_call (c, "event.next", s, NULL);
  g_assert_true (g_str_has_prefix (r, OK_HEAD "<value><array><data><value><struct><member><name>id</name>"));
  g_assert_nonnull (strstr (r, "<member><name>class</name><value>vm</value></member>"
                               "<member><name>operation</name><value>mod</value></member>"
                               "<member><name>ref</name><value>OpaqueRef:vm1</value></member>"
                               "<member><name>obj_uuid</name><value>vm-uuid-1</value></member>"));
  g_assert_null (strstr (r, "<member><name>class</name><value>host</value>"));
  g_clear_pointer (&r, g_free);

  r = xml_call (c, "event.unregister", s, "<value><array><data><value>VM</value></data></array></value>", NULL);
  g_clear_pointer (&r, g_free);
  r = xml_call (c, "event.next", s, NULL);
  g_assert_cmpstr (r, ==, expected);

  conn_free (c);
  sim_stop (sim);
}

static void
test_bad_input (void)
{
  Sim *sim = sim_start (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  static const char *const garbage[] = {
    "GARBAGE\r\n\r\n",
    "POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
    "POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n<methodCall>",
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "POST /jsonrpc HTTP/1.1\r\nContent-Length: 5\r\n\r\n[1,2]",
    "\x01\x02\x03\xff\xfe",
  };
  Conn *c;
  g_autofree char *session = NULL;
  g_autofree char *s = NULL;
  g_autofree char *r = NULL;
  int status;

  g_socket_client_set_enable_proxy (client, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
    {
      g_autoptr(GSocketConnection) conn = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                                           (guint16) sim->port, NULL, &error);
      g_assert_no_error (error);
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), garbage[i],
                                 strlen (garbage[i]), NULL, NULL, NULL);
      /* Hang up without waiting: abrupt disconnects must not hurt either. */
      g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
    }

  c = conn_new (sim, "127.0.0.1");
  /* Too large a body: 413. */
  {
    const char *big = "POST / HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n";
    g_autofree char *line = NULL;

    g_output_stream_write_all (c->out, big, strlen (big), NULL, NULL, &error);
    g_assert_no_error (error);
    line = g_data_input_stream_read_line (c->in, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (line, ==, "HTTP/1.1 413 Request Entity Too Large");
  }
  conn_free (c);

  /* Chunked bodies work; wrong JSON-RPC shapes are refused. */
  c = conn_new (sim, "127.0.0.1");
  {
    const char *body = "<methodCall><methodName>session.login_with_password</methodName><params>"
                       "<param><value>root</value></param><param><value>xenroot</value></param>"
                       "</params></methodCall>";
    g_autofree char *req = g_strdup_printf ("POST /RPC2 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                            "%zx\r\n%s\r\n0\r\n\r\n", strlen (body), body);
    g_autofree char *line = NULL;

    g_output_stream_write_all (c->out, req, strlen (req), NULL, NULL, &error);
    g_assert_no_error (error);
    line = g_data_input_stream_read_line (c->in, NULL, NULL, &error);
    g_assert_cmpstr (line, ==, "HTTP/1.1 200 OK");
  }
  conn_free (c);

  c = conn_new (sim, "127.0.0.1");
  r = conn_request (c, "POST", "/jsonrpc", "{\"method\":5,\"params\":[],\"id\":1}", &status, NULL);
  g_assert_cmpint (status, ==, 500);
  g_clear_pointer (&r, g_free);

  /* Still serving, and the object store is intact. */
  session = login (c);
  s = sv (session);
  r = xml_call (c, "VM.get_all_records_where", s,
                "<value>field \"name__label\"=\"vm one\" and not field \"power_state\"=\"Halted\"</value>", NULL);
  g_assert_true (g_str_has_prefix (r, OK_HEAD "<value><struct><member><name>OpaqueRef:vm1</name>"));
  g_clear_pointer (&r, g_free);
  r = xml_call (c, "VM.get_all_records_where", s, "<value>field \"name__label\"=\"nope\"</value>", NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value><struct></struct></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  /* A wrongly typed session parameter. */
  r = xml_call (c, "VM.get_all", "<value><int>3</int></value>", NULL);
  g_assert_cmpstr (r, ==, ERR_HEAD "<value>SESSION_INVALID</value><value></value>" ERR_TAIL);
  g_clear_pointer (&r, g_free);

  conn_free (c);
  sim_stop (sim);
}

static void
test_vm_lifecycle (void)
{
  Sim *sim = sim_start (NULL);
  Conn *c = conn_new (sim, "127.0.0.1");
  g_autofree char *session = login (c);
  g_autofree char *s = sv (session);
  const char *vm = "<value>OpaqueRef:vm1</value>";
  g_autofree char *r = NULL;
  g_autofree char *clone = NULL;
  g_autofree char *cv = NULL;

  r = xml_call (c, "VM.start", s, vm, "<value><boolean>0</boolean></value>",
                "<value><boolean>0</boolean></value>", NULL);
  g_assert_cmpstr (r, ==, ERR_HEAD "<value>VM_BAD_POWER_STATE</value><value>OpaqueRef:vm1</value>"
                          "<value>halted</value><value>running</value>" ERR_TAIL);
  g_clear_pointer (&r, g_free);

  r = xml_call (c, "VM.hard_shutdown", s, vm, NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  r = xml_call (c, "VM.get_power_state", s, vm, NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value>Halted</value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  r = xml_call (c, "VM.get_consoles", s, vm, NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value><array><data></data></array></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  r = xml_call (c, "VM.get_resident_on", s, vm, NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value>OpaqueRef:NULL</value>" OK_TAIL);
  g_clear_pointer (&r, g_free);

  /* Clone while halted: a new halted VM. */
  r = xml_call (c, "VM.clone", s, vm, "<value>the clone</value>", NULL);
  clone = ok_value (r);
  g_clear_pointer (&r, g_free);
  cv = sv (clone);
  r = xml_call (c, "VM.get_name_label", s, cv, NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value>the clone</value>" OK_TAIL);
  g_clear_pointer (&r, g_free);

  /* Start on the supporter: resident there, with a console that says so. */
  r = xml_call (c, "VM.start_on", s, vm, "<value>OpaqueRef:host2</value>", "<value><boolean>0</boolean></value>",
                "<value><boolean>0</boolean></value>", NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  r = xml_call (c, "host.get_resident_VMs", s, "<value>OpaqueRef:host2</value>", NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value><array><data><value>OpaqueRef:vm1</value></data></array></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  r = xml_call (c, "console.get_all_records", s, NULL);
  g_assert_nonnull (strstr (r, "<value>http://127.0.0.2:"));
  g_clear_pointer (&r, g_free);

  /* A running VM cannot be destroyed. */
  r = xml_call (c, "VM.destroy", s, vm, NULL);
  g_assert_true (g_str_has_prefix (r, ERR_HEAD "<value>VM_BAD_POWER_STATE</value>"));
  g_clear_pointer (&r, g_free);

  conn_free (c);
  sim_stop (sim);
}

/* A vApp of four VMs, orders 0, 0, 1, 2: groups start together, in order, with their delays. */
static void
test_vapp (void)
{
  const char *extra[] = { "--speed=0.2", NULL };
  Sim *sim = sim_start (extra);
  Conn *c = conn_new (sim, "127.0.0.1");
  Conn *poll_conn = conn_new (sim, "127.0.0.1");
  g_autofree char *session = login (c);
  g_autofree char *s = sv (session);
  const gint64 orders[4] = { 0, 0, 1, 2 };
  const gint64 delays[4] = { 1, 2, 1, 5 };   /* seconds, times --speed 0.2 */
  char *vms[4];
  char *vvs[4];
  gint64 seen[4] = { 0 };
  g_autofree char *app = NULL;
  g_autofree char *av = NULL;
  g_autofree char *task = NULL;
  g_autofree char *tv = NULL;
  g_autofree char *r = NULL;
  gint64 t0;
  guint running = 0;
  gboolean checked_busy = FALSE;

  r = xml_call (c, "VM.hard_shutdown", s, "<value>OpaqueRef:vm1</value>", NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  r = xml_call (c, "VM_appliance.create", s,
                "<value><struct><member><name>name_label</name><value>the vApp</value></member>"
                "</struct></value>", NULL);
  app = ok_value (r);
  av = sv (app);
  g_clear_pointer (&r, g_free);

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *order = g_strdup_printf ("<value><string>%" G_GINT64_FORMAT "</string></value>", orders[i]);
      g_autofree char *delay = g_strdup_printf ("<value><string>%" G_GINT64_FORMAT "</string></value>", delays[i]);

      r = xml_call (c, "VM.clone", s, "<value>OpaqueRef:vm1</value>", "<value>member</value>", NULL);
      vms[i] = ok_value (r);
      vvs[i] = sv (vms[i]);
      g_clear_pointer (&r, g_free);
      r = xml_call (c, "VM.set_appliance", s, vvs[i], av, NULL);
      g_assert_cmpstr (r, ==, OK_HEAD "<value></value>" OK_TAIL);
      g_clear_pointer (&r, g_free);
      r = xml_call (c, "VM.set_order", s, vvs[i], order, NULL);
      g_assert_cmpstr (r, ==, OK_HEAD "<value></value>" OK_TAIL);
      g_clear_pointer (&r, g_free);
      r = xml_call (c, "VM.set_start_delay", s, vvs[i], delay, NULL);
      g_assert_cmpstr (r, ==, OK_HEAD "<value></value>" OK_TAIL);
      g_clear_pointer (&r, g_free);
      r = xml_call (c, "VM.get_order", s, vvs[i], NULL);
      {
        g_autofree char *expected = g_strdup_printf (OK_HEAD "<value>%" G_GINT64_FORMAT "</value>" OK_TAIL,
                                                     orders[i]);
        g_assert_cmpstr (r, ==, expected);
      }
      g_clear_pointer (&r, g_free);
    }
  r = xml_call (c, "VM_appliance.get_VMs", s, av, NULL);
  for (guint i = 0; i < 4; i++)
    g_assert_nonnull (strstr (r, vms[i]));
  g_clear_pointer (&r, g_free);

  /* Start it as a task and watch the power states from another connection. */
  r = xml_call (c, "Async.VM_appliance.start", s, av, "<value><boolean>0</boolean></value>", NULL);
  task = ok_value (r);
  tv = sv (task);
  g_clear_pointer (&r, g_free);
  t0 = g_get_monotonic_time ();
  while (running < 4 && g_get_monotonic_time () - t0 < 20 * G_USEC_PER_SEC)
    {
      for (guint i = 0; i < 4; i++)
        {
          g_autofree char *state = NULL;

          if (seen[i] != 0)
            continue;
          state = xml_call (poll_conn, "VM.get_power_state", s, vvs[i], NULL);
          if (strstr (state, "<value>Running</value>") != NULL)
            {
              seen[i] = g_get_monotonic_time ();
              running++;
            }
        }
      if (running >= 2 && seen[2] == 0 && !checked_busy)
        {
          /* Between two groups: the vApp shows its operation and refuses another. */
          g_autofree char *ops = xml_call (poll_conn, "VM_appliance.get_current_operations", s, av, NULL);
          g_autofree char *allowed = xml_call (poll_conn, "VM_appliance.get_allowed_operations", s, av, NULL);
          g_autofree char *again = xml_call (poll_conn, "VM_appliance.start", s, av,
                                             "<value><boolean>0</boolean></value>", NULL);

          g_assert_nonnull (strstr (ops, "<value>start</value>"));
          g_assert_cmpstr (allowed, ==, OK_HEAD "<value><array><data></data></array></value>" OK_TAIL);
          g_assert_true (g_str_has_prefix (again, ERR_HEAD "<value>OTHER_OPERATION_IN_PROGRESS</value>"
                                                  "<value>VM_appliance</value>"));
          checked_busy = TRUE;
        }
      g_usleep (5 * 1000);
    }
  g_assert_cmpuint (running, ==, 4);
  g_assert_true (checked_busy);
  g_test_message ("vApp start: group 0 at +%.0f ms, group 1 +%.0f ms later, group 2 +%.0f ms later",
                  (MIN (seen[0], seen[1]) - t0) / 1000.0, (seen[2] - MAX (seen[0], seen[1])) / 1000.0,
                  (seen[3] - seen[2]) / 1000.0);
  /* The first group comes up together; then each group waits the previous one's longest delay
   * (2 s and 1 s at speed 0.2: 400 and 200 ms; 30 ms allowed for polling). */
  g_assert_cmpint (ABS (seen[0] - seen[1]), <, 100 * 1000);
  g_assert_cmpint (seen[2] - MAX (seen[0], seen[1]), >=, 370 * 1000);
  g_assert_cmpint (seen[3] - seen[2], >=, 170 * 1000);
  g_assert_cmpint (seen[3] - seen[2], <, 370 * 1000 + 300 * 1000);
  for (guint i = 0; i < 100; i++)
    {
      g_clear_pointer (&r, g_free);
      r = xml_call (c, "task.get_status", s, tv, NULL);
      if (strstr (r, "<value>pending</value>") == NULL)
        break;
      g_usleep (20 * 1000);
    }
  g_assert_cmpstr (r, ==, OK_HEAD "<value>success</value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  r = xml_call (c, "VM_appliance.get_allowed_operations", s, av, NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value><array><data><value>start</value><value>clean_shutdown</value>"
                          "<value>hard_shutdown</value><value>shutdown</value></data></array></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  r = xml_call (c, "VM_appliance.get_current_operations", s, av, NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value><struct></struct></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);

  /* Starting again skips the running VMs. */
  r = xml_call (c, "VM_appliance.start", s, av, "<value><boolean>0</boolean></value>", NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);

  /* clean_shutdown cannot stop a paused VM: the others stop, that one is reported. */
  r = xml_call (c, "VM.pause", s, vvs[3], NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  r = xml_call (c, "VM_appliance.clean_shutdown", s, av, NULL);
  {
    g_autofree char *expected = g_strdup_printf (ERR_HEAD "<value>OPERATION_PARTIALLY_FAILED</value>"
                                                 "<value>clean_shutdown</value><value>%s</value>" ERR_TAIL,
                                                 vms[3]);
    g_assert_cmpstr (r, ==, expected);
  }
  g_clear_pointer (&r, g_free);
  for (guint i = 0; i < 3; i++)
    {
      r = xml_call (c, "VM.get_power_state", s, vvs[i], NULL);
      g_assert_cmpstr (r, ==, OK_HEAD "<value>Halted</value>" OK_TAIL);
      g_clear_pointer (&r, g_free);
    }
  /* shutdown falls back to a hard shutdown. */
  r = xml_call (c, "VM_appliance.shutdown", s, av, NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value></value>" OK_TAIL);
  g_clear_pointer (&r, g_free);
  r = xml_call (c, "VM.get_power_state", s, vvs[3], NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value>Halted</value>" OK_TAIL);
  g_clear_pointer (&r, g_free);

  /* VM.start itself returns start_delay after the boot (1 s at speed 0.2), and the VM_metrics
   * record says when the domain started. */
  t0 = g_get_monotonic_time ();
  r = xml_call (c, "VM.start", s, vvs[0], "<value><boolean>0</boolean></value>",
                "<value><boolean>0</boolean></value>", NULL);
  g_assert_cmpstr (r, ==, OK_HEAD "<value></value>" OK_TAIL);
  g_assert_cmpint (g_get_monotonic_time () - t0, >=, 190 * 1000);
  g_clear_pointer (&r, g_free);
  r = xml_call (c, "VM.get_metrics", s, vvs[0], NULL);
  {
    g_autofree char *metrics = ok_value (r);
    g_autofree char *mv = sv (metrics);
    g_autofree char *st = NULL;
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
    g_autofree char *year = g_date_time_format (now, "<value><dateTime.iso8601>%Y");

    g_assert_true (g_str_has_prefix (metrics, "OpaqueRef:"));
    g_assert_cmpstr (metrics, !=, "OpaqueRef:NULL");
    st = xml_call (c, "VM_metrics.get_start_time", s, mv, NULL);
    g_assert_true (g_str_has_prefix (st, OK_HEAD));
    g_assert_nonnull (strstr (st, year));
  }
  g_clear_pointer (&r, g_free);

  for (guint i = 0; i < 4; i++)
    {
      g_free (vms[i]);
      g_free (vvs[i]);
    }
  conn_free (poll_conn);
  conn_free (c);
  sim_stop (sim);
}

/* Checks one xport document: legend length = columns = <v> per row, rows newest first. */
static guint
check_xport (const char *xml,
             const char *must_have,
             const char *must_not_have)
{
  g_autoptr(GRegex) meta = g_regex_new ("^<\\?xml version=\"1.0\" encoding=\"UTF-8\"\\?><xport><meta><start>(\\d+)"
                                        "</start><step>(\\d+)</step><end>(\\d+)</end><rows>(\\d+)</rows>"
                                        "<columns>(\\d+)</columns><legend>", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *columns_s = NULL;
  g_autofree char *rows_s = NULL;
  g_autofree char *step_s = NULL;
  g_autofree char *end_s = NULL;
  g_auto(GStrv) rows = NULL;
  const char *legend;
  const char *data;
  guint columns;
  guint n_entries = 0;
  gint64 prev_t = G_MAXINT64;

  g_assert_true (g_regex_match (meta, xml, 0, &match));
  step_s = g_match_info_fetch (match, 2);
  end_s = g_match_info_fetch (match, 3);
  rows_s = g_match_info_fetch (match, 4);
  columns_s = g_match_info_fetch (match, 5);
  columns = (guint) g_ascii_strtoull (columns_s, NULL, 10);
  g_assert_cmpuint (columns, >, 0);
  legend = strstr (xml, "<legend>");
  data = strstr (xml, "</legend></meta><data>");
  g_assert_nonnull (data);
  for (const char *p = legend; p < data && (p = strstr (p, "<entry>")) != NULL && p < data; p++)
    {
      g_assert_true (g_str_has_prefix (p, "<entry>AVERAGE:host:") || g_str_has_prefix (p, "<entry>AVERAGE:vm:"));
      n_entries++;
    }
  g_assert_cmpuint (n_entries, ==, columns);
  if (must_have != NULL)
    g_assert_nonnull (g_strstr_len (legend, data - legend, must_have));
  if (must_not_have != NULL)
    g_assert_null (g_strstr_len (legend, data - legend, must_not_have));
  g_assert_true (g_str_has_suffix (xml, "</data></xport>"));

  rows = g_strsplit (data + strlen ("</legend></meta><data>"), "<row>", -1);
  g_assert_cmpuint (g_strv_length (rows) - 1, ==, g_ascii_strtoull (rows_s, NULL, 10));
  for (guint r = 1; rows[r] != NULL; r++)
    {
      g_auto(GStrv) cells = g_strsplit (rows[r], "<v>", -1);
      gint64 t;

      g_assert_true (g_str_has_prefix (rows[r], "<t>"));
      t = g_ascii_strtoll (rows[r] + 3, NULL, 10);
      if (r == 1)
        g_assert_cmpint (t, ==, g_ascii_strtoll (end_s, NULL, 10));
      else
        g_assert_cmpint (prev_t - t, ==, g_ascii_strtoll (step_s, NULL, 10));
      prev_t = t;
      g_assert_cmpuint (g_strv_length (cells) - 1, ==, columns);
      for (guint i = 1; cells[i] != NULL; i++)
        {
          char *end = NULL;
          double v = g_ascii_strtod (cells[i], &end);
          g_assert_true (g_str_has_prefix (end, "</v>"));
          g_assert_cmpfloat (v, >=, 0.0);
        }
    }
  return columns;
}

/* Checks an rrdtool dump: 12 archives (AVERAGE/MIN/MAX x 5 s, 1 min, 1 h, 1 day), every row
 * with one <v> per data source. Returns the number of data sources. */
static guint
check_rrd_dump (const char *xml)
{
  static const guint rows[] = { 120, 120, 168, 366 };
  g_auto(GStrv) rras = g_strsplit (xml, "<rra>", -1);
  guint n_ds = 0;

  g_assert_true (g_str_has_prefix (xml, "<?xml version=\"1.0\" encoding=\"utf-8\"?><rrd><version>0003</version>"
                                        "<step>5</step><lastupdate>"));
  g_assert_true (g_str_has_suffix (xml, "</rrd>"));
  for (const char *p = rras[0]; (p = strstr (p, "<ds><name>")) != NULL; p++)
    n_ds++;
  g_assert_cmpuint (n_ds, >, 0);
  g_assert_cmpuint (g_strv_length (rras), ==, 13);
  for (guint a = 1; rras[a] != NULL; a++)
    {
      const char *db = strstr (rras[a], "<database>");
      g_auto(GStrv) row_parts = NULL;

      g_assert_nonnull (db);
      row_parts = g_strsplit (db, "<row>", -1);
      g_assert_cmpuint (g_strv_length (row_parts) - 1, ==, rows[(a - 1) / 3]);
      for (guint r = 1; row_parts[r] != NULL; r++)
        {
          g_auto(GStrv) cells = g_strsplit (row_parts[r], "<v>", -1);
          g_assert_cmpuint (g_strv_length (cells) - 1, ==, n_ds);
        }
    }
  return n_ds;
}

static void
test_rrd_updates (void)
{
  Sim *sim = sim_start (NULL);
  Conn *c = conn_new (sim, "127.0.0.1");
  Conn *c2 = conn_new (sim, "127.0.0.2");
  g_autofree char *session = login (c);
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  g_autofree char *headers = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonObject *jmeta;
  JsonArray *jdata;
  int status;
  guint columns;

  /* The supporter serves itself and vm1 (resident there). */
  path = g_strdup_printf ("/rrd_updates?start=-60&cf=AVERAGE&interval=5&host=true&session_id=%s", session);
  body = conn_request (c2, "GET", path, "", &status, &headers);
  g_assert_cmpint (status, ==, 200);
  g_assert_nonnull (strstr (headers, "Content-Type: text/xml"));
  columns = check_xport (body, "<entry>AVERAGE:vm:vm-uuid-1:cpu0</entry>", NULL);
  g_assert_nonnull (strstr (body, "<entry>AVERAGE:host:host-uuid-2:cpu0</entry>"));
  g_assert_nonnull (strstr (body, "<entry>AVERAGE:host:host-uuid-2:memory_free_kib</entry>"));
  g_assert_nonnull (strstr (body, "<entry>AVERAGE:vm:vm-uuid-1:memory</entry>"));
  g_assert_nonnull (strstr (body, "<rows>12</rows>"));
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&headers, g_free);

  /* The coordinator has no VM running: its own series only. */
  body = conn_request (c, "GET", path, "", &status, NULL);
  g_assert_cmpint (status, ==, 200);
  check_xport (body, "<entry>AVERAGE:host:host-uuid-1:cpu0</entry>", ":vm:");
  g_clear_pointer (&body, g_free);

  /* JSON: the same shape, values as strings. */
  g_clear_pointer (&path, g_free);
  path = g_strdup_printf ("/rrd_updates?start=-60&cf=AVERAGE&interval=5&host=true&json=true&session_id=%s", session);
  body = conn_request (c2, "GET", path, "", &status, NULL);
  g_assert_cmpint (status, ==, 200);
  g_assert_true (json_parser_load_from_data (parser, body, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  jmeta = json_object_get_object_member (root, "meta");
  jdata = json_object_get_array_member (root, "data");
  g_assert_cmpint (json_object_get_int_member (jmeta, "columns"), ==, columns);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (jmeta, "legend")), ==, columns);
  g_assert_cmpint (json_object_get_int_member (jmeta, "rows"), ==, json_array_get_length (jdata));
  for (guint r = 0; r < json_array_get_length (jdata); r++)
    {
      JsonArray *values = json_object_get_array_member (json_array_get_object_element (jdata, r), "values");
      g_assert_cmpuint (json_array_get_length (values), ==, columns);
      for (guint i = 0; i < columns; i++)
        {
          char *end = NULL;
          g_ascii_strtod (json_array_get_string_element (values, i), &end);
          g_assert_cmpstr (end, ==, "");
        }
    }
  g_clear_pointer (&body, g_free);

  /* Only the VMs asked for. */
  g_clear_pointer (&path, g_free);
  path = g_strdup_printf ("/rrd_updates?start=-60&vm_uuid=nothing&session_id=%s", session);
  body = conn_request (c2, "GET", path, "", &status, NULL);
  g_assert_cmpint (status, ==, 200);
  g_assert_nonnull (strstr (body, "<columns>0</columns>"));
  g_clear_pointer (&body, g_free);

  /* Errors: no start, no session. */
  g_clear_pointer (&path, g_free);
  path = g_strdup_printf ("/rrd_updates?cf=AVERAGE&session_id=%s", session);
  body = conn_request (c2, "GET", path, "", &status, NULL);
  g_assert_cmpint (status, ==, 400);
  g_clear_pointer (&body, g_free);
  body = conn_request (c2, "GET", "/rrd_updates?start=0", "", &status, NULL);
  g_assert_cmpint (status, ==, 401);
  g_clear_pointer (&body, g_free);

  /* Full dumps. */
  g_clear_pointer (&path, g_free);
  path = g_strdup_printf ("/host_rrd?session_id=%s", session);
  body = conn_request (c2, "GET", path, "", &status, NULL);
  g_assert_cmpint (status, ==, 200);
  check_rrd_dump (body);
  g_assert_nonnull (strstr (body, "<ds><name>memory_total_kib</name>"));
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&path, g_free);
  path = g_strdup_printf ("/vm_rrd?uuid=vm-uuid-1&session_id=%s", session);
  body = conn_request (c2, "GET", path, "", &status, NULL);
  g_assert_cmpint (status, ==, 200);
  check_rrd_dump (body);
  g_assert_nonnull (strstr (body, "<ds><name>cpu0</name>"));
  g_assert_nonnull (strstr (body, "<ds><name>memory</name>"));
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&path, g_free);
  path = g_strdup_printf ("/vm_rrd?uuid=no-such-vm&session_id=%s", session);
  body = conn_request (c2, "GET", path, "", &status, NULL);
  g_assert_cmpint (status, ==, 404);
  g_clear_pointer (&body, g_free);

  conn_free (c2);
  conn_free (c);
  sim_stop (sim);
}

/* ---- in-process unit tests ------------------------------------------------------------------ */

static void
test_parse_requests (void)
{
  static const char *const bad[] = {
    "", "<", "<methodCall/>", "<methodCall><methodName>a</methodName><params><param></param></params></methodCall>",
    "<methodCall><methodName>a</methodName><params><param><value><int>x</int></value></param></params></methodCall>",
    "<methodCall><methodName>a</methodName><params><param><value><struct><member><value>1</value>"
    "</member></struct></value></param></params></methodCall>",
    "<!DOCTYPE x [<!ENTITY a \"b\">]><methodCall><methodName>&a;</methodName></methodCall>",
    "<methodCall><methodName>a</methodName><bogus/></methodCall>",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(SimRequest) r = NULL;
  g_autoptr(GString) deep = g_string_new ("<methodCall><methodName>a</methodName><params><param>");
  g_autofree char *text = NULL;

  {
    const char *xml = "<?xml version='1.0'?>\n<methodCall>\n<methodName>VM.get</methodName>\n<params>\n"
                      "<param>\n<value><string>a</string></value>\n</param>\n"
                      "<param><value>  b </value></param>"
                      "<param><value><i4>-5</i4></value></param>"
                      "<param><value><boolean>1</boolean></value></param>"
                      "<param><value><double>2.5</double></value></param>"
                      "<param><value><array><data><value>x</value><value><int>1</int></value>"
                      "</data></array></value></param>"
                      "<param><value><struct><member><name>k</name><value>v</value></member>"
                      "</struct></value></param>"
                      "<param><value><nil/></value></param>"
                      "<param><value/></param>"
                      "</params>\n</methodCall>\n";
    r = sim_request_parse_xml (xml, strlen (xml), &error);
  }
  g_assert_no_error (error);
  g_assert_cmpstr (r->method, ==, "VM.get");
  text = g_variant_print (r->params, FALSE);
  g_assert_cmpstr (text, ==, "[<'a'>, <'  b '>, <int64 -5>, <true>, <2.5>, <[<'x'>, <int64 1>]>, "
                             "<{'k': <'v'>}>, <@mv nothing>, <''>]");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(SimRequest) b = sim_request_parse_xml (bad[i], strlen (bad[i]), &error);
      g_assert_null (b);
      g_assert_error (error, SIM_REQUEST_ERROR, SIM_REQUEST_ERROR_PARSE);
      g_clear_error (&error);
    }

  for (int i = 0; i < 1000; i++)
    g_string_append (deep, "<value><array><data>");
  {
    g_autoptr(SimRequest) b = sim_request_parse_xml (deep->str, deep->len, &error);
    g_assert_null (b);
    g_clear_error (&error);
  }
  g_string_assign (deep, "{\"method\":\"a\",\"id\":1,\"params\":");
  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  {
    g_autoptr(SimRequest) b = sim_request_parse_json (deep->str, deep->len, &error);
    g_assert_null (b);
    g_clear_error (&error);
  }
  {
    const char *notification = "{\"method\":\"a\",\"params\":[]}";
    g_autoptr(SimRequest) b = sim_request_parse_json (notification, strlen (notification), &error);
    g_assert_null (b);
    g_clear_error (&error);
  }
}

static void
test_writer (void)
{
  g_autoptr(GString) out = g_string_new (NULL);
  SimWriter w;

  sim_writer_init (&w, out, FALSE);
  sim_writer_begin_struct (&w);
  sim_writer_member (&w, "a");
  sim_writer_double (&w, 0.1);
  sim_writer_end_member (&w);
  sim_writer_member (&w, "b");
  sim_writer_string (&w, "<&\"\x01>");
  sim_writer_end_member (&w);
  sim_writer_end_struct (&w);
  g_assert_cmpstr (out->str, ==, "<value><struct><member><name>a</name><value><double>0.1</double></value>"
                                 "</member><member><name>b</name><value>&lt;&amp;&quot;&gt;</value></member>"
                                 "</struct></value>");

  g_string_truncate (out, 0);
  sim_writer_init (&w, out, TRUE);
  sim_writer_begin_array (&w);
  sim_writer_double (&w, 1);
  sim_writer_begin_struct (&w);
  sim_writer_member (&w, "x");
  sim_writer_string (&w, "q\"\n");
  sim_writer_end_member (&w);
  sim_writer_member (&w, "y");
  sim_writer_bool (&w, TRUE);
  sim_writer_end_member (&w);
  sim_writer_end_struct (&w);
  sim_writer_int (&w, -3);
  sim_writer_end_array (&w);
  g_assert_cmpstr (out->str, ==, "[1.0,{\"x\":\"q\\\"\\n\",\"y\":true},-3]");
}

static void
test_relations (void)
{
  g_autofree char *rels = sim_db_describe_relations ();

  g_assert_nonnull (strstr (rels, "VBD.VM VM.VBDs\n"));
  g_assert_nonnull (strstr (rels, "VM.resident_on host.resident_VMs\n"));
  g_assert_nonnull (strstr (rels, "console.VM VM.consoles\n"));
  g_assert_nonnull (strstr (rels, "VM.snapshot_of VM.snapshots\n"));
  g_assert_nonnull (strstr (rels, "task.subtask_of task.subtasks\n"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lagoon/xapi-sim/parse-requests", test_parse_requests);
  g_test_add_func ("/lagoon/xapi-sim/writer", test_writer);
  g_test_add_func ("/lagoon/xapi-sim/relations", test_relations);
  g_test_add_func ("/lagoon/xapi-sim/login", test_login);
  g_test_add_func ("/lagoon/xapi-sim/records", test_records);
  g_test_add_func ("/lagoon/xapi-sim/errors", test_errors);
  g_test_add_func ("/lagoon/xapi-sim/jsonrpc", test_jsonrpc);
  g_test_add_func ("/lagoon/xapi-sim/events", test_events);
  g_test_add_func ("/lagoon/xapi-sim/supporter", test_supporter);
  g_test_add_func ("/lagoon/xapi-sim/tasks", test_tasks);
  g_test_add_func ("/lagoon/xapi-sim/legacy-events", test_legacy_events);
  g_test_add_func ("/lagoon/xapi-sim/vm-lifecycle", test_vm_lifecycle);
  g_test_add_func ("/lagoon/xapi-sim/vapp", test_vapp);
  g_test_add_func ("/lagoon/xapi-sim/rrd-updates", test_rrd_updates);
  g_test_add_func ("/lagoon/xapi-sim/bad-input", test_bad_input);
  g_test_add_func ("/lagoon/xapi-sim/save-round-trip", test_save_round_trip);
  g_test_add_func ("/lagoon/xapi-sim/shared-fixtures", test_shared_fixtures);

  return g_test_run ();
}
