/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * xapi-sim: a XenAPI host simulator. One process plays a whole pool: the coordinator
 * answers on --address, the other hosts on the next IPv4 addresses, all on one port.
 */
#define G_LOG_DOMAIN "xapi-sim"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "lagoon-dbdump.h"

#include "sim-db.h"
#include "sim-generate.h"
#include "sim-http.h"
#include "sim-server.h"

typedef struct
{
  SimDb  *db;
  guint   rows;
  guint   dropped;
} LoadState;

static gboolean
load_row (const LagoonSchemaClass *klass,
          const char              *ref,
          GVariant *const         *fields,
          gpointer                 user_data,
          GError                 **error)
{
  LoadState *st = user_data;
  g_autofree GVariant **copy = NULL;

  /* Sessions and tasks belong to a running server, not to a saved pool. */
  if (klass->id == LAGOON_CLASS_SESSION || klass->id == LAGOON_CLASS_TASK)
    {
      st->dropped++;
      return TRUE;
    }
  copy = g_new0 (GVariant *, klass->n_fields);
  for (guint i = 0; i < klass->n_fields; i++)
    copy[i] = g_variant_ref (fields[i]);
  if (sim_db_insert (st->db, klass, ref, copy, TRUE) == NULL)
    st->dropped++;
  else
    st->rows++;
  return TRUE;
}

static void
settle_generation (SimDb  *db,
                   gint64  generation)
{
  gint64 gen = MAX (generation, 1);

  db->generation = gen;
  db->log_base = gen;
  for (guint c = 0; c < lagoon_schema_n_classes; c++)
    for (GList *l = db->objects[c].head; l != NULL; l = l->next)
      {
        SimObject *obj = l->data;
        obj->ctime = obj->mtime = gen;
      }
}

static gboolean
on_quit_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static char *
read_password (const char  *path,
               GError     **error)
{
  g_autofree char *contents = NULL;
  char *nl;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  nl = strpbrk (contents, "\r\n");
  if (nl != NULL)
    *nl = '\0';
  return g_steal_pointer (&contents);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *db_path = NULL;
  g_autofree char *generate = NULL;
  g_autofree char *address = NULL;
  g_autofree char *user = NULL;
  g_autofree char *password_file = NULL;
  g_autofree char *consoles = NULL;
  g_autofree char *save_path = NULL;
  g_autofree char *guest_iso = NULL;
  SimConsoles *sim_consoles = NULL;
  g_autofree char *password = NULL;
  double speed = 1.0;
  int port = 80;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  SimServerOptions options = { 0 };
  LoadState load = { 0 };
  SimServer *server;
  SimHttp *http;
  guint bound_port = 0;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db_path, "Load a xapi database dump (state.db)", "FILE" },
    { "generate", 0, 0, G_OPTION_ARG_STRING, &generate, "Generate a pool", "HOSTS:VMS[:SEED]" },
    { "address", 0, 0, G_OPTION_ARG_STRING, &address,
      "Coordinator address (default 127.0.0.1); other hosts use the next addresses", "ADDR" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Port for every host (default 80, 0 = any free)", "PORT" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, "User name to accept (default root)", "NAME" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      "Read the password from the first line of FILE (default password: xenroot)", "FILE" },
    { "speed", 0, 0, G_OPTION_ARG_DOUBLE, &speed,
      "Scale task durations (1 = 0.5 s per async call, 0 = instant)", "FACTOR" },
    { "consoles", 0, 0, G_OPTION_ARG_STRING, &consoles, "Console backend: qemu or none", "KIND" },
    { "guest-iso", 0, 0, G_OPTION_ARG_FILENAME, &guest_iso,
      "Boot image for console QEMUs (default: the build tree's guest-idle.iso)", "PATH" },
    { "save", 0, 0, G_OPTION_ARG_FILENAME, &save_path, "Write the database to FILE on exit", "FILE" },
    { NULL }
  };

  signal (SIGPIPE, SIG_IGN);

  context = g_option_context_new ("- XenAPI host simulator");
  g_option_context_set_summary (context,
    "Answers XenAPI (XML-RPC and JSON-RPC) like a xapi pool coordinator and its supporters.\n"
    "Prints “xapi-sim: listening on http://ADDR:PORT” when ready. SIGTERM or SIGINT stop it.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("xapi-sim: %s\n", error->message);
      return 2;
    }
  if (db_path != NULL && generate != NULL)
    {
      g_printerr ("xapi-sim: --db and --generate cannot be used together\n");
      return 2;
    }
  if (port < 0 || port > 65535 || !(speed >= 0))
    {
      g_printerr ("xapi-sim: bad --port or --speed\n");
      return 2;
    }
  if (consoles != NULL && !g_str_equal (consoles, "qemu") && !g_str_equal (consoles, "none"))
    {
      g_printerr ("xapi-sim: --consoles must be qemu or none\n");
      return 2;
    }
  if (password_file != NULL && (password = read_password (password_file, &error)) == NULL)
    {
      g_printerr ("xapi-sim: %s\n", error->message);
      return 2;
    }

  load.db = sim_db_new ();
  if (db_path != NULL)
    {
      LagoonDbdumpStats stats = { 0 };

      if (!lagoon_dbdump_read_file (db_path, load_row, &load, &stats, &error))
        {
          g_printerr ("xapi-sim: %s: %s\n", db_path, error->message);
          return 1;
        }
      settle_generation (load.db, stats.generation);
    }
  else if (generate != NULL)
    {
      SimGenerateOptions gen = { 0 };

      if (!sim_generate_parse_spec (generate, &gen, &error) ||
          !sim_generate (&gen, load_row, &load, &error))
        {
          g_printerr ("xapi-sim: --generate %s: %s\n", generate, error->message);
          return 1;
        }
      settle_generation (load.db, 1);

    }
  g_debug ("loaded %u rows (%u dropped)", load.rows, load.dropped);

  options.user = user;
  options.password = password;
  options.speed = speed;
  options.address = address != NULL ? address : "127.0.0.1";
  options.port = (guint) port;
  server = sim_server_new (load.db, &options);

  http = sim_http_new (server);
  for (guint i = 0; i < sim_server_n_hosts (server); i++)
    {
      const char *a = sim_server_host_address (server, i);
      guint p;

      /* Several hosts may share an address when it is not IPv4. */
      if (i > 0 && g_str_equal (a, sim_server_host_address (server, 0)))
        continue;
      p = sim_http_listen (http, a, i == 0 ? (guint) port : bound_port, &error);
      if (p == 0)
        {
          g_printerr ("xapi-sim: cannot listen on %s:%u: %s\n", a, i == 0 ? (guint) port : bound_port,
                      error->message);
          return 1;
        }
      if (i == 0)
        bound_port = p;
    }
  sim_server_set_port (server, bound_port);

  if (guest_iso == NULL && SIM_GUEST_IDLE_ISO[0] != '\0')
    guest_iso = g_strdup (SIM_GUEST_IDLE_ISO);
  if (consoles != NULL && g_str_equal (consoles, "none"))
    g_clear_pointer (&guest_iso, g_free);
  else if (guest_iso != NULL && !g_file_test (guest_iso, G_FILE_TEST_IS_REGULAR))
    {
      g_printerr ("xapi-sim: guest image %s not found: consoles are off\n", guest_iso);
      g_clear_pointer (&guest_iso, g_free);
    }
  sim_consoles = sim_consoles_new (server, guest_iso);
  sim_http_set_consoles (http, sim_consoles);
  sim_http_start (http);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  g_unix_signal_add (SIGINT, on_quit_signal, loop);

  printf ("xapi-sim: listening on http://%s:%u\n", options.address, bound_port);
  fflush (stdout);

  g_main_loop_run (loop);

  sim_http_stop (http);
  /* Kills the QEMUs (they would die with the process anyway, by PR_SET_PDEATHSIG). */
  sim_consoles_stop (sim_consoles);
  if (save_path != NULL && !sim_server_save (server, save_path, &error))
    {
      g_printerr ("xapi-sim: --save %s: %s\n", save_path, error->message);
      return 1;
    }
  /* Connection threads may still be blocked in event.from: leave without tearing down. */
  fflush (stdout);
  _exit (0);
}
