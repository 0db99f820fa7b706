/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-snapshot-dialog"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lagoon-snapshot-dialog.h"
#include "lagoon-ui-private.h"

#define N_MODES 3

struct _LagoonSnapshotDialog
{
  GtkDialog       parent_instance;

  LagoonCache    *cache;
  char           *vm_ref;
  gulong          batch_id;

  /* Template children */
  GtkLabel       *intro_label;
  GtkEntry       *name_entry;
  GtkTextView    *description_view;
  GtkRadioButton *disks_radio;
  GtkRadioButton *memory_radio;
  GtkRadioButton *quiesce_radio;
  GtkLabel       *disks_reason;
  GtkLabel       *memory_reason;
  GtkLabel       *quiesce_reason;
  GtkLabel       *error_label;
};

G_DEFINE_FINAL_TYPE (LagoonSnapshotDialog, lagoon_snapshot_dialog, GTK_TYPE_DIALOG)

static const char *const mode_operations[N_MODES] = {
  "snapshot", "checkpoint", "snapshot_with_quiesce",
};

static const char *const mode_methods[N_MODES] = {
  "VM.snapshot", "VM.checkpoint", "VM.snapshot_with_quiesce",
};

const char *
lagoon_snapshot_mode_method (LagoonSnapshotMode mode)
{
  g_return_val_if_fail ((guint) mode < N_MODES, NULL);
  return mode_methods[mode];
}

char *
lagoon_snapshot_mode_why_not (const LagoonRecord *vm,
                              LagoonSnapshotMode  mode)
{
  const char *operation;
  const char *blocked;
  const char *power;

  g_return_val_if_fail ((guint) mode < N_MODES, NULL);

  if (vm == NULL || lagoon_record_get_class_id (vm) != LAGOON_CLASS_VM)
    return g_strdup (_("The VM no longer exists."));
  if (lagoon_record_get_bool (vm, LAGOON_VM_IS_A_SNAPSHOT))
    return g_strdup (_("A snapshot cannot itself be snapshotted."));
  if (lagoon_record_get_bool (vm, LAGOON_VM_IS_CONTROL_DOMAIN))
    return g_strdup (_("A server's control domain cannot be snapshotted."));

  operation = mode_operations[mode];
  if (lagoon_record_set_contains (vm, LAGOON_VM_ALLOWED_OPERATIONS, operation))
    return NULL;

  blocked = lagoon_record_map_lookup (vm, LAGOON_VM_BLOCKED_OPERATIONS, operation);
  if (blocked != NULL)
    /* Translators: %s is the reason an administrator gave (often just "true") */
    return g_strdup_printf (_("This operation is blocked on this VM (%s)."), blocked);
  if (lagoon_record_get_map (vm, LAGOON_VM_CURRENT_OPERATIONS, NULL)[0] != NULL)
    return g_strdup (_("Another operation is in progress on this VM."));

  power = lagoon_record_get_enum_string (vm, LAGOON_VM_POWER_STATE);
  if (power == NULL)
    power = _("in an unknown state");
  switch (mode)
    {
    case LAGOON_SNAPSHOT_MODE_DISKS_AND_MEMORY:
      if (g_strcmp0 (power, "Running") != 0)
        /* Translators: %s is a power state: Halted, Suspended, Paused */
        return g_strdup_printf (_("Only a running VM's memory can be saved; this VM is %s."),
                                power);
      return g_strdup (_("The server cannot save this VM's memory now (it needs the guest's "
                         "drivers, or the VM's storage does not allow it)."));

    case LAGOON_SNAPSHOT_MODE_QUIESCED:
      return g_strdup (_("Quiescing needs the Windows guest tools with VSS support in the VM; "
                         "this VM does not offer it (current servers no longer support it)."));

    case LAGOON_SNAPSHOT_MODE_DISKS:
    default:
      /* Translators: %s is a power state: Running, Halted, Suspended, Paused */
      return g_strdup_printf (_("Not possible while the VM is %s."), power);
    }
}

char *
lagoon_snapshot_unique_name (LagoonCache *cache,
                             const char  *base)
{
  g_autoptr(GHashTable) taken = g_hash_table_new (g_str_hash, g_str_equal);
  LagoonCacheIter iter;
  const LagoonRecord *rec;

  g_return_val_if_fail (base != NULL, NULL);

  if (cache != NULL)
    {
      lagoon_cache_iter_init (&iter, cache, LAGOON_CLASS_VM);
      while (lagoon_cache_iter_next (&iter, &rec))
        g_hash_table_add (taken, (gpointer) lagoon_record_get_name (rec));
    }
  if (!g_hash_table_contains (taken, base))
    return g_strdup (base);
  for (guint n = 2; ; n++)
    {
      /* Translators: a name made unique: "web01 snapshot (2)" */
      g_autofree char *name = g_strdup_printf (_("%s (%u)"), base, n);

      if (!g_hash_table_contains (taken, name))
        return g_steal_pointer (&name);
    }
}

/* ---- the dialog -------------------------------------------------------------------------- */

static GtkRadioButton *
mode_radio (LagoonSnapshotDialog *self,
            LagoonSnapshotMode    mode)
{
  GtkRadioButton *radios[N_MODES] = { self->disks_radio, self->memory_radio,
                                      self->quiesce_radio };

  return radios[mode];
}

static GtkLabel *
mode_reason (LagoonSnapshotDialog *self,
             LagoonSnapshotMode    mode)
{
  GtkLabel *labels[N_MODES] = { self->disks_reason, self->memory_reason, self->quiesce_reason };

  return labels[mode];
}

static const LagoonRecord *
lookup_vm (LagoonSnapshotDialog *self)
{
  return self->cache != NULL ? lagoon_cache_lookup (self->cache, LAGOON_CLASS_VM, self->vm_ref)
                             : NULL;
}

static void
update_response (LagoonSnapshotDialog *self)
{
  g_autofree char *name = lagoon_snapshot_dialog_dup_name (self);
  LagoonSnapshotMode mode = lagoon_snapshot_dialog_get_mode (self);
  gboolean mode_ok = gtk_widget_get_sensitive (GTK_WIDGET (mode_radio (self, mode)));
  const char *error = NULL;

  if (lookup_vm (self) == NULL)
    error = _("The VM no longer exists.");
  else if (!mode_ok)
    error = _("No snapshot can be taken of this VM now: see the reasons above.");
  else if (name[0] == '\0')
    error = _("Give the snapshot a name.");

  gtk_label_set_text (self->error_label, error != NULL ? error : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), error != NULL);
  gtk_dialog_set_response_sensitive (GTK_DIALOG (self), GTK_RESPONSE_OK, error == NULL);
}

/* Enables each mode from the VM's allowed_operations; a disabled one shows why. */
static void
update_modes (LagoonSnapshotDialog *self)
{
  const LagoonRecord *vm = lookup_vm (self);
  LagoonSnapshotMode current = lagoon_snapshot_dialog_get_mode (self);
  int first_enabled = -1;

  for (guint m = 0; m < N_MODES; m++)
    {
      g_autofree char *why = lagoon_snapshot_mode_why_not (vm, m);
      GtkWidget *radio = GTK_WIDGET (mode_radio (self, m));
      GtkLabel *reason = mode_reason (self, m);

      gtk_widget_set_sensitive (radio, why == NULL);
      gtk_label_set_text (reason, why != NULL ? why : "");
      gtk_widget_set_visible (GTK_WIDGET (reason), why != NULL);
      gtk_widget_set_tooltip_text (radio, why);
      atk_object_set_description (gtk_widget_get_accessible (radio), why != NULL ? why : "");
      if (why == NULL && first_enabled < 0)
        first_enabled = (int) m;
    }

  /* Keep the user's choice while it stays possible. */
  if (!gtk_widget_get_sensitive (GTK_WIDGET (mode_radio (self, current))) && first_enabled >= 0)
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (mode_radio (self, first_enabled)), TRUE);

  update_response (self);
}

static void
on_name_changed (GtkEditable          *editable,
                 LagoonSnapshotDialog *self)
{
  update_response (self);
}

static void
on_mode_toggled (GtkToggleButton      *button,
                 LagoonSnapshotDialog *self)
{
  if (gtk_toggle_button_get_active (button))
    update_response (self);
}

static void
on_batch (LagoonCache          *cache,
          LagoonCacheBatch     *batch,
          LagoonSnapshotDialog *self)
{
  if (lagoon_cache_batch_lookup (batch, LAGOON_CLASS_VM, self->vm_ref) != LAGOON_CHANGE_NONE)
    update_modes (self);
}

char *
lagoon_snapshot_dialog_dup_name (LagoonSnapshotDialog *self)
{
  g_return_val_if_fail (LAGOON_IS_SNAPSHOT_DIALOG (self), NULL);

  return g_strstrip (g_strdup (gtk_entry_get_text (self->name_entry)));
}

char *
lagoon_snapshot_dialog_dup_description (LagoonSnapshotDialog *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (LAGOON_IS_SNAPSHOT_DIALOG (self), NULL);

  buffer = gtk_text_view_get_buffer (self->description_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return g_strstrip (gtk_text_buffer_get_text (buffer, &start, &end, FALSE));
}

LagoonSnapshotMode
lagoon_snapshot_dialog_get_mode (LagoonSnapshotDialog *self)
{
  g_return_val_if_fail (LAGOON_IS_SNAPSHOT_DIALOG (self), LAGOON_SNAPSHOT_MODE_DISKS);

  for (guint m = 0; m < N_MODES; m++)
    if (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (mode_radio (self, m))))
      return m;
  return LAGOON_SNAPSHOT_MODE_DISKS;
}

GtkWidget *
lagoon_snapshot_dialog_new (GtkWindow   *parent,
                            LagoonCache *cache,
                            const char  *vm_ref)
{
  LagoonSnapshotDialog *self;
  const LagoonRecord *vm;
  g_autofree char *base = NULL;
  g_autofree char *name = NULL;
  g_autofree char *intro = NULL;

  g_return_val_if_fail (LAGOON_IS_CACHE (cache), NULL);
  g_return_val_if_fail (vm_ref != NULL, NULL);

  self = g_object_new (LAGOON_TYPE_SNAPSHOT_DIALOG, "transient-for", parent, NULL);
  self->cache = g_object_ref (cache);
  self->vm_ref = g_strdup (vm_ref);
  self->batch_id = g_signal_connect (cache, "batch-applied", G_CALLBACK (on_batch), self);

  vm = lookup_vm (self);
  /* Translators: the default name of a new snapshot of the VM %s */
  base = g_strdup_printf (_("%s snapshot"), vm != NULL ? lagoon_record_get_name (vm) : "");
  name = lagoon_snapshot_unique_name (cache, base);
  gtk_entry_set_text (self->name_entry, name);
  /* Translators: %s is the VM's name */
  intro = g_strdup_printf (_("A snapshot keeps the state of %s so that you can come back to it "
                             "or make new VMs from it."),
                           vm != NULL ? lagoon_record_get_name (vm) : "");
  gtk_label_set_text (self->intro_label, intro);
  update_modes (self);
  return GTK_WIDGET (self);
}

static void
lagoon_snapshot_dialog_dispose (GObject *object)
{
  LagoonSnapshotDialog *self = LAGOON_SNAPSHOT_DIALOG (object);

  if (self->cache != NULL)
    {
      g_clear_signal_handler (&self->batch_id, self->cache);
      g_clear_object (&self->cache);
    }

  G_OBJECT_CLASS (lagoon_snapshot_dialog_parent_class)->dispose (object);
}

static void
lagoon_snapshot_dialog_finalize (GObject *object)
{
  LagoonSnapshotDialog *self = LAGOON_SNAPSHOT_DIALOG (object);

  g_free (self->vm_ref);

  G_OBJECT_CLASS (lagoon_snapshot_dialog_parent_class)->finalize (object);
}

static void
lagoon_snapshot_dialog_class_init (LagoonSnapshotDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lagoon_snapshot_dialog_dispose;
  object_class->finalize = lagoon_snapshot_dialog_finalize;

  lagoon_ui_register_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/lagoon/Lagoon/lagoon-snapshot-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotDialog, intro_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotDialog, name_entry);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotDialog, description_view);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotDialog, disks_radio);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotDialog, memory_radio);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotDialog, quiesce_radio);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotDialog, disks_reason);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotDialog, memory_reason);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotDialog, quiesce_reason);
  gtk_widget_class_bind_template_child (widget_class, LagoonSnapshotDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_name_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_mode_toggled);
}

static void
lagoon_snapshot_dialog_init (LagoonSnapshotDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_dialog_set_default_response (GTK_DIALOG (self), GTK_RESPONSE_OK);
}
