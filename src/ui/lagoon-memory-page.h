/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-memory-page.h: the Memory tab (a LagoonTab). A VM: its static and dynamic ranges and
 * current usage, with an Edit dialog (dynamic range while running, every limit while halted)
 * that explains invalid values before sending anything. A host: its memory as a bar, split
 * between Xen, the control domain and each resident VM, with what is free. A pool: each host.
 */
#pragma once

#include "lagoon-tab.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_MEMORY_PAGE (lagoon_memory_page_get_type ())

G_DECLARE_FINAL_TYPE (LagoonMemoryPage, lagoon_memory_page, LAGOON, MEMORY_PAGE, GtkBox)

GtkWidget *lagoon_memory_page_new            (void);

/* Why these four values cannot be sent (a sentence), or NULL when static_min ≤ dynamic_min ≤
 * dynamic_max ≤ static_max and all are above zero. */
char      *lagoon_memory_page_check_limits   (gint64 static_min,
                                              gint64 static_max,
                                              gint64 dynamic_min,
                                              gint64 dynamic_max);

G_END_DECLS
