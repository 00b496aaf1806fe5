import Redis

/// Why `RedisClusterClient.transaction` did not return the replies of its commands.
///
/// ```swift
/// do { try await cluster.transaction([RedisCommand("INCR", "{u}n"), RedisCommand("INCR", "{u}m")]) }
/// catch let error as ClusterTransactionError where error.kind == .outcomeUnknown {
///     // EXEC was sent, no reply came: check the data before trying again
/// }
/// ```
public struct ClusterTransactionError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// `EXEC` was sent and not answered: the transaction may or may not have run. Not re-sent.
        case outcomeUnknown
        /// The server refused the transaction (a queued command's error): nothing ran.
        case rejected
        /// The commands are not a transaction the client can send: a `MULTI`, `EXEC`,
        /// `DISCARD`, `WATCH`, `UNWATCH` or `RESET` among them. Nothing was sent.
        case invalidCommand(String)
    }

    public var kind: Kind
    /// The error behind it (the lost connection, the server's refusal).
    public var underlying: (any Error)?
    /// The node the transaction went to, when it got that far.
    public var node: String?

    public init(_ kind: Kind, underlying: (any Error)? = nil, node: String? = nil) {
        self.kind = kind
        self.underlying = underlying
        self.node = node
    }

    public var isSafeToRetry: Bool { kind != .outcomeUnknown }

    public var description: String {
        let at = node.map { " on \($0)" } ?? ""
        let cause = underlying.map { ": \($0)" } ?? ""
        switch kind {
        case .outcomeUnknown: return "transaction\(at): EXEC was sent but not answered; outcome unknown, not re-sent\(cause)"
        case .rejected: return "transaction\(at) refused by the server; nothing ran\(cause)"
        case .invalidCommand(let name): return "transaction: \(name) cannot be inside a cluster transaction; nothing was sent"
        }
    }
}
