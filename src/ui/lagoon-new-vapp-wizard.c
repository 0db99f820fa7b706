/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-new-vapp-wizard"

#include "config.h"

#include <glib/gi18n.h>

#include "lagoon-application.h"
#include "lagoon-new-vapp-wizard.h"
#include "lagoon-start-order-editor.h"
#include "lagoon-ui-private.h"
#include "lagoon-vapp-action.h"
#include "lagoon-vapp-vm-chooser.h"

struct _LagoonNewVappWizard
{
  LagoonWizard            parent_instance;

  LagoonServer           *server;
  LagoonConnection       *connection;

  /* Template children */
  GtkWidget              *name_page;
  GtkEntry               *name_entry;
  GtkTextView            *description_view;
  LagoonVappVmChooser    *chooser;
  LagoonStartOrderEditor *editor;
};

G_DEFINE_FINAL_TYPE (LagoonNewVappWizard, lagoon_new_vapp_wizard, LAGOON_TYPE_WIZARD)

static LagoonCache *
get_cache (LagoonNewVappWizard *self)
{
  return self->connection != NULL ? lagoon_connection_get_cache (self->connection) : NULL;
}

static char *
dup_name (LagoonNewVappWizard *self)
{
  return g_strstrip (g_strdup (gtk_entry_get_text (self->name_entry)));
}

static char *
dup_description (LagoonNewVappWizard *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->description_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static gboolean
name_taken (LagoonCache *cache,
            const char  *name)
{
  LagoonCacheIter iter;
  const LagoonRecord *rec;

  if (cache == NULL)
    return FALSE;
  lagoon_cache_iter_init (&iter, cache, LAGOON_CLASS_VM_APPLIANCE);
  while (lagoon_cache_iter_next (&iter, &rec))
    if (g_strcmp0 (lagoon_record_get_name (rec), name) == 0)
      return TRUE;
  return FALSE;
}

static void
validate_name (LagoonNewVappWizard *self)
{
  g_autofree char *name = dup_name (self);

  if (*name == '\0')
    lagoon_wizard_page_set_valid (self->name_page, FALSE, _("Enter a name for the vApp."));
  else if (name_taken (get_cache (self), name))
    lagoon_wizard_page_set_valid (self->name_page, FALSE,
                                  _("Another vApp of this pool has that name."));
  else
    lagoon_wizard_page_set_valid (self->name_page, TRUE, NULL);
}

static void
lagoon_new_vapp_wizard_prepare (LagoonWizard *wizard,
                                GtkWidget    *page)
{
  LagoonNewVappWizard *self = LAGOON_NEW_VAPP_WIZARD (wizard);

  if (page == GTK_WIDGET (self->editor))
    {
      g_auto(GStrv) refs = lagoon_vapp_vm_chooser_dup_checked (self->chooser);

      lagoon_start_order_editor_set_vms (self->editor, get_cache (self),
                                         (const char * const *) refs);
    }
  else if (page == self->name_page)
    validate_name (self);
}

static void
lagoon_new_vapp_wizard_summarize (LagoonWizard *wizard)
{
  LagoonNewVappWizard *self = LAGOON_NEW_VAPP_WIZARD (wizard);
  LagoonCache *cache = get_cache (self);
  g_autofree char *name = dup_name (self);
  g_autofree char *description = dup_description (self);
  g_auto(GStrv) refs = lagoon_vapp_vm_chooser_dup_checked (self->chooser);
  g_autofree char *sequence = NULL;
  g_autoptr(GString) vms = g_string_new (NULL);
  g_autofree char *changes = NULL;
  guint n_changes;

  lagoon_start_order_editor_set_vms (self->editor, cache, (const char * const *) refs);
  sequence = lagoon_start_order_editor_describe (self->editor);
  n_changes = lagoon_start_order_editor_count_changes (self->editor);

  for (guint i = 0; refs[i] != NULL; i++)
    {
      const LagoonRecord *rec = cache != NULL ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM,
                                                                     refs[i])
                                              : NULL;
      g_string_append_printf (vms, "%s%s", i > 0 ? ", " : "",
                              rec != NULL ? lagoon_record_get_name (rec) : refs[i]);
    }

  lagoon_wizard_add_summary_section (wizard, _("vApp"));
  lagoon_wizard_add_summary_row (wizard, _("Name"), name);
  lagoon_wizard_add_summary_row (wizard, _("Description"),
                                 *description != '\0' ? description : _("(none)"));
  lagoon_wizard_add_summary_section (wizard, _("Virtual machines"));
  lagoon_wizard_add_summary_row (wizard, _("VMs"), vms->len > 0 ? vms->str : _("(none)"));
  lagoon_wizard_add_summary_section (wizard, _("Startup sequence"));
  lagoon_wizard_add_summary_row (wizard, _("Sequence"), sequence);
  changes = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u value changed",
                                          "%u values changed", n_changes), n_changes);
  lagoon_wizard_add_summary_row (wizard, _("Changes"), changes);
}

static gboolean
lagoon_new_vapp_wizard_finish (LagoonWizard  *wizard,
                               GError       **error)
{
  LagoonNewVappWizard *self = LAGOON_NEW_VAPP_WIZARD (wizard);
  GApplication *application = g_application_get_default ();
  g_autofree char *name = dup_name (self);
  g_autofree char *description = dup_description (self);
  g_auto(GStrv) refs = lagoon_vapp_vm_chooser_dup_checked (self->chooser);
  g_autoptr(LagoonVappAction) action = NULL;
  GVariantBuilder record;

  if (self->connection == NULL ||
      lagoon_connection_get_state (self->connection) != LAGOON_CONNECTION_CONNECTED)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           _("The pool is not connected."));
      return FALSE;
    }
  if (*name == '\0' || name_taken (get_cache (self), name))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                           _("Another vApp of this pool has that name."));
      return FALSE;
    }
  if (!LAGOON_IS_APPLICATION (application))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("No application to run in."));
      return FALSE;
    }

  g_variant_builder_init (&record, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&record, "{sv}", "name_label", g_variant_new_string (name));
  g_variant_builder_add (&record, "{sv}", "name_description",
                         g_variant_new_string (description));

  action = lagoon_vapp_action_new (self->connection, _("Create vApp"));
  lagoon_vapp_action_add_step (action, "VM_appliance.create",
                               g_variant_new ("(@a{sv})", g_variant_builder_end (&record)),
                               LAGOON_VAPP_STEP_TASK | LAGOON_VAPP_STEP_CREATE);
  for (guint i = 0; refs[i] != NULL; i++)
    lagoon_vapp_action_add_step (action, "VM.set_appliance",
                                 g_variant_new ("(ss)", refs[i], LAGOON_VAPP_ACTION_NEW_REF),
                                 LAGOON_VAPP_STEP_CALL);
  lagoon_start_order_editor_set_vms (self->editor, get_cache (self),
                                     (const char * const *) refs);
  lagoon_start_order_editor_add_steps (self->editor, action);
  lagoon_action_set_description (LAGOON_ACTION (action), name);
  lagoon_application_run_action (LAGOON_APPLICATION (application), LAGOON_ACTION (action));
  return TRUE;
}

static void
lagoon_new_vapp_wizard_dispose (GObject *object)
{
  LagoonNewVappWizard *self = LAGOON_NEW_VAPP_WIZARD (object);

  g_clear_object (&self->connection);
  g_clear_object (&self->server);
  G_OBJECT_CLASS (lagoon_new_vapp_wizard_parent_class)->dispose (object);
}

static void
lagoon_new_vapp_wizard_class_init (LagoonNewVappWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  LagoonWizardClass *wizard_class = LAGOON_WIZARD_CLASS (klass);

  object_class->dispose = lagoon_new_vapp_wizard_dispose;
  wizard_class->prepare = lagoon_new_vapp_wizard_prepare;
  wizard_class->summarize = lagoon_new_vapp_wizard_summarize;
  wizard_class->finish = lagoon_new_vapp_wizard_finish;

  g_type_ensure (LAGOON_TYPE_VAPP_VM_CHOOSER);
  g_type_ensure (LAGOON_TYPE_START_ORDER_EDITOR);
  lagoon_ui_register_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/lagoon/Lagoon/lagoon-new-vapp-wizard.ui");
  gtk_widget_class_bind_template_child (widget_class, LagoonNewVappWizard, name_page);
  gtk_widget_class_bind_template_child (widget_class, LagoonNewVappWizard, name_entry);
  gtk_widget_class_bind_template_child (widget_class, LagoonNewVappWizard, description_view);
  gtk_widget_class_bind_template_child (widget_class, LagoonNewVappWizard, chooser);
  gtk_widget_class_bind_template_child (widget_class, LagoonNewVappWizard, editor);
  gtk_widget_class_bind_template_callback (widget_class, validate_name);
}

static void
lagoon_new_vapp_wizard_init (LagoonNewVappWizard *self)
{
  LagoonWizard *wizard = LAGOON_WIZARD (self);

  gtk_widget_init_template (GTK_WIDGET (self));
  lagoon_wizard_set_page_title (wizard, self->name_page, _("Name"),
                                _("What do you want to call this vApp?"));
  lagoon_wizard_set_page_title (wizard, GTK_WIDGET (self->chooser), _("Virtual Machines"),
                                _("Choose which VMs to include in the vApp"));
  lagoon_wizard_set_page_title (wizard, GTK_WIDGET (self->editor), _("VM Startup Sequence"),
                                _("Configure the startup sequence for the VMs in this vApp"));
  lagoon_wizard_set_summary_title (wizard, _("Finish"), _("Create the vApp"));
  lagoon_wizard_page_set_valid (self->name_page, FALSE, _("Enter a name for the vApp."));
}

GtkWidget *
lagoon_new_vapp_wizard_new (GtkWindow          *parent,
                            LagoonServer       *server,
                            const char * const *vms)
{
  LagoonNewVappWizard *self;
  g_autofree char *pool = NULL;
  g_autofree char *title = NULL;

  g_return_val_if_fail (LAGOON_IS_SERVER (server), NULL);

  self = g_object_new (LAGOON_TYPE_NEW_VAPP_WIZARD, "transient-for", parent, NULL);
  self->server = g_object_ref (server);
  self->connection = g_object_ref (lagoon_server_get_connection (server));
  pool = lagoon_server_dup_display_name (server);
  /* Translators: the New vApp wizard's title; %s is the pool */
  title = g_strdup_printf (_("New vApp – %s"), pool);
  gtk_window_set_title (GTK_WINDOW (self), title);
  lagoon_vapp_vm_chooser_set_cache (self->chooser, get_cache (self), NULL);
  if (vms != NULL)
    lagoon_vapp_vm_chooser_set_checked (self->chooser, vms);
  validate_name (self);
  return GTK_WIDGET (self);
}
