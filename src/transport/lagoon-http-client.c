/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-http"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "lagoon-deadline-private.h"
#include "lagoon-http-client.h"
#include "lagoon-transport-error.h"

typedef struct {
  GIOStream        *stream;
  LagoonHttpReader *reader;
} Conn;

struct _LagoonHttpClient
{
  GObject             parent_instance;

  GMutex              lock;         /* held for a whole request */
  LagoonStreamOpener *opener;
  char               *host;
  guint16             port;
  gboolean            tls;
  guint               timeout_ms;
  guint64             max_body;
  guint               max_redirects;
  guint               n_connections;
  Conn                home;
};

G_DEFINE_FINAL_TYPE (LagoonHttpClient, lagoon_http_client, G_TYPE_OBJECT)

static void
conn_close (Conn *conn)
{
  g_clear_pointer (&conn->reader, lagoon_http_reader_free);
  if (conn->stream != NULL)
    {
      g_io_stream_close (conn->stream, NULL, NULL);
      g_clear_object (&conn->stream);
    }
}

static void
lagoon_http_client_finalize (GObject *object)
{
  LagoonHttpClient *self = LAGOON_HTTP_CLIENT (object);

  conn_close (&self->home);
  g_clear_object (&self->opener);
  g_free (self->host);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (lagoon_http_client_parent_class)->finalize (object);
}

static void
lagoon_http_client_class_init (LagoonHttpClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lagoon_http_client_finalize;
}

static void
lagoon_http_client_init (LagoonHttpClient *self)
{
  g_mutex_init (&self->lock);
  self->timeout_ms = 60000;
  self->max_body = LAGOON_HTTP_DEFAULT_MAX_BODY;
  self->max_redirects = 5;
}

LagoonHttpClient *
lagoon_http_client_new (LagoonStreamOpener *opener,
                        const char         *host,
                        guint16             port,
                        gboolean            tls)
{
  LagoonHttpClient *self;

  g_return_val_if_fail (LAGOON_IS_STREAM_OPENER (opener), NULL);
  g_return_val_if_fail (host != NULL, NULL);

  self = g_object_new (LAGOON_TYPE_HTTP_CLIENT, NULL);
  self->opener = g_object_ref (opener);
  self->host = g_strdup (host);
  self->port = port;
  self->tls = tls;
  return self;
}

const char *
lagoon_http_client_get_host (LagoonHttpClient *self)
{
  return self->host;
}

guint16
lagoon_http_client_get_port (LagoonHttpClient *self)
{
  return self->port;
}

LagoonStreamOpener *
lagoon_http_client_get_opener (LagoonHttpClient *self)
{
  return self->opener;
}

void
lagoon_http_client_set_timeout (LagoonHttpClient *self,
                                guint             timeout_ms)
{
  g_return_if_fail (LAGOON_IS_HTTP_CLIENT (self));
  g_mutex_lock (&self->lock);
  self->timeout_ms = timeout_ms;
  g_mutex_unlock (&self->lock);
}

guint
lagoon_http_client_get_timeout (LagoonHttpClient *self)
{
  return self->timeout_ms;
}

void
lagoon_http_client_set_max_body_size (LagoonHttpClient *self,
                                      guint64           max_body)
{
  g_return_if_fail (LAGOON_IS_HTTP_CLIENT (self));
  g_mutex_lock (&self->lock);
  self->max_body = max_body;
  g_mutex_unlock (&self->lock);
}

void
lagoon_http_client_set_max_redirects (LagoonHttpClient *self,
                                      guint             max_redirects)
{
  g_return_if_fail (LAGOON_IS_HTTP_CLIENT (self));
  g_mutex_lock (&self->lock);
  self->max_redirects = max_redirects;
  g_mutex_unlock (&self->lock);
}

guint
lagoon_http_client_get_n_connections (LagoonHttpClient *self)
{
  return g_atomic_int_get (&self->n_connections);
}

void
lagoon_http_client_disconnect (LagoonHttpClient *self)
{
  g_return_if_fail (LAGOON_IS_HTTP_CLIENT (self));
  g_mutex_lock (&self->lock);
  conn_close (&self->home);
  g_mutex_unlock (&self->lock);
}

/* ---- URLs ------------------------------------------------------------------ */

gboolean
lagoon_http_split_url (const char  *url,
                       gboolean    *tls,
                       char       **host,
                       guint16     *port,
                       char       **path)
{
  const char *p, *authority_end, *host_start, *host_end;
  gboolean is_tls;
  guint64 port_value;

  if (g_ascii_strncasecmp (url, "http://", 7) == 0)
    {
      is_tls = FALSE;
      p = url + 7;
    }
  else if (g_ascii_strncasecmp (url, "https://", 8) == 0)
    {
      is_tls = TRUE;
      p = url + 8;
    }
  else
    return FALSE;

  authority_end = p + strcspn (p, "/?#");
  /* Drop any user info. */
  for (const char *q = p; q < authority_end; q++)
    if (*q == '@')
      p = q + 1;

  if (*p == '[')
    {
      host_start = p + 1;
      host_end = memchr (host_start, ']', (gsize) (authority_end - host_start));
      if (host_end == NULL)
        return FALSE;
      p = host_end + 1;
    }
  else
    {
      host_start = p;
      host_end = memchr (p, ':', (gsize) (authority_end - p));
      if (host_end == NULL)
        host_end = authority_end;
      p = host_end;
    }
  if (host_end == host_start)
    return FALSE;
  for (const char *q = host_start; q < host_end; q++)
    if ((guchar) *q <= ' ' || *q == '\x7f')
      return FALSE;

  port_value = is_tls ? 443 : 80;
  if (p < authority_end)
    {
      if (*p != ':')
        return FALSE;
      p++;
      if (p < authority_end)
        {
          port_value = 0;
          for (; p < authority_end; p++)
            {
              if (!g_ascii_isdigit (*p))
                return FALSE;
              port_value = port_value * 10 + (guint64) (*p - '0');
              if (port_value > 65535)
                return FALSE;
            }
          if (port_value == 0)
            return FALSE;
        }
    }

  for (const char *q = authority_end; *q != '\0'; q++)
    if ((guchar) *q <= ' ' || *q == '\x7f')
      return FALSE;

  if (tls != NULL)
    *tls = is_tls;
  if (host != NULL)
    *host = g_strndup (host_start, (gsize) (host_end - host_start));
  if (port != NULL)
    *port = (guint16) port_value;
  if (path != NULL)
    {
      const char *rest = authority_end;
      char *hash;

      if (*rest == '/')
        *path = g_strdup (rest);
      else
        *path = g_strconcat ("/", rest, NULL);
      hash = strchr (*path, '#');
      if (hash != NULL)
        *hash = '\0';
    }
  return TRUE;
}

static gboolean
has_line_break (const char *s)
{
  return s != NULL && strpbrk (s, "\r\n") != NULL;
}

static void
append_host_header (GString    *head,
                    const char *host,
                    guint16     port,
                    gboolean    tls)
{
  gboolean v6 = strchr (host, ':') != NULL;

  g_string_append_printf (head, "Host: %s%s%s", v6 ? "[" : "", host, v6 ? "]" : "");
  if (port != (tls ? 443 : 80))
    g_string_append_printf (head, ":%u", port);
  g_string_append (head, "\r\n");
}

static char *
format_url (const char *host,
            guint16     port,
            gboolean    tls,
            const char *path)
{
  gboolean v6 = strchr (host, ':') != NULL;

  return g_strdup_printf ("%s://%s%s%s:%u%s", tls ? "https" : "http", v6 ? "[" : "", host,
                          v6 ? "]" : "", port, path);
}

/* ---- one exchange ------------------------------------------------------------ */

typedef struct {
  char     *host;
  guint16   port;
  gboolean  tls;
  char     *method;
  char     *path;
} Target;

static void
target_clear (Target *t)
{
  g_clear_pointer (&t->host, g_free);
  g_clear_pointer (&t->method, g_free);
  g_clear_pointer (&t->path, g_free);
}

static gboolean
conn_open (LagoonHttpClient  *self,
           Conn              *conn,
           const Target      *target,
           GCancellable      *cancellable,
           GError           **error)
{
  conn->stream = lagoon_stream_opener_open (self->opener, target->host, target->port,
                                            target->tls, cancellable, error);
  if (conn->stream == NULL)
    return FALSE;
  g_atomic_int_inc (&self->n_connections);
  conn->reader = lagoon_http_reader_new (g_io_stream_get_input_stream (conn->stream));
  return TRUE;
}

static gboolean
write_request (Conn               *conn,
               const Target       *target,
               const char * const *headers,
               const char         *content_type,
               GBytes             *body,
               GCancellable       *cancellable,
               GError            **error)
{
  GOutputStream *out = g_io_stream_get_output_stream (conn->stream);
  g_autoptr(GString) head = g_string_sized_new (256);
  gsize body_len = 0;
  const guint8 *body_data = NULL;

  if (body != NULL)
    body_data = g_bytes_get_data (body, &body_len);

  g_string_append_printf (head, "%s %s HTTP/1.1\r\n", target->method, target->path);
  append_host_header (head, target->host, target->port, target->tls);
  g_string_append (head, "User-Agent: Lagoon/" PACKAGE_VERSION "\r\n");
  if (body != NULL)
    {
      if (content_type != NULL)
        g_string_append_printf (head, "Content-Type: %s\r\n", content_type);
      g_string_append_printf (head, "Content-Length: %" G_GSIZE_FORMAT "\r\n", body_len);
    }
  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    g_string_append_printf (head, "%s\r\n", headers[i]);
  g_string_append (head, "\r\n");

  if (!g_output_stream_write_all (out, head->str, head->len, NULL, cancellable, error))
    return FALSE;
  if (body_len > 0 &&
      !g_output_stream_write_all (out, body_data, body_len, NULL, cancellable, error))
    return FALSE;
  return g_output_stream_flush (out, cancellable, error);
}

static gboolean
is_redirect (guint status)
{
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static gboolean
same_server (LagoonHttpClient *self,
             const Target     *t)
{
  return g_ascii_strcasecmp (t->host, self->host) == 0 && t->port == self->port &&
         t->tls == self->tls;
}

static LagoonHttpResponse *
send_locked (LagoonHttpClient    *self,
             const char          *method,
             const char          *path,
             const char * const  *headers,
             const char          *content_type,
             GBytes              *body,
             LagoonHttpBodySink   sink,
             gpointer             sink_data,
             LagoonDeadline      *deadline,
             GError             **error)
{
  GCancellable *cancellable = lagoon_deadline_get_cancellable (deadline);
  Target target = { g_strdup (self->host), self->port, self->tls, g_strdup (method),
                    g_strdup (path) };
  g_autoptr(GBytes) current_body = body != NULL ? g_bytes_ref (body) : NULL;
  const char *current_type = content_type;
  Conn temp = { NULL, NULL };
  LagoonHttpResponse *result = NULL;

  for (guint redirects = 0; ; redirects++)
    {
      g_autoptr(LagoonHttpResponse) response = NULL;
      gboolean home = same_server (self, &target);
      Conn *conn = home ? &self->home : &temp;
      const char *location;

      for (guint attempt = 0; ; attempt++)
        {
          g_autoptr(GError) local_error = NULL;
          gboolean reused = conn->stream != NULL;
          gboolean wrote;
          guint64 received;

          if (!reused && !conn_open (self, conn, &target, cancellable, error))
            goto out;
          lagoon_http_reader_set_limits (conn->reader, LAGOON_HTTP_DEFAULT_MAX_HEAD,
                                         self->max_body);

          wrote = write_request (conn, &target, headers, current_type, current_body,
                                 cancellable, &local_error);
          if (wrote)
            response = lagoon_http_reader_read_head (conn->reader, target.method,
                                                     cancellable, &local_error);
          if (response != NULL)
            break;

          received = wrote ? lagoon_http_reader_get_received (conn->reader) : 0;
          conn_close (conn);
          /* A kept-alive connection the server closed while idle: retry once, fresh,
           * when not a byte of the reply had arrived. */
          if (reused && attempt == 0 && received == 0 &&
              !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
              !g_error_matches (local_error, LAGOON_TRANSPORT_ERROR,
                                LAGOON_TRANSPORT_ERROR_TOO_LARGE) &&
              !g_error_matches (local_error, LAGOON_TRANSPORT_ERROR,
                                LAGOON_TRANSPORT_ERROR_PROTOCOL))
            {
              g_debug ("Kept-alive connection to %s:%u failed (%s); reconnecting",
                       target.host, target.port, local_error->message);
              continue;
            }
          g_propagate_error (error, g_steal_pointer (&local_error));
          goto out;
        }

      location = lagoon_http_response_get_header (response, "Location");
      if (is_redirect (lagoon_http_response_get_status (response)) && self->max_redirects > 0 &&
          location != NULL)
        {
          Target next = { NULL, 0, FALSE, NULL, NULL };

          /* Drain the redirect's own body so the connection can be reused. */
          if (!lagoon_http_reader_read_body (conn->reader, response, NULL, NULL,
                                             cancellable, error))
            {
              conn_close (conn);
              goto out;
            }
          if (!lagoon_http_reader_is_reusable (conn->reader) || !home)
            conn_close (conn);

          if (redirects + 1 > self->max_redirects)
            {
              g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_REDIRECT,
                           _("Too many redirects (more than %u); the last pointed to %s"),
                           self->max_redirects, location);
              goto out;
            }

          if (location[0] == '/' && location[1] != '/')
            {
              next.host = g_strdup (target.host);
              next.port = target.port;
              next.tls = target.tls;
              next.path = g_strdup (location);
            }
          else
            {
              g_autofree char *absolute = NULL;

              if (location[0] == '/')
                absolute = g_strconcat (target.tls ? "https:" : "http:", location, NULL);
              else
                absolute = g_strdup (location);
              if (!lagoon_http_split_url (absolute, &next.tls, &next.host, &next.port,
                                          &next.path))
                {
                  g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                               _("The server redirected to an invalid location “%s”"), location);
                  goto out;
                }
            }
          if (has_line_break (next.path))
            {
              target_clear (&next);
              g_set_error_literal (error, LAGOON_TRANSPORT_ERROR,
                                   LAGOON_TRANSPORT_ERROR_PROTOCOL,
                                   _("The server redirected to an invalid location"));
              goto out;
            }

          g_debug ("Redirect %u from %s:%u%s to %s:%u%s",
                   lagoon_http_response_get_status (response), target.host, target.port,
                   target.path, next.host, next.port, next.path);
          if (lagoon_http_response_get_status (response) == 303)
            {
              next.method = g_strdup (g_ascii_strcasecmp (target.method, "HEAD") == 0 ?
                                      "HEAD" : "GET");
              g_clear_pointer (&current_body, g_bytes_unref);
              current_type = NULL;
            }
          else
            next.method = g_strdup (target.method);
          target_clear (&target);
          target = next;
          continue;
        }

      if (!lagoon_http_reader_read_body (conn->reader, response, sink, sink_data,
                                         cancellable, error))
        {
          conn_close (conn);
          goto out;
        }
      if (!lagoon_http_reader_is_reusable (conn->reader) || !home)
        conn_close (conn);

      {
        g_autofree char *url = format_url (target.host, target.port, target.tls, target.path);
        lagoon_http_response_set_url (response, url);
      }
      result = g_steal_pointer (&response);
      break;
    }

out:
  conn_close (&temp);
  if (result == NULL && error != NULL && *error != NULL)
    {
      lagoon_deadline_fix_error (deadline, error, "HTTP request");
      g_prefix_error (error, _("%s %s on %s:%u: "), target.method, target.path, target.host,
                      target.port);
    }
  target_clear (&target);
  return result;
}

LagoonHttpResponse *
lagoon_http_client_send (LagoonHttpClient    *self,
                         const char          *method,
                         const char          *path,
                         const char * const  *headers,
                         const char          *content_type,
                         GBytes              *body,
                         LagoonHttpBodySink   sink,
                         gpointer             sink_data,
                         GCancellable        *cancellable,
                         GError             **error)
{
  g_autoptr(LagoonDeadline) deadline = NULL;
  LagoonHttpResponse *response;

  g_return_val_if_fail (LAGOON_IS_HTTP_CLIENT (self), NULL);
  g_return_val_if_fail (method != NULL && path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (has_line_break (method) || has_line_break (path) || has_line_break (content_type) ||
      strchr (method, ' ') != NULL || strchr (path, ' ') != NULL)
    {
      g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_FAILED,
                           _("Invalid HTTP method or path"));
      return NULL;
    }
  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    if (has_line_break (headers[i]) || strchr (headers[i], ':') == NULL)
      {
        g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_FAILED,
                     _("Invalid HTTP header line “%s”"), headers[i]);
        return NULL;
      }

  g_mutex_lock (&self->lock);
  deadline = lagoon_deadline_new (self->timeout_ms, cancellable);
  response = send_locked (self, method, path, headers, content_type, body, sink, sink_data,
                          deadline, error);
  g_mutex_unlock (&self->lock);
  return response;
}

typedef struct {
  char               *method;
  char               *path;
  char              **headers;
  char               *content_type;
  GBytes             *body;
  LagoonHttpBodySink  sink;
  gpointer            sink_data;
} SendData;

static void
send_data_free (gpointer data)
{
  SendData *d = data;

  g_free (d->method);
  g_free (d->path);
  g_strfreev (d->headers);
  g_free (d->content_type);
  g_clear_pointer (&d->body, g_bytes_unref);
  g_free (d);
}

static void
send_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SendData *d = task_data;
  GError *error = NULL;
  LagoonHttpResponse *response;

  response = lagoon_http_client_send (source_object, d->method, d->path,
                                      (const char * const *) d->headers, d->content_type,
                                      d->body, d->sink, d->sink_data, cancellable, &error);
  if (response == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, response, (GDestroyNotify) lagoon_http_response_unref);
}

void
lagoon_http_client_send_async (LagoonHttpClient    *self,
                               const char          *method,
                               const char          *path,
                               const char * const  *headers,
                               const char          *content_type,
                               GBytes              *body,
                               LagoonHttpBodySink   sink,
                               gpointer             sink_data,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SendData *d;

  g_return_if_fail (LAGOON_IS_HTTP_CLIENT (self));

  d = g_new0 (SendData, 1);
  d->method = g_strdup (method);
  d->path = g_strdup (path);
  d->headers = g_strdupv ((char **) headers);
  d->content_type = g_strdup (content_type);
  d->body = body != NULL ? g_bytes_ref (body) : NULL;
  d->sink = sink;
  d->sink_data = sink_data;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lagoon_http_client_send_async);
  g_task_set_task_data (task, d, send_data_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, send_thread);
}

LagoonHttpResponse *
lagoon_http_client_send_finish (LagoonHttpClient  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- CONNECT ------------------------------------------------------------------- */

static gboolean
connect_exchange (GIOStream     *stream,
                  const char    *host,
                  const char    *path,
                  const char    *session_id,
                  GCancellable  *cancellable,
                  GError       **error)
{
  GOutputStream *out = g_io_stream_get_output_stream (stream);
  GInputStream *in = g_io_stream_get_input_stream (stream);
  g_autoptr(GString) request = g_string_new (NULL);
  g_autoptr(GByteArray) head = g_byte_array_new ();
  g_autoptr(LagoonHttpResponse) response = NULL;
  guint status;

  if (has_line_break (path) || has_line_break (session_id) || has_line_break (host) ||
      strchr (path, ' ') != NULL)
    {
      g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_FAILED,
                           _("Invalid CONNECT path, host or session"));
      return FALSE;
    }

  g_string_append_printf (request, "CONNECT %s HTTP/1.0\r\nHost: %s\r\n", path, host);
  if (session_id != NULL)
    g_string_append_printf (request, "Cookie: session_id=%s\r\n", session_id);
  g_string_append (request, "\r\n");
  if (!g_output_stream_write_all (out, request->str, request->len, NULL, cancellable, error) ||
      !g_output_stream_flush (out, cancellable, error))
    return FALSE;

  /* One byte at a time: whatever follows the blank line belongs to the tunnelled protocol
   * and must stay in the stream. */
  while (TRUE)
    {
      guint8 c;
      gssize n = g_input_stream_read (in, &c, 1, cancellable, error);
      guint len;

      if (n < 0)
        return FALSE;
      if (n == 0)
        {
          g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CLOSED,
                               head->len == 0 ?
                               "The server closed the connection without replying to CONNECT" :
                               "The server closed the connection in the CONNECT reply");
          return FALSE;
        }
      g_byte_array_append (head, &c, 1);
      len = head->len;
      if (c == '\n' &&
          ((len >= 2 && head->data[len - 2] == '\n') ||
           (len >= 3 && head->data[len - 2] == '\r' && head->data[len - 3] == '\n')))
        break;
      if (len > LAGOON_HTTP_DEFAULT_MAX_HEAD)
        {
          g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_TOO_LARGE,
                       _("The CONNECT reply header block is larger than %d bytes"),
                       LAGOON_HTTP_DEFAULT_MAX_HEAD);
          return FALSE;
        }
    }

  response = lagoon_http_response_parse_head ((const char *) head->data, head->len, error);
  if (response == NULL)
    return FALSE;
  status = lagoon_http_response_get_status (response);
  if (status < 200 || status >= 300)
    {
      g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_HTTP_STATUS,
                   _("CONNECT %s was refused: %u %s"), path, status,
                   lagoon_http_response_get_reason (response));
      return FALSE;
    }
  return TRUE;
}

gboolean
lagoon_http_connect_on_stream (GIOStream     *stream,
                               const char    *host,
                               const char    *path,
                               const char    *session_id,
                               guint          timeout_ms,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_autoptr(LagoonDeadline) deadline = NULL;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), FALSE);
  g_return_val_if_fail (host != NULL && path != NULL, FALSE);

  deadline = lagoon_deadline_new (timeout_ms, cancellable);
  if (!connect_exchange (stream, host, path, session_id,
                         lagoon_deadline_get_cancellable (deadline), error))
    {
      lagoon_deadline_fix_error (deadline, error, "CONNECT");
      return FALSE;
    }
  return TRUE;
}

GIOStream *
lagoon_http_client_open_tunnel (LagoonHttpClient  *self,
                                const char        *path,
                                const char        *session_id,
                                GCancellable      *cancellable,
                                GError           **error)
{
  g_autoptr(LagoonDeadline) deadline = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GString) host_header = g_string_new (NULL);
  GCancellable *c;

  g_return_val_if_fail (LAGOON_IS_HTTP_CLIENT (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  deadline = lagoon_deadline_new (self->timeout_ms, cancellable);
  c = lagoon_deadline_get_cancellable (deadline);
  stream = lagoon_stream_opener_open (self->opener, self->host, self->port, self->tls, c,
                                      error);
  if (stream == NULL)
    {
      lagoon_deadline_fix_error (deadline, error, "Connecting");
      return NULL;
    }
  g_atomic_int_inc (&self->n_connections);

  append_host_header (host_header, self->host, self->port, self->tls);
  g_string_erase (host_header, 0, strlen ("Host: "));
  g_string_truncate (host_header, host_header->len - 2);
  if (!connect_exchange (stream, host_header->str, path, session_id, c, error))
    {
      lagoon_deadline_fix_error (deadline, error, "CONNECT");
      g_prefix_error (error, _("%s:%u: "), self->host, self->port);
      g_io_stream_close (stream, NULL, NULL);
      return NULL;
    }
  return g_steal_pointer (&stream);
}

typedef struct {
  char *path;
  char *session_id;
} TunnelData;

static void
tunnel_data_free (gpointer data)
{
  TunnelData *d = data;

  g_free (d->path);
  g_free (d->session_id);
  g_free (d);
}

static void
tunnel_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  TunnelData *d = task_data;
  GError *error = NULL;
  GIOStream *stream;

  stream = lagoon_http_client_open_tunnel (source_object, d->path, d->session_id,
                                           cancellable, &error);
  if (stream == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, stream, g_object_unref);
}

void
lagoon_http_client_open_tunnel_async (LagoonHttpClient    *self,
                                      const char          *path,
                                      const char          *session_id,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TunnelData *d;

  g_return_if_fail (LAGOON_IS_HTTP_CLIENT (self));

  d = g_new0 (TunnelData, 1);
  d->path = g_strdup (path);
  d->session_id = g_strdup (session_id);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lagoon_http_client_open_tunnel_async);
  g_task_set_task_data (task, d, tunnel_data_free);
  g_task_run_in_thread (task, tunnel_thread);
}

GIOStream *
lagoon_http_client_open_tunnel_finish (LagoonHttpClient  *self,
                                       GAsyncResult      *result,
                                       GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
