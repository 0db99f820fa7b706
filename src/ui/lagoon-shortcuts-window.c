/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-shortcuts-window"

#include "config.h"

#include "lagoon-shortcuts-window.h"
#include "lagoon-ui-private.h"

/* Help ▸ Keyboard Shortcuts.
 *
 * Not installed as GtkApplicationWindow's help overlay on purpose: GTK 3.24 destroys the overlay
 * with its window, and a destroyed GtkShortcutsWindow leaves a dangling style handler behind
 * (the next screen-wide style change, such as a theme switch, reads freed memory). The
 * application keeps one instance alive instead, hidden when closed and never destroyed. */

struct _LagoonShortcutsWindow
{
  GtkShortcutsWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (LagoonShortcutsWindow, lagoon_shortcuts_window, GTK_TYPE_SHORTCUTS_WINDOW)

static void
lagoon_shortcuts_window_class_init (LagoonShortcutsWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  lagoon_ui_register_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/lagoon/Lagoon/lagoon-shortcuts-window.ui");
}

static void
lagoon_shortcuts_window_init (LagoonShortcutsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* Closing (title bar, Escape) hides: see above. */
  g_signal_connect (self, "delete-event", G_CALLBACK (gtk_widget_hide_on_delete), NULL);
}

LagoonShortcutsWindow *
lagoon_shortcuts_window_new (void)
{
  return g_object_new (LAGOON_TYPE_SHORTCUTS_WINDOW, NULL);
}
