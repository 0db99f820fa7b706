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

G_END_DECLS
