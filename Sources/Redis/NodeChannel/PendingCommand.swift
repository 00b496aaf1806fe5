import RESP
import SwiftEV

/// A command with the place its reply must go; what a node channel hands back to its delegate
/// (the cluster coordinator) when the command has to be sent elsewhere, and what the delegate
/// hands to another connection with `RedisConnection.send(_:)`.
///
/// ```swift
/// // In a NodeChannelDelegate, following a MOVED:
/// var next = command
/// next.redirections.append(redirection)
/// next.asking = false
/// target.send(next)        // same deadline, same handler
/// ```
public struct PendingCommand: Sendable {
    public var command: RedisCommand
    public var handler: ReplyHandler
    /// The absolute deadline for the reply. Nil until the first correlator that queues it sets
    /// it to now + its command timeout; kept from then on, across redirects and re-sends.
    public var deadline: Deadline?
    /// The redirects followed so far, in order: for the redirect budget and the error message.
    public var redirections: [Redirection]
    /// After an `ASK`: the correlator writes `ASKING` immediately before the command, in the
    /// same flush, and consumes its reply.
    public var asking: Bool
    /// Whether the command was written to a connection that was then lost without a reply.
    /// Only read-only commands come back with this set; writes fail with an unknown outcome.
    public var wasSent: Bool
    /// Meant for the node it was sent to and no other (a cluster client's topology query,
    /// `WAIT` after a write on that connection): handed back unanswered, it fails instead of
    /// being sent elsewhere, where its answer would be taken for that node's.
    public var pinned = false

    public init(command: RedisCommand, handler: ReplyHandler, deadline: Deadline? = nil,
                redirections: [Redirection] = [], asking: Bool = false) {
        self.command = command
        self.handler = handler
        self.deadline = deadline
        self.redirections = redirections
        self.asking = asking
        self.wasSent = false
    }
}

/// Receives the commands a node channel cannot finish itself. Called on the channel's loop;
/// `correlator.node` is the node (`host:port`).
public protocol NodeChannelDelegate: AnyObject {
    /// The node answered `command` with a redirect or retry signal instead of a reply.
    /// (Never called for a command inside `MULTI`: the transaction fails instead.)
    func nodeChannel(_ correlator: CommandCorrelator, redirected command: PendingCommand, by redirection: Redirection)
    /// The connection was lost. `commands` certainly did not run (never written), or are
    /// read-only and safe to run again (`wasSent`): send them again. `cause` says why
    /// (`nodeUnresponsive` for a hung node). Called once per lost connection, also when
    /// `commands` is empty.
    func nodeChannel(_ correlator: CommandCorrelator, returned commands: [PendingCommand], cause: RedisError)
    /// `count` written commands passed their deadline unanswered (their callers were told:
    /// timed out, outcome unknown). The node may be hung, or cut off and being failed over.
    func nodeChannel(_ correlator: CommandCorrelator, timedOut count: Int)
}

extension NodeChannelDelegate {
    /// Nothing by default: only a client that can route around a node needs to know.
    public func nodeChannel(_ correlator: CommandCorrelator, timedOut count: Int) {}
}
