/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-commands"

#include "config.h"

#include <glib/gi18n.h>

#include "lagoon-action.h"
#include "lagoon-application.h"
#include "lagoon-commands.h"
#include "lagoon-copy-vm-dialog.h"
#include "lagoon-delete-vm-dialog.h"
#include "lagoon-page-util.h"
#include "lagoon-properties-dialog.h"
#include "lagoon-xenapi-error.h"

typedef struct _Command Command;

/* Extra conditions beyond allowed_operations; on FALSE, sets @reason. */
typedef gboolean (*CheckFunc) (const Command      *command,
                               LagoonCache        *cache,
                               const LagoonRecord *rec,
                               char              **reason);
/* Builds the calls of the action (or runs a dialog, returning NULL). */
typedef LagoonAction *(*BuildFunc) (const Command      *command,
                                    GtkWindow          *parent,
                                    LagoonConnection   *connection,
                                    const LagoonRecord *rec,
                                    const char         *parameter);

typedef enum {
  ARGS_REF,       /* (ref) */
  ARGS_REF_BB,    /* (ref, start_paused, force) for VM.start and VM.resume */
} Args;

struct _Command
{
  const char    *name;        /* action name, "win." + name */
  LagoonClassId  class_id;    /* what it acts on */
  const char    *title;       /* the Events pane's title (translatable) */
  const char    *method;      /* simple commands: Class.message */
  Args           args;
  const char    *operation;   /* the allowed_operations entry that enables it, or NULL */
  CheckFunc      check;
  BuildFunc      build;
  const char    *confirm;     /* a question with %s for the object's name, or NULL */
  const char    *confirm_detail;
  const char    *confirm_button;
  gboolean       parameter;   /* takes a ref as string parameter (a host) */
};

/* ---- checks ------------------------------------------------------------------------------ */

static gboolean
check_vm (const Command      *command,
          LagoonCache        *cache,
          const LagoonRecord *rec,
          char              **reason)
{
  if (lagoon_record_get_bool (rec, LAGOON_VM_IS_A_SNAPSHOT))
    {
      *reason = g_strdup (_("Not possible on a snapshot."));
      return FALSE;
    }
  if (lagoon_record_get_bool (rec, LAGOON_VM_IS_A_TEMPLATE))
    {
      *reason = g_strdup (_("Not possible on a template."));
      return FALSE;
    }
  if (lagoon_record_get_bool (rec, LAGOON_VM_IS_CONTROL_DOMAIN))
    {
      *reason = g_strdup (_("Not possible on a server's control domain."));
      return FALSE;
    }
  return TRUE;
}

/* Hosts of the pool other than the VM's own, for Migrate. */
static gboolean
check_vm_migrate (const Command      *command,
                  LagoonCache        *cache,
                  const LagoonRecord *rec,
                  char              **reason)
{
  if (!check_vm (command, cache, rec, reason))
    return FALSE;
  if (lagoon_cache_get_n_records (cache, LAGOON_CLASS_HOST) < 2)
    {
      *reason = g_strdup (_("The pool has only one server."));
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_host_enabled (const Command      *command,
                    LagoonCache        *cache,
                    const LagoonRecord *rec,
                    char              **reason)
{
  if (!lagoon_record_get_bool (rec, LAGOON_HOST_ENABLED))
    {
      *reason = g_strdup (_("The server is already in maintenance mode."));
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_host_disabled (const Command      *command,
                     LagoonCache        *cache,
                     const LagoonRecord *rec,
                     char              **reason)
{
  if (lagoon_record_get_bool (rec, LAGOON_HOST_ENABLED))
    {
      *reason = g_strdup (_("The server is not in maintenance mode."));
      return FALSE;
    }
  return TRUE;
}

/* Counts the SR's PBDs that are attached and those that are not. */
static void
count_pbds (LagoonCache        *cache,
            const LagoonRecord *sr,
            guint              *plugged,
            guint              *unplugged)
{
  guint n = 0;
  const char * const *pbds = lagoon_record_get_set (sr, LAGOON_SR_PBDS, &n);

  *plugged = *unplugged = 0;
  for (guint i = 0; i < n; i++)
    {
      const LagoonRecord *pbd = lagoon_cache_lookup (cache, LAGOON_CLASS_PBD, pbds[i]);

      if (pbd == NULL)
        continue;
      if (lagoon_record_get_bool (pbd, LAGOON_PBD_CURRENTLY_ATTACHED))
        (*plugged)++;
      else
        (*unplugged)++;
    }
}

static gboolean
check_sr_broken (const Command      *command,
                 LagoonCache        *cache,
                 const LagoonRecord *rec,
                 char              **reason)
{
  guint plugged, unplugged;

  count_pbds (cache, rec, &plugged, &unplugged);
  if (unplugged == 0)
    {
      *reason = g_strdup (_("The storage is attached to every server that uses it."));
      return FALSE;
    }
  return TRUE;
}

/* Whether a running VM has a disk of the SR attached (xapi then refuses to unplug it). */
static gboolean
sr_in_use (LagoonCache        *cache,
           const LagoonRecord *sr)
{
  guint n = 0;
  const char * const *vdis = lagoon_record_get_set (sr, LAGOON_SR_VDIS, &n);

  for (guint i = 0; i < n; i++)
    {
      const LagoonRecord *vdi = lagoon_cache_lookup (cache, LAGOON_CLASS_VDI, vdis[i]);
      guint n_vbds = 0;
      const char * const *vbds = vdi != NULL ? lagoon_record_get_set (vdi, LAGOON_VDI_VBDS, &n_vbds)
                                             : NULL;

      for (guint k = 0; k < n_vbds; k++)
        {
          const LagoonRecord *vbd = lagoon_cache_lookup (cache, LAGOON_CLASS_VBD, vbds[k]);

          if (vbd != NULL && lagoon_record_get_bool (vbd, LAGOON_VBD_CURRENTLY_ATTACHED))
            return TRUE;
        }
    }
  return FALSE;
}

static gboolean
check_sr_attached (const Command      *command,
                   LagoonCache        *cache,
                   const LagoonRecord *rec,
                   char              **reason)
{
  guint plugged, unplugged;

  count_pbds (cache, rec, &plugged, &unplugged);
  if (plugged == 0)
    {
      *reason = g_strdup (_("The storage is already detached."));
      return FALSE;
    }
  if (sr_in_use (cache, rec))
    {
      *reason = g_strdup (_("Running VMs use disks on this storage. Shut them down, or move "
                            "their disks, first."));
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_sr_detached (const Command      *command,
                   LagoonCache        *cache,
                   const LagoonRecord *rec,
                   char              **reason)
{
  guint plugged, unplugged;

  count_pbds (cache, rec, &plugged, &unplugged);
  if (plugged > 0)
    {
      *reason = g_strdup (_("Detach the storage first."));
      return FALSE;
    }
  return TRUE;
}

/* ---- builders ---------------------------------------------------------------------------- */

/*
 * Maintenance mode, host reboot and shutdown: no new VMs (host.disable), move the running ones
 * away (host.evacuate), then the operation. When the evacuation fails, the host is enabled
 * again, as it was, and the action fails with the evacuation's error.
 */
#define LAGOON_TYPE_EVACUATE_ACTION (lagoon_evacuate_action_get_type ())
G_DECLARE_FINAL_TYPE (LagoonEvacuateAction, lagoon_evacuate_action, LAGOON, EVACUATE_ACTION,
                      LagoonAction)

struct _LagoonEvacuateAction
{
  LagoonAction parent_instance;
  char        *host_ref;
  char        *final_method;  /* host.reboot, host.shutdown, or NULL */
  gboolean     was_enabled;
  GError      *evacuate_error;
};

G_DEFINE_FINAL_TYPE (LagoonEvacuateAction, lagoon_evacuate_action, LAGOON_TYPE_ACTION)

static void
evacuate_final_done (GObject      *source,
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

static void
evacuate_reenabled (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LagoonEvacuateAction *self = LAGOON_EVACUATE_ACTION (source);
  g_autoptr(GError) enable_error = NULL;
  g_autoptr(GVariant) value = lagoon_action_run_task_finish (LAGOON_ACTION (source), result,
                                                             &enable_error);

  if (enable_error != NULL)
    g_warning ("Could not enable the host again after a failed evacuation: %s",
               enable_error->message);
  g_task_return_error (task, g_steal_pointer (&self->evacuate_error));
}

static void
evacuate_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LagoonEvacuateAction *self = LAGOON_EVACUATE_ACTION (source);
  GError *error = NULL;
  g_autoptr(GVariant) value = lagoon_action_run_task_finish (LAGOON_ACTION (self), result,
                                                             &error);

  if (error != NULL)
    {
      self->evacuate_error = error;
      if (!self->was_enabled || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&self->evacuate_error));
          return;
        }
      lagoon_action_run_task_async (LAGOON_ACTION (self), "host.enable",
                                    g_variant_new ("(s)", self->host_ref), 0.9, 1.0, NULL,
                                    evacuate_reenabled, g_object_ref (task));
      return;
    }
  if (self->final_method == NULL)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  lagoon_action_run_task_async (LAGOON_ACTION (self), self->final_method,
                                g_variant_new ("(s)", self->host_ref), 0.8, 1.0,
                                g_task_get_cancellable (task), evacuate_final_done,
                                g_object_ref (task));
}

static void
evacuate_disabled (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LagoonEvacuateAction *self = LAGOON_EVACUATE_ACTION (source);
  GError *error = NULL;
  g_autoptr(GVariant) value = lagoon_action_run_task_finish (LAGOON_ACTION (self), result,
                                                             &error);

  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  lagoon_action_run_task_async (LAGOON_ACTION (self), "host.evacuate",
                                g_variant_new ("(s)", self->host_ref), 0.1,
                                self->final_method != NULL ? 0.8 : 1.0,
                                g_task_get_cancellable (task), evacuate_done,
                                g_object_ref (task));
}

static void
lagoon_evacuate_action_run (LagoonAction *action,
                            GTask        *task)
{
  LagoonEvacuateAction *self = LAGOON_EVACUATE_ACTION (action);

  if (self->was_enabled)
    lagoon_action_run_task_async (action, "host.disable", g_variant_new ("(s)", self->host_ref),
                                  0.0, 0.1, g_task_get_cancellable (task), evacuate_disabled,
                                  g_object_ref (task));
  else
    lagoon_action_run_task_async (action, "host.evacuate", g_variant_new ("(s)", self->host_ref),
                                  0.0, self->final_method != NULL ? 0.8 : 1.0,
                                  g_task_get_cancellable (task), evacuate_done,
                                  g_object_ref (task));
}

static void
lagoon_evacuate_action_finalize (GObject *object)
{
  LagoonEvacuateAction *self = LAGOON_EVACUATE_ACTION (object);

  g_free (self->host_ref);
  g_free (self->final_method);
  g_clear_error (&self->evacuate_error);
  G_OBJECT_CLASS (lagoon_evacuate_action_parent_class)->finalize (object);
}

static void
lagoon_evacuate_action_class_init (LagoonEvacuateActionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lagoon_evacuate_action_finalize;
  LAGOON_ACTION_CLASS (klass)->run = lagoon_evacuate_action_run;
}

static void
lagoon_evacuate_action_init (LagoonEvacuateAction *self)
{
}

static LagoonAction *
build_host_steps (const Command      *command,
                  GtkWindow          *parent,
                  LagoonConnection   *connection,
                  const LagoonRecord *rec,
                  const char         *parameter)
{
  LagoonEvacuateAction *action = g_object_new (LAGOON_TYPE_EVACUATE_ACTION,
                                               "connection", connection,
                                               "title", _(command->title), NULL);

  action->host_ref = g_strdup (lagoon_record_get_opaque_ref (rec));
  action->was_enabled = lagoon_record_get_bool (rec, LAGOON_HOST_ENABLED);
  if (g_strcmp0 (command->method, "host.disable") != 0)
    action->final_method = g_strdup (command->method);
  return LAGOON_ACTION (action);
}

/* One PBD call for each PBD of the SR in the state the command changes. */
static LagoonAction *
build_sr_pbds (const Command      *command,
               GtkWindow          *parent,
               LagoonConnection   *connection,
               const LagoonRecord *rec,
               const char         *parameter)
{
  LagoonCache *cache = lagoon_connection_get_cache (connection);
  gboolean plug = g_strcmp0 (command->method, "PBD.plug") == 0;
  LagoonAction *action = lagoon_action_new (connection, _(command->title), NULL, NULL);
  guint n = 0;
  const char * const *pbds = lagoon_record_get_set (rec, LAGOON_SR_PBDS, &n);
  guint added = 0;

  for (guint i = 0; i < n; i++)
    {
      const LagoonRecord *pbd = lagoon_cache_lookup (cache, LAGOON_CLASS_PBD, pbds[i]);

      if (pbd == NULL || lagoon_record_get_bool (pbd, LAGOON_PBD_CURRENTLY_ATTACHED) == plug)
        continue;
      lagoon_action_add_call (action, command->method, g_variant_new ("(s)", pbds[i]));
      added++;
    }
  if (added == 0)
    g_clear_object (&action);
  return action;
}

static LagoonAction *
build_start_on (const Command      *command,
                GtkWindow          *parent,
                LagoonConnection   *connection,
                const LagoonRecord *rec,
                const char         *parameter)
{
  return lagoon_action_new (connection, _(command->title), "VM.start_on",
                            g_variant_new ("(ssbb)", lagoon_record_get_opaque_ref (rec),
                                           parameter, FALSE, FALSE));
}

static LagoonAction *
build_migrate (const Command      *command,
               GtkWindow          *parent,
               LagoonConnection   *connection,
               const LagoonRecord *rec,
               const char         *parameter)
{
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&options, "{ss}", "live", "true");
  return lagoon_action_new (connection, _(command->title), "VM.pool_migrate",
                            g_variant_new ("(ssa{ss})", lagoon_record_get_opaque_ref (rec),
                                           parameter, &options));
}

static LagoonAction *
build_copy_dialog (const Command      *command,
                   GtkWindow          *parent,
                   LagoonConnection   *connection,
                   const LagoonRecord *rec,
                   const char         *parameter)
{
  lagoon_copy_vm_dialog_present (parent, connection, lagoon_record_get_opaque_ref (rec));
  return NULL;
}

static LagoonAction *
build_delete_dialog (const Command      *command,
                     GtkWindow          *parent,
                     LagoonConnection   *connection,
                     const LagoonRecord *rec,
                     const char         *parameter)
{
  lagoon_delete_vm_dialog_present (parent, connection, lagoon_record_get_opaque_ref (rec));
  return NULL;
}

/* ---- the table --------------------------------------------------------------------------- */

static const Command commands[] = {
  { "vm-start", LAGOON_CLASS_VM, N_("Start VM"), "VM.start", ARGS_REF_BB, "start", check_vm },
  { "vm-shutdown", LAGOON_CLASS_VM, N_("Shut down VM"), "VM.clean_shutdown", ARGS_REF,
    "clean_shutdown", check_vm },
  { "vm-reboot", LAGOON_CLASS_VM, N_("Reboot VM"), "VM.clean_reboot", ARGS_REF, "clean_reboot",
    check_vm },
  { "vm-suspend", LAGOON_CLASS_VM, N_("Suspend VM"), "VM.suspend", ARGS_REF, "suspend", check_vm },
  { "vm-resume", LAGOON_CLASS_VM, N_("Resume VM"), "VM.resume", ARGS_REF_BB, "resume", check_vm },
  { "vm-pause", LAGOON_CLASS_VM, N_("Pause VM"), "VM.pause", ARGS_REF, "pause", check_vm },
  { "vm-unpause", LAGOON_CLASS_VM, N_("Unpause VM"), "VM.unpause", ARGS_REF, "unpause", check_vm },
  { "vm-force-shutdown", LAGOON_CLASS_VM, N_("Force shut down VM"), "VM.hard_shutdown", ARGS_REF,
    "hard_shutdown", check_vm, NULL,
    N_("Force “%s” to shut down?"),
    N_("The VM is switched off at once, as if its power cord were pulled. Unsaved work in the "
       "guest is lost."),
    N_("_Force Shut Down") },
  { "vm-force-reboot", LAGOON_CLASS_VM, N_("Force reboot VM"), "VM.hard_reboot", ARGS_REF,
    "hard_reboot", check_vm, NULL,
    N_("Force “%s” to reboot?"),
    N_("The VM is reset at once, as if its reset button were pressed. Unsaved work in the "
       "guest is lost."),
    N_("_Force Reboot") },
  { "vm-start-on", LAGOON_CLASS_VM, N_("Start VM on server"), NULL, ARGS_REF, "start_on",
    check_vm, build_start_on, NULL, NULL, NULL, TRUE },
  { "vm-migrate", LAGOON_CLASS_VM, N_("Migrate VM"), NULL, ARGS_REF, "pool_migrate",
    check_vm_migrate, build_migrate, NULL, NULL, NULL, TRUE },
  { "vm-copy", LAGOON_CLASS_VM, N_("Copy VM"), NULL, ARGS_REF, "clone", check_vm,
    build_copy_dialog },
  { "vm-delete", LAGOON_CLASS_VM, N_("Delete VM"), NULL, ARGS_REF, "destroy", check_vm,
    build_delete_dialog },
  { "host-maintenance-enter", LAGOON_CLASS_HOST, N_("Enter maintenance mode"), "host.disable",
    ARGS_REF, "evacuate", check_host_enabled, build_host_steps,
    N_("Put “%s” into maintenance mode?"),
    N_("No VM can start on the server, and its running VMs are migrated to other servers of "
       "the pool. VMs that cannot move make the command fail."),
    N_("_Enter Maintenance Mode") },
  { "host-maintenance-exit", LAGOON_CLASS_HOST, N_("Exit maintenance mode"), "host.enable",
    ARGS_REF, NULL, check_host_disabled },
  { "host-reboot", LAGOON_CLASS_HOST, N_("Reboot server"), "host.reboot", ARGS_REF, "reboot",
    NULL, build_host_steps,
    N_("Reboot “%s”?"),
    N_("Its running VMs are migrated to other servers first; the server is unavailable while "
       "it restarts."),
    N_("_Reboot") },
  { "host-shutdown", LAGOON_CLASS_HOST, N_("Shut down server"), "host.shutdown", ARGS_REF,
    "shutdown", NULL, build_host_steps,
    N_("Shut down “%s”?"),
    N_("Its running VMs are migrated to other servers first. The server stays off until "
       "someone powers it on."),
    N_("_Shut Down") },
  { "sr-rescan", LAGOON_CLASS_SR, N_("Rescan storage"), "SR.scan", ARGS_REF, "scan" },
  { "sr-repair", LAGOON_CLASS_SR, N_("Repair storage"), "PBD.plug", ARGS_REF, NULL,
    check_sr_broken, build_sr_pbds },
  { "sr-detach", LAGOON_CLASS_SR, N_("Detach storage"), "PBD.unplug", ARGS_REF, NULL,
    check_sr_attached, build_sr_pbds,
    N_("Detach “%s”?"),
    N_("Its disks become unavailable to every VM until the storage is repaired (attached "
       "again). Nothing on it is deleted."),
    N_("_Detach") },
  { "sr-forget", LAGOON_CLASS_SR, N_("Forget storage"), "SR.forget", ARGS_REF, "forget",
    check_sr_detached, NULL,
    N_("Forget “%s”?"),
    N_("The pool no longer knows the storage or its disks' names and descriptions. The data "
       "stays on the storage, and it can be introduced again later."),
    N_("_Forget") },
};

/* What a command acts on, kept on the GAction (the window's selection when last updated). */
typedef struct
{
  LagoonServer *server;
  int           class_id;
  char         *ref;     /* the primary selection: dialogs work on it */
  GStrv         refs;    /* every selected object of that class, ref first */
  char         *reason;
} Target;

static void
target_free (gpointer data)
{
  Target *target = data;

  g_clear_object (&target->server);
  g_free (target->ref);
  g_strfreev (target->refs);
  g_free (target->reason);
  g_free (target);
}

static const Command *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_strcmp0 (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

static LagoonAction *
build_action (const Command      *command,
              GtkWindow          *parent,
              LagoonConnection   *connection,
              const LagoonRecord *rec,
              const char         *parameter)
{
  const char *ref = lagoon_record_get_opaque_ref (rec);
  GVariant *args;

  if (command->build != NULL)
    return command->build (command, parent, connection, rec, parameter);

  args = command->args == ARGS_REF_BB ? g_variant_new ("(sbb)", ref, FALSE, FALSE)
                                      : g_variant_new ("(s)", ref);
  return lagoon_action_new (connection, _(command->title), command->method, args);
}

static void
run (const Command      *command,
     GtkWindow          *parent,
     LagoonConnection   *connection,
     const LagoonRecord *rec,
     const char         *parameter)
{
  GApplication *application = g_application_get_default ();
  g_autoptr(LagoonAction) action = build_action (command, parent, connection, rec, parameter);
  const char *objects[2] = { lagoon_record_get_opaque_ref (rec), NULL };

  if (action == NULL || !LAGOON_IS_APPLICATION (application))
    return;
  lagoon_action_set_objects (action, objects);
  lagoon_application_run_action (LAGOON_APPLICATION (application), action);
}

typedef struct
{
  const Command    *command;
  LagoonConnection *connection;
  GStrv             refs;
  char             *parameter;
} Pending;

static void
on_confirm_response (GtkDialog *dialog,
                     int        response,
                     Pending   *pending)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (dialog));

  if (response == GTK_RESPONSE_ACCEPT)
    for (guint i = 0; pending->refs[i] != NULL; i++)
      {
        /* The object may have gone while the question was open. */
        const LagoonRecord *rec =
          lagoon_cache_lookup (lagoon_connection_get_cache (pending->connection),
                               pending->command->class_id, pending->refs[i]);
        if (rec != NULL)
          run (pending->command, parent, pending->connection, rec, pending->parameter);
      }
  gtk_widget_destroy (GTK_WIDGET (dialog));
  g_object_unref (pending->connection);
  g_strfreev (pending->refs);
  g_free (pending->parameter);
  g_free (pending);
}

typedef struct
{
  GtkWidget        *dialog;
  GtkWidget        *button;
  LagoonConnection *connection;
  char             *detail;
} Precheck;

/* The strings of a XenAPI value that holds them (an array, maybe wrapped in variants). */
static GPtrArray *
variant_strings (GVariant *value)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GVariant) v = g_variant_ref (value);

  while (g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (v);
      g_variant_unref (v);
      v = inner;
    }
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    g_ptr_array_add (out, g_variant_dup_string (v, NULL));
  else if (g_variant_is_container (v))
    for (gsize i = 0; i < g_variant_n_children (v); i++)
      {
        g_autoptr(GVariant) child = g_variant_get_child_value (v, i);
        g_autoptr(GPtrArray) more = variant_strings (child);

        for (guint k = 0; k < more->len; k++)
          g_ptr_array_add (out, g_strdup (more->pdata[k]));
      }
  return out;
}

static void
precheck_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Precheck *check = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = lagoon_connection_call_finish (LAGOON_CONNECTION (source), result,
                                                             &error);
  GtkMessageDialog *dialog = GTK_MESSAGE_DIALOG (check->dialog);
  g_autoptr(GString) text = g_string_new (check->detail);
  guint blockers = 0;

  /* The dialog may be gone (answered or closed) by now. */
  if (!gtk_widget_get_visible (check->dialog))
    goto out;

  if (error != NULL)
    {
      /* Not known: let the user try; the evacuation itself says what went wrong. */
      gtk_widget_set_sensitive (check->button, TRUE);
      gtk_message_dialog_format_secondary_text (dialog, "%s", check->detail);
      goto out;
    }

  if (value != NULL && g_variant_is_container (value))
    for (gsize i = 0; i < g_variant_n_children (value); i++)
      {
        g_autoptr(GVariant) entry = g_variant_get_child_value (value, i);
        g_autoptr(GVariant) key = NULL;
        g_autoptr(GVariant) reason = NULL;
        g_autoptr(GPtrArray) description = NULL;
        g_autoptr(GError) why = NULL;
        g_autofree char *sentence = NULL;
        const LagoonRecord *vm;

        if (!g_variant_is_of_type (entry, G_VARIANT_TYPE_DICT_ENTRY))
          continue;
        key = g_variant_get_child_value (entry, 0);
        reason = g_variant_get_child_value (entry, 1);
        if (!g_variant_is_of_type (key, G_VARIANT_TYPE_STRING))
          continue;
        description = variant_strings (reason);
        /* Objects by name rather than by reference, where the cache knows them. */
        for (guint k = 1; k < description->len; k++)
          {
            const LagoonRecord *object =
              lagoon_cache_lookup_any (lagoon_connection_get_cache (check->connection),
                                       description->pdata[k]);

            if (object != NULL && lagoon_record_get_name (object) != NULL &&
                *lagoon_record_get_name (object) != '\0')
              {
                g_free (description->pdata[k]);
                description->pdata[k] = g_strdup (lagoon_record_get_name (object));
              }
          }
        g_ptr_array_add (description, NULL);
        why = lagoon_xenapi_error_new ((const char * const *) description->pdata);
        sentence = lagoon_xenapi_error_describe (why);
        vm = lagoon_cache_lookup (lagoon_connection_get_cache (check->connection),
                                  LAGOON_CLASS_VM, g_variant_get_string (key, NULL));
        if (blockers++ == 0)
          g_string_append_printf (text, "\n\n%s",
                                  _("These VMs cannot move to another server. Shut them down "
                                    "or move them first:"));
        /* Translators: a VM that prevents an evacuation, and why */
        g_string_append_printf (text, _("\n• %s: %s"),
                                vm != NULL ? lagoon_record_get_name (vm)
                                           : g_variant_get_string (key, NULL),
                                sentence);
      }
  gtk_message_dialog_format_secondary_text (dialog, "%s", text->str);
  gtk_widget_set_sensitive (check->button, blockers == 0);

out:
  g_object_unref (check->dialog);
  g_object_unref (check->connection);
  g_free (check->detail);
  g_free (check);
}

static void
confirm_and_run (const Command    *command,
                 GtkWindow        *parent,
                 LagoonConnection *connection,
                 GPtrArray        *recs,
                 const char       *parameter)
{
  const LagoonRecord *rec = g_ptr_array_index (recs, 0);
  GtkWidget *dialog;
  GtkWidget *button;
  Pending *pending;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GStrvBuilder) refs = g_strv_builder_new ();
  g_autofree char *joined = NULL;

  for (guint i = 0; i < recs->len; i++)
    {
      g_ptr_array_add (names, (gpointer) lagoon_record_get_name (recs->pdata[i]));
      g_strv_builder_add (refs, lagoon_record_get_opaque_ref (recs->pdata[i]));
    }
  g_ptr_array_add (names, NULL);
  /* Several objects: “a”, “b”, “c” inside the question's own quotes. */
  joined = g_strjoinv ("”, “", (char **) names->pdata);

  g_auto(GStrv) parts = g_strsplit (_(command->confirm), "%s", 2);
  g_autofree char *question = g_strjoinv (joined, parts);

  /* The question names the object where its translation has the %s. */
  dialog = gtk_message_dialog_new (parent, GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE, "%s", question);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s",
                                            _(command->confirm_detail));
  gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
  button = gtk_dialog_add_button (GTK_DIALOG (dialog), _(command->confirm_button),
                                  GTK_RESPONSE_ACCEPT);
  gtk_style_context_add_class (gtk_widget_get_style_context (button), "destructive-action");
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);

  pending = g_new0 (Pending, 1);
  pending->command = command;
  pending->connection = g_object_ref (connection);
  pending->refs = g_strv_builder_end (refs);
  pending->parameter = g_strdup (parameter);
  g_signal_connect (dialog, "response", G_CALLBACK (on_confirm_response), pending);

  /* Moving the VMs away: ask the pool first which ones cannot move, and why. */
  if (command->build == build_host_steps && recs->len == 1 &&
      lagoon_record_get_bool (rec, LAGOON_HOST_ENABLED))
    {
      Precheck *check = g_new0 (Precheck, 1);

      check->dialog = g_object_ref (dialog);
      check->button = button;
      check->connection = g_object_ref (connection);
      check->detail = g_strdup (_(command->confirm_detail));
      gtk_widget_set_sensitive (button, FALSE);
      gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s\n\n%s",
                                                check->detail,
                                                _("Checking which VMs can move…"));
      lagoon_connection_call_async (connection, "host.get_vms_which_prevent_evacuation",
                                    g_variant_new ("(s)", pending->refs[0]), NULL, precheck_done,
                                    check);
    }
  gtk_window_present (GTK_WINDOW (dialog));
}

static gboolean can_execute (const Command      *command,
                             LagoonCache        *cache,
                             const LagoonRecord *rec,
                             char              **reason);

static void
command_activate (GSimpleAction *simple,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  const Command *command = find_command (g_action_get_name (G_ACTION (simple)));
  Target *target = g_object_get_data (G_OBJECT (simple), "lagoon-target");
  GtkWindow *parent = GTK_IS_WINDOW (user_data) ? user_data : NULL;
  const char *param = parameter != NULL ? g_variant_get_string (parameter, NULL) : NULL;
  LagoonConnection *connection;
  LagoonCache *cache;
  g_autoptr(GPtrArray) recs = g_ptr_array_new ();
  gboolean dialog;

  if (command == NULL || target == NULL || target->server == NULL || target->refs == NULL)
    return;
  connection = lagoon_server_get_connection (target->server);
  cache = lagoon_connection_get_cache (connection);
  /* Dialogs (Copy, Delete) work on the primary selection; the others on every selected
   * object the command can run on. */
  dialog = command->build == build_copy_dialog || command->build == build_delete_dialog;
  for (guint i = 0; target->refs[i] != NULL && !(dialog && i > 0); i++)
    {
      const LagoonRecord *rec = lagoon_cache_lookup (cache, command->class_id, target->refs[i]);
      g_autofree char *reason = NULL;

      if (rec != NULL && can_execute (command, cache, rec, &reason))
        g_ptr_array_add (recs, (gpointer) rec);
    }
  if (recs->len == 0)
    return;

  if (command->confirm != NULL)
    confirm_and_run (command, parent, connection, recs, param);
  else
    for (guint i = 0; i < recs->len; i++)
      run (command, parent, connection, recs->pdata[i], param);
}

static void
properties_activate (GSimpleAction *simple,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  Target *target = g_object_get_data (G_OBJECT (simple), "lagoon-target");

  if (target == NULL || target->server == NULL || target->ref == NULL)
    return;
  lagoon_properties_dialog_present (GTK_IS_WINDOW (user_data) ? user_data : NULL,
                                    target->server, target->class_id, target->ref);
}

void
lagoon_commands_add (GActionMap *map)
{
  g_autoptr(GSimpleAction) properties = g_simple_action_new ("properties", NULL);

  g_return_if_fail (G_IS_ACTION_MAP (map));

  g_simple_action_set_enabled (properties, FALSE);
  g_object_set_data_full (G_OBJECT (properties), "lagoon-target", g_new0 (Target, 1),
                          target_free);
  g_signal_connect (properties, "activate", G_CALLBACK (properties_activate), map);
  g_action_map_add_action (map, G_ACTION (properties));

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autoptr(GSimpleAction) action =
        g_simple_action_new (commands[i].name,
                             commands[i].parameter ? G_VARIANT_TYPE_STRING : NULL);

      g_simple_action_set_enabled (action, FALSE);
      g_object_set_data_full (G_OBJECT (action), "lagoon-target", g_new0 (Target, 1),
                              target_free);
      g_signal_connect (action, "activate", G_CALLBACK (command_activate), map);
      g_action_map_add_action (map, G_ACTION (action));
    }
}

static const char *
class_noun (LagoonClassId class_id)
{
  switch (class_id)
    {
    case LAGOON_CLASS_VM:
      return _("Select a VM first.");
    case LAGOON_CLASS_HOST:
      return _("Select a server first.");
    case LAGOON_CLASS_SR:
      return _("Select a storage repository first.");
    default:
      return _("Select an object first.");
    }
}

/* Whether @command can run on @rec; if not, why (a sentence). */
static gboolean
can_execute (const Command      *command,
             LagoonCache        *cache,
             const LagoonRecord *rec,
             char              **reason)
{
  guint field;
  const char *power;

  if (rec == NULL || lagoon_record_get_class_id (rec) != command->class_id)
    {
      *reason = g_strdup (class_noun (command->class_id));
      return FALSE;
    }
  if (command->check != NULL && !command->check (command, cache, rec, reason))
    return FALSE;
  if (command->operation == NULL)
    return TRUE;

  switch (command->class_id)
    {
    case LAGOON_CLASS_VM:
      field = LAGOON_VM_ALLOWED_OPERATIONS;
      break;
    case LAGOON_CLASS_HOST:
      field = LAGOON_HOST_ALLOWED_OPERATIONS;
      break;
    case LAGOON_CLASS_SR:
      field = LAGOON_SR_ALLOWED_OPERATIONS;
      break;
    default:
      g_assert_not_reached ();
    }
  if (lagoon_record_set_contains (rec, field, command->operation))
    return TRUE;

  if (command->class_id != LAGOON_CLASS_VM)
    {
      *reason = g_strdup (_("The server does not allow this now (another operation may be "
                            "in progress)."));
      return FALSE;
    }
  power = lagoon_record_get_enum_string (rec, LAGOON_VM_POWER_STATE);
  if (lagoon_record_get_map (rec, LAGOON_VM_CURRENT_OPERATIONS, NULL)[0] != NULL)
    *reason = g_strdup (_("Another operation is in progress on this VM."));
  else
    /* Translators: %s is a power state: Running, Halted, Suspended, Paused */
    *reason = g_strdup_printf (_("Not possible while the VM is %s."),
                               power != NULL ? power : _("in an unknown state"));
  return FALSE;
}


/* Whether every storage repository the VM's disks are on is attached to @host (xapi refuses a
 * start or a migration there with VM_REQUIRES_SR otherwise). */
static gboolean
host_sees_disks (LagoonCache        *cache,
                 const LagoonRecord *vm,
                 const char         *host_ref)
{
  guint n = 0;
  const char * const *vbds = lagoon_record_get_set (vm, LAGOON_VM_VBDS, &n);

  for (guint i = 0; i < n; i++)
    {
      const LagoonRecord *vbd = lagoon_cache_lookup (cache, LAGOON_CLASS_VBD, vbds[i]);
      const LagoonRecord *vdi = vbd != NULL
        ? lagoon_cache_lookup (cache, LAGOON_CLASS_VDI, lagoon_record_get_ref (vbd, LAGOON_VBD_VDI))
        : NULL;
      const LagoonRecord *sr = vdi != NULL
        ? lagoon_cache_lookup (cache, LAGOON_CLASS_SR, lagoon_record_get_ref (vdi, LAGOON_VDI_SR))
        : NULL;
      guint n_pbds = 0;
      const char * const *pbds;
      gboolean seen = FALSE;

      if (sr == NULL)
        continue;
      pbds = lagoon_record_get_set (sr, LAGOON_SR_PBDS, &n_pbds);
      for (guint k = 0; k < n_pbds && !seen; k++)
        {
          const LagoonRecord *pbd = lagoon_cache_lookup (cache, LAGOON_CLASS_PBD, pbds[k]);

          seen = pbd != NULL &&
                 g_strcmp0 (lagoon_record_get_ref (pbd, LAGOON_PBD_HOST), host_ref) == 0 &&
                 lagoon_record_get_bool (pbd, LAGOON_PBD_CURRENTLY_ATTACHED);
        }
      if (!seen)
        return FALSE;
    }
  return TRUE;
}

/* The "Start on Server" and "Migrate to Server" submenus: the pool's hosts (a host that cannot
 * take the VM says why in its label and is left out of the action's targets). */
static void
fill_host_menu (GMenu              *menu,
                LagoonCache        *cache,
                const LagoonRecord *vm,
                const char         *action_name,
                gboolean            migrate)
{
  g_autoptr(GPtrArray) hosts = NULL;
  const char *resident = vm != NULL ? lagoon_record_get_ref (vm, LAGOON_VM_RESIDENT_ON) : NULL;

  g_menu_remove_all (menu);
  if (cache == NULL || vm == NULL)
    return;

  hosts = lagoon_cache_list (cache, LAGOON_CLASS_HOST);
  g_ptr_array_sort (hosts, lagoon_page_compare_names);
  for (guint i = 0; i < hosts->len; i++)
    {
      const LagoonRecord *host = g_ptr_array_index (hosts, i);
      const char *ref = lagoon_record_get_opaque_ref (host);
      const char *name = lagoon_record_get_name (host);
      g_autofree char *label = NULL;
      g_autoptr(GMenuItem) item = NULL;

      if (migrate && g_strcmp0 (ref, resident) == 0)
        /* Translators: a server in the Migrate to Server menu; %s is its name */
        label = g_strdup_printf (_("%s (current server)"), name);
      else if (!lagoon_record_get_bool (host, LAGOON_HOST_ENABLED))
        /* Translators: a server in the Start on / Migrate to Server menus; %s is its name */
        label = g_strdup_printf (_("%s (maintenance mode)"), name);
      else if (!host_sees_disks (cache, vm, ref))
        /* Translators: a server in the Start on / Migrate to Server menus; %s is its name */
        label = g_strdup_printf (_("%s (cannot reach the VM's disks)"), name);

      if (label != NULL)
        {
          /* No action: shown greyed, with the reason in the label. */
          item = g_menu_item_new (label, "app.unavailable");
        }
      else
        {
          item = g_menu_item_new (name, NULL);
          g_menu_item_set_action_and_target_value (item, action_name, g_variant_new_string (ref));
        }
      g_menu_append_item (menu, item);
    }
}

void
lagoon_commands_update_many (GActionMap         *map,
                             LagoonServer       *server,
                             int                 class_id,
                             const char * const *refs)
{
  const char *ref = refs != NULL ? refs[0] : NULL;
  const LagoonRecord *rec = NULL;
  LagoonCache *cache = NULL;
  GApplication *application = g_application_get_default ();

  g_return_if_fail (G_IS_ACTION_MAP (map));

  if (server != NULL && ref != NULL && class_id >= 0)
    {
      LagoonConnection *connection = lagoon_server_get_connection (server);

      if (lagoon_connection_get_state (connection) == LAGOON_CONNECTION_CONNECTED)
        {
          cache = lagoon_connection_get_cache (connection);
          rec = lagoon_cache_lookup (cache, (LagoonClassId) class_id, ref);
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      GAction *action = g_action_map_lookup_action (map, commands[i].name);
      Target *target = action != NULL ? g_object_get_data (G_OBJECT (action), "lagoon-target")
                                      : NULL;
      g_autofree char *reason = NULL;
      gboolean enabled;

      if (target == NULL)
        continue;

      enabled = can_execute (&commands[i], cache, rec, &reason);
      /* With several selected, enabled when it can run on any of them. */
      for (guint k = 1; !enabled && refs != NULL && refs[k] != NULL && cache != NULL; k++)
        {
          const LagoonRecord *other = lagoon_cache_lookup (cache, (LagoonClassId) class_id,
                                                           refs[k]);
          g_autofree char *ignored = NULL;

          enabled = other != NULL && can_execute (&commands[i], cache, other, &ignored);
        }
      g_set_object (&target->server, server);
      g_free (target->ref);
      target->ref = g_strdup (ref);
      g_strfreev (target->refs);
      target->refs = g_strdupv ((char **) refs);
      g_free (target->reason);
      target->reason = g_steal_pointer (&reason);
      g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
    }

  /* Properties: VMs (not snapshots), hosts and pools. */
  {
    GAction *action = g_action_map_lookup_action (map, "properties");
    Target *target = action != NULL ? g_object_get_data (G_OBJECT (action), "lagoon-target")
                                    : NULL;
    gboolean enabled = rec != NULL && lagoon_properties_dialog_handles (class_id) &&
                       !(class_id == LAGOON_CLASS_VM &&
                         (lagoon_record_get_bool (rec, LAGOON_VM_IS_A_SNAPSHOT) ||
                          lagoon_record_get_bool (rec, LAGOON_VM_IS_CONTROL_DOMAIN)));

    if (target != NULL)
      {
        g_set_object (&target->server, server);
        target->class_id = class_id;
        g_free (target->ref);
        target->ref = g_strdup (ref);
        g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
      }
  }

  /* The host submenus of the menu bar (built from the selection, not from a template). */
  if (GTK_IS_APPLICATION (application))
    {
      GMenu *start_on = gtk_application_get_menu_by_id (GTK_APPLICATION (application),
                                                        "vm-start-on-hosts");
      GMenu *migrate = gtk_application_get_menu_by_id (GTK_APPLICATION (application),
                                                       "vm-migrate-hosts");
      gboolean is_vm = rec != NULL && class_id == LAGOON_CLASS_VM;

      if (start_on != NULL)
        fill_host_menu (start_on, cache, is_vm ? rec : NULL, "win.vm-start-on", FALSE);
      if (migrate != NULL)
        fill_host_menu (migrate, cache, is_vm ? rec : NULL, "win.vm-migrate", TRUE);
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

GMenuModel *
lagoon_commands_context_menu (GActionMap   *map,
                              LagoonServer *server,
                              int           class_id,
                              const char   *ref)
{
  GMenu *menu = g_menu_new ();
  LagoonConnection *connection = server != NULL ? lagoon_server_get_connection (server) : NULL;
  LagoonCache *cache = connection != NULL ? lagoon_connection_get_cache (connection) : NULL;
  const LagoonRecord *rec = cache != NULL && ref != NULL && class_id >= 0
                            ? lagoon_cache_lookup (cache, (LagoonClassId) class_id, ref) : NULL;

  if (rec == NULL)
    return G_MENU_MODEL (menu);

  if (class_id == LAGOON_CLASS_VM && !lagoon_record_get_bool (rec, LAGOON_VM_IS_A_TEMPLATE) &&
      !lagoon_record_get_bool (rec, LAGOON_VM_IS_A_SNAPSHOT))
    {
      g_autoptr(GMenu) power = g_menu_new ();
      g_autoptr(GMenu) hosts = g_menu_new ();
      g_autoptr(GMenu) start_on = g_menu_new ();
      g_autoptr(GMenu) migrate = g_menu_new ();
      g_autoptr(GMenu) manage = g_menu_new ();

      g_menu_append (power, _("_Start"), "win.vm-start");
      g_menu_append (power, _("Shut _Down"), "win.vm-shutdown");
      g_menu_append (power, _("Re_boot"), "win.vm-reboot");
      g_menu_append (power, _("Sus_pend"), "win.vm-suspend");
      g_menu_append (power, _("_Resume"), "win.vm-resume");
      g_menu_append (power, _("P_ause"), "win.vm-pause");
      g_menu_append (power, _("_Unpause"), "win.vm-unpause");
      g_menu_append (power, _("_Force Shut Down"), "win.vm-force-shutdown");
      g_menu_append (power, _("Force Reb_oot"), "win.vm-force-reboot");
      g_menu_append_section (menu, NULL, G_MENU_MODEL (power));

      fill_host_menu (start_on, cache, rec, "win.vm-start-on", FALSE);
      fill_host_menu (migrate, cache, rec, "win.vm-migrate", TRUE);
      if (lagoon_record_set_contains (rec, LAGOON_VM_ALLOWED_OPERATIONS, "start_on"))
        g_menu_append_submenu (hosts, _("Start on Ser_ver"), G_MENU_MODEL (start_on));
      if (lagoon_record_set_contains (rec, LAGOON_VM_ALLOWED_OPERATIONS, "pool_migrate"))
        g_menu_append_submenu (hosts, _("_Migrate to Server"), G_MENU_MODEL (migrate));
      g_menu_append_section (menu, NULL, G_MENU_MODEL (hosts));

      g_menu_append (manage, _("_Copy VM…"), "win.vm-copy");
      g_menu_append (manage, _("_Delete VM…"), "win.vm-delete");
      g_menu_append_section (menu, NULL, G_MENU_MODEL (manage));
    }
  else if (class_id == LAGOON_CLASS_HOST)
    {
      g_autoptr(GMenu) host = g_menu_new ();

      g_menu_append (host, _("Enter _Maintenance Mode…"), "win.host-maintenance-enter");
      g_menu_append (host, _("E_xit Maintenance Mode"), "win.host-maintenance-exit");
      g_menu_append (host, _("Re_boot…"), "win.host-reboot");
      g_menu_append (host, _("Shut _Down…"), "win.host-shutdown");
      g_menu_append_section (menu, NULL, G_MENU_MODEL (host));
    }
  else if (class_id == LAGOON_CLASS_SR)
    {
      g_autoptr(GMenu) sr = g_menu_new ();

      g_menu_append (sr, _("Re_scan"), "win.sr-rescan");
      g_menu_append (sr, _("_Repair"), "win.sr-repair");
      g_menu_append (sr, _("_Detach…"), "win.sr-detach");
      g_menu_append (sr, _("_Forget…"), "win.sr-forget");
      g_menu_append_section (menu, NULL, G_MENU_MODEL (sr));
    }
  if (lagoon_properties_dialog_handles (class_id))
    {
      g_autoptr(GMenu) properties = g_menu_new ();

      g_menu_append (properties, _("P_roperties…"), "win.properties");
      g_menu_append_section (menu, NULL, G_MENU_MODEL (properties));
    }
  return G_MENU_MODEL (menu);
}
