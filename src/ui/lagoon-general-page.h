/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * lagoon-general-page.h: the General tab: the selected object's properties as selectable
 * key/value rows, read from the cache and refreshed when a batch touches the object.
 */
#pragma once

#include <gtk/gtk.h>

#include "lagoon-cache.h"

G_BEGIN_DECLS

#define LAGOON_TYPE_GENERAL_PAGE (lagoon_general_page_get_type ())

G_DECLARE_FINAL_TYPE (LagoonGeneralPage, lagoon_general_page, LAGOON, GENERAL_PAGE, GtkBox)

GtkWidget *lagoon_general_page_new        (void);
/* Shows @ref of @class_id from @cache (NULL cache: nothing). */
void       lagoon_general_page_set_object (LagoonGeneralPage *self,
                                           LagoonCache       *cache,
                                           int                class_id,
                                           const char        *ref);
/* Reads the record again; rows whose text did not change are left alone. */
void       lagoon_general_page_refresh    (LagoonGeneralPage *self);
/* The key/value pairs for a record, as the page shows them: key, value, key, value..., NULL. */
GStrv      lagoon_general_page_describe   (LagoonCache       *cache,
                                           const LagoonRecord *rec);

G_END_DECLS
