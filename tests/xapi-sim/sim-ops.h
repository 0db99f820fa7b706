/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sim-ops.h: what the handlers of non-generic messages share. sim-server.c dispatches a call
 * to a SimHandler found by its wire name in one table per area (sim-vm.c, sim-storage.c,
 * sim-network.c, sim-host.c); a handler runs with the database lock held, writes its result
 * through call->w and returns TRUE, or fills call->error with sim_fail() and returns FALSE.
 */
#pragma once

#include <glib.h>

#include "lagoon-schema.h"

#include "sim-db.h"
#include "sim-server.h"
#include "sim-writer.h"

G_BEGIN_DECLS

typedef struct
{
  SimServer                 *server;
  const char                *host_ref;  /* where the call arrived */
  char                      *wire_name; /* Class.message, as called (without Async.) */
  const LagoonSchemaClass   *klass;
  const LagoonSchemaMessage *msg;
  GVariant                 **args;      /* msg->n_params coerced values; [0] is the session */
  guint                      n_received;
  SimWriter                 *w;
  GPtrArray                 *error;     /* char *: code, params... */
} SimCall;

typedef gboolean (*SimHandler) (SimCall *call);

typedef struct
{
  const char *name;    /* "Class.message"; NULL ends a table */
  SimHandler  handler;
} SimSpecial;

/* The tables, one per area. */
extern const SimSpecial sim_vm_specials[];
extern const SimSpecial sim_storage_specials[];
extern const SimSpecial sim_network_specials[];
extern const SimSpecial sim_host_specials[];

/* Sets the call's error: code, then string parameters, NULL-terminated. */
void                     sim_fail             (SimCall       *call,
                                               const char    *code,
                                               ...) G_GNUC_NULL_TERMINATED;

/* New full references to values shaped as the schema stores them. */
GVariant                *sim_vstr             (const char    *s);
GVariant                *sim_vnow             (void);
GVariant                *sim_vstrv            (const char *const *items,
                                               guint          n);
GVariant                *sim_vbool            (gboolean       b);
GVariant                *sim_vint             (gint64         v);

const LagoonSchemaClass *sim_class            (LagoonClassId  id);
/* Argument @i as a string ("" when it is not one). */
const char              *sim_arg_string       (SimCall       *call,
                                               guint          i);
/* Argument @i as an object of @klass, or NULL with HANDLE_INVALID set. */
SimObject               *sim_arg_object       (SimCall       *call,
                                               guint          i,
                                               const LagoonSchemaClass *klass);

SimObject               *sim_pool_object      (SimServer     *server);
const char              *sim_master_ref       (SimServer     *server);
const char              *sim_master_address   (SimServer     *server);
guint                    sim_server_get_port  (SimServer     *server);
double                   sim_server_get_speed (SimServer     *server);

/* Sleeps @seconds (scaled by --speed) with the database lock released. */
void                     sim_wait_unlocked    (SimServer     *server,
                                               double         seconds);

/* The generic create/destroy of call->klass (record in args[1] / object in args[1]). */
gboolean                 sim_generic_create   (SimCall       *call);
gboolean                 sim_generic_destroy  (SimCall       *call);
/* Writes a void result. */
gboolean                 sim_write_void       (SimCall       *call);

SimObject               *sim_new_task         (SimCall       *call,
                                               const char    *label,
                                               const char    *description,
                                               gboolean       cancellable);
void                     sim_task_finish      (SimDb         *db,
                                               SimObject     *task,
                                               const char    *status,
                                               const char    *result,
                                               GPtrArray     *error);

/* Keeps VM_appliance.current_operations / allowed_operations for @op (NULL: none running). */
void                     sim_appliance_set_operation (SimDb      *db,
                                                      SimObject  *appliance,
                                                      const char *op);

/*
 * Storage (sim-storage.c). Creates a VDI on @sr from @fields (a g_new0 array of the VDI class's
 * n_fields entries; the array and its values are consumed, also on failure; NULL entries get
 * defaults; virtual_size must be set), filling uuid, SR, location,
 * physical_utilisation, managed and allowed_operations, and charges the SR's
 * physical_utilisation and virtual_allocation (thick SR types such as lvm reserve the whole
 * size, file-based ones a VHD header). Returns NULL with SR_FULL [requested, maximum] (or
 * SR_NOT_ATTACHED / SR_OPERATION_NOT_SUPPORTED) in call->error when it cannot.
 */
SimObject               *sim_vdi_create_accounted (SimCall    *call,
                                                   SimObject  *sr,
                                                   GVariant  **fields);
/* Deletes @vdi (and its VBDs' references to it) and gives its space back to its SR. */
void                     sim_vdi_destroy_accounted (SimDb     *db,
                                                    SimObject *vdi);
/* A snapshot (or with @clone a clone) of @vdi on the same SR, accounted as above; NULL with
 * call->error set. */
SimObject               *sim_vdi_snapshot_accounted (SimCall   *call,
                                                     SimObject *vdi,
                                                     gboolean   clone);
/* Recomputes allowed_operations of @vm's VBDs (and their VDIs) and VIFs after its power
 * state or devices changed (sim-storage.c; the VIF part is sim_vif_update_allowed_operations
 * in sim-network.c). */
void                     sim_vm_update_device_operations (SimDb     *db,
                                                          SimObject *vm);
void                     sim_vif_update_allowed_operations (SimDb     *db,
                                                            SimObject *vif);

/*
 * Hosts, pool and alerts (sim-host.c). sim_message_create raises an alert (a message object;
 * cls is "VM", "Host", "SR", "Pool"...; xapi's priorities: 1 most urgent .. 5 informational).
 * sim_host_before_call / after_call run around every call (alerts; the memo, freed with
 * g_free, carries what the alert needs from before); sim_host_setup at start-up.
 * sim_server_end_sessions (sim-server.c) ends the sessions a coordinator's toolstack restart
 * takes with it: every pool-wide one, and the local ones of @host_a / @host_b (or NULL).
 * sim_master_address follows pool.master.
 */
SimObject               *sim_message_create   (SimServer     *server,
                                               const char    *name,
                                               gint64         priority,
                                               const char    *cls,
                                               const char    *obj_uuid,
                                               const char    *body);
gpointer                 sim_host_before_call (SimCall       *call);
void                     sim_host_after_call  (SimCall       *call,
                                               gpointer       memo);
/* Whether the host at @address is down (takes db->lock): its requests go unanswered. */
gboolean                 sim_host_address_down (SimServer    *server,
                                                const char   *address);
void                     sim_host_setup       (SimServer     *server);
void                     sim_server_end_sessions (SimServer  *server,
                                                  const char *host_a,
                                                  const char *host_b);
gboolean                 sim_server_check_credentials   (SimServer  *server,
                                                         const char *user,
                                                         const char *password);

/*
 * XVA export and import (sim-host.c), for sim-http.c: GET /export and PUT /import with their
 * query and Cookie header. Each fills @reply (status, body, extra header lines ending in CRLF,
 * content type) and completes the task (task_id= or a new one) as xapi does.
 */
typedef struct
{
  int         status;
  GByteArray *body;
  GString    *headers;
  const char *content_type;
} SimXvaReply;

void                     sim_xva_export       (SimServer     *server,
                                               const char    *local_address,
                                               const char    *query,
                                               const char    *cookie,
                                               SimXvaReply   *reply);
void                     sim_xva_import       (SimServer     *server,
                                               const char    *local_address,
                                               const char    *query,
                                               const char    *cookie,
                                               const guint8  *data,
                                               gsize          length,
                                               gboolean       chunked,
                                               SimXvaReply   *reply);
/* XXH64 (seed 0) of @data, as xapi checksums XVA chunks (".xxhash" files). */
guint64                  sim_xxh64            (const guint8  *data,
                                               gsize          length);

/*
 * VM lifecycle (sim-vm.c). Moves the running @vm to @host (new domid, console re-created with
 * the host's address, VM_metrics kept) after xapi's checks: HOST_NOT_LIVE, HOST_DISABLED,
 * HOST_NOT_ENOUGH_FREE_MEMORY [needed, available] in call->error (FALSE).
 */
gboolean                 sim_vm_migrate        (SimCall   *call,
                                                SimObject *vm,
                                                SimObject *host);
/* xapi's free memory of @host for starting VMs (total - overheads - resident VMs'
 * dynamic_min + memory_overhead); -1 when the host has no host_metrics. */
gint64                   sim_host_free_memory  (SimDb     *db,
                                                SimObject *host);
/* The memory @vm needs to start (xapi's footprint of dynamic_min with the VM's overhead). */
gint64                   sim_vm_start_memory   (SimObject *vm);
/* xapi's assert_can_boot_here for @vm on @host (live, enabled, sees the VM's SRs, memory):
 * FALSE with HOST_NOT_LIVE / HOST_DISABLED / VM_REQUIRES_SR / VM_REQUIRES_NETWORK /
 * HOST_NOT_ENOUGH_FREE_MEMORY in call->error. For host.evacuate and
 * get_vms_which_prevent_evacuation. */
gboolean                 sim_vm_can_boot_here  (SimCall   *call,
                                                SimObject *vm,
                                                SimObject *host);

G_END_DECLS
