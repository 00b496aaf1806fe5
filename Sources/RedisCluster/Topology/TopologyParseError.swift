/// A `CLUSTER SHARDS` or `CLUSTER SLOTS` reply that could not be read: which command, where in
/// the reply (`shard 2, node 1`), and what was wrong.
///
/// ```swift
/// do { _ = try ShardsParser.parse(reply) } catch {
///     print(error)   // CLUSTER SHARDS, shard 1, node 0: field 'port' is missing
/// }
/// ```
public struct TopologyParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The server answered with an error (`ERR unknown subcommand`, `ERR This instance has
        /// cluster support disabled`).
        case serverError(String)
        /// A value of another RESP type than the one expected.
        case unexpectedType(expected: String, got: String)
        case missingField(String)
        case invalidValue(field: String, value: String)
        /// A shard that serves slots names no primary.
        case noPrimary
        /// A node that must be reachable has no endpoint, host name or IP.
        case noUsableEndpoint
    }

    /// `CLUSTER SHARDS` or `CLUSTER SLOTS`.
    public var command: String
    /// Where in the reply, e.g. `shard 2, node 1`; empty for the whole reply.
    public var location: String
    public var reason: Reason

    public init(command: String, location: String, reason: Reason) {
        self.command = command
        self.location = location
        self.reason = reason
    }

    public var description: String {
        let place = location.isEmpty ? command : "\(command), \(location)"
        switch reason {
        case .serverError(let message): return "\(place): the server answered an error: \(message)"
        case .unexpectedType(let expected, let got): return "\(place): expected \(expected), got \(got)"
        case .missingField(let field): return "\(place): field '\(field)' is missing"
        case .invalidValue(let field, let value): return "\(place): invalid \(field) '\(value)'"
        case .noPrimary: return "\(place): a shard with slots has no primary"
        case .noUsableEndpoint: return "\(place): no endpoint, host name or IP to reach the node"
        }
    }
}

/// Which address of a node to use, when the server advertises several.
public enum EndpointPreference: Sendable, Equatable {
    /// The server's choice (`cluster-preferred-endpoint-type`): `endpoint`, then `hostname`,
    /// then `ip`. An unknown endpoint (`?` or empty) falls back to the next.
    case advertised
    /// `ip` first, then as `advertised`.
    case ip
    /// `hostname` first, then as `advertised`.
    case hostname
}
