/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Runs @func (@data, then @notify) in the thread that iterates @context, always later:
 * unlike g_main_context_invoke(), never in the calling thread, even when @context is free.
 * Workers use it to hand results to the main thread, which alone touches the cache. */
void lagoon_context_post (GMainContext   *context,
                          GSourceFunc     func,
                          gpointer        data,
                          GDestroyNotify  notify);

G_END_DECLS
