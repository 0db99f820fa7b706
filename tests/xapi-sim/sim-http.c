/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "xapi-sim"

#include "config.h"

#include <string.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "sim-console.h"
#include "sim-http.h"
#include "sim-ops.h"
#include "sim-rrd.h"

#define IDLE_TIMEOUT_S 3600

struct _SimHttp
{
  SimServer   *server;
  SimConsoles *consoles;  /* CONNECT /console, or NULL */
  GPtrArray *listeners; /* GSocket */
  GPtrArray *threads;   /* accept threads */
  gboolean   stopping;
};

typedef struct
{
  GInputStream *in;
  GByteArray   *buf;
  gsize         pos; /* consumed bytes at the front of buf */
} Reader;

typedef struct
{
  char     *method;
  char     *path;   /* without the query */
  char     *query;  /* after '?', or NULL */
  char     *cookie;
  char     *version;
  gboolean  keep_alive;
  gboolean  chunked;
  gint64    content_length; /* -1: absent */
  gboolean  expect_continue;
  char     *acr_headers;    /* Access-Control-Request-Headers */
} Head;

static void
head_clear (Head *h)
{
  g_free (h->method);
  g_free (h->path);
  g_free (h->query);
  g_free (h->cookie);
  g_free (h->version);
  g_free (h->acr_headers);
  memset (h, 0, sizeof *h);
}

/* Reads more bytes; FALSE at end of stream or on error. */
static gboolean
reader_fill (Reader *r)
{
  guint8 tmp[65536];
  gssize n;

  if (r->pos > 0 && r->pos == r->buf->len)
    {
      g_byte_array_set_size (r->buf, 0);
      r->pos = 0;
    }
  n = g_input_stream_read (r->in, tmp, sizeof tmp, NULL, NULL);
  if (n <= 0)
    return FALSE;
  g_byte_array_append (r->buf, tmp, (guint) n);
  return TRUE;
}

static gsize
reader_avail (Reader *r)
{
  return r->buf->len - r->pos;
}

static const char *
reader_data (Reader *r)
{
  return (const char *) r->buf->data + r->pos;
}

static void
reader_compact (Reader *r)
{
  if (r->pos > 0)
    {
      g_byte_array_remove_range (r->buf, 0, (guint) r->pos);
      r->pos = 0;
    }
}

/* A line without its CRLF, or NULL (end of stream, or longer than @max). */
static char *
reader_line (Reader *r,
             gsize   max)
{
  for (;;)
    {
      const char *data = reader_data (r);
      /* (An empty buffer may have no storage at all: memchr wants a pointer.) */
      const char *nl = reader_avail (r) > 0 ? memchr (data, '\n', reader_avail (r)) : NULL;

      if (nl != NULL)
        {
          gsize len = nl - data;
          char *line = g_strndup (data, len > 0 && data[len - 1] == '\r' ? len - 1 : len);
          r->pos += len + 1;
          return line;
        }
      if (reader_avail (r) > max)
        return NULL;
      reader_compact (r);
      if (!reader_fill (r))
        return NULL;
    }
}

/* Appends exactly @len bytes to @out. */
static gboolean
reader_take (Reader  *r,
             gsize    len,
             GString *out)
{
  while (len > 0)
    {
      gsize n;

      if (reader_avail (r) == 0 && !reader_fill (r))
        return FALSE;
      n = MIN (len, reader_avail (r));
      g_string_append_len (out, reader_data (r), n);
      r->pos += n;
      len -= n;
    }
  return TRUE;
}

static gboolean
write_response (GOutputStream *out,
                int            status,
                const char    *reason,
                const char    *content_type,
                const char    *extra_headers,
                const char    *body,
                gsize          body_len,
                gboolean       keep_alive)
{
  g_autoptr(GString) head = g_string_new (NULL);
  GOutputVector vectors[2];

  g_string_append_printf (head, "HTTP/1.1 %d %s\r\n", status, reason);
  g_string_append_printf (head, "Content-Length: %" G_GSIZE_FORMAT "\r\n", body_len);
  if (content_type != NULL)
    g_string_append_printf (head, "Content-Type: %s\r\n", content_type);
  g_string_append (head, "Access-Control-Allow-Origin: *\r\n");
  if (extra_headers != NULL)
    g_string_append (head, extra_headers);
  g_string_append (head, keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
  g_string_append (head, "\r\n");

  vectors[0].buffer = head->str;
  vectors[0].size = head->len;
  vectors[1].buffer = body;
  vectors[1].size = body_len;
  return g_output_stream_writev_all (out, vectors, body_len > 0 ? 2 : 1, NULL, NULL, NULL);
}

static gboolean
write_error_page (GOutputStream *out,
                  int            status,
                  const char    *reason,
                  const char    *detail,
                  gboolean       keep_alive)
{
  g_autoptr(GString) body = g_string_new (NULL);

  g_string_append_printf (body, "<html><body><h1>HTTP %d %s</h1>", status, reason);
  if (detail != NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (detail, -1);
      g_string_append_printf (body, "<h1> Additional information </h1>%s", escaped);
    }
  g_string_append (body, "</body></html>");
  return write_response (out, status, reason, "text/html", NULL, body->str, body->len, keep_alive);
}

static gboolean
parse_head (Reader *r,
            Head   *h,
            int    *error_status)
{
  g_autofree char *line = NULL;
  g_auto(GStrv) parts = NULL;
  gsize total = 0;
  char *query;

  *error_status = 0;
  /* Tolerate empty lines before a request, as RFC 9112 allows. */
  do
    {
      g_free (line);
      line = reader_line (r, SIM_HTTP_MAX_HEADER);
      if (line == NULL)
        return FALSE;
    }
  while (*line == '\0');

  parts = g_strsplit (line, " ", 3);
  if (g_strv_length (parts) != 3 || !g_str_has_prefix (parts[2], "HTTP/1."))
    {
      *error_status = 400;
      return FALSE;
    }
  h->method = g_strdup (parts[0]);
  h->path = g_strdup (parts[1]);
  h->version = g_strdup (parts[2]);
  query = strchr (h->path, '?');
  if (query != NULL)
    {
      h->query = g_strdup (query + 1);
      *query = '\0';
    }
  h->keep_alive = g_str_equal (h->version, "HTTP/1.1");
  h->content_length = -1;

  for (;;)
    {
      g_autofree char *header = reader_line (r, SIM_HTTP_MAX_HEADER);
      char *colon;
      char *value;

      if (header == NULL)
        {
          *error_status = 400;
          return FALSE;
        }
      if (*header == '\0')
        break;
      total += strlen (header);
      if (total > SIM_HTTP_MAX_HEADER)
        {
          *error_status = 431;
          return FALSE;
        }
      colon = strchr (header, ':');
      if (colon == NULL)
        {
          *error_status = 400;
          return FALSE;
        }
      *colon = '\0';
      value = g_strstrip (colon + 1);

      if (g_ascii_strcasecmp (header, "Content-Length") == 0)
        {
          guint64 v;
          if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT64, &v, NULL))
            {
              *error_status = 400;
              return FALSE;
            }
          h->content_length = (gint64) v;
        }
      else if (g_ascii_strcasecmp (header, "Transfer-Encoding") == 0)
        h->chunked = g_ascii_strcasecmp (value, "chunked") == 0;
      else if (g_ascii_strcasecmp (header, "Connection") == 0)
        {
          if (g_ascii_strcasecmp (value, "close") == 0)
            h->keep_alive = FALSE;
          else if (g_ascii_strcasecmp (value, "keep-alive") == 0)
            h->keep_alive = TRUE;
        }
      else if (g_ascii_strcasecmp (header, "Expect") == 0)
        h->expect_continue = g_ascii_strcasecmp (value, "100-continue") == 0;
      else if (g_ascii_strcasecmp (header, "Cookie") == 0)
        {
          g_free (h->cookie);
          h->cookie = g_strdup (value);
        }
      else if (g_ascii_strcasecmp (header, "Access-Control-Request-Headers") == 0)
        {
          g_free (h->acr_headers);
          h->acr_headers = g_strdup (value);
        }
    }
  return TRUE;
}

/* Reads the body; on failure *error_status says what to answer (0: just close). */
static gboolean
read_body (Reader  *r,
           Head    *h,
           GString *body,
           int     *error_status)
{
  *error_status = 0;
  if (h->chunked)
    {
      for (;;)
        {
          g_autofree char *line = reader_line (r, 1024);
          guint64 size;
          char *ext;

          if (line == NULL)
            return FALSE;
          ext = strchr (line, ';');
          if (ext != NULL)
            *ext = '\0';
          g_strstrip (line);
          if (!g_ascii_string_to_unsigned (line, 16, 0, G_MAXUINT32, &size, NULL))
            {
              *error_status = 400;
              return FALSE;
            }
          if (size == 0)
            break;
          if (body->len + size > SIM_HTTP_MAX_BODY)
            {
              *error_status = 413;
              return FALSE;
            }
          if (!reader_take (r, size, body))
            return FALSE;
          g_free (line);
          line = reader_line (r, 16);
          if (line == NULL || *line != '\0')
            {
              *error_status = 400;
              return FALSE;
            }
        }
      /* Trailers, up to the empty line. */
      for (;;)
        {
          g_autofree char *line = reader_line (r, SIM_HTTP_MAX_HEADER);
          if (line == NULL)
            return FALSE;
          if (*line == '\0')
            return TRUE;
        }
    }

  if (h->content_length < 0)
    return TRUE;
  if (h->content_length > SIM_HTTP_MAX_BODY)
    {
      *error_status = 413;
      return FALSE;
    }
  return reader_take (r, (gsize) h->content_length, body);
}

typedef struct
{
  SimHttp           *http;
  GSocketConnection *connection;
} ConnJob;

static void
serve_connection (SimHttp           *http,
                  GSocketConnection *connection)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autofree char *local_address = NULL;
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GString) reply = g_string_new (NULL);
  Reader r = { g_io_stream_get_input_stream (G_IO_STREAM (connection)), g_byte_array_new (), 0 };

  if (local != NULL && G_IS_INET_SOCKET_ADDRESS (local))
    local_address = g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
  g_socket_set_timeout (g_socket_connection_get_socket (connection), IDLE_TIMEOUT_S);

  for (;;)
    {
      Head h = { 0 };
      int status = 0;
      gboolean keep;

      if (!parse_head (&r, &h, &status))
        {
          if (status != 0)
            write_error_page (out, status, status == 431 ? "Request Header Fields Too Large"
                                                         : "Bad Request", NULL, FALSE);
          head_clear (&h);
          break;
        }
      keep = h.keep_alive;

      /* A host that is down (rebooting, shut down) answers nothing: the connection drops. */
      if (sim_host_address_down (http->server, local_address != NULL ? local_address : ""))
        {
          head_clear (&h);
          break;
        }

      if (h.expect_continue && (h.content_length > 0 || h.chunked))
        {
          const char *cont = "HTTP/1.1 100 Continue\r\n\r\n";
          if (!g_output_stream_write_all (out, cont, strlen (cont), NULL, NULL, NULL))
            {
              head_clear (&h);
              break;
            }
        }

      g_string_truncate (body, 0);
      if (!read_body (&r, &h, body, &status))
        {
          if (status == 413)
            write_error_page (out, 413, "Request Entity Too Large", NULL, FALSE);
          else if (status != 0)
            write_error_page (out, status, "Bad Request", NULL, FALSE);
          head_clear (&h);
          break;
        }

      if (g_str_equal (h.method, "OPTIONS"))
        {
          g_autofree char *extra = g_strdup_printf (
            "Access-Control-Allow-Methods: POST, GET, OPTIONS\r\n"
            "Access-Control-Allow-Headers: %s\r\n"
            "Access-Control-Max-Age: 86400\r\n",
            h.acr_headers != NULL ? h.acr_headers : "content-type");
          keep = write_response (out, 200, "OK", NULL, extra, NULL, 0, keep) && keep;
        }
      else if (g_str_equal (h.method, "POST"))
        {
          gboolean json = g_str_equal (h.path, "/jsonrpc") || g_str_equal (h.path, "/json");
          g_autoptr(GError) error = NULL;
          g_autoptr(SimRequest) request = json ? sim_request_parse_json (body->str, body->len, &error)
                                               : sim_request_parse_xml (body->str, body->len, &error);

          if (request == NULL)
            {
              g_autofree char *detail = g_strdup_printf ("%s(%s)", json ? "Jsonrpc.Malformed_method_request"
                                                                        : "Xmlrpc.Parse_error",
                                                         error->message);
              keep = write_error_page (out, 500, "internal server error", detail, keep) && keep;
            }
          else
            {
              sim_server_handle (http->server, local_address != NULL ? local_address : "", request, reply);
              keep = write_response (out, 200, "OK", json ? "application/json" : "text/xml", NULL,
                                     reply->str, reply->len, keep) && keep;
              if (reply->allocated_len > 16 * 1024 * 1024)
                {
                  g_string_free (reply, TRUE);
                  reply = g_string_new (NULL);
                }
            }
        }
      else if (g_str_equal (h.method, "CONNECT") && g_str_equal (h.path, "/console") &&
               http->consoles != NULL)
        {
          /* The connection becomes the console stream (or gets an error) and then ends. */
          sim_consoles_serve (http->consoles, connection, local_address, h.query, h.cookie,
                              (const guint8 *) reader_data (&r), reader_avail (&r));
          keep = FALSE;
        }
      else if (g_str_equal (h.method, "GET") && sim_rrd_handles (h.path))
        {
          g_autofree char *content_type = NULL;
          int rstatus = sim_rrd_handle (http->server, local_address, h.path, h.query, h.cookie,
                                        reply, &content_type);

          if (rstatus == 200)
            keep = write_response (out, 200, "OK", content_type, NULL, reply->str, reply->len,
                                   keep) && keep;
          else
            keep = write_error_page (out, rstatus, rstatus == 401 ? "Unauthorised"
                                                   : rstatus == 400 ? "Bad Request" : "Not Found",
                                     reply->len > 0 ? reply->str : NULL, keep) && keep;
        }
      else if ((g_str_equal (h.method, "GET") && g_str_equal (h.path, "/export")) ||
               (g_str_equal (h.method, "PUT") && g_str_equal (h.path, "/import")))
        {
          SimXvaReply xr = { 0, g_byte_array_new (), g_string_new (NULL), NULL };

          if (g_str_equal (h.method, "GET"))
            sim_xva_export (http->server, local_address != NULL ? local_address : "", h.query, h.cookie,
                            &xr);
          else
            sim_xva_import (http->server, local_address != NULL ? local_address : "", h.query, h.cookie,
                            (const guint8 *) body->str, body->len, h.chunked, &xr);
          /* xapi closes the connection after an export or import. */
          if (xr.status == 200)
            write_response (out, 200, "OK", xr.content_type, xr.headers->str,
                            (const char *) xr.body->data, xr.body->len, FALSE);
          else
            {
              g_byte_array_append (xr.body, (const guint8 *) "", 1);
              write_error_page (out, xr.status, xr.status == 401 ? "Unauthorised"
                                                : xr.status == 403 ? "Forbidden"
                                                : xr.status == 404 ? "Not Found"
                                                : xr.status == 400 ? "Bad Request" : "Internal Error",
                                (const char *) xr.body->data, FALSE);
            }
          keep = FALSE;
          g_byte_array_unref (xr.body);
          g_string_free (xr.headers, TRUE);
        }
      else
        keep = write_error_page (out, 404, "Not Found", NULL, keep) && keep;

      head_clear (&h);
      if (!keep)
        break;
    }

  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  g_byte_array_unref (r.buf);
}

static gpointer
connection_thread (gpointer data)
{
  ConnJob *job = data;

  serve_connection (job->http, job->connection);
  g_object_unref (job->connection);
  g_free (job);
  return NULL;
}

/* One accept loop per listening address; one thread per connection. */
static gpointer
accept_thread (gpointer data)
{
  GSocket *listener = data;
  SimHttp *http = g_object_get_data (G_OBJECT (listener), "sim-http");

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      GSocket *client = g_socket_accept (listener, NULL, &error);
      ConnJob *job;

      if (client == NULL)
        {
          if (g_atomic_int_get (&http->stopping))
            break;
          g_debug ("accept: %s", error->message);
          g_usleep (10 * 1000);
          continue;
        }
      g_socket_set_blocking (client, TRUE);
      g_socket_set_option (client, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
      job = g_new0 (ConnJob, 1);
      job->http = http;
      job->connection = g_socket_connection_factory_create_connection (client);
      g_object_unref (client);
      g_thread_unref (g_thread_new ("xapi-sim-conn", connection_thread, job));
    }
  return NULL;
}

SimHttp *
sim_http_new (SimServer *server)
{
  SimHttp *http = g_new0 (SimHttp, 1);

  http->server = server;
  http->listeners = g_ptr_array_new_with_free_func (g_object_unref);
  http->threads = g_ptr_array_new ();
  return http;
}

void
sim_http_free (SimHttp *http)
{
  if (http == NULL)
    return;
  sim_http_stop (http);
  g_ptr_array_unref (http->listeners);
  g_ptr_array_unref (http->threads);
  g_free (http);
}

guint
sim_http_listen (SimHttp     *http,
                 const char  *address,
                 guint        port,
                 GError     **error)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr(GSocketAddress) sa = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GSocket) sock = NULL;

  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Not an IP address: %s", address);
      return 0;
    }
  sock = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                       error);
  if (sock == NULL)
    return 0;
  sa = g_inet_socket_address_new (inet, (guint16) port);
  g_socket_set_listen_backlog (sock, 128);
  if (!g_socket_bind (sock, sa, TRUE, error) || !g_socket_listen (sock, error))
    return 0;
  effective = g_socket_get_local_address (sock, error);
  if (effective == NULL)
    return 0;
  g_object_set_data (G_OBJECT (sock), "sim-http", http);
  g_ptr_array_add (http->listeners, g_steal_pointer (&sock));
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
}

void
sim_http_set_consoles (SimHttp     *http,
                       SimConsoles *consoles)
{
  http->consoles = consoles;
}

void
sim_http_start (SimHttp *http)
{
  for (guint i = 0; i < http->listeners->len; i++)
    g_ptr_array_add (http->threads, g_thread_new ("xapi-sim-accept", accept_thread,
                                                  g_ptr_array_index (http->listeners, i)));
}

void
sim_http_stop (SimHttp *http)
{
  g_atomic_int_set (&http->stopping, TRUE);
  for (guint i = 0; i < http->listeners->len; i++)
    g_socket_shutdown (g_ptr_array_index (http->listeners, i), TRUE, FALSE, NULL);
  /* The accept threads notice and end; nobody waits for them (connections may be blocked in
   * event.from for minutes). */
  for (guint i = 0; i < http->threads->len; i++)
    g_thread_unref (g_ptr_array_index (http->threads, i));
  g_ptr_array_set_size (http->threads, 0);
}
