/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The main window's tree as the cache changes under it: the selected VM stays selected as it
 * moves from host to host and to the pool level (its row is removed and inserted elsewhere),
 * rows the user expanded stay expanded, even through a host that leaves and comes back.
 * The cache is fed directly, as event batches would. Needs an X display (xvfb-run).
 */
#include "config.h"

#include <gtk/gtk.h>

#include "lagoon-application.h"
#include "lagoon-view-model.h"
#include "lagoon-window.h"

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
put_vm (LagoonCache *cache,
        const char  *ref,
        const char  *name,
        const char  *host)
{
  lagoon_cache_begin_batch (cache);
  put (cache, "VM", ref, snap ("name_label", S (name),
                               "power_state", S (host != NULL ? "Running" : "Halted"),
                               "resident_on", S (host != NULL ? host : "OpaqueRef:NULL"),
                               NULL));
  lagoon_cache_end_batch (cache);
}

static void
settle (void)
{
  /* Let the window's idle (re-selection, re-expansion) run. */
  for (int i = 0; i < 50; i++)
    while (g_main_context_iteration (NULL, FALSE))
      ;
}

static GtkWidget *
find_tree (GtkWidget *widget)
{
  if (GTK_IS_TREE_VIEW (widget))
    return widget;
  if (GTK_IS_CONTAINER (widget))
    {
      g_autoptr(GList) children = gtk_container_get_children (GTK_CONTAINER (widget));

      for (GList *l = children; l != NULL; l = l->next)
        {
          GtkWidget *found = find_tree (l->data);

          if (found != NULL)
            return found;
        }
    }
  return NULL;
}

static char *
selected_ref (GtkTreeView *tree,
              char       **parent_ref)
{
  GtkTreeSelection *selection = gtk_tree_view_get_selection (tree);
  GtkTreeModel *model;
  GtkTreeIter iter, parent;
  char *ref = NULL;
  GList *rows = gtk_tree_selection_get_selected_rows (selection, &model);
  gboolean one = rows != NULL && rows->next == NULL &&
                 gtk_tree_model_get_iter (model, &iter, rows->data);

  /* The tree allows several rows; these tests select one. */
  g_list_free_full (rows, (GDestroyNotify) gtk_tree_path_free);
  if (!one)
    return NULL;
  gtk_tree_model_get (model, &iter, LAGOON_VIEW_MODEL_COLUMN_REF, &ref, -1);
  if (parent_ref != NULL && gtk_tree_model_iter_parent (model, &parent, &iter))
    gtk_tree_model_get (model, &parent, LAGOON_VIEW_MODEL_COLUMN_KEY, parent_ref, -1);
  return ref;
}

static gboolean
ref_expanded (GtkTreeView  *tree,
              LagoonServer *server,
              const char   *ref)
{
  LagoonViewModel *model = LAGOON_VIEW_MODEL (gtk_tree_view_get_model (tree));
  g_autoptr(GtkTreePath) path = NULL;
  GtkTreeIter iter;

  if (!lagoon_view_model_find_ref (model, server, ref, &iter))
    return FALSE;
  path = gtk_tree_model_get_path (GTK_TREE_MODEL (model), &iter);
  return gtk_tree_view_row_expanded (tree, path);
}

static void
test_tree_selection_follows (void)
{
  g_autoptr(LagoonApplication) app = NULL;
  g_autoptr(LagoonServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GtkTreePath) path = NULL;
  GtkTreeView *tree;
  LagoonViewModel *model;
  LagoonCache *cache;
  GtkWindow *window;
  GtkTreeIter iter;
  GList *windows;

  app = lagoon_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  windows = gtk_application_get_windows (GTK_APPLICATION (app));
  g_assert_nonnull (windows);
  window = GTK_WINDOW (windows->data);
  settle ();

  /* A server whose cache this test fills (it never connects). */
  server = lagoon_server_new (LAGOON_SERVER_DIRECT, "127.0.0.1:9", &error);
  g_assert_no_error (error);
  g_list_store_append (G_LIST_STORE (lagoon_application_get_servers (app)), server);
  cache = lagoon_connection_get_cache (lagoon_server_get_connection (server));
  lagoon_cache_begin_batch (cache);
  put (cache, "pool", "OpaqueRef:pool", snap ("name_label", S ("pool"),
                                              "master", S ("OpaqueRef:h0"), NULL));
  put (cache, "host", "OpaqueRef:h0", snap ("name_label", S ("alpha"), NULL));
  put (cache, "host", "OpaqueRef:h1", snap ("name_label", S ("beta"), NULL));
  lagoon_cache_end_batch (cache);
  for (int i = 0; i < 20; i++)
    {
      g_autofree char *ref = g_strdup_printf ("OpaqueRef:vm%d", i);
      g_autofree char *name = g_strdup_printf ("vm%02d", i);

      put_vm (cache, ref, name, i % 2 ? "OpaqueRef:h1" : "OpaqueRef:h0");
    }
  settle ();

  tree = GTK_TREE_VIEW (find_tree (GTK_WIDGET (window)));
  g_assert_nonnull (tree);
  model = LAGOON_VIEW_MODEL (gtk_tree_view_get_model (tree));
  g_assert_nonnull (model);

  /* The server and its pool opened by themselves. */
  g_assert_true (ref_expanded (tree, server, "OpaqueRef:pool"));

  /* The user opens beta and selects vm01, which runs there. */
  g_assert_true (lagoon_view_model_find_ref (model, server, "OpaqueRef:h1", &iter));
  path = gtk_tree_model_get_path (GTK_TREE_MODEL (model), &iter);
  gtk_tree_view_expand_row (tree, path, FALSE);
  g_assert_true (lagoon_view_model_find_ref (model, server, "OpaqueRef:vm1", &iter));
  {
    /* As a click does: the cursor there, that row alone selected. */
    g_autoptr(GtkTreePath) vm_path = gtk_tree_model_get_path (GTK_TREE_MODEL (model), &iter);

    gtk_tree_view_set_cursor (tree, vm_path, NULL, FALSE);
  }
  settle ();

  /* vm01 migrates to alpha (collapsed): still selected, alpha opened to show it. */
  put_vm (cache, "OpaqueRef:vm1", "vm01", "OpaqueRef:h0");
  settle ();
  {
    g_autofree char *parent = NULL;
    g_autofree char *ref = selected_ref (tree, &parent);

    g_assert_cmpstr (ref, ==, "OpaqueRef:vm1");
    g_assert_cmpstr (parent, ==, "OpaqueRef:h0");
    g_assert_true (ref_expanded (tree, server, "OpaqueRef:h0"));
  }
  /* beta, which the user opened, stays open. */
  g_assert_true (ref_expanded (tree, server, "OpaqueRef:h1"));

  /* Shut down: it moves to the pool level, still selected. */
  put_vm (cache, "OpaqueRef:vm1", "vm01", NULL);
  settle ();
  {
    g_autofree char *parent = NULL;
    g_autofree char *ref = selected_ref (tree, &parent);

    g_assert_cmpstr (ref, ==, "OpaqueRef:vm1");
    g_assert_cmpstr (parent, ==, "OpaqueRef:pool");
  }

  /* Renamed to sort first: still selected. */
  put_vm (cache, "OpaqueRef:vm1", "aaa-first", NULL);
  settle ();
  {
    g_autofree char *ref = selected_ref (tree, NULL);

    g_assert_cmpstr (ref, ==, "OpaqueRef:vm1");
  }

  /* beta leaves and comes back (a host reinstalled under the same ref): open again. */
  lagoon_cache_begin_batch (cache);
  lagoon_cache_apply (cache, "host", LAGOON_CACHE_OP_DEL, "OpaqueRef:h1", NULL);
  lagoon_cache_end_batch (cache);
  settle ();
  g_assert_false (lagoon_view_model_find_ref (model, server, "OpaqueRef:h1", &iter));
  lagoon_cache_begin_batch (cache);
  put (cache, "host", "OpaqueRef:h1", snap ("name_label", S ("beta"), NULL));
  lagoon_cache_end_batch (cache);
  settle ();
  g_assert_true (ref_expanded (tree, server, "OpaqueRef:h1"));

  /* The VM is destroyed: nothing of it stays selected. */
  lagoon_cache_begin_batch (cache);
  lagoon_cache_apply (cache, "VM", LAGOON_CACHE_OP_DEL, "OpaqueRef:vm1", NULL);
  lagoon_cache_end_batch (cache);
  settle ();
  {
    g_autofree char *ref = selected_ref (tree, NULL);

    g_assert_cmpstr (ref, !=, "OpaqueRef:vm1");
  }

  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  settle ();
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (app)));
}

static void
test_no_display (void)
{
  g_test_skip ("No display: set DISPLAY (the UI tests run under xvfb-run)");
}

int
main (int    argc,
      char **argv)
{
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/lagoon-test-bus", TRUE);

  if (g_getenv ("DISPLAY") == NULL || g_getenv ("DISPLAY")[0] == '\0')
    {
      g_test_init (&argc, &argv, NULL);
      g_test_add_func ("/lagoon/window-tree/selection-follows", test_no_display);
      return g_test_run ();
    }

  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lagoon/window-tree/selection-follows", test_tree_selection_follows);

  return g_test_run ();
}
