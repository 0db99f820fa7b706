/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-commands"

#include "config.h"

#include <glib/gi18n.h>

#include "lagoon-action.h"
#include "lagoon-application.h"
#include "lagoon-commands.h"

typedef struct
{
  const char *name;       /* action name */
  const char *title;      /* the Events pane's title (translatable) */
  const char *method;     /* Class.message, run through Async.* */
  const char *operation;  /* the allowed_operations entry that enables it */
  gboolean    two_bools;  /* VM.start and VM.resume take (ref, start_paused, force) */
} Command;

static const Command vm_commands[] = {
  { "vm-start", N_("Start VM"), "VM.start", "start", TRUE },
  { "vm-shutdown", N_("Shut down VM"), "VM.clean_shutdown", "clean_shutdown", FALSE },
  { "vm-reboot", N_("Reboot VM"), "VM.clean_reboot", "clean_reboot", FALSE },
  { "vm-suspend", N_("Suspend VM"), "VM.suspend", "suspend", FALSE },
  { "vm-resume", N_("Resume VM"), "VM.resume", "resume", TRUE },
};

/* What a command acts on, kept on the GAction (the window's selection when last updated). */
typedef struct
{
  LagoonServer *server;
  char         *ref;
  char         *reason;
} Target;

static void
target_free (gpointer data)
{
  Target *target = data;

  g_clear_object (&target->server);
  g_free (target->ref);
  g_free (target->reason);
  g_free (target);
}

static const Command *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (vm_commands); i++)
    if (g_strcmp0 (vm_commands[i].name, name) == 0)
      return &vm_commands[i];
  return NULL;
}

static void
command_activate (GSimpleAction *simple,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  const Command *command = find_command (g_action_get_name (G_ACTION (simple)));
  Target *target = g_object_get_data (G_OBJECT (simple), "lagoon-target");
  GApplication *application = g_application_get_default ();
  g_autoptr(LagoonAction) action = NULL;
  const char *objects[2] = { NULL, NULL };
  GVariant *args;

  if (command == NULL || target == NULL || target->server == NULL || target->ref == NULL ||
      !LAGOON_IS_APPLICATION (application))
    return;

  args = command->two_bools ? g_variant_new ("(sbb)", target->ref, FALSE, FALSE)
                            : g_variant_new ("(s)", target->ref);
  action = lagoon_action_new (lagoon_server_get_connection (target->server),
                              _(command->title), command->method, args);
  objects[0] = target->ref;
  lagoon_action_set_objects (action, objects);
  lagoon_application_run_action (LAGOON_APPLICATION (application), action);
}

void
lagoon_commands_add (GActionMap *map)
{
  g_return_if_fail (G_IS_ACTION_MAP (map));

  for (guint i = 0; i < G_N_ELEMENTS (vm_commands); i++)
    {
      g_autoptr(GSimpleAction) action = g_simple_action_new (vm_commands[i].name, NULL);

      g_simple_action_set_enabled (action, FALSE);
      g_object_set_data_full (G_OBJECT (action), "lagoon-target", g_new0 (Target, 1),
                              target_free);
      g_signal_connect (action, "activate", G_CALLBACK (command_activate), NULL);
      g_action_map_add_action (map, G_ACTION (action));
    }
}

/* Whether @command can run on @rec; if not, why (a sentence). */
static gboolean
can_execute (const Command      *command,
             const LagoonRecord *rec,
             char              **reason)
{
  const char *power;

  if (rec == NULL || lagoon_record_get_class_id (rec) != LAGOON_CLASS_VM)
    {
      *reason = g_strdup (_("Select a VM first."));
      return FALSE;
    }
  if (lagoon_record_get_bool (rec, LAGOON_VM_IS_A_SNAPSHOT))
    {
      *reason = g_strdup (_("Snapshots cannot be started or stopped."));
      return FALSE;
    }
  if (lagoon_record_get_bool (rec, LAGOON_VM_IS_A_TEMPLATE))
    {
      *reason = g_strdup (_("Templates cannot be started or stopped."));
      return FALSE;
    }
  if (lagoon_record_set_contains (rec, LAGOON_VM_ALLOWED_OPERATIONS, command->operation))
    return TRUE;

  power = lagoon_record_get_enum_string (rec, LAGOON_VM_POWER_STATE);
  if (lagoon_record_get_map (rec, LAGOON_VM_CURRENT_OPERATIONS, NULL)[0] != NULL)
    *reason = g_strdup (_("Another operation is in progress on this VM."));
  else
    /* Translators: %s is a power state: Running, Halted, Suspended, Paused */
    *reason = g_strdup_printf (_("Not possible while the VM is %s."),
                               power != NULL ? power : _("in an unknown state"));
  return FALSE;
}

void
lagoon_commands_update (GActionMap   *map,
                        LagoonServer *server,
                        int           class_id,
                        const char   *ref)
{
  const LagoonRecord *rec = NULL;

  g_return_if_fail (G_IS_ACTION_MAP (map));

  if (server != NULL && ref != NULL)
    {
      LagoonConnection *connection = lagoon_server_get_connection (server);

      if (lagoon_connection_get_state (connection) == LAGOON_CONNECTION_CONNECTED)
        rec = lagoon_cache_lookup (lagoon_connection_get_cache (connection),
                                   class_id >= 0 ? (LagoonClassId) class_id : LAGOON_CLASS_VM,
                                   ref);
    }

  for (guint i = 0; i < G_N_ELEMENTS (vm_commands); i++)
    {
      GAction *action = g_action_map_lookup_action (map, vm_commands[i].name);
      Target *target = action != NULL ? g_object_get_data (G_OBJECT (action), "lagoon-target")
                                      : NULL;
      g_autofree char *reason = NULL;
      gboolean enabled;

      if (target == NULL)
        continue;

      enabled = can_execute (&vm_commands[i], rec, &reason);
      g_set_object (&target->server, server);
      g_free (target->ref);
      target->ref = g_strdup (ref);
      g_free (target->reason);
      target->reason = g_steal_pointer (&reason);
      g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
    }
}

const char *
lagoon_commands_get_reason (GActionMap *map,
                            const char *name)
{
  GAction *action;
  Target *target;

  g_return_val_if_fail (G_IS_ACTION_MAP (map), NULL);

  action = g_action_map_lookup_action (map, name);
  target = action != NULL ? g_object_get_data (G_OBJECT (action), "lagoon-target") : NULL;
  if (target == NULL || g_action_get_enabled (action))
    return NULL;
  return target->reason;
}
