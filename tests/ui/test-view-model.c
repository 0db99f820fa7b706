/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The resource tree's GtkTreeModel adapter: a mirror kept only from the model's signals
 * (as GtkTreeView keeps its own) must equal the model after every cache batch, rows that did
 * not change keep their place, and each server's rows read as the view's text.
 * Needs no display: a GtkTreeModel is not a widget. The last case connects to xapi-sim (started
 * as `lagoon --demo` does) to see a disconnected server lose its rows and get them back.
 */
#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "lagoon-demo.h"
#include "lagoon-view-model.h"

/* ---- records ----------------------------------------------------------------------------- */

static GVariant *
snap (const char *first,
      ...)
{
  GVariantBuilder b;
  va_list ap;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  va_start (ap, first);
  for (const char *key = first; key != NULL; key = va_arg (ap, const char *))
    g_variant_builder_add (&b, "{sv}", key, va_arg (ap, GVariant *));
  va_end (ap);
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

#define S(x) g_variant_new_string (x)
#define B(x) g_variant_new_boolean (x)

static void
put (LagoonCache *cache,
     const char  *klass,
     const char  *ref,
     GVariant    *snapshot)
{
  g_assert_true (lagoon_cache_apply (cache, klass, LAGOON_CACHE_OP_MOD, ref, snapshot));
  g_variant_unref (snapshot);
}

static void
del (LagoonCache *cache,
     const char  *klass,
     const char  *ref)
{
  lagoon_cache_apply (cache, klass, LAGOON_CACHE_OP_DEL, ref, NULL);
}

static char *
vm_ref (guint i)
{
  return g_strdup_printf ("OpaqueRef:vm%u", i);
}

static void
put_vm (LagoonCache *cache,
        guint        i,
        const char  *name,
        int          host)
{
  g_autofree char *ref = vm_ref (i);
  g_autofree char *host_ref = host >= 0 ? g_strdup_printf ("OpaqueRef:h%d", host)
                                        : g_strdup ("OpaqueRef:NULL");

  put (cache, "VM", ref, snap ("name_label", S (name),
                               "power_state", S (host >= 0 ? "Running" : "Halted"),
                               "resident_on", S (host_ref), NULL));
}

static void
fill_pool (LagoonCache *cache,
           guint        n_hosts,
           guint        n_vms)
{
  lagoon_cache_begin_batch (cache);
  put (cache, "pool", "OpaqueRef:pool", snap ("name_label", S ("the pool"),
                                              "master", S ("OpaqueRef:h0"), NULL));
  for (guint h = 0; h < n_hosts; h++)
    {
      g_autofree char *ref = g_strdup_printf ("OpaqueRef:h%u", h);
      g_autofree char *name = g_strdup_printf ("host%u", h);

      put (cache, "host", ref, snap ("name_label", S (name), "enabled", B (TRUE), NULL));
    }
  for (guint i = 0; i < n_vms; i++)
    {
      g_autofree char *name = g_strdup_printf ("vm%u", i);

      put_vm (cache, i, name, i % 3 == 0 ? -1 : (int) (i % n_hosts));
    }
  put (cache, "SR", "OpaqueRef:sr", snap ("name_label", S ("shared"), "shared", B (TRUE), NULL));
  lagoon_cache_end_batch (cache);
}

/* ---- a mirror kept from the signals ------------------------------------------------------ */

typedef struct
{
  GtkTreeModel *model;
  GNode        *root;   /* data: g_strdup'ed row name */
  guint         n_inserted;
  guint         n_deleted;
  guint         n_changed;
} Mirror;

static char *
row_name (GtkTreeModel *model,
          GtkTreeIter  *iter)
{
  char *name = NULL;

  gtk_tree_model_get (model, iter, LAGOON_VIEW_MODEL_COLUMN_NAME, &name, -1);
  return name;
}

/* Loads @iter's subtree under @node, as a view does when it expands a row. */
static void
load_children (GtkTreeModel *model,
               GtkTreeIter  *parent,
               GNode        *node)
{
  GtkTreeIter child;

  if (!gtk_tree_model_iter_children (model, &child, parent))
    return;
  do
    {
      GNode *n = g_node_append_data (node, row_name (model, &child));

      load_children (model, &child, n);
    }
  while (gtk_tree_model_iter_next (model, &child));
}

static GNode *
node_at (Mirror      *m,
         GtkTreePath *path,
         gboolean     parent_only)
{
  int depth = gtk_tree_path_get_depth (path);
  int *indices = gtk_tree_path_get_indices (path);
  GNode *node = m->root;

  for (int i = 0; i < depth - (parent_only ? 1 : 0); i++)
    {
      node = g_node_nth_child (node, (guint) indices[i]);
      g_assert_nonnull (node);
    }
  return node;
}

static void
on_inserted (GtkTreeModel *model,
             GtkTreePath  *path,
             GtkTreeIter  *iter,
             Mirror       *m)
{
  GNode *parent = node_at (m, path, TRUE);
  int index = gtk_tree_path_get_indices (path)[gtk_tree_path_get_depth (path) - 1];
  GNode *node;

  g_assert_cmpint (index, <=, (int) g_node_n_children (parent));
  node = g_node_insert_data (parent, index, row_name (model, iter));
  load_children (model, iter, node);
  m->n_inserted++;
}

static gboolean
free_data (GNode   *node,
           gpointer user_data)
{
  g_free (node->data);
  return FALSE;
}

static void
on_deleted (GtkTreeModel *model,
            GtkTreePath  *path,
            Mirror       *m)
{
  GNode *node = node_at (m, path, FALSE);

  g_node_unlink (node);
  g_node_traverse (node, G_IN_ORDER, G_TRAVERSE_ALL, -1, free_data, NULL);
  g_node_destroy (node);
  m->n_deleted++;
}

static void
on_changed (GtkTreeModel *model,
            GtkTreePath  *path,
            GtkTreeIter  *iter,
            Mirror       *m)
{
  GNode *node = node_at (m, path, FALSE);
  g_autoptr(GtkTreePath) back = gtk_tree_model_get_path (model, iter);

  /* The iter and the path agree. */
  g_assert_cmpint (gtk_tree_path_compare (back, path), ==, 0);
  g_free (node->data);
  node->data = row_name (model, iter);
  m->n_changed++;
}

static void
on_child_toggled (GtkTreeModel *model,
                  GtkTreePath  *path,
                  GtkTreeIter  *iter,
                  Mirror       *m)
{
  GNode *node = node_at (m, path, FALSE);

  /* A row that gained children: a view loads them when it expands it. */
  if (gtk_tree_model_iter_has_child (model, iter) && g_node_n_children (node) == 0)
    load_children (model, iter, node);
}

static void
mirror_text (GNode   *node,
             int      depth,
             GString *out)
{
  for (GNode *c = node->children; c != NULL; c = c->next)
    {
      for (int i = 0; i < depth; i++)
        g_string_append (out, "  ");
      g_string_append_printf (out, "%s\n", (char *) c->data);
      mirror_text (c, depth + 1, out);
    }
}

/* The model walked afresh, with a check of get_path/get_iter/iter_parent on every row. */
static void
model_text (GtkTreeModel *model,
            GtkTreeIter  *parent,
            int           depth,
            GString      *out)
{
  GtkTreeIter iter;
  int n = 0;

  if (!gtk_tree_model_iter_children (model, &iter, parent))
    {
      g_assert_cmpint (gtk_tree_model_iter_n_children (model, parent), ==, 0);
      return;
    }
  do
    {
      g_autofree char *name = row_name (model, &iter);
      g_autoptr(GtkTreePath) path = gtk_tree_model_get_path (model, &iter);
      GtkTreeIter again, up;

      g_assert_true (gtk_tree_model_get_iter (model, &again, path));
      g_assert_true (again.user_data2 == iter.user_data2);
      if (parent != NULL)
        {
          g_assert_true (gtk_tree_model_iter_parent (model, &up, &iter));
          g_assert_true (up.user_data2 == parent->user_data2);
        }
      for (int i = 0; i < depth; i++)
        g_string_append (out, "  ");
      g_string_append_printf (out, "%s\n", name);
      model_text (model, &iter, depth + 1, out);
      n++;
    }
  while (gtk_tree_model_iter_next (model, &iter));

  g_assert_cmpint (gtk_tree_model_iter_n_children (model, parent), ==, n);
}

static void
assert_mirror (Mirror *m)
{
  g_autoptr(GString) mirrored = g_string_new (NULL);
  g_autoptr(GString) walked = g_string_new (NULL);

  mirror_text (m->root, 0, mirrored);
  model_text (m->model, NULL, 0, walked);
  if (g_strcmp0 (mirrored->str, walked->str) != 0)
    g_printerr ("--- mirror\n%s--- model\n%s---\n", mirrored->str, walked->str);
  g_assert_cmpstr (mirrored->str, ==, walked->str);
}

static void
mirror_init (Mirror       *m,
             GtkTreeModel *model)
{
  m->model = model;
  m->root = g_node_new (NULL);
  load_children (model, NULL, m->root);
  g_signal_connect (model, "row-inserted", G_CALLBACK (on_inserted), m);
  g_signal_connect (model, "row-deleted", G_CALLBACK (on_deleted), m);
  g_signal_connect (model, "row-changed", G_CALLBACK (on_changed), m);
  g_signal_connect (model, "row-has-child-toggled", G_CALLBACK (on_child_toggled), m);
}

static void
mirror_clear (Mirror *m)
{
  g_signal_handlers_disconnect_by_data (m->model, m);
  g_node_traverse (m->root, G_IN_ORDER, G_TRAVERSE_ALL, -1, free_data, NULL);
  g_node_destroy (m->root);
}

/* The rows under a server, as lagoon_view_to_text writes its view. */
static void
assert_matches_view (LagoonViewModel *model,
                     LagoonServer    *server)
{
  g_autoptr(GString) walked = g_string_new (NULL);
  g_autofree char *expected = lagoon_view_to_text (lagoon_view_model_get_view (model, server));
  GtkTreeIter iter;

  g_assert_true (lagoon_view_model_find_server (model, server, &iter));
  model_text (GTK_TREE_MODEL (model), &iter, 0, walked);
  g_assert_cmpstr (walked->str, ==, expected);
}

/* ---- tests ------------------------------------------------------------------------------- */

static LagoonServer *
new_server (const char *address)
{
  g_autoptr(GError) error = NULL;
  LagoonServer *server = lagoon_server_new (LAGOON_SERVER_DIRECT, address, &error);

  g_assert_no_error (error);
  return server;
}

static LagoonCache *
server_cache (LagoonServer *server)
{
  return lagoon_connection_get_cache (lagoon_server_get_connection (server));
}

static void
test_view_model_updates (void)
{
  g_autoptr(GListStore) servers = g_list_store_new (LAGOON_TYPE_SERVER);
  g_autoptr(LagoonServer) a = new_server ("127.0.0.1:1");
  g_autoptr(LagoonServer) b = new_server ("127.0.0.1:2");
  g_autoptr(LagoonViewModel) model = NULL;
  LagoonCache *cache;
  GRand *rand = g_rand_new_with_seed (7);
  Mirror m = { 0 };
  GtkTreeIter iter;
  guint changed_before;

  g_list_store_append (servers, a);
  model = lagoon_view_model_new (G_LIST_MODEL (servers), LAGOON_VIEW_INFRASTRUCTURE);
  mirror_init (&m, GTK_TREE_MODEL (model));
  g_assert_cmpint (gtk_tree_model_iter_n_children (GTK_TREE_MODEL (model), NULL), ==, 1);

  /* A server appearing, then its pool filling. */
  g_list_store_append (servers, b);
  assert_mirror (&m);
  cache = server_cache (a);
  fill_pool (cache, 4, 60);
  assert_mirror (&m);
  assert_matches_view (model, a);
  fill_pool (server_cache (b), 2, 10);
  assert_mirror (&m);
  assert_matches_view (model, b);

  /* A rename that keeps the order is a row-changed, not a remove and insert. */
  g_assert_true (lagoon_view_model_find_ref (model, a, "OpaqueRef:vm1", &iter));
  changed_before = m.n_changed;
  {
    guint deleted_before = m.n_deleted;

    lagoon_cache_begin_batch (cache);
    put_vm (cache, 1, "vm1", 2);
    put (cache, "VM", "OpaqueRef:vm1", snap ("name_label", S ("vm1"), "power_state",
                                             S ("Running"), "resident_on", S ("OpaqueRef:h1"),
                                             "name_description", S ("changed"), NULL));
    lagoon_cache_end_batch (cache);
    g_assert_cmpuint (m.n_changed, >, changed_before);
    g_assert_cmpuint (m.n_deleted, ==, deleted_before);
  }
  assert_mirror (&m);

  /* Random batches: VMs move between hosts (start, stop, migrate), are renamed, created and
   * destroyed; the mirror follows. */
  for (guint round = 0; round < 200; round++)
    {
      lagoon_cache_begin_batch (cache);
      for (int k = 0; k < 1 + g_rand_int_range (rand, 0, 8); k++)
        {
          guint i = (guint) g_rand_int_range (rand, 0, 80);
          int what = g_rand_int_range (rand, 0, 10);
          g_autofree char *ref = vm_ref (i);
          g_autofree char *name = g_strdup_printf ("%s%u", what < 2 ? "Z-" : "vm", i);

          if (what == 9)
            del (cache, "VM", ref);
          else
            put_vm (cache, i, name, g_rand_int_range (rand, -1, 4));
        }
      if (round % 50 == 25)
        {
          /* A host goes away and comes back. */
          del (cache, "host", "OpaqueRef:h3");
        }
      else if (round % 50 == 30)
        put (cache, "host", "OpaqueRef:h3", snap ("name_label", S ("host3"), NULL));
      lagoon_cache_end_batch (cache);
      assert_mirror (&m);
    }
  assert_matches_view (model, a);
  /* The batches above moved rows around: both kinds of signals were exercised. */
  g_assert_cmpuint (m.n_inserted, >, 100);
  g_assert_cmpuint (m.n_deleted, >, 100);
  g_test_message ("%u rows inserted, %u deleted, %u changed", m.n_inserted, m.n_deleted,
                  m.n_changed);

  /* Filtering prunes and restores rows through the same signals. */
  lagoon_view_model_set_filter (model, "vm1");
  assert_mirror (&m);
  assert_matches_view (model, a);
  lagoon_view_model_set_filter (model, NULL);
  assert_mirror (&m);
  assert_matches_view (model, a);

  /* A server leaving takes its rows with it. */
  g_list_store_remove (servers, 0);
  assert_mirror (&m);
  g_assert_cmpint (gtk_tree_model_iter_n_children (GTK_TREE_MODEL (model), NULL), ==, 1);
  g_assert_false (lagoon_view_model_find_server (model, a, &iter));

  /* The cache emptied (a lost pool cleared): the server row stays, childless. */
  lagoon_cache_clear (server_cache (b));
  assert_mirror (&m);
  g_assert_true (lagoon_view_model_find_server (model, b, &iter));
  g_assert_false (gtk_tree_model_iter_has_child (GTK_TREE_MODEL (model), &iter));

  mirror_clear (&m);
  g_rand_free (rand);
}

static void
count_change (guint *count)
{
  (*count)++;
}

static void
test_view_model_columns (void)
{
  g_autoptr(GListStore) servers = g_list_store_new (LAGOON_TYPE_SERVER);
  g_autoptr(LagoonServer) a = new_server ("127.0.0.1:1");
  g_autoptr(LagoonViewModel) model = NULL;
  g_autoptr(LagoonServer) row_server = NULL;
  g_autofree char *icon = NULL;
  g_autofree char *state_icon = NULL;
  g_autofree char *tooltip = NULL;
  g_autofree char *ref = NULL;
  g_autofree char *markup = NULL;
  int class_id = 0;
  GtkTreeIter iter;

  g_list_store_append (servers, a);
  model = lagoon_view_model_new (G_LIST_MODEL (servers), LAGOON_VIEW_INFRASTRUCTURE);
  fill_pool (server_cache (a), 2, 6);

  g_assert_true (lagoon_view_model_find_ref (model, a, "OpaqueRef:vm1", &iter));
  gtk_tree_model_get (GTK_TREE_MODEL (model), &iter,
                      LAGOON_VIEW_MODEL_COLUMN_ICON_NAME, &icon,
                      LAGOON_VIEW_MODEL_COLUMN_STATE_ICON_NAME, &state_icon,
                      LAGOON_VIEW_MODEL_COLUMN_TOOLTIP, &tooltip,
                      LAGOON_VIEW_MODEL_COLUMN_REF, &ref,
                      LAGOON_VIEW_MODEL_COLUMN_CLASS_ID, &class_id,
                      LAGOON_VIEW_MODEL_COLUMN_SERVER, &row_server, -1);
  g_assert_cmpstr (icon, ==, "computer-symbolic");
  g_assert_cmpstr (state_icon, ==, "media-playback-start-symbolic");
  g_assert_cmpstr (tooltip, ==, "Running");
  g_assert_cmpstr (ref, ==, "OpaqueRef:vm1");
  g_assert_cmpint (class_id, ==, LAGOON_CLASS_VM);
  g_assert_true (row_server == a);

  /* A host whose metrics say it is not live: its row changes and says so. */
  {
    LagoonCache *cache = server_cache (a);
    g_autofree char *host_icon = NULL;
    g_autofree char *host_tip = NULL;
    guint changed = 0;
    gulong id;

    lagoon_cache_begin_batch (cache);
    put (cache, "host_metrics", "OpaqueRef:m0", snap ("live", B (TRUE), NULL));
    put (cache, "host", "OpaqueRef:h0", snap ("name_label", S ("host0"), "enabled", B (TRUE),
                                              "metrics", S ("OpaqueRef:m0"), NULL));
    lagoon_cache_end_batch (cache);
    g_assert_true (lagoon_view_model_find_ref (model, a, "OpaqueRef:h0", &iter));
    gtk_tree_model_get (GTK_TREE_MODEL (model), &iter,
                        LAGOON_VIEW_MODEL_COLUMN_STATE_ICON_NAME, &host_icon, -1);
    g_assert_null (host_icon);

    id = g_signal_connect_swapped (model, "row-changed", G_CALLBACK (count_change), &changed);
    lagoon_cache_begin_batch (cache);
    put (cache, "host_metrics", "OpaqueRef:m0", snap ("live", B (FALSE), NULL));
    lagoon_cache_end_batch (cache);
    g_signal_handler_disconnect (model, id);
    g_assert_cmpuint (changed, >=, 1);
    g_assert_true (lagoon_view_model_find_ref (model, a, "OpaqueRef:h0", &iter));
    gtk_tree_model_get (GTK_TREE_MODEL (model), &iter,
                        LAGOON_VIEW_MODEL_COLUMN_STATE_ICON_NAME, &host_icon,
                        LAGOON_VIEW_MODEL_COLUMN_TOOLTIP, &host_tip, -1);
    g_assert_cmpstr (host_icon, ==, "network-error-symbolic");
    g_assert_cmpstr (host_tip, ==, "Not responding");
  }

  /* The server row: its address and state, markup-escaped. */
  g_assert_true (lagoon_view_model_find_server (model, a, &iter));
  gtk_tree_model_get (GTK_TREE_MODEL (model), &iter,
                      LAGOON_VIEW_MODEL_COLUMN_MARKUP, &markup, -1);
  g_assert_nonnull (strstr (markup, "127.0.0.1:1"));
  g_assert_nonnull (strstr (markup, "Disconnected"));
}


/* ---- against the simulator: a disconnected server shows no rows --------------------------- */

typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
} Wait;

static void
demo_started (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Wait *w = user_data;

  w->result = g_object_ref (result);
  g_main_loop_quit (w->loop);
}

static gboolean
wait_state (LagoonConnection      *connection,
            LagoonConnectionState  state)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (lagoon_connection_get_state (connection) != state &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return lagoon_connection_get_state (connection) == state;
}

static void
test_view_model_disconnected (void)
{
  g_autoptr(LagoonDemo) demo = lagoon_demo_new ();
  g_autoptr(GListStore) servers = g_list_store_new (LAGOON_TYPE_SERVER);
  g_autoptr(LagoonServer) server = NULL;
  g_autoptr(LagoonViewModel) model = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  LagoonConnection *connection;
  Wait w = { loop, NULL };
  Mirror m = { 0 };
  GtkTreeIter iter;

  lagoon_demo_start_async (demo, NULL, demo_started, &w);
  g_main_loop_run (loop);
  if (!lagoon_demo_start_finish (demo, w.result, &error))
    {
      g_clear_object (&w.result);
      if (g_error_matches (error, LAGOON_DEMO_ERROR, LAGOON_DEMO_ERROR_NOT_FOUND))
        {
          g_test_skip ("xapi-sim is not built");
          return;
        }
      g_assert_no_error (error);
    }
  g_clear_object (&w.result);

  server = lagoon_server_new (LAGOON_SERVER_DEMO, lagoon_demo_get_uri (demo), &error);
  g_assert_no_error (error);
  g_list_store_append (servers, server);
  model = lagoon_view_model_new (G_LIST_MODEL (servers), LAGOON_VIEW_INFRASTRUCTURE);
  mirror_init (&m, GTK_TREE_MODEL (model));
  connection = lagoon_server_get_connection (server);

  lagoon_server_connect (server, "xenroot");
  g_assert_true (wait_state (connection, LAGOON_CONNECTION_CONNECTED));
  assert_mirror (&m);
  assert_matches_view (model, server);
  g_assert_true (lagoon_view_model_find_server (model, server, &iter));
  g_assert_true (gtk_tree_model_iter_has_child (GTK_TREE_MODEL (model), &iter));

  /* Disconnected: the rows go (the cache still holds the old pool). */
  lagoon_server_disconnect (server);
  g_assert_true (wait_state (connection, LAGOON_CONNECTION_DISCONNECTED));
  assert_mirror (&m);
  g_assert_true (lagoon_view_model_find_server (model, server, &iter));
  g_assert_false (gtk_tree_model_iter_has_child (GTK_TREE_MODEL (model), &iter));
  g_assert_false (lagoon_view_model_find_ref (model, server, "OpaqueRef:NULL", &iter));

  /* Connected again: the rows come back. */
  lagoon_server_connect (server, NULL);
  g_assert_true (wait_state (connection, LAGOON_CONNECTION_CONNECTED));
  assert_mirror (&m);
  assert_matches_view (model, server);

  /* A wrong password after that: failed, no rows. */
  lagoon_server_disconnect (server);
  lagoon_server_connect (server, "wrong");
  g_assert_true (wait_state (connection, LAGOON_CONNECTION_FAILED));
  assert_mirror (&m);
  g_assert_true (lagoon_view_model_find_server (model, server, &iter));
  g_assert_false (gtk_tree_model_iter_has_child (GTK_TREE_MODEL (model), &iter));

  lagoon_server_disconnect (server);
  mirror_clear (&m);
  lagoon_demo_stop (demo);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lagoon/view-model/updates", test_view_model_updates);
  g_test_add_func ("/lagoon/view-model/columns", test_view_model_columns);
  g_test_add_func ("/lagoon/view-model/disconnected", test_view_model_disconnected);

  return g_test_run ();
}
