/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sim-db.h: the simulator's object store. Every object is a class, a ref and one GVariant
 * per schema field. A global generation counter is bumped on every change; each object
 * remembers when it was created, last modified and deleted, which is all event.from needs.
 * One-to-many relations (VBD.VM <-> VM.VBDs...) are kept in step as xapi's database does.
 *
 * Every function here expects the caller to hold db->lock.
 */
#pragma once

#include <glib.h>

#include "lagoon-schema.h"

G_BEGIN_DECLS

typedef struct _SimObject SimObject;
typedef struct _SimDb     SimDb;

struct _SimObject
{
  const LagoonSchemaClass *klass;
  char                    *ref;
  GVariant               **fields;  /* klass->n_fields full references */
  gint64                   ctime;   /* generation of creation */
  gint64                   mtime;   /* generation of the last change (creation included) */
  gint64                   dtime;   /* generation of deletion, 0 while alive */
  guint                    refcount;
  gboolean                 builtin; /* served by the API but not part of the database: no events,
                                     * not saved (xapi's static RBAC roles) */
  GList                    link;    /* in its class's queue */
};

typedef enum {
  SIM_EVENT_ADD,
  SIM_EVENT_MOD,
  SIM_EVENT_DEL,
} SimEventOp;

struct _SimDb
{
  GMutex      lock;
  GCond       changed;
  gint64      generation;
  gint64      log_base;  /* generation when change logging started */
  GHashTable *by_ref;    /* ref -> SimObject, live objects of every class */
  GQueue     *objects;   /* per class id: live objects in creation order */
  GHashTable **by_uuid;  /* per class id: uuid -> SimObject */
  GArray     *log;       /* SimChange, in generation order */
};

SimDb      *sim_db_new             (void);
void        sim_db_free            (SimDb                   *db);

char       *sim_db_new_ref         (void);
char       *sim_db_new_uuid        (void);

/* Look-ups (NULL when absent or of another class). */
SimObject  *sim_db_lookup          (SimDb                   *db,
                                    const char              *ref);
SimObject  *sim_db_lookup_class    (SimDb                   *db,
                                    const LagoonSchemaClass *klass,
                                    const char              *ref);
SimObject  *sim_db_lookup_uuid     (SimDb                   *db,
                                    const LagoonSchemaClass *klass,
                                    const char              *uuid);
GQueue     *sim_db_class_objects   (SimDb                   *db,
                                    const LagoonSchemaClass *klass);
SimObject  *sim_db_first           (SimDb                   *db,
                                    const LagoonSchemaClass *klass);

/*
 * Adds an object. @fields (klass->n_fields entries, NULL entries get the field default)
 * are consumed. @ref NULL makes a new ref. @quiet: no event and no relation upkeep
 * (loading a database). Returns the object (owned by the db) or NULL if @ref is taken.
 */
SimObject  *sim_db_insert          (SimDb                   *db,
                                    const LagoonSchemaClass *klass,
                                    const char              *ref,
                                    GVariant               **fields,
                                    gboolean                 quiet);
/* Sets a field (consumes @value), keeps relations in step, fires an event. */
void        sim_db_set             (SimDb                   *db,
                                    SimObject               *obj,
                                    int                      field,
                                    GVariant                *value);
/* Sets a field without event or relation upkeep (loading, fixing up). */
void        sim_db_set_quiet       (SimDb                   *db,
                                    SimObject               *obj,
                                    int                      field,
                                    GVariant                *value);
void        sim_db_delete          (SimDb                   *db,
                                    SimObject               *obj);
/* A modification event without a change (event.inject). */
void        sim_db_touch           (SimDb                   *db,
                                    SimObject               *obj);

/* Field helpers. */
const char *sim_object_get_string  (SimObject               *obj,
                                    int                      field);
gint64      sim_object_get_int     (SimObject               *obj,
                                    int                      field);

/*
 * Events since @since (-1: an add for every live object). @func is called for each object
 * to report, in generation order, with the op; return FALSE from @filter to leave an
 * object out. Returns the number of events reported.
 */
typedef gboolean (*SimEventFilter) (SimObject *obj, gpointer user_data);
typedef void     (*SimEventFunc)   (SimObject *obj, SimEventOp op, gpointer user_data);

guint       sim_db_collect_events  (SimDb                   *db,
                                    gint64                   since,
                                    SimEventFilter           filter,
                                    gpointer                 filter_data,
                                    SimEventFunc             func,
                                    gpointer                 func_data);

/* The one-to-many relations the db keeps in step, for tests: "VBD.VM VM.VBDs" lines. */
char       *sim_db_describe_relations (void);

G_END_DECLS
