/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-xenapi-error"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "lagoon-xenapi-error.h"

typedef struct {
  char  *code;
  char **params;
} LagoonXenapiErrorPrivate;

static void
lagoon_xenapi_error_private_init (LagoonXenapiErrorPrivate *priv)
{
  if (priv == NULL)
    return;
  priv->code = NULL;
  priv->params = NULL;
}

static void
lagoon_xenapi_error_private_copy (const LagoonXenapiErrorPrivate *src,
                                  LagoonXenapiErrorPrivate       *dest)
{
  if (src == NULL || dest == NULL)
    return;
  dest->code = g_strdup (src->code);
  dest->params = g_strdupv (src->params);
}

static void
lagoon_xenapi_error_private_clear (LagoonXenapiErrorPrivate *priv)
{
  if (priv == NULL)
    return;
  g_clear_pointer (&priv->code, g_free);
  g_clear_pointer (&priv->params, g_strfreev);
}

G_DEFINE_EXTENDED_ERROR (LagoonXenapiError, lagoon_xenapi_error)

/* Sentences use {N} for parameter N (1-based, after the code) so that translators can
 * reorder them; a missing parameter reads as an empty string. */
typedef struct {
  LagoonXenapiError  code;
  const char        *name;
  const char        *sentence;
} ErrorInfo;

static const ErrorInfo error_infos[] = {
  { LAGOON_XENAPI_ERROR_MESSAGE_METHOD_UNKNOWN, "MESSAGE_METHOD_UNKNOWN",
    N_("The server does not know the call “{1}”. It may run an older version.") },
  { LAGOON_XENAPI_ERROR_MESSAGE_PARAMETER_COUNT_MISMATCH, "MESSAGE_PARAMETER_COUNT_MISMATCH",
    N_("The call “{1}” expects {2} parameters but received {3}.") },
  { LAGOON_XENAPI_ERROR_MESSAGE_DEPRECATED, "MESSAGE_DEPRECATED",
    N_("The server no longer supports this call.") },
  { LAGOON_XENAPI_ERROR_MESSAGE_REMOVED, "MESSAGE_REMOVED",
    N_("The server no longer supports this call.") },
  { LAGOON_XENAPI_ERROR_SESSION_AUTHENTICATION_FAILED, "SESSION_AUTHENTICATION_FAILED",
    N_("The user name or password is incorrect.") },
  { LAGOON_XENAPI_ERROR_SESSION_AUTHORIZATION_FAILED, "SESSION_AUTHORIZATION_FAILED",
    N_("The user “{1}” is not allowed to log in: {2}") },
  { LAGOON_XENAPI_ERROR_SESSION_INVALID, "SESSION_INVALID",
    N_("The session has expired or was logged out.") },
  { LAGOON_XENAPI_ERROR_SESSION_NOT_REGISTERED, "SESSION_NOT_REGISTERED",
    N_("The session is not registered for events.") },
  { LAGOON_XENAPI_ERROR_HOST_IS_SLAVE, "HOST_IS_SLAVE",
    N_("This host is a pool member; the pool coordinator is at {1}.") },
  { LAGOON_XENAPI_ERROR_HOST_STILL_BOOTING, "HOST_STILL_BOOTING",
    N_("The host is still starting up. Try again in a moment.") },
  { LAGOON_XENAPI_ERROR_RBAC_PERMISSION_DENIED, "RBAC_PERMISSION_DENIED",
    N_("Your role does not allow this operation ({1}): {2}") },
  { LAGOON_XENAPI_ERROR_PERMISSION_DENIED, "PERMISSION_DENIED",
    N_("Permission denied: {1}") },
  { LAGOON_XENAPI_ERROR_INTERNAL_ERROR, "INTERNAL_ERROR",
    N_("The server had an internal error: {1}") },
  { LAGOON_XENAPI_ERROR_NOT_IMPLEMENTED, "NOT_IMPLEMENTED",
    N_("The server does not implement “{1}”.") },
  { LAGOON_XENAPI_ERROR_TOO_MANY_PENDING_TASKS, "TOO_MANY_PENDING_TASKS",
    N_("The server has too many pending tasks. Try again later.") },
  { LAGOON_XENAPI_ERROR_HANDLE_INVALID, "HANDLE_INVALID",
    N_("The {1} object no longer exists ({2}).") },
  { LAGOON_XENAPI_ERROR_UUID_INVALID, "UUID_INVALID",
    N_("No {1} object has the UUID {2}.") },
  { LAGOON_XENAPI_ERROR_FIELD_TYPE_ERROR, "FIELD_TYPE_ERROR",
    N_("The field “{1}” has the wrong type.") },
  { LAGOON_XENAPI_ERROR_INVALID_VALUE, "INVALID_VALUE",
    N_("The value “{2}” is not valid for “{1}”.") },
  { LAGOON_XENAPI_ERROR_VALUE_NOT_SUPPORTED, "VALUE_NOT_SUPPORTED",
    N_("The value “{2}” is not supported for “{1}”: {3}") },
  { LAGOON_XENAPI_ERROR_MAP_DUPLICATE_KEY, "MAP_DUPLICATE_KEY",
    N_("The key “{4}” already exists in “{2}”.") },
  { LAGOON_XENAPI_ERROR_OPERATION_NOT_ALLOWED, "OPERATION_NOT_ALLOWED",
    N_("The operation is not allowed: {1}") },
  { LAGOON_XENAPI_ERROR_OTHER_OPERATION_IN_PROGRESS, "OTHER_OPERATION_IN_PROGRESS",
    N_("Another operation ({3}) is in progress on this {1}. Wait for it to finish.") },
  { LAGOON_XENAPI_ERROR_OPERATION_BLOCKED, "OPERATION_BLOCKED",
    N_("The operation has been blocked on this object ({2}).") },
  { LAGOON_XENAPI_ERROR_OPERATION_PARTIALLY_FAILED, "OPERATION_PARTIALLY_FAILED",
    N_("The operation “{1}” failed for some of its objects.") },
  { LAGOON_XENAPI_ERROR_TASK_CANCELLED, "TASK_CANCELLED",
    N_("The task was cancelled.") },
  { LAGOON_XENAPI_ERROR_LICENCE_RESTRICTION, "LICENCE_RESTRICTION",
    N_("The license of this pool does not allow “{1}”.") },
  { LAGOON_XENAPI_ERROR_EVENTS_LOST, "EVENTS_LOST",
    N_("Some events were lost; the view must be reloaded.") },
  { LAGOON_XENAPI_ERROR_EVENT_FROM_TOKEN_PARSE_FAILURE, "EVENT_FROM_TOKEN_PARSE_FAILURE",
    N_("The server did not understand the event token “{1}”.") },
  { LAGOON_XENAPI_ERROR_EVENT_SUBSCRIPTION_PARSE_FAILURE, "EVENT_SUBSCRIPTION_PARSE_FAILURE",
    N_("The server did not understand the event subscription “{1}”.") },
  { LAGOON_XENAPI_ERROR_VM_BAD_POWER_STATE, "VM_BAD_POWER_STATE",
    N_("The VM must be {2} for this operation, but it is {3}.") },
  { LAGOON_XENAPI_ERROR_VM_IS_TEMPLATE, "VM_IS_TEMPLATE",
    N_("This operation cannot be performed on a template.") },
  { LAGOON_XENAPI_ERROR_VM_IS_SNAPSHOT, "VM_IS_SNAPSHOT",
    N_("The operation “{2}” cannot be performed on a snapshot.") },
  { LAGOON_XENAPI_ERROR_VM_REQUIRES_SR, "VM_REQUIRES_SR",
    N_("The VM needs a storage repository ({2}) that this host cannot see.") },
  { LAGOON_XENAPI_ERROR_VM_REQUIRES_NETWORK, "VM_REQUIRES_NETWORK",
    N_("The VM needs a network ({2}) that this host cannot reach.") },
  { LAGOON_XENAPI_ERROR_VM_MISSING_PV_DRIVERS, "VM_MISSING_PV_DRIVERS",
    N_("The VM does not have its guest tools installed.") },
  { LAGOON_XENAPI_ERROR_VM_SHUTDOWN_TIMEOUT, "VM_SHUTDOWN_TIMEOUT",
    N_("The VM did not shut down within {2} seconds.") },
  { LAGOON_XENAPI_ERROR_VM_IS_PART_OF_AN_APPLIANCE, "VM_IS_PART_OF_AN_APPLIANCE",
    N_("The VM belongs to a vApp ({2}); use the vApp instead.") },
  { LAGOON_XENAPI_ERROR_VM_MIGRATE_FAILED, "VM_MIGRATE_FAILED",
    N_("Migrating the VM failed: {4}") },
  { LAGOON_XENAPI_ERROR_VM_NO_SUSPEND_SR, "VM_NO_SUSPEND_SR",
    N_("There is no storage repository to hold the suspended VM's memory.") },
  { LAGOON_XENAPI_ERROR_VM_REVERT_FAILED, "VM_REVERT_FAILED",
    N_("Reverting the VM to its snapshot failed.") },
  { LAGOON_XENAPI_ERROR_VM_CANNOT_DELETE_DEFAULT_TEMPLATE, "VM_CANNOT_DELETE_DEFAULT_TEMPLATE",
    N_("A default template cannot be deleted.") },
  { LAGOON_XENAPI_ERROR_VM_NOT_RESIDENT_HERE, "VM_NOT_RESIDENT_HERE",
    N_("The VM is not running on this host.") },
  { LAGOON_XENAPI_ERROR_BOOTLOADER_FAILED, "BOOTLOADER_FAILED",
    N_("The VM's boot loader failed: {2}") },
  { LAGOON_XENAPI_ERROR_NO_HOSTS_AVAILABLE, "NO_HOSTS_AVAILABLE",
    N_("No host in the pool can run this VM.") },
  { LAGOON_XENAPI_ERROR_HOST_NOT_ENOUGH_FREE_MEMORY, "HOST_NOT_ENOUGH_FREE_MEMORY",
    N_("The host does not have enough free memory: {1} bytes are needed, {2} bytes are free.") },
  { LAGOON_XENAPI_ERROR_HOST_OFFLINE, "HOST_OFFLINE",
    N_("The host is offline.") },
  { LAGOON_XENAPI_ERROR_HOST_DISABLED, "HOST_DISABLED",
    N_("The host is disabled (in maintenance mode).") },
  { LAGOON_XENAPI_ERROR_HOST_HAS_RESIDENT_VMS, "HOST_HAS_RESIDENT_VMS",
    N_("The host still has VMs running on it.") },
  { LAGOON_XENAPI_ERROR_CANNOT_CONTACT_HOST, "CANNOT_CONTACT_HOST",
    N_("The pool coordinator cannot contact the host.") },
  { LAGOON_XENAPI_ERROR_HA_IS_ENABLED, "HA_IS_ENABLED",
    N_("This operation cannot be performed while high availability is enabled.") },
  { LAGOON_XENAPI_ERROR_SR_FULL, "SR_FULL",
    N_("The storage repository is full: {1} bytes were requested, "
       "at most {2} bytes are available.") },
  { LAGOON_XENAPI_ERROR_SR_HAS_PBD, "SR_HAS_PBD",
    N_("The storage repository is still attached to a host.") },
  { LAGOON_XENAPI_ERROR_SR_NOT_EMPTY, "SR_NOT_EMPTY",
    N_("The storage repository is not empty.") },
  { LAGOON_XENAPI_ERROR_SR_BACKEND_FAILURE, "SR_BACKEND_FAILURE",
    N_("The storage back end failed: {2} {3}") },
  { LAGOON_XENAPI_ERROR_SR_OPERATION_NOT_SUPPORTED, "SR_OPERATION_NOT_SUPPORTED",
    N_("The storage repository does not support this operation.") },
  { LAGOON_XENAPI_ERROR_VDI_IN_USE, "VDI_IN_USE",
    N_("The virtual disk is in use ({2}).") },
  { LAGOON_XENAPI_ERROR_VDI_READONLY, "VDI_READONLY",
    N_("The virtual disk is read-only.") },
  { LAGOON_XENAPI_ERROR_VDI_MISSING, "VDI_MISSING",
    N_("The virtual disk is missing from its storage repository.") },
  { LAGOON_XENAPI_ERROR_VBD_NOT_EMPTY, "VBD_NOT_EMPTY",
    N_("The drive is not empty.") },
  { LAGOON_XENAPI_ERROR_VBD_IS_EMPTY, "VBD_IS_EMPTY",
    N_("The drive is empty.") },
  { LAGOON_XENAPI_ERROR_DEVICE_ALREADY_ATTACHED, "DEVICE_ALREADY_ATTACHED",
    N_("The device is already attached.") },
  { LAGOON_XENAPI_ERROR_DEVICE_ALREADY_DETACHED, "DEVICE_ALREADY_DETACHED",
    N_("The device is already detached.") },
  { LAGOON_XENAPI_ERROR_PIF_IS_MANAGEMENT_INTERFACE, "PIF_IS_MANAGEMENT_INTERFACE",
    N_("The network interface is the host's management interface.") },
  { LAGOON_XENAPI_ERROR_NETWORK_CONTAINS_VIF, "NETWORK_CONTAINS_VIF",
    N_("The network still has virtual interfaces connected.") },
  { LAGOON_XENAPI_ERROR_VIF_IN_USE, "VIF_IN_USE",
    N_("The virtual interface is in use.") },
};

static const ErrorInfo *
find_info_by_name (const char *code)
{
  if (code == NULL)
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (error_infos); i++)
    if (strcmp (error_infos[i].name, code) == 0)
      return &error_infos[i];
  return NULL;
}

LagoonXenapiError
lagoon_xenapi_error_code_from_string (const char *code)
{
  const ErrorInfo *info = find_info_by_name (code);

  return info != NULL ? info->code : LAGOON_XENAPI_ERROR_OTHER;
}

GError *
lagoon_xenapi_error_new (const char * const *description)
{
  const char *code = NULL;
  g_autoptr(GString) message = NULL;
  LagoonXenapiErrorPrivate *priv;
  GError *error;

  if (description != NULL && description[0] != NULL && description[0][0] != '\0')
    code = description[0];
  else
    code = "UNKNOWN_ERROR";

  message = g_string_new (code);
  if (description != NULL && description[0] != NULL)
    {
      for (gsize i = 1; description[i] != NULL; i++)
        {
          g_string_append (message, i == 1 ? ": " : ", ");
          g_string_append (message, description[i]);
        }
    }

  error = g_error_new_literal (LAGOON_XENAPI_ERROR,
                               lagoon_xenapi_error_code_from_string (code),
                               message->str);
  priv = lagoon_xenapi_error_get_private (error);
  if (priv != NULL)
    {
      priv->code = g_strdup (code);
      if (description != NULL && description[0] != NULL)
        priv->params = g_strdupv ((char **) description + 1);
      else
        priv->params = g_new0 (char *, 1);
    }
  return error;
}

const char *
lagoon_xenapi_error_get_code_string (const GError *error)
{
  LagoonXenapiErrorPrivate *priv;

  if (error == NULL || error->domain != LAGOON_XENAPI_ERROR)
    return NULL;
  priv = lagoon_xenapi_error_get_private (error);
  return priv != NULL && priv->code != NULL ? priv->code : "UNKNOWN_ERROR";
}

const char * const *
lagoon_xenapi_error_get_params (const GError *error)
{
  static const char * const empty[] = { NULL };
  LagoonXenapiErrorPrivate *priv;

  if (error == NULL || error->domain != LAGOON_XENAPI_ERROR)
    return NULL;
  priv = lagoon_xenapi_error_get_private (error);
  if (priv == NULL || priv->params == NULL)
    return empty;
  return (const char * const *) priv->params;
}

const char *
lagoon_xenapi_error_get_param (const GError *error,
                               guint         index)
{
  const char * const *params = lagoon_xenapi_error_get_params (error);

  if (params == NULL)
    return NULL;
  for (guint i = 0; params[i] != NULL; i++)
    if (i == index)
      return params[i];
  return NULL;
}

static char *
substitute (const char         *sentence,
            const char * const *params)
{
  GString *out = g_string_new (NULL);
  const char *p = sentence;

  while (*p != '\0')
    {
      if (p[0] == '{' && g_ascii_isdigit (p[1]))
        {
          const char *q = p + 1;
          guint n = 0;

          while (g_ascii_isdigit (*q) && n < 1000)
            n = n * 10 + (guint) (*q++ - '0');
          if (*q == '}' && n >= 1)
            {
              guint count = params != NULL ? g_strv_length ((char **) params) : 0;

              if (n <= count)
                g_string_append (out, params[n - 1]);
              p = q + 1;
              continue;
            }
        }
      g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

char *
lagoon_xenapi_error_describe (const GError *error)
{
  const char *code;
  const char * const *params;
  const ErrorInfo *info;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != LAGOON_XENAPI_ERROR)
    return g_strdup (error->message);

  code = lagoon_xenapi_error_get_code_string (error);
  params = lagoon_xenapi_error_get_params (error);
  info = find_info_by_name (code);
  if (info != NULL)
    return substitute (g_dgettext (GETTEXT_PACKAGE, info->sentence), params);

  if (params != NULL && params[0] != NULL)
    {
      g_autofree char *joined = g_strjoinv (", ", (char **) params);
      /* Translators: an error code the client does not know, then its parameters. */
      return g_strdup_printf (_("The server reported the error %s (%s)."), code, joined);
    }
  /* Translators: an error code the client does not know. */
  return g_strdup_printf (_("The server reported the error %s."), code);
}
