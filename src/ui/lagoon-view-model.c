/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-view-model"

#include "config.h"

#include <glib/gi18n.h>

#include "lagoon-view-model.h"

/* Iters: stamp; user_data = Entry (the server); user_data2 = the node, NULL for the server
 * row; user_data3 = the node's index under its parent when it was made (a hint). */

typedef struct
{
  LagoonViewModel *model;    /* unowned */
  LagoonServer    *server;
  LagoonView      *view;
  LagoonConnection *connection;
  gulong           inserted_id;
  gulong           removed_id;
  gulong           changed_id;
  gulong           state_id;
  gulong           status_id;
  gulong           batch_id;
  gboolean         busy;
  /* Was connected once, and is now disconnected or failed: the cache holds what the pool
   * was, not what it is, so the server row shows no children (as XenCenter does). */
  gboolean         ever_connected;
  gboolean         hidden;
  guint            n_shown;   /* while hidden: top rows still announced (0 once hidden) */
} Entry;

struct _LagoonViewModel
{
  GObject         parent_instance;

  GListModel     *servers;
  GPtrArray      *entries;   /* Entry*, in the order of @servers */
  LagoonViewKind  kind;
  char           *filter;
  gboolean        show_default_templates;
  int             stamp;
  guint           pulse;
  guint           pulse_id;
};

static void tree_model_iface_init (GtkTreeModelIface *iface);
static void drag_source_iface_init (GtkTreeDragSourceIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LagoonViewModel, lagoon_view_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_TREE_MODEL, tree_model_iface_init)
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_TREE_DRAG_SOURCE,
                                                      drag_source_iface_init))

/* ---- helpers ----------------------------------------------------------------------------- */

static int
entry_index (LagoonViewModel *self,
             Entry           *entry)
{
  for (guint i = 0; i < self->entries->len; i++)
    if (g_ptr_array_index (self->entries, i) == entry)
      return (int) i;
  return -1;
}

static void
make_iter (LagoonViewModel *self,
           GtkTreeIter     *iter,
           Entry           *entry,
           LagoonViewNode  *node,
           guint            index_hint)
{
  iter->stamp = self->stamp;
  iter->user_data = entry;
  iter->user_data2 = node;
  iter->user_data3 = GUINT_TO_POINTER (index_hint);
}

static guint
node_index (LagoonViewNode *node,
            guint           hint)
{
  LagoonViewNode *parent = lagoon_view_node_get_parent (node);

  if (parent != NULL && hint < lagoon_view_node_get_n_children (parent) &&
      lagoon_view_node_get_child (parent, hint) == node)
    return hint;

  return lagoon_view_node_get_index (node);
}

/* The path of @node (NULL: the server row) under @entry. */
static GtkTreePath *
path_for (LagoonViewModel *self,
          Entry           *entry,
          LagoonViewNode  *node)
{
  GtkTreePath *path = gtk_tree_path_new ();

  for (LagoonViewNode *n = node;
       n != NULL && lagoon_view_node_get_kind (n) != LAGOON_VIEW_NODE_ROOT;
       n = lagoon_view_node_get_parent (n))
    gtk_tree_path_prepend_index (path, (int) lagoon_view_node_get_index (n));

  gtk_tree_path_prepend_index (path, entry_index (self, entry));
  return path;
}

/* The node a row shows its children from: the view's root for a server row. */
static LagoonViewNode *
parent_node (Entry          *entry,
             LagoonViewNode *node)
{
  return node != NULL ? node : lagoon_view_get_root (entry->view);
}

/* Children a row shows: none under a hidden server. */
static guint
row_n_children (Entry          *entry,
                LagoonViewNode *node)
{
  if (node == NULL && entry->hidden)
    return entry->n_shown;
  return lagoon_view_node_get_n_children (parent_node (entry, node));
}

/* ---- view signals ------------------------------------------------------------------------ */

static void
emit_server_row_changed (LagoonViewModel *self,
                         Entry           *entry)
{
  g_autoptr(GtkTreePath) path = path_for (self, entry, NULL);
  GtkTreeIter iter;

  make_iter (self, &iter, entry, NULL, 0);
  gtk_tree_model_row_changed (GTK_TREE_MODEL (self), path, &iter);
}

static void
on_node_inserted (LagoonView     *view,
                  LagoonViewNode *parent,
                  guint           index,
                  LagoonViewNode *node,
                  Entry          *entry)
{
  LagoonViewModel *self = entry->model;
  gboolean parent_is_root = lagoon_view_node_get_kind (parent) == LAGOON_VIEW_NODE_ROOT;
  g_autoptr(GtkTreePath) path = path_for (self, entry, parent_is_root ? NULL : parent);
  GtkTreeIter iter;
  if (entry->hidden)
    return;


  gtk_tree_path_append_index (path, (int) index);
  make_iter (self, &iter, entry, node, index);
  gtk_tree_model_row_inserted (GTK_TREE_MODEL (self), path, &iter);

  if (lagoon_view_node_get_n_children (node) > 0)
    {
      make_iter (self, &iter, entry, node, index);
      gtk_tree_model_row_has_child_toggled (GTK_TREE_MODEL (self), path, &iter);
    }

  if (lagoon_view_node_get_n_children (parent) == 1)
    {
      gtk_tree_path_up (path);
      make_iter (self, &iter, entry, parent_is_root ? NULL : parent,
                 parent_is_root ? 0 : lagoon_view_node_get_index (parent));
      gtk_tree_model_row_has_child_toggled (GTK_TREE_MODEL (self), path, &iter);
    }
}

static void
on_node_removed (LagoonView     *view,
                 LagoonViewNode *parent,
                 guint           index,
                 LagoonViewNode *node,
                 Entry          *entry)
{
  LagoonViewModel *self = entry->model;
  gboolean parent_is_root = lagoon_view_node_get_kind (parent) == LAGOON_VIEW_NODE_ROOT;
  g_autoptr(GtkTreePath) path = path_for (self, entry, parent_is_root ? NULL : parent);
  GtkTreeIter iter;
  if (entry->hidden)
    return;


  gtk_tree_path_append_index (path, (int) index);
  gtk_tree_model_row_deleted (GTK_TREE_MODEL (self), path);

  if (lagoon_view_node_get_n_children (parent) == 0)
    {
      gtk_tree_path_up (path);
      make_iter (self, &iter, entry, parent_is_root ? NULL : parent,
                 parent_is_root ? 0 : lagoon_view_node_get_index (parent));
      gtk_tree_model_row_has_child_toggled (GTK_TREE_MODEL (self), path, &iter);
    }
}

static void
on_node_changed (LagoonView     *view,
                 LagoonViewNode *node,
                 Entry          *entry)
{
  LagoonViewModel *self = entry->model;
  g_autoptr(GtkTreePath) path = NULL;
  GtkTreeIter iter;
  if (entry->hidden)
    return;


  if (lagoon_view_node_get_kind (node) == LAGOON_VIEW_NODE_ROOT)
    return;

  path = path_for (self, entry, node);
  make_iter (self, &iter, entry, node, lagoon_view_node_get_index (node));
  gtk_tree_model_row_changed (GTK_TREE_MODEL (self), path, &iter);
}

static gboolean
pulse_cb (gpointer user_data)
{
  LagoonViewModel *self = LAGOON_VIEW_MODEL (user_data);
  gboolean any = FALSE;

  self->pulse++;
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (entry->busy)
        {
          emit_server_row_changed (self, entry);
          any = TRUE;
        }
    }

  if (!any)
    {
      self->pulse_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* Takes the server's rows out of the tree, or puts them back, as whole subtrees. */
static void
entry_set_hidden (LagoonViewModel *self,
                  Entry           *entry,
                  gboolean         hidden)
{
  LagoonViewNode *root = lagoon_view_get_root (entry->view);
  guint n = lagoon_view_node_get_n_children (root);
  g_autoptr(GtkTreePath) server_path = NULL;
  GtkTreeIter iter;

  if (entry->hidden == hidden)
    return;

  /* Rows go and come one by one, and the model answers for exactly the rows announced so
   * far at each signal. */
  server_path = path_for (self, entry, NULL);
  entry->hidden = TRUE;
  if (hidden)
    {
      for (guint i = n; i > 0; i--)
        {
          g_autoptr(GtkTreePath) path = gtk_tree_path_copy (server_path);

          entry->n_shown = i - 1;
          gtk_tree_path_append_index (path, (int) i - 1);
          gtk_tree_model_row_deleted (GTK_TREE_MODEL (self), path);
        }
    }
  else
    {
      for (guint i = 0; i < n; i++)
        {
          LagoonViewNode *node = lagoon_view_node_get_child (root, i);
          g_autoptr(GtkTreePath) path = gtk_tree_path_copy (server_path);

          entry->n_shown = i + 1;
          gtk_tree_path_append_index (path, (int) i);
          make_iter (self, &iter, entry, node, i);
          gtk_tree_model_row_inserted (GTK_TREE_MODEL (self), path, &iter);
          if (lagoon_view_node_get_n_children (node) > 0)
            gtk_tree_model_row_has_child_toggled (GTK_TREE_MODEL (self), path, &iter);
        }
      entry->hidden = FALSE;
    }
  entry->n_shown = 0;

  if (n > 0)
    {
      make_iter (self, &iter, entry, NULL, 0);
      gtk_tree_model_row_has_child_toggled (GTK_TREE_MODEL (self), server_path, &iter);
    }
}

static void
on_connection_notify (LagoonConnection *connection,
                      GParamSpec       *pspec,
                      Entry            *entry)
{
  LagoonViewModel *self = entry->model;
  LagoonConnectionState state = lagoon_connection_get_state (connection);

  entry->busy = state == LAGOON_CONNECTION_CONNECTING || state == LAGOON_CONNECTION_RECONNECTING;
  if (entry->busy && self->pulse_id == 0)
    self->pulse_id = g_timeout_add (120, pulse_cb, self);

  if (state == LAGOON_CONNECTION_CONNECTED)
    entry->ever_connected = TRUE;
  entry_set_hidden (self, entry, entry->ever_connected &&
                                 (state == LAGOON_CONNECTION_DISCONNECTED ||
                                  state == LAGOON_CONNECTION_FAILED));

  emit_server_row_changed (self, entry);
}

/* A host's row shows whether its metrics say it is live: a metrics change is a row change. */
static void
host_metrics_changed (LagoonClassId     class_id,
                      const char       *ref,
                      LagoonChangeKind  kind,
                      gpointer          user_data)
{
  Entry *entry = user_data;
  LagoonCache *cache = lagoon_view_get_cache (entry->view);
  const LagoonRecord *const *hosts;
  guint n_hosts = 0;

  if (!lagoon_cache_has_index (cache, LAGOON_CLASS_HOST, LAGOON_HOST_METRICS))
    lagoon_cache_add_index (cache, LAGOON_CLASS_HOST, LAGOON_HOST_METRICS);
  hosts = lagoon_cache_get_referrers (cache, LAGOON_CLASS_HOST, LAGOON_HOST_METRICS, ref,
                                      &n_hosts);
  for (guint i = 0; i < n_hosts; i++)
    {
      g_autofree LagoonViewNode **nodes =
        lagoon_view_find_nodes (entry->view, lagoon_record_get_opaque_ref (hosts[i]));

      for (guint j = 0; nodes != NULL && nodes[j] != NULL; j++)
        on_node_changed (entry->view, nodes[j], entry);
    }
}

static void
on_batch_applied (LagoonCache      *cache,
                  LagoonCacheBatch *batch,
                  Entry            *entry)
{
  if (!entry->hidden && !lagoon_cache_batch_is_resync (batch) &&
      lagoon_cache_batch_has_class (batch, LAGOON_CLASS_HOST_METRICS))
    lagoon_cache_batch_foreach (batch, LAGOON_CLASS_HOST_METRICS, host_metrics_changed, entry);

  /* The server row shows the pool's name. */
  if (lagoon_cache_batch_has_class (batch, LAGOON_CLASS_POOL) ||
      lagoon_cache_batch_has_class (batch, LAGOON_CLASS_HOST))
    emit_server_row_changed (entry->model, entry);
}

static Entry *
entry_new (LagoonViewModel *self,
           LagoonServer    *server)
{
  Entry *entry = g_new0 (Entry, 1);
  LagoonCache *cache;

  entry->model = self;
  entry->server = g_object_ref (server);
  entry->connection = g_object_ref (lagoon_server_get_connection (server));
  cache = lagoon_connection_get_cache (entry->connection);
  entry->view = lagoon_view_new (cache, self->kind);
  if (self->filter != NULL)
    lagoon_view_set_filter (entry->view, self->filter);
  lagoon_view_set_show_default_templates (entry->view, self->show_default_templates);

  entry->inserted_id = g_signal_connect (entry->view, "node-inserted",
                                         G_CALLBACK (on_node_inserted), entry);
  entry->removed_id = g_signal_connect (entry->view, "node-removed",
                                        G_CALLBACK (on_node_removed), entry);
  entry->changed_id = g_signal_connect (entry->view, "node-changed",
                                        G_CALLBACK (on_node_changed), entry);
  entry->state_id = g_signal_connect (entry->connection, "notify::state",
                                      G_CALLBACK (on_connection_notify), entry);
  entry->status_id = g_signal_connect (entry->connection, "notify::status",
                                       G_CALLBACK (on_connection_notify), entry);
  /* After the view's own handler, so that names are current. */
  entry->batch_id = g_signal_connect_after (cache, "batch-applied",
                                            G_CALLBACK (on_batch_applied), entry);

  {
    LagoonConnectionState state = lagoon_connection_get_state (entry->connection);

    entry->busy = state == LAGOON_CONNECTION_CONNECTING ||
                  state == LAGOON_CONNECTION_RECONNECTING;
    if (entry->busy && self->pulse_id == 0)
      self->pulse_id = g_timeout_add (120, pulse_cb, self);
  }

  return entry;
}

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_clear_signal_handler (&entry->inserted_id, entry->view);
  g_clear_signal_handler (&entry->removed_id, entry->view);
  g_clear_signal_handler (&entry->changed_id, entry->view);
  g_clear_signal_handler (&entry->state_id, entry->connection);
  g_clear_signal_handler (&entry->status_id, entry->connection);
  g_clear_signal_handler (&entry->batch_id, lagoon_connection_get_cache (entry->connection));
  g_clear_object (&entry->view);
  g_clear_object (&entry->connection);
  g_clear_object (&entry->server);
  g_free (entry);
}

static void
on_servers_changed (GListModel      *list,
                    guint            position,
                    guint            removed,
                    guint            added,
                    LagoonViewModel *self)
{
  for (guint i = 0; i < removed; i++)
    {
      g_autoptr(GtkTreePath) path = gtk_tree_path_new_from_indices ((int) position, -1);
      Entry *entry = g_ptr_array_steal_index (self->entries, position);

      gtk_tree_model_row_deleted (GTK_TREE_MODEL (self), path);
      entry_free (entry);
    }

  for (guint i = 0; i < added; i++)
    {
      g_autoptr(LagoonServer) server = g_list_model_get_item (list, position + i);
      g_autoptr(GtkTreePath) path = gtk_tree_path_new_from_indices ((int) (position + i), -1);
      Entry *entry = entry_new (self, server);
      GtkTreeIter iter;

      g_ptr_array_insert (self->entries, (int) (position + i), entry);
      make_iter (self, &iter, entry, NULL, 0);
      gtk_tree_model_row_inserted (GTK_TREE_MODEL (self), path, &iter);
      if (lagoon_view_node_get_n_children (lagoon_view_get_root (entry->view)) > 0)
        gtk_tree_model_row_has_child_toggled (GTK_TREE_MODEL (self), path, &iter);
    }
}

/* ---- row contents ------------------------------------------------------------------------ */

static const char *
class_icon_name (LagoonClassId  class_id,
                 const LagoonRecord *rec)
{
  switch ((int) class_id)
    {
    case LAGOON_CLASS_POOL:
      return "network-workgroup-symbolic";
    case LAGOON_CLASS_HOST:
      return "network-server-symbolic";
    case LAGOON_CLASS_VM:
      if (rec != NULL && lagoon_record_get_bool (rec, LAGOON_VM_IS_A_SNAPSHOT))
        return "camera-photo-symbolic";
      if (rec != NULL && lagoon_record_get_bool (rec, LAGOON_VM_IS_A_TEMPLATE))
        return "document-new-symbolic";
      return "computer-symbolic";
    case LAGOON_CLASS_SR:
      return "drive-harddisk-symbolic";
    case LAGOON_CLASS_VDI:
      return "drive-multidisk-symbolic";
    case LAGOON_CLASS_NETWORK:
      return "network-wired-symbolic";
    case LAGOON_CLASS_VM_APPLIANCE:
      return "package-x-generic-symbolic";
    default:
      return "text-x-generic-symbolic";
    }
}

static const char *
group_icon_name (const char *group_id)
{
  if (group_id != NULL && g_str_has_prefix (group_id, "tag:"))
    return "user-bookmarks-symbolic";
  return "folder-symbolic";
}

static void
vm_state (const LagoonRecord *rec,
          const char        **icon_name,
          const char        **text)
{
  const char *power = lagoon_record_get_enum_string (rec, LAGOON_VM_POWER_STATE);

  *icon_name = NULL;
  *text = NULL;
  if (lagoon_record_get_bool (rec, LAGOON_VM_IS_A_TEMPLATE))
    {
      *text = lagoon_record_get_bool (rec, LAGOON_VM_IS_A_SNAPSHOT) ? _("Snapshot") : _("Template");
      return;
    }
  if (g_strcmp0 (power, "Running") == 0)
    {
      *icon_name = "media-playback-start-symbolic";
      *text = _("Running");
    }
  else if (g_strcmp0 (power, "Halted") == 0)
    {
      *icon_name = "media-playback-stop-symbolic";
      *text = _("Halted");
    }
  else if (g_strcmp0 (power, "Suspended") == 0)
    {
      *icon_name = "weather-clear-night-symbolic";
      *text = _("Suspended");
    }
  else if (g_strcmp0 (power, "Paused") == 0)
    {
      *icon_name = "media-playback-pause-symbolic";
      *text = _("Paused");
    }
}

static void
host_state (LagoonCache         *cache,
            const LagoonRecord  *rec,
            const char         **icon_name,
            const char         **text)
{
  const char *metrics_ref = lagoon_record_get_ref (rec, LAGOON_HOST_METRICS);
  const LagoonRecord *metrics = metrics_ref != NULL
                                  ? lagoon_cache_lookup (cache, LAGOON_CLASS_HOST_METRICS,
                                                         metrics_ref)
                                  : NULL;

  if (metrics != NULL && !lagoon_record_get_bool (metrics, LAGOON_HOST_METRICS_LIVE))
    {
      *icon_name = "network-error-symbolic";
      *text = _("Not responding");
    }
  else if (!lagoon_record_get_bool (rec, LAGOON_HOST_ENABLED))
    {
      *icon_name = "emblem-important-symbolic";
      *text = _("In maintenance mode (disabled)");
    }
  else
    {
      *icon_name = NULL;
      *text = NULL;
    }
}

static char *
server_detail (Entry *entry)
{
  LagoonConnection *connection = entry->connection;
  const GError *error = lagoon_connection_get_error (connection);
  const char *status = lagoon_connection_get_status (connection);

  switch (lagoon_connection_get_state (connection))
    {
    case LAGOON_CONNECTION_CONNECTED:
      return g_strdup (_("Connected"));
    case LAGOON_CONNECTION_CONNECTING:
      return g_strdup (status != NULL ? status : _("Connecting…"));
    case LAGOON_CONNECTION_RECONNECTING:
      return g_strdup (status != NULL ? status : _("Connection lost: reconnecting…"));
    case LAGOON_CONNECTION_FAILED:
      if (status != NULL)
        return g_strdup (status);
      /* Translators: %s says why the connection was lost. */
      return g_strdup_printf (_("Lost: %s"), error != NULL ? error->message : _("unknown error"));
    case LAGOON_CONNECTION_DISCONNECTED:
    default:
      return g_strdup (_("Disconnected"));
    }
}

/* The server row names the way in; the pool's own row (below it) carries the pool's name.
 * Before the first connection the pool's name is not known anyway. */
static char *
server_name (Entry *entry)
{
  LagoonServer *server = entry->server;

  switch (lagoon_server_get_kind (server))
    {
    case LAGOON_SERVER_DEMO:
      return g_strdup (_("Demo simulator"));
    case LAGOON_SERVER_DIRECT:
    case LAGOON_SERVER_SSH:
    default:
      return g_strdup (lagoon_server_get_address (server));
    }
}

static const char *
server_state_icon (Entry *entry)
{
  switch (lagoon_connection_get_state (entry->connection))
    {
    case LAGOON_CONNECTION_CONNECTED:
      return NULL;
    case LAGOON_CONNECTION_FAILED:
      return "dialog-error-symbolic";
    case LAGOON_CONNECTION_DISCONNECTED:
      return "network-offline-symbolic";
    case LAGOON_CONNECTION_CONNECTING:
    case LAGOON_CONNECTION_RECONNECTING:
    default:
      return NULL;
    }
}

/* ---- GtkTreeModel ------------------------------------------------------------------------ */

static GtkTreeModelFlags
lagoon_view_model_get_flags (GtkTreeModel *model)
{
  return 0;
}

static int
lagoon_view_model_get_n_columns (GtkTreeModel *model)
{
  return LAGOON_VIEW_MODEL_N_COLUMNS;
}

static GType
lagoon_view_model_get_column_type (GtkTreeModel *model,
                                   int           column)
{
  switch (column)
    {
    case LAGOON_VIEW_MODEL_COLUMN_BUSY:
      return G_TYPE_BOOLEAN;
    case LAGOON_VIEW_MODEL_COLUMN_PULSE:
      return G_TYPE_UINT;
    case LAGOON_VIEW_MODEL_COLUMN_CLASS_ID:
      return G_TYPE_INT;
    case LAGOON_VIEW_MODEL_COLUMN_SERVER:
      return LAGOON_TYPE_SERVER;
    default:
      return G_TYPE_STRING;
    }
}

static gboolean
lagoon_view_model_get_iter (GtkTreeModel *model,
                            GtkTreeIter  *iter,
                            GtkTreePath  *path)
{
  LagoonViewModel *self = LAGOON_VIEW_MODEL (model);
  int depth = gtk_tree_path_get_depth (path);
  int *indices = gtk_tree_path_get_indices (path);
  LagoonViewNode *node;
  Entry *entry;

  if (depth < 1 || indices[0] < 0 || (guint) indices[0] >= self->entries->len)
    return FALSE;

  entry = g_ptr_array_index (self->entries, indices[0]);
  node = lagoon_view_get_root (entry->view);
  for (int i = 1; i < depth; i++)
    {
      if (indices[i] < 0 ||
          (guint) indices[i] >= (i == 1 ? row_n_children (entry, NULL)
                                        : lagoon_view_node_get_n_children (node)))
        return FALSE;
      node = lagoon_view_node_get_child (node, (guint) indices[i]);
    }

  if (depth == 1)
    make_iter (self, iter, entry, NULL, 0);
  else
    make_iter (self, iter, entry, node, (guint) indices[depth - 1]);
  return TRUE;
}

static GtkTreePath *
lagoon_view_model_get_path (GtkTreeModel *model,
                            GtkTreeIter  *iter)
{
  LagoonViewModel *self = LAGOON_VIEW_MODEL (model);

  g_return_val_if_fail (iter->stamp == self->stamp, NULL);

  return path_for (self, iter->user_data, iter->user_data2);
}

static void
lagoon_view_model_get_value (GtkTreeModel *model,
                             GtkTreeIter  *iter,
                             int           column,
                             GValue       *value)
{
  LagoonViewModel *self = LAGOON_VIEW_MODEL (model);
  Entry *entry = iter->user_data;
  LagoonViewNode *node = iter->user_data2;
  const LagoonRecord *rec = NULL;
  int class_id = -1;
  const char *ref = NULL;

  g_return_if_fail (iter->stamp == self->stamp);

  g_value_init (value, lagoon_view_model_get_column_type (model, column));

  if (node != NULL && lagoon_view_node_get_kind (node) == LAGOON_VIEW_NODE_OBJECT)
    {
      class_id = lagoon_view_node_get_class_id (node);
      ref = lagoon_view_node_get_ref (node);
      rec = lagoon_cache_lookup (lagoon_view_get_cache (entry->view), class_id, ref);
    }

  switch (column)
    {
    case LAGOON_VIEW_MODEL_COLUMN_ICON_NAME:
      if (node == NULL)
        g_value_set_string (value, entry->busy ? NULL : "network-server-symbolic");
      else if (class_id >= 0)
        g_value_set_string (value, class_icon_name (class_id, rec));
      else
        g_value_set_string (value, group_icon_name (lagoon_view_node_get_group_id (node)));
      break;

    case LAGOON_VIEW_MODEL_COLUMN_STATE_ICON_NAME:
      if (node == NULL)
        g_value_set_string (value, server_state_icon (entry));
      else if (class_id == LAGOON_CLASS_VM && rec != NULL)
        {
          const char *icon_name, *text;

          vm_state (rec, &icon_name, &text);
          g_value_set_string (value, icon_name);
        }
      else if (class_id == LAGOON_CLASS_HOST && rec != NULL)
        {
          const char *icon_name, *text;

          host_state (lagoon_view_get_cache (entry->view), rec, &icon_name, &text);
          g_value_set_string (value, icon_name);
        }
      break;

    case LAGOON_VIEW_MODEL_COLUMN_NAME:
      if (node == NULL)
        g_value_take_string (value, server_name (entry));
      else
        g_value_set_string (value, lagoon_view_node_get_label (node));
      break;

    case LAGOON_VIEW_MODEL_COLUMN_DETAIL:
      if (node == NULL)
        g_value_take_string (value, server_detail (entry));
      break;

    case LAGOON_VIEW_MODEL_COLUMN_TOOLTIP:
      if (node == NULL &&
          lagoon_connection_get_state (entry->connection) == LAGOON_CONNECTION_CONNECTED)
        {
          g_autofree char *name = lagoon_server_dup_display_name (entry->server);

          /* Translators: tooltip of a server row; %s is the pool's name */
          g_value_take_string (value, g_strdup_printf (_("Connected to %s"), name));
        }
      else if (node == NULL)
        g_value_take_string (value, server_detail (entry));
      else if (class_id == LAGOON_CLASS_VM && rec != NULL)
        {
          const char *icon_name, *text;

          vm_state (rec, &icon_name, &text);
          g_value_set_string (value, text);
        }
      else if (class_id == LAGOON_CLASS_HOST && rec != NULL)
        {
          const char *icon_name, *text;

          host_state (lagoon_view_get_cache (entry->view), rec, &icon_name, &text);
          g_value_set_string (value, text);
        }
      break;

    case LAGOON_VIEW_MODEL_COLUMN_BUSY:
      g_value_set_boolean (value, node == NULL && entry->busy);
      break;

    case LAGOON_VIEW_MODEL_COLUMN_PULSE:
      g_value_set_uint (value, self->pulse);
      break;

    case LAGOON_VIEW_MODEL_COLUMN_REF:
      g_value_set_string (value, ref);
      break;

    case LAGOON_VIEW_MODEL_COLUMN_CLASS_ID:
      g_value_set_int (value, class_id);
      break;

    case LAGOON_VIEW_MODEL_COLUMN_SERVER:
      g_value_set_object (value, entry->server);
      break;

    case LAGOON_VIEW_MODEL_COLUMN_KEY:
      if (node == NULL)
        g_value_set_string (value, lagoon_server_get_key (entry->server));
      else if (ref != NULL)
        g_value_set_string (value, ref);
      else
        g_value_set_string (value, lagoon_view_node_get_group_id (node));
      break;

    case LAGOON_VIEW_MODEL_COLUMN_MARKUP:
      if (node == NULL)
        {
          g_autofree char *name = server_name (entry);
          g_autofree char *detail = server_detail (entry);

          g_value_take_string (value,
                               g_markup_printf_escaped ("%s  <span size=\"small\" "
                                                        "alpha=\"65%%\">%s</span>",
                                                        name, detail));
        }
      else
        g_value_take_string (value, g_markup_escape_text (lagoon_view_node_get_label (node), -1));
      break;

    default:
      g_warn_if_reached ();
      break;
    }
}

static gboolean
lagoon_view_model_iter_next (GtkTreeModel *model,
                             GtkTreeIter  *iter)
{
  LagoonViewModel *self = LAGOON_VIEW_MODEL (model);
  Entry *entry = iter->user_data;
  LagoonViewNode *node = iter->user_data2;
  LagoonViewNode *parent;
  guint index;

  g_return_val_if_fail (iter->stamp == self->stamp, FALSE);

  if (node == NULL)
    {
      int i = entry_index (self, entry);

      if (i < 0 || (guint) i + 1 >= self->entries->len)
        {
          iter->stamp = 0;
          return FALSE;
        }
      make_iter (self, iter, g_ptr_array_index (self->entries, i + 1), NULL, 0);
      return TRUE;
    }

  parent = lagoon_view_node_get_parent (node);
  index = node_index (node, GPOINTER_TO_UINT (iter->user_data3)) + 1;
  if (parent == NULL ||
      index >= (lagoon_view_node_get_kind (parent) == LAGOON_VIEW_NODE_ROOT
                  ? row_n_children (entry, NULL)
                  : lagoon_view_node_get_n_children (parent)))
    {
      iter->stamp = 0;
      return FALSE;
    }

  make_iter (self, iter, entry, lagoon_view_node_get_child (parent, index), index);
  return TRUE;
}

static gboolean
lagoon_view_model_iter_previous (GtkTreeModel *model,
                                 GtkTreeIter  *iter)
{
  LagoonViewModel *self = LAGOON_VIEW_MODEL (model);
  Entry *entry = iter->user_data;
  LagoonViewNode *node = iter->user_data2;
  guint index;

  g_return_val_if_fail (iter->stamp == self->stamp, FALSE);

  if (node == NULL)
    {
      int i = entry_index (self, entry);

      if (i <= 0)
        {
          iter->stamp = 0;
          return FALSE;
        }
      make_iter (self, iter, g_ptr_array_index (self->entries, i - 1), NULL, 0);
      return TRUE;
    }

  index = node_index (node, GPOINTER_TO_UINT (iter->user_data3));
  if (index == 0)
    {
      iter->stamp = 0;
      return FALSE;
    }

  make_iter (self, iter, entry,
             lagoon_view_node_get_child (lagoon_view_node_get_parent (node), index - 1),
             index - 1);
  return TRUE;
}

static gboolean
lagoon_view_model_iter_nth_child (GtkTreeModel *model,
                                  GtkTreeIter  *iter,
                                  GtkTreeIter  *parent,
                                  int           n)
{
  LagoonViewModel *self = LAGOON_VIEW_MODEL (model);
  LagoonViewNode *node;
  Entry *entry;

  if (n < 0)
    return FALSE;

  if (parent == NULL)
    {
      if ((guint) n >= self->entries->len)
        return FALSE;
      make_iter (self, iter, g_ptr_array_index (self->entries, n), NULL, 0);
      return TRUE;
    }

  g_return_val_if_fail (parent->stamp == self->stamp, FALSE);

  entry = parent->user_data;
  node = parent_node (entry, parent->user_data2);
  if ((guint) n >= row_n_children (entry, parent->user_data2))
    return FALSE;

  make_iter (self, iter, entry, lagoon_view_node_get_child (node, (guint) n), (guint) n);
  return TRUE;
}

static gboolean
lagoon_view_model_iter_children (GtkTreeModel *model,
                                 GtkTreeIter  *iter,
                                 GtkTreeIter  *parent)
{
  return lagoon_view_model_iter_nth_child (model, iter, parent, 0);
}

static int
lagoon_view_model_iter_n_children (GtkTreeModel *model,
                                   GtkTreeIter  *iter)
{
  LagoonViewModel *self = LAGOON_VIEW_MODEL (model);

  if (iter == NULL)
    return (int) self->entries->len;

  g_return_val_if_fail (iter->stamp == self->stamp, 0);

  return (int) row_n_children (iter->user_data, iter->user_data2);
}

static gboolean
lagoon_view_model_iter_has_child (GtkTreeModel *model,
                                  GtkTreeIter  *iter)
{
  return lagoon_view_model_iter_n_children (model, iter) > 0;
}

static gboolean
lagoon_view_model_iter_parent (GtkTreeModel *model,
                               GtkTreeIter  *iter,
                               GtkTreeIter  *child)
{
  LagoonViewModel *self = LAGOON_VIEW_MODEL (model);
  Entry *entry = child->user_data;
  LagoonViewNode *node = child->user_data2;
  LagoonViewNode *parent;

  g_return_val_if_fail (child->stamp == self->stamp, FALSE);

  if (node == NULL)
    return FALSE;

  parent = lagoon_view_node_get_parent (node);
  if (parent == NULL || lagoon_view_node_get_kind (parent) == LAGOON_VIEW_NODE_ROOT)
    make_iter (self, iter, entry, NULL, 0);
  else
    make_iter (self, iter, entry, parent, lagoon_view_node_get_index (parent));
  return TRUE;
}

/* ---- GtkTreeDragSource: VM rows can be dragged (onto a server, to migrate them) -------- */

static gboolean
row_draggable (GtkTreeDragSource *source,
               GtkTreePath       *path)
{
  GtkTreeIter iter;
  int class_id = -1;

  if (!gtk_tree_model_get_iter (GTK_TREE_MODEL (source), &iter, path))
    return FALSE;
  gtk_tree_model_get (GTK_TREE_MODEL (source), &iter,
                      LAGOON_VIEW_MODEL_COLUMN_CLASS_ID, &class_id, -1);
  return class_id == LAGOON_CLASS_VM;
}

static gboolean
drag_data_get (GtkTreeDragSource *source,
               GtkTreePath       *path,
               GtkSelectionData  *data)
{
  /* The window knows what is dragged (the selection); the row is enough to identify it. */
  return gtk_tree_set_row_drag_data (data, GTK_TREE_MODEL (source), path);
}

static gboolean
drag_data_delete (GtkTreeDragSource *source,
                  GtkTreePath       *path)
{
  /* Nothing moves in the model: the server moves the VM and the events move its row. */
  return FALSE;
}

static void
drag_source_iface_init (GtkTreeDragSourceIface *iface)
{
  iface->row_draggable = row_draggable;
  iface->drag_data_get = drag_data_get;
  iface->drag_data_delete = drag_data_delete;
}

static void
tree_model_iface_init (GtkTreeModelIface *iface)
{
  iface->get_flags = lagoon_view_model_get_flags;
  iface->get_n_columns = lagoon_view_model_get_n_columns;
  iface->get_column_type = lagoon_view_model_get_column_type;
  iface->get_iter = lagoon_view_model_get_iter;
  iface->get_path = lagoon_view_model_get_path;
  iface->get_value = lagoon_view_model_get_value;
  iface->iter_next = lagoon_view_model_iter_next;
  iface->iter_previous = lagoon_view_model_iter_previous;
  iface->iter_children = lagoon_view_model_iter_children;
  iface->iter_has_child = lagoon_view_model_iter_has_child;
  iface->iter_n_children = lagoon_view_model_iter_n_children;
  iface->iter_nth_child = lagoon_view_model_iter_nth_child;
  iface->iter_parent = lagoon_view_model_iter_parent;
}

/* ---- public API -------------------------------------------------------------------------- */

LagoonViewModel *
lagoon_view_model_new (GListModel     *servers,
                       LagoonViewKind  kind)
{
  LagoonViewModel *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (servers), NULL);

  self = g_object_new (LAGOON_TYPE_VIEW_MODEL, NULL);
  self->servers = g_object_ref (servers);
  self->kind = kind;

  for (guint i = 0; i < g_list_model_get_n_items (servers); i++)
    {
      g_autoptr(LagoonServer) server = g_list_model_get_item (servers, i);

      g_ptr_array_add (self->entries, entry_new (self, server));
    }
  g_signal_connect_object (servers, "items-changed", G_CALLBACK (on_servers_changed), self, 0);

  return self;
}

LagoonViewKind
lagoon_view_model_get_kind (LagoonViewModel *self)
{
  g_return_val_if_fail (LAGOON_IS_VIEW_MODEL (self), LAGOON_VIEW_INFRASTRUCTURE);
  return self->kind;
}

void
lagoon_view_model_set_filter (LagoonViewModel *self,
                              const char      *filter)
{
  g_return_if_fail (LAGOON_IS_VIEW_MODEL (self));

  if (filter != NULL && filter[0] == '\0')
    filter = NULL;
  if (g_strcmp0 (filter, self->filter) == 0)
    return;

  g_free (self->filter);
  self->filter = g_strdup (filter);
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      lagoon_view_set_filter (entry->view, filter);
    }
}

void
lagoon_view_model_set_show_default_templates (LagoonViewModel *self,
                                              gboolean         show)
{
  g_return_if_fail (LAGOON_IS_VIEW_MODEL (self));

  show = !!show;
  if (self->show_default_templates == show)
    return;

  self->show_default_templates = show;
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      lagoon_view_set_show_default_templates (entry->view, show);
    }
}

static Entry *
find_entry (LagoonViewModel *self,
            LagoonServer    *server)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (entry->server == server)
        return entry;
    }
  return NULL;
}

gboolean
lagoon_view_model_find_server (LagoonViewModel *self,
                               LagoonServer    *server,
                               GtkTreeIter     *iter)
{
  Entry *entry;

  g_return_val_if_fail (LAGOON_IS_VIEW_MODEL (self), FALSE);

  entry = find_entry (self, server);
  if (entry == NULL)
    return FALSE;

  make_iter (self, iter, entry, NULL, 0);
  return TRUE;
}

gboolean
lagoon_view_model_find_ref (LagoonViewModel *self,
                            LagoonServer    *server,
                            const char      *ref,
                            GtkTreeIter     *iter)
{
  g_autofree LagoonViewNode **nodes = NULL;
  Entry *entry;

  g_return_val_if_fail (LAGOON_IS_VIEW_MODEL (self), FALSE);

  entry = find_entry (self, server);
  if (entry == NULL || ref == NULL || entry->hidden)
    return FALSE;

  nodes = lagoon_view_find_nodes (entry->view, ref);
  if (nodes == NULL || nodes[0] == NULL)
    return FALSE;

  make_iter (self, iter, entry, nodes[0], lagoon_view_node_get_index (nodes[0]));
  return TRUE;
}

static LagoonViewNode *
find_group (LagoonViewNode *node,
            const char     *group_id)
{
  guint n = lagoon_view_node_get_n_children (node);

  if (g_strcmp0 (lagoon_view_node_get_group_id (node), group_id) == 0)
    return node;

  for (guint i = 0; i < n; i++)
    {
      LagoonViewNode *child = lagoon_view_node_get_child (node, i);
      LagoonViewNode *found;

      if (lagoon_view_node_get_kind (child) != LAGOON_VIEW_NODE_GROUP &&
          lagoon_view_node_get_n_children (child) == 0)
        continue;
      found = find_group (child, group_id);
      if (found != NULL)
        return found;
    }
  return NULL;
}

gboolean
lagoon_view_model_find_key (LagoonViewModel *self,
                            LagoonServer    *server,
                            const char      *key,
                            GtkTreeIter     *iter)
{
  LagoonViewNode *node;
  Entry *entry;

  g_return_val_if_fail (LAGOON_IS_VIEW_MODEL (self), FALSE);

  entry = find_entry (self, server);
  if (entry == NULL || key == NULL)
    return FALSE;

  if (g_strcmp0 (key, lagoon_server_get_key (server)) == 0)
    {
      make_iter (self, iter, entry, NULL, 0);
      return TRUE;
    }

  if (entry->hidden)
    return FALSE;

  if (g_str_has_prefix (key, "OpaqueRef:"))
    return lagoon_view_model_find_ref (self, server, key, iter);

  node = find_group (lagoon_view_get_root (entry->view), key);
  if (node == NULL || lagoon_view_node_get_kind (node) == LAGOON_VIEW_NODE_ROOT)
    return FALSE;

  make_iter (self, iter, entry, node, lagoon_view_node_get_index (node));
  return TRUE;
}

LagoonView *
lagoon_view_model_get_view (LagoonViewModel *self,
                            LagoonServer    *server)
{
  Entry *entry;

  g_return_val_if_fail (LAGOON_IS_VIEW_MODEL (self), NULL);

  entry = find_entry (self, server);
  return entry != NULL ? entry->view : NULL;
}

/* ---- GObject ----------------------------------------------------------------------------- */

static void
lagoon_view_model_dispose (GObject *object)
{
  LagoonViewModel *self = LAGOON_VIEW_MODEL (object);

  g_clear_handle_id (&self->pulse_id, g_source_remove);
  if (self->entries != NULL)
    g_ptr_array_set_size (self->entries, 0);
  g_clear_object (&self->servers);

  G_OBJECT_CLASS (lagoon_view_model_parent_class)->dispose (object);
}

static void
lagoon_view_model_finalize (GObject *object)
{
  LagoonViewModel *self = LAGOON_VIEW_MODEL (object);

  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_free (self->filter);

  G_OBJECT_CLASS (lagoon_view_model_parent_class)->finalize (object);
}

static void
lagoon_view_model_class_init (LagoonViewModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lagoon_view_model_dispose;
  object_class->finalize = lagoon_view_model_finalize;
}

static void
lagoon_view_model_init (LagoonViewModel *self)
{
  self->entries = g_ptr_array_new_with_free_func (entry_free);
  do
    self->stamp = g_random_int ();
  while (self->stamp == 0);
}
