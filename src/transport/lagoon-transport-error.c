/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lagoon-transport"

#include "config.h"

#include "lagoon-transport-error.h"

G_DEFINE_QUARK (lagoon-transport-error-quark, lagoon_transport_error)
