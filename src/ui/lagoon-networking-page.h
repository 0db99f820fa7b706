/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-networking-page.h: the Networking tab (a LagoonTab). A VM: its virtual interfaces
 * with their network, MAC and the guest's IP addresses, with Add, Remove and Properties. A
 * host: its NICs (link, speed), bonds and VLANs and its management interface. A pool: its
 * networks with VLAN tag, MTU, NICs and how many VM interfaces use each.
 */
#pragma once

#include "lagoon-tab.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_NETWORKING_PAGE (lagoon_networking_page_get_type ())

G_DECLARE_FINAL_TYPE (LagoonNetworkingPage, lagoon_networking_page, LAGOON, NETWORKING_PAGE,
                      GtkBox)

GtkWidget *lagoon_networking_page_new       (void);

/* Why @mac cannot be a VIF's MAC address (a sentence), or NULL when it can. */
char      *lagoon_networking_page_check_mac (const char *mac);

G_END_DECLS
