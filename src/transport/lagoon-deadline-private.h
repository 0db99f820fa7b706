/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A per-operation timeout for blocking I/O on any GIOStream: a cancellable that fires when
 * the caller's cancellable fires or when the time is up. Timers run on one shared thread. */
typedef struct _LagoonDeadline LagoonDeadline;

LagoonDeadline *lagoon_deadline_new             (guint            timeout_ms,
                                                 GCancellable    *cancellable);
GCancellable   *lagoon_deadline_get_cancellable (LagoonDeadline  *self);
gboolean        lagoon_deadline_expired         (LagoonDeadline  *self);
/* Turns a cancellation caused by the timer into LAGOON_TRANSPORT_ERROR_TIMED_OUT. */
void            lagoon_deadline_fix_error       (LagoonDeadline  *self,
                                                 GError         **error,
                                                 const char      *what);
void            lagoon_deadline_free            (LagoonDeadline  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LagoonDeadline, lagoon_deadline_free)

G_END_DECLS
