/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-new-vm-wizard"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lagoon-application.h"
#include "lagoon-cache.h"
#include "lagoon-new-vm-action.h"
#include "lagoon-new-vm-wizard.h"
#include "lagoon-schema-ids.h"
#include "lagoon-ui-private.h"

#define MiB (G_GINT64_CONSTANT (1) << 20)
#define GiB (G_GINT64_CONSTANT (1) << 30)
#define NULL_REF "OpaqueRef:NULL"
#define MAX_VIFS 7
/* Rows of the disk list at or above this index are the template's own disks. */
#define TEMPLATE_DISK_BASE 1000

enum { TEMPLATE_COL_NAME, TEMPLATE_COL_REF, TEMPLATE_COL_IS_GROUP, TEMPLATE_COL_WEIGHT };
enum { HOST_COL_NAME, HOST_COL_REF, HOST_COL_DETAIL };
enum { DISK_COL_DEVICE, DISK_COL_SIZE, DISK_COL_SR, DISK_COL_STATUS, DISK_COL_INDEX };
enum { VIF_COL_DEVICE, VIF_COL_NETWORK, VIF_COL_MAC, VIF_COL_INDEX };

struct _LagoonNewVmWizard
{
  LagoonWizard       parent_instance;

  LagoonServer      *server;
  LagoonConnection  *connection;
  LagoonCache       *cache;
  gulong             batch_id;

  /* Template children */
  GtkTreeStore      *template_store;
  GtkListStore      *host_store;
  GtkListStore      *disk_store;
  GtkListStore      *vif_store;
  GtkWidget         *template_page;
  GtkSearchEntry    *template_search;
  GtkTreeView       *template_view;
  GtkLabel          *template_details;
  GtkWidget         *name_page;
  GtkEntry          *name_entry;
  GtkEntry          *description_entry;
  GtkLabel          *name_hint;
  GtkWidget         *count_page;
  GtkSpinButton     *count_spin;
  GtkEntry          *pattern_entry;
  GtkLabel          *pattern_preview;
  GtkToggleButton   *place_one_radio;
  GtkToggleButton   *place_spread_radio;
  GtkWidget         *install_page;
  GtkToggleButton   *install_cd_radio;
  GtkComboBoxText   *iso_combo;
  GtkToggleButton   *install_url_radio;
  GtkEntry          *url_entry;
  GtkToggleButton   *install_network_radio;
  GtkToggleButton   *install_none_radio;
  GtkWidget         *pv_args_grid;
  GtkEntry          *pv_args_entry;
  GtkWidget         *home_page;
  GtkToggleButton   *home_none_radio;
  GtkToggleButton   *home_host_radio;
  GtkTreeView       *host_view;
  GtkLabel          *home_hint;
  GtkWidget         *cpu_page;
  GtkSpinButton     *vcpus_max_spin;
  GtkSpinButton     *vcpus_startup_spin;
  GtkComboBoxText   *cores_combo;
  GtkSpinButton     *memory_static_max_spin;
  GtkSpinButton     *memory_dynamic_min_spin;
  GtkSpinButton     *memory_dynamic_max_spin;
  GtkLabel          *cpu_warning;
  GtkWidget         *storage_page;
  GtkTreeView       *disk_view;
  GtkWidget         *disk_remove_button;
  GtkWidget         *disk_edit_grid;
  GtkSpinButton     *disk_size_spin;
  GtkComboBoxText   *disk_sr_combo;
  GtkLabel          *storage_status;
  GtkToggleButton   *fast_clone_check;
  GtkWidget         *network_page;
  GtkTreeView       *vif_view;
  GtkWidget         *vif_add_button;
  GtkWidget         *vif_remove_button;
  GtkWidget         *vif_edit_grid;
  GtkComboBoxText   *vif_network_combo;
  GtkEntry          *vif_mac_entry;

  /* The Finish page's own widgets. */
  GtkToggleButton   *start_check;
  GtkLabel          *start_note;
  GtkTextView       *xe_view;

  /* State */
  char              *template_ref;
  char              *initial_host;
  char              *generated_name;     /* what we put in the name entry */
  char              *generated_pattern;  /* what we put in the pattern entry */
  gint64             template_static_min;
  GPtrArray         *disks;              /* LagoonNewVmDisk: new disks (other_config:disks) */
  GPtrArray         *template_disks;     /* LagoonNewVmDisk: the template's VBDs' disks */
  char              *copy_sr;            /* where a full copy puts the template's disks */
  GPtrArray         *vifs;               /* LagoonNewVmVif */
  int                filling;            /* > 0 while the code sets widgets */
};

G_DEFINE_FINAL_TYPE (LagoonNewVmWizard, lagoon_new_vm_wizard, LAGOON_TYPE_WIZARD)

static void validate_all (LagoonNewVmWizard *self);

/* ---- reading the cache -------------------------------------------------------------------- */

static const LagoonRecord *
lookup (LagoonNewVmWizard *self,
        LagoonClassId      class_id,
        const char        *ref)
{
  if (ref == NULL || self->cache == NULL)
    return NULL;
  return lagoon_cache_lookup (self->cache, class_id, ref);
}

static const LagoonRecord *
template_record (LagoonNewVmWizard *self)
{
  return lookup (self, LAGOON_CLASS_VM, self->template_ref);
}

static char *
format_size (gint64 bytes)
{
  return g_format_size_full ((guint64) MAX (bytes, 0), G_FORMAT_SIZE_IEC_UNITS);
}

static gboolean
is_default_template (const LagoonRecord *rec)
{
  return lagoon_record_get_bool (rec, LAGOON_VM_IS_DEFAULT_TEMPLATE) ||
         g_strcmp0 (lagoon_record_map_lookup (rec, LAGOON_VM_OTHER_CONFIG, "default_template"),
                    "true") == 0;
}

/* The OS family a template belongs to, from its name and other_config (XenCenter groups the
 * same way). Custom templates have a group of their own. */
static const char *
template_group (const LagoonRecord *rec,
                int                *order)
{
  static const struct {
    const char *needle;
    const char *group;
  } families[] = {
    { "windows", N_("Windows") },
    { "debian", N_("Debian and Ubuntu") },
    { "ubuntu", N_("Debian and Ubuntu") },
    { "centos", N_("Red Hat and derivatives") },
    { "red hat", N_("Red Hat and derivatives") },
    { "rhel", N_("Red Hat and derivatives") },
    { "rocky", N_("Red Hat and derivatives") },
    { "alma", N_("Red Hat and derivatives") },
    { "oracle", N_("Red Hat and derivatives") },
    { "fedora", N_("Red Hat and derivatives") },
    { "suse", N_("SUSE") },
    { "sles", N_("SUSE") },
  };
  g_autofree char *name = g_utf8_strdown (lagoon_record_get_name (rec), -1);
  const char *distro = lagoon_record_map_lookup (rec, LAGOON_VM_OTHER_CONFIG, "install-distro");

  if (!is_default_template (rec))
    {
      *order = 0;
      return N_("Custom templates");
    }
  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    if (strstr (name, families[i].needle) != NULL ||
        (distro != NULL && strstr (distro, families[i].needle) != NULL))
      {
        *order = 1 + (int) i;
        return families[i].group;
      }
  if (distro != NULL && g_str_equal (distro, "rhlike"))
    {
      *order = 3;
      return N_("Red Hat and derivatives");
    }
  if (distro != NULL && g_str_equal (distro, "debianlike"))
    {
      *order = 2;
      return N_("Debian and Ubuntu");
    }
  *order = 100;
  return N_("Other");
}

static gboolean
vm_name_taken (LagoonNewVmWizard *self,
               const char        *name)
{
  LagoonCacheIter iter;
  const LagoonRecord *rec;

  lagoon_cache_iter_init (&iter, self->cache, LAGOON_CLASS_VM);
  while (lagoon_cache_iter_next (&iter, &rec))
    if (!lagoon_record_get_bool (rec, LAGOON_VM_IS_A_TEMPLATE) &&
        g_strcmp0 (lagoon_record_get_name (rec), name) == 0)
      return TRUE;
  return FALSE;
}

/* "<template>", or "<template> (n)" with the first n not in use. */
static char *
unique_name (LagoonNewVmWizard *self,
             const char        *base)
{
  if (!vm_name_taken (self, base))
    return g_strdup (base);
  for (guint n = 1; ; n++)
    {
      g_autofree char *name = g_strdup_printf ("%s (%u)", base, n);

      if (!vm_name_taken (self, name))
        return g_steal_pointer (&name);
    }
}

static const char *
pool_default_sr (LagoonNewVmWizard *self)
{
  g_autoptr(GPtrArray) pools = lagoon_cache_list (self->cache, LAGOON_CLASS_POOL);

  if (pools->len == 0)
    return NULL;
  return lagoon_record_get_ref (g_ptr_array_index (pools, 0), LAGOON_POOL_DEFAULT_SR);
}

static gboolean
sr_is_disk_sr (const LagoonRecord *sr)
{
  const char *content = lagoon_record_get_string (sr, LAGOON_SR_CONTENT_TYPE);
  const char *type = lagoon_record_get_string (sr, LAGOON_SR_TYPE);

  return g_strcmp0 (content, "iso") != 0 && g_strcmp0 (type, "udev") != 0 &&
         g_strcmp0 (type, "iso") != 0 && lagoon_record_get_int (sr, LAGOON_SR_PHYSICAL_SIZE) > 0;
}

static gint64
sr_free (const LagoonRecord *sr)
{
  return lagoon_record_get_int (sr, LAGOON_SR_PHYSICAL_SIZE) -
         lagoon_record_get_int (sr, LAGOON_SR_PHYSICAL_UTILISATION);
}

/* Whether @host sees @sr (shared, or a PBD of that host). */
static gboolean
sr_reachable_from (LagoonNewVmWizard  *self,
                   const LagoonRecord *sr,
                   const char         *host)
{
  guint n = 0;
  const char * const *pbds;

  if (lagoon_record_get_bool (sr, LAGOON_SR_SHARED))
    return TRUE;
  if (host == NULL)
    return FALSE;
  pbds = lagoon_record_get_set (sr, LAGOON_SR_PBDS, &n);
  for (guint i = 0; i < n; i++)
    {
      const LagoonRecord *pbd = lookup (self, LAGOON_CLASS_PBD, pbds[i]);

      if (pbd != NULL && g_strcmp0 (lagoon_record_get_ref (pbd, LAGOON_PBD_HOST), host) == 0)
        return TRUE;
    }
  return FALSE;
}

/* An SR's name; local SRs (often all "Local storage") with their server's. */
static char *
sr_display_name (LagoonNewVmWizard  *self,
                 const LagoonRecord *sr)
{
  guint n = 0;
  const char * const *pbds;
  const LagoonRecord *pbd;
  const LagoonRecord *host;

  if (sr == NULL)
    return g_strdup ("");
  if (lagoon_record_get_bool (sr, LAGOON_SR_SHARED))
    return g_strdup (lagoon_record_get_name (sr));
  pbds = lagoon_record_get_set (sr, LAGOON_SR_PBDS, &n);
  pbd = n > 0 ? lookup (self, LAGOON_CLASS_PBD, pbds[0]) : NULL;
  host = pbd != NULL
         ? lookup (self, LAGOON_CLASS_HOST, lagoon_record_get_ref (pbd, LAGOON_PBD_HOST))
         : NULL;
  if (host == NULL)
    return g_strdup (lagoon_record_get_name (sr));
  /* TRANSLATORS: an SR local to a server, "Local storage on host-01" */
  return g_strdup_printf (_("%s on %s"), lagoon_record_get_name (sr),
                          lagoon_record_get_name (host));
}

static gint64
host_free_memory (LagoonNewVmWizard  *self,
                  const LagoonRecord *host)
{
  const LagoonRecord *metrics = lookup (self, LAGOON_CLASS_HOST_METRICS,
                                        lagoon_record_get_ref (host, LAGOON_HOST_METRICS));

  return metrics != NULL ? lagoon_record_get_int (metrics, LAGOON_HOST_METRICS_MEMORY_FREE) : -1;
}

static gint64
host_cpu_count (const LagoonRecord *host)
{
  const char *count = lagoon_record_map_lookup (host, LAGOON_HOST_CPU_INFO, "cpu_count");
  guint n = 0;
  gint64 value = 0;

  if (count != NULL && g_ascii_string_to_signed (count, 10, 1, G_MAXINT, &value, NULL))
    return value;
  lagoon_record_get_set (host, LAGOON_HOST_HOST_CPUS, &n);
  return n;
}

/* The hosts in the order the host list shows them. */
static GPtrArray *
host_refs (LagoonNewVmWizard *self)
{
  GPtrArray *refs = g_ptr_array_new_with_free_func (g_free);
  GtkTreeIter iter;
  gboolean ok = gtk_tree_model_get_iter_first (GTK_TREE_MODEL (self->host_store), &iter);

  while (ok)
    {
      char *ref = NULL;

      gtk_tree_model_get (GTK_TREE_MODEL (self->host_store), &iter, HOST_COL_REF, &ref, -1);
      g_ptr_array_add (refs, ref);
      ok = gtk_tree_model_iter_next (GTK_TREE_MODEL (self->host_store), &iter);
    }
  return refs;
}

/* The chosen home server, or NULL. */
static char *
home_host (LagoonNewVmWizard *self)
{
  GtkTreeSelection *selection = gtk_tree_view_get_selection (self->host_view);
  GtkTreeModel *model;
  GtkTreeIter iter;
  char *ref = NULL;

  if (!gtk_toggle_button_get_active (self->home_host_radio) ||
      !gtk_tree_selection_get_selected (selection, &model, &iter))
    return NULL;
  gtk_tree_model_get (model, &iter, HOST_COL_REF, &ref, -1);
  return ref;
}

static guint
vm_count (LagoonNewVmWizard *self)
{
  return (guint) MAX (1, gtk_spin_button_get_value_as_int (self->count_spin));
}

static gboolean
copying (LagoonNewVmWizard *self)
{
  return self->template_disks->len > 0 && !gtk_toggle_button_get_active (self->fast_clone_check);
}

/* Where template disk @disk ends up: its own SR (fast clone) or the copy's SR. */
static const char *
template_disk_sr (LagoonNewVmWizard *self,
                  LagoonNewVmDisk   *disk)
{
  return copying (self) ? self->copy_sr : disk->sr;
}

/* ---- Template page ------------------------------------------------------------------------ */

typedef struct
{
  const char         *group;
  int                 order;
  const LagoonRecord *rec;
} TemplateRow;

static int
compare_template_rows (gconstpointer a,
                       gconstpointer b)
{
  const TemplateRow *x = a;
  const TemplateRow *y = b;

  if (x->order != y->order)
    return x->order < y->order ? -1 : 1;
  if (g_strcmp0 (x->group, y->group) != 0)
    return g_strcmp0 (x->group, y->group);
  return g_utf8_collate (lagoon_record_get_name (x->rec), lagoon_record_get_name (y->rec));
}

static gboolean
select_template_row (LagoonNewVmWizard *self,
                     GtkTreeIter       *parent)
{
  GtkTreeModel *model = GTK_TREE_MODEL (self->template_store);
  GtkTreeIter iter;
  gboolean ok = gtk_tree_model_iter_children (model, &iter, parent);

  while (ok)
    {
      g_autofree char *ref = NULL;

      gtk_tree_model_get (model, &iter, TEMPLATE_COL_REF, &ref, -1);
      if (ref != NULL && g_strcmp0 (ref, self->template_ref) == 0)
        {
          g_autoptr(GtkTreePath) path = gtk_tree_model_get_path (model, &iter);

          gtk_tree_view_expand_to_path (self->template_view, path);
          gtk_tree_selection_select_iter (gtk_tree_view_get_selection (self->template_view),
                                          &iter);
          gtk_tree_view_scroll_to_cell (self->template_view, path, NULL, FALSE, 0, 0);
          return TRUE;
        }
      if (select_template_row (self, &iter))
        return TRUE;
      ok = gtk_tree_model_iter_next (model, &iter);
    }
  return FALSE;
}

static void
fill_templates (LagoonNewVmWizard *self)
{
  const char *search = gtk_entry_get_text (GTK_ENTRY (self->template_search));
  g_autofree char *needle = g_utf8_strdown (search, -1);
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (TemplateRow));
  LagoonCacheIter it;
  const LagoonRecord *rec;
  const char *group = NULL;
  GtkTreeIter parent;

  self->filling++;
  gtk_tree_store_clear (self->template_store);
  lagoon_cache_iter_init (&it, self->cache, LAGOON_CLASS_VM);
  while (lagoon_cache_iter_next (&it, &rec))
    {
      TemplateRow row = { NULL, 0, rec };
      g_autofree char *name = NULL;

      if (!lagoon_record_get_bool (rec, LAGOON_VM_IS_A_TEMPLATE) ||
          lagoon_record_get_bool (rec, LAGOON_VM_IS_A_SNAPSHOT))
        continue;
      name = g_utf8_strdown (lagoon_record_get_name (rec), -1);
      row.group = template_group (rec, &row.order);
      if (needle[0] != '\0' && strstr (name, needle) == NULL)
        {
          g_autofree char *group_name = g_utf8_strdown (_(row.group), -1);

          if (strstr (group_name, needle) == NULL)
            continue;
        }
      g_array_append_val (rows, row);
    }
  g_array_sort (rows, compare_template_rows);

  for (guint i = 0; i < rows->len; i++)
    {
      TemplateRow *row = &g_array_index (rows, TemplateRow, i);
      GtkTreeIter iter;

      if (g_strcmp0 (group, row->group) != 0)
        {
          group = row->group;
          gtk_tree_store_insert_with_values (self->template_store, &parent, NULL, -1,
                                             TEMPLATE_COL_NAME, _(group),
                                             TEMPLATE_COL_IS_GROUP, TRUE,
                                             TEMPLATE_COL_WEIGHT, PANGO_WEIGHT_BOLD, -1);
        }
      gtk_tree_store_insert_with_values (self->template_store, &iter, &parent, -1,
                                         TEMPLATE_COL_NAME, lagoon_record_get_name (row->rec),
                                         TEMPLATE_COL_REF, lagoon_record_get_opaque_ref (row->rec),
                                         TEMPLATE_COL_IS_GROUP, FALSE,
                                         TEMPLATE_COL_WEIGHT, PANGO_WEIGHT_NORMAL, -1);
    }
  gtk_tree_view_expand_all (self->template_view);
  if (self->template_ref != NULL)
    select_template_row (self, NULL);
  self->filling--;
}

static void
set_template_details (LagoonNewVmWizard *self)
{
  const LagoonRecord *rec = template_record (self);
  g_autofree char *memory = NULL;
  g_autofree char *text = NULL;

  if (rec == NULL)
    {
      gtk_label_set_text (self->template_details, "");
      return;
    }
  memory = format_size (lagoon_record_get_int (rec, LAGOON_VM_MEMORY_STATIC_MAX));
  text = g_strdup_printf (_("%s\n%s template · %s memory · %" G_GINT64_FORMAT " vCPUs"),
                          lagoon_record_get_string (rec, LAGOON_VM_NAME_DESCRIPTION),
                          is_default_template (rec) ? _("Default") : _("Custom"), memory,
                          lagoon_record_get_int (rec, LAGOON_VM_VCPUS_MAX));
  gtk_label_set_text (self->template_details, text);
}

static void fill_disk_rows (LagoonNewVmWizard *self);
static void fill_vif_rows (LagoonNewVmWizard *self);
static void fill_cores (LagoonNewVmWizard *self,
                        gint64             cores);

static LagoonNewVmDisk *
disk_on_sr (LagoonNewVmWizard *self,
            LagoonNewVmDisk   *disk,
            const char        *sr_ref)
{
  const LagoonRecord *sr = lookup (self, LAGOON_CLASS_SR, sr_ref);

  g_free (disk->sr);
  g_free (disk->sr_uuid);
  g_free (disk->sr_name);
  disk->sr = g_strdup (sr != NULL ? sr_ref : NULL);
  disk->sr_uuid = g_strdup (sr != NULL ? lagoon_record_get_uuid (sr) : NULL);
  disk->sr_name = sr != NULL ? sr_display_name (self, sr) : NULL;
  return disk;
}

/* The SR new disks go to: the pool's default SR, else the first disk SR. */
static const char *
default_disk_sr (LagoonNewVmWizard *self)
{
  const char *sr = pool_default_sr (self);
  const LagoonRecord *rec = lookup (self, LAGOON_CLASS_SR, sr);
  g_autoptr(GPtrArray) srs = NULL;

  if (rec != NULL && sr_is_disk_sr (rec))
    return lagoon_record_get_opaque_ref (rec);
  srs = lagoon_cache_list (self->cache, LAGOON_CLASS_SR);
  for (guint i = 0; i < srs->len; i++)
    if (sr_is_disk_sr (g_ptr_array_index (srs, i)))
      return lagoon_record_get_opaque_ref (g_ptr_array_index (srs, i));
  return NULL;
}

static void
set_vif_network (LagoonNewVmWizard *self,
                 LagoonNewVmVif    *vif,
                 const char        *network_ref)
{
  const LagoonRecord *network = lookup (self, LAGOON_CLASS_NETWORK, network_ref);

  g_free (vif->network);
  g_free (vif->network_uuid);
  g_free (vif->network_name);
  vif->network = g_strdup (network_ref);
  vif->network_uuid = g_strdup (network != NULL ? lagoon_record_get_uuid (network) : NULL);
  vif->network_name = g_strdup (network != NULL ? lagoon_record_get_name (network) : NULL);
}

/* Networks a VM may use: not the host-internal management network. */
static gboolean
network_usable (const LagoonRecord *network)
{
  return g_strcmp0 (lagoon_record_map_lookup (network, LAGOON_NETWORK_OTHER_CONFIG,
                                              "is_host_internal_management_network"),
                    "true") != 0 &&
         g_strcmp0 (lagoon_record_map_lookup (network, LAGOON_NETWORK_OTHER_CONFIG,
                                              "is_guest_installer_network"), "true") != 0;
}

static int
compare_by_name (gconstpointer a,
                 gconstpointer b)
{
  const LagoonRecord *x = *(const LagoonRecord * const *) a;
  const LagoonRecord *y = *(const LagoonRecord * const *) b;

  return g_utf8_collate (lagoon_record_get_name (x), lagoon_record_get_name (y));
}

/* The network a new VIF gets: the first one with physical interfaces. */
static const char *
default_network (LagoonNewVmWizard *self)
{
  g_autoptr(GPtrArray) networks = lagoon_cache_list (self->cache, LAGOON_CLASS_NETWORK);
  const char *fallback = NULL;

  g_ptr_array_sort (networks, compare_by_name);
  for (guint i = 0; i < networks->len; i++)
    {
      const LagoonRecord *network = g_ptr_array_index (networks, i);
      guint n = 0;

      if (!network_usable (network))
        continue;
      lagoon_record_get_set (network, LAGOON_NETWORK_PIFS, &n);
      if (n > 0)
        return lagoon_record_get_opaque_ref (network);
      if (fallback == NULL)
        fallback = lagoon_record_get_opaque_ref (network);
    }
  return fallback;
}

/* A new template: every later page starts again from what it says. */
static void
apply_template (LagoonNewVmWizard *self)
{
  const LagoonRecord *rec = template_record (self);
  const char *methods;
  const char *disks_xml;
  g_autofree char *name = NULL;
  g_autofree char *pattern = NULL;
  g_autoptr(GPtrArray) disks = NULL;
  g_autoptr(GError) error = NULL;
  const char *cores;
  gboolean pv;
  guint n_vifs = 0;
  const char * const *vifs;

  if (rec == NULL)
    return;

  self->filling++;

  /* Name: replaced unless the user typed one. */
  name = unique_name (self, lagoon_record_get_name (rec));
  if (g_strcmp0 (gtk_entry_get_text (self->name_entry), "") == 0 ||
      g_strcmp0 (gtk_entry_get_text (self->name_entry), self->generated_name) == 0)
    {
      gtk_entry_set_text (self->name_entry, name);
      g_free (self->generated_name);
      self->generated_name = g_strdup (name);
    }

  /* Installation media from other_config:install-methods. */
  methods = lagoon_record_map_lookup (rec, LAGOON_VM_OTHER_CONFIG, "install-methods");
  pv = lagoon_record_get_string (rec, LAGOON_VM_HVM_BOOT_POLICY) == NULL ||
       lagoon_record_get_string (rec, LAGOON_VM_HVM_BOOT_POLICY)[0] == '\0';
  gtk_widget_set_sensitive (GTK_WIDGET (self->install_url_radio),
                            methods != NULL && (strstr (methods, "http") != NULL ||
                                                strstr (methods, "ftp") != NULL ||
                                                strstr (methods, "nfs") != NULL));
  gtk_widget_set_sensitive (GTK_WIDGET (self->install_network_radio), !pv);
  gtk_widget_set_visible (self->pv_args_grid, pv);
  gtk_entry_set_text (self->pv_args_entry, pv ? lagoon_record_get_string (rec, LAGOON_VM_PV_ARGS)
                                              : "");
  if (is_default_template (rec) && (methods == NULL || strstr (methods, "cdrom") != NULL))
    gtk_toggle_button_set_active (self->install_cd_radio, TRUE);
  else if (is_default_template (rec) &&
           gtk_widget_get_sensitive (GTK_WIDGET (self->install_url_radio)))
    gtk_toggle_button_set_active (self->install_url_radio, TRUE);
  else
    gtk_toggle_button_set_active (self->install_none_radio, TRUE);

  /* CPU and memory. */
  gtk_spin_button_set_value (self->vcpus_max_spin,
                             (double) MAX (1, lagoon_record_get_int (rec, LAGOON_VM_VCPUS_MAX)));
  gtk_spin_button_set_value (self->vcpus_startup_spin,
                             (double) MAX (1, lagoon_record_get_int (rec,
                                                                     LAGOON_VM_VCPUS_AT_STARTUP)));
  cores = lagoon_record_map_lookup (rec, LAGOON_VM_PLATFORM, "cores-per-socket");
  fill_cores (self, cores != NULL ? g_ascii_strtoll (cores, NULL, 10) : 1);
  self->template_static_min = lagoon_record_get_int (rec, LAGOON_VM_MEMORY_STATIC_MIN);
  gtk_spin_button_set_value (self->memory_static_max_spin,
                             (double) (lagoon_record_get_int (rec, LAGOON_VM_MEMORY_STATIC_MAX) /
                                       MiB));
  gtk_spin_button_set_value (self->memory_dynamic_min_spin,
                             (double) (lagoon_record_get_int (rec, LAGOON_VM_MEMORY_DYNAMIC_MIN) /
                                       MiB));
  gtk_spin_button_set_value (self->memory_dynamic_max_spin,
                             (double) (lagoon_record_get_int (rec, LAGOON_VM_MEMORY_DYNAMIC_MAX) /
                                       MiB));

  /* Disks from other_config:disks; an SR the template names by uuid, else the default. */
  g_ptr_array_set_size (self->disks, 0);
  disks_xml = lagoon_record_map_lookup (rec, LAGOON_VM_OTHER_CONFIG, "disks");
  disks = lagoon_new_vm_disks_from_xml (disks_xml, &error);
  if (disks == NULL)
    g_debug ("Template %s: unreadable disks: %s", self->template_ref, error->message);
  for (guint i = 0; disks != NULL && i < disks->len; i++)
    {
      LagoonNewVmDisk *disk = g_ptr_array_index (disks, i);
      const LagoonRecord *sr = disk->sr_uuid != NULL
                               ? lagoon_cache_lookup_uuid (self->cache, LAGOON_CLASS_SR,
                                                           disk->sr_uuid)
                               : NULL;

      disk_on_sr (self, disk, sr != NULL ? lagoon_record_get_opaque_ref (sr)
                                         : default_disk_sr (self));
      g_ptr_array_add (self->disks, g_steal_pointer (&g_ptr_array_index (disks, i)));
    }
  fill_disk_rows (self);

  /* The template's own disks: cloned with it (or copied in full to one SR). */
  g_ptr_array_set_size (self->template_disks, 0);
  {
    guint n_vbds = 0;
    const char * const *vbds = lagoon_record_get_set (rec, LAGOON_VM_VBDS, &n_vbds);

    for (guint i = 0; i < n_vbds; i++)
      {
        const LagoonRecord *vbd = lookup (self, LAGOON_CLASS_VBD, vbds[i]);
        const LagoonRecord *vdi = vbd != NULL ? lookup (self, LAGOON_CLASS_VDI,
                                                        lagoon_record_get_ref (vbd, LAGOON_VBD_VDI))
                                              : NULL;
        LagoonNewVmDisk *disk;

        if (vdi == NULL || g_strcmp0 (lagoon_record_get_string (vbd, LAGOON_VBD_TYPE), "CD") == 0)
          continue;
        disk = lagoon_new_vm_disk_new ();
        disk->userdevice = g_strdup (lagoon_record_get_string (vbd, LAGOON_VBD_USERDEVICE));
        disk->size = lagoon_record_get_int (vdi, LAGOON_VDI_VIRTUAL_SIZE);
        disk_on_sr (self, disk, lagoon_record_get_ref (vdi, LAGOON_VDI_SR));
        g_ptr_array_add (self->template_disks, disk);
      }
    g_free (self->copy_sr);
    if (self->template_disks->len > 0)
      self->copy_sr =
        g_strdup (((LagoonNewVmDisk *) g_ptr_array_index (self->template_disks, 0))->sr);
    else
      self->copy_sr = NULL;
    gtk_toggle_button_set_active (self->fast_clone_check, TRUE);
    gtk_widget_set_visible (GTK_WIDGET (self->fast_clone_check), self->template_disks->len > 0);
  }
  fill_disk_rows (self);

  /* VIFs: the template's, or one on the default network for a default template. */
  g_ptr_array_set_size (self->vifs, 0);
  vifs = lagoon_record_get_set (rec, LAGOON_VM_VIFS, &n_vifs);
  for (guint i = 0; i < n_vifs; i++)
    {
      const LagoonRecord *vif_rec = lookup (self, LAGOON_CLASS_VIF, vifs[i]);
      LagoonNewVmVif *vif;

      if (vif_rec == NULL)
        continue;
      vif = lagoon_new_vm_vif_new ();
      vif->device = g_strdup (lagoon_record_get_string (vif_rec, LAGOON_VIF_DEVICE));
      set_vif_network (self, vif, lagoon_record_get_ref (vif_rec, LAGOON_VIF_NETWORK));
      g_ptr_array_add (self->vifs, vif);
    }
  if (self->vifs->len == 0 && is_default_template (rec) && default_network (self) != NULL)
    {
      LagoonNewVmVif *vif = lagoon_new_vm_vif_new ();

      vif->device = g_strdup ("0");
      set_vif_network (self, vif, default_network (self));
      g_ptr_array_add (self->vifs, vif);
    }
  fill_vif_rows (self);

  /* The pattern follows the name unless the user typed one. */
  pattern = g_strdup_printf ("%s-%%d", gtk_entry_get_text (self->name_entry));
  if (g_strcmp0 (gtk_entry_get_text (self->pattern_entry), "") == 0 ||
      g_strcmp0 (gtk_entry_get_text (self->pattern_entry), self->generated_pattern) == 0)
    {
      gtk_entry_set_text (self->pattern_entry, pattern);
      g_free (self->generated_pattern);
      self->generated_pattern = g_strdup (pattern);
    }

  self->filling--;
  set_template_details (self);
  lagoon_wizard_forget_visits_after (LAGOON_WIZARD (self), self->template_page);
}

static void
on_template_selection_changed (GtkTreeSelection  *selection,
                               LagoonNewVmWizard *self)
{
  GtkTreeModel *model;
  GtkTreeIter iter;
  g_autofree char *ref = NULL;

  if (self->filling > 0)
    return;
  if (gtk_tree_selection_get_selected (selection, &model, &iter))
    gtk_tree_model_get (model, &iter, TEMPLATE_COL_REF, &ref, -1);
  if (ref == NULL)
    {
      validate_all (self);
      return;
    }
  if (g_strcmp0 (ref, self->template_ref) != 0)
    {
      g_free (self->template_ref);
      self->template_ref = g_steal_pointer (&ref);
      apply_template (self);
    }
  validate_all (self);
}

static void
on_template_row_activated (GtkTreeView       *view,
                           GtkTreePath       *path,
                           GtkTreeViewColumn *column,
                           LagoonNewVmWizard *self)
{
  if (lagoon_wizard_page_get_valid (self->template_page))
    lagoon_wizard_go_next (LAGOON_WIZARD (self));
}

static void
on_template_search_changed (GtkSearchEntry    *entry,
                            LagoonNewVmWizard *self)
{
  fill_templates (self);
  validate_all (self);
}

/* ---- Install page ------------------------------------------------------------------------- */

static void
fill_isos (LagoonNewVmWizard *self)
{
  g_autofree char *active =
    g_strdup (gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->iso_combo)));
  g_autoptr(GPtrArray) srs = lagoon_cache_list (self->cache, LAGOON_CLASS_SR);
  g_autoptr(GPtrArray) isos = g_ptr_array_new ();

  self->filling++;
  gtk_combo_box_text_remove_all (self->iso_combo);
  for (guint i = 0; i < srs->len; i++)
    {
      const LagoonRecord *sr = g_ptr_array_index (srs, i);
      const char * const *vdis;
      guint n = 0;

      if (g_strcmp0 (lagoon_record_get_string (sr, LAGOON_SR_CONTENT_TYPE), "iso") != 0)
        continue;
      vdis = lagoon_record_get_set (sr, LAGOON_SR_VDIS, &n);
      for (guint j = 0; j < n; j++)
        {
          const LagoonRecord *vdi = lookup (self, LAGOON_CLASS_VDI, vdis[j]);

          if (vdi != NULL)
            g_ptr_array_add (isos, (gpointer) vdi);
        }
    }
  g_ptr_array_sort (isos, compare_by_name);
  for (guint i = 0; i < isos->len; i++)
    {
      const LagoonRecord *vdi = g_ptr_array_index (isos, i);

      gtk_combo_box_text_append (self->iso_combo, lagoon_record_get_opaque_ref (vdi),
                                 lagoon_record_get_name (vdi));
    }
  if (active == NULL || !gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->iso_combo), active))
    gtk_combo_box_set_active (GTK_COMBO_BOX (self->iso_combo), -1);
  self->filling--;
}

/* ---- Home server page --------------------------------------------------------------------- */

static void
fill_hosts (LagoonNewVmWizard *self)
{
  g_autofree char *selected = home_host (self);
  g_autoptr(GPtrArray) hosts = lagoon_cache_list (self->cache, LAGOON_CLASS_HOST);
  GtkTreeIter iter;

  if (selected == NULL)
    selected = g_strdup (self->initial_host);

  self->filling++;
  gtk_list_store_clear (self->host_store);
  g_ptr_array_sort (hosts, compare_by_name);
  for (guint i = 0; i < hosts->len; i++)
    {
      const LagoonRecord *host = g_ptr_array_index (hosts, i);
      gint64 free_memory = host_free_memory (self, host);
      g_autofree char *memory = format_size (free_memory);
      g_autofree char *detail = NULL;

      if (free_memory >= 0)
        detail = g_strdup_printf (_("%s free, %" G_GINT64_FORMAT " CPUs"), memory,
                                  host_cpu_count (host));
      else
        detail = g_strdup_printf (_("%" G_GINT64_FORMAT " CPUs"), host_cpu_count (host));
      gtk_list_store_insert_with_values (self->host_store, &iter, -1,
                                         HOST_COL_NAME, lagoon_record_get_name (host),
                                         HOST_COL_REF, lagoon_record_get_opaque_ref (host),
                                         HOST_COL_DETAIL, detail, -1);
      if (g_strcmp0 (selected, lagoon_record_get_opaque_ref (host)) == 0 ||
          (selected == NULL && i == 0))
        gtk_tree_selection_select_iter (gtk_tree_view_get_selection (self->host_view), &iter);
    }
  self->filling--;
}

/* Whether every disk is on shared storage (then no home server is needed). */
static gboolean
disks_shared (LagoonNewVmWizard *self)
{
  for (guint i = 0; i < self->disks->len; i++)
    {
      LagoonNewVmDisk *disk = g_ptr_array_index (self->disks, i);
      const LagoonRecord *sr = lookup (self, LAGOON_CLASS_SR, disk->sr);

      if (sr == NULL || !lagoon_record_get_bool (sr, LAGOON_SR_SHARED))
        return FALSE;
    }
  for (guint i = 0; i < self->template_disks->len; i++)
    {
      LagoonNewVmDisk *disk = g_ptr_array_index (self->template_disks, i);
      const LagoonRecord *sr = lookup (self, LAGOON_CLASS_SR, template_disk_sr (self, disk));

      if (sr == NULL || !lagoon_record_get_bool (sr, LAGOON_SR_SHARED))
        return FALSE;
    }
  return TRUE;
}

/* ---- CPU & memory page -------------------------------------------------------------------- */

static void
fill_cores (LagoonNewVmWizard *self,
            gint64             cores)
{
  gint64 vcpus = gtk_spin_button_get_value_as_int (self->vcpus_max_spin);
  g_autofree char *wanted = g_strdup_printf ("%" G_GINT64_FORMAT, cores);

  self->filling++;
  gtk_combo_box_text_remove_all (self->cores_combo);
  for (gint64 c = 1; c <= vcpus; c++)
    {
      g_autofree char *id = NULL;
      g_autofree char *text = NULL;
      g_autofree char *sockets = NULL;
      g_autofree char *per_socket = NULL;

      if (vcpus % c != 0)
        continue;
      id = g_strdup_printf ("%" G_GINT64_FORMAT, c);
      sockets = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" G_GINT64_FORMAT " socket",
                                              "%" G_GINT64_FORMAT " sockets",
                                              (gulong) (vcpus / c)), vcpus / c);
      per_socket = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" G_GINT64_FORMAT " core each",
                                                 "%" G_GINT64_FORMAT " cores each", (gulong) c),
                                    c);
      /* TRANSLATORS: "2 sockets" with "4 cores each" */
      text = g_strdup_printf (_("%s with %s"), sockets, per_socket);
      gtk_combo_box_text_append (self->cores_combo, id, text);
    }
  if (!gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->cores_combo), wanted))
    gtk_combo_box_set_active (GTK_COMBO_BOX (self->cores_combo), 0);
  self->filling--;
}

static void
on_vcpus_changed (GtkSpinButton     *spin,
                  LagoonNewVmWizard *self)
{
  const char *cores = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->cores_combo));

  fill_cores (self, cores != NULL ? g_ascii_strtoll (cores, NULL, 10) : 1);
  if (self->filling == 0 &&
      gtk_spin_button_get_value_as_int (self->vcpus_startup_spin) >
      gtk_spin_button_get_value_as_int (self->vcpus_max_spin))
    gtk_spin_button_set_value (self->vcpus_startup_spin,
                               gtk_spin_button_get_value (self->vcpus_max_spin));
  validate_all (self);
}

/* ---- Storage page ------------------------------------------------------------------------- */

static int
selected_index (GtkTreeView *view,
                int          column)
{
  GtkTreeModel *model;
  GtkTreeIter iter;
  int index = -1;

  if (gtk_tree_selection_get_selected (gtk_tree_view_get_selection (view), &model, &iter))
    gtk_tree_model_get (model, &iter, column, &index, -1);
  return index;
}

static void
select_index (GtkTreeView *view,
              int          index)
{
  GtkTreeModel *model = gtk_tree_view_get_model (view);
  GtkTreeIter iter;

  if (index >= 0 && gtk_tree_model_iter_nth_child (model, &iter, NULL, index))
    gtk_tree_selection_select_iter (gtk_tree_view_get_selection (view), &iter);
}

static void
fill_sr_combo (LagoonNewVmWizard *self)
{
  g_autoptr(GPtrArray) srs = lagoon_cache_list (self->cache, LAGOON_CLASS_SR);

  self->filling++;
  gtk_combo_box_text_remove_all (self->disk_sr_combo);
  g_ptr_array_sort (srs, compare_by_name);
  for (guint i = 0; i < srs->len; i++)
    {
      const LagoonRecord *sr = g_ptr_array_index (srs, i);
      g_autofree char *free_text = NULL;
      g_autofree char *text = NULL;
      g_autofree char *name = NULL;

      if (!sr_is_disk_sr (sr))
        continue;
      free_text = format_size (sr_free (sr));
      name = sr_display_name (self, sr);
      if (lagoon_record_get_bool (sr, LAGOON_SR_SHARED))
        text = g_strdup_printf (_("%s (%s free, shared)"), name, free_text);
      else
        text = g_strdup_printf (_("%s (%s free)"), name, free_text);
      gtk_combo_box_text_append (self->disk_sr_combo, lagoon_record_get_opaque_ref (sr), text);
    }
  self->filling--;
}

/* Disk @row of the list: the template's disks first, then the new ones. */
static LagoonNewVmDisk *
disk_at (LagoonNewVmWizard *self,
         int                row,
         gboolean          *from_template)
{
  if (row >= TEMPLATE_DISK_BASE && (guint) (row - TEMPLATE_DISK_BASE) < self->template_disks->len)
    {
      *from_template = TRUE;
      return g_ptr_array_index (self->template_disks, row - TEMPLATE_DISK_BASE);
    }
  *from_template = FALSE;
  if (row >= 0 && (guint) row < self->disks->len)
    return g_ptr_array_index (self->disks, row);
  return NULL;
}

/* The rows of the disk list in order, as indexes for disk_at(). */
static GArray *
disk_rows (LagoonNewVmWizard *self)
{
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (int));

  for (guint i = 0; i < self->template_disks->len; i++)
    {
      int row = TEMPLATE_DISK_BASE + (int) i;

      g_array_append_val (rows, row);
    }
  for (guint i = 0; i < self->disks->len; i++)
    {
      int row = (int) i;

      g_array_append_val (rows, row);
    }
  return rows;
}

static void
add_need (GHashTable *need,
          const char *sr,
          gint64      bytes)
{
  gint64 *sum;

  if (sr == NULL)
    return;
  sum = g_hash_table_lookup (need, sr);
  if (sum == NULL)
    {
      sum = g_new0 (gint64, 1);
      g_hash_table_insert (need, (gpointer) sr, sum);
    }
  *sum += bytes;
}

/* What the disks need per SR (all VMs; a fast clone needs nothing), and whether each disk
 * fits and is reachable from the home server. Fills @statuses (one per row, in row order)
 * and returns the first problem, or NULL. */
static char *
check_disks (LagoonNewVmWizard *self,
             GPtrArray         *statuses)
{
  g_autoptr(GHashTable) need = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GArray) rows = disk_rows (self);
  g_autofree char *home = home_host (self);
  guint count = vm_count (self);
  g_autoptr(GPtrArray) hosts = host_refs (self);
  gboolean spread = count > 1 && hosts->len > 1 &&
                    gtk_toggle_button_get_active (self->place_spread_radio);
  char *problem = NULL;

  for (guint i = 0; i < rows->len; i++)
    {
      gboolean from_template;
      LagoonNewVmDisk *disk = disk_at (self, g_array_index (rows, int, i), &from_template);

      if (!from_template)
        add_need (need, disk->sr, disk->size * (gint64) count);
      else if (copying (self))
        add_need (need, self->copy_sr, disk->size * (gint64) count);
    }

  for (guint i = 0; i < rows->len; i++)
    {
      gboolean from_template;
      LagoonNewVmDisk *disk = disk_at (self, g_array_index (rows, int, i), &from_template);
      const char *sr_ref = from_template ? template_disk_sr (self, disk) : disk->sr;
      const LagoonRecord *sr = lookup (self, LAGOON_CLASS_SR, sr_ref);
      gint64 *sum = sr_ref != NULL ? g_hash_table_lookup (need, sr_ref) : NULL;
      g_autofree char *status = NULL;
      g_autofree char *sr_name = sr_display_name (self, sr);

      if (sr == NULL)
        status = g_strdup (_("Choose a storage repository"));
      else if (spread && !lagoon_record_get_bool (sr, LAGOON_SR_SHARED))
        status = g_strdup_printf (_("%s is local storage: VMs spread over the servers need "
                                    "shared storage"), sr_name);
      else if (!sr_reachable_from (self, sr, home))
        status = home != NULL
                 ? g_strdup_printf (_("%s is not reachable from the home server"), sr_name)
                 : g_strdup_printf (_("%s is local storage: choose a home server that has it"),
                                    sr_name);
      else if (disk->size <= 0)
        status = g_strdup (_("The size must be more than 0"));
      else if (sum != NULL && *sum > sr_free (sr))
        {
          g_autofree char *needed = format_size (*sum);
          g_autofree char *free_text = format_size (sr_free (sr));

          status = g_strdup_printf (_("%s has %s free; the disks need %s"), sr_name, free_text,
                                    needed);
        }
      if (status != NULL && problem == NULL)
        problem = g_strdup_printf (_("Disk %s: %s."), disk->userdevice, status);
      if (statuses != NULL)
        {
          if (status == NULL)
            status = g_strdup (!from_template ? _("OK")
                               : copying (self) ? _("Copied from the template")
                                                : _("Fast clone of the template's disk"));
          g_ptr_array_add (statuses, g_steal_pointer (&status));
        }
    }
  return problem;
}

static void
fill_disk_rows (LagoonNewVmWizard *self)
{
  int selected = selected_index (self->disk_view, DISK_COL_INDEX);
  g_autoptr(GPtrArray) statuses = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *problem = check_disks (self, statuses);
  g_autoptr(GArray) rows = disk_rows (self);
  GtkTreeIter iter;

  self->filling++;
  gtk_list_store_clear (self->disk_store);
  for (guint i = 0; i < rows->len; i++)
    {
      int row = g_array_index (rows, int, i);
      gboolean from_template;
      LagoonNewVmDisk *disk = disk_at (self, row, &from_template);
      const LagoonRecord *sr = lookup (self, LAGOON_CLASS_SR,
                                       from_template ? template_disk_sr (self, disk) : disk->sr);
      g_autofree char *size = format_size (disk->size);
      g_autofree char *sr_name = sr_display_name (self, sr);

      gtk_list_store_insert_with_values (self->disk_store, &iter, -1,
                                         DISK_COL_DEVICE, disk->userdevice,
                                         DISK_COL_SIZE, size,
                                         DISK_COL_SR, sr_name,
                                         DISK_COL_STATUS, g_ptr_array_index (statuses, i),
                                         DISK_COL_INDEX, row, -1);
    }
  /* Keep the selection on the same disk (or the one now in its place). */
  {
    GtkTreeModel *model = GTK_TREE_MODEL (self->disk_store);
    gboolean ok = gtk_tree_model_get_iter_first (model, &iter);
    gboolean found = FALSE;
    GtkTreeIter last;

    while (ok)
      {
        int row;

        gtk_tree_model_get (model, &iter, DISK_COL_INDEX, &row, -1);
        last = iter;
        if (row == selected || (row < TEMPLATE_DISK_BASE && selected >= 0 &&
                                selected < TEMPLATE_DISK_BASE && row > selected && !found))
          {
            gtk_tree_selection_select_iter (gtk_tree_view_get_selection (self->disk_view), &iter);
            found = TRUE;
            break;
          }
        ok = gtk_tree_model_iter_next (model, &iter);
      }
    if (!found && selected >= 0 && gtk_tree_model_iter_n_children (model, NULL) > 0)
      gtk_tree_selection_select_iter (gtk_tree_view_get_selection (self->disk_view), &last);
  }
  self->filling--;
}

static void
update_disk_editor (LagoonNewVmWizard *self)
{
  gboolean from_template = FALSE;
  LagoonNewVmDisk *disk = disk_at (self, selected_index (self->disk_view, DISK_COL_INDEX),
                                   &from_template);
  const char *sr;

  self->filling++;
  /* A template's disk keeps its size; its SR changes only for a full copy (all of them). */
  gtk_widget_set_sensitive (self->disk_edit_grid, disk != NULL &&
                                                  (!from_template || copying (self)));
  gtk_widget_set_sensitive (GTK_WIDGET (self->disk_size_spin), disk != NULL && !from_template);
  gtk_widget_set_sensitive (self->disk_remove_button, disk != NULL && !from_template);
  if (disk != NULL)
    {
      fill_sr_combo (self);
      gtk_spin_button_set_value (self->disk_size_spin, (double) disk->size / (double) GiB);
      sr = from_template ? template_disk_sr (self, disk) : disk->sr;
      if (sr == NULL || !gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->disk_sr_combo), sr))
        gtk_combo_box_set_active (GTK_COMBO_BOX (self->disk_sr_combo), -1);
    }
  self->filling--;
}

static void
on_disk_selection_changed (GtkTreeSelection  *selection,
                           LagoonNewVmWizard *self)
{
  if (self->filling > 0)
    return;
  update_disk_editor (self);
}

static void
on_disk_edit_changed (GtkWidget         *widget,
                      LagoonNewVmWizard *self)
{
  gboolean from_template;
  LagoonNewVmDisk *disk;

  if (self->filling > 0)
    return;
  disk = disk_at (self, selected_index (self->disk_view, DISK_COL_INDEX), &from_template);
  if (disk == NULL)
    return;
  if (from_template)
    {
      /* VM.copy puts all of the template's disks on one SR. */
      g_free (self->copy_sr);
      self->copy_sr = g_strdup (gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->disk_sr_combo)));
    }
  else
    {
      disk->size = (gint64) (gtk_spin_button_get_value (self->disk_size_spin) * (double) GiB);
      disk_on_sr (self, disk, gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->disk_sr_combo)));
    }
  validate_all (self);
}

static void
on_fast_clone_toggled (GtkToggleButton   *button,
                       LagoonNewVmWizard *self)
{
  if (self->filling > 0)
    return;
  validate_all (self);
  update_disk_editor (self);
}

static void
on_disk_add_clicked (GtkButton         *button,
                     LagoonNewVmWizard *self)
{
  LagoonNewVmDisk *disk = lagoon_new_vm_disk_new ();
  guint device = 0;

  /* The next free device number (3 is the CD drive). */
  for (gboolean taken = TRUE; taken; )
    {
      g_autofree char *id = g_strdup_printf ("%u", device);

      taken = device == 3;
      for (guint i = 0; i < self->disks->len && !taken; i++)
        taken = g_strcmp0 (((LagoonNewVmDisk *) g_ptr_array_index (self->disks, i))->userdevice,
                           id) == 0;
      for (guint i = 0; i < self->template_disks->len && !taken; i++)
        taken = g_strcmp0 (((LagoonNewVmDisk *)
                            g_ptr_array_index (self->template_disks, i))->userdevice, id) == 0;
      if (taken)
        device++;
    }
  disk->userdevice = g_strdup_printf ("%u", device);
  disk->size = 8 * GiB;
  disk->bootable = self->disks->len == 0;
  g_free (disk->type);
  disk->type = g_strdup (self->disks->len == 0 ? "system" : "user");
  disk_on_sr (self, disk, self->disks->len > 0
                          ? ((LagoonNewVmDisk *) g_ptr_array_index (self->disks, 0))->sr
                          : default_disk_sr (self));
  g_ptr_array_add (self->disks, disk);
  validate_all (self);
  select_index (self->disk_view, (int) (self->template_disks->len + self->disks->len - 1));
  gtk_widget_grab_focus (GTK_WIDGET (self->disk_size_spin));
}

static void
on_disk_remove_clicked (GtkButton         *button,
                        LagoonNewVmWizard *self)
{
  int index = selected_index (self->disk_view, DISK_COL_INDEX);

  if (index < 0 || (guint) index >= self->disks->len)
    return;
  g_ptr_array_remove_index (self->disks, index);
  validate_all (self);
  update_disk_editor (self);
}

/* ---- Networking page ---------------------------------------------------------------------- */

static void
fill_network_combo (LagoonNewVmWizard *self)
{
  g_autoptr(GPtrArray) networks = lagoon_cache_list (self->cache, LAGOON_CLASS_NETWORK);

  self->filling++;
  gtk_combo_box_text_remove_all (self->vif_network_combo);
  g_ptr_array_sort (networks, compare_by_name);
  for (guint i = 0; i < networks->len; i++)
    {
      const LagoonRecord *network = g_ptr_array_index (networks, i);

      if (network_usable (network))
        gtk_combo_box_text_append (self->vif_network_combo, lagoon_record_get_opaque_ref (network),
                                   lagoon_record_get_name (network));
    }
  self->filling--;
}

static void
fill_vif_rows (LagoonNewVmWizard *self)
{
  int selected = selected_index (self->vif_view, VIF_COL_INDEX);

  self->filling++;
  gtk_list_store_clear (self->vif_store);
  for (guint i = 0; i < self->vifs->len; i++)
    {
      LagoonNewVmVif *vif = g_ptr_array_index (self->vifs, i);
      GtkTreeIter iter;

      gtk_list_store_insert_with_values (self->vif_store, &iter, -1,
                                         VIF_COL_DEVICE, vif->device,
                                         VIF_COL_NETWORK, vif->network_name ? vif->network_name
                                                                            : "",
                                         VIF_COL_MAC, vif->mac != NULL && vif->mac[0] != '\0'
                                                      ? vif->mac : _("generated"),
                                         VIF_COL_INDEX, (int) i, -1);
    }
  select_index (self->vif_view, MIN (selected, (int) self->vifs->len - 1));
  gtk_widget_set_sensitive (self->vif_add_button, self->vifs->len < MAX_VIFS);
  self->filling--;
}

static void
update_vif_editor (LagoonNewVmWizard *self)
{
  int index = selected_index (self->vif_view, VIF_COL_INDEX);
  LagoonNewVmVif *vif = index >= 0 && (guint) index < self->vifs->len
                        ? g_ptr_array_index (self->vifs, index) : NULL;

  self->filling++;
  gtk_widget_set_sensitive (self->vif_edit_grid, vif != NULL);
  gtk_widget_set_sensitive (self->vif_remove_button, vif != NULL);
  if (vif != NULL)
    {
      fill_network_combo (self);
      if (vif->network == NULL ||
          !gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->vif_network_combo), vif->network))
        gtk_combo_box_set_active (GTK_COMBO_BOX (self->vif_network_combo), -1);
      gtk_entry_set_text (self->vif_mac_entry, vif->mac != NULL ? vif->mac : "");
    }
  self->filling--;
}

static void
on_vif_selection_changed (GtkTreeSelection  *selection,
                          LagoonNewVmWizard *self)
{
  if (self->filling > 0)
    return;
  update_vif_editor (self);
}

static void
on_vif_edit_changed (GtkWidget         *widget,
                     LagoonNewVmWizard *self)
{
  int index = selected_index (self->vif_view, VIF_COL_INDEX);
  LagoonNewVmVif *vif;
  g_autofree char *mac = NULL;

  if (self->filling > 0 || index < 0 || (guint) index >= self->vifs->len)
    return;
  vif = g_ptr_array_index (self->vifs, index);
  set_vif_network (self, vif,
                   gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->vif_network_combo)));
  mac = g_strstrip (g_strdup (gtk_entry_get_text (self->vif_mac_entry)));
  g_free (vif->mac);
  vif->mac = g_ascii_strdown (mac, -1);
  validate_all (self);
}

static void
on_vif_add_clicked (GtkButton         *button,
                    LagoonNewVmWizard *self)
{
  LagoonNewVmVif *vif;
  guint device = 0;

  if (self->vifs->len >= MAX_VIFS)
    return;
  for (gboolean taken = TRUE; taken; )
    {
      g_autofree char *id = g_strdup_printf ("%u", device);

      taken = FALSE;
      for (guint i = 0; i < self->vifs->len && !taken; i++)
        taken = g_strcmp0 (((LagoonNewVmVif *) g_ptr_array_index (self->vifs, i))->device,
                           id) == 0;
      if (taken)
        device++;
    }
  vif = lagoon_new_vm_vif_new ();
  vif->device = g_strdup_printf ("%u", device);
  set_vif_network (self, vif, default_network (self));
  g_ptr_array_add (self->vifs, vif);
  validate_all (self);
  select_index (self->vif_view, (int) self->vifs->len - 1);
  gtk_widget_grab_focus (GTK_WIDGET (self->vif_network_combo));
}

static void
on_vif_remove_clicked (GtkButton         *button,
                       LagoonNewVmWizard *self)
{
  int index = selected_index (self->vif_view, VIF_COL_INDEX);

  if (index < 0 || (guint) index >= self->vifs->len)
    return;
  g_ptr_array_remove_index (self->vifs, index);
  validate_all (self);
  select_index (self->vif_view, MIN (index, (int) self->vifs->len - 1));
  update_vif_editor (self);
}

static gboolean
mac_valid (const char *mac)
{
  if (strlen (mac) != 17)
    return FALSE;
  for (guint i = 0; i < 17; i++)
    if ((i % 3 == 2) ? mac[i] != ':' : !g_ascii_isxdigit (mac[i]))
      return FALSE;
  /* A multicast address cannot be a NIC's. */
  return (g_ascii_xdigit_value (mac[1]) & 1) == 0;
}

/* ---- validation --------------------------------------------------------------------------- */

static void
validate_template (LagoonNewVmWizard *self)
{
  GtkTreeModel *model;
  GtkTreeIter iter;
  gboolean row = gtk_tree_selection_get_selected (gtk_tree_view_get_selection (self->template_view),
                                                  &model, &iter);
  gboolean is_group = TRUE;

  if (row)
    gtk_tree_model_get (model, &iter, TEMPLATE_COL_IS_GROUP, &is_group, -1);
  if (template_record (self) == NULL || !row || is_group)
    lagoon_wizard_page_set_valid (self->template_page, FALSE,
                                  _("Select a template (search by name if the list is long)."));
  else
    lagoon_wizard_page_set_valid (self->template_page, TRUE, NULL);
}

static void
validate_name (LagoonNewVmWizard *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_entry_get_text (self->name_entry)));

  if (name[0] != '\0' && vm_name_taken (self, name))
    {
      g_autofree char *hint = g_strdup_printf (_("A VM called “%s” exists already. Two VMs may "
                                                 "have the same name, but it is confusing."),
                                               name);

      gtk_label_set_text (self->name_hint, hint);
    }
  else
    gtk_label_set_text (self->name_hint, "");

  if (name[0] == '\0')
    lagoon_wizard_page_set_valid (self->name_page, FALSE, _("Enter a name for the new VM."));
  else
    lagoon_wizard_page_set_valid (self->name_page, TRUE, NULL);
}

static void
validate_count (LagoonNewVmWizard *self)
{
  guint count = vm_count (self);
  const char *pattern = gtk_entry_get_text (self->pattern_entry);
  g_autoptr(GString) preview = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hosts = host_refs (self);
  guint taken = 0;

  gtk_widget_set_sensitive (GTK_WIDGET (self->pattern_entry), count > 1);
  gtk_widget_set_sensitive (GTK_WIDGET (self->place_one_radio), count > 1 && hosts->len > 1);
  gtk_widget_set_sensitive (GTK_WIDGET (self->place_spread_radio), count > 1 && hosts->len > 1);

  if (count == 1)
    {
      g_autofree char *name = g_strstrip (g_strdup (gtk_entry_get_text (self->name_entry)));

      g_string_printf (preview, _("One VM, called “%s”."), name);
      gtk_label_set_text (self->pattern_preview, preview->str);
      lagoon_wizard_page_set_valid (self->count_page, TRUE, NULL);
      return;
    }

  for (guint i = 1; i <= count; i++)
    {
      g_autofree char *name = lagoon_new_vm_expand_name (pattern, i, count, &error);

      if (name == NULL)
        break;
      if (vm_name_taken (self, name))
        taken++;
      if (i <= 3 || i == count)
        {
          if (i == count && count > 4)
            g_string_append (preview, ", …");
          g_string_append_printf (preview, "%s%s", preview->len > 0 ? ", " : "", name);
        }
    }
  if (error != NULL)
    {
      gtk_label_set_text (self->pattern_preview, error->message);
      lagoon_wizard_page_set_valid (self->count_page, FALSE, error->message);
      return;
    }
  if (taken > 0)
    g_string_append_printf (preview,
                            g_dngettext (GETTEXT_PACKAGE,
                                         "\n%u of these names is already used by a VM "
                                         "(allowed, but confusing).",
                                         "\n%u of these names are already used by VMs "
                                         "(allowed, but confusing).", taken), taken);
  gtk_label_set_text (self->pattern_preview, preview->str);
  lagoon_wizard_page_set_valid (self->count_page, TRUE, NULL);
}

static void
validate_install (LagoonNewVmWizard *self)
{
  gboolean cd = gtk_toggle_button_get_active (self->install_cd_radio);
  gboolean url = gtk_toggle_button_get_active (self->install_url_radio);
  g_autofree char *text = g_strstrip (g_strdup (gtk_entry_get_text (self->url_entry)));

  gtk_widget_set_sensitive (GTK_WIDGET (self->iso_combo), cd);
  gtk_widget_set_sensitive (GTK_WIDGET (self->url_entry), url);

  if (cd && gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->iso_combo)) == NULL)
    lagoon_wizard_page_set_valid (self->install_page, FALSE,
                                  gtk_tree_model_iter_n_children (
                                    gtk_combo_box_get_model (GTK_COMBO_BOX (self->iso_combo)),
                                    NULL) == 0
                                  ? _("The pool has no ISO images: add an ISO library, or choose "
                                      "another installation method.")
                                  : _("Choose the ISO image to install from."));
  else if (url && text[0] == '\0')
    lagoon_wizard_page_set_valid (self->install_page, FALSE,
                                  _("Enter the URL of the installation repository."));
  else if (url && strstr (text, "://") == NULL)
    lagoon_wizard_page_set_valid (self->install_page, FALSE,
                                  _("The installation URL needs a scheme, such as http://, "
                                    "ftp:// or nfs://."));
  else
    lagoon_wizard_page_set_valid (self->install_page, TRUE, NULL);
}

static void
validate_home (LagoonNewVmWizard *self)
{
  gboolean shared = disks_shared (self);
  g_autofree char *home = NULL;

  self->filling++;
  gtk_widget_set_sensitive (GTK_WIDGET (self->home_none_radio), shared);
  if (!shared && gtk_toggle_button_get_active (self->home_none_radio))
    gtk_toggle_button_set_active (self->home_host_radio, TRUE);
  self->filling--;
  gtk_widget_set_sensitive (GTK_WIDGET (self->host_view),
                            gtk_toggle_button_get_active (self->home_host_radio));
  gtk_label_set_text (self->home_hint,
                      shared ? _("The disks are on shared storage: the VM can run on any server.")
                             : _("Some disks are on a server's local storage: the VM needs that "
                                 "server as its home server."));
  home = home_host (self);
  if (gtk_toggle_button_get_active (self->home_host_radio) && home == NULL)
    lagoon_wizard_page_set_valid (self->home_page, FALSE, _("Select the home server."));
  else
    lagoon_wizard_page_set_valid (self->home_page, TRUE, NULL);
}

static void
validate_cpu (LagoonNewVmWizard *self)
{
  gint64 vcpus = gtk_spin_button_get_value_as_int (self->vcpus_max_spin);
  gint64 startup = gtk_spin_button_get_value_as_int (self->vcpus_startup_spin);
  const char *cores_id = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->cores_combo));
  gint64 cores = cores_id != NULL ? g_ascii_strtoll (cores_id, NULL, 10) : 0;
  gint64 static_max = (gint64) gtk_spin_button_get_value (self->memory_static_max_spin) * MiB;
  gint64 dynamic_min = (gint64) gtk_spin_button_get_value (self->memory_dynamic_min_spin) * MiB;
  gint64 dynamic_max = (gint64) gtk_spin_button_get_value (self->memory_dynamic_max_spin) * MiB;
  g_autofree char *home = home_host (self);
  const LagoonRecord *host = lookup (self, LAGOON_CLASS_HOST, home);
  g_autoptr(GString) warnings = g_string_new (NULL);
  guint count = vm_count (self);
  const char *error = NULL;

  if (startup > vcpus)
    error = _("The vCPUs at startup cannot be more than the number of vCPUs.");
  else if (cores <= 0 || vcpus % cores != 0)
    error = _("Choose a topology: the vCPUs must divide evenly into sockets.");
  else if (dynamic_min > dynamic_max)
    error = _("The dynamic minimum memory cannot be more than the dynamic maximum.");
  else if (dynamic_max > static_max)
    error = _("The dynamic maximum memory cannot be more than the static maximum.");

  /* Warnings against the home server (or the roomiest server without one). */
  if (host == NULL)
    {
      g_autoptr(GPtrArray) hosts = lagoon_cache_list (self->cache, LAGOON_CLASS_HOST);

      for (guint i = 0; i < hosts->len; i++)
        if (host == NULL ||
            host_free_memory (self, g_ptr_array_index (hosts, i)) > host_free_memory (self, host))
          host = g_ptr_array_index (hosts, i);
    }
  if (host != NULL)
    {
      gint64 cpus = host_cpu_count (host);
      gint64 free_memory = host_free_memory (self, host);
      gboolean spread = count > 1 && gtk_toggle_button_get_active (self->place_spread_radio);
      g_autoptr(GPtrArray) hosts = host_refs (self);
      guint on_host = spread ? (count + MAX (hosts->len, 1) - 1) / MAX (hosts->len, 1) : count;

      if (cpus > 0 && vcpus > cpus)
        g_string_append_printf (warnings,
                                _("⚠ %" G_GINT64_FORMAT " vCPUs are more than %s has CPUs "
                                  "(%" G_GINT64_FORMAT "): the VM will run slowly.\n"),
                                vcpus, lagoon_record_get_name (host), cpus);
      if (free_memory >= 0 && dynamic_max * (gint64) on_host > free_memory)
        {
          g_autofree char *needed = format_size (dynamic_max * (gint64) on_host);
          g_autofree char *available = format_size (free_memory);

          g_string_append_printf (warnings,
                                  _("⚠ %s has %s free memory; starting %u such VMs there needs "
                                    "%s. They can be created, but not all of them started.\n"),
                                  lagoon_record_get_name (host), available, on_host, needed);
        }
    }
  if (warnings->len > 0)
    g_string_truncate (warnings, warnings->len - 1);
  gtk_label_set_text (self->cpu_warning, warnings->str);
  lagoon_wizard_page_set_valid (self->cpu_page, error == NULL, error);
}

static void
validate_storage (LagoonNewVmWizard *self)
{
  g_autofree char *problem = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GString) status = g_string_new (NULL);

  fill_disk_rows (self);
  problem = check_disks (self, NULL);

  /* One line per SR: what the VMs take of it. */
  for (guint i = 0; i < self->disks->len; i++)
    {
      LagoonNewVmDisk *disk = g_ptr_array_index (self->disks, i);
      const LagoonRecord *sr = lookup (self, LAGOON_CLASS_SR, disk->sr);
      gint64 need = 0;
      g_autofree char *need_text = NULL;
      g_autofree char *free_text = NULL;
      g_autofree char *sr_name = NULL;

      if (sr == NULL || g_hash_table_contains (seen, disk->sr))
        continue;
      g_hash_table_add (seen, disk->sr);
      for (guint j = 0; j < self->disks->len; j++)
        if (g_strcmp0 (((LagoonNewVmDisk *) g_ptr_array_index (self->disks, j))->sr, disk->sr) == 0)
          need += ((LagoonNewVmDisk *) g_ptr_array_index (self->disks, j))->size;
      need_text = format_size (need * (gint64) vm_count (self));
      free_text = format_size (sr_free (sr));
      sr_name = sr_display_name (self, sr);
      g_string_append_printf (status, _("%s: %s needed, %s free.\n"), sr_name, need_text,
                              free_text);
    }
  if (copying (self) && lookup (self, LAGOON_CLASS_SR, self->copy_sr) != NULL)
    {
      gint64 need = 0;
      g_autofree char *need_text = NULL;
      g_autofree char *copy_name = NULL;

      for (guint i = 0; i < self->template_disks->len; i++)
        need += ((LagoonNewVmDisk *) g_ptr_array_index (self->template_disks, i))->size;
      need_text = format_size (need * (gint64) vm_count (self));
      copy_name = sr_display_name (self, lookup (self, LAGOON_CLASS_SR, self->copy_sr));
      g_string_append_printf (status, _("The template's disks are copied in full to %s (%s).\n"),
                              copy_name, need_text);
    }
  if (self->disks->len == 0 && self->template_disks->len == 0)
    g_string_append (status, _("No disks: the VM boots from the network or from its CD.\n"));
  if (status->len > 0)
    g_string_truncate (status, status->len - 1);
  gtk_label_set_text (self->storage_status, status->str);
  lagoon_wizard_page_set_valid (self->storage_page, problem == NULL, problem);
}

static void
validate_network (LagoonNewVmWizard *self)
{
  g_autofree char *problem = NULL;

  fill_vif_rows (self);
  for (guint i = 0; i < self->vifs->len && problem == NULL; i++)
    {
      LagoonNewVmVif *vif = g_ptr_array_index (self->vifs, i);

      if (vif->network == NULL)
        problem = g_strdup_printf (_("Interface %s: choose a network."), vif->device);
      else if (vif->mac != NULL && vif->mac[0] != '\0' && !mac_valid (vif->mac))
        problem = g_strdup_printf (_("Interface %s: “%s” is not a MAC address (six pairs of hex "
                                     "digits separated by colons, not multicast)."),
                                   vif->device, vif->mac);
      else if (vif->mac != NULL && vif->mac[0] != '\0' && vm_count (self) > 1)
        problem = g_strdup_printf (_("Interface %s: a fixed MAC address would be shared by all "
                                     "%u VMs; leave it empty."), vif->device, vm_count (self));
      for (guint j = 0; j < i && problem == NULL; j++)
        {
          LagoonNewVmVif *other = g_ptr_array_index (self->vifs, j);

          if (vif->mac != NULL && vif->mac[0] != '\0' && g_strcmp0 (vif->mac, other->mac) == 0)
            problem = g_strdup_printf (_("Interfaces %s and %s have the same MAC address."),
                                       other->device, vif->device);
        }
    }
  lagoon_wizard_page_set_valid (self->network_page, problem == NULL, problem);
}

static void
validate_all (LagoonNewVmWizard *self)
{
  if (self->filling > 0)
    return;
  validate_template (self);
  validate_name (self);
  validate_count (self);
  validate_install (self);
  validate_home (self);
  validate_cpu (self);
  validate_storage (self);
  validate_network (self);
}

static void
on_input_changed (GtkWidget         *widget,
                  LagoonNewVmWizard *self)
{
  validate_all (self);
}

static void
on_input_changed_selection (GtkTreeSelection  *selection,
                            LagoonNewVmWizard *self)
{
  validate_all (self);
}

/* ---- building the specs ------------------------------------------------------------------- */

static GPtrArray *
build_specs (LagoonNewVmWizard  *self,
             GError            **error)
{
  g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                               lagoon_new_vm_spec_free);
  const LagoonRecord *rec = template_record (self);
  guint count = vm_count (self);
  g_autofree char *home = home_host (self);
  g_autoptr(GPtrArray) hosts = host_refs (self);
  gboolean spread = count > 1 && hosts->len > 1 &&
                    gtk_toggle_button_get_active (self->place_spread_radio);
  guint first_host = 0;
  gint64 dynamic_min = (gint64) gtk_spin_button_get_value (self->memory_dynamic_min_spin) * MiB;
  const char *cores = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->cores_combo));
  const char *template_cores;

  if (rec == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("The template is gone from the pool."));
      return NULL;
    }
  for (guint i = 0; home != NULL && i < hosts->len; i++)
    if (g_str_equal (g_ptr_array_index (hosts, i), home))
      first_host = i;
  template_cores = lagoon_record_map_lookup (rec, LAGOON_VM_PLATFORM, "cores-per-socket");

  for (guint i = 0; i < count; i++)
    {
      g_autoptr(LagoonNewVmSpec) spec = lagoon_new_vm_spec_new ();
      const char *host = NULL;
      const char *iso;

      spec->template_ref = g_strdup (self->template_ref);
      spec->template_uuid = g_strdup (lagoon_record_get_uuid (rec));
      spec->template_name = g_strdup (lagoon_record_get_name (rec));
      if (count == 1)
        spec->name = g_strstrip (g_strdup (gtk_entry_get_text (self->name_entry)));
      else
        spec->name = lagoon_new_vm_expand_name (gtk_entry_get_text (self->pattern_entry), i + 1,
                                                count, error);
      if (spec->name == NULL)
        return NULL;
      spec->description = g_strdup (gtk_entry_get_text (self->description_entry));

      if (gtk_toggle_button_get_active (self->install_cd_radio))
        {
          spec->install = LAGOON_NEW_VM_INSTALL_CD;
          iso = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->iso_combo));
          spec->iso_vdi = g_strdup (iso);
          spec->iso_name = gtk_combo_box_text_get_active_text (self->iso_combo);
        }
      else if (gtk_toggle_button_get_active (self->install_url_radio))
        {
          spec->install = LAGOON_NEW_VM_INSTALL_URL;
          spec->install_url = g_strstrip (g_strdup (gtk_entry_get_text (self->url_entry)));
        }
      else if (gtk_toggle_button_get_active (self->install_network_radio))
        spec->install = LAGOON_NEW_VM_INSTALL_NETWORK;
      else
        spec->install = LAGOON_NEW_VM_INSTALL_NONE;
      if (gtk_widget_get_visible (self->pv_args_grid))
        spec->pv_args = g_strdup (gtk_entry_get_text (self->pv_args_entry));

      spec->vcpus_max = gtk_spin_button_get_value_as_int (self->vcpus_max_spin);
      spec->vcpus_at_startup = gtk_spin_button_get_value_as_int (self->vcpus_startup_spin);
      if (cores != NULL && (template_cores != NULL || g_ascii_strtoll (cores, NULL, 10) > 1))
        spec->cores_per_socket = g_ascii_strtoll (cores, NULL, 10);
      spec->memory_static_max =
        (gint64) gtk_spin_button_get_value (self->memory_static_max_spin) * MiB;
      spec->memory_dynamic_min = dynamic_min;
      spec->memory_dynamic_max =
        (gint64) gtk_spin_button_get_value (self->memory_dynamic_max_spin) * MiB;
      spec->memory_static_min = MIN (self->template_static_min > 0 ? self->template_static_min
                                                                   : dynamic_min, dynamic_min);

      if (copying (self) && self->copy_sr != NULL)
        {
          spec->copy_sr = g_strdup (self->copy_sr);
          spec->copy_sr_uuid = g_strdup (lagoon_record_get_uuid (lookup (self, LAGOON_CLASS_SR,
                                                                         self->copy_sr)));
        }
      /* A template without a disk list and no new disks: nothing to provision. */
      spec->provision = self->disks->len > 0 ||
                        lagoon_record_map_lookup (rec, LAGOON_VM_OTHER_CONFIG, "disks") != NULL;
      for (guint d = 0; d < self->disks->len; d++)
        {
          LagoonNewVmDisk *disk = g_ptr_array_index (self->disks, d);
          LagoonNewVmDisk *copy = lagoon_new_vm_disk_new ();

          copy->userdevice = g_strdup (disk->userdevice);
          copy->size = disk->size;
          copy->sr = g_strdup (disk->sr);
          copy->sr_uuid = g_strdup (disk->sr_uuid);
          copy->sr_name = g_strdup (disk->sr_name);
          copy->bootable = disk->bootable;
          g_free (copy->type);
          copy->type = g_strdup (disk->type);
          g_ptr_array_add (spec->disks, copy);
        }
      for (guint v = 0; v < self->vifs->len; v++)
        {
          LagoonNewVmVif *vif = g_ptr_array_index (self->vifs, v);
          LagoonNewVmVif *copy = lagoon_new_vm_vif_new ();

          copy->device = g_strdup (vif->device);
          copy->network = g_strdup (vif->network);
          copy->network_uuid = g_strdup (vif->network_uuid);
          copy->network_name = g_strdup (vif->network_name);
          copy->mac = g_strdup (vif->mac);
          g_ptr_array_add (spec->vifs, copy);
        }

      /* Placement: the home server, or the servers in turn starting at it. */
      if (spread)
        host = g_ptr_array_index (hosts, (first_host + i) % hosts->len);
      else
        host = home;
      if (home != NULL && host != NULL)
        {
          spec->affinity = g_strdup (host);
          spec->affinity_uuid = g_strdup (lagoon_record_get_uuid (lookup (self, LAGOON_CLASS_HOST,
                                                                          host)));
        }
      spec->start = self->start_check != NULL && gtk_toggle_button_get_active (self->start_check);
      if (spec->start && host != NULL)
        {
          spec->start_on = g_strdup (host);
          spec->start_on_uuid = g_strdup (lagoon_record_get_uuid (lookup (self, LAGOON_CLASS_HOST,
                                                                          host)));
        }
      g_ptr_array_add (specs, g_steal_pointer (&spec));
    }
  return g_steal_pointer (&specs);
}

/* ---- summary and finish ------------------------------------------------------------------- */

static void
update_xe (LagoonNewVmWizard *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) specs = build_specs (self, &error);
  g_autoptr(GString) text = g_string_new (NULL);

  if (specs == NULL)
    g_string_append_printf (text, "# %s\n", error->message);
  for (guint i = 0; specs != NULL && i < specs->len; i++)
    {
      g_autofree char *xe = lagoon_new_vm_spec_to_xe (g_ptr_array_index (specs, i));

      if (i > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, xe);
    }
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->xe_view), text->str, -1);
}

static void
on_start_toggled (GtkToggleButton   *button,
                  LagoonNewVmWizard *self)
{
  update_xe (self);
}

static void
on_copy_clicked (GtkButton         *button,
                 LagoonNewVmWizard *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->xe_view);
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  gtk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (button), GDK_SELECTION_CLIPBOARD),
                          text, -1);
}

/* XenCenter's rule: the VMs cannot be started at once when the server they go to lacks the
 * memory for them (their dynamic minimum). */
static void
update_start_check (LagoonNewVmWizard *self)
{
  g_autoptr(GPtrArray) hosts = host_refs (self);
  g_autofree char *home = home_host (self);
  guint count = vm_count (self);
  gboolean spread = count > 1 && hosts->len > 1 &&
                    gtk_toggle_button_get_active (self->place_spread_radio);
  gint64 dynamic_min = (gint64) gtk_spin_button_get_value (self->memory_dynamic_min_spin) * MiB;
  g_autofree char *note = NULL;

  for (guint i = 0; i < hosts->len && note == NULL; i++)
    {
      const char *ref = g_ptr_array_index (hosts, i);
      const LagoonRecord *host = lookup (self, LAGOON_CLASS_HOST, ref);
      guint on_host = 0;
      gint64 free_memory;

      if (host == NULL)
        continue;
      if (spread)
        {
          for (guint v = 0; v < count; v++)
            {
              guint first = 0;

              for (guint h = 0; home != NULL && h < hosts->len; h++)
                if (g_str_equal (g_ptr_array_index (hosts, h), home))
                  first = h;
              if ((first + v) % hosts->len == i)
                on_host++;
            }
        }
      else if (g_strcmp0 (home, ref) == 0)
        on_host = count;
      free_memory = host_free_memory (self, host);
      if (on_host > 0 && free_memory >= 0 && dynamic_min * (gint64) on_host > free_memory)
        {
          g_autofree char *needed = format_size (dynamic_min * (gint64) on_host);
          g_autofree char *available = format_size (free_memory);

          note = g_strdup_printf (_("%s has %s free memory and the new VMs need %s there: "
                                    "create them now and start them later."),
                                  lagoon_record_get_name (host), available, needed);
        }
    }

  gtk_widget_set_sensitive (GTK_WIDGET (self->start_check), note == NULL);
  if (note != NULL)
    gtk_toggle_button_set_active (self->start_check, FALSE);
  gtk_label_set_text (self->start_note, note != NULL ? note : "");
  gtk_widget_set_visible (GTK_WIDGET (self->start_note), note != NULL);
}

static void
lagoon_new_vm_wizard_summarize (LagoonWizard *wizard)
{
  LagoonNewVmWizard *self = LAGOON_NEW_VM_WIZARD (wizard);
  const LagoonRecord *rec = template_record (self);
  guint count = vm_count (self);
  g_autofree char *home = home_host (self);
  g_autofree char *text = NULL;
  g_autofree char *memory = NULL;
  g_autofree char *topology = NULL;

  lagoon_wizard_add_summary_section (wizard, _("Template"));
  lagoon_wizard_add_summary_row (wizard, _("Template"), rec ? lagoon_record_get_name (rec) : "");

  lagoon_wizard_add_summary_section (wizard, _("Name"));
  if (count == 1)
    lagoon_wizard_add_summary_row (wizard, _("Name"), gtk_entry_get_text (self->name_entry));
  else
    {
      text = g_strdup_printf (_("%u VMs named by “%s”: %s"), count,
                              gtk_entry_get_text (self->pattern_entry),
                              gtk_label_get_text (self->pattern_preview));
      lagoon_wizard_add_summary_row (wizard, _("Names"), text);
      lagoon_wizard_add_summary_row (wizard, _("Placement"),
                                     gtk_toggle_button_get_active (self->place_spread_radio)
                                     ? _("Spread over the servers in turn")
                                     : _("All on the home server"));
    }
  lagoon_wizard_add_summary_row (wizard, _("Description"),
                                 gtk_entry_get_text (self->description_entry));

  lagoon_wizard_add_summary_section (wizard, _("Installation media"));
  if (gtk_toggle_button_get_active (self->install_cd_radio))
    {
      g_autofree char *iso = gtk_combo_box_text_get_active_text (self->iso_combo);

      lagoon_wizard_add_summary_row (wizard, _("ISO image"), iso);
    }
  else if (gtk_toggle_button_get_active (self->install_url_radio))
    lagoon_wizard_add_summary_row (wizard, _("URL"), gtk_entry_get_text (self->url_entry));
  else if (gtk_toggle_button_get_active (self->install_network_radio))
    lagoon_wizard_add_summary_row (wizard, _("Boot"), _("From the network"));
  else
    lagoon_wizard_add_summary_row (wizard, _("Media"), _("None"));

  lagoon_wizard_add_summary_section (wizard, _("Home server"));
  lagoon_wizard_add_summary_row (wizard, _("Home server"),
                                 home != NULL ? lagoon_record_get_name (lookup (self,
                                                                                LAGOON_CLASS_HOST,
                                                                                home))
                                              : _("None"));

  lagoon_wizard_add_summary_section (wizard, _("CPU and memory"));
  g_clear_pointer (&text, g_free);
  topology = gtk_combo_box_text_get_active_text (self->cores_combo);
  text = g_strdup_printf (_("%d (%d at startup), %s"),
                          gtk_spin_button_get_value_as_int (self->vcpus_max_spin),
                          gtk_spin_button_get_value_as_int (self->vcpus_startup_spin),
                          topology != NULL ? topology : "");
  lagoon_wizard_add_summary_row (wizard, _("vCPUs"), text);
  g_clear_pointer (&text, g_free);
  memory = format_size ((gint64) gtk_spin_button_get_value (self->memory_dynamic_max_spin) * MiB);
  text = g_strdup_printf (_("%s (dynamic %d–%d MiB, static maximum %d MiB)"), memory,
                          gtk_spin_button_get_value_as_int (self->memory_dynamic_min_spin),
                          gtk_spin_button_get_value_as_int (self->memory_dynamic_max_spin),
                          gtk_spin_button_get_value_as_int (self->memory_static_max_spin));
  lagoon_wizard_add_summary_row (wizard, _("Memory"), text);

  lagoon_wizard_add_summary_section (wizard, _("Storage"));
  for (guint i = 0; i < self->template_disks->len; i++)
    {
      LagoonNewVmDisk *disk = g_ptr_array_index (self->template_disks, i);
      const LagoonRecord *sr = lookup (self, LAGOON_CLASS_SR, template_disk_sr (self, disk));
      g_autofree char *sr_name = sr_display_name (self, sr);
      g_autofree char *size = format_size (disk->size);
      g_autofree char *key = g_strdup_printf (_("Disk %s"), disk->userdevice);
      g_autofree char *value = g_strdup_printf (copying (self) ? _("%s on %s (a full copy of the "
                                                                  "template's disk)")
                                                               : _("%s on %s (a fast clone of the "
                                                                   "template's disk)"),
                                                size, sr_name);

      lagoon_wizard_add_summary_row (wizard, key, value);
    }
  if (self->disks->len == 0 && self->template_disks->len == 0)
    lagoon_wizard_add_summary_row (wizard, _("Disks"), _("None"));
  for (guint i = 0; i < self->disks->len; i++)
    {
      LagoonNewVmDisk *disk = g_ptr_array_index (self->disks, i);
      g_autofree char *size = format_size (disk->size);
      g_autofree char *key = g_strdup_printf (_("Disk %s"), disk->userdevice);
      g_autofree char *value = g_strdup_printf (_("%s on %s"), size, disk->sr_name);

      lagoon_wizard_add_summary_row (wizard, key, value);
    }

  lagoon_wizard_add_summary_section (wizard, _("Networking"));
  if (self->vifs->len == 0)
    lagoon_wizard_add_summary_row (wizard, _("Interfaces"), _("None"));
  for (guint i = 0; i < self->vifs->len; i++)
    {
      LagoonNewVmVif *vif = g_ptr_array_index (self->vifs, i);
      g_autofree char *key = g_strdup_printf (_("Interface %s"), vif->device);
      g_autofree char *value = g_strdup_printf (_("%s, MAC %s"), vif->network_name,
                                                vif->mac != NULL && vif->mac[0] != '\0'
                                                ? vif->mac : _("generated"));

      lagoon_wizard_add_summary_row (wizard, key, value);
    }

  update_start_check (self);
  update_xe (self);
}

static gboolean
lagoon_new_vm_wizard_finish (LagoonWizard  *wizard,
                             GError       **error)
{
  LagoonNewVmWizard *self = LAGOON_NEW_VM_WIZARD (wizard);
  GApplication *application = g_application_get_default ();
  g_autoptr(GPtrArray) specs = NULL;

  if (lagoon_connection_get_state (self->connection) != LAGOON_CONNECTION_CONNECTED)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           _("The pool is not connected: reconnect, then press Finish again."));
      return FALSE;
    }
  specs = build_specs (self, error);
  if (specs == NULL)
    return FALSE;
  if (!LAGOON_IS_APPLICATION (application))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("Lagoon cannot run actions here."));
      return FALSE;
    }
  for (guint i = 0; i < specs->len; i++)
    {
      g_autoptr(LagoonAction) action = lagoon_new_vm_action_new (self->connection,
                                                                 g_ptr_array_index (specs, i));

      lagoon_application_run_action (LAGOON_APPLICATION (application), action);
    }
  return TRUE;
}

static void
lagoon_new_vm_wizard_prepare (LagoonWizard *wizard,
                              GtkWidget    *page)
{
  LagoonNewVmWizard *self = LAGOON_NEW_VM_WIZARD (wizard);

  if (page == self->install_page)
    fill_isos (self);
  else if (page == self->home_page)
    fill_hosts (self);
  else if (page == self->storage_page)
    update_disk_editor (self);
  else if (page == self->network_page)
    update_vif_editor (self);
  validate_all (self);
}

/* The pool changed: free memory, SR space, templates, ISOs. */
static void
on_batch (LagoonCache      *cache,
          LagoonCacheBatch *batch,
          gpointer          user_data)
{
  LagoonNewVmWizard *self = user_data;

  if (lagoon_cache_batch_has_class (batch, LAGOON_CLASS_VM) &&
      lagoon_wizard_get_current_page (LAGOON_WIZARD (self)) == self->template_page)
    fill_templates (self);
  if (lagoon_cache_batch_has_class (batch, LAGOON_CLASS_HOST_METRICS) ||
      lagoon_cache_batch_has_class (batch, LAGOON_CLASS_HOST))
    fill_hosts (self);
  if (lagoon_cache_batch_has_class (batch, LAGOON_CLASS_VDI) ||
      lagoon_cache_batch_has_class (batch, LAGOON_CLASS_SR))
    {
      fill_isos (self);
      if (lagoon_wizard_get_current_page (LAGOON_WIZARD (self)) == self->storage_page)
        update_disk_editor (self);
    }
  validate_all (self);
}

/* ---- object ------------------------------------------------------------------------------- */

static void
lagoon_new_vm_wizard_dispose (GObject *object)
{
  LagoonNewVmWizard *self = LAGOON_NEW_VM_WIZARD (object);

  if (self->cache != NULL)
    g_clear_signal_handler (&self->batch_id, self->cache);
  g_clear_object (&self->cache);
  g_clear_object (&self->connection);
  g_clear_object (&self->server);

  G_OBJECT_CLASS (lagoon_new_vm_wizard_parent_class)->dispose (object);
}

static void
lagoon_new_vm_wizard_finalize (GObject *object)
{
  LagoonNewVmWizard *self = LAGOON_NEW_VM_WIZARD (object);

  g_free (self->template_ref);
  g_free (self->initial_host);
  g_free (self->generated_name);
  g_free (self->generated_pattern);
  g_clear_pointer (&self->disks, g_ptr_array_unref);
  g_clear_pointer (&self->template_disks, g_ptr_array_unref);
  g_free (self->copy_sr);
  g_clear_pointer (&self->vifs, g_ptr_array_unref);

  G_OBJECT_CLASS (lagoon_new_vm_wizard_parent_class)->finalize (object);
}

static void
lagoon_new_vm_wizard_class_init (LagoonNewVmWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  LagoonWizardClass *wizard_class = LAGOON_WIZARD_CLASS (klass);

  object_class->dispose = lagoon_new_vm_wizard_dispose;
  object_class->finalize = lagoon_new_vm_wizard_finalize;
  wizard_class->prepare = lagoon_new_vm_wizard_prepare;
  wizard_class->summarize = lagoon_new_vm_wizard_summarize;
  wizard_class->finish = lagoon_new_vm_wizard_finish;

  lagoon_ui_register_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/lagoon/Lagoon/lagoon-new-vm-wizard.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, LagoonNewVmWizard, name)
  BIND (template_store);
  BIND (host_store);
  BIND (disk_store);
  BIND (vif_store);
  BIND (template_page);
  BIND (template_search);
  BIND (template_view);
  BIND (template_details);
  BIND (name_page);
  BIND (name_entry);
  BIND (description_entry);
  BIND (name_hint);
  BIND (count_page);
  BIND (count_spin);
  BIND (pattern_entry);
  BIND (pattern_preview);
  BIND (place_one_radio);
  BIND (place_spread_radio);
  BIND (install_page);
  BIND (install_cd_radio);
  BIND (iso_combo);
  BIND (install_url_radio);
  BIND (url_entry);
  BIND (install_network_radio);
  BIND (install_none_radio);
  BIND (pv_args_grid);
  BIND (pv_args_entry);
  BIND (home_page);
  BIND (home_none_radio);
  BIND (home_host_radio);
  BIND (host_view);
  BIND (home_hint);
  BIND (cpu_page);
  BIND (vcpus_max_spin);
  BIND (vcpus_startup_spin);
  BIND (cores_combo);
  BIND (memory_static_max_spin);
  BIND (memory_dynamic_min_spin);
  BIND (memory_dynamic_max_spin);
  BIND (cpu_warning);
  BIND (storage_page);
  BIND (disk_view);
  BIND (disk_remove_button);
  BIND (disk_edit_grid);
  BIND (disk_size_spin);
  BIND (disk_sr_combo);
  BIND (storage_status);
  BIND (fast_clone_check);
  BIND (network_page);
  BIND (vif_view);
  BIND (vif_add_button);
  BIND (vif_remove_button);
  BIND (vif_edit_grid);
  BIND (vif_network_combo);
  BIND (vif_mac_entry);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_template_selection_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_template_row_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_template_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_input_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_input_changed_selection);
  gtk_widget_class_bind_template_callback (widget_class, on_vcpus_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_disk_selection_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_disk_edit_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_disk_add_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_fast_clone_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_disk_remove_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_vif_selection_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_vif_edit_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_vif_add_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_vif_remove_clicked);
}

static void
lagoon_new_vm_wizard_init (LagoonNewVmWizard *self)
{
  LagoonWizard *wizard = LAGOON_WIZARD (self);
  GtkBox *extra;
  GtkWidget *scrolled;
  GtkWidget *row;
  GtkWidget *label;
  GtkWidget *copy;

  self->disks = g_ptr_array_new_with_free_func ((GDestroyNotify) lagoon_new_vm_disk_free);
  self->template_disks = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                         lagoon_new_vm_disk_free);
  self->vifs = g_ptr_array_new_with_free_func ((GDestroyNotify) lagoon_new_vm_vif_free);
  self->filling++;
  gtk_widget_init_template (GTK_WIDGET (self));

  lagoon_wizard_set_page_title (wizard, self->template_page, _("Template"),
                                _("Select a VM template"));
  lagoon_wizard_set_page_title (wizard, self->name_page, _("Name"), _("Name the new VM"));
  lagoon_wizard_set_page_title (wizard, self->count_page, _("Number of VMs"),
                                _("How many VMs, and what they are called"));
  lagoon_wizard_set_page_title (wizard, self->install_page, _("Installation media"),
                                _("Locate the operating system installation media"));
  lagoon_wizard_set_page_title (wizard, self->home_page, _("Home server"),
                                _("Select a home server"));
  lagoon_wizard_set_page_title (wizard, self->cpu_page, _("CPU and memory"),
                                _("Allocate processor and memory resources"));
  lagoon_wizard_set_page_title (wizard, self->storage_page, _("Storage"),
                                _("Configure storage for the new VM"));
  lagoon_wizard_set_page_title (wizard, self->network_page, _("Networking"),
                                _("Configure networking on the new VM"));
  lagoon_wizard_set_summary_title (wizard, _("Finish"),
                                   _("All the necessary information has been collected"));

  /* The Finish page: start automatically, and the same as xe commands. */
  extra = lagoon_wizard_get_summary_extra (wizard);
  self->start_check = GTK_TOGGLE_BUTTON (
    gtk_check_button_new_with_mnemonic (_("_Start the new VM automatically")));
  gtk_toggle_button_set_active (self->start_check, TRUE);
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->start_check)),
                       _("Start the new VM automatically"));
  g_signal_connect (self->start_check, "toggled", G_CALLBACK (on_start_toggled), self);
  gtk_box_pack_start (extra, GTK_WIDGET (self->start_check), FALSE, FALSE, 0);
  self->start_note = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->start_note, 0);
  gtk_label_set_line_wrap (self->start_note, TRUE);
  gtk_widget_set_margin_start (GTK_WIDGET (self->start_note), 24);
  gtk_style_context_add_class (gtk_widget_get_style_context (GTK_WIDGET (self->start_note)),
                               "dim-label");
  gtk_box_pack_start (extra, GTK_WIDGET (self->start_note), FALSE, FALSE, 0);

  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  label = gtk_label_new_with_mnemonic (_("The same with _xe commands:"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  copy = gtk_button_new_with_mnemonic (_("C_opy"));
  gtk_widget_set_tooltip_text (copy, _("Copy the xe commands to the clipboard"));
  g_signal_connect (copy, "clicked", G_CALLBACK (on_copy_clicked), self);
  gtk_box_pack_start (GTK_BOX (row), label, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (row), copy, FALSE, FALSE, 0);
  gtk_box_pack_start (extra, row, FALSE, FALSE, 0);

  self->xe_view = GTK_TEXT_VIEW (gtk_text_view_new ());
  gtk_text_view_set_editable (self->xe_view, FALSE);
  gtk_text_view_set_monospace (self->xe_view, TRUE);
  gtk_text_view_set_wrap_mode (self->xe_view, GTK_WRAP_WORD_CHAR);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (self->xe_view));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->xe_view)),
                       _("Equivalent xe commands"));
  scrolled = gtk_scrolled_window_new (NULL, NULL);
  gtk_scrolled_window_set_shadow_type (GTK_SCROLLED_WINDOW (scrolled), GTK_SHADOW_IN);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), 110);
  gtk_container_add (GTK_CONTAINER (scrolled), GTK_WIDGET (self->xe_view));
  gtk_box_pack_start (extra, scrolled, FALSE, FALSE, 0);
  gtk_widget_show_all (GTK_WIDGET (extra));
  gtk_widget_hide (GTK_WIDGET (self->start_note));

  self->filling--;
}

GtkWidget *
lagoon_new_vm_wizard_new (GtkWindow    *parent,
                          LagoonServer *server,
                          const char   *template_ref,
                          const char   *host_ref)
{
  LagoonNewVmWizard *self;
  g_autofree char *title = NULL;
  const LagoonRecord *pool = NULL;
  g_autoptr(GPtrArray) pools = NULL;

  g_return_val_if_fail (LAGOON_IS_SERVER (server), NULL);

  self = g_object_new (LAGOON_TYPE_NEW_VM_WIZARD, "transient-for", parent, NULL);
  self->server = g_object_ref (server);
  self->connection = g_object_ref (lagoon_server_get_connection (server));
  self->cache = g_object_ref (lagoon_connection_get_cache (self->connection));
  self->initial_host = g_strdup (host_ref);

  pools = lagoon_cache_list (self->cache, LAGOON_CLASS_POOL);
  if (pools->len > 0)
    pool = g_ptr_array_index (pools, 0);
  title = g_strdup_printf (_("New VM – %s"), pool != NULL && lagoon_record_get_name (pool)[0]
                                            ? lagoon_record_get_name (pool)
                                            : lagoon_server_get_address (server));
  gtk_window_set_title (GTK_WINDOW (self), title);

  self->filling++;
  if (template_ref != NULL && lookup (self, LAGOON_CLASS_VM, template_ref) != NULL)
    self->template_ref = g_strdup (template_ref);
  fill_templates (self);
  fill_isos (self);
  fill_hosts (self);
  if (host_ref != NULL)
    gtk_toggle_button_set_active (self->home_host_radio, TRUE);
  self->filling--;
  if (self->template_ref != NULL)
    apply_template (self);

  self->batch_id = g_signal_connect (self->cache, "batch-applied", G_CALLBACK (on_batch), self);
  validate_all (self);
  return GTK_WIDGET (self);
}

/* ---- the window's command ----------------------------------------------------------------- */

typedef struct
{
  LagoonServer *server;
  int           class_id;
  char         *ref;
} CommandTarget;

static void
command_target_free (gpointer data)
{
  CommandTarget *target = data;

  g_clear_object (&target->server);
  g_free (target->ref);
  g_free (target);
}

static void
new_vm_activate (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  CommandTarget *target = g_object_get_data (G_OBJECT (action), "lagoon-target");
  const char *template_ref = NULL;
  const char *host_ref = NULL;
  GtkWidget *wizard;

  if (target == NULL || target->server == NULL ||
      lagoon_connection_get_state (lagoon_server_get_connection (target->server)) !=
      LAGOON_CONNECTION_CONNECTED)
    return;

  if (target->class_id == LAGOON_CLASS_HOST)
    host_ref = target->ref;
  else if (target->class_id == LAGOON_CLASS_VM && target->ref != NULL)
    {
      LagoonConnection *connection = lagoon_server_get_connection (target->server);
      LagoonCache *cache = lagoon_connection_get_cache (connection);
      const LagoonRecord *vm = lagoon_cache_lookup (cache, LAGOON_CLASS_VM, target->ref);

      if (vm != NULL && lagoon_record_get_bool (vm, LAGOON_VM_IS_A_TEMPLATE) &&
          !lagoon_record_get_bool (vm, LAGOON_VM_IS_A_SNAPSHOT))
        template_ref = target->ref;
    }

  wizard = lagoon_new_vm_wizard_new (GTK_IS_WINDOW (user_data) ? GTK_WINDOW (user_data) : NULL,
                                     target->server, template_ref, host_ref);
  gtk_window_present (GTK_WINDOW (wizard));
}

void
lagoon_new_vm_command_add (GActionMap *map)
{
  g_autoptr(GSimpleAction) action = g_simple_action_new ("new-vm", NULL);

  g_return_if_fail (G_IS_ACTION_MAP (map));

  g_object_set_data_full (G_OBJECT (action), "lagoon-target", g_new0 (CommandTarget, 1),
                          command_target_free);
  g_signal_connect_object (action, "activate", G_CALLBACK (new_vm_activate), map, 0);
  g_simple_action_set_enabled (action, FALSE);
  g_action_map_add_action (map, G_ACTION (action));
}

void
lagoon_new_vm_command_update (GActionMap   *map,
                              LagoonServer *server,
                              int           class_id,
                              const char   *ref)
{
  GAction *action;
  CommandTarget *target;

  g_return_if_fail (G_IS_ACTION_MAP (map));

  action = g_action_map_lookup_action (map, "new-vm");
  target = action != NULL ? g_object_get_data (G_OBJECT (action), "lagoon-target") : NULL;
  if (target == NULL)
    return;
  g_set_object (&target->server, server);
  target->class_id = ref != NULL ? class_id : -1;
  g_free (target->ref);
  target->ref = g_strdup (ref);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action),
                               server != NULL &&
                               lagoon_connection_get_state (
                                 lagoon_server_get_connection (server)) ==
                               LAGOON_CONNECTION_CONNECTED);
}
