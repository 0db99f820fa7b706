/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-window"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lagoon-add-server-dialog.h"
#include "lagoon-commands.h"
#include "lagoon-events-pane.h"
#include "lagoon-console-page.h"
#include "lagoon-logs-page.h"
#include "lagoon-memory-page.h"
#include "lagoon-networking-page.h"
#include "lagoon-search-page.h"
#include "lagoon-snapshot-commands.h"
#include "lagoon-snapshots-page.h"
#include "lagoon-storage-page.h"
#include "lagoon-vapp-commands.h"
#include "lagoon-new-vm-wizard.h"
#include "lagoon-vapp-commands.h"
#include "lagoon-general-page.h"
#include "lagoon-ui-private.h"
#include "lagoon-view-model.h"
#include "lagoon-window.h"

struct _LagoonWindow
{
  GtkApplicationWindow parent_instance;

  /* Saved window geometry; NULL when the schema is not installed. */
  GSettings           *settings;
  int                  width;
  int                  height;
  gboolean             maximized;

  /* Template children */
  GtkInfoBar          *info_bar;
  GtkImage            *info_icon;
  GtkLabel            *info_label;
  GtkPaned            *paned;
  GtkComboBoxText     *view_combo;
  GtkSearchEntry      *search_entry;
  GtkTreeView         *resource_tree;
  GtkTreeSelection    *selection;
  GtkStack            *content_stack;
  GtkLabel            *empty_title;
  GtkLabel            *empty_description;
  GtkWidget           *empty_add_button;
  GtkStack            *tab_stack;
  LagoonGeneralPage   *general_page;
  LagoonConsolePage   *console_page;
  GtkWidget           *memory_page;
  GtkWidget           *storage_page;
  GtkWidget           *networking_page;
  GtkWidget           *snapshots_page;
  GtkWidget           *logs_page;
  GtkWidget           *search_page;
  GtkRevealer         *events_revealer;
  LagoonEventsPane    *events_pane;
  GtkLabel            *status_label;
  GtkWidget           *command_box;
  GtkWidget           *host_box;    /* host and storage commands, made in code */
  GtkWidget           *sr_box;
  GtkWidget           *start_button;
  GtkWidget           *shutdown_button;
  GtkWidget           *reboot_button;
  GtkWidget           *suspend_button;
  GtkWidget           *resume_button;

  GListModel          *servers;
  LagoonViewModel     *model;
  gboolean             filtering;

  /* Rows the user expanded, as "server key \x1f row key", re-expanded after updates. */
  GHashTable          *expanded;
  /* Servers whose first rows were expanded when they first filled. */
  GHashTable          *auto_expanded;
  gboolean             restoring;
  guint                restore_id;

  /* The selection, kept across updates that remove and re-insert its row. */
  LagoonServer        *selected_server;
  /* A server just added: selected once its row exists. */
  LagoonServer        *select_server;
  /* The last context menu of the tree (attached to it, so destroyed with it). */
  GtkWidget           *context_menu;
  /* Between a model row's removal and the tree view's reaction to it: a selection change
   * then is the view moving its cursor to a neighbour, not the user choosing it. */
  gboolean             row_deleting;
  /* Every selected object of the primary row's server and class, the primary first. */
  GStrv                selected_refs;
  gboolean             selection_displaced;
  char                *selected_key;
  char                *selected_ref;
  int                  selected_class;
  gboolean             selected_is_group;
  LagoonCache         *watched_cache;
  gulong               batch_id;
  LagoonConnection    *watched_connection;
  gulong               state_id;
};

G_DEFINE_FINAL_TYPE (LagoonWindow, lagoon_window, GTK_TYPE_APPLICATION_WINDOW)

static void lagoon_window_show_selection (LagoonWindow *self);
static void lagoon_window_update_commands (LagoonWindow *self);

/* ---- expansion and selection that survive updates --------------------------------------- */

static char *
expansion_key (LagoonServer *server,
               const char   *row_key)
{
  return g_strconcat (lagoon_server_get_key (server), "\x1f", row_key, NULL);
}

static char *
row_expansion_key (LagoonWindow *self,
                   GtkTreeIter  *iter)
{
  g_autoptr(LagoonServer) server = NULL;
  g_autofree char *key = NULL;

  gtk_tree_model_get (GTK_TREE_MODEL (self->model), iter,
                      LAGOON_VIEW_MODEL_COLUMN_SERVER, &server,
                      LAGOON_VIEW_MODEL_COLUMN_KEY, &key, -1);
  if (server == NULL || key == NULL)
    return NULL;
  return expansion_key (server, key);
}

static void
update_status (LagoonWindow *self)
{
  guint n = g_list_model_get_n_items (self->servers);
  guint connected = 0;
  g_autofree char *text = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LagoonServer) server = g_list_model_get_item (self->servers, i);

      if (lagoon_connection_get_state (lagoon_server_get_connection (server)) ==
          LAGOON_CONNECTION_CONNECTED)
        connected++;
    }

  if (n == 0)
    text = g_strdup (_("No servers"));
  else
    /* Translators: "2 of 3 servers connected" */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u server connected",
                                         "%u of %u servers connected", n), connected, n);
  gtk_label_set_text (self->status_label, text);
}

static void on_selection_changed (GtkTreeSelection *selection,
                                  LagoonWindow     *self);

/* The row the tabs show: the cursor's row when it is selected, else the first selected. */
static gboolean
primary_row (LagoonWindow  *self,
             GtkTreeModel **model_out,
             GtkTreeIter   *iter)
{
  g_autoptr(GtkTreePath) cursor = NULL;
  GtkTreeModel *model = NULL;
  GList *rows = gtk_tree_selection_get_selected_rows (self->selection, &model);
  GtkTreePath *pick;
  gboolean found;

  if (rows == NULL)
    return FALSE;
  pick = rows->data;
  gtk_tree_view_get_cursor (self->resource_tree, &cursor, NULL);
  for (GList *l = rows; l != NULL && cursor != NULL; l = l->next)
    if (gtk_tree_path_compare (l->data, cursor) == 0)
      pick = l->data;
  found = gtk_tree_model_get_iter (model, iter, pick);
  if (model_out != NULL)
    *model_out = model;
  g_list_free_full (rows, (GDestroyNotify) gtk_tree_path_free);
  return found;
}

/* @primary, then the other selected objects of @server and @class_id. */
static GStrv
collect_selected_refs (LagoonWindow *self,
                       LagoonServer *server,
                       int           class_id,
                       const char   *primary)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GtkTreeModel *model = NULL;
  GList *rows;

  if (primary == NULL)
    return NULL;
  g_strv_builder_add (builder, primary);
  rows = gtk_tree_selection_get_selected_rows (self->selection, &model);
  for (GList *l = rows; l != NULL; l = l->next)
    {
      g_autoptr(LagoonServer) row_server = NULL;
      g_autofree char *ref = NULL;
      GtkTreeIter iter;
      int row_class = -1;

      if (!gtk_tree_model_get_iter (model, &iter, l->data))
        continue;
      gtk_tree_model_get (model, &iter, LAGOON_VIEW_MODEL_COLUMN_SERVER, &row_server,
                          LAGOON_VIEW_MODEL_COLUMN_REF, &ref,
                          LAGOON_VIEW_MODEL_COLUMN_CLASS_ID, &row_class, -1);
      if (row_server == server && row_class == class_id && ref != NULL &&
          g_strcmp0 (ref, primary) != 0)
        g_strv_builder_add (builder, ref);
    }
  g_list_free_full (rows, (GDestroyNotify) gtk_tree_path_free);
  return g_strv_builder_end (builder);
}

static gboolean
restore_idle (gpointer user_data)
{
  LagoonWindow *self = LAGOON_WINDOW (user_data);
  GtkTreeIter iter;

  self->restore_id = 0;
  self->restoring = TRUE;

  /* A server's first rows open by themselves the first time it fills. */
  for (guint i = 0; i < g_list_model_get_n_items (self->servers); i++)
    {
      g_autoptr(LagoonServer) server = g_list_model_get_item (self->servers, i);
      GtkTreeIter child;

      if (g_hash_table_contains (self->auto_expanded, lagoon_server_get_key (server)) ||
          !lagoon_view_model_find_server (self->model, server, &iter) ||
          !gtk_tree_model_iter_children (GTK_TREE_MODEL (self->model), &child, &iter))
        continue;

      g_hash_table_add (self->auto_expanded, g_strdup (lagoon_server_get_key (server)));
      {
        LagoonConnection *connection = lagoon_server_get_connection (server);

        /* For measurements: G_MESSAGES_DEBUG=lagoon-window shows this. */
        gint64 now = g_get_monotonic_time ();

        g_debug ("Tree of %s populated %" G_GINT64_FORMAT " ms after the process started, %"
                 G_GINT64_FORMAT " ms after connect (login %" G_GINT64_FORMAT
                 " ms, cache ready %" G_GINT64_FORMAT " ms after connect)",
                 lagoon_server_get_address (server),
                 (now - lagoon_ui_get_start_time ()) / 1000,
                 (now - lagoon_server_get_connect_time (server)) / 1000,
                 lagoon_connection_get_login_time_ms (connection),
                 lagoon_connection_get_ready_time_ms (connection));
      }
      /* Nothing chosen yet: show this pool. */
      if (self->selected_server == NULL)
        gtk_tree_selection_select_iter (self->selection, &iter);
      g_hash_table_add (self->expanded, expansion_key (server, lagoon_server_get_key (server)));
      /* In the Infrastructure view, the pool (or the lone host) too. */
      if (lagoon_view_model_get_kind (self->model) == LAGOON_VIEW_INFRASTRUCTURE &&
          gtk_tree_model_iter_n_children (GTK_TREE_MODEL (self->model), &iter) == 1)
        {
          g_autofree char *child_key = row_expansion_key (self, &child);

          if (child_key != NULL)
            g_hash_table_add (self->expanded, g_steal_pointer (&child_key));
        }
    }

  if (!self->filtering)
    {
      g_autofree gpointer *keys = g_hash_table_get_keys_as_array (self->expanded, NULL);

      for (guint k = 0; keys[k] != NULL; k++)
        {
          const char *text = keys[k];
          const char *sep = strchr (text, '\x1f');
          g_autofree char *server_key = NULL;

          if (sep == NULL)
            continue;
          server_key = g_strndup (text, (gsize) (sep - text));
          for (guint i = 0; i < g_list_model_get_n_items (self->servers); i++)
            {
              g_autoptr(LagoonServer) server = g_list_model_get_item (self->servers, i);

              if (g_strcmp0 (lagoon_server_get_key (server), server_key) == 0 &&
                  lagoon_view_model_find_key (self->model, server, sep + 1, &iter))
                {
                  g_autoptr(GtkTreePath) path =
                    gtk_tree_model_get_path (GTK_TREE_MODEL (self->model), &iter);

                  if (!gtk_tree_view_row_expanded (self->resource_tree, path))
                    gtk_tree_view_expand_to_path (self->resource_tree, path);
                }
            }
        }
    }

  if (self->select_server != NULL &&
      lagoon_view_model_find_server (self->model, self->select_server, &iter))
    {
      g_clear_object (&self->select_server);
      gtk_tree_selection_unselect_all (self->selection);
      self->restoring = FALSE;
      gtk_tree_selection_select_iter (self->selection, &iter);
      self->restoring = TRUE;
    }

  if (self->selection_displaced)
    {
      self->selection_displaced = FALSE;
      if (self->selected_server != NULL && self->selected_key != NULL &&
          lagoon_view_model_find_key (self->model, self->selected_server, self->selected_key,
                                      &iter))
        {
          /* The object is elsewhere now: nothing selected, the block below finds it. */
          gtk_tree_selection_unselect_all (self->selection);
        }
      else
        {
          /* The object is gone: what the tree view selected instead is the selection. */
          self->restoring = FALSE;
          on_selection_changed (self->selection, self);
          self->restoring = TRUE;
        }
    }

  /* The selected object's row was removed and inserted elsewhere (a VM started on a host):
   * select it again. */
  if (gtk_tree_selection_count_selected_rows (self->selection) == 0 &&
      self->selected_server != NULL && self->selected_key != NULL &&
      lagoon_view_model_find_key (self->model, self->selected_server, self->selected_key, &iter))
    {
      g_autoptr(GtkTreePath) path = gtk_tree_model_get_path (GTK_TREE_MODEL (self->model), &iter);

      if (gtk_tree_path_get_depth (path) > 1)
        {
          gtk_tree_path_up (path);
          gtk_tree_view_expand_to_path (self->resource_tree, path);
          gtk_tree_path_down (path);
          g_clear_pointer (&path, gtk_tree_path_free);
        }
      gtk_tree_selection_select_iter (self->selection, &iter);
    }
  else if (gtk_tree_selection_count_selected_rows (self->selection) == 0 &&
           self->selected_server != NULL &&
           lagoon_connection_get_state (lagoon_server_get_connection (self->selected_server)) !=
             LAGOON_CONNECTION_CONNECTED &&
           lagoon_view_model_find_server (self->model, self->selected_server, &iter))
    {
      /* The server lost its rows (disconnected): show the server and why. */
      self->restoring = FALSE;
      gtk_tree_selection_select_iter (self->selection, &iter);
      self->restoring = TRUE;
    }

  self->restoring = FALSE;
  update_status (self);
  return G_SOURCE_REMOVE;
}

static void
queue_restore (LagoonWindow *self)
{
  if (self->restore_id == 0)
    self->restore_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, restore_idle, self, NULL);
}

static void
on_model_row_inserted (GtkTreeModel *model,
                       GtkTreePath  *path,
                       GtkTreeIter  *iter,
                       LagoonWindow *self)
{
  queue_restore (self);
}

static void
on_model_row_deleting (GtkTreeModel *model,
                       GtkTreePath  *path,
                       LagoonWindow *self)
{
  self->row_deleting = TRUE;
}

static void
on_model_row_deleted (GtkTreeModel *model,
                      GtkTreePath  *path,
                      LagoonWindow *self)
{
  self->row_deleting = FALSE;
  queue_restore (self);
}

static void
on_model_row_changed (GtkTreeModel *model,
                      GtkTreePath  *path,
                      GtkTreeIter  *iter,
                      LagoonWindow *self)
{
  /* Server rows change with their connection state. */
  if (gtk_tree_path_get_depth (path) == 1)
    {
      queue_restore (self);
      if (self->selected_server != NULL && self->selected_ref == NULL && !self->selected_is_group)
        lagoon_window_show_selection (self);
    }
}

static void
on_row_expanded (GtkTreeView  *tree,
                 GtkTreeIter  *iter,
                 GtkTreePath  *path,
                 LagoonWindow *self)
{
  char *key;

  /* restore_idle records what it expands itself (and iterates the set meanwhile). */
  if (self->filtering || self->restoring)
    return;
  key = row_expansion_key (self, iter);
  if (key != NULL)
    g_hash_table_add (self->expanded, key);
}

static void
on_row_collapsed (GtkTreeView  *tree,
                  GtkTreeIter  *iter,
                  GtkTreePath  *path,
                  LagoonWindow *self)
{
  g_autofree char *key = NULL;

  if (self->filtering || self->restoring)
    return;
  key = row_expansion_key (self, iter);
  if (key != NULL)
    g_hash_table_remove (self->expanded, key);
}

static void
lagoon_window_set_kind (LagoonWindow   *self,
                        LagoonViewKind  kind)
{
  g_autoptr(LagoonViewModel) model = NULL;
  const char *filter = gtk_entry_get_text (GTK_ENTRY (self->search_entry));
  g_autofree char *stripped = g_strstrip (g_strdup (filter));

  if (self->model != NULL && lagoon_view_model_get_kind (self->model) == kind)
    return;

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);

  model = lagoon_view_model_new (self->servers, kind);
  lagoon_view_model_set_filter (model, stripped);
  {
    g_autoptr(GVariant) state =
      g_action_group_get_action_state (G_ACTION_GROUP (self), "show-default-templates");

    lagoon_view_model_set_show_default_templates (model, state != NULL &&
                                                         g_variant_get_boolean (state));
  }
  g_signal_connect_after (model, "row-inserted", G_CALLBACK (on_model_row_inserted), self);
  g_signal_connect_after (model, "row-has-child-toggled", G_CALLBACK (on_model_row_inserted),
                          self);
  /* Before the tree view's own handler (connected by set_model below), and after it. */
  g_signal_connect (model, "row-deleted", G_CALLBACK (on_model_row_deleting), self);
  g_signal_connect_after (model, "row-deleted", G_CALLBACK (on_model_row_deleted), self);
  g_signal_connect_after (model, "row-changed", G_CALLBACK (on_model_row_changed), self);

  g_set_object (&self->model, model);
  /* Expansion keys of one view mean nothing in another; the servers open again. */
  g_hash_table_remove_all (self->expanded);
  g_hash_table_remove_all (self->auto_expanded);
  gtk_tree_view_set_model (self->resource_tree, GTK_TREE_MODEL (model));
  if (self->filtering)
    gtk_tree_view_expand_all (self->resource_tree);
  queue_restore (self);
}

static void
on_view_changed (GtkComboBox  *combo,
                 LagoonWindow *self)
{
  const char *id = gtk_combo_box_get_active_id (combo);
  LagoonViewKind kind;

  if (id == NULL || !lagoon_view_kind_from_string (id, &kind))
    return;

  lagoon_window_set_kind (self, kind);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "view", id);
}

/* ---- search ------------------------------------------------------------------------------ */

static void
on_search_changed (GtkSearchEntry *entry,
                   LagoonWindow   *self)
{
  const char *text = gtk_entry_get_text (GTK_ENTRY (entry));
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (self->model == NULL)
    return;

  lagoon_view_model_set_filter (self->model, stripped);
  if (stripped[0] != '\0')
    {
      /* Show every match; what the user had expanded comes back when the search ends. */
      self->filtering = TRUE;
      gtk_tree_view_expand_all (self->resource_tree);
    }
  else if (self->filtering)
    {
      /* Collapsing would move the selection up to the collapsed rows: keep it out of that,
       * then restore_idle opens what the user had open and selects the object again. */
      self->filtering = FALSE;
      self->restoring = TRUE;
      gtk_tree_view_collapse_all (self->resource_tree);
      gtk_tree_selection_unselect_all (self->selection);
      self->restoring = FALSE;
      queue_restore (self);
    }
}

static void
on_stop_search (GtkSearchEntry *entry,
                LagoonWindow   *self)
{
  gtk_entry_set_text (GTK_ENTRY (entry), "");
}

void
lagoon_window_select_object (LagoonWindow *self,
                             LagoonServer *server,
                             const char   *ref)
{
  GtkTreeIter iter;
  g_autoptr(GtkTreePath) path = NULL;

  g_return_if_fail (LAGOON_IS_WINDOW (self));
  g_return_if_fail (LAGOON_IS_SERVER (server));

  if (self->model == NULL)
    return;
  /* A search may hide the row: end it first. */
  if (!lagoon_view_model_find_ref (self->model, server, ref, &iter) && self->filtering)
    {
      gtk_entry_set_text (GTK_ENTRY (self->search_entry), "");
      on_search_changed (self->search_entry, self);
    }
  if (!lagoon_view_model_find_ref (self->model, server, ref, &iter))
    return;
  path = gtk_tree_model_get_path (GTK_TREE_MODEL (self->model), &iter);
  if (gtk_tree_path_get_depth (path) > 1)
    {
      gtk_tree_path_up (path);
      gtk_tree_view_expand_to_path (self->resource_tree, path);
      gtk_tree_path_down (path);
      g_clear_pointer (&path, gtk_tree_path_free);
      path = gtk_tree_model_get_path (GTK_TREE_MODEL (self->model), &iter);
    }
  gtk_tree_view_set_cursor (self->resource_tree, path, NULL, FALSE);
  gtk_tree_view_scroll_to_cell (self->resource_tree, path, NULL, FALSE, 0, 0);
}

/* ---- the selection and the tabs ---------------------------------------------------------- */

/* The LagoonTab pages of the details notebook, in the window's order. */
static GtkWidget **
tab_pages (LagoonWindow *self,
           guint        *n)
{
  static GtkWidget *pages[6];

  pages[0] = self->memory_page;
  pages[1] = self->storage_page;
  pages[2] = self->networking_page;
  pages[3] = self->snapshots_page;
  pages[4] = self->logs_page;
  pages[5] = self->search_page;
  *n = G_N_ELEMENTS (pages);
  return pages;
}

/* Gives every tab the object (a hidden page loses its switcher button). */
static void
set_tabs_object (LagoonWindow *self,
                 LagoonServer *server,
                 int           class_id,
                 const char   *ref)
{
  guint n;
  GtkWidget **pages = tab_pages (self, &n);

  for (guint i = 0; i < n; i++)
    {
      LagoonTab *tab = LAGOON_TAB (pages[i]);

      if (server != NULL && ref != NULL && lagoon_tab_handles (tab, class_id))
        {
          lagoon_tab_set_object (tab, server, class_id, ref);
          gtk_widget_show (pages[i]);
        }
      else
        {
          gtk_widget_hide (pages[i]);
          lagoon_tab_set_object (tab, NULL, -1, NULL);
        }
    }
}

static void
on_selected_batch (LagoonCache      *cache,
                   LagoonCacheBatch *batch,
                   LagoonWindow     *self)
{
  guint n;
  GtkWidget **pages = tab_pages (self, &n);

  for (guint i = 0; i < n; i++)
    if (gtk_widget_get_visible (pages[i]))
      lagoon_tab_batch (LAGOON_TAB (pages[i]), cache, batch);

  if (self->selected_ref == NULL)
    return;

  if (lagoon_cache_batch_lookup (batch, self->selected_class, self->selected_ref) !=
      LAGOON_CHANGE_NONE)
    lagoon_window_update_commands (self);

  /* Only when something the General tab shows may have changed. */
  if (lagoon_cache_batch_lookup (batch, self->selected_class, self->selected_ref) !=
        LAGOON_CHANGE_NONE ||
      lagoon_cache_batch_has_class (batch, LAGOON_CLASS_VM_GUEST_METRICS) ||
      lagoon_cache_batch_has_class (batch, LAGOON_CLASS_HOST_METRICS) ||
      (self->selected_class == LAGOON_CLASS_POOL &&
       lagoon_cache_batch_has_class (batch, LAGOON_CLASS_HOST)))
    lagoon_general_page_refresh (self->general_page);
}

static void
on_selected_state (LagoonConnection *connection,
                   GParamSpec       *pspec,
                   LagoonWindow     *self)
{
  lagoon_window_show_selection (self);
  lagoon_window_update_commands (self);
}

/* Enables the commands for the selection; a disabled button says why in its tooltip. */
/* The command bars of hosts and storage: like the VM bar of the template, with the reason in
 * the tooltip of a disabled button. */
typedef struct
{
  LagoonClassId class_id;
  const char   *action;
  const char   *label;
  const char   *icon;
  const char   *tooltip;
} ObjectButton;

static const ObjectButton object_buttons[] = {
  { LAGOON_CLASS_HOST, "host-maintenance-enter", N_("_Maintenance Mode"),
    "preferences-system-symbolic", N_("Move the server's VMs away and start no new ones") },
  { LAGOON_CLASS_HOST, "host-maintenance-exit", N_("E_xit Maintenance"),
    "emblem-ok-symbolic", N_("Let VMs run on the server again") },
  { LAGOON_CLASS_HOST, "host-reboot", N_("Re_boot"), "view-refresh-symbolic",
    N_("Reboot the server after moving its VMs away") },
  { LAGOON_CLASS_HOST, "host-shutdown", N_("Shut _Down"), "system-shutdown-symbolic",
    N_("Shut the server down after moving its VMs away") },
  { LAGOON_CLASS_SR, "sr-rescan", N_("Re_scan"), "view-refresh-symbolic",
    N_("Look for disks added or removed outside the pool") },
  { LAGOON_CLASS_SR, "sr-repair", N_("_Repair"), "emblem-system-symbolic",
    N_("Attach the storage to every server that should see it") },
  { LAGOON_CLASS_SR, "sr-detach", N_("_Detach"), "media-eject-symbolic",
    N_("Detach the storage from every server") },
  { LAGOON_CLASS_SR, "sr-forget", N_("_Forget"), "edit-delete-symbolic",
    N_("Remove the detached storage from the pool") },
};

static GtkWidget *
object_toolbar (LagoonWindow  *self,
                LagoonClassId  class_id,
                const char    *accessible_name)
{
  GtkWidget *toolbar = gtk_toolbar_new ();

  gtk_toolbar_set_style (GTK_TOOLBAR (toolbar), GTK_TOOLBAR_BOTH_HORIZ);
  gtk_toolbar_set_icon_size (GTK_TOOLBAR (toolbar), GTK_ICON_SIZE_SMALL_TOOLBAR);
  atk_object_set_name (gtk_widget_get_accessible (toolbar), accessible_name);
  for (guint i = 0; i < G_N_ELEMENTS (object_buttons); i++)
    {
      g_autofree char *action_name = NULL;
      GtkToolItem *item;

      if (object_buttons[i].class_id != class_id)
        continue;
      action_name = g_strconcat ("win.", object_buttons[i].action, NULL);
      item = gtk_tool_button_new (NULL, _(object_buttons[i].label));
      gtk_tool_button_set_use_underline (GTK_TOOL_BUTTON (item), TRUE);
      gtk_tool_button_set_icon_name (GTK_TOOL_BUTTON (item), object_buttons[i].icon);
      gtk_tool_item_set_is_important (item, TRUE);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (item), action_name);
      g_object_set_data (G_OBJECT (item), "lagoon-command", (gpointer) &object_buttons[i]);
      gtk_toolbar_insert (GTK_TOOLBAR (toolbar), item, -1);
    }
  gtk_widget_show_all (toolbar);
  gtk_widget_set_no_show_all (toolbar, TRUE);
  gtk_widget_hide (toolbar);
  return toolbar;
}

static void
update_object_toolbar (LagoonWindow *self,
                       GtkWidget    *toolbar,
                       gboolean      visible)
{
  gtk_widget_set_visible (toolbar, visible);
  if (!visible)
    return;
  for (int i = 0; i < gtk_toolbar_get_n_items (GTK_TOOLBAR (toolbar)); i++)
    {
      GtkToolItem *item = gtk_toolbar_get_nth_item (GTK_TOOLBAR (toolbar), i);
      const ObjectButton *button = g_object_get_data (G_OBJECT (item), "lagoon-command");
      const char *reason = lagoon_commands_get_reason (G_ACTION_MAP (self), button->action);
      const char *text = reason != NULL ? reason : _(button->tooltip);

      gtk_widget_set_tooltip_text (GTK_WIDGET (item), text);
      if (gtk_bin_get_child (GTK_BIN (item)) != NULL)
        atk_object_set_description (gtk_widget_get_accessible (gtk_bin_get_child (GTK_BIN (item))),
                                    text);
    }
}

static void
lagoon_window_update_commands (LagoonWindow *self)
{
  static const struct {
    const char *action;
    const char *tooltip;
    gsize       offset;
  } buttons[] = {
    { "vm-start", N_("Start the VM"), G_STRUCT_OFFSET (LagoonWindow, start_button) },
    { "vm-shutdown", N_("Shut the VM down cleanly"),
      G_STRUCT_OFFSET (LagoonWindow, shutdown_button) },
    { "vm-reboot", N_("Reboot the VM cleanly"), G_STRUCT_OFFSET (LagoonWindow, reboot_button) },
    { "vm-suspend", N_("Suspend the VM to disk"),
      G_STRUCT_OFFSET (LagoonWindow, suspend_button) },
    { "vm-resume", N_("Resume the suspended VM"),
      G_STRUCT_OFFSET (LagoonWindow, resume_button) },
  };

  lagoon_commands_update_many (G_ACTION_MAP (self), self->selected_server, self->selected_class,
                               self->selected_ref != NULL
                               ? (const char * const *) self->selected_refs : NULL);
  lagoon_vapp_commands_update (G_ACTION_MAP (self), self->selected_server,
                               self->selected_class, self->selected_ref);
  lagoon_new_vm_command_update (G_ACTION_MAP (self), self->selected_server,
                                self->selected_class, self->selected_ref);
  lagoon_snapshot_commands_update (G_ACTION_MAP (self), self->selected_server,
                                   self->selected_class, self->selected_ref);

  /* Each class has its own bar; elsewhere the bars are hidden rather than all grey. */
  gtk_widget_set_visible (self->command_box, self->selected_ref != NULL &&
                                             self->selected_class == LAGOON_CLASS_VM);
  update_object_toolbar (self, self->host_box, self->selected_ref != NULL &&
                                               self->selected_class == LAGOON_CLASS_HOST);
  update_object_toolbar (self, self->sr_box, self->selected_ref != NULL &&
                                             self->selected_class == LAGOON_CLASS_SR);

  for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
    {
      GtkWidget *button = G_STRUCT_MEMBER (GtkWidget *, self, buttons[i].offset);
      const char *reason = lagoon_commands_get_reason (G_ACTION_MAP (self), buttons[i].action);
      const char *text = reason != NULL ? reason : _(buttons[i].tooltip);

      if (button == NULL)
        continue;
      gtk_widget_set_tooltip_text (button, text);
      /* Screen readers get the same sentence: the tool button's inner button is what they
       * focus and name. */
      if (GTK_IS_BIN (button) && gtk_bin_get_child (GTK_BIN (button)) != NULL)
        atk_object_set_description (
          gtk_widget_get_accessible (gtk_bin_get_child (GTK_BIN (button))), text);
    }
}

static void
watch_server (LagoonWindow *self,
              LagoonServer *server)
{
  LagoonConnection *connection = server != NULL ? lagoon_server_get_connection (server) : NULL;
  LagoonCache *cache = connection != NULL ? lagoon_connection_get_cache (connection) : NULL;

  if (cache != self->watched_cache)
    {
      if (self->watched_cache != NULL)
        g_clear_signal_handler (&self->batch_id, self->watched_cache);
      g_set_object (&self->watched_cache, cache);
      if (cache != NULL)
        self->batch_id = g_signal_connect (cache, "batch-applied",
                                           G_CALLBACK (on_selected_batch), self);
    }

  if (connection != self->watched_connection)
    {
      if (self->watched_connection != NULL)
        g_clear_signal_handler (&self->state_id, self->watched_connection);
      g_set_object (&self->watched_connection, connection);
      if (connection != NULL)
        self->state_id = g_signal_connect (connection, "notify::state",
                                           G_CALLBACK (on_selected_state), self);
    }
}

/* Shows the tab pages for the selection (or the server's state when it has no objects). */
static void
lagoon_window_show_selection (LagoonWindow *self)
{
  LagoonConnection *connection;
  LagoonCache *cache;

  if (self->selected_server == NULL)
    {
      gboolean any = g_list_model_get_n_items (self->servers) > 0;

      gtk_label_set_text (self->empty_title, any ? _("Nothing selected")
                                                 : _("No server connected"));
      gtk_label_set_text (self->empty_description,
                          any ? _("Select a pool, server, VM or storage in the tree to see "
                                  "its properties.")
                              : _("Pools and servers you connect to appear in the tree on "
                                  "the left. Add a server to connect to a pool through SSH "
                                  "or directly."));
      gtk_widget_set_visible (self->empty_add_button, !any);
      gtk_stack_set_visible_child_name (self->content_stack, "empty");
      return;
    }

  connection = lagoon_server_get_connection (self->selected_server);
  cache = lagoon_connection_get_cache (connection);

  if (self->selected_ref != NULL)
    {
      gtk_stack_set_visible_child_name (self->content_stack, "details");
      return;
    }

  if (self->selected_is_group)
    {
      GtkTreeModel *model;
      GtkTreeIter iter;
      g_autofree char *name = NULL;
      g_autofree char *text = NULL;
      int n = 0;

      if (primary_row (self, &model, &iter))
        {
          gtk_tree_model_get (model, &iter, LAGOON_VIEW_MODEL_COLUMN_NAME, &name, -1);
          n = gtk_tree_model_iter_n_children (model, &iter);
        }
      /* Translators: what a group row of the tree (a tag, a folder, "VMs") holds */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d item", "%d items", n), n);
      gtk_label_set_text (self->empty_title, name != NULL ? name : "");
      gtk_label_set_text (self->empty_description, text);
      gtk_widget_hide (self->empty_add_button);
      gtk_stack_set_visible_child_name (self->content_stack, "empty");
      return;
    }

  /* A server row: its pool's properties once connected, else the connection state. */
  if (lagoon_connection_get_state (connection) == LAGOON_CONNECTION_CONNECTED &&
      lagoon_cache_get_n_records (cache, LAGOON_CLASS_POOL) > 0)
    {
      g_autoptr(GPtrArray) pools = lagoon_cache_list (cache, LAGOON_CLASS_POOL);
      const LagoonRecord *pool = g_ptr_array_index (pools, 0);

      lagoon_general_page_set_object (self->general_page, cache, LAGOON_CLASS_POOL,
                                      lagoon_record_get_opaque_ref (pool));
      set_tabs_object (self, self->selected_server, LAGOON_CLASS_POOL,
                       lagoon_record_get_opaque_ref (pool));
      gtk_stack_set_visible_child_name (self->content_stack, "details");
    }
  else
    {
      g_autofree char *name = lagoon_server_dup_display_name (self->selected_server);
      const char *status = lagoon_connection_get_status (connection);
      const GError *error = lagoon_connection_get_error (connection);
      g_autofree char *text = NULL;

      if (lagoon_connection_get_state (connection) == LAGOON_CONNECTION_DISCONNECTED)
        text = g_strdup (_("Disconnected. Use Reconnect in the server's menu (right-click "
                           "it in the tree) to connect again."));
      else if (lagoon_connection_get_state (connection) == LAGOON_CONNECTION_FAILED)
        /* Translators: %s says why the connection failed */
        text = g_strdup_printf (_("%s\n\nFix the cause, then use Reconnect in the server's "
                                  "menu (right-click it in the tree)."),
                                error != NULL ? error->message
                                              : (status != NULL ? status : ""));
      else
        text = g_strdup (status != NULL ? status : "");

      gtk_label_set_text (self->empty_title, name);
      gtk_label_set_text (self->empty_description, text);
      gtk_widget_hide (self->empty_add_button);
      gtk_stack_set_visible_child_name (self->content_stack, "empty");
    }
}

static void
on_selection_changed (GtkTreeSelection *selection,
                      LagoonWindow     *self)
{
  g_autoptr(LagoonServer) server = NULL;
  g_autofree char *ref = NULL;
  g_autofree char *key = NULL;
  GtkTreeModel *model;
  GtkTreeIter iter;
  int class_id = -1;

  /* restore_idle (or the end of a search) moves the selection itself. */
  if (self->restoring)
    return;

  /* The selected row went away and the tree view selected its neighbour: keep showing the
   * object; restore_idle selects its new row (a VM that started moved under its host). */
  if (self->row_deleting && self->selected_server != NULL)
    {
      self->selection_displaced = TRUE;
      queue_restore (self);
      return;
    }

  if (!primary_row (self, &model, &iter))
    {
      /* The row went away (moved, filtered out, or its server was removed): keep showing
       * the object; restore_idle selects its new row. */
      if (self->selected_server != NULL &&
          !g_list_store_find (G_LIST_STORE (self->servers), self->selected_server, NULL))
        {
          g_clear_object (&self->selected_server);
          g_clear_pointer (&self->selected_key, g_free);
          g_clear_pointer (&self->selected_ref, g_free);
          g_clear_pointer (&self->selected_refs, g_strfreev);
          watch_server (self, NULL);
          lagoon_window_show_selection (self);
        }
      queue_restore (self);
      return;
    }

  gtk_tree_model_get (model, &iter,
                      LAGOON_VIEW_MODEL_COLUMN_SERVER, &server,
                      LAGOON_VIEW_MODEL_COLUMN_REF, &ref,
                      LAGOON_VIEW_MODEL_COLUMN_KEY, &key,
                      LAGOON_VIEW_MODEL_COLUMN_CLASS_ID, &class_id, -1);

  g_strfreev (self->selected_refs);
  self->selected_refs = collect_selected_refs (self, server, class_id, ref);

  /* More rows selected (or fewer), the same primary: only the commands change. */
  if (server != NULL && server == self->selected_server && key != NULL &&
      g_strcmp0 (key, self->selected_key) == 0)
    {
      lagoon_window_update_commands (self);
      return;
    }

  g_set_object (&self->selected_server, server);
  g_free (self->selected_key);
  self->selected_key = g_steal_pointer (&key);
  g_free (self->selected_ref);
  self->selected_ref = g_steal_pointer (&ref);
  self->selected_class = class_id;
  watch_server (self, server);

  if (self->selected_ref != NULL)
    lagoon_general_page_set_object (self->general_page,
                                    lagoon_connection_get_cache (
                                      lagoon_server_get_connection (server)),
                                    class_id, self->selected_ref);
  else
    lagoon_general_page_set_object (self->general_page, NULL, -1, NULL);

  /* The Console tab exists for VMs and hosts only (a hidden page loses its switcher button). */
  if (self->selected_ref != NULL && lagoon_console_page_handles (class_id))
    {
      lagoon_console_page_set_object (self->console_page, lagoon_server_get_connection (server),
                                      class_id, self->selected_ref);
      gtk_widget_show (GTK_WIDGET (self->console_page));
    }
  else
    {
      lagoon_console_page_set_object (self->console_page, NULL, -1, NULL);
      gtk_widget_hide (GTK_WIDGET (self->console_page));
    }
  set_tabs_object (self, server, class_id, self->selected_ref);

  {
    g_autoptr(GtkTreePath) path = gtk_tree_model_get_path (model, &iter);

    self->selected_is_group = gtk_tree_path_get_depth (path) > 1 && self->selected_ref == NULL;
  }

  lagoon_window_show_selection (self);
  lagoon_window_update_commands (self);
}

/* ---- server commands --------------------------------------------------------------------- */

static LagoonServer *
selected_server (LagoonWindow *self)
{
  return self->selected_server;
}

static void
add_server_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  LagoonWindow *self = LAGOON_WINDOW (user_data);
  GtkWidget *dialog = lagoon_add_server_dialog_new (GTK_WINDOW (self));

  gtk_window_present (GTK_WINDOW (dialog));
}

static void
reconnect_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  LagoonWindow *self = LAGOON_WINDOW (user_data);
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));
  LagoonServer *server = selected_server (self);

  if (server != NULL && LAGOON_IS_APPLICATION (application))
    lagoon_application_connect_server (LAGOON_APPLICATION (application), server);
}

static void
disconnect_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  LagoonWindow *self = LAGOON_WINDOW (user_data);
  LagoonServer *server = selected_server (self);

  if (server != NULL)
    lagoon_server_disconnect (server);
}

static void
remove_server_action (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  LagoonWindow *self = LAGOON_WINDOW (user_data);
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));
  g_autoptr(LagoonServer) server = NULL;

  if (selected_server (self) == NULL || !LAGOON_IS_APPLICATION (application))
    return;

  server = g_object_ref (selected_server (self));
  gtk_tree_selection_unselect_all (self->selection);
  g_clear_object (&self->selected_server);
  g_clear_pointer (&self->selected_key, g_free);
  g_clear_pointer (&self->selected_ref, g_free);
  g_clear_pointer (&self->selected_refs, g_strfreev);
  watch_server (self, NULL);
  lagoon_application_remove_server (LAGOON_APPLICATION (application), server);
  lagoon_window_show_selection (self);
}

static void
show_context_menu (LagoonWindow   *self,
                   const GdkEvent *event)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkWidget *popup;

  if (self->selected_server == NULL)
    return;

  if (self->selected_ref != NULL)
    {
      g_autoptr(GMenuModel) commands =
        lagoon_commands_context_menu (G_ACTION_MAP (self), self->selected_server,
                                      self->selected_class, self->selected_ref);

      for (int i = 0; i < g_menu_model_get_n_items (commands); i++)
        {
          g_autoptr(GMenuItem) item = g_menu_item_new_from_model (commands, i);
          g_menu_append_item (menu, item);
        }
    }
  else
    {
      g_autoptr(GMenu) server = g_menu_new ();

      g_menu_append (server, _("_Reconnect"), "win.reconnect");
      g_menu_append (server, _("_Disconnect"), "win.disconnect");
      g_menu_append (server, _("Re_move Server"), "win.remove-server");
      g_menu_append_section (menu, NULL, G_MENU_MODEL (server));
    }

  {
    g_autoptr(GMenuModel) snapshots =
      lagoon_snapshot_commands_menu (self->selected_server, self->selected_class,
                                     self->selected_ref);

    if (snapshots != NULL)
      g_menu_append_section (menu, NULL, snapshots);
  }

  /* New VM: from a pool or a host (its home server) or a template. */
  if (self->selected_ref == NULL || self->selected_class == LAGOON_CLASS_POOL ||
      self->selected_class == LAGOON_CLASS_HOST || self->selected_class == LAGOON_CLASS_VM)
    {
      g_autoptr(GMenu) new_vm = g_menu_new ();

      g_menu_append (new_vm, _("_New VM…"), "win.new-vm");
      g_menu_append_section (menu, NULL, G_MENU_MODEL (new_vm));
    }

  /* vApps: of a selected vApp, and New / Manage from a pool or a VM. */
  {
    g_autoptr(GMenu) vapps = g_menu_new ();
    int klass = self->selected_ref != NULL ? self->selected_class : LAGOON_CLASS_POOL;

    if (klass == LAGOON_CLASS_VM_APPLIANCE)
      {
        g_menu_append (vapps, _("S_tart vApp"), "win.vapp-start");
        g_menu_append (vapps, _("Shut Down v_App"), "win.vapp-shutdown");
        g_menu_append (vapps, _("vApp Propert_ies…"), "win.vapp-properties");
      }
    if (klass == LAGOON_CLASS_POOL || klass == LAGOON_CLASS_VM)
      g_menu_append (vapps, _("New v_App…"), "win.new-vapp");
    if (klass == LAGOON_CLASS_POOL || klass == LAGOON_CLASS_VM_APPLIANCE)
      g_menu_append (vapps, _("Manage _vApps…"), "win.manage-vapps");
    if (g_menu_model_get_n_items (G_MENU_MODEL (vapps)) > 0)
      g_menu_append_section (menu, NULL, G_MENU_MODEL (vapps));
  }

  /* The menu shell deactivates before its item activates: the previous menu is destroyed
   * only when the next one is made (or with the window), never from ::deactivate. */
  if (self->context_menu != NULL)
    gtk_widget_destroy (self->context_menu);
  popup = gtk_menu_new_from_model (G_MENU_MODEL (menu));
  gtk_menu_attach_to_widget (GTK_MENU (popup), GTK_WIDGET (self->resource_tree), NULL);
  self->context_menu = popup;
  g_object_add_weak_pointer (G_OBJECT (popup), (gpointer *) &self->context_menu);
  if (event != NULL)
    gtk_menu_popup_at_pointer (GTK_MENU (popup), event);
  else
    gtk_menu_popup_at_widget (GTK_MENU (popup), GTK_WIDGET (self->resource_tree),
                              GDK_GRAVITY_CENTER, GDK_GRAVITY_NORTH_WEST, NULL);
}

static gboolean
on_tree_button_press (GtkWidget      *widget,
                      GdkEventButton *event,
                      LagoonWindow   *self)
{
  g_autoptr(GtkTreePath) path = NULL;

  if (!gdk_event_triggers_context_menu ((GdkEvent *) event))
    return GDK_EVENT_PROPAGATE;

  /* A right-click inside a multiple selection keeps it; elsewhere it selects that row. */
  if (gtk_tree_view_get_path_at_pos (self->resource_tree, (int) event->x, (int) event->y, &path,
                                     NULL, NULL, NULL) &&
      !gtk_tree_selection_path_is_selected (self->selection, path))
    gtk_tree_view_set_cursor (self->resource_tree, path, NULL, FALSE);

  show_context_menu (self, (GdkEvent *) event);
  return GDK_EVENT_STOP;
}

/* ---- drag a VM onto a server to migrate it ------------------------------------------------- */

/* The host row under (x, y) where the selected VM may be dropped (migrated), or NULL. */
static char *
drop_host_at (LagoonWindow *self,
              int           x,
              int           y,
              GtkTreePath **path_out)
{
  g_autoptr(GtkTreePath) path = NULL;
  g_autoptr(LagoonServer) server = NULL;
  g_autofree char *ref = NULL;
  GtkTreeViewDropPosition position;
  GtkTreeIter iter;
  GtkTreeModel *model = gtk_tree_view_get_model (self->resource_tree);
  int class_id = -1;

  if (model == NULL || self->selected_ref == NULL || self->selected_class != LAGOON_CLASS_VM ||
      !gtk_tree_view_get_dest_row_at_pos (self->resource_tree, x, y, &path, &position) ||
      !gtk_tree_model_get_iter (model, &iter, path))
    return NULL;
  gtk_tree_model_get (model, &iter, LAGOON_VIEW_MODEL_COLUMN_SERVER, &server,
                      LAGOON_VIEW_MODEL_COLUMN_REF, &ref,
                      LAGOON_VIEW_MODEL_COLUMN_CLASS_ID, &class_id, -1);
  if (class_id != LAGOON_CLASS_HOST || server != self->selected_server || ref == NULL)
    return NULL;
  /* The same checks as the Migrate to Server menu: the action enabled, the host offered. */
  if (!g_action_group_get_action_enabled (G_ACTION_GROUP (self), "vm-migrate"))
    return NULL;
  {
    LagoonCache *cache = lagoon_connection_get_cache (lagoon_server_get_connection (server));
    const LagoonRecord *vm = lagoon_cache_lookup (cache, LAGOON_CLASS_VM, self->selected_ref);
    const LagoonRecord *host = lagoon_cache_lookup (cache, LAGOON_CLASS_HOST, ref);

    if (vm == NULL || host == NULL ||
        g_strcmp0 (lagoon_record_get_ref (vm, LAGOON_VM_RESIDENT_ON), ref) == 0 ||
        !lagoon_record_get_bool (host, LAGOON_HOST_ENABLED))
      return NULL;
  }
  if (path_out != NULL)
    *path_out = g_steal_pointer (&path);
  return g_steal_pointer (&ref);
}

static gboolean
on_tree_drag_motion (GtkWidget      *widget,
                     GdkDragContext *context,
                     int             x,
                     int             y,
                     guint           time,
                     LagoonWindow   *self)
{
  g_autoptr(GtkTreePath) path = NULL;
  g_autofree char *host = drop_host_at (self, x, y, &path);

  if (host == NULL)
    {
      gtk_tree_view_set_drag_dest_row (self->resource_tree, NULL, GTK_TREE_VIEW_DROP_INTO_OR_AFTER);
      gdk_drag_status (context, 0, time);
      return TRUE;
    }
  gtk_tree_view_set_drag_dest_row (self->resource_tree, path, GTK_TREE_VIEW_DROP_INTO_OR_AFTER);
  gdk_drag_status (context, GDK_ACTION_MOVE, time);
  return TRUE;
}

static gboolean
on_tree_drag_drop (GtkWidget      *widget,
                   GdkDragContext *context,
                   int             x,
                   int             y,
                   guint           time,
                   LagoonWindow   *self)
{
  g_autofree char *host = drop_host_at (self, x, y, NULL);

  gtk_tree_view_set_drag_dest_row (self->resource_tree, NULL, GTK_TREE_VIEW_DROP_INTO_OR_AFTER);
  if (host != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (self), "vm-migrate",
                                    g_variant_new_string (host));
  gtk_drag_finish (context, host != NULL, FALSE, time);
  return TRUE;
}

static void
setup_drag_and_drop (LagoonWindow *self)
{
  static const GtkTargetEntry targets[] = {
    { (char *) "application/x-lagoon-vm", GTK_TARGET_SAME_WIDGET, 0 },
  };

  /* Only the drop matters: no data moves, the selected VM is what is dragged. */
  gtk_tree_view_enable_model_drag_source (self->resource_tree, GDK_BUTTON1_MASK, targets,
                                          G_N_ELEMENTS (targets), GDK_ACTION_MOVE);
  gtk_tree_view_enable_model_drag_dest (self->resource_tree, targets, G_N_ELEMENTS (targets),
                                        GDK_ACTION_MOVE);
  g_signal_connect (self->resource_tree, "drag-motion", G_CALLBACK (on_tree_drag_motion), self);
  g_signal_connect (self->resource_tree, "drag-drop", G_CALLBACK (on_tree_drag_drop), self);
}

static gboolean
on_tree_popup_menu (GtkWidget    *widget,
                    LagoonWindow *self)
{
  show_context_menu (self, NULL);
  return TRUE;
}

static void
on_servers_changed (GListModel   *servers,
                    guint         position,
                    guint         removed,
                    guint         added,
                    LagoonWindow *self)
{
  update_status (self);
  if (added > 0)
    {
      g_clear_object (&self->select_server);
      self->select_server = g_list_model_get_item (servers, position + added - 1);
      queue_restore (self);
    }
  if (self->selected_server == NULL)
    lagoon_window_show_selection (self);
}

/* ---- window actions ---------------------------------------------------------------------- */

static void
search_action (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  LagoonWindow *self = LAGOON_WINDOW (user_data);

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
show_events_change_state (GSimpleAction *action,
                          GVariant      *state,
                          gpointer       user_data)
{
  LagoonWindow *self = LAGOON_WINDOW (user_data);
  gboolean visible = g_variant_get_boolean (state);

  g_simple_action_set_state (action, state);
  /* A hidden revealer still asks for its child's height: hide it outright. */
  gtk_widget_set_visible (GTK_WIDGET (self->events_revealer), visible);
  gtk_revealer_set_reveal_child (self->events_revealer, visible);
  if (self->settings != NULL)
    g_settings_set_boolean (self->settings, "events-visible", visible);
}

static void
show_default_templates_change_state (GSimpleAction *action,
                                     GVariant      *state,
                                     gpointer       user_data)
{
  LagoonWindow *self = LAGOON_WINDOW (user_data);
  gboolean show = g_variant_get_boolean (state);

  g_simple_action_set_state (action, state);
  if (self->model != NULL)
    lagoon_view_model_set_show_default_templates (self->model, show);
  if (self->settings != NULL)
    g_settings_set_boolean (self->settings, "show-default-templates", show);
}

static void
show_help_overlay_action (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  LagoonWindow *self = LAGOON_WINDOW (user_data);
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));
  GtkWindow *shortcuts;

  if (!LAGOON_IS_APPLICATION (application))
    return;

  shortcuts = lagoon_application_get_shortcuts_window (LAGOON_APPLICATION (application));
  gtk_window_set_transient_for (shortcuts, GTK_WINDOW (self));
  gtk_window_present (shortcuts);
}

static const GActionEntry win_entries[] = {
  { .name = "search", .activate = search_action },
  { .name = "show-help-overlay", .activate = show_help_overlay_action },
  { .name = "add-server", .activate = add_server_action },
  { .name = "reconnect", .activate = reconnect_action },
  { .name = "disconnect", .activate = disconnect_action },
  { .name = "remove-server", .activate = remove_server_action },
  { .name = "show-events", .state = "false", .change_state = show_events_change_state },
  { .name = "show-default-templates", .state = "false",
    .change_state = show_default_templates_change_state },
};

/* ---- saved geometry ---------------------------------------------------------------------- */

static void
lagoon_window_restore_state (LagoonWindow *self)
{
  int width, height, position;

  if (self->settings == NULL)
    return;

  width = g_settings_get_int (self->settings, "window-width");
  height = g_settings_get_int (self->settings, "window-height");
  if (width > 0 && height > 0)
    {
      gtk_window_set_default_size (GTK_WINDOW (self), width, height);
      self->width = width;
      self->height = height;
    }

  self->maximized = g_settings_get_boolean (self->settings, "window-maximized");
  if (self->maximized)
    gtk_window_maximize (GTK_WINDOW (self));

  position = g_settings_get_int (self->settings, "paned-position");
  if (position > 0)
    gtk_paned_set_position (self->paned, position);
}

/* A remembered or default size larger than the screen's work area helps nobody. */
static void
lagoon_window_fit_to_monitor (LagoonWindow *self)
{
  GdkDisplay *display = gtk_widget_get_display (GTK_WIDGET (self));
  GdkMonitor *monitor = gdk_display_get_primary_monitor (display);
  GdkRectangle area;
  int width, height;

  if (monitor == NULL && gdk_display_get_n_monitors (display) > 0)
    monitor = gdk_display_get_monitor (display, 0);
  if (monitor == NULL)
    return;

  gdk_monitor_get_workarea (monitor, &area);
  if (area.width <= 0 || area.height <= 0)
    return;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  if (width > area.width || height > area.height)
    gtk_window_set_default_size (GTK_WINDOW (self), MIN (width, area.width),
                                 MIN (height, area.height));
}

static void
lagoon_window_save_state (LagoonWindow *self)
{
  if (self->settings == NULL)
    return;

  if (self->width > 0 && self->height > 0)
    {
      g_settings_set_int (self->settings, "window-width", self->width);
      g_settings_set_int (self->settings, "window-height", self->height);
    }
  g_settings_set_boolean (self->settings, "window-maximized", self->maximized);
  if (self->paned != NULL)
    g_settings_set_int (self->settings, "paned-position",
                        CLAMP (gtk_paned_get_position (self->paned), 0, 10000));
}

static void
lagoon_window_size_allocate (GtkWidget     *widget,
                             GtkAllocation *allocation)
{
  LagoonWindow *self = LAGOON_WINDOW (widget);

  GTK_WIDGET_CLASS (lagoon_window_parent_class)->size_allocate (widget, allocation);

  /* Remember the unmaximized size: that is what the next start should restore. */
  if (!self->maximized)
    gtk_window_get_size (GTK_WINDOW (self), &self->width, &self->height);
}

static gboolean
lagoon_window_window_state_event (GtkWidget           *widget,
                                  GdkEventWindowState *event)
{
  LagoonWindow *self = LAGOON_WINDOW (widget);

  self->maximized = (event->new_window_state & GDK_WINDOW_STATE_MAXIMIZED) != 0;

  return GTK_WIDGET_CLASS (lagoon_window_parent_class)->window_state_event (widget, event);
}

/* ---- public API -------------------------------------------------------------------------- */

/**
 * lagoon_window_show_message:
 * @type: %GTK_MESSAGE_INFO, %GTK_MESSAGE_WARNING or %GTK_MESSAGE_ERROR
 * @message: the sentence to show
 *
 * Shows @message in the info bar above the window's content, replacing any earlier one.
 */
void
lagoon_window_show_message (LagoonWindow   *self,
                            GtkMessageType  type,
                            const char     *message)
{
  const char *icon_name;

  g_return_if_fail (LAGOON_IS_WINDOW (self));
  g_return_if_fail (message != NULL);

  switch (type)
    {
    case GTK_MESSAGE_WARNING:
      icon_name = "dialog-warning-symbolic";
      break;

    case GTK_MESSAGE_ERROR:
      icon_name = "dialog-error-symbolic";
      break;

    case GTK_MESSAGE_INFO:
    case GTK_MESSAGE_QUESTION:
    case GTK_MESSAGE_OTHER:
    default:
      icon_name = "dialog-information-symbolic";
      break;
    }

  gtk_info_bar_set_message_type (self->info_bar, type);
  gtk_image_set_from_icon_name (self->info_icon, icon_name, GTK_ICON_SIZE_BUTTON);
  gtk_label_set_text (self->info_label, message);
  gtk_info_bar_set_revealed (self->info_bar, TRUE);
}

void
lagoon_window_hide_message (LagoonWindow *self)
{
  g_return_if_fail (LAGOON_IS_WINDOW (self));

  gtk_info_bar_set_revealed (self->info_bar, FALSE);
}

LagoonWindow *
lagoon_window_new (LagoonApplication *application)
{
  LagoonWindow *self;

  g_return_val_if_fail (LAGOON_IS_APPLICATION (application), NULL);

  self = g_object_new (LAGOON_TYPE_WINDOW, "application", application, NULL);
  g_set_object (&self->servers, lagoon_application_get_servers (application));
  lagoon_events_pane_set_model (self->events_pane, lagoon_application_get_actions (application));
  g_signal_connect_object (self->servers, "items-changed", G_CALLBACK (on_servers_changed), self,
                           0);

  /* The view the user chose last time (this also builds the tree). */
  {
    g_autofree char *view = self->settings != NULL
                              ? g_settings_get_string (self->settings, "view")
                              : g_strdup ("infrastructure");

    if (!gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->view_combo), view))
      gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->view_combo), "infrastructure");
    if (self->model == NULL)
      lagoon_window_set_kind (self, LAGOON_VIEW_INFRASTRUCTURE);
  }
  update_status (self);
  lagoon_window_show_selection (self);

  return self;
}

/* ---- GObject ----------------------------------------------------------------------------- */

static void
lagoon_window_dispose (GObject *object)
{
  LagoonWindow *self = LAGOON_WINDOW (object);
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));

  /* The shared shortcuts window outlives us: do not leave it open over nothing. */
  if (LAGOON_IS_APPLICATION (application))
    {
      GtkWindow *shortcuts =
        lagoon_application_get_shortcuts_window (LAGOON_APPLICATION (application));

      if (gtk_window_get_transient_for (shortcuts) == GTK_WINDOW (self))
        {
          gtk_widget_hide (GTK_WIDGET (shortcuts));
          gtk_window_set_transient_for (shortcuts, NULL);
        }
    }

  /* The first dispose runs while the template children still exist. */
  if (self->settings != NULL)
    {
      lagoon_window_save_state (self);
      g_clear_object (&self->settings);
    }

  g_clear_handle_id (&self->restore_id, g_source_remove);
  watch_server (self, NULL);
  if (self->model != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->model, self);
      if (self->resource_tree != NULL)
        gtk_tree_view_set_model (self->resource_tree, NULL);
      g_clear_object (&self->model);
    }
  g_clear_object (&self->selected_server);
  g_clear_object (&self->select_server);
  g_clear_object (&self->servers);

  G_OBJECT_CLASS (lagoon_window_parent_class)->dispose (object);
}

static void
lagoon_window_finalize (GObject *object)
{
  LagoonWindow *self = LAGOON_WINDOW (object);

  g_clear_pointer (&self->expanded, g_hash_table_unref);
  g_clear_pointer (&self->auto_expanded, g_hash_table_unref);
  g_free (self->selected_key);
  g_free (self->selected_ref);
  g_strfreev (self->selected_refs);

  G_OBJECT_CLASS (lagoon_window_parent_class)->finalize (object);
}

static void
lagoon_window_class_init (LagoonWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lagoon_window_dispose;
  object_class->finalize = lagoon_window_finalize;

  widget_class->size_allocate = lagoon_window_size_allocate;
  widget_class->window_state_event = lagoon_window_window_state_event;

  g_type_ensure (LAGOON_TYPE_GENERAL_PAGE);
  g_type_ensure (LAGOON_TYPE_CONSOLE_PAGE);
  g_type_ensure (LAGOON_TYPE_MEMORY_PAGE);
  g_type_ensure (LAGOON_TYPE_STORAGE_PAGE);
  g_type_ensure (LAGOON_TYPE_NETWORKING_PAGE);
  g_type_ensure (LAGOON_TYPE_SNAPSHOTS_PAGE);
  g_type_ensure (LAGOON_TYPE_LOGS_PAGE);
  g_type_ensure (LAGOON_TYPE_SEARCH_PAGE);
  g_type_ensure (LAGOON_TYPE_EVENTS_PANE);

  lagoon_ui_register_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/dev/lagoon/Lagoon/lagoon-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, info_bar);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, info_icon);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, info_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, paned);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, view_combo);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, resource_tree);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, selection);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, empty_title);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, empty_description);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, empty_add_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, tab_stack);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, general_page);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, console_page);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, memory_page);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, storage_page);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, networking_page);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, snapshots_page);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, logs_page);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, search_page);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, events_revealer);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, events_pane);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, command_box);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, start_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, shutdown_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, reboot_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, suspend_button);
  gtk_widget_class_bind_template_child (widget_class, LagoonWindow, resume_button);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search);
  gtk_widget_class_bind_template_callback (widget_class, on_view_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_row_expanded);
  gtk_widget_class_bind_template_callback (widget_class, on_row_collapsed);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_tree_button_press);
  gtk_widget_class_bind_template_callback (widget_class, on_tree_popup_menu);
}

static void
lagoon_window_init (LagoonWindow *self)
{
  self->expanded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->auto_expanded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->selected_class = -1;
  /* Until lagoon_window_new() gives the application's list. */
  self->servers = G_LIST_MODEL (g_list_store_new (LAGOON_TYPE_SERVER));

  gtk_widget_init_template (GTK_WIDGET (self));

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries),
                                   self);
  lagoon_commands_add (G_ACTION_MAP (self));
  lagoon_vapp_commands_add (G_ACTION_MAP (self));
  lagoon_new_vm_command_add (G_ACTION_MAP (self));
  lagoon_snapshot_commands_add (G_ACTION_MAP (self));

  self->host_box = object_toolbar (self, LAGOON_CLASS_HOST, _("Server commands"));
  self->sr_box = object_toolbar (self, LAGOON_CLASS_SR, _("Storage commands"));
  {
    GtkWidget *details = gtk_widget_get_parent (self->command_box);

    gtk_box_pack_start (GTK_BOX (details), self->host_box, FALSE, FALSE, 0);
    gtk_box_reorder_child (GTK_BOX (details), self->host_box, 1);
    gtk_box_pack_start (GTK_BOX (details), self->sr_box, FALSE, FALSE, 0);
    gtk_box_reorder_child (GTK_BOX (details), self->sr_box, 2);
  }

  setup_drag_and_drop (self);
  /* Ctrl- and Shift-click select several VMs (or servers, or storage) for one command. */
  gtk_tree_selection_set_mode (self->selection, GTK_SELECTION_MULTIPLE);

  /* Start in the tree, so that the search entry shows its placeholder. */
  gtk_widget_grab_focus (GTK_WIDGET (self->resource_tree));

  self->settings = lagoon_ui_create_settings ();
  lagoon_window_restore_state (self);
  lagoon_window_fit_to_monitor (self);

  if (self->settings != NULL && g_settings_get_boolean (self->settings, "show-default-templates"))
    g_action_group_change_action_state (G_ACTION_GROUP (self), "show-default-templates",
                                        g_variant_new_boolean (TRUE));
  if (self->settings != NULL && g_settings_get_boolean (self->settings, "events-visible"))
    g_action_group_change_action_state (G_ACTION_GROUP (self), "show-events",
                                        g_variant_new_boolean (TRUE));
}
