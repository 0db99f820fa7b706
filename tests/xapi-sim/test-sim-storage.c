/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Storage and networks in xapi-sim, over the wire: SRs, PBDs, VDIs, VBDs, networks, VIFs,
 * VLANs, bonds and PIFs, each operation with its success and its errors as xapi gives them.
 * Every test starts the real binary on a generated two-host pool and speaks XML-RPC to it.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "lagoon-xmlrpc.h"

#define GiB ((gint64) 1024 * 1024 * 1024)
#define MiB ((gint64) 1024 * 1024)

typedef struct
{
  GSubprocess       *proc;
  guint              port;
  GSocketConnection *conn;
  GDataInputStream  *in;
  GOutputStream     *out;
  char              *session;
  char              *tmp;   /* a scratch directory, removed at teardown */
} Fixture;

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
connect_sim (Fixture *f)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;

  g_socket_client_set_timeout (client, 30);
  g_socket_client_set_enable_proxy (client, FALSE);
  f->conn = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) f->port, NULL, &error);
  g_assert_no_error (error);
  f->in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (f->conn)));
  g_data_input_stream_set_newline_type (f->in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  f->out = g_io_stream_get_output_stream (G_IO_STREAM (f->conn));
}

/* One XML-RPC call; returns xapi's envelope (a{sv} with Status and Value/ErrorDescription). */
static GVariant *
rpc (Fixture    *f,
     const char *method,
     GVariant   *params)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) sunk = g_variant_ref_sink (params);
  g_autoptr(GBytes) body = lagoon_xmlrpc_build_call (method, sunk, &error);
  g_autofree char *head = NULL;
  g_autofree char *status_line = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;
  GVariant *top;

  g_assert_no_error (error);
  head = g_strdup_printf ("POST / HTTP/1.1\r\nHost: sim\r\nContent-Type: text/xml\r\n"
                          "Content-Length: %zu\r\n\r\n", g_bytes_get_size (body));
  g_assert_true (g_output_stream_write_all (f->out, head, strlen (head), NULL, NULL, &error));
  g_assert_true (g_output_stream_write_all (f->out, g_bytes_get_data (body, NULL),
                                            g_bytes_get_size (body), NULL, NULL, &error));
  g_assert_no_error (error);
  status_line = g_data_input_stream_read_line (f->in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (status_line, ==, "HTTP/1.1 200 OK");
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (f->in, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);
      if (*line == '\0')
        break;
      if (g_ascii_strncasecmp (line, "Content-Length:", 15) == 0)
        length = (gsize) g_ascii_strtoull (line + 15, NULL, 10);
    }
  data = g_malloc0 (length + 1);
  g_assert_true (g_input_stream_read_all (G_INPUT_STREAM (f->in), data, length, NULL, NULL,
                                          &error));
  g_assert_no_error (error);
  top = lagoon_xmlrpc_parse_response (data, length, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_is_of_type (top, G_VARIANT_TYPE_VARDICT));
  return top;
}

/* The call's parameters after the session, as a tuple built from @format. */
static GVariant *
with_session (Fixture    *f,
              const char *format,
              va_list    *ap)
{
  GVariantBuilder b;
  g_autoptr(GVariant) rest = g_variant_ref_sink (g_variant_new_va (format, NULL, ap));
  GVariantIter iter;
  GVariant *child;

  g_variant_builder_init (&b, G_VARIANT_TYPE_TUPLE);
  g_variant_builder_add (&b, "s", f->session);
  g_variant_iter_init (&iter, rest);
  while ((child = g_variant_iter_next_value (&iter)))
    {
      g_variant_builder_add_value (&b, child);
      g_variant_unref (child);
    }
  return g_variant_builder_end (&b);
}

static char *
describe_error (GVariant *top)
{
  g_autoptr(GVariant) desc = g_variant_lookup_value (top, "ErrorDescription", NULL);

  return desc != NULL ? g_variant_print (desc, FALSE) : g_strdup ("(no ErrorDescription)");
}

/* Calls @method (session first) and returns the Value; the test fails on a Failure. */
static GVariant *
ok (Fixture    *f,
    const char *method,
    const char *format,
    ...)
{
  g_autoptr(GVariant) top = NULL;
  const char *status = NULL;
  va_list ap;
  GVariant *value;

  va_start (ap, format);
  top = rpc (f, method, with_session (f, format, &ap));
  va_end (ap);
  g_assert_true (g_variant_lookup (top, "Status", "&s", &status));
  if (!g_str_equal (status, "Success"))
    {
      g_autofree char *e = describe_error (top);
      g_error ("%s failed: %s", method, e);
    }
  value = g_variant_lookup_value (top, "Value", NULL);
  g_assert_nonnull (value);
  return value;
}

/* Calls @method and returns its ErrorDescription; the test fails on a Success. */
static GStrv
fail (Fixture    *f,
      const char *method,
      const char *format,
      ...)
{
  g_autoptr(GVariant) top = NULL;
  g_autoptr(GVariant) desc = NULL;
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  const char *status = NULL;
  GVariantIter iter;
  GVariant *item;
  va_list ap;

  va_start (ap, format);
  top = rpc (f, method, with_session (f, format, &ap));
  va_end (ap);
  g_assert_true (g_variant_lookup (top, "Status", "&s", &status));
  if (!g_str_equal (status, "Failure"))
    g_error ("%s succeeded where it should fail", method);
  desc = g_variant_lookup_value (top, "ErrorDescription", G_VARIANT_TYPE ("av"));
  g_assert_nonnull (desc);
  g_variant_iter_init (&iter, desc);
  while (g_variant_iter_next (&iter, "v", &item))
    {
      g_assert_true (g_variant_is_of_type (item, G_VARIANT_TYPE_STRING));
      g_strv_builder_add (b, g_variant_get_string (item, NULL));
      g_variant_unref (item);
    }
  return g_strv_builder_end (b);
}

/* Checks an error description against @code and the expected parameters (NULL-terminated;
 * "*" matches anything). */
static void
assert_error (GStrv       desc,
              const char *code,
              ...)
{
  va_list ap;
  guint i = 1;
  const char *p;
  g_autofree char *all = g_strjoinv ("|", desc);

  if (g_strcmp0 (desc[0], code) != 0)
    g_error ("expected %s, got %s", code, all);
  va_start (ap, code);
  while ((p = va_arg (ap, const char *)) != NULL)
    {
      if (desc[i] == NULL)
        g_error ("%s: parameter %u missing (%s)", code, i, all);
      if (!g_str_equal (p, "*") && !g_str_equal (p, desc[i]))
        g_error ("%s: parameter %u is '%s', expected '%s' (%s)", code, i, desc[i], p, all);
      i++;
    }
  va_end (ap);
  if (desc[i] != NULL)
    g_error ("%s: more parameters than expected (%s)", code, all);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autofree char *binary = g_build_filename (LAGOON_BUILDDIR, "tests", "xapi-sim", "xapi-sim",
                                              NULL);
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GVariant) top = NULL;
  g_autoptr(GVariant) value = NULL;
  const char *colon;

  f->tmp = g_dir_make_tmp ("sim-storage-XXXXXX", &error);
  g_assert_no_error (error);
  /* The simulator dies with the test, even when an assertion aborts it. */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  /* @data: one more option for the simulator, or NULL. */
  f->proc = g_subprocess_launcher_spawn (launcher, &error, binary, "--port=0",
                                         "--generate=2:8:7", "--consoles=none",
                                         (const char *) data, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->proc));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "xapi-sim: listening on http://127.0.0.1:"));
  colon = strrchr (line, ':');
  f->port = (guint) g_ascii_strtoull (colon + 1, NULL, 10);
  connect_sim (f);

  top = rpc (f, "session.login_with_password", g_variant_new ("(ss)", "root", "xenroot"));
  value = g_variant_lookup_value (top, "Value", G_VARIANT_TYPE_STRING);
  g_assert_nonnull (value);
  f->session = g_variant_dup_string (value, NULL);
}

static void
rm_tree (const char *dir)
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

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->in);
  g_clear_object (&f->conn);
  g_subprocess_send_signal (f->proc, SIGTERM);
  g_subprocess_wait (f->proc, NULL, NULL);
  g_clear_object (&f->proc);
  rm_tree (f->tmp);
  g_free (f->tmp);
  g_free (f->session);
}

/* ---- record helpers ------------------------------------------------------------------- */

static GVariant *
record (Fixture    *f,
        const char *klass,
        const char *ref)
{
  g_autofree char *method = g_strdup_printf ("%s.get_record", klass);

  return ok (f, method, "(s)", ref);
}

static char *
field_str (Fixture    *f,
           const char *klass,
           const char *ref,
           const char *field)
{
  g_autoptr(GVariant) rec = record (f, klass, ref);
  const char *s = NULL;

  if (!g_variant_lookup (rec, field, "&s", &s))
    g_error ("%s.%s is not a string", klass, field);
  return g_strdup (s);
}

static gint64
field_int (Fixture    *f,
           const char *klass,
           const char *ref,
           const char *field)
{
  g_autoptr(GVariant) rec = record (f, klass, ref);
  const char *s = NULL;
  char *end = NULL;
  gint64 v;

  /* xapi sends ints as decimal strings. */
  if (!g_variant_lookup (rec, field, "&s", &s))
    g_error ("%s.%s is not an int", klass, field);
  v = g_ascii_strtoll (s, &end, 10);
  g_assert_true (*s != '\0' && *end == '\0');
  return v;
}

static gboolean
field_bool (Fixture    *f,
            const char *klass,
            const char *ref,
            const char *field)
{
  g_autoptr(GVariant) rec = record (f, klass, ref);
  gboolean v = FALSE;

  if (!g_variant_lookup (rec, field, "b", &v))
    g_error ("%s.%s is not a bool", klass, field);
  return v;
}

/* A set field as a NULL-terminated array of strings. */
static GStrv
field_set (Fixture    *f,
           const char *klass,
           const char *ref,
           const char *field)
{
  g_autoptr(GVariant) rec = record (f, klass, ref);
  g_autoptr(GVariant) set = g_variant_lookup_value (rec, field, G_VARIANT_TYPE ("av"));
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  GVariantIter iter;
  GVariant *item;

  g_assert_nonnull (set);
  g_variant_iter_init (&iter, set);
  while (g_variant_iter_next (&iter, "v", &item))
    {
      g_strv_builder_add (b, g_variant_get_string (item, NULL));
      g_variant_unref (item);
    }
  return g_strv_builder_end (b);
}

static char *
map_value (Fixture    *f,
           const char *klass,
           const char *ref,
           const char *field,
           const char *key)
{
  g_autoptr(GVariant) rec = record (f, klass, ref);
  g_autoptr(GVariant) map = g_variant_lookup_value (rec, field, G_VARIANT_TYPE_VARDICT);
  const char *s = NULL;

  g_assert_nonnull (map);
  return g_variant_lookup (map, key, "&s", &s) ? g_strdup (s) : NULL;
}

static gboolean
set_contains (Fixture    *f,
              const char *klass,
              const char *ref,
              const char *field,
              const char *item)
{
  g_auto(GStrv) set = field_set (f, klass, ref, field);

  return g_strv_contains ((const char *const *) set, item);
}

static GStrv
all_refs (Fixture    *f,
          const char *klass)
{
  g_autofree char *method = g_strdup_printf ("%s.get_all", klass);
  g_autoptr(GVariant) refs = ok (f, method, "()");
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  GVariantIter iter;
  GVariant *item;

  g_variant_iter_init (&iter, refs);
  while (g_variant_iter_next (&iter, "v", &item))
    {
      g_strv_builder_add (b, g_variant_get_string (item, NULL));
      g_variant_unref (item);
    }
  return g_strv_builder_end (b);
}

static gboolean
exists (Fixture    *f,
        const char *klass,
        const char *ref)
{
  g_auto(GStrv) refs = all_refs (f, klass);

  return g_strv_contains ((const char *const *) refs, ref);
}

static char *
value_string (GVariant *v)
{
  g_assert_true (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING));
  return g_variant_dup_string (v, NULL);
}

/* ok() for calls returning a ref or a string. */
#define OK_STR(f, method, ...) \
  ({ g_autoptr(GVariant) _v = ok ((f), (method), __VA_ARGS__); value_string (_v); })
/* ok() for void calls. */
#define OK_VOID(f, method, ...) \
  G_STMT_START { g_autoptr(GVariant) _v = ok ((f), (method), __VA_ARGS__); } G_STMT_END

static GVariant *
smap (const char *first_key,
      ...)
{
  GVariantBuilder b;
  va_list ap;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{ss}"));
  va_start (ap, first_key);
  for (const char *k = first_key; k != NULL; k = va_arg (ap, const char *))
    g_variant_builder_add (&b, "{ss}", k, va_arg (ap, const char *));
  va_end (ap);
  return g_variant_builder_end (&b);
}

static char *
master (Fixture *f)
{
  g_auto(GStrv) pools = all_refs (f, "pool");

  return field_str (f, "pool", pools[0], "master");
}

static char *
create_sr (Fixture    *f,
           const char *host,
           GVariant   *dconf,
           const char *name,
           const char *type,
           const char *content_type,
           gboolean    shared)
{
  return OK_STR (f, "SR.create", "(s@a{ss}xssssb@a{ss})", host, dconf, (gint64) 0, name, "",
                 type, content_type, shared, smap (NULL));
}

static GStrv
create_sr_fails (Fixture    *f,
                 const char *host,
                 GVariant   *dconf,
                 const char *type)
{
  return fail (f, "SR.create", "(s@a{ss}xssssb@a{ss})", host, dconf, (gint64) 0, "x", "", type,
               "", TRUE, smap (NULL));
}

static char *
nfs_sr (Fixture    *f,
        const char *path)
{
  g_autofree char *host = master (f);

  return create_sr (f, host, smap ("server", "filer.lagoon.test", "serverpath", path, NULL),
                    "NFS test", "nfs", "", TRUE);
}

static char *
iscsi_sr (Fixture    *f,
          guint       lun)
{
  g_autofree char *host = master (f);
  const char *ids[] = { "36001405a7c3e2b1f4d5c6b7a8091a2b0", "36001405a7c3e2b1f4d5c6b7a8091a2b1" };

  return create_sr (f, host, smap ("target", "10.0.1.20",
                                   "targetIQN", "iqn.2026-01.dev.lagoon.san:10-0-1-20",
                                   "SCSIid", ids[lun], NULL),
                    "iSCSI test", "lvmoiscsi", "", TRUE);
}

static char *
create_vdi (Fixture    *f,
            const char *sr,
            const char *name,
            gint64      size)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "SR", g_variant_new_string (sr));
  g_variant_builder_add (&b, "{sv}", "name_label", g_variant_new_string (name));
  g_variant_builder_add (&b, "{sv}", "virtual_size", g_variant_new_int64 (size));
  g_variant_builder_add (&b, "{sv}", "type", g_variant_new_string ("user"));
  g_variant_builder_add (&b, "{sv}", "sharable", g_variant_new_boolean (FALSE));
  g_variant_builder_add (&b, "{sv}", "read_only", g_variant_new_boolean (FALSE));
  g_variant_builder_add (&b, "{sv}", "other_config", smap (NULL));
  return OK_STR (f, "VDI.create", "(@a{sv})", g_variant_builder_end (&b));
}

static GStrv
create_vdi_fails (Fixture    *f,
                  const char *sr,
                  gint64      size)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "SR", g_variant_new_string (sr));
  g_variant_builder_add (&b, "{sv}", "virtual_size", g_variant_new_int64 (size));
  g_variant_builder_add (&b, "{sv}", "type", g_variant_new_string ("user"));
  g_variant_builder_add (&b, "{sv}", "sharable", g_variant_new_boolean (FALSE));
  g_variant_builder_add (&b, "{sv}", "read_only", g_variant_new_boolean (FALSE));
  g_variant_builder_add (&b, "{sv}", "other_config", smap (NULL));
  return fail (f, "VDI.create", "(@a{sv})", g_variant_builder_end (&b));
}

static GVariant *
vbd_record (const char *vm,
            const char *vdi,
            const char *userdevice,
            const char *mode,
            const char *type,
            gboolean    empty,
            gboolean    unpluggable)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "VM", g_variant_new_string (vm));
  g_variant_builder_add (&b, "{sv}", "VDI", g_variant_new_string (vdi));
  g_variant_builder_add (&b, "{sv}", "userdevice", g_variant_new_string (userdevice));
  g_variant_builder_add (&b, "{sv}", "bootable", g_variant_new_boolean (FALSE));
  g_variant_builder_add (&b, "{sv}", "mode", g_variant_new_string (mode));
  g_variant_builder_add (&b, "{sv}", "type", g_variant_new_string (type));
  g_variant_builder_add (&b, "{sv}", "empty", g_variant_new_boolean (empty));
  g_variant_builder_add (&b, "{sv}", "unpluggable", g_variant_new_boolean (unpluggable));
  g_variant_builder_add (&b, "{sv}", "other_config", smap (NULL));
  g_variant_builder_add (&b, "{sv}", "qos_algorithm_type", g_variant_new_string (""));
  g_variant_builder_add (&b, "{sv}", "qos_algorithm_params", smap (NULL));
  return g_variant_builder_end (&b);
}

/* A guest VM in @state that is not a template, snapshot or control domain. */
static char *
find_vm (Fixture    *f,
         const char *state)
{
  g_auto(GStrv) vms = all_refs (f, "VM");

  for (guint i = 0; vms[i] != NULL; i++)
    {
      g_autoptr(GVariant) rec = record (f, "VM", vms[i]);
      gboolean templ = TRUE, snap = TRUE, dom0 = TRUE;
      const char *power = NULL;

      g_variant_lookup (rec, "is_a_template", "b", &templ);
      g_variant_lookup (rec, "is_a_snapshot", "b", &snap);
      g_variant_lookup (rec, "is_control_domain", "b", &dom0);
      g_variant_lookup (rec, "power_state", "&s", &power);
      if (!templ && !snap && !dom0 && g_strcmp0 (power, state) == 0)
        return g_strdup (vms[i]);
    }
  g_error ("no %s VM in the generated pool", state);
  return NULL;
}

/* The PBD of @sr on @host. */
static char *
pbd_on (Fixture    *f,
        const char *sr,
        const char *host)
{
  g_auto(GStrv) pbds = field_set (f, "SR", sr, "PBDs");

  for (guint i = 0; pbds[i] != NULL; i++)
    {
      g_autofree char *h = field_str (f, "PBD", pbds[i], "host");
      if (g_str_equal (h, host))
        return g_strdup (pbds[i]);
    }
  g_error ("no PBD of %s on %s", sr, host);
  return NULL;
}

static void
unplug_all_pbds (Fixture    *f,
                 const char *sr)
{
  g_auto(GStrv) pbds = field_set (f, "SR", sr, "PBDs");

  for (guint i = 0; pbds[i] != NULL; i++)
    OK_VOID (f, "PBD.unplug", "(s)", pbds[i]);
}

/* ---- SR.create and SR.probe -------------------------------------------------------------- */

static void
test_sr_nfs (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *host = master (f);
  g_auto(GStrv) hosts = all_refs (f, "host");
  g_auto(GStrv) e = NULL;
  g_autofree char *sr = NULL;
  g_autofree char *probe = NULL;
  g_autofree char *type = NULL;
  g_auto(GStrv) pbds = NULL;
  g_auto(GStrv) ops = NULL;
  g_autofree char *uuid = NULL;

  e = create_sr_fails (f, host, smap (NULL), "nfs");
  assert_error (e, "SR_BACKEND_FAILURE_102", "", "The request is missing the server parameter", "",
                NULL);
  g_clear_pointer (&e, g_strfreev);
  e = create_sr_fails (f, host, smap ("server", "filer.lagoon.test", NULL), "nfs");
  assert_error (e, "SR_BACKEND_FAILURE_101", "", "The request is missing the serverpath parameter",
                "*", NULL);
  g_assert_nonnull (strstr (e[3], "<nfs-exports>"));
  g_assert_nonnull (strstr (e[3], "<Path>/export/lagoon/vms</Path>"));
  g_assert_nonnull (strstr (e[3], "<Target>filer.lagoon.test</Target>"));
  g_clear_pointer (&e, g_strfreev);
  e = create_sr_fails (f, host, smap ("server", "nas.invalid", "serverpath", "/x", NULL), "nfs");
  assert_error (e, "SR_BACKEND_FAILURE_108", "", "Unable to detect an NFS service on this target.",
                "", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = create_sr_fails (f, host, smap ("server", "filer", "serverpath", "/nothing/here", NULL),
                       "nfs");
  assert_error (e, "SR_BACKEND_FAILURE_73", "", "NFS mount error", "*", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = create_sr_fails (f, host, smap ("server", "filer", "serverpath", "/export/scratch",
                                      "nfsversion", "2", NULL), "nfs");
  assert_error (e, "SR_BACKEND_FAILURE_72", "", "Required NFS server version unsupported", "2",
                NULL);
  g_clear_pointer (&e, g_strfreev);
  e = create_sr_fails (f, host, smap (NULL), "zfs");
  assert_error (e, "SR_UNKNOWN_DRIVER", "zfs", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = create_sr_fails (f, "OpaqueRef:nope", smap (NULL), "nfs");
  assert_error (e, "HANDLE_INVALID", "host", "OpaqueRef:nope", NULL);
  g_clear_pointer (&e, g_strfreev);

  sr = nfs_sr (f, "/export/lagoon/vms/sub");
  type = field_str (f, "SR", sr, "type");
  g_assert_cmpstr (type, ==, "nfs");
  g_assert_true (field_bool (f, "SR", sr, "shared"));
  g_assert_cmpint (field_int (f, "SR", sr, "physical_size"), ==, 8 * 1024 * GiB);
  g_assert_cmpint (field_int (f, "SR", sr, "physical_utilisation"), ==, 0);
  /* Shared: one plugged PBD per host, with the device_config given. */
  pbds = field_set (f, "SR", sr, "PBDs");
  g_assert_cmpuint (g_strv_length (pbds), ==, g_strv_length (hosts));
  for (guint i = 0; pbds[i] != NULL; i++)
    {
      g_autofree char *path = map_value (f, "PBD", pbds[i], "device_config", "serverpath");
      g_autofree char *sr_of = field_str (f, "PBD", pbds[i], "SR");
      g_autofree char *h = field_str (f, "PBD", pbds[i], "host");
      g_auto(GStrv) host_pbds = field_set (f, "host", h, "PBDs");

      g_assert_true (field_bool (f, "PBD", pbds[i], "currently_attached"));
      g_assert_cmpstr (path, ==, "/export/lagoon/vms/sub");
      g_assert_cmpstr (sr_of, ==, sr);
      g_assert_true (g_strv_contains ((const char *const *) host_pbds, pbds[i]));
    }
  /* Several PBDs: it stays shared. */
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "SR.set_shared", "(sb)", sr, FALSE);
  g_assert_cmpstr (e[0], ==, "SR_HAS_MULTIPLE_PBDS");
  g_assert_cmpuint (g_strv_length (e), ==, 1 + g_strv_length (pbds));
  for (guint i = 0; pbds[i] != NULL; i++)
    g_assert_true (g_strv_contains ((const char *const *) e, pbds[i]));
  g_assert_true (field_bool (f, "SR", sr, "shared"));
  ops = field_set (f, "SR", sr, "allowed_operations");
  g_assert_true (g_strv_contains ((const char *const *) ops, "vdi_create"));
  g_assert_true (g_strv_contains ((const char *const *) ops, "scan"));
  g_assert_false (g_strv_contains ((const char *const *) ops, "destroy"));
  g_assert_false (g_strv_contains ((const char *const *) ops, "forget"));

  /* The probe lists the SRs on the export, as the driver's <SRlist>. */
  uuid = field_str (f, "SR", sr, "uuid");
  probe = OK_STR (f, "SR.probe", "(s@a{ss}s@a{ss})", host,
                  smap ("server", "filer.lagoon.test", "serverpath", "/export/lagoon/vms/sub",
                        NULL),
                  "nfs", smap (NULL));
  g_assert_true (g_str_has_prefix (probe, "<?xml version=\"1.0\" ?>\n<SRlist>\n"));
  {
    g_autofree char *item = g_strdup_printf ("<UUID>%s</UUID>", uuid);
    g_assert_nonnull (strstr (probe, item));
  }
  g_clear_pointer (&probe, g_free);
  probe = OK_STR (f, "SR.probe", "(s@a{ss}s@a{ss})", host,
                  smap ("server", "filer.lagoon.test", "serverpath", "/export/scratch", NULL),
                  "nfs", smap (NULL));
  g_assert_null (strstr (probe, "<UUID>"));
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "SR.probe", "(s@a{ss}s@a{ss})", host, smap ("server", "filer", NULL), "nfs",
            smap (NULL));
  assert_error (e, "SR_BACKEND_FAILURE_101", "", "*", "*", NULL);
  g_assert_nonnull (strstr (e[3], "<Export>"));
}

static void
test_sr_iscsi (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *host = master (f);
  g_auto(GStrv) e = NULL;
  g_autofree char *sr = NULL;
  g_autofree char *probe = NULL;
  g_autofree char *uuid = NULL;

  e = create_sr_fails (f, host, smap (NULL), "lvmoiscsi");
  assert_error (e, "SR_BACKEND_FAILURE_95", "", "The request is missing the target parameter", "",
                NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "SR.probe", "(s@a{ss}s@a{ss})", host, smap ("target", "10.0.1.20", NULL),
            "lvmoiscsi", smap (NULL));
  assert_error (e, "SR_BACKEND_FAILURE_96", "", "*", "*", NULL);
  g_assert_nonnull (strstr (e[3], "<TargetIQN>iqn.2026-01.dev.lagoon.san:10-0-1-20</TargetIQN>"));
  g_assert_nonnull (strstr (e[3], "<IPAddress>10.0.1.20:3260</IPAddress>"));
  g_clear_pointer (&e, g_strfreev);
  e = create_sr_fails (f, host, smap ("target", "10.0.1.20", "targetIQN", "iqn.wrong", NULL),
                       "lvmoiscsi");
  assert_error (e, "SR_BACKEND_FAILURE_68", "", "*", "", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "SR.probe", "(s@a{ss}s@a{ss})", host,
            smap ("target", "10.0.1.20", "targetIQN", "*", NULL), "lvmoiscsi", smap (NULL));
  assert_error (e, "SR_BACKEND_FAILURE_107", "", "The SCSIid parameter is missing or incorrect",
                "*", NULL);
  g_assert_nonnull (strstr (e[3], "<SCSIid>36001405a7c3e2b1f4d5c6b7a8091a2b1</SCSIid>"));
  g_assert_nonnull (strstr (e[3], "<size>536870912000</size>"));
  g_clear_pointer (&e, g_strfreev);
  e = create_sr_fails (f, host, smap ("target", "unreachable-san", NULL), "lvmoiscsi");
  assert_error (e, "SR_BACKEND_FAILURE_141", "", "*", "", NULL);
  g_clear_pointer (&e, g_strfreev);

  sr = iscsi_sr (f, 0);
  g_assert_cmpint (field_int (f, "SR", sr, "physical_size"), ==, 500 * GiB);
  uuid = field_str (f, "SR", sr, "uuid");
  probe = OK_STR (f, "SR.probe", "(s@a{ss}s@a{ss})", host,
                  smap ("target", "10.0.1.20", "targetIQN", "*",
                        "SCSIid", "36001405a7c3e2b1f4d5c6b7a8091a2b0", NULL),
                  "lvmoiscsi", smap (NULL));
  g_assert_nonnull (strstr (probe, uuid));
  /* The LUN is in use by an attached SR. */
  e = create_sr_fails (f, host, smap ("target", "10.0.1.20",
                                      "targetIQN", "iqn.2026-01.dev.lagoon.san:10-0-1-20",
                                      "SCSIid", "36001405a7c3e2b1f4d5c6b7a8091a2b0", NULL),
                       "lvmoiscsi");
  assert_error (e, "SR_BACKEND_FAILURE_16", "", "The SR device is currently in use", "", NULL);
}

static void
test_sr_probe_ext (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *host = master (f);
  g_autofree char *sr = nfs_sr (f, "/export/scratch");
  g_autofree char *uuid = field_str (f, "SR", sr, "uuid");
  g_autoptr(GVariant) results = NULL;
  g_autoptr(GVariant) first = NULL;
  g_autoptr(GVariant) stat = NULL;
  g_autoptr(GVariant) none = NULL;
  gboolean complete = FALSE;
  const char *s = NULL;

  results = ok (f, "SR.probe_ext", "(s@a{ss}s@a{ss})", host,
                smap ("server", "filer.lagoon.test", "serverpath", "/export/scratch", NULL), "nfs",
                smap (NULL));
  g_assert_cmpuint (g_variant_n_children (results), ==, 1);
  g_variant_get_child (results, 0, "v", &first);
  g_assert_true (g_variant_lookup (first, "complete", "b", &complete));
  g_assert_true (complete);
  /* The option holds an sr_stat of the SR found. */
  stat = g_variant_lookup_value (first, "sr", G_VARIANT_TYPE_VARDICT);
  g_assert_nonnull (stat);
  g_assert_true (g_variant_lookup (stat, "total_space", "&s", &s));
  g_assert_cmpstr (s, ==, "549755813888");
  g_assert_true (g_variant_lookup (stat, "uuid", "&s", &s));
  g_assert_cmpstr (s, ==, uuid);
  g_assert_true (g_variant_lookup (stat, "name_label", "&s", &s));
  g_assert_cmpstr (s, ==, "NFS test");
  g_clear_pointer (&results, g_variant_unref);
  g_clear_pointer (&first, g_variant_unref);

  /* Nothing on this export: one result without an SR. */
  results = ok (f, "SR.probe_ext", "(s@a{ss}s@a{ss})", host,
                smap ("server", "filer.lagoon.test", "serverpath", "/export/lagoon/iso", NULL),
                "nfs", smap (NULL));
  g_assert_cmpuint (g_variant_n_children (results), ==, 1);
  g_variant_get_child (results, 0, "v", &first);
  none = g_variant_lookup_value (first, "sr", NULL);
  g_assert_nonnull (none);
  g_assert_false (g_variant_is_of_type (none, G_VARIANT_TYPE_VARDICT));
}

static void
write_file (const char *dir,
            const char *name,
            gsize       size)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *data = g_malloc0 (size);

  g_assert_true (g_file_set_contents (path, data, (gssize) size, NULL));
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* The name_labels of an SR's VDIs, sorted and joined with ','. */
static char *
vdi_names (Fixture    *f,
           const char *sr)
{
  g_auto(GStrv) vdis = field_set (f, "SR", sr, "VDIs");
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; vdis[i] != NULL; i++)
    g_ptr_array_add (names, field_str (f, "VDI", vdis[i], "name_label"));
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (",", (char **) names->pdata);
}

static void
test_sr_local_and_iso (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *host = master (f);
  g_auto(GStrv) e = NULL;
  g_autofree char *ext = NULL;
  g_autofree char *iso = NULL;
  g_autofree char *remote = NULL;
  g_autofree char *names = NULL;
  g_auto(GStrv) pbds = NULL;
  g_autofree char *pbd_host = NULL;
  g_autofree char *gone = NULL;
  g_autofree char *vdi_size_of = NULL;

  e = create_sr_fails (f, host, smap (NULL), "ext");
  assert_error (e, "SR_BACKEND_FAILURE_90", "", "The request is missing the device parameter", "",
                NULL);
  g_clear_pointer (&e, g_strfreev);
  e = create_sr_fails (f, host, smap ("device", "sdb", NULL), "lvm");
  assert_error (e, "SR_BACKEND_FAILURE_91", "", "The device is not a valid path", "sdb", NULL);
  g_clear_pointer (&e, g_strfreev);
  ext = create_sr (f, host, smap ("device", "/dev/sdb", NULL), "Local ext", "ext", "user", FALSE);
  pbds = field_set (f, "SR", ext, "PBDs");
  g_assert_cmpuint (g_strv_length (pbds), ==, 1);
  pbd_host = field_str (f, "PBD", pbds[0], "host");
  g_assert_cmpstr (pbd_host, ==, host);
  g_assert_false (field_bool (f, "SR", ext, "shared"));
  /* One PBD: it may be marked shared and back. */
  OK_VOID (f, "SR.set_shared", "(sb)", ext, TRUE);
  g_assert_true (field_bool (f, "SR", ext, "shared"));
  OK_VOID (f, "SR.set_shared", "(sb)", ext, FALSE);
  g_assert_false (field_bool (f, "SR", ext, "shared"));

  e = create_sr_fails (f, host, smap (NULL), "iso");
  assert_error (e, "SR_BACKEND_FAILURE_220", "", "*", "", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = create_sr_fails (f, host, smap ("location", "isos-somewhere", NULL), "iso");
  assert_error (e, "SR_BACKEND_FAILURE_225", "", "*", "", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = create_sr_fails (f, host, smap ("location", "nas.invalid:/isos", NULL), "iso");
  assert_error (e, "SR_BACKEND_FAILURE_222", "", "*", "", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = create_sr_fails (f, host, smap ("location", "/nonexistent/lagoon-isos", NULL), "iso");
  assert_error (e, "SR_BACKEND_FAILURE_226", "", "Invalid local path", "*", NULL);
  g_clear_pointer (&e, g_strfreev);

  /* A local ISO library: one VDI per .iso file, found again by SR.scan. */
  write_file (f->tmp, "alpine.iso", 4096);
  write_file (f->tmp, "Debian.ISO", 8192);
  write_file (f->tmp, "notes.txt", 10);
  iso = create_sr (f, host, smap ("location", f->tmp, "legacy_mode", "true", NULL), "Local ISOs",
                   "iso", "iso", TRUE);
  names = vdi_names (f, iso);
  g_assert_cmpstr (names, ==, "Debian.ISO,alpine.iso");
  g_assert_cmpint (field_int (f, "SR", iso, "physical_utilisation"), ==, 4096 + 8192);
  write_file (f->tmp, "fedora.iso", 1024);
  gone = g_build_filename (f->tmp, "alpine.iso", NULL);
  g_remove (gone);
  OK_VOID (f, "SR.scan", "(s)", iso);
  g_clear_pointer (&names, g_free);
  names = vdi_names (f, iso);
  g_assert_cmpstr (names, ==, "Debian.ISO,fedora.iso");
  g_assert_cmpint (field_int (f, "SR", iso, "physical_utilisation"), ==, 1024 + 8192);
  {
    g_auto(GStrv) vdis = field_set (f, "SR", iso, "VDIs");
    g_autofree char *n0 = field_str (f, "VDI", vdis[0], "name_label");
    gint64 size = field_int (f, "VDI", vdis[0], "virtual_size");

    g_assert_cmpint (size, ==, g_str_equal (n0, "fedora.iso") ? 1024 : 8192);
    vdi_size_of = g_strdup (n0);
  }

  /* A remote library lists what the share holds. */
  remote = create_sr (f, host, smap ("location", "10.0.1.10:/export/lagoon/iso", NULL), "NFS ISOs",
                      "iso", "iso", TRUE);
  g_clear_pointer (&names, g_free);
  names = vdi_names (f, remote);
  g_assert_nonnull (strstr (names, "debian-12.8.0-amd64-netinst.iso"));
  {
    g_auto(GStrv) vdis = field_set (f, "SR", remote, "VDIs");
    g_assert_cmpuint (g_strv_length (vdis), ==, 4);
  }
  /* The tools SR takes no new disks and cannot be destroyed. */
  {
    g_autoptr(GVariant) tools = ok (f, "SR.get_all_records_where", "(s)",
                                    "field \"is_tools_sr\"=\"true\"");
    GVariantIter iter;
    const char *tools_sr = NULL;
    GVariant *rec;

    g_variant_iter_init (&iter, tools);
    g_assert_true (g_variant_iter_next (&iter, "{&sv}", &tools_sr, &rec));
    g_variant_unref (rec);
    g_clear_pointer (&e, g_strfreev);
    e = create_vdi_fails (f, tools_sr, MiB);
    assert_error (e, "SR_OPERATION_NOT_SUPPORTED", tools_sr, NULL);
    g_assert_false (set_contains (f, "SR", tools_sr, "allowed_operations", "vdi_create"));
  }
  /* ISO SRs have no probe. */
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "SR.probe", "(s@a{ss}s@a{ss})", host, smap ("location", f->tmp, NULL), "iso",
            smap (NULL));
  assert_error (e, "SR_BACKEND_FAILURE_38", "", "*", "", NULL);
}

/* ---- forget, introduce, destroy, PBDs ---------------------------------------------------- */

static void
test_sr_forget_introduce (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *host = master (f);
  g_autofree char *sr = nfs_sr (f, "/export/scratch");
  g_autofree char *uuid = field_str (f, "SR", sr, "uuid");
  g_autofree char *vdi = create_vdi (f, sr, "data", GiB);
  g_auto(GStrv) pbds = field_set (f, "SR", sr, "PBDs");
  g_auto(GStrv) e = NULL;
  g_auto(GStrv) ops = NULL;
  g_autofree char *back = NULL;
  g_autofree char *pbd = NULL;
  g_autofree char *probe = NULL;
  GVariantBuilder b;

  e = fail (f, "SR.forget", "(s)", sr);
  assert_error (e, "SR_HAS_PBD", sr, NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "SR.destroy", "(s)", sr);
  assert_error (e, "SR_HAS_PBD", sr, NULL);
  g_clear_pointer (&e, g_strfreev);
  /* Unplugging one PBD is not enough. */
  OK_VOID (f, "PBD.unplug", "(s)", pbds[0]);
  g_assert_false (field_bool (f, "PBD", pbds[0], "currently_attached"));
  e = fail (f, "SR.forget", "(s)", sr);
  assert_error (e, "SR_HAS_PBD", sr, NULL);
  g_clear_pointer (&e, g_strfreev);
  unplug_all_pbds (f, sr);
  ops = field_set (f, "SR", sr, "allowed_operations");
  g_assert_true (g_strv_contains ((const char *const *) ops, "forget"));
  /* It holds a disk: no destroy. */
  g_assert_false (g_strv_contains ((const char *const *) ops, "destroy"));
  /* A detached SR takes no new disks. */
  e = create_vdi_fails (f, sr, GiB);
  assert_error (e, "SR_NOT_ATTACHED", sr, NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "SR.scan", "(s)", sr);
  assert_error (e, "SR_NOT_ATTACHED", sr, NULL);
  g_clear_pointer (&e, g_strfreev);

  OK_VOID (f, "SR.forget", "(s)", sr);
  g_assert_false (exists (f, "SR", sr));
  g_assert_false (exists (f, "VDI", vdi));
  for (guint i = 0; pbds[i] != NULL; i++)
    g_assert_false (exists (f, "PBD", pbds[i]));
  /* The storage still holds it. */
  probe = OK_STR (f, "SR.probe", "(s@a{ss}s@a{ss})", host,
                  smap ("server", "filer.lagoon.test", "serverpath", "/export/scratch", NULL),
                  "nfs",
                  smap (NULL));
  g_assert_nonnull (strstr (probe, uuid));

  /* XenCenter's reattach: introduce, PBD.create, PBD.plug. */
  back = OK_STR (f, "SR.introduce", "(sssssb@a{ss})", uuid, "Scratch again", "", "nfs", "", TRUE,
                 smap (NULL));
  {
    g_auto(GStrv) none = field_set (f, "SR", back, "PBDs");
    g_assert_cmpuint (g_strv_length (none), ==, 0);
  }
  e = fail (f, "SR.introduce", "(sssssb@a{ss})", uuid, "twice", "", "nfs", "", TRUE, smap (NULL));
  assert_error (e, "SR_UUID_EXISTS", uuid, NULL);
  g_clear_pointer (&e, g_strfreev);
  /* An SR without PBDs cannot be destroyed. */
  e = fail (f, "SR.destroy", "(s)", back);
  assert_error (e, "SR_HAS_NO_PBDS", back, NULL);
  g_clear_pointer (&e, g_strfreev);

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "host", g_variant_new_string (host));
  g_variant_builder_add (&b, "{sv}", "SR", g_variant_new_string (back));
  g_variant_builder_add (&b, "{sv}", "device_config",
                         smap ("server", "filer.lagoon.test", "serverpath", "/export/wrong", NULL));
  g_variant_builder_add (&b, "{sv}", "other_config", smap (NULL));
  pbd = OK_STR (f, "PBD.create", "(@a{sv})", g_variant_builder_end (&b));
  g_assert_false (field_bool (f, "PBD", pbd, "currently_attached"));
  /* Plugging asks the storage: a wrong path fails as the driver does. */
  e = fail (f, "PBD.plug", "(s)", pbd);
  assert_error (e, "SR_BACKEND_FAILURE_73", "", "NFS mount error", "*", NULL);
  g_clear_pointer (&e, g_strfreev);
  g_assert_false (field_bool (f, "PBD", pbd, "currently_attached"));
  OK_VOID (f, "PBD.destroy", "(s)", pbd);
  g_clear_pointer (&pbd, g_free);

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "host", g_variant_new_string (host));
  g_variant_builder_add (&b, "{sv}", "SR", g_variant_new_string (back));
  g_variant_builder_add (&b, "{sv}", "device_config",
                         smap ("server", "filer.lagoon.test", "serverpath", "/export/scratch",
                               NULL));
  g_variant_builder_add (&b, "{sv}", "other_config", smap (NULL));
  pbd = OK_STR (f, "PBD.create", "(@a{sv})", g_variant_builder_end (&b));
  OK_VOID (f, "PBD.plug", "(s)", pbd);
  g_assert_true (field_bool (f, "PBD", pbd, "currently_attached"));
  g_assert_cmpint (field_int (f, "SR", back, "physical_size"), ==, 512 * GiB);
  e = fail (f, "PBD.destroy", "(s)", pbd);
  assert_error (e, "OPERATION_NOT_ALLOWED", "*", NULL);
  g_clear_pointer (&e, g_strfreev);

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "host", g_variant_new_string (host));
  g_variant_builder_add (&b, "{sv}", "SR", g_variant_new_string (back));
  g_variant_builder_add (&b, "{sv}", "device_config", smap (NULL));
  e = fail (f, "PBD.create", "(@a{sv})", g_variant_builder_end (&b));
  assert_error (e, "PBD_EXISTS", back, host, pbd, NULL);
}

static void
test_sr_destroy (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *host = master (f);
  g_autofree char *sr = iscsi_sr (f, 1);
  g_autofree char *uuid = field_str (f, "SR", sr, "uuid");
  g_autofree char *vdi = create_vdi (f, sr, "doomed", 10 * GiB);
  g_autofree char *probe = NULL;
  g_auto(GStrv) pbds = field_set (f, "SR", sr, "PBDs");

  g_auto(GStrv) e = NULL;

  unplug_all_pbds (f, sr);
  /* xapi destroys empty SRs only (check_any_managed_vdis). */
  e = fail (f, "SR.destroy", "(s)", sr);
  assert_error (e, "SR_NOT_EMPTY", NULL);
  g_assert_false (set_contains (f, "SR", sr, "allowed_operations", "destroy"));
  g_assert_true (set_contains (f, "SR", sr, "allowed_operations", "forget"));
  g_assert_true (exists (f, "VDI", vdi));
  /* The disk goes with the SR plugged again. */
  OK_VOID (f, "PBD.plug", "(s)", pbds[0]);
  OK_VOID (f, "VDI.destroy", "(s)", vdi);
  unplug_all_pbds (f, sr);
  g_assert_true (set_contains (f, "SR", sr, "allowed_operations", "destroy"));
  OK_VOID (f, "SR.destroy", "(s)", sr);
  g_assert_false (exists (f, "SR", sr));
  g_assert_false (exists (f, "VDI", vdi));
  g_assert_false (exists (f, "PBD", pbds[0]));
  /* Gone from the storage too. */
  probe = OK_STR (f, "SR.probe", "(s@a{ss}s@a{ss})", host,
                  smap ("target", "10.0.1.20", "targetIQN", "*",
                        "SCSIid", "36001405a7c3e2b1f4d5c6b7a8091a2b1", NULL),
                  "lvmoiscsi", smap (NULL));
  g_assert_null (strstr (probe, uuid));
  g_assert_nonnull (strstr (probe, "<SRlist>"));
}

/* ---- VDIs -------------------------------------------------------------------------------- */

static gint64
round_up (gint64 v,
          gint64 unit)
{
  return (v + unit - 1) / unit * unit;
}

static gint64
vhd_meta (gint64 size)
{
  return 3 * 512 + round_up ((size + 2 * MiB - 1) / (2 * MiB) * 4, 512);
}

static void
test_vdi_accounting (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *thick = iscsi_sr (f, 0);
  g_autofree char *thin = nfs_sr (f, "/export/scratch");
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_auto(GStrv) e = NULL;
  g_autofree char *needed = NULL;
  g_autofree char *available = NULL;
  gint64 pa, free_space;

  /* Thick: the whole size (and the VHD metadata) in 4 MiB extents. */
  a = create_vdi (f, thick, "a", 10 * GiB);
  pa = round_up (10 * GiB + vhd_meta (10 * GiB), 4 * MiB);
  g_assert_cmpint (field_int (f, "VDI", a, "physical_utilisation"), ==, pa);
  g_assert_cmpint (field_int (f, "SR", thick, "physical_utilisation"), ==, pa);
  g_assert_cmpint (field_int (f, "SR", thick, "virtual_allocation"), ==, 10 * GiB);
  {
    g_auto(GStrv) vdis = field_set (f, "SR", thick, "VDIs");
    g_autofree char *sr_of = field_str (f, "VDI", a, "SR");
    g_assert_true (g_strv_contains ((const char *const *) vdis, a));
    g_assert_cmpstr (sr_of, ==, thick);
  }
  /* Too big: SR_FULL [requested, maximum]. */
  free_space = 500 * GiB - pa;
  e = create_vdi_fails (f, thick, 495 * GiB);
  needed = g_strdup_printf ("%" G_GINT64_FORMAT, round_up (495 * GiB + vhd_meta (495 * GiB),
                                                           4 * MiB));
  available = g_strdup_printf ("%" G_GINT64_FORMAT, free_space);
  assert_error (e, "SR_FULL", needed, available, NULL);
  g_clear_pointer (&e, g_strfreev);
  e = create_vdi_fails (f, thick, -5);
  assert_error (e, "INVALID_VALUE", "virtual_size", "-5", NULL);
  g_clear_pointer (&e, g_strfreev);

  /* Thin: only the VHD metadata until data is written. */
  b = create_vdi (f, thin, "b", 20 * GiB);
  g_assert_cmpint (field_int (f, "VDI", b, "physical_utilisation"), ==, vhd_meta (20 * GiB));
  g_assert_cmpint (field_int (f, "SR", thin, "virtual_allocation"), ==, 20 * GiB);

  /* Resize: grow only. */
  OK_VOID (f, "VDI.resize", "(sx)", a, 12 * GiB);
  g_assert_cmpint (field_int (f, "VDI", a, "virtual_size"), ==, 12 * GiB);
  g_assert_cmpint (field_int (f, "VDI", a, "physical_utilisation"), ==,
                   round_up (12 * GiB + vhd_meta (12 * GiB), 4 * MiB));
  g_assert_cmpint (field_int (f, "SR", thick, "virtual_allocation"), ==, 12 * GiB);
  e = fail (f, "VDI.resize", "(sx)", a, 1 * GiB);
  assert_error (e, "SR_BACKEND_FAILURE_79", "", "VDI Invalid size", "shrinking not allowed", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "VDI.resize", "(sx)", a, 600 * GiB);
  assert_error (e, "SR_FULL", "*", "*", NULL);
  g_clear_pointer (&e, g_strfreev);
  /* No simulated driver (nor xapi's NFS/EXT/LVHD) has VDI_RESIZE_ONLINE. */
  e = fail (f, "VDI.resize_online", "(sx)", b, 30 * GiB);
  assert_error (e, "SR_OPERATION_NOT_SUPPORTED", thin, NULL);
  g_clear_pointer (&e, g_strfreev);
  OK_VOID (f, "VDI.resize", "(sx)", b, 30 * GiB);
  g_assert_cmpint (field_int (f, "VDI", b, "physical_utilisation"), ==, vhd_meta (30 * GiB));

  /* Destroy gives the space back. */
  OK_VOID (f, "VDI.destroy", "(s)", a);
  g_assert_false (exists (f, "VDI", a));
  g_assert_cmpint (field_int (f, "SR", thick, "physical_utilisation"), ==, 0);
  g_assert_cmpint (field_int (f, "SR", thick, "virtual_allocation"), ==, 0);
  e = fail (f, "VDI.destroy", "(s)", a);
  assert_error (e, "HANDLE_INVALID", "VDI", a, NULL);
  g_clear_pointer (&e, g_strfreev);
  /* Generic setters still work on VDIs. */
  OK_VOID (f, "VDI.set_name_label", "(ss)", b, "renamed");
  {
    g_autofree char *name = field_str (f, "VDI", b, "name_label");
    g_assert_cmpstr (name, ==, "renamed");
  }
  /* SR.update and SR.scan keep the sums. */
  OK_VOID (f, "SR.update", "(s)", thin);
  g_assert_cmpint (field_int (f, "SR", thin, "physical_utilisation"), ==, vhd_meta (30 * GiB));
}

static void
test_vdi_snapshot_clone_copy (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *host = master (f);
  g_autofree char *thin = nfs_sr (f, "/export/scratch");
  g_autofree char *small = iscsi_sr (f, 0);
  g_autofree char *iso = create_sr (f, host, smap ("location", "filer:/isos", NULL), "ISO", "iso",
                                    "iso", TRUE);
  g_autofree char *vdi = create_vdi (f, thin, "system", 8 * GiB);
  g_autofree char *snap = NULL;
  g_autofree char *clone = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *of = NULL;
  g_autofree char *copy_sr = NULL;
  g_autofree char *copy_name = NULL;
  g_auto(GStrv) snaps = NULL;
  g_auto(GStrv) e = NULL;
  g_auto(GStrv) iso_vdis = NULL;
  g_autofree char *big = NULL;

  snap = OK_STR (f, "VDI.snapshot", "(s@a{ss})", vdi, smap (NULL));
  g_assert_true (field_bool (f, "VDI", snap, "is_a_snapshot"));
  of = field_str (f, "VDI", snap, "snapshot_of");
  g_assert_cmpstr (of, ==, vdi);
  snaps = field_set (f, "VDI", vdi, "snapshots");
  g_assert_true (g_strv_contains ((const char *const *) snaps, snap));
  g_assert_cmpint (field_int (f, "VDI", snap, "virtual_size"), ==, 8 * GiB);
  {
    g_auto(GStrv) ops = field_set (f, "VDI", snap, "allowed_operations");
    g_assert_false (g_strv_contains ((const char *const *) ops, "resize"));
    g_assert_true (g_strv_contains ((const char *const *) ops, "destroy"));
  }

  clone = OK_STR (f, "VDI.clone", "(s@a{ss})", vdi, smap (NULL));
  g_assert_false (field_bool (f, "VDI", clone, "is_a_snapshot"));
  g_assert_cmpint (field_int (f, "SR", thin, "virtual_allocation"), ==, 3 * 8 * GiB);

  copy = OK_STR (f, "VDI.copy", "(ss)", vdi, small);
  copy_sr = field_str (f, "VDI", copy, "SR");
  g_assert_cmpstr (copy_sr, ==, small);
  copy_name = field_str (f, "VDI", copy, "name_label");
  g_assert_cmpstr (copy_name, ==, "system");
  g_assert_cmpint (field_int (f, "SR", small, "virtual_allocation"), ==, 8 * GiB);
  g_assert_cmpint (field_int (f, "SR", small, "physical_utilisation"), ==,
                   round_up (8 * GiB + vhd_meta (8 * GiB), 4 * MiB));

  /* A 495 GiB disk does not fit next to the copy on the 500 GiB LUN. */
  big = create_vdi (f, thin, "big", 495 * GiB);
  e = fail (f, "VDI.copy", "(ss)", big, small);
  assert_error (e, "SR_FULL", "*", "*", NULL);
  g_clear_pointer (&e, g_strfreev);

  /* ISO libraries neither snapshot nor resize, and say so in allowed_operations. */
  g_assert_true (set_contains (f, "SR", iso, "allowed_operations", "vdi_create"));
  g_assert_false (set_contains (f, "SR", iso, "allowed_operations", "vdi_snapshot"));
  g_assert_false (set_contains (f, "SR", iso, "allowed_operations", "vdi_resize"));
  g_assert_true (set_contains (f, "SR", thin, "allowed_operations", "vdi_snapshot"));
  iso_vdis = field_set (f, "SR", iso, "VDIs");
  g_assert_nonnull (iso_vdis[0]);
  e = fail (f, "VDI.snapshot", "(s@a{ss})", iso_vdis[0], smap (NULL));
  assert_error (e, "SR_OPERATION_NOT_SUPPORTED", iso, NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "VDI.resize", "(sx)", iso_vdis[0], 100 * GiB);
  assert_error (e, "SR_OPERATION_NOT_SUPPORTED", iso, NULL);
  g_clear_pointer (&e, g_strfreev);

  /* The snapshot outlives its parent. */
  OK_VOID (f, "VDI.destroy", "(s)", vdi);
  g_clear_pointer (&of, g_free);
  of = field_str (f, "VDI", snap, "snapshot_of");
  g_assert_cmpstr (of, ==, "OpaqueRef:NULL");
}

/* ---- VBDs -------------------------------------------------------------------------------- */

static void
test_vbd_plug (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *running = find_vm (f, "Running");
  g_autofree char *halted = find_vm (f, "Halted");
  g_autofree char *resident = field_str (f, "VM", running, "resident_on");
  g_autofree char *sr = nfs_sr (f, "/export/scratch");
  g_autofree char *vdi = create_vdi (f, sr, "hotplug", GiB);
  g_autofree char *vdi2 = create_vdi (f, sr, "fixed", GiB);
  g_autofree char *vbd = NULL;
  g_autofree char *fixed = NULL;
  g_autofree char *device = NULL;
  g_autofree char *userdevice = NULL;
  g_autofree char *pbd = NULL;
  g_autofree char *cold = NULL;
  g_auto(GStrv) e = NULL;
  g_auto(GStrv) ops = NULL;
  g_auto(GStrv) existing = field_set (f, "VM", running, "VBDs");
  gboolean used[16] = { FALSE };
  guint expected = 0;

  for (guint i = 0; existing[i] != NULL; i++)
    {
      g_autofree char *u = field_str (f, "VBD", existing[i], "userdevice");
      guint n = (guint) g_ascii_strtoull (u, NULL, 10);
      if (n < 16)
        used[n] = TRUE;
    }
  while (used[expected])
    expected++;

  {
    g_autoptr(GVariant) allowed = ok (f, "VM.get_allowed_VBD_devices", "(s)", running);
    g_autoptr(GVariant) first = NULL;
    g_autofree char *first_free = g_strdup_printf ("%u", expected);
    gsize n = g_variant_n_children (allowed);

    g_variant_get_child (allowed, 0, "v", &first);
    g_assert_cmpstr (g_variant_get_string (first, NULL), ==, first_free);
    /* 0-254 for a guest, less what its VBDs use. */
    g_assert_cmpuint (n, <=, 255);
    g_assert_cmpuint (n, >=, 255 - g_strv_length (existing));
    for (gsize i = 0; i < n; i++)
      {
        g_autoptr(GVariant) item = NULL;
        guint64 number;

        g_variant_get_child (allowed, i, "v", &item);
        number = g_ascii_strtoull (g_variant_get_string (item, NULL), NULL, 10);
        g_assert_cmpuint (number, <, 255);
        if (number < 16)
          g_assert_false (used[number]);
      }
  }
  vbd = OK_STR (f, "VBD.create", "(@a{sv})",
                vbd_record (running, vdi, "autodetect", "RW", "Disk", FALSE, TRUE));
  {
    g_autoptr(GVariant) allowed = ok (f, "VM.get_allowed_VBD_devices", "(s)", running);
    g_autoptr(GVariant) first = NULL;
    g_autofree char *now_used = g_strdup_printf ("%u", expected);

    g_variant_get_child (allowed, 0, "v", &first);
    g_assert_cmpstr (g_variant_get_string (first, NULL), !=, now_used);
  }
  e = fail (f, "VBD.create", "(@a{sv})",
            vbd_record (running, vdi2, "255", "RW", "Disk", FALSE, TRUE));
  assert_error (e, "INVALID_DEVICE", "255", NULL);
  g_clear_pointer (&e, g_strfreev);
  {
    /* Names count as their disk numbers, and are kept as given. */
    g_autofree char *name = g_strdup_printf ("xvd%c", 'a' + (int) expected);
    g_autofree char *kept = NULL;
    g_autofree char *named = NULL;

    e = fail (f, "VBD.create", "(@a{sv})",
              vbd_record (running, vdi2, name, "RW", "Disk", FALSE, TRUE));
    assert_error (e, "DEVICE_ALREADY_EXISTS", name, NULL);
    g_clear_pointer (&e, g_strfreev);
    named = OK_STR (f, "VBD.create", "(@a{sv})",
                    vbd_record (running, vdi2, "xvdab", "RW", "Disk", FALSE, TRUE));
    kept = field_str (f, "VBD", named, "userdevice");
    g_assert_cmpstr (kept, ==, "xvdab");
    e = fail (f, "VBD.create", "(@a{sv})",
              vbd_record (running, vdi2, "27", "RW", "Disk", FALSE, TRUE));
    assert_error (e, "DEVICE_ALREADY_EXISTS", "27", NULL);
    g_clear_pointer (&e, g_strfreev);
    OK_VOID (f, "VBD.plug", "(s)", named);
    g_clear_pointer (&kept, g_free);
    kept = field_str (f, "VBD", named, "device");
    g_assert_cmpstr (kept, ==, "xvdab");
    OK_VOID (f, "VBD.unplug", "(s)", named);
    OK_VOID (f, "VBD.destroy", "(s)", named);
  }
  userdevice = field_str (f, "VBD", vbd, "userdevice");
  g_assert_cmpuint ((guint) g_ascii_strtoull (userdevice, NULL, 10), ==, expected);
  g_assert_false (field_bool (f, "VBD", vbd, "currently_attached"));
  {
    g_auto(GStrv) vm_vbds = field_set (f, "VM", running, "VBDs");
    g_auto(GStrv) vdi_vbds = field_set (f, "VDI", vdi, "VBDs");
    g_assert_true (g_strv_contains ((const char *const *) vm_vbds, vbd));
    g_assert_true (g_strv_contains ((const char *const *) vdi_vbds, vbd));
  }
  ops = field_set (f, "VBD", vbd, "allowed_operations");
  g_assert_true (g_strv_contains ((const char *const *) ops, "plug"));
  g_assert_false (g_strv_contains ((const char *const *) ops, "unplug"));

  e = fail (f, "VBD.create", "(@a{sv})",
            vbd_record (running, vdi2, userdevice, "RW", "Disk", FALSE, TRUE));
  assert_error (e, "DEVICE_ALREADY_EXISTS", userdevice, NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "VBD.create", "(@a{sv})",
            vbd_record (running, vdi2, "floppy9", "RW", "Disk", FALSE, TRUE));
  assert_error (e, "INVALID_DEVICE", "floppy9", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "VBD.create", "(@a{sv})",
            vbd_record ("OpaqueRef:none", vdi2, "5", "RW", "Disk", FALSE, TRUE));
  assert_error (e, "HANDLE_INVALID", "VM", "OpaqueRef:none", NULL);
  g_clear_pointer (&e, g_strfreev);

  OK_VOID (f, "VBD.plug", "(s)", vbd);
  g_assert_true (field_bool (f, "VBD", vbd, "currently_attached"));
  device = field_str (f, "VBD", vbd, "device");
  g_assert_cmpuint (strlen (device), ==, 4);
  g_assert_cmpint (device[3], ==, 'a' + (int) expected);
  e = fail (f, "VBD.plug", "(s)", vbd);
  assert_error (e, "DEVICE_ALREADY_ATTACHED", vbd, NULL);
  g_clear_pointer (&e, g_strfreev);

  /* An attached disk is in use. */
  e = fail (f, "VDI.destroy", "(s)", vdi);
  assert_error (e, "VDI_IN_USE", vdi, "destroy", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "VDI.resize", "(sx)", vdi, 2 * GiB);
  assert_error (e, "VDI_IN_USE", vdi, "resize", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "VDI.resize_online", "(sx)", vdi, 2 * GiB);
  assert_error (e, "SR_OPERATION_NOT_SUPPORTED", sr, NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "VDI.copy", "(ss)", vdi, sr);
  assert_error (e, "VDI_IN_USE", vdi, "copy", NULL);
  g_clear_pointer (&e, g_strfreev);
  /* Clone and snapshot are live operations. */
  g_assert_true (set_contains (f, "VDI", vdi, "allowed_operations", "snapshot"));
  g_assert_true (set_contains (f, "VDI", vdi, "allowed_operations", "clone"));
  g_assert_false (set_contains (f, "VDI", vdi, "allowed_operations", "copy"));
  g_assert_false (set_contains (f, "VDI", vdi, "allowed_operations", "destroy"));
  {
    g_autofree char *live = OK_STR (f, "VDI.snapshot", "(s@a{ss})", vdi, smap (NULL));
    g_assert_true (field_bool (f, "VDI", live, "is_a_snapshot"));
  }
  e = fail (f, "VBD.destroy", "(s)", vbd);
  assert_error (e, "OPERATION_NOT_ALLOWED", "*", NULL);
  g_assert_true (g_str_has_prefix (e[1], "VBD '"));
  g_clear_pointer (&e, g_strfreev);
  pbd = pbd_on (f, sr, resident);
  e = fail (f, "PBD.unplug", "(s)", pbd);
  assert_error (e, "VDI_IN_USE", vdi, NULL);
  g_clear_pointer (&e, g_strfreev);
  g_assert_true (field_bool (f, "PBD", pbd, "currently_attached"));

  OK_VOID (f, "VBD.unplug", "(s)", vbd);
  g_assert_false (field_bool (f, "VBD", vbd, "currently_attached"));
  e = fail (f, "VBD.unplug", "(s)", vbd);
  assert_error (e, "DEVICE_ALREADY_DETACHED", vbd, NULL);
  g_clear_pointer (&e, g_strfreev);
  OK_VOID (f, "PBD.unplug", "(s)", pbd);
  OK_VOID (f, "PBD.plug", "(s)", pbd);

  /* A disk that may not be unplugged. */
  fixed = OK_STR (f, "VBD.create", "(@a{sv})",
                  vbd_record (running, vdi2, "autodetect", "RW", "Disk", FALSE, FALSE));
  OK_VOID (f, "VBD.plug", "(s)", fixed);
  e = fail (f, "VBD.unplug", "(s)", fixed);
  assert_error (e, "VBD_NOT_UNPLUGGABLE", fixed, NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "VBD.unplug_force", "(s)", fixed);
  assert_error (e, "VBD_NOT_UNPLUGGABLE", fixed, NULL);
  g_clear_pointer (&e, g_strfreev);

  /* Hot-plug needs a running VM. */
  cold = OK_STR (f, "VBD.create", "(@a{sv})",
                 vbd_record (halted, vdi, "autodetect", "RW", "Disk", FALSE, TRUE));
  e = fail (f, "VBD.plug", "(s)", cold);
  assert_error (e, "VM_BAD_POWER_STATE", halted, "running", "halted", NULL);
  g_clear_pointer (&e, g_strfreev);

  /* Destroying a detached VBD; destroying a VDI takes its VBDs along. */
  OK_VOID (f, "VBD.destroy", "(s)", vbd);
  g_assert_false (exists (f, "VBD", vbd));
  OK_VOID (f, "VDI.destroy", "(s)", vdi);
  g_assert_false (exists (f, "VBD", cold));
}

static void
test_vbd_cd (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *host = master (f);
  g_autofree char *vm = find_vm (f, "Halted");
  g_autofree char *suspended = find_vm (f, "Suspended");
  g_autofree char *iso = create_sr (f, host, smap ("location", "filer:/isos", NULL), "ISO", "iso",
                                    "iso", TRUE);
  g_autofree char *sr = nfs_sr (f, "/export/scratch");
  g_autofree char *disk = create_vdi (f, sr, "disk", GiB);
  g_auto(GStrv) isos = field_set (f, "SR", iso, "VDIs");
  g_autofree char *cd = NULL;
  g_autofree char *dvbd = NULL;
  g_autofree char *scd = NULL;
  g_autofree char *in = NULL;
  g_auto(GStrv) e = NULL;
  g_auto(GStrv) ops = NULL;

  e = fail (f, "VBD.create", "(@a{sv})",
            vbd_record (vm, "OpaqueRef:NULL", "autodetect", "RW", "CD", TRUE, TRUE));
  assert_error (e, "VBD_CDS_MUST_BE_READONLY", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "VBD.create", "(@a{sv})",
            vbd_record (vm, "OpaqueRef:NULL", "autodetect", "RW", "Disk", TRUE, TRUE));
  assert_error (e, "VBD_NOT_REMOVABLE_MEDIA", "in constructor", NULL);
  g_clear_pointer (&e, g_strfreev);

  cd = OK_STR (f, "VBD.create", "(@a{sv})",
               vbd_record (vm, "OpaqueRef:NULL", "9", "RO", "CD", TRUE, TRUE));
  g_assert_true (field_bool (f, "VBD", cd, "empty"));
  ops = field_set (f, "VBD", cd, "allowed_operations");
  g_assert_true (g_strv_contains ((const char *const *) ops, "insert"));
  g_assert_false (g_strv_contains ((const char *const *) ops, "eject"));
  e = fail (f, "VBD.eject", "(s)", cd);
  assert_error (e, "VBD_IS_EMPTY", cd, NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "VBD.insert", "(ss)", cd, disk);
  assert_error (e, "VDI_IS_NOT_ISO", disk, "user", NULL);
  g_clear_pointer (&e, g_strfreev);

  OK_VOID (f, "VBD.insert", "(ss)", cd, isos[0]);
  in = field_str (f, "VBD", cd, "VDI");
  g_assert_cmpstr (in, ==, isos[0]);
  g_assert_false (field_bool (f, "VBD", cd, "empty"));
  {
    g_auto(GStrv) vbds = field_set (f, "VDI", isos[0], "VBDs");
    g_assert_true (g_strv_contains ((const char *const *) vbds, cd));
  }
  e = fail (f, "VBD.insert", "(ss)", cd, isos[1]);
  assert_error (e, "VBD_NOT_EMPTY", cd, NULL);
  g_clear_pointer (&e, g_strfreev);
  OK_VOID (f, "VBD.eject", "(s)", cd);
  g_assert_true (field_bool (f, "VBD", cd, "empty"));
  g_clear_pointer (&in, g_free);
  in = field_str (f, "VBD", cd, "VDI");
  g_assert_cmpstr (in, ==, "OpaqueRef:NULL");
  {
    g_auto(GStrv) vbds = field_set (f, "VDI", isos[0], "VBDs");
    g_assert_false (g_strv_contains ((const char *const *) vbds, cd));
  }

  /* Only disks of the kinds a VM can use may be attached. */
  {
    GVariantBuilder b;
    g_autofree char *statefile = NULL;

    g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&b, "{sv}", "SR", g_variant_new_string (sr));
    g_variant_builder_add (&b, "{sv}", "virtual_size", g_variant_new_int64 (MiB));
    g_variant_builder_add (&b, "{sv}", "type", g_variant_new_string ("ha_statefile"));
    g_variant_builder_add (&b, "{sv}", "sharable", g_variant_new_boolean (TRUE));
    g_variant_builder_add (&b, "{sv}", "read_only", g_variant_new_boolean (FALSE));
    g_variant_builder_add (&b, "{sv}", "other_config", smap (NULL));
    statefile = OK_STR (f, "VDI.create", "(@a{sv})", g_variant_builder_end (&b));
    e = fail (f, "VBD.create", "(@a{sv})",
              vbd_record (vm, statefile, "autodetect", "RW", "Disk", FALSE, TRUE));
    assert_error (e, "VDI_INCOMPATIBLE_TYPE", statefile, "ha_statefile", NULL);
    g_clear_pointer (&e, g_strfreev);
  }

  /* Disks are not removable media. */
  dvbd = OK_STR (f, "VBD.create", "(@a{sv})",
                 vbd_record (vm, disk, "autodetect", "RW", "Disk", FALSE, TRUE));
  e = fail (f, "VBD.eject", "(s)", dvbd);
  assert_error (e, "VBD_NOT_REMOVABLE_MEDIA", dvbd, NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "VBD.insert", "(ss)", dvbd, isos[0]);
  assert_error (e, "VBD_NOT_REMOVABLE_MEDIA", dvbd, NULL);
  g_clear_pointer (&e, g_strfreev);

  /* A suspended VM's drive neither takes nor gives a disc. */
  scd = OK_STR (f, "VBD.create", "(@a{sv})",
                vbd_record (suspended, "OpaqueRef:NULL", "autodetect", "RO", "CD", TRUE, TRUE));
  e = fail (f, "VBD.insert", "(ss)", scd, isos[0]);
  assert_error (e, "VM_BAD_POWER_STATE", suspended, "halted, running", "suspended", NULL);
}

/* ---- networks ---------------------------------------------------------------------------- */

static char *
create_network (Fixture    *f,
                const char *name,
                const char *bridge)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "name_label", g_variant_new_string (name));
  g_variant_builder_add (&b, "{sv}", "name_description", g_variant_new_string (""));
  g_variant_builder_add (&b, "{sv}", "MTU", g_variant_new_int64 (9000));
  g_variant_builder_add (&b, "{sv}", "other_config", smap (NULL));
  if (bridge != NULL)
    g_variant_builder_add (&b, "{sv}", "bridge", g_variant_new_string (bridge));
  return OK_STR (f, "network.create", "(@a{sv})", g_variant_builder_end (&b));
}

static GVariant *
vif_record (const char *vm,
            const char *network,
            const char *device,
            const char *mac)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "device", g_variant_new_string (device));
  g_variant_builder_add (&b, "{sv}", "network", g_variant_new_string (network));
  g_variant_builder_add (&b, "{sv}", "VM", g_variant_new_string (vm));
  g_variant_builder_add (&b, "{sv}", "MAC", g_variant_new_string (mac));
  g_variant_builder_add (&b, "{sv}", "MTU", g_variant_new_int64 (0));
  g_variant_builder_add (&b, "{sv}", "other_config", smap (NULL));
  g_variant_builder_add (&b, "{sv}", "qos_algorithm_type", g_variant_new_string (""));
  g_variant_builder_add (&b, "{sv}", "qos_algorithm_params", smap (NULL));
  return g_variant_builder_end (&b);
}

/* A network by name_label. */
static char *
network_named (Fixture    *f,
               const char *name)
{
  g_autoptr(GVariant) refs = ok (f, "network.get_by_name_label", "(s)", name);
  g_autoptr(GVariant) first = NULL;

  g_assert_cmpuint (g_variant_n_children (refs), ==, 1);
  g_variant_get_child (refs, 0, "v", &first);
  return g_variant_dup_string (first, NULL);
}

/* The PIF of @host on @device without a VLAN tag. */
static char *
pif_of (Fixture    *f,
        const char *host,
        const char *device)
{
  g_auto(GStrv) pifs = field_set (f, "host", host, "PIFs");

  for (guint i = 0; pifs[i] != NULL; i++)
    {
      g_autofree char *d = field_str (f, "PIF", pifs[i], "device");

      if (g_str_equal (d, device) && field_int (f, "PIF", pifs[i], "VLAN") == -1)
        return g_strdup (pifs[i]);
    }
  g_error ("no %s on %s", device, host);
  return NULL;
}

static void
test_network_vif (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *running = find_vm (f, "Running");
  g_autofree char *halted = find_vm (f, "Halted");
  g_autofree char *net = create_network (f, "Lab", NULL);
  g_autofree char *bridge = field_str (f, "network", net, "bridge");
  g_autofree char *vif = NULL;
  g_autofree char *cold = NULL;
  g_autofree char *mac = NULL;
  g_autofree char *internal = network_named (f, "Host internal management network");
  g_auto(GStrv) e = NULL;
  g_auto(GStrv) eth0_pifs = NULL;

  g_assert_true (g_str_has_prefix (bridge, "xapi"));
  g_assert_cmpint (field_int (f, "network", net, "MTU"), ==, 9000);
  g_assert_true (field_bool (f, "network", net, "managed"));
  {
    g_autofree char *second = create_network (f, "Lab 2", NULL);
    g_autofree char *bridge2 = field_str (f, "network", second, "bridge");
    g_assert_cmpstr (bridge2, !=, bridge);
  }
  e = fail (f, "network.create", "(@a{sv})",
            g_variant_new_parsed ("{'name_label': <'dup'>, 'bridge': <'xenbr0'>, "
                                  "'other_config': <@a{ss} {}>}"));
  assert_error (e, "BRIDGE_NAME_EXISTS", "xenbr0", NULL);
  g_clear_pointer (&e, g_strfreev);

  /* VIF.create: device numbers, MAC checks, a MAC made up when none is given. */
  e = fail (f, "VIF.create", "(@a{sv})", vif_record (running, net, "autodetect", ""));
  assert_error (e, "INVALID_DEVICE", "autodetect", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "VIF.create", "(@a{sv})", vif_record (running, net, "6", "00:11:22:33:44"));
  assert_error (e, "MAC_INVALID", "00:11:22:33:44", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "VIF.create", "(@a{sv})", vif_record (running, "OpaqueRef:gone", "6", ""));
  assert_error (e, "HANDLE_INVALID", "network", "OpaqueRef:gone", NULL);
  g_clear_pointer (&e, g_strfreev);
  {
    g_autoptr(GVariant) allowed = ok (f, "VM.get_allowed_VIF_devices", "(s)", running);
    g_auto(GStrv) vifs = field_set (f, "VM", running, "VIFs");
    gboolean six = FALSE;

    g_assert_cmpuint (g_variant_n_children (allowed), ==, 7 - g_strv_length (vifs));
    for (gsize i = 0; i < g_variant_n_children (allowed); i++)
      {
        g_autoptr(GVariant) item = NULL;
        g_variant_get_child (allowed, i, "v", &item);
        six |= g_str_equal (g_variant_get_string (item, NULL), "6");
      }
    g_assert_true (six);
  }
  vif = OK_STR (f, "VIF.create", "(@a{sv})", vif_record (running, net, "6", ""));
  {
    g_autoptr(GVariant) allowed = ok (f, "VM.get_allowed_VIF_devices", "(s)", running);

    for (gsize i = 0; i < g_variant_n_children (allowed); i++)
      {
        g_autoptr(GVariant) item = NULL;
        g_variant_get_child (allowed, i, "v", &item);
        g_assert_cmpstr (g_variant_get_string (item, NULL), !=, "6");
      }
  }
  mac = field_str (f, "VIF", vif, "MAC");
  g_assert_cmpuint (strlen (mac), ==, 17);
  g_assert_true (g_ascii_xdigit_value (mac[1]) & 2);          /* locally administered */
  g_assert_false (g_ascii_xdigit_value (mac[1]) & 1);         /* unicast */
  g_assert_true (field_bool (f, "VIF", vif, "MAC_autogenerated"));
  g_assert_cmpint (field_int (f, "VIF", vif, "MTU"), ==, 9000);
  g_assert_false (field_bool (f, "VIF", vif, "currently_attached"));
  g_assert_true (set_contains (f, "VM", running, "VIFs", vif));
  g_assert_true (set_contains (f, "network", net, "VIFs", vif));
  g_assert_true (set_contains (f, "VIF", vif, "allowed_operations", "plug"));
  e = fail (f, "VIF.create", "(@a{sv})", vif_record (running, net, "6", "02:00:00:00:00:01"));
  assert_error (e, "DEVICE_ALREADY_EXISTS", "6", NULL);
  g_clear_pointer (&e, g_strfreev);
  cold = OK_STR (f, "VIF.create", "(@a{sv})", vif_record (halted, net, "7", "02:00:00:00:00:07"));
  {
    g_autofree char *given = field_str (f, "VIF", cold, "MAC");
    g_assert_cmpstr (given, ==, "02:00:00:00:00:07");
    g_assert_false (field_bool (f, "VIF", cold, "MAC_autogenerated"));
  }

  /* Hot-plug on the running VM only. */
  e = fail (f, "VIF.plug", "(s)", cold);
  assert_error (e, "VM_BAD_POWER_STATE", halted, "running", "halted", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "VIF.unplug", "(s)", vif);
  assert_error (e, "DEVICE_ALREADY_DETACHED", vif, NULL);
  g_clear_pointer (&e, g_strfreev);
  OK_VOID (f, "VIF.plug", "(s)", vif);
  g_assert_true (field_bool (f, "VIF", vif, "currently_attached"));
  g_assert_true (set_contains (f, "VIF", vif, "allowed_operations", "unplug"));
  e = fail (f, "VIF.plug", "(s)", vif);
  assert_error (e, "DEVICE_ALREADY_ATTACHED", vif, NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "VIF.destroy", "(s)", vif);
  assert_error (e, "OPERATION_NOT_ALLOWED", "VIF currently attached to a running VM", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "network.destroy", "(s)", net);
  assert_error (e, "NETWORK_CONTAINS_VIF", vif, NULL);
  g_clear_pointer (&e, g_strfreev);
  OK_VOID (f, "VIF.unplug", "(s)", vif);
  g_assert_false (field_bool (f, "VIF", vif, "currently_attached"));

  /* Networks with PIFs, and the system ones, stay. */
  {
    g_autofree char *vnet = create_network (f, "VLAN 77", NULL);
    g_autofree char *host = master (f);
    g_autofree char *eth1 = pif_of (f, host, "eth1");
    g_autoptr(GVariant) made = ok (f, "pool.create_VLAN_from_PIF", "(ssx)", eth1, vnet,
                                   (gint64) 77);

    eth0_pifs = field_set (f, "network", vnet, "PIFs");
    g_assert_cmpuint (g_strv_length (eth0_pifs), ==, g_variant_n_children (made));
    e = fail (f, "network.destroy", "(s)", vnet);
    g_assert_cmpstr (e[0], ==, "NETWORK_CONTAINS_PIF");
    g_assert_cmpuint (g_strv_length (e), ==, 1 + g_strv_length (eth0_pifs));
    for (guint i = 0; eth0_pifs[i] != NULL; i++)
      g_assert_true (g_strv_contains ((const char *const *) e, eth0_pifs[i]));
    g_clear_pointer (&e, g_strfreev);
  }
  e = fail (f, "network.destroy", "(s)", internal);
  assert_error (e, "CANNOT_DESTROY_SYSTEM_NETWORK", internal, NULL);
  g_clear_pointer (&e, g_strfreev);

  /* Unplugged VIFs go with the network. */
  OK_VOID (f, "network.destroy", "(s)", net);
  g_assert_false (exists (f, "network", net));
  g_assert_false (exists (f, "VIF", vif));
  g_assert_false (exists (f, "VIF", cold));
  g_assert_false (set_contains (f, "VM", running, "VIFs", vif));
}

static void
test_vlan (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *host = master (f);
  g_auto(GStrv) hosts = all_refs (f, "host");
  g_autofree char *net = create_network (f, "VLAN 200", NULL);
  g_autofree char *eth1 = pif_of (f, host, "eth1");
  g_autofree char *vlan100 = network_named (f, "VLAN 100 (Production)");
  g_auto(GStrv) vlan100_pifs = field_set (f, "network", vlan100, "PIFs");
  g_autoptr(GVariant) created = NULL;
  g_autofree char *vlan = NULL;
  g_autofree char *untagged = NULL;
  g_auto(GStrv) e = NULL;

  e = fail (f, "VLAN.create", "(sxs)", eth1, (gint64) 4095, net);
  assert_error (e, "VLAN_TAG_INVALID", "4095", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "VLAN.create", "(sxs)", eth1, (gint64) -1, net);
  assert_error (e, "VLAN_TAG_INVALID", "-1", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "VLAN.create", "(sxs)", eth1, (gint64) 100, net);
  assert_error (e, "PIF_VLAN_EXISTS", "eth1", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "VLAN.create", "(sxs)", vlan100_pifs[0], (gint64) 5, net);
  assert_error (e, "PIF_IS_VLAN", vlan100_pifs[0], NULL);
  g_clear_pointer (&e, g_strfreev);

  /* One VLAN PIF per host on the same device. */
  created = ok (f, "pool.create_VLAN_from_PIF", "(ssx)", eth1, net, (gint64) 200);
  g_assert_cmpuint (g_variant_n_children (created), ==, g_strv_length (hosts));
  for (gsize i = 0; i < g_variant_n_children (created); i++)
    {
      g_autoptr(GVariant) item = NULL;
      g_autofree char *pif = NULL;
      g_autofree char *pif_net = NULL;
      g_autofree char *vlan_of = NULL;
      g_autofree char *tagged = NULL;
      g_autofree char *pif_host = NULL;
      g_autofree char *device = NULL;

      g_variant_get_child (created, i, "v", &item);
      pif = g_variant_dup_string (item, NULL);
      g_assert_cmpint (field_int (f, "PIF", pif, "VLAN"), ==, 200);
      pif_net = field_str (f, "PIF", pif, "network");
      g_assert_cmpstr (pif_net, ==, net);
      device = field_str (f, "PIF", pif, "device");
      g_assert_cmpstr (device, ==, "eth1");
      g_assert_false (field_bool (f, "PIF", pif, "physical"));
      vlan_of = field_str (f, "PIF", pif, "VLAN_master_of");
      g_assert_cmpint (field_int (f, "VLAN", vlan_of, "tag"), ==, 200);
      tagged = field_str (f, "VLAN", vlan_of, "tagged_PIF");
      pif_host = field_str (f, "PIF", pif, "host");
      {
        g_autofree char *base = pif_of (f, pif_host, "eth1");
        g_assert_cmpstr (tagged, ==, base);
        g_assert_true (set_contains (f, "PIF", base, "VLAN_slave_of", vlan_of));
      }
      g_assert_true (set_contains (f, "network", net, "PIFs", pif));
      if (g_str_equal (pif_host, host))
        {
          vlan = g_strdup (vlan_of);
          untagged = g_strdup (pif);
        }
    }
  g_assert_nonnull (vlan);
  /* The network already reaches this host. */
  e = fail (f, "VLAN.create", "(sxs)", eth1, (gint64) 300, net);
  assert_error (e, "NETWORK_ALREADY_CONNECTED", host, untagged, NULL);
  g_clear_pointer (&e, g_strfreev);

  OK_VOID (f, "VLAN.destroy", "(s)", vlan);
  g_assert_false (exists (f, "VLAN", vlan));
  g_assert_false (exists (f, "PIF", untagged));
  g_assert_false (set_contains (f, "PIF", eth1, "VLAN_slave_of", vlan));
  g_assert_false (set_contains (f, "network", net, "PIFs", untagged));
  g_assert_false (set_contains (f, "host", host, "PIFs", untagged));
  /* Now the tag is free again on this host. */
  g_clear_pointer (&vlan, g_free);
  vlan = OK_STR (f, "VLAN.create", "(sxs)", eth1, (gint64) 200, net);
  g_assert_cmpint (field_int (f, "VLAN", vlan, "tag"), ==, 200);
}

static void
test_bond (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *host = master (f);
  g_auto(GStrv) hosts = all_refs (f, "host");
  g_autofree char *other = g_strdup (g_str_equal (hosts[0], host) ? hosts[1] : hosts[0]);
  g_autofree char *net = create_network (f, "Bond 0+1", NULL);
  g_autofree char *net2 = create_network (f, "Bond again", NULL);
  g_autofree char *eth0 = pif_of (f, host, "eth0");
  g_autofree char *eth1 = pif_of (f, host, "eth1");
  g_autofree char *other_eth1 = pif_of (f, other, "eth1");
  g_autofree char *ip = field_str (f, "PIF", eth0, "IP");
  g_autofree char *mac0 = field_str (f, "PIF", eth0, "MAC");
  g_autofree char *vlan100 = network_named (f, "VLAN 100 (Production)");
  g_autofree char *bond = NULL;
  g_autofree char *bond_master = NULL;
  g_autofree char *vlan = NULL;
  g_auto(GStrv) vlan100_pifs = field_set (f, "network", vlan100, "PIFs");
  g_auto(GStrv) e = NULL;
  const char *none[] = { NULL };
  const char *both[] = { eth0, eth1, NULL };
  const char *cross[] = { eth0, other_eth1, NULL };

  e = fail (f, "Bond.create", "(s^asss@a{ss})", net, none, "", "lacp", smap (NULL));
  assert_error (e, "PIF_BOND_NEEDS_MORE_MEMBERS", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "Bond.create", "(s^asss@a{ss})", net, cross, "", "lacp", smap (NULL));
  assert_error (e, "PIF_CANNOT_BOND_CROSS_HOST", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "Bond.create", "(s^asss@a{ss})", net, both, "not-a-mac", "lacp", smap (NULL));
  assert_error (e, "MAC_INVALID", "not-a-mac", NULL);
  g_clear_pointer (&e, g_strfreev);
  {
    g_autofree char *vlan_pif = NULL;

    for (guint i = 0; vlan100_pifs[i] != NULL && vlan_pif == NULL; i++)
      {
        g_autofree char *h = field_str (f, "PIF", vlan100_pifs[i], "host");
        if (g_str_equal (h, host))
          vlan_pif = g_strdup (vlan100_pifs[i]);
      }
    {
      const char *with_vlan[] = { eth0, vlan_pif, NULL };
      e = fail (f, "Bond.create", "(s^asss@a{ss})", net, with_vlan, "", "lacp", smap (NULL));
      assert_error (e, "PIF_VLAN_EXISTS", "eth1", NULL);
      g_clear_pointer (&e, g_strfreev);
    }
  }

  bond = OK_STR (f, "Bond.create", "(s^asss@a{ss})", net, both, "", "lacp", smap (NULL));
  bond_master = field_str (f, "Bond", bond, "master");
  {
    g_autofree char *device = field_str (f, "PIF", bond_master, "device");
    g_autofree char *mode = field_str (f, "Bond", bond, "mode");
    g_autofree char *primary = field_str (f, "Bond", bond, "primary_slave");
    g_autofree char *mip = field_str (f, "PIF", bond_master, "IP");
    g_autofree char *mmode = field_str (f, "PIF", bond_master, "ip_configuration_mode");
    g_autofree char *mmac = field_str (f, "PIF", bond_master, "MAC");
    g_autofree char *smode = field_str (f, "PIF", eth0, "ip_configuration_mode");
    g_autofree char *hash = map_value (f, "Bond", bond, "properties", "hashing_algorithm");
    g_autofree char *slave_of = field_str (f, "PIF", eth1, "bond_slave_of");

    g_assert_cmpstr (device, ==, "bond0");
    g_assert_cmpstr (mode, ==, "lacp");
    g_assert_cmpstr (primary, ==, eth0);
    /* The management interface and its address moved to the bond. */
    g_assert_cmpstr (mip, ==, ip);
    g_assert_cmpstr (mmode, ==, "Static");
    g_assert_cmpstr (mmac, ==, mac0);
    g_assert_true (field_bool (f, "PIF", bond_master, "management"));
    g_assert_false (field_bool (f, "PIF", eth0, "management"));
    g_assert_cmpstr (smode, ==, "None");
    g_assert_cmpstr (hash, ==, "tcpudp_ports");
    g_assert_cmpstr (slave_of, ==, bond);
    g_assert_true (field_bool (f, "PIF", bond_master, "currently_attached"));
    g_assert_false (field_bool (f, "PIF", eth0, "currently_attached"));
    g_assert_false (field_bool (f, "PIF", eth1, "currently_attached"));
    g_assert_true (set_contains (f, "Bond", bond, "slaves", eth0));
    g_assert_true (set_contains (f, "Bond", bond, "slaves", eth1));
    g_assert_true (set_contains (f, "PIF", bond_master, "bond_master_of", bond));
    g_assert_true (set_contains (f, "network", net, "PIFs", bond_master));
  }
  /* The VLAN on eth1 now rides the bond. */
  {
    g_auto(GStrv) vlans = field_set (f, "PIF", bond_master, "VLAN_slave_of");
    g_assert_cmpuint (g_strv_length (vlans), ==, 1);
    g_assert_cmpint (field_int (f, "VLAN", vlans[0], "tag"), ==, 100);
    vlan = g_strdup (vlans[0]);
  }
  e = fail (f, "Bond.create", "(s^asss@a{ss})", net2, both, "", "balance-slb", smap (NULL));
  assert_error (e, "PIF_ALREADY_BONDED", eth0, NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "PIF.plug", "(s)", eth1);
  assert_error (e, "CANNOT_PLUG_BOND_SLAVE", eth1, NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "PIF.unplug", "(s)", bond_master);
  assert_error (e, "PIF_IS_MANAGEMENT_INTERFACE", bond_master, NULL);
  g_clear_pointer (&e, g_strfreev);

  OK_VOID (f, "Bond.destroy", "(s)", bond);
  g_assert_false (exists (f, "Bond", bond));
  g_assert_false (exists (f, "PIF", bond_master));
  {
    g_autofree char *back_ip = field_str (f, "PIF", eth0, "IP");
    g_autofree char *slave_of = field_str (f, "PIF", eth0, "bond_slave_of");
    g_autofree char *tagged = field_str (f, "VLAN", vlan, "tagged_PIF");

    g_assert_cmpstr (back_ip, ==, ip);
    g_assert_true (field_bool (f, "PIF", eth0, "management"));
    g_assert_true (field_bool (f, "PIF", eth0, "currently_attached"));
    g_assert_true (field_bool (f, "PIF", eth1, "currently_attached"));
    g_assert_cmpstr (slave_of, ==, "OpaqueRef:NULL");
    g_assert_cmpstr (tagged, ==, eth0);
  }
}

static void
test_pif (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *host = master (f);
  g_autofree char *eth0 = pif_of (f, host, "eth0");
  g_autofree char *eth1 = pif_of (f, host, "eth1");
  g_auto(GStrv) e = NULL;

  e = fail (f, "PIF.reconfigure_ip", "(ssssss)", eth1, "Static", "10.2.0", "255.255.0.0", "", "");
  assert_error (e, "INVALID_IP_ADDRESS_SPECIFIED", "IP", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "PIF.reconfigure_ip", "(ssssss)", eth1, "Static", "10.2.0.5", "", "", "");
  assert_error (e, "INVALID_IP_ADDRESS_SPECIFIED", "netmask", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "PIF.reconfigure_ip", "(ssssss)", eth1, "Static", "10.2.0.5", "255.255.0.0",
            "gw", "");
  assert_error (e, "INVALID_IP_ADDRESS_SPECIFIED", "gateway", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "PIF.reconfigure_ip", "(ssssss)", eth1, "Static", "10.2.0.5", "255.255.0.0",
            "10.2.0.1", "10.2.0.2,dns.example");
  assert_error (e, "INVALID_IP_ADDRESS_SPECIFIED", "DNS", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "PIF.reconfigure_ip", "(ssssss)", eth1, "DHCP", "::1", "", "", "");
  assert_error (e, "INVALID_IP_ADDRESS_SPECIFIED", "IP", NULL);
  g_clear_pointer (&e, g_strfreev);

  OK_VOID (f, "PIF.reconfigure_ip", "(ssssss)", eth1, "Static", "10.2.0.5", "255.255.0.0",
           "10.2.0.1", "10.2.0.2,10.2.0.3");
  {
    g_autofree char *mode = field_str (f, "PIF", eth1, "ip_configuration_mode");
    g_autofree char *ip = field_str (f, "PIF", eth1, "IP");
    g_autofree char *gw = field_str (f, "PIF", eth1, "gateway");
    g_autofree char *dns = field_str (f, "PIF", eth1, "DNS");

    g_assert_cmpstr (mode, ==, "Static");
    g_assert_cmpstr (ip, ==, "10.2.0.5");
    g_assert_cmpstr (gw, ==, "10.2.0.1");
    g_assert_cmpstr (dns, ==, "10.2.0.2,10.2.0.3");
  }
  OK_VOID (f, "PIF.reconfigure_ip", "(ssssss)", eth1, "DHCP", "", "", "", "");
  {
    g_autofree char *mode = field_str (f, "PIF", eth1, "ip_configuration_mode");
    g_autofree char *ip = field_str (f, "PIF", eth1, "IP");

    g_assert_cmpstr (mode, ==, "DHCP");
    g_assert_true (g_str_has_prefix (ip, "10.1."));
  }
  OK_VOID (f, "PIF.reconfigure_ip", "(ssssss)", eth1, "None", "", "", "", "");
  {
    g_autofree char *ip = field_str (f, "PIF", eth1, "IP");
    g_assert_cmpstr (ip, ==, "");
  }
  e = fail (f, "PIF.reconfigure_ip", "(ssssss)", eth0, "None", "", "", "", "");
  assert_error (e, "PIF_IS_MANAGEMENT_INTERFACE", eth0, NULL);
  g_clear_pointer (&e, g_strfreev);

  e = fail (f, "PIF.unplug", "(s)", eth0);
  assert_error (e, "PIF_IS_MANAGEMENT_INTERFACE", eth0, NULL);
  g_clear_pointer (&e, g_strfreev);
  OK_VOID (f, "PIF.unplug", "(s)", eth1);
  g_assert_false (field_bool (f, "PIF", eth1, "currently_attached"));
  OK_VOID (f, "PIF.plug", "(s)", eth1);
  g_assert_true (field_bool (f, "PIF", eth1, "currently_attached"));
  OK_VOID (f, "PIF.set_disallow_unplug", "(sb)", eth1, TRUE);
  e = fail (f, "PIF.unplug", "(s)", eth1);
  assert_error (e, "PIF_DOES_NOT_ALLOW_UNPLUG", eth1, NULL);
  g_assert_true (field_bool (f, "PIF", eth1, "currently_attached"));
}

/* ---- Async and bad input ----------------------------------------------------------------- */

static void
test_async_vdi_create (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *sr = nfs_sr (f, "/export/scratch");
  g_autofree char *task = NULL;
  g_autofree char *status = NULL;
  g_autofree char *result = NULL;
  g_autofree char *vdi = NULL;
  GVariantBuilder b;
  const char *start, *end;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "SR", g_variant_new_string (sr));
  g_variant_builder_add (&b, "{sv}", "name_label", g_variant_new_string ("async"));
  g_variant_builder_add (&b, "{sv}", "virtual_size", g_variant_new_int64 (3 * GiB));
  g_variant_builder_add (&b, "{sv}", "type", g_variant_new_string ("user"));
  g_variant_builder_add (&b, "{sv}", "sharable", g_variant_new_boolean (FALSE));
  g_variant_builder_add (&b, "{sv}", "read_only", g_variant_new_boolean (FALSE));
  g_variant_builder_add (&b, "{sv}", "other_config", smap (NULL));
  task = OK_STR (f, "Async.VDI.create", "(@a{sv})", g_variant_builder_end (&b));
  for (guint i = 0; i < 200; i++)
    {
      g_clear_pointer (&status, g_free);
      status = field_str (f, "task", task, "status");
      if (!g_str_equal (status, "pending"))
        break;
      g_usleep (20 * 1000);
    }
  g_assert_cmpstr (status, ==, "success");
  /* The result is the ref as an XML-RPC value fragment. */
  result = field_str (f, "task", task, "result");
  start = strstr (result, "OpaqueRef:");
  g_assert_nonnull (start);
  end = strchr (start, '<');
  g_assert_nonnull (end);
  vdi = g_strndup (start, end - start);
  g_assert_cmpint (field_int (f, "VDI", vdi, "virtual_size"), ==, 3 * GiB);
  g_assert_true (set_contains (f, "SR", sr, "VDIs", vdi));

  /* A failing Async call leaves the error in the task. */
  g_clear_pointer (&task, g_free);
  task = OK_STR (f, "Async.SR.destroy", "(s)", sr);
  for (guint i = 0; i < 200; i++)
    {
      g_clear_pointer (&status, g_free);
      status = field_str (f, "task", task, "status");
      if (!g_str_equal (status, "pending"))
        break;
      g_usleep (20 * 1000);
    }
  g_assert_cmpstr (status, ==, "failure");
  {
    g_auto(GStrv) info = field_set (f, "task", task, "error_info");
    g_autofree char *joined = g_strjoinv ("|", info);
    g_autofree char *expected = g_strdup_printf ("SR_HAS_PBD|%s", sr);
    g_assert_cmpstr (joined, ==, expected);
  }
}

/* Nonsense of the right shape for every message of this area: a Failure each, never a crash. */
static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *host = master (f);
  const char *bad = "OpaqueRef:0000";
  struct
  {
    const char *method;
    GVariant   *params;
  } calls[] = {
    { "SR.create", g_variant_new ("(s@a{ss}xssssb@a{ss})", bad, smap (NULL), (gint64) -1, "", "",
                                  "nfs", "", TRUE, smap (NULL)) },
    { "SR.create", g_variant_new ("(s@a{ss}xssssb@a{ss})", host,
                                  smap ("server", "", "serverpath", "", "target", "", NULL),
                                  (gint64) 0, "", "", "", "", FALSE, smap (NULL)) },
    { "SR.create", g_variant_new ("(s@a{ss}xssssb@a{ss})", host,
                                  smap ("location", "\\\\\\\\", NULL), (gint64) 0, "", "", "iso",
                                  "", FALSE, smap (NULL)) },
    { "SR.create", g_variant_new ("(s@a{ss}xssssb@a{ss})", host,
                                  smap ("location", ":/", NULL), (gint64) 0, "", "", "iso", "",
                                  FALSE, smap (NULL)) },
    { "SR.create", g_variant_new ("(s@a{ss}xssssb@a{ss})", host,
                                  smap ("device", "/dev/../etc", NULL), (gint64) 0, "", "", "ext",
                                  "", FALSE, smap (NULL)) },
    { "SR.probe", g_variant_new ("(s@a{ss}s@a{ss})", bad, smap (NULL), "nfs", smap (NULL)) },
    { "SR.probe", g_variant_new ("(s@a{ss}s@a{ss})", host, smap (NULL), "", smap (NULL)) },
    { "SR.probe_ext", g_variant_new ("(s@a{ss}s@a{ss})", host, smap (NULL), "iso", smap (NULL)) },
    { "SR.forget", g_variant_new ("(s)", bad) },
    { "SR.destroy", g_variant_new ("(s)", "") },
    { "SR.scan", g_variant_new ("(s)", bad) },
    { "SR.update", g_variant_new ("(s)", bad) },
    { "PBD.plug", g_variant_new ("(s)", bad) },
    { "PBD.unplug", g_variant_new ("(s)", bad) },
    { "PBD.destroy", g_variant_new ("(s)", bad) },
    { "PBD.create", g_variant_new_parsed ("({'host': <'x'>},)") },
    { "VDI.create", g_variant_new_parsed ("(@a{sv} {},)") },
    { "VDI.create",
      g_variant_new_parsed ("({'SR': <'OpaqueRef:0000'>, 'virtual_size': <'-1'>},)") },
    { "VDI.destroy", g_variant_new ("(s)", bad) },
    { "VDI.resize", g_variant_new ("(sx)", bad, (gint64) -5) },
    { "VDI.resize_online", g_variant_new ("(sx)", bad, G_MAXINT64) },
    { "VDI.snapshot", g_variant_new ("(s@a{ss})", bad, smap (NULL)) },
    { "VDI.clone", g_variant_new ("(s@a{ss})", bad, smap (NULL)) },
    { "VDI.copy", g_variant_new ("(ss)", bad, bad) },
    { "VBD.create", g_variant_new_parsed ("(@a{sv} {},)") },
    { "VBD.create", g_variant_new_parsed ("({'VM': <'OpaqueRef:0000'>, 'empty': <true>},)") },
    { "VBD.destroy", g_variant_new ("(s)", bad) },
    { "VBD.plug", g_variant_new ("(s)", bad) },
    { "VBD.unplug", g_variant_new ("(s)", bad) },
    { "VBD.unplug_force", g_variant_new ("(s)", bad) },
    { "VBD.insert", g_variant_new ("(ss)", bad, bad) },
    { "VBD.eject", g_variant_new ("(s)", bad) },
    { "network.destroy", g_variant_new ("(s)", bad) },
    { "network.create", g_variant_new_parsed ("({'bridge': <'a bridge name far too long'>},)") },
    { "VIF.create", g_variant_new_parsed ("(@a{sv} {},)") },
    { "VIF.destroy", g_variant_new ("(s)", bad) },
    { "VIF.plug", g_variant_new ("(s)", bad) },
    { "VIF.unplug", g_variant_new ("(s)", bad) },
    { "PIF.plug", g_variant_new ("(s)", bad) },
    { "PIF.unplug", g_variant_new ("(s)", bad) },
    { "PIF.reconfigure_ip", g_variant_new ("(ssssss)", bad, "Static", "", "", "", "") },
    { "VLAN.create", g_variant_new ("(sxs)", bad, (gint64) 5, bad) },
    { "VLAN.destroy", g_variant_new ("(s)", bad) },
    { "pool.create_VLAN_from_PIF", g_variant_new ("(ssx)", bad, bad, (gint64) 5) },
    { "Bond.create", g_variant_new ("(s^asss@a{ss})", bad, (const char *const[]) { bad, NULL },
                                    "", "lacp", smap (NULL)) },
    { "Bond.destroy", g_variant_new ("(s)", bad) },
  };

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      GVariantBuilder b;
      GVariantIter iter;
      GVariant *child;
      g_autoptr(GVariant) top = NULL;
      g_autoptr(GVariant) sunk = g_variant_ref_sink (calls[i].params);
      const char *status = NULL;

      g_variant_builder_init (&b, G_VARIANT_TYPE_TUPLE);
      g_variant_builder_add (&b, "s", f->session);
      g_variant_iter_init (&iter, sunk);
      while ((child = g_variant_iter_next_value (&iter)))
        {
          g_variant_builder_add_value (&b, child);
          g_variant_unref (child);
        }
      g_test_message ("bad input #%u: %s", i, calls[i].method);
      top = rpc (f, calls[i].method, g_variant_builder_end (&b));
      g_assert_true (g_variant_lookup (top, "Status", "&s", &status));
      if (!g_str_equal (status, "Failure"))
        g_error ("bad input #%u to %s did not fail", i, calls[i].method);
    }
  /* Still serving. */
  g_free (master (f));
}

/* Async storage operations show in SR.current_operations and keep others off the SR. */
static void
test_sr_current_operations (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *sr = nfs_sr (f, "/export/scratch");
  g_autofree char *task = NULL;
  g_autofree char *status = NULL;
  g_autoptr(GVariant) seen = NULL;
  g_auto(GStrv) e = NULL;
  const char *op = NULL;

  g_assert_true (set_contains (f, "SR", sr, "allowed_operations", "scan"));
  task = OK_STR (f, "Async.SR.scan", "(s)", sr);
  /* The simulator runs at --speed=8: the scan holds the SR for 2 s. */
  for (guint i = 0; i < 200 && seen == NULL; i++)
    {
      g_autoptr(GVariant) rec = record (f, "SR", sr);
      g_autoptr(GVariant) ops = g_variant_lookup_value (rec, "current_operations",
                                                        G_VARIANT_TYPE_VARDICT);

      if (g_variant_n_children (ops) > 0)
        seen = g_steal_pointer (&ops);
      else
        g_usleep (5 * 1000);
    }
  g_assert_nonnull (seen);
  g_assert_true (g_variant_lookup (seen, task, "&s", &op));
  g_assert_cmpstr (op, ==, "scan");
  {
    g_auto(GStrv) allowed = field_set (f, "SR", sr, "allowed_operations");
    g_assert_cmpuint (g_strv_length (allowed), ==, 0);
  }
  e = fail (f, "SR.update", "(s)", sr);
  assert_error (e, "OTHER_OPERATION_IN_PROGRESS", "SR", sr, "scan", NULL);
  g_clear_pointer (&e, g_strfreev);
  e = create_vdi_fails (f, sr, GiB);
  assert_error (e, "OTHER_OPERATION_IN_PROGRESS", "SR", sr, "scan", NULL);
  g_clear_pointer (&e, g_strfreev);

  for (guint i = 0; i < 1000; i++)
    {
      g_clear_pointer (&status, g_free);
      status = field_str (f, "task", task, "status");
      if (!g_str_equal (status, "pending"))
        break;
      g_usleep (10 * 1000);
    }
  g_assert_cmpstr (status, ==, "success");
  {
    g_autoptr(GVariant) rec = record (f, "SR", sr);
    g_autoptr(GVariant) ops = g_variant_lookup_value (rec, "current_operations",
                                                      G_VARIANT_TYPE_VARDICT);
    g_assert_cmpuint (g_variant_n_children (ops), ==, 0);
  }
  g_assert_true (set_contains (f, "SR", sr, "allowed_operations", "scan"));
  /* A synchronous call leaves nothing behind. */
  OK_VOID (f, "SR.update", "(s)", sr);
  g_assert_true (set_contains (f, "SR", sr, "allowed_operations", "vdi_create"));
}

/* Storage motion of a running VM's disk; other disks are refused for the client to copy. */
static void
test_vdi_pool_migrate (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *running = find_vm (f, "Running");
  g_autofree char *from = nfs_sr (f, "/export/scratch");
  g_autofree char *to = iscsi_sr (f, 0);
  g_autofree char *vdi = create_vdi (f, from, "moving", 4 * GiB);
  g_autofree char *idle = create_vdi (f, from, "idle", GiB);
  g_autofree char *vbd = NULL;
  g_autofree char *moved = NULL;
  g_autofree char *moved_sr = NULL;
  g_autofree char *vbd_vdi = NULL;
  g_autofree char *name = NULL;
  g_auto(GStrv) e = NULL;

  e = fail (f, "VDI.pool_migrate", "(ss@a{ss})", idle, to, smap (NULL));
  assert_error (e, "VDI_NEEDS_VM_FOR_MIGRATE", idle, NULL);
  g_clear_pointer (&e, g_strfreev);
  e = fail (f, "VDI.pool_migrate", "(ss@a{ss})", idle, "OpaqueRef:none", smap (NULL));
  assert_error (e, "HANDLE_INVALID", "SR", "OpaqueRef:none", NULL);
  g_clear_pointer (&e, g_strfreev);

  vbd = OK_STR (f, "VBD.create", "(@a{sv})",
                vbd_record (running, vdi, "autodetect", "RW", "Disk", FALSE, TRUE));
  /* Created but not plugged: still no running VM uses it. */
  e = fail (f, "VDI.pool_migrate", "(ss@a{ss})", vdi, to, smap (NULL));
  assert_error (e, "VDI_NEEDS_VM_FOR_MIGRATE", vdi, NULL);
  g_clear_pointer (&e, g_strfreev);
  OK_VOID (f, "VBD.plug", "(s)", vbd);

  moved = OK_STR (f, "VDI.pool_migrate", "(ss@a{ss})", vdi, to, smap (NULL));
  g_assert_cmpstr (moved, !=, vdi);
  moved_sr = field_str (f, "VDI", moved, "SR");
  g_assert_cmpstr (moved_sr, ==, to);
  name = field_str (f, "VDI", moved, "name_label");
  g_assert_cmpstr (name, ==, "moving");
  vbd_vdi = field_str (f, "VBD", vbd, "VDI");
  g_assert_cmpstr (vbd_vdi, ==, moved);
  g_assert_true (field_bool (f, "VBD", vbd, "currently_attached"));
  g_assert_false (exists (f, "VDI", vdi));
  g_assert_false (set_contains (f, "SR", from, "VDIs", vdi));
  g_assert_true (set_contains (f, "VDI", moved, "VBDs", vbd));
  g_assert_cmpint (field_int (f, "SR", to, "virtual_allocation"), ==, 4 * GiB);
  g_assert_cmpint (field_int (f, "SR", from, "virtual_allocation"), ==, GiB);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) \
  g_test_add ("/lagoon/xapi-sim-storage/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

  ADD ("sr/nfs", test_sr_nfs);
  ADD ("sr/iscsi", test_sr_iscsi);
  ADD ("sr/probe-ext", test_sr_probe_ext);
  ADD ("sr/local-and-iso", test_sr_local_and_iso);
  ADD ("sr/forget-introduce", test_sr_forget_introduce);
  ADD ("sr/destroy", test_sr_destroy);
  ADD ("vdi/accounting", test_vdi_accounting);
  ADD ("vdi/snapshot-clone-copy", test_vdi_snapshot_clone_copy);
  ADD ("vdi/pool-migrate", test_vdi_pool_migrate);
  ADD ("vbd/plug", test_vbd_plug);
  ADD ("vbd/cd", test_vbd_cd);
  ADD ("network/vif", test_network_vif);
  ADD ("network/vlan", test_vlan);
  ADD ("network/bond", test_bond);
  ADD ("network/pif", test_pif);
  ADD ("async", test_async_vdi_create);
  ADD ("bad-input", test_bad_input);
  g_test_add ("/lagoon/xapi-sim-storage/sr/current-operations", Fixture, "--speed=8",
              fixture_setup, test_sr_current_operations, fixture_teardown);

#undef ADD
  return g_test_run ();
}
