import Logging
import Redis
import RESP
import SwiftEV

/// The heart of the cluster client, confined to one event loop (no locks): owns the topology
/// and the node pool, routes each command to its slot's node, follows redirects, and parks
/// commands that cannot be routed yet until a refresh or their deadline.
///
/// The decisions are made by plain values (`RedirectPolicy`, `RefreshScheduler`,
/// `DiscoveryRetry`, `WaitingQueue`, `TopologyElection`); this class carries out what they say.
///
/// `@unchecked Sendable` so tasks can hand a reference to the loop: every property is read and
/// written only on `loop` (the client's entry points hop there first).
final class ClusterCoordinator: NodePoolDelegate, @unchecked Sendable {
    enum Phase {
        /// Looking for the cluster (no topology yet).
        case starting
        case ready
        /// Discovery gave up; the next command or `connect()` starts it again.
        case failed(RedisClusterError)
        case closed
    }

    let loop: any EventLoop
    let configuration: RedisClusterConfiguration
    let pool: NodePool
    let policy: RedirectPolicy
    let logger: Logger
    let emit: @Sendable (ClusterEvent) -> Void
    private let finishEvents: @Sendable () -> Void

    private(set) var phase = Phase.starting
    // The per-command reads below are of loop-confined state, and nothing they call back into
    // writes it while a read is under way: the dynamic exclusivity checks (two per command,
    // measured) are skipped.
    @exclusivity(unchecked) var topology: ClusterTopology?
    /// Per shard index of `topology`: the primary's handle, so routing a write is two array loads.
    @exclusivity(unchecked) var primaryHandles: [NodeHandle] = []
    private var selector = NodeSelector()
    /// `scaleReads == .primary`, decided once (reading the enum per command would copy it).
    let readsFromPrimaries: Bool
    private var keylessCounter = 0
    var waiting: WaitingQueue<PendingCommand>
    var waitTimer: (any LoopTimer)?
    var scheduler: RefreshScheduler
    private var refreshTimer: (any LoopTimer)?
    var discovery: DiscoveryRetry
    private var readyWaiters: [EventLoopPromise<Void>] = []
    /// Why the last refresh or discovery round failed, per node (for errors).
    var lastFailures: [NodeFailure] = []
    /// Counted on the events that change it; metrics follow each change (never per command).
    var statistics = ClusterStatistics() { didSet { metrics?.counted(from: oldValue, to: statistics) } }
    /// Nil when `configuration.metrics` is.
    let metrics: ClusterMetricsRecorder?
    var refreshRound = 0
    /// Blocking commands' own connections; made on the first one.
    lazy var blockingPool = BlockingPool(coordinator: self)
    /// `transaction(watching:)`'s connections; made on the first one.
    lazy var watchPool = WatchPool(coordinator: self)
    /// Subscriptions and their connections; made on the first subscription.
    var pubSubHub: PubSubHub?
    /// Nodes that timed out a written command: not written to until they answered and the
    /// other nodes confirmed who serves their slots (see `SilentNodes`). Read per command
    /// (`isEmpty`), written only on timeouts and refreshes, never during a read: no dynamic
    /// exclusivity check (one per command, measured).
    @exclusivity(unchecked) var silentNodes = SilentNodes()
    var silentProbeTimer: (any LoopTimer)?

    init(loop: any EventLoop, configuration: RedisClusterConfiguration, logger: Logger,
         connector: @escaping NodeConnector,
         emit: @escaping @Sendable (ClusterEvent) -> Void, finish: @escaping @Sendable () -> Void) {
        self.loop = loop
        self.configuration = configuration
        self.logger = logger
        self.emit = emit
        self.finishEvents = finish
        self.pool = NodePool(loop: loop, settings: configuration, connector: connector)
        self.policy = RedirectPolicy(configuration)
        self.waiting = WaitingQueue(limit: configuration.maxOfflineQueue)
        self.scheduler = RefreshScheduler(minimumInterval: configuration.minimumRefreshInterval,
                                          periodicInterval: configuration.slotsRefreshInterval)
        self.discovery = DiscoveryRetry(strategy: configuration.clusterRetryStrategy)
        if case .primary = configuration.scaleReads { readsFromPrimaries = true } else { readsFromPrimaries = false }
        metrics = configuration.metrics.map(ClusterMetricsRecorder.init)
        pool.delegate = self
    }

    func send(_ event: ClusterEvent) { emit(event) }

    // MARK: Starting

    /// Starts discovery (on the loop). Idempotent while starting or ready.
    func start() {
        loop.preconditionInEventLoop()
        for seed in configuration.seeds { pool.handle(for: seed.endpoint, seed: seed) }
        requestRefresh(because: "start")
    }

    /// Completes when the client is ready, or fails with why discovery gave up.
    func whenReady() -> EventLoopFuture<Void> {
        switch phase {
        case .ready: return loop.makeSucceededFuture(())
        case .closed: return loop.makeFailedFuture(RedisClusterError(.clientClosed))
        case .failed:
            phase = .starting
            discovery.succeeded()
            requestRefresh(because: "connect after giving up")
        case .starting: break
        }
        let promise = loop.makePromise(of: Void.self)
        readyWaiters.append(promise)
        return promise.futureResult
    }

    func becameReady() {
        guard case .starting = phase else { return }
        phase = .ready
        discovery.succeeded()
        logger.info("cluster ready", metadata: ["shards": "\(topology?.shards.count ?? 0)"])
        emit(.ready)
        let waiters = readyWaiters
        readyWaiters.removeAll()
        for waiter in waiters { waiter.succeed() }
    }

    func gaveUp(_ error: RedisClusterError) {
        logger.error("giving up on the cluster", metadata: ["error": "\(error)"])
        phase = .failed(error)
        emit(.error(error))
        emit(.end)
        let waiters = readyWaiters
        readyWaiters.removeAll()
        for waiter in waiters { waiter.fail(error) }
        for entry in waiting.takeAll() {
            var failure = error
            failure.command = entry.element.command.name
            metrics?.commandFailed(failure.kind)
            entry.element.handler.complete(.failure(failure))
        }
    }

    // MARK: Routing

    /// Routes a new command. Its deadline starts now unless it has one.
    func submit(_ pending: consuming PendingCommand) {
        if pending.deadline == nil {
            // A blocking command's deadline comes after its own timeout. Added only then: a
            // `Deadline` sum is a call (SwiftEV's, not inlined), and so is `TimeAmount.zero`.
            let deadline = loop.now + configuration.commandTimeout
            if let extra = BlockingCommand.extraTime(for: pending.command) {
                pending.deadline = deadline + extra
            } else {
                pending.deadline = deadline
            }
        }
        route(pending)
    }

    /// Sends `pending` to the primary of `slot`'s shard as the topology stands now (see
    /// `RedisClusterClient.submit(_:toPrimaryOf:onReply:)`): no parking, no key routing.
    func submit(_ pending: consuming PendingCommand, toPrimaryOf slot: Int) {
        if pending.deadline == nil { pending.deadline = loop.now + configuration.commandTimeout }
        // About that connection's state: handed back, it must not be answered by another node.
        pending.pinned = true
        if case .closed = phase { return fail(pending, .clientClosed) }
        guard let index = topology?.shardIndex(forSlot: slot), index < primaryHandles.count else {
            return fail(pending, .slotNotCovered(slot))
        }
        let handle = primaryHandles[index]
        // Open, or being dialled with earlier commands queued (a write pipelined before it):
        // a connection that may have carried them. A new one would carry none.
        switch handle.state {
        case .ready(let connection) where !connection.isClosing: break
        case .connecting: break
        case .down(let outage):
            // Say why there is none: a refused handshake fails as the node's other commands do.
            if let refusal = outage.refusal { return failPinned(pending, node: handle.endpoint, refusal) }
            return failPinned(pending, node: handle.endpoint, .connectionClosed(.notSent),
                              underlying: "no open connection to the slot's primary (\(outage.cause))")
        default:
            return failPinned(pending, node: handle.endpoint, .connectionClosed(.notSent), underlying: "no open connection to the slot's primary")
        }
        pool.send(pending, via: handle)
    }

    /// Sends `pending` to the node its keys belong to, or parks it until that is known.
    func route(_ pending: consuming PendingCommand) {
        if let cancellation = pending.handler.cancellation, cancellation.isCancelled {
            return pending.handler.complete(.failure(CancellationError()))
        }
        // `topology` is read in place, never bound to a local: a copy of the value would retain
        // and release its two arrays for every command.
        guard topology != nil, !primaryHandles.isEmpty else {
            switch phase {
            case .closed: return fail(pending, .clientClosed)
            case .failed:
                // The next command after giving up starts discovery again.
                phase = .starting
                discovery.succeeded()
                requestRefresh(because: "command after giving up")
            default: break
            }
            return park(pending, .topology)
        }
        if BlockingCommand.wait(of: pending.command) != nil { return routeBlocking(pending) }
        switch CommandRouter.routeWithoutListing(pending.command) {
        case .slot(let slot):
            guard let index = topology?.shardIndex(forSlot: slot) else {
                requestRefresh(because: "slot \(slot) not covered")
                return park(pending, .uncoveredSlot(slot))
            }
            if readsFromPrimaries {
                if !silentNodes.isEmpty, silentNodes.isSuspect(primaryHandles[index].endpoint) {
                    return park(pending, .node(primaryHandles[index].endpoint, "it let a command time out; asking the other nodes"))
                }
                pool.send(pending, via: primaryHandles[index])
            } else {
                let isReadOnly = pending.command.isReadOnly
                let target = selector.select(in: topology!.shards[index], command: pending.command,
                                             isReadOnly: isReadOnly, scaleReads: configuration.scaleReads)
                if !silentNodes.isEmpty, silentNodes.isSuspect(target) {
                    return park(pending, .node(target, "it let a command time out; asking the other nodes"))
                }
                pool.send(pending, to: target)
            }
        case .keyless:
            if case .fanOut(let targets, let response) = ClusterCommandPolicy.of(pending.command) {
                return fanOut(pending, targets, response)
            }
            keylessCounter &+= 1
            pool.send(pending, via: primaryHandles[keylessCounter % primaryHandles.count])
        case .crossSlot:
            if let split = MultiKeySplit(pending.command) { return send(pending, split: split) }
            guard case .crossSlot(let keys) = CommandRouter.route(pending.command) else { return fail(pending, .crossSlot([])) }
            fail(pending, .crossSlot(keys))
        }
    }

    func fail(_ pending: consuming PendingCommand, _ kind: RedisClusterError.Kind) {
        let error = RedisClusterError(kind, command: pending.command.name, redirections: pending.redirections)
        metrics?.commandFailed(kind)
        pending.handler.complete(.failure(error))
    }

    // MARK: Later

    /// Runs `body` after `delay` on the loop (at once for zero).
    func after(_ delay: TimeAmount, _ body: @escaping () -> Void) {
        if delay <= .zero { return body() }
        let timer = loop.makeTimer(body)
        timer.arm(in: delay, on: loop)
    }

    // MARK: Closing

    func close() -> EventLoopFuture<Void> {
        if case .closed = phase { return loop.makeSucceededFuture(()) }
        phase = .closed
        scheduler.stop()
        refreshTimer?.cancel()
        waitTimer?.cancel()
        silentProbeTimer?.cancel()
        for entry in waiting.takeAll() { fail(entry.element, .clientClosed) }
        let waiters = readyWaiters
        readyWaiters.removeAll()
        for waiter in waiters { waiter.fail(RedisClusterError(.clientClosed)) }
        blockingPool.close()
        watchPool.close()
        pubSubHub?.close()
        let closing = pool.closeAll()
        emit(.end)
        finishEvents()
        guard !closing.isEmpty else { return loop.makeSucceededFuture(()) }
        let done = loop.makePromise(of: Void.self)
        var remaining = closing.count
        for future in closing {
            future.whenComplete { _ in
                remaining -= 1
                if remaining == 0 { done.succeed() }
            }
        }
        return done.futureResult
    }

    var isClosed: Bool { if case .closed = phase { return true } else { return false } }

    // MARK: Refresh timer

    func requestRefresh(because reason: String) {
        guard !isClosed else { return }
        perform(scheduler.request(now: loop.now, random: Double.random(in: 0..<1)), reason: reason)
    }

    func perform(_ action: RefreshScheduler.Action, reason: String) {
        switch action {
        case .none:
            break
        case .start:
            statistics.refreshes += 1
            logger.debug("refreshing topology", metadata: ["reason": "\(reason)"])
            startRefresh()
        case .armTimer(let at):
            if refreshTimer == nil {
                refreshTimer = loop.makeTimer { [weak self] in
                    guard let self else { return }
                    perform(scheduler.timerFired(now: loop.now), reason: "timer")
                }
            }
            refreshTimer?.arm(at: at)
        }
    }

    func refreshFinished() {
        perform(scheduler.finished(now: loop.now, random: Double.random(in: 0..<1)), reason: "again")
        // A redirect or a probe may have opened a connection to a node outside the topology
        // after it was installed (installing retires only what it sees then); without this it
        // stayed open for good when the topology did not change again.
        if let topology { pool.retire(allBut: Set(topology.nodes.map(\.endpoint))) }
        pool.closeRetiredIdle()
        releaseWaiting()
    }
}
