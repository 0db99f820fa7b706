/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sim-request.h: parses XML-RPC and JSON-RPC method calls into a method name and loosely
 * typed parameters (GVariant "av": strings "s", integers "x", doubles "d", booleans "b",
 * arrays "av", structs "a{sv}", nil "mv"), ready for lagoon_value_coerce().
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SIM_REQUEST_ERROR (sim_request_error_quark ())

typedef enum {
  SIM_REQUEST_ERROR_PARSE,
} SimRequestError;

GQuark sim_request_error_quark (void);

typedef struct
{
  char     *method;
  GVariant *params;       /* "av", full reference */
  gboolean  json;
  int       json_version; /* 1 or 2 */
  char     *json_id;      /* the request id, as JSON text */
} SimRequest;

SimRequest *sim_request_parse_xml  (const char *data,
                                    gsize       len,
                                    GError    **error);
SimRequest *sim_request_parse_json (const char *data,
                                    gsize       len,
                                    GError    **error);
void        sim_request_free       (SimRequest *request);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimRequest, sim_request_free)

G_END_DECLS
