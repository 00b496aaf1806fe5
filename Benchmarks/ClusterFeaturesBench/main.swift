// ClusterFeaturesBench: what two issue-9 features cost, each beside the form it replaces or
// sits on, against the local cluster.
//
//   swift build -c release --product ClusterFeaturesBench
//   .build/release/ClusterFeaturesBench --port 7000 --mode typed-callback --in-flight 50
//
// Modes:
//   raw             GET/SET alternating, N in flight from the loop: client.submit(RedisCommand, onReply:)
//   typed-callback  the same through the typed loop-local callback form: client.onLoop.get(key) { … }
//   typed-future    the same through the typed loop-local future form: client.onLoop.get(key).whenComplete
//   watch-pooled    N tasks each running transaction(watching:) (WATCH, GET, MULTI SET EXEC) in a loop
//   watch-connect   the same sequence on a connection opened and closed per transaction (what
//                   transaction(watching:) did before its pool)
// Options: --host H --port P (a seed, default 127.0.0.1:7000), --in-flight N (default 50; for
// the watch modes the number of tasks, default 50 too), --warmup S (1), --seconds S (5),
// --keys N (100000; the watch modes use N keys of one hash tag).
// Prints one line: `mode=… ops/s=… cpu_us_per_op=… allocs_per_op=… errors=…`
// (allocs_per_op=n/a unless libmalloccount.so is preloaded). Not a test.

import BenchmarkSupport
import Foundation
import RESP
import Redis
import RedisCluster
import SwiftEV

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ClusterFeaturesBench: \(message)\n".utf8))
    exit(2)
}

enum Mode: String { case raw, typedCallback = "typed-callback", typedFuture = "typed-future", watchPooled = "watch-pooled", watchConnect = "watch-connect" }

struct Options {
    var host = "127.0.0.1"
    var port = 7000
    var mode = Mode.raw
    var inFlight = 50
    var warmup = 1.0
    var seconds = 5.0
    var keys = 100_000

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var reader = CommandLineOptions(arguments, tool: "ClusterFeaturesBench")
        while let flag = reader.nextFlag() {
            switch flag {
            case "--host": options.host = reader.value()
            case "--port": options.port = Int(reader.number())
            case "--mode":
                let text = reader.value()
                guard let mode = Mode(rawValue: text) else { reader.fail("unknown mode \(text)") }
                options.mode = mode
            case "--in-flight": options.inFlight = max(1, Int(reader.number()))
            case "--warmup": options.warmup = reader.number()
            case "--seconds": options.seconds = max(0.1, reader.number())
            case "--keys": options.keys = max(1, Int(reader.number()))
            default: reader.fail("unknown option \(flag)")
            }
        }
        return options
    }
}

/// Keeps `inFlight` GET/SETs outstanding from the client's loop in one of the three command
/// forms. Loop-confined (`@unchecked Sendable` only to be created and read through `loop.submit`).
final class CommandDriver: LoopDriver, @unchecked Sendable {
    let client: RedisClusterClient
    let mode: Mode
    let keys: [RedisKey]
    let value: ByteBuffer
    var ops: UInt64 = 0
    var errors: UInt64 = 0
    var firstError: String?
    private var outstanding = 0
    private var stopping: EventLoopPromise<Void>?
    private var random = RandomKeys()
    private var nextIsSet = true

    init(client: RedisClusterClient, mode: Mode, keys: [RedisKey], value: ByteBuffer) {
        self.client = client
        self.mode = mode
        self.keys = keys
        self.value = value
    }

    func start(_ n: Int) { for _ in 0..<n { issue() } }

    func stop(_ promise: EventLoopPromise<Void>) {
        stopping = promise
        if outstanding == 0 { promise.succeed() }
    }

    private func issue() {
        let key = keys[random.next(below: keys.count)]
        let isSet = nextIsSet
        nextIsSet = !isSet
        outstanding += 1
        switch (mode, isSet) {
        case (.typedCallback, true): client.onLoop.set(key, value: value) { [unowned self] in replied($0.map { _ in () }) }
        case (.typedCallback, false): client.onLoop.get(key) { [unowned self] in replied($0.map { _ in () }) }
        case (.typedFuture, true): client.onLoop.set(key, value: value).whenComplete { [unowned self] in replied($0.map { _ in () }) }
        case (.typedFuture, false): client.onLoop.get(key).whenComplete { [unowned self] in replied($0.map { _ in () }) }
        default:
            client.submit(isSet ? RedisCommand("SET", key, value) : RedisCommand("GET", key)) { [unowned self] in replied($0.map { _ in () }) }
        }
    }

    private func replied(_ result: Result<Void, any Error>) {
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
        issue()
    }
}

/// One optimistic increment: WATCH key, GET it, MULTI SET key value+1 EXEC.
func watchIncrement(_ client: RedisClusterClient, key: RedisKey, connectTo node: ClusterEndpoint?, on loop: LibevEventLoop) async throws {
    guard let node else {
        _ = try await client.transaction(watching: [key]) { connection in
            let current = try await connection.send("GET", key, as: Int?.self) ?? 0
            return [RedisCommand("SET", key, current + 1)]
        }
        return
    }
    let connection = try await RedisConnection.connect(host: node.host, port: node.port, on: loop)
    defer { connection.close() }
    try await connection.send("WATCH", key)
    let current = try await connection.send("GET", key, as: Int?.self) ?? 0
    let replies = await connection.pipeline([RedisCommand("MULTI"), RedisCommand("SET", key, current + 1), RedisCommand("EXEC")])
    _ = try replies[2].get()
}

func runWatch(_ options: Options, client: RedisClusterClient, loop: LibevEventLoop) async throws -> BenchmarkMeasurement {
    let keys = (0..<options.keys).map { RedisKey("{bench-watch}:\($0)") }
    var node: ClusterEndpoint?
    if options.mode == .watchConnect {
        let topology = await client.topology()
        node = topology?.shard(forSlot: HashSlot.slot(forKey: "{bench-watch}"))?.primary.endpoint
        if node == nil { fail("no owner for the benchmark's slot") }
    }
    let started = ContinuousClock.now
    let measureFrom = started + .seconds(options.warmup)
    let until = measureFrom + .seconds(options.seconds)
    let start = SnapshotBox()
    let counts = try await withThrowingTaskGroup(of: (UInt64, UInt64).self) { group in
        for task in 0..<options.inFlight {
            group.addTask { [node] in
                var ops: UInt64 = 0, errors: UInt64 = 0, i = task
                while ContinuousClock.now < until {
                    let measuring = ContinuousClock.now >= measureFrom
                    if measuring { await start.takeOnce() }
                    do { try await watchIncrement(client, key: keys[i % keys.count], connectTo: node, on: loop) } catch { if measuring { errors += 1 } }
                    if measuring { ops += 1 }
                    i += options.inFlight
                }
                return (ops, errors)
            }
        }
        return try await group.reduce(into: (UInt64(0), UInt64(0))) { $0.0 += $1.0; $0.1 += $1.1 }
    }
    let end = Snapshot.take(ops: counts.0, errors: counts.1)
    guard let first = await start.value else { fail("no transaction ran in the measured window") }
    return BenchmarkMeasurement(from: first, to: end)
}

/// The snapshot at the start of the measured window, taken by the first task to get there.
actor SnapshotBox {
    var value: Snapshot?
    func takeOnce() { if value == nil { value = Snapshot.take(ops: 0, errors: 0) } }
}

func run() async throws {
    let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
    let group = LibevEventLoopGroup(numberOfThreads: 1)
    let loop = group.loops[0]
    let client = RedisClusterClient(configuration: RedisClusterConfiguration(seeds: [.init(host: options.host, port: options.port)]), eventLoop: loop)
    do { try await client.connect() } catch { fail("cannot connect to the cluster at \(options.host):\(options.port): \(error)") }

    let m: BenchmarkMeasurement
    switch options.mode {
    case .watchPooled, .watchConnect:
        m = try await runWatch(options, client: client, loop: loop)
        _ = try? await client.send(.del((0..<options.keys).map { RedisKey("{bench-watch}:\($0)") }))
    default:
        let keys = (0..<options.keys).map { RedisKey(String(format: "key:%012d", $0)) }
        let value = ByteBuffer(bytes: Array(repeating: UInt8(ascii: "v"), count: 32))
        let mode = options.mode, inFlight = options.inFlight
        let driver = try await loop.submit {
            let driver = CommandDriver(client: client, mode: mode, keys: keys, value: value)
            driver.start(inFlight)
            return driver
        }.get()
        switch try measure(driver, on: loop, warmup: options.warmup, duration: options.seconds) {
        case .success(let measurement): m = measurement
        case .failure(let failure): fail("\(failure)")
        }
    }
    func f(_ x: Double, _ d: Int) -> String { String(format: "%.\(d)f", x) }
    print("mode=\(options.mode.rawValue) ops/s=\(f(m.opsPerSecond, 0)) cpu_us_per_op=\(f(m.cpuMicrosPerOp, 2)) "
          + "allocs_per_op=\(m.allocationsPerOp.map { f($0, 2) } ?? "n/a") errors=\(m.errors)")
    await client.close()
    try await group.shutdownGracefully()
}

try await run()
