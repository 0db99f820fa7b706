/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench-cache: memory and speed of the object cache and its views on a generated pool.
 *
 *   bench-cache [HOSTS:VMS[:SEED] | DUMP.xml]     (default 64:5000)
 *
 * A pool spec is first generated into a temporary database dump by a child process (the
 * generator holds the whole pool as GVariants, which would swamp the measurement); the
 * dump is then loaded with lagoon_cache_load_dump, and the bench prints the process RSS,
 * the time to build the Infrastructure and Objects views, and the time to
 * apply 1000 VM `mod` events (as GVariant snapshots, and as streamed rows) with the views
 * following. Built on demand: ninja tests/model/bench-cache.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <glib/gstdio.h>

#include "lagoon-cache.h"
#include "lagoon-dbdump.h"
#include "lagoon-view.h"
#include "sim-generate.h"

static gsize
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmRSS:");
  return line != NULL ? (gsize) g_ascii_strtoull (line + 6, NULL, 10) : 0;
}

static double
cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static gboolean
add_row (const LagoonSchemaClass *klass,
         const char              *ref,
         GVariant *const         *fields,
         gpointer                 user_data,
         GError                 **error)
{
  lagoon_dbdump_writer_add_row (user_data, klass, ref, fields);
  return TRUE;
}

/* bench-cache --save FILE SPEC: the child's job. */
static int
save_generated (const char *path,
                const char *spec)
{
  SimGenerateOptions options;
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonDbdumpWriter) writer = lagoon_dbdump_writer_new (1);

  if (!sim_generate_parse_spec (spec, &options, &error) ||
      !sim_generate (&options, add_row, writer, &error) ||
      !lagoon_dbdump_writer_save (writer, path, &error))
    {
      fprintf (stderr, "bench-cache: %s\n", error->message);
      return 1;
    }
  return 0;
}

typedef struct
{
  int         field; /* -1: begin a row for ref a */
  const char *a;     /* text or set item */
  const char *b;     /* NULL: text; "": set item */
  GVariant   *v;     /* or a value */
} StreamOp;

static guint n_view_signals;

static void
on_view_signal (void)
{
  n_view_signals++;
}

static void
watch (LagoonView *view)
{
  g_signal_connect (view, "node-inserted", G_CALLBACK (on_view_signal), NULL);
  g_signal_connect (view, "node-removed", G_CALLBACK (on_view_signal), NULL);
  g_signal_connect (view, "node-changed", G_CALLBACK (on_view_signal), NULL);
}

int
main (int    argc,
      char **argv)
{
  SimGenerateOptions options = { 64, 5000, 1 };
  g_autofree char *path = NULL;
  gboolean remove_path = FALSE;
  gboolean ok;
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  g_autoptr(LagoonView) infra = NULL;
  g_autoptr(LagoonView) objects = NULL;
  g_autoptr(GPtrArray) vms = NULL;
  g_autoptr(GPtrArray) hosts = NULL;
  g_autoptr(GPtrArray) snapshots =
    g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) flat_snapshots =
    g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_autoptr(GStringChunk) chunk = g_string_chunk_new (1 << 16);
  g_autoptr(GArray) ops = g_array_new (FALSE, FALSE, sizeof (StreamOp));
  const char *host;
  gsize rss0, rss1, rss2;
  double c0, c1;
  guint total = 0;

  if (argc == 4 && g_str_equal (argv[1], "--save"))
    return save_generated (argv[2], argv[3]);

  if (argc > 1 && g_file_test (argv[1], G_FILE_TEST_IS_REGULAR))
    path = g_strdup (argv[1]);
  else
    {
      const char *spec = argc > 1 ? argv[1] : "64:5000";
      const char *child[] = { argv[0], "--save", NULL, spec, NULL };
      int status = 0;

      if (!sim_generate_parse_spec (spec, &options, &error))
        {
          fprintf (stderr, "bench-cache: %s\n", error->message);
          return 2;
        }
      path = g_build_filename (g_get_tmp_dir (), "lagoon-bench-cache.xml", NULL);
      child[2] = path;
      c0 = cpu_ms ();
      if (!g_spawn_sync (NULL, (char **) child, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL,
                         NULL, NULL, &status, &error) ||
          !g_spawn_check_wait_status (status, &error))
        {
          fprintf (stderr, "bench-cache: generating %s: %s\n", spec, error->message);
          return 1;
        }
      remove_path = TRUE;
    }
  {
    GStatBuf st;
    if (g_stat (path, &st) == 0)
      printf ("dump %s: %.1f MB\n", path, st.st_size / 1e6);
  }

  rss0 = rss_kib ();
  c0 = cpu_ms ();
  ok = lagoon_cache_load_dump (cache, path, &error);
  if (remove_path)
    g_unlink (path);
  if (!ok)
    {
      fprintf (stderr, "bench-cache: %s\n", error->message);
      return 1;
    }
  c1 = cpu_ms ();
  rss1 = rss_kib ();
  for (guint c = 0; c < LAGOON_N_CLASSES; c++)
    total += lagoon_cache_get_n_records (cache, c);
  printf ("%u records (%u VM, %u VBD, %u VDI, %u VIF) loaded in %.0f ms of CPU\n",
          total, lagoon_cache_get_n_records (cache, LAGOON_CLASS_VM),
          lagoon_cache_get_n_records (cache, LAGOON_CLASS_VBD),
          lagoon_cache_get_n_records (cache, LAGOON_CLASS_VDI),
          lagoon_cache_get_n_records (cache, LAGOON_CLASS_VIF), c1 - c0);
  printf ("RSS: %zu KiB before, %zu KiB with the cache loaded; %u interned strings (%zu KiB)\n",
          rss0, rss1, lagoon_cache_get_n_strings (cache),
          lagoon_cache_get_string_bytes (cache) / 1024);

  c0 = cpu_ms ();
  infra = lagoon_view_new (cache, LAGOON_VIEW_INFRASTRUCTURE);
  c1 = cpu_ms ();
  printf ("Infrastructure view built in %.1f ms of CPU\n", c1 - c0);
  objects = lagoon_view_new (cache, LAGOON_VIEW_OBJECTS);
  printf ("Objects view built in %.1f ms of CPU\n", cpu_ms () - c1);
  rss2 = rss_kib ();
  printf ("RSS with both views: %zu KiB\n", rss2);
  watch (infra);
  watch (objects);

  /* 1000 guest VMs flip between Running and Halted (and get a description). */
  hosts = lagoon_cache_list (cache, LAGOON_CLASS_HOST);
  host = lagoon_record_get_opaque_ref (g_ptr_array_index (hosts, 0));
  vms = lagoon_cache_list (cache, LAGOON_CLASS_VM);
  for (guint i = 0; i < vms->len && refs->len < 1000; i++)
    {
      const LagoonRecord *vm = g_ptr_array_index (vms, i);
      g_autoptr(GVariant) record = NULL;
      GVariantDict dict;
      gboolean running;

      if (lagoon_record_get_bool (vm, LAGOON_VM_IS_A_TEMPLATE) ||
          lagoon_record_get_bool (vm, LAGOON_VM_IS_A_SNAPSHOT) ||
          lagoon_record_get_bool (vm, LAGOON_VM_IS_CONTROL_DOMAIN))
        continue;
      record = lagoon_record_to_variant (vm);
      g_variant_dict_init (&dict, record);
      running = g_str_equal (lagoon_record_get_enum_string (vm, LAGOON_VM_POWER_STATE), "Running");
      g_variant_dict_insert (&dict, "power_state", "s", running ? "Halted" : "Running");
      g_variant_dict_insert (&dict, "resident_on", "s", running ? LAGOON_NULL_REF : host);
      g_variant_dict_insert (&dict, "name_description", "s", "benchmarked");
      g_ptr_array_add (snapshots, g_variant_ref_sink (g_variant_dict_end (&dict)));
      g_ptr_array_add (refs, g_strdup (lagoon_record_get_opaque_ref (vm)));
    }
  g_clear_pointer (&vms, g_ptr_array_unref);

  n_view_signals = 0;
  c0 = cpu_ms ();
  lagoon_cache_begin_batch (cache);
  for (guint i = 0; i < refs->len; i++)
    lagoon_cache_apply (cache, "VM", LAGOON_CACHE_OP_MOD, g_ptr_array_index (refs, i),
                        g_ptr_array_index (snapshots, i));
  c1 = cpu_ms ();
  lagoon_cache_end_batch (cache);
  printf ("%u VM mod events as GVariant snapshots: applied in %.1f ms of CPU, "
          "both views updated in %.1f ms (%u node signals)\n",
          refs->len, c1 - c0, cpu_ms () - c1, n_view_signals);

  /* Back and forth again with the snapshots in serialised form (as a parser that writes
   * GVariant normal form hands them over). */
  for (int pass = 0; pass < 2; pass++)
    {
      for (guint i = 0; i < snapshots->len; i++)
        {
          GVariant *v = g_ptr_array_index (snapshots, i);
          g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (v);
          GVariant *flat = g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, bytes, FALSE);
          GVariantDict dict;

          /* pass 0 restores the previous state, pass 1 replays the change. */
          if (pass == 0)
            {
              const LagoonRecord *vm = lagoon_cache_lookup (cache, LAGOON_CLASS_VM,
                                                            g_ptr_array_index (refs, i));
              g_autoptr(GVariant) record = lagoon_record_to_variant (vm);
              const char *state = lagoon_record_get_enum_string (vm, LAGOON_VM_POWER_STATE);
              gboolean running = g_str_equal (state, "Running");
              g_variant_unref (g_variant_ref_sink (flat));
              g_variant_dict_init (&dict, record);
              g_variant_dict_insert (&dict, "power_state", "s", running ? "Halted" : "Running");
              g_variant_dict_insert (&dict, "resident_on", "s", running ? LAGOON_NULL_REF : host);
              v = g_variant_ref_sink (g_variant_dict_end (&dict));
              {
                g_autoptr(GBytes) b2 = g_variant_get_data_as_bytes (v);
                flat = g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, b2, FALSE);
                g_variant_unref (v);
              }
            }
          g_ptr_array_add (flat_snapshots, g_variant_ref_sink (flat));
        }
      n_view_signals = 0;
      c0 = cpu_ms ();
      lagoon_cache_begin_batch (cache);
      for (guint i = 0; i < refs->len; i++)
        lagoon_cache_apply (cache, "VM", LAGOON_CACHE_OP_MOD, g_ptr_array_index (refs, i),
                            g_ptr_array_index (flat_snapshots, i));
      c1 = cpu_ms ();
      lagoon_cache_end_batch (cache);
      printf ("%u VM mod events as serialised GVariant snapshots: applied in %.1f ms of CPU, "
              "both views updated in %.1f ms (%u node signals)\n",
              refs->len, c1 - c0, cpu_ms () - c1, n_view_signals);
      g_ptr_array_set_size (flat_snapshots, 0);
    }

  /* The same records back as they were, streamed field by field from text. */
  for (guint i = 0; i < refs->len; i++)
    {
      const LagoonRecord *vm = lagoon_cache_lookup (cache, LAGOON_CLASS_VM,
                                                    g_ptr_array_index (refs, i));
      const LagoonSchemaClass *klass = lagoon_record_get_class (vm);
      StreamOp begin = { -1, g_ptr_array_index (refs, i), NULL, NULL };

      g_array_append_val (ops, begin);
      for (guint f = 0; f < klass->n_fields; f++)
        {
          g_autoptr(GVariant) value = lagoon_record_get_value (vm, f);
          StreamOp op = { f, NULL, NULL, NULL };

          if (f == LAGOON_VM_POWER_STATE)
            op.a = g_str_equal (g_variant_get_string (value, NULL), "Running")
                     ? "Halted" : "Running";
          else if (f == LAGOON_VM_RESIDENT_ON)
            op.a = g_str_equal (g_variant_get_string (value, NULL), LAGOON_NULL_REF)
                     ? host : LAGOON_NULL_REF;
          else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
            op.a = g_string_chunk_insert_const (chunk, g_variant_get_string (value, NULL));
          else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
            {
              char buf[32];
              g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, g_variant_get_int64 (value));
              op.a = g_string_chunk_insert_const (chunk, buf);
            }
          else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
            op.a = g_variant_get_boolean (value) ? "true" : "false";
          else if (g_variant_is_of_type (value, G_VARIANT_TYPE ("av")) &&
                   klass->fields[f].type->value->kind != LAGOON_TYPE_INT)
            {
              for (gsize c = 0; c < g_variant_n_children (value); c++)
                {
                  g_autoptr(GVariant) boxed = g_variant_get_child_value (value, c);
                  g_autoptr(GVariant) item = g_variant_get_variant (boxed);
                  const char *text = g_variant_get_string (item, NULL);
                  StreamOp add = { f, g_string_chunk_insert_const (chunk, text), "", NULL };
                  g_array_append_val (ops, add);
                }
              continue;
            }
          else
            op.v = g_variant_ref (value); /* floats, maps and the rest: set_value */
          g_array_append_val (ops, op);
        }
    }
  n_view_signals = 0;
  c0 = cpu_ms ();
  lagoon_cache_begin_batch (cache);
  {
    LagoonCacheRow *r = NULL;

    for (guint o = 0; o < ops->len; o++)
      {
        StreamOp *op = &g_array_index (ops, StreamOp, o);

        if (op->field < 0)
          {
            if (r != NULL)
              lagoon_cache_row_commit (r);
            r = lagoon_cache_row_begin (cache, "VM", op->a);
          }
        else if (op->v != NULL)
          lagoon_cache_row_set_value (r, op->field, op->v);
        else if (op->b == NULL)
          lagoon_cache_row_set_text (r, op->field, op->a);
        else
          lagoon_cache_row_add_item (r, op->field, op->a);
      }
    if (r != NULL)
      lagoon_cache_row_commit (r);
  }
  c1 = cpu_ms ();
  lagoon_cache_end_batch (cache);
  printf ("the same as streamed rows (maps as GVariants): applied in %.1f ms of CPU, "
          "both views updated in %.1f ms (%u node signals)\n",
          c1 - c0, cpu_ms () - c1, n_view_signals);
  printf ("RSS at the end: %zu KiB\n", rss_kib ());

  for (guint o = 0; o < ops->len; o++)
    g_clear_pointer (&g_array_index (ops, StreamOp, o).v, g_variant_unref);
  return 0;
}
