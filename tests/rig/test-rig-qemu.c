/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-rig-qemu.c: the QEMU test guest boots, shows its console over RFB and reacts to keys */

#define G_LOG_DOMAIN "test-rig-qemu"

#include "config.h"

#include <signal.h>
#include <string.h>

#include "lagoon-rig.h"

#define BOOT_TIMEOUT_S 60

static void
save_for_diagnosis (GBytes       *pixels,
                    LagoonRigRfb *rfb,
                    const char   *name)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), name, NULL);

  if (pixels != NULL &&
      lagoon_rig_pixels_save_ppm (pixels, lagoon_rig_rfb_get_width (rfb),
                                  lagoon_rig_rfb_get_height (rfb), path, NULL))
    g_test_message ("screen saved to %s", path);
}

static GBytes *
grab (LagoonRigRfb *rfb)
{
  g_autoptr(GError) error = NULL;
  GBytes *pixels = lagoon_rig_rfb_grab (rfb, 5000, &error);

  g_assert_no_error (error);
  return pixels;
}

static void
test_guest_console (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *iso = lagoon_rig_guest_iso_find (&error);
  g_autoptr(LagoonRigQemu) qemu = NULL;
  g_autoptr(LagoonRigRfb) rfb = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GBytes) last = NULL;
  gint64 t0, t_socket, t_nonblank = 0, t_grub = 0;
  guint npixels;
  guint changed = 0;
  GPid pid;

  if (iso == NULL)
    {
      g_test_skip (error->message);
      return;
    }

  t0 = g_get_monotonic_time ();
  qemu = lagoon_rig_qemu_start (iso, &error);
  if (lagoon_rig_error_is_missing (error))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);
  t_socket = g_get_monotonic_time ();
  pid = lagoon_rig_qemu_get_pid (qemu);

  rfb = lagoon_rig_rfb_connect_unix (lagoon_rig_qemu_get_vnc_path (qemu), 5000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lagoon_rig_rfb_get_width (rfb), >=, 320);
  g_assert_cmpuint (lagoon_rig_rfb_get_height (rfb), >=, 200);
  g_test_message ("VNC desktop \"%s\" %ux%u", lagoon_rig_rfb_get_name (rfb),
                  lagoon_rig_rfb_get_width (rfb), lagoon_rig_rfb_get_height (rfb));

  /* Boot: first anything on screen (BIOS), then GRUB's blue shell covering most of it. */
  while (g_get_monotonic_time () - t0 < BOOT_TIMEOUT_S * G_TIME_SPAN_SECOND)
    {
      g_clear_pointer (&last, g_bytes_unref);
      last = grab (rfb);
      npixels = lagoon_rig_rfb_get_width (rfb) * lagoon_rig_rfb_get_height (rfb);
      if (t_nonblank == 0 && lagoon_rig_pixels_count_not (last, 0x000000) > 100)
        t_nonblank = g_get_monotonic_time ();
      if (lagoon_rig_pixels_count_matching (last, LAGOON_RIG_GUEST_BACKGROUND, 8) > npixels / 2)
        {
          t_grub = g_get_monotonic_time ();
          break;
        }
      g_usleep (100 * 1000);
    }
  if (t_grub == 0)
    {
      g_autofree char *tail = lagoon_rig_qemu_get_log_tail (qemu, 20);
      save_for_diagnosis (last, rfb, "lagoon-rig-qemu-boot.ppm");
      g_test_message ("QEMU output:\n%s", tail);
    }
  g_assert_cmpint (t_nonblank, >, 0);
  g_assert_cmpint (t_grub, >, 0);
  g_test_message ("QEMU socket ready after %.0f ms, screen non-blank after %.0f ms, "
                  "grub> shell after %.0f ms",
                  (t_socket - t0) / 1000.0, (t_nonblank - t0) / 1000.0, (t_grub - t0) / 1000.0);

  /* Let the shell settle: without typing, only the blinking cursor changes. */
  {
    guint quiet = 0;

    before = grab (rfb);
    for (guint i = 0; i < 50 && quiet < 4; i++)
      {
        g_autoptr(GBytes) now = NULL;

        g_usleep (250 * 1000);
        now = grab (rfb);
        quiet = lagoon_rig_pixels_count_different (before, now) < 100 ? quiet + 1 : 0;
        g_clear_pointer (&before, g_bytes_unref);
        before = g_steal_pointer (&now);
      }
    g_assert_cmpuint (quiet, >=, 4);
  }

  /* Typed keys reach the guest: the command line and GRUB's answer appear. */
  g_assert_true (lagoon_rig_rfb_type (rfb, "echo lagoon rig\n", &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 100; i++)
    {
      g_clear_pointer (&after, g_bytes_unref);
      after = grab (rfb);
      changed = lagoon_rig_pixels_count_different (before, after);
      if (changed > 400)
        break;
      g_usleep (100 * 1000);
    }
  if (changed <= 400)
    {
      save_for_diagnosis (before, rfb, "lagoon-rig-qemu-before.ppm");
      save_for_diagnosis (after, rfb, "lagoon-rig-qemu-after.ppm");
    }
  g_test_message ("typing changed %u pixels", changed);
  g_assert_cmpuint (changed, >, 400);
  /* Still GRUB's screen, not a reboot or a crash. */
  npixels = lagoon_rig_rfb_get_width (rfb) * lagoon_rig_rfb_get_height (rfb);
  g_assert_cmpuint (lagoon_rig_pixels_count_matching (after, LAGOON_RIG_GUEST_BACKGROUND, 8), >,
                    npixels / 2);

  /* A second viewer shares the desktop. */
  {
    g_autoptr(LagoonRigRfb) second = NULL;
    g_autoptr(GBytes) seen = NULL;

    second = lagoon_rig_rfb_connect_unix (lagoon_rig_qemu_get_vnc_path (qemu), 5000, &error);
    g_assert_no_error (error);
    seen = lagoon_rig_rfb_grab (second, 5000, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (lagoon_rig_pixels_count_different (after, seen), <, 200);
  }

  g_clear_pointer (&rfb, lagoon_rig_rfb_free);
  g_clear_pointer (&qemu, lagoon_rig_qemu_stop);
  g_assert_cmpint (kill (pid, 0), ==, -1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lagoon/rig/qemu/guest-console", test_guest_console);

  return g_test_run ();
}
