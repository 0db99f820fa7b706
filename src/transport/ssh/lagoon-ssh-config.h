/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-ssh-config.h: the subset of ssh_config(5) that decides where and how to connect:
 * Host patterns (with *, ? and !negation), HostName, User, Port, IdentityFile, ProxyJump,
 * and Include. As in OpenSSH, the first value obtained for a keyword wins.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char     *alias;          /* what the user typed */
  char     *hostname;       /* HostName, or the alias */
  char     *user;           /* User, or NULL */
  guint16   port;           /* Port, or 0 when not set */
  GPtrArray *identity_files; /* IdentityFile values, ~ and %d %u %h %r %p expanded */
  char     *proxy_jump;     /* ProxyJump as written ("none" becomes NULL) */
} LagoonSshHostConfig;

/* Resolves @alias using the config file at @path (NULL: ~/.ssh/config). A missing file
 * is not an error: the result then simply names @alias. */
LagoonSshHostConfig *lagoon_ssh_config_resolve      (const char          *path,
                                                     const char          *alias,
                                                     GError             **error);
LagoonSshHostConfig *lagoon_ssh_config_resolve_text (const char          *text,
                                                     const char          *base_dir,
                                                     const char          *alias,
                                                     GError             **error);
void                 lagoon_ssh_host_config_free    (LagoonSshHostConfig *config);

/* Parses "[user@]host[:port]" or "ssh://[user@]host[:port]" (IPv6 in brackets). */
gboolean             lagoon_ssh_parse_destination   (const char          *text,
                                                     char               **user,
                                                     char               **host,
                                                     guint16             *port,
                                                     GError             **error);

/* Whether @host matches a Host line's pattern list ("a* !ab *.example.com"). */
gboolean             lagoon_ssh_config_host_matches (const char          *patterns,
                                                     const char          *host);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LagoonSshHostConfig, lagoon_ssh_host_config_free)

G_END_DECLS
