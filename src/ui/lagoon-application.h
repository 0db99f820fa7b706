/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LAGOON_TYPE_APPLICATION (lagoon_application_get_type ())

G_DECLARE_FINAL_TYPE (LagoonApplication, lagoon_application, LAGOON, APPLICATION, GtkApplication)

LagoonApplication *lagoon_application_new                  (GApplicationFlags  flags);
GtkWindow         *lagoon_application_get_shortcuts_window (LagoonApplication *self);

G_END_DECLS
