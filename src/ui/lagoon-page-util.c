/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-ui"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lagoon-application.h"
#include "lagoon-page-util.h"

char *
lagoon_page_format_bytes (gint64 bytes)
{
  if (bytes <= 0)
    return g_strdup (_("0 bytes"));
  return g_format_size_full ((guint64) bytes, G_FORMAT_SIZE_IEC_UNITS);
}

LagoonCache *
lagoon_page_get_cache (LagoonServer *server)
{
  LagoonConnection *connection;

  if (server == NULL)
    return NULL;
  connection = lagoon_server_get_connection (server);
  if (connection == NULL || lagoon_connection_get_state (connection) != LAGOON_CONNECTION_CONNECTED)
    return NULL;
  return lagoon_connection_get_cache (connection);
}

/* ---- list stores ---------------------------------------------------------------------------- */

struct _LagoonStoreSync
{
  GtkListStore *store;
  GHashTable   *rows;      /* ref -> GtkTreeIter (list store iters persist), not asked for yet */
  int           sort_id;
  GtkSortType   order;
  gboolean      sorted;
};

LagoonStoreSync *
lagoon_store_sync_begin (GtkListStore *store)
{
  LagoonStoreSync *sync = g_new0 (LagoonStoreSync, 1);
  GtkTreeModel *model = GTK_TREE_MODEL (store);
  GtkTreeIter iter;

  sync->store = g_object_ref (store);
  sync->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* Sorted as rows come, each change would move a row and renumber the others: sort once at
   * the end instead (thousands of disks in an SR). */
  sync->sorted = gtk_tree_sortable_get_sort_column_id (GTK_TREE_SORTABLE (store), &sync->sort_id,
                                                       &sync->order);
  if (sync->sorted)
    gtk_tree_sortable_set_sort_column_id (GTK_TREE_SORTABLE (store),
                                          GTK_TREE_SORTABLE_UNSORTED_SORT_COLUMN_ID,
                                          GTK_SORT_ASCENDING);
  if (gtk_tree_model_get_iter_first (model, &iter))
    do
      {
        g_autofree char *ref = NULL;

        gtk_tree_model_get (model, &iter, 0, &ref, -1);
        if (ref != NULL && !g_hash_table_contains (sync->rows, ref))
          g_hash_table_insert (sync->rows, g_steal_pointer (&ref), g_memdup2 (&iter, sizeof iter));
      }
    while (gtk_tree_model_iter_next (model, &iter));
  return sync;
}

void
lagoon_store_sync_row (LagoonStoreSync *sync,
                       const char      *ref,
                       GtkTreeIter     *iter)
{
  GtkTreeIter *old = g_hash_table_lookup (sync->rows, ref);

  if (old != NULL)
    {
      *iter = *old;
      g_hash_table_remove (sync->rows, ref);
      return;
    }
  gtk_list_store_insert_with_values (sync->store, iter, -1, 0, ref, -1);
}

void
lagoon_store_sync_end (LagoonStoreSync *sync)
{
  GHashTableIter hiter;
  gpointer value;

  /* A list store's iters stay valid while their rows exist. */
  g_hash_table_iter_init (&hiter, sync->rows);
  while (g_hash_table_iter_next (&hiter, NULL, &value))
    gtk_list_store_remove (sync->store, value);
  if (sync->sorted)
    gtk_tree_sortable_set_sort_column_id (GTK_TREE_SORTABLE (sync->store), sync->sort_id,
                                          sync->order);
  g_hash_table_unref (sync->rows);
  g_object_unref (sync->store);
  g_free (sync);
}

char *
lagoon_page_dup_selected_ref (GtkTreeView *view)
{
  GtkTreeModel *model;
  GtkTreeIter iter;
  char *ref = NULL;

  if (!gtk_tree_selection_get_selected (gtk_tree_view_get_selection (view), &model, &iter))
    return NULL;
  gtk_tree_model_get (model, &iter, 0, &ref, -1);
  return ref;
}

GtkWidget *
lagoon_page_tree_new (GtkTreeModel *model,
                      const char   *name,
                      GtkTreeView **view)
{
  GtkWidget *scrolled = gtk_scrolled_window_new (NULL, NULL);
  GtkWidget *tree = gtk_tree_view_new_with_model (model);

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_AUTOMATIC,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_shadow_type (GTK_SCROLLED_WINDOW (scrolled), GTK_SHADOW_IN);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_tree_view_set_enable_search (GTK_TREE_VIEW (tree), TRUE);
  lagoon_page_set_accessible (tree, name);
  gtk_container_add (GTK_CONTAINER (scrolled), tree);
  gtk_widget_show_all (scrolled);
  *view = GTK_TREE_VIEW (tree);
  return scrolled;
}

GtkTreeViewColumn *
lagoon_page_add_text_column (GtkTreeView *view,
                             const char  *title,
                             int          column,
                             int          sort_column)
{
  GtkCellRenderer *cell = gtk_cell_renderer_text_new ();
  GtkTreeViewColumn *col = gtk_tree_view_column_new_with_attributes (title, cell, "text", column,
                                                                     NULL);

  gtk_tree_view_column_set_resizable (col, TRUE);
  gtk_tree_view_column_set_sort_column_id (col, sort_column >= 0 ? sort_column : column);
  gtk_tree_view_append_column (view, col);
  return col;
}

GtkTreeViewColumn *
lagoon_page_add_name_column (GtkTreeView *view,
                             const char  *title,
                             int          column)
{
  GtkTreeViewColumn *col = lagoon_page_add_text_column (view, title, column, -1);
  GList *cells = gtk_cell_layout_get_cells (GTK_CELL_LAYOUT (col));

  /* The name takes the room left, and gives way (ellipsized) when there is none. */
  if (cells != NULL)
    g_object_set (cells->data, "ellipsize", PANGO_ELLIPSIZE_END, NULL);
  g_list_free (cells);
  gtk_tree_view_column_set_expand (col, TRUE);
  gtk_tree_view_column_set_min_width (col, 120);
  return col;
}

GtkTreeViewColumn *
lagoon_page_add_note_column (GtkTreeView *view,
                             const char  *title,
                             int          column)
{
  GtkTreeViewColumn *col = lagoon_page_add_text_column (view, title, column, -1);
  GList *cells = gtk_cell_layout_get_cells (GTK_CELL_LAYOUT (col));

  /* Descriptions can be long: they give way to the figures (the General tab has them whole). */
  if (cells != NULL)
    g_object_set (cells->data, "ellipsize", PANGO_ELLIPSIZE_END, "width-chars", 10, NULL);
  g_list_free (cells);
  gtk_tree_view_column_set_max_width (col, 160);
  return col;
}

GtkTreeViewColumn *
lagoon_page_add_check_column (GtkTreeView *view,
                              const char  *title,
                              int          column)
{
  GtkCellRenderer *cell = gtk_cell_renderer_toggle_new ();
  GtkTreeViewColumn *col = gtk_tree_view_column_new_with_attributes (title, cell, "active",
                                                                     column, NULL);

  gtk_cell_renderer_toggle_set_activatable (GTK_CELL_RENDERER_TOGGLE (cell), FALSE);
  gtk_tree_view_column_set_sort_column_id (col, column);
  gtk_tree_view_append_column (view, col);
  return col;
}

GtkTreeViewColumn *
lagoon_page_add_bar_column (GtkTreeView *view,
                            const char  *title,
                            int          value_column,
                            int          text_column)
{
  GtkCellRenderer *cell = gtk_cell_renderer_progress_new ();
  GtkTreeViewColumn *col = gtk_tree_view_column_new_with_attributes (title, cell,
                                                                     "value", value_column,
                                                                     "text", text_column, NULL);

  gtk_tree_view_column_set_min_width (col, 100);
  gtk_tree_view_column_set_resizable (col, TRUE);
  gtk_tree_view_column_set_sort_column_id (col, value_column);
  gtk_tree_view_append_column (view, col);
  return col;
}

/* ---- row menus ------------------------------------------------------------------------------ */

typedef struct
{
  GPtrArray *buttons;        /* GtkWidget *, weak: they live as long as the page */
  GtkWidget *delete_button;
} RowMenu;

static void
row_menu_free (gpointer data)
{
  RowMenu *menu = data;

  g_ptr_array_unref (menu->buttons);
  g_free (menu);
}

static void
on_menu_item_activate (GtkMenuItem *item,
                       GtkWidget   *button)
{
  if (gtk_widget_is_sensitive (button))
    gtk_button_clicked (GTK_BUTTON (button));
}

static gboolean
destroy_menu (gpointer menu)
{
  gtk_widget_destroy (menu);
  return G_SOURCE_REMOVE;
}

static void
on_menu_deactivate (GtkMenuShell *menu)
{
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, destroy_menu, g_object_ref (menu), g_object_unref);
}

static void
row_menu_popup (GtkTreeView    *view,
                RowMenu        *row_menu,
                const GdkEvent *event)
{
  GtkWidget *menu = gtk_menu_new ();

  for (guint i = 0; i < row_menu->buttons->len; i++)
    {
      GtkWidget *button = g_ptr_array_index (row_menu->buttons, i);
      GtkWidget *item = gtk_menu_item_new_with_mnemonic (gtk_button_get_label (
                                                            GTK_BUTTON (button)));
      g_autofree char *tooltip = gtk_widget_get_tooltip_text (button);

      gtk_widget_set_sensitive (item, gtk_widget_is_sensitive (button));
      gtk_widget_set_tooltip_text (item, tooltip);
      g_signal_connect (item, "activate", G_CALLBACK (on_menu_item_activate), button);
      gtk_menu_shell_append (GTK_MENU_SHELL (menu), item);
    }
  gtk_widget_show_all (menu);
  gtk_menu_attach_to_widget (GTK_MENU (menu), GTK_WIDGET (view), NULL);
  /* Not at once: the chosen item is activated after the menu deactivates. */
  g_signal_connect (menu, "deactivate", G_CALLBACK (on_menu_deactivate), NULL);
  if (event != NULL)
    gtk_menu_popup_at_pointer (GTK_MENU (menu), event);
  else
    gtk_menu_popup_at_widget (GTK_MENU (menu), GTK_WIDGET (view), GDK_GRAVITY_CENTER,
                              GDK_GRAVITY_NORTH_WEST, NULL);
}

static gboolean
on_row_button_press (GtkTreeView    *view,
                     GdkEventButton *event,
                     RowMenu        *row_menu)
{
  GtkTreePath *path = NULL;

  if (!gdk_event_triggers_context_menu ((GdkEvent *) event))
    return GDK_EVENT_PROPAGATE;
  /* The row under the pointer is what the menu is about. */
  if (gtk_tree_view_get_path_at_pos (view, (int) event->x, (int) event->y, &path, NULL, NULL,
                                     NULL))
    {
      gtk_tree_selection_select_path (gtk_tree_view_get_selection (view), path);
      gtk_tree_path_free (path);
    }
  row_menu_popup (view, row_menu, (GdkEvent *) event);
  return GDK_EVENT_STOP;
}

static gboolean
on_row_popup_menu (GtkTreeView *view,
                   RowMenu     *row_menu)
{
  row_menu_popup (view, row_menu, NULL);
  return TRUE;
}

static gboolean
on_row_key_press (GtkTreeView *view,
                  GdkEventKey *event,
                  RowMenu     *row_menu)
{
  if ((event->keyval == GDK_KEY_Delete || event->keyval == GDK_KEY_KP_Delete) &&
      row_menu->delete_button != NULL && gtk_widget_is_sensitive (row_menu->delete_button))
    {
      gtk_button_clicked (GTK_BUTTON (row_menu->delete_button));
      return GDK_EVENT_STOP;
    }
  return GDK_EVENT_PROPAGATE;
}

void
lagoon_page_add_row_menu (GtkTreeView  *view,
                          GtkWidget   **buttons,
                          GtkWidget    *delete_button)
{
  RowMenu *row_menu = g_new0 (RowMenu, 1);

  row_menu->buttons = g_ptr_array_new ();
  for (guint i = 0; buttons[i] != NULL; i++)
    g_ptr_array_add (row_menu->buttons, buttons[i]);
  row_menu->delete_button = delete_button;
  g_object_set_data_full (G_OBJECT (view), "lagoon-row-menu", row_menu, row_menu_free);
  g_signal_connect (view, "button-press-event", G_CALLBACK (on_row_button_press), row_menu);
  g_signal_connect (view, "popup-menu", G_CALLBACK (on_row_popup_menu), row_menu);
  g_signal_connect (view, "key-press-event", G_CALLBACK (on_row_key_press), row_menu);
}

/* ---- the usage bar ----------------------------------------------------------------------- */

typedef struct
{
  gint64  value;
  char   *label;
} Segment;

typedef struct
{
  GArray *segments;
  gint64  total;
  char   *description;
} BarData;

static void
segment_clear (gpointer data)
{
  g_free (((Segment *) data)->label);
}

static void
bar_data_free (gpointer data)
{
  BarData *bar = data;

  g_array_unref (bar->segments);
  g_free (bar->description);
  g_free (bar);
}

static gboolean
bar_draw (GtkWidget *widget,
          cairo_t   *cr,
          BarData   *bar)
{
  /* Colours that read on light and dark themes alike; free space is left empty. */
  static const double palette[][3] = {
    { 0.20, 0.40, 0.75 }, { 0.25, 0.60, 0.35 }, { 0.85, 0.55, 0.15 }, { 0.55, 0.35, 0.70 },
    { 0.15, 0.60, 0.65 }, { 0.75, 0.30, 0.30 }, { 0.50, 0.55, 0.20 }, { 0.45, 0.45, 0.55 },
  };
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  int width = gtk_widget_get_allocated_width (widget);
  int height = gtk_widget_get_allocated_height (widget);
  double x = 0.0;
  GdkRGBA fg;

  gtk_render_background (style, cr, 0, 0, width, height);
  gtk_style_context_get_color (style, gtk_style_context_get_state (style), &fg);

  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.08);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);

  for (guint i = 0; bar->total > 0 && i < bar->segments->len; i++)
    {
      Segment *s = &g_array_index (bar->segments, Segment, i);
      double w = (double) width * (double) s->value / (double) bar->total;
      const double *c = palette[i % G_N_ELEMENTS (palette)];

      if (w <= 0.0)
        continue;
      if (x + w > width)
        w = width - x;
      cairo_set_source_rgb (cr, c[0], c[1], c[2]);
      cairo_rectangle (cr, x, 0, w, height);
      cairo_fill (cr);
      if (s->label != NULL)
        {
          g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, s->label);
          int lw, lh;

          pango_layout_get_pixel_size (layout, &lw, &lh);
          if (lw + 6 <= w)
            {
              cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
              cairo_move_to (cr, x + (w - lw) / 2, (height - lh) / 2.0);
              pango_cairo_show_layout (cr, layout);
            }
          else if (i + 1 == bar->segments->len && x + w + lw + 12 <= width)
            {
              /* The last part is too narrow for its label: it goes in the free space. */
              cairo_set_source_rgb (cr, fg.red, fg.green, fg.blue);
              cairo_move_to (cr, x + w + 6, (height - lh) / 2.0);
              pango_cairo_show_layout (cr, layout);
            }
        }
      /* A thin gap between segments. */
      cairo_set_source_rgba (cr, 1.0, 1.0, 1.0, 0.6);
      cairo_rectangle (cr, x + w - 1, 0, 1, height);
      cairo_fill (cr);
      x += w;
      if (x >= width)
        break;
    }

  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.35);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, 0.5, 0.5, width - 1, height - 1);
  cairo_stroke (cr);
  return TRUE;
}

/* The segment under the pointer says what it is and how much; elsewhere, the summary. */
static gboolean
bar_query_tooltip (GtkWidget  *widget,
                   int         x,
                   int         y,
                   gboolean    keyboard,
                   GtkTooltip *tooltip,
                   BarData    *bar)
{
  int width = gtk_widget_get_allocated_width (widget);
  double left = 0.0;

  for (guint i = 0; !keyboard && bar->total > 0 && width > 0 && i < bar->segments->len; i++)
    {
      Segment *s = &g_array_index (bar->segments, Segment, i);
      double w = (double) width * (double) s->value / (double) bar->total;

      if (x >= left && x < left + w)
        {
          g_autofree char *size = lagoon_page_format_bytes (s->value);
          g_autofree char *text = NULL;

          /* Translators: a part of a usage bar, "web01: 2.0 GiB" */
          text = s->label != NULL ? g_strdup_printf (_("%s: %s"), s->label, size)
                                  : g_steal_pointer (&size);
          gtk_tooltip_set_text (tooltip, text);
          return TRUE;
        }
      left += w;
    }
  if (bar->description == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, bar->description);
  return TRUE;
}

GtkWidget *
lagoon_usage_bar_new (const char *accessible_name)
{
  GtkWidget *area = gtk_drawing_area_new ();
  BarData *bar = g_new0 (BarData, 1);

  bar->segments = g_array_new (FALSE, TRUE, sizeof (Segment));
  g_array_set_clear_func (bar->segments, segment_clear);
  g_object_set_data_full (G_OBJECT (area), "lagoon-bar", bar, bar_data_free);
  g_signal_connect (area, "draw", G_CALLBACK (bar_draw), bar);
  gtk_widget_set_has_tooltip (area, TRUE);
  g_signal_connect (area, "query-tooltip", G_CALLBACK (bar_query_tooltip), bar);
  gtk_widget_set_size_request (area, 200, 28);
  gtk_widget_set_hexpand (area, TRUE);
  atk_object_set_role (gtk_widget_get_accessible (area), ATK_ROLE_IMAGE);
  lagoon_page_set_accessible (area, accessible_name);
  return area;
}

void
lagoon_usage_bar_clear (GtkWidget *area)
{
  BarData *bar = g_object_get_data (G_OBJECT (area), "lagoon-bar");

  g_return_if_fail (bar != NULL);
  g_array_set_size (bar->segments, 0);
  bar->total = 0;
  gtk_widget_queue_draw (area);
}

void
lagoon_usage_bar_add (GtkWidget  *area,
                      gint64      value,
                      const char *label)
{
  BarData *bar = g_object_get_data (G_OBJECT (area), "lagoon-bar");
  Segment s = { MAX (value, 0), g_strdup (label) };

  g_return_if_fail (bar != NULL);
  g_array_append_val (bar->segments, s);
  gtk_widget_queue_draw (area);
}

void
lagoon_usage_bar_set_total (GtkWidget  *area,
                            gint64      total,
                            const char *description)
{
  BarData *bar = g_object_get_data (G_OBJECT (area), "lagoon-bar");

  g_return_if_fail (bar != NULL);
  bar->total = MAX (total, 0);
  g_free (bar->description);
  bar->description = g_strdup (description);
  atk_object_set_description (gtk_widget_get_accessible (area), description ? description : "");
  gtk_widget_queue_draw (area);
}

/* ---- small widgets ------------------------------------------------------------------------ */

void
lagoon_page_set_accessible (GtkWidget  *widget,
                            const char *name)
{
  atk_object_set_name (gtk_widget_get_accessible (widget), name);
}

GtkWidget *
lagoon_page_heading_new (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_style_context_add_class (gtk_widget_get_style_context (label), "heading");
  {
    PangoAttrList *attrs = pango_attr_list_new ();

    pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
    gtk_label_set_attributes (GTK_LABEL (label), attrs);
    pango_attr_list_unref (attrs);
  }
  return label;
}

GtkWidget *
lagoon_page_add_button (GtkWidget  *box,
                        const char *label,
                        GCallback   callback,
                        gpointer    data)
{
  GtkWidget *button = lagoon_page_button_new (label);

  g_signal_connect (button, "clicked", callback, data);
  gtk_container_add (GTK_CONTAINER (box), button);
  return button;
}

const char *
lagoon_page_ref_name (LagoonCache *cache,
                      const char  *ref)
{
  const LagoonRecord *rec = ref != NULL ? lagoon_cache_lookup_any (cache, ref) : NULL;

  return rec != NULL ? lagoon_record_get_name (rec) : "";
}

gint
lagoon_page_compare_names (gconstpointer a,
                           gconstpointer b)
{
  const LagoonRecord *x = *(const LagoonRecord *const *) a;
  const LagoonRecord *y = *(const LagoonRecord *const *) b;
  int c = g_utf8_collate (lagoon_record_get_name (x), lagoon_record_get_name (y));

  return c != 0 ? c : g_strcmp0 (lagoon_record_get_opaque_ref (x),
                                 lagoon_record_get_opaque_ref (y));
}

GtkWidget *
lagoon_page_button_new (const char *label)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);
  g_autoptr(GString) plain = g_string_new (NULL);

  for (const char *p = label; *p != '\0'; p++)
    if (*p != '_')
      g_string_append_c (plain, *p);
  /* "Add…" is named "Add". */
  if (g_str_has_suffix (plain->str, "…"))
    g_string_truncate (plain, plain->len - strlen ("…"));
  lagoon_page_set_accessible (button, plain->str);
  return button;
}

void
lagoon_page_set_enabled (GtkWidget  *widget,
                         gboolean    enabled,
                         const char *tooltip,
                         const char *reason)
{
  const char *text = enabled || reason == NULL ? tooltip : reason;

  gtk_widget_set_sensitive (widget, enabled);
  gtk_widget_set_tooltip_text (widget, text);
  atk_object_set_description (gtk_widget_get_accessible (widget), text != NULL ? text : "");
}

gboolean
lagoon_page_confirm (GtkWidget  *parent,
                     const char *primary,
                     const char *secondary,
                     const char *accept)
{
  GtkWidget *toplevel = parent != NULL ? gtk_widget_get_toplevel (parent) : NULL;
  GtkWidget *dialog;
  int response;

  dialog = gtk_message_dialog_new (GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel) : NULL,
                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   accept != NULL ? GTK_MESSAGE_QUESTION : GTK_MESSAGE_ERROR,
                                   accept != NULL ? GTK_BUTTONS_NONE : GTK_BUTTONS_OK,
                                   "%s", primary);
  if (secondary != NULL)
    gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", secondary);
  if (accept != NULL)
    {
      GtkWidget *yes;

      gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
      yes = gtk_dialog_add_button (GTK_DIALOG (dialog), accept, GTK_RESPONSE_ACCEPT);
      gtk_style_context_add_class (gtk_widget_get_style_context (yes),
                                   "destructive-action");
      gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
    }
  response = gtk_dialog_run (GTK_DIALOG (dialog));
  gtk_widget_destroy (dialog);
  return response == GTK_RESPONSE_ACCEPT;
}

/* ---- running work ----------------------------------------------------------------------- */

LagoonAction *
lagoon_page_run (LagoonServer *server,
                 const char   *title,
                 const char   *ref,
                 const char   *method,
                 GVariant     *args)
{
  GApplication *application = g_application_get_default ();
  g_autoptr(LagoonAction) action = NULL;
  const char *objects[2] = { ref, NULL };

  g_return_val_if_fail (LAGOON_IS_SERVER (server), NULL);

  if (!LAGOON_IS_APPLICATION (application))
    {
      if (args != NULL)
        g_variant_unref (g_variant_ref_sink (args));
      return NULL;
    }
  action = lagoon_action_new (lagoon_server_get_connection (server), title, method, args);
  if (ref != NULL)
    lagoon_action_set_objects (action, objects);
  lagoon_application_run_action (LAGOON_APPLICATION (application), action);
  return action;
}

/* Several calls as one action: the Events pane shows one row for the user's command, its
 * description saying which step runs, its bar moving across the steps. */
#define LAGOON_TYPE_STEPS_ACTION (lagoon_steps_action_get_type ())
G_DECLARE_FINAL_TYPE (LagoonStepsAction, lagoon_steps_action, LAGOON, STEPS_ACTION, LagoonAction)

struct _LagoonStepsAction
{
  LagoonAction          parent_instance;

  const LagoonPageStep *steps;
  guint                 n_steps;
  guint                 next;
  gpointer              data;
  GDestroyNotify        free_data;
};

G_DEFINE_FINAL_TYPE (LagoonStepsAction, lagoon_steps_action, LAGOON_TYPE_ACTION)

static void steps_next (LagoonStepsAction *self,
                        GTask             *task,
                        GVariant          *previous);

static void
step_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LagoonStepsAction *self = LAGOON_STEPS_ACTION (source);
  GError *error = NULL;
  g_autoptr(GVariant) value = lagoon_action_run_task_finish (LAGOON_ACTION (self), result,
                                                             &error);

  if (error != NULL)
    {
      /* Translators: a failed step of a command, "Plug virtual disk: <why>" */
      g_prefix_error (&error, _("%s: "), _(self->steps[self->next - 1].title));
      g_task_return_error (task, error);
      return;
    }
  steps_next (self, task, value);
}

/* Runs the next step that is needed, given the result before it (a ref for the creates,
 * possibly boxed in a variant). */
static void
steps_next (LagoonStepsAction *self,
            GTask             *task,
            GVariant          *previous)
{
  g_autoptr(GVariant) unboxed = NULL;
  const LagoonPageStep *step;
  GVariant *args;
  guint index;

  if (previous != NULL && g_variant_is_of_type (previous, G_VARIANT_TYPE_VARIANT))
    previous = unboxed = g_variant_get_variant (previous);
  while (self->next < self->n_steps && self->steps[self->next].skip != NULL &&
         self->steps[self->next].skip (self->data))
    self->next++;
  if (self->next >= self->n_steps)
    {
      g_task_return_pointer (task, previous != NULL ? g_variant_ref (previous) : NULL,
                             (GDestroyNotify) g_variant_unref);
      return;
    }
  index = self->next++;
  step = &self->steps[index];
  args = step->build (previous, self->data);
  if (args == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               /* Translators: %s is a step, "Attach virtual disk" */
                               _("%s: the server's answer to the step before was not a "
                                 "reference"), _(step->title));
      return;
    }
  lagoon_action_set_description (LAGOON_ACTION (self), _(step->title));
  lagoon_action_run_task_async (LAGOON_ACTION (self), step->method, args,
                                (double) index / self->n_steps,
                                (double) (index + 1) / self->n_steps,
                                g_task_get_cancellable (task), step_done, g_object_ref (task));
}

static void
lagoon_steps_action_run (LagoonAction *action,
                         GTask        *task)
{
  steps_next (LAGOON_STEPS_ACTION (action), task, NULL);
}

static void
lagoon_steps_action_finalize (GObject *object)
{
  LagoonStepsAction *self = LAGOON_STEPS_ACTION (object);

  if (self->free_data != NULL)
    self->free_data (self->data);
  G_OBJECT_CLASS (lagoon_steps_action_parent_class)->finalize (object);
}

static void
lagoon_steps_action_class_init (LagoonStepsActionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lagoon_steps_action_finalize;
  LAGOON_ACTION_CLASS (klass)->run = lagoon_steps_action_run;
}

static void
lagoon_steps_action_init (LagoonStepsAction *self)
{
}

LagoonAction *
lagoon_page_run_steps (LagoonServer         *server,
                       const char           *title,
                       const char           *ref,
                       const LagoonPageStep *steps,
                       guint                 n_steps,
                       gpointer              data,
                       GDestroyNotify        free_data)
{
  GApplication *application = g_application_get_default ();
  g_autoptr(LagoonStepsAction) self = NULL;
  const char *objects[2] = { ref, NULL };

  g_return_val_if_fail (LAGOON_IS_SERVER (server), NULL);
  g_return_val_if_fail (n_steps > 0, NULL);

  self = g_object_new (LAGOON_TYPE_STEPS_ACTION,
                       "connection", lagoon_server_get_connection (server),
                       "title", title, NULL);
  self->steps = steps;
  self->n_steps = n_steps;
  self->data = data;
  self->free_data = free_data;
  if (ref != NULL)
    lagoon_action_set_objects (LAGOON_ACTION (self), objects);
  if (!LAGOON_IS_APPLICATION (application))
    return NULL;
  lagoon_application_run_action (LAGOON_APPLICATION (application), LAGOON_ACTION (self));
  return LAGOON_ACTION (self);
}
