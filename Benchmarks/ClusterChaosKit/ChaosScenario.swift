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

    public init() {}
}

/// A scenario's result: the figures, what the script said it did, how long each phase lasted.
public struct ChaosResult: Sendable, Codable {
    public var scenario: ChaosScenario
    public var figures: ChaosFigures
    public var phaseSeconds: [Double]
    public var commandTimeoutMilliseconds: Int64
    public var workers: Int
    public var affectedWorkers: Int
    public var affectedSlots: Int
    public var operationLog: [String]
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

    /// Resets the cluster (and sets it up for the scenario), runs the load, applies the fault,
    /// lets the cluster settle, stops the load and verifies with a fresh client.
    public func run(_ scenario: ChaosScenario) async throws -> ChaosResult {
        var operationLog: [String] = []
        func operate(_ arguments: [String]) async throws {
            let output = try await cluster.run(arguments)
            let lines = output.split(separator: "\n").map(String.init)
            operationLog += lines
            for line in lines { log("  \(line)") }
        }
        try await operate(["reset"])
        if scenario == .scaleIn { try await operate(["scale-out"]) }

        let timeout = scenario == .pause ? settings.pauseCommandTimeout : settings.commandTimeout
        let group = LibevEventLoopGroup(numberOfThreads: settings.loops)
        defer { try? group.syncShutdown() }
        var configuration = RedisClusterConfiguration(seeds: cluster.ports.map { .init(host: "127.0.0.1", port: $0) })
        configuration.commandTimeout = timeout
        let clients = group.loops.map { RedisClusterClient(configuration: configuration, eventLoop: $0) }
        for client in clients { try await client.connect() }
        guard let before = await clients[0].topology() else { throw ChaosCluster.Failure(description: "no topology") }
        let run = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let perLoop = (settings.workers + settings.loops - 1) / settings.loops
        var loads: [ChaosLoad] = []
        for (index, client) in clients.enumerated() {
            let range = (index * perLoop)..<min(settings.workers, (index + 1) * perLoop)
            let load = try await client.eventLoop.submit {
                let load = ChaosLoad(client: client, workers: range, run: run)
                load.start()
                return load
            }.get()
            loads.append(load)
        }
        let started = ChaosClock.now()
        let note = { (what: String) in log(String(format: "  [%.2fs] %@", ChaosClock.now() - started, what)) }
        note("load running (\(settings.workers) workers, commandTimeout \(timeout))")
        try await Task.sleep(for: .seconds(settings.before))
        let faultAt = ChaosClock.now()
        for load in loads { try await load.client.eventLoop.submit { load.faultStarted(at: faultAt) }.get() }
        let target = cluster.basePort  // the first primary of the freshly reset layout
        note("fault: \(scenario.rawValue)")
        switch scenario {
        case .reshard: try await operate(["reshard", "\(settings.reshardSlots)", "\(target)", "\(target + 1)"])
        case .failover: try await operate(["failover", "\(target)"])
        case .kill:
            try await operate(["kill", "\(target)"])
            try await operate(["restart", "\(target)"])
        case .pause: try await operate(["pause", "\(target)", "\(settings.pauseSeconds)"])
        case .scaleOut: try await operate(["scale-out"])
        case .scaleIn: try await operate(["scale-in"])
        }
        let settled = ChaosClock.now()
        note("settled")
        for load in loads { try await load.client.eventLoop.submit { load.faultEnded() }.get() }
        try await Task.sleep(for: .seconds(settings.after))
        var ledger = ChaosLedger(workers: 0)
        for load in loads {
            let stopped = try await load.client.eventLoop.submit { () -> EventLoopFuture<Void> in
                let promise = load.client.eventLoop.makePromise(of: Void.self)
                load.stop(promise)
                return promise.futureResult
            }.get()
            try await stopped.get()
            ledger.merge(try await load.client.eventLoop.submit { load.ledger }.get())
        }
        let stopped = ChaosClock.now()
        note("load stopped; verifying with a fresh client")
        for client in clients { await client.close() }

        // A fresh client reads back what the cluster kept.
        let checker = RedisClusterClient(configuration: configuration, eventLoop: group.loops[0])
        try await checker.connect()
        var values: [Int?] = []
        var counters: [Int] = []
        for worker in 0..<settings.workers {
            let value = try await checker.send(RedisCommand("GET", ChaosLoad.valueKey(run: run, worker: worker))).decode(as: String?.self)
            values.append(ChaosLoad.seq(of: value))
            let counter = try await checker.send(RedisCommand("GET", ChaosLoad.counterKey(run: run, worker: worker))).decode(as: String?.self)
            counters.append(counter.flatMap { Int($0) } ?? 0)
        }
        let after = await checker.topology() ?? before
        await checker.close()

        let slots = affectedSlots(scenario, before: before, after: after, target: target)
        let affected = Set((0..<settings.workers).filter { worker in
            slots.contains(HashSlot.slot(forKey: ChaosLoad.valueKey(run: run, worker: worker)))
                || slots.contains(HashSlot.slot(forKey: ChaosLoad.counterKey(run: run, worker: worker)))
        })
        let phases = [faultAt - started, settled - faultAt, stopped - settled]
        let figures = ledger.verify(finalValues: values, finalCounters: counters, affected: affected, phaseSeconds: phases)
        return ChaosResult(scenario: scenario, figures: figures, phaseSeconds: phases,
                           commandTimeoutMilliseconds: timeout.nanoseconds / 1_000_000, workers: settings.workers,
                           affectedWorkers: affected.count, affectedSlots: slots.count, operationLog: operationLog)
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
