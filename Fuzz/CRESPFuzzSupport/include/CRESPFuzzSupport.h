#ifndef CRESPFUZZSUPPORT_H
#define CRESPFUZZSUPPORT_H

#include <stddef.h>
#include <stdint.h>

// libFuzzer's driver (LLVM 11+). SwiftPM links executables with `--defsym main=<Target>_main`,
// so libFuzzer's own main() is never used; RESPFuzz's Swift entry point calls this instead.
// Only referenced in fuzzing builds (-DFUZZING), where -sanitize=fuzzer links libFuzzer.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
