/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-start-order-editor"

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>

#include "lagoon-start-order-editor.h"
#include "lagoon-start-order-timeline.h"
#include "lagoon-ui-private.h"

enum {
  COL_REF,
  COL_NAME,
  COL_DESCRIPTION,
  COL_ORDER,
  COL_START_DELAY,
  COL_SHUTDOWN_DELAY,
  COL_ORIG_ORDER,
  COL_ORIG_START_DELAY,
  COL_ORIG_SHUTDOWN_DELAY,
  COL_WEIGHT,
  N_COLUMNS
};

/* The spin buttons, in the order of their columns. */
enum {
  SPIN_ORDER,
  SPIN_START_DELAY,
  SPIN_SHUTDOWN_DELAY,
  N_SPINS
};

static const int spin_columns[N_SPINS] = { COL_ORDER, COL_START_DELAY, COL_SHUTDOWN_DELAY };

struct _LagoonStartOrderEditor
{
  GtkBox                    parent_instance;

  GtkListStore             *store;
  GtkTreeSelection         *selection;
  GtkSpinButton            *spins[N_SPINS];
  gboolean                  mixed[N_SPINS];
  gboolean                  updating;

  /* Template children */
  GtkTreeView              *tree_view;
  GtkSpinButton            *order_spin;
  GtkSpinButton            *delay_spin;
  GtkSpinButton            *shutdown_spin;
  GtkLabel                 *selection_label;
  GtkWidget                *earlier_button;
  GtkWidget                *later_button;
  LagoonStartOrderTimeline *timeline;
};

G_DEFINE_FINAL_TYPE (LagoonStartOrderEditor, lagoon_start_order_editor, GTK_TYPE_BOX)

/* ---- rows -------------------------------------------------------------------------------- */

static gboolean
row_changed_values (GtkTreeModel *model,
                    GtkTreeIter  *iter)
{
  int v[6];

  gtk_tree_model_get (model, iter, COL_ORDER, &v[0], COL_START_DELAY, &v[1],
                      COL_SHUTDOWN_DELAY, &v[2], COL_ORIG_ORDER, &v[3],
                      COL_ORIG_START_DELAY, &v[4], COL_ORIG_SHUTDOWN_DELAY, &v[5], -1);
  return v[0] != v[3] || v[1] != v[4] || v[2] != v[5];
}

static void
set_value (LagoonStartOrderEditor *self,
           GtkTreeIter            *iter,
           int                     column,
           int                     value)
{
  GtkTreeModel *model = GTK_TREE_MODEL (self->store);
  int old;

  gtk_tree_model_get (model, iter, column, &old, -1);
  if (old == value)
    return;
  gtk_list_store_set (self->store, iter, column, value, -1);
  gtk_list_store_set (self->store, iter, COL_WEIGHT,
                      row_changed_values (model, iter) ? PANGO_WEIGHT_BOLD
                                                       : PANGO_WEIGHT_NORMAL, -1);
}

/* Applies @value of @column to every selected row. */
static void
apply_to_selection (LagoonStartOrderEditor *self,
                    int                     column,
                    int                     value)
{
  GList *rows = gtk_tree_selection_get_selected_rows (self->selection, NULL);
  g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                              gtk_tree_row_reference_free);

  /* Rows move when the store re-sorts: hold them by reference. */
  for (GList *l = rows; l != NULL; l = l->next)
    g_ptr_array_add (refs, gtk_tree_row_reference_new (GTK_TREE_MODEL (self->store), l->data));
  g_list_free_full (rows, (GDestroyNotify) gtk_tree_path_free);

  for (guint i = 0; i < refs->len; i++)
    {
      g_autoptr(GtkTreePath) path = gtk_tree_row_reference_get_path (refs->pdata[i]);
      GtkTreeIter iter;

      if (path != NULL && gtk_tree_model_get_iter (GTK_TREE_MODEL (self->store), &iter, path))
        set_value (self, &iter, column, value);
    }
}

/* ---- spin buttons ------------------------------------------------------------------------ */

static int
spin_index (LagoonStartOrderEditor *self,
            GtkSpinButton          *spin)
{
  for (int i = 0; i < N_SPINS; i++)
    if (self->spins[i] == spin)
      return i;
  return -1;
}

/* Shows the selected rows' common values (blank when they differ). */
static void
update_spins (LagoonStartOrderEditor *self)
{
  GList *rows = gtk_tree_selection_get_selected_rows (self->selection, NULL);
  guint n = g_list_length (rows);
  int first[N_SPINS] = { 0, 0, 0 };
  gboolean same[N_SPINS] = { TRUE, TRUE, TRUE };
  g_autofree char *text = NULL;

  for (GList *l = rows; l != NULL; l = l->next)
    {
      GtkTreeIter iter;

      if (!gtk_tree_model_get_iter (GTK_TREE_MODEL (self->store), &iter, l->data))
        continue;
      for (int i = 0; i < N_SPINS; i++)
        {
          int v;

          gtk_tree_model_get (GTK_TREE_MODEL (self->store), &iter, spin_columns[i], &v, -1);
          if (l == rows)
            first[i] = v;
          else if (v != first[i])
            same[i] = FALSE;
        }
    }
  g_list_free_full (rows, (GDestroyNotify) gtk_tree_path_free);

  self->updating = TRUE;
  for (int i = 0; i < N_SPINS; i++)
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->spins[i]), n > 0);
      self->mixed[i] = n > 1 && !same[i];
      if (self->mixed[i])
        gtk_entry_set_text (GTK_ENTRY (self->spins[i]), "");
      else
        {
          gtk_spin_button_set_value (self->spins[i], n > 0 ? first[i] : 0);
          /* set_value does not redraw when the value is unchanged but the text was blank. */
          {
            g_autofree char *digits = g_strdup_printf ("%d", n > 0 ? first[i] : 0);
            gtk_entry_set_text (GTK_ENTRY (self->spins[i]), digits);
          }
        }
    }
  self->updating = FALSE;

  gtk_widget_set_sensitive (self->earlier_button, n > 0);
  gtk_widget_set_sensitive (self->later_button, n > 0);
  if (n == 0)
    text = g_strdup (_("Select VMs to change their start order and delays."));
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u VM selected", "%u VMs selected",
                                         n), n);
  gtk_label_set_text (self->selection_label, text);
}

static void
on_selection_changed (LagoonStartOrderEditor *self)
{
  update_spins (self);
}

static void
on_spin_value_changed (GtkSpinButton          *spin,
                       LagoonStartOrderEditor *self)
{
  int i = spin_index (self, spin);
  const char *text;

  if (self->updating || i < 0)
    return;
  text = gtk_entry_get_text (GTK_ENTRY (spin));
  /* A blank (mixed) field that lost focus re-emits; nothing was typed. */
  if (self->mixed[i] && (text == NULL || *text == '\0'))
    return;
  self->mixed[i] = FALSE;
  apply_to_selection (self, spin_columns[i], gtk_spin_button_get_value_as_int (spin));
}

/* Text to value: blank stays blank (a mixed selection), numbers are whole seconds. */
static int
on_spin_input (GtkSpinButton          *spin,
               double                 *new_value,
               LagoonStartOrderEditor *self)
{
  const char *text = gtk_entry_get_text (GTK_ENTRY (spin));
  int i = spin_index (self, spin);
  char *end = NULL;
  long value;

  if (text == NULL || *text == '\0')
    return GTK_INPUT_ERROR;
  value = strtol (text, &end, 10);
  if (end == text || (end != NULL && *end != '\0' && !g_ascii_isspace (*end)))
    return GTK_INPUT_ERROR;
  *new_value = (double) value;
  /* Typing the value the adjustment already holds must still apply to a mixed selection. */
  if (i >= 0 && self->mixed[i] && !self->updating)
    {
      GtkAdjustment *adj = gtk_spin_button_get_adjustment (spin);
      double clamped = CLAMP ((double) value, gtk_adjustment_get_lower (adj),
                              gtk_adjustment_get_upper (adj));

      self->mixed[i] = FALSE;
      apply_to_selection (self, spin_columns[i], (int) clamped);
    }
  return TRUE;
}

static gboolean
on_spin_output (GtkSpinButton          *spin,
                LagoonStartOrderEditor *self)
{
  int i = spin_index (self, spin);

  if (i >= 0 && self->mixed[i])
    {
      gtk_entry_set_text (GTK_ENTRY (spin), "");
      return TRUE;
    }
  return FALSE;
}

/* ---- timeline ---------------------------------------------------------------------------- */

static void
on_move_to_order (LagoonStartOrderEditor *self,
                  int                     order)
{
  GtkTreeModel *model = GTK_TREE_MODEL (self->store);
  GtkTreeIter iter;

  if (order >= 0)
    {
      apply_to_selection (self, COL_ORDER, order);
      update_spins (self);
      return;
    }

  /* A new first group: every other VM moves one later, the selection takes order 0. */
  {
    g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                  gtk_tree_row_reference_free);

    if (gtk_tree_model_get_iter_first (model, &iter))
      do
        if (!gtk_tree_selection_iter_is_selected (self->selection, &iter))
          {
            g_autoptr(GtkTreePath) path = gtk_tree_model_get_path (model, &iter);
            g_ptr_array_add (others, gtk_tree_row_reference_new (model, path));
          }
      while (gtk_tree_model_iter_next (model, &iter));

    for (guint i = 0; i < others->len; i++)
      {
        g_autoptr(GtkTreePath) path = gtk_tree_row_reference_get_path (others->pdata[i]);
        int v;

        if (path == NULL || !gtk_tree_model_get_iter (model, &iter, path))
          continue;
        gtk_tree_model_get (model, &iter, COL_ORDER, &v, -1);
        set_value (self, &iter, COL_ORDER, v + 1);
      }
    apply_to_selection (self, COL_ORDER, 0);
    update_spins (self);
  }
}

static void
on_earlier_clicked (LagoonStartOrderEditor *self)
{
  lagoon_start_order_timeline_move_selection (self->timeline, -1);
}

static void
on_later_clicked (LagoonStartOrderEditor *self)
{
  lagoon_start_order_timeline_move_selection (self->timeline, +1);
}

/* ---- sorting and columns ----------------------------------------------------------------- */

static int
compare_rows (GtkTreeModel *model,
              GtkTreeIter  *a,
              GtkTreeIter  *b,
              gpointer      user_data)
{
  int oa, ob;
  g_autofree char *na = NULL;
  g_autofree char *nb = NULL;

  gtk_tree_model_get (model, a, COL_ORDER, &oa, COL_NAME, &na, -1);
  gtk_tree_model_get (model, b, COL_ORDER, &ob, COL_NAME, &nb, -1);
  if (oa != ob)
    return oa < ob ? -1 : 1;
  return g_utf8_collate (na != NULL ? na : "", nb != NULL ? nb : "");
}

static void
seconds_cell (GtkTreeViewColumn *column,
              GtkCellRenderer   *cell,
              GtkTreeModel      *model,
              GtkTreeIter       *iter,
              gpointer           user_data)
{
  int value;
  g_autofree char *text = NULL;

  gtk_tree_model_get (model, iter, GPOINTER_TO_INT (user_data), &value, -1);
  /* Translators: a delay in seconds in the start-order grid */
  text = g_strdup_printf (_("%d s"), value);
  g_object_set (cell, "text", text, NULL);
}

static void
add_column (LagoonStartOrderEditor *self,
            const char             *title,
            int                     column,
            gboolean                seconds,
            gboolean                expand)
{
  GtkCellRenderer *cell = gtk_cell_renderer_text_new ();
  GtkTreeViewColumn *col = gtk_tree_view_column_new ();

  gtk_tree_view_column_set_title (col, title);
  gtk_tree_view_column_pack_start (col, cell, TRUE);
  gtk_tree_view_column_add_attribute (col, cell, "weight", COL_WEIGHT);
  if (seconds)
    gtk_tree_view_column_set_cell_data_func (col, cell, seconds_cell, GINT_TO_POINTER (column),
                                             NULL);
  else
    gtk_tree_view_column_add_attribute (col, cell, "text", column);
  if (expand)
    {
      gtk_tree_view_column_set_expand (col, TRUE);
      gtk_tree_view_column_set_resizable (col, TRUE);
      g_object_set (cell, "ellipsize", PANGO_ELLIPSIZE_END, NULL);
    }
  else
    g_object_set (cell, "xalign", 1.0, NULL);
  gtk_tree_view_append_column (self->tree_view, col);
}

/* ---- public ------------------------------------------------------------------------------ */

void
lagoon_start_order_editor_set_vms (LagoonStartOrderEditor *self,
                                   LagoonCache            *cache,
                                   const char * const     *refs)
{
  GtkTreeModel *model;
  g_autoptr(GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) present = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GtkTreeIter iter;
  gboolean valid;

  g_return_if_fail (LAGOON_IS_START_ORDER_EDITOR (self));

  model = GTK_TREE_MODEL (self->store);
  for (guint i = 0; refs != NULL && refs[i] != NULL; i++)
    g_hash_table_add (wanted, (gpointer) refs[i]);

  valid = gtk_tree_model_get_iter_first (model, &iter);
  while (valid)
    {
      g_autofree char *ref = NULL;

      gtk_tree_model_get (model, &iter, COL_REF, &ref, -1);
      if (ref == NULL || !g_hash_table_contains (wanted, ref))
        valid = gtk_list_store_remove (self->store, &iter);
      else
        {
          g_hash_table_add (present, g_steal_pointer (&ref));
          valid = gtk_tree_model_iter_next (model, &iter);
        }
    }

  for (guint i = 0; refs != NULL && refs[i] != NULL; i++)
    {
      const LagoonRecord *rec = cache != NULL
                                  ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM, refs[i]) : NULL;
      int order, start, shutdown;

      if (rec == NULL || g_hash_table_contains (present, refs[i]))
        continue;
      g_hash_table_add (present, g_strdup (refs[i]));
      order = (int) CLAMP (lagoon_record_get_int (rec, LAGOON_VM_ORDER), 0, G_MAXINT);
      start = (int) CLAMP (lagoon_record_get_int (rec, LAGOON_VM_START_DELAY), 0, G_MAXINT);
      shutdown = (int) CLAMP (lagoon_record_get_int (rec, LAGOON_VM_SHUTDOWN_DELAY), 0,
                              G_MAXINT);
      gtk_list_store_insert_with_values (self->store, NULL, -1,
                                         COL_REF, refs[i],
                                         COL_NAME, lagoon_record_get_name (rec),
                                         COL_DESCRIPTION,
                                         lagoon_record_get_string (rec,
                                                                   LAGOON_VM_NAME_DESCRIPTION),
                                         COL_ORDER, order,
                                         COL_START_DELAY, start,
                                         COL_SHUTDOWN_DELAY, shutdown,
                                         COL_ORIG_ORDER, order,
                                         COL_ORIG_START_DELAY, start,
                                         COL_ORIG_SHUTDOWN_DELAY, shutdown,
                                         COL_WEIGHT, PANGO_WEIGHT_NORMAL,
                                         -1);
    }
  update_spins (self);
}

guint
lagoon_start_order_editor_count_changes (LagoonStartOrderEditor *self)
{
  GtkTreeModel *model;
  GtkTreeIter iter;
  guint n = 0;

  g_return_val_if_fail (LAGOON_IS_START_ORDER_EDITOR (self), 0);

  model = GTK_TREE_MODEL (self->store);
  if (gtk_tree_model_get_iter_first (model, &iter))
    do
      {
        int v[6];

        gtk_tree_model_get (model, &iter, COL_ORDER, &v[0], COL_START_DELAY, &v[1],
                            COL_SHUTDOWN_DELAY, &v[2], COL_ORIG_ORDER, &v[3],
                            COL_ORIG_START_DELAY, &v[4], COL_ORIG_SHUTDOWN_DELAY, &v[5], -1);
        n += (v[0] != v[3]) + (v[1] != v[4]) + (v[2] != v[5]);
      }
    while (gtk_tree_model_iter_next (model, &iter));
  return n;
}

void
lagoon_start_order_editor_add_steps (LagoonStartOrderEditor *self,
                                     LagoonVappAction       *action)
{
  static const struct { int column, orig; const char *method; } setters[] = {
    { COL_ORDER, COL_ORIG_ORDER, "VM.set_order" },
    { COL_START_DELAY, COL_ORIG_START_DELAY, "VM.set_start_delay" },
    { COL_SHUTDOWN_DELAY, COL_ORIG_SHUTDOWN_DELAY, "VM.set_shutdown_delay" },
  };
  GtkTreeModel *model;
  GtkTreeIter iter;

  g_return_if_fail (LAGOON_IS_START_ORDER_EDITOR (self));
  g_return_if_fail (LAGOON_IS_VAPP_ACTION (action));

  model = GTK_TREE_MODEL (self->store);
  if (!gtk_tree_model_get_iter_first (model, &iter))
    return;
  do
    {
      g_autofree char *ref = NULL;

      gtk_tree_model_get (model, &iter, COL_REF, &ref, -1);
      for (guint i = 0; i < G_N_ELEMENTS (setters); i++)
        {
          int value, orig;

          gtk_tree_model_get (model, &iter, setters[i].column, &value, setters[i].orig, &orig,
                              -1);
          if (value != orig)
            lagoon_vapp_action_add_step (action, setters[i].method,
                                         g_variant_new ("(sx)", ref, (gint64) value),
                                         LAGOON_VAPP_STEP_CALL);
        }
    }
  while (gtk_tree_model_iter_next (model, &iter));
}

char *
lagoon_start_order_editor_describe (LagoonStartOrderEditor *self)
{
  g_return_val_if_fail (LAGOON_IS_START_ORDER_EDITOR (self), NULL);
  return lagoon_start_order_timeline_describe (self->timeline);
}

/* ---- GObject ----------------------------------------------------------------------------- */

static void
lagoon_start_order_editor_dispose (GObject *object)
{
  LagoonStartOrderEditor *self = LAGOON_START_ORDER_EDITOR (object);

  g_clear_object (&self->store);
  G_OBJECT_CLASS (lagoon_start_order_editor_parent_class)->dispose (object);
}

static void
lagoon_start_order_editor_class_init (LagoonStartOrderEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lagoon_start_order_editor_dispose;

  g_type_ensure (LAGOON_TYPE_START_ORDER_TIMELINE);
  lagoon_ui_register_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/lagoon/Lagoon/lagoon-start-order-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, LagoonStartOrderEditor, tree_view);
  gtk_widget_class_bind_template_child (widget_class, LagoonStartOrderEditor, order_spin);
  gtk_widget_class_bind_template_child (widget_class, LagoonStartOrderEditor, delay_spin);
  gtk_widget_class_bind_template_child (widget_class, LagoonStartOrderEditor, shutdown_spin);
  gtk_widget_class_bind_template_child (widget_class, LagoonStartOrderEditor, selection_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonStartOrderEditor, earlier_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonStartOrderEditor, later_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonStartOrderEditor, timeline);
  gtk_widget_class_bind_template_callback (widget_class, on_move_to_order);
  gtk_widget_class_bind_template_callback (widget_class, on_earlier_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_later_clicked);
}

static void
lagoon_start_order_editor_init (LagoonStartOrderEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->store = gtk_list_store_new (N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                    G_TYPE_INT, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT,
                                    G_TYPE_INT, G_TYPE_INT);
  gtk_tree_sortable_set_default_sort_func (GTK_TREE_SORTABLE (self->store), compare_rows, NULL,
                                           NULL);
  gtk_tree_sortable_set_sort_column_id (GTK_TREE_SORTABLE (self->store),
                                        GTK_TREE_SORTABLE_DEFAULT_SORT_COLUMN_ID,
                                        GTK_SORT_ASCENDING);
  gtk_tree_view_set_model (self->tree_view, GTK_TREE_MODEL (self->store));
  add_column (self, _("VM"), COL_NAME, FALSE, TRUE);
  add_column (self, _("Description"), COL_DESCRIPTION, FALSE, TRUE);
  add_column (self, _("Start order"), COL_ORDER, FALSE, FALSE);
  add_column (self, _("Start next after"), COL_START_DELAY, TRUE, FALSE);
  add_column (self, _("Shutdown delay"), COL_SHUTDOWN_DELAY, TRUE, FALSE);

  self->selection = gtk_tree_view_get_selection (self->tree_view);
  gtk_tree_selection_set_mode (self->selection, GTK_SELECTION_MULTIPLE);
  g_signal_connect_swapped (self->selection, "changed", G_CALLBACK (on_selection_changed),
                            self);

  self->spins[SPIN_ORDER] = self->order_spin;
  self->spins[SPIN_START_DELAY] = self->delay_spin;
  self->spins[SPIN_SHUTDOWN_DELAY] = self->shutdown_spin;
  for (int i = 0; i < N_SPINS; i++)
    {
      g_signal_connect (self->spins[i], "value-changed", G_CALLBACK (on_spin_value_changed),
                        self);
      g_signal_connect (self->spins[i], "input", G_CALLBACK (on_spin_input), self);
      g_signal_connect (self->spins[i], "output", G_CALLBACK (on_spin_output), self);
    }

  lagoon_start_order_timeline_set_model (self->timeline, GTK_TREE_MODEL (self->store),
                                         self->selection, COL_NAME, COL_ORDER, COL_START_DELAY);
  update_spins (self);
}

GtkWidget *
lagoon_start_order_editor_new (void)
{
  return g_object_new (LAGOON_TYPE_START_ORDER_EDITOR, NULL);
}
