/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-new-vm-action.h: creating one VM from a template, as the New VM wizard asks.
 *
 * The action clones the template (or copies it to an SR), names it, makes it a VM, sets its
 * memory and vCPUs, writes other_config:disks and calls VM.provision, adds the CD drive and
 * the VIFs, sets the home server and optionally starts it; each step shows in the action's
 * description. When a step fails, what the action created (the VM, its disks, VBDs and VIFs)
 * is destroyed again and the error says so.
 *
 * The spec is plain data (no GTK); the wizard fills one per VM. The same spec gives the
 * equivalent `xe` commands (lagoon_new_vm_spec_to_xe) and the name pattern of a batch of VMs
 * is expanded by lagoon_new_vm_expand_name.
 */
#pragma once

#include "lagoon-action.h"

G_BEGIN_DECLS

typedef enum {
  LAGOON_NEW_VM_INSTALL_NONE,     /* nothing (custom template, or diskless) */
  LAGOON_NEW_VM_INSTALL_CD,       /* a CD drive, with @iso_vdi in it (or empty) */
  LAGOON_NEW_VM_INSTALL_URL,      /* other_config:install-repository (PV templates) */
  LAGOON_NEW_VM_INSTALL_NETWORK,  /* boot from the network first */
} LagoonNewVmInstall;

typedef struct
{
  char     *userdevice;   /* "0", "1"... */
  gint64    size;         /* bytes */
  char     *sr;           /* SR ref */
  char     *sr_uuid;      /* written to the disks XML (xapi wants the uuid) */
  char     *sr_name;      /* for the summary and xe comments */
  gboolean  bootable;
  char     *type;         /* "system", "user"... */
} LagoonNewVmDisk;

typedef struct
{
  char     *device;       /* "0", "1"... */
  char     *network;      /* network ref */
  char     *network_uuid;
  char     *network_name;
  char     *mac;          /* "" or NULL: xapi generates one */
} LagoonNewVmVif;

typedef struct
{
  char              *template_ref;
  char              *template_uuid;
  char              *template_name;
  char              *name;
  char              *description;
  /* Copy the template to this SR instead of cloning it (NULL: clone). */
  char              *copy_sr;
  char              *copy_sr_uuid;

  LagoonNewVmInstall install;
  char              *iso_vdi;      /* CD: the ISO's VDI ref, NULL for an empty drive */
  char              *iso_name;
  char              *install_url;  /* URL */
  char              *pv_args;      /* NULL: leave the template's */

  gint64             vcpus_max;
  gint64             vcpus_at_startup;
  gint64             cores_per_socket;  /* 0: leave the template's */
  gint64             memory_static_min;
  gint64             memory_static_max;
  gint64             memory_dynamic_min;
  gint64             memory_dynamic_max;

  /* When TRUE, other_config:disks is replaced by @disks and the VM is provisioned. */
  gboolean           provision;
  GPtrArray         *disks;        /* LagoonNewVmDisk */
  /* The VIFs the VM ends with; the template's are replaced. */
  GPtrArray         *vifs;         /* LagoonNewVmVif */

  char              *affinity;     /* host ref, NULL: no home server */
  char              *affinity_uuid;
  gboolean           start;
  char              *start_on;     /* host ref to start on, NULL: anywhere */
  char              *start_on_uuid;
} LagoonNewVmSpec;

LagoonNewVmSpec  *lagoon_new_vm_spec_new         (void);
LagoonNewVmSpec  *lagoon_new_vm_spec_copy        (const LagoonNewVmSpec  *spec);
void              lagoon_new_vm_spec_free        (LagoonNewVmSpec        *spec);
LagoonNewVmDisk  *lagoon_new_vm_disk_new         (void);
void              lagoon_new_vm_disk_free        (LagoonNewVmDisk        *disk);
LagoonNewVmVif   *lagoon_new_vm_vif_new          (void);
void              lagoon_new_vm_vif_free         (LagoonNewVmVif         *vif);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LagoonNewVmSpec, lagoon_new_vm_spec_free)

/* other_config:disks for @disks, as xapi's templates write it. */
char             *lagoon_new_vm_disks_to_xml     (GPtrArray              *disks);
/* Parses a template's other_config:disks; unknown attributes are ignored. NULL with @error
 * when the XML is not a <provision> list. */
GPtrArray        *lagoon_new_vm_disks_from_xml   (const char             *xml,
                                                  GError                **error);

/* The name of VM @index (1-based) of a batch: "web-%d" gives web-1, web-2...; "%%" is a
 * percent sign. A pattern without %d is allowed only for a batch of one. Any other %
 * sequence is an error. */
char             *lagoon_new_vm_expand_name      (const char             *pattern,
                                                  guint                   index,
                                                  guint                   count,
                                                  GError                **error);

/* A shell script of xe commands doing what the action does. */
char             *lagoon_new_vm_spec_to_xe       (const LagoonNewVmSpec  *spec);

#define LAGOON_TYPE_NEW_VM_ACTION (lagoon_new_vm_action_get_type ())

G_DECLARE_FINAL_TYPE (LagoonNewVmAction, lagoon_new_vm_action, LAGOON, NEW_VM_ACTION,
                      LagoonAction)

LagoonAction     *lagoon_new_vm_action_new       (LagoonConnection       *connection,
                                                  const LagoonNewVmSpec  *spec);
/* The new VM's ref once created (NULL before, and after a failure cleaned it up). */
const char       *lagoon_new_vm_action_get_vm    (LagoonNewVmAction      *self);

G_END_DECLS
