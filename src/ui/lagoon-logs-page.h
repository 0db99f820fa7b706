/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-logs-page.h: the Logs tab (a LagoonTab) of a pool, host, VM or SR: the alerts xapi
 * keeps as `message` objects about that object (a pool: all of them), with severity (priority
 * 1–5: Critical, Major, Warning, Minor, Information), time, title and body; a severity filter;
 * Dismiss and Dismiss All (message.destroy through an action). Live as messages come and go.
 */
#pragma once

#include "lagoon-tab.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_LOGS_PAGE (lagoon_logs_page_get_type ())

G_DECLARE_FINAL_TYPE (LagoonLogsPage, lagoon_logs_page, LAGOON, LOGS_PAGE, GtkBox)

GtkWidget *lagoon_logs_page_new (void);

/* The severity xapi's priority @priority stands for ("Critical"... translated). */
const char *lagoon_logs_severity_name (gint64 priority);
/* A title for a message named @name (VM_STARTED...) with @body (for ALARMs). Free it. */
char       *lagoon_logs_message_title (const char *name,
                                       const char *body);

G_END_DECLS
