/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Parse a get_all_records reply of N generated VM records (xapi's compact style) with:
 *   expat    expat alone, no handlers (the floor)
 *   expat-cb expat with empty element and text handlers (the floor for any expat parser)
 *   stream   LagoonXmlrpcStreamParser, one record alive at a time
 *   xmlrpc-c xmlrpc_parse_response2 only
 *   full     lagoon_xmlrpc_parse_response (xmlrpc-c + conversion to GVariant)
 * Each mode runs in its own process; prints MB/s (by wall clock and by CPU time, which
 * is steadier on a busy machine) and the peak RSS added by parsing.
 *
 *   xmlrpc-parse-bench [N_VMS] [REPEATS]            all modes side by side
 *   xmlrpc-parse-bench --mode MODE [N_VMS] [REPEATS] one mode */
#define G_LOG_DOMAIN "xmlrpc-parse-bench"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <expat.h>
#include <xmlrpc-c/base.h>

#include "lagoon-xmlrpc.h"

static void
member_str (GString    *s,
            const char *name,
            const char *value)
{
  g_string_append_printf (s, "<member><name>%s</name><value>%s</value></member>", name, value);
}

static void
member_raw (GString    *s,
            const char *name,
            const char *typed)
{
  g_string_append_printf (s, "<member><name>%s</name><value>%s</value></member>", name, typed);
}

static void
append_uuid (GString *s,
             guint    a,
             guint    b)
{
  g_string_append_printf (s, "%08x-%04x-4%03x-8%03x-%012x", a, b & 0xffff, a & 0xfff, b & 0xfff,
                          a * 7919 + b);
}

static char *
uuid (guint a,
      guint b)
{
  GString *s = g_string_new (NULL);

  append_uuid (s, a, b);
  return g_string_free (s, FALSE);
}

static char *
ref (guint a,
     guint b)
{
  g_autofree char *u = uuid (a, b);
  return g_strconcat ("OpaqueRef:", u, NULL);
}

static void
append_vm (GString *s,
           guint    i)
{
  g_autofree char *r = ref (i, 1);
  g_autofree char *u = uuid (i, 2);
  static const char *ops[] = { "attach", "clean_reboot", "clean_shutdown", "clone", "copy",
                               "export", "hard_reboot", "hard_shutdown", "migrate_send",
                               "pause", "pool_migrate", "snapshot", "suspend", "checkpoint" };
  static const char *strings[] = { "actions_after_crash", "actions_after_reboot",
                                   "actions_after_shutdown", "PV_args", "PV_bootloader",
                                   "PV_bootloader_args", "PV_kernel", "PV_legacy_args",
                                   "PV_ramdisk", "HVM_boot_policy", "PCI_bus", "recommendations",
                                   "transportable_snapshot_id", "domarch", "hardware_platform_version",
                                   "generation_id", "reference_label", "requires_reboot",
                                   "power_state", "NVRAM", "suspend_SR", "suspend_VDI",
                                   "snapshot_info", "snapshot_metadata", "shutdown_delay",
                                   "order", "start_delay", "user_version", "domid", "version" };

  g_string_append_printf (s, "<member><name>%s</name><value><struct>", r);
  member_str (s, "uuid", u);
  g_string_append_printf (s, "<member><name>name_label</name><value>vm-%05u &amp; friends</value></member>", i);
  member_str (s, "name_description", "A generated virtual machine for the parse benchmark");
  for (guint k = 0; k < G_N_ELEMENTS (strings); k++)
    {
      g_autofree char *v = g_strdup_printf ("%s-value-%u", strings[k], i % 97);
      member_str (s, strings[k], v);
    }
  member_str (s, "memory_static_max", "4294967296");
  member_str (s, "memory_static_min", "1073741824");
  member_str (s, "memory_dynamic_max", "4294967296");
  member_str (s, "memory_dynamic_min", "2147483648");
  member_str (s, "memory_target", "4294967296");
  member_str (s, "memory_overhead", "41943040");
  member_str (s, "VCPUs_max", "4");
  member_str (s, "VCPUs_at_startup", "2");
  member_raw (s, "is_a_template", "<boolean>0</boolean>");
  member_raw (s, "is_default_template", "<boolean>0</boolean>");
  member_raw (s, "is_a_snapshot", "<boolean>0</boolean>");
  member_raw (s, "is_control_domain", "<boolean>0</boolean>");
  member_raw (s, "ha_always_run", "<boolean>0</boolean>");
  member_raw (s, "is_vmss_snapshot", "<boolean>0</boolean>");
  member_raw (s, "HVM_shadow_multiplier", "<double>1</double>");
  member_raw (s, "last_boot_CPU_flags", "<struct><member><name>vendor</name><value>GenuineIntel</value></member><member><name>features</name><value>1fcbfbff-f7fa3223-2d93fbff-00000023-00000001-000007ab-00000000-00000000-00001000-0c000000</value></member></struct>");
  member_raw (s, "snapshot_time", "<dateTime.iso8601>19700101T00:00:00Z</dateTime.iso8601>");
  member_raw (s, "start_time", "<dateTime.iso8601>20250319T04:16:24Z</dateTime.iso8601>");

  g_string_append (s, "<member><name>allowed_operations</name><value><array><data>");
  for (guint k = 0; k < G_N_ELEMENTS (ops); k++)
    g_string_append_printf (s, "<value>%s</value>", ops[k]);
  g_string_append (s, "</data></array></value></member>");
  member_raw (s, "current_operations", "<struct/>");
  member_raw (s, "blocked_operations", "<struct/>");

  {
    const char *ref_fields[] = { "resident_on", "affinity", "scheduled_to_be_resident_on",
                                 "metrics", "guest_metrics", "parent", "snapshot_of",
                                 "appliance", "protection_policy", "snapshot_schedule", "groups_dummy" };
    for (guint k = 0; k < G_N_ELEMENTS (ref_fields); k++)
      {
        g_autofree char *rr = ref (i, 10 + k);
        member_str (s, ref_fields[k], k % 3 == 2 ? "OpaqueRef:NULL" : rr);
      }
  }
  {
    const char *sets[] = { "VBDs", "VIFs", "consoles", "crash_dumps", "VTPMs", "VGPUs",
                           "PCIs", "VUSBs", "attached_PCIs", "snapshots", "children" };
    for (guint k = 0; k < G_N_ELEMENTS (sets); k++)
      {
        guint n = k < 3 ? 2 : (k == 9 ? 1 : 0);

        g_string_append_printf (s, "<member><name>%s</name><value><array><data>", sets[k]);
        if (n == 0)
          g_string_truncate (s, s->len - strlen ("<data>")), g_string_append (s, "<data/>");
        for (guint m = 0; m < n; m++)
          {
            g_autofree char *rr = ref (i, 100 + k * 4 + m);
            g_string_append_printf (s, "<value>%s</value>", rr);
          }
        g_string_append (s, n == 0 ? "</array></value></member>" : "</data></array></value></member>");
      }
  }
  {
    const char *maps[] = { "other_config", "platform", "HVM_boot_params", "xenstore_data",
                           "bios_strings", "VCPUs_params" };
    for (guint k = 0; k < G_N_ELEMENTS (maps); k++)
      {
        guint n = k == 0 ? 8 : (k == 1 ? 10 : (k == 4 ? 6 : 2));

        g_string_append_printf (s, "<member><name>%s</name><value><struct>", maps[k]);
        for (guint m = 0; m < n; m++)
          g_string_append_printf (s, "<member><name>%s_key_%u</name><value>value %u of %s</value></member>",
                                  maps[k], m, m, maps[k]);
        g_string_append (s, "</struct></value></member>");
      }
  }
  {
    g_autofree char *rr = ref (i, 999);
    g_string_append (s, "<member><name>tags</name><value><array><data><value>production</value><value>web</value></data></array></value></member>");
    member_str (s, "console_ref_dummy", rr);
  }
  g_string_append (s, "</struct></value></member>");
}

static GString *
generate (guint n_vms)
{
  GString *s = g_string_sized_new ((gsize) n_vms * 9000);

  g_string_append (s, "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct>"
                      "<member><name>Status</name><value>Success</value></member>"
                      "<member><name>Value</name><value><struct>");
  for (guint i = 0; i < n_vms; i++)
    append_vm (s, i);
  g_string_append (s, "</struct></value></member></struct></value></param></params>"
                      "</methodResponse>");
  return s;
}

static long
read_status_kb (const char *key)
{
  g_autofree char *contents = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &contents, NULL, NULL))
    return -1;
  p = strstr (contents, key);
  if (p == NULL)
    return -1;
  return strtol (p + strlen (key) + 1, NULL, 10);
}

static void
reset_peak (void)
{
  g_file_set_contents ("/proc/self/clear_refs", "5", 1, NULL);
}

static void XMLCALL
noop_start (void *data, const char *name, const char **attrs)
{
}

static void XMLCALL
noop_end (void *data, const char *name)
{
}

static void XMLCALL
noop_text (void *data, const char *s, int len)
{
}

static double
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static gboolean
count_record (const char  *key,
              GVariant    *value,
              gpointer     user_data,
              GError     **error)
{
  guint *n = user_data;

  (*n)++;
  return TRUE;
}

static int
run_mode (const char *mode,
          guint       n_vms,
          guint       repeats)
{
  g_autoptr(GString) doc = generate (n_vms);
  double best = G_MAXDOUBLE;
  double best_cpu = G_MAXDOUBLE;
  long rss_before, peak;
  guint count = 0;

  reset_peak ();
  rss_before = read_status_kb ("VmRSS:");

  for (guint r = 0; r < repeats; r++)
    {
      gint64 start = g_get_monotonic_time ();
      double cpu_start = cpu_seconds ();
      double secs;

      count = 0;
      if (strcmp (mode, "expat") == 0)
        {
          XML_Parser p = XML_ParserCreate ("UTF-8");

          if (XML_Parse (p, doc->str, (int) doc->len, XML_TRUE) != XML_STATUS_OK)
            g_error ("expat failed");
          XML_ParserFree (p);
          count = n_vms;
        }
      else if (strcmp (mode, "expat-cb") == 0)
        {
          XML_Parser p = XML_ParserCreate ("UTF-8");

          XML_SetElementHandler (p, noop_start, noop_end);
          XML_SetCharacterDataHandler (p, noop_text);
          for (gsize off = 0; off < doc->len; off += 65536)
            if (XML_Parse (p, doc->str + off, (int) MIN (65536, doc->len - off), XML_FALSE) !=
                XML_STATUS_OK)
              g_error ("expat failed");
          if (XML_Parse (p, "", 0, XML_TRUE) != XML_STATUS_OK)
            g_error ("expat failed");
          XML_ParserFree (p);
          count = n_vms;
        }
      else if (strcmp (mode, "stream") == 0)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GVariant) rest = NULL;

          /* Fed in 64 KiB pieces, as they come off the network. */
          g_autoptr(LagoonXmlrpcStreamParser) parser =
            lagoon_xmlrpc_stream_parser_new ("", 0, count_record, &count);
          for (gsize off = 0; off < doc->len; off += 65536)
            if (!lagoon_xmlrpc_stream_parser_feed (parser, doc->str + off,
                                                   MIN (65536, doc->len - off), &error))
              g_error ("%s", error->message);
          rest = lagoon_xmlrpc_stream_parser_finish (parser, &error);
          if (rest == NULL)
            g_error ("%s", error->message);
        }
      else if (strcmp (mode, "xmlrpc-c") == 0)
        {
          xmlrpc_env env;
          xmlrpc_value *result = NULL;
          int fault_code = 0;
          const char *fault_string = NULL;

          xmlrpc_limit_set (XMLRPC_XML_SIZE_LIMIT_ID, 1024u * 1024 * 1024);
          xmlrpc_env_init (&env);
          xmlrpc_parse_response2 (&env, doc->str, doc->len, &result, &fault_code, &fault_string);
          if (env.fault_occurred)
            g_error ("xmlrpc-c: %s", env.fault_string);
          xmlrpc_DECREF (result);
          xmlrpc_env_clean (&env);
          count = n_vms;
        }
      else if (strcmp (mode, "full") == 0)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GVariant) top = NULL;

          xmlrpc_limit_set (XMLRPC_XML_SIZE_LIMIT_ID, 1024u * 1024 * 1024);
          top = lagoon_xmlrpc_parse_response (doc->str, doc->len, &error);
          if (top == NULL)
            g_error ("%s", error->message);
          {
            g_autoptr(GVariant) value = lagoon_xmlrpc_unwrap_envelope (top, &error);
            count = (guint) g_variant_n_children (value);
          }
        }
      else
        {
          g_printerr ("unknown mode %s\n", mode);
          return 2;
        }
      secs = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
      best = MIN (best, secs);
      best_cpu = MIN (best_cpu, cpu_seconds () - cpu_start);
    }

  peak = read_status_kb ("VmHWM:");
  if (count != n_vms)
    g_error ("%s: %u records instead of %u", mode, count, n_vms);
  /* One machine-readable line per mode. */
  printf ("%-9s %6.1f MB  wall %6.0f ms %6.1f MB/s  cpu %6.0f ms %6.1f MB/s  peak RSS +%ld MB\n",
          mode, (double) doc->len / 1e6, best * 1000, (double) doc->len / 1e6 / best,
          best_cpu * 1000, (double) doc->len / 1e6 / best_cpu, (peak - rss_before) / 1024);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  const char *modes[] = { "expat", "expat-cb", "stream", "xmlrpc-c", "full" };
  guint n_vms = 5000, repeats = 3;

  if (argc >= 3 && strcmp (argv[1], "--mode") == 0)
    {
      if (argc >= 4)
        n_vms = (guint) g_ascii_strtoull (argv[3], NULL, 10);
      if (argc >= 5)
        repeats = (guint) g_ascii_strtoull (argv[4], NULL, 10);
      return run_mode (argv[2], n_vms, MAX (repeats, 1));
    }
  if (argc >= 2)
    n_vms = (guint) g_ascii_strtoull (argv[1], NULL, 10);
  if (argc >= 3)
    repeats = (guint) g_ascii_strtoull (argv[2], NULL, 10);

  printf ("%u VM records, best of %u, each mode in its own process\n", n_vms, repeats);
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autofree char *n = g_strdup_printf ("%u", n_vms);
      g_autofree char *r = g_strdup_printf ("%u", repeats);
      const char *child[] = { argv[0], "--mode", modes[i], n, r, NULL };
      g_autoptr(GError) error = NULL;
      int status = 0;

      fflush (stdout);
      if (!g_spawn_sync (NULL, (char **) child, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL,
                         NULL, NULL, &status, &error))
        g_error ("%s", error->message);
      if (!g_spawn_check_wait_status (status, NULL))
        return 1;
    }
  return 0;
}
