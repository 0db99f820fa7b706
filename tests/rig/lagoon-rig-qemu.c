/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lagoon-rig-qemu.c: a tiny QEMU guest with its VNC server on a unix socket */

#define G_LOG_DOMAIN "lagoon-rig"

#include "config.h"

#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "lagoon-rig-private.h"

#define QEMU_START_TIMEOUT_MS 15000
#define QEMU_STOP_TIMEOUT_MS  3000

struct _LagoonRigQemu
{
  LagoonRigProc proc;
  char         *dir;
  char         *vnc_path;
  char         *log_path;
};

static char *
find_image (const char  *env_var,
            const char  *file_name,
            const char  *needs,
            GError     **error)
{
  const char *env = g_getenv (env_var);
  const char *builddir = g_getenv ("LAGOON_BUILDDIR");
  g_autofree char *path = NULL;

  if (env != NULL && *env != '\0')
    path = g_strdup (env);
  else
    path = g_build_filename (builddir && *builddir ? builddir : LAGOON_BUILDDIR,
                             "tests", "rig", file_name, NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_NOT_FOUND,
                   "The guest image %s was not built (%s needed)", path, needs);
      return NULL;
    }
  return g_steal_pointer (&path);
}

char *
lagoon_rig_guest_iso_find (GError **error)
{
  return find_image ("LAGOON_GUEST_ISO", "guest.iso", "grub-mkrescue, xorriso and mtools are",
                     error);
}

char *
lagoon_rig_guest_idle_iso_find (GError **error)
{
  return find_image ("LAGOON_GUEST_IDLE_ISO", "guest-idle.iso", "xorriso is", error);
}

static gboolean
unix_socket_accepts (const char *path)
{
  struct sockaddr_un addr = { 0 };
  gboolean ok;
  int fd;

  if (strlen (path) >= sizeof addr.sun_path)
    return FALSE;
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return FALSE;
  addr.sun_family = AF_UNIX;
  strcpy (addr.sun_path, path);
  ok = connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0;
  close (fd);
  return ok;
}

LagoonRigQemu *
lagoon_rig_qemu_start (const char  *iso,
                       GError     **error)
{
  static const char * const candidates[] = { "/usr/bin/qemu-system-x86_64", NULL };
  g_autofree char *qemu = NULL;
  g_autofree char *vnc_arg = NULL;
  LagoonRigQemu *self;
  gint64 deadline;

  g_return_val_if_fail (iso != NULL, NULL);

  qemu = lagoon_rig_find_program ("LAGOON_QEMU", candidates, "qemu-system-x86_64", error);
  if (qemu == NULL)
    return NULL;
  if (!g_file_test (iso, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_NOT_FOUND,
                   "Guest image %s not found", iso);
      return NULL;
    }

  self = g_new0 (LagoonRigQemu, 1);
  self->dir = lagoon_rig_make_tmp_dir (error);
  if (self->dir == NULL)
    goto fail;
  self->vnc_path = g_build_filename (self->dir, "vnc.sock", NULL);
  self->log_path = g_build_filename (self->dir, "qemu.log", NULL);
  vnc_arg = g_strconcat ("unix:", self->vnc_path, NULL);

  {
    const char *argv[] = {
      qemu,
      "-nodefaults",
      "-machine", "accel=tcg",
      "-m", "32",
      "-vga", "std",
      "-display", "none",
      "-cdrom", iso,
      "-boot", "d",
      "-vnc", vnc_arg,
      "-no-reboot",
      NULL
    };

    if (!lagoon_rig_proc_spawn (&self->proc, argv, self->log_path, error))
      goto fail;
  }

  deadline = g_get_monotonic_time () + QEMU_START_TIMEOUT_MS * 1000;
  while (!unix_socket_accepts (self->vnc_path))
    {
      if (!lagoon_rig_proc_alive (&self->proc))
        {
          g_autofree char *how = lagoon_rig_proc_describe (&self->proc);
          g_autofree char *tail = lagoon_rig_file_tail (self->log_path, 20);

          g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED,
                       "QEMU %s before its VNC socket was ready. Output:\n%s", how, tail);
          goto fail;
        }
      if (g_get_monotonic_time () >= deadline)
        {
          g_autofree char *tail = lagoon_rig_file_tail (self->log_path, 20);

          g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_TIMED_OUT,
                       "QEMU's VNC socket %s did not accept connections within %d s. "
                       "Output:\n%s", self->vnc_path, QEMU_START_TIMEOUT_MS / 1000, tail);
          goto fail;
        }
      g_usleep (10 * 1000);
    }

  g_debug ("QEMU %d booting %s, VNC on %s", (int) self->proc.pid, iso, self->vnc_path);
  return self;

fail:
  lagoon_rig_qemu_stop (self);
  return NULL;
}

void
lagoon_rig_qemu_stop (LagoonRigQemu *self)
{
  if (self == NULL)
    return;

  lagoon_rig_proc_stop (&self->proc, QEMU_STOP_TIMEOUT_MS);
  if (self->dir != NULL)
    lagoon_rig_rm_rf (self->dir);
  g_free (self->dir);
  g_free (self->vnc_path);
  g_free (self->log_path);
  g_free (self);
}

const char *
lagoon_rig_qemu_get_vnc_path (LagoonRigQemu *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->vnc_path;
}

GPid
lagoon_rig_qemu_get_pid (LagoonRigQemu *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->proc.pid;
}

char *
lagoon_rig_qemu_get_log_tail (LagoonRigQemu *self,
                              guint          n_lines)
{
  g_return_val_if_fail (self != NULL, NULL);
  return lagoon_rig_file_tail (self->log_path, n_lines);
}
