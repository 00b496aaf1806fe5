import RESP
import SwiftEV

/// Where a command's reply goes: a callback, a future, or a suspended task.
///
/// ```swift
/// correlator.send(RedisCommand("GET", "k"), handler: .callback { result in print(result) })
/// ```
///
/// A struct of optional references rather than an enum with three payloads: handlers are moved
/// through the correlator's queues for every command, and copying a multi-payload enum goes
/// through the runtime's value witnesses (measured at ~7% of the client's CPU per command);
/// copying this is a few retains the compiler inlines.
public struct ReplyHandler: @unchecked Sendable {
    // @unchecked: `callback` may capture loop-confined state; a handler is only invoked on the
    // loop of the connection that owns the command, never moved to another thread.
    // Exactly one of the three is set.
    @usableFromInline let callback: ((Result<RESPValue, any Error>) -> Void)?
    @usableFromInline let promise: EventLoopPromise<RESPValue>?
    @usableFromInline let continuation: CheckedContinuation<RESPValue, any Error>?

    /// Completes a future.
    public static func promise(_ promise: EventLoopPromise<RESPValue>) -> ReplyHandler {
        ReplyHandler(callback: nil, promise: promise, continuation: nil)
    }

    /// Calls `callback` on the loop.
    public static func callback(_ callback: @escaping (Result<RESPValue, any Error>) -> Void) -> ReplyHandler {
        ReplyHandler(callback: callback, promise: nil, continuation: nil)
    }

    /// Resumes a suspended task.
    public static func continuation(_ continuation: CheckedContinuation<RESPValue, any Error>) -> ReplyHandler {
        ReplyHandler(callback: nil, promise: nil, continuation: continuation)
    }

    @inlinable
    public func complete(_ result: Result<RESPValue, any Error>) {
        if let callback {
            callback(result)
        } else if let promise {
            promise.completeWith(result)
        } else {
            continuation?.resume(with: result)
        }
    }
}

/// A command with the place its reply must go; what a node channel hands back to its delegate
/// (the cluster coordinator) when the command has to be sent elsewhere.
public struct PendingCommand: Sendable {
    public var command: RedisCommand
    public var handler: ReplyHandler
    /// Redirects followed so far, against the redirect budget.
    public var redirects: Int
    /// Whether the command was written to a connection that was then lost without a reply.
    /// Only read-only commands come back with this set; writes fail with an unknown outcome.
    public var wasSent: Bool

    public init(command: RedisCommand, handler: ReplyHandler, redirects: Int = 0, wasSent: Bool = false) {
        self.command = command
        self.handler = handler
        self.redirects = redirects
        self.wasSent = wasSent
    }
}

/// Receives the commands a node channel cannot finish itself. Called on the channel's loop.
public protocol NodeChannelDelegate: AnyObject {
    /// The node answered `command` with a redirect or retry signal instead of a reply.
    func nodeChannel(_ node: String, redirected command: PendingCommand, by redirection: Redirection)
    /// The connection was lost. `commands` certainly did not run (never written), or are
    /// read-only and safe to run again (`wasSent`): send them again. `cause` says why.
    func nodeChannel(_ node: String, returned commands: [PendingCommand], cause: RedisError)
}
