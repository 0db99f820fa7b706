/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lagoon-rig-echo.c: a TCP echo server on 127.0.0.1 for forwarding tests */

#define G_LOG_DOMAIN "lagoon-rig"

#include "config.h"

#include "lagoon-rig-private.h"

struct _LagoonRigEcho
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  GCancellable *cancellable;
  guint16       port;

  GMutex        lock;
  GCond         cond;
  gboolean      ready;
  GError       *start_error;
  guint         active;        /* handlers running */
  guint         connections;
  guint64       bytes;
};

typedef struct
{
  LagoonRigEcho     *self;
  GSocketConnection *connection;
} Job;

static gpointer
handle_connection (gpointer data)
{
  Job *job = data;
  LagoonRigEcho *self = job->self;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (job->connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (job->connection));
  guint8 buf[16384];

  for (;;)
    {
      gssize n = g_input_stream_read (in, buf, sizeof buf, self->cancellable, NULL);
      gsize written = 0;

      if (n <= 0)
        break;
      if (!g_output_stream_write_all (out, buf, n, &written, self->cancellable, NULL))
        break;
      g_mutex_lock (&self->lock);
      self->bytes += written;
      g_mutex_unlock (&self->lock);
    }

  g_io_stream_close (G_IO_STREAM (job->connection), NULL, NULL);
  g_object_unref (job->connection);
  g_free (job);

  /* Last use of self: stop() waits for active to drop to zero before freeing it. */
  g_mutex_lock (&self->lock);
  self->active--;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return NULL;
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  LagoonRigEcho *self = user_data;
  Job *job = g_new0 (Job, 1);
  g_autoptr(GError) error = NULL;
  GThread *thread;

  job->self = self;
  job->connection = g_object_ref (connection);

  /* Counted here, in the accept thread, so stop() cannot miss a handler about to start. */
  g_mutex_lock (&self->lock);
  self->active++;
  self->connections++;
  g_mutex_unlock (&self->lock);

  thread = g_thread_try_new ("lagoon-rig-echo-conn", handle_connection, job, &error);
  if (thread == NULL)
    {
      g_debug ("Echo server: no thread for a connection: %s", error->message);
      handle_connection (job);
    }
  else
    g_thread_unref (thread);
  return TRUE;
}

static gpointer
echo_thread (gpointer data)
{
  LagoonRigEcho *self = data;
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  GError *error = NULL;

  g_main_context_push_thread_default (self->context);

  service = g_socket_service_new ();
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), self);

  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);

  g_mutex_lock (&self->lock);
  if (error != NULL)
    self->start_error = error;
  else
    self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  self->ready = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  if (error == NULL)
    {
      g_socket_service_start (service);
      g_main_loop_run (self->loop);
      g_socket_service_stop (service);
      g_socket_listener_close (G_SOCKET_LISTENER (service));
    }

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static void
echo_free (LagoonRigEcho *self)
{
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->cancellable);
  g_clear_error (&self->start_error);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

LagoonRigEcho *
lagoon_rig_echo_start (GError **error)
{
  LagoonRigEcho *self = g_new0 (LagoonRigEcho, 1);

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->cancellable = g_cancellable_new ();
  self->thread = g_thread_new ("lagoon-rig-echo", echo_thread, self);

  g_mutex_lock (&self->lock);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);

  if (self->start_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->start_error));
      g_thread_join (self->thread);
      echo_free (self);
      return NULL;
    }
  return self;
}

void
lagoon_rig_echo_stop (LagoonRigEcho *self)
{
  gint64 deadline;

  if (self == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  g_main_loop_quit (self->loop);
  g_thread_join (self->thread);

  /* Handlers see the cancellation and leave. */
  deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  g_mutex_lock (&self->lock);
  while (self->active > 0)
    if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
      break;
  if (self->active > 0)
    {
      /* Leak rather than free memory a stuck handler still uses. */
      g_mutex_unlock (&self->lock);
      g_warning ("Echo server: %u handlers still running at stop", self->active);
      return;
    }
  g_mutex_unlock (&self->lock);
  echo_free (self);
}

guint16
lagoon_rig_echo_get_port (LagoonRigEcho *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->port;
}

guint
lagoon_rig_echo_get_connection_count (LagoonRigEcho *self)
{
  guint n;

  g_return_val_if_fail (self != NULL, 0);
  g_mutex_lock (&self->lock);
  n = self->connections;
  g_mutex_unlock (&self->lock);
  return n;
}

guint64
lagoon_rig_echo_get_bytes_echoed (LagoonRigEcho *self)
{
  guint64 n;

  g_return_val_if_fail (self != NULL, 0);
  g_mutex_lock (&self->lock);
  n = self->bytes;
  g_mutex_unlock (&self->lock);
  return n;
}
