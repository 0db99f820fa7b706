/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A streaming XML-RPC methodResponse parser (expat) for bulk replies.
 *
 * It builds the same loosely typed GVariants as lagoon_xmlrpc_parse_response, but the
 * members (of a struct) or elements (of an array) of one collection, named by a split path,
 * are handed to a callback one by one as soon as each is complete and then dropped, so only
 * one record is alive at a time.
 *
 * The split path is a '/'-separated list of struct member names leading from the Value of
 * xapi's envelope (or from the top value with LAGOON_XMLRPC_STREAM_NO_ENVELOPE) to the
 * collection: "" for get_all_records (Value is the ref -> record struct: each call gets
 * (ref, record)), "events" for event.from (each call gets (NULL, event)). What is left of
 * the Value (the collection emptied) comes back from _finish, e.g. {token,
 * valid_ref_counts, events: []} for event.from.
 *
 * Status=Failure gives a LAGOON_XENAPI_ERROR; malformed XML, a <fault>, wrongly typed values
 * or nesting deeper than LAGOON_XMLRPC_MAX_DEPTH give LAGOON_TRANSPORT_ERROR_PROTOCOL.
 * DOCTYPE declarations are refused. */
typedef struct _LagoonXmlrpcStreamParser LagoonXmlrpcStreamParser;

/* @key is the member name for struct collections, NULL for array elements. @value is owned
 * by the parser: ref it to keep it. Return FALSE with @error set to stop parsing. */
typedef gboolean (*LagoonXmlrpcItemFunc) (const char  *key,
                                          GVariant    *value,
                                          gpointer     user_data,
                                          GError     **error);

typedef enum {
  LAGOON_XMLRPC_STREAM_DEFAULT     = 0,
  /* The top value is the result itself (system.listMethods, task results). */
  LAGOON_XMLRPC_STREAM_NO_ENVELOPE = 1 << 0,
  /* Parse a bare <value> fragment instead of a methodResponse. */
  LAGOON_XMLRPC_STREAM_FRAGMENT    = 1 << 1,
} LagoonXmlrpcStreamFlags;

LagoonXmlrpcStreamParser *lagoon_xmlrpc_stream_parser_new    (const char               *split_path,
                                                              LagoonXmlrpcStreamFlags   flags,
                                                              LagoonXmlrpcItemFunc      func,
                                                              gpointer                  user_data);
void                      lagoon_xmlrpc_stream_parser_free   (LagoonXmlrpcStreamParser *self);

/* Feed the next bytes of the document. Once it failed, it keeps failing. */
gboolean                  lagoon_xmlrpc_stream_parser_feed   (LagoonXmlrpcStreamParser *self,
                                                              const char               *data,
                                                              gsize                     length,
                                                              GError                  **error);
/* End of document: check the envelope and return the rest of the Value. */
GVariant                 *lagoon_xmlrpc_stream_parser_finish (LagoonXmlrpcStreamParser *self,
                                                              GError                  **error);
/* Number of items delivered so far. */
guint64                   lagoon_xmlrpc_stream_parser_get_n_items (LagoonXmlrpcStreamParser *self);

/* Parse a whole buffer in one go (feed + finish). */
GVariant                 *lagoon_xmlrpc_stream_parse         (const char               *data,
                                                              gsize                     length,
                                                              const char               *split_path,
                                                              LagoonXmlrpcStreamFlags   flags,
                                                              LagoonXmlrpcItemFunc      func,
                                                              gpointer                  user_data,
                                                              GError                  **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LagoonXmlrpcStreamParser, lagoon_xmlrpc_stream_parser_free)

/* Shared by both parsers: canonical xapi datetime "YYYYMMDDTHH:MM:SSZ" from any form
 * xapi accepts (dashes optional, optional fraction, Z or ±hh:mm or no zone). NULL if
 * invalid. */
char                     *lagoon_xmlrpc_canonical_datetime   (const char               *text);

G_END_DECLS
