/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "lagoon-ssh-session.h"
#include "lagoon-stream-opener.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_SSH_OPENER (lagoon_ssh_opener_get_type ())

G_DECLARE_FINAL_TYPE (LagoonSshOpener, lagoon_ssh_opener, LAGOON, SSH_OPENER, GObject)

/* A LagoonStreamOpener whose streams are direct-tcpip channels of one SSH session: every
 * address is reached as the SSH server sees it (xapi at 127.0.0.1:80, pool members at their
 * management addresses). When the session has dropped, the next open() connects it again
 * with the credentials it already has. */
LagoonSshOpener  *lagoon_ssh_opener_new         (LagoonSshSession *session);
LagoonSshSession *lagoon_ssh_opener_get_session (LagoonSshOpener  *self);

G_END_DECLS
