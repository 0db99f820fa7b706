/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-ui"

#include "config.h"

#include "lagoon-snapshots-page.h"

struct _LagoonSnapshotsPage
{
  GtkBox parent_instance;
};

static void lagoon_snapshots_page_tab_init (LagoonTabInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LagoonSnapshotsPage, lagoon_snapshots_page, GTK_TYPE_BOX,
                               G_IMPLEMENT_INTERFACE (LAGOON_TYPE_TAB, lagoon_snapshots_page_tab_init))

static gboolean
lagoon_snapshots_page_handles (LagoonTab *tab,
                     int        class_id)
{
  return FALSE;
}

static void
lagoon_snapshots_page_set_object (LagoonTab    *tab,
                        LagoonServer *server,
                        int           class_id,
                        const char   *ref)
{
}

static void
lagoon_snapshots_page_tab_init (LagoonTabInterface *iface)
{
  iface->handles = lagoon_snapshots_page_handles;
  iface->set_object = lagoon_snapshots_page_set_object;
}

GtkWidget *
lagoon_snapshots_page_new (void)
{
  return g_object_new (LAGOON_TYPE_SNAPSHOTS_PAGE, NULL);
}

static void
lagoon_snapshots_page_class_init (LagoonSnapshotsPageClass *klass)
{
}

static void
lagoon_snapshots_page_init (LagoonSnapshotsPage *self)
{
}
