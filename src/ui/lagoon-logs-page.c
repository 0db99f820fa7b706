/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-logs-page"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lagoon-action.h"
#include "lagoon-application.h"
#include "lagoon-logs-page.h"
#include "lagoon-ui-private.h"

enum {
  COLUMN_REF,
  COLUMN_PRIORITY,
  COLUMN_SEVERITY,
  COLUMN_ICON_NAME,
  COLUMN_TIME,
  COLUMN_TIME_TEXT,
  COLUMN_TITLE,
  COLUMN_BODY,
  COLUMN_OBJECT,
  COLUMN_SUMMARY,
  N_COLUMNS
};

#define N_SEVERITIES 5

struct _LagoonLogsPage
{
  GtkBox           parent_instance;

  LagoonServer    *server;
  LagoonCache     *cache;
  int              class_id;
  char            *ref;
  /* The messages in the store (ref → TRUE), to notice their removal. */
  GHashTable      *shown;
  gboolean         rebuilding;

  GtkListStore    *store;

  /* Template children */
  GtkToggleButton *critical_toggle;
  GtkToggleButton *major_toggle;
  GtkToggleButton *warning_toggle;
  GtkToggleButton *minor_toggle;
  GtkToggleButton *information_toggle;
  GtkWidget       *dismiss_button;
  GtkWidget       *dismiss_all_button;
  GtkLabel        *count_label;
  GtkTreeView     *message_view;
  GtkLabel        *details_label;
};

static void lagoon_logs_page_tab_init (LagoonTabInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LagoonLogsPage, lagoon_logs_page, GTK_TYPE_BOX,
                               G_IMPLEMENT_INTERFACE (LAGOON_TYPE_TAB, lagoon_logs_page_tab_init))

/* ---- describing messages ----------------------------------------------------------------- */

const char *
lagoon_logs_severity_name (gint64 priority)
{
  switch (priority)
    {
    case 1:
      return _("Critical");
    case 2:
      return _("Major");
    case 3:
      return _("Warning");
    case 4:
      return _("Minor");
    case 5:
      return _("Information");
    default:
      return _("Unknown");
    }
}

static const char *
severity_icon (gint64 priority)
{
  switch (priority)
    {
    case 1:
    case 2:
      return "dialog-error-symbolic";
    case 3:
      return "dialog-warning-symbolic";
    default:
      return "dialog-information-symbolic";
    }
}

/* 1..5, with anything else counted as information (the least alarming). */
static guint
severity_index (gint64 priority)
{
  return priority >= 1 && priority <= N_SEVERITIES ? (guint) (priority - 1) : N_SEVERITIES - 1;
}

/* "<name value=\"cpu_usage\"/>" in an ALARM body: the variable it is about. */
static char *
alarm_variable (const char *body)
{
  const char *start = body != NULL ? strstr (body, "<name value=\"") : NULL;
  const char *end;

  if (start == NULL)
    return NULL;
  start += strlen ("<name value=\"");
  end = strchr (start, '"');
  return end != NULL && end > start ? g_strndup (start, end - start) : NULL;
}

char *
lagoon_logs_message_title (const char *name,
                           const char *body)
{
  static const struct {
    const char *name;
    const char *title;
  } titles[] = {
    { "VM_STARTED", N_("VM started") },
    { "VM_SHUTDOWN", N_("VM shut down") },
    { "VM_REBOOTED", N_("VM rebooted") },
    { "VM_SUSPENDED", N_("VM suspended") },
    { "VM_RESUMED", N_("VM resumed") },
    { "VM_PAUSED", N_("VM paused") },
    { "VM_UNPAUSED", N_("VM unpaused") },
    { "VM_CRASHED", N_("VM crashed") },
    { "VM_CLONED", N_("VM cloned") },
    { "VM_SNAPSHOTTED", N_("VM snapshotted") },
    { "VM_CHECKPOINTED", N_("VM checkpointed") },
    { "VM_SNAPSHOT_REVERTED", N_("VM reverted to a snapshot") },
    { "HOST_CLOCK_SKEW_DETECTED", N_("Server clock out of step with the pool") },
    { "PBD_PLUG_FAILED_ON_SERVER_START", N_("Storage could not be attached at server start") },
    { "POOL_MASTER_TRANSITION", N_("New pool coordinator") },
    { "HA_HOST_FAILED", N_("High availability: server failed") },
    { "HOST_SYNC_DATA_FAILED", N_("Server data synchronisation failed") },
    { "LICENSE_EXPIRES_SOON", N_("License expires soon") },
  };
  static const struct {
    const char *variable;
    const char *what;
  } alarms[] = {
    { "cpu_usage", N_("CPU usage") },
    { "network_usage", N_("network usage") },
    { "disk_usage", N_("disk usage") },
    { "fs_usage", N_("file system usage") },
    { "log_fs_usage", N_("log file system usage") },
    { "mem_usage", N_("memory usage") },
    { "memory_free_kib", N_("free memory") },
    { "sr_io_throughput_total_per_host", N_("storage throughput") },
  };
  g_auto(GStrv) words = NULL;
  GString *title;

  if (name == NULL || name[0] == '\0')
    return g_strdup (_("Message"));

  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    if (g_str_equal (name, titles[i].name))
      return g_strdup (_(titles[i].title));

  if (g_str_equal (name, "ALARM"))
    {
      g_autofree char *variable = alarm_variable (body);

      for (guint i = 0; variable != NULL && i < G_N_ELEMENTS (alarms); i++)
        if (g_str_equal (variable, alarms[i].variable))
          /* Translators: %s says what crossed its threshold: "CPU usage" */
          return g_strdup_printf (_("Alarm: %s"), _(alarms[i].what));
      if (variable != NULL)
        return g_strdup_printf (_("Alarm: %s"), variable);
      return g_strdup (_("Alarm"));
    }

  /* Other names read as words: "PBD_PLUG_FAILED" → "PBD plug failed". */
  words = g_strsplit (name, "_", -1);
  title = g_string_new (NULL);
  for (guint i = 0; words[i] != NULL; i++)
    {
      static const char *const acronyms[] = {
        "VM", "VMS", "SR", "HA", "PBD", "PIF", "VIF", "VBD", "VDI", "CPU", "VCPU", "VGPU", "GPU",
        "IP", "MTU", "NIC", "TLS", "SSL", "WLB", "VMSS", "VMPP", "CBT", "PVS", "USB", "HTTP",
        "IO", "ISO", "NFS", "LVM", "SMB", "DR", "UEFI", "TPM", "VTPM", "NTP", "DNS", "ID",
      };
      gboolean acronym = FALSE;

      if (words[i][0] == '\0')
        continue;
      for (guint a = 0; a < G_N_ELEMENTS (acronyms) && !acronym; a++)
        acronym = g_ascii_strcasecmp (words[i], acronyms[a]) == 0;
      if (title->len > 0)
        g_string_append_c (title, ' ');
      if (acronym)
        {
          g_autofree char *upper = g_ascii_strup (words[i], -1);

          g_string_append (title, upper);
        }
      else
        {
          g_autofree char *lower = g_ascii_strdown (words[i], -1);

          if (title->len == 0)
            lower[0] = g_ascii_toupper (lower[0]);
          g_string_append (title, lower);
        }
    }
  return g_string_free (title, FALSE);
}

/* The body's first non-empty line, for a one-line row (the details pane has it all). */
static char *
body_summary (const char *body)
{
  g_auto(GStrv) lines = g_strsplit (body != NULL ? body : "", "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strstrip (lines[i]);
      if (lines[i][0] != '\0')
        return lines[i + 1] != NULL ? g_strconcat (lines[i], " …", NULL) : g_strdup (lines[i]);
    }
  return g_strdup ("");
}

static char *
format_time (gint64 unix_time)
{
  g_autoptr(GDateTime) dt = NULL;

  if (unix_time <= 0)
    return g_strdup ("");
  dt = g_date_time_new_from_unix_local (unix_time);
  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S") : g_strdup ("");
}

/* The object a message is about, by its class and uuid (NULL when unknown). */
static const LagoonRecord *
message_object (LagoonCache        *cache,
                const LagoonRecord *message)
{
  static const struct {
    const char    *cls;
    LagoonClassId  class_id;
  } classes[] = {
    { "VM", LAGOON_CLASS_VM },
    { "Host", LAGOON_CLASS_HOST },
    { "SR", LAGOON_CLASS_SR },
    { "Pool", LAGOON_CLASS_POOL },
    { "VDI", LAGOON_CLASS_VDI },
  };
  const char *cls = lagoon_record_get_enum_string (message, LAGOON_MESSAGE_CLS);
  const char *uuid = lagoon_record_get_string (message, LAGOON_MESSAGE_OBJ_UUID);

  if (uuid == NULL || uuid[0] == '\0')
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    if (g_strcmp0 (cls, classes[i].cls) == 0)
      return lagoon_cache_lookup_uuid (cache, classes[i].class_id, uuid);
  return NULL;
}

/* ---- the list ---------------------------------------------------------------------------- */

static GtkToggleButton *
severity_toggle (LagoonLogsPage *self,
                 guint           index)
{
  GtkToggleButton *toggles[N_SEVERITIES] = {
    self->critical_toggle, self->major_toggle, self->warning_toggle, self->minor_toggle,
    self->information_toggle,
  };

  return toggles[index];
}

/* The messages of the object shown (a pool: every message). */
static GPtrArray *
list_messages (LagoonLogsPage *self)
{
  GPtrArray *messages = g_ptr_array_new ();
  const LagoonRecord *object;
  const char *uuid;
  const LagoonRecord *const *refs;
  guint n = 0;

  if (self->cache == NULL || self->ref == NULL)
    return messages;
  if (self->class_id == LAGOON_CLASS_POOL)
    {
      g_ptr_array_unref (messages);
      return lagoon_cache_list (self->cache, LAGOON_CLASS_MESSAGE);
    }

  object = lagoon_cache_lookup (self->cache, self->class_id, self->ref);
  uuid = object != NULL ? lagoon_record_get_uuid (object) : NULL;
  if (uuid == NULL || uuid[0] == '\0')
    return messages;
  refs = lagoon_cache_get_referrers (self->cache, LAGOON_CLASS_MESSAGE, LAGOON_MESSAGE_OBJ_UUID,
                                     uuid, &n);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (messages, (gpointer) refs[i]);
  return messages;
}

static void
collect_selected (GtkTreeModel *model,
                  GtkTreePath  *path,
                  GtkTreeIter  *iter,
                  gpointer      user_data)
{
  GPtrArray *refs = user_data;
  char *ref = NULL;

  gtk_tree_model_get (model, iter, COLUMN_REF, &ref, -1);
  if (ref != NULL)
    g_ptr_array_add (refs, ref);
}

static GPtrArray *
selected_refs (LagoonLogsPage *self)
{
  GPtrArray *refs = g_ptr_array_new_with_free_func (g_free);

  gtk_tree_selection_selected_foreach (gtk_tree_view_get_selection (self->message_view),
                                       collect_selected, refs);
  return refs;
}

static void
update_details (LagoonLogsPage *self)
{
  GtkTreeSelection *selection = gtk_tree_view_get_selection (self->message_view);
  g_autoptr(GList) rows = gtk_tree_selection_get_selected_rows (selection, NULL);
  guint n_rows = g_list_length (rows);
  GtkTreeIter iter;

  gtk_widget_set_sensitive (self->dismiss_button, n_rows > 0);
  gtk_widget_set_tooltip_text (self->dismiss_button,
                               n_rows > 0 ? _("Dismiss the selected messages")
                                          : _("Select one or more messages first."));

  if (n_rows == 1 &&
      gtk_tree_model_get_iter (GTK_TREE_MODEL (self->store), &iter, rows->data))
    {
      g_autofree char *severity = NULL;
      g_autofree char *time_text = NULL;
      g_autofree char *title = NULL;
      g_autofree char *body = NULL;
      g_autofree char *object = NULL;
      g_autofree char *text = NULL;

      gtk_tree_model_get (GTK_TREE_MODEL (self->store), &iter, COLUMN_SEVERITY, &severity,
                          COLUMN_TIME_TEXT, &time_text, COLUMN_TITLE, &title, COLUMN_BODY, &body,
                          COLUMN_OBJECT, &object, -1);
      /* Translators: the details of a message: title, then severity, time, object, then body */
      text = g_strdup_printf (_("%s\n%s · %s · %s\n\n%s"), title, severity, time_text,
                              object != NULL && object[0] != '\0' ? object : _("no object"),
                              body != NULL && body[0] != '\0' ? body : _("(no details)"));
      gtk_label_set_text (self->details_label, text);
    }
  else if (n_rows > 1)
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "%u message selected",
                                                            "%u messages selected", n_rows),
                                               n_rows);

      gtk_label_set_text (self->details_label, text);
    }
  else
    gtk_label_set_text (self->details_label, _("Select a message to read it in full."));
  g_list_foreach (rows, (GFunc) gtk_tree_path_free, NULL);
}

static void
rebuild (LagoonLogsPage *self)
{
  g_autoptr(GPtrArray) messages = list_messages (self);
  g_autoptr(GPtrArray) selected = selected_refs (self);
  g_autoptr(GHashTable) keep = g_hash_table_new (g_str_hash, g_str_equal);
  GtkTreeSelection *selection = gtk_tree_view_get_selection (self->message_view);
  gboolean show[N_SEVERITIES];
  guint n_shown = 0;
  g_autofree char *count = NULL;

  for (guint i = 0; i < selected->len; i++)
    g_hash_table_add (keep, g_ptr_array_index (selected, i));
  for (guint i = 0; i < N_SEVERITIES; i++)
    show[i] = gtk_toggle_button_get_active (severity_toggle (self, i));

  self->rebuilding = TRUE;
  g_hash_table_remove_all (self->shown);
  gtk_list_store_clear (self->store);
  for (guint i = 0; i < messages->len; i++)
    {
      const LagoonRecord *message = g_ptr_array_index (messages, i);
      gint64 priority = lagoon_record_get_int (message, LAGOON_MESSAGE_PRIORITY);
      gint64 when = lagoon_record_get_datetime (message, LAGOON_MESSAGE_TIMESTAMP);
      const char *body = lagoon_record_get_string (message, LAGOON_MESSAGE_BODY);
      const char *ref = lagoon_record_get_opaque_ref (message);
      const LagoonRecord *object = message_object (self->cache, message);
      g_autofree char *title = NULL;
      g_autofree char *time_text = NULL;
      g_autofree char *summary = NULL;
      GtkTreeIter iter;

      if (!show[severity_index (priority)])
        continue;
      summary = body_summary (body);
      title = lagoon_logs_message_title (lagoon_record_get_string (message, LAGOON_MESSAGE_NAME),
                                         body);
      time_text = format_time (when);
      gtk_list_store_insert_with_values (self->store, &iter, -1,
                                         COLUMN_REF, ref,
                                         COLUMN_PRIORITY, priority,
                                         COLUMN_SEVERITY, lagoon_logs_severity_name (priority),
                                         COLUMN_ICON_NAME, severity_icon (priority),
                                         COLUMN_TIME, when,
                                         COLUMN_TIME_TEXT, time_text,
                                         COLUMN_TITLE, title,
                                         COLUMN_BODY, body != NULL ? body : "",
                                         COLUMN_OBJECT, object != NULL
                                                          ? lagoon_record_get_name (object) : "",
                                         COLUMN_SUMMARY, summary,
                                         -1);
      g_hash_table_add (self->shown, g_strdup (ref));
      if (g_hash_table_contains (keep, ref))
        gtk_tree_selection_select_iter (selection, &iter);
      n_shown++;
    }
  self->rebuilding = FALSE;

  if (messages->len == 0)
    count = g_strdup (self->class_id == LAGOON_CLASS_POOL ? _("No messages in this pool.")
                                                          : _("No messages about this object."));
  else
    /* Translators: "3 of 12 messages shown" (the others are filtered out by severity) */
    count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u message shown",
                                          "%u of %u messages shown", messages->len),
                             n_shown, messages->len);
  gtk_label_set_text (self->count_label, count);
  gtk_widget_set_sensitive (self->dismiss_all_button, n_shown > 0);
  gtk_widget_set_tooltip_text (self->dismiss_all_button,
                               n_shown > 0 ? _("Dismiss every message shown")
                                           : _("No message is shown."));
  update_details (self);
}

static void
on_selection_changed (GtkTreeSelection *selection,
                      LagoonLogsPage   *self)
{
  if (!self->rebuilding)
    update_details (self);
}

static void
on_filter_toggled (GtkToggleButton *toggle,
                   LagoonLogsPage  *self)
{
  rebuild (self);
}

/* ---- dismissing -------------------------------------------------------------------------- */

static void
dismiss (LagoonLogsPage *self,
         GPtrArray      *refs)
{
  GApplication *application = g_application_get_default ();
  g_autoptr(LagoonAction) action = NULL;
  g_autofree char *title = NULL;

  if (self->server == NULL || refs->len == 0)
    return;

  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Dismiss %u message",
                                        "Dismiss %u messages", refs->len), refs->len);
  action = lagoon_action_new (lagoon_server_get_connection (self->server), title, NULL, NULL);
  if (self->ref != NULL)
    {
      const char *objects[2] = { self->ref, NULL };

      lagoon_action_set_objects (action, objects);
    }
  for (guint i = 0; i < refs->len; i++)
    lagoon_action_add_call (action, "message.destroy",
                            g_variant_new ("(s)", (char *) g_ptr_array_index (refs, i)));
  if (LAGOON_IS_APPLICATION (application))
    lagoon_application_run_action (LAGOON_APPLICATION (application), action);
  else
    lagoon_action_start (action);
}

static void
on_dismiss_clicked (GtkButton      *button,
                    LagoonLogsPage *self)
{
  g_autoptr(GPtrArray) refs = selected_refs (self);

  dismiss (self, refs);
}

static gboolean
on_view_key_press (GtkWidget      *widget,
                   GdkEventKey    *event,
                   LagoonLogsPage *self)
{
  /* The Delete key dismisses the selected messages. */
  if ((event->keyval == GDK_KEY_Delete || event->keyval == GDK_KEY_KP_Delete) &&
      (event->state & gtk_accelerator_get_default_mod_mask ()) == 0 &&
      gtk_widget_get_sensitive (self->dismiss_button))
    {
      g_autoptr(GPtrArray) refs = selected_refs (self);

      dismiss (self, refs);
      return GDK_EVENT_STOP;
    }
  return GDK_EVENT_PROPAGATE;
}

static gboolean
collect_all (GtkTreeModel *model,
             GtkTreePath  *path,
             GtkTreeIter  *iter,
             gpointer      user_data)
{
  collect_selected (model, path, iter, user_data);
  return FALSE;
}

static void
on_dismiss_all_response (GtkDialog      *dialog,
                         int             response,
                         LagoonLogsPage *self)
{
  if (response == GTK_RESPONSE_OK)
    {
      g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func (g_free);

      gtk_tree_model_foreach (GTK_TREE_MODEL (self->store), collect_all, refs);
      dismiss (self, refs);
    }
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

static void
on_dismiss_all_clicked (GtkButton      *button,
                        LagoonLogsPage *self)
{
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
  guint n = (guint) gtk_tree_model_iter_n_children (GTK_TREE_MODEL (self->store), NULL);
  GtkWidget *dialog;

  if (n == 0)
    return;
  dialog = gtk_message_dialog_new (GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel) : NULL,
                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                   g_dngettext (GETTEXT_PACKAGE, "Dismiss the %u message shown?",
                                                "Dismiss all %u messages shown?", n), n);
  gtk_message_dialog_format_secondary_text (
    GTK_MESSAGE_DIALOG (dialog), "%s",
    _("They are deleted from the pool for every user. Messages hidden by the severity filter "
      "stay."));
  gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
  gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Dismiss All"), GTK_RESPONSE_OK);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_OK);
  gtk_window_set_title (GTK_WINDOW (dialog), _("Dismiss Messages"));
  atk_object_set_name (gtk_widget_get_accessible (dialog), _("Dismiss Messages"));
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_dismiss_all_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- LagoonTab --------------------------------------------------------------------------- */

static gboolean
lagoon_logs_page_handles (LagoonTab *tab,
                          int        class_id)
{
  return class_id == LAGOON_CLASS_POOL || class_id == LAGOON_CLASS_HOST ||
         class_id == LAGOON_CLASS_VM || class_id == LAGOON_CLASS_SR;
}

static void
lagoon_logs_page_set_object (LagoonTab    *tab,
                             LagoonServer *server,
                             int           class_id,
                             const char   *ref)
{
  LagoonLogsPage *self = LAGOON_LOGS_PAGE (tab);
  LagoonConnection *connection = server != NULL ? lagoon_server_get_connection (server) : NULL;
  LagoonCache *cache = connection != NULL ? lagoon_connection_get_cache (connection) : NULL;
  gboolean same = server == self->server && class_id == self->class_id &&
                  g_strcmp0 (ref, self->ref) == 0;

  g_set_object (&self->server, server);
  g_set_object (&self->cache, cache);
  self->class_id = class_id;
  g_free (self->ref);
  self->ref = g_strdup (ref);
  if (!same)
    gtk_tree_selection_unselect_all (gtk_tree_view_get_selection (self->message_view));
  rebuild (self);
}

static void
lagoon_logs_page_batch (LagoonTab        *tab,
                        LagoonCache      *cache,
                        LagoonCacheBatch *batch)
{
  LagoonLogsPage *self = LAGOON_LOGS_PAGE (tab);

  if (cache != self->cache || self->ref == NULL)
    return;
  /* New or dismissed messages, or objects renamed (the Object column). */
  if (lagoon_cache_batch_is_resync (batch) ||
      lagoon_cache_batch_has_class (batch, LAGOON_CLASS_MESSAGE) ||
      (self->class_id == LAGOON_CLASS_POOL && g_hash_table_size (self->shown) > 0 &&
       (lagoon_cache_batch_count (batch, LAGOON_CLASS_VM, LAGOON_CHANGE_ADDED) > 0 ||
        lagoon_cache_batch_count (batch, LAGOON_CLASS_VM, LAGOON_CHANGE_REMOVED) > 0)))
    rebuild (self);
}

static void
lagoon_logs_page_tab_init (LagoonTabInterface *iface)
{
  iface->handles = lagoon_logs_page_handles;
  iface->set_object = lagoon_logs_page_set_object;
  iface->batch = lagoon_logs_page_batch;
}

/* ---- GObject ----------------------------------------------------------------------------- */

GtkWidget *
lagoon_logs_page_new (void)
{
  return g_object_new (LAGOON_TYPE_LOGS_PAGE, NULL);
}

static void
add_text_column (GtkTreeView *view,
                 const char  *title,
                 int          text_column,
                 int          sort_column,
                 gboolean     expand)
{
  GtkCellRenderer *cell = gtk_cell_renderer_text_new ();
  GtkTreeViewColumn *column;

  if (expand)
    g_object_set (cell, "ellipsize", PANGO_ELLIPSIZE_END, NULL);
  column = gtk_tree_view_column_new_with_attributes (title, cell, "text", text_column, NULL);
  gtk_tree_view_column_set_sort_column_id (column, sort_column);
  gtk_tree_view_column_set_resizable (column, TRUE);
  gtk_tree_view_column_set_expand (column, expand);
  gtk_tree_view_append_column (view, column);
}

static void
lagoon_logs_page_dispose (GObject *object)
{
  LagoonLogsPage *self = LAGOON_LOGS_PAGE (object);

  g_clear_object (&self->server);
  g_clear_object (&self->cache);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (lagoon_logs_page_parent_class)->dispose (object);
}

static void
lagoon_logs_page_finalize (GObject *object)
{
  LagoonLogsPage *self = LAGOON_LOGS_PAGE (object);

  g_free (self->ref);
  g_clear_pointer (&self->shown, g_hash_table_unref);

  G_OBJECT_CLASS (lagoon_logs_page_parent_class)->finalize (object);
}

static void
lagoon_logs_page_class_init (LagoonLogsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lagoon_logs_page_dispose;
  object_class->finalize = lagoon_logs_page_finalize;

  lagoon_ui_register_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/lagoon/Lagoon/lagoon-logs-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LagoonLogsPage, critical_toggle);
  gtk_widget_class_bind_template_child (widget_class, LagoonLogsPage, major_toggle);
  gtk_widget_class_bind_template_child (widget_class, LagoonLogsPage, warning_toggle);
  gtk_widget_class_bind_template_child (widget_class, LagoonLogsPage, minor_toggle);
  gtk_widget_class_bind_template_child (widget_class, LagoonLogsPage, information_toggle);
  gtk_widget_class_bind_template_child (widget_class, LagoonLogsPage, dismiss_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonLogsPage, dismiss_all_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonLogsPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonLogsPage, message_view);
  gtk_widget_class_bind_template_child (widget_class, LagoonLogsPage, details_label);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_dismiss_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_dismiss_all_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_view_key_press);
}

static void
lagoon_logs_page_init (LagoonLogsPage *self)
{
  GtkTreeViewColumn *column;
  GtkCellRenderer *cell;
  GtkTreeSelection *selection;

  self->class_id = -1;
  self->shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->store = gtk_list_store_new (N_COLUMNS, G_TYPE_STRING, G_TYPE_INT64, G_TYPE_STRING,
                                    G_TYPE_STRING, G_TYPE_INT64, G_TYPE_STRING, G_TYPE_STRING,
                                    G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  gtk_tree_sortable_set_sort_column_id (GTK_TREE_SORTABLE (self->store), COLUMN_TIME,
                                        GTK_SORT_DESCENDING);
  gtk_tree_view_set_model (self->message_view, GTK_TREE_MODEL (self->store));

  column = gtk_tree_view_column_new ();
  gtk_tree_view_column_set_title (column, _("Severity"));
  gtk_tree_view_column_set_sort_column_id (column, COLUMN_PRIORITY);
  gtk_tree_view_column_set_resizable (column, TRUE);
  cell = gtk_cell_renderer_pixbuf_new ();
  gtk_tree_view_column_pack_start (column, cell, FALSE);
  gtk_tree_view_column_add_attribute (column, cell, "icon-name", COLUMN_ICON_NAME);
  cell = gtk_cell_renderer_text_new ();
  gtk_tree_view_column_pack_start (column, cell, TRUE);
  gtk_tree_view_column_add_attribute (column, cell, "text", COLUMN_SEVERITY);
  gtk_tree_view_append_column (self->message_view, column);
  add_text_column (self->message_view, _("Time"), COLUMN_TIME_TEXT, COLUMN_TIME, FALSE);
  add_text_column (self->message_view, _("Title"), COLUMN_TITLE, COLUMN_TITLE, TRUE);
  add_text_column (self->message_view, _("Object"), COLUMN_OBJECT, COLUMN_OBJECT, FALSE);
  add_text_column (self->message_view, _("Details"), COLUMN_SUMMARY, COLUMN_BODY, TRUE);
  gtk_tree_view_set_search_column (self->message_view, COLUMN_TITLE);

  selection = gtk_tree_view_get_selection (self->message_view);
  gtk_tree_selection_set_mode (selection, GTK_SELECTION_MULTIPLE);
  g_signal_connect (selection, "changed", G_CALLBACK (on_selection_changed), self);
  update_details (self);
}
