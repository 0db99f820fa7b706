/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-start-order-timeline.h: a vApp's start sequence drawn left to right, one column per
 * start-order group, with each group's delay as the gap before the next one.
 *
 * The timeline draws the rows of a GtkTreeModel (the start-order editor's store; column
 * numbers given at construction) and shares its GtkTreeSelection. Dragging a VM onto another
 * group, onto the empty slot after the last group ("New group") or before the first, moves
 * the selected VMs there; so do Left/Right (and the move functions), while Up/Down walk the
 * VMs. It never changes the model itself: it emits ::move-to-order with the order the
 * selection should take, or -1 for "a new group before every other" (the owner renumbers).
 * The accessible description says the whole sequence in words.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LAGOON_TYPE_START_ORDER_TIMELINE (lagoon_start_order_timeline_get_type ())

G_DECLARE_FINAL_TYPE (LagoonStartOrderTimeline, lagoon_start_order_timeline,
                      LAGOON, START_ORDER_TIMELINE, GtkDrawingArea)

GtkWidget *lagoon_start_order_timeline_new           (void);
/* The model's columns: name (string), order and start delay (int). */
void       lagoon_start_order_timeline_set_model     (LagoonStartOrderTimeline *self,
                                                      GtkTreeModel             *model,
                                                      GtkTreeSelection         *selection,
                                                      int                       name_column,
                                                      int                       order_column,
                                                      int                       delay_column);
/* Moves the selection to the previous (@direction < 0) or next group; FALSE if it cannot. */
gboolean   lagoon_start_order_timeline_move_selection (LagoonStartOrderTimeline *self,
                                                       int                       direction);
/* The sequence in words ("Order 0: web, db; then 30 s. Order 1: ..."). */
char      *lagoon_start_order_timeline_describe      (LagoonStartOrderTimeline *self);

G_END_DECLS
