/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-cli: Lagoon's model and transport without GTK, spoken like xe.
 *
 *   lagoon-cli [-s ADDRESS] [-p PORT] [-u USER] [-pwf FILE] [--tls [--tls-fingerprint FP]]
 *              [--ssh [USER@]HOST[:PORT] [-i KEY] [--known-hosts FILE] [--accept-new-host-key]]
 *              COMMAND [ARG=VALUE ...] [--minimal] [--force]
 *
 * The password comes from a file (-pwf) or the LAGOON_PASSWORD environment variable, never
 * from the command line.
 */
#define G_LOG_DOMAIN "lagoon-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lagoon-action.h"
#include "lagoon-cache.h"
#include "lagoon-connection.h"
#include "lagoon-http-message.h"
#include "lagoon-ssh-config.h"
#include "lagoon-ssh-opener.h"
#include "lagoon-tcp-opener.h"
#include "lagoon-view.h"
#include "lagoon-xenapi-error.h"

#define EXIT_USAGE   2
#define EXIT_FAILURE_ 1

typedef struct
{
  char     *server;
  guint16   port;
  char     *user;
  char     *password_file;
  gboolean  tls;
  char     *tls_fingerprint;
  char     *ssh;
  char     *identity;
  char     *known_hosts;
  gboolean  accept_new_host_key;
  char     *db;
  guint     timeout_s;
} Globals;

typedef struct
{
  Globals          *globals;
  GHashTable       *args;      /* ARG -> VALUE */
  GPtrArray        *flags;     /* --minimal, --force, ... */
  LagoonConnection *connection;
  LagoonCache      *cache;
} Context;

static Globals globals = { .timeout_s = 60 };

static void
fail (const char *format,
      ...) G_GNUC_PRINTF (1, 2);

static void
fail (const char *format,
      ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, format);
  msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_printerr ("lagoon-cli: %s\n", msg);
}

/* Prints a XenAPI error as xe does (code, parameters), then our sentence. */
static void
print_error (const GError *error)
{
  if (error->domain == LAGOON_XENAPI_ERROR)
    {
      const char * const *params = lagoon_xenapi_error_get_params (error);
      g_autofree char *sentence = lagoon_xenapi_error_describe (error);

      g_printerr (_("The server failed to handle your request.\n"));
      g_printerr ("code: %s\n", lagoon_xenapi_error_get_code_string (error));
      for (guint i = 0; params != NULL && params[i] != NULL; i++)
        g_printerr ("param %u: %s\n", i + 1, params[i]);
      g_printerr ("%s\n", sentence);
    }
  else
    fail ("%s", error->message);
}

static gboolean
has_flag (Context    *ctx,
          const char *flag)
{
  for (guint i = 0; i < ctx->flags->len; i++)
    if (g_str_equal (ctx->flags->pdata[i], flag))
      return TRUE;
  return FALSE;
}

/* ---- values as xe prints them ------------------------------------------------------------- */

/* "name-label" -> "name_label"; xe names are the API names with dashes. */
static char *
xe_to_field (const char *xe)
{
  char *f = g_strdup (xe);

  for (char *p = f; *p; p++)
    if (*p == '-')
      *p = '_';
  return f;
}

static char *
field_to_xe (const char *field)
{
  char *x = g_strdup (field);

  for (char *p = x; *p; p++)
    if (*p == '_')
      *p = '-';
  return x;
}

static char *
format_value (const LagoonType *type,
              GVariant         *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (value);
      return format_value (type, inner);
    }

  switch (type->kind)
    {
    case LAGOON_TYPE_ENUM:
      return g_ascii_strdown (g_variant_get_string (value, NULL), -1);
    case LAGOON_TYPE_BOOL:
      return g_strdup (g_variant_get_boolean (value) ? "true" : "false");
    case LAGOON_TYPE_INT:
      return g_strdup_printf ("%" G_GINT64_FORMAT, g_variant_get_int64 (value));
    case LAGOON_TYPE_FLOAT:
      {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        return g_strdup (g_ascii_formatd (buf, sizeof buf, "%g", g_variant_get_double (value)));
      }
    case LAGOON_TYPE_SET:
      {
        g_autoptr(GString) out = g_string_new (NULL);
        GVariantIter iter;
        GVariant *item;

        g_variant_iter_init (&iter, value);
        while ((item = g_variant_iter_next_value (&iter)))
          {
            g_autofree char *s = format_value (type->value, item);
            if (out->len)
              g_string_append (out, "; ");
            g_string_append (out, s);
            g_variant_unref (item);
          }
        return g_string_free (g_steal_pointer (&out), FALSE);
      }
    case LAGOON_TYPE_MAP:
      {
        g_autoptr(GString) out = g_string_new (NULL);
        GVariantIter iter;
        const char *key;
        GVariant *item;

        g_variant_iter_init (&iter, value);
        while (g_variant_iter_next (&iter, "{&sv}", &key, &item))
          {
            g_autofree char *s = format_value (type->value, item);
            if (out->len)
              g_string_append (out, "; ");
            g_string_append_printf (out, "%s: %s", key, s);
            g_variant_unref (item);
          }
        return g_string_free (g_steal_pointer (&out), FALSE);
      }
    default:
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        return g_variant_dup_string (value, NULL);
      return g_variant_print (value, FALSE);
    }
}

/* A field of a record as xe prints it; refs are shown as the uuid of their object. */
static char *
format_field (Context            *ctx,
              const LagoonRecord *rec,
              int                 field)
{
  const LagoonSchemaField *f = &lagoon_record_get_class (rec)->fields[field];
  g_autoptr(GVariant) v = lagoon_record_get_value (rec, field);

  if (f->type->kind == LAGOON_TYPE_REF)
    {
      const char *ref = g_variant_get_string (v, NULL);
      const LagoonRecord *target = lagoon_cache_lookup_any (ctx->cache, ref);
      if (target != NULL)
        return g_strdup (lagoon_record_get_uuid (target));
      return g_strdup (g_str_equal (ref, LAGOON_NULL_REF) ? "<not in database>" : ref);
    }
  return format_value (f->type, v);
}

/* ---- list commands --------------------------------------------------------------------------- */

typedef gboolean (*RecordFilter) (const LagoonRecord *rec);

static gboolean
is_plain_vm (const LagoonRecord *rec)
{
  return !lagoon_record_get_bool (rec, LAGOON_VM_IS_A_TEMPLATE) &&
         !lagoon_record_get_bool (rec, LAGOON_VM_IS_A_SNAPSHOT);
}

static gboolean
is_template (const LagoonRecord *rec)
{
  return lagoon_record_get_bool (rec, LAGOON_VM_IS_A_TEMPLATE) &&
         !lagoon_record_get_bool (rec, LAGOON_VM_IS_A_SNAPSHOT);
}

static gboolean
is_snapshot (const LagoonRecord *rec)
{
  return lagoon_record_get_bool (rec, LAGOON_VM_IS_A_SNAPSHOT);
}

typedef struct
{
  const char   *command;
  LagoonClassId class_id;
  RecordFilter  filter;
  const char   *default_params;
} ListSpec;

static const ListSpec list_specs[] = {
  { "vm-list",        LAGOON_CLASS_VM,           is_plain_vm, "uuid,name-label,power-state" },
  { "template-list",  LAGOON_CLASS_VM,           is_template, "uuid,name-label,name-description" },
  { "snapshot-list",  LAGOON_CLASS_VM,           is_snapshot, "uuid,name-label,name-description" },
  { "host-list",      LAGOON_CLASS_HOST,         NULL,        "uuid,name-label,name-description" },
  { "sr-list",        LAGOON_CLASS_SR,           NULL,
    "uuid,name-label,name-description,type,content-type" },
  { "network-list",   LAGOON_CLASS_NETWORK,      NULL,        "uuid,name-label,name-description,bridge" },
  { "vdi-list",       LAGOON_CLASS_VDI,          NULL,
    "uuid,name-label,name-description,virtual-size,SR" },
  { "appliance-list", LAGOON_CLASS_VM_APPLIANCE, NULL,        "uuid,name-label,name-description" },
  { "pool-list",      LAGOON_CLASS_POOL,         NULL,        "uuid,name-label,name-description,master" },
};

static int
cmd_list (Context        *ctx,
          const ListSpec *spec)
{
  const LagoonSchemaClass *klass = &lagoon_schema_classes[spec->class_id];
  const char *params_arg = g_hash_table_lookup (ctx->args, "params");
  g_auto(GStrv) params = g_strsplit (params_arg ? params_arg : spec->default_params, ",", -1);
  g_autoptr(GArray) fields = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GPtrArray) filters = g_ptr_array_new ();   /* pairs: field index, value */
  g_autoptr(GPtrArray) records = lagoon_cache_list (ctx->cache, spec->class_id);
  gboolean minimal = has_flag (ctx, "--minimal");
  g_autoptr(GString) minimal_out = g_string_new (NULL);
  GHashTableIter iter;
  gpointer key, value;

  if (params_arg != NULL && g_str_equal (params_arg, "all"))
    {
      g_strfreev (params);
      params = g_new0 (char *, klass->n_fields + 1);
      for (guint i = 0; i < klass->n_fields; i++)
        params[i] = field_to_xe (klass->fields[i].name);
    }
  for (guint i = 0; params[i]; i++)
    {
      g_autofree char *name = xe_to_field (g_strstrip (params[i]));
      int idx = lagoon_schema_find_field (klass, name);
      if (idx < 0)
        {
          fail (_("unknown parameter “%s” for %s"), params[i], klass->name);
          return EXIT_USAGE;
        }
      g_array_append_val (fields, idx);
    }

  g_hash_table_iter_init (&iter, ctx->args);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autofree char *name = NULL;
      int idx;

      if (g_str_equal (key, "params"))
        continue;
      name = xe_to_field (key);
      idx = lagoon_schema_find_field (klass, name);
      if (idx < 0)
        {
          fail (_("unknown parameter “%s” for %s"), (char *) key, klass->name);
          return EXIT_USAGE;
        }
      g_ptr_array_add (filters, GINT_TO_POINTER (idx));
      g_ptr_array_add (filters, value);
    }

  for (guint r = 0; r < records->len; r++)
    {
      const LagoonRecord *rec = records->pdata[r];
      gboolean match = spec->filter == NULL || spec->filter (rec);

      for (guint i = 0; match && i < filters->len; i += 2)
        {
          g_autofree char *v = format_field (ctx, rec, GPOINTER_TO_INT (filters->pdata[i]));
          match = g_strcmp0 (v, filters->pdata[i + 1]) == 0;
        }
      if (!match)
        continue;

      if (minimal)
        {
          g_autofree char *v = format_field (ctx, rec, g_array_index (fields, int, 0));
          g_string_append_printf (minimal_out, "%s%s", minimal_out->len ? "," : "", v);
          continue;
        }
      for (guint i = 0; i < fields->len; i++)
        {
          int f = g_array_index (fields, int, i);
          g_autofree char *label = field_to_xe (klass->fields[f].name);
          g_autofree char *v = format_field (ctx, rec, f);
          const char *q = klass->fields[f].qualifier == LAGOON_QUALIFIER_RW ? "RW" : "RO";
          g_autofree char *head = g_strdup_printf ("%s ( %s)", label, q);
          printf ("%*s: %s\n", i == 0 ? -20 : 20, head, v);
        }
      printf ("\n");
    }
  if (minimal)
    printf ("%s\n", minimal_out->str);
  return 0;
}

/* ---- finding objects ------------------------------------------------------------------------- */

static const LagoonRecord *
find_object (Context       *ctx,
             LagoonClassId  class_id,
             RecordFilter   filter,
             GError       **error)
{
  const char *uuid = g_hash_table_lookup (ctx->args, "uuid");
  const char *name = g_hash_table_lookup (ctx->args, "name-label");
  const char *class_name = lagoon_schema_classes[class_id].name;

  if (uuid != NULL)
    {
      const LagoonRecord *rec = lagoon_cache_lookup_uuid (ctx->cache, class_id, uuid);
      if (rec == NULL || (filter != NULL && !filter (rec)))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       _("No %s has the uuid %s"), class_name, uuid);
          return NULL;
        }
      return rec;
    }
  if (name != NULL)
    {
      g_autoptr(GPtrArray) records = lagoon_cache_list (ctx->cache, class_id);
      const LagoonRecord *found = NULL;
      guint n = 0;

      for (guint i = 0; i < records->len; i++)
        if ((filter == NULL || filter (records->pdata[i])) &&
            g_strcmp0 (lagoon_record_get_name (records->pdata[i]), name) == 0)
          {
            found = records->pdata[i];
            n++;
          }
      if (n == 1)
        return found;
      g_set_error (error, G_IO_ERROR, n == 0 ? G_IO_ERROR_NOT_FOUND : G_IO_ERROR_EXISTS,
                   n == 0 ? _("No %s is named “%s”") : _("Several objects of class %s are named "
                                                        "“%s”: use uuid= instead"),
                   class_name, name);
      return NULL;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("Name the %s with uuid= or name-label="), class_name);
  return NULL;
}

/* ---- actions --------------------------------------------------------------------------------- */

static void
on_progress (LagoonAction *action,
             GParamSpec   *pspec,
             gpointer      user_data)
{
  if (isatty (fileno (stderr)))
    g_printerr ("\r%s: %3.0f%%", lagoon_action_get_title (action),
                lagoon_action_get_progress (action) * 100.0);
}

static int
run_action (Context    *ctx,
            const char *title,
            const char *method,
            GVariant   *args,
            GVariant  **result)
{
  g_autoptr(LagoonAction) action = lagoon_action_new (ctx->connection, title, method, args);
  gint64 deadline = g_get_monotonic_time () + (gint64) 3600 * G_USEC_PER_SEC;

  g_signal_connect (action, "notify::progress", G_CALLBACK (on_progress), NULL);
  lagoon_action_start (action);
  while (!lagoon_action_is_finished (action) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (isatty (fileno (stderr)))
    g_printerr ("\n");

  if (lagoon_action_get_state (action) != LAGOON_ACTION_SUCCEEDED)
    {
      if (lagoon_action_get_error (action) != NULL)
        print_error (lagoon_action_get_error (action));
      else
        fail (_("%s did not finish"), title);
      return EXIT_FAILURE_;
    }
  if (result != NULL && lagoon_action_get_result (action) != NULL)
    *result = g_variant_ref (lagoon_action_get_result (action));
  return 0;
}

typedef struct
{
  const char   *command;
  LagoonClassId class_id;
  const char   *method;
  const char   *force_method;
  const char   *args_format; /* after the object's ref: "" or "bb" (start_paused, force) */
} PowerSpec;

static const PowerSpec power_specs[] = {
  { "vm-start",           LAGOON_CLASS_VM,           "VM.start",            NULL,                 "bb" },
  { "vm-shutdown",        LAGOON_CLASS_VM,           "VM.clean_shutdown",   "VM.hard_shutdown",   "" },
  { "vm-reboot",          LAGOON_CLASS_VM,           "VM.clean_reboot",     "VM.hard_reboot",     "" },
  { "vm-suspend",         LAGOON_CLASS_VM,           "VM.suspend",          NULL,                 "" },
  { "vm-resume",          LAGOON_CLASS_VM,           "VM.resume",           NULL,                 "bb" },
  { "vm-pause",           LAGOON_CLASS_VM,           "VM.pause",            NULL,                 "" },
  { "vm-unpause",         LAGOON_CLASS_VM,           "VM.unpause",          NULL,                 "" },
  { "appliance-start",    LAGOON_CLASS_VM_APPLIANCE, "VM_appliance.start",  NULL,                 "b" },
  { "appliance-shutdown", LAGOON_CLASS_VM_APPLIANCE, "VM_appliance.clean_shutdown",
    "VM_appliance.hard_shutdown", "" },
};

static int
cmd_power (Context         *ctx,
           const PowerSpec *spec)
{
  g_autoptr(GError) error = NULL;
  const LagoonRecord *rec = find_object (ctx, spec->class_id,
                                         spec->class_id == LAGOON_CLASS_VM ? is_plain_vm : NULL,
                                         &error);
  const char *method = spec->method;
  const char *ref;
  GVariant *args;
  g_autofree char *title = NULL;

  if (rec == NULL)
    {
      fail ("%s", error->message);
      return EXIT_FAILURE_;
    }
  if (has_flag (ctx, "--force"))
    {
      if (spec->force_method == NULL)
        {
          fail (_("%s has no --force"), spec->command);
          return EXIT_USAGE;
        }
      method = spec->force_method;
    }
  ref = lagoon_record_get_opaque_ref (rec);
  if (g_str_equal (spec->args_format, "bb"))
    args = g_variant_new ("(sbb)", ref, FALSE, has_flag (ctx, "--force"));
  else if (g_str_equal (spec->args_format, "b"))
    args = g_variant_new ("(sb)", ref, FALSE);
  else
    args = g_variant_new ("(s)", ref);
  title = g_strdup_printf ("%s %s", spec->command, lagoon_record_get_name (rec));
  return run_action (ctx, title, method, args, NULL);
}

static int
cmd_vm_snapshot (Context *ctx)
{
  g_autoptr(GError) error = NULL;
  const LagoonRecord *rec = find_object (ctx, LAGOON_CLASS_VM, is_plain_vm, &error);
  const char *new_name = g_hash_table_lookup (ctx->args, "new-name-label");
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) uuid = NULL;
  int ret;

  if (rec == NULL)
    {
      fail ("%s", error->message);
      return EXIT_FAILURE_;
    }
  if (new_name == NULL)
    {
      fail (_("vm-snapshot needs new-name-label="));
      return EXIT_USAGE;
    }
  ret = run_action (ctx, "vm-snapshot", "VM.snapshot",
                    g_variant_new ("(ss)", lagoon_record_get_opaque_ref (rec), new_name), &result);
  if (ret != 0)
    return ret;
  if (result == NULL || !g_variant_is_of_type (result, G_VARIANT_TYPE_STRING))
    {
      fail (_("The snapshot was taken but the server did not say which it is"));
      return EXIT_FAILURE_;
    }
  uuid = lagoon_connection_call_sync (ctx->connection, "VM.get_uuid",
                                      g_variant_new ("(s)", g_variant_get_string (result, NULL)),
                                      NULL, &error);
  if (uuid == NULL)
    {
      print_error (error);
      return EXIT_FAILURE_;
    }
  printf ("%s\n", g_variant_get_string (uuid, NULL));
  return 0;
}

/* ---- parameters ------------------------------------------------------------------------------ */

static int
cmd_vm_param_get (Context *ctx)
{
  g_autoptr(GError) error = NULL;
  const LagoonRecord *rec = find_object (ctx, LAGOON_CLASS_VM, NULL, &error);
  const char *param = g_hash_table_lookup (ctx->args, "param-name");
  const char *key = g_hash_table_lookup (ctx->args, "param-key");
  g_autofree char *field = NULL;
  int idx;

  if (rec == NULL)
    {
      fail ("%s", error->message);
      return EXIT_FAILURE_;
    }
  if (param == NULL)
    {
      fail (_("vm-param-get needs param-name="));
      return EXIT_USAGE;
    }
  field = xe_to_field (param);
  idx = lagoon_schema_find_field (lagoon_record_get_class (rec), field);
  if (idx < 0)
    {
      fail (_("unknown parameter “%s” for VM"), param);
      return EXIT_USAGE;
    }
  if (key != NULL)
    {
      const char *v;
      if (lagoon_record_get_class (rec)->fields[idx].type->kind != LAGOON_TYPE_MAP)
        {
          fail (_("%s is not a map: param-key does not apply"), param);
          return EXIT_USAGE;
        }
      v = lagoon_record_map_lookup (rec, idx, key);
      if (v == NULL)
        {
          fail (_("%s has no key “%s”"), param, key);
          return EXIT_FAILURE_;
        }
      printf ("%s\n", v);
      return 0;
    }
  {
    g_autofree char *v = format_field (ctx, rec, idx);
    printf ("%s\n", v);
  }
  return 0;
}

/* Turns an xe-style value into the field's type (sets: "a,b"; maps are set key by key). */
static GVariant *
parse_value (const LagoonType *type,
             const char       *text,
             GError          **error)
{
  /* lagoon_value_coerce does not take a floating reference: sink it here. */
  g_autoptr(GVariant) raw = NULL;

  if (type->kind == LAGOON_TYPE_SET)
    {
      g_auto(GStrv) items = g_strsplit (text, ",", -1);
      g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("av"));
      for (guint i = 0; items[i]; i++)
        if (*g_strstrip (items[i]) != '\0')
          g_variant_builder_add (&b, "v", g_variant_new_string (items[i]));
      raw = g_variant_ref_sink (g_variant_builder_end (&b));
    }
  else
    raw = g_variant_ref_sink (g_variant_new_string (text));
  return lagoon_value_coerce (type, raw, error);
}

static int
cmd_vm_param_set (Context *ctx)
{
  g_autoptr(GError) error = NULL;
  const LagoonRecord *rec = find_object (ctx, LAGOON_CLASS_VM, NULL, &error);
  const LagoonSchemaClass *klass;
  GHashTableIter iter;
  gpointer key, value;
  const char *ref;

  if (rec == NULL)
    {
      fail ("%s", error->message);
      return EXIT_FAILURE_;
    }
  klass = lagoon_record_get_class (rec);
  ref = lagoon_record_get_opaque_ref (rec);

  g_hash_table_iter_init (&iter, ctx->args);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_auto(GStrv) parts = NULL;
      g_autofree char *field = NULL;
      g_autofree char *method = NULL;
      g_autoptr(GVariant) r = NULL;
      int idx;

      if (g_str_equal (key, "uuid"))
        continue;
      /* Without uuid=, name-label= names the VM rather than renaming it. */
      if (g_str_equal (key, "name-label") && !g_hash_table_contains (ctx->args, "uuid"))
        continue;
      parts = g_strsplit (key, ":", 2);
      field = xe_to_field (parts[0]);
      idx = lagoon_schema_find_field (klass, field);
      if (idx < 0)
        {
          fail (_("unknown parameter “%s” for VM"), parts[0]);
          return EXIT_USAGE;
        }

      if (parts[1] != NULL)
        {
          /* map:key=value, as xe: remove the key if present, then add it */
          if (klass->fields[idx].type->kind != LAGOON_TYPE_MAP)
            {
              fail (_("%s is not a map"), parts[0]);
              return EXIT_USAGE;
            }
          method = g_strdup_printf ("VM.remove_from_%s", field);
          r = lagoon_connection_call_sync (ctx->connection, method,
                                           g_variant_new ("(ss)", ref, parts[1]), NULL, &error);
          if (r == NULL)
            {
              print_error (error);
              return EXIT_FAILURE_;
            }
          g_clear_pointer (&r, g_variant_unref);
          g_free (method);
          method = g_strdup_printf ("VM.add_to_%s", field);
          r = lagoon_connection_call_sync (ctx->connection, method,
                                           g_variant_new ("(sss)", ref, parts[1],
                                                          (const char *) value), NULL, &error);
        }
      else
        {
          g_autoptr(GVariant) v = parse_value (klass->fields[idx].type, value, &error);
          if (v == NULL)
            {
              fail (_("%s: %s"), parts[0], error->message);
              return EXIT_USAGE;
            }
          method = g_strdup_printf ("VM.set_%s", field);
          r = lagoon_connection_call_sync (ctx->connection, method,
                                           g_variant_new ("(s@*)", ref, v), NULL, &error);
        }
      if (r == NULL)
        {
          print_error (error);
          return EXIT_FAILURE_;
        }
    }
  return 0;
}

/* ---- tree and stats --------------------------------------------------------------------------- */

static int
cmd_tree (Context *ctx)
{
  const char *view_name = g_hash_table_lookup (ctx->args, "view");
  const char *filter = g_hash_table_lookup (ctx->args, "filter");
  g_autoptr(LagoonView) view = NULL;
  g_autofree char *text = NULL;
  LagoonViewKind kind = LAGOON_VIEW_INFRASTRUCTURE;

  if (view_name != NULL && !lagoon_view_kind_from_string (view_name, &kind))
    {
      fail (_("unknown view “%s” (infrastructure, objects, tags, folders, vapps)"), view_name);
      return EXIT_USAGE;
    }
  view = lagoon_view_new (ctx->cache, kind);
  lagoon_view_set_show_default_templates (view, has_flag (ctx, "--default-templates"));
  lagoon_view_set_filter (view, filter);
  text = lagoon_view_to_text (view);
  fputs (text, stdout);
  return fflush (stdout) == 0 ? 0 : EXIT_FAILURE_;
}

static int
cmd_stats (Context *ctx)
{
  struct rusage usage;

  if (ctx->connection != NULL)
    {
      printf ("time.login_ms: %" G_GINT64_FORMAT "\n",
              lagoon_connection_get_login_time_ms (ctx->connection));
      printf ("time.cache_ready_ms: %" G_GINT64_FORMAT "\n",
              lagoon_connection_get_ready_time_ms (ctx->connection));
      printf ("events.received: %" G_GUINT64_FORMAT "\n",
              lagoon_connection_get_events_received (ctx->connection));
      printf ("bytes.received: %" G_GUINT64_FORMAT "\n", lagoon_http_get_total_received ());
    }
  if (getrusage (RUSAGE_SELF, &usage) == 0)
    {
#ifdef __APPLE__
      printf ("rss_kb: %ld\n", (long) (usage.ru_maxrss / 1024));
#else
      printf ("rss_kb: %ld\n", (long) usage.ru_maxrss);
#endif
    }
  printf ("strings.interned: %u\n", lagoon_cache_get_n_strings (ctx->cache));
  for (guint c = 0; c < lagoon_schema_n_classes; c++)
    {
      guint n = lagoon_cache_get_n_records (ctx->cache, lagoon_schema_classes[c].id);
      if (n > 0)
        printf ("objects.%s: %u\n", lagoon_schema_classes[c].name, n);
    }
  return 0;
}

/* ---- connecting ------------------------------------------------------------------------------ */

static char *
read_password (GError **error)
{
  g_autofree char *contents = NULL;
  const char *env = g_getenv ("LAGOON_PASSWORD");
  char *nl;

  if (globals.password_file == NULL)
    return g_strdup (env ? env : "");
  if (!g_file_get_contents (globals.password_file, &contents, NULL, error))
    return NULL;
  nl = strpbrk (contents, "\r\n");
  if (nl != NULL)
    *nl = '\0';
  return g_steal_pointer (&contents);
}

static LagoonSshSession *
ssh_session_for (const char  *destination,
                 gboolean     is_target,
                 GError     **error)
{
  g_autofree char *user = NULL, *host = NULL;
  guint16 port = 0;
  g_autoptr(LagoonSshHostConfig) cfg = NULL;
  g_autoptr(LagoonSshSession) session = NULL;
  g_autoptr(LagoonSshSession) jump = NULL;

  if (!lagoon_ssh_parse_destination (destination, &user, &host, &port, error))
    return NULL;
  cfg = lagoon_ssh_config_resolve (NULL, host, error);
  if (cfg == NULL)
    return NULL;

  if (cfg->proxy_jump != NULL)
    {
      /* "a,b,c": c is reached through b, b through a. */
      g_auto(GStrv) hops = g_strsplit (cfg->proxy_jump, ",", -1);
      for (guint i = 0; hops[i]; i++)
        {
          g_autoptr(LagoonSshSession) hop = ssh_session_for (g_strstrip (hops[i]), FALSE, error);
          if (hop == NULL)
            return NULL;
          if (jump != NULL)
            lagoon_ssh_session_set_jump (hop, jump);
          g_set_object (&jump, hop);
        }
    }

  session = lagoon_ssh_session_new (cfg->hostname, port ? port : (cfg->port ? cfg->port : 22),
                                    user ? user : cfg->user);
  if (is_target && globals.identity != NULL)
    {
      const char *keys[] = { globals.identity, NULL };
      lagoon_ssh_session_set_identity_files (session, keys);
    }
  else if (cfg->identity_files->len > 0)
    {
      g_ptr_array_add (cfg->identity_files, NULL);
      lagoon_ssh_session_set_identity_files (session,
                                             (const char * const *) cfg->identity_files->pdata);
    }
  if (globals.known_hosts != NULL)
    lagoon_ssh_session_set_known_hosts_file (session, globals.known_hosts);
  lagoon_ssh_session_set_accept_new_host_key (session, globals.accept_new_host_key);
  if (jump != NULL)
    lagoon_ssh_session_set_jump (session, jump);
  return g_steal_pointer (&session);
}

static gboolean
on_accept_certificate (LagoonTcpOpener *opener,
                       const char      *host,
                       guint            port,
                       const char      *fingerprint,
                       gpointer         user_data)
{
  if (globals.accept_new_host_key)
    return TRUE;
  g_printerr (_("lagoon-cli: %s:%u presents the certificate %s, which you have not pinned. "
                "Check it, then pass --tls-fingerprint %s (or --accept-new-host-key).\n"),
              host, port, fingerprint, fingerprint);
  return FALSE;
}

static LagoonConnection *
open_connection (GError **error)
{
  g_autoptr(LagoonStreamOpener) opener = NULL;
  g_autofree char *password = read_password (error);
  g_autoptr(LagoonConnection) conn = NULL;
  const char *server = globals.server;
  guint16 port = globals.port;
  gint64 deadline;

  if (password == NULL)
    return NULL;

  if (globals.ssh != NULL)
    {
      g_autoptr(LagoonSshSession) session = ssh_session_for (globals.ssh, TRUE, error);
      if (session == NULL)
        return NULL;
      opener = LAGOON_STREAM_OPENER (lagoon_ssh_opener_new (session));
      if (server == NULL)
        server = "127.0.0.1";
      if (port == 0)
        port = 80;
    }
  else
    {
      LagoonTcpOpener *tcp = lagoon_tcp_opener_new ();
      if (server == NULL)
        {
          g_object_unref (tcp);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("No server given: use -s ADDRESS, --ssh HOST or --db FILE"));
          return NULL;
        }
      if (globals.tls && globals.tls_fingerprint != NULL)
        lagoon_tcp_opener_set_pin (tcp, server, port ? port : 443, globals.tls_fingerprint);
      g_signal_connect (tcp, "accept-certificate", G_CALLBACK (on_accept_certificate), NULL);
      opener = LAGOON_STREAM_OPENER (tcp);
    }

  conn = lagoon_connection_new (opener, server, port, globals.tls);
  lagoon_connection_set_credentials (conn, globals.user ? globals.user : "root", password);
  lagoon_connection_set_backoff (conn, 500, 2000);
  memset (password, 0, strlen (password));

  lagoon_connection_connect (conn);
  deadline = g_get_monotonic_time () + (gint64) globals.timeout_s * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    {
      LagoonConnectionState state = lagoon_connection_get_state (conn);

      if (state == LAGOON_CONNECTION_CONNECTED)
        return g_steal_pointer (&conn);
      if (state == LAGOON_CONNECTION_FAILED ||
          (state == LAGOON_CONNECTION_CONNECTING && lagoon_connection_get_error (conn) != NULL))
        break;
      g_main_context_iteration (NULL, TRUE);
    }

  if (lagoon_connection_get_error (conn) != NULL)
    g_propagate_error (error, g_error_copy (lagoon_connection_get_error (conn)));
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, _("Timed out: %s"),
                 lagoon_connection_get_status (conn));
  lagoon_connection_disconnect (conn);
  return NULL;
}

/* ---- command table and main ------------------------------------------------------------------- */

typedef enum {
  NEEDS_CACHE,      /* a live connection, or --db */
  NEEDS_CONNECTION, /* a live connection */
} Needs;

typedef struct
{
  const char *name;
  const char *summary;
  Needs       needs;
  int       (*run) (Context *ctx);
} Command;

static const Command commands[] = {
  { "tree",          N_("Print a resource tree: view=infrastructure|objects|tags|folders|vapps, "
                        "filter=TEXT, --default-templates"), NEEDS_CACHE, cmd_tree },
  { "stats",         N_("Print timings, memory and object counts"), NEEDS_CACHE, cmd_stats },
  { "vm-param-get",  N_("uuid=|name-label= param-name=P [param-key=K]"), NEEDS_CACHE,
    cmd_vm_param_get },
  { "vm-param-set",  N_("uuid=|name-label= FIELD=VALUE... MAP:KEY=VALUE..."), NEEDS_CONNECTION,
    cmd_vm_param_set },
  { "vm-snapshot",   N_("uuid=|name-label= new-name-label=NAME"), NEEDS_CONNECTION,
    cmd_vm_snapshot },
};

static void
usage (FILE *out)
{
  fprintf (out, "%s\n\n", _("Usage: lagoon-cli [-s ADDRESS] [-p PORT] [-u USER] [-pwf FILE] "
                            "[--tls [--tls-fingerprint SHA256]] [--ssh [USER@]HOST[:PORT] "
                            "[-i KEY] [--known-hosts FILE] [--accept-new-host-key]] "
                            "[--db FILE] COMMAND [ARG=VALUE...] [--minimal] [--force]"));
  fprintf (out, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (list_specs); i++)
    fprintf (out, "  %-19s %s\n", list_specs[i].command,
             _("[params=a,b|all] [FIELD=VALUE...] [--minimal]"));
  for (guint i = 0; i < G_N_ELEMENTS (power_specs); i++)
    fprintf (out, "  %-19s %s\n", power_specs[i].command,
             power_specs[i].force_method ? _("uuid=|name-label= [--force]")
                                         : _("uuid=|name-label="));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-19s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("The password is read from -pwf FILE or $LAGOON_PASSWORD."));
}

/* Parses the global options; returns the index of the command, or -1. */
static int
parse_globals (int    argc,
               char **argv)
{
  int i;

  for (i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      const char *next = i + 1 < argc ? argv[i + 1] : NULL;
      char **slot = NULL;

      if (a[0] != '-')
        return i;
      if (g_str_equal (a, "-s"))
        slot = &globals.server;
      else if (g_str_equal (a, "-u"))
        slot = &globals.user;
      else if (g_str_equal (a, "-pwf"))
        slot = &globals.password_file;
      else if (g_str_equal (a, "--ssh"))
        slot = &globals.ssh;
      else if (g_str_equal (a, "-i"))
        slot = &globals.identity;
      else if (g_str_equal (a, "--known-hosts"))
        slot = &globals.known_hosts;
      else if (g_str_equal (a, "--tls-fingerprint"))
        slot = &globals.tls_fingerprint;
      else if (g_str_equal (a, "--db"))
        slot = &globals.db;
      else if (g_str_equal (a, "--tls"))
        {
          globals.tls = TRUE;
          continue;
        }
      else if (g_str_equal (a, "--accept-new-host-key"))
        {
          globals.accept_new_host_key = TRUE;
          continue;
        }
      else if (g_str_equal (a, "-p") || g_str_equal (a, "--timeout"))
        {
          guint64 v;
          if (next == NULL || !g_ascii_string_to_unsigned (next, 10, 1, 65535, &v, NULL))
            {
              fail (_("%s needs a number"), a);
              return -1;
            }
          if (g_str_equal (a, "-p"))
            globals.port = (guint16) v;
          else
            globals.timeout_s = (guint) v;
          i++;
          continue;
        }
      else if (g_str_equal (a, "-pw"))
        {
          fail (_("passwords are not taken on the command line (other users can read it): use "
                  "-pwf FILE or $LAGOON_PASSWORD"));
          return -1;
        }
      else
        {
          fail (_("unknown option %s"), a);
          return -1;
        }
      if (next == NULL)
        {
          fail (_("%s needs a value"), a);
          return -1;
        }
      *slot = g_strdup (next);
      i++;
    }
  return i < argc ? i : -1;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GHashTable) args = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) flags = g_ptr_array_new ();
  g_autoptr(LagoonConnection) connection = NULL;
  g_autoptr(LagoonCache) offline = NULL;
  g_autoptr(GError) error = NULL;
  Context ctx = { &globals, args, flags, NULL, NULL };
  const char *name;
  const ListSpec *list = NULL;
  const PowerSpec *power = NULL;
  const Command *command = NULL;
  int first;
  int ret;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc >= 2 && g_str_equal (argv[1], "--version"))
    {
      printf ("lagoon-cli %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (argc >= 2 && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") ||
                    g_str_equal (argv[1], "help")))
    {
      usage (stdout);
      return 0;
    }

  first = parse_globals (argc, argv);
  if (first < 0)
    {
      if (argc < 2)
        usage (stderr);
      return EXIT_USAGE;
    }
  name = argv[first];

  for (int i = first + 1; i < argc; i++)
    {
      char *eq = strchr (argv[i], '=');
      if ((g_str_equal (argv[i], "--view") || g_str_equal (argv[i], "--filter") ||
           g_str_equal (argv[i], "--db")) && i + 1 < argc)
        {
          /* the tree command's long options, as in "tree --view objects --db FILE" */
          if (g_str_equal (argv[i], "--db"))
            globals.db = g_strdup (argv[i + 1]);
          else
            g_hash_table_insert (args, argv[i] + 2, argv[i + 1]);
          i++;
        }
      else if (g_str_has_prefix (argv[i], "--"))
        g_ptr_array_add (flags, argv[i]);
      else if (eq != NULL && eq != argv[i])
        {
          *eq = '\0';
          g_hash_table_insert (args, argv[i], eq + 1);
        }
      else
        {
          fail (_("unexpected argument “%s”: arguments are NAME=VALUE"), argv[i]);
          return EXIT_USAGE;
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (list_specs); i++)
    if (g_str_equal (name, list_specs[i].command))
      list = &list_specs[i];
  for (guint i = 0; i < G_N_ELEMENTS (power_specs); i++)
    if (g_str_equal (name, power_specs[i].command))
      power = &power_specs[i];
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (name, commands[i].name))
      command = &commands[i];
  if (list == NULL && power == NULL && command == NULL)
    {
      fail (_("unknown command “%s”"), name);
      usage (stderr);
      return EXIT_USAGE;
    }

  /* Usage errors first, before any connection or file is opened. */
  if (command != NULL && command->run == cmd_tree && g_hash_table_contains (args, "view"))
    {
      LagoonViewKind kind;
      if (!lagoon_view_kind_from_string (g_hash_table_lookup (args, "view"), &kind))
        {
          fail (_("unknown view “%s” (infrastructure, objects, tags, folders, vapps)"),
                (char *) g_hash_table_lookup (args, "view"));
          return EXIT_USAGE;
        }
    }

  if (globals.db != NULL)
    {
      if (power != NULL || (command != NULL && command->needs == NEEDS_CONNECTION))
        {
          fail (_("%s changes the pool: it needs a live connection, not --db"), name);
          return EXIT_USAGE;
        }
      offline = lagoon_cache_new ();
      if (!lagoon_cache_load_dump (offline, globals.db, &error))
        {
          fail ("%s", error->message);
          return EXIT_FAILURE_;
        }
      ctx.cache = offline;
    }
  else
    {
      connection = open_connection (&error);
      if (connection == NULL)
        {
          print_error (error);
          return EXIT_FAILURE_;
        }
      ctx.connection = connection;
      ctx.cache = lagoon_connection_get_cache (connection);
    }

  if (list != NULL)
    ret = cmd_list (&ctx, list);
  else if (power != NULL)
    ret = cmd_power (&ctx, power);
  else
    ret = command->run (&ctx);

  if (connection != NULL)
    lagoon_connection_disconnect (connection);
  if (fflush (stdout) != 0)
    ret = EXIT_FAILURE_;
  return ret;
}
