/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: HTTP reply parsing (status line, headers, framing, chunked bodies) from
 * arbitrary bytes, through the same reader the client uses on a connection. */
#define G_LOG_DOMAIN "fuzz-http-reply"

#include "config.h"

#include <stdint.h>
#include <string.h>
#include <gio/gio.h>

#include "lagoon-http-message.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A memory stream that returns at most a few bytes per read, as a network does. */
#define TYPE_CHUNKY_STREAM (chunky_stream_get_type ())
G_DECLARE_FINAL_TYPE (ChunkyStream, chunky_stream, CHUNKY, STREAM, GInputStream)

struct _ChunkyStream
{
  GInputStream  parent_instance;
  const guint8 *data;
  gsize         size;
  gsize         pos;
  gsize         step;
};

G_DEFINE_FINAL_TYPE (ChunkyStream, chunky_stream, G_TYPE_INPUT_STREAM)

static gssize
chunky_stream_read (GInputStream  *stream,
                    void          *buffer,
                    gsize          count,
                    GCancellable  *cancellable,
                    GError       **error)
{
  ChunkyStream *self = CHUNKY_STREAM (stream);
  gsize n = MIN (MIN (count, self->step), self->size - self->pos);

  memcpy (buffer, self->data + self->pos, n);
  self->pos += n;
  return (gssize) n;
}

static gboolean
chunky_stream_close (GInputStream  *stream,
                     GCancellable  *cancellable,
                     GError       **error)
{
  return TRUE;
}

static void
chunky_stream_class_init (ChunkyStreamClass *klass)
{
  G_INPUT_STREAM_CLASS (klass)->read_fn = chunky_stream_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = chunky_stream_close;
}

static void
chunky_stream_init (ChunkyStream *self)
{
}

static gboolean
discard (LagoonHttpResponse  *response,
         const guint8        *data,
         gsize                length,
         gpointer             user_data,
         GError             **error)
{
  return TRUE;
}

/* Read up to three replies back to back, as on a kept-alive connection, and describe what
 * came out. */
static char *
run_reader (const uint8_t *data,
            size_t         size,
            gsize          step,
            const char    *method,
            gboolean       use_sink)
{
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(LagoonHttpReader) reader = NULL;
  GString *summary = g_string_new (NULL);
  ChunkyStream *chunky = g_object_new (TYPE_CHUNKY_STREAM, NULL);

  chunky->data = data;
  chunky->size = size;
  chunky->step = step;
  input = G_INPUT_STREAM (chunky);
  reader = lagoon_http_reader_new (input);
  lagoon_http_reader_set_limits (reader, 4096, 1 << 20);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LagoonHttpResponse) response = NULL;
      GBytes *body;

      response = lagoon_http_reader_read_head (reader, method, NULL, &error);
      if (response == NULL)
        {
          g_string_append_printf (summary, "E%d;", error->code);
          break;
        }
      g_string_append_printf (summary, "%u;", lagoon_http_response_get_status (response));
      if (!lagoon_http_reader_read_body (reader, response, use_sink ? discard : NULL, NULL,
                                         NULL, &error))
        {
          g_string_append_printf (summary, "B%d;", error->code);
          break;
        }
      body = lagoon_http_response_get_body (response);
      g_string_append_printf (summary, "%zu;", g_bytes_get_size (body));
      /* Whether the connection counts as reusable depends on what was already read (extra
       * bytes after a reply make it not so); keep reading regardless. */
      (void) lagoon_http_reader_is_reusable (reader);
    }
  return g_string_free (summary, FALSE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *methods[] = { "GET", "HEAD", "POST" };
  g_autofree char *whole = NULL;
  g_autofree char *pieces = NULL;
  const char *method;
  gboolean use_sink;
  guint8 control;

  if (size < 1)
    return 0;
  control = data[0];
  method = methods[control % 3];
  use_sink = (control & 4) != 0;
  data++;
  size--;

  /* The header parser on its own. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(LagoonHttpResponse) head = lagoon_http_response_parse_head ((const char *) data,
                                                                          size, &error);
    if (head != NULL)
      (void) lagoon_http_response_get_header (head, "Content-Length");
  }

  /* The outcome must not depend on how the bytes were cut into reads. */
  whole = run_reader (data, size, G_MAXSIZE, method, use_sink);
  pieces = run_reader (data, size, 1 + (control >> 3) * 3, method, use_sink);
  if (g_strcmp0 (whole, pieces) != 0)
    {
      g_printerr ("whole: %s\npieces: %s\n", whole, pieces);
      __builtin_trap ();
    }
  return 0;
}
