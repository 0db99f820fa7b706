/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-deadline"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "lagoon-deadline-private.h"
#include "lagoon-transport-error.h"

typedef struct {
  GCancellable *cancellable;
  gint          expired;
} DeadlineShared;

struct _LagoonDeadline
{
  DeadlineShared *shared;
  GCancellable   *user_cancellable;
  gulong          user_handler;
  GSource        *timer;
  guint           timeout_ms;
};

static GMainContext *timer_context;

static gpointer
timer_thread_main (gpointer data)
{
  GMainLoop *loop = g_main_loop_new (timer_context, FALSE);

  g_main_loop_run (loop);
  g_main_loop_unref (loop);
  return NULL;
}

static GMainContext *
get_timer_context (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      timer_context = g_main_context_new ();
      g_thread_unref (g_thread_new ("lagoon-timer", timer_thread_main, NULL));
      g_once_init_leave (&once, 1);
    }
  return timer_context;
}

static void
shared_free (gpointer data)
{
  DeadlineShared *shared = data;

  g_clear_object (&shared->cancellable);
}

static void
shared_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, shared_free);
}

static gboolean
on_timer (gpointer data)
{
  DeadlineShared *shared = data;

  g_atomic_int_set (&shared->expired, 1);
  g_cancellable_cancel (shared->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_user_cancelled (GCancellable *cancellable,
                   gpointer      data)
{
  DeadlineShared *shared = data;

  g_cancellable_cancel (shared->cancellable);
}

LagoonDeadline *
lagoon_deadline_new (guint         timeout_ms,
                     GCancellable *cancellable)
{
  LagoonDeadline *self = g_new0 (LagoonDeadline, 1);

  self->shared = g_atomic_rc_box_new0 (DeadlineShared);
  self->shared->cancellable = g_cancellable_new ();
  self->timeout_ms = timeout_ms;

  if (cancellable != NULL)
    {
      self->user_cancellable = g_object_ref (cancellable);
      /* Runs at once when already cancelled. */
      self->user_handler = g_cancellable_connect (cancellable, G_CALLBACK (on_user_cancelled),
                                                  g_atomic_rc_box_acquire (self->shared),
                                                  shared_unref);
    }

  if (timeout_ms > 0)
    {
      self->timer = g_timeout_source_new (timeout_ms);
      g_source_set_callback (self->timer, on_timer, g_atomic_rc_box_acquire (self->shared),
                             shared_unref);
      g_source_attach (self->timer, get_timer_context ());
    }
  return self;
}

GCancellable *
lagoon_deadline_get_cancellable (LagoonDeadline *self)
{
  return self->shared->cancellable;
}

gboolean
lagoon_deadline_expired (LagoonDeadline *self)
{
  return g_atomic_int_get (&self->shared->expired) != 0;
}

void
lagoon_deadline_fix_error (LagoonDeadline  *self,
                           GError         **error,
                           const char      *what)
{
  if (error == NULL || *error == NULL)
    return;
  if (!g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      !g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return;
  if (self->user_cancellable != NULL && g_cancellable_is_cancelled (self->user_cancellable))
    return;
  if (!lagoon_deadline_expired (self) &&
      !g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return;

  g_clear_error (error);
  g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_TIMED_OUT,
               _("%s: no answer within %u.%03u s"), what,
               self->timeout_ms / 1000, self->timeout_ms % 1000);
}

void
lagoon_deadline_free (LagoonDeadline *self)
{
  if (self == NULL)
    return;
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_source_unref (self->timer);
    }
  if (self->user_cancellable != NULL)
    {
      g_cancellable_disconnect (self->user_cancellable, self->user_handler);
      g_object_unref (self->user_cancellable);
    }
  shared_unref (self->shared);
  g_free (self);
}
