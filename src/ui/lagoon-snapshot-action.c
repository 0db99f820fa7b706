/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-snapshot-action"

#include "config.h"

#include <glib/gi18n.h>

#include "lagoon-snapshot-action.h"

struct _LagoonSnapshotAction
{
  LagoonAction            parent_instance;

  char                   *method;
  char                   *source_ref;
  char                   *name;
  char                   *description;
  LagoonSnapshotTemplate  make_template;

  /* Set by the first step; the others finish that VM. */
  char                   *new_ref;
  guint                   step;
  /* What VM.get_is_a_template said of it. */
  gboolean                is_template;
};

G_DEFINE_FINAL_TYPE (LagoonSnapshotAction, lagoon_snapshot_action, LAGOON_TYPE_ACTION)

static void run_step (LagoonSnapshotAction *self,
                      GTask                *task);

/* The ref in a task result: a string, possibly boxed in a variant. */
static char *
result_ref (GVariant *value)
{
  g_autoptr(GVariant) inner = NULL;

  if (value == NULL)
    return NULL;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    value = inner = g_variant_get_variant (value);
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) ||
      !g_str_has_prefix (g_variant_get_string (value, NULL), "OpaqueRef:"))
    return NULL;
  return g_variant_dup_string (value, NULL);
}

static void
step_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LagoonSnapshotAction *self = LAGOON_SNAPSHOT_ACTION (source);
  GError *error = NULL;
  g_autoptr(GVariant) value = lagoon_action_run_task_finish (LAGOON_ACTION (self), result,
                                                             &error);

  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (self->step == 3 && value != NULL)
    {
      g_autoptr(GVariant) inner = g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT)
                                    ? g_variant_get_variant (value) : g_variant_ref (value);

      self->is_template = g_variant_is_of_type (inner, G_VARIANT_TYPE_BOOLEAN) &&
                          g_variant_get_boolean (inner);
    }
  if (self->new_ref == NULL)
    {
      self->new_ref = result_ref (value);
      if (self->new_ref == NULL)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s",
                                   _("The server did not say which VM it made."));
          return;
        }
    }
  run_step (self, task);
}

/* Step 0 makes the VM; the next ones (those that apply) finish it; then its ref is returned. */
static void
run_step (LagoonSnapshotAction *self,
          GTask                *task)
{
  LagoonAction *action = LAGOON_ACTION (self);
  GCancellable *cancellable = g_task_get_cancellable (task);

  for (;;)
    {
      switch (self->step++)
        {
        case 0:
          lagoon_action_run_task_async (action, self->method,
                                        g_variant_new ("(ss)", self->source_ref, self->name),
                                        0.0, 0.85, cancellable, step_done, g_object_ref (task));
          return;

        case 1:
          if (self->description == NULL || self->description[0] == '\0')
            break;
          lagoon_action_run_task_async (action, "VM.set_name_description",
                                        g_variant_new ("(ss)", self->new_ref, self->description),
                                        0.85, 0.9, cancellable, step_done, g_object_ref (task));
          return;

        case 2:
          /* xapi refuses to make a template of a template: ask first. */
          if (self->make_template == LAGOON_SNAPSHOT_TEMPLATE_KEEP)
            break;
          lagoon_action_run_task_async (action, "VM.get_is_a_template",
                                        g_variant_new ("(s)", self->new_ref),
                                        0.9, 0.92, cancellable, step_done, g_object_ref (task));
          return;

        case 3:
          if (self->make_template == LAGOON_SNAPSHOT_TEMPLATE_KEEP ||
              self->is_template == (self->make_template == LAGOON_SNAPSHOT_TEMPLATE_YES))
            break;
          lagoon_action_run_task_async (action, "VM.set_is_a_template",
                                        g_variant_new ("(sb)", self->new_ref,
                                                       self->make_template ==
                                                         LAGOON_SNAPSHOT_TEMPLATE_YES),
                                        0.92, 0.95, cancellable, step_done, g_object_ref (task));
          return;

        case 4:
          if (self->make_template != LAGOON_SNAPSHOT_TEMPLATE_YES)
            break;
          lagoon_action_run_task_async (action, "VM.add_to_other_config",
                                        g_variant_new ("(sss)", self->new_ref, "instant", "true"),
                                        0.95, 1.0, cancellable, step_done, g_object_ref (task));
          return;

        default:
          g_task_return_pointer (task, g_variant_ref_sink (g_variant_new_string (self->new_ref)),
                                 (GDestroyNotify) g_variant_unref);
          return;
        }
    }
}

static void
lagoon_snapshot_action_run (LagoonAction *action,
                            GTask        *task)
{
  LagoonSnapshotAction *self = LAGOON_SNAPSHOT_ACTION (action);

  self->step = 0;
  g_clear_pointer (&self->new_ref, g_free);
  run_step (self, task);
}

static void
lagoon_snapshot_action_finalize (GObject *object)
{
  LagoonSnapshotAction *self = LAGOON_SNAPSHOT_ACTION (object);

  g_free (self->method);
  g_free (self->source_ref);
  g_free (self->name);
  g_free (self->description);
  g_free (self->new_ref);

  G_OBJECT_CLASS (lagoon_snapshot_action_parent_class)->finalize (object);
}

static void
lagoon_snapshot_action_class_init (LagoonSnapshotActionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  LagoonActionClass *action_class = LAGOON_ACTION_CLASS (klass);

  object_class->finalize = lagoon_snapshot_action_finalize;
  action_class->run = lagoon_snapshot_action_run;
}

static void
lagoon_snapshot_action_init (LagoonSnapshotAction *self)
{
}

LagoonAction *
lagoon_snapshot_action_new (LagoonConnection       *connection,
                            const char             *title,
                            const char             *method,
                            const char             *source_ref,
                            const char             *name,
                            const char             *description,
                            LagoonSnapshotTemplate  make_template)
{
  LagoonSnapshotAction *self;
  const char *objects[2] = { source_ref, NULL };

  g_return_val_if_fail (LAGOON_IS_CONNECTION (connection), NULL);
  g_return_val_if_fail (title != NULL && method != NULL, NULL);
  g_return_val_if_fail (source_ref != NULL && name != NULL, NULL);

  self = g_object_new (LAGOON_TYPE_SNAPSHOT_ACTION,
                       "connection", connection,
                       "title", title,
                       NULL);
  self->method = g_strdup (method);
  self->source_ref = g_strdup (source_ref);
  self->name = g_strdup (name);
  self->description = g_strdup (description);
  self->make_template = make_template;
  lagoon_action_set_objects (LAGOON_ACTION (self), objects);
  return LAGOON_ACTION (self);
}
