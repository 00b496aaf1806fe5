import RESP
import SwiftEV
import SwiftEVTLS

/// A connection to one Redis node: a channel whose pipeline is
/// `RESPDecodingStage → HandshakeStage → RedirectStage → CommandCorrelator`, with a
/// `TLSStage` in front when `configuration.tls` is set.
///
/// Two ways to use it:
/// - from any task: `try await connection.send("GET", "k")`;
/// - from code already on its loop (a stage, a server on the same loop): `submit(_:)`, which
///   returns a future, or `submit(_:onReply:)` with a callback — no thread hop, no task;
///   the typed commands likewise through `onLoop` (`connection.onLoop.get("k") { … }`).
///
/// ```swift
/// let group = LibevEventLoopGroup(numberOfThreads: 1)
/// let connection = try await RedisConnection.connect(host: "127.0.0.1", port: 6379, on: group.next())
/// try await connection.send("SET", "greeting", "hello")
/// let text = try await connection.send("GET", "greeting", as: String.self)
/// try await connection.close().get()
/// ```
///
/// `@unchecked Sendable`: the correlator is only touched on `eventLoop`; the entry points hop.
public final class RedisConnection: RedisCommandSending, RedisLoopLocalSending, @unchecked Sendable {
    public let eventLoop: LibevEventLoop
    public let channel: Channel
    /// `host:port` as given to `connect`.
    public let node: String
    /// What the server said about itself in the handshake.
    public let serverInfo: RedisServerInfo
    /// The pipeline's last stage: its `delegate`, `node` and `pendingCount`. Loop-confined.
    public let correlator: CommandCorrelator

    init(eventLoop: LibevEventLoop, channel: Channel, node: String, serverInfo: RedisServerInfo, correlator: CommandCorrelator) {
        self.eventLoop = eventLoop
        self.channel = channel
        self.node = node
        self.serverInfo = serverInfo
        self.correlator = correlator
    }

    // MARK: Connecting

    /// Connects, runs the handshake, and returns once commands can flow. Callable from any task.
    /// Fails with `SocketError` (refused, timeout, resolution), `TLSError` (verification,
    /// version, TLS handshake timeout) or `RedisError` (`handshakeFailed` naming
    /// WRONGPASS/NOAUTH/NOPERM…, `timeout`).
    public static func connect(
        host: String,
        port: Int,
        configuration: RedisConnectionConfiguration = .init(),
        on loop: LibevEventLoop
    ) async throws -> RedisConnection {
        let promise = loop.makePromise(of: RedisConnection.self)
        if !loop.tryExecute({ promise.completeWith(connectOnLoop(host: host, port: port, configuration: configuration, on: loop)) }) {
            throw EventLoopError.shutDown
        }
        return try await promise.futureResult.get()
    }

    /// The loop-local form of `connect`. Must be called on `loop`.
    public static func connectOnLoop(
        host: String,
        port: Int,
        configuration: RedisConnectionConfiguration = .init(),
        on loop: LibevEventLoop
    ) -> EventLoopFuture<RedisConnection> {
        connectOnLoop(host: host, port: port, configuration: configuration, delegate: nil, on: loop)
    }

    /// The loop-local form of `connect`, with `delegate` (held weakly) set on the correlator
    /// before anything is sent: it receives redirected commands and, if the connection is lost,
    /// the commands that can safely be sent again. Must be called on `loop`.
    ///
    /// ```swift
    /// RedisConnection.connectOnLoop(host: "127.0.0.1", port: 7001, delegate: coordinator, on: loop)
    ///     .whenSuccess { connection in nodes[connection.node] = connection }
    /// ```
    public static func connectOnLoop(
        host: String,
        port: Int,
        configuration: RedisConnectionConfiguration = .init(),
        delegate: (any NodeChannelDelegate)?,
        on loop: LibevEventLoop
    ) -> EventLoopFuture<RedisConnection> {
        loop.preconditionInEventLoop()
        let node = Redirection.format(host, port)
        let ready = loop.makePromise(of: RedisServerInfo.self)
        let correlator = CommandCorrelator(
            node: node, timeout: configuration.commandTimeout,
            maxPending: configuration.maxPendingCommands, waitsForHandshake: true, ready: ready,
            unresponsiveGrace: configuration.unresponsiveNodeGrace,
            earlyFlushThreshold: configuration.earlyFlushThreshold
        )
        correlator.delegate = delegate
        var client = TCPClient(loop: loop)
        client.options = configuration.channelOptions
        client.connectTimeout = configuration.connectTimeout
        let tls = configuration.tls.map { context in
            TLSStage(client: context, serverName: configuration.tlsServerName ?? context.configuration.serverName ?? host, peer: node,
                     flushHold: configuration.tlsFlushHold)
        }
        let connected = client.connect(on: loop, host: host, port: port) { pipeline in
            (tls.map { pipeline.adding($0) } ?? pipeline)
                .adding(RESPDecodingStage(limits: configuration.decoderLimits, node: node))
                .adding(HandshakeStage(configuration.handshake, node: node, timeout: configuration.commandTimeout))
                .adding(RedirectStage(currentHost: host))
                .adding(correlator)
        }
        let opened = connected.flatMap { channel in
            ready.futureResult.map { info in
                RedisConnection(eventLoop: loop, channel: channel, node: node, serverInfo: info, correlator: correlator)
            }
        }
        guard let tls else { return opened }
        // A TLS failure reaches the correlator as "connection closed"; the caller gets the cause.
        let result = loop.makePromise(of: RedisConnection.self)
        opened.whenComplete { outcome in
            switch outcome {
            case .success(let connection): result.succeed(connection)
            case .failure(let error): result.fail(tls.failure ?? error)
            }
        }
        return result.futureResult
    }

    // MARK: Sending from any task

    /// Sends `command` and waits for its reply. Server error replies throw `RedisError` with
    /// kind `.server` (its code, e.g. `WRONGTYPE`, and message).
    ///
    /// Cancelling the task withdraws the command: if it was not written yet it is removed and
    /// this throws `CancellationError`; if it was, it may still run, its reply is dropped, and
    /// this throws `RedisError` with kind `.cancelled`.
    @discardableResult
    public func send(_ command: RedisCommand) async throws -> RESPValue {
        try await ReplyHandler.awaitReply(refused: { RedisError(.connectionClosed(.notSent), node: node, command: command.name) }) { handler in
            eventLoop.tryExecute { [self] in
                correlator.send(command, handler: handler)
            }
        }
    }

    /// Sends every command in one flush; results come back in the same order, each its own
    /// success or failure (one command failing does not fail the others). The task resumes
    /// once, when the last reply is in.
    public func pipeline(_ commands: [RedisCommand]) async -> [Result<RESPValue, any Error>] {
        if commands.isEmpty { return [] }
        return await withCheckedContinuation { continuation in
            let queued = eventLoop.tryExecute { [self] in
                let collector = ReplyCollector(count: commands.count, on: eventLoop) { continuation.resume(returning: $0) }
                let batch = CommandBatch(collector: collector, deadline: eventLoop.now + correlator.timeout,
                                         capacity: commands.count)
                for index in commands.indices { batch.append(commands[index], place: index) }
                correlator.send(batch)
            }
            if !queued {
                continuation.resume(returning: commands.map { .failure(RedisError(.connectionClosed(.notSent), node: node, command: $0.name)) })
            }
        }
    }

    // MARK: Sending from the loop

    /// Queues `command`; the future completes on the loop. Callable from any thread (it hops),
    /// and without a hop from the loop itself.
    public func submit(_ command: RedisCommand) -> EventLoopFuture<RESPValue> {
        let promise = eventLoop.makePromise(of: RESPValue.self)
        if eventLoop.inEventLoop {
            correlator.send(command, handler: .promise(promise))
        } else if !eventLoop.tryExecute({ [self] in correlator.send(command, handler: .promise(promise)) }) {
            promise.fail(RedisError(.connectionClosed(.notSent), node: node, command: command.name))
        }
        return promise.futureResult
    }

    /// Queues `command`; `onReply` runs on the loop with the reply. The cheapest form: no future.
    /// Must be called on the loop.
    public func submit(_ command: consuming RedisCommand, onReply: @escaping (Result<RESPValue, any Error>) -> Void) {
        eventLoop.preconditionInEventLoop()
        correlator.send(command, handler: .callback(on: eventLoop, onReply))
    }

    /// Hands over a command that already has a handler, deadline and redirect history (the
    /// cluster layer, after a redirect or a lost connection): all are kept, and `asking` sends
    /// `ASKING` right before it. Must be called on the loop.
    ///
    /// ```swift
    /// var moved = pending
    /// moved.redirections.append(redirection)
    /// target.send(moved)
    /// ```
    public func send(_ pending: consuming PendingCommand) {
        eventLoop.preconditionInEventLoop()
        correlator.send(pending)
    }

    /// Hands over several commands, sent in one flush, answered in order. Must be called on the loop.
    public func send(batch: [PendingCommand]) {
        eventLoop.preconditionInEventLoop()
        correlator.send(batch: batch)
    }

    /// Hands over commands answered into one collector (see `CommandBatch`): one queue entry
    /// and one write when they are ordinary commands. Must be called on the loop.
    public func send(_ batch: CommandBatch) {
        eventLoop.preconditionInEventLoop()
        correlator.send(batch)
    }

    /// Queues all `commands` and sends them in one flush. Must be called on the loop.
    public func submit(batch commands: [RedisCommand]) -> [EventLoopFuture<RESPValue>] {
        eventLoop.preconditionInEventLoop()
        let promises = commands.map { _ in eventLoop.makePromise(of: RESPValue.self) }
        correlator.send(batch: zip(commands, promises).map { PendingCommand(command: $0, handler: .promise($1)) })
        return promises.map(\.futureResult)
    }

    /// Receives RESP3 push frames (client-side caching invalidations, pub/sub messages) and,
    /// over RESP2, pub/sub messages. The confirmations of `SUBSCRIBE` and its family complete
    /// those commands instead (with an array of the confirmations). Must be called on the loop.
    public func setPushHandler(_ handler: @escaping (RESPValue) -> Void) {
        eventLoop.preconditionInEventLoop()
        correlator.onPush = handler
    }

    /// Commands queued or awaiting replies. Loop-confined.
    public var pendingCommandCount: Int { correlator.pendingCount }

    // MARK: Closing

    /// Closes the connection. Commands still waiting fail: never sent → `.notSent`, sent →
    /// `.unknown` outcome. Callable from any thread.
    @discardableResult
    public func close() -> EventLoopFuture<Void> {
        channel.close()
    }

    /// Succeeds when the connection has closed, for whatever reason.
    public var closeFuture: EventLoopFuture<Void> { channel.closeFuture }
}
