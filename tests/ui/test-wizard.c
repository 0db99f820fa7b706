/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-wizard"

#include "config.h"

#include <gtk/gtk.h>

#include "lagoon-wizard.h"

/* The frame's own widgets, found as a user finds them: by label. */
static GtkWidget *
find_widget (GtkWidget  *root,
             GType       type,
             const char *text)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    {
      const char *label = NULL;

      if (GTK_IS_BUTTON (root))
        label = gtk_button_get_label (GTK_BUTTON (root));
      else if (GTK_IS_LABEL (root))
        label = gtk_label_get_text (GTK_LABEL (root));
      if (text == NULL || g_strcmp0 (label, text) == 0)
        return root;
    }
  if (GTK_IS_CONTAINER (root))
    {
      g_autoptr(GList) children = gtk_container_get_children (GTK_CONTAINER (root));

      for (GList *l = children; l != NULL; l = l->next)
        {
          GtkWidget *found = find_widget (l->data, type, text);

          if (found != NULL)
            return found;
        }
    }
  return NULL;
}

static GtkWidget *
button (LagoonWizard *wizard,
        const char   *label)
{
  GtkWidget *widget = find_widget (GTK_WIDGET (wizard), GTK_TYPE_BUTTON, label);

  g_assert_nonnull (widget);
  return widget;
}

typedef struct
{
  int prepared[8];
  int summarized;
  int finished;
  gboolean refuse_finish;
} Counts;

static void
on_prepare (LagoonWizard *wizard,
            GtkWidget    *page,
            Counts       *counts)
{
  int index = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (page), "index"));

  counts->prepared[index]++;
}

static void
on_summarize (LagoonWizard *wizard,
              Counts       *counts)
{
  counts->summarized++;
  lagoon_wizard_add_summary_section (wizard, "Section");
  lagoon_wizard_add_summary_row (wizard, "Key", "Value");
}

static GtkWidget *
add_page (LagoonWizard *wizard,
          int           index,
          const char   *title)
{
  GtkWidget *page = gtk_entry_new ();

  g_object_set_data (G_OBJECT (page), "index", GINT_TO_POINTER (index));
  lagoon_wizard_add_page (wizard, page, title, NULL);
  return page;
}

static void
send_key (GtkWidget *window,
          guint      keyval,
          GdkModifierType state)
{
  GdkEvent *event = gdk_event_new (GDK_KEY_PRESS);

  event->key.window = g_object_ref (gtk_widget_get_window (window));
  event->key.keyval = keyval;
  event->key.state = state;
  event->key.send_event = TRUE;
  gdk_event_set_device (event, gdk_seat_get_keyboard (
                                 gdk_display_get_default_seat (gdk_display_get_default ())));
  gtk_main_do_event (event);
  gdk_event_free (event);
}

static void
test_navigation (void)
{
  LagoonWizard *wizard = g_object_new (LAGOON_TYPE_WIZARD, NULL);
  Counts counts = { 0 };
  GtkWidget *one, *two, *three;
  GtkWidget *next, *back, *finish, *reason;

  g_object_ref_sink (wizard);
  g_signal_connect (wizard, "prepare", G_CALLBACK (on_prepare), &counts);
  g_signal_connect (wizard, "summarize", G_CALLBACK (on_summarize), &counts);
  one = add_page (wizard, 0, "One");
  two = add_page (wizard, 1, "Two");
  three = add_page (wizard, 2, "Three");
  lagoon_wizard_page_set_valid (two, FALSE, "Two needs a value.");

  next = button (wizard, "_Next");
  back = button (wizard, "_Back");
  finish = button (wizard, "_Finish");
  reason = find_widget (GTK_WIDGET (wizard), GTK_TYPE_LABEL, "Two needs a value.");
  g_assert_null (reason);

  /* Nothing is prepared before the wizard is shown. */
  g_assert_cmpint (counts.prepared[0], ==, 0);
  gtk_widget_show (GTK_WIDGET (wizard));
  g_assert_cmpint (counts.prepared[0], ==, 1);
  g_assert_true (lagoon_wizard_get_current_page (wizard) == one);
  g_assert_false (gtk_widget_get_sensitive (back));
  g_assert_true (gtk_widget_get_sensitive (next));
  g_assert_false (gtk_widget_get_sensitive (finish));

  /* An invalid page: Next is off and says why, in the tooltip and under the page. */
  lagoon_wizard_go_next (wizard);
  g_assert_true (lagoon_wizard_get_current_page (wizard) == two);
  g_assert_false (gtk_widget_get_sensitive (next));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (next), ==, "Two needs a value.");
  reason = find_widget (GTK_WIDGET (wizard), GTK_TYPE_LABEL, "Two needs a value.");
  g_assert_nonnull (reason);
  g_assert_true (gtk_widget_is_visible (reason));
  lagoon_wizard_go_next (wizard);
  g_assert_true (lagoon_wizard_get_current_page (wizard) == two);

  /* Valid again: the reason goes away. */
  lagoon_wizard_page_set_valid (two, TRUE, NULL);
  g_assert_true (gtk_widget_get_sensitive (next));
  g_assert_false (gtk_widget_is_visible (reason));

  /* A hidden page is skipped. */
  lagoon_wizard_set_page_visible (wizard, three, FALSE);
  gtk_button_clicked (GTK_BUTTON (next));
  g_assert_true (lagoon_wizard_is_summary_page (wizard));
  g_assert_cmpint (counts.prepared[2], ==, 0);
  g_assert_cmpint (counts.summarized, ==, 1);
  g_assert_false (gtk_widget_get_visible (next));
  g_assert_true (gtk_widget_get_sensitive (finish));
  g_assert_nonnull (find_widget (GTK_WIDGET (wizard), GTK_TYPE_LABEL, "Value"));

  /* Back to a visited page through the rail's rules; an earlier invalid page blocks later ones. */
  gtk_button_clicked (GTK_BUTTON (back));
  g_assert_true (lagoon_wizard_get_current_page (wizard) == two);
  g_assert_true (lagoon_wizard_go_to_page (wizard, one));
  lagoon_wizard_page_set_valid (one, FALSE, "One is wrong.");
  g_assert_false (lagoon_wizard_go_to_page (wizard, two));
  lagoon_wizard_page_set_valid (one, TRUE, NULL);
  g_assert_true (lagoon_wizard_go_to_page (wizard, two));
  g_assert_false (lagoon_wizard_go_to_page (wizard, three));

  /* Summary again: rows are rebuilt, not appended. */
  lagoon_wizard_go_next (wizard);
  g_assert_cmpint (counts.summarized, ==, 2);
  g_assert_true (lagoon_wizard_is_summary_page (wizard));

  gtk_widget_destroy (GTK_WIDGET (wizard));
  g_object_unref (wizard);
}

static void
test_keyboard (void)
{
  LagoonWizard *wizard = g_object_new (LAGOON_TYPE_WIZARD, NULL);
  GtkWidget *one, *two;

  g_signal_connect_swapped (wizard, "destroy", G_CALLBACK (g_nullify_pointer), &wizard);
  one = add_page (wizard, 0, "One");
  two = add_page (wizard, 1, "Two");
  gtk_widget_show (GTK_WIDGET (wizard));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  gtk_widget_grab_focus (one);
  g_assert_true (gtk_widget_has_focus (one));

  /* Enter in an entry is Next, and the focus moves into the new page. */
  send_key (GTK_WIDGET (wizard), GDK_KEY_Return, 0);
  g_assert_true (lagoon_wizard_get_current_page (wizard) == two);
  /* The focus goes into the page once it has been laid out. */
  {
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    while (!gtk_widget_has_focus (two) && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  }
  g_assert_true (gtk_widget_has_focus (two));

  /* An invalid page does not move on Enter. */
  lagoon_wizard_page_set_valid (two, FALSE, "No.");
  send_key (GTK_WIDGET (wizard), GDK_KEY_Return, 0);
  g_assert_true (lagoon_wizard_get_current_page (wizard) == two);
  send_key (GTK_WIDGET (wizard), GDK_KEY_Page_Up, GDK_MOD1_MASK);
  g_assert_true (lagoon_wizard_get_current_page (wizard) == one);

  /* Escape is Cancel: the wizard goes away. */
  send_key (GTK_WIDGET (wizard), GDK_KEY_Escape, 0);
  g_assert_null (wizard);
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
      g_test_add_func ("/lagoon/wizard/navigation", test_no_display);
      return g_test_run ();
    }

  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lagoon/wizard/navigation", test_navigation);
  g_test_add_func ("/lagoon/wizard/keyboard", test_keyboard);
  return g_test_run ();
}
