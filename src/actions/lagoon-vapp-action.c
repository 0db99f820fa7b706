/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-vapp-action"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "lagoon-vapp-action.h"

typedef struct
{
  char                *method;
  GVariant            *args;
  LagoonVappStepFlags  flags;
} Step;

struct _LagoonVappAction
{
  LagoonAction  parent_instance;

  GPtrArray    *steps;
  GPtrArray    *done;     /* method names, NULL-terminated */
  char         *new_ref;
  guint         next;
  GTask        *task;     /* the running action's task */
};

G_DEFINE_FINAL_TYPE (LagoonVappAction, lagoon_vapp_action, LAGOON_TYPE_ACTION)

static void
step_free (gpointer data)
{
  Step *step = data;

  g_free (step->method);
  g_clear_pointer (&step->args, g_variant_unref);
  g_free (step);
}

/* The step's arguments with the placeholder replaced by the new object's ref. */
static GVariant *
step_args (LagoonVappAction *self,
           Step             *step)
{
  GVariantBuilder builder;
  gsize n;

  if (step->args == NULL)
    return g_variant_new ("()");

  n = g_variant_n_children (step->args);
  g_variant_builder_init (&builder, G_VARIANT_TYPE_TUPLE);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (step->args, i);

      if (g_variant_is_of_type (child, G_VARIANT_TYPE_STRING) &&
          g_strcmp0 (g_variant_get_string (child, NULL), LAGOON_VAPP_ACTION_NEW_REF) == 0)
        g_variant_builder_add (&builder, "s", self->new_ref != NULL ? self->new_ref : "");
      else
        g_variant_builder_add_value (&builder, child);
    }
  return g_variant_builder_end (&builder);
}

static void run_next (LagoonVappAction *self);

static void
step_finished (LagoonVappAction *self,
               GVariant         *result,
               GError           *error)
{
  Step *step = g_ptr_array_index (self->steps, self->next);
  g_autoptr(GTask) task = NULL;

  if (error != NULL)
    {
      task = g_steal_pointer (&self->task);
      g_prefix_error (&error, "%s: ", step->method);
      g_task_return_error (task, error);
      return;
    }

  g_ptr_array_insert (self->done, (int) self->done->len - 1, g_strdup (step->method));
  if ((step->flags & LAGOON_VAPP_STEP_CREATE) != 0 && self->new_ref == NULL && result != NULL &&
      g_variant_is_of_type (result, G_VARIANT_TYPE_STRING))
    self->new_ref = g_variant_dup_string (result, NULL);
  if ((step->flags & LAGOON_VAPP_STEP_CREATE) != 0 && self->new_ref == NULL)
    {
      task = g_steal_pointer (&self->task);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               _("%s did not return the new object"), step->method);
      return;
    }

  self->next++;
  lagoon_action_set_progress (LAGOON_ACTION (self), (double) self->next / self->steps->len);
  run_next (self);
}

static void
call_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(LagoonVappAction) self = user_data;
  GError *error = NULL;
  g_autoptr(GVariant) value = lagoon_connection_call_finish (LAGOON_CONNECTION (source), result,
                                                             &error);

  step_finished (self, value, error);
}

static void
task_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  LagoonVappAction *self = LAGOON_VAPP_ACTION (source);
  GError *error = NULL;
  g_autoptr(GVariant) value = lagoon_action_run_task_finish (LAGOON_ACTION (self), result,
                                                             &error);

  step_finished (self, value, error);
}

static void
run_next (LagoonVappAction *self)
{
  LagoonAction *action = LAGOON_ACTION (self);
  GCancellable *cancellable = g_task_get_cancellable (self->task);
  Step *step;
  GVariant *args;

  if (g_cancellable_is_cancelled (cancellable))
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->task);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
      return;
    }
  if (self->next >= self->steps->len)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->task);
      g_task_return_pointer (task,
                             self->new_ref != NULL ? g_variant_ref_sink (g_variant_new_string (
                                                                           self->new_ref))
                                                   : NULL,
                             (GDestroyNotify) g_variant_unref);
      return;
    }

  step = g_ptr_array_index (self->steps, self->next);
  args = step_args (self, step);
  g_debug ("step %u/%u: %s", self->next + 1, self->steps->len, step->method);
  if ((step->flags & LAGOON_VAPP_STEP_TASK) != 0)
    {
      double from = (double) self->next / self->steps->len;
      double to = (double) (self->next + 1) / self->steps->len;

      lagoon_action_run_task_async (action, step->method, args, from, to, cancellable,
                                    task_done, NULL);
    }
  else
    lagoon_connection_call_async (lagoon_action_get_connection (action), step->method, args,
                                  cancellable, call_done, g_object_ref (self));
}

static void
lagoon_vapp_action_run (LagoonAction *action,
                        GTask        *task)
{
  LagoonVappAction *self = LAGOON_VAPP_ACTION (action);

  self->task = g_object_ref (task);
  self->next = 0;
  run_next (self);
}

static void
lagoon_vapp_action_finalize (GObject *object)
{
  LagoonVappAction *self = LAGOON_VAPP_ACTION (object);

  g_ptr_array_unref (self->steps);
  g_ptr_array_unref (self->done);
  g_free (self->new_ref);
  g_clear_object (&self->task);
  G_OBJECT_CLASS (lagoon_vapp_action_parent_class)->finalize (object);
}

static void
lagoon_vapp_action_class_init (LagoonVappActionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lagoon_vapp_action_finalize;
  LAGOON_ACTION_CLASS (klass)->run = lagoon_vapp_action_run;
}

static void
lagoon_vapp_action_init (LagoonVappAction *self)
{
  self->steps = g_ptr_array_new_with_free_func (step_free);
  self->done = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->done, NULL);
}

LagoonVappAction *
lagoon_vapp_action_new (LagoonConnection *connection,
                        const char       *title)
{
  g_return_val_if_fail (LAGOON_IS_CONNECTION (connection), NULL);
  g_return_val_if_fail (title != NULL, NULL);

  return g_object_new (LAGOON_TYPE_VAPP_ACTION, "connection", connection, "title", title, NULL);
}

void
lagoon_vapp_action_add_step (LagoonVappAction    *self,
                             const char          *method,
                             GVariant            *args,
                             LagoonVappStepFlags  flags)
{
  Step *step;

  g_return_if_fail (LAGOON_IS_VAPP_ACTION (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (args == NULL || g_variant_is_of_type (args, G_VARIANT_TYPE_TUPLE));

  step = g_new0 (Step, 1);
  step->method = g_strdup (method);
  step->args = args != NULL ? g_variant_ref_sink (args) : NULL;
  step->flags = flags;
  g_ptr_array_add (self->steps, step);
}

guint
lagoon_vapp_action_get_n_steps (LagoonVappAction *self)
{
  g_return_val_if_fail (LAGOON_IS_VAPP_ACTION (self), 0);
  return self->steps->len;
}

const char *
lagoon_vapp_action_get_new_ref (LagoonVappAction *self)
{
  g_return_val_if_fail (LAGOON_IS_VAPP_ACTION (self), NULL);
  return self->new_ref;
}

const char * const *
lagoon_vapp_action_get_done (LagoonVappAction *self)
{
  g_return_val_if_fail (LAGOON_IS_VAPP_ACTION (self), NULL);
  return (const char * const *) self->done->pdata;
}
