/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-start-order-editor.h: the start sequence of a vApp's VMs, as the New vApp wizard
 * and vApp Properties edit it.
 *
 * A grid (VM, description, start order, start delay, shutdown delay) with multiple selection;
 * three spin buttons apply to every selected row (blank when the selected rows differ); a
 * timeline (LagoonStartOrderTimeline) shows the groups and their delays and moves VMs between
 * groups by drag and drop or keyboard. The editor remembers each VM's values as they were in
 * the cache when the VM was first shown and writes only what changed (VM.set_order,
 * VM.set_start_delay, VM.set_shutdown_delay).
 */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-cache.h"
#include "lagoon-vapp-action.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_START_ORDER_EDITOR (lagoon_start_order_editor_get_type ())

G_DECLARE_FINAL_TYPE (LagoonStartOrderEditor, lagoon_start_order_editor,
                      LAGOON, START_ORDER_EDITOR, GtkBox)

GtkWidget *lagoon_start_order_editor_new           (void);
/* Shows the VMs @refs (of @cache). VMs already shown keep their edits; new ones start from
 * their values in the cache; VMs not in @refs are dropped. */
void       lagoon_start_order_editor_set_vms       (LagoonStartOrderEditor *self,
                                                    LagoonCache            *cache,
                                                    const char * const     *refs);
/* The number of values that differ from what the pool has. */
guint      lagoon_start_order_editor_count_changes (LagoonStartOrderEditor *self);
/* Adds one setter step per changed value to @action. */
void       lagoon_start_order_editor_add_steps     (LagoonStartOrderEditor *self,
                                                    LagoonVappAction       *action);
/* The sequence in words, for summaries. */
char      *lagoon_start_order_editor_describe      (LagoonStartOrderEditor *self);

G_END_DECLS
