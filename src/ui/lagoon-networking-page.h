/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-networking-page.h: the Networking tab (a LagoonTab). Not written yet: handles no class, so the
 * window never shows it.
 */
#pragma once

#include "lagoon-tab.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_NETWORKING_PAGE (lagoon_networking_page_get_type ())

G_DECLARE_FINAL_TYPE (LagoonNetworkingPage, lagoon_networking_page, LAGOON, NETWORKING_PAGE, GtkBox)

GtkWidget *lagoon_networking_page_new (void);

G_END_DECLS
