/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-general-page"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lagoon-general-page.h"
#include "lagoon-ui-private.h"

struct _LagoonGeneralPage
{
  GtkBox       parent_instance;

  LagoonCache *cache;
  int          class_id;
  char        *ref;

  /* What each grid shows now: key, value, key, value... (to update in place) */
  GStrv        shown;
  GStrv        shown_all;

  /* Template children */
  GtkLabel    *title_label;
  GtkLabel    *missing_label;
  GtkGrid     *grid;
  GtkExpander *all_expander;
  GtkGrid     *all_grid;
};

G_DEFINE_FINAL_TYPE (LagoonGeneralPage, lagoon_general_page, GTK_TYPE_BOX)

/* ---- describing a record ----------------------------------------------------------------- */

static void
add_row (GPtrArray  *rows,
         const char *key,
         const char *value)
{
  if (value == NULL || value[0] == '\0')
    return;
  g_ptr_array_add (rows, g_strdup (key));
  g_ptr_array_add (rows, g_strdup (value));
}

static void
take_row (GPtrArray  *rows,
          const char *key,
          char       *value)
{
  add_row (rows, key, value);
  g_free (value);
}

static int
field_index (const LagoonRecord *rec,
             const char         *name)
{
  return lagoon_schema_find_field (lagoon_record_get_class (rec), name);
}

static const char *
string_field (const LagoonRecord *rec,
              const char         *name)
{
  int f = field_index (rec, name);

  return f >= 0 ? lagoon_record_get_string (rec, (guint) f) : NULL;
}

static const char *
ref_name (LagoonCache *cache,
          const char  *ref)
{
  const LagoonRecord *rec;

  if (ref == NULL)
    return NULL;
  rec = lagoon_cache_lookup_any (cache, ref);
  return rec != NULL ? lagoon_record_get_name (rec) : NULL;
}

static char *
format_bytes (gint64 bytes)
{
  if (bytes <= 0)
    return NULL;
  return g_format_size_full ((guint64) bytes, G_FORMAT_SIZE_IEC_UNITS);
}

static char *
format_time (gint64 unix_time)
{
  g_autoptr(GDateTime) dt = NULL;

  if (unix_time <= 0)
    return NULL;
  dt = g_date_time_new_from_unix_local (unix_time);
  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S") : NULL;
}

static const char *
yes_no (gboolean value)
{
  return value ? _("Yes") : _("No");
}

static void
describe_vm (LagoonCache        *cache,
             const LagoonRecord *rec,
             GPtrArray          *rows)
{
  const char *metrics_ref = lagoon_record_get_ref (rec, LAGOON_VM_GUEST_METRICS);
  const LagoonRecord *gm = metrics_ref != NULL
                             ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM_GUEST_METRICS,
                                                    metrics_ref)
                             : NULL;
  gboolean is_template = lagoon_record_get_bool (rec, LAGOON_VM_IS_A_TEMPLATE);
  gboolean is_snapshot = lagoon_record_get_bool (rec, LAGOON_VM_IS_A_SNAPSHOT);
  gint64 dyn_min = lagoon_record_get_int (rec, LAGOON_VM_MEMORY_DYNAMIC_MIN);
  gint64 dyn_max = lagoon_record_get_int (rec, LAGOON_VM_MEMORY_DYNAMIC_MAX);
  const char *domain_type = lagoon_record_get_enum_string (rec, LAGOON_VM_DOMAIN_TYPE);

  if (is_snapshot)
    {
      add_row (rows, _("Snapshot of"),
               ref_name (cache, lagoon_record_get_ref (rec, LAGOON_VM_SNAPSHOT_OF)));
      take_row (rows, _("Taken"),
                format_time (lagoon_record_get_datetime (rec, LAGOON_VM_SNAPSHOT_TIME)));
    }
  else if (!is_template)
    {
      add_row (rows, _("Power state"),
               lagoon_record_get_enum_string (rec, LAGOON_VM_POWER_STATE));
      add_row (rows, _("Running on"),
               ref_name (cache, lagoon_record_get_ref (rec, LAGOON_VM_RESIDENT_ON)));
    }
  add_row (rows, _("Home server"),
           ref_name (cache, lagoon_record_get_ref (rec, LAGOON_VM_AFFINITY)));

  take_row (rows, _("Memory"),
            format_bytes (lagoon_record_get_int (rec, LAGOON_VM_MEMORY_STATIC_MAX)));
  if (dyn_min > 0 && dyn_max > 0)
    {
      g_autofree char *min = format_bytes (dyn_min);
      g_autofree char *max = format_bytes (dyn_max);

      /* Translators: a memory range, "1 GiB – 2 GiB" */
      take_row (rows, _("Dynamic memory"), g_strdup_printf (_("%s – %s"), min, max));
    }
  take_row (rows, _("vCPUs"),
            g_strdup_printf ("%" G_GINT64_FORMAT,
                             lagoon_record_get_int (rec, LAGOON_VM_VCPUS_AT_STARTUP)));
  take_row (rows, _("Maximum vCPUs"),
            g_strdup_printf ("%" G_GINT64_FORMAT,
                             lagoon_record_get_int (rec, LAGOON_VM_VCPUS_MAX)));
  if (domain_type != NULL && g_strcmp0 (domain_type, "unspecified") != 0)
    add_row (rows, _("Virtualization mode"), domain_type);
  else
    add_row (rows, _("Virtualization mode"),
             g_strcmp0 (lagoon_record_get_string (rec, LAGOON_VM_HVM_BOOT_POLICY), "") != 0
               ? "hvm" : "pv");

  if (gm != NULL)
    {
      const char *os = lagoon_record_map_lookup (gm, LAGOON_VM_GUEST_METRICS_OS_VERSION, "name");
      guint n_pairs = 0;
      const char * const *networks = lagoon_record_get_map (gm, LAGOON_VM_GUEST_METRICS_NETWORKS,
                                                            &n_pairs);
      g_autoptr(GPtrArray) ips = g_ptr_array_new ();

      /* Windows guests append "|C:\Windows|\Device\..." to the name. */
      if (os != NULL)
        take_row (rows, _("Operating system"), g_strndup (os, strcspn (os, "|")));
      /* "0/ip" and "0/ipv4/0" often carry the same address: list each once. */
      for (guint i = 0; i < n_pairs; i++)
        {
          const char *ip = networks[2 * i + 1];
          gboolean seen = FALSE;

          if (ip == NULL || ip[0] == '\0')
            continue;
          for (guint j = 0; j < ips->len && !seen; j++)
            seen = g_strcmp0 (g_ptr_array_index (ips, j), ip) == 0;
          if (!seen)
            g_ptr_array_add (ips, (gpointer) ip);
        }
      g_ptr_array_add (ips, NULL);
      take_row (rows, _("IP addresses"), g_strjoinv (", ", (char **) ips->pdata));
      add_row (rows, _("Guest tools"),
               yes_no (lagoon_record_get_bool (gm, LAGOON_VM_GUEST_METRICS_PV_DRIVERS_DETECTED)));
    }
}

static void
describe_host (LagoonCache        *cache,
               const LagoonRecord *rec,
               GPtrArray          *rows)
{
  const char *metrics_ref = lagoon_record_get_ref (rec, LAGOON_HOST_METRICS);
  const LagoonRecord *hm = metrics_ref != NULL
                             ? lagoon_cache_lookup (cache, LAGOON_CLASS_HOST_METRICS, metrics_ref)
                             : NULL;
  const char *version;

  add_row (rows, _("Address"), lagoon_record_get_string (rec, LAGOON_HOST_ADDRESS));
  add_row (rows, _("Host name"), lagoon_record_get_string (rec, LAGOON_HOST_HOSTNAME));
  add_row (rows, _("Enabled"), yes_no (lagoon_record_get_bool (rec, LAGOON_HOST_ENABLED)));
  add_row (rows, _("CPUs"), lagoon_record_map_lookup (rec, LAGOON_HOST_CPU_INFO, "cpu_count"));
  add_row (rows, _("CPU model"), lagoon_record_map_lookup (rec, LAGOON_HOST_CPU_INFO, "modelname"));
  if (hm != NULL)
    {
      gint64 total = lagoon_record_get_int (hm, LAGOON_HOST_METRICS_MEMORY_TOTAL);
      gint64 free_bytes = lagoon_record_get_int (hm, LAGOON_HOST_METRICS_MEMORY_FREE);

      if (total > 0)
        {
          g_autofree char *t = format_bytes (total);
          g_autofree char *f = format_bytes (free_bytes);

          /* Translators: "15.6 GiB (4.2 GiB free)" */
          take_row (rows, _("Memory"), g_strdup_printf (_("%s (%s free)"), t, f ? f : "0"));
        }
      add_row (rows, _("Live"), yes_no (lagoon_record_get_bool (hm, LAGOON_HOST_METRICS_LIVE)));
    }
  version = lagoon_record_map_lookup (rec, LAGOON_HOST_SOFTWARE_VERSION, "product_version");
  if (version == NULL)
    version = lagoon_record_map_lookup (rec, LAGOON_HOST_SOFTWARE_VERSION, "platform_version");
  add_row (rows, _("Version"), version);
  add_row (rows, _("Product"),
           lagoon_record_map_lookup (rec, LAGOON_HOST_SOFTWARE_VERSION, "product_brand"));
}

static void
describe_pool (LagoonCache        *cache,
               const LagoonRecord *rec,
               GPtrArray          *rows)
{
  add_row (rows, _("Coordinator"),
           ref_name (cache, lagoon_record_get_ref (rec, LAGOON_POOL_MASTER)));
  take_row (rows, _("Servers"),
            g_strdup_printf ("%u", lagoon_cache_get_n_records (cache, LAGOON_CLASS_HOST)));
  add_row (rows, _("Default storage"),
           ref_name (cache, lagoon_record_get_ref (rec, LAGOON_POOL_DEFAULT_SR)));
  add_row (rows, _("High availability"),
           yes_no (lagoon_record_get_bool (rec, LAGOON_POOL_HA_ENABLED)));
}

static void
describe_sr (LagoonCache        *cache,
             const LagoonRecord *rec,
             GPtrArray          *rows)
{
  gint64 size = lagoon_record_get_int (rec, LAGOON_SR_PHYSICAL_SIZE);
  gint64 used = lagoon_record_get_int (rec, LAGOON_SR_PHYSICAL_UTILISATION);

  add_row (rows, _("Type"), lagoon_record_get_string (rec, LAGOON_SR_TYPE));
  add_row (rows, _("Content type"), lagoon_record_get_string (rec, LAGOON_SR_CONTENT_TYPE));
  take_row (rows, _("Size"), format_bytes (size));
  if (size > 0)
    {
      g_autofree char *u = format_bytes (used);

      /* Translators: "12.0 GiB (25%)": space used and its share of the SR */
      take_row (rows, _("Usage"), g_strdup_printf (_("%s (%d%%)"), u != NULL ? u : "0 bytes",
                                                   (int) (100 * (double) used / (double) size)));
    }
  take_row (rows, _("Virtual allocation"),
            format_bytes (lagoon_record_get_int (rec, LAGOON_SR_VIRTUAL_ALLOCATION)));
  add_row (rows, _("Shared"), yes_no (lagoon_record_get_bool (rec, LAGOON_SR_SHARED)));
}

GStrv
lagoon_general_page_describe (LagoonCache        *cache,
                              const LagoonRecord *rec)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);
  int f;

  g_return_val_if_fail (rec != NULL, NULL);

  add_row (rows, _("Name"), lagoon_record_get_name (rec));
  add_row (rows, _("Description"), string_field (rec, "name_description"));
  add_row (rows, _("UUID"), lagoon_record_get_uuid (rec));

  switch ((int) lagoon_record_get_class_id (rec))
    {
    case LAGOON_CLASS_VM:
      describe_vm (cache, rec, rows);
      break;
    case LAGOON_CLASS_HOST:
      describe_host (cache, rec, rows);
      break;
    case LAGOON_CLASS_POOL:
      describe_pool (cache, rec, rows);
      break;
    case LAGOON_CLASS_SR:
      describe_sr (cache, rec, rows);
      break;
    case LAGOON_CLASS_NETWORK:
      add_row (rows, _("Bridge"), lagoon_record_get_string (rec, LAGOON_NETWORK_BRIDGE));
      take_row (rows, _("MTU"), g_strdup_printf ("%" G_GINT64_FORMAT,
                                                 lagoon_record_get_int (rec, LAGOON_NETWORK_MTU)));
      break;
    case LAGOON_CLASS_VDI:
      take_row (rows, _("Size"),
                format_bytes (lagoon_record_get_int (rec, LAGOON_VDI_VIRTUAL_SIZE)));
      add_row (rows, _("Storage"), ref_name (cache, lagoon_record_get_ref (rec, LAGOON_VDI_SR)));
      break;
    default:
      break;
    }

  f = field_index (rec, "tags");
  if (f >= 0)
    take_row (rows, _("Tags"),
              g_strjoinv (", ", (char **) lagoon_record_get_set (rec, (guint) f, NULL)));
  f = field_index (rec, "other_config");
  if (f >= 0)
    add_row (rows, _("Folder"), lagoon_record_map_lookup (rec, (guint) f, "folder"));

  g_ptr_array_add (rows, NULL);
  return (GStrv) g_ptr_array_steal (rows, NULL);
}

/* Every field, in schema order, as text. */
static GStrv
describe_all (const LagoonRecord *rec)
{
  const LagoonSchemaClass *klass = lagoon_record_get_class (rec);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < klass->n_fields; i++)
    {
      g_autoptr(GVariant) value = lagoon_record_get_value (rec, i);
      char *text;

      if (value == NULL)
        continue;
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        text = g_variant_dup_string (value, NULL);
      else
        text = g_variant_print (value, FALSE);
      g_ptr_array_add (rows, g_strdup (klass->fields[i].name));
      g_ptr_array_add (rows, text);
    }

  g_ptr_array_add (rows, NULL);
  return (GStrv) g_ptr_array_steal (rows, NULL);
}

/* ---- the grids --------------------------------------------------------------------------- */

static void
fill_grid (GtkGrid *grid,
           GStrv   *shown,
           GStrv    pairs)
{
  guint n = g_strv_length (pairs) / 2;
  gboolean same_keys = *shown != NULL && g_strv_length (*shown) / 2 == n;

  for (guint i = 0; same_keys && i < n; i++)
    same_keys = g_strcmp0 ((*shown)[2 * i], pairs[2 * i]) == 0;

  if (same_keys)
    {
      /* Update values in place: a selection the user is copying from survives. */
      for (guint i = 0; i < n; i++)
        if (g_strcmp0 ((*shown)[2 * i + 1], pairs[2 * i + 1]) != 0)
          {
            GtkWidget *value = gtk_grid_get_child_at (grid, 1, (int) i);

            gtk_label_set_text (GTK_LABEL (value), pairs[2 * i + 1]);
          }
    }
  else
    {
      g_autoptr(GList) children = gtk_container_get_children (GTK_CONTAINER (grid));

      for (GList *l = children; l != NULL; l = l->next)
        gtk_widget_destroy (l->data);

      for (guint i = 0; i < n; i++)
        {
          GtkWidget *key = gtk_label_new (pairs[2 * i]);
          GtkWidget *value = gtk_label_new (pairs[2 * i + 1]);
          AtkObject *key_atk, *value_atk;

          gtk_label_set_xalign (GTK_LABEL (key), 1.0);
          gtk_label_set_yalign (GTK_LABEL (key), 0.0);
          gtk_style_context_add_class (gtk_widget_get_style_context (key), "dim-label");
          gtk_label_set_xalign (GTK_LABEL (value), 0.0);
          gtk_label_set_selectable (GTK_LABEL (value), TRUE);
          gtk_label_set_line_wrap (GTK_LABEL (value), TRUE);
          gtk_label_set_line_wrap_mode (GTK_LABEL (value), PANGO_WRAP_WORD_CHAR);
          gtk_label_set_max_width_chars (GTK_LABEL (value), 60);
          gtk_widget_set_hexpand (value, TRUE);
          gtk_widget_set_can_focus (value, FALSE);

          key_atk = gtk_widget_get_accessible (key);
          value_atk = gtk_widget_get_accessible (value);
          atk_object_add_relationship (value_atk, ATK_RELATION_LABELLED_BY, key_atk);
          atk_object_add_relationship (key_atk, ATK_RELATION_LABEL_FOR, value_atk);

          gtk_grid_attach (grid, key, 0, (int) i, 1, 1);
          gtk_grid_attach (grid, value, 1, (int) i, 1, 1);
          gtk_widget_show (key);
          gtk_widget_show (value);
        }
    }

  g_strfreev (*shown);
  *shown = pairs;
}

void
lagoon_general_page_refresh (LagoonGeneralPage *self)
{
  const LagoonRecord *rec = NULL;

  g_return_if_fail (LAGOON_IS_GENERAL_PAGE (self));

  if (self->cache != NULL && self->ref != NULL)
    rec = self->class_id >= 0 ? lagoon_cache_lookup (self->cache, self->class_id, self->ref)
                              : lagoon_cache_lookup_any (self->cache, self->ref);

  if (rec == NULL)
    {
      gtk_label_set_text (self->title_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->missing_label), self->ref != NULL);
      fill_grid (self->grid, &self->shown, g_new0 (char *, 1));
      fill_grid (self->all_grid, &self->shown_all, g_new0 (char *, 1));
      gtk_widget_hide (GTK_WIDGET (self->all_expander));
      return;
    }

  gtk_widget_hide (GTK_WIDGET (self->missing_label));
  gtk_label_set_text (self->title_label, lagoon_record_get_name (rec));
  fill_grid (self->grid, &self->shown, lagoon_general_page_describe (self->cache, rec));
  /* The full field list is long: only built while the expander is open. */
  gtk_widget_show (GTK_WIDGET (self->all_expander));
  if (gtk_expander_get_expanded (self->all_expander))
    fill_grid (self->all_grid, &self->shown_all, describe_all (rec));
}

void
lagoon_general_page_set_object (LagoonGeneralPage *self,
                                LagoonCache       *cache,
                                int                class_id,
                                const char        *ref)
{
  g_return_if_fail (LAGOON_IS_GENERAL_PAGE (self));

  g_set_object (&self->cache, cache);
  self->class_id = class_id;
  g_free (self->ref);
  self->ref = g_strdup (ref);
  lagoon_general_page_refresh (self);
}

static void
on_all_expanded (GtkExpander       *expander,
                 GParamSpec        *pspec,
                 LagoonGeneralPage *self)
{
  lagoon_general_page_refresh (self);
}

GtkWidget *
lagoon_general_page_new (void)
{
  return g_object_new (LAGOON_TYPE_GENERAL_PAGE, NULL);
}

static void
lagoon_general_page_dispose (GObject *object)
{
  LagoonGeneralPage *self = LAGOON_GENERAL_PAGE (object);

  g_clear_object (&self->cache);

  G_OBJECT_CLASS (lagoon_general_page_parent_class)->dispose (object);
}

static void
lagoon_general_page_finalize (GObject *object)
{
  LagoonGeneralPage *self = LAGOON_GENERAL_PAGE (object);

  g_free (self->ref);
  g_strfreev (self->shown);
  g_strfreev (self->shown_all);

  G_OBJECT_CLASS (lagoon_general_page_parent_class)->finalize (object);
}

static void
lagoon_general_page_class_init (LagoonGeneralPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lagoon_general_page_dispose;
  object_class->finalize = lagoon_general_page_finalize;

  lagoon_ui_register_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/lagoon/Lagoon/lagoon-general-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LagoonGeneralPage, title_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonGeneralPage, missing_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonGeneralPage, grid);
  gtk_widget_class_bind_template_child (widget_class, LagoonGeneralPage, all_expander);
  gtk_widget_class_bind_template_child (widget_class, LagoonGeneralPage, all_grid);
  gtk_widget_class_bind_template_callback (widget_class, on_all_expanded);
}

static void
lagoon_general_page_init (LagoonGeneralPage *self)
{
  self->class_id = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
}
