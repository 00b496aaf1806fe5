import Redis
import RESP

/// A command the cluster client sent in parts (split per slot, or fanned out to several
/// nodes) where at least one part failed: every part's own result, so the caller knows what
/// ran where. Parts are independent: a failed part does not undo the ones that succeeded.
///
/// ```swift
/// do { try await cluster.send("MSET", "a", 1, "b", 2) }
/// catch let error as ClusterPartialFailure {
///     print(error.succeeded)                       // ["slot 15495"]: those keys were set
///     for (part, cause) in error.failures { print(part, cause) }
/// }
/// ```
public struct ClusterPartialFailure: Error, Sendable, CustomStringConvertible {
    public struct Part: Sendable {
        /// `slot N` for a split command, `host:port` for a fanned-out one.
        public var target: String
        public var result: Result<RESPValue, any Error>

        public init(target: String, result: Result<RESPValue, any Error>) {
            self.target = target
            self.result = result
        }
    }

    public var command: String
    public var parts: [Part]

    public init(command: String, parts: [Part]) {
        self.command = command
        self.parts = parts
    }

    /// The parts that ran and succeeded.
    public var succeeded: [String] {
        parts.compactMap { if case .success = $0.result { return $0.target } else { return nil } }
    }

    /// The parts that failed, each with its own error.
    public var failures: [(target: String, error: any Error)] {
        parts.compactMap { if case .failure(let error) = $0.result { return ($0.target, error) } else { return nil } }
    }

    /// True when no part can have run (every part failed before reaching a server, or was
    /// withdrawn unsent by a cancellation), so the whole command can be sent again.
    public var isSafeToRetry: Bool {
        parts.allSatisfy { part in
            guard case .failure(let error) = part.result else { return false }
            if let error = error as? RedisError { return error.isSafeToRetry }
            return error is RedisClusterError || error is CancellationError
        }
    }

    public var description: String {
        let failed = failures.map { "\($0.target): \($0.error)" }.joined(separator: "; ")
        let ok = succeeded.isEmpty ? "none" : succeeded.joined(separator: ", ")
        return "\(command): \(failures.count) of \(parts.count) parts failed (\(failed)); succeeded: \(ok)"
    }
}

/// A part's reply that does not have the shape its merge needs (a server that answered a
/// count with text): nothing to merge, the reply is kept for the error.
public struct UnmergeableReply: Error, Sendable, CustomStringConvertible {
    public var command: String
    public var target: String
    public var reply: RESPValue

    public var description: String { "\(command): cannot merge the reply of \(target): \(reply)" }
}
