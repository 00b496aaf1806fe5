import Logging
import Redis
import RESP
import SwiftEV

/// A Redis Cluster client on one event loop: it discovers the cluster from a few seeds, keeps
/// the slot table, sends each command to the node that serves its key, follows `MOVED`/`ASK`,
/// rides out failovers, and never retries a write whose outcome is unknown.
///
/// ```swift
/// let group = LibevEventLoopGroup(numberOfThreads: 1)
/// let cluster = RedisClusterClient(
///     configuration: .init(seeds: [.init(host: "127.0.0.1", port: 7000)]),
///     eventLoop: group.next())
/// try await cluster.connect()
/// try await cluster.send("SET", "user:42", "Ada")
/// let name = try await cluster.send("GET", "user:42", as: String?.self)
/// await cluster.close()
/// ```
///
/// Two ways to send: `send` from any task, and `submit` for code already running on the
/// client's loop (a server stage on the same loop), without a thread hop; the typed commands
/// come in both forms too (`cluster.get(k)`, `cluster.onLoop.get(k) { … }`). To use every core,
/// run one client per loop (`RedisClusterClient.onEveryLoop(of:configuration:)`): they share
/// nothing, so there are no locks on the command path.
///
/// `@unchecked Sendable`: the coordinator is only touched on `eventLoop`; every entry point
/// hops there first.
public final class RedisClusterClient: RedisCommandSending, RedisLoopLocalSending, @unchecked Sendable {
    public let eventLoop: LibevEventLoop
    public let configuration: RedisClusterConfiguration
    /// Connects, topology changes, node failures: see `ClusterEvent`. Holds the newest 1,000
    /// events when nobody reads them; ends after `close()`.
    public let events: AsyncStream<ClusterEvent>
    let coordinator: ClusterCoordinator

    /// Creates the client and starts discovering the cluster at once; commands sent before it
    /// is ready wait in the offline queue.
    public init(configuration: RedisClusterConfiguration, eventLoop: LibevEventLoop,
                logger: Logger = Logger(label: "swiftev.redis.cluster")) {
        precondition(!configuration.seeds.isEmpty, "a cluster client needs at least one seed")
        self.eventLoop = eventLoop
        self.configuration = configuration
        let (stream, continuation) = AsyncStream.makeStream(of: ClusterEvent.self, bufferingPolicy: .bufferingNewest(1000))
        self.events = stream
        let coordinator = ClusterCoordinator(loop: eventLoop, configuration: configuration, logger: logger,
                                             connector: NodePool.redisConnector(on: eventLoop)) { event in
            continuation.yield(event)
        } finish: {
            // Only `close()` ends the stream: a client that gave up discovering may start again.
            continuation.finish()
        }
        self.coordinator = coordinator
        let started = eventLoop.tryExecute {
            coordinator.start()
            coordinator.metrics?.startSampling(coordinator)
        }
        precondition(started, "the event loop has shut down")
    }

    /// A client dropped without `close()` still closes its connections (on its loop).
    deinit {
        eventLoop.execute { [coordinator] in _ = coordinator.close() }
    }

    /// One client per loop of `group`, all with the same configuration.
    public static func onEveryLoop(of group: LibevEventLoopGroup, configuration: RedisClusterConfiguration) -> [RedisClusterClient] {
        group.loops.map { RedisClusterClient(configuration: configuration, eventLoop: $0) }
    }

    // MARK: Lifecycle

    /// Waits until the topology is known (and the cluster says ok, with the ready check on).
    /// Throws `RedisClusterError.noReachableNode` listing every seed with its own cause when
    /// the retry strategy gives up; calling it again starts over.
    public func connect() async throws {
        try await coordinator.readyFuture()
    }

    /// The loop-local form of `connect()`. Must be called on the loop.
    public func connectOnLoop() -> EventLoopFuture<Void> {
        eventLoop.preconditionInEventLoop()
        return coordinator.whenReady()
    }

    /// Closes every node connection. Commands waiting for a topology fail with `clientClosed`;
    /// commands in flight fail as their connections close (sent writes: outcome unknown).
    public func close() async {
        let future = try? await eventLoop.submit { [coordinator] in coordinator.close() }.get()
        _ = try? await future?.get()
    }

    /// The loop-local form of `close()`. Must be called on the loop.
    @discardableResult
    public func closeOnLoop() -> EventLoopFuture<Void> {
        eventLoop.preconditionInEventLoop()
        return coordinator.close()
    }

    // MARK: Sending from any task

    /// Sends `command` to the node serving its keys and waits for the reply. Server error
    /// replies throw `RedisError` (`.server`); routing failures throw `RedisClusterError`.
    ///
    /// Cancelling the task withdraws the command as a node connection allows: not written yet,
    /// it is dropped (`CancellationError`); written, it may still run, and this throws
    /// `RedisError` `.cancelled`. A command waiting for a topology is dropped when it is routed.
    @discardableResult
    public func send(_ command: RedisCommand) async throws -> RESPValue {
        try await ReplyHandler.awaitReply(refused: { RedisClusterError(.clientClosed, command: command.name) }) { handler in
            eventLoop.tryExecute { [coordinator] in
                coordinator.submit(PendingCommand(command: command, handler: handler))
            }
        }
    }

    // MARK: Sending from the loop

    /// Queues `command`; the future completes on the client's loop. Callable from any thread
    /// (it hops), without a hop from the loop itself.
    public func submit(_ command: RedisCommand) -> EventLoopFuture<RESPValue> {
        let promise = eventLoop.makePromise(of: RESPValue.self)
        if eventLoop.inEventLoop {
            coordinator.submit(PendingCommand(command: command, handler: .promise(promise)))
        } else if !eventLoop.tryExecute({ [coordinator] in coordinator.submit(PendingCommand(command: command, handler: .promise(promise))) }) {
            promise.fail(RedisClusterError(.clientClosed, command: command.name))
        }
        return promise.futureResult
    }

    /// Queues `command`; `onReply` runs on the loop. The cheapest form. Must be called on the loop.
    /// `consuming`, like `RedisConnection`'s: a command built in the call is handed over
    /// without a retain here and a release in the caller.
    public func submit(_ command: consuming RedisCommand, onReply: @escaping (Result<RESPValue, any Error>) -> Void) {
        eventLoop.preconditionInEventLoop()
        coordinator.submit(PendingCommand(command: command, handler: .callback(on: eventLoop, onReply)))
    }

    /// Queues `command` on the connection to the primary that serves `slot`, whatever its own
    /// keys say: for a command about that connection's state, such as `WAIT` after a write to a
    /// key of that slot (the write's reply came from that primary, over the client's one
    /// connection to it). `onReply` runs on the loop. Must be called on the loop. During a
    /// reshard a write that followed an `ASK` ran on the importing node, not the slot's primary:
    /// for a write and its `WAIT` use `submit(_:waitingForReplicas:timeout:onReply:)`.
    ///
    /// ```swift
    /// cluster.submit(RedisCommand("SET", key, value)) { _ in
    ///     cluster.submit(RedisCommand("WAIT", 1, 500), toPrimaryOf: HashSlot.slot(forKey: key)) { print($0) }
    /// }
    /// ```
    ///
    /// Fails with `slotNotCovered` when no shard serves the slot right now, `clientClosed` after
    /// `close()`: it never waits for a topology (the node it meant may be gone by then). It is
    /// never sent on another connection: with none open or being dialled to that primary it
    /// fails with `RedisError` `.connectionClosed(.notSent)` (a `WAIT` on a new connection
    /// would count none of the earlier writes and confirm them at once), and so does a command
    /// the connection hands back unanswered (lost before it was written).
    public func submit(_ command: RedisCommand, toPrimaryOf slot: Int, onReply: @escaping (Result<RESPValue, any Error>) -> Void) {
        eventLoop.preconditionInEventLoop()
        coordinator.submit(PendingCommand(command: command, handler: .callback(on: eventLoop, onReply)), toPrimaryOf: slot)
    }

    // MARK: Inspecting

    /// The topology the client routes by (nil before discovery).
    public func topology() async -> ClusterTopology? {
        try? await eventLoop.submit { [coordinator] in coordinator.topology }.get()
    }

    public enum NodeRole: Sendable { case primaries, replicas, all }

    /// Connections to the cluster's nodes, for commands meant for each of them (`FLUSHDB` on
    /// every primary, `INFO` of every replica). Dials nodes not connected yet.
    public func nodes(_ role: NodeRole = .all) async throws -> [RedisConnection] {
        let future = try await eventLoop.submit { [coordinator] in coordinator.connections(role) }.get()
        return try await future.get()
    }

    /// What the client has had to do so far: refreshes, redirects followed, retries, waits.
    public func statistics() async -> ClusterStatistics {
        (try? await eventLoop.submit { [coordinator] in coordinator.statistics }.get()) ?? ClusterStatistics()
    }
}

extension ClusterCoordinator {
    /// `whenReady()` awaited from a task.
    func readyFuture() async throws {
        let future = try await loop.submit { [self] in whenReady() }.get()
        try await future.get()
    }

    func connections(_ role: RedisClusterClient.NodeRole) -> EventLoopFuture<[RedisConnection]> {
        guard let topology else { return loop.makeSucceededFuture([]) }
        let nodes: [ClusterTopology.Node]
        switch role {
        case .primaries: nodes = topology.shards.map(\.primary)
        case .replicas: nodes = topology.shards.flatMap(\.replicas)
        case .all: nodes = topology.nodes
        }
        let promise = loop.makePromise(of: [RedisConnection].self)
        var found: [RedisConnection?] = Array(repeating: nil, count: nodes.count)
        var remaining = nodes.count
        if remaining == 0 { promise.succeed([]) }
        for (index, node) in nodes.enumerated() {
            // A PING through the pool dials the node if needed and tells when it is usable.
            pool.probe(node.endpoint, RedisCommand("PING"), timeout: configuration.slotsRefreshTimeout) { [weak self] _ in
                guard let self else { return }
                found[index] = pool.handles[node.endpoint]?.connection as? RedisConnection
                remaining -= 1
                if remaining == 0 { promise.succeed(found.compactMap { $0 }) }
            }
        }
        return promise.futureResult
    }
}

extension RedisClusterClient {
    /// The coordinator, for tests that put it in a state a real cluster cannot produce on
    /// demand. Loop-confined.
    var coordinatorForTests: ClusterCoordinator { coordinator }
}
