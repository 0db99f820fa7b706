/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: HTTP reply parsing (status line, headers, framing, chunked bodies) from
 * arbitrary bytes, through the same reader the client uses on a connection. */
#define G_LOG_DOMAIN "fuzz-http-reply"

#include "config.h"

#include <stdint.h>
#include <gio/gio.h>

#include "lagoon-http-message.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean
discard (LagoonHttpResponse  *response,
         const guint8        *data,
         gsize                length,
         gpointer             user_data,
         GError             **error)
{
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GInputStream) input = NULL;
  g_autoptr(LagoonHttpReader) reader = NULL;
  const char *methods[] = { "GET", "HEAD", "POST" };
  const char *method;
  gboolean use_sink;

  if (size < 1)
    return 0;
  method = methods[data[0] % 3];
  use_sink = (data[0] & 4) != 0;
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

  input = g_memory_input_stream_new_from_data (g_memdup2 (data, size), (gssize) size, g_free);
  reader = lagoon_http_reader_new (input);
  lagoon_http_reader_set_limits (reader, 4096, 1 << 20);
  /* Up to three replies back to back, as on a kept-alive connection. */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LagoonHttpResponse) response = NULL;

      response = lagoon_http_reader_read_head (reader, method, NULL, &error);
      if (response == NULL)
        break;
      (void) lagoon_http_response_get_header (response, "Location");
      if (!lagoon_http_reader_read_body (reader, response, use_sink ? discard : NULL, NULL,
                                         NULL, &error))
        break;
      if (!lagoon_http_reader_is_reusable (reader))
        break;
    }
  return 0;
}
