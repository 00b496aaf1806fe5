import RESP
import SwiftEV
import SwiftEVTLS

/// How to connect to one Redis node.
///
/// ```swift
/// var config = RedisConnectionConfiguration()
/// config.password = "s3cret"          // AUTH via HELLO (username "default")
/// config.clientName = "cache-service"
/// config.commandTimeout = .seconds(2)
/// ```
public struct RedisConnectionConfiguration: Sendable {
    /// ACL user; nil means the default user.
    public var username: String?
    public var password: String?
    /// `CLIENT SETNAME`, shown in `CLIENT LIST`.
    public var clientName: String?
    /// 3 (default) asks for RESP3 with `HELLO 3` and falls back to 2 on servers without it.
    public var protocolVersion = 3
    /// Sends `READONLY` after connecting, so a cluster replica serves reads.
    public var readOnly = false
    /// `SELECT` this database after connecting (standalone servers only).
    public var database: Int?
    /// Resolution and TCP connect together. Default 5 s.
    public var connectTimeout: TimeAmount = .seconds(5)
    /// How long a command may wait for its reply, including the handshake. Default 10 s.
    /// A command's deadline is set once, when it is first queued, and kept across redirects.
    public var commandTimeout: TimeAmount = .seconds(10)
    /// A connection whose oldest written command is this far past its deadline with no reply is
    /// judged hung: it is closed and its commands fail with `nodeUnresponsive`. Nil (default)
    /// means `commandTimeout`.
    public var unresponsiveNodeGrace: TimeAmount?
    /// Commands waiting or in flight on one connection at most; beyond it `send` fails at once
    /// with `tooManyPendingCommands` instead of queueing without bound. Default 100,000.
    public var maxPendingCommands = 100_000
    /// Bounds on what the server may send (depth, lengths); the server's own limits by default.
    public var decoderLimits = RESPDecoder.Limits.default
    /// When commands go out before the loop iteration ends. Normally everything written in one
    /// iteration leaves in one system call, just before the loop blocks. With many commands in
    /// flight, the server would sit idle while this side decodes a long run of replies and
    /// writes the next commands, so once the bytes written in this iteration reach
    /// `max(earlyFlushThreshold, bytes in flight / 3)` they are sent at once and the server
    /// starts on them. One connection, GET/SET at 200 in flight (Benchmarks/run-redis.sh):
    /// 0.58 M → 1.2 M ops/s. `Int.max` turns early sends off (fewest system calls).
    ///
    /// Default 1 KiB (a 16-command pipeline stays one write). The cluster client uses 8 KiB for
    /// its node connections (see `RedisClusterConfiguration.node`).
    public var earlyFlushThreshold = RedisConnectionConfiguration.defaultEarlyFlushThreshold
    public static let defaultEarlyFlushThreshold = 1024
    /// Socket options (water marks, TCP_NODELAY, read sizes).
    public var channelOptions = ChannelOptions()
    /// TLS to the node; nil (default) is plaintext. Build the context once and share it: it
    /// holds the loaded trust roots and certificate.
    ///
    /// ```swift
    /// var tls = TLSConfiguration.client
    /// tls.trustRoots = .file("/etc/redis/ca.crt")
    /// config.tls = try TLSContext(configuration: tls)
    /// ```
    public var tls: TLSContext?
    /// The name the server's certificate must carry, also sent as SNI. Nil: the TLS
    /// configuration's `serverName`, else the host connected to.
    public var tlsServerName: String?
    /// TLS only: while the server has not answered this connection's last flush, the next one
    /// waits for that answer (at most `maximumWait`) and then goes out whole, in one record
    /// (see `TLSFlushHold`). Nil (default for a lone connection): every flush goes out at the
    /// end of its loop iteration, cut into a few records. The cluster client turns it on for
    /// its node connections (see `RedisClusterConfiguration.node`).
    ///
    /// Redis decrypts one record per event-loop turn and writes its answer before the next,
    /// so its cost per command falls with the commands per record. A lone connection that
    /// sends from its own replies flushes once per answer and would never wait: there the
    /// split into a few records is what keeps Redis busy while this side decodes.
    ///
    /// ```swift
    /// config.tlsFlushHold = TLSFlushHold(maximumWait: .milliseconds(5))
    /// ```
    public var tlsFlushHold: TLSFlushHold?

    public init() {}

    var handshake: HandshakeStateMachine.Configuration {
        HandshakeStateMachine.Configuration(
            protocolVersion: protocolVersion, username: username, password: password,
            clientName: clientName, readOnly: readOnly, database: database
        )
    }
}
