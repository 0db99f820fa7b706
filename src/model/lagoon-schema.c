/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-schema"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <stdio.h>

#include "lagoon-schema.h"

G_DEFINE_QUARK (lagoon-schema-error-quark, lagoon_schema_error)

const char * const lagoon_schema_role_names[LAGOON_N_ROLES] = {
  "pool-admin", "pool-operator", "vm-power-admin", "vm-admin", "vm-operator", "read-only",
};

/* ---- look-ups ------------------------------------------------------------ */

static GHashTable *
class_table (gboolean nocase)
{
  static GHashTable *exact;
  static GHashTable *folded;
  static gsize initialized;

  if (g_once_init_enter (&initialized))
    {
      GHashTable *e = g_hash_table_new (g_str_hash, g_str_equal);
      GHashTable *f = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

      for (guint i = 0; i < lagoon_schema_n_classes; i++)
        {
          const LagoonSchemaClass *k = &lagoon_schema_classes[i];
          g_hash_table_insert (e, (gpointer) k->name, (gpointer) k);
          g_hash_table_insert (f, g_ascii_strdown (k->name, -1), (gpointer) k);
        }
      exact = e;
      folded = f;
      g_once_init_leave (&initialized, 1);
    }

  return nocase ? folded : exact;
}

const LagoonSchemaClass *
lagoon_schema_find_class (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  return g_hash_table_lookup (class_table (FALSE), name);
}

const LagoonSchemaClass *
lagoon_schema_find_class_nocase (const char *name)
{
  g_autofree char *folded = NULL;

  g_return_val_if_fail (name != NULL, NULL);
  folded = g_ascii_strdown (name, -1);
  return g_hash_table_lookup (class_table (TRUE), folded);
}

/* Field and message names per class, built once. */
typedef struct
{
  GHashTable *fields;   /* name -> index + 1 */
  GHashTable *columns;  /* db column ("a__b") -> index + 1 */
  GHashTable *messages; /* name -> message */
} ClassIndex;

static ClassIndex *
class_index (const LagoonSchemaClass *klass)
{
  static ClassIndex *indexes;
  static gsize initialized;

  if (g_once_init_enter (&initialized))
    {
      ClassIndex *all = g_new0 (ClassIndex, lagoon_schema_n_classes);

      for (guint i = 0; i < lagoon_schema_n_classes; i++)
        {
          const LagoonSchemaClass *k = &lagoon_schema_classes[i];
          ClassIndex *ci = &all[i];

          ci->fields = g_hash_table_new (g_str_hash, g_str_equal);
          ci->columns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          ci->messages = g_hash_table_new (g_str_hash, g_str_equal);
          for (guint f = 0; f < k->n_fields; f++)
            g_hash_table_insert (ci->fields, (gpointer) k->fields[f].name, GUINT_TO_POINTER (f + 1));
          for (guint m = 0; m < k->n_messages; m++)
            g_hash_table_insert (ci->messages, (gpointer) k->messages[m].name,
                                 (gpointer) &k->messages[m]);
        }
      indexes = all;
      g_once_init_leave (&initialized, 1);
    }

  return &indexes[klass->id];
}

int
lagoon_schema_find_field (const LagoonSchemaClass *klass,
                          const char              *name)
{
  g_return_val_if_fail (klass != NULL, -1);
  g_return_val_if_fail (name != NULL, -1);
  return GPOINTER_TO_INT (g_hash_table_lookup (class_index (klass)->fields, name)) - 1;
}

int
lagoon_schema_find_column (const LagoonSchemaClass *klass,
                           const char              *column)
{
  GString *name;
  int idx;

  g_return_val_if_fail (klass != NULL, -1);
  g_return_val_if_fail (column != NULL, -1);

  if (strstr (column, "__") == NULL)
    return lagoon_schema_find_field (klass, column);

  name = g_string_new (NULL);
  for (const char *p = column; *p; p++)
    {
      if (p[0] == '_' && p[1] == '_')
        p++;
      g_string_append_c (name, *p);
    }
  idx = lagoon_schema_find_field (klass, name->str);
  g_string_free (name, TRUE);
  return idx;
}

const LagoonSchemaMessage *
lagoon_schema_find_message (const LagoonSchemaClass *klass,
                            const char              *name)
{
  g_return_val_if_fail (klass != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return g_hash_table_lookup (class_index (klass)->messages, name);
}

const LagoonSchemaEnum *
lagoon_schema_find_enum (const char *name)
{
  for (guint i = 0; i < lagoon_schema_n_enums; i++)
    if (g_str_equal (lagoon_schema_enums[i]->name, name))
      return lagoon_schema_enums[i];
  return NULL;
}

int
lagoon_schema_enum_index (const LagoonSchemaEnum *e,
                          const char             *value)
{
  g_return_val_if_fail (e != NULL, -1);
  g_return_val_if_fail (value != NULL, -1);

  for (guint i = 0; i < e->n_values; i++)
    if (g_ascii_strcasecmp (e->values[i], value) == 0)
      return (int) i;
  return -1;
}

/* ---- types ---------------------------------------------------------------- */

const GVariantType *
lagoon_type_variant_type (const LagoonType *type)
{
  switch (type->kind)
    {
    case LAGOON_TYPE_VOID:
    case LAGOON_TYPE_STRING:
    case LAGOON_TYPE_DATETIME:
    case LAGOON_TYPE_ENUM:
    case LAGOON_TYPE_REF:
      return G_VARIANT_TYPE_STRING;
    case LAGOON_TYPE_INT:
      return G_VARIANT_TYPE_INT64;
    case LAGOON_TYPE_FLOAT:
      return G_VARIANT_TYPE_DOUBLE;
    case LAGOON_TYPE_BOOL:
      return G_VARIANT_TYPE_BOOLEAN;
    case LAGOON_TYPE_SET:
      return G_VARIANT_TYPE ("av");
    case LAGOON_TYPE_MAP:
    case LAGOON_TYPE_RECORD:
    case LAGOON_TYPE_EVENT_BATCH:
      return G_VARIANT_TYPE_VARDICT;
    case LAGOON_TYPE_OPTION:
      return G_VARIANT_TYPE ("mv");
    default:
      g_return_val_if_reached (G_VARIANT_TYPE_STRING);
    }
}

char *
lagoon_type_to_string (const LagoonType *type)
{
  g_autofree char *inner = NULL;
  g_autofree char *key = NULL;

  switch (type->kind)
    {
    case LAGOON_TYPE_VOID:        return g_strdup ("void");
    case LAGOON_TYPE_STRING:      return g_strdup ("string");
    case LAGOON_TYPE_INT:         return g_strdup ("int");
    case LAGOON_TYPE_FLOAT:       return g_strdup ("float");
    case LAGOON_TYPE_BOOL:        return g_strdup ("bool");
    case LAGOON_TYPE_DATETIME:    return g_strdup ("datetime");
    case LAGOON_TYPE_EVENT_BATCH: return g_strdup ("event batch");
    case LAGOON_TYPE_ENUM:        return g_strdup_printf ("enum %s", type->enum_type->name);
    case LAGOON_TYPE_REF:         return g_strdup_printf ("%s ref", type->class_name);
    case LAGOON_TYPE_RECORD:
      return g_strdup_printf ("%s record", type->class_name ? type->class_name : "<class>");
    case LAGOON_TYPE_SET:
      inner = lagoon_type_to_string (type->value);
      return g_strdup_printf ("%s set", inner);
    case LAGOON_TYPE_OPTION:
      inner = lagoon_type_to_string (type->value);
      return g_strdup_printf ("%s option", inner);
    case LAGOON_TYPE_MAP:
      key = lagoon_type_to_string (type->key);
      inner = lagoon_type_to_string (type->value);
      return g_strdup_printf ("(%s -> %s) map", key, inner);
    default:
      g_return_val_if_reached (g_strdup ("?"));
    }
}

GVariant *
lagoon_type_zero_value (const LagoonType *type)
{
  switch (type->kind)
    {
    case LAGOON_TYPE_VOID:
    case LAGOON_TYPE_STRING:
      return g_variant_ref_sink (g_variant_new_string (""));
    case LAGOON_TYPE_DATETIME:
      return g_variant_ref_sink (g_variant_new_string (LAGOON_NULL_DATETIME));
    case LAGOON_TYPE_ENUM:
      return g_variant_ref_sink (g_variant_new_string (type->enum_type->n_values > 0
                                                       ? type->enum_type->values[0] : ""));
    case LAGOON_TYPE_REF:
      return g_variant_ref_sink (g_variant_new_string (LAGOON_NULL_REF));
    case LAGOON_TYPE_INT:
      return g_variant_ref_sink (g_variant_new_int64 (0));
    case LAGOON_TYPE_FLOAT:
      return g_variant_ref_sink (g_variant_new_double (0.0));
    case LAGOON_TYPE_BOOL:
      return g_variant_ref_sink (g_variant_new_boolean (FALSE));
    case LAGOON_TYPE_SET:
      return g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE_VARIANT, NULL, 0));
    case LAGOON_TYPE_MAP:
    case LAGOON_TYPE_RECORD:
    case LAGOON_TYPE_EVENT_BATCH:
      return g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
    case LAGOON_TYPE_OPTION:
      return g_variant_ref_sink (g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL));
    default:
      g_return_val_if_reached (NULL);
    }
}

GVariant *
lagoon_schema_field_default (const LagoonSchemaField *field)
{
  if (field->default_db != NULL)
    {
      g_autoptr(GError) error = NULL;
      GVariant *v = lagoon_db_value_decode (field->type, field->default_db, &error);

      if (v != NULL)
        return v;
      g_warning ("Bad datamodel default for %s: %s", field->name, error->message);
    }
  return lagoon_type_zero_value (field->type);
}

/* ---- datetimes ------------------------------------------------------------ */

gboolean
lagoon_datetime_parse (const char *text,
                       gint64     *unix_time)
{
  int y, mo, d, h = 0, mi = 0, s = 0;
  int n = 0;
  const char *rest;
  GDateTime *dt;

  g_return_val_if_fail (text != NULL, FALSE);

  /* 20250319T04:16:24Z, 20250319T041624Z, 2025-03-19T04:16:24Z, with optional zone. */
  if (sscanf (text, "%4d%2d%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) == 6 ||
      sscanf (text, "%4d%2d%2dT%2d%2d%2d%n", &y, &mo, &d, &h, &mi, &s, &n) == 6 ||
      sscanf (text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) == 6)
    rest = text + n;
  else
    return FALSE;

  /* Fractional seconds, then Z, +HH:MM or nothing (UTC). */
  if (*rest == '.')
    for (rest++; g_ascii_isdigit (*rest); rest++)
      ;
  if (*rest == 'Z' || *rest == 'z')
    rest++;
  else if (*rest == '+' || *rest == '-')
    {
      int zh = 0, zm = 0, sign = *rest == '-' ? -1 : 1;
      if (sscanf (rest + 1, "%2d:%2d", &zh, &zm) < 1 && sscanf (rest + 1, "%2d%2d", &zh, &zm) < 1)
        return FALSE;
      h -= sign * zh;
      mi -= sign * zm;
      rest += strlen (rest);
    }
  if (*rest != '\0')
    return FALSE;

  dt = g_date_time_new_utc (y, mo, d, 0, 0, 0);
  if (dt == NULL)
    return FALSE;
  *unix_time = g_date_time_to_unix (dt) + h * 3600 + mi * 60 + s;
  g_date_time_unref (dt);
  return TRUE;
}

char *
lagoon_datetime_format (gint64 unix_time)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (unix_time);

  if (dt == NULL)
    return g_strdup (LAGOON_NULL_DATETIME);
  return g_date_time_format (dt, "%Y%m%dT%H:%M:%SZ");
}

/* ---- database-dump S-expressions ----------------------------------------- */

typedef struct
{
  const char *p;
} SexprReader;

static void
sexpr_skip_space (SexprReader *r)
{
  while (g_ascii_isspace (*r->p))
    r->p++;
}

/* Reads one atom ('..', ".." or bare) into a new string. */
static char *
sexpr_read_atom (SexprReader *r,
                 GError     **error)
{
  GString *out = g_string_new (NULL);

  sexpr_skip_space (r);
  if (*r->p == '\'' || *r->p == '"')
    {
      char quote = *r->p++;

      while (*r->p && *r->p != quote)
        {
          if (*r->p == '\\' && r->p[1] != '\0')
            r->p++;
          g_string_append_c (out, *r->p++);
        }
      if (*r->p != quote)
        {
          g_set_error (error, LAGOON_SCHEMA_ERROR, LAGOON_SCHEMA_ERROR_PARSE,
                       "Unterminated string in S-expression");
          return g_string_free (out, TRUE), NULL;
        }
      r->p++;
    }
  else
    {
      while (*r->p && !g_ascii_isspace (*r->p) && *r->p != '(' && *r->p != ')')
        g_string_append_c (out, *r->p++);
      if (out->len == 0)
        {
          g_set_error (error, LAGOON_SCHEMA_ERROR, LAGOON_SCHEMA_ERROR_PARSE,
                       "Expected an atom in S-expression");
          return g_string_free (out, TRUE), NULL;
        }
    }
  return g_string_free (out, FALSE);
}

static gboolean
sexpr_expect (SexprReader *r,
              char         c,
              GError     **error)
{
  sexpr_skip_space (r);
  if (*r->p != c)
    {
      g_set_error (error, LAGOON_SCHEMA_ERROR, LAGOON_SCHEMA_ERROR_PARSE,
                   "Expected '%c' in S-expression", c);
      return FALSE;
    }
  r->p++;
  return TRUE;
}

static gboolean
sexpr_at (SexprReader *r,
          char         c)
{
  sexpr_skip_space (r);
  return *r->p == c;
}

static GVariant *
decode_scalar (const LagoonType *type,
               const char       *text,
               GError          **error)
{
  switch (type->kind)
    {
    case LAGOON_TYPE_VOID:
    case LAGOON_TYPE_STRING:
    case LAGOON_TYPE_REF:
      return g_variant_new_string (text);

    case LAGOON_TYPE_ENUM:
      {
        int idx = lagoon_schema_enum_index (type->enum_type, text);
        /* Unknown enum values from newer or older servers are kept as they are. */
        return g_variant_new_string (idx >= 0 ? type->enum_type->values[idx] : text);
      }

    case LAGOON_TYPE_DATETIME:
      {
        gint64 t;
        if (*text == '\0')
          return g_variant_new_string (LAGOON_NULL_DATETIME);
        if (!lagoon_datetime_parse (text, &t))
          break;
        return g_variant_new_take_string (lagoon_datetime_format (t));
      }

    case LAGOON_TYPE_INT:
      {
        char *end = NULL;
        gint64 v;
        errno = 0;
        v = g_ascii_strtoll (text, &end, 10);
        if (*text == '\0' || *end != '\0' || errno != 0)
          break;
        return g_variant_new_int64 (v);
      }

    case LAGOON_TYPE_FLOAT:
      {
        char *end = NULL;
        double v = g_ascii_strtod (text, &end);
        if (*text == '\0' || *end != '\0')
          break;
        return g_variant_new_double (v);
      }

    case LAGOON_TYPE_BOOL:
      if (g_ascii_strcasecmp (text, "true") == 0 || g_str_equal (text, "1"))
        return g_variant_new_boolean (TRUE);
      if (g_ascii_strcasecmp (text, "false") == 0 || g_str_equal (text, "0"))
        return g_variant_new_boolean (FALSE);
      break;

    default:
      break;
    }

  {
    g_autofree char *tname = lagoon_type_to_string (type);
    g_set_error (error, LAGOON_SCHEMA_ERROR, LAGOON_SCHEMA_ERROR_TYPE,
                 "“%s” is not a valid %s", text, tname);
  }
  return NULL;
}

static GVariant *decode_value (const LagoonType *type, SexprReader *r, gboolean nested,
                               GError **error);

static GVariant *
decode_value (const LagoonType *type,
              SexprReader      *r,
              gboolean          nested,
              GError          **error)
{
  switch (type->kind)
    {
    case LAGOON_TYPE_SET:
      {
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("av"));

        if (!sexpr_expect (r, '(', error))
          return NULL;
        while (!sexpr_at (r, ')'))
          {
            GVariant *item;
            if (*r->p == '\0')
              return sexpr_expect (r, ')', error), NULL;
            item = decode_value (type->value, r, TRUE, error);
            if (item == NULL)
              return NULL;
            g_variant_builder_add (&b, "v", item);
          }
        r->p++;
        return g_variant_builder_end (&b);
      }

    case LAGOON_TYPE_MAP:
      {
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
        g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

        if (!sexpr_expect (r, '(', error))
          return NULL;
        while (!sexpr_at (r, ')'))
          {
            g_autofree char *key = NULL;
            GVariant *val;

            if (*r->p == '\0')
              return sexpr_expect (r, ')', error), NULL;
            if (!sexpr_expect (r, '(', error))
              return NULL;
            key = sexpr_read_atom (r, error);
            if (key == NULL)
              return NULL;
            val = decode_value (type->value, r, TRUE, error);
            if (val == NULL)
              return NULL;
            if (!sexpr_expect (r, ')', error))
              {
                g_variant_unref (g_variant_ref_sink (val));
                return NULL;
              }
            if (g_hash_table_add (seen, g_strdup (key)))
              g_variant_builder_add (&b, "{sv}", key, val);
            else
              g_variant_unref (g_variant_ref_sink (val));
          }
        r->p++;
        return g_variant_builder_end (&b);
      }

    case LAGOON_TYPE_OPTION:
      {
        GVariant *inner;
        if (!nested && *r->p == '\0')
          return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);
        inner = decode_value (type->value, r, nested, error);
        if (inner == NULL)
          return NULL;
        return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, g_variant_new_variant (inner));
      }

    case LAGOON_TYPE_RECORD:
    case LAGOON_TYPE_EVENT_BATCH:
      g_set_error (error, LAGOON_SCHEMA_ERROR, LAGOON_SCHEMA_ERROR_TYPE,
                   "Records cannot be stored in a database column");
      return NULL;

    default:
      if (nested)
        {
          g_autofree char *atom = sexpr_read_atom (r, error);
          if (atom == NULL)
            return NULL;
          return decode_scalar (type, atom, error);
        }
      else
        {
          GVariant *v = decode_scalar (type, r->p, error);
          if (v != NULL)
            r->p += strlen (r->p);
          return v;
        }
    }
}

GVariant *
lagoon_db_value_decode (const LagoonType *type,
                        const char       *text,
                        GError          **error)
{
  SexprReader r = { text };
  GVariant *v;

  g_return_val_if_fail (type != NULL, NULL);
  g_return_val_if_fail (text != NULL, NULL);

  /* Old dumps write an empty attribute for an empty set or map. */
  if ((type->kind == LAGOON_TYPE_SET || type->kind == LAGOON_TYPE_MAP) && *text == '\0')
    return lagoon_type_zero_value (type);

  v = decode_value (type, &r, FALSE, error);
  if (v == NULL)
    return NULL;
  g_variant_ref_sink (v);
  sexpr_skip_space (&r);
  if (*r.p != '\0')
    {
      g_set_error (error, LAGOON_SCHEMA_ERROR, LAGOON_SCHEMA_ERROR_PARSE,
                   "Trailing text after value: “%.20s”", r.p);
      g_variant_unref (v);
      return NULL;
    }
  return v;
}

static void
encode_atom (GString    *out,
             const char *s)
{
  g_string_append_c (out, '\'');
  for (; *s; s++)
    {
      if (*s == '\'' || *s == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *s);
    }
  g_string_append_c (out, '\'');
}

static void
encode_scalar (GString          *out,
               const LagoonType *type,
               GVariant         *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    g_string_append (out, g_variant_get_string (value, NULL));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    g_string_append_printf (out, "%" G_GINT64_FORMAT, g_variant_get_int64 (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.16g", g_variant_get_double (value)));
    }
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    g_string_append (out, g_variant_get_boolean (value) ? "true" : "false");
  else
    g_return_if_reached ();
}

static void
encode_value (GString          *out,
              const LagoonType *type,
              GVariant         *value,
              gboolean          nested)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (value);
      encode_value (out, type, inner, nested);
      return;
    }

  switch (type->kind)
    {
    case LAGOON_TYPE_SET:
      {
        GVariantIter iter;
        GVariant *item;
        gboolean first = TRUE;

        g_string_append_c (out, '(');
        g_variant_iter_init (&iter, value);
        while ((item = g_variant_iter_next_value (&iter)))
          {
            if (!first)
              g_string_append_c (out, ' ');
            first = FALSE;
            encode_value (out, type->value, item, TRUE);
            g_variant_unref (item);
          }
        g_string_append_c (out, ')');
        break;
      }

    case LAGOON_TYPE_MAP:
      {
        GVariantIter iter;
        const char *key;
        GVariant *val;
        gboolean first = TRUE;

        g_string_append_c (out, '(');
        g_variant_iter_init (&iter, value);
        while (g_variant_iter_next (&iter, "{&sv}", &key, &val))
          {
            if (!first)
              g_string_append_c (out, ' ');
            first = FALSE;
            g_string_append_c (out, '(');
            encode_atom (out, key);
            g_string_append_c (out, ' ');
            encode_value (out, type->value, val, TRUE);
            g_string_append_c (out, ')');
            g_variant_unref (val);
          }
        g_string_append_c (out, ')');
        break;
      }

    case LAGOON_TYPE_OPTION:
      {
        g_autoptr(GVariant) inner = g_variant_get_maybe (value);
        if (inner != NULL)
          encode_value (out, type->value, inner, nested);
        break;
      }

    default:
      if (nested)
        {
          g_autoptr(GString) tmp = g_string_new (NULL);
          encode_scalar (tmp, type, value);
          encode_atom (out, tmp->str);
        }
      else
        encode_scalar (out, type, value);
      break;
    }
}

char *
lagoon_db_value_encode (const LagoonType *type,
                        GVariant         *value)
{
  GString *out;

  g_return_val_if_fail (type != NULL, NULL);
  g_return_val_if_fail (value != NULL, NULL);

  out = g_string_new (NULL);
  encode_value (out, type, value, FALSE);
  return g_string_free (out, FALSE);
}

/* ---- coercion of loosely typed input -------------------------------------- */

static GVariant *coerce_value_inner (const LagoonType *type, GVariant *value, GError **error);

/* Returns a full (non-floating) reference, or NULL with @error set. */
static GVariant *
coerce_value (const LagoonType *type,
              GVariant         *value,
              GError          **error)
{
  GVariant *v = coerce_value_inner (type, value, error);

  /* The inner function returns either a new floating value or a full reference to an
   * existing one; take_ref leaves the latter alone. */
  return v != NULL ? g_variant_take_ref (v) : NULL;
}

static GVariant *
coerce_value_inner (const LagoonType *type,
                    GVariant         *value,
                    GError          **error)
{
  g_autoptr(GVariant) unboxed = NULL;

  while (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (value);
      g_clear_pointer (&unboxed, g_variant_unref);
      unboxed = inner;
      value = inner;
    }

  switch (type->kind)
    {
    case LAGOON_TYPE_VOID:
    case LAGOON_TYPE_STRING:
    case LAGOON_TYPE_REF:
    case LAGOON_TYPE_ENUM:
    case LAGOON_TYPE_DATETIME:
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        {
          if (type->kind == LAGOON_TYPE_ENUM &&
              lagoon_schema_enum_index (type->enum_type, g_variant_get_string (value, NULL)) < 0)
            goto bad;
          return decode_scalar (type, g_variant_get_string (value, NULL), error);
        }
      if (type->kind == LAGOON_TYPE_STRING &&
          (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64) ||
           g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE) ||
           g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN)))
        {
          g_autoptr(GString) s = g_string_new (NULL);
          encode_scalar (s, type, value);
          return g_variant_new_string (s->str);
        }
      goto bad;

    case LAGOON_TYPE_INT:
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
        return g_variant_ref (value);
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
        return g_variant_new_int64 (g_variant_get_int32 (value));
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
        {
          double d = g_variant_get_double (value);
          if (d == (double) (gint64) d)
            return g_variant_new_int64 ((gint64) d);
        }
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        return decode_scalar (type, g_variant_get_string (value, NULL), error);
      goto bad;

    case LAGOON_TYPE_FLOAT:
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
        return g_variant_ref (value);
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
        return g_variant_new_double ((double) g_variant_get_int64 (value));
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
        return g_variant_new_double (g_variant_get_int32 (value));
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        return decode_scalar (type, g_variant_get_string (value, NULL), error);
      goto bad;

    case LAGOON_TYPE_BOOL:
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
        return g_variant_ref (value);
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        return decode_scalar (type, g_variant_get_string (value, NULL), error);
      goto bad;

    case LAGOON_TYPE_SET:
      if (g_variant_is_container (value) && !g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT))
        {
          g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("av"));
          GVariantIter iter;
          GVariant *item;

          g_variant_iter_init (&iter, value);
          while ((item = g_variant_iter_next_value (&iter)))
            {
              GVariant *c = coerce_value (type->value, item, error);
              g_variant_unref (item);
              if (c == NULL)
                return NULL;
              g_variant_builder_add (&b, "v", c);
              g_variant_unref (c);
            }
          return g_variant_builder_end (&b);
        }
      /* An empty struct is how some encoders write an empty array. */
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT) && g_variant_n_children (value) == 0)
        return lagoon_type_zero_value (type);
      goto bad;

    case LAGOON_TYPE_MAP:
    case LAGOON_TYPE_RECORD:
    case LAGOON_TYPE_EVENT_BATCH:
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT))
        {
          g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
          const LagoonSchemaClass *klass = NULL;
          GVariantIter iter;
          const char *key;
          GVariant *val;

          if (type->kind == LAGOON_TYPE_RECORD && type->class_name != NULL)
            klass = lagoon_schema_find_class (type->class_name);

          g_variant_iter_init (&iter, value);
          while (g_variant_iter_next (&iter, "{&sv}", &key, &val))
            {
              const LagoonType *vt = NULL;
              GVariant *c;

              if (type->kind == LAGOON_TYPE_MAP)
                vt = type->value;
              else if (klass != NULL)
                {
                  int f = lagoon_schema_find_field (klass, key);
                  if (f < 0)
                    {
                      /* xapi ignores unknown members of a record. */
                      g_variant_unref (val);
                      continue;
                    }
                  vt = klass->fields[f].type;
                }

              if (vt == NULL)
                c = g_variant_ref (val);
              else
                {
                  c = coerce_value (vt, val, error);
                  if (c == NULL)
                    {
                      g_prefix_error (error, "%s: ", key);
                      g_variant_unref (val);
                      return NULL;
                    }
                }
              if (type->kind == LAGOON_TYPE_MAP && type->key->kind == LAGOON_TYPE_ENUM)
                {
                  int idx = lagoon_schema_enum_index (type->key->enum_type, key);
                  if (idx < 0)
                    {
                      g_set_error (error, LAGOON_SCHEMA_ERROR, LAGOON_SCHEMA_ERROR_TYPE,
                                   "“%s” is not a valid %s", key, type->key->enum_type->name);
                      g_variant_unref (c);
                      g_variant_unref (val);
                      return NULL;
                    }
                  key = type->key->enum_type->values[idx];
                }
              g_variant_builder_add (&b, "{sv}", key, c);
              g_variant_unref (c);
              g_variant_unref (val);
            }
          return g_variant_builder_end (&b);
        }
      /* An empty array is how some encoders write an empty struct. */
      if (g_variant_is_container (value) && g_variant_n_children (value) == 0)
        return lagoon_type_zero_value (type);
      goto bad;

    case LAGOON_TYPE_OPTION:
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_MAYBE))
        return g_variant_ref (value);
      {
        g_autoptr(GVariant) c = coerce_value (type->value, value, error);
        if (c == NULL)
          return NULL;
        return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, g_variant_new_variant (c));
      }

    default:
      break;
    }

bad:
  {
    g_autofree char *tname = lagoon_type_to_string (type);
    g_set_error (error, LAGOON_SCHEMA_ERROR, LAGOON_SCHEMA_ERROR_TYPE,
                 "a value of type %s was expected, not %s", tname,
                 g_variant_get_type_string (value));
  }
  return NULL;
}

GVariant *
lagoon_value_coerce (const LagoonType *type,
                     GVariant         *value,
                     GError          **error)
{
  GVariant *v;

  g_return_val_if_fail (type != NULL, NULL);
  g_return_val_if_fail (value != NULL, NULL);

  v = coerce_value (type, value, error);
  return v;
}
