import Redis
import RESP
import SwiftEV

/// Connections for `transaction(watching:)`. `WATCH` state belongs to a connection, so each
/// transaction needs one no other caller writes on — but not a new one per call: that cost a
/// connect and a handshake per transaction. Per node at most
/// `RedisClusterConfiguration.maxWatchConnectionsPerNode` are open, kept for reuse; beyond that
/// callers queue (`BlockingLeases`, the blocking pool's bookkeeping) until one is returned or
/// `commandTimeout` passes. Loop-confined.
///
/// A connection comes back either clean (its `EXEC` was answered: the server forgot its
/// watches) or possibly dirty (the caller gave up between `WATCH` and `EXEC`); a dirty one is
/// reset with `DISCARD` + `UNWATCH` before reuse, and closed if that fails or replies are
/// still owed on it.
final class WatchPool {
    private struct Open {
        let endpoint: ClusterEndpoint
        let connection: RedisConnection
        let delegate: DedicatedChannelDelegate
    }

    private typealias Leases = BlockingLeases<RedisConnection, EventLoopPromise<RedisConnection>>

    private unowned let coordinator: ClusterCoordinator
    private var nodes: [ClusterEndpoint: Leases] = [:]
    private var open: [ObjectIdentifier: Open] = [:]
    private var timer: (any LoopTimer)?
    private var closed = false
    private var loop: any EventLoop { coordinator.loop }

    init(coordinator: ClusterCoordinator) {
        self.coordinator = coordinator
    }

    /// A connection to `endpoint` for one transaction: idle, newly dialled, or the next one
    /// returned. Give it back with `release(_:needsReset:)`.
    func acquire(_ endpoint: ClusterEndpoint) -> EventLoopFuture<RedisConnection> {
        let promise = loop.makePromise(of: RedisConnection.self)
        guard !closed else {
            promise.fail(RedisClusterError(.clientClosed, command: "WATCH"))
            return promise.futureResult
        }
        var state = nodes[endpoint] ?? Leases(limit: coordinator.configuration.maxWatchConnectionsPerNode,
                                              queueLimit: coordinator.configuration.maxWatchQueuePerNode)
        let decision = state.acquire(promise, deadline: loop.now + coordinator.configuration.commandTimeout)
        nodes[endpoint] = state
        switch decision {
        case .use(let connection): promise.succeed(connection)
        case .dial: dial(endpoint, for: promise)
        case .queued: armTimer()
        case .rejected:
            promise.fail(RedisClusterError(.watchConnectionsBusy(endpoint, limit: state.limit, queued: state.queueLimit), command: "WATCH"))
        }
        return promise.futureResult
    }

    /// Takes back a connection `acquire` handed out. `needsReset`: the transaction did not end
    /// with an answered `EXEC`, so a `WATCH` (or a `MULTI`) may still hold on it. The future
    /// succeeds once the connection is back in the pool (or closed).
    @discardableResult
    func release(_ connection: RedisConnection, needsReset: Bool) -> EventLoopFuture<Void> {
        guard open[ObjectIdentifier(connection)] != nil else {
            connection.close()
            return loop.makeSucceededFuture(())
        }
        guard !closed, !connection.isClosing, connection.correlator.repliesOwed == 0 else {
            give(connection, reusable: false)
            return loop.makeSucceededFuture(())
        }
        guard needsReset else {
            give(connection, reusable: true)
            return loop.makeSucceededFuture(())
        }
        let done = loop.makePromise(of: Void.self)
        // DISCARD ends a MULTI left open (and its watches); without one it is refused, which
        // is expected. UNWATCH then drops the watches of a WATCH without MULTI.
        let deadline = loop.now + coordinator.configuration.commandTimeout
        connection.send(batch: [
            PendingCommand(command: RedisCommand("DISCARD"), handler: .callback(on: loop) { _ in }, deadline: deadline),
            PendingCommand(command: RedisCommand("UNWATCH"), handler: .callback(on: loop) { [weak self] result in
                guard let self else { return done.succeed() }
                let unwatched: Bool
                if case .success(let reply) = result, case .simpleString = reply.withoutAttributes { unwatched = true } else { unwatched = false }
                give(connection, reusable: unwatched && connection.correlator.repliesOwed == 0)
                done.succeed()
            }, deadline: deadline),
        ])
        return done.futureResult
    }

    private func give(_ connection: RedisConnection, reusable: Bool) {
        guard let entry = open[ObjectIdentifier(connection)], var state = nodes[entry.endpoint] else {
            connection.close()
            return
        }
        let decision = state.release(connection, reusable: reusable && !closed)
        nodes[entry.endpoint] = state
        switch decision {
        case .keep: break
        case .handOver(let connection, let waiter): waiter.succeed(connection)
        case .closed(let waiter):
            connection.close()
            if let waiter { dial(entry.endpoint, for: waiter) }
        }
    }

    private func dial(_ endpoint: ClusterEndpoint, for promise: EventLoopPromise<RedisConnection>) {
        let delegate = DedicatedChannelDelegate.failingRedirects(node: endpoint)
        coordinator.pool.dialDedicated(endpoint, delegate: delegate).whenComplete { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let opened):
                guard let connection = opened as? RedisConnection else {
                    // Only the coordinator's socket-free tests dial anything else; they never WATCH.
                    opened.close()
                    return failedDial(endpoint, promise, RedisError(.connectionClosed(.notSent), node: endpoint.description, command: "WATCH"))
                }
                let id = ObjectIdentifier(connection)
                open[id] = Open(endpoint: endpoint, connection: connection, delegate: delegate)
                connection.closeFuture.whenComplete { [weak self] _ in
                    guard let self else { return }
                    open[id] = nil
                    nodes[endpoint]?.removeIdle { $0 === connection }
                }
                if closed { connection.close() }
                promise.succeed(connection)
            case .failure(let error):
                failedDial(endpoint, promise, error)
            }
        }
    }

    private func failedDial(_ endpoint: ClusterEndpoint, _ promise: EventLoopPromise<RedisConnection>, _ error: any Error) {
        let next = nodes[endpoint]?.dialFailed()
        promise.fail(error)
        if let next { dial(endpoint, for: next) }
    }

    private func armTimer() {
        guard let earliest = nodes.earliestWaiterDeadline() else { return }
        if timer == nil {
            timer = loop.makeTimer { [weak self] in self?.expire() }
        }
        timer?.arm(at: earliest)
    }

    private func expire() {
        for (endpoint, waiter) in nodes.takeExpiredWaiters(now: loop.now) {
            waiter.fail(RedisClusterError(.timedOutWaiting(for: "a WATCH connection to \(endpoint)"), command: "WATCH"))
        }
        armTimer()
    }

    /// WATCH connections open now, leased or idle.
    var openCount: Int { open.count }

    func close() {
        closed = true
        timer?.cancel()
        let states = nodes
        nodes = [:]
        for var state in states.values {
            for waiter in state.takeAll().waiters { waiter.fail(RedisClusterError(.clientClosed, command: "WATCH")) }
        }
        for entry in open.values { entry.connection.close() }
    }
}
