/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-window"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lagoon-ui-private.h"
#include "lagoon-window.h"

struct _LagoonWindow
{
  GtkApplicationWindow parent_instance;

  /* Saved window geometry; NULL when the schema is not installed. */
  GSettings           *settings;
  int                  width;
  int                  height;
  gboolean             maximized;

  /* Template children */
  GtkInfoBar          *info_bar;
  GtkImage            *info_icon;
  GtkLabel            *info_label;
  GtkPaned            *paned;
  GtkSearchEntry      *search_entry;
  GtkTreeView         *resource_tree;
  GtkTreeStore        *resource_store;
  GtkTreeModelFilter  *resource_filter;
  GtkStack            *content_stack;

  /* Casefolded search text, or NULL to show every row. */
  char                *filter_key;
};

G_DEFINE_FINAL_TYPE (LagoonWindow, lagoon_window, GTK_TYPE_APPLICATION_WINDOW)

/* ---- resource tree filtering ------------------------------------------------------------ */

static gboolean
row_matches (GtkTreeModel *model,
             GtkTreeIter  *iter,
             const char   *key)
{
  g_autofree char *name = NULL;
  GtkTreeIter child;

  gtk_tree_model_get (model, iter, LAGOON_RESOURCE_COLUMN_NAME, &name, -1);
  if (name != NULL)
    {
      g_autofree char *folded = g_utf8_casefold (name, -1);

      if (strstr (folded, key) != NULL)
        return TRUE;
    }

  /* A row stays visible when one of its descendants matches, so the match keeps its context. */
  if (gtk_tree_model_iter_children (model, &child, iter))
    {
      do
        {
          if (row_matches (model, &child, key))
            return TRUE;
        }
      while (gtk_tree_model_iter_next (model, &child));
    }

  return FALSE;
}

static gboolean
resource_visible_func (GtkTreeModel *model,
                       GtkTreeIter  *iter,
                       gpointer      user_data)
{
  LagoonWindow *self = LAGOON_WINDOW (user_data);

  if (self->filter_key == NULL)
    return TRUE;

  return row_matches (model, iter, self->filter_key);
}

static void
on_search_changed (GtkSearchEntry *entry,
                   LagoonWindow   *self)
{
  const char *text = gtk_entry_get_text (GTK_ENTRY (entry));
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  g_clear_pointer (&self->filter_key, g_free);
  if (stripped[0] != '\0')
    self->filter_key = g_utf8_casefold (stripped, -1);

  gtk_tree_model_filter_refilter (self->resource_filter);
  if (self->filter_key != NULL)
    gtk_tree_view_expand_all (self->resource_tree);
}

static void
on_stop_search (GtkSearchEntry *entry,
                LagoonWindow   *self)
{
  gtk_entry_set_text (GTK_ENTRY (entry), "");
}

/* ---- window actions ---------------------------------------------------------------------- */

static void
search_action (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  LagoonWindow *self = LAGOON_WINDOW (user_data);

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
show_help_overlay_action (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  LagoonWindow *self = LAGOON_WINDOW (user_data);
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));
  GtkWindow *shortcuts;

  if (!LAGOON_IS_APPLICATION (application))
    return;

  shortcuts = lagoon_application_get_shortcuts_window (LAGOON_APPLICATION (application));
  gtk_window_set_transient_for (shortcuts, GTK_WINDOW (self));
  gtk_window_present (shortcuts);
}

static const GActionEntry win_entries[] = {
  { .name = "search", .activate = search_action },
  { .name = "show-help-overlay", .activate = show_help_overlay_action },
};

/* ---- saved geometry ---------------------------------------------------------------------- */

static void
lagoon_window_restore_state (LagoonWindow *self)
{
  int width, height, position;

  if (self->settings == NULL)
    return;

  width = g_settings_get_int (self->settings, "window-width");
  height = g_settings_get_int (self->settings, "window-height");
  if (width > 0 && height > 0)
    {
      gtk_window_set_default_size (GTK_WINDOW (self), width, height);
      self->width = width;
      self->height = height;
    }

  self->maximized = g_settings_get_boolean (self->settings, "window-maximized");
  if (self->maximized)
    gtk_window_maximize (GTK_WINDOW (self));

  position = g_settings_get_int (self->settings, "paned-position");
  if (position > 0)
    gtk_paned_set_position (self->paned, position);
}

/* A remembered or default size larger than the screen's work area helps nobody. */
static void
lagoon_window_fit_to_monitor (LagoonWindow *self)
{
  GdkDisplay *display = gtk_widget_get_display (GTK_WIDGET (self));
  GdkMonitor *monitor = gdk_display_get_primary_monitor (display);
  GdkRectangle area;
  int width, height;

  if (monitor == NULL && gdk_display_get_n_monitors (display) > 0)
    monitor = gdk_display_get_monitor (display, 0);
  if (monitor == NULL)
    return;

  gdk_monitor_get_workarea (monitor, &area);
  if (area.width <= 0 || area.height <= 0)
    return;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  if (width > area.width || height > area.height)
    gtk_window_set_default_size (GTK_WINDOW (self), MIN (width, area.width),
                                 MIN (height, area.height));
}

static void
lagoon_window_save_state (LagoonWindow *self)
{
  if (self->settings == NULL)
    return;

  if (self->width > 0 && self->height > 0)
    {
      g_settings_set_int (self->settings, "window-width", self->width);
      g_settings_set_int (self->settings, "window-height", self->height);
    }
  g_settings_set_boolean (self->settings, "window-maximized", self->maximized);
  if (self->paned != NULL)
    g_settings_set_int (self->settings, "paned-position",
                        CLAMP (gtk_paned_get_position (self->paned), 0, 10000));
}

static void
lagoon_window_size_allocate (GtkWidget     *widget,
                             GtkAllocation *allocation)
{
  LagoonWindow *self = LAGOON_WINDOW (widget);

  GTK_WIDGET_CLASS (lagoon_window_parent_class)->size_allocate (widget, allocation);

  /* Remember the unmaximized size: that is what the next start should restore. */
  if (!self->maximized)
    gtk_window_get_size (GTK_WINDOW (self), &self->width, &self->height);
}

static gboolean
lagoon_window_window_state_event (GtkWidget           *widget,
                                  GdkEventWindowState *event)
{
  LagoonWindow *self = LAGOON_WINDOW (widget);

  self->maximized = (event->new_window_state & GDK_WINDOW_STATE_MAXIMIZED) != 0;

  return GTK_WIDGET_CLASS (lagoon_window_parent_class)->window_state_event (widget, event);
}

/* ---- public API -------------------------------------------------------------------------- */

/**
 * lagoon_window_show_message:
 * @type: %GTK_MESSAGE_INFO, %GTK_MESSAGE_WARNING or %GTK_MESSAGE_ERROR
 * @message: the sentence to show
 *
 * Shows @message in the info bar above the window's content, replacing any earlier one.
 */
void
lagoon_window_show_message (LagoonWindow   *self,
                            GtkMessageType  type,
                            const char     *message)
{
  const char *icon_name;

  g_return_if_fail (LAGOON_IS_WINDOW (self));
  g_return_if_fail (message != NULL);

  switch (type)
    {
    case GTK_MESSAGE_WARNING:
      icon_name = "dialog-warning-symbolic";
      break;

    case GTK_MESSAGE_ERROR:
      icon_name = "dialog-error-symbolic";
      break;

    case GTK_MESSAGE_INFO:
    case GTK_MESSAGE_QUESTION:
    case GTK_MESSAGE_OTHER:
    default:
      icon_name = "dialog-information-symbolic";
      break;
    }

  gtk_info_bar_set_message_type (self->info_bar, type);
  gtk_image_set_from_icon_name (self->info_icon, icon_name, GTK_ICON_SIZE_BUTTON);
  gtk_label_set_text (self->info_label, message);
  gtk_info_bar_set_revealed (self->info_bar, TRUE);
}

void
lagoon_window_hide_message (LagoonWindow *self)
{
  g_return_if_fail (LAGOON_IS_WINDOW (self));

  gtk_info_bar_set_revealed (self->info_bar, FALSE);
}

LagoonWindow *
lagoon_window_new (LagoonApplication *application)
{
  g_return_val_if_fail (LAGOON_IS_APPLICATION (application), NULL);

  return g_object_new (LAGOON_TYPE_WINDOW, "application", application, NULL);
}

/* ---- GObject ----------------------------------------------------------------------------- */

static void
lagoon_window_dispose (GObject *object)
{
  LagoonWindow *self = LAGOON_WINDOW (object);
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));

  /* The shared shortcuts window outlives us: do not leave it open over nothing. */
  if (LAGOON_IS_APPLICATION (application))
    {
      GtkWindow *shortcuts =
        lagoon_application_get_shortcuts_window (LAGOON_APPLICATION (application));

      if (gtk_window_get_transient_for (shortcuts) == GTK_WINDOW (self))
        {
          gtk_widget_hide (GTK_WIDGET (shortcuts));
          gtk_window_set_transient_for (shortcuts, NULL);
        }
    }

  /* The first dispose runs while the template children still exist. */
  if (self->settings != NULL)
    {
      lagoon_window_save_state (self);
      g_clear_object (&self->settings);
    }

  G_OBJECT_CLASS (lagoon_window_parent_class)->dispose (object);
}

static void
lagoon_window_finalize (GObject *object)
{
  LagoonWindow *self = LAGOON_WINDOW (object);

  g_clear_pointer (&self->filter_key, g_free);

  G_OBJECT_CLASS (lagoon_window_parent_class)->finalize (object);
}

static void
lagoon_window_class_init (LagoonWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lagoon_window_dispose;
  object_class->finalize = lagoon_window_finalize;

  widget_class->size_allocate = lagoon_window_size_allocate;
  widget_class->window_state_event = lagoon_window_window_state_event;

  lagoon_ui_register_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/dev/lagoon/Lagoon/lagoon-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, info_bar);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, info_icon);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, info_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, paned);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, resource_tree);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, resource_store);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, resource_filter);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, content_stack);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search);
}

static void
lagoon_window_init (LagoonWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_tree_model_filter_set_visible_func (self->resource_filter, resource_visible_func, self,
                                          NULL);
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries),
                                   self);

  /* Start in the tree, so that the search entry shows its placeholder. */
  gtk_widget_grab_focus (GTK_WIDGET (self->resource_tree));

  self->settings = lagoon_ui_create_settings ();
  lagoon_window_restore_state (self);
  lagoon_window_fit_to_monitor (self);
}
