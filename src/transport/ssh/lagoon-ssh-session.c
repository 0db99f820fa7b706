/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-ssh"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <libssh2.h>

#include "lagoon-ssh-session.h"
#include "lagoon-context.h"

#ifndef MSG_NOSIGNAL
# define MSG_NOSIGNAL 0
#endif

#define CHANNEL_BUFFER_SIZE (128 * 1024)
#define SOCKET_BUFFER_SIZE  (256 * 1024)

G_DEFINE_QUARK (lagoon-ssh-error-quark, lagoon_ssh_error)

typedef struct
{
  LIBSSH2_CHANNEL *channel;
  int              fd;            /* the I/O thread's end of the socketpair */
  char            *to_local;      /* read from the channel, not yet written to fd */
  gsize            to_local_len;
  gsize            to_local_off;
  char            *to_remote;     /* read from fd, not yet written to the channel */
  gsize            to_remote_len;
  gsize            to_remote_off;
  guint            local_eof : 1; /* the application shut its side */
  guint            local_hup : 1; /* ... and closed it entirely */
  guint            eof_sent : 1;
  guint            remote_eof : 1;
  guint            local_shut : 1;
  guint            closing : 1;
} Channel;

typedef struct
{
  char        *host;
  guint16      port;
  GMutex       mutex;
  GCond        cond;
  gboolean     done;
  gboolean     abandoned;         /* the waiter gave up (cancelled) */
  GIOStream   *stream;
  GError      *error;
} OpenRequest;

struct _LagoonSshSession
{
  GObject            parent_instance;

  char              *host;
  guint16            port;
  char              *user;
  GStrv              identity_files;
  char              *known_hosts_file;
  char              *password;
  char              *passphrase;
  LagoonSshSession  *jump;
  guint              keepalive_interval;
  guint              connect_timeout;
  guint              use_agent : 1;
  guint              accept_new_host_key : 1;

  GMainContext      *main_context;

  /* Connection state: set up by connect(), then owned by the I/O thread. */
  GMutex             mutex;
  GIOStream         *transport;       /* TCP connection, or a channel of the jump session */
  LIBSSH2_SESSION   *session;
  GThread           *thread;
  int                wake_fds[2];
  GQueue             requests;        /* OpenRequest*, guarded by mutex */
  gboolean           stopping;        /* guarded by mutex */
  gboolean           connected;       /* guarded by mutex */
  guint              n_channels;      /* guarded by mutex */

  /* Host key seen at the last attempt. */
  char              *host_key_fingerprint;
  char              *host_key_type;
  GBytes            *host_key;
  int                host_key_mask;
};

G_DEFINE_FINAL_TYPE (LagoonSshSession, lagoon_ssh_session, G_TYPE_OBJECT)

enum {
  CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
ensure_libssh2 (void)
{
  static gsize initialized;

  if (g_once_init_enter (&initialized))
    {
      libssh2_init (0);
      g_once_init_leave (&initialized, 1);
    }
}

static void
open_request_free (OpenRequest *req)
{
  g_free (req->host);
  g_mutex_clear (&req->mutex);
  g_cond_clear (&req->cond);
  g_clear_object (&req->stream);
  g_clear_error (&req->error);
  g_free (req);
}

static void
lagoon_ssh_session_dispose (GObject *object)
{
  LagoonSshSession *self = LAGOON_SSH_SESSION (object);

  lagoon_ssh_session_disconnect (self);
  g_clear_object (&self->jump);
  G_OBJECT_CLASS (lagoon_ssh_session_parent_class)->dispose (object);
}

static void
lagoon_ssh_session_finalize (GObject *object)
{
  LagoonSshSession *self = LAGOON_SSH_SESSION (object);

  g_free (self->host);
  g_free (self->user);
  g_strfreev (self->identity_files);
  g_free (self->known_hosts_file);
  if (self->password)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  if (self->passphrase)
    memset (self->passphrase, 0, strlen (self->passphrase));
  g_free (self->passphrase);
  g_free (self->host_key_fingerprint);
  g_free (self->host_key_type);
  g_clear_pointer (&self->host_key, g_bytes_unref);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_mutex_clear (&self->mutex);
  G_OBJECT_CLASS (lagoon_ssh_session_parent_class)->finalize (object);
}

static void
lagoon_ssh_session_class_init (LagoonSshSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lagoon_ssh_session_dispose;
  object_class->finalize = lagoon_ssh_session_finalize;

  /**
   * LagoonSshSession::closed:
   * @error: why the session ended
   *
   * Emitted on the main context of the thread that created the session when an
   * established session ends for any reason other than lagoon_ssh_session_disconnect().
   */
  signals[CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
lagoon_ssh_session_init (LagoonSshSession *self)
{
  g_mutex_init (&self->mutex);
  g_queue_init (&self->requests);
  self->use_agent = TRUE;
  self->keepalive_interval = 15;
  self->connect_timeout = 15;
  self->wake_fds[0] = self->wake_fds[1] = -1;
  self->main_context = g_main_context_ref_thread_default ();
}

LagoonSshSession *
lagoon_ssh_session_new (const char *host,
                        guint16     port,
                        const char *user)
{
  LagoonSshSession *self;

  g_return_val_if_fail (host != NULL, NULL);

  self = g_object_new (LAGOON_TYPE_SSH_SESSION, NULL);
  self->host = g_strdup (host);
  self->port = port ? port : 22;
  self->user = g_strdup (user ? user : g_get_user_name ());
  return self;
}

const char *
lagoon_ssh_session_get_host (LagoonSshSession *self)
{
  g_return_val_if_fail (LAGOON_IS_SSH_SESSION (self), NULL);
  return self->host;
}

guint16
lagoon_ssh_session_get_port (LagoonSshSession *self)
{
  g_return_val_if_fail (LAGOON_IS_SSH_SESSION (self), 0);
  return self->port;
}

const char *
lagoon_ssh_session_get_user (LagoonSshSession *self)
{
  g_return_val_if_fail (LAGOON_IS_SSH_SESSION (self), NULL);
  return self->user;
}

void
lagoon_ssh_session_set_identity_files (LagoonSshSession   *self,
                                       const char * const *paths)
{
  g_return_if_fail (LAGOON_IS_SSH_SESSION (self));
  g_strfreev (self->identity_files);
  self->identity_files = g_strdupv ((char **) paths);
}

void
lagoon_ssh_session_set_known_hosts_file (LagoonSshSession *self,
                                         const char       *path)
{
  g_return_if_fail (LAGOON_IS_SSH_SESSION (self));
  g_free (self->known_hosts_file);
  self->known_hosts_file = g_strdup (path);
}

void
lagoon_ssh_session_set_use_agent (LagoonSshSession *self,
                                  gboolean          use_agent)
{
  g_return_if_fail (LAGOON_IS_SSH_SESSION (self));
  self->use_agent = !!use_agent;
}

static void
replace_secret (char       **slot,
                const char  *value)
{
  if (*slot)
    memset (*slot, 0, strlen (*slot));
  g_free (*slot);
  *slot = g_strdup (value);
}

void
lagoon_ssh_session_set_password (LagoonSshSession *self,
                                 const char       *password)
{
  g_return_if_fail (LAGOON_IS_SSH_SESSION (self));
  replace_secret (&self->password, password);
}

void
lagoon_ssh_session_set_passphrase (LagoonSshSession *self,
                                   const char       *passphrase)
{
  g_return_if_fail (LAGOON_IS_SSH_SESSION (self));
  replace_secret (&self->passphrase, passphrase);
}

void
lagoon_ssh_session_set_accept_new_host_key (LagoonSshSession *self,
                                            gboolean          accept)
{
  g_return_if_fail (LAGOON_IS_SSH_SESSION (self));
  self->accept_new_host_key = !!accept;
}

void
lagoon_ssh_session_set_keepalive_interval (LagoonSshSession *self,
                                           guint             seconds)
{
  g_return_if_fail (LAGOON_IS_SSH_SESSION (self));
  self->keepalive_interval = seconds;
}

void
lagoon_ssh_session_set_connect_timeout (LagoonSshSession *self,
                                        guint             seconds)
{
  g_return_if_fail (LAGOON_IS_SSH_SESSION (self));
  self->connect_timeout = seconds;
}

void
lagoon_ssh_session_set_jump (LagoonSshSession *self,
                             LagoonSshSession *jump)
{
  g_return_if_fail (LAGOON_IS_SSH_SESSION (self));
  g_return_if_fail (jump == NULL || LAGOON_IS_SSH_SESSION (jump));
  g_set_object (&self->jump, jump);
}

gboolean
lagoon_ssh_session_is_connected (LagoonSshSession *self)
{
  gboolean ret;

  g_return_val_if_fail (LAGOON_IS_SSH_SESSION (self), FALSE);
  g_mutex_lock (&self->mutex);
  ret = self->connected;
  g_mutex_unlock (&self->mutex);
  return ret;
}

guint
lagoon_ssh_session_get_n_channels (LagoonSshSession *self)
{
  guint ret;

  g_return_val_if_fail (LAGOON_IS_SSH_SESSION (self), 0);
  g_mutex_lock (&self->mutex);
  ret = self->n_channels;
  g_mutex_unlock (&self->mutex);
  return ret;
}

const char *
lagoon_ssh_session_get_host_key_fingerprint (LagoonSshSession *self)
{
  g_return_val_if_fail (LAGOON_IS_SSH_SESSION (self), NULL);
  return self->host_key_fingerprint;
}

const char *
lagoon_ssh_session_get_host_key_type (LagoonSshSession *self)
{
  g_return_val_if_fail (LAGOON_IS_SSH_SESSION (self), NULL);
  return self->host_key_type;
}

/* ---- errors ----------------------------------------------------------------- */

static const char *
session_error_message (LIBSSH2_SESSION *session)
{
  char *msg = NULL;

  if (session == NULL)
    return "";
  libssh2_session_last_error (session, &msg, NULL, 0);
  return msg ? msg : "";
}

/* ---- known_hosts ------------------------------------------------------------- */

static char *
known_hosts_path (LagoonSshSession *self)
{
  if (self->known_hosts_file)
    return g_strdup (self->known_hosts_file);
  return g_build_filename (g_get_home_dir (), ".ssh", "known_hosts", NULL);
}

static const struct {
  int         hostkey_type;
  int         knownhost_mask;
  const char *name;
  const char *methods;
} key_types[] = {
  { LIBSSH2_HOSTKEY_TYPE_ED25519,   LIBSSH2_KNOWNHOST_KEY_ED25519,   "ssh-ed25519",
    "ssh-ed25519" },
  { LIBSSH2_HOSTKEY_TYPE_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_256, "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp256" },
  { LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_384, "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp384" },
  { LIBSSH2_HOSTKEY_TYPE_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_ECDSA_521, "ecdsa-sha2-nistp521",
    "ecdsa-sha2-nistp521" },
  { LIBSSH2_HOSTKEY_TYPE_RSA,       LIBSSH2_KNOWNHOST_KEY_SSHRSA,    "ssh-rsa",
    "rsa-sha2-512,rsa-sha2-256,ssh-rsa" },
  { LIBSSH2_HOSTKEY_TYPE_DSS,       LIBSSH2_KNOWNHOST_KEY_SSHDSS,    "ssh-dss",
    "ssh-dss" },
};

static LIBSSH2_KNOWNHOSTS *
load_known_hosts (LIBSSH2_SESSION *session,
                  const char      *path)
{
  LIBSSH2_KNOWNHOSTS *hosts = libssh2_knownhost_init (session);

  if (hosts != NULL && g_file_test (path, G_FILE_TEST_EXISTS))
    {
      /* readfile stops at the first line it cannot parse (for example a @cert-authority
       * line), so read line by line and skip what libssh2 does not understand. */
      g_autofree char *contents = NULL;
      if (g_file_get_contents (path, &contents, NULL, NULL))
        {
          g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);
          for (guint i = 0; lines[i]; i++)
            if (lines[i][0] != '\0' && lines[i][0] != '#')
              libssh2_knownhost_readline (hosts, lines[i], strlen (lines[i]),
                                          LIBSSH2_KNOWNHOST_FILE_OPENSSH);
        }
    }
  return hosts;
}

/* Key types known_hosts holds for this host, so the handshake prefers them as OpenSSH does. */
static char *
known_key_methods (LIBSSH2_SESSION    *session,
                   LIBSSH2_KNOWNHOSTS *hosts,
                   const char         *host,
                   int                 port)
{
  static const char dummy[] = "not-a-key";
  GString *known = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (key_types); i++)
    {
      int r = libssh2_knownhost_checkp (hosts, host, port, dummy, sizeof dummy,
                                        LIBSSH2_KNOWNHOST_TYPE_PLAIN |
                                        LIBSSH2_KNOWNHOST_KEYENC_RAW |
                                        key_types[i].knownhost_mask, NULL);
      if (r == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
        g_string_append_printf (known, "%s%s", known->len ? "," : "", key_types[i].methods);
    }
  if (known->len == 0)
    return g_string_free (known, TRUE), NULL;

  for (guint i = 0; i < G_N_ELEMENTS (key_types); i++)
    if (strstr (known->str, key_types[i].name) == NULL)
      g_string_append_printf (known, ",%s", key_types[i].methods);
  return g_string_free (known, FALSE);
}

/* @prefs without the names this libssh2 does not implement, or NULL when none is left.
 * libssh2 1.10 strips unknown names itself, but with an overlapping memcpy (undefined
 * behaviour, reported by AddressSanitizer), so it must only ever see names it knows. */
static char *
supported_methods (LIBSSH2_SESSION *session,
                   int              method_type,
                   const char      *prefs)
{
  const char **algs = NULL;
  int n_algs = libssh2_session_supported_algs (session, method_type, &algs);
  g_auto(GStrv) names = g_strsplit (prefs, ",", -1);
  GString *kept = g_string_new (NULL);

  for (guint i = 0; names[i] != NULL; i++)
    for (int j = 0; j < n_algs; j++)
      if (g_strcmp0 (names[i], algs[j]) == 0)
        {
          g_string_append_printf (kept, "%s%s", kept->len ? "," : "", names[i]);
          break;
        }
  if (algs != NULL)
    libssh2_free (session, algs);
  if (kept->len == 0)
    return g_string_free (kept, TRUE), NULL;
  return g_string_free (kept, FALSE);
}

/* The line of known_hosts whose key for this host differs from @key, or 0. */
static guint
find_mismatch_line (LIBSSH2_SESSION *session,
                    const char      *path,
                    const char      *host,
                    int              port,
                    const char      *key,
                    gsize            key_len,
                    int              mask)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      LIBSSH2_KNOWNHOSTS *one;
      int r = LIBSSH2_KNOWNHOST_CHECK_NOTFOUND;

      if (lines[i][0] == '\0' || lines[i][0] == '#')
        continue;
      one = libssh2_knownhost_init (session);
      if (libssh2_knownhost_readline (one, lines[i], strlen (lines[i]),
                                      LIBSSH2_KNOWNHOST_FILE_OPENSSH) == 0)
        r = libssh2_knownhost_checkp (one, host, port, key, key_len,
                                      LIBSSH2_KNOWNHOST_TYPE_PLAIN |
                                      LIBSSH2_KNOWNHOST_KEYENC_RAW | mask, NULL);
      libssh2_knownhost_free (one);
      if (r == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
        return i + 1;
    }
  return 0;
}

static char *
known_hosts_name (const char *host,
                  guint16     port)
{
  if (port == 22)
    return g_strdup (host);
  return g_strdup_printf ("[%s]:%u", host, port);
}

static gboolean
append_known_host (LagoonSshSession *self,
                   LIBSSH2_SESSION  *session,
                   GError          **error)
{
  g_autofree char *path = known_hosts_path (self);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *name = known_hosts_name (self->host, self->port);
  LIBSSH2_KNOWNHOSTS *hosts;
  struct libssh2_knownhost *entry = NULL;
  char line[8192];
  size_t line_len = 0;
  gsize key_len;
  const char *key;
  int r;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileOutputStream) out = NULL;

  if (self->host_key == NULL)
    {
      g_set_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_FAILED,
                   _("No host key has been seen for %s yet"), self->host);
      return FALSE;
    }
  key = g_bytes_get_data (self->host_key, &key_len);

  hosts = libssh2_knownhost_init (session);
  r = libssh2_knownhost_addc (hosts, name, NULL, key, key_len, NULL, 0,
                              LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
                              self->host_key_mask, &entry);
  if (r == 0)
    r = libssh2_knownhost_writeline (hosts, entry, line, sizeof line, &line_len,
                                     LIBSSH2_KNOWNHOST_FILE_OPENSSH);
  libssh2_knownhost_free (hosts);
  if (r != 0)
    {
      g_set_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_FAILED,
                   _("Could not format the host key of %s for %s"), self->host, path);
      return FALSE;
    }

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  file = g_file_new_for_path (path);
  out = g_file_append_to (file, G_FILE_CREATE_PRIVATE, NULL, error);
  if (out == NULL ||
      !g_output_stream_write_all (G_OUTPUT_STREAM (out), line, line_len, NULL, NULL, error) ||
      !g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error))
    {
      g_prefix_error (error, _("Could not add the host key to %s: "), path);
      return FALSE;
    }
  g_debug ("Added %s key of %s to %s", self->host_key_type, name, path);
  return TRUE;
}

gboolean
lagoon_ssh_session_trust_host_key (LagoonSshSession  *self,
                                   GError           **error)
{
  LIBSSH2_SESSION *tmp;
  gboolean ret;

  g_return_val_if_fail (LAGOON_IS_SSH_SESSION (self), FALSE);

  ensure_libssh2 ();
  tmp = libssh2_session_init ();
  ret = append_known_host (self, tmp, error);
  libssh2_session_free (tmp);
  return ret;
}

static gboolean
check_host_key (LagoonSshSession *self,
                LIBSSH2_SESSION  *session,
                GError          **error)
{
  g_autofree char *path = known_hosts_path (self);
  LIBSSH2_KNOWNHOSTS *hosts;
  const char *key;
  const unsigned char *hash;
  size_t key_len = 0;
  int type = 0;
  int mask = LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
  int r;

  key = libssh2_session_hostkey (session, &key_len, &type);
  if (key == NULL)
    {
      g_set_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_CONNECT,
                   _("%s did not present a host key"), self->host);
      return FALSE;
    }

  g_clear_pointer (&self->host_key_type, g_free);
  for (guint i = 0; i < G_N_ELEMENTS (key_types); i++)
    if (key_types[i].hostkey_type == type)
      {
        mask = key_types[i].knownhost_mask;
        self->host_key_type = g_strdup (key_types[i].name);
      }
  if (self->host_key_type == NULL)
    self->host_key_type = g_strdup ("unknown");

  g_clear_pointer (&self->host_key, g_bytes_unref);
  self->host_key = g_bytes_new (key, key_len);
  self->host_key_mask = mask;

  hash = (const unsigned char *) libssh2_hostkey_hash (session, LIBSSH2_HOSTKEY_HASH_SHA256);
  g_clear_pointer (&self->host_key_fingerprint, g_free);
  if (hash != NULL)
    {
      g_autofree char *b64 = g_base64_encode (hash, 32);
      gsize n = strlen (b64);
      while (n > 0 && b64[n - 1] == '=')
        b64[--n] = '\0';
      self->host_key_fingerprint = g_strdup_printf ("SHA256:%s", b64);
    }
  else
    self->host_key_fingerprint = g_strdup ("SHA256:?");

  hosts = load_known_hosts (session, path);
  r = libssh2_knownhost_checkp (hosts, self->host, self->port, key, key_len,
                                LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | mask,
                                NULL);
  libssh2_knownhost_free (hosts);

  switch (r)
    {
    case LIBSSH2_KNOWNHOST_CHECK_MATCH:
      return TRUE;

    case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
      {
        guint line = find_mismatch_line (session, path, self->host, self->port, key, key_len, mask);
        g_autofree char *name = known_hosts_name (self->host, self->port);
        g_set_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_HOST_KEY_CHANGED,
                     _("The host key of %s has changed: the server now presents the %s key %s, "
                       "but %s line %u holds another key for this host. Someone may be "
                       "intercepting the connection, or the host was reinstalled. Lagoon refuses "
                       "to connect. If you know why the key changed, remove the old key with "
                       "“ssh-keygen -R '%s' -f %s” and connect again."),
                     self->host, self->host_key_type, self->host_key_fingerprint, path, line,
                     name, path);
        return FALSE;
      }

    case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
      if (self->accept_new_host_key)
        return append_known_host (self, session, error);
      g_set_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_HOST_KEY_UNKNOWN,
                   _("The authenticity of %s cannot be established: its %s key %s is not in %s."),
                   self->host, self->host_key_type, self->host_key_fingerprint, path);
      return FALSE;

    default:
      g_set_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_FAILED,
                   _("Could not check the host key of %s against %s"), self->host, path);
      return FALSE;
    }
}

/* ---- authentication ----------------------------------------------------------- */

static gboolean
key_file_is_encrypted (const char *path)
{
  g_autofree char *contents = NULL;
  const char *begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
  const char *p;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;
  if (strstr (contents, "ENCRYPTED") != NULL)
    return TRUE;
  p = strstr (contents, begin);
  if (p != NULL)
    {
      /* openssh-key-v1\0, then the cipher name as a length-prefixed string. */
      g_autoptr(GString) b64 = g_string_new (NULL);
      g_autofree guchar *raw = NULL;
      gsize raw_len = 0;
      const char *end;

      p += strlen (begin);
      end = strstr (p, "-----END");
      if (end == NULL)
        return FALSE;
      for (; p < end; p++)
        if (!g_ascii_isspace (*p))
          g_string_append_c (b64, *p);
      raw = g_base64_decode (b64->str, &raw_len);
      if (raw_len > 15 + 4 && memcmp (raw, "openssh-key-v1", 15) == 0)
        {
          guint32 n = ((guint32) raw[15] << 24) | (raw[16] << 16) | (raw[17] << 8) | raw[18];
          return !(n == 4 && raw_len >= 23 && memcmp (raw + 19, "none", 4) == 0);
        }
    }
  return FALSE;
}

static void
kbd_callback (const char                            *name,
              int                                    name_len,
              const char                            *instruction,
              int                                    instruction_len,
              int                                    num_prompts,
              const LIBSSH2_USERAUTH_KBDINT_PROMPT  *prompts,
              LIBSSH2_USERAUTH_KBDINT_RESPONSE      *responses,
              void                                 **abstract)
{
  LagoonSshSession *self = *abstract;

  for (int i = 0; i < num_prompts; i++)
    {
      /* libssh2 frees the responses with its own allocator, which defaults to free(). */
      const char *answer = self->password ? self->password : "";
      responses[i].text = strdup (answer);
      responses[i].length = (unsigned int) strlen (answer);
    }
}

static gboolean
method_allowed (const char *methods,
                const char *method)
{
  g_auto(GStrv) list = NULL;

  if (methods == NULL)
    return FALSE;
  list = g_strsplit (methods, ",", -1);
  return g_strv_contains ((const char * const *) list, method);
}

static gboolean
authenticate (LagoonSshSession *self,
              LIBSSH2_SESSION  *session,
              GError          **error)
{
  const char *methods;
  g_autoptr(GPtrArray) identities = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *encrypted_key = NULL;
  g_autofree char *tried = NULL;

  methods = libssh2_userauth_list (session, self->user, (unsigned int) strlen (self->user));
  if (methods == NULL)
    {
      if (libssh2_userauth_authenticated (session))
        return TRUE;
      g_set_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_CONNECT,
                   _("%s closed the connection during authentication: %s"), self->host,
                   session_error_message (session));
      return FALSE;
    }
  tried = g_strdup (methods);
  g_debug ("%s offers authentication methods: %s", self->host, methods);

  /* 1. ssh-agent */
  if (self->use_agent && method_allowed (methods, "publickey") && g_getenv ("SSH_AUTH_SOCK"))
    {
      LIBSSH2_AGENT *agent = libssh2_agent_init (session);
      gboolean ok = FALSE;

      if (agent != NULL && libssh2_agent_connect (agent) == 0 &&
          libssh2_agent_list_identities (agent) == 0)
        {
          struct libssh2_agent_publickey *identity = NULL, *prev = NULL;
          while (!ok && libssh2_agent_get_identity (agent, &identity, prev) == 0)
            {
              if (libssh2_agent_userauth (agent, self->user, identity) == 0)
                ok = TRUE;
              prev = identity;
            }
        }
      if (agent != NULL)
        {
          libssh2_agent_disconnect (agent);
          libssh2_agent_free (agent);
        }
      if (ok)
        return TRUE;
    }

  /* 2. identity files */
  if (self->identity_files != NULL && self->identity_files[0] != NULL)
    for (guint i = 0; self->identity_files[i]; i++)
      g_ptr_array_add (identities, g_strdup (self->identity_files[i]));
  else
    {
      const char *defaults[] = { "id_ed25519", "id_ecdsa", "id_rsa" };
      for (guint i = 0; i < G_N_ELEMENTS (defaults); i++)
        g_ptr_array_add (identities, g_build_filename (g_get_home_dir (), ".ssh", defaults[i],
                                                       NULL));
    }

  if (method_allowed (methods, "publickey"))
    for (guint i = 0; i < identities->len; i++)
      {
        const char *path = identities->pdata[i];
        gboolean encrypted;

        if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
          continue;
        encrypted = key_file_is_encrypted (path);
        if (encrypted && self->passphrase == NULL)
          {
            if (encrypted_key == NULL)
              encrypted_key = g_strdup (path);
            continue;
          }
        if (libssh2_userauth_publickey_fromfile_ex (session, self->user,
                                                    (unsigned int) strlen (self->user), NULL,
                                                    path, encrypted ? self->passphrase : NULL) == 0)
          return TRUE;
        g_debug ("Key %s refused: %s", path, session_error_message (session));
        if (encrypted && encrypted_key == NULL)
          encrypted_key = g_strdup (path);
      }

  /* 3. keyboard-interactive and password, when we have one */
  if (self->password != NULL)
    {
      if (method_allowed (methods, "keyboard-interactive") &&
          libssh2_userauth_keyboard_interactive (session, self->user, kbd_callback) == 0)
        return TRUE;
      if (method_allowed (methods, "password") &&
          libssh2_userauth_password (session, self->user, self->password) == 0)
        return TRUE;
      g_set_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_AUTH_FAILED,
                   _("%s@%s refused the password. Check the user name and password."),
                   self->user, self->host);
      return FALSE;
    }

  if (encrypted_key != NULL)
    {
      g_set_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_PASSPHRASE_NEEDED,
                   self->passphrase ? _("The passphrase for %s is wrong.")
                                    : _("The key %s is protected by a passphrase."),
                   encrypted_key);
      return FALSE;
    }

  if (method_allowed (methods, "password") || method_allowed (methods, "keyboard-interactive"))
    {
      g_set_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_PASSWORD_NEEDED,
                   _("No key was accepted by %s@%s; it asks for a password."),
                   self->user, self->host);
      return FALSE;
    }

  g_set_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_AUTH_FAILED,
               _("%s@%s refused every key (the server accepts: %s). Load your key into "
                 "ssh-agent, or name it with an IdentityFile line in ~/.ssh/config."),
               self->user, self->host, tried);
  return FALSE;
}

/* ---- the I/O thread -------------------------------------------------------------- */

static void
wake_io_thread (LagoonSshSession *self)
{
  char c = 1;

  if (self->wake_fds[1] >= 0)
    while (write (self->wake_fds[1], &c, 1) < 0 && errno == EINTR)
      ;
}

static void
set_socket_options (int fd)
{
  int size = SOCKET_BUFFER_SIZE;

  setsockopt (fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
#ifdef SO_NOSIGPIPE
  {
    int one = 1;
    setsockopt (fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
  }
#endif
}

static Channel *
channel_new (LIBSSH2_CHANNEL *ch,
             int              fd)
{
  Channel *c = g_new0 (Channel, 1);

  c->channel = ch;
  c->fd = fd;
  c->to_local = g_malloc (CHANNEL_BUFFER_SIZE);
  c->to_remote = g_malloc (CHANNEL_BUFFER_SIZE);
  return c;
}

static void
channel_free (Channel *c)
{
  if (c->fd >= 0)
    close (c->fd);
  g_free (c->to_local);
  g_free (c->to_remote);
  g_free (c);
}

static void
finish_request (OpenRequest *req,
                GIOStream   *stream,
                GError      *error)
{
  gboolean abandoned;

  g_mutex_lock (&req->mutex);
  req->stream = stream;
  req->error = error;
  req->done = TRUE;
  abandoned = req->abandoned;
  g_cond_signal (&req->cond);
  g_mutex_unlock (&req->mutex);
  if (abandoned)
    open_request_free (req);
}

/* Tries to open the channel of @req; returns FALSE while libssh2 wants to be called again. */
static gboolean
try_open (LagoonSshSession *self,
          OpenRequest      *req,
          GPtrArray        *channels)
{
  LIBSSH2_CHANNEL *ch;
  int fds[2];
  GSocket *socket;
  GError *error = NULL;

  ch = libssh2_channel_direct_tcpip_ex (self->session, req->host, req->port, "127.0.0.1", 0);
  if (ch == NULL)
    {
      int err = libssh2_session_last_errno (self->session);
      if (err == LIBSSH2_ERROR_EAGAIN)
        return FALSE;
      finish_request (req, NULL,
                      g_error_new (LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_CHANNEL,
                                   _("The SSH server %s could not open a connection to %s port "
                                     "%u (%s). Check that the service listens there and that "
                                     "the server allows TCP forwarding."),
                                   self->host, req->host, req->port,
                                   session_error_message (self->session)));
      return TRUE;
    }

  if (socketpair (AF_UNIX, SOCK_STREAM, 0, fds) != 0)
    {
      int saved = errno;
      while (libssh2_channel_free (ch) == LIBSSH2_ERROR_EAGAIN)
        ;
      finish_request (req, NULL, g_error_new (G_IO_ERROR, g_io_error_from_errno (saved),
                                              "socketpair: %s", g_strerror (saved)));
      return TRUE;
    }
  set_socket_options (fds[0]);
  set_socket_options (fds[1]);
  g_unix_set_fd_nonblocking (fds[0], TRUE, NULL);
  fcntl (fds[0], F_SETFD, FD_CLOEXEC);
  fcntl (fds[1], F_SETFD, FD_CLOEXEC);

  socket = g_socket_new_from_fd (fds[1], &error);
  if (socket == NULL)
    {
      close (fds[0]);
      close (fds[1]);
      while (libssh2_channel_free (ch) == LIBSSH2_ERROR_EAGAIN)
        ;
      finish_request (req, NULL, error);
      return TRUE;
    }

  g_ptr_array_add (channels, channel_new (ch, fds[0]));
  g_mutex_lock (&self->mutex);
  self->n_channels = channels->len;
  g_mutex_unlock (&self->mutex);

  finish_request (req, G_IO_STREAM (g_socket_connection_factory_create_connection (socket)),
                  NULL);
  g_object_unref (socket);
  return TRUE;
}

static gboolean
is_fatal (ssize_t r)
{
  return r < 0 && r != LIBSSH2_ERROR_EAGAIN;
}

/* Moves bytes both ways; returns TRUE if anything moved. Sets @fatal on session errors. */
static gboolean
pump_channel (LagoonSshSession *self,
              Channel          *c,
              int              *fatal)
{
  gboolean progress = FALSE;
  ssize_t r;

  /* remote -> local */
  for (;;)
    {
      if (c->to_local_off == c->to_local_len && !c->remote_eof)
        {
          c->to_local_off = c->to_local_len = 0;
          r = libssh2_channel_read (c->channel, c->to_local, CHANNEL_BUFFER_SIZE);
          if (r > 0)
            {
              c->to_local_len = (gsize) r;
              progress = TRUE;
            }
          else if (r == 0 || (r < 0 && r != LIBSSH2_ERROR_EAGAIN))
            {
              if (r < 0 && r != LIBSSH2_ERROR_CHANNEL_CLOSED && r != LIBSSH2_ERROR_CHANNEL_EOF_SENT)
                {
                  *fatal = (int) r;
                  return progress;
                }
              if (r < 0 || libssh2_channel_eof (c->channel))
                c->remote_eof = TRUE;
            }
        }
      if (c->to_local_off < c->to_local_len)
        {
          r = send (c->fd, c->to_local + c->to_local_off, c->to_local_len - c->to_local_off,
                    MSG_NOSIGNAL);
          if (r > 0)
            {
              c->to_local_off += (gsize) r;
              progress = TRUE;
              continue;
            }
          if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            {
              /* The application closed its stream. */
              c->closing = TRUE;
              c->to_local_off = c->to_local_len = 0;
            }
        }
      break;
    }
  if (c->remote_eof && c->to_local_off == c->to_local_len && !c->local_shut)
    {
      shutdown (c->fd, SHUT_WR);
      c->local_shut = TRUE;
      progress = TRUE;
    }

  /* local -> remote */
  for (;;)
    {
      if (c->to_remote_off == c->to_remote_len && !c->local_eof)
        {
          c->to_remote_off = c->to_remote_len = 0;
          r = recv (c->fd, c->to_remote, CHANNEL_BUFFER_SIZE, 0);
          if (r > 0)
            {
              c->to_remote_len = (gsize) r;
              progress = TRUE;
            }
          else if (r == 0)
            {
              c->local_eof = TRUE;
              progress = TRUE;
            }
          else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            {
              c->local_eof = TRUE;
              c->closing = TRUE;
            }
        }
      if (c->to_remote_off < c->to_remote_len)
        {
          r = libssh2_channel_write (c->channel, c->to_remote + c->to_remote_off,
                                     c->to_remote_len - c->to_remote_off);
          if (r > 0)
            {
              c->to_remote_off += (gsize) r;
              progress = TRUE;
              continue;
            }
          if (is_fatal (r))
            {
              if (r == LIBSSH2_ERROR_CHANNEL_CLOSED || r == LIBSSH2_ERROR_CHANNEL_EOF_SENT)
                c->closing = TRUE;
              else
                {
                  *fatal = (int) r;
                  return progress;
                }
            }
        }
      break;
    }
  if (c->local_eof && c->to_remote_off == c->to_remote_len && !c->eof_sent && !c->closing)
    {
      r = libssh2_channel_send_eof (c->channel);
      if (r == 0)
        {
          c->eof_sent = TRUE;
          progress = TRUE;
        }
      else if (is_fatal (r))
        c->closing = TRUE;
    }

  /* The application closed the stream entirely: nobody will read what comes back. */
  if (c->local_hup && c->local_eof)
    c->closing = TRUE;
  if (c->remote_eof && c->local_eof && c->local_shut && c->eof_sent)
    c->closing = TRUE;

  return progress;
}

/* Closes and frees channels marked closing; returns TRUE if any was freed. */
static gboolean
reap_channels (LagoonSshSession *self,
               GPtrArray        *channels)
{
  gboolean any = FALSE;

  for (guint i = 0; i < channels->len;)
    {
      Channel *c = channels->pdata[i];
      int r;

      if (!c->closing)
        {
          i++;
          continue;
        }
      r = libssh2_channel_close (c->channel);
      if (r == LIBSSH2_ERROR_EAGAIN)
        {
          i++;
          continue;
        }
      r = libssh2_channel_free (c->channel);
      if (r == LIBSSH2_ERROR_EAGAIN)
        {
          i++;
          continue;
        }
      channel_free (c);
      g_ptr_array_remove_index_fast (channels, i);
      any = TRUE;
    }
  if (any)
    {
      g_mutex_lock (&self->mutex);
      self->n_channels = channels->len;
      g_mutex_unlock (&self->mutex);
    }
  return any;
}

typedef struct
{
  LagoonSshSession *self;
  GError           *error;
} ClosedData;

static gboolean
emit_closed (gpointer data)
{
  ClosedData *cd = data;

  g_signal_emit (cd->self, signals[CLOSED], 0, cd->error);
  g_object_unref (cd->self);
  g_error_free (cd->error);
  g_free (cd);
  return G_SOURCE_REMOVE;
}

static gpointer
io_thread (gpointer data)
{
  LagoonSshSession *self = data;
  g_autoptr(GPtrArray) channels = g_ptr_array_new ();
  g_autoptr(GArray) pollfds = g_array_new (FALSE, TRUE, sizeof (GPollFD));
  OpenRequest *current = NULL;
  GError *death = NULL;
  int ssh_fd = g_socket_get_fd (g_socket_connection_get_socket (
                                  G_SOCKET_CONNECTION (self->transport)));
  gint64 next_keepalive = 0;
  gboolean ssh_idle_data = FALSE; /* unread bytes on the socket that no channel asks for */

  for (;;)
    {
      gboolean progress = FALSE;
      gboolean stopping;
      int fatal = 0;
      int timeout_ms;

      g_mutex_lock (&self->mutex);
      stopping = self->stopping;
      if (current == NULL && !stopping)
        current = g_queue_pop_head (&self->requests);
      g_mutex_unlock (&self->mutex);
      if (stopping)
        break;

      if (current != NULL && try_open (self, current, channels))
        {
          current = NULL;
          progress = TRUE;
        }

      for (guint i = 0; i < channels->len && fatal == 0; i++)
        progress |= pump_channel (self, channels->pdata[i], &fatal);
      if (fatal == 0)
        progress |= reap_channels (self, channels);

      if (fatal != 0 && fatal != LIBSSH2_ERROR_EAGAIN)
        {
          death = g_error_new (LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_DISCONNECTED,
                               _("The SSH connection to %s was lost: the server closed it or "
                                 "the network failed (%s)."), self->host,
                               session_error_message (self->session));
          break;
        }

      if (self->keepalive_interval > 0 && g_get_monotonic_time () >= next_keepalive)
        {
          int next = 0;
          if (libssh2_keepalive_send (self->session, &next) == LIBSSH2_ERROR_SOCKET_SEND)
            {
              death = g_error_new (LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_DISCONNECTED,
                                   _("The SSH connection to %s was lost: %s"), self->host,
                                   session_error_message (self->session));
              break;
            }
          next_keepalive = g_get_monotonic_time () + (gint64) MAX (next, 1) * G_USEC_PER_SEC;
        }

      if (progress)
        {
          ssh_idle_data = FALSE;
          continue;
        }
      if (current != NULL || channels->len > 0)
        ssh_idle_data = FALSE;

      /* Nothing moved: sleep until a socket is ready. */
      g_array_set_size (pollfds, 0);
      {
        GPollFD p = { ssh_fd, ssh_idle_data ? 0 : G_IO_IN, 0 };
        int dirs = libssh2_session_block_directions (self->session);
        if (dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND)
          p.events |= G_IO_OUT;
        g_array_append_val (pollfds, p);
      }
      {
        GPollFD p = { self->wake_fds[0], G_IO_IN, 0 };
        g_array_append_val (pollfds, p);
      }
      for (guint i = 0; i < channels->len; i++)
        {
          Channel *c = channels->pdata[i];
          GPollFD p = { c->fd, 0, 0 };
          if (c->to_remote_off == c->to_remote_len && !c->local_eof)
            p.events |= G_IO_IN;
          if (c->to_local_off < c->to_local_len)
            p.events |= G_IO_OUT;
          g_array_append_val (pollfds, p);
        }

      timeout_ms = self->keepalive_interval > 0 ? 1000 : -1;
      if (current != NULL || channels->len > 0)
        timeout_ms = 250; /* libssh2 may hold buffered data or a pending open */
      if (g_poll ((GPollFD *) pollfds->data, pollfds->len, timeout_ms) < 0 && errno != EINTR)
        {
          death = g_error_new (LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_DISCONNECTED,
                               "poll: %s", g_strerror (errno));
          break;
        }

      {
        GPollFD *p = &g_array_index (pollfds, GPollFD, 0);
        if ((p->revents & G_IO_IN) && channels->len == 0 && current == NULL)
          {
            /* Nobody will read this now: tell end-of-file from data, then stop polling it. */
            char c;
            ssize_t n = recv (ssh_fd, &c, 1, MSG_PEEK);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
              p->revents |= G_IO_HUP;
            else
              ssh_idle_data = TRUE;
            p->revents &= ~G_IO_IN;
          }
        if (p->revents & (G_IO_HUP | G_IO_ERR | G_IO_NVAL) && !(p->revents & G_IO_IN))
          {
            death = g_error_new (LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_DISCONNECTED,
                                 _("The SSH connection to %s was closed by the network or the "
                                   "server."), self->host);
            break;
          }
      }
      if (g_array_index (pollfds, GPollFD, 1).revents & G_IO_IN)
        {
          char buf[64];
          while (read (self->wake_fds[0], buf, sizeof buf) > 0)
            ;
        }
      for (guint i = 0; i < channels->len; i++)
        {
          GPollFD *p = &g_array_index (pollfds, GPollFD, i + 2);
          if (p->revents & G_IO_HUP)
            ((Channel *) channels->pdata[i])->local_hup = TRUE;
        }
    }

  /* Tear down: every stream sees end-of-file, pending opens fail. A live server gets a
   * clean close, bounded in time; a dead one gets nothing. */
  if (death == NULL)
    {
      libssh2_session_set_timeout (self->session, 2000);
      libssh2_session_set_blocking (self->session, 1);
    }
  for (guint i = 0; i < channels->len; i++)
    {
      Channel *c = channels->pdata[i];
      if (death == NULL)
        libssh2_channel_close (c->channel);
      libssh2_channel_free (c->channel);
      channel_free (c);
    }
  g_ptr_array_set_size (channels, 0);

  g_mutex_lock (&self->mutex);
  self->connected = FALSE;
  self->n_channels = 0;
  if (current != NULL)
    g_queue_push_head (&self->requests, current);
  while ((current = g_queue_pop_head (&self->requests)))
    {
      g_mutex_unlock (&self->mutex);
      finish_request (current, NULL,
                      death ? g_error_copy (death)
                            : g_error_new (LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_DISCONNECTED,
                                           _("The SSH session to %s is closed."), self->host));
      g_mutex_lock (&self->mutex);
    }
  g_mutex_unlock (&self->mutex);

  if (death != NULL)
    {
      ClosedData *cd = g_new0 (ClosedData, 1);
      g_debug ("%s", death->message);
      cd->self = g_object_ref (self);
      cd->error = death;
      lagoon_context_post (self->main_context, emit_closed, cd, NULL);
    }
  return NULL;
}

/* ---- connect --------------------------------------------------------------------- */

static void
release_connection (LagoonSshSession *self)
{
  if (self->session != NULL)
    {
      libssh2_session_set_blocking (self->session, 1);
      libssh2_session_disconnect (self->session, "Lagoon disconnects");
      libssh2_session_free (self->session);
      self->session = NULL;
    }
  g_clear_object (&self->transport);
  for (guint i = 0; i < 2; i++)
    if (self->wake_fds[i] >= 0)
      {
        close (self->wake_fds[i]);
        self->wake_fds[i] = -1;
      }
}

gboolean
lagoon_ssh_session_connect (LagoonSshSession  *self,
                            GCancellable      *cancellable,
                            GError           **error)
{
  g_autoptr(GIOStream) transport = NULL;
  LIBSSH2_SESSION *session;
  GSocket *socket;
  int fd;
  int r;

  g_return_val_if_fail (LAGOON_IS_SSH_SESSION (self), FALSE);

  ensure_libssh2 ();

  if (lagoon_ssh_session_is_connected (self))
    return TRUE;
  lagoon_ssh_session_disconnect (self);

  if (self->jump != NULL)
    {
      if (!lagoon_ssh_session_is_connected (self->jump) &&
          !lagoon_ssh_session_connect (self->jump, cancellable, error))
        {
          g_prefix_error (error, _("Jump host: "));
          return FALSE;
        }
      transport = lagoon_ssh_session_open_channel (self->jump, self->host, self->port,
                                                   cancellable, error);
      if (transport == NULL)
        return FALSE;
    }
  else
    {
      g_autoptr(GSocketClient) client = g_socket_client_new ();
      g_autoptr(GError) local_error = NULL;

      g_socket_client_set_timeout (client, self->connect_timeout);
      transport = G_IO_STREAM (g_socket_client_connect_to_host (client, self->host, self->port,
                                                                cancellable, &local_error));
      if (transport == NULL)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          g_set_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_CONNECT,
                       _("Could not connect to %s port %u: %s"), self->host, self->port,
                       local_error->message);
          return FALSE;
        }
    }

  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (transport));
  fd = g_socket_get_fd (socket);
  set_socket_options (fd);
  {
    int one = 1;
    if (self->jump == NULL)
      g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, one, NULL);
  }

  session = libssh2_session_init_ex (NULL, NULL, NULL, self);
  if (session == NULL)
    {
      g_set_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_FAILED,
                   _("Could not create an SSH session"));
      return FALSE;
    }
  libssh2_session_set_blocking (session, 1);
  libssh2_session_set_timeout (session, (long) self->connect_timeout * 1000);
  /* libssh2 1.10 has neither chacha20-poly1305 nor AES-GCM; AES-128-CTR (AES-NI) with
   * HMAC-SHA2-256 is its fastest sound pair. Unknown names are ignored by libssh2. */
  libssh2_session_method_pref (session, LIBSSH2_METHOD_CRYPT_CS,
                               "aes128-ctr,aes256-ctr,aes192-ctr,aes256-cbc");
  libssh2_session_method_pref (session, LIBSSH2_METHOD_CRYPT_SC,
                               "aes128-ctr,aes256-ctr,aes192-ctr,aes256-cbc");

  {
    g_autofree char *path = known_hosts_path (self);
    LIBSSH2_KNOWNHOSTS *hosts = load_known_hosts (session, path);
    g_autofree char *known = known_key_methods (session, hosts, self->host, self->port);
    g_autofree char *prefs = known != NULL ? supported_methods (session, LIBSSH2_METHOD_HOSTKEY,
                                                                known) : NULL;
    libssh2_knownhost_free (hosts);
    if (prefs != NULL && libssh2_session_method_pref (session, LIBSSH2_METHOD_HOSTKEY, prefs) != 0)
      g_debug ("Could not prefer host key types %s", prefs);
  }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      libssh2_session_free (session);
      return FALSE;
    }

  r = libssh2_session_handshake (session, fd);
  if (r != 0)
    {
      g_set_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_CONNECT,
                   _("The SSH handshake with %s port %u failed: %s. Is it an SSH server?"),
                   self->host, self->port, session_error_message (session));
      libssh2_session_free (session);
      return FALSE;
    }

  if (!check_host_key (self, session, error) ||
      g_cancellable_set_error_if_cancelled (cancellable, error) ||
      !authenticate (self, session, error))
    {
      libssh2_session_disconnect (session, "Lagoon gives up");
      libssh2_session_free (session);
      return FALSE;
    }

  if (self->keepalive_interval > 0)
    libssh2_keepalive_config (session, 1, self->keepalive_interval);
  libssh2_session_set_timeout (session, 0);
  libssh2_session_set_blocking (session, 0);

  if (!g_unix_open_pipe (self->wake_fds, FD_CLOEXEC, error))
    {
      libssh2_session_free (session);
      return FALSE;
    }
  g_unix_set_fd_nonblocking (self->wake_fds[0], TRUE, NULL);
  g_unix_set_fd_nonblocking (self->wake_fds[1], TRUE, NULL);

  self->session = session;
  self->transport = g_steal_pointer (&transport);
  g_mutex_lock (&self->mutex);
  self->stopping = FALSE;
  self->connected = TRUE;
  g_mutex_unlock (&self->mutex);
  self->thread = g_thread_new ("lagoon-ssh", io_thread, self);
  g_debug ("Connected to %s@%s:%u", self->user, self->host, self->port);
  return TRUE;
}

static void
connect_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;

  if (lagoon_ssh_session_connect (source_object, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
lagoon_ssh_session_connect_async (LagoonSshSession    *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (LAGOON_IS_SSH_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lagoon_ssh_session_connect_async);
  g_task_run_in_thread (task, connect_thread);
}

gboolean
lagoon_ssh_session_connect_finish (LagoonSshSession  *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
lagoon_ssh_session_disconnect (LagoonSshSession *self)
{
  GThread *thread;

  g_return_if_fail (LAGOON_IS_SSH_SESSION (self));

  g_mutex_lock (&self->mutex);
  self->stopping = TRUE;
  thread = g_steal_pointer (&self->thread);
  g_mutex_unlock (&self->mutex);

  if (thread != NULL)
    {
      wake_io_thread (self);
      g_thread_join (thread);
    }
  release_connection (self);
}

/* ---- channels ------------------------------------------------------------------------ */

static void
cancel_request (GCancellable *cancellable,
                gpointer      data)
{
  OpenRequest *req = data;

  g_mutex_lock (&req->mutex);
  g_cond_broadcast (&req->cond);
  g_mutex_unlock (&req->mutex);
}

GIOStream *
lagoon_ssh_session_open_channel (LagoonSshSession  *self,
                                 const char        *host,
                                 guint16            port,
                                 GCancellable      *cancellable,
                                 GError           **error)
{
  OpenRequest *req;
  GIOStream *stream;
  gulong handler = 0;
  gboolean queued;

  g_return_val_if_fail (LAGOON_IS_SSH_SESSION (self), NULL);
  g_return_val_if_fail (host != NULL, NULL);

  req = g_new0 (OpenRequest, 1);
  req->host = g_strdup (host);
  req->port = port;
  g_mutex_init (&req->mutex);
  g_cond_init (&req->cond);

  g_mutex_lock (&self->mutex);
  queued = self->connected && !self->stopping;
  if (queued)
    g_queue_push_tail (&self->requests, req);
  g_mutex_unlock (&self->mutex);

  if (!queued)
    {
      open_request_free (req);
      g_set_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_DISCONNECTED,
                   _("The SSH session to %s is not connected."), self->host);
      return NULL;
    }
  wake_io_thread (self);

  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (cancel_request), req, NULL);

  g_mutex_lock (&req->mutex);
  while (!req->done && !g_cancellable_is_cancelled (cancellable))
    g_cond_wait (&req->cond, &req->mutex);

  if (!req->done)
    {
      /* Cancelled: the I/O thread frees the request when it gets to it. */
      req->abandoned = TRUE;
      g_mutex_unlock (&req->mutex);
      g_cancellable_disconnect (cancellable, handler);
      g_cancellable_set_error_if_cancelled (cancellable, error);
      return NULL;
    }
  g_mutex_unlock (&req->mutex);
  g_cancellable_disconnect (cancellable, handler);

  stream = g_steal_pointer (&req->stream);
  if (stream == NULL)
    g_propagate_error (error, g_steal_pointer (&req->error));
  open_request_free (req);
  return stream;
}

typedef struct
{
  char    *host;
  guint16  port;
} OpenData;

static void
open_data_free (OpenData *d)
{
  g_free (d->host);
  g_free (d);
}

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  OpenData *d = task_data;
  GError *error = NULL;
  GIOStream *stream = lagoon_ssh_session_open_channel (source_object, d->host, d->port,
                                                       cancellable, &error);

  if (stream != NULL)
    g_task_return_pointer (task, stream, g_object_unref);
  else
    g_task_return_error (task, error);
}

void
lagoon_ssh_session_open_channel_async (LagoonSshSession    *self,
                                       const char          *host,
                                       guint16              port,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  OpenData *d;

  g_return_if_fail (LAGOON_IS_SSH_SESSION (self));

  d = g_new0 (OpenData, 1);
  d->host = g_strdup (host);
  d->port = port;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lagoon_ssh_session_open_channel_async);
  g_task_set_task_data (task, d, (GDestroyNotify) open_data_free);
  g_task_run_in_thread (task, open_thread);
}

GIOStream *
lagoon_ssh_session_open_channel_finish (LagoonSshSession  *self,
                                        GAsyncResult      *result,
                                        GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
