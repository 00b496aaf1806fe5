import RESP
import SwiftEV

/// A connection to one Redis node: a channel whose pipeline is
/// `RESPDecodingStage → HandshakeStage → RedirectStage → CommandCorrelator`.
///
/// Two ways to use it:
/// - from any task: `try await connection.send("GET", "k")`;
/// - from code already on its loop (a stage, a server on the same loop): `submit(_:)`, which
///   returns a future, or `submit(_:onReply:)` with a callback — no thread hop, no task.
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
public final class RedisConnection: @unchecked Sendable {
    public let eventLoop: LibevEventLoop
    public let channel: Channel
    /// `host:port` as given to `connect`.
    public let node: String
    /// What the server said about itself in the handshake.
    public let serverInfo: RedisServerInfo
    let correlator: CommandCorrelator

    init(eventLoop: LibevEventLoop, channel: Channel, node: String, serverInfo: RedisServerInfo, correlator: CommandCorrelator) {
        self.eventLoop = eventLoop
        self.channel = channel
        self.node = node
        self.serverInfo = serverInfo
        self.correlator = correlator
    }

    // MARK: Connecting

    /// Connects, runs the handshake, and returns once commands can flow. Callable from any task.
    /// Fails with `SocketError` (refused, timeout, resolution) or `RedisError`
    /// (`handshakeFailed` naming WRONGPASS/NOAUTH/NOPERM…, `timeout`).
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
        loop.preconditionInEventLoop()
        let node = Redirection.format(host, port)
        let ready = loop.makePromise(of: RedisServerInfo.self)
        let correlator = CommandCorrelator(
            node: node, timeout: configuration.commandTimeout,
            maxPending: configuration.maxPendingCommands, waitsForHandshake: true, ready: ready
        )
        var client = TCPClient(loop: loop)
        client.options = configuration.channelOptions
        client.connectTimeout = configuration.connectTimeout
        let connected = client.connect(on: loop, host: host, port: port) { pipeline in
            pipeline
                .adding(RESPDecodingStage(limits: configuration.decoderLimits, node: node))
                .adding(HandshakeStage(configuration.handshake, node: node, timeout: configuration.commandTimeout))
                .adding(RedirectStage(currentHost: host))
                .adding(correlator)
        }
        return connected.flatMap { channel in
            ready.futureResult.map { info in
                RedisConnection(eventLoop: loop, channel: channel, node: node, serverInfo: info, correlator: correlator)
            }
        }
    }

    // MARK: Sending from any task

    /// Sends `command` and waits for its reply. Server error replies throw `RedisError` with
    /// kind `.server` (its code, e.g. `WRONGTYPE`, and message).
    @discardableResult
    public func send(_ command: RedisCommand) async throws -> RESPValue {
        try await withCheckedThrowingContinuation { continuation in
            let queued = eventLoop.tryExecute { [self] in
                correlator.send(command, handler: .continuation(continuation))
            }
            if !queued {
                continuation.resume(throwing: RedisError(.connectionClosed(.notSent), node: node, command: command.name))
            }
        }
    }

    /// Sends a command given as its words: `try await connection.send("HSET", "h", "f", 1)`.
    @discardableResult
    public func send<each Argument: RESPArgument>(_ name: String, _ arguments: repeat each Argument) async throws -> RESPValue {
        try await send(RedisCommand(name, repeat each arguments))
    }

    /// Sends a command and decodes its reply: `try await connection.send("GET", "k", as: String?.self)`.
    public func send<each Argument: RESPArgument, T: RESPDecodable>(
        _ name: String, _ arguments: repeat each Argument, as type: T.Type
    ) async throws -> T {
        try await send(RedisCommand(name, repeat each arguments)).decode(as: T.self)
    }

    /// Sends every command in one flush; results come back in the same order, each its own
    /// success or failure (one command failing does not fail the others).
    public func pipeline(_ commands: [RedisCommand]) async -> [Result<RESPValue, any Error>] {
        let futures: [EventLoopFuture<RESPValue>]
        do {
            futures = try await eventLoop.submit { [self] in submit(batch: commands) }.get()
        } catch {
            return commands.map { .failure(RedisError(.connectionClosed(.notSent), node: node, command: $0.name)) }
        }
        var results: [Result<RESPValue, any Error>] = []
        results.reserveCapacity(futures.count)
        for future in futures {
            do { results.append(.success(try await future.get())) } catch { results.append(.failure(error)) }
        }
        return results
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
        correlator.send(command, handler: .callback(onReply))
    }

    /// Queues all `commands` and sends them in one flush. Must be called on the loop.
    public func submit(batch commands: [RedisCommand]) -> [EventLoopFuture<RESPValue>] {
        eventLoop.preconditionInEventLoop()
        let promises = commands.map { _ in eventLoop.makePromise(of: RESPValue.self) }
        correlator.send(batch: zip(commands, promises).map { PendingCommand(command: $0, handler: .promise($1)) })
        return promises.map(\.futureResult)
    }

    /// Receives RESP3 push frames (client-side caching invalidations, pub/sub messages).
    /// Must be called on the loop.
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
