/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-dbdump"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <expat.h>
#include <glib/gstdio.h>

#include "lagoon-dbdump.h"

G_DEFINE_QUARK (lagoon-dbdump-error-quark, lagoon_dbdump_error)

/* Attribute values larger than this are taken as corruption, not data: the largest real
 * values (VM.last_booted_record, NVRAM) are some hundreds of KiB. */
#define MAX_VALUE_LEN (32 * 1024 * 1024)
#define READ_CHUNK    (256 * 1024)

/* ---- column names --------------------------------------------------------- */

/*
 * xapi names a database column after the field's path in the datamodel, joined with "__".
 * Only fields declared inside a datamodel namespace have a path of more than one element,
 * and namespaces are per class: VM.name_label is the column name__label but pool.name_label
 * is the column name_label. Every field of a namespace starts with "<namespace>_", and no
 * field outside it in the same class does, so a table of (class, namespace) pairs is enough.
 */
typedef struct
{
  const char *klass;
  const char *prefixes[7];
} Namespaces;

static const Namespaces namespaces[] = {
  { "VM",           { "name", "memory", "VCPUs", "actions", "PV", "HVM", NULL } },
  { "VM_metrics",   { "memory", "VCPUs", NULL } },
  { "host",         { "name", "memory", "API_version", NULL } },
  { "host_metrics", { "memory", NULL } },
  { "PIF_metrics",  { "io", NULL } },
  { "VIF_metrics",  { "io", NULL } },
  { "VBD_metrics",  { "io", NULL } },
  { "VIF",          { "qos", NULL } },
  { "VBD",          { "qos", NULL } },
  { "task",         { "name", NULL } },
  { "pool_update",  { "name", NULL } },
  { "pool_patch",   { "name", NULL } },
  { "host_patch",   { "name", NULL } },
  { "network",      { "name", NULL } },
  { "data_source",  { "name", NULL } },
  { "SR",           { "name", NULL } },
  { "SM",           { "name", NULL } },
  { "VDI",          { "name", NULL } },
  { "role",         { "name", NULL } },
  { "VMPP",         { "name", NULL } },
  { "VMSS",         { "name", NULL } },
  { "VM_appliance", { "name", NULL } },
  { "VM_group",     { "name", NULL } },
  { "blob",         { "name", NULL } },
  { "GPU_group",    { "name", NULL } },
  { "PVS_site",     { "name", NULL } },
  { "Feature",      { "name", NULL } },
  { "USB_group",    { "name", NULL } },
  { "Observer",     { "name", NULL } },
  { "Repository",   { "name", NULL } },
  { "Caller",       { "name", NULL } },
  { "Rate_limit",   { "name", NULL } },
};

static char *
make_column_name (const LagoonSchemaClass *klass,
                  const char              *field)
{
  for (guint i = 0; i < G_N_ELEMENTS (namespaces); i++)
    {
      if (!g_str_equal (namespaces[i].klass, klass->name))
        continue;
      for (guint p = 0; namespaces[i].prefixes[p] != NULL; p++)
        {
          const char *prefix = namespaces[i].prefixes[p];
          gsize len = strlen (prefix);

          if (strncmp (field, prefix, len) == 0 && field[len] == '_' && field[len + 1] != '\0')
            return g_strdup_printf ("%s__%s", prefix, field + len + 1);
        }
    }
  return g_strdup (field);
}

/* Column names of every class, built once: columns[class id][field index]. */
static const char * const *
class_columns (const LagoonSchemaClass *klass)
{
  static char ***columns;
  static gsize initialized;

  if (g_once_init_enter (&initialized))
    {
      char ***all = g_new0 (char **, lagoon_schema_n_classes);

      for (guint c = 0; c < lagoon_schema_n_classes; c++)
        {
          const LagoonSchemaClass *k = &lagoon_schema_classes[c];

          all[k->id] = g_new0 (char *, k->n_fields + 1);
          for (guint f = 0; f < k->n_fields; f++)
            all[k->id][f] = make_column_name (k, k->fields[f].name);
        }
      columns = all;
      g_once_init_leave (&initialized, 1);
    }

  return (const char * const *) columns[klass->id];
}

const char *
lagoon_dbdump_column_name (const LagoonSchemaClass *klass,
                           guint                    field)
{
  g_return_val_if_fail (klass != NULL, NULL);
  g_return_val_if_fail (field < klass->n_fields, NULL);

  return class_columns (klass)[field];
}

/* ---- attribute whitespace protection -------------------------------------- */

/* Undoes xapi's protection of whitespace in attribute values into @out. Returns @text
 * itself when there is nothing to undo. */
static const char *
unprotect (const char *text,
           GString    *out)
{
  const char *p = strchr (text, '%');

  if (p == NULL)
    return text;

  g_string_truncate (out, 0);
  g_string_append_len (out, text, p - text);
  for (; *p; p++)
    {
      if (*p != '%')
        {
          g_string_append_c (out, *p);
          continue;
        }
      switch (p[1])
        {
        case '.': g_string_append_c (out, ' '); p++; break;
        case 't': g_string_append_c (out, '\t'); p++; break;
        case 'n': g_string_append_c (out, '\n'); p++; break;
        case 'r': g_string_append_c (out, '\r'); p++; break;
        case '%': g_string_append_c (out, '%'); p++; break;
        case '_': g_string_append (out, "  "); p++; break; /* before 2017 */
        default:  g_string_append_c (out, '%'); break;
        }
    }
  return out->str;
}

/* Appends @text as the inside of a double-quoted attribute: XML-escaped and with the
 * whitespace and '%' protected as xapi does. Characters XML 1.0 cannot carry at all
 * (other C0 controls) become U+FFFD. */
static void
append_attr_value (GString    *out,
                   const char *text)
{
  const char *run = text;
  const char *p;

  for (p = text; *p; p++)
    {
      const char *rep;
      guchar c = (guchar) *p;

      switch (c)
        {
        case ' ':  rep = "%."; break;
        case '\t': rep = "%t"; break;
        case '\n': rep = "%n"; break;
        case '\r': rep = "%r"; break;
        case '%':  rep = "%%"; break;
        case '&':  rep = "&amp;"; break;
        case '<':  rep = "&lt;"; break;
        case '>':  rep = "&gt;"; break;
        case '"':  rep = "&quot;"; break;
        default:
          if (c >= 0x20)
            continue;
          rep = "\xef\xbf\xbd";
          g_debug ("Replacing control character 0x%02x that XML cannot carry", c);
          break;
        }
      g_string_append_len (out, run, p - run);
      g_string_append (out, rep);
      run = p + 1;
    }
  g_string_append_len (out, run, p - run);
}

/* ---- reader ---------------------------------------------------------------- */

typedef struct
{
  GHashTable *columns;  /* column name -> field index + 1, or -1 once found unknown */
  GVariant  **defaults; /* per field, built on first use */
} ClassCache;

typedef enum {
  STATE_START,
  STATE_DATABASE,
  STATE_MANIFEST,
  STATE_TABLE,
  STATE_SKIPPED_TABLE,
  STATE_DONE,
} ReaderState;

typedef struct
{
  XML_Parser               parser;
  LagoonDbdumpRowFunc      row_func;
  gpointer                 user_data;
  LagoonDbdumpStats       *stats;
  GError                  *error;

  ReaderState              state;
  guint                    ignore_depth; /* > 0 inside an element we skip */
  gboolean                 in_row;       /* inside a <row> (rows have no children) */

  const LagoonSchemaClass *klass;
  ClassCache              *caches;       /* per class id */
  GVariant               **fields;       /* one row, sized for the widest class */
  GString                 *scratch;
} Reader;

static void
reader_fail (Reader     *reader,
             GError     *error)
{
  if (reader->error == NULL)
    reader->error = error;
  else
    g_error_free (error);
  XML_StopParser (reader->parser, XML_FALSE);
}

G_GNUC_PRINTF (3, 4)
static void
reader_fail_at (Reader     *reader,
                int         code,
                const char *format,
                ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  reader_fail (reader, g_error_new (LAGOON_DBDUMP_ERROR, code,
                                    _("Line %lu, column %lu: %s"),
                                    (gulong) XML_GetCurrentLineNumber (reader->parser),
                                    (gulong) XML_GetCurrentColumnNumber (reader->parser) + 1,
                                    message));
}

static const char *
find_attr (const XML_Char **attrs,
           const char      *name)
{
  for (guint i = 0; attrs[i] != NULL; i += 2)
    if (strcmp (attrs[i], name) == 0)
      return attrs[i + 1];
  return NULL;
}

static ClassCache *
reader_cache (Reader                  *reader,
              const LagoonSchemaClass *klass)
{
  ClassCache *cache = &reader->caches[klass->id];

  if (cache->columns == NULL)
    {
      cache->columns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      cache->defaults = g_new0 (GVariant *, klass->n_fields + 1);
    }
  return cache;
}

static GVariant *
cache_default (ClassCache              *cache,
               const LagoonSchemaClass *klass,
               guint                    field)
{
  if (cache->defaults[field] == NULL)
    cache->defaults[field] = lagoon_schema_field_default (&klass->fields[field]);
  return g_variant_ref (cache->defaults[field]);
}

/* Field index of a column of the current table, -1 for a column to ignore. */
static int
reader_column (Reader     *reader,
               ClassCache *cache,
               const char *column)
{
  gpointer found;
  int idx;

  if (g_hash_table_lookup_extended (cache->columns, column, NULL, &found))
    return GPOINTER_TO_INT (found) - 1;

  idx = lagoon_schema_find_column (reader->klass, column);
  if (idx < 0)
    {
      g_debug ("Ignoring column %s of table %s, unknown to the schema", column,
               reader->klass->name);
      reader->stats->unknown_columns++;
    }
  g_hash_table_insert (cache->columns, g_strdup (column), GINT_TO_POINTER (idx + 1));
  return idx;
}

static void
reader_row (Reader          *reader,
            const XML_Char **attrs)
{
  const LagoonSchemaClass *klass = reader->klass;
  ClassCache *cache = reader_cache (reader, klass);
  GVariant **fields = reader->fields;
  const char *ref = NULL;
  gboolean ok;

  memset (fields, 0, klass->n_fields * sizeof (GVariant *));

  for (guint i = 0; attrs[i] != NULL; i += 2)
    {
      const char *name = attrs[i];
      const char *value = attrs[i + 1];
      const LagoonSchemaField *field;
      g_autoptr(GError) local_error = NULL;
      GVariant *v;
      int idx;

      if (name[0] == '_' || name[0] == 'r')
        {
          if (strcmp (name, "ref") == 0)
            {
              ref = value;
              continue;
            }
          if (strcmp (name, "_ref") == 0 || strcmp (name, "__ctime") == 0 ||
              strcmp (name, "__mtime") == 0)
            continue;
        }

      idx = reader_column (reader, cache, name);
      if (idx < 0)
        continue;

      field = &klass->fields[idx];
      if (strlen (value) > MAX_VALUE_LEN)
        {
          reader_fail_at (reader, LAGOON_DBDUMP_ERROR_PARSE,
                          "The value of %s.%s is larger than %d MiB", klass->name, name,
                          MAX_VALUE_LEN / (1024 * 1024));
          goto out;
        }

      v = lagoon_db_value_decode (field->type, unprotect (value, reader->scratch), &local_error);
      if (v == NULL)
        {
          /* Older servers typed some columns differently (an empty int, a number where
           * we now have an enum...): keep the row, default the field. */
          g_debug ("Table %s, row %s, column %s: %s; using the default", klass->name,
                   ref ? ref : "?", name, local_error->message);
          reader->stats->bad_values++;
          v = cache_default (cache, klass, idx);
        }
      g_clear_pointer (&fields[idx], g_variant_unref);
      fields[idx] = v;
    }

  if (ref == NULL)
    {
      reader_fail_at (reader, LAGOON_DBDUMP_ERROR_PARSE, "A row of table %s has no ref",
                      klass->name);
      goto out;
    }

  for (guint f = 0; f < klass->n_fields; f++)
    if (fields[f] == NULL)
      {
        fields[f] = cache_default (cache, klass, f);
        reader->stats->defaulted_fields++;
      }

  ok = reader->row_func (klass, ref, (GVariant * const *) fields, reader->user_data,
                         &reader->error);
  reader->stats->rows++;
  if (!ok)
    {
      if (reader->error == NULL)
        g_set_error_literal (&reader->error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             _("Reading was stopped by the row handler"));
      XML_StopParser (reader->parser, XML_FALSE);
    }

out:
  for (guint f = 0; f < klass->n_fields; f++)
    g_clear_pointer (&fields[f], g_variant_unref);
}

static void
reader_manifest_pair (Reader          *reader,
                      const XML_Char **attrs)
{
  const char *key = find_attr (attrs, "key");
  const char *value = find_attr (attrs, "value");
  gint64 *target64 = NULL;
  int *target = NULL;
  char *end = NULL;
  gint64 n;

  if (key == NULL || value == NULL)
    return;
  if (strcmp (key, "generation_count") == 0)
    target64 = &reader->stats->generation;
  else if (strcmp (key, "schema_major_vsn") == 0)
    target = &reader->stats->schema_major;
  else if (strcmp (key, "schema_minor_vsn") == 0)
    target = &reader->stats->schema_minor;
  else
    return;

  errno = 0;
  n = g_ascii_strtoll (value, &end, 10);
  if (*value == '\0' || *end != '\0' || errno != 0 || n < 0 ||
      (target != NULL && n > G_MAXINT))
    {
      reader_fail_at (reader, LAGOON_DBDUMP_ERROR_VALUE,
                      "Manifest entry %s is not a valid number: “%.40s”", key, value);
      return;
    }
  if (target64 != NULL)
    *target64 = n;
  else
    *target = (int) n;
}

static void
on_start_element (void            *user_data,
                  const XML_Char  *name,
                  const XML_Char **attrs)
{
  Reader *reader = user_data;

  if (reader->ignore_depth > 0 || reader->in_row)
    {
      reader->ignore_depth++;
      return;
    }

  switch (reader->state)
    {
    case STATE_START:
      if (strcmp (name, "database") != 0)
        {
          reader_fail_at (reader, LAGOON_DBDUMP_ERROR_PARSE,
                          "Not a xapi database dump: the document is <%.40s>, not <database>",
                          name);
          return;
        }
      reader->state = STATE_DATABASE;
      break;

    case STATE_DATABASE:
      if (strcmp (name, "manifest") == 0)
        reader->state = STATE_MANIFEST;
      else if (strcmp (name, "table") == 0)
        {
          const char *table = find_attr (attrs, "name");

          reader->klass = table ? lagoon_schema_find_class (table) : NULL;
          if (reader->klass == NULL)
            {
              g_debug ("Skipping table %s, unknown to the schema", table ? table : "(unnamed)");
              reader->stats->skipped_tables++;
              reader->state = STATE_SKIPPED_TABLE;
            }
          else
            reader->state = STATE_TABLE;
        }
      else
        reader->ignore_depth = 1;
      break;

    case STATE_MANIFEST:
      if (strcmp (name, "pair") == 0)
        reader_manifest_pair (reader, attrs);
      reader->ignore_depth = 1;
      break;

    case STATE_TABLE:
      if (strcmp (name, "row") == 0)
        {
          reader->in_row = TRUE;
          reader_row (reader, attrs);
        }
      else
        reader->ignore_depth = 1;
      break;

    case STATE_SKIPPED_TABLE:
      reader->ignore_depth = 1;
      break;

    case STATE_DONE:
    default:
      /* expat rejects a second root element itself */
      reader->ignore_depth = 1;
      break;
    }
}

static void
on_end_element (void           *user_data,
                const XML_Char *name)
{
  Reader *reader = user_data;

  if (reader->ignore_depth > 0)
    {
      reader->ignore_depth--;
      return;
    }
  if (reader->in_row)
    {
      reader->in_row = FALSE;
      return;
    }

  switch (reader->state)
    {
    case STATE_MANIFEST:
    case STATE_TABLE:
    case STATE_SKIPPED_TABLE:
      reader->state = STATE_DATABASE;
      reader->klass = NULL;
      break;
    case STATE_DATABASE:
      reader->state = STATE_DONE;
      break;
    default:
      break;
    }
}

static void
on_entity_decl (void           *user_data,
                const XML_Char *entity_name,
                int             is_parameter_entity,
                const XML_Char *value,
                int             value_length,
                const XML_Char *base,
                const XML_Char *system_id,
                const XML_Char *public_id,
                const XML_Char *notation_name)
{
  Reader *reader = user_data;

  reader_fail_at (reader, LAGOON_DBDUMP_ERROR_PARSE,
                  "Entity declarations are not allowed in a database dump");
}

static void
reader_init (Reader              *reader,
             LagoonDbdumpRowFunc  row_func,
             gpointer             user_data,
             LagoonDbdumpStats   *stats)
{
  guint widest = 0;

  memset (reader, 0, sizeof *reader);
  memset (stats, 0, sizeof *stats);
  stats->generation = -1;
  stats->schema_major = -1;
  stats->schema_minor = -1;

  for (guint c = 0; c < lagoon_schema_n_classes; c++)
    widest = MAX (widest, lagoon_schema_classes[c].n_fields);

  reader->parser = XML_ParserCreate (NULL);
  reader->row_func = row_func;
  reader->user_data = user_data;
  reader->stats = stats;
  reader->state = STATE_START;
  reader->caches = g_new0 (ClassCache, lagoon_schema_n_classes);
  reader->fields = g_new0 (GVariant *, widest + 1);
  reader->scratch = g_string_sized_new (256);

  XML_SetUserData (reader->parser, reader);
  XML_SetElementHandler (reader->parser, on_start_element, on_end_element);
  XML_SetEntityDeclHandler (reader->parser, on_entity_decl);
}

static void
reader_clear (Reader *reader)
{
  for (guint c = 0; c < lagoon_schema_n_classes; c++)
    {
      ClassCache *cache = &reader->caches[c];

      if (cache->columns == NULL)
        continue;
      g_hash_table_unref (cache->columns);
      for (guint f = 0; f < lagoon_schema_classes[c].n_fields; f++)
        g_clear_pointer (&cache->defaults[f], g_variant_unref);
      g_free (cache->defaults);
    }
  g_free (reader->caches);
  g_free (reader->fields);
  g_string_free (reader->scratch, TRUE);
  g_clear_error (&reader->error);
  if (reader->parser != NULL)
    XML_ParserFree (reader->parser);
}

/* Checks the result of one expat call; returns FALSE with reader->error set on failure. */
static gboolean
reader_status (Reader          *reader,
               enum XML_Status  status)
{
  if (status == XML_STATUS_OK)
    return TRUE;

  if (reader->error == NULL)
    {
      enum XML_Error code = XML_GetErrorCode (reader->parser);
      reader->error = g_error_new (LAGOON_DBDUMP_ERROR, LAGOON_DBDUMP_ERROR_PARSE,
                                   _("Malformed XML at line %lu, column %lu: %s"),
                                   (gulong) XML_GetCurrentLineNumber (reader->parser),
                                   (gulong) XML_GetCurrentColumnNumber (reader->parser) + 1,
                                   XML_ErrorString (code));
    }
  return FALSE;
}

static gboolean
reader_finish (Reader  *reader,
               GError **error)
{
  if (reader->error == NULL && reader->state != STATE_DONE)
    reader->error = g_error_new_literal (LAGOON_DBDUMP_ERROR, LAGOON_DBDUMP_ERROR_PARSE,
                                         _("Not a xapi database dump: no <database> element"));
  if (reader->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&reader->error));
      return FALSE;
    }
  return TRUE;
}

gboolean
lagoon_dbdump_read_bytes (GBytes              *bytes,
                          LagoonDbdumpRowFunc  row_func,
                          gpointer             user_data,
                          LagoonDbdumpStats   *stats,
                          GError             **error)
{
  LagoonDbdumpStats local_stats;
  Reader reader;
  const char *data;
  gsize len;
  gsize pos = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (bytes != NULL, FALSE);
  g_return_val_if_fail (row_func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  reader_init (&reader, row_func, user_data, stats ? stats : &local_stats);
  data = g_bytes_get_data (bytes, &len);

  /* expat takes int lengths: feed large buffers in pieces */
  do
    {
      gsize n = MIN (len - pos, (gsize) 64 * 1024 * 1024);
      ok = reader_status (&reader, XML_Parse (reader.parser, data ? data + pos : "", (int) n,
                                              pos + n == len));
      pos += n;
    }
  while (ok && pos < len);

  ok = reader_finish (&reader, error);
  reader_clear (&reader);
  return ok;
}

gboolean
lagoon_dbdump_read_file (const char          *path,
                         LagoonDbdumpRowFunc  row_func,
                         gpointer             user_data,
                         LagoonDbdumpStats   *stats,
                         GError             **error)
{
  LagoonDbdumpStats local_stats;
  Reader reader;
  gboolean ok = TRUE;
  int fd;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (row_func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not open database dump “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }

  reader_init (&reader, row_func, user_data, stats ? stats : &local_stats);
  while (ok)
    {
      void *buf = XML_GetBuffer (reader.parser, READ_CHUNK);
      gssize n;

      if (buf == NULL)
        {
          reader.error = g_error_new_literal (LAGOON_DBDUMP_ERROR, LAGOON_DBDUMP_ERROR_PARSE,
                                              _("Out of memory while parsing the database dump"));
          break;
        }
      do
        n = read (fd, buf, READ_CHUNK);
      while (n < 0 && errno == EINTR);
      if (n < 0)
        {
          int saved = errno;
          reader.error = g_error_new (G_IO_ERROR, g_io_error_from_errno (saved),
                                      _("Could not read database dump: %s"), g_strerror (saved));
          break;
        }
      ok = reader_status (&reader, XML_ParseBuffer (reader.parser, (int) n, n == 0));
      if (n == 0)
        break;
    }
  close (fd);

  ok = reader_finish (&reader, error);
  reader_clear (&reader);
  if (!ok)
    g_prefix_error (error, _("%s: "), path);
  return ok;
}

/* ---- writer ---------------------------------------------------------------- */

struct _LagoonDbdumpWriter
{
  gint64    generation;
  GString **tables; /* rows per class id, NULL while empty */
};

LagoonDbdumpWriter *
lagoon_dbdump_writer_new (gint64 generation)
{
  LagoonDbdumpWriter *writer = g_new0 (LagoonDbdumpWriter, 1);

  writer->generation = generation;
  writer->tables = g_new0 (GString *, lagoon_schema_n_classes);
  return writer;
}

void
lagoon_dbdump_writer_add_row (LagoonDbdumpWriter      *writer,
                              const LagoonSchemaClass *klass,
                              const char              *ref,
                              GVariant *const         *fields)
{
  const char * const *columns;
  GString *out;

  g_return_if_fail (writer != NULL);
  g_return_if_fail (klass != NULL);
  g_return_if_fail (ref != NULL);
  g_return_if_fail (fields != NULL);

  /* check the whole row before writing any of it */
  for (guint f = 0; f < klass->n_fields; f++)
    {
      g_return_if_fail (fields[f] != NULL);
      g_return_if_fail (g_variant_is_of_type (fields[f],
                                              lagoon_type_variant_type (klass->fields[f].type)));
    }

  columns = class_columns (klass);
  if (writer->tables[klass->id] == NULL)
    writer->tables[klass->id] = g_string_sized_new (4096);
  out = writer->tables[klass->id];

  g_string_append (out, "<row ref=\"");
  append_attr_value (out, ref);
  g_string_append_printf (out, "\" __ctime=\"%" G_GINT64_FORMAT "\" __mtime=\"%"
                          G_GINT64_FORMAT "\"", writer->generation, writer->generation);
  for (guint f = 0; f < klass->n_fields; f++)
    {
      g_autofree char *text = lagoon_db_value_encode (klass->fields[f].type, fields[f]);

      g_string_append_c (out, ' ');
      g_string_append (out, columns[f]);
      g_string_append (out, "=\"");
      append_attr_value (out, text);
      g_string_append_c (out, '"');
    }
  g_string_append (out, "/>");
}

static GString *
writer_build (LagoonDbdumpWriter *writer)
{
  GString *out;
  gsize size = 512;

  for (guint c = 0; c < lagoon_schema_n_classes; c++)
    size += 64 + (writer->tables[c] ? writer->tables[c]->len : 0);

  out = g_string_sized_new (size);
  g_string_append (out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><database><manifest>");
  g_string_append_printf (out, "<pair key=\"schema_major_vsn\" value=\"%d\"/>"
                          "<pair key=\"schema_minor_vsn\" value=\"%d\"/>"
                          "<pair key=\"generation_count\" value=\"%" G_GINT64_FORMAT "\"/>",
                          LAGOON_DBDUMP_SCHEMA_MAJOR, LAGOON_DBDUMP_SCHEMA_MINOR,
                          writer->generation);
  g_string_append (out, "</manifest>");
  for (guint c = 0; c < lagoon_schema_n_classes; c++)
    {
      const LagoonSchemaClass *k = &lagoon_schema_classes[c];
      GString *rows = writer->tables[k->id];

      g_string_append (out, "<table name=\"");
      append_attr_value (out, k->name);
      if (rows == NULL || rows->len == 0)
        g_string_append (out, "\"/>");
      else
        {
          g_string_append (out, "\">");
          g_string_append_len (out, rows->str, rows->len);
          g_string_append (out, "</table>");
        }
    }
  g_string_append (out, "</database>\n");
  return out;
}

GBytes *
lagoon_dbdump_writer_finish (LagoonDbdumpWriter *writer)
{
  GString *out;

  g_return_val_if_fail (writer != NULL, NULL);

  out = writer_build (writer);
  return g_string_free_to_bytes (out);
}

gboolean
lagoon_dbdump_writer_save (LagoonDbdumpWriter  *writer,
                           const char          *path,
                           GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  GString *out;
  gboolean ok;

  g_return_val_if_fail (writer != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* A temporary file beside the target, renamed over it only once fully written and
   * synced: a failed write (full disk) leaves the previous dump as it was. The dump
   * holds secrets, hence 0600 as xapi does. */
  out = writer_build (writer);
  ok = g_file_set_contents_full (path, out->str, out->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error);
  g_string_free (out, TRUE);
  if (!ok)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("Could not save the database dump: %s"), local_error->message);
      return FALSE;
    }
  return TRUE;
}

void
lagoon_dbdump_writer_free (LagoonDbdumpWriter *writer)
{
  if (writer == NULL)
    return;
  for (guint c = 0; c < lagoon_schema_n_classes; c++)
    if (writer->tables[c] != NULL)
      g_string_free (writer->tables[c], TRUE);
  g_free (writer->tables);
  g_free (writer);
}
