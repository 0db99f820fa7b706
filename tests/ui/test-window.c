/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-window"

#include "config.h"

#include <gtk/gtk.h>

#include "lagoon-application.h"
#include "lagoon-shortcuts-window.h"
#include "lagoon-window.h"

/* XenCenter's top-level menus, in order, as the user reads them (mnemonics stripped). */
static const char * const expected_menus[] = {
  "Server", "View", "Pool", "VM", "Storage", "Templates", "Tools", "Help",
};

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until @done returns TRUE, or fails after 10 s. */
static void
wait_until (gboolean (*done) (gpointer data),
            gpointer  data,
            const char *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (10000, timeout_cb, &timed_out);

  while (!done (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (timed_out)
    g_error ("Timed out waiting until %s", what);
  g_source_remove (id);
}

static gboolean
widget_is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

static gboolean
widget_is_hidden (gpointer data)
{
  return !gtk_widget_get_visible (GTK_WIDGET (data));
}

static gboolean
app_has_no_window (gpointer data)
{
  return gtk_application_get_windows (GTK_APPLICATION (data)) == NULL;
}

static char *
strip_mnemonic (const char *label)
{
  GString *s = g_string_new (NULL);

  for (const char *p = label; *p != '\0'; p++)
    {
      if (*p == '_' && p[1] != '_')
        continue;
      g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

static void
collect_widgets (GtkWidget *widget,
                 gpointer   data)
{
  GPtrArray *all = data;

  g_ptr_array_add (all, widget);
  if (GTK_IS_CONTAINER (widget))
    gtk_container_forall (GTK_CONTAINER (widget), collect_widgets, all);
}

static GtkWidget *
find_widget (GtkWidget *root,
             GType      type)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new ();

  collect_widgets (root, all);
  for (guint i = 0; i < all->len; i++)
    if (G_TYPE_CHECK_INSTANCE_TYPE (all->pdata[i], type))
      return all->pdata[i];
  return NULL;
}

static const char *
accessible_name (GtkWidget *widget)
{
  return atk_object_get_name (gtk_widget_get_accessible (widget));
}

static GtkWidget *
find_about_dialog (void)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (GTK_IS_ABOUT_DIALOG (l->data))
      return l->data;
  return NULL;
}

static LagoonApplication *
create_app (void)
{
  g_autoptr(LagoonApplication) app = NULL;
  g_autoptr(GError) error = NULL;

  /* Non-unique: the test must not meet a Lagoon the user is running. */
  app = lagoon_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&app);
}

static void
close_app (LagoonApplication *app)
{
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  wait_until (app_has_no_window, app, "every window is closed");
  /* Let pending idles (GSettings writes, redraws) run before finalizing. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static GtkWindow *
activate_and_map (LagoonApplication *app)
{
  GList *windows;

  g_application_activate (G_APPLICATION (app));
  windows = gtk_application_get_windows (GTK_APPLICATION (app));
  g_assert_nonnull (windows);
  g_assert_null (windows->next);
  g_assert_true (LAGOON_IS_WINDOW (windows->data));
  wait_until (widget_is_mapped, windows->data, "the main window is mapped");
  return GTK_WINDOW (windows->data);
}

static void
test_window_smoke (void)
{
  g_autoptr(LagoonApplication) app = NULL;
  GMenuModel *menubar;
  GtkWindow *window;
  GtkWidget *tree;
  GtkWidget *search;
  GtkWidget *about;
  GtkWindow *shortcuts;
  int n_items;

  app = create_app ();
  window = activate_and_map (app);

  g_assert_cmpstr (gtk_window_get_title (window), ==, "Lagoon");
  g_assert_cmpstr (accessible_name (GTK_WIDGET (window)), ==, "Lagoon");

  /* Menu bar: the seven XenCenter menus, each a submenu with a mnemonic. */
  menubar = gtk_application_get_menubar (GTK_APPLICATION (app));
  g_assert_nonnull (menubar);
  n_items = g_menu_model_get_n_items (menubar);
  g_assert_cmpint (n_items, ==, G_N_ELEMENTS (expected_menus));
  for (int i = 0; i < n_items; i++)
    {
      g_autofree char *label = NULL;
      g_autofree char *plain = NULL;
      g_autoptr(GMenuModel) submenu = NULL;

      g_assert_true (g_menu_model_get_item_attribute (menubar, i, G_MENU_ATTRIBUTE_LABEL, "s",
                                                      &label));
      g_assert_nonnull (strchr (label, '_'));
      plain = strip_mnemonic (label);
      g_assert_cmpstr (plain, ==, expected_menus[i]);
      submenu = g_menu_model_get_item_link (menubar, i, G_MENU_LINK_SUBMENU);
      g_assert_nonnull (submenu);
    }

  /* The actions the menus name do what they say; the placeholder is disabled. */
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (app), "quit"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (app), "about"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (app), "unavailable"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (window), "show-help-overlay"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (window), "search"));

  /* Resource tree and search entry, reachable by accessible name. */
  tree = find_widget (GTK_WIDGET (window), GTK_TYPE_TREE_VIEW);
  g_assert_nonnull (tree);
  g_assert_cmpstr (accessible_name (tree), ==, "Resources");
  search = find_widget (GTK_WIDGET (window), GTK_TYPE_SEARCH_ENTRY);
  g_assert_nonnull (search);
  g_assert_cmpstr (accessible_name (search), ==, "Search resources");

  /* win.search focuses the search entry. */
  gtk_window_present (window);
  g_action_group_activate_action (G_ACTION_GROUP (window), "search", NULL);
  g_assert_true (gtk_widget_is_focus (search));

  /* Help ▸ Keyboard Shortcuts: shown over the window, hidden (not destroyed) when closed. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-help-overlay", NULL);
  shortcuts = lagoon_application_get_shortcuts_window (app);
  g_assert_true (LAGOON_IS_SHORTCUTS_WINDOW (shortcuts));
  wait_until (widget_is_mapped, shortcuts, "the shortcuts window is mapped");
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (shortcuts)) == window);
  gtk_window_close (GTK_WINDOW (shortcuts));
  wait_until (widget_is_hidden, shortcuts, "the shortcuts window is hidden");
  g_assert_true (lagoon_application_get_shortcuts_window (app) == shortcuts);

  /* Help ▸ About Lagoon */
  g_assert_null (find_about_dialog ());
  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  about = find_about_dialog ();
  g_assert_nonnull (about);
  wait_until (widget_is_mapped, about, "the About dialog is mapped");
  g_assert_cmpstr (gtk_about_dialog_get_program_name (GTK_ABOUT_DIALOG (about)), ==, "Lagoon");
  g_assert_cmpstr (gtk_about_dialog_get_version (GTK_ABOUT_DIALOG (about)), ==, PACKAGE_VERSION);
  g_assert_cmpint (gtk_about_dialog_get_license_type (GTK_ABOUT_DIALOG (about)), ==,
                   GTK_LICENSE_GPL_3_0);
  g_assert_cmpstr (gtk_about_dialog_get_logo_icon_name (GTK_ABOUT_DIALOG (about)), ==,
                   APPLICATION_ID);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (about)) == window);
  gtk_dialog_response (GTK_DIALOG (about), GTK_RESPONSE_DELETE_EVENT);

  close_app (app);
}

static void
test_window_message (void)
{
  g_autoptr(LagoonApplication) app = NULL;
  GtkWindow *window;
  GtkWidget *info_bar;
  GtkWidget *label;
  GtkWidget *image;
  const char *icon_name = NULL;

  app = create_app ();
  window = activate_and_map (app);

  info_bar = find_widget (GTK_WIDGET (window), GTK_TYPE_INFO_BAR);
  g_assert_nonnull (info_bar);
  g_assert_false (gtk_info_bar_get_revealed (GTK_INFO_BAR (info_bar)));

  lagoon_window_show_message (LAGOON_WINDOW (window), GTK_MESSAGE_ERROR, "Something went wrong.");
  g_assert_true (gtk_info_bar_get_revealed (GTK_INFO_BAR (info_bar)));
  g_assert_cmpint (gtk_info_bar_get_message_type (GTK_INFO_BAR (info_bar)), ==,
                   GTK_MESSAGE_ERROR);
  label = find_widget (info_bar, GTK_TYPE_LABEL);
  g_assert_nonnull (label);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, "Something went wrong.");
  image = find_widget (info_bar, GTK_TYPE_IMAGE);
  g_assert_nonnull (image);
  gtk_image_get_icon_name (GTK_IMAGE (image), &icon_name, NULL);
  g_assert_cmpstr (icon_name, ==, "dialog-error-symbolic");

  lagoon_window_hide_message (LAGOON_WINDOW (window));
  g_assert_false (gtk_info_bar_get_revealed (GTK_INFO_BAR (info_bar)));

  close_app (app);
}

static void
test_window_geometry_saved (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(LagoonApplication) app = NULL;
  GtkWindow *window;
  GtkWidget *paned;
  int width, height;

  /* A remembered geometry is restored... */
  g_settings_set_int (settings, "window-width", 700);
  g_settings_set_int (settings, "window-height", 500);
  g_settings_set_int (settings, "paned-position", 333);
  g_settings_set_boolean (settings, "window-maximized", FALSE);

  app = create_app ();
  window = activate_and_map (app);
  gtk_window_get_default_size (window, &width, &height);
  g_assert_cmpint (width, ==, 700);
  g_assert_cmpint (height, ==, 500);
  paned = find_widget (GTK_WIDGET (window), GTK_TYPE_PANED);
  g_assert_nonnull (paned);
  g_assert_cmpint (gtk_paned_get_position (GTK_PANED (paned)), ==, 333);

  /* ...and a changed one is saved when the window closes. */
  gtk_paned_set_position (GTK_PANED (paned), 300);
  close_app (app);
  g_assert_cmpint (g_settings_get_int (settings, "paned-position"), ==, 300);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), >, 0);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), >, 0);
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
  /* GApplication must not autolaunch a session bus through X11 (it would outlive the test):
   * without a bus it runs as a plain non-unique application. */
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/lagoon-test-bus", TRUE);

  if (g_getenv ("DISPLAY") == NULL || g_getenv ("DISPLAY")[0] == '\0')
    {
      g_test_init (&argc, &argv, NULL);
      g_test_add_func ("/lagoon/window/smoke", test_no_display);
      return g_test_run ();
    }

  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lagoon/window/smoke", test_window_smoke);
  g_test_add_func ("/lagoon/window/message", test_window_message);
  g_test_add_func ("/lagoon/window/geometry-saved", test_window_geometry_saved);

  return g_test_run ();
}
