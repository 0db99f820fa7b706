/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-events-pane.h: the Events pane: every LagoonAction of the session with its title,
 * target, progress, status, time and a Cancel button; failures explained in a sentence
 * with the details expandable.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LAGOON_TYPE_EVENTS_PANE (lagoon_events_pane_get_type ())

G_DECLARE_FINAL_TYPE (LagoonEventsPane, lagoon_events_pane, LAGOON, EVENTS_PANE, GtkBox)

GtkWidget *lagoon_events_pane_new       (void);
/* @actions: a GListModel of LagoonAction, shown in its order (the application puts the
 * newest first). */
void       lagoon_events_pane_set_model (LagoonEventsPane *self,
                                         GListModel       *actions);

G_END_DECLS
