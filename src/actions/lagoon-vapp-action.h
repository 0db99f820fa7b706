/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-vapp-action.h: several XenAPI calls in order as one action (create a vApp and put
 * VMs in it, write a start sequence, delete a vApp...).
 *
 * Each step is "Class.message" with its arguments after the session. A step either runs as a
 * plain call (setters, which have no Async form) or through Async.* and its task. A string
 * argument equal to LAGOON_VAPP_ACTION_NEW_REF is replaced, when the step runs, by the result
 * of the first step that was marked as creating an object (the new vApp's ref). The first
 * failing step ends the action with its error; the steps before it stay done.
 */
#pragma once

#include "lagoon-action.h"

G_BEGIN_DECLS

/* Stands for the ref the creating step returned. */
#define LAGOON_VAPP_ACTION_NEW_REF "\x01new-object"

typedef enum {
  LAGOON_VAPP_STEP_CALL   = 0,        /* a plain call */
  LAGOON_VAPP_STEP_TASK   = 1 << 0,   /* Async.* and its task */
  LAGOON_VAPP_STEP_CREATE = 1 << 1,   /* its result is the new object's ref */
} LagoonVappStepFlags;

#define LAGOON_TYPE_VAPP_ACTION (lagoon_vapp_action_get_type ())

G_DECLARE_FINAL_TYPE (LagoonVappAction, lagoon_vapp_action, LAGOON, VAPP_ACTION, LagoonAction)

LagoonVappAction *lagoon_vapp_action_new         (LagoonConnection    *connection,
                                                  const char          *title);
/* @args: a tuple (floating references are sunk). */
void              lagoon_vapp_action_add_step    (LagoonVappAction    *self,
                                                  const char          *method,
                                                  GVariant            *args,
                                                  LagoonVappStepFlags  flags);
guint             lagoon_vapp_action_get_n_steps (LagoonVappAction    *self);
/* The ref the creating step returned, once it has run. */
const char       *lagoon_vapp_action_get_new_ref (LagoonVappAction    *self);
/* The methods called so far, in order (for tests and the Events pane's details). */
const char * const *lagoon_vapp_action_get_done  (LagoonVappAction    *self);

G_END_DECLS
