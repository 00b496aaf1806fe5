import DequeModule
import Redis
import RESP
import SwiftEV

/// Runs one cluster-wide scan on the coordinator's loop: a `SCAN` per primary, each on a
/// connection of its own (so a cursor can never be re-routed to another node by the client's
/// recovery paths), bracketed by `CLUSTER NODES` to learn what the node really served, and as
/// many rounds as `ScanCoverage` needs. Pages are read ahead of the consumer up to
/// `readAheadKeys` keys waiting; beyond that a node's next `SCAN` waits until its page is taken,
/// so a slow reader slows the scan instead of filling memory. The consumer takes every waiting
/// page in one hop.
final class ClusterScanDriver {
    struct Options: Sendable {
        var match: String?
        var count: Int?
        var type: String?
        /// Rounds (the first plus re-scans of slots not yet covered) before giving up.
        var maxRounds = 20
    }

    private unowned let coordinator: ClusterCoordinator
    private let options: Options
    private var coverage = ScanCoverage()
    private var round = 0
    private var running = 0
    private var latestView: ClusterNodesView?
    private var problems: [String] = []
    /// Pages the consumer has not taken yet, each with what continues its node's scan.
    private var ready = Deque<(ClusterScanEvent, (() -> Void)?)>()
    private var waiter: EventLoopPromise<[ClusterScanEvent]>?
    /// Keys in `ready`.
    private var readyKeys = 0
    /// Measured with Benchmarks/run-pubsub-scan.sh: one page per node in flight made small
    /// COUNTs latency-bound (each page waited for the consumer's hop).
    static let readAheadKeys = 10_000
    private var outcome: Result<Void, any Error>?
    private var connections: [ObjectIdentifier: any NodeConnection] = [:]
    private var delegates: [DedicatedChannelDelegate] = []
    private var stopped = false
    private var loop: any EventLoop { coordinator.loop }

    init(coordinator: ClusterCoordinator, options: Options) {
        self.coordinator = coordinator
        self.options = options
    }

    // MARK: Consumer side

    /// Every event waiting (at least one), empty at the end; fails with why the scan could not finish.
    func next() -> EventLoopFuture<[ClusterScanEvent]> {
        if round == 0 { startRound(coordinator.topology?.shards.map(\.primary.endpoint) ?? []) }
        if !ready.isEmpty { return loop.makeSucceededFuture(takeReady()) }
        if let outcome {
            switch outcome {
            case .success: return loop.makeSucceededFuture([])
            case .failure(let error): return loop.makeFailedFuture(error)
            }
        }
        let promise = loop.makePromise(of: [ClusterScanEvent].self)
        waiter = promise
        return promise.futureResult
    }

    private func takeReady() -> [ClusterScanEvent] {
        let taken = ready
        ready.removeAll()
        readyKeys = 0
        for (_, resume) in taken { resume?() }
        return taken.map(\.0)
    }

    /// The consumer went away: close everything.
    func stop() {
        stopped = true
        for connection in connections.values { connection.close() }
        connections = [:]
        ready.removeAll()
    }

    private func offer(_ event: ClusterScanEvent, then resume: (() -> Void)?) {
        guard !stopped else { return }
        if case .keys(let keys, _) = event { readyKeys += keys.count }
        // Below the read-ahead bound the node goes on at once; above it, when the page is taken.
        let goOn = readyKeys < Self.readAheadKeys
        ready.append((event, goOn ? nil : resume))
        if let waiter {
            self.waiter = nil
            waiter.succeed(takeReady())
        }
        if goOn { resume?() }
    }

    private func end(_ result: Result<Void, any Error>) {
        outcome = result
        guard ready.isEmpty, let waiter else { return }
        self.waiter = nil
        switch result {
        case .success: waiter.succeed([])
        case .failure(let error): waiter.fail(error)
        }
    }

    // MARK: Rounds

    private func startRound(_ nodes: [ClusterEndpoint]) {
        round += 1
        guard !nodes.isEmpty else { return roundDone() }
        running = nodes.count
        for node in nodes { scan(node) }
    }

    private func roundDone() {
        guard !stopped else { return }
        if coverage.isComplete { return end(.success(())) }
        let missing = coverage.uncovered
        guard round < options.maxRounds else {
            let why = problems.last ?? "the slots kept moving while they were scanned"
            return end(.failure(RedisClusterError(.scanIncomplete(uncovered: missing.ranges, why: why), command: "SCAN")))
        }
        coordinator.requestRefresh(because: "SCAN found slots moving")
        let delay = TimeAmount.milliseconds(Int64(min(50 * round, 500)))
        coordinator.after(delay) { [weak self] in
            guard let self, !stopped else { return }
            let nodes = nodesFor(missing)
            let reason = "\(missing.count) slots not verified in round \(round) (\(problems.last ?? "moved or migrating during the scan"))"
            problems.removeAll()
            offer(.restarted(nodes: nodes, reason: reason), then: nil)
            startRound(nodes)
        }
    }

    /// The owners of `missing`, by the freshest node view (addresses mapped to the topology's
    /// endpoints by node ID), or by the client's topology when no view was read.
    private func nodesFor(_ missing: SlotSet) -> [ClusterEndpoint] {
        let topology = coordinator.topology
        var result: [ClusterEndpoint] = []
        if let view = latestView {
            for (id, address) in coverage.nextNodes(view: view).nodes {
                let known = topology?.nodes.first { $0.id == id }?.endpoint
                if let endpoint = known ?? address, !result.contains(endpoint) { result.append(endpoint) }
            }
        }
        for slot in missing.ranges.flatMap({ [$0.lowerBound, $0.upperBound] }) {
            if let endpoint = topology?.shard(forSlot: slot)?.primary.endpoint, !result.contains(endpoint) { result.append(endpoint) }
        }
        return result
    }

    // MARK: One node

    private func scan(_ node: ClusterEndpoint) {
        let delegate = DedicatedChannelDelegate(
            redirected: { pending, redirection in
                pending.handler.complete(.failure(RedisError(.redirected(redirection), node: node.description, command: pending.command.name)))
            },
            returned: { commands, _ in DedicatedChannelDelegate.fail(commands, node: node.description) })
        delegates.append(delegate)
        coordinator.pool.dialDedicated(node, delegate: delegate).whenComplete { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let connection):
                guard !stopped else { connection.close(); return }
                connections[ObjectIdentifier(connection)] = connection
                view(on: connection) { [weak self] start in
                    guard let self else { return }
                    guard let start else { return nodeDone(connection, nil) }
                    page(connection, node: node, cursor: "0", start: start)
                }
            case .failure(let error):
                problems.append("\(node): \(error)")
                nodeDone(nil, nil)
            }
        }
    }

    private func page(_ connection: any NodeConnection, node: ClusterEndpoint, cursor: String, start: ClusterNodesView.Node) {
        var words: [any RESPArgument] = ["SCAN", cursor]
        if let match = options.match { words += ["MATCH", match] }
        if let count = options.count { words += ["COUNT", count] }
        if let type = options.type { words += ["TYPE", type] }
        send(connection, RedisCommand(words, readOnly: true)) { [weak self] result in
            guard let self, !stopped else { return }
            guard case .success(let reply) = result, case .array(let parts?) = reply, parts.count == 2,
                  let next = try? parts[0].decode(as: String.self), let keys = try? parts[1].decode(as: [ByteBuffer].self) else {
                problems.append("\(node): SCAN failed: \(result)")
                return nodeDone(connection, nil)
            }
            let resume: () -> Void = { [weak self] in
                guard let self, !stopped else { return }
                if next == "0" {
                    view(on: connection) { [weak self] end in
                        guard let self else { return }
                        if let end {
                            let verified = coverage.nodeScanned(start: start, end: end)
                            if verified.count < start.slots.count {
                                problems.append("\(node): \(start.slots.count - verified.count) of its slots moved or were migrating during the scan")
                            }
                        }
                        nodeDone(connection, end)
                    }
                } else {
                    page(connection, node: node, cursor: next, start: start)
                }
            }
            if keys.isEmpty { resume() } else { offer(.keys(keys, node: node), then: resume) }
        }
    }

    /// The node's own line of `CLUSTER NODES` (nil on failure); remembers the whole view.
    private func view(on connection: any NodeConnection, _ completion: @escaping (ClusterNodesView.Node?) -> Void) {
        send(connection, RedisCommand("CLUSTER", "NODES")) { [weak self] result in
            guard let self else { return }
            guard case .success(let reply) = result, let text = try? reply.decode(as: String.self) else {
                problems.append("\(connection.correlator.node): CLUSTER NODES failed: \(result)")
                return completion(nil)
            }
            let view = ClusterNodesView.parse(text)
            latestView = view
            completion(view.myself)
        }
    }

    private func send(_ connection: any NodeConnection, _ command: RedisCommand, _ completion: @escaping (Result<RESPValue, any Error>) -> Void) {
        connection.send(PendingCommand(command: command, handler: .callback(on: loop, completion),
                                       deadline: loop.now + coordinator.configuration.commandTimeout))
    }

    private func nodeDone(_ connection: (any NodeConnection)?, _ end: ClusterNodesView.Node?) {
        if let connection {
            connections[ObjectIdentifier(connection)] = nil
            connection.close()
        }
        running -= 1
        if running == 0 { roundDone() }
    }
}
