/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-application"

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <signal.h>
#include <string.h>

#include "lagoon-action.h"
#include "lagoon-application.h"
#include "lagoon-demo.h"
#include "lagoon-resources.h"
#include "lagoon-secrets.h"
#include "lagoon-server.h"
#include "lagoon-ssh-session.h"
#include "lagoon-transport-error.h"
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

  /* LagoonServer: every pool in the tree, the demo included (it is not saved). */
  GListStore     *servers;
  LagoonServer   *demo_server;
  /* LagoonAction: this session's actions, newest first (the Events pane). */
  GListStore     *actions;
  /* The saved server list ("servers"); NULL when the schema is not installed. */
  GSettings      *settings;
  GCancellable   *cancellable;
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

static gint64 start_time;

gint64
lagoon_ui_get_start_time (void)
{
  return start_time;
}

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

/* ---- measurements ------------------------------------------------------------------------ */

/* With LAGOON_MEASURE_STALLS set, a 5 ms timer reports (g_debug, G_MESSAGES_DEBUG=
 * lagoon-application) every main-loop stall over 50 ms and the longest so far. */
static gboolean
stall_tick (gpointer user_data)
{
  static gint64 last, longest;
  gint64 now = g_get_monotonic_time ();

  if (last != 0 && now - last > 50000)
    {
      longest = MAX (longest, now - last);
      g_debug ("Main loop stalled %" G_GINT64_FORMAT " ms (longest %" G_GINT64_FORMAT " ms)",
               (now - last) / 1000, longest / 1000);
    }
  last = now;
  return G_SOURCE_CONTINUE;
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

  if (self->demo_server != NULL)
    lagoon_server_disconnect (self->demo_server);

  /* Translators: %s is a sentence saying how the simulator ended. */
  text = g_strdup_printf (_("%s Start Lagoon with --demo again to restart it."), message);
  lagoon_application_set_demo_message (self, GTK_MESSAGE_ERROR, text);
}

static void
demo_connection_notify_cb (LagoonConnection  *connection,
                           GParamSpec        *pspec,
                           LagoonApplication *self)
{
  const GError *error = lagoon_connection_get_error (connection);
  g_autofree char *text = NULL;

  switch (lagoon_connection_get_state (connection))
    {
    case LAGOON_CONNECTION_CONNECTED:
      lagoon_application_set_demo_message (self, GTK_MESSAGE_INFO,
                                           _("Demo pool: connected to the simulator on "
                                             "loopback, not through SSH."));
      break;
    case LAGOON_CONNECTION_CONNECTING:
      lagoon_application_set_demo_message (self, GTK_MESSAGE_INFO,
                                           _("Demo pool: connecting to the simulator on "
                                             "loopback…"));
      break;
    case LAGOON_CONNECTION_RECONNECTING:
    case LAGOON_CONNECTION_FAILED:
      /* Translators: %s says why */
      text = g_strdup_printf (_("Demo pool: the connection to the simulator was lost. %s"),
                              error != NULL ? error->message : "");
      lagoon_application_set_demo_message (self, GTK_MESSAGE_WARNING, text);
      break;
    case LAGOON_CONNECTION_DISCONNECTED:
    default:
      break;
    }
}

static void
lagoon_application_connect_demo (LagoonApplication *self,
                                 const char        *uri)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonServer) server = NULL;

  server = lagoon_server_new (LAGOON_SERVER_DEMO, uri, &error);
  if (server == NULL)
    {
      g_autofree char *text = NULL;

      /* Translators: %s is the reason */
      text = g_strdup_printf (_("The demo pool simulator printed an address Lagoon cannot "
                                "use. %s"), error->message);
      lagoon_application_set_demo_message (self, GTK_MESSAGE_ERROR, text);
      return;
    }

  g_set_object (&self->demo_server, server);
  g_signal_connect_object (lagoon_server_get_connection (server), "notify::state",
                           G_CALLBACK (demo_connection_notify_cb), self, 0);
  /* The simulator's default credentials. */
  lagoon_server_set_user (server, "root");
  g_list_store_append (self->servers, server);
  lagoon_server_connect (server, "xenroot");
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

  lagoon_application_connect_demo (self, lagoon_demo_get_uri (demo));
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

/* ---- servers ----------------------------------------------------------------------------- */

static void lagoon_application_watch_server (LagoonApplication *self,
                                             LagoonServer      *server);

static void
lagoon_application_save_servers (LagoonApplication *self)
{
  GVariantBuilder builder;

  if (self->settings == NULL)
    return;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->servers)); i++)
    {
      g_autoptr(LagoonServer) server = g_list_model_get_item (G_LIST_MODEL (self->servers), i);

      if (lagoon_server_get_kind (server) != LAGOON_SERVER_DEMO)
        g_variant_builder_add_value (&builder, lagoon_server_to_variant (server));
    }
  g_settings_set_value (self->settings, "servers", g_variant_builder_end (&builder));
}

static void
secret_stored_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!lagoon_secrets_store_finish (result, &error) && error != NULL)
    g_message ("The password could not be saved in the keyring: %s", error->message);
}

static void
secret_cleared_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* FALSE without an error: there was nothing to forget. */
  if (!lagoon_secrets_clear_finish (result, &error) && error != NULL)
    g_debug ("The keyring could not forget a password: %s", error->message);
}

typedef struct
{
  char         *key;
  char         *label;
  char         *password;
  GCancellable *cancellable;
} PendingSecret;

static void
pending_secret_free (gpointer data)
{
  PendingSecret *pending = data;

  g_free (pending->key);
  g_free (pending->label);
  if (pending->password != NULL)
    memset (pending->password, 0, strlen (pending->password));
  g_free (pending->password);
  g_clear_object (&pending->cancellable);
  g_free (pending);
}

static void
pending_secret_state_cb (LagoonConnection *connection,
                         GParamSpec       *pspec,
                         PendingSecret    *pending)
{
  switch (lagoon_connection_get_state (connection))
    {
    case LAGOON_CONNECTION_CONNECTED:
      lagoon_secrets_store_async (pending->key, pending->label, pending->password,
                                  pending->cancellable, secret_stored_cb, NULL);
      break;
    case LAGOON_CONNECTION_FAILED:
    case LAGOON_CONNECTION_DISCONNECTED:
      break;
    case LAGOON_CONNECTION_CONNECTING:
    case LAGOON_CONNECTION_RECONNECTING:
    default:
      return;
    }

  /* Once decided, either way (this frees @pending). */
  g_signal_handlers_disconnect_by_func (connection, pending_secret_state_cb, pending);
}

static LagoonServer *
lagoon_application_find_server (LagoonApplication *self,
                                const char        *key)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->servers)); i++)
    {
      g_autoptr(LagoonServer) server = g_list_model_get_item (G_LIST_MODEL (self->servers), i);

      if (g_strcmp0 (lagoon_server_get_key (server), key) == 0)
        return server;
    }
  return NULL;
}

/**
 * lagoon_application_add_server:
 * @password: the xapi password (not kept beyond the connection)
 * @remember: store @password in the keyring
 *
 * Adds @server to the tree and the saved list, and connects it. A server already in the
 * list is connected again with @password instead.
 */
void
lagoon_application_add_server (LagoonApplication *self,
                               LagoonServer      *server,
                               const char        *password,
                               gboolean           remember)
{
  LagoonServer *existing;
  g_autofree char *label = NULL;

  g_return_if_fail (LAGOON_IS_APPLICATION (self));
  g_return_if_fail (LAGOON_IS_SERVER (server));

  existing = lagoon_application_find_server (self, lagoon_server_get_key (server));
  if (existing != NULL)
    server = existing;
  else
    {
      g_list_store_append (self->servers, server);
      lagoon_application_watch_server (self, server);
      lagoon_application_save_servers (self);
    }

  /* Translators: the keyring's label for a saved password; %s is the server's address */
  label = g_strdup_printf (_("Lagoon: xapi password for %s"), lagoon_server_get_address (server));
  lagoon_server_connect (server, password);

  /* After connecting: the disconnect a reconnection starts with must not count. */
  if (remember && password != NULL)
    {
      /* Kept only once it has logged in: a mistyped password is not worth remembering. */
      PendingSecret *pending = g_new0 (PendingSecret, 1);

      pending->key = g_strdup (lagoon_server_get_key (server));
      pending->label = g_strdup (label);
      pending->password = g_strdup (password);
      pending->cancellable = g_object_ref (self->cancellable);
      g_signal_connect_data (lagoon_server_get_connection (server), "notify::state",
                             G_CALLBACK (pending_secret_state_cb), pending,
                             (GClosureNotify) pending_secret_free, 0);
    }
  else if (!remember)
    lagoon_secrets_clear_async (lagoon_server_get_key (server), self->cancellable,
                                secret_cleared_cb, NULL);
}

void
lagoon_application_remove_server (LagoonApplication *self,
                                  LagoonServer      *server)
{
  guint position;

  g_return_if_fail (LAGOON_IS_APPLICATION (self));
  g_return_if_fail (LAGOON_IS_SERVER (server));

  if (!g_list_store_find (self->servers, server, &position))
    return;

  lagoon_server_disconnect (server);
  if (lagoon_server_get_kind (server) != LAGOON_SERVER_DEMO)
    lagoon_secrets_clear_async (lagoon_server_get_key (server), self->cancellable,
                                secret_cleared_cb, NULL);
  g_list_store_remove (self->servers, position);
  lagoon_application_save_servers (self);
}

GListModel *
lagoon_application_get_servers (LagoonApplication *self)
{
  g_return_val_if_fail (LAGOON_IS_APPLICATION (self), NULL);
  return G_LIST_MODEL (self->servers);
}

GListModel *
lagoon_application_get_actions (LagoonApplication *self)
{
  g_return_val_if_fail (LAGOON_IS_APPLICATION (self), NULL);
  return G_LIST_MODEL (self->actions);
}

/* Starts @action and lists it in the Events pane (newest first). */
void
lagoon_application_run_action (LagoonApplication *self,
                               LagoonAction      *action)
{
  g_return_if_fail (LAGOON_IS_APPLICATION (self));
  g_return_if_fail (LAGOON_IS_ACTION (action));

  g_list_store_insert (self->actions, 0, action);
  lagoon_action_start (action);
}

/* ---- prompts the connection needs (host keys, certificates, passwords) ------------------- */

static GtkWindow *
lagoon_application_get_parent (LagoonApplication *self)
{
  return gtk_application_get_active_window (GTK_APPLICATION (self));
}

/* Asks for a secret; returns it (free with g_free) or NULL when cancelled. */
static char *
ask_secret (LagoonApplication *self,
            const char        *title,
            const char        *message,
            const char        *entry_name)
{
  GtkWidget *dialog;
  GtkWidget *entry;
  GtkWidget *area;
  char *secret = NULL;

  dialog = gtk_message_dialog_new (lagoon_application_get_parent (self), GTK_DIALOG_MODAL,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE, "%s", title);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", message);
  gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL,
                          _("C_onnect"), GTK_RESPONSE_OK, NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_OK);

  entry = gtk_entry_new ();
  gtk_entry_set_visibility (GTK_ENTRY (entry), FALSE);
  gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_PASSWORD);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  atk_object_set_name (gtk_widget_get_accessible (entry), entry_name);
  area = gtk_message_dialog_get_message_area (GTK_MESSAGE_DIALOG (dialog));
  gtk_container_add (GTK_CONTAINER (area), entry);
  gtk_widget_show (entry);
  gtk_widget_grab_focus (entry);

  if (gtk_dialog_run (GTK_DIALOG (dialog)) == GTK_RESPONSE_OK)
    secret = g_strdup (gtk_entry_get_text (GTK_ENTRY (entry)));
  gtk_widget_destroy (dialog);

  return secret;
}

static gboolean
ask_yes_no (LagoonApplication *self,
            const char        *title,
            const char        *message,
            const char        *accept_label)
{
  GtkWidget *dialog;
  int response;

  dialog = gtk_message_dialog_new (lagoon_application_get_parent (self), GTK_DIALOG_MODAL,
                                   GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE, "%s", title);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", message);
  gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL,
                          accept_label, GTK_RESPONSE_ACCEPT, NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  response = gtk_dialog_run (GTK_DIALOG (dialog));
  gtk_widget_destroy (dialog);

  return response == GTK_RESPONSE_ACCEPT;
}

static void
show_error (LagoonApplication *self,
            const char        *title,
            const char        *message)
{
  GtkWidget *dialog;

  dialog = gtk_message_dialog_new (lagoon_application_get_parent (self), GTK_DIALOG_MODAL,
                                   GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE, "%s", title);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", message);
  gtk_dialog_run (GTK_DIALOG (dialog));
  gtk_widget_destroy (dialog);
}

static gboolean
handle_failure_idle (gpointer user_data)
{
  g_autoptr(LagoonServer) server = LAGOON_SERVER (user_data);
  LagoonApplication *self = LAGOON_APPLICATION (g_application_get_default ());
  LagoonConnection *connection = lagoon_server_get_connection (server);
  LagoonSshSession *session = lagoon_server_get_ssh_session (server);
  const GError *error = lagoon_connection_get_error (connection);
  g_autofree char *address = NULL;

  g_object_set_data (G_OBJECT (server), "lagoon-prompting", NULL);

  if (self == NULL || lagoon_connection_get_state (connection) != LAGOON_CONNECTION_FAILED ||
      error == NULL || !g_list_store_find (self->servers, server, NULL))
    return G_SOURCE_REMOVE;

  address = g_strdup (lagoon_server_get_address (server));

  if (g_error_matches (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_HOST_KEY_UNKNOWN) &&
      session != NULL)
    {
      g_autofree char *title = NULL;
      g_autofree char *message = NULL;

      /* Translators: %s is a server address */
      title = g_strdup_printf (_("Trust the SSH host key of %s?"), address);
      /* Translators: %s: key type ("ssh-ed25519"), %s: fingerprint ("SHA256:…") */
      message = g_strdup_printf (_("Lagoon has never connected to this server before. Its %s "
                                   "host key has the fingerprint\n\n%s\n\nCompare it with the "
                                   "one the server's administrator gives you. If you accept, "
                                   "it is added to ~/.ssh/known_hosts."),
                                 lagoon_ssh_session_get_host_key_type (session),
                                 lagoon_ssh_session_get_host_key_fingerprint (session));
      if (ask_yes_no (self, title, message, _("_Accept and Connect")) &&
          g_list_store_find (self->servers, server, NULL))
        {
          g_autoptr(GError) trust_error = NULL;

          if (lagoon_ssh_session_trust_host_key (session, &trust_error))
            lagoon_server_reconnect (server);
          else
            show_error (self, _("The host key could not be saved"), trust_error->message);
        }
    }
  else if (g_error_matches (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_HOST_KEY_CHANGED))
    {
      g_autofree char *title = NULL;

      /* Translators: %s is a server address */
      title = g_strdup_printf (_("The SSH host key of %s has changed"), address);
      show_error (self, title, error->message);
    }
  else if (g_error_matches (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_PASSWORD_NEEDED) ||
           g_error_matches (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_PASSPHRASE_NEEDED))
    {
      gboolean passphrase = error->code == LAGOON_SSH_ERROR_PASSPHRASE_NEEDED;
      g_autofree char *title = NULL;
      g_autofree char *secret = NULL;

      /* Translators: %s is a server address */
      title = passphrase ? g_strdup_printf (_("Unlock your SSH key for %s"), address)
                         : g_strdup_printf (_("SSH password for %s"), address);
      secret = ask_secret (self, title, error->message,
                           passphrase ? _("SSH key passphrase") : _("SSH password"));
      /* The server may have been removed while the question was asked. */
      if (secret != NULL && g_list_store_find (self->servers, server, NULL))
        {
          if (passphrase)
            lagoon_server_set_ssh_passphrase (server, secret);
          else
            lagoon_server_set_ssh_password (server, secret);
          memset (secret, 0, strlen (secret));
          lagoon_server_reconnect (server);
        }
    }
  else if (g_error_matches (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CERTIFICATE))
    {
      g_autofree char *fingerprint = lagoon_server_dup_pending_certificate (server);

      if (fingerprint != NULL)
        {
          g_autofree char *title = NULL;
          g_autofree char *message = NULL;

          /* Translators: %s is a server address */
          title = g_strdup_printf (_("Trust the TLS certificate of %s?"), address);
          /* Translators: %s is a SHA-256 fingerprint */
          message = g_strdup_printf (_("The server presents a certificate with the SHA-256 "
                                       "fingerprint\n\n%s\n\nIf it is the one your pool "
                                       "shows (xe host-list params=…), accept it: Lagoon will "
                                       "then refuse any other."), fingerprint);
          if (ask_yes_no (self, title, message, _("_Accept and Connect")) &&
              g_list_store_find (self->servers, server, NULL))
            {
              lagoon_server_set_fingerprint (server, fingerprint);
              lagoon_application_save_servers (self);
              lagoon_server_reconnect (server);
            }
        }
    }

  return G_SOURCE_REMOVE;
}

static void
server_state_cb (LagoonConnection *connection,
                 GParamSpec       *pspec,
                 LagoonServer     *server)
{
  if (lagoon_connection_get_state (connection) != LAGOON_CONNECTION_FAILED)
    return;
  if (g_object_get_data (G_OBJECT (server), "lagoon-prompting") != NULL)
    return;

  /* Not from inside the notification: the prompt runs a nested main loop. */
  g_object_set_data (G_OBJECT (server), "lagoon-prompting", GINT_TO_POINTER (1));
  g_idle_add (handle_failure_idle, g_object_ref (server));
}

static void
lagoon_application_watch_server (LagoonApplication *self,
                                 LagoonServer      *server)
{
  g_signal_connect_object (lagoon_server_get_connection (server), "notify::state",
                           G_CALLBACK (server_state_cb), server, 0);
}

/* Connects @server, asking for its password when none is known. */
void
lagoon_application_connect_server (LagoonApplication *self,
                                   LagoonServer      *server)
{
  g_return_if_fail (LAGOON_IS_APPLICATION (self));
  g_return_if_fail (LAGOON_IS_SERVER (server));

  if (!lagoon_server_has_password (server))
    {
      g_autofree char *title = NULL;
      g_autofree char *password = NULL;

      /* Translators: %s: a user name, %s: a server address */
      title = g_strdup_printf (_("Password of %s on %s"), lagoon_server_get_user (server),
                               lagoon_server_get_address (server));
      password = ask_secret (self, title, _("Lagoon logs in to the pool's XenAPI with this "
                                            "password."), _("Password"));
      if (password == NULL)
        return;
      lagoon_server_connect (server, password);
      memset (password, 0, strlen (password));
      return;
    }

  lagoon_server_reconnect (server);
}

static void
saved_secret_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(LagoonServer) server = LAGOON_SERVER (user_data);
  g_autoptr(GError) error = NULL;
  char *password;

  password = lagoon_secrets_lookup_finish (result, &error);
  if (error != NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_message ("The keyring could not be read: %s", error->message);
    }

  if (password != NULL)
    {
      lagoon_server_connect (server, password);
      lagoon_secrets_free (password);
    }
  /* Without a saved password the server waits, disconnected, for Reconnect. */
}

static void
lagoon_application_restore_servers (LagoonApplication *self)
{
  g_autoptr(GVariant) saved = NULL;
  GVariantIter iter;
  GVariant *description;

  if (self->settings == NULL)
    return;

  saved = g_settings_get_value (self->settings, "servers");
  g_variant_iter_init (&iter, saved);
  while ((description = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = description;
      g_autoptr(GError) error = NULL;
      g_autoptr(LagoonServer) server = lagoon_server_new_from_variant (description, &error);

      if (server == NULL)
        {
          g_message ("A saved server is ignored: %s", error->message);
          continue;
        }
      if (lagoon_application_find_server (self, lagoon_server_get_key (server)) != NULL)
        continue;

      g_list_store_append (self->servers, server);
      lagoon_application_watch_server (self, server);
      lagoon_secrets_lookup_async (lagoon_server_get_key (server), self->cancellable,
                                   saved_secret_cb, g_object_ref (server));
    }
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
  static const char *events_accels[] = { "F9", NULL };
  static const char *add_server_accels[] = { "<Primary>n", NULL };
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
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-events",
                                         events_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.add-server",
                                         add_server_accels);
  /* The commands on the selection (a focused console sends every key to its guest instead). */
  {
    static const struct {
      const char *action;
      const char *accels[2];
    } commands[] = {
      { "win.vm-start", { "<Primary>b", NULL } },
      { "win.vm-shutdown", { "<Primary>e", NULL } },
      { "win.vm-reboot", { "<Primary>r", NULL } },
      { "win.vm-suspend", { "<Primary>y", NULL } },
      { "win.properties", { "<Alt>Return", NULL } },
      { "win.new-vm", { "<Primary><Shift>n", NULL } },
    };

    for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
      gtk_application_set_accels_for_action (GTK_APPLICATION (self), commands[i].action,
                                             commands[i].accels);
  }

  gtk_window_set_default_icon_name (APPLICATION_ID);

  self->sigint_id = g_unix_signal_add (SIGINT, quit_signal_cb, self);
  self->sigterm_id = g_unix_signal_add (SIGTERM, quit_signal_cb, self);

  self->settings = lagoon_ui_create_settings ();
  lagoon_application_restore_servers (self);

  if (g_getenv ("LAGOON_MEASURE_STALLS") != NULL)
    g_timeout_add (5, stall_tick, NULL);

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

  g_cancellable_cancel (self->cancellable);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->servers)); i++)
    {
      g_autoptr(LagoonServer) server = g_list_model_get_item (G_LIST_MODEL (self->servers), i);

      lagoon_server_disconnect (server);
    }

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
  g_clear_object (&self->demo_server);
  g_clear_object (&self->servers);
  g_clear_object (&self->actions);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
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
  if (start_time == 0)
    start_time = g_get_monotonic_time ();
  self->servers = g_list_store_new (LAGOON_TYPE_SERVER);
  self->actions = g_list_store_new (LAGOON_TYPE_ACTION);
  self->cancellable = g_cancellable_new ();

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
