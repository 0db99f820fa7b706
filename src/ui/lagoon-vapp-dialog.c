/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-vapp-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "lagoon-application.h"
#include "lagoon-ui-private.h"
#include "lagoon-vapp-action.h"
#include "lagoon-vapp-dialog.h"
#include "lagoon-vapp-properties-dialog.h"

enum {
  COL_REF,
  COL_NAME,
  COL_DESCRIPTION,
  COL_VMS,
  COL_STATE,
  N_COLUMNS
};

enum {
  SEQ_REF,
  SEQ_ORDER,
  SEQ_NAME,
  SEQ_STATE,
  SEQ_WHEN,
  SEQ_N_COLUMNS
};

struct _LagoonVappDialog
{
  GtkWindow         parent_instance;

  LagoonServer     *server;
  LagoonConnection *connection;
  GtkListStore     *store;
  GtkListStore     *seq_store;
  GtkTreeSelection *selection;
  char             *pending_select;

  /* The vApp operation being followed. */
  char             *watch_ref;
  char             *watch_name;
  gboolean          watch_start;
  gint64            watch_t0;
  GHashTable       *reached;    /* VM ref -> GINT_TO_POINTER (ms since t0 + 1) */
  LagoonAction     *watch_action;

  /* Template children */
  GtkLabel         *intro_label;
  GtkTreeView      *vapp_view;
  GtkWidget        *new_button;
  GtkWidget        *delete_button;
  GtkWidget        *properties_button;
  GtkWidget        *start_button;
  GtkWidget        *shutdown_button;
  GtkLabel         *reason_label;
  GtkLabel         *progress_label;
  GtkProgressBar   *progress_bar;
  GtkTreeView      *sequence_view;
};

G_DEFINE_FINAL_TYPE (LagoonVappDialog, lagoon_vapp_dialog, GTK_TYPE_WINDOW)

enum {
  NEW_VAPP,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static LagoonCache *
get_cache (LagoonVappDialog *self)
{
  return self->connection != NULL ? lagoon_connection_get_cache (self->connection) : NULL;
}

/* ---- members ----------------------------------------------------------------------------- */

static gint
compare_members (gconstpointer a,
                 gconstpointer b)
{
  const LagoonRecord *x = *(const LagoonRecord *const *) a;
  const LagoonRecord *y = *(const LagoonRecord *const *) b;
  gint64 ox = lagoon_record_get_int (x, LAGOON_VM_ORDER);
  gint64 oy = lagoon_record_get_int (y, LAGOON_VM_ORDER);

  if (ox != oy)
    return ox < oy ? -1 : 1;
  return g_utf8_collate (lagoon_record_get_name (x), lagoon_record_get_name (y));
}

/* The vApp's VMs (records of the cache), by start order. */
static GPtrArray *
list_members (LagoonCache *cache,
              const char  *vapp_ref)
{
  GPtrArray *members = g_ptr_array_new ();
  const LagoonRecord *const *vms;
  guint n = 0;

  vms = lagoon_cache_get_referrers (cache, LAGOON_CLASS_VM, LAGOON_VM_APPLIANCE, vapp_ref, &n);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (members, (gpointer) vms[i]);
  g_ptr_array_sort (members, compare_members);
  return members;
}

static gboolean
is_up (const LagoonRecord *vm)
{
  const char *power = lagoon_record_get_enum_string (vm, LAGOON_VM_POWER_STATE);

  return g_strcmp0 (power, "Running") == 0 || g_strcmp0 (power, "Paused") == 0;
}

static gboolean
is_halted (const LagoonRecord *vm)
{
  return g_strcmp0 (lagoon_record_get_enum_string (vm, LAGOON_VM_POWER_STATE), "Halted") == 0;
}

/* Halted or suspended: VM_appliance.start brings it up. */
static gboolean
is_startable (const LagoonRecord *vm)
{
  return is_halted (vm) ||
         g_strcmp0 (lagoon_record_get_enum_string (vm, LAGOON_VM_POWER_STATE), "Suspended") == 0;
}

static char *
describe_state (const LagoonRecord *app,
                GPtrArray          *members)
{
  guint up = 0;
  const char *const *ops = lagoon_record_get_map (app, LAGOON_VM_APPLIANCE_CURRENT_OPERATIONS,
                                                  NULL);

  if (ops != NULL && ops[0] != NULL && ops[1] != NULL)
    {
      if (g_str_equal (ops[1], "start"))
        return g_strdup (_("Starting…"));
      return g_strdup (_("Shutting down…"));
    }
  for (guint i = 0; i < members->len; i++)
    up += is_up (members->pdata[i]);
  if (members->len == 0)
    return g_strdup (_("No VMs"));
  if (up == 0)
    return g_strdup (_("Halted"));
  if (up == members->len)
    return g_strdup (_("Running"));
  /* Translators: a vApp some of whose VMs run */
  return g_strdup_printf (_("Partly running (%u of %u)"), up, members->len);
}

/* ---- the list ---------------------------------------------------------------------------- */

static char *
selected_ref (LagoonVappDialog *self)
{
  GtkTreeModel *model;
  GtkTreeIter iter;
  char *ref = NULL;

  if (gtk_tree_selection_get_selected (self->selection, &model, &iter))
    gtk_tree_model_get (model, &iter, COL_REF, &ref, -1);
  return ref;
}

static gboolean
find_row (GtkListStore *store,
          int           column,
          const char   *ref,
          GtkTreeIter  *iter)
{
  GtkTreeModel *model = GTK_TREE_MODEL (store);

  if (ref == NULL || !gtk_tree_model_get_iter_first (model, iter))
    return FALSE;
  do
    {
      g_autofree char *row_ref = NULL;

      gtk_tree_model_get (model, iter, column, &row_ref, -1);
      if (g_strcmp0 (row_ref, ref) == 0)
        return TRUE;
    }
  while (gtk_tree_model_iter_next (model, iter));
  return FALSE;
}

static void
update_buttons (LagoonVappDialog *self)
{
  LagoonCache *cache = get_cache (self);
  g_autofree char *ref = selected_ref (self);
  const LagoonRecord *app = ref != NULL && cache != NULL
                              ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM_APPLIANCE, ref)
                              : NULL;
  gboolean connected = self->connection != NULL &&
                       lagoon_connection_get_state (self->connection) ==
                         LAGOON_CONNECTION_CONNECTED;
  gboolean can_start = FALSE, can_stop = FALSE;
  const char *reason = "";

  gtk_widget_set_sensitive (self->new_button, connected);
  gtk_widget_set_sensitive (self->delete_button, connected && app != NULL);
  gtk_widget_set_sensitive (self->properties_button, connected && app != NULL);

  if (!connected)
    reason = _("The pool is not connected.");
  else if (app != NULL)
    {
      g_autoptr(GPtrArray) members = list_members (cache, ref);
      const char *const *current = lagoon_record_get_map (app,
                                                          LAGOON_VM_APPLIANCE_CURRENT_OPERATIONS,
                                                          NULL);
      const char *const *allowed = lagoon_record_get_set (app,
                                                          LAGOON_VM_APPLIANCE_ALLOWED_OPERATIONS,
                                                          NULL);
      gboolean busy = current != NULL && current[0] != NULL;
      /* A vApp whose allowed_operations was never filled in offers all four while idle, as
       * xapi computes them. */
      gboolean unknown = allowed == NULL || allowed[0] == NULL;
      guint up = 0, halted = 0;

      for (guint i = 0; i < members->len; i++)
        {
          up += is_up (members->pdata[i]);
          halted += is_startable (members->pdata[i]);
        }
      can_start = !busy && halted > 0 &&
                  (unknown || lagoon_record_set_contains (app,
                                                          LAGOON_VM_APPLIANCE_ALLOWED_OPERATIONS,
                                                          "start"));
      can_stop = !busy && up > 0 &&
                 (unknown || lagoon_record_set_contains (app,
                                                         LAGOON_VM_APPLIANCE_ALLOWED_OPERATIONS,
                                                         "shutdown") ||
                  lagoon_record_set_contains (app, LAGOON_VM_APPLIANCE_ALLOWED_OPERATIONS,
                                              "clean_shutdown"));
      if (busy)
        reason = _("Another operation is in progress on this vApp.");
      else if (members->len == 0)
        reason = _("This vApp has no VMs: add some in its Properties.");
      else if (halted == 0 && up == members->len)
        reason = _("Every VM of this vApp is running.");
      else if (up == 0)
        reason = _("No VM of this vApp is running.");
    }
  gtk_widget_set_sensitive (self->start_button, can_start);
  gtk_widget_set_sensitive (self->shutdown_button, can_stop);
  gtk_label_set_text (self->reason_label, reason);
}

static void
refresh_list (LagoonVappDialog *self)
{
  LagoonCache *cache = get_cache (self);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) apps = NULL;
  GtkTreeModel *model = GTK_TREE_MODEL (self->store);
  GtkTreeIter iter;
  gboolean valid;

  if (cache == NULL)
    {
      gtk_list_store_clear (self->store);
      update_buttons (self);
      return;
    }

  apps = lagoon_cache_list (cache, LAGOON_CLASS_VM_APPLIANCE);
  for (guint i = 0; i < apps->len; i++)
    {
      const LagoonRecord *app = apps->pdata[i];
      const char *ref = lagoon_record_get_opaque_ref (app);
      g_autoptr(GPtrArray) members = list_members (cache, ref);
      g_autofree char *state = describe_state (app, members);
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint m = 0; m < members->len; m++)
        g_string_append_printf (names, "%s%s", m > 0 ? ", " : "",
                                lagoon_record_get_name (members->pdata[m]));
      g_hash_table_add (seen, (gpointer) ref);
      if (!find_row (self->store, COL_REF, ref, &iter))
        gtk_list_store_append (self->store, &iter);
      gtk_list_store_set (self->store, &iter,
                          COL_REF, ref,
                          COL_NAME, lagoon_record_get_name (app),
                          COL_DESCRIPTION,
                          lagoon_record_get_string (app, LAGOON_VM_APPLIANCE_NAME_DESCRIPTION),
                          COL_VMS, names->str,
                          COL_STATE, state,
                          -1);
    }

  valid = gtk_tree_model_get_iter_first (model, &iter);
  while (valid)
    {
      g_autofree char *ref = NULL;

      gtk_tree_model_get (model, &iter, COL_REF, &ref, -1);
      if (ref == NULL || !g_hash_table_contains (seen, ref))
        valid = gtk_list_store_remove (self->store, &iter);
      else
        valid = gtk_tree_model_iter_next (model, &iter);
    }

  if (self->pending_select != NULL && find_row (self->store, COL_REF, self->pending_select,
                                                &iter))
    {
      g_autoptr(GtkTreePath) path = gtk_tree_model_get_path (model, &iter);

      gtk_tree_selection_select_iter (self->selection, &iter);
      gtk_tree_view_scroll_to_cell (self->vapp_view, path, NULL, FALSE, 0, 0);
      g_clear_pointer (&self->pending_select, g_free);
    }
  update_buttons (self);
}

/* ---- the sequence ------------------------------------------------------------------------ */

static void
refresh_sequence (LagoonVappDialog *self)
{
  LagoonCache *cache = get_cache (self);
  g_autoptr(GPtrArray) members = NULL;
  g_autofree char *text = NULL;
  gint64 now = g_get_monotonic_time ();
  guint done = 0;

  if (self->watch_ref == NULL || cache == NULL)
    return;

  members = list_members (cache, self->watch_ref);
  if (!self->watch_start)
    {
      /* Shutting down goes from the last group to the first. */
      for (guint a = 0, b = members->len; a + 1 < b; a++, b--)
        {
          gpointer t = members->pdata[a];
          members->pdata[a] = members->pdata[b - 1];
          members->pdata[b - 1] = t;
        }
    }
  gtk_list_store_clear (self->seq_store);
  for (guint i = 0; i < members->len; i++)
    {
      const LagoonRecord *vm = members->pdata[i];
      const char *ref = lagoon_record_get_opaque_ref (vm);
      gboolean there = self->watch_start ? is_up (vm) : is_halted (vm);
      gpointer when = g_hash_table_lookup (self->reached, ref);
      g_autofree char *when_text = NULL;

      if (there && when == NULL)
        {
          when = GINT_TO_POINTER ((int) ((now - self->watch_t0) / 1000) + 1);
          g_hash_table_insert (self->reached, g_strdup (ref), when);
        }
      if (there)
        {
          done++;
          /* Translators: seconds since the vApp command, when this VM got there */
          when_text = g_strdup_printf (_("after %.1f s"), (GPOINTER_TO_INT (when) - 1) / 1000.0);
        }
      else
        when_text = g_strdup (self->watch_start ? _("waiting to start")
                                                : _("waiting to shut down"));
      gtk_list_store_insert_with_values (self->seq_store, NULL, -1,
                                         SEQ_REF, ref,
                                         SEQ_ORDER, (int) lagoon_record_get_int (vm,
                                                                                 LAGOON_VM_ORDER),
                                         SEQ_NAME, lagoon_record_get_name (vm),
                                         SEQ_STATE,
                                         lagoon_record_get_enum_string (vm,
                                                                        LAGOON_VM_POWER_STATE),
                                         SEQ_WHEN, when_text,
                                         -1);
    }

  gtk_progress_bar_set_fraction (self->progress_bar,
                                 members->len > 0 ? (double) done / members->len : 1.0);
  /* The Events pane's bar follows the VMs too (the task itself reports little until the end). */
  if (self->watch_action != NULL && !lagoon_action_is_finished (self->watch_action) &&
      members->len > 0)
    lagoon_action_set_progress (self->watch_action,
                                MAX (lagoon_action_get_progress (self->watch_action),
                                     0.95 * done / members->len));
  if (self->watch_action != NULL && lagoon_action_is_finished (self->watch_action))
    {
      const GError *error = lagoon_action_get_error (self->watch_action);
      double seconds = (lagoon_action_get_finished (self->watch_action) -
                        lagoon_action_get_started (self->watch_action)) / 1e6;

      if (error != NULL)
        text = g_strdup_printf (self->watch_start ? _("Starting vApp “%s” failed: %s")
                                                  : _("Shutting down vApp “%s” failed: %s"),
                                self->watch_name, error->message);
      else
        text = g_strdup_printf (self->watch_start
                                  ? _("vApp “%s” started: %u of %u VMs running after %.1f s.")
                                  : _("vApp “%s” shut down: %u of %u VMs halted after %.1f s."),
                                self->watch_name, done, members->len, seconds);
    }
  else
    text = g_strdup_printf (self->watch_start ? _("Starting vApp “%s”: %u of %u VMs running…")
                                              : _("Shutting down vApp “%s”: %u of %u VMs "
                                                  "halted…"),
                            self->watch_name, done, members->len);
  gtk_label_set_text (self->progress_label, text);
  if (self->watch_action != NULL && !lagoon_action_is_finished (self->watch_action))
    lagoon_action_set_description (self->watch_action, text);
}

static void
on_action_finished (LagoonAction     *action,
                    LagoonVappDialog *self)
{
  refresh_sequence (self);
  update_buttons (self);
}

void
lagoon_vapp_dialog_run (LagoonVappDialog *self,
                        const char       *ref,
                        gboolean          start)
{
  LagoonCache *cache = get_cache (self);
  const LagoonRecord *app;
  GApplication *application = g_application_get_default ();
  g_autoptr(LagoonAction) action = NULL;
  const char *objects[2] = { ref, NULL };

  g_return_if_fail (LAGOON_IS_VAPP_DIALOG (self));

  app = cache != NULL && ref != NULL ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM_APPLIANCE,
                                                            ref)
                                     : NULL;
  if (app == NULL || !LAGOON_IS_APPLICATION (application))
    return;

  if (start)
    action = lagoon_action_new (self->connection, _("Start vApp"), "VM_appliance.start",
                                g_variant_new ("(sb)", ref, FALSE));
  else
    action = lagoon_action_new (self->connection, _("Shut down vApp"), "VM_appliance.shutdown",
                                g_variant_new ("(s)", ref));
  lagoon_action_set_objects (action, objects);

  if (self->watch_action != NULL)
    g_signal_handlers_disconnect_by_data (self->watch_action, self);
  g_set_object (&self->watch_action, action);
  g_signal_connect_object (action, "finished", G_CALLBACK (on_action_finished), self, 0);
  g_free (self->watch_ref);
  self->watch_ref = g_strdup (ref);
  g_free (self->watch_name);
  self->watch_name = g_strdup (lagoon_record_get_name (app));
  self->watch_start = start;
  self->watch_t0 = g_get_monotonic_time ();
  g_hash_table_remove_all (self->reached);

  lagoon_application_run_action (LAGOON_APPLICATION (application), action);
  refresh_sequence (self);
  update_buttons (self);
}

/* ---- cache ------------------------------------------------------------------------------- */

static void
on_batch (LagoonCache      *cache,
          LagoonCacheBatch *batch,
          LagoonVappDialog *self)
{
  if (lagoon_cache_batch_has_class (batch, LAGOON_CLASS_VM_APPLIANCE) ||
      lagoon_cache_batch_has_class (batch, LAGOON_CLASS_VM) ||
      lagoon_cache_batch_is_resync (batch))
    {
      refresh_list (self);
      refresh_sequence (self);
    }
}

static void
on_connection_state (LagoonVappDialog *self)
{
  refresh_list (self);
}

/* ---- buttons ----------------------------------------------------------------------------- */

static void
on_new_clicked (LagoonVappDialog *self)
{
  g_signal_emit (self, signals[NEW_VAPP], 0);
}

typedef struct
{
  LagoonVappDialog *self;
  char             *ref;
} DeleteData;

static void
delete_data_free (DeleteData *data)
{
  g_object_unref (data->self);
  g_free (data->ref);
  g_free (data);
}

static void
on_delete_response (GtkDialog  *dialog,
                    int         response,
                    DeleteData *data)
{
  LagoonVappDialog *self = data->self;
  LagoonCache *cache = get_cache (self);
  GApplication *application = g_application_get_default ();
  const LagoonRecord *app;

  gtk_widget_destroy (GTK_WIDGET (dialog));
  app = cache != NULL ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM_APPLIANCE, data->ref) : NULL;
  if (response == GTK_RESPONSE_ACCEPT && app != NULL && LAGOON_IS_APPLICATION (application))
    {
      g_autoptr(LagoonVappAction) action = lagoon_vapp_action_new (self->connection,
                                                                   _("Delete vApp"));
      g_autoptr(GPtrArray) members = list_members (cache, data->ref);
      const char *objects[2] = { data->ref, NULL };

      /* The VMs leave the vApp first, so that they stay as they are. */
      for (guint i = 0; i < members->len; i++)
        {
          const char *vm = lagoon_record_get_opaque_ref (members->pdata[i]);

          lagoon_vapp_action_add_step (action, "VM.set_appliance",
                                       g_variant_new ("(ss)", vm, "OpaqueRef:NULL"),
                                       LAGOON_VAPP_STEP_CALL);
        }
      lagoon_vapp_action_add_step (action, "VM_appliance.destroy",
                                   g_variant_new ("(s)", data->ref), LAGOON_VAPP_STEP_CALL);
      lagoon_action_set_objects (LAGOON_ACTION (action), objects);
      lagoon_action_set_description (LAGOON_ACTION (action), lagoon_record_get_name (app));
      lagoon_application_run_action (LAGOON_APPLICATION (application), LAGOON_ACTION (action));
    }
  delete_data_free (data);
}

static void
on_delete_clicked (LagoonVappDialog *self)
{
  LagoonCache *cache = get_cache (self);
  g_autofree char *ref = selected_ref (self);
  const LagoonRecord *app = ref != NULL && cache != NULL
                              ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM_APPLIANCE, ref)
                              : NULL;
  GtkWidget *confirm;
  DeleteData *data;

  if (app == NULL)
    return;
  confirm = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL |
                                    GTK_DIALOG_DESTROY_WITH_PARENT, GTK_MESSAGE_QUESTION,
                                    GTK_BUTTONS_NONE, _("Delete vApp “%s”?"),
                                    lagoon_record_get_name (app));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (confirm), "%s",
                                            _("The vApp is removed. Its VMs are kept as they "
                                              "are, outside any vApp."));
  gtk_dialog_add_buttons (GTK_DIALOG (confirm), _("_Cancel"), GTK_RESPONSE_CANCEL,
                          _("_Delete vApp"), GTK_RESPONSE_ACCEPT, NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (confirm), GTK_RESPONSE_CANCEL);
  gtk_window_set_title (GTK_WINDOW (confirm), _("Delete vApp"));
  data = g_new0 (DeleteData, 1);
  data->self = g_object_ref (self);
  data->ref = g_steal_pointer (&ref);
  g_signal_connect (confirm, "response", G_CALLBACK (on_delete_response), data);
  gtk_window_present (GTK_WINDOW (confirm));
}

static void
on_properties_clicked (LagoonVappDialog *self)
{
  g_autofree char *ref = selected_ref (self);
  GtkWidget *dialog;

  if (ref == NULL || self->server == NULL)
    return;
  dialog = lagoon_vapp_properties_dialog_new (GTK_WINDOW (self), self->server, ref);
  if (dialog != NULL)
    gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_row_activated (LagoonVappDialog  *self,
                  GtkTreePath       *path,
                  GtkTreeViewColumn *column)
{
  on_properties_clicked (self);
}

static void
on_start_clicked (LagoonVappDialog *self)
{
  g_autofree char *ref = selected_ref (self);

  lagoon_vapp_dialog_run (self, ref, TRUE);
}

static void
on_shutdown_clicked (LagoonVappDialog *self)
{
  g_autofree char *ref = selected_ref (self);

  lagoon_vapp_dialog_run (self, ref, FALSE);
}

/* ---- public ------------------------------------------------------------------------------ */

void
lagoon_vapp_dialog_select (LagoonVappDialog *self,
                           const char       *ref)
{
  g_return_if_fail (LAGOON_IS_VAPP_DIALOG (self));

  g_free (self->pending_select);
  self->pending_select = g_strdup (ref);
  refresh_list (self);
}

LagoonServer *
lagoon_vapp_dialog_get_server (LagoonVappDialog *self)
{
  g_return_val_if_fail (LAGOON_IS_VAPP_DIALOG (self), NULL);
  return self->server;
}

static void
add_column (GtkTreeView *view,
            const char  *title,
            int          column,
            gboolean     expand)
{
  GtkCellRenderer *cell = gtk_cell_renderer_text_new ();
  GtkTreeViewColumn *col = gtk_tree_view_column_new_with_attributes (title, cell, "text",
                                                                     column, NULL);

  gtk_tree_view_column_set_resizable (col, TRUE);
  if (expand)
    {
      g_object_set (cell, "ellipsize", PANGO_ELLIPSIZE_END, NULL);
      gtk_tree_view_column_set_expand (col, TRUE);
    }
  gtk_tree_view_append_column (view, col);
}

static void
lagoon_vapp_dialog_dispose (GObject *object)
{
  LagoonVappDialog *self = LAGOON_VAPP_DIALOG (object);

  if (self->watch_action != NULL)
    g_signal_handlers_disconnect_by_data (self->watch_action, self);
  g_clear_object (&self->watch_action);
  g_clear_object (&self->store);
  g_clear_object (&self->seq_store);
  g_clear_object (&self->connection);
  g_clear_object (&self->server);
  G_OBJECT_CLASS (lagoon_vapp_dialog_parent_class)->dispose (object);
}

static void
lagoon_vapp_dialog_finalize (GObject *object)
{
  LagoonVappDialog *self = LAGOON_VAPP_DIALOG (object);

  g_free (self->pending_select);
  g_free (self->watch_ref);
  g_free (self->watch_name);
  g_hash_table_unref (self->reached);
  G_OBJECT_CLASS (lagoon_vapp_dialog_parent_class)->finalize (object);
}

static gboolean
lagoon_vapp_dialog_key_press (GtkWidget   *widget,
                              GdkEventKey *event)
{
  if (event->keyval == GDK_KEY_Escape)
    {
      gtk_widget_destroy (widget);
      return GDK_EVENT_STOP;
    }
  return GTK_WIDGET_CLASS (lagoon_vapp_dialog_parent_class)->key_press_event (widget, event);
}

static void
lagoon_vapp_dialog_class_init (LagoonVappDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lagoon_vapp_dialog_dispose;
  object_class->finalize = lagoon_vapp_dialog_finalize;
  widget_class->key_press_event = lagoon_vapp_dialog_key_press;

  /* New was pressed: the owner opens the New vApp wizard for the dialog's pool. */
  signals[NEW_VAPP] = g_signal_new ("new-vapp", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 0);

  lagoon_ui_register_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/lagoon/Lagoon/lagoon-vapp-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LagoonVappDialog, intro_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonVappDialog, vapp_view);
  gtk_widget_class_bind_template_child (widget_class, LagoonVappDialog, new_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonVappDialog, delete_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonVappDialog, properties_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonVappDialog, start_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonVappDialog, shutdown_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonVappDialog, reason_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonVappDialog, progress_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonVappDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, LagoonVappDialog, sequence_view);
  gtk_widget_class_bind_template_callback (widget_class, on_new_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_delete_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_properties_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_start_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_shutdown_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
  gtk_widget_class_bind_template_callback (widget_class, gtk_widget_destroy);
}

static void
lagoon_vapp_dialog_init (LagoonVappDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->reached = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->store = gtk_list_store_new (N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                    G_TYPE_STRING, G_TYPE_STRING);
  gtk_tree_sortable_set_sort_column_id (GTK_TREE_SORTABLE (self->store), COL_NAME,
                                        GTK_SORT_ASCENDING);
  gtk_tree_view_set_model (self->vapp_view, GTK_TREE_MODEL (self->store));
  add_column (self->vapp_view, _("Name"), COL_NAME, FALSE);
  add_column (self->vapp_view, _("Description"), COL_DESCRIPTION, TRUE);
  add_column (self->vapp_view, _("VMs"), COL_VMS, TRUE);
  add_column (self->vapp_view, _("State"), COL_STATE, FALSE);
  self->selection = gtk_tree_view_get_selection (self->vapp_view);
  g_signal_connect_swapped (self->selection, "changed", G_CALLBACK (update_buttons), self);

  self->seq_store = gtk_list_store_new (SEQ_N_COLUMNS, G_TYPE_STRING, G_TYPE_INT, G_TYPE_STRING,
                                        G_TYPE_STRING, G_TYPE_STRING);
  gtk_tree_view_set_model (self->sequence_view, GTK_TREE_MODEL (self->seq_store));
  add_column (self->sequence_view, _("Order"), SEQ_ORDER, FALSE);
  add_column (self->sequence_view, _("VM"), SEQ_NAME, TRUE);
  add_column (self->sequence_view, _("Power state"), SEQ_STATE, FALSE);
  add_column (self->sequence_view, _("Reached"), SEQ_WHEN, FALSE);
}

GtkWidget *
lagoon_vapp_dialog_new (GtkWindow    *parent,
                        LagoonServer *server)
{
  LagoonVappDialog *self;
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;
  g_autofree char *intro = NULL;

  g_return_val_if_fail (LAGOON_IS_SERVER (server), NULL);

  self = g_object_new (LAGOON_TYPE_VAPP_DIALOG, "transient-for", parent, NULL);
  self->server = g_object_ref (server);
  self->connection = g_object_ref (lagoon_server_get_connection (server));
  name = lagoon_server_dup_display_name (server);
  /* Translators: the Manage vApps window's title; %s is the pool */
  title = g_strdup_printf (_("Manage vApps – %s"), name);
  gtk_window_set_title (GTK_WINDOW (self), title);
  intro = g_strdup_printf (_("vApps in %s: groups of VMs that start and shut down together, "
                             "in order."), name);
  gtk_label_set_text (self->intro_label, intro);
  g_signal_connect_object (lagoon_connection_get_cache (self->connection), "batch-applied",
                           G_CALLBACK (on_batch), self, 0);
  g_signal_connect_object (self->connection, "notify::state", G_CALLBACK (on_connection_state),
                           self, G_CONNECT_SWAPPED);
  refresh_list (self);
  return GTK_WIDGET (self);
}
