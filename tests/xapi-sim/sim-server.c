/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "xapi-sim"

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "lagoon-dbdump.h"

#include "sim-ops.h"
#include "sim-server.h"
#include "sim-writer.h"

#define EVENT_FROM_DELAY_US     (50 * 1000)
#define TASK_BASE_DURATION_S    0.5
#define TASK_STEPS              5
#define LEGACY_QUEUE_MAX_ENV    "XAPI_SIM_EVENT_QUEUE_MAX"

typedef struct
{
  GHashTable *classes; /* lower-case class names registered with event.register */
  gint64      since;   /* generation already delivered by event.next */
} LegacyEvents;

static void drop_legacy (SimServer *server, const char *session);

struct _SimServer
{
  SimDb      *db;
  char       *user;
  char       *password;
  double      speed;
  guint       port;
  GPtrArray  *addresses;     /* char *, [0] coordinator */
  GHashTable *address_host;  /* address -> host ref */
  GHashTable *legacy;        /* session ref -> LegacyEvents */
  GHashTable *worker_tasks;  /* task refs run by an async worker */
  guint       legacy_max;
};


/* ---- small helpers ----------------------------------------------------------------------- */

void
sim_fail (SimCall    *call,
          const char *code,
          ...)
{
  va_list ap;
  const char *p;

  g_ptr_array_set_size (call->error, 0);
  g_ptr_array_add (call->error, g_strdup (code));
  va_start (ap, code);
  while ((p = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (call->error, g_strdup (p));
  va_end (ap);
}

GVariant *
sim_vstr (const char *s)
{
  return g_variant_ref_sink (g_variant_new_string (s));
}

GVariant *
sim_vnow (void)
{
  return g_variant_ref_sink (g_variant_new_take_string (lagoon_datetime_format (g_get_real_time () / G_USEC_PER_SEC)));
}

GVariant *
sim_vstrv (const char *const *items,
           guint              n)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("av"));

  for (guint i = 0; i < n; i++)
    g_variant_builder_add (&b, "v", g_variant_new_string (items[i]));
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

GVariant *
sim_vbool (gboolean b)
{
  return g_variant_ref_sink (g_variant_new_boolean (b));
}

GVariant *
sim_vint (gint64 v)
{
  return g_variant_ref_sink (g_variant_new_int64 (v));
}

const char *
sim_arg_string (SimCall *call,
                guint    i)
{
  GVariant *v = call->args[i];

  return g_variant_is_of_type (v, G_VARIANT_TYPE_STRING) ? g_variant_get_string (v, NULL) : "";
}

const LagoonSchemaClass *
sim_class (LagoonClassId id)
{
  return &lagoon_schema_classes[id];
}

SimObject *
sim_pool_object (SimServer *server)
{
  return sim_db_first (server->db, sim_class (LAGOON_CLASS_POOL));
}

const char *
sim_master_ref (SimServer *server)
{
  SimObject *pool = sim_pool_object (server);

  return pool != NULL ? sim_object_get_string (pool, LAGOON_POOL_MASTER) : LAGOON_NULL_REF;
}

/* The address pool.master answers on ([0] until the coordinator changes). */
const char *
sim_master_address (SimServer *server)
{
  const char *master = sim_master_ref (server);

  for (guint i = 0; i < server->addresses->len; i++)
    {
      const char *a = g_ptr_array_index (server->addresses, i);

      if (g_strcmp0 (g_hash_table_lookup (server->address_host, a), master) == 0)
        return a;
    }
  return server->addresses->len > 0 ? g_ptr_array_index (server->addresses, 0) : "";
}

/*
 * A coordinator's toolstack restarted (pool.master changed, or it rebooted): the pool-wide
 * sessions lived in it (a non-persistent table the new one does not get), and the local
 * sessions of the restarted hosts @host_a / @host_b (either may be NULL) went with them. Local
 * sessions on other supporters stay.
 */
void
sim_server_end_sessions (SimServer  *server,
                         const char *host_a,
                         const char *host_b)
{
  GQueue *sessions = sim_db_class_objects (server->db, sim_class (LAGOON_CLASS_SESSION));
  GList *l = sessions->head;

  while (l != NULL)
    {
      GList *next = l->next;
      SimObject *session = l->data;
      const char *on = sim_object_get_string (session, LAGOON_SESSION_THIS_HOST);

      if (g_variant_get_boolean (session->fields[LAGOON_SESSION_POOL]) ||
          g_strcmp0 (on, host_a) == 0 || g_strcmp0 (on, host_b) == 0)
        {
          drop_legacy (server, session->ref);
          sim_db_delete (server->db, session);
        }
      l = next;
    }
  g_cond_broadcast (&server->db->changed);
}

static guint
legacy_queue_max (void)
{
  const char *env = g_getenv (LEGACY_QUEUE_MAX_ENV);
  guint64 v;

  if (env != NULL && g_ascii_string_to_unsigned (env, 10, 1, G_MAXUINT, &v, NULL))
    return (guint) v;
  return 10000;
}

/* "127.0.0.1" + n, or NULL when @address is not IPv4. */
static char *
address_plus (const char *address,
              guint       n)
{
  g_autoptr(GInetAddress) a = g_inet_address_new_from_string (address);
  guint8 bytes[4];
  guint32 v;

  if (a == NULL || g_inet_address_get_family (a) != G_SOCKET_FAMILY_IPV4)
    return NULL;
  memcpy (bytes, g_inet_address_to_bytes (a), 4);
  v = ((guint32) bytes[0] << 24 | (guint32) bytes[1] << 16 | (guint32) bytes[2] << 8 | bytes[3]) + n;
  return g_strdup_printf ("%u.%u.%u.%u", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
}

/* ---- setup ------------------------------------------------------------------------------- */

static void
rewrite_consoles (SimServer *server)
{
  SimDb *db = server->db;
  GQueue *consoles = sim_db_class_objects (db, sim_class (LAGOON_CLASS_CONSOLE));
  int vm_resident = lagoon_schema_find_field (sim_class (LAGOON_CLASS_VM), "resident_on");

  for (GList *l = consoles->head; l != NULL; l = l->next)
    {
      SimObject *console = l->data;
      SimObject *vm = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VM),
                                           sim_object_get_string (console, LAGOON_CONSOLE_VM));
      SimObject *host = NULL;
      const char *address;
      g_autofree char *location = NULL;

      if (vm != NULL)
        host = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_HOST),
                                    sim_object_get_string (vm, vm_resident));
      address = host != NULL ? sim_object_get_string (host, LAGOON_HOST_ADDRESS)
                             : sim_master_address (server);
      location = g_strdup_printf ("http://%s:%u/console?uuid=%s", address, server->port,
                                  sim_object_get_string (console, LAGOON_CONSOLE_UUID));
      if (!g_str_equal (location, sim_object_get_string (console, LAGOON_CONSOLE_LOCATION)))
        sim_db_set_quiet (db, console, LAGOON_CONSOLE_LOCATION, sim_vstr (location));
    }
}

static void
setup_hosts (SimServer  *server,
             const char *address)
{
  SimDb *db = server->db;
  const LagoonSchemaClass *host_class = sim_class (LAGOON_CLASS_HOST);
  const LagoonSchemaClass *pool_class = sim_class (LAGOON_CLASS_POOL);
  GQueue *hosts = sim_db_class_objects (db, host_class);
  SimObject *pool;
  SimObject *master;
  guint n = 1;

  if (g_queue_is_empty (hosts))
    {
      GVariant **fields = g_new0 (GVariant *, host_class->n_fields);
      fields[lagoon_schema_find_field (host_class, "uuid")] = sim_vstr (g_uuid_string_random ());
      fields[lagoon_schema_find_field (host_class, "name_label")] = sim_vstr ("xapi-sim");
      fields[lagoon_schema_find_field (host_class, "enabled")] =
        g_variant_ref_sink (g_variant_new_boolean (TRUE));
      sim_db_insert (db, host_class, NULL, fields, TRUE);
      g_free (fields);
    }

  pool = sim_pool_object (server);
  if (pool == NULL)
    {
      GVariant **fields = g_new0 (GVariant *, pool_class->n_fields);
      fields[lagoon_schema_find_field (pool_class, "uuid")] = sim_vstr (g_uuid_string_random ());
      pool = sim_db_insert (db, pool_class, NULL, fields, TRUE);
      g_free (fields);
    }
  master = sim_db_lookup_class (db, host_class, sim_object_get_string (pool, LAGOON_POOL_MASTER));
  if (master == NULL)
    {
      master = sim_db_first (db, host_class);
      sim_db_set_quiet (db, pool, LAGOON_POOL_MASTER, sim_vstr (master->ref));
    }

  /* The coordinator answers on @address, the others on the next addresses. */
  g_ptr_array_add (server->addresses, g_strdup (address));
  sim_db_set_quiet (db, master, LAGOON_HOST_ADDRESS, sim_vstr (address));
  g_hash_table_insert (server->address_host, g_strdup (address), g_strdup (master->ref));
  for (GList *l = hosts->head; l != NULL; l = l->next)
    {
      SimObject *host = l->data;
      g_autofree char *a = NULL;

      if (host == master)
        continue;
      a = address_plus (address, n++);
      if (a == NULL)
        {
          g_debug ("%s is not IPv4: supporters share the coordinator's address", address);
          a = g_strdup (address);
        }
      else
        g_hash_table_insert (server->address_host, g_strdup (a), g_strdup (host->ref));
      g_ptr_array_add (server->addresses, g_strdup (a));
      sim_db_set_quiet (db, host, LAGOON_HOST_ADDRESS, sim_vstr (a));
    }
}

/* A stable uuid for a built-in object, from its name. */
static char *
stable_uuid (const char *name)
{
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA1, name, -1);

  return g_strdup_printf ("%.8s-%.4s-5%.3s-8%.3s-%.12s", sha, sha + 8, sha + 12, sha + 15, sha + 18);
}

/*
 * xapi serves its built-in RBAC roles from role.get_all_records whatever the database
 * holds; XenCenter reads them on connect. As in xapi (gen_rbac.ml), every API message is a
 * permission: a role named "class.message" in lower case, without subroles; each of the six
 * roles lists as subroles the permissions its datamodel entry grants. pool-admin has xapi's
 * fixed uuid; the others get stable uuids from their names. Refs are OpaqueRef:<uuid>.
 */
static SimObject *
insert_builtin_role (SimServer   *server,
                     const char  *uuid,
                     const char  *name,
                     const char  *description,
                     GPtrArray   *subroles)
{
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_ROLE);
  g_autofree GVariant **fields = g_new0 (GVariant *, klass->n_fields);
  g_autofree char *ref = g_strconcat ("OpaqueRef:", uuid, NULL);
  SimObject *obj;

  fields[LAGOON_ROLE_UUID] = sim_vstr (uuid);
  fields[LAGOON_ROLE_NAME_LABEL] = sim_vstr (name);
  fields[LAGOON_ROLE_NAME_DESCRIPTION] = sim_vstr (description);
  if (subroles != NULL)
    fields[LAGOON_ROLE_SUBROLES] = sim_vstrv ((const char *const *) subroles->pdata, subroles->len);
  obj = sim_db_insert (server->db, klass, ref, fields, TRUE);
  if (obj != NULL)
    obj->builtin = TRUE;
  return obj;
}

static void
ensure_static_roles (SimServer *server)
{
  static const char *const descriptions[LAGOON_N_ROLES] = {
    "The pool administrator: every operation",
    "The pool operator: pool-wide resources, no user management",
    "VM power administrator: VM placement and migration",
    "VM administrator: create, change and delete VMs",
    "VM operator: start, stop and use VMs",
    "Read-only: look at the pool",
  };
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_ROLE);
  GQueue *existing = sim_db_class_objects (server->db, klass);
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *granted[LAGOON_N_ROLES];

  for (GList *l = existing->head; l != NULL; l = l->next)
    g_hash_table_add (names, g_strdup (sim_object_get_string (l->data, LAGOON_ROLE_NAME_LABEL)));
  for (guint r = 0; r < LAGOON_N_ROLES; r++)
    granted[r] = g_ptr_array_new_with_free_func (g_free);

  for (guint c = 0; c < lagoon_schema_n_classes; c++)
    {
      const LagoonSchemaClass *cls = &lagoon_schema_classes[c];

      for (guint m = 0; m < cls->n_messages; m++)
        {
          const LagoonSchemaMessage *msg = &cls->messages[m];
          g_autofree char *wire = NULL;
          g_autofree char *name = NULL;
          g_autofree char *uuid = NULL;
          g_autofree char *ref = NULL;

          if (msg->lifecycle == LAGOON_LIFECYCLE_REMOVED || msg->roles == 0)
            continue;
          wire = g_strdup_printf ("%s.%s", cls->name, msg->name);
          name = g_ascii_strdown (wire, -1);
          if (!g_hash_table_add (seen, g_strdup (name)))
            continue;
          uuid = stable_uuid (name);
          ref = g_strconcat ("OpaqueRef:", uuid, NULL);
          if (!g_hash_table_contains (names, name))
            insert_builtin_role (server, uuid, name, "", NULL);
          for (guint r = 0; r < LAGOON_N_ROLES; r++)
            if (msg->roles & (1u << r))
              g_ptr_array_add (granted[r], g_strdup (ref));
        }
    }

  for (guint r = 0; r < LAGOON_N_ROLES; r++)
    {
      const char *name = lagoon_schema_role_names[r];
      g_autofree char *uuid = g_str_equal (name, "pool-admin")
                              ? g_strdup ("0165f154-ba3e-034e-6b27-5d271af109ba")
                              : stable_uuid (name);

      if (!g_hash_table_contains (names, name))
        insert_builtin_role (server, uuid, name, descriptions[r], granted[r]);
      g_ptr_array_unref (granted[r]);
    }
}

SimServer *
sim_server_new (SimDb                  *db,
                const SimServerOptions *options)
{
  SimServer *server = g_new0 (SimServer, 1);

  server->db = db;
  server->user = g_strdup (options->user != NULL ? options->user : "root");
  server->password = g_strdup (options->password != NULL ? options->password : "xenroot");
  server->speed = options->speed;
  server->port = options->port;
  server->addresses = g_ptr_array_new_with_free_func (g_free);
  server->address_host = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  server->legacy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  server->worker_tasks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  server->legacy_max = legacy_queue_max ();

  g_mutex_lock (&db->lock);
  setup_hosts (server, options->address != NULL ? options->address : "127.0.0.1");
  ensure_static_roles (server);
  rewrite_consoles (server);
  sim_host_setup (server);
  {
    GQueue *apps = sim_db_class_objects (db, sim_class (LAGOON_CLASS_VM_APPLIANCE));
    static const char *const all[] = { "start", "clean_shutdown", "hard_shutdown", "shutdown" };

    for (GList *l = apps->head; l != NULL; l = l->next)
      sim_db_set_quiet (db, l->data, LAGOON_VM_APPLIANCE_ALLOWED_OPERATIONS,
                        sim_vstrv (all, G_N_ELEMENTS (all)));
  }
  g_mutex_unlock (&db->lock);
  return server;
}

void
sim_server_free (SimServer *server)
{
  GHashTableIter iter;
  gpointer value;

  if (server == NULL)
    return;
  g_hash_table_iter_init (&iter, server->legacy);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      LegacyEvents *le = value;
      g_hash_table_unref (le->classes);
      g_free (le);
    }
  g_hash_table_unref (server->legacy);
  g_hash_table_unref (server->worker_tasks);
  g_hash_table_unref (server->address_host);
  g_ptr_array_unref (server->addresses);
  sim_db_free (server->db);
  g_free (server->user);
  g_free (server->password);
  g_free (server);
}

SimDb *
sim_server_get_db (SimServer *server)
{
  return server->db;
}

guint
sim_server_n_hosts (SimServer *server)
{
  return server->addresses->len;
}

guint
sim_server_get_port (SimServer *server)
{
  return server->port;
}

double
sim_server_get_speed (SimServer *server)
{
  return server->speed;
}

const char *
sim_server_host_address (SimServer *server,
                         guint      index)
{
  g_return_val_if_fail (index < server->addresses->len, NULL);
  return g_ptr_array_index (server->addresses, index);
}

void
sim_server_set_port (SimServer *server,
                     guint      port)
{
  g_mutex_lock (&server->db->lock);
  server->port = port;
  rewrite_consoles (server);
  g_mutex_unlock (&server->db->lock);
}

/* ---- persistence ------------------------------------------------------------------------- */

static gboolean
class_is_persistent (const LagoonSchemaClass *klass)
{
  switch (klass->id)
    {
    case LAGOON_CLASS_SESSION:
    case LAGOON_CLASS_TASK:
    case LAGOON_CLASS_EVENT:
    case LAGOON_CLASS_DATA_SOURCE:
    case LAGOON_CLASS_SR_STAT:
    case LAGOON_CLASS_PROBE_RESULT:
    case LAGOON_CLASS_VDI_NBD_SERVER_INFO:
    case LAGOON_CLASS_MESSAGE:  /* kept outside the database by xapi */
      return FALSE;
    default:
      return TRUE;
    }
}

gboolean
sim_server_save (SimServer   *server,
                 const char  *path,
                 GError     **error)
{
  g_autoptr(LagoonDbdumpWriter) writer = NULL;
  SimDb *db = server->db;
  gboolean ok;

  g_mutex_lock (&db->lock);
  writer = lagoon_dbdump_writer_new (db->generation);
  for (guint c = 0; c < lagoon_schema_n_classes; c++)
    {
      const LagoonSchemaClass *klass = &lagoon_schema_classes[c];

      if (!class_is_persistent (klass))
        continue;
      for (GList *l = sim_db_class_objects (db, klass)->head; l != NULL; l = l->next)
        {
          SimObject *obj = l->data;
          if (!obj->builtin)
            lagoon_dbdump_writer_add_row (writer, klass, obj->ref, obj->fields);
        }
    }
  g_mutex_unlock (&db->lock);
  ok = lagoon_dbdump_writer_save (writer, path, error);
  return ok;
}

/* ---- generic messages -------------------------------------------------------------------- */

SimObject *
sim_arg_object (SimCall                 *call,
                guint                    i,
                const LagoonSchemaClass *klass)
{
  const char *ref = sim_arg_string (call, i);
  SimObject *obj = sim_db_lookup_class (call->server->db, klass, ref);

  if (obj == NULL)
    sim_fail (call, "HANDLE_INVALID", klass->name, ref, NULL);
  return obj;
}

static gboolean
generic_get_all (SimCall *call)
{
  GQueue *objects = sim_db_class_objects (call->server->db, call->klass);

  sim_writer_begin_array (call->w);
  for (GList *l = objects->head; l != NULL; l = l->next)
    sim_writer_string (call->w, ((SimObject *) l->data)->ref);
  sim_writer_end_array (call->w);
  return TRUE;
}

static gboolean
generic_get_all_records (SimCall *call)
{
  GQueue *objects = sim_db_class_objects (call->server->db, call->klass);

  sim_writer_begin_struct (call->w);
  for (GList *l = objects->head; l != NULL; l = l->next)
    {
      SimObject *obj = l->data;
      sim_writer_member (call->w, obj->ref);
      sim_writer_record (call->w, obj->klass, obj->fields);
      sim_writer_end_member (call->w);
    }
  sim_writer_end_struct (call->w);
  return TRUE;
}

static gboolean
generic_get_record (SimCall *call)
{
  SimObject *obj = sim_arg_object (call, 1, call->klass);

  if (obj == NULL)
    return FALSE;
  sim_writer_record (call->w, obj->klass, obj->fields);
  return TRUE;
}

static gboolean
generic_get_by_uuid (SimCall *call)
{
  SimObject *obj = sim_db_lookup_uuid (call->server->db, call->klass, sim_arg_string (call, 1));

  if (obj == NULL)
    {
      sim_fail (call, "UUID_INVALID", call->klass->name, sim_arg_string (call, 1), NULL);
      return FALSE;
    }
  sim_writer_string (call->w, obj->ref);
  return TRUE;
}

static gboolean
generic_get_by_name_label (SimCall *call)
{
  GQueue *objects = sim_db_class_objects (call->server->db, call->klass);
  int f = lagoon_schema_find_field (call->klass, "name_label");

  sim_writer_begin_array (call->w);
  for (GList *l = objects->head; l != NULL; l = l->next)
    if (g_str_equal (sim_object_get_string (l->data, f), sim_arg_string (call, 1)))
      sim_writer_string (call->w, ((SimObject *) l->data)->ref);
  sim_writer_end_array (call->w);
  return TRUE;
}

static gboolean
generic_get_field (SimCall *call,
                   int      field)
{
  SimObject *obj = sim_arg_object (call, 1, call->klass);

  if (obj == NULL)
    return FALSE;
  sim_writer_value (call->w, call->klass->fields[field].type, obj->fields[field]);
  return TRUE;
}

static gboolean
generic_set_field (SimCall *call,
                   int      field)
{
  SimObject *obj = sim_arg_object (call, 1, call->klass);
  g_autoptr(GError) error = NULL;
  GVariant *value;

  if (obj == NULL)
    return FALSE;
  value = lagoon_value_coerce (call->klass->fields[field].type, call->args[2], &error);
  if (value == NULL)
    {
      sim_fail (call, "FIELD_TYPE_ERROR", call->klass->fields[field].name, NULL);
      return FALSE;
    }
  sim_db_set (call->server->db, obj, field, value);
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
generic_set_edit (SimCall *call,
                  int      field,
                  gboolean add)
{
  const LagoonType *type = call->klass->fields[field].type;
  SimObject *obj = sim_arg_object (call, 1, call->klass);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) item = NULL;
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("av"));
  gboolean present = FALSE;
  GVariantIter iter;
  GVariant *v;

  if (obj == NULL)
    return FALSE;
  item = lagoon_value_coerce (type->value, call->args[2], &error);
  if (item == NULL)
    {
      sim_fail (call, "FIELD_TYPE_ERROR", call->klass->fields[field].name, NULL);
      return FALSE;
    }
  g_variant_iter_init (&iter, obj->fields[field]);
  while ((v = g_variant_iter_next_value (&iter)))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (v);
      gboolean same = g_variant_equal (inner, item);

      present |= same;
      if (!(same && !add))
        g_variant_builder_add_value (&b, v);
      g_variant_unref (v);
    }
  if (add && !present)
    g_variant_builder_add (&b, "v", item);
  if (add != present)
    sim_db_set (call->server->db, obj, field, g_variant_ref_sink (g_variant_builder_end (&b)));
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
generic_map_edit (SimCall *call,
                  int      field,
                  gboolean add)
{
  const LagoonSchemaField *f = &call->klass->fields[field];
  SimObject *obj = sim_arg_object (call, 1, call->klass);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) key = NULL;
  g_autoptr(GVariant) value = NULL;
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  const char *keystr;
  gboolean present = FALSE;
  GVariantIter iter;
  const char *k;
  GVariant *v;

  if (obj == NULL)
    return FALSE;
  key = lagoon_value_coerce (f->type->key, call->args[2], &error);
  /* Map keys are stored stringified, as xapi writes them (int keys included). */
  if (key != NULL && g_variant_is_of_type (key, G_VARIANT_TYPE_INT64))
    {
      g_autoptr(GVariant) text = g_variant_ref_sink (
        g_variant_new_take_string (g_strdup_printf ("%" G_GINT64_FORMAT, g_variant_get_int64 (key))));
      g_variant_unref (key);
      key = g_steal_pointer (&text);
    }
  if (key == NULL || !g_variant_is_of_type (key, G_VARIANT_TYPE_STRING))
    {
      sim_fail (call, "FIELD_TYPE_ERROR", "key", NULL);
      return FALSE;
    }
  keystr = g_variant_get_string (key, NULL);
  if (add)
    {
      value = lagoon_value_coerce (f->type->value, call->args[3], &error);
      if (value == NULL)
        {
          sim_fail (call, "FIELD_TYPE_ERROR", "value", NULL);
          return FALSE;
        }
    }

  g_variant_iter_init (&iter, obj->fields[field]);
  while (g_variant_iter_next (&iter, "{&sv}", &k, &v))
    {
      if (g_str_equal (k, keystr))
        present = TRUE;
      else
        g_variant_builder_add (&b, "{sv}", k, v);
      g_variant_unref (v);
    }
  if (add && present)
    {
      sim_fail (call, "MAP_DUPLICATE_KEY", call->klass->name, f->name, obj->ref, keystr, NULL);
      return FALSE;
    }
  if (add)
    g_variant_builder_add (&b, "{sv}", keystr, value);
  if (add || present)
    sim_db_set (call->server->db, obj, field, g_variant_ref_sink (g_variant_builder_end (&b)));
  sim_writer_void (call->w);
  return TRUE;
}

/*
 * A vApp offers its four operations while none runs (xapi_vm_appliance.ml); during one,
 * current_operations holds it and nothing else is allowed.
 */
void
sim_appliance_set_operation (SimDb      *db,
                             SimObject  *app,
                             const char *op)
{
  static const char *const all[] = { "start", "clean_shutdown", "hard_shutdown", "shutdown" };
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  if (op != NULL)
    {
      g_autofree char *uuid = sim_db_new_uuid ();
      g_autofree char *key = g_strconcat ("OpaqueRef:", uuid, NULL);
      g_variant_builder_add (&b, "{sv}", key, g_variant_new_string (op));
    }
  sim_db_set (db, app, LAGOON_VM_APPLIANCE_CURRENT_OPERATIONS,
              g_variant_ref_sink (g_variant_builder_end (&b)));
  sim_db_set (db, app, LAGOON_VM_APPLIANCE_ALLOWED_OPERATIONS,
              sim_vstrv (all, op != NULL ? 0 : G_N_ELEMENTS (all)));
}

gboolean
sim_generic_create (SimCall *call)
{
  const LagoonSchemaClass *klass = call->klass;
  g_autofree GVariant **fields = g_new0 (GVariant *, klass->n_fields);
  GVariantIter iter;
  const char *key;
  GVariant *v;
  SimObject *obj;
  int uf;

  g_variant_iter_init (&iter, call->args[1]);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &v))
    {
      int f = lagoon_schema_find_field (klass, key);

      /* Runtime fields are not constructor arguments. */
      if (f >= 0 && klass->fields[f].qualifier != LAGOON_QUALIFIER_RO_RUNTIME && fields[f] == NULL)
        fields[f] = g_variant_ref (v);
      g_variant_unref (v);
    }
  uf = lagoon_schema_find_field (klass, "uuid");
  if (uf >= 0)
    {
      g_clear_pointer (&fields[uf], g_variant_unref);
      fields[uf] = g_variant_ref_sink (g_variant_new_take_string (sim_db_new_uuid ()));
    }
  obj = sim_db_insert (call->server->db, klass, NULL, fields, FALSE);
  if (klass == sim_class (LAGOON_CLASS_VM_APPLIANCE))
    sim_appliance_set_operation (call->server->db, obj, NULL);
  sim_writer_string (call->w, obj->ref);
  return TRUE;
}

gboolean
sim_generic_destroy (SimCall *call)
{
  SimObject *obj = sim_arg_object (call, 1, call->klass);

  if (obj == NULL)
    return FALSE;
  sim_db_delete (call->server->db, obj);
  sim_writer_void (call->w);
  return TRUE;
}

/* ---- get_all_records_where ---------------------------------------------------------------- */

/*
 * xapi's expression language, as clients use it:
 *   true | false | field "name__label"="x" | field "a"<>"b" | not E | E and E | E or E | (E)
 */
typedef struct
{
  const char *p;
  gboolean    error;
} Expr;

static void
expr_space (Expr *e)
{
  while (g_ascii_isspace (*e->p))
    e->p++;
}

static gboolean
expr_word (Expr       *e,
           const char *word)
{
  gsize n = strlen (word);

  expr_space (e);
  if (g_ascii_strncasecmp (e->p, word, n) == 0 && !g_ascii_isalnum (e->p[n]) && e->p[n] != '_')
    {
      e->p += n;
      return TRUE;
    }
  return FALSE;
}

static char *
expr_quoted (Expr *e)
{
  GString *s;

  expr_space (e);
  if (*e->p != '"')
    {
      e->error = TRUE;
      return NULL;
    }
  s = g_string_new (NULL);
  for (e->p++; *e->p && *e->p != '"'; e->p++)
    {
      if (*e->p == '\\' && e->p[1] != '\0')
        e->p++;
      g_string_append_c (s, *e->p);
    }
  if (*e->p != '"')
    {
      e->error = TRUE;
      return g_string_free (s, TRUE), NULL;
    }
  e->p++;
  return g_string_free (s, FALSE);
}

static gboolean expr_or (Expr *e, SimObject *obj);

static gboolean
expr_atom (Expr      *e,
           SimObject *obj)
{
  expr_space (e);
  if (*e->p == '(')
    {
      gboolean v;
      e->p++;
      v = expr_or (e, obj);
      expr_space (e);
      if (*e->p != ')')
        e->error = TRUE;
      else
        e->p++;
      return v;
    }
  if (expr_word (e, "not"))
    return !expr_atom (e, obj);
  if (expr_word (e, "true"))
    return TRUE;
  if (expr_word (e, "false"))
    return FALSE;
  if (expr_word (e, "field"))
    {
      g_autofree char *column = expr_quoted (e);
      g_autofree char *value = NULL;
      g_autofree char *actual = NULL;
      gboolean equal;
      int f;

      expr_space (e);
      if (g_str_has_prefix (e->p, "<>"))
        {
          equal = FALSE;
          e->p += 2;
        }
      else if (*e->p == '=')
        {
          equal = TRUE;
          e->p++;
        }
      else
        {
          e->error = TRUE;
          return FALSE;
        }
      value = expr_quoted (e);
      if (e->error || column == NULL || value == NULL)
        return FALSE;
      f = lagoon_schema_find_column (obj->klass, column);
      if (f < 0)
        return !equal;
      actual = lagoon_db_value_encode (obj->klass->fields[f].type, obj->fields[f]);
      return g_str_equal (actual, value) == equal;
    }
  e->error = TRUE;
  return FALSE;
}

static gboolean
expr_and (Expr      *e,
          SimObject *obj)
{
  gboolean v = expr_atom (e, obj);

  while (!e->error && expr_word (e, "and"))
    v = expr_atom (e, obj) && v;
  return v;
}

static gboolean
expr_or (Expr      *e,
         SimObject *obj)
{
  gboolean v = expr_and (e, obj);

  while (!e->error && expr_word (e, "or"))
    v = expr_and (e, obj) || v;
  return v;
}

static gboolean
generic_get_all_records_where (SimCall *call)
{
  GQueue *objects = sim_db_class_objects (call->server->db, call->klass);
  const char *text = sim_arg_string (call, 1);

  sim_writer_begin_struct (call->w);
  for (GList *l = objects->head; l != NULL; l = l->next)
    {
      SimObject *obj = l->data;
      Expr e = { text, FALSE };
      gboolean match = expr_or (&e, obj);

      expr_space (&e);
      if (e.error || *e.p != '\0')
        {
          sim_fail (call, "INVALID_VALUE", "expr", text, NULL);
          return FALSE;
        }
      if (!match)
        continue;
      sim_writer_member (call->w, obj->ref);
      sim_writer_record (call->w, obj->klass, obj->fields);
      sim_writer_end_member (call->w);
    }
  sim_writer_end_struct (call->w);
  return TRUE;
}

/* Returns FALSE with *handled FALSE when the message is not a generic one. */
static gboolean
dispatch_generic (SimCall  *call,
                  gboolean *handled)
{
  const LagoonSchemaClass *klass = call->klass;
  const LagoonSchemaMessage *msg = call->msg;
  const char *name = msg->name;
  guint n = msg->n_params;
  int f;

  *handled = TRUE;

#define FIELD_OF(prefix) \
  (g_str_has_prefix (name, prefix) ? lagoon_schema_find_field (klass, name + strlen (prefix)) : -1)

  if (g_str_equal (name, "get_all") && n == 1)
    return generic_get_all (call);
  if (g_str_equal (name, "get_all_records") && n == 1)
    return generic_get_all_records (call);
  if (g_str_equal (name, "get_all_records_where") && n == 2)
    return generic_get_all_records_where (call);
  if (g_str_equal (name, "get_record") && n == 2)
    return generic_get_record (call);
  if (g_str_equal (name, "get_by_uuid") && n == 2)
    return generic_get_by_uuid (call);
  if (g_str_equal (name, "get_by_name_label") && n == 2 &&
      lagoon_schema_find_field (klass, "name_label") >= 0)
    return generic_get_by_name_label (call);
  if (g_str_equal (name, "create") && n == 2 && msg->params[1].type->kind == LAGOON_TYPE_RECORD)
    return sim_generic_create (call);
  if (g_str_equal (name, "destroy") && n == 2)
    return sim_generic_destroy (call);

  if ((f = FIELD_OF ("get_")) >= 0 && n == 2)
    return generic_get_field (call, f);
  if ((f = FIELD_OF ("set_")) >= 0 && n == 3)
    return generic_set_field (call, f);
  if ((f = FIELD_OF ("add_to_")) >= 0 && n == 4 && klass->fields[f].type->kind == LAGOON_TYPE_MAP)
    return generic_map_edit (call, f, TRUE);
  if ((f = FIELD_OF ("remove_from_")) >= 0 && n == 3 &&
      klass->fields[f].type->kind == LAGOON_TYPE_MAP)
    return generic_map_edit (call, f, FALSE);
  if ((f = FIELD_OF ("add_")) >= 0 && n == 3 && klass->fields[f].type->kind == LAGOON_TYPE_SET)
    return generic_set_edit (call, f, TRUE);
  if ((f = FIELD_OF ("remove_")) >= 0 && n == 3 && klass->fields[f].type->kind == LAGOON_TYPE_SET)
    return generic_set_edit (call, f, FALSE);

#undef FIELD_OF

  *handled = FALSE;
  return FALSE;
}

/* ---- sessions ---------------------------------------------------------------------------- */

static const char *const rbac_permissions[] = {
  "pool.get_all_records", "host.get_all_records", "vm.get_all_records", "vm.start",
  "vm.clean_shutdown", "vm.hard_shutdown", "vm.clean_reboot", "vm.hard_reboot", "vm.suspend",
  "vm.resume", "vm.snapshot", "vm.clone", "vm.copy", "vm.destroy", "vm.create", "vm.pool_migrate",
  "vm_appliance.start", "vm_appliance.clean_shutdown", "task.cancel", "task.destroy",
  "event.from", "event.inject", "http/connect_console", "http/get_rrd_updates",
};

static SimObject *
new_session (SimCall    *call,
             gboolean    pool,
             const char *user,
             const char *originator)
{
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_SESSION);
  g_autofree GVariant **fields = g_new0 (GVariant *, klass->n_fields);

  fields[LAGOON_SESSION_UUID] = g_variant_ref_sink (g_variant_new_take_string (sim_db_new_uuid ()));
  fields[LAGOON_SESSION_THIS_HOST] = sim_vstr (call->host_ref);
  fields[LAGOON_SESSION_LAST_ACTIVE] = sim_vnow ();
  fields[LAGOON_SESSION_POOL] = g_variant_ref_sink (g_variant_new_boolean (pool));
  fields[LAGOON_SESSION_IS_LOCAL_SUPERUSER] = g_variant_ref_sink (g_variant_new_boolean (TRUE));
  fields[LAGOON_SESSION_VALIDATION_TIME] = sim_vnow ();
  fields[LAGOON_SESSION_AUTH_USER_NAME] = sim_vstr (user);
  fields[LAGOON_SESSION_RBAC_PERMISSIONS] = sim_vstrv (rbac_permissions, G_N_ELEMENTS (rbac_permissions));
  fields[LAGOON_SESSION_ORIGINATOR] = sim_vstr (originator);
  return sim_db_insert (call->server->db, klass, NULL, fields, FALSE);
}

gboolean
sim_server_check_credentials (SimServer  *server,
                              const char *user,
                              const char *password)
{
  return g_str_equal (user, server->user) && g_str_equal (password, server->password);
}

static gboolean
credentials_ok (SimCall *call)
{
  if (sim_server_check_credentials (call->server, sim_arg_string (call, 0),
                                    sim_arg_string (call, 1)))
    return TRUE;
  sim_fail (call, "SESSION_AUTHENTICATION_FAILED", sim_arg_string (call, 0),
            "Authentication failure", NULL);
  return FALSE;
}

static gboolean
session_login_with_password (SimCall *call)
{
  SimObject *session;

  if (!g_str_equal (call->host_ref, sim_master_ref (call->server)))
    {
      sim_fail (call, "HOST_IS_SLAVE", sim_master_address (call->server), NULL);
      return FALSE;
    }
  if (!credentials_ok (call))
    return FALSE;
  session = new_session (call, TRUE, sim_arg_string (call, 0),
                         call->n_received > 3 ? sim_arg_string (call, 3) : "");
  sim_writer_string (call->w, session->ref);
  return TRUE;
}

static gboolean
session_slave_local_login_with_password (SimCall *call)
{
  SimObject *session;

  if (!credentials_ok (call))
    return FALSE;
  session = new_session (call, FALSE, sim_arg_string (call, 0), "");
  sim_writer_string (call->w, session->ref);
  return TRUE;
}

static void
drop_legacy (SimServer  *server,
             const char *session)
{
  LegacyEvents *le = g_hash_table_lookup (server->legacy, session);

  if (le == NULL)
    return;
  g_hash_table_remove (server->legacy, session);
  g_hash_table_unref (le->classes);
  g_free (le);
}

static gboolean
session_logout (SimCall *call)
{
  SimObject *session = sim_db_lookup_class (call->server->db, sim_class (LAGOON_CLASS_SESSION),
                                            sim_arg_string (call, 0));

  drop_legacy (call->server, sim_arg_string (call, 0));
  if (session != NULL)
    sim_db_delete (call->server->db, session);
  g_cond_broadcast (&call->server->db->changed);
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
session_change_password (SimCall *call)
{
  if (!g_str_equal (sim_arg_string (call, 1), call->server->password))
    {
      sim_fail (call, "SESSION_AUTHENTICATION_FAILED", call->server->user, "Authentication failure", NULL);
      return FALSE;
    }
  g_free (call->server->password);
  call->server->password = g_strdup (sim_arg_string (call, 2));
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
session_get_all_subject_identifiers (SimCall *call)
{
  sim_writer_begin_array (call->w);
  sim_writer_end_array (call->w);
  return TRUE;
}

gboolean
sim_write_void (SimCall *call)
{
  sim_writer_void (call->w);
  return TRUE;
}

/* ---- events ------------------------------------------------------------------------------ */

typedef struct
{
  gboolean    all;
  GHashTable *classes; /* lower-case names */
  GHashTable *objects; /* refs */
} Subscription;

static void
subscription_clear (Subscription *sub)
{
  g_clear_pointer (&sub->classes, g_hash_table_unref);
  g_clear_pointer (&sub->objects, g_hash_table_unref);
}

static gboolean
subscription_parse (Subscription *sub,
                    GVariant     *classes,
                    SimCall      *call)
{
  GVariantIter iter;
  GVariant *v;

  sub->all = FALSE;
  sub->classes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sub->objects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_variant_iter_init (&iter, classes);
  while ((v = g_variant_iter_next_value (&iter)))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (v);
      const char *s = g_variant_get_string (inner, NULL);
      const char *slash = strchr (s, '/');

      g_variant_unref (v);
      if (g_str_equal (s, "*"))
        sub->all = TRUE;
      else if (slash != NULL)
        {
          if (slash == s || slash[1] == '\0')
            {
              sim_fail (call, "EVENT_SUBSCRIPTION_PARSE_FAILURE", s, NULL);
              return FALSE;
            }
          g_hash_table_add (sub->objects, g_strdup (slash + 1));
        }
      else if (*s == '\0')
        {
          sim_fail (call, "EVENT_SUBSCRIPTION_PARSE_FAILURE", s, NULL);
          return FALSE;
        }
      else
        g_hash_table_add (sub->classes, g_ascii_strdown (s, -1));
    }
  return TRUE;
}

static gboolean
class_lower_is (const LagoonSchemaClass *klass,
                GHashTable              *classes)
{
  char lower[64];

  g_strlcpy (lower, klass->name, sizeof lower);
  for (char *p = lower; *p; p++)
    *p = g_ascii_tolower (*p);
  return g_hash_table_contains (classes, lower);
}

static gboolean
subscription_match (SimObject *obj,
                    gpointer   user_data)
{
  Subscription *sub = user_data;

  if (!(obj->klass->flags & LAGOON_CLASS_EVENTS))
    return FALSE;
  if (sub->all)
    return TRUE;
  if (sub->objects != NULL && g_hash_table_contains (sub->objects, obj->ref))
    return TRUE;
  return sub->classes != NULL && class_lower_is (obj->klass, sub->classes);
}

static gboolean
token_parse (const char *token,
             gint64     *gen)
{
  g_auto(GStrv) parts = NULL;
  guint64 v;

  if (*token == '\0')
    {
      *gen = -1;
      return TRUE;
    }
  parts = g_strsplit (token, ",", 3);
  if (g_strv_length (parts) > 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXINT64, &v, NULL))
    return FALSE;
  if (parts[1] != NULL && !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXINT64, NULL, NULL))
    return FALSE;
  *gen = (gint64) v;
  return TRUE;
}

static char *
token_format (gint64 gen)
{
  return g_strdup_printf ("%020" G_GINT64_FORMAT ",%020d", gen, 0);
}

static void
class_name_lower (const LagoonSchemaClass *klass,
                  char                    *buf,
                  gsize                    size)
{
  g_strlcpy (buf, klass->name, size);
  for (char *p = buf; *p; p++)
    *p = g_ascii_tolower (*p);
}

static const char *const op_names[] = { "add", "mod", "del" };

typedef struct
{
  SimWriter *w;
  gboolean   legacy;
} EventWriter;

static void
write_event (SimObject  *obj,
             SimEventOp  op,
             gpointer    user_data)
{
  EventWriter *ew = user_data;
  SimWriter *w = ew->w;
  char lower[64];
  /* Messages live outside xapi's database: their events carry id 0. */
  gint64 id = obj->klass->id == LAGOON_CLASS_MESSAGE ? 0
              : op == SIM_EVENT_DEL ? obj->dtime : obj->mtime;
  g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);

  class_name_lower (obj->klass, lower, sizeof lower);
  sim_writer_begin_struct (w);
  sim_writer_member (w, "id");
  if (ew->legacy)
    sim_writer_int (w, id);
  else
    sim_writer_string (w, id_text);
  sim_writer_end_member (w);
  sim_writer_member (w, "timestamp");
  if (ew->legacy)
    {
      g_autofree char *now = lagoon_datetime_format (g_get_real_time () / G_USEC_PER_SEC);
      sim_writer_datetime (w, now);
    }
  else
    sim_writer_string (w, "0.0");
  sim_writer_end_member (w);
  sim_writer_member (w, "class");
  sim_writer_string (w, lower);
  sim_writer_end_member (w);
  sim_writer_member (w, "operation");
  sim_writer_string (w, op_names[op]);
  sim_writer_end_member (w);
  sim_writer_member (w, "ref");
  sim_writer_string (w, obj->ref);
  sim_writer_end_member (w);
  if (ew->legacy)
    {
      int uf = lagoon_schema_find_field (obj->klass, "uuid");
      sim_writer_member (w, "obj_uuid");
      sim_writer_string (w, sim_object_get_string (obj, uf));
      sim_writer_end_member (w);
    }
  if (op != SIM_EVENT_DEL)
    {
      sim_writer_member (w, "snapshot");
      sim_writer_record (w, obj->klass, obj->fields);
      sim_writer_end_member (w);
    }
  sim_writer_end_struct (w);
}

static gboolean
event_from (SimCall *call)
{
  SimDb *db = call->server->db;
  Subscription sub = { 0 };
  EventWriter ew = { call->w, FALSE };
  g_autofree char *token = NULL;
  double timeout = g_variant_get_double (call->args[3]);
  gint64 since;
  gint64 deadline;
  gboolean waited = FALSE;

  if (!token_parse (sim_arg_string (call, 2), &since))
    {
      sim_fail (call, "EVENT_FROM_TOKEN_PARSE_FAILURE", sim_arg_string (call, 2), NULL);
      return FALSE;
    }
  if (!subscription_parse (&sub, call->args[1], call))
    {
      subscription_clear (&sub);
      return FALSE;
    }

  if (!(timeout >= 0))
    timeout = 0;
  timeout = MIN (timeout, 86400.0);
  deadline = g_get_monotonic_time () + (gint64) (timeout * G_USEC_PER_SEC);

  while (sim_db_collect_events (db, since, subscription_match, &sub, NULL, NULL) == 0)
    {
      if (!g_cond_wait_until (&db->changed, &db->lock, deadline) &&
          g_get_monotonic_time () >= deadline)
        break;
      waited = TRUE;
    }
  if (waited)
    {
      /* Batch what else happens in the next moments, as xapi does. */
      g_mutex_unlock (&db->lock);
      g_usleep (EVENT_FROM_DELAY_US);
      g_mutex_lock (&db->lock);
    }

  sim_writer_begin_struct (call->w);
  sim_writer_member (call->w, "events");
  sim_writer_begin_array (call->w);
  sim_db_collect_events (db, since, subscription_match, &sub, write_event, &ew);
  sim_writer_end_array (call->w);
  sim_writer_end_member (call->w);

  sim_writer_member (call->w, "valid_ref_counts");
  sim_writer_begin_struct (call->w);
  for (guint c = 0; c < lagoon_schema_n_classes; c++)
    {
      const LagoonSchemaClass *klass = &lagoon_schema_classes[c];
      char lower[64];
      gint32 n;

      if (!(klass->flags & LAGOON_CLASS_EVENTS) || (!sub.all && !class_lower_is (klass, sub.classes)))
        continue;
      class_name_lower (klass, lower, sizeof lower);
      n = 0;
      /* xapi counts its database tables; messages live outside, their table stays empty. */
      for (GList *l = sim_db_class_objects (db, klass)->head;
           l != NULL && klass->id != LAGOON_CLASS_MESSAGE; l = l->next)
        n += ((SimObject *) l->data)->builtin ? 0 : 1;
      sim_writer_member (call->w, lower);
      sim_writer_i4 (call->w, n);
      sim_writer_end_member (call->w);
    }
  sim_writer_end_struct (call->w);
  sim_writer_end_member (call->w);

  token = token_format (db->generation);
  sim_writer_member (call->w, "token");
  sim_writer_string (call->w, token);
  sim_writer_end_member (call->w);
  sim_writer_end_struct (call->w);

  subscription_clear (&sub);
  return TRUE;
}

static gboolean
event_inject (SimCall *call)
{
  const LagoonSchemaClass *klass = lagoon_schema_find_class_nocase (sim_arg_string (call, 1));
  g_autofree char *token = NULL;
  SimObject *obj;

  if (klass == NULL)
    {
      sim_fail (call, "HANDLE_INVALID", sim_arg_string (call, 1), sim_arg_string (call, 2), NULL);
      return FALSE;
    }
  obj = sim_arg_object (call, 2, klass);
  if (obj == NULL)
    return FALSE;
  sim_db_touch (call->server->db, obj);
  token = token_format (call->server->db->generation);
  sim_writer_string (call->w, token);
  return TRUE;
}

static gboolean
event_get_current_id (SimCall *call)
{
  sim_writer_int (call->w, call->server->db->generation);
  return TRUE;
}

static gboolean
event_register (SimCall *call)
{
  SimServer *server = call->server;
  const char *session = sim_arg_string (call, 0);
  LegacyEvents *le = g_hash_table_lookup (server->legacy, session);
  GVariantIter iter;
  GVariant *v;

  if (le == NULL)
    {
      le = g_new0 (LegacyEvents, 1);
      le->classes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      le->since = server->db->generation;
      g_hash_table_insert (server->legacy, g_strdup (session), le);
    }
  g_variant_iter_init (&iter, call->args[1]);
  while ((v = g_variant_iter_next_value (&iter)))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (v);
      g_hash_table_add (le->classes, g_ascii_strdown (g_variant_get_string (inner, NULL), -1));
      g_variant_unref (v);
    }
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
event_unregister (SimCall *call)
{
  LegacyEvents *le = g_hash_table_lookup (call->server->legacy, sim_arg_string (call, 0));
  GVariantIter iter;
  GVariant *v;

  if (le != NULL)
    {
      g_variant_iter_init (&iter, call->args[1]);
      while ((v = g_variant_iter_next_value (&iter)))
        {
          g_autoptr(GVariant) inner = g_variant_get_variant (v);
          g_autofree char *lower = g_ascii_strdown (g_variant_get_string (inner, NULL), -1);
          g_hash_table_remove (le->classes, lower);
          g_variant_unref (v);
        }
      if (g_hash_table_size (le->classes) == 0)
        drop_legacy (call->server, sim_arg_string (call, 0));
    }
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
event_next (SimCall *call)
{
  SimServer *server = call->server;
  SimDb *db = server->db;
  g_autofree char *session = g_strdup (sim_arg_string (call, 0));
  EventWriter ew = { call->w, TRUE };
  Subscription sub = { 0 };
  LegacyEvents *le;
  guint n;

  for (;;)
    {
      le = g_hash_table_lookup (server->legacy, session);
      if (le == NULL)
        {
          if (sim_db_lookup_class (db, sim_class (LAGOON_CLASS_SESSION), session) == NULL)
            sim_fail (call, "SESSION_INVALID", session, NULL);
          else
            sim_fail (call, "SESSION_NOT_REGISTERED", session, NULL);
          return FALSE;
        }
      sub.all = g_hash_table_contains (le->classes, "*");
      sub.classes = le->classes;
      sub.objects = NULL;
      n = sim_db_collect_events (db, le->since, subscription_match, &sub, NULL, NULL);
      if (n > server->legacy_max)
        {
          le->since = db->generation;
          sim_fail (call, "EVENTS_LOST", NULL);
          return FALSE;
        }
      if (n > 0)
        break;
      /* Wake up now and then to notice a logout. */
      g_cond_wait_until (&db->changed, &db->lock, g_get_monotonic_time () + G_USEC_PER_SEC);
    }

  g_mutex_unlock (&db->lock);
  g_usleep (EVENT_FROM_DELAY_US);
  g_mutex_lock (&db->lock);
  le = g_hash_table_lookup (server->legacy, session);
  if (le == NULL)
    {
      sim_fail (call, "SESSION_NOT_REGISTERED", session, NULL);
      return FALSE;
    }
  sub.all = g_hash_table_contains (le->classes, "*");
  sub.classes = le->classes;
  sim_writer_begin_array (call->w);
  sim_db_collect_events (db, le->since, subscription_match, &sub, write_event, &ew);
  sim_writer_end_array (call->w);
  le->since = db->generation;
  return TRUE;
}

/* ---- tasks ------------------------------------------------------------------------------- */

SimObject *
sim_new_task (SimCall    *call,
              const char *label,
              const char *description,
              gboolean    cancellable)
{
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_TASK);
  g_autofree GVariant **fields = g_new0 (GVariant *, klass->n_fields);
  static const char *const cancel[] = { "cancel" };

  fields[LAGOON_TASK_UUID] = g_variant_ref_sink (g_variant_new_take_string (sim_db_new_uuid ()));
  fields[LAGOON_TASK_NAME_LABEL] = sim_vstr (label);
  fields[LAGOON_TASK_NAME_DESCRIPTION] = sim_vstr (description);
  fields[LAGOON_TASK_ALLOWED_OPERATIONS] = sim_vstrv (cancel, cancellable ? 1 : 0);
  fields[LAGOON_TASK_CREATED] = sim_vnow ();
  fields[LAGOON_TASK_STATUS] = sim_vstr ("pending");
  fields[LAGOON_TASK_RESIDENT_ON] = sim_vstr (sim_master_ref (call->server));
  fields[LAGOON_TASK_PROGRESS] = g_variant_ref_sink (g_variant_new_double (0.0));
  fields[LAGOON_TASK_BACKTRACE] = sim_vstr ("()");
  return sim_db_insert (call->server->db, klass, NULL, fields, FALSE);
}

void
sim_task_finish (SimDb        *db,
                 SimObject    *task,
                 const char   *status,
                 const char   *result,
                 GPtrArray    *error)
{
  sim_db_set (db, task, LAGOON_TASK_ALLOWED_OPERATIONS, sim_vstrv (NULL, 0));
  if (result != NULL)
    sim_db_set (db, task, LAGOON_TASK_RESULT, sim_vstr (result));
  if (error != NULL)
    sim_db_set (db, task, LAGOON_TASK_ERROR_INFO,
                sim_vstrv ((const char *const *) error->pdata, error->len));
  if (g_str_equal (status, "success"))
    sim_db_set (db, task, LAGOON_TASK_PROGRESS, g_variant_ref_sink (g_variant_new_double (1.0)));
  sim_db_set (db, task, LAGOON_TASK_FINISHED, sim_vnow ());
  sim_db_set (db, task, LAGOON_TASK_STATUS, sim_vstr (status));
}

static gboolean
task_create (SimCall *call)
{
  SimObject *task = sim_new_task (call, sim_arg_string (call, 1), sim_arg_string (call, 2), TRUE);

  sim_writer_string (call->w, task->ref);
  return TRUE;
}

static gboolean
task_cancel (SimCall *call)
{
  SimObject *task = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_TASK));
  g_autoptr(GPtrArray) error = NULL;

  if (task == NULL)
    return FALSE;
  if (!g_str_equal (sim_object_get_string (task, LAGOON_TASK_STATUS), "pending"))
    {
      sim_fail (call, "OPERATION_NOT_ALLOWED", "Task is not pending", NULL);
      return FALSE;
    }
  if (g_hash_table_contains (call->server->worker_tasks, task->ref))
    {
      /* The worker notices and fails its call with TASK_CANCELLED. */
      sim_db_set (call->server->db, task, LAGOON_TASK_STATUS, sim_vstr ("cancelling"));
    }
  else
    {
      error = g_ptr_array_new ();
      g_ptr_array_add (error, (gpointer) "TASK_CANCELLED");
      g_ptr_array_add (error, task->ref);
      sim_task_finish (call->server->db, task, "cancelled", NULL, error);
    }
  sim_writer_void (call->w);
  return TRUE;
}

static gboolean
host_get_servertime (SimCall *call)
{
  SimObject *host = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_HOST));
  g_autofree char *now = lagoon_datetime_format (g_get_real_time () / G_USEC_PER_SEC);

  if (host == NULL)
    return FALSE;
  sim_writer_datetime (call->w, now);
  return TRUE;
}

/* Sleeps @seconds (scaled by --speed) with db->lock released, as a blocked call does. */
void
sim_wait_unlocked (SimServer *server,
                   double     seconds)
{
  SimDb *db = server->db;
  gint64 deadline;

  if (!(seconds * server->speed > 0))
    return;
  deadline = g_get_monotonic_time () + (gint64) (seconds * server->speed * G_USEC_PER_SEC);
  while (g_get_monotonic_time () < deadline)
    g_cond_wait_until (&db->changed, &db->lock, deadline);
}

/* ---- dispatch ---------------------------------------------------------------------------- */

static const SimSpecial core_specials[] = {
  { "session.login_with_password", session_login_with_password },
  { "session.slave_local_login_with_password", session_slave_local_login_with_password },
  { "session.logout", session_logout },
  { "session.local_logout", session_logout },
  { "session.change_password", session_change_password },
  { "session.get_all_subject_identifiers", session_get_all_subject_identifiers },
  { "session.logout_subject_identifier", sim_write_void },
  { "event.from", event_from },
  { "event.inject", event_inject },
  { "event.get_current_id", event_get_current_id },
  { "event.register", event_register },
  { "event.unregister", event_unregister },
  { "event.next", event_next },
  { "task.create", task_create },
  { "task.cancel", task_cancel },
  { "host.get_servertime", host_get_servertime },
  { "host.get_server_localtime", host_get_servertime },
  { NULL, NULL }
};

/* Every table of non-generic messages: this file's, then one per area. */
static const SimSpecial *const special_tables[] = {
  core_specials,
  sim_vm_specials,
  sim_storage_specials,
  sim_network_specials,
  sim_host_specials,
};

const char *const *
sim_server_special_messages (void)
{
  static GPtrArray *names;
  static gsize initialized;

  if (g_once_init_enter (&initialized))
    {
      GPtrArray *n = g_ptr_array_new ();

      for (guint t = 0; t < G_N_ELEMENTS (special_tables); t++)
        for (const SimSpecial *s = special_tables[t]; s->name != NULL; s++)
          g_ptr_array_add (n, (gpointer) s->name);
      g_ptr_array_add (n, NULL);
      names = n;
      g_once_init_leave (&initialized, 1);
    }
  return (const char *const *) names->pdata;
}

static SimHandler
find_special (const char *wire_name)
{
  static GHashTable *table;
  static gsize initialized;

  if (g_once_init_enter (&initialized))
    {
      GHashTable *h = g_hash_table_new (g_str_hash, g_str_equal);

      for (guint t = 0; t < G_N_ELEMENTS (special_tables); t++)
        for (const SimSpecial *s = special_tables[t]; s->name != NULL; s++)
          {
            if (g_hash_table_contains (h, s->name))
              g_error ("xapi-sim: %s is handled twice", s->name);
            g_hash_table_insert (h, (gpointer) s->name, s->handler);
          }
      table = h;
      g_once_init_leave (&initialized, 1);
    }
  return g_hash_table_lookup (table, wire_name);
}

/*
 * xapi answers get_all_records_where on every class, although the datamodel lists it for a
 * few only (nova's XenAPI driver used it on VM, SR, VDI...).
 */
static const LagoonType string_type = { LAGOON_TYPE_STRING, NULL, NULL, NULL, NULL };
static const LagoonType session_type = { LAGOON_TYPE_REF, "session", NULL, NULL, NULL };
static const LagoonSchemaParam where_params[] = {
  { "session_id", &session_type, TRUE },
  { "expr", &string_type, TRUE },
};
static const LagoonSchemaMessage where_message = {
  "get_all_records_where", where_params, 2, &string_type, 0, LAGOON_LIFECYCLE_PUBLISHED
};

static const LagoonSchemaMessage *
find_message (const LagoonSchemaClass *klass,
              const char              *name)
{
  const LagoonSchemaMessage *msg = lagoon_schema_find_message (klass, name);

  if (msg == NULL && g_str_equal (name, "get_all_records_where"))
    msg = &where_message;
  return msg;
}

/* Splits "Class.message" or "Class_message" into schema entries. */
static gboolean
resolve_method (const char                 *name,
                const LagoonSchemaClass   **klass_out,
                const LagoonSchemaMessage **msg_out)
{
  const char *dot = strchr (name, '.');

  if (dot != NULL)
    {
      g_autofree char *cname = g_strndup (name, dot - name);
      const LagoonSchemaClass *klass = lagoon_schema_find_class (cname);
      const LagoonSchemaMessage *msg = klass != NULL ? find_message (klass, dot + 1) : NULL;

      if (msg == NULL)
        return FALSE;
      *klass_out = klass;
      *msg_out = msg;
      return TRUE;
    }

  for (const char *u = strchr (name, '_'); u != NULL; u = strchr (u + 1, '_'))
    {
      g_autofree char *cname = g_strndup (name, u - name);
      const LagoonSchemaClass *klass = lagoon_schema_find_class (cname);
      const LagoonSchemaMessage *msg = klass != NULL ? find_message (klass, u + 1) : NULL;

      if (msg != NULL)
        {
          *klass_out = klass;
          *msg_out = msg;
          return TRUE;
        }
    }
  return FALSE;
}

static guint
required_params (const LagoonSchemaMessage *msg)
{
  guint n = msg->n_params;

  while (n > 0 && !msg->params[n - 1].required)
    n--;
  return n;
}

typedef struct
{
  SimServer *server;
  char      *task_ref;
  char      *host_ref;
  char      *method;
  GVariant  *params;
} AsyncJob;

static gpointer async_worker (gpointer data);

/*
 * The whole call, db->lock held. On success the result value is written to @w;
 * otherwise @error holds the ErrorDescription.
 */
static gboolean
call_locked (SimServer  *server,
             const char *host_ref,
             const char *method,
             GVariant   *params,
             SimWriter  *w,
             GPtrArray  *error)
{
  SimCall call = { 0 };
  gboolean async = FALSE;
  const char *name = method;
  guint n_received = g_variant_n_children (params);
  g_autofree GVariant **args = NULL;
  gboolean ok = FALSE;
  SimHandler handler;
  gpointer memo;

  call.server = server;
  call.host_ref = host_ref;
  call.w = w;
  call.error = error;

  if (g_str_has_prefix (name, "Async."))
    {
      async = TRUE;
      name += strlen ("Async.");
    }
  if (!resolve_method (name, &call.klass, &call.msg) ||
      (async && !(call.msg->flags & LAGOON_MESSAGE_ASYNC)))
    {
      sim_fail (&call, "MESSAGE_METHOD_UNKNOWN", method, NULL);
      return FALSE;
    }
  if (call.msg->lifecycle == LAGOON_LIFECYCLE_REMOVED)
    {
      sim_fail (&call, "MESSAGE_REMOVED", NULL);
      return FALSE;
    }
  call.wire_name = g_strdup_printf ("%s.%s", call.klass->name, call.msg->name);
  call.n_received = n_received;

  if (n_received < required_params (call.msg) || n_received > call.msg->n_params)
    {
      g_autofree char *expected = g_strdup_printf ("%u", call.msg->n_params);
      g_autofree char *received = g_strdup_printf ("%u", n_received);
      sim_fail (&call, "MESSAGE_PARAMETER_COUNT_MISMATCH", method, expected, received, NULL);
      goto out;
    }

  /* The session comes first, except for the login calls. */
  if (!(call.msg->flags & LAGOON_MESSAGE_SESSIONLESS))
    {
      g_autoptr(GVariant) first = g_variant_get_child_value (params, 0);
      g_autoptr(GVariant) inner = g_variant_get_variant (first);
      const char *ref = g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING)
                        ? g_variant_get_string (inner, NULL) : "";
      SimObject *session = sim_db_lookup_class (server->db, sim_class (LAGOON_CLASS_SESSION), ref);

      if (session == NULL)
        {
          sim_fail (&call, "SESSION_INVALID", ref, NULL);
          goto out;
        }
      if (g_variant_get_boolean (session->fields[LAGOON_SESSION_POOL]))
        {
          if (!g_str_equal (host_ref, sim_master_ref (server)))
            {
              sim_fail (&call, "HOST_IS_SLAVE", sim_master_address (server), NULL);
              goto out;
            }
        }
      else if (!g_str_equal (host_ref, sim_object_get_string (session, LAGOON_SESSION_THIS_HOST)))
        {
          sim_fail (&call, "SESSION_INVALID", ref, NULL);
          goto out;
        }
    }

  args = g_new0 (GVariant *, call.msg->n_params + 1);
  for (guint i = 0; i < call.msg->n_params; i++)
    {
      g_autoptr(GError) local_error = NULL;

      if (i < n_received)
        {
          g_autoptr(GVariant) child = g_variant_get_child_value (params, i);
          args[i] = lagoon_value_coerce (call.msg->params[i].type, child, &local_error);
        }
      else
        args[i] = lagoon_type_zero_value (call.msg->params[i].type);
      if (args[i] == NULL)
        {
          sim_fail (&call, "FIELD_TYPE_ERROR", call.msg->params[i].name, NULL);
          goto out;
        }
    }
  call.args = args;

  if (async)
    {
      AsyncJob *job = g_new0 (AsyncJob, 1);
      SimObject *task = sim_new_task (&call, method, "", TRUE);

      g_hash_table_add (server->worker_tasks, g_strdup (task->ref));
      job->server = server;
      job->task_ref = g_strdup (task->ref);
      job->host_ref = g_strdup (host_ref);
      job->method = g_strdup (name);
      job->params = g_variant_ref (params);
      g_thread_unref (g_thread_new ("xapi-sim-task", async_worker, job));
      sim_writer_string (w, task->ref);
      ok = TRUE;
      goto out;
    }

  memo = sim_host_before_call (&call);
  handler = find_special (call.wire_name);
  if (handler != NULL)
    ok = handler (&call);
  else
    {
      gboolean handled;

      ok = dispatch_generic (&call, &handled);
      if (!handled)
        sim_fail (&call, "NOT_IMPLEMENTED", call.wire_name, NULL);
    }
  if (ok)
    sim_host_after_call (&call, memo);
  g_free (memo);

out:
  if (args != NULL)
    for (guint i = 0; i < call.msg->n_params; i++)
      g_clear_pointer (&args[i], g_variant_unref);
  g_free (call.wire_name);
  if (!ok && error->len == 0)
    g_ptr_array_add (error, g_strdup ("INTERNAL_ERROR"));
  return ok;
}

static gpointer
async_worker (gpointer data)
{
  AsyncJob *job = data;
  SimServer *server = job->server;
  SimDb *db = server->db;
  const LagoonSchemaClass *task_class = sim_class (LAGOON_CLASS_TASK);
  gulong step_us = (gulong) (TASK_BASE_DURATION_S * server->speed * G_USEC_PER_SEC / TASK_STEPS);
  g_autoptr(GString) result = g_string_new (NULL);
  g_autoptr(GPtrArray) error = g_ptr_array_new_with_free_func (g_free);
  gboolean cancelled = FALSE;
  SimWriter w;
  SimObject *task;
  gboolean ok;

  for (guint i = 1; i <= TASK_STEPS && step_us > 0; i++)
    {
      g_usleep (step_us);
      g_mutex_lock (&db->lock);
      task = sim_db_lookup_class (db, task_class, job->task_ref);
      if (task != NULL && g_str_equal (sim_object_get_string (task, LAGOON_TASK_STATUS), "cancelling"))
        cancelled = TRUE;
      else if (task != NULL && i < TASK_STEPS)
        sim_db_set (db, task, LAGOON_TASK_PROGRESS,
                    g_variant_ref_sink (g_variant_new_double ((double) i / TASK_STEPS * 0.9)));
      g_mutex_unlock (&db->lock);
      if (cancelled)
        break;
    }

  sim_writer_init (&w, result, FALSE);
  g_mutex_lock (&db->lock);
  task = sim_db_lookup_class (db, task_class, job->task_ref);
  if (!cancelled && task != NULL &&
      g_str_equal (sim_object_get_string (task, LAGOON_TASK_STATUS), "cancelling"))
    cancelled = TRUE;

  if (cancelled)
    {
      g_ptr_array_add (error, g_strdup ("TASK_CANCELLED"));
      g_ptr_array_add (error, g_strdup (job->task_ref));
      if (task != NULL)
        sim_task_finish (db, task, "cancelled", NULL, error);
    }
  else
    {
      ok = call_locked (server, job->host_ref, job->method, job->params, &w, error);
      /* The call may have waited and let others in: look the task up again. */
      task = sim_db_lookup_class (db, task_class, job->task_ref);
      if (task != NULL)
        {
          if (ok)
            sim_task_finish (db, task, "success", result->str, NULL);
          else
            sim_task_finish (db, task,
                             g_str_equal (g_ptr_array_index (error, 0), "TASK_CANCELLED") ? "cancelled"
                                                                                      : "failure",
                             NULL, error);
        }
    }
  g_hash_table_remove (server->worker_tasks, job->task_ref);
  g_mutex_unlock (&db->lock);

  g_variant_unref (job->params);
  g_free (job->task_ref);
  g_free (job->host_ref);
  g_free (job->method);
  g_free (job);
  return NULL;
}

/* ---- envelopes --------------------------------------------------------------------------- */

static void
write_list_methods (GString  *out,
                    gboolean  json)
{
  SimWriter w;

  sim_writer_init (&w, out, json);
  sim_writer_begin_array (&w);
  sim_writer_string (&w, "system.listMethods");
  for (guint c = 0; c < lagoon_schema_n_classes; c++)
    {
      const LagoonSchemaClass *klass = &lagoon_schema_classes[c];

      for (guint m = 0; m < klass->n_messages; m++)
        {
          g_autofree char *name = NULL;

          if (klass->messages[m].lifecycle == LAGOON_LIFECYCLE_REMOVED)
            continue;
          name = g_strdup_printf ("%s.%s", klass->name, klass->messages[m].name);
          /* One plain wire name per message, no Async.* twins, as xapi lists them. */
          sim_writer_string (&w, name);
        }
    }
  sim_writer_end_array (&w);
}

void
sim_server_handle (SimServer  *server,
                   const char *local_address,
                   SimRequest *request,
                   GString    *out)
{
  g_autoptr(GPtrArray) error = g_ptr_array_new_with_free_func (g_free);
  const char *host_ref;
  gboolean json = request->json;
  gboolean ok;
  SimWriter w;

  g_string_truncate (out, 0);

  if (g_str_equal (request->method, "system.listMethods"))
    {
      if (!json)
        {
          g_string_append (out, "<?xml version=\"1.0\"?><methodResponse><params><param>");
          write_list_methods (out, FALSE);
          g_string_append (out, "</param></params></methodResponse>");
        }
      else
        {
          g_string_append (out, request->json_version == 2 ? "{\"jsonrpc\":\"2.0\",\"result\":"
                                                           : "{\"result\":");
          write_list_methods (out, TRUE);
          g_string_append_printf (out, "%s\"id\":%s}", request->json_version == 2 ? "," : ",\"error\":null,",
                                  request->json_id);
        }
      return;
    }

  if (json)
    g_string_append (out, request->json_version == 2 ? "{\"jsonrpc\":\"2.0\",\"result\":"
                                                     : "{\"result\":");
  else
    g_string_append (out, "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct>"
                          "<member><name>Status</name><value>Success</value></member>"
                          "<member><name>Value</name>");
  sim_writer_init (&w, out, json);

  g_mutex_lock (&server->db->lock);
  host_ref = g_hash_table_lookup (server->address_host, local_address);
  if (host_ref == NULL)
    host_ref = sim_master_ref (server);
  {
    g_autofree char *host = g_strdup (host_ref);
    ok = call_locked (server, host, request->method, request->params, &w, error);
  }
  g_mutex_unlock (&server->db->lock);

  if (ok)
    {
      if (json)
        g_string_append_printf (out, "%s\"id\":%s}", request->json_version == 2 ? "," : ",\"error\":null,",
                                request->json_id);
      else
        g_string_append (out, "</member></struct></value></param></params></methodResponse>");
      return;
    }

  g_string_truncate (out, 0);
  sim_writer_init (&w, out, json);
  if (json && request->json_version == 2)
    {
      g_string_append (out, "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":1,\"message\":");
      sim_json_escape (out, g_ptr_array_index (error, 0));
      g_string_append (out, ",\"data\":");
      sim_writer_begin_array (&w);
      for (guint i = 1; i < error->len; i++)
        sim_writer_string (&w, g_ptr_array_index (error, i));
      sim_writer_end_array (&w);
      g_string_append_printf (out, "},\"id\":%s}", request->json_id);
    }
  else if (json)
    {
      g_string_append (out, "{\"result\":null,\"error\":");
      sim_writer_begin_array (&w);
      for (guint i = 0; i < error->len; i++)
        sim_writer_string (&w, g_ptr_array_index (error, i));
      sim_writer_end_array (&w);
      g_string_append_printf (out, ",\"id\":%s}", request->json_id);
    }
  else
    {
      g_string_append (out, "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct>"
                            "<member><name>Status</name><value>Failure</value></member>"
                            "<member><name>ErrorDescription</name>");
      sim_writer_begin_array (&w);
      for (guint i = 0; i < error->len; i++)
        sim_writer_string (&w, g_ptr_array_index (error, i));
      sim_writer_end_array (&w);
      g_string_append (out, "</member></struct></value></param></params></methodResponse>");
    }
}
