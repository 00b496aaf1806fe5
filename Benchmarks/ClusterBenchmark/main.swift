// ClusterBenchmark: one RedisClusterClient on one loop against the local cluster, GET/SET
// alternating over keys spread on every slot, N commands in flight (each reply issues the
// next command, through the loop-local callback API). `--commands set,get` runs the commands
// one after the other instead, as redis-benchmark's `-t set,get` does.
//
//   swift build -c release --product ClusterBenchmark
//   LD_PRELOAD=libmalloccount.so .build/release/ClusterBenchmark --port 7000 --in-flight 50
//
// Benchmarks/run-cluster.sh runs it beside redis-benchmark --cluster and the C reference client.
// Options (all optional):
//   --host H --port P   a seed (default 127.0.0.1:7000)
//   --in-flight N       commands outstanding at all times (default 50)
//   --warmup S          seconds before measuring (default 1)
//   --seconds S         measured seconds (default 5)
//   --keys N            key space (default 100000), keys `key:%012d`
//   --value-size B      SET value size (default 32)
//   --commands C        `mixed` (default): GET and SET alternate; or a comma-separated list of
//                       `set` and `get`, each run on its own (warm-up and measured seconds each),
//                       reported combined as redis-benchmark combines its tests: ops/s as if
//                       each ran the same number of commands (harmonic mean), CPU per op
//                       averaged over them. A SET-only phase batches the replication stream
//                       that a mixed load sends in pieces, so the servers spend less per command.
//   --lock-step         the N commands go out together and the next N when all have answered
//                       (redis-benchmark's -P pipelines work so) instead of each reply issuing
//                       the next command at once
//   --busy-poll US      the loop's busy-poll window (default 0)
//   --per-primary       redis-benchmark --cluster's shape (`-c 3 -P ceil(N/3)`, `-c 1 -P 1` at
//                       N=1, as Benchmarks/run-tls.sh runs it): the N commands in one group per
//                       primary (slots 0-5460, 5461-10922, 10923-16383: redis-cluster.sh's
//                       layout; only the first at N=1), each group's keys from its primary's
//                       slots, each group lock-step (its next round when all of it has answered),
//                       as each of redis-benchmark's clients sends its keys to one primary
//   --tls DIR           every node over TLS, trusting DIR/ca.crt, presenting DIR/client.crt
//                       (a folder made by scripts/tls-certs.sh; Benchmarks/run-tls.sh)
//   --tls-flush-hold US the node connections' TLSFlushHold maximum wait in µs; 0 turns the hold
//                       off (default: the client's, RedisClusterConfiguration.defaultTLSFlushHold)
// Prints one line: `ops/s=… cpu_us_per_op=… user_us_per_op=… sys_us_per_op=… allocs_per_op=… errors=…`
// (allocs_per_op=n/a unless libmalloccount.so is preloaded).

import BenchmarkSupport
import Foundation
import RESP
import Redis
import RedisCluster
import SwiftEV
import SwiftEVTLS

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ClusterBenchmark: \(message)\n".utf8))
    exit(2)
}

struct Options {
    var host = "127.0.0.1"
    var port = 7000
    var inFlight = 50
    var warmup = 1.0
    var seconds = 5.0
    var keys = 100_000
    var valueSize = 32
    var phases: [Commands] = [.mixed]
    var lockStep = false
    var busyPollMicroseconds = 0
    var perPrimary = false
    var tls: BenchmarkTLS?
    /// Nil: the client's default; 0: off.
    var tlsFlushHoldMicroseconds: Int?

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var reader = CommandLineOptions(arguments, tool: "ClusterBenchmark")
        while let flag = reader.nextFlag() {
            switch flag {
            case "--host": options.host = reader.value()
            case "--port": options.port = Int(reader.number())
            case "--in-flight": options.inFlight = max(1, Int(reader.number()))
            case "--warmup": options.warmup = reader.number()
            case "--seconds", "--duration": options.seconds = max(0.1, reader.number())
            case "--keys": options.keys = max(1, Int(reader.number()))
            case "--value-size": options.valueSize = max(1, Int(reader.number()))
            case "--commands":
                let list = reader.value()
                let names = list.split(separator: ",")
                let phases = names.compactMap { Commands(rawValue: $0.lowercased()) }
                guard !names.isEmpty, phases.count == names.count else {
                    reader.fail("--commands \(list): expected mixed, or a list of set and get")
                }
                options.phases = phases
            case "--lock-step": options.lockStep = true
            case "--busy-poll": options.busyPollMicroseconds = Int(reader.number())
            case "--per-primary": options.perPrimary = true
            case "--tls":
                let dir = reader.value()
                do { options.tls = try BenchmarkTLS(certificateDirectory: dir) } catch { reader.fail("TLS with \(dir): \(error)") }
            case "--tls-flush-hold": options.tlsFlushHoldMicroseconds = max(0, Int(reader.number()))
            case "-h", "--help":
                print("usage: ClusterBenchmark [--host H] [--port P] [--in-flight N] [--warmup S] [--seconds S] [--keys N] [--value-size B] [--commands mixed|set,get] [--lock-step] [--busy-poll US] [--per-primary] [--tls DIR] [--tls-flush-hold US]")
                exit(0)
            default: reader.fail("unknown option \(flag)")
            }
        }
        return options
    }
}

/// What a run (or one phase of it) sends.
enum Commands: String {
    case mixed, set, get
}

/// Keeps `inFlight` commands outstanding from the client's loop. Loop-confined
/// (`@unchecked Sendable` only to be created and read through `loop.submit`).
///
/// The harness' own per-command cost is kept out of the client's figures (the C peer's is a
/// plain function): its state is read and written only on the loop, never in overlapping
/// accesses, so without dynamic exclusivity checks, and the reply callback holds the driver
/// `unowned(unsafe)` (a checked `unowned` is an atomic retain and release per reply): the
/// driver outlives every command, since `stop` waits for the last reply and `main` keeps it.
final class Driver: LoopDriver, @unchecked Sendable {
    let client: RedisClusterClient
    let keyCount: Int
    /// `--per-primary`: the key indices to draw from; empty: every index below `keyCount`.
    let keyIndices: [Int]
    let value: ByteBuffer
    let commands: Commands
    /// Zero: each reply issues the next command; otherwise the round size.
    let lockStepRound: Int
    @exclusivity(unchecked) var ops: UInt64 = 0
    @exclusivity(unchecked) var errors: UInt64 = 0
    var firstError: String?
    @exclusivity(unchecked) private var outstanding = 0
    @exclusivity(unchecked) private var stopping: EventLoopPromise<Void>?
    @exclusivity(unchecked) private var random = RandomKeys()
    @exclusivity(unchecked) private var nextIsSet = true
    @exclusivity(unchecked) private var onReply: ((Result<RESPValue, any Error>) -> Void)!

    init(client: RedisClusterClient, keyCount: Int, keyIndices: [Int], value: ByteBuffer, commands: Commands, lockStepRound: Int) {
        self.client = client
        self.lockStepRound = lockStepRound
        self.keyCount = keyIndices.isEmpty ? keyCount : keyIndices.count
        self.keyIndices = keyIndices
        self.value = value
        self.commands = commands
        onReply = { [unowned(unsafe) self] result in self.replied(result) }
    }

    func start(_ n: Int) { for _ in 0..<n { issue() } }

    func stop(_ promise: EventLoopPromise<Void>) {
        stopping = promise
        if outstanding == 0 { promise.succeed() }
    }

    private func issue() {
        let drawn = random.next(below: keyCount)
        let key = BenchmarkKey(index: keyIndices.isEmpty ? drawn : keyIndices[drawn])
        let isSet: Bool
        switch commands {
        case .mixed:
            isSet = nextIsSet
            nextIsSet = !isSet
        case .set: isSet = true
        case .get: isSet = false
        }
        outstanding += 1
        client.submit(isSet ? RedisCommand("SET", key, value) : RedisCommand("GET", key), onReply: onReply)
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
        if lockStepRound == 0 {
            issue()
        } else if outstanding == 0 {
            start(lockStepRound)
        }
    }
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let group = LibevEventLoopGroup(numberOfThreads: 1, busyPoll: .microseconds(Int64(options.busyPollMicroseconds)))
let loop = group.loops[0]
var configuration = RedisClusterConfiguration(seeds: [.init(host: options.host, port: options.port)])
configuration.slotsRefreshInterval = .seconds(5)
configuration.node.tls = options.tls?.context
if let wait = options.tlsFlushHoldMicroseconds {
    configuration.node.tlsFlushHold = wait == 0 ? nil : TLSFlushHold(maximumWait: .microseconds(Int64(wait)))
}
let client = RedisClusterClient(configuration: configuration, eventLoop: loop)
let ready = try loop.submit { client.connectOnLoop() }.wait()
do { try ready.wait() } catch { fail("cannot connect to the cluster at \(options.host):\(options.port): \(error)") }

/// `count` key indices whose keys hash to `slots` (`--per-primary`).
func keyIndices(count: Int, slots: ClosedRange<Int>) -> [Int] {
    var indices: [Int] = []
    var encoded = ByteBuffer()
    var index = 0
    while indices.count < count {
        encoded.clear()
        BenchmarkKey(index: index).writeRESPBulk(into: &encoded)
        // `$<length>\r\n<key>\r\n`: the key is what lies between the first CRLF and the last.
        let bytes = encoded.readableBytesArray
        let start = bytes.firstIndex(of: UInt8(ascii: "\n"))! + 1
        if slots.contains(HashSlot.slot(forKey: bytes[start..<(bytes.count - 2)])) { indices.append(index) }
        index += 1
    }
    return indices
}

/// A driver per group of commands (one, unless `--per-primary`), measured as one.
final class Drivers: LoopDriver, @unchecked Sendable {
    // @unchecked: like Driver, created and read only on the client's loop.
    let drivers: [Driver]
    init(_ drivers: [Driver]) { self.drivers = drivers }
    var ops: UInt64 { drivers.reduce(0) { $0 + $1.ops } }
    var errors: UInt64 { drivers.reduce(0) { $0 + $1.errors } }
    var firstError: String? { drivers.lazy.compactMap(\.firstError).first }

    func stop(_ promise: EventLoopPromise<Void>) {
        var left = drivers.count
        for driver in drivers {
            let stopped = loop.makePromise(of: Void.self)
            stopped.futureResult.whenComplete { _ in
                left -= 1
                if left == 0 { promise.succeed() }
            }
            driver.stop(stopped)
        }
    }
}

/// The groups of commands: (keys, commands in flight, lock-step round or 0).
let groups: [(keys: [Int], inFlight: Int, round: Int)] = {
    guard options.perPrimary else {
        return [([], options.inFlight, options.lockStep ? options.inFlight : 0)]
    }
    let primaries = [0...5460, 5461...10922, 10923...16383].prefix(options.inFlight == 1 ? 1 : 3)
    let each = (options.inFlight + primaries.count - 1) / primaries.count
    return primaries.map { (keyIndices(count: options.keys / primaries.count, slots: $0), each, each) }
}()
let value = ByteBuffer(bytes: Array(repeating: UInt8(ascii: "v"), count: options.valueSize))
func f(_ x: Double, _ d: Int) -> String { String(format: "%.\(d)f", x) }
var phases: [BenchmarkMeasurement] = []
for commands in options.phases {
    let driver = try loop.submit {
        Drivers(groups.map { group in
            let driver = Driver(client: client, keyCount: options.keys, keyIndices: group.keys, value: value,
                                commands: commands, lockStepRound: group.round)
            driver.start(group.inFlight)
            return driver
        })
    }.wait()
    switch try measure(driver, on: loop, warmup: options.warmup, duration: options.seconds) {
    case .success(let measurement):
        phases.append(measurement)
        if options.phases.count > 1 {
            print("\(commands.rawValue): ops/s=\(f(measurement.opsPerSecond, 0)) cpu_us_per_op=\(f(measurement.cpuMicrosPerOp, 2))")
        }
    case .failure(let failure): fail("\(commands.rawValue): \(failure)")
    }
}
let m = BenchmarkMeasurement(combining: phases)
print("ops/s=\(f(m.opsPerSecond, 0)) cpu_us_per_op=\(f(m.cpuMicrosPerOp, 2)) user_us_per_op=\(f(m.userMicrosPerOp, 2)) "
      + "sys_us_per_op=\(f(m.systemMicrosPerOp, 2)) allocs_per_op=\(m.allocationsPerOp.map { f($0, 2) } ?? "n/a") errors=\(m.errors)")
try? loop.submit { client.closeOnLoop() }.wait().wait()
try group.syncShutdown()
