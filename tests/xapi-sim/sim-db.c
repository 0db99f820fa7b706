/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "xapi-sim"

#include "config.h"

#include <string.h>

#include "sim-db.h"

typedef struct
{
  gint64     gen;
  SimObject *obj;
} SimChange;

/* ---- relations -------------------------------------------------------------------------- */

/* (class, ref field) <-> (class, set field), as in xapi's datamodel relation list. */
static const char *const relation_names[][4] = {
  { "VBD", "VM", "VM", "VBDs" },
  { "VBD", "VDI", "VDI", "VBDs" },
  { "crashdump", "VM", "VM", "crash_dumps" },
  { "crashdump", "VDI", "VDI", "crash_dumps" },
  { "VIF", "VM", "VM", "VIFs" },
  { "VIF", "network", "network", "VIFs" },
  { "PIF", "host", "host", "PIFs" },
  { "PIF", "network", "network", "PIFs" },
  { "VDI", "SR", "SR", "VDIs" },
  { "VTPM", "VM", "VM", "VTPMs" },
  { "console", "VM", "VM", "consoles" },
  { "VM", "resident_on", "host", "resident_VMs" },
  { "host_cpu", "host", "host", "host_CPUs" },
  { "host_crashdump", "host", "host", "crashdumps" },
  { "host_patch", "host", "host", "patches" },
  { "host_patch", "pool_patch", "pool_patch", "host_patches" },
  { "PBD", "host", "host", "PBDs" },
  { "PBD", "SR", "SR", "PBDs" },
  { "VM", "snapshot_of", "VM", "snapshots" },
  { "VM", "parent", "VM", "children" },
  { "VDI", "snapshot_of", "VDI", "snapshots" },
  { "VM", "appliance", "VM_appliance", "VMs" },
  { "VM", "snapshot_schedule", "VMSS", "VMs" },
  { "VM", "protection_policy", "VMPP", "VMs" },
  { "task", "subtask_of", "task", "subtasks" },
  { "PIF", "bond_slave_of", "Bond", "slaves" },
  { "Bond", "master", "PIF", "bond_master_of" },
  { "VLAN", "tagged_PIF", "PIF", "VLAN_slave_of" },
  { "tunnel", "access_PIF", "PIF", "tunnel_access_PIF_of" },
  { "tunnel", "transport_PIF", "PIF", "tunnel_transport_PIF_of" },
  { "network_sriov", "physical_PIF", "PIF", "sriov_physical_PIF_of" },
  { "network_sriov", "logical_PIF", "PIF", "sriov_logical_PIF_of" },
  { "PCI", "host", "host", "PCIs" },
  { "PGPU", "host", "host", "PGPUs" },
  { "PGPU", "GPU_group", "GPU_group", "PGPUs" },
  { "VGPU", "GPU_group", "GPU_group", "VGPUs" },
  { "VGPU", "VM", "VM", "VGPUs" },
  { "VGPU", "type", "VGPU_type", "VGPUs" },
  { "VGPU", "resident_on", "PGPU", "resident_VGPUs" },
  { "PUSB", "host", "host", "PUSBs" },
  { "PUSB", "USB_group", "USB_group", "PUSBs" },
  { "VUSB", "VM", "VM", "VUSBs" },
  { "VUSB", "USB_group", "USB_group", "VUSBs" },
  { "Feature", "host", "host", "features" },
  { "Certificate", "host", "host", "certificates" },
  { "Cluster_host", "cluster", "Cluster", "cluster_hosts" },
  { "PVS_server", "site", "PVS_site", "servers" },
  { "PVS_proxy", "site", "PVS_site", "proxies" },
  { "PVS_cache_storage", "site", "PVS_site", "cache_storage" },
  { "Host_driver", "host", "host", "drivers" },
  { "Driver_variant", "driver", "Host_driver", "variants" },
};

typedef struct
{
  const LagoonSchemaClass *klass;
  int                      field;
  const LagoonSchemaClass *target;
  int                      target_field;
} Relation;

static GPtrArray *
relations_of (const LagoonSchemaClass *klass)
{
  static GPtrArray **per_class;
  static gsize initialized;

  if (g_once_init_enter (&initialized))
    {
      GPtrArray **all = g_new0 (GPtrArray *, lagoon_schema_n_classes);

      for (guint i = 0; i < lagoon_schema_n_classes; i++)
        all[i] = g_ptr_array_new ();
      for (guint i = 0; i < G_N_ELEMENTS (relation_names); i++)
        {
          const LagoonSchemaClass *k = lagoon_schema_find_class (relation_names[i][0]);
          const LagoonSchemaClass *t = lagoon_schema_find_class (relation_names[i][2]);
          Relation *r;
          int f, tf;

          if (k == NULL || t == NULL)
            continue;
          f = lagoon_schema_find_field (k, relation_names[i][1]);
          tf = lagoon_schema_find_field (t, relation_names[i][3]);
          if (f < 0 || tf < 0 ||
              k->fields[f].type->kind != LAGOON_TYPE_REF ||
              t->fields[tf].type->kind != LAGOON_TYPE_SET ||
              t->fields[tf].type->value->kind != LAGOON_TYPE_REF)
            continue;
          r = g_new0 (Relation, 1);
          r->klass = k;
          r->field = f;
          r->target = t;
          r->target_field = tf;
          g_ptr_array_add (all[k->id], r);
        }
      per_class = all;
      g_once_init_leave (&initialized, 1);
    }

  return per_class[klass->id];
}

char *
sim_db_describe_relations (void)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < lagoon_schema_n_classes; i++)
    {
      GPtrArray *rels = relations_of (&lagoon_schema_classes[i]);

      for (guint j = 0; j < rels->len; j++)
        {
          Relation *r = g_ptr_array_index (rels, j);
          g_string_append_printf (out, "%s.%s %s.%s\n", r->klass->name,
                                  r->klass->fields[r->field].name, r->target->name,
                                  r->target->fields[r->target_field].name);
        }
    }
  return g_string_free (out, FALSE);
}

/* ---- objects ---------------------------------------------------------------------------- */

static void
object_unref (SimObject *obj)
{
  if (--obj->refcount > 0)
    return;
  for (guint i = 0; i < obj->klass->n_fields; i++)
    g_clear_pointer (&obj->fields[i], g_variant_unref);
  g_free (obj->fields);
  g_free (obj->ref);
  g_free (obj);
}

SimDb *
sim_db_new (void)
{
  SimDb *db = g_new0 (SimDb, 1);

  g_mutex_init (&db->lock);
  g_cond_init (&db->changed);
  db->generation = 1;
  db->log_base = 1;
  db->by_ref = g_hash_table_new (g_str_hash, g_str_equal);
  db->objects = g_new0 (GQueue, lagoon_schema_n_classes);
  db->by_uuid = g_new0 (GHashTable *, lagoon_schema_n_classes);
  for (guint i = 0; i < lagoon_schema_n_classes; i++)
    {
      g_queue_init (&db->objects[i]);
      db->by_uuid[i] = g_hash_table_new (g_str_hash, g_str_equal);
    }
  db->log = g_array_new (FALSE, FALSE, sizeof (SimChange));
  return db;
}

void
sim_db_free (SimDb *db)
{
  if (db == NULL)
    return;
  for (guint i = 0; i < db->log->len; i++)
    object_unref (g_array_index (db->log, SimChange, i).obj);
  g_array_unref (db->log);
  for (guint i = 0; i < lagoon_schema_n_classes; i++)
    {
      GList *l = db->objects[i].head;

      while (l != NULL)
        {
          GList *next = l->next;
          object_unref (l->data);
          l = next;
        }
      g_hash_table_unref (db->by_uuid[i]);
    }
  g_free (db->objects);
  g_free (db->by_uuid);
  g_hash_table_unref (db->by_ref);
  g_mutex_clear (&db->lock);
  g_cond_clear (&db->changed);
  g_free (db);
}

char *
sim_db_new_uuid (void)
{
  return g_uuid_string_random ();
}

char *
sim_db_new_ref (void)
{
  g_autofree char *uuid = g_uuid_string_random ();
  return g_strconcat ("OpaqueRef:", uuid, NULL);
}

SimObject *
sim_db_lookup (SimDb      *db,
               const char *ref)
{
  return g_hash_table_lookup (db->by_ref, ref);
}

SimObject *
sim_db_lookup_class (SimDb                   *db,
                     const LagoonSchemaClass *klass,
                     const char              *ref)
{
  SimObject *obj = g_hash_table_lookup (db->by_ref, ref);

  return obj != NULL && obj->klass == klass ? obj : NULL;
}

SimObject *
sim_db_lookup_uuid (SimDb                   *db,
                    const LagoonSchemaClass *klass,
                    const char              *uuid)
{
  return g_hash_table_lookup (db->by_uuid[klass->id], uuid);
}

GQueue *
sim_db_class_objects (SimDb                   *db,
                      const LagoonSchemaClass *klass)
{
  return &db->objects[klass->id];
}

SimObject *
sim_db_first (SimDb                   *db,
              const LagoonSchemaClass *klass)
{
  GList *head = db->objects[klass->id].head;

  return head != NULL ? head->data : NULL;
}

const char *
sim_object_get_string (SimObject *obj,
                       int        field)
{
  if (field < 0 || !g_variant_is_of_type (obj->fields[field], G_VARIANT_TYPE_STRING))
    return "";
  return g_variant_get_string (obj->fields[field], NULL);
}

gint64
sim_object_get_int (SimObject *obj,
                    int        field)
{
  if (field < 0 || !g_variant_is_of_type (obj->fields[field], G_VARIANT_TYPE_INT64))
    return 0;
  return g_variant_get_int64 (obj->fields[field]);
}

static int
uuid_field (const LagoonSchemaClass *klass)
{
  return lagoon_schema_find_field (klass, "uuid");
}

static void
log_change (SimDb     *db,
            SimObject *obj,
            gint64     gen)
{
  SimChange change = { gen, obj };

  obj->refcount++;
  g_array_append_val (db->log, change);

  /* Keep the log bounded: drop entries a later change of the same object supersedes. */
  if (db->log->len > 2 * g_hash_table_size (db->by_ref) + 65536)
    {
      guint out = 0;

      for (guint i = 0; i < db->log->len; i++)
        {
          SimChange *c = &g_array_index (db->log, SimChange, i);
          gint64 last = c->obj->dtime != 0 ? c->obj->dtime : c->obj->mtime;

          if (last == c->gen)
            g_array_index (db->log, SimChange, out++) = *c;
          else
            object_unref (c->obj);
        }
      g_array_set_size (db->log, out);
    }
  g_cond_broadcast (&db->changed);
}

static void
note_modified (SimDb     *db,
               SimObject *obj)
{
  obj->mtime = ++db->generation;
  log_change (db, obj, obj->mtime);
}

static gboolean
set_contains (GVariant   *set,
              const char *item)
{
  GVariantIter iter;
  GVariant *v;

  g_variant_iter_init (&iter, set);
  while ((v = g_variant_iter_next_value (&iter)))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (v);
      gboolean same = g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING) &&
                      g_str_equal (g_variant_get_string (inner, NULL), item);
      g_variant_unref (v);
      if (same)
        return TRUE;
    }
  return FALSE;
}

/* A set with @item added or removed; NULL when nothing changes. */
static GVariant *
set_edit (GVariant   *set,
          const char *item,
          gboolean    add)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("av"));
  gboolean present = set_contains (set, item);
  GVariantIter iter;
  GVariant *v;

  if (present == add)
    return NULL;
  g_variant_iter_init (&iter, set);
  while ((v = g_variant_iter_next_value (&iter)))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (v);
      if (add || !g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING) ||
          !g_str_equal (g_variant_get_string (inner, NULL), item))
        g_variant_builder_add_value (&b, v);
      g_variant_unref (v);
    }
  if (add)
    g_variant_builder_add (&b, "v", g_variant_new_string (item));
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

static void
relation_edit (SimDb          *db,
               const Relation *r,
               const char     *target_ref,
               const char     *ref,
               gboolean        add)
{
  SimObject *target = sim_db_lookup_class (db, r->target, target_ref);
  GVariant *edited;

  if (target == NULL)
    return;
  edited = set_edit (target->fields[r->target_field], ref, add);
  if (edited == NULL)
    return;
  g_variant_unref (target->fields[r->target_field]);
  target->fields[r->target_field] = edited;
  note_modified (db, target);
}

SimObject *
sim_db_insert (SimDb                   *db,
               const LagoonSchemaClass *klass,
               const char              *ref,
               GVariant               **fields,
               gboolean                 quiet)
{
  SimObject *obj;
  int uf = uuid_field (klass);
  GPtrArray *rels;

  if (ref != NULL && g_hash_table_contains (db->by_ref, ref))
    {
      for (guint i = 0; i < klass->n_fields; i++)
        g_clear_pointer (&fields[i], g_variant_unref);
      return NULL;
    }

  obj = g_new0 (SimObject, 1);
  obj->klass = klass;
  obj->ref = ref != NULL ? g_strdup (ref) : sim_db_new_ref ();
  obj->fields = g_new0 (GVariant *, klass->n_fields);
  obj->refcount = 1;
  obj->link.data = obj;
  for (guint i = 0; i < klass->n_fields; i++)
    obj->fields[i] = fields[i] != NULL ? fields[i] : lagoon_schema_field_default (&klass->fields[i]);

  g_hash_table_insert (db->by_ref, obj->ref, obj);
  g_queue_push_tail_link (&db->objects[klass->id], &obj->link);
  if (uf >= 0 && *sim_object_get_string (obj, uf) != '\0')
    g_hash_table_insert (db->by_uuid[klass->id], (gpointer) sim_object_get_string (obj, uf), obj);

  if (quiet)
    {
      obj->ctime = obj->mtime = db->generation;
      return obj;
    }

  obj->ctime = obj->mtime = ++db->generation;
  log_change (db, obj, obj->mtime);

  rels = relations_of (klass);
  for (guint i = 0; i < rels->len; i++)
    {
      const Relation *r = g_ptr_array_index (rels, i);
      relation_edit (db, r, sim_object_get_string (obj, r->field), obj->ref, TRUE);
    }
  return obj;
}

void
sim_db_set_quiet (SimDb     *db,
                  SimObject *obj,
                  int        field,
                  GVariant  *value)
{
  int uf = uuid_field (obj->klass);

  if (field == uf)
    g_hash_table_remove (db->by_uuid[obj->klass->id], sim_object_get_string (obj, uf));
  g_variant_unref (obj->fields[field]);
  obj->fields[field] = value;
  if (field == uf && *sim_object_get_string (obj, uf) != '\0')
    g_hash_table_insert (db->by_uuid[obj->klass->id], (gpointer) sim_object_get_string (obj, uf), obj);
}

void
sim_db_set (SimDb     *db,
            SimObject *obj,
            int        field,
            GVariant  *value)
{
  GPtrArray *rels = relations_of (obj->klass);
  g_autofree char *old_ref = NULL;

  if (obj->klass->fields[field].type->kind == LAGOON_TYPE_REF)
    old_ref = g_strdup (sim_object_get_string (obj, field));

  sim_db_set_quiet (db, obj, field, value);
  note_modified (db, obj);

  if (old_ref == NULL || g_str_equal (old_ref, sim_object_get_string (obj, field)))
    return;
  for (guint i = 0; i < rels->len; i++)
    {
      const Relation *r = g_ptr_array_index (rels, i);

      if (r->field != field)
        continue;
      relation_edit (db, r, old_ref, obj->ref, FALSE);
      relation_edit (db, r, sim_object_get_string (obj, field), obj->ref, TRUE);
    }
}

void
sim_db_touch (SimDb     *db,
              SimObject *obj)
{
  note_modified (db, obj);
}

void
sim_db_delete (SimDb     *db,
               SimObject *obj)
{
  GPtrArray *rels = relations_of (obj->klass);
  int uf = uuid_field (obj->klass);

  if (obj->dtime != 0)
    return;
  if (uf >= 0 && g_hash_table_lookup (db->by_uuid[obj->klass->id],
                                       sim_object_get_string (obj, uf)) == obj)
    g_hash_table_remove (db->by_uuid[obj->klass->id], sim_object_get_string (obj, uf));
  g_hash_table_remove (db->by_ref, obj->ref);
  g_queue_unlink (&db->objects[obj->klass->id], &obj->link);

  obj->dtime = ++db->generation;
  log_change (db, obj, obj->dtime);

  for (guint i = 0; i < rels->len; i++)
    {
      const Relation *r = g_ptr_array_index (rels, i);
      relation_edit (db, r, sim_object_get_string (obj, r->field), obj->ref, FALSE);
    }
  object_unref (obj);
}

guint
sim_db_collect_events (SimDb          *db,
                       gint64          since,
                       SimEventFilter  filter,
                       gpointer        filter_data,
                       SimEventFunc    func,
                       gpointer        func_data)
{
  guint n = 0;
  guint lo, hi;

  if (since < db->log_base)
    {
      /* Live objects changed since then (all of them for an empty token)... */
      for (guint c = 0; c < lagoon_schema_n_classes; c++)
        for (GList *l = db->objects[c].head; l != NULL; l = l->next)
          {
            SimObject *obj = l->data;

            if (obj->builtin || obj->mtime <= since || (filter != NULL && !filter (obj, filter_data)))
              continue;
            if (func != NULL)
              func (obj, since < 0 || obj->ctime > since ? SIM_EVENT_ADD : SIM_EVENT_MOD, func_data);
            n++;
          }
      /* ...then the deletions. */
      if (since < 0)
        return n;
      for (guint i = 0; i < db->log->len; i++)
        {
          SimChange *c = &g_array_index (db->log, SimChange, i);

          if (c->obj->dtime != c->gen || c->gen <= since ||
              (filter != NULL && !filter (c->obj, filter_data)))
            continue;
          if (func != NULL)
            func (c->obj, SIM_EVENT_DEL, func_data);
          n++;
        }
      return n;
    }

  /* First log entry newer than @since. */
  lo = 0;
  hi = db->log->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (g_array_index (db->log, SimChange, mid).gen <= since)
        lo = mid + 1;
      else
        hi = mid;
    }

  for (guint i = lo; i < db->log->len; i++)
    {
      SimChange *c = &g_array_index (db->log, SimChange, i);
      SimObject *obj = c->obj;
      gint64 last = obj->dtime != 0 ? obj->dtime : obj->mtime;
      SimEventOp op;

      if (last != c->gen || obj->builtin || (filter != NULL && !filter (obj, filter_data)))
        continue;
      if (obj->dtime != 0)
        op = SIM_EVENT_DEL;
      else if (obj->ctime > since)
        op = SIM_EVENT_ADD;
      else
        op = SIM_EVENT_MOD;
      if (func != NULL)
        func (obj, op, func_data);
      n++;
    }
  return n;
}
