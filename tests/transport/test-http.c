/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-http"

#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "lagoon-http-client.h"
#include "lagoon-stream-fd.h"
#include "lagoon-tcp-opener.h"
#include "lagoon-tls.h"
#include "lagoon-transport-error.h"
#include "test-server.h"

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

static char *
body_string (LagoonHttpResponse *response)
{
  GBytes *body = lagoon_http_response_get_body (response);
  gsize len;
  const char *data = g_bytes_get_data (body, &len);

  return g_strndup (data != NULL ? data : "", len);
}

/* ---- normal reply and keep-alive ------------------------------------------------- */

static void
handle_echo (TestServer *server,
             GSocket    *socket,
             guint       index,
             gpointer    user_data)
{
  while (TRUE)
    {
      g_autoptr(TestRequest) request = test_server_read_request (server, socket);
      g_autofree char *body = NULL;

      if (request == NULL)
        return;
      body = g_strdup_printf ("%s %s %zu", request->method, request->path,
                              g_bytes_get_size (request->body));
      if (!test_server_reply (server, socket, 200, "text/plain", body))
        return;
    }
}

static void
test_normal_reply (void)
{
  TestServer *server = test_server_new (handle_echo, NULL);
  g_autoptr(LagoonHttpClient) client = client_for (server);
  g_autoptr(LagoonHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = g_bytes_new_static ("abcdef", 6);
  g_autofree char *text = NULL;

  response = lagoon_http_client_send (client, "POST", "/RPC2", NULL, "text/xml", body, NULL,
                                      NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lagoon_http_response_get_status (response), ==, 200);
  g_assert_cmpstr (lagoon_http_response_get_header (response, "content-type"), ==, "text/plain");
  text = body_string (response);
  g_assert_cmpstr (text, ==, "POST /RPC2 6");

  g_clear_object (&client);
  test_server_free (server);
}

static void
test_keep_alive (void)
{
  TestServer *server = test_server_new (handle_echo, NULL);
  g_autoptr(LagoonHttpClient) client = client_for (server);

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(LagoonHttpResponse) response = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *path = g_strdup_printf ("/n%u", i);
      g_autofree char *expected = g_strdup_printf ("GET /n%u 0", i);
      g_autofree char *text = NULL;

      response = lagoon_http_client_send (client, "GET", path, NULL, NULL, NULL, NULL, NULL,
                                          NULL, &error);
      g_assert_no_error (error);
      text = body_string (response);
      g_assert_cmpstr (text, ==, expected);
    }
  g_assert_cmpuint (lagoon_http_client_get_n_connections (client), ==, 1);

  g_clear_object (&client);
  g_assert_cmpuint (test_server_get_n_accepted (server), ==, 1);
  test_server_free (server);
}

/* The server closes a kept-alive connection after each reply without saying so: the
 * client notices on the next request and retries once on a new connection. */
static void
handle_one_then_close (TestServer *server,
                       GSocket    *socket,
                       guint       index,
                       gpointer    user_data)
{
  g_autoptr(TestRequest) request = test_server_read_request (server, socket);

  if (request != NULL)
    test_server_reply (server, socket, 200, "text/plain", "once");
}

static void
test_stale_keep_alive (void)
{
  TestServer *server = test_server_new (handle_one_then_close, NULL);
  g_autoptr(LagoonHttpClient) client = client_for (server);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(LagoonHttpResponse) response = NULL;
      g_autoptr(GError) error = NULL;

      response = lagoon_http_client_send (client, "GET", "/", NULL, NULL, NULL, NULL, NULL,
                                          NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (lagoon_http_response_get_status (response), ==, 200);
      /* Give the server time to close its end. */
      g_usleep (50 * 1000);
    }
  g_assert_cmpuint (lagoon_http_client_get_n_connections (client), ==, 3);
  g_clear_object (&client);
  test_server_free (server);
}

/* The reply to the second request breaks off in its status line: the request may have been
 * carried out, so the client must not send it again. */
static void
handle_then_break (TestServer *server,
                   GSocket    *socket,
                   guint       index,
                   gpointer    user_data)
{
  g_autoptr(TestRequest) first = test_server_read_request (server, socket);
  g_autoptr(TestRequest) second = NULL;

  if (first == NULL || !test_server_reply (server, socket, 200, "text/plain", "first"))
    return;
  second = test_server_read_request (server, socket);
  if (second != NULL)
    test_server_write (server, socket, "HTTP/1.1 20", -1);
}

static void
test_no_retry_after_partial_reply (void)
{
  TestServer *server = test_server_new (handle_then_break, NULL);
  g_autoptr(LagoonHttpClient) client = client_for (server);
  g_autoptr(LagoonHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) a = g_bytes_new_static ("a", 1);
  g_autoptr(GBytes) b = g_bytes_new_static ("b", 1);

  response = lagoon_http_client_send (client, "POST", "/", NULL, "text/xml", a, NULL, NULL,
                                      NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&response, lagoon_http_response_unref);
  response = lagoon_http_client_send (client, "POST", "/", NULL, "text/xml", b, NULL, NULL,
                                      NULL, &error);
  g_assert_null (response);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CLOSED);
  g_assert_cmpuint (lagoon_http_client_get_n_connections (client), ==, 1);
  g_clear_object (&client);
  test_server_free (server);
}

/* The reply arrives a byte at a time: every framing element straddles reads. */
static void
handle_trickled_reply (TestServer *server,
                       GSocket    *socket,
                       guint       index,
                       gpointer    user_data)
{
  const char *reply = user_data;
  g_autoptr(TestRequest) request = test_server_read_request (server, socket);

  if (request == NULL)
    return;
  for (const char *p = reply; *p != '\0'; p++)
    {
      if (!test_server_write (server, socket, p, 1))
        return;
      g_usleep (1000);
    }
}

static void
test_trickled_reply (void)
{
  const char *replies[] = {
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    "HTTP/1.1 200 OK\nContent-Length: 5\n\nhello",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3;x=y\r\nllo\r\n0\r\n\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      TestServer *server = test_server_new (handle_trickled_reply, (gpointer) replies[i]);
      g_autoptr(LagoonHttpClient) client = client_for (server);
      g_autoptr(LagoonHttpResponse) response = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;

      lagoon_http_client_set_timeout (client, 3000);
      response = lagoon_http_client_send (client, "GET", "/", NULL, NULL, NULL, NULL, NULL,
                                          NULL, &error);
      g_assert_no_error (error);
      text = body_string (response);
      g_assert_cmpstr (text, ==, "hello");
      g_clear_object (&client);
      test_server_free (server);
    }
}

/* ---- scripted raw replies --------------------------------------------------------- */

typedef struct {
  const char *reply;
  gssize      length;
  guint       delay_ms;     /* before replying */
  gboolean    read_request;
} RawScript;

static void
handle_raw (TestServer *server,
            GSocket    *socket,
            guint       index,
            gpointer    user_data)
{
  RawScript *script = user_data;
  g_autoptr(TestRequest) request = NULL;

  if (script->read_request)
    request = test_server_read_request (server, socket);
  if (script->delay_ms > 0)
    g_usleep (script->delay_ms * 1000);
  test_server_write (server, socket, script->reply, script->length);
}

static LagoonHttpResponse *
run_raw (RawScript  *script,
         guint64     max_body,
         guint       timeout_ms,
         GError    **error)
{
  TestServer *server = test_server_new (handle_raw, script);
  g_autoptr(LagoonHttpClient) client = client_for (server);
  LagoonHttpResponse *response;

  if (max_body > 0)
    lagoon_http_client_set_max_body_size (client, max_body);
  if (timeout_ms > 0)
    lagoon_http_client_set_timeout (client, timeout_ms);
  response = lagoon_http_client_send (client, "GET", "/", NULL, NULL, NULL, NULL, NULL, NULL,
                                      error);
  g_clear_object (&client);
  test_server_free (server);
  return response;
}

static void
test_chunked (void)
{
  RawScript script = {
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/xml\r\n\r\n"
    "5\r\nhello\r\n1;ext=1\r\n,\r\n6 \r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n",
    -1, 0, TRUE
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonHttpResponse) response = run_raw (&script, 0, 0, &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  text = body_string (response);
  g_assert_cmpstr (text, ==, "hello, world");
}

static void
test_close_delimited (void)
{
  RawScript script = { "HTTP/1.0 200 OK\r\n\r\nuntil the end", -1, 0, TRUE };
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonHttpResponse) response = run_raw (&script, 0, 0, &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  text = body_string (response);
  g_assert_cmpstr (text, ==, "until the end");
}

static void
test_truncated_body (void)
{
  RawScript script = { "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", -1, 0, TRUE };
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonHttpResponse) response = run_raw (&script, 0, 0, &error);

  g_assert_null (response);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CLOSED);
  g_assert_nonnull (strstr (error->message, "9 of 100"));
}

static void
test_truncated_chunk (void)
{
  RawScript script = {
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100\r\nshort", -1, 0, TRUE
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonHttpResponse) response = run_raw (&script, 0, 0, &error);

  g_assert_null (response);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CLOSED);
}

static void
test_oversized_length (void)
{
  RawScript script = {
    "HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\nxxxx", -1, 0, TRUE
  };
  RawScript chunked = {
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n", -1, 0, TRUE
  };
  RawScript close_delimited = { NULL, 0, 0, TRUE };
  g_autofree char *big = NULL;
  g_autoptr(GError) error = NULL;
  LagoonHttpResponse *response;

  /* Default bound: 256 MiB. */
  response = run_raw (&script, 0, 0, &error);
  g_assert_null (response);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "99999999999"));
  g_clear_error (&error);

  response = run_raw (&chunked, 1000, 0, &error);
  g_assert_null (response);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_TOO_LARGE);
  g_clear_error (&error);

  big = g_strdup_printf ("HTTP/1.0 200 OK\r\n\r\n%0*d", 5000, 7);
  close_delimited.reply = big;
  close_delimited.length = -1;
  response = run_raw (&close_delimited, 1000, 0, &error);
  g_assert_null (response);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_TOO_LARGE);
}

static void
test_endless_header (void)
{
  g_autoptr(GString) reply = g_string_new ("HTTP/1.1 200 OK\r\nX-Endless: ");
  RawScript script = { NULL, -1, 0, TRUE };
  g_autoptr(GError) error = NULL;
  LagoonHttpResponse *response;

  for (guint i = 0; i < 200 * 1024; i++)
    g_string_append_c (reply, 'a' + (char) (i % 26));
  script.reply = reply->str;
  response = run_raw (&script, 0, 0, &error);
  g_assert_null (response);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_TOO_LARGE);

  /* Many short header lines past the bound fail the same way. */
  g_string_assign (reply, "HTTP/1.1 200 OK\r\n");
  for (guint i = 0; i < 10000; i++)
    g_string_append_printf (reply, "X-H%u: v\r\n", i);
  g_string_append (reply, "Content-Length: 0\r\n\r\n");
  script.reply = reply->str;
  g_clear_error (&error);
  response = run_raw (&script, 0, 0, &error);
  g_assert_null (response);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_TOO_LARGE);
}

static void
test_garbage_status (void)
{
  const char *replies[] = {
    "SSH-2.0-OpenSSH_9.2\r\n\r\n",
    "HTTP/2 200\r\n\r\n",
    "HTTP/1.1 2OO OK\r\n\r\n",
    "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx",
    "\x00\x01\x02\x03\r\n\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      RawScript script = { replies[i], i == G_N_ELEMENTS (replies) - 1 ? 8 : -1, 0, TRUE };
      g_autoptr(GError) error = NULL;
      LagoonHttpResponse *response = run_raw (&script, 0, 0, &error);

      g_assert_null (response);
      g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL);
    }
}

static void
test_no_reply (void)
{
  RawScript script = { "", 0, 0, TRUE };
  g_autoptr(GError) error = NULL;
  LagoonHttpResponse *response = run_raw (&script, 0, 0, &error);

  g_assert_null (response);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CLOSED);
}

static void
test_connect_refused (void)
{
  g_autoptr(LagoonTcpOpener) opener = lagoon_tcp_opener_new ();
  g_autoptr(LagoonHttpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonHttpResponse) response = NULL;
  guint16 port;

  /* A port that was just free. */
  {
    TestServer *server = test_server_new (handle_echo, NULL);
    port = test_server_get_port (server);
    test_server_free (server);
  }
  client = lagoon_http_client_new (LAGOON_STREAM_OPENER (opener), "127.0.0.1", port, FALSE);
  response = lagoon_http_client_send (client, "GET", "/", NULL, NULL, NULL, NULL, NULL, NULL,
                                      &error);
  g_assert_null (response);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CONNECT);
}

/* ---- timeouts and cancellation ---------------------------------------------------- */

static void
test_slow_server_timeout (void)
{
  RawScript script = { "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", -1, 2000, TRUE };
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  LagoonHttpResponse *response = run_raw (&script, 0, 300, &error);
  gint64 elapsed_ms;

  g_assert_null (response);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_TIMED_OUT);
  /* run_raw waits for the server thread (2 s) after the client gave up. */
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_cmpint (elapsed_ms, <, 4000);
}

/* A body that trickles in slower than the timeout. */
static void
handle_trickle (TestServer *server,
                GSocket    *socket,
                guint       index,
                gpointer    user_data)
{
  g_autoptr(TestRequest) request = test_server_read_request (server, socket);

  test_server_write (server, socket, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", -1);
  for (guint i = 0; i < 20; i++)
    {
      if (!test_server_write (server, socket, "x", 1))
        return;
      g_usleep (100 * 1000);
    }
}

static void
test_slow_body_timeout (void)
{
  TestServer *server = test_server_new (handle_trickle, NULL);
  g_autoptr(LagoonHttpClient) client = client_for (server);
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  LagoonHttpResponse *response;

  lagoon_http_client_set_timeout (client, 500);
  response = lagoon_http_client_send (client, "GET", "/", NULL, NULL, NULL, NULL, NULL, NULL,
                                      &error);
  g_assert_null (response);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_TIMED_OUT);
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, <, 1500);
  g_clear_object (&client);
  test_server_free (server);
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (200 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_cancel (void)
{
  RawScript script = { "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", -1, 1500, TRUE };
  TestServer *server = test_server_new (handle_raw, &script);
  g_autoptr(LagoonHttpClient) client = client_for (server);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  GThread *thread = g_thread_new ("cancel", cancel_later, cancellable);
  gint64 start = g_get_monotonic_time ();
  LagoonHttpResponse *response;

  response = lagoon_http_client_send (client, "GET", "/", NULL, NULL, NULL, NULL, NULL,
                                      cancellable, &error);
  g_assert_null (response);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, <, 1200);
  g_thread_join (thread);

  /* Already cancelled: fails at once. */
  g_clear_error (&error);
  response = lagoon_http_client_send (client, "GET", "/", NULL, NULL, NULL, NULL, NULL,
                                      cancellable, &error);
  g_assert_null (response);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_clear_object (&client);
  test_server_free (server);
}

/* ---- async -------------------------------------------------------------------------- */

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  LagoonHttpResponse **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = lagoon_http_client_send_finish (LAGOON_HTTP_CLIENT (source), result, &error);
  g_assert_no_error (error);
}

static void
test_async (void)
{
  TestServer *server = test_server_new (handle_echo, NULL);
  g_autoptr(LagoonHttpClient) client = client_for (server);
  g_autoptr(LagoonHttpResponse) response = NULL;
  g_autofree char *text = NULL;

  lagoon_http_client_send_async (client, "GET", "/async", NULL, NULL, NULL, NULL, NULL, NULL,
                                 on_sent, &response);
  while (response == NULL)
    g_main_context_iteration (NULL, TRUE);
  text = body_string (response);
  g_assert_cmpstr (text, ==, "GET /async 0");
  g_clear_object (&client);
  test_server_free (server);
}

/* ---- sink ------------------------------------------------------------------------------ */

static gboolean
collect_sink (LagoonHttpResponse  *response,
              const guint8        *data,
              gsize                length,
              gpointer             user_data,
              GError             **error)
{
  g_string_append_len (user_data, (const char *) data, (gssize) length);
  return TRUE;
}

static void
test_sink (void)
{
  RawScript script = {
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n",
    -1, 0, TRUE
  };
  TestServer *server = test_server_new (handle_raw, &script);
  g_autoptr(LagoonHttpClient) client = client_for (server);
  g_autoptr(GString) collected = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonHttpResponse) response = NULL;

  response = lagoon_http_client_send (client, "GET", "/", NULL, NULL, NULL, collect_sink,
                                      collected, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (collected->str, ==, "abcdef");
  g_assert_cmpuint (g_bytes_get_size (lagoon_http_response_get_body (response)), ==, 0);
  g_clear_object (&client);
  test_server_free (server);
}

/* ---- redirects ------------------------------------------------------------------------ */

static void
handle_redirect (TestServer *server,
                 GSocket    *socket,
                 guint       index,
                 gpointer    user_data)
{
  const char *location = user_data;

  while (TRUE)
    {
      g_autoptr(TestRequest) request = test_server_read_request (server, socket);
      g_autofree char *reply = NULL;

      if (request == NULL)
        return;
      reply = g_strdup_printf ("HTTP/1.1 302 Found\r\nLocation: %s\r\nContent-Length: 5\r\n\r\n"
                               "moved", location);
      if (!test_server_write (server, socket, reply, -1))
        return;
    }
}

static void
test_redirect (void)
{
  TestServer *target = test_server_new (handle_echo, NULL);
  g_autofree char *location = g_strdup_printf ("http://127.0.0.1:%u/export?uuid=1",
                                               test_server_get_port (target));
  TestServer *origin = test_server_new (handle_redirect, location);
  g_autoptr(LagoonHttpClient) client = client_for (origin);
  g_autoptr(LagoonHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  response = lagoon_http_client_send (client, "GET", "/export?uuid=1", NULL, NULL, NULL, NULL,
                                      NULL, NULL, &error);
  g_assert_no_error (error);
  text = body_string (response);
  g_assert_cmpstr (text, ==, "GET /export?uuid=1 0");
  g_assert_cmpstr (lagoon_http_response_get_url (response), ==, location);

  /* With redirects off the caller gets the 302 and its Location. */
  g_clear_pointer (&response, lagoon_http_response_unref);
  lagoon_http_client_set_max_redirects (client, 0);
  response = lagoon_http_client_send (client, "GET", "/export", NULL, NULL, NULL, NULL,
                                      NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lagoon_http_response_get_status (response), ==, 302);
  g_assert_cmpstr (lagoon_http_response_get_header (response, "Location"), ==, location);

  g_clear_object (&client);
  test_server_free (origin);
  test_server_free (target);
}

static void
test_redirect_loop (void)
{
  TestServer *origin = test_server_new (handle_redirect, "/again");
  g_autoptr(LagoonHttpClient) client = client_for (origin);
  g_autoptr(GError) error = NULL;
  LagoonHttpResponse *response;

  response = lagoon_http_client_send (client, "GET", "/", NULL, NULL, NULL, NULL, NULL, NULL,
                                      &error);
  g_assert_null (response);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_REDIRECT);
  /* Relative redirects stay on the kept-alive connection. */
  g_assert_cmpuint (lagoon_http_client_get_n_connections (client), ==, 1);
  g_clear_object (&client);
  test_server_free (origin);
}

/* ---- CONNECT --------------------------------------------------------------------------- */

static void
handle_connect (TestServer *server,
                GSocket    *socket,
                guint       index,
                gpointer    user_data)
{
  g_autoptr(TestRequest) request = test_server_read_request (server, socket);
  char buf[64];
  gssize n;

  if (request == NULL)
    return;
  if (g_strcmp0 (request->method, "CONNECT") != 0 ||
      strstr (request->head, "HTTP/1.0\r\n") == NULL ||
      strstr (request->head, "\r\nCookie: session_id=OpaqueRef:s1\r\n") == NULL ||
      g_strcmp0 (request->path, "/console?uuid=c1") != 0)
    {
      test_server_write (server, socket, "HTTP/1.1 404 Not Found\r\n\r\n", -1);
      return;
    }
  /* The header block and the first protocol bytes in one write: the client must leave
   * the latter in the stream. */
  test_server_write (server, socket,
                     "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n"
                     "Cache-Control: no-cache, no-store\r\n\r\nRFB 003.008\n", -1);
  n = g_socket_receive (socket, buf, sizeof buf - 1, NULL, NULL);
  if (n > 0)
    test_server_write (server, socket, buf, n);
}

static void
test_connect_tunnel (void)
{
  TestServer *server = test_server_new (handle_connect, NULL);
  g_autoptr(LagoonHttpClient) client = client_for (server);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  char buf[13] = { 0 };
  gsize n = 0;

  stream = lagoon_http_client_open_tunnel (client, "/console?uuid=c1", "OpaqueRef:s1", NULL,
                                           &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_SOCKET_CONNECTION (stream));
  g_input_stream_read_all (g_io_stream_get_input_stream (stream), buf, 12, &n, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (buf, ==, "RFB 003.008\n");
  g_output_stream_write_all (g_io_stream_get_output_stream (stream), "RFB 003.003\n", 12, NULL,
                             NULL, &error);
  g_assert_no_error (error);
  memset (buf, 0, sizeof buf);
  g_input_stream_read_all (g_io_stream_get_input_stream (stream), buf, 12, &n, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (buf, ==, "RFB 003.003\n");
  g_io_stream_close (stream, NULL, NULL);

  /* A refused CONNECT. */
  g_clear_object (&stream);
  stream = lagoon_http_client_open_tunnel (client, "/console?uuid=other", "OpaqueRef:s1", NULL,
                                           &error);
  g_assert_null (stream);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_HTTP_STATUS);
  g_assert_nonnull (strstr (error->message, "404"));

  g_clear_object (&client);
  test_server_free (server);
}

static void
on_tunnel (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GIOStream **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = lagoon_http_client_open_tunnel_finish (LAGOON_HTTP_CLIENT (source), result, &error);
  g_assert_no_error (error);
}

static void
test_connect_tunnel_async (void)
{
  TestServer *server = test_server_new (handle_connect, NULL);
  g_autoptr(LagoonHttpClient) client = client_for (server);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  char buf[13] = { 0 };
  gsize n = 0;

  lagoon_http_client_open_tunnel_async (client, "/console?uuid=c1", "OpaqueRef:s1", NULL,
                                        on_tunnel, &stream);
  while (stream == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_input_stream_read_all (g_io_stream_get_input_stream (stream), buf, 12, &n, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (buf, ==, "RFB 003.008\n");
  g_io_stream_close (stream, NULL, NULL);
  g_clear_object (&client);
  test_server_free (server);
}

static void
read_exactly (int    fd,
              char  *buf,
              gsize  len)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t n = read (fd, buf + done, len - done);

      g_assert_cmpint (n, >, 0);
      done += (gsize) n;
    }
}

static void
check_console_fd (GIOStream *stream)
{
  g_autoptr(GError) error = NULL;
  char buf[13] = { 0 };
  int fd;

  fd = lagoon_io_stream_steal_fd (stream, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fd, >=, 0);
  read_exactly (fd, buf, 12);
  g_assert_cmpstr (buf, ==, "RFB 003.008\n");
  g_assert_cmpint (write (fd, "RFB 003.003\n", 12), ==, 12);
  memset (buf, 0, sizeof buf);
  read_exactly (fd, buf, 12);
  g_assert_cmpstr (buf, ==, "RFB 003.003\n");
  close (fd);
}

/* The console widget takes an fd: a socket gives its own, anything else (TLS) is pumped
 * through a socketpair. */
static void
test_tunnel_fd (void)
{
  TestServer *server = test_server_new (handle_connect, NULL);
  g_autoptr(LagoonHttpClient) client = client_for (server);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GIOStream) stream = NULL;
      g_autoptr(GIOStream) wrapped = NULL;

      stream = lagoon_http_client_open_tunnel (client, "/console?uuid=c1", "OpaqueRef:s1",
                                               NULL, &error);
      g_assert_no_error (error);
      if (i == 1)
        {
          /* Not a GSocketConnection: forces the pump. */
          wrapped = g_simple_io_stream_new (g_io_stream_get_input_stream (stream),
                                            g_io_stream_get_output_stream (stream));
          check_console_fd (wrapped);
        }
      else
        check_console_fd (stream);
    }
  g_clear_object (&client);
  test_server_free (server);
}

/* ---- any GIOStream: an opener handing out one end of a socketpair ---------------- */

/* What the SSH tunnel will do: the HTTP client gets one end of a socketpair, a pump (here
 * a thread playing the server) owns the other. */
struct _TestPairOpener
{
  GObject  parent_instance;
  GThread *server;
  guint    opened;
};

#define TEST_TYPE_PAIR_OPENER (test_pair_opener_get_type ())
G_DECLARE_FINAL_TYPE (TestPairOpener, test_pair_opener, TEST, PAIR_OPENER, GObject)

static void test_pair_opener_iface_init (LagoonStreamOpenerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestPairOpener, test_pair_opener, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LAGOON_TYPE_STREAM_OPENER,
                                                      test_pair_opener_iface_init))

static gpointer
pair_server (gpointer data)
{
  GSocket *socket = data;
  /* Answer with chunked replies on a kept-alive "channel". */
  while (TRUE)
    {
      GString *head = g_string_new (NULL);
      char c;

      while (!g_str_has_suffix (head->str, "\r\n\r\n"))
        {
          if (g_socket_receive (socket, &c, 1, NULL, NULL) != 1)
            {
              g_string_free (head, TRUE);
              g_object_unref (socket);
              return NULL;
            }
          g_string_append_c (head, c);
        }
      g_string_free (head, TRUE);
      static const char reply[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "4\r\npair\r\n0\r\n\r\n";

      if (g_socket_send (socket, reply, sizeof reply - 1, NULL, NULL) != sizeof reply - 1)
        {
          g_object_unref (socket);
          return NULL;
        }
    }
}

static GIOStream *
test_pair_opener_open (LagoonStreamOpener  *opener,
                       const char          *host,
                       guint16              port,
                       gboolean             tls,
                       GCancellable        *cancellable,
                       GError             **error)
{
  TestPairOpener *self = TEST_PAIR_OPENER (opener);
  int fds[2];
  GSocket *ours, *theirs;
  GIOStream *stream;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  ours = g_socket_new_from_fd (fds[0], error);
  theirs = g_socket_new_from_fd (fds[1], error);
  g_assert_nonnull (ours);
  g_assert_nonnull (theirs);
  g_socket_set_timeout (theirs, 10);
  g_assert_null (self->server);
  self->server = g_thread_new ("pair-server", pair_server, theirs);
  self->opened++;
  stream = G_IO_STREAM (g_socket_connection_factory_create_connection (ours));
  g_object_unref (ours);
  return stream;
}

static void
test_pair_opener_iface_init (LagoonStreamOpenerInterface *iface)
{
  iface->open = test_pair_opener_open;
}

static void
test_pair_opener_class_init (TestPairOpenerClass *klass)
{
}

static void
test_pair_opener_init (TestPairOpener *self)
{
}

static void
test_socketpair_stream (void)
{
  g_autoptr(TestPairOpener) opener = g_object_new (TEST_TYPE_PAIR_OPENER, NULL);
  g_autoptr(LagoonHttpClient) client = NULL;

  client = lagoon_http_client_new (LAGOON_STREAM_OPENER (opener), "10.0.0.7", 80, FALSE);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LagoonHttpResponse) response = NULL;
      g_autofree char *text = NULL;

      response = lagoon_http_client_send (client, "GET", "/", NULL, NULL, NULL, NULL, NULL,
                                          NULL, &error);
      g_assert_no_error (error);
      text = body_string (response);
      g_assert_cmpstr (text, ==, "pair");
    }
  g_assert_cmpuint (opener->opened, ==, 1);
  g_clear_object (&client);   /* closes our end: the server thread sees EOF */
  g_thread_join (opener->server);
}

/* ---- pure parsing ------------------------------------------------------------------------ */

static void
test_parse_head (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonHttpResponse) r = NULL;
  const char *head = "HTTP/1.0 503 Connection Limit Exceeded\nX-A:  one \nx-a: two\n\n";

  r = lagoon_http_response_parse_head (head, strlen (head), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lagoon_http_response_get_status (r), ==, 503);
  g_assert_cmpuint (lagoon_http_response_get_minor_version (r), ==, 0);
  g_assert_cmpstr (lagoon_http_response_get_reason (r), ==, "Connection Limit Exceeded");
  g_assert_cmpstr (lagoon_http_response_get_header (r, "x-A"), ==, "one");
  g_assert_cmpuint (lagoon_http_response_get_n_headers (r), ==, 2);

  g_clear_pointer (&r, lagoon_http_response_unref);
  r = lagoon_http_response_parse_head ("HTTP/1.1 200 OK\r\n", 17, &error);
  g_assert_null (r);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL);
}

static void
test_split_url (void)
{
  gboolean tls = FALSE;
  g_autofree char *host = NULL;
  g_autofree char *path = NULL;
  guint16 port = 0;

  g_assert_true (lagoon_http_split_url ("https://10.0.0.5/console?uuid=abc#frag", &tls, &host,
                                        &port, &path));
  g_assert_true (tls);
  g_assert_cmpstr (host, ==, "10.0.0.5");
  g_assert_cmpuint (port, ==, 443);
  g_assert_cmpstr (path, ==, "/console?uuid=abc");
  g_clear_pointer (&host, g_free);
  g_clear_pointer (&path, g_free);

  g_assert_true (lagoon_http_split_url ("http://[::1]:8080", &tls, &host, &port, &path));
  g_assert_false (tls);
  g_assert_cmpstr (host, ==, "::1");
  g_assert_cmpuint (port, ==, 8080);
  g_assert_cmpstr (path, ==, "/");
  g_clear_pointer (&host, g_free);
  g_clear_pointer (&path, g_free);

  g_assert_true (lagoon_http_split_url ("http://u:p@h?x=1", &tls, &host, &port, &path));
  g_assert_cmpstr (host, ==, "h");
  g_assert_cmpstr (path, ==, "/?x=1");

  g_assert_false (lagoon_http_split_url ("/relative", NULL, NULL, NULL, NULL));
  g_assert_false (lagoon_http_split_url ("ftp://h/", NULL, NULL, NULL, NULL));
  g_assert_false (lagoon_http_split_url ("http://h:99999/", NULL, NULL, NULL, NULL));
  g_assert_false (lagoon_http_split_url ("http://:80/", NULL, NULL, NULL, NULL));
  g_assert_false (lagoon_http_split_url ("http://h/a b", NULL, NULL, NULL, NULL));
  g_assert_false (lagoon_http_split_url ("http://[::1/", NULL, NULL, NULL, NULL));
}

/* ---- TLS with pinning ---------------------------------------------------------------------- */

typedef struct {
  char            *dir;
  GTlsCertificate *cert;
  GTlsCertificate *other;
  char            *fingerprint;
} TlsFixture;

static gboolean
make_cert (const char  *dir,
           const char  *name,
           char       **fingerprint_out,
           GTlsCertificate **cert_out)
{
  g_autofree char *key = g_strdup_printf ("%s/%s.key", dir, name);
  g_autofree char *crt = g_strdup_printf ("%s/%s.crt", dir, name);
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  const char *gen[] = { "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=127.0.0.1",
                        NULL };
  const char *fp[] = { "openssl", "x509", "-in", crt, "-noout", "-fingerprint", "-sha256", NULL };
  char *eq;

  if (!g_spawn_sync (NULL, (char **) gen, NULL, G_SPAWN_SEARCH_PATH |
                     G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, &error) || status != 0)
    return FALSE;
  if (!g_spawn_sync (NULL, (char **) fp, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, &status, &error) || status != 0)
    return FALSE;
  /* "sha256 Fingerprint=AB:CD:..." */
  eq = strchr (out, '=');
  if (eq == NULL)
    return FALSE;
  *fingerprint_out = g_strstrip (g_strdup (eq + 1));
  *cert_out = g_tls_certificate_new_from_files (crt, key, &error);
  g_assert_no_error (error);
  return TRUE;
}

static gboolean
tls_fixture_init (TlsFixture *f)
{
  g_autofree char *unused_fp = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    return FALSE;
  {
    g_autofree char *openssl = g_find_program_in_path ("openssl");
    if (openssl == NULL)
      return FALSE;
  }
  f->dir = g_dir_make_tmp ("lagoon-tls-XXXXXX", &error);
  g_assert_no_error (error);
  return make_cert (f->dir, "a", &f->fingerprint, &f->cert) &&
         make_cert (f->dir, "b", &unused_fp, &f->other);
}

static void
tls_fixture_clear (TlsFixture *f)
{
  if (f->dir != NULL)
    {
      const char *names[] = { "a.key", "a.crt", "b.key", "b.crt" };

      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          g_autofree char *p = g_build_filename (f->dir, names[i], NULL);
          g_remove (p);
        }
      g_rmdir (f->dir);
    }
  g_free (f->dir);
  g_clear_object (&f->cert);
  g_clear_object (&f->other);
  g_free (f->fingerprint);
}

static gboolean
on_accept_certificate (LagoonTcpOpener *opener,
                       const char      *host,
                       guint            port,
                       const char      *fingerprint,
                       gpointer         user_data)
{
  char **seen = user_data;

  g_free (*seen);
  *seen = g_strdup (fingerprint);
  return TRUE;
}

static void
test_tls_pinning (void)
{
  TlsFixture f = { 0 };
  TestServer *server;
  g_autoptr(LagoonTcpOpener) opener = NULL;
  g_autoptr(LagoonHttpClient) client = NULL;
  g_autoptr(LagoonHttpResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *seen = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *text = NULL;
  guint16 port;

  if (!tls_fixture_init (&f))
    {
      tls_fixture_clear (&f);
      g_test_skip ("TLS backend or openssl not available");
      return;
    }

  server = test_server_new_tls (handle_echo, NULL, f.cert);
  port = test_server_get_port (server);
  opener = lagoon_tcp_opener_new ();
  client = lagoon_http_client_new (LAGOON_STREAM_OPENER (opener), "127.0.0.1", port, TRUE);
  lagoon_http_client_set_timeout (client, 10000);

  /* First use and nobody to ask: refused, naming the fingerprint. */
  response = lagoon_http_client_send (client, "GET", "/", NULL, NULL, NULL, NULL, NULL, NULL,
                                      &error);
  g_assert_null (response);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, f.fingerprint));
  g_clear_error (&error);

  /* The caller accepts: pinned, and the pin is what openssl prints. */
  g_signal_connect (opener, "accept-certificate", G_CALLBACK (on_accept_certificate), &seen);
  response = lagoon_http_client_send (client, "GET", "/tls", NULL, NULL, NULL, NULL, NULL,
                                      NULL, &error);
  g_assert_no_error (error);
  text = body_string (response);
  g_assert_cmpstr (text, ==, "GET /tls 0");
  g_assert_cmpstr (seen, ==, f.fingerprint);
  pin = lagoon_tcp_opener_dup_pin (opener, "127.0.0.1", port);
  g_assert_cmpstr (pin, ==, f.fingerprint);
  g_clear_pointer (&response, lagoon_http_response_unref);
  g_clear_object (&client);
  test_server_free (server);

  /* Same port, another certificate: refused with both fingerprints, and the signal is
   * not consulted. */
  g_clear_pointer (&seen, g_free);
  server = test_server_new_tls (handle_echo, NULL, f.other);
  lagoon_tcp_opener_set_pin (opener, "127.0.0.1", test_server_get_port (server), pin);
  client = lagoon_http_client_new (LAGOON_STREAM_OPENER (opener), "127.0.0.1",
                                   test_server_get_port (server), TRUE);
  response = lagoon_http_client_send (client, "GET", "/", NULL, NULL, NULL, NULL, NULL, NULL,
                                      &error);
  g_assert_null (response);
  g_assert_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, "changed"));
  g_assert_nonnull (strstr (error->message, f.fingerprint));
  g_assert_null (seen);
  {
    g_autofree char *fp_other = lagoon_tls_certificate_fingerprint (f.other);
    g_assert_nonnull (strstr (error->message, fp_other));
  }
  g_clear_object (&client);
  test_server_free (server);
  tls_fixture_clear (&f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lagoon/http/normal-reply", test_normal_reply);
  g_test_add_func ("/lagoon/http/keep-alive", test_keep_alive);
  g_test_add_func ("/lagoon/http/stale-keep-alive", test_stale_keep_alive);
  g_test_add_func ("/lagoon/http/no-retry-after-partial-reply",
                   test_no_retry_after_partial_reply);
  g_test_add_func ("/lagoon/http/trickled-reply", test_trickled_reply);
  g_test_add_func ("/lagoon/http/chunked", test_chunked);
  g_test_add_func ("/lagoon/http/close-delimited", test_close_delimited);
  g_test_add_func ("/lagoon/http/truncated-body", test_truncated_body);
  g_test_add_func ("/lagoon/http/truncated-chunk", test_truncated_chunk);
  g_test_add_func ("/lagoon/http/oversized", test_oversized_length);
  g_test_add_func ("/lagoon/http/endless-header", test_endless_header);
  g_test_add_func ("/lagoon/http/garbage-status", test_garbage_status);
  g_test_add_func ("/lagoon/http/no-reply", test_no_reply);
  g_test_add_func ("/lagoon/http/connect-refused", test_connect_refused);
  g_test_add_func ("/lagoon/http/timeout", test_slow_server_timeout);
  g_test_add_func ("/lagoon/http/timeout-slow-body", test_slow_body_timeout);
  g_test_add_func ("/lagoon/http/cancel", test_cancel);
  g_test_add_func ("/lagoon/http/async", test_async);
  g_test_add_func ("/lagoon/http/sink", test_sink);
  g_test_add_func ("/lagoon/http/redirect", test_redirect);
  g_test_add_func ("/lagoon/http/redirect-loop", test_redirect_loop);
  g_test_add_func ("/lagoon/http/connect-tunnel", test_connect_tunnel);
  g_test_add_func ("/lagoon/http/connect-tunnel-async", test_connect_tunnel_async);
  g_test_add_func ("/lagoon/http/socketpair-stream", test_socketpair_stream);
  g_test_add_func ("/lagoon/http/tunnel-fd", test_tunnel_fd);
  g_test_add_func ("/lagoon/http/parse-head", test_parse_head);
  g_test_add_func ("/lagoon/http/split-url", test_split_url);
  g_test_add_func ("/lagoon/http/tls-pinning", test_tls_pinning);

  return g_test_run ();
}
