/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "xapi-sim"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "sim-console.h"

#define QEMU_SOCKET_WAIT_US  (15 * G_USEC_PER_SEC)
#define WATCH_PERIOD_US      (100 * 1000)
#define QEMU_ENV             "XAPI_SIM_QEMU"

/* xapi's http_200_ok for CONNECT (http.ml): nothing more, nothing less. */
static const char connect_ok[] =
  "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nCache-Control: no-cache, no-store\r\n\r\n";

typedef struct
{
  char     *vm_uuid;
  char     *socket_path;
  char     *log_path;
  gint64    domid;    /* the domain it displays: a reboot makes a new one */
  GPid      pid;      /* 0 until the manager thread has spawned it */
  gboolean  failed;   /* spawning failed */
  gint64    started;  /* monotonic time of the spawn */
} Qemu;

struct _SimConsoles
{
  SimServer  *server;
  char       *iso;
  char       *dir;
  GMutex      lock;
  GCond       cond;
  GHashTable *qemus;     /* vm uuid -> Qemu */
  GQueue      requests;  /* Qemu waiting to be spawned */
  GThread    *thread;
  gboolean    stopping;
};

static void remove_dir (const char *path);

static void
qemu_free (gpointer data)
{
  Qemu *q = data;

  g_free (q->vm_uuid);
  g_free (q->socket_path);
  g_free (q->log_path);
  g_free (q);
}

/* ---- shared HTTP handler helpers ---------------------------------------------------------- */

char *
sim_query_get (const char *query,
               const char *key)
{
  g_auto(GStrv) pairs = NULL;

  if (query == NULL)
    return NULL;
  pairs = g_strsplit (query, "&", -1);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      char *eq = strchr (pairs[i], '=');
      g_autofree char *name = NULL;

      if (eq == NULL)
        {
          if (g_str_equal (pairs[i], key))
            return g_strdup ("");
          continue;
        }
      name = g_strndup (pairs[i], eq - pairs[i]);
      if (g_str_equal (name, key))
        {
          g_autofree char *plus = g_strdup (eq + 1);
          g_strdelimit (plus, "+", ' ');
          return g_uri_unescape_string (plus, NULL);
        }
    }
  return NULL;
}

char *
sim_request_session (const char *query,
                     const char *cookie)
{
  if (cookie != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (cookie, ";", -1);

      for (guint i = 0; parts[i] != NULL; i++)
        {
          const char *p = g_strstrip (parts[i]);
          if (g_str_has_prefix (p, "session_id="))
            return g_strdup (p + strlen ("session_id="));
        }
    }
  return sim_query_get (query, "session_id");
}

const char *
sim_host_at_address (SimDb      *db,
                     const char *local_address)
{
  const LagoonSchemaClass *host_class = (&lagoon_schema_classes[LAGOON_CLASS_HOST]);
  GQueue *hosts = sim_db_class_objects (db, host_class);

  if (local_address == NULL)
    return NULL;
  for (GList *l = hosts->head; l != NULL; l = l->next)
    if (g_str_equal (sim_object_get_string (l->data, LAGOON_HOST_ADDRESS), local_address))
      return ((SimObject *) l->data)->ref;
  return NULL;
}

gboolean
sim_session_ok (SimDb      *db,
                const char *host_ref,
                const char *session)
{
  SimObject *s;

  if (session == NULL)
    return FALSE;
  s = sim_db_lookup_class (db, (&lagoon_schema_classes[LAGOON_CLASS_SESSION]), session);
  if (s == NULL)
    return FALSE;
  /* A pool session is good on every host (supporters check it with the coordinator); a
   * slave-local one only where it was made. */
  if (g_variant_get_boolean (s->fields[LAGOON_SESSION_POOL]))
    return TRUE;
  return host_ref != NULL &&
         g_str_equal (host_ref, sim_object_get_string (s, LAGOON_SESSION_THIS_HOST));
}

/* ---- QEMU processes ----------------------------------------------------------------------- */

static void
child_setup (gpointer user_data)
{
  pid_t parent = (pid_t) GPOINTER_TO_INT (user_data);

  /* Dies with the manager thread, i.e. with the simulator; if that is already gone, leave. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != parent)
    _exit (127);
}

static void
qemu_spawn (SimConsoles *consoles,
            Qemu        *q)
{
  const char *binary = g_getenv (QEMU_ENV);
  g_autofree char *vnc = g_strdup_printf ("unix:%s", q->socket_path);
  const char *argv[] = {
    binary != NULL && *binary != '\0' ? binary : "qemu-system-x86_64",
    "-nodefaults",
    "-machine", "accel=tcg",
    "-m", "32",
    "-vga", "std",
    "-display", "none",
    "-cdrom", consoles->iso,
    "-boot", "d",
    "-vnc", vnc,
    "-no-reboot",
    NULL
  };
  g_autoptr(GError) error = NULL;
  int log_fd;

  g_unlink (q->socket_path);
  log_fd = g_open (q->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (!g_spawn_async_with_pipes_and_fds (NULL, argv, NULL,
                                         G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH |
                                         G_SPAWN_STDIN_FROM_DEV_NULL,
                                         child_setup, GINT_TO_POINTER ((int) getpid ()),
                                         -1, log_fd, log_fd, NULL, NULL, 0,
                                         &q->pid, NULL, NULL, NULL, &error))
    {
      g_message ("cannot start QEMU for VM %s: %s", q->vm_uuid, error->message);
      q->failed = TRUE;
      q->pid = 0;
    }
  else
    {
      q->started = g_get_monotonic_time ();
      g_debug ("QEMU %d started for VM %s", (int) q->pid, q->vm_uuid);
    }
  if (log_fd >= 0)
    close (log_fd);
}

static void
qemu_kill (Qemu *q)
{
  if (q->pid > 0)
    {
      kill (q->pid, SIGKILL);
      waitpid (q->pid, NULL, 0);
      g_debug ("QEMU %d for VM %s stopped", (int) q->pid, q->vm_uuid);
      q->pid = 0;
    }
  g_unlink (q->socket_path);
}

/*
 * A VM keeps its QEMU while its domain runs (or is paused), as its device model would; a
 * reboot (new domid) or a halt ends it. @domid G_MININT64: any domain.
 */
static gboolean
vm_has_device_model (SimDb      *db,
                     const char *vm_uuid,
                     gint64      domid)
{
  SimObject *vm = sim_db_lookup_uuid (db, (&lagoon_schema_classes[LAGOON_CLASS_VM]), vm_uuid);
  const char *state;

  if (vm == NULL)
    return FALSE;
  state = sim_object_get_string (vm, LAGOON_VM_POWER_STATE);
  if (!g_str_equal (state, "Running") && !g_str_equal (state, "Paused"))
    return FALSE;
  return domid == G_MININT64 || sim_object_get_int (vm, LAGOON_VM_DOMID) == domid;
}

/*
 * The long-lived thread that owns every QEMU: it spawns them (so PR_SET_PDEATHSIG ties them
 * to a thread that lives as long as the simulator), reaps those that exit and kills those
 * whose VM stopped running.
 */
static gpointer
manager_thread (gpointer data)
{
  SimConsoles *consoles = data;
  SimDb *db = sim_server_get_db (consoles->server);

  g_mutex_lock (&consoles->lock);
  while (!consoles->stopping)
    {
      g_autoptr(GPtrArray) uuids = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GArray) domids = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr(GPtrArray) stale = g_ptr_array_new_with_free_func (g_free);
      GHashTableIter iter;
      gpointer value;
      Qemu *q;

      while ((q = g_queue_pop_head (&consoles->requests)) != NULL)
        qemu_spawn (consoles, q);
      g_cond_broadcast (&consoles->cond);

      g_hash_table_iter_init (&iter, consoles->qemus);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          q = value;
          if (q->pid > 0)
            {
              int status;
              if (waitpid (q->pid, &status, WNOHANG) == q->pid)
                {
                  g_debug ("QEMU %d for VM %s exited (status %d)", (int) q->pid, q->vm_uuid,
                           status);
                  q->pid = 0;
                  g_unlink (q->socket_path);
                  g_hash_table_iter_remove (&iter);
                  continue;
                }
            }
          if (q->pid > 0 || q->failed)
            {
              g_ptr_array_add (uuids, g_strdup (q->vm_uuid));
              g_array_append_val (domids, q->domid);
            }
        }

      /* Never hold both locks: the db first, alone. */
      g_mutex_unlock (&consoles->lock);
      g_mutex_lock (&db->lock);
      for (guint i = 0; i < uuids->len; i++)
        if (!vm_has_device_model (db, g_ptr_array_index (uuids, i),
                                  g_array_index (domids, gint64, i)))
          g_ptr_array_add (stale, g_strdup (g_ptr_array_index (uuids, i)));
      g_mutex_unlock (&db->lock);
      g_mutex_lock (&consoles->lock);

      for (guint i = 0; i < stale->len; i++)
        {
          q = g_hash_table_lookup (consoles->qemus, g_ptr_array_index (stale, i));
          if (q != NULL && (q->pid > 0 || q->failed))
            {
              qemu_kill (q);
              g_hash_table_remove (consoles->qemus, g_ptr_array_index (stale, i));
            }
        }
      if (stale->len > 0)
        g_cond_broadcast (&consoles->cond);

      if (g_queue_is_empty (&consoles->requests))
        g_cond_wait_until (&consoles->cond, &consoles->lock,
                           g_get_monotonic_time () + WATCH_PERIOD_US);
    }

  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, consoles->qemus);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      qemu_kill (value);
    g_hash_table_remove_all (consoles->qemus);
  }
  g_cond_broadcast (&consoles->cond);
  g_mutex_unlock (&consoles->lock);
  return NULL;
}

SimConsoles *
sim_consoles_new (SimServer  *server,
                  const char *guest_iso)
{
  SimConsoles *consoles = g_new0 (SimConsoles, 1);

  consoles->server = server;
  consoles->iso = g_strdup (guest_iso);
  g_mutex_init (&consoles->lock);
  g_cond_init (&consoles->cond);
  g_queue_init (&consoles->requests);
  consoles->qemus = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, qemu_free);
  if (consoles->iso != NULL)
    consoles->thread = g_thread_new ("xapi-sim-qemu", manager_thread, consoles);
  return consoles;
}

void
sim_consoles_stop (SimConsoles *consoles)
{
  if (consoles->thread != NULL)
    {
      g_mutex_lock (&consoles->lock);
      consoles->stopping = TRUE;
      g_cond_broadcast (&consoles->cond);
      g_mutex_unlock (&consoles->lock);
      g_thread_join (consoles->thread);
      consoles->thread = NULL;
    }
  g_mutex_lock (&consoles->lock);
  if (consoles->dir != NULL)
    {
      remove_dir (consoles->dir);
      g_clear_pointer (&consoles->dir, g_free);
    }
  g_mutex_unlock (&consoles->lock);
}

void
sim_consoles_free (SimConsoles *consoles)
{
  if (consoles == NULL)
    return;
  sim_consoles_stop (consoles);
  g_hash_table_unref (consoles->qemus);
  g_mutex_clear (&consoles->lock);
  g_cond_clear (&consoles->cond);
  g_free (consoles->iso);
  g_free (consoles->dir);
  g_free (consoles);
}

guint
sim_consoles_n_running (SimConsoles *consoles)
{
  guint n;

  g_mutex_lock (&consoles->lock);
  n = g_hash_table_size (consoles->qemus);
  g_mutex_unlock (&consoles->lock);
  return n;
}

static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);
      g_unlink (file);
    }
  g_rmdir (path);
}

/* Socket directories left by simulators that were killed (their pid is in the name). */
static void
remove_stale_dirs (void)
{
  g_autoptr(GDir) tmp = g_dir_open (g_get_tmp_dir (), 0, NULL);
  const char *name;

  while (tmp != NULL && (name = g_dir_read_name (tmp)) != NULL)
    {
      guint64 pid;
      g_autofree char *proc = NULL;
      g_autofree char *path = NULL;
      const char *dash;

      if (!g_str_has_prefix (name, "xapi-sim-consoles-"))
        continue;
      dash = strchr (name + strlen ("xapi-sim-consoles-"), '-');
      if (dash == NULL)
        continue;
      {
        g_autofree char *num = g_strndup (name + strlen ("xapi-sim-consoles-"),
                                          dash - name - strlen ("xapi-sim-consoles-"));
        if (!g_ascii_string_to_unsigned (num, 10, 1, G_MAXINT, &pid, NULL))
          continue;
      }
      proc = g_strdup_printf ("/proc/%" G_GUINT64_FORMAT, pid);
      if (g_file_test (proc, G_FILE_TEST_EXISTS))
        continue;
      path = g_build_filename (g_get_tmp_dir (), name, NULL);
      remove_dir (path);
    }
}

/* Asks the manager for @vm_uuid's QEMU; returns its socket path, or NULL when it failed. */
static char *
qemu_for_vm (SimConsoles *consoles,
             const char  *vm_uuid,
             gint64       domid)
{
  Qemu *q;
  char *path = NULL;
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  g_mutex_lock (&consoles->lock);
  /* The previous domain's QEMU (before a reboot) goes first: the manager ends it. */
  while ((q = g_hash_table_lookup (consoles->qemus, vm_uuid)) != NULL && q->domid != domid &&
         !consoles->stopping)
    if (!g_cond_wait_until (&consoles->cond, &consoles->lock, deadline))
      break;
  if (q != NULL && q->domid != domid)
    {
      g_mutex_unlock (&consoles->lock);
      return NULL;
    }
  /* A QEMU that could not be started is tried again. */
  if (q != NULL && q->failed && q->pid == 0)
    {
      g_hash_table_remove (consoles->qemus, vm_uuid);
      q = NULL;
    }
  if (q == NULL && !consoles->stopping && consoles->dir == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *template = g_strdup_printf ("xapi-sim-consoles-%d-XXXXXX", (int) getpid ());

      remove_stale_dirs ();
      consoles->dir = g_dir_make_tmp (template, &error);
      if (consoles->dir == NULL)
        g_message ("no directory for the console sockets: %s", error->message);
    }
  if (q == NULL && !consoles->stopping && consoles->dir != NULL)
    {
      q = g_new0 (Qemu, 1);
      q->vm_uuid = g_strdup (vm_uuid);
      q->domid = domid;
      q->socket_path = g_strdup_printf ("%s/vm-%s.sock", consoles->dir, vm_uuid);
      q->log_path = g_strdup_printf ("%s/vm-%s.log", consoles->dir, vm_uuid);
      g_hash_table_insert (consoles->qemus, q->vm_uuid, q);
      g_queue_push_tail (&consoles->requests, q);
      g_cond_broadcast (&consoles->cond);
    }
  /* Look the entry up again after every wait: the manager may have dropped (and freed) it. */
  while (q != NULL && !consoles->stopping && g_hash_table_lookup (consoles->qemus, vm_uuid) == q &&
         q->pid == 0 && !q->failed)
    g_cond_wait (&consoles->cond, &consoles->lock);
  if (q != NULL && g_hash_table_lookup (consoles->qemus, vm_uuid) == q && q->pid > 0)
    path = g_strdup (q->socket_path);
  g_mutex_unlock (&consoles->lock);
  return path;
}

/* Connects to QEMU's VNC socket, waiting for QEMU to create it. */
static int
connect_vnc (const char *path)
{
  struct sockaddr_un sa = { 0 };
  gint64 deadline = g_get_monotonic_time () + QEMU_SOCKET_WAIT_US;

  if (strlen (path) >= sizeof sa.sun_path)
    return -1;
  sa.sun_family = AF_UNIX;
  strcpy (sa.sun_path, path);
  do
    {
      int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

      if (fd < 0)
        return -1;
      if (connect (fd, (struct sockaddr *) &sa, sizeof sa) == 0)
        return fd;
      close (fd);
      g_usleep (10 * 1000);
    }
  while (g_get_monotonic_time () < deadline);
  return -1;
}

static gboolean
send_all (int           fd,
          const guint8 *data,
          gsize         len)
{
  while (len > 0)
    {
      ssize_t n = send (fd, data, len, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Copies both ways until either side closes or fails. */
static void
splice_fds (int client,
            int vnc)
{
  guint8 buf[65536];

  for (;;)
    {
      struct pollfd fds[2] = { { client, POLLIN, 0 }, { vnc, POLLIN, 0 } };
      int r = poll (fds, 2, -1);

      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return;
      for (guint i = 0; i < 2; i++)
        {
          ssize_t n;

          if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
          n = recv (fds[i].fd, buf, sizeof buf, 0);
          if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
          if (n <= 0 || !send_all (fds[1 - i].fd, buf, (gsize) n))
            return;
        }
    }
}

static void
write_status (GOutputStream *out,
              int            status,
              const char    *reason,
              const char    *detail)
{
  g_autofree char *body = g_strdup_printf ("<html><body><h1>HTTP %d %s</h1>%s</body></html>",
                                           status, reason, detail != NULL ? detail : "");
  g_autofree char *head = g_strdup_printf ("HTTP/1.1 %d %s\r\n"
                                           "%s"
                                           "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                                           "Content-Type: text/html\r\n"
                                           "Connection: close\r\n\r\n",
                                           status, reason,
                                           status == 401
                                           ? "WWW-Authenticate: Basic realm=\"xapi\"\r\n" : "",
                                           strlen (body));

  if (g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL))
    g_output_stream_write_all (out, body, strlen (body), NULL, NULL, NULL);
}

/* The VM's first console of @protocol, or NULL. */
static SimObject *
vm_console (SimDb      *db,
            const char *vm_ref,
            const char *protocol)
{
  GQueue *all = sim_db_class_objects (db, (&lagoon_schema_classes[LAGOON_CLASS_CONSOLE]));

  for (GList *l = all->head; l != NULL; l = l->next)
    if (g_str_equal (sim_object_get_string (l->data, LAGOON_CONSOLE_VM), vm_ref) &&
        g_str_equal (sim_object_get_string (l->data, LAGOON_CONSOLE_PROTOCOL), protocol))
      return l->data;
  return NULL;
}

/*
 * Checks the request as xapi's console handler does. Returns 0 and the VM's uuid, or an
 * HTTP status with a reason.
 */
static int
resolve_console (SimConsoles  *consoles,
                 const char   *local_address,
                 const char   *query,
                 const char   *cookie,
                 char        **vm_uuid,
                 gint64       *domid,
                 const char  **detail)
{
  SimDb *db = sim_server_get_db (consoles->server);
  g_autofree char *session = sim_request_session (query, cookie);
  g_autofree char *ref = sim_query_get (query, "ref");
  g_autofree char *uuid = sim_query_get (query, "uuid");
  const LagoonSchemaClass *vm_class = (&lagoon_schema_classes[LAGOON_CLASS_VM]);
  const LagoonSchemaClass *console_class = (&lagoon_schema_classes[LAGOON_CLASS_CONSOLE]);
  SimObject *console = NULL;
  SimObject *vm = NULL;
  const char *host_ref;
  int status = 0;

  g_mutex_lock (&db->lock);
  host_ref = sim_host_at_address (db, local_address);
  if (!sim_session_ok (db, host_ref, session))
    {
      status = 401;
      *detail = "no valid session";
      goto out;
    }
  if (ref != NULL)
    {
      SimObject *obj = sim_db_lookup (db, ref);

      if (obj != NULL && obj->klass == console_class)
        console = obj;
      else if (obj != NULL && obj->klass == vm_class)
        console = vm_console (db, obj->ref, "rfb");
    }
  else if (uuid != NULL)
    {
      console = sim_db_lookup_uuid (db, console_class, uuid);
      if (console == NULL && (vm = sim_db_lookup_uuid (db, vm_class, uuid)) != NULL)
        console = vm_console (db, vm->ref, "rfb");
    }
  if (console == NULL)
    {
      status = 404;
      *detail = "no such console (unknown, or the VM is not running)";
      goto out;
    }
  vm = sim_db_lookup_class (db, vm_class, sim_object_get_string (console, LAGOON_CONSOLE_VM));
  if (vm == NULL ||
      !vm_has_device_model (db, sim_object_get_string (vm, LAGOON_VM_UUID), G_MININT64))
    {
      status = 404;
      *detail = "the VM is not running";
      goto out;
    }
  if (!g_str_equal (sim_object_get_string (console, LAGOON_CONSOLE_PROTOCOL), "rfb"))
    {
      status = 404;
      *detail = "only rfb consoles are served";
      goto out;
    }
  /* xapi fails (no redirect) when the VM is elsewhere: the client must use the location. */
  if (host_ref == NULL ||
      !g_str_equal (host_ref, sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON)))
    {
      status = 500;
      *detail = "VM is not running on this host";
      goto out;
    }
  *vm_uuid = g_strdup (sim_object_get_string (vm, LAGOON_VM_UUID));
  *domid = sim_object_get_int (vm, LAGOON_VM_DOMID);

out:
  g_mutex_unlock (&db->lock);
  return status;
}

void
sim_consoles_serve (SimConsoles       *consoles,
                    GSocketConnection *connection,
                    const char        *local_address,
                    const char        *query,
                    const char        *cookie,
                    const guint8      *pending,
                    gsize              n_pending)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autofree char *vm_uuid = NULL;
  g_autofree char *path = NULL;
  const char *detail = NULL;
  gint64 domid = -1;
  int status;
  int client;
  int vnc;

  status = resolve_console (consoles, local_address, query, cookie, &vm_uuid, &domid, &detail);
  if (status == 401)
    {
      write_status (out, 401, "Unauthorised", detail);
      return;
    }
  if (status == 404)
    {
      write_status (out, 404, "Not Found", detail);
      return;
    }
  if (status != 0)
    {
      write_status (out, status, "Internal Server Error", detail);
      return;
    }
  if (consoles->iso == NULL)
    {
      write_status (out, 503, "Service Unavailable",
                    "consoles are off (--consoles none or no guest image)");
      return;
    }

  path = qemu_for_vm (consoles, vm_uuid, domid);
  vnc = path != NULL ? connect_vnc (path) : -1;
  if (vnc < 0)
    {
      write_status (out, 500, "Internal Server Error", "the VM's display did not come up");
      return;
    }

  client = g_socket_get_fd (g_socket_connection_get_socket (connection));
  if (send_all (client, (const guint8 *) connect_ok, strlen (connect_ok)) &&
      (n_pending == 0 || send_all (vnc, pending, n_pending)))
    splice_fds (client, vnc);
  close (vnc);
  shutdown (client, SHUT_RDWR);
}
