/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LAGOON_TRANSPORT_ERROR (lagoon_transport_error_quark ())

/* Failures below the XenAPI: the bytes did not arrive, or were not what a server sends. */
typedef enum {
  LAGOON_TRANSPORT_ERROR_FAILED,            /* anything else */
  LAGOON_TRANSPORT_ERROR_CONNECT,           /* could not reach the server */
  LAGOON_TRANSPORT_ERROR_CLOSED,            /* the peer closed the connection */
  LAGOON_TRANSPORT_ERROR_TIMED_OUT,         /* no answer in time */
  LAGOON_TRANSPORT_ERROR_PROTOCOL,          /* malformed HTTP or XML-RPC */
  LAGOON_TRANSPORT_ERROR_TOO_LARGE,         /* a reply over the configured bound */
  LAGOON_TRANSPORT_ERROR_HTTP_STATUS,       /* an HTTP status other than success */
  LAGOON_TRANSPORT_ERROR_HOST_KEY_UNKNOWN,  /* SSH host key not in known_hosts */
  LAGOON_TRANSPORT_ERROR_HOST_KEY_CHANGED,  /* SSH host key differs from known_hosts */
  LAGOON_TRANSPORT_ERROR_AUTH,              /* authentication failed */
  LAGOON_TRANSPORT_ERROR_CERTIFICATE,       /* TLS certificate not trusted */
  LAGOON_TRANSPORT_ERROR_REDIRECT,          /* too many or invalid HTTP redirects */
} LagoonTransportError;

GQuark lagoon_transport_error_quark (void);

G_END_DECLS
