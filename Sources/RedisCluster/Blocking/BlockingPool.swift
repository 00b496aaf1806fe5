import Redis
import RESP
import SwiftEV

/// Carries blocking commands (`BlockingCommand`) on connections of their own, so a `BLPOP` that
/// waits a minute never holds up the GETs behind it on the node's shared connection. Per node at
/// most `RedisClusterConfiguration.maxBlockingConnectionsPerNode` connections, kept open for
/// reuse; beyond that commands queue (`BlockingLeases`). Redirects are followed with the
/// coordinator's `RedirectPolicy`, on the new node's blocking connections. Loop-confined.
final class BlockingPool {
    /// One blocking connection and the command it carries now.
    final class Lease {
        let endpoint: ClusterEndpoint
        var connection: (any NodeConnection)?
        var delegate: DedicatedChannelDelegate?
        /// The caller's command (its own handler), while one runs here.
        var current: PendingCommand?

        init(endpoint: ClusterEndpoint) { self.endpoint = endpoint }
    }

    private unowned let coordinator: ClusterCoordinator
    private var nodes: [ClusterEndpoint: BlockingLeases<Lease, PendingCommand>] = [:]
    private var timer: (any LoopTimer)?
    private var closed = false
    /// Every open blocking connection, leased or idle, for `close()`.
    private var open: [ObjectIdentifier: Lease] = [:]
    private var loop: any EventLoop { coordinator.loop }

    init(coordinator: ClusterCoordinator) {
        self.coordinator = coordinator
    }

    private func leases(_ endpoint: ClusterEndpoint) -> BlockingLeases<Lease, PendingCommand> {
        nodes[endpoint] ?? BlockingLeases(limit: coordinator.configuration.maxBlockingConnectionsPerNode,
                                          queueLimit: coordinator.configuration.maxBlockingQueuePerNode)
    }

    /// Sends `pending` on a blocking connection to `endpoint` (dialled, reused or waited for).
    func send(_ pending: PendingCommand, to endpoint: ClusterEndpoint) {
        guard !closed else { return pending.handler.complete(.failure(RedisClusterError(.clientClosed, command: pending.command.name))) }
        var state = leases(endpoint)
        let decision = state.acquire(pending, deadline: pending.deadline ?? .distantFuture)
        nodes[endpoint] = state
        switch decision {
        case .use(let lease): start(pending, on: lease)
        case .dial: dial(for: pending, to: endpoint)
        case .queued: armTimer()
        case .rejected:
            coordinator.fail(pending, .blockingConnectionsBusy(endpoint, limit: state.limit, queued: state.queueLimit))
        }
    }

    private func dial(for pending: PendingCommand, to endpoint: ClusterEndpoint) {
        let lease = Lease(endpoint: endpoint)
        let delegate = DedicatedChannelDelegate(
            redirected: { [weak self, weak lease] _, redirection in
                guard let self, let lease else { return }
                redirected(lease, by: redirection)
            },
            returned: { commands, _ in DedicatedChannelDelegate.fail(commands, node: endpoint.description) })
        lease.delegate = delegate
        coordinator.pool.dialDedicated(endpoint, delegate: delegate).whenComplete { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let connection):
                lease.connection = connection
                open[ObjectIdentifier(lease)] = lease
                connection.closeFuture.whenComplete { [weak self, weak lease] _ in
                    guard let self, let lease else { return }
                    open[ObjectIdentifier(lease)] = nil
                    nodes[endpoint]?.removeIdle { $0 === lease }
                }
                if closed { connection.close() }
                start(pending, on: lease)
            case .failure(let error):
                // Not connected: the command was not sent.
                failNotSent(pending, error, on: endpoint)
                guard var state = nodes[endpoint] else { return }
                if NodePool.classify(error).isPersistentRefusal {
                    // Not a handshake per waiter, each refused like this one.
                    let refused = state.dialRefused()
                    nodes[endpoint] = state
                    for waiter in refused { failNotSent(waiter, error, on: endpoint) }
                    return
                }
                let next = state.dialFailed()
                nodes[endpoint] = state
                if let next { dial(for: next, to: endpoint) }
            }
        }
    }

    /// A failed dial's reason, naming the command that was not sent (not the connect's handshake).
    private func failNotSent(_ pending: PendingCommand, _ error: any Error, on endpoint: ClusterEndpoint) {
        guard let dialError = error as? RedisError else { return pending.handler.complete(.failure(error)) }
        pending.handler.complete(.failure(RedisError(dialError.kind, node: endpoint.description, command: pending.command.name,
                                                      underlying: dialError.underlying)))
    }

    private func start(_ pending: PendingCommand, on lease: Lease) {
        guard let connection = lease.connection else { return }
        lease.current = pending
        var carried = pending
        // The caller's cancellation goes along: a task cancelled while BLPOP blocks ends it.
        let promise = loop.makePromise(of: RESPValue.self)
        carried.handler = .promise(promise, cancellation: pending.handler.cancellation)
        promise.futureResult.whenComplete { [weak self] result in
            guard let self else { return pending.handler.complete(result) }
            finished(lease, result)
        }
        connection.send(carried)
    }

    private func finished(_ lease: Lease, _ result: Result<RESPValue, any Error>) {
        guard let original = lease.current else { return }
        lease.current = nil
        release(lease)
        original.handler.complete(result)
    }

    /// A connection is reused only when nothing of its last command is still owed: after a
    /// timeout or a cancellation the server may still be blocked on it.
    private func release(_ lease: Lease) {
        let reusable = lease.connection.map { !$0.isClosing && $0.correlator.repliesOwed == 0 } ?? false
        guard var state = nodes[lease.endpoint] else { return }
        let decision = state.release(lease, reusable: reusable && !closed)
        nodes[lease.endpoint] = state
        switch decision {
        case .keep: break
        case .handOver(let lease, let next): start(next, on: lease)
        case .closed(let waiter):
            lease.connection?.close()
            if let waiter { dial(for: waiter, to: lease.endpoint) }
        }
    }

    private func redirected(_ lease: Lease, by redirection: Redirection) {
        guard var pending = lease.current else { return }
        lease.current = nil
        release(lease)
        let decision = coordinator.policy.decide(
            redirection, history: pending.redirections, sender: lease.endpoint, knowsPrimary: { self.coordinator.knowsPrimary($0) },
            now: loop.now, deadline: pending.deadline ?? .distantFuture)
        pending.redirections.append(redirection)
        switch decision {
        case .send(let target, let asking, let delay, let slot, let refresh):
            if let slot { coordinator.patch(slot: slot, to: target) }
            if refresh { coordinator.requestRefresh(because: "MOVED to unknown \(target)") }
            pending.asking = asking
            let moving = pending
            coordinator.after(delay) { [weak self] in self?.send(moving, to: target) }
        case .reroute(let delay, let refresh):
            if refresh { coordinator.requestRefresh(because: "\(redirection)") }
            pending.asking = false
            let moving = pending
            coordinator.after(delay) { [weak self] in self?.coordinator.route(moving) }
        case .fail(let kind):
            coordinator.fail(pending, kind)
        }
    }

    private func armTimer() {
        guard let earliest = nodes.earliestWaiterDeadline() else { return }
        if timer == nil {
            timer = loop.makeTimer { [weak self] in self?.expire() }
        }
        timer?.arm(at: earliest)
    }

    private func expire() {
        for (endpoint, pending) in nodes.takeExpiredWaiters(now: loop.now) {
            coordinator.fail(pending, .timedOutWaiting(for: "a blocking connection to \(endpoint)"))
        }
        armTimer()
    }

    /// Blocking connections open now, leased or idle.
    var openCount: Int { open.count }

    func close() {
        closed = true
        timer?.cancel()
        let states = nodes
        nodes = [:]
        for var state in states.values {
            for pending in state.takeAll().waiters { coordinator.fail(pending, .clientClosed) }
        }
        // Commands still blocked fail as their connections close (outcome unknown).
        for lease in open.values { lease.connection?.close() }
        open = [:]
    }
}
