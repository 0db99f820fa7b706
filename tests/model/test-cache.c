/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lagoon-cache.h"
#include "lagoon-dbdump.h"

/* ---- helpers ------------------------------------------------------------------------ */

/* A snapshot a{sv} from name/value pairs; values are floating GVariants (NULL-terminated). */
static GVariant *
snap (const char *first,
      ...)
{
  GVariantBuilder b;
  va_list ap;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  va_start (ap, first);
  for (const char *key = first; key != NULL; key = va_arg (ap, const char *))
    g_variant_builder_add (&b, "{sv}", key, va_arg (ap, GVariant *));
  va_end (ap);
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

#define S(x) g_variant_new_string (x)

static void
apply (LagoonCache  *cache,
       const char   *klass,
       LagoonCacheOp op,
       const char   *ref,
       GVariant     *snapshot /* owned */)
{
  lagoon_cache_apply (cache, klass, op, ref, snapshot);
  g_clear_pointer (&snapshot, g_variant_unref);
}

typedef struct
{
  guint     n_batches;
  GString  *log; /* "class:ref:kind;" of the last batch, sorted */
  gboolean  resync;
  gboolean  name_changed;   /* VM OpaqueRef:vm1 name_label changed in the last batch */
  gboolean  power_changed;  /* VM OpaqueRef:vm1 power_state changed */
} Recorder;

static void
record_change (LagoonClassId    class_id,
               const char      *ref,
               LagoonChangeKind kind,
               gpointer         user_data)
{
  GPtrArray *items = user_data;
  static const char *kinds[] = { "none", "added", "modified", "removed" };

  g_ptr_array_add (items, g_strdup_printf ("%s:%s:%s", lagoon_schema_classes[class_id].name,
                                           ref, kinds[kind]));
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

static void
on_batch (LagoonCache      *cache,
          LagoonCacheBatch *batch,
          Recorder         *rec)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);

  rec->n_batches++;
  lagoon_cache_batch_foreach (batch, -1, record_change, items);
  g_ptr_array_sort (items, compare_strings);
  g_string_truncate (rec->log, 0);
  for (guint i = 0; i < items->len; i++)
    {
      g_string_append (rec->log, g_ptr_array_index (items, i));
      g_string_append_c (rec->log, ';');
    }
  rec->resync = lagoon_cache_batch_is_resync (batch);
  rec->name_changed = lagoon_cache_batch_field_changed (batch, LAGOON_CLASS_VM, "OpaqueRef:vm1",
                                                        LAGOON_VM_NAME_LABEL);
  rec->power_changed = lagoon_cache_batch_field_changed (batch, LAGOON_CLASS_VM, "OpaqueRef:vm1",
                                                         LAGOON_VM_POWER_STATE);
  g_assert_cmpuint (lagoon_cache_batch_count (batch, LAGOON_CLASS_VM, LAGOON_CHANGE_NONE), ==,
                    lagoon_cache_batch_count (batch, LAGOON_CLASS_VM, LAGOON_CHANGE_ADDED) +
                    lagoon_cache_batch_count (batch, LAGOON_CLASS_VM, LAGOON_CHANGE_MODIFIED) +
                    lagoon_cache_batch_count (batch, LAGOON_CLASS_VM, LAGOON_CHANGE_REMOVED));
}

static Recorder *
recorder_new (LagoonCache *cache)
{
  Recorder *rec = g_new0 (Recorder, 1);

  rec->log = g_string_new (NULL);
  g_signal_connect (cache, "batch-applied", G_CALLBACK (on_batch), rec);
  return rec;
}

static void
recorder_free (Recorder *rec)
{
  g_string_free (rec->log, TRUE);
  g_free (rec);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Recorder, recorder_free)

/* ---- tests -------------------------------------------------------------------------- */

static void
test_apply_basic (void)
{
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  g_autoptr(Recorder) rec = recorder_new (cache);
  const LagoonRecord *vm;

  lagoon_cache_begin_batch (cache);
  apply (cache, "vm", LAGOON_CACHE_OP_ADD, "OpaqueRef:vm1",
         snap ("uuid", S ("u-vm1"), "name_label", S ("web1"), "power_state", S ("Halted"),
               "memory_static_max", S ("1073741824"), "VCPUs_max", S ("2"),
               "is_a_template", g_variant_new_boolean (FALSE),
               "tags", g_variant_new_strv ((const char *[]) { "prod", "web" }, 2),
               NULL));
  apply (cache, "host", LAGOON_CACHE_OP_ADD, "OpaqueRef:h1",
         snap ("uuid", S ("u-h1"), "name_label", S ("host1"), NULL));
  g_assert_cmpuint (rec->n_batches, ==, 0);
  lagoon_cache_end_batch (cache);

  g_assert_cmpuint (rec->n_batches, ==, 1);
  g_assert_cmpstr (rec->log->str, ==, "VM:OpaqueRef:vm1:added;host:OpaqueRef:h1:added;");
  g_assert_false (rec->resync);

  vm = lagoon_cache_lookup (cache, LAGOON_CLASS_VM, "OpaqueRef:vm1");
  g_assert_nonnull (vm);
  g_assert_true (lagoon_cache_lookup_uuid (cache, LAGOON_CLASS_VM, "u-vm1") == vm);
  g_assert_true (lagoon_cache_lookup_any (cache, "OpaqueRef:vm1") == vm);
  g_assert_cmpstr (lagoon_record_get_opaque_ref (vm), ==, "OpaqueRef:vm1");
  g_assert_cmpstr (lagoon_record_get_name (vm), ==, "web1");
  g_assert_cmpstr (lagoon_record_get_uuid (vm), ==, "u-vm1");
  g_assert_cmpint (lagoon_record_get_int (vm, LAGOON_VM_MEMORY_STATIC_MAX), ==, 1073741824);
  g_assert_cmpint (lagoon_record_get_int (vm, LAGOON_VM_VCPUS_MAX), ==, 2);
  g_assert_cmpstr (lagoon_record_get_enum_string (vm, LAGOON_VM_POWER_STATE), ==, "Halted");
  g_assert_cmpint (lagoon_record_get_enum (vm, LAGOON_VM_POWER_STATE), ==,
                   lagoon_schema_enum_index (lagoon_schema_find_enum ("vm_power_state"), "Halted"));
  g_assert_null (lagoon_record_get_ref (vm, LAGOON_VM_RESIDENT_ON));
  g_assert_true (lagoon_record_set_contains (vm, LAGOON_VM_TAGS, "web"));
  g_assert_false (lagoon_record_set_contains (vm, LAGOON_VM_TAGS, "db"));
  {
    guint n;
    const char *const *tags = lagoon_record_get_set (vm, LAGOON_VM_TAGS, &n);
    g_assert_cmpuint (n, ==, 2);
    g_assert_cmpstr (tags[0], ==, "prod");
    g_assert_cmpstr (tags[1], ==, "web");
    g_assert_null (tags[2]);
  }
  /* Defaults for what the snapshot did not carry. */
  g_assert_cmpstr (lagoon_record_get_string (vm, LAGOON_VM_NAME_DESCRIPTION), ==, "");
  g_assert_cmpuint (lagoon_cache_get_n_records (cache, LAGOON_CLASS_VM), ==, 1);
  g_assert_cmpuint (lagoon_cache_get_n_records (cache, LAGOON_CLASS_SR), ==, 0);

  /* Generic values in the canonical shapes. */
  {
    g_autoptr(GVariant) v = lagoon_record_get_value (vm, LAGOON_VM_MEMORY_STATIC_MAX);
    g_autoptr(GVariant) r = lagoon_record_get_value (vm, LAGOON_VM_RESIDENT_ON);
    g_autoptr(GVariant) t = lagoon_record_get_value (vm, LAGOON_VM_TAGS);
    g_autoptr(GVariant) st = lagoon_record_get_value (vm, LAGOON_VM_SNAPSHOT_TIME);
    g_autoptr(GVariant) all = lagoon_record_to_variant (vm);
    g_autoptr(GVariant) name = NULL;

    g_assert_true (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64));
    g_assert_cmpint (g_variant_get_int64 (v), ==, 1073741824);
    g_assert_cmpstr (g_variant_get_string (r, NULL), ==, LAGOON_NULL_REF);
    g_assert_true (g_variant_is_of_type (t, G_VARIANT_TYPE ("av")));
    g_assert_cmpuint (g_variant_n_children (t), ==, 2);
    g_assert_cmpstr (g_variant_get_string (st, NULL), ==, LAGOON_NULL_DATETIME);
    name = g_variant_lookup_value (all, "name_label", G_VARIANT_TYPE_STRING);
    g_assert_cmpstr (g_variant_get_string (name, NULL), ==, "web1");
  }

  /* A mod outside an explicit batch is its own batch; only changed fields are reported. */
  apply (cache, "VM", LAGOON_CACHE_OP_MOD, "OpaqueRef:vm1",
         snap ("uuid", S ("u-vm1"), "name_label", S ("web1-renamed"), "power_state", S ("Halted"),
               "memory_static_max", S ("1073741824"), "VCPUs_max", S ("2"),
               "tags", g_variant_new_strv ((const char *[]) { "prod", "web" }, 2), NULL));
  g_assert_cmpuint (rec->n_batches, ==, 2);
  g_assert_cmpstr (rec->log->str, ==, "VM:OpaqueRef:vm1:modified;");
  g_assert_true (rec->name_changed);
  g_assert_false (rec->power_changed);
  g_assert_true (lagoon_cache_lookup (cache, LAGOON_CLASS_VM, "OpaqueRef:vm1") == vm);
  g_assert_cmpstr (lagoon_record_get_name (vm), ==, "web1-renamed");

  /* The same snapshot again changes nothing: no batch. */
  apply (cache, "VM", LAGOON_CACHE_OP_MOD, "OpaqueRef:vm1",
         snap ("uuid", S ("u-vm1"), "name_label", S ("web1-renamed"), "power_state", S ("Halted"),
               "memory_static_max", S ("1073741824"), "VCPUs_max", S ("2"),
               "tags", g_variant_new_strv ((const char *[]) { "prod", "web" }, 2), NULL));
  g_assert_cmpuint (rec->n_batches, ==, 2);

  apply (cache, "VM", LAGOON_CACHE_OP_DEL, "OpaqueRef:vm1", NULL);
  g_assert_cmpuint (rec->n_batches, ==, 3);
  g_assert_cmpstr (rec->log->str, ==, "VM:OpaqueRef:vm1:removed;");
  g_assert_null (lagoon_cache_lookup (cache, LAGOON_CLASS_VM, "OpaqueRef:vm1"));
  g_assert_null (lagoon_cache_lookup_uuid (cache, LAGOON_CLASS_VM, "u-vm1"));

  /* Deleting what is not there is a no-op. */
  apply (cache, "VM", LAGOON_CACHE_OP_DEL, "OpaqueRef:nothing", NULL);
  g_assert_cmpuint (rec->n_batches, ==, 3);
}

static void
test_coalesce (void)
{
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  g_autoptr(Recorder) rec = recorder_new (cache);

  apply (cache, "VM", LAGOON_CACHE_OP_ADD, "OpaqueRef:old", snap ("name_label", S ("old"), NULL));
  apply (cache, "VM", LAGOON_CACHE_OP_ADD, "OpaqueRef:gone", snap ("name_label", S ("gone"), NULL));
  g_assert_cmpuint (rec->n_batches, ==, 2);

  lagoon_cache_begin_batch (cache);
  /* add then mod: added */
  apply (cache, "VM", LAGOON_CACHE_OP_ADD, "OpaqueRef:a", snap ("name_label", S ("a"), NULL));
  apply (cache, "VM", LAGOON_CACHE_OP_MOD, "OpaqueRef:a", snap ("name_label", S ("a2"), NULL));
  /* add then del: nothing */
  apply (cache, "VM", LAGOON_CACHE_OP_ADD, "OpaqueRef:b", snap ("name_label", S ("b"), NULL));
  apply (cache, "VM", LAGOON_CACHE_OP_DEL, "OpaqueRef:b", NULL);
  /* mod then del: removed */
  apply (cache, "VM", LAGOON_CACHE_OP_MOD, "OpaqueRef:gone", snap ("name_label", S ("g2"), NULL));
  apply (cache, "VM", LAGOON_CACHE_OP_DEL, "OpaqueRef:gone", NULL);
  /* mod, mod: one modified; del then add: modified */
  apply (cache, "VM", LAGOON_CACHE_OP_MOD, "OpaqueRef:old", snap ("name_label", S ("o2"), NULL));
  apply (cache, "VM", LAGOON_CACHE_OP_MOD, "OpaqueRef:old", snap ("name_label", S ("o3"), NULL));
  /* mod of an unknown object: added (as XenCenter does) */
  apply (cache, "sr", LAGOON_CACHE_OP_MOD, "OpaqueRef:sr", snap ("name_label", S ("sr"), NULL));
  /* ignored classes */
  g_assert_false (lagoon_cache_apply (cache, "session", LAGOON_CACHE_OP_ADD, "OpaqueRef:s",
                                      NULL));
  {
    g_autoptr(GVariant) s = snap ("name_label", S ("x"), NULL);
    g_assert_false (lagoon_cache_apply (cache, "user", LAGOON_CACHE_OP_ADD, "OpaqueRef:u", s));
    g_assert_false (lagoon_cache_apply (cache, "no_such_class", LAGOON_CACHE_OP_ADD,
                                        "OpaqueRef:n", s));
  }
  lagoon_cache_end_batch (cache);

  g_assert_cmpuint (rec->n_batches, ==, 3);
  g_assert_cmpstr (rec->log->str, ==,
                   "SR:OpaqueRef:sr:added;VM:OpaqueRef:a:added;VM:OpaqueRef:gone:removed;"
                   "VM:OpaqueRef:old:modified;");
  g_assert_cmpstr (lagoon_record_get_name (lagoon_cache_lookup (cache, LAGOON_CLASS_VM,
                                                                 "OpaqueRef:a")), ==, "a2");
  g_assert_cmpstr (lagoon_record_get_name (lagoon_cache_lookup (cache, LAGOON_CLASS_VM,
                                                                 "OpaqueRef:old")), ==, "o3");

  /* del then add within one batch: modified, every field counted as changed. */
  lagoon_cache_begin_batch (cache);
  apply (cache, "VM", LAGOON_CACHE_OP_DEL, "OpaqueRef:a", NULL);
  apply (cache, "VM", LAGOON_CACHE_OP_ADD, "OpaqueRef:a", snap ("name_label", S ("a3"), NULL));
  lagoon_cache_end_batch (cache);
  g_assert_cmpuint (rec->n_batches, ==, 4);
  g_assert_cmpstr (rec->log->str, ==, "VM:OpaqueRef:a:modified;");

  /* A batch that changes nothing emits nothing. */
  lagoon_cache_begin_batch (cache);
  apply (cache, "VM", LAGOON_CACHE_OP_ADD, "OpaqueRef:tmp", snap ("name_label", S ("t"), NULL));
  apply (cache, "VM", LAGOON_CACHE_OP_DEL, "OpaqueRef:tmp", NULL);
  lagoon_cache_end_batch (cache);
  g_assert_cmpuint (rec->n_batches, ==, 4);
}

static gboolean
referrers_contain (LagoonCache  *cache,
                   LagoonClassId class_id,
                   guint         field,
                   const char   *target,
                   const char   *ref,
                   guint        *n_out)
{
  guint n;
  const LagoonRecord *const *list = lagoon_cache_get_referrers (cache, class_id, field, target, &n);
  gboolean found = FALSE;

  for (guint i = 0; i < n; i++)
    if (g_str_equal (lagoon_record_get_opaque_ref (list[i]), ref))
      found = TRUE;
  if (n_out != NULL)
    *n_out = n;
  return found;
}

static void
test_indexes (void)
{
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  guint n;

  apply (cache, "VM", LAGOON_CACHE_OP_ADD, "OpaqueRef:vm1",
         snap ("power_state", S ("Running"), "resident_on", S ("OpaqueRef:h1"), NULL));
  apply (cache, "VM", LAGOON_CACHE_OP_ADD, "OpaqueRef:vm2",
         snap ("power_state", S ("Running"), "resident_on", S ("OpaqueRef:h1"), NULL));
  apply (cache, "VBD", LAGOON_CACHE_OP_ADD, "OpaqueRef:vbd1",
         snap ("VM", S ("OpaqueRef:vm1"), "VDI", S ("OpaqueRef:vdi1"), NULL));
  apply (cache, "PBD", LAGOON_CACHE_OP_ADD, "OpaqueRef:pbd1",
         snap ("SR", S ("OpaqueRef:sr1"), "host", S ("OpaqueRef:h1"), NULL));
  apply (cache, "message", LAGOON_CACHE_OP_ADD, "OpaqueRef:m1",
         snap ("obj_uuid", S ("u-vm1"), "name", S ("ALARM"), "priority", S ("3"), NULL));

  g_assert_true (referrers_contain (cache, LAGOON_CLASS_VM, LAGOON_VM_RESIDENT_ON,
                                    "OpaqueRef:h1", "OpaqueRef:vm1", &n));
  g_assert_cmpuint (n, ==, 2);
  g_assert_true (referrers_contain (cache, LAGOON_CLASS_VBD, LAGOON_VBD_VM, "OpaqueRef:vm1",
                                    "OpaqueRef:vbd1", &n));
  g_assert_cmpuint (n, ==, 1);
  g_assert_true (referrers_contain (cache, LAGOON_CLASS_PBD, LAGOON_PBD_SR, "OpaqueRef:sr1",
                                    "OpaqueRef:pbd1", NULL));
  g_assert_true (referrers_contain (cache, LAGOON_CLASS_PBD, LAGOON_PBD_HOST, "OpaqueRef:h1",
                                    "OpaqueRef:pbd1", NULL));
  g_assert_true (referrers_contain (cache, LAGOON_CLASS_MESSAGE, LAGOON_MESSAGE_OBJ_UUID,
                                    "u-vm1", "OpaqueRef:m1", NULL));

  /* vm1 migrates to h2: it moves in the index. */
  apply (cache, "VM", LAGOON_CACHE_OP_MOD, "OpaqueRef:vm1",
         snap ("power_state", S ("Running"), "resident_on", S ("OpaqueRef:h2"), NULL));
  g_assert_false (referrers_contain (cache, LAGOON_CLASS_VM, LAGOON_VM_RESIDENT_ON,
                                     "OpaqueRef:h1", "OpaqueRef:vm1", &n));
  g_assert_cmpuint (n, ==, 1);
  g_assert_true (referrers_contain (cache, LAGOON_CLASS_VM, LAGOON_VM_RESIDENT_ON,
                                    "OpaqueRef:h2", "OpaqueRef:vm1", &n));
  g_assert_cmpuint (n, ==, 1);

  /* Halting: resident_on NULL is not indexed. */
  apply (cache, "VM", LAGOON_CACHE_OP_MOD, "OpaqueRef:vm1",
         snap ("power_state", S ("Halted"), "resident_on", S (LAGOON_NULL_REF), NULL));
  g_assert_false (referrers_contain (cache, LAGOON_CLASS_VM, LAGOON_VM_RESIDENT_ON,
                                     "OpaqueRef:h2", "OpaqueRef:vm1", &n));
  g_assert_cmpuint (n, ==, 0);
  g_assert_null (lagoon_cache_get_referrers (cache, LAGOON_CLASS_VM, LAGOON_VM_RESIDENT_ON,
                                             LAGOON_NULL_REF, &n));

  /* Deleting removes from indexes. */
  apply (cache, "VM", LAGOON_CACHE_OP_DEL, "OpaqueRef:vm2", NULL);
  g_assert_false (referrers_contain (cache, LAGOON_CLASS_VM, LAGOON_VM_RESIDENT_ON,
                                     "OpaqueRef:h1", "OpaqueRef:vm2", &n));
  g_assert_cmpuint (n, ==, 0);

  /* An index added later covers existing records, on any ref or string field. */
  g_assert_false (lagoon_cache_has_index (cache, LAGOON_CLASS_PBD, LAGOON_PBD_UUID));
  apply (cache, "PBD", LAGOON_CACHE_OP_MOD, "OpaqueRef:pbd1",
         snap ("uuid", S ("u-pbd1"), "SR", S ("OpaqueRef:sr1"), "host", S ("OpaqueRef:h1"), NULL));
  lagoon_cache_add_index (cache, LAGOON_CLASS_PBD, LAGOON_PBD_UUID);
  g_assert_true (lagoon_cache_has_index (cache, LAGOON_CLASS_PBD, LAGOON_PBD_UUID));
  g_assert_true (referrers_contain (cache, LAGOON_CLASS_PBD, LAGOON_PBD_UUID, "u-pbd1",
                                    "OpaqueRef:pbd1", NULL));
}

static void
test_interning (void)
{
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  const LagoonRecord *a, *b;
  guint n_strings;

  apply (cache, "VM", LAGOON_CACHE_OP_ADD, "OpaqueRef:a",
         snap ("name_label", S ("same name"), "resident_on", S ("OpaqueRef:h1"),
               "other_config", g_variant_new_parsed ("{'folder': <'/x'>}"), NULL));
  apply (cache, "VM", LAGOON_CACHE_OP_ADD, "OpaqueRef:b",
         snap ("name_label", S ("same name"), "resident_on", S ("OpaqueRef:h1"),
               "other_config", g_variant_new_parsed ("{'folder': <'/x'>}"), NULL));
  a = lagoon_cache_lookup (cache, LAGOON_CLASS_VM, "OpaqueRef:a");
  b = lagoon_cache_lookup (cache, LAGOON_CLASS_VM, "OpaqueRef:b");
  g_assert_true (lagoon_record_get_name (a) == lagoon_record_get_name (b));
  g_assert_true (lagoon_record_get_ref (a, LAGOON_VM_RESIDENT_ON) ==
                 lagoon_record_get_ref (b, LAGOON_VM_RESIDENT_ON));
  g_assert_true (lagoon_record_map_lookup (a, LAGOON_VM_OTHER_CONFIG, "folder") ==
                 lagoon_record_map_lookup (b, LAGOON_VM_OTHER_CONFIG, "folder"));
  g_assert_cmpstr (lagoon_record_map_lookup (a, LAGOON_VM_OTHER_CONFIG, "folder"), ==, "/x");
  g_assert_null (lagoon_record_map_lookup (a, LAGOON_VM_OTHER_CONFIG, "nope"));

  /* Renaming many times does not grow the pool: old names are freed. */
  n_strings = lagoon_cache_get_n_strings (cache);
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *name = g_strdup_printf ("renamed %u", i);
      apply (cache, "VM", LAGOON_CACHE_OP_MOD, "OpaqueRef:a",
             snap ("name_label", S (name), "resident_on", S ("OpaqueRef:h1"),
                   "other_config", g_variant_new_parsed ("{'folder': <'/x'>}"), NULL));
    }
  g_assert_cmpuint (lagoon_cache_get_n_strings (cache), <=, n_strings + 1);
  g_assert_cmpstr (lagoon_record_get_name (a), ==, "renamed 999");
  g_assert_cmpstr (lagoon_record_get_name (b), ==, "same name");

  /* Removing everything releases every string but those the defaults hold. */
  lagoon_cache_clear (cache);
  g_assert_cmpuint (lagoon_cache_get_n_records (cache, LAGOON_CLASS_VM), ==, 0);
  g_assert_cmpuint (lagoon_cache_get_n_strings (cache), <, n_strings);
}

static void
test_coercion (void)
{
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  const LagoonRecord *vm, *host, *metrics;

  /* XML-RPC style: ints as strings, bools as 0/1 strings or booleans, nested variants,
   * maps as structs, an unknown field, and bad values. */
  apply (cache, "VM", LAGOON_CACHE_OP_ADD, "OpaqueRef:vm",
         snap ("name_label", g_variant_new_variant (S ("boxed")),
               "domid", S ("-1"),
               "is_a_template", S ("0"),
               "is_control_domain", g_variant_new_int32 (1),
               "VCPUs_at_startup", g_variant_new_int32 (4),
               "HVM_shadow_multiplier", S ("1.5"),
               "user_version", g_variant_new_double (3.0),
               "platform", g_variant_new_parsed ("{'acpi': <'1'>, 'vga': <'std'>}"),
               "VCPUs_params", g_variant_new_parsed ("@a{sv} {}"),
               "tags", g_variant_new_parsed ("@a{sv} {}"),
               "snapshot_time", S ("20250319T04:16:24Z"),
               "power_state", S ("Exploded"),      /* unknown enum value: kept */
               "memory_static_max", S ("lots"),    /* bad int: default */
               "VCPUs_max", g_variant_new_boolean (TRUE), /* wrong type: default */
               "affinity", g_variant_new_int64 (7),/* wrong type for a ref: default */
               "no_such_field", S ("ignored"),
               NULL));
  vm = lagoon_cache_lookup (cache, LAGOON_CLASS_VM, "OpaqueRef:vm");
  g_assert_nonnull (vm);
  g_assert_cmpstr (lagoon_record_get_name (vm), ==, "boxed");
  g_assert_cmpint (lagoon_record_get_int (vm, LAGOON_VM_DOMID), ==, -1);
  g_assert_false (lagoon_record_get_bool (vm, LAGOON_VM_IS_A_TEMPLATE));
  g_assert_true (lagoon_record_get_bool (vm, LAGOON_VM_IS_CONTROL_DOMAIN));
  g_assert_cmpint (lagoon_record_get_int (vm, LAGOON_VM_VCPUS_AT_STARTUP), ==, 4);
  g_assert_cmpfloat (lagoon_record_get_double (vm, LAGOON_VM_HVM_SHADOW_MULTIPLIER), ==, 1.5);
  g_assert_cmpint (lagoon_record_get_int (vm, LAGOON_VM_USER_VERSION), ==, 3);
  g_assert_cmpstr (lagoon_record_map_lookup (vm, LAGOON_VM_PLATFORM, "vga"), ==, "std");
  g_assert_cmpuint (g_strv_length ((char **) lagoon_record_get_set (vm, LAGOON_VM_TAGS, NULL)),
                    ==, 0);
  g_assert_cmpint (lagoon_record_get_datetime (vm, LAGOON_VM_SNAPSHOT_TIME), ==, 1742357784);
  g_assert_cmpstr (lagoon_record_get_enum_string (vm, LAGOON_VM_POWER_STATE), ==, "Exploded");
  g_assert_cmpint (lagoon_record_get_enum (vm, LAGOON_VM_POWER_STATE), ==, -1);
  g_assert_cmpint (lagoon_record_get_int (vm, LAGOON_VM_MEMORY_STATIC_MAX), ==, 0);
  g_assert_cmpint (lagoon_record_get_int (vm, LAGOON_VM_VCPUS_MAX), ==, 0);
  g_assert_null (lagoon_record_get_ref (vm, LAGOON_VM_AFFINITY));
  {
    g_autoptr(GVariant) t = lagoon_record_get_value (vm, LAGOON_VM_SNAPSHOT_TIME);
    g_assert_cmpstr (g_variant_get_string (t, NULL), ==, "20250319T04:16:24Z");
  }

  /* Typed maps that are not string to string keep their canonical GVariant. */
  apply (cache, "VM_metrics", LAGOON_CACHE_OP_ADD, "OpaqueRef:m",
         snap ("VCPUs_CPU", g_variant_new_parsed ("{'0': <'3'>, '1': <'2'>}"),
               "VCPUs_number", S ("2"), NULL));
  metrics = lagoon_cache_lookup (cache, LAGOON_CLASS_VM_METRICS, "OpaqueRef:m");
  g_assert_nonnull (metrics);
  {
    g_autoptr(GVariant) cpus = lagoon_record_get_value (metrics, LAGOON_VM_METRICS_VCPUS_CPU);
    g_autoptr(GVariant) zero = g_variant_lookup_value (cpus, "0", NULL);
    g_assert_nonnull (zero);
    g_assert_true (g_variant_is_of_type (zero, G_VARIANT_TYPE_INT64));
    g_assert_cmpint (g_variant_get_int64 (zero), ==, 3);
  }

  /* A snapshot that is not a struct at all is refused, not a crash. */
  {
    g_autoptr(GVariant) bad = g_variant_ref_sink (S ("not a record"));
    g_assert_false (lagoon_cache_apply (cache, "host", LAGOON_CACHE_OP_ADD, "OpaqueRef:h", bad));
    g_assert_false (lagoon_cache_apply (cache, "host", LAGOON_CACHE_OP_ADD, "OpaqueRef:h", NULL));
    g_assert_false (lagoon_cache_apply (cache, "host", LAGOON_CACHE_OP_ADD, "", bad));
  }
  apply (cache, "host", LAGOON_CACHE_OP_ADD, "OpaqueRef:h",
         snap ("name_label", g_variant_new_int64 (42), "enabled", S ("true"),
               "software_version", g_variant_new_parsed ("{'build': <int64 17>}"),
               "capabilities", g_variant_new_parsed ("[<'a'>, <int64 2>]"), NULL));
  host = lagoon_cache_lookup (cache, LAGOON_CLASS_HOST, "OpaqueRef:h");
  g_assert_nonnull (host);
  g_assert_cmpstr (lagoon_record_get_name (host), ==, "42");
  g_assert_true (lagoon_record_get_bool (host, LAGOON_HOST_ENABLED));
  g_assert_cmpstr (lagoon_record_map_lookup (host, LAGOON_HOST_SOFTWARE_VERSION, "build"), ==,
                   "17");
  g_assert_true (lagoon_record_set_contains (host, LAGOON_HOST_CAPABILITIES, "2"));

  /* Canonical rows (apply_fields), with a missing value defaulted. */
  {
    const LagoonSchemaClass *klass = lagoon_schema_find_class ("network");
    g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
    const LagoonRecord *net;

    for (guint f = 0; f < klass->n_fields; f++)
      g_ptr_array_add (fields, lagoon_schema_field_default (&klass->fields[f]));
    g_variant_unref (fields->pdata[LAGOON_NETWORK_NAME_LABEL]);
    fields->pdata[LAGOON_NETWORK_NAME_LABEL] = g_variant_ref_sink (S ("net0"));
    g_variant_unref (fields->pdata[LAGOON_NETWORK_MTU]);
    fields->pdata[LAGOON_NETWORK_MTU] = NULL;
    lagoon_cache_apply_fields (cache, klass, "OpaqueRef:n", (GVariant *const *) fields->pdata);
    fields->pdata[LAGOON_NETWORK_MTU] = g_variant_ref_sink (g_variant_new_int64 (1500));
    net = lagoon_cache_lookup (cache, LAGOON_CLASS_NETWORK, "OpaqueRef:n");
    g_assert_cmpstr (lagoon_record_get_name (net), ==, "net0");
    g_assert_cmpint (lagoon_record_get_int (net, LAGOON_NETWORK_MTU), ==, 1500);
  }
}

static void
test_rows (void)
{
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  g_autoptr(Recorder) rec = recorder_new (cache);
  LagoonCacheRow *row;
  const LagoonRecord *vm;
  int f;

  g_assert_null (lagoon_cache_row_begin (cache, "session", "OpaqueRef:s"));
  g_assert_null (lagoon_cache_row_begin (cache, "nonsense", "OpaqueRef:s"));

  row = lagoon_cache_row_begin (cache, "vm", "OpaqueRef:vm1");
  g_assert_nonnull (row);
  g_assert_true (lagoon_cache_row_get_class (row) == lagoon_schema_find_class ("VM"));
  g_assert_cmpint (lagoon_cache_row_find_field (row, "no_such_field"), ==, -1);
  f = lagoon_cache_row_find_field (row, "name_label");
  g_assert_true (lagoon_cache_row_set_text (row, f, "streamed"));
  g_assert_true (lagoon_cache_row_set_text (row, LAGOON_VM_MEMORY_STATIC_MAX, "4294967296"));
  g_assert_false (lagoon_cache_row_set_text (row, LAGOON_VM_VCPUS_MAX, "many"));
  g_assert_true (lagoon_cache_row_set_text (row, LAGOON_VM_IS_A_TEMPLATE, "1"));
  g_assert_true (lagoon_cache_row_set_text (row, LAGOON_VM_RESIDENT_ON, LAGOON_NULL_REF));
  g_assert_true (lagoon_cache_row_set_text (row, LAGOON_VM_AFFINITY, "OpaqueRef:h1"));
  g_assert_true (lagoon_cache_row_set_text (row, LAGOON_VM_SNAPSHOT_TIME, "20250319T04:16:24Z"));
  g_assert_true (lagoon_cache_row_add_item (row, LAGOON_VM_TAGS, "a"));
  g_assert_true (lagoon_cache_row_add_item (row, LAGOON_VM_TAGS, "b"));
  g_assert_false (lagoon_cache_row_add_item (row, LAGOON_VM_OTHER_CONFIG, "not a set"));
  g_assert_true (lagoon_cache_row_add_pair (row, LAGOON_VM_OTHER_CONFIG, "folder", "/f"));
  {
    g_autoptr(GVariant) platform = g_variant_ref_sink (g_variant_new_parsed ("{'vga': <'std'>}"));
    g_assert_true (lagoon_cache_row_set_value (row, LAGOON_VM_PLATFORM, platform));
  }
  g_assert_cmpuint (rec->n_batches, ==, 0);
  lagoon_cache_row_commit (row);
  g_assert_cmpuint (rec->n_batches, ==, 1);
  g_assert_cmpstr (rec->log->str, ==, "VM:OpaqueRef:vm1:added;");

  vm = lagoon_cache_lookup (cache, LAGOON_CLASS_VM, "OpaqueRef:vm1");
  g_assert_cmpstr (lagoon_record_get_name (vm), ==, "streamed");
  g_assert_cmpint (lagoon_record_get_int (vm, LAGOON_VM_MEMORY_STATIC_MAX), ==, 4294967296);
  g_assert_cmpint (lagoon_record_get_int (vm, LAGOON_VM_VCPUS_MAX), ==, 0);
  g_assert_true (lagoon_record_get_bool (vm, LAGOON_VM_IS_A_TEMPLATE));
  g_assert_null (lagoon_record_get_ref (vm, LAGOON_VM_RESIDENT_ON));
  g_assert_cmpstr (lagoon_record_get_ref (vm, LAGOON_VM_AFFINITY), ==, "OpaqueRef:h1");
  g_assert_cmpint (lagoon_record_get_datetime (vm, LAGOON_VM_SNAPSHOT_TIME), ==, 1742357784);
  g_assert_true (lagoon_record_set_contains (vm, LAGOON_VM_TAGS, "b"));
  g_assert_cmpstr (lagoon_record_map_lookup (vm, LAGOON_VM_OTHER_CONFIG, "folder"), ==, "/f");
  g_assert_cmpstr (lagoon_record_map_lookup (vm, LAGOON_VM_PLATFORM, "vga"), ==, "std");

  /* A row that only renames is a mod of that field; aborting leaves no trace. */
  row = lagoon_cache_row_begin (cache, "VM", "OpaqueRef:vm1");
  lagoon_cache_row_set_text (row, LAGOON_VM_NAME_LABEL, "never");
  lagoon_cache_row_add_item (row, LAGOON_VM_TAGS, "never");
  lagoon_cache_row_abort (row);
  g_assert_cmpuint (rec->n_batches, ==, 1);
  g_assert_cmpstr (lagoon_record_get_name (vm), ==, "streamed");

  row = lagoon_cache_row_begin (cache, "VM", "OpaqueRef:vm2");
  lagoon_cache_row_set_text (row, LAGOON_VM_NAME_LABEL, "second");
  lagoon_cache_row_commit (row);
  g_assert_cmpuint (rec->n_batches, ==, 2);
  g_assert_cmpuint (lagoon_cache_get_n_records (cache, LAGOON_CLASS_VM), ==, 2);
  g_assert_cmpuint (g_strv_length ((char **) lagoon_record_get_set (
                      lagoon_cache_lookup (cache, LAGOON_CLASS_VM, "OpaqueRef:vm2"),
                      LAGOON_VM_TAGS, NULL)), ==, 0);
}

/* Serialised snapshots (what the streaming XML-RPC parser hands over) read as tree-form ones. */
static GVariant *
flatten (GVariant *v)
{
  g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (v);

  return g_variant_ref_sink (g_variant_new_from_bytes (g_variant_get_type (v), bytes, FALSE));
}

static void
test_serialised (void)
{
  g_autoptr(LagoonCache) tree_cache = lagoon_cache_new ();
  g_autoptr(LagoonCache) flat_cache = lagoon_cache_new ();
  g_autoptr(GVariant) snapshot =
    snap ("uuid", S ("u1"), "name_label", S ("flat"), "power_state", S ("Running"),
          "resident_on", S ("OpaqueRef:h1"), "domid", g_variant_new_int64 (7),
          "VCPUs_max", S ("4"), "is_a_template", g_variant_new_boolean (FALSE),
          "HVM_shadow_multiplier", g_variant_new_double (2.0),
          "user_version", g_variant_new_int32 (3),
          "tags", g_variant_new_parsed ("[<'a'>, <'b'>, <'c'>]"),
          "other_config", g_variant_new_parsed ("{'folder': <'/x'>, 'k': <'v'>}"),
          "platform", g_variant_new_parsed ("@a{ss} {'vga': 'std'}"),
          "blocked_operations", g_variant_new_parsed ("@av []"),
          "VCPUs_params", g_variant_new_parsed ("@a{sv} {}"),
          "xenstore_data", g_variant_new_parsed ("{'n': <int64 5>}"),
          "snapshot_time", S ("20250319T04:16:24Z"),
          "no_such_field", g_variant_new_parsed ("[<'x'>]"),
          "memory_static_max", S ("bad"),
          NULL);
  g_autoptr(GVariant) flat = flatten (snapshot);
  g_autoptr(GVariant) metrics = snap ("VCPUs_CPU", g_variant_new_parsed ("{'0': <'3'>}"),
                                      "VCPUs_utilisation", g_variant_new_parsed ("{'0': <0.5>}"),
                                      NULL);
  g_autoptr(GVariant) flat_metrics = flatten (metrics);
  const LagoonRecord *a, *b;

  lagoon_cache_apply (tree_cache, "VM", LAGOON_CACHE_OP_ADD, "OpaqueRef:vm", snapshot);
  lagoon_cache_apply (flat_cache, "VM", LAGOON_CACHE_OP_ADD, "OpaqueRef:vm", flat);
  lagoon_cache_apply (tree_cache, "VM_metrics", LAGOON_CACHE_OP_ADD, "OpaqueRef:m", metrics);
  lagoon_cache_apply (flat_cache, "VM_metrics", LAGOON_CACHE_OP_ADD, "OpaqueRef:m", flat_metrics);

  a = lagoon_cache_lookup (tree_cache, LAGOON_CLASS_VM, "OpaqueRef:vm");
  b = lagoon_cache_lookup (flat_cache, LAGOON_CLASS_VM, "OpaqueRef:vm");
  {
    g_autoptr(GVariant) va = lagoon_record_to_variant (a);
    g_autoptr(GVariant) vb = lagoon_record_to_variant (b);
    g_assert_true (g_variant_equal (va, vb));
  }
  g_assert_cmpstr (lagoon_record_get_name (b), ==, "flat");
  g_assert_cmpint (lagoon_record_get_int (b, LAGOON_VM_DOMID), ==, 7);
  g_assert_cmpint (lagoon_record_get_int (b, LAGOON_VM_VCPUS_MAX), ==, 4);
  g_assert_cmpint (lagoon_record_get_int (b, LAGOON_VM_USER_VERSION), ==, 3);
  g_assert_cmpfloat (lagoon_record_get_double (b, LAGOON_VM_HVM_SHADOW_MULTIPLIER), ==, 2.0);
  g_assert_true (lagoon_record_set_contains (b, LAGOON_VM_TAGS, "c"));
  g_assert_cmpstr (lagoon_record_map_lookup (b, LAGOON_VM_OTHER_CONFIG, "k"), ==, "v");
  g_assert_cmpstr (lagoon_record_map_lookup (b, LAGOON_VM_PLATFORM, "vga"), ==, "std");
  g_assert_cmpstr (lagoon_record_map_lookup (b, LAGOON_VM_XENSTORE_DATA, "n"), ==, "5");
  g_assert_cmpint (lagoon_record_get_datetime (b, LAGOON_VM_SNAPSHOT_TIME), ==, 1742357784);
  {
    g_autoptr(GVariant) va = lagoon_record_to_variant (
      lagoon_cache_lookup (tree_cache, LAGOON_CLASS_VM_METRICS, "OpaqueRef:m"));
    g_autoptr(GVariant) vb = lagoon_record_to_variant (
      lagoon_cache_lookup (flat_cache, LAGOON_CLASS_VM_METRICS, "OpaqueRef:m"));
    g_assert_true (g_variant_equal (va, vb));
  }

  /* Damaged bytes: whatever comes out, nothing crashes (and valgrind stays quiet). */
  {
    g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (flat);
    gsize size = g_bytes_get_size (bytes);
    GRand *rand = g_rand_new_with_seed (42);

    for (guint round = 0; round < 2000; round++)
      {
        guint8 *copy = g_memdup2 (g_bytes_get_data (bytes, NULL), size);
        gsize cut = round % 3 == 0 ? (gsize) g_rand_int_range (rand, 0, (gint32) size) : size;
        g_autoptr(GBytes) damaged = NULL;
        g_autoptr(GVariant) v = NULL;

        for (guint k = 0; k < 1 + round % 4; k++)
          copy[g_rand_int_range (rand, 0, (gint32) size)] =
            (guint8) g_rand_int_range (rand, 0, 256);
        damaged = g_bytes_new_take (copy, cut);
        v = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, damaged, FALSE));
        lagoon_cache_apply (flat_cache, "VM", LAGOON_CACHE_OP_MOD, "OpaqueRef:vm", v);
      }
    g_rand_free (rand);
    g_assert_nonnull (lagoon_cache_lookup (flat_cache, LAGOON_CLASS_VM, "OpaqueRef:vm"));
  }
}

static void
test_resync (void)
{
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  g_autoptr(Recorder) rec = recorder_new (cache);
  const LagoonRecord *keep, *change;

  lagoon_cache_begin_batch (cache);
  apply (cache, "VM", LAGOON_CACHE_OP_ADD, "OpaqueRef:keep", snap ("name_label", S ("k"), NULL));
  apply (cache, "VM", LAGOON_CACHE_OP_ADD, "OpaqueRef:change", snap ("name_label", S ("c"), NULL));
  apply (cache, "VM", LAGOON_CACHE_OP_ADD, "OpaqueRef:vanish", snap ("name_label", S ("v"), NULL));
  apply (cache, "SR", LAGOON_CACHE_OP_ADD, "OpaqueRef:sr", snap ("name_label", S ("s"), NULL));
  lagoon_cache_end_batch (cache);
  keep = lagoon_cache_lookup (cache, LAGOON_CLASS_VM, "OpaqueRef:keep");
  change = lagoon_cache_lookup (cache, LAGOON_CLASS_VM, "OpaqueRef:change");

  lagoon_cache_begin_resync (cache);
  apply (cache, "VM", LAGOON_CACHE_OP_ADD, "OpaqueRef:keep", snap ("name_label", S ("k"), NULL));
  apply (cache, "VM", LAGOON_CACHE_OP_ADD, "OpaqueRef:change", snap ("name_label", S ("c2"), NULL));
  apply (cache, "VM", LAGOON_CACHE_OP_ADD, "OpaqueRef:new", snap ("name_label", S ("n"), NULL));
  lagoon_cache_end_resync (cache);

  g_assert_cmpuint (rec->n_batches, ==, 2);
  g_assert_true (rec->resync);
  g_assert_cmpstr (rec->log->str, ==,
                   "SR:OpaqueRef:sr:removed;VM:OpaqueRef:change:modified;VM:OpaqueRef:new:added;"
                   "VM:OpaqueRef:vanish:removed;");
  /* Survivors keep their records. */
  g_assert_true (lagoon_cache_lookup (cache, LAGOON_CLASS_VM, "OpaqueRef:keep") == keep);
  g_assert_true (lagoon_cache_lookup (cache, LAGOON_CLASS_VM, "OpaqueRef:change") == change);
  g_assert_cmpstr (lagoon_record_get_name (change), ==, "c2");
  g_assert_null (lagoon_cache_lookup (cache, LAGOON_CLASS_VM, "OpaqueRef:vanish"));
  g_assert_cmpuint (lagoon_cache_get_n_records (cache, LAGOON_CLASS_VM), ==, 3);

  lagoon_cache_clear (cache);
  g_assert_cmpuint (rec->n_batches, ==, 3);
  g_assert_cmpuint (lagoon_cache_get_n_records (cache, LAGOON_CLASS_VM), ==, 0);
}

/* ---- dumps ---------------------------------------------------------------------------- */

typedef struct
{
  GHashTable *refs[LAGOON_N_CLASSES];
} RowCounts;

static gboolean
count_row (const LagoonSchemaClass *klass,
           const char              *ref,
           GVariant *const         *fields,
           gpointer                 user_data,
           GError                 **error)
{
  RowCounts *counts = user_data;

  if (counts->refs[klass->id] == NULL)
    counts->refs[klass->id] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add (counts->refs[klass->id], g_strdup (ref));
  return TRUE;
}

static void
check_dump (const char *path)
{
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  g_autoptr(GError) error = NULL;
  RowCounts counts = { { NULL, } };
  LagoonDbdumpStats stats;
  guint total = 0;

  g_test_message ("dump %s", path);
  g_assert_true (lagoon_dbdump_read_file (path, count_row, &counts, &stats, &error));
  g_assert_no_error (error);
  g_assert_true (lagoon_cache_load_dump (cache, path, &error));
  g_assert_no_error (error);

  for (guint c = 0; c < LAGOON_N_CLASSES; c++)
    {
      guint expected = counts.refs[c] != NULL ? g_hash_table_size (counts.refs[c]) : 0;

      if (c == LAGOON_CLASS_SESSION || c == LAGOON_CLASS_EVENT || c == LAGOON_CLASS_USER ||
          c == LAGOON_CLASS_SECRET)
        expected = 0;
      g_assert_cmpuint (lagoon_cache_get_n_records (cache, c), ==, expected);
      total += expected;
      if (counts.refs[c] != NULL)
        g_hash_table_unref (counts.refs[c]);
    }
  g_assert_cmpuint (total, >, 0);

  /* Reloading the same dump is a resync that changes nothing. */
  {
    guint n_vms = lagoon_cache_get_n_records (cache, LAGOON_CLASS_VM);
    g_assert_true (lagoon_cache_load_dump (cache, path, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (lagoon_cache_get_n_records (cache, LAGOON_CLASS_VM), ==, n_vms);
  }
}

static void
check_dump_dir (const char *dir,
                gboolean    xml_only)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    if (!xml_only || g_str_has_suffix (name, ".xml"))
      g_ptr_array_add (names, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    if (g_file_test (g_ptr_array_index (names, i), G_FILE_TEST_IS_REGULAR))
      check_dump (g_ptr_array_index (names, i));
}

static void
test_dump_shared (void)
{
  const char *shared = g_getenv ("LAGOON_SHARED_DIR");
  g_autofree char *dir = NULL;

  if (shared == NULL || !g_file_test (shared, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("fixtures not found: ../shared is absent (a user's clone)");
      return;
    }
  dir = g_build_filename (shared, "fixtures", "xapi-db", NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("fixtures/xapi-db not found: ../shared is absent (a user's clone)");
      return;
    }
  check_dump_dir (dir, FALSE);
}

static void
test_dump_repo (void)
{
  g_autofree char *dir = g_build_filename (LAGOON_SOURCEDIR, "tests", "fixtures", NULL);

  check_dump_dir (dir, TRUE);
}

static void
test_dump_errors (void)
{
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GBytes) garbage = g_bytes_new_static ("<html>nope", 10);
  int fd;

  g_assert_false (lagoon_cache_load_dump (cache, "/nonexistent/state.db", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  fd = g_file_open_tmp ("lagoon-cache-XXXXXX.xml", &path, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, "this is not a database", -1, &error));
  close (fd);
  g_assert_false (lagoon_cache_load_dump (cache, path, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_unlink (path);

  g_assert_false (lagoon_cache_load_dump_bytes (cache, garbage, &error));
  g_assert_nonnull (error);
}

/* ---- measurements (printed, not asserted) ---------------------------------------------- */

static gsize
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmRSS:");
  return line != NULL ? (gsize) g_ascii_strtoull (line + 6, NULL, 10) : 0;
}

typedef struct
{
  int         field; /* -1: begin a row (a = class, b = ref) */
  const char *a;     /* text, set item or map key */
  const char *b;     /* NULL: text; "": set item; else map value */
} StreamOp;

/* Thread CPU time in microseconds: steadier than wall time on a busy machine. */
static gint64
cpu_time (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* A VM record shaped like xapi's (every field present, XML-RPC style strings). */
static GVariant *
big_vm_snapshot (guint       i,
                 const char *power,
                 const char *host)
{
  const LagoonSchemaClass *klass = lagoon_schema_find_class ("VM");
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  for (guint f = 0; f < klass->n_fields; f++)
    {
      const LagoonSchemaField *field = &klass->fields[f];
      g_autoptr(GVariant) def = lagoon_schema_field_default (field);
      g_autofree char *seed = g_strdup_printf ("%08x-seed", i);
      GVariant *value;
      gboolean floating;

      switch (f)
        {
        case LAGOON_VM_UUID:
          value = g_variant_new_take_string (g_strdup_printf ("%08x-0000-4000-8000-%012x", i, i));
          break;
        case LAGOON_VM_NAME_LABEL:
          value = g_variant_new_take_string (g_strdup_printf ("vm-%u", i));
          break;
        case LAGOON_VM_POWER_STATE:
          value = S (power);
          break;
        case LAGOON_VM_RESIDENT_ON:
          value = S (host);
          break;
        case LAGOON_VM_MEMORY_STATIC_MAX:
        case LAGOON_VM_MEMORY_DYNAMIC_MAX:
          value = S ("2147483648");
          break;
        case LAGOON_VM_OTHER_CONFIG:
          value = g_variant_new_parsed ("{'base_template_name': <'Debian Bookworm 12'>, "
                                        "'import_task': <'OpaqueRef:NULL'>, "
                                        "'mac_seed': <%s>, 'install-methods': <'cdrom,nfs,http'>}",
                                        seed);
          break;
        case LAGOON_VM_ALLOWED_OPERATIONS:
          value = g_variant_new_parsed ("['changing_dynamic_range', 'migrate_send', "
                                        "'pool_migrate', 'suspend', 'hard_reboot', "
                                        "'hard_shutdown', 'clean_reboot', 'clean_shutdown', "
                                        "'pause', 'checkpoint', 'snapshot']");
          break;
        case LAGOON_VM_PLATFORM:
          value = g_variant_new_parsed ("{'acpi': <'1'>, 'apic': <'true'>, 'pae': <'true'>, "
                                        "'nx': <'true'>, 'viridian': <'false'>, "
                                        "'device-model': <'qemu-upstream-compat'>}");
          break;
        default:
          /* Everything else as the default, ints and floats as XML-RPC strings. */
          if (g_variant_is_of_type (def, G_VARIANT_TYPE_INT64))
            value = g_variant_new_take_string (g_strdup_printf ("%" G_GINT64_FORMAT,
                                                                g_variant_get_int64 (def)));
          else
            value = g_variant_ref (def);
          break;
        }
      floating = g_variant_is_floating (value);
      g_variant_builder_add (&b, "{sv}", field->name, value);
      if (!floating)
        g_variant_unref (value);
    }
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

static void
test_measure (void)
{
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  g_autoptr(GPtrArray) mods = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  gsize rss_before = rss_kib ();
  gint64 t0, t1, t2, c2, mod_wall, mod_cpu;
  const guint n_hosts = 64, n_vms = 5000;

  t0 = g_get_monotonic_time ();
  lagoon_cache_begin_batch (cache);
  for (guint h = 0; h < n_hosts; h++)
    {
      g_autofree char *ref = g_strdup_printf ("OpaqueRef:host-%u", h);
      g_autofree char *name = g_strdup_printf ("host-%u", h);
      apply (cache, "host", LAGOON_CACHE_OP_ADD, ref, snap ("name_label", S (name), NULL));
    }
  for (guint i = 0; i < n_vms; i++)
    {
      g_autofree char *ref = g_strdup_printf ("OpaqueRef:vm-%u", i);
      g_autofree char *host = g_strdup_printf ("OpaqueRef:host-%u", i % n_hosts);
      apply (cache, "VM", LAGOON_CACHE_OP_ADD, ref, big_vm_snapshot (i, "Running", host));
      for (guint d = 0; d < 2; d++)
        {
          g_autofree char *vbd = g_strdup_printf ("OpaqueRef:vbd-%u-%u", i, d);
          g_autofree char *vdi = g_strdup_printf ("OpaqueRef:vdi-%u-%u", i, d);
          g_autofree char *vif = g_strdup_printf ("OpaqueRef:vif-%u-%u", i, d);
          g_autofree char *dev = g_strdup_printf ("%u", d);
          apply (cache, "VBD", LAGOON_CACHE_OP_ADD, vbd,
                 snap ("VM", S (ref), "VDI", S (vdi), "userdevice", S (dev), NULL));
          apply (cache, "VDI", LAGOON_CACHE_OP_ADD, vdi,
                 snap ("SR", S ("OpaqueRef:sr-shared"), "name_label", S ("disk"),
                       "virtual_size", S ("10737418240"), NULL));
          apply (cache, "VIF", LAGOON_CACHE_OP_ADD, vif,
                 snap ("VM", S (ref), "network", S ("OpaqueRef:net0"), "device", S (dev), NULL));
        }
    }
  lagoon_cache_end_batch (cache);
  t1 = g_get_monotonic_time ();

  for (guint i = 0; i < 1000; i++)
    g_ptr_array_add (mods, big_vm_snapshot (i, "Halted", LAGOON_NULL_REF));
  t2 = g_get_monotonic_time ();
  c2 = cpu_time ();
  lagoon_cache_begin_batch (cache);
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *ref = g_strdup_printf ("OpaqueRef:vm-%u", i);
      lagoon_cache_apply (cache, "VM", LAGOON_CACHE_OP_MOD, ref, g_ptr_array_index (mods, i));
    }
  lagoon_cache_end_batch (cache);
  mod_wall = g_get_monotonic_time () - t2;
  mod_cpu = cpu_time () - c2;

  /* The same 1000 changes streamed field by field (as an expat reader would), from text. */
  {
    g_autoptr(GStringChunk) chunk = g_string_chunk_new (1 << 16);
    g_autoptr(GArray) ops = g_array_new (FALSE, FALSE, sizeof (StreamOp));
    gint64 t3, c3;

    for (guint i = 0; i < 1000; i++)
      {
        g_autofree char *ref = g_strdup_printf ("OpaqueRef:vm-%u", i);
        g_autofree char *host = g_strdup_printf ("OpaqueRef:host-%u", (i + 1) % n_hosts);
        /* Running again, elsewhere: the records change as much as the first time. */
        g_autoptr(GVariant) snapshot = big_vm_snapshot (i, "Running", host);
        const LagoonSchemaClass *klass = lagoon_schema_find_class ("VM");
        GVariantIter iter;
        const char *key;
        GVariant *value;
        StreamOp begin = { -1, NULL, NULL };

        begin.a = g_string_chunk_insert (chunk, "VM");
        begin.b = g_string_chunk_insert_const (chunk, ref);
        g_array_append_val (ops, begin);
        g_variant_iter_init (&iter, snapshot);
        while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
          {
            int f = lagoon_schema_find_field (klass, key);
            StreamOp op = { f, NULL, NULL };

            if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
              {
                op.a = g_string_chunk_insert_const (chunk, g_variant_get_string (value, NULL));
                g_array_append_val (ops, op);
              }
            else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
              {
                op.a = g_variant_get_boolean (value) ? "1" : "0";
                g_array_append_val (ops, op);
              }
            else if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
              {
                char buf[G_ASCII_DTOSTR_BUF_SIZE];
                op.a = g_string_chunk_insert_const (chunk, g_ascii_dtostr (buf, sizeof buf,
                                                              g_variant_get_double (value)));
                g_array_append_val (ops, op);
              }
            else if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT))
              {
                GVariantIter mi;
                const char *k;
                GVariant *v;

                g_variant_iter_init (&mi, value);
                while (g_variant_iter_next (&mi, "{&sv}", &k, &v))
                  {
                    const char *text = g_variant_get_string (v, NULL);
                    StreamOp pair = { f, g_string_chunk_insert_const (chunk, k),
                                      g_string_chunk_insert_const (chunk, text) };
                    g_array_append_val (ops, pair);
                    g_variant_unref (v);
                  }
              }
            else if (g_variant_is_container (value))
              {
                for (gsize c = 0; c < g_variant_n_children (value); c++)
                  {
                    g_autoptr(GVariant) child = g_variant_get_child_value (value, c);
                    g_autoptr(GVariant) item = g_variant_is_of_type (child, G_VARIANT_TYPE_VARIANT)
                                                 ? g_variant_get_variant (child)
                                                 : g_variant_ref (child);
                    const char *text = g_variant_get_string (item, NULL);
                    StreamOp add = { f, g_string_chunk_insert_const (chunk, text), "" };
                    g_array_append_val (ops, add);
                  }
              }
            g_variant_unref (value);
          }
      }

    t3 = g_get_monotonic_time ();
    c3 = cpu_time ();
    lagoon_cache_begin_batch (cache);
    {
      LagoonCacheRow *row = NULL;

      for (guint o = 0; o < ops->len; o++)
        {
          StreamOp *op = &g_array_index (ops, StreamOp, o);

          if (op->field < 0)
            {
              if (row != NULL)
                lagoon_cache_row_commit (row);
              row = lagoon_cache_row_begin (cache, op->a, op->b);
            }
          else if (op->b == NULL)
            lagoon_cache_row_set_text (row, op->field, op->a);
          else if (*op->b == '\0')
            lagoon_cache_row_add_item (row, op->field, op->a);
          else
            lagoon_cache_row_add_pair (row, op->field, op->a, op->b);
        }
      if (row != NULL)
        lagoon_cache_row_commit (row);
    }
    lagoon_cache_end_batch (cache);
    g_test_message ("the same 1000 VM records streamed as rows from text: %.1f ms (%.1f ms of CPU)",
                    (g_get_monotonic_time () - t3) / 1000.0, (cpu_time () - c3) / 1000.0);
  }

  g_test_message ("64 hosts, 5000 VMs (+10000 VBDs, VDIs, VIFs): loaded in %.0f ms; "
                  "RSS %zu KiB -> %zu KiB; %u interned strings, %zu KiB",
                  (t1 - t0) / 1000.0, rss_before, rss_kib (),
                  lagoon_cache_get_n_strings (cache), lagoon_cache_get_string_bytes (cache) / 1024);
  g_test_message ("1000 VM mod events (GVariant snapshots) applied in one batch: %.1f ms "
                  "(%.1f ms of CPU)", mod_wall / 1000.0, mod_cpu / 1000.0);
  g_assert_cmpuint (lagoon_cache_get_n_records (cache, LAGOON_CLASS_VM), ==, n_vms);
  g_assert_cmpuint (lagoon_cache_get_n_records (cache, LAGOON_CLASS_VBD), ==, 2 * n_vms);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lagoon/cache/apply-basic", test_apply_basic);
  g_test_add_func ("/lagoon/cache/coalesce", test_coalesce);
  g_test_add_func ("/lagoon/cache/indexes", test_indexes);
  g_test_add_func ("/lagoon/cache/interning", test_interning);
  g_test_add_func ("/lagoon/cache/coercion", test_coercion);
  g_test_add_func ("/lagoon/cache/rows", test_rows);
  g_test_add_func ("/lagoon/cache/serialised", test_serialised);
  g_test_add_func ("/lagoon/cache/resync", test_resync);
  g_test_add_func ("/lagoon/cache/dump-shared", test_dump_shared);
  g_test_add_func ("/lagoon/cache/dump-repo", test_dump_repo);
  g_test_add_func ("/lagoon/cache/dump-errors", test_dump_errors);
  g_test_add_func ("/lagoon/cache/measure", test_measure);

  return g_test_run ();
}
