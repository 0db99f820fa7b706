/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Wire tests for the simulator's VM lifecycle (sim-vm.c): the real xapi-sim binary on a free
 * port with a small pool, XML-RPC calls through the client's own transport, and the records
 * read back as a client would see them.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "lagoon-tcp-opener.h"
#include "lagoon-xenapi-error.h"
#include "lagoon-xmlrpc.h"

#define GIB G_GINT64_CONSTANT (1073741824)
#define MIB G_GINT64_CONSTANT (1048576)

/*
 * The pool: host1 (coordinator, 4 GiB, 100 MiB overhead, dom0 with 1 GiB), host2 (2 GiB),
 * host3 (8 GiB, disabled by the tests with host.disable: xapi enables live hosts when it
 * starts), host4 (not live). SRs: sr1 (lvm, 100 GiB, default, 10 GiB used, plugged everywhere),
 * sr2 (ext, 1 GiB), sr3 (nfs, 50 GiB) (both plugged on host1 only), an ISO SR. VMs: dom0 on
 * host1, a template, a halted VM with a 10 GiB disk, an empty CD drive and a VIF, and a
 * halted VM that needs 3 GiB.
 */
static const char pool_db[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?><database><manifest>"
  "<pair key=\"schema_major_vsn\" value=\"5\"/><pair key=\"schema_minor_vsn\" value=\"786\"/>"
  "<pair key=\"generation_count\" value=\"100\"/></manifest>"
  "<table name=\"pool\"><row ref=\"OpaqueRef:pool\" uuid=\"pool-uuid\" name__label=\"pool\" "
  "master=\"OpaqueRef:host1\" default_SR=\"OpaqueRef:sr1\" "
  "suspend_image_SR=\"OpaqueRef:sr1\"/></table>"
  "<table name=\"host\">"
  "<row ref=\"OpaqueRef:host1\" uuid=\"host-uuid-1\" name__label=\"host1\" address=\"10.0.0.1\" "
  "enabled=\"true\" metrics=\"OpaqueRef:hm1\" memory__overhead=\"104857600\" "
  "resident_VMs=\"('OpaqueRef:dom0')\"/>"
  "<row ref=\"OpaqueRef:host2\" uuid=\"host-uuid-2\" name__label=\"host2\" address=\"10.0.0.2\" "
  "enabled=\"true\" metrics=\"OpaqueRef:hm2\" memory__overhead=\"0\"/>"
  "<row ref=\"OpaqueRef:host3\" uuid=\"host-uuid-3\" name__label=\"host3\" address=\"10.0.0.3\" "
  "enabled=\"false\" metrics=\"OpaqueRef:hm3\" memory__overhead=\"0\"/>"
  "<row ref=\"OpaqueRef:host4\" uuid=\"host-uuid-4\" name__label=\"host4\" address=\"10.0.0.4\" "
  "enabled=\"true\" metrics=\"OpaqueRef:hm4\" memory__overhead=\"0\"/></table>"
  "<table name=\"host_metrics\">"
  "<row ref=\"OpaqueRef:hm1\" uuid=\"hm-1\" memory__total=\"4294967296\" memory__free=\"0\" "
  "live=\"true\"/>"
  "<row ref=\"OpaqueRef:hm2\" uuid=\"hm-2\" memory__total=\"2147483648\" memory__free=\"0\" "
  "live=\"true\"/>"
  "<row ref=\"OpaqueRef:hm3\" uuid=\"hm-3\" memory__total=\"8589934592\" memory__free=\"0\" "
  "live=\"true\"/>"
  "<row ref=\"OpaqueRef:hm4\" uuid=\"hm-4\" memory__total=\"8589934592\" memory__free=\"0\" "
  "live=\"false\"/>"
  "</table>"
  "<table name=\"SR\">"
  "<row ref=\"OpaqueRef:sr1\" uuid=\"sr-uuid-1\" name__label=\"Local storage\" type=\"lvm\" "
  "content_type=\"user\" physical_size=\"107374182400\" physical_utilisation=\"10737418240\" "
  "virtual_allocation=\"10737418240\" VDIs=\"('OpaqueRef:vdi1')\" "
  "PBDs=\"('OpaqueRef:pbd1' 'OpaqueRef:pbd1b' 'OpaqueRef:pbd1c' 'OpaqueRef:pbd1d')\"/>"
  "<row ref=\"OpaqueRef:sr2\" uuid=\"sr-uuid-2\" name__label=\"small\" type=\"ext\" "
  "content_type=\"user\" physical_size=\"1073741824\" physical_utilisation=\"0\" "
  "virtual_allocation=\"0\" "
  "PBDs=\"('OpaqueRef:pbd2')\"/>"
  "<row ref=\"OpaqueRef:sr3\" uuid=\"sr-uuid-3\" name__label=\"NFS store\" type=\"nfs\" "
  "content_type=\"\" physical_size=\"53687091200\" physical_utilisation=\"0\" "
  "virtual_allocation=\"0\" "
  "PBDs=\"('OpaqueRef:pbd3')\"/>"
  "<row ref=\"OpaqueRef:sriso\" uuid=\"sr-uuid-iso\" name__label=\"ISOs\" type=\"iso\" "
  "content_type=\"iso\" physical_size=\"0\"/></table>"
  "<table name=\"VM_guest_metrics\"><row ref=\"OpaqueRef:gmhvm\" uuid=\"gm-hvm\" "
  "PV_drivers_version=\"()\" other=\"(('feature-shutdown' '1') "
  "('data-cant-suspend-reason' 'UEFI variables'))\" live=\"false\"/></table>"
  "<table name=\"PBD\">"
  "<row ref=\"OpaqueRef:pbd1b\" uuid=\"pbd-1b\" host=\"OpaqueRef:host2\" SR=\"OpaqueRef:sr1\" "
  "currently_attached=\"true\"/>"
  "<row ref=\"OpaqueRef:pbd1c\" uuid=\"pbd-1c\" host=\"OpaqueRef:host3\" SR=\"OpaqueRef:sr1\" "
  "currently_attached=\"true\"/>"
  "<row ref=\"OpaqueRef:pbd1d\" uuid=\"pbd-1d\" host=\"OpaqueRef:host4\" SR=\"OpaqueRef:sr1\" "
  "currently_attached=\"true\"/>"
  "<row ref=\"OpaqueRef:pbd1\" uuid=\"pbd-1\" host=\"OpaqueRef:host1\" SR=\"OpaqueRef:sr1\" "
  "currently_attached=\"true\"/>"
  "<row ref=\"OpaqueRef:pbd2\" uuid=\"pbd-2\" host=\"OpaqueRef:host1\" SR=\"OpaqueRef:sr2\" "
  "currently_attached=\"true\"/>"
  "<row ref=\"OpaqueRef:pbd3\" uuid=\"pbd-3\" host=\"OpaqueRef:host1\" SR=\"OpaqueRef:sr3\" "
  "currently_attached=\"true\"/>"
  "</table>"
  "<table name=\"VDI\"><row ref=\"OpaqueRef:vdi1\" uuid=\"vdi-uuid-1\" name__label=\"disk\" "
  "SR=\"OpaqueRef:sr1\" virtual_size=\"10737418240\" physical_utilisation=\"10737418240\" "
  "type=\"system\" "
  "is_a_snapshot=\"false\" snapshot_of=\"OpaqueRef:NULL\" VBDs=\"('OpaqueRef:vbd1')\"/></table>"
  "<table name=\"VBD\">"
  "<row ref=\"OpaqueRef:vbd1\" uuid=\"vbd-uuid-1\" VM=\"OpaqueRef:vmh\" VDI=\"OpaqueRef:vdi1\" "
  "userdevice=\"0\" bootable=\"true\" mode=\"RW\" type=\"Disk\" empty=\"false\" "
  "currently_attached=\"false\"/>"
  "<row ref=\"OpaqueRef:vbdcd\" uuid=\"vbd-uuid-cd\" VM=\"OpaqueRef:vmh\" VDI=\"OpaqueRef:NULL\" "
  "userdevice=\"3\" bootable=\"false\" mode=\"RO\" type=\"CD\" empty=\"true\" "
  "currently_attached=\"false\"/>"
  "</table>"
  "<table name=\"network\"><row ref=\"OpaqueRef:net1\" uuid=\"net-uuid-1\" "
  "name__label=\"Pool-wide network\" bridge=\"xenbr0\" VIFs=\"('OpaqueRef:vif1')\" "
  "PIFs=\"('OpaqueRef:pif1' 'OpaqueRef:pif2' 'OpaqueRef:pif3' 'OpaqueRef:pif4')\"/>"
  "<row ref=\"OpaqueRef:net2\" uuid=\"net-uuid-2\" name__label=\"host1 only\" bridge=\"xenbr1\" "
  "VIFs=\"('OpaqueRef:vifhvm')\" PIFs=\"('OpaqueRef:pif5')\"/></table>"
  "<table name=\"PIF\">"
  "<row ref=\"OpaqueRef:pif1\" uuid=\"pif-1\" device=\"eth0\" host=\"OpaqueRef:host1\" "
  "network=\"OpaqueRef:net1\"/>"
  "<row ref=\"OpaqueRef:pif2\" uuid=\"pif-2\" device=\"eth0\" host=\"OpaqueRef:host2\" "
  "network=\"OpaqueRef:net1\"/>"
  "<row ref=\"OpaqueRef:pif3\" uuid=\"pif-3\" device=\"eth0\" host=\"OpaqueRef:host3\" "
  "network=\"OpaqueRef:net1\"/>"
  "<row ref=\"OpaqueRef:pif4\" uuid=\"pif-4\" device=\"eth0\" host=\"OpaqueRef:host4\" "
  "network=\"OpaqueRef:net1\"/>"
  "<row ref=\"OpaqueRef:pif5\" uuid=\"pif-5\" device=\"eth1\" host=\"OpaqueRef:host1\" "
  "network=\"OpaqueRef:net2\"/></table>"
  "<table name=\"VIF\"><row ref=\"OpaqueRef:vif1\" uuid=\"vif-uuid-1\" VM=\"OpaqueRef:vmh\" "
  "network=\"OpaqueRef:net1\" device=\"0\" MAC=\"aa:bb:cc:00:11:22\" "
  "currently_attached=\"false\"/>"
  "<row ref=\"OpaqueRef:vifhvm\" uuid=\"vif-uuid-hvm\" VM=\"OpaqueRef:hvm\" "
  "network=\"OpaqueRef:net2\" device=\"0\" MAC=\"aa:bb:cc:00:11:33\" "
  "currently_attached=\"false\"/></table>"
  "<table name=\"VM\">"
  "<row ref=\"OpaqueRef:dom0\" uuid=\"dom0-uuid\" name__label=\"Control domain on host: host1\" "
  "power_state=\"Running\" is_control_domain=\"true\" is_a_template=\"false\" "
  "resident_on=\"OpaqueRef:host1\" "
  "domid=\"0\" memory__static_min=\"1073741824\" memory__dynamic_min=\"1073741824\" "
  "memory__dynamic_max=\"1073741824\" memory__static_max=\"1073741824\" VCPUs__max=\"4\" "
  "VCPUs__at_startup=\"4\"/>"
  "<row ref=\"OpaqueRef:tmpl\" uuid=\"tmpl-uuid\" name__label=\"Debian Bookworm 12\" "
  "power_state=\"Halted\" "
  "is_a_template=\"true\" memory__static_min=\"268435456\" memory__dynamic_min=\"536870912\" "
  "memory__dynamic_max=\"1073741824\" memory__static_max=\"1073741824\" VCPUs__max=\"2\" "
  "VCPUs__at_startup=\"1\" other_config=\"(('linux_template' 'true'))\"/>"
  "<row ref=\"OpaqueRef:vmh\" uuid=\"vmh-uuid\" name__label=\"halted one\" power_state=\"Halted\" "
  "is_a_template=\"false\" memory__static_min=\"268435456\" memory__dynamic_min=\"536870912\" "
  "memory__dynamic_max=\"1073741824\" memory__static_max=\"2147483648\" VCPUs__max=\"4\" "
  "VCPUs__at_startup=\"2\" domid=\"-1\" VBDs=\"('OpaqueRef:vbd1' 'OpaqueRef:vbdcd')\" "
  "VIFs=\"('OpaqueRef:vif1')\"/>"
  "<row ref=\"OpaqueRef:big\" uuid=\"big-uuid\" name__label=\"big one\" power_state=\"Halted\" "
  "is_a_template=\"false\" memory__static_min=\"268435456\" memory__dynamic_min=\"3221225472\" "
  "memory__dynamic_max=\"3221225472\" memory__static_max=\"3221225472\" VCPUs__max=\"1\" "
  "VCPUs__at_startup=\"1\" domid=\"-1\" "
  "snapshots=\"('OpaqueRef:snapold' 'OpaqueRef:snapbad')\"/>"
  /* A guest the record says runs on host4, which is dead. */
  "<row ref=\"OpaqueRef:ghost\" uuid=\"ghost-uuid\" name__label=\"ghost\" power_state=\"Running\" "
  "is_a_template=\"false\" resident_on=\"OpaqueRef:host4\" domid=\"7\" "
  "memory__static_min=\"268435456\" memory__dynamic_min=\"268435456\" "
  "memory__dynamic_max=\"268435456\" memory__static_max=\"268435456\" VCPUs__max=\"1\" "
  "VCPUs__at_startup=\"1\"/>"
  /* An HVM guest whose agent reports no PV drivers, clean shutdown only, and no suspend. */
  "<row ref=\"OpaqueRef:hvm\" uuid=\"hvm-uuid\" name__label=\"no tools\" power_state=\"Halted\" "
  "is_a_template=\"false\" HVM__boot_policy=\"BIOS order\" memory__static_min=\"268435456\" "
  "memory__dynamic_min=\"268435456\" memory__dynamic_max=\"268435456\" "
  "memory__static_max=\"268435456\" VCPUs__max=\"2\" VCPUs__at_startup=\"1\" domid=\"-1\" "
  "guest_metrics=\"OpaqueRef:gmhvm\" VIFs=\"('OpaqueRef:vifhvm')\"/>"
  /* A snapshot from before snapshot_metadata existed, and one whose metadata is garbage. */
  "<row ref=\"OpaqueRef:snapold\" uuid=\"snapold-uuid\" name__label=\"old snapshot\" "
  "power_state=\"Halted\" is_a_template=\"true\" is_a_snapshot=\"true\" "
  "snapshot_of=\"OpaqueRef:big\" memory__static_min=\"268435456\" "
  "memory__dynamic_min=\"1073741824\" memory__dynamic_max=\"2147483648\" "
  "memory__static_max=\"2147483648\" VCPUs__max=\"1\" VCPUs__at_startup=\"1\" "
  "snapshot_metadata=\"\"/>"
  "<row ref=\"OpaqueRef:snapbad\" uuid=\"snapbad-uuid\" name__label=\"bad snapshot\" "
  "power_state=\"Halted\" is_a_template=\"true\" is_a_snapshot=\"true\" "
  "snapshot_of=\"OpaqueRef:big\" snapshot_metadata=\"(('name__label' 'x') (broken\"/>"
"</table>"
  "</database>";

typedef struct
{
  GSubprocess      *proc;
  char             *dir;
  guint             port;
  LagoonHttpClient *client;
  char             *session;
} Sim;

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* xapi-sim on a free port with the pool above; @speed as --speed. */
static Sim *
sim_start (const char *speed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(LagoonTcpOpener) opener = lagoon_tcp_opener_new ();
  g_autofree char *binary = g_build_filename (LAGOON_BUILDDIR, "tests", "xapi-sim", "xapi-sim",
                                              NULL);
  g_autofree char *db = NULL;
  g_autofree char *db_arg = NULL;
  g_autofree char *speed_arg = g_strconcat ("--speed=", speed, NULL);
  g_autofree char *line = NULL;
  g_autoptr(GVariant) session = NULL;
  Sim *sim = g_new0 (Sim, 1);

  sim->dir = g_dir_make_tmp ("test-sim-vm-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (sim->dir, "pool.db", NULL);
  g_assert_true (g_file_set_contents (db, pool_db, -1, NULL));
  db_arg = g_strconcat ("--db=", db, NULL);
  /* The simulator dies with the test, even when an assertion aborts it. */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  sim->proc = g_subprocess_launcher_spawn (launcher, &error, binary, "--port=0", "--consoles=none",
                                           db_arg, speed_arg, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sim->proc));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "xapi-sim: listening on http://127.0.0.1:"));
  sim->port = (guint) g_ascii_strtoull (strrchr (line, ':') + 1, NULL, 10);
  g_assert_cmpuint (sim->port, >, 0);

  sim->client = lagoon_http_client_new (LAGOON_STREAM_OPENER (opener), "127.0.0.1",
                                        (guint16) sim->port,
                                        FALSE);
  lagoon_http_client_set_timeout (sim->client, 30000);
  session = lagoon_xmlrpc_call (sim->client, "/", "session.login_with_password",
                                g_variant_new ("(ssss)", "root", "xenroot", "2.20", "test-sim-vm"),
                                NULL, &error);
  g_assert_no_error (error);
  sim->session = g_variant_dup_string (session, NULL);
  return sim;
}

static void
sim_stop (Sim *sim)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = g_build_filename (sim->dir, "pool.db", NULL);

  g_object_unref (sim->client);
  g_subprocess_send_signal (sim->proc, SIGTERM);
  g_subprocess_wait (sim->proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (sim->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (sim->proc), ==, 0);
  g_object_unref (sim->proc);
  g_remove (db);
  g_rmdir (sim->dir);
  g_free (sim->dir);
  g_free (sim->session);
  g_free (sim);
}

/* A call with the session prepended to the tuple built from @format. */
static GVariant *
call_v (Sim         *sim,
        GError     **error,
        const char  *method,
        const char  *format,
        va_list     *ap)
{
  GVariantBuilder b;
  g_autoptr(GVariant) rest = NULL;
  GVariantIter iter;
  GVariant *child;

  g_variant_builder_init (&b, G_VARIANT_TYPE_TUPLE);
  g_variant_builder_add (&b, "s", sim->session);
  if (format != NULL)
    {
      rest = g_variant_ref_sink (g_variant_new_va (format, NULL, ap));
      g_variant_iter_init (&iter, rest);
      while ((child = g_variant_iter_next_value (&iter)))
        {
          g_variant_builder_add_value (&b, child);
          g_variant_unref (child);
        }
    }
  return lagoon_xmlrpc_call (sim->client, "/", method, g_variant_builder_end (&b), NULL, error);
}

/* A call that must succeed; @format describes the arguments after the session as a tuple. */
static GVariant *
call (Sim        *sim,
      const char *method,
      const char *format,
      ...)
{
  g_autoptr(GError) error = NULL;
  GVariant *result;
  va_list ap;

  va_start (ap, format);
  result = call_v (sim, &error, method, format, &ap);
  va_end (ap);
  if (error != NULL)
    g_error ("%s: %s %s", method, lagoon_xenapi_error_get_code_string (error) != NULL
                                  ? lagoon_xenapi_error_get_code_string (error) : "",
             error->message);
  g_assert_nonnull (result);
  return result;
}

/* A call that must fail with @code; returns "CODE,param,param..." for checking the parameters. */
static char *
call_fails (Sim        *sim,
            const char *code,
            const char *method,
            const char *format,
            ...)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  const char *const *params;
  g_autoptr(GString) joined = NULL;
  va_list ap;

  va_start (ap, format);
  result = call_v (sim, &error, method, format, &ap);
  va_end (ap);
  g_assert_null (result);
  g_assert_error (error, LAGOON_XENAPI_ERROR, (gint) lagoon_xenapi_error_code_from_string (code));
  g_assert_cmpstr (lagoon_xenapi_error_get_code_string (error), ==, code);
  joined = g_string_new (code);
  params = lagoon_xenapi_error_get_params (error);
  for (guint i = 0; params[i] != NULL; i++)
    g_string_append_printf (joined, ",%s", params[i]);
  return g_string_free (g_steal_pointer (&joined), FALSE);
}

/* Field @name of a record as a string ("" when it is not one). */
static char *
rec_str (GVariant   *rec,
         const char *name)
{
  g_autoptr(GVariant) v = g_variant_lookup_value (rec, name, NULL);

  g_assert_nonnull (v);
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    return g_variant_dup_string (v, NULL);
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    return g_strdup (g_variant_get_boolean (v) ? "true" : "false");
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    return g_strdup_printf ("%" G_GINT64_FORMAT, g_variant_get_int64 (v));
  return g_variant_print (v, FALSE);
}

static gint64
rec_int (GVariant   *rec,
         const char *name)
{
  g_autofree char *s = rec_str (rec, name);

  return g_ascii_strtoll (s, NULL, 10);
}

static gboolean
rec_bool (GVariant   *rec,
          const char *name)
{
  g_autofree char *s = rec_str (rec, name);

  g_assert_true (g_str_equal (s, "true") || g_str_equal (s, "false"));
  return g_str_equal (s, "true");
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* A set field as a sorted, comma-joined string. */
static char *
rec_set (GVariant   *rec,
         const char *name)
{
  g_autoptr(GVariant) v = g_variant_lookup_value (rec, name, NULL);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  GVariant *item;

  g_assert_nonnull (v);
  g_variant_iter_init (&iter, v);
  while ((item = g_variant_iter_next_value (&iter)))
    {
      g_autoptr(GVariant) inner = g_variant_is_of_type (item, G_VARIANT_TYPE_VARIANT)
                                  ? g_variant_get_variant (item) : g_variant_ref (item);
      g_ptr_array_add (items, g_variant_dup_string (inner, NULL));
      g_variant_unref (item);
    }
  g_ptr_array_sort (items, compare_strings);
  g_ptr_array_add (items, NULL);
  return g_strjoinv (",", (char **) items->pdata);
}

/* A map field's value for @key, or NULL. */
static char *
rec_map (GVariant   *rec,
         const char *name,
         const char *key)
{
  g_autoptr(GVariant) map = g_variant_lookup_value (rec, name, NULL);
  g_autoptr(GVariant) v = NULL;

  g_assert_nonnull (map);
  v = g_variant_lookup_value (map, key, NULL);
  if (v == NULL)
    return NULL;
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (v);
      return g_variant_dup_string (inner, NULL);
    }
  return g_variant_dup_string (v, NULL);
}

static GVariant *
record (Sim        *sim,
        const char *klass,
        const char *ref)
{
  g_autofree char *method = g_strconcat (klass, ".get_record", NULL);

  return call (sim, method, "(s)", ref);
}

static gboolean
ref_exists (Sim        *sim,
            const char *klass,
            const char *ref)
{
  g_autofree char *method = g_strconcat (klass, ".get_uuid", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) v = NULL;

  v = lagoon_xmlrpc_call (sim->client, "/", method, g_variant_new ("(ss)", sim->session, ref), NULL,
                          &error);
  if (v != NULL)
    return TRUE;
  g_assert_cmpstr (lagoon_xenapi_error_get_code_string (error), ==, "HANDLE_INVALID");
  return FALSE;
}

/* The ref in element @i of a set field. */
static char *
rec_set_item (GVariant   *rec,
              const char *name,
              guint       i)
{
  g_autoptr(GVariant) v = g_variant_lookup_value (rec, name, NULL);
  g_autoptr(GVariant) item = NULL;
  g_autoptr(GVariant) inner = NULL;

  g_assert_nonnull (v);
  g_assert_cmpuint (g_variant_n_children (v), >, i);
  item = g_variant_get_child_value (v, i);
  inner = g_variant_is_of_type (item, G_VARIANT_TYPE_VARIANT) ? g_variant_get_variant (item)
                                                              : g_variant_ref (item);
  return g_variant_dup_string (inner, NULL);
}

/* The VBD of @vm with userdevice @userdevice (NULL when none). */
static char *
vbd_of (Sim        *sim,
        const char *vm,
        const char *userdevice)
{
  g_autoptr(GVariant) rec = record (sim, "VM", vm);
  g_autoptr(GVariant) vbds = g_variant_lookup_value (rec, "VBDs", NULL);

  for (guint i = 0; i < g_variant_n_children (vbds); i++)
    {
      g_autofree char *vbd = rec_set_item (rec, "VBDs", i);
      g_autoptr(GVariant) vrec = record (sim, "VBD", vbd);
      g_autofree char *ud = rec_str (vrec, "userdevice");

      if (g_str_equal (ud, userdevice))
        return g_steal_pointer (&vbd);
    }
  return NULL;
}

static char *
str_of (GVariant *v)
{
  return g_variant_dup_string (v, NULL);
}

static void
add_disks_spec (Sim        *sim,
                const char *vm,
                const char *xml)
{
  g_autoptr(GVariant) r = call (sim, "VM.add_to_other_config", "(sss)", vm, "disks", xml);
}

/* ---- provision --------------------------------------------------------------------------- */

static void
test_provision (void)
{
  Sim *sim = sim_start ("0");
  g_autoptr(GVariant) clone_v = call (sim, "VM.clone", "(ss)", "OpaqueRef:tmpl", "new vm");
  g_autofree char *vm = str_of (clone_v);
  g_autoptr(GVariant) rec = record (sim, "VM", vm);
  g_autoptr(GVariant) sr1 = NULL;
  g_autoptr(GVariant) r = NULL;
  g_autofree char *err = NULL;
  g_autofree char *base = NULL;
  g_autofree char *seed = NULL;
  g_autofree char *vbd = NULL;
  g_autofree char *vdi = NULL;

  /* A clone of a template is a template (xapi_vm_clone), halted, top level, with its base
   * template's name and a fresh mac_seed. */
  g_assert_true (rec_bool (rec, "is_a_template"));
  g_assert_false (rec_bool (rec, "is_a_snapshot"));
  g_assert_cmpstr ((base = rec_map (rec, "other_config", "base_template_name")), ==,
                   "Debian Bookworm 12");
  g_assert_nonnull ((seed = rec_map (rec, "other_config", "mac_seed")));
  g_clear_pointer (&base, g_free);
  g_assert_cmpstr ((base = rec_str (rec, "parent")), ==, "OpaqueRef:NULL");
  g_clear_pointer (&base, g_free);
  g_assert_cmpstr ((base = rec_str (rec, "power_state")), ==, "Halted");
  g_clear_pointer (&base, g_free);
  g_assert_cmpstr ((base = rec_set (rec, "allowed_operations")), ==,
                   "changing_NVRAM,changing_dynamic_range,changing_shadow_memory,"
                   "changing_static_range,"
                   "clone,copy,destroy,export,metadata_export,migrate_send,provision");

  /* Not a template: provision refused, start refused on the template. */
  err = call_fails (sim, "PROVISION_ONLY_ALLOWED_ON_TEMPLATE", "VM.provision", "(s)",
                    "OpaqueRef:vmh");
  g_assert_cmpstr (err, ==, "PROVISION_ONLY_ALLOWED_ON_TEMPLATE");
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "VM_IS_TEMPLATE", "VM.start", "(sbb)", vm, FALSE, FALSE);
  g_assert_true (g_str_has_suffix (err, ",start"));
  g_clear_pointer (&err, g_free);

  /* An SR that does not exist: UUID_INVALID [sr, name]. */
  add_disks_spec (sim, vm, "<provision><disk device=\"0\" size=\"1073741824\" sr=\"no-such-sr\" "
                           "bootable=\"true\" type=\"system\"/></provision>");
  err = call_fails (sim, "UUID_INVALID", "VM.provision", "(s)", vm);
  g_assert_cmpstr (err, ==, "UUID_INVALID,sr,no-such-sr");
  g_clear_pointer (&err, g_free);

  /* A disk that does not fit: SR_FULL [requested, maximum], and the first disk is undone. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.set_is_a_template", "(sb)", vm, TRUE);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.remove_from_other_config", "(ss)", vm, "disks");
  add_disks_spec (sim, vm, "<provision><disk device=\"0\" size=\"536870912\" sr=\"sr-uuid-2\" "
                           "bootable=\"true\" type=\"system\"/><disk device=\"1\" "
                           "size=\"1073741824\" "
                           "sr=\"sr-uuid-2\" bootable=\"false\" type=\"user\"/></provision>");
  err = call_fails (sim, "SR_FULL", "VM.provision", "(s)", vm);
  /* sr2 is thin: the second disk's virtual size against what the first left free. */
  g_assert_true (g_str_has_prefix (err, "SR_FULL,1073741824,"));
  g_assert_cmpint (g_ascii_strtoll (err + strlen ("SR_FULL,1073741824,"), NULL, 10), <, 1073741824);
  g_assert_cmpint (g_ascii_strtoll (err + strlen ("SR_FULL,1073741824,"), NULL, 10), >, 536870912);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "SR", "OpaqueRef:sr2");
  g_assert_cmpint (rec_int (rec, "physical_utilisation"), ==, 0);
  g_assert_cmpint (rec_int (rec, "virtual_allocation"), ==, 0);
  g_clear_pointer (&base, g_free);
  g_assert_cmpstr ((base = rec_set (rec, "VDIs")), ==, "");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", vm);
  g_clear_pointer (&base, g_free);
  g_assert_cmpstr ((base = rec_set (rec, "VBDs")), ==, "");

  /* Malformed XML: xapi's parser fails. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.set_is_a_template", "(sb)", vm, TRUE);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.remove_from_other_config", "(ss)", vm, "disks");
  add_disks_spec (sim, vm, "<provision><disk device=\"0\"/></provision>");
  err = call_fails (sim, "INTERNAL_ERROR", "VM.provision", "(s)", vm);
  g_clear_pointer (&err, g_free);

  /* The default SR (sr=""): a VDI and a VBD as xapi's template provisioner writes them. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.set_is_a_template", "(sb)", vm, TRUE);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.remove_from_other_config", "(ss)", vm, "disks");
  add_disks_spec (sim, vm, "<provision><disk device=\"0\" size=\"8589934592\" sr=\"\" "
                           "bootable=\"true\" type=\"system\"/></provision>");
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.provision", "(s)", vm);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", vm);
  g_assert_false (rec_bool (rec, "is_a_template"));
  g_clear_pointer (&base, g_free);
  g_assert_null ((base = rec_map (rec, "other_config", "disks")));
  g_clear_pointer (&base, g_free);
  base = rec_set (rec, "allowed_operations");
  g_assert_nonnull (strstr (base, "start,"));
  vbd = vbd_of (sim, vm, "0");
  g_assert_nonnull (vbd);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VBD", vbd);
  g_assert_true (rec_bool (rec, "bootable"));
  g_assert_false (rec_bool (rec, "unpluggable"));
  g_assert_false (rec_bool (rec, "empty"));
  g_assert_false (rec_bool (rec, "currently_attached"));
  g_clear_pointer (&base, g_free);
  g_assert_cmpstr ((base = rec_str (rec, "mode")), ==, "RW");
  g_clear_pointer (&base, g_free);
  g_assert_cmpstr ((base = rec_str (rec, "type")), ==, "Disk");
  g_clear_pointer (&base, g_free);
  g_assert_cmpstr ((base = rec_map (rec, "other_config", "owner")), ==, "");
  vdi = rec_str (rec, "VDI");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VDI", vdi);
  g_assert_cmpint (rec_int (rec, "virtual_size"), ==, 8 * GIB);
  g_clear_pointer (&base, g_free);
  g_assert_cmpstr ((base = rec_str (rec, "SR")), ==, "OpaqueRef:sr1");
  g_clear_pointer (&base, g_free);
  g_assert_cmpstr ((base = rec_str (rec, "name_label")), ==, "0");
  g_clear_pointer (&base, g_free);
  g_assert_cmpstr ((base = rec_str (rec, "name_description")), ==,
                   "Created by template provisioner");
  g_clear_pointer (&base, g_free);
  g_assert_cmpstr ((base = rec_str (rec, "type")), ==, "system");
  g_clear_pointer (&base, g_free);
  sr1 = record (sim, "VM", vm);
  {
    g_autofree char *uuid = rec_str (sr1, "uuid");
    g_assert_cmpstr ((base = rec_map (rec, "sm_config", "vmhint")), ==, uuid);
  }
  g_clear_pointer (&sr1, g_variant_unref);
  sr1 = record (sim, "SR", "OpaqueRef:sr1");
  /* sr1 is thick (lvm): the whole disk plus its VHD metadata is used at once. */
  g_assert_cmpint (rec_int (sr1, "physical_utilisation"), >, 18 * GIB);
  g_assert_cmpint (rec_int (sr1, "physical_utilisation"), <, 18 * GIB + 64 * MIB);
  g_assert_cmpint (rec_int (sr1, "virtual_allocation"), ==, 18 * GIB);

  /* No longer a template: a second provision is refused. */
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "PROVISION_ONLY_ALLOWED_ON_TEMPLATE", "VM.provision", "(s)", vm);
  sim_stop (sim);
}

/* A host list (consumed) as a record {"hosts": list}, for rec_set. */
static GVariant *
hosts_record (GVariant *list)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&b, "{sv}", "hosts", list);
  g_variant_unref (list);
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

/* ---- clone and copy ---------------------------------------------------------------------- */

static void
test_clone_copy (void)
{
  Sim *sim = sim_start ("0");
  g_autoptr(GVariant) v = call (sim, "VM.clone", "(ss)", "OpaqueRef:vmh", "the clone");
  g_autofree char *clone = str_of (v);
  g_autoptr(GVariant) rec = record (sim, "VM", clone);
  g_autoptr(GVariant) r = NULL;
  g_autofree char *s = NULL;
  g_autofree char *vbd = NULL;
  g_autofree char *vdi = NULL;
  g_autofree char *err = NULL;
  g_autofree char *copy = NULL;

  g_assert_false (rec_bool (rec, "is_a_template"));
  g_assert_cmpstr ((s = rec_str (rec, "power_state")), ==, "Halted");
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_str (rec, "parent")), ==, "OpaqueRef:NULL");
  g_clear_pointer (&s, g_free);
  /* Fresh VBDs (disk cloned, CD kept empty) and a VIF with a new MAC. */
  vbd = vbd_of (sim, clone, "0");
  g_assert_nonnull (vbd);
  g_assert_cmpstr (vbd, !=, "OpaqueRef:vbd1");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VBD", vbd);
  vdi = rec_str (rec, "VDI");
  g_assert_cmpstr (vdi, !=, "OpaqueRef:vdi1");
  g_clear_pointer (&vbd, g_free);
  vbd = vbd_of (sim, clone, "3");
  g_assert_nonnull (vbd);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VBD", vbd);
  g_assert_true (rec_bool (rec, "empty"));
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", clone);
  {
    g_autofree char *vif = rec_set_item (rec, "VIFs", 0);
    g_autoptr(GVariant) vrec = record (sim, "VIF", vif);
    g_autofree char *mac = rec_str (vrec, "MAC");

    g_assert_cmpstr (vif, !=, "OpaqueRef:vif1");
    g_assert_cmpstr (mac, !=, "aa:bb:cc:00:11:22");
    g_assert_cmpuint (strlen (mac), ==, 17);
  }

  /* copy onto an SR without room: SR_FULL, nothing left behind; onto sr3: the disk is there. */
  err = call_fails (sim, "SR_FULL", "VM.copy", "(sss)", "OpaqueRef:vmh", "no room",
                    "OpaqueRef:sr2");
  g_assert_cmpstr (err, ==, "SR_FULL,10737418240,1073741824");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "SR", "OpaqueRef:sr2");
  g_assert_cmpint (rec_int (rec, "physical_utilisation"), ==, 0);
  g_clear_pointer (&v, g_variant_unref);
  v = call (sim, "VM.copy", "(sss)", "OpaqueRef:vmh", "the copy", "OpaqueRef:sr3");
  copy = str_of (v);
  g_clear_pointer (&vbd, g_free);
  vbd = vbd_of (sim, copy, "0");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VBD", vbd);
  g_clear_pointer (&vdi, g_free);
  vdi = rec_str (rec, "VDI");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VDI", vdi);
  g_assert_cmpstr ((s = rec_str (rec, "SR")), ==, "OpaqueRef:sr3");
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "SR", "OpaqueRef:sr3");
  g_assert_cmpint (rec_int (rec, "virtual_allocation"), ==, 10 * GIB);

  /* A copy without an SR copies the disks where they are (VDI.copy onto their own SR). */
  {
    g_autoptr(GVariant) cv = call (sim, "VM.copy", "(sss)", "OpaqueRef:vmh", "copy here",
                                   "OpaqueRef:NULL");
    g_autofree char *here = str_of (cv);
    g_autofree char *here_vbd = vbd_of (sim, here, "0");
    g_autoptr(GVariant) vbd_rec = record (sim, "VBD", here_vbd);
    g_autofree char *here_vdi = rec_str (vbd_rec, "VDI");
    g_autoptr(GVariant) vdi_rec = record (sim, "VDI", here_vdi);
    g_autofree char *here_sr = rec_str (vdi_rec, "SR");

    g_assert_cmpstr (here_vdi, !=, "OpaqueRef:vdi1");
    g_assert_cmpstr (here_sr, ==, "OpaqueRef:sr1");
    g_assert_false (rec_bool (vdi_rec, "is_a_snapshot"));
  }

  /* The copy's disk is on sr3, which only host1 sees (xapi's assert_can_see_SRs). */
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "VM_REQUIRES_SR", "VM.start_on", "(ssbb)", copy, "OpaqueRef:host2", FALSE,
                    FALSE);
  g_assert_cmpstr (err, ==, (s = g_strconcat ("VM_REQUIRES_SR,", copy, ",OpaqueRef:sr3", NULL)));
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "VM_REQUIRES_SR", "VM.assert_can_boot_here", "(ss)", copy,
                    "OpaqueRef:host2");
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.assert_can_boot_here", "(ss)", copy, "OpaqueRef:host1");
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "host.disable", "(s)", "OpaqueRef:host3");
  g_clear_pointer (&rec, g_variant_unref);
  rec = hosts_record (call (sim, "VM.get_possible_hosts", "(s)", copy));
  g_assert_cmpstr ((s = rec_set (rec, "hosts")), ==, "OpaqueRef:host1");
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&rec, g_variant_unref);
  rec = hosts_record (call (sim, "VM.get_possible_hosts", "(s)", "OpaqueRef:vmh"));
  g_assert_cmpstr ((s = rec_set (rec, "hosts")), ==, "OpaqueRef:host1,OpaqueRef:host2");
  g_clear_pointer (&s, g_free);

  /* A running VM cannot be cloned. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.start", "(sbb)", "OpaqueRef:vmh", FALSE, FALSE);
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "VM_BAD_POWER_STATE", "VM.clone", "(ss)", "OpaqueRef:vmh", "x");
  g_assert_cmpstr (err, ==, "VM_BAD_POWER_STATE,OpaqueRef:vmh,halted,running");
  sim_stop (sim);
}

/* ---- snapshots --------------------------------------------------------------------------- */

static void
test_snapshots (void)
{
  Sim *sim = sim_start ("0");
  g_autoptr(GVariant) v1 = call (sim, "VM.snapshot", "(ss)", "OpaqueRef:vmh", "snap one");
  g_autofree char *snap1 = str_of (v1);
  g_autoptr(GVariant) v2 = call (sim, "VM.snapshot", "(ss)", "OpaqueRef:vmh", "snap two");
  g_autofree char *snap2 = str_of (v2);
  g_autoptr(GVariant) rec = record (sim, "VM", snap1);
  g_autoptr(GVariant) r = NULL;
  g_autofree char *s = NULL;
  g_autofree char *err = NULL;
  g_autofree char *vbd = NULL;
  g_autofree char *vdi = NULL;
  g_autofree char *expected = NULL;

  g_assert_true (rec_bool (rec, "is_a_snapshot"));
  g_assert_true (rec_bool (rec, "is_a_template"));
  g_assert_cmpstr ((s = rec_str (rec, "snapshot_of")), ==, "OpaqueRef:vmh");
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_str (rec, "snapshot_time")), !=, "19700101T00:00:00Z");
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_str (rec, "power_state")), ==, "Halted");
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_str (rec, "parent")), ==, "OpaqueRef:NULL");
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_map (rec, "snapshot_info", "power-state-at-snapshot")), ==, "Halted");
  g_clear_pointer (&s, g_free);
  /* Snapshots allow revert, clone, copy, export, destroy and metadata export. */
  g_assert_cmpstr ((s = rec_set (rec, "allowed_operations")), ==,
                   "clone,copy,destroy,export,metadata_export,revert");
  g_clear_pointer (&s, g_free);
  /* The chain: snap1 <- snap2 <- vmh (VM.parent is the latest snapshot). */
  expected = g_strdup (snap2);
  g_assert_cmpstr ((s = rec_set (rec, "children")), ==, expected);
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", snap2);
  g_assert_cmpstr ((s = rec_str (rec, "parent")), ==, snap1);
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpstr ((s = rec_str (rec, "parent")), ==, snap2);
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&expected, g_free);
  expected = g_strcmp0 (snap1, snap2) < 0 ? g_strconcat (snap1, ",", snap2, NULL)
                                          : g_strconcat (snap2, ",", snap1, NULL);
  g_assert_cmpstr ((s = rec_set (rec, "snapshots")), ==, expected);
  g_clear_pointer (&s, g_free);

  /* The snapshot's disk is a VDI snapshot of the VM's. */
  vbd = vbd_of (sim, snap1, "0");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VBD", vbd);
  vdi = rec_str (rec, "VDI");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VDI", vdi);
  g_assert_true (rec_bool (rec, "is_a_snapshot"));
  g_assert_cmpstr ((s = rec_str (rec, "snapshot_of")), ==, "OpaqueRef:vdi1");
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_str (rec, "snapshot_time")), !=, "19700101T00:00:00Z");
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VDI", "OpaqueRef:vdi1");
  g_assert_cmpuint (strlen ((s = rec_set (rec, "snapshots"))), >, 0);
  g_clear_pointer (&s, g_free);

  /* ignore_vdis leaves those disks out of the snapshot. */
  {
    GVariantBuilder ignore;
    g_autoptr(GVariant) pv = NULL;
    g_autofree char *partial = NULL;
    g_autofree char *disk = NULL;
    g_autofree char *cd = NULL;

    g_variant_builder_init (&ignore, G_VARIANT_TYPE ("as"));
    g_variant_builder_add (&ignore, "s", "OpaqueRef:vdi1");
    pv = call (sim, "VM.snapshot", "(ssas)", "OpaqueRef:vmh", "partial", &ignore);
    partial = str_of (pv);
    disk = vbd_of (sim, partial, "0");
    cd = vbd_of (sim, partial, "3");
    g_assert_null (disk);
    g_assert_nonnull (cd);
    g_clear_pointer (&r, g_variant_unref);
    r = call (sim, "VM.destroy", "(s)", partial);
  }

  /* What snapshots and templates refuse. */
  g_clear_pointer (&r, g_variant_unref);
  err = call_fails (sim, "VM_IS_SNAPSHOT", "VM.start", "(sbb)", snap1, FALSE, FALSE);
  g_assert_cmpstr (err, ==, (s = g_strconcat ("VM_IS_SNAPSHOT,", snap1, ",start", NULL)));
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "VM_IS_SNAPSHOT", "VM.snapshot", "(ss)", snap1, "again");
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "VM_IS_TEMPLATE", "VM.snapshot", "(ss)", "OpaqueRef:tmpl", "t");
  g_assert_cmpstr (err, ==, "VM_IS_TEMPLATE,OpaqueRef:tmpl,snapshot");
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "REVERT_ONLY_ALLOWED_ON_SNAPSHOT", "VM.revert", "(s)", "OpaqueRef:vmh");
  g_clear_pointer (&err, g_free);

  /* snapshot_with_quiesce: the datamodel marks it removed (VSS is gone from xapi), so xapi
   * refuses the call itself, whatever the VM. */
  r = call (sim, "VM.start", "(sbb)", "OpaqueRef:vmh", FALSE, FALSE);
  err = call_fails (sim, "MESSAGE_REMOVED", "VM.snapshot_with_quiesce", "(ss)", "OpaqueRef:vmh",
                    "q");
  g_clear_pointer (&err, g_free);

  /* Destroying snap1 (the middle of the chain): snap2 takes its parent; VDIs stay. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.destroy", "(s)", snap1);
  g_assert_false (ref_exists (sim, "VM", snap1));
  g_assert_false (ref_exists (sim, "VBD", vbd));
  g_assert_true (ref_exists (sim, "VDI", vdi));
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", snap2);
  g_assert_cmpstr ((s = rec_str (rec, "parent")), ==, "OpaqueRef:NULL");
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpstr ((s = rec_set (rec, "snapshots")), ==, snap2);
  g_clear_pointer (&s, g_free);
  /* A running VM cannot be destroyed. */
  err = call_fails (sim, "VM_BAD_POWER_STATE", "VM.destroy", "(s)", "OpaqueRef:vmh");
  g_assert_cmpstr (err, ==, "VM_BAD_POWER_STATE,OpaqueRef:vmh,halted, suspended,running");
  sim_stop (sim);
}

static void
test_checkpoint_revert (void)
{
  Sim *sim = sim_start ("0");
  g_autoptr(GVariant) r = NULL;
  g_autoptr(GVariant) rec = NULL;
  g_autoptr(GVariant) v = NULL;
  g_autofree char *snap = NULL;
  g_autofree char *cp = NULL;
  g_autofree char *s = NULL;
  g_autofree char *err = NULL;
  g_autofree char *suspend = NULL;
  g_autofree char *vbd = NULL;
  g_autofree char *vdi = NULL;
  g_autofree char *snap_vdi = NULL;
  gint64 domid;

  err = call_fails (sim, "VM_BAD_POWER_STATE", "VM.checkpoint", "(ss)", "OpaqueRef:vmh", "c");
  g_assert_cmpstr (err, ==, "VM_BAD_POWER_STATE,OpaqueRef:vmh,paused, suspended, running,halted");
  g_clear_pointer (&err, g_free);

  /* A snapshot of the halted VM, then changes, then revert. */
  v = call (sim, "VM.snapshot", "(ss)", "OpaqueRef:vmh", "before");
  snap = str_of (v);
  /* The snapshot keeps the VM's database row (xapi's vm_to_string) for the revert. */
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", snap);
  s = rec_str (rec, "snapshot_metadata");
  g_assert_true (g_str_has_prefix (s, "(('"));
  g_assert_nonnull (strstr (s, "('name__label' 'halted one')"));
  g_assert_nonnull (strstr (s, "('is_a_snapshot' 'false')"));
  g_clear_pointer (&s, g_free);
  r = call (sim, "VM.set_name_label", "(ss)", "OpaqueRef:vmh", "renamed since");
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.set_name_description", "(ss)", "OpaqueRef:vmh", "changed since");
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.set_VCPUs_at_startup", "(sx)", "OpaqueRef:vmh", (gint64) 3);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.revert", "(s)", snap);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpstr ((s = rec_str (rec, "name_description")), ==, "");
  g_clear_pointer (&s, g_free);
  g_assert_cmpint (rec_int (rec, "VCPUs_at_startup"), ==, 2);
  /* The name too: it comes back from the metadata, as in xapi. */
  g_assert_cmpstr ((s = rec_str (rec, "name_label")), ==, "halted one");
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_str (rec, "parent")), ==, snap);
  g_clear_pointer (&s, g_free);
  g_assert_false (rec_bool (rec, "is_a_snapshot"));
  g_assert_false (rec_bool (rec, "is_a_template"));
  /* The old disk is gone; the new one is a clone of the snapshot's, which now points at it. */
  g_assert_false (ref_exists (sim, "VDI", "OpaqueRef:vdi1"));
  g_assert_false (ref_exists (sim, "VIF", "OpaqueRef:vif1"));
  vbd = vbd_of (sim, "OpaqueRef:vmh", "0");
  g_assert_nonnull (vbd);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VBD", vbd);
  vdi = rec_str (rec, "VDI");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VDI", vdi);
  g_assert_false (rec_bool (rec, "is_a_snapshot"));
  g_clear_pointer (&vbd, g_free);
  vbd = vbd_of (sim, snap, "0");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VBD", vbd);
  snap_vdi = rec_str (rec, "VDI");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VDI", snap_vdi);
  g_assert_cmpstr ((s = rec_str (rec, "snapshot_of")), ==, vdi);
  g_clear_pointer (&s, g_free);
  /* The VIF came back with its MAC; the empty CD drive too. */
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  {
    g_autofree char *vif = rec_set_item (rec, "VIFs", 0);
    g_autoptr(GVariant) vrec = record (sim, "VIF", vif);
    g_autofree char *mac = rec_str (vrec, "MAC");
    g_autofree char *cd = vbd_of (sim, "OpaqueRef:vmh", "3");

    g_assert_cmpstr (mac, ==, "aa:bb:cc:00:11:22");
    g_assert_nonnull (cd);
  }

  /* A checkpoint of the running VM: a suspended snapshot with a memory image; the VM runs on
   * in a new domain. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.start", "(sbb)", "OpaqueRef:vmh", FALSE, FALSE);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  domid = rec_int (rec, "domid");
  g_clear_pointer (&v, g_variant_unref);
  v = call (sim, "VM.checkpoint", "(ss)", "OpaqueRef:vmh", "with memory");
  cp = str_of (v);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", cp);
  g_assert_cmpstr ((s = rec_str (rec, "power_state")), ==, "Suspended");
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_map (rec, "snapshot_info", "power-state-at-snapshot")), ==, "Running");
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_set (rec, "allowed_operations")), ==,
                   "clone,copy,destroy,export,hard_shutdown,metadata_export,revert");
  g_clear_pointer (&s, g_free);
  suspend = rec_str (rec, "suspend_VDI");
  g_assert_cmpstr (suspend, !=, "OpaqueRef:NULL");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VDI", suspend);
  g_assert_cmpstr ((s = rec_str (rec, "type")), ==, "suspend");
  g_clear_pointer (&s, g_free);
  g_assert_cmpint (rec_int (rec, "virtual_size"), ==, 2 * GIB);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpstr ((s = rec_str (rec, "power_state")), ==, "Running");
  g_clear_pointer (&s, g_free);
  g_assert_cmpint (rec_int (rec, "domid"), !=, domid);

  /* A clone or copy of the checkpoint is shut down at once (xapi's VM.clone / VM.copy). */
  {
    g_autoptr(GVariant) cv = call (sim, "VM.clone", "(ss)", cp, "cp clone");
    g_autofree char *c = str_of (cv);
    g_autoptr(GVariant) crec = record (sim, "VM", c);
    g_autofree char *cstate = rec_str (crec, "power_state");
    g_autofree char *cimage = rec_str (crec, "suspend_VDI");
    g_autoptr(GVariant) pv = call (sim, "VM.copy", "(sss)", cp, "cp copy", "OpaqueRef:NULL");
    g_autofree char *pc = str_of (pv);
    g_autoptr(GVariant) prec = record (sim, "VM", pc);
    g_autofree char *pstate = rec_str (prec, "power_state");
    g_autofree char *pimage = rec_str (prec, "suspend_VDI");
    g_autofree char *iso = NULL;

    g_assert_cmpstr (cstate, ==, "Halted");
    g_assert_cmpstr (cimage, ==, "OpaqueRef:NULL");
    g_assert_cmpstr (pstate, ==, "Halted");
    g_assert_cmpstr (pimage, ==, "OpaqueRef:NULL");
    iso = call_fails (sim, "OPERATION_NOT_ALLOWED", "VM.copy", "(sss)", cp, "to iso",
                      "OpaqueRef:sriso");
    g_assert_cmpstr (iso, ==, "OPERATION_NOT_ALLOWED,Cannot copy a VM's disks to an ISO SR");
  }

  /* Reverting the running VM to the checkpoint: suspended, with a copy of the memory image. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.revert", "(s)", cp);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpstr ((s = rec_str (rec, "power_state")), ==, "Suspended");
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_str (rec, "resident_on")), ==, "OpaqueRef:NULL");
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_set (rec, "consoles")), ==, "");
  g_clear_pointer (&s, g_free);
  s = rec_str (rec, "suspend_VDI");
  g_assert_cmpstr (s, !=, "OpaqueRef:NULL");
  g_assert_cmpstr (s, !=, suspend);
  g_assert_true (ref_exists (sim, "VDI", s));
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_str (rec, "parent")), ==, cp);
  g_clear_pointer (&s, g_free);
  /* A snapshot without metadata (pre-MNR): the snapshot's record, less its name and snapshot
   * fields; metadata that does not parse: VM_REVERT_FAILED [snapshot, vm], nothing changed. */
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "VM_REVERT_FAILED", "VM.revert", "(s)", "OpaqueRef:snapbad");
  g_assert_cmpstr (err, ==, "VM_REVERT_FAILED,OpaqueRef:snapbad,OpaqueRef:big");
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.set_name_label", "(ss)", "OpaqueRef:big", "renamed big");
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.revert", "(s)", "OpaqueRef:snapold");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:big");
  g_assert_cmpstr ((s = rec_str (rec, "name_label")), ==, "renamed big");
  g_clear_pointer (&s, g_free);
  g_assert_cmpint (rec_int (rec, "memory_static_max"), ==, 2 * GIB);
  g_assert_false (rec_bool (rec, "is_a_snapshot"));
  g_assert_false (rec_bool (rec, "is_a_template"));
  g_assert_cmpstr ((s = rec_str (rec, "parent")), ==, "OpaqueRef:snapold");
  g_clear_pointer (&s, g_free);

  /* Resume reads the image back and drops it. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.resume", "(sbb)", "OpaqueRef:vmh", FALSE, FALSE);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpstr ((s = rec_str (rec, "suspend_VDI")), ==, "OpaqueRef:NULL");
  g_clear_pointer (&s, g_free);
  sim_stop (sim);
}

/* ---- memory and VCPUs -------------------------------------------------------------------- */

static void
test_memory (void)
{
  Sim *sim = sim_start ("0");
  g_autoptr(GVariant) r = NULL;
  g_autoptr(GVariant) rec = NULL;
  g_autoptr(GVariant) m = NULL;
  g_autofree char *err = NULL;
  g_autofree char *metrics = NULL;

  r = call (sim, "VM.set_memory_limits", "(sxxxx)", "OpaqueRef:vmh", 256 * MIB, 4 * GIB, 512 * MIB,
            2 * GIB);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpint (rec_int (rec, "memory_static_min"), ==, 256 * MIB);
  g_assert_cmpint (rec_int (rec, "memory_static_max"), ==, 4 * GIB);
  g_assert_cmpint (rec_int (rec, "memory_dynamic_min"), ==, 512 * MIB);
  g_assert_cmpint (rec_int (rec, "memory_dynamic_max"), ==, 2 * GIB);
  err = call_fails (sim, "MEMORY_CONSTRAINT_VIOLATION_ORDER", "VM.set_memory_limits", "(sxxxx)",
                    "OpaqueRef:vmh", 256 * MIB, 1 * GIB, 512 * MIB, 2 * GIB);
  g_assert_cmpstr (err, ==, "MEMORY_CONSTRAINT_VIOLATION_ORDER");
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "MEMORY_CONSTRAINT_VIOLATION_ORDER", "VM.set_memory_static_range", "(sxx)",
                    "OpaqueRef:vmh", 1 * GIB, 4 * GIB);
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "MEMORY_CONSTRAINT_VIOLATION_ORDER", "VM.set_memory_dynamic_range",
                    "(sxx)",
                    "OpaqueRef:vmh", 2 * GIB, 1 * GIB);
  g_clear_pointer (&err, g_free);
  /* set_memory: static_max and both dynamics. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.set_memory", "(sx)", "OpaqueRef:vmh", 768 * MIB);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpint (rec_int (rec, "memory_static_min"), ==, 256 * MIB);
  g_assert_cmpint (rec_int (rec, "memory_static_max"), ==, 768 * MIB);
  g_assert_cmpint (rec_int (rec, "memory_dynamic_min"), ==, 768 * MIB);
  g_assert_cmpint (rec_int (rec, "memory_dynamic_max"), ==, 768 * MIB);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.set_memory_static_range", "(sxx)", "OpaqueRef:vmh", 128 * MIB, 1 * GIB);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.set_memory_dynamic_range", "(sxx)", "OpaqueRef:vmh", 256 * MIB, 512 * MIB);

  /* Running: only the dynamic range moves, and VM_metrics follows it. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.start", "(sbb)", "OpaqueRef:vmh", FALSE, FALSE);
  err = call_fails (sim, "VM_BAD_POWER_STATE", "VM.set_memory_limits", "(sxxxx)", "OpaqueRef:vmh",
                    128 * MIB, 1 * GIB, 256 * MIB, 1 * GIB);
  g_assert_cmpstr (err, ==, "VM_BAD_POWER_STATE,OpaqueRef:vmh,halted,running");
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "VM_BAD_POWER_STATE", "VM.set_memory_static_range", "(sxx)",
                    "OpaqueRef:vmh",
                    128 * MIB, 2 * GIB);
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "VM_BAD_POWER_STATE", "VM.set_memory", "(sx)", "OpaqueRef:vmh", 1 * GIB);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.set_memory_dynamic_range", "(sxx)", "OpaqueRef:vmh", 512 * MIB, 1 * GIB);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  metrics = rec_str (rec, "metrics");
  m = record (sim, "VM_metrics", metrics);
  g_assert_cmpint (rec_int (m, "memory_actual"), ==, 1 * GIB);
  /* Growing dynamic_min past what host1 has left: HOST_NOT_ENOUGH_FREE_MEMORY, in KiB here
   * (xapi's reserve_memory_for_dynamic_change). host1 has 4096 MiB - 100 (host overhead) -
   * 1024 (dom0) - 512 - 14 (this VM's dynamic_min and overhead) - 128 - 67 (big's) = 2251 MiB
   * free; big asks for 3 GiB - 128 MiB = 2944 MiB more. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.set_memory_static_range", "(sxx)", "OpaqueRef:big", 128 * MIB, 8 * GIB);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.set_memory_dynamic_range", "(sxx)", "OpaqueRef:big", 128 * MIB, 8 * GIB);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.start_on", "(ssbb)", "OpaqueRef:big", "OpaqueRef:host1", FALSE, FALSE);
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "HOST_NOT_ENOUGH_FREE_MEMORY", "VM.set_memory_dynamic_range", "(sxx)",
                    "OpaqueRef:big", 3 * GIB, 8 * GIB);
  g_assert_cmpstr (err, ==, "HOST_NOT_ENOUGH_FREE_MEMORY,3014656,2305024");
  sim_stop (sim);
}

static void
test_vcpus (void)
{
  Sim *sim = sim_start ("0");
  g_autoptr(GVariant) r = NULL;
  g_autoptr(GVariant) rec = NULL;
  g_autoptr(GVariant) m = NULL;
  g_autofree char *err = NULL;
  g_autofree char *metrics = NULL;
  g_autofree char *s = NULL;

  err = call_fails (sim, "INVALID_VALUE", "VM.set_VCPUs_max", "(sx)", "OpaqueRef:vmh", (gint64) 1);
  g_assert_cmpstr (err, ==,
                   "INVALID_VALUE,VCPU values must satisfy: 0 < VCPUs_at_startup \xe2\x89\xa4 "
                   "VCPUs_max,1");
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "INVALID_VALUE", "VM.set_VCPUs_at_startup", "(sx)", "OpaqueRef:vmh",
                    (gint64) 5);
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "INVALID_VALUE", "VM.set_VCPUs_at_startup", "(sx)", "OpaqueRef:vmh",
                    (gint64) 0);
  g_clear_pointer (&err, g_free);
  r = call (sim, "VM.set_VCPUs_max", "(sx)", "OpaqueRef:vmh", (gint64) 6);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.set_VCPUs_at_startup", "(sx)", "OpaqueRef:vmh", (gint64) 5);
  /* The overhead follows VCPUs_max and the shadow multiplier (PV, static_max 2 GiB): 6 vCPUs:
   * 1 + 22 shadow + 1 MiB; multiplier 2: 1 + 44 + 1 MiB. */
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpint (rec_int (rec, "memory_overhead"), ==, 24 * MIB);
  err = call_fails (sim, "INVALID_VALUE", "VM.set_HVM_shadow_multiplier", "(sd)", "OpaqueRef:vmh",
                    0.5);
  g_assert_cmpstr (err, ==, "INVALID_VALUE,multiplier,0.5");
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.set_HVM_shadow_multiplier", "(sd)", "OpaqueRef:vmh", 2.0);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpint (rec_int (rec, "memory_overhead"), ==, 46 * MIB);
  g_clear_pointer (&rec, g_variant_unref);
  err = call_fails (sim, "VM_BAD_POWER_STATE", "VM.set_shadow_multiplier_live", "(sd)",
                    "OpaqueRef:vmh", 3.0);
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "VM_BAD_POWER_STATE", "VM.set_VCPUs_number_live", "(sx)", "OpaqueRef:vmh",
                    (gint64) 2);
  g_assert_cmpstr (err, ==, "VM_BAD_POWER_STATE,OpaqueRef:vmh,running,halted");
  g_clear_pointer (&err, g_free);

  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.start", "(sbb)", "OpaqueRef:vmh", FALSE, FALSE);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.set_shadow_multiplier_live", "(sd)", "OpaqueRef:vmh", 3.0);
  err = call_fails (sim, "VM_BAD_POWER_STATE", "VM.set_HVM_shadow_multiplier", "(sd)",
                    "OpaqueRef:vmh", 1.0);
  g_assert_cmpstr (err, ==, "VM_BAD_POWER_STATE,OpaqueRef:vmh,halted,running");
  g_clear_pointer (&err, g_free);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpint (rec_int (rec, "memory_overhead"), ==, 68 * MIB);
  g_clear_pointer (&rec, g_variant_unref);
  err = call_fails (sim, "VM_BAD_POWER_STATE", "VM.set_VCPUs_max", "(sx)", "OpaqueRef:vmh",
                    (gint64) 8);
  g_assert_cmpstr (err, ==, "VM_BAD_POWER_STATE,OpaqueRef:vmh,halted,running");
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "INVALID_VALUE", "VM.set_VCPUs_number_live", "(sx)", "OpaqueRef:vmh",
                    (gint64) 7);
  g_assert_cmpstr (err, ==,
                   "INVALID_VALUE,VCPU values must satisfy: 0 < VCPUs \xe2\x89\xa4 VCPUs_max,7");
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.set_VCPUs_number_live", "(sx)", "OpaqueRef:vmh", (gint64) 3);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpint (rec_int (rec, "VCPUs_at_startup"), ==, 3);
  metrics = rec_str (rec, "metrics");
  m = record (sim, "VM_metrics", metrics);
  g_assert_cmpint (rec_int (m, "VCPUs_number"), ==, 3);
  {
    g_autoptr(GVariant) cpus = g_variant_lookup_value (m, "VCPUs_CPU", NULL);

    g_assert_nonnull (cpus);
    g_assert_cmpuint (g_variant_n_children (cpus), ==, 3);
  }
  /* No domain_type nor HVM_boot_policy: a PV domain, as xapi derives it. */
  g_assert_cmpstr ((s = rec_str (m, "current_domain_type")), ==, "pv");
  g_clear_pointer (&s, g_free);
  g_assert_false (rec_bool (m, "hvm"));

  /* Affinity: a host or nothing. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.set_affinity", "(ss)", "OpaqueRef:vmh", "OpaqueRef:host2");
  err = call_fails (sim, "HANDLE_INVALID", "VM.set_affinity", "(ss)", "OpaqueRef:vmh",
                    "OpaqueRef:nohost");
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpstr ((s = rec_str (rec, "affinity")), ==, "OpaqueRef:host2");
  g_clear_pointer (&s, g_free);

  /* other_config:pci through the generic map message. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.add_to_other_config", "(sss)", "OpaqueRef:vmh", "pci", "0/0000:04:00.0");
  err = call_fails (sim, "MAP_DUPLICATE_KEY", "VM.add_to_other_config", "(sss)", "OpaqueRef:vmh",
                    "pci",
                    "0/0000:05:00.0");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpstr ((s = rec_map (rec, "other_config", "pci")), ==, "0/0000:04:00.0");
  sim_stop (sim);
}

/* ---- hosts: memory, placement, migration ------------------------------------------------- */

static void
test_host_memory (void)
{
  Sim *sim = sim_start ("0");
  g_autoptr(GVariant) r = NULL;
  g_autoptr(GVariant) rec = NULL;
  g_autofree char *err = NULL;
  g_autofree char *s = NULL;
  gint64 free_before;

  r = call (sim, "host.disable", "(s)", "OpaqueRef:host3");
  g_clear_pointer (&r, g_variant_unref);
  /* big needs 3 GiB + 27 MiB of overhead (PV, 1 vCPU, static_max 3 GiB: 1 extra + 25 shadow +
   * 1 for the vCPU): host2 has 2 GiB, host1 4096 - 100 - 1024 (dom0) = 2972 MiB. */
  err = call_fails (sim, "HOST_NOT_ENOUGH_FREE_MEMORY", "VM.start_on", "(ssbb)", "OpaqueRef:big",
                    "OpaqueRef:host2", FALSE, FALSE);
  g_assert_cmpstr (err, ==, "HOST_NOT_ENOUGH_FREE_MEMORY,3249537024,2147483648");
  g_clear_pointer (&err, g_free);
  /* VM.start tries the hosts that pass the other checks and fails on the memory check. */
  err = call_fails (sim, "HOST_NOT_ENOUGH_FREE_MEMORY", "VM.start", "(sbb)", "OpaqueRef:big",
                    FALSE, FALSE);
  g_assert_cmpstr (err, ==, "HOST_NOT_ENOUGH_FREE_MEMORY,3249537024,3116367872");
  g_clear_pointer (&err, g_free);
  /* Disabled and dead hosts. */
  err = call_fails (sim, "HOST_DISABLED", "VM.start_on", "(ssbb)", "OpaqueRef:vmh",
                    "OpaqueRef:host3", FALSE,
                    FALSE);
  g_assert_cmpstr (err, ==, "HOST_DISABLED,OpaqueRef:host3");
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "HOST_NOT_LIVE", "VM.start_on", "(ssbb)", "OpaqueRef:vmh",
                    "OpaqueRef:host4", FALSE,
                    FALSE);
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "VM_IS_TEMPLATE", "VM.start_on", "(ssbb)", "OpaqueRef:tmpl",
                    "OpaqueRef:host1", FALSE,
                    FALSE);
  g_assert_cmpstr (err, ==, "VM_IS_TEMPLATE,OpaqueRef:tmpl,start_on");
  g_clear_pointer (&err, g_free);

  /* Affinity decides where VM.start goes; memory_free follows starts and stops. */
  rec = record (sim, "host_metrics", "OpaqueRef:hm2");
  free_before = rec_int (rec, "memory_free");
  r = call (sim, "VM.set_affinity", "(ss)", "OpaqueRef:vmh", "OpaqueRef:host2");
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.start", "(sbb)", "OpaqueRef:vmh", FALSE, FALSE);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpstr ((s = rec_str (rec, "resident_on")), ==, "OpaqueRef:host2");
  g_clear_pointer (&s, g_free);
  /* The overhead xapi computes at start: PV, static_max 2 GiB, 4 vCPUs: 1 + 20 + 1 MiB. */
  g_assert_cmpint (rec_int (rec, "memory_overhead"), ==, 22 * MIB);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "host_metrics", "OpaqueRef:hm2");
  /* memory_free: total - (memory_actual = dynamic_max) - overhead. */
  g_assert_cmpint (rec_int (rec, "memory_free"), ==, 2 * GIB - 1 * GIB - 22 * MIB);
  g_assert_cmpint (rec_int (rec, "memory_free"), !=, free_before);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.hard_shutdown", "(s)", "OpaqueRef:vmh");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "host_metrics", "OpaqueRef:hm2");
  g_assert_cmpint (rec_int (rec, "memory_free"), ==, 2 * GIB);
  sim_stop (sim);
}

/* The classes and refs of an event.from batch, as "class/op/ref" lines. */
static char *
events_of (GVariant *batch)
{
  g_autoptr(GVariant) events = g_variant_lookup_value (batch, "events", NULL);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < g_variant_n_children (events); i++)
    {
      g_autoptr(GVariant) item = g_variant_get_child_value (events, i);
      g_autoptr(GVariant) ev = g_variant_is_of_type (item, G_VARIANT_TYPE_VARIANT)
                               ? g_variant_get_variant (item) : g_variant_ref (item);
      g_autofree char *klass = rec_str (ev, "class");
      g_autofree char *op = rec_str (ev, "operation");
      g_autofree char *ref = rec_str (ev, "ref");

      g_string_append_printf (out, "%s/%s/%s\n", klass, op, ref);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_pool_migrate (void)
{
  Sim *sim = sim_start ("0");
  g_autoptr(GVariant) r = NULL;
  g_autoptr(GVariant) rec = NULL;
  g_autoptr(GVariant) batch = NULL;
  g_autoptr(GVariant) options = NULL;
  g_autofree char *err = NULL;
  g_autofree char *s = NULL;
  g_autofree char *metrics = NULL;
  g_autofree char *console = NULL;
  g_autofree char *token = NULL;
  g_autofree char *events = NULL;
  GVariantBuilder b;
  gint64 domid;

  err = call_fails (sim, "VM_BAD_POWER_STATE", "VM.pool_migrate", "(ssa{ss})", "OpaqueRef:vmh",
                    "OpaqueRef:host2", NULL);
  g_assert_cmpstr (err, ==, "VM_BAD_POWER_STATE,OpaqueRef:vmh,running,halted");
  g_clear_pointer (&err, g_free);
  r = call (sim, "VM.start_on", "(ssbb)", "OpaqueRef:vmh", "OpaqueRef:host1", FALSE, FALSE);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  domid = rec_int (rec, "domid");
  metrics = rec_str (rec, "metrics");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VBD", "OpaqueRef:vbd1");
  g_assert_true (rec_bool (rec, "currently_attached"));
  /* The empty CD drive is plugged too, and its operations follow the VM's state. */
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VBD", "OpaqueRef:vbdcd");
  g_assert_true (rec_bool (rec, "currently_attached"));
  g_assert_nonnull (strstr ((s = rec_set (rec, "allowed_operations")), "unplug"));
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&rec, g_variant_unref);

  /* Where it cannot go. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "host.disable", "(s)", "OpaqueRef:host3");
  err = call_fails (sim, "HOST_DISABLED", "VM.pool_migrate", "(ssa{ss})", "OpaqueRef:vmh",
                    "OpaqueRef:host3",
                    NULL);
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "HOST_NOT_LIVE", "VM.pool_migrate", "(ssa{ss})", "OpaqueRef:vmh",
                    "OpaqueRef:host4",
                    NULL);
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "HANDLE_INVALID", "VM.pool_migrate", "(ssa{ss})", "OpaqueRef:vmh",
                    "OpaqueRef:nohost",
                    NULL);
  g_clear_pointer (&err, g_free);

  /* To host2, watching the events a cache would see. */
  g_clear_pointer (&batch, g_variant_unref);
  {
    GVariantBuilder classes;

    g_variant_builder_init (&classes, G_VARIANT_TYPE ("as"));
    g_variant_builder_add (&classes, "s", "VM");
    g_variant_builder_add (&classes, "s", "console");
    g_variant_builder_add (&classes, "s", "host_metrics");
    batch = call (sim, "event.from", "(assd)", &classes, "", 0.0);
  }
  token = rec_str (batch, "token");
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&b, "{ss}", "live", "true");
  options = g_variant_ref_sink (g_variant_builder_end (&b));
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.pool_migrate", "(ss@a{ss})", "OpaqueRef:vmh", "OpaqueRef:host2", options);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpstr ((s = rec_str (rec, "resident_on")), ==, "OpaqueRef:host2");
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_str (rec, "power_state")), ==, "Running");
  g_clear_pointer (&s, g_free);
  g_assert_cmpint (rec_int (rec, "domid"), !=, domid);
  g_assert_cmpstr ((s = rec_str (rec, "metrics")), ==, metrics);
  g_clear_pointer (&s, g_free);
  console = rec_set_item (rec, "consoles", 0);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "console", console);
  s = rec_str (rec, "location");
  g_assert_true (g_str_has_prefix (s, "http://127.0.0.2:"));
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "host", "OpaqueRef:host2");
  g_assert_cmpstr ((s = rec_set (rec, "resident_VMs")), ==, "OpaqueRef:vmh");
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&batch, g_variant_unref);
  {
    GVariantBuilder classes;

    g_variant_builder_init (&classes, G_VARIANT_TYPE ("as"));
    g_variant_builder_add (&classes, "s", "VM");
    g_variant_builder_add (&classes, "s", "console");
    g_variant_builder_add (&classes, "s", "host_metrics");
    batch = call (sim, "event.from", "(assd)", &classes, token, 5.0);
  }
  events = events_of (batch);
  g_assert_nonnull (strstr (events, "vm/mod/OpaqueRef:vmh\n"));
  g_assert_nonnull (strstr (events, "console/del/"));
  g_assert_nonnull (strstr (events, (s = g_strdup_printf ("console/add/%s\n", console))));
  g_clear_pointer (&s, g_free);
  g_assert_nonnull (strstr (events, "host_metrics/mod/OpaqueRef:hm2\n"));
  g_assert_nonnull (strstr (events, "host_metrics/mod/OpaqueRef:hm1\n"));

  /* Back to the same host works too (xapi's localhost migration). */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.pool_migrate", "(ssa{ss})", "OpaqueRef:vmh", "OpaqueRef:host2", NULL);

  /* The memory image goes to an SR the VM's host sees (xapi's choose_suspend_sr: the VM's,
   * the pool's, the host's suspend SR): sr3 is plugged on host1 only. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "pool.set_suspend_image_SR", "(ss)", "OpaqueRef:pool", "OpaqueRef:sr3");
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "VM_NO_SUSPEND_SR", "VM.suspend", "(s)", "OpaqueRef:vmh");
  g_assert_cmpstr (err, ==, "VM_NO_SUSPEND_SR,OpaqueRef:vmh");
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "pool.set_suspend_image_SR", "(ss)", "OpaqueRef:pool", "OpaqueRef:sr1");

  /* resume_on: suspended VMs come back where they are told. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.suspend", "(s)", "OpaqueRef:vmh");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpstr ((s = rec_str (rec, "suspend_VDI")), !=, "OpaqueRef:NULL");
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VBD", "OpaqueRef:vbd1");
  g_assert_false (rec_bool (rec, "currently_attached"));
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VBD", "OpaqueRef:vbdcd");
  g_assert_null (strstr ((s = rec_set (rec, "allowed_operations")), "unplug"));
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "HOST_DISABLED", "VM.resume_on", "(ssbb)", "OpaqueRef:vmh",
                    "OpaqueRef:host3", FALSE,
                    FALSE);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.resume_on", "(ssbb)", "OpaqueRef:vmh", "OpaqueRef:host1", FALSE, FALSE);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpstr ((s = rec_str (rec, "resident_on")), ==, "OpaqueRef:host1");
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_str (rec, "power_state")), ==, "Running");
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "VM_BAD_POWER_STATE", "VM.resume_on", "(ssbb)", "OpaqueRef:vmh",
                    "OpaqueRef:host1",
                    FALSE, FALSE);
  g_assert_cmpstr (err, ==, "VM_BAD_POWER_STATE,OpaqueRef:vmh,suspended,running");
  sim_stop (sim);
}

/* ---- operations in progress -------------------------------------------------------------- */

static char *
task_status (Sim        *sim,
             const char *task)
{
  g_autoptr(GVariant) v = call (sim, "task.get_status", "(s)", task);

  return str_of (v);
}

static void
test_operation_in_progress (void)
{
  /* --speed 2: a task waits 1 s, then the VM operation holds current_operations for 0.5 s. */
  Sim *sim = sim_start ("2");
  g_autoptr(GVariant) r = NULL;
  g_autoptr(GVariant) rec = NULL;
  g_autofree char *task = NULL;
  g_autofree char *err = NULL;
  g_autofree char *s = NULL;
  g_autofree char *op = NULL;
  g_autofree char *expected = NULL;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  gboolean seen = FALSE;

  r = call (sim, "VM.start", "(sbb)", "OpaqueRef:vmh", FALSE, FALSE);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "Async.VM.hard_shutdown", "(s)", "OpaqueRef:vmh");
  task = str_of (r);
  while (!seen && g_get_monotonic_time () < deadline)
    {
      g_clear_pointer (&rec, g_variant_unref);
      rec = record (sim, "VM", "OpaqueRef:vmh");
      g_clear_pointer (&op, g_free);
      op = rec_map (rec, "current_operations", task);
      seen = op != NULL;
      if (!seen)
        g_usleep (20000);
    }
  g_assert_true (seen);
  g_assert_cmpstr (op, ==, "hard_shutdown");
  /* While it runs: nothing that conflicts is allowed, and a second hard_shutdown is refused. */
  g_assert_null (strstr ((s = rec_set (rec, "allowed_operations")), "hard_shutdown"));
  g_clear_pointer (&s, g_free);
  err = call_fails (sim, "OTHER_OPERATION_IN_PROGRESS", "VM.clean_reboot", "(s)", "OpaqueRef:vmh");
  expected = g_strdup_printf ("OTHER_OPERATION_IN_PROGRESS,VM,OpaqueRef:vmh,hard_shutdown,%s",
                              task);
  g_assert_cmpstr (err, ==, expected);
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "OTHER_OPERATION_IN_PROGRESS", "VM.hard_shutdown", "(s)", "OpaqueRef:vmh");
  g_clear_pointer (&err, g_free);
  /* hard_reboot is not allowed next to a hard_shutdown either; snapshot is. */
  err = call_fails (sim, "OTHER_OPERATION_IN_PROGRESS", "VM.hard_reboot", "(s)", "OpaqueRef:vmh");

  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    {
      g_clear_pointer (&s, g_free);
      s = task_status (sim, task);
      if (!g_str_equal (s, "pending"))
        break;
      g_usleep (20000);
    }
  g_assert_cmpstr (s, ==, "success");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_str (rec, "power_state")), ==, "Halted");
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_str (rec, "current_operations")), ==, "{}");
  g_clear_pointer (&s, g_free);
  s = rec_set (rec, "allowed_operations");
  g_assert_nonnull (strstr (s, "start"));
  sim_stop (sim);
}

/* allowed_operations per state, as xapi's update_allowed_operations computes them. */
static void
test_allowed_operations (void)
{
  Sim *sim = sim_start ("0");
  g_autoptr(GVariant) r = NULL;
  g_autoptr(GVariant) rec = NULL;
  g_autofree char *s = NULL;
  g_autofree char *err = NULL;

  r = call (sim, "VM.start", "(sbb)", "OpaqueRef:vmh", FALSE, FALSE);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpstr ((s = rec_set (rec, "allowed_operations")), ==,
                   "changing_VCPUs_live,changing_dynamic_range,checkpoint,clean_reboot,"
                   "clean_shutdown,"
                   "hard_reboot,hard_shutdown,metadata_export,migrate_send,pause,pool_migrate,"
                   "snapshot,suspend");
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.pause", "(s)", "OpaqueRef:vmh");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpstr ((s = rec_set (rec, "allowed_operations")), ==,
                   "checkpoint,hard_reboot,hard_shutdown,metadata_export,snapshot,unpause");
  g_clear_pointer (&s, g_free);
  err = call_fails (sim, "VM_BAD_POWER_STATE", "VM.clean_shutdown", "(s)", "OpaqueRef:vmh");
  g_assert_cmpstr (err, ==, "VM_BAD_POWER_STATE,OpaqueRef:vmh,running,paused");
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.unpause", "(s)", "OpaqueRef:vmh");
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.suspend", "(s)", "OpaqueRef:vmh");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpstr ((s = rec_set (rec, "allowed_operations")), ==,
                   "checkpoint,destroy,export,hard_shutdown,metadata_export,migrate_send,resume,"
                   "resume_on,"
                   "snapshot");
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.hard_shutdown", "(s)", "OpaqueRef:vmh");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_cmpstr ((s = rec_set (rec, "allowed_operations")), ==,
                   "changing_NVRAM,changing_dynamic_range,changing_shadow_memory,"
                   "changing_static_range,"
                   "clone,copy,destroy,export,make_into_template,metadata_export,migrate_send,"
                   "snapshot,"
                   "start,start_on");
  g_clear_pointer (&s, g_free);
  /* blocked_operations wins over everything. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.add_to_blocked_operations", "(sss)", "OpaqueRef:vmh", "start",
            "locked by test");
  err = call_fails (sim, "OPERATION_BLOCKED", "VM.start", "(sbb)", "OpaqueRef:vmh", FALSE, FALSE);
  g_assert_cmpstr (err, ==, "OPERATION_BLOCKED,OpaqueRef:vmh,locked by test");
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "MAP_DUPLICATE_KEY", "VM.add_to_blocked_operations", "(sss)",
                    "OpaqueRef:vmh", "start", "again");
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_null (strstr ((s = rec_set (rec, "allowed_operations")), "start,"));
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.remove_from_blocked_operations", "(ss)", "OpaqueRef:vmh", "start");
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_nonnull (strstr ((s = rec_set (rec, "allowed_operations")), "start,"));
  g_clear_pointer (&s, g_free);

  /* make_into_template: halted VMs only; the template then offers template operations. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.start", "(sbb)", "OpaqueRef:vmh", FALSE, FALSE);
  err = call_fails (sim, "VM_BAD_POWER_STATE", "VM.set_is_a_template", "(sb)", "OpaqueRef:vmh",
                    TRUE);
  g_assert_cmpstr (err, ==, "VM_BAD_POWER_STATE,OpaqueRef:vmh,halted,running");
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.hard_shutdown", "(s)", "OpaqueRef:vmh");
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.set_is_a_template", "(sb)", "OpaqueRef:vmh", TRUE);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  g_assert_true (rec_bool (rec, "is_a_template"));
  g_assert_cmpstr ((s = rec_set (rec, "allowed_operations")), ==,
                   "changing_NVRAM,changing_dynamic_range,changing_shadow_memory,"
                   "changing_static_range,clone,copy,destroy,export,metadata_export,migrate_send,"
                   "provision");
  g_clear_pointer (&s, g_free);
  sim_stop (sim);
}

/* Reverting a snapshot whose VM was destroyed brings the VM back (create_vm_from_snapshot). */
static void
test_revert_orphan (void)
{
  Sim *sim = sim_start ("0");
  g_autoptr(GVariant) v = call (sim, "VM.snapshot", "(ss)", "OpaqueRef:vmh", "last words");
  g_autofree char *snap = str_of (v);
  g_autoptr(GVariant) r = NULL;
  g_autoptr(GVariant) rec = NULL;
  g_autofree char *vm = NULL;
  g_autofree char *s = NULL;
  g_autofree char *err = NULL;
  g_autofree char *vbd = NULL;

  r = call (sim, "VM.destroy", "(s)", "OpaqueRef:vmh");
  g_assert_false (ref_exists (sim, "VM", "OpaqueRef:vmh"));
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.revert", "(s)", snap);
  rec = record (sim, "VM", snap);
  vm = rec_str (rec, "snapshot_of");
  g_assert_cmpstr (vm, !=, "OpaqueRef:vmh");
  g_assert_true (ref_exists (sim, "VM", vm));
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", vm);
  g_assert_cmpstr ((s = rec_str (rec, "uuid")), ==, "vmh-uuid");
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_str (rec, "name_label")), ==, "halted one");
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_str (rec, "power_state")), ==, "Halted");
  g_clear_pointer (&s, g_free);
  g_assert_false (rec_bool (rec, "is_a_snapshot"));
  g_assert_false (rec_bool (rec, "is_a_template"));
  g_assert_cmpstr ((s = rec_str (rec, "parent")), ==, snap);
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_set (rec, "snapshots")), ==, snap);
  g_clear_pointer (&s, g_free);
  vbd = vbd_of (sim, vm, "0");
  g_assert_nonnull (vbd);
  /* It can start again. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.start", "(sbb)", vm, FALSE, FALSE);
  /* Reverting again works on the recreated VM. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.hard_shutdown", "(s)", vm);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.revert", "(s)", snap);

  /* An orphan without metadata cannot be brought back: VM_REVERT_FAILED [snapshot, old vm]. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.destroy", "(s)", "OpaqueRef:big");
  err = call_fails (sim, "VM_REVERT_FAILED", "VM.revert", "(s)", "OpaqueRef:snapold");
  g_assert_cmpstr (err, ==, "VM_REVERT_FAILED,OpaqueRef:snapold,OpaqueRef:big");
  sim_stop (sim);
}

/* xapi's check_op_for_feature: what a guest without PV drivers can be asked to do. */
static void
test_guest_features (void)
{
  Sim *sim = sim_start ("0");
  g_autoptr(GVariant) r = NULL;
  g_autoptr(GVariant) rec = NULL;
  g_autoptr(GVariant) gm = NULL;
  g_autofree char *s = NULL;
  g_autofree char *err = NULL;
  g_autofree char *gm_ref = NULL;
  g_autofree char *m_ref = NULL;

  /* Its network has a PIF on host1 only (xapi's assert_can_see_named_networks). */
  err = call_fails (sim, "VM_REQUIRES_NETWORK", "VM.start_on", "(ssbb)", "OpaqueRef:hvm",
                    "OpaqueRef:host2", FALSE, FALSE);
  g_assert_cmpstr (err, ==, "VM_REQUIRES_NETWORK,OpaqueRef:hvm,OpaqueRef:net2");
  g_clear_pointer (&err, g_free);
  r = call (sim, "VM.start", "(sbb)", "OpaqueRef:hvm", FALSE, FALSE);
  rec = record (sim, "VM", "OpaqueRef:hvm");
  g_assert_cmpstr ((s = rec_str (rec, "resident_on")), ==, "OpaqueRef:host1");
  g_clear_pointer (&s, g_free);
  /* Booted HVM (from HVM_boot_policy); the agent says shutdown only. */
  m_ref = rec_str (rec, "metrics");
  {
    g_autoptr(GVariant) m = record (sim, "VM_metrics", m_ref);
    g_assert_cmpstr ((s = rec_str (m, "current_domain_type")), ==, "hvm");
    g_clear_pointer (&s, g_free);
  }
  g_assert_cmpstr ((s = rec_set (rec, "allowed_operations")), ==,
                   "changing_dynamic_range,clean_reboot,clean_shutdown,hard_reboot,hard_shutdown,"
                   "metadata_export,pause,snapshot");
  g_clear_pointer (&s, g_free);
  err = call_fails (sim, "VM_NON_SUSPENDABLE", "VM.suspend", "(s)", "OpaqueRef:hvm");
  g_assert_cmpstr (err, ==, "VM_NON_SUSPENDABLE,OpaqueRef:hvm,UEFI variables");
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "VM_NON_SUSPENDABLE", "VM.pool_migrate", "(ssa{ss})", "OpaqueRef:hvm",
                    "OpaqueRef:host2", NULL);
  g_clear_pointer (&err, g_free);
  err = call_fails (sim, "VM_LACKS_FEATURE", "VM.set_VCPUs_number_live", "(sx)", "OpaqueRef:hvm",
                    (gint64) 2);
  g_assert_cmpstr (err, ==, "VM_LACKS_FEATURE,OpaqueRef:hvm");
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.clean_shutdown", "(s)", "OpaqueRef:hvm");

  /* A guest booted without guest metrics gets the simulated agent's: PV drivers, all features. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.start", "(sbb)", "OpaqueRef:vmh", FALSE, FALSE);
  g_clear_pointer (&rec, g_variant_unref);
  rec = record (sim, "VM", "OpaqueRef:vmh");
  gm_ref = rec_str (rec, "guest_metrics");
  g_assert_cmpstr (gm_ref, !=, "OpaqueRef:NULL");
  gm = record (sim, "VM_guest_metrics", gm_ref);
  g_assert_true (rec_bool (gm, "live"));
  g_assert_cmpstr ((s = rec_map (gm, "PV_drivers_version", "major")), !=, NULL);
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_map (gm, "other", "feature-suspend")), ==, "1");
  g_clear_pointer (&s, g_free);
  g_assert_nonnull (strstr ((s = rec_set (rec, "allowed_operations")), "suspend"));
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.hard_shutdown", "(s)", "OpaqueRef:vmh");
  g_clear_pointer (&gm, g_variant_unref);
  gm = record (sim, "VM_guest_metrics", gm_ref);
  g_assert_false (rec_bool (gm, "live"));
  sim_stop (sim);
}

/* power_state_reset, assert_operation_valid, update_allowed_operations. */
static void
test_reset (void)
{
  Sim *sim = sim_start ("0");
  g_autoptr(GVariant) r = NULL;
  g_autoptr(GVariant) rec = NULL;
  g_autofree char *err = NULL;
  g_autofree char *s = NULL;

  r = call (sim, "VM.assert_operation_valid", "(ss)", "OpaqueRef:vmh", "start");
  err = call_fails (sim, "VM_BAD_POWER_STATE", "VM.assert_operation_valid", "(ss)", "OpaqueRef:vmh",
                    "clean_shutdown");
  g_assert_cmpstr (err, ==, "VM_BAD_POWER_STATE,OpaqueRef:vmh,running,halted");
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.update_allowed_operations", "(s)", "OpaqueRef:vmh");

  err = call_fails (sim, "CANNOT_RESET_CONTROL_DOMAIN", "VM.power_state_reset", "(s)",
                    "OpaqueRef:dom0");
  g_assert_cmpstr (err, ==, "CANNOT_RESET_CONTROL_DOMAIN,OpaqueRef:dom0");
  g_clear_pointer (&err, g_free);
  /* Its domain is on the host that answers (the coordinator), or on a live host. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.start_on", "(ssbb)", "OpaqueRef:vmh", "OpaqueRef:host1", FALSE, FALSE);
  err = call_fails (sim, "DOMAIN_EXISTS", "VM.power_state_reset", "(s)", "OpaqueRef:vmh");
  g_assert_cmpstr (err, ==, "DOMAIN_EXISTS,OpaqueRef:vmh");
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.pool_migrate", "(ssa{ss})", "OpaqueRef:vmh", "OpaqueRef:host2", NULL);
  err = call_fails (sim, "HOST_IS_LIVE", "VM.power_state_reset", "(s)", "OpaqueRef:vmh");
  g_assert_cmpstr (err, ==, "HOST_IS_LIVE,OpaqueRef:host2");
  /* A VM on a dead host is reset to Halted. */
  g_clear_pointer (&r, g_variant_unref);
  r = call (sim, "VM.power_state_reset", "(s)", "OpaqueRef:ghost");
  rec = record (sim, "VM", "OpaqueRef:ghost");
  g_assert_cmpstr ((s = rec_str (rec, "power_state")), ==, "Halted");
  g_clear_pointer (&s, g_free);
  g_assert_cmpstr ((s = rec_str (rec, "resident_on")), ==, "OpaqueRef:NULL");
  g_clear_pointer (&s, g_free);
  g_assert_cmpint (rec_int (rec, "domid"), ==, -1);
  g_assert_nonnull (strstr ((s = rec_set (rec, "allowed_operations")), "start"));
  sim_stop (sim);
}

/* Nonsense arguments to every message sim-vm.c answers: errors, never a crash. */
static void
test_nonsense (void)
{
  static const char *const methods[] = {
    "VM.start", "VM.start_on", "VM.resume", "VM.resume_on", "VM.clean_shutdown",
    "VM.hard_shutdown", "VM.shutdown", "VM.suspend", "VM.clean_reboot", "VM.hard_reboot",
    "VM.pause", "VM.unpause", "VM.pool_migrate", "VM.clone", "VM.copy", "VM.snapshot",
    "VM.checkpoint", "VM.revert", "VM.provision", "VM.destroy", "VM.set_memory_limits",
    "VM.set_memory", "VM.set_memory_static_range", "VM.set_memory_dynamic_range",
    "VM.set_memory_dynamic_min", "VM.set_memory_dynamic_max", "VM.set_VCPUs_max",
    "VM.set_VCPUs_at_startup", "VM.set_VCPUs_number_live", "VM.set_affinity",
    "VM.assert_can_boot_here", "VM.get_possible_hosts", "VM.set_is_a_template",
    "VM.set_blocked_operations", "VM.add_to_blocked_operations",
    "VM.remove_from_blocked_operations", "VM.set_HVM_shadow_multiplier",
    "VM.set_shadow_multiplier_live", "VM.assert_operation_valid", "VM.update_allowed_operations",
    "VM.power_state_reset", "VM_appliance.start",
    "VM_appliance.clean_shutdown",
  };
  static const char *const values[] = {
    "OpaqueRef:vmh", "OpaqueRef:NULL", "", "-1", "99999999999999999999", "OpaqueRef:host1",
    "OpaqueRef:sr2", "OpaqueRef:tmpl", "<provision>", "OpaqueRef:dom0",
  };
  Sim *sim = sim_start ("0");
  g_autoptr(GVariant) r = NULL;
  guint calls = 0;

  /* A template with a hostile disks spec, for provision. */
  add_disks_spec (sim, "OpaqueRef:tmpl", "<provision><disk device=\"0\" size=\"-5\" sr=\"\" "
                                         "bootable=\"maybe\"/><disk/></provision>");
  for (guint m = 0; m < 2 * G_N_ELEMENTS (methods); m++)
    for (guint n = 0; n <= 5; n++)
      for (guint v = 0; v < G_N_ELEMENTS (values); v++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GVariant) result = NULL;
          /* Each message plain, then as an Async task (run in the simulator's worker). */
          g_autofree char *method = g_strconcat (m < G_N_ELEMENTS (methods) ? "" : "Async.",
                                                 methods[m % G_N_ELEMENTS (methods)], NULL);
          GVariantBuilder b;

          g_variant_builder_init (&b, G_VARIANT_TYPE_TUPLE);
          g_variant_builder_add (&b, "s", sim->session);
          for (guint i = 0; i < n; i++)
            g_variant_builder_add (&b, "s", values[(v + i) % G_N_ELEMENTS (values)]);
          result = lagoon_xmlrpc_call (sim->client, "/", method, g_variant_builder_end (&b), NULL,
                                       &error);
          /* Either an answer or a XenAPI error; a transport error means the simulator died. */
          if (result == NULL)
            g_assert_error (error, LAGOON_XENAPI_ERROR, error->code);
          calls++;
        }
  g_assert_cmpuint (calls, ==, 2 * G_N_ELEMENTS (methods) * 6 * G_N_ELEMENTS (values));
  /* Let the tasks finish, then the simulator must still answer. */
  g_usleep (500000);
  r = call (sim, "session.get_this_host", "(s)", sim->session);
  sim_stop (sim);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lagoon/xapi-sim-vm/provision", test_provision);
  g_test_add_func ("/lagoon/xapi-sim-vm/clone-copy", test_clone_copy);
  g_test_add_func ("/lagoon/xapi-sim-vm/snapshots", test_snapshots);
  g_test_add_func ("/lagoon/xapi-sim-vm/checkpoint-revert", test_checkpoint_revert);
  g_test_add_func ("/lagoon/xapi-sim-vm/revert-orphan", test_revert_orphan);
  g_test_add_func ("/lagoon/xapi-sim-vm/memory", test_memory);
  g_test_add_func ("/lagoon/xapi-sim-vm/vcpus", test_vcpus);
  g_test_add_func ("/lagoon/xapi-sim-vm/host-memory", test_host_memory);
  g_test_add_func ("/lagoon/xapi-sim-vm/pool-migrate", test_pool_migrate);
  g_test_add_func ("/lagoon/xapi-sim-vm/operation-in-progress", test_operation_in_progress);
  g_test_add_func ("/lagoon/xapi-sim-vm/allowed-operations", test_allowed_operations);
  g_test_add_func ("/lagoon/xapi-sim-vm/guest-features", test_guest_features);
  g_test_add_func ("/lagoon/xapi-sim-vm/reset", test_reset);
  g_test_add_func ("/lagoon/xapi-sim-vm/nonsense", test_nonsense);
  return g_test_run ();
}
