/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-tab.h: what the window asks of a tab of the details notebook (Memory, Storage,
 * Networking, Snapshots, Logs...). The window shows a tab only for the classes it handles,
 * gives it the selected object, and forwards every cache batch of the selected server so the
 * tab can update in place. Tabs read the cache and run LagoonActions; they never call XenAPI.
 */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-cache.h"
#include "lagoon-server.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_TAB (lagoon_tab_get_type ())

G_DECLARE_INTERFACE (LagoonTab, lagoon_tab, LAGOON, TAB, GtkWidget)

struct _LagoonTabInterface
{
  GTypeInterface parent_iface;

  /* Whether the tab has anything to show for an object of @class_id. */
  gboolean (*handles)    (LagoonTab        *self,
                          int               class_id);
  /* Shows @ref of @class_id on @server (NULL server: nothing; let go of the old object). */
  void     (*set_object) (LagoonTab        *self,
                          LagoonServer     *server,
                          int               class_id,
                          const char       *ref);
  /* A batch of changes arrived in the selected server's cache (optional). */
  void     (*batch)      (LagoonTab        *self,
                          LagoonCache      *cache,
                          LagoonCacheBatch *batch);
};

gboolean lagoon_tab_handles    (LagoonTab        *self,
                                int               class_id);
void     lagoon_tab_set_object (LagoonTab        *self,
                                LagoonServer     *server,
                                int               class_id,
                                const char       *ref);
void     lagoon_tab_batch      (LagoonTab        *self,
                                LagoonCache      *cache,
                                LagoonCacheBatch *batch);

G_END_DECLS
