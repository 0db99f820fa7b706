/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-demo"

#include "config.h"

#include <glib/gi18n.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "lagoon-demo.h"

#define LISTEN_PREFIX      "xapi-sim: listening on "
#define DEFAULT_TIMEOUT_MS 30000

struct _LagoonDemo
{
  GObject           parent_instance;

  GSubprocess      *process;
  GDataInputStream *output;
  GCancellable     *cancellable;
  GTask            *start_task;
  char             *uri;
  guint             timeout_id;
  guint             timeout_ms;
  gboolean          running;
  gboolean          stopping;
};

enum {
  PROP_0,
  PROP_URI,
  PROP_RUNNING,
  N_PROPS
};

enum {
  EXITED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_QUARK (lagoon-demo-error-quark, lagoon_demo_error)
G_DEFINE_FINAL_TYPE (LagoonDemo, lagoon_demo, G_TYPE_OBJECT)

static gboolean
is_executable_file (const char *path)
{
  return g_file_test (path, G_FILE_TEST_IS_REGULAR) &&
         g_file_test (path, G_FILE_TEST_IS_EXECUTABLE);
}

/**
 * lagoon_demo_find_simulator:
 *
 * Looks for the xapi-sim executable: `$LAGOON_XAPI_SIM` when it is set (and then only
 * there), else the installed copy in LIBEXECDIR, else the build tree's copy.
 *
 * Returns: (transfer full): the path, or %NULL with @error set to
 *   %LAGOON_DEMO_ERROR_NOT_FOUND.
 */
char *
lagoon_demo_find_simulator (GError **error)
{
  const char *from_env = g_getenv ("LAGOON_XAPI_SIM");
  g_autofree char *installed = NULL;
  g_autofree char *built = NULL;

  if (from_env != NULL && from_env[0] != '\0')
    {
      if (is_executable_file (from_env))
        return g_strdup (from_env);

      g_set_error (error, LAGOON_DEMO_ERROR, LAGOON_DEMO_ERROR_NOT_FOUND,
                   _("LAGOON_XAPI_SIM is set to “%s”, which is not an executable file."),
                   from_env);
      return NULL;
    }

  installed = g_build_filename (LIBEXECDIR, "xapi-sim", NULL);
  if (is_executable_file (installed))
    return g_steal_pointer (&installed);

  built = g_build_filename (LAGOON_BUILDDIR, "tests", "xapi-sim", "xapi-sim", NULL);
  if (is_executable_file (built))
    return g_steal_pointer (&built);

  g_set_error (error, LAGOON_DEMO_ERROR, LAGOON_DEMO_ERROR_NOT_FOUND,
               _("The pool simulator xapi-sim was found neither in %s nor in the build tree. "
                 "Build Lagoon with its tests (meson setup -Dtests=true) or set LAGOON_XAPI_SIM "
                 "to the path of xapi-sim."),
               LIBEXECDIR);
  return NULL;
}

/**
 * lagoon_demo_parse_listen_line:
 * @line: one line of the simulator's output
 * @uri: (out) (optional): where to store the server URI
 *
 * Recognises `xapi-sim: listening on http://ADDRESS:PORT`.
 *
 * Returns: %TRUE if @line announces a usable address.
 */
gboolean
lagoon_demo_parse_listen_line (const char  *line,
                               char       **uri)
{
  g_autofree char *text = NULL;
  g_autoptr(GUri) parsed = NULL;
  const char *rest;
  const char *host;
  int port;

  if (line == NULL || !g_str_has_prefix (line, LISTEN_PREFIX))
    return FALSE;

  text = g_strstrip (g_strdup (line + strlen (LISTEN_PREFIX)));
  rest = text;
  if (!g_str_has_prefix (rest, "http://"))
    return FALSE;

  parsed = g_uri_parse (rest, G_URI_FLAGS_NONE, NULL);
  if (parsed == NULL)
    return FALSE;

  host = g_uri_get_host (parsed);
  port = g_uri_get_port (parsed);
  if (host == NULL || host[0] == '\0' || port <= 0 || port > 65535)
    return FALSE;
  /* A host name or an IPv4/IPv6 address, nothing else. */
  for (const char *p = host; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-' && *p != ':')
      return FALSE;

  if (uri != NULL)
    *uri = g_strdup_printf ("http://%s%s%s:%d",
                            strchr (host, ':') != NULL ? "[" : "",
                            host,
                            strchr (host, ':') != NULL ? "]" : "",
                            port);
  return TRUE;
}

static char *
describe_exit (GSubprocess *process)
{
  if (g_subprocess_get_if_signaled (process))
    return g_strdup_printf (_("killed by signal %d"), g_subprocess_get_term_sig (process));
  if (g_subprocess_get_if_exited (process))
    return g_strdup_printf (_("exit status %d"), g_subprocess_get_exit_status (process));
  return g_strdup (_("unknown reason"));
}

static void
lagoon_demo_clear_timeout (LagoonDemo *self)
{
  g_clear_handle_id (&self->timeout_id, g_source_remove);
}

static void
lagoon_demo_fail_start (LagoonDemo *self,
                        GError     *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

  lagoon_demo_clear_timeout (self);
  /* A simulator that did not come up properly is of no use: do not leave it behind. */
  self->stopping = TRUE;
  if (self->process != NULL)
    g_subprocess_force_exit (self->process);

  if (task != NULL)
    g_task_return_error (task, error);
  else
    g_error_free (error);
}

static void read_line_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data);

static void
lagoon_demo_read_next_line (LagoonDemo *self)
{
  g_data_input_stream_read_line_async (self->output, G_PRIORITY_DEFAULT, self->cancellable,
                                       read_line_cb, self);
}

static void
read_line_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  LagoonDemo *self;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result, NULL,
                                                    &error);
  /* Cancelled means the demo object is being stopped or disposed: do not touch it. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = LAGOON_DEMO (user_data);

  if (error != NULL)
    {
      g_debug ("Cannot read the simulator's output: %s", error->message);
      if (self->start_task != NULL)
        lagoon_demo_fail_start (self,
                                g_error_new (LAGOON_DEMO_ERROR, LAGOON_DEMO_ERROR_FAILED,
                                             _("Cannot read the output of the pool simulator: %s"),
                                             error->message));
      return;
    }

  if (line == NULL)
    {
      /* End of output: the process is exiting; its exit status is reported by wait_cb. */
      g_debug ("The simulator closed its output");
      return;
    }

  g_debug ("simulator output: %s", line);

  if (self->start_task != NULL)
    {
      g_autofree char *uri = NULL;

      if (lagoon_demo_parse_listen_line (line, &uri))
        {
          g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

          lagoon_demo_clear_timeout (self);
          g_free (self->uri);
          self->uri = g_steal_pointer (&uri);
          self->running = TRUE;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URI]);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
          g_task_return_boolean (task, TRUE);
        }
    }

  /* Keep draining the pipe so that the simulator never blocks on a full one. */
  lagoon_demo_read_next_line (self);
}

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GSubprocess *process = G_SUBPROCESS (object);
  g_autoptr(GError) error = NULL;
  g_autofree char *how = NULL;
  LagoonDemo *self;

  g_subprocess_wait_finish (process, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = LAGOON_DEMO (user_data);
  how = describe_exit (process);
  g_debug ("The simulator exited (%s)", how);

  if (self->start_task != NULL)
    {
      lagoon_demo_fail_start (self,
                              g_error_new (LAGOON_DEMO_ERROR, LAGOON_DEMO_ERROR_FAILED,
                                           _("The pool simulator stopped before it reported its "
                                             "address (%s)."),
                                           how));
      return;
    }

  if (self->running)
    {
      self->running = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
      if (!self->stopping)
        {
          g_autofree char *message =
            g_strdup_printf (_("The demo pool simulator stopped unexpectedly (%s)."), how);
          g_signal_emit (self, signals[EXITED], 0, message);
        }
    }
}

static gboolean
start_timeout_cb (gpointer user_data)
{
  LagoonDemo *self = LAGOON_DEMO (user_data);

  self->timeout_id = 0;
  lagoon_demo_fail_start (self,
                          g_error_new (LAGOON_DEMO_ERROR, LAGOON_DEMO_ERROR_TIMED_OUT,
                                       _("The pool simulator did not report its address within "
                                         "%u seconds."),
                                       (self->timeout_ms + 999) / 1000));
  return G_SOURCE_REMOVE;
}

#ifdef __linux__
static void
child_setup (gpointer user_data)
{
  pid_t parent = (pid_t) GPOINTER_TO_INT (user_data);

  /* Die with Lagoon, even when it crashes or is killed. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
  if (getppid () != parent)
    raise (SIGTERM);
}
#endif

/**
 * lagoon_demo_start_async:
 *
 * Finds and starts the simulator with a generated pool of 3 hosts and 40 VMs on a free
 * loopback port, and completes once it has reported its address. LAGOON_DEMO_POOL
 * (HOSTS:VMS[:SEED], as xapi-sim --generate takes it) asks for another size, for
 * measurements such as the 64:5000 benchmark.
 */
void
lagoon_demo_start_async (LagoonDemo          *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  GInputStream *stdout_pipe;

  g_return_if_fail (LAGOON_IS_DEMO (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lagoon_demo_start_async);

  if (self->process != NULL)
    {
      g_task_return_new_error (task, LAGOON_DEMO_ERROR, LAGOON_DEMO_ERROR_FAILED,
                               _("The pool simulator has already been started."));
      return;
    }

  path = lagoon_demo_find_simulator (&error);
  if (path == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
#ifdef __linux__
  g_subprocess_launcher_set_child_setup (launcher, child_setup,
                                         GINT_TO_POINTER ((int) getpid ()), NULL);
#endif
  g_debug ("Starting %s", path);
  self->stopping = FALSE;
  {
    const char *pool = g_getenv ("LAGOON_DEMO_POOL");

    if (pool == NULL || !g_regex_match_simple ("^[0-9]+:[0-9]+(:[0-9]+)?$", pool, 0, 0))
      pool = "3:40";
    self->process = g_subprocess_launcher_spawn (launcher, &error, path,
                                                 "--generate", pool, "--port", "0", NULL);
  }
  if (self->process == NULL)
    {
      g_task_return_new_error (task, LAGOON_DEMO_ERROR, LAGOON_DEMO_ERROR_FAILED,
                               _("Cannot start the pool simulator %s: %s"), path, error->message);
      return;
    }

  stdout_pipe = g_subprocess_get_stdout_pipe (self->process);
  self->output = g_data_input_stream_new (stdout_pipe);
  g_data_input_stream_set_newline_type (self->output, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  self->start_task = g_steal_pointer (&task);
  self->timeout_id = g_timeout_add (self->timeout_ms, start_timeout_cb, self);

  g_subprocess_wait_async (self->process, self->cancellable, wait_cb, self);
  lagoon_demo_read_next_line (self);
}

gboolean
lagoon_demo_start_finish (LagoonDemo    *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (LAGOON_IS_DEMO (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == lagoon_demo_start_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * lagoon_demo_stop:
 *
 * Terminates the simulator (SIGTERM) and stops watching it. A pending start fails with
 * %G_IO_ERROR_CANCELLED. Safe to call more than once.
 */
void
lagoon_demo_stop (LagoonDemo *self)
{
  g_autoptr(GTask) task = NULL;
  gboolean was_running;

  g_return_if_fail (LAGOON_IS_DEMO (self));

  task = g_steal_pointer (&self->start_task);
  lagoon_demo_clear_timeout (self);
  self->stopping = TRUE;
  /* Pending reads and waits hold the old cancellable; a later start gets a fresh one. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  if (self->process != NULL)
    {
      g_debug ("Stopping the simulator");
      g_subprocess_send_signal (self->process, SIGTERM);
      g_clear_object (&self->process);
    }
  g_clear_object (&self->output);

  was_running = self->running;
  self->running = FALSE;
  if (was_running)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

  if (task != NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             _("The demo was stopped."));
}

const char *
lagoon_demo_get_uri (LagoonDemo *self)
{
  g_return_val_if_fail (LAGOON_IS_DEMO (self), NULL);

  return self->uri;
}

gboolean
lagoon_demo_get_running (LagoonDemo *self)
{
  g_return_val_if_fail (LAGOON_IS_DEMO (self), FALSE);

  return self->running;
}

/* For tests: how long to wait for the simulator's address. */
void
lagoon_demo_set_timeout (LagoonDemo *self,
                         guint       timeout_ms)
{
  g_return_if_fail (LAGOON_IS_DEMO (self));
  g_return_if_fail (timeout_ms > 0);

  self->timeout_ms = timeout_ms;
}

LagoonDemo *
lagoon_demo_new (void)
{
  return g_object_new (LAGOON_TYPE_DEMO, NULL);
}

static void
lagoon_demo_dispose (GObject *object)
{
  LagoonDemo *self = LAGOON_DEMO (object);

  lagoon_demo_stop (self);

  G_OBJECT_CLASS (lagoon_demo_parent_class)->dispose (object);
}

static void
lagoon_demo_finalize (GObject *object)
{
  LagoonDemo *self = LAGOON_DEMO (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->uri, g_free);

  G_OBJECT_CLASS (lagoon_demo_parent_class)->finalize (object);
}

static void
lagoon_demo_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  LagoonDemo *self = LAGOON_DEMO (object);

  switch (prop_id)
    {
    case PROP_URI:
      g_value_set_string (value, self->uri);
      break;

    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lagoon_demo_class_init (LagoonDemoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lagoon_demo_dispose;
  object_class->finalize = lagoon_demo_finalize;
  object_class->get_property = lagoon_demo_get_property;

  /**
   * LagoonDemo:uri:
   *
   * The simulator's XenAPI address, like `http://127.0.0.1:PORT`, once it is running.
   */
  properties[PROP_URI] =
    g_param_spec_string ("uri", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * LagoonDemo:running:
   *
   * Whether the simulator has reported its address and has not exited since.
   */
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * LagoonDemo::exited:
   * @message: a sentence saying how it ended, for the user
   *
   * The simulator exited after it had started, without lagoon_demo_stop().
   */
  signals[EXITED] =
    g_signal_new ("exited", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
lagoon_demo_init (LagoonDemo *self)
{
  self->cancellable = g_cancellable_new ();
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
}
