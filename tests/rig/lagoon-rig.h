/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lagoon-rig.h: test fixtures (sshd, loopback servers, simulator, QEMU guest, RFB client)
 *
 * Everything here is for tests: it spawns real processes, listens on 127.0.0.1 only and keeps its
 * files in a temporary directory named lagoon-rig-XXXXXX. Child processes are started with
 * PR_SET_PDEATHSIG, so they die with the thread that started them even when a test aborts: start
 * fixtures from the test's main thread.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LAGOON_RIG_ERROR (lagoon_rig_error_quark ())

typedef enum
{
  LAGOON_RIG_ERROR_NOT_FOUND,   /* a program or file the fixture needs is missing: skip the test */
  LAGOON_RIG_ERROR_FAILED,      /* the fixture could not start or misbehaved */
  LAGOON_RIG_ERROR_TIMED_OUT,
  LAGOON_RIG_ERROR_PROTOCOL,    /* the peer broke the protocol (RFB) */
} LagoonRigError;

GQuark lagoon_rig_error_quark (void);

/* True when the error means "this machine lacks what the fixture needs". */
gboolean lagoon_rig_error_is_missing (const GError *error);

/* A TCP port on 127.0.0.1 that was free a moment ago (racy by nature: retry on collision). */
guint16 lagoon_rig_free_port (void);

/* Blocks until a TCP connection to 127.0.0.1:port succeeds or timeout_ms passes. */
gboolean lagoon_rig_wait_for_port (guint16 port, guint timeout_ms);

/* True when a TCP connection to 127.0.0.1:port is accepted right now. */
gboolean lagoon_rig_port_accepts (guint16 port);

/* ---- sshd --------------------------------------------------------------------------------- */

typedef struct _LagoonRigSshd LagoonRigSshd;

typedef struct
{
  gboolean            password_auth;   /* PasswordAuthentication yes, PermitRootLogin yes */
  gboolean            rsa_host_key;    /* also offer an RSA host key (both go in known_hosts) */
  guint16             port;            /* 0: pick a free port */
  const char * const *extra_config;    /* NULL-terminated sshd_config lines, appended */
} LagoonRigSshdOptions;

LagoonRigSshd *lagoon_rig_sshd_start                    (const LagoonRigSshdOptions *opts,
                                                         GError                    **error);
/* SIGKILL open sessions, SIGTERM the daemon (SIGKILL after 5 s), wait, remove the temporary
 * directory, free. NULL is fine. */
void           lagoon_rig_sshd_stop                     (LagoonRigSshd              *self);
/* SIGKILL the daemon and its connection processes (open sessions drop at once, as when a host
 * dies) and reap it; keys, known_hosts and the directory stay. */
void           lagoon_rig_sshd_kill                     (LagoonRigSshd              *self);
/* Start the daemon again on the same port with the same keys (after kill, or while running). */
gboolean       lagoon_rig_sshd_restart                  (LagoonRigSshd              *self,
                                                         GError                    **error);
gboolean       lagoon_rig_sshd_is_running               (LagoonRigSshd              *self);

GPid           lagoon_rig_sshd_get_pid                  (LagoonRigSshd              *self);
guint16        lagoon_rig_sshd_get_port                 (LagoonRigSshd              *self);
const char    *lagoon_rig_sshd_get_host                 (LagoonRigSshd              *self);
const char    *lagoon_rig_sshd_get_user                 (LagoonRigSshd              *self);
const char    *lagoon_rig_sshd_get_dir                  (LagoonRigSshd              *self);
const char    *lagoon_rig_sshd_get_log_path             (LagoonRigSshd              *self);
/* The last lines of the daemon's log (for failure messages). */
char          *lagoon_rig_sshd_get_log_tail             (LagoonRigSshd              *self,
                                                         guint                       n_lines);

/* Authorised, unencrypted ed25519 key (OpenSSH format) and its .pub. */
const char    *lagoon_rig_sshd_get_key_path             (LagoonRigSshd              *self);
const char    *lagoon_rig_sshd_get_public_key_path      (LagoonRigSshd              *self);
/* Authorised ed25519 key encrypted with the passphrase below. */
const char    *lagoon_rig_sshd_get_encrypted_key_path   (LagoonRigSshd              *self);
const char    *lagoon_rig_sshd_get_passphrase           (LagoonRigSshd              *self);
/* A valid ed25519 key that is NOT authorised. */
const char    *lagoon_rig_sshd_get_unauthorized_key_path (LagoonRigSshd             *self);

/* The ed25519 host key: "ssh-ed25519 AAAA...", the decoded key blob, "SHA256:..." as ssh-keygen
 * prints it (unpadded base64 of the SHA-256 of the blob). */
const char    *lagoon_rig_sshd_get_host_key             (LagoonRigSshd              *self);
GBytes        *lagoon_rig_sshd_get_host_key_blob        (LagoonRigSshd              *self);
const char    *lagoon_rig_sshd_get_host_key_fingerprint (LagoonRigSshd              *self);
/* The RSA host key line, or NULL unless rsa_host_key was asked. */
const char    *lagoon_rig_sshd_get_rsa_host_key         (LagoonRigSshd              *self);

/* known_hosts with "[127.0.0.1]:PORT <host key>"; the same with a different key for that host;
 * the first one hashed by ssh-keygen -H. */
const char    *lagoon_rig_sshd_get_known_hosts_path     (LagoonRigSshd              *self);
const char    *lagoon_rig_sshd_get_changed_known_hosts_path (LagoonRigSshd          *self);
const char    *lagoon_rig_sshd_get_hashed_known_hosts_path (LagoonRigSshd           *self);

/* argv for the OpenSSH client ("ssh", found on PATH) against this server: options first (ssh
 * keeps the first value given for an option, so they override the rest), then isolation from
 * ~/.ssh and agents, batch mode, strict host key checking against known_hosts (NULL: the rig's),
 * identity (NULL: the rig's key), then USER@127.0.0.1 (NULL: the rig's user), then command. */
char         **lagoon_rig_sshd_ssh_argv                 (LagoonRigSshd              *self,
                                                         const char                 *user,
                                                         const char                 *identity,
                                                         const char                 *known_hosts,
                                                         const char * const         *options,
                                                         const char * const         *command);

/* ---- throwaway user (root only) -------------------------------------------------------- */

typedef struct _LagoonRigUser LagoonRigUser;

/* Adds a local user "lagoonrigXXXXXX" with this password, shell /bin/sh, home /, for password
 * authentication tests. Needs root (LAGOON_RIG_ERROR_NOT_FOUND otherwise). Users left by a test
 * process that died are removed first. */
LagoonRigUser *lagoon_rig_user_add      (const char     *password,
                                         GError        **error);
/* userdel, free. NULL is fine. */
void           lagoon_rig_user_remove   (LagoonRigUser  *self);
const char    *lagoon_rig_user_get_name (LagoonRigUser  *self);

/* ---- echo server ------------------------------------------------------------------------ */

typedef struct _LagoonRigEcho LagoonRigEcho;

/* A TCP echo server on 127.0.0.1:<free port>, served by its own threads. */
LagoonRigEcho *lagoon_rig_echo_start                (GError       **error);
void           lagoon_rig_echo_stop                 (LagoonRigEcho *self);
guint16        lagoon_rig_echo_get_port             (LagoonRigEcho *self);
guint          lagoon_rig_echo_get_connection_count (LagoonRigEcho *self);
guint64        lagoon_rig_echo_get_bytes_echoed     (LagoonRigEcho *self);

/* ---- xapi-sim ----------------------------------------------------------------------------- */

typedef struct _LagoonRigSim LagoonRigSim;

/* Path of the simulator: $LAGOON_XAPI_SIM, else $LAGOON_BUILDDIR/tests/xapi-sim/xapi-sim.
 * Returns NULL (and sets LAGOON_RIG_ERROR_NOT_FOUND) when it does not exist. */
char          *lagoon_rig_sim_find_binary  (GError             **error);
/* Runs "xapi-sim --port 0 EXTRA_ARGS..." and waits (20 s) for its stdout line
 * "xapi-sim: listening on http://ADDR:PORT". */
LagoonRigSim  *lagoon_rig_sim_start        (const char * const  *extra_args,
                                            GError             **error);
void           lagoon_rig_sim_stop         (LagoonRigSim        *self);
const char    *lagoon_rig_sim_get_address  (LagoonRigSim        *self);
guint16        lagoon_rig_sim_get_port     (LagoonRigSim        *self);
/* "http://ADDR:PORT" */
const char    *lagoon_rig_sim_get_url      (LagoonRigSim        *self);
GPid           lagoon_rig_sim_get_pid      (LagoonRigSim        *self);
const char    *lagoon_rig_sim_get_dir      (LagoonRigSim        *self);
const char    *lagoon_rig_sim_get_log_path (LagoonRigSim        *self);
char          *lagoon_rig_sim_get_log_tail (LagoonRigSim        *self,
                                            guint                n_lines);

/* ---- QEMU guest ------------------------------------------------------------------------- */

typedef struct _LagoonRigQemu LagoonRigQemu;

/* The GRUB guest (a grub> shell): $LAGOON_GUEST_ISO, else $LAGOON_BUILDDIR/tests/rig/guest.iso.
 * Under TCG its keyboard polling keeps a host core busy while it waits. */
char          *lagoon_rig_guest_iso_find      (GError        **error);
/* The idle guest (a boot sector echoing keys at a "lagoon> " prompt, halting between keys):
 * $LAGOON_GUEST_IDLE_ISO, else $LAGOON_BUILDDIR/tests/rig/guest-idle.iso. Almost no CPU. */
char          *lagoon_rig_guest_idle_iso_find (GError        **error);
/* qemu-system-x86_64 (TCG, 32 MiB, std VGA, no display) booting the ISO, its VNC server on a
 * unix socket in a temporary directory; returns once the socket accepts connections. */
LagoonRigQemu *lagoon_rig_qemu_start       (const char     *iso,
                                            GError        **error);
void           lagoon_rig_qemu_stop        (LagoonRigQemu  *self);
const char    *lagoon_rig_qemu_get_vnc_path (LagoonRigQemu *self);
GPid           lagoon_rig_qemu_get_pid     (LagoonRigQemu  *self);
char          *lagoon_rig_qemu_get_log_tail (LagoonRigQemu *self,
                                             guint          n_lines);

/* ---- minimal RFB 3.8 client ------------------------------------------------------------- */

typedef struct _LagoonRigRfb LagoonRigRfb;

/* Both do the handshake (RFB 3.8, security None, shared), read ServerInit and ask for 32 bpp
 * true colour (0x00RRGGBB in host order) in raw encoding. new_for_fd takes the fd. */
LagoonRigRfb  *lagoon_rig_rfb_connect_unix (const char     *path,
                                            guint           timeout_ms,
                                            GError        **error);
LagoonRigRfb  *lagoon_rig_rfb_new_for_fd   (int             fd,
                                            guint           timeout_ms,
                                            GError        **error);
void           lagoon_rig_rfb_free         (LagoonRigRfb   *self);
guint          lagoon_rig_rfb_get_width    (LagoonRigRfb   *self);
guint          lagoon_rig_rfb_get_height   (LagoonRigRfb   *self);
const char    *lagoon_rig_rfb_get_name     (LagoonRigRfb   *self);
/* Requests a full update and returns width*height 32-bit pixels, row by row. */
GBytes        *lagoon_rig_rfb_grab         (LagoonRigRfb   *self,
                                            guint           timeout_ms,
                                            GError        **error);
gboolean       lagoon_rig_rfb_send_key     (LagoonRigRfb   *self,
                                            guint32         keysym,
                                            gboolean        down,
                                            GError        **error);
/* Presses and releases each character ('\n' is Return). ASCII only. */
gboolean       lagoon_rig_rfb_type         (LagoonRigRfb   *self,
                                            const char     *text,
                                            GError        **error);

/* Pixel helpers for grabs of the same size. */
guint          lagoon_rig_pixels_count_different (GBytes     *a,
                                                  GBytes     *b);
guint          lagoon_rig_pixels_count_matching  (GBytes     *pixels,
                                                  guint32     rgb,
                                                  guint       tolerance);
guint          lagoon_rig_pixels_count_not       (GBytes     *pixels,
                                                  guint32     rgb);
gboolean       lagoon_rig_pixels_save_ppm        (GBytes     *pixels,
                                                  guint       width,
                                                  guint       height,
                                                  const char *path,
                                                  GError    **error);

/* Both test guests' background colour (white on blue text mode). */
#define LAGOON_RIG_GUEST_BACKGROUND 0x0000a8

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LagoonRigSshd, lagoon_rig_sshd_stop)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LagoonRigEcho, lagoon_rig_echo_stop)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LagoonRigUser, lagoon_rig_user_remove)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LagoonRigSim, lagoon_rig_sim_stop)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LagoonRigQemu, lagoon_rig_qemu_stop)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LagoonRigRfb, lagoon_rig_rfb_free)

G_END_DECLS
