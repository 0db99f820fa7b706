/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-snapshot-action.h: one action (one row in the Events pane) that makes a new VM from
 * another with VM.snapshot, VM.checkpoint, VM.snapshot_with_quiesce or VM.clone, then finishes
 * it: its description, and for a clone of a snapshot whether it is a VM or a template (xapi's
 * clone of a snapshot is a template, as snapshots are; XenCenter marks a template made from a
 * snapshot other_config:instant=true). The result is the new VM's ref.
 */
#pragma once

#include "lagoon-action.h"

G_BEGIN_DECLS

typedef enum {
  LAGOON_SNAPSHOT_TEMPLATE_KEEP,  /* leave is_a_template as the call made it */
  LAGOON_SNAPSHOT_TEMPLATE_NO,    /* a VM (New VM from Snapshot) */
  LAGOON_SNAPSHOT_TEMPLATE_YES,   /* a template (New Template from Snapshot) */
} LagoonSnapshotTemplate;

#define LAGOON_TYPE_SNAPSHOT_ACTION (lagoon_snapshot_action_get_type ())

G_DECLARE_FINAL_TYPE (LagoonSnapshotAction, lagoon_snapshot_action, LAGOON, SNAPSHOT_ACTION,
                      LagoonAction)

/* @method is called as (@source_ref, @name); @description (NULL or "": none) is set on the
 * new VM afterwards. */
LagoonAction *lagoon_snapshot_action_new (LagoonConnection       *connection,
                                          const char             *title,
                                          const char             *method,
                                          const char             *source_ref,
                                          const char             *name,
                                          const char             *description,
                                          LagoonSnapshotTemplate  make_template);

G_END_DECLS
