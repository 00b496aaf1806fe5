import RESP
import SwiftEV

/// Everything a Redis command or connection can fail with, each naming its cause and the node.
///
/// ```swift
/// do {
///     _ = try await connection.send("INCR", "a-string-key").get()
/// } catch let error as RedisError {
///     switch error.kind {
///     case .server(let reply) where reply.code == "WRONGTYPE": …
///     case .connectionClosed(.unknown): …   // may or may not have run: do not blindly retry
///     default: …
///     }
/// }
/// ```
///
/// `node` is only `host:port`, so it can key a dictionary of connections; the transport's own
/// words (a reset, a refused connect) are in `underlying`.
public struct RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Whether a command reached the server before things went wrong.
    public enum Outcome: Sendable, Equatable {
        /// Never written to the socket: it did not run, and sending it again is safe.
        case notSent
        /// Written, no reply: it may or may not have run. Not retried unless read-only.
        case unknown
    }

    public enum Kind: Sendable, Equatable {
        /// The server answered with an error reply (`WRONGTYPE`, `ERR`, `NOSCRIPT`, …).
        case server(RESPServerError)
        /// The connection closed before the reply arrived.
        case connectionClosed(Outcome)
        /// No reply by the command's deadline. The connection stays open; a late reply is dropped.
        case timeout(Outcome)
        /// The node answered nothing for `unresponsiveNodeGrace` past the deadline of its oldest
        /// command: the connection was closed. Commands on it fail with this (never sent →
        /// `.notSent`, sent → `.unknown`).
        case nodeUnresponsive(Outcome)
        /// The caller's task was cancelled after the command was written: it may or may not run;
        /// its reply will be dropped. (A command cancelled before it was written fails with
        /// `CancellationError` instead.)
        case cancelled
        /// The connection handshake (`HELLO`, `AUTH`, `CLIENT SETNAME`, `READONLY`, `SELECT`)
        /// was refused; `step` names the command. A command failing with this was not sent.
        case handshakeFailed(step: String, RESPServerError)
        /// The server sent bytes that are not valid RESP, or exceeded a decoder limit.
        case protocolError(String)
        /// A redirect or retry signal (`MOVED`, `ASK`, `TRYAGAIN`, …) reached a connection with
        /// nobody to follow it (a plain `RedisConnection`, or the redirect budget ran out).
        case redirected(Redirection)
        /// A command inside `MULTI` (or the `EXEC` itself) was answered with a redirect or retry
        /// signal: the whole transaction failed (the server discards it), and no command of it is
        /// re-sent on its own. Both that command and the `EXEC` fail with this.
        case redirectedInTransaction(Redirection)
        /// Too many commands waiting on one connection; the command was not queued (not sent).
        case tooManyPendingCommands(limit: Int)
        /// A reply arrived with no command waiting for it: the stream is out of step and closed.
        case unexpectedReply
    }

    public var kind: Kind
    /// The node (`host:port`) the command was sent to. Only that: usable as a key.
    public var node: String
    /// The command's name, when the error concerns one command.
    public var command: String?
    /// The lower-level cause in words (a socket error, the error that closed the connection).
    public var underlying: String?

    public init(_ kind: Kind, node: String, command: String? = nil, underlying: String? = nil) {
        self.kind = kind
        self.node = node
        self.command = command
        self.underlying = underlying
    }

    /// Whether the command certainly did not run, so it can be sent again safely. A refused
    /// handshake counts: nothing was sent (though the same credentials are refused again).
    public var isSafeToRetry: Bool {
        switch kind {
        case .connectionClosed(.notSent), .timeout(.notSent), .nodeUnresponsive(.notSent), .tooManyPendingCommands, .redirected,
             .handshakeFailed:
            return true
        default:
            return false
        }
    }

    public var description: String {
        let subject = command.map { "\($0) on \(node)" } ?? node
        let text: String
        switch kind {
        case .server(let reply): text = "\(subject): server error \(reply)"
        case .connectionClosed(.notSent): text = "\(subject): connection closed before the command was sent (not executed)"
        case .connectionClosed(.unknown): text = "\(subject): connection closed after the command was sent; outcome unknown"
        case .timeout(.notSent): text = "\(subject): timed out before the command could be sent (not executed)"
        case .timeout(.unknown): text = "\(subject): timed out waiting for the reply; outcome unknown"
        case .nodeUnresponsive(.notSent): text = "\(subject): node unresponsive, connection closed before the command was sent (not executed)"
        case .nodeUnresponsive(.unknown): text = "\(subject): node unresponsive, connection closed after the command was sent; outcome unknown"
        case .cancelled: text = "\(subject): cancelled after the command was sent; outcome unknown (its reply is dropped)"
        case .handshakeFailed(let step, let reply):
            // A command that waited for the handshake carries its error under its own name.
            if let command, command != HandshakeStage.commandName {
                text = "\(subject): connection handshake failed at \(step): \(reply); not executed"
            } else {
                text = "\(node): connection handshake failed at \(step): \(reply)"
            }
        case .protocolError(let why): text = "\(node): protocol error: \(why)"
        case .redirected(let r): text = "\(subject): \(r)"
        case .redirectedInTransaction(let r): text = "\(subject): \(r) inside MULTI; the transaction was discarded (nothing in it ran)"
        case .tooManyPendingCommands(let limit): text = "\(subject): more than \(limit) commands pending on one connection; not sent"
        case .unexpectedReply: text = "\(node): a reply arrived with no command waiting for it; connection closed"
        }
        return underlying.map { "\(text) (\($0))" } ?? text
    }
}
