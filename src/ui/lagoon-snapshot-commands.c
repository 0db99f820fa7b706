/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-snapshot-commands"

#include "config.h"

#include <glib/gi18n.h>

#include "lagoon-action.h"
#include "lagoon-application.h"
#include "lagoon-snapshot-action.h"
#include "lagoon-snapshot-commands.h"
#include "lagoon-snapshot-dialog.h"

/* ---- helpers ----------------------------------------------------------------------------- */

static LagoonCache *
server_cache (LagoonServer *server)
{
  LagoonConnection *connection = lagoon_server_get_connection (server);

  if (connection == NULL || lagoon_connection_get_state (connection) != LAGOON_CONNECTION_CONNECTED)
    return NULL;
  return lagoon_connection_get_cache (connection);
}

static const LagoonRecord *
lookup_vm (LagoonServer *server,
           const char   *ref)
{
  LagoonCache *cache = server != NULL ? server_cache (server) : NULL;

  return cache != NULL && ref != NULL ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM, ref) : NULL;
}

static void
run_action (LagoonAction *action)
{
  GApplication *application = g_application_get_default ();

  if (LAGOON_IS_APPLICATION (application))
    lagoon_application_run_action (LAGOON_APPLICATION (application), action);
  else
    lagoon_action_start (action);
}

static void
set_object (LagoonAction *action,
            const char   *ref)
{
  const char *objects[2] = { ref, NULL };

  lagoon_action_set_objects (action, objects);
}

/* ---- why a command cannot run ------------------------------------------------------------ */

char *
lagoon_snapshot_take_why_not (const LagoonRecord *vm)
{
  g_autofree char *why = NULL;

  if (vm == NULL || lagoon_record_get_class_id (vm) != LAGOON_CLASS_VM)
    return g_strdup (_("Select a VM first."));

  /* Possible when any mode is; the disks-only reason explains best otherwise. */
  for (int m = LAGOON_SNAPSHOT_MODE_QUIESCED; m >= LAGOON_SNAPSHOT_MODE_DISKS; m--)
    {
      g_free (why);
      why = lagoon_snapshot_mode_why_not (vm, m);
      if (why == NULL)
        return NULL;
    }
  return g_steal_pointer (&why);
}

char *
lagoon_snapshot_revert_why_not (const LagoonRecord *snapshot)
{
  if (snapshot == NULL || !lagoon_record_get_bool (snapshot, LAGOON_VM_IS_A_SNAPSHOT))
    return g_strdup (_("Select one snapshot first."));
  if (lagoon_record_set_contains (snapshot, LAGOON_VM_ALLOWED_OPERATIONS, "revert"))
    return NULL;
  if (lagoon_record_get_map (snapshot, LAGOON_VM_CURRENT_OPERATIONS, NULL)[0] != NULL)
    return g_strdup (_("Another operation is in progress on this snapshot."));
  return g_strdup (_("The server does not allow reverting to this snapshot now."));
}

/* ---- Take Snapshot ----------------------------------------------------------------------- */

typedef struct
{
  LagoonServer *server;
  char         *vm_ref;
} TakeData;

static void
take_data_free (gpointer  p,
                GClosure *closure)
{
  TakeData *data = p;

  g_clear_object (&data->server);
  g_free (data->vm_ref);
  g_free (data);
}

static void
on_take_response (GtkDialog *dialog,
                  int        response,
                  TakeData  *data)
{
  LagoonSnapshotDialog *self = LAGOON_SNAPSHOT_DIALOG (dialog);
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;
  g_autofree char *title = NULL;
  g_autoptr(LagoonAction) action = NULL;
  LagoonSnapshotMode mode;

  if (response != GTK_RESPONSE_OK || server_cache (data->server) == NULL)
    {
      gtk_widget_destroy (GTK_WIDGET (dialog));
      return;
    }

  name = lagoon_snapshot_dialog_dup_name (self);
  description = lagoon_snapshot_dialog_dup_description (self);
  mode = lagoon_snapshot_dialog_get_mode (self);
  /* Translators: an event title; %s is the snapshot's name */
  title = g_strdup_printf (mode == LAGOON_SNAPSHOT_MODE_DISKS_AND_MEMORY
                             ? _("Take snapshot '%s' (disks and memory)")
                             : mode == LAGOON_SNAPSHOT_MODE_QUIESCED
                                 ? _("Take quiesced snapshot '%s'")
                                 : _("Take snapshot '%s'"),
                           name);
  action = lagoon_snapshot_action_new (lagoon_server_get_connection (data->server), title,
                                       lagoon_snapshot_mode_method (mode), data->vm_ref, name,
                                       description, LAGOON_SNAPSHOT_TEMPLATE_KEEP);
  run_action (action);
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

void
lagoon_snapshot_take (GtkWindow    *parent,
                      LagoonServer *server,
                      const char   *vm_ref)
{
  LagoonCache *cache;
  GtkWidget *dialog;
  TakeData *data;

  g_return_if_fail (LAGOON_IS_SERVER (server));
  g_return_if_fail (vm_ref != NULL);

  cache = server_cache (server);
  if (cache == NULL)
    return;

  dialog = lagoon_snapshot_dialog_new (parent, cache, vm_ref);
  data = g_new0 (TakeData, 1);
  data->server = g_object_ref (server);
  data->vm_ref = g_strdup (vm_ref);
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_take_response), data,
                         take_data_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- Revert ------------------------------------------------------------------------------ */

typedef struct
{
  LagoonServer *server;
  char         *snapshot_ref;
  GtkWidget    *check;
} RevertData;

static void
revert_data_free (gpointer p,
                  GClosure *closure)
{
  RevertData *data = p;

  g_clear_object (&data->server);
  g_free (data->snapshot_ref);
  g_free (data);
}

static void
on_revert_response (GtkDialog  *dialog,
                    int         response,
                    RevertData *data)
{
  LagoonCache *cache = server_cache (data->server);
  const LagoonRecord *snapshot = lookup_vm (data->server, data->snapshot_ref);
  const char *vm_ref = snapshot != NULL ? lagoon_record_get_ref (snapshot, LAGOON_VM_SNAPSHOT_OF)
                                        : NULL;
  const LagoonRecord *vm = lookup_vm (data->server, vm_ref);
  gboolean first = gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (data->check));
  g_autoptr(LagoonAction) action = NULL;
  g_autofree char *title = NULL;

  if (response != GTK_RESPONSE_OK || cache == NULL || snapshot == NULL || vm == NULL)
    {
      gtk_widget_destroy (GTK_WIDGET (dialog));
      return;
    }

  /* Translators: an event title; %s is the snapshot's name */
  title = g_strdup_printf (_("Revert to snapshot '%s'"), lagoon_record_get_name (snapshot));
  action = lagoon_action_new (lagoon_server_get_connection (data->server), title, NULL, NULL);
  set_object (action, vm_ref);
  if (first)
    {
      /* Translators: the name of the snapshot taken before a revert; %s is the VM's name */
      g_autofree char *base = g_strdup_printf (_("%s before revert"), lagoon_record_get_name (vm));
      g_autofree char *name = lagoon_snapshot_unique_name (cache, base);
      /* Disks and memory when the VM runs and can, as the state to come back to. */
      const char *method = lagoon_record_set_contains (vm, LAGOON_VM_ALLOWED_OPERATIONS,
                                                       "checkpoint")
                             ? "VM.checkpoint" : "VM.snapshot";

      lagoon_action_add_call (action, method, g_variant_new ("(ss)", vm_ref, name));
    }
  lagoon_action_add_call (action, "VM.revert", g_variant_new ("(s)", data->snapshot_ref));
  run_action (action);
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

void
lagoon_snapshot_revert (GtkWindow    *parent,
                        LagoonServer *server,
                        const char   *snapshot_ref)
{
  const LagoonRecord *snapshot;
  const LagoonRecord *vm;
  GtkWidget *dialog;
  GtkWidget *area;
  RevertData *data;
  g_autofree char *why = NULL;

  g_return_if_fail (LAGOON_IS_SERVER (server));

  snapshot = lookup_vm (server, snapshot_ref);
  vm = snapshot != NULL ? lookup_vm (server, lagoon_record_get_ref (snapshot,
                                                                    LAGOON_VM_SNAPSHOT_OF))
                        : NULL;
  why = lagoon_snapshot_revert_why_not (snapshot);
  if (why != NULL || vm == NULL)
    return;

  dialog = gtk_message_dialog_new (parent, GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE,
                                   /* Translators: %s is the snapshot's name */
                                   _("Revert to snapshot '%s'?"),
                                   lagoon_record_get_name (snapshot));
  /* xapi leaves the VM halted after a disks-only snapshot, suspended after one with memory. */
  if (g_strcmp0 (lagoon_record_get_enum_string (snapshot, LAGOON_VM_POWER_STATE),
                 "Suspended") == 0)
    gtk_message_dialog_format_secondary_text (
      GTK_MESSAGE_DIALOG (dialog),
      /* Translators: %s is the VM's name */
      _("The current state of %s will be lost: its disks and memory go back to what the "
        "snapshot kept, and the VM is left suspended."),
      lagoon_record_get_name (vm));
  else
    gtk_message_dialog_format_secondary_text (
      GTK_MESSAGE_DIALOG (dialog),
      /* Translators: %s is the VM's name */
      _("The current state of %s will be lost: its disks go back to what the snapshot kept, "
        "and the VM is left shut down."),
      lagoon_record_get_name (vm));
  gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
  gtk_style_context_add_class (
    gtk_widget_get_style_context (gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Revert"),
                                                         GTK_RESPONSE_OK)),
    "destructive-action");
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_OK);
  gtk_window_set_title (GTK_WINDOW (dialog), _("Revert to Snapshot"));
  atk_object_set_name (gtk_widget_get_accessible (dialog), _("Revert to Snapshot"));

  data = g_new0 (RevertData, 1);
  data->server = g_object_ref (server);
  data->snapshot_ref = g_strdup (snapshot_ref);
  data->check = gtk_check_button_new_with_mnemonic (
    _("_Take a snapshot of the current state first"));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (data->check), TRUE);
  gtk_widget_show (data->check);
  area = gtk_message_dialog_get_message_area (GTK_MESSAGE_DIALOG (dialog));
  gtk_container_add (GTK_CONTAINER (area), data->check);

  g_signal_connect_data (dialog, "response", G_CALLBACK (on_revert_response), data,
                         revert_data_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- Delete ------------------------------------------------------------------------------ */

typedef struct
{
  LagoonServer *server;
  GStrv         refs;
} DeleteData;

static void
delete_data_free (gpointer p,
                  GClosure *closure)
{
  DeleteData *data = p;

  g_clear_object (&data->server);
  g_strfreev (data->refs);
  g_free (data);
}

/* The snapshot's own disks, destroyed with it as XenCenter does: VDIs its VBDs own
 * (other_config:owner) or snapshot VDIs no other VBD uses. */
static void
add_disk_calls (LagoonCache        *cache,
                const LagoonRecord *snapshot,
                GPtrArray          *vdis)
{
  guint n_vbds = 0;
  const char * const *vbds = lagoon_record_get_set (snapshot, LAGOON_VM_VBDS, &n_vbds);

  for (guint i = 0; i < n_vbds; i++)
    {
      const LagoonRecord *vbd = lagoon_cache_lookup (cache, LAGOON_CLASS_VBD, vbds[i]);
      const char *vdi_ref = vbd != NULL ? lagoon_record_get_ref (vbd, LAGOON_VBD_VDI) : NULL;
      const LagoonRecord *vdi = vdi_ref != NULL ? lagoon_cache_lookup (cache, LAGOON_CLASS_VDI,
                                                                       vdi_ref)
                                                : NULL;
      guint n_users = 0;

      if (vdi == NULL || g_strcmp0 (lagoon_record_get_enum_string (vbd, LAGOON_VBD_TYPE),
                                    "Disk") != 0)
        continue;
      lagoon_record_get_set (vdi, LAGOON_VDI_VBDS, &n_users);
      if (lagoon_record_map_lookup (vbd, LAGOON_VBD_OTHER_CONFIG, "owner") != NULL ||
          (lagoon_record_get_bool (vdi, LAGOON_VDI_IS_A_SNAPSHOT) && n_users <= 1))
        g_ptr_array_add (vdis, g_strdup (vdi_ref));
    }
}

static void
on_delete_response (GtkDialog  *dialog,
                    int         response,
                    DeleteData *data)
{
  LagoonCache *cache = server_cache (data->server);
  g_autoptr(LagoonAction) action = NULL;
  g_autoptr(GPtrArray) vdis = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *title = NULL;
  guint n = 0;

  if (response != GTK_RESPONSE_OK || cache == NULL)
    {
      gtk_widget_destroy (GTK_WIDGET (dialog));
      return;
    }

  for (guint i = 0; data->refs[i] != NULL; i++)
    if (lookup_vm (data->server, data->refs[i]) != NULL)
      n++;
  if (n == 0)
    {
      gtk_widget_destroy (GTK_WIDGET (dialog));
      return;
    }

  if (n == 1)
    /* Translators: an event title; %s is the snapshot's name */
    title = g_strdup_printf (_("Delete snapshot '%s'"),
                             lagoon_record_get_name (lookup_vm (data->server, data->refs[0])));
  else
    /* Translators: an event title */
    title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Delete %u snapshot",
                                          "Delete %u snapshots", n), n);
  action = lagoon_action_new (lagoon_server_get_connection (data->server), title, NULL, NULL);
  lagoon_action_set_objects (action, (const char * const *) data->refs);
  for (guint i = 0; data->refs[i] != NULL; i++)
    {
      const LagoonRecord *snapshot = lookup_vm (data->server, data->refs[i]);

      if (snapshot == NULL)
        continue;
      g_ptr_array_set_size (vdis, 0);
      add_disk_calls (cache, snapshot, vdis);
      /* A disks-and-memory snapshot lets go of its memory image first (its suspend VDI). */
      if (g_strcmp0 (lagoon_record_get_enum_string (snapshot, LAGOON_VM_POWER_STATE),
                     "Suspended") == 0)
        lagoon_action_add_call (action, "VM.hard_shutdown", g_variant_new ("(s)", data->refs[i]));
      lagoon_action_add_call (action, "VM.destroy", g_variant_new ("(s)", data->refs[i]));
      for (guint v = 0; v < vdis->len; v++)
        lagoon_action_add_call (action, "VDI.destroy",
                                g_variant_new ("(s)", (char *) g_ptr_array_index (vdis, v)));
    }
  run_action (action);
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

void
lagoon_snapshot_delete (GtkWindow          *parent,
                        LagoonServer       *server,
                        const char * const *snapshot_refs)
{
  g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) names = g_string_new (NULL);
  GtkWidget *dialog;
  DeleteData *data;

  g_return_if_fail (LAGOON_IS_SERVER (server));

  for (guint i = 0; snapshot_refs != NULL && snapshot_refs[i] != NULL; i++)
    {
      const LagoonRecord *snapshot = lookup_vm (server, snapshot_refs[i]);

      if (snapshot == NULL || !lagoon_record_get_bool (snapshot, LAGOON_VM_IS_A_SNAPSHOT))
        continue;
      g_ptr_array_add (refs, g_strdup (snapshot_refs[i]));
      g_string_append_printf (names, "\n• %s", lagoon_record_get_name (snapshot));
    }
  if (refs->len == 0)
    return;
  g_ptr_array_add (refs, NULL);

  dialog = gtk_message_dialog_new (parent, GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE, "%s",
                                   g_dngettext (GETTEXT_PACKAGE, "Delete this snapshot?",
                                                "Delete these snapshots?", refs->len - 1));
  gtk_message_dialog_format_secondary_text (
    GTK_MESSAGE_DIALOG (dialog), "%s%s\n\n%s",
    g_dngettext (GETTEXT_PACKAGE, "This snapshot and its disks will be deleted:",
                 "These snapshots and their disks will be deleted:", refs->len - 1),
    names->str, _("This cannot be undone. The VM itself is not changed."));
  gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
  gtk_style_context_add_class (
    gtk_widget_get_style_context (gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Delete"),
                                                         GTK_RESPONSE_OK)),
    "destructive-action");
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  gtk_window_set_title (GTK_WINDOW (dialog), _("Delete Snapshots"));
  atk_object_set_name (gtk_widget_get_accessible (dialog), _("Delete Snapshots"));

  data = g_new0 (DeleteData, 1);
  data->server = g_object_ref (server);
  data->refs = (GStrv) g_ptr_array_free (g_steal_pointer (&refs), FALSE);
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_delete_response), data,
                         delete_data_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- New VM / New Template from Snapshot ------------------------------------------------- */

typedef struct
{
  LagoonServer *server;
  char         *snapshot_ref;
  gboolean      as_template;
  GtkWidget    *entry;
} CloneData;

static void
clone_data_free (gpointer  p,
                 GClosure *closure)
{
  CloneData *data = p;

  g_clear_object (&data->server);
  g_free (data->snapshot_ref);
  g_free (data);
}

static void
on_clone_response (GtkDialog *dialog,
                   int        response,
                   CloneData *data)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_entry_get_text (GTK_ENTRY (data->entry))));
  const LagoonRecord *snapshot = lookup_vm (data->server, data->snapshot_ref);
  g_autoptr(LagoonAction) action = NULL;
  g_autofree char *title = NULL;

  if (response != GTK_RESPONSE_OK || snapshot == NULL || name[0] == '\0')
    {
      gtk_widget_destroy (GTK_WIDGET (dialog));
      return;
    }

  title = data->as_template
            /* Translators: an event title; %s is the new template's name */
            ? g_strdup_printf (_("New template '%s' from snapshot"), name)
            /* Translators: an event title; %s is the new VM's name */
            : g_strdup_printf (_("New VM '%s' from snapshot"), name);
  /* xapi's clone of a snapshot is a template (snapshots are): make it what was asked. */
  action = lagoon_snapshot_action_new (lagoon_server_get_connection (data->server), title,
                                       "VM.clone", data->snapshot_ref, name, NULL,
                                       data->as_template ? LAGOON_SNAPSHOT_TEMPLATE_YES
                                                         : LAGOON_SNAPSHOT_TEMPLATE_NO);
  run_action (action);
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

static void
on_clone_name_changed (GtkEditable *editable,
                       GtkDialog   *dialog)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_entry_get_text (GTK_ENTRY (editable))));

  gtk_dialog_set_response_sensitive (dialog, GTK_RESPONSE_OK, name[0] != '\0');
}

void
lagoon_snapshot_new_vm (GtkWindow    *parent,
                        LagoonServer *server,
                        const char   *snapshot_ref,
                        gboolean      as_template)
{
  const LagoonRecord *snapshot;
  LagoonCache *cache;
  GtkWidget *dialog;
  GtkWidget *box;
  GtkWidget *label;
  CloneData *data;
  g_autofree char *base = NULL;
  g_autofree char *name = NULL;
  const char *title;

  g_return_if_fail (LAGOON_IS_SERVER (server));

  snapshot = lookup_vm (server, snapshot_ref);
  cache = server_cache (server);
  if (snapshot == NULL || cache == NULL ||
      !lagoon_record_set_contains (snapshot, LAGOON_VM_ALLOWED_OPERATIONS, "clone"))
    return;

  title = as_template ? _("New Template from Snapshot") : _("New VM from Snapshot");
  dialog = gtk_dialog_new_with_buttons (title, parent,
                                        GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                        _("_Cancel"), GTK_RESPONSE_CANCEL,
                                        as_template ? _("C_reate Template") : _("C_reate VM"),
                                        GTK_RESPONSE_OK, NULL);
  gtk_window_set_resizable (GTK_WINDOW (dialog), FALSE);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_OK);
  atk_object_set_name (gtk_widget_get_accessible (dialog), title);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_container_set_border_width (GTK_CONTAINER (box), 12);
  label = gtk_label_new_with_mnemonic (as_template ? _("_Name of the new template")
                                                  : _("_Name of the new VM"));
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_container_add (GTK_CONTAINER (box), label);

  data = g_new0 (CloneData, 1);
  data->server = g_object_ref (server);
  data->snapshot_ref = g_strdup (snapshot_ref);
  data->as_template = as_template;
  data->entry = gtk_entry_new ();
  gtk_entry_set_activates_default (GTK_ENTRY (data->entry), TRUE);
  gtk_entry_set_width_chars (GTK_ENTRY (data->entry), 40);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), data->entry);
  atk_object_set_name (gtk_widget_get_accessible (data->entry),
                       as_template ? _("Template name") : _("VM name"));
  base = as_template
           /* Translators: the default name of a template made from the snapshot %s */
           ? g_strdup_printf (_("Template from %s"), lagoon_record_get_name (snapshot))
           /* Translators: the default name of a VM made from the snapshot %s */
           : g_strdup_printf (_("VM from %s"), lagoon_record_get_name (snapshot));
  name = lagoon_snapshot_unique_name (cache, base);
  gtk_entry_set_text (GTK_ENTRY (data->entry), name);
  g_signal_connect (data->entry, "changed", G_CALLBACK (on_clone_name_changed), dialog);
  gtk_container_add (GTK_CONTAINER (box), data->entry);
  gtk_widget_show_all (box);
  gtk_container_add (GTK_CONTAINER (gtk_dialog_get_content_area (GTK_DIALOG (dialog))), box);

  g_signal_connect_data (dialog, "response", G_CALLBACK (on_clone_response), data,
                         clone_data_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- the window's actions ---------------------------------------------------------------- */

typedef enum {
  WIN_TAKE,
  WIN_REVERT,
  WIN_DELETE,
  WIN_NEW_VM,
  WIN_NEW_TEMPLATE,
  N_WIN_ACTIONS
} WinAction;

static const char *const win_action_names[N_WIN_ACTIONS] = {
  "take-snapshot", "snapshot-revert", "snapshot-delete", "snapshot-new-vm",
  "snapshot-new-template",
};

typedef struct
{
  LagoonServer *server;
  char         *ref;
  char         *reason;
} Target;

static void
target_free (gpointer p)
{
  Target *target = p;

  g_clear_object (&target->server);
  g_free (target->ref);
  g_free (target->reason);
  g_free (target);
}

static void
win_action_activate (GSimpleAction *simple,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  Target *target = g_object_get_data (G_OBJECT (simple), "lagoon-target");
  GtkWindow *parent = GTK_IS_WINDOW (user_data) ? GTK_WINDOW (user_data) : NULL;
  const char *name = g_action_get_name (G_ACTION (simple));

  if (target == NULL || target->server == NULL || target->ref == NULL)
    return;

  if (g_str_equal (name, win_action_names[WIN_TAKE]))
    lagoon_snapshot_take (parent, target->server, target->ref);
  else if (g_str_equal (name, win_action_names[WIN_REVERT]))
    lagoon_snapshot_revert (parent, target->server, target->ref);
  else if (g_str_equal (name, win_action_names[WIN_DELETE]))
    {
      const char *refs[2] = { target->ref, NULL };

      lagoon_snapshot_delete (parent, target->server, refs);
    }
  else if (g_str_equal (name, win_action_names[WIN_NEW_VM]))
    lagoon_snapshot_new_vm (parent, target->server, target->ref, FALSE);
  else if (g_str_equal (name, win_action_names[WIN_NEW_TEMPLATE]))
    lagoon_snapshot_new_vm (parent, target->server, target->ref, TRUE);
}

void
lagoon_snapshot_commands_add (GActionMap *map)
{
  g_return_if_fail (G_IS_ACTION_MAP (map));

  for (guint i = 0; i < N_WIN_ACTIONS; i++)
    {
      g_autoptr(GSimpleAction) action = g_simple_action_new (win_action_names[i], NULL);

      g_simple_action_set_enabled (action, FALSE);
      g_object_set_data_full (G_OBJECT (action), "lagoon-target", g_new0 (Target, 1),
                              target_free);
      g_signal_connect (action, "activate", G_CALLBACK (win_action_activate), map);
      g_action_map_add_action (map, G_ACTION (action));
    }
}

/* Why the snapshot command @which cannot run on @rec (free it), or NULL. */
static char *
win_action_why_not (WinAction           which,
                    const LagoonRecord *rec)
{
  gboolean is_snapshot = rec != NULL && lagoon_record_get_bool (rec, LAGOON_VM_IS_A_SNAPSHOT);

  switch (which)
    {
    case WIN_TAKE:
      return lagoon_snapshot_take_why_not (rec);

    case WIN_REVERT:
      return lagoon_snapshot_revert_why_not (rec);

    case WIN_DELETE:
      if (!is_snapshot)
        return g_strdup (_("Select a snapshot first."));
      if (!lagoon_record_set_contains (rec, LAGOON_VM_ALLOWED_OPERATIONS, "destroy"))
        return g_strdup (_("The server does not allow deleting this snapshot now."));
      return NULL;

    case WIN_NEW_VM:
    case WIN_NEW_TEMPLATE:
    case N_WIN_ACTIONS:
    default:
      if (!is_snapshot)
        return g_strdup (_("Select a snapshot first."));
      if (!lagoon_record_set_contains (rec, LAGOON_VM_ALLOWED_OPERATIONS, "clone"))
        return g_strdup (_("The server does not allow copying this snapshot now."));
      return NULL;
    }
}

void
lagoon_snapshot_commands_update (GActionMap   *map,
                                 LagoonServer *server,
                                 int           class_id,
                                 const char   *ref)
{
  const LagoonRecord *rec = NULL;

  g_return_if_fail (G_IS_ACTION_MAP (map));

  if (class_id == LAGOON_CLASS_VM)
    rec = lookup_vm (server, ref);

  for (guint i = 0; i < N_WIN_ACTIONS; i++)
    {
      GAction *action = g_action_map_lookup_action (map, win_action_names[i]);
      Target *target = action != NULL ? g_object_get_data (G_OBJECT (action), "lagoon-target")
                                      : NULL;

      if (target == NULL)
        continue;
      g_set_object (&target->server, server);
      g_free (target->ref);
      target->ref = g_strdup (ref);
      g_free (target->reason);
      target->reason = win_action_why_not (i, rec);
      g_simple_action_set_enabled (G_SIMPLE_ACTION (action), target->reason == NULL);
    }
}

const char *
lagoon_snapshot_commands_get_reason (GActionMap *map,
                                     const char *name)
{
  GAction *action;
  Target *target;

  g_return_val_if_fail (G_IS_ACTION_MAP (map), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  action = g_action_map_lookup_action (map, name);
  target = action != NULL ? g_object_get_data (G_OBJECT (action), "lagoon-target") : NULL;
  if (target == NULL || g_action_get_enabled (action))
    return NULL;
  return target->reason;
}

GMenuModel *
lagoon_snapshot_commands_menu (LagoonServer *server,
                               int           class_id,
                               const char   *ref)
{
  const LagoonRecord *rec = class_id == LAGOON_CLASS_VM ? lookup_vm (server, ref) : NULL;
  GMenu *section;

  if (rec == NULL || lagoon_record_get_bool (rec, LAGOON_VM_IS_CONTROL_DOMAIN))
    return NULL;

  section = g_menu_new ();
  if (lagoon_record_get_bool (rec, LAGOON_VM_IS_A_SNAPSHOT))
    {
      g_menu_append (section, _("_Revert to Snapshot…"), "win.snapshot-revert");
      g_menu_append (section, _("New _VM from Snapshot…"), "win.snapshot-new-vm");
      g_menu_append (section, _("New Te_mplate from Snapshot…"), "win.snapshot-new-template");
      g_menu_append (section, _("_Delete Snapshot…"), "win.snapshot-delete");
    }
  else if (!lagoon_record_get_bool (rec, LAGOON_VM_IS_A_TEMPLATE))
    g_menu_append (section, _("Take a S_napshot…"), "win.take-snapshot");
  return G_MENU_MODEL (section);
}
