/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LAGOON_TYPE_SHORTCUTS_WINDOW (lagoon_shortcuts_window_get_type ())

G_DECLARE_FINAL_TYPE (LagoonShortcutsWindow, lagoon_shortcuts_window, LAGOON, SHORTCUTS_WINDOW,
                      GtkShortcutsWindow)

LagoonShortcutsWindow *lagoon_shortcuts_window_new (void);

G_END_DECLS
