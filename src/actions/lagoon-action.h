/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-action.h: one unit of work against a pool, with a title, progress, cancel and a
 * result, as the Events pane shows it.
 *
 * The default run calls Async.<method> (a plain call for session-only messages) and follows the
 * task it returns through the connection's cache (tasks are ordinary objects in the event
 * stream), polling task.get_record only when events stop coming; cancel calls task.cancel; the task is destroyed when done.
 * Subclasses that need several calls (New VM...) override run() and use
 * lagoon_action_run_task() for each step.
 */
#pragma once

#include <gio/gio.h>

#include "lagoon-connection.h"

G_BEGIN_DECLS

typedef enum {
  LAGOON_ACTION_QUEUED,
  LAGOON_ACTION_RUNNING,
  LAGOON_ACTION_CANCELLING,
  LAGOON_ACTION_SUCCEEDED,
  LAGOON_ACTION_FAILED,
  LAGOON_ACTION_CANCELLED,
} LagoonActionState;

#define LAGOON_TYPE_ACTION (lagoon_action_get_type ())

G_DECLARE_DERIVABLE_TYPE (LagoonAction, lagoon_action, LAGOON, ACTION, GObject)

struct _LagoonActionClass
{
  GObjectClass parent_class;

  /* Runs the work; the default calls the async method given at construction. Completes
   * @task with a GVariant result (or NULL) or an error. */
  void (*run) (LagoonAction *self,
               GTask        *task);

  gpointer padding[8];
};

/* Subclasses: g_object_new (TYPE, "connection", connection, "title", title, NULL). */
LagoonAction      *lagoon_action_new             (LagoonConnection    *connection,
                                                  const char          *title,
                                                  const char          *method,
                                                  GVariant            *args);

/* Adds a call to run after the others, before the action starts; with calls added, the
 * default run() runs them in order (each "Async." when the message has that form, else a plain
 * call) and stops at the first failure. The method given to new() may then be NULL. */
void               lagoon_action_add_call        (LagoonAction        *self,
                                                  const char          *method,
                                                  GVariant            *args);

LagoonConnection  *lagoon_action_get_connection  (LagoonAction        *self);
const char        *lagoon_action_get_title       (LagoonAction        *self);
const char        *lagoon_action_get_description (LagoonAction        *self);
void               lagoon_action_set_description (LagoonAction        *self,
                                                  const char          *description);
/* Refs of the objects the action is about (the Events pane's target column). */
void               lagoon_action_set_objects     (LagoonAction        *self,
                                                  const char * const  *refs);
const char * const *lagoon_action_get_objects    (LagoonAction        *self);
LagoonActionState  lagoon_action_get_state       (LagoonAction        *self);
gboolean           lagoon_action_is_finished     (LagoonAction        *self);
double             lagoon_action_get_progress    (LagoonAction        *self);
const GError      *lagoon_action_get_error       (LagoonAction        *self);
/* The task's result, parsed (for example the new VM's ref), once succeeded. */
GVariant          *lagoon_action_get_result      (LagoonAction        *self);
gint64             lagoon_action_get_started     (LagoonAction        *self);
gint64             lagoon_action_get_finished    (LagoonAction        *self);
gboolean           lagoon_action_get_can_cancel  (LagoonAction        *self);

/* Starts the action (main thread). ::finished is emitted once, at the end. */
void               lagoon_action_start           (LagoonAction        *self);
void               lagoon_action_cancel          (LagoonAction        *self);

/* For subclasses: run "Async.@method" and follow its task; progress goes from @from to @to
 * of the action's bar. */
void               lagoon_action_run_task_async  (LagoonAction        *self,
                                                  const char          *method,
                                                  GVariant            *args,
                                                  double               from,
                                                  double               to,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
GVariant          *lagoon_action_run_task_finish (LagoonAction        *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
void               lagoon_action_set_progress    (LagoonAction        *self,
                                                  double               progress);
GCancellable      *lagoon_action_get_cancellable (LagoonAction        *self);

G_END_DECLS
