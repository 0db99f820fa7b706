/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-xmlrpc"

#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

#include "lagoon-tcp-opener.h"
#include "lagoon-transport-error.h"
#include "lagoon-xenapi-error.h"
#include "lagoon-xmlrpc.h"
#include "test-server.h"

#define RESPONSE(value) \
  "<?xml version=\"1.0\"?><methodResponse><params><param><value>" value \
  "</value></param></params></methodResponse>"
#define SUCCESS(value) \
  RESPONSE ("<struct><member><name>Status</name><value>Success</value></member>" \
            "<member><name>Value</name>" value "</member></struct>")

/* Two VM records as xapi writes them: compact, strings and int64 untyped. */
#define RECORDS \
  "<value><struct>" \
  "<member><name>OpaqueRef:a</name><value><struct>" \
  "<member><name>uuid</name><value>1111</value></member>" \
  "<member><name>name_label</name><value>web &amp; db &lt;1&gt;</value></member>" \
  "<member><name>name_description</name><value/></member>" \
  "<member><name>memory_target</name><value>268435456</value></member>" \
  "<member><name>VCPUs_at_startup</name><value><i4>2</i4></value></member>" \
  "<member><name>is_a_template</name><value><boolean>0</boolean></value></member>" \
  "<member><name>start_delay</name><value><i8>-5</i8></value></member>" \
  "<member><name>ratio</name><value><double>0.25</double></value></member>" \
  "<member><name>last_boot</name><value><dateTime.iso8601>20250319T04:16:24Z</dateTime.iso8601></value></member>" \
  "<member><name>tags</name><value><array><data><value>a</value><value><string>b</string></value></data></array></value></member>" \
  "<member><name>other_config</name><value><struct><member><name>k</name><value>v</value></member></struct></value></member>" \
  "<member><name>VBDs</name><value><array><data/></array></value></member>" \
  "<member><name>blocked</name><value><struct/></value></member>" \
  "</struct></value></member>" \
  "<member><name>OpaqueRef:b</name><value><struct>" \
  "<member><name>uuid</name><value>2222</value></member>" \
  "<member><name>name_label</name><value><![CDATA[raw <text>]]></value></member>" \
  "</struct></value></member>" \
  "</struct></value>"

static GVariant *
lookup (GVariant   *dict,
        const char *key)
{
  GVariant *v = g_variant_lookup_value (dict, key, NULL);

  g_assert_nonnull (v);
  return v;
}

/* ---- building calls -------------------------------------------------------------- */

static void
test_build_call (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) xml = NULL;
  g_autoptr(GVariantBuilder) dict = g_variant_builder_new (G_VARIANT_TYPE ("a{sv}"));
  g_autofree char *text = NULL;
  GVariant *params;

  g_variant_builder_add (dict, "{sv}", "name_label", g_variant_new_string ("x<y"));
  g_variant_builder_add (dict, "{sv}", "memory", g_variant_new_int64 (G_GINT64_CONSTANT (8589934592)));
  params = g_variant_new ("(sxdbava{sv}i)", "OpaqueRef:s", (gint64) -42, 30.5, TRUE, NULL,
                          dict, 7);
  xml = lagoon_xmlrpc_build_call ("VM.create", params, &error);
  g_assert_no_error (error);
  text = g_strndup (g_bytes_get_data (xml, NULL), g_bytes_get_size (xml));
  g_assert_nonnull (strstr (text, "<methodName>VM.create</methodName>"));
  g_assert_nonnull (strstr (text, "OpaqueRef:s"));
  /* 64-bit ints as decimal strings, as xapi and XenCenter do. */
  g_assert_nonnull (strstr (text, "-42</string>"));
  g_assert_nonnull (strstr (text, "8589934592</string>"));
  g_assert_nonnull (strstr (text, "<double>30.5"));
  g_assert_nonnull (strstr (text, "<boolean>1</boolean>"));
  g_assert_nonnull (strstr (text, "<array><data>\r\n</data></array>") != NULL ?
                    "ok" : strstr (text, "<array>"));
  g_assert_nonnull (strstr (text, "<name>name_label</name>"));
  g_assert_nonnull (strstr (text, "x&lt;y"));
  g_assert_nonnull (strstr (text, "<i4>7</i4>"));

  /* Not a tuple. */
  g_clear_pointer (&xml, g_bytes_unref);
  xml = lagoon_xmlrpc_build_call ("x", g_variant_new_string ("no"), &error);
  g_assert_null (xml);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_FAILED);
}

/* ---- both parsers on the same bytes ------------------------------------------------ */

typedef struct {
  GPtrArray *keys;
  GPtrArray *values;
} Collected;

static gboolean
collect_item (const char  *key,
              GVariant    *value,
              gpointer     user_data,
              GError     **error)
{
  Collected *c = user_data;

  g_assert_true (g_variant_is_normal_form (value));
  g_ptr_array_add (c->keys, g_strdup (key != NULL ? key : "(null)"));
  g_ptr_array_add (c->values, g_variant_ref (value));
  return TRUE;
}

static void
collected_init (Collected *c)
{
  c->keys = g_ptr_array_new_with_free_func (g_free);
  c->values = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
}

static void
collected_clear (Collected *c)
{
  g_ptr_array_unref (c->keys);
  g_ptr_array_unref (c->values);
}

static GVariant *
parse_both (const char  *xml,
            GError     **error_xmlrpc_c,
            GError     **error_stream)
{
  g_autoptr(GVariant) top = NULL;
  g_autoptr(GVariant) a = NULL;
  g_autoptr(GVariant) b = NULL;

  top = lagoon_xmlrpc_parse_response (xml, strlen (xml), error_xmlrpc_c);
  if (top != NULL)
    a = lagoon_xmlrpc_unwrap_envelope (top, error_xmlrpc_c);
  b = lagoon_xmlrpc_stream_parse (xml, strlen (xml), NULL, LAGOON_XMLRPC_STREAM_DEFAULT, NULL,
                                  NULL, error_stream);
  if (b != NULL)
    g_assert_true (g_variant_is_normal_form (b));
  if (a != NULL && b != NULL)
    {
      if (!g_variant_equal (a, b))
        {
          g_autofree char *pa = g_variant_print (a, TRUE);
          g_autofree char *pb = g_variant_print (b, TRUE);
          g_error ("parsers disagree:\n%s\n%s", pa, pb);
        }
    }
  g_assert_true ((a == NULL) == (b == NULL));
  return a != NULL ? g_steal_pointer (&a) : NULL;
}

static void
test_parse_records (void)
{
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GVariant) value = parse_both (SUCCESS (RECORDS), &e1, &e2);
  g_autoptr(GVariant) a = NULL;
  g_autoptr(GVariant) b = NULL;
  g_autoptr(GVariant) v = NULL;

  g_assert_no_error (e1);
  g_assert_no_error (e2);
  g_assert_true (g_variant_is_of_type (value, G_VARIANT_TYPE ("a{sv}")));
  g_assert_cmpuint (g_variant_n_children (value), ==, 2);
  a = lookup (value, "OpaqueRef:a");
  b = lookup (value, "OpaqueRef:b");

#define CHECK(dict, key, fmt, expected) \
  G_STMT_START { \
    g_autoptr(GVariant) tmp = lookup (dict, key); \
    g_autofree char *printed = g_variant_print (tmp, TRUE); \
    g_assert_cmpstr (printed, ==, expected); \
  } G_STMT_END

  CHECK (a, "uuid", "s", "'1111'");
  CHECK (a, "name_label", "s", "'web & db <1>'");
  CHECK (a, "name_description", "s", "''");
  CHECK (a, "memory_target", "s", "'268435456'");
  CHECK (a, "VCPUs_at_startup", "x", "int64 2");
  CHECK (a, "is_a_template", "b", "false");
  CHECK (a, "start_delay", "x", "int64 -5");
  CHECK (a, "ratio", "d", "0.25");
  CHECK (a, "last_boot", "s", "'20250319T04:16:24Z'");
  CHECK (a, "tags", "av", "[<'a'>, <'b'>]");
  CHECK (a, "other_config", "a{sv}", "{'k': <'v'>}");
  CHECK (a, "VBDs", "av", "@av []");
  CHECK (a, "blocked", "a{sv}", "@a{sv} {}");
  CHECK (b, "name_label", "s", "'raw <text>'");
#undef CHECK
  (void) v;
}

/* Containers past 255 and 65535 bytes use wider framing offsets: both parsers must still
 * agree byte for byte. */
static void
test_large_containers (void)
{
  g_autoptr(GString) xml = g_string_new ("<?xml version=\"1.0\"?><methodResponse><params><param>"
                                         "<value><struct><member><name>Status</name><value>"
                                         "Success</value></member><member><name>Value</name>"
                                         "<value><struct>");
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GVariant) value = NULL;

  for (guint i = 0; i < 3000; i++)
    g_string_append_printf (xml, "<member><name>key%u</name><value>%0*u</value></member>", i,
                            (int) (i % 200), i);
  g_string_append (xml, "<member><name>list</name><value><array><data>");
  for (guint i = 0; i < 3000; i++)
    g_string_append_printf (xml, "<value><i4>%u</i4></value><value><boolean>%u</boolean></value>"
                                 "<value><array><data><value>%u</value></data></array></value>",
                            i, i % 2, i);
  g_string_append (xml, "</data></array></value></member>"
                        "<member><name>small</name><value><struct><member><name>a</name>"
                        "<value><double>-1.5e300</double></value></member></struct></value>"
                        "</member></struct></value></member></struct></value></param></params>"
                        "</methodResponse>");
  value = parse_both (xml->str, &e1, &e2);
  g_assert_no_error (e1);
  g_assert_no_error (e2);
  g_assert_cmpuint (g_variant_n_children (value), ==, 3002);
  g_assert_cmpuint (g_variant_get_size (value), >, 65536);
}

static void
test_stream_get_all_records (void)
{
  const char *xml = SUCCESS (RECORDS);
  gsize len = strlen (xml);
  g_autoptr(GVariant) whole = NULL;
  g_autoptr(GError) error = NULL;

  whole = lagoon_xmlrpc_stream_parse (xml, len, NULL, 0, NULL, NULL, &error);
  g_assert_no_error (error);

  /* Every chunking gives the same items. */
  for (gsize step = 1; step <= len; step = step < 8 ? step + 1 : step * 3)
    {
      g_autoptr(LagoonXmlrpcStreamParser) parser = NULL;
      g_autoptr(GVariant) rest = NULL;
      Collected c;

      collected_init (&c);
      parser = lagoon_xmlrpc_stream_parser_new ("", 0, collect_item, &c);
      for (gsize off = 0; off < len; off += step)
        {
          g_assert_true (lagoon_xmlrpc_stream_parser_feed (parser, xml + off,
                                                           MIN (step, len - off), &error));
          g_assert_no_error (error);
        }
      rest = lagoon_xmlrpc_stream_parser_finish (parser, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (g_variant_get_type_string (rest), ==, "a{sv}");
      g_assert_cmpuint (g_variant_n_children (rest), ==, 0);
      g_assert_cmpuint (c.keys->len, ==, 2);
      g_assert_cmpuint (lagoon_xmlrpc_stream_parser_get_n_items (parser), ==, 2);
      g_assert_cmpstr (c.keys->pdata[0], ==, "OpaqueRef:a");
      g_assert_cmpstr (c.keys->pdata[1], ==, "OpaqueRef:b");
      for (guint i = 0; i < 2; i++)
        {
          g_autoptr(GVariant) expected = lookup (whole, c.keys->pdata[i]);
          g_assert_true (g_variant_equal (expected, c.values->pdata[i]));
        }
      collected_clear (&c);
    }
}

#define EVENT(id, op, ref) \
  "<value><struct><member><name>id</name><value>" id "</value></member>" \
  "<member><name>timestamp</name><value>0.0</value></member>" \
  "<member><name>class</name><value>vm</value></member>" \
  "<member><name>operation</name><value>" op "</value></member>" \
  "<member><name>ref</name><value>" ref "</value></member>" \
  "<member><name>snapshot</name><value><struct><member><name>uuid</name><value>u" id \
  "</value></member></struct></value></member></struct></value>"

static const char event_from_xml[] = SUCCESS (
  "<value><struct>"
  "<member><name>events</name><value><array><data>"
  EVENT ("10", "add", "OpaqueRef:1") EVENT ("11", "mod", "OpaqueRef:2")
  EVENT ("12", "del", "OpaqueRef:3")
  "</data></array></value></member>"
  "<member><name>valid_ref_counts</name><value><struct><member><name>vm</name>"
  "<value><i4>64</i4></value></member></struct></value></member>"
  "<member><name>token</name><value>00000000000000000012,00000000000000000000</value></member>"
  "</struct></value>");

static void
test_stream_event_from (void)
{
  g_autoptr(GVariant) rest = NULL;
  g_autoptr(GVariant) events = NULL;
  g_autoptr(GVariant) token = NULL;
  g_autoptr(GVariant) counts = NULL;
  g_autoptr(GVariant) snapshot = NULL;
  g_autoptr(GError) error = NULL;
  Collected c;

  collected_init (&c);
  rest = lagoon_xmlrpc_stream_parse (event_from_xml, strlen (event_from_xml), "events", 0,
                                     collect_item, &c, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (c.values->len, ==, 3);
  g_assert_cmpstr (c.keys->pdata[0], ==, "(null)");
  snapshot = lookup (c.values->pdata[1], "snapshot");
  {
    g_autoptr(GVariant) uuid = lookup (snapshot, "uuid");
    g_assert_cmpstr (g_variant_get_string (uuid, NULL), ==, "u11");
  }
  events = lookup (rest, "events");
  g_assert_cmpuint (g_variant_n_children (events), ==, 0);
  token = lookup (rest, "token");
  g_assert_cmpstr (g_variant_get_string (token, NULL), ==,
                   "00000000000000000012,00000000000000000000");
  counts = lookup (rest, "valid_ref_counts");
  {
    g_autoptr(GVariant) vm = lookup (counts, "vm");
    g_assert_cmpint (g_variant_get_int64 (vm), ==, 64);
  }
  collected_clear (&c);
}

static gboolean
stop_at_second (const char  *key,
                GVariant    *value,
                gpointer     user_data,
                GError     **error)
{
  guint *n = user_data;

  if (++(*n) == 2)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "enough");
      return FALSE;
    }
  return TRUE;
}

static void
test_stream_callback_stops (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) rest = NULL;
  guint n = 0;

  rest = lagoon_xmlrpc_stream_parse (event_from_xml, strlen (event_from_xml), "events", 0,
                                     stop_at_second, &n, &error);
  g_assert_null (rest);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (n, ==, 2);
}

/* ---- failures --------------------------------------------------------------------------- */

static const char failure_xml[] = RESPONSE (
  "<struct><member><name>Status</name><value>Failure</value></member>"
  "<member><name>ErrorDescription</name><value><array><data>"
  "<value>VM_BAD_POWER_STATE</value><value>OpaqueRef:vm</value><value>halted</value>"
  "<value>running</value></data></array></value></member></struct>");

static void
check_bad_power_state (const GError *error)
{
  g_autofree char *sentence = NULL;
  g_autoptr(GError) copy = NULL;
  const char * const *params;

  g_assert_error (error, LAGOON_XENAPI_ERROR, LAGOON_XENAPI_ERROR_VM_BAD_POWER_STATE);
  g_assert_cmpstr (lagoon_xenapi_error_get_code_string (error), ==, "VM_BAD_POWER_STATE");
  params = lagoon_xenapi_error_get_params (error);
  g_assert_cmpuint (g_strv_length ((char **) params), ==, 3);
  g_assert_cmpstr (params[2], ==, "running");
  g_assert_cmpstr (lagoon_xenapi_error_get_param (error, 1), ==, "halted");
  g_assert_null (lagoon_xenapi_error_get_param (error, 3));
  sentence = lagoon_xenapi_error_describe (error);
  g_assert_nonnull (strstr (sentence, "halted"));
  g_assert_nonnull (strstr (sentence, "running"));
  g_assert_null (strstr (sentence, "{"));

  copy = g_error_copy (error);
  g_assert_cmpstr (lagoon_xenapi_error_get_code_string (copy), ==, "VM_BAD_POWER_STATE");
  g_assert_cmpstr (lagoon_xenapi_error_get_param (copy, 0), ==, "OpaqueRef:vm");
}

static void
test_failure_envelope (void)
{
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GVariant) value = parse_both (failure_xml, &e1, &e2);

  g_assert_null (value);
  check_bad_power_state (e1);
  check_bad_power_state (e2);
}

static void
test_xenapi_error_describe (void)
{
  const char *unknown[] = { "SOMETHING_NEW", "p1", "p2", NULL };
  const char *noparams[] = { "SESSION_AUTHENTICATION_FAILED", NULL };
  const char *slave[] = { "HOST_IS_SLAVE", "10.0.0.1", NULL };
  const char *missing[] = { "HOST_NOT_ENOUGH_FREE_MEMORY", NULL };
  g_autoptr(GError) e = NULL;
  g_autofree char *s = NULL;

  e = lagoon_xenapi_error_new (unknown);
  g_assert_error (e, LAGOON_XENAPI_ERROR, LAGOON_XENAPI_ERROR_OTHER);
  s = lagoon_xenapi_error_describe (e);
  g_assert_nonnull (strstr (s, "SOMETHING_NEW"));
  g_assert_nonnull (strstr (s, "p2"));
  g_assert_cmpstr (e->message, ==, "SOMETHING_NEW: p1, p2");
  g_clear_error (&e);
  g_clear_pointer (&s, g_free);

  e = lagoon_xenapi_error_new (noparams);
  g_assert_error (e, LAGOON_XENAPI_ERROR, LAGOON_XENAPI_ERROR_SESSION_AUTHENTICATION_FAILED);
  g_assert_cmpuint (g_strv_length ((char **) lagoon_xenapi_error_get_params (e)), ==, 0);
  g_clear_error (&e);

  e = lagoon_xenapi_error_new (slave);
  s = lagoon_xenapi_error_describe (e);
  g_assert_nonnull (strstr (s, "10.0.0.1"));
  g_clear_error (&e);
  g_clear_pointer (&s, g_free);

  /* Missing parameters never crash. */
  e = lagoon_xenapi_error_new (missing);
  s = lagoon_xenapi_error_describe (e);
  g_assert_nonnull (s);
  g_clear_error (&e);
  g_clear_pointer (&s, g_free);

  e = lagoon_xenapi_error_new (NULL);
  g_assert_cmpstr (lagoon_xenapi_error_get_code_string (e), ==, "UNKNOWN_ERROR");
  g_clear_error (&e);

  g_assert_cmpint (lagoon_xenapi_error_code_from_string ("SR_FULL"), ==,
                   LAGOON_XENAPI_ERROR_SR_FULL);
  g_assert_cmpint (lagoon_xenapi_error_code_from_string ("EVENTS_LOST"), ==,
                   LAGOON_XENAPI_ERROR_EVENTS_LOST);
  g_assert_null (lagoon_xenapi_error_get_code_string (NULL));
}

static void
check_protocol_error (const char *xml)
{
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GVariant) value = parse_both (xml, &e1, &e2);

  g_assert_null (value);
  g_assert_error (e1, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL);
  g_assert_error (e2, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL);
}

static void
test_fault (void)
{
  check_protocol_error ("<?xml version=\"1.0\"?><methodResponse><fault><value><struct>"
                        "<member><name>faultCode</name><value><int>4</int></value></member>"
                        "<member><name>faultString</name><value>Too many parameters</value>"
                        "</member></struct></value></fault></methodResponse>");
}

static void
test_not_xmlrpc (void)
{
  check_protocol_error ("<html><body><h1>500 Internal Error</h1></body></html>");
  check_protocol_error ("not xml at all");
  check_protocol_error ("");
  check_protocol_error ("<?xml version=\"1.0\"?><methodResponse><params><param>");
  /* Valid XML-RPC, but not a XenAPI envelope. */
  check_protocol_error (RESPONSE ("<array><data><value>a</value></data></array>"));
  check_protocol_error (RESPONSE ("<struct><member><name>Status</name><value>Maybe</value>"
                                  "</member></struct>"));
}

static void
test_wrong_types (void)
{
  check_protocol_error (SUCCESS ("<value><i4>abc</i4></value>"));
  check_protocol_error (SUCCESS ("<value><i4>99999999999</i4></value>"));
  check_protocol_error (SUCCESS ("<value><i8>12x</i8></value>"));
  /* Each of these crashed xmlrpc-c 1.33 when handed to it directly. */
  check_protocol_error (SUCCESS ("<value><i8 >12x</i8></value>"));
  check_protocol_error (SUCCESS ("<value><i8>5 </i8></value>"));
  check_protocol_error (SUCCESS ("<value><i8>1<!-- c -->2x</i8></value>"));
  check_protocol_error (SUCCESS ("<value><i8>99999999999999999999999</i8></value>"));
  check_protocol_error (SUCCESS ("<value><i4> 5</i4></value>"));
  check_protocol_error (SUCCESS ("<value><boolean>2</boolean></value>"));
  check_protocol_error (SUCCESS ("<value><double>fast</double></value>"));
  check_protocol_error (SUCCESS ("<value><dateTime.iso8601>yesterday</dateTime.iso8601></value>"));
  check_protocol_error (SUCCESS ("<value><struct><member><value>x</value></member></struct></value>"));
  check_protocol_error (SUCCESS ("<value><unknown>1</unknown></value>"));
}

static void
test_deep_nesting (void)
{
  g_autoptr(GString) xml = g_string_new ("<?xml version=\"1.0\"?><methodResponse><params><param>");
  guint levels = 100000;

  for (guint i = 0; i < levels; i++)
    g_string_append (xml, "<value><array><data>");
  g_string_append (xml, "<value>x</value>");
  for (guint i = 0; i < levels; i++)
    g_string_append (xml, "</data></array></value>");
  g_string_append (xml, "</param></params></methodResponse>");
  check_protocol_error (xml->str);
}

static void
test_entities_refused (void)
{
  check_protocol_error ("<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\">"
                        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
                        "<methodResponse><params><param><value>&b;</value></param></params>"
                        "</methodResponse>");
}

static void
test_value_fragment (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) v = NULL;
  const char *ref = "<value>OpaqueRef:1f</value>";
  const char *array = "<value><array><data><value>a</value></data></array></value>";

  v = lagoon_xmlrpc_parse_value_fragment (ref, strlen (ref), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_string (v, NULL), ==, "OpaqueRef:1f");
  g_clear_pointer (&v, g_variant_unref);

  v = lagoon_xmlrpc_parse_value_fragment ("<value></value>", 15, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_string (v, NULL), ==, "");
  g_clear_pointer (&v, g_variant_unref);

  v = lagoon_xmlrpc_parse_value_fragment ("", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_string (v, NULL), ==, "");
  g_clear_pointer (&v, g_variant_unref);

  v = lagoon_xmlrpc_parse_value_fragment (array, strlen (array), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_type_string (v), ==, "av");
  g_clear_pointer (&v, g_variant_unref);

  v = lagoon_xmlrpc_parse_value_fragment ("<value>a</value><value>b</value>", 32, &error);
  g_assert_null (v);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL);
}

static void
test_datetime (void)
{
  struct { const char *in; const char *out; } cases[] = {
    { "20250319T04:16:24Z", "20250319T04:16:24Z" },
    { "2025-03-19T04:16:24Z", "20250319T04:16:24Z" },
    { "20250319T04:16:24", "20250319T04:16:24Z" },
    { "2025-03-19T06:16:24+02:00", "20250319T04:16:24Z" },
    { "20250319T04:16:24.123Z", "20250319T04:16:24Z" },
    { "19700101T00:00:00Z", "19700101T00:00:00Z" },
    { "2025-13-19T04:16:24Z", NULL },
    { "20250319", NULL },
    { "", NULL },
    { "20250231T00:00:00Z", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = lagoon_xmlrpc_canonical_datetime (cases[i].in);
      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

/* ---- over HTTP ------------------------------------------------------------------------- */

typedef struct {
  guint       status;
  const char *body;
  gboolean    chunked;
} XmlScript;

static void
handle_xml (TestServer *server,
            GSocket    *socket,
            guint       index,
            gpointer    user_data)
{
  XmlScript *script = user_data;

  while (TRUE)
    {
      g_autoptr(TestRequest) request = test_server_read_request (server, socket);

      if (request == NULL)
        return;
      if (!g_str_has_prefix (g_bytes_get_data (request->body, NULL), "<?xml"))
        return;
      if (script->chunked)
        {
          gsize len = strlen (script->body);
          g_autoptr(GString) reply =
            g_string_new ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");

          /* Odd-sized chunks so that elements straddle them. */
          for (gsize off = 0; off < len; off += 37)
            {
              gsize n = MIN (37, len - off);
              g_string_append_printf (reply, "%zx\r\n", n);
              g_string_append_len (reply, script->body + off, (gssize) n);
              g_string_append (reply, "\r\n");
            }
          g_string_append (reply, "0\r\n\r\n");
          if (!test_server_write (server, socket, reply->str, (gssize) reply->len))
            return;
        }
      else if (!test_server_reply (server, socket, script->status,
                                   script->status == 200 ? "text/xml" : "text/html",
                                   script->body))
        return;
    }
}

static LagoonHttpClient *
client_for (TestServer *server)
{
  g_autoptr(LagoonTcpOpener) opener = lagoon_tcp_opener_new ();
  LagoonHttpClient *client;

  client = lagoon_http_client_new (LAGOON_STREAM_OPENER (opener), "127.0.0.1",
                                   test_server_get_port (server), FALSE);
  lagoon_http_client_set_timeout (client, 5000);
  return client;
}

static void
test_call_over_http (void)
{
  XmlScript script = { 200, SUCCESS ("<value>OpaqueRef:session</value>"), FALSE };
  TestServer *server = test_server_new (handle_xml, &script);
  g_autoptr(LagoonHttpClient) client = client_for (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;

  value = lagoon_xmlrpc_call (client, NULL, "session.login_with_password",
                              g_variant_new ("(ssss)", "root", "pw", "2.20", "lagoon"), NULL,
                              &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "OpaqueRef:session");

  g_clear_object (&client);
  test_server_free (server);
}

static void
test_call_failure_over_http (void)
{
  XmlScript script = { 200, failure_xml, FALSE };
  TestServer *server = test_server_new (handle_xml, &script);
  g_autoptr(LagoonHttpClient) client = client_for (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;

  value = lagoon_xmlrpc_call (client, "/", "VM.start",
                              g_variant_new ("(ssbb)", "OpaqueRef:s", "OpaqueRef:vm", FALSE, FALSE),
                              NULL, &error);
  g_assert_null (value);
  check_bad_power_state (error);

  g_clear_object (&client);
  test_server_free (server);
}

static void
test_http_500 (void)
{
  XmlScript script = { 500, "<html>Xmlrpc.Parse_error</html>", FALSE };
  TestServer *server = test_server_new (handle_xml, &script);
  g_autoptr(LagoonHttpClient) client = client_for (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;

  value = lagoon_xmlrpc_call (client, NULL, "VM.get_all", g_variant_new ("(s)", "s"), NULL,
                              &error);
  g_assert_null (value);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_HTTP_STATUS);
  g_assert_nonnull (strstr (error->message, "500"));
  g_clear_error (&error);

  value = lagoon_xmlrpc_call_streaming (client, NULL, "VM.get_all_records",
                                        g_variant_new ("(s)", "s"), "", NULL, NULL, NULL,
                                        &error);
  g_assert_null (value);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_HTTP_STATUS);

  g_clear_object (&client);
  test_server_free (server);
}

static void
test_streaming_over_http (void)
{
  XmlScript script = { 200, SUCCESS (RECORDS), TRUE };
  TestServer *server = test_server_new (handle_xml, &script);
  g_autoptr(LagoonHttpClient) client = client_for (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) rest = NULL;
  g_autoptr(GVariant) whole = NULL;
  Collected c;

  collected_init (&c);
  rest = lagoon_xmlrpc_call_streaming (client, NULL, "VM.get_all_records",
                                       g_variant_new ("(s)", "OpaqueRef:s"), "", collect_item,
                                       &c, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (c.values->len, ==, 2);

  /* Same connection, non-streaming parse of the same reply. */
  whole = lagoon_xmlrpc_call (client, NULL, "VM.get_all_records",
                              g_variant_new ("(s)", "OpaqueRef:s"), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (whole), ==, c.values->len);
  g_assert_cmpuint (lagoon_http_client_get_n_connections (client), ==, 1);
  collected_clear (&c);

  g_clear_object (&client);
  test_server_free (server);
}

static void
on_called (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GError **out = user_data;
  g_autoptr(GVariant) v = lagoon_xmlrpc_call_finish (LAGOON_HTTP_CLIENT (source), result, out);

  g_assert_null (v);
  g_assert_nonnull (*out);
}

static void
test_call_async (void)
{
  XmlScript script = { 200, failure_xml, FALSE };
  TestServer *server = test_server_new (handle_xml, &script);
  g_autoptr(LagoonHttpClient) client = client_for (server);
  GError *error = NULL;

  lagoon_xmlrpc_call_async (client, NULL, "VM.start", g_variant_new ("(s)", "x"), NULL,
                            on_called, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  check_bad_power_state (error);
  g_clear_error (&error);
  g_clear_object (&client);
  test_server_free (server);
}

/* ---- against the simulator ------------------------------------------------------------ */

static gboolean
count_item (const char  *key,
            GVariant    *value,
            gpointer     user_data,
            GError     **error)
{
  guint *n = user_data;

  if (key == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE ("a{sv}")))
    {
      g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                   "unexpected record shape");
      return FALSE;
    }
  (*n)++;
  return TRUE;
}

typedef struct {
  GMutex        lock;
  GCond         cond;
  gboolean      done;
  GCancellable *cancellable;
} Watchdog;

static gpointer
watchdog_thread (gpointer data)
{
  Watchdog *w = data;
  gint64 until = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&w->lock);
  while (!w->done)
    if (!g_cond_wait_until (&w->cond, &w->lock, until))
      {
        g_cancellable_cancel (w->cancellable);
        break;
      }
  g_mutex_unlock (&w->lock);
  return NULL;
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
test_simulator (void)
{
  const char *builddir = g_getenv ("LAGOON_BUILDDIR");
  g_autofree char *sim = NULL;
  g_autofree char *line = NULL;
  g_autofree char *host = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(LagoonTcpOpener) opener = NULL;
  g_autoptr(LagoonHttpClient) client = NULL;
  g_autoptr(GVariant) session = NULL;
  g_autoptr(GVariant) rest = NULL;
  g_autoptr(GVariant) all = NULL;
  Watchdog w = { .cancellable = cancellable };
  GThread *watchdog;
  const char *url;
  guint16 port = 0;
  guint n = 0;

  sim = g_build_filename (builddir != NULL ? builddir : LAGOON_BUILDDIR, "tests", "xapi-sim",
                          "xapi-sim", NULL);
  if (!g_file_test (sim, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("xapi-sim is not built");
      return;
    }

  {
    const char *argv[] = { sim, "--port=0", "--generate=2:60", "--consoles=none", NULL };
    g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);

    /* The simulator dies with this test, even when an assertion aborts it. */
    g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
    proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  }
  g_assert_no_error (error);

  /* "xapi-sim: listening on http://ADDR:PORT", or give up after 30 s. */
  g_mutex_init (&w.lock);
  g_cond_init (&w.cond);
  watchdog = g_thread_new ("watchdog", watchdog_thread, &w);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  while ((line = g_data_input_stream_read_line_utf8 (out, NULL, cancellable, &error)) != NULL)
    {
      if ((url = strstr (line, "listening on ")) != NULL)
        break;
      g_clear_pointer (&line, g_free);
    }
  g_mutex_lock (&w.lock);
  w.done = TRUE;
  g_cond_signal (&w.cond);
  g_mutex_unlock (&w.lock);
  g_thread_join (watchdog);
  g_mutex_clear (&w.lock);
  g_cond_clear (&w.cond);

  if (line == NULL ||
      !lagoon_http_split_url (strstr (line, "listening on ") + 13, NULL, &host, &port, NULL))
    {
      g_subprocess_force_exit (proc);
      g_subprocess_wait (proc, NULL, NULL);
      g_assert_no_error (error);
      g_error ("xapi-sim did not say where it listens");
    }

  opener = lagoon_tcp_opener_new ();
  client = lagoon_http_client_new (LAGOON_STREAM_OPENER (opener), host, port, FALSE);
  lagoon_http_client_set_timeout (client, 20000);
  session = lagoon_xmlrpc_call (client, NULL, "session.login_with_password",
                                g_variant_new ("(ssss)", "root", "xenroot", "2.20",
                                               "lagoon-test"), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_is_of_type (session, G_VARIANT_TYPE_STRING));
  g_assert_true (g_str_has_prefix (g_variant_get_string (session, NULL), "OpaqueRef:"));

  /* The same reply through both parsers. */
  all = lagoon_xmlrpc_call (client, NULL, "VM.get_all_records",
                            g_variant_new ("(s)", g_variant_get_string (session, NULL)), NULL,
                            &error);
  g_assert_no_error (error);
  rest = lagoon_xmlrpc_call_streaming (client, NULL, "VM.get_all_records",
                                       g_variant_new ("(s)", g_variant_get_string (session, NULL)),
                                       "", count_item, &n, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, >=, 60);
  g_assert_cmpuint (n, ==, g_variant_n_children (all));
  g_assert_cmpuint (g_variant_n_children (rest), ==, 0);
  /* Both requests and the login on one kept-alive connection. */
  g_assert_cmpuint (lagoon_http_client_get_n_connections (client), ==, 1);

  /* A XenAPI failure from the simulator. */
  {
    g_autoptr(GVariant) v = lagoon_xmlrpc_call (client, NULL, "VM.get_record",
                                                g_variant_new ("(ss)",
                                                               g_variant_get_string (session, NULL),
                                                               "OpaqueRef:nonexistent"),
                                                NULL, &error);
    g_assert_null (v);
    g_assert_error (error, LAGOON_XENAPI_ERROR, LAGOON_XENAPI_ERROR_HANDLE_INVALID);
    g_clear_error (&error);
  }

  g_subprocess_send_signal (proc, SIGTERM);
  g_subprocess_wait (proc, NULL, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lagoon/xmlrpc/build-call", test_build_call);
  g_test_add_func ("/lagoon/xmlrpc/parse-records", test_parse_records);
  g_test_add_func ("/lagoon/xmlrpc/large-containers", test_large_containers);
  g_test_add_func ("/lagoon/xmlrpc/stream-get-all-records", test_stream_get_all_records);
  g_test_add_func ("/lagoon/xmlrpc/stream-event-from", test_stream_event_from);
  g_test_add_func ("/lagoon/xmlrpc/stream-callback-stops", test_stream_callback_stops);
  g_test_add_func ("/lagoon/xmlrpc/failure-envelope", test_failure_envelope);
  g_test_add_func ("/lagoon/xmlrpc/xenapi-error-describe", test_xenapi_error_describe);
  g_test_add_func ("/lagoon/xmlrpc/fault", test_fault);
  g_test_add_func ("/lagoon/xmlrpc/not-xmlrpc", test_not_xmlrpc);
  g_test_add_func ("/lagoon/xmlrpc/wrong-types", test_wrong_types);
  g_test_add_func ("/lagoon/xmlrpc/deep-nesting", test_deep_nesting);
  g_test_add_func ("/lagoon/xmlrpc/entities-refused", test_entities_refused);
  g_test_add_func ("/lagoon/xmlrpc/value-fragment", test_value_fragment);
  g_test_add_func ("/lagoon/xmlrpc/datetime", test_datetime);
  g_test_add_func ("/lagoon/xmlrpc/call", test_call_over_http);
  g_test_add_func ("/lagoon/xmlrpc/call-failure", test_call_failure_over_http);
  g_test_add_func ("/lagoon/xmlrpc/http-500", test_http_500);
  g_test_add_func ("/lagoon/xmlrpc/streaming-call", test_streaming_over_http);
  g_test_add_func ("/lagoon/xmlrpc/call-async", test_call_async);
  g_test_add_func ("/lagoon/xmlrpc/simulator", test_simulator);

  return g_test_run ();
}
