// RedisBenchmark: one RedisConnection against one real Redis node, GET/SET 50/50 on a key
// space, compared in the same run with redis-benchmark at matching settings.
//
//   swift build -c release --product RedisBenchmark
//   LD_PRELOAD=libmalloccount.so .build/release/RedisBenchmark --port 7400
//
// Benchmarks/run-redis.sh does all of it (its own redis-server, pinning, the malloc counter).
// Options (all optional):
//   --host H            default 127.0.0.1
//   --port P            default $SWIFTEV_REDIS_STANDALONE_PORT, else 6379
//   --warmup S          warm-up seconds per setting (default 1)
//   --duration S        measured seconds per setting (default 5)
//   --keys N            key space (default 10000), keys `key:%012d` like redis-benchmark -r
//   --value-size B      SET value size in bytes (default 32)
//   --settings LIST     comma list of `N` (N commands in flight) and `pN` (pipeline batches of
//                       N); default 1,50,200,p16
//   --rb-seconds S      target length of each redis-benchmark test (default 3)
//   --redis-benchmark P path of redis-benchmark, or `none` to skip it (default: from PATH)
//   --busy-poll US      the loop's busy-poll window in microseconds (default 0: the loop
//                       sleeps when idle; see LibevEventLoopGroup(numberOfThreads:busyPoll:))
//   --repeats N         measure each setting N times, alternating with redis-benchmark, and
//                       report the median run of each (default 1)
//   --preencoded        also measure with commands encoded once up front (library overhead
//                       without the cost of building each RedisCommand)
//   --tls DIR           connect over TLS, trusting DIR/ca.crt and presenting DIR/client.crt
//                       (a folder made by scripts/tls-certs.sh); redis-benchmark gets --tls
//                       with the same files (Benchmarks/run-tls.sh compares with plaintext)
//   --tls-flush-hold US turn the connection's TLSFlushHold on with this maximum wait in µs
//                       (default 0: off, a lone connection's default; as ClusterBenchmark's)
//
// Per setting: ops/s, CPU µs per op (getrusage of this process over the measured window:
// user+sys, user, sys) and allocations per op (when libmalloccount.so is preloaded).

import Foundation
import RESP
import Redis
import SwiftEV
import SwiftEVTLS
import BenchmarkSupport
#if canImport(Glibc)
import Glibc
#endif

// MARK: Options

struct Options {
    var host = "127.0.0.1"
    var port = Int(ProcessInfo.processInfo.environment["SWIFTEV_REDIS_STANDALONE_PORT"] ?? "") ?? 6379
    var warmup = 1.0
    var duration = 5.0
    var keys = 10_000
    var valueSize = 32
    var settings: [Setting] = [.inFlight(1), .inFlight(50), .inFlight(200), .pipeline(16)]
    var rbSeconds = 3.0
    var redisBenchmark: String? = "redis-benchmark"
    var preencoded = false
    var busyPollMicroseconds = 0
    var repeats = 1
    var tls: BenchmarkTLS?
    var tlsFlushHoldMicroseconds = 0

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var reader = CommandLineOptions(arguments, tool: "RedisBenchmark")
        func value() -> String { reader.value() }
        func number(_ text: String) -> Double {
            guard let n = Double(text), n >= 0 else { fail("not a number: \(text)") }
            return n
        }
        while let flag = reader.nextFlag() {
            switch flag {
            case "--host": options.host = value()
            case "--port": options.port = Int(number(value()))
            case "--warmup": options.warmup = number(value())
            case "--duration": options.duration = number(value())
            case "--keys": options.keys = max(1, Int(number(value())))
            case "--value-size": options.valueSize = max(1, Int(number(value())))
            case "--rb-seconds": options.rbSeconds = number(value())
            case "--redis-benchmark": let p = value(); options.redisBenchmark = p == "none" ? nil : p
            case "--preencoded": options.preencoded = true
            case "--busy-poll": options.busyPollMicroseconds = Int(number(value()))
            case "--repeats": options.repeats = max(1, Int(number(value())))
            case "--tls":
                let dir = value()
                do { options.tls = try BenchmarkTLS(certificateDirectory: dir) } catch { fail("TLS with \(dir): \(error)") }
            case "--tls-flush-hold": options.tlsFlushHoldMicroseconds = Int(number(value()))
            case "--settings":
                options.settings = value().split(separator: ",").map { item in
                    if item.hasPrefix("p"), let n = Int(item.dropFirst()), n > 0 { return .pipeline(n) }
                    if let n = Int(item), n > 0 { return .inFlight(n) }
                    fail("bad setting \(item): use N (in flight) or pN (pipeline)")
                }
            case "-h", "--help":
                print("usage: RedisBenchmark [--host H] [--port P] [--warmup S] [--duration S] [--keys N] [--value-size B] "
                      + "[--settings 1,50,200,p16] [--rb-seconds S] [--redis-benchmark PATH|none] [--busy-poll US] [--repeats N] [--preencoded] [--tls DIR] [--tls-flush-hold US]")
                exit(0)
            default: fail("unknown option \(flag)")
            }
        }
        return options
    }
}

enum Setting: CustomStringConvertible {
    /// N commands outstanding at all times: each reply issues the next command.
    case inFlight(Int)
    /// Batches of N: N commands written together, the next batch once all N replied.
    case pipeline(Int)

    var description: String {
        switch self {
        case .inFlight(let n): return "\(n) in flight"
        case .pipeline(let n): return "pipeline \(n)"
        }
    }

    var depth: Int {
        switch self {
        case .inFlight(let n), .pipeline(let n): return n
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("RedisBenchmark: \(message)\n".utf8))
    exit(2)
}

/// Drives one connection from its loop with the callback API: no future, no task per command.
/// Loop-confined (`@unchecked Sendable` only to be created and read through `loop.submit`).
final class Driver: LoopDriver, @unchecked Sendable {
    let connection: RedisConnection
    let setting: Setting
    let keyCount: Int
    let value: ByteBuffer
    let preencoded: Bool
    let encodedGets: [RedisCommand]
    let encodedSets: [RedisCommand]

    var ops: UInt64 = 0
    var errors: UInt64 = 0
    var firstError: String?
    private var outstanding = 0
    private var stopping: EventLoopPromise<Void>?
    private var random = RandomKeys()
    private var nextIsSet = true
    /// One closure for every command: creating it per command would cost an allocation.
    private var onReply: ((Result<RESPValue, any Error>) -> Void)!

    init(connection: RedisConnection, setting: Setting, keyCount: Int, value: ByteBuffer, preencoded: Bool) {
        self.connection = connection
        self.setting = setting
        self.keyCount = keyCount
        self.value = value
        self.preencoded = preencoded
        encodedGets = preencoded ? (0..<keyCount).map { RedisCommand("GET", BenchmarkKey(index: $0)) } : []
        encodedSets = preencoded ? (0..<keyCount).map { RedisCommand("SET", BenchmarkKey(index: $0), value) } : []
        onReply = { [unowned self] result in self.replied(result) }
    }

    func start() {
        switch setting {
        case .inFlight(let n), .pipeline(let n): for _ in 0..<n { issue() }
        }
    }

    /// Stops issuing; succeeds once every outstanding command has replied.
    func stop(_ promise: EventLoopPromise<Void>) {
        stopping = promise
        if outstanding == 0 { promise.succeed() }
    }

    private func issue() {
        let index = random.next(below: keyCount)
        let isSet = nextIsSet
        nextIsSet = !isSet
        let command: RedisCommand
        if preencoded {
            command = isSet ? encodedSets[index] : encodedGets[index]
        } else {
            let key = BenchmarkKey(index: index)
            command = isSet ? RedisCommand("SET", key, value) : RedisCommand("GET", key)
        }
        outstanding += 1
        connection.submit(command, onReply: onReply)
    }

    private func replied(_ result: Result<RESPValue, any Error>) {
        outstanding -= 1
        ops += 1
        if case .failure(let error) = result {
            errors += 1
            if firstError == nil { firstError = "\(error)" }
        }
        if let stopping {
            if outstanding == 0 { stopping.succeed() }
            return
        }
        switch setting {
        case .inFlight: issue()
        case .pipeline(let n): if outstanding == 0 { for _ in 0..<n { issue() } }
        }
    }
}

func measureSwiftEV(_ connection: RedisConnection, _ setting: Setting, _ options: Options, value: ByteBuffer,
                    preencoded: Bool) throws -> BenchmarkMeasurement {
    let loop = connection.eventLoop
    let driver = try loop.submit {
        let driver = Driver(connection: connection, setting: setting, keyCount: options.keys, value: value, preencoded: preencoded)
        driver.start()
        return driver
    }.wait()
    switch try measure(driver, on: loop, warmup: options.warmup, duration: options.duration) {
    case .success(let measurement): return measurement
    case .failure(let failure): fail("\(setting): \(failure)")
    }
}

// MARK: redis-benchmark

struct RedisBenchmarkResult {
    var set: Double
    var get: Double
    var command: String
    /// redis-benchmark's user+system CPU time per command over its whole run (connection set-up
    /// included), from getrusage(RUSAGE_CHILDREN) around it.
    var cpuMicrosPerOp: Double
    /// n SETs then n GETs: total ops over total time.
    var mixed: Double { 2 / (1 / set + 1 / get) }
}

func runRedisBenchmark(_ path: String, _ options: Options, clients: Int, pipeline: Int, expectedRate: Double) -> RedisBenchmarkResult? {
    let requests = max(10_000, Int(expectedRate * options.rbSeconds))
    let arguments = ["-h", options.host, "-p", "\(options.port)", "-c", "\(clients)", "-P", "\(pipeline)",
                     "-t", "set,get", "-d", "\(options.valueSize)", "-r", "\(options.keys)", "-n", "\(requests)", "--csv"]
        + (options.tls?.redisBenchmarkArguments ?? [])
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path.contains("/") ? path : "/usr/bin/env")
    process.arguments = path.contains("/") ? arguments : [path] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    // Not the malloc counter: it is for this process (and redis-benchmark crashes under it).
    var environment = ProcessInfo.processInfo.environment
    environment["LD_PRELOAD"] = nil
    process.environment = environment
    let childrenBefore = childrenCPUSeconds()
    do { try process.run() } catch { fail("cannot run \(path): \(error)") }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    var rates: [String: Double] = [:]
    for line in text.split(whereSeparator: \.isNewline) {
        let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        if fields.count >= 2, let rate = Double(fields[1]) { rates[fields[0]] = rate }
    }
    guard process.terminationStatus == 0, let set = rates["SET"], let get = rates["GET"] else {
        FileHandle.standardError.write(Data("redis-benchmark failed (status \(process.terminationStatus)): \(text)\n".utf8))
        return nil
    }
    let cpu = childrenCPUSeconds() - childrenBefore
    return RedisBenchmarkResult(set: set, get: get, command: "redis-benchmark " + arguments.joined(separator: " "),
                                cpuMicrosPerOp: 1e6 * cpu / Double(2 * requests))
}

/// User+system CPU seconds of this process' children that have been waited for.
func childrenCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

// MARK: Main

func format(_ value: Double?, _ decimals: Int) -> String {
    guard let value, value.isFinite else { return "n/a" }
    return String(format: "%.\(decimals)f", value)
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let group = LibevEventLoopGroup(numberOfThreads: 1, busyPoll: .microseconds(Int64(options.busyPollMicroseconds)))
let connection: RedisConnection
do {
    let loop = group.next()
    var settings = RedisConnectionConfiguration()
    settings.tls = options.tls?.context
    if options.tlsFlushHoldMicroseconds > 0 {
        settings.tlsFlushHold = TLSFlushHold(maximumWait: .microseconds(Int64(options.tlsFlushHoldMicroseconds)))
    }
    let configuration = settings
    connection = try loop.submit {
        RedisConnection.connectOnLoop(host: options.host, port: options.port, configuration: configuration, on: loop)
    }.wait().wait()
} catch {
    fail("cannot connect to \(options.host):\(options.port): \(error)")
}
let value = ByteBuffer(string: String(repeating: "x", count: options.valueSize))

// Every key exists before measuring, so GETs hit (as after redis-benchmark's SET test).
let fill = try connection.eventLoop.submit {
    connection.submit(batch: (0..<options.keys).map { RedisCommand("SET", BenchmarkKey(index: $0), value) })
}.wait()
for future in fill { _ = try future.wait() }

print("RedisBenchmark: one \(options.tls == nil ? "plaintext" : "TLS") connection to \(options.host):\(options.port) (Redis \(connection.serverInfo.version), RESP\(connection.serverInfo.protocolVersion))"
      + (options.tls != nil && options.tlsFlushHoldMicroseconds > 0 ? ", TLS flush hold \(options.tlsFlushHoldMicroseconds) µs" : ""))
print("workload: GET/SET 50/50 alternating, \(options.keys) keys, \(options.valueSize)-byte values; "
      + "warm-up \(format(options.warmup, 1)) s, measured \(format(options.duration, 1)) s per setting"
      + (options.repeats > 1 ? ", \(options.repeats) runs each (medians shown)" : ""))
print("loop: " + (options.busyPollMicroseconds > 0 ? "busy-polls \(options.busyPollMicroseconds) µs before sleeping" : "sleeps when idle (no busy-poll)"))
print("allocation counter: \(mallocCount == nil ? "not preloaded (allocs/op n/a)" : "libmalloccount.so")")
print("")

struct Row {
    var setting: Setting
    var swiftEV: BenchmarkMeasurement
    var preencoded: BenchmarkMeasurement?
    var singleConnection: RedisBenchmarkResult?
    var manyConnections: RedisBenchmarkResult?
    var swiftEVRates: [Double] = []
    var redisBenchmarkRates: [Double] = []
}

/// The run with the median ops/s (runs on this VM vary by 10-30%; one run can mislead).
func median<T>(_ runs: [T], by rate: (T) -> Double) -> T? {
    runs.sorted { rate($0) < rate($1) }.dropFirst(runs.count / 2).first
}

var rows: [Row] = []
for setting in options.settings {
    // SwiftEV and redis-benchmark alternate, so a disturbance hits both sides alike.
    var swiftEVRuns: [BenchmarkMeasurement] = []
    var preencodedRuns: [BenchmarkMeasurement] = []
    var redisBenchmarkRuns: [RedisBenchmarkResult] = []
    for _ in 0..<options.repeats {
        let run = try measureSwiftEV(connection, setting, options, value: value, preencoded: false)
        swiftEVRuns.append(run)
        if options.preencoded {
            preencodedRuns.append(try measureSwiftEV(connection, setting, options, value: value, preencoded: true))
        }
        // One connection with N pipelined: the closest match to N in flight on one connection.
        if let path = options.redisBenchmark,
           let result = runRedisBenchmark(path, options, clients: 1, pipeline: setting.depth, expectedRate: run.opsPerSecond) {
            redisBenchmarkRuns.append(result)
        }
    }
    let measured = median(swiftEVRuns, by: \.opsPerSecond)!
    var row = Row(setting: setting, swiftEV: measured, preencoded: median(preencodedRuns, by: \.opsPerSecond))
    row.singleConnection = median(redisBenchmarkRuns, by: \.mixed)
    row.swiftEVRates = swiftEVRuns.map(\.opsPerSecond)
    row.redisBenchmarkRates = redisBenchmarkRuns.map(\.mixed)
    if let path = options.redisBenchmark {
        if case .inFlight(let n) = setting, n > 1 {
            // N connections, one command each: for reference.
            // One command per connection is bound by round trips, far below our rate: size the
            // run for ~1,000 commands per connection, not for our ops/s (that took minutes).
            row.manyConnections = runRedisBenchmark(path, options, clients: n, pipeline: 1,
                                                    expectedRate: Double(n * 1_000) / options.rbSeconds)
        }
    }
    rows.append(row)
    FileHandle.standardError.write(Data("done: \(setting): \(format(measured.opsPerSecond, 0)) ops/s\n".utf8))
}

// "rb µs/op": redis-benchmark -c1 -PN's CPU per command (getrusage of the child, whole run).
let header = ["setting", "SwiftEV ops/s", "rb -c1 -PN", "ratio", "rb -cN -P1", "rb µs/op", "CPU µs/op", "user", "sys", "allocs/op"]
let widths = [14, 14, 12, 7, 12, 9, 10, 7, 7, 10]
print(zip(header, widths).map { pad($0, $1) }.joined(separator: " "))
for row in rows {
    let m = row.swiftEV
    let rb = row.singleConnection?.mixed
    let cells = [
        row.setting.description,
        format(m.opsPerSecond, 0),
        format(rb, 0),
        format(rb.map { m.opsPerSecond / $0 }, 2),
        format(row.manyConnections?.mixed, 0),
        format(row.singleConnection?.cpuMicrosPerOp, 2),
        format(m.cpuMicrosPerOp, 2),
        format(m.userMicrosPerOp, 2),
        format(m.systemMicrosPerOp, 2),
        format(m.allocationsPerOp, 2),
    ]
    print(zip(cells, widths).map { pad($0, $1) }.joined(separator: " "))
}
if options.preencoded {
    print("")
    print("commands encoded once up front (the connection's own cost per command):")
    print([pad("setting", 14), pad("ops/s", 14), pad("CPU µs/op", 10), pad("allocs/op", 10)].joined(separator: " "))
    for row in rows {
        guard let m = row.preencoded else { continue }
        print([pad(row.setting.description, 14), pad(format(m.opsPerSecond, 0), 14), pad(format(m.cpuMicrosPerOp, 2), 10),
               pad(format(m.allocationsPerOp, 2), 10)].joined(separator: " "))
    }
}
if options.repeats > 1 {
    print("")
    print("every run (ops/s), SwiftEV | redis-benchmark -c1 -PN:")
    for row in rows {
        print("  \(pad(row.setting.description, 14)): \(row.swiftEVRates.map { format($0, 0) }.joined(separator: " ")) | "
              + row.redisBenchmarkRates.map { format($0, 0) }.joined(separator: " "))
    }
}
print("")
print("redis-benchmark (SET and GET tests; the table shows n SETs then n GETs: 2 / (1/SET + 1/GET)):")
for row in rows {
    for result in [row.singleConnection, row.manyConnections].compactMap({ $0 }) {
        print("  \(pad(row.setting.description, 14)): SET \(format(result.set, 0))/s, GET \(format(result.get, 0))/s  [\(result.command)]")
    }
}
print("")
print("goals: >= redis-benchmark -c1 -PN ops/s at every setting: "
      + (rows.allSatisfy { r in r.singleConnection.map { r.swiftEV.opsPerSecond >= $0.mixed } ?? false } ? "met" : "NOT met")
      + "; <= 2 allocations per command: "
      + (mallocCount == nil ? "n/a" : rows.allSatisfy { ($0.swiftEV.allocationsPerOp ?? .infinity) <= 2 } ? "met" : "NOT met"))

try connection.close().wait()
try group.syncShutdown()
