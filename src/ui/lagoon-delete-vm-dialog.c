/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-commands"

#include "config.h"

#include <glib/gi18n.h>

#include "lagoon-action.h"
#include "lagoon-application.h"
#include "lagoon-delete-vm-dialog.h"

typedef struct
{
  LagoonConnection *connection;
  char             *vm_ref;
  GPtrArray        *disk_checks;      /* GtkWidget *, with "lagoon-ref" (a VDI) */
  GPtrArray        *snapshot_checks;  /* GtkWidget *, with "lagoon-ref" (a VM snapshot) */
} Dialog;

static void
dialog_free (Dialog *d)
{
  g_clear_object (&d->connection);
  g_free (d->vm_ref);
  g_ptr_array_unref (d->disk_checks);
  g_ptr_array_unref (d->snapshot_checks);
  g_free (d);
}

/* The VDIs behind a VM's disk VBDs (CD drives and empty drives left out). */
static GPtrArray *
vm_disks (LagoonCache        *cache,
          const LagoonRecord *vm)
{
  GPtrArray *vdis = g_ptr_array_new ();
  guint n = 0;
  const char * const *vbds = lagoon_record_get_set (vm, LAGOON_VM_VBDS, &n);

  for (guint i = 0; i < n; i++)
    {
      const LagoonRecord *vbd = lagoon_cache_lookup (cache, LAGOON_CLASS_VBD, vbds[i]);
      const LagoonRecord *vdi;

      if (vbd == NULL || g_strcmp0 (lagoon_record_get_enum_string (vbd, LAGOON_VBD_TYPE), "CD") == 0)
        continue;
      vdi = lagoon_cache_lookup (cache, LAGOON_CLASS_VDI,
                                 lagoon_record_get_ref (vbd, LAGOON_VBD_VDI));
      if (vdi != NULL)
        g_ptr_array_add (vdis, (gpointer) vdi);
    }
  return vdis;
}

static void
add_destroy_disks (LagoonAction       *action,
                   LagoonCache        *cache,
                   const LagoonRecord *vm)
{
  g_autoptr(GPtrArray) disks = vm_disks (cache, vm);

  for (guint i = 0; i < disks->len; i++)
    lagoon_action_add_call (action, "VDI.destroy",
                            g_variant_new ("(s)", lagoon_record_get_opaque_ref (disks->pdata[i])));
}

static void
on_response (GtkDialog *dialog,
             int        response,
             Dialog    *d)
{
  LagoonCache *cache = lagoon_connection_get_cache (d->connection);
  const LagoonRecord *vm = lagoon_cache_lookup (cache, LAGOON_CLASS_VM, d->vm_ref);

  if (response == GTK_RESPONSE_ACCEPT && vm != NULL)
    {
      GApplication *application = g_application_get_default ();
      g_autoptr(LagoonAction) action = NULL;
      g_autofree char *title = NULL;
      const char *objects[2] = { d->vm_ref, NULL };

      /* Translators: the Events pane's title; %s is the VM's name */
      title = g_strdup_printf (_("Delete VM “%s”"), lagoon_record_get_name (vm));
      action = lagoon_action_new (d->connection, title, NULL, NULL);

      /* The VM first (its VBDs go with it), then what the user chose to delete with it. */
      lagoon_action_add_call (action, "VM.destroy", g_variant_new ("(s)", d->vm_ref));
      for (guint i = 0; i < d->disk_checks->len; i++)
        {
          GtkWidget *check = g_ptr_array_index (d->disk_checks, i);

          if (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (check)))
            lagoon_action_add_call (action, "VDI.destroy",
                                    g_variant_new ("(s)", (const char *) g_object_get_data (
                                                     G_OBJECT (check), "lagoon-ref")));
        }
      for (guint i = 0; i < d->snapshot_checks->len; i++)
        {
          GtkWidget *check = g_ptr_array_index (d->snapshot_checks, i);
          const char *ref = g_object_get_data (G_OBJECT (check), "lagoon-ref");
          const LagoonRecord *snapshot = lagoon_cache_lookup (cache, LAGOON_CLASS_VM, ref);

          if (snapshot == NULL || !gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (check)))
            continue;
          lagoon_action_add_call (action, "VM.destroy", g_variant_new ("(s)", ref));
          add_destroy_disks (action, cache, snapshot);
        }

      lagoon_action_set_objects (action, objects);
      if (LAGOON_IS_APPLICATION (application))
        lagoon_application_run_action (LAGOON_APPLICATION (application), action);
    }
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

static GtkWidget *
section_label (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_style_context_add_class (gtk_widget_get_style_context (label), "heading");
  gtk_widget_set_margin_top (label, 6);
  return label;
}

void
lagoon_delete_vm_dialog_present (GtkWindow        *parent,
                                 LagoonConnection *connection,
                                 const char       *vm_ref)
{
  LagoonCache *cache = lagoon_connection_get_cache (connection);
  const LagoonRecord *vm = lagoon_cache_lookup (cache, LAGOON_CLASS_VM, vm_ref);
  g_autoptr(GPtrArray) disks = NULL;
  GtkWidget *dialog;
  GtkWidget *button;
  GtkWidget *box;
  Dialog *d;
  guint n_snapshots = 0;
  const char * const *snapshots;

  if (vm == NULL)
    return;

  d = g_new0 (Dialog, 1);
  d->connection = g_object_ref (connection);
  d->vm_ref = g_strdup (vm_ref);
  d->disk_checks = g_ptr_array_new ();
  d->snapshot_checks = g_ptr_array_new ();

  dialog = gtk_message_dialog_new (parent, GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE,
                                   _("Delete VM “%s”?"), lagoon_record_get_name (vm));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s",
    _("The VM and its configuration are removed from the pool. Checked disks and snapshots "
      "are deleted with it; unchecked ones stay on their storage. This cannot be undone."));
  gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
  button = gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Delete"), GTK_RESPONSE_ACCEPT);
  gtk_style_context_add_class (gtk_widget_get_style_context (button), "destructive-action");
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  g_object_set_data_full (G_OBJECT (dialog), "lagoon-delete-vm", d,
                          (GDestroyNotify) dialog_free);

  box = gtk_message_dialog_get_message_area (GTK_MESSAGE_DIALOG (dialog));

  disks = vm_disks (cache, vm);
  if (disks->len > 0)
    gtk_container_add (GTK_CONTAINER (box), section_label (_("Disks")));
  for (guint i = 0; i < disks->len; i++)
    {
      const LagoonRecord *vdi = g_ptr_array_index (disks, i);
      const LagoonRecord *sr = lagoon_cache_lookup (cache, LAGOON_CLASS_SR,
                                                    lagoon_record_get_ref (vdi, LAGOON_VDI_SR));
      g_autofree char *size = g_format_size (lagoon_record_get_int (vdi, LAGOON_VDI_VIRTUAL_SIZE));
      guint users = 0;
      g_autofree char *label = NULL;
      GtkWidget *check;

      lagoon_record_get_set (vdi, LAGOON_VDI_VBDS, &users);
      /* Translators: a disk in the Delete VM dialog: its name, size and storage */
      label = g_strdup_printf (_("%s (%s, on %s)"), lagoon_record_get_name (vdi), size,
                               sr != NULL ? lagoon_record_get_name (sr) : _("unknown storage"));
      check = gtk_check_button_new_with_label (label);
      /* A disk another VM also uses is kept unless the user says otherwise. */
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (check), users <= 1);
      if (users > 1)
        gtk_widget_set_tooltip_text (check, _("Another VM also uses this disk."));
      g_object_set_data_full (G_OBJECT (check), "lagoon-ref",
                              g_strdup (lagoon_record_get_opaque_ref (vdi)), g_free);
      g_ptr_array_add (d->disk_checks, check);
      gtk_container_add (GTK_CONTAINER (box), check);
    }

  snapshots = lagoon_record_get_set (vm, LAGOON_VM_SNAPSHOTS, &n_snapshots);
  if (n_snapshots > 0)
    gtk_container_add (GTK_CONTAINER (box), section_label (_("Snapshots")));
  for (guint i = 0; i < n_snapshots; i++)
    {
      const LagoonRecord *snapshot = lagoon_cache_lookup (cache, LAGOON_CLASS_VM, snapshots[i]);
      GtkWidget *check;

      if (snapshot == NULL)
        continue;
      check = gtk_check_button_new_with_label (lagoon_record_get_name (snapshot));
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (check), TRUE);
      g_object_set_data_full (G_OBJECT (check), "lagoon-ref", g_strdup (snapshots[i]), g_free);
      g_ptr_array_add (d->snapshot_checks, check);
      gtk_container_add (GTK_CONTAINER (box), check);
    }

  g_signal_connect (dialog, "response", G_CALLBACK (on_response), d);
  gtk_widget_show_all (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}
