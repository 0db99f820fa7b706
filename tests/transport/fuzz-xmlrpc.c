/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: XML-RPC replies through the streaming parser (whole and in pieces,
 * with and without splitting) and through xmlrpc-c plus the GVariant conversion. */
#define G_LOG_DOMAIN "fuzz-xmlrpc"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "lagoon-xmlrpc.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean
touch_item (const char  *key,
            GVariant    *value,
            gpointer     user_data,
            GError     **error)
{
  g_autofree char *printed = NULL;

  /* The streaming parser serialises by hand: what it builds must be GVariant normal form. */
  if (!g_variant_is_normal_form (value))
    __builtin_trap ();
  printed = g_variant_print (value, FALSE);
  return printed != NULL;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *paths[] = { NULL, "", "events", "a/b" };
  guint8 control;
  const char *xml;

  if (size < 1)
    return 0;
  control = data[0];
  xml = (const char *) data + 1;
  size--;

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) top = lagoon_xmlrpc_parse_response (xml, size, &error);
    if (top != NULL)
      {
        g_autoptr(GError) e2 = NULL;
        g_autoptr(GVariant) value = lagoon_xmlrpc_unwrap_envelope (top, &e2);
        if (value == NULL && e2 == NULL)
          __builtin_trap ();
      }
  }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(LagoonXmlrpcStreamParser) parser = NULL;
    g_autoptr(GVariant) rest = NULL;
    gsize step = 1 + (control >> 4) * 7;
    LagoonXmlrpcStreamFlags flags = control & 3;
    gboolean ok = TRUE;

    parser = lagoon_xmlrpc_stream_parser_new (paths[(control >> 2) & 3], flags, touch_item,
                                              NULL);
    for (gsize off = 0; off < size && ok; off += step)
      ok = lagoon_xmlrpc_stream_parser_feed (parser, xml + off, MIN (step, size - off), &error);
    if (ok)
      rest = lagoon_xmlrpc_stream_parser_finish (parser, &error);
    if (rest != NULL && !g_variant_is_normal_form (rest))
      __builtin_trap ();
  }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) v = lagoon_xmlrpc_parse_value_fragment (xml, size, &error);
    if (v != NULL && !g_variant_is_normal_form (v))
      __builtin_trap ();
  }
  return 0;
}
