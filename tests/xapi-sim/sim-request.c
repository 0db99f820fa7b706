/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "xapi-sim"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <expat.h>
#include <json-glib/json-glib.h>

#include "sim-request.h"

#define MAX_DEPTH 256

G_DEFINE_QUARK (sim-request-error-quark, sim_request_error)

void
sim_request_free (SimRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->method);
  g_clear_pointer (&request->params, g_variant_unref);
  g_free (request->json_id);
  g_free (request);
}

/* ---- XML-RPC --------------------------------------------------------------------------- */

typedef enum {
  F_ROOT,
  F_METHOD_CALL,
  F_METHOD_NAME,
  F_PARAMS,
  F_PARAM,
  F_VALUE,
  F_SCALAR,
  F_NIL,
  F_ARRAY,
  F_DATA,
  F_STRUCT,
  F_MEMBER,
  F_NAME,
} FrameKind;

typedef enum {
  S_STRING,
  S_INT,
  S_DOUBLE,
  S_BOOL,
  S_DATETIME,
  S_BASE64,
} ScalarKind;

typedef struct
{
  FrameKind   kind;
  ScalarKind  scalar;
  GString    *text;
  GVariant   *result;  /* VALUE, PARAM, MEMBER, ARRAY (from DATA): one full reference */
  GPtrArray  *items;   /* DATA, PARAMS: GVariant full refs; STRUCT: alternating names/values */
  char       *name;    /* MEMBER */
} Frame;

typedef struct
{
  XML_Parser  parser;
  GPtrArray  *stack;   /* Frame */
  char       *method;
  GVariant   *params;
  char       *error;
} XmlState;

static void
frame_free (gpointer data)
{
  Frame *f = data;

  if (f->text != NULL)
    g_string_free (f->text, TRUE);
  g_clear_pointer (&f->result, g_variant_unref);
  if (f->kind == F_STRUCT && f->items != NULL)
    for (guint i = 0; i < f->items->len; i++)
      {
        if (i % 2 == 0)
          g_free (g_ptr_array_index (f->items, i));
        else
          g_variant_unref (g_ptr_array_index (f->items, i));
      }
  g_clear_pointer (&f->items, g_ptr_array_unref);
  g_free (f->name);
  g_free (f);
}

static void
xml_fail (XmlState   *st,
          const char *message)
{
  if (st->error == NULL)
    st->error = g_strdup (message);
  XML_StopParser (st->parser, XML_FALSE);
}

static Frame *
top (XmlState *st)
{
  return g_ptr_array_index (st->stack, st->stack->len - 1);
}

static gboolean
only_space (const char *s,
            gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace (s[i]))
      return FALSE;
  return TRUE;
}

static Frame *
push_frame (XmlState  *st,
            FrameKind  kind)
{
  Frame *f = g_new0 (Frame, 1);

  f->kind = kind;
  g_ptr_array_add (st->stack, f);
  return f;
}

static void
on_start (void        *user_data,
          const char  *name,
          const char **attrs)
{
  XmlState *st = user_data;
  Frame *parent;
  Frame *f;

  if (st->error != NULL)
    return;
  if (st->stack->len >= MAX_DEPTH)
    {
      xml_fail (st, "nesting too deep");
      return;
    }
  parent = top (st);

  switch (parent->kind)
    {
    case F_ROOT:
      if (!g_str_equal (name, "methodCall") || st->method != NULL || st->params != NULL)
        goto unexpected;
      push_frame (st, F_METHOD_CALL);
      return;

    case F_METHOD_CALL:
      if (g_str_equal (name, "methodName"))
        {
          f = push_frame (st, F_METHOD_NAME);
          f->text = g_string_new (NULL);
        }
      else if (g_str_equal (name, "params"))
        {
          f = push_frame (st, F_PARAMS);
          f->items = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
        }
      else
        goto unexpected;
      return;

    case F_PARAMS:
      if (!g_str_equal (name, "param"))
        goto unexpected;
      push_frame (st, F_PARAM);
      return;

    case F_PARAM:
    case F_DATA:
      if (!g_str_equal (name, "value") || (parent->kind == F_PARAM && parent->result != NULL))
        goto unexpected;
      f = push_frame (st, F_VALUE);
      f->text = g_string_new (NULL);
      return;

    case F_MEMBER:
      if (g_str_equal (name, "name") && parent->name == NULL)
        {
          f = push_frame (st, F_NAME);
          f->text = g_string_new (NULL);
        }
      else if (g_str_equal (name, "value") && parent->result == NULL)
        {
          f = push_frame (st, F_VALUE);
          f->text = g_string_new (NULL);
        }
      else
        goto unexpected;
      return;

    case F_VALUE:
      {
        static const struct { const char *tag; ScalarKind kind; } scalars[] = {
          { "string", S_STRING }, { "int", S_INT }, { "i4", S_INT }, { "i8", S_INT },
          { "double", S_DOUBLE }, { "boolean", S_BOOL }, { "dateTime.iso8601", S_DATETIME },
          { "base64", S_BASE64 },
        };

        if (parent->result != NULL || !only_space (parent->text->str, parent->text->len))
          goto unexpected;
        for (guint i = 0; i < G_N_ELEMENTS (scalars); i++)
          if (g_str_equal (name, scalars[i].tag))
            {
              f = push_frame (st, F_SCALAR);
              f->scalar = scalars[i].kind;
              f->text = g_string_new (NULL);
              return;
            }
        if (g_str_equal (name, "nil"))
          push_frame (st, F_NIL);
        else if (g_str_equal (name, "array"))
          push_frame (st, F_ARRAY);
        else if (g_str_equal (name, "struct"))
          {
            f = push_frame (st, F_STRUCT);
            f->items = g_ptr_array_new ();
          }
        else
          goto unexpected;
        return;
      }

    case F_ARRAY:
      if (!g_str_equal (name, "data") || parent->result != NULL)
        goto unexpected;
      f = push_frame (st, F_DATA);
      f->items = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
      return;

    case F_STRUCT:
      if (!g_str_equal (name, "member"))
        goto unexpected;
      push_frame (st, F_MEMBER);
      return;

    default:
      goto unexpected;
    }

unexpected:
  {
    g_autofree char *msg = g_strdup_printf ("unexpected element <%.40s>", name);
    xml_fail (st, msg);
  }
}

static void
on_text (void       *user_data,
         const char *s,
         int         len)
{
  XmlState *st = user_data;
  Frame *f;

  if (st->error != NULL || st->stack->len == 0)
    return;
  f = top (st);
  if (f->text != NULL)
    {
      if (f->kind == F_VALUE && f->result != NULL)
        {
          if (!only_space (s, len))
            xml_fail (st, "text after a typed value");
          return;
        }
      g_string_append_len (f->text, s, len);
    }
  else if (!only_space (s, len))
    xml_fail (st, "unexpected text");
}

static GVariant *
scalar_value (Frame   *f,
              char   **error)
{
  g_autofree char *text = g_strstrip (g_strdup (f->text->str));

  switch (f->scalar)
    {
    case S_STRING:
      return g_variant_new_string (f->text->str);

    case S_DATETIME:
      return g_variant_new_string (text);

    case S_INT:
      {
        char *end = NULL;
        gint64 v;

        errno = 0;
        v = g_ascii_strtoll (text, &end, 10);
        if (*text == '\0' || *end != '\0' || errno != 0)
          break;
        return g_variant_new_int64 (v);
      }

    case S_DOUBLE:
      {
        char *end = NULL;
        double v = g_ascii_strtod (text, &end);

        if (*text == '\0' || *end != '\0')
          break;
        return g_variant_new_double (v);
      }

    case S_BOOL:
      if (g_str_equal (text, "1") || g_ascii_strcasecmp (text, "true") == 0)
        return g_variant_new_boolean (TRUE);
      if (g_str_equal (text, "0") || g_ascii_strcasecmp (text, "false") == 0)
        return g_variant_new_boolean (FALSE);
      break;

    case S_BASE64:
      {
        gsize len = 0;
        g_autofree guchar *raw = g_base64_decode (text, &len);

        if (raw != NULL && g_utf8_validate ((const char *) raw, len, NULL) &&
            memchr (raw, 0, len) == NULL)
          return g_variant_new_string (len > 0 ? (const char *) raw : "");
        return g_variant_new_string (text);
      }

    default:
      break;
    }

  *error = g_strdup_printf ("bad scalar value “%.40s”", text);
  return NULL;
}

/* Gives @v (a full reference, consumed) to the frame under the top one. */
static void
deliver (XmlState *st,
         GVariant *v)
{
  Frame *parent = top (st);

  switch (parent->kind)
    {
    case F_VALUE:
    case F_PARAM:
    case F_MEMBER:
      if (parent->result != NULL)
        {
          g_variant_unref (v);
          xml_fail (st, "two values");
          return;
        }
      parent->result = v;
      break;

    case F_DATA:
      g_ptr_array_add (parent->items, v);
      break;

    default:
      g_variant_unref (v);
      xml_fail (st, "misplaced value");
      break;
    }
}

static void
on_end (void       *user_data,
        const char *name)
{
  XmlState *st = user_data;
  Frame *f;

  if (st->error != NULL || st->stack->len <= 1)
    return;
  f = g_ptr_array_steal_index (st->stack, st->stack->len - 1);

  switch (f->kind)
    {
    case F_METHOD_NAME:
      {
        if (st->method != NULL)
          xml_fail (st, "two method names");
        else
          st->method = g_strstrip (g_strdup (f->text->str));
        break;
      }

    case F_PARAMS:
      {
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("av"));

        for (guint i = 0; i < f->items->len; i++)
          g_variant_builder_add (&b, "v", g_ptr_array_index (f->items, i));
        if (st->params != NULL)
          xml_fail (st, "two parameter lists");
        else
          st->params = g_variant_ref_sink (g_variant_builder_end (&b));
        break;
      }

    case F_PARAM:
      {
        Frame *parent = top (st);

        if (f->result == NULL)
          xml_fail (st, "empty param");
        else
          g_ptr_array_add (parent->items, g_steal_pointer (&f->result));
        break;
      }

    case F_VALUE:
      {
        GVariant *v = f->result != NULL ? g_steal_pointer (&f->result)
                                        : g_variant_ref_sink (g_variant_new_string (f->text->str));
        deliver (st, v);
        break;
      }

    case F_SCALAR:
      {
        g_autofree char *error = NULL;
        GVariant *v = scalar_value (f, &error);

        if (v == NULL)
          xml_fail (st, error);
        else
          deliver (st, g_variant_ref_sink (v));
        break;
      }

    case F_NIL:
      deliver (st, g_variant_ref_sink (g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL)));
      break;

    case F_DATA:
      {
        Frame *parent = top (st);
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("av"));

        for (guint i = 0; i < f->items->len; i++)
          g_variant_builder_add (&b, "v", g_ptr_array_index (f->items, i));
        parent->result = g_variant_ref_sink (g_variant_builder_end (&b));
        break;
      }

    case F_ARRAY:
      if (f->result == NULL)
        xml_fail (st, "array without data");
      else
        deliver (st, g_steal_pointer (&f->result));
      break;

    case F_STRUCT:
      {
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
        g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

        for (guint i = 0; i + 1 < f->items->len; i += 2)
          {
            const char *key = g_ptr_array_index (f->items, i);
            GVariant *val = g_ptr_array_index (f->items, i + 1);

            if (g_hash_table_add (seen, (gpointer) key))
              g_variant_builder_add (&b, "{sv}", key, val);
          }
        for (guint i = 0; i + 1 < f->items->len; i += 2)
          {
            g_free (g_ptr_array_index (f->items, i));
            g_variant_unref (g_ptr_array_index (f->items, i + 1));
          }
        g_ptr_array_set_size (f->items, 0);
        deliver (st, g_variant_ref_sink (g_variant_builder_end (&b)));
        break;
      }

    case F_MEMBER:
      {
        Frame *parent = top (st);

        if (f->name == NULL || f->result == NULL)
          xml_fail (st, "incomplete struct member");
        else
          {
            g_ptr_array_add (parent->items, g_steal_pointer (&f->name));
            g_ptr_array_add (parent->items, g_steal_pointer (&f->result));
          }
        break;
      }

    case F_NAME:
      {
        Frame *parent = top (st);
        parent->name = g_strdup (f->text->str);
        break;
      }

    default:
      break;
    }

  frame_free (f);
}

static void
on_doctype (void           *user_data,
            const XML_Char *name,
            const XML_Char *sysid,
            const XML_Char *pubid,
            int             has_internal_subset)
{
  xml_fail (user_data, "DOCTYPE is not allowed");
}

static void
on_entity (void           *user_data,
           const XML_Char *name,
           int             is_parameter_entity,
           const XML_Char *value,
           int             value_length,
           const XML_Char *base,
           const XML_Char *system_id,
           const XML_Char *public_id,
           const XML_Char *notation_name)
{
  xml_fail (user_data, "entities are not allowed");
}

SimRequest *
sim_request_parse_xml (const char *data,
                       gsize       len,
                       GError    **error)
{
  XmlState st = { 0 };
  SimRequest *request = NULL;
  enum XML_Status status;

  if (len > G_MAXINT)
    {
      g_set_error (error, SIM_REQUEST_ERROR, SIM_REQUEST_ERROR_PARSE, "request too large");
      return NULL;
    }

  st.parser = XML_ParserCreate ("UTF-8");
  st.stack = g_ptr_array_new_with_free_func (frame_free);
  push_frame (&st, F_ROOT);
  XML_SetUserData (st.parser, &st);
  XML_SetElementHandler (st.parser, on_start, on_end);
  XML_SetCharacterDataHandler (st.parser, on_text);
  XML_SetStartDoctypeDeclHandler (st.parser, on_doctype);
  XML_SetEntityDeclHandler (st.parser, on_entity);

  status = XML_Parse (st.parser, data, (int) len, XML_TRUE);
  if (status != XML_STATUS_OK && st.error == NULL)
    st.error = g_strdup_printf ("line %lu: %s",
                                (unsigned long) XML_GetCurrentLineNumber (st.parser),
                                XML_ErrorString (XML_GetErrorCode (st.parser)));
  if (st.error == NULL && (st.method == NULL || *st.method == '\0'))
    st.error = g_strdup ("no methodName");

  if (st.error != NULL)
    g_set_error (error, SIM_REQUEST_ERROR, SIM_REQUEST_ERROR_PARSE, "%s", st.error);
  else
    {
      request = g_new0 (SimRequest, 1);
      request->method = g_steal_pointer (&st.method);
      request->params = st.params != NULL
        ? g_steal_pointer (&st.params)
        : g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE_VARIANT, NULL, 0));
    }

  XML_ParserFree (st.parser);
  g_ptr_array_unref (st.stack);
  g_free (st.method);
  g_clear_pointer (&st.params, g_variant_unref);
  g_free (st.error);
  return request;
}

/* ---- JSON-RPC -------------------------------------------------------------------------- */

/* json-glib parses recursively: refuse deep nesting before handing it the text. */
static gboolean
json_depth_ok (const char *data,
               gsize       len)
{
  gboolean in_string = FALSE;
  int depth = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > MAX_DEPTH)
            return FALSE;
        }
      else if (c == ']' || c == '}')
        depth--;
    }
  return TRUE;
}

static GVariant *
json_to_variant (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_NULL:
      return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);

    case JSON_NODE_VALUE:
      {
        GType t = json_node_get_value_type (node);

        if (t == G_TYPE_INT64)
          return g_variant_new_int64 (json_node_get_int (node));
        if (t == G_TYPE_DOUBLE)
          return g_variant_new_double (json_node_get_double (node));
        if (t == G_TYPE_BOOLEAN)
          return g_variant_new_boolean (json_node_get_boolean (node));
        if (t == G_TYPE_STRING)
          return g_variant_new_string (json_node_get_string (node));
        return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);
      }

    case JSON_NODE_ARRAY:
      {
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("av"));
        JsonArray *a = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (a); i++)
          g_variant_builder_add (&b, "v", json_to_variant (json_array_get_element (a, i)));
        return g_variant_builder_end (&b);
      }

    case JSON_NODE_OBJECT:
      {
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
        JsonObject *o = json_node_get_object (node);
        JsonObjectIter iter;
        const char *key;
        JsonNode *member;

        json_object_iter_init (&iter, o);
        while (json_object_iter_next (&iter, &key, &member))
          g_variant_builder_add (&b, "{sv}", key, json_to_variant (member));
        return g_variant_builder_end (&b);
      }

    default:
      return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);
    }
}

SimRequest *
sim_request_parse_json (const char *data,
                        gsize       len,
                        GError    **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SimRequest) request = NULL;
  JsonObject *root;
  JsonNode *method, *params, *id, *version;

  if (len > G_MAXSSIZE || !json_depth_ok (data, len) || memchr (data, '\0', len) != NULL)
    {
      g_set_error (error, SIM_REQUEST_ERROR, SIM_REQUEST_ERROR_PARSE, "malformed JSON");
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local_error))
    {
      g_set_error (error, SIM_REQUEST_ERROR, SIM_REQUEST_ERROR_PARSE, "malformed JSON: %s",
                   local_error->message);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    goto bad;
  root = json_node_get_object (json_parser_get_root (parser));

  request = g_new0 (SimRequest, 1);
  request->json = TRUE;
  request->json_version = 1;

  version = json_object_get_member (root, "jsonrpc");
  if (version != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (version) || json_node_get_value_type (version) != G_TYPE_STRING ||
          !g_str_equal (json_node_get_string (version), "2.0"))
        goto bad;
      request->json_version = 2;
    }

  method = json_object_get_member (root, "method");
  if (method == NULL || !JSON_NODE_HOLDS_VALUE (method) ||
      json_node_get_value_type (method) != G_TYPE_STRING)
    goto bad;
  request->method = g_strdup (json_node_get_string (method));

  params = json_object_get_member (root, "params");
  if (params != NULL && JSON_NODE_HOLDS_ARRAY (params))
    request->params = g_variant_ref_sink (json_to_variant (params));
  else if (request->json_version == 2 && params != NULL && JSON_NODE_HOLDS_OBJECT (params))
    {
      GVariant *one = json_to_variant (params);
      request->params = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE_VARIANT,
                                                                 (GVariant *[]) { g_variant_new_variant (one) }, 1));
    }
  else if (request->json_version == 2 && (params == NULL || JSON_NODE_HOLDS_NULL (params)))
    request->params = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE_VARIANT, NULL, 0));
  else
    goto bad;

  /* xapi refuses notifications: the id must be a number or a string. */
  id = json_object_get_member (root, "id");
  if (id == NULL || !JSON_NODE_HOLDS_VALUE (id) ||
      (json_node_get_value_type (id) != G_TYPE_INT64 && json_node_get_value_type (id) != G_TYPE_STRING))
    goto bad;
  request->json_id = json_to_string (id, FALSE);

  return g_steal_pointer (&request);

bad:
  g_set_error (error, SIM_REQUEST_ERROR, SIM_REQUEST_ERROR_PARSE, "not a JSON-RPC request");
  return NULL;
}
