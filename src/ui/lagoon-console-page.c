/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-console-page"

#include "config.h"

#include <glib/gi18n.h>

#include "lagoon-console-page.h"
#include "lagoon-console-view.h"
#include "lagoon-console-window.h"

struct _LagoonConsolePage
{
  GtkBox             parent_instance;

  LagoonConnection  *connection;
  int                class_id;
  char              *ref;

  /* The docked view (in view_box), and the undocked consoles' windows. */
  LagoonConsoleView *view;
  GList             *windows;

  /* Template children */
  GtkStack          *stack;
  GtkWidget         *view_box;
  GtkLabel          *undocked_label;
};

G_DEFINE_FINAL_TYPE (LagoonConsolePage, lagoon_console_page, GTK_TYPE_BOX)

static void on_view_dock_toggled       (LagoonConsoleView *view,
                                        LagoonConsolePage *self);
static void on_view_fullscreen_toggled (LagoonConsoleView *view,
                                        LagoonConsolePage *self);

static gboolean
view_shows (LagoonConsoleView *view,
            LagoonConnection  *connection,
            int                class_id,
            const char        *ref)
{
  return connection != NULL && lagoon_console_view_get_connection (view) == connection &&
         lagoon_console_view_get_class_id (view) == class_id &&
         g_strcmp0 (lagoon_console_view_get_ref (view), ref) == 0;
}

static LagoonConsoleWindow *
find_window (LagoonConsolePage *self,
             LagoonConnection  *connection,
             int                class_id,
             const char        *ref)
{
  for (GList *l = self->windows; l != NULL; l = l->next)
    {
      LagoonConsoleView *view = lagoon_console_window_get_view (l->data);

      if (view != NULL && view_shows (view, connection, class_id, ref))
        return l->data;
    }
  return NULL;
}

static LagoonConsoleWindow *
window_of_view (LagoonConsolePage *self,
                LagoonConsoleView *view)
{
  for (GList *l = self->windows; l != NULL; l = l->next)
    if (lagoon_console_window_get_view (l->data) == view)
      return l->data;
  return NULL;
}

static void
watch_view (LagoonConsolePage *self,
            LagoonConsoleView *view)
{
  g_signal_connect_object (view, "dock-toggled", G_CALLBACK (on_view_dock_toggled), self, 0);
  g_signal_connect_object (view, "fullscreen-toggled", G_CALLBACK (on_view_fullscreen_toggled),
                           self, 0);
}

/* Puts @view (a new one when NULL) into the tab. */
static void
set_docked_view (LagoonConsolePage *self,
                 LagoonConsoleView *view)
{
  if (self->view != NULL)
    gtk_widget_destroy (GTK_WIDGET (self->view));
  if (view == NULL)
    {
      view = LAGOON_CONSOLE_VIEW (lagoon_console_view_new ());
      watch_view (self, view);
    }
  self->view = view;
  lagoon_console_view_set_docked (view, TRUE);
  gtk_widget_show (GTK_WIDGET (view));
  gtk_container_add (GTK_CONTAINER (self->view_box), GTK_WIDGET (view));
}

static void
update (LagoonConsolePage *self)
{
  LagoonConsoleWindow *window = find_window (self, self->connection, self->class_id, self->ref);

  if (window != NULL)
    {
      const char *name = lagoon_console_view_get_vm_name (lagoon_console_window_get_view (window));
      g_autofree char *text =
        /* Translators: %s is the VM's name */
        g_strdup_printf (_("The console of %s is in its own window."), name != NULL ? name : "");

      /* No second session to the same console while one is open in a window. */
      lagoon_console_view_set_object (self->view, NULL, -1, NULL);
      gtk_label_set_text (self->undocked_label, text);
      gtk_stack_set_visible_child_name (self->stack, "undocked");
      return;
    }
  lagoon_console_view_set_object (self->view, self->connection, self->class_id, self->ref);
  gtk_stack_set_visible_child_name (self->stack, "view");
}

static void
on_window_destroy (GtkWidget         *window,
                   LagoonConsolePage *self)
{
  self->windows = g_list_remove (self->windows, window);
  update (self);
}

/* @window's console goes back into the tab if the tab shows its object, else it closes. */
static void
dock (LagoonConsolePage   *self,
      LagoonConsoleWindow *window)
{
  LagoonConsoleView *view = lagoon_console_window_get_view (window);

  if (view != NULL && view_shows (view, self->connection, self->class_id, self->ref))
    {
      view = lagoon_console_window_take_view (window);
      set_docked_view (self, view);
      g_object_unref (view);
      g_debug ("console of %s docked", lagoon_console_view_get_vm_name (view));
    }
  g_signal_handlers_disconnect_by_data (window, self);
  self->windows = g_list_remove (self->windows, window);
  gtk_widget_destroy (GTK_WIDGET (window));
  update (self);
}

static void
on_window_dock_requested (LagoonConsoleWindow *window,
                          LagoonConsolePage   *self)
{
  dock (self, window);
}

/* The tab's console moves into its own window (the same view, the same VNC session). */
static LagoonConsoleWindow *
undock (LagoonConsolePage *self)
{
  LagoonConsoleView *view = self->view;
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
  GtkWidget *window;
  int width = gtk_widget_get_allocated_width (GTK_WIDGET (view));
  int height = gtk_widget_get_allocated_height (GTK_WIDGET (view));

  if (lagoon_console_view_get_connection (view) == NULL)
    return NULL;

  g_object_ref (view);
  self->view = NULL;
  gtk_container_remove (GTK_CONTAINER (self->view_box), GTK_WIDGET (view));
  window = lagoon_console_window_new (view);
  g_object_unref (view);
  lagoon_console_view_set_docked (view, FALSE);
  if (width > 200 && height > 150)
    gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  if (GTK_IS_WINDOW (toplevel))
    gtk_window_set_application (GTK_WINDOW (window),
                                 gtk_window_get_application (GTK_WINDOW (toplevel)));
  self->windows = g_list_prepend (self->windows, window);
  g_signal_connect (window, "dock-requested", G_CALLBACK (on_window_dock_requested), self);
  g_signal_connect (window, "destroy", G_CALLBACK (on_window_destroy), self);
  g_debug ("console of %s undocked", lagoon_console_view_get_vm_name (view));

  set_docked_view (self, NULL);
  update (self);
  gtk_window_present (GTK_WINDOW (window));
  return LAGOON_CONSOLE_WINDOW (window);
}

static void
on_view_dock_toggled (LagoonConsoleView *view,
                      LagoonConsolePage *self)
{
  LagoonConsoleWindow *window = window_of_view (self, view);

  if (window != NULL)
    dock (self, window);
  else if (view == self->view)
    undock (self);
}

static void
on_view_fullscreen_toggled (LagoonConsoleView *view,
                            LagoonConsolePage *self)
{
  LagoonConsoleWindow *window = window_of_view (self, view);

  if (window != NULL)
    lagoon_console_window_set_fullscreen (window,
                                          !lagoon_console_window_get_fullscreen (window),
                                          FALSE);
  else if (view == self->view && (window = undock (self)) != NULL)
    /* From the tab: leaving full screen brings the console back into the tab. */
    lagoon_console_window_set_fullscreen (window, TRUE, TRUE);
}

static void
on_show_window_clicked (GtkButton         *button,
                        LagoonConsolePage *self)
{
  LagoonConsoleWindow *window = find_window (self, self->connection, self->class_id, self->ref);

  if (window != NULL)
    gtk_window_present (GTK_WINDOW (window));
}

static void
on_dock_back_clicked (GtkButton         *button,
                      LagoonConsolePage *self)
{
  LagoonConsoleWindow *window = find_window (self, self->connection, self->class_id, self->ref);

  if (window != NULL)
    dock (self, window);
}

void
lagoon_console_page_set_object (LagoonConsolePage *self,
                                LagoonConnection  *connection,
                                int                class_id,
                                const char        *ref)
{
  g_return_if_fail (LAGOON_IS_CONSOLE_PAGE (self));

  g_set_object (&self->connection, connection);
  self->class_id = connection != NULL ? class_id : -1;
  if (g_strcmp0 (ref, self->ref) != 0)
    {
      g_free (self->ref);
      self->ref = g_strdup (ref);
    }
  update (self);
}

gboolean
lagoon_console_page_handles (int class_id)
{
  return class_id == LAGOON_CLASS_VM || class_id == LAGOON_CLASS_HOST;
}

/* ---- GObject ----------------------------------------------------------------------------- */

static void
lagoon_console_page_dispose (GObject *object)
{
  LagoonConsolePage *self = LAGOON_CONSOLE_PAGE (object);

  while (self->windows != NULL)
    {
      GtkWidget *window = self->windows->data;

      g_signal_handlers_disconnect_by_data (window, self);
      self->windows = g_list_delete_link (self->windows, self->windows);
      gtk_widget_destroy (window);
    }
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (lagoon_console_page_parent_class)->dispose (object);
}

static void
lagoon_console_page_finalize (GObject *object)
{
  LagoonConsolePage *self = LAGOON_CONSOLE_PAGE (object);

  g_free (self->ref);

  G_OBJECT_CLASS (lagoon_console_page_parent_class)->finalize (object);
}

static void
lagoon_console_page_class_init (LagoonConsolePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lagoon_console_page_dispose;
  object_class->finalize = lagoon_console_page_finalize;

  g_type_ensure (LAGOON_TYPE_CONSOLE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/lagoon/Lagoon/lagoon-console-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LagoonConsolePage, stack);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsolePage, view_box);
  gtk_widget_class_bind_template_child (widget_class, LagoonConsolePage, undocked_label);
  gtk_widget_class_bind_template_callback (widget_class, on_show_window_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_dock_back_clicked);
}

static void
lagoon_console_page_init (LagoonConsolePage *self)
{
  self->class_id = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
  set_docked_view (self, NULL);
}

GtkWidget *
lagoon_console_page_new (void)
{
  return g_object_new (LAGOON_TYPE_CONSOLE_PAGE, NULL);
}
