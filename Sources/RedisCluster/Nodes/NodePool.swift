import DequeModule
import Redis
import RESP
import SwiftEV
import SwiftEVTLS

/// What the node pool reports to the coordinator. Called on the loop.
protocol NodePoolDelegate: AnyObject {
    /// A node answered a command with a redirect or retry signal.
    func nodePool(_ pool: NodePool, redirected command: PendingCommand, by redirection: Redirection, from node: ClusterEndpoint)
    /// Commands that did not reach a node (it could not be dialled, or is in its backoff), or
    /// that it returned when its connection was lost (never sent, or read-only): route again.
    /// Not those of a node that refused the credentials: they fail at once (`NodeOutage`).
    func nodePool(_ pool: NodePool, bounced commands: [PendingCommand], from node: ClusterEndpoint, cause: NodeFailure.Cause)
    /// A node's handshake completed.
    func nodePool(_ pool: NodePool, connected node: ClusterEndpoint)
    /// A node's connection failed or closed.
    func nodePool(_ pool: NodePool, lost node: ClusterEndpoint, cause: NodeFailure.Cause, retryIn delay: TimeAmount)
    /// Written commands passed their deadline on a node without an answer.
    func nodePool(_ pool: NodePool, timedOutOn node: ClusterEndpoint)
}

/// One connection per node, dialled on first use, re-dialled with backoff after a failure.
///
/// Connects and name lookups never block the loop, and a dead node only delays the commands
/// routed to it: they wait in its own bounded queue while it is being dialled and bounce back
/// to the coordinator (which waits for a new topology) when the dial fails, or fail at once
/// when the node refused the client's credentials (see `NodeOutage`).
final class NodePool: NodeChannelDelegate {
    let loop: any EventLoop
    let connector: NodeConnector
    weak var delegate: (any NodePoolDelegate)?
    let settings: RedisClusterConfiguration
    private(set) var handles: [ClusterEndpoint: NodeHandle] = [:]
    private var byCorrelator: [ObjectIdentifier: ClusterEndpoint] = [:]
    private var closing = false

    init(loop: any EventLoop, settings: RedisClusterConfiguration, connector: @escaping NodeConnector) {
        self.loop = loop
        self.settings = settings
        self.connector = connector
    }

    /// The handle for `endpoint`, created (not dialled) when new. `seed` credentials override
    /// the common node configuration for that one node.
    @discardableResult
    func handle(for endpoint: ClusterEndpoint, seed: RedisClusterConfiguration.Seed? = nil) -> NodeHandle {
        if let existing = handles[endpoint] {
            existing.retired = false
            return existing
        }
        var configuration = settings.node
        if let seed {
            if seed.username != nil { configuration.username = seed.username }
            if seed.password != nil { configuration.password = seed.password }
        }
        // READONLY only when reads may go to replicas: on a primary it is harmless, but on a
        // demoted primary it would serve reads the caller expects from the primary.
        if case .primary = settings.scaleReads {} else { configuration.readOnly = true }
        // The cluster client keeps its own deadline per command; this is the backstop of a
        // connection (handshake, commands handed over without one).
        configuration.commandTimeout = settings.commandTimeout
        let handle = NodeHandle(endpoint: endpoint, configuration: configuration,
                                backoff: ReconnectBackoff(initial: settings.reconnectDelay, maximum: settings.maxReconnectDelay))
        handles[endpoint] = handle
        return handle
    }

    /// Sends `pending` to the node, dialling it if needed.
    func send(_ pending: consuming PendingCommand, to endpoint: ClusterEndpoint) {
        let handle = handles[endpoint] ?? handle(for: endpoint)
        handle.retired = false  // a redirect still sends here: keep it until the next refresh
        send(pending, via: handle)
    }

    /// The hot path: the coordinator keeps each shard's primary handle, so no lookup by address.
    func send(_ pending: consuming PendingCommand, via handle: NodeHandle) {
        let endpoint = handle.endpoint
        switch handle.state {
        case .ready(let connection):
            guard !connection.isClosing else {
                // Closing right now: the callers of the commands it just failed may send again
                // before its close is reported. Count it lost at once and route around it.
                connectionClosed(handle)
                return send(pending, via: handle)
            }
            connection.sendOnLoop(pending)
        case .connecting(var queue, let probes):
            guard queue.count < handle.configuration.maxPendingCommands else {
                let name = pending.command.name
                pending.handler.complete(.failure(RedisError(.tooManyPendingCommands(limit: handle.configuration.maxPendingCommands),
                                                             node: endpoint.description, command: name)))
                return
            }
            handle.state = .idle  // release the queue's storage so the append does not copy it
            queue.append(pending)
            handle.state = .connecting(queue, probes: probes)
        case .idle:
            dial(handle, queue: [pending], probes: [])
        case .down(let outage):
            switch outage.admit(now: loop.now) {
            case .dial: dial(handle, queue: [pending], probes: [])
            case .bounce: delegate?.nodePool(self, bounced: [pending], from: endpoint, cause: outage.cause)
            case .fail(let kind): refuse(pending, kind, on: endpoint)
            }
        case .closed:
            if !closing, handles[endpoint] !== handle {
                // A stale handle (its node left and came back): use the current one.
                return send(pending, to: endpoint)
            }
            delegate?.nodePool(self, bounced: [pending], from: endpoint, cause: .other("client closed"))
        }
    }

    /// Sends one of the client's own commands; it fails (never waits for another node) when
    /// the node is down or cannot be dialled.
    func probe(_ endpoint: ClusterEndpoint, _ command: RedisCommand, timeout: TimeAmount,
               completion: @escaping (Result<RESPValue, any Error>) -> Void) {
        let handle = handles[endpoint] ?? handle(for: endpoint)
        let probe = NodeHandle.Probe(command: command, deadline: loop.now + timeout, completion: completion)
        switch handle.state {
        case .ready(let connection):
            connection.send(probe.pending(on: loop))
        case .connecting(let queue, var probes):
            probes.append(probe)
            handle.state = .connecting(queue, probes: probes)
        case .idle:
            dial(handle, queue: [], probes: [probe])
        case .down(let outage):
            if loop.now >= outage.until {
                dial(handle, queue: [], probes: [probe])
            } else {
                completion(.failure(NodeFailure(endpoint: endpoint, cause: outage.cause)))
            }
        case .closed:
            completion(.failure(RedisClusterError(.clientClosed, command: command.name)))
        }
    }

    /// Dials the node now if it is idle (eager connection to primaries).
    func connectIfIdle(_ endpoint: ClusterEndpoint) {
        let handle = handles[endpoint] ?? handle(for: endpoint)
        if case .idle = handle.state { dial(handle, queue: [], probes: []) }
    }

    private func dial(_ handle: NodeHandle, queue: Deque<PendingCommand>, probes: [NodeHandle.Probe]) {
        guard !closing else { return }
        handle.generation += 1
        let generation = handle.generation
        handle.state = .connecting(queue, probes: probes)
        let address = settings.connectAddress(for: handle.endpoint)
        let endpoint = handle.endpoint
        var configuration = handle.configuration
        configuration.tlsServerName = settings.tlsServerName(for: endpoint)
        connector(address, configuration, self).whenComplete { [self] result in
            guard let handle = handles[endpoint], handle.generation == generation else {
                if case .success(let connection) = result { connection.close() }
                return
            }
            switch result {
            case .success(let connection):
                connected(handle, connection)
            case .failure(let error):
                failed(handle, error: error)
            }
        }
    }

    private func connected(_ handle: NodeHandle, _ connection: any NodeConnection) {
        guard case .connecting(let queue, let probes) = handle.state else { connection.close(); return }
        handle.backoff.succeeded()
        handle.state = .ready(connection)
        byCorrelator[ObjectIdentifier(connection.correlator)] = handle.endpoint
        let generation = handle.generation
        let endpoint = handle.endpoint
        // By address and generation, not a weak reference: a weakly referenced object gets a
        // side table, and every retain of the handle on the command path then takes the slow
        // path (seen in perf as doDecrementSlow under route).
        connection.closeFuture.whenComplete { [weak self] _ in
            guard let self, let handle = self.handles[endpoint], handle.generation == generation else { return }
            self.byCorrelator[ObjectIdentifier(connection.correlator)] = nil
            self.connectionClosed(handle)
        }
        for probe in probes { connection.send(probe.pending(on: loop)) }
        if !queue.isEmpty { connection.send(batch: Array(queue)) }
        delegate?.nodePool(self, connected: handle.endpoint)
    }

    private func failed(_ handle: NodeHandle, error: any Error) {
        var queued: [PendingCommand] = []
        var probes: [NodeHandle.Probe] = []
        if case .connecting(let queue, let waiting) = handle.state {
            queued = Array(queue)
            probes = waiting
        }
        let delay = handle.backoff.failed(random: Double.random(in: 0..<1))
        let outage = NodeOutage(dialError: error, until: loop.now + delay)
        let endpoint = handle.endpoint
        handle.state = closing ? .closed : .down(outage)
        delegate?.nodePool(self, lost: endpoint, cause: outage.cause, retryIn: delay)
        for probe in probes { probe.completion(.failure(NodeFailure(endpoint: endpoint, cause: outage.cause))) }
        guard !queued.isEmpty else { return }
        switch outage.queued {
        case .fail(let kind): for pending in queued { refuse(pending, kind, on: endpoint) }
        case .bounce, .dial: delegate?.nodePool(self, bounced: queued, from: endpoint, cause: outage.cause)
        }
    }

    /// Fails a command the node will not take (it refused the client's credentials): at once,
    /// not sent, rather than waiting for its deadline or being retried where it cannot succeed.
    private func refuse(_ pending: consuming PendingCommand, _ kind: RedisError.Kind, on endpoint: ClusterEndpoint) {
        let name = pending.command.name
        pending.handler.complete(.failure(RedisError(kind, node: endpoint.description, command: name)))
    }

    private func connectionClosed(_ handle: NodeHandle) {
        guard case .ready = handle.state else { return }
        if closing || handle.retired {
            handle.state = .closed
            if handle.retired, handles[handle.endpoint] === handle { handles[handle.endpoint] = nil }
            return
        }
        // The first loss re-dials after the shortest delay: most losses are a restart or a
        // failover, and the node (or its address) is back soon.
        let delay = handle.backoff.failed(random: Double.random(in: 0..<1))
        let cause = NodeFailure.Cause.unreachable("connection lost")
        handle.state = .down(NodeOutage(cause: cause, until: loop.now + delay))
        delegate?.nodePool(self, lost: handle.endpoint, cause: cause, retryIn: delay)
    }

    /// The node left the topology: close it once nothing is in flight on it.
    func retire(_ endpoint: ClusterEndpoint) {
        guard let handle = handles[endpoint] else { return }
        handle.retired = true
        closeRetiredIdle()
    }

    /// Retires every node not in `keep` (the current topology's), after each refresh.
    func retire(allBut keep: Set<ClusterEndpoint>) {
        for (endpoint, handle) in handles where !handle.retired && !keep.contains(endpoint) {
            handle.retired = true
        }
    }

    /// Closes retired nodes with nothing in flight (called after each refresh).
    func closeRetiredIdle() {
        for (endpoint, handle) in handles where handle.retired && handle.pendingCount == 0 {
            if case .connecting = handle.state { continue }
            // Out of the map first: a command for this address from now on dials afresh
            // instead of landing on a connection that is closing.
            handles[endpoint] = nil
            if case .ready(let connection) = handle.state { connection.close() }
            handle.state = .closed
        }
    }

    func closeAll() -> [EventLoopFuture<Void>] {
        closing = true
        var futures: [EventLoopFuture<Void>] = []
        for handle in handles.values {
            switch handle.state {
            case .ready(let connection): futures.append(connection.close())
            case .connecting(let queue, let probes):
                handle.generation += 1
                for pending in queue {
                    pending.handler.complete(.failure(RedisClusterError(.clientClosed, command: pending.command.name)))
                }
                for probe in probes { probe.completion(.failure(RedisClusterError(.clientClosed, command: probe.command.name))) }
            default: break
            }
            handle.state = .closed
        }
        return futures
    }

    // MARK: NodeChannelDelegate

    func nodeChannel(_ correlator: CommandCorrelator, redirected command: PendingCommand, by redirection: Redirection) {
        let endpoint = byCorrelator[ObjectIdentifier(correlator)] ?? ClusterEndpoint(correlator.node) ?? ClusterEndpoint(host: "?", port: 1)
        delegate?.nodePool(self, redirected: command, by: redirection, from: endpoint)
    }

    func nodeChannel(_ correlator: CommandCorrelator, timedOut count: Int) {
        guard let endpoint = byCorrelator[ObjectIdentifier(correlator)] ?? ClusterEndpoint(correlator.node) else { return }
        delegate?.nodePool(self, timedOutOn: endpoint)
    }

    func nodeChannel(_ correlator: CommandCorrelator, returned commands: [PendingCommand], cause: RedisError) {
        let endpoint = byCorrelator[ObjectIdentifier(correlator)] ?? ClusterEndpoint(correlator.node) ?? ClusterEndpoint(host: "?", port: 1)
        delegate?.nodePool(self, bounced: commands, from: endpoint, cause: .unreachable("\(cause)"))
    }

    // MARK: Errors

    /// Server error codes that mean the credentials were refused (retrying will not help).
    static let authenticationCodes: Set<String> = ["WRONGPASS", "NOAUTH", "NOPERM"]

    /// Sorts a connect or handshake failure into the causes users act on differently.
    static func classify(_ error: any Error) -> NodeFailure.Cause {
        if let error = error as? RedisError {
            switch error.kind {
            case .handshakeFailed(_, let reply) where authenticationCodes.contains(reply.code):
                return .authenticationFailed(reply)
            case .handshakeFailed(let step, let reply):
                return .handshakeRefused(step: step, reply)
            case .timeout:
                return .unreachable("handshake timed out")
            default:
                return .unreachable("\(error)")
            }
        }
        if let error = error as? SocketError { return .unreachable("\(error)") }
        if let error = error as? TLSError { return .tls(error) }
        return .other("\(error)")
    }
}
