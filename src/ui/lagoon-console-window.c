/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-console-window"

#include "config.h"

#include <glib/gi18n.h>

#include "lagoon-console-window.h"

#ifdef GDK_WINDOWING_X11
#include <gdk/gdkx.h>
#endif

/* The full-screen toolbar shows this long after entering full screen or leaving its area. */
#define TOOLBAR_HIDE_MS 2000
/* A grab's hint in full screen shows this long. */
#define HINT_MS         4000

struct _LagoonConsoleWindow
{
  GtkWindow          parent_instance;

  LagoonConsoleView *view;
  GtkWidget         *overlay;
  GtkWidget         *revealer;
  GtkWidget         *hot_zone;
  GtkWidget         *keys_button;
  GtkWidget         *hint_revealer;
  GtkWidget         *hint_label;
  guint              hint_id;
  gulong             name_id;
  gulong             grab_id;

  gboolean           fullscreen;
  gboolean           dock_after;
  /* Full screen done by hand (no window manager that does it): the size to go back to. */
  gboolean           emulated;
  int                saved_x, saved_y, saved_width, saved_height;
  guint              hide_id;
  gboolean           pointer_in_toolbar;
};

G_DEFINE_FINAL_TYPE (LagoonConsoleWindow, lagoon_console_window, GTK_TYPE_WINDOW)

enum
{
  SIGNAL_DOCK_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
update_title (LagoonConsoleWindow *self)
{
  const char *name = self->view != NULL ? lagoon_console_view_get_vm_name (self->view) : NULL;
  g_autofree char *title = NULL;

  /* Translators: an undocked console window's title; %s is the VM's name */
  title = g_strdup_printf (_("%s — Console"), name != NULL ? name : "");
  gtk_window_set_title (GTK_WINDOW (self), title);
}

static void
on_vm_name (GObject             *view,
            GParamSpec          *pspec,
            LagoonConsoleWindow *self)
{
  update_title (self);
}

static gboolean
hint_timeout (gpointer user_data)
{
  LagoonConsoleWindow *self = user_data;

  self->hint_id = 0;
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->hint_revealer), FALSE);
  return G_SOURCE_REMOVE;
}

/* Full screen hides the view's status line: a grab is announced over the picture for a
 * while instead, as virt-viewer does. */
static void
on_grab_message (GObject             *view,
                 GParamSpec          *pspec,
                 LagoonConsoleWindow *self)
{
  g_autofree char *text = NULL;

  g_object_get (view, "grab-message", &text, NULL);
  g_clear_handle_id (&self->hint_id, g_source_remove);
  if (!self->fullscreen || text == NULL || text[0] == '\0')
    {
      gtk_revealer_set_reveal_child (GTK_REVEALER (self->hint_revealer), FALSE);
      return;
    }
  gtk_label_set_text (GTK_LABEL (self->hint_label), text);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->hint_revealer), TRUE);
  self->hint_id = g_timeout_add (HINT_MS, hint_timeout, self);
}

static gboolean
hide_timeout (gpointer user_data)
{
  LagoonConsoleWindow *self = user_data;

  self->hide_id = 0;
  if (!self->pointer_in_toolbar)
    gtk_revealer_set_reveal_child (GTK_REVEALER (self->revealer), FALSE);
  return G_SOURCE_REMOVE;
}

static void
reveal_toolbar (LagoonConsoleWindow *self)
{
  if (!self->fullscreen)
    return;
  gtk_widget_show (self->revealer);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->revealer), TRUE);
  g_clear_handle_id (&self->hide_id, g_source_remove);
  self->hide_id = g_timeout_add (TOOLBAR_HIDE_MS, hide_timeout, self);
}

static gboolean
on_hot_zone_enter (GtkWidget           *widget,
                   GdkEventCrossing    *event,
                   LagoonConsoleWindow *self)
{
  reveal_toolbar (self);
  return FALSE;
}

static gboolean
on_toolbar_crossing (GtkWidget           *widget,
                     GdkEventCrossing    *event,
                     LagoonConsoleWindow *self)
{
  /* Crossings into the toolbar's own buttons are not leaving it. */
  if (event->detail == GDK_NOTIFY_INFERIOR)
    return FALSE;
  self->pointer_in_toolbar = event->type == GDK_ENTER_NOTIFY;
  if (self->pointer_in_toolbar)
    g_clear_handle_id (&self->hide_id, g_source_remove);
  else
    reveal_toolbar (self);
  return FALSE;
}

static gboolean
window_manager_does_fullscreen (LagoonConsoleWindow *self)
{
#ifdef GDK_WINDOWING_X11
  GdkScreen *screen = gtk_widget_get_screen (GTK_WIDGET (self));

  if (GDK_IS_X11_SCREEN (screen))
    return gdk_x11_screen_supports_net_wm_hint (screen,
                                                gdk_atom_intern_static_string (
                                                  "_NET_WM_STATE_FULLSCREEN"));
#endif
  return TRUE;
}

static void
entered_fullscreen (LagoonConsoleWindow *self)
{
  lagoon_console_view_set_toolbar_visible (self->view, FALSE);
  gtk_widget_show (self->hot_zone);
  reveal_toolbar (self);
}

static void
left_fullscreen (LagoonConsoleWindow *self)
{
  gboolean dock = self->dock_after;

  self->fullscreen = FALSE;
  self->dock_after = FALSE;
  g_clear_handle_id (&self->hide_id, g_source_remove);
  g_clear_handle_id (&self->hint_id, g_source_remove);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->hint_revealer), FALSE);
  gtk_revealer_set_reveal_child (GTK_REVEALER (self->revealer), FALSE);
  gtk_widget_hide (self->revealer);
  gtk_widget_hide (self->hot_zone);
  if (self->view != NULL)
    lagoon_console_view_set_toolbar_visible (self->view, TRUE);
  if (dock)
    g_signal_emit (self, signals[SIGNAL_DOCK_REQUESTED], 0);
}

void
lagoon_console_window_set_fullscreen (LagoonConsoleWindow *self,
                                      gboolean             fullscreen,
                                      gboolean             dock_after)
{
  g_return_if_fail (LAGOON_IS_CONSOLE_WINDOW (self));

  if (fullscreen == self->fullscreen)
    return;
  if (fullscreen)
    {
      self->fullscreen = TRUE;
      self->dock_after = dock_after;
      self->emulated = !window_manager_does_fullscreen (self);
      if (self->emulated)
        {
          /* No window manager to ask: cover the monitor ourselves. */
          GdkDisplay *display = gtk_widget_get_display (GTK_WIDGET (self));
          GdkWindow *window = gtk_widget_get_window (GTK_WIDGET (self));
          GdkMonitor *monitor = window != NULL
                                  ? gdk_display_get_monitor_at_window (display, window)
                                  : gdk_display_get_primary_monitor (display);
          GdkRectangle area = { 0, 0, 1024, 768 };

          if (monitor == NULL)
            monitor = gdk_display_get_monitor (display, 0);
          if (monitor != NULL)
            gdk_monitor_get_geometry (monitor, &area);
          gtk_window_get_position (GTK_WINDOW (self), &self->saved_x, &self->saved_y);
          gtk_window_get_size (GTK_WINDOW (self), &self->saved_width, &self->saved_height);
          gtk_window_move (GTK_WINDOW (self), area.x, area.y);
          gtk_window_resize (GTK_WINDOW (self), area.width, area.height);
        }
      gtk_window_fullscreen (GTK_WINDOW (self));
      entered_fullscreen (self);
    }
  else
    {
      gtk_window_unfullscreen (GTK_WINDOW (self));
      if (self->emulated)
        {
          gtk_window_move (GTK_WINDOW (self), self->saved_x, self->saved_y);
          gtk_window_resize (GTK_WINDOW (self), self->saved_width, self->saved_height);
          self->emulated = FALSE;
        }
      left_fullscreen (self);
    }
}

gboolean
lagoon_console_window_get_fullscreen (LagoonConsoleWindow *self)
{
  g_return_val_if_fail (LAGOON_IS_CONSOLE_WINDOW (self), FALSE);
  return self->fullscreen;
}

static gboolean
lagoon_console_window_window_state_event (GtkWidget           *widget,
                                          GdkEventWindowState *event)
{
  LagoonConsoleWindow *self = LAGOON_CONSOLE_WINDOW (widget);

  /* The window manager took us out of full screen (its own key, or another window). */
  if ((event->changed_mask & GDK_WINDOW_STATE_FULLSCREEN) &&
      !(event->new_window_state & GDK_WINDOW_STATE_FULLSCREEN) &&
      self->fullscreen && !self->emulated)
    left_fullscreen (self);
  return GTK_WIDGET_CLASS (lagoon_console_window_parent_class)->window_state_event (widget,
                                                                                   event);
}

static void
on_leave_fullscreen_clicked (GtkButton           *button,
                             LagoonConsoleWindow *self)
{
  lagoon_console_window_set_fullscreen (self, FALSE, FALSE);
}

static void
on_cad_clicked (GtkButton           *button,
                LagoonConsoleWindow *self)
{
  static const guint keys[] = { GDK_KEY_Control_L, GDK_KEY_Alt_L, GDK_KEY_Delete };

  if (self->view != NULL)
    lagoon_console_view_send_keys (self->view, keys, G_N_ELEMENTS (keys));
}

static gboolean
lagoon_console_window_delete_event (GtkWidget   *widget,
                                    GdkEventAny *event)
{
  /* Closing the window puts the console back (the page decides whether it can). */
  g_signal_emit (widget, signals[SIGNAL_DOCK_REQUESTED], 0);
  return TRUE;
}

static gboolean
lagoon_console_window_key_press_event (GtkWidget   *widget,
                                       GdkEventKey *event)
{
  LagoonConsoleWindow *self = LAGOON_CONSOLE_WINDOW (widget);

  /* F11 leaves full screen unless the guest has the keyboard. */
  if (event->keyval == GDK_KEY_F11 && self->fullscreen &&
      !GTK_IS_DRAWING_AREA (gtk_window_get_focus (GTK_WINDOW (self))))
    {
      lagoon_console_window_set_fullscreen (self, FALSE, self->dock_after);
      return TRUE;
    }
  return GTK_WIDGET_CLASS (lagoon_console_window_parent_class)->key_press_event (widget, event);
}

LagoonConsoleView *
lagoon_console_window_get_view (LagoonConsoleWindow *self)
{
  g_return_val_if_fail (LAGOON_IS_CONSOLE_WINDOW (self), NULL);
  return self->view;
}

LagoonConsoleView *
lagoon_console_window_take_view (LagoonConsoleWindow *self)
{
  LagoonConsoleView *view;

  g_return_val_if_fail (LAGOON_IS_CONSOLE_WINDOW (self), NULL);
  if (self->view == NULL)
    return NULL;
  view = g_object_ref (self->view);
  g_clear_signal_handler (&self->name_id, view);
  g_clear_signal_handler (&self->grab_id, view);
  gtk_container_remove (GTK_CONTAINER (self->overlay), GTK_WIDGET (view));
  self->view = NULL;
  lagoon_console_view_set_toolbar_visible (view, TRUE);
  return view;
}

static void
lagoon_console_window_dispose (GObject *object)
{
  LagoonConsoleWindow *self = LAGOON_CONSOLE_WINDOW (object);

  g_clear_handle_id (&self->hide_id, g_source_remove);
  g_clear_handle_id (&self->hint_id, g_source_remove);
  if (self->view != NULL)
    {
      g_clear_signal_handler (&self->name_id, self->view);
      g_clear_signal_handler (&self->grab_id, self->view);
    }
  self->view = NULL;

  G_OBJECT_CLASS (lagoon_console_window_parent_class)->dispose (object);
}

static void
lagoon_console_window_class_init (LagoonConsoleWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lagoon_console_window_dispose;
  widget_class->delete_event = lagoon_console_window_delete_event;
  widget_class->window_state_event = lagoon_console_window_window_state_event;
  widget_class->key_press_event = lagoon_console_window_key_press_event;

  /* The user closed the window, or left a full screen that came from the tab. */
  signals[SIGNAL_DOCK_REQUESTED] =
    g_signal_new ("dock-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static GtkWidget *
toolbar_button (const char *label,
                GCallback   callback,
                gpointer    data)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  atk_object_set_name (gtk_widget_get_accessible (button), label);
  g_signal_connect (button, "clicked", callback, data);
  gtk_widget_show (button);
  return button;
}

static void
lagoon_console_window_init (LagoonConsoleWindow *self)
{
  GtkWidget *box;
  GtkWidget *button;
  GtkWidget *events;

  self->overlay = gtk_overlay_new ();
  gtk_widget_show (self->overlay);
  gtk_container_add (GTK_CONTAINER (self), self->overlay);

  /* The full-screen toolbar, in an event box to know when the pointer is over it. */
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_container_set_border_width (GTK_CONTAINER (box), 6);
  gtk_style_context_add_class (gtk_widget_get_style_context (box), "osd");
  gtk_widget_show (box);
  button = toolbar_button (_("Leave Fullscreen"), G_CALLBACK (on_leave_fullscreen_clicked),
                           self);
  gtk_container_add (GTK_CONTAINER (box), button);
  self->keys_button = gtk_menu_button_new ();
  gtk_button_set_label (GTK_BUTTON (self->keys_button), _("Send Key"));
  atk_object_set_name (gtk_widget_get_accessible (self->keys_button), _("Send Key"));
  gtk_menu_button_set_use_popover (GTK_MENU_BUTTON (self->keys_button), FALSE);
  gtk_widget_show (self->keys_button);
  gtk_container_add (GTK_CONTAINER (box), self->keys_button);
  button = toolbar_button (_("Send Ctrl+Alt+Del"), G_CALLBACK (on_cad_clicked), self);
  gtk_container_add (GTK_CONTAINER (box), button);

  events = gtk_event_box_new ();
  gtk_widget_add_events (events, GDK_ENTER_NOTIFY_MASK | GDK_LEAVE_NOTIFY_MASK);
  g_signal_connect (events, "enter-notify-event", G_CALLBACK (on_toolbar_crossing), self);
  g_signal_connect (events, "leave-notify-event", G_CALLBACK (on_toolbar_crossing), self);
  gtk_container_add (GTK_CONTAINER (events), box);
  gtk_widget_show (events);

  self->revealer = gtk_revealer_new ();
  gtk_revealer_set_transition_type (GTK_REVEALER (self->revealer),
                                    GTK_REVEALER_TRANSITION_TYPE_SLIDE_DOWN);
  gtk_widget_set_halign (self->revealer, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (self->revealer, GTK_ALIGN_START);
  gtk_container_add (GTK_CONTAINER (self->revealer), events);
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), self->revealer);

  /* The grab's hint in full screen, under the toolbar's place. */
  self->hint_label = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (self->hint_label), TRUE);
  gtk_widget_set_margin_start (self->hint_label, 12);
  gtk_widget_set_margin_end (self->hint_label, 12);
  gtk_widget_set_margin_top (self->hint_label, 8);
  gtk_widget_set_margin_bottom (self->hint_label, 8);
  gtk_widget_show (self->hint_label);
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_style_context_add_class (gtk_widget_get_style_context (box), "osd");
  gtk_container_add (GTK_CONTAINER (box), self->hint_label);
  gtk_widget_show (box);
  self->hint_revealer = gtk_revealer_new ();
  gtk_revealer_set_transition_type (GTK_REVEALER (self->hint_revealer),
                                    GTK_REVEALER_TRANSITION_TYPE_CROSSFADE);
  gtk_widget_set_halign (self->hint_revealer, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (self->hint_revealer, GTK_ALIGN_START);
  gtk_widget_set_margin_top (self->hint_revealer, 64);
  gtk_widget_set_can_focus (self->hint_revealer, FALSE);
  gtk_container_add (GTK_CONTAINER (self->hint_revealer), box);
  gtk_widget_show (self->hint_revealer);
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), self->hint_revealer);
  gtk_overlay_set_overlay_pass_through (GTK_OVERLAY (self->overlay), self->hint_revealer, TRUE);

  /* A thin strip along the top edge: the pointer there brings the toolbar down. */
  self->hot_zone = gtk_event_box_new ();
  gtk_event_box_set_visible_window (GTK_EVENT_BOX (self->hot_zone), FALSE);
  gtk_widget_add_events (self->hot_zone, GDK_ENTER_NOTIFY_MASK);
  gtk_widget_set_size_request (self->hot_zone, -1, 4);
  gtk_widget_set_valign (self->hot_zone, GTK_ALIGN_START);
  g_signal_connect (self->hot_zone, "enter-notify-event", G_CALLBACK (on_hot_zone_enter), self);
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), self->hot_zone);
}

GtkWidget *
lagoon_console_window_new (LagoonConsoleView *view)
{
  LagoonConsoleWindow *self;

  g_return_val_if_fail (LAGOON_IS_CONSOLE_VIEW (view), NULL);

  self = g_object_new (LAGOON_TYPE_CONSOLE_WINDOW, NULL);
  self->view = view;
  gtk_container_add (GTK_CONTAINER (self->overlay), GTK_WIDGET (view));
  gtk_menu_button_set_popup (GTK_MENU_BUTTON (self->keys_button),
                             lagoon_console_view_new_keys_menu (view));
  self->name_id = g_signal_connect (view, "notify::vm-name", G_CALLBACK (on_vm_name), self);
  self->grab_id = g_signal_connect (view, "notify::grab-message", G_CALLBACK (on_grab_message),
                                    self);
  gtk_window_set_default_size (GTK_WINDOW (self), 800, 600);
  update_title (self);
  return GTK_WIDGET (self);
}
