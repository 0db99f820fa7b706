/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LagoonVappAction against the simulator: a vApp created and filled in one action (the new
 * ref handed to the later steps), and a failing step that stops the ones after it. */
#include "config.h"

#include "lagoon-rig.h"
#include "lagoon-tcp-opener.h"
#include "lagoon-vapp-action.h"
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

static void
iterate_until (gboolean *flag,
               guint     seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!*flag && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
}

static LagoonConnection *
connect_to (LagoonRigSim *sim)
{
  g_autoptr(LagoonTcpOpener) opener = lagoon_tcp_opener_new ();
  LagoonConnection *conn = lagoon_connection_new (LAGOON_STREAM_OPENER (opener),
                                                  lagoon_rig_sim_get_address (sim),
                                                  lagoon_rig_sim_get_port (sim), FALSE);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  lagoon_connection_set_credentials (conn, "root", "xenroot");
  lagoon_connection_set_event_timeout (conn, 2.0);
  lagoon_connection_connect (conn);
  while (lagoon_connection_get_state (conn) != LAGOON_CONNECTION_CONNECTED &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
  g_assert_cmpint (lagoon_connection_get_state (conn), ==, LAGOON_CONNECTION_CONNECTED);
  return conn;
}

/* Guest VMs of the cache (not templates, snapshots or control domains), sorted by ref. */
static GPtrArray *
guests (LagoonConnection *conn)
{
  g_autoptr(GPtrArray) all = lagoon_cache_list (lagoon_connection_get_cache (conn),
                                                LAGOON_CLASS_VM);
  GPtrArray *refs = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < all->len; i++)
    {
      const LagoonRecord *rec = all->pdata[i];

      if (!lagoon_record_get_bool (rec, LAGOON_VM_IS_A_TEMPLATE) &&
          !lagoon_record_get_bool (rec, LAGOON_VM_IS_A_SNAPSHOT) &&
          !lagoon_record_get_bool (rec, LAGOON_VM_IS_CONTROL_DOMAIN))
        g_ptr_array_add (refs, g_strdup (lagoon_record_get_opaque_ref (rec)));
    }
  g_ptr_array_sort (refs, (GCompareFunc) g_strcmp0);
  return refs;
}

static void
on_finished (LagoonAction *action,
             gboolean     *finished)
{
  g_assert_false (*finished);
  *finished = TRUE;
}

static void
run (LagoonVappAction *action)
{
  gboolean finished = FALSE;

  g_signal_connect (action, "finished", G_CALLBACK (on_finished), &finished);
  lagoon_action_start (LAGOON_ACTION (action));
  iterate_until (&finished, 60);
  g_assert_true (finished);
}

/* Waits until the cache shows @field of VM @ref as @value (events arrive after the call). */
static gboolean
wait_vm_int (LagoonConnection *conn,
             const char       *ref,
             guint             field,
             gint64            value)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      const LagoonRecord *rec = lagoon_cache_lookup (lagoon_connection_get_cache (conn),
                                                     LAGOON_CLASS_VM, ref);
      if (rec != NULL && lagoon_record_get_int (rec, field) == value)
        return TRUE;
      g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
    }
  return FALSE;
}

static void
test_create_and_fill (void)
{
  const char *args[] = { "--generate", "1:6:1", "--speed", "4", NULL };
  g_autoptr(LagoonRigSim) sim = start_sim_or_skip (args);
  g_autoptr(LagoonConnection) conn = NULL;
  g_autoptr(LagoonVappAction) action = NULL;
  g_autoptr(GPtrArray) vms = NULL;
  GVariantBuilder record;
  const char *new_ref;
  const char * const *done;
  const LagoonRecord *app;
  gint64 deadline;

  if (sim == NULL)
    return;
  conn = connect_to (sim);
  vms = guests (conn);
  g_assert_cmpuint (vms->len, >=, 2);

  g_variant_builder_init (&record, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&record, "{sv}", "name_label", g_variant_new_string ("two tiers"));
  g_variant_builder_add (&record, "{sv}", "name_description", g_variant_new_string (""));
  action = lagoon_vapp_action_new (conn, "Create vApp");
  lagoon_vapp_action_add_step (action, "VM_appliance.create",
                               g_variant_new ("(@a{sv})", g_variant_builder_end (&record)),
                               LAGOON_VAPP_STEP_TASK | LAGOON_VAPP_STEP_CREATE);
  for (guint i = 0; i < 2; i++)
    lagoon_vapp_action_add_step (action, "VM.set_appliance",
                                 g_variant_new ("(ss)", (char *) vms->pdata[i],
                                                LAGOON_VAPP_ACTION_NEW_REF),
                                 LAGOON_VAPP_STEP_CALL);
  lagoon_vapp_action_add_step (action, "VM.set_order",
                               g_variant_new ("(sx)", (char *) vms->pdata[1], (gint64) 3),
                               LAGOON_VAPP_STEP_CALL);
  lagoon_vapp_action_add_step (action, "VM.set_start_delay",
                               g_variant_new ("(sx)", (char *) vms->pdata[0], (gint64) 7),
                               LAGOON_VAPP_STEP_CALL);
  g_assert_cmpuint (lagoon_vapp_action_get_n_steps (action), ==, 5);
  run (action);

  g_assert_no_error (lagoon_action_get_error (LAGOON_ACTION (action)));
  g_assert_cmpint (lagoon_action_get_state (LAGOON_ACTION (action)), ==,
                   LAGOON_ACTION_SUCCEEDED);
  g_assert_cmpfloat (lagoon_action_get_progress (LAGOON_ACTION (action)), ==, 1.0);
  new_ref = lagoon_vapp_action_get_new_ref (action);
  g_assert_true (g_str_has_prefix (new_ref, "OpaqueRef:"));
  done = lagoon_vapp_action_get_done (action);
  g_assert_cmpuint (g_strv_length ((char **) done), ==, 5);
  g_assert_cmpstr (done[0], ==, "VM_appliance.create");
  g_assert_cmpstr (done[4], ==, "VM.set_start_delay");
  /* The action's result is the new vApp. */
  g_assert_cmpstr (g_variant_get_string (lagoon_action_get_result (LAGOON_ACTION (action)), NULL),
                   ==, new_ref);

  g_assert_true (wait_vm_int (conn, vms->pdata[1], LAGOON_VM_ORDER, 3));
  g_assert_true (wait_vm_int (conn, vms->pdata[0], LAGOON_VM_START_DELAY, 7));
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  do
    {
      app = lagoon_cache_lookup (lagoon_connection_get_cache (conn), LAGOON_CLASS_VM_APPLIANCE,
                                 new_ref);
      g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
    }
  while ((app == NULL || !lagoon_record_set_contains (app, LAGOON_VM_APPLIANCE_VMS,
                                                      vms->pdata[1])) &&
         g_get_monotonic_time () < deadline);
  g_assert_nonnull (app);
  g_assert_cmpstr (lagoon_record_get_name (app), ==, "two tiers");
  g_assert_true (lagoon_record_set_contains (app, LAGOON_VM_APPLIANCE_VMS, vms->pdata[0]));
  g_assert_true (lagoon_record_set_contains (app, LAGOON_VM_APPLIANCE_VMS, vms->pdata[1]));
}

static void
test_failure_stops (void)
{
  const char *args[] = { "--generate", "1:4:1", "--speed", "4", NULL };
  g_autoptr(LagoonRigSim) sim = start_sim_or_skip (args);
  g_autoptr(LagoonConnection) conn = NULL;
  g_autoptr(LagoonVappAction) action = NULL;
  g_autoptr(GPtrArray) vms = NULL;
  const LagoonRecord *rec;
  const GError *error;
  gint64 shutdown_delay;

  if (sim == NULL)
    return;
  conn = connect_to (sim);
  vms = guests (conn);
  g_assert_cmpuint (vms->len, >=, 1);
  rec = lagoon_cache_lookup (lagoon_connection_get_cache (conn), LAGOON_CLASS_VM, vms->pdata[0]);
  shutdown_delay = lagoon_record_get_int (rec, LAGOON_VM_SHUTDOWN_DELAY);

  action = lagoon_vapp_action_new (conn, "Change vApp properties");
  lagoon_vapp_action_add_step (action, "VM.set_order",
                               g_variant_new ("(sx)", (char *) vms->pdata[0], (gint64) 5),
                               LAGOON_VAPP_STEP_CALL);
  lagoon_vapp_action_add_step (action, "VM.set_start_delay",
                               g_variant_new ("(sx)", "OpaqueRef:no-such-vm", (gint64) 1),
                               LAGOON_VAPP_STEP_CALL);
  lagoon_vapp_action_add_step (action, "VM.set_shutdown_delay",
                               g_variant_new ("(sx)", (char *) vms->pdata[0],
                                              shutdown_delay + 9),
                               LAGOON_VAPP_STEP_CALL);
  run (action);

  g_assert_cmpint (lagoon_action_get_state (LAGOON_ACTION (action)), ==, LAGOON_ACTION_FAILED);
  error = lagoon_action_get_error (LAGOON_ACTION (action));
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error->message, "VM.set_start_delay: "));
  g_assert_cmpuint (g_strv_length ((char **) lagoon_vapp_action_get_done (action)), ==, 1);
  g_assert_null (lagoon_vapp_action_get_new_ref (action));
  /* The first step happened; the one after the failure did not. */
  g_assert_true (wait_vm_int (conn, vms->pdata[0], LAGOON_VM_ORDER, 5));
  rec = lagoon_cache_lookup (lagoon_connection_get_cache (conn), LAGOON_CLASS_VM, vms->pdata[0]);
  g_assert_cmpint (lagoon_record_get_int (rec, LAGOON_VM_SHUTDOWN_DELAY), ==, shutdown_delay);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lagoon/vapp-action/create-and-fill", test_create_and_fill);
  g_test_add_func ("/lagoon/vapp-action/failure-stops", test_failure_stops);
  return g_test_run ();
}
