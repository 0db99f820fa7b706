/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-ssh"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "lagoon-ssh-opener.h"

struct _LagoonSshOpener
{
  GObject           parent_instance;
  LagoonSshSession *session;
  GMutex            connect_lock; /* one reconnection at a time */
};

static void stream_opener_iface_init (LagoonStreamOpenerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LagoonSshOpener, lagoon_ssh_opener, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LAGOON_TYPE_STREAM_OPENER,
                                                      stream_opener_iface_init))

static GIOStream *
lagoon_ssh_opener_open (LagoonStreamOpener  *opener,
                        const char          *host,
                        guint16              port,
                        gboolean             tls,
                        GCancellable        *cancellable,
                        GError             **error)
{
  LagoonSshOpener *self = LAGOON_SSH_OPENER (opener);
  gboolean ok = TRUE;

  if (tls)
    {
      /* Through SSH, xapi is reached in clear on the host's loopback; TLS adds nothing. */
      g_set_error (error, LAGOON_SSH_ERROR, LAGOON_SSH_ERROR_FAILED,
                   _("TLS through the SSH tunnel is not supported (asked for %s port %u); "
                     "use plain HTTP to port 80 on the pool"), host, port);
      return NULL;
    }

  g_mutex_lock (&self->connect_lock);
  if (!lagoon_ssh_session_is_connected (self->session))
    ok = lagoon_ssh_session_connect (self->session, cancellable, error);
  g_mutex_unlock (&self->connect_lock);
  if (!ok)
    return NULL;

  return lagoon_ssh_session_open_channel (self->session, host, port, cancellable, error);
}

static void
stream_opener_iface_init (LagoonStreamOpenerInterface *iface)
{
  iface->open = lagoon_ssh_opener_open;
}

static void
lagoon_ssh_opener_finalize (GObject *object)
{
  LagoonSshOpener *self = LAGOON_SSH_OPENER (object);

  g_clear_object (&self->session);
  g_mutex_clear (&self->connect_lock);
  G_OBJECT_CLASS (lagoon_ssh_opener_parent_class)->finalize (object);
}

static void
lagoon_ssh_opener_class_init (LagoonSshOpenerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lagoon_ssh_opener_finalize;
}

static void
lagoon_ssh_opener_init (LagoonSshOpener *self)
{
  g_mutex_init (&self->connect_lock);
}

LagoonSshOpener *
lagoon_ssh_opener_new (LagoonSshSession *session)
{
  LagoonSshOpener *self;

  g_return_val_if_fail (LAGOON_IS_SSH_SESSION (session), NULL);

  self = g_object_new (LAGOON_TYPE_SSH_OPENER, NULL);
  self->session = g_object_ref (session);
  return self;
}

LagoonSshSession *
lagoon_ssh_opener_get_session (LagoonSshOpener *self)
{
  g_return_val_if_fail (LAGOON_IS_SSH_OPENER (self), NULL);
  return self->session;
}
