/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lagoon-dbdump.h"
#include "../xapi-sim/sim-generate.h"

typedef struct
{
  const LagoonSchemaClass *klass;
  char                    *ref;
  GVariant               **fields;
} Row;

typedef struct
{
  GPtrArray  *rows;   /* Row * */
  GHashTable *by_ref; /* ref -> Row * */
} Db;

static void
row_free (gpointer data)
{
  Row *row = data;

  for (guint f = 0; f < row->klass->n_fields; f++)
    g_variant_unref (row->fields[f]);
  g_free (row->fields);
  g_free (row->ref);
  g_free (row);
}

static Db *
db_new (void)
{
  Db *db = g_new0 (Db, 1);

  db->rows = g_ptr_array_new_with_free_func (row_free);
  db->by_ref = g_hash_table_new (g_str_hash, g_str_equal);
  return db;
}

static void
db_free (Db *db)
{
  g_hash_table_unref (db->by_ref);
  g_ptr_array_unref (db->rows);
  g_free (db);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Db, db_free)

static gboolean
collect_row (const LagoonSchemaClass *klass,
             const char              *ref,
             GVariant *const         *fields,
             gpointer                 user_data,
             GError                 **error)
{
  Db *db = user_data;
  Row *row = g_new0 (Row, 1);

  row->klass = klass;
  row->ref = g_strdup (ref);
  row->fields = g_new0 (GVariant *, klass->n_fields);
  for (guint f = 0; f < klass->n_fields; f++)
    {
      g_assert_nonnull (fields[f]);
      if (!g_variant_is_of_type (fields[f], lagoon_type_variant_type (klass->fields[f].type)))
        g_error ("%s.%s has type %s", klass->name, klass->fields[f].name,
                 g_variant_get_type_string (fields[f]));
      row->fields[f] = g_variant_ref (fields[f]);
    }
  if (!g_hash_table_insert (db->by_ref, row->ref, row))
    g_error ("duplicate ref %s", ref);
  g_ptr_array_add (db->rows, row);
  return TRUE;
}

static Db *
generate (guint   hosts,
          guint   vms,
          guint64 seed)
{
  SimGenerateOptions options = { hosts, vms, seed };
  g_autoptr(GError) error = NULL;
  Db *db = db_new ();

  g_assert_true (sim_generate (&options, collect_row, db, &error));
  g_assert_no_error (error);
  return db;
}

static GBytes *
write_db (Db *db)
{
  g_autoptr(LagoonDbdumpWriter) writer = lagoon_dbdump_writer_new (1);

  for (guint i = 0; i < db->rows->len; i++)
    {
      Row *row = db->rows->pdata[i];
      lagoon_dbdump_writer_add_row (writer, row->klass, row->ref, (GVariant * const *) row->fields);
    }
  return lagoon_dbdump_writer_finish (writer);
}

static GVariant *
get (Row        *row,
     const char *field)
{
  int idx = lagoon_schema_find_field (row->klass, field);

  g_assert_cmpint (idx, >=, 0);
  return row->fields[idx];
}

static const char *
get_str (Row        *row,
         const char *field)
{
  return g_variant_get_string (get (row, field), NULL);
}

static gint64
get_int (Row        *row,
         const char *field)
{
  return g_variant_get_int64 (get (row, field));
}

static gboolean
get_bool (Row        *row,
          const char *field)
{
  return g_variant_get_boolean (get (row, field));
}

static char *
map_lookup (Row        *row,
            const char *field,
            const char *key)
{
  g_autoptr(GVariant) v = g_variant_lookup_value (get (row, field), key, G_VARIANT_TYPE_STRING);

  return v ? g_variant_dup_string (v, NULL) : NULL;
}

/* The refs in a ref set, or in a single ref (empty when NULL). */
static GPtrArray *
refs_of (Row        *row,
         const char *field)
{
  GVariant *v = get (row, field);
  GPtrArray *refs = g_ptr_array_new_with_free_func (g_free);

  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    {
      if (!g_str_equal (g_variant_get_string (v, NULL), LAGOON_NULL_REF))
        g_ptr_array_add (refs, g_variant_dup_string (v, NULL));
    }
  else
    {
      for (gsize i = 0; i < g_variant_n_children (v); i++)
        {
          g_autoptr(GVariant) item = g_variant_get_child_value (v, i);
          g_autoptr(GVariant) inner = g_variant_get_variant (item);
          g_ptr_array_add (refs, g_variant_dup_string (inner, NULL));
        }
    }
  return refs;
}

static gboolean
is_guest (Row *row)
{
  return row->klass->id == LAGOON_CLASS_VM && !get_bool (row, "is_a_template") &&
         !get_bool (row, "is_a_snapshot") && !get_bool (row, "is_control_domain");
}

static guint
count_class (Db         *db,
             const char *klass)
{
  guint n = 0;

  for (guint i = 0; i < db->rows->len; i++)
    if (g_str_equal (((Row *) db->rows->pdata[i])->klass->name, klass))
      n++;
  return n;
}

/* ---- the consistency checker ----------------------------------------------------- */

static void
check_ref (Db               *db,
           Row              *row,
           const char       *field,
           const LagoonType *type,
           const char       *ref)
{
  Row *target;

  if (g_str_equal (ref, LAGOON_NULL_REF))
    return;
  target = g_hash_table_lookup (db->by_ref, ref);
  if (target == NULL)
    g_error ("%s %s: %s points at %s, which does not exist", row->klass->name, row->ref, field,
             ref);
  if (type->class_name != NULL && !g_str_equal (target->klass->name, type->class_name))
    g_error ("%s %s: %s points at a %s, not a %s", row->klass->name, row->ref, field,
             target->klass->name, type->class_name);
}

static void
check_value (Db               *db,
             Row              *row,
             const char       *field,
             const LagoonType *type,
             GVariant         *value)
{
  switch (type->kind)
    {
    case LAGOON_TYPE_REF:
      check_ref (db, row, field, type, g_variant_get_string (value, NULL));
      break;
    case LAGOON_TYPE_ENUM:
      if (lagoon_schema_enum_index (type->enum_type, g_variant_get_string (value, NULL)) < 0)
        g_error ("%s %s: %s = %s is not a %s", row->klass->name, row->ref, field,
                 g_variant_get_string (value, NULL), type->enum_type->name);
      break;
    case LAGOON_TYPE_SET:
      for (gsize i = 0; i < g_variant_n_children (value); i++)
        {
          g_autoptr(GVariant) item = g_variant_get_child_value (value, i);
          g_autoptr(GVariant) inner = g_variant_get_variant (item);
          check_value (db, row, field, type->value, inner);
        }
      break;
    case LAGOON_TYPE_MAP:
      for (gsize i = 0; i < g_variant_n_children (value); i++)
        {
          g_autoptr(GVariant) entry = g_variant_get_child_value (value, i);
          g_autoptr(GVariant) key = g_variant_get_child_value (entry, 0);
          g_autoptr(GVariant) boxed = g_variant_get_child_value (entry, 1);
          g_autoptr(GVariant) inner = g_variant_get_variant (boxed);
          if (type->key->kind == LAGOON_TYPE_REF || type->key->kind == LAGOON_TYPE_ENUM)
            check_value (db, row, field, type->key, key);
          check_value (db, row, field, type->value, inner);
        }
      break;
    default:
      break;
    }
}

/* Set fields and the reference field that must point back. */
static const struct
{
  const char *set_class, *set_field, *ref_class, *ref_field;
} pairs[] = {
  { "VM", "VBDs", "VBD", "VM" },
  { "VM", "VIFs", "VIF", "VM" },
  { "VM", "consoles", "console", "VM" },
  { "VDI", "VBDs", "VBD", "VDI" },
  { "SR", "VDIs", "VDI", "SR" },
  { "SR", "PBDs", "PBD", "SR" },
  { "host", "PBDs", "PBD", "host" },
  { "host", "PIFs", "PIF", "host" },
  { "network", "PIFs", "PIF", "network" },
  { "network", "VIFs", "VIF", "network" },
  { "host", "resident_VMs", "VM", "resident_on" },
  { "host", "host_CPUs", "host_cpu", "host" },
  { "VM", "snapshots", "VM", "snapshot_of" },
  { "VDI", "snapshots", "VDI", "snapshot_of" },
  { "VM_appliance", "VMs", "VM", "appliance" },
  { "VM", "children", "VM", "parent" },
  { "PIF", "VLAN_slave_of", "VLAN", "tagged_PIF" },
  { "PIF", "VLAN_master_of", "VLAN", "untagged_PIF" },
};

static void
check_consistency (Db *db)
{
  g_autoptr(GHashTable) uuids = g_hash_table_new (g_str_hash, g_str_equal);

  /* every reference resolves to a row of the right class; every enum value is known */
  for (guint i = 0; i < db->rows->len; i++)
    {
      Row *row = db->rows->pdata[i];
      int uuid_idx = lagoon_schema_find_field (row->klass, "uuid");

      for (guint f = 0; f < row->klass->n_fields; f++)
        check_value (db, row, row->klass->fields[f].name, row->klass->fields[f].type,
                     row->fields[f]);
      if (uuid_idx >= 0)
        {
          const char *uuid = g_variant_get_string (row->fields[uuid_idx], NULL);
          g_assert_true (g_uuid_string_is_valid (uuid));
          if (!g_hash_table_insert (uuids, (gpointer) uuid, row))
            g_error ("duplicate uuid %s", uuid);
        }
    }

  /* both sides of every relation agree */
  for (guint p = 0; p < G_N_ELEMENTS (pairs); p++)
    for (guint i = 0; i < db->rows->len; i++)
      {
        Row *row = db->rows->pdata[i];

        if (g_str_equal (row->klass->name, pairs[p].set_class))
          {
            g_autoptr(GPtrArray) refs = refs_of (row, pairs[p].set_field);
            for (guint r = 0; r < refs->len; r++)
              {
                Row *target = g_hash_table_lookup (db->by_ref, refs->pdata[r]);
                g_assert_nonnull (target);
                g_assert_cmpstr (target->klass->name, ==, pairs[p].ref_class);
                if (!g_str_equal (get_str (target, pairs[p].ref_field), row->ref))
                  g_error ("%s.%s lists %s whose %s is %s", pairs[p].set_class,
                           pairs[p].set_field, target->ref, pairs[p].ref_field,
                           get_str (target, pairs[p].ref_field));
              }
          }
        if (g_str_equal (row->klass->name, pairs[p].ref_class))
          {
            const char *back = get_str (row, pairs[p].ref_field);
            Row *owner;
            g_autoptr(GPtrArray) refs = NULL;

            if (g_str_equal (back, LAGOON_NULL_REF))
              continue;
            owner = g_hash_table_lookup (db->by_ref, back);
            g_assert_nonnull (owner);
            g_assert_cmpstr (owner->klass->name, ==, pairs[p].set_class);
            refs = refs_of (owner, pairs[p].set_field);
            if (!g_ptr_array_find_with_equal_func (refs, row->ref, g_str_equal, NULL))
              g_error ("%s %s has %s = %s, which does not list it in %s", pairs[p].ref_class,
                       row->ref, pairs[p].ref_field, back, pairs[p].set_field);
          }
      }

  /* messages name objects of their class */
  for (guint i = 0; i < db->rows->len; i++)
    {
      Row *row = db->rows->pdata[i];
      Row *target;
      const char *cls;

      if (row->klass->id != LAGOON_CLASS_MESSAGE)
        continue;
      target = g_hash_table_lookup (uuids, get_str (row, "obj_uuid"));
      g_assert_nonnull (target);
      cls = get_str (row, "cls");
      g_assert_true (g_ascii_strcasecmp (cls, target->klass->name) == 0);
      g_assert_cmpint (get_int (row, "priority"), >=, 1);
      g_assert_cmpint (get_int (row, "priority"), <=, 5);
    }
}

/* Power states and what goes with them. */
static void
check_vm_semantics (Db *db)
{
  for (guint i = 0; i < db->rows->len; i++)
    {
      Row *vm = db->rows->pdata[i];
      const char *state;
      gboolean live;
      g_autoptr(GPtrArray) vbds = NULL;
      g_autoptr(GPtrArray) consoles = NULL;

      if (vm->klass->id != LAGOON_CLASS_VM)
        continue;
      state = get_str (vm, "power_state");
      live = g_str_equal (state, "Running") || g_str_equal (state, "Paused");
      g_assert_true (live == !g_str_equal (get_str (vm, "resident_on"), LAGOON_NULL_REF));
      if (get_bool (vm, "is_control_domain"))
        {
          g_assert_cmpint (get_int (vm, "domid"), ==, 0);
          continue;
        }
      if (live)
        g_assert_cmpint (get_int (vm, "domid"), >=, 1);
      else
        g_assert_cmpint (get_int (vm, "domid"), ==, -1);
      g_assert_cmpint (get_int (vm, "memory_static_min"), <=, get_int (vm, "memory_dynamic_min"));
      g_assert_cmpint (get_int (vm, "memory_dynamic_min"), <=, get_int (vm, "memory_dynamic_max"));
      g_assert_cmpint (get_int (vm, "memory_dynamic_max"), <=, get_int (vm, "memory_static_max"));
      g_assert_cmpint (get_int (vm, "VCPUs_at_startup"), <=, get_int (vm, "VCPUs_max"));
      if (get_bool (vm, "is_a_snapshot"))
        g_assert_true (get_bool (vm, "is_a_template"));
      g_assert_true (g_str_equal (state, "Suspended") ==
                     !g_str_equal (get_str (vm, "suspend_VDI"), LAGOON_NULL_REF));

      {
        /* the operations xapi would allow in this state */
        g_autoptr(GPtrArray) ops = NULL;
        GVariant *v = get (vm, "allowed_operations");
        gboolean has_start = FALSE, has_shutdown = FALSE;

        for (gsize o = 0; o < g_variant_n_children (v); o++)
          {
            g_autoptr(GVariant) item = g_variant_get_child_value (v, o);
            g_autoptr(GVariant) inner = g_variant_get_variant (item);
            const char *op = g_variant_get_string (inner, NULL);
            has_start |= g_str_equal (op, "start");
            has_shutdown |= g_str_equal (op, "clean_shutdown");
          }
        g_assert_true (has_start == (g_str_equal (state, "Halted") &&
                                     !get_bool (vm, "is_a_template")));
        g_assert_true (has_shutdown == g_str_equal (state, "Running"));
      }

      vbds = refs_of (vm, "VBDs");
      for (guint b = 0; b < vbds->len; b++)
        {
          Row *vbd = g_hash_table_lookup (db->by_ref, vbds->pdata[b]);
          g_assert_true (get_bool (vbd, "currently_attached") == live);
          g_assert_true (get_bool (vbd, "empty") ==
                         g_str_equal (get_str (vbd, "VDI"), LAGOON_NULL_REF));
        }
      consoles = refs_of (vm, "consoles");
      g_assert_true ((consoles->len > 0) == live);
      for (guint c = 0; c < consoles->len; c++)
        {
          Row *console = g_hash_table_lookup (db->by_ref, consoles->pdata[c]);
          Row *host = g_hash_table_lookup (db->by_ref, get_str (vm, "resident_on"));
          g_autofree char *expected = g_strdup_printf ("http://%s/console?uuid=%s",
                                                       get_str (host, "address"),
                                                       get_str (console, "uuid"));
          g_assert_cmpstr (get_str (console, "location"), ==, expected);
        }
    }

  /* SR totals add up, hosts are not overcommitted */
  for (guint i = 0; i < db->rows->len; i++)
    {
      Row *row = db->rows->pdata[i];

      if (row->klass->id == LAGOON_CLASS_SR)
        {
          g_autoptr(GPtrArray) vdis = refs_of (row, "VDIs");
          gint64 virt = 0, phys = 0;

          for (guint v = 0; v < vdis->len; v++)
            {
              Row *vdi = g_hash_table_lookup (db->by_ref, vdis->pdata[v]);
              virt += get_int (vdi, "virtual_size");
              phys += get_int (vdi, "physical_utilisation");
            }
          g_assert_cmpint (get_int (row, "virtual_allocation"), ==, virt);
          g_assert_cmpint (get_int (row, "physical_utilisation"), ==, phys);
          g_assert_cmpint (get_int (row, "physical_size"), >=, phys);
        }
      else if (row->klass->id == LAGOON_CLASS_HOST)
        {
          Row *metrics = g_hash_table_lookup (db->by_ref, get_str (row, "metrics"));
          g_autoptr(GPtrArray) resident = refs_of (row, "resident_VMs");
          gint64 used = get_int (row, "memory_overhead");

          for (guint v = 0; v < resident->len; v++)
            {
              Row *vm = g_hash_table_lookup (db->by_ref, resident->pdata[v]);
              Row *vm_metrics = g_hash_table_lookup (db->by_ref, get_str (vm, "metrics"));
              used += get_int (vm_metrics, "memory_actual") + get_int (vm, "memory_overhead");
            }
          g_assert_cmpint (used, <=, get_int (metrics, "memory_total"));
          g_assert_true (get_bool (metrics, "live"));
        }
    }
}

static void
check_pool (Db   *db,
            guint hosts,
            guint vms)
{
  guint guests = 0, running = 0, dom0s = 0, default_templates = 0, custom_templates = 0;
  guint snapshots = 0, tools_isos = 0;
  Row *pool = NULL;

  for (guint i = 0; i < db->rows->len; i++)
    {
      Row *row = db->rows->pdata[i];

      if (row->klass->id == LAGOON_CLASS_POOL)
        {
          g_assert_null (pool);
          pool = row;
        }
      else if (row->klass->id == LAGOON_CLASS_VM)
        {
          if (is_guest (row))
            {
              guests++;
              if (g_str_equal (get_str (row, "power_state"), "Running"))
                running++;
            }
          else if (get_bool (row, "is_control_domain"))
            dom0s++;
          else if (get_bool (row, "is_a_snapshot"))
            snapshots++;
          else if (get_bool (row, "is_default_template"))
            {
              g_autofree char *flag = map_lookup (row, "other_config", "default_template");
              g_autofree char *disks = map_lookup (row, "other_config", "disks");
              g_autofree char *methods = map_lookup (row, "other_config", "install-methods");
              g_assert_cmpstr (flag, ==, "true");
              g_assert_true (g_str_has_prefix (disks, "<provision><disk "));
              g_assert_nonnull (methods);
              default_templates++;
            }
          else
            custom_templates++;
        }
      else if (row->klass->id == LAGOON_CLASS_VDI && get_bool (row, "is_tools_iso"))
        tools_isos++;
    }

  g_assert_nonnull (pool);
  g_assert_cmpuint (count_class (db, "host"), ==, hosts);
  g_assert_cmpuint (guests, ==, vms);
  g_assert_cmpuint (dom0s, ==, hosts);
  g_assert_cmpuint (default_templates, >=, 12);
  g_assert_cmpuint (custom_templates, >=, 1);
  g_assert_cmpuint (tools_isos, ==, 1);
  g_assert_cmpuint (count_class (db, "host_metrics"), ==, hosts);
  g_assert_cmpuint (count_class (db, "message"), >, 0);
  if (hosts > 1)
    g_assert_cmpstr (get_str (pool, "name_label"), !=, "");
  else
    g_assert_cmpstr (get_str (pool, "name_label"), ==, "");
  g_assert_nonnull (g_hash_table_lookup (db->by_ref, get_str (pool, "master")));
  {
    Row *sr = g_hash_table_lookup (db->by_ref, get_str (pool, "default_SR"));
    g_autoptr(GPtrArray) pbds = NULL;

    g_assert_nonnull (sr);
    g_assert_true (get_bool (sr, "shared"));
    pbds = refs_of (sr, "PBDs");
    g_assert_cmpuint (pbds->len, ==, hosts);
  }
  if (vms >= 3)
    {
      g_assert_cmpuint (snapshots, >=, 1);
      g_assert_cmpuint (count_class (db, "VM_appliance"), >=, 1);
      g_assert_cmpuint (count_class (db, "VM_appliance"), <=, 8);
    }
  if (vms >= 100)
    {
      /* about seven in ten guests run */
      g_assert_cmpuint (running, >=, vms / 2);
      g_assert_cmpuint (running, <=, vms * 9 / 10);
    }
}

/* ---- tests ----------------------------------------------------------------------- */

static void
test_determinism (void)
{
  g_autoptr(Db) a = generate (3, 40, 7);
  g_autoptr(Db) b = generate (3, 40, 7);
  g_autoptr(Db) c = generate (3, 40, 8);
  g_autoptr(GBytes) wa = write_db (a);
  g_autoptr(GBytes) wb = write_db (b);
  g_autoptr(GBytes) wc = write_db (c);

  g_assert_cmpuint (a->rows->len, ==, b->rows->len);
  for (guint i = 0; i < a->rows->len; i++)
    {
      Row *ra = a->rows->pdata[i];
      Row *rb = b->rows->pdata[i];
      g_assert_true (ra->klass == rb->klass);
      g_assert_cmpstr (ra->ref, ==, rb->ref);
      for (guint f = 0; f < ra->klass->n_fields; f++)
        g_assert_true (g_variant_equal (ra->fields[f], rb->fields[f]));
    }
  g_assert_true (g_bytes_equal (wa, wb));
  g_assert_false (g_bytes_equal (wa, wc));
  g_assert_cmpstr (((Row *) a->rows->pdata[0])->ref, !=, ((Row *) c->rows->pdata[0])->ref);
}

static void
test_counts (void)
{
  static const guint sizes[][2] = { { 1, 0 }, { 1, 1 }, { 1, 5 }, { 2, 8 }, { 3, 40 }, { 5, 300 } };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr(Db) db = generate (sizes[s][0], sizes[s][1], 1 + s);

      g_test_message ("%u hosts, %u VMs: %u rows", sizes[s][0], sizes[s][1], db->rows->len);
      check_pool (db, sizes[s][0], sizes[s][1]);
    }
}

static void
test_consistency (void)
{
  static const guint sizes[][2] = { { 1, 0 }, { 1, 5 }, { 2, 8 }, { 4, 200 } };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr(Db) db = generate (sizes[s][0], sizes[s][1], 11 + s);

      check_consistency (db);
      check_vm_semantics (db);
    }
}

static void
test_roundtrip (void)
{
  g_autoptr(Db) db = generate (2, 30, 3);
  g_autoptr(Db) again = db_new ();
  g_autoptr(GBytes) bytes = write_db (db);
  g_autoptr(GError) error = NULL;
  LagoonDbdumpStats stats;

  g_assert_true (lagoon_dbdump_read_bytes (bytes, collect_row, again, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.rows, ==, db->rows->len);
  g_assert_cmpuint (stats.defaulted_fields, ==, 0);
  g_assert_cmpuint (stats.bad_values, ==, 0);
  g_assert_cmpuint (stats.unknown_columns, ==, 0);
  for (guint i = 0; i < db->rows->len; i++)
    {
      Row *row = db->rows->pdata[i];
      Row *other = g_hash_table_lookup (again->by_ref, row->ref);

      g_assert_nonnull (other);
      g_assert_true (other->klass == row->klass);
      for (guint f = 0; f < row->klass->n_fields; f++)
        if (!g_variant_equal (row->fields[f], other->fields[f]))
          g_error ("%s.%s differs after a round trip", row->klass->name,
                   row->klass->fields[f].name);
    }
  check_consistency (again);
}

static void
test_bad_options (void)
{
  SimGenerateOptions options = { 0, 5, 1 };
  SimGenerateOptions parsed;
  g_autoptr(GError) error = NULL;
  g_autoptr(Db) db = db_new ();

  g_assert_false (sim_generate (&options, collect_row, db, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_true (sim_generate_parse_spec ("64:5000", &parsed, NULL));
  g_assert_cmpuint (parsed.hosts, ==, 64);
  g_assert_cmpuint (parsed.vms, ==, 5000);
  g_assert_cmpuint (parsed.seed, ==, 1);
  g_assert_true (sim_generate_parse_spec ("2:8:42", &parsed, NULL));
  g_assert_cmpuint (parsed.seed, ==, 42);
  g_assert_false (sim_generate_parse_spec ("2", &parsed, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (sim_generate_parse_spec ("0:8", &parsed, NULL));
  g_assert_false (sim_generate_parse_spec ("a:b", &parsed, NULL));
  g_assert_false (sim_generate_parse_spec ("2:-1", &parsed, NULL));
  g_assert_false (sim_generate_parse_spec ("2:8:1:1", &parsed, NULL));
}

static gboolean
count_only (const LagoonSchemaClass *klass,
            const char              *ref,
            GVariant *const         *fields,
            gpointer                 user_data,
            GError                 **error)
{
  LagoonDbdumpWriter *writer = user_data;

  if (writer != NULL)
    lagoon_dbdump_writer_add_row (writer, klass, ref, fields);
  return TRUE;
}

/* The size the simulator demos and benchmarks use: timed, not asserted on. */
static void
test_scale (void)
{
  SimGenerateOptions options = { 64, 5000, 1 };
  g_autoptr(LagoonDbdumpWriter) writer = lagoon_dbdump_writer_new (1);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  LagoonDbdumpStats stats;
  gint64 t0, t1, t2, t3;
  gsize size;

  t0 = g_get_monotonic_time ();
  g_assert_true (sim_generate (&options, count_only, NULL, &error));
  t1 = g_get_monotonic_time ();
  g_assert_true (sim_generate (&options, count_only, writer, &error));
  bytes = lagoon_dbdump_writer_finish (writer);
  t2 = g_get_monotonic_time ();
  g_assert_true (lagoon_dbdump_read_bytes (bytes, count_only, NULL, &stats, &error));
  g_assert_no_error (error);
  t3 = g_get_monotonic_time ();
  size = g_bytes_get_size (bytes);

  g_test_message ("64:5000: generate %.2f s; generate+write %.2f s (%.1f MB); read %u rows "
                  "%.2f s (%.0f MB/s)", (t1 - t0) / 1e6, (t2 - t1) / 1e6, size / 1e6, stats.rows,
                  (t3 - t2) / 1e6, size / 1e6 / ((t3 - t2) / 1e6));
}

/* test-generate --write HOSTS:VMS[:SEED] PATH writes a generated pool as a dump (used to
 * make tests/fixtures/pool-*.xml). */
static int
write_fixture (const char *spec,
               const char *path)
{
  SimGenerateOptions options;
  g_autoptr(LagoonDbdumpWriter) writer = lagoon_dbdump_writer_new (1);
  g_autoptr(GError) error = NULL;

  if (!sim_generate_parse_spec (spec, &options, &error) ||
      !sim_generate (&options, count_only, writer, &error) ||
      !lagoon_dbdump_writer_save (writer, path, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 4 && g_str_equal (argv[1], "--write"))
    return write_fixture (argv[2], argv[3]);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lagoon/generate/determinism", test_determinism);
  g_test_add_func ("/lagoon/generate/counts", test_counts);
  g_test_add_func ("/lagoon/generate/consistency", test_consistency);
  g_test_add_func ("/lagoon/generate/roundtrip", test_roundtrip);
  g_test_add_func ("/lagoon/generate/bad-options", test_bad_options);
  if (g_test_slow ())
    g_test_add_func ("/lagoon/generate/scale", test_scale);

  return g_test_run ();
}
