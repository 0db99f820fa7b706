/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A scripted HTTP server on 127.0.0.1 for hostile-server tests. Each accepted connection
 * runs @handler in its own thread; sockets time out after a few seconds so that nothing
 * outlives a failed test. */
typedef struct _TestServer TestServer;

typedef void (*TestServerHandler) (TestServer *server,
                                   GSocket    *socket,
                                   guint       index,
                                   gpointer    user_data);

TestServer *test_server_new            (TestServerHandler  handler,
                                        gpointer           user_data);
/* With TLS: every connection is wrapped in a GTlsServerConnection using @certificate. */
TestServer *test_server_new_tls        (TestServerHandler  handler,
                                        gpointer           user_data,
                                        GTlsCertificate   *certificate);
guint16     test_server_get_port       (TestServer        *server);
guint       test_server_get_n_accepted (TestServer        *server);
void        test_server_free           (TestServer        *server);

/* Helpers for handlers (they work on the TLS stream transparently). */
typedef struct {
  char   *method;
  char   *path;
  char   *head;
  GBytes *body;
} TestRequest;

/* Read one request (head + Content-Length body); NULL at EOF or on error. */
TestRequest *test_server_read_request  (TestServer        *server,
                                        GSocket           *socket);
void         test_request_free         (TestRequest       *request);
gboolean     test_server_write         (TestServer        *server,
                                        GSocket           *socket,
                                        const char        *data,
                                        gssize             length);
/* A complete 200 (or other) reply with Content-Length. */
gboolean     test_server_reply         (TestServer        *server,
                                        GSocket           *socket,
                                        guint              status,
                                        const char        *content_type,
                                        const char        *body);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestRequest, test_request_free)

G_END_DECLS
