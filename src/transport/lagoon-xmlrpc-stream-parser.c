/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-xmlrpc"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>
#include <expat.h>

#include "lagoon-transport-error.h"
#include "lagoon-xmlrpc.h"
#include "lagoon-xmlrpc-stream-parser.h"

typedef enum {
  E_ROOT,
  E_METHOD_RESPONSE,
  E_PARAMS,
  E_PARAM,
  E_FAULT,
  E_VALUE,
  E_STRUCT,
  E_MEMBER,
  E_NAME,
  E_ARRAY,
  E_DATA,
  E_SCALAR,
} ElemKind;

typedef enum {
  T_NONE,
  T_STRING,
  T_INT,
  T_I8,
  T_BOOL,
  T_DOUBLE,
  T_DATETIME,
  T_BASE64,
  T_NIL,
} ScalarType;

/* Values are serialised straight into GVariant's normal form (one growing buffer, framing
 * offsets kept on a side stack), so a record becomes a single GVariant holding one block
 * of memory instead of a tree of a few thousand small ones. */

typedef struct {
  ElemKind    kind;
  ScalarType  scalar;
  gboolean    splitting;   /* STRUCT/ARRAY/DATA: the collection being split */
  gboolean    has_child;   /* VALUE: saw a typed or container child */
  gboolean    on_path;     /* VALUE/MEMBER: lies on the split path */
  gboolean    have_name;   /* MEMBER */
  gboolean    have_value;  /* MEMBER */
  guint       path_depth;  /* VALUE: path components matched to reach it */
  const char *type;        /* VALUE: type string of its completed content */
  gsize       start;       /* VALUE: data start; STRUCT/ARRAY: container start;
                            * MEMBER: dict entry start */
  gsize       key_end;     /* MEMBER: end of the key, relative to the entry */
  guint       offsets_base;/* STRUCT/ARRAY: its first framing offset in self->offsets */
  char       *name;        /* MEMBER of a splitting struct: the key */
} Frame;

struct _LagoonXmlrpcStreamParser
{
  XML_Parser               parser;
  LagoonXmlrpcStreamFlags  flags;
  LagoonXmlrpcItemFunc     func;
  gpointer                 user_data;
  char                   **path;       /* split components, envelope prefix included */
  guint                    n_path;
  gboolean                 split;      /* a split path was given */
  Frame                    frames[LAGOON_XMLRPC_MAX_DEPTH + 2];
  guint                    depth;      /* frames[depth] is the innermost open element */
  GString                 *text;
  gboolean                 collect_text;
  struct {
    guint8                *data;
    gsize                  len;
    gsize                  cap;
  }                        out;        /* serialised values under construction */
  GArray                  *offsets;    /* gsize: element ends of the open containers */
  GVariant                *top;        /* owned, sunk */
  GVariant                *fault;      /* owned, sunk */
  gboolean                 done;       /* root element closed */
  GError                  *error;
  guint64                  n_items;
};

static void
set_error (LagoonXmlrpcStreamParser *self,
           GError                   *error)
{
  if (self->error == NULL)
    self->error = error;
  else
    g_error_free (error);
  XML_StopParser (self->parser, XML_FALSE);
}

G_GNUC_PRINTF (2, 3)
static void
fail (LagoonXmlrpcStreamParser *self,
      const char               *format,
      ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  set_error (self, g_error_new (LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                                _("Malformed XML-RPC reply (line %lu): %s"),
                                (unsigned long) XML_GetCurrentLineNumber (self->parser),
                                message));
}

static void
frame_reset (Frame *f)
{
  g_clear_pointer (&f->name, g_free);
  f->scalar = T_NONE;
  f->splitting = FALSE;
  f->has_child = FALSE;
  f->on_path = FALSE;
  f->have_name = FALSE;
  f->have_value = FALSE;
  f->path_depth = 0;
  f->type = NULL;
  f->start = 0;
  f->key_end = 0;
  f->offsets_base = 0;
}

static const char *
kind_name (ElemKind kind)
{
  switch (kind)
    {
    case E_ROOT: return "the document";
    case E_METHOD_RESPONSE: return "<methodResponse>";
    case E_PARAMS: return "<params>";
    case E_PARAM: return "<param>";
    case E_FAULT: return "<fault>";
    case E_VALUE: return "<value>";
    case E_STRUCT: return "<struct>";
    case E_MEMBER: return "<member>";
    case E_NAME: return "<name>";
    case E_ARRAY: return "<array>";
    case E_DATA: return "<data>";
    case E_SCALAR: return "a scalar value";
    default: return "?";
    }
}

static gboolean
classify (const char *name,
          ElemKind   *kind,
          ScalarType *scalar)
{
  *scalar = T_NONE;
  switch (name[0])
    {
    case 'v':
      if (strcmp (name, "value") == 0) { *kind = E_VALUE; return TRUE; }
      break;
    case 'm':
      if (strcmp (name, "member") == 0) { *kind = E_MEMBER; return TRUE; }
      if (strcmp (name, "methodResponse") == 0) { *kind = E_METHOD_RESPONSE; return TRUE; }
      break;
    case 'n':
      if (strcmp (name, "name") == 0) { *kind = E_NAME; return TRUE; }
      if (strcmp (name, "nil") == 0) { *kind = E_SCALAR; *scalar = T_NIL; return TRUE; }
      break;
    case 's':
      if (strcmp (name, "struct") == 0) { *kind = E_STRUCT; return TRUE; }
      if (strcmp (name, "string") == 0) { *kind = E_SCALAR; *scalar = T_STRING; return TRUE; }
      break;
    case 'a':
      if (strcmp (name, "array") == 0) { *kind = E_ARRAY; return TRUE; }
      break;
    case 'd':
      if (strcmp (name, "data") == 0) { *kind = E_DATA; return TRUE; }
      if (strcmp (name, "double") == 0) { *kind = E_SCALAR; *scalar = T_DOUBLE; return TRUE; }
      if (strcmp (name, "dateTime.iso8601") == 0)
        { *kind = E_SCALAR; *scalar = T_DATETIME; return TRUE; }
      break;
    case 'i':
      if (strcmp (name, "i4") == 0) { *kind = E_SCALAR; *scalar = T_INT; return TRUE; }
      if (strcmp (name, "int") == 0) { *kind = E_SCALAR; *scalar = T_INT; return TRUE; }
      if (strcmp (name, "i8") == 0) { *kind = E_SCALAR; *scalar = T_I8; return TRUE; }
      break;
    case 'b':
      if (strcmp (name, "boolean") == 0) { *kind = E_SCALAR; *scalar = T_BOOL; return TRUE; }
      if (strcmp (name, "base64") == 0) { *kind = E_SCALAR; *scalar = T_BASE64; return TRUE; }
      break;
    case 'p':
      if (strcmp (name, "params") == 0) { *kind = E_PARAMS; return TRUE; }
      if (strcmp (name, "param") == 0) { *kind = E_PARAM; return TRUE; }
      break;
    case 'f':
      if (strcmp (name, "fault") == 0) { *kind = E_FAULT; return TRUE; }
      break;
    case 'e':
      /* Apache extensions as xmlrpc-c names them. */
      if (strcmp (name, "ex:nil") == 0) { *kind = E_SCALAR; *scalar = T_NIL; return TRUE; }
      if (strcmp (name, "ex:i8") == 0) { *kind = E_SCALAR; *scalar = T_I8; return TRUE; }
      break;
    default:
      break;
    }
  return FALSE;
}

static gboolean
allowed_child (LagoonXmlrpcStreamParser *self,
               ElemKind                  parent,
               ElemKind                  child)
{
  switch (parent)
    {
    case E_ROOT:
      if (self->flags & LAGOON_XMLRPC_STREAM_FRAGMENT)
        return child == E_VALUE && self->top == NULL && !self->done;
      return child == E_METHOD_RESPONSE && !self->done;
    case E_METHOD_RESPONSE:
      return child == E_PARAMS || child == E_FAULT;
    case E_PARAMS:
      return child == E_PARAM;
    case E_PARAM:
    case E_FAULT:
    case E_DATA:
      return child == E_VALUE;
    case E_VALUE:
      return child == E_SCALAR || child == E_STRUCT || child == E_ARRAY;
    case E_STRUCT:
      return child == E_MEMBER;
    case E_MEMBER:
      return child == E_NAME || child == E_VALUE;
    case E_ARRAY:
      return child == E_DATA;
    case E_NAME:
    case E_SCALAR:
    default:
      return FALSE;
    }
}

static gboolean
is_blank (const char *s,
          gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
      return FALSE;
  return TRUE;
}

/* ---- serialisation ------------------------------------------------------------ */

static inline void
out_append (LagoonXmlrpcStreamParser *self,
            const void               *data,
            gsize                     len)
{
  if (G_UNLIKELY (self->out.len + len > self->out.cap))
    {
      self->out.cap = MAX (self->out.cap * 2, self->out.len + len);
      self->out.data = g_realloc (self->out.data, self->out.cap);
    }
  memcpy (self->out.data + self->out.len, data, len);
  self->out.len += len;
}

static inline void
out_align8 (LagoonXmlrpcStreamParser *self)
{
  static const guint8 zeros[8] = { 0 };
  gsize pad = (8 - (self->out.len & 7)) & 7;

  if (pad > 0)
    out_append (self, zeros, pad);
}

static guint
offset_width (gsize body,
              gsize n)
{
  if (body + n <= G_MAXUINT8)
    return 1;
  if (body + 2 * n <= G_MAXUINT16)
    return 2;
  if (body + 4 * n <= G_MAXUINT32)
    return 4;
  return 8;
}

static void
out_offset (LagoonXmlrpcStreamParser *self,
            guint64                   value,
            guint                     width)
{
  guint8 le[8];

  for (guint i = 0; i < width; i++)
    le[i] = (guint8) (value >> (8 * i));
  out_append (self, le, width);
}

/* Close a container whose elements were recorded from @base: append the framing offsets. */
static void
close_container (LagoonXmlrpcStreamParser *self,
                 gsize                     start,
                 guint                     base)
{
  gsize n = self->offsets->len - base;
  gsize body = self->out.len - start;

  if (n > 0)
    {
      guint width = offset_width (body, n);

      for (guint i = base; i < self->offsets->len; i++)
        out_offset (self, g_array_index (self->offsets, gsize, i), width);
    }
  g_array_set_size (self->offsets, base);
}

/* The finished value [start, end) of the output as a GVariant of @type. */
static GVariant *
take_value (LagoonXmlrpcStreamParser *self,
            const char               *type,
            gsize                     start)
{
  g_autoptr(GBytes) bytes = g_bytes_new (self->out.data + start, self->out.len - start);

  return g_variant_new_from_bytes (G_VARIANT_TYPE (type), bytes, TRUE);
}

/* ---- handlers ------------------------------------------------------------------- */

static void XMLCALL
on_start (void        *data,
          const char  *name,
          const char **attrs)
{
  LagoonXmlrpcStreamParser *self = data;
  Frame *parent = &self->frames[self->depth];
  Frame *f;
  ElemKind kind;
  ScalarType scalar;

  if (self->error != NULL)
    return;
  if (!classify (name, &kind, &scalar) || !allowed_child (self, parent->kind, kind))
    {
      fail (self, "unexpected element <%s> in %s", name, kind_name (parent->kind));
      return;
    }
  if (self->depth >= LAGOON_XMLRPC_MAX_DEPTH)
    {
      fail (self, "elements are nested deeper than %d levels", LAGOON_XMLRPC_MAX_DEPTH);
      return;
    }

  if (parent->kind == E_VALUE)
    {
      if (parent->has_child)
        {
          fail (self, "a <value> holds more than one value");
          return;
        }
      if (!is_blank (self->text->str, self->text->len))
        {
          fail (self, "text mixed with <%s> in a <value>", name);
          return;
        }
      parent->has_child = TRUE;
    }
  else if (parent->kind == E_MEMBER)
    {
      if (kind == E_NAME && parent->have_name)
        {
          fail (self, "a <member> has two names");
          return;
        }
      if (kind == E_VALUE && (parent->have_value || !parent->have_name))
        {
          fail (self, parent->have_value ? "a <member> has two values" :
                      "a <member> has its <value> before its <name>");
          return;
        }
    }

  self->depth++;
  f = &self->frames[self->depth];
  frame_reset (f);
  f->kind = kind;
  f->scalar = scalar;
  self->collect_text = FALSE;

  switch (kind)
    {
    case E_VALUE:
      g_string_truncate (self->text, 0);
      self->collect_text = TRUE;
      out_align8 (self);
      f->start = self->out.len;
      if (parent->kind == E_PARAM || parent->kind == E_ROOT)
        f->on_path = TRUE;
      else if (parent->kind == E_MEMBER && parent->on_path)
        {
          f->on_path = TRUE;
          f->path_depth = self->frames[self->depth - 3].path_depth + 1;
        }
      break;

    case E_STRUCT:
    case E_ARRAY:
      if (self->split && parent->on_path && parent->path_depth == self->n_path)
        f->splitting = TRUE;
      f->start = self->out.len;
      f->offsets_base = self->offsets->len;
      break;

    case E_DATA:
      f->splitting = parent->splitting;
      break;

    case E_MEMBER:
      if (!parent->splitting)
        {
          out_align8 (self);
          f->start = self->out.len;
        }
      break;

    case E_NAME:
    case E_SCALAR:
      g_string_truncate (self->text, 0);
      self->collect_text = TRUE;
      break;

    case E_ROOT:
    case E_METHOD_RESPONSE:
    case E_PARAMS:
    case E_PARAM:
    case E_FAULT:
    default:
      break;
    }
}

static void XMLCALL
on_text (void       *data,
         const char *s,
         int         len)
{
  LagoonXmlrpcStreamParser *self = data;

  if (self->error != NULL)
    return;
  if (self->collect_text)
    g_string_append_len (self->text, s, len);
  else if (!is_blank (s, (gsize) len))
    fail (self, "unexpected text in %s", kind_name (self->frames[self->depth].kind));
}

static char *
trimmed (GString *text)
{
  return g_strstrip (g_strndup (text->str, text->len));
}

/* Serialise a scalar's text; returns its type string or NULL on error. */
static const char *
write_scalar (LagoonXmlrpcStreamParser *self,
              ScalarType                type,
              GString                  *text)
{
  g_autofree char *t = NULL;

  switch (type)
    {
    case T_STRING:
    case T_NONE:
      out_append (self, text->str, text->len + 1);
      return "s";

    case T_NIL:
      out_append (self, "", 1);
      return "s";

    case T_INT:
    case T_I8:
      {
        gint64 v;

        /* Strict: no white space (xmlrpc-c rejects or, for <i8>, crashes on it). */
        t = g_strndup (text->str, text->len);
        if (!g_ascii_string_to_signed (t[0] == '+' ? t + 1 : t, 10,
                                       type == T_INT ? G_MININT32 : G_MININT64,
                                       type == T_INT ? G_MAXINT32 : G_MAXINT64, &v, NULL) ||
            (t[0] == '+' && t[1] == '-'))
          {
            fail (self, "“%.40s” is not a valid %s", t, type == T_INT ? "<i4>" : "<i8>");
            return NULL;
          }
        out_append (self, &v, sizeof v);
        return "x";
      }

    case T_BOOL:
      {
        guint8 b;

        t = trimmed (text);
        if (strcmp (t, "1") == 0 || g_ascii_strcasecmp (t, "true") == 0)
          b = 1;
        else if (strcmp (t, "0") == 0 || g_ascii_strcasecmp (t, "false") == 0)
          b = 0;
        else
          {
            fail (self, "“%.40s” is not a valid <boolean>", t);
            return NULL;
          }
        out_append (self, &b, 1);
        return "b";
      }

    case T_DOUBLE:
      {
        char *end = NULL;
        double d;

        t = trimmed (text);
        d = g_ascii_strtod (t, &end);
        if (t[0] == '\0' || end == NULL || *end != '\0')
          {
            fail (self, "“%.40s” is not a valid <double>", t);
            return NULL;
          }
        out_append (self, &d, sizeof d);
        return "d";
      }

    case T_DATETIME:
      {
        g_autofree char *canon = NULL;

        t = trimmed (text);
        canon = lagoon_xmlrpc_canonical_datetime (t);
        if (canon == NULL)
          {
            fail (self, "“%.40s” is not a valid <dateTime.iso8601>", t);
            return NULL;
          }
        out_append (self, canon, strlen (canon) + 1);
        return "s";
      }

    case T_BASE64:
      {
        g_autofree guchar *decoded = NULL;
        gsize len = 0;

        t = trimmed (text);
        for (const char *p = t; *p != '\0'; p++)
          if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=' &&
              !g_ascii_isspace (*p))
            {
              fail (self, "invalid character in <base64>");
              return NULL;
            }
        decoded = g_base64_decode (t[0] != '\0' ? t : "", &len);
        if (len > 0)
          out_append (self, decoded, len);
        return "ay";
      }

    default:
      g_assert_not_reached ();
    }
}

static void
deliver (LagoonXmlrpcStreamParser *self,
         const char               *key,
         const char               *type,
         gsize                     start)
{
  GError *error = NULL;
  GVariant *value = g_variant_ref_sink (take_value (self, type, start));

  self->out.len = start;
  self->n_items++;
  if (self->func != NULL && !self->func (key, value, self->user_data, &error))
    {
      if (error == NULL)
        error = g_error_new_literal (LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_FAILED,
                                     _("Parsing was stopped"));
      set_error (self, error);
    }
  g_variant_unref (value);
}

static void
variant_trailer (LagoonXmlrpcStreamParser *self,
                 const char               *type)
{
  /* The type strings are literals; copying the NUL in front of them in one go. */
  gsize len = strlen (type);

  if (G_UNLIKELY (self->out.len + 1 + len > self->out.cap))
    {
      self->out.cap = MAX (self->out.cap * 2, self->out.len + 1 + len);
      self->out.data = g_realloc (self->out.data, self->out.cap);
    }
  self->out.data[self->out.len] = '\0';
  memcpy (self->out.data + self->out.len + 1, type, len);
  self->out.len += 1 + len;
}

/* A <value> is complete: frames[depth] is the value, already popped from collection. */
static void
value_done (LagoonXmlrpcStreamParser *self,
            Frame                    *f)
{
  Frame *parent = &self->frames[self->depth];

  switch (parent->kind)
    {
    case E_PARAM:
    case E_ROOT:
      if (self->top != NULL)
        {
          fail (self, "more than one result value");
          return;
        }
      self->top = g_variant_ref_sink (take_value (self, f->type, f->start));
      self->out.len = f->start;
      break;

    case E_FAULT:
      g_clear_pointer (&self->fault, g_variant_unref);
      self->fault = g_variant_ref_sink (take_value (self, f->type, f->start));
      self->out.len = f->start;
      break;

    case E_MEMBER:
      {
        Frame *strct = &self->frames[self->depth - 1];

        if (strct->splitting)
          deliver (self, parent->name, f->type, f->start);
        else
          variant_trailer (self, f->type);
        parent->have_value = TRUE;
      }
      break;

    case E_DATA:
      {
        Frame *array = &self->frames[self->depth - 1];

        if (parent->splitting)
          deliver (self, NULL, f->type, f->start);
        else
          {
            gsize end;

            variant_trailer (self, f->type);
            end = self->out.len - array->start;
            g_array_append_val (self->offsets, end);
          }
      }
      break;

    default:
      fail (self, "misplaced value");
      break;
    }
}

static void XMLCALL
on_end (void       *data,
        const char *name)
{
  LagoonXmlrpcStreamParser *self = data;
  Frame *f = &self->frames[self->depth];
  Frame *parent;

  if (self->error != NULL || self->depth == 0)
    return;
  parent = &self->frames[self->depth - 1];
  self->collect_text = FALSE;

  switch (f->kind)
    {
    case E_SCALAR:
      parent->type = write_scalar (self, f->scalar, self->text);
      if (parent->type == NULL)
        return;
      break;

    case E_NAME:
      {
        Frame *strct = &self->frames[self->depth - 2];
        Frame *value = &self->frames[self->depth - 3];

        if (strct->splitting)
          parent->name = g_strndup (self->text->str, self->text->len);
        else
          {
            out_append (self, self->text->str, self->text->len + 1);
            parent->key_end = self->out.len - parent->start;
            out_align8 (self);
          }
        parent->have_name = TRUE;
        if (!strct->splitting && value->on_path && value->path_depth < self->n_path &&
            strcmp (self->text->str, self->path[value->path_depth]) == 0)
          parent->on_path = TRUE;
      }
      break;

    case E_VALUE:
      if (f->type == NULL)
        {
          if (f->has_child)
            {
              fail (self, "empty <value>");
              return;
            }
          out_append (self, self->text->str, self->text->len + 1);
          f->type = "s";
        }
      else if (!is_blank (self->text->str, self->text->len))
        {
          fail (self, "text mixed with a typed value");
          return;
        }
      self->depth--;
      value_done (self, f);
      frame_reset (f);
      if (self->depth == 0 && (self->flags & LAGOON_XMLRPC_STREAM_FRAGMENT))
        self->done = TRUE;
      return;

    case E_STRUCT:
    case E_ARRAY:
      if (f->splitting)
        {
          self->out.len = f->start;
          g_array_set_size (self->offsets, f->offsets_base);
        }
      else
        close_container (self, f->start, f->offsets_base);
      parent->type = f->kind == E_STRUCT ? "a{sv}" : "av";
      break;

    case E_MEMBER:
      if (!f->have_name || !f->have_value)
        {
          fail (self, "a <member> lacks its %s", !f->have_name ? "<name>" : "<value>");
          return;
        }
      if (!parent->splitting)
        {
          gsize body = self->out.len - f->start;
          gsize end;

          out_offset (self, f->key_end, offset_width (body, 1));
          end = self->out.len - parent->start;
          g_array_append_val (self->offsets, end);
        }
      break;

    case E_METHOD_RESPONSE:
      self->done = TRUE;
      break;

    case E_DATA:
    case E_PARAM:
    case E_PARAMS:
    case E_FAULT:
    case E_ROOT:
    default:
      break;
    }

  frame_reset (f);
  self->depth--;
  if (self->frames[self->depth].kind == E_VALUE && self->frames[self->depth].has_child)
    {
      g_string_truncate (self->text, 0);
      self->collect_text = TRUE;
    }
}

static void XMLCALL
on_doctype (void           *data,
            const XML_Char *name,
            const XML_Char *sysid,
            const XML_Char *pubid,
            int             has_internal_subset)
{
  fail (data, "document type declarations are not allowed");
}

static void XMLCALL
on_entity_decl (void           *data,
                const XML_Char *name,
                int             is_parameter_entity,
                const XML_Char *value,
                int             value_length,
                const XML_Char *base,
                const XML_Char *system_id,
                const XML_Char *public_id,
                const XML_Char *notation_name)
{
  fail (data, "entity declarations are not allowed");
}

LagoonXmlrpcStreamParser *
lagoon_xmlrpc_stream_parser_new (const char              *split_path,
                                 LagoonXmlrpcStreamFlags  flags,
                                 LagoonXmlrpcItemFunc     func,
                                 gpointer                 user_data)
{
  LagoonXmlrpcStreamParser *self = g_new0 (LagoonXmlrpcStreamParser, 1);
  g_autoptr(GPtrArray) path = g_ptr_array_new ();

  self->flags = flags;
  self->func = func;
  self->user_data = user_data;
  self->text = g_string_sized_new (256);
  self->out.cap = 64 * 1024;
  self->out.data = g_malloc (self->out.cap);
  self->offsets = g_array_sized_new (FALSE, FALSE, sizeof (gsize), 1024);

  if (!(flags & LAGOON_XMLRPC_STREAM_NO_ENVELOPE) && !(flags & LAGOON_XMLRPC_STREAM_FRAGMENT))
    g_ptr_array_add (path, g_strdup ("Value"));
  if (split_path != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (split_path, "/", -1);

      for (guint i = 0; parts[i] != NULL; i++)
        if (parts[i][0] != '\0')
          g_ptr_array_add (path, g_strdup (parts[i]));
      self->split = TRUE;
    }
  self->n_path = path->len;
  g_ptr_array_add (path, NULL);
  self->path = (char **) g_ptr_array_free (g_steal_pointer (&path), FALSE);

  self->parser = XML_ParserCreate ("UTF-8");
  XML_SetUserData (self->parser, self);
  XML_SetElementHandler (self->parser, on_start, on_end);
  XML_SetCharacterDataHandler (self->parser, on_text);
  XML_SetStartDoctypeDeclHandler (self->parser, on_doctype);
  XML_SetEntityDeclHandler (self->parser, on_entity_decl);
  self->frames[0].kind = E_ROOT;
  return self;
}

void
lagoon_xmlrpc_stream_parser_free (LagoonXmlrpcStreamParser *self)
{
  if (self == NULL)
    return;
  XML_ParserFree (self->parser);
  for (guint i = 0; i < G_N_ELEMENTS (self->frames); i++)
    frame_reset (&self->frames[i]);
  g_strfreev (self->path);
  g_string_free (self->text, TRUE);
  g_free (self->out.data);
  g_array_unref (self->offsets);
  g_clear_pointer (&self->top, g_variant_unref);
  g_clear_pointer (&self->fault, g_variant_unref);
  g_clear_error (&self->error);
  g_free (self);
}

guint64
lagoon_xmlrpc_stream_parser_get_n_items (LagoonXmlrpcStreamParser *self)
{
  return self->n_items;
}

static gboolean
parse_chunk (LagoonXmlrpcStreamParser  *self,
             const char                *data,
             gsize                      length,
             gboolean                   final,
             GError                   **error)
{
  if (self->error == NULL)
    {
      while (length > 0 || final)
        {
          int n = (int) MIN (length, (gsize) (1 << 30));

          if (XML_Parse (self->parser, data, n, final && (gsize) n == length) ==
              XML_STATUS_ERROR && self->error == NULL)
            {
              enum XML_Error code = XML_GetErrorCode (self->parser);

              self->error = g_error_new (LAGOON_TRANSPORT_ERROR,
                                         LAGOON_TRANSPORT_ERROR_PROTOCOL,
                                         _("Malformed XML-RPC reply (line %lu, column %lu): %s"),
                                         (unsigned long) XML_GetCurrentLineNumber (self->parser),
                                         (unsigned long) XML_GetCurrentColumnNumber (self->parser),
                                         XML_ErrorString (code));
            }
          if (self->error != NULL)
            break;
          data += n;
          length -= (gsize) n;
          if (length == 0)
            break;
        }
    }
  if (self->error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return FALSE;
    }
  return TRUE;
}

gboolean
lagoon_xmlrpc_stream_parser_feed (LagoonXmlrpcStreamParser  *self,
                                  const char                *data,
                                  gsize                      length,
                                  GError                   **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return parse_chunk (self, data, length, FALSE, error);
}

GVariant *
lagoon_xmlrpc_stream_parser_finish (LagoonXmlrpcStreamParser  *self,
                                    GError                   **error)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (!parse_chunk (self, "", 0, TRUE, error))
    return NULL;
  if (!self->done)
    {
      g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                           _("The XML-RPC reply is incomplete"));
      return NULL;
    }
  if (self->fault != NULL)
    return lagoon_xmlrpc_fault_to_error (self->fault, error), NULL;
  if (self->top == NULL)
    {
      g_set_error_literal (error, LAGOON_TRANSPORT_ERROR, LAGOON_TRANSPORT_ERROR_PROTOCOL,
                           _("The XML-RPC reply holds no value"));
      return NULL;
    }
  if (self->flags & (LAGOON_XMLRPC_STREAM_NO_ENVELOPE | LAGOON_XMLRPC_STREAM_FRAGMENT))
    return g_variant_ref (self->top);
  return lagoon_xmlrpc_unwrap_envelope (self->top, error);
}

GVariant *
lagoon_xmlrpc_stream_parse (const char               *data,
                            gsize                     length,
                            const char               *split_path,
                            LagoonXmlrpcStreamFlags   flags,
                            LagoonXmlrpcItemFunc      func,
                            gpointer                  user_data,
                            GError                  **error)
{
  g_autoptr(LagoonXmlrpcStreamParser) parser = NULL;

  parser = lagoon_xmlrpc_stream_parser_new (split_path, flags, func, user_data);
  if (!lagoon_xmlrpc_stream_parser_feed (parser, data, length, error))
    return NULL;
  return lagoon_xmlrpc_stream_parser_finish (parser, error);
}

/* ---- datetimes --------------------------------------------------------------- */

static gboolean
read_digits (const char **p,
             guint        count,
             gint        *out)
{
  gint v = 0;

  for (guint i = 0; i < count; i++)
    {
      if (!g_ascii_isdigit ((*p)[i]))
        return FALSE;
      v = v * 10 + ((*p)[i] - '0');
    }
  *p += count;
  *out = v;
  return TRUE;
}

char *
lagoon_xmlrpc_canonical_datetime (const char *text)
{
  const char *p = text;
  gint year, month, day, hour, minute, second, offset = 0;
  g_autoptr(GDateTime) dt = NULL;
  g_autoptr(GDateTime) utc = NULL;

  if (text == NULL || !read_digits (&p, 4, &year))
    return NULL;
  if (*p == '-')
    p++;
  if (!read_digits (&p, 2, &month))
    return NULL;
  if (*p == '-')
    p++;
  if (!read_digits (&p, 2, &day) || *p++ != 'T' ||
      !read_digits (&p, 2, &hour) || *p++ != ':' ||
      !read_digits (&p, 2, &minute) || *p++ != ':' ||
      !read_digits (&p, 2, &second))
    return NULL;
  if (*p == '.')
    {
      p++;
      if (!g_ascii_isdigit (*p))
        return NULL;
      while (g_ascii_isdigit (*p))
        p++;
    }
  if (*p == 'Z')
    p++;
  else if (*p == '+' || *p == '-')
    {
      gint sign = *p == '-' ? -1 : 1;
      gint oh, om;

      p++;
      if (!read_digits (&p, 2, &oh))
        return NULL;
      if (*p == ':')
        p++;
      if (!read_digits (&p, 2, &om) || oh > 23 || om > 59)
        return NULL;
      offset = sign * (oh * 3600 + om * 60);
    }
  if (*p != '\0')
    return NULL;

  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return NULL;
  dt = g_date_time_new_utc (year, month, day, hour, minute, second == 60 ? 59 : second);
  if (dt == NULL)
    return NULL;
  if (offset != 0)
    {
      utc = g_date_time_add_seconds (dt, -offset);
      if (utc == NULL)
        return NULL;
    }
  return g_date_time_format (utc != NULL ? utc : dt, "%Y%m%dT%H:%M:%SZ");
}
