/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* XCP-ng hosts present self-signed certificates, so TLS peers are trusted by a pinned
 * SHA-256 fingerprint of the certificate (DER), never by CA. */

/* "AB:CD:..." (32 upper-case hex pairs), as `openssl x509 -fingerprint -sha256` prints. */
char      *lagoon_tls_certificate_fingerprint (GTlsCertificate     *certificate);

/* Asked on first use (no pin yet): return TRUE to trust the certificate. May block (for
 * example to ask the user on the main thread); it runs in the connecting thread. */
typedef gboolean (*LagoonTlsTrustFunc) (const char *host,
                                        guint16     port,
                                        const char *fingerprint,
                                        gpointer    user_data);

/* Run a TLS client handshake on @base and check the peer certificate against @pinned
 * (compared ignoring case and separators). With no pin, @trust decides; without @trust the
 * certificate is refused. A mismatch fails with LAGOON_TRANSPORT_ERROR_CERTIFICATE naming
 * both fingerprints. On success *@fingerprint (when given) receives the peer's fingerprint. */
GIOStream *lagoon_tls_client_handshake        (GIOStream           *base,
                                               const char          *host,
                                               guint16              port,
                                               const char          *pinned,
                                               LagoonTlsTrustFunc   trust,
                                               gpointer             user_data,
                                               char               **fingerprint,
                                               GCancellable        *cancellable,
                                               GError             **error);

/* TRUE when both name the same fingerprint (case, ':' and spaces ignored). */
gboolean   lagoon_tls_fingerprint_equal       (const char          *a,
                                               const char          *b);

G_END_DECLS
