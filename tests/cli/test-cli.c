/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lagoon-cli, the real binary, against the simulator: directly and through sshd. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "lagoon-rig.h"

typedef struct
{
  LagoonRigSim *sim;
  char         *dir;
  char         *pwfile;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  const char *args[] = { "--generate", "2:12:3", "--speed", "0", NULL };
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("lagoon-cli-XXXXXX", NULL);
  f->pwfile = g_build_filename (f->dir, "pw", NULL);
  g_assert_true (g_file_set_contents (f->pwfile, "xenroot\n", -1, NULL));
  f->sim = lagoon_rig_sim_start (args, &error);
  if (f->sim == NULL && lagoon_rig_error_is_missing (error))
    g_test_skip (error->message);
  else
    g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  lagoon_rig_sim_stop (f->sim);
  g_unlink (f->pwfile);
  g_rmdir (f->dir);
  g_free (f->pwfile);
  g_free (f->dir);
}

/* Runs lagoon-cli with @args; returns the exit status. */
static int
run_cli (const char * const *args,
         char              **out,
         char              **err)
{
  const char *builddir = g_getenv ("LAGOON_BUILDDIR");
  g_autofree char *cli = g_build_filename (builddir ? builddir : LAGOON_BUILDDIR, "src", "cli",
                                           "lagoon-cli", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *o = NULL, *e = NULL;
  int status = -1;

  g_ptr_array_add (argv, cli);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &o, &e, &status, &error));
  g_assert_no_error (error);
  if (out)
    *out = g_steal_pointer (&o);
  if (err)
    *err = g_steal_pointer (&e);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* Runs lagoon-cli against the fixture's simulator with the global options first. */
static int
sim_cli (Fixture            *f,
         const char * const *command,
         char              **out,
         char              **err)
{
  g_autofree char *port = g_strdup_printf ("%u", lagoon_rig_sim_get_port (f->sim));
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  g_ptr_array_add (args, "-s");
  g_ptr_array_add (args, (gpointer) lagoon_rig_sim_get_address (f->sim));
  g_ptr_array_add (args, "-p");
  g_ptr_array_add (args, port);
  g_ptr_array_add (args, "-u");
  g_ptr_array_add (args, "root");
  g_ptr_array_add (args, "-pwf");
  g_ptr_array_add (args, f->pwfile);
  for (guint i = 0; command[i]; i++)
    g_ptr_array_add (args, (gpointer) command[i]);
  g_ptr_array_add (args, NULL);
  return run_cli ((const char * const *) args->pdata, out, err);
}

static guint
count_lines_with (const char *text,
                  const char *needle)
{
  guint n = 0;

  for (const char *p = text; (p = strstr (p, needle)) != NULL; p++)
    n++;
  return n;
}

static void
test_lists (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *out = NULL, *err = NULL;
  g_auto(GStrv) uuids = NULL;
  g_auto(GStrv) running = NULL;

  if (f->sim == NULL)
    return;

  /* xe lists control domains with the VMs: 12 guests + 2 dom0 */
  g_assert_cmpint (sim_cli (f, (const char *[]) { "vm-list", "--minimal", NULL }, &out, &err),
                   ==, 0);
  uuids = g_strsplit (g_strstrip (out), ",", -1);
  g_assert_cmpuint (g_strv_length (uuids), ==, 14);
  g_clear_pointer (&out, g_free);

  /* the default listing shows three fields per VM, as xe does */
  g_assert_cmpint (sim_cli (f, (const char *[]) { "vm-list", NULL }, &out, NULL), ==, 0);
  g_assert_cmpuint (count_lines_with (out, "uuid ( RO)"), ==, 14);
  g_assert_cmpuint (count_lines_with (out, "name-label ( RW): "), ==, 14);
  g_assert_cmpuint (count_lines_with (out, "power-state ( RO): "), ==, 14);
  g_clear_pointer (&out, g_free);

  /* a filter keeps only matching objects, and each really matches */
  g_assert_cmpint (sim_cli (f, (const char *[]) { "vm-list", "power-state=running", "--minimal",
                                                  NULL }, &out, NULL), ==, 0);
  running = g_strsplit (g_strstrip (out), ",", -1);
  g_assert_cmpuint (g_strv_length (running), >, 0);
  g_assert_cmpuint (g_strv_length (running), <, 14);
  for (guint i = 0; running[i]; i++)
    {
      g_autofree char *uuid_arg = g_strdup_printf ("uuid=%s", running[i]);
      g_autofree char *state = NULL;
      g_assert_cmpint (sim_cli (f, (const char *[]) { "vm-param-get", uuid_arg,
                                                      "param-name=power-state", NULL },
                                &state, NULL), ==, 0);
      g_assert_cmpstr (g_strstrip (state), ==, "running");
    }
  g_clear_pointer (&out, g_free);

  /* params= picks fields; hosts by address */
  g_assert_cmpint (sim_cli (f, (const char *[]) { "host-list", "params=name-label,address",
                                                  NULL }, &out, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "address ( RW): 127.0.0.1"));
  g_assert_nonnull (strstr (out, "address ( RW): 127.0.0.2"));
  g_assert_null (strstr (out, "uuid"));
  g_clear_pointer (&out, g_free);

  /* an unknown field is a usage error naming it */
  g_assert_cmpint (sim_cli (f, (const char *[]) { "vm-list", "params=no-such-field", NULL },
                            NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "no-such-field"));
}

static void
test_params (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *uuid_arg = NULL;
  g_auto(GStrv) uuids = NULL;

  if (f->sim == NULL)
    return;
  g_assert_cmpint (sim_cli (f, (const char *[]) { "vm-list", "power-state=halted", "--minimal",
                                                  NULL }, &out, NULL), ==, 0);
  uuids = g_strsplit (g_strstrip (out), ",", -1);
  g_assert_nonnull (uuids[0]);
  uuid_arg = g_strdup_printf ("uuid=%s", uuids[0]);
  g_clear_pointer (&out, g_free);

  /* map keys, as xe writes them */
  g_assert_cmpint (sim_cli (f, (const char *[]) { "vm-param-set", uuid_arg,
                                                  "VCPUs-params:weight=512",
                                                  "other-config:pci=0/0000:00:1a.0",
                                                  "name-description=set by lagoon-cli", NULL },
                            NULL, &err), ==, 0);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sim_cli (f, (const char *[]) { "vm-param-get", uuid_arg,
                                                  "param-name=VCPUs-params",
                                                  "param-key=weight", NULL }, &out, NULL), ==, 0);
  g_assert_cmpstr (g_strstrip (out), ==, "512");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (sim_cli (f, (const char *[]) { "vm-param-get", uuid_arg,
                                                  "param-name=other-config",
                                                  "param-key=pci", NULL }, &out, NULL), ==, 0);
  g_assert_cmpstr (g_strstrip (out), ==, "0/0000:00:1a.0");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (sim_cli (f, (const char *[]) { "vm-param-get", uuid_arg,
                                                  "param-name=name-description", NULL },
                            &out, NULL), ==, 0);
  g_assert_cmpstr (g_strstrip (out), ==, "set by lagoon-cli");
  g_clear_pointer (&out, g_free);

  /* setting the same key again replaces it */
  g_assert_cmpint (sim_cli (f, (const char *[]) { "vm-param-set", uuid_arg,
                                                  "VCPUs-params:weight=256", NULL },
                            NULL, NULL), ==, 0);
  g_assert_cmpint (sim_cli (f, (const char *[]) { "vm-param-get", uuid_arg,
                                                  "param-name=VCPUs-params", NULL },
                            &out, NULL), ==, 0);
  g_assert_cmpstr (g_strstrip (out), ==, "weight: 256");
  g_clear_pointer (&out, g_free);

  /* a read-only field is refused by the server, and the error says so */
  g_assert_cmpint (sim_cli (f, (const char *[]) { "vm-param-set", uuid_arg,
                                                  "power-state=running", NULL },
                            NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "code: "));
  g_clear_pointer (&err, g_free);

  /* a wrongly typed value never reaches the server */
  g_assert_cmpint (sim_cli (f, (const char *[]) { "vm-param-set", uuid_arg,
                                                  "memory-static-max=lots", NULL },
                            NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "memory-static-max"));
}

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *port = NULL;
  g_autofree char *badpw = NULL;

  if (f->sim == NULL)
    return;
  port = g_strdup_printf ("%u", lagoon_rig_sim_get_port (f->sim));
  badpw = g_build_filename (f->dir, "bad", NULL);
  g_assert_true (g_file_set_contents (badpw, "wrong\n", -1, NULL));

  g_assert_cmpint (run_cli ((const char *[]) { "-s", "127.0.0.1", "-p", port, "-pwf", badpw,
                                               "vm-list", NULL }, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "SESSION_AUTHENTICATION_FAILED"));
  g_assert_null (strstr (err, "wrong"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_unlink (badpw);

  /* passwords on the command line are refused */
  g_assert_cmpint (run_cli ((const char *[]) { "-s", "127.0.0.1", "-pw", "xenroot", "vm-list",
                                               NULL }, NULL, &err), ==, 2);
  g_clear_pointer (&err, g_free);

  /* an unknown VM, and a XenAPI failure printed with code and parameters */
  g_assert_cmpint (sim_cli (f, (const char *[]) { "vm-param-get", "uuid=nope",
                                                  "param-name=uuid", NULL }, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "nope"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (sim_cli (f, (const char *[]) { "frobnicate", NULL }, NULL, NULL), ==, 2);
  g_assert_cmpint (sim_cli (f, (const char *[]) { "vm-list", "loose-word", NULL }, NULL, NULL),
                   ==, 2);
}

static void
test_stats_and_tree (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *out = NULL;

  if (f->sim == NULL)
    return;
  g_assert_cmpint (sim_cli (f, (const char *[]) { "stats", NULL }, &out, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "time.login_ms: "));
  g_assert_nonnull (strstr (out, "time.cache_ready_ms: "));
  g_assert_nonnull (strstr (out, "rss_kb: "));
  {
    const char *b = strstr (out, "bytes.received: ");
    g_assert_nonnull (b);
    g_assert_cmpuint (g_ascii_strtoull (b + strlen ("bytes.received: "), NULL, 10), >, 10000);
  }
  g_assert_nonnull (strstr (out, "objects.host: 2\n"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (sim_cli (f, (const char *[]) { "tree", NULL }, &out, NULL), ==, 0);
  /* two hosts under the pool, indented by two spaces */
  g_assert_nonnull (strstr (out, "\n  host-01\n"));
  g_assert_nonnull (strstr (out, "\n  host-02\n"));
}

static void
test_through_ssh (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(LagoonRigSshd) sshd = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *dest = NULL, *xport = NULL, *kh = NULL;
  g_auto(GStrv) uuids = NULL;

  if (f->sim == NULL)
    return;
  sshd = lagoon_rig_sshd_start (NULL, &error);
  if (sshd == NULL && lagoon_rig_error_is_missing (error))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);
  dest = g_strdup_printf ("%s@127.0.0.1:%u", lagoon_rig_sshd_get_user (sshd),
                          lagoon_rig_sshd_get_port (sshd));
  xport = g_strdup_printf ("%u", lagoon_rig_sim_get_port (f->sim));
  kh = g_build_filename (f->dir, "known_hosts", NULL);

  /* unknown host key: refused, and the message shows the fingerprint */
  g_assert_cmpint (run_cli ((const char *[]) { "--ssh", dest, "-i",
                                               lagoon_rig_sshd_get_key_path (sshd),
                                               "--known-hosts", kh, "-p", xport, "-pwf",
                                               f->pwfile, "vm-list", "--minimal", NULL },
                            &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, lagoon_rig_sshd_get_host_key_fingerprint (sshd)));
  g_assert_false (g_file_test (kh, G_FILE_TEST_EXISTS));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* --accept-new-host-key: listed through the tunnel, the key is remembered */
  g_assert_cmpint (run_cli ((const char *[]) { "--ssh", dest, "-i",
                                               lagoon_rig_sshd_get_key_path (sshd),
                                               "--known-hosts", kh, "--accept-new-host-key",
                                               "-p", xport, "-pwf", f->pwfile, "vm-list",
                                               "--minimal", NULL }, &out, &err), ==, 0);
  uuids = g_strsplit (g_strstrip (out), ",", -1);
  g_assert_cmpuint (g_strv_length (uuids), ==, 14);
  g_assert_true (g_file_test (kh, G_FILE_TEST_EXISTS));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the next run trusts the remembered key without the flag */
  g_assert_cmpint (run_cli ((const char *[]) { "--ssh", dest, "-i",
                                               lagoon_rig_sshd_get_key_path (sshd),
                                               "--known-hosts", kh, "-p", xport, "-pwf",
                                               f->pwfile, "host-list", "--minimal", NULL },
                            &out, &err), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* a changed key is refused even with --accept-new-host-key */
  g_assert_cmpint (run_cli ((const char *[]) { "--ssh", dest, "-i",
                                               lagoon_rig_sshd_get_key_path (sshd),
                                               "--known-hosts",
                                               lagoon_rig_sshd_get_changed_known_hosts_path (sshd),
                                               "--accept-new-host-key", "-p", xport, "-pwf",
                                               f->pwfile, "vm-list", NULL }, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "changed"));
  g_unlink (kh);
}

static void
test_offline_db (void)
{
  const char *source = g_getenv ("LAGOON_SOURCEDIR");
  g_autofree char *db = NULL;
  g_autofree char *out = NULL, *err = NULL;

  db = g_build_filename (source ? source : LAGOON_SOURCEDIR, "tests", "fixtures",
                         "pool-2hosts.xml", NULL);
  if (!g_file_test (db, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("tests/fixtures/pool-2hosts.xml is missing");
      return;
    }
  g_assert_cmpint (run_cli ((const char *[]) { "--db", db, "host-list", "--minimal", NULL },
                            &out, &err), ==, 0);
  {
    g_auto(GStrv) hosts = g_strsplit (g_strstrip (out), ",", -1);
    g_assert_cmpuint (g_strv_length (hosts), ==, 2);
  }
  g_clear_pointer (&out, g_free);
  /* changing a pool needs a live connection */
  g_assert_cmpint (run_cli ((const char *[]) { "--db", db, "vm-start", "name-label=x", NULL },
                            NULL, &err), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/lagoon/cli/lists", Fixture, NULL, fixture_setup, test_lists, fixture_teardown);
  g_test_add ("/lagoon/cli/params", Fixture, NULL, fixture_setup, test_params, fixture_teardown);
  g_test_add ("/lagoon/cli/errors", Fixture, NULL, fixture_setup, test_errors, fixture_teardown);
  g_test_add ("/lagoon/cli/stats-and-tree", Fixture, NULL, fixture_setup, test_stats_and_tree,
              fixture_teardown);
  g_test_add ("/lagoon/cli/through-ssh", Fixture, NULL, fixture_setup, test_through_ssh,
              fixture_teardown);
  g_test_add_func ("/lagoon/cli/offline-db", test_offline_db);
  return g_test_run ();
}
