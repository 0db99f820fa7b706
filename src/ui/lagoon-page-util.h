/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-page-util.h: what the Memory, Storage and Networking tabs share: byte sizes as text,
 * list stores keyed by ref that update in place (the selection survives), tree columns (text,
 * check, usage bar), a segmented usage bar, dialogs, and running LagoonActions (alone or one
 * after the other, each built from the result of the one before).
 */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-action.h"
#include "lagoon-cache.h"
#include "lagoon-server.h"

G_BEGIN_DECLS

#define LAGOON_MIB (G_GINT64_CONSTANT (1024) * 1024)
#define LAGOON_GIB (LAGOON_MIB * 1024)

/* "1.5 GiB" ("0 bytes" for zero or less). */
char      *lagoon_page_format_bytes      (gint64            bytes);

/* ---- list stores whose column 0 is a ref ------------------------------------------------ */

typedef struct _LagoonStoreSync LagoonStoreSync;

/* Begins a refresh of @store: lagoon_store_sync_row gives the row of each ref (the old one,
 * or a new one appended), and lagoon_store_sync_end removes the rows that were not asked for. */
LagoonStoreSync *lagoon_store_sync_begin (GtkListStore    *store);
void             lagoon_store_sync_row   (LagoonStoreSync *sync,
                                          const char      *ref,
                                          GtkTreeIter     *iter);
void             lagoon_store_sync_end   (LagoonStoreSync *sync);

/* The ref (column 0) of the selected row, or NULL. */
char      *lagoon_page_dup_selected_ref  (GtkTreeView      *view);

/* A tree view over @model in a scrolled window; @name is its accessible name. */
GtkWidget *lagoon_page_tree_new          (GtkTreeModel     *model,
                                          const char       *name,
                                          GtkTreeView     **view);
GtkTreeViewColumn *lagoon_page_add_text_column  (GtkTreeView *view,
                                                 const char  *title,
                                                 int          column,
                                                 int          sort_column);
/* A text column that expands and ellipsizes (the name). */
GtkTreeViewColumn *lagoon_page_add_name_column  (GtkTreeView *view,
                                                 const char  *title,
                                                 int          column);
/* A text column that stays narrow (at most 160 px), ellipsized (descriptions). */
GtkTreeViewColumn *lagoon_page_add_note_column  (GtkTreeView *view,
                                                 const char  *title,
                                                 int          column);
GtkTreeViewColumn *lagoon_page_add_check_column (GtkTreeView *view,
                                                 const char  *title,
                                                 int          column);
/* A progress bar cell: @value_column (int, 0-100), @text_column (string). */
GtkTreeViewColumn *lagoon_page_add_bar_column   (GtkTreeView *view,
                                                 const char  *title,
                                                 int          value_column,
                                                 int          text_column);

/* Right-click (or the Menu key) on @view's rows offers @buttons (NULL-terminated) as a menu,
 * each as sensitive as its button; the Delete key clicks @delete_button (may be NULL). */
void       lagoon_page_add_row_menu      (GtkTreeView      *view,
                                          GtkWidget       **buttons,
                                          GtkWidget        *delete_button);

/* ---- a segmented bar (memory, SR usage) ----------------------------------------------------- */

GtkWidget *lagoon_usage_bar_new          (const char       *accessible_name);
void       lagoon_usage_bar_clear        (GtkWidget        *bar);
/* Adds a segment of @value out of the bar's total; @label is drawn inside when it fits. */
void       lagoon_usage_bar_add          (GtkWidget        *bar,
                                          gint64            value,
                                          const char       *label);
/* Sets the total and the text read by screen readers and shown as the tooltip. */
void       lagoon_usage_bar_set_total    (GtkWidget        *bar,
                                          gint64            total,
                                          const char       *description);

/* ---- small widgets -------------------------------------------------------------------------- */

GtkWidget *lagoon_page_heading_new       (const char       *text);
/* A button with a mnemonic label, named as its label reads (no underscore, no "…"). */
GtkWidget *lagoon_page_button_new        (const char       *label);
/* The same, added to @box, with @callback connected to "clicked" with @data. */
GtkWidget *lagoon_page_add_button        (GtkWidget        *box,
                                          const char       *label,
                                          GCallback         callback,
                                          gpointer          data);
/* The name of the object @ref in @cache, or "" (unknown, or NULL). */
const char *lagoon_page_ref_name         (LagoonCache      *cache,
                                          const char       *ref);
/* GCompareFunc for arrays of const LagoonRecord *: by name, then by ref (a stable order). */
gint       lagoon_page_compare_names     (gconstpointer     a,
                                          gconstpointer     b);
/* Sets sensitivity; the tooltip says @reason when not sensitive, else @tooltip. */
void       lagoon_page_set_enabled       (GtkWidget        *widget,
                                          gboolean          enabled,
                                          const char       *tooltip,
                                          const char       *reason);
void       lagoon_page_set_accessible    (GtkWidget        *widget,
                                          const char       *name);
/* A modal message box; returns TRUE when the user chose @accept (NULL: only OK). */
gboolean   lagoon_page_confirm           (GtkWidget        *parent,
                                          const char       *primary,
                                          const char       *secondary,
                                          const char       *accept);

/* ---- running work ----------------------------------------------------------------------- */

/* Runs "Async.@method" (@args floating or not) as an action the Events pane shows, about
 * @ref. Returns the action (owned by the application) or NULL when there is no application. */
LagoonAction *lagoon_page_run            (LagoonServer     *server,
                                          const char       *title,
                                          const char       *ref,
                                          const char       *method,
                                          GVariant         *args);

/* Builds the arguments of the next step from the result of the one before (a ref, for the
 * create messages), or returns NULL to stop there. */
typedef GVariant *(*LagoonPageStepFunc) (GVariant *previous_result,
                                         gpointer  user_data);

/* Whether a step is needless now (a disk already unplugged...): it is passed over, and the
 * result before it goes to the next. */
typedef gboolean (*LagoonPageSkipFunc) (gpointer user_data);

typedef struct
{
  const char         *title;
  const char         *method;
  LagoonPageStepFunc  build;
  LagoonPageSkipFunc  skip;  /* may be NULL */
} LagoonPageStep;

/* Runs @steps one after the other as one action titled @title (the Events pane shows which
 * step runs), each building its arguments when its turn comes from the result before (NULL
 * for the first); the first failure ends it, prefixed with the step's title. @data is given to
 * the builders and freed with @free_data with the action. Returns the action (owned by the
 * application), or NULL when there is no application. */
LagoonAction *lagoon_page_run_steps      (LagoonServer         *server,
                                          const char           *title,
                                          const char           *ref,
                                          const LagoonPageStep *steps,
                                          guint                 n_steps,
                                          gpointer              data,
                                          GDestroyNotify        free_data);

/* The cache of @server when it is connected, else NULL. */
LagoonCache *lagoon_page_get_cache       (LagoonServer     *server);

G_END_DECLS
