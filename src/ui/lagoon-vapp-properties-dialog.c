/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-vapp-properties-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "lagoon-application.h"
#include "lagoon-start-order-editor.h"
#include "lagoon-ui-private.h"
#include "lagoon-vapp-action.h"
#include "lagoon-vapp-properties-dialog.h"
#include "lagoon-vapp-vm-chooser.h"

struct _LagoonVappPropertiesDialog
{
  GtkWindow               parent_instance;

  LagoonServer           *server;
  LagoonConnection       *connection;
  char                   *ref;
  char                   *old_name;
  char                   *old_description;
  GStrv                   old_vms;

  /* Template children */
  GtkStack               *stack;
  GtkEntry               *name_entry;
  GtkEntry               *description_entry;
  LagoonVappVmChooser    *chooser;
  LagoonStartOrderEditor *editor;
  GtkLabel               *reason_label;
  GtkWidget              *ok_button;
};

G_DEFINE_FINAL_TYPE (LagoonVappPropertiesDialog, lagoon_vapp_properties_dialog, GTK_TYPE_WINDOW)

static LagoonCache *
get_cache (LagoonVappPropertiesDialog *self)
{
  return lagoon_connection_get_cache (self->connection);
}

/* Another vApp of the pool called @name (trimmed), other than @except. */
static gboolean
name_taken (LagoonCache *cache,
            const char  *name,
            const char  *except)
{
  LagoonCacheIter iter;
  const LagoonRecord *rec;

  lagoon_cache_iter_init (&iter, cache, LAGOON_CLASS_VM_APPLIANCE);
  while (lagoon_cache_iter_next (&iter, &rec))
    if (g_strcmp0 (lagoon_record_get_opaque_ref (rec), except) != 0 &&
        g_strcmp0 (lagoon_record_get_name (rec), name) == 0)
      return TRUE;
  return FALSE;
}

static void
validate (LagoonVappPropertiesDialog *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_entry_get_text (self->name_entry)));
  const char *reason = NULL;

  if (*name == '\0')
    reason = _("The vApp needs a name.");
  else if (name_taken (get_cache (self), name, self->ref))
    reason = _("Another vApp of this pool has that name.");
  gtk_widget_set_sensitive (self->ok_button, reason == NULL);
  gtk_widget_set_tooltip_text (self->ok_button, reason);
  gtk_label_set_text (self->reason_label, reason != NULL ? reason : "");
}

static void
on_vms_changed (LagoonVappPropertiesDialog *self)
{
  g_auto(GStrv) refs = lagoon_vapp_vm_chooser_dup_checked (self->chooser);

  lagoon_start_order_editor_set_vms (self->editor, get_cache (self),
                                     (const char * const *) refs);
}

static void
on_ok_clicked (LagoonVappPropertiesDialog *self)
{
  GApplication *application = g_application_get_default ();
  g_autofree char *name = g_strstrip (g_strdup (gtk_entry_get_text (self->name_entry)));
  const char *description = gtk_entry_get_text (self->description_entry);
  g_auto(GStrv) vms = lagoon_vapp_vm_chooser_dup_checked (self->chooser);
  g_autoptr(LagoonVappAction) action = NULL;
  const char *objects[2] = { self->ref, NULL };

  if (!gtk_widget_get_sensitive (self->ok_button))
    return;

  action = lagoon_vapp_action_new (self->connection, _("Change vApp properties"));
  if (g_strcmp0 (name, self->old_name) != 0)
    lagoon_vapp_action_add_step (action, "VM_appliance.set_name_label",
                                 g_variant_new ("(ss)", self->ref, name), LAGOON_VAPP_STEP_CALL);
  if (g_strcmp0 (description, self->old_description) != 0)
    lagoon_vapp_action_add_step (action, "VM_appliance.set_name_description",
                                 g_variant_new ("(ss)", self->ref, description),
                                 LAGOON_VAPP_STEP_CALL);
  for (guint i = 0; self->old_vms[i] != NULL; i++)
    if (!g_strv_contains ((const char * const *) vms, self->old_vms[i]))
      lagoon_vapp_action_add_step (action, "VM.set_appliance",
                                   g_variant_new ("(ss)", self->old_vms[i], "OpaqueRef:NULL"),
                                   LAGOON_VAPP_STEP_CALL);
  for (guint i = 0; vms[i] != NULL; i++)
    if (!g_strv_contains ((const char * const *) self->old_vms, vms[i]))
      lagoon_vapp_action_add_step (action, "VM.set_appliance",
                                   g_variant_new ("(ss)", vms[i], self->ref),
                                   LAGOON_VAPP_STEP_CALL);
  lagoon_start_order_editor_add_steps (self->editor, action);

  if (lagoon_vapp_action_get_n_steps (action) > 0 && LAGOON_IS_APPLICATION (application))
    {
      lagoon_action_set_objects (LAGOON_ACTION (action), objects);
      lagoon_action_set_description (LAGOON_ACTION (action), name);
      lagoon_application_run_action (LAGOON_APPLICATION (application), LAGOON_ACTION (action));
    }
  gtk_widget_destroy (GTK_WIDGET (self));
}

static gboolean
lagoon_vapp_properties_dialog_key_press (GtkWidget   *widget,
                                         GdkEventKey *event)
{
  if (event->keyval == GDK_KEY_Escape)
    {
      gtk_widget_destroy (widget);
      return GDK_EVENT_STOP;
    }
  return GTK_WIDGET_CLASS (lagoon_vapp_properties_dialog_parent_class)->key_press_event (widget,
                                                                                         event);
}

static void
lagoon_vapp_properties_dialog_dispose (GObject *object)
{
  LagoonVappPropertiesDialog *self = LAGOON_VAPP_PROPERTIES_DIALOG (object);

  g_clear_object (&self->connection);
  g_clear_object (&self->server);
  G_OBJECT_CLASS (lagoon_vapp_properties_dialog_parent_class)->dispose (object);
}

static void
lagoon_vapp_properties_dialog_finalize (GObject *object)
{
  LagoonVappPropertiesDialog *self = LAGOON_VAPP_PROPERTIES_DIALOG (object);

  g_free (self->ref);
  g_free (self->old_name);
  g_free (self->old_description);
  g_strfreev (self->old_vms);
  G_OBJECT_CLASS (lagoon_vapp_properties_dialog_parent_class)->finalize (object);
}

static void
lagoon_vapp_properties_dialog_class_init (LagoonVappPropertiesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lagoon_vapp_properties_dialog_dispose;
  object_class->finalize = lagoon_vapp_properties_dialog_finalize;
  widget_class->key_press_event = lagoon_vapp_properties_dialog_key_press;

  g_type_ensure (LAGOON_TYPE_VAPP_VM_CHOOSER);
  g_type_ensure (LAGOON_TYPE_START_ORDER_EDITOR);
  lagoon_ui_register_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/lagoon/Lagoon/"
                                               "lagoon-vapp-properties-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LagoonVappPropertiesDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, LagoonVappPropertiesDialog, name_entry);
  gtk_widget_class_bind_template_child (widget_class, LagoonVappPropertiesDialog,
                                        description_entry);
  gtk_widget_class_bind_template_child (widget_class, LagoonVappPropertiesDialog, chooser);
  gtk_widget_class_bind_template_child (widget_class, LagoonVappPropertiesDialog, editor);
  gtk_widget_class_bind_template_child (widget_class, LagoonVappPropertiesDialog, reason_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonVappPropertiesDialog, ok_button);
  gtk_widget_class_bind_template_callback (widget_class, validate);
  gtk_widget_class_bind_template_callback (widget_class, on_vms_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_ok_clicked);
  gtk_widget_class_bind_template_callback (widget_class, gtk_widget_destroy);
}

static void
lagoon_vapp_properties_dialog_init (LagoonVappPropertiesDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
lagoon_vapp_properties_dialog_new (GtkWindow    *parent,
                                   LagoonServer *server,
                                   const char   *vapp_ref)
{
  LagoonVappPropertiesDialog *self;
  LagoonConnection *connection;
  const LagoonRecord *app;
  const LagoonRecord *const *members;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *title = NULL;
  guint n = 0;

  g_return_val_if_fail (LAGOON_IS_SERVER (server), NULL);
  g_return_val_if_fail (vapp_ref != NULL, NULL);

  connection = lagoon_server_get_connection (server);
  app = connection != NULL
          ? lagoon_cache_lookup (lagoon_connection_get_cache (connection),
                                 LAGOON_CLASS_VM_APPLIANCE, vapp_ref)
          : NULL;
  if (app == NULL)
    return NULL;

  self = g_object_new (LAGOON_TYPE_VAPP_PROPERTIES_DIALOG, "transient-for", parent, NULL);
  self->server = g_object_ref (server);
  self->connection = g_object_ref (connection);
  self->ref = g_strdup (vapp_ref);
  self->old_name = g_strdup (lagoon_record_get_name (app));
  self->old_description =
    g_strdup (lagoon_record_get_string (app, LAGOON_VM_APPLIANCE_NAME_DESCRIPTION));
  if (self->old_description == NULL)
    self->old_description = g_strdup ("");
  members = lagoon_cache_get_referrers (get_cache (self), LAGOON_CLASS_VM, LAGOON_VM_APPLIANCE,
                                        vapp_ref, &n);
  for (guint i = 0; i < n; i++)
    g_strv_builder_add (builder, lagoon_record_get_opaque_ref (members[i]));
  self->old_vms = g_strv_builder_end (builder);

  /* Translators: the vApp Properties window's title; %s is the vApp */
  title = g_strdup_printf (_("Properties of vApp “%s”"), self->old_name);
  gtk_window_set_title (GTK_WINDOW (self), title);
  gtk_entry_set_text (self->name_entry, self->old_name);
  gtk_entry_set_text (self->description_entry, self->old_description);
  lagoon_vapp_vm_chooser_set_cache (self->chooser, get_cache (self), vapp_ref);
  lagoon_vapp_vm_chooser_set_checked (self->chooser, (const char * const *) self->old_vms);
  gtk_widget_grab_default (self->ok_button);
  validate (self);
  return GTK_WIDGET (self);
}
