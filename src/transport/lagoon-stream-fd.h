/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Turn a stream into a file descriptor for code that only takes fds (the VNC widget after
 * a console CONNECT). A socket connection gives a duplicate of its socket. Any other stream
 * (TLS on port 443, for instance) gets one end of a socketpair, and a shared pump thread
 * copies bytes between the other end and @stream in both directions until either side
 * closes. The fd is in blocking mode and the caller owns it (close() it when done); @stream
 * should not be used any more and may be dropped at once. Returns -1 with @error set on failure. */
int lagoon_io_stream_steal_fd (GIOStream  *stream,
                               GError    **error);

G_END_DECLS
