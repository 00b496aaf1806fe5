// Entry point and command-line parsing for the NIO side of the echo benchmark.
// The command-line contract (shared by every implementation) is in
// Benchmarks/README.md.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Parsed `client` options; defaults match the README contract.
struct ClientOptions {
    var port: Int = -1
    var conns: Int = 1
    var depth: Int = 1
    var size: Int = 64
    var warmup: Double = 1
    var seconds: Double = 5
}

/// Writes a line to stderr (unbuffered).
func printError(_ message: String) {
    var line = message
    line.append("\n")
    line.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
            if written <= 0 { break }
            offset += written
        }
    }
}

/// Writes a line to stdout and flushes immediately: the runner reacts to the
/// `MARK` lines as they appear, so they must not sit in a buffer.
func printLineFlushed(_ message: String) {
    print(message)
    fflush(nil)  // all output streams; stdout is the one that matters
}

func usageAndExit(_ problem: String) -> Never {
    printError("NIOEcho: \(problem)")
    printError("""
        usage: NIOEcho server --port P
               NIOEcho client --port P [--conns C] [--depth D] [--size S] [--warmup W] [--seconds T]
        """)
    exit(2)
}

/// Parses `--name value` pairs; every option takes exactly one value.
func parseOptions(_ args: ArraySlice<String>, allowed: Set<String>) -> [String: String] {
    var result: [String: String] = [:]
    var iterator = args.makeIterator()
    while let name = iterator.next() {
        guard name.hasPrefix("--"), allowed.contains(String(name.dropFirst(2))) else {
            usageAndExit("unknown option '\(name)'")
        }
        guard let value = iterator.next() else { usageAndExit("option '\(name)' needs a value") }
        result[String(name.dropFirst(2))] = value
    }
    return result
}

func intOption(_ options: [String: String], _ name: String, default defaultValue: Int?, min: Int) -> Int {
    guard let text = options[name] else {
        guard let defaultValue else { usageAndExit("--\(name) is required") }
        return defaultValue
    }
    guard let value = Int(text), value >= min else { usageAndExit("--\(name) must be an integer >= \(min)") }
    return value
}

func doubleOption(_ options: [String: String], _ name: String, default defaultValue: Double) -> Double {
    guard let text = options[name] else { return defaultValue }
    guard let value = Double(text), value >= 0, value.isFinite else { usageAndExit("--\(name) must be a number >= 0") }
    return value
}

@main
enum NIOEcho {
    static func main() {
        let args = CommandLine.arguments
        guard args.count >= 2 else { usageAndExit("missing subcommand") }
        let rest = args.dropFirst(2)
        switch args[1] {
        case "server":
            let options = parseOptions(rest, allowed: ["port"])
            let port = intOption(options, "port", default: nil, min: 1)
            guard port <= 65535 else { usageAndExit("--port must be <= 65535") }
            exit(runServer(port: port))
        case "client":
            let options = parseOptions(rest, allowed: ["port", "conns", "depth", "size", "warmup", "seconds"])
            var client = ClientOptions()
            client.port = intOption(options, "port", default: nil, min: 1)
            guard client.port <= 65535 else { usageAndExit("--port must be <= 65535") }
            client.conns = intOption(options, "conns", default: client.conns, min: 1)
            client.depth = intOption(options, "depth", default: client.depth, min: 1)
            client.size = intOption(options, "size", default: client.size, min: 1)
            client.warmup = doubleOption(options, "warmup", default: client.warmup)
            client.seconds = doubleOption(options, "seconds", default: client.seconds)
            guard client.seconds > 0 else { usageAndExit("--seconds must be > 0") }
            exit(runClient(client))
        default:
            usageAndExit("unknown subcommand '\(args[1])'")
        }
    }
}
