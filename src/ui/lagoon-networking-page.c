/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-networking-page"

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "lagoon-networking-page.h"
#include "lagoon-page-util.h"

/* A VM's interfaces (rows keyed by VIF). */
enum {
  VIF_REF,
  VIF_DEVICE,
  VIF_DEVICE_KEY,
  VIF_MAC,
  VIF_NETWORK,
  VIF_IPS,
  VIF_ATTACHED,
  VIF_N_COLUMNS
};

/* A host's PIFs. */
enum {
  PIF_REF,
  PIF_DEVICE,
  PIF_KIND,
  PIF_MAC,
  PIF_LINK,
  PIF_SPEED,
  PIF_DUPLEX,
  PIF_NETWORK,
  PIF_ADDRESS,
  PIF_MANAGEMENT,
  PIF_N_COLUMNS
};

/* A pool's networks. */
enum {
  NET_REF,
  NET_NAME,
  NET_DESCRIPTION,
  NET_VLAN,
  NET_MTU,
  NET_NICS,
  NET_VIFS,
  NET_AUTO,
  NET_N_COLUMNS
};

struct _LagoonNetworkingPage
{
  GtkBox        parent_instance;

  LagoonServer *server;
  int           class_id;
  char         *ref;

  GtkStack     *stack;

  /* A VM */
  GtkListStore *vif_store;
  GtkTreeView  *vif_view;
  GtkWidget    *add_button;
  GtkWidget    *remove_button;
  GtkWidget    *properties_button;

  /* A host */
  GtkLabel     *management;
  GtkListStore *pif_store;

  /* A pool */
  GtkListStore *net_store;
};

static void lagoon_networking_page_tab_init (LagoonTabInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LagoonNetworkingPage, lagoon_networking_page, GTK_TYPE_BOX,
                               G_IMPLEMENT_INTERFACE (LAGOON_TYPE_TAB,
                                                      lagoon_networking_page_tab_init))

char *
lagoon_networking_page_check_mac (const char *mac)
{
  guint octets[6];
  const char *p = mac;

  if (mac == NULL || mac[0] == '\0')
    return g_strdup (_("Type a MAC address, or let the server generate one."));
  for (guint i = 0; i < 6; i++)
    {
      if (!g_ascii_isxdigit (p[0]) || !g_ascii_isxdigit (p[1]))
        return g_strdup (_("A MAC address is six pairs of hexadecimal digits separated by "
                           "colons, such as 0a:1b:2c:3d:4e:5f."));
      octets[i] = (guint) (g_ascii_xdigit_value (p[0]) * 16 + g_ascii_xdigit_value (p[1]));
      p += 2;
      if (i < 5)
        {
          if (*p != ':' && *p != '-')
            return g_strdup (_("A MAC address is six pairs of hexadecimal digits separated "
                               "by colons, such as 0a:1b:2c:3d:4e:5f."));
          p++;
        }
    }
  if (*p != '\0')
    return g_strdup (_("A MAC address is six pairs of hexadecimal digits separated by colons, "
                       "such as 0a:1b:2c:3d:4e:5f."));
  if ((octets[0] & 1) != 0)
    return g_strdup (_("This is a multicast address: a VM's interface needs a unicast one (an "
                       "even first byte)."));
  if ((octets[0] | octets[1] | octets[2] | octets[3] | octets[4] | octets[5]) == 0)
    return g_strdup (_("00:00:00:00:00:00 is not a usable MAC address."));
  return NULL;
}

/* ---- reading the cache ------------------------------------------------------------------- */


static gboolean
vm_running (const LagoonRecord *vm)
{
  return g_strcmp0 (lagoon_record_get_enum_string (vm, LAGOON_VM_POWER_STATE), "Running") == 0;
}

/* The guest's addresses on interface @device, from VM_guest_metrics.networks ("0/ip",
 * "0/ipv4/0", "0/ipv6/1"...), each once. */
static char *
guest_ips (LagoonCache        *cache,
           const LagoonRecord *vm,
           const char         *device)
{
  const char *gm_ref = lagoon_record_get_ref (vm, LAGOON_VM_GUEST_METRICS);
  const LagoonRecord *gm = gm_ref != NULL
                             ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM_GUEST_METRICS, gm_ref)
                             : NULL;
  g_autofree char *prefix = g_strconcat (device, "/", NULL);
  g_autoptr(GPtrArray) ips = g_ptr_array_new ();
  const char * const *pairs;
  guint n = 0;

  if (gm == NULL)
    return g_strdup ("");
  pairs = lagoon_record_get_map (gm, LAGOON_VM_GUEST_METRICS_NETWORKS, &n);
  for (guint i = 0; i < n; i++)
    {
      const char *ip = pairs[2 * i + 1];
      gboolean seen = FALSE;

      if (!g_str_has_prefix (pairs[2 * i], prefix) || ip == NULL || ip[0] == '\0')
        continue;
      for (guint j = 0; j < ips->len && !seen; j++)
        seen = g_strcmp0 (g_ptr_array_index (ips, j), ip) == 0;
      if (!seen)
        g_ptr_array_add (ips, (gpointer) ip);
    }
  g_ptr_array_add (ips, NULL);
  return g_strjoinv (", ", (char **) ips->pdata);
}

/* Networks a VM's interface can use (not the hosts' internal ones), by name. */

static GPtrArray *
guest_networks (LagoonCache *cache)
{
  g_autoptr(GPtrArray) all = lagoon_cache_list (cache, LAGOON_CLASS_NETWORK);
  GPtrArray *found = g_ptr_array_new ();

  for (guint i = 0; i < all->len; i++)
    {
      const LagoonRecord *net = g_ptr_array_index (all, i);

      if (g_strcmp0 (lagoon_record_map_lookup (net, LAGOON_NETWORK_OTHER_CONFIG,
                                               "is_host_internal_management_network"),
                     "true") == 0 ||
          g_strcmp0 (lagoon_record_map_lookup (net, LAGOON_NETWORK_OTHER_CONFIG,
                                               "is_guest_installer_network"), "true") == 0)
        continue;
      g_ptr_array_add (found, (gpointer) net);
    }
  g_ptr_array_sort (found, lagoon_page_compare_names);
  return found;
}

static char *
free_device (LagoonCache *cache,
             const char  *vm_ref)
{
  guint n = 0;
  const LagoonRecord *const *vifs = lagoon_cache_get_referrers (cache, LAGOON_CLASS_VIF,
                                                                LAGOON_VIF_VM, vm_ref, &n);

  for (int candidate = 0; candidate < 1000; candidate++)
    {
      gboolean used = FALSE;

      for (guint i = 0; i < n && !used; i++)
        {
          const char *d = lagoon_record_get_string (vifs[i], LAGOON_VIF_DEVICE);

          used = d != NULL && d[0] != '\0' && atoi (d) == candidate;
        }
      if (!used)
        return g_strdup_printf ("%d", candidate);
    }
  return g_strdup ("0");
}

/* ---- a VM ------------------------------------------------------------------------------------ */

static const LagoonRecord *
selected_vif (LagoonNetworkingPage *self,
              LagoonCache          *cache)
{
  g_autofree char *ref = lagoon_page_dup_selected_ref (self->vif_view);

  return ref != NULL ? lagoon_cache_lookup (cache, LAGOON_CLASS_VIF, ref) : NULL;
}

static void
update_vif_buttons (LagoonNetworkingPage *self)
{
  LagoonCache *cache = lagoon_page_get_cache (self->server);
  const LagoonRecord *vm = cache != NULL && self->ref != NULL
                             ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM, self->ref) : NULL;
  const LagoonRecord *vif = vm != NULL ? selected_vif (self, cache) : NULL;
  gboolean snapshot = vm != NULL && lagoon_record_get_bool (vm, LAGOON_VM_IS_A_SNAPSHOT);
  const char *reason = vm == NULL ? _("The VM is not available.")
                                  : (snapshot ? _("A snapshot's interfaces cannot be changed.")
                                              : NULL);
  gboolean can_change = vif != NULL && reason == NULL;
  const char *change_reason = reason != NULL ? reason : _("Select an interface first.");

  if (can_change && lagoon_record_get_map (vif, LAGOON_VIF_CURRENT_OPERATIONS, NULL)[0] != NULL)
    {
      can_change = FALSE;
      change_reason = _("An operation is in progress on this interface.");
    }
  else if (can_change && vm_running (vm) &&
      lagoon_record_get_bool (vif, LAGOON_VIF_CURRENTLY_ATTACHED) &&
      !lagoon_record_set_contains (vif, LAGOON_VIF_ALLOWED_OPERATIONS, "unplug"))
    {
      can_change = FALSE;
      change_reason = _("The interface cannot be unplugged from the running VM now (the VM "
                        "may lack guest tools).");
    }
  lagoon_page_set_enabled (self->add_button, reason == NULL,
                           _("Add a virtual network interface to the VM"), reason);
  lagoon_page_set_enabled (self->remove_button, can_change,
                           _("Remove the selected interface"), change_reason);
  lagoon_page_set_enabled (self->properties_button, can_change,
                           _("Change the interface's network or MAC address"), change_reason);
}

static void
show_vm (LagoonNetworkingPage *self,
         LagoonCache          *cache,
         const LagoonRecord   *vm)
{
  guint n = 0;
  const LagoonRecord *const *vifs = lagoon_cache_get_referrers (cache, LAGOON_CLASS_VIF,
                                                                LAGOON_VIF_VM,
                                                                lagoon_record_get_opaque_ref (vm),
                                                                &n);
  LagoonStoreSync *sync = lagoon_store_sync_begin (self->vif_store);

  for (guint i = 0; i < n; i++)
    {
      const char *device = lagoon_record_get_string (vifs[i], LAGOON_VIF_DEVICE);
      const char *network = lagoon_record_get_ref (vifs[i], LAGOON_VIF_NETWORK);
      g_autofree char *ips = guest_ips (cache, vm, device);
      GtkTreeIter iter;

      lagoon_store_sync_row (sync, lagoon_record_get_opaque_ref (vifs[i]), &iter);
      gtk_list_store_set (self->vif_store, &iter,
                          VIF_DEVICE, device,
                          VIF_DEVICE_KEY, atoi (device),
                          VIF_MAC, lagoon_record_get_string (vifs[i], LAGOON_VIF_MAC),
                          VIF_NETWORK, lagoon_page_ref_name (cache, network),
                          VIF_IPS, ips,
                          VIF_ATTACHED, lagoon_record_get_bool (vifs[i],
                                                                LAGOON_VIF_CURRENTLY_ATTACHED),
                          -1);
    }
  lagoon_store_sync_end (sync);
  update_vif_buttons (self);
}

/* ---- a host ------------------------------------------------------------------------------ */

static const char *
pif_device (LagoonCache *cache,
            const char  *pif_ref)
{
  const LagoonRecord *pif = pif_ref != NULL ? lagoon_cache_lookup (cache, LAGOON_CLASS_PIF,
                                                                   pif_ref)
                                            : NULL;

  return pif != NULL ? lagoon_record_get_string (pif, LAGOON_PIF_DEVICE) : "?";
}

/* "NIC", "Bond of eth0 + eth1", "VLAN 20 on eth1", "Member of bond0". */
static char *
pif_kind (LagoonCache        *cache,
          const LagoonRecord *pif)
{
  const char * const *bonds = lagoon_record_get_set (pif, LAGOON_PIF_BOND_MASTER_OF, NULL);
  const char *slave_of = lagoon_record_get_ref (pif, LAGOON_PIF_BOND_SLAVE_OF);
  gint64 vlan = lagoon_record_get_int (pif, LAGOON_PIF_VLAN);

  if (bonds != NULL && bonds[0] != NULL)
    {
      const LagoonRecord *bond = lagoon_cache_lookup (cache, LAGOON_CLASS_BOND, bonds[0]);
      const char * const *slaves = bond != NULL ? lagoon_record_get_set (bond, LAGOON_BOND_SLAVES,
                                                                         NULL)
                                                : NULL;
      g_autoptr(GPtrArray) names = g_ptr_array_new ();
      g_autofree char *joined = NULL;

      for (guint i = 0; slaves != NULL && slaves[i] != NULL; i++)
        g_ptr_array_add (names, (gpointer) pif_device (cache, slaves[i]));
      g_ptr_array_add (names, NULL);
      joined = g_strjoinv (" + ", (char **) names->pdata);
      /* Translators: a bond's members, "Bond of eth0 + eth1 (active-backup)" */
      const char *mode = bond != NULL ? lagoon_record_get_enum_string (bond, LAGOON_BOND_MODE)
                                      : NULL;

      return g_strdup_printf (_("Bond of %s (%s)"), joined, mode != NULL ? mode : "?");
    }
  if (vlan >= 0)
    {
      const char *vlan_ref = lagoon_record_get_ref (pif, LAGOON_PIF_VLAN_MASTER_OF);
      const LagoonRecord *v = vlan_ref != NULL ? lagoon_cache_lookup (cache, LAGOON_CLASS_VLAN,
                                                                      vlan_ref)
                                               : NULL;

      /* Translators: "VLAN 20 on eth1" */
      return g_strdup_printf (_("VLAN %" G_GINT64_FORMAT " on %s"), vlan,
                              v != NULL ? pif_device (cache, lagoon_record_get_ref (
                                                               v, LAGOON_VLAN_TAGGED_PIF))
                                        : "?");
    }
  if (slave_of != NULL && lagoon_cache_lookup (cache, LAGOON_CLASS_BOND, slave_of) != NULL)
    {
      const LagoonRecord *bond = lagoon_cache_lookup (cache, LAGOON_CLASS_BOND, slave_of);

      /* Translators: a NIC in a bond, "NIC in bond0" */
      return g_strdup_printf (_("NIC in %s"),
                              pif_device (cache, lagoon_record_get_ref (bond,
                                                                        LAGOON_BOND_MASTER)));
    }
  if (lagoon_record_get_bool (pif, LAGOON_PIF_PHYSICAL))
    return g_strdup (_("NIC"));
  return g_strdup (_("Virtual"));
}

static char *
pif_address (const LagoonRecord *pif)
{
  const char *mode = lagoon_record_get_enum_string (pif, LAGOON_PIF_IP_CONFIGURATION_MODE);
  const char *ip = lagoon_record_get_string (pif, LAGOON_PIF_IP);

  if (ip != NULL && ip[0] != '\0')
    /* Translators: a host interface's address, "10.0.0.5 (DHCP)" */
    return g_strdup_printf (_("%s (%s)"), ip, mode != NULL ? mode : "?");
  if (mode != NULL && g_strcmp0 (mode, "None") != 0)
    return g_strdup (mode);
  return g_strdup ("");
}

static int
compare_devices (gconstpointer a,
                 gconstpointer b)
{
  const LagoonRecord *pa = *(const LagoonRecord * const *) a;
  const LagoonRecord *pb = *(const LagoonRecord * const *) b;
  int by_device = g_strcmp0 (lagoon_record_get_string (pa, LAGOON_PIF_DEVICE),
                             lagoon_record_get_string (pb, LAGOON_PIF_DEVICE));

  if (by_device != 0)
    return by_device;
  return (int) (lagoon_record_get_int (pa, LAGOON_PIF_VLAN) -
                lagoon_record_get_int (pb, LAGOON_PIF_VLAN));
}

static void
show_host (LagoonNetworkingPage *self,
           LagoonCache          *cache,
           const LagoonRecord   *host)
{
  guint n = 0;
  const LagoonRecord *const *pifs = lagoon_cache_get_referrers (cache, LAGOON_CLASS_PIF,
                                                                LAGOON_PIF_HOST,
                                                                lagoon_record_get_opaque_ref (host),
                                                                &n);
  LagoonStoreSync *sync = lagoon_store_sync_begin (self->pif_store);
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  g_autofree char *management = NULL;

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (sorted, (gpointer) pifs[i]);
  g_ptr_array_sort (sorted, compare_devices);

  for (guint i = 0; i < sorted->len; i++)
    {
      const LagoonRecord *pif = g_ptr_array_index (sorted, i);
      const char *metrics_ref = lagoon_record_get_ref (pif, LAGOON_PIF_METRICS);
      const LagoonRecord *metrics = metrics_ref != NULL
                                      ? lagoon_cache_lookup (cache, LAGOON_CLASS_PIF_METRICS,
                                                             metrics_ref)
                                      : NULL;
      g_autofree char *kind = pif_kind (cache, pif);
      g_autofree char *address = pif_address (pif);
      g_autofree char *speed = NULL;
      const char *link = "";
      const char *duplex = "";
      GtkTreeIter iter;

      if (metrics != NULL)
        {
          gint64 mbits = lagoon_record_get_int (metrics, LAGOON_PIF_METRICS_SPEED);
          gboolean carrier = lagoon_record_get_bool (metrics, LAGOON_PIF_METRICS_CARRIER);

          link = carrier ? _("Connected") : _("Disconnected");
          if (carrier && mbits > 0)
            /* Translators: a link speed, "1000 Mbit/s" */
            speed = g_strdup_printf (_("%" G_GINT64_FORMAT " Mbit/s"), mbits);
          if (carrier)
            duplex = lagoon_record_get_bool (metrics, LAGOON_PIF_METRICS_DUPLEX) ? _("Full")
                                                                                  : _("Half");
        }
      if (lagoon_record_get_bool (pif, LAGOON_PIF_MANAGEMENT))
        {
          g_free (management);
          /* Translators: "Management interface: eth0, 10.0.0.5 (DHCP)" */
          management = g_strdup_printf (_("Management interface: %s, %s"),
                                        lagoon_record_get_string (pif, LAGOON_PIF_DEVICE),
                                        address[0] != '\0' ? address : _("no address"));
        }
      lagoon_store_sync_row (sync, lagoon_record_get_opaque_ref (pif), &iter);
      gtk_list_store_set (self->pif_store, &iter,
                          PIF_DEVICE, lagoon_record_get_string (pif, LAGOON_PIF_DEVICE),
                          PIF_KIND, kind,
                          PIF_MAC, lagoon_record_get_string (pif, LAGOON_PIF_MAC),
                          PIF_LINK, link,
                          PIF_SPEED, speed != NULL ? speed : "",
                          PIF_DUPLEX, duplex,
                          PIF_NETWORK,
                          lagoon_page_ref_name (cache, lagoon_record_get_ref (pif,
                                                                              LAGOON_PIF_NETWORK)),
                          PIF_ADDRESS, address,
                          PIF_MANAGEMENT, lagoon_record_get_bool (pif, LAGOON_PIF_MANAGEMENT),
                          -1);
    }
  lagoon_store_sync_end (sync);
  gtk_label_set_text (self->management, management != NULL
                                          ? management
                                          : _("Management interface: none"));
}

/* ---- a pool -------------------------------------------------------------------------------- */

static void
show_pool (LagoonNetworkingPage *self,
           LagoonCache          *cache)
{
  g_autoptr(GPtrArray) networks = guest_networks (cache);
  LagoonStoreSync *sync = lagoon_store_sync_begin (self->net_store);

  for (guint i = 0; i < networks->len; i++)
    {
      const LagoonRecord *net = g_ptr_array_index (networks, i);
      const char *ref = lagoon_record_get_opaque_ref (net);
      guint n_pifs = 0, n_vifs = 0;
      const LagoonRecord *const *pifs = lagoon_cache_get_referrers (cache, LAGOON_CLASS_PIF,
                                                                    LAGOON_PIF_NETWORK, ref,
                                                                    &n_pifs);
      g_autoptr(GPtrArray) devices = g_ptr_array_new ();
      g_autofree char *vlan = NULL;
      g_autofree char *nics = NULL;
      g_autofree char *joined = NULL;
      g_autofree char *mtu = NULL;
      GtkTreeIter iter;

      lagoon_cache_get_referrers (cache, LAGOON_CLASS_VIF, LAGOON_VIF_NETWORK, ref, &n_vifs);
      for (guint j = 0; j < n_pifs; j++)
        {
          const char *device = lagoon_record_get_string (pifs[j], LAGOON_PIF_DEVICE);
          gint64 tag = lagoon_record_get_int (pifs[j], LAGOON_PIF_VLAN);
          gboolean seen = FALSE;

          if (tag >= 0 && vlan == NULL)
            vlan = g_strdup_printf ("%" G_GINT64_FORMAT, tag);
          for (guint k = 0; k < devices->len && !seen; k++)
            seen = g_strcmp0 (g_ptr_array_index (devices, k), device) == 0;
          if (!seen)
            g_ptr_array_add (devices, (gpointer) device);
        }
      g_ptr_array_add (devices, NULL);
      joined = g_strjoinv (", ", (char **) devices->pdata);
      /* Translators: a network's NICs, "eth0 (3 servers)" */
      nics = n_pifs > 0
               ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s (%u server)",
                                               "%s (%u servers)", n_pifs), joined, n_pifs)
               : g_strdup (_("None (private)"));
      mtu = g_strdup_printf ("%" G_GINT64_FORMAT, lagoon_record_get_int (net, LAGOON_NETWORK_MTU));
      lagoon_store_sync_row (sync, ref, &iter);
      gtk_list_store_set (self->net_store, &iter,
                          NET_NAME, lagoon_record_get_name (net),
                          NET_DESCRIPTION,
                          lagoon_record_get_string (net, LAGOON_NETWORK_NAME_DESCRIPTION),
                          NET_VLAN, vlan != NULL ? vlan : "–",
                          NET_MTU, mtu,
                          NET_NICS, nics,
                          NET_VIFS, n_vifs,
                          NET_AUTO, g_strcmp0 (lagoon_record_map_lookup (
                                                 net, LAGOON_NETWORK_OTHER_CONFIG, "automatic"),
                                               "false") != 0,
                          -1);
    }
  lagoon_store_sync_end (sync);
}

static void
lagoon_networking_page_refresh (LagoonNetworkingPage *self)
{
  LagoonCache *cache = lagoon_page_get_cache (self->server);
  const LagoonRecord *rec;
  gint64 started = g_get_monotonic_time ();

  if (cache == NULL || self->ref == NULL)
    return;
  rec = lagoon_cache_lookup (cache, (LagoonClassId) self->class_id, self->ref);
  if (rec == NULL)
    return;
  switch (self->class_id)
    {
    case LAGOON_CLASS_VM:
      show_vm (self, cache, rec);
      break;
    case LAGOON_CLASS_HOST:
      show_host (self, cache, rec);
      break;
    case LAGOON_CLASS_POOL:
      show_pool (self, cache);
      break;
    default:
      break;
    }
  g_debug ("%s: refreshed in %" G_GINT64_FORMAT " µs", self->ref,
           g_get_monotonic_time () - started);
}

/* ---- commands ------------------------------------------------------------------------------ */

typedef struct
{
  LagoonServer *server;
  char         *vm;
  char         *vif;
  char         *device;
  char         *network;
  char         *mac;
  gint64        mtu;
  gboolean      plug;  /* plug the new interface (when the VM runs by then) */
} VifJob;

static VifJob *
vif_job_new (LagoonServer *server,
             const char   *vm)
{
  VifJob *job = g_new0 (VifJob, 1);

  job->server = g_object_ref (server);
  job->vm = g_strdup (vm);
  return job;
}

static void
vif_job_free (gpointer data)
{
  VifJob *job = data;

  g_clear_object (&job->server);
  g_free (job->vm);
  g_free (job->vif);
  g_free (job->device);
  g_free (job->network);
  g_free (job->mac);
  g_free (job);
}

static GVariant *
vif_record (VifJob *job)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "device", g_variant_new_string (job->device));
  g_variant_builder_add (&b, "{sv}", "network", g_variant_new_string (job->network));
  g_variant_builder_add (&b, "{sv}", "VM", g_variant_new_string (job->vm));
  g_variant_builder_add (&b, "{sv}", "MAC", g_variant_new_string (job->mac ? job->mac : ""));
  g_variant_builder_add (&b, "{sv}", "MTU", g_variant_new_int64 (job->mtu));
  g_variant_builder_add (&b, "{sv}", "other_config",
                         g_variant_new_array (G_VARIANT_TYPE ("{ss}"), NULL, 0));
  g_variant_builder_add (&b, "{sv}", "qos_algorithm_type", g_variant_new_string (""));
  g_variant_builder_add (&b, "{sv}", "qos_algorithm_params",
                         g_variant_new_array (G_VARIANT_TYPE ("{ss}"), NULL, 0));
  g_variant_builder_add (&b, "{sv}", "locking_mode", g_variant_new_string ("network_default"));
  g_variant_builder_add (&b, "{sv}", "ipv4_allowed", g_variant_new_strv (NULL, 0));
  g_variant_builder_add (&b, "{sv}", "ipv6_allowed", g_variant_new_strv (NULL, 0));
  return g_variant_new ("(@a{sv})", g_variant_builder_end (&b));
}

static GVariant *
build_vif_plug (GVariant *previous,
                gpointer  data)
{
  VifJob *job = data;

  if (previous == NULL || !g_variant_is_of_type (previous, G_VARIANT_TYPE_STRING))
    return NULL;
  g_free (job->vif);
  job->vif = g_variant_dup_string (previous, NULL);
  return g_variant_new ("(s)", job->vif);
}

static gboolean
no_plug (gpointer data)
{
  VifJob *job = data;
  LagoonCache *cache = lagoon_page_get_cache (job->server);
  const LagoonRecord *vm = cache != NULL ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM, job->vm)
                                         : NULL;

  return !job->plug || vm == NULL || !vm_running (vm);
}

/* Unplugging is needed only while the interface is plugged (looked at when the step comes). */
static gboolean
vif_not_attached (gpointer data)
{
  VifJob *job = data;
  LagoonCache *cache = lagoon_page_get_cache (job->server);
  const LagoonRecord *vif = cache != NULL ? lagoon_cache_lookup (cache, LAGOON_CLASS_VIF,
                                                                 job->vif)
                                          : NULL;

  return vif == NULL || !lagoon_record_get_bool (vif, LAGOON_VIF_CURRENTLY_ATTACHED);
}

static GVariant *
build_same_vif (GVariant *previous,
                gpointer  data)
{
  return g_variant_new ("(s)", ((VifJob *) data)->vif);
}

static GVariant *
build_vif_create (GVariant *previous,
                  gpointer  data)
{
  return vif_record (data);
}

static const LagoonPageStep add_steps[] = {
  { N_("Add network interface"), "VIF.create", build_vif_create, NULL },
  { N_("Plug network interface"), "VIF.plug", build_vif_plug, no_plug },
};

static const LagoonPageStep remove_steps[] = {
  { N_("Unplug network interface"), "VIF.unplug", build_same_vif, vif_not_attached },
  { N_("Remove network interface"), "VIF.destroy", build_same_vif, NULL },
};

/* Properties: the interface is replaced (its network and MAC are fixed once created). */
static const LagoonPageStep replace_steps[] = {
  { N_("Unplug network interface"), "VIF.unplug", build_same_vif, vif_not_attached },
  { N_("Remove network interface"), "VIF.destroy", build_same_vif, NULL },
  { N_("Add network interface"), "VIF.create", build_vif_create, NULL },
  { N_("Plug network interface"), "VIF.plug", build_vif_plug, no_plug },
};

typedef struct
{
  LagoonCache     *cache;
  const char      *vif;       /* the interface being changed (its MAC may stay) */
  GtkComboBoxText *network;
  GtkWidget       *auto_mac;
  GtkEntry        *mac;
  GtkLabel        *message;
  GtkWidget       *ok;
} VifDialog;

static char *
vif_dialog_problem (VifDialog *d)
{
  g_autofree char *mac = NULL;
  g_autoptr(GPtrArray) vifs = NULL;
  char *problem;

  if (gtk_combo_box_get_active_id (GTK_COMBO_BOX (d->network)) == NULL)
    return g_strdup (_("Choose a network."));
  if (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (d->auto_mac)))
    return NULL;
  mac = g_strstrip (g_strdup (gtk_entry_get_text (d->mac)));
  problem = lagoon_networking_page_check_mac (mac);
  if (problem != NULL)
    return problem;
  vifs = lagoon_cache_list (d->cache, LAGOON_CLASS_VIF);
  for (guint i = 0; i < vifs->len; i++)
    {
      const LagoonRecord *other = g_ptr_array_index (vifs, i);

      if (g_strcmp0 (lagoon_record_get_opaque_ref (other), d->vif) != 0 &&
          g_ascii_strcasecmp (lagoon_record_get_string (other, LAGOON_VIF_MAC), mac) == 0)
        {
          const char *vm = lagoon_page_ref_name (d->cache,
                                                 lagoon_record_get_ref (other, LAGOON_VIF_VM));

          /* Translators: %s is a VM's name */
          return g_strdup_printf (_("This MAC address is already used by an interface of %s."),
                                  vm);
        }
    }
  return NULL;
}

static void
vif_dialog_validate (VifDialog *d)
{
  g_autofree char *problem = vif_dialog_problem (d);

  gtk_widget_set_sensitive (GTK_WIDGET (d->mac),
                            !gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (d->auto_mac)));
  gtk_label_set_text (d->message, problem != NULL ? problem : "");
  gtk_widget_set_visible (GTK_WIDGET (d->message), problem != NULL);
  gtk_widget_set_sensitive (d->ok, problem == NULL);
}

static void
on_vif_dialog_changed (GtkWidget *widget,
                       VifDialog *d)
{
  vif_dialog_validate (d);
}

/* Add (@vif NULL) or Properties; fills @job's network and MAC. */
static gboolean
run_vif_dialog (LagoonNetworkingPage *self,
                LagoonCache          *cache,
                const LagoonRecord   *vif,
                VifJob               *job)
{
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
  g_autoptr(GPtrArray) networks = guest_networks (cache);
  GtkWidget *dialog, *content, *grid, *label, *given;
  VifDialog d = { 0 };
  const char *title = vif == NULL ? _("Add Virtual Interface")
                                  : _("Virtual Interface Properties");
  int response;

  d.cache = cache;
  d.vif = vif != NULL ? lagoon_record_get_opaque_ref (vif) : NULL;
  dialog = gtk_dialog_new_with_buttons (title,
                                        GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel) : NULL,
                                        GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                        _("_Cancel"), GTK_RESPONSE_CANCEL, NULL);
  lagoon_page_set_accessible (dialog, title);
  d.ok = gtk_dialog_add_button (GTK_DIALOG (dialog), vif == NULL ? _("_Add") : _("_OK"),
                                GTK_RESPONSE_OK);
  lagoon_page_set_accessible (d.ok, vif == NULL ? _("Add") : _("OK"));
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_OK);
  content = gtk_dialog_get_content_area (GTK_DIALOG (dialog));
  gtk_container_set_border_width (GTK_CONTAINER (content), 12);
  gtk_box_set_spacing (GTK_BOX (content), 12);

  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_container_add (GTK_CONTAINER (content), grid);

  label = gtk_label_new_with_mnemonic (_("_Network"));
  gtk_label_set_xalign (GTK_LABEL (label), 1.0);
  d.network = GTK_COMBO_BOX_TEXT (gtk_combo_box_text_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (d.network), TRUE);
  lagoon_page_set_accessible (GTK_WIDGET (d.network), _("Network"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (d.network));
  for (guint i = 0; i < networks->len; i++)
    {
      const LagoonRecord *net = g_ptr_array_index (networks, i);

      gtk_combo_box_text_append (d.network, lagoon_record_get_opaque_ref (net),
                                 lagoon_record_get_name (net));
    }
  if (vif == NULL ||
      !gtk_combo_box_set_active_id (GTK_COMBO_BOX (d.network),
                                    lagoon_record_get_ref (vif, LAGOON_VIF_NETWORK)))
    gtk_combo_box_set_active (GTK_COMBO_BOX (d.network), 0);
  gtk_grid_attach (GTK_GRID (grid), label, 0, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (d.network), 1, 0, 2, 1);

  d.auto_mac = gtk_radio_button_new_with_mnemonic (NULL, _("_Autogenerate a MAC address"));
  lagoon_page_set_accessible (d.auto_mac, _("Autogenerate a MAC address"));
  given = gtk_radio_button_new_with_mnemonic_from_widget (GTK_RADIO_BUTTON (d.auto_mac),
                                                          _("_Use this MAC address:"));
  lagoon_page_set_accessible (given, _("Use this MAC address"));
  d.mac = GTK_ENTRY (gtk_entry_new ());
  gtk_entry_set_placeholder_text (d.mac, "0a:1b:2c:3d:4e:5f");
  gtk_entry_set_activates_default (d.mac, TRUE);
  lagoon_page_set_accessible (GTK_WIDGET (d.mac), _("MAC address"));
  if (vif != NULL)
    {
      gtk_entry_set_text (d.mac, lagoon_record_get_string (vif, LAGOON_VIF_MAC));
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (given), TRUE);
    }
  gtk_grid_attach (GTK_GRID (grid), d.auto_mac, 0, 1, 3, 1);
  gtk_grid_attach (GTK_GRID (grid), given, 0, 2, 2, 1);
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (d.mac), 2, 2, 1, 1);

  d.message = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (d.message, 0.0);
  gtk_label_set_line_wrap (d.message, TRUE);
  gtk_label_set_max_width_chars (d.message, 50);
  gtk_style_context_add_class (gtk_widget_get_style_context (GTK_WIDGET (d.message)), "error");
  gtk_container_add (GTK_CONTAINER (content), GTK_WIDGET (d.message));

  g_signal_connect (d.network, "changed", G_CALLBACK (on_vif_dialog_changed), &d);
  g_signal_connect (d.auto_mac, "toggled", G_CALLBACK (on_vif_dialog_changed), &d);
  g_signal_connect (d.mac, "changed", G_CALLBACK (on_vif_dialog_changed), &d);
  gtk_widget_show_all (content);
  vif_dialog_validate (&d);

  while (TRUE)
    {
      g_autofree char *problem = NULL;

      response = gtk_dialog_run (GTK_DIALOG (dialog));
      if (response != GTK_RESPONSE_OK)
        break;
      vif_dialog_validate (&d);
      problem = vif_dialog_problem (&d);
      if (problem == NULL)
        break;
    }
  if (response == GTK_RESPONSE_OK)
    {
      const char *net_ref = gtk_combo_box_get_active_id (GTK_COMBO_BOX (d.network));
      const LagoonRecord *net = lagoon_cache_lookup (cache, LAGOON_CLASS_NETWORK, net_ref);

      job->network = g_strdup (net_ref);
      job->mtu = net != NULL ? lagoon_record_get_int (net, LAGOON_NETWORK_MTU) : 1500;
      if (job->mtu <= 0)
        job->mtu = 1500;
      if (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (d.auto_mac)))
        job->mac = g_strdup ("");
      else
        {
          g_autofree char *typed = g_strstrip (g_strdup (gtk_entry_get_text (d.mac)));

          job->mac = g_ascii_strdown (typed, -1);
        }
      /* xapi wants colons. */
      g_strdelimit (job->mac, "-", ':');
    }
  gtk_widget_destroy (dialog);
  return response == GTK_RESPONSE_OK;
}

static void
on_add_clicked (GtkButton            *button,
                LagoonNetworkingPage *self)
{
  LagoonCache *cache = lagoon_page_get_cache (self->server);
  const LagoonRecord *vm = cache != NULL && self->ref != NULL
                             ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM, self->ref) : NULL;
  g_autoptr(LagoonServer) server = NULL;
  VifJob *job;

  if (vm == NULL)
    return;
  server = g_object_ref (self->server);
  job = vif_job_new (server, self->ref);
  job->device = free_device (cache, self->ref);
  job->plug = TRUE;
  if (!run_vif_dialog (self, cache, NULL, job))
    {
      vif_job_free (job);
      return;
    }
  lagoon_page_run_steps (server, _("Add network interface"), job->vm,
                         add_steps, G_N_ELEMENTS (add_steps), job,
                         vif_job_free);
}

static void
on_remove_clicked (GtkButton            *button,
                   LagoonNetworkingPage *self)
{
  LagoonCache *cache = lagoon_page_get_cache (self->server);
  const LagoonRecord *vm = cache != NULL && self->ref != NULL
                             ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM, self->ref) : NULL;
  const LagoonRecord *vif = vm != NULL ? selected_vif (self, cache) : NULL;
  g_autoptr(LagoonServer) server = NULL;
  g_autofree char *primary = NULL;
  const char *network;
  VifJob *job;

  if (vif == NULL)
    return;
  server = g_object_ref (self->server);
  job = vif_job_new (server, self->ref);
  job->vif = g_strdup (lagoon_record_get_opaque_ref (vif));
  /* Translators: %s is an interface's device number, %s its network */
  network = lagoon_page_ref_name (cache, lagoon_record_get_ref (vif, LAGOON_VIF_NETWORK));
  primary = g_strdup_printf (_("Remove interface %s on “%s”?"),
                             lagoon_record_get_string (vif, LAGOON_VIF_DEVICE), network);
  if (!lagoon_page_confirm (GTK_WIDGET (self), primary,
                            _("The VM loses this network connection."), _("_Remove")))
    {
      vif_job_free (job);
      return;
    }
  lagoon_page_run_steps (server, _("Remove network interface"), job->vm,
                         remove_steps, G_N_ELEMENTS (remove_steps), job,
                         vif_job_free);
}

static void
on_properties_clicked (GtkButton            *button,
                       LagoonNetworkingPage *self)
{
  LagoonCache *cache = lagoon_page_get_cache (self->server);
  const LagoonRecord *vm = cache != NULL && self->ref != NULL
                             ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM, self->ref) : NULL;
  const LagoonRecord *vif = vm != NULL ? selected_vif (self, cache) : NULL;
  g_autoptr(LagoonServer) server = NULL;
  g_autofree char *old_network = NULL;
  g_autofree char *old_mac = NULL;
  VifJob *job;

  if (vif == NULL)
    return;
  server = g_object_ref (self->server);
  job = vif_job_new (server, self->ref);
  job->vif = g_strdup (lagoon_record_get_opaque_ref (vif));
  job->device = g_strdup (lagoon_record_get_string (vif, LAGOON_VIF_DEVICE));
  old_network = g_strdup (lagoon_record_get_ref (vif, LAGOON_VIF_NETWORK));
  old_mac = g_strdup (lagoon_record_get_string (vif, LAGOON_VIF_MAC));
  /* The new interface is plugged when the old one was. */
  job->plug = lagoon_record_get_bool (vif, LAGOON_VIF_CURRENTLY_ATTACHED);
  if (!run_vif_dialog (self, cache, vif, job) ||
      (g_strcmp0 (job->network, old_network) == 0 &&
       g_ascii_strcasecmp (job->mac, old_mac) == 0))
    {
      vif_job_free (job);
      return;
    }
  lagoon_page_run_steps (server, _("Change network interface"), job->vm,
                         replace_steps, G_N_ELEMENTS (replace_steps), job,
                         vif_job_free);
}

static void
on_vif_selection_changed (GtkTreeSelection     *selection,
                          LagoonNetworkingPage *self)
{
  update_vif_buttons (self);
}

static void
on_vif_row_activated (GtkTreeView          *view,
                      GtkTreePath          *path,
                      GtkTreeViewColumn    *column,
                      LagoonNetworkingPage *self)
{
  if (gtk_widget_get_sensitive (self->properties_button))
    gtk_button_clicked (GTK_BUTTON (self->properties_button));
}

/* ---- LagoonTab --------------------------------------------------------------------------- */

static gboolean
lagoon_networking_page_handles (LagoonTab *tab,
                                int        class_id)
{
  return class_id == LAGOON_CLASS_VM || class_id == LAGOON_CLASS_HOST ||
         class_id == LAGOON_CLASS_POOL;
}

static void
lagoon_networking_page_set_object (LagoonTab    *tab,
                                   LagoonServer *server,
                                   int           class_id,
                                   const char   *ref)
{
  LagoonNetworkingPage *self = LAGOON_NETWORKING_PAGE (tab);
  gboolean same = server == self->server && class_id == self->class_id &&
                  g_strcmp0 (ref, self->ref) == 0;

  g_set_object (&self->server, server);
  self->class_id = class_id;
  g_free (self->ref);
  self->ref = g_strdup (ref);
  if (!same)
    {
      gtk_list_store_clear (self->vif_store);
      gtk_list_store_clear (self->pif_store);
      gtk_list_store_clear (self->net_store);
    }
  switch (class_id)
    {
    case LAGOON_CLASS_VM:
      gtk_stack_set_visible_child_name (self->stack, "vm");
      break;
    case LAGOON_CLASS_HOST:
      gtk_stack_set_visible_child_name (self->stack, "host");
      break;
    case LAGOON_CLASS_POOL:
      gtk_stack_set_visible_child_name (self->stack, "pool");
      break;
    default:
      break;
    }
  lagoon_networking_page_refresh (self);
}

static void
lagoon_networking_page_batch (LagoonTab        *tab,
                              LagoonCache      *cache,
                              LagoonCacheBatch *batch)
{
  LagoonNetworkingPage *self = LAGOON_NETWORKING_PAGE (tab);
  gboolean relevant = FALSE;

  if (self->ref == NULL)
    return;
  relevant = lagoon_cache_batch_has_class (batch, LAGOON_CLASS_NETWORK) ||
             lagoon_cache_batch_has_class (batch, LAGOON_CLASS_VIF) ||
             lagoon_cache_batch_has_class (batch, LAGOON_CLASS_PIF);
  if (self->class_id == LAGOON_CLASS_VM)
    relevant = relevant ||
               lagoon_cache_batch_lookup (batch, LAGOON_CLASS_VM, self->ref) !=
                 LAGOON_CHANGE_NONE ||
               lagoon_cache_batch_has_class (batch, LAGOON_CLASS_VM_GUEST_METRICS);
  else if (self->class_id == LAGOON_CLASS_HOST)
    relevant = relevant || lagoon_cache_batch_has_class (batch, LAGOON_CLASS_PIF_METRICS) ||
               lagoon_cache_batch_has_class (batch, LAGOON_CLASS_BOND) ||
               lagoon_cache_batch_has_class (batch, LAGOON_CLASS_VLAN);
  if (relevant)
    lagoon_networking_page_refresh (self);
}

static void
lagoon_networking_page_tab_init (LagoonTabInterface *iface)
{
  iface->handles = lagoon_networking_page_handles;
  iface->set_object = lagoon_networking_page_set_object;
  iface->batch = lagoon_networking_page_batch;
}

GtkWidget *
lagoon_networking_page_new (void)
{
  return g_object_new (LAGOON_TYPE_NETWORKING_PAGE, NULL);
}

static void
lagoon_networking_page_dispose (GObject *object)
{
  LagoonNetworkingPage *self = LAGOON_NETWORKING_PAGE (object);

  g_clear_object (&self->server);
  g_clear_pointer (&self->ref, g_free);
  g_clear_object (&self->vif_store);
  g_clear_object (&self->pif_store);
  g_clear_object (&self->net_store);
  G_OBJECT_CLASS (lagoon_networking_page_parent_class)->dispose (object);
}

static void
lagoon_networking_page_class_init (LagoonNetworkingPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = lagoon_networking_page_dispose;
}


static GtkWidget *
build_vm (LagoonNetworkingPage *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *scrolled;
  GtkTreeView *view;

  gtk_container_add (GTK_CONTAINER (box),
                     lagoon_page_heading_new (_("Virtual network interfaces")));
  self->vif_store = gtk_list_store_new (VIF_N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT,
                                        G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                        G_TYPE_BOOLEAN);
  gtk_tree_sortable_set_sort_column_id (GTK_TREE_SORTABLE (self->vif_store), VIF_DEVICE_KEY,
                                        GTK_SORT_ASCENDING);
  scrolled = lagoon_page_tree_new (GTK_TREE_MODEL (self->vif_store),
                                   _("Virtual network interfaces"), &view);
  self->vif_view = view;
  lagoon_page_add_text_column (view, _("Device"), VIF_DEVICE, VIF_DEVICE_KEY);
  lagoon_page_add_text_column (view, _("MAC"), VIF_MAC, -1);
  lagoon_page_add_text_column (view, _("Network"), VIF_NETWORK, -1);
  lagoon_page_add_text_column (view, _("IP addresses"), VIF_IPS, -1);
  lagoon_page_add_check_column (view, _("Attached"), VIF_ATTACHED);
  g_signal_connect (gtk_tree_view_get_selection (view), "changed",
                    G_CALLBACK (on_vif_selection_changed), self);
  gtk_container_add (GTK_CONTAINER (box), scrolled);

  self->add_button = lagoon_page_add_button (buttons, _("_Add Interface…"),
                                             G_CALLBACK (on_add_clicked), self);
  self->remove_button = lagoon_page_add_button (buttons, _("_Remove Interface"),
                                                G_CALLBACK (on_remove_clicked), self);
  self->properties_button = lagoon_page_add_button (buttons, _("_Properties…"),
                                                    G_CALLBACK (on_properties_clicked), self);
  lagoon_page_set_accessible (self->properties_button, _("Interface properties"));
  gtk_container_add (GTK_CONTAINER (box), buttons);
  {
    GtkWidget *menu[] = { self->add_button, self->remove_button, self->properties_button, NULL };

    lagoon_page_add_row_menu (self->vif_view, menu, self->remove_button);
  }
  g_signal_connect (view, "row-activated", G_CALLBACK (on_vif_row_activated), self);
  return box;
}

static GtkWidget *
build_host (LagoonNetworkingPage *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *scrolled;
  GtkTreeView *view;

  gtk_container_add (GTK_CONTAINER (box), lagoon_page_heading_new (_("Server interfaces")));
  self->management = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->management, 0.0);
  gtk_label_set_selectable (self->management, TRUE);
  gtk_widget_set_can_focus (GTK_WIDGET (self->management), FALSE);
  gtk_container_add (GTK_CONTAINER (box), GTK_WIDGET (self->management));
  self->pif_store = gtk_list_store_new (PIF_N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING,
                                        G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                        G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                        G_TYPE_STRING, G_TYPE_BOOLEAN);
  gtk_tree_sortable_set_sort_column_id (GTK_TREE_SORTABLE (self->pif_store), PIF_DEVICE,
                                        GTK_SORT_ASCENDING);
  scrolled = lagoon_page_tree_new (GTK_TREE_MODEL (self->pif_store),
                                   _("Physical network interfaces"), &view);
  lagoon_page_add_text_column (view, _("Device"), PIF_DEVICE, -1);
  lagoon_page_add_text_column (view, _("Kind"), PIF_KIND, -1);
  lagoon_page_add_text_column (view, _("MAC"), PIF_MAC, -1);
  lagoon_page_add_text_column (view, _("Link"), PIF_LINK, -1);
  lagoon_page_add_text_column (view, _("Speed"), PIF_SPEED, -1);
  lagoon_page_add_text_column (view, _("Duplex"), PIF_DUPLEX, -1);
  lagoon_page_add_text_column (view, _("Network"), PIF_NETWORK, -1);
  lagoon_page_add_text_column (view, _("IP address"), PIF_ADDRESS, -1);
  lagoon_page_add_check_column (view, _("Management"), PIF_MANAGEMENT);
  gtk_container_add (GTK_CONTAINER (box), scrolled);
  return box;
}

static GtkWidget *
build_pool (LagoonNetworkingPage *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *scrolled;
  GtkTreeView *view;

  gtk_container_add (GTK_CONTAINER (box), lagoon_page_heading_new (_("Networks")));
  self->net_store = gtk_list_store_new (NET_N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING,
                                        G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                        G_TYPE_STRING, G_TYPE_UINT, G_TYPE_BOOLEAN);
  gtk_tree_sortable_set_sort_column_id (GTK_TREE_SORTABLE (self->net_store), NET_NAME,
                                        GTK_SORT_ASCENDING);
  scrolled = lagoon_page_tree_new (GTK_TREE_MODEL (self->net_store), _("Networks"), &view);
  lagoon_page_add_name_column (view, _("Name"), NET_NAME);
  lagoon_page_add_note_column (view, _("Description"), NET_DESCRIPTION);
  lagoon_page_add_text_column (view, _("VLAN"), NET_VLAN, -1);
  lagoon_page_add_text_column (view, _("MTU"), NET_MTU, -1);
  lagoon_page_add_text_column (view, _("NICs"), NET_NICS, -1);
  lagoon_page_add_text_column (view, _("VM interfaces"), NET_VIFS, -1);
  lagoon_page_add_check_column (view, _("Automatic"), NET_AUTO);
  gtk_container_add (GTK_CONTAINER (box), scrolled);
  return box;
}

static void
lagoon_networking_page_init (LagoonNetworkingPage *self)
{
  GtkWidget *stack = gtk_stack_new ();

  self->class_id = -1;
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_container_set_border_width (GTK_CONTAINER (self), 12);
  self->stack = GTK_STACK (stack);
  /* Each view is as wide as it needs, not as the widest. */
  gtk_stack_set_hhomogeneous (self->stack, FALSE);
  gtk_stack_add_named (self->stack, build_vm (self), "vm");
  gtk_stack_add_named (self->stack, build_host (self), "host");
  gtk_stack_add_named (self->stack, build_pool (self), "pool");
  gtk_widget_set_vexpand (stack, TRUE);
  gtk_container_add (GTK_CONTAINER (self), stack);
  gtk_widget_show_all (stack);
}
