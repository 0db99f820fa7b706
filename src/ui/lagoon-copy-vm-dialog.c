/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-commands"

#include "config.h"

#include <glib/gi18n.h>

#include "lagoon-action.h"
#include "lagoon-application.h"
#include "lagoon-copy-vm-dialog.h"

/* ---- the action: clone or copy, then the description ------------------------------------- */

#define LAGOON_TYPE_COPY_VM_ACTION (lagoon_copy_vm_action_get_type ())
G_DECLARE_FINAL_TYPE (LagoonCopyVmAction, lagoon_copy_vm_action, LAGOON, COPY_VM_ACTION,
                      LagoonAction)

struct _LagoonCopyVmAction
{
  LagoonAction parent_instance;
  char        *vm_ref;
  char        *name;
  char        *description;
  char        *sr_ref;        /* NULL: fast clone */
};

G_DEFINE_FINAL_TYPE (LagoonCopyVmAction, lagoon_copy_vm_action, LAGOON_TYPE_ACTION)

static void
description_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  char *new_ref = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GVariant) value = lagoon_action_run_task_finish (LAGOON_ACTION (source), result,
                                                             &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_variant_ref_sink (g_variant_new_string (new_ref)),
                           (GDestroyNotify) g_variant_unref);
}

static void
copy_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LagoonCopyVmAction *self = LAGOON_COPY_VM_ACTION (source);
  GError *error = NULL;
  g_autoptr(GVariant) value = lagoon_action_run_task_finish (LAGOON_ACTION (self), result,
                                                             &error);
  const char *new_ref;

  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               _("The server did not say which VM it made."));
      return;
    }
  new_ref = g_variant_get_string (value, NULL);
  if (self->description == NULL || *self->description == '\0')
    {
      g_task_return_pointer (task, g_steal_pointer (&value), (GDestroyNotify) g_variant_unref);
      return;
    }
  g_task_set_task_data (task, g_strdup (new_ref), g_free);
  lagoon_action_run_task_async (LAGOON_ACTION (self), "VM.set_name_description",
                                g_variant_new ("(ss)", new_ref, self->description), 0.95, 1.0,
                                g_task_get_cancellable (task), description_done,
                                g_object_ref (task));
}

static void
lagoon_copy_vm_action_run (LagoonAction *action,
                           GTask        *task)
{
  LagoonCopyVmAction *self = LAGOON_COPY_VM_ACTION (action);

  if (self->sr_ref == NULL)
    lagoon_action_run_task_async (action, "VM.clone",
                                  g_variant_new ("(ss)", self->vm_ref, self->name), 0.0, 0.95,
                                  g_task_get_cancellable (task), copy_done, g_object_ref (task));
  else
    lagoon_action_run_task_async (action, "VM.copy",
                                  g_variant_new ("(sss)", self->vm_ref, self->name, self->sr_ref),
                                  0.0, 0.95, g_task_get_cancellable (task), copy_done,
                                  g_object_ref (task));
}

static void
lagoon_copy_vm_action_finalize (GObject *object)
{
  LagoonCopyVmAction *self = LAGOON_COPY_VM_ACTION (object);

  g_free (self->vm_ref);
  g_free (self->name);
  g_free (self->description);
  g_free (self->sr_ref);
  G_OBJECT_CLASS (lagoon_copy_vm_action_parent_class)->finalize (object);
}

static void
lagoon_copy_vm_action_class_init (LagoonCopyVmActionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lagoon_copy_vm_action_finalize;
  LAGOON_ACTION_CLASS (klass)->run = lagoon_copy_vm_action_run;
}

static void
lagoon_copy_vm_action_init (LagoonCopyVmAction *self)
{
}

/* ---- the dialog -------------------------------------------------------------------------- */

typedef struct
{
  LagoonConnection *connection;
  char             *vm_ref;
  GtkWidget        *dialog;
  GtkWidget        *name_entry;
  GtkWidget        *description_entry;
  GtkWidget        *clone_radio;
  GtkWidget        *copy_radio;
  GtkWidget        *sr_combo;
  GtkWidget        *problem;
  GtkWidget        *ok_button;
  gint64            needed;      /* bytes of the VM's disks, for a full copy */
} Dialog;

static void
dialog_free (Dialog *d)
{
  g_clear_object (&d->connection);
  g_free (d->vm_ref);
  g_free (d);
}

static void
validate (Dialog *d)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_entry_get_text (GTK_ENTRY (d->name_entry))));
  gboolean full = gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (d->copy_radio));
  const char *problem = NULL;

  gtk_widget_set_sensitive (d->sr_combo, full);
  if (*name == '\0')
    problem = _("Give the new VM a name.");
  else if (full && gtk_combo_box_get_active_id (GTK_COMBO_BOX (d->sr_combo)) == NULL)
    problem = _("Choose the storage repository for the copied disks.");
  else if (!full && !gtk_widget_get_sensitive (d->clone_radio))
    problem = _("Choose a full copy: the VM cannot be cloned now.");

  gtk_label_set_text (GTK_LABEL (d->problem), problem != NULL ? problem : "");
  gtk_widget_set_sensitive (d->ok_button, problem == NULL);
}

static void
on_changed (GtkWidget *widget,
            Dialog    *d)
{
  validate (d);
}

static void
on_response (GtkDialog *dialog,
             int        response,
             Dialog    *d)
{
  if (response == GTK_RESPONSE_OK)
    {
      GApplication *application = g_application_get_default ();
      LagoonCopyVmAction *action;
      g_autofree char *title = NULL;
      const char *objects[2] = { d->vm_ref, NULL };
      gboolean full = gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (d->copy_radio));

      g_autofree char *name =
        g_strstrip (g_strdup (gtk_entry_get_text (GTK_ENTRY (d->name_entry))));

      /* Translators: the Events pane's title; %s is the new VM's name */
      title = g_strdup_printf (full ? _("Copy VM to “%s”") : _("Clone VM to “%s”"), name);
      action = g_object_new (LAGOON_TYPE_COPY_VM_ACTION, "connection", d->connection,
                             "title", title, NULL);
      action->vm_ref = g_strdup (d->vm_ref);
      action->name = g_steal_pointer (&name);
      action->description = g_strdup (gtk_entry_get_text (GTK_ENTRY (d->description_entry)));
      action->sr_ref = full ? g_strdup (gtk_combo_box_get_active_id (GTK_COMBO_BOX (d->sr_combo)))
                            : NULL;
      lagoon_action_set_objects (LAGOON_ACTION (action), objects);
      if (LAGOON_IS_APPLICATION (application))
        lagoon_application_run_action (LAGOON_APPLICATION (application), LAGOON_ACTION (action));
      g_object_unref (action);
    }
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

static GtkWidget *
add_labelled (GtkGrid    *grid,
              int         row,
              const char *mnemonic,
              const char *accessible_name,
              GtkWidget  *widget)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (mnemonic);

  atk_object_set_name (gtk_widget_get_accessible (widget), accessible_name);
  gtk_label_set_xalign (GTK_LABEL (label), 1.0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), widget);
  gtk_widget_set_hexpand (widget, TRUE);
  gtk_grid_attach (grid, label, 0, row, 1, 1);
  gtk_grid_attach (grid, widget, 1, row, 1, 1);
  return widget;
}

/* Bytes the VM's disks take, for the free-space check of a full copy. */
static gint64
disks_size (LagoonCache        *cache,
            const LagoonRecord *vm)
{
  guint n = 0;
  const char * const *vbds = lagoon_record_get_set (vm, LAGOON_VM_VBDS, &n);
  gint64 total = 0;

  for (guint i = 0; i < n; i++)
    {
      const LagoonRecord *vbd = lagoon_cache_lookup (cache, LAGOON_CLASS_VBD, vbds[i]);
      const LagoonRecord *vdi = vbd != NULL
        ? lagoon_cache_lookup (cache, LAGOON_CLASS_VDI, lagoon_record_get_ref (vbd, LAGOON_VBD_VDI))
        : NULL;

      if (vdi != NULL)
        total += lagoon_record_get_int (vdi, LAGOON_VDI_VIRTUAL_SIZE);
    }
  return total;
}

static void
fill_srs (Dialog      *d,
          LagoonCache *cache)
{
  g_autoptr(GPtrArray) srs = lagoon_cache_list (cache, LAGOON_CLASS_SR);

  for (guint i = 0; i < srs->len; i++)
    {
      const LagoonRecord *sr = g_ptr_array_index (srs, i);
      gint64 free_bytes = lagoon_record_get_int (sr, LAGOON_SR_PHYSICAL_SIZE) -
                          lagoon_record_get_int (sr, LAGOON_SR_PHYSICAL_UTILISATION);
      g_autofree char *size = g_format_size (MAX (free_bytes, 0));
      g_autofree char *label = NULL;

      if (g_strcmp0 (lagoon_record_get_string (sr, LAGOON_SR_CONTENT_TYPE), "iso") == 0 ||
          !lagoon_record_set_contains (sr, LAGOON_SR_ALLOWED_OPERATIONS, "vdi_create"))
        continue;
      if (free_bytes < d->needed)
        continue;
      /* Translators: a storage repository in a list: name, then its free space */
      label = g_strdup_printf (_("%s (%s free)"), lagoon_record_get_name (sr), size);
      gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (d->sr_combo),
                                 lagoon_record_get_opaque_ref (sr), label);
    }
  gtk_combo_box_set_active (GTK_COMBO_BOX (d->sr_combo), 0);
}

void
lagoon_copy_vm_dialog_present (GtkWindow        *parent,
                               LagoonConnection *connection,
                               const char       *vm_ref)
{
  LagoonCache *cache = lagoon_connection_get_cache (connection);
  const LagoonRecord *vm = lagoon_cache_lookup (cache, LAGOON_CLASS_VM, vm_ref);
  Dialog *d;
  GtkWidget *content;
  GtkGrid *grid;
  g_autofree char *title = NULL;
  g_autofree char *default_name = NULL;
  gboolean can_clone, can_copy;

  if (vm == NULL)
    return;

  d = g_new0 (Dialog, 1);
  d->connection = g_object_ref (connection);
  d->vm_ref = g_strdup (vm_ref);
  d->needed = disks_size (cache, vm);

  /* Translators: the Copy VM dialog's title; %s is the VM's name */
  title = g_strdup_printf (_("Copy VM “%s”"), lagoon_record_get_name (vm));
  d->dialog = gtk_dialog_new_with_buttons (title, parent,
                                           GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                           _("_Cancel"), GTK_RESPONSE_CANCEL, NULL);
  d->ok_button = gtk_dialog_add_button (GTK_DIALOG (d->dialog), _("C_opy"), GTK_RESPONSE_OK);
  gtk_style_context_add_class (gtk_widget_get_style_context (d->ok_button), "suggested-action");
  gtk_dialog_set_default_response (GTK_DIALOG (d->dialog), GTK_RESPONSE_OK);
  gtk_window_set_default_size (GTK_WINDOW (d->dialog), 460, -1);
  g_object_set_data_full (G_OBJECT (d->dialog), "lagoon-copy-vm", d,
                          (GDestroyNotify) dialog_free);

  content = gtk_dialog_get_content_area (GTK_DIALOG (d->dialog));
  grid = GTK_GRID (gtk_grid_new ());
  gtk_grid_set_row_spacing (grid, 8);
  gtk_grid_set_column_spacing (grid, 12);
  gtk_container_set_border_width (GTK_CONTAINER (grid), 12);
  gtk_container_add (GTK_CONTAINER (content), GTK_WIDGET (grid));

  /* Translators: the default name of a copied VM; %s is the original's name */
  default_name = g_strdup_printf (_("Copy of %s"), lagoon_record_get_name (vm));
  d->name_entry = add_labelled (grid, 0, _("_Name:"), _("Name"), gtk_entry_new ());
  gtk_entry_set_text (GTK_ENTRY (d->name_entry), default_name);
  gtk_entry_set_activates_default (GTK_ENTRY (d->name_entry), TRUE);
  d->description_entry = add_labelled (grid, 1, _("_Description:"), _("Description"),
                                      gtk_entry_new ());
  gtk_entry_set_text (GTK_ENTRY (d->description_entry),
                      lagoon_record_get_string (vm, LAGOON_VM_NAME_DESCRIPTION));

  can_clone = lagoon_record_set_contains (vm, LAGOON_VM_ALLOWED_OPERATIONS, "clone");
  can_copy = lagoon_record_set_contains (vm, LAGOON_VM_ALLOWED_OPERATIONS, "copy");
  d->clone_radio = gtk_radio_button_new_with_mnemonic (NULL,
    _("_Fast clone: the new VM shares the disks copy-on-write where the storage allows"));
  d->copy_radio = gtk_radio_button_new_with_mnemonic_from_widget (GTK_RADIO_BUTTON (d->clone_radio),
    _("F_ull copy: copy every disk to this storage repository:"));
  gtk_widget_set_sensitive (d->clone_radio, can_clone);
  gtk_widget_set_sensitive (d->copy_radio, can_copy);
  if (!can_clone)
    {
      gtk_widget_set_tooltip_text (d->clone_radio, _("The VM cannot be cloned now."));
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (d->copy_radio), TRUE);
    }
  if (!can_copy)
    gtk_widget_set_tooltip_text (d->copy_radio, _("The VM cannot be copied now."));
  gtk_grid_attach (grid, d->clone_radio, 0, 2, 2, 1);
  gtk_grid_attach (grid, d->copy_radio, 0, 3, 2, 1);

  d->sr_combo = gtk_combo_box_text_new ();
  gtk_widget_set_margin_start (d->sr_combo, 24);
  atk_object_set_name (gtk_widget_get_accessible (d->sr_combo), _("Storage repository"));
  gtk_grid_attach (grid, d->sr_combo, 0, 4, 2, 1);
  fill_srs (d, cache);

  d->problem = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (d->problem), 0.0);
  gtk_label_set_line_wrap (GTK_LABEL (d->problem), TRUE);
  gtk_style_context_add_class (gtk_widget_get_style_context (d->problem), "dim-label");
  gtk_grid_attach (grid, d->problem, 0, 5, 2, 1);

  g_signal_connect (d->name_entry, "changed", G_CALLBACK (on_changed), d);
  g_signal_connect (d->copy_radio, "toggled", G_CALLBACK (on_changed), d);
  g_signal_connect (d->sr_combo, "changed", G_CALLBACK (on_changed), d);
  g_signal_connect (d->dialog, "response", G_CALLBACK (on_response), d);
  validate (d);

  gtk_widget_show_all (d->dialog);
  gtk_window_present (GTK_WINDOW (d->dialog));
}
