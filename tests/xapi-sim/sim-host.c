/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sim-host.c: hosts (enable/disable, evacuate, reboot, shutdown), the pool (join, eject,
 * coordinator changes) and alerts (message objects), as xapi runs them.
 */
#define G_LOG_DOMAIN "xapi-sim"

#include "config.h"

#include <string.h>

#include "sim-ops.h"

/* Seconds (times --speed) before a rebooting or halting host goes down, and before it is back. */
#define HOST_GOING_DOWN_S 1.0
#define HOST_REBOOT_S     3.0

/* Hosts disabled with auto_enable=false (xapi keeps that flag in each host's local db). */
static GHashTable *no_auto_enable;

/* ---- small helpers ----------------------------------------------------------------------- */

static GPtrArray *
set_strings (GVariant *set)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  GVariant *v;

  if (set == NULL || !g_variant_is_of_type (set, G_VARIANT_TYPE ("av")))
    return out;
  g_variant_iter_init (&iter, set);
  while ((v = g_variant_iter_next_value (&iter)))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (v);

      if (g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING))
        g_ptr_array_add (out, g_strdup (g_variant_get_string (inner, NULL)));
      g_variant_unref (v);
    }
  return out;
}

static gboolean
host_is_enabled (SimObject *host)
{
  return g_variant_get_boolean (host->fields[LAGOON_HOST_ENABLED]);
}

static SimObject *
host_metrics (SimDb     *db,
              SimObject *host)
{
  return sim_db_lookup_class (db, sim_class (LAGOON_CLASS_HOST_METRICS),
                              sim_object_get_string (host, LAGOON_HOST_METRICS));
}

static gboolean
host_is_live (SimDb     *db,
              SimObject *host)
{
  SimObject *m = host_metrics (db, host);

  return m == NULL || g_variant_get_boolean (m->fields[LAGOON_HOST_METRICS_LIVE]);
}

static gboolean
vm_is_control_domain (SimObject *vm)
{
  return g_variant_get_boolean (vm->fields[LAGOON_VM_IS_CONTROL_DOMAIN]);
}

/* The guests (not control domains) resident on @host, in creation order. */
static GPtrArray *
resident_guests (SimDb     *db,
                 SimObject *host)
{
  GPtrArray *out = g_ptr_array_new ();
  GQueue *vms = sim_db_class_objects (db, sim_class (LAGOON_CLASS_VM));

  for (GList *l = vms->head; l != NULL; l = l->next)
    {
      SimObject *vm = l->data;

      if (!vm_is_control_domain (vm) &&
          g_str_equal (sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON), host->ref))
        g_ptr_array_add (out, vm);
    }
  return out;
}

/* What a resident VM takes: its overhead plus its current (or largest dynamic) memory. */
static gint64
vm_memory_in_use (SimDb     *db,
                  SimObject *vm)
{
  SimObject *m = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VM_METRICS),
                                      sim_object_get_string (vm, LAGOON_VM_METRICS));
  gint64 actual = m != NULL ? sim_object_get_int (m, LAGOON_VM_METRICS_MEMORY_ACTUAL) : 0;

  if (actual <= 0)
    actual = sim_object_get_int (vm, LAGOON_VM_MEMORY_DYNAMIC_MAX);
  if (actual <= 0)
    actual = sim_object_get_int (vm, LAGOON_VM_MEMORY_STATIC_MAX);
  return MAX (actual, 0) + MAX (sim_object_get_int (vm, LAGOON_VM_MEMORY_OVERHEAD), 0);
}

/* What a VM needs to boot or arrive somewhere: dynamic_max plus overhead. */
static gint64
vm_memory_needed (SimObject *vm)
{
  gint64 need = sim_object_get_int (vm, LAGOON_VM_MEMORY_DYNAMIC_MAX);

  if (need <= 0)
    need = sim_object_get_int (vm, LAGOON_VM_MEMORY_STATIC_MAX);
  return MAX (need, 0) + MAX (sim_object_get_int (vm, LAGOON_VM_MEMORY_OVERHEAD), 0);
}

/*
 * Free memory as XenCenter computes it: host_metrics.memory_total minus the host's overhead
 * minus what every resident domain (control domain included) takes.
 */
static gint64
host_free_memory (SimDb     *db,
                  SimObject *host)
{
  SimObject *m = host_metrics (db, host);
  GQueue *vms = sim_db_class_objects (db, sim_class (LAGOON_CLASS_VM));
  gint64 free_mem;

  if (m == NULL)
    return 0;
  free_mem = sim_object_get_int (m, LAGOON_HOST_METRICS_MEMORY_TOTAL) -
             MAX (sim_object_get_int (host, LAGOON_HOST_MEMORY_OVERHEAD), 0);
  for (GList *l = vms->head; l != NULL; l = l->next)
    {
      SimObject *vm = l->data;

      if (g_str_equal (sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON), host->ref))
        free_mem -= vm_memory_in_use (db, vm);
    }
  return free_mem;
}

static void
set_map_entry (SimDb      *db,
               SimObject  *obj,
               int         field,
               const char *key,
               const char *value)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  GVariantIter iter;
  const char *k;
  GVariant *v;

  g_variant_iter_init (&iter, obj->fields[field]);
  while (g_variant_iter_next (&iter, "{&sv}", &k, &v))
    {
      if (!g_str_equal (k, key))
        g_variant_builder_add (&b, "{sv}", k, v);
      g_variant_unref (v);
    }
  if (value != NULL)
    g_variant_builder_add (&b, "{sv}", key, g_variant_new_string (value));
  sim_db_set (db, obj, field, g_variant_ref_sink (g_variant_builder_end (&b)));
}

/* ---- alerts ------------------------------------------------------------------------------ */

SimObject *
sim_message_create (SimServer  *server,
                    const char *name,
                    gint64      priority,
                    const char *cls,
                    const char *obj_uuid,
                    const char *body)
{
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_MESSAGE);
  g_autofree GVariant **fields = g_new0 (GVariant *, klass->n_fields);

  fields[LAGOON_MESSAGE_UUID] = g_variant_ref_sink (g_variant_new_take_string (sim_db_new_uuid ()));
  fields[LAGOON_MESSAGE_NAME] = sim_vstr (name);
  fields[LAGOON_MESSAGE_PRIORITY] = sim_vint (priority);
  fields[LAGOON_MESSAGE_CLS] = sim_vstr (cls);
  fields[LAGOON_MESSAGE_OBJ_UUID] = sim_vstr (obj_uuid);
  fields[LAGOON_MESSAGE_TIMESTAMP] = sim_vnow ();
  fields[LAGOON_MESSAGE_BODY] = sim_vstr (body);
  return sim_db_insert (sim_server_get_db (server), klass, NULL, fields, FALSE);
}

/* The object a message is about, looked up as xapi's check_uuid does (per cls). */
static gboolean
message_object_exists (SimDb      *db,
                       const char *cls,
                       const char *uuid)
{
  const LagoonSchemaClass *klass = lagoon_schema_find_class (cls);

  return klass != NULL && sim_db_lookup_uuid (db, klass, uuid) != NULL;
}

static gboolean
message_create (SimCall *call)
{
  SimDb *db = sim_server_get_db (call->server);
  const char *cls = sim_arg_string (call, 3);
  const char *obj_uuid = sim_arg_string (call, 4);
  SimObject *msg;

  if (!message_object_exists (db, cls, obj_uuid))
    {
      sim_fail (call, "UUID_INVALID", cls, obj_uuid, NULL);
      return FALSE;
    }
  msg = sim_message_create (call->server, sim_arg_string (call, 1),
                            g_variant_get_int64 (call->args[2]), cls, obj_uuid,
                            sim_arg_string (call, 5));
  sim_writer_string (call->w, msg->ref);
  return TRUE;
}

static gint64
message_time (SimObject *msg)
{
  gint64 t = 0;

  if (!lagoon_datetime_parse (sim_object_get_string (msg, LAGOON_MESSAGE_TIMESTAMP), &t))
    return 0;
  return t;
}

/* Writes the messages later than @since (and of @cls/@obj_uuid when not NULL) as a map. */
static void
write_messages (SimCall    *call,
                gint64      since,
                const char *cls,
                const char *obj_uuid)
{
  GQueue *msgs = sim_db_class_objects (sim_server_get_db (call->server),
                                       sim_class (LAGOON_CLASS_MESSAGE));

  sim_writer_begin_struct (call->w);
  for (GList *l = msgs->head; l != NULL; l = l->next)
    {
      SimObject *msg = l->data;

      if (message_time (msg) <= since)
        continue;
      if (cls != NULL && (!g_str_equal (sim_object_get_string (msg, LAGOON_MESSAGE_CLS), cls) ||
                          !g_str_equal (sim_object_get_string (msg, LAGOON_MESSAGE_OBJ_UUID),
                                        obj_uuid)))
        continue;
      sim_writer_member (call->w, msg->ref);
      sim_writer_record (call->w, msg->klass, msg->fields);
      sim_writer_end_member (call->w);
    }
  sim_writer_end_struct (call->w);
}

static gboolean
message_get_since (SimCall *call)
{
  gint64 since = 0;

  lagoon_datetime_parse (sim_arg_string (call, 1), &since);
  write_messages (call, since, NULL, NULL);
  return TRUE;
}

static gboolean
message_get (SimCall *call)
{
  const char *cls = sim_arg_string (call, 1);
  const char *obj_uuid = sim_arg_string (call, 2);
  gint64 since = 0;

  /* xapi's Message.get raises UUID_INVALID without parameters. */
  if (!message_object_exists (sim_server_get_db (call->server), cls, obj_uuid))
    {
      sim_fail (call, "UUID_INVALID", NULL);
      return FALSE;
    }
  lagoon_datetime_parse (sim_arg_string (call, 3), &since);
  write_messages (call, since, cls, obj_uuid);
  return TRUE;
}

/* The alerts xapi's message forwarding raises after VM operations (Api_messages). */
static void
alert_after_vm_call (SimCall *call)
{
  static const struct
  {
    const char *wire;
    const char *name;
    const char *what;  /* NULL: "started on host" */
  } alerts[] = {
    { "VM.start", "VM_STARTED", NULL },
    { "VM.start_on", "VM_STARTED", NULL },
    { "VM.clean_shutdown", "VM_SHUTDOWN", "shutdown" },
    { "VM.shutdown", "VM_SHUTDOWN", "shutdown" },
    { "VM.hard_shutdown", "VM_SHUTDOWN", "shutdown forcibly" },
    { "VM.clean_reboot", "VM_REBOOTED", "rebooted cleanly" },
    { "VM.hard_reboot", "VM_REBOOTED", "rebooted forcibly" },
    { "VM.suspend", "VM_SUSPENDED", "suspended" },
    { "VM.pause", "VM_PAUSED", "paused" },
    { "VM.unpause", "VM_UNPAUSED", "unpaused" },
  };
  SimDb *db = sim_server_get_db (call->server);
  SimObject *vm;

  for (guint i = 0; i < G_N_ELEMENTS (alerts); i++)
    {
      g_autofree char *body = NULL;
      const char *name = NULL;

      if (!g_str_equal (call->wire_name, alerts[i].wire))
        continue;
      vm = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VM), sim_arg_string (call, 1));
      if (vm == NULL)
        return;
      name = sim_object_get_string (vm, LAGOON_VM_NAME_LABEL);
      if (alerts[i].what == NULL)
        {
          SimObject *host = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_HOST),
                                                 sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON));

          body = g_strdup_printf ("VM '%s' (uuid: %s) started on host: %s (uuid: %s)", name,
                                  sim_object_get_string (vm, LAGOON_VM_UUID),
                                  host != NULL ? sim_object_get_string (host, LAGOON_HOST_NAME_LABEL) : "",
                                  host != NULL ? sim_object_get_string (host, LAGOON_HOST_UUID) : "");
        }
      else
        body = g_strdup_printf ("VM '%s' (uuid: %s) %s", name,
                                sim_object_get_string (vm, LAGOON_VM_UUID), alerts[i].what);
      sim_message_create (call->server, alerts[i].name, 5, "VM",
                          sim_object_get_string (vm, LAGOON_VM_UUID), body);
      return;
    }
}

/* ---- host operations --------------------------------------------------------------------- */

/*
 * allowed_operations as xapi_host_helpers computes them: reboot, shutdown and apply_updates
 * need a disabled host; operations that bring VMs in and those that take them away exclude
 * each other while one runs; reboot and shutdown exclude each other. power_on is never
 * offered (the host is live and the power-on plugin is absent).
 */
static GVariant *
host_allowed_operations (SimObject *host)
{
  static const char *const all[] = {
    "provision", "evacuate", "shutdown", "reboot", "vm_start", "vm_resume", "vm_migrate",
    "apply_updates", "enable",
  };
  g_autoptr(GPtrArray) allowed = g_ptr_array_new ();
  gboolean creating = FALSE, removing = FALSE, rebooting = FALSE, halting = FALSE;
  GVariantIter iter;
  const char *k;
  GVariant *v;

  g_variant_iter_init (&iter, host->fields[LAGOON_HOST_CURRENT_OPERATIONS]);
  while (g_variant_iter_next (&iter, "{&sv}", &k, &v))
    {
      const char *op = g_variant_is_of_type (v, G_VARIANT_TYPE_STRING) ? g_variant_get_string (v, NULL)
                                                                      : "";

      creating |= g_str_equal (op, "provision") || g_str_equal (op, "vm_resume") ||
                  g_str_equal (op, "vm_migrate");
      removing |= g_str_equal (op, "evacuate") || g_str_equal (op, "reboot") ||
                  g_str_equal (op, "shutdown");
      rebooting |= g_str_equal (op, "reboot");
      halting |= g_str_equal (op, "shutdown");
      g_variant_unref (v);
    }

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      const char *op = all[i];
      gboolean is_creating = g_str_equal (op, "provision") || g_str_equal (op, "vm_resume") ||
                             g_str_equal (op, "vm_migrate");
      gboolean is_removing = g_str_equal (op, "evacuate") || g_str_equal (op, "reboot") ||
                             g_str_equal (op, "shutdown");
      gboolean needs_disabled = g_str_equal (op, "reboot") || g_str_equal (op, "shutdown") ||
                                g_str_equal (op, "apply_updates");

      if ((is_creating && removing) || (is_removing && creating))
        continue;
      if (rebooting && (g_str_equal (op, "shutdown") || g_str_equal (op, "apply_updates")))
        continue;
      if (halting && (g_str_equal (op, "reboot") || g_str_equal (op, "apply_updates")))
        continue;
      if (needs_disabled && host_is_enabled (host))
        continue;
      g_ptr_array_add (allowed, (gpointer) op);
    }
  return sim_vstrv ((const char *const *) allowed->pdata, allowed->len);
}

static void
host_update_allowed_operations (SimDb     *db,
                                SimObject *host)
{
  g_autoptr(GVariant) ops = host_allowed_operations (host);

  if (!g_variant_equal (ops, host->fields[LAGOON_HOST_ALLOWED_OPERATIONS]))
    sim_db_set (db, host, LAGOON_HOST_ALLOWED_OPERATIONS, g_steal_pointer (&ops));
}

/* The error xapi's assert_operation_valid gives for @op on @host, or FALSE when it is allowed. */
static gboolean
host_operation_error (SimCall    *call,
                      SimObject  *host,
                      const char *op)
{
  g_autoptr(GPtrArray) allowed = set_strings (host->fields[LAGOON_HOST_ALLOWED_OPERATIONS]);
  GVariantIter iter;
  const char *k;
  GVariant *v;

  for (guint i = 0; i < allowed->len; i++)
    if (g_str_equal (g_ptr_array_index (allowed, i), op))
      return FALSE;
  /* Another operation in progress blocks it first, then the enabled flag. */
  g_variant_iter_init (&iter, host->fields[LAGOON_HOST_CURRENT_OPERATIONS]);
  if (g_variant_iter_next (&iter, "{&sv}", &k, &v))
    {
      g_autofree char *ref = g_strdup (k);
      const char *running = g_variant_is_of_type (v, G_VARIANT_TYPE_STRING)
                            ? g_variant_get_string (v, NULL) : "";

      sim_fail (call, "OTHER_OPERATION_IN_PROGRESS", "host", host->ref, running, ref, NULL);
      g_variant_unref (v);
      return TRUE;
    }
  sim_fail (call, "HOST_NOT_DISABLED", NULL);
  return TRUE;
}

static char *
host_begin_operation (SimDb      *db,
                      SimObject  *host,
                      const char *op)
{
  g_autofree char *uuid = sim_db_new_uuid ();
  char *key = g_strconcat ("OpaqueRef:", uuid, NULL);

  set_map_entry (db, host, LAGOON_HOST_CURRENT_OPERATIONS, key, op);
  host_update_allowed_operations (db, host);
  return key;
}

static void
host_end_operation (SimDb      *db,
                    SimObject  *host,
                    const char *key)
{
  set_map_entry (db, host, LAGOON_HOST_CURRENT_OPERATIONS, key, NULL);
  host_update_allowed_operations (db, host);
}

static gboolean
host_disable (SimCall *call)
{
  SimDb *db = sim_server_get_db (call->server);
  SimObject *host = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_HOST));
  gboolean auto_enable = call->n_received > 2 ? g_variant_get_boolean (call->args[2]) : TRUE;

  if (host == NULL)
    return FALSE;
  if (g_variant_get_boolean (sim_pool_object (call->server)->fields[LAGOON_POOL_HA_ENABLED]))
    {
      /* The HA plan check (assert_host_disable_preserves_ha_plan) is not simulated. */
      g_debug ("host.disable with HA enabled: the HA plan is not checked");
    }
  if (host_is_enabled (host))
    {
      sim_db_set (db, host, LAGOON_HOST_ENABLED, sim_vbool (FALSE));
      if (no_auto_enable == NULL)
        no_auto_enable = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      if (!auto_enable)
        g_hash_table_add (no_auto_enable, g_strdup (host->ref));
    }
  host_update_allowed_operations (db, host);
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
host_enable (SimCall *call)
{
  SimDb *db = sim_server_get_db (call->server);
  SimObject *host = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_HOST));

  if (host == NULL || host_operation_error (call, host, "enable"))
    return FALSE;
  if (!host_is_live (db, host))
    {
      /* assert_safe_to_reenable: a host that is down cannot come back by request. */
      sim_fail (call, "HOST_NOT_LIVE", NULL);
      return FALSE;
    }
  if (!host_is_enabled (host))
    sim_db_set (db, host, LAGOON_HOST_ENABLED, sim_vbool (TRUE));
  if (no_auto_enable != NULL)
    g_hash_table_remove (no_auto_enable, host->ref);
  host_update_allowed_operations (db, host);
  sim_writer_void (call->w);
  return TRUE;
}

/* ---- evacuation -------------------------------------------------------------------------- */

typedef struct
{
  SimObject *vm;
  SimObject *target;  /* NULL when error is set */
  GPtrArray *error;   /* code, params */
} Plan;

static void
plan_free (gpointer data)
{
  Plan *p = data;

  g_clear_pointer (&p->error, g_ptr_array_unref);
  g_free (p);
}

static void
plan_fail (Plan       *p,
           const char *code,
           ...)
{
  va_list ap;
  const char *s;

  if (p->error != NULL)
    return;
  p->error = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (p->error, g_strdup (code));
  va_start (ap, code);
  while ((s = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (p->error, g_strdup (s));
  va_end (ap);
}

static int
compare_by_memory (gconstpointer a,
                   gconstpointer b)
{
  const Plan *pa = *(const Plan *const *) a;
  const Plan *pb = *(const Plan *const *) b;
  gint64 ma = vm_memory_needed (pa->vm);
  gint64 mb = vm_memory_needed (pb->vm);

  return ma < mb ? 1 : ma > mb ? -1 : 0;
}

/*
 * xapi's compute_evacuation_plan_no_wlb: the targets are the other enabled hosts; with none,
 * every guest gets NO_HOSTS_AVAILABLE [vm]; a guest that cannot be pool-migrated gets that
 * operation's error; the others are packed, biggest first, onto the target with the most free
 * memory that fits, and a guest that fits nowhere gets HOST_NOT_ENOUGH_FREE_MEMORY [vm].
 */
static GPtrArray *
evacuation_plan (SimServer *server,
                 SimObject *host)
{
  SimDb *db = sim_server_get_db (server);
  GPtrArray *plans = g_ptr_array_new_with_free_func (plan_free);
  g_autoptr(GPtrArray) guests = resident_guests (db, host);
  g_autoptr(GPtrArray) targets = g_ptr_array_new ();
  g_autoptr(GArray) free_mem = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  GQueue *hosts = sim_db_class_objects (db, sim_class (LAGOON_CLASS_HOST));

  for (GList *l = hosts->head; l != NULL; l = l->next)
    {
      SimObject *h = l->data;

      if (h != host && host_is_enabled (h) && host_is_live (db, h))
        {
          gint64 f = host_free_memory (db, h);
          g_ptr_array_add (targets, h);
          g_array_append_val (free_mem, f);
        }
    }

  for (guint i = 0; i < guests->len; i++)
    {
      Plan *p = g_new0 (Plan, 1);
      SimObject *vm = g_ptr_array_index (guests, i);
      const char *state = sim_object_get_string (vm, LAGOON_VM_POWER_STATE);

      p->vm = vm;
      g_ptr_array_add (plans, p);
      if (targets->len == 0)
        {
          plan_fail (p, "NO_HOSTS_AVAILABLE", vm->ref, NULL);
          continue;
        }
      if (!g_str_equal (state, "Running"))
        {
          g_autofree char *actual = g_ascii_strdown (state, -1);
          plan_fail (p, "VM_BAD_POWER_STATE", vm->ref, "running", actual, NULL);
          continue;
        }
      g_ptr_array_add (order, p);
    }

  g_ptr_array_sort (order, compare_by_memory);
  for (guint i = 0; i < order->len; i++)
    {
      Plan *p = g_ptr_array_index (order, i);
      gint64 need = vm_memory_needed (p->vm);
      gint best = -1;

      for (guint t = 0; t < targets->len; t++)
        {
          gint64 f = g_array_index (free_mem, gint64, t);

          if (f >= need && (best < 0 || f > g_array_index (free_mem, gint64, best)))
            best = (gint) t;
        }
      if (best < 0)
        {
          plan_fail (p, "HOST_NOT_ENOUGH_FREE_MEMORY", p->vm->ref, NULL);
          continue;
        }
      p->target = g_ptr_array_index (targets, best);
      g_array_index (free_mem, gint64, best) -= need;
    }
  return plans;
}

/* Moves a running VM to @host: resident_on, a new domid, its consoles' location. */
void
sim_host_move_vm (SimServer *server,
                  SimObject *vm,
                  SimObject *host)
{
  SimDb *db = sim_server_get_db (server);
  GQueue *consoles = sim_db_class_objects (db, sim_class (LAGOON_CLASS_CONSOLE));
  static gint64 next_domid = 5000;

  sim_db_set (db, vm, LAGOON_VM_RESIDENT_ON, sim_vstr (host->ref));
  sim_db_set (db, vm, LAGOON_VM_DOMID, sim_vint (next_domid++));
  for (GList *l = consoles->head; l != NULL; l = l->next)
    {
      SimObject *console = l->data;
      g_autofree char *location = NULL;

      if (!g_str_equal (sim_object_get_string (console, LAGOON_CONSOLE_VM), vm->ref))
        continue;
      location = g_strdup_printf ("http://%s:%u/console?uuid=%s",
                                  sim_object_get_string (host, LAGOON_HOST_ADDRESS),
                                  sim_server_get_port (server),
                                  sim_object_get_string (console, LAGOON_CONSOLE_UUID));
      sim_db_set (db, console, LAGOON_CONSOLE_LOCATION, sim_vstr (location));
    }
}

static gboolean
host_get_vms_which_prevent_evacuation (SimCall *call)
{
  SimObject *host = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_HOST));
  g_autoptr(GPtrArray) plans = NULL;

  if (host == NULL)
    return FALSE;
  plans = evacuation_plan (call->server, host);
  sim_writer_begin_struct (call->w);
  for (guint i = 0; i < plans->len; i++)
    {
      Plan *p = g_ptr_array_index (plans, i);

      if (p->error == NULL)
        continue;
      sim_writer_member (call->w, p->vm->ref);
      sim_writer_begin_array (call->w);
      for (guint e = 0; e < p->error->len; e++)
        sim_writer_string (call->w, g_ptr_array_index (p->error, e));
      sim_writer_end_array (call->w);
      sim_writer_end_member (call->w);
    }
  sim_writer_end_struct (call->w);
  return TRUE;
}

static gboolean
host_assert_can_evacuate (SimCall *call)
{
  SimObject *host = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_HOST));
  g_autoptr(GPtrArray) plans = NULL;
  g_autoptr(GString) errors = g_string_new (NULL);

  if (host == NULL)
    return FALSE;
  plans = evacuation_plan (call->server, host);
  for (guint i = 0; i < plans->len; i++)
    {
      Plan *p = g_ptr_array_index (plans, i);
      g_autofree char *joined = NULL;

      if (p->error == NULL)
        continue;
      g_ptr_array_add (p->error, NULL);
      joined = g_strjoinv (",", (char **) p->error->pdata);
      g_ptr_array_remove_index (p->error, p->error->len - 1);
      if (errors->len > 0)
        g_string_append_c (errors, '|');
      g_string_append (errors, joined);
    }
  if (errors->len > 0)
    {
      sim_fail (call, "CANNOT_EVACUATE_HOST", errors->str, NULL);
      return FALSE;
    }
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
host_evacuate (SimCall *call)
{
  SimDb *db = sim_server_get_db (call->server);
  SimObject *host = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_HOST));
  g_autoptr(GPtrArray) plans = NULL;
  g_autofree char *op = NULL;
  g_autofree char *host_ref = NULL;

  if (host == NULL || host_operation_error (call, host, "evacuate"))
    return FALSE;
  plans = evacuation_plan (call->server, host);
  for (guint i = 0; i < plans->len; i++)
    {
      Plan *p = g_ptr_array_index (plans, i);

      if (p->error != NULL)
        {
          g_ptr_array_set_size (call->error, 0);
          for (guint e = 0; e < p->error->len; e++)
            g_ptr_array_add (call->error, g_strdup (g_ptr_array_index (p->error, e)));
          return FALSE;
        }
    }

  host_ref = g_strdup (host->ref);
  op = host_begin_operation (db, host, "evacuate");
  for (guint i = 0; i < plans->len; i++)
    {
      Plan *p = g_ptr_array_index (plans, i);
      g_autofree char *vm_ref = g_strdup (p->vm->ref);
      g_autofree char *target_ref = g_strdup (p->target->ref);
      SimObject *vm;
      SimObject *target;

      /* A live migration takes a moment; others may change things meanwhile. */
      sim_wait_unlocked (call->server, 0.2);
      vm = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VM), vm_ref);
      target = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_HOST), target_ref);
      if (vm != NULL && target != NULL &&
          g_str_equal (sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON), host_ref) &&
          g_str_equal (sim_object_get_string (vm, LAGOON_VM_POWER_STATE), "Running"))
        sim_host_move_vm (call->server, vm, target);
    }
  host = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_HOST), host_ref);
  if (host != NULL)
    host_end_operation (db, host, op);
  sim_writer_void (call->w);
  return TRUE;
}

/* ---- reboot and shutdown ----------------------------------------------------------------- */

typedef struct
{
  SimServer *server;
  char      *host_ref;
  char      *op_key;
  gboolean   reboot;
} PowerJob;

static void
set_host_live (SimDb     *db,
               SimObject *host,
               gboolean   live)
{
  SimObject *m = host_metrics (db, host);

  if (m == NULL)
    return;
  sim_db_set (db, m, LAGOON_HOST_METRICS_LIVE, sim_vbool (live));
  sim_db_set (db, m, LAGOON_HOST_METRICS_LAST_UPDATED, sim_vnow ());
}

/* The guests still resident go down with their host (xapi's prepare_for_poweroff). */
static void
halt_resident_guests (SimServer *server,
                      SimObject *host)
{
  SimDb *db = sim_server_get_db (server);
  g_autoptr(GPtrArray) guests = resident_guests (db, host);
  GQueue *consoles = sim_db_class_objects (db, sim_class (LAGOON_CLASS_CONSOLE));

  for (guint i = 0; i < guests->len; i++)
    {
      SimObject *vm = g_ptr_array_index (guests, i);
      g_autofree char *body = g_strdup_printf ("VM '%s' (uuid: %s) shutdown",
                                               sim_object_get_string (vm, LAGOON_VM_NAME_LABEL),
                                               sim_object_get_string (vm, LAGOON_VM_UUID));
      GList *l = consoles->head;

      sim_db_set (db, vm, LAGOON_VM_POWER_STATE, sim_vstr ("Halted"));
      sim_db_set (db, vm, LAGOON_VM_RESIDENT_ON, sim_vstr (LAGOON_NULL_REF));
      sim_db_set (db, vm, LAGOON_VM_DOMID, sim_vint (-1));
      while (l != NULL)
        {
          GList *next = l->next;

          if (g_str_equal (sim_object_get_string (l->data, LAGOON_CONSOLE_VM), vm->ref))
            sim_db_delete (db, l->data);
          l = next;
        }
      sim_message_create (server, "VM_SHUTDOWN", 5, "VM", sim_object_get_string (vm, LAGOON_VM_UUID),
                          body);
    }
}

static gpointer
power_worker (gpointer data)
{
  PowerJob *job = data;
  SimServer *server = job->server;
  SimDb *db = sim_server_get_db (server);
  double speed = sim_server_get_speed (server);
  SimObject *host;

  g_usleep ((gulong) (HOST_GOING_DOWN_S * speed * G_USEC_PER_SEC));
  g_mutex_lock (&db->lock);
  host = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_HOST), job->host_ref);
  if (host != NULL)
    {
      halt_resident_guests (server, host);
      set_host_live (db, host, FALSE);
      if (!job->reboot)
        host_end_operation (db, host, job->op_key);
    }
  g_mutex_unlock (&db->lock);

  if (job->reboot)
    {
      g_usleep ((gulong) (HOST_REBOOT_S * speed * G_USEC_PER_SEC));
      g_mutex_lock (&db->lock);
      host = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_HOST), job->host_ref);
      if (host != NULL)
        {
          set_host_live (db, host, TRUE);
          /* Back up enabled, unless it was disabled with auto_enable=false. */
          if (no_auto_enable == NULL || !g_hash_table_contains (no_auto_enable, host->ref))
            sim_db_set (db, host, LAGOON_HOST_ENABLED, sim_vbool (TRUE));
          host_end_operation (db, host, job->op_key);
        }
      g_mutex_unlock (&db->lock);
    }
  g_free (job->host_ref);
  g_free (job->op_key);
  g_free (job);
  return NULL;
}

static gboolean
host_power (SimCall *call)
{
  gboolean reboot = g_str_equal (call->msg->name, "reboot");
  SimObject *host = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_HOST));
  PowerJob *job;

  if (host == NULL || host_operation_error (call, host, reboot ? "reboot" : "shutdown"))
    return FALSE;
  if (!host_is_live (sim_server_get_db (call->server), host))
    {
      sim_fail (call, "HOST_NOT_LIVE", NULL);
      return FALSE;
    }
  job = g_new0 (PowerJob, 1);
  job->server = call->server;
  job->host_ref = g_strdup (host->ref);
  job->reboot = reboot;
  job->op_key = host_begin_operation (sim_server_get_db (call->server), host,
                                      reboot ? "reboot" : "shutdown");
  g_thread_unref (g_thread_new ("xapi-sim-host-power", power_worker, job));
  sim_writer_void (call->w);
  return TRUE;
}

/* ---- checks before and after other areas' calls -------------------------------------------- */

/* An enabled, live host for a VM to start on: the coordinator first, as the simulator boots there. */
SimObject *
sim_host_choose_for_vm (SimServer *server,
                        SimObject *vm)
{
  SimDb *db = sim_server_get_db (server);
  SimObject *master = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_HOST), sim_master_ref (server));
  GQueue *hosts = sim_db_class_objects (db, sim_class (LAGOON_CLASS_HOST));
  gint64 need = vm != NULL ? vm_memory_needed (vm) : 0;

  if (master != NULL && host_is_enabled (master) && host_is_live (db, master))
    return master;
  for (GList *l = hosts->head; l != NULL; l = l->next)
    if (host_is_enabled (l->data) && host_is_live (db, l->data) &&
        (host_metrics (db, l->data) == NULL || host_free_memory (db, l->data) >= need))
      return l->data;
  return NULL;
}

/*
 * xapi's assert_can_boot_here refuses a disabled host (HOST_DISABLED [host]) and a host that is
 * down (HOST_OFFLINE [host]) for VM.start_on, resume_on and pool_migrate; VM.start and resume
 * with no enabled host anywhere give NO_HOSTS_AVAILABLE []. Only when the VM is in the state the
 * operation wants, so that VM_BAD_POWER_STATE still comes first.
 */
gboolean
sim_host_before_call (SimCall *call)
{
  static const struct
  {
    const char *wire;
    const char *state;
    gboolean    explicit_host;
  } ops[] = {
    { "VM.start", "Halted", FALSE },
    { "VM.resume", "Suspended", FALSE },
    { "VM.start_on", "Halted", TRUE },
    { "VM.resume_on", "Suspended", TRUE },
    { "VM.pool_migrate", "Running", TRUE },
  };
  SimDb *db = sim_server_get_db (call->server);

  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    {
      SimObject *vm;
      SimObject *host;

      if (!g_str_equal (call->wire_name, ops[i].wire))
        continue;
      vm = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VM), sim_arg_string (call, 1));
      if (vm == NULL || !g_str_equal (sim_object_get_string (vm, LAGOON_VM_POWER_STATE), ops[i].state) ||
          g_variant_get_boolean (vm->fields[LAGOON_VM_IS_A_TEMPLATE]))
        return TRUE;
      if (!ops[i].explicit_host)
        {
          if (sim_host_choose_for_vm (call->server, NULL) == NULL)
            {
              sim_fail (call, "NO_HOSTS_AVAILABLE", NULL);
              return FALSE;
            }
          return TRUE;
        }
      host = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_HOST), sim_arg_string (call, 2));
      if (host == NULL)
        return TRUE;
      if (!host_is_live (db, host))
        {
          sim_fail (call, "HOST_OFFLINE", host->ref, NULL);
          return FALSE;
        }
      if (!host_is_enabled (host))
        {
          sim_fail (call, "HOST_DISABLED", host->ref, NULL);
          return FALSE;
        }
      return TRUE;
    }
  return TRUE;
}

void
sim_host_after_call (SimCall *call)
{
  if (call->klass == sim_class (LAGOON_CLASS_VM))
    alert_after_vm_call (call);
}

/*
 * At start-up, as xapi's own start does (consider_enabling_host): every live host comes up
 * enabled, since a toolstack restart forgets a user's host.disable (auto_enable is kept in each
 * host's local database, which a pool dump does not carry); then allowed_operations follow.
 */
void
sim_host_setup (SimServer *server)
{
  SimDb *db = sim_server_get_db (server);
  GQueue *hosts = sim_db_class_objects (db, sim_class (LAGOON_CLASS_HOST));

  for (GList *l = hosts->head; l != NULL; l = l->next)
    {
      SimObject *host = l->data;

      if (host_is_live (db, host) && !host_is_enabled (host))
        sim_db_set_quiet (db, host, LAGOON_HOST_ENABLED, sim_vbool (TRUE));

      sim_db_set_quiet (db, host, LAGOON_HOST_ALLOWED_OPERATIONS, host_allowed_operations (host));
    }
}

/* ---- the pool ---------------------------------------------------------------------------- */

static gboolean
pool_begin_operation (SimCall    *call,
                      const char *op,
                      char      **key_out)
{
  SimDb *db = sim_server_get_db (call->server);
  SimObject *pool = sim_pool_object (call->server);
  g_autofree char *uuid = NULL;
  GVariantIter iter;
  const char *k;
  GVariant *v;

  g_variant_iter_init (&iter, pool->fields[LAGOON_POOL_CURRENT_OPERATIONS]);
  if (g_variant_iter_next (&iter, "{&sv}", &k, &v))
    {
      g_autofree char *ref = g_strdup (k);
      const char *running = g_variant_is_of_type (v, G_VARIANT_TYPE_STRING)
                            ? g_variant_get_string (v, NULL) : "";

      sim_fail (call, "OTHER_OPERATION_IN_PROGRESS", "pool", pool->ref, running, ref, NULL);
      g_variant_unref (v);
      return FALSE;
    }
  uuid = sim_db_new_uuid ();
  *key_out = g_strconcat ("OpaqueRef:", uuid, NULL);
  set_map_entry (db, pool, LAGOON_POOL_CURRENT_OPERATIONS, *key_out, op);
  return TRUE;
}

static void
pool_end_operation (SimCall    *call,
                    const char *key)
{
  set_map_entry (sim_server_get_db (call->server), sim_pool_object (call->server),
                 LAGOON_POOL_CURRENT_OPERATIONS, key, NULL);
}

static gboolean
pool_ha_check (SimCall *call)
{
  if (g_variant_get_boolean (sim_pool_object (call->server)->fields[LAGOON_POOL_HA_ENABLED]))
    {
      sim_fail (call, "HA_IS_ENABLED", NULL);
      return FALSE;
    }
  return TRUE;
}

/* The new coordinator raises POOL_MASTER_TRANSITION about itself when its toolstack is back. */
static void
become_master (SimCall   *call,
               SimObject *host)
{
  SimDb *db = sim_server_get_db (call->server);
  SimObject *pool = sim_pool_object (call->server);

  sim_db_set (db, pool, LAGOON_POOL_MASTER, sim_vstr (host->ref));
  sim_server_coordinator_changed (call->server);
  sim_message_create (call->server, "POOL_MASTER_TRANSITION", 4, "Host",
                      sim_object_get_string (host, LAGOON_HOST_UUID), "");
}

static gboolean
pool_designate_new_master (SimCall *call)
{
  SimObject *host = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_HOST));
  g_autofree char *key = NULL;
  g_autofree char *host_ref = NULL;

  if (host == NULL)
    return FALSE;
  /* Forwarded to the new coordinator, which does nothing when it already is one. */
  if (g_str_equal (host->ref, sim_master_ref (call->server)))
    return sim_write_void (call);
  if (!pool_ha_check (call))
    return FALSE;
  if (!host_is_live (sim_server_get_db (call->server), host))
    {
      sim_fail (call, "HOST_OFFLINE", host->ref, NULL);
      return FALSE;
    }
  if (!pool_begin_operation (call, "designate_new_master", &key))
    return FALSE;
  host_ref = g_strdup (host->ref);
  /* The database is synced to every member, then the two toolstacks restart. */
  sim_wait_unlocked (call->server, 0.5);
  host = sim_db_lookup_class (sim_server_get_db (call->server), sim_class (LAGOON_CLASS_HOST), host_ref);
  pool_end_operation (call, key);
  if (host == NULL)
    {
      sim_fail (call, "HANDLE_INVALID", "host", host_ref, NULL);
      return FALSE;
    }
  become_master (call, host);
  return sim_write_void (call);
}

static gboolean
pool_emergency_transition_to_master (SimCall *call)
{
  SimObject *host = sim_db_lookup_class (sim_server_get_db (call->server),
                                         sim_class (LAGOON_CLASS_HOST), call->host_ref);

  if (host != NULL && !g_str_equal (host->ref, sim_master_ref (call->server)))
    become_master (call, host);
  return sim_write_void (call);
}

/*
 * Deletes @host and what only it had, as xapi's eject and its database GC do: its control
 * domain, host_metrics, and every object of a class whose "host" field points at it (PIFs,
 * PBDs, host_cpus, PCIs...), then SRs left without PBDs (forgotten with their VDIs).
 */
static void
remove_host (SimServer *server,
             SimObject *host)
{
  SimDb *db = sim_server_get_db (server);
  g_autofree char *ref = g_strdup (host->ref);
  g_autoptr(GPtrArray) doomed = g_ptr_array_new ();
  SimObject *metrics = host_metrics (db, host);
  GQueue *vms = sim_db_class_objects (db, sim_class (LAGOON_CLASS_VM));

  for (GList *l = vms->head; l != NULL; l = l->next)
    {
      SimObject *vm = l->data;

      if (vm_is_control_domain (vm) &&
          (g_str_equal (sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON), ref) ||
           g_str_equal (sim_object_get_string (host, LAGOON_HOST_CONTROL_DOMAIN), vm->ref)))
        g_ptr_array_add (doomed, vm);
    }
  for (guint i = 0; i < doomed->len; i++)
    {
      SimObject *vm = g_ptr_array_index (doomed, i);
      static const int lists[] = { LAGOON_VM_VBDS, LAGOON_VM_VIFS, LAGOON_VM_CONSOLES };

      for (guint k = 0; k < G_N_ELEMENTS (lists); k++)
        {
          g_autoptr(GPtrArray) refs = set_strings (vm->fields[lists[k]]);

          for (guint j = 0; j < refs->len; j++)
            {
              SimObject *dev = sim_db_lookup (db, g_ptr_array_index (refs, j));
              if (dev != NULL)
                sim_db_delete (db, dev);
            }
        }
      sim_db_delete (db, vm);
    }

  for (guint c = 0; c < lagoon_schema_n_classes; c++)
    {
      const LagoonSchemaClass *klass = &lagoon_schema_classes[c];
      int f = lagoon_schema_find_field (klass, "host");
      GList *l;

      if (f < 0 || klass->fields[f].type->kind != LAGOON_TYPE_REF ||
          g_strcmp0 (klass->fields[f].type->class_name, "host") != 0)
        continue;
      l = sim_db_class_objects (db, klass)->head;
      while (l != NULL)
        {
          GList *next = l->next;

          if (g_str_equal (sim_object_get_string (l->data, f), ref))
            sim_db_delete (db, l->data);
          l = next;
        }
    }
  if (metrics != NULL)
    sim_db_delete (db, metrics);
  sim_db_delete (db, host);

  /* SR.forget for the SRs only this host could see. */
  {
    GList *l = sim_db_class_objects (db, sim_class (LAGOON_CLASS_SR))->head;

    while (l != NULL)
      {
        GList *next = l->next;
        SimObject *sr = l->data;
        g_autoptr(GPtrArray) pbds = set_strings (sr->fields[LAGOON_SR_PBDS]);

        if (pbds->len == 0 && !g_str_equal (sim_object_get_string (sr, LAGOON_SR_TYPE), "iso") &&
            g_variant_get_boolean (sr->fields[LAGOON_SR_SHARED]) == FALSE)
          {
            g_autoptr(GPtrArray) vdis = set_strings (sr->fields[LAGOON_SR_VDIS]);

            for (guint i = 0; i < vdis->len; i++)
              {
                SimObject *vdi = sim_db_lookup (db, g_ptr_array_index (vdis, i));
                g_autoptr(GPtrArray) vbds = NULL;

                if (vdi == NULL)
                  continue;
                vbds = set_strings (vdi->fields[LAGOON_VDI_VBDS]);
                for (guint j = 0; j < vbds->len; j++)
                  {
                    SimObject *vbd = sim_db_lookup (db, g_ptr_array_index (vbds, j));
                    if (vbd != NULL)
                      sim_db_delete (db, vbd);
                  }
                sim_db_delete (db, vdi);
              }
            sim_db_delete (db, sr);
          }
        l = next;
      }
  }
}

static gboolean
pool_eject (SimCall *call)
{
  SimDb *db = sim_server_get_db (call->server);
  SimObject *host = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_HOST));
  g_autofree char *key = NULL;
  g_autoptr(GPtrArray) guests = NULL;

  if (host == NULL)
    return FALSE;
  if (!pool_begin_operation (call, "eject", &key))
    return FALSE;
  if (!pool_ha_check (call))
    goto fail;
  if (g_str_equal (host->ref, sim_master_ref (call->server)))
    {
      /* An OCaml exception xapi does not map to an API error. */
      sim_fail (call, "INTERNAL_ERROR", "Xapi_pool.Cannot_eject_master", NULL);
      goto fail;
    }
  guests = resident_guests (db, host);
  for (guint i = 0; i < guests->len; i++)
    if (!g_str_equal (sim_object_get_string (g_ptr_array_index (guests, i), LAGOON_VM_POWER_STATE),
                      "Halted"))
      {
        sim_fail (call, "OPERATION_NOT_ALLOWED", "VM resident on host", NULL);
        goto fail;
      }
  remove_host (call->server, host);
  pool_end_operation (call, key);
  return sim_write_void (call);

fail:
  pool_end_operation (call, key);
  return FALSE;
}

/*
 * pool.join runs on the joining host, which logs into @master_address first. The simulator
 * plays one pool and reaches no other: an address of its own pool is checked as xapi would
 * (a supporter's address answers HOST_IS_SLAVE, the coordinator's checks the credentials and
 * then refuses joining oneself); any other address cannot be contacted.
 */
static gboolean
pool_join (SimCall *call)
{
  SimServer *server = call->server;
  const char *address = sim_arg_string (call, 1);
  gboolean ours = FALSE;

  for (guint i = 0; i < sim_server_n_hosts (server); i++)
    ours |= g_str_equal (sim_server_host_address (server, i), address);
  if (!ours)
    {
      sim_fail (call, "POOL_JOINING_HOST_CONNECTION_FAILED", NULL);
      return FALSE;
    }
  if (!g_str_equal (address, sim_master_address (server)))
    {
      sim_fail (call, "HOST_IS_SLAVE", sim_master_address (server), NULL);
      return FALSE;
    }
  if (!sim_server_check_credentials (server, sim_arg_string (call, 2), sim_arg_string (call, 3)))
    {
      sim_fail (call, "SESSION_AUTHENTICATION_FAILED", sim_arg_string (call, 2),
                "Authentication failure", NULL);
      return FALSE;
    }
  if (!pool_ha_check (call))
    return FALSE;
  sim_fail (call, "OPERATION_NOT_ALLOWED",
            sim_db_class_objects (sim_server_get_db (server),
                                  sim_class (LAGOON_CLASS_HOST))->length > 1
            ? "Host is already part of a pool" : "Host cannot become slave of itself", NULL);
  return FALSE;
}

const SimSpecial sim_host_specials[] = {
  { "host.disable", host_disable },
  { "host.enable", host_enable },
  { "host.evacuate", host_evacuate },
  { "host.get_vms_which_prevent_evacuation", host_get_vms_which_prevent_evacuation },
  { "host.assert_can_evacuate", host_assert_can_evacuate },
  { "host.reboot", host_power },
  { "host.shutdown", host_power },
  { "pool.designate_new_master", pool_designate_new_master },
  { "pool.emergency_transition_to_master", pool_emergency_transition_to_master },
  { "pool.eject", pool_eject },
  { "pool.join", pool_join },
  { "pool.join_force", pool_join },
  { "message.create", message_create },
  { "message.get_since", message_get_since },
  { "message.get", message_get },
  { NULL, NULL }
};
