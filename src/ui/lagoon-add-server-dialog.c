/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-add-server-dialog"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lagoon-add-server-dialog.h"
#include "lagoon-application.h"
#include "lagoon-server.h"
#include "lagoon-ui-private.h"

struct _LagoonAddServerDialog
{
  GtkDialog        parent_instance;

  /* Template children */
  GtkRadioButton  *ssh_radio;
  GtkRadioButton  *direct_radio;
  GtkEntry        *address_entry;
  GtkLabel        *address_hint;
  GtkExpander     *ssh_expander;
  GtkEntry        *xapi_host_entry;
  GtkSpinButton   *xapi_port_spin;
  GtkCheckButton  *tls_check;
  GtkEntry        *user_entry;
  GtkEntry        *password_entry;
  GtkCheckButton  *remember_check;
  GtkLabel        *error_label;
};

G_DEFINE_FINAL_TYPE (LagoonAddServerDialog, lagoon_add_server_dialog, GTK_TYPE_DIALOG)

static void
update_mode (LagoonAddServerDialog *self)
{
  gboolean ssh = gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->ssh_radio));

  gtk_widget_set_visible (GTK_WIDGET (self->ssh_expander), ssh);
  gtk_widget_set_visible (GTK_WIDGET (self->tls_check), !ssh);
  gtk_label_set_text (self->address_hint,
                      ssh ? _("For example root@pool1.example.com, ssh://admin@10.0.0.5:2222, "
                              "or a Host alias from ~/.ssh/config. xapi is reached through the "
                              "SSH tunnel.")
                          : _("For example pool1.example.com or 10.0.0.5:8080. With TLS, Lagoon "
                              "shows the certificate's fingerprint the first time and then "
                              "accepts only that certificate."));
  gtk_widget_hide (GTK_WIDGET (self->error_label));
}

static void
on_mode_toggled (GtkToggleButton       *button,
                 LagoonAddServerDialog *self)
{
  update_mode (self);
}

static void
on_input_changed (GtkEditable           *editable,
                  LagoonAddServerDialog *self)
{
  const char *address = gtk_entry_get_text (self->address_entry);

  gtk_widget_hide (GTK_WIDGET (self->error_label));
  gtk_dialog_set_response_sensitive (GTK_DIALOG (self), GTK_RESPONSE_OK, address[0] != '\0');
}

static void
show_error (LagoonAddServerDialog *self,
            const char            *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_widget_show (GTK_WIDGET (self->error_label));
}

/* Builds the server from the fields, or says what is wrong. */
static LagoonServer *
build_server (LagoonAddServerDialog  *self,
              GError                **error)
{
  gboolean ssh = gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->ssh_radio));
  const char *address = gtk_entry_get_text (self->address_entry);
  g_autoptr(LagoonServer) server = NULL;

  if (!ssh && gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->tls_check)) &&
      strstr (address, "://") == NULL)
    {
      g_autofree char *with_scheme = g_strconcat ("https://", address, NULL);

      server = lagoon_server_new (LAGOON_SERVER_DIRECT, with_scheme, error);
    }
  else
    server = lagoon_server_new (ssh ? LAGOON_SERVER_SSH : LAGOON_SERVER_DIRECT, address, error);

  if (server == NULL)
    return NULL;

  if (ssh)
    {
      g_autofree char *host = g_strstrip (g_strdup (gtk_entry_get_text (self->xapi_host_entry)));
      int port;

      /* Take what is typed even when the spin button still has the focus. */
      gtk_spin_button_update (self->xapi_port_spin);
      port = gtk_spin_button_get_value_as_int (self->xapi_port_spin);

      if (host[0] == '\0')
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("Enter the address xapi listens on, as the SSH server sees "
                                 "it (usually 127.0.0.1)."));
          return NULL;
        }
      lagoon_server_set_xapi_target (server, host, (guint16) CLAMP (port, 1, 65535), FALSE);
    }

  lagoon_server_set_user (server, gtk_entry_get_text (self->user_entry));
  return g_steal_pointer (&server);
}

static void
lagoon_add_server_dialog_response (GtkDialog *dialog,
                                   int        response)
{
  LagoonAddServerDialog *self = LAGOON_ADD_SERVER_DIALOG (dialog);
  GApplication *application = g_application_get_default ();
  g_autoptr(LagoonServer) server = NULL;
  g_autoptr(GError) error = NULL;

  if (response != GTK_RESPONSE_OK)
    {
      gtk_widget_destroy (GTK_WIDGET (dialog));
      return;
    }

  server = build_server (self, &error);
  if (server == NULL)
    {
      show_error (self, error->message);
      gtk_widget_grab_focus (GTK_WIDGET (self->address_entry));
      return;
    }

  if (LAGOON_IS_APPLICATION (application))
    lagoon_application_add_server (LAGOON_APPLICATION (application), server,
                                   gtk_entry_get_text (self->password_entry),
                                   gtk_toggle_button_get_active (
                                     GTK_TOGGLE_BUTTON (self->remember_check)));

  /* Do not leave the password in the entry's buffer longer than needed. */
  gtk_entry_set_text (self->password_entry, "");
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

GtkWidget *
lagoon_add_server_dialog_new (GtkWindow *parent)
{
  return g_object_new (LAGOON_TYPE_ADD_SERVER_DIALOG,
                       "transient-for", parent,
                       "use-header-bar", FALSE,
                       NULL);
}

static void
lagoon_add_server_dialog_class_init (LagoonAddServerDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkDialogClass *dialog_class = GTK_DIALOG_CLASS (klass);

  dialog_class->response = lagoon_add_server_dialog_response;

  lagoon_ui_register_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/lagoon/Lagoon/lagoon-add-server-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LagoonAddServerDialog, ssh_radio);
  gtk_widget_class_bind_template_child (widget_class, LagoonAddServerDialog, direct_radio);
  gtk_widget_class_bind_template_child (widget_class, LagoonAddServerDialog, address_entry);
  gtk_widget_class_bind_template_child (widget_class, LagoonAddServerDialog, address_hint);
  gtk_widget_class_bind_template_child (widget_class, LagoonAddServerDialog, ssh_expander);
  gtk_widget_class_bind_template_child (widget_class, LagoonAddServerDialog, xapi_host_entry);
  gtk_widget_class_bind_template_child (widget_class, LagoonAddServerDialog, xapi_port_spin);
  gtk_widget_class_bind_template_child (widget_class, LagoonAddServerDialog, tls_check);
  gtk_widget_class_bind_template_child (widget_class, LagoonAddServerDialog, user_entry);
  gtk_widget_class_bind_template_child (widget_class, LagoonAddServerDialog, password_entry);
  gtk_widget_class_bind_template_child (widget_class, LagoonAddServerDialog, remember_check);
  gtk_widget_class_bind_template_child (widget_class, LagoonAddServerDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_mode_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_input_changed);
}

static void
lagoon_add_server_dialog_init (LagoonAddServerDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_dialog_set_default_response (GTK_DIALOG (self), GTK_RESPONSE_OK);
  gtk_dialog_set_response_sensitive (GTK_DIALOG (self), GTK_RESPONSE_OK, FALSE);
  update_mode (self);
}
