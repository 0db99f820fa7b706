/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The start-order editor on a cache filled by hand: spin buttons on one and on several rows
 * (blank when the rows differ), the timeline's moves (into the next group, a new last group,
 * a new first group that renumbers the others), its description, and the setters it writes:
 * only values that changed. Needs a display (xvfb-run). */
#include "config.h"

#include <gtk/gtk.h>

#include "lagoon-start-order-editor.h"
#include "lagoon-start-order-timeline.h"
#include "lagoon-tcp-opener.h"

#define S(x) g_variant_new_string (x)

static void
put_vm (LagoonCache *cache,
        const char  *ref,
        const char  *name,
        gint64       order,
        gint64       start_delay,
        gint64       shutdown_delay)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "name_label", S (name));
  g_variant_builder_add (&b, "{sv}", "order", g_variant_new_int64 (order));
  g_variant_builder_add (&b, "{sv}", "start_delay", g_variant_new_int64 (start_delay));
  g_variant_builder_add (&b, "{sv}", "shutdown_delay", g_variant_new_int64 (shutdown_delay));
  g_variant_builder_add (&b, "{sv}", "power_state", S ("Halted"));
  g_assert_true (lagoon_cache_apply (cache, "VM", LAGOON_CACHE_OP_ADD, ref,
                                     g_variant_builder_end (&b)));
}

/* The first descendant of @widget of @type with accessible name @name (NULL: any). */
static GtkWidget *
find_widget (GtkWidget  *widget,
             GType       type,
             const char *name)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) &&
      (name == NULL ||
       g_strcmp0 (atk_object_get_name (gtk_widget_get_accessible (widget)), name) == 0))
    return widget;
  if (GTK_IS_CONTAINER (widget))
    {
      g_autoptr(GList) children = gtk_container_get_children (GTK_CONTAINER (widget));

      for (GList *l = children; l != NULL; l = l->next)
        {
          GtkWidget *found = find_widget (l->data, type, name);
          if (found != NULL)
            return found;
        }
    }
  return NULL;
}

static void
flush (void)
{
  while (gtk_events_pending ())
    gtk_main_iteration ();
}

typedef struct
{
  GtkWidget                *window;
  LagoonStartOrderEditor   *editor;
  GtkTreeView              *view;
  GtkTreeSelection         *selection;
  LagoonStartOrderTimeline *timeline;
  GtkSpinButton            *order;
  GtkSpinButton            *delay;
  GtkSpinButton            *shutdown;
} Fixture;

static void
select_names (Fixture            *f,
              const char * const *names)
{
  GtkTreeModel *model = gtk_tree_view_get_model (f->view);
  GtkTreeIter iter;

  gtk_tree_selection_unselect_all (f->selection);
  if (gtk_tree_model_get_iter_first (model, &iter))
    do
      {
        g_autofree char *name = NULL;

        gtk_tree_model_get (model, &iter, 1, &name, -1);
        if (g_strv_contains (names, name))
          gtk_tree_selection_select_iter (f->selection, &iter);
      }
    while (gtk_tree_model_iter_next (model, &iter));
  flush ();
}

static void
fixture_set_up (Fixture     *f,
                LagoonCache *cache)
{
  const char *refs[] = { "OpaqueRef:a", "OpaqueRef:b", "OpaqueRef:c", NULL };

  f->window = gtk_window_new (GTK_WINDOW_TOPLEVEL);
  f->editor = LAGOON_START_ORDER_EDITOR (lagoon_start_order_editor_new ());
  gtk_container_add (GTK_CONTAINER (f->window), GTK_WIDGET (f->editor));
  gtk_widget_show_all (f->window);
  lagoon_start_order_editor_set_vms (f->editor, cache, refs);
  f->view = GTK_TREE_VIEW (find_widget (GTK_WIDGET (f->editor), GTK_TYPE_TREE_VIEW, NULL));
  f->selection = gtk_tree_view_get_selection (f->view);
  f->timeline = LAGOON_START_ORDER_TIMELINE (find_widget (GTK_WIDGET (f->editor),
                                                          LAGOON_TYPE_START_ORDER_TIMELINE,
                                                          NULL));
  f->order = GTK_SPIN_BUTTON (find_widget (GTK_WIDGET (f->editor), GTK_TYPE_SPIN_BUTTON,
                                           "Start order"));
  f->delay = GTK_SPIN_BUTTON (find_widget (GTK_WIDGET (f->editor), GTK_TYPE_SPIN_BUTTON,
                                           "Start delay"));
  f->shutdown = GTK_SPIN_BUTTON (find_widget (GTK_WIDGET (f->editor), GTK_TYPE_SPIN_BUTTON,
                                              "Shutdown delay"));
  g_assert_nonnull (f->view);
  g_assert_nonnull (f->timeline);
  g_assert_nonnull (f->order);
  g_assert_nonnull (f->delay);
  g_assert_nonnull (f->shutdown);
  flush ();
}

static void
test_edit (void)
{
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  g_autoptr(LagoonTcpOpener) opener = lagoon_tcp_opener_new ();
  g_autoptr(LagoonConnection) conn = NULL;
  g_autoptr(LagoonVappAction) action = NULL;
  g_autofree char *text = NULL;
  Fixture f = { 0 };
  const char *ab[] = { "alpha", "bravo", NULL };
  const char *b[] = { "bravo", NULL };
  const char *c[] = { "charlie", NULL };

  put_vm (cache, "OpaqueRef:a", "alpha", 0, 10, 5);
  put_vm (cache, "OpaqueRef:b", "bravo", 0, 20, 5);
  put_vm (cache, "OpaqueRef:c", "charlie", 1, 0, 0);
  fixture_set_up (&f, cache);

  text = lagoon_start_order_editor_describe (f.editor);
  g_assert_cmpstr (text, ==, "Order 0: alpha, bravo; then wait 20 s. Order 1: charlie.");
  g_clear_pointer (&text, g_free);
  g_assert_cmpuint (lagoon_start_order_editor_count_changes (f.editor), ==, 0);

  /* Two rows: the same order shows, different delays show blank; the shutdown delay applies
   * to both. */
  select_names (&f, ab);
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (f.order)), ==, "0");
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (f.delay)), ==, "");
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (f.shutdown)), ==, "5");
  gtk_spin_button_set_value (f.shutdown, 8);
  flush ();
  g_assert_cmpuint (lagoon_start_order_editor_count_changes (f.editor), ==, 2);
  /* Back to the pool's value: no longer a change. */
  gtk_spin_button_set_value (f.shutdown, 5);
  flush ();
  g_assert_cmpuint (lagoon_start_order_editor_count_changes (f.editor), ==, 0);
  /* A blank field that is activated without typing changes nothing. */
  gtk_spin_button_update (f.delay);
  flush ();
  g_assert_cmpuint (lagoon_start_order_editor_count_changes (f.editor), ==, 0);
  /* Typing a value into the blank field sets it on both. */
  gtk_entry_set_text (GTK_ENTRY (f.delay), "20");
  gtk_spin_button_update (f.delay);
  flush ();
  g_assert_cmpuint (lagoon_start_order_editor_count_changes (f.editor), ==, 1);  /* alpha */

  /* The timeline: bravo to the next group (charlie's). */
  select_names (&f, b);
  g_assert_true (lagoon_start_order_timeline_move_selection (f.timeline, +1));
  flush ();
  text = lagoon_start_order_editor_describe (f.editor);
  g_assert_cmpstr (text, ==, "Order 0: alpha; then wait 20 s. Order 1: bravo, charlie.");
  g_clear_pointer (&text, g_free);
  /* Then a new last group. */
  g_assert_true (lagoon_start_order_timeline_move_selection (f.timeline, +1));
  flush ();
  text = lagoon_start_order_editor_describe (f.editor);
  g_assert_cmpstr (text, ==,
                   "Order 0: alpha; then wait 20 s. Order 1: charlie; then wait 0 s. "
                   "Order 2: bravo.");
  g_clear_pointer (&text, g_free);
  /* Alone in the last group: nowhere further to go. */
  g_assert_false (lagoon_start_order_timeline_move_selection (f.timeline, +1));

  /* charlie into the first group, then before everything: a new first group, the others
   * one later. */
  select_names (&f, c);
  g_assert_true (lagoon_start_order_timeline_move_selection (f.timeline, -1));
  flush ();
  text = lagoon_start_order_editor_describe (f.editor);
  g_assert_cmpstr (text, ==, "Order 0: alpha, charlie; then wait 20 s. Order 2: bravo.");
  g_clear_pointer (&text, g_free);
  g_assert_true (lagoon_start_order_timeline_move_selection (f.timeline, -1));
  flush ();
  text = lagoon_start_order_editor_describe (f.editor);
  g_assert_cmpstr (text, ==,
                   "Order 0: charlie; then wait 0 s. Order 1: alpha; then wait 20 s. "
                   "Order 3: bravo.");
  g_clear_pointer (&text, g_free);
  g_assert_false (lagoon_start_order_timeline_move_selection (f.timeline, -1));

  /* The setters: alpha's delay and order, bravo's order, charlie's order; nothing else. */
  conn = lagoon_connection_new (LAGOON_STREAM_OPENER (opener), "127.0.0.1", 9, FALSE);
  action = lagoon_vapp_action_new (conn, "test");
  lagoon_start_order_editor_add_steps (f.editor, action);
  g_assert_cmpuint (lagoon_start_order_editor_count_changes (f.editor), ==, 4);
  g_assert_cmpuint (lagoon_vapp_action_get_n_steps (action), ==, 4);

  gtk_widget_destroy (f.window);
}

static void
test_no_display (void)
{
  g_test_skip ("No display: set DISPLAY (the UI tests run under xvfb-run)");
}

int
main (int   argc,
      char *argv[])
{
  if (g_getenv ("DISPLAY") == NULL || g_getenv ("DISPLAY")[0] == '\0')
    {
      g_test_init (&argc, &argv, NULL);
      g_test_add_func ("/lagoon/start-order-editor/edit", test_no_display);
      return g_test_run ();
    }
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lagoon/start-order-editor/edit", test_edit);
  return g_test_run ();
}
