/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-storage-page.h: the Storage tab (a LagoonTab). A VM: its disks (VBD → VDI) with Add,
 * Attach, Detach, Delete and Properties, and its CD drive with an ISO chooser, Insert and
 * Eject. An SR: its VDIs with size, usage bars and the VMs using them. A host or a pool: its
 * SRs with type, sharing, size, used and free space.
 */
#pragma once

#include "lagoon-tab.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_STORAGE_PAGE (lagoon_storage_page_get_type ())

G_DECLARE_FINAL_TYPE (LagoonStoragePage, lagoon_storage_page, LAGOON, STORAGE_PAGE, GtkBox)

GtkWidget *lagoon_storage_page_new (void);

G_END_DECLS
