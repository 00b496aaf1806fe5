#ifndef CRESPFUZZSUPPORT_H
#define CRESPFUZZSUPPORT_H

#include <stddef.h>
#include <stdint.h>

// The main of a fuzz target (RESPFuzz, HTTPFuzz). SwiftPM links executables with
// `--defsym main=<Target>_main`, so libFuzzer's own main() is never used. In a fuzzing build
// (-sanitize=fuzzer links libFuzzer) this hands control to libFuzzer's driver (LLVM 11+), which
// takes the usual libFuzzer arguments; in a plain build it replays the files named in argv
// through `callback` (the corpus, or a crash file the fuzzer wrote).
int swiftev_fuzz_main(int argc, char **argv, int (*callback)(const uint8_t *data, size_t size));

#endif
