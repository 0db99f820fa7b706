/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-console-view"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>
#include <vncdisplay.h>

#include "lagoon-console-view.h"
#include "lagoon-http-client.h"
#include "lagoon-stream-fd.h"
#include "lagoon-ui-private.h"

/* After the console closes by itself (or a CONNECT fails) while the VM runs. */
#define RETRY_DELAY_MS   1000
#define MAX_RETRIES      3
/* Then, while the view is shown, slower attempts (the tunnel may come back: sshd restarted,
 * a network outage over): every 5 s, doubling up to 30 s. */
#define SLOW_RETRY_MS     5000
#define SLOW_RETRY_MAX_MS 30000
/* A hidden view keeps its console this long (switching tabs back and forth is free, and so
 * is moving the view between the tab and its own window). */
#define HIDDEN_CLOSE_MS  5000
/* Typed text: one character per interval, so that the guest's keyboard buffer (16 bytes on
 * a PS/2 controller) never overflows. */
#define TYPE_INTERVAL_MS 20
/* How long a note ("Typed 12 characters.") stays. */
#define NOTE_MS          4000

/* One typed character: modifiers held around the key. */
typedef struct
{
  guint keyvals[3];
  guint n_keyvals;
} Stroke;

struct _LagoonConsoleView
{
  GtkBox            parent_instance;

  LagoonConnection *connection;
  LagoonCache      *cache;
  gulong            batch_id;
  int               class_id;
  char             *ref;

  gboolean          mapped;
  gboolean          docked;
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

  gboolean          keyboard_grabbed;
  gboolean          pointer_grabbed;
  /* The window the view is in: its key handling (accelerators, mnemonics) is bypassed while
   * the display has the focus. */
  GtkWidget        *toplevel;

  /* Text being typed */
  GArray           *strokes;
  guint             stroke_index;
  guint             skipped;
  guint             type_id;
  guint             note_id;

  /* Template children */
  GtkWidget        *toolbar;
  GtkWidget        *cad_button;
  GtkWidget        *keys_button;
  GtkWidget        *type_button;
  GtkWidget        *scale_button;
  GtkWidget        *screenshot_button;
  GtkWidget        *fullscreen_button;
  GtkWidget        *dock_button;
  GtkWidget        *status_bar;
  GtkLabel         *grab_label;
  GtkLabel         *note_label;
  GtkStack         *stack;
  GtkLabel         *connecting_label;
  GtkWidget        *display_box;
  GtkWidget        *viewport;
  GtkLabel         *stopped_label;
  GtkWidget        *start_button;
  GtkWidget        *resume_button;
  GtkLabel         *error_label;
  GtkLabel         *empty_label;
};

G_DEFINE_FINAL_TYPE (LagoonConsoleView, lagoon_console_view, GTK_TYPE_BOX)

enum
{
  SIGNAL_DOCK_TOGGLED,
  SIGNAL_FULLSCREEN_TOGGLED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum
{
  PROP_0,
  PROP_VM_NAME,
  PROP_GRAB_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void lagoon_console_view_update (LagoonConsoleView *self);
static void stop_typing (LagoonConsoleView *self);

static void
set_description (LagoonConsoleView *self,
                 const char        *text)
{
  if (self->display_box == NULL)
    return;
  atk_object_set_description (gtk_widget_get_accessible (self->display_box), text);
}

static gboolean
note_timeout (gpointer user_data)
{
  LagoonConsoleView *self = user_data;

  self->note_id = 0;
  gtk_label_set_text (self->note_label, "");
  return G_SOURCE_REMOVE;
}

/* A sentence under the toolbar; @lasting: until the next note, else for NOTE_MS. */
static void
show_note (LagoonConsoleView *self,
           const char        *text,
           gboolean           lasting)
{
  if (self->note_label == NULL)
    return;
  g_clear_handle_id (&self->note_id, g_source_remove);
  gtk_label_set_text (self->note_label, text);
  if (!lasting)
    self->note_id = g_timeout_add (NOTE_MS, note_timeout, self);
}

static const char *
grab_message (LagoonConsoleView *self)
{
  if (!self->connected)
    return "";
  if (self->pointer_grabbed)
    return _("The console has the mouse and keyboard. Press Ctrl+Alt to release them.");
  if (self->keyboard_grabbed)
    return _("The console has the keyboard while the pointer is over it.");
  return "";
}

static void
update_grab (LagoonConsoleView *self)
{
  const char *text = grab_message (self);

  if (self->grab_label == NULL)
    return;
  /* A status line of its own: the display keeps its size when the text comes and goes. */
  if (g_strcmp0 (gtk_label_get_text (self->grab_label), text) != 0)
    {
      gtk_label_set_text (self->grab_label, text);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GRAB_MESSAGE]);
    }
}

static void
update_toolbar (LagoonConsoleView *self)
{
  /* Template children are gone once the view is destroyed (teardown from dispose). */
  if (self->cad_button == NULL || self->screenshot_button == NULL)
    return;
  gtk_widget_set_sensitive (self->cad_button, self->connected);
  gtk_widget_set_sensitive (self->keys_button, self->connected);
  gtk_widget_set_sensitive (self->type_button, self->connected);
  gtk_widget_set_sensitive (self->screenshot_button, self->connected);
  gtk_button_set_label (GTK_BUTTON (self->type_button),
                        self->type_id != 0 ? _("Stop Typing") : _("Type Clipboard"));
  atk_object_set_name (gtk_widget_get_accessible (self->type_button),
                       self->type_id != 0 ? _("Stop Typing") : _("Type Clipboard Text"));
  update_grab (self);
}

/* Drops the console connection (if any), the pending CONNECT and any retry. */
static void
teardown (LagoonConsoleView *self)
{
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  g_clear_handle_id (&self->retry_id, g_source_remove);
  stop_typing (self);
  if (self->display != NULL)
    {
      GtkWidget *display = g_steal_pointer (&self->display);

      g_signal_handlers_disconnect_by_data (display, self);
      vnc_display_close (VNC_DISPLAY (display));
      gtk_widget_destroy (display);
      g_object_unref (display);
    }
  self->connected = FALSE;
  self->keyboard_grabbed = FALSE;
  self->pointer_grabbed = FALSE;
  g_clear_pointer (&self->location, g_free);
  g_clear_pointer (&self->vnc_error, g_free);
  update_toolbar (self);
}

static void
show_error (LagoonConsoleView *self,
            const char        *text)
{
  gtk_label_set_text (self->error_label, text);
  gtk_stack_set_visible_child_name (self->stack, "error");
  set_description (self, text);
}

static void
show_connecting (LagoonConsoleView *self,
                 const char        *text)
{
  gtk_label_set_text (self->connecting_label, text);
  gtk_stack_set_visible_child_name (self->stack, "connecting");
  set_description (self, text);
}

static gboolean
retry_timeout (gpointer user_data)
{
  LagoonConsoleView *self = user_data;

  self->retry_id = 0;
  /* Forget the location so that update () connects again even when it did not change. */
  g_clear_pointer (&self->location, g_free);
  lagoon_console_view_update (self);
  return G_SOURCE_REMOVE;
}

/* The connection failed or ended by itself: try again a few times, then explain. */
static void
connection_lost (LagoonConsoleView *self,
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
  if (self->mapped)
    {
      guint slow = MIN (self->retries - MAX_RETRIES, 3);
      guint delay = MIN (SLOW_RETRY_MS << slow, SLOW_RETRY_MAX_MS);
      g_autofree char *text =
        /* Translators: %s says why the console failed; then the delay in seconds */
        g_strdup_printf (_("%s\n\nTrying again in %u s."), why, delay / 1000);

      self->retries++;
      show_error (self, text);
      self->retry_id = g_timeout_add (delay, retry_timeout, self);
      return;
    }
  show_error (self, why);
}

static void
on_vnc_initialized (GtkWidget         *display,
                    LagoonConsoleView *self)
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
              LagoonConsoleView *self)
{
  g_debug ("console error: %s", message);
  g_free (self->vnc_error);
  self->vnc_error = g_strdup (message);
}

static void
on_vnc_disconnected (GtkWidget         *display,
                     LagoonConsoleView *self)
{
  g_autofree char *why = NULL;

  if (self->vnc_error != NULL)
    /* Translators: %s is the VNC library's message */
    why = g_strdup_printf (_("The console connection failed: %s"), self->vnc_error);
  else
    why = g_strdup (_("The console connection closed."));
  connection_lost (self, why);
}

static void
on_keyboard_grab (GtkWidget         *display,
                  LagoonConsoleView *self)
{
  self->keyboard_grabbed = TRUE;
  update_grab (self);
}

static void
on_keyboard_ungrab (GtkWidget         *display,
                    LagoonConsoleView *self)
{
  self->keyboard_grabbed = FALSE;
  update_grab (self);
}

static void
on_pointer_grab (GtkWidget         *display,
                 LagoonConsoleView *self)
{
  self->pointer_grabbed = TRUE;
  update_grab (self);
}

static void
on_pointer_ungrab (GtkWidget         *display,
                   LagoonConsoleView *self)
{
  self->pointer_grabbed = FALSE;
  update_grab (self);
}

/* One CONNECT in flight: its answer counts only if the view still waits for this one. */
typedef struct
{
  LagoonConsoleView *self;
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
apply_scaling (LagoonConsoleView *self)
{
  gboolean scale;

  if (self->display == NULL)
    return;
  scale = gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->scale_button));
  vnc_display_set_scaling (VNC_DISPLAY (self->display), scale);
  /* 1:1: the guest's own size, centred (scrolled when the view is smaller). */
  gtk_widget_set_halign (self->display, scale ? GTK_ALIGN_FILL : GTK_ALIGN_CENTER);
  gtk_widget_set_valign (self->display, scale ? GTK_ALIGN_FILL : GTK_ALIGN_CENTER);
}

static void
on_tunnel_open (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(OpenData) data = user_data;
  LagoonConsoleView *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;
  VncGrabSequence *release;
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
  vnc_display_set_keep_aspect_ratio (VNC_DISPLAY (display), TRUE);
  /* As virt-viewer: keys (Alt+Tab too) go to the guest while the pointer is over the
   * display, a click captures the mouse of a guest without an absolute pointer, and
   * Ctrl+Alt gives it back. */
  vnc_display_set_keyboard_grab (VNC_DISPLAY (display), TRUE);
  vnc_display_set_pointer_grab (VNC_DISPLAY (display), TRUE);
  release = vnc_grab_sequence_new_from_string ("Control_L+Alt_L");
  vnc_display_set_grab_keys (VNC_DISPLAY (display), release);
  vnc_grab_sequence_free (release);
  g_signal_connect (display, "vnc-initialized", G_CALLBACK (on_vnc_initialized), self);
  g_signal_connect (display, "vnc-error", G_CALLBACK (on_vnc_error), self);
  g_signal_connect (display, "vnc-disconnected", G_CALLBACK (on_vnc_disconnected), self);
  g_signal_connect (display, "vnc-keyboard-grab", G_CALLBACK (on_keyboard_grab), self);
  g_signal_connect (display, "vnc-keyboard-ungrab", G_CALLBACK (on_keyboard_ungrab), self);
  g_signal_connect (display, "vnc-pointer-grab", G_CALLBACK (on_pointer_grab), self);
  g_signal_connect (display, "vnc-pointer-ungrab", G_CALLBACK (on_pointer_ungrab), self);
  {
    /* Translators: the accessible name of the console display; %s is the VM's name */
    g_autofree char *name = g_strdup_printf (_("Console of %s"), self->vm_name);

    atk_object_set_name (gtk_widget_get_accessible (display), name);
  }
  gtk_widget_set_hexpand (display, TRUE);
  gtk_widget_set_vexpand (display, TRUE);
  apply_scaling (self);
  gtk_widget_show (display);
  gtk_container_add (GTK_CONTAINER (self->viewport), display);

  /* The display owns the fd from here on. */
  if (!vnc_display_open_fd (VNC_DISPLAY (display), fd))
    {
      close (fd);
      connection_lost (self, _("The console display could not use the connection."));
    }
}

static void
start_connect (LagoonConsoleView *self,
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

/* The VM whose console the view shows: the object itself, or a host's control domain. */
static const LagoonRecord *
find_vm (LagoonConsoleView *self)
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
find_rfb_console (LagoonConsoleView  *self,
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
lagoon_console_view_update (LagoonConsoleView *self)
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

  if (g_strcmp0 (self->vm_name, lagoon_record_get_name (vm)) != 0)
    {
      g_free (self->vm_name);
      self->vm_name = g_strdup (lagoon_record_get_name (vm));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VM_NAME]);
    }
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
      /* The Start/Resume actions act on the main window's selection: only in the tab. */
      gtk_widget_set_visible (self->start_button,
                              halted && self->docked && self->class_id == LAGOON_CLASS_VM);
      gtk_widget_set_visible (self->resume_button,
                              suspended && self->docked && self->class_id == LAGOON_CLASS_VM);
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
on_batch (LagoonCache       *cache,
          LagoonCacheBatch  *batch,
          LagoonConsoleView *self)
{
  /* The pool's connection came back (a resync follows every reconnection): a console that
   * gave up in the meantime (the tunnel was down for longer than the retries) tries again. */
  if (lagoon_cache_batch_is_resync (batch) && self->display == NULL &&
      self->cancellable == NULL && self->location != NULL)
    {
      g_debug ("the pool resynchronised: trying the console again");
      g_clear_handle_id (&self->retry_id, g_source_remove);
      self->retries = 0;
      g_clear_pointer (&self->location, g_free);
    }
  if (lagoon_cache_batch_has_class (batch, LAGOON_CLASS_CONSOLE) ||
      lagoon_cache_batch_has_class (batch, LAGOON_CLASS_VM) ||
      lagoon_cache_batch_lookup (batch, self->class_id, self->ref) != LAGOON_CHANGE_NONE ||
      lagoon_cache_batch_is_resync (batch))
    lagoon_console_view_update (self);
}

void
lagoon_console_view_set_object (LagoonConsoleView *self,
                                LagoonConnection  *connection,
                                int                class_id,
                                const char        *ref)
{
  LagoonCache *cache = connection != NULL ? lagoon_connection_get_cache (connection) : NULL;

  g_return_if_fail (LAGOON_IS_CONSOLE_VIEW (self));

  if (connection == self->connection && class_id == self->class_id &&
      g_strcmp0 (ref, self->ref) == 0)
    {
      lagoon_console_view_update (self);
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
  self->class_id = connection != NULL ? class_id : -1;
  g_free (self->ref);
  self->ref = connection != NULL ? g_strdup (ref) : NULL;
  lagoon_console_view_update (self);
}

LagoonConnection *
lagoon_console_view_get_connection (LagoonConsoleView *self)
{
  g_return_val_if_fail (LAGOON_IS_CONSOLE_VIEW (self), NULL);
  return self->connection;
}

int
lagoon_console_view_get_class_id (LagoonConsoleView *self)
{
  g_return_val_if_fail (LAGOON_IS_CONSOLE_VIEW (self), -1);
  return self->class_id;
}

const char *
lagoon_console_view_get_ref (LagoonConsoleView *self)
{
  g_return_val_if_fail (LAGOON_IS_CONSOLE_VIEW (self), NULL);
  return self->ref;
}

const char *
lagoon_console_view_get_vm_name (LagoonConsoleView *self)
{
  g_return_val_if_fail (LAGOON_IS_CONSOLE_VIEW (self), NULL);
  return self->vm_name;
}

gboolean
lagoon_console_view_is_connected (LagoonConsoleView *self)
{
  g_return_val_if_fail (LAGOON_IS_CONSOLE_VIEW (self), FALSE);
  return self->connected;
}

void
lagoon_console_view_set_docked (LagoonConsoleView *self,
                                gboolean           docked)
{
  const char *label;

  g_return_if_fail (LAGOON_IS_CONSOLE_VIEW (self));
  self->docked = docked;
  label = docked ? _("Undock") : _("Dock");
  gtk_button_set_label (GTK_BUTTON (self->dock_button), label);
  atk_object_set_name (gtk_widget_get_accessible (self->dock_button), label);
  gtk_widget_set_tooltip_text (self->dock_button,
                               docked ? _("Show the console in its own window")
                                      : _("Put the console back into the Console tab"));
  lagoon_console_view_update (self);
}

void
lagoon_console_view_set_toolbar_visible (LagoonConsoleView *self,
                                         gboolean           visible)
{
  g_return_if_fail (LAGOON_IS_CONSOLE_VIEW (self));
  gtk_widget_set_visible (self->toolbar, visible);
  gtk_widget_set_visible (self->status_bar, visible);
}

/* ---- keys go to the guest, not to the window's accelerators ------------------------------ */

static gboolean
on_toplevel_key (GtkWidget         *toplevel,
                 GdkEvent          *event,
                 LagoonConsoleView *self)
{
  /* A window handles accelerators and mnemonics (Ctrl+Q, Alt+S for the Server menu) before
   * its focus widget sees a key: while the guest has the focus, every key is the guest's. */
  if (self->display != NULL && self->connected && GTK_IS_WINDOW (toplevel) &&
      gtk_window_get_focus (GTK_WINDOW (toplevel)) == self->display &&
      gtk_widget_has_focus (self->display))
    return gtk_widget_event (self->display, event);
  return GDK_EVENT_PROPAGATE;
}

static void
forget_toplevel (LagoonConsoleView *self)
{
  if (self->toplevel == NULL)
    return;
  g_signal_handlers_disconnect_by_func (self->toplevel, on_toplevel_key, self);
  g_clear_weak_pointer (&self->toplevel);
}

static void
lagoon_console_view_hierarchy_changed (GtkWidget *widget,
                                       GtkWidget *previous_toplevel)
{
  LagoonConsoleView *self = LAGOON_CONSOLE_VIEW (widget);
  GtkWidget *toplevel = gtk_widget_get_toplevel (widget);

  if (GTK_WIDGET_CLASS (lagoon_console_view_parent_class)->hierarchy_changed != NULL)
    GTK_WIDGET_CLASS (lagoon_console_view_parent_class)->hierarchy_changed (widget,
                                                                           previous_toplevel);
  forget_toplevel (self);
  if (gtk_widget_is_toplevel (toplevel) && GTK_IS_WINDOW (toplevel))
    {
      g_set_weak_pointer (&self->toplevel, toplevel);
      g_signal_connect (toplevel, "key-press-event", G_CALLBACK (on_toplevel_key), self);
      g_signal_connect (toplevel, "key-release-event", G_CALLBACK (on_toplevel_key), self);
    }
}

/* ---- shown and hidden -------------------------------------------------------------------- */

static gboolean
hidden_timeout (gpointer user_data)
{
  LagoonConsoleView *self = user_data;

  self->hide_id = 0;
  g_debug ("console hidden: closing the console");
  teardown (self);
  show_connecting (self, _("Not connected while the console is hidden."));
  return G_SOURCE_REMOVE;
}

static void
lagoon_console_view_map (GtkWidget *widget)
{
  LagoonConsoleView *self = LAGOON_CONSOLE_VIEW (widget);

  GTK_WIDGET_CLASS (lagoon_console_view_parent_class)->map (widget);
  self->mapped = TRUE;
  g_clear_handle_id (&self->hide_id, g_source_remove);
  self->retries = 0;
  /* Neither open nor opening (a retry was dropped when hidden, or it failed): try afresh. */
  if (self->display == NULL && self->cancellable == NULL)
    g_clear_pointer (&self->location, g_free);
  lagoon_console_view_update (self);
}

static void
lagoon_console_view_unmap (GtkWidget *widget)
{
  LagoonConsoleView *self = LAGOON_CONSOLE_VIEW (widget);

  self->mapped = FALSE;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->hide_id == 0 && (self->display != NULL || self->cancellable != NULL))
    self->hide_id = g_timeout_add (HIDDEN_CLOSE_MS, hidden_timeout, self);
  GTK_WIDGET_CLASS (lagoon_console_view_parent_class)->unmap (widget);
}

/* ---- keys -------------------------------------------------------------------------------- */

void
lagoon_console_view_send_keys (LagoonConsoleView *self,
                               const guint       *keyvals,
                               guint              n_keyvals)
{
  g_return_if_fail (LAGOON_IS_CONSOLE_VIEW (self));

  if (self->display == NULL || !self->connected || n_keyvals == 0)
    return;
  vnc_display_send_keys (VNC_DISPLAY (self->display), keyvals, (int) n_keyvals);
}

typedef struct
{
  const char *label;
  guint       keyvals[3];
} KeyCombo;

#define CTRL_ALT(key) { GDK_KEY_Control_L, GDK_KEY_Alt_L, key }
#define SYSRQ(key)    { GDK_KEY_Alt_L, GDK_KEY_Print, key }

/* What virt-viewer's Send Key menu offers, then the Linux magic SysRq keys. An empty label
 * is a separator. */
static const KeyCombo key_combos[] = {
  { N_("Ctrl+Alt+Del"),       CTRL_ALT (GDK_KEY_Delete) },
  { N_("Ctrl+Alt+Backspace"), CTRL_ALT (GDK_KEY_BackSpace) },
  { "", { 0 } },
  { N_("Ctrl+Alt+F1"),        CTRL_ALT (GDK_KEY_F1) },
  { N_("Ctrl+Alt+F2"),        CTRL_ALT (GDK_KEY_F2) },
  { N_("Ctrl+Alt+F3"),        CTRL_ALT (GDK_KEY_F3) },
  { N_("Ctrl+Alt+F4"),        CTRL_ALT (GDK_KEY_F4) },
  { N_("Ctrl+Alt+F5"),        CTRL_ALT (GDK_KEY_F5) },
  { N_("Ctrl+Alt+F6"),        CTRL_ALT (GDK_KEY_F6) },
  { N_("Ctrl+Alt+F7"),        CTRL_ALT (GDK_KEY_F7) },
  { N_("Ctrl+Alt+F8"),        CTRL_ALT (GDK_KEY_F8) },
  { N_("Ctrl+Alt+F9"),        CTRL_ALT (GDK_KEY_F9) },
  { N_("Ctrl+Alt+F10"),       CTRL_ALT (GDK_KEY_F10) },
  { N_("Ctrl+Alt+F11"),       CTRL_ALT (GDK_KEY_F11) },
  { N_("Ctrl+Alt+F12"),       CTRL_ALT (GDK_KEY_F12) },
  { "", { 0 } },
  { N_("PrintScreen"),        { GDK_KEY_Print } },
  { "", { 0 } },
  { N_("Alt+SysRq+H (help)"),                 SYSRQ (GDK_KEY_h) },
  { N_("Alt+SysRq+S (sync disks)"),           SYSRQ (GDK_KEY_s) },
  { N_("Alt+SysRq+U (remount read-only)"),    SYSRQ (GDK_KEY_u) },
  { N_("Alt+SysRq+B (reboot now)"),           SYSRQ (GDK_KEY_b) },
  { N_("Alt+SysRq+O (power off now)"),        SYSRQ (GDK_KEY_o) },
  { N_("Alt+SysRq+E (terminate processes)"),  SYSRQ (GDK_KEY_e) },
  { N_("Alt+SysRq+I (kill processes)"),       SYSRQ (GDK_KEY_i) },
  { N_("Alt+SysRq+R (keyboard to raw mode)"), SYSRQ (GDK_KEY_r) },
};

static void
on_key_combo_activate (GtkMenuItem       *item,
                       LagoonConsoleView *self)
{
  const KeyCombo *combo = g_object_get_data (G_OBJECT (item), "lagoon-key-combo");
  guint n = 0;

  if (combo == NULL)
    return;
  while (n < G_N_ELEMENTS (combo->keyvals) && combo->keyvals[n] != 0)
    n++;
  g_debug ("sending %s", combo->label);
  lagoon_console_view_send_keys (self, combo->keyvals, n);
}

GtkWidget *
lagoon_console_view_new_keys_menu (LagoonConsoleView *self)
{
  GtkWidget *menu;

  g_return_val_if_fail (LAGOON_IS_CONSOLE_VIEW (self), NULL);

  menu = gtk_menu_new ();
  for (guint i = 0; i < G_N_ELEMENTS (key_combos); i++)
    {
      GtkWidget *item;

      if (key_combos[i].label[0] == '\0')
        item = gtk_separator_menu_item_new ();
      else
        {
          item = gtk_menu_item_new_with_label (_(key_combos[i].label));
          g_object_set_data (G_OBJECT (item), "lagoon-key-combo", (gpointer) &key_combos[i]);
          g_signal_connect_object (item, "activate", G_CALLBACK (on_key_combo_activate), self,
                                   0);
        }
      gtk_widget_show (item);
      gtk_menu_shell_append (GTK_MENU_SHELL (menu), item);
    }
  return menu;
}

/* ---- typing text ------------------------------------------------------------------------- */

guint
lagoon_console_keys_for_char (GdkKeymap *keymap,
                              gunichar   c,
                              guint      keyvals[3])
{
  g_autofree GdkKeymapKey *keys = NULL;
  gint n_keys = 0;
  guint keyval;
  guint n = 0;

  g_return_val_if_fail (GDK_IS_KEYMAP (keymap), 0);

  if (c == '\n')
    keyval = GDK_KEY_Return;
  else if (c == '\t')
    keyval = GDK_KEY_Tab;
  else if (c < 0x20 || (c >= 0x7f && c < 0xa0) || !g_unichar_validate (c))
    return 0;
  else
    keyval = gdk_unicode_to_keyval (c);

  /* gtk-vnc maps a keyval to the first key the keymap lists for it: the level of that key
   * says which modifiers must be down. */
  if (!gdk_keymap_get_entries_for_keyval (keymap, keyval, &keys, &n_keys) || n_keys == 0 ||
      keys[0].level > 3)
    return 0;
  if (keys[0].level & 1)
    keyvals[n++] = GDK_KEY_Shift_L;
  if (keys[0].level & 2)
    keyvals[n++] = GDK_KEY_ISO_Level3_Shift;
  keyvals[n++] = keyval;
  return n;
}

static void
stop_typing (LagoonConsoleView *self)
{
  g_clear_handle_id (&self->type_id, g_source_remove);
  g_clear_pointer (&self->strokes, g_array_unref);
  self->stroke_index = 0;
}

static void
typing_done (LagoonConsoleView *self,
             gboolean           finished)
{
  guint typed = self->stroke_index;
  guint skipped = self->skipped;
  g_autofree char *text = NULL;

  stop_typing (self);
  update_toolbar (self);
  if (!finished)
    /* Translators: typing the clipboard was stopped */
    text = g_strdup_printf (ngettext ("Stopped after %u character.",
                                      "Stopped after %u characters.", typed), typed);
  else if (skipped > 0)
    text = g_strdup_printf (ngettext ("Typed %u character; %u could not be typed with this "
                                      "keyboard layout.",
                                      "Typed %u characters; %u could not be typed with this "
                                      "keyboard layout.", typed), typed, skipped);
  else
    text = g_strdup_printf (ngettext ("Typed %u character.", "Typed %u characters.", typed),
                            typed);
  show_note (self, text, FALSE);
}

static gboolean
type_next (gpointer user_data)
{
  LagoonConsoleView *self = user_data;
  const Stroke *stroke;

  if (self->display == NULL || !self->connected || self->strokes == NULL)
    {
      self->type_id = 0;
      typing_done (self, FALSE);
      return G_SOURCE_REMOVE;
    }
  stroke = &g_array_index (self->strokes, Stroke, self->stroke_index);
  vnc_display_send_keys_ex (VNC_DISPLAY (self->display), stroke->keyvals,
                            (int) stroke->n_keyvals, VNC_DISPLAY_KEY_EVENT_CLICK);
  self->stroke_index++;
  if (self->stroke_index >= self->strokes->len)
    {
      self->type_id = 0;
      typing_done (self, TRUE);
      return G_SOURCE_REMOVE;
    }
  if (self->stroke_index % 25 == 0)
    {
      g_autofree char *text =
        /* Translators: progress of typing the clipboard into the console */
        g_strdup_printf (_("Typing… %u of %u characters"), self->stroke_index,
                         self->strokes->len);

      show_note (self, text, TRUE);
    }
  return G_SOURCE_CONTINUE;
}

gboolean
lagoon_console_view_type_text (LagoonConsoleView *self,
                               const char        *text,
                               GError           **error)
{
  g_autoptr(GArray) strokes = NULL;
  GdkKeymap *keymap;
  guint count = 0;
  guint skipped = 0;

  g_return_val_if_fail (LAGOON_IS_CONSOLE_VIEW (self), FALSE);

  if (self->display == NULL || !self->connected)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           _("The console is not connected."));
      return FALSE;
    }
  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The clipboard holds no text."));
      return FALSE;
    }

  keymap = gdk_keymap_get_for_display (gtk_widget_get_display (GTK_WIDGET (self)));
  strokes = g_array_new (FALSE, FALSE, sizeof (Stroke));
  for (const char *p = text; *p != '\0' && count < LAGOON_CONSOLE_TYPE_MAX;
       p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      Stroke stroke = { { 0 }, 0 };

      /* A Windows line end types one Return. */
      if (c == '\r')
        {
          if (p[1] == '\n')
            continue;
          c = '\n';
        }
      count++;
      stroke.n_keyvals = lagoon_console_keys_for_char (keymap, c, stroke.keyvals);
      if (stroke.n_keyvals > 0)
        g_array_append_val (strokes, stroke);
      else
        skipped++;
    }
  if (strokes->len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           count == 0 ? _("The clipboard holds no text.")
                                      : _("None of the clipboard's characters can be typed "
                                          "with this keyboard layout."));
      return FALSE;
    }

  stop_typing (self);
  self->strokes = g_steal_pointer (&strokes);
  self->stroke_index = 0;
  self->skipped = skipped;
  self->type_id = g_timeout_add (TYPE_INTERVAL_MS, type_next, self);
  update_toolbar (self);
  {
    g_autofree char *note = g_strdup_printf (_("Typing… %u of %u characters"), 0,
                                             self->strokes->len);
    show_note (self, note, TRUE);
  }
  /* The keys go to the guest: give the display the focus, as the user would next. */
  gtk_widget_grab_focus (self->display);
  return TRUE;
}

static void
message (LagoonConsoleView *self,
         GtkMessageType     type,
         const char        *primary,
         const char        *secondary)
{
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
  GtkWidget *dialog =
    gtk_message_dialog_new (GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel) : NULL,
                            GTK_DIALOG_MODAL, type, GTK_BUTTONS_CLOSE, "%s", primary);

  if (secondary != NULL)
    gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", secondary);
  gtk_dialog_run (GTK_DIALOG (dialog));
  gtk_widget_destroy (dialog);
}

static void
on_clipboard_text (GtkClipboard *clipboard,
                   const char   *text,
                   gpointer      user_data)
{
  g_autoptr(LagoonConsoleView) self = user_data;
  g_autoptr(GError) error = NULL;
  glong length;

  if (self->display == NULL || !self->connected)
    return;
  if (text == NULL || text[0] == '\0')
    {
      show_note (self, _("The clipboard holds no text."), FALSE);
      return;
    }

  length = g_utf8_strlen (text, -1);
  if (length > LAGOON_CONSOLE_TYPE_CONFIRM)
    {
      GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
      GtkWidget *dialog;
      g_autofree char *primary = NULL;
      g_autofree char *secondary = NULL;
      guint typed = (guint) MIN (length, LAGOON_CONSOLE_TYPE_MAX);
      int response;

      primary = g_strdup_printf (ngettext ("Type %u character into %s?",
                                           "Type %u characters into %s?", typed),
                                 typed, self->vm_name);
      if (length > LAGOON_CONSOLE_TYPE_MAX)
        secondary = g_strdup_printf (_("The clipboard holds %ld characters; only the first "
                                       "%u are typed. Typing takes about %u seconds."),
                                     length, typed, typed * TYPE_INTERVAL_MS / 1000 + 1);
      else
        secondary = g_strdup_printf (_("Typing takes about %u seconds. Every character "
                                       "goes to the guest as a key press."),
                                     typed * TYPE_INTERVAL_MS / 1000 + 1);
      dialog = gtk_message_dialog_new (GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel) : NULL,
                                       GTK_DIALOG_MODAL, GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                       "%s", primary);
      gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", secondary);
      gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL,
                              _("_Type"), GTK_RESPONSE_ACCEPT, NULL);
      gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
      response = gtk_dialog_run (GTK_DIALOG (dialog));
      gtk_widget_destroy (dialog);
      if (response != GTK_RESPONSE_ACCEPT)
        return;
    }

  if (!lagoon_console_view_type_text (self, text, &error))
    message (self, GTK_MESSAGE_ERROR, _("The clipboard could not be typed"), error->message);
}

static void
on_type_clicked (GtkButton         *button,
                 LagoonConsoleView *self)
{
  if (self->type_id != 0)
    {
      typing_done (self, FALSE);
      return;
    }
  if (self->display == NULL || !self->connected)
    return;
  gtk_clipboard_request_text (gtk_widget_get_clipboard (GTK_WIDGET (self),
                                                        GDK_SELECTION_CLIPBOARD),
                              on_clipboard_text, g_object_ref (self));
}

/* ---- toolbar ----------------------------------------------------------------------------- */

static void
on_cad_clicked (GtkButton         *button,
                LagoonConsoleView *self)
{
  static const guint keys[] = { GDK_KEY_Control_L, GDK_KEY_Alt_L, GDK_KEY_Delete };

  lagoon_console_view_send_keys (self, keys, G_N_ELEMENTS (keys));
}

static void
on_scale_toggled (GtkToggleButton   *button,
                  LagoonConsoleView *self)
{
  apply_scaling (self);
}

static void
on_fullscreen_clicked (GtkButton         *button,
                       LagoonConsoleView *self)
{
  g_signal_emit (self, signals[SIGNAL_FULLSCREEN_TOGGLED], 0);
}

static void
on_dock_clicked (GtkButton         *button,
                 LagoonConsoleView *self)
{
  g_signal_emit (self, signals[SIGNAL_DOCK_TOGGLED], 0);
}

static void
on_screenshot_clicked (GtkButton         *button,
                       LagoonConsoleView *self)
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
        message (self, GTK_MESSAGE_ERROR, _("The screenshot could not be saved"),
                 error->message);
    }
}

static void
on_retry_clicked (GtkButton         *button,
                  LagoonConsoleView *self)
{
  teardown (self);
  self->retries = 0;
  lagoon_console_view_update (self);
}

/* ---- GObject ----------------------------------------------------------------------------- */

static void
lagoon_console_view_dispose (GObject *object)
{
  LagoonConsoleView *self = LAGOON_CONSOLE_VIEW (object);

  g_clear_handle_id (&self->hide_id, g_source_remove);
  g_clear_handle_id (&self->note_id, g_source_remove);
  forget_toplevel (self);
  teardown (self);
  if (self->cache != NULL)
    g_clear_signal_handler (&self->batch_id, self->cache);
  g_clear_object (&self->cache);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (lagoon_console_view_parent_class)->dispose (object);
}

static void
lagoon_console_view_finalize (GObject *object)
{
  LagoonConsoleView *self = LAGOON_CONSOLE_VIEW (object);

  g_free (self->ref);
  g_free (self->vm_name);

  G_OBJECT_CLASS (lagoon_console_view_parent_class)->finalize (object);
}

static void
lagoon_console_view_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  LagoonConsoleView *self = LAGOON_CONSOLE_VIEW (object);

  switch (prop_id)
    {
    case PROP_VM_NAME:
      g_value_set_string (value, self->vm_name);
      break;
    case PROP_GRAB_MESSAGE:
      g_value_set_string (value, grab_message (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lagoon_console_view_class_init (LagoonConsoleViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lagoon_console_view_dispose;
  object_class->finalize = lagoon_console_view_finalize;
  object_class->get_property = lagoon_console_view_get_property;

  /* The name of the VM whose console this is (NULL before the first lookup). */
  properties[PROP_VM_NAME] =
    g_param_spec_string ("vm-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* What the keyboard and mouse grab means for the user ("" without a grab). */
  properties[PROP_GRAB_MESSAGE] =
    g_param_spec_string ("grab-message", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  widget_class->map = lagoon_console_view_map;
  widget_class->unmap = lagoon_console_view_unmap;
  widget_class->hierarchy_changed = lagoon_console_view_hierarchy_changed;

  /* The user asked to move the view between the tab and its own window. */
  signals[SIGNAL_DOCK_TOGGLED] =
    g_signal_new ("dock-toggled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The user asked for (or out of) full screen. */
  signals[SIGNAL_FULLSCREEN_TOGGLED] =
    g_signal_new ("fullscreen-toggled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/lagoon/Lagoon/lagoon-console-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, toolbar);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, cad_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, keys_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, type_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, scale_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, screenshot_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, fullscreen_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, dock_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, status_bar);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, grab_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, note_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, stack);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, connecting_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, display_box);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, viewport);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, stopped_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, start_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, resume_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, error_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsoleView, empty_label);
  gtk_widget_class_bind_template_callback (widget_class, on_cad_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_type_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_scale_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_screenshot_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_fullscreen_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_dock_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_retry_clicked);
}

static void
lagoon_console_view_init (LagoonConsoleView *self)
{
  self->class_id = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_menu_button_set_popup (GTK_MENU_BUTTON (self->keys_button),
                             lagoon_console_view_new_keys_menu (self));
  lagoon_console_view_set_docked (self, TRUE);
  update_toolbar (self);
}

GtkWidget *
lagoon_console_view_new (void)
{
  return g_object_new (LAGOON_TYPE_CONSOLE_VIEW, NULL);
}
