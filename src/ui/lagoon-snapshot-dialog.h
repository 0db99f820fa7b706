/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-snapshot-dialog.h: the Take Snapshot dialog. Name (a unique default), description,
 * and the mode: disks only (VM.snapshot), disks and memory (VM.checkpoint) or quiesced
 * (VM.snapshot_with_quiesce), each offered only when the VM's allowed_operations has it, with
 * the reason shown when it is not. It follows the VM while open (a VM that stops loses the
 * memory option). It only collects input: lagoon-snapshot-commands.c runs the action.
 */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-cache.h"

G_BEGIN_DECLS

typedef enum {
  LAGOON_SNAPSHOT_MODE_DISKS,
  LAGOON_SNAPSHOT_MODE_DISKS_AND_MEMORY,
  LAGOON_SNAPSHOT_MODE_QUIESCED,
} LagoonSnapshotMode;

#define LAGOON_TYPE_SNAPSHOT_DIALOG (lagoon_snapshot_dialog_get_type ())

G_DECLARE_FINAL_TYPE (LagoonSnapshotDialog, lagoon_snapshot_dialog, LAGOON, SNAPSHOT_DIALOG,
                      GtkDialog)

GtkWidget          *lagoon_snapshot_dialog_new             (GtkWindow          *parent,
                                                            LagoonCache        *cache,
                                                            const char         *vm_ref);
/* The name as typed, trimmed. */
char               *lagoon_snapshot_dialog_dup_name        (LagoonSnapshotDialog *self);
char               *lagoon_snapshot_dialog_dup_description (LagoonSnapshotDialog *self);
LagoonSnapshotMode  lagoon_snapshot_dialog_get_mode        (LagoonSnapshotDialog *self);

/* The XenAPI message a mode calls ("VM.snapshot"...). */
const char         *lagoon_snapshot_mode_method            (LagoonSnapshotMode  mode);
/* Why @vm cannot be snapshotted in @mode now (a sentence; free it), or NULL when it can. */
char               *lagoon_snapshot_mode_why_not           (const LagoonRecord *vm,
                                                            LagoonSnapshotMode  mode);
/* @base, or "@base (2)", "(3)"... : the first that no VM, template or snapshot has. */
char               *lagoon_snapshot_unique_name            (LagoonCache        *cache,
                                                            const char         *base);

G_END_DECLS
