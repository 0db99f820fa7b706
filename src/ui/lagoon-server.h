/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-server.h: one pool the user added (or the demo), as the window shows it: how to
 * reach it (SSH tunnel, direct HTTP or pinned TLS, or the local simulator), the live
 * LagoonConnection, and the resource view built over its cache.
 *
 * The description (everything but secrets) round-trips through a{sv} for GSettings.
 */
#pragma once

#include <gio/gio.h>

#include "lagoon-connection.h"
#include "lagoon-ssh-session.h"

G_BEGIN_DECLS

typedef enum {
  LAGOON_SERVER_SSH,     /* xapi reached through an SSH tunnel (the default) */
  LAGOON_SERVER_DIRECT,  /* HTTP to port 80 or TLS to port 443, pinned by fingerprint */
  LAGOON_SERVER_DEMO,    /* the local simulator, on loopback */
} LagoonServerKind;

#define LAGOON_TYPE_SERVER (lagoon_server_get_type ())

G_DECLARE_FINAL_TYPE (LagoonServer, lagoon_server, LAGOON, SERVER, GObject)

LagoonServer     *lagoon_server_new               (LagoonServerKind   kind,
                                                   const char        *address,
                                                   GError           **error);
LagoonServer     *lagoon_server_new_from_variant  (GVariant          *description,
                                                   GError           **error);
GVariant         *lagoon_server_to_variant        (LagoonServer      *self);

LagoonServerKind  lagoon_server_get_kind          (LagoonServer      *self);
/* What the user typed ("root@pool1:2222", "ssh://...", an ssh-config alias, a host). */
const char       *lagoon_server_get_address       (LagoonServer      *self);
/* A stable key for the keyring and for duplicates: "ssh:root@host:22>127.0.0.1:80". */
const char       *lagoon_server_get_key           (LagoonServer      *self);
/* The pool's name once known, else the address. */
char             *lagoon_server_dup_display_name  (LagoonServer      *self);

void              lagoon_server_set_xapi_target   (LagoonServer      *self,
                                                   const char        *host,
                                                   guint16            port,
                                                   gboolean           tls);
const char       *lagoon_server_get_xapi_host     (LagoonServer      *self);
guint16           lagoon_server_get_xapi_port     (LagoonServer      *self);
gboolean          lagoon_server_get_tls           (LagoonServer      *self);
void              lagoon_server_set_user          (LagoonServer      *self,
                                                   const char        *user);
const char       *lagoon_server_get_user          (LagoonServer      *self);
/* Direct TLS: the pinned SHA-256 fingerprint (NULL: ask on first connection). */
void              lagoon_server_set_fingerprint   (LagoonServer      *self,
                                                   const char        *fingerprint);
const char       *lagoon_server_get_fingerprint   (LagoonServer      *self);
/* SSH: where host keys are checked (default ~/.ssh/known_hosts). */
void              lagoon_server_set_known_hosts   (LagoonServer      *self,
                                                   const char        *path);

/* Creates the connection (once) and connects it with @password (not kept here). */
void              lagoon_server_connect           (LagoonServer      *self,
                                                   const char        *password);
void              lagoon_server_disconnect        (LagoonServer      *self);
/* Connects again with the password given last. */
void              lagoon_server_reconnect         (LagoonServer      *self);
/* Whether a password was given (an empty one counts). */
gboolean          lagoon_server_has_password      (LagoonServer      *self);
LagoonConnection *lagoon_server_get_connection    (LagoonServer      *self);
/* g_get_monotonic_time() of the last connect (0: never), for measurements. */
gint64            lagoon_server_get_connect_time  (LagoonServer      *self);
/* The SSH session of an SSH server (NULL otherwise). */
LagoonSshSession *lagoon_server_get_ssh_session   (LagoonServer      *self);
/* For the SSH password and passphrase prompts: applied before the next connect. */
void              lagoon_server_set_ssh_password  (LagoonServer      *self,
                                                   const char        *password);
void              lagoon_server_set_ssh_passphrase (LagoonServer     *self,
                                                   const char        *passphrase);
/* A TLS certificate seen on first use and waiting for the user: its fingerprint, or NULL. */
char             *lagoon_server_dup_pending_certificate (LagoonServer *self);

G_END_DECLS
