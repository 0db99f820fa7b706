/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-action"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "lagoon-action.h"
#include "lagoon-context.h"
#include "lagoon-schema.h"
#include "lagoon-xenapi-error.h"
#include "lagoon-xmlrpc.h"

#define POLL_INTERVAL_MS 2000

typedef struct
{
  LagoonConnection  *connection;
  char              *title;
  char              *description;
  char              *method;
  GVariant          *args;
  GStrv              objects;
  LagoonActionState  state;
  double             progress;
  GError            *error;
  GVariant          *result;
  gint64             started;
  gint64             finished;
  GCancellable      *cancellable;
  gboolean           can_cancel;
  GPtrArray         *calls;       /* Call *, run in order by the default run() */
  guint              next_call;
} LagoonActionPrivate;

typedef struct
{
  char     *method;
  GVariant *args;
} Call;

static void
call_free (gpointer data)
{
  Call *call = data;

  g_free (call->method);
  g_clear_pointer (&call->args, g_variant_unref);
  g_free (call);
}

G_DEFINE_TYPE_WITH_PRIVATE (LagoonAction, lagoon_action, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONNECTION,
  PROP_TITLE,
  PROP_DESCRIPTION,
  PROP_STATE,
  PROP_PROGRESS,
  PROP_CAN_CANCEL,
  N_PROPS
};

enum {
  FINISHED,
  N_SIGNALS
};

#define PRIV(self) ((LagoonActionPrivate *) lagoon_action_get_instance_private (self))

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
set_state (LagoonAction      *self,
           LagoonActionState  state)
{
  LagoonActionPrivate *priv = lagoon_action_get_instance_private (self);

  if (priv->state == state)
    return;
  priv->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_can_cancel (LagoonAction *self,
                gboolean      can_cancel)
{
  LagoonActionPrivate *priv = lagoon_action_get_instance_private (self);

  if (priv->can_cancel == can_cancel)
    return;
  priv->can_cancel = can_cancel;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_CANCEL]);
}

void
lagoon_action_set_progress (LagoonAction *self,
                            double        progress)
{
  LagoonActionPrivate *priv = lagoon_action_get_instance_private (self);

  g_return_if_fail (LAGOON_IS_ACTION (self));

  progress = CLAMP (progress, 0.0, 1.0);
  if (progress == priv->progress)
    return;
  priv->progress = progress;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
}

/* ---- following one task ------------------------------------------------------------------- */

typedef struct
{
  LagoonAction *self;
  char         *method;
  GVariant     *args;
  double        from;
  double        to;
  char         *task_ref;
  gulong        batch_handler;
  gulong        cancel_handler;
  guint         poll_source;
  gboolean      polling;
  gboolean      cancel_sent;
  gboolean      done;
  GTask        *keepalive;   /* the task holds itself while it watches the cache */
} TaskWatch;

static void
task_watch_free (TaskWatch *w)
{
  g_free (w->method);
  g_clear_pointer (&w->args, g_variant_unref);
  g_free (w->task_ref);
  g_free (w);
}

static void
destroy_task_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) v = lagoon_connection_call_finish (LAGOON_CONNECTION (source), result,
                                                         &error);

  if (error != NULL)
    g_debug ("task.destroy: %s", error->message);
}

static void
watch_stop (GTask *task)
{
  TaskWatch *w = g_task_get_task_data (task);
  LagoonActionPrivate *priv = lagoon_action_get_instance_private (w->self);

  w->done = TRUE;
  g_clear_signal_handler (&w->batch_handler, lagoon_connection_get_cache (priv->connection));
  g_clear_handle_id (&w->poll_source, g_source_remove);
  if (w->cancel_handler != 0)
    {
      g_cancellable_disconnect (g_task_get_cancellable (task), w->cancel_handler);
      w->cancel_handler = 0;
    }
  if (w->task_ref != NULL)
    lagoon_connection_call_async (priv->connection, "task.destroy",
                                  g_variant_new ("(s)", w->task_ref), NULL, destroy_task_done,
                                  NULL);
  g_clear_object (&w->keepalive);
}

/* Applies what the task says now. Takes no ownership. */
static void
task_update (GTask              *task,
             const char         *status,
             double              progress,
             const char         *result,
             const char * const *error_info)
{
  TaskWatch *w = g_task_get_task_data (task);

  if (w->done)
    return;

  lagoon_action_set_progress (w->self, w->from + (w->to - w->from) * CLAMP (progress, 0.0, 1.0));

  if (g_strcmp0 (status, "success") == 0)
    {
      g_autoptr(GError) error = NULL;
      GVariant *value = NULL;

      if (result != NULL && *result != '\0')
        value = lagoon_xmlrpc_parse_value_fragment (result, strlen (result), &error);
      if (error != NULL)
        g_debug ("Unreadable task result %s: %s", result, error->message);
      g_object_ref (task);
      watch_stop (task);
      g_task_return_pointer (task, value, (GDestroyNotify) g_variant_unref);
      g_object_unref (task);
    }
  else if (g_strcmp0 (status, "failure") == 0 || g_strcmp0 (status, "cancelled") == 0)
    {
      GError *error;

      if (g_strcmp0 (status, "cancelled") == 0)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
      else if (error_info != NULL && error_info[0] != NULL)
        error = lagoon_xenapi_error_new (error_info);
      else
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                             _("The server reports that %s failed, without saying why"),
                             w->method);
      g_object_ref (task);
      watch_stop (task);
      g_task_return_error (task, error);
      g_object_unref (task);
    }
}

static void
task_update_from_cache (GTask *task)
{
  TaskWatch *w = g_task_get_task_data (task);
  LagoonActionPrivate *priv = lagoon_action_get_instance_private (w->self);
  const LagoonRecord *rec;

  rec = lagoon_cache_lookup (lagoon_connection_get_cache (priv->connection), LAGOON_CLASS_TASK,
                             w->task_ref);
  if (rec == NULL)
    return;
  task_update (task, lagoon_record_get_enum_string (rec, LAGOON_TASK_STATUS),
               lagoon_record_get_double (rec, LAGOON_TASK_PROGRESS),
               lagoon_record_get_string (rec, LAGOON_TASK_RESULT),
               lagoon_record_get_set (rec, LAGOON_TASK_ERROR_INFO, NULL));
}

static void
on_batch (LagoonCache      *cache,
          LagoonCacheBatch *batch,
          gpointer          user_data)
{
  GTask *task = user_data;
  TaskWatch *w = g_task_get_task_data (task);

  if (w->task_ref != NULL &&
      lagoon_cache_batch_lookup (batch, LAGOON_CLASS_TASK, w->task_ref) != LAGOON_CHANGE_NONE)
    task_update_from_cache (task);
}

static void
poll_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TaskWatch *w = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) rec = lagoon_connection_call_finish (LAGOON_CONNECTION (source), result,
                                                           &error);

  w->polling = FALSE;
  if (w->done)
    return;
  if (rec == NULL)
    {
      /* A task that no longer exists has finished (XenCenter reads HANDLE_INVALID so). */
      if (g_strcmp0 (lagoon_xenapi_error_get_code_string (error), "HANDLE_INVALID") == 0)
        task_update (task, "success", 1.0, NULL, NULL);
      return;
    }
  if (g_variant_is_of_type (rec, G_VARIANT_TYPE_VARDICT))
    {
      const char *status = NULL, *res = NULL;
      g_autoptr(GVariant) progress = g_variant_lookup_value (rec, "progress", NULL);
      g_autoptr(GVariant) info = g_variant_lookup_value (rec, "error_info", NULL);
      g_autoptr(GPtrArray) strv = g_ptr_array_new_with_free_func (g_free);
      double p = 0.0;

      g_variant_lookup (rec, "status", "&s", &status);
      g_variant_lookup (rec, "result", "&s", &res);
      if (progress != NULL && g_variant_is_of_type (progress, G_VARIANT_TYPE_DOUBLE))
        p = g_variant_get_double (progress);
      if (info != NULL && g_variant_is_container (info))
        {
          GVariantIter iter;
          GVariant *item;
          g_variant_iter_init (&iter, info);
          while ((item = g_variant_iter_next_value (&iter)))
            {
              GVariant *inner = g_variant_is_of_type (item, G_VARIANT_TYPE_VARIANT)
                                ? g_variant_get_variant (item) : g_variant_ref (item);
              if (g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING))
                g_ptr_array_add (strv, g_variant_dup_string (inner, NULL));
              g_variant_unref (inner);
              g_variant_unref (item);
            }
        }
      g_ptr_array_add (strv, NULL);
      task_update (task, status, p, res, (const char * const *) strv->pdata);
    }
}

static gboolean
poll_task (gpointer user_data)
{
  GTask *task = user_data;
  TaskWatch *w = g_task_get_task_data (task);
  LagoonActionPrivate *priv = lagoon_action_get_instance_private (w->self);

  if (!w->polling && w->task_ref != NULL)
    {
      w->polling = TRUE;
      lagoon_connection_call_async (priv->connection, "task.get_record",
                                    g_variant_new ("(s)", w->task_ref), NULL, poll_done,
                                    g_object_ref (task));
    }
  return G_SOURCE_CONTINUE;
}

static void
cancel_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) v = lagoon_connection_call_finish (LAGOON_CONNECTION (source), result,
                                                         &error);

  if (error != NULL)
    g_debug ("task.cancel: %s", error->message);
}

static gboolean
send_cancel (gpointer user_data)
{
  GTask *task = user_data;
  TaskWatch *w = g_task_get_task_data (task);
  LagoonActionPrivate *priv = lagoon_action_get_instance_private (w->self);

  if (!w->done && !w->cancel_sent && w->task_ref != NULL)
    {
      w->cancel_sent = TRUE;
      lagoon_connection_call_async (priv->connection, "task.cancel",
                                    g_variant_new ("(s)", w->task_ref), NULL, cancel_done, NULL);
    }
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  /* May run in any thread: send from the task's own context, always later. */
  lagoon_context_post (g_task_get_context (user_data), send_cancel, g_object_ref (user_data),
                       g_object_unref);
}

static void
async_call_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TaskWatch *w = g_task_get_task_data (task);
  LagoonActionPrivate *priv = lagoon_action_get_instance_private (w->self);
  GError *error = NULL;
  g_autoptr(GVariant) ref = lagoon_connection_call_finish (LAGOON_CONNECTION (source), result,
                                                           &error);

  if (ref == NULL || !g_variant_is_of_type (ref, G_VARIANT_TYPE_STRING))
    {
      if (error == NULL)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                             _("The server did not return a task for %s"), w->method);
      w->done = TRUE;
      g_task_return_error (task, error);
      return;
    }

  w->task_ref = g_variant_dup_string (ref, NULL);
  w->keepalive = g_object_ref (task);
  w->batch_handler = g_signal_connect (lagoon_connection_get_cache (priv->connection),
                                       "batch-applied", G_CALLBACK (on_batch), task);
  w->poll_source = g_timeout_add (POLL_INTERVAL_MS, poll_task, task);
  if (g_task_get_cancellable (task) != NULL)
    w->cancel_handler = g_cancellable_connect (g_task_get_cancellable (task),
                                               G_CALLBACK (on_cancelled), task, NULL);
  set_can_cancel (w->self, TRUE);
  /* The task may already be in the cache (fast tasks). */
  task_update_from_cache (task);
}

/* Whether "Class.message" has an Async form (unknown messages are tried as Async). */
static gboolean
method_is_async (const char *method)
{
  const char *dot = strchr (method, '.');
  g_autofree char *class_name = NULL;
  const LagoonSchemaClass *klass;
  const LagoonSchemaMessage *msg;

  if (dot == NULL)
    return TRUE;
  class_name = g_strndup (method, dot - method);
  klass = lagoon_schema_find_class (class_name);
  msg = klass != NULL ? lagoon_schema_find_message (klass, dot + 1) : NULL;
  return msg == NULL || (msg->flags & LAGOON_MESSAGE_ASYNC) != 0;
}

static void
sync_call_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TaskWatch *w = g_task_get_task_data (task);
  GError *error = NULL;
  GVariant *value = lagoon_connection_call_finish (LAGOON_CONNECTION (source), result, &error);

  w->done = TRUE;
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  lagoon_action_set_progress (w->self, w->to);
  g_task_return_pointer (task, value, (GDestroyNotify) g_variant_unref);
}

void
lagoon_action_run_task_async (LagoonAction        *self,
                              const char          *method,
                              GVariant            *args,
                              double               from,
                              double               to,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  LagoonActionPrivate *priv = lagoon_action_get_instance_private (self);
  g_autoptr(GTask) task = NULL;
  g_autofree char *wire = NULL;
  TaskWatch *w;

  g_return_if_fail (LAGOON_IS_ACTION (self));
  g_return_if_fail (method != NULL);

  w = g_new0 (TaskWatch, 1);
  w->self = self;
  w->method = g_strdup (method);
  w->args = args ? g_variant_ref_sink (args) : NULL;
  w->from = from;
  w->to = to;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lagoon_action_run_task_async);
  g_task_set_task_data (task, w, (GDestroyNotify) task_watch_free);

  /* Session-only messages (setters and the like) are one plain call. */
  if (!method_is_async (method))
    {
      lagoon_connection_call_async (priv->connection, method, w->args, cancellable,
                                    sync_call_done, g_object_ref (task));
      return;
    }

  wire = g_strconcat ("Async.", method, NULL);
  lagoon_connection_call_async (priv->connection, wire, w->args, cancellable, async_call_done,
                                g_object_ref (task));
}

GVariant *
lagoon_action_run_task_finish (LagoonAction  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the action --------------------------------------------------------------------------- */

static void
default_run_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GVariant *value = lagoon_action_run_task_finish (LAGOON_ACTION (source), result, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, value, (GDestroyNotify) g_variant_unref);
}

static void run_next_call (LagoonAction *self,
                           GTask        *task);

static void
call_step_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LagoonAction *self = LAGOON_ACTION (source);
  GError *error = NULL;
  GVariant *value = lagoon_action_run_task_finish (self, result, &error);

  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (PRIV (self)->next_call >= PRIV (self)->calls->len)
    {
      g_task_return_pointer (task, value, (GDestroyNotify) g_variant_unref);
      return;
    }
  g_clear_pointer (&value, g_variant_unref);
  run_next_call (self, task);
}

static void
run_next_call (LagoonAction *self,
               GTask        *task)
{
  LagoonActionPrivate *priv = PRIV (self);
  guint i = priv->next_call++;
  Call *call = g_ptr_array_index (priv->calls, i);
  double n = priv->calls->len;

  lagoon_action_run_task_async (self, call->method, call->args, i / n, (i + 1) / n,
                                g_task_get_cancellable (task), call_step_done,
                                g_object_ref (task));
}

static void
lagoon_action_real_run (LagoonAction *self,
                        GTask        *task)
{
  LagoonActionPrivate *priv = lagoon_action_get_instance_private (self);

  if (priv->calls != NULL && priv->calls->len > 0)
    {
      priv->next_call = 0;
      run_next_call (self, task);
      return;
    }
  if (priv->method == NULL)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  /* run_task_async takes its own reference (ref_sink), as every GVariant argument here. */
  lagoon_action_run_task_async (self, priv->method, priv->args, 0.0, 1.0,
                                g_task_get_cancellable (task), default_run_done,
                                g_object_ref (task));
}

static void
run_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  LagoonAction *self = LAGOON_ACTION (source);
  LagoonActionPrivate *priv = lagoon_action_get_instance_private (self);
  GError *error = NULL;

  priv->result = g_task_propagate_pointer (G_TASK (result), &error);
  priv->finished = g_get_real_time ();
  set_can_cancel (self, FALSE);
  if (error == NULL)
    {
      lagoon_action_set_progress (self, 1.0);
      set_state (self, LAGOON_ACTION_SUCCEEDED);
    }
  else
    {
      priv->error = error;
      set_state (self, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                         ? LAGOON_ACTION_CANCELLED : LAGOON_ACTION_FAILED);
    }
  g_signal_emit (self, signals[FINISHED], 0);
  g_object_unref (self);
}

void
lagoon_action_start (LagoonAction *self)
{
  LagoonActionPrivate *priv = lagoon_action_get_instance_private (self);
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (LAGOON_IS_ACTION (self));
  g_return_if_fail (priv->state == LAGOON_ACTION_QUEUED);

  priv->started = g_get_real_time ();
  set_state (self, LAGOON_ACTION_RUNNING);

  /* The action keeps itself alive until it has finished. */
  task = g_task_new (g_object_ref (self), priv->cancellable, run_done, NULL);
  g_task_set_source_tag (task, lagoon_action_start);
  LAGOON_ACTION_GET_CLASS (self)->run (self, task);
}

void
lagoon_action_cancel (LagoonAction *self)
{
  LagoonActionPrivate *priv = lagoon_action_get_instance_private (self);

  g_return_if_fail (LAGOON_IS_ACTION (self));

  if (lagoon_action_is_finished (self) || g_cancellable_is_cancelled (priv->cancellable))
    return;
  if (priv->state == LAGOON_ACTION_RUNNING)
    set_state (self, LAGOON_ACTION_CANCELLING);
  g_cancellable_cancel (priv->cancellable);
}

static void
lagoon_action_dispose (GObject *object)
{
  LagoonActionPrivate *priv = lagoon_action_get_instance_private (LAGOON_ACTION (object));

  g_clear_object (&priv->connection);
  g_clear_object (&priv->cancellable);
  G_OBJECT_CLASS (lagoon_action_parent_class)->dispose (object);
}

static void
lagoon_action_finalize (GObject *object)
{
  LagoonActionPrivate *priv = lagoon_action_get_instance_private (LAGOON_ACTION (object));

  g_free (priv->title);
  g_free (priv->description);
  g_free (priv->method);
  g_clear_pointer (&priv->args, g_variant_unref);
  g_strfreev (priv->objects);
  g_clear_error (&priv->error);
  g_clear_pointer (&priv->result, g_variant_unref);
  g_clear_pointer (&priv->calls, g_ptr_array_unref);
  G_OBJECT_CLASS (lagoon_action_parent_class)->finalize (object);
}

static void
lagoon_action_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  LagoonAction *self = LAGOON_ACTION (object);
  LagoonActionPrivate *priv = lagoon_action_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, priv->connection);
      break;
    case PROP_TITLE:
      g_value_set_string (value, priv->title);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, priv->description);
      break;
    case PROP_STATE:
      g_value_set_int (value, priv->state);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, priv->progress);
      break;
    case PROP_CAN_CANCEL:
      g_value_set_boolean (value, priv->can_cancel);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lagoon_action_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  LagoonActionPrivate *priv = lagoon_action_get_instance_private (LAGOON_ACTION (object));

  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_set_object (&priv->connection, g_value_get_object (value));
      break;
    case PROP_TITLE:
      g_free (priv->title);
      priv->title = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lagoon_action_class_init (LagoonActionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lagoon_action_dispose;
  object_class->finalize = lagoon_action_finalize;
  object_class->get_property = lagoon_action_get_property;
  object_class->set_property = lagoon_action_set_property;
  klass->run = lagoon_action_real_run;

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, LAGOON_TYPE_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, LAGOON_ACTION_QUEUED, LAGOON_ACTION_CANCELLED,
                      LAGOON_ACTION_QUEUED,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, 0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_CANCEL] =
    g_param_spec_boolean ("can-cancel", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
lagoon_action_init (LagoonAction *self)
{
  LagoonActionPrivate *priv = lagoon_action_get_instance_private (self);

  priv->cancellable = g_cancellable_new ();
}

LagoonAction *
lagoon_action_new (LagoonConnection *connection,
                   const char       *title,
                   const char       *method,
                   GVariant         *args)
{
  LagoonAction *self;
  LagoonActionPrivate *priv;

  g_return_val_if_fail (LAGOON_IS_CONNECTION (connection), NULL);
  g_return_val_if_fail (title != NULL, NULL);

  self = g_object_new (LAGOON_TYPE_ACTION, "connection", connection, "title", title, NULL);
  priv = lagoon_action_get_instance_private (self);
  priv->method = g_strdup (method);
  priv->args = args ? g_variant_ref_sink (args) : NULL;
  return self;
}

void
lagoon_action_add_call (LagoonAction *self,
                        const char   *method,
                        GVariant     *args)
{
  LagoonActionPrivate *priv;
  Call *call;

  g_return_if_fail (LAGOON_IS_ACTION (self));
  g_return_if_fail (method != NULL);

  priv = PRIV (self);
  g_return_if_fail (priv->state == LAGOON_ACTION_QUEUED && priv->started == 0);
  if (priv->calls == NULL)
    priv->calls = g_ptr_array_new_with_free_func (call_free);
  call = g_new0 (Call, 1);
  call->method = g_strdup (method);
  call->args = args != NULL ? g_variant_ref_sink (args) : NULL;
  g_ptr_array_add (priv->calls, call);
}

LagoonConnection *
lagoon_action_get_connection (LagoonAction *self)
{
  g_return_val_if_fail (LAGOON_IS_ACTION (self), NULL);
  return PRIV (self)->connection;
}

const char *
lagoon_action_get_title (LagoonAction *self)
{
  g_return_val_if_fail (LAGOON_IS_ACTION (self), NULL);
  return PRIV (self)->title;
}

const char *
lagoon_action_get_description (LagoonAction *self)
{
  g_return_val_if_fail (LAGOON_IS_ACTION (self), NULL);
  return PRIV (self)->description;
}

void
lagoon_action_set_description (LagoonAction *self,
                               const char   *description)
{
  LagoonActionPrivate *priv;

  g_return_if_fail (LAGOON_IS_ACTION (self));
  priv = PRIV (self);
  if (g_strcmp0 (priv->description, description) == 0)
    return;
  g_free (priv->description);
  priv->description = g_strdup (description);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
}

void
lagoon_action_set_objects (LagoonAction       *self,
                           const char * const *refs)
{
  g_return_if_fail (LAGOON_IS_ACTION (self));
  g_strfreev (PRIV (self)->objects);
  PRIV (self)->objects = g_strdupv ((char **) refs);
}

const char * const *
lagoon_action_get_objects (LagoonAction *self)
{
  g_return_val_if_fail (LAGOON_IS_ACTION (self), NULL);
  return (const char * const *) PRIV (self)->objects;
}

LagoonActionState
lagoon_action_get_state (LagoonAction *self)
{
  g_return_val_if_fail (LAGOON_IS_ACTION (self), LAGOON_ACTION_FAILED);
  return PRIV (self)->state;
}

gboolean
lagoon_action_is_finished (LagoonAction *self)
{
  LagoonActionState s;

  g_return_val_if_fail (LAGOON_IS_ACTION (self), TRUE);
  s = PRIV (self)->state;
  return s == LAGOON_ACTION_SUCCEEDED || s == LAGOON_ACTION_FAILED || s == LAGOON_ACTION_CANCELLED;
}

double
lagoon_action_get_progress (LagoonAction *self)
{
  g_return_val_if_fail (LAGOON_IS_ACTION (self), 0.0);
  return PRIV (self)->progress;
}

const GError *
lagoon_action_get_error (LagoonAction *self)
{
  g_return_val_if_fail (LAGOON_IS_ACTION (self), NULL);
  return PRIV (self)->error;
}

GVariant *
lagoon_action_get_result (LagoonAction *self)
{
  g_return_val_if_fail (LAGOON_IS_ACTION (self), NULL);
  return PRIV (self)->result;
}

gint64
lagoon_action_get_started (LagoonAction *self)
{
  g_return_val_if_fail (LAGOON_IS_ACTION (self), 0);
  return PRIV (self)->started;
}

gint64
lagoon_action_get_finished (LagoonAction *self)
{
  g_return_val_if_fail (LAGOON_IS_ACTION (self), 0);
  return PRIV (self)->finished;
}

gboolean
lagoon_action_get_can_cancel (LagoonAction *self)
{
  g_return_val_if_fail (LAGOON_IS_ACTION (self), FALSE);
  return PRIV (self)->can_cancel && !lagoon_action_is_finished (self);
}

GCancellable *
lagoon_action_get_cancellable (LagoonAction *self)
{
  g_return_val_if_fail (LAGOON_IS_ACTION (self), NULL);
  return PRIV (self)->cancellable;
}
