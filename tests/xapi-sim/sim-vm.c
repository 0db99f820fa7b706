/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sim-vm.c: VM lifecycle, snapshots and vApps as xapi's state machine runs them.
 *
 * Every VM operation goes through vm_check(), which follows the order of xapi's
 * check_operation_error (blocked_operations, power state, concurrent operations, template,
 * snapshot, provision/revert targets, control domain, quiesce); allowed_operations is that
 * same check run over every operation xapi lists. Operations run by an Async task hold
 * current_operations (keyed by the task) for a while so others see OTHER_OPERATION_IN_PROGRESS.
 */
#define G_LOG_DOMAIN "xapi-sim"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lagoon-dbdump.h"

#include "sim-ops.h"

/* How long an Async VM operation keeps current_operations set (seconds, times --speed). */
#define VM_ASYNC_OP_SECONDS 0.25

/* ---- small helpers ----------------------------------------------------------------------- */

static const char *
power_state (SimObject *vm)
{
  return sim_object_get_string (vm, LAGOON_VM_POWER_STATE);
}

static gboolean
vm_flag (SimObject *vm,
         int        field)
{
  return g_variant_get_boolean (vm->fields[field]);
}

static int
field_of (LagoonClassId  id,
          const char    *name)
{
  return lagoon_schema_find_field (sim_class (id), name);
}

/* The refs of a set field, copied (the set may change while they are used). */
static GPtrArray *
refs_of (GVariant *set)
{
  GPtrArray *refs = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  GVariant *v;

  g_variant_iter_init (&iter, set);
  while ((v = g_variant_iter_next_value (&iter)))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (v);

      if (g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING))
        g_ptr_array_add (refs, g_strdup (g_variant_get_string (inner, NULL)));
      g_variant_unref (v);
    }
  return refs;
}

/* The string at @key of a map value, or NULL. */
static char *
map_dup (GVariant   *map,
         const char *key)
{
  g_autoptr(GVariant) v = g_variant_lookup_value (map, key, NULL);

  if (v == NULL)
    return NULL;
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (v);
      return g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING)
             ? g_strdup (g_variant_get_string (inner, NULL)) : NULL;
    }
  return g_variant_is_of_type (v, G_VARIANT_TYPE_STRING) ? g_strdup (g_variant_get_string (v, NULL))
                                                          : NULL;
}

/* A new map: @map without @key, plus @key = @value when @value is not NULL. */
static GVariant *
map_with (GVariant   *map,
          const char *key,
          const char *value)
{
  GVariantBuilder b;
  GVariantIter iter;
  const char *k;
  GVariant *v;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  g_variant_iter_init (&iter, map);
  while (g_variant_iter_next (&iter, "{&sv}", &k, &v))
    {
      if (!g_str_equal (k, key))
        g_variant_builder_add (&b, "{sv}", k, v);
      g_variant_unref (v);
    }
  if (value != NULL)
    g_variant_builder_add (&b, "{sv}", key, g_variant_new_string (value));
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

static GVariant *
vstr_take (char *s)
{
  return g_variant_ref_sink (g_variant_new_take_string (s));
}

static char *
new_opaque_ref (void)
{
  g_autofree char *uuid = sim_db_new_uuid ();

  return g_strconcat ("OpaqueRef:", uuid, NULL);
}

/* A copy of every field of @obj with a fresh uuid. */
static GVariant **
copy_fields (SimObject *obj)
{
  GVariant **fields = g_new0 (GVariant *, obj->klass->n_fields);
  int uf = lagoon_schema_find_field (obj->klass, "uuid");

  for (guint i = 0; i < obj->klass->n_fields; i++)
    fields[i] = g_variant_ref (obj->fields[i]);
  if (uf >= 0)
    {
      g_variant_unref (fields[uf]);
      fields[uf] = vstr_take (sim_db_new_uuid ());
    }
  return fields;
}

static void
put_field (GVariant **fields,
           int        f,
           GVariant  *value)
{
  if (f < 0)
    {
      g_variant_unref (value);
      return;
    }
  g_clear_pointer (&fields[f], g_variant_unref);
  fields[f] = value;
}

static void
clear_field (GVariant                **fields,
             const LagoonSchemaClass  *klass,
             const char               *name)
{
  int f = lagoon_schema_find_field (klass, name);

  if (f >= 0)
    put_field (fields, f, lagoon_schema_field_default (&klass->fields[f]));
}

static SimObject *
lookup (SimDb         *db,
        LagoonClassId  id,
        const char    *ref)
{
  return ref != NULL ? sim_db_lookup_class (db, sim_class (id), ref) : NULL;
}

/* The object @obj's ref field @field names, if it is a live @id. */
static SimObject *
follow (SimDb         *db,
        SimObject     *obj,
        int            field,
        LagoonClassId  id)
{
  return field >= 0 ? lookup (db, id, sim_object_get_string (obj, field)) : NULL;
}

/* ---- operations: xapi's checks ----------------------------------------------------------- */

enum { PS_HALTED = 1, PS_PAUSED = 2, PS_SUSPENDED = 4, PS_RUNNING = 8, PS_ALL = 15 };

typedef struct
{
  const char *op;
  guint       states;   /* the power states it needs (xapi_vm_lifecycle allowed_power_states) */
  gboolean    listed;   /* appears in allowed_operations (xapi's ignored_ops are not) */
} VmOp;

static const VmOp vm_ops[] = {
  { "snapshot", PS_ALL, TRUE },
  { "clone", PS_HALTED, TRUE },
  { "copy", PS_HALTED, TRUE },
  { "create_template", PS_HALTED | PS_SUSPENDED, FALSE },
  { "revert", PS_ALL, TRUE },
  { "checkpoint", PS_PAUSED | PS_SUSPENDED | PS_RUNNING, TRUE },
  { "snapshot_with_quiesce", PS_RUNNING, TRUE },
  { "provision", PS_HALTED, TRUE },
  { "start", PS_HALTED, TRUE },
  { "start_on", PS_HALTED, TRUE },
  { "pause", PS_RUNNING, TRUE },
  { "unpause", PS_PAUSED, TRUE },
  { "clean_shutdown", PS_RUNNING, TRUE },
  { "clean_reboot", PS_RUNNING, TRUE },
  { "hard_shutdown", PS_PAUSED | PS_SUSPENDED | PS_RUNNING, TRUE },
  { "power_state_reset", PS_ALL, FALSE },
  { "hard_reboot", PS_PAUSED | PS_RUNNING, TRUE },
  { "suspend", PS_RUNNING, TRUE },
  { "csvm", PS_SUSPENDED, FALSE },
  { "resume", PS_SUSPENDED, TRUE },
  { "resume_on", PS_SUSPENDED, TRUE },
  { "pool_migrate", PS_RUNNING, TRUE },
  { "migrate_send", PS_HALTED | PS_SUSPENDED | PS_RUNNING, TRUE },
  { "get_boot_record", PS_PAUSED | PS_SUSPENDED | PS_RUNNING, FALSE },
  { "send_sysrq", PS_RUNNING, FALSE },
  { "send_trigger", PS_RUNNING, FALSE },
  { "query_services", PS_ALL, FALSE },
  { "shutdown", PS_PAUSED | PS_SUSPENDED | PS_RUNNING, FALSE },
  { "call_plugin", PS_RUNNING, FALSE },
  { "changing_memory_live", PS_RUNNING, FALSE },
  { "awaiting_memory_live", PS_RUNNING, FALSE },
  { "changing_dynamic_range", PS_HALTED | PS_RUNNING, TRUE },
  { "changing_static_range", PS_HALTED, TRUE },
  { "changing_memory_limits", PS_HALTED, FALSE },
  { "changing_shadow_memory", PS_HALTED, TRUE },
  { "changing_shadow_memory_live", PS_RUNNING, FALSE },
  { "changing_VCPUs", PS_HALTED, FALSE },
  { "changing_VCPUs_live", PS_RUNNING, TRUE },
  { "changing_NVRAM", PS_HALTED, TRUE },
  { "assert_operation_valid", PS_ALL, FALSE },
  { "data_source_op", PS_RUNNING, FALSE },
  { "update_allowed_operations", PS_ALL, FALSE },
  { "make_into_template", PS_HALTED, TRUE },
  { "export", PS_HALTED | PS_SUSPENDED, TRUE },
  { "metadata_export", PS_ALL, TRUE },
  { "reverting", PS_ALL, FALSE },
  { "destroy", PS_HALTED | PS_SUSPENDED, TRUE },
};

static guint
state_bit (const char *state)
{
  if (g_str_equal (state, "Halted"))
    return PS_HALTED;
  if (g_str_equal (state, "Paused"))
    return PS_PAUSED;
  if (g_str_equal (state, "Suspended"))
    return PS_SUSPENDED;
  if (g_str_equal (state, "Running"))
    return PS_RUNNING;
  return 0;
}

static const VmOp *
find_op (const char *op)
{
  for (guint i = 0; i < G_N_ELEMENTS (vm_ops); i++)
    if (g_str_equal (vm_ops[i].op, op))
      return &vm_ops[i];
  return NULL;
}

static gboolean
op_in (const char        *op,
       const char *const *list)
{
  return g_strv_contains (list, op);
}

static void
set_error (GPtrArray  *err,
           const char *code,
           ...) G_GNUC_NULL_TERMINATED;

static void
set_error (GPtrArray  *err,
           const char *code,
           ...)
{
  va_list ap;
  const char *p;

  g_ptr_array_set_size (err, 0);
  g_ptr_array_add (err, g_strdup (code));
  va_start (ap, code);
  while ((p = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (err, g_strdup (p));
  va_end (ap);
}

/* xapi's is_allowed_concurrently: may @op start while @current (a{sv}) runs? */
static gboolean
allowed_concurrently (const char *op,
                      GVariant   *current)
{
  static const char *const long_copies[] = { "clone", "copy", "export", NULL };
  static const char *const snaps[] = { "snapshot", "checkpoint", NULL };
  static const char *const boot_record[] = { "get_boot_record", NULL };
  static const char *const *const groups[] = { long_copies, snaps, boot_record };
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  const char *k;
  GVariant *v;

  g_variant_iter_init (&iter, current);
  while (g_variant_iter_next (&iter, "{&sv}", &k, &v))
    {
      g_autoptr(GVariant) inner = g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT)
                                  ? g_variant_get_variant (v) : g_variant_ref (v);
      g_ptr_array_add (ops, g_strdup (g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING)
                                      ? g_variant_get_string (inner, NULL) : ""));
      g_variant_unref (v);
    }
  g_ptr_array_add (ops, NULL);

  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    {
      gboolean all = op_in (op, groups[g]);

      for (guint i = 0; all && ops->pdata[i] != NULL; i++)
        all = op_in (ops->pdata[i], groups[g]);
      if (all)
        return TRUE;
    }
  if (g_str_equal (op, "hard_shutdown"))
    return !g_strv_contains ((const char *const *) ops->pdata, "hard_shutdown");
  if (g_str_equal (op, "hard_reboot"))
    return !g_strv_contains ((const char *const *) ops->pdata, "hard_shutdown") &&
           !g_strv_contains ((const char *const *) ops->pdata, "hard_reboot");
  for (guint i = 0; ops->pdata[i] != NULL; i++)
    {
      const char *cur = ops->pdata[i];

      if ((g_str_equal (cur, "snapshot_with_quiesce") && g_str_equal (op, "snapshot")) ||
          (g_str_equal (cur, "migrate_send") &&
           (g_str_equal (op, "metadata_export") || g_str_equal (op, "clean_shutdown") ||
            g_str_equal (op, "clean_reboot"))))
        return TRUE;
    }
  return FALSE;
}

/*
 * xapi's check_operation_error for @op on @vm: TRUE when allowed, else FALSE with the error in
 * @err ([code, params...]). @strict for allowed_operations (advisory, stricter about what the
 * guest must do), not for calls.
 */
/* VM_guest_metrics.other[@feature] = "1" (the guest agent's feature flags). */
static gboolean
has_feature (SimObject  *gm,
             const char *feature)
{
  g_autofree char *v = gm != NULL ? map_dup (gm->fields[LAGOON_VM_GUEST_METRICS_OTHER], feature)
                                  : NULL;

  return g_strcmp0 (v, "1") == 0;
}

/* Xapi_pv_driver_version: known unless PV_drivers_version lacks a numeric major or minor. */
static gboolean
has_pv_drivers (SimObject *gm)
{
  static const char *const keys[] = { "major", "minor" };

  if (gm == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *v = map_dup (gm->fields[LAGOON_VM_GUEST_METRICS_PV_DRIVERS_VERSION],
                                    keys[i]);
      char *end = NULL;

      if (v == NULL || *v == '\0')
        return FALSE;
      g_ascii_strtoll (v, &end, 10);
      if (*end != '\0')
        return FALSE;
    }
  return TRUE;
}

/*
 * xapi's check_op_for_feature: a live HVM guest without PV drivers needs the guest agent's
 * feature flags for clean shutdown/reboot (strict: allowed_operations only), suspend and
 * migration (strict), VCPU hot-plug (always); data-cant-suspend-reason always forbids suspend.
 */
static gboolean
check_feature (SimDb      *db,
               SimObject  *vm,
               const char *op,
               gboolean    strict,
               GPtrArray  *err)
{
  const char *state = power_state (vm);
  gboolean live = g_str_equal (state, "Running") || g_str_equal (state, "Paused");
  SimObject *m = db != NULL ? follow (db, vm, LAGOON_VM_METRICS, LAGOON_CLASS_VM_METRICS) : NULL;
  SimObject *gm = db != NULL ? follow (db, vm, LAGOON_VM_GUEST_METRICS,
                                       LAGOON_CLASS_VM_GUEST_METRICS) : NULL;
  const char *booted = m != NULL ? sim_object_get_string (m, LAGOON_VM_METRICS_CURRENT_DOMAIN_TYPE)
                                 : "";
  gboolean implicit = !live || g_str_equal (booted, "pv") || g_str_equal (booted, "pvh") ||
                      g_str_equal (booted, "pv_in_pvh") || has_pv_drivers (gm);
  gboolean lacks = FALSE;

  if (live && (g_str_equal (op, "suspend") || g_str_equal (op, "checkpoint") ||
               g_str_equal (op, "pool_migrate") || g_str_equal (op, "migrate_send")))
    {
      g_autofree char *reason = gm != NULL ? map_dup (gm->fields[LAGOON_VM_GUEST_METRICS_OTHER],
                                                      "data-cant-suspend-reason") : NULL;
      if (reason != NULL)
        {
          set_error (err, "VM_NON_SUSPENDABLE", vm->ref, reason, NULL);
          return FALSE;
        }
      lacks = !implicit && strict && !has_feature (gm, "feature-suspend");
    }
  else if (implicit)
    return TRUE;
  else if (g_str_equal (op, "clean_shutdown"))
    lacks = strict && !has_feature (gm, "feature-shutdown") &&
            !has_feature (gm, "feature-poweroff");
  else if (g_str_equal (op, "clean_reboot"))
    lacks = strict && !has_feature (gm, "feature-shutdown") && !has_feature (gm, "feature-reboot");
  else if (g_str_equal (op, "changing_VCPUs_live"))
    lacks = !has_feature (gm, "feature-vcpu-hotplug");
  if (lacks)
    {
      set_error (err, "VM_LACKS_FEATURE", vm->ref, NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean
vm_check (SimDb      *db,
          SimObject  *vm,
          const char *op,
          gboolean    strict,
          GPtrArray  *err)
{
  static const char *const template_ops[] = {
    "changing_dynamic_range", "changing_static_range", "changing_memory_limits",
    "changing_shadow_memory", "changing_VCPUs", "changing_NVRAM", "clone", "copy", "export",
    "metadata_export", "provision", NULL,
  };
  static const char *const snapshot_ops[] = {
    "revert", "clone", "copy", "export", "destroy", "hard_shutdown", "metadata_export", NULL,
  };
  static const char *const control_domain_ops[] = {
    "data_source_op", "changing_memory_live", "awaiting_memory_live", "metadata_export",
    "changing_dynamic_range", "changing_memory_limits", "changing_static_range", "start",
    "start_on", "changing_VCPUs", "destroy", NULL,
  };
  const VmOp *info = find_op (op);
  const char *state = power_state (vm);
  gboolean is_template = vm_flag (vm, LAGOON_VM_IS_A_TEMPLATE);
  gboolean is_snapshot = vm_flag (vm, LAGOON_VM_IS_A_SNAPSHOT);
  GVariant *current = vm->fields[LAGOON_VM_CURRENT_OPERATIONS];
  g_autofree char *blocked = map_dup (vm->fields[LAGOON_VM_BLOCKED_OPERATIONS], op);
  guint states;

  if (blocked != NULL)
    {
      set_error (err, "OPERATION_BLOCKED", vm->ref, blocked, NULL);
      return FALSE;
    }

  states = info != NULL ? info->states : 0;
  if ((g_str_equal (op, "clone") || g_str_equal (op, "copy")) && is_snapshot)
    states |= PS_SUSPENDED;
  if (vm_flag (vm, LAGOON_VM_IS_CONTROL_DOMAIN) &&
      (g_str_equal (op, "changing_VCPUs") || g_str_equal (op, "changing_static_range") ||
       g_str_equal (op, "changing_memory_limits")))
    states |= PS_RUNNING;
  if (!(states & state_bit (state)))
    {
      g_autoptr(GString) expected = g_string_new (NULL);
      static const char *const names[] = { "halted", "paused", "suspended", "running" };

      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        if (states & (1u << i))
          g_string_append_printf (expected, "%s%s", expected->len > 0 ? ", " : "", names[i]);
      {
        g_autofree char *actual = g_ascii_strdown (state, -1);
        set_error (err, "VM_BAD_POWER_STATE", vm->ref, expected->str, actual, NULL);
      }
      return FALSE;
    }

  if (g_variant_n_children (current) > 0 && !allowed_concurrently (op, current))
    {
      g_autoptr(GString) refs = g_string_new (NULL);
      g_autoptr(GString) ops = g_string_new (NULL);
      guint n = (guint) g_variant_n_children (current);
      GVariantIter iter;
      const char *k;
      GVariant *v;

      g_variant_iter_init (&iter, current);
      while (g_variant_iter_next (&iter, "{&sv}", &k, &v))
        {
          g_autoptr(GVariant) inner = g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT)
                                      ? g_variant_get_variant (v) : g_variant_ref (v);
          g_string_append_printf (refs, "%s%s", refs->len > 0 ? "," : "", k);
          g_string_append_printf (ops, "%s%s", ops->len > 0 ? "," : "",
                                  g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING)
                                  ? g_variant_get_string (inner, NULL) : "");
          g_variant_unref (v);
        }
      if (n > 1)
        {
          g_string_prepend_c (refs, '{');
          g_string_append_c (refs, '}');
          g_string_prepend_c (ops, '{');
          g_string_append_c (ops, '}');
        }
      set_error (err, "OTHER_OPERATION_IN_PROGRESS", "VM", vm->ref, ops->str, refs->str, NULL);
      return FALSE;
    }

  if (is_template && !is_snapshot)
    {
      g_autofree char *default_key = map_dup (vm->fields[LAGOON_VM_OTHER_CONFIG],
                                              "default_template");
      gboolean is_default = vm_flag (vm, LAGOON_VM_IS_DEFAULT_TEMPLATE) ||
                            g_strcmp0 (default_key, "true") == 0;

      if (!op_in (op, template_ops) &&
          !((g_str_equal (op, "destroy") || g_str_equal (op, "migrate_send")) && !is_default))
        {
          set_error (err, "VM_IS_TEMPLATE", vm->ref, op, NULL);
          return FALSE;
        }
    }
  if (is_snapshot && !op_in (op, snapshot_ops))
    {
      set_error (err, "VM_IS_SNAPSHOT", vm->ref, op, NULL);
      return FALSE;
    }
  if (g_str_equal (op, "provision") && !is_template)
    {
      set_error (err, "PROVISION_ONLY_ALLOWED_ON_TEMPLATE", NULL);
      return FALSE;
    }
  if (g_str_equal (op, "revert") && !is_snapshot)
    {
      set_error (err, "REVERT_ONLY_ALLOWED_ON_SNAPSHOT", NULL);
      return FALSE;
    }
  if (vm_flag (vm, LAGOON_VM_IS_CONTROL_DOMAIN) && !op_in (op, control_domain_ops))
    {
      set_error (err, "OPERATION_NOT_ALLOWED", "This operation is not allowed on a control domain",
                 NULL);
      return FALSE;
    }
  if (!check_feature (db, vm, op, strict, err))
    return FALSE;
  if (g_str_equal (op, "snapshot_with_quiesce"))
    {
      /* VSS support is gone from xapi: this always fails once the power state is right. */
      set_error (err, "VM_SNAPSHOT_WITH_QUIESCE_NOT_SUPPORTED", vm->ref, NULL);
      return FALSE;
    }
  if ((g_str_equal (op, "suspend") || g_str_equal (op, "checkpoint") ||
       g_str_equal (op, "pool_migrate") || g_str_equal (op, "migrate_send")) &&
      g_variant_n_children (vm->fields[LAGOON_VM_ATTACHED_PCIS]) > 0)
    {
      set_error (err, "VM_HAS_PCI_ATTACHED", vm->ref, NULL);
      return FALSE;
    }
  return TRUE;
}

/* xapi's update_allowed_operations: every listed operation vm_check allows. */
static void
vm_update_allowed_operations (SimDb     *db,
                              SimObject *vm)
{
  const LagoonSchemaEnum *e = lagoon_schema_find_enum ("vm_operations");
  g_autoptr(GPtrArray) err = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) allowed = g_ptr_array_new ();
  GVariant *v;

  for (guint i = 0; i < G_N_ELEMENTS (vm_ops); i++)
    {
      if (!vm_ops[i].listed || (e != NULL && lagoon_schema_enum_index (e, vm_ops[i].op) < 0))
        continue;
      if (vm_check (db, vm, vm_ops[i].op, TRUE, err))
        g_ptr_array_add (allowed, (gpointer) vm_ops[i].op);
    }
  v = sim_vstrv ((const char *const *) allowed->pdata, allowed->len);
  if (!g_variant_equal (v, vm->fields[LAGOON_VM_ALLOWED_OPERATIONS]))
    sim_db_set (db, vm, LAGOON_VM_ALLOWED_OPERATIONS, v);
  else
    g_variant_unref (v);
}

static gboolean
vm_check_call (SimCall    *call,
               SimObject  *vm,
               const char *op)
{
  g_autoptr(GPtrArray) err = g_ptr_array_new_with_free_func (g_free);

  if (vm_check (sim_server_get_db (call->server), vm, op, FALSE, err))
    return TRUE;
  g_ptr_array_set_size (call->error, 0);
  for (guint i = 0; i < err->len; i++)
    g_ptr_array_add (call->error, g_strdup (g_ptr_array_index (err, i)));
  return FALSE;
}

/* The VM in argument 1 with @op allowed on it, or NULL with the error set. */
static SimObject *
vm_for_operation (SimCall    *call,
                  const char *op)
{
  SimObject *vm = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VM));

  if (vm == NULL || !vm_check_call (call, vm, op))
    return NULL;
  return vm;
}

/*
 * The Async task running this call, if any: a pending task named Async.<wire name> whose ref
 * no VM holds in current_operations yet (the oldest such).
 */
static char *
running_task (SimCall *call)
{
  SimDb *db = sim_server_get_db (call->server);
  g_autofree char *label = g_strconcat ("Async.", call->wire_name, NULL);
  GQueue *tasks = sim_db_class_objects (db, sim_class (LAGOON_CLASS_TASK));
  GQueue *vms = sim_db_class_objects (db, sim_class (LAGOON_CLASS_VM));

  for (GList *l = tasks->head; l != NULL; l = l->next)
    {
      SimObject *task = l->data;
      gboolean taken = FALSE;

      if (!g_str_equal (sim_object_get_string (task, LAGOON_TASK_STATUS), "pending") ||
          !g_str_equal (sim_object_get_string (task, LAGOON_TASK_NAME_LABEL), label))
        continue;
      for (GList *m = vms->head; m != NULL && !taken; m = m->next)
        {
          SimObject *vm = m->data;
          g_autoptr(GVariant) v = g_variant_lookup_value (vm->fields[LAGOON_VM_CURRENT_OPERATIONS],
                                                          task->ref, NULL);
          taken = v != NULL;
        }
      if (!taken)
        return g_strdup (task->ref);
    }
  return NULL;
}

/* Adds @op to current_operations under @key. */
static void
vm_op_add (SimDb      *db,
           SimObject  *vm,
           const char *key,
           const char *op)
{
  sim_db_set (db, vm, LAGOON_VM_CURRENT_OPERATIONS,
              map_with (vm->fields[LAGOON_VM_CURRENT_OPERATIONS], key, op));
  vm_update_allowed_operations (db, vm);
}

static void
vm_op_remove (SimDb      *db,
              const char *vm_ref,
              const char *key)
{
  SimObject *vm = lookup (db, LAGOON_CLASS_VM, vm_ref);

  if (vm == NULL)
    return;
  sim_db_set (db, vm, LAGOON_VM_CURRENT_OPERATIONS,
              map_with (vm->fields[LAGOON_VM_CURRENT_OPERATIONS], key, NULL));
  vm_update_allowed_operations (db, vm);
}

typedef gboolean (*VmOpFunc) (SimCall   *call,
                              SimObject *vm);

/*
 * Runs @func for the VM in argument 1 under @op: checked, then held in current_operations
 * while it runs. An Async call keeps it there VM_ASYNC_OP_SECONDS (times --speed) first.
 */
static gboolean
vm_run (SimCall    *call,
        const char *op,
        VmOpFunc    func)
{
  SimDb *db = sim_server_get_db (call->server);
  SimObject *vm = vm_for_operation (call, op);
  g_autofree char *vm_ref = NULL;
  g_autofree char *task = NULL;
  g_autofree char *key = NULL;
  gboolean ok;

  if (vm == NULL)
    return FALSE;
  vm_ref = g_strdup (vm->ref);
  task = running_task (call);
  key = task != NULL ? g_strdup (task) : new_opaque_ref ();
  vm_op_add (db, vm, key, op);
  if (task != NULL)
    {
      sim_wait_unlocked (call->server, VM_ASYNC_OP_SECONDS);
      vm = lookup (db, LAGOON_CLASS_VM, vm_ref);
      if (vm == NULL)
        {
          sim_fail (call, "HANDLE_INVALID", "VM", vm_ref, NULL);
          return FALSE;
        }
    }
  ok = func (call, vm);
  vm_op_remove (db, vm_ref, key);
  return ok;
}

/* ---- hosts and memory -------------------------------------------------------------------- */

static SimObject *
host_metrics_of (SimDb     *db,
                 SimObject *host)
{
  return follow (db, host, LAGOON_HOST_METRICS, LAGOON_CLASS_HOST_METRICS);
}

/*
 * xapi's memory model (xapi-idl memory.ml, memory_check.ml), in MiB: a domain needs its target
 * plus an overhead of extra pages, shadow memory (vCPU pages + p2m + shadow-resident pages,
 * times the shadow multiplier), per-vCPU Xen pages and, for PV-in-PVH, the shim.
 */
#define MIB G_GINT64_CONSTANT (1048576)

static gint64
mib_of_bytes_used (gint64 bytes)
{
  return bytes <= 0 ? 0 : (bytes - 1) / MIB + 1;
}

static gint64
mib_of_pages_used (gint64 pages)
{
  return pages <= 0 ? 0 : (pages - 1) / 256 + 1;
}

/* The domain type the VM boots as (derive_domain_type for "unspecified"). */
static const char *
vm_domain_type (SimObject *vm)
{
  const char *type = sim_object_get_string (vm, LAGOON_VM_DOMAIN_TYPE);

  if (*type == '\0' || g_str_equal (type, "unspecified"))
    return *sim_object_get_string (vm, LAGOON_VM_HVM_BOOT_POLICY) != '\0' ? "hvm" : "pv";
  return type;
}

static gint64
overhead_mib (const char *type,
              gint64      static_max_mib,
              gint64      vcpus,
              double      multiplier)
{
  gboolean pv = g_str_equal (type, "pv");
  gboolean shim = g_str_equal (type, "pv_in_pvh");
  gint64 shadow = mib_of_pages_used (256 * vcpus + 2 * static_max_mib);

  shadow = MAX ((gint64) ((double) shadow * multiplier), 1);
  return (pv ? 0 : 1) + 1 + shadow + mib_of_pages_used (38 * vcpus) +
         (shim ? 23 + static_max_mib / 90 : 0);
}

static double
vm_shadow_multiplier (SimObject *vm)
{
  double m = g_variant_get_double (vm->fields[LAGOON_VM_HVM_SHADOW_MULTIPLIER]);

  return m > 0 && m < 1000 ? m : 1.0;
}

/* xapi's vm_compute_memory_overhead, in bytes (VM.memory_overhead). */
static gint64
vm_compute_overhead (SimObject *vm)
{
  gint64 vcpus = CLAMP (sim_object_get_int (vm, LAGOON_VM_VCPUS_MAX), 0, 4096);
  gint64 smax = mib_of_bytes_used (MIN (sim_object_get_int (vm, LAGOON_VM_MEMORY_STATIC_MAX),
                                        G_GINT64_CONSTANT (1) << 50));

  return overhead_mib (vm_domain_type (vm), smax, vcpus, vm_shadow_multiplier (vm)) * MIB;
}

/* xapi's update_memory_overhead, run before starts and after memory or VCPU changes. */
static void
vm_update_memory_overhead (SimDb     *db,
                           SimObject *vm)
{
  gint64 overhead = vm_compute_overhead (vm);

  if (sim_object_get_int (vm, LAGOON_VM_MEMORY_OVERHEAD) != overhead)
    sim_db_set (db, vm, LAGOON_VM_MEMORY_OVERHEAD, sim_vint (overhead));
}

/*
 * What a VM needs to start (vm_compute_start_memory): the footprint of its dynamic_min
 * (static_max for PV-in-PVH) with the overhead of its static_max and VCPUs_max; a PV guest's
 * shadow multiplier is 1.
 */
static gint64
vm_start_memory (SimObject *vm)
{
  const char *type = vm_domain_type (vm);
  gint64 limit = G_GINT64_CONSTANT (1) << 50;
  gint64 smax_bytes = sim_object_get_int (vm, LAGOON_VM_MEMORY_STATIC_MAX);
  gint64 target = g_str_equal (type, "pv_in_pvh")
                  ? smax_bytes : sim_object_get_int (vm, LAGOON_VM_MEMORY_DYNAMIC_MIN);
  gint64 smax = mib_of_bytes_used (MIN (smax_bytes, limit));
  gint64 vcpus = CLAMP (sim_object_get_int (vm, LAGOON_VM_VCPUS_MAX), 0, 4096);
  double multiplier = g_str_equal (type, "pv") ? 1.0 : vm_shadow_multiplier (vm);

  return (mib_of_bytes_used (MIN (target, limit)) + overhead_mib (type, smax, vcpus, multiplier)) *
         MIB;
}

/* What a resident VM holds (vm_compute_used_memory, Dynamic_min): dynamic_min + overhead. */
static gint64
vm_used_memory (SimObject *vm)
{
  return MAX (sim_object_get_int (vm, LAGOON_VM_MEMORY_DYNAMIC_MIN), 0) +
         MAX (sim_object_get_int (vm, LAGOON_VM_MEMORY_OVERHEAD), 0);
}

/*
 * What the VMs on each host hold in xapi's view (dynamic_min + overhead of the VMs resident or
 * scheduled there), from one pass over the VMs (resident_on, not the hosts' resident_VMs, which
 * hand-written dumps may leave out), kept until the database changes: placement asks for every
 * host in turn and a pool has thousands of VMs. Guarded by the database lock.
 */
typedef struct
{
  gint64 used;
} HostUsage;

static struct
{
  SimDb      *db;
  gint64      generation;
  GHashTable *hosts;   /* host ref -> HostUsage */
} usage_cache;

static HostUsage *
usage_entry (const char *host_ref)
{
  HostUsage *u = g_hash_table_lookup (usage_cache.hosts, host_ref);

  if (u == NULL)
    {
      u = g_new0 (HostUsage, 1);
      g_hash_table_insert (usage_cache.hosts, g_strdup (host_ref), u);
    }
  return u;
}

static const HostUsage *
host_usage (SimDb      *db,
            const char *host_ref)
{
  static const HostUsage none = { 0 };
  const HostUsage *u;

  if (usage_cache.hosts == NULL || usage_cache.db != db || usage_cache.generation != db->generation)
    {
      int scheduled = field_of (LAGOON_CLASS_VM, "scheduled_to_be_resident_on");
      GQueue *vms = sim_db_class_objects (db, sim_class (LAGOON_CLASS_VM));

      if (usage_cache.hosts == NULL)
        usage_cache.hosts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_remove_all (usage_cache.hosts);
      usage_cache.db = db;
      usage_cache.generation = db->generation;
      for (GList *l = vms->head; l != NULL; l = l->next)
        {
          SimObject *vm = l->data;
          const char *resident = sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON);
          const char *sched = scheduled >= 0 ? sim_object_get_string (vm, scheduled) : "";

          if (!g_str_equal (resident, LAGOON_NULL_REF) && *resident != '\0')
            usage_entry (resident)->used += vm_used_memory (vm);
          if (!g_str_equal (sched, LAGOON_NULL_REF) && *sched != '\0' &&
              !g_str_equal (sched, resident))
            usage_entry (sched)->used += vm_used_memory (vm);
        }
    }
  u = g_hash_table_lookup (usage_cache.hosts, host_ref);
  return u != NULL ? u : &none;
}

/*
 * xapi's host_compute_free_memory_with_maximum_compression: memory_total minus the host's
 * memory_overhead minus what every VM resident on (or scheduled to) the host holds, floored at
 * 0. -1 when the host has no metrics (unknown: no check).
 */
static gint64
host_free_memory (SimDb     *db,
                  SimObject *host)
{
  SimObject *metrics = host_metrics_of (db, host);

  if (metrics == NULL)
    return -1;
  return MAX (sim_object_get_int (metrics, LAGOON_HOST_METRICS_MEMORY_TOTAL) -
              MAX (sim_object_get_int (host, LAGOON_HOST_MEMORY_OVERHEAD), 0) -
              host_usage (db, host->ref)->used, 0);
}

/*
 * host_metrics.memory_free as the host would report it: total - overhead - what its guests
 * have (VM_metrics memory_actual + overhead), over the host's resident_VMs.
 */
static void
host_update_memory_free (SimDb      *db,
                         const char *host_ref)
{
  SimObject *host = lookup (db, LAGOON_CLASS_HOST, host_ref);
  g_autoptr(GPtrArray) residents = NULL;
  SimObject *metrics;
  gint64 free_mem;

  if (host == NULL || (metrics = host_metrics_of (db, host)) == NULL)
    return;
  free_mem = sim_object_get_int (metrics, LAGOON_HOST_METRICS_MEMORY_TOTAL) -
             MAX (sim_object_get_int (host, LAGOON_HOST_MEMORY_OVERHEAD), 0);
  residents = refs_of (host->fields[LAGOON_HOST_RESIDENT_VMS]);
  for (guint i = 0; i < residents->len; i++)
    {
      SimObject *vm = lookup (db, LAGOON_CLASS_VM, residents->pdata[i]);
      SimObject *m;
      gint64 actual;

      if (vm == NULL)
        continue;
      m = follow (db, vm, LAGOON_VM_METRICS, LAGOON_CLASS_VM_METRICS);
      actual = m != NULL ? sim_object_get_int (m, LAGOON_VM_METRICS_MEMORY_ACTUAL)
                         : sim_object_get_int (vm, LAGOON_VM_MEMORY_DYNAMIC_MAX);
      free_mem -= MAX (actual, 0) + MAX (sim_object_get_int (vm, LAGOON_VM_MEMORY_OVERHEAD), 0);
    }
  free_mem = MAX (free_mem, 0);
  if (sim_object_get_int (metrics, LAGOON_HOST_METRICS_MEMORY_FREE) != free_mem)
    sim_db_set (db, metrics, LAGOON_HOST_METRICS_MEMORY_FREE, sim_vint (free_mem));
}

/*
 * xapi's assert_can_see_SRs: the SR of every non-empty VBD's disk (and of the suspend image of
 * a suspended VM) must have a plugged PBD on @host. An SR without any PBD (hand-written dumps)
 * is taken as visible everywhere. The first SR missing, or NULL.
 */
/* A plugged PBD of @sr on @host (an SR without any PBD counts as visible everywhere). */
static gboolean
sr_visible (SimDb     *db,
            SimObject *sr,
            SimObject *host)
{
  g_autoptr(GPtrArray) pbds = refs_of (sr->fields[LAGOON_SR_PBDS]);

  if (pbds->len == 0)
    return TRUE;
  for (guint p = 0; p < pbds->len; p++)
    {
      SimObject *pbd = lookup (db, LAGOON_CLASS_PBD, pbds->pdata[p]);

      if (pbd != NULL && g_str_equal (sim_object_get_string (pbd, LAGOON_PBD_HOST), host->ref) &&
          g_variant_get_boolean (pbd->fields[LAGOON_PBD_CURRENTLY_ATTACHED]))
        return TRUE;
    }
  return FALSE;
}

static const char *
missing_sr (SimDb     *db,
            SimObject *vm,
            SimObject *host)
{
  g_autoptr(GPtrArray) vbds = refs_of (vm->fields[LAGOON_VM_VBDS]);
  g_autoptr(GPtrArray) vdis = g_ptr_array_new ();

  for (guint i = 0; i < vbds->len; i++)
    {
      SimObject *vbd = lookup (db, LAGOON_CLASS_VBD, vbds->pdata[i]);
      SimObject *vdi;

      if (vbd == NULL || g_variant_get_boolean (vbd->fields[LAGOON_VBD_EMPTY]))
        continue;
      if ((vdi = follow (db, vbd, LAGOON_VBD_VDI, LAGOON_CLASS_VDI)) != NULL)
        g_ptr_array_add (vdis, vdi);
    }
  if (g_str_equal (power_state (vm), "Suspended"))
    {
      SimObject *image = follow (db, vm, LAGOON_VM_SUSPEND_VDI, LAGOON_CLASS_VDI);

      if (image != NULL)
        g_ptr_array_add (vdis, image);
    }
  for (guint i = 0; i < vdis->len; i++)
    {
      SimObject *sr = follow (db, vdis->pdata[i], LAGOON_VDI_SR, LAGOON_CLASS_SR);

      if (sr != NULL && !sr_visible (db, sr, host))
        return sr->ref;
    }
  return NULL;
}

/*
 * xapi's assert_can_see_named_networks: a network with PIFs must have one on @host; one
 * without (internal) is fine when other_config:assume_network_is_shared=true or it is not
 * managed, else it is pinned to the hosts its running VMs are on. The first network missing,
 * or NULL.
 */
static const char *
missing_network (SimDb     *db,
                 SimObject *vm,
                 SimObject *host)
{
  g_autoptr(GPtrArray) vifs = refs_of (vm->fields[LAGOON_VM_VIFS]);

  for (guint i = 0; i < vifs->len; i++)
    {
      SimObject *vif = lookup (db, LAGOON_CLASS_VIF, vifs->pdata[i]);
      SimObject *net = vif != NULL
                       ? follow (db, vif, LAGOON_VIF_NETWORK, LAGOON_CLASS_NETWORK) : NULL;
      g_autoptr(GPtrArray) pifs = NULL;
      g_autofree char *shared = NULL;
      gboolean seen = FALSE;

      if (net == NULL)
        continue;
      pifs = refs_of (net->fields[LAGOON_NETWORK_PIFS]);
      if (pifs->len > 0)
        {
          for (guint p = 0; p < pifs->len && !seen; p++)
            {
              SimObject *pif = lookup (db, LAGOON_CLASS_PIF, pifs->pdata[p]);

              seen = pif != NULL && g_str_equal (sim_object_get_string (pif, LAGOON_PIF_HOST),
                                                 host->ref);
            }
        }
      else
        {
          g_autoptr(GPtrArray) users = refs_of (net->fields[LAGOON_NETWORK_VIFS]);
          gboolean pinned = FALSE;

          shared = map_dup (net->fields[LAGOON_NETWORK_OTHER_CONFIG], "assume_network_is_shared");
          seen = g_strcmp0 (shared, "true") == 0 ||
                 !g_variant_get_boolean (net->fields[LAGOON_NETWORK_MANAGED]);
          for (guint u = 0; u < users->len && !seen; u++)
            {
              SimObject *other = lookup (db, LAGOON_CLASS_VIF, users->pdata[u]);
              SimObject *owner = other != NULL ? follow (db, other, LAGOON_VIF_VM, LAGOON_CLASS_VM)
                                               : NULL;

              if (owner == NULL || !g_str_equal (power_state (owner), "Running"))
                continue;
              pinned = TRUE;
              seen = g_str_equal (sim_object_get_string (owner, LAGOON_VM_RESIDENT_ON), host->ref);
            }
          seen = seen || !pinned;
        }
      if (!seen)
        return net->ref;
    }
  return NULL;
}

/*
 * xapi's assert_can_boot_here, the parts the simulator models: the host is live, enabled
 * (unless the VM is a control domain or already runs there), sees the VM's SRs
 * (VM_REQUIRES_SR [vm, sr]) and has the memory. A host without
 * host_metrics counts as live and enabled with unknown memory (no check).
 */
static gboolean
can_boot_here (SimDb      *db,
               SimObject  *vm,
               SimObject  *host,
               gboolean    check_memory,
               GPtrArray  *err)
{
  SimObject *metrics = host_metrics_of (db, host);
  gboolean local = g_str_equal (power_state (vm), "Running") &&
                   g_str_equal (sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON), host->ref);
  const char *sr;
  gint64 free_mem;

  if (metrics != NULL && !g_variant_get_boolean (metrics->fields[LAGOON_HOST_METRICS_LIVE]))
    {
      set_error (err, "HOST_NOT_LIVE", NULL);
      return FALSE;
    }
  /* A host record without metrics is a sketch (hand-written test dumps leave `enabled` out):
   * only complete hosts are held to their enabled flag. */
  if (metrics != NULL && !vm_flag (vm, LAGOON_VM_IS_CONTROL_DOMAIN) && !local &&
      !g_variant_get_boolean (host->fields[LAGOON_HOST_ENABLED]))
    {
      set_error (err, "HOST_DISABLED", host->ref, NULL);
      return FALSE;
    }
  if ((sr = missing_sr (db, vm, host)) != NULL)
    {
      set_error (err, "VM_REQUIRES_SR", vm->ref, sr, NULL);
      return FALSE;
    }
  if ((sr = missing_network (db, vm, host)) != NULL)
    {
      set_error (err, "VM_REQUIRES_NETWORK", vm->ref, sr, NULL);
      return FALSE;
    }
  if (check_memory && (free_mem = host_free_memory (db, host)) >= 0 &&
      free_mem < vm_start_memory (vm))
    {
      g_autofree char *needed = g_strdup_printf ("%" G_GINT64_FORMAT, vm_start_memory (vm));
      g_autofree char *available = g_strdup_printf ("%" G_GINT64_FORMAT, free_mem);

      set_error (err, "HOST_NOT_ENOUGH_FREE_MEMORY", needed, available, NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean
fail_with (SimCall   *call,
           GPtrArray *err)
{
  g_ptr_array_set_size (call->error, 0);
  for (guint i = 0; i < err->len; i++)
    g_ptr_array_add (call->error, g_strdup (g_ptr_array_index (err, i)));
  return FALSE;
}

/*
 * xapi's choose_host_for_vm without WLB: the affinity host when the VM can boot there, else
 * the coordinator, else the other hosts in order; when none has the memory, the first that
 * passes the other checks is chosen and the memory check fails there (as xapi retries without
 * memory checks, then fails in the start); no candidate at all: NO_HOSTS_AVAILABLE.
 */
static SimObject *
choose_host (SimCall   *call,
             SimObject *vm)
{
  SimDb *db = sim_server_get_db (call->server);
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  g_autoptr(GPtrArray) err = g_ptr_array_new_with_free_func (g_free);
  SimObject *affinity = follow (db, vm, LAGOON_VM_AFFINITY, LAGOON_CLASS_HOST);
  SimObject *master = lookup (db, LAGOON_CLASS_HOST, sim_master_ref (call->server));
  GQueue *hosts = sim_db_class_objects (db, sim_class (LAGOON_CLASS_HOST));

  if (affinity != NULL)
    g_ptr_array_add (order, affinity);
  if (master != NULL && master != affinity)
    g_ptr_array_add (order, master);
  for (GList *l = hosts->head; l != NULL; l = l->next)
    if (l->data != affinity && l->data != master)
      g_ptr_array_add (order, l->data);

  for (guint i = 0; i < order->len; i++)
    if (can_boot_here (db, vm, order->pdata[i], TRUE, err))
      return order->pdata[i];
  for (guint i = 0; i < order->len; i++)
    if (can_boot_here (db, vm, order->pdata[i], FALSE, err))
      {
        can_boot_here (db, vm, order->pdata[i], TRUE, err);
        return fail_with (call, err), NULL;
      }
  sim_fail (call, "NO_HOSTS_AVAILABLE", NULL);
  return NULL;
}

/* ---- domains ----------------------------------------------------------------------------- */

static void
vm_set_devices_attached (SimDb     *db,
                         SimObject *vm,
                         gboolean   attached)
{
  const int lists[][3] = { { LAGOON_VM_VBDS, LAGOON_CLASS_VBD, LAGOON_VBD_CURRENTLY_ATTACHED },
                           { LAGOON_VM_VIFS, LAGOON_CLASS_VIF, LAGOON_VIF_CURRENTLY_ATTACHED } };

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      g_autoptr(GPtrArray) refs = refs_of (vm->fields[lists[i][0]]);

      for (guint r = 0; r < refs->len; r++)
        {
          SimObject *dev = lookup (db, lists[i][1], refs->pdata[r]);

          /* Empty CD drives too: the drive is there, without a disc. */
          if (dev != NULL && g_variant_get_boolean (dev->fields[lists[i][2]]) != attached)
            sim_db_set (db, dev, lists[i][2], sim_vbool (attached));
        }
    }
}

/* The VM's consoles go with its domain (VM.consoles, kept in step with console.VM). */
static void
vm_destroy_consoles (SimDb     *db,
                     SimObject *vm)
{
  g_autoptr(GPtrArray) consoles = refs_of (vm->fields[LAGOON_VM_CONSOLES]);

  for (guint i = 0; i < consoles->len; i++)
    {
      SimObject *console = lookup (db, LAGOON_CLASS_CONSOLE, consoles->pdata[i]);

      if (console != NULL &&
          g_str_equal (sim_object_get_string (console, LAGOON_CONSOLE_VM), vm->ref))
        sim_db_delete (db, console);
    }
}

/* The rfb console of a running guest, on its resident host's address. */
static void
vm_create_console (SimServer  *server,
                   SimObject  *vm,
                   const char *host_ref)
{
  SimDb *db = sim_server_get_db (server);
  const LagoonSchemaClass *console_class = sim_class (LAGOON_CLASS_CONSOLE);
  SimObject *host = lookup (db, LAGOON_CLASS_HOST, host_ref);
  g_autofree GVariant **fields = g_new0 (GVariant *, console_class->n_fields);
  g_autofree char *uuid = sim_db_new_uuid ();
  g_autofree char *location = NULL;

  location = g_strdup_printf ("http://%s:%u/console?uuid=%s",
                              host != NULL ? sim_object_get_string (host, LAGOON_HOST_ADDRESS)
                                           : sim_master_address (server),
                              sim_server_get_port (server), uuid);
  fields[LAGOON_CONSOLE_UUID] = sim_vstr (uuid);
  fields[LAGOON_CONSOLE_PROTOCOL] = sim_vstr ("rfb");
  fields[LAGOON_CONSOLE_LOCATION] = sim_vstr (location);
  fields[LAGOON_CONSOLE_VM] = sim_vstr (vm->ref);
  sim_db_insert (db, console_class, NULL, fields, FALSE);
}

static SimObject *
vm_metrics_ensure (SimDb     *db,
                   SimObject *vm)
{
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_VM_METRICS);
  SimObject *m = follow (db, vm, LAGOON_VM_METRICS, LAGOON_CLASS_VM_METRICS);

  if (m == NULL)
    {
      g_autofree GVariant **fields = g_new0 (GVariant *, klass->n_fields);

      fields[LAGOON_VM_METRICS_UUID] = vstr_take (sim_db_new_uuid ());
      fields[LAGOON_VM_METRICS_INSTALL_TIME] = sim_vnow ();
      m = sim_db_insert (db, klass, NULL, fields, FALSE);
      sim_db_set (db, vm, LAGOON_VM_METRICS, sim_vstr (m->ref));
    }
  return m;
}

/* VM_metrics.VCPUs_CPU: vCPU n on pCPU n modulo the host's CPU count (4 when unknown). */
static void
vm_metrics_vcpus (SimDb     *db,
                  SimObject *vm,
                  SimObject *m)
{
  SimObject *host = follow (db, vm, LAGOON_VM_RESIDENT_ON, LAGOON_CLASS_HOST);
  gint64 n = MAX (sim_object_get_int (m, LAGOON_VM_METRICS_VCPUS_NUMBER), 0);
  guint pcpus = host != NULL ? (guint) g_variant_n_children (host->fields[LAGOON_HOST_HOST_CPUS])
                             : 0;
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  for (gint64 i = 0; i < n && i < 512; i++)
    {
      char key[24];

      g_snprintf (key, sizeof key, "%" G_GINT64_FORMAT, i);
      g_variant_builder_add (&b, "{sv}", key, g_variant_new_int64 (i % (pcpus > 0 ? pcpus : 4)));
    }
  sim_db_set (db, m, LAGOON_VM_METRICS_VCPUS_CPU, g_variant_ref_sink (g_variant_builder_end (&b)));
}

/* VM_metrics as a new domain sees it. */
static void
vm_metrics_boot (SimDb     *db,
                 SimObject *vm)
{
  SimObject *m = vm_metrics_ensure (db, vm);
  gint64 memory = sim_object_get_int (vm, LAGOON_VM_MEMORY_DYNAMIC_MAX);

  if (memory <= 0)
    memory = sim_object_get_int (vm, LAGOON_VM_MEMORY_STATIC_MAX);
  sim_db_set (db, m, LAGOON_VM_METRICS_START_TIME, sim_vnow ());
  sim_db_set (db, m, LAGOON_VM_METRICS_LAST_UPDATED, sim_vnow ());
  sim_db_set (db, m, LAGOON_VM_METRICS_MEMORY_ACTUAL, sim_vint (MAX (memory, 0)));
  sim_db_set (db, m, LAGOON_VM_METRICS_VCPUS_NUMBER,
              sim_vint (MAX (sim_object_get_int (vm, LAGOON_VM_VCPUS_AT_STARTUP), 1)));
  vm_metrics_vcpus (db, vm, m);
  /* The domain as it was built: its type (derived from HVM_boot_policy when unspecified, as
   * xapi's derive_domain_type does) and the scheduler parameters it got. */
  {
    const char *type = vm_domain_type (vm);

    sim_db_set (db, m, LAGOON_VM_METRICS_CURRENT_DOMAIN_TYPE, sim_vstr (type));
    sim_db_set (db, m, LAGOON_VM_METRICS_HVM, sim_vbool (g_str_equal (type, "hvm")));
    sim_db_set (db, m, LAGOON_VM_METRICS_VCPUS_PARAMS,
                g_variant_ref (vm->fields[LAGOON_VM_VCPUS_PARAMS]));
  }
}

static GVariant *
string_map (const char *first,
            ...) G_GNUC_NULL_TERMINATED;

static GVariant *
string_map (const char *first,
            ...)
{
  GVariantBuilder b;
  const char *key;
  va_list ap;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  va_start (ap, first);
  for (key = first; key != NULL; key = va_arg (ap, const char *))
    g_variant_builder_add (&b, "{sv}", key, g_variant_new_string (va_arg (ap, const char *)));
  va_end (ap);
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

/*
 * The simulated guest runs the guest agent: a VM booted without VM_guest_metrics gets some
 * (PV drivers and the usual feature flags, as a Linux agent reports them); existing ones go
 * live again with their own flags, so a fixture can describe a guest without tools.
 */
static void
vm_guest_agent_boot (SimDb     *db,
                     SimObject *vm)
{
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_VM_GUEST_METRICS);
  SimObject *gm = follow (db, vm, LAGOON_VM_GUEST_METRICS, LAGOON_CLASS_VM_GUEST_METRICS);
  g_autofree GVariant **fields = NULL;

  if (gm != NULL)
    {
      sim_db_set (db, gm, LAGOON_VM_GUEST_METRICS_LIVE, sim_vbool (TRUE));
      sim_db_set (db, gm, LAGOON_VM_GUEST_METRICS_LAST_UPDATED, sim_vnow ());
      return;
    }
  fields = g_new0 (GVariant *, klass->n_fields);
  fields[LAGOON_VM_GUEST_METRICS_UUID] = vstr_take (sim_db_new_uuid ());
  fields[LAGOON_VM_GUEST_METRICS_OS_VERSION] =
    string_map ("name", "Linux", "distro", "linux", "uname", "6.1.0", NULL);
  fields[LAGOON_VM_GUEST_METRICS_PV_DRIVERS_VERSION] =
    string_map ("major", "9", "minor", "4", "micro", "0", NULL);
  fields[LAGOON_VM_GUEST_METRICS_PV_DRIVERS_UP_TO_DATE] = sim_vbool (TRUE);
  fields[LAGOON_VM_GUEST_METRICS_OTHER] =
    string_map ("feature-shutdown", "1", "feature-poweroff", "1", "feature-reboot", "1",
                "feature-suspend", "1", "feature-vcpu-hotplug", "1", "has-vendor-device", "0",
                "platform-feature-multiprocessor-suspend", "1", NULL);
  fields[LAGOON_VM_GUEST_METRICS_LAST_UPDATED] = sim_vnow ();
  fields[LAGOON_VM_GUEST_METRICS_LIVE] = sim_vbool (TRUE);
  fields[LAGOON_VM_GUEST_METRICS_CAN_USE_HOTPLUG_VBD] = sim_vstr ("yes");
  fields[LAGOON_VM_GUEST_METRICS_CAN_USE_HOTPLUG_VIF] = sim_vstr ("yes");
  fields[LAGOON_VM_GUEST_METRICS_PV_DRIVERS_DETECTED] = sim_vbool (TRUE);
  gm = sim_db_insert (db, klass, NULL, fields, FALSE);
  sim_db_set (db, vm, LAGOON_VM_GUEST_METRICS, sim_vstr (gm->ref));
}

static gint64
next_domid (void)
{
  static gint64 domid = 1;

  return domid++;
}

static void
vm_boot (SimCall    *call,
         SimObject  *vm,
         const char *host_ref,
         gboolean    paused)
{
  SimServer *server = call->server;
  SimDb *db = sim_server_get_db (server);

  sim_db_set (db, vm, LAGOON_VM_POWER_STATE, sim_vstr (paused ? "Paused" : "Running"));
  sim_db_set (db, vm, LAGOON_VM_RESIDENT_ON, sim_vstr (host_ref));
  sim_db_set (db, vm, LAGOON_VM_DOMID, sim_vint (next_domid ()));
  vm_set_devices_attached (db, vm, TRUE);
  vm_metrics_boot (db, vm);
  vm_guest_agent_boot (db, vm);
  vm_create_console (server, vm, host_ref);
  vm_update_allowed_operations (db, vm);
  /* xapi's update_vbd_operations / update_vif_operations after a power change. */
  sim_vm_update_device_operations (db, vm);
  host_update_memory_free (db, host_ref);
}

static void
vm_halt (SimDb      *db,
         SimObject  *vm,
         const char *state)
{
  g_autofree char *host_ref = g_strdup (sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON));

  sim_db_set (db, vm, LAGOON_VM_POWER_STATE, sim_vstr (state));
  sim_db_set (db, vm, LAGOON_VM_RESIDENT_ON, sim_vstr (LAGOON_NULL_REF));
  sim_db_set (db, vm, LAGOON_VM_DOMID, sim_vint (-1));
  vm_set_devices_attached (db, vm, FALSE);
  vm_destroy_consoles (db, vm);
  {
    SimObject *gm = follow (db, vm, LAGOON_VM_GUEST_METRICS, LAGOON_CLASS_VM_GUEST_METRICS);
    if (gm != NULL && g_variant_get_boolean (gm->fields[LAGOON_VM_GUEST_METRICS_LIVE]))
      sim_db_set (db, gm, LAGOON_VM_GUEST_METRICS_LIVE, sim_vbool (FALSE));
  }
  {
    SimObject *m = follow (db, vm, LAGOON_VM_METRICS, LAGOON_CLASS_VM_METRICS);
    if (m != NULL && sim_object_get_int (m, LAGOON_VM_METRICS_MEMORY_ACTUAL) != 0)
      sim_db_set (db, m, LAGOON_VM_METRICS_MEMORY_ACTUAL, sim_vint (0));
  }
  vm_update_allowed_operations (db, vm);
  sim_vm_update_device_operations (db, vm);
  host_update_memory_free (db, host_ref);
}

/* ---- storage (VDIs for provision, snapshots, revert) ------------------------------------- */

static SimObject *
default_sr (SimCall *call)
{
  SimDb *db = sim_server_get_db (call->server);
  SimObject *pool = sim_pool_object (call->server);

  return pool != NULL ? follow (db, pool, LAGOON_POOL_DEFAULT_SR, LAGOON_CLASS_SR)
                      : NULL;
}

/* Storage goes through sim-storage.c's accounted helpers (SR space, SR_FULL, allowed ops). */
static SimObject *
vdi_create (SimCall   *call,
            SimObject *sr,
            GVariant **fields)
{
  return sim_vdi_create_accounted (call, sr, fields);
}

static void
vdi_destroy (SimDb     *db,
             SimObject *vdi)
{
  sim_vdi_destroy_accounted (db, vdi);
}

typedef enum {
  DISK_CLONE,
  DISK_COPY,
  DISK_SNAPSHOT,
  DISK_CHECKPOINT,
} DiskOp;

/*
 * A copy of @vdi as xapi's clone_single_vdi makes it: VDI.snapshot (snapshot, checkpoint),
 * VDI.clone (clone), or VDI.copy (copy: onto @sr, else the disk's own SR). NULL with the error
 * set when the SR has no room.
 */
static SimObject *
vdi_duplicate (SimCall    *call,
               SimObject  *vdi,
               DiskOp      op,
               SimObject  *sr)
{
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_VDI);
  static const int copied[] = {
    LAGOON_VDI_NAME_LABEL, LAGOON_VDI_NAME_DESCRIPTION, LAGOON_VDI_VIRTUAL_SIZE, LAGOON_VDI_TYPE,
    LAGOON_VDI_SHARABLE, LAGOON_VDI_READ_ONLY, LAGOON_VDI_OTHER_CONFIG, LAGOON_VDI_XENSTORE_DATA,
    LAGOON_VDI_SM_CONFIG, LAGOON_VDI_TAGS,
  };
  GVariant **fields;

  if (op != DISK_COPY)
    return sim_vdi_snapshot_accounted (call, vdi, op == DISK_CLONE);
  if (sr == NULL)
    sr = follow (sim_server_get_db (call->server), vdi, LAGOON_VDI_SR, LAGOON_CLASS_SR);
  if (sr == NULL)
    {
      sim_fail (call, "HANDLE_INVALID", "SR", sim_object_get_string (vdi, LAGOON_VDI_SR), NULL);
      return NULL;
    }
  fields = g_new0 (GVariant *, klass->n_fields);
  for (guint i = 0; i < G_N_ELEMENTS (copied); i++)
    fields[copied[i]] = g_variant_ref (vdi->fields[copied[i]]);
  return sim_vdi_create_accounted (call, sr, fields);
}

/* ---- snapshot metadata ------------------------------------------------------------------- */

static void
sexpr_quote (GString    *out,
             const char *text)
{
  g_string_append_c (out, '\'');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\'' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '\'');
}

/*
 * xapi's Helpers.vm_to_string: the VM's database row as an S-expression of (column value)
 * pairs, values in the database encoding; snapshots keep it in snapshot_metadata.
 */
static char *
vm_to_metadata (SimObject *vm)
{
  const LagoonSchemaClass *klass = vm->klass;
  GString *out = g_string_new ("(");

  for (guint f = 0; f < klass->n_fields; f++)
    {
      g_autofree char *value = lagoon_db_value_encode (klass->fields[f].type, vm->fields[f]);

      if (value == NULL)
        continue;
      g_string_append_printf (out, "%s(", out->len > 1 ? " " : "");
      sexpr_quote (out, lagoon_dbdump_column_name (klass, f));
      g_string_append_c (out, ' ');
      sexpr_quote (out, value);
      g_string_append_c (out, ')');
    }
  g_string_append_c (out, ')');
  return g_string_free (out, FALSE);
}

/* One quoted S-expression string at *p (advanced past it), or NULL. */
static char *
sexpr_string (const char **p)
{
  GString *out;

  while (g_ascii_isspace (**p))
    (*p)++;
  if (**p != '\'')
    return NULL;
  out = g_string_new (NULL);
  for ((*p)++; **p != '\0' && **p != '\''; (*p)++)
    {
      if (**p == '\\' && (*p)[1] != '\0')
        (*p)++;
      g_string_append_c (out, **p);
    }
  if (**p != '\'')
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  (*p)++;
  return g_string_free (out, FALSE);
}

/* vm_string_to_assoc: column, value, column, value...; NULL when @text is not that shape. */
static GPtrArray *
metadata_parse (const char *text)
{
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);
  const char *p = text;

  while (g_ascii_isspace (*p))
    p++;
  if (*p++ != '(')
    return NULL;
  for (;;)
    {
      char *item;

      while (g_ascii_isspace (*p))
        p++;
      if (*p == ')')
        return g_steal_pointer (&pairs);
      if (*p++ != '(')
        return NULL;
      for (guint i = 0; i < 2; i++)
        {
          if ((item = sexpr_string (&p)) == NULL)
            return NULL;
          g_ptr_array_add (pairs, item);
        }
      while (g_ascii_isspace (*p))
        p++;
      if (*p++ != ')')
        return NULL;
    }
}

/* ---- VM records: clone, copy, snapshot, checkpoint --------------------------------------- */

static char *
random_mac (void)
{
  /* Locally administered, unicast, as xapi's generated MACs are. */
  return g_strdup_printf ("%02x:%02x:%02x:%02x:%02x:%02x", (g_random_int_range (0, 64) << 2) | 2,
                          g_random_int_range (0, 256), g_random_int_range (0, 256),
                          g_random_int_range (0, 256), g_random_int_range (0, 256),
                          g_random_int_range (0, 256));
}

/* A copy of @vbd for @vm on @vdi (Xapi_vbd_helpers.copy), detached. */
static SimObject *
vbd_copy (SimDb      *db,
          SimObject  *vbd,
          const char *vm_ref,
          const char *vdi_ref,
          gboolean    owner)
{
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_VBD);
  g_autofree GVariant **fields = copy_fields (vbd);

  clear_field (fields, klass, "current_operations");
  clear_field (fields, klass, "allowed_operations");
  clear_field (fields, klass, "metrics");
  put_field (fields, LAGOON_VBD_VM, sim_vstr (vm_ref));
  put_field (fields, LAGOON_VBD_VDI, sim_vstr (vdi_ref));
  put_field (fields, LAGOON_VBD_CURRENTLY_ATTACHED, sim_vbool (FALSE));
  if (owner && g_str_equal (sim_object_get_string (vbd, LAGOON_VBD_TYPE), "Disk"))
    {
      g_autofree char *have = map_dup (vbd->fields[LAGOON_VBD_OTHER_CONFIG], "owner");
      if (have == NULL)
        put_field (fields, LAGOON_VBD_OTHER_CONFIG,
                   map_with (vbd->fields[LAGOON_VBD_OTHER_CONFIG], "owner", ""));
    }
  return sim_db_insert (db, klass, NULL, fields, FALSE);
}

static void
vif_copy (SimDb      *db,
          SimObject  *vif,
          const char *vm_ref,
          gboolean    keep_mac)
{
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_VIF);
  g_autofree GVariant **fields = copy_fields (vif);

  clear_field (fields, klass, "current_operations");
  clear_field (fields, klass, "allowed_operations");
  clear_field (fields, klass, "metrics");
  put_field (fields, LAGOON_VIF_VM, sim_vstr (vm_ref));
  put_field (fields, LAGOON_VIF_CURRENTLY_ATTACHED, sim_vbool (FALSE));
  if (!keep_mac)
    {
      put_field (fields, LAGOON_VIF_MAC, vstr_take (random_mac ()));
      put_field (fields, LAGOON_VIF_MAC_AUTOGENERATED, sim_vbool (TRUE));
    }
  sim_db_insert (db, klass, NULL, fields, FALSE);
}

/* A copy of the @id object @ref (Xapi_vm_helpers.copy_metrics / copy_guest_metrics), or the
 * null ref. */
static char *
object_copy (SimDb         *db,
             LagoonClassId  id,
             const char    *ref)
{
  SimObject *m = lookup (db, id, ref);
  g_autofree GVariant **fields = NULL;

  if (m == NULL)
    return g_strdup (LAGOON_NULL_REF);
  fields = copy_fields (m);
  return g_strdup (sim_db_insert (db, sim_class (id), NULL, fields, FALSE)->ref);
}

static char *
metrics_copy (SimDb      *db,
              const char *ref)
{
  return object_copy (db, LAGOON_CLASS_VM_METRICS, ref);
}

/*
 * xapi's Xapi_vm_clone.clone: the disks first (snapshots, clones or copies onto @sr), then the
 * new VM record (copy_vm_record's field rules), its VBDs, VIFs and suspend VDI. On a storage
 * failure the new disks are destroyed again and NULL is returned with the error set.
 */
static SimObject *
vm_duplicate (SimCall    *call,
              SimObject  *vm,
              const char *name,
              SimObject  *sr,
              DiskOp      op,
              const char *suspend_vdi)
{
  SimDb *db = sim_server_get_db (call->server);
  const LagoonSchemaClass *vm_class = sim_class (LAGOON_CLASS_VM);
  gboolean snapshot = op == DISK_SNAPSHOT || op == DISK_CHECKPOINT;
  g_autofree char *vm_ref = g_strdup (vm->ref);
  g_autoptr(GPtrArray) vbds = refs_of (vm->fields[LAGOON_VM_VBDS]);
  g_autoptr(GPtrArray) vifs = refs_of (vm->fields[LAGOON_VM_VIFS]);
  g_autoptr(GPtrArray) new_vdis = g_ptr_array_new_with_free_func (g_free);
  g_autofree GVariant **fields = NULL;
  g_autofree char *metrics = NULL;
  g_autofree char *mac_seed = NULL;
  const char *state = power_state (vm);
  const char *new_state;
  GVariant *other_config;
  SimObject *copy;
  int f;

  /* A snapshot leaves out the VBDs of the disks it is told to ignore (VM.snapshot ignore_vdis). */
  if (snapshot && call->msg->n_params > 3 && g_str_equal (call->msg->params[3].name, "ignore_vdis"))
    {
      g_autoptr(GPtrArray) ignore = refs_of (call->args[3]);

      for (guint i = vbds->len; i-- > 0;)
        {
          SimObject *vbd = lookup (db, LAGOON_CLASS_VBD, vbds->pdata[i]);

          if (vbd != NULL && g_ptr_array_find_with_equal_func (
                ignore, sim_object_get_string (vbd, LAGOON_VBD_VDI), g_str_equal, NULL))
            g_ptr_array_remove_index (vbds, i);
        }
    }

  /* Disks first: a failure leaves nothing behind. */
  for (guint i = 0; i < vbds->len; i++)
    {
      SimObject *vbd = lookup (db, LAGOON_CLASS_VBD, vbds->pdata[i]);
      SimObject *vdi = vbd != NULL ? follow (db, vbd, LAGOON_VBD_VDI, LAGOON_CLASS_VDI)
                                   : NULL;
      SimObject *dup;

      if (vdi == NULL || !g_str_equal (sim_object_get_string (vbd, LAGOON_VBD_TYPE), "Disk"))
        {
          g_ptr_array_add (new_vdis, g_strdup (vdi != NULL ? vdi->ref : LAGOON_NULL_REF));
          continue;
        }
      dup = vdi_duplicate (call, vdi, op == DISK_CHECKPOINT ? DISK_SNAPSHOT : op, sr);
      if (dup == NULL)
        {
          for (guint j = 0; j < new_vdis->len; j++)
            {
              SimObject *made = lookup (db, LAGOON_CLASS_VDI, new_vdis->pdata[j]);
              SimObject *old_vbd = lookup (db, LAGOON_CLASS_VBD, vbds->pdata[j]);

              if (made != NULL && old_vbd != NULL &&
                  !g_str_equal (made->ref, sim_object_get_string (old_vbd, LAGOON_VBD_VDI)))
                vdi_destroy (db, made);
            }
          return NULL;
        }
      g_ptr_array_add (new_vdis, g_strdup (dup->ref));
    }

  vm = lookup (db, LAGOON_CLASS_VM, vm_ref);
  fields = copy_fields (vm);
  {
    static const char *const cleared[] = {
      "VBDs", "VIFs", "consoles", "crash_dumps", "VTPMs", "VUSBs", "VGPUs", "attached_PCIs",
      "snapshots", "children", "blobs", "current_operations", "allowed_operations",
      "blocked_operations", "protection_policy", "snapshot_schedule", "appliance", "start_delay",
      "shutdown_delay", "order", "suspend_SR", "version", "requires_reboot", "ha_always_run",
      "is_vmss_snapshot", "scheduled_to_be_resident_on", "transportable_snapshot_id",
      "pending_guidances", "recommended_guidances", "pending_guidances_recommended",
      "pending_guidances_full", "domarch",
    };
    for (guint i = 0; i < G_N_ELEMENTS (cleared); i++)
      clear_field (fields, vm_class, cleared[i]);
  }
  if (op == DISK_CHECKPOINT && (g_str_equal (state, "Running") || g_str_equal (state, "Suspended")))
    new_state = "Suspended";
  else if (!snapshot && g_str_equal (state, "Suspended"))
    new_state = "Suspended";
  else
    new_state = "Halted";
  put_field (fields, LAGOON_VM_NAME_LABEL, sim_vstr (name));
  put_field (fields, LAGOON_VM_POWER_STATE, sim_vstr (new_state));
  put_field (fields, LAGOON_VM_RESIDENT_ON, sim_vstr (LAGOON_NULL_REF));
  put_field (fields, LAGOON_VM_DOMID, sim_vint (-1));
  put_field (fields, LAGOON_VM_IS_A_SNAPSHOT, sim_vbool (snapshot));
  put_field (fields, LAGOON_VM_IS_A_TEMPLATE,
             sim_vbool (snapshot || vm_flag (vm, LAGOON_VM_IS_A_TEMPLATE)));
  put_field (fields, LAGOON_VM_IS_DEFAULT_TEMPLATE, sim_vbool (FALSE));
  put_field (fields, LAGOON_VM_SNAPSHOT_OF, sim_vstr (snapshot ? vm->ref : LAGOON_NULL_REF));
  put_field (fields, LAGOON_VM_SNAPSHOT_TIME,
             snapshot ? sim_vnow () : sim_vstr (LAGOON_NULL_DATETIME));
  /* Clones and copies are new top-level VMs (CA-52668); a snapshot takes the VM's parent. */
  put_field (fields, LAGOON_VM_PARENT,
             sim_vstr (snapshot ? sim_object_get_string (vm, LAGOON_VM_PARENT) : LAGOON_NULL_REF));
  put_field (fields, LAGOON_VM_SUSPEND_VDI,
             sim_vstr (suspend_vdi != NULL ? suspend_vdi : LAGOON_NULL_REF));
  put_field (fields, LAGOON_VM_SNAPSHOT_METADATA,
             snapshot ? vstr_take (vm_to_metadata (vm)) : sim_vstr (""));
  metrics = metrics_copy (db, sim_object_get_string (vm, LAGOON_VM_METRICS));
  put_field (fields, LAGOON_VM_METRICS, sim_vstr (metrics));
  put_field (fields, LAGOON_VM_GUEST_METRICS,
             vstr_take (object_copy (db, LAGOON_CLASS_VM_GUEST_METRICS,
                                     sim_object_get_string (vm, LAGOON_VM_GUEST_METRICS))));
  if ((f = field_of (LAGOON_CLASS_VM, "snapshot_info")) >= 0)
    {
      GVariantBuilder b;

      g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
      if (snapshot)
        {
          g_variant_builder_add (&b, "{sv}", "disk-snapshot-type",
                                 g_variant_new_string ("crash_consistent"));
          g_variant_builder_add (&b, "{sv}", "power-state-at-snapshot",
                                 g_variant_new_string (state));
        }
      put_field (fields, f, g_variant_ref_sink (g_variant_builder_end (&b)));
    }

  /* other_config: no default_template / xensource_internal; base_template_name kept from a
   * template; a fresh mac_seed unless this is a snapshot. */
  other_config = map_with (vm->fields[LAGOON_VM_OTHER_CONFIG], "default_template", NULL);
  {
    GVariant *t = map_with (other_config, "xensource_internal", NULL);
    g_variant_unref (other_config);
    other_config = t;
  }
  if (vm_flag (vm, LAGOON_VM_IS_A_TEMPLATE) && !snapshot)
    {
      g_autofree char *base = map_dup (other_config, "base_template_name");
      if (base == NULL)
        {
          GVariant *t = map_with (other_config, "base_template_name",
                                  sim_object_get_string (vm, LAGOON_VM_NAME_LABEL));
          g_variant_unref (other_config);
          other_config = t;
        }
    }
  if (!snapshot)
    {
      GVariant *t;

      mac_seed = sim_db_new_uuid ();
      t = map_with (other_config, "mac_seed", mac_seed);
      g_variant_unref (other_config);
      other_config = t;
    }
  put_field (fields, LAGOON_VM_OTHER_CONFIG, other_config);
  copy = sim_db_insert (db, vm_class, NULL, fields, FALSE);

  for (guint i = 0; i < vbds->len; i++)
    {
      SimObject *vbd = lookup (db, LAGOON_CLASS_VBD, vbds->pdata[i]);

      if (vbd != NULL)
        vbd_copy (db, vbd, copy->ref, new_vdis->pdata[i], TRUE);
    }
  for (guint i = 0; i < vifs->len; i++)
    {
      SimObject *vif = lookup (db, LAGOON_CLASS_VIF, vifs->pdata[i]);

      if (vif != NULL)
        vif_copy (db, vif, copy->ref, snapshot);
    }
  vm = lookup (db, LAGOON_CLASS_VM, vm_ref);
  if (snapshot && vm != NULL)
    sim_db_set (db, vm, LAGOON_VM_PARENT, sim_vstr (copy->ref));
  vm_update_allowed_operations (db, copy);
  sim_vm_update_device_operations (db, copy);
  return copy;
}

static gboolean
do_clone (SimCall   *call,
          SimObject *vm)
{
  SimDb *db = sim_server_get_db (call->server);
  gboolean copy = g_str_equal (call->msg->name, "copy");
  SimObject *sr = NULL;
  SimObject *result;

  if (copy)
    {
      const char *sr_ref = sim_arg_string (call, 3);

      /* A missing SR is not an error for xapi's copy (the disks stay where they are); an ISO
       * SR is. */
      sr = lookup (db, LAGOON_CLASS_SR, sr_ref);
      if (sr != NULL && g_str_equal (sim_object_get_string (sr, LAGOON_SR_CONTENT_TYPE), "iso"))
        {
          sim_fail (call, "OPERATION_NOT_ALLOWED", "Cannot copy a VM's disks to an ISO SR", NULL);
          return FALSE;
        }
    }
  /* The clone or copy of a suspended snapshot would be suspended, but xapi's VM.clone and
   * VM.copy hard-shut it down at once: it comes out halted, without a memory image. */
  result = vm_duplicate (call, vm, sim_arg_string (call, 2), sr, copy ? DISK_COPY : DISK_CLONE,
                         NULL);
  if (result == NULL)
    return FALSE;
  if (g_str_equal (power_state (result), "Suspended"))
    vm_halt (db, result, "Halted");
  sim_writer_string (call->w, result->ref);
  return TRUE;
}

static gboolean
vm_clone (SimCall *call)
{
  return vm_run (call, call->msg->name, do_clone);
}

static gboolean
do_snapshot (SimCall   *call,
             SimObject *vm)
{
  SimObject *result = vm_duplicate (call, vm, sim_arg_string (call, 2), NULL, DISK_SNAPSHOT, NULL);

  if (result == NULL)
    return FALSE;
  sim_writer_string (call->w, result->ref);
  return TRUE;
}

static gboolean
vm_snapshot (SimCall *call)
{
  return vm_run (call, "snapshot", do_snapshot);
}

/* The suspend image: a VDI of type suspend sized for the VM's memory on the suspend SR. */
static SimObject *
suspend_vdi_create (SimCall   *call,
                    SimObject *vm)
{
  SimDb *db = sim_server_get_db (call->server);
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_VDI);
  SimObject *pool = sim_pool_object (call->server);
  SimObject *host = follow (db, vm, LAGOON_VM_RESIDENT_ON, LAGOON_CLASS_HOST);
  /* xapi's choose_suspend_sr: the VM's, the pool's, then its host's, if the host sees it. */
  SimObject *candidates[] = {
    follow (db, vm, LAGOON_VM_SUSPEND_SR, LAGOON_CLASS_SR),
    pool != NULL ? follow (db, pool, LAGOON_POOL_SUSPEND_IMAGE_SR, LAGOON_CLASS_SR) : NULL,
    host != NULL ? follow (db, host, LAGOON_HOST_SUSPEND_IMAGE_SR, LAGOON_CLASS_SR) : NULL,
  };
  SimObject *sr = NULL;
  GVariant **fields;
  g_autofree char *label = g_strdup_printf ("Suspend image for %s",
                                            sim_object_get_string (vm, LAGOON_VM_NAME_LABEL));

  for (guint i = 0; i < G_N_ELEMENTS (candidates) && sr == NULL; i++)
    if (candidates[i] != NULL && (host == NULL || sr_visible (db, candidates[i], host)))
      sr = candidates[i];
  if (sr == NULL)
    {
      sim_fail (call, "VM_NO_SUSPEND_SR", vm->ref, NULL);
      return NULL;
    }
  fields = g_new0 (GVariant *, klass->n_fields);
  fields[LAGOON_VDI_NAME_LABEL] = sim_vstr (label);
  fields[LAGOON_VDI_NAME_DESCRIPTION] = sim_vstr ("");
  fields[LAGOON_VDI_TYPE] = sim_vstr ("suspend");
  fields[LAGOON_VDI_VIRTUAL_SIZE] =
    sim_vint (MAX (sim_object_get_int (vm, LAGOON_VM_MEMORY_STATIC_MAX), 0));
  return vdi_create (call, sr, fields);
}

static gboolean
do_checkpoint (SimCall   *call,
               SimObject *vm)
{
  SimDb *db = sim_server_get_db (call->server);
  g_autofree char *vm_ref = g_strdup (vm->ref);
  g_autofree char *host = g_strdup (sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON));
  gboolean was_running = g_str_equal (power_state (vm), "Running");
  g_autofree char *suspend = NULL;
  SimObject *image;
  SimObject *result;

  /* The memory image: a fresh one for a live guest, a copy of the suspended one otherwise. */
  if (was_running || g_str_equal (power_state (vm), "Paused"))
    image = suspend_vdi_create (call, vm);
  else
    {
      SimObject *svdi = follow (db, vm, LAGOON_VM_SUSPEND_VDI, LAGOON_CLASS_VDI);
      image = svdi != NULL ? vdi_duplicate (call, svdi, DISK_SNAPSHOT, NULL) : NULL;
      if (svdi != NULL && image == NULL)
        return FALSE;
    }
  if ((was_running || g_str_equal (power_state (vm), "Paused")) && image == NULL)
    return FALSE;
  suspend = image != NULL ? g_strdup (image->ref) : NULL;
  vm = lookup (db, LAGOON_CLASS_VM, vm_ref);
  result = vm_duplicate (call, vm, sim_arg_string (call, 2), NULL, DISK_CHECKPOINT, suspend);
  if (result == NULL)
    {
      SimObject *made = lookup (db, LAGOON_CLASS_VDI, suspend);
      if (made != NULL)
        vdi_destroy (db, made);
      return FALSE;
    }
  if (was_running)
    {
      /* The guest was suspended for the copy and resumed: a new domain on the same host. */
      g_autofree char *result_ref = g_strdup (result->ref);
      vm = lookup (db, LAGOON_CLASS_VM, vm_ref);
      vm_halt (db, vm, "Suspended");
      vm_boot (call, vm, host, FALSE);
      result = lookup (db, LAGOON_CLASS_VM, result_ref);
    }
  sim_writer_string (call->w, result->ref);
  return TRUE;
}

static gboolean
vm_checkpoint (SimCall *call)
{
  return vm_run (call, "checkpoint", do_checkpoint);
}

/* ---- revert ------------------------------------------------------------------------------ */

/* xapi's do_not_copy (plus the one-to-many sides, which follow their pointers here). */
static const char *const revert_keep[] = {
  "uuid", "suspend_VDI", "power_state", "parent", "current_operations", "allowed_operations",
  "metrics", "guest_metrics", "resident_on", "domid", "protection_policy",
  "snapshot_schedule", "scheduled_to_be_resident_on", "snapshots", "tags", "affinity",
  "groups", "consoles", "VBDs", "VIFs", "VGPUs", "VUSBs", "VTPMs", "attached_PCIs",
  "children", "crash_dumps", NULL,
};

/* xapi's copy_vm_fields: @vm takes the fields of @metadata (column, value...) not kept. */
static void
apply_metadata (SimDb     *db,
                SimObject *vm,
                GPtrArray *metadata)
{
  const LagoonSchemaClass *vm_class = vm->klass;
  int always_run = field_of (LAGOON_CLASS_VM, "ha_always_run");

  for (guint i = 0; i + 1 < metadata->len; i += 2)
    {
      int f = lagoon_schema_find_column (vm_class, metadata->pdata[i]);
      g_autoptr(GVariant) value = NULL;

      if (f < 0 || g_strv_contains (revert_keep, vm_class->fields[f].name))
        continue;
      value = lagoon_db_value_decode (vm_class->fields[f].type, metadata->pdata[i + 1], NULL);
      if (value != NULL && !g_variant_equal (vm->fields[f], value))
        sim_db_set (db, vm, f, g_variant_ref (value));
    }
  /* xapi's overrides. */
  if (always_run >= 0 && g_variant_get_boolean (vm->fields[always_run]))
    sim_db_set (db, vm, always_run, sim_vbool (FALSE));
}

/*
 * xapi's create_vm_from_snapshot, for a snapshot whose VM is gone: a halted VM made from the
 * snapshot's record and its metadata (with the old VM's uuid); the old VM's snapshots now
 * belong to it. NULL with VM_REVERT_FAILED [snapshot, old vm] when that cannot be done.
 */
static SimObject *
vm_from_snapshot (SimCall   *call,
                  SimObject *snap)
{
  SimDb *db = sim_server_get_db (call->server);
  const LagoonSchemaClass *vm_class = sim_class (LAGOON_CLASS_VM);
  g_autofree char *old_ref = g_strdup (sim_object_get_string (snap, LAGOON_VM_SNAPSHOT_OF));
  g_autoptr(GPtrArray) metadata =
    metadata_parse (sim_object_get_string (snap, LAGOON_VM_SNAPSHOT_METADATA));
  g_autofree GVariant **fields = NULL;
  const char *uuid = NULL;
  GQueue *vms;
  SimObject *vm;

  for (guint i = 0; metadata != NULL && i + 1 < metadata->len; i += 2)
    if (g_str_equal (metadata->pdata[i], "uuid"))
      uuid = metadata->pdata[i + 1];
  if (uuid == NULL || *uuid == '\0' || sim_db_lookup_uuid (db, vm_class, uuid) != NULL)
    {
      sim_fail (call, "VM_REVERT_FAILED", snap->ref, old_ref, NULL);
      return NULL;
    }
  fields = copy_fields (snap);
  {
    static const char *const cleared[] = {
      "VBDs", "VIFs", "consoles", "crash_dumps", "VTPMs", "VUSBs", "VGPUs", "attached_PCIs",
      "snapshots", "children", "blobs", "current_operations", "allowed_operations", "metrics",
      "guest_metrics", "parent", "resident_on",
    };
    for (guint i = 0; i < G_N_ELEMENTS (cleared); i++)
      clear_field (fields, vm_class, cleared[i]);
  }
  put_field (fields, LAGOON_VM_UUID, sim_vstr (uuid));
  put_field (fields, LAGOON_VM_POWER_STATE, sim_vstr ("Halted"));
  put_field (fields, LAGOON_VM_SUSPEND_VDI, sim_vstr (LAGOON_NULL_REF));
  put_field (fields, LAGOON_VM_DOMID, sim_vint (-1));
  vm = sim_db_insert (db, vm_class, NULL, fields, FALSE);
  apply_metadata (db, vm, metadata);
  vms = sim_db_class_objects (db, vm_class);
  for (GList *l = vms->head; l != NULL; l = l->next)
    {
      SimObject *other = l->data;

      if (g_str_equal (sim_object_get_string (other, LAGOON_VM_SNAPSHOT_OF), old_ref))
        sim_db_set (db, other, LAGOON_VM_SNAPSHOT_OF, sim_vstr (vm->ref));
    }
  vm_update_allowed_operations (db, vm);
  return vm;
}

static gboolean
is_disk_vbd (SimObject *vbd)
{
  return g_str_equal (sim_object_get_string (vbd, LAGOON_VBD_TYPE), "Disk");
}

/*
 * xapi's Xapi_vm_snapshot.revert (the clone path, as for SRs without VDI.revert): the VM's
 * disks that the snapshot has copies of are destroyed with their VBDs, other disks are
 * detached (VBD destroyed, VDI kept), CD VBDs go; the snapshot's disks are cloned and
 * attached, other snapshots of the old disks now point at the clones; VIFs are replaced by
 * the snapshot's (MACs kept), metrics copied, fields copied from the snapshot (not the name,
 * identity or snapshot fields), parent = snapshot, power state = the snapshot's.
 */
static gboolean
do_revert (SimCall   *call,
           SimObject *snap)
{
  /* Without snapshot_metadata (a pre-MNR snapshot) the snapshot's own record is copied, less
   * what makes it a snapshot (extended_do_not_copy). */
  static const char *const keep_more[] = {
    "name_label", "is_a_snapshot", "is_a_template", "is_default_template", "snapshot_of",
    "snapshot_time", "transportable_snapshot_id", "snapshot_info", "snapshot_metadata", NULL,
  };
  SimDb *db = sim_server_get_db (call->server);
  const LagoonSchemaClass *vm_class = sim_class (LAGOON_CLASS_VM);
  g_autofree char *snap_ref = g_strdup (snap->ref);
  g_autofree char *vm_ref = g_strdup (sim_object_get_string (snap, LAGOON_VM_SNAPSHOT_OF));
  SimObject *vm = lookup (db, LAGOON_CLASS_VM, vm_ref);
  g_autoptr(GPtrArray) snap_vbds = refs_of (snap->fields[LAGOON_VM_VBDS]);
  g_autoptr(GPtrArray) snap_vifs = refs_of (snap->fields[LAGOON_VM_VIFS]);
  g_autoptr(GPtrArray) vm_vbds = NULL;
  g_autoptr(GPtrArray) vm_vifs = NULL;
  g_autoptr(GPtrArray) originals = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) clones = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *suspend = NULL;
  g_autofree char *metrics = NULL;
  const char *target_state = power_state (snap);
  const char *metadata_text = sim_object_get_string (snap, LAGOON_VM_SNAPSHOT_METADATA);
  g_autoptr(GPtrArray) metadata = *metadata_text != '\0' ? metadata_parse (metadata_text) : NULL;

  /* xapi's revert failure names the snapshot, then the VM. */
  if (vm == NULL || (*metadata_text != '\0' && metadata == NULL))
    {
      sim_fail (call, "VM_REVERT_FAILED", snap_ref, vm_ref, NULL);
      return FALSE;
    }
  /* The guest's domain goes first. */
  if (!g_str_equal (power_state (vm), "Halted") && !g_str_equal (power_state (vm), "Suspended"))
    vm_halt (db, vm, "Halted");

  /* Clone the snapshot's disks before anything is destroyed, so a full SR changes nothing. */
  for (guint i = 0; i < snap_vbds->len; i++)
    {
      SimObject *vbd = lookup (db, LAGOON_CLASS_VBD, snap_vbds->pdata[i]);
      SimObject *vdi = vbd != NULL ? follow (db, vbd, LAGOON_VBD_VDI, LAGOON_CLASS_VDI)
                                   : NULL;
      SimObject *dup;

      if (vbd == NULL || vdi == NULL || !is_disk_vbd (vbd))
        {
          g_ptr_array_add (originals, g_strdup (LAGOON_NULL_REF));
          g_ptr_array_add (clones, g_strdup (vdi != NULL ? vdi->ref : LAGOON_NULL_REF));
          continue;
        }
      g_ptr_array_add (originals, g_strdup (sim_object_get_string (vdi, LAGOON_VDI_SNAPSHOT_OF)));
      dup = vdi_duplicate (call, vdi, DISK_CLONE, NULL);
      if (dup == NULL)
        {
          for (guint j = 0; j < clones->len; j++)
            {
              SimObject *made = lookup (db, LAGOON_CLASS_VDI, clones->pdata[j]);
              if (made != NULL && !g_str_equal (originals->pdata[j], LAGOON_NULL_REF))
                vdi_destroy (db, made);
            }
          vm = lookup (db, LAGOON_CLASS_VM, vm_ref);
          if (vm != NULL && !g_str_equal (power_state (vm), "Halted"))
            vm_halt (db, vm, "Halted");
          return FALSE;
        }
      g_ptr_array_add (clones, g_strdup (dup->ref));
    }
  snap = lookup (db, LAGOON_CLASS_VM, snap_ref);
  {
    SimObject *svdi = follow (db, snap, LAGOON_VM_SUSPEND_VDI, LAGOON_CLASS_VDI);
    if (svdi != NULL)
      {
        SimObject *dup = vdi_duplicate (call, svdi, DISK_CLONE, NULL);
        if (dup == NULL)
          return FALSE;
        suspend = g_strdup (dup->ref);
      }
  }

  /* Other snapshots of the old disks now descend from the clones. */
  for (guint i = 0; i < originals->len; i++)
    {
      GQueue *vdis;
      GList *l;

      if (g_str_equal (originals->pdata[i], LAGOON_NULL_REF))
        continue;
      vdis = sim_db_class_objects (db, sim_class (LAGOON_CLASS_VDI));
      for (l = vdis->head; l != NULL; l = l->next)
        {
          SimObject *other = l->data;
          if (g_str_equal (sim_object_get_string (other, LAGOON_VDI_SNAPSHOT_OF),
                           originals->pdata[i]))
            sim_db_set (db, other, LAGOON_VDI_SNAPSHOT_OF, sim_vstr (clones->pdata[i]));
        }
    }

  /* The VM's devices. */
  vm = lookup (db, LAGOON_CLASS_VM, vm_ref);
  vm_vbds = refs_of (vm->fields[LAGOON_VM_VBDS]);
  vm_vifs = refs_of (vm->fields[LAGOON_VM_VIFS]);
  for (guint i = 0; i < vm_vbds->len; i++)
    {
      SimObject *vbd = lookup (db, LAGOON_CLASS_VBD, vm_vbds->pdata[i]);
      SimObject *vdi;

      if (vbd == NULL)
        continue;
      vdi = follow (db, vbd, LAGOON_VBD_VDI, LAGOON_CLASS_VDI);
      if (vdi != NULL && is_disk_vbd (vbd) &&
          g_ptr_array_find_with_equal_func (originals, vdi->ref, g_str_equal, NULL))
        {
          sim_db_delete (db, vbd);
          vdi_destroy (db, vdi);
        }
      else
        sim_db_delete (db, vbd);
    }
  {
    SimObject *old_suspend = follow (db, vm, LAGOON_VM_SUSPEND_VDI, LAGOON_CLASS_VDI);
    if (old_suspend != NULL)
      vdi_destroy (db, old_suspend);
  }
  for (guint i = 0; i < vm_vifs->len; i++)
    {
      SimObject *vif = lookup (db, LAGOON_CLASS_VIF, vm_vifs->pdata[i]);
      if (vif != NULL)
        sim_db_delete (db, vif);
    }

  /* New devices from the snapshot's. */
  for (guint i = 0; i < snap_vbds->len; i++)
    {
      SimObject *vbd = lookup (db, LAGOON_CLASS_VBD, snap_vbds->pdata[i]);
      if (vbd != NULL)
        vbd_copy (db, vbd, vm_ref, clones->pdata[i], FALSE);
    }
  for (guint i = 0; i < snap_vifs->len; i++)
    {
      SimObject *vif = lookup (db, LAGOON_CLASS_VIF, snap_vifs->pdata[i]);
      if (vif != NULL)
        vif_copy (db, vif, vm_ref, TRUE);
    }

  /* Metrics, fields, parent, power state. */
  snap = lookup (db, LAGOON_CLASS_VM, snap_ref);
  vm = lookup (db, LAGOON_CLASS_VM, vm_ref);
  {
    SimObject *old = follow (db, vm, LAGOON_VM_METRICS, LAGOON_CLASS_VM_METRICS);
    if (old != NULL)
      sim_db_delete (db, old);
  }
  metrics = metrics_copy (db, sim_object_get_string (snap, LAGOON_VM_METRICS));
  sim_db_set (db, vm, LAGOON_VM_METRICS, sim_vstr (metrics));
  /* Guest metrics likewise (update_guest_metrics). */
  {
    SimObject *old = follow (db, vm, LAGOON_VM_GUEST_METRICS, LAGOON_CLASS_VM_GUEST_METRICS);
    g_autofree char *copy = NULL;

    if (old != NULL)
      sim_db_delete (db, old);
    copy = object_copy (db, LAGOON_CLASS_VM_GUEST_METRICS,
                        sim_object_get_string (snap, LAGOON_VM_GUEST_METRICS));
    sim_db_set (db, vm, LAGOON_VM_GUEST_METRICS, sim_vstr (copy));
  }
  if (metadata != NULL)
    apply_metadata (db, vm, metadata);
  else
    for (guint i = 0; i < vm_class->n_fields; i++)
      {
        const char *name = vm_class->fields[i].name;

        if (!g_strv_contains (revert_keep, name) && !g_strv_contains (keep_more, name) &&
            !g_variant_equal (vm->fields[i], snap->fields[i]))
          sim_db_set (db, vm, (int) i, g_variant_ref (snap->fields[i]));
      }
  sim_db_set (db, vm, LAGOON_VM_SUSPEND_VDI,
              sim_vstr (suspend != NULL ? suspend : LAGOON_NULL_REF));
  sim_db_set (db, vm, LAGOON_VM_PARENT, sim_vstr (snap_ref));
  sim_db_set (db, vm, LAGOON_VM_POWER_STATE,
              sim_vstr (g_str_equal (target_state, "Suspended") ? "Suspended" : "Halted"));
  vm_update_allowed_operations (db, vm);
  sim_vm_update_device_operations (db, vm);
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_revert (SimCall *call)
{
  SimDb *db = sim_server_get_db (call->server);
  SimObject *snap = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VM));
  SimObject *vm;
  g_autofree char *vm_ref = NULL;
  g_autofree char *key = NULL;
  gboolean ok;

  /* The target VM must be free to be reverted too (its `reverting` operation). */
  if (snap == NULL || !vm_check_call (call, snap, "revert"))
    return FALSE;
  vm = follow (db, snap, LAGOON_VM_SNAPSHOT_OF, LAGOON_CLASS_VM);
  if (vm == NULL && (vm = vm_from_snapshot (call, snap)) == NULL)
    return FALSE;
  if (vm != NULL)
    {
      if (!vm_check_call (call, vm, "reverting"))
        return FALSE;
      vm_ref = g_strdup (vm->ref);
      key = new_opaque_ref ();
      vm_op_add (db, vm, key, "reverting");
    }
  ok = vm_run (call, "revert", do_revert);
  if (vm_ref != NULL)
    vm_op_remove (db, vm_ref, key);
  return ok;
}

/* ---- provision --------------------------------------------------------------------------- */

typedef struct
{
  GPtrArray *disks;   /* GHashTable *: attribute -> value */
  gboolean   in_provision;
  gboolean   bad;
} ProvisionParse;

static void
provision_start (GMarkupParseContext  *context,
                 const char           *element,
                 const char          **names,
                 const char          **values,
                 gpointer              user_data,
                 GError              **error)
{
  ProvisionParse *p = user_data;

  if (g_str_equal (element, "provision") && !p->in_provision)
    p->in_provision = TRUE;
  else if (g_str_equal (element, "disk") && p->in_provision)
    {
      GHashTable *attrs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

      for (guint i = 0; names[i] != NULL; i++)
        g_hash_table_insert (attrs, g_strdup (names[i]), g_strdup (values[i]));
      g_ptr_array_add (p->disks, attrs);
    }
  else
    p->bad = TRUE;
}

/* Parses the other_config:disks XML (Xapi_templates.disks_of_xml); NULL when malformed. */
static GPtrArray *
provision_parse (const char *xml)
{
  static const GMarkupParser parser = { provision_start, NULL, NULL, NULL, NULL };
  ProvisionParse p = {
    g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref), FALSE, FALSE,
  };
  g_autoptr(GMarkupParseContext) ctx = g_markup_parse_context_new (&parser, 0, &p, NULL);

  if (!g_markup_parse_context_parse (ctx, xml, -1, NULL) ||
      !g_markup_parse_context_end_parse (ctx, NULL) || p.bad || !p.in_provision)
    {
      g_ptr_array_unref (p.disks);
      return NULL;
    }
  for (guint i = 0; i < p.disks->len; i++)
    {
      GHashTable *d = p.disks->pdata[i];
      const char *size = g_hash_table_lookup (d, "size");
      char *end = NULL;

      if (g_hash_table_lookup (d, "device") == NULL || size == NULL ||
          g_hash_table_lookup (d, "sr") == NULL || g_hash_table_lookup (d, "bootable") == NULL)
        break;
      g_ascii_strtoll (size, &end, 10);
      if (*size == '\0' || *end != '\0')
        break;
      if (i + 1 == p.disks->len)
        return p.disks;
    }
  if (p.disks->len == 0)
    return p.disks;
  g_ptr_array_unref (p.disks);
  return NULL;
}

/* The SR a disk names: by uuid, else by name_label; "" is the pool's default SR. */
static SimObject *
provision_sr (SimCall    *call,
              const char *name)
{
  SimDb *db = sim_server_get_db (call->server);
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_SR);
  SimObject *sr;
  GQueue *srs;

  if (*name == '\0' && (sr = default_sr (call)) != NULL)
    return sr;
  if ((sr = sim_db_lookup_uuid (db, klass, name)) != NULL)
    return sr;
  srs = sim_db_class_objects (db, klass);
  for (GList *l = srs->head; l != NULL; l = l->next)
    if (g_str_equal (sim_object_get_string (l->data, LAGOON_SR_NAME_LABEL), name))
      return l->data;
  sim_fail (call, "UUID_INVALID", "sr", name, NULL);
  return NULL;
}

static const char *
vdi_type_of (const char *type)
{
  static const char *const known[] = {
    "system", "user", "ephemeral", "suspend", "crashdump", NULL,
  };

  return type != NULL && g_strv_contains (known, type) ? type : "system";
}

static gboolean
do_provision (SimCall   *call,
              SimObject *vm)
{
  SimDb *db = sim_server_get_db (call->server);
  const LagoonSchemaClass *vdi_class = sim_class (LAGOON_CLASS_VDI);
  const LagoonSchemaClass *vbd_class = sim_class (LAGOON_CLASS_VBD);
  g_autofree char *vm_ref = g_strdup (vm->ref);
  g_autofree char *xml = map_dup (vm->fields[LAGOON_VM_OTHER_CONFIG], "disks");
  g_autoptr(GPtrArray) disks = NULL;
  g_autoptr(GPtrArray) made_vbds = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) made_vdis = g_ptr_array_new_with_free_func (g_free);

  /* xapi clears is_a_template first, whatever happens next. */
  sim_db_set (db, vm, LAGOON_VM_IS_A_TEMPLATE, sim_vbool (FALSE));
  if (xml != NULL && (disks = provision_parse (xml)) == NULL)
    {
      vm_update_allowed_operations (db, vm);
      sim_fail (call, "INTERNAL_ERROR", "Xapi_templates.Parse_failure", NULL);
      return FALSE;
    }

  for (guint i = 0; disks != NULL && i < disks->len; i++)
    {
      GHashTable *d = disks->pdata[i];
      const char *device = g_hash_table_lookup (d, "device");
      const char *type = vdi_type_of (g_hash_table_lookup (d, "type"));
      gint64 size = g_ascii_strtoll (g_hash_table_lookup (d, "size"), NULL, 10);
      gboolean bootable = g_str_equal (g_hash_table_lookup (d, "bootable"), "true");
      SimObject *sr = provision_sr (call, g_hash_table_lookup (d, "sr"));
      GVariant **vdi_fields = NULL;
      g_autofree GVariant **vbd_fields = NULL;
      GVariantBuilder sm;
      SimObject *vdi;
      SimObject *vbd;

      vbd_fields = g_new0 (GVariant *, vbd_class->n_fields);
      if (sr != NULL)
        {
          vdi_fields = g_new0 (GVariant *, vdi_class->n_fields);
          vm = lookup (db, LAGOON_CLASS_VM, vm_ref);
          g_variant_builder_init (&sm, G_VARIANT_TYPE ("a{sv}"));
          g_variant_builder_add (&sm, "{sv}", "vmhint",
                                 g_variant_new_string (sim_object_get_string (vm, LAGOON_VM_UUID)));
          vdi_fields[LAGOON_VDI_NAME_LABEL] = sim_vstr (device);
          vdi_fields[LAGOON_VDI_NAME_DESCRIPTION] = sim_vstr ("Created by template provisioner");
          vdi_fields[LAGOON_VDI_VIRTUAL_SIZE] = sim_vint (size);
          vdi_fields[LAGOON_VDI_TYPE] = sim_vstr (type);
          vdi_fields[LAGOON_VDI_SHARABLE] = sim_vbool (FALSE);
          vdi_fields[LAGOON_VDI_READ_ONLY] = sim_vbool (FALSE);
          vdi_fields[LAGOON_VDI_SM_CONFIG] = g_variant_ref_sink (g_variant_builder_end (&sm));
          vdi = vdi_create (call, sr, vdi_fields);
        }
      else
        vdi = NULL;
      if (vdi == NULL)
        {
          /* Undo what was made, as xapi does. */
          for (guint j = 0; j < made_vbds->len; j++)
            {
              SimObject *o = lookup (db, LAGOON_CLASS_VBD, made_vbds->pdata[j]);
              if (o != NULL)
                sim_db_delete (db, o);
            }
          for (guint j = 0; j < made_vdis->len; j++)
            {
              SimObject *o = lookup (db, LAGOON_CLASS_VDI, made_vdis->pdata[j]);
              if (o != NULL)
                vdi_destroy (db, o);
            }
          vm = lookup (db, LAGOON_CLASS_VM, vm_ref);
          if (vm != NULL)
            vm_update_allowed_operations (db, vm);
          return FALSE;
        }
      g_ptr_array_add (made_vdis, g_strdup (vdi->ref));
      vbd_fields[LAGOON_VBD_UUID] = vstr_take (sim_db_new_uuid ());
      vbd_fields[LAGOON_VBD_VM] = sim_vstr (vm_ref);
      vbd_fields[LAGOON_VBD_VDI] = sim_vstr (vdi->ref);
      vbd_fields[LAGOON_VBD_USERDEVICE] = sim_vstr (device);
      vbd_fields[LAGOON_VBD_DEVICE] = sim_vstr ("");
      vbd_fields[LAGOON_VBD_BOOTABLE] = sim_vbool (bootable);
      vbd_fields[LAGOON_VBD_MODE] = sim_vstr ("RW");
      vbd_fields[LAGOON_VBD_TYPE] = sim_vstr ("Disk");
      vbd_fields[LAGOON_VBD_UNPLUGGABLE] = sim_vbool (!g_str_equal (type, "system"));
      vbd_fields[LAGOON_VBD_EMPTY] = sim_vbool (FALSE);
      vbd_fields[LAGOON_VBD_CURRENTLY_ATTACHED] = sim_vbool (FALSE);
      {
        GVariantBuilder oc;
        g_variant_builder_init (&oc, G_VARIANT_TYPE ("a{sv}"));
        g_variant_builder_add (&oc, "{sv}", "owner", g_variant_new_string (""));
        vbd_fields[LAGOON_VBD_OTHER_CONFIG] = g_variant_ref_sink (g_variant_builder_end (&oc));
      }
      vbd = sim_db_insert (db, vbd_class, NULL, vbd_fields, FALSE);
      g_ptr_array_add (made_vbds, g_strdup (vbd->ref));
    }

  vm = lookup (db, LAGOON_CLASS_VM, vm_ref);
  {
    GVariant *oc = map_with (vm->fields[LAGOON_VM_OTHER_CONFIG], "disks", NULL);
    GVariant *oc2 = map_with (oc, "postinstall", NULL);

    g_variant_unref (oc);
    if (!g_variant_equal (oc2, vm->fields[LAGOON_VM_OTHER_CONFIG]))
      sim_db_set (db, vm, LAGOON_VM_OTHER_CONFIG, oc2);
    else
      g_variant_unref (oc2);
  }
  vm_update_allowed_operations (db, vm);
  sim_vm_update_device_operations (db, vm);
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_provision (SimCall *call)
{
  return vm_run (call, "provision", do_provision);
}

/* ---- power operations -------------------------------------------------------------------- */

static gboolean
do_start (SimCall   *call,
          SimObject *vm)
{
  SimDb *db = sim_server_get_db (call->server);
  gboolean on = g_str_equal (call->msg->name, "start_on");
  gboolean paused = g_variant_get_boolean (call->args[on ? 3 : 2]);
  g_autoptr(GPtrArray) err = g_ptr_array_new_with_free_func (g_free);
  SimObject *host;

  /* xapi refreshes the cached overhead before it reserves memory for the start. */
  vm_update_memory_overhead (db, vm);
  if (on)
    {
      if ((host = sim_arg_object (call, 2, sim_class (LAGOON_CLASS_HOST))) == NULL)
        return FALSE;
      if (!can_boot_here (db, vm, host, TRUE, err))
        return fail_with (call, err);
    }
  else if ((host = choose_host (call, vm)) == NULL)
    return FALSE;
  vm_boot (call, vm, host->ref, paused);
  /* xapi's VM.start returns start_delay seconds after the boot (vApps rely on it). */
  sim_wait_unlocked (call->server, (double) sim_object_get_int (vm, LAGOON_VM_START_DELAY));
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_start (SimCall *call)
{
  return vm_run (call, call->msg->name, do_start);
}

static gboolean
do_resume (SimCall   *call,
           SimObject *vm)
{
  SimDb *db = sim_server_get_db (call->server);
  gboolean on = g_str_equal (call->msg->name, "resume_on");
  gboolean paused = g_variant_get_boolean (call->args[on ? 3 : 2]);
  g_autoptr(GPtrArray) err = g_ptr_array_new_with_free_func (g_free);
  SimObject *host;
  SimObject *image;

  if (on)
    {
      if ((host = sim_arg_object (call, 2, sim_class (LAGOON_CLASS_HOST))) == NULL)
        return FALSE;
      if (!can_boot_here (db, vm, host, TRUE, err))
        return fail_with (call, err);
    }
  else if ((host = choose_host (call, vm)) == NULL)
    return FALSE;
  vm_boot (call, vm, host->ref, paused);
  /* The memory image is read back and destroyed. */
  image = follow (db, vm, LAGOON_VM_SUSPEND_VDI, LAGOON_CLASS_VDI);
  sim_db_set (db, vm, LAGOON_VM_SUSPEND_VDI, sim_vstr (LAGOON_NULL_REF));
  if (image != NULL)
    vdi_destroy (db, image);
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_resume (SimCall *call)
{
  return vm_run (call, call->msg->name, do_resume);
}

static gboolean
do_shutdown (SimCall   *call,
             SimObject *vm)
{
  SimDb *db = sim_server_get_db (call->server);
  SimObject *image = follow (db, vm, LAGOON_VM_SUSPEND_VDI, LAGOON_CLASS_VDI);

  /* A suspended VM's memory image goes with a hard shutdown. */
  if (image != NULL)
    {
      sim_db_set (db, vm, LAGOON_VM_SUSPEND_VDI, sim_vstr (LAGOON_NULL_REF));
      vdi_destroy (db, image);
    }
  vm_halt (db, vm, "Halted");
  sim_wait_unlocked (call->server, (double) sim_object_get_int (vm, LAGOON_VM_SHUTDOWN_DELAY));
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_shutdown (SimCall *call)
{
  const char *op = call->msg->name;

  /* VM.shutdown is clean for a running guest, hard otherwise (checked as shutdown). */
  return vm_run (call, op, do_shutdown);
}

static gboolean
do_suspend (SimCall   *call,
            SimObject *vm)
{
  SimDb *db = sim_server_get_db (call->server);
  g_autofree char *vm_ref = g_strdup (vm->ref);
  SimObject *image = suspend_vdi_create (call, vm);

  if (image == NULL)
    return FALSE;
  vm = lookup (db, LAGOON_CLASS_VM, vm_ref);
  sim_db_set (db, vm, LAGOON_VM_SUSPEND_VDI, sim_vstr (image->ref));
  vm_halt (db, vm, "Suspended");
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_suspend (SimCall *call)
{
  return vm_run (call, "suspend", do_suspend);
}

static gboolean
do_reboot (SimCall   *call,
           SimObject *vm)
{
  SimDb *db = sim_server_get_db (call->server);
  g_autofree char *host = g_strdup (sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON));

  /* A new domain on the same host. */
  vm_halt (db, vm, "Halted");
  vm_boot (call, vm, host, FALSE);
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_reboot (SimCall *call)
{
  return vm_run (call, call->msg->name, do_reboot);
}

static gboolean
do_pause (SimCall   *call,
          SimObject *vm)
{
  SimDb *db = sim_server_get_db (call->server);

  sim_db_set (db, vm, LAGOON_VM_POWER_STATE,
              sim_vstr (g_str_equal (call->msg->name, "pause") ? "Paused" : "Running"));
  vm_update_allowed_operations (db, vm);
  sim_vm_update_device_operations (db, vm);
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_pause (SimCall *call)
{
  return vm_run (call, call->msg->name, do_pause);
}

/* ---- pool_migrate ------------------------------------------------------------------------ */

/*
 * Moves the running @vm to @host: a new domain (domid) there, its console re-created with the
 * new host's address, VM_metrics kept. Checks xapi's assert_can_boot_here (live, enabled unless
 * it is a migration to the same host, free memory).
 */
gboolean
sim_vm_migrate (SimCall   *call,
                SimObject *vm,
                SimObject *host)
{
  SimDb *db = sim_server_get_db (call->server);
  g_autoptr(GPtrArray) err = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *source = g_strdup (sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON));
  SimObject *m;

  if (!can_boot_here (db, vm, host, TRUE, err))
    return fail_with (call, err);
  vm_destroy_consoles (db, vm);
  sim_db_set (db, vm, LAGOON_VM_RESIDENT_ON, sim_vstr (host->ref));
  sim_db_set (db, vm, LAGOON_VM_DOMID, sim_vint (next_domid ()));
  vm_create_console (call->server, vm, host->ref);
  m = follow (db, vm, LAGOON_VM_METRICS, LAGOON_CLASS_VM_METRICS);
  if (m != NULL)
    sim_db_set (db, m, LAGOON_VM_METRICS_LAST_UPDATED, sim_vnow ());
  vm_update_allowed_operations (db, vm);
  sim_vm_update_device_operations (db, vm);
  host_update_memory_free (db, source);
  host_update_memory_free (db, host->ref);
  return TRUE;
}

gboolean
sim_vm_can_boot_here (SimCall   *call,
                      SimObject *vm,
                      SimObject *host)
{
  g_autoptr(GPtrArray) err = g_ptr_array_new_with_free_func (g_free);

  if (can_boot_here (sim_server_get_db (call->server), vm, host, TRUE, err))
    return TRUE;
  return fail_with (call, err);
}

gint64
sim_host_free_memory (SimDb     *db,
                      SimObject *host)
{
  return host_free_memory (db, host);
}

gint64
sim_vm_start_memory (SimObject *vm)
{
  return vm_start_memory (vm);
}

static gboolean
do_pool_migrate (SimCall   *call,
                 SimObject *vm)
{
  SimObject *host = sim_arg_object (call, 2, sim_class (LAGOON_CLASS_HOST));

  /* options (live, force...) change nothing here: xapi's pool migration is always live. */
  if (host == NULL || !sim_vm_migrate (call, vm, host))
    return FALSE;
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_pool_migrate (SimCall *call)
{
  return vm_run (call, "pool_migrate", do_pool_migrate);
}

/* ---- templates and blocked operations ---------------------------------------------------- */

static gboolean
do_make_template (SimCall   *call,
                  SimObject *vm)
{
  SimDb *db = sim_server_get_db (call->server);
  int always_run = field_of (LAGOON_CLASS_VM, "ha_always_run");

  if (always_run >= 0 && g_variant_get_boolean (vm->fields[always_run]))
    sim_db_set (db, vm, always_run, sim_vbool (FALSE));
  sim_db_set (db, vm, LAGOON_VM_IS_A_TEMPLATE, sim_vbool (TRUE));
  sim_writer_void (call->w);
  return TRUE;
}

/*
 * VM.set_is_a_template: true is xapi's make_into_template operation (a halted VM, not a
 * snapshot); false is "install time" (VM_metrics.install_time), allowed whatever the state.
 */
static gboolean
vm_set_is_a_template (SimCall *call)
{
  SimDb *db = sim_server_get_db (call->server);
  SimObject *vm;
  SimObject *m;

  if (g_variant_get_boolean (call->args[2]))
    return vm_run (call, "make_into_template", do_make_template);
  if ((vm = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VM))) == NULL)
    return FALSE;
  if ((m = follow (db, vm, LAGOON_VM_METRICS, LAGOON_CLASS_VM_METRICS)) != NULL)
    sim_db_set (db, m, LAGOON_VM_METRICS_INSTALL_TIME, sim_vnow ());
  sim_db_set (db, vm, LAGOON_VM_IS_A_TEMPLATE, sim_vbool (FALSE));
  vm_update_allowed_operations (db, vm);
  sim_writer_void (call->w);
  return TRUE;
}

/*
 * VM.set_blocked_operations / add_to_ / remove_from_: the map as the generic messages keep it,
 * then allowed_operations recomputed (xapi does so after each).
 */
static gboolean
vm_blocked_operations (SimCall *call)
{
  SimDb *db = sim_server_get_db (call->server);
  SimObject *vm = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VM));
  const char *name = call->msg->name;
  GVariant *map;

  if (vm == NULL)
    return FALSE;
  if (g_str_equal (name, "set_blocked_operations"))
    map = g_variant_ref (call->args[2]);
  else
    {
      const char *key = sim_arg_string (call, 2);
      g_autofree char *present = map_dup (vm->fields[LAGOON_VM_BLOCKED_OPERATIONS], key);
      gboolean add = g_str_equal (name, "add_to_blocked_operations");

      if (add && present != NULL)
        {
          sim_fail (call, "MAP_DUPLICATE_KEY", "VM", "blocked_operations", vm->ref, key, NULL);
          return FALSE;
        }
      map = map_with (vm->fields[LAGOON_VM_BLOCKED_OPERATIONS], key,
                      add ? sim_arg_string (call, 3) : NULL);
    }
  if (!g_variant_equal (map, vm->fields[LAGOON_VM_BLOCKED_OPERATIONS]))
    sim_db_set (db, vm, LAGOON_VM_BLOCKED_OPERATIONS, map);
  else
    g_variant_unref (map);
  vm_update_allowed_operations (db, vm);
  sim_writer_void (call->w);
  return TRUE;
}

/* ---- checks and resets ------------------------------------------------------------------- */

/* VM.assert_operation_valid(self, op): the check a call of @op would make. */
static gboolean
vm_assert_operation_valid (SimCall *call)
{
  SimObject *vm = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VM));

  if (vm == NULL || !vm_check_call (call, vm, sim_arg_string (call, 2)))
    return FALSE;
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_update_allowed (SimCall *call)
{
  SimObject *vm = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VM));

  if (vm == NULL)
    return FALSE;
  vm_update_allowed_operations (sim_server_get_db (call->server), vm);
  sim_writer_void (call->w);
  return TRUE;
}

/*
 * VM.power_state_reset: Halted whatever the record said, for VMs whose host died. Refused for
 * control domains (CANNOT_RESET_CONTROL_DOMAIN [vm]), for a live VM on the host that answers
 * (its domain is there: DOMAIN_EXISTS [vm]) or on another host that is alive (HOST_IS_LIVE
 * [host]). Operations in progress are forgotten.
 */
static gboolean
do_power_state_reset (SimCall   *call,
                      SimObject *vm)
{
  SimDb *db = sim_server_get_db (call->server);
  const char *state = power_state (vm);

  if (vm_flag (vm, LAGOON_VM_IS_CONTROL_DOMAIN))
    {
      sim_fail (call, "CANNOT_RESET_CONTROL_DOMAIN", vm->ref, NULL);
      return FALSE;
    }
  if (g_str_equal (state, "Running") || g_str_equal (state, "Paused"))
    {
      SimObject *host = follow (db, vm, LAGOON_VM_RESIDENT_ON, LAGOON_CLASS_HOST);
      SimObject *metrics = host != NULL ? host_metrics_of (db, host) : NULL;

      if (host != NULL && g_str_equal (host->ref, call->host_ref))
        {
          sim_fail (call, "DOMAIN_EXISTS", vm->ref, NULL);
          return FALSE;
        }
      if (host != NULL &&
          (metrics == NULL || g_variant_get_boolean (metrics->fields[LAGOON_HOST_METRICS_LIVE])))
        {
          sim_fail (call, "HOST_IS_LIVE", host->ref, NULL);
          return FALSE;
        }
    }
  vm_halt (db, vm, "Halted");
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_power_state_reset (SimCall *call)
{
  SimDb *db = sim_server_get_db (call->server);
  SimObject *vm = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VM));
  GVariantBuilder empty;

  /* No operation check beyond the power state (any) and the rules above: a stuck VM's
   * operations must not block its reset. */
  if (vm == NULL)
    return FALSE;
  if (!do_power_state_reset (call, vm))
    return FALSE;
  g_variant_builder_init (&empty, G_VARIANT_TYPE ("a{sv}"));
  sim_db_set (db, vm, LAGOON_VM_CURRENT_OPERATIONS,
              g_variant_ref_sink (g_variant_builder_end (&empty)));
  vm_update_allowed_operations (db, vm);
  return TRUE;
}

/* ---- placement queries ------------------------------------------------------------------- */

/* VM.assert_can_boot_here(self, host): the start checks alone (templates and snapshots too). */
static gboolean
vm_assert_can_boot_here (SimCall *call)
{
  SimDb *db = sim_server_get_db (call->server);
  g_autoptr(GPtrArray) err = g_ptr_array_new_with_free_func (g_free);
  SimObject *vm = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VM));
  SimObject *host;

  if (vm == NULL || (host = sim_arg_object (call, 2, sim_class (LAGOON_CLASS_HOST))) == NULL)
    return FALSE;
  if (!can_boot_here (db, vm, host, TRUE, err))
    return fail_with (call, err);
  sim_writer_void (call->w);
  return TRUE;
}

/* VM.get_possible_hosts(vm): every host the VM could boot on now. */
static gboolean
vm_get_possible_hosts (SimCall *call)
{
  SimDb *db = sim_server_get_db (call->server);
  g_autoptr(GPtrArray) err = g_ptr_array_new_with_free_func (g_free);
  SimObject *vm = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VM));
  GQueue *hosts;

  if (vm == NULL)
    return FALSE;
  hosts = sim_db_class_objects (db, sim_class (LAGOON_CLASS_HOST));
  sim_writer_begin_array (call->w);
  for (GList *l = hosts->head; l != NULL; l = l->next)
    if (can_boot_here (db, vm, l->data, TRUE, err))
      sim_writer_string (call->w, ((SimObject *) l->data)->ref);
  sim_writer_end_array (call->w);
  return TRUE;
}

/* ---- destroy ----------------------------------------------------------------------------- */

/*
 * xapi's VM.destroy: children re-parented to the VM's parent; VBDs, VIFs, consoles, metrics
 * and guest metrics destroyed; the disks stay (clients destroy them themselves).
 */
static gboolean
do_destroy (SimCall   *call,
            SimObject *vm)
{
  SimDb *db = sim_server_get_db (call->server);
  g_autofree char *default_key = map_dup (vm->fields[LAGOON_VM_OTHER_CONFIG], "default_template");
  g_autoptr(GPtrArray) children = refs_of (vm->fields[LAGOON_VM_CHILDREN]);
  g_autoptr(GPtrArray) vbds = refs_of (vm->fields[LAGOON_VM_VBDS]);
  g_autoptr(GPtrArray) vifs = refs_of (vm->fields[LAGOON_VM_VIFS]);
  g_autofree char *parent = g_strdup (sim_object_get_string (vm, LAGOON_VM_PARENT));
  const int singles[][2] = { { LAGOON_VM_METRICS, LAGOON_CLASS_VM_METRICS },
                             { LAGOON_VM_GUEST_METRICS, LAGOON_CLASS_VM_GUEST_METRICS } };

  if (g_strcmp0 (default_key, "true") == 0)
    {
      sim_fail (call, "VM_CANNOT_DELETE_DEFAULT_TEMPLATE", NULL);
      return FALSE;
    }
  for (guint i = 0; i < children->len; i++)
    {
      SimObject *child = lookup (db, LAGOON_CLASS_VM, children->pdata[i]);
      if (child != NULL)
        sim_db_set (db, child, LAGOON_VM_PARENT, sim_vstr (parent));
    }
  for (guint i = 0; i < vbds->len; i++)
    {
      SimObject *o = lookup (db, LAGOON_CLASS_VBD, vbds->pdata[i]);
      if (o != NULL)
        sim_db_delete (db, o);
    }
  for (guint i = 0; i < vifs->len; i++)
    {
      SimObject *o = lookup (db, LAGOON_CLASS_VIF, vifs->pdata[i]);
      if (o != NULL)
        sim_db_delete (db, o);
    }
  vm_destroy_consoles (db, vm);
  for (guint i = 0; i < G_N_ELEMENTS (singles); i++)
    {
      SimObject *o = lookup (db, singles[i][1], sim_object_get_string (vm, singles[i][0]));
      if (o != NULL)
        sim_db_delete (db, o);
    }
  sim_db_delete (db, vm);
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_destroy (SimCall *call)
{
  return vm_run (call, "destroy", do_destroy);
}

/* ---- memory ------------------------------------------------------------------------------ */

typedef struct
{
  gint64 static_min;
  gint64 dynamic_min;
  gint64 dynamic_max;
  gint64 static_max;
} Memory;

static Memory
memory_of (SimObject *vm)
{
  Memory m = {
    sim_object_get_int (vm, LAGOON_VM_MEMORY_STATIC_MIN),
    sim_object_get_int (vm, LAGOON_VM_MEMORY_DYNAMIC_MIN),
    sim_object_get_int (vm, LAGOON_VM_MEMORY_DYNAMIC_MAX),
    sim_object_get_int (vm, LAGOON_VM_MEMORY_STATIC_MAX),
  };
  return m;
}

/*
 * Vm_memory_constraints.assert_valid_for_current_context: static_min <= dynamic_min <=
 * dynamic_max <= static_max, or for a control domain all pinned at static_max
 * (MEMORY_CONSTRAINT_VIOLATION_MAXPIN [reason]).
 */
static gboolean
memory_valid (SimCall      *call,
              SimObject    *vm,
              const Memory *m)
{
  if (!(m->static_min <= m->dynamic_min && m->dynamic_min <= m->dynamic_max &&
        m->dynamic_max <= m->static_max))
    {
      sim_fail (call, "MEMORY_CONSTRAINT_VIOLATION_ORDER", NULL);
      return FALSE;
    }
  if (vm_flag (vm, LAGOON_VM_IS_CONTROL_DOMAIN) &&
      !(m->dynamic_min == m->static_max && m->dynamic_max == m->static_max))
    {
      sim_fail (call, "MEMORY_CONSTRAINT_VIOLATION_MAXPIN", "control domain", NULL);
      return FALSE;
    }
  return TRUE;
}

static void
memory_write (SimDb        *db,
              SimObject    *vm,
              const Memory *m,
              gboolean      statics,
              gboolean      dynamics)
{
  int target = field_of (LAGOON_CLASS_VM, "memory_target");

  if (statics)
    {
      sim_db_set (db, vm, LAGOON_VM_MEMORY_STATIC_MIN, sim_vint (m->static_min));
      sim_db_set (db, vm, LAGOON_VM_MEMORY_STATIC_MAX, sim_vint (m->static_max));
    }
  if (dynamics)
    {
      if (target >= 0)
        sim_db_set (db, vm, target, sim_vint (m->dynamic_min));
      sim_db_set (db, vm, LAGOON_VM_MEMORY_DYNAMIC_MIN, sim_vint (m->dynamic_min));
      sim_db_set (db, vm, LAGOON_VM_MEMORY_DYNAMIC_MAX, sim_vint (m->dynamic_max));
    }
}

static gint64
arg_int (SimCall *call,
         guint    i)
{
  return g_variant_get_int64 (call->args[i]);
}

static gboolean
do_set_memory_limits (SimCall   *call,
                      SimObject *vm)
{
  Memory m = memory_of (vm);
  const char *name = call->msg->name;

  if (g_str_equal (name, "set_memory_limits"))
    {
      m.static_min = arg_int (call, 2);
      m.static_max = arg_int (call, 3);
      m.dynamic_min = arg_int (call, 4);
      m.dynamic_max = arg_int (call, 5);
    }
  else
    {
      /* set_memory: static_max and both dynamics to the value, static_min untouched. */
      m.static_max = m.dynamic_min = m.dynamic_max = arg_int (call, 2);
    }
  if (!memory_valid (call, vm, &m))
    return FALSE;
  memory_write (sim_server_get_db (call->server), vm, &m, TRUE, TRUE);
  vm_update_memory_overhead (sim_server_get_db (call->server), vm);
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_set_memory_limits (SimCall *call)
{
  return vm_run (call, "changing_memory_limits", do_set_memory_limits);
}

static gboolean
do_set_static_range (SimCall   *call,
                     SimObject *vm)
{
  Memory m = memory_of (vm);
  const char *name = call->msg->name;

  if (g_str_equal (name, "set_memory_static_range"))
    {
      m.static_min = arg_int (call, 2);
      m.static_max = arg_int (call, 3);
    }
  else if (g_str_equal (name, "set_memory_static_min"))
    m.static_min = arg_int (call, 2);
  else
    m.static_max = arg_int (call, 2);
  if (!memory_valid (call, vm, &m))
    return FALSE;
  memory_write (sim_server_get_db (call->server), vm, &m, TRUE, FALSE);
  vm_update_memory_overhead (sim_server_get_db (call->server), vm);
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_set_static_range (SimCall *call)
{
  return vm_run (call, "changing_static_range", do_set_static_range);
}

/*
 * set_memory_dynamic_range (and set_memory_dynamic_min/max, which xapi turns into it): Halted
 * or Running; a running guest balloons to the new range, which its host must have room for
 * (xapi's reserve_memory_for_dynamic_change: HOST_NOT_ENOUGH_FREE_MEMORY when dynamic_min
 * grows past the host's free memory). VM_metrics.memory_actual follows.
 */
static gboolean
do_set_dynamic_range (SimCall   *call,
                      SimObject *vm)
{
  SimDb *db = sim_server_get_db (call->server);
  Memory m = memory_of (vm);
  const char *name = call->msg->name;
  gint64 old_min = m.dynamic_min;

  if (g_str_equal (name, "set_memory_dynamic_range"))
    {
      m.dynamic_min = arg_int (call, 2);
      m.dynamic_max = arg_int (call, 3);
    }
  else if (g_str_equal (name, "set_memory_dynamic_min"))
    m.dynamic_min = arg_int (call, 2);
  else
    m.dynamic_max = arg_int (call, 2);
  if (!memory_valid (call, vm, &m))
    return FALSE;
  if (g_str_equal (power_state (vm), "Running") && m.dynamic_min > old_min)
    {
      SimObject *host = follow (db, vm, LAGOON_VM_RESIDENT_ON, LAGOON_CLASS_HOST);
      gint64 free_mem = host != NULL ? host_free_memory (db, host) : -1;

      if (free_mem >= 0 && m.dynamic_min - old_min > free_mem)
        {
          /* This one is in KiB (reserve_memory_for_dynamic_change). */
          g_autofree char *needed = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                     (m.dynamic_min - old_min) / 1024);
          g_autofree char *available = g_strdup_printf ("%" G_GINT64_FORMAT, free_mem / 1024);

          sim_fail (call, "HOST_NOT_ENOUGH_FREE_MEMORY", needed, available, NULL);
          return FALSE;
        }
    }
  memory_write (db, vm, &m, FALSE, TRUE);
  if (g_str_equal (power_state (vm), "Running"))
    {
      SimObject *metrics = follow (db, vm, LAGOON_VM_METRICS, LAGOON_CLASS_VM_METRICS);

      /* The balloon settles at dynamic_max (nothing else presses on the host here). */
      if (metrics != NULL)
        {
          sim_db_set (db, metrics, LAGOON_VM_METRICS_MEMORY_ACTUAL, sim_vint (m.dynamic_max));
          sim_db_set (db, metrics, LAGOON_VM_METRICS_LAST_UPDATED, sim_vnow ());
        }
      host_update_memory_free (db, sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON));
    }
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_set_dynamic_range (SimCall *call)
{
  return vm_run (call, "changing_dynamic_range", do_set_dynamic_range);
}

/* ---- VCPUs ------------------------------------------------------------------------------- */

static gboolean
vcpus_invalid (SimCall    *call,
               const char *rule,
               gint64      value)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, value);

  sim_fail (call, "INVALID_VALUE", rule, text, NULL);
  return FALSE;
}

static gboolean
do_set_vcpus_max (SimCall   *call,
                  SimObject *vm)
{
  gint64 value = arg_int (call, 2);

  if (value < 1 || value < sim_object_get_int (vm, LAGOON_VM_VCPUS_AT_STARTUP))
    return vcpus_invalid (call,
                          "VCPU values must satisfy: 0 < VCPUs_at_startup \xe2\x89\xa4 VCPUs_max",
                          value);
  sim_db_set (sim_server_get_db (call->server), vm, LAGOON_VM_VCPUS_MAX, sim_vint (value));
  vm_update_memory_overhead (sim_server_get_db (call->server), vm);
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_set_vcpus_max (SimCall *call)
{
  return vm_run (call, "changing_VCPUs", do_set_vcpus_max);
}

/* set_VCPUs_at_startup has no operation of its own in xapi: any power state. */
static gboolean
vm_set_vcpus_at_startup (SimCall *call)
{
  SimObject *vm = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VM));
  gint64 value;

  if (vm == NULL)
    return FALSE;
  value = arg_int (call, 2);
  if (vm_flag (vm, LAGOON_VM_IS_CONTROL_DOMAIN) && sim_object_get_int (vm, LAGOON_VM_DOMID) == 0)
    {
      sim_fail (call, "OPERATION_NOT_ALLOWED", "set_VCPUs_at_startup is not allowed on dom0", NULL);
      return FALSE;
    }
  if (value < 1 || value > sim_object_get_int (vm, LAGOON_VM_VCPUS_MAX))
    return vcpus_invalid (call,
                          "VCPU values must satisfy: 0 < VCPUs_at_startup \xe2\x89\xa4 VCPUs_max",
                          value);
  sim_db_set (sim_server_get_db (call->server), vm, LAGOON_VM_VCPUS_AT_STARTUP, sim_vint (value));
  vm_update_memory_overhead (sim_server_get_db (call->server), vm);
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
do_set_vcpus_live (SimCall   *call,
                   SimObject *vm)
{
  SimDb *db = sim_server_get_db (call->server);
  gint64 value = arg_int (call, 2);
  SimObject *metrics;

  if (value < 1 || value > sim_object_get_int (vm, LAGOON_VM_VCPUS_MAX))
    return vcpus_invalid (call, "VCPU values must satisfy: 0 < VCPUs \xe2\x89\xa4 VCPUs_max",
                          value);
  sim_db_set (db, vm, LAGOON_VM_VCPUS_AT_STARTUP, sim_vint (value));
  metrics = follow (db, vm, LAGOON_VM_METRICS, LAGOON_CLASS_VM_METRICS);
  if (metrics != NULL)
    {
      sim_db_set (db, metrics, LAGOON_VM_METRICS_VCPUS_NUMBER, sim_vint (value));
      vm_metrics_vcpus (db, vm, metrics);
      sim_db_set (db, metrics, LAGOON_VM_METRICS_LAST_UPDATED, sim_vnow ());
    }
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_set_vcpus_live (SimCall *call)
{
  return vm_run (call, "changing_VCPUs_live", do_set_vcpus_live);
}

/* OCaml's string_of_float, as xapi's error parameters print floats ("2.5", "1.", "0.5"). */
static char *
ocaml_float (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buf, sizeof buf, "%.12g", value);
  if (strpbrk (buf, ".eni") == NULL)
    return g_strconcat (buf, ".", NULL);
  return g_strdup (buf);
}

/*
 * VM.set_HVM_shadow_multiplier (Halted, changing_shadow_memory) and set_shadow_multiplier_live
 * (Running, changing_shadow_memory_live): at least 1, else INVALID_VALUE [multiplier, value];
 * the memory overhead follows.
 */
static gboolean
do_set_shadow (SimCall   *call,
               SimObject *vm)
{
  SimDb *db = sim_server_get_db (call->server);
  double value = g_variant_get_double (call->args[2]);

  if (!(value >= 1.0))
    {
      g_autofree char *text = ocaml_float (value);

      sim_fail (call, "INVALID_VALUE", "multiplier", text, NULL);
      return FALSE;
    }
  sim_db_set (db, vm, LAGOON_VM_HVM_SHADOW_MULTIPLIER,
              g_variant_ref_sink (g_variant_new_double (value)));
  vm_update_memory_overhead (db, vm);
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_set_shadow (SimCall *call)
{
  return vm_run (call, g_str_equal (call->msg->name, "set_HVM_shadow_multiplier")
                       ? "changing_shadow_memory" : "changing_shadow_memory_live", do_set_shadow);
}

/* VM.set_affinity: a host or the null ref. */
static gboolean
vm_set_affinity (SimCall *call)
{
  SimDb *db = sim_server_get_db (call->server);
  SimObject *vm = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VM));
  const char *host = sim_arg_string (call, 2);

  if (vm == NULL)
    return FALSE;
  if (!g_str_equal (host, LAGOON_NULL_REF) &&
      sim_arg_object (call, 2, sim_class (LAGOON_CLASS_HOST)) == NULL)
    return FALSE;
  sim_db_set (db, vm, LAGOON_VM_AFFINITY, sim_vstr (host));
  sim_writer_void (call->w);
  return TRUE;
}

/* ---- vApps ------------------------------------------------------------------------------- */

typedef struct
{
  char   *ref;
  gint64  order;
  gint64  delay;
} Member;

static gint
member_compare (gconstpointer a,
                gconstpointer b)
{
  const Member *x = *(const Member *const *) a;
  const Member *y = *(const Member *const *) b;

  return x->order < y->order ? -1 : x->order > y->order;
}

static void
member_free (gpointer data)
{
  Member *m = data;

  g_free (m->ref);
  g_free (m);
}

/*
 * VM_appliance.start / clean_shutdown / hard_shutdown / shutdown: member VMs in groups of
 * equal `order` (ascending to start, descending to stop); a group's VMs change state
 * together, then the call waits the group's longest start_delay (shutdown_delay) before the
 * next group. VMs already in the target state are skipped; failures are collected into
 * OPERATION_PARTIALLY_FAILED [operation, vm...].
 */
static gboolean
appliance_operation (SimCall *call)
{
  SimServer *server = call->server;
  SimDb *db = sim_server_get_db (server);
  const char *op = call->msg->name;
  gboolean start = g_str_equal (op, "start");
  gboolean paused = start && g_variant_get_boolean (call->args[2]);
  SimObject *app = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VM_APPLIANCE));
  g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func (member_free);
  g_autoptr(GPtrArray) failed = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *app_ref = NULL;
  GVariantIter iter;
  GVariant *v;
  guint i = 0;

  if (app == NULL)
    return FALSE;
  if (g_variant_n_children (app->fields[LAGOON_VM_APPLIANCE_CURRENT_OPERATIONS]) > 0)
    {
      g_autoptr(GVariant) first =
        g_variant_get_child_value (app->fields[LAGOON_VM_APPLIANCE_CURRENT_OPERATIONS], 0);
      g_autoptr(GVariant) task = g_variant_get_child_value (first, 0);
      g_autoptr(GVariant) boxed = g_variant_get_child_value (first, 1);
      g_autoptr(GVariant) other = g_variant_get_variant (boxed);

      sim_fail (call, "OTHER_OPERATION_IN_PROGRESS", "VM_appliance", app->ref,
                g_variant_get_string (other, NULL), g_variant_get_string (task, NULL), NULL);
      return FALSE;
    }
  app_ref = g_strdup (app->ref);
  sim_appliance_set_operation (db, app, op);
  g_variant_iter_init (&iter, app->fields[LAGOON_VM_APPLIANCE_VMS]);
  while ((v = g_variant_iter_next_value (&iter)))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (v);
      SimObject *vm = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VM),
                                           g_variant_get_string (inner, NULL));

      if (vm != NULL)
        {
          Member *m = g_new0 (Member, 1);
          m->ref = g_strdup (vm->ref);
          m->order = sim_object_get_int (vm, LAGOON_VM_ORDER);
          m->delay = sim_object_get_int (vm, start ? LAGOON_VM_START_DELAY
                                                   : LAGOON_VM_SHUTDOWN_DELAY);
          g_ptr_array_add (members, m);
        }
      g_variant_unref (v);
    }
  g_ptr_array_sort (members, member_compare);
  if (!start)
    {
      /* Descending order, groups kept together. */
      for (guint a = 0, b = members->len; a + 1 < b; a++, b--)
        {
          gpointer t = members->pdata[a];
          members->pdata[a] = members->pdata[b - 1];
          members->pdata[b - 1] = t;
        }
    }

  while (i < members->len)
    {
      gint64 order = ((Member *) members->pdata[i])->order;
      gint64 group_delay = 0;
      gboolean acted = FALSE;

      for (; i < members->len && ((Member *) members->pdata[i])->order == order; i++)
        {
          Member *m = members->pdata[i];
          SimObject *vm = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VM), m->ref);
          const char *state;

          if (vm == NULL)
            continue;
          state = power_state (vm);
          if (g_variant_get_boolean (vm->fields[LAGOON_VM_IS_A_TEMPLATE]) ||
              g_variant_get_boolean (vm->fields[LAGOON_VM_IS_A_SNAPSHOT]))
            {
              g_ptr_array_add (failed, g_strdup (m->ref));
              continue;
            }
          if (start)
            {
              if (g_str_equal (state, "Halted") || g_str_equal (state, "Suspended"))
                {
                  /* Placed as VM.start places it; a VM that fits nowhere fails. */
                  SimObject *host;

                  vm_update_memory_overhead (sim_server_get_db (server), vm);
                  host = choose_host (call, vm);
                  if (host == NULL)
                    {
                      g_ptr_array_add (failed, g_strdup (m->ref));
                      continue;
                    }
                  vm_boot (call, vm, host->ref, paused);
                  acted = TRUE;
                  group_delay = MAX (group_delay, m->delay);
                }
              else if (!g_str_equal (state, "Running") && !g_str_equal (state, "Paused"))
                g_ptr_array_add (failed, g_strdup (m->ref));
            }
          else if (g_str_equal (state, "Halted"))
            continue;
          else if (g_str_equal (op, "clean_shutdown") && !g_str_equal (state, "Running"))
            g_ptr_array_add (failed, g_strdup (m->ref));
          else
            {
              vm_halt (db, vm, "Halted");
              acted = TRUE;
              group_delay = MAX (group_delay, m->delay);
            }
        }
      if (acted && i < members->len)
        sim_wait_unlocked (server, (double) group_delay);
    }

  app = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VM_APPLIANCE), app_ref);
  if (app != NULL)
    sim_appliance_set_operation (db, app, NULL);
  if (failed->len > 0)
    {
      g_ptr_array_set_size (call->error, 0);
      g_ptr_array_add (call->error, g_strdup ("OPERATION_PARTIALLY_FAILED"));
      /* The operation as its vm_appliance_operation name (start, clean_shutdown...). */
      g_ptr_array_add (call->error, g_strdup (op));
      for (guint f = 0; f < failed->len; f++)
        g_ptr_array_add (call->error, g_strdup (g_ptr_array_index (failed, f)));
      return FALSE;
    }
  sim_writer_void (call->w);
  return TRUE;
}

/* ---- table ---- */

const SimSpecial sim_vm_specials[] = {
  { "VM.start", vm_start },
  { "VM.start_on", vm_start },
  { "VM.resume", vm_resume },
  { "VM.resume_on", vm_resume },
  { "VM.clean_shutdown", vm_shutdown },
  { "VM.hard_shutdown", vm_shutdown },
  { "VM.shutdown", vm_shutdown },
  { "VM.suspend", vm_suspend },
  { "VM.clean_reboot", vm_reboot },
  { "VM.hard_reboot", vm_reboot },
  { "VM.pause", vm_pause },
  { "VM.unpause", vm_pause },
  { "VM.pool_migrate", vm_pool_migrate },
  { "VM.clone", vm_clone },
  { "VM.copy", vm_clone },
  { "VM.snapshot", vm_snapshot },
  { "VM.checkpoint", vm_checkpoint },
  { "VM.revert", vm_revert },
  { "VM.provision", vm_provision },
  { "VM.destroy", vm_destroy },
  { "VM.set_memory_limits", vm_set_memory_limits },
  { "VM.set_memory", vm_set_memory_limits },
  { "VM.set_memory_static_range", vm_set_static_range },
  { "VM.set_memory_dynamic_range", vm_set_dynamic_range },
  { "VM.set_memory_dynamic_min", vm_set_dynamic_range },
  { "VM.set_memory_dynamic_max", vm_set_dynamic_range },
  { "VM.set_VCPUs_max", vm_set_vcpus_max },
  { "VM.set_VCPUs_at_startup", vm_set_vcpus_at_startup },
  { "VM.set_VCPUs_number_live", vm_set_vcpus_live },
  { "VM.set_affinity", vm_set_affinity },
  { "VM.assert_operation_valid", vm_assert_operation_valid },
  { "VM.update_allowed_operations", vm_update_allowed },
  { "VM.power_state_reset", vm_power_state_reset },
  { "VM.set_HVM_shadow_multiplier", vm_set_shadow },
  { "VM.set_shadow_multiplier_live", vm_set_shadow },
  { "VM.set_is_a_template", vm_set_is_a_template },
  { "VM.set_blocked_operations", vm_blocked_operations },
  { "VM.add_to_blocked_operations", vm_blocked_operations },
  { "VM.remove_from_blocked_operations", vm_blocked_operations },
  { "VM.assert_can_boot_here", vm_assert_can_boot_here },
  { "VM.get_possible_hosts", vm_get_possible_hosts },
  { "VM_appliance.start", appliance_operation },
  { "VM_appliance.clean_shutdown", appliance_operation },
  { "VM_appliance.hard_shutdown", appliance_operation },
  { "VM_appliance.shutdown", appliance_operation },
  { NULL, NULL }
};
