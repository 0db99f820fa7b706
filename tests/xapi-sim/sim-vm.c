/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sim-vm.c: VM lifecycle, snapshots and vApps as xapi's state machine runs them.
 */
#define G_LOG_DOMAIN "xapi-sim"

#include "config.h"

#include <string.h>

#include "sim-ops.h"

/* ---- VM lifecycle ------------------------------------------------------------------------ */

static const char *
power_state (SimObject *vm)
{
  return sim_object_get_string (vm, LAGOON_VM_POWER_STATE);
}

/* The operations a VM offers in each state, as xapi's update_allowed_operations would. */
static void
vm_update_allowed_operations (SimDb     *db,
                              SimObject *vm)
{
  static const char *const halted[] = {
    "start", "start_on", "clone", "copy", "snapshot", "export", "destroy", "make_into_template",
    "provision", "changing_memory_limits", "changing_static_range", "changing_dynamic_range",
    "changing_VCPUs", "migrate_send", "metadata_export",
  };
  static const char *const running[] = {
    "clean_shutdown", "clean_reboot", "hard_shutdown", "hard_reboot", "suspend", "pause",
    "pool_migrate", "migrate_send", "snapshot", "checkpoint", "changing_dynamic_range",
    "changing_VCPUs_live", "metadata_export",
  };
  static const char *const paused[] = { "unpause", "hard_shutdown", "hard_reboot", "snapshot", "metadata_export" };
  static const char *const suspended[] = {
    "resume", "resume_on", "hard_shutdown", "snapshot", "export", "destroy", "migrate_send", "metadata_export",
  };
  static const char *const templ[] = { "clone", "copy", "export", "destroy", "provision", "metadata_export" };
  static const char *const snap[] = { "revert", "clone", "copy", "export", "destroy", "metadata_export" };
  const char *state = power_state (vm);

  if (g_variant_get_boolean (vm->fields[LAGOON_VM_IS_A_SNAPSHOT]))
    sim_db_set (db, vm, LAGOON_VM_ALLOWED_OPERATIONS, sim_vstrv (snap, G_N_ELEMENTS (snap)));
  else if (g_variant_get_boolean (vm->fields[LAGOON_VM_IS_A_TEMPLATE]))
    sim_db_set (db, vm, LAGOON_VM_ALLOWED_OPERATIONS, sim_vstrv (templ, G_N_ELEMENTS (templ)));
  else if (g_str_equal (state, "Running"))
    sim_db_set (db, vm, LAGOON_VM_ALLOWED_OPERATIONS, sim_vstrv (running, G_N_ELEMENTS (running)));
  else if (g_str_equal (state, "Paused"))
    sim_db_set (db, vm, LAGOON_VM_ALLOWED_OPERATIONS, sim_vstrv (paused, G_N_ELEMENTS (paused)));
  else if (g_str_equal (state, "Suspended"))
    sim_db_set (db, vm, LAGOON_VM_ALLOWED_OPERATIONS, sim_vstrv (suspended, G_N_ELEMENTS (suspended)));
  else
    sim_db_set (db, vm, LAGOON_VM_ALLOWED_OPERATIONS, sim_vstrv (halted, G_N_ELEMENTS (halted)));
}

/* The VM from argument 1, in one of @states ("Halted|Running"), and not a template or snapshot. */
static SimObject *
vm_for_operation (SimCall    *call,
                  const char *op,
                  const char *states)
{
  SimObject *vm = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VM));
  g_auto(GStrv) allowed = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *actual = NULL;

  if (vm == NULL)
    return NULL;
  if (g_variant_get_boolean (vm->fields[LAGOON_VM_IS_A_SNAPSHOT]))
    {
      sim_fail (call, "VM_IS_SNAPSHOT", vm->ref, op, NULL);
      return NULL;
    }
  if (g_variant_get_boolean (vm->fields[LAGOON_VM_IS_A_TEMPLATE]))
    {
      sim_fail (call, "VM_IS_TEMPLATE", vm->ref, NULL);
      return NULL;
    }
  allowed = g_strsplit (states, "|", -1);
  if (g_strv_contains ((const char *const *) allowed, power_state (vm)))
    return vm;
  /* Power states are lower-case in this error (xapi_vm_lifecycle.ml). */
  {
    g_autofree char *joined = g_strjoinv (", ", allowed);
    expected = g_ascii_strdown (joined, -1);
  }
  actual = g_ascii_strdown (power_state (vm), -1);
  sim_fail (call, "VM_BAD_POWER_STATE", vm->ref, expected, actual, NULL);
  return NULL;
}

static void
vm_set_devices_attached (SimDb     *db,
                         SimObject *vm,
                         gboolean   attached)
{
  const int lists[][2] = { { LAGOON_VM_VBDS, LAGOON_VBD_CURRENTLY_ATTACHED },
                           { LAGOON_VM_VIFS, LAGOON_VIF_CURRENTLY_ATTACHED } };

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      GVariantIter iter;
      GVariant *v;

      g_variant_iter_init (&iter, vm->fields[lists[i][0]]);
      while ((v = g_variant_iter_next_value (&iter)))
        {
          g_autoptr(GVariant) inner = g_variant_get_variant (v);
          SimObject *dev = sim_db_lookup (db, g_variant_get_string (inner, NULL));

          if (dev != NULL && g_variant_get_boolean (dev->fields[lists[i][1]]) != attached)
            sim_db_set (db, dev, lists[i][1], sim_vbool (attached));
          g_variant_unref (v);
        }
    }
}

static void
vm_destroy_consoles (SimDb     *db,
                     SimObject *vm)
{
  GQueue *consoles = sim_db_class_objects (db, sim_class (LAGOON_CLASS_CONSOLE));
  GList *l = consoles->head;

  while (l != NULL)
    {
      GList *next = l->next;
      SimObject *console = l->data;

      if (g_str_equal (sim_object_get_string (console, LAGOON_CONSOLE_VM), vm->ref))
        sim_db_delete (db, console);
      l = next;
    }
}

/* VM_metrics as a new domain sees it (made when the VM has none, as xapi does at creation). */
static void
vm_metrics_boot (SimDb     *db,
                 SimObject *vm)
{
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_VM_METRICS);
  SimObject *m = sim_db_lookup_class (db, klass, sim_object_get_string (vm, LAGOON_VM_METRICS));
  gint64 memory = sim_object_get_int (vm, LAGOON_VM_MEMORY_DYNAMIC_MAX);

  if (m == NULL)
    {
      g_autofree GVariant **fields = g_new0 (GVariant *, klass->n_fields);

      fields[LAGOON_VM_METRICS_UUID] =
        g_variant_ref_sink (g_variant_new_take_string (sim_db_new_uuid ()));
      fields[LAGOON_VM_METRICS_INSTALL_TIME] = sim_vnow ();
      m = sim_db_insert (db, klass, NULL, fields, FALSE);
      sim_db_set (db, vm, LAGOON_VM_METRICS, sim_vstr (m->ref));
    }
  if (memory <= 0)
    memory = sim_object_get_int (vm, LAGOON_VM_MEMORY_STATIC_MAX);
  sim_db_set (db, m, LAGOON_VM_METRICS_START_TIME, sim_vnow ());
  sim_db_set (db, m, LAGOON_VM_METRICS_LAST_UPDATED, sim_vnow ());
  sim_db_set (db, m, LAGOON_VM_METRICS_MEMORY_ACTUAL, sim_vint (MAX (memory, 0)));
  sim_db_set (db, m, LAGOON_VM_METRICS_VCPUS_NUMBER,
              sim_vint (MAX (sim_object_get_int (vm, LAGOON_VM_VCPUS_AT_STARTUP), 1)));
}

static void
vm_boot (SimCall    *call,
         SimObject  *vm,
         const char *host_ref,
         gboolean    paused)
{
  SimServer *server = call->server;
  SimDb *db = sim_server_get_db (server);
  const LagoonSchemaClass *console_class = sim_class (LAGOON_CLASS_CONSOLE);
  SimObject *host = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_HOST), host_ref);
  g_autofree GVariant **fields = g_new0 (GVariant *, console_class->n_fields);
  g_autofree char *uuid = sim_db_new_uuid ();
  g_autofree char *location = NULL;
  static gint64 next_domid = 1;

  sim_db_set (db, vm, LAGOON_VM_POWER_STATE, sim_vstr (paused ? "Paused" : "Running"));
  sim_db_set (db, vm, LAGOON_VM_RESIDENT_ON, sim_vstr (host_ref));
  sim_db_set (db, vm, LAGOON_VM_DOMID, sim_vint (next_domid++));
  vm_set_devices_attached (db, vm, TRUE);
  vm_metrics_boot (db, vm);

  /* A running guest has an rfb console on its resident host. */
  location = g_strdup_printf ("http://%s:%u/console?uuid=%s",
                              host != NULL ? sim_object_get_string (host, LAGOON_HOST_ADDRESS)
                                           : sim_master_address (server),
                              sim_server_get_port (server), uuid);
  fields[LAGOON_CONSOLE_UUID] = sim_vstr (uuid);
  fields[LAGOON_CONSOLE_PROTOCOL] = sim_vstr ("rfb");
  fields[LAGOON_CONSOLE_LOCATION] = sim_vstr (location);
  fields[LAGOON_CONSOLE_VM] = sim_vstr (vm->ref);
  sim_db_insert (db, console_class, NULL, fields, FALSE);
  vm_update_allowed_operations (db, vm);
}

static void
vm_halt (SimDb      *db,
         SimObject  *vm,
         const char *state)
{
  sim_db_set (db, vm, LAGOON_VM_POWER_STATE, sim_vstr (state));
  sim_db_set (db, vm, LAGOON_VM_RESIDENT_ON, sim_vstr (LAGOON_NULL_REF));
  sim_db_set (db, vm, LAGOON_VM_DOMID, sim_vint (-1));
  vm_set_devices_attached (db, vm, FALSE);
  vm_destroy_consoles (db, vm);
  vm_update_allowed_operations (db, vm);
}

static gboolean
vm_start (SimCall *call)
{
  SimObject *vm = vm_for_operation (call, "start", "Halted");

  if (vm == NULL)
    return FALSE;
  vm_boot (call, vm, sim_master_ref (call->server), g_variant_get_boolean (call->args[2]));
  /* xapi's VM.start returns start_delay seconds after the boot (vApps rely on it). */
  sim_wait_unlocked (call->server, (double) sim_object_get_int (vm, LAGOON_VM_START_DELAY));
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_start_on (SimCall *call)
{
  SimObject *vm = vm_for_operation (call, "start_on", "Halted");
  SimObject *host;

  if (vm == NULL || (host = sim_arg_object (call, 2, sim_class (LAGOON_CLASS_HOST))) == NULL)
    return FALSE;
  vm_boot (call, vm, host->ref, g_variant_get_boolean (call->args[3]));
  sim_wait_unlocked (call->server, (double) sim_object_get_int (vm, LAGOON_VM_START_DELAY));
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_resume (SimCall *call)
{
  SimObject *vm = vm_for_operation (call, "resume", "Suspended");

  if (vm == NULL)
    return FALSE;
  vm_boot (call, vm, sim_master_ref (call->server), g_variant_get_boolean (call->args[2]));
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_shutdown (SimCall *call)
{
  gboolean hard = g_str_equal (call->msg->name, "hard_shutdown");
  SimObject *vm = vm_for_operation (call, call->msg->name, hard ? "Running|Paused|Suspended" : "Running");

  if (vm == NULL)
    return FALSE;
  vm_halt (sim_server_get_db (call->server), vm, "Halted");
  sim_wait_unlocked (call->server, (double) sim_object_get_int (vm, LAGOON_VM_SHUTDOWN_DELAY));
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_suspend (SimCall *call)
{
  SimObject *vm = vm_for_operation (call, "suspend", "Running");

  if (vm == NULL)
    return FALSE;
  vm_halt (sim_server_get_db (call->server), vm, "Suspended");
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_reboot (SimCall *call)
{
  gboolean hard = g_str_equal (call->msg->name, "hard_reboot");
  SimObject *vm = vm_for_operation (call, call->msg->name, hard ? "Running|Paused" : "Running");
  static gint64 next_domid = 1000;

  if (vm == NULL)
    return FALSE;
  sim_db_set (sim_server_get_db (call->server), vm, LAGOON_VM_POWER_STATE, sim_vstr ("Running"));
  sim_db_set (sim_server_get_db (call->server), vm, LAGOON_VM_DOMID, sim_vint (next_domid++));
  vm_metrics_boot (sim_server_get_db (call->server), vm);
  vm_update_allowed_operations (sim_server_get_db (call->server), vm);
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
vm_pause (SimCall *call)
{
  gboolean pause = g_str_equal (call->msg->name, "pause");
  SimObject *vm = vm_for_operation (call, call->msg->name, pause ? "Running" : "Paused");

  if (vm == NULL)
    return FALSE;
  sim_db_set (sim_server_get_db (call->server), vm, LAGOON_VM_POWER_STATE, sim_vstr (pause ? "Paused" : "Running"));
  vm_update_allowed_operations (sim_server_get_db (call->server), vm);
  sim_writer_void (call->w);
  return TRUE;
}

/* A copy of @obj's fields with a new uuid, to be inserted as a new object. */
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
      fields[uf] = g_variant_ref_sink (g_variant_new_take_string (sim_db_new_uuid ()));
    }
  return fields;
}

static void
clear_field (GVariant                **fields,
             const LagoonSchemaClass  *klass,
             const char               *name)
{
  int f = lagoon_schema_find_field (klass, name);

  if (f < 0)
    return;
  g_variant_unref (fields[f]);
  fields[f] = lagoon_schema_field_default (&klass->fields[f]);
}

/*
 * clone, copy and snapshot: a new VM record with copies of the VBDs (and their disks: a
 * VDI copy each, on @sr when given) and VIFs.
 */
static SimObject *
vm_duplicate (SimCall    *call,
              SimObject  *vm,
              const char *name,
              const char *sr,
              gboolean    snapshot)
{
  static const char *const vm_sets[] = {
    "VBDs", "VIFs", "consoles", "crash_dumps", "VTPMs", "VUSBs", "VGPUs", "attached_PCIs",
    "snapshots", "children", "blobs", "current_operations", "blocked_operations",
  };
  SimDb *db = sim_server_get_db (call->server);
  const LagoonSchemaClass *vm_class = sim_class (LAGOON_CLASS_VM);
  const LagoonSchemaClass *vbd_class = sim_class (LAGOON_CLASS_VBD);
  const LagoonSchemaClass *vdi_class = sim_class (LAGOON_CLASS_VDI);
  const LagoonSchemaClass *vif_class = sim_class (LAGOON_CLASS_VIF);
  g_autofree GVariant **fields = copy_fields (vm);
  g_autoptr(GPtrArray) vbds = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) vifs = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  GVariant *v;
  SimObject *copy;

  g_variant_iter_init (&iter, vm->fields[LAGOON_VM_VBDS]);
  while ((v = g_variant_iter_next_value (&iter)))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (v);
      g_ptr_array_add (vbds, g_strdup (g_variant_get_string (inner, NULL)));
      g_variant_unref (v);
    }
  g_variant_iter_init (&iter, vm->fields[LAGOON_VM_VIFS]);
  while ((v = g_variant_iter_next_value (&iter)))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (v);
      g_ptr_array_add (vifs, g_strdup (g_variant_get_string (inner, NULL)));
      g_variant_unref (v);
    }

  for (guint i = 0; i < G_N_ELEMENTS (vm_sets); i++)
    clear_field (fields, vm_class, vm_sets[i]);
  g_variant_unref (fields[LAGOON_VM_NAME_LABEL]);
  fields[LAGOON_VM_NAME_LABEL] = sim_vstr (name);
  g_variant_unref (fields[LAGOON_VM_POWER_STATE]);
  fields[LAGOON_VM_POWER_STATE] = sim_vstr (snapshot && g_str_equal (power_state (vm), "Suspended")
                                            ? "Suspended" : "Halted");
  g_variant_unref (fields[LAGOON_VM_RESIDENT_ON]);
  fields[LAGOON_VM_RESIDENT_ON] = sim_vstr (LAGOON_NULL_REF);
  g_variant_unref (fields[LAGOON_VM_DOMID]);
  fields[LAGOON_VM_DOMID] = sim_vint (-1);
  g_variant_unref (fields[LAGOON_VM_IS_A_SNAPSHOT]);
  fields[LAGOON_VM_IS_A_SNAPSHOT] = sim_vbool (snapshot);
  g_variant_unref (fields[LAGOON_VM_SNAPSHOT_OF]);
  fields[LAGOON_VM_SNAPSHOT_OF] = sim_vstr (snapshot ? vm->ref : LAGOON_NULL_REF);
  g_variant_unref (fields[LAGOON_VM_SNAPSHOT_TIME]);
  fields[LAGOON_VM_SNAPSHOT_TIME] = snapshot ? sim_vnow () : sim_vstr (LAGOON_NULL_DATETIME);
  g_variant_unref (fields[LAGOON_VM_IS_DEFAULT_TEMPLATE]);
  fields[LAGOON_VM_IS_DEFAULT_TEMPLATE] = sim_vbool (FALSE);
  g_variant_unref (fields[LAGOON_VM_PARENT]);
  fields[LAGOON_VM_PARENT] = sim_vstr (snapshot ? LAGOON_NULL_REF : vm->ref);
  g_variant_unref (fields[LAGOON_VM_METRICS]);
  fields[LAGOON_VM_METRICS] = sim_vstr (LAGOON_NULL_REF);
  g_variant_unref (fields[LAGOON_VM_GUEST_METRICS]);
  fields[LAGOON_VM_GUEST_METRICS] = sim_vstr (LAGOON_NULL_REF);
  copy = sim_db_insert (db, vm_class, NULL, fields, FALSE);

  for (guint i = 0; i < vbds->len; i++)
    {
      SimObject *vbd = sim_db_lookup_class (db, vbd_class, g_ptr_array_index (vbds, i));
      g_autofree GVariant **vbd_fields = NULL;
      SimObject *vdi;

      if (vbd == NULL)
        continue;
      vbd_fields = copy_fields (vbd);
      vdi = sim_db_lookup_class (db, vdi_class, sim_object_get_string (vbd, LAGOON_VBD_VDI));
      if (vdi != NULL && g_str_equal (sim_object_get_string (vbd, LAGOON_VBD_TYPE), "Disk"))
        {
          g_autofree GVariant **vdi_fields = copy_fields (vdi);
          SimObject *new_vdi;

          clear_field (vdi_fields, vdi_class, "VBDs");
          clear_field (vdi_fields, vdi_class, "crash_dumps");
          clear_field (vdi_fields, vdi_class, "snapshots");
          clear_field (vdi_fields, vdi_class, "current_operations");
          g_variant_unref (vdi_fields[LAGOON_VDI_IS_A_SNAPSHOT]);
          vdi_fields[LAGOON_VDI_IS_A_SNAPSHOT] = sim_vbool (snapshot);
          g_variant_unref (vdi_fields[LAGOON_VDI_SNAPSHOT_OF]);
          vdi_fields[LAGOON_VDI_SNAPSHOT_OF] = sim_vstr (snapshot ? vdi->ref : LAGOON_NULL_REF);
          g_variant_unref (vdi_fields[LAGOON_VDI_SNAPSHOT_TIME]);
          vdi_fields[LAGOON_VDI_SNAPSHOT_TIME] = snapshot ? sim_vnow () : sim_vstr (LAGOON_NULL_DATETIME);
          if (sr != NULL && !g_str_equal (sr, LAGOON_NULL_REF))
            {
              g_variant_unref (vdi_fields[LAGOON_VDI_SR]);
              vdi_fields[LAGOON_VDI_SR] = sim_vstr (sr);
            }
          new_vdi = sim_db_insert (db, vdi_class, NULL, vdi_fields, FALSE);
          g_variant_unref (vbd_fields[LAGOON_VBD_VDI]);
          vbd_fields[LAGOON_VBD_VDI] = sim_vstr (new_vdi->ref);
        }
      clear_field (vbd_fields, vbd_class, "current_operations");
      g_variant_unref (vbd_fields[LAGOON_VBD_VM]);
      vbd_fields[LAGOON_VBD_VM] = sim_vstr (copy->ref);
      g_variant_unref (vbd_fields[LAGOON_VBD_CURRENTLY_ATTACHED]);
      vbd_fields[LAGOON_VBD_CURRENTLY_ATTACHED] = sim_vbool (FALSE);
      sim_db_insert (db, vbd_class, NULL, vbd_fields, FALSE);
    }

  for (guint i = 0; i < vifs->len; i++)
    {
      SimObject *vif = sim_db_lookup_class (db, vif_class, g_ptr_array_index (vifs, i));
      g_autofree GVariant **vif_fields = NULL;

      if (vif == NULL)
        continue;
      vif_fields = copy_fields (vif);
      clear_field (vif_fields, vif_class, "current_operations");
      g_variant_unref (vif_fields[LAGOON_VIF_VM]);
      vif_fields[LAGOON_VIF_VM] = sim_vstr (copy->ref);
      g_variant_unref (vif_fields[LAGOON_VIF_CURRENTLY_ATTACHED]);
      vif_fields[LAGOON_VIF_CURRENTLY_ATTACHED] = sim_vbool (FALSE);
      sim_db_insert (db, vif_class, NULL, vif_fields, FALSE);
    }

  vm_update_allowed_operations (db, copy);
  return copy;
}

static gboolean
vm_clone (SimCall *call)
{
  SimObject *vm = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VM));
  gboolean copy = g_str_equal (call->msg->name, "copy");
  SimObject *result;

  if (vm == NULL)
    return FALSE;
  /* Templates and snapshots clone whatever their state; guests must be halted. */
  if (!g_variant_get_boolean (vm->fields[LAGOON_VM_IS_A_TEMPLATE]) &&
      !g_variant_get_boolean (vm->fields[LAGOON_VM_IS_A_SNAPSHOT]) &&
      vm_for_operation (call, call->msg->name, "Halted") == NULL)
    return FALSE;
  result = vm_duplicate (call, vm, sim_arg_string (call, 2), copy ? sim_arg_string (call, 3) : NULL, FALSE);
  sim_writer_string (call->w, result->ref);
  return TRUE;
}

static gboolean
vm_snapshot (SimCall *call)
{
  SimObject *vm = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VM));
  SimObject *result;

  if (vm == NULL)
    return FALSE;
  if (g_variant_get_boolean (vm->fields[LAGOON_VM_IS_A_SNAPSHOT]))
    {
      sim_fail (call, "VM_IS_SNAPSHOT", vm->ref, "snapshot", NULL);
      return FALSE;
    }
  result = vm_duplicate (call, vm, sim_arg_string (call, 2), NULL, TRUE);
  sim_writer_string (call->w, result->ref);
  return TRUE;
}

static gboolean
vm_destroy (SimCall *call)
{
  SimObject *vm = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VM));

  if (vm == NULL)
    return FALSE;
  if (!g_variant_get_boolean (vm->fields[LAGOON_VM_IS_A_SNAPSHOT]) &&
      !g_variant_get_boolean (vm->fields[LAGOON_VM_IS_A_TEMPLATE]) &&
      !g_str_equal (power_state (vm), "Halted") && !g_str_equal (power_state (vm), "Suspended"))
    {
      g_autofree char *actual = g_ascii_strdown (power_state (vm), -1);
      sim_fail (call, "VM_BAD_POWER_STATE", vm->ref, "halted, suspended", actual, NULL);
      return FALSE;
    }
  return sim_generic_destroy (call);
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
                  vm_boot (call, vm, sim_master_ref (server), paused);
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
  { "VM.start_on", vm_start_on },
  { "VM.resume", vm_resume },
  { "VM.clean_shutdown", vm_shutdown },
  { "VM.hard_shutdown", vm_shutdown },
  { "VM.shutdown", vm_shutdown },
  { "VM.suspend", vm_suspend },
  { "VM.clean_reboot", vm_reboot },
  { "VM.hard_reboot", vm_reboot },
  { "VM.pause", vm_pause },
  { "VM.unpause", vm_pause },
  { "VM.clone", vm_clone },
  { "VM.copy", vm_clone },
  { "VM.snapshot", vm_snapshot },
  { "VM.destroy", vm_destroy },
  { "VM_appliance.start", appliance_operation },
  { "VM_appliance.clean_shutdown", appliance_operation },
  { "VM_appliance.hard_shutdown", appliance_operation },
  { "VM_appliance.shutdown", appliance_operation },
  { NULL, NULL }
};
