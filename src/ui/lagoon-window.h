/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-application.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_WINDOW (lagoon_window_get_type ())

G_DECLARE_FINAL_TYPE (LagoonWindow, lagoon_window, LAGOON, WINDOW, GtkApplicationWindow)

LagoonWindow *lagoon_window_new          (LagoonApplication *application);
void          lagoon_window_show_message (LagoonWindow      *self,
                                          GtkMessageType     type,
                                          const char        *message);
void          lagoon_window_hide_message (LagoonWindow      *self);
/* Selects @ref of @server in the tree (ending a search that hides it), as a click would. */
void          lagoon_window_select_object (LagoonWindow     *self,
                                           LagoonServer     *server,
                                           const char       *ref);

G_END_DECLS
