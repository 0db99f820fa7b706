/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-ui"

#include "config.h"

#include "lagoon-networking-page.h"

struct _LagoonNetworkingPage
{
  GtkBox parent_instance;
};

static void lagoon_networking_page_tab_init (LagoonTabInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LagoonNetworkingPage, lagoon_networking_page, GTK_TYPE_BOX,
                               G_IMPLEMENT_INTERFACE (LAGOON_TYPE_TAB, lagoon_networking_page_tab_init))

static gboolean
lagoon_networking_page_handles (LagoonTab *tab,
                     int        class_id)
{
  return FALSE;
}

static void
lagoon_networking_page_set_object (LagoonTab    *tab,
                        LagoonServer *server,
                        int           class_id,
                        const char   *ref)
{
}

static void
lagoon_networking_page_tab_init (LagoonTabInterface *iface)
{
  iface->handles = lagoon_networking_page_handles;
  iface->set_object = lagoon_networking_page_set_object;
}

GtkWidget *
lagoon_networking_page_new (void)
{
  return g_object_new (LAGOON_TYPE_NETWORKING_PAGE, NULL);
}

static void
lagoon_networking_page_class_init (LagoonNetworkingPageClass *klass)
{
}

static void
lagoon_networking_page_init (LagoonNetworkingPage *self)
{
}
