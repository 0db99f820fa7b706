/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-storage-page"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lagoon-application.h"
#include "lagoon-page-util.h"
#include "lagoon-storage-page.h"

/* A VM's disks (rows keyed by VBD). */
enum {
  DISK_REF,
  DISK_POSITION,
  DISK_POSITION_KEY,
  DISK_NAME,
  DISK_DESCRIPTION,
  DISK_SR,
  DISK_SIZE,
  DISK_SIZE_BYTES,
  DISK_READ_ONLY,
  DISK_ACTIVE,
  DISK_DEVICE,
  DISK_N_COLUMNS
};

/* An SR's VDIs. */
enum {
  VDI_REF,
  VDI_NAME,
  VDI_DESCRIPTION,
  VDI_SIZE,
  VDI_SIZE_BYTES,
  VDI_PERCENT,
  VDI_USED_TEXT,
  VDI_VMS,
  VDI_N_COLUMNS
};

/* A host's or pool's SRs. */
enum {
  SR_REF,
  SR_NAME,
  SR_DESCRIPTION,
  SR_TYPE,
  SR_SHARED,
  SR_PERCENT,
  SR_USAGE_TEXT,
  SR_SIZE,
  SR_USED,
  SR_FREE,
  SR_SIZE_BYTES,
  SR_N_COLUMNS
};

struct _LagoonStoragePage
{
  GtkBox        parent_instance;

  LagoonServer *server;
  int           class_id;
  char         *ref;

  GtkStack     *stack;

  /* A VM */
  GtkWidget    *cd_box;
  GtkLabel     *cd_label;
  GtkComboBoxText *iso_combo;
  char         *iso_key;     /* the ISO list the combo shows (to rebuild only on change) */
  char         *cd_vbd;      /* the CD drive's VBD */
  char         *cd_vdi;      /* what it holds now ("" when empty) */
  GtkWidget    *insert_button;
  GtkWidget    *eject_button;
  GtkListStore *disk_store;
  GtkTreeView  *disk_view;
  GtkWidget    *add_button;
  GtkWidget    *attach_button;
  GtkWidget    *detach_button;
  GtkWidget    *delete_button;
  GtkWidget    *properties_button;

  /* An SR */
  GtkLabel     *sr_summary;
  GtkWidget    *sr_bar;
  GtkWidget    *sr_alloc_bar;
  GtkListStore *vdi_store;
  GtkTreeView  *vdi_view;
  GHashTable   *shown_vdis;  /* the refs in vdi_store */
  GtkWidget    *sr_rescan_button;
  GtkWidget    *sr_properties_button;
  GtkWidget    *sr_delete_button;
  GtkWidget    *sr_move_button;
  GtkWidget    *sr_copy_button;

  /* A host or a pool */
  GtkLabel     *srs_title;
  GtkListStore *sr_store;
};

static void lagoon_storage_page_tab_init (LagoonTabInterface *iface);
static void update_sr_disk_buttons (LagoonStoragePage *self);

G_DEFINE_FINAL_TYPE_WITH_CODE (LagoonStoragePage, lagoon_storage_page, GTK_TYPE_BOX,
                               G_IMPLEMENT_INTERFACE (LAGOON_TYPE_TAB,
                                                      lagoon_storage_page_tab_init))

/* ---- reading the cache ---------------------------------------------------------------------- */


static gboolean
is_iso_sr (const LagoonRecord *sr)
{
  return sr != NULL && g_strcmp0 (lagoon_record_get_string (sr, LAGOON_SR_CONTENT_TYPE),
                                  "iso") == 0;
}

static gboolean
vm_running (const LagoonRecord *vm)
{
  return g_strcmp0 (lagoon_record_get_enum_string (vm, LAGOON_VM_POWER_STATE), "Running") == 0;
}

static int
percent_of (gint64 part,
            gint64 whole)
{
  if (whole <= 0)
    return 0;
  return (int) CLAMP (100.0 * (double) part / (double) whole, 0.0, 100.0);
}

/* The VMs using a VDI, by name. */
static char *
vdi_users (LagoonCache *cache,
           const char  *vdi_ref)
{
  guint n = 0;
  const LagoonRecord *const *vbds = lagoon_cache_get_referrers (cache, LAGOON_CLASS_VBD,
                                                                LAGOON_VBD_VDI, vdi_ref, &n);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (guint i = 0; i < n; i++)
    {
      const char *name = lagoon_page_ref_name (cache,
                                               lagoon_record_get_ref (vbds[i], LAGOON_VBD_VM));
      gboolean seen = FALSE;

      for (guint j = 0; j < names->len && !seen; j++)
        seen = g_strcmp0 (g_ptr_array_index (names, j), name) == 0;
      if (!seen && name[0] != '\0')
        g_ptr_array_add (names, (gpointer) name);
    }
  g_ptr_array_add (names, NULL);
  return g_strjoinv (", ", (char **) names->pdata);
}

/* The VM's VBDs sorted by userdevice (numerically). */
static int
compare_userdevice (gconstpointer a,
                    gconstpointer b)
{
  const LagoonRecord *ra = *(const LagoonRecord * const *) a;
  const LagoonRecord *rb = *(const LagoonRecord * const *) b;

  return atoi (lagoon_record_get_string (ra, LAGOON_VBD_USERDEVICE)) -
         atoi (lagoon_record_get_string (rb, LAGOON_VBD_USERDEVICE));
}

static GPtrArray *
vm_vbds (LagoonCache *cache,
         const char  *vm_ref)
{
  guint n = 0;
  const LagoonRecord *const *vbds = lagoon_cache_get_referrers (cache, LAGOON_CLASS_VBD,
                                                                LAGOON_VBD_VM, vm_ref, &n);
  GPtrArray *sorted = g_ptr_array_new ();

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (sorted, (gpointer) vbds[i]);
  g_ptr_array_sort (sorted, compare_userdevice);
  return sorted;
}

/* The lowest free userdevice of the VM. */
static char *
free_userdevice (LagoonCache *cache,
                 const char  *vm_ref)
{
  g_autoptr(GPtrArray) vbds = vm_vbds (cache, vm_ref);

  for (int candidate = 0; candidate < 1000; candidate++)
    {
      gboolean used = FALSE;

      for (guint i = 0; i < vbds->len && !used; i++)
        {
          const char *u = lagoon_record_get_string (g_ptr_array_index (vbds, i),
                                                    LAGOON_VBD_USERDEVICE);

          used = u != NULL && atoi (u) == candidate && u[0] != '\0';
        }
      if (!used)
        return g_strdup_printf ("%d", candidate);
    }
  return g_strdup ("autodetect");
}

/* ---- a VM ------------------------------------------------------------------------------------ */

static const LagoonRecord *
selected_vbd (LagoonStoragePage *self,
              LagoonCache       *cache)
{
  g_autofree char *ref = lagoon_page_dup_selected_ref (self->disk_view);

  return ref != NULL ? lagoon_cache_lookup (cache, LAGOON_CLASS_VBD, ref) : NULL;
}

static void
update_disk_buttons (LagoonStoragePage *self)
{
  LagoonCache *cache = lagoon_page_get_cache (self->server);
  const LagoonRecord *vm = cache != NULL && self->ref != NULL
                             ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM, self->ref) : NULL;
  const LagoonRecord *vbd = vm != NULL ? selected_vbd (self, cache) : NULL;
  const LagoonRecord *vdi = vbd != NULL
                              ? lagoon_cache_lookup (cache, LAGOON_CLASS_VDI,
                                                     lagoon_record_get_ref (vbd, LAGOON_VBD_VDI))
                              : NULL;
  const char *no_vm = _("The VM is not available.");
  const char *pick = _("Select a disk first.");
  gboolean snapshot = vm != NULL && lagoon_record_get_bool (vm, LAGOON_VM_IS_A_SNAPSHOT);
  gboolean can_detach = vbd != NULL && !snapshot;
  gboolean can_delete;
  const char *detach_reason = vm == NULL ? no_vm : (snapshot ? _("A snapshot's disks cannot be "
                                                                "changed.") : pick);
  const char *delete_reason = detach_reason;

  lagoon_page_set_enabled (self->add_button, vm != NULL && !snapshot,
                           _("Create a new virtual disk and attach it to the VM"),
                           vm == NULL ? no_vm : _("A snapshot's disks cannot be changed."));
  lagoon_page_set_enabled (self->attach_button, vm != NULL && !snapshot,
                           _("Attach an existing virtual disk to the VM"),
                           vm == NULL ? no_vm : _("A snapshot's disks cannot be changed."));

  if (can_detach && lagoon_record_get_map (vbd, LAGOON_VBD_CURRENT_OPERATIONS, NULL)[0] != NULL)
    {
      can_detach = FALSE;
      detach_reason = _("An operation is in progress on this disk.");
    }
  else if (can_detach && vm_running (vm) &&
           lagoon_record_get_bool (vbd, LAGOON_VBD_CURRENTLY_ATTACHED) &&
           !lagoon_record_set_contains (vbd, LAGOON_VBD_ALLOWED_OPERATIONS, "unplug"))
    {
      can_detach = FALSE;
      detach_reason = _("The disk cannot be unplugged from the running VM now (it may be the "
                        "system disk, or the VM lacks guest tools).");
    }
  can_delete = can_detach && vdi != NULL;
  if (can_delete)
    {
      const LagoonRecord *sr = lagoon_cache_lookup (cache, LAGOON_CLASS_SR,
                                                    lagoon_record_get_ref (vdi, LAGOON_VDI_SR));
      guint n_users = 0;

      lagoon_cache_get_referrers (cache, LAGOON_CLASS_VBD, LAGOON_VBD_VDI,
                                  lagoon_record_get_opaque_ref (vdi), &n_users);
      if (n_users > 1)
        {
          can_delete = FALSE;
          delete_reason = _("Other VMs use this disk too: detach it instead.");
        }
      /* A disk in use has no "destroy" until it is unplugged, which Delete does first: then
       * the SR's vdi_destroy decides. */
      else if (vm_running (vm) && lagoon_record_get_bool (vbd, LAGOON_VBD_CURRENTLY_ATTACHED)
               ? sr == NULL || !lagoon_record_set_contains (sr, LAGOON_SR_ALLOWED_OPERATIONS,
                                                            "vdi_destroy")
               : !lagoon_record_set_contains (vdi, LAGOON_VDI_ALLOWED_OPERATIONS, "destroy"))
        {
          can_delete = FALSE;
          delete_reason = _("The server does not allow deleting this disk now.");
        }
    }
  else if (can_detach)
    delete_reason = _("The disk has no virtual disk image.");

  lagoon_page_set_enabled (self->detach_button, can_detach,
                           _("Detach the disk from the VM, keeping its data"), detach_reason);
  lagoon_page_set_enabled (self->delete_button, can_delete,
                           _("Delete the disk and its data"), delete_reason);
  lagoon_page_set_enabled (self->properties_button, vdi != NULL && !snapshot,
                           _("Change the disk's name, description or size"),
                           vbd == NULL ? pick : detach_reason);
}

static void
update_cd_buttons (LagoonStoragePage *self)
{
  LagoonCache *cache = lagoon_page_get_cache (self->server);
  const LagoonRecord *vbd = cache != NULL && self->cd_vbd != NULL
                              ? lagoon_cache_lookup (cache, LAGOON_CLASS_VBD, self->cd_vbd)
                              : NULL;
  const char *chosen = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->iso_combo));
  gboolean empty = vbd == NULL || lagoon_record_get_bool (vbd, LAGOON_VBD_EMPTY);
  const LagoonRecord *vm = cache != NULL && self->ref != NULL
                             ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM, self->ref) : NULL;
  /* A halted VM's drive changes in the database only: xapi takes it whatever the VBD's
   * allowed_operations say (they list what needs a running VM). */
  gboolean halted = vm != NULL && vbd != NULL &&
                    g_strcmp0 (lagoon_record_get_enum_string (vm, LAGOON_VM_POWER_STATE),
                               "Halted") == 0 &&
                    lagoon_record_get_map (vm, LAGOON_VM_CURRENT_OPERATIONS, NULL)[0] == NULL &&
                    lagoon_record_get_map (vbd, LAGOON_VBD_CURRENT_OPERATIONS, NULL)[0] == NULL;
  gboolean can_insert, can_eject;
  const char *insert_reason = NULL, *eject_reason = NULL;

  if (vbd == NULL)
    {
      insert_reason = eject_reason = _("The VM has no CD drive.");
      can_insert = can_eject = FALSE;
    }
  else
    {
      can_eject = !empty && (halted ||
                             lagoon_record_set_contains (vbd, LAGOON_VBD_ALLOWED_OPERATIONS,
                                                         "eject"));
      if (empty)
        eject_reason = _("The drive is empty.");
      else if (!can_eject)
        eject_reason = _("The server does not allow ejecting now (the VM may be starting or "
                         "stopping).");

      if (chosen == NULL || chosen[0] == '\0')
        {
          can_insert = FALSE;
          insert_reason = _("Choose an ISO image first.");
        }
      else if (!empty && g_strcmp0 (chosen, self->cd_vdi) == 0)
        {
          can_insert = FALSE;
          insert_reason = _("This ISO image is already in the drive.");
        }
      else if (empty)
        {
          can_insert = halted ||
                       lagoon_record_set_contains (vbd, LAGOON_VBD_ALLOWED_OPERATIONS, "insert");
          insert_reason = _("The server does not allow inserting now (the VM may be starting "
                            "or stopping).");
        }
      else
        {
          /* Another ISO is in: eject it first, then insert. */
          can_insert = can_eject;
          insert_reason = eject_reason;
        }
    }
  lagoon_page_set_enabled (self->insert_button, can_insert,
                           _("Insert the chosen ISO image into the drive"), insert_reason);
  lagoon_page_set_enabled (self->eject_button, can_eject, _("Eject the ISO image"),
                           eject_reason);
}


/* The ISO images of the pool's ISO SRs, by name. */
static GPtrArray *
list_isos (LagoonCache *cache)
{
  g_autoptr(GPtrArray) srs = lagoon_cache_list (cache, LAGOON_CLASS_SR);
  GPtrArray *isos = g_ptr_array_new ();

  for (guint i = 0; i < srs->len; i++)
    {
      const LagoonRecord *sr = g_ptr_array_index (srs, i);
      guint n = 0;
      const LagoonRecord *const *vdis;

      if (!is_iso_sr (sr))
        continue;
      vdis = lagoon_cache_get_referrers (cache, LAGOON_CLASS_VDI, LAGOON_VDI_SR,
                                         lagoon_record_get_opaque_ref (sr), &n);
      for (guint j = 0; j < n; j++)
        if (!lagoon_record_get_bool (vdis[j], LAGOON_VDI_MISSING))
          g_ptr_array_add (isos, (gpointer) vdis[j]);
    }
  g_ptr_array_sort (isos, lagoon_page_compare_names);
  return isos;
}

static void
show_cd (LagoonStoragePage  *self,
         LagoonCache        *cache,
         const LagoonRecord *cd)
{
  g_autoptr(GPtrArray) isos = NULL;
  g_autoptr(GString) key = g_string_new (NULL);
  const char *vdi = NULL;
  g_autofree char *label = NULL;
  gboolean vdi_changed;

  gtk_widget_set_visible (self->cd_box, cd != NULL);
  g_free (self->cd_vbd);
  self->cd_vbd = cd != NULL ? g_strdup (lagoon_record_get_opaque_ref (cd)) : NULL;
  if (cd == NULL)
    return;

  if (!lagoon_record_get_bool (cd, LAGOON_VBD_EMPTY))
    vdi = lagoon_record_get_ref (cd, LAGOON_VBD_VDI);
  if (vdi == NULL)
    vdi = "";
  vdi_changed = g_strcmp0 (vdi, self->cd_vdi) != 0;
  g_free (self->cd_vdi);
  self->cd_vdi = g_strdup (vdi);

  /* Translators: the CD drive's label, %s is its position ("3") */
  label = g_strdup_printf (_("DVD drive %s:"), lagoon_record_get_string (cd,
                                                                         LAGOON_VBD_USERDEVICE));
  gtk_label_set_text (self->cd_label, label);

  isos = list_isos (cache);
  for (guint i = 0; i < isos->len; i++)
    {
      const LagoonRecord *iso = g_ptr_array_index (isos, i);

      g_string_append_printf (key, "%s=%s\n", lagoon_record_get_opaque_ref (iso),
                              lagoon_record_get_name (iso));
    }
  /* An ISO that is in the drive but not in any ISO SR we know still shows. */
  if (vdi[0] != '\0' && strstr (key->str, vdi) == NULL)
    g_string_append_printf (key, "%s=%s\n", vdi, lagoon_page_ref_name (cache, vdi));

  if (g_strcmp0 (key->str, self->iso_key) != 0)
    {
      g_autofree char *keep = g_strdup (gtk_combo_box_get_active_id (
                                          GTK_COMBO_BOX (self->iso_combo)));
      g_auto(GStrv) lines = g_strsplit (key->str, "\n", -1);

      gtk_combo_box_text_remove_all (self->iso_combo);
      gtk_combo_box_text_append (self->iso_combo, "", _("<empty>"));
      for (guint i = 0; lines[i] != NULL; i++)
        {
          char *eq = strchr (lines[i], '=');

          if (eq == NULL)
            continue;
          *eq = '\0';
          gtk_combo_box_text_append (self->iso_combo, lines[i], eq + 1);
        }
      g_free (self->iso_key);
      self->iso_key = g_string_free (g_steal_pointer (&key), FALSE);
      if (!vdi_changed && keep != NULL)
        gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->iso_combo), keep);
      else
        vdi_changed = TRUE;
    }
  /* The drive's content wins when it changed; otherwise the user's choice stays. */
  if (vdi_changed || gtk_combo_box_get_active (GTK_COMBO_BOX (self->iso_combo)) < 0)
    gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->iso_combo), vdi);
  update_cd_buttons (self);
}

static void
show_vm (LagoonStoragePage  *self,
         LagoonCache        *cache,
         const LagoonRecord *vm)
{
  g_autoptr(GPtrArray) vbds = vm_vbds (cache, lagoon_record_get_opaque_ref (vm));
  LagoonStoreSync *sync = lagoon_store_sync_begin (self->disk_store);
  const LagoonRecord *cd = NULL;

  for (guint i = 0; i < vbds->len; i++)
    {
      const LagoonRecord *vbd = g_ptr_array_index (vbds, i);
      const char *type = lagoon_record_get_enum_string (vbd, LAGOON_VBD_TYPE);
      const LagoonRecord *vdi;
      const char *device;
      g_autofree char *size = NULL;
      g_autofree char *dev_path = NULL;
      GtkTreeIter iter;
      gint64 bytes;

      if (g_strcmp0 (type, "CD") == 0)
        {
          if (cd == NULL)
            cd = vbd;
          continue;
        }
      if (g_strcmp0 (type, "Disk") != 0)
        continue;
      vdi = lagoon_cache_lookup (cache, LAGOON_CLASS_VDI,
                                 lagoon_record_get_ref (vbd, LAGOON_VBD_VDI));
      bytes = vdi != NULL ? lagoon_record_get_int (vdi, LAGOON_VDI_VIRTUAL_SIZE) : 0;
      size = lagoon_page_format_bytes (bytes);
      device = lagoon_record_get_string (vbd, LAGOON_VBD_DEVICE);
      if (device != NULL && device[0] != '\0')
        dev_path = g_strconcat ("/dev/", device, NULL);

      lagoon_store_sync_row (sync, lagoon_record_get_opaque_ref (vbd), &iter);
      gtk_list_store_set (self->disk_store, &iter,
                          DISK_POSITION, lagoon_record_get_string (vbd, LAGOON_VBD_USERDEVICE),
                          DISK_POSITION_KEY,
                          atoi (lagoon_record_get_string (vbd, LAGOON_VBD_USERDEVICE)),
                          DISK_NAME, vdi != NULL ? lagoon_record_get_name (vdi) : "",
                          DISK_DESCRIPTION,
                          vdi != NULL ? lagoon_record_get_string (vdi, LAGOON_VDI_NAME_DESCRIPTION)
                                      : "",
                          DISK_SR, vdi != NULL
                                     ? lagoon_page_ref_name (cache,
                                                             lagoon_record_get_ref (vdi,
                                                                                    LAGOON_VDI_SR))
                                     : "",
                          DISK_SIZE, size,
                          DISK_SIZE_BYTES, bytes,
                          DISK_READ_ONLY,
                          g_strcmp0 (lagoon_record_get_enum_string (vbd, LAGOON_VBD_MODE),
                                     "RO") == 0,
                          DISK_ACTIVE, lagoon_record_get_bool (vbd,
                                                               LAGOON_VBD_CURRENTLY_ATTACHED),
                          DISK_DEVICE, dev_path != NULL ? dev_path : "", -1);
    }
  lagoon_store_sync_end (sync);
  show_cd (self, cache, cd);
  update_disk_buttons (self);
}

/* ---- an SR ----------------------------------------------------------------------------------- */

/* The SR's space: used and allocated, as text and bars. */
static void
show_sr_summary (LagoonStoragePage  *self,
                 LagoonCache        *cache,
                 const LagoonRecord *sr)
{
  const char *sr_ref = lagoon_record_get_opaque_ref (sr);
  gint64 size = lagoon_record_get_int (sr, LAGOON_SR_PHYSICAL_SIZE);
  gint64 used = lagoon_record_get_int (sr, LAGOON_SR_PHYSICAL_UTILISATION);
  gint64 allocated = lagoon_record_get_int (sr, LAGOON_SR_VIRTUAL_ALLOCATION);
  g_autofree char *size_text = lagoon_page_format_bytes (size);
  g_autofree char *used_text = lagoon_page_format_bytes (used);
  g_autofree char *alloc_text = lagoon_page_format_bytes (allocated);
  g_autofree char *summary = NULL;
  g_autofree char *used_desc = NULL;
  g_autofree char *alloc_desc = NULL;
  guint n = 0;

  lagoon_cache_get_referrers (cache, LAGOON_CLASS_VDI, LAGOON_VDI_SR, sr_ref, &n);
  /* Translators: "12 GiB used of 100 GiB (12%) · 40 GiB allocated (40%) · 7 disks" */
  summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "%s used of %s (%d%%) · %s allocated (%d%%) · %u disk",
                                          "%s used of %s (%d%%) · %s allocated (%d%%) · %u disks",
                                          n),
                             used_text, size_text, percent_of (used, size), alloc_text,
                             percent_of (allocated, size), n);
  gtk_label_set_text (self->sr_summary, summary);

  /* Translators: "12 GiB used of 100 GiB" */
  used_desc = g_strdup_printf (_("%s used of %s"), used_text, size_text);
  lagoon_usage_bar_clear (self->sr_bar);
  lagoon_usage_bar_add (self->sr_bar, used, used_desc);
  lagoon_usage_bar_set_total (self->sr_bar, size, used_desc);
  /* Translators: "40 GiB allocated of 100 GiB": the disks' virtual sizes */
  alloc_desc = g_strdup_printf (_("%s allocated of %s"), alloc_text, size_text);
  lagoon_usage_bar_clear (self->sr_alloc_bar);
  lagoon_usage_bar_add (self->sr_alloc_bar, MIN (allocated, size > 0 ? size : allocated),
                        alloc_desc);
  lagoon_usage_bar_set_total (self->sr_alloc_bar, MAX (size, allocated), alloc_desc);
}

/* The SR's disks, each with the VMs using it. */
static void
show_sr_disks (LagoonStoragePage  *self,
               LagoonCache        *cache,
               const LagoonRecord *sr)
{
  guint n = 0;
  const LagoonRecord *const *vdis = lagoon_cache_get_referrers (cache, LAGOON_CLASS_VDI,
                                                                LAGOON_VDI_SR,
                                                                lagoon_record_get_opaque_ref (sr),
                                                                &n);
  LagoonStoreSync *sync = lagoon_store_sync_begin (self->vdi_store);

  g_hash_table_remove_all (self->shown_vdis);
  for (guint i = 0; i < n; i++)
    {
      const LagoonRecord *vdi = vdis[i];
      gint64 vsize = lagoon_record_get_int (vdi, LAGOON_VDI_VIRTUAL_SIZE);
      gint64 vused = lagoon_record_get_int (vdi, LAGOON_VDI_PHYSICAL_UTILISATION);
      g_autofree char *vsize_text = lagoon_page_format_bytes (vsize);
      g_autofree char *vused_text = lagoon_page_format_bytes (vused);
      g_autofree char *bar_text = NULL;
      g_autofree char *users = vdi_users (cache, lagoon_record_get_opaque_ref (vdi));
      GtkTreeIter iter;

      /* Translators: a disk's space on its SR, "3 GiB (30%)" */
      bar_text = g_strdup_printf (_("%s (%d%%)"), vused_text, percent_of (vused, vsize));
      g_hash_table_add (self->shown_vdis, g_strdup (lagoon_record_get_opaque_ref (vdi)));
      lagoon_store_sync_row (sync, lagoon_record_get_opaque_ref (vdi), &iter);
      gtk_list_store_set (self->vdi_store, &iter,
                          VDI_NAME, lagoon_record_get_name (vdi),
                          VDI_DESCRIPTION, lagoon_record_get_string (vdi,
                                                                     LAGOON_VDI_NAME_DESCRIPTION),
                          VDI_SIZE, vsize_text,
                          VDI_SIZE_BYTES, vsize,
                          VDI_PERCENT, percent_of (vused, vsize),
                          VDI_USED_TEXT, bar_text,
                          VDI_VMS, users, -1);
    }
  lagoon_store_sync_end (sync);
  update_sr_disk_buttons (self);
}

/* ---- a host or a pool -------------------------------------------------------------------- */

static gboolean
sr_on_host (LagoonCache        *cache,
            const LagoonRecord *sr,
            const char         *host_ref)
{
  guint n = 0;
  const LagoonRecord *const *pbds = lagoon_cache_get_referrers (cache, LAGOON_CLASS_PBD,
                                                                LAGOON_PBD_SR,
                                                                lagoon_record_get_opaque_ref (sr),
                                                                &n);

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (lagoon_record_get_ref (pbds[i], LAGOON_PBD_HOST), host_ref) == 0)
      return TRUE;
  return FALSE;
}

static void
show_srs (LagoonStoragePage *self,
          LagoonCache       *cache,
          const char        *host_ref)
{
  g_autoptr(GPtrArray) srs = lagoon_cache_list (cache, LAGOON_CLASS_SR);
  LagoonStoreSync *sync = lagoon_store_sync_begin (self->sr_store);

  gtk_label_set_text (self->srs_title, host_ref != NULL ? _("Storage of this server")
                                                        : _("Storage of the pool"));
  for (guint i = 0; i < srs->len; i++)
    {
      const LagoonRecord *sr = g_ptr_array_index (srs, i);
      gint64 size = lagoon_record_get_int (sr, LAGOON_SR_PHYSICAL_SIZE);
      gint64 used = lagoon_record_get_int (sr, LAGOON_SR_PHYSICAL_UTILISATION);
      g_autofree char *size_text = NULL;
      g_autofree char *used_text = NULL;
      g_autofree char *free_text = NULL;
      g_autofree char *usage = NULL;
      g_autofree char *shared = NULL;
      GtkTreeIter iter;

      if (host_ref != NULL && !sr_on_host (cache, sr, host_ref))
        continue;
      if (lagoon_record_get_bool (sr, LAGOON_SR_SHARED))
        shared = g_strdup (_("Yes"));
      else
        {
          guint n_pbds = 0;
          const LagoonRecord *const *pbds = lagoon_cache_get_referrers (
            cache, LAGOON_CLASS_PBD, LAGOON_PBD_SR, lagoon_record_get_opaque_ref (sr), &n_pbds);

          /* Translators: a local SR, "No (host-01)": the server it belongs to */
          shared = n_pbds > 0
                     ? g_strdup_printf (_("No (%s)"),
                                        lagoon_page_ref_name (
                                          cache, lagoon_record_get_ref (pbds[0],
                                                                        LAGOON_PBD_HOST)))
                     : g_strdup (_("No"));
        }
      size_text = lagoon_page_format_bytes (size);
      used_text = lagoon_page_format_bytes (used);
      free_text = lagoon_page_format_bytes (size - used);
      /* Translators: an SR's usage, "25%" */
      usage = g_strdup_printf (_("%d%%"), percent_of (used, size));
      lagoon_store_sync_row (sync, lagoon_record_get_opaque_ref (sr), &iter);
      gtk_list_store_set (self->sr_store, &iter,
                          SR_NAME, lagoon_record_get_name (sr),
                          SR_DESCRIPTION, lagoon_record_get_string (sr,
                                                                    LAGOON_SR_NAME_DESCRIPTION),
                          SR_TYPE, lagoon_record_get_string (sr, LAGOON_SR_TYPE),
                          SR_SHARED, shared,
                          SR_PERCENT, percent_of (used, size),
                          SR_USAGE_TEXT, usage,
                          SR_SIZE, size_text,
                          SR_USED, used_text,
                          SR_FREE, free_text,
                          SR_SIZE_BYTES, size, -1);
    }
  lagoon_store_sync_end (sync);
}

static void
lagoon_storage_page_refresh (LagoonStoragePage *self)
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
    case LAGOON_CLASS_SR:
      show_sr_summary (self, cache, rec);
      show_sr_disks (self, cache, rec);
      break;
    case LAGOON_CLASS_HOST:
      show_srs (self, cache, self->ref);
      break;
    case LAGOON_CLASS_POOL:
      show_srs (self, cache, NULL);
      break;
    default:
      break;
    }
  g_debug ("%s: refreshed in %" G_GINT64_FORMAT " µs", self->ref,
           g_get_monotonic_time () - started);
}

/* ---- commands: CD ------------------------------------------------------------------------ */

typedef struct
{
  LagoonServer *server;
  char         *vbd;
  char         *vdi;
} CdChange;

static void
cd_change_free (gpointer data)
{
  CdChange *change = data;

  g_clear_object (&change->server);
  g_free (change->vbd);
  g_free (change->vdi);
  g_free (change);
}

/* The drive is empty already (when the Eject of a swap comes). */
static gboolean
cd_is_empty (gpointer data)
{
  CdChange *change = data;
  LagoonCache *cache = lagoon_page_get_cache (change->server);
  const LagoonRecord *vbd = cache != NULL ? lagoon_cache_lookup (cache, LAGOON_CLASS_VBD,
                                                                 change->vbd)
                                          : NULL;

  return vbd == NULL || lagoon_record_get_bool (vbd, LAGOON_VBD_EMPTY);
}

static GVariant *
build_eject (GVariant *previous,
             gpointer  data)
{
  return g_variant_new ("(s)", ((CdChange *) data)->vbd);
}

static GVariant *
build_insert (GVariant *previous,
              gpointer  data)
{
  CdChange *change = data;

  return g_variant_new ("(ss)", change->vbd, change->vdi);
}

/* Another ISO in the drive is ejected first. */
static const LagoonPageStep insert_steps[] = {
  { N_("Eject ISO"), "VBD.eject", build_eject, cd_is_empty },
  { N_("Insert ISO"), "VBD.insert", build_insert, NULL },
};

static const LagoonPageStep eject_steps[] = {
  { N_("Eject ISO"), "VBD.eject", build_eject, NULL },
};

static CdChange *
cd_change_new (LagoonStoragePage *self,
               const char        *vdi)
{
  CdChange *change = g_new0 (CdChange, 1);

  change->server = g_object_ref (self->server);
  change->vbd = g_strdup (self->cd_vbd);
  change->vdi = g_strdup (vdi);
  return change;
}

static void
on_insert_clicked (GtkButton         *button,
                   LagoonStoragePage *self)
{
  const char *chosen = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->iso_combo));

  if (self->cd_vbd == NULL || chosen == NULL || chosen[0] == '\0' || self->server == NULL)
    return;
  lagoon_page_run_steps (self->server, _("Insert ISO"), self->ref, insert_steps,
                         G_N_ELEMENTS (insert_steps), cd_change_new (self, chosen),
                         cd_change_free);
}

static void
on_eject_clicked (GtkButton         *button,
                  LagoonStoragePage *self)
{
  if (self->cd_vbd == NULL || self->server == NULL)
    return;
  lagoon_page_run_steps (self->server, _("Eject ISO"), self->ref, eject_steps,
                         G_N_ELEMENTS (eject_steps), cd_change_new (self, NULL), cd_change_free);
}

static void
on_iso_changed (GtkComboBox       *combo,
                LagoonStoragePage *self)
{
  update_cd_buttons (self);
}

/* ---- commands: disks ----------------------------------------------------------------------- */

typedef struct
{
  LagoonServer *server;
  char         *vm;
  char         *vbd;
  char         *vdi;
  char         *userdevice;
  GVariant     *vdi_record;  /* Add: VDI.create's argument */
  gboolean      read_only;
} DiskJob;

static DiskJob *
disk_job_new (LagoonServer *server,
              const char   *vm)
{
  DiskJob *job = g_new0 (DiskJob, 1);

  job->server = g_object_ref (server);
  job->vm = g_strdup (vm);
  return job;
}

static void
disk_job_free (gpointer data)
{
  DiskJob *job = data;

  g_clear_object (&job->server);
  g_free (job->vm);
  g_free (job->vbd);
  g_free (job->vdi);
  g_free (job->userdevice);
  g_clear_pointer (&job->vdi_record, g_variant_unref);
  g_free (job);
}

static GVariant *
vbd_record (DiskJob    *job,
            const char *vdi)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "VM", g_variant_new_string (job->vm));
  g_variant_builder_add (&b, "{sv}", "VDI", g_variant_new_string (vdi));
  g_variant_builder_add (&b, "{sv}", "userdevice", g_variant_new_string (job->userdevice));
  g_variant_builder_add (&b, "{sv}", "bootable", g_variant_new_boolean (FALSE));
  g_variant_builder_add (&b, "{sv}", "mode", g_variant_new_string (job->read_only ? "RO" : "RW"));
  g_variant_builder_add (&b, "{sv}", "type", g_variant_new_string ("Disk"));
  g_variant_builder_add (&b, "{sv}", "unpluggable", g_variant_new_boolean (TRUE));
  g_variant_builder_add (&b, "{sv}", "empty", g_variant_new_boolean (FALSE));
  g_variant_builder_add (&b, "{sv}", "other_config",
                         g_variant_new_array (G_VARIANT_TYPE ("{ss}"), NULL, 0));
  g_variant_builder_add (&b, "{sv}", "qos_algorithm_type", g_variant_new_string (""));
  g_variant_builder_add (&b, "{sv}", "qos_algorithm_params",
                         g_variant_new_array (G_VARIANT_TYPE ("{ss}"), NULL, 0));
  return g_variant_new ("(@a{sv})", g_variant_builder_end (&b));
}

static GVariant *
build_vdi_create (GVariant *previous,
                  gpointer  data)
{
  /* The job keeps it; run_task_async takes its own reference (no extra one here, or it
   * would never be released). */
  return ((DiskJob *) data)->vdi_record;
}

/* The result of VDI.create (the new VDI) becomes the VBD's VDI. */
static GVariant *
build_vbd_create (GVariant *previous,
                  gpointer  data)
{
  DiskJob *job = data;

  if (previous != NULL)
    {
      if (!g_variant_is_of_type (previous, G_VARIANT_TYPE_STRING))
        {
          g_warning ("VDI.create returned no reference");
          return NULL;
        }
      g_free (job->vdi);
      job->vdi = g_variant_dup_string (previous, NULL);
    }
  return vbd_record (job, job->vdi);
}

/* The new VBD (VBD.create's result) is plugged... */
static GVariant *
build_vbd_plug (GVariant *previous,
                gpointer  data)
{
  DiskJob *job = data;

  if (previous == NULL || !g_variant_is_of_type (previous, G_VARIANT_TYPE_STRING))
    return NULL;
  g_free (job->vbd);
  job->vbd = g_variant_dup_string (previous, NULL);
  return g_variant_new ("(s)", job->vbd);
}

/* ... when the VM runs by then. */
static gboolean
vm_not_running (gpointer data)
{
  DiskJob *job = data;
  LagoonCache *cache = lagoon_page_get_cache (job->server);
  const LagoonRecord *vm = cache != NULL ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM, job->vm)
                                         : NULL;

  return vm == NULL || !vm_running (vm);
}

/* Unplugging is needed only while the disk is plugged (looked at when the step comes). */
static gboolean
vbd_not_attached (gpointer data)
{
  DiskJob *job = data;
  LagoonCache *cache = lagoon_page_get_cache (job->server);
  const LagoonRecord *vbd = cache != NULL ? lagoon_cache_lookup (cache, LAGOON_CLASS_VBD,
                                                                 job->vbd)
                                          : NULL;

  return vbd == NULL || !lagoon_record_get_bool (vbd, LAGOON_VBD_CURRENTLY_ATTACHED);
}

static GVariant *
build_same_vbd (GVariant *previous,
                gpointer  data)
{
  return g_variant_new ("(s)", ((DiskJob *) data)->vbd);
}

static GVariant *
build_vdi_destroy (GVariant *previous,
                   gpointer  data)
{
  return g_variant_new ("(s)", ((DiskJob *) data)->vdi);
}

static const LagoonPageStep add_steps[] = {
  { N_("Create virtual disk"), "VDI.create", build_vdi_create, NULL },
  { N_("Attach virtual disk"), "VBD.create", build_vbd_create, NULL },
  { N_("Plug virtual disk"), "VBD.plug", build_vbd_plug, vm_not_running },
};

static const LagoonPageStep attach_steps[] = {
  { N_("Attach virtual disk"), "VBD.create", build_vbd_create, NULL },
  { N_("Plug virtual disk"), "VBD.plug", build_vbd_plug, vm_not_running },
};

static const LagoonPageStep detach_steps[] = {
  { N_("Unplug virtual disk"), "VBD.unplug", build_same_vbd, vbd_not_attached },
  { N_("Detach virtual disk"), "VBD.destroy", build_same_vbd, NULL },
};

static const LagoonPageStep delete_steps[] = {
  { N_("Unplug virtual disk"), "VBD.unplug", build_same_vbd, vbd_not_attached },
  { N_("Detach virtual disk"), "VBD.destroy", build_same_vbd, NULL },
  { N_("Delete virtual disk"), "VDI.destroy", build_vdi_destroy, NULL },
};

/* SRs a new disk of the VM can go to: not ISO libraries, allowing vdi_create, and reachable
 * from the VM's host when it runs. */
static GPtrArray *
disk_srs (LagoonCache        *cache,
          const LagoonRecord *vm)
{
  g_autoptr(GPtrArray) srs = lagoon_cache_list (cache, LAGOON_CLASS_SR);
  const char *host = lagoon_record_get_ref (vm, LAGOON_VM_RESIDENT_ON);
  GPtrArray *found = g_ptr_array_new ();

  for (guint i = 0; i < srs->len; i++)
    {
      const LagoonRecord *sr = g_ptr_array_index (srs, i);

      if (is_iso_sr (sr) ||
          !lagoon_record_set_contains (sr, LAGOON_SR_ALLOWED_OPERATIONS, "vdi_create"))
        continue;
      if (host != NULL && lagoon_cache_lookup (cache, LAGOON_CLASS_HOST, host) != NULL &&
          !lagoon_record_get_bool (sr, LAGOON_SR_SHARED) && !sr_on_host (cache, sr, host))
        continue;
      g_ptr_array_add (found, (gpointer) sr);
    }
  g_ptr_array_sort (found, lagoon_page_compare_names);
  return found;
}

typedef struct
{
  LagoonCache     *cache;
  GtkEntry        *name;
  GtkSpinButton   *size;
  GtkComboBoxText *sr;
  GtkLabel        *message;
  GtkWidget       *ok;
  gint64           min_size;   /* Properties: the disk's size (it may only grow) */
  double           shown_size; /* ... as the spin button showed it first (rounded) */
  gboolean         can_resize;
  gboolean         new_disk;
} DiskDialog;

static gint64
disk_dialog_bytes (DiskDialog *d)
{
  double value = gtk_spin_button_get_value (d->size);

  /* An untouched size is the disk's own, not its rounding. */
  if (!d->new_disk && value == d->shown_size)
    return d->min_size;
  return (gint64) llround (value * (double) LAGOON_GIB);
}

static char *
disk_dialog_problem (DiskDialog *d)
{
  gint64 bytes = disk_dialog_bytes (d);
  g_autofree char *name = g_strstrip (g_strdup (gtk_entry_get_text (d->name)));

  if (name[0] == '\0')
    return g_strdup (_("Give the disk a name."));
  if (bytes <= 0)
    return g_strdup (_("The size must be more than zero."));
  if (!d->new_disk && bytes < d->min_size)
    {
      g_autofree char *current = lagoon_page_format_bytes (d->min_size);

      /* Translators: %s is the disk's size now */
      return g_strdup_printf (_("A disk can only grow: its size is %s now."), current);
    }
  if (!d->new_disk && bytes != d->min_size && !d->can_resize)
    return g_strdup (_("The server does not allow resizing this disk now (a running VM may be "
                       "using it, or its storage cannot resize)."));
  if (d->new_disk)
    {
      const char *sr_ref = gtk_combo_box_get_active_id (GTK_COMBO_BOX (d->sr));
      const LagoonRecord *sr = sr_ref != NULL ? lagoon_cache_lookup (d->cache, LAGOON_CLASS_SR,
                                                                     sr_ref)
                                              : NULL;
      gint64 free_bytes;

      if (sr == NULL)
        return g_strdup (_("Choose a storage repository."));
      free_bytes = lagoon_record_get_int (sr, LAGOON_SR_PHYSICAL_SIZE) -
                   lagoon_record_get_int (sr, LAGOON_SR_PHYSICAL_UTILISATION);
      if (bytes > free_bytes)
        {
          g_autofree char *free_text = lagoon_page_format_bytes (free_bytes);

          /* Translators: %s is free space, "12 GiB" */
          return g_strdup_printf (_("The storage repository has only %s free."), free_text);
        }
    }
  return NULL;
}

static void
disk_dialog_validate (DiskDialog *d)
{
  g_autofree char *problem = disk_dialog_problem (d);

  gtk_label_set_text (d->message, problem != NULL ? problem : "");
  gtk_widget_set_visible (GTK_WIDGET (d->message), problem != NULL);
  gtk_widget_set_sensitive (d->ok, problem == NULL);
}

static void
on_disk_dialog_changed (GtkWidget  *widget,
                        DiskDialog *d)
{
  disk_dialog_validate (d);
}

static GtkWidget *
grid_row (GtkGrid    *grid,
          int         row,
          const char *label,
          GtkWidget  *widget,
          const char *accessible)
{
  GtkWidget *key = gtk_label_new_with_mnemonic (label);

  gtk_label_set_xalign (GTK_LABEL (key), 1.0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (key), widget);
  gtk_widget_set_hexpand (widget, TRUE);
  lagoon_page_set_accessible (widget, accessible);
  gtk_grid_attach (grid, key, 0, row, 1, 1);
  gtk_grid_attach (grid, widget, 1, row, 1, 1);
  return widget;
}

/* The Add and Properties dialogs; returns TRUE on OK. */
static gboolean
run_disk_dialog (LagoonStoragePage  *self,
                 LagoonCache        *cache,
                 const LagoonRecord *vm,
                 const LagoonRecord *vdi,
                 char              **name_out,
                 char              **description_out,
                 gint64             *size_out,
                 char              **sr_out)
{
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
  GtkWidget *dialog, *content, *grid;
  GtkEntry *description;
  DiskDialog d = { 0 };
  int response;
  g_autofree char *default_name = NULL;

  d.cache = cache;
  d.new_disk = vdi == NULL;
  d.min_size = vdi != NULL ? lagoon_record_get_int (vdi, LAGOON_VDI_VIRTUAL_SIZE) : 0;

  dialog = gtk_dialog_new_with_buttons (d.new_disk ? _("Add Virtual Disk")
                                                   : _("Virtual Disk Properties"),
                                        GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel) : NULL,
                                        GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                        _("_Cancel"), GTK_RESPONSE_CANCEL, NULL);
  lagoon_page_set_accessible (dialog, d.new_disk ? _("Add Virtual Disk")
                                                 : _("Virtual Disk Properties"));
  d.ok = gtk_dialog_add_button (GTK_DIALOG (dialog), d.new_disk ? _("_Add") : _("_OK"),
                                GTK_RESPONSE_OK);
  lagoon_page_set_accessible (d.ok, d.new_disk ? _("Add") : _("OK"));
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_OK);
  content = gtk_dialog_get_content_area (GTK_DIALOG (dialog));
  gtk_container_set_border_width (GTK_CONTAINER (content), 12);
  gtk_box_set_spacing (GTK_BOX (content), 12);

  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_container_add (GTK_CONTAINER (content), grid);

  d.name = GTK_ENTRY (grid_row (GTK_GRID (grid), 0, _("_Name"), gtk_entry_new (), _("Name")));
  gtk_entry_set_activates_default (d.name, TRUE);
  description = GTK_ENTRY (grid_row (GTK_GRID (grid), 1, _("_Description"), gtk_entry_new (),
                                     _("Description")));
  d.size = GTK_SPIN_BUTTON (grid_row (GTK_GRID (grid), 2, _("_Size (GiB)"),
                                      gtk_spin_button_new_with_range (0, 2048 * 8, 1),
                                      _("Size in GiB")));
  gtk_spin_button_set_digits (d.size, 2);
  if (vdi != NULL)
    {
      gtk_entry_set_text (d.name, lagoon_record_get_name (vdi));
      gtk_entry_set_text (description, lagoon_record_get_string (vdi,
                                                                 LAGOON_VDI_NAME_DESCRIPTION));
      gtk_spin_button_set_value (d.size, (double) d.min_size / (double) LAGOON_GIB);
      d.shown_size = gtk_spin_button_get_value (d.size);
      d.can_resize = lagoon_record_set_contains (vdi, LAGOON_VDI_ALLOWED_OPERATIONS, "resize");
    }
  else
    {
      g_autoptr(GPtrArray) srs = disk_srs (cache, vm);
      guint n_vbds = 0;
      const char *default_sr = NULL;
      g_autoptr(GPtrArray) pools = lagoon_cache_list (cache, LAGOON_CLASS_POOL);

      lagoon_cache_get_referrers (cache, LAGOON_CLASS_VBD, LAGOON_VBD_VM,
                                  lagoon_record_get_opaque_ref (vm), &n_vbds);
      /* Translators: a new disk's default name, "web01 disk 2" */
      default_name = g_strdup_printf (_("%s disk %u"), lagoon_record_get_name (vm), n_vbds);
      gtk_entry_set_text (d.name, default_name);
      gtk_spin_button_set_value (d.size, 8.0);
      d.sr = GTK_COMBO_BOX_TEXT (grid_row (GTK_GRID (grid), 3, _("_Location"),
                                           gtk_combo_box_text_new (),
                                           _("Storage repository")));
      if (pools->len > 0)
        default_sr = lagoon_record_get_ref (g_ptr_array_index (pools, 0), LAGOON_POOL_DEFAULT_SR);
      for (guint i = 0; i < srs->len; i++)
        {
          const LagoonRecord *sr = g_ptr_array_index (srs, i);
          gint64 free_bytes = lagoon_record_get_int (sr, LAGOON_SR_PHYSICAL_SIZE) -
                              lagoon_record_get_int (sr, LAGOON_SR_PHYSICAL_UTILISATION);
          g_autofree char *free_text = lagoon_page_format_bytes (free_bytes);
          /* Translators: an SR in a list, "Local storage (120 GiB free)" */
          g_autofree char *text = g_strdup_printf (_("%s (%s free)"),
                                                   lagoon_record_get_name (sr), free_text);

          gtk_combo_box_text_append (d.sr, lagoon_record_get_opaque_ref (sr), text);
        }
      if (default_sr == NULL ||
          !gtk_combo_box_set_active_id (GTK_COMBO_BOX (d.sr), default_sr))
        gtk_combo_box_set_active (GTK_COMBO_BOX (d.sr), 0);
      g_signal_connect (d.sr, "changed", G_CALLBACK (on_disk_dialog_changed), &d);
    }
  g_signal_connect (d.name, "changed", G_CALLBACK (on_disk_dialog_changed), &d);
  g_signal_connect (d.size, "value-changed", G_CALLBACK (on_disk_dialog_changed), &d);

  d.message = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (d.message, 0.0);
  gtk_label_set_line_wrap (d.message, TRUE);
  gtk_style_context_add_class (gtk_widget_get_style_context (GTK_WIDGET (d.message)), "error");
  gtk_container_add (GTK_CONTAINER (content), GTK_WIDGET (d.message));
  gtk_widget_show_all (content);
  disk_dialog_validate (&d);

  while (TRUE)
    {
      g_autofree char *problem = NULL;

      response = gtk_dialog_run (GTK_DIALOG (dialog));
      if (response != GTK_RESPONSE_OK)
        break;
      gtk_spin_button_update (d.size);
      disk_dialog_validate (&d);
      problem = disk_dialog_problem (&d);
      if (problem == NULL)
        break;
    }
  if (response == GTK_RESPONSE_OK)
    {
      *name_out = g_strstrip (g_strdup (gtk_entry_get_text (d.name)));
      *description_out = g_strdup (gtk_entry_get_text (description));
      *size_out = disk_dialog_bytes (&d);
      if (sr_out != NULL && d.sr != NULL)
        *sr_out = g_strdup (gtk_combo_box_get_active_id (GTK_COMBO_BOX (d.sr)));
    }
  gtk_widget_destroy (dialog);
  return response == GTK_RESPONSE_OK;
}

static void
on_add_clicked (GtkButton         *button,
                LagoonStoragePage *self)
{
  LagoonCache *cache = lagoon_page_get_cache (self->server);
  const LagoonRecord *vm = cache != NULL && self->ref != NULL
                             ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM, self->ref) : NULL;
  g_autoptr(LagoonServer) server = NULL;
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;
  g_autofree char *sr = NULL;
  GVariantBuilder b;
  DiskJob *job;
  gint64 size = 0;

  if (vm == NULL)
    return;
  server = g_object_ref (self->server);
  job = disk_job_new (server, self->ref);
  job->userdevice = free_userdevice (cache, self->ref);
  if (!run_disk_dialog (self, cache, vm, NULL, &name, &description, &size, &sr) || sr == NULL)
    {
      disk_job_free (job);
      return;
    }

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "name_label", g_variant_new_string (name));
  g_variant_builder_add (&b, "{sv}", "name_description", g_variant_new_string (description));
  g_variant_builder_add (&b, "{sv}", "SR", g_variant_new_string (sr));
  g_variant_builder_add (&b, "{sv}", "virtual_size", g_variant_new_int64 (size));
  g_variant_builder_add (&b, "{sv}", "type", g_variant_new_string ("user"));
  g_variant_builder_add (&b, "{sv}", "sharable", g_variant_new_boolean (FALSE));
  g_variant_builder_add (&b, "{sv}", "read_only", g_variant_new_boolean (FALSE));
  g_variant_builder_add (&b, "{sv}", "other_config",
                         g_variant_new_array (G_VARIANT_TYPE ("{ss}"), NULL, 0));
  g_variant_builder_add (&b, "{sv}", "xenstore_data",
                         g_variant_new_array (G_VARIANT_TYPE ("{ss}"), NULL, 0));
  g_variant_builder_add (&b, "{sv}", "sm_config",
                         g_variant_new_array (G_VARIANT_TYPE ("{ss}"), NULL, 0));
  g_variant_builder_add (&b, "{sv}", "tags", g_variant_new_strv (NULL, 0));
  job->vdi_record = g_variant_ref_sink (g_variant_new ("(@a{sv})",
                                                      g_variant_builder_end (&b)));
  lagoon_page_run_steps (server, _("Add virtual disk"), job->vm,
                         add_steps, G_N_ELEMENTS (add_steps), job,
                         disk_job_free);
}

/* Attach: a dialog listing the disks no VM uses. */
static void
on_attach_clicked (GtkButton         *button,
                   LagoonStoragePage *self)
{
  LagoonCache *cache = lagoon_page_get_cache (self->server);
  const LagoonRecord *vm = cache != NULL && self->ref != NULL
                             ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM, self->ref) : NULL;
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
  g_autoptr(GtkListStore) store = NULL;
  g_autoptr(GPtrArray) vdis = NULL;
  g_autoptr(LagoonServer) server = NULL;
  GtkWidget *dialog, *content, *scrolled, *read_only, *ok;
  GtkTreeView *view;
  g_autofree char *chosen = NULL;
  DiskJob *job;
  int response;

  if (vm == NULL)
    return;
  server = g_object_ref (self->server);

  store = gtk_list_store_new (4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  vdis = lagoon_cache_list (cache, LAGOON_CLASS_VDI);
  g_ptr_array_sort (vdis, lagoon_page_compare_names);
  for (guint i = 0; i < vdis->len; i++)
    {
      const LagoonRecord *vdi = g_ptr_array_index (vdis, i);
      const LagoonRecord *sr = lagoon_cache_lookup (cache, LAGOON_CLASS_SR,
                                                    lagoon_record_get_ref (vdi, LAGOON_VDI_SR));
      guint n = 0;
      g_autofree char *size = NULL;
      GtkTreeIter iter;

      lagoon_cache_get_referrers (cache, LAGOON_CLASS_VBD, LAGOON_VBD_VDI,
                                  lagoon_record_get_opaque_ref (vdi), &n);
      if (n > 0 || sr == NULL || is_iso_sr (sr) ||
          lagoon_record_get_bool (vdi, LAGOON_VDI_IS_A_SNAPSHOT) ||
          g_strcmp0 (lagoon_record_get_enum_string (vdi, LAGOON_VDI_TYPE), "user") != 0)
        continue;
      size = lagoon_page_format_bytes (lagoon_record_get_int (vdi, LAGOON_VDI_VIRTUAL_SIZE));
      gtk_list_store_insert_with_values (store, &iter, -1, 0, lagoon_record_get_opaque_ref (vdi),
                                         1, lagoon_record_get_name (vdi), 2, size,
                                         3, lagoon_record_get_name (sr), -1);
    }

  dialog = gtk_dialog_new_with_buttons (_("Attach Disk"),
                                        GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel) : NULL,
                                        GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                        _("_Cancel"), GTK_RESPONSE_CANCEL, NULL);
  lagoon_page_set_accessible (dialog, _("Attach Disk"));
  ok = gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Attach"), GTK_RESPONSE_OK);
  lagoon_page_set_accessible (ok, _("Attach"));
  gtk_window_set_default_size (GTK_WINDOW (dialog), 520, 360);
  content = gtk_dialog_get_content_area (GTK_DIALOG (dialog));
  gtk_container_set_border_width (GTK_CONTAINER (content), 12);
  gtk_box_set_spacing (GTK_BOX (content), 6);
  gtk_container_add (GTK_CONTAINER (content),
                     lagoon_page_heading_new (_("Disks that no VM uses")));
  scrolled = lagoon_page_tree_new (GTK_TREE_MODEL (store), _("Unused disks"), &view);
  lagoon_page_add_name_column (view, _("Name"), 1);
  lagoon_page_add_text_column (view, _("Size"), 2, -1);
  lagoon_page_add_text_column (view, _("Storage repository"), 3, -1);
  gtk_container_add (GTK_CONTAINER (content), scrolled);
  read_only = gtk_check_button_new_with_mnemonic (_("Attach _read-only"));
  lagoon_page_set_accessible (read_only, _("Attach read-only"));
  gtk_container_add (GTK_CONTAINER (content), read_only);
  gtk_widget_show_all (content);

  response = gtk_dialog_run (GTK_DIALOG (dialog));
  chosen = lagoon_page_dup_selected_ref (view);
  job = disk_job_new (server, self->ref);
  job->read_only = gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (read_only));
  gtk_widget_destroy (dialog);
  if (response != GTK_RESPONSE_OK || chosen == NULL)
    {
      disk_job_free (job);
      return;
    }
  cache = lagoon_page_get_cache (server);
  vm = cache != NULL ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM, self->ref) : NULL;
  if (vm == NULL)
    {
      disk_job_free (job);
      return;
    }
  job->vdi = g_steal_pointer (&chosen);
  job->userdevice = free_userdevice (cache, job->vm);
  lagoon_page_run_steps (server, _("Attach virtual disk"), job->vm,
                         attach_steps, G_N_ELEMENTS (attach_steps), job,
                         disk_job_free);
}

/* Detach (keep the data) or delete (the data too). */
static void
remove_disk (LagoonStoragePage *self,
             gboolean           delete_data)
{
  LagoonCache *cache = lagoon_page_get_cache (self->server);
  const LagoonRecord *vm = cache != NULL && self->ref != NULL
                             ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM, self->ref) : NULL;
  const LagoonRecord *vbd = vm != NULL ? selected_vbd (self, cache) : NULL;
  const LagoonRecord *vdi;
  g_autoptr(LagoonServer) server = NULL;
  g_autofree char *primary = NULL;
  DiskJob *job;
  const char *name;

  if (vbd == NULL)
    return;
  vdi = lagoon_cache_lookup (cache, LAGOON_CLASS_VDI, lagoon_record_get_ref (vbd, LAGOON_VBD_VDI));
  name = vdi != NULL ? lagoon_record_get_name (vdi) : "";
  server = g_object_ref (self->server);
  job = disk_job_new (server, self->ref);
  job->vbd = g_strdup (lagoon_record_get_opaque_ref (vbd));
  job->vdi = vdi != NULL ? g_strdup (lagoon_record_get_opaque_ref (vdi)) : NULL;

  if (delete_data)
    /* Translators: %s is the disk's name */
    primary = g_strdup_printf (_("Delete the disk “%s”?"), name);
  else
    primary = g_strdup_printf (_("Detach the disk “%s”?"), name);
  if (!lagoon_page_confirm (GTK_WIDGET (self), primary,
                            delete_data
                              ? _("The disk and all the data on it are deleted for good.")
                              : _("The disk stays in its storage repository and can be "
                                  "attached again."),
                            delete_data ? _("_Delete") : _("De_tach")) ||
      (delete_data && job->vdi == NULL))
    {
      disk_job_free (job);
      return;
    }
  if (delete_data)
    lagoon_page_run_steps (server, _("Delete virtual disk"), job->vm,
                           delete_steps, G_N_ELEMENTS (delete_steps), job,
                           disk_job_free);
  else
    lagoon_page_run_steps (server, _("Detach virtual disk"), job->vm,
                           detach_steps, G_N_ELEMENTS (detach_steps), job,
                           disk_job_free);
}

static void
on_detach_clicked (GtkButton         *button,
                   LagoonStoragePage *self)
{
  remove_disk (self, FALSE);
}

static void
on_delete_clicked (GtkButton         *button,
                   LagoonStoragePage *self)
{
  remove_disk (self, TRUE);
}

static void
on_properties_clicked (GtkButton         *button,
                       LagoonStoragePage *self)
{
  LagoonCache *cache = lagoon_page_get_cache (self->server);
  const LagoonRecord *vm = cache != NULL && self->ref != NULL
                             ? lagoon_cache_lookup (cache, LAGOON_CLASS_VM, self->ref) : NULL;
  const LagoonRecord *vbd = vm != NULL ? selected_vbd (self, cache) : NULL;
  const LagoonRecord *vdi;
  g_autoptr(LagoonServer) server = NULL;
  g_autofree char *vdi_ref = NULL;
  g_autofree char *old_name = NULL;
  g_autofree char *old_description = NULL;
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;
  gint64 old_size, size = 0;

  if (vbd == NULL)
    return;
  vdi = lagoon_cache_lookup (cache, LAGOON_CLASS_VDI, lagoon_record_get_ref (vbd, LAGOON_VBD_VDI));
  if (vdi == NULL)
    return;
  server = g_object_ref (self->server);
  vdi_ref = g_strdup (lagoon_record_get_opaque_ref (vdi));
  old_name = g_strdup (lagoon_record_get_name (vdi));
  old_description = g_strdup (lagoon_record_get_string (vdi, LAGOON_VDI_NAME_DESCRIPTION));
  old_size = lagoon_record_get_int (vdi, LAGOON_VDI_VIRTUAL_SIZE);
  if (!run_disk_dialog (self, cache, vm, vdi, &name, &description, &size, NULL))
    return;

  if (g_strcmp0 (name, old_name) != 0)
    lagoon_page_run (server, _("Rename virtual disk"), vdi_ref, "VDI.set_name_label",
                     g_variant_new ("(ss)", vdi_ref, name));
  if (g_strcmp0 (description, old_description) != 0)
    lagoon_page_run (server, _("Change virtual disk description"), vdi_ref,
                     "VDI.set_name_description", g_variant_new ("(ss)", vdi_ref, description));
  if (size > old_size)
    lagoon_page_run (server, _("Resize virtual disk"), vdi_ref, "VDI.resize",
                     g_variant_new ("(sx)", vdi_ref, size));
}

static void
on_disk_selection_changed (GtkTreeSelection  *selection,
                           LagoonStoragePage *self)
{
  update_disk_buttons (self);
}

static void
on_disk_row_activated (GtkTreeView       *view,
                       GtkTreePath       *path,
                       GtkTreeViewColumn *column,
                       LagoonStoragePage *self)
{
  if (gtk_widget_get_sensitive (self->properties_button))
    on_properties_clicked (NULL, self);
}

/* ---- an SR's disks: rescan, properties, delete, move, copy ------------------------------- */

static const LagoonRecord *
sr_shown (LagoonStoragePage *self,
          LagoonCache       *cache)
{
  return cache != NULL && self->ref != NULL && self->class_id == LAGOON_CLASS_SR
           ? lagoon_cache_lookup (cache, LAGOON_CLASS_SR, self->ref) : NULL;
}

static const LagoonRecord *
selected_sr_vdi (LagoonStoragePage *self,
                 LagoonCache       *cache)
{
  g_autofree char *ref = cache != NULL ? lagoon_page_dup_selected_ref (self->vdi_view) : NULL;

  return ref != NULL ? lagoon_cache_lookup (cache, LAGOON_CLASS_VDI, ref) : NULL;
}

/* The first running VM that has @vdi plugged in, or NULL. */
static const LagoonRecord *
vdi_running_user (LagoonCache        *cache,
                  const LagoonRecord *vdi)
{
  guint n = 0;
  const LagoonRecord *const *vbds = lagoon_cache_get_referrers (cache, LAGOON_CLASS_VBD,
                                                                LAGOON_VBD_VDI,
                                                                lagoon_record_get_opaque_ref (vdi),
                                                                &n);

  for (guint i = 0; i < n; i++)
    {
      const LagoonRecord *vm = lagoon_cache_lookup (cache, LAGOON_CLASS_VM,
                                                    lagoon_record_get_ref (vbds[i],
                                                                           LAGOON_VBD_VM));

      if (lagoon_record_get_bool (vbds[i], LAGOON_VBD_CURRENTLY_ATTACHED) || vm_running (vm))
        return vm != NULL ? vm : vbds[i];
    }
  return NULL;
}

/* SRs a copy of @vdi can go to: not its own, not ISO libraries, allowing vdi_create. */
static GPtrArray *
copy_target_srs (LagoonCache        *cache,
                 const LagoonRecord *vdi)
{
  g_autoptr(GPtrArray) srs = lagoon_cache_list (cache, LAGOON_CLASS_SR);
  const char *own = lagoon_record_get_ref (vdi, LAGOON_VDI_SR);
  GPtrArray *found = g_ptr_array_new ();

  for (guint i = 0; i < srs->len; i++)
    {
      const LagoonRecord *sr = g_ptr_array_index (srs, i);

      if (g_strcmp0 (lagoon_record_get_opaque_ref (sr), own) == 0 || is_iso_sr (sr) ||
          !lagoon_record_set_contains (sr, LAGOON_SR_ALLOWED_OPERATIONS, "vdi_create"))
        continue;
      g_ptr_array_add (found, (gpointer) sr);
    }
  g_ptr_array_sort (found, lagoon_page_compare_names);
  return found;
}

static void
update_sr_disk_buttons (LagoonStoragePage *self)
{
  LagoonCache *cache = lagoon_page_get_cache (self->server);
  const LagoonRecord *sr = sr_shown (self, cache);
  const LagoonRecord *vdi = sr != NULL ? selected_sr_vdi (self, cache) : NULL;
  const char *pick = sr == NULL ? _("The storage repository is not available.")
                                : _("Select a disk first.");
  const char *busy = _("An operation is in progress on this disk.");
  const char *prop_reason = pick, *delete_reason = pick, *move_reason = pick, *copy_reason = pick;
  g_autofree char *delete_text = NULL;
  gboolean can_prop = FALSE, can_delete = FALSE, can_move = FALSE, can_copy = FALSE;

  lagoon_page_set_enabled (self->sr_rescan_button,
                           sr != NULL && lagoon_record_set_contains (sr,
                                                                     LAGOON_SR_ALLOWED_OPERATIONS,
                                                                     "scan"),
                           _("Look for disks added or removed outside the pool"),
                           sr == NULL ? pick
                                      : _("The server does not allow rescanning this storage "
                                          "repository now."));
  if (vdi != NULL)
    {
      gboolean idle = lagoon_record_get_map (vdi, LAGOON_VDI_CURRENT_OPERATIONS, NULL)[0] == NULL;
      gboolean snapshot = lagoon_record_get_bool (vdi, LAGOON_VDI_IS_A_SNAPSHOT);
      const LagoonRecord *running = vdi_running_user (cache, vdi);
      guint n_vbds = 0;
      g_autoptr(GPtrArray) targets = copy_target_srs (cache, vdi);

      lagoon_cache_get_referrers (cache, LAGOON_CLASS_VBD, LAGOON_VBD_VDI,
                                  lagoon_record_get_opaque_ref (vdi), &n_vbds);
      can_prop = idle && !snapshot;
      prop_reason = !idle ? busy : _("A snapshot's disk cannot be changed.");

      if (!idle)
        delete_reason = busy;
      else if (running != NULL)
        {
          /* Translators: %s is a VM's name */
          delete_text = g_strdup_printf (_("The running VM “%s” has this disk attached: shut it "
                                           "down or detach the disk first."),
                                         lagoon_record_get_name (running));
          delete_reason = delete_text;
        }
      else if (!lagoon_record_set_contains (vdi, LAGOON_VDI_ALLOWED_OPERATIONS, "destroy"))
        delete_reason = _("The server does not allow deleting this disk now.");
      else
        can_delete = TRUE;

      if (!idle)
        copy_reason = busy;
      else if (!lagoon_record_set_contains (vdi, LAGOON_VDI_ALLOWED_OPERATIONS, "copy"))
        copy_reason = running != NULL ? _("The disk is in use by a running VM.")
                                      : _("The server does not allow copying this disk now.");
      else if (targets->len == 0)
        copy_reason = _("There is no other storage repository to copy the disk to.");
      else
        can_copy = TRUE;

      if (!can_copy)
        move_reason = copy_reason;
      else if (n_vbds > 0)
        move_reason = _("A VM uses this disk: only a disk no VM uses can be moved.");
      else if (!lagoon_record_set_contains (vdi, LAGOON_VDI_ALLOWED_OPERATIONS, "destroy"))
        move_reason = _("The server does not allow deleting this disk now, which a move does.");
      else
        can_move = TRUE;
    }
  lagoon_page_set_enabled (self->sr_properties_button, can_prop,
                           _("Change the disk's name, description or size"), prop_reason);
  lagoon_page_set_enabled (self->sr_delete_button, can_delete,
                           _("Delete the disk and its data"), delete_reason);
  lagoon_page_set_enabled (self->sr_move_button, can_move,
                           _("Move the disk to another storage repository"), move_reason);
  lagoon_page_set_enabled (self->sr_copy_button, can_copy,
                           _("Copy the disk to another storage repository"), copy_reason);
}

/* One action for the Events pane, its calls added by the caller before run_sr_action(). */
static LagoonAction *
sr_action_new (LagoonServer *server,
               const char   *title,
               const char   *ref)
{
  const char *objects[2] = { ref, NULL };
  LagoonAction *action = lagoon_action_new (lagoon_server_get_connection (server), title,
                                            NULL, NULL);

  lagoon_action_set_objects (action, objects);
  return action;
}

static void
run_sr_action (LagoonAction *action)
{
  GApplication *application = g_application_get_default ();

  if (LAGOON_IS_APPLICATION (application))
    lagoon_application_run_action (LAGOON_APPLICATION (application), action);
  g_object_unref (action);
}

static void
on_sr_rescan_clicked (GtkButton         *button,
                      LagoonStoragePage *self)
{
  LagoonCache *cache = lagoon_page_get_cache (self->server);
  const LagoonRecord *sr = sr_shown (self, cache);

  if (sr == NULL)
    return;
  lagoon_page_run (self->server, _("Rescan storage repository"), self->ref, "SR.scan",
                   g_variant_new ("(s)", self->ref));
}

static void
on_sr_properties_clicked (GtkButton         *button,
                          LagoonStoragePage *self)
{
  LagoonCache *cache = lagoon_page_get_cache (self->server);
  const LagoonRecord *vdi = sr_shown (self, cache) != NULL ? selected_sr_vdi (self, cache) : NULL;
  g_autoptr(LagoonServer) server = NULL;
  g_autoptr(LagoonAction) action = NULL;
  g_autofree char *vdi_ref = NULL;
  g_autofree char *old_name = NULL;
  g_autofree char *old_description = NULL;
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;
  gint64 old_size, size = 0;
  guint n_calls = 0;

  if (vdi == NULL)
    return;
  server = g_object_ref (self->server);
  vdi_ref = g_strdup (lagoon_record_get_opaque_ref (vdi));
  old_name = g_strdup (lagoon_record_get_name (vdi));
  old_description = g_strdup (lagoon_record_get_string (vdi, LAGOON_VDI_NAME_DESCRIPTION));
  old_size = lagoon_record_get_int (vdi, LAGOON_VDI_VIRTUAL_SIZE);
  if (!run_disk_dialog (self, cache, NULL, vdi, &name, &description, &size, NULL))
    return;

  action = sr_action_new (server, _("Change virtual disk properties"), vdi_ref);
  if (g_strcmp0 (name, old_name) != 0 && ++n_calls)
    lagoon_action_add_call (action, "VDI.set_name_label", g_variant_new ("(ss)", vdi_ref, name));
  if (g_strcmp0 (description, old_description) != 0 && ++n_calls)
    lagoon_action_add_call (action, "VDI.set_name_description",
                            g_variant_new ("(ss)", vdi_ref, description));
  if (size > old_size && ++n_calls)
    lagoon_action_add_call (action, "VDI.resize", g_variant_new ("(sx)", vdi_ref, size));
  if (n_calls > 0)
    run_sr_action (g_steal_pointer (&action));
}

static void
on_sr_delete_clicked (GtkButton         *button,
                      LagoonStoragePage *self)
{
  LagoonCache *cache = lagoon_page_get_cache (self->server);
  const LagoonRecord *vdi = sr_shown (self, cache) != NULL ? selected_sr_vdi (self, cache) : NULL;
  g_autoptr(LagoonServer) server = NULL;
  g_autoptr(LagoonAction) action = NULL;
  g_autoptr(GPtrArray) vbd_refs = NULL;
  g_autofree char *vdi_ref = NULL;
  g_autofree char *primary = NULL;
  g_autofree char *secondary = NULL;
  g_autofree char *users = NULL;
  const LagoonRecord *const *vbds;
  guint n = 0;

  if (vdi == NULL || !gtk_widget_get_sensitive (self->sr_delete_button))
    return;
  server = g_object_ref (self->server);
  vdi_ref = g_strdup (lagoon_record_get_opaque_ref (vdi));
  users = vdi_users (cache, vdi_ref);
  vbds = lagoon_cache_get_referrers (cache, LAGOON_CLASS_VBD, LAGOON_VBD_VDI, vdi_ref, &n);
  vbd_refs = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (vbd_refs, g_strdup (lagoon_record_get_opaque_ref (vbds[i])));

  /* Translators: %s is the disk's name */
  primary = g_strdup_printf (_("Delete the disk “%s”?"), lagoon_record_get_name (vdi));
  if (users != NULL && users[0] != '\0')
    /* Translators: %s lists VM names */
    secondary = g_strdup_printf (_("Used by: %s. The disk is detached, then deleted with all "
                                   "the data on it, for good."), users);
  else
    secondary = g_strdup (_("No VM uses it. The disk and all the data on it are deleted for "
                            "good."));
  if (!lagoon_page_confirm (GTK_WIDGET (self), primary, secondary, _("_Delete")))
    return;

  action = sr_action_new (server, _("Delete virtual disk"), vdi_ref);
  for (guint i = 0; i < vbd_refs->len; i++)
    lagoon_action_add_call (action, "VBD.destroy",
                            g_variant_new ("(s)", (char *) g_ptr_array_index (vbd_refs, i)));
  lagoon_action_add_call (action, "VDI.destroy", g_variant_new ("(s)", vdi_ref));
  run_sr_action (g_steal_pointer (&action));
}

/* Move or copy: a dialog choosing the destination SR. */
static void
move_or_copy (LagoonStoragePage *self,
              gboolean           move)
{
  LagoonCache *cache = lagoon_page_get_cache (self->server);
  const LagoonRecord *vdi = sr_shown (self, cache) != NULL ? selected_sr_vdi (self, cache) : NULL;
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
  g_autoptr(LagoonServer) server = NULL;
  g_autoptr(LagoonAction) action = NULL;
  g_autoptr(GPtrArray) targets = NULL;
  g_autofree char *vdi_ref = NULL;
  g_autofree char *target = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *title = NULL;
  GtkWidget *dialog, *content, *combo, *label, *ok;
  const char *dialog_title = move ? _("Move Virtual Disk") : _("Copy Virtual Disk");
  gint64 need;
  int response;

  if (vdi == NULL ||
      !gtk_widget_get_sensitive (move ? self->sr_move_button : self->sr_copy_button))
    return;
  server = g_object_ref (self->server);
  vdi_ref = g_strdup (lagoon_record_get_opaque_ref (vdi));
  targets = copy_target_srs (cache, vdi);
  need = lagoon_record_get_int (vdi, LAGOON_VDI_VIRTUAL_SIZE);

  dialog = gtk_dialog_new_with_buttons (dialog_title,
                                        GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel) : NULL,
                                        GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                        _("_Cancel"), GTK_RESPONSE_CANCEL, NULL);
  lagoon_page_set_accessible (dialog, dialog_title);
  ok = gtk_dialog_add_button (GTK_DIALOG (dialog), move ? _("_Move") : _("_Copy"),
                              GTK_RESPONSE_OK);
  lagoon_page_set_accessible (ok, move ? _("Move") : _("Copy"));
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_OK);
  content = gtk_dialog_get_content_area (GTK_DIALOG (dialog));
  gtk_container_set_border_width (GTK_CONTAINER (content), 12);
  gtk_box_set_spacing (GTK_BOX (content), 8);
  /* Translators: %s is the disk's name */
  heading = g_strdup_printf (move ? _("Move “%s” to:") : _("Copy “%s” to:"),
                             lagoon_record_get_name (vdi));
  label = gtk_label_new (heading);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_container_add (GTK_CONTAINER (content), label);
  combo = gtk_combo_box_text_new ();
  lagoon_page_set_accessible (combo, _("Destination storage repository"));
  for (guint i = 0; i < targets->len; i++)
    {
      const LagoonRecord *sr = g_ptr_array_index (targets, i);
      gint64 free_bytes = lagoon_record_get_int (sr, LAGOON_SR_PHYSICAL_SIZE) -
                          lagoon_record_get_int (sr, LAGOON_SR_PHYSICAL_UTILISATION);
      g_autofree char *free_text = lagoon_page_format_bytes (free_bytes);
      g_autofree char *text = NULL;
      guint n_pbds = 0;
      const LagoonRecord *const *pbds = lagoon_cache_get_referrers (
        cache, LAGOON_CLASS_PBD, LAGOON_PBD_SR, lagoon_record_get_opaque_ref (sr), &n_pbds);

      /* Local SRs often share a name ("Local storage"): say whose. */
      if (!lagoon_record_get_bool (sr, LAGOON_SR_SHARED) && n_pbds == 1)
        /* Translators: a host's local SR, "Local storage on host-01 (120 GiB free)" */
        text = g_strdup_printf (_("%s on %s (%s free)"), lagoon_record_get_name (sr),
                                lagoon_page_ref_name (cache,
                                                      lagoon_record_get_ref (pbds[0],
                                                                             LAGOON_PBD_HOST)),
                                free_text);
      else
        text = g_strdup_printf (_("%s (%s free)"), lagoon_record_get_name (sr), free_text);

      /* An SR without room for the disk is not offered. */
      if (free_bytes < need && lagoon_record_get_int (sr, LAGOON_SR_PHYSICAL_SIZE) > 0)
        continue;
      gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (combo), lagoon_record_get_opaque_ref (sr),
                                 text);
    }
  gtk_combo_box_set_active (GTK_COMBO_BOX (combo), 0);
  gtk_container_add (GTK_CONTAINER (content), combo);
  if (gtk_combo_box_get_active_id (GTK_COMBO_BOX (combo)) == NULL)
    {
      GtkWidget *none = gtk_label_new (_("No other storage repository has room for the disk."));

      gtk_style_context_add_class (gtk_widget_get_style_context (none), "error");
      gtk_container_add (GTK_CONTAINER (content), none);
      gtk_widget_set_sensitive (ok, FALSE);
    }
  gtk_widget_show_all (content);
  response = gtk_dialog_run (GTK_DIALOG (dialog));
  target = g_strdup (gtk_combo_box_get_active_id (GTK_COMBO_BOX (combo)));
  gtk_widget_destroy (dialog);
  if (response != GTK_RESPONSE_OK || target == NULL)
    return;

  title = g_strdup (move ? _("Move virtual disk") : _("Copy virtual disk"));
  action = sr_action_new (server, title, vdi_ref);
  lagoon_action_add_call (action, "VDI.copy", g_variant_new ("(ss)", vdi_ref, target));
  if (move)
    lagoon_action_add_call (action, "VDI.destroy", g_variant_new ("(s)", vdi_ref));
  run_sr_action (g_steal_pointer (&action));
}

static void
on_sr_move_clicked (GtkButton         *button,
                    LagoonStoragePage *self)
{
  move_or_copy (self, TRUE);
}

static void
on_sr_copy_clicked (GtkButton         *button,
                    LagoonStoragePage *self)
{
  move_or_copy (self, FALSE);
}

static void
on_sr_disk_selection_changed (GtkTreeSelection  *selection,
                              LagoonStoragePage *self)
{
  update_sr_disk_buttons (self);
}

static void
on_sr_disk_row_activated (GtkTreeView       *view,
                          GtkTreePath       *path,
                          GtkTreeViewColumn *column,
                          LagoonStoragePage *self)
{
  if (gtk_widget_get_sensitive (self->sr_properties_button))
    on_sr_properties_clicked (NULL, self);
}

/* ---- LagoonTab --------------------------------------------------------------------------- */

static gboolean
lagoon_storage_page_handles (LagoonTab *tab,
                             int        class_id)
{
  return class_id == LAGOON_CLASS_VM || class_id == LAGOON_CLASS_SR ||
         class_id == LAGOON_CLASS_HOST || class_id == LAGOON_CLASS_POOL;
}

static void
lagoon_storage_page_set_object (LagoonTab    *tab,
                                LagoonServer *server,
                                int           class_id,
                                const char   *ref)
{
  LagoonStoragePage *self = LAGOON_STORAGE_PAGE (tab);
  gboolean same = server == self->server && class_id == self->class_id &&
                  g_strcmp0 (ref, self->ref) == 0;

  g_set_object (&self->server, server);
  self->class_id = class_id;
  g_free (self->ref);
  self->ref = g_strdup (ref);
  if (!same)
    {
      gtk_list_store_clear (self->disk_store);
      gtk_list_store_clear (self->vdi_store);
      g_hash_table_remove_all (self->shown_vdis);
      gtk_list_store_clear (self->sr_store);
      g_clear_pointer (&self->iso_key, g_free);
      g_clear_pointer (&self->cd_vdi, g_free);
      g_clear_pointer (&self->cd_vbd, g_free);
    }
  switch (class_id)
    {
    case LAGOON_CLASS_VM:
      gtk_stack_set_visible_child_name (self->stack, "vm");
      break;
    case LAGOON_CLASS_SR:
      gtk_stack_set_visible_child_name (self->stack, "sr");
      break;
    case LAGOON_CLASS_HOST:
    case LAGOON_CLASS_POOL:
      gtk_stack_set_visible_child_name (self->stack, "srs");
      break;
    default:
      break;
    }
  lagoon_storage_page_refresh (self);
}

/* Whether a batch changes the disk list of the SR shown (in a pool with thousands of disks,
 * most batches do not). */
typedef struct
{
  LagoonStoragePage      *self;
  LagoonCache            *cache;
  const LagoonCacheBatch *batch;
  gboolean                hit;
} SrChanges;

static gboolean
vdi_in_sr (LagoonCache *cache,
           const char  *vdi_ref,
           const char  *sr_ref)
{
  const LagoonRecord *vdi = vdi_ref != NULL ? lagoon_cache_lookup (cache, LAGOON_CLASS_VDI,
                                                                   vdi_ref)
                                            : NULL;

  return vdi != NULL && g_strcmp0 (lagoon_record_get_ref (vdi, LAGOON_VDI_SR), sr_ref) == 0;
}

static void
sr_change (LagoonClassId     class_id,
           const char       *ref,
           LagoonChangeKind  kind,
           gpointer          user_data)
{
  SrChanges *c = user_data;
  const LagoonRecord *vbd;

  if (c->hit)
    return;
  switch ((int) class_id)
    {
    case LAGOON_CLASS_VDI:
      c->hit = g_hash_table_contains (c->self->shown_vdis, ref) ||
               vdi_in_sr (c->cache, ref, c->self->ref);
      break;
    case LAGOON_CLASS_VBD:
      /* A VBD that is gone no longer says which disk it held. */
      vbd = lagoon_cache_lookup (c->cache, LAGOON_CLASS_VBD, ref);
      c->hit = vbd == NULL ||
               vdi_in_sr (c->cache, lagoon_record_get_ref (vbd, LAGOON_VBD_VDI), c->self->ref);
      break;
    case LAGOON_CLASS_VM:
      /* The VM column shows names. */
      c->hit = kind == LAGOON_CHANGE_MODIFIED &&
               lagoon_cache_batch_field_changed (c->batch, LAGOON_CLASS_VM, ref,
                                                 LAGOON_VM_NAME_LABEL);
      break;
    default:
      break;
    }
}

static void
lagoon_storage_page_batch (LagoonTab        *tab,
                           LagoonCache      *cache,
                           LagoonCacheBatch *batch)
{
  LagoonStoragePage *self = LAGOON_STORAGE_PAGE (tab);
  gboolean relevant;

  if (self->ref == NULL)
    return;
  if (self->class_id == LAGOON_CLASS_SR && !lagoon_cache_batch_is_resync (batch))
    {
      SrChanges changes = { self, cache, batch, FALSE };
      const LagoonRecord *sr = lagoon_cache_lookup (cache, LAGOON_CLASS_SR, self->ref);

      if (sr == NULL || lagoon_page_get_cache (self->server) != cache)
        return;
      lagoon_cache_batch_foreach (batch, LAGOON_CLASS_VDI, sr_change, &changes);
      lagoon_cache_batch_foreach (batch, LAGOON_CLASS_VBD, sr_change, &changes);
      lagoon_cache_batch_foreach (batch, LAGOON_CLASS_VM, sr_change, &changes);
      if (changes.hit || lagoon_cache_batch_lookup (batch, LAGOON_CLASS_SR, self->ref) !=
                           LAGOON_CHANGE_NONE)
        show_sr_summary (self, cache, sr);
      if (changes.hit)
        show_sr_disks (self, cache, sr);
      else if (lagoon_cache_batch_lookup (batch, LAGOON_CLASS_SR, self->ref) != LAGOON_CHANGE_NONE)
        update_sr_disk_buttons (self);  /* its allowed operations (Rescan) */
      return;
    }
  relevant = lagoon_cache_batch_has_class (batch, LAGOON_CLASS_SR) ||
             lagoon_cache_batch_has_class (batch, LAGOON_CLASS_VDI) ||
             lagoon_cache_batch_has_class (batch, LAGOON_CLASS_VBD) ||
             lagoon_cache_batch_has_class (batch, LAGOON_CLASS_PBD) ||
             lagoon_cache_batch_is_resync (batch) ||
             (self->class_id == LAGOON_CLASS_VM &&
              lagoon_cache_batch_lookup (batch, LAGOON_CLASS_VM, self->ref) !=
                LAGOON_CHANGE_NONE);
  if (relevant)
    lagoon_storage_page_refresh (self);
}

static void
lagoon_storage_page_tab_init (LagoonTabInterface *iface)
{
  iface->handles = lagoon_storage_page_handles;
  iface->set_object = lagoon_storage_page_set_object;
  iface->batch = lagoon_storage_page_batch;
}

GtkWidget *
lagoon_storage_page_new (void)
{
  return g_object_new (LAGOON_TYPE_STORAGE_PAGE, NULL);
}

static void
lagoon_storage_page_dispose (GObject *object)
{
  LagoonStoragePage *self = LAGOON_STORAGE_PAGE (object);

  g_clear_object (&self->server);
  g_clear_pointer (&self->ref, g_free);
  g_clear_pointer (&self->iso_key, g_free);
  g_clear_pointer (&self->cd_vbd, g_free);
  g_clear_pointer (&self->cd_vdi, g_free);
  g_clear_object (&self->disk_store);
  g_clear_object (&self->vdi_store);
  g_clear_pointer (&self->shown_vdis, g_hash_table_unref);
  g_clear_object (&self->sr_store);
  G_OBJECT_CLASS (lagoon_storage_page_parent_class)->dispose (object);
}

static void
lagoon_storage_page_class_init (LagoonStoragePageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = lagoon_storage_page_dispose;
}


static GtkWidget *
build_vm (LagoonStoragePage *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *scrolled;
  GtkTreeView *view;

  /* The CD drive. */
  self->cd_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->cd_label = GTK_LABEL (gtk_label_new (_("DVD drive:")));
  gtk_container_add (GTK_CONTAINER (self->cd_box), GTK_WIDGET (self->cd_label));
  self->iso_combo = GTK_COMBO_BOX_TEXT (gtk_combo_box_text_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (self->iso_combo), TRUE);
  lagoon_page_set_accessible (GTK_WIDGET (self->iso_combo), _("ISO image"));
  g_signal_connect (self->iso_combo, "changed", G_CALLBACK (on_iso_changed), self);
  gtk_label_set_mnemonic_widget (self->cd_label, GTK_WIDGET (self->iso_combo));
  gtk_container_add (GTK_CONTAINER (self->cd_box), GTK_WIDGET (self->iso_combo));
  self->insert_button = lagoon_page_add_button (self->cd_box, _("_Insert"),
                                                G_CALLBACK (on_insert_clicked), self);
  self->eject_button = lagoon_page_add_button (self->cd_box, _("_Eject"),
                                               G_CALLBACK (on_eject_clicked), self);
  gtk_container_add (GTK_CONTAINER (box), self->cd_box);

  /* The disks. */
  gtk_container_add (GTK_CONTAINER (box), lagoon_page_heading_new (_("Virtual disks")));
  self->disk_store = gtk_list_store_new (DISK_N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING,
                                         G_TYPE_INT, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                         G_TYPE_STRING, G_TYPE_INT64, G_TYPE_BOOLEAN,
                                         G_TYPE_BOOLEAN, G_TYPE_STRING);
  gtk_tree_sortable_set_sort_column_id (GTK_TREE_SORTABLE (self->disk_store), DISK_POSITION_KEY,
                                        GTK_SORT_ASCENDING);
  scrolled = lagoon_page_tree_new (GTK_TREE_MODEL (self->disk_store), _("Virtual disks"), &view);
  self->disk_view = view;
  lagoon_page_add_text_column (view, _("Position"), DISK_POSITION, DISK_POSITION_KEY);
  lagoon_page_add_name_column (view, _("Name"), DISK_NAME);
  lagoon_page_add_note_column (view, _("Description"), DISK_DESCRIPTION);
  lagoon_page_add_text_column (view, _("Storage"), DISK_SR, -1);
  lagoon_page_add_text_column (view, _("Size"), DISK_SIZE, DISK_SIZE_BYTES);
  lagoon_page_add_check_column (view, _("Read-only"), DISK_READ_ONLY);
  lagoon_page_add_check_column (view, _("Active"), DISK_ACTIVE);
  lagoon_page_add_text_column (view, _("Device path"), DISK_DEVICE, -1);
  g_signal_connect (gtk_tree_view_get_selection (view), "changed",
                    G_CALLBACK (on_disk_selection_changed), self);
  g_signal_connect (view, "row-activated", G_CALLBACK (on_disk_row_activated), self);
  gtk_container_add (GTK_CONTAINER (box), scrolled);

  self->add_button = lagoon_page_add_button (buttons, _("_Add…"),
                                             G_CALLBACK (on_add_clicked), self);
  lagoon_page_set_accessible (self->add_button, _("Add disk"));
  self->attach_button = lagoon_page_add_button (buttons, _("A_ttach…"),
                                                G_CALLBACK (on_attach_clicked), self);
  lagoon_page_set_accessible (self->attach_button, _("Attach disk"));
  self->detach_button = lagoon_page_add_button (buttons, _("_Detach"),
                                                G_CALLBACK (on_detach_clicked), self);
  self->delete_button = lagoon_page_add_button (buttons, _("De_lete"),
                                                G_CALLBACK (on_delete_clicked), self);
  self->properties_button = lagoon_page_add_button (buttons, _("_Properties…"),
                                                    G_CALLBACK (on_properties_clicked), self);
  lagoon_page_set_accessible (self->properties_button, _("Disk properties"));
  gtk_container_add (GTK_CONTAINER (box), buttons);
  {
    GtkWidget *menu[] = { self->add_button, self->attach_button, self->detach_button,
                          self->delete_button, self->properties_button, NULL };

    lagoon_page_add_row_menu (self->disk_view, menu, self->delete_button);
  }
  return box;
}

static GtkWidget *
build_sr (LagoonStoragePage *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *scrolled, *label;
  GtkTreeView *view;

  gtk_container_add (GTK_CONTAINER (box), lagoon_page_heading_new (_("Storage repository")));
  self->sr_summary = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->sr_summary, 0.0);
  gtk_label_set_selectable (self->sr_summary, TRUE);
  gtk_widget_set_can_focus (GTK_WIDGET (self->sr_summary), FALSE);
  gtk_container_add (GTK_CONTAINER (box), GTK_WIDGET (self->sr_summary));

  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  label = gtk_label_new (_("Usage"));
  gtk_label_set_xalign (GTK_LABEL (label), 1.0);
  gtk_grid_attach (GTK_GRID (grid), label, 0, 0, 1, 1);
  self->sr_bar = lagoon_usage_bar_new (_("Space used"));
  gtk_grid_attach (GTK_GRID (grid), self->sr_bar, 1, 0, 1, 1);
  label = gtk_label_new (_("Virtual allocation"));
  gtk_label_set_xalign (GTK_LABEL (label), 1.0);
  gtk_grid_attach (GTK_GRID (grid), label, 0, 1, 1, 1);
  self->sr_alloc_bar = lagoon_usage_bar_new (_("Virtual allocation"));
  gtk_grid_attach (GTK_GRID (grid), self->sr_alloc_bar, 1, 1, 1, 1);
  gtk_container_add (GTK_CONTAINER (box), grid);

  self->vdi_store = gtk_list_store_new (VDI_N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING,
                                        G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64, G_TYPE_INT,
                                        G_TYPE_STRING, G_TYPE_STRING);
  gtk_tree_sortable_set_sort_column_id (GTK_TREE_SORTABLE (self->vdi_store), VDI_NAME,
                                        GTK_SORT_ASCENDING);
  scrolled = lagoon_page_tree_new (GTK_TREE_MODEL (self->vdi_store), _("Disks of the SR"),
                                   &view);
  lagoon_page_add_name_column (view, _("Name"), VDI_NAME);
  lagoon_page_add_note_column (view, _("Description"), VDI_DESCRIPTION);
  lagoon_page_add_text_column (view, _("Virtual size"), VDI_SIZE, VDI_SIZE_BYTES);
  lagoon_page_add_bar_column (view, _("Space used"), VDI_PERCENT, VDI_USED_TEXT);
  lagoon_page_add_note_column (view, _("Virtual machine"), VDI_VMS);
  self->vdi_view = view;
  g_signal_connect (gtk_tree_view_get_selection (view), "changed",
                    G_CALLBACK (on_sr_disk_selection_changed), self);
  g_signal_connect (view, "row-activated", G_CALLBACK (on_sr_disk_row_activated), self);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_container_add (GTK_CONTAINER (box), scrolled);

  self->sr_rescan_button = lagoon_page_add_button (buttons, _("Res_can"),
                                                   G_CALLBACK (on_sr_rescan_clicked), self);
  /* The toolbar has a Rescan of its own. */
  lagoon_page_set_accessible (self->sr_rescan_button, _("Rescan storage repository"));
  self->sr_properties_button = lagoon_page_add_button (buttons, _("_Properties…"),
                                                       G_CALLBACK (on_sr_properties_clicked), self);
  lagoon_page_set_accessible (self->sr_properties_button, _("Disk properties"));
  self->sr_delete_button = lagoon_page_add_button (buttons, _("De_lete"),
                                                   G_CALLBACK (on_sr_delete_clicked), self);
  self->sr_move_button = lagoon_page_add_button (buttons, _("_Move…"),
                                                 G_CALLBACK (on_sr_move_clicked), self);
  lagoon_page_set_accessible (self->sr_move_button, _("Move disk"));
  self->sr_copy_button = lagoon_page_add_button (buttons, _("C_opy…"),
                                                 G_CALLBACK (on_sr_copy_clicked), self);
  lagoon_page_set_accessible (self->sr_copy_button, _("Copy disk"));
  gtk_container_add (GTK_CONTAINER (box), buttons);
  {
    GtkWidget *menu[] = { self->sr_properties_button, self->sr_delete_button,
                          self->sr_move_button, self->sr_copy_button, self->sr_rescan_button,
                          NULL };

    lagoon_page_add_row_menu (self->vdi_view, menu, self->sr_delete_button);
  }
  update_sr_disk_buttons (self);
  return box;
}

static GtkWidget *
build_srs (LagoonStoragePage *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *scrolled, *title;
  GtkTreeView *view;

  title = lagoon_page_heading_new (_("Storage"));
  self->srs_title = GTK_LABEL (title);
  gtk_container_add (GTK_CONTAINER (box), title);
  self->sr_store = gtk_list_store_new (SR_N_COLUMNS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                       G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT, G_TYPE_STRING,
                                       G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64);
  gtk_tree_sortable_set_sort_column_id (GTK_TREE_SORTABLE (self->sr_store), SR_NAME,
                                        GTK_SORT_ASCENDING);
  scrolled = lagoon_page_tree_new (GTK_TREE_MODEL (self->sr_store), _("Storage repositories"),
                                   &view);
  lagoon_page_add_name_column (view, _("Name"), SR_NAME);
  lagoon_page_add_note_column (view, _("Description"), SR_DESCRIPTION);
  lagoon_page_add_text_column (view, _("Type"), SR_TYPE, -1);
  lagoon_page_add_text_column (view, _("Shared"), SR_SHARED, -1);
  lagoon_page_add_bar_column (view, _("Usage"), SR_PERCENT, SR_USAGE_TEXT);
  lagoon_page_add_text_column (view, _("Size"), SR_SIZE, SR_SIZE_BYTES);
  lagoon_page_add_text_column (view, _("Used"), SR_USED, -1);
  lagoon_page_add_text_column (view, _("Free"), SR_FREE, -1);
  gtk_container_add (GTK_CONTAINER (box), scrolled);
  return box;
}

static void
lagoon_storage_page_init (LagoonStoragePage *self)
{
  GtkWidget *stack = gtk_stack_new ();

  self->class_id = -1;
  self->shown_vdis = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_container_set_border_width (GTK_CONTAINER (self), 12);
  self->stack = GTK_STACK (stack);
  /* Each view is as wide as it needs, not as the widest. */
  gtk_stack_set_hhomogeneous (self->stack, FALSE);
  gtk_stack_add_named (self->stack, build_vm (self), "vm");
  gtk_stack_add_named (self->stack, build_sr (self), "sr");
  gtk_stack_add_named (self->stack, build_srs (self), "srs");
  gtk_widget_set_vexpand (stack, TRUE);
  gtk_container_add (GTK_CONTAINER (self), stack);
  gtk_widget_show_all (stack);
}
