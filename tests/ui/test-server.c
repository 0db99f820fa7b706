/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * LagoonServer: what the Add Server dialog accepts, and the saved description (no secrets)
 * round-tripping through a{sv} as GSettings stores it.
 */
#include "config.h"

#include <string.h>

#include "lagoon-server.h"

static void
test_server_addresses (void)
{
  static const struct {
    LagoonServerKind kind;
    const char      *address;
    const char      *xapi_host;
    guint16          xapi_port;
    gboolean         tls;
  } good[] = {
    { LAGOON_SERVER_SSH, "pool1.example.com", "127.0.0.1", 80, FALSE },
    { LAGOON_SERVER_SSH, "admin@10.0.0.5:2222", "127.0.0.1", 80, FALSE },
    { LAGOON_SERVER_SSH, "ssh://admin@[fe80::1]:2222", "127.0.0.1", 80, FALSE },
    { LAGOON_SERVER_SSH, "  my-alias  ", "127.0.0.1", 80, FALSE },
    { LAGOON_SERVER_DIRECT, "xen1", "xen1", 80, FALSE },
    { LAGOON_SERVER_DIRECT, "10.0.0.5:8080", "10.0.0.5", 8080, FALSE },
    { LAGOON_SERVER_DIRECT, "https://xen1", "xen1", 443, TRUE },
    { LAGOON_SERVER_DIRECT, "https://xen1:8443", "xen1", 8443, TRUE },
  };
  static const struct {
    LagoonServerKind kind;
    const char      *address;
  } bad[] = {
    { LAGOON_SERVER_SSH, "" },
    { LAGOON_SERVER_SSH, "   " },
    { LAGOON_SERVER_SSH, "root@host:notaport" },
    { LAGOON_SERVER_DIRECT, "http://" },
    { LAGOON_SERVER_DIRECT, "host:99999" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LagoonServer) server = lagoon_server_new (good[i].kind, good[i].address, &error);
      g_autofree char *trimmed = g_strstrip (g_strdup (good[i].address));

      g_assert_no_error (error);
      g_assert_cmpstr (lagoon_server_get_xapi_host (server), ==, good[i].xapi_host);
      g_assert_cmpuint (lagoon_server_get_xapi_port (server), ==, good[i].xapi_port);
      g_assert_cmpint (lagoon_server_get_tls (server), ==, good[i].tls);
      g_assert_cmpstr (lagoon_server_get_user (server), ==, "root");
      g_assert_cmpstr (lagoon_server_get_address (server), ==, trimmed);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LagoonServer) server = lagoon_server_new (bad[i].kind, bad[i].address, &error);

      g_assert_null (server);
      g_assert_nonnull (error);
      g_test_message ("%s: %s", bad[i].address, error->message);
    }
}

static void
test_server_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonServer) server = lagoon_server_new (LAGOON_SERVER_SSH, "ops@pool:22", &error);
  g_autoptr(LagoonServer) back = NULL;
  g_autoptr(LagoonServer) tls = NULL;
  g_autoptr(LagoonServer) tls_back = NULL;
  g_autoptr(GVariant) description = NULL;
  g_autoptr(GVariant) tls_description = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  lagoon_server_set_xapi_target (server, "10.1.1.1", 8080, FALSE);
  lagoon_server_set_user (server, "admin");
  /* A password given to connect is never part of the description. */
  lagoon_server_set_ssh_password (server, "hunter2-ssh");
  description = g_variant_ref_sink (lagoon_server_to_variant (server));
  text = g_variant_print (description, TRUE);
  g_assert_null (strstr (text, "hunter2"));

  back = lagoon_server_new_from_variant (description, &error);
  g_assert_no_error (error);
  g_assert_cmpint (lagoon_server_get_kind (back), ==, LAGOON_SERVER_SSH);
  g_assert_cmpstr (lagoon_server_get_address (back), ==, "ops@pool:22");
  g_assert_cmpstr (lagoon_server_get_xapi_host (back), ==, "10.1.1.1");
  g_assert_cmpuint (lagoon_server_get_xapi_port (back), ==, 8080);
  g_assert_cmpstr (lagoon_server_get_user (back), ==, "admin");
  g_assert_cmpstr (lagoon_server_get_key (back), ==, lagoon_server_get_key (server));

  tls = lagoon_server_new (LAGOON_SERVER_DIRECT, "https://xen1", &error);
  g_assert_no_error (error);
  lagoon_server_set_fingerprint (tls, "AB:CD");
  tls_description = g_variant_ref_sink (lagoon_server_to_variant (tls));
  tls_back = lagoon_server_new_from_variant (tls_description, &error);
  g_assert_no_error (error);
  g_assert_true (lagoon_server_get_tls (tls_back));
  g_assert_cmpstr (lagoon_server_get_fingerprint (tls_back), ==, "AB:CD");
  g_assert_cmpstr (lagoon_server_get_key (tls_back), !=, lagoon_server_get_key (back));
}

static void
test_server_bad_descriptions (void)
{
  static const char *const bad[] = {
    "{'address': <'x'>}",
    "{'kind': <'ssh'>}",
    "{'kind': <'demo'>, 'address': <'127.0.0.1:1'>}",
    "{'kind': <'telnet'>, 'address': <'x'>}",
    "{'kind': <'ssh'>, 'address': <''>}",
    "{'kind': <42>, 'address': <'x'>}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GVariant) v = g_variant_ref_sink (g_variant_new_parsed (bad[i]));
      g_autoptr(GError) error = NULL;
      g_autoptr(LagoonServer) server = lagoon_server_new_from_variant (v, &error);

      g_assert_null (server);
      g_assert_nonnull (error);
    }

  /* Wrong types for optional keys are ignored, not fatal. */
  {
    g_autoptr(GVariant) v = g_variant_ref_sink (g_variant_new_parsed (
      "{'kind': <'direct'>, 'address': <'h'>, 'xapi-port': <'eighty'>, 'user': <7>}"));
    g_autoptr(GError) error = NULL;
    g_autoptr(LagoonServer) server = lagoon_server_new_from_variant (v, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (lagoon_server_get_xapi_port (server), ==, 80);
    g_assert_cmpstr (lagoon_server_get_user (server), ==, "root");
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lagoon/server/addresses", test_server_addresses);
  g_test_add_func ("/lagoon/server/round-trip", test_server_round_trip);
  g_test_add_func ("/lagoon/server/bad-descriptions", test_server_bad_descriptions);

  return g_test_run ();
}
