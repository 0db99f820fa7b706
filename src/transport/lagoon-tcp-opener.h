/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "lagoon-stream-opener.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_TCP_OPENER (lagoon_tcp_opener_get_type ())
G_DECLARE_FINAL_TYPE (LagoonTcpOpener, lagoon_tcp_opener, LAGOON, TCP_OPENER, GObject)

/* Direct TCP connections, with TLS pinned by certificate fingerprint when asked (port 443).
 *
 * On first use of a TLS host:port (no pin) the "accept-certificate" signal is emitted in
 * the connecting thread with (host, port, fingerprint); a handler returning TRUE trusts the
 * certificate and it is pinned (read it back with lagoon_tcp_opener_dup_pin to persist it).
 * With no handler, or all returning FALSE, the connection fails with
 * LAGOON_TRANSPORT_ERROR_CERTIFICATE. A pinned host presenting another certificate is
 * refused, naming both fingerprints. */
LagoonTcpOpener *lagoon_tcp_opener_new             (void);

/* Connect timeout in milliseconds (default 30000; 0 = the system's). */
void             lagoon_tcp_opener_set_timeout     (LagoonTcpOpener *self,
                                                    guint            timeout_ms);
void             lagoon_tcp_opener_set_pin         (LagoonTcpOpener *self,
                                                    const char      *host,
                                                    guint16          port,
                                                    const char      *fingerprint);
char            *lagoon_tcp_opener_dup_pin         (LagoonTcpOpener *self,
                                                    const char      *host,
                                                    guint16          port);

G_END_DECLS
