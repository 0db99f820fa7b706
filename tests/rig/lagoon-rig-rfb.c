/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lagoon-rig-rfb.c: a minimal RFB (VNC) client for tests: handshake, raw frames, key events */

#define G_LOG_DOMAIN "lagoon-rig"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "lagoon-rig-private.h"

#define RFB_ENCODING_RAW          0
#define RFB_ENCODING_DESKTOP_SIZE (-223)
#define RFB_MAX_NAME              (64 * 1024)
#define RFB_MAX_CUT_TEXT          (16 * 1024 * 1024)
#define RFB_MAX_DIMENSION         8192

struct _LagoonRigRfb
{
  int       fd;
  guint     width;
  guint     height;
  char     *name;
  guint32  *fb;
  gboolean  resized;
};

/* ---- I/O with deadlines -------------------------------------------------------------------- */

static gboolean
wait_readable (LagoonRigRfb  *self,
               gint64         deadline,
               GError       **error)
{
  for (;;)
    {
      struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      int r;

      if (left_ms <= 0)
        {
          g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_TIMED_OUT,
                       "The VNC server did not answer in time");
          return FALSE;
        }
      r = poll (&pfd, 1, (int) MIN (left_ms, G_MAXINT));
      if (r > 0)
        return TRUE;
      if (r < 0 && errno != EINTR)
        {
          int saved = errno;
          g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED,
                       "poll: %s", g_strerror (saved));
          return FALSE;
        }
    }
}

static gboolean
read_exact (LagoonRigRfb  *self,
            void          *buf,
            gsize          len,
            gint64         deadline,
            GError       **error)
{
  guint8 *p = buf;

  while (len > 0)
    {
      gssize n;

      if (!wait_readable (self, deadline, error))
        return FALSE;
      n = read (self->fd, p, len);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED,
                       "Reading from the VNC server: %s", g_strerror (saved));
          return FALSE;
        }
      if (n == 0)
        {
          g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_PROTOCOL,
                       "The VNC server closed the connection");
          return FALSE;
        }
      p += n;
      len -= n;
    }
  return TRUE;
}

static gboolean
skip_bytes (LagoonRigRfb  *self,
            gsize          len,
            gint64         deadline,
            GError       **error)
{
  guint8 buf[4096];

  while (len > 0)
    {
      gsize chunk = MIN (len, sizeof buf);

      if (!read_exact (self, buf, chunk, deadline, error))
        return FALSE;
      len -= chunk;
    }
  return TRUE;
}

static gboolean
write_all (LagoonRigRfb  *self,
           const void    *buf,
           gsize          len,
           GError       **error)
{
  const guint8 *p = buf;

  while (len > 0)
    {
      gssize n = send (self->fd, p, len, MSG_NOSIGNAL);

      if (n < 0 && errno == ENOTSOCK)
        n = write (self->fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED,
                       "Writing to the VNC server: %s", g_strerror (saved));
          return FALSE;
        }
      p += n;
      len -= n;
    }
  return TRUE;
}

static guint16
get_u16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static guint32
get_u32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static void
put_u16 (guint8  *p,
         guint16  v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

static void
put_u32 (guint8  *p,
         guint32  v)
{
  p[0] = v >> 24;
  p[1] = (v >> 16) & 0xff;
  p[2] = (v >> 8) & 0xff;
  p[3] = v & 0xff;
}

/* A length-prefixed reason string (failed security). */
static char *
read_reason (LagoonRigRfb *self,
             gint64        deadline)
{
  guint8 len_buf[4];
  guint32 len;
  g_autofree char *text = NULL;

  if (!read_exact (self, len_buf, 4, deadline, NULL))
    return g_strdup ("(no reason given)");
  len = MIN (get_u32 (len_buf), 4096);
  text = g_malloc0 (len + 1);
  if (!read_exact (self, text, len, deadline, NULL))
    return g_strdup ("(no reason given)");
  return g_utf8_make_valid (text, -1);
}

static gboolean
set_size (LagoonRigRfb  *self,
          guint          width,
          guint          height,
          GError       **error)
{
  if (width == 0 || height == 0 || width > RFB_MAX_DIMENSION || height > RFB_MAX_DIMENSION)
    {
      g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_PROTOCOL,
                   "The VNC server announced a %ux%u desktop", width, height);
      return FALSE;
    }
  self->width = width;
  self->height = height;
  g_free (self->fb);
  self->fb = g_new0 (guint32, (gsize) width * height);
  return TRUE;
}

/* ---- handshake ---------------------------------------------------------------------------- */

static gboolean
handshake (LagoonRigRfb  *self,
           guint          timeout_ms,
           GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  char version[13] = { 0 };
  int major = 0, minor = 0;
  guint8 n_types;
  guint8 types[255];
  gboolean has_none = FALSE;
  guint8 b;
  guint8 init[24];
  guint32 name_len;
  guint8 pf_msg[20] = { 0 };
  guint8 enc_msg[12] = { 0 };

  if (!read_exact (self, version, 12, deadline, error))
    return FALSE;
  if (sscanf (version, "RFB %3d.%3d\n", &major, &minor) != 2 || major != 3 || minor < 7)
    {
      g_autofree char *shown = g_strescape (version, NULL);
      g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_PROTOCOL,
                   "Unsupported RFB greeting \"%s\" (3.7 or later needed)", shown);
      return FALSE;
    }
  minor = minor >= 8 ? 8 : 7;
  g_snprintf (version, sizeof version, "RFB 003.%03d\n", minor);
  if (!write_all (self, version, 12, error))
    return FALSE;

  if (!read_exact (self, &n_types, 1, deadline, error))
    return FALSE;
  if (n_types == 0)
    {
      g_autofree char *reason = read_reason (self, deadline);
      g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_PROTOCOL,
                   "The VNC server refused the connection: %s", reason);
      return FALSE;
    }
  if (!read_exact (self, types, n_types, deadline, error))
    return FALSE;
  for (guint i = 0; i < n_types; i++)
    has_none = has_none || types[i] == 1;
  if (!has_none)
    {
      g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_PROTOCOL,
                   "The VNC server requires authentication (security type %u)", types[0]);
      return FALSE;
    }
  b = 1;
  if (!write_all (self, &b, 1, error))
    return FALSE;

  if (minor >= 8)
    {
      guint8 result[4];

      if (!read_exact (self, result, 4, deadline, error))
        return FALSE;
      if (get_u32 (result) != 0)
        {
          g_autofree char *reason = read_reason (self, deadline);
          g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_PROTOCOL,
                       "VNC security handshake failed: %s", reason);
          return FALSE;
        }
    }

  /* ClientInit: share the desktop, so that other viewers stay connected. */
  b = 1;
  if (!write_all (self, &b, 1, error))
    return FALSE;

  if (!read_exact (self, init, sizeof init, deadline, error))
    return FALSE;
  name_len = get_u32 (init + 20);
  if (name_len > RFB_MAX_NAME)
    {
      g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_PROTOCOL,
                   "The VNC server sent a %u byte desktop name", name_len);
      return FALSE;
    }
  {
    g_autofree char *name = g_malloc0 (name_len + 1);

    if (!read_exact (self, name, name_len, deadline, error))
      return FALSE;
    self->name = g_utf8_make_valid (name, -1);
  }
  if (!set_size (self, get_u16 (init), get_u16 (init + 2), error))
    return FALSE;

  /* SetPixelFormat: 32 bpp, depth 24, true colour, 0x00RRGGBB in our byte order. */
  pf_msg[0] = 0;
  pf_msg[4] = 32;
  pf_msg[5] = 24;
  pf_msg[6] = G_BYTE_ORDER == G_BIG_ENDIAN;
  pf_msg[7] = 1;
  put_u16 (pf_msg + 8, 255);
  put_u16 (pf_msg + 10, 255);
  put_u16 (pf_msg + 12, 255);
  pf_msg[14] = 16;
  pf_msg[15] = 8;
  pf_msg[16] = 0;
  if (!write_all (self, pf_msg, sizeof pf_msg, error))
    return FALSE;

  /* SetEncodings: raw, and the DesktopSize pseudo-encoding for mode changes. */
  enc_msg[0] = 2;
  put_u16 (enc_msg + 2, 2);
  put_u32 (enc_msg + 4, RFB_ENCODING_RAW);
  put_u32 (enc_msg + 8, (guint32) RFB_ENCODING_DESKTOP_SIZE);
  return write_all (self, enc_msg, sizeof enc_msg, error);
}

LagoonRigRfb *
lagoon_rig_rfb_new_for_fd (int      fd,
                           guint    timeout_ms,
                           GError **error)
{
  LagoonRigRfb *self;

  g_return_val_if_fail (fd >= 0, NULL);

  self = g_new0 (LagoonRigRfb, 1);
  self->fd = fd;
  if (!handshake (self, timeout_ms, error))
    {
      lagoon_rig_rfb_free (self);
      return NULL;
    }
  return self;
}

LagoonRigRfb *
lagoon_rig_rfb_connect_unix (const char  *path,
                             guint        timeout_ms,
                             GError     **error)
{
  struct sockaddr_un addr = { 0 };
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  if (strlen (path) >= sizeof addr.sun_path)
    {
      g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED,
                   "Socket path too long: %s", path);
      return NULL;
    }
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED,
                   "socket: %s", g_strerror (saved));
      return NULL;
    }
  addr.sun_family = AF_UNIX;
  strcpy (addr.sun_path, path);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    {
      int saved = errno;
      close (fd);
      g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED,
                   "Cannot connect to %s: %s", path, g_strerror (saved));
      return NULL;
    }
  return lagoon_rig_rfb_new_for_fd (fd, timeout_ms, error);
}

void
lagoon_rig_rfb_free (LagoonRigRfb *self)
{
  if (self == NULL)
    return;
  if (self->fd >= 0)
    close (self->fd);
  g_free (self->name);
  g_free (self->fb);
  g_free (self);
}

guint
lagoon_rig_rfb_get_width (LagoonRigRfb *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->width;
}

guint
lagoon_rig_rfb_get_height (LagoonRigRfb *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->height;
}

const char *
lagoon_rig_rfb_get_name (LagoonRigRfb *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

/* ---- server messages ---------------------------------------------------------------------- */

static gboolean
read_update (LagoonRigRfb  *self,
             gint64         deadline,
             GError       **error)
{
  guint8 head[3];
  guint n_rects;

  if (!read_exact (self, head, 3, deadline, error))
    return FALSE;
  n_rects = get_u16 (head + 1);

  for (guint i = 0; i < n_rects; i++)
    {
      guint8 r[12];
      guint x, y, w, h;
      gint32 encoding;

      if (!read_exact (self, r, sizeof r, deadline, error))
        return FALSE;
      x = get_u16 (r);
      y = get_u16 (r + 2);
      w = get_u16 (r + 4);
      h = get_u16 (r + 6);
      encoding = (gint32) get_u32 (r + 8);

      if (encoding == RFB_ENCODING_DESKTOP_SIZE)
        {
          if (!set_size (self, w, h, error))
            return FALSE;
          self->resized = TRUE;
          continue;
        }
      if (encoding != RFB_ENCODING_RAW)
        {
          g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_PROTOCOL,
                       "The VNC server used encoding %d, which was not asked for", encoding);
          return FALSE;
        }
      if (x + w > self->width || y + h > self->height)
        {
          g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_PROTOCOL,
                       "Rectangle %ux%u+%u+%u outside the %ux%u desktop",
                       w, h, x, y, self->width, self->height);
          return FALSE;
        }
      for (guint row = 0; row < h; row++)
        if (!read_exact (self, self->fb + (gsize) (y + row) * self->width + x,
                         (gsize) w * 4, deadline, error))
          return FALSE;
    }
  return TRUE;
}

/* Reads one server message; *was_update tells whether it was a FramebufferUpdate. */
static gboolean
read_message (LagoonRigRfb  *self,
              gboolean      *was_update,
              gint64         deadline,
              GError       **error)
{
  guint8 type;
  guint8 buf[7];

  *was_update = FALSE;
  if (!read_exact (self, &type, 1, deadline, error))
    return FALSE;

  switch (type)
    {
    case 0:
      *was_update = TRUE;
      return read_update (self, deadline, error);

    case 1: /* SetColourMapEntries */
      if (!read_exact (self, buf, 5, deadline, error))
        return FALSE;
      return skip_bytes (self, (gsize) get_u16 (buf + 3) * 6, deadline, error);

    case 2: /* Bell */
      return TRUE;

    case 3: /* ServerCutText */
      {
        guint32 len;

        if (!read_exact (self, buf, 7, deadline, error))
          return FALSE;
        len = get_u32 (buf + 3);
        if (len > RFB_MAX_CUT_TEXT)
          {
            g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_PROTOCOL,
                         "The VNC server sent %u bytes of clipboard text", len);
            return FALSE;
          }
        return skip_bytes (self, len, deadline, error);
      }

    default:
      g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_PROTOCOL,
                   "Unknown VNC server message type %u", type);
      return FALSE;
    }
}

static gboolean
request_update (LagoonRigRfb  *self,
                gboolean       incremental,
                GError       **error)
{
  guint8 msg[10] = { 3 };

  msg[1] = incremental ? 1 : 0;
  put_u16 (msg + 2, 0);
  put_u16 (msg + 4, 0);
  put_u16 (msg + 6, self->width);
  put_u16 (msg + 8, self->height);
  return write_all (self, msg, sizeof msg, error);
}

GBytes *
lagoon_rig_rfb_grab (LagoonRigRfb  *self,
                     guint          timeout_ms,
                     GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  g_return_val_if_fail (self != NULL, NULL);

  /* A size change arrives as its own rectangle; ask again for the new size. */
  for (guint attempt = 0; attempt < 8; attempt++)
    {
      gboolean was_update = FALSE;

      self->resized = FALSE;
      if (!request_update (self, FALSE, error))
        return NULL;
      while (!was_update)
        if (!read_message (self, &was_update, deadline, error))
          return NULL;
      if (!self->resized)
        return g_bytes_new (self->fb, (gsize) self->width * self->height * 4);
    }

  g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_PROTOCOL,
               "The VNC desktop keeps changing size");
  return NULL;
}

gboolean
lagoon_rig_rfb_send_key (LagoonRigRfb  *self,
                         guint32        keysym,
                         gboolean       down,
                         GError       **error)
{
  guint8 msg[8] = { 4 };

  g_return_val_if_fail (self != NULL, FALSE);

  msg[1] = down ? 1 : 0;
  put_u32 (msg + 4, keysym);
  return write_all (self, msg, sizeof msg, error);
}

gboolean
lagoon_rig_rfb_type (LagoonRigRfb  *self,
                     const char    *text,
                     GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  for (const char *p = text; *p != '\0'; p++)
    {
      guint32 keysym;

      if (*p == '\n')
        keysym = 0xff0d;   /* Return */
      else if (*p == '\t')
        keysym = 0xff09;   /* Tab */
      else if (*p == '\b')
        keysym = 0xff08;   /* BackSpace */
      else if (*p >= 0x20 && *p < 0x7f)
        keysym = (guint32) *p;
      else
        {
          g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED,
                       "Cannot type character 0x%02x", (guint8) *p);
          return FALSE;
        }
      if (!lagoon_rig_rfb_send_key (self, keysym, TRUE, error) ||
          !lagoon_rig_rfb_send_key (self, keysym, FALSE, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- pixels ------------------------------------------------------------------------------- */

guint
lagoon_rig_pixels_count_different (GBytes *a,
                                   GBytes *b)
{
  gsize la = 0, lb = 0;
  const guint32 *pa = g_bytes_get_data (a, &la);
  const guint32 *pb = g_bytes_get_data (b, &lb);
  guint n = 0;

  if (la != lb)
    return (guint) (MAX (la, lb) / 4);
  for (gsize i = 0; i < la / 4; i++)
    if ((pa[i] & 0xffffff) != (pb[i] & 0xffffff))
      n++;
  return n;
}

guint
lagoon_rig_pixels_count_matching (GBytes  *pixels,
                                  guint32  rgb,
                                  guint    tolerance)
{
  gsize len = 0;
  const guint32 *p = g_bytes_get_data (pixels, &len);
  guint n = 0;

  for (gsize i = 0; i < len / 4; i++)
    {
      gboolean match = TRUE;

      for (guint shift = 0; shift <= 16 && match; shift += 8)
        {
          int c = (p[i] >> shift) & 0xff;
          int want = (rgb >> shift) & 0xff;

          match = ABS (c - want) <= (int) tolerance;
        }
      if (match)
        n++;
    }
  return n;
}

guint
lagoon_rig_pixels_count_not (GBytes  *pixels,
                             guint32  rgb)
{
  gsize len = 0;
  const guint32 *p = g_bytes_get_data (pixels, &len);
  guint n = 0;

  for (gsize i = 0; i < len / 4; i++)
    if ((p[i] & 0xffffff) != (rgb & 0xffffff))
      n++;
  return n;
}

gboolean
lagoon_rig_pixels_save_ppm (GBytes      *pixels,
                            guint        width,
                            guint        height,
                            const char  *path,
                            GError     **error)
{
  gsize len = 0;
  const guint32 *p = g_bytes_get_data (pixels, &len);
  g_autoptr(GString) out = NULL;

  if (len != (gsize) width * height * 4)
    {
      g_set_error (error, LAGOON_RIG_ERROR, LAGOON_RIG_ERROR_FAILED,
                   "%zu bytes do not make a %ux%u image", len, width, height);
      return FALSE;
    }
  out = g_string_sized_new (len * 3 / 4 + 32);
  g_string_append_printf (out, "P6\n%u %u\n255\n", width, height);
  for (gsize i = 0; i < len / 4; i++)
    {
      g_string_append_c (out, (char) ((p[i] >> 16) & 0xff));
      g_string_append_c (out, (char) ((p[i] >> 8) & 0xff));
      g_string_append_c (out, (char) (p[i] & 0xff));
    }
  return g_file_set_contents (path, out->str, out->len, error);
}
