/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-cache"

#include "config.h"

#include <string.h>

#include "lagoon-cache.h"
#include "lagoon-dbdump.h"
#include "lagoon-record-private.h"

/* ---- batches ---------------------------------------------------------------------- */

typedef struct
{
  LagoonChangeKind kind;
  guint64          bits[]; /* changed fields (modified only) */
} Change;

struct _LagoonCacheBatch
{
  LagoonStringPool *pool;
  GHashTable       *changes[LAGOON_N_CLASSES]; /* interned ref (one pool ref held) -> Change */
  guint             n_changes;
  gboolean          resync;
};

static guint
n_words (const LagoonSchemaClass *klass)
{
  return (klass->n_fields + 63) / 64;
}

static LagoonCacheBatch *
batch_new (LagoonStringPool *pool)
{
  LagoonCacheBatch *batch = g_new0 (LagoonCacheBatch, 1);

  batch->pool = pool;
  return batch;
}

static void
batch_free (LagoonCacheBatch *batch)
{
  for (guint c = 0; c < LAGOON_N_CLASSES; c++)
    {
      GHashTableIter iter;
      gpointer key, value;

      if (batch->changes[c] == NULL)
        continue;
      g_hash_table_iter_init (&iter, batch->changes[c]);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          lagoon_string_pool_release (batch->pool, key);
          g_free (value);
        }
      g_hash_table_unref (batch->changes[c]);
    }
  g_free (batch);
}

static Change *
batch_get (LagoonCacheBatch        *batch,
           const LagoonSchemaClass *klass,
           const char              *ref, /* interned */
           gboolean                 create)
{
  GHashTable *table = batch->changes[klass->id];
  Change *change;

  if (table == NULL)
    {
      if (!create)
        return NULL;
      table = batch->changes[klass->id] = g_hash_table_new (g_str_hash, g_str_equal);
    }
  change = g_hash_table_lookup (table, ref);
  if (change == NULL && create)
    {
      change = g_malloc0 (sizeof (Change) + n_words (klass) * sizeof (guint64));
      g_hash_table_insert (table, (gpointer) lagoon_string_pool_ref (ref), change);
      batch->n_changes++;
    }
  return change;
}

static void
batch_drop (LagoonCacheBatch        *batch,
            const LagoonSchemaClass *klass,
            const char              *ref)
{
  GHashTable *table = batch->changes[klass->id];
  gpointer key, value;

  if (table != NULL && g_hash_table_lookup_extended (table, ref, &key, &value))
    {
      g_hash_table_remove (table, ref);
      lagoon_string_pool_release (batch->pool, key);
      g_free (value);
      batch->n_changes--;
    }
}

static void
batch_note_added (LagoonCacheBatch        *batch,
                  const LagoonSchemaClass *klass,
                  const char              *ref)
{
  Change *change = batch_get (batch, klass, ref, TRUE);

  /* del then add within one batch: the object was replaced, report every field. */
  if (change->kind == LAGOON_CHANGE_REMOVED)
    {
      change->kind = LAGOON_CHANGE_MODIFIED;
      memset (change->bits, 0xff, n_words (klass) * sizeof (guint64));
    }
  else
    change->kind = LAGOON_CHANGE_ADDED;
}

static void
batch_note_modified (LagoonCacheBatch        *batch,
                     const LagoonSchemaClass *klass,
                     const char              *ref,
                     const guint64           *bits)
{
  Change *change = batch_get (batch, klass, ref, TRUE);

  if (change->kind == LAGOON_CHANGE_ADDED)
    return;
  change->kind = LAGOON_CHANGE_MODIFIED;
  for (guint w = 0; w < n_words (klass); w++)
    change->bits[w] |= bits[w];
}

static void
batch_note_removed (LagoonCacheBatch        *batch,
                    const LagoonSchemaClass *klass,
                    const char              *ref)
{
  Change *change = batch_get (batch, klass, ref, FALSE);

  if (change != NULL && change->kind == LAGOON_CHANGE_ADDED)
    {
      batch_drop (batch, klass, ref);
      return;
    }
  change = batch_get (batch, klass, ref, TRUE);
  change->kind = LAGOON_CHANGE_REMOVED;
  memset (change->bits, 0, n_words (klass) * sizeof (guint64));
}

gboolean
lagoon_cache_batch_is_empty (const LagoonCacheBatch *batch)
{
  g_return_val_if_fail (batch != NULL, TRUE);
  return batch->n_changes == 0;
}

gboolean
lagoon_cache_batch_is_resync (const LagoonCacheBatch *batch)
{
  g_return_val_if_fail (batch != NULL, FALSE);
  return batch->resync;
}

gboolean
lagoon_cache_batch_has_class (const LagoonCacheBatch *batch,
                              LagoonClassId           class_id)
{
  g_return_val_if_fail (batch != NULL, FALSE);
  g_return_val_if_fail (class_id < LAGOON_N_CLASSES, FALSE);
  return batch->changes[class_id] != NULL && g_hash_table_size (batch->changes[class_id]) > 0;
}

guint
lagoon_cache_batch_count (const LagoonCacheBatch *batch,
                          LagoonClassId           class_id,
                          LagoonChangeKind        kind)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_return_val_if_fail (batch != NULL, 0);
  g_return_val_if_fail (class_id < LAGOON_N_CLASSES, 0);
  if (batch->changes[class_id] == NULL)
    return 0;
  if (kind == LAGOON_CHANGE_NONE)
    return g_hash_table_size (batch->changes[class_id]);
  g_hash_table_iter_init (&iter, batch->changes[class_id]);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Change *) value)->kind == kind)
      n++;
  return n;
}

static Change *
batch_find (const LagoonCacheBatch *batch,
            LagoonClassId           class_id,
            const char             *ref)
{
  if (class_id >= LAGOON_N_CLASSES || batch->changes[class_id] == NULL || ref == NULL)
    return NULL;
  return g_hash_table_lookup (batch->changes[class_id], ref);
}

LagoonChangeKind
lagoon_cache_batch_lookup (const LagoonCacheBatch *batch,
                           LagoonClassId           class_id,
                           const char             *ref)
{
  Change *change;

  g_return_val_if_fail (batch != NULL, LAGOON_CHANGE_NONE);
  change = batch_find (batch, class_id, ref);
  return change != NULL ? change->kind : LAGOON_CHANGE_NONE;
}

gboolean
lagoon_cache_batch_field_changed (const LagoonCacheBatch *batch,
                                  LagoonClassId           class_id,
                                  const char             *ref,
                                  guint                   field)
{
  Change *change;

  g_return_val_if_fail (batch != NULL, FALSE);
  change = batch_find (batch, class_id, ref);
  if (change == NULL || change->kind == LAGOON_CHANGE_REMOVED)
    return FALSE;
  if (change->kind == LAGOON_CHANGE_ADDED)
    return TRUE;
  g_return_val_if_fail (field < lagoon_schema_classes[class_id].n_fields, FALSE);
  return (change->bits[field / 64] >> (field % 64)) & 1;
}

void
lagoon_cache_batch_foreach (const LagoonCacheBatch *batch,
                            int                     class_id,
                            LagoonCacheBatchFunc    func,
                            gpointer                user_data)
{
  g_return_if_fail (batch != NULL);
  g_return_if_fail (func != NULL);

  for (guint c = 0; c < LAGOON_N_CLASSES; c++)
    {
      GHashTableIter iter;
      gpointer key, value;

      if ((class_id >= 0 && (guint) class_id != c) || batch->changes[c] == NULL)
        continue;
      g_hash_table_iter_init (&iter, batch->changes[c]);
      while (g_hash_table_iter_next (&iter, &key, &value))
        func (c, key, ((Change *) value)->kind, user_data);
    }
}

/* ---- the cache ---------------------------------------------------------------------- */

typedef struct
{
  guint       field;
  GHashTable *map; /* target string -> GPtrArray of LagoonRecord* */
} Index;

typedef struct
{
  LagoonClassLayout *layout;
  GHashTable        *by_ref;  /* interned ref -> LagoonRecord* (owned) */
  GHashTable        *by_uuid; /* interned uuid -> LagoonRecord* */
  GPtrArray         *indexes; /* Index* */
} ClassStore;

struct _LagoonCacheRow
{
  LagoonCache             *cache;
  const LagoonSchemaClass *klass;
  ClassStore              *store;
  char                    *ref;
  GPtrArray              **lists; /* per field, for sets and maps; lazily */
  guint                    n_lists;
  gboolean                 open;
};

struct _LagoonCache
{
  GObject           parent_instance;

  LagoonStringPool *pool;
  ClassStore       *stores[LAGOON_N_CLASSES];

  LagoonCacheBatch *batch;
  guint             batch_depth;
  gboolean          in_resync;
  guint32           mark;

  LagoonSlot       *scratch;
  guint8           *scratch_set;
  guint             scratch_len;
  GArray           *wire_entries;

  LagoonCacheRow    row;
};

G_DEFINE_TYPE (LagoonCache, lagoon_cache, G_TYPE_OBJECT)

enum {
  BATCH_APPLIED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const struct
{
  LagoonClassId class_id;
  const char   *field;
} default_indexes[] = {
  { LAGOON_CLASS_VM, "resident_on" },
  { LAGOON_CLASS_VM, "affinity" },
  { LAGOON_CLASS_VM, "snapshot_of" },
  { LAGOON_CLASS_VM, "appliance" },
  { LAGOON_CLASS_VM, "parent" },
  { LAGOON_CLASS_VBD, "VM" },
  { LAGOON_CLASS_VBD, "VDI" },
  { LAGOON_CLASS_VIF, "VM" },
  { LAGOON_CLASS_VIF, "network" },
  { LAGOON_CLASS_PBD, "SR" },
  { LAGOON_CLASS_PBD, "host" },
  { LAGOON_CLASS_PIF, "host" },
  { LAGOON_CLASS_PIF, "network" },
  { LAGOON_CLASS_VDI, "SR" },
  { LAGOON_CLASS_VDI, "snapshot_of" },
  { LAGOON_CLASS_CONSOLE, "VM" },
  { LAGOON_CLASS_HOST, "metrics" },
  { LAGOON_CLASS_HOST_CPU, "host" },
  { LAGOON_CLASS_PGPU, "host" },
  { LAGOON_CLASS_PCI, "host" },
  { LAGOON_CLASS_VGPU, "VM" },
  { LAGOON_CLASS_VUSB, "VM" },
  { LAGOON_CLASS_TASK, "resident_on" },
  { LAGOON_CLASS_MESSAGE, "obj_uuid" },
};

static gboolean
ignored_class (LagoonClassId id)
{
  return id == LAGOON_CLASS_SESSION || id == LAGOON_CLASS_EVENT ||
         id == LAGOON_CLASS_USER || id == LAGOON_CLASS_SECRET;
}

static ClassStore *
get_store (LagoonCache             *self,
           const LagoonSchemaClass *klass)
{
  ClassStore *store = self->stores[klass->id];

  if (store == NULL)
    {
      store = self->stores[klass->id] = g_new0 (ClassStore, 1);
      store->layout = lagoon_class_layout_new (self->pool, klass);
      store->by_ref = g_hash_table_new (g_str_hash, g_str_equal);
      store->by_uuid = g_hash_table_new (g_str_hash, g_str_equal);
      store->indexes = g_ptr_array_new ();
    }
  return store;
}

static void
index_add (Index        *index,
           const char   *target,
           LagoonRecord *rec)
{
  GPtrArray *list;

  if (target == NULL || *target == '\0')
    return;
  list = g_hash_table_lookup (index->map, target);
  if (list == NULL)
    {
      list = g_ptr_array_sized_new (1);
      /* The key is the interned value, which every record in the list holds (interning
       * makes it one pointer): it lives as long as the list is non-empty, and the entry
       * goes when the last record leaves, before that record releases the value. */
      g_hash_table_insert (index->map, (gpointer) target, list);
    }
  g_ptr_array_add (list, rec);
}

static void
index_remove (Index        *index,
              const char   *target,
              LagoonRecord *rec)
{
  GPtrArray *list;

  if (target == NULL || *target == '\0')
    return;
  list = g_hash_table_lookup (index->map, target);
  if (list == NULL)
    return;
  g_ptr_array_remove_fast (list, rec);
  if (list->len == 0)
    {
      g_hash_table_remove (index->map, target);
      g_ptr_array_unref (list);
    }
}

static void
free_record (LagoonCache  *self,
             ClassStore   *store,
             LagoonRecord *rec)
{
  for (guint f = 0; f < rec->klass->n_fields; f++)
    lagoon_slot_clear (self->pool, store->layout->kinds[f], &rec->slots[f]);
  lagoon_string_pool_release (self->pool, rec->ref);
  g_free (rec);
}

static void
store_free (LagoonCache *self,
            ClassStore  *store)
{
  GHashTableIter iter;
  gpointer value;

  for (guint i = 0; i < store->indexes->len; i++)
    {
      Index *index = g_ptr_array_index (store->indexes, i);
      g_hash_table_iter_init (&iter, index->map);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_ptr_array_unref (value);
      g_hash_table_unref (index->map);
      g_free (index);
    }
  g_ptr_array_unref (store->indexes);
  g_hash_table_unref (store->by_uuid);
  g_hash_table_iter_init (&iter, store->by_ref);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    free_record (self, store, value);
  g_hash_table_unref (store->by_ref);
  lagoon_class_layout_free (self->pool, store->layout);
  g_free (store);
}

static void
lagoon_cache_finalize (GObject *object)
{
  LagoonCache *self = (LagoonCache *) object;

  if (self->batch != NULL)
    batch_free (self->batch);
  for (guint c = 0; c < LAGOON_N_CLASSES; c++)
    if (self->stores[c] != NULL)
      store_free (self, self->stores[c]);
  if (self->row.open)
    lagoon_cache_row_abort (&self->row);
  for (guint i = 0; i < self->row.n_lists; i++)
    if (self->row.lists[i] != NULL)
      g_ptr_array_unref (self->row.lists[i]);
  g_free (self->row.lists);
  g_free (self->scratch);
  g_free (self->scratch_set);
  g_clear_pointer (&self->wire_entries, g_array_unref);
  lagoon_string_pool_free (self->pool);

  G_OBJECT_CLASS (lagoon_cache_parent_class)->finalize (object);
}

static void
lagoon_cache_class_init (LagoonCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = lagoon_cache_finalize;

  /**
   * LagoonCache::batch-applied:
   * @batch: (type gpointer): the LagoonCacheBatch, valid during the emission only
   *
   * Emitted once at the end of every batch that changed something.
   */
  signals[BATCH_APPLIED] =
    g_signal_new ("batch-applied", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
lagoon_cache_init (LagoonCache *self)
{
  self->pool = lagoon_string_pool_new ();
  for (guint i = 0; i < G_N_ELEMENTS (default_indexes); i++)
    {
      const LagoonSchemaClass *klass = &lagoon_schema_classes[default_indexes[i].class_id];
      int f = lagoon_schema_find_field (klass, default_indexes[i].field);

      if (f >= 0)
        lagoon_cache_add_index (self, klass->id, f);
    }
}

LagoonCache *
lagoon_cache_new (void)
{
  return g_object_new (LAGOON_TYPE_CACHE, NULL);
}

gboolean
lagoon_cache_op_from_string (const char    *text,
                             LagoonCacheOp *op)
{
  g_return_val_if_fail (text != NULL, FALSE);
  if (g_ascii_strcasecmp (text, "add") == 0)
    *op = LAGOON_CACHE_OP_ADD;
  else if (g_ascii_strcasecmp (text, "mod") == 0)
    *op = LAGOON_CACHE_OP_MOD;
  else if (g_ascii_strcasecmp (text, "del") == 0)
    *op = LAGOON_CACHE_OP_DEL;
  else
    return FALSE;
  return TRUE;
}

/* ---- indexes --------------------------------------------------------------------------- */

static Index *
find_index (ClassStore *store,
            guint       field)
{
  for (guint i = 0; i < store->indexes->len; i++)
    {
      Index *index = g_ptr_array_index (store->indexes, i);
      if (index->field == field)
        return index;
    }
  return NULL;
}

void
lagoon_cache_add_index (LagoonCache  *self,
                        LagoonClassId class_id,
                        guint         field)
{
  const LagoonSchemaClass *klass;
  ClassStore *store;
  Index *index;
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (LAGOON_IS_CACHE (self));
  g_return_if_fail (class_id < LAGOON_N_CLASSES);
  klass = &lagoon_schema_classes[class_id];
  g_return_if_fail (field < klass->n_fields);

  store = get_store (self, klass);
  g_return_if_fail (store->layout->kinds[field] == LAGOON_SLOT_REF ||
                    store->layout->kinds[field] == LAGOON_SLOT_STRING);
  if (find_index (store, field) != NULL)
    return;

  index = g_new0 (Index, 1);
  index->field = field;
  index->map = g_hash_table_new (g_str_hash, g_str_equal);
  g_ptr_array_add (store->indexes, index);

  g_hash_table_iter_init (&iter, store->by_ref);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      LagoonRecord *rec = value;
      index_add (index, rec->slots[field].s, rec);
    }
}

gboolean
lagoon_cache_has_index (LagoonCache  *self,
                        LagoonClassId class_id,
                        guint         field)
{
  g_return_val_if_fail (LAGOON_IS_CACHE (self), FALSE);
  g_return_val_if_fail (class_id < LAGOON_N_CLASSES, FALSE);
  return self->stores[class_id] != NULL && find_index (self->stores[class_id], field) != NULL;
}

const LagoonRecord *const *
lagoon_cache_get_referrers (LagoonCache  *self,
                            LagoonClassId class_id,
                            guint         field,
                            const char   *target,
                            guint        *n_records)
{
  ClassStore *store;
  Index *index;
  GPtrArray *list;

  if (n_records != NULL)
    *n_records = 0;
  g_return_val_if_fail (LAGOON_IS_CACHE (self), NULL);
  g_return_val_if_fail (class_id < LAGOON_N_CLASSES, NULL);
  if (target == NULL)
    return NULL;

  store = get_store (self, &lagoon_schema_classes[class_id]);
  index = find_index (store, field);
  if (index == NULL)
    {
      lagoon_cache_add_index (self, class_id, field);
      index = find_index (store, field);
      if (index == NULL)
        return NULL;
    }
  list = g_hash_table_lookup (index->map, target);
  if (list == NULL)
    return NULL;
  if (n_records != NULL)
    *n_records = list->len;
  return (const LagoonRecord *const *) list->pdata;
}

/* ---- applying ---------------------------------------------------------------------------- */

void
lagoon_cache_begin_batch (LagoonCache *self)
{
  g_return_if_fail (LAGOON_IS_CACHE (self));

  if (self->batch_depth++ == 0)
    self->batch = batch_new (self->pool);
}

void
lagoon_cache_end_batch (LagoonCache *self)
{
  LagoonCacheBatch *batch;

  g_return_if_fail (LAGOON_IS_CACHE (self));
  g_return_if_fail (self->batch_depth > 0);

  if (--self->batch_depth > 0)
    return;

  batch = g_steal_pointer (&self->batch);
  if (!lagoon_cache_batch_is_empty (batch))
    g_signal_emit (self, signals[BATCH_APPLIED], 0, batch);
  batch_free (batch);
}

static void
ensure_scratch (LagoonCache *self,
                guint        n)
{
  if (n <= self->scratch_len)
    return;
  self->scratch = g_renew (LagoonSlot, self->scratch, n);
  self->scratch_set = g_renew (guint8, self->scratch_set, n);
  self->scratch_len = n;
}

static void
uuid_remove (ClassStore   *store,
             LagoonRecord *rec)
{
  int uf = store->layout->uuid_field;

  if (uf >= 0 && rec->slots[uf].s != NULL && *rec->slots[uf].s != '\0' &&
      g_hash_table_lookup (store->by_uuid, rec->slots[uf].s) == rec)
    g_hash_table_remove (store->by_uuid, rec->slots[uf].s);
}

static void
uuid_add (ClassStore   *store,
          LagoonRecord *rec)
{
  int uf = store->layout->uuid_field;

  if (uf >= 0 && rec->slots[uf].s != NULL && *rec->slots[uf].s != '\0')
    g_hash_table_replace (store->by_uuid, (gpointer) rec->slots[uf].s, rec);
}

/* Takes ownership of the references in @slots (klass->n_fields of them). */
static void
store_record (LagoonCache             *self,
              const LagoonSchemaClass *klass,
              const char              *ref,
              LagoonSlot              *slots)
{
  ClassStore *store = get_store (self, klass);
  LagoonRecord *rec = g_hash_table_lookup (store->by_ref, ref);
  const guint8 *kinds = store->layout->kinds;
  guint n = klass->n_fields;

  if (rec == NULL)
    {
      rec = g_malloc (sizeof (LagoonRecord) + MAX (n, 1) * sizeof (LagoonSlot));
      rec->klass = klass;
      rec->ref = lagoon_string_pool_intern (self->pool, ref);
      rec->mark = self->mark;
      memcpy (rec->slots, slots, n * sizeof (LagoonSlot));
      g_hash_table_insert (store->by_ref, (gpointer) rec->ref, rec);
      uuid_add (store, rec);
      for (guint i = 0; i < store->indexes->len; i++)
        {
          Index *index = g_ptr_array_index (store->indexes, i);
          index_add (index, rec->slots[index->field].s, rec);
        }
      batch_note_added (self->batch, klass, rec->ref);
      return;
    }

  {
    guint64 bits[8] = { 0 };
    guint64 *changed = n_words (klass) <= G_N_ELEMENTS (bits)
                         ? bits : g_new0 (guint64, n_words (klass));
    gboolean any = FALSE;

    rec->mark = self->mark;
    for (guint f = 0; f < n; f++)
      {
        Index *index;

        if (lagoon_slot_equal (kinds[f], rec->slots[f], slots[f]))
          {
            lagoon_slot_clear (self->pool, kinds[f], &slots[f]);
            continue;
          }
        any = TRUE;
        changed[f / 64] |= G_GUINT64_CONSTANT (1) << (f % 64);

        if ((int) f == store->layout->uuid_field)
          uuid_remove (store, rec);
        index = (kinds[f] == LAGOON_SLOT_REF || kinds[f] == LAGOON_SLOT_STRING)
                  ? find_index (store, f) : NULL;
        if (index != NULL)
          index_remove (index, rec->slots[f].s, rec);

        lagoon_slot_clear (self->pool, kinds[f], &rec->slots[f]);
        rec->slots[f] = slots[f];

        if (index != NULL)
          index_add (index, rec->slots[f].s, rec);
        if ((int) f == store->layout->uuid_field)
          uuid_add (store, rec);
      }
    if (any)
      batch_note_modified (self->batch, klass, rec->ref, changed);
    if (changed != bits)
      g_free (changed);
  }
}

static void
remove_record (LagoonCache  *self,
               ClassStore   *store,
               LagoonRecord *rec)
{
  for (guint i = 0; i < store->indexes->len; i++)
    {
      Index *index = g_ptr_array_index (store->indexes, i);
      index_remove (index, rec->slots[index->field].s, rec);
    }
  uuid_remove (store, rec);
  g_hash_table_remove (store->by_ref, rec->ref);
  batch_note_removed (self->batch, rec->klass, rec->ref);
  free_record (self, store, rec);
}

void
lagoon_cache_remove (LagoonCache  *self,
                     LagoonClassId class_id,
                     const char   *ref)
{
  ClassStore *store;
  LagoonRecord *rec;

  g_return_if_fail (LAGOON_IS_CACHE (self));
  g_return_if_fail (class_id < LAGOON_N_CLASSES);
  g_return_if_fail (ref != NULL);

  store = self->stores[class_id];
  if (store == NULL || (rec = g_hash_table_lookup (store->by_ref, ref)) == NULL)
    return;
  lagoon_cache_begin_batch (self);
  remove_record (self, store, rec);
  lagoon_cache_end_batch (self);
}

static void
scratch_set_slot (LagoonCache *self,
                  ClassStore  *store,
                  guint        f,
                  LagoonSlot   slot)
{
  if (self->scratch_set[f])
    lagoon_slot_clear (self->pool, store->layout->kinds[f], &self->scratch[f]);
  self->scratch[f] = slot;
  self->scratch_set[f] = TRUE;
}

/* Fills the scratch slots from a serialised a{sv}; FALSE (scratch untouched) when the
 * snapshot is not serialised data this reader understands. */
static gboolean
apply_serialised (LagoonCache             *self,
                  const LagoonSchemaClass *klass,
                  ClassStore              *store,
                  const char              *ref,
                  GVariant                *snapshot)
{
  const guint8 *data;
  gsize size;

  if (!g_variant_is_of_type (snapshot, G_VARIANT_TYPE_VARDICT) ||
      g_variant_n_children (snapshot) == 0)
    return FALSE;

  /* Only for data that is serialised already: g_variant_get_data () would first serialise
   * a tree-form value (one built with GVariantBuilder), which costs more than walking the
   * tree. A tree-form container hands out the same child instance every time, a serialised
   * one a new instance per call: that tells them apart. (If it ever stopped doing so, both
   * ways still give the same records.) */
  {
    GVariant *c1 = g_variant_get_child_value (snapshot, 0);
    GVariant *c2 = g_variant_get_child_value (snapshot, 0);
    gboolean tree = c1 == c2;

    g_variant_unref (c1);
    g_variant_unref (c2);
    if (tree)
      return FALSE;
  }

  size = g_variant_get_size (snapshot);
  data = g_variant_get_data (snapshot);
  if (data == NULL || size == 0)
    return FALSE;
  if (self->wire_entries == NULL)
    self->wire_entries = g_array_new (FALSE, FALSE, sizeof (LagoonWireEntry));
  if (!lagoon_wire_split_vardict (data, size, self->wire_entries))
    return FALSE;

  for (guint i = 0; i < self->wire_entries->len; i++)
    {
      const LagoonWireEntry *entry = &g_array_index (self->wire_entries, LagoonWireEntry, i);
      int f = lagoon_schema_find_field (klass, entry->key);
      LagoonSlot slot;
      int r;

      if (f < 0)
        continue;
      r = lagoon_slot_from_wire (self->pool, &klass->fields[f], store->layout->kinds[f], entry,
                                 &slot);
      if (r < 0)
        {
          /* A shape the byte reader leaves to GVariant: wrap just this value. */
          char type[64];
          g_autoptr(GVariant) value = NULL;

          if (entry->type_len >= sizeof type)
            r = 0;
          else
            {
              memcpy (type, entry->type, entry->type_len);
              type[entry->type_len] = '\0';
              if (!g_variant_type_string_is_valid (type))
                r = 0;
              else
                {
                  value = g_variant_ref_sink (
                    g_variant_new_from_data (G_VARIANT_TYPE (type), entry->data, entry->size,
                                             FALSE, (GDestroyNotify) g_variant_unref,
                                             g_variant_ref (snapshot)));
                  r = lagoon_slot_from_variant (self->pool, &klass->fields[f],
                                                store->layout->kinds[f], value, &slot) ? 1 : 0;
                }
            }
        }
      if (r > 0)
        scratch_set_slot (self, store, f, slot);
      else
        g_debug ("%s %s: bad value for %s; using the default", klass->name, ref,
                 klass->fields[f].name);
    }
  return TRUE;
}

gboolean
lagoon_cache_apply (LagoonCache  *self,
                    const char   *class_name,
                    LagoonCacheOp op,
                    const char   *ref,
                    GVariant     *snapshot)
{
  const LagoonSchemaClass *klass;
  ClassStore *store;
  GVariantIter iter;
  gboolean is_vardict;
  guint n;

  g_return_val_if_fail (LAGOON_IS_CACHE (self), FALSE);
  g_return_val_if_fail (class_name != NULL, FALSE);
  g_return_val_if_fail (!self->row.open, FALSE);

  klass = lagoon_schema_find_class_nocase (class_name);
  if (klass == NULL)
    {
      g_debug ("Event for unknown class '%s' ignored", class_name);
      return FALSE;
    }
  if (ignored_class (klass->id))
    return FALSE;
  if (ref == NULL || *ref == '\0')
    {
      g_debug ("Event for %s without a ref ignored", klass->name);
      return FALSE;
    }

  if (op == LAGOON_CACHE_OP_DEL)
    {
      lagoon_cache_remove (self, klass->id, ref);
      return TRUE;
    }

  if (snapshot == NULL || !g_variant_is_of_type (snapshot, G_VARIANT_TYPE ("a{s*}")))
    {
      g_debug ("%s event for %s %s without a usable snapshot ignored",
               op == LAGOON_CACHE_OP_ADD ? "add" : "mod", klass->name, ref);
      return FALSE;
    }

  store = get_store (self, klass);
  n = klass->n_fields;
  ensure_scratch (self, MAX (n, 1));
  memset (self->scratch_set, 0, n);

  /* Serialised snapshots (the streaming parser's normal form) are read straight from
   * their bytes; anything else, or bytes that do not parse, takes the GVariant way. */
  if (apply_serialised (self, klass, store, ref, snapshot))
    goto store;

  /* "{&sv}" hands out the unboxed value in one call per field: the cheapest way through a
   * GVariant dictionary (this loop is the hot path of a 1000-event batch). Snapshots of
   * type a{ss} or the like go through the generic child accessors. */
  is_vardict = g_variant_is_of_type (snapshot, G_VARIANT_TYPE_VARDICT);
  g_variant_iter_init (&iter, snapshot);
  for (;;)
    {
      const char *key;
      GVariant *value;
      int f;

      if (is_vardict)
        {
          if (!g_variant_iter_next (&iter, "{&sv}", &key, &value))
            break;
        }
      else if (!g_variant_iter_next (&iter, "{&s@*}", &key, &value))
        break;

      f = lagoon_schema_find_field (klass, key);
      if (f >= 0)
        {
          LagoonSlot slot;

          if (lagoon_slot_from_variant (self->pool, &klass->fields[f], store->layout->kinds[f],
                                        value, &slot))
            {
              if (self->scratch_set[f])
                lagoon_slot_clear (self->pool, store->layout->kinds[f], &self->scratch[f]);
              self->scratch[f] = slot;
              self->scratch_set[f] = TRUE;
            }
          else
            {
              g_autofree char *text = g_variant_print (value, TRUE);
              g_debug ("%s %s: bad value for %s (%.80s); using the default", klass->name, ref,
                       klass->fields[f].name, text);
            }
        }
      g_variant_unref (value);
    }

store:
  for (guint f = 0; f < n; f++)
    if (!self->scratch_set[f])
      self->scratch[f] = lagoon_slot_copy (store->layout->kinds[f], store->layout->defaults[f]);

  lagoon_cache_begin_batch (self);
  store_record (self, klass, ref, self->scratch);
  lagoon_cache_end_batch (self);
  return TRUE;
}

void
lagoon_cache_apply_fields (LagoonCache             *self,
                           const LagoonSchemaClass *klass,
                           const char              *ref,
                           GVariant *const         *fields)
{
  ClassStore *store;
  guint n;

  g_return_if_fail (LAGOON_IS_CACHE (self));
  g_return_if_fail (klass != NULL);
  g_return_if_fail (ref != NULL);
  g_return_if_fail (fields != NULL || klass->n_fields == 0);
  g_return_if_fail (!self->row.open);

  if (ignored_class (klass->id))
    return;

  store = get_store (self, klass);
  n = klass->n_fields;
  ensure_scratch (self, MAX (n, 1));
  for (guint f = 0; f < n; f++)
    {
      /* Rows come in the canonical shapes: the rare fields kept as GVariants are kept as
       * given when they have the field's type (no need to rebuild them). */
      if (fields[f] != NULL && store->layout->kinds[f] == LAGOON_SLOT_VARIANT &&
          g_variant_is_of_type (fields[f], lagoon_type_variant_type (klass->fields[f].type)))
        {
          self->scratch[f].v = g_variant_ref (fields[f]);
          continue;
        }
      if (fields[f] == NULL ||
          !lagoon_slot_from_variant (self->pool, &klass->fields[f], store->layout->kinds[f],
                                     fields[f], &self->scratch[f]))
        {
          if (fields[f] != NULL)
            g_debug ("%s %s: bad value for %s; using the default", klass->name, ref,
                     klass->fields[f].name);
          self->scratch[f] = lagoon_slot_copy (store->layout->kinds[f],
                                               store->layout->defaults[f]);
        }
    }

  lagoon_cache_begin_batch (self);
  store_record (self, klass, ref, self->scratch);
  lagoon_cache_end_batch (self);
}

/* ---- streaming rows ------------------------------------------------------------------------ */

LagoonCacheRow *
lagoon_cache_row_begin (LagoonCache *self,
                        const char  *class_name,
                        const char  *ref)
{
  const LagoonSchemaClass *klass;
  LagoonCacheRow *row = &self->row;

  g_return_val_if_fail (LAGOON_IS_CACHE (self), NULL);
  g_return_val_if_fail (class_name != NULL, NULL);
  g_return_val_if_fail (!row->open, NULL);

  klass = lagoon_schema_find_class_nocase (class_name);
  if (klass == NULL || ignored_class (klass->id) || ref == NULL || *ref == '\0')
    {
      if (klass == NULL)
        g_debug ("Row of unknown class '%s' ignored", class_name);
      return NULL;
    }

  row->cache = self;
  row->klass = klass;
  row->store = get_store (self, klass);
  row->ref = g_strdup (ref);
  row->open = TRUE;
  ensure_scratch (self, MAX (klass->n_fields, 1));
  memset (self->scratch_set, 0, klass->n_fields);
  if (row->n_lists < klass->n_fields)
    {
      row->lists = g_renew (GPtrArray *, row->lists, klass->n_fields);
      memset (row->lists + row->n_lists, 0,
              (klass->n_fields - row->n_lists) * sizeof (GPtrArray *));
      row->n_lists = klass->n_fields;
    }
  return row;
}

const LagoonSchemaClass *
lagoon_cache_row_get_class (LagoonCacheRow *row)
{
  g_return_val_if_fail (row != NULL && row->open, NULL);
  return row->klass;
}

int
lagoon_cache_row_find_field (LagoonCacheRow *row,
                             const char     *name)
{
  g_return_val_if_fail (row != NULL && row->open, -1);
  g_return_val_if_fail (name != NULL, -1);
  return lagoon_schema_find_field (row->klass, name);
}

static void
row_set_slot (LagoonCacheRow *row,
              guint           field,
              LagoonSlot      slot)
{
  LagoonCache *self = row->cache;

  if (self->scratch_set[field])
    lagoon_slot_clear (self->pool, row->store->layout->kinds[field], &self->scratch[field]);
  self->scratch[field] = slot;
  self->scratch_set[field] = TRUE;
}

gboolean
lagoon_cache_row_set_text (LagoonCacheRow *row,
                           guint           field,
                           const char     *text)
{
  LagoonSlot slot;

  g_return_val_if_fail (row != NULL && row->open, FALSE);
  g_return_val_if_fail (field < row->klass->n_fields, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  if (!lagoon_slot_from_text (row->cache->pool, &row->klass->fields[field],
                              row->store->layout->kinds[field], text, &slot))
    {
      g_debug ("%s %s: bad value for %s ('%.80s'); using the default", row->klass->name,
               row->ref, row->klass->fields[field].name, text);
      return FALSE;
    }
  row_set_slot (row, field, slot);
  return TRUE;
}

gboolean
lagoon_cache_row_set_value (LagoonCacheRow *row,
                            guint           field,
                            GVariant       *value)
{
  LagoonSlot slot;

  g_return_val_if_fail (row != NULL && row->open, FALSE);
  g_return_val_if_fail (field < row->klass->n_fields, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (!lagoon_slot_from_variant (row->cache->pool, &row->klass->fields[field],
                                 row->store->layout->kinds[field], value, &slot))
    {
      g_debug ("%s %s: bad value for %s; using the default", row->klass->name, row->ref,
               row->klass->fields[field].name);
      return FALSE;
    }
  if (row->lists[field] != NULL)
    {
      for (guint i = 0; i < row->lists[field]->len; i++)
        lagoon_string_pool_release (row->cache->pool, g_ptr_array_index (row->lists[field], i));
      g_ptr_array_set_size (row->lists[field], 0);
    }
  row_set_slot (row, field, slot);
  return TRUE;
}

static gboolean
row_add_strings (LagoonCacheRow *row,
                 guint           field,
                 LagoonSlotKind  kind,
                 const char     *a,
                 const char     *b)
{
  GPtrArray *list;

  g_return_val_if_fail (row != NULL && row->open, FALSE);
  g_return_val_if_fail (field < row->klass->n_fields, FALSE);
  g_return_val_if_fail (a != NULL, FALSE);
  if (row->store->layout->kinds[field] != kind)
    {
      g_debug ("%s %s: %s is not a %s of strings", row->klass->name, row->ref,
               row->klass->fields[field].name, kind == LAGOON_SLOT_STRV ? "set" : "map");
      return FALSE;
    }
  list = row->lists[field];
  if (list == NULL)
    list = row->lists[field] = g_ptr_array_new ();
  if (list->len == 0 && row->cache->scratch_set[field])
    {
      /* A value set before: items replace it. */
      lagoon_slot_clear (row->cache->pool, kind, &row->cache->scratch[field]);
      row->cache->scratch_set[field] = FALSE;
    }
  g_ptr_array_add (list, (gpointer) lagoon_string_pool_intern (row->cache->pool, a));
  if (b != NULL)
    g_ptr_array_add (list, (gpointer) lagoon_string_pool_intern (row->cache->pool, b));
  return TRUE;
}

gboolean
lagoon_cache_row_add_item (LagoonCacheRow *row,
                           guint           field,
                           const char     *item)
{
  return row_add_strings (row, field, LAGOON_SLOT_STRV, item, NULL);
}

gboolean
lagoon_cache_row_add_pair (LagoonCacheRow *row,
                           guint           field,
                           const char     *key,
                           const char     *value)
{
  g_return_val_if_fail (value != NULL, FALSE);
  return row_add_strings (row, field, LAGOON_SLOT_SMAP, key, value);
}

static void
row_reset (LagoonCacheRow *row)
{
  row->open = FALSE;
  g_clear_pointer (&row->ref, g_free);
  row->klass = NULL;
  row->store = NULL;
}

void
lagoon_cache_row_commit (LagoonCacheRow *row)
{
  LagoonCache *self;
  const guint8 *kinds;

  g_return_if_fail (row != NULL && row->open);

  self = row->cache;
  kinds = row->store->layout->kinds;
  for (guint f = 0; f < row->klass->n_fields; f++)
    {
      if (row->lists[f] != NULL && row->lists[f]->len > 0)
        {
          self->scratch[f] = lagoon_slot_take_strings (row->lists[f], kinds[f] == LAGOON_SLOT_SMAP);
          self->scratch_set[f] = TRUE;
        }
      else if (!self->scratch_set[f])
        self->scratch[f] = lagoon_slot_copy (kinds[f], row->store->layout->defaults[f]);
    }

  lagoon_cache_begin_batch (self);
  store_record (self, row->klass, row->ref, self->scratch);
  row_reset (row);
  lagoon_cache_end_batch (self);
}

void
lagoon_cache_row_abort (LagoonCacheRow *row)
{
  LagoonCache *self;

  g_return_if_fail (row != NULL && row->open);

  self = row->cache;
  for (guint f = 0; f < row->klass->n_fields; f++)
    {
      if (self->scratch_set[f])
        lagoon_slot_clear (self->pool, row->store->layout->kinds[f], &self->scratch[f]);
      if (row->lists[f] != NULL)
        {
          for (guint i = 0; i < row->lists[f]->len; i++)
            lagoon_string_pool_release (self->pool, g_ptr_array_index (row->lists[f], i));
          g_ptr_array_set_size (row->lists[f], 0);
        }
    }
  row_reset (row);
}

void
lagoon_cache_begin_resync (LagoonCache *self)
{
  g_return_if_fail (LAGOON_IS_CACHE (self));
  g_return_if_fail (!self->in_resync);

  lagoon_cache_begin_batch (self);
  self->batch->resync = TRUE;
  self->in_resync = TRUE;
  self->mark++;
}

static void
sweep (LagoonCache *self,
       gboolean     everything)
{
  for (guint c = 0; c < LAGOON_N_CLASSES; c++)
    {
      ClassStore *store = self->stores[c];
      g_autoptr(GPtrArray) doomed = NULL;
      GHashTableIter iter;
      gpointer value;

      if (store == NULL || g_hash_table_size (store->by_ref) == 0)
        continue;
      doomed = g_ptr_array_new ();
      g_hash_table_iter_init (&iter, store->by_ref);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (everything || ((LagoonRecord *) value)->mark != self->mark)
          g_ptr_array_add (doomed, value);
      for (guint i = 0; i < doomed->len; i++)
        remove_record (self, store, g_ptr_array_index (doomed, i));
    }
}

void
lagoon_cache_end_resync (LagoonCache *self)
{
  g_return_if_fail (LAGOON_IS_CACHE (self));
  g_return_if_fail (self->in_resync);

  sweep (self, FALSE);
  self->in_resync = FALSE;
  lagoon_cache_end_batch (self);
}

void
lagoon_cache_abort_resync (LagoonCache *self)
{
  g_return_if_fail (LAGOON_IS_CACHE (self));
  g_return_if_fail (self->in_resync);

  self->in_resync = FALSE;
  lagoon_cache_end_batch (self);
}

void
lagoon_cache_clear (LagoonCache *self)
{
  g_return_if_fail (LAGOON_IS_CACHE (self));

  lagoon_cache_begin_batch (self);
  sweep (self, TRUE);
  lagoon_cache_end_batch (self);
}

static gboolean
dump_row (const LagoonSchemaClass *klass,
          const char              *ref,
          GVariant *const         *fields,
          gpointer                 user_data,
          GError                 **error)
{
  lagoon_cache_apply_fields (user_data, klass, ref, fields);
  return TRUE;
}

static gboolean
load_dump (LagoonCache *self,
           const char  *path,
           GBytes      *bytes,
           GError     **error)
{
  gboolean ok;

  lagoon_cache_begin_resync (self);
  if (path != NULL)
    ok = lagoon_dbdump_read_file (path, dump_row, self, NULL, error);
  else
    ok = lagoon_dbdump_read_bytes (bytes, dump_row, self, NULL, error);
  if (ok)
    lagoon_cache_end_resync (self);
  else
    {
      /* Keep what was read, and what was there: no sweep after a failed read. */
      self->in_resync = FALSE;
      lagoon_cache_end_batch (self);
    }
  return ok;
}

gboolean
lagoon_cache_load_dump (LagoonCache *self,
                        const char  *path,
                        GError     **error)
{
  g_return_val_if_fail (LAGOON_IS_CACHE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  return load_dump (self, path, NULL, error);
}

gboolean
lagoon_cache_load_dump_bytes (LagoonCache *self,
                              GBytes      *bytes,
                              GError     **error)
{
  g_return_val_if_fail (LAGOON_IS_CACHE (self), FALSE);
  g_return_val_if_fail (bytes != NULL, FALSE);
  return load_dump (self, NULL, bytes, error);
}

/* ---- look-ups -------------------------------------------------------------------------- */

const LagoonRecord *
lagoon_cache_lookup (LagoonCache  *self,
                     LagoonClassId class_id,
                     const char   *ref)
{
  g_return_val_if_fail (LAGOON_IS_CACHE (self), NULL);
  g_return_val_if_fail (class_id < LAGOON_N_CLASSES, NULL);
  if (ref == NULL || self->stores[class_id] == NULL)
    return NULL;
  return g_hash_table_lookup (self->stores[class_id]->by_ref, ref);
}

const LagoonRecord *
lagoon_cache_lookup_any (LagoonCache *self,
                         const char  *ref)
{
  g_return_val_if_fail (LAGOON_IS_CACHE (self), NULL);
  if (ref == NULL)
    return NULL;
  for (guint c = 0; c < LAGOON_N_CLASSES; c++)
    {
      LagoonRecord *rec;

      if (self->stores[c] != NULL && (rec = g_hash_table_lookup (self->stores[c]->by_ref, ref)))
        return rec;
    }
  return NULL;
}

const LagoonRecord *
lagoon_cache_lookup_uuid (LagoonCache  *self,
                          LagoonClassId class_id,
                          const char   *uuid)
{
  g_return_val_if_fail (LAGOON_IS_CACHE (self), NULL);
  g_return_val_if_fail (class_id < LAGOON_N_CLASSES, NULL);
  if (uuid == NULL || self->stores[class_id] == NULL)
    return NULL;
  return g_hash_table_lookup (self->stores[class_id]->by_uuid, uuid);
}

guint
lagoon_cache_get_n_records (LagoonCache  *self,
                            LagoonClassId class_id)
{
  g_return_val_if_fail (LAGOON_IS_CACHE (self), 0);
  g_return_val_if_fail (class_id < LAGOON_N_CLASSES, 0);
  return self->stores[class_id] != NULL ? g_hash_table_size (self->stores[class_id]->by_ref) : 0;
}

GPtrArray *
lagoon_cache_list (LagoonCache  *self,
                   LagoonClassId class_id)
{
  GPtrArray *list;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (LAGOON_IS_CACHE (self), NULL);
  g_return_val_if_fail (class_id < LAGOON_N_CLASSES, NULL);

  list = g_ptr_array_new ();
  if (self->stores[class_id] == NULL)
    return list;
  g_ptr_array_set_size (list, 0);
  g_hash_table_iter_init (&iter, self->stores[class_id]->by_ref);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (list, value);
  return list;
}

typedef struct
{
  GHashTableIter iter;
  gboolean       empty;
} RealIter;

G_STATIC_ASSERT (sizeof (RealIter) <= sizeof (LagoonCacheIter));

void
lagoon_cache_iter_init (LagoonCacheIter *iter,
                        LagoonCache     *self,
                        LagoonClassId    class_id)
{
  RealIter *ri = (RealIter *) iter;

  g_return_if_fail (iter != NULL);
  g_return_if_fail (LAGOON_IS_CACHE (self));
  g_return_if_fail (class_id < LAGOON_N_CLASSES);

  ri->empty = self->stores[class_id] == NULL;
  if (!ri->empty)
    g_hash_table_iter_init (&ri->iter, self->stores[class_id]->by_ref);
}

gboolean
lagoon_cache_iter_next (LagoonCacheIter     *iter,
                        const LagoonRecord **rec)
{
  RealIter *ri = (RealIter *) iter;
  gpointer value;

  g_return_val_if_fail (iter != NULL, FALSE);
  if (ri->empty || !g_hash_table_iter_next (&ri->iter, NULL, &value))
    return FALSE;
  if (rec != NULL)
    *rec = value;
  return TRUE;
}

guint
lagoon_cache_get_n_strings (LagoonCache *self)
{
  g_return_val_if_fail (LAGOON_IS_CACHE (self), 0);
  return lagoon_string_pool_size (self->pool);
}

gsize
lagoon_cache_get_string_bytes (LagoonCache *self)
{
  g_return_val_if_fail (LAGOON_IS_CACHE (self), 0);
  return lagoon_string_pool_bytes (self->pool);
}
