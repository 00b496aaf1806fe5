import Foundation
import RESP
import Redis
import RedisCluster
import SwiftEV

/// One topology change to run under load, as `scripts/redis-cluster.sh` performs it.
public enum ChaosScenario: String, Sendable, CaseIterable, Codable {
    case reshard, failover, kill, pause
    case scaleOut = "scale-out"
    case scaleIn = "scale-in"
}

/// What carries the load: the cluster client directly, the client with every write confirmed
/// by `WAIT 1`, or the example cache service (started in-process) over HTTP.
public enum ChaosPath: String, Sendable, CaseIterable, Codable {
    case client
    case wait = "client+WAIT 1"
    case http = "cache service (HTTP)"

    /// The runner's `--paths` names.
    public static func named(_ name: String) -> ChaosPath? {
        switch name {
        case "client": return .client
        case "wait": return .wait
        case "http": return .http
        default: return nil
        }
    }
}

/// How a chaos run is shaped.
public struct ChaosSettings: Sendable {
    public var workers = 256
    /// Event loops, one client on each (share-nothing); workers are split between them.
    public var loops = 1
    /// Seconds of load before the fault and after the cluster settled.
    public var before = 3.0
    public var after = 3.0
    /// `commandTimeout` of the clients, except for `pause` (see `pauseCommandTimeout`).
    public var commandTimeout = TimeAmount.seconds(10)
    /// Below `cluster-node-timeout` (2 s), so a hung primary's late acknowledgements arrive
    /// after the deadline: the writes are reported unknown instead of acknowledged and lost.
    public var pauseCommandTimeout = TimeAmount.seconds(1)
    public var pauseSeconds = 4.5
    public var reshardSlots = 16384 / 3
    /// Slots `scale-out` moves onto the new primary, from every primary in proportion, in
    /// batches (`scripts/redis-cluster.sh scale-out N`: seconds); nil rebalances as a
    /// platform's scaler does, a quarter of all slots moved one by one by redis-cli (over a
    /// minute here). `scale-in` moves whatever the pair's primary holds, the same way.
    public var scaleOutSlots: Int?
    /// `WAIT 1`'s own timeout for `ChaosPath.wait`, below both command timeouts.
    public var waitMilliseconds = 500
    /// The in-process cache service's port (0: one the system picks).
    public var httpPort = 0
    /// The cache service's own event loops (the HTTP load runs on loops apart from them).
    public var serviceLoops = 1
    /// The HTTP load's loops. One more than the service has: measured here, one load loop
    /// was itself the limit (runnable 97% of the time, the service's loop 82%); with two the
    /// service's loop was runnable 95% of the time, i.e. the service took all it could.
    public var httpLoadLoops = 2

    /// How many loops carry the load of `path`.
    public func loadLoops(for path: ChaosPath) -> Int {
        path == .http ? max(loops, httpLoadLoops) : loops
    }
    /// Redis' `cluster-require-full-coverage` (default yes): with it, every node refuses keyed
    /// commands (`CLUSTERDOWN`) from the moment a primary is flagged failing until its replica
    /// is promoted, so the healthy shards stop too. Set on every node after the reset; `false`
    /// measures what the client itself keeps going.
    public var requireFullCoverage = true

    public init() {}
}

/// A scenario's result: the figures, what the script said it did, how long each phase lasted.
public struct ChaosResult: Sendable, Codable {
    public var scenario: ChaosScenario
    /// Nil in results written before there was more than one path: the client.
    public var path: ChaosPath?
    public var figures: ChaosFigures
    public var phaseSeconds: [Double]
    public var commandTimeoutMilliseconds: Int64
    public var workers: Int
    public var affectedWorkers: Int
    public var affectedSlots: Int
    public var operationLog: [String]
    /// For a kill or a pause: when Redis flagged the node failing and promoted its replica.
    public var timeline: ChaosTimeline?
    /// Redis' `cluster-require-full-coverage` during the run (nil in older results: yes).
    public var requireFullCoverage: Bool?
    /// For a kill or a pause: the unaffected workers' successful operations per second before
    /// the fault, and while the node was down or stopped (from the signal to the promotion, or
    /// to the end of the pause): apart from the settling that follows, which loads the machine.
    public var unaffectedOutageOpsPerSecond: [Double]?
    /// For a kill or a pause: the unaffected workers' successful operations per second in
    /// `seriesStep`-second windows from 1 s before the signal until the cluster settled, to
    /// set beside Redis' `CLUSTERDOWN` window (`timeline.clusterDown`, seconds after the signal).
    public var unaffectedSeries: [Double]?
    public var seriesStep: Double?
    /// The same workers' ops/s while the node was down or stopped but outside the
    /// `CLUSTERDOWN` window (nil without one): what is left once Redis' own refusal is set aside.
    public var unaffectedOutsideClusterDownOpsPerSecond: Double?
    /// Per event loop (the service's, the load's): the shares of the wall time before the
    /// fault it spent on a CPU and runnable waiting for one. Adding up to nearly 1, that loop
    /// is saturated: more connections or workers would not raise the throughput.
    public var loopBusyBefore: [String: [Double]]?
    /// The same from the moment the cluster settled until the load stopped: beside the
    /// phases' ops/s, it tells a throughput that fell because a loop got less of a CPU (the
    /// machine) from one that fell because each operation cost the loop more (the code).
    public var loopBusyAfter: [String: [Double]]?
}

public struct ChaosRunner: Sendable {
    public var cluster: ChaosCluster
    public var settings: ChaosSettings
    public var log: @Sendable (String) -> Void

    public init(cluster: ChaosCluster, settings: ChaosSettings, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.cluster = cluster
        self.settings = settings
        self.log = log
    }

    /// Resets the cluster (and sets it up for the scenario), runs the load through `path`,
    /// applies the fault, lets the cluster settle, stops the load and verifies with a fresh client.
    public func run(_ scenario: ChaosScenario, via path: ChaosPath = .client) async throws -> ChaosResult {
        var operationLog: [String] = []
        func operate(_ arguments: [String]) async throws {
            let output = try await cluster.run(arguments)
            let lines = output.split(separator: "\n").map(String.init)
            operationLog += lines
            for line in lines { log("  \(line)") }
        }
        try await operate(["reset"])
        let scaleOut = ["scale-out"] + (settings.scaleOutSlots.map { ["\($0)"] } ?? [])
        if scenario == .scaleIn { try await operate(scaleOut) }

        let timeout = scenario == .pause ? settings.pauseCommandTimeout : settings.commandTimeout
        let group = LibevEventLoopGroup(numberOfThreads: settings.loadLoops(for: path))
        defer { try? group.syncShutdown() }
        var configuration = RedisClusterConfiguration(seeds: cluster.ports.map { .init(host: "127.0.0.1", port: $0) })
        configuration.commandTimeout = timeout
        // The topology before the fault, and afterwards what the cluster kept, through a client
        // of its own that carries no load.
        let checker = RedisClusterClient(configuration: configuration, eventLoop: group.loops[0])
        try await checker.connect()
        // Set either way: a reset keeps the nodes running, and with them an earlier run's setting.
        let coverage = settings.requireFullCoverage ? "yes" : "no"
        for node in try await checker.nodes() {
            _ = try await node.send(RedisCommand("CONFIG", "SET", "cluster-require-full-coverage", coverage))
        }
        log("  cluster-require-full-coverage \(coverage) on every node")
        guard let before = await checker.topology() else { throw ChaosCluster.Failure(description: "no topology") }
        let run = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let rig = try await ChaosRig.start(path, settings: settings, configuration: configuration, group: group, run: run)
        var rigStopped = false
        // A run that fails half-way must not leave the cache service listening.
        defer { if !rigStopped { Task { await rig.stop() } } }
        let loads = rig.loads
        let started = ChaosClock.now()
        let note = { (what: String) in log(String(format: "  [%.2fs] %@", ChaosClock.now() - started, what)) }
        note("load running via \(path.rawValue) (\(settings.workers) workers, commandTimeout \(timeout))")
        let cpuAtStart = rig.threads.map { $0.seconds() }
        for load in loads { try await load.loop.submit { load.start() }.get() }
        try await Task.sleep(for: .seconds(settings.before))
        let faultAt = ChaosClock.now()
        let busy = Self.busy(rig.threads, since: cpuAtStart, over: faultAt - started)
        let faultMarkEpoch = Date().timeIntervalSince1970
        for load in loads { try await load.loop.submit { load.faultStarted(at: faultAt) }.get() }
        let target = cluster.basePort  // the first primary of the freshly reset layout
        note("fault: \(scenario.rawValue)")
        switch scenario {
        case .reshard: try await operate(["reshard", "\(settings.reshardSlots)", "\(target)", "\(target + 1)"])
        case .failover: try await operate(["failover", "\(target)"])
        case .kill:
            try await operate(["kill", "\(target)"])
            try await operate(["restart", "\(target)"])
        case .pause: try await operate(["pause", "\(target)", "\(settings.pauseSeconds)"])
        case .scaleOut: try await operate(scaleOut)
        case .scaleIn: try await operate(["scale-in"])
        }
        let settled = ChaosClock.now()
        note("settled")
        for load in loads { try await load.loop.submit { load.faultEnded() }.get() }
        let cpuAtSettled = rig.threads.map { $0.seconds() }
        try await Task.sleep(for: .seconds(settings.after))
        let busyAfter = Self.busy(rig.threads, since: cpuAtSettled, over: ChaosClock.now() - settled)
        var ledger = ChaosLedger(workers: 0)
        for load in loads {
            let stopped = try await load.loop.submit { () -> EventLoopFuture<Void> in
                let promise = load.loop.makePromise(of: Void.self)
                load.stop(promise)
                return promise.futureResult
            }.get()
            try await stopped.get()
            ledger.merge(try await load.loop.submit { load.ledger }.get())
        }
        let stopped = ChaosClock.now()
        note("load stopped; verifying with a fresh client")
        await rig.stop()
        rigStopped = true

        // A fresh client reads back what the cluster kept.
        await checker.close()
        let fresh = RedisClusterClient(configuration: configuration, eventLoop: group.loops[0])
        try await fresh.connect()
        var values: [Int?] = []
        var counters: [Int] = []
        for worker in 0..<settings.workers {
            let value = try await fresh.send(RedisCommand("GET", ChaosLoad.valueKey(run: run, worker: worker))).decode(as: String?.self)
            values.append(ChaosLoad.seq(of: value))
            let counter = try await fresh.send(RedisCommand("GET", ChaosLoad.counterKey(run: run, worker: worker))).decode(as: String?.self)
            counters.append(counter.flatMap { Int($0) } ?? 0)
        }
        let after = await fresh.topology() ?? before
        await fresh.close()

        let slots = affectedSlots(scenario, before: before, after: after, target: target)
        let affected = Set((0..<settings.workers).filter { worker in
            slots.contains(HashSlot.slot(forKey: ChaosLoad.valueKey(run: run, worker: worker)))
                || slots.contains(HashSlot.slot(forKey: ChaosLoad.counterKey(run: run, worker: worker)))
        })
        let writers = Set((0..<settings.workers).filter { slots.contains(HashSlot.slot(forKey: ChaosLoad.valueKey(run: run, worker: $0))) })
        let phases = [faultAt - started, settled - faultAt, stopped - settled]
        let figures = ledger.verify(finalValues: values, finalCounters: counters, affected: affected, affectedWriters: writers,
                                    phaseSeconds: phases)
        let timeline = ChaosTimeline(operationLog: operationLog, logs: cluster.nodeLogs(excluding: target), faultMarkEpoch: faultMarkEpoch)
        var outage: [Double]?
        var series: [Double]?
        var outsideClusterDown: Double?
        let step = 0.5
        if let timeline {
            let signal = faultAt + timeline.signalAfterMark
            let end = scenario == .pause ? signal + settings.pauseSeconds : timeline.promoted.map { signal + $0 }
            if let end {
                outage = [ledger.opsPerSecond(excluding: affected, from: started, to: faultAt),
                          ledger.opsPerSecond(excluding: affected, from: signal, to: end)]
                if let down = timeline.clusterDown {
                    let from = max(signal, signal + down[0]), until = min(end, signal + down[1])
                    let inside = until > from ? ledger.opsPerSecond(excluding: affected, from: from, to: until) * (until - from) : 0
                    let total = ledger.opsPerSecond(excluding: affected, from: signal, to: end) * (end - signal)
                    let rest = (end - signal) - max(0, until - from)
                    if rest > 0 { outsideClusterDown = (total - inside) / rest }
                }
            }
            series = ledger.series(excluding: affected, from: signal - 1, to: settled, step: step)
        }
        return ChaosResult(scenario: scenario, path: path, figures: figures, phaseSeconds: phases,
                           commandTimeoutMilliseconds: timeout.nanoseconds / 1_000_000, workers: settings.workers,
                           affectedWorkers: affected.count, affectedSlots: slots.count, operationLog: operationLog,
                           timeline: timeline, requireFullCoverage: settings.requireFullCoverage,
                           unaffectedOutageOpsPerSecond: outage, unaffectedSeries: series, seriesStep: series == nil ? nil : step,
                           unaffectedOutsideClusterDownOpsPerSecond: outsideClusterDown, loopBusyBefore: busy,
                           loopBusyAfter: busyAfter)
    }

    /// Per thread, the shares of `wall` seconds it spent on a CPU and runnable waiting for one
    /// since `start` (as `ChaosResult.loopBusyBefore`).
    static func busy(_ threads: [ChaosThreadCPU], since start: [(running: Double, waiting: Double)?], over wall: Double) -> [String: [Double]] {
        var busy: [String: [Double]] = [:]
        for (thread, before) in zip(threads, start) {
            guard let before, let now = thread.seconds() else { continue }
            busy[thread.name] = [(now.running - before.running) / wall, (now.waiting - before.waiting) / wall]
        }
        return busy
    }

    /// The slots the fault touched: the target primary's (a failover, kill or hang), or those
    /// whose owner changed (a reshard or scaling).
    func affectedSlots(_ scenario: ChaosScenario, before: ClusterTopology, after: ClusterTopology, target: Int) -> Set<Int> {
        switch scenario {
        case .failover, .kill, .pause:
            let shard = before.shards.first { $0.primary.endpoint.port == target }
            return Set(shard?.slots.flatMap { Array($0) } ?? [])
        case .reshard, .scaleOut, .scaleIn:
            return Set((0..<HashSlot.count).filter {
                before.shard(forSlot: $0)?.primary.endpoint != after.shard(forSlot: $0)?.primary.endpoint
            })
        }
    }
}
