/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-vapp-vm-chooser"

#include "config.h"

#include <glib/gi18n.h>

#include "lagoon-ui-private.h"
#include "lagoon-vapp-vm-chooser.h"
#include "lagoon-page-util.h"

enum {
  COL_REF,
  COL_CHECKED,
  COL_NAME,
  COL_DESCRIPTION,
  COL_GROUP,
  N_COLUMNS
};

struct _LagoonVappVmChooser
{
  GtkBox              parent_instance;

  GtkListStore       *store;
  GtkTreeModel       *filter;
  char               *needle;

  /* Template children */
  GtkSearchEntry     *search_entry;
  GtkTreeView        *tree_view;
  GtkLabel           *count_label;
};

G_DEFINE_FINAL_TYPE (LagoonVappVmChooser, lagoon_vapp_vm_chooser, GTK_TYPE_BOX)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
emit_changed (LagoonVappVmChooser *self)
{
  guint n = lagoon_vapp_vm_chooser_get_n_checked (self);
  g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u VM selected",
                                                        "%u VMs selected", n), n);

  gtk_label_set_text (self->count_label, text);
  g_signal_emit (self, signals[CHANGED], 0);
}

static gboolean
row_visible (GtkTreeModel *model,
             GtkTreeIter  *iter,
             gpointer      user_data)
{
  LagoonVappVmChooser *self = user_data;
  g_autofree char *name = NULL;
  g_autofree char *folded = NULL;

  if (self->needle == NULL || *self->needle == '\0')
    return TRUE;
  gtk_tree_model_get (model, iter, COL_NAME, &name, -1);
  if (name == NULL)
    return FALSE;
  folded = g_utf8_casefold (name, -1);
  return strstr (folded, self->needle) != NULL;
}

static void
on_search_changed (LagoonVappVmChooser *self)
{
  g_free (self->needle);
  self->needle = g_utf8_casefold (gtk_entry_get_text (GTK_ENTRY (self->search_entry)), -1);
  gtk_tree_model_filter_refilter (GTK_TREE_MODEL_FILTER (self->filter));
}

static void
toggle_path (LagoonVappVmChooser *self,
             GtkTreePath         *filter_path)
{
  GtkTreeIter fiter, iter;
  gboolean checked;

  if (!gtk_tree_model_get_iter (self->filter, &fiter, filter_path))
    return;
  gtk_tree_model_filter_convert_iter_to_child_iter (GTK_TREE_MODEL_FILTER (self->filter), &iter,
                                                    &fiter);
  gtk_tree_model_get (GTK_TREE_MODEL (self->store), &iter, COL_CHECKED, &checked, -1);
  gtk_list_store_set (self->store, &iter, COL_CHECKED, !checked, -1);
  emit_changed (self);
}

static void
on_toggled (GtkCellRendererToggle *cell,
            const char            *path_string,
            LagoonVappVmChooser   *self)
{
  g_autoptr(GtkTreePath) path = gtk_tree_path_new_from_string (path_string);

  toggle_path (self, path);
}

static void
on_row_activated (LagoonVappVmChooser *self,
                  GtkTreePath         *path,
                  GtkTreeViewColumn   *column)
{
  toggle_path (self, path);
}

static void
set_all_shown (LagoonVappVmChooser *self,
               gboolean             checked)
{
  GtkTreeIter fiter;

  if (gtk_tree_model_get_iter_first (self->filter, &fiter))
    do
      {
        GtkTreeIter iter;

        gtk_tree_model_filter_convert_iter_to_child_iter (GTK_TREE_MODEL_FILTER (self->filter),
                                                          &iter, &fiter);
        gtk_list_store_set (self->store, &iter, COL_CHECKED, checked, -1);
      }
    while (gtk_tree_model_iter_next (self->filter, &fiter));
  emit_changed (self);
}

static void
on_select_all (LagoonVappVmChooser *self)
{
  set_all_shown (self, TRUE);
}

static void
on_clear_all (LagoonVappVmChooser *self)
{
  set_all_shown (self, FALSE);
}

static gboolean
is_guest (const LagoonRecord *rec)
{
  return !lagoon_record_get_bool (rec, LAGOON_VM_IS_A_TEMPLATE) &&
         !lagoon_record_get_bool (rec, LAGOON_VM_IS_A_SNAPSHOT) &&
         !lagoon_record_get_bool (rec, LAGOON_VM_IS_CONTROL_DOMAIN);
}


void
lagoon_vapp_vm_chooser_set_cache (LagoonVappVmChooser *self,
                                  LagoonCache         *cache,
                                  const char          *vapp_ref)
{
  g_autoptr(GPtrArray) vms = NULL;
  g_auto(GStrv) checked = NULL;

  g_return_if_fail (LAGOON_IS_VAPP_VM_CHOOSER (self));

  checked = lagoon_vapp_vm_chooser_dup_checked (self);
  gtk_list_store_clear (self->store);
  if (cache == NULL)
    {
      emit_changed (self);
      return;
    }

  vms = lagoon_cache_list (cache, LAGOON_CLASS_VM);
  g_ptr_array_sort (vms, lagoon_page_compare_names);
  for (guint i = 0; i < vms->len; i++)
    {
      const LagoonRecord *rec = vms->pdata[i];
      const char *app = lagoon_record_get_ref (rec, LAGOON_VM_APPLIANCE);
      const LagoonRecord *app_rec = app != NULL
                                      ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM_APPLIANCE,
                                                             app)
                                      : NULL;
      const char *group = app_rec != NULL ? lagoon_record_get_name (app_rec) : "";

      if (!is_guest (rec))
        continue;
      gtk_list_store_insert_with_values (self->store, NULL, -1,
                                         COL_REF, lagoon_record_get_opaque_ref (rec),
                                         COL_CHECKED,
                                         g_strv_contains ((const char * const *) checked,
                                                          lagoon_record_get_opaque_ref (rec)),
                                         COL_NAME, lagoon_record_get_name (rec),
                                         COL_DESCRIPTION,
                                         lagoon_record_get_string (rec,
                                                                   LAGOON_VM_NAME_DESCRIPTION),
                                         COL_GROUP, group,
                                         -1);
    }
  (void) vapp_ref;
  emit_changed (self);
}

void
lagoon_vapp_vm_chooser_set_checked (LagoonVappVmChooser *self,
                                    const char * const  *refs)
{
  GtkTreeModel *model;
  GtkTreeIter iter;

  g_return_if_fail (LAGOON_IS_VAPP_VM_CHOOSER (self));

  model = GTK_TREE_MODEL (self->store);
  if (gtk_tree_model_get_iter_first (model, &iter))
    do
      {
        g_autofree char *ref = NULL;

        gtk_tree_model_get (model, &iter, COL_REF, &ref, -1);
        gtk_list_store_set (self->store, &iter, COL_CHECKED,
                            refs != NULL && ref != NULL && g_strv_contains (refs, ref), -1);
      }
    while (gtk_tree_model_iter_next (model, &iter));
  emit_changed (self);
}

GStrv
lagoon_vapp_vm_chooser_dup_checked (LagoonVappVmChooser *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GtkTreeModel *model;
  GtkTreeIter iter;

  g_return_val_if_fail (LAGOON_IS_VAPP_VM_CHOOSER (self), NULL);

  model = GTK_TREE_MODEL (self->store);
  if (gtk_tree_model_get_iter_first (model, &iter))
    do
      {
        g_autofree char *ref = NULL;
        gboolean checked;

        gtk_tree_model_get (model, &iter, COL_REF, &ref, COL_CHECKED, &checked, -1);
        if (checked && ref != NULL)
          g_strv_builder_add (builder, ref);
      }
    while (gtk_tree_model_iter_next (model, &iter));
  return g_strv_builder_end (builder);
}

guint
lagoon_vapp_vm_chooser_get_n_checked (LagoonVappVmChooser *self)
{
  g_auto(GStrv) refs = lagoon_vapp_vm_chooser_dup_checked (self);

  return g_strv_length (refs);
}

static void
lagoon_vapp_vm_chooser_dispose (GObject *object)
{
  LagoonVappVmChooser *self = LAGOON_VAPP_VM_CHOOSER (object);

  g_clear_object (&self->filter);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (lagoon_vapp_vm_chooser_parent_class)->dispose (object);
}

static void
lagoon_vapp_vm_chooser_finalize (GObject *object)
{
  g_free (LAGOON_VAPP_VM_CHOOSER (object)->needle);
  G_OBJECT_CLASS (lagoon_vapp_vm_chooser_parent_class)->finalize (object);
}

static void
lagoon_vapp_vm_chooser_class_init (LagoonVappVmChooserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lagoon_vapp_vm_chooser_dispose;
  object_class->finalize = lagoon_vapp_vm_chooser_finalize;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);

  lagoon_ui_register_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/lagoon/Lagoon/lagoon-vapp-vm-chooser.ui");
  gtk_widget_class_bind_template_child (widget_class, LagoonVappVmChooser, search_entry);
  gtk_widget_class_bind_template_child (widget_class, LagoonVappVmChooser, tree_view);
  gtk_widget_class_bind_template_child (widget_class, LagoonVappVmChooser, count_label);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_select_all);
  gtk_widget_class_bind_template_callback (widget_class, on_clear_all);
}

static void
add_text_column (GtkTreeView *view,
                 const char  *title,
                 int          column)
{
  GtkCellRenderer *cell = gtk_cell_renderer_text_new ();
  GtkTreeViewColumn *col = gtk_tree_view_column_new_with_attributes (title, cell, "text",
                                                                     column, NULL);

  g_object_set (cell, "ellipsize", PANGO_ELLIPSIZE_END, NULL);
  gtk_tree_view_column_set_expand (col, TRUE);
  gtk_tree_view_column_set_resizable (col, TRUE);
  gtk_tree_view_append_column (view, col);
}

static void
lagoon_vapp_vm_chooser_init (LagoonVappVmChooser *self)
{
  GtkCellRenderer *toggle;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->store = gtk_list_store_new (N_COLUMNS, G_TYPE_STRING, G_TYPE_BOOLEAN, G_TYPE_STRING,
                                    G_TYPE_STRING, G_TYPE_STRING);
  self->filter = gtk_tree_model_filter_new (GTK_TREE_MODEL (self->store), NULL);
  gtk_tree_model_filter_set_visible_func (GTK_TREE_MODEL_FILTER (self->filter), row_visible,
                                          self, NULL);
  gtk_tree_view_set_model (self->tree_view, self->filter);

  toggle = gtk_cell_renderer_toggle_new ();
  g_signal_connect (toggle, "toggled", G_CALLBACK (on_toggled), self);
  gtk_tree_view_append_column (self->tree_view,
                               gtk_tree_view_column_new_with_attributes (_("Include"), toggle,
                                                                         "active", COL_CHECKED,
                                                                         NULL));
  add_text_column (self->tree_view, _("VM"), COL_NAME);
  add_text_column (self->tree_view, _("Description"), COL_DESCRIPTION);
  add_text_column (self->tree_view, _("Current vApp"), COL_GROUP);
  emit_changed (self);
}

GtkWidget *
lagoon_vapp_vm_chooser_new (void)
{
  return g_object_new (LAGOON_TYPE_VAPP_VM_CHOOSER, NULL);
}
