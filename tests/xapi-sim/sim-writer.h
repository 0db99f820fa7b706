/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sim-writer.h: writes XenAPI values the way xapi does, as XML-RPC (untyped strings and
 * int64, <double> %.16g, <boolean>0|1, <dateTime.iso8601>, no whitespace) or as JSON.
 */
#pragma once

#include <glib.h>

#include "lagoon-schema.h"

G_BEGIN_DECLS

#define SIM_WRITER_MAX_DEPTH 64

typedef struct
{
  GString  *out;
  gboolean  json;
  guint     depth;
  guint8    count[SIM_WRITER_MAX_DEPTH]; /* JSON: 0 = nothing written yet at this level */
  gboolean  in_member;                   /* JSON: the next value follows a member name */
} SimWriter;

void sim_writer_init         (SimWriter        *w,
                              GString          *out,
                              gboolean          json);

void sim_writer_string       (SimWriter        *w,
                              const char       *s);
void sim_writer_int          (SimWriter        *w,
                              gint64            v);
void sim_writer_i4           (SimWriter        *w,
                              gint32            v);
void sim_writer_double       (SimWriter        *w,
                              double            v);
void sim_writer_bool         (SimWriter        *w,
                              gboolean          v);
void sim_writer_datetime     (SimWriter        *w,
                              const char       *canonical);
void sim_writer_void         (SimWriter        *w);

void sim_writer_begin_array  (SimWriter        *w);
void sim_writer_end_array    (SimWriter        *w);
void sim_writer_begin_struct (SimWriter        *w);
void sim_writer_member       (SimWriter        *w,
                              const char       *name);
void sim_writer_end_member   (SimWriter        *w);
void sim_writer_end_struct   (SimWriter        *w);

/* A value of the given XenAPI type (canonical GVariant shape, see lagoon-schema.h). */
void sim_writer_value        (SimWriter        *w,
                              const LagoonType *type,
                              GVariant         *value);
/* A value of unknown type, written from its GVariant shape. */
void sim_writer_variant      (SimWriter        *w,
                              GVariant         *value);
/* A record: a struct with every field of @klass in schema order. */
void sim_writer_record       (SimWriter               *w,
                              const LagoonSchemaClass *klass,
                              GVariant *const         *fields);

/* Text escaping, exposed for the envelope writers. */
void sim_xml_escape          (GString          *out,
                              const char       *s);
void sim_json_escape         (GString          *out,
                              const char       *s);

G_END_DECLS
