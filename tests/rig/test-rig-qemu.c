/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-rig-qemu.c: the QEMU test guests boot, shows its console over RFB and reacts to keys */

#define G_LOG_DOMAIN "test-rig-qemu"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/* Grabs until the screen stops changing (only the blinking cursor may differ) for a second;
 * returns the last grab. */
static GBytes *
wait_quiet (LagoonRigRfb *rfb)
{
  g_autoptr(GBytes) before = grab (rfb);
  guint quiet = 0;

  for (guint i = 0; i < 120 && quiet < 4; i++)
    {
      g_autoptr(GBytes) now = NULL;

      g_usleep (250 * 1000);
      now = grab (rfb);
      quiet = lagoon_rig_pixels_count_different (before, now) < 100 ? quiet + 1 : 0;
      g_clear_pointer (&before, g_bytes_unref);
      before = g_steal_pointer (&now);
    }
  g_assert_cmpuint (quiet, >=, 4);
  return g_steal_pointer (&before);
}

/* CPU time used by a process so far, in seconds (utime + stime from /proc). */
static double
cpu_seconds (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *contents = NULL;
  unsigned long utime = 0, stime = 0;
  const char *p;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  p = strrchr (contents, ')');
  if (p == NULL ||
      sscanf (p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return 0;
  return (double) (utime + stime) / sysconf (_SC_CLK_TCK);
}

typedef struct
{
  char       *(*find) (GError **error);
  const char   *typed;
  double        max_idle_cpu;   /* fraction of a core while waiting for keys */
} Guest;

static const Guest grub_guest = { lagoon_rig_guest_iso_find, "echo lagoon rig\n", 0 };
static const Guest idle_guest = { lagoon_rig_guest_idle_iso_find, "lagoon rig\n", 0.3 };

static void
test_guest_console (gconstpointer data)
{
  const Guest *guest = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *iso = guest->find (&error);
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

  /* Boot: first anything on screen (BIOS), then the guest's blue screen covering most of it. */
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
                  "prompt after %.0f ms",
                  (t_socket - t0) / 1000.0, (t_nonblank - t0) / 1000.0, (t_grub - t0) / 1000.0);

  /* Let the shell settle: without typing, only the blinking cursor changes. */
  before = wait_quiet (rfb);

  /* What waiting for a key costs the host. */
  {
    double c0 = cpu_seconds (pid);
    gint64 w0 = g_get_monotonic_time ();
    double share;

    g_usleep (2 * G_USEC_PER_SEC);
    share = (cpu_seconds (pid) - c0) / ((g_get_monotonic_time () - w0) / 1e6);
    g_test_message ("idle guest uses %.0f%% of a core", share * 100);
    if (guest->max_idle_cpu > 0)
      g_assert_cmpfloat (share, <, guest->max_idle_cpu);
  }

  /* Typed keys reach the guest: the command line and GRUB's answer appear. */
  g_assert_true (lagoon_rig_rfb_type (rfb, guest->typed, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 100; i++)
    {
      g_clear_pointer (&after, g_bytes_unref);
      after = grab (rfb);
      changed = lagoon_rig_pixels_count_different (before, after);
      if (changed > 300)
        break;
      g_usleep (100 * 1000);
    }
  if (changed > 300)
    {
      /* Let the guest finish drawing, then measure the whole change. */
      g_clear_pointer (&after, g_bytes_unref);
      after = wait_quiet (rfb);
      changed = lagoon_rig_pixels_count_different (before, after);
    }
  else
    {
      save_for_diagnosis (before, rfb, "lagoon-rig-qemu-before.ppm");
      save_for_diagnosis (after, rfb, "lagoon-rig-qemu-after.ppm");
    }
  g_test_message ("typing changed %u pixels", changed);
  g_assert_cmpuint (changed, >, 300);
  /* Still the guest's screen, not a reboot or a crash. */
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
    g_assert_cmpuint (lagoon_rig_pixels_count_different (after, seen), <, 100);
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

  g_test_add_data_func ("/lagoon/rig/qemu/grub-guest", &grub_guest, test_guest_console);
  g_test_add_data_func ("/lagoon/rig/qemu/idle-guest", &idle_guest, test_guest_console);

  return g_test_run ();
}
