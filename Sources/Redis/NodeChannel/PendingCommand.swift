import RESP
import SwiftEV

/// Where a command's reply goes: a future, a callback, or a suspended task.
public enum ReplyHandler: @unchecked Sendable {
    // @unchecked: `callback` may capture loop-confined state; a handler is only invoked on the
    // loop of the connection that owns the command, never moved to another thread.
    case promise(EventLoopPromise<RESPValue>)
    case callback((Result<RESPValue, any Error>) -> Void)
    case continuation(CheckedContinuation<RESPValue, any Error>)

    @inlinable
    public func complete(_ result: Result<RESPValue, any Error>) {
        switch self {
        case .promise(let p): p.completeWith(result)
        case .callback(let c): c(result)
        case .continuation(let c): c.resume(with: result)
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
