#ifndef SWIFTEV_COPENSSL_H
#define SWIFTEV_COPENSSL_H

// OpenSSL exposes several settings as macros over SSL_ctrl/SSL_CTX_ctrl, which Swift cannot
// call. These wrappers turn each macro we use into a real function; the plain functions
// (SSL_new, SSL_read, BIO_write, ...) are imported from the headers as they are.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

int swiftev_ssl_ctx_set_min_proto_version(SSL_CTX *ctx, int version);
int swiftev_ssl_ctx_set_max_proto_version(SSL_CTX *ctx, int version);
/// Refuses renegotiation (both modes) and keeps compression off.
void swiftev_ssl_ctx_harden(SSL_CTX *ctx);
/// SNI (a macro over SSL_ctrl).
int swiftev_ssl_set_tlsext_host_name(SSL *ssl, const char *name);
/// Ciphertext bytes waiting in a memory BIO (BIO_ctrl_pending is a function, BIO_pending a macro).
size_t swiftev_bio_pending(BIO *bio);
/// A memory BIO that reports "retry" instead of EOF when empty, as a socket would.
BIO *swiftev_bio_new_mem(void);
/// Receives what OpenSSL writes to a sink BIO; returns the bytes taken (all of them).
typedef int (*swiftev_sink_write_fn)(void *context, const char *data, int length);
/// A write-only BIO that hands every write to `write(context, …)` at once: OpenSSL's output goes
/// straight into the caller's buffer, not first into a memory BIO (which zeroes its new space,
/// then copies in, then out again). Flush succeeds; other controls report 0 (not supported).
BIO *swiftev_bio_new_sink(void *context, swiftev_sink_write_fn write);

/// ERR_GET_LIB / ERR_GET_REASON (inline functions in OpenSSL 3, macros before).
int swiftev_err_get_lib(unsigned long e);
int swiftev_err_get_reason(unsigned long e);

#endif
