/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sim-storage.c: SRs, PBDs, VDIs and VBDs as xapi and its SM drivers behave on the wire.
 *
 * The storage the SRs live on is simulated: NFS filers export a few paths, iSCSI targets
 * offer one IQN with two LUNs, local devices are any /dev path, ISO libraries are either a
 * fixed list on a remote share or the real *.iso files of a local directory. Hosts whose
 * name starts with "unreachable" or ends in ".invalid" answer nothing. The SRs created on
 * each place are remembered for SR.probe even after SR.forget, as the storage would.
 */
#define G_LOG_DOMAIN "xapi-sim"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "sim-ops.h"

#define KiB ((gint64) 1024)
#define MiB (KiB * 1024)
#define GiB (MiB * 1024)
#define TiB (GiB * 1024)

/* ---- small helpers ----------------------------------------------------------------------- */

/* The refs of a set field, copied (the set may change while the caller walks them). */
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

/* Walks the refs of a set field without copying them; the database must not change meanwhile.
 * Returns the next live object (of any class), NULL at the end. */
static SimObject *
ref_iter_next (SimDb        *db,
               GVariantIter *iter)
{
  GVariant *v;

  while ((v = g_variant_iter_next_value (iter)))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (v);
      SimObject *obj = g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING)
                       ? sim_db_lookup (db, g_variant_get_string (inner, NULL)) : NULL;

      g_variant_unref (v);
      if (obj != NULL)
        return obj;
    }
  return NULL;
}

/* A string value of a (string -> string) map or a record, NULL when absent. */
static const char *
map_get (GVariant   *map,
         const char *key)
{
  const char *s = NULL;

  if (map == NULL || !g_variant_is_of_type (map, G_VARIANT_TYPE_VARDICT))
    return NULL;
  if (!g_variant_lookup (map, key, "&s", &s))
    return NULL;
  return s;
}

/* A string of a map or record, "" when absent. */
static const char *
rec_str (GVariant   *rec,
         const char *key)
{
  const char *s = map_get (rec, key);

  return s != NULL ? s : "";
}

/* Like map_get, but "" for absent keys and empty values are treated as missing (SM does). */
static const char *
dconf_get (GVariant   *map,
           const char *key)
{
  const char *s = map_get (map, key);

  return s != NULL && *s != '\0' ? s : NULL;
}

static gboolean
rec_bool (GVariant   *rec,
          const char *key,
          gboolean    fallback)
{
  gboolean v;

  if (g_variant_lookup (rec, key, "b", &v))
    return v;
  return fallback;
}

/* A new map from key/value pairs, NULL-terminated. */
static GVariant *
map_new (const char *first_key,
         ...)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  va_list ap;

  va_start (ap, first_key);
  for (const char *k = first_key; k != NULL; k = va_arg (ap, const char *))
    {
      const char *v = va_arg (ap, const char *);
      g_variant_builder_add (&b, "{sv}", k, g_variant_new_string (v));
    }
  va_end (ap);
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

static char *
int_string (gint64 v)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, v);
}

/* SR_BACKEND_FAILURE_<n> [status, message, stderr] as xapi turns an SM error into. */
static void
backend_fail (SimCall    *call,
              guint       code,
              const char *message,
              const char *detail)
{
  g_autofree char *name = g_strdup_printf ("SR_BACKEND_FAILURE_%u", code);

  sim_fail (call, name, "", message, detail != NULL ? detail : "", NULL);
}

static gboolean
host_unreachable (const char *name)
{
  return g_str_has_prefix (name, "unreachable") || g_str_has_suffix (name, ".invalid");
}

static void
xml_text (GString    *out,
          const char *indent,
          const char *tag,
          const char *text)
{
  g_string_append_printf (out, "%s<%s>", indent, tag);
  sim_xml_escape (out, text);
  g_string_append_printf (out, "</%s>\n", tag);
}

static SimDb *
call_db (SimCall *call)
{
  return sim_server_get_db (call->server);
}

/* ---- the simulated storage --------------------------------------------------------------- */

typedef struct
{
  const char *path;
  gint64      size;
} NfsExport;

static const NfsExport nfs_exports[] = {
  { "/export/lagoon/vms", 8 * TiB },
  { "/export/lagoon/iso", 2 * TiB },
  { "/export/scratch", 512 * GiB },
};

typedef struct
{
  guint       lun;
  const char *scsi_id;
  const char *serial;
  gint64      size;
} IscsiLun;

static const IscsiLun iscsi_luns[] = {
  { 0, "36001405a7c3e2b1f4d5c6b7a8091a2b0", "a7c3e2b1-f4d5-4c6b", 500 * GiB },
  { 1, "36001405a7c3e2b1f4d5c6b7a8091a2b1", "a7c3e2b1-f4d5-4c6c", 2 * TiB },
};

static const char *const remote_isos[] = {
  "debian-12.8.0-amd64-netinst.iso", "ubuntu-24.04.1-live-server-amd64.iso",
  "AlmaLinux-9.5-x86_64-minimal.iso", "Win11_24H2_English_x64.iso",
};

static char *
iscsi_iqn (const char *target)
{
  g_autofree char *host = g_strdelimit (g_strdup (target), ".:", '-');

  return g_strdup_printf ("iqn.2026-01.dev.lagoon.san:%s", host);
}

/* What each place of storage holds: "kind|where" -> GPtrArray of SR uuids. */
typedef struct
{
  GHashTable *srs;
} Backend;

static GHashTable *backends; /* SimDb * -> Backend *; under the db lock */

static GPtrArray *
backend_srs (SimDb      *db,
             const char *key)
{
  Backend *b;
  GPtrArray *list;

  if (backends == NULL)
    backends = g_hash_table_new (g_direct_hash, g_direct_equal);
  b = g_hash_table_lookup (backends, db);
  if (b == NULL)
    {
      b = g_new0 (Backend, 1);
      b->srs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) g_ptr_array_unref);
      g_hash_table_insert (backends, db, b);
    }
  list = g_hash_table_lookup (b->srs, key);
  if (list == NULL)
    {
      list = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (b->srs, g_strdup (key), list);
    }
  return list;
}

static void
backend_forget_uuid (SimDb      *db,
                     const char *uuid)
{
  Backend *b = backends != NULL ? g_hash_table_lookup (backends, db) : NULL;
  GHashTableIter iter;
  GPtrArray *list;

  if (b == NULL)
    return;
  g_hash_table_iter_init (&iter, b->srs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &list))
    for (guint i = 0; i < list->len; i++)
      if (g_str_equal (g_ptr_array_index (list, i), uuid))
        g_ptr_array_remove_index (list, i--);
}

static void
srlist_xml (GString   *out,
            GPtrArray *uuids)
{
  g_string_append (out, "<?xml version=\"1.0\" ?>\n<SRlist>\n");
  for (guint i = 0; i < uuids->len; i++)
    {
      g_string_append (out, "\t<SR>\n");
      xml_text (out, "\t\t", "UUID", g_ptr_array_index (uuids, i));
      g_string_append (out, "\t</SR>\n");
    }
  g_string_append (out, "</SRlist>\n");
}

typedef enum {
  BACKEND_CREATE,
  BACKEND_PROBE,
  BACKEND_ATTACH,
} BackendMode;

typedef struct
{
  gint64   size;      /* physical_size of the SR */
  char    *key;       /* where it lives, for the SR list */
  GString *probe;     /* PROBE: the XML answer */
} BackendResult;

static void
backend_result_clear (BackendResult *r)
{
  g_clear_pointer (&r->key, g_free);
  if (r->probe != NULL)
    g_string_free (g_steal_pointer (&r->probe), TRUE);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BackendResult, backend_result_clear)

static gboolean
backend_nfs (SimCall       *call,
             GVariant      *dconf,
             BackendMode    mode,
             BackendResult *r)
{
  const char *server = dconf_get (dconf, "server");
  const char *path = dconf_get (dconf, "serverpath");
  const char *version = dconf_get (dconf, "nfsversion");
  const NfsExport *export = NULL;

  if (server == NULL)
    {
      backend_fail (call, 102, "The request is missing the server parameter", NULL);
      return FALSE;
    }
  if (host_unreachable (server))
    {
      backend_fail (call, 108, "Unable to detect an NFS service on this target.", NULL);
      return FALSE;
    }
  if (path == NULL)
    {
      g_autoptr(GString) xml = g_string_new ("<?xml version=\"1.0\" ?>\n<nfs-exports>\n");

      for (guint i = 0; i < G_N_ELEMENTS (nfs_exports); i++)
        {
          g_string_append (xml, "\t<Export>\n");
          xml_text (xml, "\t\t", "Target", server);
          xml_text (xml, "\t\t", "Path", nfs_exports[i].path);
          xml_text (xml, "\t\t", "Accesslist", "*");
          g_string_append (xml, "\t</Export>\n");
        }
      g_string_append (xml, "</nfs-exports>\n");
      backend_fail (call, 101, "The request is missing the serverpath parameter", xml->str);
      return FALSE;
    }
  if (version != NULL && !g_strv_contains ((const char *const[]) { "3", "4", "4.0", "4.1", NULL },
                                           version))
    {
      backend_fail (call, 72, "Required NFS server version unsupported", version);
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (nfs_exports); i++)
    {
      gsize n = strlen (nfs_exports[i].path);

      if (g_str_has_prefix (path, nfs_exports[i].path) && (path[n] == '\0' || path[n] == '/'))
        export = &nfs_exports[i];
    }
  if (export == NULL)
    {
      g_autofree char *detail = g_strdup_printf ("mount failed on server `%s' with return code "
                                                 "32", server);
      backend_fail (call, 73, "NFS mount error", detail);
      return FALSE;
    }
  r->size = export->size;
  r->key = g_strdup_printf ("nfs|%s|%s", server, path);
  if (mode == BACKEND_PROBE)
    {
      r->probe = g_string_new (NULL);
      srlist_xml (r->probe, backend_srs (call_db (call), r->key));
    }
  return TRUE;
}

static gboolean
backend_iscsi (SimCall       *call,
               GVariant      *dconf,
               BackendMode    mode,
               BackendResult *r)
{
  const char *target = dconf_get (dconf, "target");
  const char *iqn = dconf_get (dconf, "targetIQN");
  const char *scsi_id = dconf_get (dconf, "SCSIid");
  g_autofree char *real_iqn = NULL;
  const IscsiLun *lun = NULL;

  if (target == NULL)
    {
      backend_fail (call, 95, "The request is missing the target parameter", NULL);
      return FALSE;
    }
  if (host_unreachable (target))
    {
      backend_fail (call, 141, "Unable to connect to ISCSI service on target", NULL);
      return FALSE;
    }
  real_iqn = iscsi_iqn (target);
  if (iqn == NULL)
    {
      g_autoptr(GString) xml = g_string_new ("<?xml version=\"1.0\" ?>\n<iscsi-target-iqns>\n");
      const char *iqns[] = { real_iqn, "*" };

      for (guint i = 0; i < G_N_ELEMENTS (iqns); i++)
        {
          g_autofree char *index = int_string (i);
          g_autofree char *address = g_strdup_printf ("%s:3260", target);

          g_string_append (xml, "\t<TGT>\n");
          xml_text (xml, "\t\t", "Index", index);
          xml_text (xml, "\t\t", "IPAddress", address);
          xml_text (xml, "\t\t", "TargetIQN", iqns[i]);
          g_string_append (xml, "\t</TGT>\n");
        }
      g_string_append (xml, "</iscsi-target-iqns>\n");
      backend_fail (call, 96, "The request is missing or has an incorrect target IQN parameter",
                    xml->str);
      return FALSE;
    }
  if (!g_str_equal (iqn, real_iqn) && !g_str_equal (iqn, "*"))
    {
      backend_fail (call, 68, "ISCSI login failed - check access settings for the initiator on "
                    "the storage, if CHAP is used verify CHAP credentials", NULL);
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (iscsi_luns); i++)
    if (scsi_id != NULL && g_str_equal (scsi_id, iscsi_luns[i].scsi_id))
      lun = &iscsi_luns[i];
  if (lun == NULL)
    {
      g_autoptr(GString) xml = g_string_new ("<?xml version=\"1.0\" ?>\n<iscsi-target>\n");

      for (guint i = 0; i < G_N_ELEMENTS (iscsi_luns); i++)
        {
          g_autofree char *id = int_string (iscsi_luns[i].lun);
          g_autofree char *size = int_string (iscsi_luns[i].size);

          g_string_append (xml, "\t<LUN>\n");
          xml_text (xml, "\t\t", "vendor", "LIO-ORG");
          xml_text (xml, "\t\t", "serial", iscsi_luns[i].serial);
          xml_text (xml, "\t\t", "LUNid", id);
          xml_text (xml, "\t\t", "size", size);
          xml_text (xml, "\t\t", "SCSIid", iscsi_luns[i].scsi_id);
          g_string_append (xml, "\t</LUN>\n");
        }
      g_string_append (xml, "</iscsi-target>\n");
      backend_fail (call, 107, "The SCSIid parameter is missing or incorrect", xml->str);
      return FALSE;
    }
  r->size = lun->size;
  r->key = g_strdup_printf ("lun|%s", lun->scsi_id);
  if (mode == BACKEND_PROBE)
    {
      r->probe = g_string_new (NULL);
      srlist_xml (r->probe, backend_srs (call_db (call), r->key));
    }
  return TRUE;
}

static gboolean
backend_local (SimCall       *call,
               GVariant      *dconf,
               SimObject     *host,
               BackendMode    mode,
               BackendResult *r)
{
  const char *device = dconf_get (dconf, "device");

  if (device == NULL)
    {
      backend_fail (call, 90, "The request is missing the device parameter", NULL);
      return FALSE;
    }
  if (!g_str_has_prefix (device, "/dev/") || strstr (device, "..") != NULL)
    {
      backend_fail (call, 91, "The device is not a valid path", device);
      return FALSE;
    }
  r->size = 500 * GiB;
  r->key = g_strdup_printf ("dev|%s|%s", host->ref, device);
  if (mode == BACKEND_PROBE)
    {
      r->probe = g_string_new (NULL);
      srlist_xml (r->probe, backend_srs (call_db (call), r->key));
    }
  return TRUE;
}

/* The ISO names (and sizes) a location holds; NULL with the error set when it cannot be read. */
typedef struct
{
  char   *name;
  gint64  size;
} IsoFile;

static void
iso_file_free (IsoFile *f)
{
  g_free (f->name);
  g_free (f);
}

static GPtrArray *
iso_list (SimCall    *call,
          const char *location)
{
  GPtrArray *files = g_ptr_array_new_with_free_func ((GDestroyNotify) iso_file_free);

  if (location[0] == '/')
    {
      g_autoptr(GDir) dir = g_dir_open (location, 0, NULL);
      const char *name;

      if (dir == NULL)
        {
          backend_fail (call, 226, "Invalid local path", location);
          g_ptr_array_unref (files);
          return NULL;
        }
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *lower = g_ascii_strdown (name, -1);
          g_autofree char *path = g_build_filename (location, name, NULL);
          IsoFile *f;

          if (!g_str_has_suffix (lower, ".iso") || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
            continue;
          f = g_new0 (IsoFile, 1);
          f->name = g_strdup (name);
          {
            GStatBuf st;
            f->size = g_stat (path, &st) == 0 ? (gint64) st.st_size : 0;
          }
          g_ptr_array_add (files, f);
        }
    }
  else
    {
      for (guint i = 0; i < G_N_ELEMENTS (remote_isos); i++)
        {
          IsoFile *f = g_new0 (IsoFile, 1);

          f->name = g_strdup (remote_isos[i]);
          f->size = (gint64) (600 + g_str_hash (remote_isos[i]) % 5000) * MiB;
          g_ptr_array_add (files, f);
        }
    }
  return files;
}

static gboolean
backend_iso (SimCall       *call,
             GVariant      *dconf,
             BackendMode    mode,
             BackendResult *r)
{
  const char *location = dconf_get (dconf, "location");
  g_autofree char *server = NULL;
  g_autoptr(GPtrArray) files = NULL;

  if (location == NULL)
    {
      backend_fail (call, 220, "'Location' parameter must be specified in Device Configuration",
                    NULL);
      return FALSE;
    }
  if (g_str_has_prefix (location, "\\\\") || g_str_has_prefix (location, "//"))
    {
      const char *rest = location + 2;
      const char *sep = strpbrk (rest, "\\/");

      if (sep != NULL && sep > rest && sep[1] != '\0')
        server = g_strndup (rest, sep - rest);
    }
  else if (location[0] != '/')
    {
      const char *colon = strchr (location, ':');

      if (colon != NULL && colon > location && colon[1] == '/')
        server = g_strndup (location, colon - location);
    }
  if (location[0] != '/' && server == NULL)
    {
      backend_fail (call, 225, "Incorrect Location string format. String must be in the format "
                    "SERVER:PATH for NFS targets, or \\\\SERVER\\PATH for CIFS targets", NULL);
      return FALSE;
    }
  if (server != NULL && host_unreachable (server))
    {
      backend_fail (call, 222, "Could not mount the directory specified in Device Configuration",
                    NULL);
      return FALSE;
    }
  if (mode == BACKEND_PROBE)
    {
      /* The ISO driver has no probe. */
      backend_fail (call, 38, "The requested method is not supported/implemented", NULL);
      return FALSE;
    }
  files = iso_list (call, location);
  if (files == NULL)
    return FALSE;
  r->size = server != NULL ? 2 * TiB : 0;
  for (guint i = 0; server == NULL && i < files->len; i++)
    r->size += ((IsoFile *) g_ptr_array_index (files, i))->size;
  r->key = g_strdup_printf ("iso|%s", location);
  return TRUE;
}

static const char *const known_types[] = { "nfs", "lvmoiscsi", "ext", "lvm", "iso", "udev", NULL };

static gboolean
type_is_thick (const char *type)
{
  return g_str_equal (type, "lvm") || g_str_equal (type, "lvmoiscsi") ||
         g_str_equal (type, "lvmohba");
}

static gboolean
backend_check (SimCall       *call,
               const char    *type,
               GVariant      *dconf,
               SimObject     *host,
               BackendMode    mode,
               BackendResult *r)
{
  if (g_str_equal (type, "nfs"))
    return backend_nfs (call, dconf, mode, r);
  if (g_str_equal (type, "lvmoiscsi"))
    return backend_iscsi (call, dconf, mode, r);
  if (g_str_equal (type, "ext") || g_str_equal (type, "lvm"))
    return backend_local (call, dconf, host, mode, r);
  if (g_str_equal (type, "iso"))
    return backend_iso (call, dconf, mode, r);
  if (g_str_equal (type, "udev"))
    {
      if (mode == BACKEND_PROBE)
        {
          r->probe = g_string_new ("<?xml version=\"1.0\" ?>\n<Devlist>\n</Devlist>\n");
          return TRUE;
        }
      r->size = 0;
      r->key = g_strdup_printf ("udev|%s", host->ref);
      return TRUE;
    }
  sim_fail (call, "SR_UNKNOWN_DRIVER", type, NULL);
  return FALSE;
}

/* ---- SR bookkeeping ---------------------------------------------------------------------- */

static gboolean
sr_is_attached (SimDb     *db,
                SimObject *sr)
{
  GVariantIter iter;
  SimObject *pbd;

  g_variant_iter_init (&iter, sr->fields[LAGOON_SR_PBDS]);
  while ((pbd = ref_iter_next (db, &iter)) != NULL)
    if (g_variant_get_boolean (pbd->fields[LAGOON_PBD_CURRENTLY_ATTACHED]))
      return TRUE;
  return FALSE;
}

static gboolean
sr_type_has (SimObject  *sr,
             const char *capability)
{
  const char *type = sim_object_get_string (sr, LAGOON_SR_TYPE);

  if (g_str_equal (type, "iso") || g_str_equal (type, "udev"))
    return g_str_equal (capability, "VDI_CREATE") || g_str_equal (capability, "VDI_DELETE");
  return TRUE;
}

/* xapi's check_any_managed_vdis: managed disks (rrd ones aside) keep an SR from destruction. */
static gboolean
sr_has_managed_vdis (SimDb     *db,
                     SimObject *sr)
{
  GVariantIter iter;
  SimObject *vdi;

  g_variant_iter_init (&iter, sr->fields[LAGOON_SR_VDIS]);
  while ((vdi = ref_iter_next (db, &iter)) != NULL)
    if (g_variant_get_boolean (vdi->fields[LAGOON_VDI_MANAGED]) &&
        !g_str_equal (sim_object_get_string (vdi, LAGOON_VDI_TYPE), "rrd"))
      return TRUE;
  return FALSE;
}

/* storage_operations the SR offers now, as xapi's update_allowed_operations computes them. */
static void
sr_update_allowed_operations (SimDb     *db,
                              SimObject *sr)
{
  static const char *const all[] = {
    "scan", "destroy", "forget", "plug", "unplug", "update", "vdi_create", "vdi_introduce",
    "vdi_destroy", "vdi_resize", "vdi_clone", "vdi_snapshot", "vdi_mirror", "vdi_enable_cbt",
    "vdi_disable_cbt", "vdi_data_destroy", "vdi_list_changed_blocks", "vdi_set_on_boot",
    "pbd_create", "pbd_destroy",
  };
  const char *ops[G_N_ELEMENTS (all)];
  gboolean attached = sr_is_attached (db, sr);
  gboolean has_pbds = g_variant_n_children (sr->fields[LAGOON_SR_PBDS]) > 0;
  gboolean tools = g_variant_get_boolean (sr->fields[LAGOON_SR_IS_TOOLS_SR]);
  gboolean vdi_ops = sr_type_has (sr, "VDI_SNAPSHOT");
  guint n = 0;

  /* No storage operation runs in parallel with another (xapi's safe_to_parallelise = []). */
  if (g_variant_n_children (sr->fields[LAGOON_SR_CURRENT_OPERATIONS]) > 0)
    {
      sim_db_set (db, sr, LAGOON_SR_ALLOWED_OPERATIONS, sim_vstrv (NULL, 0));
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      const char *op = all[i];

      if (attached && (g_str_equal (op, "destroy") || g_str_equal (op, "forget")))
        continue;
      if (!has_pbds && g_str_equal (op, "destroy"))
        continue;
      if (g_str_equal (op, "destroy") && sr_has_managed_vdis (db, sr))
        continue;
      if (tools && (g_str_equal (op, "vdi_create") || g_str_equal (op, "vdi_destroy")))
        continue;
      if (!vdi_ops && g_str_has_prefix (op, "vdi_") && !g_str_equal (op, "vdi_create") &&
          !g_str_equal (op, "vdi_destroy") && !g_str_equal (op, "vdi_introduce"))
        continue;
      ops[n++] = op;
    }
  sim_db_set (db, sr, LAGOON_SR_ALLOWED_OPERATIONS, sim_vstrv (ops, n));
}

/* A VHD's metadata: footer, header, and one BAT entry per 2 MiB block, in 512-byte sectors. */
static gint64
vhd_overhead (gint64 virtual_size)
{
  gint64 bat = ((virtual_size + 2 * MiB - 1) / (2 * MiB)) * 4;

  return 3 * 512 + ((bat + 511) / 512) * 512;
}

static gint64
vdi_physical_for (SimObject *sr,
                  gint64     virtual_size)
{
  const char *type = sim_object_get_string (sr, LAGOON_SR_TYPE);

  if (g_str_equal (type, "iso") || g_str_equal (type, "udev"))
    return virtual_size;
  if (type_is_thick (type))
    {
      gint64 lv = virtual_size + vhd_overhead (virtual_size);
      return ((lv + 4 * MiB - 1) / (4 * MiB)) * (4 * MiB);
    }
  return vhd_overhead (virtual_size);
}

/* Recomputes physical_utilisation and virtual_allocation from the SR's VDIs. */
static void
sr_recount (SimDb     *db,
            SimObject *sr)
{
  gint64 physical = 0, virtual_alloc = 0;
  GVariantIter iter;
  SimObject *vdi;

  g_variant_iter_init (&iter, sr->fields[LAGOON_SR_VDIS]);
  while ((vdi = ref_iter_next (db, &iter)) != NULL)
    {
      physical += sim_object_get_int (vdi, LAGOON_VDI_PHYSICAL_UTILISATION);
      virtual_alloc += sim_object_get_int (vdi, LAGOON_VDI_VIRTUAL_SIZE);
    }
  if (sim_object_get_int (sr, LAGOON_SR_PHYSICAL_UTILISATION) != physical)
    sim_db_set (db, sr, LAGOON_SR_PHYSICAL_UTILISATION, sim_vint (physical));
  if (sim_object_get_int (sr, LAGOON_SR_VIRTUAL_ALLOCATION) != virtual_alloc)
    sim_db_set (db, sr, LAGOON_SR_VIRTUAL_ALLOCATION, sim_vint (virtual_alloc));
  /* Whether the SR holds disks decides if it may be destroyed. */
  sr_update_allowed_operations (db, sr);
}

static gint64
sr_free_space (SimObject *sr)
{
  return MAX (0, sim_object_get_int (sr, LAGOON_SR_PHYSICAL_SIZE) -
                 sim_object_get_int (sr, LAGOON_SR_PHYSICAL_UTILISATION));
}

/* SR_FULL [requested, maximum] unless @physical more bytes fit (thin SRs: the virtual size). */
static gboolean
sr_check_space (SimCall   *call,
                SimObject *sr,
                gint64     virtual_size,
                gint64     physical)
{
  const char *type = sim_object_get_string (sr, LAGOON_SR_TYPE);
  gint64 needed = type_is_thick (type) ? physical : virtual_size;
  gint64 available = sr_free_space (sr);

  if (g_str_equal (type, "iso") || g_str_equal (type, "udev"))
    needed = physical;
  if (needed > available)
    {
      g_autofree char *n = int_string (needed);
      g_autofree char *a = int_string (available);

      sim_fail (call, "SR_FULL", n, a, NULL);
      return FALSE;
    }
  return TRUE;
}

/* SR_NOT_ATTACHED unless some PBD of the SR is plugged. */
static gboolean
sr_check_attached (SimCall   *call,
                   SimObject *sr)
{
  if (sr_is_attached (call_db (call), sr))
    return TRUE;
  sim_fail (call, "SR_NOT_ATTACHED", sr->ref, NULL);
  return FALSE;
}

static void vbd_update_allowed_operations (SimDb     *db,
                                           SimObject *vbd);

/* ---- VDIs -------------------------------------------------------------------------------- */

static gboolean
vdi_is_attached (SimDb     *db,
                 SimObject *vdi)
{
  g_autoptr(GPtrArray) vbds = ref_list (vdi, LAGOON_VDI_VBDS);

  for (guint i = 0; i < vbds->len; i++)
    {
      SimObject *vbd = sim_db_lookup (db, g_ptr_array_index (vbds, i));

      if (vbd != NULL && g_variant_get_boolean (vbd->fields[LAGOON_VBD_CURRENTLY_ATTACHED]))
        return TRUE;
    }
  return FALSE;
}

static void
vdi_update_allowed_operations (SimDb     *db,
                               SimObject *vdi)
{
  SimObject *sr = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_SR),
                                       sim_object_get_string (vdi, LAGOON_VDI_SR));
  gboolean attached = vdi_is_attached (db, vdi);
  gboolean full = sr == NULL || sr_type_has (sr, "VDI_SNAPSHOT");
  const char *ops[16];
  guint n = 0;

  /* xapi's live operations (allowed on a disk in use): clone, snapshot, resize_online. */
  ops[n++] = "clone";
  ops[n++] = "update";
  ops[n++] = "generate_config";
  if (full)
    ops[n++] = "snapshot";
  if (!attached)
    {
      ops[n++] = "copy";
      ops[n++] = "destroy";
      ops[n++] = "forget";
      if (full && !g_variant_get_boolean (vdi->fields[LAGOON_VDI_IS_A_SNAPSHOT]))
        ops[n++] = "resize";
    }
  sim_db_set (db, vdi, LAGOON_VDI_ALLOWED_OPERATIONS, sim_vstrv (ops, n));
}

SimObject *
sim_vdi_create_accounted (SimCall    *call,
                          SimObject  *sr,
                          GVariant  **fields)
{
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_VDI);
  SimDb *db = call_db (call);
  gint64 virtual_size = fields[LAGOON_VDI_VIRTUAL_SIZE] != NULL
                        ? g_variant_get_int64 (fields[LAGOON_VDI_VIRTUAL_SIZE]) : 0;
  gint64 physical;
  g_autofree char *uuid = sim_db_new_uuid ();
  SimObject *vdi;

  if (!sr_check_attached (call, sr))
    goto fail;
  if (g_variant_get_boolean (sr->fields[LAGOON_SR_IS_TOOLS_SR]))
    {
      sim_fail (call, "SR_OPERATION_NOT_SUPPORTED", sr->ref, NULL);
      goto fail;
    }
  if (virtual_size < 0)
    {
      g_autofree char *v = int_string (virtual_size);
      sim_fail (call, "INVALID_VALUE", "virtual_size", v, NULL);
      goto fail;
    }
  physical = vdi_physical_for (sr, virtual_size);
  if (!sr_check_space (call, sr, virtual_size, physical))
    goto fail;

  /* Runtime fields are the server's, but a snapshot's own three come from the caller. */
  for (int f = 0; f < (int) klass->n_fields; f++)
    if (klass->fields[f].qualifier == LAGOON_QUALIFIER_RO_RUNTIME &&
        f != LAGOON_VDI_IS_A_SNAPSHOT &&
        f != LAGOON_VDI_SNAPSHOT_OF && f != LAGOON_VDI_SNAPSHOT_TIME)
      g_clear_pointer (&fields[f], g_variant_unref);
#define REPLACE(f, v) G_STMT_START { g_clear_pointer (&fields[f], g_variant_unref); \
                                     fields[f] = (v); } G_STMT_END
  REPLACE (LAGOON_VDI_UUID, sim_vstr (uuid));
  REPLACE (LAGOON_VDI_SR, sim_vstr (sr->ref));
  REPLACE (LAGOON_VDI_LOCATION, sim_vstr (uuid));
  REPLACE (LAGOON_VDI_MANAGED, sim_vbool (TRUE));
  REPLACE (LAGOON_VDI_PHYSICAL_UTILISATION, sim_vint (physical));
  REPLACE (LAGOON_VDI_VIRTUAL_SIZE, sim_vint (virtual_size));
#undef REPLACE
  if (fields[LAGOON_VDI_SM_CONFIG] == NULL &&
      !g_str_equal (sim_object_get_string (sr, LAGOON_SR_TYPE), "iso"))
    fields[LAGOON_VDI_SM_CONFIG] = map_new ("vdi_type", "vhd", NULL);
  if (fields[LAGOON_VDI_ON_BOOT] == NULL)
    fields[LAGOON_VDI_ON_BOOT] = sim_vstr ("persist");
  vdi = sim_db_insert (db, klass, NULL, fields, FALSE);
  g_free (fields);
  fields = NULL;
  vdi_update_allowed_operations (db, vdi);
  sr_recount (db, sr);
  return vdi;

fail:
  for (guint f = 0; f < klass->n_fields; f++)
    g_clear_pointer (&fields[f], g_variant_unref);
  g_free (fields);
  return NULL;
}

void
sim_vdi_destroy_accounted (SimDb     *db,
                           SimObject *vdi)
{
  g_autoptr(GPtrArray) vbds = ref_list (vdi, LAGOON_VDI_VBDS);
  g_autoptr(GPtrArray) snapshots = ref_list (vdi, LAGOON_VDI_SNAPSHOTS);
  g_autofree char *sr_ref = g_strdup (sim_object_get_string (vdi, LAGOON_VDI_SR));
  SimObject *sr;

  /* xapi destroys the VBDs with the disk rather than leave them to its garbage collector. */
  for (guint i = 0; i < vbds->len; i++)
    {
      SimObject *vbd = sim_db_lookup (db, g_ptr_array_index (vbds, i));
      SimObject *metrics;

      if (vbd == NULL)
        continue;
      metrics = sim_db_lookup (db, sim_object_get_string (vbd, LAGOON_VBD_METRICS));
      if (metrics != NULL)
        sim_db_delete (db, metrics);
      sim_db_delete (db, vbd);
    }
  /* Snapshots outlive their parent, which they then no longer name. */
  for (guint i = 0; i < snapshots->len; i++)
    {
      SimObject *snap = sim_db_lookup (db, g_ptr_array_index (snapshots, i));

      if (snap != NULL)
        sim_db_set (db, snap, LAGOON_VDI_SNAPSHOT_OF, sim_vstr (LAGOON_NULL_REF));
    }
  sim_db_delete (db, vdi);
  sr = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_SR), sr_ref);
  if (sr != NULL)
    sr_recount (db, sr);
}

/* A new VDI shaped after @src on @sr: name, description, type, flags and maps. */
static GVariant **
vdi_fields_like (SimObject *src)
{
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_VDI);
  GVariant **fields = g_new0 (GVariant *, klass->n_fields);
  const int copied[] = {
    LAGOON_VDI_NAME_LABEL, LAGOON_VDI_NAME_DESCRIPTION, LAGOON_VDI_VIRTUAL_SIZE, LAGOON_VDI_TYPE,
    LAGOON_VDI_SHARABLE, LAGOON_VDI_READ_ONLY, LAGOON_VDI_OTHER_CONFIG, LAGOON_VDI_XENSTORE_DATA,
    LAGOON_VDI_SM_CONFIG, LAGOON_VDI_TAGS, LAGOON_VDI_ON_BOOT,
  };

  for (guint i = 0; i < G_N_ELEMENTS (copied); i++)
    fields[copied[i]] = g_variant_ref (src->fields[copied[i]]);
  return fields;
}

SimObject *
sim_vdi_snapshot_accounted (SimCall   *call,
                            SimObject *vdi,
                            gboolean   clone)
{
  SimDb *db = call_db (call);
  SimObject *sr = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_SR),
                                       sim_object_get_string (vdi, LAGOON_VDI_SR));
  GVariant **fields;
  SimObject *copy;

  if (sr == NULL)
    {
      sim_fail (call, "HANDLE_INVALID", "SR", sim_object_get_string (vdi, LAGOON_VDI_SR), NULL);
      return NULL;
    }
  if (!sr_type_has (sr, "VDI_SNAPSHOT"))
    {
      sim_fail (call, "SR_OPERATION_NOT_SUPPORTED", sr->ref, NULL);
      return NULL;
    }
  fields = vdi_fields_like (vdi);
  if (!clone)
    {
      g_autofree char *now = lagoon_datetime_format (g_get_real_time () / G_USEC_PER_SEC);

      fields[LAGOON_VDI_IS_A_SNAPSHOT] = sim_vbool (TRUE);
      fields[LAGOON_VDI_SNAPSHOT_OF] = sim_vstr (vdi->ref);
      fields[LAGOON_VDI_SNAPSHOT_TIME] = sim_vstr (now);
    }
  copy = sim_vdi_create_accounted (call, sr, fields);
  return copy;
}

/* The VDI from argument @i, refused with VDI_IN_USE [vdi, op] while attached when @op is. */
static SimObject *
vdi_for_operation (SimCall    *call,
                   guint       i,
                   const char *op,
                   gboolean    detached_only)
{
  SimObject *vdi = sim_arg_object (call, i, sim_class (LAGOON_CLASS_VDI));

  if (vdi == NULL)
    return NULL;
  if (detached_only && vdi_is_attached (call_db (call), vdi))
    {
      sim_fail (call, "VDI_IN_USE", vdi->ref, op, NULL);
      return NULL;
    }
  return vdi;
}

static gboolean
vdi_create (SimCall *call)
{
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_VDI);
  GVariant *rec = call->args[1];
  g_autofree GVariant **fields = g_new0 (GVariant *, klass->n_fields);
  SimObject *sr;
  SimObject *vdi;
  GVariantIter iter;
  const char *key;
  GVariant *v;

  sr = sim_db_lookup_class (call_db (call), sim_class (LAGOON_CLASS_SR), rec_str (rec, "SR"));
  if (sr == NULL)
    {
      sim_fail (call, "HANDLE_INVALID", "SR", map_get (rec, "SR") ? map_get (rec, "SR") : "",
                NULL);
      return FALSE;
    }
  g_variant_iter_init (&iter, rec);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &v))
    {
      int f = lagoon_schema_find_field (klass, key);

      if (f >= 0 && fields[f] == NULL)
        fields[f] = g_variant_ref (v);
      g_variant_unref (v);
    }
  g_clear_pointer (&fields[LAGOON_VDI_IS_A_SNAPSHOT], g_variant_unref);
  g_clear_pointer (&fields[LAGOON_VDI_SNAPSHOT_OF], g_variant_unref);
  g_clear_pointer (&fields[LAGOON_VDI_SNAPSHOT_TIME], g_variant_unref);
  vdi = sim_vdi_create_accounted (call, sr, g_steal_pointer (&fields));
  if (vdi == NULL)
    return FALSE;
  sim_writer_string (call->w, vdi->ref);
  return TRUE;
}

static gboolean
vdi_destroy (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *vdi = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VDI));
  SimObject *sr;

  if (vdi == NULL)
    return FALSE;
  sr = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_SR),
                            sim_object_get_string (vdi, LAGOON_VDI_SR));
  /* xapi's order: the driver's features, then whether the disk is in use. */
  if (sr != NULL && g_str_equal (sim_object_get_string (sr, LAGOON_SR_TYPE), "udev"))
    {
      sim_fail (call, "VDI_IS_A_PHYSICAL_DEVICE", vdi->ref, NULL);
      return FALSE;
    }
  if (sr != NULL && g_variant_get_boolean (sr->fields[LAGOON_SR_IS_TOOLS_SR]))
    {
      sim_fail (call, "SR_OPERATION_NOT_SUPPORTED", sr->ref, NULL);
      return FALSE;
    }
  if (vdi_for_operation (call, 1, "destroy", TRUE) == NULL)
    return FALSE;
  if (sr != NULL && !sr_check_attached (call, sr))
    return FALSE;
  sim_vdi_destroy_accounted (db, vdi);
  return sim_write_void (call);
}

static gboolean
vdi_do_resize (SimCall *call,
               gboolean online)
{
  SimDb *db = call_db (call);
  SimObject *vdi = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VDI));
  gint64 size = g_variant_get_int64 (call->args[2]);
  SimObject *sr;
  gint64 old_size, old_physical, physical;

  if (vdi == NULL)
    return FALSE;
  sr = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_SR),
                            sim_object_get_string (vdi, LAGOON_VDI_SR));
  if (sr == NULL)
    {
      sim_fail (call, "HANDLE_INVALID", "SR", sim_object_get_string (vdi, LAGOON_VDI_SR), NULL);
      return FALSE;
    }
  /* The driver's features come first: no simulated driver has VDI_RESIZE_ONLINE (neither
   * have xapi's NFS, EXT and LVHD ones), ISO libraries none of resizing. */
  if (online || !sr_type_has (sr, "VDI_RESIZE") ||
      g_variant_get_boolean (vdi->fields[LAGOON_VDI_IS_A_SNAPSHOT]))
    {
      sim_fail (call, "SR_OPERATION_NOT_SUPPORTED", sr->ref, NULL);
      return FALSE;
    }
  /* Only live operations may run on a disk in use. */
  if (vdi_for_operation (call, 1, "resize", TRUE) == NULL || !sr_check_attached (call, sr))
    return FALSE;
  old_size = sim_object_get_int (vdi, LAGOON_VDI_VIRTUAL_SIZE);
  if (size < old_size)
    {
      backend_fail (call, 79, "VDI Invalid size", "shrinking not allowed");
      return FALSE;
    }
  old_physical = sim_object_get_int (vdi, LAGOON_VDI_PHYSICAL_UTILISATION);
  /* Thick: the volume grows to the new size; thin: only the VHD's block table does. */
  if (type_is_thick (sim_object_get_string (sr, LAGOON_SR_TYPE)))
    physical = vdi_physical_for (sr, size);
  else
    physical = old_physical + (vhd_overhead (size) - vhd_overhead (old_size));
  if (!sr_check_space (call, sr, size - old_size, physical - old_physical))
    return FALSE;
  sim_db_set (db, vdi, LAGOON_VDI_VIRTUAL_SIZE, sim_vint (size));
  sim_db_set (db, vdi, LAGOON_VDI_PHYSICAL_UTILISATION, sim_vint (physical));
  sr_recount (db, sr);
  return sim_write_void (call);
}

static gboolean
vdi_resize (SimCall *call)
{
  return vdi_do_resize (call, FALSE);
}

static gboolean
vdi_resize_online (SimCall *call)
{
  return vdi_do_resize (call, TRUE);
}

static gboolean
vdi_snapshot (SimCall *call)
{
  SimObject *vdi = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VDI));
  SimObject *copy;

  if (vdi == NULL || (copy = sim_vdi_snapshot_accounted (call, vdi, FALSE)) == NULL)
    return FALSE;
  sim_writer_string (call->w, copy->ref);
  return TRUE;
}

static gboolean
vdi_clone (SimCall *call)
{
  SimObject *vdi = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VDI));
  SimObject *copy;

  if (vdi == NULL || (copy = sim_vdi_snapshot_accounted (call, vdi, TRUE)) == NULL)
    return FALSE;
  sim_writer_string (call->w, copy->ref);
  return TRUE;
}

/* A full copy of @vdi on @sr, its data charged there; NULL with the error set. */
static SimObject *
vdi_copy_to (SimCall   *call,
             SimObject *vdi,
             SimObject *sr)
{
  SimDb *db = call_db (call);
  SimObject *copy;

  if (!sr_check_attached (call, sr))
    return NULL;
  copy = sim_vdi_create_accounted (call, sr, vdi_fields_like (vdi));
  if (copy == NULL)
    return NULL;
  /* A copy holds the data: on a thin SR it takes what the source holds. */
  if (!type_is_thick (sim_object_get_string (sr, LAGOON_SR_TYPE)))
    {
      gint64 data = MIN (sim_object_get_int (vdi, LAGOON_VDI_PHYSICAL_UTILISATION),
                         sim_object_get_int (vdi, LAGOON_VDI_VIRTUAL_SIZE));

      data = MAX (data, sim_object_get_int (copy, LAGOON_VDI_PHYSICAL_UTILISATION));
      if (data - sim_object_get_int (copy, LAGOON_VDI_PHYSICAL_UTILISATION) > sr_free_space (sr))
        {
          g_autofree char *n = int_string (data);
          g_autofree char *a = int_string (sr_free_space (sr));

          sim_vdi_destroy_accounted (db, copy);
          sim_fail (call, "SR_FULL", n, a, NULL);
          return NULL;
        }
      sim_db_set (db, copy, LAGOON_VDI_PHYSICAL_UTILISATION, sim_vint (data));
      sr_recount (db, sr);
    }
  return copy;
}

static gboolean
vdi_copy (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *vdi = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VDI));
  SimObject *sr = vdi != NULL ? sim_arg_object (call, 2, sim_class (LAGOON_CLASS_SR)) : NULL;
  const char *into_ref = call->n_received > 4 ? sim_arg_string (call, 4) : "";
  SimObject *copy;

  if (vdi == NULL || sr == NULL)
    return FALSE;
  /* Copying is not one of xapi's live operations. */
  if (vdi_is_attached (db, vdi))
    {
      sim_fail (call, "VDI_IN_USE", vdi->ref, "copy", NULL);
      return FALSE;
    }
  if (*into_ref != '\0' && !g_str_equal (into_ref, LAGOON_NULL_REF))
    {
      SimObject *into = sim_arg_object (call, 4, sim_class (LAGOON_CLASS_VDI));

      if (into == NULL)
        return FALSE;
      if (sim_object_get_int (into, LAGOON_VDI_VIRTUAL_SIZE) <
          sim_object_get_int (vdi, LAGOON_VDI_VIRTUAL_SIZE))
        {
          backend_fail (call, 79, "VDI Invalid size", "the destination disk is too small");
          return FALSE;
        }
      sim_writer_string (call->w, into->ref);
      return TRUE;
    }
  copy = vdi_copy_to (call, vdi, sr);
  if (copy == NULL)
    return FALSE;
  sim_writer_string (call->w, copy->ref);
  return TRUE;
}

/*
 * VDI.pool_migrate: a disk of a running VM moves to @sr while the VM runs (storage motion):
 * the copy takes its place in the VM's VBD and the source goes. A disk no running VM uses
 * fails with VDI_NEEDS_VM_FOR_MIGRATE [vdi] (clients then copy it instead).
 */
static gboolean
vdi_pool_migrate (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *vdi = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VDI));
  SimObject *sr = vdi != NULL ? sim_arg_object (call, 2, sim_class (LAGOON_CLASS_SR)) : NULL;
  g_autoptr(GPtrArray) vbds = NULL;
  SimObject *vbd = NULL;
  SimObject *copy;

  if (vdi == NULL || sr == NULL)
    return FALSE;
  if (g_str_equal (sim_object_get_string (vdi, LAGOON_VDI_TYPE), "cbt_metadata"))
    {
      sim_fail (call, "VDI_INCOMPATIBLE_TYPE", vdi->ref, "cbt_metadata", NULL);
      return FALSE;
    }
  if (g_variant_get_boolean (vdi->fields[LAGOON_VDI_CBT_ENABLED]))
    {
      sim_fail (call, "VDI_CBT_ENABLED", vdi->ref, NULL);
      return FALSE;
    }
  vbds = ref_list (vdi, LAGOON_VDI_VBDS);
  for (guint i = 0; i < vbds->len && vbd == NULL; i++)
    {
      SimObject *candidate = sim_db_lookup (db, g_ptr_array_index (vbds, i));
      SimObject *vm;

      if (candidate == NULL ||
          !g_variant_get_boolean (candidate->fields[LAGOON_VBD_CURRENTLY_ATTACHED]))
        continue;
      vm = sim_db_lookup (db, sim_object_get_string (candidate, LAGOON_VBD_VM));
      if (vm != NULL && g_str_equal (sim_object_get_string (vm, LAGOON_VM_POWER_STATE), "Running"))
        vbd = candidate;
    }
  if (vbd == NULL)
    {
      sim_fail (call, "VDI_NEEDS_VM_FOR_MIGRATE", vdi->ref, NULL);
      return FALSE;
    }
  copy = vdi_copy_to (call, vdi, sr);
  if (copy == NULL)
    return FALSE;
  sim_db_set (db, vbd, LAGOON_VBD_VDI, sim_vstr (copy->ref));
  sim_vdi_destroy_accounted (db, vdi);
  vdi_update_allowed_operations (db, copy);
  vbd_update_allowed_operations (db, vbd);
  sim_writer_string (call->w, copy->ref);
  return TRUE;
}

/* ---- SRs --------------------------------------------------------------------------------- */

static SimObject *
new_pbd (SimDb      *db,
         SimObject  *sr,
         const char *host_ref,
         GVariant   *dconf,
         gboolean    attached)
{
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_PBD);
  g_autofree GVariant **fields = g_new0 (GVariant *, klass->n_fields);

  fields[LAGOON_PBD_UUID] = g_variant_ref_sink (g_variant_new_take_string (sim_db_new_uuid ()));
  fields[LAGOON_PBD_HOST] = sim_vstr (host_ref);
  fields[LAGOON_PBD_SR] = sim_vstr (sr->ref);
  fields[LAGOON_PBD_DEVICE_CONFIG] = g_variant_ref (dconf);
  fields[LAGOON_PBD_CURRENTLY_ATTACHED] = sim_vbool (attached);
  return sim_db_insert (db, klass, NULL, fields, FALSE);
}

/* ISO SRs: one VDI per .iso name; the VDIs of names gone from a local directory go too. */
static void
sr_scan_isos (SimCall   *call,
              SimObject *sr,
              GVariant  *dconf)
{
  SimDb *db = call_db (call);
  const char *location = dconf_get (dconf, "location");
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GPtrArray) vdis = ref_list (sr, LAGOON_SR_VDIS);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) error = NULL;

  if (location == NULL)
    return;
  /* iso_list reports unreadable places through a call error; a scan keeps the VDIs then. */
  {
    SimCall probe = *call;

    error = g_ptr_array_new_with_free_func (g_free);
    probe.error = error;
    files = iso_list (&probe, location);
  }
  if (files == NULL)
    return;
  for (guint i = 0; i < files->len; i++)
    g_hash_table_add (seen, ((IsoFile *) g_ptr_array_index (files, i))->name);

  for (guint i = 0; i < vdis->len; i++)
    {
      SimObject *vdi = sim_db_lookup (db, g_ptr_array_index (vdis, i));
      const char *loc;

      if (vdi == NULL)
        continue;
      loc = sim_object_get_string (vdi, LAGOON_VDI_LOCATION);
      if (g_hash_table_contains (seen, loc))
        g_hash_table_remove (seen, loc);
      else if (location[0] == '/' && g_str_has_suffix (loc, ".iso") && !vdi_is_attached (db, vdi))
        sim_vdi_destroy_accounted (db, vdi);
    }
  for (guint i = 0; i < files->len; i++)
    {
      IsoFile *f = g_ptr_array_index (files, i);
      const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_VDI);
      GVariant **fields;
      SimObject *vdi;
      static const char *const ops[] = { "clone", "copy", "destroy", "forget", "update",
                                         "generate_config" };

      if (!g_hash_table_contains (seen, f->name))
        continue;
      fields = g_new0 (GVariant *, klass->n_fields);
      fields[LAGOON_VDI_UUID] = g_variant_ref_sink (g_variant_new_take_string (sim_db_new_uuid ()));
      fields[LAGOON_VDI_NAME_LABEL] = sim_vstr (f->name);
      fields[LAGOON_VDI_SR] = sim_vstr (sr->ref);
      fields[LAGOON_VDI_LOCATION] = sim_vstr (f->name);
      fields[LAGOON_VDI_VIRTUAL_SIZE] = sim_vint (f->size);
      fields[LAGOON_VDI_PHYSICAL_UTILISATION] = sim_vint (f->size);
      fields[LAGOON_VDI_TYPE] = sim_vstr ("user");
      fields[LAGOON_VDI_MANAGED] = sim_vbool (TRUE);
      fields[LAGOON_VDI_READ_ONLY] = sim_vbool (FALSE);
      fields[LAGOON_VDI_ALLOWED_OPERATIONS] = sim_vstrv (ops, G_N_ELEMENTS (ops));
      vdi = sim_db_insert (db, klass, NULL, fields, FALSE);
      g_free (fields);
      (void) vdi;
    }
}

static GVariant *
sr_first_dconf (SimDb     *db,
                SimObject *sr)
{
  g_autoptr(GPtrArray) pbds = ref_list (sr, LAGOON_SR_PBDS);

  for (guint i = 0; i < pbds->len; i++)
    {
      SimObject *pbd = sim_db_lookup (db, g_ptr_array_index (pbds, i));

      if (pbd != NULL && g_variant_get_boolean (pbd->fields[LAGOON_PBD_CURRENTLY_ATTACHED]))
        return pbd->fields[LAGOON_PBD_DEVICE_CONFIG];
    }
  return NULL;
}

static void
sr_scan_now (SimCall   *call,
             SimObject *sr)
{
  SimDb *db = call_db (call);
  GVariant *dconf = sr_first_dconf (db, sr);

  if (dconf != NULL && g_str_equal (sim_object_get_string (sr, LAGOON_SR_TYPE), "iso"))
    sr_scan_isos (call, sr, dconf);
  sr_recount (db, sr);
  if (g_str_equal (sim_object_get_string (sr, LAGOON_SR_TYPE), "iso") && dconf != NULL &&
      dconf_get (dconf, "location") != NULL && dconf_get (dconf, "location")[0] == '/')
    {
      /* A local ISO directory is as big as what it holds. */
      gint64 used = sim_object_get_int (sr, LAGOON_SR_PHYSICAL_UTILISATION);

      if (sim_object_get_int (sr, LAGOON_SR_PHYSICAL_SIZE) != used)
        sim_db_set (db, sr, LAGOON_SR_PHYSICAL_SIZE, sim_vint (used));
    }
}

static gboolean
sr_create (SimCall *call)
{
  SimDb *db = call_db (call);
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_SR);
  SimObject *host = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_HOST));
  GVariant *dconf = call->args[2];
  const char *type = sim_arg_string (call, 6);
  const char *content_type = sim_arg_string (call, 7);
  gboolean shared = g_variant_get_boolean (call->args[8]);
  g_auto(BackendResult) r = { 0 };
  g_autofree GVariant **fields = NULL;
  g_autofree char *uuid = NULL;
  GPtrArray *on_storage;
  SimObject *sr;

  if (host == NULL)
    return FALSE;
  if (!g_strv_contains (known_types, type))
    {
      sim_fail (call, "SR_UNKNOWN_DRIVER", type, NULL);
      return FALSE;
    }
  if (!backend_check (call, type, dconf, host, BACKEND_CREATE, &r))
    return FALSE;
  on_storage = backend_srs (db, r.key);
  /* A block device holds one SR at a time; formatting one that is in use fails. */
  if (!g_str_equal (type, "nfs") && !g_str_equal (type, "iso"))
    for (guint i = 0; i < on_storage->len; i++)
      {
        SimObject *other = sim_db_lookup_uuid (db, klass, g_ptr_array_index (on_storage, i));

        if (other != NULL && sr_is_attached (db, other))
          {
            backend_fail (call, 16, "The SR device is currently in use", NULL);
            return FALSE;
          }
      }

  uuid = sim_db_new_uuid ();
  fields = g_new0 (GVariant *, klass->n_fields);
  fields[LAGOON_SR_UUID] = sim_vstr (uuid);
  fields[LAGOON_SR_NAME_LABEL] = g_variant_ref (call->args[4]);
  fields[LAGOON_SR_NAME_DESCRIPTION] = g_variant_ref (call->args[5]);
  fields[LAGOON_SR_TYPE] = sim_vstr (type);
  fields[LAGOON_SR_CONTENT_TYPE] = sim_vstr (content_type);
  fields[LAGOON_SR_SHARED] = sim_vbool (shared);
  fields[LAGOON_SR_SM_CONFIG] = g_variant_ref (call->args[9]);
  fields[LAGOON_SR_PHYSICAL_SIZE] = sim_vint (r.size);
  sr = sim_db_insert (db, klass, NULL, g_steal_pointer (&fields), FALSE);

  if (shared)
    {
      GQueue *hosts = sim_db_class_objects (db, sim_class (LAGOON_CLASS_HOST));

      for (GList *l = hosts->head; l != NULL; l = l->next)
        new_pbd (db, sr, ((SimObject *) l->data)->ref, dconf, TRUE);
    }
  else
    new_pbd (db, sr, host->ref, dconf, TRUE);

  /* Formatting a device replaces whatever SR it held. */
  if (!g_str_equal (type, "nfs") && !g_str_equal (type, "iso"))
    g_ptr_array_set_size (on_storage, 0);
  g_ptr_array_add (on_storage, g_strdup (uuid));
  sr_scan_now (call, sr);
  sr_update_allowed_operations (db, sr);
  sim_writer_string (call->w, sr->ref);
  return TRUE;
}

static gboolean
sr_probe (SimCall *call)
{
  SimObject *host = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_HOST));
  const char *type = sim_arg_string (call, 3);
  g_auto(BackendResult) r = { 0 };

  if (host == NULL)
    return FALSE;
  if (!g_strv_contains (known_types, type))
    {
      sim_fail (call, "SR_UNKNOWN_DRIVER", type, NULL);
      return FALSE;
    }
  if (!backend_check (call, type, call->args[2], host, BACKEND_PROBE, &r))
    return FALSE;
  sim_writer_string (call->w, r.probe->str);
  return TRUE;
}

/* SR.probe_ext: one probe_result per SR found, or one without an SR when the place is free. */
static gboolean
sr_probe_ext (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *host = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_HOST));
  const char *type = sim_arg_string (call, 3);
  g_auto(BackendResult) r = { 0 };
  g_auto(GVariantBuilder) results = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("av"));
  g_autoptr(GVariant) value = NULL;
  GPtrArray *uuids;
  guint n = 0;

  if (host == NULL)
    return FALSE;
  if (!g_strv_contains (known_types, type))
    {
      sim_fail (call, "SR_UNKNOWN_DRIVER", type, NULL);
      return FALSE;
    }
  if (!backend_check (call, type, call->args[2], host, BACKEND_PROBE, &r))
    return FALSE;
  uuids = r.key != NULL ? backend_srs (db, r.key) : NULL;
  for (guint i = 0; i <= (uuids != NULL ? uuids->len : 0); i++)
    {
      g_auto(GVariantBuilder) rec = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
      g_auto(GVariantBuilder) stat = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
      const char *uuid;
      SimObject *known;

      if (uuids == NULL || i == uuids->len)
        {
          if (n > 0)
            break;
          uuid = NULL;
        }
      else
        uuid = g_ptr_array_index (uuids, i);
      g_variant_builder_add (&rec, "{sv}", "configuration", call->args[2]);
      g_variant_builder_add (&rec, "{sv}", "complete", g_variant_new_boolean (TRUE));
      g_variant_builder_add (&rec, "{sv}", "extra_info",
                             g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
      if (uuid == NULL)
        g_variant_builder_add (&rec, "{sv}", "sr", g_variant_new_maybe (G_VARIANT_TYPE_VARIANT,
                                                                        NULL));
      else
        {
          known = sim_db_lookup_uuid (db, sim_class (LAGOON_CLASS_SR), uuid);
          g_variant_builder_add (&stat, "{sv}", "uuid",
                                 g_variant_new_maybe (G_VARIANT_TYPE_VARIANT,
                                                      g_variant_new_variant (
                                                        g_variant_new_string (uuid))));
          g_variant_builder_add (&stat, "{sv}", "name_label", g_variant_new_string (
                                   known ? sim_object_get_string (known, LAGOON_SR_NAME_LABEL)
                                         : ""));
          g_variant_builder_add (&stat, "{sv}", "name_description", g_variant_new_string (
                                   known ? sim_object_get_string (known, LAGOON_SR_NAME_DESCRIPTION)
                                         : ""));
          g_variant_builder_add (&stat, "{sv}", "free_space", g_variant_new_int64 (
                                   known ? sr_free_space (known) : r.size));
          g_variant_builder_add (&stat, "{sv}", "total_space", g_variant_new_int64 (r.size));
          g_variant_builder_add (&stat, "{sv}", "clustered", g_variant_new_boolean (FALSE));
          g_variant_builder_add (&stat, "{sv}", "health", g_variant_new_string ("healthy"));
          g_variant_builder_add (&rec, "{sv}", "sr",
                                 g_variant_new_maybe (G_VARIANT_TYPE_VARIANT,
                                                      g_variant_new_variant (
                                                        g_variant_builder_end (&stat))));
        }
      g_variant_builder_add (&results, "v", g_variant_builder_end (&rec));
      n++;
    }
  value = g_variant_ref_sink (g_variant_builder_end (&results));
  sim_writer_value (call->w, call->msg->result, value);
  return TRUE;
}

static gboolean
sr_introduce (SimCall *call)
{
  SimDb *db = call_db (call);
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_SR);
  const char *uuid = sim_arg_string (call, 1);
  g_autofree GVariant **fields = NULL;
  g_autofree char *fresh = NULL;
  SimObject *sr;

  if (*uuid == '\0')
    uuid = fresh = sim_db_new_uuid ();
  if (sim_db_lookup_uuid (db, klass, uuid) != NULL)
    {
      sim_fail (call, "SR_UUID_EXISTS", uuid, NULL);
      return FALSE;
    }
  fields = g_new0 (GVariant *, klass->n_fields);
  fields[LAGOON_SR_UUID] = sim_vstr (uuid);
  fields[LAGOON_SR_NAME_LABEL] = g_variant_ref (call->args[2]);
  fields[LAGOON_SR_NAME_DESCRIPTION] = g_variant_ref (call->args[3]);
  fields[LAGOON_SR_TYPE] = g_variant_ref (call->args[4]);
  fields[LAGOON_SR_CONTENT_TYPE] = g_variant_ref (call->args[5]);
  fields[LAGOON_SR_SHARED] = g_variant_ref (call->args[6]);
  fields[LAGOON_SR_SM_CONFIG] = g_variant_ref (call->args[7]);
  sr = sim_db_insert (db, klass, NULL, g_steal_pointer (&fields), FALSE);
  sr_update_allowed_operations (db, sr);
  sim_writer_string (call->w, sr->ref);
  return TRUE;
}

/* Removes the SR's records: VDIs (with their VBDs), PBDs and the SR itself. */
static void
sr_drop_records (SimDb     *db,
                 SimObject *sr)
{
  g_autoptr(GPtrArray) vdis = ref_list (sr, LAGOON_SR_VDIS);
  g_autoptr(GPtrArray) pbds = ref_list (sr, LAGOON_SR_PBDS);

  for (guint i = 0; i < vdis->len; i++)
    {
      SimObject *vdi = sim_db_lookup (db, g_ptr_array_index (vdis, i));

      if (vdi != NULL)
        sim_vdi_destroy_accounted (db, vdi);
    }
  for (guint i = 0; i < pbds->len; i++)
    {
      SimObject *pbd = sim_db_lookup (db, g_ptr_array_index (pbds, i));

      if (pbd != NULL)
        sim_db_delete (db, pbd);
    }
  sim_db_delete (db, sr);
}

static gboolean
sr_forget (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *sr = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_SR));

  if (sr == NULL)
    return FALSE;
  if (sr_is_attached (db, sr))
    {
      sim_fail (call, "SR_HAS_PBD", sr->ref, NULL);
      return FALSE;
    }
  sr_drop_records (db, sr);
  return sim_write_void (call);
}

static gboolean
sr_destroy (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *sr = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_SR));
  g_autofree char *uuid = NULL;

  if (sr == NULL)
    return FALSE;
  if (sr_is_attached (db, sr))
    {
      sim_fail (call, "SR_HAS_PBD", sr->ref, NULL);
      return FALSE;
    }
  if (g_variant_n_children (sr->fields[LAGOON_SR_PBDS]) == 0)
    {
      sim_fail (call, "SR_HAS_NO_PBDS", sr->ref, NULL);
      return FALSE;
    }
  if (sr_has_managed_vdis (db, sr))
    {
      sim_fail (call, "SR_NOT_EMPTY", NULL);
      return FALSE;
    }
  if (g_variant_get_boolean (sr->fields[LAGOON_SR_IS_TOOLS_SR]) ||
      g_strcmp0 (map_get (sr->fields[LAGOON_SR_OTHER_CONFIG], "indestructible"), "true") == 0)
    {
      sim_fail (call, "SR_INDESTRUCTIBLE", sr->ref, NULL);
      return FALSE;
    }
  uuid = g_strdup (sim_object_get_string (sr, LAGOON_SR_UUID));
  sr_drop_records (db, sr);
  backend_forget_uuid (db, uuid);
  return sim_write_void (call);
}

static gboolean
sr_scan (SimCall *call)
{
  SimObject *sr = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_SR));

  if (sr == NULL || !sr_check_attached (call, sr))
    return FALSE;
  sr_scan_now (call, sr);
  return sim_write_void (call);
}

static gboolean
sr_update (SimCall *call)
{
  SimObject *sr = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_SR));

  if (sr == NULL || !sr_check_attached (call, sr))
    return FALSE;
  sr_recount (call_db (call), sr);
  return sim_write_void (call);
}

/* An SR may always become shared; unshared only while it has one PBD at most. */
static gboolean
sr_set_shared (SimCall *call)
{
  SimObject *sr = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_SR));
  gboolean value = g_variant_get_boolean (call->args[2]);

  if (sr == NULL)
    return FALSE;
  if (!value && g_variant_n_children (sr->fields[LAGOON_SR_PBDS]) > 1)
    {
      g_autoptr(GPtrArray) pbds = ref_list (sr, LAGOON_SR_PBDS);

      g_ptr_array_add (call->error, g_strdup ("SR_HAS_MULTIPLE_PBDS"));
      for (guint i = 0; i < pbds->len; i++)
        g_ptr_array_add (call->error, g_strdup (g_ptr_array_index (pbds, i)));
      return FALSE;
    }
  sim_db_set (call_db (call), sr, LAGOON_SR_SHARED, sim_vbool (value));
  return sim_write_void (call);
}

/* ---- PBDs -------------------------------------------------------------------------------- */

static gboolean
pbd_plug (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *pbd = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_PBD));
  SimObject *sr, *host;
  g_auto(BackendResult) r = { 0 };
  const char *type;
  gboolean first;

  if (pbd == NULL)
    return FALSE;
  if (g_variant_get_boolean (pbd->fields[LAGOON_PBD_CURRENTLY_ATTACHED]))
    return sim_write_void (call);
  sr = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_SR),
                            sim_object_get_string (pbd, LAGOON_PBD_SR));
  host = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_HOST),
                              sim_object_get_string (pbd, LAGOON_PBD_HOST));
  if (sr == NULL || host == NULL)
    {
      sim_fail (call, "HANDLE_INVALID", sr == NULL ? "SR" : "host",
                sim_object_get_string (pbd, sr == NULL ? LAGOON_PBD_SR : LAGOON_PBD_HOST), NULL);
      return FALSE;
    }
  type = sim_object_get_string (sr, LAGOON_SR_TYPE);
  /* The tools SR and other driver-less SRs plug without a backend to ask. */
  if (g_strv_contains (known_types, type) &&
      !g_variant_get_boolean (sr->fields[LAGOON_SR_IS_TOOLS_SR]))
    {
      if (!backend_check (call, type, pbd->fields[LAGOON_PBD_DEVICE_CONFIG], host,
                          BACKEND_ATTACH, &r))
        return FALSE;
    }
  first = !sr_is_attached (db, sr);
  sim_db_set (db, pbd, LAGOON_PBD_CURRENTLY_ATTACHED, sim_vbool (TRUE));
  if (first && r.key != NULL)
    {
      GPtrArray *list = backend_srs (db, r.key);
      const char *uuid = sim_object_get_string (sr, LAGOON_SR_UUID);
      gboolean listed = FALSE;

      for (guint i = 0; i < list->len; i++)
        listed |= g_str_equal (g_ptr_array_index (list, i), uuid);
      if (!listed)
        g_ptr_array_add (list, g_strdup (uuid));
      if (r.size > 0 && sim_object_get_int (sr, LAGOON_SR_PHYSICAL_SIZE) == 0)
        sim_db_set (db, sr, LAGOON_SR_PHYSICAL_SIZE, sim_vint (r.size));
    }
  if (first)
    sr_scan_now (call, sr);
  sr_update_allowed_operations (db, sr);
  return sim_write_void (call);
}

static gboolean
pbd_unplug (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *pbd = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_PBD));
  const char *host_ref;
  SimObject *sr;
  g_autoptr(GPtrArray) vdis = NULL;
  g_autoptr(GPtrArray) in_use = NULL;

  if (pbd == NULL)
    return FALSE;
  if (!g_variant_get_boolean (pbd->fields[LAGOON_PBD_CURRENTLY_ATTACHED]))
    return sim_write_void (call);
  sr = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_SR),
                            sim_object_get_string (pbd, LAGOON_PBD_SR));
  host_ref = sim_object_get_string (pbd, LAGOON_PBD_HOST);
  in_use = g_ptr_array_new_with_free_func (g_free);
  if (sr != NULL)
    {
      vdis = ref_list (sr, LAGOON_SR_VDIS);
      /* The disks in use by running VMs on this host. */
      for (guint i = 0; i < vdis->len; i++)
        {
          SimObject *vdi = sim_db_lookup (db, g_ptr_array_index (vdis, i));
          g_autoptr(GPtrArray) vbds = NULL;

          if (vdi == NULL)
            continue;
          vbds = ref_list (vdi, LAGOON_VDI_VBDS);
          for (guint j = 0; j < vbds->len; j++)
            {
              SimObject *vbd = sim_db_lookup (db, g_ptr_array_index (vbds, j));
              SimObject *vm;

              if (vbd == NULL ||
                  !g_variant_get_boolean (vbd->fields[LAGOON_VBD_CURRENTLY_ATTACHED]))
                continue;
              vm = sim_db_lookup (db, sim_object_get_string (vbd, LAGOON_VBD_VM));
              if (vm == NULL ||
                  (g_variant_get_boolean (sr->fields[LAGOON_SR_SHARED]) &&
                   !g_str_equal (sim_object_get_string (vm, LAGOON_VM_RESIDENT_ON), host_ref)))
                continue;
              g_ptr_array_add (in_use, g_strdup (vdi->ref));
              break;
            }
        }
    }
  if (in_use->len > 0)
    {
      g_ptr_array_insert (in_use, 0, g_strdup ("VDI_IN_USE"));
      for (guint i = 0; i < in_use->len; i++)
        g_ptr_array_add (call->error, g_strdup (g_ptr_array_index (in_use, i)));
      return FALSE;
    }
  sim_db_set (db, pbd, LAGOON_PBD_CURRENTLY_ATTACHED, sim_vbool (FALSE));
  if (sr != NULL)
    sr_update_allowed_operations (db, sr);
  return sim_write_void (call);
}

static gboolean
pbd_create (SimCall *call)
{
  SimDb *db = call_db (call);
  GVariant *rec = call->args[1];
  SimObject *sr = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_SR), rec_str (rec, "SR"));
  SimObject *host = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_HOST),
                                         rec_str (rec, "host"));
  g_autoptr(GVariant) dconf = g_variant_lookup_value (rec, "device_config",
                                                      G_VARIANT_TYPE_VARDICT);
  g_autoptr(GPtrArray) pbds = NULL;
  SimObject *pbd;

  if (sr == NULL || host == NULL)
    {
      const char *ref = map_get (rec, sr == NULL ? "SR" : "host");
      sim_fail (call, "HANDLE_INVALID", sr == NULL ? "SR" : "host", ref ? ref : "", NULL);
      return FALSE;
    }
  pbds = ref_list (sr, LAGOON_SR_PBDS);
  for (guint i = 0; i < pbds->len; i++)
    {
      SimObject *other = sim_db_lookup (db, g_ptr_array_index (pbds, i));

      if (other != NULL && g_str_equal (sim_object_get_string (other, LAGOON_PBD_HOST), host->ref))
        {
          sim_fail (call, "PBD_EXISTS", sr->ref, host->ref, other->ref, NULL);
          return FALSE;
        }
    }
  if (dconf == NULL)
    dconf = map_new (NULL, NULL);
  pbd = new_pbd (db, sr, host->ref, dconf, FALSE);
  {
    g_autoptr(GVariant) other = g_variant_lookup_value (rec, "other_config",
                                                        G_VARIANT_TYPE_VARDICT);
    if (other != NULL)
      sim_db_set (db, pbd, LAGOON_PBD_OTHER_CONFIG, g_steal_pointer (&other));
  }
  sr_update_allowed_operations (db, sr);
  sim_writer_string (call->w, pbd->ref);
  return TRUE;
}

static gboolean
pbd_destroy (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *pbd = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_PBD));
  SimObject *sr;

  if (pbd == NULL)
    return FALSE;
  if (g_variant_get_boolean (pbd->fields[LAGOON_PBD_CURRENTLY_ATTACHED]))
    {
      sim_fail (call, "OPERATION_NOT_ALLOWED", "PBD is currently attached", NULL);
      return FALSE;
    }
  sr = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_SR),
                            sim_object_get_string (pbd, LAGOON_PBD_SR));
  sim_db_delete (db, pbd);
  if (sr != NULL)
    sr_update_allowed_operations (db, sr);
  return sim_write_void (call);
}

/* ---- VBDs -------------------------------------------------------------------------------- */

typedef struct
{
  const char *code;
  char       *params[3];
} VbdError;

static void
vbd_error_clear (VbdError *e)
{
  for (guint i = 0; i < G_N_ELEMENTS (e->params); i++)
    g_clear_pointer (&e->params[i], g_free);
  e->code = NULL;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VbdError, vbd_error_clear)

static gboolean
vm_lacks_pv_drivers (SimDb     *db,
                     SimObject *vm)
{
  SimObject *gm;

  if (!g_str_equal (sim_object_get_string (vm, LAGOON_VM_DOMAIN_TYPE), "hvm"))
    return FALSE;
  gm = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VM_GUEST_METRICS),
                            sim_object_get_string (vm, LAGOON_VM_GUEST_METRICS));
  return gm == NULL ||
         !g_variant_get_boolean (gm->fields[LAGOON_VM_GUEST_METRICS_PV_DRIVERS_DETECTED]);
}

/*
 * Whether VBD operation @op is allowed now, in the order xapi's valid_operations settles it
 * (the first reason found wins). Returns FALSE with @e filled when it is not.
 */
static gboolean
vbd_check (SimDb      *db,
           SimObject  *vbd,
           const char *op,
           VbdError   *e)
{
  SimObject *vm = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VM),
                                       sim_object_get_string (vbd, LAGOON_VBD_VM));
  gboolean is_cd = g_str_equal (sim_object_get_string (vbd, LAGOON_VBD_TYPE), "CD");
  gboolean empty = g_variant_get_boolean (vbd->fields[LAGOON_VBD_EMPTY]);
  gboolean attached = g_variant_get_boolean (vbd->fields[LAGOON_VBD_CURRENTLY_ATTACHED]);
  gboolean unplug = g_str_equal (op, "unplug") || g_str_equal (op, "unplug_force");
  gboolean plug_op = unplug || g_str_equal (op, "plug");
  const char *state = vm != NULL ? sim_object_get_string (vm, LAGOON_VM_POWER_STATE) : "Halted";

#define FAIL(c, p0, p1, p2) \
  G_STMT_START { e->code = (c); e->params[0] = g_strdup (p0); e->params[1] = g_strdup (p1); \
                 e->params[2] = g_strdup (p2); return FALSE; } G_STMT_END

  if (unplug && !g_variant_get_boolean (vbd->fields[LAGOON_VBD_UNPLUGGABLE]))
    FAIL ("VBD_NOT_UNPLUGGABLE", vbd->ref, NULL, NULL);
  if (!is_cd && (g_str_equal (op, "insert") || g_str_equal (op, "eject")))
    FAIL ("VBD_NOT_REMOVABLE_MEDIA", vbd->ref, NULL, NULL);
  if (empty && g_str_equal (op, "eject"))
    FAIL ("VBD_IS_EMPTY", vbd->ref, NULL, NULL);
  if (!empty && g_str_equal (op, "insert"))
    FAIL ("VBD_NOT_EMPTY", vbd->ref, NULL, NULL);
  if (plug_op)
    {
      if (g_str_equal (state, "Running"))
        {
          if (attached && g_str_equal (op, "plug"))
            FAIL ("DEVICE_ALREADY_ATTACHED", vbd->ref, NULL, NULL);
          if (!attached && unplug)
            FAIL ("DEVICE_ALREADY_DETACHED", vbd->ref, NULL, NULL);
        }
      else
        {
          g_autofree char *actual = g_ascii_strdown (state, -1);
          FAIL ("VM_BAD_POWER_STATE", vm != NULL ? vm->ref : LAGOON_NULL_REF, "running", actual);
        }
    }
  if (plug_op && vm != NULL && g_str_equal (state, "Running"))
    {
      if (vm_lacks_pv_drivers (db, vm))
        FAIL ("VM_MISSING_PV_DRIVERS", vm->ref, NULL, NULL);
      if (is_cd && g_str_equal (sim_object_get_string (vm, LAGOON_VM_DOMAIN_TYPE), "hvm"))
        FAIL ("OPERATION_NOT_ALLOWED",
              "HVM CDROMs cannot be hotplugged/unplugged, only inserted or ejected", NULL, NULL);
    }
  if (is_cd && g_str_equal (state, "Suspended") &&
      (g_str_equal (op, "insert") || g_str_equal (op, "eject")))
    FAIL ("VM_BAD_POWER_STATE", vm->ref, "halted, running", "suspended");
  if (!empty && g_str_equal (op, "plug"))
    {
      SimObject *vdi = sim_db_lookup (db, sim_object_get_string (vbd, LAGOON_VBD_VDI));

      if (vdi != NULL && !g_variant_get_boolean (vdi->fields[LAGOON_VDI_SHARABLE]) &&
          vdi_is_attached (db, vdi))
        FAIL ("VDI_IN_USE", vdi->ref, NULL, NULL);
    }
#undef FAIL
  return TRUE;
}

static void
vbd_update_allowed_operations (SimDb     *db,
                               SimObject *vbd)
{
  static const char *const all[] = { "attach", "eject", "unplug", "unplug_force", "insert", "plug",
                                     "pause", "unpause" };
  const char *ops[G_N_ELEMENTS (all)];
  guint n = 0;
  gboolean attached = g_variant_get_boolean (vbd->fields[LAGOON_VBD_CURRENTLY_ATTACHED]);

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      g_auto(VbdError) e = { 0 };

      if (g_str_equal (all[i], "attach") && attached)
        continue;
      if ((g_str_equal (all[i], "pause") || g_str_equal (all[i], "unpause")) && !attached)
        continue;
      if (vbd_check (db, vbd, all[i], &e))
        ops[n++] = all[i];
    }
  sim_db_set (db, vbd, LAGOON_VBD_ALLOWED_OPERATIONS, sim_vstrv (ops, n));
}

static SimObject *
vbd_for_operation (SimCall    *call,
                   const char *op)
{
  SimObject *vbd = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VBD));
  g_auto(VbdError) e = { 0 };

  if (vbd == NULL)
    return NULL;
  if (!vbd_check (call_db (call), vbd, op, &e))
    {
      g_ptr_array_add (call->error, g_strdup (e.code));
      for (guint i = 0; i < G_N_ELEMENTS (e.params) && e.params[i] != NULL; i++)
        g_ptr_array_add (call->error, g_strdup (e.params[i]));
      return NULL;
    }
  return vbd;
}

/* xapi's device range: 0-254 (the control domain 0-255). */
#define VBD_MAX_DEVICES 256

/* A decimal disk number, or a Linux-style name (xvda, hdb, sdaa...), as a disk number; -1 when
 * it is neither (xapi's valid_device and Device_number). */
static int
vbd_device_number (const char *dev)
{
  char *end = NULL;
  gint64 n;

  if (dev[0] >= '0' && dev[0] <= '9')
    {
      n = g_ascii_strtoll (dev, &end, 10);
      return *end == '\0' && n >= 0 && n < VBD_MAX_DEVICES ? (int) n : -1;
    }
  for (const char *const *prefix = (const char *const[]) { "xvd", "hd", "sd", NULL }; *prefix;
       prefix++)
    if (g_str_has_prefix (dev, *prefix))
      {
        const char *p = dev + strlen (*prefix);
        gint64 v = 0;

        /* Letters in bijective base 26: a=0 .. z=25, aa=26 ... */
        if (*p == '\0' || strlen (p) > 2)
          return -1;
        for (; *p != '\0'; p++)
          {
            if (*p < 'a' || *p > 'z')
              return -1;
            v = v * 26 + (*p - 'a' + 1);
          }
        return v - 1 < VBD_MAX_DEVICES ? (int) (v - 1) : -1;
      }
  return -1;
}

/* The guest's name of disk @n: xvda .. xvdz, xvdaa ... */
static char *
vbd_device_name (int n)
{
  if (n < 26)
    return g_strdup_printf ("xvd%c", 'a' + n);
  return g_strdup_printf ("xvd%c%c", 'a' + n / 26 - 1, 'a' + n % 26);
}

/* Marks the disk numbers @vm's VBDs use; returns how many numbers the VM may use. */
static int
vbd_used_devices (SimDb     *db,
                  SimObject *vm,
                  gboolean   used[VBD_MAX_DEVICES])
{
  g_autoptr(GPtrArray) existing = ref_list (vm, LAGOON_VM_VBDS);

  memset (used, 0, sizeof (gboolean) * VBD_MAX_DEVICES);
  for (guint i = 0; i < existing->len; i++)
    {
      SimObject *other = sim_db_lookup (db, g_ptr_array_index (existing, i));
      int n;

      if (other != NULL &&
          (n = vbd_device_number (sim_object_get_string (other, LAGOON_VBD_USERDEVICE))) >= 0)
        used[n] = TRUE;
    }
  return g_variant_get_boolean (vm->fields[LAGOON_VM_IS_CONTROL_DOMAIN]) ? 256 : 255;
}

static gboolean
vm_get_allowed_vbd_devices (SimCall *call)
{
  SimObject *vm = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VM));
  gboolean used[VBD_MAX_DEVICES];
  int limit;

  if (vm == NULL)
    return FALSE;
  limit = vbd_used_devices (call_db (call), vm, used);
  sim_writer_begin_array (call->w);
  for (int n = 0; n < limit; n++)
    if (!used[n])
      {
        g_autofree char *s = g_strdup_printf ("%d", n);
        sim_writer_string (call->w, s);
      }
  sim_writer_end_array (call->w);
  return TRUE;
}

static gboolean
vbd_create (SimCall *call)
{
  SimDb *db = call_db (call);
  const LagoonSchemaClass *klass = sim_class (LAGOON_CLASS_VBD);
  GVariant *rec = call->args[1];
  const char *vm_ref = rec_str (rec, "VM");
  const char *vdi_ref = rec_str (rec, "VDI");
  const char *userdevice = map_get (rec, "userdevice");
  const char *mode = map_get (rec, "mode");
  const char *type = map_get (rec, "type");
  gboolean empty = rec_bool (rec, "empty", FALSE);
  SimObject *vm = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VM), vm_ref);
  SimObject *vdi = NULL;
  gboolean used[VBD_MAX_DEVICES];
  g_autofree GVariant **fields = NULL;
  g_autofree char *device = NULL;
  int number, limit;
  SimObject *vbd;

  if (vm == NULL)
    {
      sim_fail (call, "HANDLE_INVALID", "VM", vm_ref ? vm_ref : "", NULL);
      return FALSE;
    }
  if (mode == NULL)
    mode = "RW";
  if (type == NULL)
    type = "Disk";
  if (userdevice == NULL)
    userdevice = "";
  if (!empty)
    {
      vdi = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VDI), vdi_ref);
      if (vdi == NULL)
        {
          sim_fail (call, "HANDLE_INVALID", "VDI", vdi_ref ? vdi_ref : "", NULL);
          return FALSE;
        }
    }
  if (vdi != NULL &&
      !g_strv_contains ((const char *const[]) { "system", "user", "ephemeral", "suspend",
                                                "crashdump", "metadata", "rrd", "pvs_cache",
                                                NULL },
                        sim_object_get_string (vdi, LAGOON_VDI_TYPE)))
    {
      sim_fail (call, "VDI_INCOMPATIBLE_TYPE", vdi->ref,
                sim_object_get_string (vdi, LAGOON_VDI_TYPE), NULL);
      return FALSE;
    }
  if (g_str_equal (type, "CD") && !g_str_equal (mode, "RO"))
    {
      sim_fail (call, "VBD_CDS_MUST_BE_READONLY", NULL);
      return FALSE;
    }
  if (!g_str_equal (type, "CD") && empty)
    {
      sim_fail (call, "VBD_NOT_REMOVABLE_MEDIA", "in constructor", NULL);
      return FALSE;
    }
  if (vdi != NULL && g_str_equal (mode, "RW") &&
      g_variant_get_boolean (vdi->fields[LAGOON_VDI_READ_ONLY]))
    {
      sim_fail (call, "VDI_READONLY", vdi->ref, NULL);
      return FALSE;
    }

  limit = vbd_used_devices (db, vm, used);
  if (g_str_equal (userdevice, "autodetect"))
    {
      number = -1;
      for (int i = 0; i < limit && number < 0; i++)
        if (!used[i])
          number = i;
      if (number < 0)
        {
          sim_fail (call, "INVALID_DEVICE", userdevice, NULL);
          return FALSE;
        }
      device = g_strdup_printf ("%d", number);
    }
  else if ((number = vbd_device_number (userdevice)) < 0 || number >= limit)
    {
      sim_fail (call, "INVALID_DEVICE", userdevice, NULL);
      return FALSE;
    }
  else if (used[number])
    {
      sim_fail (call, "DEVICE_ALREADY_EXISTS", userdevice, NULL);
      return FALSE;
    }
  else
    device = g_strdup (userdevice);

  fields = g_new0 (GVariant *, klass->n_fields);
  fields[LAGOON_VBD_UUID] = g_variant_ref_sink (g_variant_new_take_string (sim_db_new_uuid ()));
  fields[LAGOON_VBD_VM] = sim_vstr (vm->ref);
  fields[LAGOON_VBD_VDI] = sim_vstr (vdi != NULL ? vdi->ref : LAGOON_NULL_REF);
  fields[LAGOON_VBD_USERDEVICE] = sim_vstr (device);
  fields[LAGOON_VBD_DEVICE] = sim_vstr ("");
  fields[LAGOON_VBD_BOOTABLE] = sim_vbool (rec_bool (rec, "bootable", FALSE));
  fields[LAGOON_VBD_MODE] = sim_vstr (mode);
  fields[LAGOON_VBD_TYPE] = sim_vstr (type);
  fields[LAGOON_VBD_UNPLUGGABLE] = sim_vbool (rec_bool (rec, "unpluggable", TRUE));
  fields[LAGOON_VBD_EMPTY] = sim_vbool (empty);
  fields[LAGOON_VBD_CURRENTLY_ATTACHED] = sim_vbool (FALSE);
  fields[LAGOON_VBD_OTHER_CONFIG] = g_variant_lookup_value (rec, "other_config",
                                                            G_VARIANT_TYPE_VARDICT);
  fields[LAGOON_VBD_QOS_ALGORITHM_TYPE] = sim_vstr (map_get (rec, "qos_algorithm_type")
                                                    ? map_get (rec, "qos_algorithm_type") : "");
  fields[LAGOON_VBD_QOS_ALGORITHM_PARAMS] = g_variant_lookup_value (rec, "qos_algorithm_params",
                                                                    G_VARIANT_TYPE_VARDICT);
  {
    const LagoonSchemaClass *mk = sim_class (LAGOON_CLASS_VBD_METRICS);
    GVariant **mf = g_new0 (GVariant *, mk->n_fields);
    SimObject *metrics;

    for (guint f = 0; f < mk->n_fields; f++)
      if (g_str_equal (mk->fields[f].name, "uuid"))
        mf[f] = g_variant_ref_sink (g_variant_new_take_string (sim_db_new_uuid ()));
    metrics = sim_db_insert (db, mk, NULL, mf, FALSE);
    g_free (mf);
    fields[LAGOON_VBD_METRICS] = sim_vstr (metrics->ref);
  }
  vbd = sim_db_insert (db, klass, NULL, g_steal_pointer (&fields), FALSE);
  vbd_update_allowed_operations (db, vbd);
  sim_writer_string (call->w, vbd->ref);
  return TRUE;
}

static gboolean
vbd_destroy (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *vbd = sim_arg_object (call, 1, sim_class (LAGOON_CLASS_VBD));
  SimObject *metrics;

  if (vbd == NULL)
    return FALSE;
  if (g_variant_get_boolean (vbd->fields[LAGOON_VBD_CURRENTLY_ATTACHED]))
    {
      SimObject *vm = sim_db_lookup (db, sim_object_get_string (vbd, LAGOON_VBD_VM));
      g_autofree char *msg = g_strdup_printf ("VBD '%s' still attached to '%s'",
                                              sim_object_get_string (vbd, LAGOON_VBD_UUID),
                                              vm != NULL
                                              ? sim_object_get_string (vm, LAGOON_VM_UUID) : "");
      sim_fail (call, "OPERATION_NOT_ALLOWED", msg, NULL);
      return FALSE;
    }
  metrics = sim_db_lookup (db, sim_object_get_string (vbd, LAGOON_VBD_METRICS));
  if (metrics != NULL)
    sim_db_delete (db, metrics);
  sim_db_delete (db, vbd);
  return sim_write_void (call);
}

static gboolean
vbd_plug (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *vbd = vbd_for_operation (call, "plug");
  g_autofree char *name = NULL;
  SimObject *vdi;
  int n;

  if (vbd == NULL)
    return FALSE;
  vdi = sim_db_lookup (db, sim_object_get_string (vbd, LAGOON_VBD_VDI));
  if (vdi != NULL)
    {
      SimObject *sr = sim_db_lookup (db, sim_object_get_string (vdi, LAGOON_VDI_SR));

      if (sr != NULL && !sr_check_attached (call, sr))
        return FALSE;
    }
  n = vbd_device_number (sim_object_get_string (vbd, LAGOON_VBD_USERDEVICE));
  name = n >= 0 ? vbd_device_name (n) : g_strdup ("");
  sim_db_set (db, vbd, LAGOON_VBD_DEVICE, sim_vstr (name));
  sim_db_set (db, vbd, LAGOON_VBD_CURRENTLY_ATTACHED, sim_vbool (TRUE));
  vbd_update_allowed_operations (db, vbd);
  if (vdi != NULL)
    vdi_update_allowed_operations (db, vdi);
  return sim_write_void (call);
}

static gboolean
vbd_do_unplug (SimCall    *call,
               const char *op)
{
  SimDb *db = call_db (call);
  SimObject *vbd = vbd_for_operation (call, op);
  SimObject *vdi;

  if (vbd == NULL)
    return FALSE;
  sim_db_set (db, vbd, LAGOON_VBD_CURRENTLY_ATTACHED, sim_vbool (FALSE));
  vbd_update_allowed_operations (db, vbd);
  vdi = sim_db_lookup (db, sim_object_get_string (vbd, LAGOON_VBD_VDI));
  if (vdi != NULL)
    vdi_update_allowed_operations (db, vdi);
  return sim_write_void (call);
}

static gboolean
vbd_unplug (SimCall *call)
{
  return vbd_do_unplug (call, "unplug");
}

static gboolean
vbd_unplug_force (SimCall *call)
{
  return vbd_do_unplug (call, "unplug_force");
}

/* xapi's assert_vdi_is_valid_iso: a CD takes a disk from an ISO library (or a CD drive). */
static gboolean
vdi_is_iso (SimDb     *db,
            SimObject *vdi)
{
  SimObject *sr = sim_db_lookup (db, sim_object_get_string (vdi, LAGOON_VDI_SR));

  return sr != NULL && (g_str_equal (sim_object_get_string (sr, LAGOON_SR_CONTENT_TYPE), "iso") ||
                        g_str_equal (sim_object_get_string (sr, LAGOON_SR_TYPE), "udev"));
}

static gboolean
vbd_insert (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *vbd = vbd_for_operation (call, "insert");
  SimObject *vdi;

  if (vbd == NULL || (vdi = sim_arg_object (call, 2, sim_class (LAGOON_CLASS_VDI))) == NULL)
    return FALSE;
  if (!vdi_is_iso (db, vdi))
    {
      sim_fail (call, "VDI_IS_NOT_ISO", vdi->ref, sim_object_get_string (vdi, LAGOON_VDI_TYPE),
                NULL);
      return FALSE;
    }
  sim_db_set (db, vbd, LAGOON_VBD_VDI, sim_vstr (vdi->ref));
  sim_db_set (db, vbd, LAGOON_VBD_EMPTY, sim_vbool (FALSE));
  vbd_update_allowed_operations (db, vbd);
  return sim_write_void (call);
}

static gboolean
vbd_eject (SimCall *call)
{
  SimDb *db = call_db (call);
  SimObject *vbd = vbd_for_operation (call, "eject");

  if (vbd == NULL)
    return FALSE;
  sim_db_set (db, vbd, LAGOON_VBD_VDI, sim_vstr (LAGOON_NULL_REF));
  sim_db_set (db, vbd, LAGOON_VBD_EMPTY, sim_vbool (TRUE));
  vbd_update_allowed_operations (db, vbd);
  return sim_write_void (call);
}

void
sim_vm_update_device_operations (SimDb     *db,
                                 SimObject *vm)
{
  g_autoptr(GPtrArray) vbds = ref_list (vm, LAGOON_VM_VBDS);
  g_autoptr(GPtrArray) vifs = ref_list (vm, LAGOON_VM_VIFS);

  for (guint i = 0; i < vbds->len; i++)
    {
      SimObject *vbd = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VBD),
                                            g_ptr_array_index (vbds, i));
      SimObject *vdi;

      if (vbd == NULL)
        continue;
      vbd_update_allowed_operations (db, vbd);
      vdi = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VDI),
                                 sim_object_get_string (vbd, LAGOON_VBD_VDI));
      if (vdi != NULL)
        vdi_update_allowed_operations (db, vdi);
    }
  for (guint i = 0; i < vifs->len; i++)
    {
      SimObject *vif = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VIF),
                                            g_ptr_array_index (vifs, i));

      if (vif != NULL)
        sim_vif_update_allowed_operations (db, vif);
    }
}

/* ---- SR current_operations ------------------------------------------------------------- */

/* How long an Async storage operation shows in SR.current_operations (seconds, times --speed). */
#define SR_ASYNC_OP_SECONDS 0.25

/* @map ((string -> string) map) with @key set to @value, or removed when @value is NULL. */
static GVariant *
map_with (GVariant   *map,
          const char *key,
          const char *value)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  GVariantIter iter;
  const char *k;
  GVariant *v;

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

/* The SR a guarded call works on, from its arguments; NULL when they name none. */
static SimObject *
guard_sr (SimCall *call)
{
  SimDb *db = call_db (call);
  const LagoonSchemaClass *sr_class = sim_class (LAGOON_CLASS_SR);
  const char *name = call->wire_name;
  SimObject *obj;

  if (g_str_has_prefix (name, "SR."))
    return sim_db_lookup_class (db, sr_class, sim_arg_string (call, 1));
  if (g_str_equal (name, "VDI.create"))
    return sim_db_lookup_class (db, sr_class, rec_str (call->args[1], "SR"));
  if (g_str_has_prefix (name, "PBD."))
    {
      obj = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_PBD), sim_arg_string (call, 1));
      return obj != NULL ? sim_db_lookup_class (db, sr_class,
                                                sim_object_get_string (obj, LAGOON_PBD_SR)) : NULL;
    }
  if (g_str_has_prefix (name, "VDI."))
    {
      obj = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_VDI), sim_arg_string (call, 1));
      return obj != NULL ? sim_db_lookup_class (db, sr_class,
                                                sim_object_get_string (obj, LAGOON_VDI_SR)) : NULL;
    }
  return NULL;
}

/*
 * The Async task running this call, if any: a pending task named Async.<wire name> whose ref
 * no SR holds in current_operations yet (the oldest such).
 */
static char *
running_task (SimCall *call)
{
  SimDb *db = call_db (call);
  g_autofree char *label = g_strconcat ("Async.", call->wire_name, NULL);
  GQueue *tasks = sim_db_class_objects (db, sim_class (LAGOON_CLASS_TASK));
  GQueue *srs = sim_db_class_objects (db, sim_class (LAGOON_CLASS_SR));

  for (GList *l = tasks->head; l != NULL; l = l->next)
    {
      SimObject *task = l->data;
      gboolean taken = FALSE;

      if (!g_str_equal (sim_object_get_string (task, LAGOON_TASK_STATUS), "pending") ||
          !g_str_equal (sim_object_get_string (task, LAGOON_TASK_NAME_LABEL), label))
        continue;
      for (GList *m = srs->head; m != NULL && !taken; m = m->next)
        {
          g_autoptr(GVariant) v = g_variant_lookup_value (
            ((SimObject *) m->data)->fields[LAGOON_SR_CURRENT_OPERATIONS], task->ref, NULL);
          taken = v != NULL;
        }
      if (!taken)
        return g_strdup (task->ref);
    }
  return NULL;
}

/*
 * Runs @handler holding @op in the SR's current_operations (keyed by the Async task, which
 * keeps it there SR_ASYNC_OP_SECONDS first); another operation on the SR meanwhile fails
 * with OTHER_OPERATION_IN_PROGRESS [SR, sr, op].
 */
static gboolean
sr_guarded (SimCall    *call,
            const char *op,
            SimHandler  handler)
{
  SimDb *db = call_db (call);
  SimObject *sr = guard_sr (call);
  g_autofree char *sr_ref = NULL;
  g_autofree char *task = NULL;
  g_autofree char *key = NULL;
  GVariantIter iter;
  const char *k;
  GVariant *v;
  gboolean ok;

  if (sr == NULL)
    return handler (call);
  g_variant_iter_init (&iter, sr->fields[LAGOON_SR_CURRENT_OPERATIONS]);
  if (g_variant_iter_next (&iter, "{&sv}", &k, &v))
    {
      g_autoptr(GVariant) running = v;

      sim_fail (call, "OTHER_OPERATION_IN_PROGRESS", "SR", sr->ref,
                g_variant_is_of_type (running, G_VARIANT_TYPE_STRING)
                ? g_variant_get_string (running, NULL) : "", NULL);
      return FALSE;
    }
  sr_ref = g_strdup (sr->ref);
  task = running_task (call);
  key = task != NULL ? g_strdup (task) : sim_db_new_ref ();
  sim_db_set (db, sr, LAGOON_SR_CURRENT_OPERATIONS,
              map_with (sr->fields[LAGOON_SR_CURRENT_OPERATIONS], key, op));
  sr_update_allowed_operations (db, sr);
  if (task != NULL)
    sim_wait_unlocked (call->server, SR_ASYNC_OP_SECONDS);
  ok = handler (call);
  sr = sim_db_lookup_class (db, sim_class (LAGOON_CLASS_SR), sr_ref);
  if (sr != NULL)
    {
      sim_db_set (db, sr, LAGOON_SR_CURRENT_OPERATIONS,
                  map_with (sr->fields[LAGOON_SR_CURRENT_OPERATIONS], key, NULL));
      sr_update_allowed_operations (db, sr);
    }
  return ok;
}

#define GUARDED(fn, op) \
  static gboolean fn##_guarded (SimCall *call) { return sr_guarded (call, op, fn); }

GUARDED (sr_scan, "scan")
GUARDED (sr_update, "update")
GUARDED (sr_forget, "forget")
GUARDED (sr_destroy, "destroy")
GUARDED (pbd_plug, "plug")
GUARDED (pbd_unplug, "unplug")
GUARDED (vdi_create, "vdi_create")
GUARDED (vdi_destroy, "vdi_destroy")
GUARDED (vdi_resize, "vdi_resize")
GUARDED (vdi_resize_online, "vdi_resize")
GUARDED (vdi_snapshot, "vdi_snapshot")
GUARDED (vdi_clone, "vdi_clone")

#undef GUARDED

const SimSpecial sim_storage_specials[] = {
  { "SR.create", sr_create },
  { "SR.probe", sr_probe },
  { "SR.probe_ext", sr_probe_ext },
  { "SR.introduce", sr_introduce },
  { "SR.forget", sr_forget_guarded },
  { "SR.destroy", sr_destroy_guarded },
  { "SR.scan", sr_scan_guarded },
  { "SR.update", sr_update_guarded },
  { "SR.set_shared", sr_set_shared },
  { "PBD.create", pbd_create },
  { "PBD.destroy", pbd_destroy },
  { "PBD.plug", pbd_plug_guarded },
  { "PBD.unplug", pbd_unplug_guarded },
  { "VDI.create", vdi_create_guarded },
  { "VDI.destroy", vdi_destroy_guarded },
  { "VDI.resize", vdi_resize_guarded },
  { "VDI.resize_online", vdi_resize_online_guarded },
  { "VDI.snapshot", vdi_snapshot_guarded },
  { "VDI.clone", vdi_clone_guarded },
  { "VDI.copy", vdi_copy },
  { "VDI.pool_migrate", vdi_pool_migrate },
  { "VBD.create", vbd_create },
  { "VBD.destroy", vbd_destroy },
  { "VBD.plug", vbd_plug },
  { "VBD.unplug", vbd_unplug },
  { "VBD.unplug_force", vbd_unplug_force },
  { "VBD.insert", vbd_insert },
  { "VBD.eject", vbd_eject },
  { "VM.get_allowed_VBD_devices", vm_get_allowed_vbd_devices },
  { NULL, NULL }
};
