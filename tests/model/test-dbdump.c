/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include <expat.h>
#include <glib/gstdio.h>

#include "lagoon-dbdump.h"

/* ---- rows collected from a read -------------------------------------------- */

typedef struct
{
  const LagoonSchemaClass *klass;
  char                    *ref;
  GVariant               **fields;
} Row;

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

static gboolean
collect_row (const LagoonSchemaClass *klass,
             const char              *ref,
             GVariant *const         *fields,
             gpointer                 user_data,
             GError                 **error)
{
  GPtrArray *rows = user_data;
  Row *row = g_new0 (Row, 1);

  row->klass = klass;
  row->ref = g_strdup (ref);
  row->fields = g_new0 (GVariant *, klass->n_fields);
  for (guint f = 0; f < klass->n_fields; f++)
    {
      g_assert_nonnull (fields[f]);
      g_assert_true (g_variant_is_of_type (fields[f],
                                           lagoon_type_variant_type (klass->fields[f].type)));
      row->fields[f] = g_variant_ref (fields[f]);
    }
  g_ptr_array_add (rows, row);
  return TRUE;
}

static GPtrArray *
load_file (const char        *path,
           LagoonDbdumpStats *stats)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *rows = g_ptr_array_new_with_free_func (row_free);

  if (!lagoon_dbdump_read_file (path, collect_row, rows, stats, &error))
    g_error ("%s: %s", path, error->message);
  g_assert_cmpuint (stats->rows, ==, rows->len);
  return rows;
}

static GPtrArray *
load_bytes (GBytes            *bytes,
            LagoonDbdumpStats *stats)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *rows = g_ptr_array_new_with_free_func (row_free);

  if (!lagoon_dbdump_read_bytes (bytes, collect_row, rows, stats, &error))
    g_error ("%s", error->message);
  g_assert_cmpuint (stats->rows, ==, rows->len);
  return rows;
}

static GBytes *
write_rows (GPtrArray *rows,
            gint64     generation)
{
  g_autoptr(LagoonDbdumpWriter) writer = lagoon_dbdump_writer_new (generation);

  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = rows->pdata[i];
      lagoon_dbdump_writer_add_row (writer, row->klass, row->ref,
                                    (GVariant * const *) row->fields);
    }
  return lagoon_dbdump_writer_finish (writer);
}

/* Rows are written grouped by table in schema order, in their order within a table. */
static gint
compare_rows_by_class (gconstpointer a,
                       gconstpointer b)
{
  const Row *ra = *(const Row * const *) a;
  const Row *rb = *(const Row * const *) b;

  return (int) ra->klass->id - (int) rb->klass->id;
}

static void
assert_rows_equal (GPtrArray *a,
                   GPtrArray *b)
{
  g_autoptr(GPtrArray) sa = g_ptr_array_copy (a, NULL, NULL);
  g_autoptr(GPtrArray) sb = g_ptr_array_copy (b, NULL, NULL);

  /* the copies share the rows: they must not free them */
  g_ptr_array_set_free_func (sa, NULL);
  g_ptr_array_set_free_func (sb, NULL);
  g_ptr_array_sort (sa, compare_rows_by_class); /* stable (merge sort) */
  g_ptr_array_sort (sb, compare_rows_by_class);
  g_assert_cmpuint (sa->len, ==, sb->len);
  for (guint i = 0; i < sa->len; i++)
    {
      Row *ra = sa->pdata[i];
      Row *rb = sb->pdata[i];

      g_assert_true (ra->klass == rb->klass);
      g_assert_cmpstr (ra->ref, ==, rb->ref);
      for (guint f = 0; f < ra->klass->n_fields; f++)
        if (!g_variant_equal (ra->fields[f], rb->fields[f]))
          {
            g_autofree char *va = g_variant_print (ra->fields[f], TRUE);
            g_autofree char *vb = g_variant_print (rb->fields[f], TRUE);
            g_error ("%s %s field %s differs: %s vs %s", ra->klass->name, ra->ref,
                     ra->klass->fields[f].name, va, vb);
          }
    }
}

static Row *
find_row (GPtrArray  *rows,
          const char *klass,
          const char *ref)
{
  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = rows->pdata[i];
      if (g_str_equal (row->klass->name, klass) && g_str_equal (row->ref, ref))
        return row;
    }
  return NULL;
}

static guint
count_class (GPtrArray  *rows,
             const char *klass)
{
  guint n = 0;

  for (guint i = 0; i < rows->len; i++)
    if (g_str_equal (((Row *) rows->pdata[i])->klass->name, klass))
      n++;
  return n;
}

static const char *
row_string (Row        *row,
            const char *field)
{
  int idx = lagoon_schema_find_field (row->klass, field);

  g_assert_cmpint (idx, >=, 0);
  return g_variant_get_string (row->fields[idx], NULL);
}

static GVariant *
row_value (Row        *row,
           const char *field)
{
  int idx = lagoon_schema_find_field (row->klass, field);

  g_assert_cmpint (idx, >=, 0);
  return row->fields[idx];
}

/* ---- independent views of the raw files -------------------------------------- */

/* Rows per table, counted with a regular expression over the raw text. */
static GHashTable *
raw_row_counts (const char *text)
{
  g_autoptr(GRegex) tables = g_regex_new ("<table\\s+name=\"([^\"]*)\"\\s*(/>|>(.*?)</table>)",
                                          G_REGEX_DOTALL, 0, NULL);
  g_autoptr(GRegex) rowre = g_regex_new ("<row\\s", 0, 0, NULL);
  g_autoptr(GMatchInfo) m = NULL;
  GHashTable *counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_regex_match (tables, text, 0, &m);
  while (g_match_info_matches (m))
    {
      g_autofree char *name = g_match_info_fetch (m, 1);
      g_autofree char *body = g_match_info_fetch (m, 3);
      g_autoptr(GMatchInfo) rm = NULL;
      guint n = 0;

      if (body != NULL)
        {
          g_regex_match (rowre, body, 0, &rm);
          while (g_match_info_matches (rm))
            {
              n++;
              g_match_info_next (rm, NULL);
            }
        }
      g_hash_table_insert (counts, g_steal_pointer (&name), GUINT_TO_POINTER (n));
      g_match_info_next (m, NULL);
    }
  return counts;
}

/* (table, column) pairs of every row, collected with expat directly. */
typedef struct
{
  char       *table;
  GHashTable *pairs; /* "table\ncolumn" set */
} RawColumns;

static void
raw_start (void            *user_data,
           const XML_Char  *name,
           const XML_Char **attrs)
{
  RawColumns *rc = user_data;

  if (strcmp (name, "table") == 0)
    {
      g_free (rc->table);
      rc->table = g_strdup (attrs[1]);
    }
  else if (strcmp (name, "row") == 0)
    for (guint i = 0; attrs[i] != NULL; i += 2)
      g_hash_table_add (rc->pairs, g_strdup_printf ("%s\n%s", rc->table, attrs[i]));
}

static GHashTable *
raw_columns (const char *text,
             gsize       len)
{
  RawColumns rc = { NULL, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL) };
  XML_Parser parser = XML_ParserCreate (NULL);

  XML_SetUserData (parser, &rc);
  XML_SetStartElementHandler (parser, raw_start);
  g_assert_cmpint (XML_Parse (parser, text, (int) len, TRUE), ==, XML_STATUS_OK);
  XML_ParserFree (parser);
  g_free (rc.table);
  return rc.pairs;
}

/* ---- fixtures ------------------------------------------------------------------ */

static char *
shared_fixtures_dir (void)
{
  const char *shared = g_getenv ("LAGOON_SHARED_DIR");
  g_autofree char *dir = NULL;

  if (shared == NULL)
    return NULL;
  dir = g_build_filename (shared, "fixtures", "xapi-db", NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return NULL;
  return g_steal_pointer (&dir);
}

static GPtrArray *
list_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (paths, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (paths, (GCompareFunc) g_strcmp0);
  return paths;
}

static GPtrArray *
shared_fixtures (void)
{
  g_autofree char *dir = shared_fixtures_dir ();

  if (dir == NULL)
    {
      g_test_skip ("fixtures/xapi-db not found: ../shared is absent (a user's clone)");
      return NULL;
    }
  return list_dir (dir);
}

static char *
own_fixture (const char *name)
{
  return g_build_filename (g_getenv ("LAGOON_SOURCEDIR") ? g_getenv ("LAGOON_SOURCEDIR")
                                                          : LAGOON_SOURCEDIR,
                           "tests", "fixtures", name, NULL);
}

static GPtrArray *
own_fixtures (void)
{
  g_autofree char *dir = own_fixture ("");
  g_autoptr(GPtrArray) all = list_dir (dir);
  GPtrArray *dumps = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < all->len; i++)
    if (g_str_has_suffix (all->pdata[i], ".xml"))
      g_ptr_array_add (dumps, g_strdup (all->pdata[i]));
  g_assert_cmpuint (dumps->len, >=, 3);
  return dumps;
}

/* Loads a dump and checks it against independent counts of the raw text. */
static void
check_counts (const char *path)
{
  g_autofree char *text = NULL;
  gsize len;
  g_autoptr(GHashTable) raw = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  LagoonDbdumpStats stats;
  GHashTableIter iter;
  gpointer key, value;
  guint expected_rows = 0;
  guint unknown_tables = 0;

  g_test_message ("checking %s", path);
  g_assert_true (g_file_get_contents (path, &text, &len, NULL));
  raw = raw_row_counts (text);
  g_assert_cmpuint (g_hash_table_size (raw), >, 10);
  rows = load_file (path, &stats);

  g_hash_table_iter_init (&iter, raw);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (lagoon_schema_find_class (key) == NULL)
        {
          unknown_tables++;
          continue;
        }
      g_assert_cmpuint (count_class (rows, key), ==, GPOINTER_TO_UINT (value));
      expected_rows += GPOINTER_TO_UINT (value);
    }
  g_assert_cmpuint (stats.rows, ==, expected_rows);
  g_assert_cmpuint (stats.skipped_tables, ==, unknown_tables);
  g_assert_cmpint (stats.schema_major, ==, 5);
  g_assert_cmpint (stats.schema_minor, >, 0);
  g_assert_cmpint (stats.generation, >=, 0);

  /* every dump has a pool with a master that is one of its hosts */
  g_assert_cmpuint (count_class (rows, "pool"), ==, 1);
  g_assert_cmpuint (count_class (rows, "host"), >=, 1);
  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = rows->pdata[i];
      if (g_str_equal (row->klass->name, "pool"))
        g_assert_nonnull (find_row (rows, "host", row_string (row, "master")));
    }
}

static void
test_fixtures_load (void)
{
  g_autoptr(GPtrArray) paths = shared_fixtures ();

  if (paths == NULL)
    return;
  g_assert_cmpuint (paths->len, >=, 5);
  for (guint i = 0; i < paths->len; i++)
    check_counts (paths->pdata[i]);
}

static void
test_own_fixtures_load (void)
{
  g_autoptr(GPtrArray) paths = own_fixtures ();

  for (guint i = 0; i < paths->len; i++)
    check_counts (paths->pdata[i]);
}

/* Specific facts of the real dumps, each checked against a raw count. */
static void
test_fixtures_facts (void)
{
  g_autofree char *dir = shared_fixtures_dir ();
  g_autofree char *tampa = NULL;
  g_autofree char *app = NULL;
  g_autofree char *state = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GHashTable) raw = NULL;
  LagoonDbdumpStats stats;
  guint running = 0;

  if (dir == NULL)
    {
      g_test_skip ("fixtures/xapi-db not found: ../shared is absent (a user's clone)");
      return;
    }

  /* a pool of one */
  tampa = g_build_filename (dir, "tampa_poolofone_40.xml", NULL);
  g_assert_true (g_file_get_contents (tampa, &text, NULL, NULL));
  raw = raw_row_counts (text);
  rows = load_file (tampa, &stats);
  g_assert_cmpuint (count_class (rows, "host"), ==,
                    GPOINTER_TO_UINT (g_hash_table_lookup (raw, "host")));
  g_assert_cmpuint (count_class (rows, "host"), ==, 1);
  g_assert_cmpint (stats.schema_minor, ==, 66);
  /* fields newer than schema 5.66 are defaulted */
  g_assert_cmpuint (stats.defaulted_fields, >, 0);
  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = rows->pdata[i];
      if (g_str_equal (row->klass->name, "VM") &&
          g_str_equal (row_string (row, "power_state"), "Running"))
        {
          running++;
          g_assert_false (g_str_equal (row_string (row, "resident_on"), LAGOON_NULL_REF));
          /* a column with __ */
          g_assert_cmpint (g_variant_get_int64 (row_value (row, "memory_static_max")), >, 0);
          g_assert_cmpint (g_variant_get_int64 (row_value (row, "VCPUs_max")), >=, 1);
          /* a field this old schema lacks: defaulted */
          g_assert_cmpstr (row_string (row, "reference_label"), ==, "");
        }
    }
  g_assert_cmpuint (running, >=, 1);
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_pointer (&raw, g_hash_table_unref);
  g_clear_pointer (&text, g_free);

  /* vApps */
  app = g_build_filename (dir, "xapidb_app.xml", NULL);
  g_assert_true (g_file_get_contents (app, &text, NULL, NULL));
  raw = raw_row_counts (text);
  rows = load_file (app, &stats);
  g_assert_cmpuint (count_class (rows, "VM_appliance"), ==,
                    GPOINTER_TO_UINT (g_hash_table_lookup (raw, "VM_appliance")));
  g_assert_cmpuint (count_class (rows, "VM_appliance"), ==, 2);
  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = rows->pdata[i];
      if (g_str_equal (row->klass->name, "VM_appliance"))
        {
          GVariant *vms = row_value (row, "VMs");
          g_assert_cmpstr (row_string (row, "name_label"), !=, "");
          for (gsize v = 0; v < g_variant_n_children (vms); v++)
            {
              g_autoptr(GVariant) item = g_variant_get_child_value (vms, v);
              g_autoptr(GVariant) ref = g_variant_get_variant (item);
              Row *vm = find_row (rows, "VM", g_variant_get_string (ref, NULL));
              g_assert_nonnull (vm);
              g_assert_cmpstr (row_string (vm, "appliance"), ==, row->ref);
            }
        }
    }
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_pointer (&text, g_free);

  /* the old double-quote S-expressions and legacy %_ of a real state.db */
  state = g_build_filename (dir, "state.db", NULL);
  g_assert_true (g_file_get_contents (state, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "((&quot;"));
  rows = load_file (state, &stats);
  g_assert_cmpint (stats.schema_minor, ==, 55);
  {
    gboolean found_map = FALSE, found_legacy = FALSE;

    for (guint i = 0; i < rows->len; i++)
      {
        Row *row = rows->pdata[i];
        if (g_str_equal (row->klass->name, "VM_guest_metrics"))
          {
            GVariant *os = row_value (row, "os_version");
            g_autoptr(GVariant) d = g_variant_lookup_value (os, "distro", G_VARIANT_TYPE_STRING);

            if (d != NULL)
              {
                const char *distro = g_variant_get_string (d, NULL);
                g_assert_cmpstr (distro, !=, "");
                g_assert_null (strchr (distro, '"'));
                found_map = TRUE;
              }
          }
        if (g_str_equal (row->klass->name, "host") &&
            strstr (row_string (row, "name_description"), "Orlando.  Do not") != NULL)
          found_legacy = TRUE;
      }
    g_assert_true (found_map);
    g_assert_true (found_legacy);
  }
}

static void
check_roundtrip (const char *path)
{
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) again = NULL;
  LagoonDbdumpStats stats1, stats2, stats3;

  g_test_message ("round trip of %s", path);
  first = load_file (path, &stats1);
  bytes = write_rows (first, stats1.generation);
  second = load_bytes (bytes, &stats2);
  g_assert_cmpuint (stats2.rows, ==, stats1.rows);
  g_assert_cmpuint (stats2.unknown_columns, ==, 0);
  g_assert_cmpuint (stats2.defaulted_fields, ==, 0);
  g_assert_cmpuint (stats2.bad_values, ==, 0);
  g_assert_cmpuint (stats2.skipped_tables, ==, 0);
  g_assert_cmpint (stats2.generation, ==, stats1.generation);
  g_assert_cmpint (stats2.schema_major, ==, LAGOON_DBDUMP_SCHEMA_MAJOR);
  g_assert_cmpint (stats2.schema_minor, ==, LAGOON_DBDUMP_SCHEMA_MINOR);
  assert_rows_equal (first, second);

  /* and writing what was read back gives the same bytes */
  again = write_rows (second, stats2.generation);
  g_assert_true (g_bytes_equal (bytes, again));
  g_clear_pointer (&second, g_ptr_array_unref);
  second = load_bytes (again, &stats3);
  assert_rows_equal (first, second);
}

static void
test_fixtures_roundtrip (void)
{
  g_autoptr(GPtrArray) paths = shared_fixtures ();

  if (paths == NULL)
    return;
  for (guint i = 0; i < paths->len; i++)
    check_roundtrip (paths->pdata[i]);
}

static void
test_own_fixtures_roundtrip (void)
{
  g_autoptr(GPtrArray) paths = own_fixtures ();

  for (guint i = 0; i < paths->len; i++)
    check_roundtrip (paths->pdata[i]);
}

/* Every column of a real dump that names a field is the column we write for it. */
static void
check_columns (const char *path)
{
  g_autofree char *text = NULL;
  gsize len;
  g_autoptr(GHashTable) pairs = NULL;
  GHashTableIter iter;
  gpointer key;
  guint namespaced = 0;

  g_assert_true (g_file_get_contents (path, &text, &len, NULL));
  pairs = raw_columns (text, len);
  g_hash_table_iter_init (&iter, pairs);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_auto(GStrv) parts = g_strsplit (key, "\n", 2);
      const LagoonSchemaClass *klass = lagoon_schema_find_class (parts[0]);
      int idx;

      if (klass == NULL)
        continue;
      idx = lagoon_schema_find_column (klass, parts[1]);
      if (idx < 0)
        continue;
      g_assert_cmpstr (lagoon_dbdump_column_name (klass, idx), ==, parts[1]);
      if (strstr (parts[1], "__") != NULL)
        namespaced++;
    }
  g_assert_cmpuint (namespaced, >, 10);
}

static void
test_fixtures_columns (void)
{
  g_autoptr(GPtrArray) paths = shared_fixtures ();

  if (paths == NULL)
    return;
  for (guint i = 0; i < paths->len; i++)
    check_columns (paths->pdata[i]);
}

static void
test_column_names (void)
{
  const LagoonSchemaClass *vm = lagoon_schema_find_class ("VM");
  const LagoonSchemaClass *pool = lagoon_schema_find_class ("pool");
  const LagoonSchemaClass *host = lagoon_schema_find_class ("host");
  const LagoonSchemaClass *gm = lagoon_schema_find_class ("VM_guest_metrics");

  g_assert_cmpstr (lagoon_dbdump_column_name (vm, LAGOON_VM_NAME_LABEL), ==, "name__label");
  g_assert_cmpstr (lagoon_dbdump_column_name (vm, LAGOON_VM_MEMORY_STATIC_MAX), ==,
                   "memory__static_max");
  g_assert_cmpstr (lagoon_dbdump_column_name (vm, LAGOON_VM_VCPUS_PARAMS), ==, "VCPUs__params");
  g_assert_cmpstr (lagoon_dbdump_column_name (vm, LAGOON_VM_PV_BOOTLOADER), ==, "PV__bootloader");
  g_assert_cmpstr (lagoon_dbdump_column_name (vm, LAGOON_VM_HVM_BOOT_PARAMS), ==,
                   "HVM__boot_params");
  g_assert_cmpstr (lagoon_dbdump_column_name (vm, LAGOON_VM_ACTIONS_AFTER_CRASH), ==,
                   "actions__after_crash");
  g_assert_cmpstr (lagoon_dbdump_column_name (vm, LAGOON_VM_OTHER_CONFIG), ==, "other_config");
  g_assert_cmpstr (lagoon_dbdump_column_name (vm, LAGOON_VM_PLATFORM), ==, "platform");
  g_assert_cmpstr (lagoon_dbdump_column_name (pool, LAGOON_POOL_NAME_LABEL), ==, "name_label");
  g_assert_cmpstr (lagoon_dbdump_column_name (host, LAGOON_HOST_API_VERSION_MAJOR), ==,
                   "API_version__major");
  g_assert_cmpstr (lagoon_dbdump_column_name (gm, LAGOON_VM_GUEST_METRICS_PV_DRIVERS_VERSION), ==,
                   "PV_drivers_version");

  /* every column maps back to its field */
  for (guint c = 0; c < lagoon_schema_n_classes; c++)
    {
      const LagoonSchemaClass *k = &lagoon_schema_classes[c];
      for (guint f = 0; f < k->n_fields; f++)
        g_assert_cmpint (lagoon_schema_find_column (k, lagoon_dbdump_column_name (k, f)), ==, f);
    }
}

/* ---- small hand-made dumps ------------------------------------------------------ */

static GPtrArray *
load_text (const char        *text,
           LagoonDbdumpStats *stats)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, strlen (text));
  return load_bytes (bytes, stats);
}

static GError *
load_text_error (const char *text,
                 gssize      len)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, len < 0 ? strlen (text) : (gsize) len);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (row_free);
  LagoonDbdumpStats stats;
  GError *error = NULL;

  g_assert_false (lagoon_dbdump_read_bytes (bytes, collect_row, rows, &stats, &error));
  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  return error;
}

static void
test_escapes (void)
{
  const char *text =
    "<?xml version=\"1.0\"?>\n<database>\n"
    "  <manifest><pair key=\"schema_major_vsn\" value=\"5\"/>"
    "<pair key=\"schema_minor_vsn\" value=\"63\"/><pair key=\"generation_count\" value=\"7\"/>"
    "<pair key=\"installation_uuid\" value=\"x\"/></manifest>\n"
    "  <table name=\"VM\">\n"
    "    <row ref=\"OpaqueRef:a\" __ctime=\"1\" __mtime=\"2\" _ref=\"OpaqueRef:a\""
    " name__label=\"two%.words%%%tand%na%rb\" name__description=\"old%_style %_end\""
    " other_config=\"(('k%.1' 'it\\'s%.&lt;b&gt;')"
    " (&quot;dq&quot; &quot;say \\&quot;hi\\&quot;&quot;))\""
    " tags=\"('a' &quot;b c&quot;)\" VCPUs__max=\"4\" power_state=\"Running\""
    " no_such_column=\"x\" also__unknown=\"y\"/>\n"
    "    <row ref=\"OpaqueRef:b\" name__label=\"&#xAE;%%.\" VCPUs__max=\"\""
    " power_state=\"Exploded\"/>\n"
    "  </table>\n"
    "  <table name=\"NoSuchClass\"><row ref=\"OpaqueRef:c\" x=\"1\"/></table>\n"
    "  <table name=\"host\"/>\n"
    "</database>\n";
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GBytes) written = NULL;
  LagoonDbdumpStats stats, stats2;
  g_autoptr(GVariant) oc_expected = NULL;
  g_autoptr(GVariant) tags_expected = NULL;
  const char *out;
  Row *a, *b;

  rows = load_text (text, &stats);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpuint (stats.skipped_tables, ==, 1);
  g_assert_cmpuint (stats.unknown_columns, ==, 2); /* counted once per table and column */
  g_assert_cmpuint (stats.bad_values, ==, 1);      /* the empty int */
  g_assert_cmpint (stats.generation, ==, 7);
  g_assert_cmpint (stats.schema_minor, ==, 63);

  a = find_row (rows, "VM", "OpaqueRef:a");
  b = find_row (rows, "VM", "OpaqueRef:b");
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpstr (row_string (a, "name_label"), ==, "two words%\tand\na\rb");
  g_assert_cmpstr (row_string (a, "name_description"), ==, "old  style   end");
  oc_expected = g_variant_ref_sink (g_variant_new_parsed (
    "{'k 1': <'it\\'s <b>'>, 'dq': <'say \"hi\"'>}"));
  g_assert_true (g_variant_equal (row_value (a, "other_config"), oc_expected));
  tags_expected = g_variant_ref_sink (g_variant_new_parsed ("[<'a'>, <'b c'>]"));
  g_assert_true (g_variant_equal (row_value (a, "tags"), tags_expected));
  g_assert_cmpint (g_variant_get_int64 (row_value (a, "VCPUs_max")), ==, 4);
  g_assert_cmpstr (row_string (b, "name_label"), ==, "\xc2\xae%.");
  /* an int column that is empty: defaulted, the row kept */
  g_assert_cmpint (g_variant_get_int64 (row_value (b, "VCPUs_max")), ==, 0);
  /* an enum value this schema does not know is kept as it is */
  g_assert_cmpstr (row_string (b, "power_state"), ==, "Exploded");
  /* a field the dump lacks: the datamodel default */
  g_assert_cmpstr (row_string (b, "uuid"), ==, "");
  g_assert_cmpstr (row_string (b, "resident_on"), ==, LAGOON_NULL_REF);

  /* written back in today's style, and read back the same */
  written = write_rows (rows, 9);
  out = g_bytes_get_data (written, NULL);
  g_assert_true (g_str_has_prefix (out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                                        "<database><manifest>"
                                        "<pair key=\"schema_major_vsn\" value=\"5\"/>"));
  g_assert_nonnull (strstr (out, "<pair key=\"generation_count\" value=\"9\"/></manifest>"));
  g_assert_nonnull (strstr (out, " name__label=\"two%.words%%%tand%na%rb\""));
  g_assert_nonnull (strstr (out, " name__description=\"old%.%.style%.%.%.end\""));
  g_assert_nonnull (strstr (out, "other_config=\"(('k%.1'%.'it\\'s%.&lt;b&gt;')%."
                                 "('dq'%.'say%.&quot;hi&quot;'))\""));
  g_assert_nonnull (strstr (out, "<row ref=\"OpaqueRef:a\" __ctime=\"9\" __mtime=\"9\" uuid=\"\""));
  g_assert_nonnull (strstr (out, "<table name=\"host\"/>"));
  g_assert_null (strstr (out, "NoSuchClass"));
  g_assert_null (strstr (out, "_ref="));
  {
    /* every class has its table, in schema order */
    g_autoptr(GRegex) re = g_regex_new ("<table name=\"([^\"]+)\"", 0, 0, NULL);
    g_autoptr(GMatchInfo) m = NULL;
    guint n = 0;

    g_regex_match (re, out, 0, &m);
    while (g_match_info_matches (m))
      {
        g_autofree char *name = g_match_info_fetch (m, 1);
        g_assert_cmpuint (n, <, lagoon_schema_n_classes);
        g_assert_cmpstr (name, ==, lagoon_schema_classes[n].name);
        n++;
        g_match_info_next (m, NULL);
      }
    g_assert_cmpuint (n, ==, lagoon_schema_n_classes);
  }
  again = load_bytes (written, &stats2);
  assert_rows_equal (rows, again);
}

/* Strings with every character class that needs protection survive a round trip. */
static void
test_string_roundtrip (void)
{
  static const char *strings[] = {
    "", " ", "  leading and trailing  ", "tab\there", "cr\rlf\n", "100% %. %_ %% %n",
    "<&>\"'", "back\\slash\\", "quote's \"double\"", "(('not' 'a map'))", "\xe2\x82\xac uro",
    "a\x01" "b",
  };
  const LagoonSchemaClass *vm = lagoon_schema_find_class ("VM");
  g_autoptr(LagoonDbdumpWriter) writer = lagoon_dbdump_writer_new (1);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  LagoonDbdumpStats stats;

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    {
      g_autofree GVariant **fields = g_new0 (GVariant *, vm->n_fields);
      g_autofree char *ref = g_strdup_printf ("OpaqueRef:%u", i);
      g_auto(GVariantBuilder) tags = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("av"));
      g_auto(GVariantBuilder) oc = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

      for (guint f = 0; f < vm->n_fields; f++)
        fields[f] = lagoon_schema_field_default (&vm->fields[f]);
      g_variant_unref (fields[LAGOON_VM_NAME_LABEL]);
      fields[LAGOON_VM_NAME_LABEL] = g_variant_ref_sink (g_variant_new_string (strings[i]));
      g_variant_builder_add (&tags, "v", g_variant_new_string (strings[i]));
      g_variant_unref (fields[LAGOON_VM_TAGS]);
      fields[LAGOON_VM_TAGS] = g_variant_ref_sink (g_variant_builder_end (&tags));
      g_variant_builder_add (&oc, "{sv}", strings[i], g_variant_new_string (strings[i]));
      g_variant_unref (fields[LAGOON_VM_OTHER_CONFIG]);
      fields[LAGOON_VM_OTHER_CONFIG] = g_variant_ref_sink (g_variant_builder_end (&oc));
      lagoon_dbdump_writer_add_row (writer, vm, ref, fields);
      for (guint f = 0; f < vm->n_fields; f++)
        g_variant_unref (fields[f]);
    }
  bytes = lagoon_dbdump_writer_finish (writer);
  rows = load_bytes (bytes, &stats);
  g_assert_cmpuint (rows->len, ==, G_N_ELEMENTS (strings));
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    {
      g_autofree char *ref = g_strdup_printf ("OpaqueRef:%u", i);
      Row *row = find_row (rows, "VM", ref);
      const char *expected = strings[i];
      g_autofree char *replaced = NULL;
      g_autoptr(GVariant) tag = NULL;
      g_autoptr(GVariant) tag_inner = NULL;

      if (strchr (expected, '\x01') != NULL)
        expected = replaced = g_strdup ("a\xef\xbf\xbd" "b"); /* XML cannot carry it */
      g_assert_nonnull (row);
      g_assert_cmpstr (row_string (row, "name_label"), ==, expected);
      tag = g_variant_get_child_value (row_value (row, "tags"), 0);
      tag_inner = g_variant_get_variant (tag);
      g_assert_cmpstr (g_variant_get_string (tag_inner, NULL), ==, expected);
      {
        g_autoptr(GVariant) value = g_variant_lookup_value (row_value (row, "other_config"),
                                                            expected, G_VARIANT_TYPE_STRING);
        g_assert_nonnull (value);
        g_assert_cmpstr (g_variant_get_string (value, NULL), ==, expected);
      }
    }
}

/* A row with a value of the wrong shape is refused whole, not half written. */
static void
test_writer_rejects (void)
{
  const LagoonSchemaClass *vm = lagoon_schema_find_class ("VM");
  g_autoptr(LagoonDbdumpWriter) writer = lagoon_dbdump_writer_new (1);
  g_autofree GVariant **fields = g_new0 (GVariant *, vm->n_fields);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  LagoonDbdumpStats stats;

  for (guint f = 0; f < vm->n_fields; f++)
    fields[f] = lagoon_schema_field_default (&vm->fields[f]);
  lagoon_dbdump_writer_add_row (writer, vm, "OpaqueRef:good", fields);
  g_variant_unref (fields[LAGOON_VM_VCPUS_MAX]);
  fields[LAGOON_VM_VCPUS_MAX] = g_variant_ref_sink (g_variant_new_string ("four"));
  g_test_expect_message ("lagoon-dbdump", G_LOG_LEVEL_CRITICAL, "*g_variant_is_of_type*");
  lagoon_dbdump_writer_add_row (writer, vm, "OpaqueRef:bad", fields);
  g_test_assert_expected_messages ();
  for (guint f = 0; f < vm->n_fields; f++)
    g_variant_unref (fields[f]);

  bytes = lagoon_dbdump_writer_finish (writer);
  rows = load_bytes (bytes, &stats);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_nonnull (find_row (rows, "VM", "OpaqueRef:good"));
}

/* ---- hostile input ------------------------------------------------------------- */

static void
assert_parse_error (const char *text,
                    gssize      len)
{
  g_autoptr(GError) error = load_text_error (text, len);
  g_assert_error (error, LAGOON_DBDUMP_ERROR, LAGOON_DBDUMP_ERROR_PARSE);
}

static void
test_hostile (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autofree char *pool = own_fixture ("pool-2hosts.xml");
  g_autofree char *dump = NULL;
  gsize dump_len;

  /* empty, whitespace, not XML, not a dump */
  assert_parse_error ("", 0);
  assert_parse_error ("   \n", -1);
  assert_parse_error ("hello world", -1);
  assert_parse_error ("<?xml version=\"1.0\"?><html><body>hi</body></html>", -1);
  assert_parse_error ("<methodResponse><params/></methodResponse>", -1);
  assert_parse_error ("<database><table name=\"VM\"><row ref=\"a\"/></table>", -1);
  assert_parse_error ("<database></database><database/>", -1);
  assert_parse_error ("<database><table name=\"VM\"><row name__label=\"x\"/></table>"
                      "</database>", -1);
  assert_parse_error ("<database><table name=\"VM\"><row ref=\"a\" ref=\"b\"/></table>"
                      "</database>", -1);
  assert_parse_error ("<database><table name=\"VM\"><row ref=\"a\" name__label=\"&bogus;\"/>"
                      "</table></database>", -1);
  {
    g_autoptr(GError) error = load_text_error ("<database><manifest><pair key=\"generation_count\" "
                                               "value=\"lots\"/></manifest></database>", -1);
    g_assert_error (error, LAGOON_DBDUMP_ERROR, LAGOON_DBDUMP_ERROR_VALUE);
  }
  /* entity expansion is refused */
  assert_parse_error ("<?xml version=\"1.0\"?><!DOCTYPE database [<!ENTITY a \"aaaaaaaaaa\">"
                      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
                      "<database><table name=\"VM\"><row ref=\"x\" name__label=\"&b;\"/></table>"
                      "</database>", -1);
  /* an error names the line and column */
  {
    g_autoptr(GError) error = load_text_error ("<database>\n<table name=\"VM\">\n"
                                               "  <row ref=\"a\" <>", -1);
    g_assert_error (error, LAGOON_DBDUMP_ERROR, LAGOON_DBDUMP_ERROR_PARSE);
    g_assert_nonnull (strstr (error->message, "line 3"));
  }

  /* binary junk */
  for (guint i = 0; i < 50; i++)
    {
      gsize len = g_rand_int_range (rand, 1, 4096);
      g_autofree char *junk = g_malloc (len);
      for (gsize j = 0; j < len; j++)
        junk[j] = (char) g_rand_int_range (rand, 0, 256);
      if (i % 2 == 0)
        memcpy (junk, "<database>", MIN (len, 10));
      assert_parse_error (junk, len);
    }

  /* every truncation of a real dump fails cleanly */
  g_assert_true (g_file_get_contents (pool, &dump, &dump_len, NULL));
  for (guint i = 0; i < 200; i++)
    {
      gsize cut = g_rand_int_range (rand, 0, (gint32) MIN (dump_len - 2, G_MAXINT32));
      assert_parse_error (dump, cut);
    }
  /* and junk in the middle of one */
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *copy = g_memdup2 (dump, dump_len);
      gsize at = g_rand_int_range (rand, 0, (gint32) dump_len);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (row_free);
      g_autoptr(GError) error = NULL;
      LagoonDbdumpStats stats;

      copy[at] = (char) g_rand_int_range (rand, 0, 256);
      bytes = g_bytes_new_take (g_steal_pointer (&copy), dump_len);
      /* may still be a valid dump (a changed letter in a value); must not crash */
      if (!lagoon_dbdump_read_bytes (bytes, collect_row, rows, &stats, &error))
        g_assert_true (error->domain == LAGOON_DBDUMP_ERROR);
    }

  /* a huge attribute */
  {
    gsize big = 33 * 1024 * 1024;
    GString *s = g_string_sized_new (big + 200);
    g_autoptr(GError) error = NULL;

    g_string_append (s, "<database><table name=\"VM\"><row ref=\"OpaqueRef:a\" name__label=\"");
    for (gsize i = 0; i < big / 64; i++)
      g_string_append (s, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    g_string_append (s, "\"/></table></database>");
    error = load_text_error (s->str, s->len);
    g_assert_error (error, LAGOON_DBDUMP_ERROR, LAGOON_DBDUMP_ERROR_PARSE);
    g_assert_nonnull (strstr (error->message, "larger than"));
    g_string_free (s, TRUE);
  }

  /* a missing file */
  {
    g_autoptr(GError) error = NULL;
    LagoonDbdumpStats stats;
    g_assert_false (lagoon_dbdump_read_file ("/nonexistent/state.db", collect_row, NULL, &stats,
                                             &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  }
  /* a directory */
  {
    g_autoptr(GError) error = NULL;
    LagoonDbdumpStats stats;
    g_assert_false (lagoon_dbdump_read_file ("/", collect_row, NULL, &stats, &error));
    g_assert_nonnull (error);
  }
}

static gboolean
stop_after_three (const LagoonSchemaClass *klass,
                  const char              *ref,
                  GVariant *const         *fields,
                  gpointer                 user_data,
                  GError                 **error)
{
  guint *n = user_data;

  if (++*n < 3)
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "enough");
  return FALSE;
}

static void
test_callback_stops (void)
{
  g_autofree char *pool = own_fixture ("pool-2hosts.xml");
  g_autoptr(GError) error = NULL;
  LagoonDbdumpStats stats;
  guint n = 0;

  g_assert_false (lagoon_dbdump_read_file (pool, stop_after_three, &n, &stats, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpuint (n, ==, 3);
}

/* ---- saving --------------------------------------------------------------------- */

static void
test_save (void)
{
  g_autofree char *pool = own_fixture ("pool-2hosts.xml");
  g_autofree char *dir = g_dir_make_tmp ("lagoon-dbdump-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "state.db", NULL);
  g_autofree char *bad = g_build_filename (dir, "no", "such", "dir", "state.db", NULL);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(LagoonDbdumpWriter) writer = lagoon_dbdump_writer_new (5);
  g_autoptr(GError) error = NULL;
  LagoonDbdumpStats stats;
  GStatBuf st;

  rows = load_file (pool, &stats);
  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = rows->pdata[i];
      lagoon_dbdump_writer_add_row (writer, row->klass, row->ref, (GVariant * const *) row->fields);
    }
  g_assert_true (lagoon_dbdump_writer_save (writer, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  again = load_file (path, &stats);
  assert_rows_equal (rows, again);

  g_assert_false (lagoon_dbdump_writer_save (writer, bad, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_test_message ("%s", error->message);

  /* a write that fails half-way (the file size limit stands in for a full disk) leaves
   * the previous file as it was */
  if (g_test_subprocess ())
    {
      g_autofree char *small = g_build_filename (dir, "small.db", NULL);
      g_autoptr(LagoonDbdumpWriter) tiny = lagoon_dbdump_writer_new (1);
      g_autoptr(GError) local = NULL;
      g_autofree char *before = NULL;
      g_autofree char *after = NULL;
      gsize before_len, after_len;
      struct rlimit lim;

      g_assert_true (lagoon_dbdump_writer_save (tiny, small, NULL));
      g_assert_true (g_file_get_contents (small, &before, &before_len, NULL));
      lim.rlim_cur = lim.rlim_max = before_len + 4096;
      signal (SIGXFSZ, SIG_IGN);
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &lim), ==, 0);
      g_assert_false (lagoon_dbdump_writer_save (writer, small, &local));
      g_assert_nonnull (local);
      g_printerr ("%s\n", local->message);
      g_assert_true (g_file_get_contents (small, &after, &after_len, NULL));
      g_assert_cmpmem (before, before_len, after, after_len);
      g_remove (small);
      g_remove (path);
      g_rmdir (dir);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*Could not save the database dump*");

  g_remove (path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lagoon/dbdump/column-names", test_column_names);
  g_test_add_func ("/lagoon/dbdump/escapes", test_escapes);
  g_test_add_func ("/lagoon/dbdump/string-roundtrip", test_string_roundtrip);
  g_test_add_func ("/lagoon/dbdump/writer-rejects", test_writer_rejects);
  g_test_add_func ("/lagoon/dbdump/own-fixtures/load", test_own_fixtures_load);
  g_test_add_func ("/lagoon/dbdump/own-fixtures/roundtrip", test_own_fixtures_roundtrip);
  g_test_add_func ("/lagoon/dbdump/fixtures/load", test_fixtures_load);
  g_test_add_func ("/lagoon/dbdump/fixtures/facts", test_fixtures_facts);
  g_test_add_func ("/lagoon/dbdump/fixtures/roundtrip", test_fixtures_roundtrip);
  g_test_add_func ("/lagoon/dbdump/fixtures/columns", test_fixtures_columns);
  g_test_add_func ("/lagoon/dbdump/hostile", test_hostile);
  g_test_add_func ("/lagoon/dbdump/callback-stops", test_callback_stops);
  g_test_add_func ("/lagoon/dbdump/save", test_save);

  return g_test_run ();
}
