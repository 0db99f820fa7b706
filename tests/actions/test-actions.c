/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LagoonAction against the simulator: a task followed to its result, a failure, a cancel. */
#include "config.h"

#include <signal.h>

#include "lagoon-action.h"
#include "lagoon-rig.h"
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

typedef struct
{
  GArray  *progress;
  gboolean finished;
} Watch;

static void
on_progress (LagoonAction *action,
             GParamSpec   *pspec,
             Watch        *w)
{
  double p = lagoon_action_get_progress (action);

  g_array_append_val (w->progress, p);
}

static void
on_finished (LagoonAction *action,
             Watch        *w)
{
  g_assert_false (w->finished);   /* exactly once */
  w->finished = TRUE;
}

static void
run_to_end (LagoonAction *action,
            Watch        *w,
            guint         seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!w->finished && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
  g_assert_true (w->finished);
  g_assert_true (lagoon_action_is_finished (action));
}

static GVariant *
appliance_record (const char *name)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "name_label", g_variant_new_string (name));
  g_variant_builder_add (&b, "{sv}", "name_description", g_variant_new_string ("made by a test"));
  return g_variant_new ("(@a{sv})", g_variant_builder_end (&b));
}

static void
test_success_with_progress (void)
{
  const char *args[] = { "--generate", "1:4:1", "--speed", "2", NULL };
  g_autoptr(LagoonRigSim) sim = start_sim_or_skip (args);
  g_autoptr(LagoonConnection) conn = NULL;
  g_autoptr(LagoonAction) action = NULL;
  Watch w = { g_array_new (FALSE, FALSE, sizeof (double)), FALSE };
  const LagoonRecord *rec;
  const char *ref;

  if (sim == NULL)
    return;
  conn = connect_to (sim);
  action = lagoon_action_new (conn, "New vApp", "VM_appliance.create",
                              appliance_record ("from-an-action"));
  g_signal_connect (action, "notify::progress", G_CALLBACK (on_progress), &w);
  g_signal_connect (action, "finished", G_CALLBACK (on_finished), &w);
  g_assert_cmpint (lagoon_action_get_state (action), ==, LAGOON_ACTION_QUEUED);
  lagoon_action_start (action);
  g_assert_cmpint (lagoon_action_get_state (action), ==, LAGOON_ACTION_RUNNING);
  run_to_end (action, &w, 30);

  g_assert_cmpint (lagoon_action_get_state (action), ==, LAGOON_ACTION_SUCCEEDED);
  g_assert_null (lagoon_action_get_error (action));
  g_assert_cmpfloat (lagoon_action_get_progress (action), ==, 1.0);
  /* progress moved through intermediate values (the task takes about a second) */
  g_assert_cmpuint (w.progress->len, >=, 2);
  g_assert_cmpfloat (g_array_index (w.progress, double, 0), <, 1.0);
  for (guint i = 1; i < w.progress->len; i++)
    g_assert_cmpfloat (g_array_index (w.progress, double, i), >=,
                       g_array_index (w.progress, double, i - 1));

  /* the result is the new object's ref, and the object is in the cache */
  g_assert_nonnull (lagoon_action_get_result (action));
  g_assert_true (g_variant_is_of_type (lagoon_action_get_result (action), G_VARIANT_TYPE_STRING));
  ref = g_variant_get_string (lagoon_action_get_result (action), NULL);
  g_assert_true (g_str_has_prefix (ref, "OpaqueRef:"));
  {
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while ((rec = lagoon_cache_lookup (lagoon_connection_get_cache (conn),
                                       LAGOON_CLASS_VM_APPLIANCE, ref)) == NULL &&
           g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
  }
  g_assert_nonnull (rec);
  g_assert_cmpstr (lagoon_record_get_name (rec), ==, "from-an-action");
  g_assert_cmpint (lagoon_action_get_finished (action), >=, lagoon_action_get_started (action));

  /* the task is destroyed afterwards */
  {
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (lagoon_cache_get_n_records (lagoon_connection_get_cache (conn), LAGOON_CLASS_TASK) > 0 &&
           g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
    g_assert_cmpuint (lagoon_cache_get_n_records (lagoon_connection_get_cache (conn),
                                                  LAGOON_CLASS_TASK), ==, 0);
  }
  g_array_unref (w.progress);
}

static void
test_failure (void)
{
  const char *args[] = { "--generate", "1:4:1", "--speed", "0", NULL };
  g_autoptr(LagoonRigSim) sim = start_sim_or_skip (args);
  g_autoptr(LagoonConnection) conn = NULL;
  g_autoptr(LagoonAction) action = NULL;
  Watch w = { g_array_new (FALSE, FALSE, sizeof (double)), FALSE };
  const GError *error;

  if (sim == NULL)
    return;
  conn = connect_to (sim);
  action = lagoon_action_new (conn, "Delete vApp", "VM_appliance.destroy",
                              g_variant_new ("(s)", "OpaqueRef:not-a-vapp"));
  g_signal_connect (action, "finished", G_CALLBACK (on_finished), &w);
  lagoon_action_start (action);
  run_to_end (action, &w, 30);

  g_assert_cmpint (lagoon_action_get_state (action), ==, LAGOON_ACTION_FAILED);
  error = lagoon_action_get_error (action);
  g_assert_nonnull (error);
  g_assert_cmpstr (lagoon_xenapi_error_get_code_string (error), ==, "HANDLE_INVALID");
  g_assert_cmpstr (lagoon_xenapi_error_get_param (error, 1), ==, "OpaqueRef:not-a-vapp");
  g_assert_null (lagoon_action_get_result (action));
  g_array_unref (w.progress);
}

static gboolean
cancel_soon (gpointer data)
{
  lagoon_action_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (void)
{
  /* --speed 20: a task takes about ten seconds, plenty of time to cancel it */
  const char *args[] = { "--generate", "1:4:1", "--speed", "20", NULL };
  g_autoptr(LagoonRigSim) sim = start_sim_or_skip (args);
  g_autoptr(LagoonConnection) conn = NULL;
  g_autoptr(LagoonAction) action = NULL;
  Watch w = { g_array_new (FALSE, FALSE, sizeof (double)), FALSE };
  guint before;

  if (sim == NULL)
    return;
  conn = connect_to (sim);
  before = lagoon_cache_get_n_records (lagoon_connection_get_cache (conn),
                                       LAGOON_CLASS_VM_APPLIANCE);
  action = lagoon_action_new (conn, "New vApp", "VM_appliance.create",
                              appliance_record ("never-made"));
  g_signal_connect (action, "finished", G_CALLBACK (on_finished), &w);
  lagoon_action_start (action);
  g_timeout_add (1500, cancel_soon, action);
  run_to_end (action, &w, 30);

  g_assert_cmpint (lagoon_action_get_state (action), ==, LAGOON_ACTION_CANCELLED);
  g_assert_error (lagoon_action_get_error (action), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (lagoon_action_get_can_cancel (action));
  /* nothing was created */
  g_assert_cmpuint (lagoon_cache_get_n_records (lagoon_connection_get_cache (conn),
                                                LAGOON_CLASS_VM_APPLIANCE), ==, before);
  g_array_unref (w.progress);
}

static const LagoonRecord *
wait_for_name (LagoonConnection *conn,
               LagoonClassId     class_id,
               const char       *ref,
               const char       *name)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  const LagoonRecord *rec = NULL;

  while (g_get_monotonic_time () < deadline)
    {
      rec = lagoon_cache_lookup (lagoon_connection_get_cache (conn), class_id, ref);
      if (rec != NULL && g_strcmp0 (lagoon_record_get_name (rec), name) == 0)
        break;
      g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
    }
  return rec;
}

/* Several calls as one action: a session-only setter runs as a plain call, an async one as a
 * task; the first failure stops the rest. */
static void
test_calls_in_order (void)
{
  const char *args[] = { "--generate", "1:4:1", "--speed", "0", NULL };
  g_autoptr(LagoonRigSim) sim = start_sim_or_skip (args);
  g_autoptr(LagoonConnection) conn = NULL;
  g_autoptr(LagoonAction) action = NULL;
  g_autoptr(LagoonAction) failing = NULL;
  g_autoptr(GPtrArray) vms = NULL;
  Watch w = { g_array_new (FALSE, FALSE, sizeof (double)), FALSE };
  Watch w2 = { g_array_new (FALSE, FALSE, sizeof (double)), FALSE };
  const LagoonRecord *vm = NULL;
  const LagoonRecord *rec;
  g_autofree char *ref = NULL;

  if (sim == NULL)
    return;
  conn = connect_to (sim);
  vms = lagoon_cache_list (lagoon_connection_get_cache (conn), LAGOON_CLASS_VM);
  for (guint i = 0; i < vms->len && vm == NULL; i++)
    {
      const LagoonRecord *r = g_ptr_array_index (vms, i);
      if (!lagoon_record_get_bool (r, LAGOON_VM_IS_A_TEMPLATE) &&
          !lagoon_record_get_bool (r, LAGOON_VM_IS_CONTROL_DOMAIN))
        vm = r;
    }
  g_assert_nonnull (vm);
  ref = g_strdup (lagoon_record_get_opaque_ref (vm));

  action = lagoon_action_new (conn, "Properties", NULL, NULL);
  lagoon_action_add_call (action, "VM.set_name_label", g_variant_new ("(ss)", ref, "renamed-once"));
  lagoon_action_add_call (action, "VM.set_name_description",
                          g_variant_new ("(ss)", ref, "described"));
  g_signal_connect (action, "notify::progress", G_CALLBACK (on_progress), &w);
  g_signal_connect (action, "finished", G_CALLBACK (on_finished), &w);
  lagoon_action_start (action);
  run_to_end (action, &w, 30);
  g_assert_no_error (lagoon_action_get_error (action));
  g_assert_cmpint (lagoon_action_get_state (action), ==, LAGOON_ACTION_SUCCEEDED);
  rec = wait_for_name (conn, LAGOON_CLASS_VM, ref, "renamed-once");
  g_assert_cmpstr (lagoon_record_get_name (rec), ==, "renamed-once");
  g_assert_cmpstr (lagoon_record_get_string (rec, LAGOON_VM_NAME_DESCRIPTION), ==, "described");
  /* each of the two steps moved the bar */
  g_assert_cmpuint (w.progress->len, >=, 2);
  g_assert_cmpfloat (g_array_index (w.progress, double, 0), ==, 0.5);

  /* The second call fails: the third never runs. */
  failing = lagoon_action_new (conn, "Properties", NULL, NULL);
  lagoon_action_add_call (failing, "VM.set_name_label", g_variant_new ("(ss)", ref, "renamed-twice"));
  lagoon_action_add_call (failing, "VM.set_name_label",
                          g_variant_new ("(ss)", "OpaqueRef:gone", "x"));
  lagoon_action_add_call (failing, "VM.set_name_description",
                          g_variant_new ("(ss)", ref, "never written"));
  g_signal_connect (failing, "finished", G_CALLBACK (on_finished), &w2);
  lagoon_action_start (failing);
  run_to_end (failing, &w2, 30);
  g_assert_cmpint (lagoon_action_get_state (failing), ==, LAGOON_ACTION_FAILED);
  g_assert_cmpstr (lagoon_xenapi_error_get_code_string (lagoon_action_get_error (failing)), ==,
                   "HANDLE_INVALID");
  rec = wait_for_name (conn, LAGOON_CLASS_VM, ref, "renamed-twice");
  g_assert_cmpstr (lagoon_record_get_name (rec), ==, "renamed-twice");
  g_assert_cmpstr (lagoon_record_get_string (rec, LAGOON_VM_NAME_DESCRIPTION), ==, "described");
  g_array_unref (w.progress);
  g_array_unref (w2.progress);
}

int
main (int   argc,
      char *argv[])
{
  signal (SIGPIPE, SIG_IGN);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lagoon/actions/success-with-progress", test_success_with_progress);
  g_test_add_func ("/lagoon/actions/failure", test_failure);
  g_test_add_func ("/lagoon/actions/cancel", test_cancel);
  g_test_add_func ("/lagoon/actions/calls-in-order", test_calls_in_order);
  return g_test_run ();
}
