/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-console-view"

#include "config.h"

#include <gtk/gtk.h>

#include "lagoon-console-page.h"
#include "lagoon-console-view.h"
#include "lagoon-ui-private.h"

static gboolean have_display;

static gboolean
need_display (void)
{
  if (!have_display)
    g_test_skip ("no X display (run under xvfb-run -a)");
  return have_display;
}

static guint
keys_for (const char *text,
          guint       keyvals[3])
{
  GdkKeymap *keymap = gdk_keymap_get_for_display (gdk_display_get_default ());

  return lagoon_console_keys_for_char (keymap, g_utf8_get_char (text), keyvals);
}

/* Characters become the keys of the current layout (the X server's: US under Xvfb), with
 * Shift for the upper level; what the layout cannot type is refused. */
static void
test_keys_for_char (void)
{
  guint keys[3] = { 0 };
  guint n;

  if (!need_display ())
    return;

  n = keys_for ("a", keys);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (keys[0], ==, GDK_KEY_a);

  n = keys_for ("A", keys);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (keys[0], ==, GDK_KEY_Shift_L);
  g_assert_cmpuint (keys[1], ==, GDK_KEY_A);

  /* The key under the digit 1, shifted */
  n = keys_for ("!", keys);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (keys[0], ==, GDK_KEY_Shift_L);
  g_assert_cmpuint (keys[1], ==, GDK_KEY_exclam);

  n = keys_for ("1", keys);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (keys[0], ==, GDK_KEY_1);

  n = keys_for (" ", keys);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (keys[0], ==, GDK_KEY_space);

  n = keys_for ("\n", keys);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (keys[0], ==, GDK_KEY_Return);

  n = keys_for ("\t", keys);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (keys[0], ==, GDK_KEY_Tab);

  /* Control characters and what no key of the layout types */
  g_assert_cmpuint (keys_for ("\x01", keys), ==, 0);
  g_assert_cmpuint (keys_for ("\x7f", keys), ==, 0);
  g_assert_cmpuint (keys_for ("\xe4\xb8\xad", keys), ==, 0); /* U+4E2D */
}

static void
on_keys_changed (GdkKeymap *keymap,
                 gboolean  *changed)
{
  *changed = TRUE;
}

static gboolean
set_layout (const char *layout)
{
  GdkKeymap *keymap = gdk_keymap_get_for_display (gdk_display_get_default ());
  g_autofree char *display = g_strdup (gdk_display_get_name (gdk_display_get_default ()));
  const char *argv[] = { "setxkbmap", "-display", display, layout, NULL };
  g_autoptr(GError) error = NULL;
  gboolean changed = FALSE;
  gint64 deadline;
  int status = -1;
  gulong id;

  id = g_signal_connect (keymap, "keys-changed", G_CALLBACK (on_keys_changed), &changed);
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                     &status, &error) || !g_spawn_check_wait_status (status, NULL))
    {
      g_signal_handler_disconnect (keymap, id);
      return FALSE;
    }
  /* GDK learns of the new keymap from the X server's events. */
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (!changed && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_signal_handler_disconnect (keymap, id);
  return changed;
}

/* Another layout, other keys: German has z and y swapped, umlauts on their own keys, and @
 * and the euro sign on AltGr (the third level). */
static void
test_keys_for_char_german (void)
{
  guint keys[3] = { 0 };
  guint n;

  if (!need_display ())
    return;
  if (!set_layout ("de"))
    {
      g_test_skip ("setxkbmap de did not change the keymap (package x11-xkb-utils)");
      return;
    }

  n = keys_for ("z", keys);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (keys[0], ==, GDK_KEY_z);

  n = keys_for ("\xc3\xa4", keys); /* ä */
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (keys[0], ==, GDK_KEY_adiaeresis);

  n = keys_for ("Z", keys);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (keys[0], ==, GDK_KEY_Shift_L);
  g_assert_cmpuint (keys[1], ==, GDK_KEY_Z);

  n = keys_for ("@", keys);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (keys[0], ==, GDK_KEY_ISO_Level3_Shift);
  g_assert_cmpuint (keys[1], ==, GDK_KEY_at);

  n = keys_for ("\xe2\x82\xac", keys); /* € */
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (keys[0], ==, GDK_KEY_ISO_Level3_Shift);
  g_assert_cmpuint (keys[1], ==, GDK_KEY_EuroSign);

  g_assert_true (set_layout ("us"));
  /* Back in the US layout, no key types ä. */
  g_assert_cmpuint (keys_for ("\xc3\xa4", keys), ==, 0);
}

/* No console: typing fails with a sentence, and so does bad input. */
static void
test_type_not_connected (void)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *view;

  if (!need_display ())
    return;

  view = g_object_ref_sink (lagoon_console_view_new ());
  g_assert_false (lagoon_console_view_is_connected (LAGOON_CONSOLE_VIEW (view)));
  g_assert_false (lagoon_console_view_type_text (LAGOON_CONSOLE_VIEW (view), "hello", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&error);
  g_assert_false (lagoon_console_view_type_text (LAGOON_CONSOLE_VIEW (view), NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (lagoon_console_view_type_text (LAGOON_CONSOLE_VIEW (view), "\xff\xfe",
                                                 &error));
  g_assert_nonnull (error);
  /* Sending keys without a console does nothing (and does not crash). */
  {
    static const guint keys[] = { GDK_KEY_Control_L, GDK_KEY_Alt_L, GDK_KEY_Delete };

    lagoon_console_view_send_keys (LAGOON_CONSOLE_VIEW (view), keys, G_N_ELEMENTS (keys));
  }
  gtk_widget_destroy (view);
  g_object_unref (view);
}

static void
collect_labels (GtkWidget *item,
                gpointer   user_data)
{
  GPtrArray *labels = user_data;

  if (GTK_IS_MENU_ITEM (item) && !GTK_IS_SEPARATOR_MENU_ITEM (item))
    g_ptr_array_add (labels, g_strdup (gtk_menu_item_get_label (GTK_MENU_ITEM (item))));
}

static gboolean
has_label (GPtrArray  *labels,
           const char *label)
{
  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (labels->pdata[i], label) == 0)
      return TRUE;
  return FALSE;
}

/* The Send Key menu: virt-viewer's combinations, then the SysRq keys. */
static void
test_keys_menu (void)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  GtkWidget *view;
  GtkWidget *menu;
  guint sysrq = 0;

  if (!need_display ())
    return;

  view = g_object_ref_sink (lagoon_console_view_new ());
  menu = g_object_ref_sink (lagoon_console_view_new_keys_menu (LAGOON_CONSOLE_VIEW (view)));
  gtk_container_foreach (GTK_CONTAINER (menu), collect_labels, labels);
  g_assert_true (has_label (labels, "Ctrl+Alt+Del"));
  g_assert_true (has_label (labels, "Ctrl+Alt+Backspace"));
  g_assert_true (has_label (labels, "PrintScreen"));
  for (guint i = 1; i <= 12; i++)
    {
      g_autofree char *label = g_strdup_printf ("Ctrl+Alt+F%u", i);

      g_assert_true (has_label (labels, label));
    }
  for (guint i = 0; i < labels->len; i++)
    if (g_str_has_prefix (labels->pdata[i], "Alt+SysRq+"))
      sysrq++;
  g_assert_cmpuint (sysrq, >=, 6);
  /* Activating an entry without a console does nothing. */
  gtk_menu_item_activate (GTK_MENU_ITEM (gtk_container_get_children (GTK_CONTAINER (menu))->data));

  gtk_widget_destroy (menu);
  g_object_unref (menu);
  gtk_widget_destroy (view);
  g_object_unref (view);
}

/* A page without a connection shows nothing, and survives set_object (NULL) repeatedly. */
static void
test_page_empty (void)
{
  GtkWidget *page;

  if (!need_display ())
    return;

  page = g_object_ref_sink (lagoon_console_page_new ());
  g_assert_true (lagoon_console_page_handles (LAGOON_CLASS_VM));
  g_assert_true (lagoon_console_page_handles (LAGOON_CLASS_HOST));
  g_assert_false (lagoon_console_page_handles (LAGOON_CLASS_SR));
  lagoon_console_page_set_object (LAGOON_CONSOLE_PAGE (page), NULL, -1, NULL);
  lagoon_console_page_set_object (LAGOON_CONSOLE_PAGE (page), NULL, LAGOON_CLASS_VM,
                                  "OpaqueRef:nothing");
  gtk_widget_destroy (page);
  g_object_unref (page);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  have_display = gtk_init_check (&argc, &argv);
  if (have_display)
    lagoon_ui_register_resources ();

  g_test_add_func ("/lagoon/console-view/keys-for-char", test_keys_for_char);
  g_test_add_func ("/lagoon/console-view/keys-for-char-german", test_keys_for_char_german);
  g_test_add_func ("/lagoon/console-view/type-not-connected", test_type_not_connected);
  g_test_add_func ("/lagoon/console-view/keys-menu", test_keys_menu);
  g_test_add_func ("/lagoon/console-view/page-empty", test_page_empty);
  return g_test_run ();
}
