#include "COpenSSL.h"

int swiftev_ssl_ctx_set_min_proto_version(SSL_CTX *ctx, int version) { return (int)SSL_CTX_set_min_proto_version(ctx, version); }
int swiftev_ssl_ctx_set_max_proto_version(SSL_CTX *ctx, int version) { return (int)SSL_CTX_set_max_proto_version(ctx, version); }

void swiftev_ssl_ctx_harden(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    // The plaintext buffer may move between a retried SSL_write and the first call.
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // Read-ahead: OpenSSL takes all the ciphertext the memory BIO holds in one BIO_read
    // instead of a header read and a body read per record (the stage hands it whole batches).
    SSL_CTX_set_read_ahead(ctx, 1);
}

int swiftev_ssl_set_tlsext_host_name(SSL *ssl, const char *name) { return (int)SSL_set_tlsext_host_name(ssl, name); }
size_t swiftev_bio_pending(BIO *bio) { return BIO_ctrl_pending(bio); }

BIO *swiftev_bio_new_mem(void) {
    BIO *bio = BIO_new(BIO_s_mem());
    // -1: an empty BIO means "no data yet" (SSL_ERROR_WANT_READ), not end of stream.
    if (bio) BIO_set_mem_eof_return(bio, -1);
    return bio;
}

int swiftev_err_get_lib(unsigned long e) { return ERR_GET_LIB(e); }
int swiftev_err_get_reason(unsigned long e) { return ERR_GET_REASON(e); }
