// The fuzz targets' entry point, shared by RESPFuzz and HTTPFuzz.
#include "CRESPFuzzSupport.h"

#include <stdio.h>
#include <stdlib.h>

// Weak: defined only when -sanitize=fuzzer links libFuzzer in; null in a plain build.
extern int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size))
    __attribute__((weak));

int swiftev_fuzz_main(int argc, char **argv, int (*callback)(const uint8_t *data, size_t size)) {
    if (LLVMFuzzerRunDriver) return LLVMFuzzerRunDriver(&argc, &argv, callback);
    int count = 0;
    for (int i = 1; i < argc; i++) {
        FILE *file = fopen(argv[i], "rb");
        if (!file) {
            printf("cannot read %s\n", argv[i]);
            return 1;
        }
        size_t length = 0, capacity = 4096;
        uint8_t *bytes = malloc(capacity);
        size_t n;
        while (bytes && (n = fread(bytes + length, 1, capacity - length, file)) > 0) {
            length += n;
            if (length == capacity) bytes = realloc(bytes, capacity *= 2);
        }
        fclose(file);
        if (!bytes) {
            printf("out of memory reading %s\n", argv[i]);
            return 1;
        }
        callback(bytes, length);
        free(bytes);
        count++;
    }
    printf("replayed %d inputs without a failure\n", count);
    return 0;
}
