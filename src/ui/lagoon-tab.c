/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-ui"

#include "config.h"

#include "lagoon-tab.h"

G_DEFINE_INTERFACE (LagoonTab, lagoon_tab, GTK_TYPE_WIDGET)

static void
lagoon_tab_default_init (LagoonTabInterface *iface)
{
}

gboolean
lagoon_tab_handles (LagoonTab *self,
                    int        class_id)
{
  LagoonTabInterface *iface;

  g_return_val_if_fail (LAGOON_IS_TAB (self), FALSE);

  iface = LAGOON_TAB_GET_IFACE (self);
  return iface->handles != NULL && iface->handles (self, class_id);
}

void
lagoon_tab_set_object (LagoonTab    *self,
                       LagoonServer *server,
                       int           class_id,
                       const char   *ref)
{
  g_return_if_fail (LAGOON_IS_TAB (self));

  LAGOON_TAB_GET_IFACE (self)->set_object (self, server, class_id, ref);
}

void
lagoon_tab_batch (LagoonTab        *self,
                  LagoonCache      *cache,
                  LagoonCacheBatch *batch)
{
  LagoonTabInterface *iface;

  g_return_if_fail (LAGOON_IS_TAB (self));

  iface = LAGOON_TAB_GET_IFACE (self);
  if (iface->batch != NULL)
    iface->batch (self, cache, batch);
}
