/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-dbdump.h: xapi's database-dump XML (state.db, pool-dump-database).
 *
 * Reading streams rows to a callback; every row arrives with one value per field of its
 * class, in schema order, fields missing from older schemas filled with their defaults.
 * Writing produces the format xapi writes today (single quotes, %-escaped whitespace in
 * attributes, __ column names, every table present). Used by the simulator (--db, --save)
 * and by the client (offline viewing, tests).
 */
#pragma once

#include <gio/gio.h>

#include "lagoon-schema.h"

G_BEGIN_DECLS

#define LAGOON_DBDUMP_ERROR (lagoon_dbdump_error_quark ())

typedef enum {
  LAGOON_DBDUMP_ERROR_PARSE, /* not a database dump, or malformed XML */
  LAGOON_DBDUMP_ERROR_VALUE, /* a column value that does not decode as its type */
} LagoonDbdumpError;

GQuark lagoon_dbdump_error_quark (void);

/*
 * Called once per row. @fields has klass->n_fields entries, each a full reference owned
 * by the reader and valid only during the call (g_variant_ref what you keep). Rows of
 * tables that the schema does not know are skipped (and counted in the stats). Return
 * FALSE and set @error to stop reading.
 */
typedef gboolean (*LagoonDbdumpRowFunc) (const LagoonSchemaClass *klass,
                                         const char              *ref,
                                         GVariant *const         *fields,
                                         gpointer                 user_data,
                                         GError                 **error);

typedef struct
{
  guint  rows;              /* rows delivered */
  guint  skipped_tables;    /* tables the schema does not know */
  guint  unknown_columns;   /* columns the schema does not know (ignored), once per table */
  guint  defaulted_fields;  /* fields filled from defaults because the dump lacked them,
                               summed over rows */
  gint64 generation;        /* manifest generation_count, or -1 */
  int    schema_major;      /* manifest schema_major_vsn, or -1 */
  int    schema_minor;      /* manifest schema_minor_vsn, or -1 */
  guint  bad_values;        /* values that did not decode as their type (defaulted) */
} LagoonDbdumpStats;

gboolean lagoon_dbdump_read_file  (const char          *path,
                                   LagoonDbdumpRowFunc  row_func,
                                   gpointer             user_data,
                                   LagoonDbdumpStats   *stats,
                                   GError             **error);
gboolean lagoon_dbdump_read_bytes (GBytes              *bytes,
                                   LagoonDbdumpRowFunc  row_func,
                                   gpointer             user_data,
                                   LagoonDbdumpStats   *stats,
                                   GError             **error);

/* The schema version written in the manifest: xapi's for the datamodel we were built from. */
#define LAGOON_DBDUMP_SCHEMA_MAJOR 5
#define LAGOON_DBDUMP_SCHEMA_MINOR 909

/* The column xapi uses for a field ("name__label" for VM.name_label, "name_label" for
 * pool.name_label: namespaces are per class). */
const char *lagoon_dbdump_column_name (const LagoonSchemaClass *klass,
                                       guint                    field);

typedef struct _LagoonDbdumpWriter LagoonDbdumpWriter;

/* Rows may be added in any order; tables are written in schema order, every one present. */
LagoonDbdumpWriter *lagoon_dbdump_writer_new     (gint64               generation);
void                lagoon_dbdump_writer_add_row (LagoonDbdumpWriter  *writer,
                                                  const LagoonSchemaClass *klass,
                                                  const char          *ref,
                                                  GVariant *const     *fields);
GBytes             *lagoon_dbdump_writer_finish  (LagoonDbdumpWriter  *writer);
gboolean            lagoon_dbdump_writer_save    (LagoonDbdumpWriter  *writer,
                                                  const char          *path,
                                                  GError             **error);
void                lagoon_dbdump_writer_free    (LagoonDbdumpWriter  *writer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LagoonDbdumpWriter, lagoon_dbdump_writer_free)

G_END_DECLS
