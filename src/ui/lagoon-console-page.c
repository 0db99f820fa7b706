/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-console-page"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>
#include <vncdisplay.h>

#include "lagoon-console-page.h"
#include "lagoon-http-client.h"
#include "lagoon-stream-fd.h"
#include "lagoon-ui-private.h"

/* After the console closes by itself (or a CONNECT fails) while the VM runs. */
#define RETRY_DELAY_MS   1000
#define MAX_RETRIES      3
/* A hidden tab keeps its console this long (switching tabs back and forth is free). */
#define HIDDEN_CLOSE_MS  5000

struct _LagoonConsolePage
{
  GtkBox            parent_instance;

  LagoonConnection *connection;
  LagoonCache      *cache;
  gulong            batch_id;
  int               class_id;
  char             *ref;

  gboolean          mapped;
  guint             hide_id;
  guint             retry_id;
  guint             retries;

  /* The console being shown (or tried): its location, and the VM's name for messages. */
  char             *location;
  char             *vm_name;
  GCancellable     *cancellable;
  GtkWidget        *display;
  gboolean          connected;
  char             *vnc_error;
  gint64            open_time;

  /* Template children */
  GtkWidget        *toolbar;
  GtkWidget        *cad_button;
  GtkWidget        *scale_button;
  GtkWidget        *screenshot_button;
  GtkStack         *stack;
  GtkLabel         *connecting_label;
  GtkWidget        *display_box;
  GtkLabel         *stopped_label;
  GtkWidget        *start_button;
  GtkWidget        *resume_button;
  GtkLabel         *error_label;
  GtkLabel         *empty_label;
};

G_DEFINE_FINAL_TYPE (LagoonConsolePage, lagoon_console_page, GTK_TYPE_BOX)

static void lagoon_console_page_update (LagoonConsolePage *self);

static void
set_description (LagoonConsolePage *self,
                 const char        *text)
{
  if (self->display_box == NULL)
    return;
  atk_object_set_description (gtk_widget_get_accessible (self->display_box), text);
}

static void
update_toolbar (LagoonConsolePage *self)
{
  /* Template children are gone once the page is destroyed (teardown from dispose). */
  if (self->cad_button == NULL || self->screenshot_button == NULL)
    return;
  gtk_widget_set_sensitive (self->cad_button, self->connected);
  gtk_widget_set_sensitive (self->screenshot_button, self->connected);
}

/* Drops the console connection (if any), the pending CONNECT and any retry. */
static void
teardown (LagoonConsolePage *self)
{
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->display != NULL)
    {
      GtkWidget *display = g_steal_pointer (&self->display);

      g_signal_handlers_disconnect_by_data (display, self);
      vnc_display_close (VNC_DISPLAY (display));
      gtk_widget_destroy (display);
      g_object_unref (display);
    }
  self->connected = FALSE;
  g_clear_pointer (&self->location, g_free);
  g_clear_pointer (&self->vnc_error, g_free);
  update_toolbar (self);
}

static void
show_error (LagoonConsolePage *self,
            const char        *text)
{
  gtk_label_set_text (self->error_label, text);
  gtk_stack_set_visible_child_name (self->stack, "error");
  set_description (self, text);
}

static void
show_connecting (LagoonConsolePage *self,
                 const char        *text)
{
  gtk_label_set_text (self->connecting_label, text);
  gtk_stack_set_visible_child_name (self->stack, "connecting");
  set_description (self, text);
}

static gboolean
retry_timeout (gpointer user_data)
{
  LagoonConsolePage *self = user_data;

  self->retry_id = 0;
  /* Forget the location so that update () connects again even when it did not change. */
  g_clear_pointer (&self->location, g_free);
  lagoon_console_page_update (self);
  return G_SOURCE_REMOVE;
}

/* The connection failed or ended by itself: try again a few times, then explain. */
static void
connection_lost (LagoonConsolePage *self,
                 const char        *why)
{
  g_autofree char *location = g_strdup (self->location);

  teardown (self);
  if (self->mapped && self->retries < MAX_RETRIES)
    {
      g_debug ("console lost (%s): retry %u in %d ms", why, self->retries + 1, RETRY_DELAY_MS);
      self->retries++;
      /* Keep the location so that a batch with the same console does not start a second
       * attempt before the timer; a new console (reboot) connects at once. */
      self->location = g_steal_pointer (&location);
      show_connecting (self, _("The console closed. Reconnecting…"));
      self->retry_id = g_timeout_add (RETRY_DELAY_MS, retry_timeout, self);
      return;
    }
  self->location = g_steal_pointer (&location);
  show_error (self, why);
}

static void
on_vnc_initialized (GtkWidget         *display,
                    LagoonConsolePage *self)
{
  g_autofree char *text = NULL;

  g_debug ("console of %s initialized after %" G_GINT64_FORMAT " ms", self->vm_name,
           (g_get_monotonic_time () - self->open_time) / 1000);
  self->connected = TRUE;
  self->retries = 0;
  gtk_stack_set_visible_child_name (self->stack, "display");
  /* Translators: the console area's accessible description; %s is the VM's name */
  text = g_strdup_printf (_("Connected to %s"), self->vm_name);
  set_description (self, text);
  update_toolbar (self);
  gtk_widget_grab_focus (display);
}

static void
on_vnc_error (GtkWidget         *display,
              const char        *message,
              LagoonConsolePage *self)
{
  g_debug ("console error: %s", message);
  g_free (self->vnc_error);
  self->vnc_error = g_strdup (message);
}

static void
on_vnc_disconnected (GtkWidget         *display,
                     LagoonConsolePage *self)
{
  g_autofree char *why = NULL;

  if (self->vnc_error != NULL)
    /* Translators: %s is the VNC library's message */
    why = g_strdup_printf (_("The console connection failed: %s"), self->vnc_error);
  else
    why = g_strdup (_("The console connection closed."));
  connection_lost (self, why);
}

/* One CONNECT in flight: its answer counts only if the page still waits for this one. */
typedef struct
{
  LagoonConsolePage *self;
  GCancellable      *cancellable;
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_object_unref (data->self);
  g_object_unref (data->cancellable);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpenData, open_data_free)

static void
on_tunnel_open (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(OpenData) data = user_data;
  LagoonConsolePage *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;
  GtkWidget *display;
  int fd;

  stream = lagoon_http_client_open_tunnel_finish (LAGOON_HTTP_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      data->cancellable != self->cancellable || g_cancellable_is_cancelled (data->cancellable))
    return;
  if (stream == NULL)
    {
      g_autofree char *text =
        /* Translators: %s says why the console could not be opened */
        g_strdup_printf (_("The console could not be opened.\n\n%s"), error->message);

      connection_lost (self, text);
      return;
    }
  g_clear_object (&self->cancellable);

  fd = lagoon_io_stream_steal_fd (stream, &error);
  g_clear_object (&stream);
  if (fd < 0)
    {
      connection_lost (self, error->message);
      return;
    }

  display = vnc_display_new ();
  self->display = g_object_ref_sink (display);
  vnc_display_set_scaling (VNC_DISPLAY (display),
                           gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->scale_button)));
  vnc_display_set_keep_aspect_ratio (VNC_DISPLAY (display), TRUE);
  g_signal_connect (display, "vnc-initialized", G_CALLBACK (on_vnc_initialized), self);
  g_signal_connect (display, "vnc-error", G_CALLBACK (on_vnc_error), self);
  g_signal_connect (display, "vnc-disconnected", G_CALLBACK (on_vnc_disconnected), self);
  {
    /* Translators: the accessible name of the console display; %s is the VM's name */
    g_autofree char *name = g_strdup_printf (_("Console of %s"), self->vm_name);

    atk_object_set_name (gtk_widget_get_accessible (display), name);
  }
  gtk_widget_set_hexpand (display, TRUE);
  gtk_widget_set_vexpand (display, TRUE);
  gtk_widget_show (display);
  gtk_container_add (GTK_CONTAINER (self->display_box), display);

  /* The display owns the fd from here on. */
  if (!vnc_display_open_fd (VNC_DISPLAY (display), fd))
    {
      close (fd);
      connection_lost (self, _("The console display could not use the connection."));
    }
}

static void
start_connect (LagoonConsolePage *self,
               const char        *location)
{
  g_autoptr(LagoonHttpClient) client = NULL;
  g_autofree char *host = NULL;
  g_autofree char *path = NULL;
  g_autofree char *session = NULL;
  g_autofree char *text = NULL;
  guint16 port = 0;
  gboolean tls = FALSE;

  teardown (self);
  self->location = g_strdup (location);
  self->open_time = g_get_monotonic_time ();

  if (!lagoon_http_split_url (location, &tls, &host, &port, &path))
    {
      g_autofree char *why =
        /* Translators: %s is the console's URL as the server gave it */
        g_strdup_printf (_("The console's address “%s” is not a valid URL."), location);

      show_error (self, why);
      return;
    }
  session = lagoon_connection_dup_session_ref (self->connection);
  if (session == NULL)
    {
      show_error (self, _("Not logged in to the pool: the console needs a session."));
      return;
    }

  /* Translators: %s is the VM's name */
  text = g_strdup_printf (_("Connecting to the console of %s…"), self->vm_name);
  show_connecting (self, text);
  g_debug ("console: CONNECT %s on %s:%u", path, host, port);

  self->cancellable = g_cancellable_new ();
  client = lagoon_http_client_new (lagoon_connection_get_opener (self->connection), host, port,
                                   tls);
  {
    OpenData *data = g_new0 (OpenData, 1);

    data->self = g_object_ref (self);
    data->cancellable = g_object_ref (self->cancellable);
    lagoon_http_client_open_tunnel_async (client, path, session, self->cancellable,
                                          on_tunnel_open, data);
  }
}

/* The VM whose console the page shows: the object itself, or a host's control domain. */
static const LagoonRecord *
find_vm (LagoonConsolePage *self)
{
  const char *vm_ref = self->ref;

  if (self->class_id == LAGOON_CLASS_HOST)
    {
      const LagoonRecord *host = lagoon_cache_lookup (self->cache, LAGOON_CLASS_HOST, self->ref);

      vm_ref = host != NULL ? lagoon_record_get_ref (host, LAGOON_HOST_CONTROL_DOMAIN) : NULL;
    }
  else if (self->class_id != LAGOON_CLASS_VM)
    return NULL;
  return vm_ref != NULL ? lagoon_cache_lookup (self->cache, LAGOON_CLASS_VM, vm_ref) : NULL;
}

static const LagoonRecord *
find_rfb_console (LagoonConsolePage  *self,
                  const LagoonRecord *vm)
{
  const LagoonRecord *const *consoles;
  guint n = 0;

  consoles = lagoon_cache_get_referrers (self->cache, LAGOON_CLASS_CONSOLE, LAGOON_CONSOLE_VM,
                                         lagoon_record_get_opaque_ref (vm), &n);
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (lagoon_record_get_enum_string (consoles[i], LAGOON_CONSOLE_PROTOCOL),
                   "rfb") == 0)
      return consoles[i];
  return NULL;
}

static void
lagoon_console_page_update (LagoonConsolePage *self)
{
  const LagoonRecord *vm;
  const LagoonRecord *console;
  const char *power;
  const char *location;

  if (self->cache == NULL || self->ref == NULL)
    {
      teardown (self);
      gtk_label_set_text (self->empty_label, _("Select a VM or a server to see its console."));
      gtk_stack_set_visible_child_name (self->stack, "empty");
      set_description (self, _("No console"));
      return;
    }

  vm = find_vm (self);
  if (vm == NULL)
    {
      teardown (self);
      gtk_label_set_text (self->empty_label, self->class_id == LAGOON_CLASS_HOST
                                               ? _("This server has no control domain.")
                                               : _("This VM no longer exists."));
      gtk_stack_set_visible_child_name (self->stack, "empty");
      set_description (self, _("No console"));
      return;
    }

  g_free (self->vm_name);
  self->vm_name = g_strdup (lagoon_record_get_name (vm));
  power = lagoon_record_get_enum_string (vm, LAGOON_VM_POWER_STATE);

  if (g_strcmp0 (power, "Running") != 0)
    {
      gboolean halted = g_strcmp0 (power, "Halted") == 0;
      gboolean suspended = g_strcmp0 (power, "Suspended") == 0;
      g_autofree char *text = NULL;

      teardown (self);
      if (halted)
        text = g_strdup_printf (_("%s is halted. Start it to see its console."), self->vm_name);
      else if (suspended)
        text = g_strdup_printf (_("%s is suspended. Resume it to see its console."),
                                self->vm_name);
      else if (g_strcmp0 (power, "Paused") == 0)
        text = g_strdup_printf (_("%s is paused."), self->vm_name);
      else
        /* Translators: %s is the VM's name, the VM is in an unusual power state */
        text = g_strdup_printf (_("%s is not running."), self->vm_name);
      gtk_label_set_text (self->stopped_label, text);
      gtk_widget_set_visible (self->start_button, halted && self->class_id == LAGOON_CLASS_VM);
      gtk_widget_set_visible (self->resume_button,
                              suspended && self->class_id == LAGOON_CLASS_VM);
      gtk_stack_set_visible_child_name (self->stack, "stopped");
      set_description (self, text);
      return;
    }

  console = find_rfb_console (self, vm);
  location = console != NULL ? lagoon_record_get_string (console, LAGOON_CONSOLE_LOCATION)
                             : NULL;
  if (location == NULL || location[0] == '\0')
    {
      teardown (self);
      show_error (self, _("The VM runs but has no graphical console (yet). xapi creates it "
                          "when the VM's display device starts."));
      return;
    }

  if (!self->mapped)
    return;
  /* Already showing, opening or about to retry this console. */
  if (g_strcmp0 (location, self->location) == 0)
    return;
  start_connect (self, location);
}

static void
on_batch (LagoonCache      *cache,
          LagoonCacheBatch *batch,
          LagoonConsolePage *self)
{
  if (lagoon_cache_batch_has_class (batch, LAGOON_CLASS_CONSOLE) ||
      lagoon_cache_batch_has_class (batch, LAGOON_CLASS_VM) ||
      lagoon_cache_batch_lookup (batch, self->class_id, self->ref) != LAGOON_CHANGE_NONE ||
      lagoon_cache_batch_is_resync (batch))
    lagoon_console_page_update (self);
}

void
lagoon_console_page_set_object (LagoonConsolePage *self,
                                LagoonConnection  *connection,
                                int                class_id,
                                const char        *ref)
{
  LagoonCache *cache = connection != NULL ? lagoon_connection_get_cache (connection) : NULL;

  g_return_if_fail (LAGOON_IS_CONSOLE_PAGE (self));

  if (connection == self->connection && class_id == self->class_id &&
      g_strcmp0 (ref, self->ref) == 0)
    {
      lagoon_console_page_update (self);
      return;
    }

  teardown (self);
  self->retries = 0;
  if (self->cache != NULL)
    g_clear_signal_handler (&self->batch_id, self->cache);
  g_set_object (&self->connection, connection);
  g_set_object (&self->cache, cache);
  if (cache != NULL)
    self->batch_id = g_signal_connect (cache, "batch-applied", G_CALLBACK (on_batch), self);
  self->class_id = class_id;
  g_free (self->ref);
  self->ref = g_strdup (ref);
  lagoon_console_page_update (self);
}

gboolean
lagoon_console_page_handles (int class_id)
{
  return class_id == LAGOON_CLASS_VM || class_id == LAGOON_CLASS_HOST;
}

/* ---- shown and hidden -------------------------------------------------------------------- */

static gboolean
hidden_timeout (gpointer user_data)
{
  LagoonConsolePage *self = user_data;

  self->hide_id = 0;
  g_debug ("console tab hidden: closing the console");
  teardown (self);
  show_connecting (self, _("Not connected while the tab is hidden."));
  return G_SOURCE_REMOVE;
}

static void
lagoon_console_page_map (GtkWidget *widget)
{
  LagoonConsolePage *self = LAGOON_CONSOLE_PAGE (widget);

  GTK_WIDGET_CLASS (lagoon_console_page_parent_class)->map (widget);
  self->mapped = TRUE;
  g_clear_handle_id (&self->hide_id, g_source_remove);
  self->retries = 0;
  /* Neither open nor opening (a retry was dropped when hidden, or it failed): try afresh. */
  if (self->display == NULL && self->cancellable == NULL)
    g_clear_pointer (&self->location, g_free);
  lagoon_console_page_update (self);
}

static void
lagoon_console_page_unmap (GtkWidget *widget)
{
  LagoonConsolePage *self = LAGOON_CONSOLE_PAGE (widget);

  self->mapped = FALSE;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->hide_id == 0 && (self->display != NULL || self->cancellable != NULL))
    self->hide_id = g_timeout_add (HIDDEN_CLOSE_MS, hidden_timeout, self);
  GTK_WIDGET_CLASS (lagoon_console_page_parent_class)->unmap (widget);
}

/* ---- toolbar ----------------------------------------------------------------------------- */

static void
on_cad_clicked (GtkButton         *button,
                LagoonConsolePage *self)
{
  static const guint keys[] = { GDK_KEY_Control_L, GDK_KEY_Alt_L, GDK_KEY_Delete };

  if (self->display != NULL && self->connected)
    vnc_display_send_keys (VNC_DISPLAY (self->display), keys, G_N_ELEMENTS (keys));
}

static void
on_scale_toggled (GtkToggleButton   *button,
                  LagoonConsolePage *self)
{
  if (self->display != NULL)
    vnc_display_set_scaling (VNC_DISPLAY (self->display),
                             gtk_toggle_button_get_active (button));
}

static void
on_screenshot_clicked (GtkButton         *button,
                       LagoonConsolePage *self)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GtkFileChooserNative) chooser = NULL;
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
  g_autofree char *name = NULL;

  if (self->display == NULL || !self->connected)
    return;
  /* Taken now, not when the dialog closes: what the user saw when clicking. */
  pixbuf = vnc_display_get_pixbuf (VNC_DISPLAY (self->display));
  if (pixbuf == NULL)
    return;

  chooser = gtk_file_chooser_native_new (_("Save Console Screenshot"),
                                         GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_do_overwrite_confirmation (GTK_FILE_CHOOSER (chooser), TRUE);
  /* Translators: the default file name of a console screenshot; %s is the VM's name */
  name = g_strdup_printf (_("%s console.png"), self->vm_name != NULL ? self->vm_name : "");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);

  if (gtk_native_dialog_run (GTK_NATIVE_DIALOG (chooser)) == GTK_RESPONSE_ACCEPT)
    {
      g_autofree char *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (chooser));
      g_autoptr(GError) error = NULL;

      if (path != NULL && !gdk_pixbuf_save (pixbuf, path, "png", &error, NULL))
        {
          GtkWidget *dialog =
            gtk_message_dialog_new (GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel) : NULL,
                                    GTK_DIALOG_MODAL, GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE,
                                    _("The screenshot could not be saved"));

          gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s",
                                                    error->message);
          gtk_dialog_run (GTK_DIALOG (dialog));
          gtk_widget_destroy (dialog);
        }
    }
}

static void
on_retry_clicked (GtkButton         *button,
                  LagoonConsolePage *self)
{
  teardown (self);
  self->retries = 0;
  lagoon_console_page_update (self);
}

/* ---- GObject ----------------------------------------------------------------------------- */

static void
lagoon_console_page_dispose (GObject *object)
{
  LagoonConsolePage *self = LAGOON_CONSOLE_PAGE (object);

  g_clear_handle_id (&self->hide_id, g_source_remove);
  teardown (self);
  if (self->cache != NULL)
    g_clear_signal_handler (&self->batch_id, self->cache);
  g_clear_object (&self->cache);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (lagoon_console_page_parent_class)->dispose (object);
}

static void
lagoon_console_page_finalize (GObject *object)
{
  LagoonConsolePage *self = LAGOON_CONSOLE_PAGE (object);

  g_free (self->ref);
  g_free (self->vm_name);

  G_OBJECT_CLASS (lagoon_console_page_parent_class)->finalize (object);
}

static void
lagoon_console_page_class_init (LagoonConsolePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lagoon_console_page_dispose;
  object_class->finalize = lagoon_console_page_finalize;
  widget_class->map = lagoon_console_page_map;
  widget_class->unmap = lagoon_console_page_unmap;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/lagoon/Lagoon/lagoon-console-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LagoonConsolePage, toolbar);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsolePage, cad_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsolePage, scale_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsolePage, screenshot_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsolePage, stack);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsolePage, connecting_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsolePage, display_box);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsolePage, stopped_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsolePage, start_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsolePage, resume_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsolePage, error_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsolePage, empty_label);
  gtk_widget_class_bind_template_callback (widget_class, on_cad_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_scale_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_screenshot_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_retry_clicked);
}

static void
lagoon_console_page_init (LagoonConsolePage *self)
{
  self->class_id = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
  update_toolbar (self);
}

GtkWidget *
lagoon_console_page_new (void)
{
  return g_object_new (LAGOON_TYPE_CONSOLE_PAGE, NULL);
}
