#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if FUZZING
import CRESPFuzzSupport
#endif

/// Fuzzing build (`-sanitize=fuzzer -DFUZZING`, see scripts/fuzz-http.sh): hands control to
/// libFuzzer's driver (declared in CRESPFuzzSupport, shared with RESPFuzz).
///
/// Plain build: replays the files named on the command line through the same check, e.g.
/// `swift run HTTPFuzz Fuzz/http-corpus/*` or a crash file that the fuzzer wrote.
@main
struct HTTPFuzzMain {
    static func main() {
        #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzHTTP(data!, size) })
        #else
        var count = 0
        for path in CommandLine.arguments.dropFirst() {
            guard let file = fopen(path, "rb") else {
                print("cannot read \(path)")
                exit(1)
            }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while case let n = fread(&chunk, 1, chunk.count, file), n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            fclose(file)
            _ = bytes.withUnsafeBufferPointer { fuzzHTTP($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
            count += 1
        }
        print("replayed \(count) inputs without a failure")
        #endif
    }
}
