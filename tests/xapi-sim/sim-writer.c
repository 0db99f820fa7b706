/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "xapi-sim"

#include "config.h"

#include <math.h>
#include <string.h>

#include "sim-writer.h"

void
sim_writer_init (SimWriter *w,
                 GString   *out,
                 gboolean   json)
{
  memset (w, 0, sizeof *w);
  w->out = out;
  w->json = json;
}

void
sim_xml_escape (GString    *out,
                const char *s)
{
  const char *run = s;

  /* Like xapi's encoder: escape < > & ", drop control characters other than TAB, LF, CR. */
  for (; *s; s++)
    {
      const char *rep;
      guchar c = (guchar) *s;

      switch (c)
        {
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '&': rep = "&amp;"; break;
        case '"': rep = "&quot;"; break;
        default:
          if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r')
            continue;
          rep = "";
          break;
        }
      g_string_append_len (out, run, s - run);
      g_string_append (out, rep);
      run = s + 1;
    }
  g_string_append_len (out, run, s - run);
}

void
sim_json_escape (GString    *out,
                 const char *s)
{
  const char *run = s;

  g_string_append_c (out, '"');
  for (; *s; s++)
    {
      guchar c = (guchar) *s;

      if (c >= 0x20 && c != '"' && c != '\\')
        continue;
      g_string_append_len (out, run, s - run);
      switch (c)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default: g_string_append_printf (out, "\\u%04x", c); break;
        }
      run = s + 1;
    }
  g_string_append_len (out, run, s - run);
  g_string_append_c (out, '"');
}

/* JSON: a comma before every value but the first of an array. */
static void
json_sep (SimWriter *w)
{
  if (w->in_member)
    {
      w->in_member = FALSE;
      return;
    }
  if (w->depth > 0 && w->depth <= SIM_WRITER_MAX_DEPTH)
    {
      guint8 *count = &w->count[w->depth - 1];

      if (*count)
        g_string_append_c (w->out, ',');
      else
        *count = 1;
    }
}

static void
push (SimWriter *w)
{
  if (w->depth < SIM_WRITER_MAX_DEPTH)
    w->count[w->depth] = 0;
  w->depth++;
}

void
sim_writer_string (SimWriter  *w,
                   const char *s)
{
  if (w->json)
    {
      json_sep (w);
      sim_json_escape (w->out, s);
      return;
    }
  g_string_append (w->out, "<value>");
  sim_xml_escape (w->out, s);
  g_string_append (w->out, "</value>");
}

void
sim_writer_void (SimWriter *w)
{
  sim_writer_string (w, "");
}

void
sim_writer_int (SimWriter *w,
                gint64     v)
{
  if (w->json)
    {
      json_sep (w);
      g_string_append_printf (w->out, "%" G_GINT64_FORMAT, v);
      return;
    }
  g_string_append_printf (w->out, "<value>%" G_GINT64_FORMAT "</value>", v);
}

void
sim_writer_i4 (SimWriter *w,
               gint32     v)
{
  if (w->json)
    {
      json_sep (w);
      g_string_append_printf (w->out, "%d", v);
      return;
    }
  g_string_append_printf (w->out, "<value><i4>%d</i4></value>", v);
}

static void
append_json_double (GString *out,
                    double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (v))
    {
      g_string_append (out, "NaN");
      return;
    }
  if (isinf (v))
    {
      g_string_append (out, v > 0 ? "Infinity" : "-Infinity");
      return;
    }
  g_ascii_formatd (buf, sizeof buf, "%.16g", v);
  if (g_ascii_strtod (buf, NULL) != v)
    g_ascii_formatd (buf, sizeof buf, "%.17g", v);
  g_string_append (out, buf);
  if (strpbrk (buf, ".eE") == NULL)
    g_string_append (out, ".0");
}

void
sim_writer_double (SimWriter *w,
                   double     v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (w->json)
    {
      json_sep (w);
      append_json_double (w->out, v);
      return;
    }
  if (isnan (v))
    g_strlcpy (buf, "nan", sizeof buf);
  else if (isinf (v))
    g_strlcpy (buf, v > 0 ? "inf" : "-inf", sizeof buf);
  else
    g_ascii_formatd (buf, sizeof buf, "%.16g", v);
  g_string_append (w->out, "<value><double>");
  g_string_append (w->out, buf);
  g_string_append (w->out, "</double></value>");
}

void
sim_writer_bool (SimWriter *w,
                 gboolean   v)
{
  if (w->json)
    {
      json_sep (w);
      g_string_append (w->out, v ? "true" : "false");
      return;
    }
  g_string_append (w->out, v ? "<value><boolean>1</boolean></value>"
                             : "<value><boolean>0</boolean></value>");
}

void
sim_writer_datetime (SimWriter  *w,
                     const char *canonical)
{
  if (w->json)
    {
      json_sep (w);
      sim_json_escape (w->out, canonical);
      return;
    }
  g_string_append (w->out, "<value><dateTime.iso8601>");
  sim_xml_escape (w->out, canonical);
  g_string_append (w->out, "</dateTime.iso8601></value>");
}

void
sim_writer_begin_array (SimWriter *w)
{
  if (w->json)
    {
      json_sep (w);
      g_string_append_c (w->out, '[');
    }
  else
    g_string_append (w->out, "<value><array><data>");
  push (w);
}

void
sim_writer_end_array (SimWriter *w)
{
  g_return_if_fail (w->depth > 0);
  w->depth--;
  g_string_append (w->out, w->json ? "]" : "</data></array></value>");
}

void
sim_writer_begin_struct (SimWriter *w)
{
  if (w->json)
    {
      json_sep (w);
      g_string_append_c (w->out, '{');
    }
  else
    g_string_append (w->out, "<value><struct>");
  push (w);
}

void
sim_writer_member (SimWriter  *w,
                   const char *name)
{
  if (w->json)
    {
      json_sep (w);
      sim_json_escape (w->out, name);
      g_string_append_c (w->out, ':');
      w->in_member = TRUE;
      return;
    }
  g_string_append (w->out, "<member><name>");
  sim_xml_escape (w->out, name);
  g_string_append (w->out, "</name>");
}

void
sim_writer_end_member (SimWriter *w)
{
  if (!w->json)
    g_string_append (w->out, "</member>");
}

void
sim_writer_end_struct (SimWriter *w)
{
  g_return_if_fail (w->depth > 0);
  w->depth--;
  g_string_append (w->out, w->json ? "}" : "</struct></value>");
}

void
sim_writer_variant (SimWriter *w,
                    GVariant  *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (value);
      sim_writer_variant (w, inner);
    }
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    sim_writer_string (w, g_variant_get_string (value, NULL));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    sim_writer_int (w, g_variant_get_int64 (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    sim_writer_i4 (w, g_variant_get_int32 (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
    sim_writer_double (w, g_variant_get_double (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    sim_writer_bool (w, g_variant_get_boolean (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT))
    {
      GVariantIter iter;
      const char *key;
      GVariant *val;

      sim_writer_begin_struct (w);
      g_variant_iter_init (&iter, value);
      while (g_variant_iter_next (&iter, "{&sv}", &key, &val))
        {
          sim_writer_member (w, key);
          sim_writer_variant (w, val);
          sim_writer_end_member (w);
          g_variant_unref (val);
        }
      sim_writer_end_struct (w);
    }
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_MAYBE))
    {
      g_autoptr(GVariant) inner = g_variant_get_maybe (value);
      if (inner != NULL)
        sim_writer_variant (w, inner);
      else
        sim_writer_void (w);
    }
  else if (g_variant_is_container (value))
    {
      GVariantIter iter;
      GVariant *item;

      sim_writer_begin_array (w);
      g_variant_iter_init (&iter, value);
      while ((item = g_variant_iter_next_value (&iter)))
        {
          sim_writer_variant (w, item);
          g_variant_unref (item);
        }
      sim_writer_end_array (w);
    }
  else
    sim_writer_void (w);
}

void
sim_writer_value (SimWriter        *w,
                  const LagoonType *type,
                  GVariant         *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (value);
      sim_writer_value (w, type, inner);
      return;
    }

  switch (type->kind)
    {
    case LAGOON_TYPE_DATETIME:
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        {
          sim_writer_datetime (w, g_variant_get_string (value, NULL));
          return;
        }
      break;

    case LAGOON_TYPE_SET:
      if (g_variant_is_container (value) && !g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT))
        {
          GVariantIter iter;
          GVariant *item;

          sim_writer_begin_array (w);
          g_variant_iter_init (&iter, value);
          while ((item = g_variant_iter_next_value (&iter)))
            {
              sim_writer_value (w, type->value, item);
              g_variant_unref (item);
            }
          sim_writer_end_array (w);
          return;
        }
      break;

    case LAGOON_TYPE_MAP:
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT))
        {
          GVariantIter iter;
          const char *key;
          GVariant *val;

          sim_writer_begin_struct (w);
          g_variant_iter_init (&iter, value);
          while (g_variant_iter_next (&iter, "{&sv}", &key, &val))
            {
              sim_writer_member (w, key);
              sim_writer_value (w, type->value, val);
              sim_writer_end_member (w);
              g_variant_unref (val);
            }
          sim_writer_end_struct (w);
          return;
        }
      break;

    case LAGOON_TYPE_RECORD:
      if (type->class_name != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT))
        {
          const LagoonSchemaClass *klass = lagoon_schema_find_class (type->class_name);
          GVariantIter iter;
          const char *key;
          GVariant *val;

          if (klass == NULL)
            break;
          sim_writer_begin_struct (w);
          g_variant_iter_init (&iter, value);
          while (g_variant_iter_next (&iter, "{&sv}", &key, &val))
            {
              int f = lagoon_schema_find_field (klass, key);
              sim_writer_member (w, key);
              if (f >= 0)
                sim_writer_value (w, klass->fields[f].type, val);
              else
                sim_writer_variant (w, val);
              sim_writer_end_member (w);
              g_variant_unref (val);
            }
          sim_writer_end_struct (w);
          return;
        }
      break;

    case LAGOON_TYPE_OPTION:
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_MAYBE))
        {
          g_autoptr(GVariant) inner = g_variant_get_maybe (value);
          if (inner != NULL)
            sim_writer_value (w, type->value, inner);
          else
            sim_writer_void (w);
          return;
        }
      break;

    default:
      break;
    }

  sim_writer_variant (w, value);
}

void
sim_writer_record (SimWriter               *w,
                   const LagoonSchemaClass *klass,
                   GVariant *const         *fields)
{
  sim_writer_begin_struct (w);
  for (guint i = 0; i < klass->n_fields; i++)
    {
      sim_writer_member (w, klass->fields[i].name);
      sim_writer_value (w, klass->fields[i].type, fields[i]);
      sim_writer_end_member (w);
    }
  sim_writer_end_struct (w);
}
