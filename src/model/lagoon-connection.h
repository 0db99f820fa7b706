/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-connection.h: one pool: session, calls, and the live cache fed by event.from.
 *
 * The connection logs in (following HOST_IS_SLAVE to the coordinator), fills its cache with
 * event.from from an empty token on an HTTP connection of its own, then keeps it current
 * with event.from on the returned token. EVENTS_LOST resyncs; SESSION_INVALID logs in again;
 * a lost transport reconnects with backoff, trying the other pool members it knows when the
 * coordinator does not answer. Bad credentials and refused host keys fail for good: the user
 * must act. The object lives on the main thread; blocking work runs in worker threads.
 */
#pragma once

#include <gio/gio.h>

#include "lagoon-cache.h"
#include "lagoon-stream-opener.h"

G_BEGIN_DECLS

typedef enum {
  LAGOON_CONNECTION_DISCONNECTED,
  LAGOON_CONNECTION_CONNECTING,
  LAGOON_CONNECTION_CONNECTED,
  LAGOON_CONNECTION_RECONNECTING,
  LAGOON_CONNECTION_FAILED,
} LagoonConnectionState;

#define LAGOON_XENAPI_VERSION "2.21"

#define LAGOON_TYPE_CONNECTION (lagoon_connection_get_type ())

G_DECLARE_FINAL_TYPE (LagoonConnection, lagoon_connection, LAGOON, CONNECTION, GObject)

LagoonConnection     *lagoon_connection_new               (LagoonStreamOpener   *opener,
                                                           const char           *host,
                                                           guint16               port,
                                                           gboolean              tls);
void                  lagoon_connection_set_credentials   (LagoonConnection     *self,
                                                           const char           *user,
                                                           const char           *password);
/* Seconds between reconnection attempts start at @initial and double up to @max. */
void                  lagoon_connection_set_backoff       (LagoonConnection     *self,
                                                           guint                 initial_ms,
                                                           guint                 max_ms);
/* event.from timeout, seconds (default 30). */
void                  lagoon_connection_set_event_timeout (LagoonConnection     *self,
                                                           double                seconds);

LagoonCache          *lagoon_connection_get_cache         (LagoonConnection     *self);
LagoonStreamOpener   *lagoon_connection_get_opener        (LagoonConnection     *self);
LagoonConnectionState lagoon_connection_get_state         (LagoonConnection     *self);
/* A sentence for the user: "Connecting to …", "Connection lost: … Reconnecting in 4 s". */
const char           *lagoon_connection_get_status        (LagoonConnection     *self);
/* Why the connection failed or was last lost, or NULL. */
const GError         *lagoon_connection_get_error         (LagoonConnection     *self);
/* The address calls go to now (the coordinator's, after a redirect). */
char                 *lagoon_connection_dup_host          (LagoonConnection     *self);
guint16               lagoon_connection_get_port          (LagoonConnection     *self);
char                 *lagoon_connection_dup_session_ref   (LagoonConnection     *self);
/* Every pool member's address, as last seen (for coordinator failover). */
GStrv                 lagoon_connection_dup_member_addresses (LagoonConnection  *self);

/* Milliseconds from connect() to the login, and to the first complete cache. */
gint64                lagoon_connection_get_login_time_ms (LagoonConnection     *self);
gint64                lagoon_connection_get_ready_time_ms (LagoonConnection     *self);
guint64               lagoon_connection_get_events_received (LagoonConnection   *self);

void                  lagoon_connection_connect           (LagoonConnection     *self);
void                  lagoon_connection_disconnect        (LagoonConnection     *self);

/* Calls "Class.message" with the session as first argument followed by @args (a tuple,
 * floating references are sunk). SESSION_INVALID logs in again and retries once. The sync
 * form blocks and may be called from any thread; not from the main thread of a GUI. */
GVariant             *lagoon_connection_call_sync         (LagoonConnection     *self,
                                                           const char           *method,
                                                           GVariant             *args,
                                                           GCancellable         *cancellable,
                                                           GError              **error);
void                  lagoon_connection_call_async        (LagoonConnection     *self,
                                                           const char           *method,
                                                           GVariant             *args,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
GVariant             *lagoon_connection_call_finish       (LagoonConnection     *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

G_END_DECLS
