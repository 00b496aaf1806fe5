#include "COpenSSL.h"
#include <pthread.h>
#include <stdlib.h>

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

typedef struct {
    void *context;
    swiftev_sink_write_fn write;
} swiftev_sink;

static int sink_write(BIO *bio, const char *data, int length) {
    BIO_clear_retry_flags(bio);
    if (length <= 0) return 0;
    swiftev_sink *sink = BIO_get_data(bio);
    return sink->write(sink->context, data, length);
}

static long sink_ctrl(BIO *bio, int command, long number, void *pointer) {
    (void)bio; (void)number; (void)pointer;
    // OpenSSL flushes its write BIO after each handshake flight: nothing is buffered here.
    return command == BIO_CTRL_FLUSH ? 1 : 0;
}

static int sink_create(BIO *bio) {
    BIO_set_init(bio, 1);
    return 1;
}

static int sink_destroy(BIO *bio) {
    free(BIO_get_data(bio));
    BIO_set_data(bio, NULL);
    return 1;
}

static BIO_METHOD *sink_method;
static pthread_once_t sink_method_once = PTHREAD_ONCE_INIT;

static void sink_method_make(void) {
    BIO_METHOD *method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "swiftev sink");
    if (method == NULL) return;
    if (!BIO_meth_set_write(method, sink_write) || !BIO_meth_set_ctrl(method, sink_ctrl)
        || !BIO_meth_set_create(method, sink_create) || !BIO_meth_set_destroy(method, sink_destroy)) {
        BIO_meth_free(method);
        return;
    }
    sink_method = method;
}

BIO *swiftev_bio_new_sink(void *context, swiftev_sink_write_fn write) {
    pthread_once(&sink_method_once, sink_method_make);
    if (sink_method == NULL) return NULL;
    swiftev_sink *sink = malloc(sizeof *sink);
    if (sink == NULL) return NULL;
    sink->context = context;
    sink->write = write;
    BIO *bio = BIO_new(sink_method);
    if (bio == NULL) {
        free(sink);
        return NULL;
    }
    BIO_set_data(bio, sink);
    return bio;
}

int swiftev_err_get_lib(unsigned long e) { return ERR_GET_LIB(e); }
int swiftev_err_get_reason(unsigned long e) { return ERR_GET_REASON(e); }
