import CRESPFuzzSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Fuzzing build (scripts/fuzz-resp.sh): libFuzzer's driver. Plain build: replays the files
// named on the command line, e.g. `swift run RESPFuzz Fuzz/corpus/*` or a crash file.
exit(swiftev_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv) { data, size in fuzz(data!, size) })
