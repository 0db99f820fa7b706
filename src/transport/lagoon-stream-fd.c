/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-stream-fd"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lagoon-stream-fd.h"
#include "lagoon-transport-error.h"

static GMainContext *pump_context;

static gpointer
pump_thread_main (gpointer data)
{
  GMainLoop *loop = g_main_loop_new (pump_context, FALSE);

  /* The splices' async operations attach to the thread-default context. */
  g_main_context_push_thread_default (pump_context);
  g_main_loop_run (loop);
  g_main_loop_unref (loop);
  return NULL;
}

static GMainContext *
get_pump_context (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      pump_context = g_main_context_new ();
      g_thread_unref (g_thread_new ("lagoon-pump", pump_thread_main, NULL));
      g_once_init_leave (&once, 1);
    }
  return pump_context;
}

typedef struct {
  GIOStream *stream;
  GIOStream *ours;
} Pump;

static void
on_spliced (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Pump *pump = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_io_stream_splice_finish (result, &error))
    g_debug ("Stream pump ended: %s", error->message);
  g_object_unref (pump->stream);
  g_object_unref (pump->ours);
  g_free (pump);
}

static gboolean
start_pump (gpointer data)
{
  Pump *pump = data;

  /* Runs in the pump thread, whose context the splice then uses. */
  g_io_stream_splice_async (pump->stream, pump->ours,
                            G_IO_STREAM_SPLICE_CLOSE_STREAM1 | G_IO_STREAM_SPLICE_CLOSE_STREAM2,
                            G_PRIORITY_DEFAULT, NULL, on_spliced, pump);
  return G_SOURCE_REMOVE;
}

int
lagoon_io_stream_steal_fd (GIOStream  *stream,
                           GError    **error)
{
  g_autoptr(GSocket) ours = NULL;
  Pump *pump;
  int fds[2];

  g_return_val_if_fail (G_IS_IO_STREAM (stream), -1);

  if (G_IS_SOCKET_CONNECTION (stream))
    {
      GSocket *socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
      int fd = fcntl (g_socket_get_fd (socket), F_DUPFD_CLOEXEC, 3);

      if (fd < 0)
        {
          int saved = errno;
          g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_FAILED,
                       _("Could not duplicate the socket: %s"), g_strerror (saved));
          return -1;
        }
      /* GSocket made it non-blocking; hand it over in the usual blocking mode. */
      fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
      return fd;
    }

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      int saved = errno;
      g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_FAILED,
                   _("Could not create a socket pair: %s"), g_strerror (saved));
      return -1;
    }
  ours = g_socket_new_from_fd (fds[0], error);
  if (ours == NULL)
    {
      close (fds[0]);
      close (fds[1]);
      return -1;
    }

  pump = g_new0 (Pump, 1);
  pump->stream = g_object_ref (stream);
  pump->ours = G_IO_STREAM (g_socket_connection_factory_create_connection (ours));
  {
    /* Always dispatched by the pump thread (g_main_context_invoke could run it here). */
    g_autoptr(GSource) source = g_idle_source_new ();

    g_source_set_callback (source, start_pump, pump, NULL);
    g_source_attach (source, get_pump_context ());
  }
  return fds[1];
}
