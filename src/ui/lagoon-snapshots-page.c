/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-snapshots-page"

#include "config.h"

#include <glib/gi18n.h>

#include "lagoon-snapshot-commands.h"
#include "lagoon-snapshots-page.h"
#include "lagoon-ui-private.h"

/* Columns of both stores (the list ignores the tree-only ones). */
enum {
  COLUMN_NAME,
  COLUMN_TIME_TEXT,
  COLUMN_TIME,
  COLUMN_TYPE,
  COLUMN_DESCRIPTION,
  COLUMN_REF,
  COLUMN_ICON_NAME,
  COLUMN_WEIGHT,
  COLUMN_SIZE,
  COLUMN_SIZE_TEXT,
  N_COLUMNS
};

struct _LagoonSnapshotsPage
{
  GtkBox              parent_instance;

  LagoonServer       *server;
  LagoonCache        *cache;
  char               *vm_ref;
  /* The snapshots shown (ref → TRUE), to notice their changes and removals. */
  GHashTable         *shown;
  /* The selected snapshots' refs, kept across rebuilds and view switches. */
  GPtrArray          *selected;
  gboolean            rebuilding;

  GSimpleActionGroup *actions;
  GtkTreeStore       *tree_store;
  GtkListStore       *list_store;
  GtkWidget          *context_menu;

  /* Template children */
  GtkStack           *main_stack;
  GtkStack           *view_stack;
  GtkToggleButton    *tree_radio;
  GtkToggleButton    *list_radio;
  GtkTreeView        *tree_view;
  GtkTreeView        *list_view;
  GtkLabel           *empty_label;
  GtkGrid            *details_grid;
  GtkLabel           *details_title;
  GtkLabel           *taken_label;
  GtkLabel           *type_label;
  GtkLabel           *size_label;
  GtkLabel           *description_label;
  GtkLabel           *tags_label;
  GtkLabel           *is_snapshot_label;
  GtkWidget          *take_button;
  GtkWidget          *revert_button;
  GtkWidget          *delete_button;
  GtkWidget          *more_button;
};

static void lagoon_snapshots_page_tab_init (LagoonTabInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LagoonSnapshotsPage, lagoon_snapshots_page, GTK_TYPE_BOX,
                               G_IMPLEMENT_INTERFACE (LAGOON_TYPE_TAB,
                                                      lagoon_snapshots_page_tab_init))

/* ---- reading the cache ------------------------------------------------------------------- */

static const LagoonRecord *
lookup_vm (LagoonSnapshotsPage *self,
           const char          *ref)
{
  if (self->cache == NULL || ref == NULL)
    return NULL;
  return lagoon_cache_lookup (self->cache, LAGOON_CLASS_VM, ref);
}

static gboolean
is_disk_and_memory (const LagoonRecord *snapshot)
{
  return g_strcmp0 (lagoon_record_get_enum_string (snapshot, LAGOON_VM_POWER_STATE),
                    "Suspended") == 0;
}

static const char *
snapshot_type (const LagoonRecord *snapshot)
{
  /* Snapshots a schedule (VMSS, or the older VMPP) took say so. */
  if (lagoon_record_get_bool (snapshot, LAGOON_VM_IS_VMSS_SNAPSHOT) ||
      lagoon_record_get_bool (snapshot, LAGOON_VM_IS_SNAPSHOT_FROM_VMPP))
    return is_disk_and_memory (snapshot) ? _("Disks and memory, scheduled")
                                         : _("Disks only, scheduled");
  return is_disk_and_memory (snapshot) ? _("Disks and memory") : _("Disks only");
}

static char *
format_time_as (gint64      unix_time,
                const char *format)
{
  g_autoptr(GDateTime) dt = NULL;

  if (unix_time <= 0)
    return g_strdup ("");
  dt = g_date_time_new_from_unix_local (unix_time);
  return dt != NULL ? g_date_time_format (dt, format) : g_strdup ("");
}

/* Rows show minutes; the details pane the seconds too. */
static char *
format_time (gint64 unix_time)
{
  return format_time_as (unix_time, "%Y-%m-%d %H:%M");
}

/* What the snapshot's disks (and memory image) take on their SRs. */
static gint64
snapshot_size (LagoonSnapshotsPage *self,
               const LagoonRecord  *snapshot)
{
  guint n_vbds = 0;
  const char * const *vbds = lagoon_record_get_set (snapshot, LAGOON_VM_VBDS, &n_vbds);
  const char *suspend_ref = lagoon_record_get_ref (snapshot, LAGOON_VM_SUSPEND_VDI);
  const LagoonRecord *suspend_vdi = suspend_ref != NULL
                                      ? lagoon_cache_lookup (self->cache, LAGOON_CLASS_VDI,
                                                             suspend_ref)
                                      : NULL;
  gint64 size = 0;

  for (guint i = 0; i < n_vbds; i++)
    {
      const LagoonRecord *vbd = lagoon_cache_lookup (self->cache, LAGOON_CLASS_VBD, vbds[i]);
      const char *vdi_ref = vbd != NULL ? lagoon_record_get_ref (vbd, LAGOON_VBD_VDI) : NULL;
      const LagoonRecord *vdi = vdi_ref != NULL ? lagoon_cache_lookup (self->cache,
                                                                       LAGOON_CLASS_VDI, vdi_ref)
                                                : NULL;

      if (vdi != NULL && g_strcmp0 (lagoon_record_get_enum_string (vbd, LAGOON_VBD_TYPE),
                                    "Disk") == 0)
        size += MAX (0, lagoon_record_get_int (vdi, LAGOON_VDI_PHYSICAL_UTILISATION));
    }
  if (suspend_vdi != NULL)
    size += MAX (0, lagoon_record_get_int (suspend_vdi, LAGOON_VDI_PHYSICAL_UTILISATION));
  return size;
}

/* The snapshots of the VM, oldest first. */
static gint
compare_snapshot_time (gconstpointer a,
                       gconstpointer b)
{
  const LagoonRecord *x = *(const LagoonRecord * const *) a;
  const LagoonRecord *y = *(const LagoonRecord * const *) b;
  gint64 tx = lagoon_record_get_datetime (x, LAGOON_VM_SNAPSHOT_TIME);
  gint64 ty = lagoon_record_get_datetime (y, LAGOON_VM_SNAPSHOT_TIME);

  if (tx != ty)
    return tx < ty ? -1 : 1;
  return g_strcmp0 (lagoon_record_get_name (x), lagoon_record_get_name (y));
}

static GPtrArray *
list_snapshots (LagoonSnapshotsPage *self)
{
  GPtrArray *snapshots = g_ptr_array_new ();
  guint n = 0;
  const LagoonRecord *const *refs;

  if (self->cache == NULL || self->vm_ref == NULL)
    return snapshots;
  refs = lagoon_cache_get_referrers (self->cache, LAGOON_CLASS_VM, LAGOON_VM_SNAPSHOT_OF,
                                     self->vm_ref, &n);
  for (guint i = 0; i < n; i++)
    if (lagoon_record_get_bool (refs[i], LAGOON_VM_IS_A_SNAPSHOT))
      g_ptr_array_add (snapshots, (gpointer) refs[i]);
  g_ptr_array_sort (snapshots, compare_snapshot_time);
  return snapshots;
}

/* ---- selection --------------------------------------------------------------------------- */

static GtkTreeView *
visible_view (LagoonSnapshotsPage *self)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->view_stack), "list") == 0
           ? self->list_view : self->tree_view;
}

static void
collect_selected (GtkTreeModel *model,
                  GtkTreePath  *path,
                  GtkTreeIter  *iter,
                  gpointer      user_data)
{
  GPtrArray *refs = user_data;
  char *ref = NULL;

  gtk_tree_model_get (model, iter, COLUMN_REF, &ref, -1);
  if (ref != NULL)
    g_ptr_array_add (refs, ref);
}

static void update_actions (LagoonSnapshotsPage *self);
static void update_details (LagoonSnapshotsPage *self);

static void
read_selection (LagoonSnapshotsPage *self)
{
  GtkTreeSelection *selection = gtk_tree_view_get_selection (visible_view (self));

  g_ptr_array_set_size (self->selected, 0);
  gtk_tree_selection_selected_foreach (selection, collect_selected, self->selected);
}

static void
on_selection_changed (GtkTreeSelection    *selection,
                      LagoonSnapshotsPage *self)
{
  if (self->rebuilding || gtk_tree_selection_get_tree_view (selection) != visible_view (self))
    return;
  read_selection (self);
  update_details (self);
  update_actions (self);
}

static gboolean
select_ref_row (GtkTreeModel *model,
                GtkTreePath  *path,
                GtkTreeIter  *iter,
                gpointer      user_data)
{
  LagoonSnapshotsPage *self = user_data;
  GtkTreeView *view = GTK_TREE_MODEL (self->tree_store) == model ? self->tree_view
                                                                  : self->list_view;
  g_autofree char *ref = NULL;

  gtk_tree_model_get (model, iter, COLUMN_REF, &ref, -1);
  for (guint i = 0; ref != NULL && i < self->selected->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->selected, i), ref) == 0)
      gtk_tree_selection_select_iter (gtk_tree_view_get_selection (view), iter);
  return FALSE;
}

/* Selects self->selected in @view (and nothing else). */
static void
apply_selection (LagoonSnapshotsPage *self,
                 GtkTreeView         *view)
{
  gboolean was = self->rebuilding;

  self->rebuilding = TRUE;
  gtk_tree_selection_unselect_all (gtk_tree_view_get_selection (view));
  gtk_tree_model_foreach (gtk_tree_view_get_model (view), select_ref_row, self);
  self->rebuilding = was;
}

static char **
selected_refs (LagoonSnapshotsPage *self)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  char **refs;

  for (guint i = 0; i < self->selected->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->selected, i));
  refs = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return refs;
}

static const LagoonRecord *
single_selected (LagoonSnapshotsPage *self)
{
  if (self->selected->len != 1)
    return NULL;
  return lookup_vm (self, g_ptr_array_index (self->selected, 0));
}

/* ---- building the views ------------------------------------------------------------------ */

/* What the Now row says: the VM's state, or the snapshot operation running on it. */
static const char *
now_text (const LagoonRecord *vm)
{
  guint n = 0;
  const char * const *ops = vm != NULL ? lagoon_record_get_map (vm, LAGOON_VM_CURRENT_OPERATIONS,
                                                                 &n)
                                       : NULL;

  for (guint i = 0; i < n; i++)
    {
      const char *op = ops[2 * i + 1];

      if (g_strcmp0 (op, "snapshot") == 0 || g_strcmp0 (op, "checkpoint") == 0 ||
          g_strcmp0 (op, "snapshot_with_quiesce") == 0)
        return _("Taking a snapshot…");
      if (g_strcmp0 (op, "revert") == 0 || g_strcmp0 (op, "reverting") == 0)
        return _("Reverting…");
    }
  return _("The VM's current state");
}

static void
tree_add (LagoonSnapshotsPage *self,
          GtkTreeIter         *parent,
          const LagoonRecord  *snapshot,
          GPtrArray           *snapshots,
          const LagoonRecord  *vm,
          const char          *now_parent,
          guint                depth)
{
  GtkTreeIter iter;
  g_autofree char *time_text = format_time (lagoon_record_get_datetime (snapshot,
                                                                         LAGOON_VM_SNAPSHOT_TIME));
  const char *ref = lagoon_record_get_opaque_ref (snapshot);

  gtk_tree_store_insert_with_values (self->tree_store, &iter, parent, -1,
                                     COLUMN_NAME, lagoon_record_get_name (snapshot),
                                     COLUMN_TIME_TEXT, time_text,
                                     COLUMN_TIME, lagoon_record_get_datetime (
                                       snapshot, LAGOON_VM_SNAPSHOT_TIME),
                                     COLUMN_TYPE, snapshot_type (snapshot),
                                     COLUMN_DESCRIPTION, lagoon_record_get_string (
                                       snapshot, LAGOON_VM_NAME_DESCRIPTION),
                                     COLUMN_REF, ref,
                                     COLUMN_ICON_NAME, is_disk_and_memory (snapshot)
                                                         ? "media-playback-pause-symbolic"
                                                         : "camera-photo-symbolic",
                                     COLUMN_WEIGHT, PANGO_WEIGHT_NORMAL,
                                     -1);

  /* A cycle in bad data must not recurse forever. */
  if (depth > snapshots->len)
    return;
  for (guint i = 0; i < snapshots->len; i++)
    {
      const LagoonRecord *child = g_ptr_array_index (snapshots, i);

      if (g_strcmp0 (lagoon_record_get_ref (child, LAGOON_VM_PARENT), ref) == 0)
        tree_add (self, &iter, child, snapshots, vm, now_parent, depth + 1);
    }
  if (g_strcmp0 (now_parent, ref) == 0)
    gtk_tree_store_insert_with_values (self->tree_store, NULL, &iter, -1,
                                       COLUMN_NAME, _("Now"),
                                       COLUMN_TIME_TEXT, "",
                                       COLUMN_TYPE, now_text (vm),
                                       COLUMN_ICON_NAME, "video-display-symbolic",
                                       COLUMN_WEIGHT, PANGO_WEIGHT_BOLD,
                                       -1);
}

static void
rebuild (LagoonSnapshotsPage *self)
{
  g_autoptr(GPtrArray) snapshots = list_snapshots (self);
  const LagoonRecord *vm = lookup_vm (self, self->vm_ref);
  const char *vm_parent = vm != NULL ? lagoon_record_get_ref (vm, LAGOON_VM_PARENT) : NULL;
  gboolean now_placed = FALSE;

  self->rebuilding = TRUE;
  g_hash_table_remove_all (self->shown);
  gtk_tree_store_clear (self->tree_store);
  gtk_list_store_clear (self->list_store);

  for (guint i = 0; i < snapshots->len; i++)
    {
      const LagoonRecord *snapshot = g_ptr_array_index (snapshots, i);
      g_autofree char *time_text = NULL;
      gint64 size = snapshot_size (self, snapshot);
      g_autofree char *size_text = g_format_size_full ((guint64) size, G_FORMAT_SIZE_IEC_UNITS);

      g_hash_table_add (self->shown, g_strdup (lagoon_record_get_opaque_ref (snapshot)));
      if (g_strcmp0 (vm_parent, lagoon_record_get_opaque_ref (snapshot)) == 0)
        now_placed = TRUE;
      time_text = format_time (lagoon_record_get_datetime (snapshot, LAGOON_VM_SNAPSHOT_TIME));
      gtk_list_store_insert_with_values (
        self->list_store, NULL, -1,
        COLUMN_NAME, lagoon_record_get_name (snapshot),
        COLUMN_TIME_TEXT, time_text,
        COLUMN_TIME, lagoon_record_get_datetime (snapshot, LAGOON_VM_SNAPSHOT_TIME),
        COLUMN_TYPE, snapshot_type (snapshot),
        COLUMN_DESCRIPTION, lagoon_record_get_string (snapshot, LAGOON_VM_NAME_DESCRIPTION),
        COLUMN_REF, lagoon_record_get_opaque_ref (snapshot),
        COLUMN_ICON_NAME, is_disk_and_memory (snapshot) ? "media-playback-pause-symbolic"
                                                        : "camera-photo-symbolic",
        COLUMN_WEIGHT, PANGO_WEIGHT_NORMAL,
        COLUMN_SIZE, size,
        COLUMN_SIZE_TEXT, size_text,
        -1);
    }

  /* Roots: snapshots whose parent is not one of this VM's snapshots. */
  for (guint i = 0; i < snapshots->len; i++)
    {
      const LagoonRecord *snapshot = g_ptr_array_index (snapshots, i);
      const char *parent = lagoon_record_get_ref (snapshot, LAGOON_VM_PARENT);

      if (parent == NULL || !g_hash_table_contains (self->shown, parent))
        tree_add (self, NULL, snapshot, snapshots, vm, vm_parent, 0);
    }
  if (vm != NULL && !now_placed)
    gtk_tree_store_insert_with_values (self->tree_store, NULL, NULL, -1,
                                       COLUMN_NAME, _("Now"),
                                       COLUMN_TIME_TEXT, "",
                                       COLUMN_TYPE, now_text (vm),
                                       COLUMN_ICON_NAME, "video-display-symbolic",
                                       COLUMN_WEIGHT, PANGO_WEIGHT_BOLD,
                                       -1);
  gtk_tree_view_expand_all (self->tree_view);

  /* Keep only the selected snapshots that still exist. */
  for (guint i = self->selected->len; i > 0; i--)
    if (!g_hash_table_contains (self->shown, g_ptr_array_index (self->selected, i - 1)))
      g_ptr_array_remove_index (self->selected, i - 1);
  apply_selection (self, self->tree_view);
  apply_selection (self, self->list_view);
  self->rebuilding = FALSE;

  gtk_widget_set_visible (GTK_WIDGET (self->empty_label), vm != NULL && snapshots->len == 0);
  update_details (self);
  update_actions (self);
}

/* ---- details ----------------------------------------------------------------------------- */

static void
set_detail (LagoonSnapshotsPage *self,
            GtkLabel            *label,
            const char          *value)
{
  GtkWidget *key = NULL;
  int row = 0;

  gtk_container_child_get (GTK_CONTAINER (self->details_grid), GTK_WIDGET (label),
                           "top-attach", &row, NULL);
  key = gtk_grid_get_child_at (self->details_grid, 0, row);
  gtk_label_set_text (label, value != NULL ? value : "");
  gtk_widget_set_visible (GTK_WIDGET (label), value != NULL);
  if (key != NULL)
    gtk_widget_set_visible (key, value != NULL);
}

static void
update_details (LagoonSnapshotsPage *self)
{
  const LagoonRecord *snapshot = single_selected (self);

  if (snapshot != NULL)
    {
      g_autofree char *taken = format_time_as (lagoon_record_get_datetime (
                                                 snapshot, LAGOON_VM_SNAPSHOT_TIME),
                                               "%Y-%m-%d %H:%M:%S");
      g_autofree char *size = g_format_size_full ((guint64) snapshot_size (self, snapshot),
                                                  G_FORMAT_SIZE_IEC_UNITS);
      const char *description = lagoon_record_get_string (snapshot, LAGOON_VM_NAME_DESCRIPTION);
      const char * const *tags = lagoon_record_get_set (snapshot, LAGOON_VM_TAGS, NULL);
      g_autofree char *tag_text = g_strjoinv (", ", (char **) tags);

      gtk_label_set_text (self->details_title, lagoon_record_get_name (snapshot));
      set_detail (self, self->taken_label, taken);
      set_detail (self, self->type_label, snapshot_type (snapshot));
      set_detail (self, self->size_label, size);
      set_detail (self, self->description_label,
                  description != NULL && description[0] != '\0' ? description : _("None"));
      set_detail (self, self->tags_label, tag_text[0] != '\0' ? tag_text : _("None"));
    }
  else if (self->selected->len > 1)
    {
      g_autofree char *title = NULL;
      g_autofree char *size = NULL;
      gint64 total = 0;

      for (guint i = 0; i < self->selected->len; i++)
        {
          const LagoonRecord *rec = lookup_vm (self, g_ptr_array_index (self->selected, i));

          if (rec != NULL)
            total += snapshot_size (self, rec);
        }
      size = g_format_size_full ((guint64) total, G_FORMAT_SIZE_IEC_UNITS);
      title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u snapshot selected",
                                            "%u snapshots selected", self->selected->len),
                               self->selected->len);
      gtk_label_set_text (self->details_title, title);
      set_detail (self, self->taken_label, NULL);
      set_detail (self, self->type_label, NULL);
      set_detail (self, self->size_label, size);
      set_detail (self, self->description_label, NULL);
      set_detail (self, self->tags_label, NULL);
    }
  else
    {
      gtk_label_set_text (self->details_title, _("Select a snapshot to see its details."));
      set_detail (self, self->taken_label, NULL);
      set_detail (self, self->type_label, NULL);
      set_detail (self, self->size_label, NULL);
      set_detail (self, self->description_label, NULL);
      set_detail (self, self->tags_label, NULL);
    }
}

/* ---- actions ----------------------------------------------------------------------------- */

static GtkWindow *
parent_window (LagoonSnapshotsPage *self)
{
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));

  return GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel) : NULL;
}

static void
set_action (LagoonSnapshotsPage *self,
            const char          *name,
            GtkWidget           *button,
            const char          *tooltip,
            char                *why)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), name);
  const char *text = why != NULL ? why : tooltip;

  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), why == NULL);
  if (button != NULL)
    {
      gtk_widget_set_tooltip_text (button, text);
      atk_object_set_description (gtk_widget_get_accessible (button), text);
    }
  g_free (why);
}

static char *
why_not_selected_one (LagoonSnapshotsPage *self,
                      const char          *operation)
{
  const LagoonRecord *snapshot = single_selected (self);

  if (snapshot == NULL)
    return g_strdup (_("Select one snapshot first."));
  if (!lagoon_record_set_contains (snapshot, LAGOON_VM_ALLOWED_OPERATIONS, operation))
    return g_strdup (_("The server does not allow this on the snapshot now."));
  return NULL;
}

static void
update_actions (LagoonSnapshotsPage *self)
{
  const LagoonRecord *vm = lookup_vm (self, self->vm_ref);
  char *why_delete = NULL;

  if (self->selected->len == 0)
    why_delete = g_strdup (_("Select one or more snapshots first."));
  for (guint i = 0; why_delete == NULL && i < self->selected->len; i++)
    {
      const LagoonRecord *rec = lookup_vm (self, g_ptr_array_index (self->selected, i));

      if (rec == NULL || !lagoon_record_set_contains (rec, LAGOON_VM_ALLOWED_OPERATIONS,
                                                      "destroy"))
        /* Translators: %s is a snapshot's name */
        why_delete = g_strdup_printf (_("The server does not allow deleting %s now."),
                                      rec != NULL ? lagoon_record_get_name (rec) : "");
    }

  set_action (self, "take", self->take_button, _("Take a snapshot of the VM's current state"),
              lagoon_snapshot_take_why_not (vm));
  set_action (self, "revert", self->revert_button,
              _("Bring the VM back to the selected snapshot"),
              self->selected->len == 1 ? lagoon_snapshot_revert_why_not (single_selected (self))
                                       : g_strdup (_("Select one snapshot first.")));
  set_action (self, "delete", self->delete_button, _("Delete the selected snapshots"),
              why_delete);
  set_action (self, "new-vm", NULL, NULL, why_not_selected_one (self, "clone"));
  set_action (self, "new-template", NULL, NULL, why_not_selected_one (self, "clone"));
}

static void
take_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  LagoonSnapshotsPage *self = user_data;

  if (self->server != NULL && self->vm_ref != NULL)
    lagoon_snapshot_take (parent_window (self), self->server, self->vm_ref);
}

static void
revert_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  LagoonSnapshotsPage *self = user_data;

  if (self->server != NULL && self->selected->len == 1)
    lagoon_snapshot_revert (parent_window (self), self->server,
                            g_ptr_array_index (self->selected, 0));
}

static void
delete_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  LagoonSnapshotsPage *self = user_data;
  g_auto(GStrv) refs = selected_refs (self);

  if (self->server != NULL && refs[0] != NULL)
    lagoon_snapshot_delete (parent_window (self), self->server, (const char * const *) refs);
}

static void
new_vm_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  LagoonSnapshotsPage *self = user_data;

  if (self->server != NULL && self->selected->len == 1)
    lagoon_snapshot_new_vm (parent_window (self), self->server,
                            g_ptr_array_index (self->selected, 0), FALSE);
}

static void
new_template_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  LagoonSnapshotsPage *self = user_data;

  if (self->server != NULL && self->selected->len == 1)
    lagoon_snapshot_new_vm (parent_window (self), self->server,
                            g_ptr_array_index (self->selected, 0), TRUE);
}

static const GActionEntry page_actions[] = {
  { .name = "take", .activate = take_activated },
  { .name = "revert", .activate = revert_activated },
  { .name = "delete", .activate = delete_activated },
  { .name = "new-vm", .activate = new_vm_activated },
  { .name = "new-template", .activate = new_template_activated },
};

/* ---- context menu and keys --------------------------------------------------------------- */

static void
show_context_menu (LagoonSnapshotsPage *self,
                   GtkTreeView         *view,
                   const GdkEvent      *event)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) first = g_menu_new ();
  g_autoptr(GMenu) second = g_menu_new ();
  GtkWidget *popup;

  g_menu_append (first, _("_Take Snapshot…"), "snap.take");
  g_menu_append (first, _("_Revert To…"), "snap.revert");
  g_menu_append (first, _("_Delete…"), "snap.delete");
  g_menu_append (second, _("New _VM from Snapshot…"), "snap.new-vm");
  g_menu_append (second, _("New Te_mplate from Snapshot…"), "snap.new-template");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (first));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (second));

  /* As the window's tree does: the old menu goes when the next one is made. */
  if (self->context_menu != NULL)
    gtk_widget_destroy (self->context_menu);
  popup = gtk_menu_new_from_model (G_MENU_MODEL (menu));
  gtk_menu_attach_to_widget (GTK_MENU (popup), GTK_WIDGET (view), NULL);
  self->context_menu = popup;
  g_object_add_weak_pointer (G_OBJECT (popup), (gpointer *) &self->context_menu);
  if (event != NULL)
    gtk_menu_popup_at_pointer (GTK_MENU (popup), event);
  else
    gtk_menu_popup_at_widget (GTK_MENU (popup), GTK_WIDGET (view), GDK_GRAVITY_CENTER,
                              GDK_GRAVITY_NORTH_WEST, NULL);
}

static gboolean
on_view_button_press (GtkWidget           *widget,
                      GdkEventButton      *event,
                      LagoonSnapshotsPage *self)
{
  GtkTreeView *view = GTK_TREE_VIEW (widget);
  GtkTreeSelection *selection = gtk_tree_view_get_selection (view);
  g_autoptr(GtkTreePath) path = NULL;

  if (!gdk_event_triggers_context_menu ((GdkEvent *) event))
    return GDK_EVENT_PROPAGATE;

  /* A right click on an unselected row selects it alone; on a selected one keeps them all. */
  if (gtk_tree_view_get_path_at_pos (view, (int) event->x, (int) event->y, &path, NULL, NULL,
                                     NULL) &&
      !gtk_tree_selection_path_is_selected (selection, path))
    {
      gtk_tree_selection_unselect_all (selection);
      gtk_tree_selection_select_path (selection, path);
    }
  show_context_menu (self, view, (GdkEvent *) event);
  return GDK_EVENT_STOP;
}

static gboolean
on_view_key_press (GtkWidget           *widget,
                   GdkEventKey         *event,
                   LagoonSnapshotsPage *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "delete");

  /* The Delete key deletes the selected snapshots (after the confirmation). */
  if ((event->keyval == GDK_KEY_Delete || event->keyval == GDK_KEY_KP_Delete) &&
      (event->state & gtk_accelerator_get_default_mod_mask ()) == 0 &&
      g_action_get_enabled (action))
    {
      g_action_activate (action, NULL);
      return GDK_EVENT_STOP;
    }
  return GDK_EVENT_PROPAGATE;
}

static gboolean
on_view_popup_menu (GtkWidget           *widget,
                    LagoonSnapshotsPage *self)
{
  show_context_menu (self, GTK_TREE_VIEW (widget), NULL);
  return TRUE;
}

static void
on_row_activated (GtkTreeView         *view,
                  GtkTreePath         *path,
                  GtkTreeViewColumn   *column,
                  LagoonSnapshotsPage *self)
{
  /* Enter or a double click on a snapshot: revert to it (asks first). */
  if (single_selected (self) != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (self->actions), "revert", NULL);
}

static void
on_view_radio_toggled (GtkToggleButton     *radio,
                       LagoonSnapshotsPage *self)
{
  if (self->view_stack != NULL && gtk_toggle_button_get_active (radio))
    gtk_stack_set_visible_child_name (self->view_stack, radio == self->list_radio ? "list"
                                                                                   : "tree");
}

static void
on_view_switched (GtkStack            *stack,
                  GParamSpec          *pspec,
                  LagoonSnapshotsPage *self)
{
  if (self->tree_view == NULL || self->list_view == NULL)
    return;
  apply_selection (self, visible_view (self));
  update_details (self);
  update_actions (self);
}

/* ---- LagoonTab --------------------------------------------------------------------------- */

static gboolean
lagoon_snapshots_page_handles (LagoonTab *tab,
                               int        class_id)
{
  return class_id == LAGOON_CLASS_VM;
}

static void
lagoon_snapshots_page_set_object (LagoonTab    *tab,
                                  LagoonServer *server,
                                  int           class_id,
                                  const char   *ref)
{
  LagoonSnapshotsPage *self = LAGOON_SNAPSHOTS_PAGE (tab);
  LagoonConnection *connection = server != NULL ? lagoon_server_get_connection (server) : NULL;
  gboolean same = g_strcmp0 (ref, self->vm_ref) == 0 && server == self->server;
  LagoonCache *cache = connection != NULL ? lagoon_connection_get_cache (connection) : NULL;
  const LagoonRecord *vm;

  g_set_object (&self->server, server);
  g_set_object (&self->cache, cache);
  g_free (self->vm_ref);
  self->vm_ref = class_id == LAGOON_CLASS_VM ? g_strdup (ref) : NULL;
  if (!same)
    g_ptr_array_set_size (self->selected, 0);

  /* A snapshot: its VM's chain, with the snapshot selected. */
  vm = lookup_vm (self, self->vm_ref);
  if (vm != NULL && lagoon_record_get_bool (vm, LAGOON_VM_IS_A_SNAPSHOT))
    {
      const char *of_ref = lagoon_record_get_ref (vm, LAGOON_VM_SNAPSHOT_OF);

      if (lookup_vm (self, of_ref) != NULL)
        {
          g_ptr_array_set_size (self->selected, 0);
          g_ptr_array_add (self->selected, g_strdup (ref));
          g_free (self->vm_ref);
          self->vm_ref = g_strdup (of_ref);
          gtk_stack_set_visible_child_name (self->main_stack, "snapshots");
        }
      else
        {
          gtk_label_set_text (self->is_snapshot_label,
                              _("This snapshot's VM no longer exists. Its General tab shows what "
                                "it kept; New VM from Snapshot (in the VM menu) brings it back."));
          gtk_stack_set_visible_child_name (self->main_stack, "is-snapshot");
        }
    }
  else
    gtk_stack_set_visible_child_name (self->main_stack, "snapshots");
  rebuild (self);
}

/* Whether a change of VM @ref concerns the page. */
static void
check_vm_change (LagoonClassId     class_id,
                 const char       *ref,
                 LagoonChangeKind  kind,
                 gpointer          user_data)
{
  gpointer *args = user_data;
  LagoonSnapshotsPage *self = args[0];
  gboolean *relevant = args[1];
  const LagoonRecord *rec;

  if (*relevant)
    return;
  if (g_strcmp0 (ref, self->vm_ref) == 0 || g_hash_table_contains (self->shown, ref))
    {
      *relevant = TRUE;
      return;
    }
  rec = lookup_vm (self, ref);
  if (rec != NULL && g_strcmp0 (lagoon_record_get_ref (rec, LAGOON_VM_SNAPSHOT_OF),
                                self->vm_ref) == 0)
    *relevant = TRUE;
}

static void
lagoon_snapshots_page_batch (LagoonTab        *tab,
                             LagoonCache      *cache,
                             LagoonCacheBatch *batch)
{
  LagoonSnapshotsPage *self = LAGOON_SNAPSHOTS_PAGE (tab);
  gboolean relevant = FALSE;
  gpointer args[2] = { self, &relevant };

  if (cache != self->cache || self->vm_ref == NULL)
    return;
  if (lagoon_cache_batch_is_resync (batch))
    relevant = TRUE;
  else if (lagoon_cache_batch_has_class (batch, LAGOON_CLASS_VM))
    lagoon_cache_batch_foreach (batch, LAGOON_CLASS_VM, check_vm_change, args);

  if (relevant)
    rebuild (self);
  else if (lagoon_cache_batch_has_class (batch, LAGOON_CLASS_VDI))
    update_details (self);
}

static void
lagoon_snapshots_page_tab_init (LagoonTabInterface *iface)
{
  iface->handles = lagoon_snapshots_page_handles;
  iface->set_object = lagoon_snapshots_page_set_object;
  iface->batch = lagoon_snapshots_page_batch;
}

/* ---- GObject ----------------------------------------------------------------------------- */

GtkWidget *
lagoon_snapshots_page_new (void)
{
  return g_object_new (LAGOON_TYPE_SNAPSHOTS_PAGE, NULL);
}

static void
add_columns (GtkTreeView *view,
             gboolean     with_description)
{
  GtkTreeViewColumn *column;
  GtkCellRenderer *cell;

  column = gtk_tree_view_column_new ();
  gtk_tree_view_column_set_title (column, _("Name"));
  gtk_tree_view_column_set_expand (column, TRUE);
  gtk_tree_view_column_set_min_width (column, 120);
  gtk_tree_view_column_set_resizable (column, TRUE);
  gtk_tree_view_column_set_sort_column_id (column, COLUMN_NAME);
  cell = gtk_cell_renderer_pixbuf_new ();
  gtk_tree_view_column_pack_start (column, cell, FALSE);
  gtk_tree_view_column_add_attribute (column, cell, "icon-name", COLUMN_ICON_NAME);
  cell = gtk_cell_renderer_text_new ();
  g_object_set (cell, "ellipsize", PANGO_ELLIPSIZE_END, NULL);
  gtk_tree_view_column_pack_start (column, cell, TRUE);
  gtk_tree_view_column_add_attribute (column, cell, "text", COLUMN_NAME);
  gtk_tree_view_column_add_attribute (column, cell, "weight", COLUMN_WEIGHT);
  gtk_tree_view_append_column (view, column);

  column = gtk_tree_view_column_new_with_attributes (_("Taken"), gtk_cell_renderer_text_new (),
                                                     "text", COLUMN_TIME_TEXT, NULL);
  gtk_tree_view_column_set_sort_column_id (column, COLUMN_TIME);
  gtk_tree_view_column_set_resizable (column, TRUE);
  gtk_tree_view_append_column (view, column);

  column = gtk_tree_view_column_new_with_attributes (_("Type"), gtk_cell_renderer_text_new (),
                                                     "text", COLUMN_TYPE, NULL);
  gtk_tree_view_column_set_sort_column_id (column, COLUMN_TYPE);
  gtk_tree_view_column_set_resizable (column, TRUE);
  gtk_tree_view_append_column (view, column);

  if (with_description)
    {
      column = gtk_tree_view_column_new_with_attributes (_("Size"), gtk_cell_renderer_text_new (),
                                                         "text", COLUMN_SIZE_TEXT, NULL);
      gtk_tree_view_column_set_sort_column_id (column, COLUMN_SIZE);
      gtk_tree_view_column_set_resizable (column, TRUE);
      gtk_tree_view_append_column (view, column);

      cell = gtk_cell_renderer_text_new ();
      g_object_set (cell, "ellipsize", PANGO_ELLIPSIZE_END, NULL);
      column = gtk_tree_view_column_new_with_attributes (_("Description"), cell,
                                                         "text", COLUMN_DESCRIPTION, NULL);
      gtk_tree_view_column_set_sort_column_id (column, COLUMN_DESCRIPTION);
      gtk_tree_view_column_set_resizable (column, TRUE);
      gtk_tree_view_column_set_expand (column, TRUE);
      gtk_tree_view_append_column (view, column);
    }
}

static void
lagoon_snapshots_page_dispose (GObject *object)
{
  LagoonSnapshotsPage *self = LAGOON_SNAPSHOTS_PAGE (object);

  g_clear_object (&self->server);
  g_clear_object (&self->cache);
  g_clear_object (&self->actions);
  g_clear_object (&self->tree_store);
  g_clear_object (&self->list_store);

  G_OBJECT_CLASS (lagoon_snapshots_page_parent_class)->dispose (object);
}

static void
lagoon_snapshots_page_finalize (GObject *object)
{
  LagoonSnapshotsPage *self = LAGOON_SNAPSHOTS_PAGE (object);

  g_free (self->vm_ref);
  g_clear_pointer (&self->shown, g_hash_table_unref);
  g_clear_pointer (&self->selected, g_ptr_array_unref);

  G_OBJECT_CLASS (lagoon_snapshots_page_parent_class)->finalize (object);
}

static void
lagoon_snapshots_page_class_init (LagoonSnapshotsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lagoon_snapshots_page_dispose;
  object_class->finalize = lagoon_snapshots_page_finalize;

  lagoon_ui_register_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/lagoon/Lagoon/lagoon-snapshots-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotsPage, main_stack);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotsPage, view_stack);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotsPage, tree_radio);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotsPage, list_radio);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotsPage, tree_view);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotsPage, list_view);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotsPage, empty_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotsPage, details_grid);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotsPage, details_title);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotsPage, taken_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotsPage, type_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotsPage, size_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotsPage, description_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotsPage, tags_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotsPage, is_snapshot_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotsPage, take_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotsPage, revert_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotsPage, delete_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotsPage, more_button);
  gtk_widget_class_bind_template_callback (widget_class, on_view_button_press);
  gtk_widget_class_bind_template_callback (widget_class, on_view_popup_menu);
  gtk_widget_class_bind_template_callback (widget_class, on_view_key_press);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_view_switched);
  gtk_widget_class_bind_template_callback (widget_class, on_view_radio_toggled);
}

static void
lagoon_snapshots_page_init (LagoonSnapshotsPage *self)
{
  self->shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->selected = g_ptr_array_new_with_free_func (g_free);
  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), page_actions,
                                   G_N_ELEMENTS (page_actions), self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "snap", G_ACTION_GROUP (self->actions));

  gtk_widget_init_template (GTK_WIDGET (self));

  self->tree_store = gtk_tree_store_new (N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64,
                                         G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                         G_TYPE_STRING, G_TYPE_INT, G_TYPE_INT64, G_TYPE_STRING);
  self->list_store = gtk_list_store_new (N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64,
                                         G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                         G_TYPE_STRING, G_TYPE_INT, G_TYPE_INT64, G_TYPE_STRING);
  gtk_tree_sortable_set_sort_column_id (GTK_TREE_SORTABLE (self->list_store), COLUMN_TIME,
                                        GTK_SORT_ASCENDING);
  gtk_tree_view_set_model (self->tree_view, GTK_TREE_MODEL (self->tree_store));
  gtk_tree_view_set_model (self->list_view, GTK_TREE_MODEL (self->list_store));
  add_columns (self->tree_view, FALSE);
  add_columns (self->list_view, TRUE);
  /* The tree keeps the chain's order; only the list sorts by column. */
  for (guint i = 0; i < gtk_tree_view_get_n_columns (self->tree_view); i++)
    gtk_tree_view_column_set_sort_column_id (gtk_tree_view_get_column (self->tree_view, (int) i),
                                             -1);
  gtk_tree_view_set_search_column (self->tree_view, COLUMN_NAME);
  gtk_tree_view_set_search_column (self->list_view, COLUMN_NAME);

  for (guint i = 0; i < 2; i++)
    {
      GtkTreeSelection *selection = gtk_tree_view_get_selection (i == 0 ? self->tree_view
                                                                        : self->list_view);

      gtk_tree_selection_set_mode (selection, GTK_SELECTION_MULTIPLE);
      g_signal_connect (selection, "changed", G_CALLBACK (on_selection_changed), self);
    }
  update_details (self);
  update_actions (self);
}
