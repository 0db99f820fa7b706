/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-tab-checks.c: what the Memory and Networking tabs refuse before sending (memory limits
 * out of order, malformed or multicast MAC addresses), and the in-place refresh of their
 * lists (rows kept, updated, added and removed; a kept row stays selected). Needs no display
 * for the checks; the selection case skips without one.
 */
#define G_LOG_DOMAIN "test-tab-checks"

#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "lagoon-memory-page.h"
#include "lagoon-networking-page.h"
#include "lagoon-page-util.h"

#define MIB (G_GINT64_CONSTANT (1024) * 1024)

static void
test_memory_limits (void)
{
  static const struct {
    gint64      smin, smax, dmin, dmax;
    const char *problem;  /* a word the sentence must have, or NULL when valid */
  } cases[] = {
    { 512, 4096, 1024, 2048, NULL },
    { 512, 4096, 4096, 4096, NULL },
    { 512, 512, 512, 512, NULL },
    { 512, 4096, 256, 2048, "below the static minimum" },
    { 512, 4096, 3072, 2048, "above the dynamic maximum" },
    { 512, 4096, 1024, 8192, "above the static maximum" },
    { 0, 4096, 1024, 2048, "more than zero" },
    { 512, 4096, 1024, -1, "more than zero" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *problem = lagoon_memory_page_check_limits (cases[i].smin * MIB,
                                                                  cases[i].smax * MIB,
                                                                  cases[i].dmin * MIB,
                                                                  cases[i].dmax * MIB);

      if (cases[i].problem == NULL)
        g_assert_null (problem);
      else
        {
          g_assert_nonnull (problem);
          g_assert_nonnull (strstr (problem, cases[i].problem));
        }
    }
}

static void
test_mac (void)
{
  static const struct {
    const char *mac;
    gboolean    valid;
  } cases[] = {
    { "0a:1b:2c:3d:4e:5f", TRUE },
    { "0A-1B-2C-3D-4E-5F", TRUE },
    { "fe:ff:ff:ff:ff:ff", TRUE },
    { "01:1b:2c:3d:4e:5f", FALSE },   /* multicast */
    { "00:00:00:00:00:00", FALSE },
    { "0a:1b:2c:3d:4e", FALSE },
    { "0a:1b:2c:3d:4e:5f:60", FALSE },
    { "0a:1b:2c:3d:4e:5g", FALSE },
    { "0a1b2c3d4e5f", FALSE },
    { "0a:1b:2c:3d:4e:5", FALSE },
    { "", FALSE },
    { NULL, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *problem = lagoon_networking_page_check_mac (cases[i].mac);

      if (cases[i].valid)
        g_assert_null (problem);
      else
        g_assert_nonnull (problem);
    }
}

/* Fills @store with @refs (value: "ref-v@version"). */
static void
sync_rows (GtkListStore       *store,
           const char * const *refs,
           int                 version)
{
  LagoonStoreSync *sync = lagoon_store_sync_begin (store);

  for (guint i = 0; refs[i] != NULL; i++)
    {
      g_autofree char *value = g_strdup_printf ("%s-v%d", refs[i], version);
      GtkTreeIter iter;

      lagoon_store_sync_row (sync, refs[i], &iter);
      gtk_list_store_set (store, &iter, 1, value, -1);
    }
  lagoon_store_sync_end (sync);
}

static char *
dump (GtkListStore *store)
{
  GtkTreeModel *model = GTK_TREE_MODEL (store);
  g_autoptr(GString) text = g_string_new (NULL);
  GtkTreeIter iter;

  if (gtk_tree_model_get_iter_first (model, &iter))
    do
      {
        g_autofree char *ref = NULL;
        g_autofree char *value = NULL;

        gtk_tree_model_get (model, &iter, 0, &ref, 1, &value, -1);
        g_string_append_printf (text, "%s=%s ", ref, value);
      }
    while (gtk_tree_model_iter_next (model, &iter));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
test_store_sync (void)
{
  g_autoptr(GtkListStore) store = gtk_list_store_new (2, G_TYPE_STRING, G_TYPE_STRING);
  const char *first[] = { "a", "b", "c", "d", NULL };
  const char *second[] = { "b", "e", "d", NULL };
  const char *none[] = { NULL };
  g_autofree char *one = NULL;
  g_autofree char *two = NULL;
  g_autofree char *three = NULL;
  GtkTreeIter iter;
  GtkTreePath *path;

  sync_rows (store, first, 1);
  one = dump (store);
  g_assert_cmpstr (one, ==, "a=a-v1 b=b-v1 c=c-v1 d=d-v1 ");

  /* The row of "d" is the same row after the refresh (a GtkTreeRowReference follows it). */
  path = gtk_tree_path_new_from_indices (3, -1);
  {
    g_autoptr(GtkTreeRowReference) d_row = gtk_tree_row_reference_new (GTK_TREE_MODEL (store),
                                                                       path);
    g_autoptr(GtkTreePath) d_path = NULL;
    g_autofree char *ref = NULL;

    gtk_tree_path_free (path);
    sync_rows (store, second, 2);
    two = dump (store);
    g_assert_cmpstr (two, ==, "b=b-v2 d=d-v2 e=e-v2 ");
    g_assert_true (gtk_tree_row_reference_valid (d_row));
    d_path = gtk_tree_row_reference_get_path (d_row);
    g_assert_true (gtk_tree_model_get_iter (GTK_TREE_MODEL (store), &iter, d_path));
    gtk_tree_model_get (GTK_TREE_MODEL (store), &iter, 0, &ref, -1);
    g_assert_cmpstr (ref, ==, "d");
  }

  sync_rows (store, none, 3);
  three = dump (store);
  g_assert_cmpstr (three, ==, "");
}

/* A selected row that is kept stays selected through a refresh. */
static void
test_selection_survives (void)
{
  g_autoptr(GtkListStore) store = NULL;
  const char *first[] = { "a", "b", "c", NULL };
  const char *second[] = { "c", "b", "x", NULL };
  GtkTreeView *view;
  GtkWidget *scrolled;
  GtkTreeIter iter;
  g_autofree char *selected = NULL;

  if (!gtk_init_check (NULL, NULL))
    {
      g_test_skip ("no display");
      return;
    }
  store = gtk_list_store_new (2, G_TYPE_STRING, G_TYPE_STRING);
  scrolled = g_object_ref_sink (lagoon_page_tree_new (GTK_TREE_MODEL (store), "Rows", &view));
  lagoon_page_add_name_column (view, "Value", 1);
  sync_rows (store, first, 1);
  g_assert_true (gtk_tree_model_iter_nth_child (GTK_TREE_MODEL (store), &iter, NULL, 1));
  gtk_tree_selection_select_iter (gtk_tree_view_get_selection (view), &iter);
  sync_rows (store, second, 2);
  selected = lagoon_page_dup_selected_ref (view);
  g_assert_cmpstr (selected, ==, "b");
  g_object_unref (scrolled);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lagoon/tabs/memory-limits", test_memory_limits);
  g_test_add_func ("/lagoon/tabs/mac", test_mac);
  g_test_add_func ("/lagoon/tabs/store-sync", test_store_sync);
  g_test_add_func ("/lagoon/tabs/selection-survives", test_selection_survives);

  return g_test_run ();
}
