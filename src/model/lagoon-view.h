/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-view.h: the resource trees XenCenter shows (Infrastructure, Objects, Tags,
 * Folders, vApps), built from a LagoonCache and kept up to date batch by batch.
 *
 * The view owns a tree of LagoonViewNode: object nodes (class + ref, labelled with the
 * object's name) and group nodes (a label such as "VMs", a tag, a folder). Children are
 * kept sorted: a group rank first (the coordinator before other hosts, VMs before SRs...),
 * then natural, case-insensitive name order ("vm2" before "vm10").
 *
 * After each cache batch the view changes only what differs, announcing each change. When
 * only VMs moved (starts, stops, migrations, renames: the usual live traffic) it moves just
 * their nodes; otherwise (hosts, storage, a filter...) it works out the whole tree it should
 * show and compares it with the one shown. Either way the signals are:
 *   ::node-removed (parent, index, node)  node was at @index under @parent; it has already
 *                                         been taken out, and is freed after the emission.
 *   ::node-inserted (parent, index, node) node now sits at @index under @parent, with
 *                                         whatever subtree it carries.
 *   ::node-changed (node)                 the node's label or its object's record changed.
 * Nodes that did not change keep their identity, so a tree-model adapter can update rows
 * in place. The parent of top-level nodes is the (invisible) root node.
 */
#pragma once

#include <glib-object.h>

#include "lagoon-cache.h"

G_BEGIN_DECLS

typedef enum {
  LAGOON_VIEW_INFRASTRUCTURE,
  LAGOON_VIEW_OBJECTS,
  LAGOON_VIEW_TAGS,
  LAGOON_VIEW_FOLDERS,
  LAGOON_VIEW_VAPPS,
} LagoonViewKind;

typedef enum {
  LAGOON_VIEW_NODE_ROOT,
  LAGOON_VIEW_NODE_OBJECT,
  LAGOON_VIEW_NODE_GROUP,
} LagoonViewNodeKind;

typedef struct _LagoonViewNode LagoonViewNode;

#define LAGOON_TYPE_VIEW (lagoon_view_get_type ())

G_DECLARE_FINAL_TYPE (LagoonView, lagoon_view, LAGOON, VIEW, GObject)

LagoonView         *lagoon_view_new                    (LagoonCache          *cache,
                                                        LagoonViewKind        kind);
LagoonCache        *lagoon_view_get_cache              (LagoonView           *self);
LagoonViewKind      lagoon_view_get_kind               (LagoonView           *self);
/* "infrastructure", "objects", "tags", "folders", "vapps". */
gboolean            lagoon_view_kind_from_string       (const char           *text,
                                                        LagoonViewKind       *kind);
const char         *lagoon_view_kind_to_string         (LagoonViewKind        kind);

/* Case-insensitive substring on names; matching nodes keep their ancestors. NULL or ""
 * shows everything. */
void                lagoon_view_set_filter             (LagoonView           *self,
                                                        const char           *filter);
const char         *lagoon_view_get_filter             (LagoonView           *self);
void                lagoon_view_set_show_default_templates (LagoonView       *self,
                                                        gboolean              show);
gboolean            lagoon_view_get_show_default_templates (LagoonView       *self);

LagoonViewNode     *lagoon_view_get_root               (LagoonView           *self);
/* Every node showing the object @ref (several in the Tags view), NULL-terminated;
 * free the array (not the nodes) with g_free. */
LagoonViewNode    **lagoon_view_find_nodes             (LagoonView           *self,
                                                        const char           *ref);
/* The tree as text: one node per line, two spaces of indent per level, its label. */
char               *lagoon_view_to_text                (LagoonView           *self);

LagoonViewNodeKind  lagoon_view_node_get_kind          (const LagoonViewNode *node);
LagoonViewNode     *lagoon_view_node_get_parent        (const LagoonViewNode *node);
guint               lagoon_view_node_get_n_children    (const LagoonViewNode *node);
LagoonViewNode     *lagoon_view_node_get_child         (const LagoonViewNode *node,
                                                        guint                 index);
/* Position under the parent (linear in the number of siblings). */
guint               lagoon_view_node_get_index         (const LagoonViewNode *node);
const char         *lagoon_view_node_get_label         (const LagoonViewNode *node);
/* Object nodes: the class and ref; group nodes: -1 and NULL. */
int                 lagoon_view_node_get_class_id      (const LagoonViewNode *node);
const char         *lagoon_view_node_get_ref           (const LagoonViewNode *node);
/* Group nodes: a stable id such as "objects:vms", "tag:web", "folder:/Production/Web". */
const char         *lagoon_view_node_get_group_id      (const LagoonViewNode *node);

G_END_DECLS
