/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LagoonNewVmAction: name patterns, the disks XML, the xe script, and creating VMs in the
 * simulator (one that works, one that fails midway and must leave nothing behind). */
#include "config.h"

#include <string.h>

#include "lagoon-new-vm-action.h"
#include "lagoon-rig.h"
#include "lagoon-tcp-opener.h"
#include "lagoon-xenapi-error.h"

#define GiB (G_GINT64_CONSTANT (1) << 30)
#define MiB (G_GINT64_CONSTANT (1) << 20)

static void
test_expand_name (void)
{
  struct {
    const char *pattern;
    guint       index;
    guint       count;
    const char *expected;   /* NULL: an error */
  } cases[] = {
    { "web-%d", 1, 5, "web-1" },
    { "web-%d", 5, 5, "web-5" },
    { "%d-db", 12, 20, "12-db" },
    { "100%% web %d", 3, 3, "100% web 3" },
    { "single", 1, 1, "single" },
    { "  padded  ", 1, 1, "padded" },
    { "single", 1, 2, NULL },
    { "web-%d-%d", 1, 2, NULL },
    { "web-%s", 1, 2, NULL },
    { "web-%", 1, 1, NULL },
    { "   ", 1, 1, NULL },
    { "", 1, 1, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *name = lagoon_new_vm_expand_name (cases[i].pattern, cases[i].index,
                                                         cases[i].count, &error);

      g_test_message ("pattern “%s”", cases[i].pattern);
      g_assert_cmpstr (name, ==, cases[i].expected);
      if (cases[i].expected == NULL)
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      else
        g_assert_no_error (error);
    }
}

static void
test_disks_xml (void)
{
  const char *xml = "<provision><disk device=\"0\" size=\"10737418240\" sr=\"\" "
                    "bootable=\"true\" type=\"system\" ionice=\"4\"/>"
                    "<disk device=\"1\" size=\"1024\" sr=\"abc-uuid\" bootable=\"false\" "
                    "type=\"user\"/></provision>";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) disks = lagoon_new_vm_disks_from_xml (xml, &error);
  g_autoptr(GPtrArray) again = NULL;
  g_autofree char *written = NULL;
  LagoonNewVmDisk *disk;

  g_assert_no_error (error);
  g_assert_cmpuint (disks->len, ==, 2);
  disk = g_ptr_array_index (disks, 0);
  g_assert_cmpstr (disk->userdevice, ==, "0");
  g_assert_cmpint (disk->size, ==, 10 * GiB);
  g_assert_null (disk->sr_uuid);
  g_assert_true (disk->bootable);
  g_assert_cmpstr (disk->type, ==, "system");
  disk = g_ptr_array_index (disks, 1);
  g_assert_cmpstr (disk->sr_uuid, ==, "abc-uuid");
  g_assert_false (disk->bootable);
  g_assert_cmpstr (disk->type, ==, "user");

  /* Written back and read again: the same disks. */
  written = lagoon_new_vm_disks_to_xml (disks);
  again = lagoon_new_vm_disks_from_xml (written, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->len, ==, 2);
  g_assert_cmpint (((LagoonNewVmDisk *) g_ptr_array_index (again, 1))->size, ==, 1024);
  g_assert_cmpstr (((LagoonNewVmDisk *) g_ptr_array_index (again, 1))->sr_uuid, ==, "abc-uuid");

  /* Attribute values are escaped. */
  disk->sr_uuid = g_strdup ("a\"b<c");
  g_clear_pointer (&written, g_free);
  written = lagoon_new_vm_disks_to_xml (disks);
  g_assert_nonnull (strstr (written, "sr=\"a&quot;b&lt;c\""));

  /* Empty is no disks; garbage is an error, not a crash. */
  g_clear_pointer (&again, g_ptr_array_unref);
  again = lagoon_new_vm_disks_from_xml ("", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->len, ==, 0);
  g_clear_pointer (&again, g_ptr_array_unref);
  again = lagoon_new_vm_disks_from_xml ("<provision><disk size=\"x\"/></provision>", &error);
  g_assert_null (again);
  g_assert_nonnull (error);
  g_clear_error (&error);
  again = lagoon_new_vm_disks_from_xml ("<html><disk/></html>", &error);
  g_assert_null (again);
  g_assert_nonnull (error);
  g_clear_error (&error);
  again = lagoon_new_vm_disks_from_xml ("<provision><disk", &error);
  g_assert_null (again);
  g_assert_nonnull (error);
}

static LagoonNewVmSpec *
sample_spec (void)
{
  LagoonNewVmSpec *spec = lagoon_new_vm_spec_new ();
  LagoonNewVmDisk *disk = lagoon_new_vm_disk_new ();
  LagoonNewVmVif *vif = lagoon_new_vm_vif_new ();

  spec->template_ref = g_strdup ("OpaqueRef:t");
  spec->template_uuid = g_strdup ("tmpl-uuid");
  spec->name = g_strdup ("it's web-1");
  spec->description = g_strdup ("a test");
  spec->memory_static_min = 512 * MiB;
  spec->memory_static_max = 2 * GiB;
  spec->memory_dynamic_min = 1 * GiB;
  spec->memory_dynamic_max = 2 * GiB;
  spec->vcpus_max = 4;
  spec->vcpus_at_startup = 2;
  spec->cores_per_socket = 2;
  spec->install = LAGOON_NEW_VM_INSTALL_CD;
  spec->iso_vdi = g_strdup ("OpaqueRef:iso");
  spec->iso_name = g_strdup ("debian.iso");
  spec->provision = TRUE;
  disk->userdevice = g_strdup ("0");
  disk->size = 8 * GiB;
  disk->sr_uuid = g_strdup ("sr-uuid");
  disk->bootable = TRUE;
  g_ptr_array_add (spec->disks, disk);
  vif->device = g_strdup ("0");
  vif->network = g_strdup ("OpaqueRef:n");
  vif->network_uuid = g_strdup ("net-uuid");
  vif->mac = g_strdup ("aa:bb:cc:dd:ee:ff");
  g_ptr_array_add (spec->vifs, vif);
  spec->affinity = g_strdup ("OpaqueRef:h");
  spec->affinity_uuid = g_strdup ("host-uuid");
  spec->start = TRUE;
  spec->start_on = g_strdup ("OpaqueRef:h");
  spec->start_on_uuid = g_strdup ("host-uuid");
  return spec;
}

static void
test_xe (void)
{
  g_autoptr(LagoonNewVmSpec) spec = sample_spec ();
  g_autoptr(LagoonNewVmSpec) copy = lagoon_new_vm_spec_copy (spec);
  g_autofree char *xe = lagoon_new_vm_spec_to_xe (copy);
  g_autofree char *plain = NULL;

  g_test_message ("%s", xe);
  g_assert_nonnull (strstr (xe, "VM=$(xe vm-clone uuid=tmpl-uuid "
                                "new-name-label='it'\\''s web-1')"));
  g_assert_nonnull (strstr (xe, "xe vm-param-set uuid=$VM is-a-template=false\n"));
  g_assert_nonnull (strstr (xe, "xe vm-memory-limits-set uuid=$VM static-min=536870912 "
                                "static-max=2147483648 dynamic-min=1073741824 "
                                "dynamic-max=2147483648\n"));
  g_assert_nonnull (strstr (xe, "VCPUs-max=4 VCPUs-at-startup=2"));
  g_assert_nonnull (strstr (xe, "platform:cores-per-socket=2"));
  g_assert_nonnull (strstr (xe, "other-config:disks='<provision><disk device=\"0\" "
                                "size=\"8589934592\" sr=\"sr-uuid\""));
  g_assert_nonnull (strstr (xe, "xe vm-provision uuid=$VM\n"));
  g_assert_nonnull (strstr (xe, "xe vm-cd-add uuid=$VM cd-name='debian.iso' device=3"));
  g_assert_nonnull (strstr (xe, "xe vif-create vm-uuid=$VM network-uuid=net-uuid device=0 "
                                "mac=aa:bb:cc:dd:ee:ff"));
  g_assert_nonnull (strstr (xe, "affinity=host-uuid"));
  g_assert_nonnull (strstr (xe, "xe vm-start uuid=$VM on=host-uuid"));

  /* Copy to an SR, no start, no CD. */
  spec->copy_sr = g_strdup ("OpaqueRef:sr");
  spec->copy_sr_uuid = g_strdup ("sr-uuid");
  spec->start = FALSE;
  spec->install = LAGOON_NEW_VM_INSTALL_NONE;
  plain = lagoon_new_vm_spec_to_xe (spec);
  g_assert_nonnull (strstr (plain, "xe vm-copy uuid=tmpl-uuid"));
  g_assert_nonnull (strstr (plain, "sr-uuid=sr-uuid"));
  g_assert_null (strstr (plain, "vm-start"));
  g_assert_null (strstr (plain, "vm-cd-add"));
}

/* ---- against the simulator ---------------------------------------------------------------- */

static LagoonRigSim *
start_sim_or_skip (const char * const *args)
{
  g_autoptr(GError) error = NULL;
  LagoonRigSim *sim = lagoon_rig_sim_start (args, &error);

  if (sim == NULL && lagoon_rig_error_is_missing (error))
    {
      g_test_skip (error->message);
      return NULL;
    }
  g_assert_no_error (error);
  return sim;
}

static LagoonConnection *
connect_to (LagoonRigSim *sim)
{
  g_autoptr(LagoonTcpOpener) opener = lagoon_tcp_opener_new ();
  LagoonConnection *conn = lagoon_connection_new (LAGOON_STREAM_OPENER (opener),
                                                  lagoon_rig_sim_get_address (sim),
                                                  lagoon_rig_sim_get_port (sim), FALSE);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  lagoon_connection_set_credentials (conn, "root", "xenroot");
  lagoon_connection_set_event_timeout (conn, 2.0);
  lagoon_connection_connect (conn);
  while (lagoon_connection_get_state (conn) != LAGOON_CONNECTION_CONNECTED &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
  g_assert_cmpint (lagoon_connection_get_state (conn), ==, LAGOON_CONNECTION_CONNECTED);
  return conn;
}

static void
on_finished (LagoonAction *action,
             gboolean     *finished)
{
  g_assert_false (*finished);
  *finished = TRUE;
}

static void
run_to_end (LagoonAction *action)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  gboolean finished = FALSE;

  g_signal_connect (action, "finished", G_CALLBACK (on_finished), &finished);
  lagoon_action_start (action);
  while (!finished && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
  g_assert_true (finished);
}

/* A call straight to the server (the cache may lag a batch behind). */
static GVariant *
call (LagoonConnection *conn,
      const char       *method,
      GVariant         *args,
      GError          **error)
{
  return lagoon_connection_call_sync (conn, method, args, NULL, error);
}

static GVariant *
call_ok (LagoonConnection *conn,
         const char       *method,
         GVariant         *args)
{
  g_autoptr(GError) error = NULL;
  GVariant *result = call (conn, method, args, &error);

  g_assert_no_error (error);
  return result;
}

static char *
lookup_string (GVariant   *record,
               const char *key)
{
  const char *value = NULL;

  g_assert_true (g_variant_lookup (record, key, "&s", &value));
  return g_strdup (value);
}

static gint64
lookup_int (GVariant   *record,
            const char *key)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (record, key, NULL);
  gint64 n = -1;

  g_assert_nonnull (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    return g_variant_get_int64 (value);
  g_assert_true (g_ascii_string_to_signed (g_variant_get_string (value, NULL), 10, G_MININT64,
                                           G_MAXINT64, &n, NULL));
  return n;
}

static guint
array_length (GVariant *record,
              const char *key)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (record, key, NULL);

  g_assert_nonnull (value);
  return (guint) g_variant_n_children (value);
}

static char *
array_item (GVariant   *record,
            const char *key,
            guint       i)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (record, key, NULL);
  g_autoptr(GVariant) item = g_variant_get_child_value (value, i);
  g_autoptr(GVariant) inner = g_variant_is_of_type (item, G_VARIANT_TYPE_VARIANT)
                              ? g_variant_get_variant (item) : g_variant_ref (item);

  return g_variant_dup_string (inner, NULL);
}

typedef struct
{
  char *template_ref;
  char *template_uuid;
  char *sr;
  char *sr_uuid;
  char *network;
  char *network_uuid;
  char *host;
  gint64 sr_free;
} Pool;

static void
pool_clear (Pool *pool)
{
  g_free (pool->template_ref);
  g_free (pool->template_uuid);
  g_free (pool->sr);
  g_free (pool->sr_uuid);
  g_free (pool->network);
  g_free (pool->network_uuid);
  g_free (pool->host);
}

/* A default Linux template, a shared disk SR, a network with a PIF and a host, from the
 * cache. */
static void
find_pool (LagoonConnection *conn,
           Pool             *pool)
{
  LagoonCache *cache = lagoon_connection_get_cache (conn);
  g_autoptr(GPtrArray) vms = lagoon_cache_list (cache, LAGOON_CLASS_VM);
  g_autoptr(GPtrArray) srs = lagoon_cache_list (cache, LAGOON_CLASS_SR);
  g_autoptr(GPtrArray) networks = lagoon_cache_list (cache, LAGOON_CLASS_NETWORK);
  g_autoptr(GPtrArray) hosts = lagoon_cache_list (cache, LAGOON_CLASS_HOST);

  for (guint i = 0; i < vms->len && pool->template_ref == NULL; i++)
    {
      const LagoonRecord *r = g_ptr_array_index (vms, i);

      if (lagoon_record_get_bool (r, LAGOON_VM_IS_A_TEMPLATE) &&
          g_str_has_prefix (lagoon_record_get_name (r), "Debian"))
        {
          pool->template_ref = g_strdup (lagoon_record_get_opaque_ref (r));
          pool->template_uuid = g_strdup (lagoon_record_get_string (r, LAGOON_VM_UUID));
        }
    }
  for (guint i = 0; i < srs->len && pool->sr == NULL; i++)
    {
      const LagoonRecord *r = g_ptr_array_index (srs, i);

      if (lagoon_record_get_bool (r, LAGOON_SR_SHARED) &&
          g_strcmp0 (lagoon_record_get_string (r, LAGOON_SR_CONTENT_TYPE), "iso") != 0 &&
          lagoon_record_get_int (r, LAGOON_SR_PHYSICAL_SIZE) > 0)
        {
          pool->sr = g_strdup (lagoon_record_get_opaque_ref (r));
          pool->sr_uuid = g_strdup (lagoon_record_get_string (r, LAGOON_SR_UUID));
          pool->sr_free = lagoon_record_get_int (r, LAGOON_SR_PHYSICAL_SIZE) -
                          lagoon_record_get_int (r, LAGOON_SR_PHYSICAL_UTILISATION);
        }
    }
  for (guint i = 0; i < networks->len && pool->network == NULL; i++)
    {
      const LagoonRecord *r = g_ptr_array_index (networks, i);
      guint n_pifs = 0;

      lagoon_record_get_set (r, LAGOON_NETWORK_PIFS, &n_pifs);
      if (n_pifs > 0)
        {
          pool->network = g_strdup (lagoon_record_get_opaque_ref (r));
          pool->network_uuid = g_strdup (lagoon_record_get_string (r, LAGOON_NETWORK_UUID));
        }
    }
  g_assert_cmpuint (hosts->len, >, 0);
  pool->host = g_strdup (lagoon_record_get_opaque_ref (g_ptr_array_index (hosts, 0)));
  g_assert_nonnull (pool->template_ref);
  g_assert_nonnull (pool->sr);
  g_assert_nonnull (pool->network);
}

static LagoonNewVmSpec *
spec_for (Pool       *pool,
          const char *name,
          gint64      disk_size)
{
  LagoonNewVmSpec *spec = lagoon_new_vm_spec_new ();
  LagoonNewVmDisk *disk = lagoon_new_vm_disk_new ();
  LagoonNewVmDisk *data = lagoon_new_vm_disk_new ();
  LagoonNewVmVif *vif = lagoon_new_vm_vif_new ();

  spec->template_ref = g_strdup (pool->template_ref);
  spec->template_uuid = g_strdup (pool->template_uuid);
  spec->name = g_strdup (name);
  spec->description = g_strdup ("made by test-new-vm-action");
  spec->memory_static_min = 512 * MiB;
  spec->memory_static_max = 1 * GiB;
  spec->memory_dynamic_min = 1 * GiB;
  spec->memory_dynamic_max = 1 * GiB;
  spec->vcpus_max = 2;
  spec->vcpus_at_startup = 2;
  spec->install = LAGOON_NEW_VM_INSTALL_CD;
  spec->provision = TRUE;
  disk->userdevice = g_strdup ("0");
  disk->size = 4 * GiB;
  disk->sr = g_strdup (pool->sr);
  disk->sr_uuid = g_strdup (pool->sr_uuid);
  disk->bootable = TRUE;
  g_ptr_array_add (spec->disks, disk);
  data->userdevice = g_strdup ("1");
  data->size = disk_size;
  data->sr = g_strdup (pool->sr);
  data->sr_uuid = g_strdup (pool->sr_uuid);
  data->type = g_strdup ("user");
  g_ptr_array_add (spec->disks, data);
  vif->device = g_strdup ("0");
  vif->network = g_strdup (pool->network);
  vif->network_uuid = g_strdup (pool->network_uuid);
  g_ptr_array_add (spec->vifs, vif);
  spec->affinity = g_strdup (pool->host);
  spec->start = TRUE;
  return spec;
}

static guint
count_all (LagoonConnection *conn,
           const char       *method)
{
  g_autoptr(GVariant) all = call_ok (conn, method, g_variant_new ("()"));

  return (guint) g_variant_n_children (all);
}

static void
test_create (void)
{
  const char *args[] = { "--generate", "2:4:7", "--speed", "0", NULL };
  g_autoptr(LagoonRigSim) sim = start_sim_or_skip (args);
  g_autoptr(LagoonConnection) conn = NULL;
  g_autoptr(LagoonAction) action = NULL;
  g_autoptr(LagoonNewVmSpec) spec = NULL;
  g_autoptr(GVariant) record = NULL;
  g_autofree char *power = NULL;
  g_autofree char *affinity = NULL;
  const char *vm;
  Pool pool = { 0 };
  guint disks = 0;

  if (sim == NULL)
    return;
  conn = connect_to (sim);
  find_pool (conn, &pool);
  spec = spec_for (&pool, "made-by-action", 2 * GiB);
  action = lagoon_new_vm_action_new (conn, spec);
  run_to_end (action);
  g_assert_no_error (lagoon_action_get_error (action));
  g_assert_cmpint (lagoon_action_get_state (action), ==, LAGOON_ACTION_SUCCEEDED);
  vm = lagoon_new_vm_action_get_vm (LAGOON_NEW_VM_ACTION (action));
  g_assert_nonnull (vm);
  g_assert_cmpstr (g_variant_get_string (lagoon_action_get_result (action), NULL), ==, vm);

  record = call_ok (conn, "VM.get_record", g_variant_new ("(s)", vm));
  {
    gboolean is_template = TRUE;

    g_assert_true (g_variant_lookup (record, "is_a_template", "b", &is_template));
    g_assert_false (is_template);
  }
  {
    g_autofree char *name = lookup_string (record, "name_label");
    g_autofree char *description = lookup_string (record, "name_description");

    g_assert_cmpstr (name, ==, "made-by-action");
    g_assert_cmpstr (description, ==, "made by test-new-vm-action");
  }
  g_assert_cmpint (lookup_int (record, "memory_static_max"), ==, 1 * GiB);
  g_assert_cmpint (lookup_int (record, "memory_dynamic_min"), ==, 1 * GiB);
  g_assert_cmpint (lookup_int (record, "VCPUs_max"), ==, 2);
  power = lookup_string (record, "power_state");
  g_assert_cmpstr (power, ==, "Running");
  affinity = lookup_string (record, "affinity");
  g_assert_cmpstr (affinity, ==, pool.host);

  /* Two disks on the chosen SR and a CD drive. */
  for (guint i = 0; i < array_length (record, "VBDs"); i++)
    {
      g_autofree char *vbd = array_item (record, "VBDs", i);
      g_autoptr(GVariant) vbd_record = call_ok (conn, "VBD.get_record", g_variant_new ("(s)", vbd));
      g_autofree char *type = lookup_string (vbd_record, "type");
      g_autofree char *vdi = lookup_string (vbd_record, "VDI");

      if (g_str_equal (type, "Disk"))
        {
          g_autoptr(GVariant) vdi_record = call_ok (conn, "VDI.get_record",
                                                    g_variant_new ("(s)", vdi));
          g_autofree char *sr = lookup_string (vdi_record, "SR");

          g_assert_cmpstr (sr, ==, pool.sr);
          disks++;
        }
    }
  g_assert_cmpuint (disks, ==, 2);
  g_assert_cmpuint (array_length (record, "VBDs"), ==, 3);

  /* One VIF, on the chosen network. */
  g_assert_cmpuint (array_length (record, "VIFs"), ==, 1);
  {
    g_autofree char *vif = array_item (record, "VIFs", 0);
    g_autoptr(GVariant) vif_record = call_ok (conn, "VIF.get_record", g_variant_new ("(s)", vif));
    g_autofree char *network = lookup_string (vif_record, "network");

    g_assert_cmpstr (network, ==, pool.network);
  }
  pool_clear (&pool);
}

static void
test_failure_cleans_up (void)
{
  const char *args[] = { "--generate", "2:4:7", "--speed", "0", NULL };
  g_autoptr(LagoonRigSim) sim = start_sim_or_skip (args);
  g_autoptr(LagoonConnection) conn = NULL;
  g_autoptr(LagoonAction) action = NULL;
  g_autoptr(LagoonNewVmSpec) spec = NULL;
  g_autoptr(GVariant) found = NULL;
  guint vms, vdis, vbds, vifs;
  const GError *error;
  Pool pool = { 0 };

  if (sim == NULL)
    return;
  conn = connect_to (sim);
  find_pool (conn, &pool);
  vms = count_all (conn, "VM.get_all");
  vdis = count_all (conn, "VDI.get_all");
  vbds = count_all (conn, "VBD.get_all");
  vifs = count_all (conn, "VIF.get_all");

  /* The second disk does not fit: the first may already exist when provision fails. */
  spec = spec_for (&pool, "never-kept", pool.sr_free + 1 * GiB);
  action = lagoon_new_vm_action_new (conn, spec);
  run_to_end (action);
  g_assert_cmpint (lagoon_action_get_state (action), ==, LAGOON_ACTION_FAILED);
  error = lagoon_action_get_error (action);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  /* A sentence for the Events pane: the cause (with its code) and what was undone. */
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "SR_FULL"));
  g_assert_nonnull (strstr (error->message, "removed again"));
  g_assert_null (lagoon_new_vm_action_get_vm (LAGOON_NEW_VM_ACTION (action)));

  g_assert_cmpuint (count_all (conn, "VM.get_all"), ==, vms);
  g_assert_cmpuint (count_all (conn, "VDI.get_all"), ==, vdis);
  g_assert_cmpuint (count_all (conn, "VBD.get_all"), ==, vbds);
  g_assert_cmpuint (count_all (conn, "VIF.get_all"), ==, vifs);
  found = call_ok (conn, "VM.get_by_name_label", g_variant_new ("(s)", "never-kept"));
  g_assert_cmpuint (g_variant_n_children (found), ==, 0);

  /* A template that does not exist: nothing to clean, the error is the server's. */
  g_clear_object (&action);
  g_free (spec->template_ref);
  spec->template_ref = g_strdup ("OpaqueRef:no-such-template");
  action = lagoon_new_vm_action_new (conn, spec);
  run_to_end (action);
  g_assert_cmpint (lagoon_action_get_state (action), ==, LAGOON_ACTION_FAILED);
  g_assert_cmpstr (lagoon_xenapi_error_get_code_string (lagoon_action_get_error (action)), ==,
                   "HANDLE_INVALID");
  g_assert_cmpuint (count_all (conn, "VM.get_all"), ==, vms);
  pool_clear (&pool);
}

static gboolean
cancel_when_created (gpointer data)
{
  LagoonAction *action = data;

  /* Cancel once the clone exists, so that there is something to clean up. */
  if (lagoon_new_vm_action_get_vm (LAGOON_NEW_VM_ACTION (action)) == NULL &&
      !lagoon_action_is_finished (action))
    return G_SOURCE_CONTINUE;
  lagoon_action_cancel (action);
  return G_SOURCE_REMOVE;
}

static void
test_cancel_cleans_up (void)
{
  /* --speed 10: each task takes about five seconds, time enough to cancel the provision. */
  const char *args[] = { "--generate", "2:4:7", "--speed", "10", NULL };
  g_autoptr(LagoonRigSim) sim = start_sim_or_skip (args);
  g_autoptr(LagoonConnection) conn = NULL;
  g_autoptr(LagoonAction) action = NULL;
  g_autoptr(LagoonNewVmSpec) spec = NULL;
  guint vms, vdis;
  Pool pool = { 0 };

  if (sim == NULL)
    return;
  conn = connect_to (sim);
  find_pool (conn, &pool);
  vms = count_all (conn, "VM.get_all");
  vdis = count_all (conn, "VDI.get_all");

  spec = spec_for (&pool, "cancelled-vm", 1 * GiB);
  action = lagoon_new_vm_action_new (conn, spec);
  g_timeout_add (50, cancel_when_created, action);
  run_to_end (action);
  g_test_message ("%s", lagoon_action_get_error (action) ? lagoon_action_get_error (action)->message
                                                          : "no error");
  g_assert_cmpint (lagoon_action_get_state (action), ==, LAGOON_ACTION_CANCELLED);
  g_assert_error (lagoon_action_get_error (action), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_nonnull (strstr (lagoon_action_get_error (action)->message, "removed again"));
  g_assert_cmpuint (count_all (conn, "VM.get_all"), ==, vms);
  g_assert_cmpuint (count_all (conn, "VDI.get_all"), ==, vdis);
  pool_clear (&pool);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lagoon/new-vm/expand-name", test_expand_name);
  g_test_add_func ("/lagoon/new-vm/disks-xml", test_disks_xml);
  g_test_add_func ("/lagoon/new-vm/xe", test_xe);
  g_test_add_func ("/lagoon/new-vm/create", test_create);
  g_test_add_func ("/lagoon/new-vm/failure-cleans-up", test_failure_cleans_up);
  g_test_add_func ("/lagoon/new-vm/cancel-cleans-up", test_cancel_cleans_up);
  return g_test_run ();
}
