import RESP
import SwiftEV

/// Something that queues commands for code already running on its event loop — a stage, a
/// server on the same loop — with no task and no thread hop: `RedisConnection` and the cluster
/// client. Its `onLoop` view carries every typed command in that form.
///
/// ```swift
/// // On the client's loop (inside a stage, a timer, another reply's callback):
/// cluster.onLoop.get("user:42") { result in
///     if case .success(let value?) = result { respond(value) }
/// }
/// ```
public protocol RedisLoopLocalSending: AnyObject, Sendable {
    var eventLoop: LibevEventLoop { get }

    /// Queues `command`; `onReply` runs on the loop with the reply (a server error reply as a
    /// failure). Must be called on the loop.
    func submit(_ command: RedisCommand, onReply: @escaping (Result<RESPValue, any Error>) -> Void)
}

extension RedisLoopLocalSending {
    /// The typed commands for code on `eventLoop`: each in a callback form (`onReply` runs on
    /// the loop) and a future form (completed on the loop). Must be used on the loop.
    ///
    /// ```swift
    /// connection.onLoop.incr("hits").whenSuccess { count in print(count) }
    /// connection.onLoop.hset("h", fields: [(field: "f", value: "v")]) { print($0) }
    /// ```
    public var onLoop: RedisLoopCommands { RedisLoopCommands(self) }
}

/// The typed commands of one `RedisLoopLocalSending` (a connection or a cluster client) for code
/// running on its loop: `sender.onLoop.get("k") { result in … }` or
/// `sender.onLoop.get("k").whenSuccess { … }`. Replies are decoded as the `async` methods
/// decode them; a reply that does not fit the type fails with `RESPDecodingError`.
///
/// Each method must be called on the sender's loop, and its callback or future completes there.
/// The callback form is the cheaper one (no promise).
///
/// ```swift
/// let loop = cluster.eventLoop
/// loop.execute {
///     cluster.onLoop.set("greeting", value: "hello").flatMap { _ in
///         cluster.onLoop.get("greeting")
///     }.whenSuccess { value in print(value.map { String(buffer: $0) } ?? "nil") }
/// }
/// ```
public struct RedisLoopCommands: Sendable {
    public let sender: any RedisLoopLocalSending

    public init(_ sender: any RedisLoopLocalSending) {
        self.sender = sender
    }

    /// Queues `command`; `onReply` runs on the loop with the reply decoded as `T`.
    public func submit<T: RESPDecodable>(_ command: RedisCommand, as type: T.Type,
                                         onReply: @escaping (Result<T, any Error>) -> Void) {
        sender.submit(command) { result in
            onReply(result.flatMap { value in Result { try value.decode(as: T.self) } })
        }
    }

    /// Queues `command`; the future completes on the loop with the reply decoded as `T`.
    public func submit<T: RESPDecodable & Sendable>(_ command: RedisCommand, as type: T.Type) -> EventLoopFuture<T> {
        let promise = sender.eventLoop.makePromise(of: T.self)
        submit(command, as: type) { promise.completeWith($0) }
        return promise.futureResult
    }

    /// Queues `command`; `onReply` runs on the loop with the raw reply.
    public func submit(_ command: RedisCommand, onReply: @escaping (Result<RESPValue, any Error>) -> Void) {
        sender.submit(command, onReply: onReply)
    }

    /// Queues `command`; the future completes on the loop with the raw reply.
    public func submit(_ command: RedisCommand) -> EventLoopFuture<RESPValue> {
        let promise = sender.eventLoop.makePromise(of: RESPValue.self)
        sender.submit(command) { promise.completeWith($0) }
        return promise.futureResult
    }

    /// Queues a command whose reply is a status (`OK`): `onReply` runs on the loop, with success
    /// unless the server answered with an error.
    public func submitStatus(_ command: RedisCommand, onReply: @escaping (Result<Void, any Error>) -> Void) {
        sender.submit(command) { onReply($0.map { _ in () }) }
    }

    /// Queues a command whose reply is a status (`OK`); the future completes on the loop.
    public func submitStatus(_ command: RedisCommand) -> EventLoopFuture<Void> {
        let promise = sender.eventLoop.makePromise(of: Void.self)
        submitStatus(command) { promise.completeWith($0) }
        return promise.futureResult
    }
}
