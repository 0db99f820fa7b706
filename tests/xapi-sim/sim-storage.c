/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "xapi-sim"

#include "config.h"

#include "sim-ops.h"

const SimSpecial sim_storage_specials[] = {
  { NULL, NULL }
};
