/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-ui"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lagoon-application.h"
#include "lagoon-search-page.h"
#include "lagoon-window.h"

/* What the Search tab lists: every object of these kinds in every connected pool. */
typedef enum {
  KIND_VMS,
  KIND_HOSTS,
  KIND_STORAGE,
  KIND_NETWORKS,
  KIND_TEMPLATES,
  KIND_SNAPSHOTS,
  N_KINDS
} Kind;

/* For the filter menu, and for one result's Type column. */
static const char *const kind_titles[N_KINDS] = {
  N_("VMs"), N_("Servers"), N_("Storage"), N_("Networks"), N_("Templates"), N_("Snapshots"),
};
static const char *const kind_names[N_KINDS] = {
  N_("VM"), N_("Server"), N_("Storage"), N_("Network"), N_("Template"), N_("Snapshot"),
};

enum {
  COLUMN_NAME,
  COLUMN_KIND,
  COLUMN_POOL,
  COLUMN_STATE,
  COLUMN_ADDRESS,
  COLUMN_DESCRIPTION,
  COLUMN_SERVER,
  COLUMN_REF,
  N_COLUMNS
};

struct _LagoonSearchPage
{
  GtkBox        parent_instance;

  GtkWidget    *entry;
  GtkWidget    *kind;
  GtkWidget    *view;
  GtkWidget    *count;
  GtkListStore *store;
  guint         refresh_id;
};

static void lagoon_search_page_tab_init (LagoonTabInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LagoonSearchPage, lagoon_search_page, GTK_TYPE_BOX,
                               G_IMPLEMENT_INTERFACE (LAGOON_TYPE_TAB, lagoon_search_page_tab_init))

static gboolean
matches (const char *needle,
         const char *text)
{
  g_autofree char *folded = NULL;

  if (needle[0] == '\0')
    return TRUE;
  if (text == NULL)
    return FALSE;
  folded = g_utf8_casefold (text, -1);
  return strstr (folded, needle) != NULL;
}

/* The kind of @rec, or N_KINDS when the Search tab does not list it. */
static Kind
kind_of (const LagoonRecord *rec)
{
  switch (lagoon_record_get_class_id (rec))
    {
    case LAGOON_CLASS_VM:
      if (lagoon_record_get_bool (rec, LAGOON_VM_IS_CONTROL_DOMAIN))
        return N_KINDS;
      if (lagoon_record_get_bool (rec, LAGOON_VM_IS_A_SNAPSHOT))
        return KIND_SNAPSHOTS;
      if (lagoon_record_get_bool (rec, LAGOON_VM_IS_A_TEMPLATE))
        return KIND_TEMPLATES;
      return KIND_VMS;
    case LAGOON_CLASS_HOST:
      return KIND_HOSTS;
    case LAGOON_CLASS_SR:
      return KIND_STORAGE;
    case LAGOON_CLASS_NETWORK:
      return KIND_NETWORKS;
    default:
      return N_KINDS;
    }
}

/* A short state and an address for the row. */
static void
describe (LagoonCache        *cache,
          const LagoonRecord *rec,
          char              **state,
          char              **address)
{
  switch (lagoon_record_get_class_id (rec))
    {
    case LAGOON_CLASS_VM:
      {
        const LagoonRecord *metrics =
          lagoon_cache_lookup (cache, LAGOON_CLASS_VM_GUEST_METRICS,
                               lagoon_record_get_ref (rec, LAGOON_VM_GUEST_METRICS));
        const char *ip = metrics != NULL
          ? lagoon_record_map_lookup (metrics, LAGOON_VM_GUEST_METRICS_NETWORKS, "0/ip") : NULL;
        const LagoonRecord *host = lagoon_cache_lookup (cache, LAGOON_CLASS_HOST,
                                                        lagoon_record_get_ref (rec,
                                                                               LAGOON_VM_RESIDENT_ON));
        const char *power = lagoon_record_get_enum_string (rec, LAGOON_VM_POWER_STATE);

        if (host != NULL)
          /* Translators: a VM's state in the Search tab: power state, then its server */
          *state = g_strdup_printf (_("%s on %s"), power, lagoon_record_get_name (host));
        else
          *state = g_strdup (power != NULL ? power : "");
        *address = g_strdup (ip != NULL ? ip : "");
        break;
      }
    case LAGOON_CLASS_HOST:
      *state = g_strdup (lagoon_record_get_bool (rec, LAGOON_HOST_ENABLED)
                         ? _("Enabled") : _("Maintenance mode"));
      *address = g_strdup (lagoon_record_get_string (rec, LAGOON_HOST_ADDRESS));
      break;
    case LAGOON_CLASS_SR:
      {
        g_autofree char *used = g_format_size (lagoon_record_get_int (rec,
                                                                      LAGOON_SR_PHYSICAL_UTILISATION));
        g_autofree char *size = g_format_size (lagoon_record_get_int (rec, LAGOON_SR_PHYSICAL_SIZE));

        /* Translators: storage usage in the Search tab: used of size */
        *state = g_strdup_printf (_("%s of %s used"), used, size);
        *address = g_strdup (lagoon_record_get_string (rec, LAGOON_SR_TYPE));
        break;
      }
    case LAGOON_CLASS_NETWORK:
      *state = g_strdup (lagoon_record_get_string (rec, LAGOON_NETWORK_BRIDGE));
      *address = g_strdup ("");
      break;
    default:
      *state = g_strdup ("");
      *address = g_strdup ("");
    }
}

/* Whether two result lists hold the same rows (as sets: the view sorts them). */
static gboolean
same_rows (GtkTreeModel *a,
           GtkTreeModel *b)
{
  g_autoptr(GHashTable) rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GtkTreeIter iter;
  gboolean valid;
  guint n = 0;

  for (valid = gtk_tree_model_get_iter_first (a, &iter); valid;
       valid = gtk_tree_model_iter_next (a, &iter))
    {
      g_autofree char *name = NULL, *state = NULL, *address = NULL, *description = NULL;
      g_autofree char *ref = NULL;

      gtk_tree_model_get (a, &iter, COLUMN_NAME, &name, COLUMN_STATE, &state,
                          COLUMN_ADDRESS, &address, COLUMN_DESCRIPTION, &description,
                          COLUMN_REF, &ref, -1);
      g_hash_table_add (rows, g_strjoin ("\x1f", ref, name, state, address, description, NULL));
    }
  for (valid = gtk_tree_model_get_iter_first (b, &iter); valid;
       valid = gtk_tree_model_iter_next (b, &iter), n++)
    {
      g_autofree char *name = NULL, *state = NULL, *address = NULL, *description = NULL;
      g_autofree char *ref = NULL;
      g_autofree char *key = NULL;

      gtk_tree_model_get (b, &iter, COLUMN_NAME, &name, COLUMN_STATE, &state,
                          COLUMN_ADDRESS, &address, COLUMN_DESCRIPTION, &description,
                          COLUMN_REF, &ref, -1);
      key = g_strjoin ("\x1f", ref, name, state, address, description, NULL);
      if (!g_hash_table_contains (rows, key))
        return FALSE;
    }
  return n == g_hash_table_size (rows);
}

static void
refresh (LagoonSearchPage *self)
{
  GApplication *application = g_application_get_default ();
  GListModel *servers;
  g_autofree char *needle = g_utf8_casefold (gtk_entry_get_text (GTK_ENTRY (self->entry)), -1);
  int wanted = gtk_combo_box_get_active (GTK_COMBO_BOX (self->kind));
  static const LagoonClassId classes[] = {
    LAGOON_CLASS_VM, LAGOON_CLASS_HOST, LAGOON_CLASS_SR, LAGOON_CLASS_NETWORK,
  };
  guint n = 0;
  g_autofree char *count = NULL;

  g_autoptr(GtkListStore) fresh = NULL;

  g_strstrip (needle);
  if (!LAGOON_IS_APPLICATION (application))
    return;
  /* Built aside, and swapped in only when it differs: a batch that changes nothing listed
   * keeps the rows (and their selection) as they are. */
  fresh = gtk_list_store_new (N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                              G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                              LAGOON_TYPE_SERVER, G_TYPE_STRING);

  servers = lagoon_application_get_servers (LAGOON_APPLICATION (application));
  for (guint s = 0; s < g_list_model_get_n_items (servers); s++)
    {
      g_autoptr(LagoonServer) server = g_list_model_get_item (servers, s);
      LagoonConnection *connection = lagoon_server_get_connection (server);
      LagoonCache *cache = lagoon_connection_get_cache (connection);
      g_autofree char *pool_name = lagoon_server_dup_display_name (server);

      if (lagoon_connection_get_state (connection) != LAGOON_CONNECTION_CONNECTED)
        continue;
      for (guint c = 0; c < G_N_ELEMENTS (classes); c++)
        {
          g_autoptr(GPtrArray) records = lagoon_cache_list (cache, classes[c]);

          for (guint i = 0; i < records->len; i++)
            {
              const LagoonRecord *rec = g_ptr_array_index (records, i);
              Kind kind = kind_of (rec);
              g_autofree char *state = NULL;
              g_autofree char *address = NULL;
              const char *description;

              /* The first choice is "Everything". */
              if (kind == N_KINDS || (wanted > 0 && (int) kind != wanted - 1))
                continue;
              describe (cache, rec, &state, &address);
              description = lagoon_record_get_string (rec, c == 0 ? LAGOON_VM_NAME_DESCRIPTION
                                                            : c == 1 ? LAGOON_HOST_NAME_DESCRIPTION
                                                            : c == 2 ? LAGOON_SR_NAME_DESCRIPTION
                                                            : LAGOON_NETWORK_NAME_DESCRIPTION);
              if (!matches (needle, lagoon_record_get_name (rec)) &&
                  !matches (needle, description) && !matches (needle, address) &&
                  !matches (needle, lagoon_record_get_uuid (rec)))
                continue;
              gtk_list_store_insert_with_values (fresh, NULL, -1,
                                                 COLUMN_NAME, lagoon_record_get_name (rec),
                                                 COLUMN_KIND, _(kind_names[kind]),
                                                 COLUMN_POOL, pool_name,
                                                 COLUMN_STATE, state,
                                                 COLUMN_ADDRESS, address,
                                                 COLUMN_DESCRIPTION, description,
                                                 COLUMN_SERVER, server,
                                                 COLUMN_REF, lagoon_record_get_opaque_ref (rec),
                                                 -1);
              n++;
            }
        }
    }
  if (!same_rows (GTK_TREE_MODEL (self->store), GTK_TREE_MODEL (fresh)))
    {
      GtkTreeIter iter;
      gboolean valid;

      gtk_list_store_clear (self->store);
      for (valid = gtk_tree_model_get_iter_first (GTK_TREE_MODEL (fresh), &iter); valid;
           valid = gtk_tree_model_iter_next (GTK_TREE_MODEL (fresh), &iter))
        {
          GValue values[N_COLUMNS] = { G_VALUE_INIT };
          int columns[N_COLUMNS];

          for (int c = 0; c < N_COLUMNS; c++)
            {
              columns[c] = c;
              gtk_tree_model_get_value (GTK_TREE_MODEL (fresh), &iter, c, &values[c]);
            }
          gtk_list_store_insert_with_valuesv (self->store, NULL, -1, columns, values, N_COLUMNS);
          for (int c = 0; c < N_COLUMNS; c++)
            g_value_unset (&values[c]);
        }
    }
  /* Translators: how many objects the Search tab found */
  count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u result", "%u results", n), n);
  gtk_label_set_text (GTK_LABEL (self->count), count);
}

static gboolean
refresh_idle (gpointer data)
{
  LagoonSearchPage *self = data;

  self->refresh_id = 0;
  refresh (self);
  return G_SOURCE_REMOVE;
}

static void
queue_refresh (LagoonSearchPage *self)
{
  if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add (250, refresh_idle, self);
}

static void
on_query_changed (GtkWidget        *widget,
                  LagoonSearchPage *self)
{
  queue_refresh (self);
}

static void
on_row_activated (GtkTreeView       *view,
                  GtkTreePath       *path,
                  GtkTreeViewColumn *column,
                  LagoonSearchPage  *self)
{
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
  g_autoptr(LagoonServer) server = NULL;
  g_autofree char *ref = NULL;
  GtkTreeIter iter;

  if (!gtk_tree_model_get_iter (GTK_TREE_MODEL (self->store), &iter, path))
    return;
  gtk_tree_model_get (GTK_TREE_MODEL (self->store), &iter, COLUMN_SERVER, &server,
                      COLUMN_REF, &ref, -1);
  if (LAGOON_IS_WINDOW (toplevel) && server != NULL && ref != NULL)
    lagoon_window_select_object (LAGOON_WINDOW (toplevel), server, ref);
}

static gboolean
lagoon_search_page_handles (LagoonTab *tab,
                            int        class_id)
{
  return class_id == LAGOON_CLASS_POOL;
}

static void
lagoon_search_page_set_object (LagoonTab    *tab,
                               LagoonServer *server,
                               int           class_id,
                               const char   *ref)
{
  LagoonSearchPage *self = LAGOON_SEARCH_PAGE (tab);

  if (server != NULL)
    queue_refresh (self);
  else
    gtk_list_store_clear (self->store);
}

static void
lagoon_search_page_batch (LagoonTab        *tab,
                          LagoonCache      *cache,
                          LagoonCacheBatch *batch)
{
  LagoonSearchPage *self = LAGOON_SEARCH_PAGE (tab);

  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    queue_refresh (self);
}

static void
lagoon_search_page_tab_init (LagoonTabInterface *iface)
{
  iface->handles = lagoon_search_page_handles;
  iface->set_object = lagoon_search_page_set_object;
  iface->batch = lagoon_search_page_batch;
}

GtkWidget *
lagoon_search_page_new (void)
{
  return g_object_new (LAGOON_TYPE_SEARCH_PAGE, NULL);
}

static void
lagoon_search_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (lagoon_search_page_parent_class)->map (widget);
  refresh (LAGOON_SEARCH_PAGE (widget));
}

static void
lagoon_search_page_dispose (GObject *object)
{
  LagoonSearchPage *self = LAGOON_SEARCH_PAGE (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (lagoon_search_page_parent_class)->dispose (object);
}

static void
lagoon_search_page_class_init (LagoonSearchPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = lagoon_search_page_dispose;
  GTK_WIDGET_CLASS (klass)->map = lagoon_search_page_map;
}

static void
add_column (LagoonSearchPage *self,
            const char       *title,
            int               column,
            gboolean          expand)
{
  GtkCellRenderer *renderer = gtk_cell_renderer_text_new ();
  GtkTreeViewColumn *col = gtk_tree_view_column_new_with_attributes (title, renderer,
                                                                     "text", column, NULL);

  gtk_tree_view_column_set_sort_column_id (col, column);
  gtk_tree_view_column_set_resizable (col, TRUE);
  if (expand)
    {
      g_object_set (renderer, "ellipsize", PANGO_ELLIPSIZE_END, NULL);
      gtk_tree_view_column_set_expand (col, TRUE);
    }
  gtk_tree_view_append_column (GTK_TREE_VIEW (self->view), col);
}

static void
lagoon_search_page_init (LagoonSearchPage *self)
{
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *scrolled = gtk_scrolled_window_new (NULL, NULL);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 6);
  gtk_container_set_border_width (GTK_CONTAINER (self), 12);

  self->entry = gtk_search_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (self->entry), _("Search every connected pool"));
  atk_object_set_name (gtk_widget_get_accessible (self->entry), _("Search every pool"));
  gtk_widget_set_hexpand (self->entry, TRUE);
  self->kind = gtk_combo_box_text_new ();
  gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (self->kind), _("Everything"));
  for (guint i = 0; i < N_KINDS; i++)
    gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (self->kind), _(kind_titles[i]));
  gtk_combo_box_set_active (GTK_COMBO_BOX (self->kind), 1);
  atk_object_set_name (gtk_widget_get_accessible (self->kind), _("Kind of object"));
  self->count = gtk_label_new (NULL);
  gtk_style_context_add_class (gtk_widget_get_style_context (self->count), "dim-label");
  gtk_container_add (GTK_CONTAINER (bar), self->entry);
  gtk_container_add (GTK_CONTAINER (bar), self->kind);
  gtk_container_add (GTK_CONTAINER (bar), self->count);
  gtk_container_add (GTK_CONTAINER (self), bar);

  self->store = gtk_list_store_new (N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                    G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                    LAGOON_TYPE_SERVER, G_TYPE_STRING);
  gtk_tree_sortable_set_sort_column_id (GTK_TREE_SORTABLE (self->store), COLUMN_NAME,
                                        GTK_SORT_ASCENDING);
  self->view = gtk_tree_view_new_with_model (GTK_TREE_MODEL (self->store));
  atk_object_set_name (gtk_widget_get_accessible (self->view), _("Search results"));
  gtk_tree_view_set_search_column (GTK_TREE_VIEW (self->view), COLUMN_NAME);
  add_column (self, _("Name"), COLUMN_NAME, TRUE);
  add_column (self, _("Type"), COLUMN_KIND, FALSE);
  add_column (self, _("Pool"), COLUMN_POOL, FALSE);
  add_column (self, _("State"), COLUMN_STATE, FALSE);
  add_column (self, _("Address"), COLUMN_ADDRESS, FALSE);
  add_column (self, _("Description"), COLUMN_DESCRIPTION, TRUE);
  gtk_widget_set_tooltip_text (self->view, _("Double-click a result (or press Enter) to select "
                                             "it in the tree"));
  gtk_container_add (GTK_CONTAINER (scrolled), self->view);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_scrolled_window_set_shadow_type (GTK_SCROLLED_WINDOW (scrolled), GTK_SHADOW_IN);
  gtk_container_add (GTK_CONTAINER (self), scrolled);

  g_signal_connect (self->entry, "search-changed", G_CALLBACK (on_query_changed), self);
  g_signal_connect (self->kind, "changed", G_CALLBACK (on_query_changed), self);
  g_signal_connect (self->view, "row-activated", G_CALLBACK (on_row_activated), self);
  gtk_widget_show_all (GTK_WIDGET (self));
}
