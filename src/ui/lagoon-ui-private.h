/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Columns of the resource tree's model (ui/lagoon-window.ui, resource_store). */
enum {
  LAGOON_RESOURCE_COLUMN_ICON_NAME,
  LAGOON_RESOURCE_COLUMN_NAME,
  LAGOON_RESOURCE_N_COLUMNS
};

void       lagoon_ui_register_resources (void);
GSettings *lagoon_ui_create_settings    (void);
/* g_get_monotonic_time() when the application object was created. */
gint64     lagoon_ui_get_start_time     (void);

G_END_DECLS
