/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-record.h: one cached XenAPI object, stored compactly.
 *
 * A record holds one 8-byte slot per field of its class, in schema order. Strings, refs
 * and enums are interned in the owning cache's string pool (equal strings share one
 * pointer, so comparing two interned values is a pointer comparison); sets of strings and
 * string-valued maps are arrays of interned pointers; ints, floats, bools and datetimes are
 * stored inline; the rare remaining shapes (int-keyed maps of ints, records, options) keep
 * their canonical GVariant.
 *
 * Records belong to a LagoonCache and stay valid until the cache removes them (a `del`
 * event, a resync sweep, lagoon_cache_clear) or the cache is finalized. Every pointer the
 * accessors return is owned by the cache and valid as long as the record's field keeps
 * that value; copy what you keep across batches.
 */
#pragma once

#include <glib.h>

#include "lagoon-schema.h"

G_BEGIN_DECLS

typedef struct _LagoonRecord LagoonRecord;

const LagoonSchemaClass *lagoon_record_get_class       (const LagoonRecord *rec);
LagoonClassId            lagoon_record_get_class_id    (const LagoonRecord *rec);
/* The object's own ref, interned ("OpaqueRef:..."). */
const char              *lagoon_record_get_opaque_ref  (const LagoonRecord *rec);
/* The uuid field, or "" when the class has none. */
const char              *lagoon_record_get_uuid        (const LagoonRecord *rec);
/* name_label, or "" when the class has none. */
const char              *lagoon_record_get_name        (const LagoonRecord *rec);

/* string and datetime-as-text fields are not mixed: get_string takes string and enum
 * fields; get_ref takes ref fields and returns NULL for OpaqueRef:NULL. */
const char              *lagoon_record_get_string      (const LagoonRecord *rec,
                                                        guint               field);
const char              *lagoon_record_get_ref         (const LagoonRecord *rec,
                                                        guint               field);
gint64                   lagoon_record_get_int         (const LagoonRecord *rec,
                                                        guint               field);
gboolean                 lagoon_record_get_bool        (const LagoonRecord *rec,
                                                        guint               field);
double                   lagoon_record_get_double      (const LagoonRecord *rec,
                                                        guint               field);
/* Seconds since the epoch (0 for the null datetime). */
gint64                   lagoon_record_get_datetime    (const LagoonRecord *rec,
                                                        guint               field);
/* Index of the value in the field's enum, or -1 when the server sent a value this schema
 * does not know (the text is kept: see get_enum_string). */
int                      lagoon_record_get_enum        (const LagoonRecord *rec,
                                                        guint               field);
const char              *lagoon_record_get_enum_string (const LagoonRecord *rec,
                                                        guint               field);

/* Sets of strings, refs or enums: a NULL-terminated array of interned strings (never
 * NULL; empty when the set is empty). @n_items may be NULL. */
const char * const      *lagoon_record_get_set         (const LagoonRecord *rec,
                                                        guint               field,
                                                        guint              *n_items);
gboolean                 lagoon_record_set_contains    (const LagoonRecord *rec,
                                                        guint               field,
                                                        const char         *item);

/* Maps with string, ref or enum values: key, value, key, value..., NULL. */
const char * const      *lagoon_record_get_map         (const LagoonRecord *rec,
                                                        guint               field,
                                                        guint              *n_pairs);
/* The value for @key (keys as on the wire: stringified), or NULL. */
const char              *lagoon_record_map_lookup      (const LagoonRecord *rec,
                                                        guint               field,
                                                        const char         *key);

/* Any field, in the canonical shape documented in lagoon-schema.h. Full reference. */
GVariant                *lagoon_record_get_value       (const LagoonRecord *rec,
                                                        guint               field);
/* The whole record as a{sv} keyed by field name. Full reference. */
GVariant                *lagoon_record_to_variant      (const LagoonRecord *rec);

G_END_DECLS
