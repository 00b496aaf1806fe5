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
public struct RedisError: Error, Sendable, CustomStringConvertible {
    /// Whether a command reached the server before things went wrong.
    public enum Outcome: Sendable, Equatable {
        /// Never written to the socket: it did not run, and sending it again is safe.
        case notSent
        /// Written, no reply: it may or may not have run. Not retried unless read-only.
        case unknown
    }

    public enum Kind: Sendable {
        /// The server answered with an error reply (`WRONGTYPE`, `ERR`, `NOSCRIPT`, …).
        case server(RESPServerError)
        /// The connection closed before the reply arrived.
        case connectionClosed(Outcome)
        /// No reply within the command timeout. The connection stays open; a late reply is dropped.
        case timeout(Outcome)
        /// The connection handshake (`HELLO`, `AUTH`, `CLIENT SETNAME`, `READONLY`, `SELECT`)
        /// was refused; `step` names the command.
        case handshakeFailed(step: String, RESPServerError)
        /// The server sent bytes that are not valid RESP, or exceeded a decoder limit.
        case protocolError(String)
        /// A redirect or retry signal (`MOVED`, `ASK`, `TRYAGAIN`, …) reached a connection with
        /// nobody to follow it (a plain `RedisConnection`, or the redirect budget ran out).
        case redirected(Redirection)
        /// Too many commands waiting on one connection; the command was not queued (not sent).
        case tooManyPendingCommands(limit: Int)
        /// A reply arrived with no command waiting for it: the stream is out of step and closed.
        case unexpectedReply
    }

    public var kind: Kind
    /// The node (`host:port`) the command was sent to.
    public var node: String
    /// The command's name, when the error concerns one command.
    public var command: String?

    public init(_ kind: Kind, node: String, command: String? = nil) {
        self.kind = kind
        self.node = node
        self.command = command
    }

    /// Whether the command certainly did not run, so it can be sent again safely.
    public var isSafeToRetry: Bool {
        switch kind {
        case .connectionClosed(.notSent), .timeout(.notSent), .tooManyPendingCommands, .redirected: return true
        default: return false
        }
    }

    public var description: String {
        let subject = command.map { "\($0) on \(node)" } ?? node
        switch kind {
        case .server(let reply): return "\(subject): server error \(reply)"
        case .connectionClosed(.notSent): return "\(subject): connection closed before the command was sent (not executed)"
        case .connectionClosed(.unknown): return "\(subject): connection closed after the command was sent; outcome unknown"
        case .timeout(.notSent): return "\(subject): timed out before the command could be sent (not executed)"
        case .timeout(.unknown): return "\(subject): timed out waiting for the reply; outcome unknown"
        case .handshakeFailed(let step, let reply): return "\(node): connection handshake failed at \(step): \(reply)"
        case .protocolError(let why): return "\(node): protocol error: \(why)"
        case .redirected(let r): return "\(subject): \(r)"
        case .tooManyPendingCommands(let limit): return "\(subject): more than \(limit) commands pending on one connection; not sent"
        case .unexpectedReply: return "\(node): a reply arrived with no command waiting for it; connection closed"
        }
    }
}
