/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-console-window.h: an undocked console: a window around a LagoonConsoleView (the same
 * live VNC session the tab showed). Full screen hides the view's toolbar; a small toolbar slides
 * down from the top edge to leave full screen and to send keys, as in virt-viewer.
 */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-console-view.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_CONSOLE_WINDOW (lagoon_console_window_get_type ())

G_DECLARE_FINAL_TYPE (LagoonConsoleWindow, lagoon_console_window, LAGOON, CONSOLE_WINDOW,
                      GtkWindow)

/* A window showing @view (which it adds to itself). */
GtkWidget         *lagoon_console_window_new            (LagoonConsoleView   *view);
LagoonConsoleView *lagoon_console_window_get_view       (LagoonConsoleWindow *self);
/* Removes the view from the window and returns a reference to it. */
LagoonConsoleView *lagoon_console_window_take_view      (LagoonConsoleWindow *self);
/* @dock_after: leaving full screen asks to dock the view back ("dock-requested"). */
void               lagoon_console_window_set_fullscreen (LagoonConsoleWindow *self,
                                                         gboolean             fullscreen,
                                                         gboolean             dock_after);
gboolean           lagoon_console_window_get_fullscreen (LagoonConsoleWindow *self);

G_END_DECLS
