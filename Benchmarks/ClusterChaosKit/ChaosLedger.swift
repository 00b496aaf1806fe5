/// Everything one load run observed, and the accounting that turns it into figures: which
/// acknowledged writes were lost, which counters were applied twice, how long the workers
/// stalled. A plain value (no clocks, no sockets): the load records into it on its loop, the
/// verification feeds it what a fresh connection read back, and the tests drive it by hand.
///
/// A worker owns one value key and one counter key and runs one operation at a time: `SET` of
/// a value naming (worker, sequence), `GET` expecting its last acknowledged value (or a later
/// one whose `SET` ended with an unknown outcome), `INCR`. Times are seconds on any monotonic
/// clock.
///
/// ```swift
/// var ledger = ChaosLedger(workers: 2)
/// ledger.recordSet(worker: 0, seq: 1, .ok, submitted: 0.0, completed: 0.001)
/// ledger.recordIncrement(worker: 0, .unknown("timeout"), submitted: 0.002, completed: 1.0)
/// let figures = ledger.verify(finalValues: [1, nil], finalCounters: [1, 0])
/// ```
public struct ChaosLedger: Sendable {
    /// How an operation ended, as the caller saw it.
    public enum Outcome: Sendable, Equatable {
        case ok
        /// It may or may not have run (written, then the reply never came).
        case unknown(String)
        /// It did not run (the client says so), or a server error.
        case failed(String)

        var errorKind: String? {
            switch self {
            case .ok: return nil
            case .unknown(let kind): return "unknown outcome: \(kind)"
            case .failed(let kind): return kind
            }
        }
    }

    /// Where the run is; the runner moves it on as the fault starts and the cluster settles.
    public enum Phase: Int, Sendable, CaseIterable {
        case before, during, after
    }

    public struct Worker: Sendable {
        /// Highest sequence whose `SET` was acknowledged.
        var lastAcked: Int?
        /// Sequences above `lastAcked` whose `SET` outcome is unknown: the key may hold one.
        var unknownSeqs: [Int] = []
        var incrementsAcked = 0
        var incrementsUnknown = 0
        var lastSuccess: Double?
        var longestGap = 0.0
        var successes = [0, 0, 0]
        /// Successes per `bucketSeconds` since `origin`, for the throughput of any window.
        var buckets: [Int32] = []
        var staleReads = 0
    }

    public private(set) var workers: [Worker]
    public private(set) var phase = Phase.before
    public private(set) var faultAt: Double?
    public private(set) var errors: [String: Int] = [:]
    public private(set) var operations = 0
    /// Where the success buckets start (the first record), and how wide they are.
    public private(set) var origin: Double?
    public static let bucketSeconds = 0.1
    private var lastSuccess: Double?
    private var longestGlobalGap = 0.0
    /// Acknowledged `SET`s completed after the fault: (completed, worker), for the outage of
    /// the affected slots.
    private var writesAfterFault: [(time: Double, worker: Int)] = []

    public init(workers: Int) {
        self.workers = Array(repeating: Worker(), count: workers)
    }

    /// The fault starts now (phase `during`).
    public mutating func faultStarted(at time: Double) {
        faultAt = time
        phase = .during
    }

    /// The cluster has settled (phase `after`).
    public mutating func faultEnded() { phase = .after }

    public mutating func recordSet(worker: Int, seq: Int, _ outcome: Outcome, submitted: Double, completed: Double) {
        count(outcome, worker: worker, completed: completed)
        switch outcome {
        case .ok:
            workers[worker].lastAcked = seq
            workers[worker].unknownSeqs.removeAll { $0 <= seq }
            if let faultAt, submitted >= faultAt { writesAfterFault.append((completed, worker)) }
        case .unknown:
            workers[worker].unknownSeqs.append(seq)
        case .failed:
            break
        }
    }

    /// A `GET` of the worker's key: `seq` is the sequence its value names (nil: no value).
    public mutating func recordGet(worker: Int, seq: Int?, _ outcome: Outcome, submitted: Double, completed: Double) {
        count(outcome, worker: worker, completed: completed)
        if outcome == .ok, !isPlausible(seq, for: workers[worker]) { workers[worker].staleReads += 1 }
    }

    public mutating func recordIncrement(worker: Int, _ outcome: Outcome, submitted: Double, completed: Double) {
        count(outcome, worker: worker, completed: completed)
        switch outcome {
        case .ok: workers[worker].incrementsAcked += 1
        case .unknown: workers[worker].incrementsUnknown += 1
        case .failed: break
        }
    }

    private mutating func count(_ outcome: Outcome, worker: Int, completed: Double) {
        operations += 1
        if let kind = outcome.errorKind {
            errors[kind, default: 0] += 1
            return
        }
        if let last = workers[worker].lastSuccess {
            workers[worker].longestGap = max(workers[worker].longestGap, completed - last)
        }
        workers[worker].lastSuccess = completed
        workers[worker].successes[phase.rawValue] += 1
        if origin == nil { origin = completed }
        let bucket = max(0, Int((completed - origin!) / Self.bucketSeconds))
        if workers[worker].buckets.count <= bucket {
            workers[worker].buckets += Array(repeating: 0, count: bucket + 1 - workers[worker].buckets.count)
        }
        workers[worker].buckets[bucket] += 1
        if let lastSuccess { longestGlobalGap = max(longestGlobalGap, completed - lastSuccess) }
        lastSuccess = max(lastSuccess ?? completed, completed)
    }

    /// The key may hold `seq`: the last acknowledged value, or a later one whose write is in doubt.
    private func isPlausible(_ seq: Int?, for worker: Worker) -> Bool {
        guard let acked = worker.lastAcked else { return seq.map { worker.unknownSeqs.contains($0) } ?? true }
        guard let seq else { return false }
        return seq == acked || (seq > acked && worker.unknownSeqs.contains(seq))
    }

    /// Folds in another ledger over different workers (one per event loop).
    public mutating func merge(_ other: ChaosLedger) {
        let offset = workers.count
        var others = other.workers
        // One time axis: the other ledger's buckets shifted onto this one's origin.
        if let mine = origin, let theirs = other.origin {
            let shift = Int(((theirs - mine) / Self.bucketSeconds).rounded())
            for index in others.indices {
                others[index].buckets = shift >= 0
                    ? Array(repeating: 0, count: shift) + others[index].buckets
                    : Array(others[index].buckets.dropFirst(-shift))
            }
        } else if origin == nil {
            // Ours has no successes yet: adopt the other's axis.
            origin = other.origin
            for index in workers.indices { workers[index].buckets = [] }
        }
        workers += others
        writesAfterFault += other.writesAfterFault.map { ($0.time, $0.worker + offset) }
        operations += other.operations
        errors.merge(other.errors, uniquingKeysWith: +)
        longestGlobalGap = max(longestGlobalGap, other.longestGlobalGap)
        if let time = other.faultAt { faultAt = min(faultAt ?? time, time) }
    }

    /// Successful operations per second of the workers outside `excluded`, between two times
    /// (on the clock the ledger was fed), to a bucket's precision.
    public func opsPerSecond(excluding excluded: Set<Int>, from start: Double, to end: Double) -> Double {
        guard let origin, end > start else { return 0 }
        let first = max(0, Int(((start - origin) / Self.bucketSeconds).rounded()))
        let last = Int(((end - origin) / Self.bucketSeconds).rounded())
        guard last > first else { return 0 }
        var total = 0
        for (index, worker) in workers.enumerated() where !excluded.contains(index) {
            for bucket in first..<min(last, worker.buckets.count) { total += Int(worker.buckets[bucket]) }
        }
        return Double(total) / (Double(last - first) * Self.bucketSeconds)
    }

    /// `opsPerSecond(excluding:from:to:)` over consecutive `step`-second windows from `start`
    /// to `end`: the throughput's shape through a fault.
    public func series(excluding excluded: Set<Int>, from start: Double, to end: Double, step: Double) -> [Double] {
        stride(from: start, to: end - step / 2, by: step).map { opsPerSecond(excluding: excluded, from: $0, to: $0 + step) }
    }

    /// The figures of the run, given what a fresh connection read back: each worker's final
    /// value (the sequence it names, nil when absent) and counter.
    /// - Parameters:
    ///   - affected: the workers whose keys live on the slots the fault touched.
    ///   - affectedWriters: those whose value key does (their `SET`s time the outage);
    ///     default `affected`. A worker whose other key is affected may write to a healthy
    ///     shard as soon as its stuck command times out.
    ///   - phaseSeconds: how long each phase lasted (for ops/s).
    public func verify(finalValues: [Int?], finalCounters: [Int], affected: Set<Int> = [],
                       affectedWriters: Set<Int>? = nil, phaseSeconds: [Double] = [1, 1, 1]) -> ChaosFigures {
        precondition(finalValues.count == workers.count && finalCounters.count == workers.count)
        var figures = ChaosFigures()
        figures.operations = operations
        figures.errors = errors
        figures.longestStall = longestGlobalGap
        for (index, worker) in workers.enumerated() {
            if worker.lastAcked != nil, !isPlausible(finalValues[index], for: worker) { figures.lostWrites += 1 }
            let counter = finalCounters[index]
            if counter > worker.incrementsAcked + worker.incrementsUnknown { figures.appliedTwice += 1 }
            if counter < worker.incrementsAcked { figures.lostIncrements += 1 }
            figures.staleReads += worker.staleReads
            figures.longestWorkerStall = max(figures.longestWorkerStall, worker.longestGap)
        }
        if let faultAt {
            // The affected slots' outage: the longest gap between acknowledged writes on them
            // (from the fault on), and when it ended.
            var last = faultAt
            let writers = affectedWriters ?? affected
            for write in writesAfterFault.filter({ writers.contains($0.worker) }).sorted(by: { $0.time < $1.time }) {
                if write.time - last > figures.affectedStall {
                    figures.affectedStall = write.time - last
                    figures.recovery = write.time - faultAt
                }
                last = max(last, write.time)
            }
        }
        for phase in Phase.allCases {
            let seconds = max(phaseSeconds[phase.rawValue], 1e-9)
            let all = workers.reduce(0) { $0 + $1.successes[phase.rawValue] }
            let others = workers.indices.filter { !affected.contains($0) }.reduce(0) { $0 + workers[$1].successes[phase.rawValue] }
            figures.opsPerSecond[phase.rawValue] = Double(all) / seconds
            figures.unaffectedOpsPerSecond[phase.rawValue] = Double(others) / seconds
        }
        return figures
    }
}

/// What one scenario run comes to (see `ChaosLedger.verify`).
public struct ChaosFigures: Sendable, Codable, Equatable {
    public var operations = 0
    /// Errors the callers saw, by kind ("unknown outcome: …" for writes that may have run).
    public var errors: [String: Int] = [:]
    /// Workers whose final value is older than their last acknowledged `SET` (or missing).
    public var lostWrites = 0
    /// Counters above acknowledged + unknown increments: something ran twice.
    public var appliedTwice = 0
    /// Counters below acknowledged increments.
    public var lostIncrements = 0
    /// `GET`s that returned something older than the last acknowledged value.
    public var staleReads = 0
    /// Longest time without any successful operation (seconds).
    public var longestStall = 0.0
    /// Longest time one worker went without a successful operation (seconds).
    public var longestWorkerStall = 0.0
    /// The longest time without an acknowledged write on the affected slots, from the fault on
    /// (writes submitted after the fault), in seconds.
    public var affectedStall = 0.0
    /// From the fault to the first acknowledged write on the affected slots after that
    /// longest gap: when they were writable again. Nil without affected writes.
    public var recovery: Double?
    /// Successful operations per second before, during and after the fault.
    public var opsPerSecond = [0.0, 0.0, 0.0]
    /// The same, for the workers on slots the fault did not touch.
    public var unaffectedOpsPerSecond = [0.0, 0.0, 0.0]

    public init() {}

    public var errorCount: Int { errors.values.reduce(0, +) }
    /// Errors whose command may have run (written, no reply).
    public var unknownOutcomes: Int { errors.filter { $0.key.hasPrefix("unknown outcome") }.values.reduce(0, +) }
}
