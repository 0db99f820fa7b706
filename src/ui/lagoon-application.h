/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-action.h"
#include "lagoon-server.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_APPLICATION (lagoon_application_get_type ())

G_DECLARE_FINAL_TYPE (LagoonApplication, lagoon_application, LAGOON, APPLICATION, GtkApplication)

LagoonApplication *lagoon_application_new                  (GApplicationFlags  flags);
GtkWindow         *lagoon_application_get_shortcuts_window (LagoonApplication *self);
GListModel        *lagoon_application_get_servers          (LagoonApplication *self);
GListModel        *lagoon_application_get_actions          (LagoonApplication *self);
void               lagoon_application_add_server           (LagoonApplication *self,
                                                            LagoonServer      *server,
                                                            const char        *password,
                                                            gboolean           remember);
void               lagoon_application_remove_server        (LagoonApplication *self,
                                                            LagoonServer      *server);
void               lagoon_application_connect_server       (LagoonApplication *self,
                                                            LagoonServer      *server);
void               lagoon_application_run_action           (LagoonApplication *self,
                                                            LagoonAction      *action);

G_END_DECLS
