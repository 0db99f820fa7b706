/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sim-network.c: networks, VIFs, VLANs, bonds and PIFs as xapi's network code answers:
 * the same checks in the same order, the same error codes and parameters, and the PIF
 * configuration moved about as a bond or VLAN is made and unmade. DHCP leases are made up
 * from the PIF's uuid, since there is no network to ask.
 */
#define G_LOG_DOMAIN "xapi-sim"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "sim-ops.h"

/* ---- helpers ----------------------------------------------------------------------------- */

static SimDb *
call_db (SimCall *call)
{
  return sim_server_get_db (call->server);
}

static GPtrArray *
ref_list (SimObject *obj,
          int        field)
{
  GPtrArray *refs = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  GVariant *v;

  g_variant_iter_init (&iter, obj->fields[field]);
  while ((v = g_variant_iter_next_value (&iter)))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (v);

      if (g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING))
        g_ptr_array_add (refs, g_variant_dup_string (inner, NULL));
      g_variant_unref (v);
    }
  return refs;
}

static const char *
map_get (GVariant   *map,
         const char *key)
{
  const char *s = NULL;

  if (map == NULL || !g_variant_is_of_type (map, G_VARIANT_TYPE_VARDICT))
    return NULL;
  return g_variant_lookup (map, key, "&s", &s) ? s : NULL;
}

/* A string of a map or record, "" when absent. */
static const char *
rec_str (GVariant   *rec,
         const char *key)
{
  const char *s = map_get (rec, key);

  return s != NULL ? s : "";
}

static gboolean
obj_bool (SimObject *obj,
          int        field)
{
  return g_variant_get_boolean (obj->fields[field]);
}

static gboolean
is_null_ref (const char *ref)
{
  return ref == NULL || *ref == '\0' || g_str_equal (ref, LAGOON_NULL_REF);
}

/* Fails with @code and the refs of @refs as parameters. */
static void
fail_with_list (SimCall    *call,
                const char *code,
                GPtrArray  *refs)
{
  g_ptr_array_add (call->error, g_strdup (code));
  for (guint i = 0; i < refs->len; i++)
    g_ptr_array_add (call->error, g_strdup (g_ptr_array_index (refs, i)));
}

/* A dotted IPv4 address, as xapi's assert_is_valid_ip `ipv4 accepts. */
static gboolean
valid_ipv4 (const char *s)
{
  g_autoptr(GInetAddress) a = NULL;

  if (s == NULL || strchr (s, ':') != NULL)
    return FALSE;
  a = g_inet_address_new_from_string (s);
  return a != NULL && g_inet_address_get_family (a) == G_SOCKET_FAMILY_IPV4;
}

/* "aa:bb:cc:dd:ee:ff" (either case), as Helpers.is_valid_MAC. */
static gboolean
valid_mac (const char *s)
{
  if (strlen (s) != 17)
    return FALSE;
  for (guint i = 0; i < 17; i++)
    {
      if (i % 3 == 2)
        {
          if (s[i] != ':')
            return FALSE;
        }
      else if (!g_ascii_isxdigit (s[i]))
        return FALSE;
    }
  return TRUE;
}

static SimObject *
new_object (SimDb                   *db,
            const LagoonSchemaClass *klass,
            GVariant               **fields)
{
  int uf = lagoon_schema_find_field (klass, "uuid");

  if (uf >= 0 && fields[uf] == NULL)
    fields[uf] = g_variant_ref_sink (g_variant_new_take_string (sim_db_new_uuid ()));
  return sim_db_insert (db, klass, NULL, fields, FALSE);
}

/* ---- networks ---------------------------------------------------------------------------- */

static gboolean
bridge_in_use (SimDb      *db,
               const char *bridge)
{
  GQueue *nets = sim_db_class_objects (db, sim_class (LAGOON_CLASS_NETWORK));

  for (GList *l = nets->head; l != NULL; l = l->next)
    if (g_str_equal (sim_object_get_string (l->data, LAGOON_NETWORK_BRIDGE), bridge))
      return TRUE;
  return FALSE;
}

static gboolean
network_create (SimCall *call)
{
  SimDb *db = call_db (call);
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_NETWORK);
  GVariant *rec = call->args[1];
  const char *bridge = map_get (rec, "bridge");
  g_autofree GVariant **fields = g_new0 (GVariant *, klass->n_fields);
  g_autofree char *chosen = NULL;
  GVariantIter iter;
  const char *key;
  GVariant *v;
  SimObject *net;

  if (bridge != NULL && *bridge != '\0')
    {
      if (bridge_in_use (db, bridge))
        {
          sim_fail (call, "BRIDGE_NAME_EXISTS", bridge, NULL);
          return FALSE;
        }
      /* Linux bridge names: at most 15 characters, no spaces or slashes. */
      if (strlen (bridge) > 15 || strpbrk (bridge, " /\t") != NULL)
        {
          sim_fail (call, "INVALID_VALUE", "bridge", bridge, NULL);
          return FALSE;
        }
      chosen = g_strdup (bridge);
    }
  else
    for (guint n = 0; chosen == NULL; n++)
      {
        g_autofree char *name = g_strdup_printf ("xapi%u", n);

        if (!bridge_in_use (db, name))
          chosen = g_steal_pointer (&name);
      }

  g_variant_iter_init (&iter, rec);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &v))
    {
      int f = lagoon_schema_find_field (klass, key);

      if (f >= 0 && klass->fields[f].qualifier != LAGOON_QUALIFIER_RO_RUNTIME && fields[f] == NULL)
        fields[f] = g_variant_ref (v);
      g_variant_unref (v);
    }
  g_clear_pointer (&fields[LAGOON_NETWORK_UUID], g_variant_unref);
  g_clear_pointer (&fields[LAGOON_NETWORK_BRIDGE], g_variant_unref);
  fields[LAGOON_NETWORK_BRIDGE] = sim_vstr (chosen);
  if (fields[LAGOON_NETWORK_MTU] == NULL || g_variant_get_int64 (fields[LAGOON_NETWORK_MTU]) == 0)
    {
      g_clear_pointer (&fields[LAGOON_NETWORK_MTU], g_variant_unref);
      fields[LAGOON_NETWORK_MTU] = sim_vint (1500);
    }
  if (fields[LAGOON_NETWORK_MANAGED] == NULL)
    fields[LAGOON_NETWORK_MANAGED] = sim_vbool (TRUE);
  net = new_object (db, klass, fields);
  sim_writer_string (call->w, net->ref);
  return TRUE;
}

static gboolean
network_is_system (SimObject *net)
{
  GVariant *oc = net->fields[LAGOON_NETWORK_OTHER_CONFIG];

  return g_strcmp0 (map_get (oc, "is_guest_installer_network"), "true") == 0 ||
         g_strcmp0 (map_get (oc, "is_host_internal_management_network"), "true") == 0;
}

static gboolean
network_destroy (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *net = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_NETWORK));
  g_autoptr(GPtrArray) vifs = NULL;
  g_autoptr(GPtrArray) pifs = NULL;
  g_autoptr(GPtrArray) connected = g_ptr_array_new_with_free_func (g_free);

  if (net == NULL)
    return FALSE;
  vifs = ref_list (net, LAGOON_NETWORK_VIFS);
  for (guint i = 0; i < vifs->len; i++)
    {
      SimObject *vif = sim_db_lookup (db, g_ptr_array_index (vifs, i));

      if (vif != NULL && obj_bool (vif, LAGOON_VIF_CURRENTLY_ATTACHED))
        g_ptr_array_add (connected, g_strdup (vif->ref));
    }
  if (connected->len > 0)
    {
      fail_with_list (call, "NETWORK_CONTAINS_VIF", connected);
      return FALSE;
    }
  pifs = ref_list (net, LAGOON_NETWORK_PIFS);
  if (pifs->len > 0)
    {
      fail_with_list (call, "NETWORK_CONTAINS_PIF", pifs);
      return FALSE;
    }
  if (network_is_system (net))
    {
      sim_fail (call, "CANNOT_DESTROY_SYSTEM_NETWORK", net->ref, NULL);
      return FALSE;
    }
  /* The VIFs go with the network, as xapi destroys them rather than wait for its GC. */
  for (guint i = 0; i < vifs->len; i++)
    {
      SimObject *vif = sim_db_lookup (db, g_ptr_array_index (vifs, i));
      SimObject *metrics;

      if (vif == NULL)
        continue;
      metrics = sim_db_lookup (db, sim_object_get_string (vif, LAGOON_VIF_METRICS));
      if (metrics != NULL)
        sim_db_delete (db, metrics);
      sim_db_delete (db, vif);
    }
  sim_db_delete (db, net);
  return sim_write_void (call);
}

/* ---- VIFs -------------------------------------------------------------------------------- */

static gboolean
vm_lacks_pv_drivers (SimDb     *db,
                     SimObject *vm)
{
  SimObject *gm;

  if (!g_str_equal (sim_object_get_string (vm, LAGOON_VM_DOMAIN_TYPE), "hvm"))
    return FALSE;
  gm = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VM_GUEST_METRICS),
                            sim_object_get_string (vm, LAGOON_VM_GUEST_METRICS));
  return gm == NULL || !obj_bool (gm, LAGOON_VM_GUEST_METRICS_PV_DRIVERS_DETECTED);
}

/* xapi's VIF valid_operations for @op ("attach", "plug", "unplug"); FALSE with the error set
 * (when @call is not NULL). */
static gboolean
vif_check (SimDb      *db,
           SimObject  *vif,
           const char *op,
           SimCall    *call)
{
  SimObject *vm = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VM),
                                       sim_object_get_string (vif, LAGOON_VIF_VM));
  const char *state = vm != NULL ? sim_object_get_string (vm, LAGOON_VM_POWER_STATE) : "Halted";
  gboolean attached = obj_bool (vif, LAGOON_VIF_CURRENTLY_ATTACHED);
  gboolean plug = g_str_equal (op, "plug"), unplug = g_str_equal (op, "unplug");

  if (!plug && !unplug)
    return TRUE;
  if (g_str_equal (state, "Running"))
    {
      if (attached && plug)
        {
          if (call != NULL)
            sim_fail (call, "DEVICE_ALREADY_ATTACHED", vif->ref, NULL);
          return FALSE;
        }
      if (!attached && unplug)
        {
          if (call != NULL)
            sim_fail (call, "DEVICE_ALREADY_DETACHED", vif->ref, NULL);
          return FALSE;
        }
      if (vm_lacks_pv_drivers (db, vm))
        {
          if (call != NULL)
            sim_fail (call, "VM_MISSING_PV_DRIVERS", vm->ref, NULL);
          return FALSE;
        }
      return TRUE;
    }
  if (call != NULL)
    {
      g_autofree char *actual = g_ascii_strdown (state, -1);
      sim_fail (call, "VM_BAD_POWER_STATE", vm != NULL ? vm->ref : LAGOON_NULL_REF, "running",
                actual, NULL);
    }
  return FALSE;
}

void
sim_vif_update_allowed_operations (SimDb     *db,
                                   SimObject *vif)
{
  static const char *const all[] = { "attach", "plug", "unplug" };
  const char *ops[G_N_ELEMENTS (all)];
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (vif_check (db, vif, all[i], NULL))
      ops[n++] = all[i];
  sim_db_set (db, vif, LAGOON_VIF_ALLOWED_OPERATIONS, sim_vstrv (ops, n));
}

/* A MAC from the VM's mac_seed (or its uuid) and the device: locally administered, unicast. */
static char *
vif_generate_mac (SimObject  *vm,
                  const char *device)
{
  const char *seed = map_get (vm->fields[LAGOON_VM_OTHER_CONFIG], "mac_seed");
  g_autofree char *input = NULL;
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;

  if (seed == NULL)
    seed = sim_object_get_string (vm, LAGOON_VM_UUID);
  input = g_strdup_printf ("%s/%s", seed, device);
  g_checksum_update (sum, (const guchar *) input, -1);
  g_checksum_get_digest (sum, digest, &len);
  return g_strdup_printf ("%02x:%02x:%02x:%02x:%02x:%02x", (digest[0] & 0xfc) | 0x02, digest[1],
                          digest[2], digest[3], digest[4], digest[5]);
}

static gboolean
vif_create (SimCall *call)
{
  SimDb *db = call_db (call);
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_VIF);
  GVariant *rec = call->args[1];
  const char *device = map_get (rec, "device");
  const char *mac = map_get (rec, "MAC");
  SimObject *vm = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VM), rec_str (rec, "VM"));
  SimObject *net = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_NETWORK),
                                        rec_str (rec, "network"));
  g_autofree GVariant **fields = NULL;
  g_autofree char *generated = NULL;
  g_autoptr(GPtrArray) existing = NULL;
  GVariantIter iter;
  const char *key;
  GVariant *v;
  char *end = NULL;
  SimObject *vif;

  if (vm == NULL || net == NULL)
    {
      const char *which = vm == NULL ? "VM" : "network";
      const char *ref = map_get (rec, vm == NULL ? "VM" : "network");

      sim_fail (call, "HANDLE_INVALID", which, ref != NULL ? ref : "", NULL);
      return FALSE;
    }
  if (device == NULL)
    device = "";
  /* int_of_string: decimal digits with an optional sign. */
  if (*device == '\0' || (g_ascii_strtoll (device, &end, 10), *end != '\0'))
    {
      sim_fail (call, "INVALID_DEVICE", device, NULL);
      return FALSE;
    }
  if (mac == NULL || *mac == '\0')
    mac = generated = vif_generate_mac (vm, device);
  if (!valid_mac (mac))
    {
      sim_fail (call, "MAC_INVALID", mac, NULL);
      return FALSE;
    }
  existing = ref_list (vm, LAGOON_VM_VIFS);
  for (guint i = 0; i < existing->len; i++)
    {
      SimObject *other = sim_db_lookup (db, g_ptr_array_index (existing, i));

      if (other != NULL && g_str_equal (sim_object_get_string (other, LAGOON_VIF_DEVICE), device))
        {
          sim_fail (call, "DEVICE_ALREADY_EXISTS", device, NULL);
          return FALSE;
        }
    }

  fields = g_new0 (GVariant *, klass->n_fields);
  g_variant_iter_init (&iter, rec);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &v))
    {
      int f = lagoon_schema_find_field (klass, key);

      if (f >= 0 && klass->fields[f].qualifier != LAGOON_QUALIFIER_RO_RUNTIME && fields[f] == NULL)
        fields[f] = g_variant_ref (v);
      g_variant_unref (v);
    }
  /* currently_attached is a constructor argument of VIF.create. */
  {
    gboolean attached = FALSE;

    g_clear_pointer (&fields[LAGOON_VIF_CURRENTLY_ATTACHED], g_variant_unref);
    if (g_variant_lookup (rec, "currently_attached", "b", &attached))
      fields[LAGOON_VIF_CURRENTLY_ATTACHED] = sim_vbool (attached);
  }
  g_clear_pointer (&fields[LAGOON_VIF_UUID], g_variant_unref);
  g_clear_pointer (&fields[LAGOON_VIF_MAC], g_variant_unref);
  fields[LAGOON_VIF_MAC] = sim_vstr (mac);
  fields[LAGOON_VIF_MAC_AUTOGENERATED] = sim_vbool (generated != NULL);
  if (fields[LAGOON_VIF_MTU] == NULL || g_variant_get_int64 (fields[LAGOON_VIF_MTU]) == 0)
    {
      g_clear_pointer (&fields[LAGOON_VIF_MTU], g_variant_unref);
      fields[LAGOON_VIF_MTU] = sim_vint (sim_object_get_int (net, LAGOON_NETWORK_MTU));
    }
  {
    const LagoonSchemaClass *mk = sim_class (LAGOON_CLASS_VIF_METRICS);
    g_autofree GVariant **mf = g_new0 (GVariant *, mk->n_fields);
    SimObject *metrics = new_object (db, mk, mf);

    fields[LAGOON_VIF_METRICS] = sim_vstr (metrics->ref);
  }
  vif = new_object (db, klass, fields);
  sim_vif_update_allowed_operations (db, vif);
  sim_writer_string (call->w, vif->ref);
  return TRUE;
}

/* xapi offers VIF devices 0-6 that the VM does not use yet. */
static gboolean
vm_get_allowed_vif_devices (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *vm = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VM));
  g_autoptr(GPtrArray) vifs = NULL;
  gboolean used[7] = { FALSE };

  if (vm == NULL)
    return FALSE;
  vifs = ref_list (vm, LAGOON_VM_VIFS);
  for (guint i = 0; i < vifs->len; i++)
    {
      SimObject *vif = sim_db_lookup (db, g_ptr_array_index (vifs, i));
      const char *dev = vif != NULL ? sim_object_get_string (vif, LAGOON_VIF_DEVICE) : "";

      if (dev[0] >= '0' && dev[0] <= '6' && dev[1] == '\0')
        used[dev[0] - '0'] = TRUE;
    }
  sim_writer_begin_array (call->w);
  for (guint n = 0; n < G_N_ELEMENTS (used); n++)
    if (!used[n])
      {
        g_autofree char *s = g_strdup_printf ("%u", n);
        sim_writer_string (call->w, s);
      }
  sim_writer_end_array (call->w);
  return TRUE;
}

static gboolean
vif_destroy (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *vif = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VIF));
  SimObject *vm, *metrics;

  if (vif == NULL)
    return FALSE;
  vm = sim_db_lookup (db, sim_object_get_string (vif, LAGOON_VIF_VM));
  if (vm != NULL && g_str_equal (sim_object_get_string (vm, LAGOON_VM_POWER_STATE), "Running") &&
      obj_bool (vif, LAGOON_VIF_CURRENTLY_ATTACHED))
    {
      sim_fail (call, "OPERATION_NOT_ALLOWED", "VIF currently attached to a running VM", NULL);
      return FALSE;
    }
  metrics = sim_db_lookup (db, sim_object_get_string (vif, LAGOON_VIF_METRICS));
  if (metrics != NULL)
    sim_db_delete (db, metrics);
  sim_db_delete (db, vif);
  return sim_write_void (call);
}

static gboolean
vif_set_plugged (SimCall *call,
                 gboolean plug)
{
  SimDb *db = call_db (call);
  SimObject *vif = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VIF));

  if (vif == NULL || !vif_check (db, vif, plug ? "plug" : "unplug", call))
    return FALSE;
  sim_db_set (db, vif, LAGOON_VIF_CURRENTLY_ATTACHED, sim_vbool (plug));
  sim_vif_update_allowed_operations (db, vif);
  return sim_write_void (call);
}

static gboolean
vif_plug (SimCall *call)
{
  return vif_set_plugged (call, TRUE);
}

static gboolean
vif_unplug (SimCall *call)
{
  return vif_set_plugged (call, FALSE);
}

/* ---- PIFs -------------------------------------------------------------------------------- */

/* NETWORK_ALREADY_CONNECTED [host, pif] when @network already has a PIF on @host. */
static gboolean
assert_no_other_local_pifs (SimCall    *call,
                            const char *host_ref,
                            SimObject  *network)
{
  SimDb *db = call_db (call);
  g_autoptr(GPtrArray) pifs = ref_list (network, LAGOON_NETWORK_PIFS);

  for (guint i = 0; i < pifs->len; i++)
    {
      SimObject *pif = sim_db_lookup (db, g_ptr_array_index (pifs, i));

      if (pif != NULL && g_str_equal (sim_object_get_string (pif, LAGOON_PIF_HOST), host_ref))
        {
          sim_fail (call, "NETWORK_ALREADY_CONNECTED", host_ref, pif->ref, NULL);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
assert_managed (SimCall   *call,
                SimObject *pif)
{
  if (obj_bool (pif, LAGOON_PIF_MANAGED))
    return TRUE;
  sim_fail (call, "PIF_UNMANAGED", pif->ref, NULL);
  return FALSE;
}

static const int ip_fields[] = {
  LAGOON_PIF_IP_CONFIGURATION_MODE, LAGOON_PIF_IP, LAGOON_PIF_NETMASK, LAGOON_PIF_GATEWAY,
  LAGOON_PIF_DNS, LAGOON_PIF_IPV6_CONFIGURATION_MODE, LAGOON_PIF_IPV6, LAGOON_PIF_IPV6_GATEWAY,
};

/* xapi's move_configuration: @from's IP settings go to @to, @from is left unconfigured. */
static void
move_configuration (SimDb     *db,
                    SimObject *from,
                    SimObject *to)
{
  for (guint i = 0; i < G_N_ELEMENTS (ip_fields); i++)
    sim_db_set (db, to, ip_fields[i], g_variant_ref (from->fields[ip_fields[i]]));
  sim_db_set (db, from, LAGOON_PIF_IP_CONFIGURATION_MODE, sim_vstr ("None"));
  sim_db_set (db, from, LAGOON_PIF_IP, sim_vstr (""));
  sim_db_set (db, from, LAGOON_PIF_NETMASK, sim_vstr (""));
  sim_db_set (db, from, LAGOON_PIF_GATEWAY, sim_vstr (""));
  sim_db_set (db, from, LAGOON_PIF_DNS, sim_vstr (""));
  sim_db_set (db, from, LAGOON_PIF_IPV6_CONFIGURATION_MODE, sim_vstr ("None"));
  sim_db_set (db, from, LAGOON_PIF_IPV6, sim_vstrv (NULL, 0));
  sim_db_set (db, from, LAGOON_PIF_IPV6_GATEWAY, sim_vstr (""));
}

static void
move_flag (SimDb     *db,
           SimObject *from,
           SimObject *to,
           int        field)
{
  if (obj_bool (from, field))
    {
      sim_db_set (db, to, field, sim_vbool (TRUE));
      sim_db_set (db, from, field, sim_vbool (FALSE));
    }
}

static SimObject *
new_pif_metrics (SimDb *db)
{
  const LagoonSchemaClass *mk = sim_class (LAGOON_CLASS_PIF_METRICS);
  g_autofree GVariant **mf = g_new0 (GVariant *, mk->n_fields);

  mf[LAGOON_PIF_METRICS_CARRIER] = sim_vbool (TRUE);
  mf[LAGOON_PIF_METRICS_LAST_UPDATED] = sim_vnow ();
  return new_object (db, mk, mf);
}

static gboolean
pif_plug (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *pif = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_PIF));

  if (pif == NULL)
    return FALSE;
  if (!is_null_ref (sim_object_get_string (pif, LAGOON_PIF_BOND_SLAVE_OF)))
    {
      sim_fail (call, "CANNOT_PLUG_BOND_SLAVE", pif->ref, NULL);
      return FALSE;
    }
  if (!obj_bool (pif, LAGOON_PIF_CURRENTLY_ATTACHED))
    sim_db_set (db, pif, LAGOON_PIF_CURRENTLY_ATTACHED, sim_vbool (TRUE));
  return sim_write_void (call);
}

static gboolean
pif_unplug (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *pif = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_PIF));

  if (pif == NULL)
    return FALSE;
  if (obj_bool (pif, LAGOON_PIF_MANAGEMENT))
    {
      sim_fail (call, "PIF_IS_MANAGEMENT_INTERFACE", pif->ref, NULL);
      return FALSE;
    }
  if (obj_bool (pif, LAGOON_PIF_DISALLOW_UNPLUG))
    {
      sim_fail (call, "PIF_DOES_NOT_ALLOW_UNPLUG", pif->ref, NULL);
      return FALSE;
    }
  if (obj_bool (pif, LAGOON_PIF_CURRENTLY_ATTACHED))
    sim_db_set (db, pif, LAGOON_PIF_CURRENTLY_ATTACHED, sim_vbool (FALSE));
  return sim_write_void (call);
}

static gboolean
pif_reconfigure_ip (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *pif = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_PIF));
  const char *mode = sim_arg_string (call, 2);
  const char *ip = sim_arg_string (call, 3);
  const char *netmask = sim_arg_string (call, 4);
  const char *gateway = sim_arg_string (call, 5);
  const char *dns = sim_arg_string (call, 6);
  const char *params[][2] = { { "IP", ip }, { "netmask", netmask }, { "gateway", gateway } };
  g_autofree char *lease_ip = NULL;

  if (pif == NULL || !assert_managed (call, pif))
    return FALSE;
  if (g_str_equal (mode, "Static"))
    {
      if (!valid_ipv4 (ip))
        {
          sim_fail (call, "INVALID_IP_ADDRESS_SPECIFIED", "IP", NULL);
          return FALSE;
        }
      if (!valid_ipv4 (netmask))
        {
          sim_fail (call, "INVALID_IP_ADDRESS_SPECIFIED", "netmask", NULL);
          return FALSE;
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (params); i++)
    if (*params[i][1] != '\0' && !valid_ipv4 (params[i][1]))
      {
        sim_fail (call, "INVALID_IP_ADDRESS_SPECIFIED", params[i][0], NULL);
        return FALSE;
      }
  if (*dns != '\0')
    {
      g_auto(GStrv) servers = g_strsplit (dns, ",", -1);

      for (guint i = 0; servers[i] != NULL; i++)
        if (!valid_ipv4 (servers[i]))
          {
            sim_fail (call, "INVALID_IP_ADDRESS_SPECIFIED", "DNS", NULL);
            return FALSE;
          }
    }
  if (g_str_equal (mode, "None") && obj_bool (pif, LAGOON_PIF_MANAGEMENT) &&
      g_str_equal (sim_object_get_string (pif, LAGOON_PIF_PRIMARY_ADDRESS_TYPE), "IPv4"))
    {
      sim_fail (call, "PIF_IS_MANAGEMENT_INTERFACE", pif->ref, NULL);
      return FALSE;
    }

  sim_db_set (db, pif, LAGOON_PIF_IP_CONFIGURATION_MODE, sim_vstr (mode));
  if (g_str_equal (mode, "DHCP"))
    {
      /* The lease a DHCP server would hand out: stable per PIF. */
      guint h = g_str_hash (sim_object_get_string (pif, LAGOON_PIF_UUID));

      lease_ip = g_strdup_printf ("10.1.%u.%u", (h >> 8) % 250 + 1, h % 250 + 2);
      sim_db_set (db, pif, LAGOON_PIF_IP, sim_vstr (lease_ip));
      sim_db_set (db, pif, LAGOON_PIF_NETMASK, sim_vstr ("255.255.0.0"));
      sim_db_set (db, pif, LAGOON_PIF_GATEWAY, sim_vstr ("10.1.255.254"));
      sim_db_set (db, pif, LAGOON_PIF_DNS, sim_vstr ("10.1.255.253"));
    }
  else
    {
      sim_db_set (db, pif, LAGOON_PIF_IP, sim_vstr (ip));
      sim_db_set (db, pif, LAGOON_PIF_NETMASK, sim_vstr (netmask));
      sim_db_set (db, pif, LAGOON_PIF_GATEWAY, sim_vstr (gateway));
      sim_db_set (db, pif, LAGOON_PIF_DNS, sim_vstr (dns));
    }
  return sim_write_void (call);
}

/* ---- VLANs ------------------------------------------------------------------------------- */

static SimObject *
vlan_create_on (SimCall   *call,
                SimObject *tagged,
                gint64     tag,
                SimObject *network)
{
  SimDb *db = call_db (call);
  const LagoonSchemaClass *pif_class = sim_class (LAGOON_CLASS_PIF);
  const LagoonSchemaClass *vlan_class = sim_class (LAGOON_CLASS_VLAN);
  const char *host_ref = sim_object_get_string (tagged, LAGOON_PIF_HOST);
  const char *device = sim_object_get_string (tagged, LAGOON_PIF_DEVICE);
  g_autoptr(GPtrArray) vlans = NULL;
  g_autofree GVariant **pf = NULL;
  g_autofree GVariant **vf = NULL;
  SimObject *untagged, *vlan;

  if (!assert_managed (call, tagged) || !assert_no_other_local_pifs (call, host_ref, network))
    return NULL;
  if (!is_null_ref (sim_object_get_string (tagged, LAGOON_PIF_BOND_SLAVE_OF)))
    {
      sim_fail (call, "CANNOT_ADD_VLAN_TO_BOND_SLAVE", tagged->ref, NULL);
      return NULL;
    }
  if (sim_object_get_int (tagged, LAGOON_PIF_VLAN) >= 0)
    {
      sim_fail (call, "PIF_IS_VLAN", tagged->ref, NULL);
      return NULL;
    }
  if (tag < 0 || tag > 4094)
    {
      g_autofree char *t = g_strdup_printf ("%" G_GINT64_FORMAT, tag);
      sim_fail (call, "VLAN_TAG_INVALID", t, NULL);
      return NULL;
    }
  vlans = ref_list (tagged, LAGOON_PIF_VLAN_SLAVE_OF);
  for (guint i = 0; i < vlans->len; i++)
    {
      SimObject *other = sim_db_lookup (db, g_ptr_array_index (vlans, i));

      if (other != NULL && sim_object_get_int (other, LAGOON_VLAN_TAG) == tag)
        {
          sim_fail (call, "PIF_VLAN_EXISTS", device, NULL);
          return NULL;
        }
    }

  vf = g_new0 (GVariant *, vlan_class->n_fields);
  vf[LAGOON_VLAN_TAGGED_PIF] = sim_vstr (tagged->ref);
  vf[LAGOON_VLAN_TAG] = sim_vint (tag);
  vlan = new_object (db, vlan_class, g_steal_pointer (&vf));

  pf = g_new0 (GVariant *, pif_class->n_fields);
  pf[LAGOON_PIF_DEVICE] = sim_vstr (device);
  pf[LAGOON_PIF_NETWORK] = sim_vstr (network->ref);
  pf[LAGOON_PIF_HOST] = sim_vstr (host_ref);
  pf[LAGOON_PIF_MAC] = g_variant_ref (tagged->fields[LAGOON_PIF_MAC]);
  pf[LAGOON_PIF_MTU] = g_variant_ref (tagged->fields[LAGOON_PIF_MTU]);
  pf[LAGOON_PIF_VLAN] = sim_vint (tag);
  pf[LAGOON_PIF_METRICS] = g_variant_ref (tagged->fields[LAGOON_PIF_METRICS]);
  pf[LAGOON_PIF_PHYSICAL] = sim_vbool (FALSE);
  pf[LAGOON_PIF_CURRENTLY_ATTACHED] = sim_vbool (obj_bool (tagged, LAGOON_PIF_CURRENTLY_ATTACHED));
  pf[LAGOON_PIF_IP_CONFIGURATION_MODE] = sim_vstr ("None");
  pf[LAGOON_PIF_IPV6_CONFIGURATION_MODE] = sim_vstr ("None");
  pf[LAGOON_PIF_PRIMARY_ADDRESS_TYPE] = sim_vstr ("IPv4");
  pf[LAGOON_PIF_MANAGED] = sim_vbool (TRUE);
  pf[LAGOON_PIF_VLAN_MASTER_OF] = sim_vstr (vlan->ref);
  untagged = new_object (db, pif_class, g_steal_pointer (&pf));
  sim_db_set (db, vlan, LAGOON_VLAN_UNTAGGED_PIF, sim_vstr (untagged->ref));
  return vlan;
}

static gboolean
vlan_create (SimCall *call)
{
  SimObject *tagged = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_PIF));
  SimObject *network = tagged != NULL ? sim_arg_object (call, 3, sim_class (LAGOON_CLASS_NETWORK))
                                      : NULL;
  SimObject *vlan;

  if (tagged == NULL || network == NULL)
    return FALSE;
  vlan = vlan_create_on (call, tagged, g_variant_get_int64 (call->args[2]), network);
  if (vlan == NULL)
    return FALSE;
  sim_writer_string (call->w, vlan->ref);
  return TRUE;
}

static gboolean
vlan_destroy (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *vlan = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VLAN));
  SimObject *untagged;

  if (vlan == NULL)
    return FALSE;
  untagged = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_PIF),
                                  sim_object_get_string (vlan, LAGOON_VLAN_UNTAGGED_PIF));
  if (untagged != NULL)
    {
      if (!is_null_ref (sim_object_get_string (untagged, LAGOON_PIF_BOND_SLAVE_OF)))
        {
          sim_fail (call, "PIF_ALREADY_BONDED", untagged->ref, NULL);
          return FALSE;
        }
      if (obj_bool (untagged, LAGOON_PIF_MANAGEMENT))
        {
          sim_fail (call, "PIF_IS_MANAGEMENT_INTERFACE", untagged->ref, NULL);
          return FALSE;
        }
      if (sim_object_get_int (untagged, LAGOON_PIF_VLAN) < 0)
        {
          sim_fail (call, "PIF_IS_PHYSICAL", NULL);
          return FALSE;
        }
      sim_db_delete (db, untagged);
    }
  sim_db_delete (db, vlan);
  return sim_write_void (call);
}

/* pool.create_VLAN_from_PIF: the VLAN on every host's PIF of the same device. */
static gboolean
pool_create_vlan_from_pif (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *pif = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_PIF));
  SimObject *network = pif != NULL ? sim_arg_object (call, 2, sim_class (LAGOON_CLASS_NETWORK))
                                   : NULL;
  gint64 tag = g_variant_get_int64 (call->args[3]);
  g_autoptr(GPtrArray) created = g_ptr_array_new_with_free_func (g_free);
  GQueue *pifs;

  if (pif == NULL || network == NULL)
    return FALSE;
  pifs = sim_db_class_objects (db, sim_class (LAGOON_CLASS_PIF));
  {
    /* Walk a copy: VLAN creation adds PIFs. */
    g_autoptr(GPtrArray) bases = g_ptr_array_new ();

    for (GList *l = pifs->head; l != NULL; l = l->next)
      {
        SimObject *p = l->data;

        if (g_str_equal (sim_object_get_string (p, LAGOON_PIF_DEVICE),
                         sim_object_get_string (pif, LAGOON_PIF_DEVICE)) &&
            sim_object_get_int (p, LAGOON_PIF_VLAN) < 0)
          g_ptr_array_add (bases, p);
      }
    for (guint i = 0; i < bases->len; i++)
      {
        SimObject *vlan = vlan_create_on (call, g_ptr_array_index (bases, i), tag, network);

        if (vlan == NULL)
          return FALSE;
        g_ptr_array_add (created,
                         g_strdup (sim_object_get_string (vlan, LAGOON_VLAN_UNTAGGED_PIF)));
      }
  }
  sim_writer_begin_array (call->w);
  for (guint i = 0; i < created->len; i++)
    sim_writer_string (call->w, g_ptr_array_index (created, i));
  sim_writer_end_array (call->w);
  return TRUE;
}

/* ---- bonds ------------------------------------------------------------------------------- */

static gboolean
bond_create (SimCall *call)
{
  SimDb *db = call_db (call);
  const LagoonSchemaClass *pif_class = sim_class (LAGOON_CLASS_PIF);
  const LagoonSchemaClass *bond_class = sim_class (LAGOON_CLASS_BOND);
  SimObject *network = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_NETWORK));
  const char *mac = sim_arg_string (call, 3);
  const char *mode = sim_arg_string (call, 4);
  GVariant *properties = call->args[5];
  g_autoptr(GPtrArray) members = g_ptr_array_new ();
  SimObject *primary = NULL, *management = NULL, *with_ip = NULL, *master, *bond;
  g_autofree GVariant **pf = NULL;
  g_autofree GVariant **bf = NULL;
  g_autofree char *device = NULL;
  const char *host_ref;
  gboolean disallow_unplug = FALSE;
  guint n_with_ip = 0;
  GVariantIter iter;
  GVariant *v;

  if (network == NULL)
    return FALSE;
  if (!obj_bool (network, LAGOON_NETWORK_MANAGED))
    {
      sim_fail (call, "NETWORK_UNMANAGED", network->ref, NULL);
      return FALSE;
    }
  /* The members, each once (xapi setifies them). */
  g_variant_iter_init (&iter, call->args[2]);
  while ((v = g_variant_iter_next_value (&iter)))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (v);
      const char *ref = g_variant_get_string (inner, NULL);
      SimObject *pif = sim_db_lookup_class (db, pif_class, ref);

      g_variant_unref (v);
      if (pif == NULL)
        {
          sim_fail (call, "HANDLE_INVALID", "PIF", ref, NULL);
          return FALSE;
        }
      if (!g_ptr_array_find (members, pif, NULL))
        g_ptr_array_add (members, pif);
    }
  if (members->len == 0)
    {
      sim_fail (call, "PIF_BOND_NEEDS_MORE_MEMBERS", NULL);
      return FALSE;
    }
  host_ref = sim_object_get_string (g_ptr_array_index (members, 0), LAGOON_PIF_HOST);
  if (!assert_no_other_local_pifs (call, host_ref, network))
    return FALSE;
  if (*mac != '\0' && !valid_mac (mac))
    {
      sim_fail (call, "MAC_INVALID", mac, NULL);
      return FALSE;
    }
  for (guint i = 0; i < members->len; i++)
    {
      SimObject *m = g_ptr_array_index (members, i);

      if (management == NULL && obj_bool (m, LAGOON_PIF_MANAGEMENT))
        management = m;
      if (!g_str_equal (sim_object_get_string (m, LAGOON_PIF_IP_CONFIGURATION_MODE), "None"))
        {
          n_with_ip++;
          if (with_ip == NULL)
            with_ip = m;
        }
      disallow_unplug |= obj_bool (m, LAGOON_PIF_DISALLOW_UNPLUG);
    }
  primary = management != NULL ? management : with_ip != NULL ? with_ip
                                                               : g_ptr_array_index (members, 0);
  for (guint i = 0; i < members->len; i++)
    {
      SimObject *m = g_ptr_array_index (members, i);

      if (!is_null_ref (sim_object_get_string (m, LAGOON_PIF_BOND_SLAVE_OF)))
        {
          sim_fail (call, "PIF_ALREADY_BONDED", m->ref, NULL);
          return FALSE;
        }
      if (sim_object_get_int (m, LAGOON_PIF_VLAN) != -1)
        {
          sim_fail (call, "PIF_VLAN_EXISTS", sim_object_get_string (m, LAGOON_PIF_DEVICE), NULL);
          return FALSE;
        }
      if (!assert_managed (call, m))
        return FALSE;
    }
  for (guint i = 0; i < members->len; i++)
    if (!g_str_equal (sim_object_get_string (g_ptr_array_index (members, i), LAGOON_PIF_HOST),
                      host_ref))
      {
        sim_fail (call, "PIF_CANNOT_BOND_CROSS_HOST", NULL);
        return FALSE;
      }
  if (n_with_ip > 1)
    {
      sim_fail (call, "PIF_BOND_MORE_THAN_ONE_IP", NULL);
      return FALSE;
    }

  /* A fresh bondN device on the host. */
  {
    GQueue *pifs = sim_db_class_objects (db, pif_class);

    for (guint n = 0; device == NULL; n++)
      {
        g_autofree char *name = g_strdup_printf ("bond%u", n);
        gboolean used = FALSE;

        for (GList *l = pifs->head; l != NULL && !used; l = l->next)
          used = g_str_equal (sim_object_get_string (l->data, LAGOON_PIF_HOST), host_ref) &&
                 g_str_equal (sim_object_get_string (l->data, LAGOON_PIF_DEVICE), name);
        if (!used)
          device = g_steal_pointer (&name);
      }
  }

  pf = g_new0 (GVariant *, pif_class->n_fields);
  pf[LAGOON_PIF_DEVICE] = sim_vstr (device);
  pf[LAGOON_PIF_NETWORK] = sim_vstr (network->ref);
  pf[LAGOON_PIF_HOST] = sim_vstr (host_ref);
  pf[LAGOON_PIF_MAC] = *mac != '\0' ? sim_vstr (mac)
                                    : g_variant_ref (primary->fields[LAGOON_PIF_MAC]);
  pf[LAGOON_PIF_MTU] = sim_vint (sim_object_get_int (network, LAGOON_NETWORK_MTU));
  pf[LAGOON_PIF_VLAN] = sim_vint (-1);
  pf[LAGOON_PIF_METRICS] = sim_vstr (new_pif_metrics (db)->ref);
  pf[LAGOON_PIF_PHYSICAL] = sim_vbool (FALSE);
  pf[LAGOON_PIF_CURRENTLY_ATTACHED] = sim_vbool (TRUE);
  pf[LAGOON_PIF_IP_CONFIGURATION_MODE] = sim_vstr ("None");
  pf[LAGOON_PIF_IPV6_CONFIGURATION_MODE] = sim_vstr ("None");
  pf[LAGOON_PIF_PRIMARY_ADDRESS_TYPE] = sim_vstr ("IPv4");
  pf[LAGOON_PIF_MANAGED] = sim_vbool (TRUE);
  pf[LAGOON_PIF_PROPERTIES] = g_variant_ref (primary->fields[LAGOON_PIF_PROPERTIES]);
  master = new_object (db, pif_class, g_steal_pointer (&pf));

  bf = g_new0 (GVariant *, bond_class->n_fields);
  bf[LAGOON_BOND_MASTER] = sim_vstr (master->ref);
  bf[LAGOON_BOND_PRIMARY_SLAVE] = sim_vstr (primary->ref);
  bf[LAGOON_BOND_MODE] = sim_vstr (*mode != '\0' ? mode : "balance-slb");
  {
    g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
    const char *key;
    GVariant *value;
    gboolean has_hashing = FALSE;

    g_variant_iter_init (&iter, properties);
    while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
      {
        has_hashing |= g_str_equal (key, "hashing_algorithm");
        g_variant_builder_add (&b, "{sv}", key, value);
        g_variant_unref (value);
      }
    /* The defaults xapi adds for LACP. */
    if (g_str_equal (mode, "lacp"))
      {
        if (!has_hashing)
          g_variant_builder_add (&b, "{sv}", "hashing_algorithm",
                                 g_variant_new_string ("tcpudp_ports"));
        if (map_get (properties, "lacp-time") == NULL)
          g_variant_builder_add (&b, "{sv}", "lacp-time", g_variant_new_string ("slow"));
      }
    bf[LAGOON_BOND_PROPERTIES] = g_variant_ref_sink (g_variant_builder_end (&b));
  }
  bf[LAGOON_BOND_LINKS_UP] = sim_vint (members->len);
  bf[LAGOON_BOND_AUTO_UPDATE_MAC] = sim_vbool (*mac == '\0');
  bond = new_object (db, bond_class, g_steal_pointer (&bf));

  /* The master comes up; as in xapi's Nm.bring_pif_up its slaves are then down. */
  for (guint i = 0; i < members->len; i++)
    {
      sim_db_set (db, g_ptr_array_index (members, i), LAGOON_PIF_BOND_SLAVE_OF,
                  sim_vstr (bond->ref));
      sim_db_set (db, g_ptr_array_index (members, i), LAGOON_PIF_CURRENTLY_ATTACHED,
                  sim_vbool (FALSE));
    }
  move_configuration (db, primary, master);
  move_flag (db, primary, master, LAGOON_PIF_MANAGEMENT);
  if (disallow_unplug)
    {
      sim_db_set (db, master, LAGOON_PIF_DISALLOW_UNPLUG, sim_vbool (TRUE));
      for (guint i = 0; i < members->len; i++)
        sim_db_set (db, g_ptr_array_index (members, i), LAGOON_PIF_DISALLOW_UNPLUG,
                    sim_vbool (FALSE));
    }
  /* VLANs on the members move up to the bond. */
  for (guint i = 0; i < members->len; i++)
    {
      g_autoptr(GPtrArray) vlans = ref_list (g_ptr_array_index (members, i),
                                             LAGOON_PIF_VLAN_SLAVE_OF);

      for (guint j = 0; j < vlans->len; j++)
        {
          SimObject *vlan = sim_db_lookup (db, g_ptr_array_index (vlans, j));

          if (vlan != NULL)
            sim_db_set (db, vlan, LAGOON_VLAN_TAGGED_PIF, sim_vstr (master->ref));
        }
    }
  sim_writer_string (call->w, bond->ref);
  return TRUE;
}

static gboolean
bond_destroy (SimCall *call)
{
  SimDb *db = call_db (call);
  const LagoonSchemaClass *pif_class = sim_class (LAGOON_CLASS_PIF);
  SimObject *bond = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_BOND));
  SimObject *master, *primary, *metrics;
  g_autoptr(GPtrArray) slaves = NULL;
  g_autoptr(GPtrArray) vlans = NULL;

  if (bond == NULL)
    return FALSE;
  master = sim_db_lookup_class (db, pif_class, sim_object_get_string (bond, LAGOON_BOND_MASTER));
  primary = sim_db_lookup_class (db, pif_class,
                                 sim_object_get_string (bond, LAGOON_BOND_PRIMARY_SLAVE));
  slaves = ref_list (bond, LAGOON_BOND_SLAVES);
  if (primary == NULL && slaves->len > 0)
    primary = sim_db_lookup_class (db, pif_class, g_ptr_array_index (slaves, 0));
  if (master != NULL && primary != NULL)
    {
      move_configuration (db, master, primary);
      move_flag (db, master, primary, LAGOON_PIF_MANAGEMENT);
      move_flag (db, master, primary, LAGOON_PIF_DISALLOW_UNPLUG);
      vlans = ref_list (master, LAGOON_PIF_VLAN_SLAVE_OF);
      for (guint i = 0; i < vlans->len; i++)
        {
          SimObject *vlan = sim_db_lookup (db, g_ptr_array_index (vlans, i));

          if (vlan != NULL)
            sim_db_set (db, vlan, LAGOON_VLAN_TAGGED_PIF, sim_vstr (primary->ref));
        }
    }
  for (guint i = 0; i < slaves->len; i++)
    {
      SimObject *slave = sim_db_lookup (db, g_ptr_array_index (slaves, i));

      if (slave != NULL)
        {
          sim_db_set (db, slave, LAGOON_PIF_BOND_SLAVE_OF, sim_vstr (LAGOON_NULL_REF));
          sim_db_set (db, slave, LAGOON_PIF_CURRENTLY_ATTACHED, sim_vbool (TRUE));
        }
    }
  sim_db_delete (db, bond);
  if (master != NULL)
    {
      metrics = sim_db_lookup (db, sim_object_get_string (master, LAGOON_PIF_METRICS));
      if (metrics != NULL)
        sim_db_delete (db, metrics);
      sim_db_delete (db, master);
    }
  return sim_write_void (call);
}

const SimSpecial sim_network_specials[] = {
  { "network.create", network_create },
  { "network.destroy", network_destroy },
  { "VIF.create", vif_create },
  { "VIF.destroy", vif_destroy },
  { "VIF.plug", vif_plug },
  { "VIF.unplug", vif_unplug },
  { "VM.get_allowed_VIF_devices", vm_get_allowed_vif_devices },
  { "PIF.plug", pif_plug },
  { "PIF.unplug", pif_unplug },
  { "PIF.reconfigure_ip", pif_reconfigure_ip },
  { "VLAN.create", vlan_create },
  { "VLAN.destroy", vlan_destroy },
  { "pool.create_VLAN_from_PIF", pool_create_vlan_from_pif },
  { "Bond.create", bond_create },
  { "Bond.destroy", bond_destroy },
  { NULL, NULL }
};
