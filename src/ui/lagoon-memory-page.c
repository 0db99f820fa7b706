/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-memory-page"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "lagoon-memory-page.h"
#include "lagoon-page-util.h"

/* Columns of the host's list (what uses its memory) and of the pool's list (its hosts). */
enum {
  USE_REF,
  USE_NAME,
  USE_KIND,
  USE_TEXT,
  USE_BYTES,
  USE_N_COLUMNS
};

enum {
  HOST_REF,
  HOST_NAME,
  HOST_PERCENT,
  HOST_BAR_TEXT,
  HOST_TOTAL,
  HOST_USED,
  HOST_FREE,
  HOST_N_VMS,
  HOST_N_COLUMNS
};

struct _LagoonMemoryPage
{
  GtkBox        parent_instance;

  LagoonServer *server;
  int           class_id;
  char         *ref;

  GtkStack     *stack;

  /* A VM */
  GtkLabel     *vm_static;
  GtkLabel     *vm_dynamic;
  GtkLabel     *vm_current;
  GtkLabel     *vm_mode;
  GtkWidget    *vm_bar;
  GtkWidget    *edit_button;

  /* A host */
  GtkWidget    *host_bar;
  GtkLabel     *host_summary;
  GtkListStore *use_store;

  /* A pool */
  GtkListStore *host_store;
};

static void lagoon_memory_page_tab_init (LagoonTabInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LagoonMemoryPage, lagoon_memory_page, GTK_TYPE_BOX,
                               G_IMPLEMENT_INTERFACE (LAGOON_TYPE_TAB, lagoon_memory_page_tab_init))

char *
lagoon_memory_page_check_limits (gint64 static_min,
                                 gint64 static_max,
                                 gint64 dynamic_min,
                                 gint64 dynamic_max)
{
  g_autofree char *smin = lagoon_page_format_bytes (static_min);
  g_autofree char *smax = lagoon_page_format_bytes (static_max);
  g_autofree char *dmin = lagoon_page_format_bytes (dynamic_min);
  g_autofree char *dmax = lagoon_page_format_bytes (dynamic_max);

  if (static_min <= 0 || static_max <= 0 || dynamic_min <= 0 || dynamic_max <= 0)
    return g_strdup (_("Every memory size must be more than zero."));
  if (dynamic_min < static_min)
    /* Translators: memory sizes, "512 MiB" */
    return g_strdup_printf (_("The dynamic minimum (%s) is below the static minimum (%s)."),
                            dmin, smin);
  if (dynamic_min > dynamic_max)
    return g_strdup_printf (_("The dynamic minimum (%s) is above the dynamic maximum (%s)."),
                            dmin, dmax);
  if (dynamic_max > static_max)
    return g_strdup_printf (_("The dynamic maximum (%s) is above the static maximum (%s)."),
                            dmax, smax);
  return NULL;
}

/* ---- reading the cache ---------------------------------------------------------------------- */

static const LagoonRecord *
vm_metrics (LagoonCache        *cache,
            const LagoonRecord *vm)
{
  const char *ref = lagoon_record_get_ref (vm, LAGOON_VM_METRICS);

  return ref != NULL ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM_METRICS, ref) : NULL;
}

/* What a resident VM takes from its host now. */
static gint64
vm_memory_in_use (LagoonCache        *cache,
                  const LagoonRecord *vm)
{
  const LagoonRecord *metrics = vm_metrics (cache, vm);
  gint64 actual = metrics != NULL ? lagoon_record_get_int (metrics,
                                                           LAGOON_VM_METRICS_MEMORY_ACTUAL) : 0;

  if (actual > 0)
    return actual;
  actual = lagoon_record_get_int (vm, LAGOON_VM_MEMORY_TARGET);
  return actual > 0 ? actual : lagoon_record_get_int (vm, LAGOON_VM_MEMORY_DYNAMIC_MAX);
}

static gboolean
vm_is_live (const LagoonRecord *vm)
{
  const char *power = lagoon_record_get_enum_string (vm, LAGOON_VM_POWER_STATE);

  return g_strcmp0 (power, "Running") == 0 || g_strcmp0 (power, "Paused") == 0;
}

/* Whether the Edit dialog may run, and why not. */
static gboolean
can_edit (const LagoonRecord *vm,
          char              **reason)
{
  const char *power = lagoon_record_get_enum_string (vm, LAGOON_VM_POWER_STATE);
  gboolean running = g_strcmp0 (power, "Running") == 0;
  gboolean halted = g_strcmp0 (power, "Halted") == 0;
  const char *operation = running ? "changing_dynamic_range" : "changing_memory_limits";

  if (lagoon_record_get_bool (vm, LAGOON_VM_IS_A_SNAPSHOT))
    {
      *reason = g_strdup (_("The memory of a snapshot cannot be changed."));
      return FALSE;
    }
  if (!running && !halted)
    {
      /* Translators: %s is a power state: Suspended, Paused */
      *reason = g_strdup_printf (_("Memory can be changed only while the VM is running (its "
                                   "dynamic range) or halted (every limit); it is %s."),
                                 power != NULL ? power : "?");
      return FALSE;
    }
  if (lagoon_record_set_contains (vm, LAGOON_VM_ALLOWED_OPERATIONS, operation))
    return TRUE;
  if (lagoon_record_get_map (vm, LAGOON_VM_CURRENT_OPERATIONS, NULL)[0] != NULL)
    *reason = g_strdup (_("Another operation is in progress on this VM."));
  else if (running)
    *reason = g_strdup (_("The server does not allow changing this VM's dynamic memory range "
                          "now (it may lack guest tools)."));
  else
    *reason = g_strdup (_("The server does not allow changing this VM's memory limits now."));
  return FALSE;
}

/* ---- a VM ---------------------------------------------------------------------------------- */

static void
show_vm (LagoonMemoryPage   *self,
         LagoonCache        *cache,
         const LagoonRecord *vm)
{
  gint64 smin = lagoon_record_get_int (vm, LAGOON_VM_MEMORY_STATIC_MIN);
  gint64 smax = lagoon_record_get_int (vm, LAGOON_VM_MEMORY_STATIC_MAX);
  gint64 dmin = lagoon_record_get_int (vm, LAGOON_VM_MEMORY_DYNAMIC_MIN);
  gint64 dmax = lagoon_record_get_int (vm, LAGOON_VM_MEMORY_DYNAMIC_MAX);
  g_autofree char *smin_text = lagoon_page_format_bytes (smin);
  g_autofree char *smax_text = lagoon_page_format_bytes (smax);
  g_autofree char *dmin_text = lagoon_page_format_bytes (dmin);
  g_autofree char *dmax_text = lagoon_page_format_bytes (dmax);
  g_autofree char *text = NULL;
  g_autofree char *reason = NULL;
  gboolean editable;

  /* Translators: a memory range, "512 MiB – 4 GiB" */
  text = g_strdup_printf (_("%s – %s"), smin_text, smax_text);
  gtk_label_set_text (self->vm_static, text);
  g_free (text);
  text = g_strdup_printf (_("%s – %s"), dmin_text, dmax_text);
  gtk_label_set_text (self->vm_dynamic, text);
  g_free (text);

  gtk_label_set_text (self->vm_mode, dmin == dmax
                                       ? _("Fixed: dynamic memory control is off")
                                       : _("Dynamic: the host may balloon the VM between its "
                                           "dynamic minimum and maximum"));

  lagoon_usage_bar_clear (self->vm_bar);
  if (vm_is_live (vm))
    {
      gint64 used = vm_memory_in_use (cache, vm);
      g_autofree char *used_text = lagoon_page_format_bytes (used);

      /* Translators: "1.5 GiB of 4 GiB (static maximum)" */
      text = g_strdup_printf (_("%s of %s (static maximum)"), used_text, smax_text);
      lagoon_usage_bar_add (self->vm_bar, used, used_text);
      gtk_label_set_text (self->vm_current, text);
    }
  else
    {
      text = g_strdup (_("Not running"));
      gtk_label_set_text (self->vm_current, text);
    }
  lagoon_usage_bar_set_total (self->vm_bar, smax, text);

  editable = can_edit (vm, &reason);
  lagoon_page_set_enabled (self->edit_button, editable,
                           g_strcmp0 (lagoon_record_get_enum_string (vm, LAGOON_VM_POWER_STATE),
                                      "Running") == 0
                             ? _("Change the dynamic memory range")
                             : _("Change the memory limits"),
                           reason);
}

/* ---- a host -------------------------------------------------------------------------------- */

typedef struct
{
  gint64 total;
  gint64 free;
  gint64 used_by_vms;
  guint  n_vms;
} HostUsage;

/* Fills @store (when not NULL) with what uses the host's memory, and @bar with segments. */
static void
host_usage (LagoonCache        *cache,
            const LagoonRecord *host,
            GtkListStore       *store,
            GtkWidget          *bar,
            HostUsage          *usage)
{
  const char *metrics_ref = lagoon_record_get_ref (host, LAGOON_HOST_METRICS);
  const LagoonRecord *hm = metrics_ref != NULL
                             ? lagoon_cache_lookup (cache, LAGOON_CLASS_HOST_METRICS, metrics_ref)
                             : NULL;
  const char *host_ref = lagoon_record_get_opaque_ref (host);
  guint n = 0;
  const LagoonRecord *const *vms = lagoon_cache_get_referrers (cache, LAGOON_CLASS_VM,
                                                               LAGOON_VM_RESIDENT_ON, host_ref,
                                                               &n);
  g_autoptr(GPtrArray) live = g_ptr_array_new ();
  LagoonStoreSync *sync = store != NULL ? lagoon_store_sync_begin (store) : NULL;
  gint64 xen;

  memset (usage, 0, sizeof *usage);
  usage->total = hm != NULL ? lagoon_record_get_int (hm, LAGOON_HOST_METRICS_MEMORY_TOTAL) : 0;
  usage->free = hm != NULL ? lagoon_record_get_int (hm, LAGOON_HOST_METRICS_MEMORY_FREE) : 0;

  /* The control domain first, then the VMs by name. */
  for (guint i = 0; i < n; i++)
    if (vm_is_live (vms[i]) && !lagoon_record_get_bool (vms[i], LAGOON_VM_IS_A_TEMPLATE))
      g_ptr_array_add (live, (gpointer) vms[i]);

  for (guint i = 0; i < live->len; i++)
    {
      const LagoonRecord *vm = g_ptr_array_index (live, i);
      gboolean dom0 = lagoon_record_get_bool (vm, LAGOON_VM_IS_CONTROL_DOMAIN);
      gint64 bytes = vm_memory_in_use (cache, vm);

      usage->used_by_vms += bytes;
      if (!dom0)
        usage->n_vms++;
      if (sync != NULL)
        {
          GtkTreeIter iter;
          g_autofree char *text = lagoon_page_format_bytes (bytes);

          lagoon_store_sync_row (sync, lagoon_record_get_opaque_ref (vm), &iter);
          gtk_list_store_set (store, &iter,
                              USE_NAME, lagoon_record_get_name (vm),
                              USE_KIND, dom0 ? _("Control domain") : _("VM"),
                              USE_TEXT, text,
                              USE_BYTES, bytes, -1);
        }
    }

  xen = usage->total - usage->free - usage->used_by_vms;
  if (sync != NULL && xen > 0)
    {
      GtkTreeIter iter;
      g_autofree char *text = lagoon_page_format_bytes (xen);

      lagoon_store_sync_row (sync, "xen", &iter);
      gtk_list_store_set (store, &iter, USE_NAME, _("Xen hypervisor"), USE_KIND, _("Hypervisor"),
                          USE_TEXT, text, USE_BYTES, xen, -1);
    }
  if (sync != NULL)
    lagoon_store_sync_end (sync);

  if (bar != NULL)
    {
      g_autofree char *total = lagoon_page_format_bytes (usage->total);
      g_autofree char *used = lagoon_page_format_bytes (usage->total - usage->free);
      g_autofree char *free_text = lagoon_page_format_bytes (usage->free);
      g_autofree char *description = NULL;

      lagoon_usage_bar_clear (bar);
      if (xen > 0)
        lagoon_usage_bar_add (bar, xen, _("Xen"));
      for (guint i = 0; i < live->len; i++)
        {
          const LagoonRecord *vm = g_ptr_array_index (live, i);

          if (lagoon_record_get_bool (vm, LAGOON_VM_IS_CONTROL_DOMAIN))
            lagoon_usage_bar_add (bar, vm_memory_in_use (cache, vm), _("Control domain"));
        }
      for (guint i = 0; i < live->len; i++)
        {
          const LagoonRecord *vm = g_ptr_array_index (live, i);

          if (!lagoon_record_get_bool (vm, LAGOON_VM_IS_CONTROL_DOMAIN))
            lagoon_usage_bar_add (bar, vm_memory_in_use (cache, vm), lagoon_record_get_name (vm));
        }
      /* Translators: "Total 64 GiB, used 20 GiB, free 44 GiB" */
      description = g_strdup_printf (_("Total %s, used %s, free %s"), total, used, free_text);
      lagoon_usage_bar_set_total (bar, usage->total, description);
    }
}

static void
show_host (LagoonMemoryPage   *self,
           LagoonCache        *cache,
           const LagoonRecord *host)
{
  HostUsage usage;
  g_autofree char *total = NULL;
  g_autofree char *used = NULL;
  g_autofree char *free_text = NULL;
  g_autofree char *text = NULL;

  host_usage (cache, host, self->use_store, self->host_bar, &usage);
  total = lagoon_page_format_bytes (usage.total);
  used = lagoon_page_format_bytes (usage.total - usage.free);
  free_text = lagoon_page_format_bytes (usage.free);
  /* Translators: "Total 64 GiB · used 20 GiB · free 44 GiB · 12 VMs running" */
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "Total %s · used %s · free %s · %u VM running",
                                       "Total %s · used %s · free %s · %u VMs running",
                                       usage.n_vms),
                          total, used, free_text, usage.n_vms);
  gtk_label_set_text (self->host_summary, text);
}

static void
show_pool (LagoonMemoryPage *self,
           LagoonCache      *cache)
{
  g_autoptr(GPtrArray) hosts = lagoon_cache_list (cache, LAGOON_CLASS_HOST);
  LagoonStoreSync *sync = lagoon_store_sync_begin (self->host_store);

  for (guint i = 0; i < hosts->len; i++)
    {
      const LagoonRecord *host = g_ptr_array_index (hosts, i);
      HostUsage usage;
      GtkTreeIter iter;
      g_autofree char *total = NULL;
      g_autofree char *used = NULL;
      g_autofree char *free_text = NULL;
      g_autofree char *bar_text = NULL;
      int percent;

      host_usage (cache, host, NULL, NULL, &usage);
      total = lagoon_page_format_bytes (usage.total);
      used = lagoon_page_format_bytes (usage.total - usage.free);
      free_text = lagoon_page_format_bytes (usage.free);
      percent = usage.total > 0
                  ? (int) CLAMP (100.0 * (double) (usage.total - usage.free) / (double) usage.total,
                                 0.0, 100.0)
                  : 0;
      /* Translators: a host's memory use, "31% used" */
      bar_text = g_strdup_printf (_("%d%% used"), percent);
      lagoon_store_sync_row (sync, lagoon_record_get_opaque_ref (host), &iter);
      gtk_list_store_set (self->host_store, &iter,
                          HOST_NAME, lagoon_record_get_name (host),
                          HOST_PERCENT, percent,
                          HOST_BAR_TEXT, bar_text,
                          HOST_TOTAL, total,
                          HOST_USED, used,
                          HOST_FREE, free_text,
                          HOST_N_VMS, usage.n_vms, -1);
    }
  lagoon_store_sync_end (sync);
}

static void
lagoon_memory_page_refresh (LagoonMemoryPage *self)
{
  LagoonCache *cache = lagoon_page_get_cache (self->server);
  const LagoonRecord *rec;
  gint64 started = g_get_monotonic_time ();

  if (cache == NULL || self->ref == NULL)
    return;
  rec = lagoon_cache_lookup (cache, (LagoonClassId) self->class_id, self->ref);
  if (rec == NULL)
    return;

  switch (self->class_id)
    {
    case LAGOON_CLASS_VM:
      show_vm (self, cache, rec);
      break;
    case LAGOON_CLASS_HOST:
      show_host (self, cache, rec);
      break;
    case LAGOON_CLASS_POOL:
      show_pool (self, cache);
      break;
    default:
      break;
    }
  g_debug ("%s: refreshed in %" G_GINT64_FORMAT " µs", self->ref,
           g_get_monotonic_time () - started);
}

/* ---- the Edit dialog --------------------------------------------------------------------- */

typedef struct
{
  GtkWidget     *dialog;
  GtkWidget     *spins[4];   /* static min, static max, dynamic min, dynamic max */
  gint64         bytes[4];
  double         shown[4];   /* what each spin button showed for bytes[] (rounded) */
  GtkComboBoxText *unit;
  GtkLabel      *message;
  GtkWidget     *apply;
  gboolean       running;
  gboolean       converting;
} EditDialog;

static gint64
unit_bytes (EditDialog *edit)
{
  return g_strcmp0 (gtk_combo_box_get_active_id (GTK_COMBO_BOX (edit->unit)), "gib") == 0
           ? LAGOON_GIB : LAGOON_MIB;
}

static void
edit_validate (EditDialog *edit)
{
  g_autofree char *problem = NULL;

  for (guint i = 0; i < 4; i++)
    {
      double value = gtk_spin_button_get_value (GTK_SPIN_BUTTON (edit->spins[i]));

      /* A value the user left alone keeps its exact bytes, not the rounding shown. */
      if (!gtk_widget_get_sensitive (edit->spins[i]) || value == edit->shown[i])
        continue;
      edit->bytes[i] = (gint64) llround (value * (double) unit_bytes (edit));
      edit->shown[i] = value;
    }
  problem = lagoon_memory_page_check_limits (edit->bytes[0], edit->bytes[1], edit->bytes[2],
                                             edit->bytes[3]);
  gtk_label_set_text (edit->message,
                      problem != NULL ? problem
                                      : _("These values can be sent: static minimum ≤ dynamic "
                                          "minimum ≤ dynamic maximum ≤ static maximum."));
  gtk_widget_set_sensitive (edit->apply, problem == NULL);
  if (problem != NULL)
    gtk_style_context_add_class (gtk_widget_get_style_context (GTK_WIDGET (edit->message)),
                                 "error");
  else
    gtk_style_context_remove_class (gtk_widget_get_style_context (GTK_WIDGET (edit->message)),
                                    "error");
}

static void
on_spin_changed (GtkSpinButton *spin,
                 EditDialog    *edit)
{
  if (!edit->converting)
    edit_validate (edit);
}

static void
edit_show_values (EditDialog *edit)
{
  gint64 unit = unit_bytes (edit);

  edit->converting = TRUE;
  for (guint i = 0; i < 4; i++)
    {
      GtkSpinButton *spin = GTK_SPIN_BUTTON (edit->spins[i]);

      gtk_spin_button_set_digits (spin, unit == LAGOON_GIB ? 2 : 0);
      gtk_spin_button_set_increments (spin, unit == LAGOON_GIB ? 0.25 : 64, unit == LAGOON_GIB
                                                                              ? 1 : 1024);
      gtk_spin_button_set_range (spin, 0, unit == LAGOON_GIB ? 16384.0 : 16384.0 * 1024);
      gtk_spin_button_set_value (spin, (double) edit->bytes[i] / (double) unit);
      edit->shown[i] = gtk_spin_button_get_value (spin);
    }
  edit->converting = FALSE;
}

static void
on_unit_changed (GtkComboBox *combo,
                 EditDialog  *edit)
{
  edit_show_values (edit);
  edit_validate (edit);
}

static void
on_edit_clicked (GtkButton        *button,
                 LagoonMemoryPage *self)
{
  static const char *names[4] = {
    N_("Static minimum"), N_("Static maximum"), N_("Dynamic minimum"), N_("Dynamic maximum"),
  };
  LagoonCache *cache = lagoon_page_get_cache (self->server);
  const LagoonRecord *vm;
  g_autoptr(LagoonServer) server = NULL;
  g_autofree char *ref = NULL;
  g_autofree char *title = NULL;
  g_autofree char *reason = NULL;
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
  GtkWidget *content, *grid, *hint, *unit_label;
  EditDialog edit = { 0 };
  int response;

  if (cache == NULL || self->class_id != LAGOON_CLASS_VM || self->ref == NULL)
    return;
  vm = lagoon_cache_lookup (cache, LAGOON_CLASS_VM, self->ref);
  if (vm == NULL || !can_edit (vm, &reason))
    return;

  server = g_object_ref (self->server);
  ref = g_strdup (self->ref);
  edit.running = g_strcmp0 (lagoon_record_get_enum_string (vm, LAGOON_VM_POWER_STATE),
                            "Running") == 0;
  edit.bytes[0] = lagoon_record_get_int (vm, LAGOON_VM_MEMORY_STATIC_MIN);
  edit.bytes[1] = lagoon_record_get_int (vm, LAGOON_VM_MEMORY_STATIC_MAX);
  edit.bytes[2] = lagoon_record_get_int (vm, LAGOON_VM_MEMORY_DYNAMIC_MIN);
  edit.bytes[3] = lagoon_record_get_int (vm, LAGOON_VM_MEMORY_DYNAMIC_MAX);

  /* Translators: the title of the memory dialog, %s is the VM's name */
  title = g_strdup_printf (_("Memory of %s"), lagoon_record_get_name (vm));
  edit.dialog = gtk_dialog_new_with_buttons (title,
                                             GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel)
                                                                      : NULL,
                                             GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                             _("_Cancel"), GTK_RESPONSE_CANCEL, NULL);
  lagoon_page_set_accessible (edit.dialog, _("Edit memory"));
  edit.apply = gtk_dialog_add_button (GTK_DIALOG (edit.dialog), _("_Apply"), GTK_RESPONSE_OK);
  lagoon_page_set_accessible (edit.apply, _("Apply"));
  gtk_dialog_set_default_response (GTK_DIALOG (edit.dialog), GTK_RESPONSE_OK);

  content = gtk_dialog_get_content_area (GTK_DIALOG (edit.dialog));
  gtk_container_set_border_width (GTK_CONTAINER (content), 12);
  gtk_box_set_spacing (GTK_BOX (content), 12);

  hint = gtk_label_new (edit.running
                          ? _("The VM is running: only its dynamic range can change. The host "
                              "balloons its memory between the dynamic minimum and maximum.")
                          : _("The VM is halted: every limit can change. The static limits "
                              "bound the dynamic range: static minimum ≤ dynamic minimum ≤ "
                              "dynamic maximum ≤ static maximum."));
  gtk_label_set_line_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (hint), 50);
  gtk_label_set_xalign (GTK_LABEL (hint), 0.0);
  gtk_container_add (GTK_CONTAINER (content), hint);

  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_container_add (GTK_CONTAINER (content), grid);

  edit.unit = GTK_COMBO_BOX_TEXT (gtk_combo_box_text_new ());
  gtk_combo_box_text_append (edit.unit, "mib", _("MiB"));
  gtk_combo_box_text_append (edit.unit, "gib", _("GiB"));
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (edit.unit),
                               edit.bytes[1] % LAGOON_GIB == 0 && edit.bytes[2] % LAGOON_GIB == 0
                                 ? "gib" : "mib");
  lagoon_page_set_accessible (GTK_WIDGET (edit.unit), _("Unit"));
  unit_label = gtk_label_new_with_mnemonic (_("_Unit"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (unit_label), GTK_WIDGET (edit.unit));
  gtk_label_set_xalign (GTK_LABEL (unit_label), 1.0);
  gtk_grid_attach (GTK_GRID (grid), unit_label, 0, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (edit.unit), 1, 0, 1, 1);

  for (guint i = 0; i < 4; i++)
    {
      GtkWidget *label = gtk_label_new (_(names[i]));

      edit.spins[i] = gtk_spin_button_new_with_range (0, 16384.0 * 1024, 64);
      gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (edit.spins[i]), TRUE);
      gtk_widget_set_hexpand (edit.spins[i], TRUE);
      lagoon_page_set_accessible (edit.spins[i], _(names[i]));
      gtk_label_set_mnemonic_widget (GTK_LABEL (label), edit.spins[i]);
      gtk_label_set_xalign (GTK_LABEL (label), 1.0);
      /* A running VM keeps its static range. */
      gtk_widget_set_sensitive (edit.spins[i], !edit.running || i >= 2);
      gtk_grid_attach (GTK_GRID (grid), label, 0, (int) i + 1, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), edit.spins[i], 1, (int) i + 1, 1, 1);
    }
  edit_show_values (&edit);
  for (guint i = 0; i < 4; i++)
    g_signal_connect (edit.spins[i], "value-changed", G_CALLBACK (on_spin_changed), &edit);
  g_signal_connect (edit.unit, "changed", G_CALLBACK (on_unit_changed), &edit);

  edit.message = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_line_wrap (edit.message, TRUE);
  gtk_label_set_max_width_chars (edit.message, 50);
  gtk_label_set_xalign (edit.message, 0.0);
  gtk_container_add (GTK_CONTAINER (content), GTK_WIDGET (edit.message));
  edit_validate (&edit);

  gtk_widget_show_all (edit.dialog);
  while (TRUE)
    {
      g_autofree char *problem = NULL;

      response = gtk_dialog_run (GTK_DIALOG (edit.dialog));
      if (response != GTK_RESPONSE_OK)
        break;
      /* Typed text counts even when the entry still has the focus. */
      for (guint i = 0; i < 4; i++)
        gtk_spin_button_update (GTK_SPIN_BUTTON (edit.spins[i]));
      edit_validate (&edit);
      problem = lagoon_memory_page_check_limits (edit.bytes[0], edit.bytes[1], edit.bytes[2],
                                                 edit.bytes[3]);
      if (problem == NULL)
        break;
    }
  gtk_widget_destroy (edit.dialog);
  if (response != GTK_RESPONSE_OK)
    return;

  if (edit.running)
    lagoon_page_run (server, _("Change dynamic memory range"), ref,
                     "VM.set_memory_dynamic_range",
                     g_variant_new ("(sxx)", ref, edit.bytes[2], edit.bytes[3]));
  else
    lagoon_page_run (server, _("Change memory limits"), ref, "VM.set_memory_limits",
                     g_variant_new ("(sxxxx)", ref, edit.bytes[0], edit.bytes[1], edit.bytes[2],
                                    edit.bytes[3]));
}

/* ---- LagoonTab --------------------------------------------------------------------------- */

static gboolean
lagoon_memory_page_handles (LagoonTab *tab,
                            int        class_id)
{
  return class_id == LAGOON_CLASS_VM || class_id == LAGOON_CLASS_HOST ||
         class_id == LAGOON_CLASS_POOL;
}

static void
lagoon_memory_page_set_object (LagoonTab    *tab,
                               LagoonServer *server,
                               int           class_id,
                               const char   *ref)
{
  LagoonMemoryPage *self = LAGOON_MEMORY_PAGE (tab);
  gboolean same = server == self->server && class_id == self->class_id &&
                  g_strcmp0 (ref, self->ref) == 0;

  g_set_object (&self->server, server);
  self->class_id = class_id;
  g_free (self->ref);
  self->ref = g_strdup (ref);

  if (!same)
    {
      gtk_list_store_clear (self->use_store);
      gtk_list_store_clear (self->host_store);
    }
  switch (class_id)
    {
    case LAGOON_CLASS_VM:
      gtk_stack_set_visible_child_name (self->stack, "vm");
      break;
    case LAGOON_CLASS_HOST:
      gtk_stack_set_visible_child_name (self->stack, "host");
      break;
    case LAGOON_CLASS_POOL:
      gtk_stack_set_visible_child_name (self->stack, "pool");
      break;
    default:
      break;
    }
  lagoon_memory_page_refresh (self);
}

static void
lagoon_memory_page_batch (LagoonTab        *tab,
                          LagoonCache      *cache,
                          LagoonCacheBatch *batch)
{
  LagoonMemoryPage *self = LAGOON_MEMORY_PAGE (tab);
  gboolean relevant = FALSE;

  if (self->ref == NULL)
    return;
  switch (self->class_id)
    {
    case LAGOON_CLASS_VM:
      relevant = lagoon_cache_batch_lookup (batch, LAGOON_CLASS_VM, self->ref) !=
                   LAGOON_CHANGE_NONE ||
                 lagoon_cache_batch_has_class (batch, LAGOON_CLASS_VM_METRICS);
      break;
    case LAGOON_CLASS_HOST:
    case LAGOON_CLASS_POOL:
      relevant = lagoon_cache_batch_has_class (batch, LAGOON_CLASS_VM) ||
                 lagoon_cache_batch_has_class (batch, LAGOON_CLASS_VM_METRICS) ||
                 lagoon_cache_batch_has_class (batch, LAGOON_CLASS_HOST) ||
                 lagoon_cache_batch_has_class (batch, LAGOON_CLASS_HOST_METRICS);
      break;
    default:
      break;
    }
  if (relevant)
    lagoon_memory_page_refresh (self);
}

static void
lagoon_memory_page_tab_init (LagoonTabInterface *iface)
{
  iface->handles = lagoon_memory_page_handles;
  iface->set_object = lagoon_memory_page_set_object;
  iface->batch = lagoon_memory_page_batch;
}

GtkWidget *
lagoon_memory_page_new (void)
{
  return g_object_new (LAGOON_TYPE_MEMORY_PAGE, NULL);
}

static void
lagoon_memory_page_dispose (GObject *object)
{
  LagoonMemoryPage *self = LAGOON_MEMORY_PAGE (object);

  g_clear_object (&self->server);
  g_clear_pointer (&self->ref, g_free);
  g_clear_object (&self->use_store);
  g_clear_object (&self->host_store);
  G_OBJECT_CLASS (lagoon_memory_page_parent_class)->dispose (object);
}

static void
lagoon_memory_page_class_init (LagoonMemoryPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = lagoon_memory_page_dispose;
}

/* A value label of a key/value grid. */
static GtkLabel *
add_row (GtkGrid    *grid,
         int         row,
         const char *key)
{
  GtkWidget *key_label = gtk_label_new (key);
  GtkWidget *value = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (key_label), 1.0);
  gtk_style_context_add_class (gtk_widget_get_style_context (key_label), "dim-label");
  gtk_label_set_xalign (GTK_LABEL (value), 0.0);
  gtk_label_set_selectable (GTK_LABEL (value), TRUE);
  gtk_label_set_line_wrap (GTK_LABEL (value), TRUE);
  gtk_widget_set_can_focus (value, FALSE);
  gtk_widget_set_hexpand (value, TRUE);
  atk_object_add_relationship (gtk_widget_get_accessible (value), ATK_RELATION_LABELLED_BY,
                               gtk_widget_get_accessible (key_label));
  gtk_grid_attach (grid, key_label, 0, row, 1, 1);
  gtk_grid_attach (grid, value, 1, row, 1, 1);
  return GTK_LABEL (value);
}

static GtkWidget *
build_vm (LagoonMemoryPage *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_container_add (GTK_CONTAINER (box), lagoon_page_heading_new (_("Memory")));
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  self->vm_static = add_row (GTK_GRID (grid), 0, _("Static range"));
  self->vm_dynamic = add_row (GTK_GRID (grid), 1, _("Dynamic range"));
  self->vm_mode = add_row (GTK_GRID (grid), 2, _("Memory control"));
  self->vm_current = add_row (GTK_GRID (grid), 3, _("Current usage"));
  gtk_container_add (GTK_CONTAINER (box), grid);

  self->vm_bar = lagoon_usage_bar_new (_("VM memory usage"));
  gtk_container_add (GTK_CONTAINER (box), self->vm_bar);

  self->edit_button = lagoon_page_button_new (_("_Edit…"));
  lagoon_page_set_accessible (self->edit_button, _("Edit memory"));
  g_signal_connect (self->edit_button, "clicked", G_CALLBACK (on_edit_clicked), self);
  gtk_container_add (GTK_CONTAINER (buttons), self->edit_button);
  gtk_container_add (GTK_CONTAINER (box), buttons);
  return box;
}

static GtkWidget *
build_host (LagoonMemoryPage *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkTreeView *view;
  GtkWidget *scrolled;

  gtk_container_add (GTK_CONTAINER (box), lagoon_page_heading_new (_("Server memory")));
  self->host_bar = lagoon_usage_bar_new (_("Server memory usage"));
  gtk_widget_set_size_request (self->host_bar, 200, 36);
  gtk_container_add (GTK_CONTAINER (box), self->host_bar);
  self->host_summary = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->host_summary, 0.0);
  gtk_label_set_selectable (self->host_summary, TRUE);
  gtk_widget_set_can_focus (GTK_WIDGET (self->host_summary), FALSE);
  gtk_container_add (GTK_CONTAINER (box), GTK_WIDGET (self->host_summary));

  self->use_store = gtk_list_store_new (USE_N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING,
                                        G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64);
  gtk_tree_sortable_set_sort_column_id (GTK_TREE_SORTABLE (self->use_store), USE_BYTES,
                                        GTK_SORT_DESCENDING);
  scrolled = lagoon_page_tree_new (GTK_TREE_MODEL (self->use_store), _("Memory users"), &view);
  lagoon_page_add_name_column (view, _("Name"), USE_NAME);
  lagoon_page_add_text_column (view, _("Type"), USE_KIND, -1);
  lagoon_page_add_text_column (view, _("Memory"), USE_TEXT, USE_BYTES);
  gtk_container_add (GTK_CONTAINER (box), scrolled);
  return box;
}

static GtkWidget *
build_pool (LagoonMemoryPage *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkTreeView *view;
  GtkWidget *scrolled;

  gtk_container_add (GTK_CONTAINER (box), lagoon_page_heading_new (_("Memory by server")));
  self->host_store = gtk_list_store_new (HOST_N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING,
                                         G_TYPE_INT, G_TYPE_STRING, G_TYPE_STRING,
                                         G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT);
  gtk_tree_sortable_set_sort_column_id (GTK_TREE_SORTABLE (self->host_store), HOST_NAME,
                                        GTK_SORT_ASCENDING);
  scrolled = lagoon_page_tree_new (GTK_TREE_MODEL (self->host_store), _("Server memory"), &view);
  lagoon_page_add_name_column (view, _("Server"), HOST_NAME);
  lagoon_page_add_bar_column (view, _("Usage"), HOST_PERCENT, HOST_BAR_TEXT);
  lagoon_page_add_text_column (view, _("Total"), HOST_TOTAL, -1);
  lagoon_page_add_text_column (view, _("Used"), HOST_USED, -1);
  lagoon_page_add_text_column (view, _("Free"), HOST_FREE, -1);
  lagoon_page_add_text_column (view, _("VMs running"), HOST_N_VMS, -1);
  gtk_container_add (GTK_CONTAINER (box), scrolled);
  return box;
}

static void
lagoon_memory_page_init (LagoonMemoryPage *self)
{
  GtkWidget *stack = gtk_stack_new ();

  self->class_id = -1;
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_container_set_border_width (GTK_CONTAINER (self), 12);
  self->stack = GTK_STACK (stack);
  /* Each view is as wide as it needs, not as the widest. */
  gtk_stack_set_hhomogeneous (self->stack, FALSE);
  gtk_stack_add_named (self->stack, build_vm (self), "vm");
  gtk_stack_add_named (self->stack, build_host (self), "host");
  gtk_stack_add_named (self->stack, build_pool (self), "pool");
  gtk_widget_set_vexpand (stack, TRUE);
  gtk_container_add (GTK_CONTAINER (self), stack);
  gtk_widget_show_all (stack);
}
