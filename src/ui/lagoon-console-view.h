/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-console-view.h: one live graphical console (a VM's, or a host's control domain's):
 * its toolbar, its states (connecting, stopped, error with Retry) and the gtk-vnc display,
 * which only ever gets the fd of a CONNECT through the connection's stream opener.
 *
 * The view connects while it is mapped and the VM runs, wherever it sits: the Console tab or
 * an undocked LagoonConsoleWindow. Moving the view between them keeps the VNC session.
 */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-connection.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_CONSOLE_VIEW (lagoon_console_view_get_type ())

G_DECLARE_FINAL_TYPE (LagoonConsoleView, lagoon_console_view, LAGOON, CONSOLE_VIEW, GtkBox)

/* At most this many characters of the clipboard are typed; more than
 * LAGOON_CONSOLE_TYPE_CONFIRM asks first. */
#define LAGOON_CONSOLE_TYPE_MAX     4096
#define LAGOON_CONSOLE_TYPE_CONFIRM 200

GtkWidget        *lagoon_console_view_new                (void);
/* Shows the console of @ref (a VM, or a host's control domain); NULL connection: nothing. */
void              lagoon_console_view_set_object         (LagoonConsoleView *self,
                                                          LagoonConnection  *connection,
                                                          int                class_id,
                                                          const char        *ref);
LagoonConnection *lagoon_console_view_get_connection     (LagoonConsoleView *self);
int               lagoon_console_view_get_class_id       (LagoonConsoleView *self);
const char       *lagoon_console_view_get_ref            (LagoonConsoleView *self);
/* The VM's name (NULL before the first lookup). */
const char       *lagoon_console_view_get_vm_name        (LagoonConsoleView *self);
gboolean          lagoon_console_view_is_connected       (LagoonConsoleView *self);
/* Whether the view sits in the tab (its Undock button) or in its own window (Dock). */
void              lagoon_console_view_set_docked         (LagoonConsoleView *self,
                                                          gboolean           docked);
void              lagoon_console_view_set_toolbar_visible (LagoonConsoleView *self,
                                                          gboolean           visible);
/* Presses @keyvals in order and releases them in reverse (a key combination). */
void              lagoon_console_view_send_keys          (LagoonConsoleView *self,
                                                          const guint       *keyvals,
                                                          guint              n_keyvals);
/* A new menu of key combinations to send to this view (for another toolbar). */
GtkWidget        *lagoon_console_view_new_keys_menu      (LagoonConsoleView *self);
/* Types @text as key presses (layout-aware, paced); FALSE and @error if nothing can be typed.
 * At most LAGOON_CONSOLE_TYPE_MAX characters. */
gboolean          lagoon_console_view_type_text          (LagoonConsoleView *self,
                                                          const char        *text,
                                                          GError           **error);

/* The keys that type @c with @keymap's layout (the modifiers its level needs, then the key,
 * as gtk-vnc maps keyvals to keys); 0 when the layout cannot type it. '\n' is Return. */
guint             lagoon_console_keys_for_char           (GdkKeymap         *keymap,
                                                          gunichar           c,
                                                          guint              keyvals[3]);

G_END_DECLS
