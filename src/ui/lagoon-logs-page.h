/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-logs-page.h: the Logs tab (a LagoonTab). Not written yet: handles no class, so the
 * window never shows it.
 */
#pragma once

#include "lagoon-tab.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_LOGS_PAGE (lagoon_logs_page_get_type ())

G_DECLARE_FINAL_TYPE (LagoonLogsPage, lagoon_logs_page, LAGOON, LOGS_PAGE, GtkBox)

GtkWidget *lagoon_logs_page_new (void);

G_END_DECLS
