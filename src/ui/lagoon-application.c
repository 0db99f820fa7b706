/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-application"

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <signal.h>

#include "lagoon-application.h"
#include "lagoon-demo.h"
#include "lagoon-resources.h"
#include "lagoon-shortcuts-window.h"
#include "lagoon-ui-private.h"
#include "lagoon-window.h"

struct _LagoonApplication
{
  GtkApplication  parent_instance;

  gboolean        demo_requested;
  LagoonDemo     *demo;
  /* What the demo last said, shown in every window (NULL: nothing to say). */
  GtkMessageType  demo_message_type;
  char           *demo_message;

  /* Created on first use and never destroyed: see lagoon-shortcuts-window.c. */
  GtkWindow      *shortcuts_window;

  guint           sigint_id;
  guint           sigterm_id;
};

G_DEFINE_FINAL_TYPE (LagoonApplication, lagoon_application, GTK_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "version", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
    N_("Show the version and exit"), NULL },
  { "demo", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
    N_("Start a simulated demo pool (xapi-sim)"), NULL },
  { NULL }
};

/* ---- shared helpers (lagoon-ui-private.h) ------------------------------------------------ */

void
lagoon_ui_register_resources (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      lagoon_register_resource ();
      g_once_init_leave (&registered, 1);
    }
}

/**
 * lagoon_ui_create_settings:
 *
 * Returns: (transfer full) (nullable): the application's settings; from the build tree's
 *   compiled schema when Lagoon runs uninstalled; %NULL when the schema is nowhere (then
 *   nothing is remembered, but nothing breaks either).
 */
GSettings *
lagoon_ui_create_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);

  if (schema == NULL)
    {
      g_autofree char *dir = g_build_filename (LAGOON_BUILDDIR, "data", NULL);
      g_autofree char *compiled = g_build_filename (dir, "gschemas.compiled", NULL);

      if (g_file_test (compiled, G_FILE_TEST_IS_REGULAR))
        {
          g_autoptr(GSettingsSchemaSource) build_source = NULL;
          g_autoptr(GError) error = NULL;

          build_source = g_settings_schema_source_new_from_directory (dir, source, FALSE, &error);
          if (build_source != NULL)
            schema = g_settings_schema_source_lookup (build_source, APPLICATION_ID, FALSE);
          else
            g_debug ("Cannot read %s: %s", compiled, error->message);
        }
    }

  if (schema == NULL)
    {
      g_debug ("The settings schema %s is not installed: window geometry is not saved",
               APPLICATION_ID);
      return NULL;
    }

  return g_settings_new_full (schema, NULL, NULL);
}

/* ---- demo -------------------------------------------------------------------------------- */

static void
lagoon_application_apply_demo_message (LagoonApplication *self,
                                       GtkWindow         *window)
{
  if (!LAGOON_IS_WINDOW (window))
    return;

  if (self->demo_message != NULL)
    lagoon_window_show_message (LAGOON_WINDOW (window), self->demo_message_type,
                                self->demo_message);
  else
    lagoon_window_hide_message (LAGOON_WINDOW (window));
}

static void
lagoon_application_set_demo_message (LagoonApplication *self,
                                     GtkMessageType     type,
                                     const char        *message)
{
  g_free (self->demo_message);
  self->demo_message = g_strdup (message);
  self->demo_message_type = type;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    lagoon_application_apply_demo_message (self, GTK_WINDOW (l->data));
}

static void
demo_exited_cb (LagoonDemo        *demo,
                const char        *message,
                LagoonApplication *self)
{
  g_autofree char *text = NULL;

  /* Translators: %s is a sentence saying how the simulator ended. */
  text = g_strdup_printf (_("%s Start Lagoon with --demo again to restart it."), message);
  lagoon_application_set_demo_message (self, GTK_MESSAGE_ERROR, text);
}

static void
demo_started_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(LagoonApplication) self = LAGOON_APPLICATION (user_data);
  LagoonDemo *demo = LAGOON_DEMO (object);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!lagoon_demo_start_finish (demo, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      g_message ("The demo did not start: %s", error->message);
      if (g_error_matches (error, LAGOON_DEMO_ERROR, LAGOON_DEMO_ERROR_NOT_FOUND))
        /* Translators: %s explains where the simulator was looked for and how to fix it. */
        text = g_strdup_printf (_("The demo cannot start. %s"), error->message);
      else
        /* Translators: %s is the reason. */
        text = g_strdup_printf (_("The demo pool simulator failed to start. %s Check that "
                                  "xapi-sim runs from a terminal, then start Lagoon with "
                                  "--demo again."),
                                error->message);
      lagoon_application_set_demo_message (self, GTK_MESSAGE_ERROR, text);
      return;
    }

  /* Translators: %s is an address like http://127.0.0.1:43615 */
  text = g_strdup_printf (_("Demo pool simulator running at %s. Lagoon cannot connect to pools "
                            "yet: the connection code is still being built."),
                          lagoon_demo_get_uri (demo));
  lagoon_application_set_demo_message (self, GTK_MESSAGE_INFO, text);
}

static void
lagoon_application_start_demo (LagoonApplication *self)
{
  if (self->demo != NULL)
    return;

  self->demo = lagoon_demo_new ();
  g_signal_connect_object (self->demo, "exited", G_CALLBACK (demo_exited_cb), self, 0);
  lagoon_application_set_demo_message (self, GTK_MESSAGE_INFO,
                                       _("Starting the demo pool simulator…"));
  lagoon_demo_start_async (self->demo, NULL, demo_started_cb, g_object_ref (self));
}

/* ---- actions ----------------------------------------------------------------------------- */

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  LagoonApplication *self = LAGOON_APPLICATION (user_data);
  GList *windows;

  /* Destroy the windows (they save their geometry as they go); the application then ends
   * because nothing holds it any more. */
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (self))) != NULL)
    gtk_widget_destroy (GTK_WIDGET (windows->data));
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  LagoonApplication *self = LAGOON_APPLICATION (user_data);
  static const char *authors[] = { "Lagoon developers", NULL };

  gtk_show_about_dialog (gtk_application_get_active_window (GTK_APPLICATION (self)),
                         "title", _("About Lagoon"),
                         "program-name", _("Lagoon"),
                         "version", PACKAGE_VERSION,
                         "comments", _("A desktop client for Xen pools (XCP-ng, XenServer)"),
                         "copyright", "© 2026 Lagoon developers",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "logo-icon-name", APPLICATION_ID,
                         "authors", authors,
                         /* Translators: your names, one per line, shown in the About dialog */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static gboolean
quit_signal_cb (gpointer user_data)
{
  LagoonApplication *self = LAGOON_APPLICATION (user_data);

  /* SIGINT or SIGTERM: close as Quit does, so that the demo simulator is stopped and the
   * window geometry saved. */
  g_debug ("Quitting on a signal");
  g_action_group_activate_action (G_ACTION_GROUP (self), "quit", NULL);
  return G_SOURCE_CONTINUE;
}

static const GActionEntry app_entries[] = {
  { .name = "quit", .activate = quit_action },
  { .name = "about", .activate = about_action },
  /* Always disabled: the "No commands yet" placeholder of menus with no command yet. */
  { .name = "unavailable" },
};

/* ---- GApplication ------------------------------------------------------------------------ */

static int
lagoon_application_handle_local_options (GApplication *application,
                                         GVariantDict *options)
{
  LagoonApplication *self = LAGOON_APPLICATION (application);
  g_autoptr(GError) error = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_contains (options, "demo"))
    {
      if (!g_application_register (application, NULL, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      if (g_application_get_is_remote (application))
        {
          g_printerr ("%s\n", _("Lagoon is already running: quit it first to start the demo."));
          return 1;
        }
      self->demo_requested = TRUE;
    }

  return G_APPLICATION_CLASS (lagoon_application_parent_class)->handle_local_options (application,
                                                                                       options);
}

static void
lagoon_application_startup (GApplication *application)
{
  LagoonApplication *self = LAGOON_APPLICATION (application);
  g_autoptr(GtkCssProvider) css = NULL;
  static const char *quit_accels[] = { "<Primary>q", NULL };
  static const char *search_accels[] = { "<Primary>f", NULL };
  static const char *shortcuts_accels[] = { "<Primary>question", NULL };
  GAction *unavailable;

  G_APPLICATION_CLASS (lagoon_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_entries, G_N_ELEMENTS (app_entries),
                                   self);
  unavailable = g_action_map_lookup_action (G_ACTION_MAP (self), "unavailable");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (unavailable), FALSE);

  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.search", search_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-help-overlay",
                                         shortcuts_accels);

  gtk_window_set_default_icon_name (APPLICATION_ID);

  self->sigint_id = g_unix_signal_add (SIGINT, quit_signal_cb, self);
  self->sigterm_id = g_unix_signal_add (SIGTERM, quit_signal_cb, self);

  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/dev/lagoon/Lagoon/style.css");
  gtk_style_context_add_provider_for_screen (gdk_screen_get_default (), GTK_STYLE_PROVIDER (css),
                                             GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
lagoon_application_activate (GApplication *application)
{
  LagoonApplication *self = LAGOON_APPLICATION (application);
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window == NULL)
    {
      window = GTK_WINDOW (lagoon_window_new (self));
      lagoon_application_apply_demo_message (self, window);
    }

  if (self->demo_requested)
    lagoon_application_start_demo (self);

  gtk_window_present (window);
}

static void
lagoon_application_shutdown (GApplication *application)
{
  LagoonApplication *self = LAGOON_APPLICATION (application);

  g_clear_handle_id (&self->sigint_id, g_source_remove);
  g_clear_handle_id (&self->sigterm_id, g_source_remove);

  if (self->demo != NULL)
    {
      lagoon_demo_stop (self->demo);
      g_clear_object (&self->demo);
    }

  G_APPLICATION_CLASS (lagoon_application_parent_class)->shutdown (application);
}

static void
lagoon_application_dispose (GObject *object)
{
  LagoonApplication *self = LAGOON_APPLICATION (object);

  if (self->demo != NULL)
    {
      lagoon_demo_stop (self->demo);
      g_clear_object (&self->demo);
    }

  G_OBJECT_CLASS (lagoon_application_parent_class)->dispose (object);
}

static void
lagoon_application_finalize (GObject *object)
{
  LagoonApplication *self = LAGOON_APPLICATION (object);

  g_clear_pointer (&self->demo_message, g_free);
  /* Drops our reference only: the hidden toplevel stays alive (see above). */
  g_clear_object (&self->shortcuts_window);

  G_OBJECT_CLASS (lagoon_application_parent_class)->finalize (object);
}

static void
lagoon_application_class_init (LagoonApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = lagoon_application_dispose;
  object_class->finalize = lagoon_application_finalize;

  app_class->handle_local_options = lagoon_application_handle_local_options;
  app_class->startup = lagoon_application_startup;
  app_class->activate = lagoon_application_activate;
  app_class->shutdown = lagoon_application_shutdown;

  lagoon_ui_register_resources ();
}

static void
lagoon_application_init (LagoonApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (
    G_APPLICATION (self), _("A desktop client for Xen pools (XCP-ng, XenServer)."));
}

/**
 * lagoon_application_get_shortcuts_window:
 *
 * Returns: (transfer none): the Keyboard Shortcuts window, shared by every window.
 */
GtkWindow *
lagoon_application_get_shortcuts_window (LagoonApplication *self)
{
  g_return_val_if_fail (LAGOON_IS_APPLICATION (self), NULL);

  if (self->shortcuts_window == NULL)
    self->shortcuts_window = g_object_ref (GTK_WINDOW (lagoon_shortcuts_window_new ()));

  return self->shortcuts_window;
}

LagoonApplication *
lagoon_application_new (GApplicationFlags flags)
{
  return g_object_new (LAGOON_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", flags,
                       NULL);
}
