/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include <string.h>

#include "test-server.h"

typedef struct {
  TestServer *server;
  GSocket    *socket;
  GIOStream  *stream;
  guint       index;
} ConnInfo;

struct _TestServer
{
  GSocket           *listener;
  guint16            port;
  TestServerHandler  handler;
  gpointer           user_data;
  GTlsCertificate   *certificate;
  GThread           *accept_thread;
  GPtrArray         *conn_threads;
  GMutex             lock;
  GHashTable        *streams;   /* GSocket -> GIOStream (TLS) */
  gint               stop;
  gint               n_accepted;
};

static gpointer
conn_thread (gpointer data)
{
  ConnInfo *info = data;
  TestServer *server = info->server;

  if (server->certificate != NULL)
    {
      g_autoptr(GSocketConnection) base =
        g_socket_connection_factory_create_connection (info->socket);
      g_autoptr(GError) error = NULL;
      GIOStream *tls = g_tls_server_connection_new (G_IO_STREAM (base), server->certificate,
                                                    &error);

      if (tls == NULL || !g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error))
        {
          g_debug ("test server TLS handshake failed: %s", error ? error->message : "?");
          g_clear_object (&tls);
          goto out;
        }
      g_mutex_lock (&server->lock);
      g_hash_table_insert (server->streams, info->socket, tls);
      g_mutex_unlock (&server->lock);
    }

  server->handler (server, info->socket, info->index, server->user_data);

out:
  g_mutex_lock (&server->lock);
  g_hash_table_remove (server->streams, info->socket);
  g_mutex_unlock (&server->lock);
  g_socket_close (info->socket, NULL);
  g_object_unref (info->socket);
  g_free (info);
  return NULL;
}

static gpointer
accept_thread (gpointer data)
{
  TestServer *server = data;

  while (!g_atomic_int_get (&server->stop))
    {
      g_autoptr(GError) error = NULL;
      GSocket *socket;
      ConnInfo *info;

      if (!g_socket_condition_timed_wait (server->listener, G_IO_IN, 50 * 1000, NULL, NULL))
        continue;
      socket = g_socket_accept (server->listener, NULL, &error);
      if (socket == NULL)
        continue;
      g_socket_set_blocking (socket, TRUE);
      g_socket_set_timeout (socket, 10);
      info = g_new0 (ConnInfo, 1);
      info->server = server;
      info->socket = socket;
      info->index = (guint) g_atomic_int_add (&server->n_accepted, 1);
      g_mutex_lock (&server->lock);
      g_ptr_array_add (server->conn_threads, g_thread_new ("test-conn", conn_thread, info));
      g_mutex_unlock (&server->lock);
    }
  return NULL;
}

TestServer *
test_server_new_tls (TestServerHandler  handler,
                     gpointer           user_data,
                     GTlsCertificate   *certificate)
{
  TestServer *server = g_new0 (TestServer, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  server->handler = handler;
  server->user_data = user_data;
  server->certificate = certificate != NULL ? g_object_ref (certificate) : NULL;
  server->conn_threads = g_ptr_array_new ();
  server->streams = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  g_mutex_init (&server->lock);

  server->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                   G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (server->listener, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (server->listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (server->listener, &error);
  g_assert_no_error (error);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  server->accept_thread = g_thread_new ("test-accept", accept_thread, server);
  return server;
}

TestServer *
test_server_new (TestServerHandler handler,
                 gpointer          user_data)
{
  return test_server_new_tls (handler, user_data, NULL);
}

guint16
test_server_get_port (TestServer *server)
{
  return server->port;
}

guint
test_server_get_n_accepted (TestServer *server)
{
  return (guint) g_atomic_int_get (&server->n_accepted);
}

void
test_server_free (TestServer *server)
{
  g_atomic_int_set (&server->stop, 1);
  g_thread_join (server->accept_thread);
  for (guint i = 0; i < server->conn_threads->len; i++)
    g_thread_join (server->conn_threads->pdata[i]);
  g_ptr_array_unref (server->conn_threads);
  g_socket_close (server->listener, NULL);
  g_object_unref (server->listener);
  g_hash_table_unref (server->streams);
  g_clear_object (&server->certificate);
  g_mutex_clear (&server->lock);
  g_free (server);
}

static GIOStream *
lookup_stream (TestServer *server,
               GSocket    *socket)
{
  GIOStream *stream;

  g_mutex_lock (&server->lock);
  stream = g_hash_table_lookup (server->streams, socket);
  g_mutex_unlock (&server->lock);
  return stream;
}

static gssize
server_read (TestServer *server,
             GSocket    *socket,
             char       *buf,
             gsize       len)
{
  GIOStream *stream = lookup_stream (server, socket);

  if (stream != NULL)
    return g_input_stream_read (g_io_stream_get_input_stream (stream), buf, len, NULL, NULL);
  return g_socket_receive (socket, buf, len, NULL, NULL);
}

gboolean
test_server_write (TestServer *server,
                   GSocket    *socket,
                   const char *data,
                   gssize      length)
{
  GIOStream *stream = lookup_stream (server, socket);
  gsize len = length < 0 ? strlen (data) : (gsize) length;
  gsize done = 0;

  if (stream != NULL)
    return g_output_stream_write_all (g_io_stream_get_output_stream (stream), data, len, NULL,
                                      NULL, NULL);
  while (done < len)
    {
      gssize n = g_socket_send (socket, data + done, len - done, NULL, NULL);

      if (n <= 0)
        return FALSE;
      done += (gsize) n;
    }
  return TRUE;
}

void
test_request_free (TestRequest *request)
{
  g_free (request->method);
  g_free (request->path);
  g_free (request->head);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_free (request);
}

TestRequest *
test_server_read_request (TestServer *server,
                          GSocket    *socket)
{
  g_autoptr(GString) head = g_string_new (NULL);
  g_autoptr(TestRequest) request = g_new0 (TestRequest, 1);
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) first = NULL;
  gsize content_length = 0;
  GByteArray *body;

  /* Byte by byte: simple, and never eats the next request. */
  while (!g_str_has_suffix (head->str, "\r\n\r\n"))
    {
      char c;

      if (server_read (server, socket, &c, 1) != 1 || head->len > 65536)
        return NULL;
      g_string_append_c (head, c);
    }
  lines = g_strsplit (head->str, "\r\n", -1);
  first = g_strsplit (lines[0], " ", 3);
  if (g_strv_length (first) < 2)
    return NULL;
  request->method = g_strdup (first[0]);
  request->path = g_strdup (first[1]);
  for (guint i = 1; lines[i] != NULL; i++)
    if (g_ascii_strncasecmp (lines[i], "Content-Length:", 15) == 0)
      content_length = (gsize) g_ascii_strtoull (lines[i] + 15, NULL, 10);

  body = g_byte_array_sized_new ((guint) content_length);
  while (body->len < content_length)
    {
      char buf[4096];
      gssize n = server_read (server, socket, buf, MIN (sizeof buf, content_length - body->len));

      if (n <= 0)
        {
          g_byte_array_unref (body);
          return NULL;
        }
      g_byte_array_append (body, (guint8 *) buf, (guint) n);
    }
  request->body = g_byte_array_free_to_bytes (body);
  request->head = g_string_free (g_steal_pointer (&head), FALSE);
  return g_steal_pointer (&request);
}

gboolean
test_server_reply (TestServer *server,
                   GSocket    *socket,
                   guint       status,
                   const char *content_type,
                   const char *body)
{
  g_autofree char *reply = NULL;

  reply = g_strdup_printf ("HTTP/1.1 %u %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n%s",
                           status, status == 200 ? "OK" : "Status", content_type,
                           strlen (body), body);
  return test_server_write (server, socket, reply, -1);
}
