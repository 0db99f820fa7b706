/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sim-host.c: hosts (enable/disable, evacuate, reboot, shutdown), the pool (join, eject,
 * coordinator changes), alerts (message objects) and XVA export/import, as xapi runs them.
 */
#define G_LOG_DOMAIN "xapi-sim"

#include "config.h"

#include <string.h>

#include "lagoon-xmlrpc.h"

#include "sim-console.h"
#include "sim-ops.h"

/* Seconds (times --speed) before a rebooting or halting host goes down, and before it is back. */
#define HOST_GOING_DOWN_S 1.0
#define HOST_REBOOT_S     3.0

/* Hosts disabled with auto_enable=false (xapi keeps that flag in each host's local db). */
static GHashTable *no_auto_enable;

static GVariant *pool_allowed_operations (SimServer *server);

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

      /* xapi's message timestamps have sub-second precision and `since` whole seconds: a
       * message of the very second given counts as later. */
      if (message_time (msg) < since)
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

/* VM_SNAPSHOTTED, VM_CHECKPOINTED (about the VM, naming the new snapshot) and
 * VM_SNAPSHOT_REVERTED (about the VM, naming the snapshot), as message_forwarding raises them. */
static gboolean
alert_after_snapshot_call (SimCall *call)
{
  SimDb *db = sim_server_get_db (call->server);
  const LagoonSchemaClass *vm_class = sim_class (LAGOON_CLASS_VM);
  gboolean snapshot = g_str_equal (call->wire_name, "VM.snapshot");
  gboolean checkpoint = g_str_equal (call->wire_name, "VM.checkpoint");
  g_autofree char *body = NULL;
  SimObject *vm;

  if (snapshot || checkpoint)
    {
      vm = sim_db_lookup_class (db, vm_class, sim_arg_string (call, 1));
      if (vm == NULL)
        return TRUE;
      body = g_strdup_printf ("VM '%s' (uuid: %s) %s, snapshot name: %s",
                              sim_object_get_string (vm, LAGOON_VM_NAME_LABEL),
                              sim_object_get_string (vm, LAGOON_VM_UUID),
                              snapshot ? "snapshotted" : "checkpointed", sim_arg_string (call, 2));
      sim_message_create (call->server, snapshot ? "VM_SNAPSHOTTED" : "VM_CHECKPOINTED", 5, "VM",
                          sim_object_get_string (vm, LAGOON_VM_UUID), body);
      return TRUE;
    }
  if (g_str_equal (call->wire_name, "VM.revert"))
    {
      SimObject *snap = sim_db_lookup_class (db, vm_class, sim_arg_string (call, 1));

      vm = snap != NULL ? sim_db_lookup_class (db, vm_class,
                                               sim_object_get_string (snap, LAGOON_VM_SNAPSHOT_OF))
                        : NULL;
      if (vm == NULL)
        return TRUE;
      body = g_strdup_printf ("VM '%s' (uuid: %s) reverted to snapshot: %s (uuid %s)",
                              sim_object_get_string (vm, LAGOON_VM_NAME_LABEL),
                              sim_object_get_string (vm, LAGOON_VM_UUID),
                              sim_object_get_string (snap, LAGOON_VM_NAME_LABEL),
                              sim_object_get_string (snap, LAGOON_VM_UUID));
      sim_message_create (call->server, "VM_SNAPSHOT_REVERTED", 5, "VM",
                          sim_object_get_string (vm, LAGOON_VM_UUID), body);
      return TRUE;
    }
  return FALSE;
}

/* VM_MIGRATED, as message_forwarding raises it after a pool migration (also evacuations'). */
static void
alert_vm_migrated (SimServer  *server,
                   SimObject  *vm,
                   const char *source_ref)
{
  SimDb *db = sim_server_get_db (server);
  const LagoonSchemaClass *host_class = sim_class (LAGOON_CLASS_HOST);
  SimObject *source = sim_db_lookup_class (db, host_class, source_ref);
  SimObject *target = sim_db_lookup_class (db, host_class,
                                           sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON));
  g_autofree char *body = NULL;

  if (source == NULL || target == NULL)
    return;
  body = g_strdup_printf ("VM '%s' (uuid: %s) migrated from host '%s' (uuid: %s) to host '%s' "
                          "(uuid: %s)", sim_object_get_string (vm, LAGOON_VM_NAME_LABEL),
                          sim_object_get_string (vm, LAGOON_VM_UUID),
                          sim_object_get_string (source, LAGOON_HOST_NAME_LABEL),
                          sim_object_get_string (source, LAGOON_HOST_UUID),
                          sim_object_get_string (target, LAGOON_HOST_NAME_LABEL),
                          sim_object_get_string (target, LAGOON_HOST_UUID));
  sim_message_create (server, "VM_MIGRATED", 5, "VM", sim_object_get_string (vm, LAGOON_VM_UUID),
                      body);
}

/* The alerts xapi's message forwarding raises after VM operations (Api_messages). */
static void
alert_after_vm_call (SimCall *call)
{
  static const struct
  {
    const char *wire;
    const char *name;
    const char *what;  /* for VM_STARTED / VM_RESUMED: the verb before "on host: ..." */
  } alerts[] = {
    { "VM.start", "VM_STARTED", "started" },
    { "VM.start_on", "VM_STARTED", "started" },
    { "VM.resume", "VM_RESUMED", "resumed" },
    { "VM.resume_on", "VM_RESUMED", "resumed" },
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

  if (alert_after_snapshot_call (call))
    return;
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
      if (g_str_equal (alerts[i].name, "VM_STARTED") || g_str_equal (alerts[i].name, "VM_RESUMED"))
        {
          SimObject *host = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_HOST),
                                                 sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON));
          const char *host_name = "";
          const char *host_uuid = "";

          if (host != NULL)
            {
              host_name = sim_object_get_string (host, LAGOON_HOST_NAME_LABEL);
              host_uuid = sim_object_get_string (host, LAGOON_HOST_UUID);
            }

          body = g_strdup_printf ("VM '%s' (uuid: %s) %s on host: %s (uuid: %s)", name,
                                  sim_object_get_string (vm, LAGOON_VM_UUID), alerts[i].what,
                                  host_name, host_uuid);
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
      const char *op = g_variant_is_of_type (v, G_VARIANT_TYPE_STRING)
                       ? g_variant_get_string (v, NULL) : "";

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
  /* (With HA on, xapi first checks the restart plan survives; HA is not simulated.) */
  if (!host_is_live (db, host))
    {
      sim_fail (call, "HOST_OFFLINE", host->ref, NULL);
      return FALSE;
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
      /* Forwarded to the host, which is down (message_forwarding's check_live). */
      sim_fail (call, "HOST_OFFLINE", host->ref, NULL);
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
  gint64 ma = sim_vm_start_memory (pa->vm);
  gint64 mb = sim_vm_start_memory (pb->vm);

  return ma < mb ? 1 : ma > mb ? -1 : 0;
}

/*
 * xapi's compute_evacuation_plan_no_wlb: the targets are the other enabled hosts; with none,
 * every guest gets NO_HOSTS_AVAILABLE [vm]; a guest that cannot be pool-migrated gets that
 * operation's error; the others are packed, biggest first, onto the target with the most free
 * memory that fits, and a guest that fits nowhere gets HOST_NOT_ENOUGH_FREE_MEMORY [vm].
 * Memory as sim-vm.c's start check counts it (dynamic_min + overhead against the host's free
 * memory), so that a planned move passes the migration's own check.
 */
static GPtrArray *
evacuation_plan (SimCall   *call,
                 SimObject *host)
{
  SimDb *db = sim_server_get_db (call->server);
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
          gint64 f = sim_host_free_memory (db, h);

          /* A host without host_metrics has unknown memory: sim-vm.c does not check it. */
          if (f < 0)
            f = G_MAXINT64 / 2;
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
      gint64 need = sim_vm_start_memory (p->vm);
      gint best = -1;

      g_autoptr(GPtrArray) refusal = NULL;
      gboolean memory_short = FALSE;

      for (guint t = 0; t < targets->len; t++)
        {
          gint64 f = g_array_index (free_mem, gint64, t);

          if (f < need)
            {
              memory_short = TRUE;
              continue;
            }
          if (best >= 0 && f <= g_array_index (free_mem, gint64, best))
            continue;
          /* The same checks the migration itself makes (the VM's storage and networks
           * visible there...), so that the plan and host.evacuate agree. */
          if (!sim_vm_can_boot_here (call, p->vm, g_ptr_array_index (targets, t)))
            {
              g_clear_pointer (&refusal, g_ptr_array_unref);
              refusal = g_ptr_array_new_with_free_func (g_free);
              for (guint e = 0; e < call->error->len; e++)
                g_ptr_array_add (refusal, g_strdup (g_ptr_array_index (call->error, e)));
              g_ptr_array_set_size (call->error, 0);
              continue;
            }
          best = (gint) t;
        }
      if (best < 0)
        {
          if (refusal != NULL && refusal->len > 0 && !memory_short)
            {
              p->error = g_steal_pointer (&refusal);
              continue;
            }
          plan_fail (p, "HOST_NOT_ENOUGH_FREE_MEMORY", p->vm->ref, NULL);
          continue;
        }
      p->target = g_ptr_array_index (targets, best);
      g_array_index (free_mem, gint64, best) -= need;
    }
  return plans;
}

static gboolean
host_get_vms_which_prevent_evacuation (SimCall *call)
{
  SimObject *host = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_HOST));
  g_autoptr(GPtrArray) plans = NULL;

  if (host == NULL)
    return FALSE;
  plans = evacuation_plan (call, host);
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
  plans = evacuation_plan (call, host);
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
  gboolean ok = TRUE;

  if (host == NULL || host_operation_error (call, host, "evacuate"))
    return FALSE;
  plans = evacuation_plan (call, host);
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
  for (guint i = 0; i < plans->len && ok; i++)
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
      if (vm == NULL || target == NULL ||
          !g_str_equal (sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON), host_ref) ||
          !g_str_equal (sim_object_get_string (vm, LAGOON_VM_POWER_STATE), "Running"))
        continue;
      /* As xapi's evacuate: the first migration that fails fails the evacuation. */
      ok = sim_vm_migrate (call, vm, target);
      if (ok)
        alert_vm_migrated (call->server, vm, host_ref);
    }
  host = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_HOST), host_ref);
  if (host != NULL)
    host_end_operation (db, host, op);
  if (!ok)
    return FALSE;
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

/*
 * Runs VM.@message on @vm through sim-vm.c's own handler (db->lock held), as xapi's internal
 * API calls do; the error, if any, lands in @error.
 */
static gboolean
run_vm_handler (SimServer  *server,
                const char *message,
                const char *vm_ref,
                GPtrArray  *error)
{
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_VM);
  const LagoonSchemaMessage *msg = lagoon_schema_find_message (klass, message);
  g_autofree char *wire = g_strdup_printf ("VM.%s", message);
  g_autoptr(GString) out = g_string_new (NULL);
  SimHandler handler = NULL;
  SimCall call = { 0 };
  GVariant **args;
  SimWriter w;
  gboolean ok;

  for (const SimSpecial *sp = sim_vm_specials; sp->name != NULL; sp++)
    if (g_str_equal (sp->name, wire))
      handler = sp->handler;
  if (handler == NULL || msg == NULL || msg->n_params < 2)
    return FALSE;
  args = g_new0 (GVariant *, msg->n_params + 1);
  for (guint i = 0; i < msg->n_params; i++)
    args[i] = i == 1 ? sim_vstr (vm_ref) : lagoon_type_zero_value (msg->params[i].type);
  sim_writer_init (&w, out, FALSE);
  call.server = server;
  call.host_ref = sim_master_ref (server);
  call.wire_name = wire;
  call.klass = klass;
  call.msg = msg;
  call.args = args;
  call.n_received = 2;
  call.w = &w;
  call.error = error;
  ok = handler (&call);
  for (guint i = 0; i < msg->n_params; i++)
    g_variant_unref (args[i]);
  g_free (args);
  return ok;
}

/*
 * The guests still resident go down with their host, as xapi's prepare_for_poweroff
 * (Vm_evacuation.ensure_no_vms) takes them down: a clean shutdown, else a hard one, each with
 * its VM_SHUTDOWN alert.
 */
static void
halt_resident_guests (SimServer *server,
                      SimObject *host)
{
  SimDb *db = sim_server_get_db (server);
  g_autoptr(GPtrArray) guests = resident_guests (db, host);
  g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < guests->len; i++)
    g_ptr_array_add (refs, g_strdup (((SimObject *) g_ptr_array_index (guests, i))->ref));
  for (guint i = 0; i < refs->len; i++)
    {
      const char *ref = g_ptr_array_index (refs, i);
      g_autoptr(GPtrArray) error = g_ptr_array_new_with_free_func (g_free);
      gboolean clean = run_vm_handler (server, "clean_shutdown", ref, error);
      SimObject *vm;
      g_autofree char *body = NULL;

      if (!clean)
        {
          g_ptr_array_set_size (error, 0);
          if (!run_vm_handler (server, "hard_shutdown", ref, error))
            {
              g_debug ("host power-down: %s stays: %s", ref,
                       error->len > 0 ? (const char *) g_ptr_array_index (error, 0) : "?");
              continue;
            }
        }
      vm = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VM), ref);
      if (vm == NULL)
        continue;
      body = g_strdup_printf ("VM '%s' (uuid: %s) shutdown%s",
                              sim_object_get_string (vm, LAGOON_VM_NAME_LABEL),
                              sim_object_get_string (vm, LAGOON_VM_UUID), clean ? "" : " forcibly");
      sim_message_create (server, "VM_SHUTDOWN", 5, "VM",
                          sim_object_get_string (vm, LAGOON_VM_UUID), body);
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
    halt_resident_guests (server, host);
  /* The shutdowns may have waited with the lock released. */
  host = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_HOST), job->host_ref);
  if (host != NULL)
    {
      set_host_live (db, host, FALSE);
      /* The coordinator's toolstack held the sessions (a non-persistent table): gone. */
      if (g_str_equal (host->ref, sim_master_ref (server)))
        sim_server_end_sessions (server, host->ref, NULL);
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
      sim_fail (call, "HOST_OFFLINE", host->ref, NULL);
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

/*
 * Whether the host answering at @address is down (host_metrics.live false after a reboot or
 * shutdown): sim-http.c then drops the request unanswered, as a host that is off would.
 */
gboolean
sim_host_address_down (SimServer  *server,
                       const char *address)
{
  SimDb *db = sim_server_get_db (server);
  gboolean down = FALSE;
  const char *ref;

  g_mutex_lock (&db->lock);
  ref = sim_host_at_address (db, address);
  if (ref != NULL)
    {
      SimObject *host = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_HOST), ref);
      down = host != NULL && !host_is_live (db, host);
    }
  g_mutex_unlock (&db->lock);
  return down;
}

/* ---- checks before and after other areas' calls -------------------------------------------- */

/*
 * SR space alarms as xapi's perfmon daemon raises them: an SR whose other_config:perfmon holds
 * <config><variable><name value="physical_utilisation"/>[<alarm_trigger_level value="0.8"/>]
 * [<alarm_priority value="3"/>]</variable></config> gets an ALARM message (cls SR) with the body
 * "value: %f\nconfig:\n<the variable, pretty-printed>" when physical_utilisation / physical_size
 * goes above the level, at most once per alarm_auto_inhibit_period (3600 s). perfmon waits for
 * the level to stay bad for alarm_trigger_period (60 s) first; the simulator raises at once.
 */
typedef struct
{
  GString *pretty;    /* the <variable> being read, as minidom's toprettyxml writes it */
  GString *current;   /* of the variable being read */
  gboolean in_var;
  char    *name;
  double   level;
  gint64   priority;
  gboolean high;
  gboolean found;
  GString *found_pretty;
  double   found_level;
  gint64   found_priority;
  gboolean found_high;
} PerfmonParse;

static void
perfmon_start (GMarkupParseContext  *context,
               const char           *element,
               const char          **names,
               const char          **values,
               gpointer              user_data,
               GError              **error)
{
  PerfmonParse *p = user_data;
  const char *value = NULL;

  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], "value"))
      value = values[i];
  if (g_str_equal (element, "variable"))
    {
      p->in_var = TRUE;
      g_clear_pointer (&p->name, g_free);
      p->level = 0.8;
      p->priority = 3;
      p->high = TRUE;
      g_string_assign (p->current, "<variable>\n");
      return;
    }
  if (!p->in_var)
    return;
  g_string_append_printf (p->current, "\t<%s", element);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *escaped = g_markup_escape_text (values[i], -1);
      g_string_append_printf (p->current, " %s=\"%s\"", names[i], escaped);
    }
  g_string_append (p->current, "/>\n");
  if (value == NULL)
    return;
  if (g_str_equal (element, "name"))
    p->name = g_strdup (value);
  else if (g_str_equal (element, "alarm_trigger_level"))
    p->level = g_ascii_strtod (value, NULL);
  else if (g_str_equal (element, "alarm_priority"))
    p->priority = g_ascii_strtoll (value, NULL, 10);
  else if (g_str_equal (element, "alarm_trigger_sense"))
    p->high = !g_str_equal (value, "low");
}

static void
perfmon_end (GMarkupParseContext  *context,
             const char           *element,
             gpointer              user_data,
             GError              **error)
{
  PerfmonParse *p = user_data;

  if (!g_str_equal (element, "variable") || !p->in_var)
    return;
  p->in_var = FALSE;
  g_string_append (p->current, "</variable>\n");
  if (p->name != NULL && g_str_equal (p->name, "physical_utilisation") && !p->found)
    {
      p->found = TRUE;
      g_string_assign (p->found_pretty, p->current->str);
      p->found_level = p->level;
      p->found_priority = p->priority;
      p->found_high = p->high;
    }
}

static void
check_sr_alarms (SimServer *server)
{
  static GHashTable *last_alarm;   /* SR ref -> monotonic seconds of its last ALARM */
  static const GMarkupParser parser = { perfmon_start, perfmon_end, NULL, NULL, NULL };
  SimDb *db = sim_server_get_db (server);
  GQueue *srs = sim_db_class_objects (db, sim_class (LAGOON_CLASS_SR));
  gint64 now = g_get_monotonic_time () / G_USEC_PER_SEC;

  for (GList *l = srs->head; l != NULL; l = l->next)
    {
      SimObject *sr = l->data;
      g_autoptr(GVariant) config = g_variant_lookup_value (sr->fields[LAGOON_SR_OTHER_CONFIG],
                                                           "perfmon",
                                                           G_VARIANT_TYPE_STRING);
      PerfmonParse p = { 0 };
      g_autoptr(GMarkupParseContext) ctx = NULL;
      gint64 size = sim_object_get_int (sr, LAGOON_SR_PHYSICAL_SIZE);
      double value;
      gboolean bad;
      g_autofree char *body = NULL;
      gpointer last;

      if (config == NULL || size <= 0)
        continue;
      p.current = g_string_new (NULL);
      p.found_pretty = g_string_new (NULL);
      ctx = g_markup_parse_context_new (&parser, 0, &p, NULL);
      if (!g_markup_parse_context_parse (ctx, g_variant_get_string (config, NULL), -1, NULL) ||
          !g_markup_parse_context_end_parse (ctx, NULL))
        p.found = FALSE;
      value = (double) sim_object_get_int (sr, LAGOON_SR_PHYSICAL_UTILISATION) / (double) size;
      bad = p.found && (p.found_high ? value > p.found_level : value < p.found_level);
      if (last_alarm == NULL)
        last_alarm = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      if (bad && (!g_hash_table_lookup_extended (last_alarm, sr->ref, NULL, &last) ||
                  now - GPOINTER_TO_SIZE (last) >= 3600))
        {
          body = g_strdup_printf ("value: %f\nconfig:\n%s", value, p.found_pretty->str);
          g_hash_table_insert (last_alarm, g_strdup (sr->ref), GSIZE_TO_POINTER ((gsize) now));
          sim_message_create (server, "ALARM", p.found_priority, "SR",
                              sim_object_get_string (sr, LAGOON_SR_UUID), body);
        }
      g_string_free (p.current, TRUE);
      g_string_free (p.found_pretty, TRUE);
      g_free (p.name);
    }
}

/* What sim_host_after_call needs from before the call: a migrating VM's source host. */
gpointer
sim_host_before_call (SimCall *call)
{
  SimObject *vm;

  if (!g_str_equal (call->wire_name, "VM.pool_migrate"))
    return NULL;
  vm = sim_db_lookup_class (sim_server_get_db (call->server), sim_class (LAGOON_CLASS_VM),
                            sim_arg_string (call, 1));
  return vm != NULL ? g_strdup (sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON)) : NULL;
}

void
sim_host_after_call (SimCall  *call,
                     gpointer  memo)
{
  if (g_str_equal (call->wire_name, "VM.pool_migrate") && memo != NULL)
    {
      SimObject *vm = sim_db_lookup_class (sim_server_get_db (call->server),
                                           sim_class (LAGOON_CLASS_VM), sim_arg_string (call, 1));
      if (vm != NULL)
        alert_vm_migrated (call->server, vm, memo);
    }
  else if (call->klass == sim_class (LAGOON_CLASS_VM))
    alert_after_vm_call (call);
  check_sr_alarms (call->server);
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
  if (sim_pool_object (server) != NULL)
    sim_db_set_quiet (db, sim_pool_object (server), LAGOON_POOL_ALLOWED_OPERATIONS,
                      pool_allowed_operations (server));
}

/* ---- the pool ---------------------------------------------------------------------------- */

/*
 * Pool operations as xapi_pool_helpers partitions them: a "blocking" one in progress refuses
 * the other blocking ones with its own *_IN_PROGRESS error and the waiting ones with
 * OTHER_OPERATION_IN_PROGRESS; a "waiting" one in progress refuses everything with
 * OTHER_OPERATION_IN_PROGRESS [pool, ref, op, op_ref]; when idle, HA and cluster state decide.
 */
static const char *const pool_blocking_ops[][2] = {
  { "ha_enable", "HA_ENABLE_IN_PROGRESS" },
  { "ha_disable", "HA_DISABLE_IN_PROGRESS" },
  { "cluster_create", "CLUSTER_CREATE_IN_PROGRESS" },
  { "designate_new_master", "DESIGNATE_NEW_MASTER_IN_PROGRESS" },
  { "tls_verification_enable", "TLS_VERIFICATION_ENABLE_IN_PROGRESS" },
  { "configure_repositories", "CONFIGURE_REPOSITORIES_IN_PROGRESS" },
  { "sync_updates", "SYNC_UPDATES_IN_PROGRESS" },
  { "sync_bundle", "SYNC_BUNDLE_IN_PROGRESS" },
  { "apply_updates", "APPLY_UPDATES_IN_PROGRESS" },
};
static const char *const pool_waiting_ops[] = {
  "cert_refresh", "exchange_certificates_on_join", "exchange_ca_certificates_on_join",
  "copy_primary_host_certs", "eject", "get_updates", "exchange_crls_on_join",
};

static const char *
pool_blocking_reason (const char *op)
{
  for (guint i = 0; i < G_N_ELEMENTS (pool_blocking_ops); i++)
    if (g_str_equal (pool_blocking_ops[i][0], op))
      return pool_blocking_ops[i][1];
  return NULL;
}

/* The error @op would get now (code, params), or NULL when it is allowed. */
static GPtrArray *
pool_operation_error (SimServer  *server,
                      const char *op)
{
  SimDb *db = sim_server_get_db (server);
  SimObject *pool = sim_pool_object (server);
  GPtrArray *err = g_ptr_array_new_with_free_func (g_free);
  const char *blocking = NULL;
  g_autofree char *waiting_ref = NULL;
  g_autofree char *waiting_op = NULL;
  gboolean ha = g_variant_get_boolean (pool->fields[LAGOON_POOL_HA_ENABLED]);
  GVariantIter iter;
  const char *k;
  GVariant *v;

  g_variant_iter_init (&iter, pool->fields[LAGOON_POOL_CURRENT_OPERATIONS]);
  while (g_variant_iter_next (&iter, "{&sv}", &k, &v))
    {
      const char *cur = g_variant_is_of_type (v, G_VARIANT_TYPE_STRING)
                        ? g_variant_get_string (v, NULL) : "";

      if (blocking == NULL)
        blocking = pool_blocking_reason (cur);
      if (waiting_op == NULL && pool_blocking_reason (cur) == NULL)
        {
          waiting_ref = g_strdup (k);
          waiting_op = g_strdup (cur);
        }
      g_variant_unref (v);
    }

  if (blocking != NULL && pool_blocking_reason (op) != NULL)
    g_ptr_array_add (err, g_strdup (blocking));
  else if (blocking != NULL || waiting_op != NULL)
    {
      g_ptr_array_add (err, g_strdup ("OTHER_OPERATION_IN_PROGRESS"));
      g_ptr_array_add (err, g_strdup ("pool"));
      g_ptr_array_add (err, g_strdup (pool->ref));
      if (waiting_op != NULL)
        {
          g_ptr_array_add (err, g_strdup (waiting_op));
          g_ptr_array_add (err, g_strdup (waiting_ref));
        }
    }
  else if (ha && (g_str_equal (op, "ha_enable") || g_str_equal (op, "tls_verification_enable")))
    g_ptr_array_add (err, g_strdup ("HA_IS_ENABLED"));
  else if (!ha && g_str_equal (op, "ha_disable"))
    g_ptr_array_add (err, g_strdup ("HA_NOT_ENABLED"));
  else if (g_str_equal (op, "cluster_create") &&
           !g_queue_is_empty (sim_db_class_objects (db, sim_class (LAGOON_CLASS_CLUSTER))))
    g_ptr_array_add (err, g_strdup ("CLUSTER_ALREADY_EXISTS"));
  else if (g_str_equal (op, "cluster_create") && ha)
    {
      g_ptr_array_add (err, g_strdup ("INCOMPATIBLE_CLUSTER_STACK_ACTIVE"));
      g_ptr_array_add (err, g_strdup (sim_object_get_string (pool, LAGOON_POOL_HA_CLUSTER_STACK)));
    }
  if (err->len == 0)
    g_clear_pointer (&err, g_ptr_array_unref);
  return err;
}

static GVariant *
pool_allowed_operations (SimServer *server)
{
  g_autoptr(GPtrArray) allowed = g_ptr_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (pool_blocking_ops) + G_N_ELEMENTS (pool_waiting_ops); i++)
    {
      const char *op = i < G_N_ELEMENTS (pool_blocking_ops)
                       ? pool_blocking_ops[i][0]
                       : pool_waiting_ops[i - G_N_ELEMENTS (pool_blocking_ops)];
      g_autoptr(GPtrArray) err = pool_operation_error (server, op);

      if (err == NULL)
        g_ptr_array_add (allowed, (gpointer) op);
    }
  return sim_vstrv ((const char *const *) allowed->pdata, allowed->len);
}

static void
pool_update_allowed_operations (SimServer *server)
{
  SimObject *pool = sim_pool_object (server);
  g_autoptr(GVariant) ops = pool_allowed_operations (server);

  if (!g_variant_equal (ops, pool->fields[LAGOON_POOL_ALLOWED_OPERATIONS]))
    sim_db_set (sim_server_get_db (server), pool, LAGOON_POOL_ALLOWED_OPERATIONS,
                g_steal_pointer (&ops));
}

/* xapi's with_pool_operation: the check, then @op in current_operations until the end. */
static gboolean
pool_begin_operation (SimCall    *call,
                      const char *op,
                      char      **key_out)
{
  SimDb *db = sim_server_get_db (call->server);
  SimObject *pool = sim_pool_object (call->server);
  g_autoptr(GPtrArray) err = NULL;
  g_autofree char *uuid = NULL;

  if (g_variant_get_boolean (pool->fields[LAGOON_POOL_IS_PSR_PENDING]))
    {
      sim_fail (call, "POOL_SECRET_ROTATION_PENDING", NULL);
      return FALSE;
    }
  err = pool_operation_error (call->server, op);
  if (err != NULL)
    {
      g_ptr_array_set_size (call->error, 0);
      for (guint i = 0; i < err->len; i++)
        g_ptr_array_add (call->error, g_strdup (g_ptr_array_index (err, i)));
      return FALSE;
    }
  uuid = sim_db_new_uuid ();
  *key_out = g_strconcat ("OpaqueRef:", uuid, NULL);
  set_map_entry (db, pool, LAGOON_POOL_CURRENT_OPERATIONS, *key_out, op);
  pool_update_allowed_operations (call->server);
  return TRUE;
}

static void
pool_end_operation (SimCall    *call,
                    const char *key)
{
  set_map_entry (sim_server_get_db (call->server), sim_pool_object (call->server),
                 LAGOON_POOL_CURRENT_OPERATIONS, key, NULL);
  pool_update_allowed_operations (call->server);
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
  g_autofree char *old = g_strdup (sim_master_ref (call->server));

  sim_db_set (db, pool, LAGOON_POOL_MASTER, sim_vstr (host->ref));
  sim_server_end_sessions (call->server, old, host->ref);
  sim_message_create (call->server, "POOL_MASTER_TRANSITION", 4, "Host",
                      sim_object_get_string (host, LAGOON_HOST_UUID), "");
}

static gboolean
pool_designate_new_master (SimCall *call)
{
  SimObject *host = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_HOST));
  g_autofree char *key = NULL;
  g_autofree char *host_ref = NULL;

  if (host == NULL || !pool_begin_operation (call, "designate_new_master", &key))
    return FALSE;
  /* Forwarded to the new coordinator (HOST_OFFLINE when it is down), which does nothing when
   * it already is one, and checks HA. */
  if (!g_str_equal (host->ref, sim_master_ref (call->server)) &&
      !host_is_live (sim_server_get_db (call->server), host))
    {
      sim_fail (call, "HOST_OFFLINE", host->ref, NULL);
      pool_end_operation (call, key);
      return FALSE;
    }
  if (g_str_equal (host->ref, sim_master_ref (call->server)))
    {
      pool_end_operation (call, key);
      return sim_write_void (call);
    }
  if (!pool_ha_check (call))
    {
      pool_end_operation (call, key);
      return FALSE;
    }
  host_ref = g_strdup (host->ref);
  /* The database is synced to every member, then the two toolstacks restart. */
  sim_wait_unlocked (call->server, 0.5);
  host = sim_db_lookup_class (sim_server_get_db (call->server), sim_class (LAGOON_CLASS_HOST),
                              host_ref);
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
  if (g_str_equal (host->ref, sim_master_ref (call->server)))
    {
      /* An OCaml exception xapi does not map to an API error. */
      sim_fail (call, "INTERNAL_ERROR", "Xapi_pool.Cannot_eject_master", NULL);
      goto fail;
    }
  if (!pool_ha_check (call))
    goto fail;
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

/* ---- XVA export and import ----------------------------------------------------------------- */

#define XVA_CHUNK          (1024 * 1024)
#define XVA_EXPORT_VSN     2
/* The xapi version the simulator claims in ova.xml (imports from newer ones are refused). */
#define XVA_XAPI_MAJOR     24
#define XVA_XAPI_MINOR     19
#define TAR_BLOCK          512
/* Largest archive accepted once unpacked (the HTTP body itself is limited too). */
#define SIM_XVA_MAX_UNPACKED (512 * 1024 * 1024)

/* Disk contents the simulator keeps: VDI ref -> (chunk number -> GBytes), non-zero chunks only. */
static GHashTable *vdi_contents;

#define P1 G_GUINT64_CONSTANT (0x9E3779B185EBCA87)
#define P2 G_GUINT64_CONSTANT (0xC2B2AE3D27D4EB4F)
#define P3 G_GUINT64_CONSTANT (0x165667B19E3779F9)
#define P4 G_GUINT64_CONSTANT (0x85EBCA77C2B2AE63)
#define P5 G_GUINT64_CONSTANT (0x27D4EB2F165667C5)

static inline guint64
rotl64 (guint64 x,
        int     r)
{
  return (x << r) | (x >> (64 - r));
}

static inline guint64
read64 (const guint8 *p)
{
  guint64 v;

  memcpy (&v, p, 8);
  return GUINT64_FROM_LE (v);
}

static inline guint32
read32 (const guint8 *p)
{
  guint32 v;

  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

static inline guint64
xxh_round (guint64 acc,
           guint64 input)
{
  acc += input * P2;
  acc = rotl64 (acc, 31);
  return acc * P1;
}

static inline guint64
xxh_merge (guint64 acc,
           guint64 val)
{
  acc ^= xxh_round (0, val);
  return acc * P1 + P4;
}

guint64
sim_xxh64 (const guint8 *data,
           gsize         length)
{
  const guint8 *p = data;
  const guint8 *end = data + length;
  guint64 h;

  if (length >= 32)
    {
      guint64 v1 = P1 + P2, v2 = P2, v3 = 0, v4 = -P1;

      while (p + 32 <= end)
        {
          v1 = xxh_round (v1, read64 (p));
          v2 = xxh_round (v2, read64 (p + 8));
          v3 = xxh_round (v3, read64 (p + 16));
          v4 = xxh_round (v4, read64 (p + 24));
          p += 32;
        }
      h = rotl64 (v1, 1) + rotl64 (v2, 7) + rotl64 (v3, 12) + rotl64 (v4, 18);
      h = xxh_merge (h, v1);
      h = xxh_merge (h, v2);
      h = xxh_merge (h, v3);
      h = xxh_merge (h, v4);
    }
  else
    h = P5;
  h += (guint64) length;
  while (p + 8 <= end)
    {
      h ^= xxh_round (0, read64 (p));
      h = rotl64 (h, 27) * P1 + P4;
      p += 8;
    }
  if (p + 4 <= end)
    {
      h ^= (guint64) read32 (p) * P1;
      h = rotl64 (h, 23) * P2 + P3;
      p += 4;
    }
  while (p < end)
    {
      h ^= (guint64) *p * P5;
      h = rotl64 (h, 11) * P1;
      p++;
    }
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

static GHashTable *
vdi_chunks (const char *vdi_ref,
            gboolean    create)
{
  GHashTable *chunks;

  if (vdi_contents == NULL)
    vdi_contents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_hash_table_unref);
  chunks = g_hash_table_lookup (vdi_contents, vdi_ref);
  if (chunks == NULL && create)
    {
      chunks = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                      (GDestroyNotify) g_bytes_unref);
      g_hash_table_insert (vdi_contents, g_strdup (vdi_ref), chunks);
    }
  return chunks;
}

/* Forgets the contents of VDIs that no longer exist (db->lock held). */
static void
vdi_contents_purge (SimDb *db)
{
  GHashTableIter iter;
  gpointer key;

  if (vdi_contents == NULL)
    return;
  g_hash_table_iter_init (&iter, vdi_contents);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VDI), key) == NULL)
      g_hash_table_iter_remove (&iter);
}

static gboolean
all_zero (const guint8 *p,
          gsize         n)
{
  for (gsize i = 0; i < n; i++)
    if (p[i] != 0)
      return FALSE;
  return TRUE;
}

/* -- tar -- */

static void
tar_octal (char   *field,
           gsize   width,
           guint64 value)
{
  g_autofree char *s = g_strdup_printf ("%0*" G_GINT64_MODIFIER "o", (int) width - 1, value);

  memcpy (field, s, MIN (strlen (s), width - 1));
  field[width - 1] = '\0';
}

static void
tar_add (GByteArray   *out,
         const char   *name,
         const guint8 *data,
         gsize         size)
{
  guint8 hdr[TAR_BLOCK] = { 0 };
  guint sum = 0;
  static const guint8 zeros[TAR_BLOCK] = { 0 };

  g_strlcpy ((char *) hdr, name, 100);
  tar_octal ((char *) hdr + 100, 8, 0);       /* mode, as xapi writes it */
  tar_octal ((char *) hdr + 108, 8, 0);       /* uid */
  tar_octal ((char *) hdr + 116, 8, 0);       /* gid */
  tar_octal ((char *) hdr + 124, 12, size);
  tar_octal ((char *) hdr + 136, 12, (guint64) (g_get_real_time () / G_USEC_PER_SEC));
  hdr[156] = '0';
  memcpy (hdr + 257, "ustar", 6);
  memcpy (hdr + 263, "00", 2);
  memset (hdr + 148, ' ', 8);
  for (guint i = 0; i < TAR_BLOCK; i++)
    sum += hdr[i];
  tar_octal ((char *) hdr + 148, 7, sum);
  hdr[155] = ' ';
  g_byte_array_append (out, hdr, TAR_BLOCK);
  if (size > 0)
    g_byte_array_append (out, data, (guint) size);
  if (size % TAR_BLOCK != 0)
    g_byte_array_append (out, zeros, (guint) (TAR_BLOCK - size % TAR_BLOCK));
}

typedef enum {
  TAR_OK,
  TAR_END,      /* end-of-archive block, or clean end of data */
  TAR_EOF,      /* data ends inside a member */
  TAR_BAD,      /* not a tar header */
} TarStatus;

typedef struct
{
  const guint8 *data;
  gsize         len;
  gsize         pos;
} TarReader;

static gboolean
tar_number (const guint8 *field,
            gsize         width,
            guint64      *out)
{
  guint64 v = 0;
  gsize i = 0;

  if (field[0] & 0x80)
    {
      /* GNU base-256 */
      for (i = 1; i < width; i++)
        v = (v << 8) | field[i];
      *out = v;
      return TRUE;
    }
  while (i < width && field[i] == ' ')
    i++;
  for (; i < width && field[i] >= '0' && field[i] <= '7'; i++)
    v = v * 8 + (guint64) (field[i] - '0');
  if (i < width && field[i] != '\0' && field[i] != ' ')
    return FALSE;
  *out = v;
  return TRUE;
}

/* The next regular member: its name and contents (pointing into the data). */
static TarStatus
tar_next (TarReader     *r,
          char         **name,
          const guint8 **contents,
          gsize         *size)
{
  for (;;)
    {
      const guint8 *hdr;
      guint64 sum_field, fsize;
      guint sum = 0;
      g_autofree char *n = NULL;
      gsize padded;

      if (r->pos >= r->len)
        return TAR_END;
      if (r->len - r->pos < TAR_BLOCK)
        return TAR_EOF;
      hdr = r->data + r->pos;
      if (all_zero (hdr, TAR_BLOCK))
        return TAR_END;
      for (guint i = 0; i < TAR_BLOCK; i++)
        sum += (i >= 148 && i < 156) ? ' ' : hdr[i];
      if (!tar_number (hdr + 148, 8, &sum_field) || sum_field != sum ||
          !tar_number (hdr + 124, 12, &fsize))
        return TAR_BAD;
      if (memcmp (hdr + 257, "ustar", 5) == 0 && hdr[345] != '\0')
        {
          g_autofree char *prefix = g_strndup ((const char *) hdr + 345, 155);
          g_autofree char *base = g_strndup ((const char *) hdr, 100);
          n = g_strconcat (prefix, "/", base, NULL);
        }
      else
        n = g_strndup ((const char *) hdr, 100);
      r->pos += TAR_BLOCK;
      if (fsize > r->len - r->pos)
        return TAR_EOF;
      padded = (gsize) ((fsize + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK);
      if (hdr[156] == '0' || hdr[156] == '\0')
        {
          *name = g_steal_pointer (&n);
          *contents = r->data + r->pos;
          *size = (gsize) fsize;
          r->pos += MIN (padded, r->len - r->pos);
          return TAR_OK;
        }
      /* Directories, links and extended headers carry no disk data: skip them. */
      r->pos += MIN (padded, r->len - r->pos);
    }
}

/* -- shared -- */

static SimObject *
xva_task (SimServer  *server,
          const char *query,
          const char *cookie,
          const char *label)
{
  SimDb *db = sim_server_get_db (server);
  g_autofree char *task_id = sim_query_get (query, "task_id");
  SimObject *task = NULL;
  SimCall call = { 0 };

  if (task_id != NULL)
    task = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_TASK), task_id);
  if (task != NULL)
    return task;
  call.server = server;
  call.host_ref = sim_master_ref (server);
  return sim_new_task (&call, label, "", FALSE);
}

static void
xva_fail (SimDb      *db,
          SimObject  *task,
          const char *code,
          ...)
{
  g_autoptr(GPtrArray) error = g_ptr_array_new_with_free_func (g_free);
  const char *p;
  va_list ap;

  g_ptr_array_add (error, g_strdup (code));
  va_start (ap, code);
  while ((p = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (error, g_strdup (p));
  va_end (ap);
  sim_task_finish (db, task, "failure", NULL, error);
}

static void
reply_text (SimXvaReply *reply,
            int          status,
            const char  *text)
{
  reply->status = status;
  g_byte_array_set_size (reply->body, 0);
  g_byte_array_append (reply->body, (const guint8 *) text, (guint) strlen (text));
  reply->content_type = "text/plain";
}

/* -- export -- */

typedef struct
{
  GHashTable *ids;    /* ref -> "Ref:N" */
  GPtrArray  *order;  /* SimObject *, in insertion order */
  guint       next;
} XvaTable;

static void
xva_table_add (XvaTable  *t,
               SimObject *obj)
{
  if (obj == NULL || g_hash_table_contains (t->ids, obj->ref))
    return;
  g_hash_table_insert (t->ids, g_strdup (obj->ref), g_strdup_printf ("Ref:%u", t->next++));
  g_ptr_array_add (t->order, obj);
}

static void
xva_add_refs (XvaTable   *t,
              SimDb      *db,
              GVariant   *set,
              GPtrArray  *out)
{
  g_autoptr(GPtrArray) refs = set_strings (set);

  for (guint i = 0; i < refs->len; i++)
    {
      SimObject *o = sim_db_lookup (db, g_ptr_array_index (refs, i));
      if (o != NULL)
        {
          xva_table_add (t, o);
          if (out != NULL)
            g_ptr_array_add (out, o);
        }
    }
}

/* @value with every reference mapped to its export id: unknown single refs become NULL,
 * unknown refs leave sets and maps. */
static GVariant *
xva_rewrite (XvaTable         *t,
             const LagoonType *type,
             GVariant         *value)
{
  if (type->kind == LAGOON_TYPE_REF && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    {
      const char *id = g_hash_table_lookup (t->ids, g_variant_get_string (value, NULL));
      return sim_vstr (id != NULL ? id : LAGOON_NULL_REF);
    }
  if (type->kind == LAGOON_TYPE_SET && type->value->kind == LAGOON_TYPE_REF)
    {
      g_autoptr(GPtrArray) refs = set_strings (value);
      g_autoptr(GPtrArray) ids = g_ptr_array_new ();

      for (guint i = 0; i < refs->len; i++)
        {
          const char *id = g_hash_table_lookup (t->ids, g_ptr_array_index (refs, i));
          if (id != NULL)
            g_ptr_array_add (ids, (gpointer) id);
        }
      return sim_vstrv ((const char *const *) ids->pdata, ids->len);
    }
  if (type->kind == LAGOON_TYPE_MAP &&
      (type->key->kind == LAGOON_TYPE_REF || type->value->kind == LAGOON_TYPE_REF))
    {
      g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
      GVariantIter iter;
      const char *k;
      GVariant *v;

      g_variant_iter_init (&iter, value);
      while (g_variant_iter_next (&iter, "{&sv}", &k, &v))
        {
          const char *key = type->key->kind == LAGOON_TYPE_REF
                            ? g_hash_table_lookup (t->ids, k) : k;

          if (key != NULL)
            {
              if (type->value->kind == LAGOON_TYPE_REF &&
                  g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
                {
                  const char *id = g_hash_table_lookup (t->ids, g_variant_get_string (v, NULL));
                  g_variant_builder_add (&b, "{sv}", key,
                                         g_variant_new_string (id != NULL ? id : LAGOON_NULL_REF));
                }
              else
                g_variant_builder_add (&b, "{sv}", key, v);
            }
          g_variant_unref (v);
        }
      return g_variant_ref_sink (g_variant_builder_end (&b));
    }
  return g_variant_ref (value);
}

static void
replace_field (GVariant  **fields,
               int         f,
               GVariant   *value)
{
  g_variant_unref (fields[f]);
  fields[f] = value;
}

static void
xva_write_object (GString   *out,
                  XvaTable  *t,
                  SimObject *obj,
                  gboolean   preserve)
{
  const LagoonSchemaClass *klass = obj->klass;
  g_autofree GVariant **fields = g_new0 (GVariant *, klass->n_fields);
  SimWriter w;

  for (guint i = 0; i < klass->n_fields; i++)
    fields[i] = xva_rewrite (t, klass->fields[i].type, obj->fields[i]);

  /* What xapi's make_vm clears (power state and suspend image unless preserve_power_state,
   * snapshot data, operations, consoles, blobs). */
  if (klass->id == LAGOON_CLASS_VM)
    {
      static const char *const none[] = { NULL };

      if (!preserve)
        {
          replace_field (fields, LAGOON_VM_POWER_STATE, sim_vstr ("Halted"));
          replace_field (fields, LAGOON_VM_SUSPEND_VDI, sim_vstr (LAGOON_NULL_REF));
        }
      replace_field (fields, LAGOON_VM_IS_A_SNAPSHOT, sim_vbool (FALSE));
      replace_field (fields, LAGOON_VM_SNAPSHOT_OF, sim_vstr (LAGOON_NULL_REF));
      replace_field (fields, LAGOON_VM_SNAPSHOTS, sim_vstrv (none, 0));
      replace_field (fields, LAGOON_VM_SNAPSHOT_TIME, sim_vstr (LAGOON_NULL_DATETIME));
      replace_field (fields, LAGOON_VM_TRANSPORTABLE_SNAPSHOT_ID, sim_vstr (""));
      replace_field (fields, LAGOON_VM_PARENT, sim_vstr (LAGOON_NULL_REF));
      replace_field (fields, LAGOON_VM_ALLOWED_OPERATIONS, sim_vstrv (none, 0));
      replace_field (fields, LAGOON_VM_CURRENT_OPERATIONS,
                     g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)));
      replace_field (fields, LAGOON_VM_CRASH_DUMPS, sim_vstrv (none, 0));
      replace_field (fields, LAGOON_VM_CONSOLES, sim_vstrv (none, 0));
      replace_field (fields, LAGOON_VM_BLOBS,
                     g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)));
    }
  else if (klass->id == LAGOON_CLASS_VBD)
    replace_field (fields, LAGOON_VBD_CURRENTLY_ATTACHED, sim_vbool (FALSE));
  else if (klass->id == LAGOON_CLASS_VIF)
    replace_field (fields, LAGOON_VIF_CURRENTLY_ATTACHED, sim_vbool (FALSE));

  sim_writer_init (&w, out, FALSE);
  sim_writer_begin_struct (&w);
  sim_writer_member (&w, "class");
  sim_writer_string (&w, klass->name);
  sim_writer_end_member (&w);
  sim_writer_member (&w, "id");
  sim_writer_string (&w, g_hash_table_lookup (t->ids, obj->ref));
  sim_writer_end_member (&w);
  sim_writer_member (&w, "snapshot");
  sim_writer_record (&w, klass, fields);
  sim_writer_end_member (&w);
  sim_writer_end_struct (&w);
  for (guint i = 0; i < klass->n_fields; i++)
    g_variant_unref (fields[i]);
}

static void
xva_write_version (GString   *out,
                   SimServer *server)
{
  SimDb *db = sim_server_get_db (server);
  SimObject *master = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_HOST),
                                           sim_master_ref (server));
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%d");
  const char *hostname = master != NULL ? sim_object_get_string (master, LAGOON_HOST_HOSTNAME) : "";
  const char *product_version = "8.3.0";
  const char *brand = "XCP-ng";
  const char *build = "release/yangtze/master/8";
  SimWriter w;

  if (master != NULL)
    {
      GVariant *sv = master->fields[LAGOON_HOST_SOFTWARE_VERSION];
      g_autoptr(GVariant) pv = g_variant_lookup_value (sv, "product_version",
                                                       G_VARIANT_TYPE_STRING);
      g_autoptr(GVariant) pb = g_variant_lookup_value (sv, "product_brand", G_VARIANT_TYPE_STRING);
      g_autoptr(GVariant) bn = g_variant_lookup_value (sv, "build_number", G_VARIANT_TYPE_STRING);

      if (pv != NULL)
        product_version = g_variant_get_string (pv, NULL);
      if (pb != NULL)
        brand = g_variant_get_string (pb, NULL);
      if (bn != NULL)
        build = g_variant_get_string (bn, NULL);
      if (*hostname == '\0')
        hostname = sim_object_get_string (master, LAGOON_HOST_NAME_LABEL);
    }
  sim_writer_init (&w, out, FALSE);
  sim_writer_begin_struct (&w);
  sim_writer_member (&w, "hostname");
  sim_writer_string (&w, hostname);
  sim_writer_end_member (&w);
  sim_writer_member (&w, "date");
  sim_writer_string (&w, date);
  sim_writer_end_member (&w);
  sim_writer_member (&w, "product_version");
  sim_writer_string (&w, product_version);
  sim_writer_end_member (&w);
  sim_writer_member (&w, "product_brand");
  sim_writer_string (&w, brand);
  sim_writer_end_member (&w);
  sim_writer_member (&w, "build_number");
  sim_writer_string (&w, build);
  sim_writer_end_member (&w);
  sim_writer_member (&w, "xapi_major");
  sim_writer_int (&w, XVA_XAPI_MAJOR);
  sim_writer_end_member (&w);
  sim_writer_member (&w, "xapi_minor");
  sim_writer_int (&w, XVA_XAPI_MINOR);
  sim_writer_end_member (&w);
  sim_writer_member (&w, "export_vsn");
  sim_writer_int (&w, XVA_EXPORT_VSN);
  sim_writer_end_member (&w);
  sim_writer_end_struct (&w);
}

static void
xva_add_chunk (GByteArray   *tar,
               const char   *id,
               guint64       n,
               const guint8 *data,
               gsize         size)
{
  g_autofree char *name = g_strdup_printf ("%s/%08" G_GINT64_MODIFIER "u", id, n);
  g_autofree char *sum_name = g_strconcat (name, ".xxhash", NULL);
  g_autofree char *sum = g_strdup_printf ("%016" G_GINT64_MODIFIER "X", sim_xxh64 (data, size));

  tar_add (tar, name, data, size);
  tar_add (tar, sum_name, (const guint8 *) sum, strlen (sum));
}

static int
compare_u64 (gconstpointer a,
             gconstpointer b)
{
  guint64 x = *(const guint64 *) a;
  guint64 y = *(const guint64 *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

/* One VDI as xapi's Stream_vdi sends it: 1 MiB chunks, all-zero ones skipped except the
 * first and the last, each followed by its checksum. */
static void
xva_add_disk (GByteArray *tar,
              const char *id,
              SimObject  *vdi)
{
  gint64 size = MAX (sim_object_get_int (vdi, LAGOON_VDI_VIRTUAL_SIZE), 0);
  guint64 n_chunks = ((guint64) size + XVA_CHUNK - 1) / XVA_CHUNK;
  GHashTable *chunks = vdi_chunks (vdi->ref, FALSE);
  g_autoptr(GList) stored = chunks != NULL ? g_hash_table_get_keys (chunks) : NULL;
  g_autofree guint8 *zeros = g_malloc0 (XVA_CHUNK);
  g_autoptr(GArray) numbers = g_array_new (FALSE, FALSE, sizeof (guint64));

  if (n_chunks == 0)
    return;
  for (GList *l = stored; l != NULL; l = l->next)
    {
      guint64 k = (guint64) GPOINTER_TO_SIZE (l->data);
      if (k < n_chunks)
        g_array_append_val (numbers, k);
    }
  {
    guint64 first = 0, last = n_chunks - 1;
    g_array_append_val (numbers, first);
    g_array_append_val (numbers, last);
  }
  g_array_sort (numbers, compare_u64);
  for (guint i = 0; i < numbers->len; i++)
    {
      guint64 k = g_array_index (numbers, guint64, i);
      gboolean short_last = k == n_chunks - 1 && size % XVA_CHUNK != 0;
      gsize this_size = short_last ? (gsize) (size % XVA_CHUNK) : XVA_CHUNK;
      GBytes *data = chunks != NULL
                     ? g_hash_table_lookup (chunks, GSIZE_TO_POINTER ((gsize) k)) : NULL;
      const guint8 *bytes = zeros;

      if (i > 0 && g_array_index (numbers, guint64, i - 1) == k)
        continue;
      if (data != NULL && g_bytes_get_size (data) >= this_size)
        bytes = g_bytes_get_data (data, NULL);
      xva_add_chunk (tar, id, k, bytes, this_size);
    }
}

static SimObject *
xva_vm_from_query (SimDb      *db,
                   const char *query)
{
  g_autofree char *ref = sim_query_get (query, "ref");
  g_autofree char *uuid = sim_query_get (query, "uuid");

  if (ref != NULL)
    return sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VM), ref);
  if (uuid != NULL)
    return sim_db_lookup_uuid (db, sim_class (LAGOON_CLASS_VM), uuid);
  return NULL;
}

void
sim_xva_export (SimServer   *server,
                const char  *local_address,
                const char  *query,
                const char  *cookie,
                SimXvaReply *reply)
{
  SimDb *db = sim_server_get_db (server);
  g_autofree char *session = sim_request_session (query, cookie);
  g_autofree char *compression = sim_query_get (query, "use_compression");
  g_autofree char *preserve_s = sim_query_get (query, "preserve_power_state");
  gboolean preserve = preserve_s != NULL && g_ascii_strcasecmp (preserve_s, "true") == 0;
  g_autoptr(GString) ova = g_string_new (NULL);
  g_autoptr(GByteArray) tar = g_byte_array_new ();
  g_autoptr(GPtrArray) disks = g_ptr_array_new ();
  XvaTable t = { 0 };
  SimObject *task;
  SimObject *vm;
  const char *state;

  g_mutex_lock (&db->lock);
  if (!sim_session_ok (db, sim_host_at_address (db, local_address), session))
    {
      g_mutex_unlock (&db->lock);
      reply_text (reply, 401, "Unauthorised");
      return;
    }
  vdi_contents_purge (db);
  task = xva_task (server, query, cookie, "VM.export");
  vm = xva_vm_from_query (db, query);
  if (vm == NULL)
    {
      g_autofree char *ref = sim_query_get (query, "ref");
      g_autofree char *uuid = sim_query_get (query, "uuid");

      if (ref != NULL)
        xva_fail (db, task, "HANDLE_INVALID", "VM", ref, NULL);
      else
        xva_fail (db, task, "UUID_INVALID", "VM", uuid != NULL ? uuid : "", NULL);
      g_mutex_unlock (&db->lock);
      reply_text (reply, 404, "Not Found: no such VM");
      return;
    }
  state = sim_object_get_string (vm, LAGOON_VM_POWER_STATE);
  if (!g_str_equal (state, "Halted") && !g_str_equal (state, "Suspended"))
    {
      g_autofree char *actual = g_ascii_strdown (state, -1);

      xva_fail (db, task, "VM_BAD_POWER_STATE", vm->ref, "halted, suspended", actual, NULL);
      g_mutex_unlock (&db->lock);
      reply_text (reply, 500, "VM_BAD_POWER_STATE");
      return;
    }

  /* The objects, as xapi's update_table finds them. */
  t.ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  t.order = g_ptr_array_new ();
  xva_table_add (&t, vm);
  {
    g_autoptr(GPtrArray) vifs = g_ptr_array_new ();
    g_autoptr(GPtrArray) vbds = g_ptr_array_new ();

    xva_add_refs (&t, db, vm->fields[LAGOON_VM_VIFS], vifs);
    for (guint i = 0; i < vifs->len; i++)
      xva_table_add (&t, sim_db_lookup_class (db, sim_class (LAGOON_CLASS_NETWORK),
                                              sim_object_get_string (g_ptr_array_index (vifs, i),
                                                                     LAGOON_VIF_NETWORK)));
    xva_add_refs (&t, db, vm->fields[LAGOON_VM_VBDS], vbds);
    for (guint i = 0; i < vbds->len; i++)
      {
        SimObject *vbd = g_ptr_array_index (vbds, i);
        SimObject *vdi;
        SimObject *sr;

        if (g_variant_get_boolean (vbd->fields[LAGOON_VBD_EMPTY]))
          continue;
        vdi = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VDI),
                                   sim_object_get_string (vbd, LAGOON_VBD_VDI));
        if (vdi == NULL)
          continue;
        xva_table_add (&t, vdi);
        sr = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_SR),
                                  sim_object_get_string (vdi, LAGOON_VDI_SR));
        xva_table_add (&t, sr);
        /* Disks stream; CDs and ISO library contents do not. */
        if (!g_str_equal (sim_object_get_string (vbd, LAGOON_VBD_TYPE), "CD") &&
            (sr == NULL || !g_str_equal (sim_object_get_string (sr, LAGOON_SR_CONTENT_TYPE),
                                         "iso")))
          g_ptr_array_add (disks, vdi);
      }
  }
  /* A suspended VM's memory image goes along with preserve_power_state=true. */
  if (preserve && g_str_equal (state, "Suspended"))
    {
      SimObject *image = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VDI),
                                              sim_object_get_string (vm, LAGOON_VM_SUSPEND_VDI));
      if (image != NULL)
        {
          xva_table_add (&t, image);
          xva_table_add (&t, sim_db_lookup_class (db, sim_class (LAGOON_CLASS_SR),
                                                  sim_object_get_string (image, LAGOON_VDI_SR)));
          g_ptr_array_add (disks, image);
        }
    }
  preserve = preserve && g_str_equal (state, "Suspended");
  xva_table_add (&t, sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VM_METRICS),
                                          sim_object_get_string (vm, LAGOON_VM_METRICS)));
  xva_table_add (&t, sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VM_GUEST_METRICS),
                                          sim_object_get_string (vm, LAGOON_VM_GUEST_METRICS)));
  xva_table_add (&t, sim_db_lookup_class (db, sim_class (LAGOON_CLASS_HOST),
                                          sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON)));
  xva_table_add (&t, sim_db_lookup_class (db, sim_class (LAGOON_CLASS_HOST),
                                          sim_object_get_string (vm, LAGOON_VM_AFFINITY)));

  /* ova.xml: version, then the objects class by class as xapi's make_all lists them. */
  {
    static const LagoonClassId order[] = {
      LAGOON_CLASS_HOST, LAGOON_CLASS_VM, LAGOON_CLASS_VM_METRICS, LAGOON_CLASS_VM_GUEST_METRICS,
      LAGOON_CLASS_VBD, LAGOON_CLASS_VIF, LAGOON_CLASS_NETWORK, LAGOON_CLASS_VDI, LAGOON_CLASS_SR,
    };
    SimWriter w;

    sim_writer_init (&w, ova, FALSE);
    sim_writer_begin_struct (&w);
    sim_writer_member (&w, "version");
    xva_write_version (ova, server);
    sim_writer_end_member (&w);
    sim_writer_member (&w, "objects");
    sim_writer_begin_array (&w);
    for (guint c = 0; c < G_N_ELEMENTS (order); c++)
      for (guint i = 0; i < t.order->len; i++)
        {
          SimObject *obj = g_ptr_array_index (t.order, i);
          if (obj->klass->id == order[c])
            xva_write_object (ova, &t, obj, preserve);
        }
    sim_writer_end_array (&w);
    sim_writer_end_member (&w);
    sim_writer_end_struct (&w);
  }
  tar_add (tar, "ova.xml", (const guint8 *) ova->str, ova->len);
  for (guint i = 0; i < disks->len; i++)
    {
      SimObject *vdi = g_ptr_array_index (disks, i);
      xva_add_disk (tar, g_hash_table_lookup (t.ids, vdi->ref), vdi);
    }
  {
    static const guint8 zeros[2 * TAR_BLOCK] = { 0 };
    g_byte_array_append (tar, zeros, sizeof zeros);
  }

  g_string_append_printf (reply->headers, "task-id: %s\r\n", task->ref);
  g_string_append (reply->headers, "Content-Disposition: attachment; filename=\"export.xva\"\r\n");
  sim_task_finish (db, task, "success", NULL, NULL);
  g_mutex_unlock (&db->lock);

  g_hash_table_unref (t.ids);
  g_ptr_array_unref (t.order);

  reply->status = 200;
  reply->content_type = "application/octet-stream";
  g_byte_array_set_size (reply->body, 0);
  if (compression != NULL &&
      (g_str_equal (compression, "true") || g_str_equal (compression, "gzip")))
    {
      g_autoptr(GZlibCompressor) gz = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 1);
      g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
      g_autoptr(GOutputStream) zout = g_converter_output_stream_new (mem, G_CONVERTER (gz));
      gsize written;

      if (g_output_stream_write_all (zout, tar->data, tar->len, &written, NULL, NULL) &&
          g_output_stream_close (zout, NULL, NULL))
        g_byte_array_append (reply->body,
                             g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (mem)),
                             (guint) g_memory_output_stream_get_data_size (
                               G_MEMORY_OUTPUT_STREAM (mem)));
    }
  else
    g_byte_array_append (reply->body, tar->data, tar->len);
}

/* -- import -- */

typedef struct
{
  SimServer  *server;
  SimDb      *db;
  SimObject  *task;
  SimObject  *sr;          /* where VDIs go */
  GHashTable *map;         /* export id -> local ref (NULL ref: left out) */
  GHashTable *objects;     /* export id -> (class name, snapshot) as GVariant "(s@a{sv})" */
  GPtrArray  *created;     /* refs, for clean-up on failure */
  GPtrArray  *vms;         /* refs of created VMs */
  GHashTable *vdi_of_id;   /* export id of a streamed VDI -> local VDI ref */
  GPtrArray  *error;
  SimCall     call;        /* for the storage helpers: server and error */
} Import;

static void
import_fail (Import     *im,
             const char *code,
             ...)
{
  const char *p;
  va_list ap;

  if (im->error->len > 0)
    return;
  g_ptr_array_add (im->error, g_strdup (code));
  va_start (ap, code);
  while ((p = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (im->error, g_strdup (p));
  va_end (ap);
}

/* The fields of @klass from an exported snapshot; refs are mapped through im->map. */
static GVariant **
import_fields (Import                  *im,
               const LagoonSchemaClass *klass,
               GVariant                *snapshot)
{
  GVariant **fields = g_new0 (GVariant *, klass->n_fields);

  for (guint i = 0; i < klass->n_fields; i++)
    {
      const LagoonSchemaField *f = &klass->fields[i];
      g_autoptr(GVariant) raw = g_variant_lookup_value (snapshot, f->name, NULL);
      g_autoptr(GError) error = NULL;
      GVariant *v = NULL;

      if (raw != NULL)
        v = lagoon_value_coerce (f->type, raw, &error);
      if (v == NULL)
        v = lagoon_schema_field_default (f);
      /* References: through the import table, or nothing. */
      if (f->type->kind == LAGOON_TYPE_REF && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
        {
          const char *local = g_hash_table_lookup (im->map, g_variant_get_string (v, NULL));
          g_variant_unref (v);
          v = sim_vstr (local != NULL ? local : LAGOON_NULL_REF);
        }
      else if ((f->type->kind == LAGOON_TYPE_SET && f->type->value->kind == LAGOON_TYPE_REF) ||
               (f->type->kind == LAGOON_TYPE_MAP &&
                (f->type->key->kind == LAGOON_TYPE_REF || f->type->value->kind == LAGOON_TYPE_REF)))
        {
          /* Relations fill in as the other sides are created. */
          g_variant_unref (v);
          v = lagoon_type_zero_value (f->type);
        }
      fields[i] = v;
    }
  return fields;
}

static void
set_field (GVariant **fields,
           int        f,
           GVariant  *v)
{
  g_clear_pointer (&fields[f], g_variant_unref);
  fields[f] = v;
}

static SimObject *
import_insert (Import                  *im,
               const LagoonSchemaClass *klass,
               const char              *id,
               GVariant               **fields)
{
  int uf = lagoon_schema_find_field (klass, "uuid");
  SimObject *obj;

  if (uf >= 0)
    set_field (fields, uf, g_variant_ref_sink (g_variant_new_take_string (sim_db_new_uuid ())));
  obj = sim_db_insert (im->db, klass, NULL, fields, FALSE);
  g_ptr_array_add (im->created, g_strdup (obj->ref));
  if (id != NULL)
    g_hash_table_insert (im->map, g_strdup (id), g_strdup (obj->ref));
  return obj;
}

static void
add_import_task (Import    *im,
                 GVariant **fields,
                 int        f)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  GVariantIter iter;
  const char *k;
  GVariant *v;

  g_variant_iter_init (&iter, fields[f]);
  while (g_variant_iter_next (&iter, "{&sv}", &k, &v))
    {
      if (!g_str_equal (k, "import_task") && !g_str_equal (k, "mac_seed"))
        g_variant_builder_add (&b, "{sv}", k, v);
      g_variant_unref (v);
    }
  g_variant_builder_add (&b, "{sv}", "import_task", g_variant_new_string (im->task->ref));
  if (f == LAGOON_VM_OTHER_CONFIG)
    {
      /* A fresh MAC seed for a VM imported as new. */
      g_autofree char *seed = sim_db_new_uuid ();
      g_variant_builder_add (&b, "{sv}", "mac_seed", g_variant_new_string (seed));
    }
  set_field (fields, f, g_variant_ref_sink (g_variant_builder_end (&b)));
}

/* "Ref:12" before "Ref:103". */
static int
compare_export_ids (gconstpointer a,
                    gconstpointer b)
{
  const char *x = *(const char *const *) a;
  const char *y = *(const char *const *) b;
  guint64 nx = g_ascii_strtoull (strchr (x, ':') != NULL ? strchr (x, ':') + 1 : x, NULL, 10);
  guint64 ny = g_ascii_strtoull (strchr (y, ':') != NULL ? strchr (y, ':') + 1 : y, NULL, 10);

  return nx < ny ? -1 : nx > ny ? 1 : strcmp (x, y);
}

/* The export ids of the objects of @cls, in number order. */
static GPtrArray *
import_objects_of (Import     *im,
                   const char *cls)
{
  GPtrArray *out = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, im->objects);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *c;
      g_autoptr(GVariant) snap = NULL;

      g_variant_get (value, "(&s@a{sv})", &c, &snap);
      if (g_ascii_strcasecmp (c, cls) == 0)
        g_ptr_array_add (out, key);
    }
  g_ptr_array_sort (out, compare_export_ids);
  return out;
}

static GVariant *
snapshot_of (Import     *im,
             const char *id)
{
  GVariant *entry = g_hash_table_lookup (im->objects, id);
  GVariant *snap = NULL;

  if (entry != NULL)
    g_variant_get (entry, "(&s@a{sv})", NULL, &snap);
  return snap;
}

static const char *
snap_str (GVariant   *snap,
          const char *key)
{
  g_autoptr(GVariant) v = g_variant_lookup_value (snap, key, G_VARIANT_TYPE_STRING);

  return v != NULL ? g_variant_get_string (v, NULL) : "";
}

/* The operations a freshly imported VM (halted or suspended) or template offers until
 * sim-vm.c's VM.update_allowed_operations computes them (at the end of the import). */
static GVariant *
imported_vm_operations (gboolean template,
                        gboolean suspended)
{
  static const char *const susp[] = {
    "resume", "resume_on", "hard_shutdown", "snapshot", "clone", "copy", "export", "destroy",
    "migrate_send", "metadata_export",
  };

  static const char *const halted[] = {
    "start", "start_on", "clone", "copy", "snapshot", "export", "destroy", "make_into_template",
    "provision", "changing_memory_limits", "changing_static_range", "changing_dynamic_range",
    "changing_VCPUs", "migrate_send", "metadata_export",
  };
  static const char *const templ[] = { "clone", "copy", "export", "destroy", "provision",
                                      "metadata_export" };

  if (template)
    return sim_vstrv (templ, G_N_ELEMENTS (templ));
  if (suspended)
    return sim_vstrv (susp, G_N_ELEMENTS (susp));
  return sim_vstrv (halted, G_N_ELEMENTS (halted));
}

/* Creates the objects of ova.xml as xapi's import handlers do; FALSE with im->error set. */
static gboolean
import_objects (Import *im)
{
  const LagoonSchemaClass *vdi_class = sim_class (LAGOON_CLASS_VDI);
  const LagoonSchemaClass *vm_class = sim_class (LAGOON_CLASS_VM);
  const LagoonSchemaClass *vbd_class = sim_class (LAGOON_CLASS_VBD);
  const LagoonSchemaClass *vif_class = sim_class (LAGOON_CLASS_VIF);
  const LagoonSchemaClass *net_class = sim_class (LAGOON_CLASS_NETWORK);
  g_autoptr(GPtrArray) ids = NULL;

  /* Hosts: known by uuid, or nothing. */
  ids = import_objects_of (im, "host");
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GVariant) snap = snapshot_of (im, g_ptr_array_index (ids, i));
      SimObject *h = sim_db_lookup_uuid (im->db, sim_class (LAGOON_CLASS_HOST),
                                         snap_str (snap, "uuid"));
      if (h != NULL)
        g_hash_table_insert (im->map, g_strdup (g_ptr_array_index (ids, i)), g_strdup (h->ref));
    }
  g_clear_pointer (&ids, g_ptr_array_unref);

  /* SRs: every disk goes to the SR of the request; an ISO library's CDs are looked up by name. */
  ids = import_objects_of (im, "SR");
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GVariant) snap = snapshot_of (im, g_ptr_array_index (ids, i));
      if (!g_str_equal (snap_str (snap, "content_type"), "iso"))
        g_hash_table_insert (im->map, g_strdup (g_ptr_array_index (ids, i)),
                             g_strdup (im->sr->ref));
    }
  g_clear_pointer (&ids, g_ptr_array_unref);

  /* Networks: by name, then by bridge, else a new one. */
  ids = import_objects_of (im, "network");
  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      g_autoptr(GVariant) snap = snapshot_of (im, id);
      GQueue *nets = sim_db_class_objects (im->db, net_class);
      SimObject *found = NULL;

      for (GList *l = nets->head; l != NULL && found == NULL; l = l->next)
        if (g_str_equal (sim_object_get_string (l->data, LAGOON_NETWORK_NAME_LABEL),
                         snap_str (snap, "name_label")))
          found = l->data;
      for (GList *l = nets->head; l != NULL && found == NULL; l = l->next)
        if (g_str_equal (sim_object_get_string (l->data, LAGOON_NETWORK_BRIDGE),
                         snap_str (snap, "bridge")))
          found = l->data;
      if (found != NULL)
        g_hash_table_insert (im->map, g_strdup (id), g_strdup (found->ref));
      else
        {
          g_autofree GVariant **fields = import_fields (im, net_class, snap);
          add_import_task (im, fields, LAGOON_NETWORK_OTHER_CONFIG);
          import_insert (im, net_class, id, fields);
        }
    }
  g_clear_pointer (&ids, g_ptr_array_unref);

  /* VDIs: new ones on the SR (sm_config marks the import), or an ISO found by name. */
  ids = import_objects_of (im, "VDI");
  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      g_autoptr(GVariant) snap = snapshot_of (im, id);
      const char *sr_id = snap_str (snap, "SR");
      g_autofree GVariant **fields = NULL;
      SimObject *vdi;

      if (g_hash_table_lookup (im->map, sr_id) == NULL)
        {
          GQueue *vdis = sim_db_class_objects (im->db, vdi_class);

          for (GList *l = vdis->head; l != NULL; l = l->next)
            {
              SimObject *sr = sim_db_lookup_class (im->db, sim_class (LAGOON_CLASS_SR),
                                                   sim_object_get_string (l->data, LAGOON_VDI_SR));
              if (sr != NULL && g_str_equal (sim_object_get_string (sr, LAGOON_SR_CONTENT_TYPE),
                                             "iso") &&
                  g_str_equal (sim_object_get_string (l->data, LAGOON_VDI_NAME_LABEL),
                               snap_str (snap, "name_label")))
                {
                  g_hash_table_insert (im->map, g_strdup (id),
                                       g_strdup (((SimObject *) l->data)->ref));
                  break;
                }
            }
          continue;
        }
      fields = import_fields (im, vdi_class, snap);
      add_import_task (im, fields, LAGOON_VDI_SM_CONFIG);
      set_field (fields, LAGOON_VDI_IS_A_SNAPSHOT, sim_vbool (FALSE));
      set_field (fields, LAGOON_VDI_SNAPSHOT_OF, sim_vstr (LAGOON_NULL_REF));
      set_field (fields, LAGOON_VDI_SNAPSHOT_TIME, sim_vstr (LAGOON_NULL_DATETIME));
      /* VDI.create on the target SR, with its space accounting (SR_FULL...). */
      vdi = sim_vdi_create_accounted (&im->call, im->sr, g_steal_pointer (&fields));
      if (vdi == NULL)
        {
          if (im->error->len == 0)
            import_fail (im, "INTERNAL_ERROR", "VDI.create failed", NULL);
          return FALSE;
        }
      g_ptr_array_add (im->created, g_strdup (vdi->ref));
      g_hash_table_insert (im->map, g_strdup (id), g_strdup (vdi->ref));
      g_hash_table_insert (im->vdi_of_id, g_strdup (id), g_strdup (vdi->ref));
    }
  g_clear_pointer (&ids, g_ptr_array_unref);

  /* VMs: new, halted, a fresh MAC seed and the import task noted. */
  ids = import_objects_of (im, "VM");
  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      g_autoptr(GVariant) snap = snapshot_of (im, id);
      g_autofree GVariant **fields = import_fields (im, vm_class, snap);
      gboolean template;
      gboolean suspended;
      SimObject *vm;

      if (g_variant_get_boolean (fields[LAGOON_VM_IS_CONTROL_DOMAIN]))
        continue;
      template = g_variant_get_boolean (fields[LAGOON_VM_IS_A_TEMPLATE]);
      add_import_task (im, fields, LAGOON_VM_OTHER_CONFIG);
      set_field (fields, LAGOON_VM_POWER_STATE, sim_vstr ("Halted"));
      set_field (fields, LAGOON_VM_RESIDENT_ON, sim_vstr (LAGOON_NULL_REF));
      set_field (fields, LAGOON_VM_SCHEDULED_TO_BE_RESIDENT_ON, sim_vstr (LAGOON_NULL_REF));
      set_field (fields, LAGOON_VM_DOMID, sim_vint (-1));
      set_field (fields, LAGOON_VM_METRICS, sim_vstr (LAGOON_NULL_REF));
      set_field (fields, LAGOON_VM_GUEST_METRICS, sim_vstr (LAGOON_NULL_REF));
      set_field (fields, LAGOON_VM_IS_DEFAULT_TEMPLATE, sim_vbool (FALSE));
      /* Suspended (an export with preserve_power_state) when its memory image came along. */
      suspended = g_str_equal (snap_str (snap, "power_state"), "Suspended") &&
                  g_hash_table_contains (im->vdi_of_id, snap_str (snap, "suspend_VDI"));
      if (suspended)
        {
          const char *image = g_hash_table_lookup (im->vdi_of_id, snap_str (snap, "suspend_VDI"));

          set_field (fields, LAGOON_VM_POWER_STATE, sim_vstr ("Suspended"));
          set_field (fields, LAGOON_VM_SUSPEND_VDI, sim_vstr (image));
        }
      else
        set_field (fields, LAGOON_VM_SUSPEND_VDI, sim_vstr (LAGOON_NULL_REF));
      set_field (fields, LAGOON_VM_ALLOWED_OPERATIONS,
                 imported_vm_operations (template, suspended));
      vm = import_insert (im, vm_class, id, fields);
      g_ptr_array_add (im->vms, g_strdup (vm->ref));
      /* A VM_metrics record, as VM.create makes one. */
      {
        const LagoonSchemaClass *mk = sim_class (LAGOON_CLASS_VM_METRICS);
        g_autofree GVariant **mf = g_new0 (GVariant *, mk->n_fields);
        SimObject *m;

        mf[LAGOON_VM_METRICS_INSTALL_TIME] = sim_vnow ();
        m = import_insert (im, mk, NULL, mf);
        sim_db_set (im->db, vm, LAGOON_VM_METRICS, sim_vstr (m->ref));
      }
    }
  g_clear_pointer (&ids, g_ptr_array_unref);
  if (im->vms->len == 0)
    {
      import_fail (im, "IMPORT_ERROR_GENERIC", "The archive holds no VM", NULL);
      return FALSE;
    }

  /* VBDs and VIFs: on their VM; a CD whose disk was left out is ejected. */
  ids = import_objects_of (im, "VBD");
  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      g_autoptr(GVariant) snap = snapshot_of (im, id);
      const char *vm_id = snap_str (snap, "VM");
      const char *vdi_id = snap_str (snap, "VDI");
      g_autofree GVariant **fields = NULL;

      if (g_hash_table_lookup (im->map, vm_id) == NULL)
        {
          if (g_hash_table_lookup (im->objects, vm_id) == NULL)
            {
              import_fail (im, "IMPORT_ERROR_FAILED_TO_FIND_OBJECT", vm_id, NULL);
              return FALSE;
            }
          continue;
        }
      fields = import_fields (im, vbd_class, snap);
      set_field (fields, LAGOON_VBD_CURRENTLY_ATTACHED, sim_vbool (FALSE));
      if (g_hash_table_lookup (im->map, vdi_id) == NULL)
        {
          if (!g_str_equal (snap_str (snap, "type"), "CD") &&
              !g_str_equal (vdi_id, LAGOON_NULL_REF) &&
              *vdi_id != '\0')
            {
              import_fail (im, "IMPORT_ERROR_FAILED_TO_FIND_OBJECT", vdi_id, NULL);
              return FALSE;
            }
          set_field (fields, LAGOON_VBD_EMPTY, sim_vbool (TRUE));
        }
      import_insert (im, vbd_class, id, fields);
    }
  g_clear_pointer (&ids, g_ptr_array_unref);

  ids = import_objects_of (im, "VIF");
  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      g_autoptr(GVariant) snap = snapshot_of (im, id);
      g_autofree GVariant **fields = NULL;

      if (g_hash_table_lookup (im->map, snap_str (snap, "VM")) == NULL)
        continue;
      if (g_hash_table_lookup (im->map, snap_str (snap, "network")) == NULL)
        {
          import_fail (im, "IMPORT_ERROR_FAILED_TO_FIND_OBJECT", snap_str (snap, "network"), NULL);
          return FALSE;
        }
      fields = import_fields (im, vif_class, snap);
      set_field (fields, LAGOON_VIF_CURRENTLY_ATTACHED, sim_vbool (FALSE));
      import_insert (im, vif_class, id, fields);
    }
  return TRUE;
}

/* Reads the disk chunks after ova.xml into the new VDIs, checking each checksum. */
static gboolean
import_disks (Import    *im,
              TarReader *r,
              gboolean   force)
{
  g_autofree char *last_name = NULL;
  GBytes *last_data = NULL;
  gboolean ok = TRUE;

  for (;;)
    {
      g_autofree char *name = NULL;
      const guint8 *contents = NULL;
      gsize size = 0;
      TarStatus st = tar_next (r, &name, &contents, &size);
      const char *slash;
      g_autofree char *id = NULL;
      const char *vdi_ref;

      if (st == TAR_END)
        break;
      if (st == TAR_EOF)
        {
          import_fail (im, "IMPORT_ERROR_PREMATURE_EOF", NULL);
          ok = FALSE;
          break;
        }
      if (st == TAR_BAD)
        {
          import_fail (im, "IMPORT_ERROR_GENERIC", "Invalid tar header", NULL);
          ok = FALSE;
          break;
        }
      slash = strchr (name, '/');
      if (slash == NULL)
        continue;
      id = g_strndup (name, slash - name);
      vdi_ref = g_hash_table_lookup (im->vdi_of_id, id);
      if (g_str_has_suffix (name, ".checksum") || g_str_has_suffix (name, ".xxhash"))
        {
          g_autofree char *expected = g_strstrip (g_strndup ((const char *) contents, size));
          g_autofree char *actual = NULL;
          gboolean sha = g_str_has_suffix (name, ".checksum");

          if (last_data == NULL || last_name == NULL ||
              !g_str_has_prefix (name, last_name) || name[strlen (last_name)] != '.')
            continue;
          if (sha)
            actual = g_compute_checksum_for_bytes (G_CHECKSUM_SHA1, last_data);
          else
            actual = g_strdup_printf ("%016" G_GINT64_MODIFIER "X",
                                      sim_xxh64 (g_bytes_get_data (last_data, NULL),
                                                 g_bytes_get_size (last_data)));
          if (g_ascii_strcasecmp (actual, expected) != 0 && !force)
            {
              import_fail (im, "IMPORT_ERROR_SOME_CHECKSUMS_FAILED", NULL);
              ok = FALSE;
              break;
            }
          continue;
        }
      g_clear_pointer (&last_data, g_bytes_unref);
      g_free (last_name);
      last_name = g_strdup (name);
      last_data = g_bytes_new (contents, size);
      if (vdi_ref != NULL)
        {
          guint64 n = g_ascii_strtoull (slash + 1, NULL, 10);
          SimObject *vdi = sim_db_lookup_class (im->db, sim_class (LAGOON_CLASS_VDI), vdi_ref);
          GHashTable *chunks = vdi_chunks (vdi_ref, TRUE);

          if (vdi != NULL && !all_zero (contents, size))
            g_hash_table_insert (chunks, GSIZE_TO_POINTER ((gsize) n), g_bytes_ref (last_data));
        }
    }
  g_clear_pointer (&last_data, g_bytes_unref);
  return ok;
}

static GBytes *
gunzip (const guint8 *data,
        gsize         len)
{
  g_autoptr(GZlibDecompressor) gz = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GInputStream) mem = g_memory_input_stream_new_from_data (data, (gssize) len, NULL);
  g_autoptr(GInputStream) zin = g_converter_input_stream_new (mem, G_CONVERTER (gz));
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint8 buf[65536];
  gssize n;

  while ((n = g_input_stream_read (zin, buf, sizeof buf, NULL, NULL)) > 0)
    {
      if (out->len + (gsize) n > SIM_XVA_MAX_UNPACKED)
        return NULL;
      g_byte_array_append (out, buf, (guint) n);
    }
  if (n < 0)
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void
import_cleanup (Import *im)
{
  for (guint i = im->created->len; i > 0; i--)
    {
      const char *ref = g_ptr_array_index (im->created, i - 1);
      SimObject *obj = sim_db_lookup (im->db, ref);

      if (vdi_contents != NULL)
        g_hash_table_remove (vdi_contents, ref);
      if (obj != NULL && obj->klass->id == LAGOON_CLASS_VDI)
        sim_vdi_destroy_accounted (im->db, obj);
      else if (obj != NULL)
        sim_db_delete (im->db, obj);
    }
}

void
sim_xva_import (SimServer    *server,
                const char   *local_address,
                const char   *query,
                const char   *cookie,
                const guint8 *data,
                gsize         length,
                gboolean      chunked,
                SimXvaReply  *reply)
{
  SimDb *db = sim_server_get_db (server);
  g_autofree char *session = sim_request_session (query, cookie);
  g_autofree char *sr_id = sim_query_get (query, "sr_id");
  g_autofree char *sr_uuid = sim_query_get (query, "sr_uuid");
  g_autofree char *force_s = sim_query_get (query, "force");
  gboolean force = force_s != NULL && g_str_equal (force_s, "true");
  g_autoptr(GBytes) unpacked = NULL;
  g_autofree char *first = NULL;
  const guint8 *ova = NULL;
  gsize ova_len = 0;
  TarReader r = { data, length, 0 };
  Import im = { 0 };
  TarStatus st;
  gboolean ok = FALSE;

  g_mutex_lock (&db->lock);
  if (!sim_session_ok (db, sim_host_at_address (db, local_address), session))
    {
      g_mutex_unlock (&db->lock);
      reply_text (reply, 401, "Unauthorised");
      return;
    }
  vdi_contents_purge (db);
  im.server = server;
  im.db = db;
  im.task = xva_task (server, query, cookie, "VM.import");
  im.map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  im.objects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) g_variant_unref);
  im.created = g_ptr_array_new_with_free_func (g_free);
  im.vms = g_ptr_array_new_with_free_func (g_free);
  im.vdi_of_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  im.error = g_ptr_array_new_with_free_func (g_free);
  im.call.server = server;
  im.call.host_ref = sim_master_ref (server);
  im.call.error = im.error;
  g_string_append_printf (reply->headers, "task-id: %s\r\n", im.task->ref);
  reply->status = 200;
  reply->content_type = "application/octet-stream";

  if (sr_id != NULL)
    im.sr = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_SR), sr_id);
  else if (sr_uuid != NULL)
    im.sr = sim_db_lookup_uuid (db, sim_class (LAGOON_CLASS_SR), sr_uuid);
  else
    im.sr = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_SR),
                                 sim_object_get_string (sim_pool_object (server),
                                                        LAGOON_POOL_DEFAULT_SR));
  if (im.sr == NULL)
    {
      if (sr_id != NULL)
        import_fail (&im, "HANDLE_INVALID", "SR", sr_id, NULL);
      else if (sr_uuid != NULL)
        import_fail (&im, "UUID_INVALID", "SR", sr_uuid, NULL);
      else
        import_fail (&im, "DEFAULT_SR_NOT_FOUND", LAGOON_NULL_REF, NULL);
      reply->status = 404;
      goto done;
    }
  if (g_str_equal (sim_object_get_string (im.sr, LAGOON_SR_CONTENT_TYPE), "iso"))
    {
      import_fail (&im, "SR_OPERATION_NOT_SUPPORTED", NULL);
      reply->status = 400;
      goto done;
    }
  if (chunked)
    {
      import_fail (&im, "IMPORT_ERROR_CANNOT_HANDLE_CHUNKED", NULL);
      reply->status = 403;
      goto done;
    }

  /* A gzip stream is unpacked first (xapi tries the tar, then gzip); zstd is not simulated. */
  if (length >= 2 && data[0] == 0x1f && data[1] == 0x8b)
    {
      g_mutex_unlock (&db->lock);
      unpacked = gunzip (data, length);
      g_mutex_lock (&db->lock);
      if (unpacked == NULL)
        {
          import_fail (&im, "IMPORT_ERROR_PREMATURE_EOF", NULL);
          goto done;
        }
      r.data = g_bytes_get_data (unpacked, &r.len);
    }
  else if (length >= 4 && memcmp (data, "\x28\xb5\x2f\xfd", 4) == 0)
    {
      import_fail (&im, "IMPORT_ERROR_GENERIC", "zstd-compressed archives are not simulated", NULL);
      goto done;
    }

  st = tar_next (&r, &first, &ova, &ova_len);
  if (st != TAR_OK)
    {
      /* Not a tar, and not gzip either: xapi's decompressor then finds nothing. */
      import_fail (&im, "IMPORT_ERROR_PREMATURE_EOF", NULL);
      goto done;
    }
  if (!g_str_equal (first, "ova.xml"))
    {
      import_fail (&im, "IMPORT_ERROR_UNEXPECTED_FILE", "ova.xml", first, NULL);
      goto done;
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) header = lagoon_xmlrpc_parse_value_fragment ((const char *) ova, ova_len,
                                                                     &error);
    g_autoptr(GVariant) version = NULL;
    g_autoptr(GVariant) objects = NULL;

    if (header == NULL || !g_variant_is_of_type (header, G_VARIANT_TYPE_VARDICT))
      {
        import_fail (&im, "IMPORT_ERROR_GENERIC",
                     error != NULL ? error->message : "ova.xml is not an XML-RPC struct", NULL);
        goto done;
      }
    version = g_variant_lookup_value (header, "version", G_VARIANT_TYPE_VARDICT);
    objects = g_variant_lookup_value (header, "objects", G_VARIANT_TYPE ("av"));
    if (version == NULL || objects == NULL)
      {
        import_fail (&im, "IMPORT_ERROR_GENERIC", "ova.xml lacks version or objects", NULL);
        goto done;
      }
    {
      g_autoptr(GVariant) maj = g_variant_lookup_value (version, "xapi_major", NULL);
      g_autoptr(GVariant) min = g_variant_lookup_value (version, "xapi_minor", NULL);
      gint64 major = 0, minor = 0;

      if (maj != NULL && g_variant_is_of_type (maj, G_VARIANT_TYPE_STRING))
        major = g_ascii_strtoll (g_variant_get_string (maj, NULL), NULL, 10);
      else if (maj != NULL && g_variant_is_of_type (maj, G_VARIANT_TYPE_INT64))
        major = g_variant_get_int64 (maj);
      if (min != NULL && g_variant_is_of_type (min, G_VARIANT_TYPE_STRING))
        minor = g_ascii_strtoll (g_variant_get_string (min, NULL), NULL, 10);
      else if (min != NULL && g_variant_is_of_type (min, G_VARIANT_TYPE_INT64))
        minor = g_variant_get_int64 (min);
      if (major > XVA_XAPI_MAJOR || (major == XVA_XAPI_MAJOR && minor > XVA_XAPI_MINOR))
        {
          import_fail (&im, "IMPORT_INCOMPATIBLE_VERSION", NULL);
          goto done;
        }
    }
    for (gsize i = 0; i < g_variant_n_children (objects); i++)
      {
        g_autoptr(GVariant) boxed = g_variant_get_child_value (objects, i);
        g_autoptr(GVariant) obj = g_variant_get_variant (boxed);
        g_autoptr(GVariant) cls = NULL;
        g_autoptr(GVariant) id = NULL;
        g_autoptr(GVariant) snap = NULL;

        if (!g_variant_is_of_type (obj, G_VARIANT_TYPE_VARDICT))
          continue;
        cls = g_variant_lookup_value (obj, "class", G_VARIANT_TYPE_STRING);
        id = g_variant_lookup_value (obj, "id", G_VARIANT_TYPE_STRING);
        snap = g_variant_lookup_value (obj, "snapshot", G_VARIANT_TYPE_VARDICT);
        if (cls == NULL || id == NULL || snap == NULL)
          continue;
        g_hash_table_insert (im.objects, g_variant_dup_string (id, NULL),
                             g_variant_ref_sink (g_variant_new ("(s@a{sv})",
                                                                g_variant_get_string (cls, NULL),
                                                                snap)));
      }
  }

  if (!import_objects (&im) || !import_disks (&im, &r, force))
    goto done;
  ok = TRUE;

done:
  if (ok)
    {
      g_autoptr(GString) result = g_string_new ("<value><array><data>");

      for (guint i = 0; i < im.vms->len; i++)
        {
          g_autoptr(GPtrArray) scratch = g_ptr_array_new_with_free_func (g_free);

          /* sim-vm.c's own rules for what the new VM offers (xapi recomputes them too). */
          run_vm_handler (server, "update_allowed_operations", g_ptr_array_index (im.vms, i),
                          scratch);
        }
      for (guint i = 0; i < im.vms->len; i++)
        {
          SimObject *vm = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VM),
                                               g_ptr_array_index (im.vms, i));

          if (vm != NULL)
            g_string_append_printf (result, "<value>%s</value>", vm->ref);
        }
      g_string_append (result, "</data></array></value>");
      sim_task_finish (db, im.task, "success", result->str, NULL);
    }
  else
    {
      if (!force)
        import_cleanup (&im);
      sim_task_finish (db, im.task, "failure", NULL, im.error);
    }
  g_mutex_unlock (&db->lock);
  if (reply->status != 200)
    reply_text (reply, reply->status, im.error->len > 0 ? g_ptr_array_index (im.error, 0) : "");
  g_hash_table_unref (im.map);
  g_hash_table_unref (im.objects);
  g_ptr_array_unref (im.created);
  g_ptr_array_unref (im.vms);
  g_hash_table_unref (im.vdi_of_id);
  g_ptr_array_unref (im.error);
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
