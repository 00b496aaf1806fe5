import Foundation
import RESP
import Redis
import RedisCluster
import SwiftEV

/// The load of a chaos run on one loop: each worker owns a value key and a counter key and
/// cycles `SET` (value naming worker and sequence), `GET`, `INCR`, one at a time, the next as
/// soon as the last ended, through `driver` (the cluster client, the cache service over HTTP,
/// writes confirmed by `WAIT 1`); every result goes into `ledger`. Loop-confined:
/// `@unchecked Sendable` only so it can be created and read back through `loop.submit`.
public final class ChaosLoad: @unchecked Sendable {
    public let driver: any ChaosDriver
    public let loop: any EventLoop
    public let workers: Range<Int>
    public let run: String
    public private(set) var ledger: ChaosLedger
    private var seqs: [Int]
    private var steps: [Int]
    private var outstanding = 0
    private var stopping: EventLoopPromise<Void>?

    /// Workers `workers` (global numbers) of run `run` (a tag in every key, so runs never meet).
    public init(driver: any ChaosDriver, loop: any EventLoop, workers: Range<Int>, run: String) {
        self.driver = driver
        self.loop = loop
        self.workers = workers
        self.run = run
        ledger = ChaosLedger(workers: workers.count)
        seqs = Array(repeating: 0, count: workers.count)
        steps = Array(repeating: 0, count: workers.count)
    }

    public static func valueKey(run: String, worker: Int) -> String { "chaos:\(run):w\(worker)" }
    public static func counterKey(run: String, worker: Int) -> String { "chaos:\(run):w\(worker):n" }
    /// 32 bytes: `worker:seq:` padded.
    public static func value(worker: Int, seq: Int) -> String {
        let text = "\(worker):\(seq):"
        return text + String(repeating: "x", count: max(0, 32 - text.utf8.count))
    }
    /// The sequence a value names, nil when it is not one of ours.
    public static func seq(of value: String?) -> Int? {
        guard let parts = value?.split(separator: ":", maxSplits: 2), parts.count == 3 else { return nil }
        return Int(parts[1])
    }

    /// On the loop.
    public func start() {
        for index in workers.indices { issue(index - workers.lowerBound) }
    }

    /// On the loop: stops issuing; `promise` succeeds once nothing is outstanding.
    public func stop(_ promise: EventLoopPromise<Void>) {
        stopping = promise
        if outstanding == 0 { promise.succeed() }
    }

    public func faultStarted(at time: Double) { ledger.faultStarted(at: time) }
    public func faultEnded() { ledger.faultEnded() }

    private func issue(_ index: Int) {
        if stopping != nil { return }
        let worker = workers.lowerBound + index
        let step = steps[index]
        steps[index] = (step + 1) % 3
        let submitted = ChaosClock.now()
        outstanding += 1
        switch step {
        case 0:
            seqs[index] += 1
            let seq = seqs[index]
            driver.set(key: Self.valueKey(run: run, worker: worker), value: Self.value(worker: worker, seq: seq)) { [self] outcome in
                ledger.recordSet(worker: index, seq: seq, outcome, submitted: submitted, completed: ChaosClock.now())
                done(index)
            }
        case 1:
            driver.get(key: Self.valueKey(run: run, worker: worker)) { [self] outcome, value in
                ledger.recordGet(worker: index, seq: Self.seq(of: value), outcome, submitted: submitted, completed: ChaosClock.now())
                done(index)
            }
        default:
            driver.increment(key: Self.counterKey(run: run, worker: worker)) { [self] outcome in
                ledger.recordIncrement(worker: index, outcome, submitted: submitted, completed: ChaosClock.now())
                done(index)
            }
        }
    }

    private func done(_ index: Int) {
        outstanding -= 1
        if let stopping {
            if outstanding == 0 { stopping.succeed() }
            return
        }
        issue(index)
    }
}

/// Monotonic seconds.
public enum ChaosClock {
    public static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
