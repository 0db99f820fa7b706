/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-vapp-commands"

#include "config.h"

#include <glib/gi18n.h>

#include "lagoon-new-vapp-wizard.h"
#include "lagoon-vapp-commands.h"
#include "lagoon-vapp-dialog.h"
#include "lagoon-vapp-properties-dialog.h"

typedef struct
{
  LagoonServer *server;
  int           class_id;
  char         *ref;
  GPtrArray    *dialogs;   /* LagoonVappDialog *, weak */
} Target;

static const char *const names[] = {
  "new-vapp", "manage-vapps", "vapp-start", "vapp-shutdown", "vapp-properties",
};

static void
weak_dialog_gone (gpointer  data,
                  GObject  *where)
{
  g_ptr_array_remove (data, where);
}

static void
target_free (gpointer data)
{
  Target *target = data;

  for (guint i = 0; i < target->dialogs->len; i++)
    g_object_weak_unref (target->dialogs->pdata[i], weak_dialog_gone, target->dialogs);
  g_ptr_array_unref (target->dialogs);
  g_clear_object (&target->server);
  g_free (target->ref);
  g_free (target);
}

static Target *
get_target (GActionMap *map)
{
  return g_object_get_data (G_OBJECT (map), "lagoon-vapp-target");
}

static GtkWindow *
parent_of (GActionMap *map)
{
  return GTK_IS_WINDOW (map) ? GTK_WINDOW (map) : NULL;
}

static void
open_wizard (GtkWindow          *parent,
             LagoonServer       *server,
             const char * const *vms)
{
  GtkWidget *wizard = lagoon_new_vapp_wizard_new (parent, server, vms);

  gtk_window_present (GTK_WINDOW (wizard));
}

static void
on_dialog_new_vapp (LagoonVappDialog *dialog,
                    gpointer          user_data)
{
  open_wizard (GTK_WINDOW (dialog), lagoon_vapp_dialog_get_server (dialog), NULL);
}

/* The pool's Manage vApps dialog (made once, then presented again). */
static LagoonVappDialog *
manage_dialog (GActionMap   *map,
               LagoonServer *server)
{
  Target *target = get_target (map);
  GtkWidget *dialog;

  for (guint i = 0; i < target->dialogs->len; i++)
    if (lagoon_vapp_dialog_get_server (target->dialogs->pdata[i]) == server)
      return target->dialogs->pdata[i];

  dialog = lagoon_vapp_dialog_new (parent_of (map), server);
  g_signal_connect (dialog, "new-vapp", G_CALLBACK (on_dialog_new_vapp), NULL);
  g_ptr_array_add (target->dialogs, dialog);
  g_object_weak_ref (G_OBJECT (dialog), weak_dialog_gone, target->dialogs);
  return LAGOON_VAPP_DIALOG (dialog);
}

static void
activate (GSimpleAction *simple,
          GVariant      *parameter,
          gpointer       user_data)
{
  GActionMap *map = user_data;
  Target *target = get_target (map);
  const char *name = g_action_get_name (G_ACTION (simple));
  LagoonVappDialog *dialog;

  if (target == NULL || target->server == NULL)
    return;

  if (g_str_equal (name, "new-vapp"))
    {
      const char *vms[2] = { NULL, NULL };

      if (target->class_id == LAGOON_CLASS_VM)
        vms[0] = target->ref;
      open_wizard (parent_of (map), target->server, vms);
      return;
    }
  if (g_str_equal (name, "vapp-properties"))
    {
      GtkWidget *properties;

      if (target->class_id != LAGOON_CLASS_VM_APPLIANCE || target->ref == NULL)
        return;
      properties = lagoon_vapp_properties_dialog_new (parent_of (map), target->server,
                                                      target->ref);
      if (properties != NULL)
        gtk_window_present (GTK_WINDOW (properties));
      return;
    }

  dialog = manage_dialog (map, target->server);
  gtk_window_present (GTK_WINDOW (dialog));
  if (target->class_id == LAGOON_CLASS_VM_APPLIANCE && target->ref != NULL)
    {
      lagoon_vapp_dialog_select (dialog, target->ref);
      if (g_str_equal (name, "vapp-start") || g_str_equal (name, "vapp-shutdown"))
        lagoon_vapp_dialog_run (dialog, target->ref, g_str_equal (name, "vapp-start"));
    }
}

void
lagoon_vapp_commands_add (GActionMap *map)
{
  Target *target;

  g_return_if_fail (G_IS_ACTION_MAP (map));

  target = g_new0 (Target, 1);
  target->dialogs = g_ptr_array_new ();
  target->class_id = -1;
  g_object_set_data_full (G_OBJECT (map), "lagoon-vapp-target", target, target_free);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GSimpleAction) action = g_simple_action_new (names[i], NULL);

      g_simple_action_set_enabled (action, FALSE);
      g_signal_connect (action, "activate", G_CALLBACK (activate), map);
      g_action_map_add_action (map, G_ACTION (action));
    }
}

void
lagoon_vapp_commands_update (GActionMap   *map,
                             LagoonServer *server,
                             int           class_id,
                             const char   *ref)
{
  Target *target;
  gboolean connected;
  const LagoonRecord *app = NULL;

  g_return_if_fail (G_IS_ACTION_MAP (map));

  target = get_target (map);
  if (target == NULL)
    return;
  g_set_object (&target->server, server);
  target->class_id = ref != NULL ? class_id : -1;
  g_free (target->ref);
  target->ref = g_strdup (ref);

  connected = server != NULL &&
              lagoon_connection_get_state (lagoon_server_get_connection (server)) ==
                LAGOON_CONNECTION_CONNECTED;
  if (connected && ref != NULL && class_id == LAGOON_CLASS_VM_APPLIANCE)
    app = lagoon_cache_lookup (lagoon_connection_get_cache (lagoon_server_get_connection (server)),
                               LAGOON_CLASS_VM_APPLIANCE, ref);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      GAction *action = g_action_map_lookup_action (map, names[i]);
      gboolean enabled = connected;

      if (g_str_has_prefix (names[i], "vapp-"))
        enabled = app != NULL;
      if (action != NULL)
        g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
    }
}
