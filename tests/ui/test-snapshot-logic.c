/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test-snapshot-logic.c: what the Snapshots and Logs tabs decide without a display: why a
 * snapshot mode or a revert is not possible (from allowed_operations, blocked_operations,
 * current_operations and the power state), unique default names, message severities and
 * titles.
 */
#define G_LOG_DOMAIN "test-snapshot-logic"

#include "config.h"

#include <locale.h>
#include <string.h>

#include "lagoon-cache.h"
#include "lagoon-logs-page.h"
#include "lagoon-snapshot-commands.h"
#include "lagoon-snapshot-dialog.h"

/* Adds a VM: @power, @allowed (space-separated operations), and a few more fields. */
static const LagoonRecord *
add_vm (LagoonCache *cache,
        const char  *ref,
        const char  *name,
        const char  *power,
        const char  *allowed,
        gboolean     is_snapshot,
        const char  *blocked,
        const char  *current)
{
  g_auto(GStrv) ops = g_strsplit (allowed, " ", -1);
  g_auto(GVariantBuilder) fields = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_auto(GVariantBuilder) blocked_map = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{ss}"));
  g_auto(GVariantBuilder) current_map = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{ss}"));

  if (blocked != NULL)
    g_variant_builder_add (&blocked_map, "{ss}", blocked, "true");
  if (current != NULL)
    g_variant_builder_add (&current_map, "{ss}", "OpaqueRef:task", current);
  g_variant_builder_add (&fields, "{sv}", "name_label", g_variant_new_string (name));
  g_variant_builder_add (&fields, "{sv}", "power_state", g_variant_new_string (power));
  g_variant_builder_add (&fields, "{sv}", "allowed_operations",
                         g_variant_new_strv ((const char * const *) ops, -1));
  g_variant_builder_add (&fields, "{sv}", "is_a_snapshot", g_variant_new_boolean (is_snapshot));
  g_variant_builder_add (&fields, "{sv}", "blocked_operations",
                         g_variant_builder_end (&blocked_map));
  g_variant_builder_add (&fields, "{sv}", "current_operations",
                         g_variant_builder_end (&current_map));

  lagoon_cache_begin_batch (cache);
  g_assert_true (lagoon_cache_apply (cache, "VM", LAGOON_CACHE_OP_ADD, ref,
                                     g_variant_builder_end (&fields)));
  lagoon_cache_end_batch (cache);
  return lagoon_cache_lookup (cache, LAGOON_CLASS_VM, ref);
}

static void
assert_why (const LagoonRecord *vm,
            LagoonSnapshotMode  mode,
            const char         *expected)
{
  g_autofree char *why = lagoon_snapshot_mode_why_not (vm, mode);

  g_assert_cmpstr (why, ==, expected);
}

static void
test_modes_halted (void)
{
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  const LagoonRecord *vm = add_vm (cache, "OpaqueRef:vm1", "web01", "Halted",
                                   "start clone snapshot destroy", FALSE, NULL, NULL);
  g_autofree char *take = lagoon_snapshot_take_why_not (vm);
  g_autofree char *quiesce = lagoon_snapshot_mode_why_not (vm, LAGOON_SNAPSHOT_MODE_QUIESCED);

  g_assert_nonnull (vm);
  assert_why (vm, LAGOON_SNAPSHOT_MODE_DISKS, NULL);
  assert_why (vm, LAGOON_SNAPSHOT_MODE_DISKS_AND_MEMORY,
              "Only a running VM's memory can be saved; this VM is Halted.");
  g_assert_nonnull (quiesce);
  g_assert_nonnull (strstr (quiesce, "VSS"));
  g_assert_null (take);
}

static void
test_modes_running (void)
{
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  const LagoonRecord *vm = add_vm (cache, "OpaqueRef:vm2", "db01", "Running",
                                   "clean_shutdown snapshot checkpoint", FALSE, NULL, NULL);
  const LagoonRecord *no_tools = add_vm (cache, "OpaqueRef:vm3", "db02", "Running",
                                         "clean_shutdown snapshot", FALSE, NULL, NULL);
  g_autofree char *why = lagoon_snapshot_mode_why_not (no_tools,
                                                       LAGOON_SNAPSHOT_MODE_DISKS_AND_MEMORY);

  assert_why (vm, LAGOON_SNAPSHOT_MODE_DISKS, NULL);
  assert_why (vm, LAGOON_SNAPSHOT_MODE_DISKS_AND_MEMORY, NULL);
  /* Running but not offered: not the power-state sentence. */
  g_assert_nonnull (why);
  g_assert_null (strstr (why, "Running"));
}

static void
test_modes_refused (void)
{
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  const LagoonRecord *blocked = add_vm (cache, "OpaqueRef:b", "b", "Halted", "start", FALSE,
                                        "snapshot", NULL);
  const LagoonRecord *busy = add_vm (cache, "OpaqueRef:c", "c", "Running", "", FALSE, NULL,
                                     "clean_shutdown");
  const LagoonRecord *snapshot = add_vm (cache, "OpaqueRef:s", "s", "Halted", "revert clone",
                                         TRUE, NULL, NULL);
  const LagoonRecord *paused = add_vm (cache, "OpaqueRef:p", "p", "Paused", "unpause", FALSE,
                                       NULL, NULL);
  g_autofree char *take = lagoon_snapshot_take_why_not (busy);
  g_autofree char *none = lagoon_snapshot_take_why_not (NULL);

  assert_why (blocked, LAGOON_SNAPSHOT_MODE_DISKS, "This operation is blocked on this VM (true).");
  assert_why (busy, LAGOON_SNAPSHOT_MODE_DISKS, "Another operation is in progress on this VM.");
  assert_why (snapshot, LAGOON_SNAPSHOT_MODE_DISKS, "A snapshot cannot itself be snapshotted.");
  assert_why (paused, LAGOON_SNAPSHOT_MODE_DISKS, "Not possible while the VM is Paused.");
  assert_why (NULL, LAGOON_SNAPSHOT_MODE_DISKS, "The VM no longer exists.");
  g_assert_cmpstr (take, ==, "Another operation is in progress on this VM.");
  g_assert_cmpstr (none, ==, "Select a VM first.");
}

static void
test_revert (void)
{
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  const LagoonRecord *ok = add_vm (cache, "OpaqueRef:s1", "s1", "Halted", "revert clone destroy",
                                   TRUE, NULL, NULL);
  const LagoonRecord *busy = add_vm (cache, "OpaqueRef:s2", "s2", "Halted", "clone", TRUE, NULL,
                                     "destroy");
  const LagoonRecord *vm = add_vm (cache, "OpaqueRef:v", "v", "Halted", "start", FALSE, NULL,
                                   NULL);
  g_autofree char *why_ok = lagoon_snapshot_revert_why_not (ok);
  g_autofree char *why_busy = lagoon_snapshot_revert_why_not (busy);
  g_autofree char *why_vm = lagoon_snapshot_revert_why_not (vm);

  g_assert_null (why_ok);
  g_assert_cmpstr (why_busy, ==, "Another operation is in progress on this snapshot.");
  g_assert_cmpstr (why_vm, ==, "Select one snapshot first.");
}

static void
test_unique_name (void)
{
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  g_autofree char *free_name = NULL;
  g_autofree char *third = NULL;

  add_vm (cache, "OpaqueRef:1", "web01 snapshot", "Halted", "", TRUE, NULL, NULL);
  add_vm (cache, "OpaqueRef:2", "web01 snapshot (2)", "Halted", "", TRUE, NULL, NULL);
  free_name = lagoon_snapshot_unique_name (cache, "db01 snapshot");
  third = lagoon_snapshot_unique_name (cache, "web01 snapshot");
  g_assert_cmpstr (free_name, ==, "db01 snapshot");
  g_assert_cmpstr (third, ==, "web01 snapshot (3)");
}

static void
test_severities (void)
{
  g_assert_cmpstr (lagoon_logs_severity_name (1), ==, "Critical");
  g_assert_cmpstr (lagoon_logs_severity_name (2), ==, "Major");
  g_assert_cmpstr (lagoon_logs_severity_name (3), ==, "Warning");
  g_assert_cmpstr (lagoon_logs_severity_name (4), ==, "Minor");
  g_assert_cmpstr (lagoon_logs_severity_name (5), ==, "Information");
  g_assert_cmpstr (lagoon_logs_severity_name (0), ==, "Unknown");
  g_assert_cmpstr (lagoon_logs_severity_name (42), ==, "Unknown");
}

static void
test_titles (void)
{
  static const struct {
    const char *name;
    const char *body;
    const char *title;
  } cases[] = {
    { "VM_STARTED", "", "VM started" },
    { "ALARM", "value: 0.97\nconfig:\n<variable>\n<name value=\"cpu_usage\"/>\n",
      "Alarm: CPU usage" },
    { "ALARM", "<name value=\"sr_weird\"/>", "Alarm: sr_weird" },
    { "ALARM", "no variable here", "Alarm" },
    { "ALARM", "<name value=\"", "Alarm" },
    { "HA_POOL_OVERCOMMITTED", NULL, "HA pool overcommitted" },
    { "PBD_PLUG_FAILED_ON_SERVER_START", NULL, "Storage could not be attached at server start" },
    { "TEST__DOUBLE_", NULL, "Test double" },
    { "vdi_cbt_resize_failed", NULL, "VDI CBT resize failed" },
    { "SR_IO_ERRORS", NULL, "SR IO errors" },
    { "", NULL, "Message" },
    { NULL, NULL, "Message" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *title = lagoon_logs_message_title (cases[i].name, cases[i].body);

      g_assert_cmpstr (title, ==, cases[i].title);
    }
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C");
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lagoon/snapshots/modes-halted", test_modes_halted);
  g_test_add_func ("/lagoon/snapshots/modes-running", test_modes_running);
  g_test_add_func ("/lagoon/snapshots/modes-refused", test_modes_refused);
  g_test_add_func ("/lagoon/snapshots/revert", test_revert);
  g_test_add_func ("/lagoon/snapshots/unique-name", test_unique_name);
  g_test_add_func ("/lagoon/logs/severities", test_severities);
  g_test_add_func ("/lagoon/logs/titles", test_titles);

  return g_test_run ();
}
