/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sim-generate"

#include "config.h"

#include <string.h>

#include "sim-generate.h"

#define GiB (G_GINT64_CONSTANT (1024) * 1024 * 1024)
#define MiB (G_GINT64_CONSTANT (1024) * 1024)

/* ---- rows under construction ------------------------------------------------- */

typedef struct
{
  const LagoonSchemaClass *klass;
  char                    *ref;
  char                    *uuid;
  GVariant               **fields; /* NULL: the field's default */
  GPtrArray              **links;  /* ref sets built by appending (NULL while empty) */
} Row;

typedef struct
{
  GRand      *rand;
  GPtrArray  *rows;     /* Row *, in creation order */
  GHashTable *by_ref;   /* ref -> Row * */
  GHashTable *words;    /* space-separated list -> string set GVariant */
  GVariant ***defaults; /* [class id][field] */
  gint64      now;
} Gen;

static void
row_free (Row *row)
{
  for (guint f = 0; f < row->klass->n_fields; f++)
    {
      g_clear_pointer (&row->fields[f], g_variant_unref);
      g_clear_pointer (&row->links[f], g_ptr_array_unref);
    }
  g_free (row->fields);
  g_free (row->links);
  g_free (row->ref);
  g_free (row->uuid);
  g_free (row);
}

static guint
rnd (Gen  *g,
     guint lo,
     guint hi)
{
  return (guint) g_rand_int_range (g->rand, (gint32) lo, (gint32) hi + 1);
}

static gboolean
chance (Gen    *g,
        double  p)
{
  return g_rand_double (g->rand) < p;
}

static char *
gen_uuid (Gen *g)
{
  guint8 b[16];

  for (guint i = 0; i < 16; i += 4)
    {
      guint32 r = g_rand_int (g->rand);
      memcpy (b + i, &r, 4);
    }
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
                          b[11], b[12], b[13], b[14], b[15]);
}

static char *
gen_mac (Gen *g)
{
  guint8 b[6];

  for (guint i = 0; i < 6; i++)
    b[i] = (guint8) rnd (g, 0, 255);
  b[0] = (b[0] & 0xfc) | 0x02; /* locally administered, unicast */
  return g_strdup_printf ("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
}

static int
field_index (Row        *row,
             const char *field)
{
  int idx = lagoon_schema_find_field (row->klass, field);

  if (idx < 0)
    g_error ("Generator bug: %s has no field %s", row->klass->name, field);
  return idx;
}

static Row *
new_row (Gen        *g,
         const char *klass_name)
{
  const LagoonSchemaClass *klass = lagoon_schema_find_class (klass_name);
  g_autofree char *ref_uuid = NULL;
  Row *row;

  if (klass == NULL)
    g_error ("Generator bug: no class %s", klass_name);
  row = g_new0 (Row, 1);
  row->klass = klass;
  ref_uuid = gen_uuid (g);
  row->ref = g_strconcat ("OpaqueRef:", ref_uuid, NULL);
  row->uuid = gen_uuid (g);
  row->fields = g_new0 (GVariant *, klass->n_fields);
  row->links = g_new0 (GPtrArray *, klass->n_fields);
  if (lagoon_schema_find_field (klass, "uuid") >= 0)
    row->fields[field_index (row, "uuid")] = g_variant_ref_sink (g_variant_new_string (row->uuid));
  g_ptr_array_add (g->rows, row);
  g_hash_table_insert (g->by_ref, row->ref, row);
  return row;
}

/* Whether every enum value inside @value (of the right shape) is one the schema knows. */
static gboolean
enums_valid (const LagoonType *type,
             GVariant         *value)
{
  switch (type->kind)
    {
    case LAGOON_TYPE_ENUM:
      return lagoon_schema_enum_index (type->enum_type, g_variant_get_string (value, NULL)) >= 0;
    case LAGOON_TYPE_SET:
    case LAGOON_TYPE_MAP:
      if (type->value->kind != LAGOON_TYPE_ENUM && (type->kind == LAGOON_TYPE_SET ||
                                                    type->key->kind != LAGOON_TYPE_ENUM))
        return TRUE;
      for (gsize i = 0; i < g_variant_n_children (value); i++)
        {
          g_autoptr(GVariant) item = g_variant_get_child_value (value, i);
          g_autoptr(GVariant) key = NULL;
          g_autoptr(GVariant) boxed = NULL;
          g_autoptr(GVariant) inner = NULL;

          if (type->kind == LAGOON_TYPE_SET)
            boxed = g_variant_ref (item);
          else
            {
              key = g_variant_get_child_value (item, 0);
              boxed = g_variant_get_child_value (item, 1);
              if (!enums_valid (type->key, key))
                return FALSE;
            }
          inner = g_variant_get_variant (boxed);
          if (!enums_valid (type->value, inner))
            return FALSE;
        }
      return TRUE;
    default:
      return TRUE;
    }
}

/* Takes @value (floating or full). Values built with another shape than the field's
 * (strings in a map of ints...) are converted. */
static void
set (Row        *row,
     const char *field,
     GVariant   *value)
{
  int idx = field_index (row, field);
  const LagoonType *type = row->klass->fields[idx].type;
  g_autoptr(GError) error = NULL;
  GVariant *v;

  g_variant_ref_sink (value);
  if (g_variant_is_of_type (value, lagoon_type_variant_type (type)) && enums_valid (type, value))
    v = g_variant_ref (value);
  else
    {
      v = lagoon_value_coerce (type, value, &error);
      if (v == NULL)
        g_error ("Generator bug: %s.%s: %s", row->klass->name, field, error->message);
    }
  g_variant_unref (value);
  g_clear_pointer (&row->fields[idx], g_variant_unref);
  row->fields[idx] = v;
}

static void
set_str (Row        *row,
         const char *field,
         const char *value)
{
  set (row, field, g_variant_new_string (value));
}

G_GNUC_PRINTF (3, 4)
static void
set_printf (Row        *row,
            const char *field,
            const char *format,
            ...)
{
  va_list args;
  char *s;

  va_start (args, format);
  s = g_strdup_vprintf (format, args);
  va_end (args);
  set (row, field, g_variant_new_take_string (s));
}

static void
set_int (Row        *row,
         const char *field,
         gint64      value)
{
  set (row, field, g_variant_new_int64 (value));
}

static void
set_bool (Row        *row,
          const char *field,
          gboolean    value)
{
  set (row, field, g_variant_new_boolean (value));
}

static void
set_float (Row        *row,
           const char *field,
           double      value)
{
  set (row, field, g_variant_new_double (value));
}

static void
set_ref (Row        *row,
         const char *field,
         Row        *target)
{
  set (row, field, g_variant_new_string (target ? target->ref : LAGOON_NULL_REF));
}

static void
set_time (Row        *row,
          const char *field,
          gint64      unix_time)
{
  set (row, field, g_variant_new_take_string (lagoon_datetime_format (unix_time)));
}

/* A map from NULL-terminated key, value pairs of strings (converted to the map's types). */
G_GNUC_NULL_TERMINATED
static void
set_map (Row        *row,
         const char *field,
         ...)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  const char *key;
  va_list args;

  va_start (args, field);
  while ((key = va_arg (args, const char *)) != NULL)
    {
      const char *value = va_arg (args, const char *);
      g_variant_builder_add (&b, "{sv}", key, g_variant_new_string (value));
    }
  va_end (args);
  set (row, field, g_variant_builder_end (&b));
}

/* A set of strings from a NULL-terminated list. */
G_GNUC_NULL_TERMINATED
static void
set_strs (Row        *row,
          const char *field,
          ...)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("av"));
  const char *item;
  va_list args;

  va_start (args, field);
  while ((item = va_arg (args, const char *)) != NULL)
    g_variant_builder_add (&b, "v", g_variant_new_string (item));
  va_end (args);
  set (row, field, g_variant_builder_end (&b));
}

/* A set of strings from a space-separated list; the same lists recur on thousands of rows
 * and share one value. */
static void
set_words (Gen        *g,
           Row        *row,
           const char *field,
           const char *words)
{
  GVariant *value = g_hash_table_lookup (g->words, words);

  if (value == NULL)
    {
      g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("av"));
      g_auto(GStrv) parts = g_strsplit (words, " ", -1);

      for (guint i = 0; parts[i] != NULL; i++)
        if (*parts[i] != '\0')
          g_variant_builder_add (&b, "v", g_variant_new_string (parts[i]));
      value = g_variant_ref_sink (g_variant_builder_end (&b));
      g_hash_table_insert (g->words, g_strdup (words), value);
    }
  set (row, field, value);
}

/* Appends @target's ref to the ref set @field of @row. */
static void
link_ref (Row        *row,
          const char *field,
          Row        *target)
{
  int idx = field_index (row, field);

  if (row->links[idx] == NULL)
    row->links[idx] = g_ptr_array_new ();
  g_ptr_array_add (row->links[idx], target->ref);
}

/* Emits and frees every row. */
static gboolean
emit_rows (Gen                 *g,
           LagoonDbdumpRowFunc  row_func,
           gpointer             user_data,
           GError             **error)
{
  g_autofree GVariant **fields = NULL;
  guint widest = 0;
  gboolean ok = TRUE;

  for (guint c = 0; c < lagoon_schema_n_classes; c++)
    widest = MAX (widest, lagoon_schema_classes[c].n_fields);
  fields = g_new0 (GVariant *, widest + 1);

  for (guint i = 0; i < g->rows->len; i++)
    {
      Row *row = g->rows->pdata[i];
      const LagoonSchemaClass *klass = row->klass;

      if (!ok)
        break;

      if (g->defaults[klass->id] == NULL)
        g->defaults[klass->id] = g_new0 (GVariant *, klass->n_fields + 1);

      for (guint f = 0; f < klass->n_fields; f++)
        {
          if (row->links[f] != NULL)
            {
              GPtrArray *refs = row->links[f];
              g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("av"));

              for (guint r = 0; r < refs->len; r++)
                g_variant_builder_add (&b, "v", g_variant_new_string (refs->pdata[r]));
              fields[f] = g_variant_ref_sink (g_variant_builder_end (&b));
            }
          else if (row->fields[f] != NULL)
            fields[f] = g_variant_ref (row->fields[f]);
          else
            {
              if (g->defaults[klass->id][f] == NULL)
                g->defaults[klass->id][f] = lagoon_schema_field_default (&klass->fields[f]);
              fields[f] = g_variant_ref (g->defaults[klass->id][f]);
            }
        }
      ok = row_func (klass, row->ref, (GVariant * const *) fields, user_data, error);
      for (guint f = 0; f < klass->n_fields; f++)
        g_clear_pointer (&fields[f], g_variant_unref);
    }
  return ok;
}

/* ---- the pool's contents --------------------------------------------------- */

typedef struct
{
  const char *name;
  const char *description;
  const char *distro;       /* install-distro, or NULL for Windows and other media */
  gboolean    windows;
  const char *install_methods;
  gint64      memory_mib;
  guint       vcpus;
  gint64      disk_gib;
  gboolean    uefi;
} TemplateInfo;

static const TemplateInfo templates[] = {
  { "Debian Bookworm 12", "Debian 12 (64-bit), installed from CD or network", "debianlike", FALSE,
    "cdrom,nfs,http,ftp", 2048, 1, 10, FALSE },
  { "Debian Bullseye 11", "Debian 11 (64-bit), installed from CD or network", "debianlike", FALSE,
    "cdrom,nfs,http,ftp", 2048, 1, 10, FALSE },
  { "Ubuntu Jammy Jellyfish 22.04", "Ubuntu 22.04 LTS (64-bit)", "debianlike", FALSE,
    "cdrom,nfs,http,ftp", 2048, 2, 20, FALSE },
  { "Ubuntu Focal Fossa 20.04", "Ubuntu 20.04 LTS (64-bit)", "debianlike", FALSE,
    "cdrom,nfs,http,ftp", 2048, 2, 20, FALSE },
  { "CentOS Stream 9", "CentOS Stream 9 (64-bit)", "rhlike", FALSE, "cdrom,nfs,http,ftp", 2048, 2,
    20, FALSE },
  { "Rocky Linux 9", "Rocky Linux 9 (64-bit)", "rhlike", FALSE, "cdrom,nfs,http,ftp", 2048, 2, 20,
    FALSE },
  { "AlmaLinux 9", "AlmaLinux 9 (64-bit)", "rhlike", FALSE, "cdrom,nfs,http,ftp", 2048, 2, 20,
    FALSE },
  { "Red Hat Enterprise Linux 9", "Red Hat Enterprise Linux 9 (64-bit)", "rhlike", FALSE,
    "cdrom,nfs,http,ftp", 2048, 2, 20, FALSE },
  { "Windows Server 2022 (64-bit)", "Windows Server 2022, installed from CD", NULL, TRUE, "cdrom",
    4096, 2, 64, TRUE },
  { "Windows Server 2019 (64-bit)", "Windows Server 2019, installed from CD", NULL, TRUE, "cdrom",
    4096, 2, 64, TRUE },
  { "Windows 10 (64-bit)", "Windows 10 (64-bit), installed from CD", NULL, TRUE, "cdrom", 4096, 2,
    64, FALSE },
  { "Windows 11", "Windows 11, installed from CD", NULL, TRUE, "cdrom", 4096, 2, 64, TRUE },
  { "Other install media", "Any operating system, installed from CD", NULL, FALSE, "cdrom", 1024,
    1, 16, FALSE },
};

/* Guest operating systems, each made from one of the templates above. */
typedef struct
{
  guint       template_index;
  const char *name;
  const char *distro;
  const char *major;
  const char *minor;
  const char *uname;
} GuestOs;

static const GuestOs guest_oses[] = {
  { 0, "Debian GNU/Linux 12 (bookworm)", "debian", "12", "5", "6.1.0-18-amd64" },
  { 1, "Debian GNU/Linux 11 (bullseye)", "debian", "11", "9", "5.10.0-28-amd64" },
  { 2, "Ubuntu 22.04.4 LTS", "ubuntu", "22", "04", "5.15.0-101-generic" },
  { 3, "Ubuntu 20.04.6 LTS", "ubuntu", "20", "04", "5.4.0-173-generic" },
  { 4, "CentOS Stream 9", "centos", "9", "", "5.14.0-427.el9.x86_64" },
  { 5, "Rocky Linux 9.3 (Blue Onyx)", "rocky", "9", "3", "5.14.0-362.8.1.el9_3.x86_64" },
  { 6, "AlmaLinux 9.3 (Shamrock Pampas Cat)", "almalinux", "9", "3",
    "5.14.0-362.18.1.el9_3.x86_64" },
  { 8, "Microsoft Windows Server 2022 Standard|C:\\Windows|\\Device\\Harddisk0\\Partition2",
    "windows", "10", "0", NULL },
  { 9, "Microsoft Windows Server 2019 Datacenter|C:\\Windows|\\Device\\Harddisk0\\Partition2",
    "windows", "10", "0", NULL },
  { 10, "Microsoft Windows 10 Pro|C:\\Windows|\\Device\\Harddisk0\\Partition2", "windows", "10",
    "0", NULL },
};

static const char * const vm_prefixes[] = {
  "web", "db", "app", "cache", "mail", "ci", "k8s-node", "dns", "files", "mon", "vpn", "log",
};

static const char * const vm_descriptions[] = {
  "Web front end", "Database server", "Application server", "Cache", "Mail relay",
  "Build agent", "Kubernetes worker", "Name server", "File server", "Monitoring",
  "VPN gateway", "Log collector",
};

static const char * const folders[] = {
  "/Production/Web", "/Production/Databases", "/Staging", "/Lab", "/Infrastructure",
};

static const char * const tag_names[] = {
  "production", "backup", "critical", "staging", "customer-facing",
};

static const char * const vapp_names[] = {
  "Web shop", "CRM suite", "Monitoring stack", "CI farm", "Mail platform", "Analytics",
  "Intranet", "Billing",
};

static const char * const snapshot_labels[] = {
  "before upgrade", "pre-patch", "nightly", "known good",
};

static const char * const iso_names[] = {
  "debian-12.5.0-amd64-netinst.iso", "ubuntu-22.04.4-live-server-amd64.iso",
  "CentOS-Stream-9-latest-x86_64-dvd1.iso", "Rocky-9.3-x86_64-minimal.iso",
  "SERVER_EVAL_x64FRE_en-us.iso", "Win10_22H2_English_x64.iso",
};

static const char *running_ops =
  "changing_dynamic_range migrate_send pool_migrate changing_VCPUs_live suspend hard_reboot "
  "hard_shutdown clean_reboot clean_shutdown pause checkpoint snapshot";
static const char *halted_ops =
  "changing_dynamic_range changing_static_range changing_memory_limits changing_VCPUs "
  "changing_shadow_memory make_into_template provision start start_on clone copy export "
  "metadata_export migrate_send destroy snapshot";
static const char *suspended_ops =
  "resume resume_on hard_shutdown checkpoint snapshot export metadata_export migrate_send destroy";
static const char *paused_ops =
  "unpause hard_reboot hard_shutdown checkpoint snapshot changing_dynamic_range";
static const char *template_ops =
  "changing_dynamic_range changing_shadow_memory changing_static_range provision export clone copy";
static const char *snapshot_ops = "destroy export revert clone copy";

typedef struct
{
  Row    *row;
  gint64  virtual_allocation;
  gint64  physical_utilisation;
  gboolean thin;
} SrInfo;

typedef struct
{
  guint    index;
  Row     *row;
  Row     *metrics;
  char    *address;
  SrInfo   local_sr;
  Row     *pif[2];       /* eth0, eth1 */
  gint64   memory_total;
  gint64   memory_used;
  guint    next_domid;
  guint    cpus;
} HostInfo;

typedef struct
{
  Gen      *g;
  guint     n_hosts;
  HostInfo *hosts;
  Row      *pool;
  Row      *net[2];      /* pool-wide networks on eth0, eth1 */
  Row      *vlan_net;
  SrInfo    nfs;
  SrInfo    iso;
  SrInfo    tools;
  GPtrArray *iso_vdis;   /* Row * */
  Row      *templates_rows[G_N_ELEMENTS (templates)];
  GPtrArray *vms;        /* Row * of guest VMs */
  guint     ip_serial;
} Pool;

static void
add_vdi_to_sr (SrInfo *sr,
               Row    *vdi,
               gint64  virtual_size,
               gint64  physical)
{
  set_ref (vdi, "SR", sr->row);
  link_ref (sr->row, "VDIs", vdi);
  set_int (vdi, "virtual_size", virtual_size);
  set_int (vdi, "physical_utilisation", physical);
  sr->virtual_allocation += virtual_size;
  sr->physical_utilisation += physical;
}

static Row *
new_pbd (Pool       *p,
         HostInfo   *host,
         SrInfo     *sr)
{
  Row *pbd = new_row (p->g, "PBD");

  set_ref (pbd, "host", host->row);
  set_ref (pbd, "SR", sr->row);
  set_bool (pbd, "currently_attached", TRUE);
  link_ref (host->row, "PBDs", pbd);
  link_ref (sr->row, "PBDs", pbd);
  return pbd;
}

static const char *storage_ops =
  "scan destroy forget plug unplug update vdi_create vdi_introduce vdi_destroy vdi_resize "
  "vdi_clone vdi_snapshot vdi_mirror vdi_enable_cbt vdi_disable_cbt vdi_data_destroy "
  "vdi_list_changed_blocks vdi_set_on_boot";

static void
make_sr (Pool       *p,
         SrInfo     *sr,
         const char *name,
         const char *description,
         const char *type,
         const char *content_type,
         gboolean    shared,
         gint64      size)
{
  sr->row = new_row (p->g, "SR");
  set_str (sr->row, "name_label", name);
  set_str (sr->row, "name_description", description);
  set_str (sr->row, "type", type);
  set_str (sr->row, "content_type", content_type);
  set_bool (sr->row, "shared", shared);
  set_int (sr->row, "physical_size", size);
  set_words (p->g, sr->row, "allowed_operations", storage_ops);
}

static void
make_sm (Pool       *p,
         const char *type,
         const char *name,
         const char *description,
         const char *features)
{
  Row *sm = new_row (p->g, "SM");
  g_auto(GStrv) parts = g_strsplit (features, " ", -1);
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  set_str (sm, "name_label", name);
  set_str (sm, "name_description", description);
  set_str (sm, "type", type);
  set_str (sm, "vendor", "XCP-ng");
  set_str (sm, "copyright", "(C) 2008 Citrix Systems Inc");
  set_str (sm, "version", "1.0");
  set_str (sm, "required_api_version", "1.0");
  set_words (p->g, sm, "capabilities", features);
  for (guint i = 0; parts[i] != NULL; i++)
    g_variant_builder_add (&b, "{sv}", parts[i], g_variant_new_int64 (1));
  set (sm, "features", g_variant_builder_end (&b));
  set_printf (sm, "driver_filename", "/opt/xensource/sm/%sSR", type);
}

static const char *features_pv =
  "1fc9cbf5-f6f83203-2991cbf5-00000123-00000007-009c0fbb-00000000-00000000";
static const char *features_hvm =
  "1fcbfbff-f7fa3223-2d93fbff-00000523-0000000f-009c0fbb-00000000-00000000";

static void
make_pool_skeleton (Pool *p)
{
  Gen *g = p->g;

  p->pool = new_row (g, "pool");
  set_str (p->pool, "name_label", p->n_hosts > 1 ? "Lagoon Demo Pool" : "");
  set_str (p->pool, "name_description",
           p->n_hosts > 1 ? "A generated pool for demos and tests" : "");
  set_map (p->pool, "other_config", "memory-ratio-hvm", "0.25", "memory-ratio-pv", "0.25",
           "auto_poweron", "false", NULL);
  set_map (p->pool, "cpu_info", "cpu_count", "32", "socket_count", "2", "vendor", "GenuineIntel",
           "features_pv", features_pv,
           "features_hvm", features_hvm,
           NULL);
  set_map (p->pool, "restrictions", "restrict_vswitch_controller", "false", "restrict_lab",
           "false", "restrict_pooling", "false", "restrict_qos", "false", "restrict_vlan", "false",
           NULL);
  set_words (p->g, p->pool, "allowed_operations", "ha_enable cluster_create");

  make_sm (p, "lvm", "Local LVM", "SR plugin which represents disks as VHD files on LVs",
           "SR_PROBE SR_UPDATE VDI_CREATE VDI_DELETE VDI_ATTACH VDI_DETACH VDI_RESIZE VDI_CLONE "
           "VDI_SNAPSHOT");
  make_sm (p, "ext", "Local EXT3 VHD", "SR plugin which represents disks as VHD files on a local "
           "filesystem", "SR_PROBE SR_UPDATE VDI_CREATE VDI_DELETE VDI_ATTACH VDI_DETACH "
           "VDI_RESIZE VDI_CLONE VDI_SNAPSHOT");
  make_sm (p, "nfs", "NFS VHD", "SR plugin which stores disks as VHD files on a remote NFS "
           "filesystem", "SR_PROBE SR_UPDATE VDI_CREATE VDI_DELETE VDI_ATTACH VDI_DETACH "
           "VDI_RESIZE VDI_CLONE VDI_SNAPSHOT");
  make_sm (p, "iso", "ISO", "Handles CD images stored as files in iso format", "VDI_CREATE "
           "VDI_DELETE VDI_ATTACH VDI_DETACH SR_SCAN");
}

static const char *cpu_flags =
  "fpu de tsc msr pae mce cx8 apic sep mca cmov pat clflush acpi mmx fxsr sse sse2 ht syscall nx "
  "lm constant_tsc rep_good nopl nonstop_tsc cpuid pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 "
  "movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm abm avx2 bmi1 bmi2 erms";

static Row *
make_console (Pool       *p,
              Row        *vm,
              const char *protocol,
              HostInfo   *host)
{
  Row *console = new_row (p->g, "console");

  set_str (console, "protocol", protocol);
  set_printf (console, "location", "http://%s/console?uuid=%s", host->address, console->uuid);
  set_ref (console, "VM", vm);
  link_ref (vm, "consoles", console);
  return console;
}

static void
make_host (Pool     *p,
           HostInfo *h)
{
  Gen *g = p->g;
  static const guint cpu_choices[] = { 16, 24, 32, 48 };
  static const gint64 mem_choices[] = { 256, 384, 512, 768 };
  g_autofree char *name = g_strdup_printf ("host-%02u", h->index + 1);
  g_autofree char *iqn = NULL;
  g_autofree char *boot = NULL;
  g_autofree char *cpus = NULL;
  Row *host, *metrics, *dom0, *dom0_metrics;
  gint64 overhead, dom0_mem;

  h->address = g_strdup_printf ("10.0.%u.%u", (h->index + 1) / 250, (h->index + 1) % 250);
  h->cpus = cpu_choices[rnd (g, 0, G_N_ELEMENTS (cpu_choices) - 1)];
  h->memory_total = mem_choices[rnd (g, 0, G_N_ELEMENTS (mem_choices) - 1)] * GiB;
  h->next_domid = 1;

  host = h->row = new_row (g, "host");
  set_str (host, "name_label", name);
  set_str (host, "name_description", "Default install");
  set_str (host, "hostname", name);
  set_str (host, "address", h->address);
  set_bool (host, "enabled", TRUE);
  set_int (host, "API_version_major", 2);
  set_int (host, "API_version_minor", 21);
  set_str (host, "API_version_vendor", "XenSource");
  set_map (host, "software_version",
           "product_version", "8.2.1", "product_version_text", "8.2",
           "product_version_text_short", "8.2", "platform_name", "XCP", "platform_version", "3.2.1",
           "product_brand", "XCP-ng", "build_number", "release/yangtze/master/58",
           "hostname", name, "date", "2023-11-02", "dbv", "0.0.1", "xapi", "1.20",
           "xen", "4.13.5-9.38", "linux", "4.19.0+1", "xencenter_min", "2.16",
           "xencenter_max", "2.21", "network_backend", "openvswitch", "db_schema", "5.603",
           NULL);
  overhead = h->memory_total / 128;
  set_int (host, "memory_overhead", overhead);
  set_words (p->g, host, "allowed_operations",
             "provision evacuate shutdown reboot vm_start vm_resume vm_migrate");
  set_words (p->g, host, "capabilities",
             "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64");
  set_words (p->g, host, "supported_bootloaders", "pygrub eliloader");
  set_str (host, "sched_policy", "credit");
  cpus = g_strdup_printf ("%u", h->cpus);
  set_map (host, "cpu_info", "cpu_count", cpus, "socket_count", "2", "vendor", "GenuineIntel",
           "speed", "2999.998", "modelname", "Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz",
           "family", "6", "model", "85", "stepping", "7", "flags", cpu_flags,
           "features_pv", features_pv,
           "features_hvm", features_hvm,
           NULL);
  set_map (host, "bios_strings", "bios-vendor", "Dell Inc.", "bios-version", "2.19.1",
           "system-manufacturer", "Dell Inc.", "system-product-name", "PowerEdge R640",
           "system-version", "", "system-serial-number", h->row->uuid + 24, NULL);
  set_map (host, "license_params", "sku_type", "free", "version", "8.2.1", "sockets", "2",
           "restrict_pooling", "false", NULL);
  set_str (host, "edition", "xcp-ng");
  set_map (host, "license_server", "address", "localhost", "port", "27000", NULL);
  set_map (host, "chipset_info", "iommu", "true", NULL);
  iqn = g_strdup_printf ("iqn.2026-01.dev.lagoon:%s", name);
  set_str (host, "iscsi_iqn", iqn);
  boot = g_strdup_printf ("%" G_GINT64_FORMAT ".", g->now - 86400 * (gint64) rnd (g, 3, 90));
  set_map (host, "other_config", "iscsi_iqn", iqn, "agent_start_time", boot, "boot_time", boot,
           NULL);

  metrics = h->metrics = new_row (g, "host_metrics");
  set_int (metrics, "memory_total", h->memory_total);
  set_bool (metrics, "live", TRUE);
  set_time (metrics, "last_updated", g->now);
  set_ref (host, "metrics", metrics);

  for (guint c = 0; c < h->cpus; c++)
    {
      Row *cpu = new_row (g, "host_cpu");
      set_ref (cpu, "host", host);
      set_int (cpu, "number", c);
      set_str (cpu, "vendor", "GenuineIntel");
      set_int (cpu, "speed", 2999);
      set_str (cpu, "modelname", "Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz");
      set_int (cpu, "family", 6);
      set_int (cpu, "model", 85);
      set_str (cpu, "stepping", "7");
      set_str (cpu, "flags", cpu_flags);
      set_str (cpu, "features", "1fcbfbff-f7fa3223-2d93fbff-00000523");
      set_float (cpu, "utilisation", rnd (g, 0, 60) / 100.0);
      link_ref (host, "host_CPUs", cpu);
    }

  /* the control domain */
  dom0 = new_row (g, "VM");
  dom0_mem = 4 * GiB;
  set_printf (dom0, "name_label", "Control domain on host: %s", name);
  set_str (dom0, "name_description", "The domain which manages physical devices and manages "
           "other domains");
  set_bool (dom0, "is_control_domain", TRUE);
  set_str (dom0, "power_state", "Running");
  set_int (dom0, "user_version", 1);
  set_ref (dom0, "resident_on", host);
  link_ref (host, "resident_VMs", dom0);
  set_int (dom0, "domid", 0);
  set_str (dom0, "domarch", "x64");
  set_int (dom0, "memory_static_max", dom0_mem);
  set_int (dom0, "memory_dynamic_max", dom0_mem);
  set_int (dom0, "memory_dynamic_min", dom0_mem);
  set_int (dom0, "memory_static_min", dom0_mem);
  set_int (dom0, "memory_target", dom0_mem);
  set_int (dom0, "VCPUs_max", MIN (h->cpus, 16));
  set_int (dom0, "VCPUs_at_startup", MIN (h->cpus, 16));
  set_str (dom0, "actions_after_shutdown", "destroy");
  set_str (dom0, "actions_after_reboot", "restart");
  set_str (dom0, "actions_after_crash", "restart");
  set_str (dom0, "domain_type", "pv");
  set_words (p->g, dom0, "allowed_operations", "changing_dynamic_range");
  set_map (dom0, "other_config", "storage_driver_domain", dom0->ref, "is_system_domain", "true",
           NULL);
  dom0_metrics = new_row (g, "VM_metrics");
  set_int (dom0_metrics, "memory_actual", dom0_mem);
  set_int (dom0_metrics, "VCPUs_number", MIN (h->cpus, 16));
  set_time (dom0_metrics, "start_time", g->now - 86400 * 3);
  set_time (dom0_metrics, "install_time", g->now - 86400 * 400);
  set_time (dom0_metrics, "last_updated", g->now);
  set_str (dom0_metrics, "current_domain_type", "pv");
  set_ref (dom0, "metrics", dom0_metrics);
  make_console (p, dom0, "rfb", h);
  make_console (p, dom0, "vt100", h);
  set_ref (host, "control_domain", dom0);
  h->memory_used = overhead + dom0_mem;

  /* local storage */
  make_sr (p, &h->local_sr, "Local storage", "", h->index % 2 == 0 ? "lvm" : "ext", "user", FALSE,
           (gint64) rnd (g, 4, 16) * 120 * GiB);
  h->local_sr.thin = h->index % 2 == 1;
  set_map (h->local_sr.row, "other_config", "i18n-key", "local-storage",
           "i18n-original-value-name_label", "Local storage", NULL);
  if (h->local_sr.thin)
    set_map (h->local_sr.row, "sm_config", "devserial", "scsi-36f4ee080", NULL);
  else
    set_map (h->local_sr.row, "sm_config", "allocation", "thick", "use_vhd", "true",
             "devserial", "scsi-36f4ee080", NULL);
  {
    Row *pbd = new_pbd (p, h, &h->local_sr);
    g_autofree char *dev = g_strdup_printf ("/dev/disk/by-id/scsi-36f4ee0806a%012x", h->index + 1);
    set_map (pbd, "device_config", "device", dev, NULL);
  }
  set_ref (host, "suspend_image_sr", h->local_sr.row);
  set_ref (host, "crash_dump_sr", h->local_sr.row);
}

static void
make_networks (Pool *p)
{
  Gen *g = p->g;
  Row *internal;
  Row *vlan_net;

  for (guint n = 0; n < 2; n++)
    {
      Row *net = p->net[n] = new_row (g, "network");
      set_printf (net, "name_label", "Pool-wide network associated with eth%u", n);
      set_str (net, "name_description", "");
      set_int (net, "MTU", 1500);
      set_printf (net, "bridge", "xenbr%u", n);
      set_bool (net, "managed", TRUE);
      set_str (net, "default_locking_mode", "unlocked");
    }
  set_map (p->net[1], "other_config", "automatic", "true", NULL);

  internal = new_row (g, "network");
  set_str (internal, "name_label", "Host internal management network");
  set_str (internal, "name_description", "Network on which guests will be assigned a private "
           "link-local IP address which can be used to talk XenAPI");
  set_int (internal, "MTU", 1500);
  set_str (internal, "bridge", "xenapi");
  set_bool (internal, "managed", TRUE);
  set_map (internal, "other_config", "is_guest_installer_network", "true",
           "is_host_internal_management_network", "true", "ip_begin", "169.254.0.1",
           "ip_end", "169.254.255.254", "netmask", "255.255.0.0", NULL);

  vlan_net = p->vlan_net = new_row (g, "network");
  set_str (vlan_net, "name_label", "VLAN 100 (Production)");
  set_str (vlan_net, "name_description", "Tagged production traffic on eth1");
  set_int (vlan_net, "MTU", 1500);
  set_str (vlan_net, "bridge", "xapi1");
  set_bool (vlan_net, "managed", TRUE);

  for (guint i = 0; i < p->n_hosts; i++)
    {
      HostInfo *h = &p->hosts[i];
      Row *vlan, *vlan_pif;

      for (guint n = 0; n < 2; n++)
        {
          Row *pif = h->pif[n] = new_row (g, "PIF");
          Row *metrics = new_row (g, "PIF_metrics");
          g_autofree char *mac = gen_mac (g);
          g_autofree char *device = g_strdup_printf ("eth%u", n);
          g_autofree char *bus = g_strdup_printf ("0000:%02x:00.%u", 0x18 + i % 200, n);

          set_str (pif, "device", device);
          set_ref (pif, "network", p->net[n]);
          link_ref (p->net[n], "PIFs", pif);
          set_ref (pif, "host", h->row);
          link_ref (h->row, "PIFs", pif);
          set_str (pif, "MAC", mac);
          set_int (pif, "MTU", 1500);
          set_int (pif, "VLAN", -1);
          set_bool (pif, "physical", TRUE);
          set_bool (pif, "currently_attached", TRUE);
          set_bool (pif, "managed", TRUE);
          set_str (pif, "ipv6_configuration_mode", "None");
          set_str (pif, "primary_address_type", "IPv4");
          if (n == 0)
            {
              set_str (pif, "ip_configuration_mode", "Static");
              set_str (pif, "IP", h->address);
              set_str (pif, "netmask", "255.255.0.0");
              set_str (pif, "gateway", "10.0.255.254");
              set_str (pif, "DNS", "10.0.255.253");
              set_bool (pif, "management", TRUE);
              set_bool (pif, "disallow_unplug", TRUE);
            }
          else
            set_str (pif, "ip_configuration_mode", "None");
          set_map (pif, "properties", "gro", "on", NULL);

          set_bool (metrics, "carrier", TRUE);
          set_str (metrics, "vendor_id", "8086");
          set_str (metrics, "vendor_name", "Intel Corporation");
          set_str (metrics, "device_id", "1572");
          set_str (metrics, "device_name", "Ethernet Controller X710 for 10GbE SFP+");
          set_int (metrics, "speed", 10000);
          set_bool (metrics, "duplex", TRUE);
          set_str (metrics, "pci_bus_path", bus);
          set_time (metrics, "last_updated", g->now);
          set_ref (pif, "metrics", metrics);
        }

      vlan_pif = new_row (g, "PIF");
      set_str (vlan_pif, "device", "eth1");
      set_ref (vlan_pif, "network", vlan_net);
      link_ref (vlan_net, "PIFs", vlan_pif);
      set_ref (vlan_pif, "host", h->row);
      link_ref (h->row, "PIFs", vlan_pif);
      set (vlan_pif, "MAC", h->pif[1]->fields[field_index (h->pif[1], "MAC")]);
      set_int (vlan_pif, "MTU", 1500);
      set_int (vlan_pif, "VLAN", 100);
      set_bool (vlan_pif, "currently_attached", TRUE);
      set_bool (vlan_pif, "managed", TRUE);
      set_str (vlan_pif, "ip_configuration_mode", "None");
      set_str (vlan_pif, "ipv6_configuration_mode", "None");
      set_str (vlan_pif, "primary_address_type", "IPv4");

      vlan = new_row (g, "VLAN");
      set_ref (vlan, "tagged_PIF", h->pif[1]);
      set_ref (vlan, "untagged_PIF", vlan_pif);
      set_int (vlan, "tag", 100);
      set_ref (vlan_pif, "VLAN_master_of", vlan);
      link_ref (h->pif[1], "VLAN_slave_of", vlan);
    }
}

static void
make_shared_storage (Pool *p)
{
  Gen *g = p->g;

  make_sr (p, &p->nfs, "NFS VM storage", "Shared VM disks on the filer", "nfs", "", TRUE,
           (gint64) 8 * 1024 * GiB * MAX (1, p->n_hosts / 8));
  p->nfs.thin = TRUE;
  make_sr (p, &p->iso, "ISO library", "Installation media", "iso", "iso", TRUE, 2048 * GiB);
  p->iso.thin = TRUE;
  set_words (p->g, p->iso.row, "allowed_operations",
             "scan destroy forget plug unplug update vdi_create "
             "vdi_introduce vdi_destroy");
  make_sr (p, &p->tools, "XCP-ng Tools", "XCP-ng Tools ISOs", "iso", "iso", TRUE, 0);
  p->tools.thin = TRUE;
  set_bool (p->tools.row, "is_tools_sr", TRUE);
  set_map (p->tools.row, "other_config", "xensource_internal", "true", "xenserver_tools_sr", "true",
           "i18n-key", "xenserver-tools", "i18n-original-value-name_label", "XCP-ng Tools",
           "i18n-original-value-name_description", "XCP-ng Tools ISOs", NULL);
  set_words (p->g, p->tools.row, "allowed_operations", "scan plug unplug update");

  for (guint i = 0; i < p->n_hosts; i++)
    {
      HostInfo *h = &p->hosts[i];
      Row *pbd;

      pbd = new_pbd (p, h, &p->nfs);
      set_map (pbd, "device_config", "server", "10.0.1.10", "serverpath", "/export/lagoon/vms",
               "nfsversion", "4.1", NULL);
      pbd = new_pbd (p, h, &p->iso);
      set_map (pbd, "device_config", "location", "10.0.1.10:/export/lagoon/iso", "type", "nfs_iso",
               NULL);
      pbd = new_pbd (p, h, &p->tools);
      set_map (pbd, "device_config", "location", "/opt/xensource/packages/iso", "legacy_mode",
               "true", NULL);
    }

  p->iso_vdis = g_ptr_array_new ();
  for (guint i = 0; i < G_N_ELEMENTS (iso_names); i++)
    {
      Row *vdi = new_row (g, "VDI");
      gint64 size = (gint64) rnd (g, 600, 6000) * MiB;

      set_str (vdi, "name_label", iso_names[i]);
      set_str (vdi, "location", iso_names[i]);
      set_str (vdi, "type", "user");
      set_bool (vdi, "managed", TRUE);
      set_words (p->g, vdi, "allowed_operations",
                 "clone copy destroy forget update generate_config");
      add_vdi_to_sr (&p->iso, vdi, size, size);
      g_ptr_array_add (p->iso_vdis, vdi);
    }
  {
    Row *vdi = new_row (g, "VDI");
    gint64 size = 44 * MiB;

    set_str (vdi, "name_label", "guest-tools.iso");
    set_str (vdi, "name_description", "XCP-ng Tools installation ISO");
    set_str (vdi, "location", "guest-tools.iso");
    set_str (vdi, "type", "user");
    set_bool (vdi, "read_only", TRUE);
    set_bool (vdi, "managed", TRUE);
    set_bool (vdi, "is_tools_iso", TRUE);
    add_vdi_to_sr (&p->tools, vdi, size, size);
    g_ptr_array_add (p->iso_vdis, vdi);
  }
}

static char *
provision_xml (gint64 disk_bytes)
{
  return g_strdup_printf ("<provision><disk device=\"0\" size=\"%" G_GINT64_FORMAT "\" sr=\"\" "
                          "bootable=\"true\" type=\"system\"/></provision>", disk_bytes);
}

static char *
recommendations (const TemplateInfo *t)
{
  return g_strdup_printf ("<restrictions><restriction field=\"memory-static-max\" "
                          "max=\"1649267441664\"/><restriction field=\"vcpus-max\" max=\"%u\"/>"
                          "<restriction field=\"has-vendor-device\" value=\"%s\"/>"
                          "<restriction property=\"number-of-vbds\" max=\"255\"/>"
                          "<restriction property=\"number-of-vifs\" max=\"7\"/></restrictions>",
                          t->windows ? 64 : 128, t->windows ? "true" : "false");
}

/* Settings every VM, template and snapshot made from template @t shares. */
static void
vm_hardware (Row                *vm,
             const TemplateInfo *t,
             gint64              memory,
             guint               vcpus)
{
  set_int (vm, "user_version", 1);
  set_int (vm, "memory_static_max", memory);
  set_int (vm, "memory_dynamic_max", memory);
  set_int (vm, "memory_dynamic_min", memory);
  set_int (vm, "memory_target", memory);
  set_int (vm, "memory_static_min", MIN (memory, 512 * MiB));
  set_int (vm, "memory_overhead", memory / 128 + MiB);
  set_int (vm, "VCPUs_max", vcpus);
  set_int (vm, "VCPUs_at_startup", vcpus);
  set_str (vm, "actions_after_shutdown", "destroy");
  set_str (vm, "actions_after_reboot", "restart");
  set_str (vm, "actions_after_crash", "restart");
  set_str (vm, "HVM_boot_policy", "BIOS order");
  set_map (vm, "HVM_boot_params", "order", "cdn", "firmware", t->uefi ? "uefi" : "bios", NULL);
  set_float (vm, "HVM_shadow_multiplier", 1.0);
  set_map (vm, "platform", "timeoffset", "0", "device-model", "qemu-upstream-compat",
           "viridian", t->windows ? "true" : "false", "acpi", "1", "apic", "true", "pae", "true",
           "nx", "true", "secureboot", "false", "videoram", "8", NULL);
  set_str (vm, "domain_type", "hvm");
  set_int (vm, "domid", -1);
  set_int (vm, "hardware_platform_version", t->windows ? 2 : 0);
  set_bool (vm, "has_vendor_device", t->windows);
  set_map (vm, "bios_strings", "bios-vendor", "Xen", "bios-version", "", "system-manufacturer",
           "Xen", "system-product-name", "HVM domU", "system-version", "", "system-serial-number",
           "", "baseboard-manufacturer", "", "enclosure-asset-tag", "", "hp-rombios", "",
           "oem-1", "Xen", "oem-2", "MS_VM_CERT/SHA1/bdbeb6e0a816d43fa6d3fe8aaef04c2bad9d3e3d",
           NULL);
}

static void
make_templates (Pool *p)
{
  Gen *g = p->g;

  for (guint i = 0; i < G_N_ELEMENTS (templates); i++)
    {
      const TemplateInfo *t = &templates[i];
      Row *vm = p->templates_rows[i] = new_row (g, "VM");
      Row *metrics = new_row (g, "VM_metrics");
      g_autofree char *disks = provision_xml (t->disk_gib * GiB);
      g_autofree char *rec = recommendations (t);
      g_autofree char *seed = gen_uuid (g);

      set_str (vm, "name_label", t->name);
      set_str (vm, "name_description", t->description);
      set_str (vm, "power_state", "Halted");
      set_bool (vm, "is_a_template", TRUE);
      set_bool (vm, "is_default_template", TRUE);
      vm_hardware (vm, t, t->memory_mib * MiB, t->vcpus);
      set_str (vm, "recommendations", rec);
      set_str (vm, "reference_label", t->name);
      set_words (p->g, vm, "allowed_operations", template_ops);
      if (t->distro != NULL)
        set_map (vm, "other_config", "default_template", "true", "linux_template", "true",
                 "install-methods", t->install_methods, "install-distro", t->distro,
                 "install-arch", "x86_64", "disks", disks, "mac_seed", seed,
                 "base_template_name", t->name, NULL);
      else
        set_map (vm, "other_config", "default_template", "true", "install-methods",
                 t->install_methods, "disks", disks, "mac_seed", seed, "base_template_name",
                 t->name, NULL);
      set_time (metrics, "install_time", g->now - 86400 * 400);
      set_time (metrics, "last_updated", g->now - 86400 * 400);
      set_str (metrics, "current_domain_type", "unspecified");
      set_ref (vm, "metrics", metrics);
    }
}

/* ---- guest VMs --------------------------------------------------------------- */

typedef struct
{
  const char   *power_state;
  HostInfo     *host;     /* resident host (Running, Paused), NULL otherwise */
  HostInfo     *home;     /* the host whose local SR the disks may use */
  const GuestOs *os;
  gint64        memory;
  guint         vcpus;
} VmPlan;

static Row *
make_vdi (Pool       *p,
          SrInfo     *sr,
          const char *name,
          const char *type,
          gint64      size,
          double      fill)
{
  Row *vdi = new_row (p->g, "VDI");
  gint64 physical = sr->thin ? (gint64) (size * fill) : size + 8 * MiB;

  set_str (vdi, "name_label", name);
  set_str (vdi, "type", type);
  set_str (vdi, "location", vdi->uuid);
  set_bool (vdi, "managed", TRUE);
  set_map (vdi, "sm_config", "vdi_type", "vhd", NULL);
  set_str (vdi, "on_boot", "persist");
  add_vdi_to_sr (sr, vdi, size, physical);
  return vdi;
}

static Row *
make_vbd (Pool       *p,
          Row        *vm,
          Row        *vdi,
          guint       userdevice,
          gboolean    cd,
          gboolean    attached,
          gboolean    booted)
{
  Row *vbd = new_row (p->g, "VBD");
  static const char * const devices[] = { "xvda", "xvdb", "xvdc", "xvdd", "xvde" };

  set_ref (vbd, "VM", vm);
  link_ref (vm, "VBDs", vbd);
  set_ref (vbd, "VDI", vdi);
  if (vdi != NULL)
    link_ref (vdi, "VBDs", vbd);
  /* the device name is set when the VM first boots and kept when it halts */
  set_str (vbd, "device", booted ? devices[MIN (userdevice, 4)] : "");
  set_printf (vbd, "userdevice", "%u", userdevice);
  set_bool (vbd, "bootable", userdevice == 0);
  set_str (vbd, "mode", cd ? "RO" : "RW");
  set_str (vbd, "type", cd ? "CD" : "Disk");
  set_bool (vbd, "unpluggable", !cd && userdevice > 0);
  set_bool (vbd, "empty", vdi == NULL);
  set_bool (vbd, "currently_attached", attached);
  if (cd)
    set_words (p->g, vbd, "allowed_operations", attached ? (vdi ? "eject" : "insert") : "attach");
  else
    set_words (p->g, vbd, "allowed_operations",
               attached ? "pause unpause unplug unplug_force" : "attach");
  if (!cd && userdevice == 0)
    set_map (vbd, "other_config", "owner", "true", NULL);
  return vbd;
}

static Row *
make_vif (Pool       *p,
          Row        *vm,
          Row        *network,
          guint       device,
          const char *mac,
          gboolean    attached)
{
  Row *vif = new_row (p->g, "VIF");

  set_printf (vif, "device", "%u", device);
  set_ref (vif, "network", network);
  link_ref (network, "VIFs", vif);
  set_ref (vif, "VM", vm);
  link_ref (vm, "VIFs", vif);
  set_str (vif, "MAC", mac);
  set_int (vif, "MTU", 1500);
  set_bool (vif, "currently_attached", attached);
  set_bool (vif, "MAC_autogenerated", TRUE);
  set_str (vif, "locking_mode", "network_default");
  set_words (p->g, vif, "allowed_operations", attached ? "unplug" : "attach");
  return vif;
}

typedef struct
{
  Row   *vdi;
  guint  userdevice;
} DiskRef;

static Row *
make_vm (Pool   *p,
         guint   index,
         VmPlan *plan)
{
  Gen *g = p->g;
  const TemplateInfo *t = &templates[plan->os->template_index];
  guint prefix = index % G_N_ELEMENTS (vm_prefixes);
  gboolean running = g_str_equal (plan->power_state, "Running");
  gboolean live = running || g_str_equal (plan->power_state, "Paused");
  gboolean has_guest = live || g_str_equal (plan->power_state, "Suspended");
  g_autofree char *name = g_strdup_printf ("%s-%03u", vm_prefixes[prefix], index + 1);
  g_autofree char *seed = gen_uuid (g);
  g_autofree char *ip0 = NULL;
  g_autofree char *ip1 = NULL;
  SrInfo *sr = (plan->home != NULL && chance (g, 0.4)) ? &plan->home->local_sr : &p->nfs;
  Row *vm = new_row (g, "VM");
  Row *metrics = new_row (g, "VM_metrics");
  guint n_disks = chance (g, 0.5) ? 2 : 1;
  guint n_vifs = chance (g, 0.3) ? 2 : 1;
  const char *ops;

  set_str (vm, "name_label", name);
  set_str (vm, "name_description", vm_descriptions[prefix]);
  set_str (vm, "power_state", plan->power_state);
  vm_hardware (vm, t, plan->memory, plan->vcpus);
  set_str (vm, "reference_label", "");

  if (running)
    ops = running_ops;
  else if (g_str_equal (plan->power_state, "Paused"))
    ops = paused_ops;
  else if (g_str_equal (plan->power_state, "Suspended"))
    ops = suspended_ops;
  else
    ops = halted_ops;
  set_words (p->g, vm, "allowed_operations", ops);

  /* other_config as a clone of the template leaves it, plus XenCenter's folder */
  {
    g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

    g_variant_builder_add (&b, "{sv}", "base_template_name", g_variant_new_string (t->name));
    g_variant_builder_add (&b, "{sv}", "mac_seed", g_variant_new_string (seed));
    g_variant_builder_add (&b, "{sv}", "install-methods",
                           g_variant_new_string (t->install_methods));
    if (t->distro != NULL)
      g_variant_builder_add (&b, "{sv}", "linux_template", g_variant_new_string ("true"));
    if (chance (g, 0.35))
      {
        const char *folder = folders[rnd (g, 0, G_N_ELEMENTS (folders) - 1)];
        g_variant_builder_add (&b, "{sv}", "folder", g_variant_new_string (folder));
      }
    if (!live)
      {
        g_autofree char *when = lagoon_datetime_format (g->now - 3600 * (gint64) rnd (g, 1, 2000));
        g_variant_builder_add (&b, "{sv}", "last_shutdown_time", g_variant_new_string (when));
        g_variant_builder_add (&b, "{sv}", "last_shutdown_action",
                               g_variant_new_string ("Destroy"));
        g_variant_builder_add (&b, "{sv}", "last_shutdown_initiator",
                               g_variant_new_string ("internal"));
        g_variant_builder_add (&b, "{sv}", "last_shutdown_reason", g_variant_new_string ("halted"));
      }
    set (vm, "other_config", g_variant_builder_end (&b));
  }
  if (chance (g, 0.3))
    {
      guint a = rnd (g, 0, G_N_ELEMENTS (tag_names) - 1);
      guint b = rnd (g, 0, G_N_ELEMENTS (tag_names) - 1);
      if (a == b)
        set_strs (vm, "tags", tag_names[a], NULL);
      else
        set_strs (vm, "tags", tag_names[a], tag_names[b], NULL);
    }
  if (plan->home != NULL && (sr != &p->nfs || chance (g, 0.3)))
    set_ref (vm, "affinity", plan->home->row);

  /* where it runs */
  if (live)
    {
      set_ref (vm, "resident_on", plan->host->row);
      link_ref (plan->host->row, "resident_VMs", vm);
      set_int (vm, "domid", plan->host->next_domid++);
      set_str (vm, "domarch", "x64");
      set_map (vm, "last_boot_CPU_flags", "vendor", "GenuineIntel", "features",
               "1fcbfbff-f7fa3223-2d93fbff-00000523", NULL);
      plan->host->memory_used += plan->memory + plan->memory / 128 + MiB;
    }

  /* metrics */
  set_int (metrics, "memory_actual", live ? plan->memory : 0);
  set_int (metrics, "VCPUs_number", live ? plan->vcpus : 0);
  if (live)
    {
      g_auto(GVariantBuilder) util = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
      for (guint c = 0; c < plan->vcpus; c++)
        {
          char key[16];
          g_snprintf (key, sizeof key, "%u", c);
          g_variant_builder_add (&util, "{sv}", key, g_variant_new_double (rnd (g, 0, 90) / 100.0));
        }
      set (metrics, "VCPUs_utilisation", g_variant_builder_end (&util));
      set_time (metrics, "start_time", g->now - 60 * (gint64) rnd (g, 10, 60 * 24 * 60));
      set_str (metrics, "current_domain_type", "hvm");
    }
  else
    set_str (metrics, "current_domain_type", "unspecified");
  set_time (metrics, "install_time", g->now - 86400 * (gint64) rnd (g, 30, 700));
  set_time (metrics, "last_updated", g->now);
  set_bool (metrics, "hvm", TRUE);
  set_ref (vm, "metrics", metrics);

  /* disks, CD, network cards */
  for (guint d = 0; d < n_disks; d++)
    {
      g_autofree char *vdi_name = g_strdup_printf ("%s %u", name, d);
      gint64 size = d == 0 ? t->disk_gib * GiB * rnd (g, 1, 4) : (gint64) rnd (g, 2, 50) * 10 * GiB;
      Row *vdi = make_vdi (p, sr, vdi_name, d == 0 ? "system" : "user", size,
                           rnd (g, 15, 95) / 100.0);

      set_words (p->g, vdi, "allowed_operations",
                 live ? "clone snapshot forget update generate_config "
                 "mirror" : "clone copy snapshot resize destroy forget update generate_config");
      make_vbd (p, vm, vdi, d, FALSE, live, TRUE);
    }
  {
    Row *iso = chance (g, 0.3) ? p->iso_vdis->pdata[rnd (g, 0, p->iso_vdis->len - 1)] : NULL;
    make_vbd (p, vm, iso, 3, TRUE, live, TRUE);
  }
  ip0 = g_strdup_printf ("10.1.%u.%u", p->ip_serial / 250, p->ip_serial % 250 + 1);
  ip1 = g_strdup_printf ("10.2.%u.%u", p->ip_serial / 250, p->ip_serial % 250 + 1);
  p->ip_serial++;
  for (guint n = 0; n < n_vifs; n++)
    {
      g_autofree char *mac = gen_mac (g);
      Row *network = n == 0 ? p->net[0] : (chance (g, 0.5) ? p->net[1] : p->vlan_net);
      make_vif (p, vm, network, n, mac, live);
    }

  /* consoles and guest metrics */
  if (live)
    {
      make_console (p, vm, "rfb", plan->host);
      if (!t->windows)
        make_console (p, vm, "vt100", plan->host);
    }
  if (has_guest)
    {
      Row *gm = new_row (g, "VM_guest_metrics");
      const GuestOs *os = plan->os;

      if (os->uname != NULL)
        set_map (gm, "os_version", "name", os->name, "distro", os->distro, "major", os->major,
                 "minor", os->minor, "uname", os->uname, NULL);
      else
        set_map (gm, "os_version", "name", os->name, "distro", os->distro, "major", os->major,
                 "minor", os->minor, NULL);
      set_map (gm, "PV_drivers_version", "major", "8", "minor", "2", "micro", "1", "build", "93",
               NULL);
      set_bool (gm, "PV_drivers_up_to_date", TRUE);
      set_bool (gm, "PV_drivers_detected", TRUE);
      if (n_vifs == 2)
        set_map (gm, "networks", "0/ip", ip0, "0/ipv4/0", ip0, "1/ip", ip1, "1/ipv4/0", ip1, NULL);
      else
        set_map (gm, "networks", "0/ip", ip0, "0/ipv4/0", ip0, NULL);
      set_map (gm, "other", "feature-shutdown", "1", "feature-poweroff", "1", "feature-reboot",
               "1", "feature-suspend", "1", "feature-vcpu-hotplug", "1", "has-vendor-device",
               t->windows ? "1" : "0", "platform-feature-multiprocessor-suspend", "1", NULL);
      if (t->windows)
        {
          g_autofree char *netbios = g_ascii_strup (name, -1);
          set_map (gm, "netbios_name", "host_name", netbios, NULL);
        }
      set_time (gm, "last_updated", g->now - rnd (g, 0, 600));
      set_bool (gm, "live", live);
      set_str (gm, "can_use_hotplug_vbd", "yes");
      set_str (gm, "can_use_hotplug_vif", "yes");
      set_ref (vm, "guest_metrics", gm);
    }
  if (g_str_equal (plan->power_state, "Suspended"))
    {
      g_autofree char *suspend_name = g_strdup_printf ("Suspend image for %s", name);
      Row *vdi = make_vdi (p, sr, suspend_name, "suspend", plan->memory + 16 * MiB, 1.0);
      set_words (p->g, vdi, "allowed_operations", "destroy forget update generate_config");
      set_ref (vm, "suspend_VDI", vdi);
    }

  g_ptr_array_add (p->vms, vm);
  return vm;
}

static Row *
row_ref_field (Pool       *p,
               Row        *row,
               const char *field)
{
  const char *ref = g_variant_get_string (row->fields[field_index (row, field)], NULL);

  return g_hash_table_lookup (p->g->by_ref, ref);
}

/* A chain of 1-3 snapshots of @vm, oldest first, each a template VM with copies of the
 * disks as snapshot VDIs. */
static void
make_snapshots (Pool *p,
                Row  *vm)
{
  Gen *g = p->g;
  guint n = rnd (g, 1, 3);
  Row *previous = NULL;
  GPtrArray *vbds = vm->links[field_index (vm, "VBDs")];
  GPtrArray *vifs = vm->links[field_index (vm, "VIFs")];
  g_autoptr(GPtrArray) vbd_rows = g_ptr_array_new ();
  g_autoptr(GPtrArray) vif_rows = g_ptr_array_new ();
  const char *name = g_variant_get_string (vm->fields[field_index (vm, "name_label")], NULL);
  gboolean was_running = g_str_equal (g_variant_get_string (
    vm->fields[field_index (vm, "power_state")], NULL), "Running");

  /* the VM's own VBDs and VIFs, found from their refs */
  for (guint i = 0; vbds != NULL && i < vbds->len; i++)
    g_ptr_array_add (vbd_rows, g_hash_table_lookup (g->by_ref, vbds->pdata[i]));
  for (guint i = 0; vifs != NULL && i < vifs->len; i++)
    g_ptr_array_add (vif_rows, g_hash_table_lookup (g->by_ref, vifs->pdata[i]));

  for (guint s = 0; s < n; s++)
    {
      Row *snap = new_row (g, "VM");
      Row *metrics = new_row (g, "VM_metrics");
      gint64 when = g->now - 86400 * (gint64) (n - s) * rnd (g, 2, 9);

      /* the snapshot shares the VM's configuration */
      for (guint f = 0; f < vm->klass->n_fields; f++)
        if (vm->fields[f] != NULL && f != LAGOON_VM_UUID)
          snap->fields[f] = g_variant_ref (vm->fields[f]);
      set_printf (snap, "name_label", "%s %s", name,
                  snapshot_labels[rnd (g, 0, G_N_ELEMENTS (snapshot_labels) - 1)]);
      set_str (snap, "power_state", "Halted");
      set_bool (snap, "is_a_template", TRUE);
      set_bool (snap, "is_a_snapshot", TRUE);
      set_ref (snap, "snapshot_of", vm);
      link_ref (vm, "snapshots", snap);
      set_time (snap, "snapshot_time", when);
      set_map (snap, "snapshot_info", "power-state-at-snapshot",
               was_running ? "Running" : "Halted", NULL);
      set_words (p->g, snap, "allowed_operations", snapshot_ops);
      set_ref (snap, "resident_on", NULL);
      set_ref (snap, "affinity", NULL);
      set_ref (snap, "guest_metrics", NULL);
      set_ref (snap, "suspend_VDI", NULL);
      set_int (snap, "domid", -1);
      set_str (snap, "domarch", "");
      set_map (snap, "last_boot_CPU_flags", NULL);
      set_time (metrics, "install_time", when);
      set_time (metrics, "last_updated", when);
      set_str (metrics, "current_domain_type", "unspecified");
      set_ref (snap, "metrics", metrics);

      /* parent / children chain: snap1 <- snap2 <- ... <- vm */
      set_ref (snap, "parent", previous);
      if (previous != NULL)
        link_ref (previous, "children", snap);
      previous = snap;

      for (guint i = 0; i < vbd_rows->len; i++)
        {
          Row *vbd = vbd_rows->pdata[i];
          Row *vdi = row_ref_field (p, vbd, "VDI");
          gboolean cd = g_str_equal (g_variant_get_string (vbd->fields[field_index (vbd, "type")],
                                                           NULL), "CD");
          guint userdevice = (guint) g_ascii_strtoull (
            g_variant_get_string (vbd->fields[field_index (vbd, "userdevice")], NULL), NULL, 10);
          Row *snap_vdi = NULL;

          if (!cd && vdi != NULL)
            {
              GVariant *name_v = vdi->fields[field_index (vdi, "name_label")];
              GVariant *sr_v = vdi->fields[field_index (vdi, "SR")];
              const char *vdi_name = g_variant_get_string (name_v, NULL);
              const char *sr_ref = g_variant_get_string (sr_v, NULL);
              gint64 size = g_variant_get_int64 (vdi->fields[field_index (vdi, "virtual_size")]);
              SrInfo *sr = &p->nfs;

              for (guint h = 0; h < p->n_hosts; h++)
                if (g_str_equal (p->hosts[h].local_sr.row->ref, sr_ref))
                  sr = &p->hosts[h].local_sr;
              snap_vdi = make_vdi (p, sr, vdi_name, "system", size, rnd (g, 2, 20) / 100.0);
              set (snap_vdi, "type", vdi->fields[field_index (vdi, "type")]);
              set_bool (snap_vdi, "is_a_snapshot", TRUE);
              set_ref (snap_vdi, "snapshot_of", vdi);
              link_ref (vdi, "snapshots", snap_vdi);
              set_time (snap_vdi, "snapshot_time", when);
              set_words (p->g, snap_vdi, "allowed_operations", "clone copy destroy forget update "
                         "generate_config");
            }
          make_vbd (p, snap, snap_vdi, userdevice, cd, FALSE, FALSE);
        }
      for (guint i = 0; i < vif_rows->len; i++)
        {
          Row *vif = vif_rows->pdata[i];
          make_vif (p, snap, row_ref_field (p, vif, "network"), i,
                    g_variant_get_string (vif->fields[field_index (vif, "MAC")], NULL), FALSE);
        }
    }
  set_ref (vm, "parent", previous);
  link_ref (previous, "children", vm);
}

static void
make_custom_templates (Pool *p)
{
  Gen *g = p->g;
  static const struct
  {
    const char *name;
    const char *description;
    guint       template_index;
  } custom[] = {
    { "Web server template (Debian 12)", "Hardened Debian 12 with nginx, ready to clone", 0 },
    { "Windows 2022 golden image", "Sysprepped Windows Server 2022 with the guest tools", 8 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (custom); i++)
    {
      const TemplateInfo *t = &templates[custom[i].template_index];
      Row *vm = new_row (g, "VM");
      Row *metrics = new_row (g, "VM_metrics");
      g_autofree char *vdi_name = g_strdup_printf ("%s 0", custom[i].name);
      g_autofree char *seed = gen_uuid (g);
      Row *vdi;

      set_str (vm, "name_label", custom[i].name);
      set_str (vm, "name_description", custom[i].description);
      set_str (vm, "power_state", "Halted");
      set_bool (vm, "is_a_template", TRUE);
      vm_hardware (vm, t, t->memory_mib * MiB, t->vcpus);
      set_words (p->g, vm, "allowed_operations", template_ops);
      set_map (vm, "other_config", "base_template_name", t->name, "mac_seed", seed,
               "install-methods", t->install_methods, "folder", "/Templates", NULL);
      set_time (metrics, "install_time", g->now - 86400 * 60);
      set_time (metrics, "last_updated", g->now - 86400 * 60);
      set_str (metrics, "current_domain_type", "unspecified");
      set_ref (vm, "metrics", metrics);
      vdi = make_vdi (p, &p->nfs, vdi_name, "system", t->disk_gib * GiB, 0.4);
      set_words (p->g, vdi, "allowed_operations",
                 "clone copy snapshot resize destroy forget update "
                 "generate_config");
      make_vbd (p, vm, vdi, 0, FALSE, FALSE, FALSE);
      make_vbd (p, vm, NULL, 3, TRUE, FALSE, FALSE);
      {
        g_autofree char *mac = gen_mac (g);
        make_vif (p, vm, p->net[0], 0, mac, FALSE);
      }
    }
}

static const char *
vm_power_state (Row *vm)
{
  return g_variant_get_string (vm->fields[field_index (vm, "power_state")], NULL);
}

static void
make_vapps (Pool *p)
{
  Gen *g = p->g;
  guint n_vms = p->vms->len;
  guint n = n_vms >= 3 ? MIN (8, MAX (1, n_vms / 100)) : 0;
  guint next = 0;
  g_autofree guint *order = g_new (guint, n_vms + 1);

  /* members are taken from a shuffled list of the guests */
  for (guint i = 0; i < n_vms; i++)
    order[i] = i;
  for (guint i = n_vms; i > 1; i--)
    {
      guint j = rnd (g, 0, i - 1);
      guint tmp = order[i - 1];
      order[i - 1] = order[j];
      order[j] = tmp;
    }

  for (guint a = 0; a < n; a++)
    {
      Row *app = new_row (g, "VM_appliance");
      guint members = MIN (rnd (g, 3, 5), n_vms - next);
      gboolean any_running = FALSE, any_halted = FALSE;

      set_str (app, "name_label", vapp_names[a % G_N_ELEMENTS (vapp_names)]);
      set_printf (app, "name_description", "%u-tier application", MIN (members, 3));
      for (guint m = 0; m < members; m++)
        {
          Row *vm = p->vms->pdata[order[next++]];
          guint tier = MIN (m, 2);
          const char *state = vm_power_state (vm);

          set_ref (vm, "appliance", app);
          link_ref (app, "VMs", vm);
          set_int (vm, "order", tier);
          set_int (vm, "start_delay", tier == 0 ? 30 : tier == 1 ? 15 : 0);
          set_int (vm, "shutdown_delay", tier == 2 ? 0 : 10);
          if (g_str_equal (state, "Running") || g_str_equal (state, "Paused"))
            any_running = TRUE;
          else if (g_str_equal (state, "Halted"))
            any_halted = TRUE;
        }
      if (any_running && any_halted)
        set_words (p->g, app, "allowed_operations", "start clean_shutdown hard_shutdown shutdown");
      else if (any_running)
        set_words (p->g, app, "allowed_operations", "clean_shutdown hard_shutdown shutdown");
      else
        set_words (p->g, app, "allowed_operations", "start");
    }
}

static void
make_messages (Pool *p)
{
  Gen *g = p->g;
  guint n = MIN (200, 8 + p->vms->len / 25);

  for (guint i = 0; i < n; i++)
    {
      Row *msg = new_row (g, "message");
      guint kind = rnd (g, 0, 7);
      gint64 when = g->now - 60 * (gint64) rnd (g, 1, 60 * 24 * 14);
      HostInfo *h = &p->hosts[rnd (g, 0, p->n_hosts - 1)];
      Row *vm = p->vms->len > 0 ? p->vms->pdata[rnd (g, 0, p->vms->len - 1)] : NULL;
      const char *vm_name = vm ? g_variant_get_string (vm->fields[field_index (vm, "name_label")],
                                                      NULL) : "";
      const char *host_name = g_variant_get_string (h->row->fields[field_index (h->row,
                                                                                "name_label")],
                                                    NULL);

      if (vm == NULL && kind < 4)
        kind = 4;
      set_time (msg, "timestamp", when);
      switch (kind)
        {
        case 0:
          set_str (msg, "name", "VM_STARTED");
          set_int (msg, "priority", 5);
          set_str (msg, "cls", "VM");
          set_str (msg, "obj_uuid", vm->uuid);
          set_printf (msg, "body", "VM '%s' started on host: %s (UUID: %s)", vm_name, host_name,
                      h->row->uuid);
          break;
        case 1:
          set_str (msg, "name", "VM_SHUTDOWN");
          set_int (msg, "priority", 5);
          set_str (msg, "cls", "VM");
          set_str (msg, "obj_uuid", vm->uuid);
          set_printf (msg, "body", "VM '%s' shut down", vm_name);
          break;
        case 2:
          set_str (msg, "name", "VM_SNAPSHOTTED");
          set_int (msg, "priority", 5);
          set_str (msg, "cls", "VM");
          set_str (msg, "obj_uuid", vm->uuid);
          set_printf (msg, "body", "VM '%s' snapshotted", vm_name);
          break;
        case 3:
          set_str (msg, "name", "ALARM");
          set_int (msg, "priority", 3);
          set_str (msg, "cls", "VM");
          set_str (msg, "obj_uuid", vm->uuid);
          set_printf (msg, "body", "value: %.2f\nconfig:\n<variable>\n<name value=\"cpu_usage\"/>\n"
                      "<alarm_trigger_level value=\"0.95\"/>\n</variable>\n",
                      rnd (g, 95, 100) / 100.0);
          break;
        case 4:
          set_str (msg, "name", "HOST_CLOCK_SKEW_DETECTED");
          set_int (msg, "priority", 3);
          set_str (msg, "cls", "Host");
          set_str (msg, "obj_uuid", h->row->uuid);
          set_printf (msg, "body", "The clock of host %s is %u seconds ahead of the pool "
                      "coordinator", host_name, rnd (g, 6, 120));
          break;
        case 5:
          set_str (msg, "name", "ALARM");
          set_int (msg, "priority", 3);
          set_str (msg, "cls", "Host");
          set_str (msg, "obj_uuid", h->row->uuid);
          set_printf (msg, "body", "value: %.2f\nconfig:\n<variable>\n"
                      "<name value=\"memory_free_kib\"/>\n"
                      "<alarm_trigger_level value=\"1048576\"/>\n</variable>\n",
                      rnd (g, 100000, 900000) * 1.0);
          break;
        case 6:
          set_str (msg, "name", "PBD_PLUG_FAILED_ON_SERVER_START");
          set_int (msg, "priority", 2);
          set_str (msg, "cls", "Host");
          set_str (msg, "obj_uuid", h->row->uuid);
          set_str (msg, "body", "");
          break;
        default:
          set_str (msg, "name", "POOL_MASTER_TRANSITION");
          set_int (msg, "priority", 1);
          set_str (msg, "cls", "Pool");
          set_str (msg, "obj_uuid", p->pool->uuid);
          set_printf (msg, "body", "The host %s is now the pool coordinator", host_name);
          break;
        }
    }
}

static void
finish_storage (SrInfo *sr)
{
  gint64 size = g_variant_get_int64 (sr->row->fields[field_index (sr->row, "physical_size")]);

  if (size < sr->physical_utilisation)
    {
      /* grow the SR to something plausible rather than overcommit physically */
      size = ((sr->physical_utilisation * 5 / 4) / GiB + 1) * GiB;
      set_int (sr->row, "physical_size", size);
    }
  set_int (sr->row, "virtual_allocation", sr->virtual_allocation);
  set_int (sr->row, "physical_utilisation", sr->physical_utilisation);
}

gboolean
sim_generate (const SimGenerateOptions *options,
              LagoonDbdumpRowFunc       row_func,
              gpointer                  user_data,
              GError                  **error)
{
  Gen gen = { 0 };
  Pool pool = { 0 };
  Pool *p = &pool;
  g_autoptr(GDateTime) base = g_date_time_new_utc (2026, 1, 15, 9, 0, 0);
  guint n_oses = G_N_ELEMENTS (guest_oses);
  gboolean ok;

  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (row_func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options->hosts == 0 || options->hosts > 1000 || options->vms > 100000)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "A generated pool has 1 to 1000 hosts and at most 100000 VMs (asked for %u "
                   "hosts and %u VMs)", options->hosts, options->vms);
      return FALSE;
    }

  gen.rand = g_rand_new_with_seed_array ((const guint32[]) { (guint32) options->seed,
                                                             (guint32) (options->seed >> 32) }, 2);
  gen.rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
  gen.by_ref = g_hash_table_new (g_str_hash, g_str_equal);
  gen.words = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) g_variant_unref);
  gen.defaults = g_new0 (GVariant **, lagoon_schema_n_classes);
  /* a fixed clock: the same seed gives the same pool whenever it is generated */
  gen.now = g_date_time_to_unix (base) - rnd (&gen, 0, 86400 * 30);

  p->g = &gen;
  p->n_hosts = options->hosts;
  p->hosts = g_new0 (HostInfo, options->hosts);
  p->vms = g_ptr_array_new ();

  make_pool_skeleton (p);
  for (guint i = 0; i < p->n_hosts; i++)
    {
      p->hosts[i].index = i;
      make_host (p, &p->hosts[i]);
    }
  set_ref (p->pool, "master", p->hosts[0].row);
  make_networks (p);
  make_shared_storage (p);
  set_ref (p->pool, "default_SR", p->nfs.row);
  set_ref (p->pool, "suspend_image_SR", p->nfs.row);
  set_ref (p->pool, "crash_dump_SR", p->nfs.row);
  make_templates (p);
  make_custom_templates (p);

  for (guint i = 0; i < options->vms; i++)
    {
      static const gint64 memory_gib[] = { 1, 2, 2, 4, 4, 4, 8, 8, 16 };
      static const guint vcpu_choices[] = { 1, 2, 2, 2, 4, 4, 8 };
      VmPlan plan = { 0 };
      guint roll = rnd (&gen, 0, 99);

      plan.home = &p->hosts[i % p->n_hosts];
      plan.os = &guest_oses[rnd (&gen, 0, n_oses - 1)];
      plan.memory = memory_gib[rnd (&gen, 0, G_N_ELEMENTS (memory_gib) - 1)] * GiB;
      plan.vcpus = vcpu_choices[rnd (&gen, 0, G_N_ELEMENTS (vcpu_choices) - 1)];
      plan.power_state = roll < 70 ? "Running" : roll < 90 ? "Halted" : roll < 96 ? "Suspended"
                                                                                 : "Paused";
      if (g_str_equal (plan.power_state, "Running") || g_str_equal (plan.power_state, "Paused"))
        {
          plan.host = plan.home;
          /* a host that is full leaves the VM halted, as xapi would refuse to start it */
          if (plan.host->memory_used + plan.memory > plan.host->memory_total)
            {
              plan.host = NULL;
              plan.power_state = "Halted";
            }
        }
      make_vm (p, i, &plan);
    }

  /* snapshot chains on about one VM in twenty, at least one when there are a few VMs */
  for (guint i = 0; i < p->vms->len; i++)
    if ((i == 1 && p->vms->len >= 3) || (i != 1 && chance (&gen, 0.05)))
      {
        make_snapshots (p, p->vms->pdata[i]);
      }

  make_vapps (p);
  make_messages (p);

  for (guint i = 0; i < p->n_hosts; i++)
    {
      HostInfo *h = &p->hosts[i];
      set_int (h->metrics, "memory_free", MAX (0, h->memory_total - h->memory_used));
      finish_storage (&h->local_sr);
    }
  finish_storage (&p->nfs);
  finish_storage (&p->iso);
  finish_storage (&p->tools);

  ok = emit_rows (&gen, row_func, user_data, error);

  for (guint c = 0; c < lagoon_schema_n_classes; c++)
    if (gen.defaults[c] != NULL)
      {
        for (guint f = 0; f < lagoon_schema_classes[c].n_fields; f++)
          g_clear_pointer (&gen.defaults[c][f], g_variant_unref);
        g_free (gen.defaults[c]);
      }
  g_free (gen.defaults);
  for (guint i = 0; i < p->n_hosts; i++)
    g_free (p->hosts[i].address);
  g_free (p->hosts);
  g_ptr_array_unref (p->vms);
  g_clear_pointer (&p->iso_vdis, g_ptr_array_unref);
  g_hash_table_unref (gen.by_ref);
  g_hash_table_unref (gen.words);
  g_ptr_array_unref (gen.rows);
  g_rand_free (gen.rand);
  return ok;
}

gboolean
sim_generate_parse_spec (const char          *spec,
                         SimGenerateOptions  *options,
                         GError             **error)
{
  g_auto(GStrv) parts = NULL;
  guint64 values[3] = { 0, 0, 1 };
  guint n;

  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (options != NULL, FALSE);

  parts = g_strsplit (spec, ":", -1);
  n = g_strv_length (parts);
  if (n < 2 || n > 3)
    goto bad;
  for (guint i = 0; i < n; i++)
    if (!g_ascii_string_to_unsigned (parts[i], 10, 0, i == 2 ? G_MAXUINT64 : G_MAXUINT,
                                     &values[i], NULL))
      goto bad;
  options->hosts = (guint) values[0];
  options->vms = (guint) values[1];
  options->seed = values[2];
  if (options->hosts == 0)
    goto bad;
  return TRUE;

bad:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "“%s” is not a pool size: expected HOSTS:VMS[:SEED], e.g. 2:8 or 64:5000:7",
               spec);
  return FALSE;
}
