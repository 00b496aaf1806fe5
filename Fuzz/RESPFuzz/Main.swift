#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if FUZZING
import CRESPFuzzSupport
#endif

/// Fuzzing build (`-sanitize=fuzzer -DFUZZING`, see scripts/fuzz-resp.sh): hands control to
/// libFuzzer's driver, which takes the usual libFuzzer arguments.
///
/// Plain build: replays the files named on the command line through the same check, e.g.
/// `swift run RESPFuzz Fuzz/corpus/*` or a crash file that the fuzzer wrote.
@main
struct RESPFuzzMain {
    static func main() {
        #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzz(data!, size) })
        #else
        var count = 0
        for path in CommandLine.arguments.dropFirst() {
            guard let bytes = readFile(path) else {
                print("cannot read \(path)")
                exit(1)
            }
            _ = bytes.withUnsafeBufferPointer { fuzz($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
            count += 1
        }
        print("replayed \(count) inputs without a failure")
        #endif
    }

    static func readFile(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }
}
