/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-http"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "lagoon-http-message.h"
#include "lagoon-transport-error.h"

#define READ_CHUNK       (64 * 1024)
#define MAX_CHUNK_LINE   4096

typedef struct {
  char *name;
  char *value;
} Header;

struct _LagoonHttpResponse
{
  gatomicrefcount  ref_count;
  guint            minor_version;
  guint            status;
  char            *reason;
  GArray          *headers;   /* of Header */
  GBytes          *body;
  char            *url;
  /* framing, decided from the headers */
  gboolean         chunked;
  gboolean         has_length;
  guint64          content_length;
  gboolean         keep_alive;
};

G_DEFINE_BOXED_TYPE (LagoonHttpResponse, lagoon_http_response,
                     lagoon_http_response_ref, lagoon_http_response_unref)

static void
header_clear (gpointer data)
{
  Header *h = data;

  g_free (h->name);
  g_free (h->value);
}

static LagoonHttpResponse *
response_new (void)
{
  LagoonHttpResponse *self = g_new0 (LagoonHttpResponse, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->headers = g_array_new (FALSE, TRUE, sizeof (Header));
  g_array_set_clear_func (self->headers, header_clear);
  return self;
}

LagoonHttpResponse *
lagoon_http_response_ref (LagoonHttpResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
lagoon_http_response_unref (LagoonHttpResponse *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->reason);
  g_array_unref (self->headers);
  g_clear_pointer (&self->body, g_bytes_unref);
  g_free (self->url);
  g_free (self);
}

guint
lagoon_http_response_get_status (LagoonHttpResponse *self)
{
  return self->status;
}

const char *
lagoon_http_response_get_reason (LagoonHttpResponse *self)
{
  return self->reason;
}

guint
lagoon_http_response_get_minor_version (LagoonHttpResponse *self)
{
  return self->minor_version;
}

const char *
lagoon_http_response_get_header (LagoonHttpResponse *self,
                                 const char         *name)
{
  for (guint i = 0; i < self->headers->len; i++)
    {
      Header *h = &g_array_index (self->headers, Header, i);

      if (g_ascii_strcasecmp (h->name, name) == 0)
        return h->value;
    }
  return NULL;
}

guint
lagoon_http_response_get_n_headers (LagoonHttpResponse *self)
{
  return self->headers->len;
}

GBytes *
lagoon_http_response_get_body (LagoonHttpResponse *self)
{
  if (self->body == NULL)
    self->body = g_bytes_new (NULL, 0);
  return self->body;
}

const char *
lagoon_http_response_get_url (LagoonHttpResponse *self)
{
  return self->url;
}

void
lagoon_http_response_set_url (LagoonHttpResponse *self,
                              const char         *url)
{
  char *copy = g_strdup (url);

  g_free (self->url);
  self->url = copy;
}

/* ---- header block parsing ----------------------------------------------- */

static gboolean
is_token_char (guchar c)
{
  return g_ascii_isalnum (c) || (c != 0 && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

static char *
printable_excerpt (const char *data,
                   gsize       length)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < length && i < 40; i++)
    {
      guchar c = (guchar) data[i];

      if (c >= 0x20 && c < 0x7f)
        g_string_append_c (s, (char) c);
      else
        g_string_append_printf (s, "\\x%02x", c);
    }
  if (length > 40)
    g_string_append (s, "…");
  return g_string_free (s, FALSE);
}

static gboolean
parse_status_line (LagoonHttpResponse  *self,
                   const char          *line,
                   gsize                length,
                   GError             **error)
{
  if (length < 12 || memcmp (line, "HTTP/1.", 7) != 0 ||
      (line[7] != '0' && line[7] != '1') || line[8] != ' ' ||
      !g_ascii_isdigit (line[9]) || !g_ascii_isdigit (line[10]) ||
      !g_ascii_isdigit (line[11]) || (length > 12 && line[12] != ' '))
    {
      g_autofree char *excerpt = printable_excerpt (line, length);

      g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                   _("The server did not send an HTTP/1.x status line (got “%s”)"), excerpt);
      return FALSE;
    }

  self->minor_version = (guint) (line[7] - '0');
  self->status = (guint) ((line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0'));
  if (self->status < 100)
    {
      g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                   _("The server sent an invalid HTTP status %03u"), self->status);
      return FALSE;
    }
  if (length > 13)
    self->reason = g_utf8_make_valid (line + 13, (gssize) (length - 13));
  else
    self->reason = g_strdup ("");
  return TRUE;
}

static gboolean
parse_header_line (LagoonHttpResponse  *self,
                   const char          *line,
                   gsize                length,
                   GError             **error)
{
  const char *colon = memchr (line, ':', length);
  const char *v, *end;
  Header h;

  if (line[0] == ' ' || line[0] == '\t')
    {
      g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                           _("The server sent a folded HTTP header line"));
      return FALSE;
    }
  if (colon == NULL || colon == line)
    {
      g_autofree char *excerpt = printable_excerpt (line, length);

      g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                   _("The server sent a malformed HTTP header line “%s”"), excerpt);
      return FALSE;
    }
  for (const char *p = line; p < colon; p++)
    if (!is_token_char ((guchar) *p))
      {
        g_autofree char *excerpt = printable_excerpt (line, length);

        g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                     _("The server sent an invalid HTTP header name in “%s”"), excerpt);
        return FALSE;
      }
  for (const char *p = colon + 1; p < line + length; p++)
    if (*p == '\0')
      {
        g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                             _("The server sent a NUL byte in an HTTP header"));
        return FALSE;
      }

  v = colon + 1;
  end = line + length;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
    end--;

  h.name = g_strndup (line, (gsize) (colon - line));
  h.value = g_utf8_make_valid (v, end - v);
  g_array_append_val (self->headers, h);
  return TRUE;
}

static gboolean
header_has_token (const char *value,
                  const char *token)
{
  g_auto(GStrv) parts = NULL;

  if (value == NULL)
    return FALSE;
  parts = g_strsplit (value, ",", 64);
  for (guint i = 0; parts[i] != NULL; i++)
    if (g_ascii_strcasecmp (g_strstrip (parts[i]), token) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
decide_framing (LagoonHttpResponse  *self,
                GError             **error)
{
  const char *connection = NULL;
  const char *te = NULL;
  gboolean have_cl = FALSE;
  guint64 cl = 0;

  for (guint i = 0; i < self->headers->len; i++)
    {
      Header *h = &g_array_index (self->headers, Header, i);

      if (g_ascii_strcasecmp (h->name, "Content-Length") == 0)
        {
          guint64 v = 0;
          const char *p = h->value;

          if (*p == '\0')
            goto bad_length;
          for (; *p != '\0'; p++)
            {
              if (!g_ascii_isdigit (*p) || v > (G_MAXUINT64 - 9) / 10)
                goto bad_length;
              v = v * 10 + (guint64) (*p - '0');
            }
          if (have_cl && v != cl)
            {
              g_set_error_literal (error, LAGOON_TRANSPORT_ERROR,
                                   LAGOON_TRANSPORT_ERROR_PROTOCOL,
                                   _("The server sent conflicting Content-Length headers"));
              return FALSE;
            }
          have_cl = TRUE;
          cl = v;
        }
      else if (g_ascii_strcasecmp (h->name, "Transfer-Encoding") == 0)
        te = h->value;
      else if (g_ascii_strcasecmp (h->name, "Connection") == 0 && connection == NULL)
        connection = h->value;
    }

  if (self->minor_version >= 1)
    self->keep_alive = !header_has_token (connection, "close");
  else
    self->keep_alive = header_has_token (connection, "keep-alive");

  if (te != NULL)
    {
      const char *last = strrchr (te, ',');

      last = last != NULL ? last + 1 : te;
      while (*last == ' ' || *last == '\t')
        last++;
      self->chunked = g_ascii_strncasecmp (last, "chunked", 7) == 0 &&
                      (last[7] == '\0' || last[7] == ' ' || last[7] == '\t');
      /* A length next to a transfer coding cannot be trusted for reuse. */
      if (have_cl || !self->chunked)
        self->keep_alive = FALSE;
      return TRUE;
    }

  self->has_length = have_cl;
  self->content_length = cl;
  if (!have_cl)
    self->keep_alive = FALSE;
  return TRUE;

bad_length:
  g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                       _("The server sent an invalid Content-Length header"));
  return FALSE;
}

LagoonHttpResponse *
lagoon_http_response_parse_head (const char  *data,
                                 gsize        length,
                                 GError     **error)
{
  g_autoptr(LagoonHttpResponse) self = response_new ();
  const char *p = data;
  const char *end = data + length;
  gboolean first = TRUE;

  while (TRUE)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      gsize line_len;

      if (nl == NULL)
        {
          g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                               _("The HTTP header block ended without a blank line"));
          return NULL;
        }
      line_len = (gsize) (nl - p);
      if (line_len > 0 && p[line_len - 1] == '\r')
        line_len--;

      if (first)
        {
          if (!parse_status_line (self, p, line_len, error))
            return NULL;
          first = FALSE;
        }
      else if (line_len == 0)
        break;
      else if (!parse_header_line (self, p, line_len, error))
        return NULL;
      p = nl + 1;
    }

  if (!decide_framing (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* ---- reader ----------------------------------------------------------------- */

struct _LagoonHttpReader
{
  GInputStream *input;
  guint8       *buf;
  gsize         cap;
  gsize         start;   /* first unconsumed byte */
  gsize         end;     /* one past the last buffered byte */
  gsize         max_head;
  guint64       max_body;
  guint64       received;
  gboolean      reusable;
  gboolean      eof;
};

LagoonHttpReader *
lagoon_http_reader_new (GInputStream *input)
{
  LagoonHttpReader *self = g_new0 (LagoonHttpReader, 1);

  self->input = g_object_ref (input);
  self->cap = READ_CHUNK;
  self->buf = g_malloc (self->cap);
  self->max_head = LAGOON_HTTP_DEFAULT_MAX_HEAD;
  self->max_body = LAGOON_HTTP_DEFAULT_MAX_BODY;
  return self;
}

void
lagoon_http_reader_free (LagoonHttpReader *self)
{
  if (self == NULL)
    return;
  g_object_unref (self->input);
  g_free (self->buf);
  g_free (self);
}

void
lagoon_http_reader_set_limits (LagoonHttpReader *self,
                               gsize             max_head,
                               guint64           max_body)
{
  self->max_head = max_head > 0 ? max_head : LAGOON_HTTP_DEFAULT_MAX_HEAD;
  self->max_body = max_body;
}

gboolean
lagoon_http_reader_is_reusable (LagoonHttpReader *self)
{
  return self->reusable && self->start == self->end && !self->eof;
}

/* Every byte every reader of this process has read (the reply side of all HTTP traffic). */
static gsize total_received;

guint64
lagoon_http_get_total_received (void)
{
  return (guint64) g_atomic_pointer_get (&total_received);
}

guint64
lagoon_http_reader_get_received (LagoonHttpReader *self)
{
  return self->received;
}

/* Read more bytes into the buffer; returns the number read (0 at end of stream), -1 on
 * error. The buffer grows up to @limit bytes of unconsumed data. */
static gssize
reader_fill (LagoonHttpReader  *self,
             gsize              limit,
             GCancellable      *cancellable,
             GError           **error)
{
  gssize n;

  if (self->start == self->end)
    self->start = self->end = 0;
  if (self->end == self->cap && self->start > 0)
    {
      memmove (self->buf, self->buf + self->start, self->end - self->start);
      self->end -= self->start;
      self->start = 0;
    }
  if (self->end == self->cap)
    {
      gsize want = MIN (self->cap * 2, limit + READ_CHUNK);

      if (want <= self->cap)
        return -2;
      self->buf = g_realloc (self->buf, want);
      self->cap = want;
    }

  n = g_input_stream_read (self->input, self->buf + self->end, self->cap - self->end,
                           cancellable, error);
  if (n < 0)
    return -1;
  if (n == 0)
    self->eof = TRUE;
  self->end += (gsize) n;
  self->received += (guint64) n;
  g_atomic_pointer_add (&total_received, n);
  return n;
}

/* Find a complete line in the buffer (reading more as needed); sets @line and @len without
 * the line end and consumes it. */
static gboolean
reader_read_line (LagoonHttpReader  *self,
                  gsize              max_len,
                  const char        *what,
                  char             **line,
                  gsize             *len,
                  GCancellable      *cancellable,
                  GError           **error)
{
  gsize scanned = 0;

  while (TRUE)
    {
      guint8 *nl = memchr (self->buf + self->start + scanned, '\n',
                           self->end - self->start - scanned);
      gssize n;

      if (nl != NULL)
        {
          gsize l = (gsize) (nl - (self->buf + self->start));

          *line = (char *) self->buf + self->start;
          *len = (l > 0 && (*line)[l - 1] == '\r') ? l - 1 : l;
          self->start += l + 1;
          return TRUE;
        }
      scanned = self->end - self->start;
      if (scanned > max_len)
        {
          g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_TOO_LARGE,
                       _("The server sent a %s line longer than %llu bytes"),
                       what, (unsigned long long) max_len);
          return FALSE;
        }
      n = reader_fill (self, max_len, cancellable, error);
      if (n < 0)
        {
          if (n == -2)
            g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_TOO_LARGE,
                         _("The server sent a %s line longer than %llu bytes"),
                         what, (unsigned long long) max_len);
          return FALSE;
        }
      if (n == 0)
        {
          g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CLOSED,
                       _("The server closed the connection in the middle of a %s line"), what);
          return FALSE;
        }
    }
}

static LagoonHttpResponse *
read_one_head (LagoonHttpReader  *self,
               GCancellable      *cancellable,
               GError           **error)
{
  gsize scanned = 0;

  while (TRUE)
    {
      const guint8 *base = self->buf + self->start;
      gsize avail = self->end - self->start;
      gsize head_end = 0;
      gssize n;

      /* Look for LF (CR) LF from where the previous scan stopped, backing up over a
       * partial terminator ("\n\r" at the end of the last read). */
      for (gsize i = scanned > 2 ? scanned - 2 : 0; i < avail; i++)
        {
          const guint8 *nl = memchr (base + i, '\n', avail - i);

          if (nl == NULL)
            break;
          i = (gsize) (nl - base);
          if (i + 1 < avail && base[i + 1] == '\n')
            {
              head_end = i + 2;
              break;
            }
          if (i + 2 < avail && base[i + 1] == '\r' && base[i + 2] == '\n')
            {
              head_end = i + 3;
              break;
            }
        }
      if (head_end > 0)
        {
          LagoonHttpResponse *response;

          if (head_end > self->max_head)
            goto too_large;
          response = lagoon_http_response_parse_head ((const char *) base, head_end, error);
          if (response != NULL)
            self->start += head_end;
          return response;
        }
      scanned = avail;
      if (avail > self->max_head)
        goto too_large;

      n = reader_fill (self, self->max_head, cancellable, error);
      if (n == -2)
        goto too_large;
      if (n < 0)
        return NULL;
      if (n == 0)
        {
          if (self->end == self->start)
            g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CLOSED,
                                 _("The server closed the connection without replying"));
          else
            g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CLOSED,
                                 _("The server closed the connection in the middle of the "
                                 "HTTP headers"));
          return NULL;
        }
    }

too_large:
  g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_TOO_LARGE,
               _("The server's HTTP header block is larger than %llu bytes"),
               (unsigned long long) self->max_head);
  return NULL;
}

LagoonHttpResponse *
lagoon_http_reader_read_head (LagoonHttpReader  *self,
                              const char        *request_method,
                              GCancellable      *cancellable,
                              GError           **error)
{
  self->received = self->end - self->start;
  self->reusable = FALSE;

  while (TRUE)
    {
      g_autoptr(LagoonHttpResponse) response = read_one_head (self, cancellable, error);

      if (response == NULL)
        return NULL;
      /* Interim replies (100 Continue, 102 Processing...) carry no body: skip them. */
      if (response->status >= 100 && response->status < 200 && response->status != 101)
        continue;

      if ((request_method != NULL && g_ascii_strcasecmp (request_method, "HEAD") == 0) ||
          response->status == 101 || response->status == 204 || response->status == 304)
        {
          response->chunked = FALSE;
          response->has_length = TRUE;
          response->content_length = 0;
          /* After 101 the connection speaks another protocol. */
          if (response->status == 101)
            response->keep_alive = FALSE;
        }
      else if (request_method != NULL && g_ascii_strcasecmp (request_method, "CONNECT") == 0 &&
               response->status >= 200 && response->status < 300)
        {
          response->chunked = FALSE;
          response->has_length = TRUE;
          response->content_length = 0;
          response->keep_alive = FALSE;
        }
      return g_steal_pointer (&response);
    }
}

typedef struct {
  LagoonHttpResponse *response;
  LagoonHttpBodySink  sink;
  gpointer            user_data;
  GByteArray         *collect;
  guint64             total;
  guint64             max;
} BodyOut;

static gboolean
body_out_push (BodyOut       *out,
               const guint8  *data,
               gsize          length,
               GError       **error)
{
  if (length == 0)
    return TRUE;
  if (out->total + length > out->max)
    {
      g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_TOO_LARGE,
                   _("The server's reply body is larger than the limit of %llu bytes"),
                   (unsigned long long) out->max);
      return FALSE;
    }
  out->total += length;
  if (out->sink != NULL)
    return out->sink (out->response, data, length, out->user_data, error);
  g_byte_array_append (out->collect, data, (guint) length);
  return TRUE;
}

/* Pass up to @count bytes (G_MAXUINT64: until end of stream) to @out. */
static gboolean
copy_body_bytes (LagoonHttpReader  *self,
                 BodyOut           *out,
                 guint64            count,
                 GCancellable      *cancellable,
                 GError           **error)
{
  gboolean to_eof = count == G_MAXUINT64;
  guint64 done = 0;

  while (to_eof || done < count)
    {
      gsize avail = self->end - self->start;
      gsize take;

      if (avail == 0)
        {
          gssize n;

          if (self->eof)
            n = 0;
          else
            n = reader_fill (self, READ_CHUNK, cancellable, error);
          if (n < 0)
            return FALSE;
          if (n == 0)
            {
              if (to_eof)
                return TRUE;
              g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CLOSED,
                           _("The server closed the connection after %llu of %llu body bytes"),
                           (unsigned long long) done, (unsigned long long) count);
              return FALSE;
            }
          avail = self->end - self->start;
        }
      take = to_eof ? avail : (gsize) MIN ((guint64) avail, count - done);
      if (!body_out_push (out, self->buf + self->start, take, error))
        return FALSE;
      self->start += take;
      done += take;
    }
  return TRUE;
}

static gboolean
read_chunked (LagoonHttpReader  *self,
              BodyOut           *out,
              GCancellable      *cancellable,
              GError           **error)
{
  gsize trailer_bytes = 0;

  while (TRUE)
    {
      char *line;
      gsize len;
      guint64 size = 0;
      gsize i = 0;

      if (!reader_read_line (self, MAX_CHUNK_LINE, "chunk size", &line, &len,
                             cancellable, error))
        return FALSE;
      while (i < len && g_ascii_isxdigit (line[i]))
        {
          if (size > (G_MAXUINT64 >> 4))
            {
              g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_TOO_LARGE,
                                   _("The server sent an impossibly large chunk"));
              return FALSE;
            }
          size = (size << 4) | (guint64) g_ascii_xdigit_value (line[i]);
          i++;
        }
      while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
      if (i == 0 || (i < len && line[i] != ';'))
        {
          g_autofree char *excerpt = printable_excerpt (line, len);

          g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                       _("The server sent an invalid chunk size line “%s”"), excerpt);
          return FALSE;
        }
      if (size > out->max - out->total)
        {
          g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_TOO_LARGE,
                       _("The server's reply body is larger than the limit of %llu bytes"),
                       (unsigned long long) out->max);
          return FALSE;
        }
      if (size == 0)
        break;
      if (!copy_body_bytes (self, out, size, cancellable, error))
        return FALSE;
      if (!reader_read_line (self, MAX_CHUNK_LINE, "chunk end", &line, &len, cancellable, error))
        return FALSE;
      if (len != 0)
        {
          g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                               _("The server sent more chunk data than the chunk size said"));
          return FALSE;
        }
    }

  /* Trailer section: header lines up to a blank line, ignored. */
  while (TRUE)
    {
      char *line;
      gsize len;

      if (!reader_read_line (self, MAX_CHUNK_LINE, "trailer", &line, &len, cancellable, error))
        return FALSE;
      if (len == 0)
        return TRUE;
      trailer_bytes += len;
      if (trailer_bytes > self->max_head)
        {
          g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_TOO_LARGE,
                               _("The server sent too many trailer lines"));
          return FALSE;
        }
    }
}

gboolean
lagoon_http_reader_read_body (LagoonHttpReader    *self,
                              LagoonHttpResponse  *response,
                              LagoonHttpBodySink   sink,
                              gpointer             user_data,
                              GCancellable        *cancellable,
                              GError             **error)
{
  g_autoptr(GByteArray) collect = NULL;
  BodyOut out = { response, sink, user_data, NULL, 0, self->max_body };
  gboolean ok;

  self->reusable = FALSE;
  if (sink == NULL)
    out.collect = collect = g_byte_array_new ();

  if (response->chunked)
    ok = read_chunked (self, &out, cancellable, error);
  else if (response->has_length)
    {
      if (response->content_length > self->max_body)
        {
          g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_TOO_LARGE,
                       _("The server announced a reply body of %llu bytes, over the limit of "
                         "%llu bytes"),
                       (unsigned long long) response->content_length,
                       (unsigned long long) self->max_body);
          return FALSE;
        }
      ok = copy_body_bytes (self, &out, response->content_length, cancellable, error);
    }
  else
    ok = copy_body_bytes (self, &out, G_MAXUINT64, cancellable, error);

  if (!ok)
    return FALSE;

  g_clear_pointer (&response->body, g_bytes_unref);
  if (collect != NULL)
    response->body = g_byte_array_free_to_bytes (g_steal_pointer (&collect));
  self->reusable = response->keep_alive && (response->chunked || response->has_length);
  return TRUE;
}
