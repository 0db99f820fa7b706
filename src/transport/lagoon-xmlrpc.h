/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "lagoon-http-client.h"
#include "lagoon-xmlrpc-stream-parser.h"

G_BEGIN_DECLS

/* XML-RPC the way xapi speaks it, built and parsed with xmlrpc-c.
 *
 * Parameters go out as: "s"/"o" strings; "x"/"t"/"u" (64-bit XenAPI ints) as decimal
 * strings, which xapi accepts for int and which XenCenter sends; "i"/"n"/"q"/"y" as <i4>;
 * "d" as <double>; "b" as <boolean>; "ay" as <base64>; arrays and tuples as <array>;
 * dictionaries with string keys ("a{sv}", "a{ss}"...) as <struct>; variants unwrapped.
 *
 * Replies come back loosely typed: untyped values and <string> as "s"; <i4>, <int> and <i8>
 * as "x"; "d"; "b"; <dateTime.iso8601> as "s" in xapi's canonical "YYYYMMDDTHH:MM:SSZ";
 * <base64> as "ay"; <nil/> as ""; arrays as "av"; structs as "a{sv}". */

/* Largest reply handed to xmlrpc-c (its XML size limit is raised to this). */
#define LAGOON_XMLRPC_MAX_REPLY (64 * 1024 * 1024)
/* Deepest element nesting accepted in a reply. */
#define LAGOON_XMLRPC_MAX_DEPTH 256

/* Serialise a methodCall; @params is a tuple or an array (each element one parameter). */
GBytes   *lagoon_xmlrpc_build_call           (const char          *method,
                                              GVariant            *params,
                                              GError             **error);

/* Parse a methodResponse with xmlrpc-c into the (untouched) top value. A <fault> gives
 * LAGOON_TRANSPORT_ERROR_PROTOCOL. */
GVariant *lagoon_xmlrpc_parse_response       (const char          *data,
                                              gsize                length,
                                              GError             **error);

/* Unwrap xapi's {Status, Value | ErrorDescription} envelope: the Value, or a
 * LAGOON_XENAPI_ERROR for Status=Failure. */
GVariant *lagoon_xmlrpc_unwrap_envelope      (GVariant            *top,
                                              GError             **error);

/* Parse a bare "<value>...</value>" fragment, as found in task.result. An empty string
 * (very old hosts) gives "". */
GVariant *lagoon_xmlrpc_parse_value_fragment (const char          *data,
                                              gsize                length,
                                              GError             **error);

/* POST a call to @path ("/" when NULL) and return the unwrapped Value. Non-200 statuses
 * fail with LAGOON_TRANSPORT_ERROR_HTTP_STATUS. */
GVariant *lagoon_xmlrpc_call                 (LagoonHttpClient    *client,
                                              const char          *path,
                                              const char          *method,
                                              GVariant            *params,
                                              GCancellable        *cancellable,
                                              GError             **error);
void      lagoon_xmlrpc_call_async           (LagoonHttpClient    *client,
                                              const char          *path,
                                              const char          *method,
                                              GVariant            *params,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
GVariant *lagoon_xmlrpc_call_finish          (LagoonHttpClient    *client,
                                              GAsyncResult        *result,
                                              GError             **error);

/* The same call with the reply parsed as it arrives by the streaming parser: items of the
 * collection at @split_path (see LagoonXmlrpcStreamParser) go to @func (in this thread)
 * and the rest of the Value is returned. */
GVariant *lagoon_xmlrpc_call_streaming       (LagoonHttpClient    *client,
                                              const char          *path,
                                              const char          *method,
                                              GVariant            *params,
                                              const char          *split_path,
                                              LagoonXmlrpcItemFunc func,
                                              gpointer             user_data,
                                              GCancellable        *cancellable,
                                              GError             **error);

/* Internal: the error for a <fault> value. */
void      lagoon_xmlrpc_fault_to_error       (GVariant            *fault,
                                              GError             **error);

G_END_DECLS
