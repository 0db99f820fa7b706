/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-xmlrpc"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>
#include <xmlrpc-c/base.h>

#include "lagoon-transport-error.h"
#include "lagoon-xenapi-error.h"
#include "lagoon-xmlrpc.h"

static void
ensure_limits (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      /* Default 512 KiB is far too small for a pool's get_all_records. */
      xmlrpc_limit_set (XMLRPC_XML_SIZE_LIMIT_ID, LAGOON_XMLRPC_MAX_REPLY);
      xmlrpc_limit_set (XMLRPC_NESTING_LIMIT_ID, LAGOON_XMLRPC_MAX_DEPTH / 3);
      g_once_init_leave (&once, 1);
    }
}

static void
set_xmlrpc_error (GError     **error,
                  xmlrpc_env  *env,
                  const char  *what)
{
  g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
               _("%s: %s"), what, env->fault_string != NULL ? env->fault_string : "failed");
}

/* ---- GVariant -> xmlrpc_value ------------------------------------------------- */

static xmlrpc_value *
variant_to_xmlrpc (xmlrpc_env  *env,
                   GVariant    *v,
                   guint        depth,
                   GError     **error)
{
  const GVariantType *type = g_variant_get_type (v);

  if (depth > LAGOON_XMLRPC_MAX_DEPTH / 3)
    {
      g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_FAILED,
                           _("XML-RPC parameter nested too deeply"));
      return NULL;
    }

  switch (g_variant_classify (v))
    {
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      {
        gsize len;
        const char *s = g_variant_get_string (v, &len);
        return xmlrpc_string_new_lp (env, len, s);
      }
    case G_VARIANT_CLASS_INT64:
      {
        char buf[32];
        g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, g_variant_get_int64 (v));
        return xmlrpc_string_new (env, buf);
      }
    case G_VARIANT_CLASS_UINT64:
      {
        char buf[32];
        g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, g_variant_get_uint64 (v));
        return xmlrpc_string_new (env, buf);
      }
    case G_VARIANT_CLASS_UINT32:
      {
        char buf[32];
        g_snprintf (buf, sizeof buf, "%u", g_variant_get_uint32 (v));
        return xmlrpc_string_new (env, buf);
      }
    case G_VARIANT_CLASS_INT32:
      return xmlrpc_int_new (env, g_variant_get_int32 (v));
    case G_VARIANT_CLASS_INT16:
      return xmlrpc_int_new (env, g_variant_get_int16 (v));
    case G_VARIANT_CLASS_UINT16:
      return xmlrpc_int_new (env, g_variant_get_uint16 (v));
    case G_VARIANT_CLASS_BYTE:
      return xmlrpc_int_new (env, g_variant_get_byte (v));
    case G_VARIANT_CLASS_DOUBLE:
      return xmlrpc_double_new (env, g_variant_get_double (v));
    case G_VARIANT_CLASS_BOOLEAN:
      return xmlrpc_bool_new (env, g_variant_get_boolean (v));
    case G_VARIANT_CLASS_VARIANT:
      {
        g_autoptr(GVariant) inner = g_variant_get_variant (v);
        return variant_to_xmlrpc (env, inner, depth + 1, error);
      }
    case G_VARIANT_CLASS_MAYBE:
      {
        g_autoptr(GVariant) inner = g_variant_get_maybe (v);
        if (inner == NULL)
          return xmlrpc_string_new (env, "");
        return variant_to_xmlrpc (env, inner, depth + 1, error);
      }
    case G_VARIANT_CLASS_ARRAY:
      if (g_variant_type_equal (type, G_VARIANT_TYPE_BYTESTRING))
        {
          gsize len;
          const guint8 *data = g_variant_get_fixed_array (v, &len, 1);
          return xmlrpc_base64_new (env, len, data);
        }
      if (g_variant_type_is_dict_entry (g_variant_type_element (type)))
        {
          xmlrpc_value *strct = xmlrpc_struct_new (env);
          gsize n = g_variant_n_children (v);

          for (gsize i = 0; i < n && !env->fault_occurred; i++)
            {
              g_autoptr(GVariant) entry = g_variant_get_child_value (v, i);
              g_autoptr(GVariant) key = g_variant_get_child_value (entry, 0);
              g_autoptr(GVariant) value = g_variant_get_child_value (entry, 1);
              g_autofree char *key_str = NULL;
              xmlrpc_value *xv;

              if (g_variant_is_of_type (key, G_VARIANT_TYPE_STRING))
                key_str = g_variant_dup_string (key, NULL);
              else if (g_variant_is_of_type (key, G_VARIANT_TYPE_INT64))
                key_str = g_strdup_printf ("%" G_GINT64_FORMAT, g_variant_get_int64 (key));
              else if (g_variant_is_of_type (key, G_VARIANT_TYPE_INT32))
                key_str = g_strdup_printf ("%d", g_variant_get_int32 (key));
              else
                {
                  xmlrpc_DECREF (strct);
                  g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_FAILED,
                               _("Cannot send a dictionary with %s keys over XML-RPC"),
                               g_variant_get_type_string (key));
                  return NULL;
                }
              xv = variant_to_xmlrpc (env, value, depth + 1, error);
              if (xv == NULL)
                {
                  xmlrpc_DECREF (strct);
                  return NULL;
                }
              xmlrpc_struct_set_value (env, strct, key_str, xv);
              xmlrpc_DECREF (xv);
            }
          return strct;
        }
      G_GNUC_FALLTHROUGH;
    case G_VARIANT_CLASS_TUPLE:
      {
        xmlrpc_value *array = xmlrpc_array_new (env);
        gsize n = g_variant_n_children (v);

        for (gsize i = 0; i < n && !env->fault_occurred; i++)
          {
            g_autoptr(GVariant) child = g_variant_get_child_value (v, i);
            xmlrpc_value *xv = variant_to_xmlrpc (env, child, depth + 1, error);

            if (xv == NULL)
              {
                xmlrpc_DECREF (array);
                return NULL;
              }
            xmlrpc_array_append_item (env, array, xv);
            xmlrpc_DECREF (xv);
          }
        return array;
      }
    case G_VARIANT_CLASS_HANDLE:
    case G_VARIANT_CLASS_DICT_ENTRY:
    default:
      g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_FAILED,
                   _("Cannot send a value of type %s over XML-RPC"), g_variant_get_type_string (v));
      return NULL;
    }
}

GBytes *
lagoon_xmlrpc_build_call (const char  *method,
                          GVariant    *params,
                          GError     **error)
{
  xmlrpc_env env;
  xmlrpc_value *array = NULL;
  xmlrpc_mem_block *block = NULL;
  g_autoptr(GVariant) sunk_params = NULL;
  GBytes *bytes = NULL;

  g_return_val_if_fail (method != NULL, NULL);

  /* Floating parameters are consumed whatever happens. */
  if (params != NULL)
    sunk_params = g_variant_ref_sink (params);
  xmlrpc_env_init (&env);
  if (params != NULL &&
      !g_variant_is_of_type (params, G_VARIANT_TYPE_TUPLE) &&
      !g_variant_is_of_type (params, G_VARIANT_TYPE_ARRAY))
    {
      g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_FAILED,
                           _("XML-RPC parameters must be a tuple or an array"));
      goto out;
    }

  if (params != NULL)
    {
      GVariant *sunk = sunk_params;
      GError *local_error = NULL;
      gsize n = g_variant_n_children (sunk);

      array = xmlrpc_array_new (&env);
      for (gsize i = 0; i < n && !env.fault_occurred; i++)
        {
          g_autoptr(GVariant) child = g_variant_get_child_value (sunk, i);
          xmlrpc_value *xv = variant_to_xmlrpc (&env, child, 0, &local_error);

          if (xv == NULL)
            break;
          xmlrpc_array_append_item (&env, array, xv);
          xmlrpc_DECREF (xv);
        }
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          goto out;
        }
    }
  else
    array = xmlrpc_array_new (&env);

  if (env.fault_occurred)
    {
      set_xmlrpc_error (error, &env, "Could not build the XML-RPC call");
      goto out;
    }

  block = xmlrpc_mem_block_new (&env, 0);
  if (!env.fault_occurred)
    xmlrpc_serialize_call2 (&env, block, method, array, xmlrpc_dialect_i8);
  if (env.fault_occurred)
    {
      set_xmlrpc_error (error, &env, "Could not build the XML-RPC call");
      goto out;
    }
  bytes = g_bytes_new (xmlrpc_mem_block_contents (block), xmlrpc_mem_block_size (block));

out:
  if (block != NULL)
    xmlrpc_mem_block_free (block);
  if (array != NULL)
    xmlrpc_DECREF (array);
  xmlrpc_env_clean (&env);
  return bytes;
}

/* ---- xmlrpc_value -> GVariant ------------------------------------------------- */

static GVariant *
xmlrpc_to_variant (xmlrpc_env    *env,
                   xmlrpc_value  *xv,
                   guint          depth,
                   GError       **error)
{
  if (depth > LAGOON_XMLRPC_MAX_DEPTH)
    {
      g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                           _("XML-RPC value nested too deeply"));
      return NULL;
    }

  switch (xmlrpc_value_type (xv))
    {
    case XMLRPC_TYPE_INT:
      {
        int i = 0;
        xmlrpc_read_int (env, xv, &i);
        return env->fault_occurred ? NULL : g_variant_new_int64 (i);
      }
    case XMLRPC_TYPE_I8:
      {
        xmlrpc_int64 i = 0;
        xmlrpc_read_i8 (env, xv, &i);
        return env->fault_occurred ? NULL : g_variant_new_int64 (i);
      }
    case XMLRPC_TYPE_BOOL:
      {
        xmlrpc_bool b = 0;
        xmlrpc_read_bool (env, xv, &b);
        return env->fault_occurred ? NULL : g_variant_new_boolean (b != 0);
      }
    case XMLRPC_TYPE_DOUBLE:
      {
        double d = 0;
        xmlrpc_read_double (env, xv, &d);
        return env->fault_occurred ? NULL : g_variant_new_double (d);
      }
    case XMLRPC_TYPE_DATETIME:
      {
        const char *s = NULL;
        g_autofree char *canon = NULL;

        xmlrpc_read_datetime_str (env, xv, &s);
        if (env->fault_occurred)
          return NULL;
        canon = lagoon_xmlrpc_canonical_datetime (s);
        if (canon == NULL)
          {
            g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                         _("Invalid XML-RPC dateTime “%s”"), s);
            free ((void *) s);
            return NULL;
          }
        free ((void *) s);
        return g_variant_new_string (canon);
      }
    case XMLRPC_TYPE_STRING:
      {
        const char *s = NULL;
        size_t len = 0;
        GVariant *v;

        xmlrpc_read_string_lp (env, xv, &len, &s);
        if (env->fault_occurred)
          return NULL;
        if (memchr (s, '\0', len) != NULL)
          {
            free ((void *) s);
            g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                                 _("XML-RPC string contains a NUL character"));
            return NULL;
          }
        if (g_utf8_validate (s, (gssize) len, NULL))
          v = g_variant_new_string (s);
        else
          {
            g_autofree char *valid = g_utf8_make_valid (s, (gssize) len);
            v = g_variant_new_string (valid);
          }
        free ((void *) s);
        return v;
      }
    case XMLRPC_TYPE_BASE64:
      {
        const unsigned char *data = NULL;
        size_t len = 0;
        GVariant *v;

        xmlrpc_read_base64 (env, xv, &len, &data);
        if (env->fault_occurred)
          return NULL;
        v = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, len, 1);
        free ((void *) data);
        return v;
      }
    case XMLRPC_TYPE_NIL:
      return g_variant_new_string ("");
    case XMLRPC_TYPE_ARRAY:
      {
        int n = xmlrpc_array_size (env, xv);
        g_autoptr(GPtrArray) items =
          g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);

        for (int i = 0; i < n && !env->fault_occurred; i++)
          {
            xmlrpc_value *item = NULL;
            GVariant *v;

            xmlrpc_array_read_item (env, xv, (unsigned int) i, &item);
            if (env->fault_occurred)
              return NULL;
            v = xmlrpc_to_variant (env, item, depth + 1, error);
            xmlrpc_DECREF (item);
            if (v == NULL)
              return NULL;
            g_ptr_array_add (items, g_variant_ref_sink (g_variant_new_variant (v)));
          }
        if (env->fault_occurred)
          return NULL;
        return g_variant_new_array (G_VARIANT_TYPE_VARIANT, (GVariant **) items->pdata,
                                    items->len);
      }
    case XMLRPC_TYPE_STRUCT:
      {
        int n = xmlrpc_struct_size (env, xv);
        g_autoptr(GPtrArray) items =
          g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);

        for (int i = 0; i < n && !env->fault_occurred; i++)
          {
            xmlrpc_value *key = NULL, *value = NULL;
            const char *key_str = NULL;
            GVariant *v;

            xmlrpc_struct_read_member (env, xv, (unsigned int) i, &key, &value);
            if (env->fault_occurred)
              return NULL;
            xmlrpc_read_string (env, key, &key_str);
            xmlrpc_DECREF (key);
            if (env->fault_occurred)
              {
                xmlrpc_DECREF (value);
                return NULL;
              }
            v = xmlrpc_to_variant (env, value, depth + 1, error);
            xmlrpc_DECREF (value);
            if (v == NULL)
              {
                free ((void *) key_str);
                return NULL;
              }
            {
              g_autofree char *valid_key = g_utf8_make_valid (key_str, -1);
              GVariant *entry = g_variant_new_dict_entry (g_variant_new_string (valid_key),
                                                          g_variant_new_variant (v));

              g_ptr_array_add (items, g_variant_ref_sink (entry));
            }
            free ((void *) key_str);
          }
        if (env->fault_occurred)
          return NULL;
        return g_variant_new_array (G_VARIANT_TYPE ("{sv}"), (GVariant **) items->pdata,
                                    items->len);
      }
    case XMLRPC_TYPE_C_PTR:
    case XMLRPC_TYPE_DEAD:
    default:
      g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                           _("Unsupported XML-RPC value type"));
      return NULL;
    }
}

void
lagoon_xmlrpc_fault_to_error (GVariant  *fault,
                              GError   **error)
{
  g_autofree char *fault_string = NULL;
  gint64 code = 0;

  if (g_variant_is_of_type (fault, G_VARIANT_TYPE ("a{sv}")))
    {
      g_autoptr(GVariant) s = g_variant_lookup_value (fault, "faultString", NULL);
      g_autoptr(GVariant) c = g_variant_lookup_value (fault, "faultCode", NULL);

      if (s != NULL && g_variant_is_of_type (s, G_VARIANT_TYPE_STRING))
        fault_string = g_variant_dup_string (s, NULL);
      if (c != NULL && g_variant_is_of_type (c, G_VARIANT_TYPE_INT64))
        code = g_variant_get_int64 (c);
    }
  g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
               _("The server answered with an XML-RPC fault %lld: %s"), (long long) code,
               fault_string != NULL ? fault_string : "(no description)");
}

GVariant *
lagoon_xmlrpc_parse_response (const char  *data,
                              gsize        length,
                              GError     **error)
{
  xmlrpc_env env;
  xmlrpc_value *result = NULL;
  int fault_code = 0;
  const char *fault_string = NULL;
  GVariant *v = NULL;

  ensure_limits ();
  if (length > LAGOON_XMLRPC_MAX_REPLY)
    {
      g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_TOO_LARGE,
                   _("The XML-RPC reply (%llu bytes) is larger than %d bytes"),
                   (unsigned long long) length, LAGOON_XMLRPC_MAX_REPLY);
      return NULL;
    }
  /* xmlrpc-c 1.33 crashes on some invalid documents (an <i8> with trailing white space, or
   * out of range), builds and frees deep nesting recursively and expands entities: only
   * documents that the strict streaming parser accepts are handed to it. */
  {
    g_autoptr(GVariant) checked = lagoon_xmlrpc_stream_parse (data, length, NULL,
                                                              LAGOON_XMLRPC_STREAM_NO_ENVELOPE,
                                                              NULL, NULL, error);
    if (checked == NULL)
      return NULL;
  }

  xmlrpc_env_init (&env);
  xmlrpc_parse_response2 (&env, data, length, &result, &fault_code, &fault_string);
  if (env.fault_occurred)
    {
      set_xmlrpc_error (error, &env, "Malformed XML-RPC reply");
      xmlrpc_env_clean (&env);
      return NULL;
    }
  if (fault_string != NULL)
    {
      g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                   _("The server answered with an XML-RPC fault %d: %s"), fault_code, fault_string);
      free ((void *) fault_string);
      xmlrpc_env_clean (&env);
      return NULL;
    }

  {
    GError *local_error = NULL;

    v = xmlrpc_to_variant (&env, result, 0, &local_error);
    if (v == NULL)
      {
        if (local_error != NULL)
          g_propagate_error (error, local_error);
        else
          set_xmlrpc_error (error, &env, "Malformed XML-RPC reply");
      }
  }
  xmlrpc_DECREF (result);
  xmlrpc_env_clean (&env);
  return v != NULL ? g_variant_ref_sink (v) : NULL;
}

GVariant *
lagoon_xmlrpc_parse_value_fragment (const char  *data,
                                    gsize        length,
                                    GError     **error)
{
  gsize i = 0;

  while (i < length && g_ascii_isspace (data[i]))
    i++;
  if (i == length)
    return g_variant_ref_sink (g_variant_new_string (""));
  return lagoon_xmlrpc_stream_parse (data, length, NULL, LAGOON_XMLRPC_STREAM_FRAGMENT,
                                     NULL, NULL, error);
}

static char *
stringify (GVariant *v)
{
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (v);
      return stringify (inner);
    }
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    return g_variant_dup_string (v, NULL);
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    return g_strdup_printf ("%" G_GINT64_FORMAT, g_variant_get_int64 (v));
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    return g_strdup (g_variant_get_boolean (v) ? "true" : "false");
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      return g_strdup (g_ascii_dtostr (buf, sizeof buf, g_variant_get_double (v)));
    }
  return g_variant_print (v, FALSE);
}

GVariant *
lagoon_xmlrpc_unwrap_envelope (GVariant  *top,
                               GError   **error)
{
  g_autoptr(GVariant) status = NULL;
  const char *status_str;

  if (!g_variant_is_of_type (top, G_VARIANT_TYPE ("a{sv}")) ||
      (status = g_variant_lookup_value (top, "Status", G_VARIANT_TYPE_STRING)) == NULL)
    {
      g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                           _("The XML-RPC reply is not a XenAPI result (no Status)"));
      return NULL;
    }
  status_str = g_variant_get_string (status, NULL);

  if (strcmp (status_str, "Success") == 0)
    {
      GVariant *value = g_variant_lookup_value (top, "Value", NULL);

      /* A void result may come without Value. */
      if (value == NULL)
        value = g_variant_ref_sink (g_variant_new_string (""));
      return value;
    }

  if (strcmp (status_str, "Failure") == 0)
    {
      g_autoptr(GVariant) desc = g_variant_lookup_value (top, "ErrorDescription", NULL);
      g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

      if (desc != NULL && g_variant_is_of_type (desc, G_VARIANT_TYPE ("av")))
        {
          gsize n = g_variant_n_children (desc);

          for (gsize i = 0; i < n && i < 1024; i++)
            {
              g_autoptr(GVariant) child = g_variant_get_child_value (desc, i);
              g_ptr_array_add (parts, stringify (child));
            }
        }
      else if (desc != NULL)
        g_ptr_array_add (parts, stringify (desc));
      g_ptr_array_add (parts, NULL);
      g_propagate_error (error, lagoon_xenapi_error_new ((const char * const *) parts->pdata));
      return NULL;
    }

  g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
               _("The XML-RPC reply has an unknown Status “%.40s”"), status_str);
  return NULL;
}

/* ---- calls ------------------------------------------------------------------- */

static gboolean
check_status (LagoonHttpResponse  *response,
              const char          *method,
              GError             **error)
{
  guint status = lagoon_http_response_get_status (response);

  if (status == 200)
    return TRUE;
  g_set_error (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_HTTP_STATUS,
               _("The server answered the XML-RPC call %s with HTTP %u %s"), method, status,
               lagoon_http_response_get_reason (response));
  return FALSE;
}

static void
prefix_transport_error (GError     **error,
                        const char  *method)
{
  if (error != NULL && *error != NULL && (*error)->domain != LAGOON_XENAPI_ERROR &&
      !g_error_matches (*error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_HTTP_STATUS))
    g_prefix_error (error, _("%s: "), method);
}

GVariant *
lagoon_xmlrpc_call (LagoonHttpClient  *client,
                    const char        *path,
                    const char        *method,
                    GVariant          *params,
                    GCancellable      *cancellable,
                    GError           **error)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(LagoonHttpResponse) response = NULL;
  g_autoptr(GVariant) top = NULL;
  GBytes *reply;
  GVariant *value;
  gsize len;
  const char *data;

  g_return_val_if_fail (LAGOON_IS_HTTP_CLIENT (client), NULL);
  g_return_val_if_fail (method != NULL, NULL);

  body = lagoon_xmlrpc_build_call (method, params, error);
  if (body == NULL)
    return NULL;
  response = lagoon_http_client_send (client, "POST", path != NULL ? path : "/", NULL,
                                      "text/xml", body, NULL, NULL, cancellable, error);
  if (response == NULL)
    {
      prefix_transport_error (error, method);
      return NULL;
    }
  if (!check_status (response, method, error))
    return NULL;

  reply = lagoon_http_response_get_body (response);
  data = g_bytes_get_data (reply, &len);
  top = lagoon_xmlrpc_parse_response (data != NULL ? data : "", len, error);
  if (top == NULL)
    {
      prefix_transport_error (error, method);
      return NULL;
    }
  value = lagoon_xmlrpc_unwrap_envelope (top, error);
  if (value == NULL)
    prefix_transport_error (error, method);
  return value;
}

typedef struct {
  char     *path;
  char     *method;
  GVariant *params;
} CallData;

static void
call_data_free (gpointer data)
{
  CallData *d = data;

  g_free (d->path);
  g_free (d->method);
  g_clear_pointer (&d->params, g_variant_unref);
  g_free (d);
}

static void
call_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  CallData *d = task_data;
  GError *error = NULL;
  GVariant *value;

  value = lagoon_xmlrpc_call (source_object, d->path, d->method, d->params, cancellable,
                              &error);
  if (value == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, value, (GDestroyNotify) g_variant_unref);
}

void
lagoon_xmlrpc_call_async (LagoonHttpClient    *client,
                          const char          *path,
                          const char          *method,
                          GVariant            *params,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CallData *d;

  g_return_if_fail (LAGOON_IS_HTTP_CLIENT (client));
  g_return_if_fail (method != NULL);

  d = g_new0 (CallData, 1);
  d->path = g_strdup (path);
  d->method = g_strdup (method);
  d->params = params != NULL ? g_variant_ref_sink (params) : NULL;
  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, lagoon_xmlrpc_call_async);
  g_task_set_task_data (task, d, call_data_free);
  g_task_run_in_thread (task, call_thread);
}

GVariant *
lagoon_xmlrpc_call_finish (LagoonHttpClient  *client,
                           GAsyncResult      *result,
                           GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  LagoonXmlrpcStreamParser *parser;
  gboolean                  wrong_status;
} StreamSink;

static gboolean
stream_sink (LagoonHttpResponse  *response,
             const guint8        *data,
             gsize                length,
             gpointer             user_data,
             GError             **error)
{
  StreamSink *s = user_data;

  /* A non-200 reply (an HTML error page) is drained and reported by its status. */
  if (lagoon_http_response_get_status (response) != 200)
    {
      s->wrong_status = TRUE;
      return TRUE;
    }
  return lagoon_xmlrpc_stream_parser_feed (s->parser, (const char *) data, length, error);
}

GVariant *
lagoon_xmlrpc_call_streaming (LagoonHttpClient      *client,
                              const char            *path,
                              const char            *method,
                              GVariant              *params,
                              const char            *split_path,
                              LagoonXmlrpcItemFunc   func,
                              gpointer               user_data,
                              GCancellable          *cancellable,
                              GError               **error)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(LagoonHttpResponse) response = NULL;
  g_autoptr(LagoonXmlrpcStreamParser) parser = NULL;
  StreamSink sink = { NULL, FALSE };
  GVariant *value;

  g_return_val_if_fail (LAGOON_IS_HTTP_CLIENT (client), NULL);
  g_return_val_if_fail (method != NULL, NULL);

  body = lagoon_xmlrpc_build_call (method, params, error);
  if (body == NULL)
    return NULL;
  parser = lagoon_xmlrpc_stream_parser_new (split_path != NULL ? split_path : "",
                                            LAGOON_XMLRPC_STREAM_DEFAULT, func, user_data);
  sink.parser = parser;
  response = lagoon_http_client_send (client, "POST", path != NULL ? path : "/", NULL,
                                      "text/xml", body, stream_sink, &sink, cancellable, error);
  if (response == NULL)
    {
      prefix_transport_error (error, method);
      return NULL;
    }
  if (!check_status (response, method, error))
    return NULL;
  value = lagoon_xmlrpc_stream_parser_finish (parser, error);
  if (value == NULL)
    prefix_transport_error (error, method);
  return value;
}
