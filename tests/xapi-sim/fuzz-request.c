/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the XML-RPC and JSON-RPC request parsers must never crash. */
#include "config.h"

#include <stdint.h>

#include "sim-request.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  SimRequest *request;

  request = sim_request_parse_xml ((const char *) data, size, NULL);
  sim_request_free (request);
  request = sim_request_parse_json ((const char *) data, size, NULL);
  sim_request_free (request);
  return 0;
}
