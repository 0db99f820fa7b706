/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include "lagoon-cache.h"
#include "lagoon-view.h"

/* ---- helpers ------------------------------------------------------------------------ */

static GVariant *
snap (const char *first,
      ...)
{
  GVariantBuilder b;
  va_list ap;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  va_start (ap, first);
  for (const char *key = first; key != NULL; key = va_arg (ap, const char *))
    g_variant_builder_add (&b, "{sv}", key, va_arg (ap, GVariant *));
  va_end (ap);
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

#define S(x) g_variant_new_string (x)
#define B(x) g_variant_new_boolean (x)
#define TAGS(...) g_variant_new_strv ((const char *[]) { __VA_ARGS__ }, -1)
#define MAP1(k, v) g_variant_new_parsed ("{%s: <%s>}", k, v)

static void
put (LagoonCache *cache,
     const char  *klass,
     const char  *ref,
     GVariant    *snapshot /* owned */)
{
  g_assert_true (lagoon_cache_apply (cache, klass, LAGOON_CACHE_OP_MOD, ref, snapshot));
  g_variant_unref (snapshot);
}

/*
 * A three-host pool exercising every placement rule:
 *   zeta (coordinator, live), alpha (live), beta (not live)
 *   vm2, vm10     running on beta                          -> beta
 *   VM3           halted, disk on alpha's local SR          -> alpha
 *   halted-affine halted, disk on shared SR, affinity alpha -> alpha (alpha is live)
 *   halted-dead-affinity  affinity beta (not live)          -> pool
 *   homeless      halted, nothing                           -> pool
 *   hidden: dom0, snapshot snap1 (Infrastructure only), HideFromXenCenter, xensource_internal,
 *           tools SRs (is_tools_sr and other_config), default template unless asked
 */
static LagoonCache *
make_pool (void)
{
  LagoonCache *cache = lagoon_cache_new ();

  lagoon_cache_begin_batch (cache);
  put (cache, "pool", "OpaqueRef:pool", snap ("name_label", S ("pool"),
                                              "master", S ("OpaqueRef:hM"), NULL));
  put (cache, "host", "OpaqueRef:hA", snap ("name_label", S ("alpha"),
                                            "metrics", S ("OpaqueRef:mA"),
                                            "tags", TAGS ("prod", NULL), NULL));
  put (cache, "host", "OpaqueRef:hB", snap ("name_label", S ("beta"), "metrics", S ("OpaqueRef:mB"),
                                            NULL));
  put (cache, "host", "OpaqueRef:hM", snap ("name_label", S ("zeta"), "metrics", S ("OpaqueRef:mM"),
                                            NULL));
  put (cache, "host_metrics", "OpaqueRef:mA", snap ("live", S ("true"), NULL));
  put (cache, "host_metrics", "OpaqueRef:mB", snap ("live", S ("false"), NULL));
  put (cache, "host_metrics", "OpaqueRef:mM", snap ("live", B (TRUE), NULL));

  put (cache, "SR", "OpaqueRef:srA", snap ("name_label", S ("alpha-local"), "shared", B (FALSE),
                                           NULL));
  put (cache, "SR", "OpaqueRef:srM", snap ("name_label", S ("zeta-local"), "shared", B (FALSE),
                                           NULL));
  put (cache, "SR", "OpaqueRef:srS", snap ("name_label", S ("shared-sr"), "shared", B (TRUE),
                                           "other_config", MAP1 ("folder", "/Production"),
                                           NULL));
  put (cache, "SR", "OpaqueRef:srT", snap ("name_label", S ("XenServer Tools"), "is_tools_sr",
                                           B (TRUE), NULL));
  put (cache, "SR", "OpaqueRef:srT2", snap ("name_label", S ("old tools"), "other_config",
                                            MAP1 ("xenserver_tools_sr", "true"), NULL));
  put (cache, "PBD", "OpaqueRef:pA", snap ("SR", S ("OpaqueRef:srA"), "host", S ("OpaqueRef:hA"),
                                           NULL));
  put (cache, "PBD", "OpaqueRef:pM", snap ("SR", S ("OpaqueRef:srM"), "host", S ("OpaqueRef:hM"),
                                           NULL));
  put (cache, "PBD", "OpaqueRef:pS1", snap ("SR", S ("OpaqueRef:srS"), "host", S ("OpaqueRef:hA"),
                                            NULL));
  put (cache, "PBD", "OpaqueRef:pS2", snap ("SR", S ("OpaqueRef:srS"), "host", S ("OpaqueRef:hB"),
                                            NULL));
  put (cache, "network", "OpaqueRef:net0", snap ("name_label", S ("net0"), NULL));
  put (cache, "network", "OpaqueRef:net1", snap ("name_label", S ("internal"), "other_config",
                                                 MAP1 ("is_host_internal_management_network",
                                                       "true"), NULL));

  put (cache, "VM", "OpaqueRef:vm2", snap ("name_label", S ("vm2"), "power_state", S ("Running"),
                                           "resident_on", S ("OpaqueRef:hB"),
                                           "tags", TAGS ("web", "prod", NULL),
                                           "appliance", S ("OpaqueRef:app"), "order", S ("0"),
                                           NULL));
  put (cache, "VM", "OpaqueRef:vm10", snap ("name_label", S ("vm10"), "power_state", S ("Running"),
                                            "resident_on", S ("OpaqueRef:hB"),
                                            "other_config", MAP1 ("folder", "/Production/Web"),
                                            "appliance", S ("OpaqueRef:app"), "order", S ("1"),
                                            NULL));
  put (cache, "VM", "OpaqueRef:vm3", snap ("name_label", S ("VM3"), "power_state", S ("Halted"),
                                           "appliance", S ("OpaqueRef:app"), "order", S ("1"),
                                           NULL));
  put (cache, "VBD", "OpaqueRef:vbd3", snap ("VM", S ("OpaqueRef:vm3"), "VDI", S ("OpaqueRef:vdi3"),
                                             "userdevice", S ("0"), NULL));
  put (cache, "VDI", "OpaqueRef:vdi3", snap ("SR", S ("OpaqueRef:srA"), NULL));
  put (cache, "VM", "OpaqueRef:aff", snap ("name_label", S ("halted-affine"), "power_state",
                                           S ("Halted"), "affinity", S ("OpaqueRef:hA"), NULL));
  put (cache, "VBD", "OpaqueRef:vbdaff", snap ("VM", S ("OpaqueRef:aff"), "VDI",
                                               S ("OpaqueRef:vdiaff"), NULL));
  put (cache, "VDI", "OpaqueRef:vdiaff", snap ("SR", S ("OpaqueRef:srS"), NULL));
  put (cache, "VM", "OpaqueRef:dead", snap ("name_label", S ("halted-dead-affinity"),
                                            "power_state", S ("Halted"),
                                            "affinity", S ("OpaqueRef:hB"), NULL));
  put (cache, "VM", "OpaqueRef:homeless", snap ("name_label", S ("homeless"), "power_state",
                                                S ("Halted"), NULL));
  put (cache, "VM", "OpaqueRef:dom0", snap ("name_label", S ("Control domain on host: zeta"),
                                            "power_state", S ("Running"),
                                            "resident_on", S ("OpaqueRef:hM"),
                                            "is_control_domain", B (TRUE), NULL));
  put (cache, "VM", "OpaqueRef:snap1", snap ("name_label", S ("snap1"), "is_a_snapshot", B (TRUE),
                                             "is_a_template", B (TRUE),
                                             "snapshot_of", S ("OpaqueRef:vm2"), NULL));
  put (cache, "VM", "OpaqueRef:hid", snap ("name_label", S ("hidden-vm"), "other_config",
                                           MAP1 ("HideFromXenCenter", "true"), NULL));
  put (cache, "VM", "OpaqueRef:int", snap ("name_label", S ("internal-vm"), "other_config",
                                           MAP1 ("xensource_internal", "true"), NULL));
  put (cache, "VM", "OpaqueRef:tpl", snap ("name_label", S ("my-template"), "is_a_template",
                                           B (TRUE), NULL));
  put (cache, "VM", "OpaqueRef:dtpl", snap ("name_label", S ("Debian 12"), "is_a_template",
                                            B (TRUE), "is_default_template", B (TRUE), NULL));
  put (cache, "VM_appliance", "OpaqueRef:app", snap ("name_label", S ("Web app"), NULL));
  lagoon_cache_end_batch (cache);
  return cache;
}

static void
assert_tree (LagoonView *view,
             const char *expected)
{
  g_autofree char *text = lagoon_view_to_text (view);

  if (g_strcmp0 (text, expected) != 0)
    g_printerr ("--- expected\n%s--- got\n%s---\n", expected, text);
  g_assert_cmpstr (text, ==, expected);
}

/* An incrementally updated view shows what a view built from scratch shows. */
static void
assert_fresh (LagoonView *view)
{
  g_autoptr(LagoonView) fresh = lagoon_view_new (lagoon_view_get_cache (view),
                                                 lagoon_view_get_kind (view));
  g_autofree char *expected = NULL;
  g_autofree char *text = lagoon_view_to_text (view);

  lagoon_view_set_show_default_templates (fresh, lagoon_view_get_show_default_templates (view));
  lagoon_view_set_filter (fresh, lagoon_view_get_filter (view));
  expected = lagoon_view_to_text (fresh);
  g_assert_cmpstr (text, ==, expected);
}

static LagoonViewNode *
only_node (LagoonView *view,
           const char *ref)
{
  g_autofree LagoonViewNode **nodes = lagoon_view_find_nodes (view, ref);

  g_assert_nonnull (nodes[0]);
  g_assert_null (nodes[1]);
  return nodes[0];
}

static guint
count_nodes (LagoonView *view,
             const char *ref)
{
  g_autofree LagoonViewNode **nodes = lagoon_view_find_nodes (view, ref);
  guint n = 0;

  while (nodes[n] != NULL)
    n++;
  return n;
}

/* ---- placement ------------------------------------------------------------------------ */

static const char infra_expected[] =
  "pool\n"
  "  zeta\n"
  "    zeta-local\n"
  "  alpha\n"
  "    halted-affine\n"
  "    VM3\n"
  "    alpha-local\n"
  "  beta\n"
  "    vm2\n"
  "    vm10\n"
  "  halted-dead-affinity\n"
  "  homeless\n"
  "  shared-sr\n"
  "  my-template\n";

static void
test_infrastructure (void)
{
  g_autoptr(LagoonCache) cache = make_pool ();
  g_autoptr(LagoonView) view = lagoon_view_new (cache, LAGOON_VIEW_INFRASTRUCTURE);
  LagoonViewNode *node;

  assert_tree (view, infra_expected);

  node = only_node (view, "OpaqueRef:vm2");
  g_assert_cmpint (lagoon_view_node_get_kind (node), ==, LAGOON_VIEW_NODE_OBJECT);
  g_assert_cmpint (lagoon_view_node_get_class_id (node), ==, LAGOON_CLASS_VM);
  g_assert_cmpstr (lagoon_view_node_get_ref (node), ==, "OpaqueRef:vm2");
  g_assert_cmpstr (lagoon_view_node_get_label (node), ==, "vm2");
  g_assert_cmpstr (lagoon_view_node_get_ref (lagoon_view_node_get_parent (node)), ==,
                   "OpaqueRef:hB");
  g_assert_cmpuint (lagoon_view_node_get_index (node), ==, 0);
  g_assert_null (lagoon_view_node_get_group_id (node));
  g_assert_cmpuint (count_nodes (view, "OpaqueRef:dom0"), ==, 0);
  g_assert_cmpuint (count_nodes (view, "OpaqueRef:snap1"), ==, 0);
  g_assert_cmpuint (count_nodes (view, "OpaqueRef:srT"), ==, 0);
  g_assert_cmpuint (count_nodes (view, "OpaqueRef:net0"), ==, 0);

  lagoon_view_set_show_default_templates (view, TRUE);
  assert_tree (view, "pool\n"
                     "  zeta\n"
                     "    zeta-local\n"
                     "  alpha\n"
                     "    halted-affine\n"
                     "    VM3\n"
                     "    alpha-local\n"
                     "  beta\n"
                     "    vm2\n"
                     "    vm10\n"
                     "  halted-dead-affinity\n"
                     "  homeless\n"
                     "  shared-sr\n"
                     "  my-template\n"
                     "  Debian 12\n");
  lagoon_view_set_show_default_templates (view, FALSE);
  assert_tree (view, infra_expected);

  /* The affinity host coming back to life brings its VM under it. */
  put (cache, "host_metrics", "OpaqueRef:mB", snap ("live", S ("true"), NULL));
  assert_tree (view, "pool\n"
                     "  zeta\n"
                     "    zeta-local\n"
                     "  alpha\n"
                     "    halted-affine\n"
                     "    VM3\n"
                     "    alpha-local\n"
                     "  beta\n"
                     "    halted-dead-affinity\n"
                     "    vm2\n"
                     "    vm10\n"
                     "  homeless\n"
                     "  shared-sr\n"
                     "  my-template\n");
}

static void
test_standalone_host (void)
{
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  g_autoptr(LagoonView) view = NULL;

  lagoon_cache_begin_batch (cache);
  put (cache, "pool", "OpaqueRef:p", snap ("name_label", S (""), "master", S ("OpaqueRef:h"),
                                           NULL));
  put (cache, "host", "OpaqueRef:h", snap ("name_label", S ("solo"), NULL));
  put (cache, "VM", "OpaqueRef:b", snap ("name_label", S ("b-running"),
                                         "power_state", S ("Running"),
                                         "resident_on", S ("OpaqueRef:h"), NULL));
  put (cache, "VM", "OpaqueRef:a", snap ("name_label", S ("a-halted"), NULL));
  put (cache, "VM", "OpaqueRef:t", snap ("name_label", S ("tpl"), "is_a_template", B (TRUE), NULL));
  put (cache, "SR", "OpaqueRef:s", snap ("name_label", S ("nfs"), "shared", B (TRUE), NULL));
  lagoon_cache_end_batch (cache);

  view = lagoon_view_new (cache, LAGOON_VIEW_INFRASTRUCTURE);
  assert_tree (view, "solo\n"
                     "  a-halted\n"
                     "  b-running\n"
                     "  nfs\n"
                     "  tpl\n");

  /* Naming the pool makes it the root again. */
  put (cache, "pool", "OpaqueRef:p", snap ("name_label", S ("My pool"), "master", S ("OpaqueRef:h"),
                                           NULL));
  assert_tree (view, "My pool\n"
                     "  solo\n"
                     "    b-running\n"
                     "  a-halted\n"
                     "  nfs\n"
                     "  tpl\n");
}

/* ---- incremental updates --------------------------------------------------------------- */

typedef struct
{
  GString *log;
} Signals;

static const char *
node_name (LagoonViewNode *node)
{
  return lagoon_view_node_get_kind (node) == LAGOON_VIEW_NODE_ROOT
           ? "(root)" : lagoon_view_node_get_label (node);
}

static void
on_inserted (LagoonView     *view,
             LagoonViewNode *parent,
             guint           index,
             LagoonViewNode *node,
             Signals        *sig)
{
  g_assert_true (lagoon_view_node_get_child (parent, index) == node);
  g_string_append_printf (sig->log, "+%s/%u:%s;", node_name (parent), index, node_name (node));
}

static void
on_removed (LagoonView     *view,
            LagoonViewNode *parent,
            guint           index,
            LagoonViewNode *node,
            Signals        *sig)
{
  g_assert_null (lagoon_view_node_get_parent (node));
  g_string_append_printf (sig->log, "-%s/%u:%s;", node_name (parent), index, node_name (node));
}

static void
on_changed (LagoonView     *view,
            LagoonViewNode *node,
            Signals        *sig)
{
  g_string_append_printf (sig->log, "~%s;", node_name (node));
}

static void
watch (LagoonView *view,
       Signals    *sig)
{
  sig->log = g_string_new (NULL);
  g_signal_connect (view, "node-inserted", G_CALLBACK (on_inserted), sig);
  g_signal_connect (view, "node-removed", G_CALLBACK (on_removed), sig);
  g_signal_connect (view, "node-changed", G_CALLBACK (on_changed), sig);
}

static void
unwatch (LagoonView *view,
         Signals    *sig)
{
  g_assert_cmpuint (g_signal_handlers_disconnect_by_data (view, sig), ==, 3);
  g_string_free (sig->log, TRUE);
}

static void
test_incremental (void)
{
  g_autoptr(LagoonCache) cache = make_pool ();
  g_autoptr(LagoonView) view = lagoon_view_new (cache, LAGOON_VIEW_INFRASTRUCTURE);
  Signals sig;
  LagoonViewNode *vm2 = only_node (view, "OpaqueRef:vm2");
  LagoonViewNode *zeta = only_node (view, "OpaqueRef:hM");
  LagoonViewNode *vm3 = only_node (view, "OpaqueRef:vm3");

  watch (view, &sig);

  /* Starting a VM moves it from the pool to its host, and nothing else. */
  put (cache, "VM", "OpaqueRef:homeless", snap ("name_label", S ("homeless"), "power_state",
                                                S ("Running"), "resident_on", S ("OpaqueRef:hM"),
                                                NULL));
  g_assert_cmpstr (sig.log->str, ==, "-pool/4:homeless;+zeta/0:homeless;");
  assert_fresh (view);
  g_assert_true (only_node (view, "OpaqueRef:vm2") == vm2);
  g_assert_true (only_node (view, "OpaqueRef:hM") == zeta);
  g_assert_true (only_node (view, "OpaqueRef:vm3") == vm3);
  g_assert_true (lagoon_view_node_get_parent (only_node (view, "OpaqueRef:homeless")) == zeta);

  /* A change that moves nothing: only node-changed. */
  g_string_truncate (sig.log, 0);
  put (cache, "VM", "OpaqueRef:vm2", snap ("name_label", S ("vm2"), "power_state", S ("Running"),
                                           "resident_on", S ("OpaqueRef:hB"),
                                           "tags", TAGS ("web", "prod", NULL),
                                           "appliance", S ("OpaqueRef:app"), "order", S ("0"),
                                           "name_description", S ("now described"), NULL));
  g_assert_cmpstr (sig.log->str, ==, "~vm2;");

  /* Renaming re-sorts within the parent: the renamed node moves, keeping its identity. */
  g_string_truncate (sig.log, 0);
  put (cache, "VM", "OpaqueRef:vm2", snap ("name_label", S ("vm20"), "power_state", S ("Running"),
                                           "resident_on", S ("OpaqueRef:hB"),
                                           "tags", TAGS ("web", "prod", NULL),
                                           "appliance", S ("OpaqueRef:app"), "order", S ("0"),
                                           NULL));
  g_assert_cmpstr (sig.log->str, ==, "-beta/0:vm20;+beta/1:vm20;");
  assert_fresh (view);
  g_assert_true (only_node (view, "OpaqueRef:vm2") == vm2);
  g_assert_cmpstr (lagoon_view_node_get_label (vm2), ==, "vm20");
  g_assert_cmpuint (lagoon_view_node_get_index (vm2), ==, 1);

  /* Shutting it down and deleting its disk's SR link: goes to pool level. */
  g_string_truncate (sig.log, 0);
  lagoon_cache_apply (cache, "VM", LAGOON_CACHE_OP_DEL, "OpaqueRef:vm3", NULL);
  g_assert_cmpstr (sig.log->str, ==, "-alpha/1:VM3;");
  assert_fresh (view);
  g_assert_cmpuint (count_nodes (view, "OpaqueRef:vm3"), ==, 0);

  /* A VDI moving to the shared SR moves nothing (VM3 is gone); one moving aff's disk to
   * alpha's local SR keeps aff under alpha; dropping alpha's metrics makes it homeless. */
  g_string_truncate (sig.log, 0);
  put (cache, "VDI", "OpaqueRef:vdiaff", snap ("SR", S ("OpaqueRef:srA"), NULL));
  g_assert_cmpstr (sig.log->str, ==, "");
  put (cache, "VDI", "OpaqueRef:vdiaff", snap ("SR", S ("OpaqueRef:srS"), NULL));
  lagoon_cache_apply (cache, "host_metrics", LAGOON_CACHE_OP_DEL, "OpaqueRef:mA", NULL);
  g_assert_cmpstr (sig.log->str, ==, "-alpha/0:halted-affine;+pool/3:halted-affine;");
  assert_fresh (view);

  /* Records the view does not show change nothing. */
  g_string_truncate (sig.log, 0);
  put (cache, "task", "OpaqueRef:task", snap ("name_label", S ("Async.VM.start"), NULL));
  g_assert_cmpstr (sig.log->str, ==, "");

  unwatch (view, &sig);
}

static void
test_filter (void)
{
  g_autoptr(LagoonCache) cache = make_pool ();
  g_autoptr(LagoonView) view = lagoon_view_new (cache, LAGOON_VIEW_INFRASTRUCTURE);
  Signals sig;

  lagoon_view_set_filter (view, "VM1");
  assert_tree (view, "pool\n"
                     "  beta\n"
                     "    vm10\n");
  g_assert_cmpstr (lagoon_view_get_filter (view), ==, "VM1");

  lagoon_view_set_filter (view, "alpha");
  assert_tree (view, "pool\n"
                     "  alpha\n"
                     "    alpha-local\n");

  /* Updates honour the filter. */
  watch (view, &sig);
  put (cache, "VM", "OpaqueRef:homeless", snap ("name_label", S ("alphabet"), NULL));
  assert_tree (view, "pool\n"
                     "  alpha\n"
                     "    alpha-local\n"
                     "  alphabet\n");
  g_assert_cmpstr (sig.log->str, ==, "+pool/1:alphabet;");
  unwatch (view, &sig);

  lagoon_view_set_filter (view, "no such thing");
  assert_tree (view, "");
  lagoon_view_set_filter (view, NULL);
  g_assert_null (lagoon_view_get_filter (view));
  g_assert_cmpuint (count_nodes (view, "OpaqueRef:vm10"), ==, 1);
}

static void
test_objects (void)
{
  g_autoptr(LagoonCache) cache = make_pool ();
  g_autoptr(LagoonView) view = lagoon_view_new (cache, LAGOON_VIEW_OBJECTS);
  LagoonViewNode *vms;

  assert_tree (view, "Pools\n"
                     "  pool\n"
                     "Servers\n"
                     "  alpha\n"
                     "  beta\n"
                     "  zeta\n"
                     "VMs\n"
                     "  halted-affine\n"
                     "  halted-dead-affinity\n"
                     "  homeless\n"
                     "  vm2\n"
                     "  VM3\n"
                     "  vm10\n"
                     "Snapshots\n"
                     "  snap1\n"
                     "Custom Templates\n"
                     "  my-template\n"
                     "Remote SRs\n"
                     "  shared-sr\n"
                     "Local SRs\n"
                     "  alpha-local\n"
                     "  zeta-local\n"
                     "Networks\n"
                     "  net0\n"
                     "vApps\n"
                     "  Web app\n");
  vms = lagoon_view_node_get_parent (only_node (view, "OpaqueRef:vm2"));
  g_assert_cmpint (lagoon_view_node_get_kind (vms), ==, LAGOON_VIEW_NODE_GROUP);
  g_assert_cmpstr (lagoon_view_node_get_group_id (vms), ==, "objects:vms");
  g_assert_cmpint (lagoon_view_node_get_class_id (vms), ==, -1);

  lagoon_view_set_show_default_templates (view, TRUE);
  g_assert_cmpuint (count_nodes (view, "OpaqueRef:dtpl"), ==, 1);
  g_assert_cmpstr (lagoon_view_node_get_group_id (lagoon_view_node_get_parent (
                     only_node (view, "OpaqueRef:dtpl"))), ==, "objects:default-templates");
}

static void
test_tags_folders_vapps (void)
{
  g_autoptr(LagoonCache) cache = make_pool ();
  g_autoptr(LagoonView) tags = lagoon_view_new (cache, LAGOON_VIEW_TAGS);
  g_autoptr(LagoonView) folders = lagoon_view_new (cache, LAGOON_VIEW_FOLDERS);
  g_autoptr(LagoonView) vapps = lagoon_view_new (cache, LAGOON_VIEW_VAPPS);

  assert_tree (tags, "prod\n"
                     "  alpha\n"
                     "  vm2\n"
                     "web\n"
                     "  vm2\n");
  g_assert_cmpuint (count_nodes (tags, "OpaqueRef:vm2"), ==, 2);
  assert_tree (folders, "Production\n"
                        "  Web\n"
                        "    vm10\n"
                        "  shared-sr\n");
  g_assert_cmpstr (lagoon_view_node_get_group_id (lagoon_view_node_get_parent (
                     only_node (folders, "OpaqueRef:vm10"))), ==, "folder:/Production/Web");
  assert_tree (vapps, "Web app\n"
                      "  vm2\n"
                      "  VM3\n"
                      "  vm10\n");

  /* Untagging, moving folders and reordering follow. */
  put (cache, "VM", "OpaqueRef:vm2", snap ("name_label", S ("vm2"), "power_state", S ("Running"),
                                           "resident_on", S ("OpaqueRef:hB"),
                                           "tags", TAGS ("prod", NULL),
                                           "other_config", MAP1 ("folder", "/Test"),
                                           "appliance", S ("OpaqueRef:app"), "order", S ("5"),
                                           NULL));
  assert_tree (tags, "prod\n"
                     "  alpha\n"
                     "  vm2\n");
  assert_tree (folders, "Production\n"
                        "  Web\n"
                        "    vm10\n"
                        "  shared-sr\n"
                        "Test\n"
                        "  vm2\n");
  assert_tree (vapps, "Web app\n"
                      "  VM3\n"
                      "  vm10\n"
                      "  vm2\n");
  assert_fresh (tags);
  assert_fresh (folders);
  assert_fresh (vapps);
}

/* Random VM changes, batch after batch: every view, updated in place, stays equal to a
 * view built from scratch. */
static void
test_random_updates (void)
{
  g_autoptr(LagoonCache) cache = make_pool ();
  LagoonView *views[10];
  GRand *rand = g_rand_new_with_seed (7);
  static const char *const vms[] = {
    "OpaqueRef:vm2", "OpaqueRef:vm10", "OpaqueRef:vm3", "OpaqueRef:aff", "OpaqueRef:dead",
    "OpaqueRef:homeless", "OpaqueRef:tpl", "OpaqueRef:new1", "OpaqueRef:new2",
  };
  static const char *const hosts[] = { "OpaqueRef:hA", "OpaqueRef:hB", "OpaqueRef:hM" };
  static const char *const names[] = { "vm2", "vm10", "VM3", "zz", "Alpha", "vm1", "b" };
  static const char *const tags[] = { "prod", "web" };
  static const char *const folders[] = { "/Production", "/Production/Web" };

  for (guint v = 0; v < 10; v++)
    {
      views[v] = lagoon_view_new (cache, v % 5);
      lagoon_view_set_show_default_templates (views[v], v >= 5);
    }

  for (guint round = 0; round < 300; round++)
    {
      guint n = 1 + g_rand_int_range (rand, 0, 4);

      lagoon_cache_begin_batch (cache);
      for (guint k = 0; k < n; k++)
        {
          const char *ref = vms[g_rand_int_range (rand, 0, G_N_ELEMENTS (vms))];
          gboolean running = g_rand_boolean (rand);
          GVariantBuilder b;

          if (g_rand_int_range (rand, 0, 10) == 0)
            {
              lagoon_cache_apply (cache, "VM", LAGOON_CACHE_OP_DEL, ref, NULL);
              continue;
            }
          g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
          g_variant_builder_add (&b, "{sv}", "name_label",
                                 S (names[g_rand_int_range (rand, 0, G_N_ELEMENTS (names))]));
          g_variant_builder_add (&b, "{sv}", "power_state", S (running ? "Running" : "Halted"));
          if (running)
            g_variant_builder_add (&b, "{sv}", "resident_on",
                                   S (hosts[g_rand_int_range (rand, 0, G_N_ELEMENTS (hosts))]));
          if (g_rand_boolean (rand))
            g_variant_builder_add (&b, "{sv}", "affinity",
                                   S (hosts[g_rand_int_range (rand, 0, G_N_ELEMENTS (hosts))]));
          if (g_rand_int_range (rand, 0, 5) == 0)
            g_variant_builder_add (&b, "{sv}", "is_a_template", B (TRUE));
          if (g_rand_int_range (rand, 0, 8) == 0)
            g_variant_builder_add (&b, "{sv}", "is_default_template", B (TRUE));
          if (g_rand_int_range (rand, 0, 12) == 0)
            g_variant_builder_add (&b, "{sv}", "other_config", MAP1 ("HideFromXenCenter", "true"));
          else if (g_rand_boolean (rand))
            g_variant_builder_add (&b, "{sv}", "other_config",
                                   MAP1 ("folder", folders[g_rand_int_range (rand, 0, 2)]));
          if (g_rand_boolean (rand))
            g_variant_builder_add (&b, "{sv}", "tags", TAGS (tags[g_rand_int_range (rand, 0, 2)],
                                                             NULL));
          if (g_rand_boolean (rand))
            g_variant_builder_add (&b, "{sv}", "appliance", S ("OpaqueRef:app"));
          g_variant_builder_add (&b, "{sv}", "order",
                                 g_variant_new_int64 (g_rand_int_range (rand, 0, 3)));
          put (cache, "VM", ref, g_variant_ref_sink (g_variant_builder_end (&b)));
        }
      lagoon_cache_end_batch (cache);

      for (guint v = 0; v < 10; v++)
        assert_fresh (views[v]);
    }

  for (guint v = 0; v < 10; v++)
    g_object_unref (views[v]);
  g_rand_free (rand);
}

/* ---- real dumps ------------------------------------------------------------------------- */

static gboolean
visible_vm (const LagoonRecord *vm)
{
  const char *hide = lagoon_record_map_lookup (vm, LAGOON_VM_OTHER_CONFIG, "HideFromXenCenter");

  return !lagoon_record_get_bool (vm, LAGOON_VM_IS_A_TEMPLATE) &&
         !lagoon_record_get_bool (vm, LAGOON_VM_IS_A_SNAPSHOT) &&
         !lagoon_record_get_bool (vm, LAGOON_VM_IS_CONTROL_DOMAIN) &&
         lagoon_record_map_lookup (vm, LAGOON_VM_OTHER_CONFIG, "xensource_internal") == NULL &&
         (hide == NULL || g_ascii_strcasecmp (hide, "true") != 0);
}

static void
check_fixture (const char *path)
{
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LagoonView) infra = NULL;
  LagoonCacheIter iter;
  const LagoonRecord *rec;
  guint n_visible = 0;

  g_test_message ("fixture %s", path);
  g_assert_true (lagoon_cache_load_dump (cache, path, &error));
  g_assert_no_error (error);

  infra = lagoon_view_new (cache, LAGOON_VIEW_INFRASTRUCTURE);
  lagoon_cache_iter_init (&iter, cache, LAGOON_CLASS_VM);
  while (lagoon_cache_iter_next (&iter, &rec))
    {
      guint n = count_nodes (infra, lagoon_record_get_opaque_ref (rec));

      if (visible_vm (rec))
        {
          g_assert_cmpuint (n, ==, 1);
          n_visible++;
        }
      else if (lagoon_record_get_bool (rec, LAGOON_VM_IS_A_SNAPSHOT) ||
               lagoon_record_get_bool (rec, LAGOON_VM_IS_CONTROL_DOMAIN) ||
               !lagoon_record_get_bool (rec, LAGOON_VM_IS_A_TEMPLATE))
        g_assert_cmpuint (n, ==, 0);
    }
  g_assert_cmpuint (lagoon_view_node_get_n_children (lagoon_view_get_root (infra)), >=, 1);

  for (LagoonViewKind kind = LAGOON_VIEW_INFRASTRUCTURE; kind <= LAGOON_VIEW_VAPPS; kind++)
    for (int defaults = 0; defaults < 2; defaults++)
      {
        g_autoptr(LagoonView) view = lagoon_view_new (cache, kind);
        g_autofree char *text = NULL;

        lagoon_view_set_show_default_templates (view, defaults);
        text = lagoon_view_to_text (view);
        g_assert_nonnull (text);
        if (!defaults)
          {
            /* Golden trees (checked by eye once, then kept as a regression net). */
            g_autofree char *base = g_path_get_basename (path);
            g_autofree char *name = g_strdup_printf ("%s.%s.txt", base,
                                                     lagoon_view_kind_to_string (kind));
            g_autofree char *golden = g_build_filename (LAGOON_SOURCEDIR, "tests", "fixtures",
                                                        "views", name, NULL);
            g_autofree char *expected = NULL;

            if (g_file_get_contents (golden, &expected, NULL, NULL))
              g_assert_cmpstr (text, ==, expected);
          }
        if (kind == LAGOON_VIEW_OBJECTS && n_visible > 0)
          g_assert_nonnull (strstr (text, "\nVMs\n"));
        /* Control domains never show. */
        lagoon_cache_iter_init (&iter, cache, LAGOON_CLASS_VM);
        while (lagoon_cache_iter_next (&iter, &rec))
          if (lagoon_record_get_bool (rec, LAGOON_VM_IS_CONTROL_DOMAIN))
            g_assert_cmpuint (count_nodes (view, lagoon_record_get_opaque_ref (rec)), ==, 0);
      }

  /* Reloading the same dump (a resync) leaves the tree as it was, without signals. */
  {
    g_autofree char *before = lagoon_view_to_text (infra);
    g_autofree char *after = NULL;
    Signals sig;

    watch (infra, &sig);
    g_assert_true (lagoon_cache_load_dump (cache, path, &error));
    after = lagoon_view_to_text (infra);
    g_assert_cmpstr (before, ==, after);
    g_assert_cmpstr (sig.log->str, ==, "");
    unwatch (infra, &sig);
  }
}

static void
test_fixtures (void)
{
  const char *shared = g_getenv ("LAGOON_SHARED_DIR");
  g_autofree char *dir = NULL;
  g_autoptr(GDir) d = NULL;
  const char *name;
  guint n = 0;

  if (shared == NULL || !g_file_test (shared, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("fixtures not found: ../shared is absent (a user's clone)");
      return;
    }
  dir = g_build_filename (shared, "fixtures", "xapi-db", NULL);
  d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    {
      g_test_skip ("fixtures/xapi-db not found: ../shared is absent (a user's clone)");
      return;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      check_fixture (path);
      n++;
    }
  g_assert_cmpuint (n, >, 0);
}

static void
test_repo_fixtures (void)
{
  g_autofree char *dir = g_build_filename (LAGOON_SOURCEDIR, "tests", "fixtures", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".xml"))
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);
        check_fixture (path);
      }
}

/* ---- lagoon-cli tree ---------------------------------------------------------------------- */

static int
run_cli (const char *const *args,
         char              **out,
         char              **err)
{
  const char *builddir = g_getenv ("LAGOON_BUILDDIR");
  g_autofree char *cli = g_build_filename (builddir != NULL ? builddir : LAGOON_BUILDDIR,
                                           "src", "cli", "lagoon-cli", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_ptr_array_add (argv, cli);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               out, err, &status, &error));
  g_assert_no_error (error);
  if (g_spawn_check_wait_status (status, NULL))
    return 0;
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_cli (void)
{
  const char *shared = g_getenv ("LAGOON_SHARED_DIR");
  g_autofree char *path = NULL;
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run_cli ((const char *[]) { "--version", NULL }, &out, &err), ==, 0);
  g_assert_cmpstr (out, ==, "lagoon-cli " PACKAGE_VERSION "\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli ((const char *[]) { "tree", "--db", "/nonexistent/state.db", NULL },
                            &out, &err), ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, "/nonexistent/state.db"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli ((const char *[]) { "tree", "--view", "sideways", "--db", "x", NULL },
                            &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "sideways"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli ((const char *[]) { "frobnicate", NULL }, &out, &err), ==, 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  if (shared == NULL || !g_file_test (shared, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("fixtures not found: ../shared is absent (a user's clone)");
      return;
    }
  path = g_build_filename (shared, "fixtures", "xapi-db", "xapidb_app.xml", NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("xapidb_app.xml not found: ../shared is absent (a user's clone)");
      return;
    }
  g_assert_true (lagoon_cache_load_dump (cache, path, &error));
  g_assert_no_error (error);

  /* Each view prints what the in-process view shows. */
  for (LagoonViewKind kind = LAGOON_VIEW_INFRASTRUCTURE; kind <= LAGOON_VIEW_VAPPS; kind++)
    {
      g_autoptr(LagoonView) view = lagoon_view_new (cache, kind);
      g_autofree char *expected = NULL;
      const char *filter = kind == LAGOON_VIEW_INFRASTRUCTURE ? "centos" : NULL;

      lagoon_view_set_show_default_templates (view, kind == LAGOON_VIEW_OBJECTS);
      lagoon_view_set_filter (view, filter);
      expected = lagoon_view_to_text (view);
      const char *args[8] = { "tree", "--view", lagoon_view_kind_to_string (kind), "--db", path,
                              NULL, };
      guint n = 5;

      if (kind == LAGOON_VIEW_OBJECTS)
        args[n++] = "--default-templates";
      if (filter != NULL)
        {
          args[n++] = "--filter";
          args[n++] = filter;
        }
      g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
      g_assert_cmpstr (out, ==, expected);
      if (kind != LAGOON_VIEW_TAGS && kind != LAGOON_VIEW_FOLDERS) /* none in this dump */
        g_assert_cmpstr (out, !=, "");
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
    }
}

/* ---- measurements (printed, not asserted) ---------------------------------------------- */

static void
test_measure (void)
{
  g_autoptr(LagoonCache) cache = lagoon_cache_new ();
  g_autoptr(LagoonView) view = NULL;
  const guint n_hosts = 64, n_vms = 5000;
  gint64 t0, t1, t2, t3;

  lagoon_cache_begin_batch (cache);
  put (cache, "pool", "OpaqueRef:pool", snap ("name_label", S ("big"), "master", S ("OpaqueRef:h0"),
                                              NULL));
  for (guint h = 0; h < n_hosts; h++)
    {
      g_autofree char *ref = g_strdup_printf ("OpaqueRef:h%u", h);
      g_autofree char *name = g_strdup_printf ("host-%u", h);
      g_autofree char *metrics = g_strdup_printf ("OpaqueRef:hm%u", h);
      g_autofree char *sr = g_strdup_printf ("OpaqueRef:sr%u", h);
      g_autofree char *pbd = g_strdup_printf ("OpaqueRef:pbd%u", h);
      put (cache, "host", ref, snap ("name_label", S (name), "metrics", S (metrics), NULL));
      put (cache, "host_metrics", metrics, snap ("live", B (TRUE), NULL));
      put (cache, "SR", sr, snap ("name_label", S ("Local storage"), NULL));
      put (cache, "PBD", pbd, snap ("SR", S (sr), "host", S (ref), NULL));
    }
  for (guint i = 0; i < n_vms; i++)
    {
      g_autofree char *ref = g_strdup_printf ("OpaqueRef:vm%u", i);
      g_autofree char *name = g_strdup_printf ("vm %u", i);
      g_autofree char *host = g_strdup_printf ("OpaqueRef:h%u", i % n_hosts);
      g_autofree char *vbd = g_strdup_printf ("OpaqueRef:vbd%u", i);
      g_autofree char *vdi = g_strdup_printf ("OpaqueRef:vdi%u", i);
      g_autofree char *sr = g_strdup_printf ("OpaqueRef:sr%u", (i / 2) % n_hosts);
      put (cache, "VM", ref, snap ("name_label", S (name), "power_state",
                                   S (i % 2 ? "Running" : "Halted"), "resident_on",
                                   S (i % 2 ? host : LAGOON_NULL_REF), NULL));
      put (cache, "VBD", vbd, snap ("VM", S (ref), "VDI", S (vdi), NULL));
      put (cache, "VDI", vdi, snap ("SR", S (sr), NULL));
    }
  lagoon_cache_end_batch (cache);

  t0 = g_get_monotonic_time ();
  view = lagoon_view_new (cache, LAGOON_VIEW_INFRASTRUCTURE);
  t1 = g_get_monotonic_time ();

  /* 1000 VMs start elsewhere (structural), then 1000 change only their description. */
  lagoon_cache_begin_batch (cache);
  for (guint i = 0; i < 2000; i += 2)
    {
      g_autofree char *ref = g_strdup_printf ("OpaqueRef:vm%u", i);
      g_autofree char *name = g_strdup_printf ("vm %u", i);
      g_autofree char *host = g_strdup_printf ("OpaqueRef:h%u", (i + 7) % n_hosts);
      put (cache, "VM", ref, snap ("name_label", S (name), "power_state", S ("Running"),
                                   "resident_on", S (host), NULL));
    }
  t2 = g_get_monotonic_time ();
  lagoon_cache_end_batch (cache);
  t3 = g_get_monotonic_time ();
  g_test_message ("Infrastructure view of 64 hosts, 5000 VMs: built in %.1f ms; "
                  "1000 VMs starting elsewhere: view updated in %.1f ms",
                  (t1 - t0) / 1000.0, (t3 - t2) / 1000.0);

  lagoon_cache_begin_batch (cache);
  for (guint i = 1; i < 2000; i += 2)
    {
      g_autofree char *ref = g_strdup_printf ("OpaqueRef:vm%u", i);
      g_autofree char *name = g_strdup_printf ("vm %u", i);
      g_autofree char *host = g_strdup_printf ("OpaqueRef:h%u", i % n_hosts);
      put (cache, "VM", ref, snap ("name_label", S (name), "power_state", S ("Running"),
                                   "resident_on", S (host), "name_description", S ("busy"),
                                   NULL));
    }
  t2 = g_get_monotonic_time ();
  lagoon_cache_end_batch (cache);
  t3 = g_get_monotonic_time ();
  g_test_message ("1000 VMs changing a field no view shows: view updated in %.1f ms",
                  (t3 - t2) / 1000.0);
  g_assert_cmpuint (count_nodes (view, "OpaqueRef:vm0"), ==, 1);
  g_assert_cmpstr (lagoon_view_node_get_ref (lagoon_view_node_get_parent (
                     only_node (view, "OpaqueRef:vm0"))), ==, "OpaqueRef:h7");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lagoon/views/infrastructure", test_infrastructure);
  g_test_add_func ("/lagoon/views/standalone-host", test_standalone_host);
  g_test_add_func ("/lagoon/views/incremental", test_incremental);
  g_test_add_func ("/lagoon/views/filter", test_filter);
  g_test_add_func ("/lagoon/views/objects", test_objects);
  g_test_add_func ("/lagoon/views/tags-folders-vapps", test_tags_folders_vapps);
  g_test_add_func ("/lagoon/views/random-updates", test_random_updates);
  g_test_add_func ("/lagoon/views/fixtures", test_fixtures);
  g_test_add_func ("/lagoon/views/repo-fixtures", test_repo_fixtures);
  g_test_add_func ("/lagoon/views/cli", test_cli);
  g_test_add_func ("/lagoon/views/measure", test_measure);

  return g_test_run ();
}
