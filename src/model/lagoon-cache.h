/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-cache.h: every object of one pool, by class and ref, fed by event.from batches
 * (or database dumps, through the same apply path), with relation indexes.
 *
 * Changes are applied inside a batch (begin_batch ... end_batch); the end of the outermost
 * batch emits one ::batch-applied signal describing what changed. Several changes to one
 * object within a batch are coalesced (add then mod = added; mod then del = removed; add
 * then del = nothing). Main thread only.
 *
 * Three ways in, one store: lagoon_cache_apply (an event's snapshot as a GVariant; a
 * serialised snapshot, as the streaming XML-RPC parser produces, is read straight from its
 * bytes), the row API (field by field from text, for a parser that feeds the cache
 * directly), and lagoon_cache_apply_fields (a database-dump row; lagoon_cache_load_dump).
 * Records are stored as described in lagoon-record.h; strings are interned with reference
 * counts, so values that go away (old names, finished tasks) are freed.
 */
#pragma once

#include <glib-object.h>

#include "lagoon-record.h"
#include "lagoon-schema.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_CACHE (lagoon_cache_get_type ())

G_DECLARE_FINAL_TYPE (LagoonCache, lagoon_cache, LAGOON, CACHE, GObject)

typedef enum {
  LAGOON_CACHE_OP_ADD,
  LAGOON_CACHE_OP_MOD,
  LAGOON_CACHE_OP_DEL,
} LagoonCacheOp;

typedef enum {
  LAGOON_CHANGE_NONE,
  LAGOON_CHANGE_ADDED,
  LAGOON_CHANGE_MODIFIED,
  LAGOON_CHANGE_REMOVED,
} LagoonChangeKind;

typedef struct _LagoonCacheBatch LagoonCacheBatch;

/* Iteration over one class (do not change the cache while iterating). */
typedef struct
{
  /*< private >*/
  gpointer dummy[8];
} LagoonCacheIter;

LagoonCache        *lagoon_cache_new               (void);

/* "add", "mod", "del" (as event.from spells them). */
gboolean            lagoon_cache_op_from_string    (const char          *text,
                                                    LagoonCacheOp       *op);

void                lagoon_cache_begin_batch       (LagoonCache         *self);
void                lagoon_cache_end_batch         (LagoonCache         *self);

/*
 * One event: @class_name matched without regard to case ("vm", "VM"); @snapshot is the
 * record as received (a{sv} keyed by field name, values loosely typed: XML-RPC's strings
 * for ints are fine), NULL for del. Unknown fields are ignored, fields that are missing or
 * unreadable take their defaults. Classes session, event, user and secret are ignored, as
 * XenCenter does. Returns FALSE when the event was ignored.
 */
gboolean            lagoon_cache_apply             (LagoonCache         *self,
                                                    const char          *class_name,
                                                    LagoonCacheOp        op,
                                                    const char          *ref,
                                                    GVariant            *snapshot);
/* A whole record in schema order (a database-dump row): added, or replacing the old one. */
void                lagoon_cache_apply_fields      (LagoonCache         *self,
                                                    const LagoonSchemaClass *klass,
                                                    const char          *ref,
                                                    GVariant *const     *fields);
void                lagoon_cache_remove            (LagoonCache         *self,
                                                    LagoonClassId        class_id,
                                                    const char          *ref);

/*
 * Streaming rows, for parsers that read a record field by field (an expat-based
 * event.from reader) and would rather not build a GVariant: begin a row, set fields (by
 * index: lagoon_cache_row_find_field), commit. Same semantics as lagoon_cache_apply for an
 * add or mod: fields not set take their defaults. One row at a time per cache, and no
 * other apply while it is open. begin returns NULL for ignored or unknown classes.
 */
typedef struct _LagoonCacheRow LagoonCacheRow;

LagoonCacheRow     *lagoon_cache_row_begin         (LagoonCache         *self,
                                                    const char          *class_name,
                                                    const char          *ref);
const LagoonSchemaClass *lagoon_cache_row_get_class (LagoonCacheRow     *row);
/* The field's index in the row's class, or -1 (unknown fields are to be skipped). */
int                 lagoon_cache_row_find_field    (LagoonCacheRow      *row,
                                                    const char          *name);
/* Scalar fields (string, ref, enum, int, float, bool, datetime) from text as XML-RPC
 * carries them. FALSE (and the field keeps its default) when the text does not parse. */
gboolean            lagoon_cache_row_set_text      (LagoonCacheRow      *row,
                                                    guint                field,
                                                    const char          *text);
/* Any field from a GVariant (loosely typed, as lagoon_cache_apply takes). */
gboolean            lagoon_cache_row_set_value     (LagoonCacheRow      *row,
                                                    guint                field,
                                                    GVariant            *value);
/* One element of a set of strings, refs or enums. */
gboolean            lagoon_cache_row_add_item      (LagoonCacheRow      *row,
                                                    guint                field,
                                                    const char          *item);
/* One entry of a map with string, ref or enum values. */
gboolean            lagoon_cache_row_add_pair      (LagoonCacheRow      *row,
                                                    guint                field,
                                                    const char          *key,
                                                    const char          *value);
void                lagoon_cache_row_commit        (LagoonCacheRow      *row);
void                lagoon_cache_row_abort         (LagoonCacheRow      *row);

/*
 * Full resync (after EVENTS_LOST, a reconnect, or loading a dump): begin_resync opens a
 * batch; apply every object again; end_resync removes the objects that were not applied
 * since begin_resync and closes the batch. Objects that still exist keep their records
 * (and refs), so a selection survives; the batch reports them as modified only when
 * something changed.
 */
void                lagoon_cache_begin_resync      (LagoonCache         *self);
void                lagoon_cache_end_resync        (LagoonCache         *self);
/* Closes a resync that could not complete (the reply broke off) without removing the
 * objects that were not seen: nothing is lost, and the next resync settles it. */
void                lagoon_cache_abort_resync      (LagoonCache         *self);
/* Removes everything (one batch reporting every removal). */
void                lagoon_cache_clear             (LagoonCache         *self);

/* Replaces the cache contents with a database dump (a resync through the apply path). */
gboolean            lagoon_cache_load_dump         (LagoonCache         *self,
                                                    const char          *path,
                                                    GError             **error);
gboolean            lagoon_cache_load_dump_bytes   (LagoonCache         *self,
                                                    GBytes              *bytes,
                                                    GError             **error);

/* Look-ups. The records are owned by the cache. */
const LagoonRecord *lagoon_cache_lookup            (LagoonCache         *self,
                                                    LagoonClassId        class_id,
                                                    const char          *ref);
const LagoonRecord *lagoon_cache_lookup_any        (LagoonCache         *self,
                                                    const char          *ref);
const LagoonRecord *lagoon_cache_lookup_uuid       (LagoonCache         *self,
                                                    LagoonClassId        class_id,
                                                    const char          *uuid);
guint               lagoon_cache_get_n_records     (LagoonCache         *self,
                                                    LagoonClassId        class_id);
/* A new array (no free func) of the class's records, in no particular order. */
GPtrArray          *lagoon_cache_list              (LagoonCache         *self,
                                                    LagoonClassId        class_id);
void                lagoon_cache_iter_init         (LagoonCacheIter     *iter,
                                                    LagoonCache         *self,
                                                    LagoonClassId        class_id);
gboolean            lagoon_cache_iter_next         (LagoonCacheIter     *iter,
                                                    const LagoonRecord **rec);

/*
 * Relation indexes: records of @class_id by the value of one of their ref (or string)
 * fields, kept up to date by every apply. The cache indexes these from the start:
 * VM.resident_on, VM.affinity, VM.snapshot_of, VM.appliance, VBD.VM, VBD.VDI, VIF.VM,
 * VIF.network, PBD.SR, PBD.host, PIF.host, PIF.network, VDI.SR, console.VM,
 * host.metrics... (see lagoon-cache.c), message.obj_uuid. Others can be added at any time.
 */
void                lagoon_cache_add_index         (LagoonCache         *self,
                                                    LagoonClassId        class_id,
                                                    guint                field);
gboolean            lagoon_cache_has_index         (LagoonCache         *self,
                                                    LagoonClassId        class_id,
                                                    guint                field);
/* The records of @class_id whose @field equals @target (in no particular order), valid
 * until the next change. Returns NULL with *n_records = 0 when there are none. */
const LagoonRecord *const *lagoon_cache_get_referrers (LagoonCache      *self,
                                                    LagoonClassId        class_id,
                                                    guint                field,
                                                    const char          *target,
                                                    guint               *n_records);

/* Measurements: distinct interned strings and the bytes they take. */
guint               lagoon_cache_get_n_strings     (LagoonCache         *self);
gsize               lagoon_cache_get_string_bytes  (LagoonCache         *self);

/* ---- batches (valid only during ::batch-applied) ---------------------------------- */

typedef void (*LagoonCacheBatchFunc) (LagoonClassId     class_id,
                                      const char       *ref,
                                      LagoonChangeKind  kind,
                                      gpointer          user_data);

gboolean         lagoon_cache_batch_is_empty      (const LagoonCacheBatch *batch);
gboolean         lagoon_cache_batch_is_resync     (const LagoonCacheBatch *batch);
gboolean         lagoon_cache_batch_has_class     (const LagoonCacheBatch *batch,
                                                   LagoonClassId           class_id);
/* Changes of @kind (LAGOON_CHANGE_NONE: all kinds) in @class_id. */
guint            lagoon_cache_batch_count         (const LagoonCacheBatch *batch,
                                                   LagoonClassId           class_id,
                                                   LagoonChangeKind        kind);
LagoonChangeKind lagoon_cache_batch_lookup        (const LagoonCacheBatch *batch,
                                                   LagoonClassId           class_id,
                                                   const char             *ref);
/* TRUE when @field of the object changed (every field of an added object counts). */
gboolean         lagoon_cache_batch_field_changed (const LagoonCacheBatch *batch,
                                                   LagoonClassId           class_id,
                                                   const char             *ref,
                                                   guint                   field);
/* Calls @func for each change of @class_id, or of every class when @class_id is -1. */
void             lagoon_cache_batch_foreach       (const LagoonCacheBatch *batch,
                                                   int                     class_id,
                                                   LagoonCacheBatchFunc    func,
                                                   gpointer                user_data);

G_END_DECLS
