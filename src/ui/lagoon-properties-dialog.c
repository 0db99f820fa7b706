/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-properties"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lagoon-action.h"
#include "lagoon-application.h"
#include "lagoon-page-util.h"
#include "lagoon-properties-dialog.h"

#define MIB (G_GINT64_CONSTANT (1024) * 1024)
#define MAX_VCPUS 64

/* VCPUs-params weights for the priority choices (Xen's credit scheduler default is 256). */
static const struct {
  const char *label;
  int         weight;
} priorities[] = {
  { N_("Lowest"), 64 },
  { N_("Low"), 128 },
  { N_("Normal"), 256 },
  { N_("High"), 512 },
  { N_("Highest"), 1024 },
};

/* HVM boot devices, as the "order" key of HVM_boot_params spells them. */
static const struct {
  char        code;
  const char *label;
} boot_devices[] = {
  { 'c', N_("Hard disk") },
  { 'd', N_("DVD drive") },
  { 'n', N_("Network") },
};

typedef struct
{
  LagoonServer *server;
  int           class_id;
  char         *ref;
  gboolean      halted;

  GtkWidget    *dialog;
  GtkWidget    *ok_button;
  GtkWidget    *problem;

  /* General */
  GtkWidget    *name;
  GtkWidget    *description;
  GtkWidget    *tags;
  GtkWidget    *folder;
  /* CPU */
  GtkWidget    *vcpus;
  GtkWidget    *cores;
  GtkWidget    *priority;
  GtkWidget    *cap;
  /* Memory */
  GtkWidget    *static_max;
  GtkWidget    *dynamic_min;
  GtkWidget    *dynamic_max;
  /* Boot */
  GtkWidget    *boot_list;      /* HVM: rows with a check box, in boot order */
  GtkWidget    *bootloader;     /* PV */
  GtkWidget    *kernel;
  GtkWidget    *args;
  /* Home server */
  GtkWidget    *affinity;
  /* Start options */
  GtkWidget    *auto_power_on;
  GtkWidget    *order;
  GtkWidget    *start_delay;
  GtkWidget    *shutdown_delay;
  /* PCI */
  GPtrArray    *pci_checks;     /* GtkWidget * with "lagoon-pci-id" */
} Dialog;

static void
dialog_free (Dialog *d)
{
  g_clear_object (&d->server);
  g_free (d->ref);
  g_clear_pointer (&d->pci_checks, g_ptr_array_unref);
  g_free (d);
}

static LagoonCache *
dialog_cache (Dialog *d)
{
  return lagoon_connection_get_cache (lagoon_server_get_connection (d->server));
}

static const LagoonRecord *
dialog_record (Dialog *d)
{
  return lagoon_cache_lookup (dialog_cache (d), (LagoonClassId) d->class_id, d->ref);
}

gboolean
lagoon_properties_dialog_handles (int class_id)
{
  return class_id == LAGOON_CLASS_VM || class_id == LAGOON_CLASS_HOST ||
         class_id == LAGOON_CLASS_POOL;
}

/* ---- small builders ---------------------------------------------------------------------- */

static GtkGrid *
new_page (GtkStack   *stack,
          const char *name,
          const char *title)
{
  GtkWidget *grid = gtk_grid_new ();

  gtk_grid_set_row_spacing (GTK_GRID (grid), 8);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_container_set_border_width (GTK_CONTAINER (grid), 18);
  gtk_stack_add_titled (stack, grid, name, title);
  return GTK_GRID (grid);
}

static GtkWidget *
attach (GtkGrid    *grid,
        int         row,
        const char *mnemonic,
        const char *accessible_name,
        GtkWidget  *widget)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (mnemonic);

  gtk_label_set_xalign (GTK_LABEL (label), 1.0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), widget);
  atk_object_set_name (gtk_widget_get_accessible (widget), accessible_name);
  gtk_widget_set_hexpand (widget, TRUE);
  gtk_grid_attach (grid, label, 0, row, 1, 1);
  gtk_grid_attach (grid, widget, 1, row, 1, 1);
  return widget;
}

static GtkWidget *
note (GtkGrid    *grid,
      int         row,
      const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_line_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 50);
  gtk_style_context_add_class (gtk_widget_get_style_context (label), "dim-label");
  gtk_grid_attach (grid, label, 0, row, 2, 1);
  return label;
}

static GtkWidget *
spin (double min,
      double max,
      double value)
{
  GtkWidget *button = gtk_spin_button_new_with_range (min, max, 1);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (button), value);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (button), TRUE);
  return button;
}

static gint64
spin_int (GtkWidget *button)
{
  return button != NULL ? (gint64) gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (button)) : 0;
}

static gint64
map_int (const LagoonRecord *rec,
         guint               field,
         const char         *key,
         gint64              fallback)
{
  const char *value = lagoon_record_map_lookup (rec, field, key);

  return value != NULL && *value != '\0' ? g_ascii_strtoll (value, NULL, 10) : fallback;
}

static char *
tags_text (const LagoonRecord *rec,
           guint               field)
{
  const char * const *tags = lagoon_record_get_set (rec, field, NULL);

  return g_strjoinv (", ", (char **) tags);
}

/* The tags typed, trimmed, without empties or repeats. */
static GPtrArray *
parse_tags (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  GPtrArray *tags = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *tag = g_strstrip (parts[i]);
      gboolean seen = FALSE;

      for (guint j = 0; j < tags->len && !seen; j++)
        seen = g_str_equal (tags->pdata[j], tag);
      if (*tag != '\0' && !seen)
        g_ptr_array_add (tags, g_strdup (tag));
    }
  return tags;
}

/* ---- validation -------------------------------------------------------------------------- */

static const char *
problem_of (Dialog *d)
{
  const char *name = gtk_entry_get_text (GTK_ENTRY (d->name));

  if (*name == '\0' || strspn (name, " \t") == strlen (name))
    return _("Give it a name.");
  if (d->folder != NULL)
    {
      const char *folder = gtk_entry_get_text (GTK_ENTRY (d->folder));

      if (*folder != '\0' && folder[0] != '/')
        return _("A folder is a path that starts with “/”, like /web/production.");
    }
  if (d->vcpus != NULL && gtk_widget_get_sensitive (d->vcpus) &&
      spin_int (d->vcpus) % spin_int (d->cores) != 0)
    return _("The number of vCPUs must be a multiple of the cores per socket.");
  if (d->dynamic_min != NULL)
    {
      gint64 smax = spin_int (d->static_max);
      gint64 dmin = spin_int (d->dynamic_min);
      gint64 dmax = spin_int (d->dynamic_max);
      const LagoonRecord *rec = dialog_record (d);
      gint64 smin = rec != NULL ? lagoon_record_get_int (rec, LAGOON_VM_MEMORY_STATIC_MIN) / MIB : 0;

      if (dmin > dmax)
        return _("The minimum memory cannot be more than the maximum.");
      if (dmax > smax)
        return _("The maximum memory cannot be more than the static maximum.");
      if (dmin < smin)
        /* Translators: %lld is a number of MiB */
        return _("The minimum memory is below what the VM's template allows.");
    }
  if (d->boot_list != NULL)
    {
      gboolean any = FALSE;
      g_autoptr(GList) rows = gtk_container_get_children (GTK_CONTAINER (d->boot_list));

      for (GList *l = rows; l != NULL; l = l->next)
        {
          GtkWidget *check = g_object_get_data (l->data, "lagoon-check");
          any |= gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (check));
        }
      if (!any)
        return _("Choose at least one boot device.");
    }
  if (d->affinity != NULL && gtk_widget_get_sensitive (d->affinity) &&
      gtk_combo_box_get_active_id (GTK_COMBO_BOX (d->affinity)) == NULL)
    return _("Choose the home server, or “No home server”.");
  return NULL;
}

static void
validate (Dialog *d)
{
  const char *problem = problem_of (d);

  gtk_label_set_text (GTK_LABEL (d->problem), problem != NULL ? problem : "");
  gtk_widget_set_visible (d->problem, problem != NULL);
  gtk_widget_set_sensitive (d->ok_button, problem == NULL);
}

static void
on_changed (GtkWidget *widget,
            Dialog    *d)
{
  validate (d);
}

static void
watch (Dialog    *d,
       GtkWidget *widget)
{
  if (widget == NULL)
    return;
  if (GTK_IS_SPIN_BUTTON (widget))
    g_signal_connect (widget, "value-changed", G_CALLBACK (on_changed), d);
  else if (GTK_IS_ENTRY (widget))
    g_signal_connect (widget, "changed", G_CALLBACK (on_changed), d);
  else if (GTK_IS_TOGGLE_BUTTON (widget))
    g_signal_connect (widget, "toggled", G_CALLBACK (on_changed), d);
  else if (GTK_IS_COMBO_BOX (widget))
    g_signal_connect (widget, "changed", G_CALLBACK (on_changed), d);
}

/* ---- pages ------------------------------------------------------------------------------- */

static void
build_general (Dialog             *d,
               GtkStack           *stack,
               const LagoonRecord *rec)
{
  GtkGrid *grid = new_page (stack, "general", _("General"));
  guint name_field, description_field, tags_field;
  g_autofree char *tags = NULL;

  switch (d->class_id)
    {
    case LAGOON_CLASS_VM:
      name_field = LAGOON_VM_NAME_LABEL;
      description_field = LAGOON_VM_NAME_DESCRIPTION;
      tags_field = LAGOON_VM_TAGS;
      break;
    case LAGOON_CLASS_HOST:
      name_field = LAGOON_HOST_NAME_LABEL;
      description_field = LAGOON_HOST_NAME_DESCRIPTION;
      tags_field = LAGOON_HOST_TAGS;
      break;
    default:
      name_field = LAGOON_POOL_NAME_LABEL;
      description_field = LAGOON_POOL_NAME_DESCRIPTION;
      tags_field = LAGOON_POOL_TAGS;
      break;
    }

  d->name = attach (grid, 0, _("_Name:"), _("Name"), gtk_entry_new ());
  gtk_entry_set_text (GTK_ENTRY (d->name), lagoon_record_get_string (rec, name_field));
  gtk_entry_set_activates_default (GTK_ENTRY (d->name), TRUE);
  d->description = attach (grid, 1, _("_Description:"), _("Description"), gtk_entry_new ());
  gtk_entry_set_text (GTK_ENTRY (d->description),
                      lagoon_record_get_string (rec, description_field));
  d->tags = attach (grid, 2, _("_Tags:"), _("Tags"), gtk_entry_new ());
  tags = tags_text (rec, tags_field);
  gtk_entry_set_text (GTK_ENTRY (d->tags), tags);
  gtk_entry_set_placeholder_text (GTK_ENTRY (d->tags), _("Separate tags with commas"));
  if (d->class_id == LAGOON_CLASS_VM)
    {
      const char *folder = lagoon_record_map_lookup (rec, LAGOON_VM_OTHER_CONFIG, "folder");

      d->folder = attach (grid, 3, _("_Folder:"), _("Folder"), gtk_entry_new ());
      gtk_entry_set_text (GTK_ENTRY (d->folder), folder != NULL ? folder : "");
      gtk_entry_set_placeholder_text (GTK_ENTRY (d->folder), _("None, or a path like /web"));
    }
  watch (d, d->name);
  watch (d, d->folder);
}

static void
build_cpu (Dialog             *d,
           GtkStack           *stack,
           const LagoonRecord *rec)
{
  GtkGrid *grid = new_page (stack, "cpu", _("CPU"));
  gint64 vcpus = lagoon_record_get_int (rec, LAGOON_VM_VCPUS_AT_STARTUP);
  gint64 cores = map_int (rec, LAGOON_VM_PLATFORM, "cores-per-socket", 1);
  gint64 weight = map_int (rec, LAGOON_VM_VCPUS_PARAMS, "weight", 256);
  gint64 cap = map_int (rec, LAGOON_VM_VCPUS_PARAMS, "cap", 0);
  guint best = 0;

  d->vcpus = attach (grid, 0, _("Number of _vCPUs:"), _("Number of vCPUs"),
                     spin (1, MAX_VCPUS, MAX (vcpus, 1)));
  d->cores = attach (grid, 1, _("C_ores per socket:"), _("Cores per socket"),
                     spin (1, MAX_VCPUS, MAX (cores, 1)));
  d->priority = attach (grid, 2, _("_Priority:"), _("Priority"), gtk_combo_box_text_new ());
  for (guint i = 0; i < G_N_ELEMENTS (priorities); i++)
    {
      gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (d->priority), _(priorities[i].label));
      if (ABS (priorities[i].weight - weight) < ABS (priorities[best].weight - weight))
        best = i;
    }
  gtk_combo_box_set_active (GTK_COMBO_BOX (d->priority), (int) best);
  d->cap = attach (grid, 3, _("C_ap (% of one CPU, 0 for none):"), _("Cap"),
                   spin (0, 100 * MAX_VCPUS, (double) cap));
  if (!d->halted)
    {
      gtk_widget_set_sensitive (d->vcpus, FALSE);
      gtk_widget_set_sensitive (d->cores, FALSE);
      note (grid, 4, _("Shut the VM down to change its number of vCPUs or their topology. "
                       "Priority and cap apply from its next start."));
    }
  watch (d, d->vcpus);
  watch (d, d->cores);
}

static void
build_memory (Dialog             *d,
              GtkStack           *stack,
              const LagoonRecord *rec)
{
  GtkGrid *grid = new_page (stack, "memory", _("Memory"));
  gint64 smin = lagoon_record_get_int (rec, LAGOON_VM_MEMORY_STATIC_MIN) / MIB;

  d->static_max = attach (grid, 0, _("_Static maximum (MiB):"), _("Static maximum"),
                          spin (MAX (smin, 16), 1024 * 1024,
                                lagoon_record_get_int (rec, LAGOON_VM_MEMORY_STATIC_MAX) / MIB));
  d->dynamic_min = attach (grid, 1, _("Dynamic m_inimum (MiB):"), _("Dynamic minimum"),
                           spin (16, 1024 * 1024,
                                 lagoon_record_get_int (rec, LAGOON_VM_MEMORY_DYNAMIC_MIN) / MIB));
  d->dynamic_max = attach (grid, 2, _("Dynamic ma_ximum (MiB):"), _("Dynamic maximum"),
                           spin (16, 1024 * 1024,
                                 lagoon_record_get_int (rec, LAGOON_VM_MEMORY_DYNAMIC_MAX) / MIB));
  if (!d->halted)
    {
      gtk_widget_set_sensitive (d->static_max, FALSE);
      note (grid, 3, _("While the VM runs, only its dynamic range can change. Shut it down to "
                       "change the static maximum."));
    }
  watch (d, d->static_max);
  watch (d, d->dynamic_min);
  watch (d, d->dynamic_max);
}

static void
move_row (GtkButton *button,
          Dialog    *d)
{
  GtkWidget *row = g_object_get_data (G_OBJECT (button), "lagoon-row");
  int delta = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "lagoon-delta"));
  int index = gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row));
  int n = (int) g_list_length (gtk_container_get_children (GTK_CONTAINER (d->boot_list)));

  if (index + delta < 0 || index + delta >= n)
    return;
  g_object_ref (row);
  gtk_container_remove (GTK_CONTAINER (d->boot_list), row);
  gtk_list_box_insert (GTK_LIST_BOX (d->boot_list), row, index + delta);
  g_object_unref (row);
  validate (d);
}

static GtkWidget *
boot_row (Dialog     *d,
          char        code,
          const char *label,
          gboolean    active)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *check = gtk_check_button_new_with_label (label);
  GtkWidget *up = gtk_button_new_from_icon_name ("go-up-symbolic", GTK_ICON_SIZE_BUTTON);
  GtkWidget *down = gtk_button_new_from_icon_name ("go-down-symbolic", GTK_ICON_SIZE_BUTTON);
  g_autofree char *up_name = g_strdup_printf (_("Move %s up"), label);
  g_autofree char *down_name = g_strdup_printf (_("Move %s down"), label);

  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (check), active);
  gtk_widget_set_hexpand (check, TRUE);
  atk_object_set_name (gtk_widget_get_accessible (up), up_name);
  atk_object_set_name (gtk_widget_get_accessible (down), down_name);
  gtk_widget_set_tooltip_text (up, up_name);
  gtk_widget_set_tooltip_text (down, down_name);
  g_object_set_data (G_OBJECT (up), "lagoon-row", row);
  g_object_set_data (G_OBJECT (down), "lagoon-row", row);
  g_object_set_data (G_OBJECT (up), "lagoon-delta", GINT_TO_POINTER (-1));
  g_object_set_data (G_OBJECT (down), "lagoon-delta", GINT_TO_POINTER (1));
  g_signal_connect (up, "clicked", G_CALLBACK (move_row), d);
  g_signal_connect (down, "clicked", G_CALLBACK (move_row), d);
  g_signal_connect (check, "toggled", G_CALLBACK (on_changed), d);
  gtk_container_add (GTK_CONTAINER (box), check);
  gtk_container_add (GTK_CONTAINER (box), up);
  gtk_container_add (GTK_CONTAINER (box), down);
  gtk_container_add (GTK_CONTAINER (row), box);
  g_object_set_data (G_OBJECT (row), "lagoon-check", check);
  g_object_set_data (G_OBJECT (row), "lagoon-code", GINT_TO_POINTER ((int) code));
  return row;
}

static void
build_boot (Dialog             *d,
            GtkStack           *stack,
            const LagoonRecord *rec)
{
  GtkGrid *grid = new_page (stack, "boot", _("Boot Options"));
  const char *policy = lagoon_record_get_string (rec, LAGOON_VM_HVM_BOOT_POLICY);

  if (policy != NULL && *policy != '\0')
    {
      const char *order = lagoon_record_map_lookup (rec, LAGOON_VM_HVM_BOOT_PARAMS, "order");
      GtkWidget *label = gtk_label_new (_("Boot order (checked devices, top first):"));

      gtk_label_set_xalign (GTK_LABEL (label), 0.0);
      gtk_grid_attach (grid, label, 0, 0, 2, 1);
      d->boot_list = gtk_list_box_new ();
      gtk_list_box_set_selection_mode (GTK_LIST_BOX (d->boot_list), GTK_SELECTION_NONE);
      atk_object_set_name (gtk_widget_get_accessible (d->boot_list), _("Boot order"));
      gtk_grid_attach (grid, d->boot_list, 0, 1, 2, 1);
      if (order == NULL)
        order = "";
      /* The devices in the VM's order first, then the others unchecked. */
      for (const char *c = order; *c != '\0'; c++)
        for (guint i = 0; i < G_N_ELEMENTS (boot_devices); i++)
          if (boot_devices[i].code == *c)
            gtk_container_add (GTK_CONTAINER (d->boot_list),
                               boot_row (d, *c, _(boot_devices[i].label), TRUE));
      for (guint i = 0; i < G_N_ELEMENTS (boot_devices); i++)
        if (strchr (order, boot_devices[i].code) == NULL)
          gtk_container_add (GTK_CONTAINER (d->boot_list),
                             boot_row (d, boot_devices[i].code, _(boot_devices[i].label), FALSE));
    }
  else
    {
      const char *bootloader = lagoon_record_get_string (rec, LAGOON_VM_PV_BOOTLOADER);

      d->bootloader = attach (grid, 0, _("_Boot loader:"), _("Boot loader"),
                              gtk_combo_box_text_new_with_entry ());
      gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (d->bootloader), "pygrub");
      gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (d->bootloader), "eliloader");
      gtk_entry_set_text (GTK_ENTRY (gtk_bin_get_child (GTK_BIN (d->bootloader))),
                          bootloader != NULL ? bootloader : "");
      d->kernel = attach (grid, 1, _("_Kernel:"), _("Kernel"), gtk_entry_new ());
      gtk_entry_set_text (GTK_ENTRY (d->kernel), lagoon_record_get_string (rec, LAGOON_VM_PV_KERNEL));
      d->args = attach (grid, 2, _("Boot _arguments:"), _("Boot arguments"), gtk_entry_new ());
      gtk_entry_set_text (GTK_ENTRY (d->args), lagoon_record_get_string (rec, LAGOON_VM_PV_ARGS));
      note (grid, 3, _("A paravirtualized VM boots the kernel its boot loader finds, or the "
                       "kernel given here, with these arguments."));
    }
}


static void
build_home_server (Dialog             *d,
                   GtkStack           *stack,
                   const LagoonRecord *rec)
{
  GtkGrid *grid = new_page (stack, "home", _("Home Server"));
  g_autoptr(GPtrArray) hosts = lagoon_cache_list (dialog_cache (d), LAGOON_CLASS_HOST);
  const char *affinity = lagoon_record_get_ref (rec, LAGOON_VM_AFFINITY);

  d->affinity = attach (grid, 0, _("_Home server:"), _("Home server"), gtk_combo_box_text_new ());
  gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (d->affinity), "OpaqueRef:NULL",
                             _("No home server"));
  g_ptr_array_sort (hosts, lagoon_page_compare_names);
  for (guint i = 0; i < hosts->len; i++)
    gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (d->affinity),
                               lagoon_record_get_opaque_ref (hosts->pdata[i]),
                               lagoon_record_get_name (hosts->pdata[i]));
  if (!gtk_combo_box_set_active_id (GTK_COMBO_BOX (d->affinity),
                                    affinity != NULL ? affinity : "OpaqueRef:NULL"))
    gtk_combo_box_set_active (GTK_COMBO_BOX (d->affinity), 0);
  note (grid, 1, _("The VM starts on its home server when it can; with none, or when the home "
                   "server cannot take it, on any server of the pool with room."));
  watch (d, d->affinity);
}

static void
build_start_options (Dialog             *d,
                     GtkStack           *stack,
                     const LagoonRecord *rec)
{
  GtkGrid *grid = new_page (stack, "start", _("Start Options"));
  const char *auto_on = lagoon_record_map_lookup (rec, LAGOON_VM_OTHER_CONFIG, "auto_poweron");

  d->auto_power_on = gtk_check_button_new_with_mnemonic (_("Start the VM _automatically when "
                                                           "its server starts"));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (d->auto_power_on),
                                g_strcmp0 (auto_on, "true") == 0);
  gtk_grid_attach (grid, d->auto_power_on, 0, 0, 2, 1);
  d->order = attach (grid, 1, _("Start _order:"), _("Start order"),
                     spin (0, 1000, (double) lagoon_record_get_int (rec, LAGOON_VM_ORDER)));
  d->start_delay = attach (grid, 2, _("_Wait before the next VM starts (s):"), _("Start delay"),
                           spin (0, 3600, (double) lagoon_record_get_int (rec,
                                                                           LAGOON_VM_START_DELAY)));
  d->shutdown_delay = attach (grid, 3, _("Wait before the next VM _shuts down (s):"),
                              _("Shutdown delay"),
                              spin (0, 3600, (double) lagoon_record_get_int (
                                      rec, LAGOON_VM_SHUTDOWN_DELAY)));
  note (grid, 4, _("The order and delays apply when the VM's vApp starts or shuts down: "
                   "lower orders start first and shut down last."));
}

static void
build_pci (Dialog             *d,
           GtkStack           *stack,
           const LagoonRecord *rec)
{
  GtkGrid *grid = new_page (stack, "pci", _("PCI Devices"));
  LagoonCache *cache = dialog_cache (d);
  g_autoptr(GPtrArray) pcis = lagoon_cache_list (cache, LAGOON_CLASS_PCI);
  const char *current = lagoon_record_map_lookup (rec, LAGOON_VM_OTHER_CONFIG, "pci");
  g_auto(GStrv) assigned = g_strsplit (current != NULL ? current : "", ",", -1);
  int row = 0;

  d->pci_checks = g_ptr_array_new ();
  for (guint i = 0; i < pcis->len; i++)
    {
      const LagoonRecord *pci = g_ptr_array_index (pcis, i);
      const char *pci_id = lagoon_record_get_string (pci, LAGOON_PCI_PCI_ID);
      const LagoonRecord *host =
        lagoon_cache_lookup (cache, LAGOON_CLASS_HOST, lagoon_record_get_ref (pci, LAGOON_PCI_HOST));
      g_autofree char *label = NULL;
      gboolean active = FALSE;
      GtkWidget *check;

      /* other-config:pci is "index/address,index/address..." */
      for (guint k = 0; assigned[k] != NULL; k++)
        {
          const char *slash = strchr (assigned[k], '/');
          if (g_strcmp0 (slash != NULL ? slash + 1 : assigned[k], pci_id) == 0)
            active = TRUE;
        }
      /* Translators: a PCI device: address, name, vendor, server */
      label = g_strdup_printf (_("%s %s (%s) on %s"), pci_id,
                               lagoon_record_get_string (pci, LAGOON_PCI_DEVICE_NAME),
                               lagoon_record_get_string (pci, LAGOON_PCI_VENDOR_NAME),
                               host != NULL ? lagoon_record_get_name (host) : "?");
      check = gtk_check_button_new_with_label (label);
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (check), active);
      gtk_widget_set_sensitive (check, d->halted);
      g_object_set_data_full (G_OBJECT (check), "lagoon-pci-id", g_strdup (pci_id), g_free);
      g_ptr_array_add (d->pci_checks, check);
      gtk_grid_attach (grid, check, 0, row++, 2, 1);
    }
  if (pcis->len == 0)
    note (grid, row++, _("The pool's servers report no PCI devices to pass through."));
  else if (!d->halted)
    note (grid, row++, _("Shut the VM down to change its PCI devices."));
  else
    note (grid, row++, _("Checked devices are passed through to the VM when it starts; the VM "
                         "then starts only on their server."));
}

/* ---- OK: the calls for what changed ------------------------------------------------------ */

static guint
add_map_change (LagoonAction *action,
                const char   *klass,
                const char   *field,
                const char   *ref,
                const char   *key,
                const char   *old_value,
                const char   *new_value)
{
  g_autofree char *remove = g_strdup_printf ("%s.remove_from_%s", klass, field);
  g_autofree char *add = g_strdup_printf ("%s.add_to_%s", klass, field);

  guint n = 0;

  if (g_strcmp0 (old_value != NULL ? old_value : "", new_value != NULL ? new_value : "") == 0)
    return 0;
  if (old_value != NULL)
    {
      lagoon_action_add_call (action, remove, g_variant_new ("(ss)", ref, key));
      n++;
    }
  if (new_value != NULL && *new_value != '\0')
    {
      lagoon_action_add_call (action, add, g_variant_new ("(sss)", ref, key, new_value));
      n++;
    }
  return n;
}

static guint
add_call (LagoonAction *action,
          const char   *method,
          GVariant     *args)
{
  lagoon_action_add_call (action, method, args);
  return 1;
}

static guint
collect_calls (Dialog             *d,
               const LagoonRecord *rec,
               LagoonAction       *action)
{
  const char *klass = d->class_id == LAGOON_CLASS_VM ? "VM"
                      : d->class_id == LAGOON_CLASS_HOST ? "host" : "pool";
  const char *ref = d->ref;
  g_autofree char *name = g_strstrip (g_strdup (gtk_entry_get_text (GTK_ENTRY (d->name))));
  const char *description = gtk_entry_get_text (GTK_ENTRY (d->description));
  g_autoptr(GPtrArray) tags = parse_tags (gtk_entry_get_text (GTK_ENTRY (d->tags)));
  g_autofree char *old_tags = tags_text (rec, d->class_id == LAGOON_CLASS_VM ? LAGOON_VM_TAGS
                                              : d->class_id == LAGOON_CLASS_HOST ? LAGOON_HOST_TAGS
                                              : LAGOON_POOL_TAGS);
  g_autofree char *new_tags = NULL;
  g_autofree char *method = NULL;
  guint n = 0;

  if (g_strcmp0 (name, lagoon_record_get_name (rec)) != 0)
    {
      method = g_strdup_printf ("%s.set_name_label", klass);
      n += add_call (action, method, g_variant_new ("(ss)", ref, name));
      g_clear_pointer (&method, g_free);
    }
  if (g_strcmp0 (description, lagoon_record_get_string (rec, d->class_id == LAGOON_CLASS_VM
                                                          ? LAGOON_VM_NAME_DESCRIPTION
                                                          : d->class_id == LAGOON_CLASS_HOST
                                                          ? LAGOON_HOST_NAME_DESCRIPTION
                                                          : LAGOON_POOL_NAME_DESCRIPTION)) != 0)
    {
      method = g_strdup_printf ("%s.set_name_description", klass);
      n += add_call (action, method, g_variant_new ("(ss)", ref, description));
      g_clear_pointer (&method, g_free);
    }
  g_ptr_array_add (tags, NULL);
  new_tags = g_strjoinv (", ", (char **) tags->pdata);
  if (g_strcmp0 (new_tags, old_tags) != 0)
    {
      method = g_strdup_printf ("%s.set_tags", klass);
      n += add_call (action, method,
                     g_variant_new ("(s^as)", ref, (char **) tags->pdata));
      g_clear_pointer (&method, g_free);
    }

  if (d->class_id != LAGOON_CLASS_VM)
    return n;

  n += add_map_change (action, "VM", "other_config", ref, "folder",
                       lagoon_record_map_lookup (rec, LAGOON_VM_OTHER_CONFIG, "folder"),
                       gtk_entry_get_text (GTK_ENTRY (d->folder)));

  /* CPU: counts in an order xapi accepts (max never below at_startup). */
  if (d->halted)
    {
      gint64 old = lagoon_record_get_int (rec, LAGOON_VM_VCPUS_AT_STARTUP);
      gint64 vcpus = spin_int (d->vcpus);
      g_autofree char *cores = g_strdup_printf ("%" G_GINT64_FORMAT, spin_int (d->cores));
      const char *old_cores = lagoon_record_map_lookup (rec, LAGOON_VM_PLATFORM, "cores-per-socket");

      if (vcpus > old)
        {
          n += add_call (action, "VM.set_VCPUs_max", g_variant_new ("(sx)", ref, vcpus));
          n += add_call (action, "VM.set_VCPUs_at_startup",
                         g_variant_new ("(sx)", ref, vcpus));
        }
      else if (vcpus < old)
        {
          n += add_call (action, "VM.set_VCPUs_at_startup",
                         g_variant_new ("(sx)", ref, vcpus));
          n += add_call (action, "VM.set_VCPUs_max", g_variant_new ("(sx)", ref, vcpus));
        }
      if (old_cores != NULL || spin_int (d->cores) != 1)
        n += add_map_change (action, "VM", "platform", ref, "cores-per-socket", old_cores, cores);
    }
  {
    int active = gtk_combo_box_get_active (GTK_COMBO_BOX (d->priority));
    g_autofree char *weight = g_strdup_printf ("%d", priorities[MAX (active, 0)].weight);
    g_autofree char *cap = g_strdup_printf ("%" G_GINT64_FORMAT, spin_int (d->cap));
    const char *old_weight = lagoon_record_map_lookup (rec, LAGOON_VM_VCPUS_PARAMS, "weight");
    const char *old_cap = lagoon_record_map_lookup (rec, LAGOON_VM_VCPUS_PARAMS, "cap");

    /* An unset weight is the default; only a different choice is written. */
    if (old_weight != NULL || g_strcmp0 (weight, "256") != 0)
      n += add_map_change (action, "VM", "VCPUs_params", ref, "weight", old_weight, weight);
    if (old_cap != NULL || spin_int (d->cap) != 0)
      n += add_map_change (action, "VM", "VCPUs_params", ref, "cap", old_cap,
                           spin_int (d->cap) != 0 ? cap : NULL);
  }

  /* Memory. */
  {
    gint64 smin = lagoon_record_get_int (rec, LAGOON_VM_MEMORY_STATIC_MIN);
    gint64 smax = spin_int (d->static_max) * MIB;
    gint64 dmin = spin_int (d->dynamic_min) * MIB;
    gint64 dmax = spin_int (d->dynamic_max) * MIB;
    gboolean static_changed = smax != lagoon_record_get_int (rec, LAGOON_VM_MEMORY_STATIC_MAX) /
                                        MIB * MIB;
    gboolean dynamic_changed =
      dmin != lagoon_record_get_int (rec, LAGOON_VM_MEMORY_DYNAMIC_MIN) / MIB * MIB ||
      dmax != lagoon_record_get_int (rec, LAGOON_VM_MEMORY_DYNAMIC_MAX) / MIB * MIB;

    if (d->halted && (static_changed || dynamic_changed))
      n += add_call (action, "VM.set_memory_limits",
                     g_variant_new ("(sxxxx)", ref, smin, smax, dmin, dmax));
    else if (!d->halted && dynamic_changed)
      n += add_call (action, "VM.set_memory_dynamic_range",
                     g_variant_new ("(sxx)", ref, dmin, dmax));
  }

  /* Boot. */
  if (d->boot_list != NULL)
    {
      GString *order = g_string_new (NULL);
      g_autoptr(GList) rows = gtk_container_get_children (GTK_CONTAINER (d->boot_list));

      for (GList *l = rows; l != NULL; l = l->next)
        if (gtk_toggle_button_get_active (g_object_get_data (l->data, "lagoon-check")))
          g_string_append_c (order, (char) GPOINTER_TO_INT (g_object_get_data (l->data,
                                                                               "lagoon-code")));
      n += add_map_change (action, "VM", "HVM_boot_params", ref, "order",
                           lagoon_record_map_lookup (rec, LAGOON_VM_HVM_BOOT_PARAMS, "order"),
                           order->str);
      g_string_free (order, TRUE);
    }
  else if (d->bootloader != NULL)
    {
      const struct { GtkWidget *widget; guint field; const char *method; } pv[] = {
        { gtk_bin_get_child (GTK_BIN (d->bootloader)), LAGOON_VM_PV_BOOTLOADER,
          "VM.set_PV_bootloader" },
        { d->kernel, LAGOON_VM_PV_KERNEL, "VM.set_PV_kernel" },
        { d->args, LAGOON_VM_PV_ARGS, "VM.set_PV_args" },
      };

      for (guint i = 0; i < G_N_ELEMENTS (pv); i++)
        {
          const char *text = gtk_entry_get_text (GTK_ENTRY (pv[i].widget));

          if (g_strcmp0 (text, lagoon_record_get_string (rec, pv[i].field)) != 0)
            n += add_call (action, pv[i].method, g_variant_new ("(ss)", ref, text));
        }
    }

  /* Home server. */
  {
    const char *affinity = gtk_combo_box_get_active_id (GTK_COMBO_BOX (d->affinity));
    const char *old = lagoon_record_get_ref (rec, LAGOON_VM_AFFINITY);

    if (affinity != NULL && g_strcmp0 (affinity, old != NULL ? old : "OpaqueRef:NULL") != 0)
      n += add_call (action, "VM.set_affinity", g_variant_new ("(ss)", ref, affinity));
  }

  /* Start options. */
  {
    const char *old_auto = lagoon_record_map_lookup (rec, LAGOON_VM_OTHER_CONFIG, "auto_poweron");
    gboolean auto_on = gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (d->auto_power_on));

    if (auto_on != (g_strcmp0 (old_auto, "true") == 0))
      n += add_map_change (action, "VM", "other_config", ref, "auto_poweron", old_auto,
                           auto_on ? "true" : "false");
    if (spin_int (d->order) != lagoon_record_get_int (rec, LAGOON_VM_ORDER))
      n += add_call (action, "VM.set_order",
                     g_variant_new ("(sx)", ref, spin_int (d->order)));
    if (spin_int (d->start_delay) != lagoon_record_get_int (rec, LAGOON_VM_START_DELAY))
      n += add_call (action, "VM.set_start_delay",
                     g_variant_new ("(sx)", ref, spin_int (d->start_delay)));
    if (spin_int (d->shutdown_delay) != lagoon_record_get_int (rec, LAGOON_VM_SHUTDOWN_DELAY))
      n += add_call (action, "VM.set_shutdown_delay",
                     g_variant_new ("(sx)", ref, spin_int (d->shutdown_delay)));
  }

  /* PCI devices. */
  if (d->halted && d->pci_checks->len > 0)
    {
      g_autoptr(GString) value = g_string_new (NULL);
      guint index = 0;

      for (guint i = 0; i < d->pci_checks->len; i++)
        {
          GtkWidget *check = g_ptr_array_index (d->pci_checks, i);

          if (!gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (check)))
            continue;
          g_string_append_printf (value, "%s%u/%s", value->len > 0 ? "," : "", index++,
                                  (const char *) g_object_get_data (G_OBJECT (check),
                                                                    "lagoon-pci-id"));
        }
      n += add_map_change (action, "VM", "other_config", ref, "pci",
                           lagoon_record_map_lookup (rec, LAGOON_VM_OTHER_CONFIG, "pci"), value->str);
    }
  return n;
}

static void
on_response (GtkDialog *dialog,
             int        response,
             Dialog    *d)
{
  const LagoonRecord *rec = dialog_record (d);

  if (response == GTK_RESPONSE_OK && rec != NULL && problem_of (d) == NULL)
    {
      GApplication *application = g_application_get_default ();
      g_autofree char *title = NULL;
      g_autoptr(LagoonAction) action = NULL;
      const char *objects[2] = { d->ref, NULL };

      /* Translators: the Events pane's title; %s is the object's name */
      title = g_strdup_printf (_("Change properties of “%s”"), lagoon_record_get_name (rec));
      action = lagoon_action_new (lagoon_server_get_connection (d->server), title, NULL, NULL);
      lagoon_action_set_objects (action, objects);
      /* Nothing changed: nothing to run. */
      if (collect_calls (d, rec, action) > 0 && LAGOON_IS_APPLICATION (application))
        lagoon_application_run_action (LAGOON_APPLICATION (application), action);
    }
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

void
lagoon_properties_dialog_present (GtkWindow    *parent,
                                  LagoonServer *server,
                                  int           class_id,
                                  const char   *ref)
{
  LagoonConnection *connection;
  const LagoonRecord *rec;
  GtkWidget *content, *box, *sidebar, *stack, *vbox;
  g_autofree char *title = NULL;
  Dialog *d;

  g_return_if_fail (LAGOON_IS_SERVER (server));

  if (!lagoon_properties_dialog_handles (class_id))
    return;
  connection = lagoon_server_get_connection (server);
  rec = lagoon_cache_lookup (lagoon_connection_get_cache (connection), (LagoonClassId) class_id,
                             ref);
  if (rec == NULL)
    return;

  d = g_new0 (Dialog, 1);
  d->server = g_object_ref (server);
  d->class_id = class_id;
  d->ref = g_strdup (ref);
  d->halted = class_id == LAGOON_CLASS_VM &&
              g_strcmp0 (lagoon_record_get_enum_string (rec, LAGOON_VM_POWER_STATE), "Halted") == 0;

  /* Translators: the Properties dialog's title; %s is the object's name */
  title = g_strdup_printf (_("Properties of “%s”"), lagoon_record_get_name (rec));
  d->dialog = gtk_dialog_new_with_buttons (title, parent,
                                           GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                           _("_Cancel"), GTK_RESPONSE_CANCEL, NULL);
  d->ok_button = gtk_dialog_add_button (GTK_DIALOG (d->dialog), _("_OK"), GTK_RESPONSE_OK);
  gtk_style_context_add_class (gtk_widget_get_style_context (d->ok_button), "suggested-action");
  gtk_dialog_set_default_response (GTK_DIALOG (d->dialog), GTK_RESPONSE_OK);
  gtk_window_set_default_size (GTK_WINDOW (d->dialog), 680, 420);
  g_object_set_data_full (G_OBJECT (d->dialog), "lagoon-properties", d,
                          (GDestroyNotify) dialog_free);

  content = gtk_dialog_get_content_area (GTK_DIALOG (d->dialog));
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  stack = gtk_stack_new ();
  sidebar = gtk_stack_sidebar_new ();
  gtk_stack_sidebar_set_stack (GTK_STACK_SIDEBAR (sidebar), GTK_STACK (stack));
  gtk_widget_set_size_request (sidebar, 160, -1);
  atk_object_set_name (gtk_widget_get_accessible (sidebar), _("Property pages"));
  vbox = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_hexpand (vbox, TRUE);
  gtk_widget_set_vexpand (box, TRUE);
  gtk_container_add (GTK_CONTAINER (box), sidebar);
  gtk_container_add (GTK_CONTAINER (box), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_container_add (GTK_CONTAINER (vbox), stack);
  d->problem = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (d->problem), 0.0);
  gtk_label_set_line_wrap (GTK_LABEL (d->problem), TRUE);
  gtk_widget_set_margin_start (d->problem, 18);
  gtk_widget_set_margin_end (d->problem, 18);
  gtk_style_context_add_class (gtk_widget_get_style_context (d->problem), "error");
  gtk_box_pack_end (GTK_BOX (vbox), d->problem, FALSE, FALSE, 6);
  gtk_container_add (GTK_CONTAINER (box), vbox);
  gtk_container_add (GTK_CONTAINER (content), box);

  build_general (d, GTK_STACK (stack), rec);
  if (class_id == LAGOON_CLASS_VM)
    {
      build_cpu (d, GTK_STACK (stack), rec);
      build_memory (d, GTK_STACK (stack), rec);
      build_boot (d, GTK_STACK (stack), rec);
      build_home_server (d, GTK_STACK (stack), rec);
      build_start_options (d, GTK_STACK (stack), rec);
      build_pci (d, GTK_STACK (stack), rec);
    }

  g_signal_connect (d->dialog, "response", G_CALLBACK (on_response), d);
  gtk_widget_show_all (d->dialog);
  validate (d);
  gtk_window_present (GTK_WINDOW (d->dialog));
}
