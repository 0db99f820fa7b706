/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-record-private.h: record storage internals shared by the cache and the record
 * accessors. Not for use outside src/model.
 */
#pragma once

#include "lagoon-record.h"

G_BEGIN_DECLS

/*
 * The string pool: refcounted interning. Each distinct string is stored once, behind a
 * 32-bit count, and the set of live strings is one GHashTable (keys only). A string is
 * freed when its last holder releases it, so a VM renamed a thousand times leaves no trace
 * of its old names. "" is a static string that is never counted.
 */
typedef struct _LagoonStringPool LagoonStringPool;

LagoonStringPool *lagoon_string_pool_new      (void);
void              lagoon_string_pool_free     (LagoonStringPool *pool);
/* Returns the interned copy of @s with one more reference. */
const char       *lagoon_string_pool_intern   (LagoonStringPool *pool,
                                               const char       *s);
/* Adds a reference to an already interned string. */
const char       *lagoon_string_pool_ref      (const char       *interned);
void              lagoon_string_pool_release  (LagoonStringPool *pool,
                                               const char       *interned);
guint             lagoon_string_pool_size     (LagoonStringPool *pool);
/* Bytes held by the strings themselves (headers included), for measurements. */
gsize             lagoon_string_pool_bytes    (LagoonStringPool *pool);

typedef enum {
  LAGOON_SLOT_STRING,   /* string and enum: interned, "" for empty */
  LAGOON_SLOT_REF,      /* interned, NULL for OpaqueRef:NULL */
  LAGOON_SLOT_INT,
  LAGOON_SLOT_FLOAT,
  LAGOON_SLOT_BOOL,
  LAGOON_SLOT_DATETIME, /* gint64 seconds */
  LAGOON_SLOT_STRV,     /* set of string/ref/enum: LagoonStrv or NULL when empty */
  LAGOON_SLOT_SMAP,     /* map with string/ref/enum values: LagoonStrv of pairs or NULL */
  LAGOON_SLOT_VARIANT,  /* anything else: canonical GVariant */
} LagoonSlotKind;

typedef struct
{
  guint       n;   /* items (sets) or pairs (maps) */
  const char *s[]; /* n or 2n interned strings, then NULL */
} LagoonStrv;

typedef union
{
  gint64      i;
  double      d;
  gboolean    b;
  const char *s;
  LagoonStrv *strv;
  GVariant   *v;
} LagoonSlot;

struct _LagoonRecord
{
  const LagoonSchemaClass *klass;
  const char              *ref;  /* interned */
  guint32                  mark; /* resync generation last seen */
  LagoonSlot               slots[];
};

LagoonSlotKind lagoon_slot_kind_for_type (const LagoonType *type);

/* Per-class storage layout and defaults, computed once per pool. */
typedef struct
{
  const LagoonSchemaClass *klass;
  const guint8            *kinds;    /* LagoonSlotKind per field */
  LagoonSlot              *defaults; /* one reference held on each */
  int                      uuid_field;
  int                      name_field;
} LagoonClassLayout;

LagoonClassLayout *lagoon_class_layout_new   (LagoonStringPool        *pool,
                                              const LagoonSchemaClass *klass);
void               lagoon_class_layout_free  (LagoonStringPool        *pool,
                                              LagoonClassLayout       *layout);

/* Converts a loosely or canonically typed value to a slot (new references taken).
 * Returns FALSE (and leaves @out untouched) when the value cannot be read as the type. */
gboolean   lagoon_slot_from_variant (LagoonStringPool        *pool,
                                     const LagoonSchemaField *field,
                                     LagoonSlotKind           kind,
                                     GVariant                *value,
                                     LagoonSlot              *out);
/* The same from text as XML-RPC carries scalars (ints as decimal strings, bools as
 * "true"/"false"/"1"/"0"); only for STRING, REF, INT, FLOAT, BOOL and DATETIME slots. */
gboolean   lagoon_slot_from_text    (LagoonStringPool        *pool,
                                     const LagoonSchemaField *field,
                                     LagoonSlotKind           kind,
                                     const char              *text,
                                     LagoonSlot              *out);
/* A set (@pairs FALSE) or map (@pairs TRUE) slot from interned strings, taking their
 * references; NULL or empty gives the empty slot. */
LagoonSlot lagoon_slot_take_strings (GPtrArray               *strings,
                                     gboolean                 pairs);
/*
 * Serialised GVariants (normal form, as the streaming XML-RPC parser writes them) read
 * without creating a GVariant per value: a{sv} split into entries, and slots made straight
 * from the bytes of the usual shapes ("s", "x", "i", "b", "d", "av" of "s", "as",
 * "a{sv}" of "s", "a{ss}").
 */
typedef struct
{
  const char   *key;
  const char   *type; /* points into the data: not NUL-terminated, @type_len bytes */
  gsize         type_len;
  const guint8 *data;
  gsize         size;
} LagoonWireEntry;

/* FALSE when the bytes are not a well-formed a{sv} (the caller then takes the slow way). */
gboolean   lagoon_wire_split_vardict (const guint8            *data,
                                      gsize                    size,
                                      GArray                  *entries);
/* 1: converted; 0: a value that does not fit the field; -1: a shape not handled here. */
int        lagoon_slot_from_wire     (LagoonStringPool        *pool,
                                      const LagoonSchemaField *field,
                                      LagoonSlotKind           kind,
                                      const LagoonWireEntry   *entry,
                                      LagoonSlot              *out);
LagoonSlot lagoon_slot_copy         (LagoonSlotKind           kind,
                                     LagoonSlot               slot);
void       lagoon_slot_clear        (LagoonStringPool        *pool,
                                     LagoonSlotKind           kind,
                                     LagoonSlot              *slot);
gboolean   lagoon_slot_equal        (LagoonSlotKind           kind,
                                     LagoonSlot               a,
                                     LagoonSlot               b);
GVariant  *lagoon_slot_to_variant   (const LagoonSchemaField *field,
                                     LagoonSlotKind           kind,
                                     LagoonSlot               slot);

/* The slot kind of every field of @klass (a pure function of the schema, computed once). */
const guint8 *lagoon_class_slot_kinds (const LagoonSchemaClass *klass);

G_END_DECLS
