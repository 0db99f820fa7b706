/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "xapi-sim"

#include "config.h"

#include <math.h>
#include <string.h>

#include "sim-console.h"
#include "sim-rrd.h"

#define CLASS(id) (&lagoon_schema_classes[id])

/* xapi's archives (metrics.md): 5 s for 10 min, 1 min for 2 h, 1 h for a week, 1 day for a year. */
static const struct { gint64 step; gint64 rows; } archives[] = {
  { 5, 120 }, { 60, 120 }, { 3600, 168 }, { 86400, 366 },
};

typedef enum {
  SHAPE_CPU,      /* fraction of a CPU, 0..1 */
  SHAPE_BYTES,    /* a level that drifts around @base */
  SHAPE_RATE,     /* bytes/s */
} Shape;

typedef struct
{
  char    *legend;  /* CF:kind:uuid:ds */
  char    *ds;
  Shape    shape;
  double   base;    /* scale of the series */
  double   phase;   /* from a hash: series differ, repeat queries agree */
} Series;

static void
series_free (gpointer data)
{
  Series *s = data;

  g_free (s->legend);
  g_free (s->ds);
  g_free (s);
}

gboolean
sim_rrd_handles (const char *path)
{
  return g_str_equal (path, "/rrd_updates") || g_str_equal (path, "/host_rrd") ||
         g_str_equal (path, "/host_rrds") || g_str_equal (path, "/vm_rrd") ||
         g_str_equal (path, "/vm_rrds");
}

static void
add_series (GPtrArray  *out,
            const char *cf,
            const char *kind,
            const char *uuid,
            const char *ds,
            Shape       shape,
            double      base)
{
  Series *s = g_new0 (Series, 1);

  s->legend = g_strdup_printf ("%s:%s:%s:%s", cf, kind, uuid, ds);
  s->ds = g_strdup (ds);
  s->shape = shape;
  s->base = base;
  /* The phase ignores the CF so that MIN <= AVERAGE <= MAX hold for one data source. */
  {
    g_autofree char *key = g_strdup_printf ("%s:%s:%s", kind, uuid, ds);
    s->phase = (double) ((g_str_hash (key) * 2654435761u) % 10007) / 10007.0 * 2 * G_PI;
  }
  g_ptr_array_add (out, s);
}

/* A series that keeps one value (memory sizes); marked by a negative phase. */
static void
add_constant (GPtrArray  *out,
              const char *cf,
              const char *kind,
              const char *uuid,
              const char *ds,
              double      value)
{
  Series *s;

  add_series (out, cf, kind, uuid, ds, SHAPE_BYTES, value);
  s = out->pdata[out->len - 1];
  s->phase = -1;
}

static double
series_value (const Series *s,
              const char   *cf,
              gint64        t)
{
  double wave = 0.5 + 0.35 * sin ((double) t / 900.0 + s->phase) +
                0.15 * sin ((double) t / 67.0 + 3 * s->phase);
  double factor = g_str_equal (cf, "MIN") ? 0.8 : g_str_equal (cf, "MAX") ? 1.2 : 1.0;
  double v;

  wave = CLAMP (wave, 0.0, 1.0);
  switch (s->shape)
    {
    case SHAPE_CPU:
      v = CLAMP (0.02 + 0.4 * wave * factor, 0.0, 1.0);
      break;
    case SHAPE_BYTES:
      v = floor (s->base * (0.3 + 0.4 * wave) * factor);
      break;
    case SHAPE_RATE:
    default:
      v = floor (s->base * wave * factor);
      break;
    }
  return v;
}

/* rrdtool/xapi number format: %0.15g, zero as 0.0. */
static void
append_number (GString *out,
               double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (v))
    g_string_append (out, "NaN");
  else if (isinf (v))
    g_string_append (out, v > 0 ? "Infinity" : "-Infinity");
  else if (v == 0.0)
    g_string_append (out, "0.0");
  else
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%0.15g", v));
}

static gint64
map_int (GVariant   *map,
         const char *key,
         gint64      fallback)
{
  g_autoptr(GVariant) v = g_variant_lookup_value (map, key, NULL);
  gint64 n;

  if (v == NULL)
    return fallback;
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING) &&
      g_ascii_string_to_signed (g_variant_get_string (v, NULL), 10, 1, 4096, &n, NULL))
    return n;
  return fallback;
}

/* The refs of a set field ("av" of strings). */
static GPtrArray *
set_refs (SimObject *obj,
          int        field)
{
  GPtrArray *refs = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  GVariant *v;

  g_variant_iter_init (&iter, obj->fields[field]);
  while ((v = g_variant_iter_next_value (&iter)))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (v);
      if (g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING))
        g_ptr_array_add (refs, g_strdup (g_variant_get_string (inner, NULL)));
      g_variant_unref (v);
    }
  return refs;
}

static void
host_series (SimDb      *db,
             SimObject  *host,
             const char *cf,
             GPtrArray  *out)
{
  const char *uuid = sim_object_get_string (host, LAGOON_HOST_UUID);
  gint64 cpus = map_int (host->fields[LAGOON_HOST_CPU_INFO], "cpu_count", 0);
  SimObject *metrics = sim_db_lookup_class (db, CLASS (LAGOON_CLASS_HOST_METRICS),
                                            sim_object_get_string (host, LAGOON_HOST_METRICS));
  double total_kib = 16.0 * 1024 * 1024;
  g_autoptr(GPtrArray) pifs = set_refs (host, LAGOON_HOST_PIFS);
  guint n_pifs = 0;

  if (cpus <= 0)
    cpus = g_variant_n_children (host->fields[LAGOON_HOST_HOST_CPUS]);
  if (cpus <= 0)
    cpus = 4;
  cpus = MIN (cpus, 64);
  if (metrics != NULL && sim_object_get_int (metrics, LAGOON_HOST_METRICS_MEMORY_TOTAL) > 0)
    total_kib = (double) (sim_object_get_int (metrics, LAGOON_HOST_METRICS_MEMORY_TOTAL) / 1024);

  for (gint64 i = 0; i < cpus; i++)
    {
      g_autofree char *ds = g_strdup_printf ("cpu%" G_GINT64_FORMAT, i);
      add_series (out, cf, "host", uuid, ds, SHAPE_CPU, 1.0);
    }
  add_series (out, cf, "host", uuid, "cpu_avg", SHAPE_CPU, 1.0);
  add_series (out, cf, "host", uuid, "loadavg", SHAPE_CPU, 1.0);
  add_constant (out, cf, "host", uuid, "memory_total_kib", total_kib);
  add_series (out, cf, "host", uuid, "memory_free_kib", SHAPE_BYTES, total_kib);
  for (guint i = 0; i < pifs->len && n_pifs < 16; i++)
    {
      SimObject *pif = sim_db_lookup_class (db, CLASS (LAGOON_CLASS_PIF),
                                            g_ptr_array_index (pifs, i));
      const char *dev = pif != NULL ? sim_object_get_string (pif, LAGOON_PIF_DEVICE) : "";
      g_autofree char *rx = NULL;
      g_autofree char *tx = NULL;

      if (*dev == '\0')
        continue;
      rx = g_strdup_printf ("pif_%s_rx", dev);
      tx = g_strdup_printf ("pif_%s_tx", dev);
      add_series (out, cf, "host", uuid, rx, SHAPE_RATE, 2e6);
      add_series (out, cf, "host", uuid, tx, SHAPE_RATE, 1e6);
      n_pifs++;
    }
  if (n_pifs == 0)
    {
      add_series (out, cf, "host", uuid, "pif_eth0_rx", SHAPE_RATE, 2e6);
      add_series (out, cf, "host", uuid, "pif_eth0_tx", SHAPE_RATE, 1e6);
    }
  add_series (out, cf, "host", uuid, "pif_aggr_rx", SHAPE_RATE, 2e6);
  add_series (out, cf, "host", uuid, "pif_aggr_tx", SHAPE_RATE, 1e6);
}

static void
vm_series (SimDb      *db,
           SimObject  *vm,
           const char *cf,
           GPtrArray  *out)
{
  const char *uuid = sim_object_get_string (vm, LAGOON_VM_UUID);
  gint64 vcpus = CLAMP (sim_object_get_int (vm, LAGOON_VM_VCPUS_AT_STARTUP), 1, 64);
  gint64 memory = sim_object_get_int (vm, LAGOON_VM_MEMORY_DYNAMIC_MAX);
  g_autoptr(GPtrArray) vifs = set_refs (vm, LAGOON_VM_VIFS);
  g_autoptr(GPtrArray) vbds = set_refs (vm, LAGOON_VM_VBDS);

  if (memory <= 0)
    memory = sim_object_get_int (vm, LAGOON_VM_MEMORY_STATIC_MAX);
  if (memory <= 0)
    memory = 256 * 1024 * 1024;
  for (gint64 i = 0; i < vcpus; i++)
    {
      g_autofree char *ds = g_strdup_printf ("cpu%" G_GINT64_FORMAT, i);
      add_series (out, cf, "vm", uuid, ds, SHAPE_CPU, 1.0);
    }
  /* memory (bytes) and memory_target are the allocation: constant. */
  add_constant (out, cf, "vm", uuid, "memory", (double) memory);
  add_constant (out, cf, "vm", uuid, "memory_target", (double) memory);
  add_series (out, cf, "vm", uuid, "memory_internal_free", SHAPE_BYTES, (double) memory / 1024);
  for (guint i = 0; i < vifs->len && i < 16; i++)
    {
      SimObject *vif = sim_db_lookup_class (db, CLASS (LAGOON_CLASS_VIF),
                                            g_ptr_array_index (vifs, i));
      g_autofree char *rx = NULL;
      g_autofree char *tx = NULL;

      if (vif == NULL)
        continue;
      rx = g_strdup_printf ("vif_%s_rx", sim_object_get_string (vif, LAGOON_VIF_DEVICE));
      tx = g_strdup_printf ("vif_%s_tx", sim_object_get_string (vif, LAGOON_VIF_DEVICE));
      add_series (out, cf, "vm", uuid, rx, SHAPE_RATE, 5e5);
      add_series (out, cf, "vm", uuid, tx, SHAPE_RATE, 2e5);
    }
  for (guint i = 0; i < vbds->len && i < 16; i++)
    {
      SimObject *vbd = sim_db_lookup_class (db, CLASS (LAGOON_CLASS_VBD),
                                            g_ptr_array_index (vbds, i));
      const char *dev;
      g_autofree char *rd = NULL;
      g_autofree char *wr = NULL;

      if (vbd == NULL || !g_str_equal (sim_object_get_string (vbd, LAGOON_VBD_TYPE), "Disk"))
        continue;
      dev = sim_object_get_string (vbd, LAGOON_VBD_DEVICE);
      if (*dev == '\0')
        continue;
      rd = g_strdup_printf ("vbd_%s_read", dev);
      wr = g_strdup_printf ("vbd_%s_write", dev);
      add_series (out, cf, "vm", uuid, rd, SHAPE_RATE, 4e6);
      add_series (out, cf, "vm", uuid, wr, SHAPE_RATE, 1e6);
    }
}


static double
value_at (const Series *s,
          const char   *cf,
          gint64        t)
{
  return s->phase < 0 ? s->base : series_value (s, cf, t);
}

/*
 * The whole RRD as rrdtool dump writes it: data sources, then AVERAGE, MIN and MAX archives
 * at each of xapi's four resolutions, rows oldest first, the last one at lastupdate.
 */
static void
write_dump (GString   *out,
            GPtrArray *series,
            gint64     now)
{
  static const char *const cfs[] = { "AVERAGE", "MIN", "MAX" };
  gint64 last = now / 5 * 5;

  g_string_append (out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>");
  g_string_append_printf (out, "<rrd><version>0003</version><step>5</step>"
                          "<lastupdate>%" G_GINT64_FORMAT "</lastupdate>", last);
  for (guint i = 0; i < series->len; i++)
    {
      const Series *s = series->pdata[i];

      g_string_append_printf (out, "<ds><name>%s</name><type>GAUGE</type>"
                              "<minimal_heartbeat>300.0000</minimal_heartbeat><min>0.0</min>"
                              "<max>Infinity</max><last_ds>", s->ds);
      append_number (out, value_at (s, "AVERAGE", last));
      g_string_append (out, "</last_ds><value>0.0</value><unknown_sec>0</unknown_sec></ds>");
    }
  for (guint a = 0; a < G_N_ELEMENTS (archives); a++)
    for (guint c = 0; c < G_N_ELEMENTS (cfs); c++)
      {
        gint64 step = archives[a].step;
        gint64 newest = now / step * step;

        g_string_append_printf (out, "<rra><cf>%s</cf>"
                                "<pdp_per_row>%" G_GINT64_FORMAT "</pdp_per_row>"
                                "<params><xff>0.5</xff></params><cdp_prep>", cfs[c], step / 5);
        for (guint i = 0; i < series->len; i++)
          g_string_append (out, "<ds><primary_value>0.0</primary_value>"
                                "<secondary_value>0.0</secondary_value><value>0.0</value>"
                                "<unknown_datapoints>0</unknown_datapoints></ds>");
        g_string_append (out, "</cdp_prep><database>");
        for (gint64 r = archives[a].rows - 1; r >= 0; r--)
          {
            gint64 t = newest - r * step;

            g_string_append (out, "<row>");
            for (guint i = 0; i < series->len; i++)
              {
                g_string_append (out, "<v>");
                append_number (out, value_at (series->pdata[i], cfs[c], t));
                g_string_append (out, "</v>");
              }
            g_string_append (out, "</row>");
          }
        g_string_append (out, "</database></rra>");
      }
  g_string_append (out, "</rrd>");
}

/* /host_rrd: this host's RRD; /vm_rrd?uuid=: a VM's. */
static int
handle_dump (SimDb      *db,
             const char *host_ref,
             const char *path,
             const char *query,
             GString    *body,
             char      **content_type)
{
  g_autoptr(GPtrArray) series = g_ptr_array_new_with_free_func (series_free);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_mutex_lock (&db->lock);
  if (g_str_has_prefix (path, "/host_rrd"))
    {
      SimObject *host = host_ref != NULL
                        ? sim_db_lookup_class (db, CLASS (LAGOON_CLASS_HOST), host_ref) : NULL;
      if (host != NULL)
        host_series (db, host, "AVERAGE", series);
    }
  else
    {
      g_autofree char *uuid = sim_query_get (query, "uuid");
      SimObject *vm = uuid != NULL
                      ? sim_db_lookup_uuid (db, CLASS (LAGOON_CLASS_VM), uuid) : NULL;

      if (vm == NULL)
        {
          g_mutex_unlock (&db->lock);
          g_string_append (body, "no such VM");
          return 404;
        }
      vm_series (db, vm, "AVERAGE", series);
    }
  g_mutex_unlock (&db->lock);
  write_dump (body, series, now);
  *content_type = g_strdup ("text/xml");
  return 200;
}

static GPtrArray *
query_all (const char *query,
           const char *key)
{
  GPtrArray *values = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) pairs = query != NULL ? g_strsplit (query, "&", -1) : NULL;
  g_autofree char *prefix = g_strconcat (key, "=", NULL);

  for (guint i = 0; pairs != NULL && pairs[i] != NULL; i++)
    if (g_str_has_prefix (pairs[i], prefix))
      {
        char *v = g_uri_unescape_string (pairs[i] + strlen (prefix), NULL);
        if (v != NULL)
          g_ptr_array_add (values, v);
      }
  return values;
}

static gboolean
is_true (const char *v)
{
  return v != NULL &&
         (g_ascii_strcasecmp (v, "true") == 0 || g_str_equal (v, "1") || g_str_equal (v, "yes"));
}

int
sim_rrd_handle (SimServer   *server,
                const char  *local_address,
                const char  *path,
                const char  *query,
                const char  *cookie,
                GString     *body,
                char       **content_type)
{
  SimDb *db = sim_server_get_db (server);
  g_autofree char *session = sim_request_session (query, cookie);
  g_autofree char *start_s = sim_query_get (query, "start");
  g_autofree char *interval_s = sim_query_get (query, "interval");
  g_autofree char *cf_s = sim_query_get (query, "cf");
  g_autofree char *host_s = sim_query_get (query, "host");
  g_autofree char *json_s = sim_query_get (query, "json");
  g_autoptr(GPtrArray) vm_uuids = query_all (query, "vm_uuid");
  g_autoptr(GPtrArray) series = g_ptr_array_new_with_free_func (series_free);
  const char *cf = cf_s != NULL ? cf_s : "AVERAGE";
  gboolean json = is_true (json_s);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 start;
  gint64 step;
  gint64 max_rows;
  gint64 end;
  gint64 rows;
  guint a;
  const char *host_ref;
  gboolean ok;

  g_string_truncate (body, 0);
  g_mutex_lock (&db->lock);
  host_ref = sim_host_at_address (db, local_address);
  ok = sim_session_ok (db, host_ref, session);
  g_mutex_unlock (&db->lock);
  if (!ok)
    return 401;
  if (!g_str_equal (path, "/rrd_updates"))
    return handle_dump (db, host_ref, path, query, body, content_type);

  if (start_s == NULL ||
      !g_ascii_string_to_signed (start_s, 10, G_MININT64 / 2, G_MAXINT64 / 2, &start, NULL))
    {
      g_string_append (body, "start: a number of seconds is required");
      return 400;
    }
  if (start < 0)
    start = now + start;   /* relative to now */
  if (!g_str_equal (cf, "AVERAGE") && !g_str_equal (cf, "MIN") && !g_str_equal (cf, "MAX") &&
      !g_str_equal (cf, "LAST"))
    {
      g_string_append (body, "cf: AVERAGE, MIN, MAX or LAST");
      return 400;
    }

  /* The archive: the finest whose step is at least `interval`, else the finest reaching back
   * to `start`. */
  if (interval_s != NULL)
    {
      gint64 interval;

      if (!g_ascii_string_to_signed (interval_s, 10, 0, G_MAXINT32, &interval, NULL))
        {
          g_string_append (body, "interval: a number of seconds");
          return 400;
        }
      for (a = 0; a + 1 < G_N_ELEMENTS (archives) && archives[a].step < interval; a++)
        ;
    }
  else
    for (a = 0; a + 1 < G_N_ELEMENTS (archives) &&
                now - start > archives[a].step * archives[a].rows; a++)
      ;
  step = archives[a].step;
  max_rows = archives[a].rows;
  end = now / step * step;
  /* Rows newer than start, at most the archive's length. */
  rows = start >= end ? 0 : MIN (max_rows, (end - start + step - 1) / step);

  g_mutex_lock (&db->lock);
  if (host_ref != NULL)
    {
      SimObject *host = sim_db_lookup_class (db, CLASS (LAGOON_CLASS_HOST), host_ref);
      GQueue *vms = sim_db_class_objects (db, CLASS (LAGOON_CLASS_VM));

      if (host != NULL && is_true (host_s))
        host_series (db, host, cf, series);
      /* This host's running VMs, all or those asked for. */
      for (GList *l = vms->head; l != NULL; l = l->next)
        {
          SimObject *vm = l->data;
          const char *state = sim_object_get_string (vm, LAGOON_VM_POWER_STATE);
          gboolean wanted = vm_uuids->len == 0;

          if (!g_str_equal (sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON), host_ref) ||
              !(g_str_equal (state, "Running") || g_str_equal (state, "Paused")))
            continue;
          for (guint i = 0; i < vm_uuids->len && !wanted; i++)
            wanted = g_str_equal (g_ptr_array_index (vm_uuids, i),
                                  sim_object_get_string (vm, LAGOON_VM_UUID));
          if (wanted)
            vm_series (db, vm, cf, series);
        }
    }
  g_mutex_unlock (&db->lock);

  if (json)
    {
      g_string_append_printf (body, "{\"meta\":{\"start\":%" G_GINT64_FORMAT
                              ",\"step\":%" G_GINT64_FORMAT ",\"end\":%" G_GINT64_FORMAT
                              ",\"rows\":%" G_GINT64_FORMAT ",\"columns\":%u,\"legend\":[",
                              rows > 0 ? end - (rows - 1) * step : end, step, end, rows,
                              series->len);
      for (guint i = 0; i < series->len; i++)
        g_string_append_printf (body, "%s\"%s\"", i > 0 ? "," : "",
                                ((Series *) series->pdata[i])->legend);
      g_string_append (body, "]},\"data\":[");
      for (gint64 r = 0; r < rows; r++)
        {
          gint64 t = end - r * step;

          g_string_append_printf (body, "%s{\"t\":%" G_GINT64_FORMAT ",\"values\":[",
                                  r > 0 ? "," : "", t);
          for (guint i = 0; i < series->len; i++)
            {
              const Series *s = series->pdata[i];
              g_string_append (body, i > 0 ? ",\"" : "\"");
              append_number (body, s->phase < 0 ? s->base : series_value (s, cf, t));
              g_string_append_c (body, '"');
            }
          g_string_append (body, "]}");
        }
      g_string_append (body, "]}");
      *content_type = g_strdup ("application/json");
      return 200;
    }

  g_string_append (body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
  g_string_append_printf (body, "<xport><meta><start>%" G_GINT64_FORMAT "</start>"
                          "<step>%" G_GINT64_FORMAT
                          "</step><end>%" G_GINT64_FORMAT "</end><rows>%" G_GINT64_FORMAT "</rows>"
                          "<columns>%u</columns><legend>",
                          rows > 0 ? end - (rows - 1) * step : end, step, end, rows, series->len);
  for (guint i = 0; i < series->len; i++)
    g_string_append_printf (body, "<entry>%s</entry>", ((Series *) series->pdata[i])->legend);
  g_string_append (body, "</legend></meta><data>");
  for (gint64 r = 0; r < rows; r++)
    {
      gint64 t = end - r * step;

      g_string_append_printf (body, "<row><t>%" G_GINT64_FORMAT "</t>", t);
      for (guint i = 0; i < series->len; i++)
        {
          const Series *s = series->pdata[i];
          g_string_append (body, "<v>");
          append_number (body, s->phase < 0 ? s->base : series_value (s, cf, t));
          g_string_append (body, "</v>");
        }
      g_string_append (body, "</row>");
    }
  g_string_append (body, "</data></xport>");
  *content_type = g_strdup ("text/xml");
  return 200;
}
