/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The demo: a local xapi-sim process serving a generated pool. This object finds the
 * simulator, starts it, learns its address and keeps it alive until it is stopped or
 * finalized. It knows nothing about widgets. */

#define LAGOON_DEMO_ERROR (lagoon_demo_error_quark ())

typedef enum {
  LAGOON_DEMO_ERROR_NOT_FOUND,  /* no xapi-sim executable was found */
  LAGOON_DEMO_ERROR_FAILED,     /* it could not start, exited or printed no address */
  LAGOON_DEMO_ERROR_TIMED_OUT,  /* it did not report its address in time */
} LagoonDemoError;

#define LAGOON_TYPE_DEMO (lagoon_demo_get_type ())

G_DECLARE_FINAL_TYPE (LagoonDemo, lagoon_demo, LAGOON, DEMO, GObject)

GQuark      lagoon_demo_error_quark        (void);
char       *lagoon_demo_find_simulator     (GError            **error);
gboolean    lagoon_demo_parse_listen_line  (const char         *line,
                                            char              **uri);
LagoonDemo *lagoon_demo_new                (void);
void        lagoon_demo_set_timeout        (LagoonDemo         *self,
                                            guint               timeout_ms);
void        lagoon_demo_start_async        (LagoonDemo         *self,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
gboolean    lagoon_demo_start_finish       (LagoonDemo         *self,
                                            GAsyncResult       *result,
                                            GError            **error);
const char *lagoon_demo_get_uri            (LagoonDemo         *self);
gboolean    lagoon_demo_get_running        (LagoonDemo         *self);
void        lagoon_demo_stop               (LagoonDemo         *self);

G_END_DECLS
