import CRESPFuzzSupport
#if canImport(Glibc)
import Glibc
#endif

// Fuzzing build (scripts/fuzz-http.sh): libFuzzer's driver. Plain build: replays the files
// named on the command line, e.g. `swift run HTTPFuzz Fuzz/http-corpus/*`.
exit(swiftev_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv) { data, size in fuzzHTTP(data!, size) })
