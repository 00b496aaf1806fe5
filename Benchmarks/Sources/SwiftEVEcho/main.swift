import SwiftEV
#if canImport(Glibc)
import Glibc
#endif

// SwiftEV side of the echo benchmark; follows the command-line contract in Benchmarks/README.md.
//   SwiftEVEcho server --port P
//   SwiftEVEcho client --port P [--conns C] [--depth D] [--size S] [--warmup W] [--seconds T]

func usage() -> Never {
    emit("usage: SwiftEVEcho server --port P\n       SwiftEVEcho client --port P [--conns C] [--depth D] [--size S] [--warmup W] [--seconds T]", to: 2)
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first, command == "server" || command == "client" else { usage() }
arguments.removeFirst()
var options: [String: String] = [:]
while !arguments.isEmpty {
    let name = arguments.removeFirst()
    guard name.hasPrefix("--"), !arguments.isEmpty else { usage() }
    options[String(name.dropFirst(2))] = arguments.removeFirst()
}
let allowed: Set<String> = command == "server" ? ["port"] : ["port", "conns", "depth", "size", "warmup", "seconds"]
guard Set(options.keys).isSubset(of: allowed) else { usage() }
let parsed = options
func int(_ key: String, _ fallback: Int?, min: Int = 1) -> Int {
    guard let text = parsed[key] else {
        guard let fallback else { usage() }
        return fallback
    }
    guard let v = Int(text), v >= min else { usage() }
    return v
}
func seconds(_ key: String, _ fallback: Double, positive: Bool) -> Double {
    guard let text = parsed[key] else { return fallback }
    guard let v = Double(text), positive ? v > 0 : v >= 0 else { usage() }
    return v
}
let port = int("port", nil)
guard port <= 65535 else { usage() }

if command == "server" {
    runServer(port: port)
} else {
    let config = ClientConfig(
        port: port, conns: int("conns", 1), depth: int("depth", 1), size: int("size", 64),
        warmup: seconds("warmup", 1, positive: false), seconds: seconds("seconds", 5, positive: true)
    )
    exit(runClient(config))
}

/// Writes straight to a descriptor (unbuffered, and free of the C stdio globals).
func emit(_ text: String, to fd: Int32) {
    var line = text + "\n"
    _ = line.withUTF8 { write(fd, $0.baseAddress, $0.count) }
}
