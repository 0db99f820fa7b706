/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-new-vm-action"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "lagoon-new-vm-action.h"
#include "lagoon-xenapi-error.h"

#define NULL_REF "OpaqueRef:NULL"

/* ---- the spec ----------------------------------------------------------------------------- */

LagoonNewVmDisk *
lagoon_new_vm_disk_new (void)
{
  LagoonNewVmDisk *disk = g_new0 (LagoonNewVmDisk, 1);

  disk->type = g_strdup ("system");
  return disk;
}

void
lagoon_new_vm_disk_free (LagoonNewVmDisk *disk)
{
  if (disk == NULL)
    return;
  g_free (disk->userdevice);
  g_free (disk->sr);
  g_free (disk->sr_uuid);
  g_free (disk->sr_name);
  g_free (disk->type);
  g_free (disk);
}

static LagoonNewVmDisk *
disk_copy (const LagoonNewVmDisk *disk)
{
  LagoonNewVmDisk *copy = g_new0 (LagoonNewVmDisk, 1);

  copy->userdevice = g_strdup (disk->userdevice);
  copy->size = disk->size;
  copy->sr = g_strdup (disk->sr);
  copy->sr_uuid = g_strdup (disk->sr_uuid);
  copy->sr_name = g_strdup (disk->sr_name);
  copy->bootable = disk->bootable;
  copy->type = g_strdup (disk->type);
  return copy;
}

LagoonNewVmVif *
lagoon_new_vm_vif_new (void)
{
  return g_new0 (LagoonNewVmVif, 1);
}

void
lagoon_new_vm_vif_free (LagoonNewVmVif *vif)
{
  if (vif == NULL)
    return;
  g_free (vif->device);
  g_free (vif->network);
  g_free (vif->network_uuid);
  g_free (vif->network_name);
  g_free (vif->mac);
  g_free (vif);
}

static LagoonNewVmVif *
vif_copy (const LagoonNewVmVif *vif)
{
  LagoonNewVmVif *copy = g_new0 (LagoonNewVmVif, 1);

  copy->device = g_strdup (vif->device);
  copy->network = g_strdup (vif->network);
  copy->network_uuid = g_strdup (vif->network_uuid);
  copy->network_name = g_strdup (vif->network_name);
  copy->mac = g_strdup (vif->mac);
  return copy;
}

LagoonNewVmSpec *
lagoon_new_vm_spec_new (void)
{
  LagoonNewVmSpec *spec = g_new0 (LagoonNewVmSpec, 1);

  spec->disks = g_ptr_array_new_with_free_func ((GDestroyNotify) lagoon_new_vm_disk_free);
  spec->vifs = g_ptr_array_new_with_free_func ((GDestroyNotify) lagoon_new_vm_vif_free);
  return spec;
}

LagoonNewVmSpec *
lagoon_new_vm_spec_copy (const LagoonNewVmSpec *spec)
{
  LagoonNewVmSpec *copy = lagoon_new_vm_spec_new ();

  copy->template_ref = g_strdup (spec->template_ref);
  copy->template_uuid = g_strdup (spec->template_uuid);
  copy->template_name = g_strdup (spec->template_name);
  copy->name = g_strdup (spec->name);
  copy->description = g_strdup (spec->description);
  copy->copy_sr = g_strdup (spec->copy_sr);
  copy->copy_sr_uuid = g_strdup (spec->copy_sr_uuid);
  copy->install = spec->install;
  copy->iso_vdi = g_strdup (spec->iso_vdi);
  copy->iso_name = g_strdup (spec->iso_name);
  copy->install_url = g_strdup (spec->install_url);
  copy->pv_args = g_strdup (spec->pv_args);
  copy->vcpus_max = spec->vcpus_max;
  copy->vcpus_at_startup = spec->vcpus_at_startup;
  copy->cores_per_socket = spec->cores_per_socket;
  copy->memory_static_min = spec->memory_static_min;
  copy->memory_static_max = spec->memory_static_max;
  copy->memory_dynamic_min = spec->memory_dynamic_min;
  copy->memory_dynamic_max = spec->memory_dynamic_max;
  copy->provision = spec->provision;
  for (guint i = 0; spec->disks != NULL && i < spec->disks->len; i++)
    g_ptr_array_add (copy->disks, disk_copy (g_ptr_array_index (spec->disks, i)));
  for (guint i = 0; spec->vifs != NULL && i < spec->vifs->len; i++)
    g_ptr_array_add (copy->vifs, vif_copy (g_ptr_array_index (spec->vifs, i)));
  copy->affinity = g_strdup (spec->affinity);
  copy->affinity_uuid = g_strdup (spec->affinity_uuid);
  copy->start = spec->start;
  copy->start_on = g_strdup (spec->start_on);
  copy->start_on_uuid = g_strdup (spec->start_on_uuid);
  return copy;
}

void
lagoon_new_vm_spec_free (LagoonNewVmSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->template_ref);
  g_free (spec->template_uuid);
  g_free (spec->template_name);
  g_free (spec->name);
  g_free (spec->description);
  g_free (spec->copy_sr);
  g_free (spec->copy_sr_uuid);
  g_free (spec->iso_vdi);
  g_free (spec->iso_name);
  g_free (spec->install_url);
  g_free (spec->pv_args);
  g_clear_pointer (&spec->disks, g_ptr_array_unref);
  g_clear_pointer (&spec->vifs, g_ptr_array_unref);
  g_free (spec->affinity);
  g_free (spec->affinity_uuid);
  g_free (spec->start_on);
  g_free (spec->start_on_uuid);
  g_free (spec);
}

/* ---- other_config:disks ------------------------------------------------------------------- */

char *
lagoon_new_vm_disks_to_xml (GPtrArray *disks)
{
  GString *xml = g_string_new ("<provision>");

  for (guint i = 0; disks != NULL && i < disks->len; i++)
    {
      LagoonNewVmDisk *disk = g_ptr_array_index (disks, i);
      g_autofree char *element = NULL;

      element = g_markup_printf_escaped ("<disk device=\"%s\" size=\"%" G_GINT64_FORMAT "\" "
                                         "sr=\"%s\" bootable=\"%s\" type=\"%s\"/>",
                                         disk->userdevice != NULL ? disk->userdevice : "0",
                                         disk->size,
                                         disk->sr_uuid != NULL ? disk->sr_uuid : "",
                                         disk->bootable ? "true" : "false",
                                         disk->type != NULL ? disk->type : "system");
      g_string_append (xml, element);
    }
  g_string_append (xml, "</provision>");
  return g_string_free (xml, FALSE);
}

typedef struct
{
  GPtrArray *disks;
  gboolean   in_provision;
} DisksParse;

static void
replace_str (char       **slot,
             const char  *value)
{
  g_free (*slot);
  *slot = g_strdup (value);
}

static void
disks_start_element (GMarkupParseContext  *context,
                     const char           *element,
                     const char          **names,
                     const char          **values,
                     gpointer              user_data,
                     GError              **error)
{
  DisksParse *parse = user_data;
  LagoonNewVmDisk *disk;

  if (g_str_equal (element, "provision"))
    {
      parse->in_provision = TRUE;
      return;
    }
  if (!g_str_equal (element, "disk") || !parse->in_provision)
    {
      g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_UNKNOWN_ELEMENT,
                   _("Unexpected element <%s> in the template's disk list"), element);
      return;
    }

  disk = lagoon_new_vm_disk_new ();
  g_ptr_array_add (parse->disks, disk);
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (g_str_equal (names[i], "device"))
        replace_str (&disk->userdevice, values[i]);
      else if (g_str_equal (names[i], "size"))
        {
          gint64 size = 0;

          if (!g_ascii_string_to_signed (values[i], 10, 0, G_MAXINT64, &size, NULL))
            {
              g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                           _("Invalid disk size “%s” in the template's disk list"), values[i]);
              return;
            }
          disk->size = size;
        }
      else if (g_str_equal (names[i], "sr"))
        replace_str (&disk->sr_uuid, values[i][0] != '\0' ? values[i] : NULL);
      else if (g_str_equal (names[i], "bootable"))
        disk->bootable = g_ascii_strcasecmp (values[i], "true") == 0;
      else if (g_str_equal (names[i], "type"))
        replace_str (&disk->type, values[i]);
    }
  if (disk->userdevice == NULL)
    disk->userdevice = g_strdup_printf ("%u", parse->disks->len - 1);
}

static void
disks_end_element (GMarkupParseContext  *context,
                   const char           *element,
                   gpointer              user_data,
                   GError              **error)
{
  DisksParse *parse = user_data;

  if (g_str_equal (element, "provision"))
    parse->in_provision = FALSE;
}

GPtrArray *
lagoon_new_vm_disks_from_xml (const char  *xml,
                              GError     **error)
{
  static const GMarkupParser parser = {
    .start_element = disks_start_element,
    .end_element = disks_end_element,
  };
  g_autoptr(GPtrArray) disks =
    g_ptr_array_new_with_free_func ((GDestroyNotify) lagoon_new_vm_disk_free);
  DisksParse parse = { disks, FALSE };
  g_autoptr(GMarkupParseContext) context = NULL;

  if (xml == NULL || xml[0] == '\0')
    return g_steal_pointer (&disks);

  context = g_markup_parse_context_new (&parser, 0, &parse, NULL);
  if (!g_markup_parse_context_parse (context, xml, -1, error) ||
      !g_markup_parse_context_end_parse (context, error))
    return NULL;
  return g_steal_pointer (&disks);
}

/* ---- names -------------------------------------------------------------------------------- */

char *
lagoon_new_vm_expand_name (const char  *pattern,
                           guint        index,
                           guint        count,
                           GError     **error)
{
  g_autoptr(GString) name = g_string_new (NULL);
  guint numbers = 0;

  g_return_val_if_fail (pattern != NULL, NULL);

  for (const char *p = pattern; *p != '\0'; p++)
    {
      if (*p != '%')
        {
          g_string_append_c (name, *p);
          continue;
        }
      if (p[1] == '%')
        {
          g_string_append_c (name, '%');
          p++;
        }
      else if (p[1] == 'd')
        {
          g_string_append_printf (name, "%u", index);
          numbers++;
          p++;
        }
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("“%%%c” is not allowed in a name pattern: use %%d for the number and "
                         "%%%% for a percent sign."), p[1] != '\0' ? p[1] : ' ');
          return NULL;
        }
    }

  if (numbers > 1)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Use %d only once in the name pattern."));
      return NULL;
    }
  if (numbers == 0 && count > 1)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The name pattern needs %d where the number goes, so that each "
                             "new VM gets its own name."));
      return NULL;
    }

  g_strstrip (name->str);
  name->len = strlen (name->str);
  if (name->len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The name is empty."));
      return NULL;
    }
  return g_string_free (g_steal_pointer (&name), FALSE);
}

/* ---- xe ----------------------------------------------------------------------------------- */

static char *
shell_quote (const char *value)
{
  return g_shell_quote (value != NULL ? value : "");
}

char *
lagoon_new_vm_spec_to_xe (const LagoonNewVmSpec *spec)
{
  GString *out = g_string_new (NULL);
  g_autofree char *name = shell_quote (spec->name);

  g_return_val_if_fail (spec != NULL, NULL);

  g_string_append_printf (out, "# %s\n", spec->name != NULL ? spec->name : "");
  if (spec->copy_sr_uuid != NULL)
    g_string_append_printf (out, "VM=$(xe vm-copy uuid=%s new-name-label=%s sr-uuid=%s)\n",
                            spec->template_uuid, name, spec->copy_sr_uuid);
  else
    g_string_append_printf (out, "VM=$(xe vm-clone uuid=%s new-name-label=%s)\n",
                            spec->template_uuid, name);
  if (spec->description != NULL && spec->description[0] != '\0')
    {
      g_autofree char *description = shell_quote (spec->description);

      g_string_append_printf (out, "xe vm-param-set uuid=$VM name-description=%s\n",
                              description);
    }
  if (spec->memory_static_max > 0)
    g_string_append_printf (out, "xe vm-memory-limits-set uuid=$VM static-min=%" G_GINT64_FORMAT
                            " static-max=%" G_GINT64_FORMAT " dynamic-min=%" G_GINT64_FORMAT
                            " dynamic-max=%" G_GINT64_FORMAT "\n",
                            spec->memory_static_min, spec->memory_static_max,
                            spec->memory_dynamic_min, spec->memory_dynamic_max);
  if (spec->vcpus_max > 0)
    g_string_append_printf (out, "xe vm-param-set uuid=$VM VCPUs-max=%" G_GINT64_FORMAT
                            " VCPUs-at-startup=%" G_GINT64_FORMAT "\n",
                            spec->vcpus_max, spec->vcpus_at_startup);
  if (spec->cores_per_socket > 0)
    g_string_append_printf (out, "xe vm-param-set uuid=$VM platform:cores-per-socket=%"
                            G_GINT64_FORMAT "\n", spec->cores_per_socket);
  if (spec->pv_args != NULL)
    {
      g_autofree char *args = shell_quote (spec->pv_args);

      g_string_append_printf (out, "xe vm-param-set uuid=$VM PV-args=%s\n", args);
    }
  if (spec->install == LAGOON_NEW_VM_INSTALL_URL)
    {
      g_autofree char *url = shell_quote (spec->install_url);

      g_string_append_printf (out, "xe vm-param-set uuid=$VM other-config:install-repository=%s\n",
                              url);
    }
  else if (spec->install == LAGOON_NEW_VM_INSTALL_NETWORK)
    g_string_append (out, "xe vm-param-set uuid=$VM HVM-boot-params:order=ndc\n");
  if (spec->provision)
    {
      g_autofree char *xml = lagoon_new_vm_disks_to_xml (spec->disks);
      g_autofree char *quoted = shell_quote (xml);

      g_string_append_printf (out, "xe vm-param-set uuid=$VM other-config:disks=%s\n", quoted);
      g_string_append (out, "xe vm-provision uuid=$VM\n");
    }
  g_string_append (out, "xe vm-param-set uuid=$VM is-a-template=false\n");
  if (spec->install == LAGOON_NEW_VM_INSTALL_CD)
    {
      if (spec->iso_name != NULL)
        {
          g_autofree char *iso = shell_quote (spec->iso_name);

          g_string_append_printf (out, "xe vm-cd-add uuid=$VM cd-name=%s device=3\n", iso);
        }
      else
        g_string_append (out, "# an empty CD drive: xe vbd-create vm-uuid=$VM type=CD "
                              "mode=RO device=3 empty=true\n");
    }
  g_string_append (out, "for vif in $(xe vif-list vm-uuid=$VM --minimal | tr , ' '); do "
                        "xe vif-destroy uuid=$vif; done\n");
  for (guint i = 0; i < spec->vifs->len; i++)
    {
      LagoonNewVmVif *vif = g_ptr_array_index (spec->vifs, i);

      g_string_append_printf (out, "xe vif-create vm-uuid=$VM network-uuid=%s device=%s",
                              vif->network_uuid, vif->device);
      if (vif->mac != NULL && vif->mac[0] != '\0')
        g_string_append_printf (out, " mac=%s", vif->mac);
      g_string_append_c (out, '\n');
    }
  if (spec->affinity_uuid != NULL)
    g_string_append_printf (out, "xe vm-param-set uuid=$VM affinity=%s\n", spec->affinity_uuid);
  if (spec->start)
    {
      if (spec->start_on_uuid != NULL)
        g_string_append_printf (out, "xe vm-start uuid=$VM on=%s\n", spec->start_on_uuid);
      else
        g_string_append (out, "xe vm-start uuid=$VM\n");
    }
  return g_string_free (out, FALSE);
}

/* ---- the action --------------------------------------------------------------------------- */

/* @args are the step's arguments, @result its (possibly NULL) result. */
typedef void (*StepDone) (LagoonNewVmAction *self,
                          GVariant          *args,
                          GVariant          *result);

typedef struct
{
  char     *method;
  GVariant *args;
  char     *what;     /* the description while it runs, or NULL to keep the last */
  double    weight;   /* share of the progress bar */
  StepDone  done;
  guint     retries;  /* clean-up only: waits for another operation to end */
} Step;

typedef enum {
  STAGE_CLONE,
  STAGE_CONFIGURE,
  STAGE_DEVICES,
  STAGE_START,
  STAGE_DONE,
} Stage;

struct _LagoonNewVmAction
{
  LagoonAction      parent_instance;

  LagoonNewVmSpec  *spec;
  GTask            *task;
  GQueue            steps;
  Stage             stage;
  double            progress;
  char             *vm;

  /* Cleaning up after a failure. */
  gboolean          cleaning;
  GError           *error;
  GError           *cleanup_error;
  guint             removed_disks;
};

G_DEFINE_FINAL_TYPE (LagoonNewVmAction, lagoon_new_vm_action, LAGOON_TYPE_ACTION)

static void run_next (LagoonNewVmAction *self);

static void
step_free (Step *step)
{
  g_free (step->method);
  g_clear_pointer (&step->args, g_variant_unref);
  g_free (step->what);
  g_free (step);
}

static Step *
step_new (const char *method,
          GVariant   *args,
          const char *what,
          double      weight,
          StepDone    done)
{
  Step *step = g_new0 (Step, 1);

  step->method = g_strdup (method);
  step->args = g_variant_ref_sink (args);
  step->what = g_strdup (what);
  step->weight = weight;
  step->done = done;
  return step;
}

static void
add_step (LagoonNewVmAction *self,
          const char        *method,
          GVariant          *args,
          const char        *what,
          double             weight,
          StepDone           done)
{
  g_queue_push_tail (&self->steps, step_new (method, args, what, weight, done));
}

/* For a result handler: runs before the steps already queued. */
static void
push_step (LagoonNewVmAction *self,
           const char        *method,
           GVariant          *args,
           const char        *what,
           StepDone           done)
{
  g_queue_push_head (&self->steps, step_new (method, args, what, 0.0, done));
}

static const char *
variant_string (GVariant *value)
{
  if (value == NULL)
    return NULL;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (value);

      /* The inner value lives as long as @value. */
      return variant_string (inner) != NULL ? g_variant_get_string (inner, NULL) : NULL;
    }
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) ||
      g_variant_is_of_type (value, G_VARIANT_TYPE_OBJECT_PATH))
    return g_variant_get_string (value, NULL);
  return NULL;
}

/* The strings of an "av"/"as" reply. */
static GPtrArray *
variant_strings (GVariant *value)
{
  GPtrArray *strings = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  GVariant *item;

  if (value == NULL || !g_variant_is_container (value))
    return strings;
  g_variant_iter_init (&iter, value);
  while ((item = g_variant_iter_next_value (&iter)) != NULL)
    {
      GVariant *inner = g_variant_is_of_type (item, G_VARIANT_TYPE_VARIANT)
                        ? g_variant_get_variant (item) : g_variant_ref (item);

      if (g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING))
        g_ptr_array_add (strings, g_variant_dup_string (inner, NULL));
      g_variant_unref (inner);
      g_variant_unref (item);
    }
  return strings;
}

static GVariant *
empty_map (void)
{
  return g_variant_new_array (G_VARIANT_TYPE ("{ss}"), NULL, 0);
}

static GVariant *
empty_set (void)
{
  return g_variant_new_strv (NULL, 0);
}

static GVariant *
vm_args (LagoonNewVmAction *self)
{
  return g_variant_new ("(s)", self->vm);
}

/* ---- steps -------------------------------------------------------------------------------- */

static void
clone_done (LagoonNewVmAction *self,
            GVariant          *args,
            GVariant          *result)
{
  const char *vm = variant_string (result);
  const char *objects[2] = { NULL, NULL };

  if (vm == NULL || !g_str_has_prefix (vm, "OpaqueRef:") || g_str_equal (vm, NULL_REF))
    {
      self->error = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                 _("The server did not return the new VM."));
      return;
    }
  self->vm = g_strdup (vm);
  objects[0] = self->vm;
  lagoon_action_set_objects (LAGOON_ACTION (self), objects);
}

static void
vcpus_done (LagoonNewVmAction *self,
            GVariant          *args,
            GVariant          *result)
{
  LagoonNewVmSpec *spec = self->spec;
  gint64 current = 0;
  g_autofree char *max = g_strdup_printf ("%" G_GINT64_FORMAT, spec->vcpus_max);
  g_autofree char *at_startup = g_strdup_printf ("%" G_GINT64_FORMAT, spec->vcpus_at_startup);

  if (result != NULL && g_variant_is_of_type (result, G_VARIANT_TYPE_INT64))
    current = g_variant_get_int64 (result);
  else if (variant_string (result) != NULL)
    g_ascii_string_to_signed (variant_string (result), 10, 0, G_MAXINT64, &current, NULL);

  /* VCPUs_at_startup may never exceed VCPUs_max: the order depends on the way we go. Pushed
   * to the head, so the last pushed runs first. */
  if (spec->vcpus_at_startup <= current)
    {
      push_step (self, "VM.set_VCPUs_max", g_variant_new ("(sx)", self->vm, spec->vcpus_max),
                 NULL, NULL);
      push_step (self, "VM.set_VCPUs_at_startup",
                 g_variant_new ("(sx)", self->vm, spec->vcpus_at_startup), NULL, NULL);
    }
  else
    {
      push_step (self, "VM.set_VCPUs_at_startup",
                 g_variant_new ("(sx)", self->vm, spec->vcpus_at_startup), NULL, NULL);
      push_step (self, "VM.set_VCPUs_max", g_variant_new ("(sx)", self->vm, spec->vcpus_max),
                 NULL, NULL);
    }
}

static void
vifs_done (LagoonNewVmAction *self,
           GVariant          *args,
           GVariant          *result)
{
  g_autoptr(GPtrArray) vifs = variant_strings (result);

  /* The template's VIFs go: the VM gets exactly the ones the user chose. */
  for (guint i = 0; i < vifs->len; i++)
    push_step (self, "VIF.destroy", g_variant_new ("(s)", (char *) g_ptr_array_index (vifs, i)),
               NULL, NULL);
}

static void
queue_stage (LagoonNewVmAction *self)
{
  LagoonNewVmSpec *spec = self->spec;

  switch (self->stage)
    {
    case STAGE_CLONE:
      if (spec->copy_sr != NULL)
        add_step (self, "VM.copy",
                  g_variant_new ("(sss)", spec->template_ref, spec->name, spec->copy_sr),
                  _("Copying the template"), 0.3, clone_done);
      else
        add_step (self, "VM.clone", g_variant_new ("(ss)", spec->template_ref, spec->name),
                  _("Cloning the template"), 0.2, clone_done);
      break;

    case STAGE_CONFIGURE:
      add_step (self, "VM.set_name_description",
                g_variant_new ("(ss)", self->vm, spec->description ? spec->description : ""),
                _("Setting the name, memory and vCPUs"), 0.02, NULL);
      if (spec->memory_static_max > 0)
        add_step (self, "VM.set_memory_limits",
                  g_variant_new ("(sxxxx)", self->vm, spec->memory_static_min,
                                 spec->memory_static_max, spec->memory_dynamic_min,
                                 spec->memory_dynamic_max), NULL, 0.02, NULL);
      if (spec->vcpus_max > 0)
        add_step (self, "VM.get_VCPUs_at_startup", vm_args (self), NULL, 0.02, vcpus_done);
      if (spec->cores_per_socket > 0)
        {
          g_autofree char *cores = g_strdup_printf ("%" G_GINT64_FORMAT, spec->cores_per_socket);

          add_step (self, "VM.remove_from_platform",
                    g_variant_new ("(ss)", self->vm, "cores-per-socket"), NULL, 0.01, NULL);
          add_step (self, "VM.add_to_platform",
                    g_variant_new ("(sss)", self->vm, "cores-per-socket", cores), NULL, 0.01,
                    NULL);
        }
      if (spec->pv_args != NULL)
        add_step (self, "VM.set_PV_args", g_variant_new ("(ss)", self->vm, spec->pv_args),
                  NULL, 0.01, NULL);
      if (spec->install == LAGOON_NEW_VM_INSTALL_URL)
        {
          add_step (self, "VM.remove_from_other_config",
                    g_variant_new ("(ss)", self->vm, "install-repository"),
                    _("Setting the installation URL"), 0.01, NULL);
          add_step (self, "VM.add_to_other_config",
                    g_variant_new ("(sss)", self->vm, "install-repository",
                                   spec->install_url ? spec->install_url : ""), NULL, 0.01,
                    NULL);
        }
      else if (spec->install == LAGOON_NEW_VM_INSTALL_NETWORK)
        {
          add_step (self, "VM.remove_from_HVM_boot_params", g_variant_new ("(ss)", self->vm,
                                                                           "order"),
                    _("Booting from the network first"), 0.01, NULL);
          add_step (self, "VM.add_to_HVM_boot_params",
                    g_variant_new ("(sss)", self->vm, "order", "ndc"), NULL, 0.01, NULL);
        }
      if (spec->provision)
        {
          g_autofree char *xml = lagoon_new_vm_disks_to_xml (spec->disks);

          add_step (self, "VM.remove_from_other_config", g_variant_new ("(ss)", self->vm, "disks"),
                    _("Creating the disks"), 0.01, NULL);
          add_step (self, "VM.add_to_other_config",
                    g_variant_new ("(sss)", self->vm, "disks", xml), NULL, 0.01, NULL);
          add_step (self, "VM.provision", vm_args (self), NULL, 0.3, NULL);
        }
      /* A clone of a template is a template until now (provision wants one). */
      add_step (self, "VM.set_is_a_template", g_variant_new ("(sb)", self->vm, FALSE), NULL,
                0.01, NULL);
      break;

    case STAGE_DEVICES:
      if (spec->install == LAGOON_NEW_VM_INSTALL_CD)
        {
          GVariantBuilder record;

          g_variant_builder_init (&record, G_VARIANT_TYPE_VARDICT);
          g_variant_builder_add (&record, "{sv}", "VM", g_variant_new_string (self->vm));
          g_variant_builder_add (&record, "{sv}", "VDI",
                                 g_variant_new_string (spec->iso_vdi ? spec->iso_vdi : NULL_REF));
          g_variant_builder_add (&record, "{sv}", "userdevice", g_variant_new_string ("3"));
          g_variant_builder_add (&record, "{sv}", "bootable", g_variant_new_boolean (FALSE));
          g_variant_builder_add (&record, "{sv}", "mode", g_variant_new_string ("RO"));
          g_variant_builder_add (&record, "{sv}", "type", g_variant_new_string ("CD"));
          g_variant_builder_add (&record, "{sv}", "unpluggable", g_variant_new_boolean (TRUE));
          g_variant_builder_add (&record, "{sv}", "empty",
                                 g_variant_new_boolean (spec->iso_vdi == NULL));
          g_variant_builder_add (&record, "{sv}", "other_config", empty_map ());
          g_variant_builder_add (&record, "{sv}", "qos_algorithm_type", g_variant_new_string (""));
          g_variant_builder_add (&record, "{sv}", "qos_algorithm_params", empty_map ());
          add_step (self, "VBD.create", g_variant_new ("(@a{sv})", g_variant_builder_end (&record)),
                    _("Adding the CD drive"), 0.02, NULL);
        }
      add_step (self, "VM.get_VIFs", vm_args (self), _("Adding the network interfaces"), 0.01,
                vifs_done);
      for (guint i = 0; i < spec->vifs->len; i++)
        {
          LagoonNewVmVif *vif = g_ptr_array_index (spec->vifs, i);
          GVariantBuilder record;

          g_variant_builder_init (&record, G_VARIANT_TYPE_VARDICT);
          g_variant_builder_add (&record, "{sv}", "device",
                                 g_variant_new_string (vif->device ? vif->device : "0"));
          g_variant_builder_add (&record, "{sv}", "network", g_variant_new_string (vif->network));
          g_variant_builder_add (&record, "{sv}", "VM", g_variant_new_string (self->vm));
          g_variant_builder_add (&record, "{sv}", "MAC",
                                 g_variant_new_string (vif->mac ? vif->mac : ""));
          g_variant_builder_add (&record, "{sv}", "MTU", g_variant_new_int64 (1500));
          g_variant_builder_add (&record, "{sv}", "other_config", empty_map ());
          g_variant_builder_add (&record, "{sv}", "qos_algorithm_type", g_variant_new_string (""));
          g_variant_builder_add (&record, "{sv}", "qos_algorithm_params", empty_map ());
          g_variant_builder_add (&record, "{sv}", "locking_mode",
                                 g_variant_new_string ("network_default"));
          g_variant_builder_add (&record, "{sv}", "ipv4_allowed", empty_set ());
          g_variant_builder_add (&record, "{sv}", "ipv6_allowed", empty_set ());
          add_step (self, "VIF.create", g_variant_new ("(@a{sv})", g_variant_builder_end (&record)),
                    NULL, 0.02, NULL);
        }
      add_step (self, "VM.set_affinity",
                g_variant_new ("(ss)", self->vm, spec->affinity ? spec->affinity : NULL_REF),
                _("Setting the home server"), 0.01, NULL);
      break;

    case STAGE_START:
      if (!spec->start)
        break;
      if (spec->start_on != NULL)
        add_step (self, "VM.start_on",
                  g_variant_new ("(ssbb)", self->vm, spec->start_on, FALSE, FALSE),
                  _("Starting the VM"), 0.2, NULL);
      else
        add_step (self, "VM.start", g_variant_new ("(sbb)", self->vm, FALSE, FALSE),
                  _("Starting the VM"), 0.2, NULL);
      break;

    case STAGE_DONE:
    default:
      break;
    }
}

/* ---- cleaning up -------------------------------------------------------------------------- */

static void
cleanup_vbd_record_done (LagoonNewVmAction *self,
                         GVariant          *args,
                         GVariant          *result)
{
  const char *type = NULL;
  const char *vdi = NULL;
  const char *vbd;

  if (result == NULL || !g_variant_is_of_type (result, G_VARIANT_TYPE_VARDICT))
    return;
  g_variant_lookup (result, "type", "&s", &type);
  g_variant_lookup (result, "VDI", "&s", &vdi);
  g_variant_get_child (args, 0, "&s", &vbd);

  /* The VDI goes after its VBD (pushed first, so it runs second). ISOs are not ours. */
  if (g_strcmp0 (type, "CD") != 0 && vdi != NULL && !g_str_equal (vdi, NULL_REF) &&
      vdi[0] != '\0')
    {
      push_step (self, "VDI.destroy", g_variant_new ("(s)", vdi), NULL, NULL);
      self->removed_disks++;
    }
  if (vbd != NULL)
    push_step (self, "VBD.destroy", g_variant_new ("(s)", vbd), NULL, NULL);
}

static void
cleanup_vbds_done (LagoonNewVmAction *self,
                   GVariant          *args,
                   GVariant          *result)
{
  g_autoptr(GPtrArray) vbds = variant_strings (result);

  for (guint i = vbds->len; i > 0; i--)
    {
      const char *vbd = g_ptr_array_index (vbds, i - 1);

      /* Each VBD: read its record, then destroy it (and its disk). */
      push_step (self, "VBD.get_record", g_variant_new ("(s)", vbd), NULL,
                 cleanup_vbd_record_done);
    }
}

static void
cleanup_power_done (LagoonNewVmAction *self,
                    GVariant          *args,
                    GVariant          *result)
{
  const char *state = variant_string (result);

  if (state != NULL && g_strcmp0 (state, "Halted") != 0)
    push_step (self, "VM.hard_shutdown", vm_args (self), NULL, NULL);
}

static void
start_cleanup (LagoonNewVmAction *self)
{
  g_autofree char *what = NULL;

  g_queue_clear_full (&self->steps, (GDestroyNotify) step_free);
  self->cleaning = TRUE;
  if (self->vm == NULL)
    return;

  what = g_strdup_printf (_("Failed; removing what was created (%s)"), self->error->message);
  add_step (self, "VM.get_power_state", vm_args (self), what, 0.0, cleanup_power_done);
  add_step (self, "VM.get_VIFs", vm_args (self), NULL, 0.0, vifs_done);
  add_step (self, "VM.get_VBDs", vm_args (self), NULL, 0.0, cleanup_vbds_done);
  add_step (self, "VM.destroy", vm_args (self), NULL, 0.0, NULL);
}

static void
finish (LagoonNewVmAction *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  if (self->error == NULL)
    {
      lagoon_action_set_description (LAGOON_ACTION (self),
                                     self->spec->start ? _("Created and started")
                                                       : _("Created"));
      g_task_return_pointer (task, g_variant_ref_sink (g_variant_new_string (self->vm)),
                             (GDestroyNotify) g_variant_unref);
      return;
    }

  if (self->vm != NULL)
    {
      g_autofree char *why = lagoon_xenapi_error_describe (self->error);
      const char *code = lagoon_xenapi_error_get_code_string (self->error);
      g_autofree char *cause = NULL;
      g_autofree char *message = NULL;
      gsize len = strlen (why);

      /* "<the server's sentence> (CODE)." then what was undone. */
      while (len > 0 && (why[len - 1] == '.' || g_ascii_isspace (why[len - 1])))
        why[--len] = '\0';
      if (code != NULL && strstr (why, code) == NULL)
        cause = g_strdup_printf ("%s (%s).", why, code);
      else
        cause = g_strdup_printf ("%s.", why);

      /* The Events pane shows this sentence: it says what failed and what was undone. */
      if (self->cleanup_error == NULL)
        message = g_strdup_printf (self->removed_disks == 0
                                   ? _("%s The partly created VM was removed again.")
                                   : g_dngettext (GETTEXT_PACKAGE,
                                                  "%s The partly created VM and its disk were "
                                                  "removed again.",
                                                  "%s The partly created VM and its disks were "
                                                  "removed again.", self->removed_disks),
                                   cause);
      else
        message = g_strdup_printf (_("%s Removing the partly created VM “%s” failed too (%s): "
                                     "delete it by hand."), cause, self->spec->name,
                                   self->cleanup_error->message);
      lagoon_action_set_description (LAGOON_ACTION (self),
                                     self->cleanup_error == NULL ? _("Failed; cleaned up")
                                                                 : _("Failed; clean-up failed"));
      g_clear_pointer (&self->vm, g_free);
      lagoon_action_set_objects (LAGOON_ACTION (self), NULL);
      /* A cancel stays a cancel (the Events pane says "Cancelled"). */
      g_task_return_new_error (task, G_IO_ERROR,
                               g_error_matches (self->error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                               ? G_IO_ERROR_CANCELLED : G_IO_ERROR_FAILED, "%s", message);
      return;
    }

  g_task_return_error (task, g_error_copy (self->error));
}

#define CLEANUP_RETRIES     40
#define CLEANUP_RETRY_MS    250

typedef struct
{
  LagoonNewVmAction *self;
  Step              *step;
} Retry;

static gboolean
retry_cleanup_step (gpointer data)
{
  Retry *retry = data;

  g_queue_push_head (&retry->self->steps, retry->step);
  run_next (retry->self);
  g_object_unref (retry->self);
  g_free (retry);
  return G_SOURCE_REMOVE;
}

static void
step_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  LagoonNewVmAction *self = LAGOON_NEW_VM_ACTION (source);
  Step *step = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = lagoon_action_run_task_finish (LAGOON_ACTION (self), result, &error);

  if (error != NULL)
    {
      /* While cleaning up, a missing object is gone already; other errors are kept. */
      if (self->cleaning)
        {
          /* The cancelled step's task may still hold the VM for a moment: wait for it, as
           * xapi's operation lock asks. */
          if (g_strcmp0 (lagoon_xenapi_error_get_code_string (error),
                         "OTHER_OPERATION_IN_PROGRESS") == 0 &&
              step->retries++ < CLEANUP_RETRIES)
            {
              Retry *retry = g_new0 (Retry, 1);

              retry->self = g_object_ref (self);
              retry->step = step;
              g_timeout_add (CLEANUP_RETRY_MS, retry_cleanup_step, retry);
              return;
            }
          g_debug ("Clean-up step %s failed: %s", step->method, error->message);
          if (g_strcmp0 (lagoon_xenapi_error_get_code_string (error), "HANDLE_INVALID") != 0 &&
              self->cleanup_error == NULL)
            self->cleanup_error = g_steal_pointer (&error);
        }
      else
        {
          g_debug ("Step %s failed: %s", step->method, error->message);
          self->error = g_steal_pointer (&error);
          step_free (step);
          start_cleanup (self);
          run_next (self);
          return;
        }
    }
  else if (step->done != NULL)
    {
      /* clone_done may decide the step failed. */
      step->done (self, step->args, value);
      if (self->error != NULL && !self->cleaning)
        {
          step_free (step);
          start_cleanup (self);
          run_next (self);
          return;
        }
    }

  step_free (step);
  run_next (self);
}

static void
run_next (LagoonNewVmAction *self)
{
  Step *step;
  double to;

  while (g_queue_is_empty (&self->steps))
    {
      if (self->cleaning || self->stage == STAGE_DONE)
        {
          finish (self);
          return;
        }
      self->stage++;
      queue_stage (self);
    }

  step = g_queue_pop_head (&self->steps);
  if (step->what != NULL)
    lagoon_action_set_description (LAGOON_ACTION (self), step->what);
  to = MIN (0.99, self->progress + step->weight);
  lagoon_action_run_task_async (LAGOON_ACTION (self), step->method, step->args, self->progress,
                                to, self->cleaning ? NULL : g_task_get_cancellable (self->task),
                                step_done, step);
  self->progress = to;
}

static void
lagoon_new_vm_action_run (LagoonAction *action,
                          GTask        *task)
{
  LagoonNewVmAction *self = LAGOON_NEW_VM_ACTION (action);

  g_return_if_fail (self->task == NULL);

  self->task = g_object_ref (task);
  /* A cancel still runs the clean-up, and its error says what was undone: GTask must not
   * replace it with a bare "Operation was cancelled". */
  g_task_set_check_cancellable (task, FALSE);
  self->stage = STAGE_CLONE;
  queue_stage (self);
  run_next (self);
}

static void
lagoon_new_vm_action_finalize (GObject *object)
{
  LagoonNewVmAction *self = LAGOON_NEW_VM_ACTION (object);

  g_queue_clear_full (&self->steps, (GDestroyNotify) step_free);
  g_clear_pointer (&self->spec, lagoon_new_vm_spec_free);
  g_clear_object (&self->task);
  g_free (self->vm);
  g_clear_error (&self->error);
  g_clear_error (&self->cleanup_error);

  G_OBJECT_CLASS (lagoon_new_vm_action_parent_class)->finalize (object);
}

static void
lagoon_new_vm_action_class_init (LagoonNewVmActionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  LagoonActionClass *action_class = LAGOON_ACTION_CLASS (klass);

  object_class->finalize = lagoon_new_vm_action_finalize;
  action_class->run = lagoon_new_vm_action_run;
}

static void
lagoon_new_vm_action_init (LagoonNewVmAction *self)
{
  g_queue_init (&self->steps);
}

LagoonAction *
lagoon_new_vm_action_new (LagoonConnection      *connection,
                          const LagoonNewVmSpec *spec)
{
  LagoonNewVmAction *self;
  g_autofree char *title = NULL;

  g_return_val_if_fail (LAGOON_IS_CONNECTION (connection), NULL);
  g_return_val_if_fail (spec != NULL && spec->template_ref != NULL && spec->name != NULL, NULL);

  title = g_strdup_printf (_("New VM “%s”"), spec->name);
  self = g_object_new (LAGOON_TYPE_NEW_VM_ACTION,
                       "connection", connection,
                       "title", title,
                       NULL);
  self->spec = lagoon_new_vm_spec_copy (spec);
  return LAGOON_ACTION (self);
}

const char *
lagoon_new_vm_action_get_vm (LagoonNewVmAction *self)
{
  g_return_val_if_fail (LAGOON_IS_NEW_VM_ACTION (self), NULL);

  return self->vm;
}
