/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-record"

#include "config.h"

#include <errno.h>
#include <string.h>

#include "lagoon-record-private.h"

/* ---- string pool ----------------------------------------------------------- */

typedef struct
{
  guint32 refcount;
  char    str[];
} PoolEntry;

#define POOL_ENTRY(s) ((PoolEntry *) (gpointer) ((char *) (s) - G_STRUCT_OFFSET (PoolEntry, str)))

static const char pool_empty[] = "";

struct _LagoonStringPool
{
  GHashTable *set; /* char* (PoolEntry.str) */
  gsize       bytes;
};

LagoonStringPool *
lagoon_string_pool_new (void)
{
  LagoonStringPool *pool = g_new0 (LagoonStringPool, 1);

  pool->set = g_hash_table_new (g_str_hash, g_str_equal);
  return pool;
}

void
lagoon_string_pool_free (LagoonStringPool *pool)
{
  GHashTableIter iter;
  gpointer key;

  if (pool == NULL)
    return;
  g_hash_table_iter_init (&iter, pool->set);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_free (POOL_ENTRY (key));
  g_hash_table_unref (pool->set);
  g_free (pool);
}

const char *
lagoon_string_pool_intern (LagoonStringPool *pool,
                           const char       *s)
{
  char *found;
  PoolEntry *e;
  gsize len;

  if (s == NULL || *s == '\0')
    return pool_empty;

  found = g_hash_table_lookup (pool->set, s);
  if (found != NULL)
    {
      POOL_ENTRY (found)->refcount++;
      return found;
    }

  len = strlen (s);
  e = g_malloc (sizeof (PoolEntry) + len + 1);
  e->refcount = 1;
  memcpy (e->str, s, len + 1);
  g_hash_table_add (pool->set, e->str);
  pool->bytes += sizeof (PoolEntry) + len + 1;
  return e->str;
}

const char *
lagoon_string_pool_ref (const char *interned)
{
  if (interned != NULL && *interned != '\0')
    POOL_ENTRY (interned)->refcount++;
  return interned;
}

void
lagoon_string_pool_release (LagoonStringPool *pool,
                            const char       *interned)
{
  PoolEntry *e;

  if (interned == NULL || *interned == '\0')
    return;
  e = POOL_ENTRY (interned);
  g_assert (e->refcount > 0);
  if (--e->refcount > 0)
    return;
  g_hash_table_remove (pool->set, interned);
  pool->bytes -= sizeof (PoolEntry) + strlen (e->str) + 1;
  g_free (e);
}

guint
lagoon_string_pool_size (LagoonStringPool *pool)
{
  return g_hash_table_size (pool->set);
}

gsize
lagoon_string_pool_bytes (LagoonStringPool *pool)
{
  return pool->bytes;
}

/* ---- slot kinds ------------------------------------------------------------- */

static gboolean
is_stringish (const LagoonType *type)
{
  return type != NULL &&
         (type->kind == LAGOON_TYPE_STRING || type->kind == LAGOON_TYPE_REF ||
          type->kind == LAGOON_TYPE_ENUM || type->kind == LAGOON_TYPE_VOID);
}

LagoonSlotKind
lagoon_slot_kind_for_type (const LagoonType *type)
{
  switch (type->kind)
    {
    case LAGOON_TYPE_VOID:
    case LAGOON_TYPE_STRING:
    case LAGOON_TYPE_ENUM:
      return LAGOON_SLOT_STRING;
    case LAGOON_TYPE_REF:
      return LAGOON_SLOT_REF;
    case LAGOON_TYPE_INT:
      return LAGOON_SLOT_INT;
    case LAGOON_TYPE_FLOAT:
      return LAGOON_SLOT_FLOAT;
    case LAGOON_TYPE_BOOL:
      return LAGOON_SLOT_BOOL;
    case LAGOON_TYPE_DATETIME:
      return LAGOON_SLOT_DATETIME;
    case LAGOON_TYPE_SET:
      return is_stringish (type->value) ? LAGOON_SLOT_STRV : LAGOON_SLOT_VARIANT;
    case LAGOON_TYPE_MAP:
      return is_stringish (type->value) ? LAGOON_SLOT_SMAP : LAGOON_SLOT_VARIANT;
    case LAGOON_TYPE_RECORD:
    case LAGOON_TYPE_OPTION:
    case LAGOON_TYPE_EVENT_BATCH:
    default:
      return LAGOON_SLOT_VARIANT;
    }
}

static guint8 **all_slot_kinds;

const guint8 *
lagoon_class_slot_kinds (const LagoonSchemaClass *klass)
{
  if (g_once_init_enter (&all_slot_kinds))
    {
      guint8 **table = g_new0 (guint8 *, LAGOON_N_CLASSES);

      for (guint c = 0; c < lagoon_schema_n_classes; c++)
        {
          const LagoonSchemaClass *k = &lagoon_schema_classes[c];
          guint8 *kinds = g_new (guint8, MAX (k->n_fields, 1));

          for (guint f = 0; f < k->n_fields; f++)
            kinds[f] = lagoon_slot_kind_for_type (k->fields[f].type);
          table[k->id] = kinds;
        }
      g_once_init_leave (&all_slot_kinds, table);
    }
  return all_slot_kinds[klass->id];
}

/* ---- slots ------------------------------------------------------------------ */

static GVariant *
unbox (GVariant *value)
{
  g_variant_ref (value);
  while (*g_variant_get_type_string (value) == 'v')
    {
      GVariant *inner = g_variant_get_variant (value);
      g_variant_unref (value);
      value = inner;
    }
  return value;
}

static gboolean
parse_int (const char *s,
           gint64     *out)
{
  char *end = NULL;
  gint64 v;

  errno = 0;
  v = g_ascii_strtoll (s, &end, 10);
  if (end == s || *end != '\0' || errno != 0)
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
parse_double (const char *s,
              double     *out)
{
  char *end = NULL;
  double v;

  errno = 0;
  v = g_ascii_strtod (s, &end);
  if (end == s || *end != '\0' || errno == ERANGE)
    return FALSE;
  *out = v;
  return TRUE;
}

static LagoonStrv *
strv_new (guint n_strings)
{
  LagoonStrv *v = g_malloc (sizeof (LagoonStrv) + (n_strings + 1) * sizeof (char *));

  v->s[n_strings] = NULL;
  return v;
}

static void
strv_free (LagoonStringPool *pool,
           LagoonStrv       *v,
           guint             n_strings)
{
  if (v == NULL)
    return;
  for (guint i = 0; i < n_strings; i++)
    lagoon_string_pool_release (pool, v->s[i]);
  g_free (v);
}

static gboolean
strv_from_variant (LagoonStringPool *pool,
                   GVariant         *value,
                   LagoonSlot       *out)
{
  gsize n;
  LagoonStrv *v;

  if (!g_variant_is_container (value) || g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    return FALSE;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT))
    {
      /* An empty struct is how some encoders write an empty array. */
      if (g_variant_n_children (value) != 0)
        return FALSE;
      out->strv = NULL;
      return TRUE;
    }

  n = g_variant_n_children (value);
  if (n == 0)
    {
      out->strv = NULL;
      return TRUE;
    }

  v = strv_new (n);
  v->n = n;
  for (gsize i = 0; i < n; i++)
    {
      GVariant *child = g_variant_get_child_value (value, i);
      GVariant *item = unbox (child);

      g_variant_unref (child);
      if (!g_variant_is_of_type (item, G_VARIANT_TYPE_STRING))
        {
          g_variant_unref (item);
          strv_free (pool, v, i);
          return FALSE;
        }
      v->s[i] = lagoon_string_pool_intern (pool, g_variant_get_string (item, NULL));
      g_variant_unref (item);
    }
  out->strv = v;
  return TRUE;
}

static gboolean
smap_from_variant (LagoonStringPool *pool,
                   GVariant         *value,
                   LagoonSlot       *out)
{
  gsize n;
  LagoonStrv *v;

  if (!g_variant_is_of_type (value, G_VARIANT_TYPE ("a{s*}")))
    {
      /* An empty array is how some encoders write an empty struct. */
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_ARRAY) && g_variant_n_children (value) == 0)
        {
          out->strv = NULL;
          return TRUE;
        }
      return FALSE;
    }

  n = g_variant_n_children (value);
  if (n == 0)
    {
      out->strv = NULL;
      return TRUE;
    }

  v = strv_new (2 * n);
  v->n = n;
  for (gsize i = 0; i < n; i++)
    {
      GVariant *entry = g_variant_get_child_value (value, i);
      GVariant *key = g_variant_get_child_value (entry, 0);
      GVariant *child = g_variant_get_child_value (entry, 1);
      GVariant *item = unbox (child);

      g_variant_unref (child);
      g_variant_unref (entry);
      if (!g_variant_is_of_type (item, G_VARIANT_TYPE_STRING))
        {
          g_variant_unref (item);
          g_variant_unref (key);
          strv_free (pool, v, 2 * i);
          return FALSE;
        }
      v->s[2 * i] = lagoon_string_pool_intern (pool, g_variant_get_string (key, NULL));
      v->s[2 * i + 1] = lagoon_string_pool_intern (pool, g_variant_get_string (item, NULL));
      g_variant_unref (item);
      g_variant_unref (key);
    }
  out->strv = v;
  return TRUE;
}

static gboolean
slot_from_unboxed (LagoonStringPool        *pool,
                   const LagoonSchemaField *field,
                   LagoonSlotKind           kind,
                   GVariant                *value,
                   LagoonSlot              *out)
{
  const LagoonType *type = field->type;
  /* One look at the type string instead of a series of g_variant_is_of_type (). */
  const char *ts = g_variant_get_type_string (value);
  char t = ts[1] == '\0' ? ts[0] : '?';
  const char *s = t == 's' ? g_variant_get_string (value, NULL) : NULL;

  switch (kind)
    {
    case LAGOON_SLOT_STRING:
      if (s != NULL)
        {
          if (type->kind == LAGOON_TYPE_ENUM && lagoon_schema_enum_index (type->enum_type, s) < 0)
            {
              g_autofree char *shown = g_utf8_make_valid (s, -1);
              g_debug ("%s: '%s' is not a known %s value; kept as is", field->name, shown,
                       type->enum_type->name);
            }
          out->s = lagoon_string_pool_intern (pool, s);
          return TRUE;
        }
      return FALSE;

    case LAGOON_SLOT_REF:
      if (s != NULL)
        {
          out->s = (*s == '\0' || strcmp (s, LAGOON_NULL_REF) == 0)
                     ? NULL : lagoon_string_pool_intern (pool, s);
          return TRUE;
        }
      return FALSE;

    case LAGOON_SLOT_INT:
      switch (t)
        {
        case 's':
          return parse_int (s, &out->i);
        case 'x':
          out->i = g_variant_get_int64 (value);
          return TRUE;
        case 'i':
          out->i = g_variant_get_int32 (value);
          return TRUE;
        case 'u':
          out->i = g_variant_get_uint32 (value);
          return TRUE;
        case 'd':
          if (g_variant_get_double (value) != (double) (gint64) g_variant_get_double (value))
            return FALSE;
          out->i = (gint64) g_variant_get_double (value);
          return TRUE;
        default:
          return FALSE;
        }

    case LAGOON_SLOT_FLOAT:
      switch (t)
        {
        case 's':
          return parse_double (s, &out->d);
        case 'd':
          out->d = g_variant_get_double (value);
          return TRUE;
        case 'x':
          out->d = (double) g_variant_get_int64 (value);
          return TRUE;
        case 'i':
          out->d = g_variant_get_int32 (value);
          return TRUE;
        default:
          return FALSE;
        }

    case LAGOON_SLOT_BOOL:
      switch (t)
        {
        case 'b':
          out->b = g_variant_get_boolean (value);
          return TRUE;
        case 'i':
          out->b = g_variant_get_int32 (value) != 0;
          return TRUE;
        case 'x':
          out->b = g_variant_get_int64 (value) != 0;
          return TRUE;
        case 's':
          if (g_ascii_strcasecmp (s, "true") == 0 || strcmp (s, "1") == 0)
            out->b = TRUE;
          else if (g_ascii_strcasecmp (s, "false") == 0 || strcmp (s, "0") == 0)
            out->b = FALSE;
          else
            return FALSE;
          return TRUE;
        default:
          return FALSE;
        }

    case LAGOON_SLOT_DATETIME:
      if (s != NULL)
        {
          if (*s == '\0' || strcmp (s, LAGOON_NULL_DATETIME) == 0)
            out->i = 0;
          else if (!lagoon_datetime_parse (s, &out->i))
            return FALSE;
          return TRUE;
        }
      if (t == 'x')
        {
          out->i = g_variant_get_int64 (value);
          return TRUE;
        }
      return FALSE;

    case LAGOON_SLOT_STRV:
      return strv_from_variant (pool, value, out);

    case LAGOON_SLOT_SMAP:
      return smap_from_variant (pool, value, out);

    case LAGOON_SLOT_VARIANT:
    default:
      {
        g_autoptr(GError) error = NULL;
        GVariant *v = lagoon_value_coerce (type, value, &error);

        if (v == NULL)
          return FALSE;
        out->v = v;
        return TRUE;
      }
    }
}

gboolean
lagoon_slot_from_variant (LagoonStringPool        *pool,
                          const LagoonSchemaField *field,
                          LagoonSlotKind           kind,
                          GVariant                *value,
                          LagoonSlot              *out)
{
  g_autoptr(GVariant) unboxed = unbox (value);
  LagoonSlot slot = { 0 };

  if (slot_from_unboxed (pool, field, kind, unboxed, &slot))
    {
      *out = slot;
      return TRUE;
    }

  /* Odd shapes (numbers in string sets and maps, for instance): let the schema codec
   * canonicalise the value, then read the canonical form. */
  if (kind != LAGOON_SLOT_VARIANT)
    {
      g_autoptr(GVariant) canonical = lagoon_value_coerce (field->type, unboxed, NULL);

      if (canonical != NULL && !g_variant_equal (canonical, unboxed) &&
          slot_from_unboxed (pool, field, kind, canonical, &slot))
        {
          *out = slot;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
lagoon_slot_from_text (LagoonStringPool        *pool,
                       const LagoonSchemaField *field,
                       LagoonSlotKind           kind,
                       const char              *text,
                       LagoonSlot              *out)
{
  LagoonSlot slot = { 0 };

  if (text == NULL)
    return FALSE;
  switch (kind)
    {
    case LAGOON_SLOT_STRING:
    case LAGOON_SLOT_REF:
    case LAGOON_SLOT_INT:
    case LAGOON_SLOT_FLOAT:
    case LAGOON_SLOT_BOOL:
    case LAGOON_SLOT_DATETIME:
      {
        /* Same rules as for a string GVariant, without building one. */
        if (kind == LAGOON_SLOT_STRING)
          {
            if (field->type->kind == LAGOON_TYPE_ENUM &&
                lagoon_schema_enum_index (field->type->enum_type, text) < 0)
              {
                g_autofree char *shown = g_utf8_make_valid (text, -1);
                g_debug ("%s: '%s' is not a known %s value; kept as is", field->name, shown,
                         field->type->enum_type->name);
              }
            slot.s = lagoon_string_pool_intern (pool, text);
          }
        else if (kind == LAGOON_SLOT_REF)
          slot.s = (*text == '\0' || strcmp (text, LAGOON_NULL_REF) == 0)
                     ? NULL : lagoon_string_pool_intern (pool, text);
        else if (kind == LAGOON_SLOT_INT)
          {
            if (!parse_int (text, &slot.i))
              return FALSE;
          }
        else if (kind == LAGOON_SLOT_FLOAT)
          {
            if (!parse_double (text, &slot.d))
              return FALSE;
          }
        else if (kind == LAGOON_SLOT_BOOL)
          {
            if (g_ascii_strcasecmp (text, "true") == 0 || strcmp (text, "1") == 0)
              slot.b = TRUE;
            else if (g_ascii_strcasecmp (text, "false") == 0 || strcmp (text, "0") == 0)
              slot.b = FALSE;
            else
              return FALSE;
          }
        else if (*text == '\0' || strcmp (text, LAGOON_NULL_DATETIME) == 0)
          slot.i = 0;
        else if (!lagoon_datetime_parse (text, &slot.i))
          return FALSE;
        *out = slot;
        return TRUE;
      }
    default:
      return FALSE;
    }
}

LagoonSlot
lagoon_slot_take_strings (GPtrArray *strings,
                          gboolean   pairs)
{
  LagoonSlot slot = { 0 };
  guint n;

  if (strings == NULL || strings->len == 0)
    return slot;
  n = strings->len;
  slot.strv = strv_new (n);
  slot.strv->n = pairs ? n / 2 : n;
  memcpy (slot.strv->s, strings->pdata, n * sizeof (char *));
  g_ptr_array_set_size (strings, 0);
  return slot;
}

/* ---- serialised GVariants ------------------------------------------------------- */

typedef struct
{
  const guint8 *data;
  gsize         size;
} Span;

static gsize
offset_size_for (gsize size)
{
  if (size > G_MAXUINT32)
    return 8;
  if (size > G_MAXUINT16)
    return 4;
  if (size > G_MAXUINT8)
    return 2;
  return size > 0 ? 1 : 0;
}

/* Framing offsets are little-endian. */
static gsize
read_offset (const guint8 *p,
             gsize         osize)
{
  gsize v = 0;

  for (gsize i = osize; i-- > 0;)
    v = (v << 8) | p[i];
  return v;
}

/* Elements of an array of variable-size elements aligned to @align_mask + 1. */
static gboolean
wire_array (Span    c,
            gsize   align_mask,
            GArray *out)
{
  gsize osize, last_end, n, start = 0;

  g_array_set_size (out, 0);
  if (c.size == 0)
    return TRUE;
  osize = offset_size_for (c.size);
  if (c.size < osize)
    return FALSE;
  last_end = read_offset (c.data + c.size - osize, osize);
  if (last_end > c.size || (c.size - last_end) % osize != 0)
    return FALSE;
  n = (c.size - last_end) / osize;
  if (n == 0)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      gsize end = read_offset (c.data + last_end + i * osize, osize);
      Span e;

      start = (start + align_mask) & ~align_mask;
      if (start > end || end > last_end)
        return FALSE;
      e.data = c.data + start;
      e.size = end - start;
      g_array_append_val (out, e);
      start = end;
    }
  return TRUE;
}

/* A string member: NUL-terminated inside its span. */
static const char *
wire_string (Span s)
{
  if (s.size == 0 || s.data[s.size - 1] != '\0')
    return NULL;
  return (const char *) s.data;
}

/* A dict entry whose key is a string: the key and the value's span. */
static gboolean
wire_entry (Span        e,
            gsize       value_align_mask,
            const char **key,
            Span       *value)
{
  gsize osize = offset_size_for (e.size), key_end, vstart;

  if (e.size < osize + 1)
    return FALSE;
  key_end = read_offset (e.data + e.size - osize, osize);
  if (key_end == 0 || key_end > e.size - osize || e.data[key_end - 1] != '\0')
    return FALSE;
  vstart = (key_end + value_align_mask) & ~value_align_mask;
  if (vstart > e.size - osize)
    return FALSE;
  *key = (const char *) e.data;
  value->data = e.data + vstart;
  value->size = e.size - osize - vstart;
  return TRUE;
}

/* A variant: the child's span and its type string (not NUL-terminated). */
static gboolean
wire_variant (Span         v,
              Span        *child,
              const char **type,
              gsize       *type_len)
{
  gsize p = v.size, nul;

  /* The type string follows the last NUL (type strings have none). */
  while (p > 0 && v.data[p - 1] != '\0')
    p--;
  if (p == 0 || p >= v.size)
    return FALSE;
  nul = p - 1;
  child->data = v.data;
  child->size = nul;
  *type = (const char *) v.data + p;
  *type_len = v.size - p;
  return TRUE;
}

static gboolean
type_is (const char *type,
         gsize       len,
         const char *want)
{
  return strlen (want) == len && memcmp (type, want, len) == 0;
}

gboolean
lagoon_wire_split_vardict (const guint8 *data,
                           gsize         size,
                           GArray       *entries)
{
  g_autoptr(GArray) spans = g_array_new (FALSE, FALSE, sizeof (Span));
  Span all = { data, size };

  g_array_set_size (entries, 0);
  if (!wire_array (all, 7, spans))
    return FALSE;
  for (guint i = 0; i < spans->len; i++)
    {
      LagoonWireEntry entry;
      Span value, child;

      if (!wire_entry (g_array_index (spans, Span, i), 7, &entry.key, &value) ||
          !wire_variant (value, &child, &entry.type, &entry.type_len))
        return FALSE;
      entry.data = child.data;
      entry.size = child.size;
      g_array_append_val (entries, entry);
    }
  return TRUE;
}

static int
wire_strv (LagoonStringPool *pool,
           Span              c,
           gboolean          boxed,
           LagoonSlot       *out)
{
  g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (Span));
  LagoonStrv *v;

  if (!wire_array (c, boxed ? 7 : 0, items))
    return -1;
  if (items->len == 0)
    {
      out->strv = NULL;
      return 1;
    }
  /* Check everything first: no references to drop on the way out. */
  for (guint i = 0; i < items->len; i++)
    {
      Span item = g_array_index (items, Span, i);

      if (boxed)
        {
          const char *type;
          gsize type_len;

          if (!wire_variant (item, &item, &type, &type_len) || !type_is (type, type_len, "s"))
            return -1;
          g_array_index (items, Span, i) = item;
        }
      if (wire_string (item) == NULL)
        return -1;
    }
  v = strv_new (items->len);
  v->n = items->len;
  for (guint i = 0; i < items->len; i++)
    v->s[i] = lagoon_string_pool_intern (pool, wire_string (g_array_index (items, Span, i)));
  out->strv = v;
  return 1;
}

static int
wire_smap (LagoonStringPool *pool,
           Span              c,
           gboolean          boxed,
           LagoonSlot       *out)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (Span));
  g_autoptr(GPtrArray) strings = NULL;
  LagoonStrv *v;

  if (!wire_array (c, boxed ? 7 : 0, entries))
    return -1;
  if (entries->len == 0)
    {
      out->strv = NULL;
      return 1;
    }
  strings = g_ptr_array_sized_new (2 * entries->len);
  for (guint i = 0; i < entries->len; i++)
    {
      const char *key, *value;
      Span vspan;

      if (!wire_entry (g_array_index (entries, Span, i), boxed ? 7 : 0, &key, &vspan))
        return -1;
      if (boxed)
        {
          const char *type;
          gsize type_len;

          if (!wire_variant (vspan, &vspan, &type, &type_len) || !type_is (type, type_len, "s"))
            return -1;
        }
      if ((value = wire_string (vspan)) == NULL)
        return -1;
      g_ptr_array_add (strings, (gpointer) key);
      g_ptr_array_add (strings, (gpointer) value);
    }
  v = strv_new (strings->len);
  v->n = entries->len;
  for (guint i = 0; i < strings->len; i++)
    v->s[i] = lagoon_string_pool_intern (pool, g_ptr_array_index (strings, i));
  out->strv = v;
  return 1;
}

int
lagoon_slot_from_wire (LagoonStringPool        *pool,
                       const LagoonSchemaField *field,
                       LagoonSlotKind           kind,
                       const LagoonWireEntry   *entry,
                       LagoonSlot              *out)
{
  Span c = { entry->data, entry->size };
  const char *t = entry->type;
  gsize tl = entry->type_len;
  LagoonSlot slot = { 0 };

  if (tl == 1)
    {
      switch (t[0])
        {
        case 's':
          {
            const char *text = wire_string (c);

            if (text == NULL)
              return -1;
            if (kind == LAGOON_SLOT_STRV || kind == LAGOON_SLOT_SMAP || kind == LAGOON_SLOT_VARIANT)
              return -1;
            return lagoon_slot_from_text (pool, field, kind, text, out) ? 1 : 0;
          }
        case 'x':
        case 'd':
          {
            gint64 i;
            double d;

            if (c.size != 8)
              return -1;
            if (t[0] == 'x')
              {
                memcpy (&i, c.data, 8);
                d = (double) i;
              }
            else
              {
                memcpy (&d, c.data, 8);
                if (d != (double) (gint64) d && kind == LAGOON_SLOT_INT)
                  return 0;
                i = (gint64) d;
              }
            if (kind == LAGOON_SLOT_INT)
              slot.i = i;
            else if (kind == LAGOON_SLOT_FLOAT)
              slot.d = d;
            else if (kind == LAGOON_SLOT_BOOL && t[0] == 'x')
              slot.b = i != 0;
            else
              return -1;
            *out = slot;
            return 1;
          }
        case 'b':
          if (c.size != 1 || c.data[0] > 1)
            return -1;
          if (kind != LAGOON_SLOT_BOOL)
            return -1;
          slot.b = c.data[0];
          *out = slot;
          return 1;
        default:
          return -1;
        }
    }

  if (kind == LAGOON_SLOT_STRV)
    {
      if (type_is (t, tl, "av"))
        return wire_strv (pool, c, TRUE, out);
      if (type_is (t, tl, "as"))
        return wire_strv (pool, c, FALSE, out);
      if (type_is (t, tl, "a{sv}") && c.size == 0)
        {
          out->strv = NULL; /* an empty struct for an empty array */
          return 1;
        }
      return -1;
    }
  if (kind == LAGOON_SLOT_SMAP)
    {
      if (type_is (t, tl, "a{sv}"))
        return wire_smap (pool, c, TRUE, out);
      if (type_is (t, tl, "a{ss}"))
        return wire_smap (pool, c, FALSE, out);
      if ((type_is (t, tl, "av") || type_is (t, tl, "as")) && c.size == 0)
        {
          out->strv = NULL; /* an empty array for an empty struct */
          return 1;
        }
      return -1;
    }
  return -1;
}

static guint
strv_len_for_kind (LagoonSlotKind kind,
                   LagoonStrv    *v)
{
  if (v == NULL)
    return 0;
  return kind == LAGOON_SLOT_SMAP ? 2 * v->n : v->n;
}

LagoonSlot
lagoon_slot_copy (LagoonSlotKind kind,
                  LagoonSlot     slot)
{
  LagoonSlot copy = slot;

  switch (kind)
    {
    case LAGOON_SLOT_STRING:
    case LAGOON_SLOT_REF:
      lagoon_string_pool_ref (slot.s);
      break;
    case LAGOON_SLOT_STRV:
    case LAGOON_SLOT_SMAP:
      if (slot.strv != NULL)
        {
          guint n = strv_len_for_kind (kind, slot.strv);
          copy.strv = strv_new (n);
          copy.strv->n = slot.strv->n;
          for (guint i = 0; i < n; i++)
            copy.strv->s[i] = lagoon_string_pool_ref (slot.strv->s[i]);
        }
      break;
    case LAGOON_SLOT_VARIANT:
      if (slot.v != NULL)
        g_variant_ref (slot.v);
      break;
    default:
      break;
    }
  return copy;
}

void
lagoon_slot_clear (LagoonStringPool *pool,
                   LagoonSlotKind    kind,
                   LagoonSlot       *slot)
{
  switch (kind)
    {
    case LAGOON_SLOT_STRING:
    case LAGOON_SLOT_REF:
      lagoon_string_pool_release (pool, slot->s);
      slot->s = NULL;
      break;
    case LAGOON_SLOT_STRV:
    case LAGOON_SLOT_SMAP:
      strv_free (pool, slot->strv, strv_len_for_kind (kind, slot->strv));
      slot->strv = NULL;
      break;
    case LAGOON_SLOT_VARIANT:
      g_clear_pointer (&slot->v, g_variant_unref);
      break;
    default:
      slot->i = 0;
      break;
    }
}

gboolean
lagoon_slot_equal (LagoonSlotKind kind,
                   LagoonSlot     a,
                   LagoonSlot     b)
{
  switch (kind)
    {
    case LAGOON_SLOT_STRING:
    case LAGOON_SLOT_REF:
      return a.s == b.s; /* interned */
    case LAGOON_SLOT_INT:
    case LAGOON_SLOT_DATETIME:
      return a.i == b.i;
    case LAGOON_SLOT_FLOAT:
      return memcmp (&a.d, &b.d, sizeof (double)) == 0;
    case LAGOON_SLOT_BOOL:
      return (!a.b) == (!b.b);
    case LAGOON_SLOT_STRV:
    case LAGOON_SLOT_SMAP:
      {
        guint n = strv_len_for_kind (kind, a.strv);

        if (n != strv_len_for_kind (kind, b.strv))
          return FALSE;
        for (guint i = 0; i < n; i++)
          if (a.strv->s[i] != b.strv->s[i])
            return FALSE;
        return TRUE;
      }
    case LAGOON_SLOT_VARIANT:
    default:
      if (a.v == NULL || b.v == NULL)
        return a.v == b.v;
      return g_variant_equal (a.v, b.v);
    }
}

GVariant *
lagoon_slot_to_variant (const LagoonSchemaField *field,
                        LagoonSlotKind           kind,
                        LagoonSlot               slot)
{
  GVariant *v;

  switch (kind)
    {
    case LAGOON_SLOT_STRING:
      v = g_variant_new_string (slot.s != NULL ? slot.s : "");
      break;
    case LAGOON_SLOT_REF:
      v = g_variant_new_string (slot.s != NULL ? slot.s : LAGOON_NULL_REF);
      break;
    case LAGOON_SLOT_INT:
      v = g_variant_new_int64 (slot.i);
      break;
    case LAGOON_SLOT_FLOAT:
      v = g_variant_new_double (slot.d);
      break;
    case LAGOON_SLOT_BOOL:
      v = g_variant_new_boolean (slot.b);
      break;
    case LAGOON_SLOT_DATETIME:
      v = g_variant_new_take_string (lagoon_datetime_format (slot.i));
      break;
    case LAGOON_SLOT_STRV:
      {
        GVariantBuilder b;

        g_variant_builder_init (&b, G_VARIANT_TYPE ("av"));
        for (guint i = 0; slot.strv != NULL && i < slot.strv->n; i++)
          g_variant_builder_add (&b, "v", g_variant_new_string (slot.strv->s[i]));
        v = g_variant_builder_end (&b);
      }
      break;
    case LAGOON_SLOT_SMAP:
      {
        GVariantBuilder b;

        g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
        for (guint i = 0; slot.strv != NULL && i < slot.strv->n; i++)
          g_variant_builder_add (&b, "{sv}", slot.strv->s[2 * i],
                                 g_variant_new_string (slot.strv->s[2 * i + 1]));
        v = g_variant_builder_end (&b);
      }
      break;
    case LAGOON_SLOT_VARIANT:
    default:
      if (slot.v != NULL)
        return g_variant_ref (slot.v);
      return lagoon_type_zero_value (field->type);
    }
  return g_variant_ref_sink (v);
}

/* ---- class layouts ------------------------------------------------------------ */

LagoonClassLayout *
lagoon_class_layout_new (LagoonStringPool        *pool,
                         const LagoonSchemaClass *klass)
{
  LagoonClassLayout *layout = g_new0 (LagoonClassLayout, 1);

  layout->klass = klass;
  layout->kinds = lagoon_class_slot_kinds (klass);
  layout->defaults = g_new0 (LagoonSlot, MAX (klass->n_fields, 1));
  layout->uuid_field = lagoon_schema_find_field (klass, "uuid");
  layout->name_field = lagoon_schema_find_field (klass, "name_label");
  if (layout->uuid_field >= 0 && layout->kinds[layout->uuid_field] != LAGOON_SLOT_STRING)
    layout->uuid_field = -1;
  if (layout->name_field >= 0 && layout->kinds[layout->name_field] != LAGOON_SLOT_STRING)
    layout->name_field = -1;

  for (guint f = 0; f < klass->n_fields; f++)
    {
      g_autoptr(GVariant) def = lagoon_schema_field_default (&klass->fields[f]);

      /* Defaults are canonical: GVariant slots keep them as they are. */
      if (layout->kinds[f] == LAGOON_SLOT_VARIANT &&
          g_variant_is_of_type (def, lagoon_type_variant_type (klass->fields[f].type)))
        layout->defaults[f].v = g_variant_ref (def);
      else if (!lagoon_slot_from_variant (pool, &klass->fields[f], layout->kinds[f], def,
                                          &layout->defaults[f]))
        {
          g_autoptr(GVariant) zero = lagoon_type_zero_value (klass->fields[f].type);

          if (!lagoon_slot_from_variant (pool, &klass->fields[f], layout->kinds[f], zero,
                                         &layout->defaults[f]))
            g_debug ("%s.%s: no usable default", klass->name, klass->fields[f].name);
        }
    }
  return layout;
}

void
lagoon_class_layout_free (LagoonStringPool  *pool,
                          LagoonClassLayout *layout)
{
  if (layout == NULL)
    return;
  for (guint f = 0; f < layout->klass->n_fields; f++)
    lagoon_slot_clear (pool, layout->kinds[f], &layout->defaults[f]);
  g_free (layout->defaults);
  g_free (layout);
}

/* ---- accessors ---------------------------------------------------------------- */

#define CHECK_FIELD(rec, field, kind, val)                                               \
  G_STMT_START {                                                                         \
    g_return_val_if_fail ((rec) != NULL, val);                                           \
    g_return_val_if_fail ((field) < (rec)->klass->n_fields, val);                        \
    g_return_val_if_fail (lagoon_class_slot_kinds ((rec)->klass)[field] == (kind), val); \
  } G_STMT_END

const LagoonSchemaClass *
lagoon_record_get_class (const LagoonRecord *rec)
{
  g_return_val_if_fail (rec != NULL, NULL);
  return rec->klass;
}

LagoonClassId
lagoon_record_get_class_id (const LagoonRecord *rec)
{
  g_return_val_if_fail (rec != NULL, 0);
  return rec->klass->id;
}

const char *
lagoon_record_get_opaque_ref (const LagoonRecord *rec)
{
  g_return_val_if_fail (rec != NULL, NULL);
  return rec->ref;
}

static const char *
named_string (const LagoonRecord *rec,
              const char         *name)
{
  int f = lagoon_schema_find_field (rec->klass, name);

  if (f < 0 || lagoon_class_slot_kinds (rec->klass)[f] != LAGOON_SLOT_STRING)
    return "";
  return rec->slots[f].s != NULL ? rec->slots[f].s : "";
}

const char *
lagoon_record_get_uuid (const LagoonRecord *rec)
{
  g_return_val_if_fail (rec != NULL, "");
  return named_string (rec, "uuid");
}

const char *
lagoon_record_get_name (const LagoonRecord *rec)
{
  g_return_val_if_fail (rec != NULL, "");
  return named_string (rec, "name_label");
}

const char *
lagoon_record_get_string (const LagoonRecord *rec,
                          guint               field)
{
  CHECK_FIELD (rec, field, LAGOON_SLOT_STRING, "");
  return rec->slots[field].s != NULL ? rec->slots[field].s : "";
}

const char *
lagoon_record_get_ref (const LagoonRecord *rec,
                       guint               field)
{
  CHECK_FIELD (rec, field, LAGOON_SLOT_REF, NULL);
  return rec->slots[field].s;
}

gint64
lagoon_record_get_int (const LagoonRecord *rec,
                       guint               field)
{
  CHECK_FIELD (rec, field, LAGOON_SLOT_INT, 0);
  return rec->slots[field].i;
}

gboolean
lagoon_record_get_bool (const LagoonRecord *rec,
                        guint               field)
{
  CHECK_FIELD (rec, field, LAGOON_SLOT_BOOL, FALSE);
  return rec->slots[field].b;
}

double
lagoon_record_get_double (const LagoonRecord *rec,
                          guint               field)
{
  CHECK_FIELD (rec, field, LAGOON_SLOT_FLOAT, 0.0);
  return rec->slots[field].d;
}

gint64
lagoon_record_get_datetime (const LagoonRecord *rec,
                            guint               field)
{
  CHECK_FIELD (rec, field, LAGOON_SLOT_DATETIME, 0);
  return rec->slots[field].i;
}

int
lagoon_record_get_enum (const LagoonRecord *rec,
                        guint               field)
{
  CHECK_FIELD (rec, field, LAGOON_SLOT_STRING, -1);
  g_return_val_if_fail (rec->klass->fields[field].type->kind == LAGOON_TYPE_ENUM, -1);
  return lagoon_schema_enum_index (rec->klass->fields[field].type->enum_type,
                                   rec->slots[field].s != NULL ? rec->slots[field].s : "");
}

const char *
lagoon_record_get_enum_string (const LagoonRecord *rec,
                               guint               field)
{
  return lagoon_record_get_string (rec, field);
}

static const char * const empty_strv[] = { NULL };

const char * const *
lagoon_record_get_set (const LagoonRecord *rec,
                       guint               field,
                       guint              *n_items)
{
  LagoonStrv *v;

  if (n_items != NULL)
    *n_items = 0;
  CHECK_FIELD (rec, field, LAGOON_SLOT_STRV, empty_strv);
  v = rec->slots[field].strv;
  if (v == NULL)
    return empty_strv;
  if (n_items != NULL)
    *n_items = v->n;
  return v->s;
}

gboolean
lagoon_record_set_contains (const LagoonRecord *rec,
                            guint               field,
                            const char         *item)
{
  LagoonStrv *v;

  CHECK_FIELD (rec, field, LAGOON_SLOT_STRV, FALSE);
  g_return_val_if_fail (item != NULL, FALSE);
  v = rec->slots[field].strv;
  for (guint i = 0; v != NULL && i < v->n; i++)
    if (strcmp (v->s[i], item) == 0)
      return TRUE;
  return FALSE;
}

const char * const *
lagoon_record_get_map (const LagoonRecord *rec,
                       guint               field,
                       guint              *n_pairs)
{
  LagoonStrv *v;

  if (n_pairs != NULL)
    *n_pairs = 0;
  CHECK_FIELD (rec, field, LAGOON_SLOT_SMAP, empty_strv);
  v = rec->slots[field].strv;
  if (v == NULL)
    return empty_strv;
  if (n_pairs != NULL)
    *n_pairs = v->n;
  return v->s;
}

const char *
lagoon_record_map_lookup (const LagoonRecord *rec,
                          guint               field,
                          const char         *key)
{
  LagoonStrv *v;

  CHECK_FIELD (rec, field, LAGOON_SLOT_SMAP, NULL);
  g_return_val_if_fail (key != NULL, NULL);
  v = rec->slots[field].strv;
  for (guint i = 0; v != NULL && i < v->n; i++)
    if (strcmp (v->s[2 * i], key) == 0)
      return v->s[2 * i + 1];
  return NULL;
}

GVariant *
lagoon_record_get_value (const LagoonRecord *rec,
                         guint               field)
{
  g_return_val_if_fail (rec != NULL, NULL);
  g_return_val_if_fail (field < rec->klass->n_fields, NULL);
  return lagoon_slot_to_variant (&rec->klass->fields[field],
                                 lagoon_class_slot_kinds (rec->klass)[field],
                                 rec->slots[field]);
}

GVariant *
lagoon_record_to_variant (const LagoonRecord *rec)
{
  GVariantBuilder b;

  g_return_val_if_fail (rec != NULL, NULL);
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  for (guint f = 0; f < rec->klass->n_fields; f++)
    {
      GVariant *v = lagoon_record_get_value (rec, f);
      g_variant_builder_add (&b, "{sv}", rec->klass->fields[f].name, v);
      g_variant_unref (v);
    }
  return g_variant_ref_sink (g_variant_builder_end (&b));
}
