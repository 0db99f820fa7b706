/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lagoon-server.h"
#include "lagoon-ssh-config.h"
#include "lagoon-ssh-opener.h"
#include "lagoon-tcp-opener.h"

struct _LagoonServer
{
  GObject           parent_instance;

  LagoonServerKind  kind;
  char             *address;
  char             *key;
  char             *xapi_host;
  guint16           xapi_port;
  gboolean          tls;
  char             *user;
  char             *fingerprint;
  char             *known_hosts;

  LagoonConnection *connection;
  LagoonSshSession *ssh_session;
  LagoonTcpOpener  *tcp_opener;
  char             *password;      /* xapi password for reconnects; never logged or saved */
  gint64            connect_time;

  GMutex            pending_lock;  /* pending_certificate is set from the connecting thread */
  char             *pending_certificate;
};

G_DEFINE_FINAL_TYPE (LagoonServer, lagoon_server, G_TYPE_OBJECT)

static void
lagoon_server_update_key (LagoonServer *self)
{
  static const char *kinds[] = { "ssh", "direct", "demo" };

  g_free (self->key);
  self->key = g_strdup_printf ("%s:%s>%s:%u%s", kinds[self->kind], self->address,
                               self->xapi_host, self->xapi_port, self->tls ? "/tls" : "");
}

LagoonServer *
lagoon_server_new (LagoonServerKind   kind,
                   const char        *address,
                   GError           **error)
{
  g_autoptr(LagoonServer) self = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (address != NULL, NULL);

  text = g_strstrip (g_strdup (address));
  if (text[0] == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Enter the address of a server."));
      return NULL;
    }

  self = g_object_new (LAGOON_TYPE_SERVER, NULL);
  self->kind = kind;
  self->address = g_steal_pointer (&text);
  self->user = g_strdup ("root");

  if (kind == LAGOON_SERVER_SSH)
    {
      g_autofree char *ssh_user = NULL;
      g_autofree char *ssh_host = NULL;
      guint16 ssh_port = 0;

      if (!lagoon_ssh_parse_destination (self->address, &ssh_user, &ssh_host, &ssh_port, error))
        return NULL;
      self->xapi_host = g_strdup ("127.0.0.1");
      self->xapi_port = 80;
    }
  else
    {
      g_autoptr(GUri) uri = NULL;
      g_autofree char *with_scheme = NULL;
      const char *scheme;

      with_scheme = strstr (self->address, "://") != NULL
                      ? g_strdup (self->address)
                      : g_strconcat ("http://", self->address, NULL);
      uri = g_uri_parse (with_scheme, G_URI_FLAGS_NONE, NULL);
      if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not a server address: write a host name or address, "
                         "optionally followed by :port."),
                       self->address);
          return NULL;
        }
      scheme = g_uri_get_scheme (uri);
      self->tls = g_ascii_strcasecmp (scheme, "https") == 0;
      self->xapi_host = g_strdup (g_uri_get_host (uri));
      self->xapi_port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : (self->tls ? 443 : 80);
    }

  lagoon_server_update_key (self);
  return g_steal_pointer (&self);
}

LagoonServer *
lagoon_server_new_from_variant (GVariant  *description,
                                GError   **error)
{
  g_autoptr(LagoonServer) self = NULL;
  GVariantDict dict;
  const char *kind_text = NULL, *address = NULL, *text = NULL;
  guint32 port = 0;
  gboolean tls = FALSE;
  LagoonServerKind kind;

  g_return_val_if_fail (description != NULL, NULL);

  if (!g_variant_is_of_type (description, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("A saved server is not a dictionary."));
      return NULL;
    }

  g_variant_dict_init (&dict, description);
  if (!g_variant_dict_lookup (&dict, "kind", "&s", &kind_text) ||
      !g_variant_dict_lookup (&dict, "address", "&s", &address))
    {
      g_variant_dict_clear (&dict);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("A saved server has no kind or address."));
      return NULL;
    }

  if (g_strcmp0 (kind_text, "ssh") == 0)
    kind = LAGOON_SERVER_SSH;
  else if (g_strcmp0 (kind_text, "direct") == 0)
    kind = LAGOON_SERVER_DIRECT;
  else
    {
      g_variant_dict_clear (&dict);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("A saved server has an unknown kind “%s”."), kind_text);
      return NULL;
    }

  self = lagoon_server_new (kind, address, error);
  if (self == NULL)
    {
      g_variant_dict_clear (&dict);
      return NULL;
    }

  if (g_variant_dict_lookup (&dict, "xapi-host", "&s", &text) && text[0] != '\0' &&
      g_variant_dict_lookup (&dict, "xapi-port", "u", &port) && port > 0 && port < 65536)
    {
      g_variant_dict_lookup (&dict, "tls", "b", &tls);
      lagoon_server_set_xapi_target (self, text, port, tls);
    }
  if (g_variant_dict_lookup (&dict, "user", "&s", &text) && text[0] != '\0')
    lagoon_server_set_user (self, text);
  if (g_variant_dict_lookup (&dict, "fingerprint", "&s", &text) && text[0] != '\0')
    lagoon_server_set_fingerprint (self, text);
  g_variant_dict_clear (&dict);

  return g_steal_pointer (&self);
}

GVariant *
lagoon_server_to_variant (LagoonServer *self)
{
  GVariantDict dict;

  g_return_val_if_fail (LAGOON_IS_SERVER (self), NULL);

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "kind", "s",
                         self->kind == LAGOON_SERVER_SSH ? "ssh" :
                         self->kind == LAGOON_SERVER_DIRECT ? "direct" : "demo");
  g_variant_dict_insert (&dict, "address", "s", self->address);
  g_variant_dict_insert (&dict, "xapi-host", "s", self->xapi_host);
  g_variant_dict_insert (&dict, "xapi-port", "u", (guint32) self->xapi_port);
  g_variant_dict_insert (&dict, "tls", "b", self->tls);
  g_variant_dict_insert (&dict, "user", "s", self->user);
  if (self->fingerprint != NULL)
    g_variant_dict_insert (&dict, "fingerprint", "s", self->fingerprint);

  return g_variant_dict_end (&dict);
}

LagoonServerKind
lagoon_server_get_kind (LagoonServer *self)
{
  g_return_val_if_fail (LAGOON_IS_SERVER (self), LAGOON_SERVER_SSH);
  return self->kind;
}

const char *
lagoon_server_get_address (LagoonServer *self)
{
  g_return_val_if_fail (LAGOON_IS_SERVER (self), NULL);
  return self->address;
}

const char *
lagoon_server_get_key (LagoonServer *self)
{
  g_return_val_if_fail (LAGOON_IS_SERVER (self), NULL);
  return self->key;
}

char *
lagoon_server_dup_display_name (LagoonServer *self)
{
  LagoonCache *cache;
  GPtrArray *pools;
  const char *name = NULL;

  g_return_val_if_fail (LAGOON_IS_SERVER (self), NULL);

  if (self->connection != NULL)
    {
      g_autoptr(GPtrArray) list = NULL;

      cache = lagoon_connection_get_cache (self->connection);
      pools = list = lagoon_cache_list (cache, LAGOON_CLASS_POOL);
      if (pools->len > 0)
        {
          const LagoonRecord *pool = g_ptr_array_index (pools, 0);
          const char *master = lagoon_record_get_ref (pool, LAGOON_POOL_MASTER);

          name = lagoon_record_get_name (pool);
          if ((name == NULL || name[0] == '\0') && master != NULL)
            {
              const LagoonRecord *host = lagoon_cache_lookup (cache, LAGOON_CLASS_HOST, master);

              name = host != NULL ? lagoon_record_get_name (host) : NULL;
            }
        }
    }

  if (name != NULL && name[0] != '\0')
    return g_strdup (name);

  if (self->kind == LAGOON_SERVER_DEMO)
    return g_strdup (_("Demo pool"));

  return g_strdup (self->address);
}

void
lagoon_server_set_xapi_target (LagoonServer *self,
                               const char   *host,
                               guint16       port,
                               gboolean      tls)
{
  g_return_if_fail (LAGOON_IS_SERVER (self));
  g_return_if_fail (host != NULL && host[0] != '\0');

  g_free (self->xapi_host);
  self->xapi_host = g_strdup (host);
  self->xapi_port = port != 0 ? port : (tls ? 443 : 80);
  self->tls = tls;
  lagoon_server_update_key (self);
}

const char *
lagoon_server_get_xapi_host (LagoonServer *self)
{
  g_return_val_if_fail (LAGOON_IS_SERVER (self), NULL);
  return self->xapi_host;
}

guint16
lagoon_server_get_xapi_port (LagoonServer *self)
{
  g_return_val_if_fail (LAGOON_IS_SERVER (self), 0);
  return self->xapi_port;
}

gboolean
lagoon_server_get_tls (LagoonServer *self)
{
  g_return_val_if_fail (LAGOON_IS_SERVER (self), FALSE);
  return self->tls;
}

void
lagoon_server_set_user (LagoonServer *self,
                        const char   *user)
{
  g_return_if_fail (LAGOON_IS_SERVER (self));

  g_free (self->user);
  self->user = g_strdup (user != NULL && user[0] != '\0' ? user : "root");
}

const char *
lagoon_server_get_user (LagoonServer *self)
{
  g_return_val_if_fail (LAGOON_IS_SERVER (self), NULL);
  return self->user;
}

void
lagoon_server_set_fingerprint (LagoonServer *self,
                               const char   *fingerprint)
{
  g_return_if_fail (LAGOON_IS_SERVER (self));

  g_free (self->fingerprint);
  self->fingerprint = g_strdup (fingerprint);
  if (self->tcp_opener != NULL && fingerprint != NULL)
    lagoon_tcp_opener_set_pin (self->tcp_opener, self->xapi_host, self->xapi_port, fingerprint);
}

const char *
lagoon_server_get_fingerprint (LagoonServer *self)
{
  g_return_val_if_fail (LAGOON_IS_SERVER (self), NULL);
  return self->fingerprint;
}

void
lagoon_server_set_known_hosts (LagoonServer *self,
                               const char   *path)
{
  g_return_if_fail (LAGOON_IS_SERVER (self));

  g_free (self->known_hosts);
  self->known_hosts = g_strdup (path);
  if (self->ssh_session != NULL && path != NULL)
    lagoon_ssh_session_set_known_hosts_file (self->ssh_session, path);
}

/* Called in the connecting thread: remember the certificate and refuse it; the window asks
 * the user, pins it and connects again. */
static gboolean
accept_certificate_cb (LagoonTcpOpener *opener,
                       const char      *host,
                       guint            port,
                       const char      *fingerprint,
                       gpointer         user_data)
{
  LagoonServer *self = LAGOON_SERVER (user_data);

  g_mutex_lock (&self->pending_lock);
  g_free (self->pending_certificate);
  self->pending_certificate = g_strdup (fingerprint);
  g_mutex_unlock (&self->pending_lock);

  return FALSE;
}

char *
lagoon_server_dup_pending_certificate (LagoonServer *self)
{
  char *copy;

  g_return_val_if_fail (LAGOON_IS_SERVER (self), NULL);

  g_mutex_lock (&self->pending_lock);
  copy = g_strdup (self->pending_certificate);
  g_mutex_unlock (&self->pending_lock);

  return copy;
}

static LagoonSshSession *
create_ssh_session (LagoonServer *self)
{
  g_autoptr(LagoonSshHostConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *user = NULL;
  g_autofree char *host = NULL;
  g_autoptr(GPtrArray) identities = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *known_hosts = NULL;
  guint16 port = 0;
  LagoonSshSession *session;
  static const char *defaults[] = { "id_ed25519", "id_ecdsa", "id_rsa" };

  if (!lagoon_ssh_parse_destination (self->address, &user, &host, &port, &error))
    {
      /* Checked by lagoon_server_new(): cannot happen. */
      g_warning ("Unparsable SSH destination: %s", error->message);
      host = g_strdup (self->address);
    }

  /* ~/.ssh/config applies to whatever was typed, as with ssh(1); typed values win. */
  config = lagoon_ssh_config_resolve (NULL, host, &error);
  if (config == NULL)
    g_debug ("~/.ssh/config not used: %s", error->message);

  if (config != NULL)
    {
      if (user == NULL && config->user != NULL)
        user = g_strdup (config->user);
      if (port == 0)
        port = config->port;
      if (config->hostname != NULL)
        {
          g_free (host);
          host = g_strdup (config->hostname);
        }
      if (config->identity_files != NULL)
        for (guint i = 0; i < config->identity_files->len; i++)
          g_ptr_array_add (identities, g_strdup (g_ptr_array_index (config->identity_files, i)));
    }

  if (identities->len == 0)
    for (guint i = 0; i < G_N_ELEMENTS (defaults); i++)
      {
        g_autofree char *path = g_build_filename (g_get_home_dir (), ".ssh", defaults[i], NULL);

        if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
          g_ptr_array_add (identities, g_steal_pointer (&path));
      }
  g_ptr_array_add (identities, NULL);

  session = lagoon_ssh_session_new (host, port != 0 ? port : 22, user != NULL ? user : "root");
  lagoon_ssh_session_set_identity_files (session, (const char * const *) identities->pdata);
  known_hosts = self->known_hosts != NULL
                  ? g_strdup (self->known_hosts)
                  : g_build_filename (g_get_home_dir (), ".ssh", "known_hosts", NULL);
  lagoon_ssh_session_set_known_hosts_file (session, known_hosts);
  lagoon_ssh_session_set_use_agent (session, TRUE);
  lagoon_ssh_session_set_connect_timeout (session, 20);
  lagoon_ssh_session_set_keepalive_interval (session, 30);

  return session;
}

static void
lagoon_server_ensure_connection (LagoonServer *self)
{
  g_autoptr(LagoonStreamOpener) opener = NULL;

  if (self->connection != NULL)
    return;

  if (self->kind == LAGOON_SERVER_SSH)
    {
      self->ssh_session = create_ssh_session (self);
      opener = LAGOON_STREAM_OPENER (lagoon_ssh_opener_new (self->ssh_session));
    }
  else
    {
      self->tcp_opener = lagoon_tcp_opener_new ();
      lagoon_tcp_opener_set_timeout (self->tcp_opener, 20000);
      if (self->fingerprint != NULL)
        lagoon_tcp_opener_set_pin (self->tcp_opener, self->xapi_host, self->xapi_port,
                                   self->fingerprint);
      g_signal_connect_object (self->tcp_opener, "accept-certificate",
                               G_CALLBACK (accept_certificate_cb), self, 0);
      opener = LAGOON_STREAM_OPENER (g_object_ref (self->tcp_opener));
    }

  self->connection = lagoon_connection_new (opener, self->xapi_host, self->xapi_port, self->tls);
}

void
lagoon_server_connect (LagoonServer *self,
                       const char   *password)
{
  g_return_if_fail (LAGOON_IS_SERVER (self));

  lagoon_server_ensure_connection (self);

  if (password != NULL)
    {
      g_free (self->password);
      self->password = g_strdup (password);
    }

  lagoon_connection_set_credentials (self->connection, self->user,
                                     self->password != NULL ? self->password : "");
  g_mutex_lock (&self->pending_lock);
  g_clear_pointer (&self->pending_certificate, g_free);
  g_mutex_unlock (&self->pending_lock);

  if (lagoon_connection_get_state (self->connection) != LAGOON_CONNECTION_DISCONNECTED)
    lagoon_connection_disconnect (self->connection);
  self->connect_time = g_get_monotonic_time ();
  lagoon_connection_connect (self->connection);
}

void
lagoon_server_reconnect (LagoonServer *self)
{
  g_return_if_fail (LAGOON_IS_SERVER (self));

  lagoon_server_connect (self, NULL);
}

gboolean
lagoon_server_has_password (LagoonServer *self)
{
  g_return_val_if_fail (LAGOON_IS_SERVER (self), FALSE);
  return self->password != NULL;
}

void
lagoon_server_disconnect (LagoonServer *self)
{
  g_return_if_fail (LAGOON_IS_SERVER (self));

  /* The connection closes its SSH tunnel too. */
  if (self->connection != NULL)
    lagoon_connection_disconnect (self->connection);
}

LagoonConnection *
lagoon_server_get_connection (LagoonServer *self)
{
  g_return_val_if_fail (LAGOON_IS_SERVER (self), NULL);

  lagoon_server_ensure_connection (self);
  return self->connection;
}

gint64
lagoon_server_get_connect_time (LagoonServer *self)
{
  g_return_val_if_fail (LAGOON_IS_SERVER (self), 0);
  return self->connect_time;
}

LagoonSshSession *
lagoon_server_get_ssh_session (LagoonServer *self)
{
  g_return_val_if_fail (LAGOON_IS_SERVER (self), NULL);
  return self->ssh_session;
}

void
lagoon_server_set_ssh_password (LagoonServer *self,
                                const char   *password)
{
  g_return_if_fail (LAGOON_IS_SERVER (self));

  lagoon_server_ensure_connection (self);
  if (self->ssh_session != NULL)
    lagoon_ssh_session_set_password (self->ssh_session, password);
}

void
lagoon_server_set_ssh_passphrase (LagoonServer *self,
                                  const char   *passphrase)
{
  g_return_if_fail (LAGOON_IS_SERVER (self));

  lagoon_server_ensure_connection (self);
  if (self->ssh_session != NULL)
    lagoon_ssh_session_set_passphrase (self->ssh_session, passphrase);
}

static void
lagoon_server_dispose (GObject *object)
{
  LagoonServer *self = LAGOON_SERVER (object);

  if (self->connection != NULL)
    lagoon_connection_disconnect (self->connection);
  g_clear_object (&self->connection);
  g_clear_object (&self->ssh_session);
  g_clear_object (&self->tcp_opener);

  G_OBJECT_CLASS (lagoon_server_parent_class)->dispose (object);
}

static void
lagoon_server_finalize (GObject *object)
{
  LagoonServer *self = LAGOON_SERVER (object);

  g_free (self->address);
  g_free (self->key);
  g_free (self->xapi_host);
  g_free (self->user);
  g_free (self->fingerprint);
  g_free (self->known_hosts);
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  g_free (self->pending_certificate);
  g_mutex_clear (&self->pending_lock);

  G_OBJECT_CLASS (lagoon_server_parent_class)->finalize (object);
}

static void
lagoon_server_class_init (LagoonServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lagoon_server_dispose;
  object_class->finalize = lagoon_server_finalize;
}

static void
lagoon_server_init (LagoonServer *self)
{
  g_mutex_init (&self->pending_lock);
  self->xapi_port = 80;
}
