// ClusterBatchBenchmark: multi-key commands split per slot and cluster pipelines, one
// RedisClusterClient on one loop against the local cluster, N batches in flight (each batch's
// completion issues the next, through the loop-local callback API). Every figure is per key.
//
//   swift build -c release --product ClusterBatchBenchmark
//   LD_PRELOAD=libmalloccount.so .build/release/ClusterBatchBenchmark --port 7650 --mode mget --batch 100
//
// Benchmarks/run-cluster-batch.sh runs every mode beside lvbench and redis-benchmark --cluster.
// Modes (--mode):
//   mget          MGET of --batch random keys (spread over all slots: split per slot)
//   mset          MSET of --batch random keys
//   get-pipeline  the same keys as a pipeline of --batch GETs (what mget is compared with)
//   set-pipeline  the same keys as a pipeline of --batch SETs (what mset is compared with)
//   pipeline      a pipeline of --batch commands, SET and GET alternating
// Options: --host H --port P (a seed, default 127.0.0.1:7650), --in-flight N batches (default 1),
//   --batch B (default 100), --warmup S (1), --seconds S (5), --keys N (100000, `key:%012d`),
//   --value-size B (3, lvbench's "xxx").
// Prints one line: `mode=… batch=… keys/s=… cpu_us_per_key=… allocs_per_key=… errors=…`.

import BenchmarkSupport
import Foundation
import RESP
import Redis
import RedisCluster
import SwiftEV

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ClusterBatchBenchmark: \(message)\n".utf8))
    exit(2)
}

enum Mode: String { case mget, mset, getPipeline = "get-pipeline", setPipeline = "set-pipeline", pipeline }

struct Options {
    var host = "127.0.0.1"
    var port = 7650
    var mode = Mode.mget
    var inFlight = 1
    var batch = 100
    var warmup = 1.0
    var seconds = 5.0
    var keys = 100_000
    var valueSize = 3

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var reader = CommandLineOptions(arguments, tool: "ClusterBatchBenchmark")
        while let flag = reader.nextFlag() {
            switch flag {
            case "--host": options.host = reader.value()
            case "--port": options.port = Int(reader.number())
            case "--mode":
                let text = reader.value()
                guard let mode = Mode(rawValue: text) else { reader.fail("unknown mode \(text)") }
                options.mode = mode
            case "--in-flight": options.inFlight = max(1, Int(reader.number()))
            case "--batch": options.batch = max(1, Int(reader.number()))
            case "--warmup": options.warmup = reader.number()
            case "--seconds", "--duration": options.seconds = max(0.1, reader.number())
            case "--keys": options.keys = max(1, Int(reader.number()))
            case "--value-size": options.valueSize = max(1, Int(reader.number()))
            case "-h", "--help":
                print("usage: ClusterBatchBenchmark [--host H] [--port P] [--mode mget|mset|get-pipeline|set-pipeline|pipeline] "
                      + "[--in-flight N] [--batch B] [--warmup S] [--seconds S] [--keys N] [--value-size B]")
                exit(0)
            default: reader.fail("unknown option \(flag)")
            }
        }
        return options
    }
}

/// Keeps `inFlight` batches outstanding from the client's loop; `ops` counts keys.
/// Loop-confined (`@unchecked Sendable` only to be created and read through `loop.submit`).
final class Driver: LoopDriver, @unchecked Sendable {
    let client: RedisClusterClient
    let options: Options
    let value: ByteBuffer
    var ops: UInt64 = 0
    var errors: UInt64 = 0
    var firstError: String?
    private var outstanding = 0
    private var stopping: EventLoopPromise<Void>?
    private var random = RandomKeys()

    init(client: RedisClusterClient, options: Options, value: ByteBuffer) {
        self.client = client
        self.options = options
        self.value = value
    }

    func start() { for _ in 0..<options.inFlight { issue() } }

    func stop(_ promise: EventLoopPromise<Void>) {
        stopping = promise
        if outstanding == 0 { promise.succeed() }
    }

    private func key() -> BenchmarkKey { BenchmarkKey(index: random.next(below: options.keys)) }

    private func issue() {
        outstanding += 1
        let batch = options.batch
        switch options.mode {
        case .mget, .mset:
            let isSet = options.mode == .mset
            var bytes = ByteBuffer(capacity: 32 * batch)
            bytes.writeRESPArrayHeader(count: 1 + batch * (isSet ? 2 : 1))
            bytes.writeRESPBulk(isSet ? "MSET" : "MGET")
            for _ in 0..<batch {
                bytes.writeRESPBulk(key())
                if isSet { bytes.writeRESPBulk(value) }
            }
            client.submit(RedisCommand(bytes: bytes, isReadOnly: !isSet)) { [self] result in
                if case .failure(let error) = result { record(error) }
                finished()
            }
        case .getPipeline, .setPipeline, .pipeline:
            var commands: [RedisCommand] = []
            commands.reserveCapacity(batch)
            for index in 0..<batch {
                let isSet = options.mode == .setPipeline || (options.mode == .pipeline && index % 2 == 0)
                commands.append(isSet ? RedisCommand("SET", key(), value) : RedisCommand("GET", key()))
            }
            client.submitPipeline(commands) { [self] results in
                for case .failure(let error) in results { record(error) }
                finished()
            }
        }
    }

    private func record(_ error: any Error) {
        errors += 1
        if firstError == nil { firstError = "\(error)" }
    }

    private func finished() {
        outstanding -= 1
        ops += UInt64(options.batch)
        if let stopping {
            if outstanding == 0 { stopping.succeed() }
            return
        }
        issue()
    }
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let group = LibevEventLoopGroup(numberOfThreads: 1)
let loop = group.loops[0]
var configuration = RedisClusterConfiguration(seeds: [.init(host: options.host, port: options.port)])
configuration.slotsRefreshInterval = .seconds(5)
let client = RedisClusterClient(configuration: configuration, eventLoop: loop)
let ready = try loop.submit { client.connectOnLoop() }.wait()
do { try ready.wait() } catch { fail("cannot connect to the cluster at \(options.host):\(options.port): \(error)") }

let value = ByteBuffer(bytes: Array(repeating: UInt8(ascii: "x"), count: options.valueSize))
let driver = try loop.submit {
    let driver = Driver(client: client, options: options, value: value)
    driver.start()
    return driver
}.wait()
let m: BenchmarkMeasurement
switch try measure(driver, on: loop, warmup: options.warmup, duration: options.seconds) {
case .success(let measurement): m = measurement
case .failure(let failure): fail("\(failure)")
}
func f(_ x: Double, _ d: Int) -> String { String(format: "%.\(d)f", x) }
print("mode=\(options.mode.rawValue) batch=\(options.batch) in_flight=\(options.inFlight) keys/s=\(f(m.opsPerSecond, 0)) "
      + "cpu_us_per_key=\(f(m.cpuMicrosPerOp, 3)) allocs_per_key=\(m.allocationsPerOp.map { f($0, 2) } ?? "n/a") errors=\(m.errors)")
try? loop.submit { client.closeOnLoop() }.wait().wait()
try group.syncShutdown()
