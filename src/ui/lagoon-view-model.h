/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-view-model.h: the resource tree as a GtkTreeModel, straight over the nodes of one
 * LagoonView per server. Top-level rows are the servers (name and connection state); under
 * each, the view's tree. Changes of the views become row-inserted/-deleted/-changed on the
 * rows concerned only, so selection and expansion of untouched rows survive every batch.
 */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-server.h"
#include "lagoon-view.h"

G_BEGIN_DECLS

enum {
  LAGOON_VIEW_MODEL_COLUMN_ICON_NAME,        /* string: class icon */
  LAGOON_VIEW_MODEL_COLUMN_STATE_ICON_NAME,  /* string: power or connection state, or NULL */
  LAGOON_VIEW_MODEL_COLUMN_NAME,             /* string */
  LAGOON_VIEW_MODEL_COLUMN_DETAIL,           /* string: server rows' connection state */
  LAGOON_VIEW_MODEL_COLUMN_TOOLTIP,          /* string: state in words */
  LAGOON_VIEW_MODEL_COLUMN_BUSY,             /* boolean: a connection is in progress */
  LAGOON_VIEW_MODEL_COLUMN_PULSE,            /* uint: spinner pulse */
  LAGOON_VIEW_MODEL_COLUMN_REF,              /* string: the object's ref, or NULL */
  LAGOON_VIEW_MODEL_COLUMN_CLASS_ID,         /* int: LagoonClassId, -1 for groups/servers */
  LAGOON_VIEW_MODEL_COLUMN_SERVER,           /* LagoonServer */
  LAGOON_VIEW_MODEL_COLUMN_KEY,              /* string: stable across updates (expansion) */
  LAGOON_VIEW_MODEL_COLUMN_MARKUP,           /* string: name, and a server row's state */
  LAGOON_VIEW_MODEL_N_COLUMNS
};

#define LAGOON_TYPE_VIEW_MODEL (lagoon_view_model_get_type ())

G_DECLARE_FINAL_TYPE (LagoonViewModel, lagoon_view_model, LAGOON, VIEW_MODEL, GObject)

/* @servers: a GListModel of LagoonServer. */
LagoonViewModel *lagoon_view_model_new           (GListModel      *servers,
                                                  LagoonViewKind   kind);
LagoonViewKind   lagoon_view_model_get_kind      (LagoonViewModel *self);
void             lagoon_view_model_set_filter    (LagoonViewModel *self,
                                                  const char      *filter);
void             lagoon_view_model_set_show_default_templates (LagoonViewModel *self,
                                                  gboolean         show);
/* The row of a server, or of the first node showing @ref in @server's view. */
gboolean         lagoon_view_model_find_server   (LagoonViewModel *self,
                                                  LagoonServer    *server,
                                                  GtkTreeIter     *iter);
gboolean         lagoon_view_model_find_ref      (LagoonViewModel *self,
                                                  LagoonServer    *server,
                                                  const char      *ref,
                                                  GtkTreeIter     *iter);
/* Finds a row by its KEY column under @server (a ref or a group id). */
gboolean         lagoon_view_model_find_key      (LagoonViewModel *self,
                                                  LagoonServer    *server,
                                                  const char      *key,
                                                  GtkTreeIter     *iter);
LagoonView      *lagoon_view_model_get_view      (LagoonViewModel *self,
                                                  LagoonServer    *server);

G_END_DECLS
