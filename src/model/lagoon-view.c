/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-view"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lagoon-view.h"

struct _LagoonViewNode
{
  LagoonViewNode     *parent;
  GPtrArray          *children; /* LagoonViewNode*, owned; NULL when none */
  LagoonViewNodeKind  kind;
  int                 class_id; /* object nodes; -1 otherwise */
  char               *key;      /* ref (objects) or group id; unique among siblings */
  char               *label;
  char               *collate;  /* natural, case-insensitive sort key */
  guint               rank;     /* primary sort order among siblings */
};

struct _LagoonView
{
  GObject         parent_instance;

  LagoonCache    *cache;
  LagoonViewKind  kind;
  char           *filter;      /* casefolded, NULL when empty */
  char           *filter_text; /* as given */
  gboolean        show_default_templates;

  LagoonViewNode *root;
  GHashTable     *by_ref; /* ref -> GPtrArray of LagoonViewNode* (not owned) */
  GHashTable     *skip;   /* during a scoped update: refs already reported */
  gulong          batch_handler;
};

G_DEFINE_TYPE (LagoonView, lagoon_view, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CACHE,
  PROP_KIND,
  PROP_FILTER,
  PROP_SHOW_DEFAULT_TEMPLATES,
  N_PROPS
};

enum {
  NODE_INSERTED,
  NODE_REMOVED,
  NODE_CHANGED,
  N_SIGNALS
};

static const char *const kind_names[] = { "infrastructure", "objects", "tags", "folders", "vapps" };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Object ranks, in XenCenter's type order (Objects view group order). */
typedef enum {
  RANK_POOL,
  RANK_HOST,
  RANK_VM,
  RANK_SNAPSHOT,
  RANK_CUSTOM_TEMPLATE,
  RANK_DEFAULT_TEMPLATE,
  RANK_REMOTE_SR,
  RANK_LOCAL_SR,
  RANK_NETWORK,
  RANK_VAPP,
  N_RANKS,
  RANK_HIDDEN = N_RANKS,
} ObjRank;

/* ---- nodes ---------------------------------------------------------------------------- */

static LagoonViewNode *
node_new (LagoonViewNodeKind kind,
          int                class_id,
          const char        *key,
          const char        *label,
          guint              rank)
{
  LagoonViewNode *node = g_new0 (LagoonViewNode, 1);
  g_autofree char *folded = g_utf8_casefold (label != NULL ? label : "", -1);

  node->kind = kind;
  node->class_id = class_id;
  node->key = g_strdup (key);
  node->label = g_strdup (label != NULL ? label : "");
  node->collate = g_utf8_collate_key_for_filename (folded, -1);
  node->rank = rank;
  return node;
}

static void
node_free (LagoonViewNode *node)
{
  if (node->children != NULL)
    {
      for (guint i = 0; i < node->children->len; i++)
        if (g_ptr_array_index (node->children, i) != NULL) /* adopted by merge () */
          node_free (g_ptr_array_index (node->children, i));
      g_ptr_array_unref (node->children);
    }
  g_free (node->key);
  g_free (node->label);
  g_free (node->collate);
  g_free (node);
}

static void
node_append (LagoonViewNode *parent,
             LagoonViewNode *child)
{
  if (parent->children == NULL)
    parent->children = g_ptr_array_new ();
  child->parent = parent;
  g_ptr_array_add (parent->children, child);
}

static LagoonViewNode *
node_take (LagoonViewNode *parent,
           guint           index)
{
  LagoonViewNode *child = g_ptr_array_steal_index (parent->children, index);

  child->parent = NULL;
  return child;
}

static void
node_insert (LagoonViewNode *parent,
             guint           index,
             LagoonViewNode *child)
{
  if (parent->children == NULL)
    parent->children = g_ptr_array_new ();
  child->parent = parent;
  g_ptr_array_insert (parent->children, index, child);
}

static int
node_compare (gconstpointer a,
              gconstpointer b)
{
  const LagoonViewNode *na = *(LagoonViewNode **) a;
  const LagoonViewNode *nb = *(LagoonViewNode **) b;
  int r;

  if (na->rank != nb->rank)
    return na->rank < nb->rank ? -1 : 1;
  r = strcmp (na->collate, nb->collate);
  if (r != 0)
    return r;
  r = strcmp (na->label, nb->label);
  if (r != 0)
    return r;
  return strcmp (na->key, nb->key);
}

static void
node_sort (LagoonViewNode *node)
{
  if (node->children == NULL)
    return;
  g_ptr_array_sort (node->children, node_compare);
  for (guint i = 0; i < node->children->len; i++)
    node_sort (g_ptr_array_index (node->children, i));
}

/* ---- classification ------------------------------------------------------------------- */

static int
other_config_field (LagoonClassId id)
{
  switch (id)
    {
    case LAGOON_CLASS_POOL: return LAGOON_POOL_OTHER_CONFIG;
    case LAGOON_CLASS_HOST: return LAGOON_HOST_OTHER_CONFIG;
    case LAGOON_CLASS_VM: return LAGOON_VM_OTHER_CONFIG;
    case LAGOON_CLASS_SR: return LAGOON_SR_OTHER_CONFIG;
    case LAGOON_CLASS_NETWORK: return LAGOON_NETWORK_OTHER_CONFIG;
    default: return -1;
    }
}

static int
tags_field (LagoonClassId id)
{
  switch (id)
    {
    case LAGOON_CLASS_POOL: return LAGOON_POOL_TAGS;
    case LAGOON_CLASS_HOST: return LAGOON_HOST_TAGS;
    case LAGOON_CLASS_VM: return LAGOON_VM_TAGS;
    case LAGOON_CLASS_SR: return LAGOON_SR_TAGS;
    case LAGOON_CLASS_NETWORK: return LAGOON_NETWORK_TAGS;
    default: return -1;
    }
}

static const char *
other_config (const LagoonRecord *rec,
              const char         *key)
{
  int f = other_config_field (lagoon_record_get_class_id (rec));

  return f >= 0 ? lagoon_record_map_lookup (rec, f, key) : NULL;
}

static gboolean
is_true (const char *value)
{
  return value != NULL && g_ascii_strcasecmp (value, "true") == 0;
}

/* Objects XenCenter never shows. */
static gboolean
hidden_by_config (const LagoonRecord *rec)
{
  return other_config (rec, "xensource_internal") != NULL ||
         is_true (other_config (rec, "HideFromXenCenter"));
}

static gboolean
is_default_template (const LagoonRecord *vm)
{
  return lagoon_record_get_bool (vm, LAGOON_VM_IS_DEFAULT_TEMPLATE) ||
         is_true (other_config (vm, "default_template"));
}

static ObjRank
classify (LagoonView         *self,
          const LagoonRecord *rec)
{
  switch (lagoon_record_get_class_id (rec))
    {
    case LAGOON_CLASS_POOL:
      return RANK_POOL;
    case LAGOON_CLASS_HOST:
      return hidden_by_config (rec) ? RANK_HIDDEN : RANK_HOST;
    case LAGOON_CLASS_VM:
      if (lagoon_record_get_bool (rec, LAGOON_VM_IS_CONTROL_DOMAIN) || hidden_by_config (rec))
        return RANK_HIDDEN;
      if (lagoon_record_get_bool (rec, LAGOON_VM_IS_A_SNAPSHOT))
        return RANK_SNAPSHOT;
      if (lagoon_record_get_bool (rec, LAGOON_VM_IS_A_TEMPLATE))
        {
          if (!is_default_template (rec))
            return RANK_CUSTOM_TEMPLATE;
          return self->show_default_templates ? RANK_DEFAULT_TEMPLATE : RANK_HIDDEN;
        }
      return RANK_VM;
    case LAGOON_CLASS_SR:
      if (hidden_by_config (rec) || lagoon_record_get_bool (rec, LAGOON_SR_IS_TOOLS_SR) ||
          is_true (other_config (rec, "xenserver_tools_sr")))
        return RANK_HIDDEN;
      return lagoon_record_get_bool (rec, LAGOON_SR_SHARED) ? RANK_REMOTE_SR : RANK_LOCAL_SR;
    case LAGOON_CLASS_NETWORK:
      if (hidden_by_config (rec) ||
          is_true (other_config (rec, "is_host_internal_management_network")) ||
          is_true (other_config (rec, "is_guest_installer_network")))
        return RANK_HIDDEN;
      return RANK_NETWORK;
    case LAGOON_CLASS_VM_APPLIANCE:
      return RANK_VAPP;
    default:
      return RANK_HIDDEN;
    }
}

static const LagoonClassId shown_classes[] = {
  LAGOON_CLASS_POOL, LAGOON_CLASS_HOST, LAGOON_CLASS_VM, LAGOON_CLASS_SR,
  LAGOON_CLASS_NETWORK, LAGOON_CLASS_VM_APPLIANCE,
};

static const LagoonRecord *
the_pool (LagoonCache *cache)
{
  LagoonCacheIter iter;
  const LagoonRecord *pool = NULL, *rec;

  /* One pool per connection; should there be more, take the smallest ref for stability. */
  lagoon_cache_iter_init (&iter, cache, LAGOON_CLASS_POOL);
  while (lagoon_cache_iter_next (&iter, &rec))
    if (pool == NULL || strcmp (lagoon_record_get_opaque_ref (rec),
                                lagoon_record_get_opaque_ref (pool)) < 0)
      pool = rec;
  return pool;
}

static const char *
object_label (LagoonView         *self,
              const LagoonRecord *rec)
{
  const char *name = lagoon_record_get_name (rec);

  /* A pool without a name goes by its coordinator's name (XenCenter's Helpers.GetName). */
  if (*name == '\0' && lagoon_record_get_class_id (rec) == LAGOON_CLASS_POOL)
    {
      const LagoonRecord *master =
        lagoon_cache_lookup (self->cache, LAGOON_CLASS_HOST,
                             lagoon_record_get_ref (rec, LAGOON_POOL_MASTER));
      if (master != NULL)
        return lagoon_record_get_name (master);
    }
  return name;
}

static LagoonViewNode *
object_node (LagoonView         *self,
             const LagoonRecord *rec,
             guint               rank)
{
  return node_new (LAGOON_VIEW_NODE_OBJECT, lagoon_record_get_class_id (rec),
                   lagoon_record_get_opaque_ref (rec), object_label (self, rec), rank);
}

static gboolean
host_is_live (LagoonCache  *cache,
              const char   *host_ref)
{
  const LagoonRecord *host = lagoon_cache_lookup (cache, LAGOON_CLASS_HOST, host_ref);
  const LagoonRecord *metrics;

  if (host == NULL)
    return FALSE;
  metrics = lagoon_cache_lookup (cache, LAGOON_CLASS_HOST_METRICS,
                                 lagoon_record_get_ref (host, LAGOON_HOST_METRICS));
  return metrics != NULL && lagoon_record_get_bool (metrics, LAGOON_HOST_METRICS_LIVE);
}

/* An SR's home: its host, when it is not shared and has exactly one PBD. */
static const char *
sr_home (LagoonCache        *cache,
         const LagoonRecord *sr)
{
  const LagoonRecord *const *pbds;
  guint n;

  if (lagoon_record_get_bool (sr, LAGOON_SR_SHARED))
    return NULL;
  pbds = lagoon_cache_get_referrers (cache, LAGOON_CLASS_PBD, LAGOON_PBD_SR,
                                     lagoon_record_get_opaque_ref (sr), &n);
  if (n != 1)
    return NULL;
  return lagoon_record_get_ref (pbds[0], LAGOON_PBD_HOST);
}

static int
compare_userdevice (gconstpointer a,
                    gconstpointer b)
{
  const LagoonRecord *va = *(const LagoonRecord **) a;
  const LagoonRecord *vb = *(const LagoonRecord **) b;
  const char *ua = lagoon_record_get_string (va, LAGOON_VBD_USERDEVICE);
  const char *ub = lagoon_record_get_string (vb, LAGOON_VBD_USERDEVICE);
  gint64 na = g_ascii_strtoll (ua, NULL, 10), nb = g_ascii_strtoll (ub, NULL, 10);

  if (na != nb)
    return na < nb ? -1 : 1;
  return strcmp (lagoon_record_get_opaque_ref (va), lagoon_record_get_opaque_ref (vb));
}

/* The host of the first non-shared SR holding one of the VM's disks (by device order). */
static const char *
vm_storage_host (LagoonCache        *cache,
                 const LagoonRecord *vm)
{
  const LagoonRecord *const *vbds;
  const LagoonRecord *sorted[16];
  g_autofree const LagoonRecord **many = NULL;
  const LagoonRecord **list = sorted;
  guint n;

  vbds = lagoon_cache_get_referrers (cache, LAGOON_CLASS_VBD, LAGOON_VBD_VM,
                                     lagoon_record_get_opaque_ref (vm), &n);
  if (n == 0)
    return NULL;
  if (n > G_N_ELEMENTS (sorted))
    list = many = g_new (const LagoonRecord *, n);
  memcpy (list, vbds, n * sizeof (*list));
  qsort (list, n, sizeof (*list), compare_userdevice);

  for (guint i = 0; i < n; i++)
    {
      const char *vdi_ref = lagoon_record_get_ref (list[i], LAGOON_VBD_VDI);
      const LagoonRecord *vdi = lagoon_cache_lookup (cache, LAGOON_CLASS_VDI, vdi_ref);
      const LagoonRecord *sr;
      const char *host;

      if (vdi == NULL)
        continue;
      sr = lagoon_cache_lookup (cache, LAGOON_CLASS_SR, lagoon_record_get_ref (vdi, LAGOON_VDI_SR));
      if (sr == NULL || lagoon_record_get_bool (sr, LAGOON_SR_SHARED))
        continue;
      host = sr_home (cache, sr);
      if (host != NULL && lagoon_cache_lookup (cache, LAGOON_CLASS_HOST, host) != NULL)
        return host;
    }
  return NULL;
}

/* XenCenter's VM home: where it runs; else where its local disks are; else its affinity
 * host if that host is live; else none. Templates and snapshots have none. */
static const char *
vm_home (LagoonCache        *cache,
         const LagoonRecord *vm)
{
  const char *state = lagoon_record_get_enum_string (vm, LAGOON_VM_POWER_STATE);
  const char *host;

  if (lagoon_record_get_bool (vm, LAGOON_VM_IS_A_TEMPLATE) ||
      lagoon_record_get_bool (vm, LAGOON_VM_IS_A_SNAPSHOT))
    return NULL;

  if (g_str_equal (state, "Running") || g_str_equal (state, "Paused"))
    {
      host = lagoon_record_get_ref (vm, LAGOON_VM_RESIDENT_ON);
      if (host != NULL && lagoon_cache_lookup (cache, LAGOON_CLASS_HOST, host) != NULL)
        return host;
    }

  host = vm_storage_host (cache, vm);
  if (host != NULL)
    return host;

  host = lagoon_record_get_ref (vm, LAGOON_VM_AFFINITY);
  if (host != NULL && host_is_live (cache, host))
    return host;
  return NULL;
}

/* ---- building the wanted tree ---------------------------------------------------------- */

enum {
  INFRA_COORDINATOR,
  INFRA_HOST,
  INFRA_VM,
  INFRA_SR,
  INFRA_CUSTOM_TEMPLATE,
  INFRA_DEFAULT_TEMPLATE,
};

static void
build_infrastructure (LagoonView     *self,
                      LagoonViewNode *root)
{
  LagoonCache *cache = self->cache;
  const LagoonRecord *pool = the_pool (cache);
  const char *master = pool != NULL ? lagoon_record_get_ref (pool, LAGOON_POOL_MASTER) : NULL;
  g_autoptr(GHashTable) host_nodes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) hosts = NULL;
  LagoonViewNode *top = root;
  LagoonCacheIter iter;
  const LagoonRecord *rec;

  hosts = g_ptr_array_new ();
  lagoon_cache_iter_init (&iter, cache, LAGOON_CLASS_HOST);
  while (lagoon_cache_iter_next (&iter, &rec))
    if (classify (self, rec) != RANK_HIDDEN)
      g_ptr_array_add (hosts, (gpointer) rec);

  if (pool != NULL && *lagoon_record_get_name (pool) == '\0' && hosts->len == 1)
    {
      /* A standalone host: XenCenter shows the host itself, with everything under it. */
      top = object_node (self, g_ptr_array_index (hosts, 0), INFRA_COORDINATOR);
      node_append (root, top);
      g_hash_table_insert (host_nodes, (gpointer) lagoon_record_get_opaque_ref (
                             g_ptr_array_index (hosts, 0)), top);
    }
  else
    {
      if (pool != NULL)
        {
          top = object_node (self, pool, 0);
          node_append (root, top);
        }
      for (guint i = 0; i < hosts->len; i++)
        {
          const LagoonRecord *host = g_ptr_array_index (hosts, i);
          const char *ref = lagoon_record_get_opaque_ref (host);
          LagoonViewNode *node = object_node (self, host,
                                              g_strcmp0 (ref, master) == 0
                                                ? INFRA_COORDINATOR : INFRA_HOST);
          node_append (top, node);
          g_hash_table_insert (host_nodes, (gpointer) ref, node);
        }
    }

  lagoon_cache_iter_init (&iter, cache, LAGOON_CLASS_VM);
  while (lagoon_cache_iter_next (&iter, &rec))
    {
      ObjRank rank = classify (self, rec);
      LagoonViewNode *parent = top;
      guint order;
      const char *home;

      switch (rank)
        {
        case RANK_VM:
          order = INFRA_VM;
          home = vm_home (cache, rec);
          if (home != NULL && g_hash_table_contains (host_nodes, home))
            parent = g_hash_table_lookup (host_nodes, home);
          break;
        case RANK_CUSTOM_TEMPLATE:
          order = INFRA_CUSTOM_TEMPLATE;
          break;
        case RANK_DEFAULT_TEMPLATE:
          order = INFRA_DEFAULT_TEMPLATE;
          break;
        default:
          continue; /* snapshots, control domains, hidden */
        }
      node_append (parent, object_node (self, rec, order));
    }

  lagoon_cache_iter_init (&iter, cache, LAGOON_CLASS_SR);
  while (lagoon_cache_iter_next (&iter, &rec))
    {
      LagoonViewNode *parent = top;
      const char *home;

      if (classify (self, rec) == RANK_HIDDEN)
        continue;
      home = sr_home (cache, rec);
      if (home != NULL && g_hash_table_contains (host_nodes, home))
        parent = g_hash_table_lookup (host_nodes, home);
      node_append (parent, object_node (self, rec, INFRA_SR));
    }
}

static const char *
rank_group_label (ObjRank rank)
{
  switch (rank)
    {
    case RANK_POOL: return _("Pools");
    case RANK_HOST: return _("Servers");
    case RANK_VM: return _("VMs");
    case RANK_SNAPSHOT: return _("Snapshots");
    case RANK_CUSTOM_TEMPLATE: return _("Custom Templates");
    case RANK_DEFAULT_TEMPLATE: return _("Default Templates");
    case RANK_REMOTE_SR: return _("Remote SRs");
    case RANK_LOCAL_SR: return _("Local SRs");
    case RANK_NETWORK: return _("Networks");
    case RANK_VAPP: return _("vApps");
    default: return "";
    }
}

static const char *
rank_group_id (ObjRank rank)
{
  static const char *ids[N_RANKS] = {
    "objects:pools", "objects:servers", "objects:vms", "objects:snapshots",
    "objects:custom-templates", "objects:default-templates", "objects:remote-srs",
    "objects:local-srs", "objects:networks", "objects:vapps",
  };
  return rank < N_RANKS ? ids[rank] : "objects:other";
}

static void
build_objects (LagoonView     *self,
               LagoonViewNode *root)
{
  LagoonViewNode *groups[N_RANKS] = { NULL, };

  for (guint c = 0; c < G_N_ELEMENTS (shown_classes); c++)
    {
      LagoonCacheIter iter;
      const LagoonRecord *rec;

      lagoon_cache_iter_init (&iter, self->cache, shown_classes[c]);
      while (lagoon_cache_iter_next (&iter, &rec))
        {
          ObjRank rank = classify (self, rec);

          if (rank == RANK_HIDDEN)
            continue;
          if (groups[rank] == NULL)
            {
              groups[rank] = node_new (LAGOON_VIEW_NODE_GROUP, -1, rank_group_id (rank),
                                       rank_group_label (rank), rank);
              node_append (root, groups[rank]);
            }
          node_append (groups[rank], object_node (self, rec, 0));
        }
    }
}

static void
build_tags (LagoonView     *self,
            LagoonViewNode *root)
{
  g_autoptr(GHashTable) groups = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint c = 0; c < G_N_ELEMENTS (shown_classes); c++)
    {
      int tf = tags_field (shown_classes[c]);
      LagoonCacheIter iter;
      const LagoonRecord *rec;

      if (tf < 0)
        continue;
      lagoon_cache_iter_init (&iter, self->cache, shown_classes[c]);
      while (lagoon_cache_iter_next (&iter, &rec))
        {
          ObjRank rank = classify (self, rec);
          const char *const *tags;

          if (rank == RANK_HIDDEN)
            continue;
          tags = lagoon_record_get_set (rec, tf, NULL);
          for (guint t = 0; tags[t] != NULL; t++)
            {
              LagoonViewNode *group = g_hash_table_lookup (groups, tags[t]);
              gboolean repeated = FALSE;

              if (group == NULL)
                {
                  g_autofree char *id = g_strconcat ("tag:", tags[t], NULL);
                  group = node_new (LAGOON_VIEW_NODE_GROUP, -1, id, tags[t], 0);
                  node_append (root, group);
                  g_hash_table_insert (groups, (gpointer) tags[t], group);
                }
              /* A tag listed twice: tags are interned, so comparing pointers finds it. */
              for (guint u = 0; u < t && !repeated; u++)
                repeated = tags[u] == tags[t];
              if (!repeated)
                node_append (group, object_node (self, rec, rank));
            }
        }
    }
}

static void
build_folders (LagoonView     *self,
               LagoonViewNode *root)
{
  g_autoptr(GHashTable) folders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint c = 0; c < G_N_ELEMENTS (shown_classes); c++)
    {
      LagoonCacheIter iter;
      const LagoonRecord *rec;

      if (other_config_field (shown_classes[c]) < 0)
        continue;
      lagoon_cache_iter_init (&iter, self->cache, shown_classes[c]);
      while (lagoon_cache_iter_next (&iter, &rec))
        {
          ObjRank rank = classify (self, rec);
          const char *path = other_config (rec, "folder");
          g_auto(GStrv) parts = NULL;
          g_autoptr(GString) id = NULL;
          LagoonViewNode *parent = root;

          if (rank == RANK_HIDDEN || path == NULL)
            continue;
          parts = g_strsplit (path, "/", -1);
          id = g_string_new ("folder:");
          for (guint p = 0; parts[p] != NULL; p++)
            {
              LagoonViewNode *folder;

              if (*parts[p] == '\0')
                continue;
              g_string_append_c (id, '/');
              g_string_append (id, parts[p]);
              folder = g_hash_table_lookup (folders, id->str);
              if (folder == NULL)
                {
                  folder = node_new (LAGOON_VIEW_NODE_GROUP, -1, id->str, parts[p], 0);
                  node_append (parent, folder);
                  g_hash_table_insert (folders, g_strdup (id->str), folder);
                }
              parent = folder;
            }
          if (parent == root)
            continue; /* "/" alone: not in a folder */
          /* Folders first, then objects by type and name. */
          node_append (parent, object_node (self, rec, 1 + rank));
        }
    }
}

static void
build_vapps (LagoonView     *self,
             LagoonViewNode *root)
{
  LagoonCacheIter iter;
  const LagoonRecord *rec;

  lagoon_cache_iter_init (&iter, self->cache, LAGOON_CLASS_VM_APPLIANCE);
  while (lagoon_cache_iter_next (&iter, &rec))
    {
      LagoonViewNode *vapp = object_node (self, rec, 0);
      const LagoonRecord *const *vms;
      guint n;

      node_append (root, vapp);
      vms = lagoon_cache_get_referrers (self->cache, LAGOON_CLASS_VM, LAGOON_VM_APPLIANCE,
                                        lagoon_record_get_opaque_ref (rec), &n);
      for (guint i = 0; i < n; i++)
        {
          gint64 order;

          if (classify (self, vms[i]) != RANK_VM)
            continue;
          /* Start order: lower `order` first, then by name. */
          order = CLAMP (lagoon_record_get_int (vms[i], LAGOON_VM_ORDER), 0, G_MAXINT32);
          node_append (vapp, object_node (self, vms[i], (guint) order));
        }
    }
}

/* Keeps the nodes whose label matches and the ancestors of those. */
static gboolean
prune (LagoonViewNode *node,
       const char     *filter)
{
  gboolean keep_children = FALSE;

  if (node->children != NULL)
    {
      for (guint i = node->children->len; i-- > 0;)
        {
          LagoonViewNode *child = g_ptr_array_index (node->children, i);

          if (prune (child, filter))
            keep_children = TRUE;
          else
            node_free (g_ptr_array_steal_index (node->children, i));
        }
    }
  if (keep_children || node->kind == LAGOON_VIEW_NODE_ROOT)
    return TRUE;
  if (node->kind == LAGOON_VIEW_NODE_OBJECT)
    {
      g_autofree char *folded = g_utf8_casefold (node->label, -1);
      return strstr (folded, filter) != NULL;
    }
  return FALSE;
}

static LagoonViewNode *
build (LagoonView *self)
{
  LagoonViewNode *root = node_new (LAGOON_VIEW_NODE_ROOT, -1, "", "", 0);

  switch (self->kind)
    {
    case LAGOON_VIEW_INFRASTRUCTURE:
      build_infrastructure (self, root);
      break;
    case LAGOON_VIEW_OBJECTS:
      build_objects (self, root);
      break;
    case LAGOON_VIEW_TAGS:
      build_tags (self, root);
      break;
    case LAGOON_VIEW_FOLDERS:
      build_folders (self, root);
      break;
    case LAGOON_VIEW_VAPPS:
    default:
      build_vapps (self, root);
      break;
    }
  if (self->filter != NULL)
    prune (root, self->filter);
  node_sort (root);
  return root;
}

/* ---- applying the wanted tree ------------------------------------------------------------ */

static void
register_nodes (LagoonView     *self,
                LagoonViewNode *node,
                gboolean        add)
{
  if (node->kind == LAGOON_VIEW_NODE_OBJECT)
    {
      GPtrArray *list = g_hash_table_lookup (self->by_ref, node->key);

      if (add)
        {
          if (list == NULL)
            {
              list = g_ptr_array_new ();
              g_hash_table_insert (self->by_ref, g_strdup (node->key), list);
            }
          g_ptr_array_add (list, node);
        }
      else if (list != NULL)
        {
          g_ptr_array_remove_fast (list, node);
          if (list->len == 0)
            g_hash_table_remove (self->by_ref, node->key);
        }
    }
  for (guint i = 0; node->children != NULL && i < node->children->len; i++)
    register_nodes (self, g_ptr_array_index (node->children, i), add);
}

static void
remove_child (LagoonView     *self,
              LagoonViewNode *parent,
              guint           index,
              gboolean        destroy)
{
  LagoonViewNode *child = node_take (parent, index);

  register_nodes (self, child, FALSE);
  g_signal_emit (self, signals[NODE_REMOVED], 0, parent, index, child);
  if (destroy)
    node_free (child);
}

static void
insert_child (LagoonView     *self,
              LagoonViewNode *parent,
              guint           index,
              LagoonViewNode *child)
{
  node_insert (parent, index, child);
  register_nodes (self, child, TRUE);
  g_signal_emit (self, signals[NODE_INSERTED], 0, parent, index, child);
}

static gboolean
object_touched (const LagoonCacheBatch *batch,
                LagoonViewNode         *node)
{
  return batch != NULL && node->kind == LAGOON_VIEW_NODE_OBJECT &&
         lagoon_cache_batch_lookup (batch, node->class_id, node->key) == LAGOON_CHANGE_MODIFIED;
}

/* Makes @cur's children equal to @want's (consuming @want's children). */
static void
merge (LagoonView             *self,
       LagoonViewNode         *cur,
       LagoonViewNode         *want,
       const LagoonCacheBatch *batch)
{
  g_autoptr(GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);
  guint n_want = want->children != NULL ? want->children->len : 0;

  for (guint i = 0; i < n_want; i++)
    {
      LagoonViewNode *w = g_ptr_array_index (want->children, i);
      g_hash_table_insert (wanted, w->key, w);
    }

  /* Drop what should not be there. */
  for (guint i = cur->children != NULL ? cur->children->len : 0; i-- > 0;)
    {
      LagoonViewNode *c = g_ptr_array_index (cur->children, i);
      LagoonViewNode *w = g_hash_table_lookup (wanted, c->key);

      if (w == NULL || w->kind != c->kind)
        remove_child (self, cur, i, TRUE);
    }

  /* Walk the wanted order, keeping, moving or inserting. */
  for (guint i = 0; i < n_want; i++)
    {
      LagoonViewNode *w = g_ptr_array_index (want->children, i);
      LagoonViewNode *c = NULL;
      guint n_cur = cur->children != NULL ? cur->children->len : 0;
      gboolean changed;

      if (i < n_cur && strcmp (((LagoonViewNode *) g_ptr_array_index (cur->children, i))->key,
                               w->key) == 0)
        c = g_ptr_array_index (cur->children, i);
      else
        {
          for (guint j = i + 1; j < n_cur; j++)
            {
              LagoonViewNode *other = g_ptr_array_index (cur->children, j);

              if (strcmp (other->key, w->key) == 0)
                {
                  /* Out of place (renamed, or others moved around it): take it out... */
                  c = other;
                  remove_child (self, cur, j, FALSE);
                  break;
                }
            }
          if (c == NULL)
            {
              /* New here: adopt the wanted node with its subtree. */
              g_ptr_array_index (want->children, i) = NULL;
              insert_child (self, cur, i, w);
              continue;
            }
          /* ...and put it back where it belongs. */
          changed = strcmp (c->label, w->label) != 0 || c->rank != w->rank;
          if (changed)
            {
              g_free (c->label);
              g_free (c->collate);
              c->label = g_strdup (w->label);
              c->collate = g_strdup (w->collate);
              c->rank = w->rank;
            }
          insert_child (self, cur, i, c);
          merge (self, c, w, batch);
          continue;
        }

      changed = strcmp (c->label, w->label) != 0 || c->rank != w->rank;
      if (changed)
        {
          g_free (c->label);
          g_free (c->collate);
          c->label = g_strdup (w->label);
          c->collate = g_strdup (w->collate);
          c->rank = w->rank;
        }
      if (changed || object_touched (batch, c))
        g_signal_emit (self, signals[NODE_CHANGED], 0, c);
      merge (self, c, w, batch);
    }
}

static void
refresh (LagoonView             *self,
         const LagoonCacheBatch *batch)
{
  LagoonViewNode *want = build (self);

  merge (self, self->root, want, batch);
  node_free (want);
}

/* Fields whose change can move, add, hide or rename a node in some view. */
static gboolean
structural_field (LagoonClassId class_id,
                  guint         field)
{
  switch (class_id)
    {
    case LAGOON_CLASS_VM:
      return field == LAGOON_VM_NAME_LABEL || field == LAGOON_VM_POWER_STATE ||
             field == LAGOON_VM_RESIDENT_ON || field == LAGOON_VM_AFFINITY ||
             field == LAGOON_VM_IS_A_TEMPLATE || field == LAGOON_VM_IS_DEFAULT_TEMPLATE ||
             field == LAGOON_VM_IS_A_SNAPSHOT || field == LAGOON_VM_IS_CONTROL_DOMAIN ||
             field == LAGOON_VM_OTHER_CONFIG || field == LAGOON_VM_TAGS ||
             field == LAGOON_VM_APPLIANCE || field == LAGOON_VM_ORDER;
    case LAGOON_CLASS_HOST:
      return field == LAGOON_HOST_NAME_LABEL || field == LAGOON_HOST_METRICS ||
             field == LAGOON_HOST_OTHER_CONFIG || field == LAGOON_HOST_TAGS;
    case LAGOON_CLASS_HOST_METRICS:
      return field == LAGOON_HOST_METRICS_LIVE;
    case LAGOON_CLASS_POOL:
      return field == LAGOON_POOL_NAME_LABEL || field == LAGOON_POOL_MASTER ||
             field == LAGOON_POOL_OTHER_CONFIG || field == LAGOON_POOL_TAGS;
    case LAGOON_CLASS_SR:
      return field == LAGOON_SR_NAME_LABEL || field == LAGOON_SR_SHARED ||
             field == LAGOON_SR_OTHER_CONFIG || field == LAGOON_SR_TAGS ||
             field == LAGOON_SR_IS_TOOLS_SR;
    case LAGOON_CLASS_PBD:
      return field == LAGOON_PBD_HOST || field == LAGOON_PBD_SR;
    case LAGOON_CLASS_VBD:
      return field == LAGOON_VBD_VM || field == LAGOON_VBD_VDI || field == LAGOON_VBD_USERDEVICE;
    case LAGOON_CLASS_VDI:
      return field == LAGOON_VDI_SR;
    case LAGOON_CLASS_NETWORK:
      return field == LAGOON_NETWORK_NAME_LABEL || field == LAGOON_NETWORK_OTHER_CONFIG ||
             field == LAGOON_NETWORK_TAGS;
    case LAGOON_CLASS_VM_APPLIANCE:
      return field == LAGOON_VM_APPLIANCE_NAME_LABEL;
    default:
      return FALSE;
    }
}

static const LagoonClassId relevant_classes[] = {
  LAGOON_CLASS_VM, LAGOON_CLASS_HOST, LAGOON_CLASS_HOST_METRICS, LAGOON_CLASS_POOL,
  LAGOON_CLASS_SR, LAGOON_CLASS_PBD, LAGOON_CLASS_VBD, LAGOON_CLASS_VDI,
  LAGOON_CLASS_NETWORK, LAGOON_CLASS_VM_APPLIANCE,
};

typedef struct
{
  const LagoonCacheBatch *batch;
  gboolean                structural;     /* something may move */
  gboolean                beyond_vms;     /* ...because of more than VM records */
  GPtrArray              *vms;            /* refs of the VMs that may move */
} ScanData;

static void
scan_change (LagoonClassId    class_id,
             const char      *ref,
             LagoonChangeKind kind,
             gpointer         user_data)
{
  ScanData *data = user_data;
  gboolean moves = FALSE;

  if (data->beyond_vms)
    return;
  if (kind != LAGOON_CHANGE_MODIFIED)
    moves = TRUE;
  else
    for (guint f = 0; f < lagoon_schema_classes[class_id].n_fields && !moves; f++)
      moves = structural_field (class_id, f) &&
              lagoon_cache_batch_field_changed (data->batch, class_id, ref, f);
  if (!moves)
    return;
  data->structural = TRUE;
  if (class_id == LAGOON_CLASS_VM)
    g_ptr_array_add (data->vms, (gpointer) ref);
  else
    data->beyond_vms = TRUE;
}

/* ---- scoped updates: only some VMs moved ------------------------------------------------ */

/* The top of the Infrastructure tree: the pool node, or the standalone host's. */
static LagoonViewNode *
infrastructure_top (LagoonView *self)
{
  const LagoonRecord *pool = the_pool (self->cache);
  LagoonViewNode *top;

  if (pool == NULL)
    return self->root;
  if (self->root->children == NULL || self->root->children->len != 1)
    return NULL;
  top = g_ptr_array_index (self->root->children, 0);
  if (top->kind != LAGOON_VIEW_NODE_OBJECT)
    return NULL;
  if (g_str_equal (top->key, lagoon_record_get_opaque_ref (pool)) ||
      (top->class_id == LAGOON_CLASS_HOST && *lagoon_record_get_name (pool) == '\0'))
    return top;
  return NULL;
}

static LagoonViewNode *
child_by_key (LagoonViewNode *parent,
              const char     *key)
{
  for (guint i = 0; parent != NULL && parent->children != NULL && i < parent->children->len; i++)
    {
      LagoonViewNode *child = g_ptr_array_index (parent->children, i);
      if (child->kind == LAGOON_VIEW_NODE_GROUP && g_str_equal (child->key, key))
        return child;
    }
  return NULL;
}

static LagoonViewNode *
object_node_of (LagoonView *self,
                const char *ref)
{
  GPtrArray *nodes = ref != NULL ? g_hash_table_lookup (self->by_ref, ref) : NULL;

  return nodes != NULL && nodes->len == 1 ? g_ptr_array_index (nodes, 0) : NULL;
}

/* Where the VM belongs in this view: parent nodes (already in the tree) and ranks.
 * FALSE when that needs nodes the tree does not have (a new group...): do it in full. */
static gboolean
place_vm (LagoonView         *self,
          const LagoonRecord *vm,
          GPtrArray          *parents,
          GArray             *ranks)
{
  ObjRank rank = classify (self, vm);
  LagoonViewNode *parent;
  guint order;

  if (rank == RANK_HIDDEN)
    return TRUE;

  switch (self->kind)
    {
    case LAGOON_VIEW_INFRASTRUCTURE:
      {
        LagoonViewNode *top = infrastructure_top (self);
        const char *home;

        if (top == NULL)
          return FALSE;
        if (rank == RANK_VM)
          {
            order = INFRA_VM;
            home = vm_home (self->cache, vm);
            parent = top;
            if (home != NULL && top->class_id != LAGOON_CLASS_HOST)
              {
                const LagoonRecord *host =
                  lagoon_cache_lookup (self->cache, LAGOON_CLASS_HOST, home);

                if (host != NULL && classify (self, host) != RANK_HIDDEN)
                  {
                    parent = object_node_of (self, home);
                    if (parent == NULL || parent->parent != top)
                      return FALSE;
                  }
              }
          }
        else if (rank == RANK_CUSTOM_TEMPLATE || rank == RANK_DEFAULT_TEMPLATE)
          {
            order = rank == RANK_CUSTOM_TEMPLATE ? INFRA_CUSTOM_TEMPLATE : INFRA_DEFAULT_TEMPLATE;
            parent = top;
          }
        else
          return TRUE;
        g_ptr_array_add (parents, parent);
        g_array_append_val (ranks, order);
        return TRUE;
      }

    case LAGOON_VIEW_OBJECTS:
      parent = child_by_key (self->root, rank_group_id (rank));
      if (parent == NULL)
        return FALSE;
      order = 0;
      g_ptr_array_add (parents, parent);
      g_array_append_val (ranks, order);
      return TRUE;

    case LAGOON_VIEW_TAGS:
      {
        const char *const *tags = lagoon_record_get_set (vm, LAGOON_VM_TAGS, NULL);

        order = rank;
        for (guint t = 0; tags[t] != NULL; t++)
          {
            g_autofree char *id = g_strconcat ("tag:", tags[t], NULL);

            parent = child_by_key (self->root, id);
            if (parent == NULL)
              return FALSE;
            if (!g_ptr_array_find (parents, parent, NULL))
              {
                g_ptr_array_add (parents, parent);
                g_array_append_val (ranks, order);
              }
          }
        return TRUE;
      }

    case LAGOON_VIEW_FOLDERS:
      {
        const char *path = lagoon_record_map_lookup (vm, LAGOON_VM_OTHER_CONFIG, "folder");
        g_auto(GStrv) parts = NULL;
        g_autoptr(GString) id = NULL;

        if (path == NULL)
          return TRUE;
        parts = g_strsplit (path, "/", -1);
        id = g_string_new ("folder:");
        parent = self->root;
        for (guint p = 0; parts[p] != NULL; p++)
          {
            if (*parts[p] == '\0')
              continue;
            g_string_append_c (id, '/');
            g_string_append (id, parts[p]);
            parent = child_by_key (parent, id->str);
            if (parent == NULL)
              return FALSE;
          }
        if (parent == self->root)
          return TRUE;
        order = 1 + rank;
        g_ptr_array_add (parents, parent);
        g_array_append_val (ranks, order);
        return TRUE;
      }

    case LAGOON_VIEW_VAPPS:
    default:
      {
        const char *vapp = lagoon_record_get_ref (vm, LAGOON_VM_APPLIANCE);

        if (rank != RANK_VM || vapp == NULL ||
            lagoon_cache_lookup (self->cache, LAGOON_CLASS_VM_APPLIANCE, vapp) == NULL)
          return TRUE;
        parent = object_node_of (self, vapp);
        if (parent == NULL || parent->parent != self->root)
          return FALSE;
        order = (guint) CLAMP (lagoon_record_get_int (vm, LAGOON_VM_ORDER), 0, G_MAXINT32);
        g_ptr_array_add (parents, parent);
        g_array_append_val (ranks, order);
        return TRUE;
      }
    }
}

/* Where @node goes among @parent's sorted children (@node not among them). */
static guint
sorted_position (LagoonViewNode *parent,
                 LagoonViewNode *node)
{
  guint lo = 0, hi = parent->children != NULL ? parent->children->len : 0;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (node_compare (&g_ptr_array_index (parent->children, mid), &node) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static gboolean
in_order (LagoonViewNode *node,
          guint           index)
{
  GPtrArray *siblings = node->parent->children;

  return (index == 0 || node_compare (&g_ptr_array_index (siblings, index - 1), &node) < 0) &&
         (index + 1 >= siblings->len ||
          node_compare (&node, &g_ptr_array_index (siblings, index + 1)) < 0);
}

/* Brings the nodes of the VMs in @refs where they belong. FALSE: a full refresh is needed
 * (the tree may have been partly updated; the full refresh starts from whatever is there). */
static gboolean
update_vms (LagoonView             *self,
            GPtrArray              *refs,
            const LagoonCacheBatch *batch)
{
  g_autoptr(GPtrArray) parents = g_ptr_array_new ();
  g_autoptr(GArray) ranks = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint r = 0; r < refs->len; r++)
    {
      const char *ref = g_ptr_array_index (refs, r);
      const LagoonRecord *vm = lagoon_cache_lookup (self->cache, LAGOON_CLASS_VM, ref);
      GPtrArray *current = g_hash_table_lookup (self->by_ref, ref);
      g_autoptr(GPtrArray) nodes = current != NULL ? g_ptr_array_copy (current, NULL, NULL)
                                                   : g_ptr_array_new ();
      g_autofree gboolean *placed = NULL;
      const char *label = vm != NULL ? object_label (self, vm) : NULL;
      g_autofree char *collate = NULL;
      gboolean touched = lagoon_cache_batch_lookup (batch, LAGOON_CLASS_VM, ref) ==
                         LAGOON_CHANGE_MODIFIED;

      g_ptr_array_set_size (parents, 0);
      g_array_set_size (ranks, 0);
      if (vm != NULL && !place_vm (self, vm, parents, ranks))
        return FALSE;
      placed = g_new0 (gboolean, parents->len + 1);
      if (label != NULL)
        {
          g_autofree char *folded = g_utf8_casefold (label, -1);
          collate = g_utf8_collate_key_for_filename (folded, -1);
        }

      for (guint i = 0; i < nodes->len; i++)
        {
          LagoonViewNode *node = g_ptr_array_index (nodes, i);
          LagoonViewNode *parent = node->parent;
          guint index = lagoon_view_node_get_index (node);
          guint want;

          if (!g_ptr_array_find (parents, parent, &want) || placed[want])
            {
              remove_child (self, parent, index, TRUE);
              if (parent->kind == LAGOON_VIEW_NODE_GROUP && parent->children->len == 0)
                return FALSE; /* an empty group goes: leave that to the full refresh */
              continue;
            }
          placed[want] = TRUE;
          if (g_str_equal (node->label, label) &&
              node->rank == g_array_index (ranks, guint, want))
            {
              if (touched)
                g_signal_emit (self, signals[NODE_CHANGED], 0, node);
              continue;
            }
          g_free (node->label);
          g_free (node->collate);
          node->label = g_strdup (label);
          node->collate = g_strdup (collate);
          node->rank = g_array_index (ranks, guint, want);
          if (in_order (node, index))
            g_signal_emit (self, signals[NODE_CHANGED], 0, node);
          else
            {
              remove_child (self, parent, index, FALSE);
              insert_child (self, parent, sorted_position (parent, node), node);
            }
        }

      for (guint want = 0; want < parents->len; want++)
        {
          LagoonViewNode *parent = g_ptr_array_index (parents, want);
          LagoonViewNode *node;

          if (placed[want])
            continue;
          node = node_new (LAGOON_VIEW_NODE_OBJECT, LAGOON_CLASS_VM, ref, label,
                           g_array_index (ranks, guint, want));
          insert_child (self, parent, sorted_position (parent, node), node);
        }
    }
  return TRUE;
}

static void
touch_change (LagoonClassId    class_id,
              const char      *ref,
              LagoonChangeKind kind,
              gpointer         user_data)
{
  LagoonView *self = user_data;
  GPtrArray *nodes;

  if (kind != LAGOON_CHANGE_MODIFIED || (nodes = g_hash_table_lookup (self->by_ref, ref)) == NULL)
    return;
  if (self->skip != NULL && class_id == LAGOON_CLASS_VM && g_hash_table_contains (self->skip, ref))
    return;
  for (guint i = 0; i < nodes->len; i++)
    g_signal_emit (self, signals[NODE_CHANGED], 0, g_ptr_array_index (nodes, i));
}

static void
on_batch_applied (LagoonCache      *cache,
                  LagoonCacheBatch *batch,
                  LagoonView       *self)
{
  g_autoptr(GPtrArray) vms = g_ptr_array_new ();
  ScanData data = { batch, FALSE, FALSE, vms };

  for (guint i = 0; i < G_N_ELEMENTS (relevant_classes) && !data.beyond_vms; i++)
    lagoon_cache_batch_foreach (batch, relevant_classes[i], scan_change, &data);

  if (data.structural)
    {
      /* Only VMs moved (the usual live case: starts, stops, migrations, renames): move
       * their nodes alone. Anything else, or a filter (whose matches keep ancestors), is a
       * full comparison of the wanted tree with the shown one. */
      if (data.beyond_vms || self->filter != NULL || !update_vms (self, vms, batch))
        {
          g_debug ("%s view: full refresh (%s)", kind_names[self->kind],
                   data.beyond_vms ? "not only VMs moved"
                                   : self->filter != NULL ? "filtered" : "new or emptied parent");
          refresh (self, batch); /* which also tells about every changed object shown */
        }
      else
        {
          /* The moved VMs are done; the other changed objects only changed. */
          g_autoptr(GHashTable) done = g_hash_table_new (g_str_hash, g_str_equal);

          g_debug ("%s view: %u VMs moved in place", kind_names[self->kind], vms->len);

          for (guint i = 0; i < vms->len; i++)
            g_hash_table_add (done, g_ptr_array_index (vms, i));
          self->skip = done;
          for (guint i = 0; i < G_N_ELEMENTS (shown_classes); i++)
            lagoon_cache_batch_foreach (batch, shown_classes[i], touch_change, self);
          self->skip = NULL;
        }
    }
  else
    {
      /* Nothing moves: only tell about the objects shown. */
      for (guint i = 0; i < G_N_ELEMENTS (shown_classes); i++)
        lagoon_cache_batch_foreach (batch, shown_classes[i], touch_change, self);
    }
}

/* ---- GObject ------------------------------------------------------------------------------ */

static void
lagoon_view_constructed (GObject *object)
{
  LagoonView *self = (LagoonView *) object;

  G_OBJECT_CLASS (lagoon_view_parent_class)->constructed (object);

  g_return_if_fail (self->cache != NULL);
  self->batch_handler = g_signal_connect_object (self->cache, "batch-applied",
                                                 G_CALLBACK (on_batch_applied), self, 0);
  refresh (self, NULL);
}

static void
lagoon_view_dispose (GObject *object)
{
  LagoonView *self = (LagoonView *) object;

  if (self->cache != NULL)
    {
      g_clear_signal_handler (&self->batch_handler, self->cache);
      g_clear_object (&self->cache);
    }
  G_OBJECT_CLASS (lagoon_view_parent_class)->dispose (object);
}

static void
lagoon_view_finalize (GObject *object)
{
  LagoonView *self = (LagoonView *) object;

  node_free (self->root);
  g_hash_table_unref (self->by_ref);
  g_free (self->filter);
  g_free (self->filter_text);
  G_OBJECT_CLASS (lagoon_view_parent_class)->finalize (object);
}

static void
lagoon_view_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  LagoonView *self = (LagoonView *) object;

  switch (prop_id)
    {
    case PROP_CACHE:
      g_value_set_object (value, self->cache);
      break;
    case PROP_KIND:
      g_value_set_int (value, self->kind);
      break;
    case PROP_FILTER:
      g_value_set_string (value, self->filter_text);
      break;
    case PROP_SHOW_DEFAULT_TEMPLATES:
      g_value_set_boolean (value, self->show_default_templates);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lagoon_view_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  LagoonView *self = (LagoonView *) object;

  switch (prop_id)
    {
    case PROP_CACHE:
      self->cache = g_value_dup_object (value);
      break;
    case PROP_KIND:
      self->kind = g_value_get_int (value);
      break;
    case PROP_FILTER:
      lagoon_view_set_filter (self, g_value_get_string (value));
      break;
    case PROP_SHOW_DEFAULT_TEMPLATES:
      lagoon_view_set_show_default_templates (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lagoon_view_class_init (LagoonViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = lagoon_view_constructed;
  object_class->dispose = lagoon_view_dispose;
  object_class->finalize = lagoon_view_finalize;
  object_class->get_property = lagoon_view_get_property;
  object_class->set_property = lagoon_view_set_property;

  properties[PROP_CACHE] =
    g_param_spec_object ("cache", NULL, NULL, LAGOON_TYPE_CACHE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_KIND] =
    g_param_spec_int ("kind", NULL, NULL, LAGOON_VIEW_INFRASTRUCTURE, LAGOON_VIEW_VAPPS,
                      LAGOON_VIEW_INFRASTRUCTURE,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FILTER] =
    g_param_spec_string ("filter", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_DEFAULT_TEMPLATES] =
    g_param_spec_boolean ("show-default-templates", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[NODE_INSERTED] =
    g_signal_new ("node-inserted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_POINTER, G_TYPE_UINT, G_TYPE_POINTER);
  signals[NODE_REMOVED] =
    g_signal_new ("node-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_POINTER, G_TYPE_UINT, G_TYPE_POINTER);
  signals[NODE_CHANGED] =
    g_signal_new ("node-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
lagoon_view_init (LagoonView *self)
{
  self->root = node_new (LAGOON_VIEW_NODE_ROOT, -1, "", "", 0);
  self->by_ref = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_ptr_array_unref);
}

LagoonView *
lagoon_view_new (LagoonCache   *cache,
                 LagoonViewKind kind)
{
  g_return_val_if_fail (LAGOON_IS_CACHE (cache), NULL);
  return g_object_new (LAGOON_TYPE_VIEW, "cache", cache, "kind", (int) kind, NULL);
}

LagoonCache *
lagoon_view_get_cache (LagoonView *self)
{
  g_return_val_if_fail (LAGOON_IS_VIEW (self), NULL);
  return self->cache;
}

LagoonViewKind
lagoon_view_get_kind (LagoonView *self)
{
  g_return_val_if_fail (LAGOON_IS_VIEW (self), LAGOON_VIEW_INFRASTRUCTURE);
  return self->kind;
}

gboolean
lagoon_view_kind_from_string (const char     *text,
                              LagoonViewKind *kind)
{
  g_return_val_if_fail (text != NULL, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_ascii_strcasecmp (text, kind_names[i]) == 0)
      {
        *kind = i;
        return TRUE;
      }
  return FALSE;
}

const char *
lagoon_view_kind_to_string (LagoonViewKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_names), NULL);
  return kind_names[kind];
}

void
lagoon_view_set_filter (LagoonView *self,
                        const char *filter)
{
  g_return_if_fail (LAGOON_IS_VIEW (self));

  if (filter != NULL && *filter == '\0')
    filter = NULL;
  if (g_strcmp0 (filter, self->filter_text) == 0)
    return;
  g_free (self->filter_text);
  g_free (self->filter);
  self->filter_text = g_strdup (filter);
  self->filter = filter != NULL ? g_utf8_casefold (filter, -1) : NULL;
  if (self->cache != NULL)
    refresh (self, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER]);
}

const char *
lagoon_view_get_filter (LagoonView *self)
{
  g_return_val_if_fail (LAGOON_IS_VIEW (self), NULL);
  return self->filter_text;
}

void
lagoon_view_set_show_default_templates (LagoonView *self,
                                        gboolean    show)
{
  g_return_if_fail (LAGOON_IS_VIEW (self));

  show = !!show;
  if (show == self->show_default_templates)
    return;
  self->show_default_templates = show;
  if (self->cache != NULL)
    refresh (self, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_DEFAULT_TEMPLATES]);
}

gboolean
lagoon_view_get_show_default_templates (LagoonView *self)
{
  g_return_val_if_fail (LAGOON_IS_VIEW (self), FALSE);
  return self->show_default_templates;
}

LagoonViewNode *
lagoon_view_get_root (LagoonView *self)
{
  g_return_val_if_fail (LAGOON_IS_VIEW (self), NULL);
  return self->root;
}

LagoonViewNode **
lagoon_view_find_nodes (LagoonView *self,
                        const char *ref)
{
  GPtrArray *list;
  LagoonViewNode **nodes;

  g_return_val_if_fail (LAGOON_IS_VIEW (self), NULL);
  g_return_val_if_fail (ref != NULL, NULL);

  list = g_hash_table_lookup (self->by_ref, ref);
  nodes = g_new0 (LagoonViewNode *, (list != NULL ? list->len : 0) + 1);
  for (guint i = 0; list != NULL && i < list->len; i++)
    nodes[i] = g_ptr_array_index (list, i);
  return nodes;
}

static void
node_to_text (const LagoonViewNode *node,
              guint                 depth,
              GString              *out)
{
  for (guint i = 0; node->children != NULL && i < node->children->len; i++)
    {
      const LagoonViewNode *child = g_ptr_array_index (node->children, i);

      for (guint d = 0; d < depth; d++)
        g_string_append (out, "  ");
      g_string_append (out, child->label);
      g_string_append_c (out, '\n');
      node_to_text (child, depth + 1, out);
    }
}

char *
lagoon_view_to_text (LagoonView *self)
{
  GString *out;

  g_return_val_if_fail (LAGOON_IS_VIEW (self), NULL);
  out = g_string_new (NULL);
  node_to_text (self->root, 0, out);
  return g_string_free (out, FALSE);
}

LagoonViewNodeKind
lagoon_view_node_get_kind (const LagoonViewNode *node)
{
  g_return_val_if_fail (node != NULL, LAGOON_VIEW_NODE_ROOT);
  return node->kind;
}

LagoonViewNode *
lagoon_view_node_get_parent (const LagoonViewNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);
  return node->parent;
}

guint
lagoon_view_node_get_n_children (const LagoonViewNode *node)
{
  g_return_val_if_fail (node != NULL, 0);
  return node->children != NULL ? node->children->len : 0;
}

LagoonViewNode *
lagoon_view_node_get_child (const LagoonViewNode *node,
                            guint                 index)
{
  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (node->children != NULL && index < node->children->len, NULL);
  return g_ptr_array_index (node->children, index);
}

guint
lagoon_view_node_get_index (const LagoonViewNode *node)
{
  guint index = 0;

  g_return_val_if_fail (node != NULL, 0);
  if (node->parent != NULL && g_ptr_array_find (node->parent->children, node, &index))
    return index;
  return 0;
}

const char *
lagoon_view_node_get_label (const LagoonViewNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);
  return node->label;
}

int
lagoon_view_node_get_class_id (const LagoonViewNode *node)
{
  g_return_val_if_fail (node != NULL, -1);
  return node->kind == LAGOON_VIEW_NODE_OBJECT ? node->class_id : -1;
}

const char *
lagoon_view_node_get_ref (const LagoonViewNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);
  return node->kind == LAGOON_VIEW_NODE_OBJECT ? node->key : NULL;
}

const char *
lagoon_view_node_get_group_id (const LagoonViewNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);
  return node->kind == LAGOON_VIEW_NODE_GROUP ? node->key : NULL;
}
