import RESP

/// What the server said about itself during the handshake.
public struct RedisServerInfo: Sendable, Equatable {
    /// The RESP version in use (3 after a successful `HELLO 3`, else 2).
    public var protocolVersion: Int
    /// `version` from `HELLO` (empty on RESP2 servers that do not know HELLO).
    public var version: String
    /// `role` from `HELLO`: `master` or `replica` (empty if unknown).
    public var role: String
    /// `mode` from `HELLO`: `standalone`, `cluster` or `sentinel` (empty if unknown).
    public var mode: String
    /// The connection id (`id` from `HELLO`), 0 if unknown.
    public var connectionID: Int

    public init(protocolVersion: Int, version: String = "", role: String = "", mode: String = "", connectionID: Int = 0) {
        self.protocolVersion = protocolVersion
        self.version = version
        self.role = role
        self.mode = mode
        self.connectionID = connectionID
    }
}

/// User events a node channel's stages send each other.
public enum RedisNodeEvent: Sendable {
    /// The handshake succeeded: commands may flow.
    case ready(RedisServerInfo)
}
