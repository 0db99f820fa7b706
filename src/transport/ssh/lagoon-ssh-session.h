/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-ssh-session.h: one SSH session to a pool (libssh2), owned by one I/O thread.
 *
 * Each direct-tcpip channel is pumped to one end of a socketpair; the other end is returned
 * as a GIOStream (a GSocketConnection), so the HTTP client, the event long-poll and the VNC
 * consoles all read and write ordinary sockets. When the session dies every stream gets
 * end-of-file and the session emits ::closed with the reason.
 *
 * Host keys are checked against known_hosts (hashed entries, [host]:port, every key type).
 * An unknown key fails the connection with LAGOON_SSH_ERROR_HOST_KEY_UNKNOWN: the caller
 * shows lagoon_ssh_session_get_host_key_fingerprint(), and if the user accepts, calls
 * lagoon_ssh_session_trust_host_key() and connects again. A changed key fails with
 * LAGOON_SSH_ERROR_HOST_KEY_CHANGED, always.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LAGOON_SSH_ERROR (lagoon_ssh_error_quark ())

typedef enum {
  LAGOON_SSH_ERROR_FAILED,
  LAGOON_SSH_ERROR_CONNECT,            /* TCP connection or handshake failed */
  LAGOON_SSH_ERROR_HOST_KEY_UNKNOWN,   /* not in known_hosts; ask the user */
  LAGOON_SSH_ERROR_HOST_KEY_CHANGED,   /* known_hosts has another key: refused */
  LAGOON_SSH_ERROR_PASSWORD_NEEDED,    /* no key worked; the server takes a password */
  LAGOON_SSH_ERROR_PASSPHRASE_NEEDED,  /* an identity file is encrypted */
  LAGOON_SSH_ERROR_AUTH_FAILED,        /* every method was tried and refused */
  LAGOON_SSH_ERROR_CHANNEL,            /* the server refused to open a channel */
  LAGOON_SSH_ERROR_DISCONNECTED,       /* the session is closed or died */
} LagoonSshError;

GQuark lagoon_ssh_error_quark (void);

#define LAGOON_TYPE_SSH_SESSION (lagoon_ssh_session_get_type ())

G_DECLARE_FINAL_TYPE (LagoonSshSession, lagoon_ssh_session, LAGOON, SSH_SESSION, GObject)

LagoonSshSession *lagoon_ssh_session_new                      (const char          *host,
                                                               guint16              port,
                                                               const char          *user);
const char       *lagoon_ssh_session_get_host                 (LagoonSshSession    *self);
guint16           lagoon_ssh_session_get_port                 (LagoonSshSession    *self);
const char       *lagoon_ssh_session_get_user                 (LagoonSshSession    *self);

/* Settings, before connecting. */
void              lagoon_ssh_session_set_identity_files       (LagoonSshSession    *self,
                                                               const char * const  *paths);
void              lagoon_ssh_session_set_known_hosts_file     (LagoonSshSession    *self,
                                                               const char          *path);
void              lagoon_ssh_session_set_use_agent            (LagoonSshSession    *self,
                                                               gboolean             use_agent);
void              lagoon_ssh_session_set_password             (LagoonSshSession    *self,
                                                               const char          *password);
void              lagoon_ssh_session_set_passphrase           (LagoonSshSession    *self,
                                                               const char          *passphrase);
void              lagoon_ssh_session_set_accept_new_host_key  (LagoonSshSession    *self,
                                                               gboolean             accept);
void              lagoon_ssh_session_set_keepalive_interval   (LagoonSshSession    *self,
                                                               guint                seconds);
void              lagoon_ssh_session_set_connect_timeout      (LagoonSshSession    *self,
                                                               guint                seconds);
void              lagoon_ssh_session_set_jump                 (LagoonSshSession    *self,
                                                               LagoonSshSession    *jump);

/* Blocking; call from a worker thread. */
gboolean          lagoon_ssh_session_connect                  (LagoonSshSession    *self,
                                                               GCancellable        *cancellable,
                                                               GError             **error);
void              lagoon_ssh_session_connect_async            (LagoonSshSession    *self,
                                                               GCancellable        *cancellable,
                                                               GAsyncReadyCallback  callback,
                                                               gpointer             user_data);
gboolean          lagoon_ssh_session_connect_finish           (LagoonSshSession    *self,
                                                               GAsyncResult        *result,
                                                               GError             **error);
gboolean          lagoon_ssh_session_is_connected             (LagoonSshSession    *self);

/* Opens a direct-tcpip channel to @host:@port as seen from the SSH server. Thread-safe. */
GIOStream        *lagoon_ssh_session_open_channel             (LagoonSshSession    *self,
                                                               const char          *host,
                                                               guint16              port,
                                                               GCancellable        *cancellable,
                                                               GError             **error);
void              lagoon_ssh_session_open_channel_async       (LagoonSshSession    *self,
                                                               const char          *host,
                                                               guint16              port,
                                                               GCancellable        *cancellable,
                                                               GAsyncReadyCallback  callback,
                                                               gpointer             user_data);
GIOStream        *lagoon_ssh_session_open_channel_finish      (LagoonSshSession    *self,
                                                               GAsyncResult        *result,
                                                               GError             **error);
guint             lagoon_ssh_session_get_n_channels           (LagoonSshSession    *self);

void              lagoon_ssh_session_disconnect               (LagoonSshSession    *self);

/* The server's host key as seen at the last connection attempt. */
const char       *lagoon_ssh_session_get_host_key_fingerprint (LagoonSshSession    *self);
const char       *lagoon_ssh_session_get_host_key_type        (LagoonSshSession    *self);
/* Appends the key seen at the last attempt to known_hosts. */
gboolean          lagoon_ssh_session_trust_host_key           (LagoonSshSession    *self,
                                                               GError             **error);

G_END_DECLS
