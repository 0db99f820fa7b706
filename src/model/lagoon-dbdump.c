/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-dbdump"

#include "config.h"

#include "lagoon-dbdump.h"

G_DEFINE_QUARK (lagoon-dbdump-error-quark, lagoon_dbdump_error)
