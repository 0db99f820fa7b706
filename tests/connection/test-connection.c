/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LagoonConnection against the real simulator: login, redirect, live cache, resync. */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "lagoon-connection.h"
#include "lagoon-rig.h"
#include "lagoon-ssh-opener.h"
#include "lagoon-tcp-opener.h"
#include "lagoon-xenapi-error.h"

static LagoonRigSim *
start_sim_or_skip (const char * const *args)
{
  g_autoptr(GError) error = NULL;
  LagoonRigSim *sim = lagoon_rig_sim_start (args, &error);

  if (sim == NULL && lagoon_rig_error_is_missing (error))
    {
      g_test_skip (error->message);
      return NULL;
    }
  g_assert_no_error (error);
  return sim;
}

/* Runs the main loop until @conn reaches @state (or fails), at most @seconds. */
static gboolean
wait_for_state (LagoonConnection      *conn,
                LagoonConnectionState  state,
                guint                  seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (lagoon_connection_get_state (conn) != state && g_get_monotonic_time () < deadline)
    {
      if (state != LAGOON_CONNECTION_FAILED &&
          lagoon_connection_get_state (conn) == LAGOON_CONNECTION_FAILED)
        return FALSE;
      g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
    }
  return lagoon_connection_get_state (conn) == state;
}

static gboolean
wait_until (gboolean (*cond) (gpointer),
            gpointer   data,
            guint      seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!cond (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
  return cond (data);
}

static LagoonConnection *
sim_connection (LagoonRigSim *sim,
                const char   *address,
                const char   *password)
{
  g_autoptr(LagoonTcpOpener) opener = lagoon_tcp_opener_new ();
  LagoonConnection *conn = lagoon_connection_new (LAGOON_STREAM_OPENER (opener),
                                                  address ? address : lagoon_rig_sim_get_address (sim),
                                                  lagoon_rig_sim_get_port (sim), FALSE);

  lagoon_connection_set_credentials (conn, "root", password ? password : "xenroot");
  lagoon_connection_set_backoff (conn, 100, 400);
  lagoon_connection_set_event_timeout (conn, 2.0);
  return conn;
}

/* Number of visible VMs (not templates, snapshots or control domains). */
static guint
count_vms (LagoonCache *cache)
{
  g_autoptr(GPtrArray) vms = lagoon_cache_list (cache, LAGOON_CLASS_VM);
  guint n = 0;

  for (guint i = 0; i < vms->len; i++)
    {
      const LagoonRecord *vm = vms->pdata[i];
      if (!lagoon_record_get_bool (vm, LAGOON_VM_IS_A_TEMPLATE) &&
          !lagoon_record_get_bool (vm, LAGOON_VM_IS_A_SNAPSHOT) &&
          !lagoon_record_get_bool (vm, LAGOON_VM_IS_CONTROL_DOMAIN))
        n++;
    }
  return n;
}

static void
on_batch (LagoonCache      *cache,
          LagoonCacheBatch *batch,
          gpointer          user_data)
{
  guint *n = user_data;

  (*n)++;
}

typedef struct
{
  LagoonCache *cache;
  const char  *ref;
  const char  *name;
} RenameWait;

static gboolean
vm_renamed (gpointer data)
{
  RenameWait *w = data;
  const LagoonRecord *rec = lagoon_cache_lookup (w->cache, LAGOON_CLASS_VM, w->ref);

  return rec != NULL && g_strcmp0 (lagoon_record_get_name (rec), w->name) == 0;
}

static void
test_connect_and_live_updates (void)
{
  const char *args[] = { "--generate", "3:40:5", "--speed", "0", NULL };
  g_autoptr(LagoonRigSim) sim = start_sim_or_skip (args);
  g_autoptr(LagoonConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) vms = NULL;
  g_autoptr(GVariant) r = NULL;
  g_autofree char *ref = NULL;
  g_autofree char *new_name = NULL;
  guint batches = 0;
  const LagoonRecord *vm = NULL;
  LagoonCache *cache;

  if (sim == NULL)
    return;
  conn = sim_connection (sim, NULL, NULL);
  cache = lagoon_connection_get_cache (conn);
  g_signal_connect (cache, "batch-applied", G_CALLBACK (on_batch), &batches);

  lagoon_connection_connect (conn);
  g_assert_true (wait_for_state (conn, LAGOON_CONNECTION_CONNECTED, 30));
  g_assert_cmpint (lagoon_connection_get_login_time_ms (conn), >=, 0);
  g_assert_cmpint (lagoon_connection_get_ready_time_ms (conn), >=,
                   lagoon_connection_get_login_time_ms (conn));
  g_assert_cmpuint (batches, ==, 1);   /* the whole pool arrived as one batch */
  g_assert_cmpuint (count_vms (cache), ==, 40);
  g_assert_cmpuint (lagoon_cache_get_n_records (cache, LAGOON_CLASS_HOST), ==, 3);
  g_assert_cmpuint (lagoon_cache_get_n_records (cache, LAGOON_CLASS_POOL), ==, 1);

  /* the cache counts equal what the server reports through a plain call */
  r = lagoon_connection_call_sync (conn, "VM.get_all", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (r), ==, lagoon_cache_get_n_records (cache,
                                                                              LAGOON_CLASS_VM));
  g_clear_pointer (&r, g_variant_unref);

  /* members are remembered for failover */
  {
    g_auto(GStrv) members = lagoon_connection_dup_member_addresses (conn);
    g_assert_cmpuint (g_strv_length (members), ==, 3);
    g_assert_true (g_strv_contains ((const char * const *) members, "127.0.0.1"));
  }

  /* another client renames a VM: the change arrives through event.from */
  vms = lagoon_cache_list (cache, LAGOON_CLASS_VM);
  for (guint i = 0; i < vms->len && vm == NULL; i++)
    if (!lagoon_record_get_bool (vms->pdata[i], LAGOON_VM_IS_A_TEMPLATE) &&
        !lagoon_record_get_bool (vms->pdata[i], LAGOON_VM_IS_CONTROL_DOMAIN))
      vm = vms->pdata[i];
  g_assert_nonnull (vm);
  ref = g_strdup (lagoon_record_get_opaque_ref (vm));
  new_name = g_strdup_printf ("renamed-%u", g_random_int ());
  {
    g_autoptr(LagoonConnection) other = sim_connection (sim, NULL, NULL);
    lagoon_connection_connect (other);
    g_assert_true (wait_for_state (other, LAGOON_CONNECTION_CONNECTED, 30));
    r = lagoon_connection_call_sync (other, "VM.set_name_label",
                                     g_variant_new ("(ss)", ref, new_name), NULL, &error);
    g_assert_no_error (error);
    g_clear_pointer (&r, g_variant_unref);
  }
  {
    RenameWait w = { cache, ref, new_name };
    g_assert_true (wait_until (vm_renamed, &w, 10));
  }

  /* a XenAPI failure comes back as an error with code and parameters */
  r = lagoon_connection_call_sync (conn, "VM.get_record",
                                   g_variant_new ("(s)", "OpaqueRef:no-such-vm"), NULL, &error);
  g_assert_null (r);
  g_assert_cmpstr (lagoon_xenapi_error_get_code_string (error), ==, "HANDLE_INVALID");
  g_assert_cmpstr (lagoon_xenapi_error_get_param (error, 0), ==, "VM");
  g_clear_error (&error);

  lagoon_connection_disconnect (conn);
  g_assert_cmpint (lagoon_connection_get_state (conn), ==, LAGOON_CONNECTION_DISCONNECTED);
}

static void
test_redirect_to_coordinator (void)
{
  const char *args[] = { "--generate", "3:10:2", NULL };
  g_autoptr(LagoonRigSim) sim = start_sim_or_skip (args);
  g_autoptr(LagoonConnection) conn = NULL;
  g_autofree char *host = NULL;

  if (sim == NULL)
    return;
  /* 127.0.0.2 is a pool member: it answers HOST_IS_SLAVE with the coordinator's address */
  conn = sim_connection (sim, "127.0.0.2", NULL);
  lagoon_connection_connect (conn);
  g_assert_true (wait_for_state (conn, LAGOON_CONNECTION_CONNECTED, 30));
  host = lagoon_connection_dup_host (conn);
  g_assert_cmpstr (host, ==, lagoon_rig_sim_get_address (sim));
}

static void
test_wrong_password (void)
{
  const char *args[] = { "--generate", "1:2:3", NULL };
  g_autoptr(LagoonRigSim) sim = start_sim_or_skip (args);
  g_autoptr(LagoonConnection) conn = NULL;
  const GError *error;

  if (sim == NULL)
    return;
  conn = sim_connection (sim, NULL, "not the password");
  lagoon_connection_connect (conn);
  g_assert_true (wait_for_state (conn, LAGOON_CONNECTION_FAILED, 30));
  error = lagoon_connection_get_error (conn);
  g_assert_nonnull (error);
  g_assert_cmpstr (lagoon_xenapi_error_get_code_string (error), ==,
                   "SESSION_AUTHENTICATION_FAILED");
  g_assert_nonnull (lagoon_connection_get_status (conn));
  g_assert_null (strstr (lagoon_connection_get_status (conn), "not the password"));
  g_assert_cmpuint (lagoon_cache_get_n_records (lagoon_connection_get_cache (conn),
                                                LAGOON_CLASS_VM), ==, 0);
}

static void
test_resync_after_restart (void)
{
  g_autofree char *dir = g_dir_make_tmp ("lagoon-conn-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (dir, "pool.xml", NULL);
  g_autofree char *port_str = NULL;
  g_autoptr(LagoonRigSim) sim = NULL;
  g_autoptr(LagoonConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hosts = NULL;
  g_autofree char *host_ref = NULL;
  guint n_vms;

  /* first run generates and saves the pool, so the restart serves the same objects */
  {
    const char *args[] = { "--generate", "2:12:9", "--save", db, NULL };
    g_autoptr(LagoonRigSim) first = start_sim_or_skip (args);
    if (first == NULL)
      return;
    lagoon_rig_sim_stop (g_steal_pointer (&first));
  }
  g_assert_true (g_file_test (db, G_FILE_TEST_EXISTS));

  {
    const char *args[] = { "--db", db, NULL };
    sim = start_sim_or_skip (args);
  }
  conn = sim_connection (sim, NULL, NULL);
  lagoon_connection_connect (conn);
  g_assert_true (wait_for_state (conn, LAGOON_CONNECTION_CONNECTED, 30));
  n_vms = count_vms (lagoon_connection_get_cache (conn));
  g_assert_cmpuint (n_vms, ==, 12);
  hosts = lagoon_cache_list (lagoon_connection_get_cache (conn), LAGOON_CLASS_HOST);
  host_ref = g_strdup (lagoon_record_get_opaque_ref (hosts->pdata[0]));
  g_clear_pointer (&hosts, g_ptr_array_unref);

  /* the simulator goes away: the connection says so and keeps what it had */
  port_str = g_strdup_printf ("%u", lagoon_rig_sim_get_port (sim));
  lagoon_rig_sim_stop (g_steal_pointer (&sim));
  g_assert_true (wait_for_state (conn, LAGOON_CONNECTION_RECONNECTING, 30));
  g_assert_nonnull (lagoon_connection_get_error (conn));
  g_assert_cmpuint (count_vms (lagoon_connection_get_cache (conn)), ==, n_vms);

  /* it comes back on the same port: the connection resyncs by itself, and objects that
   * still exist keep their records (a selection survives) */
  {
    const char *args[] = { "--db", db, "--port", port_str, NULL };
    g_autoptr(GError) start_error = NULL;
    for (guint i = 0; i < 50 && sim == NULL; i++)
      {
        g_clear_error (&start_error);
        sim = lagoon_rig_sim_start (args, &start_error);
        if (sim == NULL)
          g_usleep (100000);
      }
    g_assert_no_error (start_error);
  }
  g_assert_true (wait_for_state (conn, LAGOON_CONNECTION_CONNECTED, 30));
  g_assert_cmpuint (count_vms (lagoon_connection_get_cache (conn)), ==, n_vms);
  g_assert_nonnull (lagoon_cache_lookup (lagoon_connection_get_cache (conn), LAGOON_CLASS_HOST,
                                         host_ref));
  g_remove (db);
  g_rmdir (dir);
}

static void
test_through_ssh (void)
{
  const char *args[] = { "--generate", "2:8:4", NULL };
  g_autoptr(LagoonRigSim) sim = start_sim_or_skip (args);
  g_autoptr(LagoonRigSshd) sshd = NULL;
  g_autoptr(LagoonSshSession) ssh = NULL;
  g_autoptr(LagoonSshOpener) opener = NULL;
  g_autoptr(LagoonConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  const char *keys[2] = { NULL, NULL };

  if (sim == NULL)
    return;
  sshd = lagoon_rig_sshd_start (NULL, &error);
  if (sshd == NULL && lagoon_rig_error_is_missing (error))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);

  ssh = lagoon_ssh_session_new ("127.0.0.1", lagoon_rig_sshd_get_port (sshd),
                                lagoon_rig_sshd_get_user (sshd));
  keys[0] = lagoon_rig_sshd_get_key_path (sshd);
  lagoon_ssh_session_set_identity_files (ssh, keys);
  lagoon_ssh_session_set_use_agent (ssh, FALSE);
  lagoon_ssh_session_set_known_hosts_file (ssh, lagoon_rig_sshd_get_known_hosts_path (sshd));
  opener = lagoon_ssh_opener_new (ssh);

  /* xapi is reached as the SSH server sees it, like 127.0.0.1:80 on a real host */
  conn = lagoon_connection_new (LAGOON_STREAM_OPENER (opener), lagoon_rig_sim_get_address (sim),
                                lagoon_rig_sim_get_port (sim), FALSE);
  lagoon_connection_set_credentials (conn, "root", "xenroot");
  lagoon_connection_set_event_timeout (conn, 2.0);
  lagoon_connection_connect (conn);
  g_assert_true (wait_for_state (conn, LAGOON_CONNECTION_CONNECTED, 30));
  g_assert_cmpuint (count_vms (lagoon_connection_get_cache (conn)), ==, 8);
  /* one channel for calls, one for the event long poll */
  g_assert_cmpuint (lagoon_ssh_session_get_n_channels (ssh), ==, 2);
  lagoon_connection_disconnect (conn);
  /* the tunnel goes too, so the next connect checks the host key again */
  g_assert_false (lagoon_ssh_session_is_connected (ssh));

  lagoon_connection_connect (conn);
  g_assert_true (wait_for_state (conn, LAGOON_CONNECTION_CONNECTED, 30));
  g_assert_true (lagoon_ssh_session_is_connected (ssh));
  lagoon_connection_disconnect (conn);
}

int
main (int   argc,
      char *argv[])
{
  signal (SIGPIPE, SIG_IGN);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lagoon/connection/connect-and-live-updates", test_connect_and_live_updates);
  g_test_add_func ("/lagoon/connection/redirect-to-coordinator", test_redirect_to_coordinator);
  g_test_add_func ("/lagoon/connection/wrong-password", test_wrong_password);
  g_test_add_func ("/lagoon/connection/resync-after-restart", test_resync_after_restart);
  g_test_add_func ("/lagoon/connection/through-ssh", test_through_ssh);
  return g_test_run ();
}
