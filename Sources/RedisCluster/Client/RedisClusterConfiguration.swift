import Redis
import SwiftEV
import SwiftEVTLS

/// How a `RedisClusterClient` finds the cluster and treats its nodes. Names and defaults follow
/// ioredis' cluster options, which most users know; where a default differs, the doc says why.
///
/// ```swift
/// var config = RedisClusterConfiguration(seeds: [.init(host: "127.0.0.1", port: 7000)])
/// config.node.password = "s3cret"        // every node; a seed may override it
/// config.scaleReads = .replica           // reads from replicas, writes to primaries
/// config.commandTimeout = .seconds(2)
/// ```
public struct RedisClusterConfiguration: Sendable {
    /// A startup node: where to ask for the topology. One reachable seed is enough.
    public struct Seed: Sendable, Hashable {
        public var endpoint: ClusterEndpoint
        /// Override `node.username`/`node.password` for this seed only (a cluster in the middle
        /// of a password rotation, or a seed behind a proxy with its own credentials).
        public var username: String?
        public var password: String?

        public init(host: String, port: Int, username: String? = nil, password: String? = nil) {
            self.endpoint = ClusterEndpoint(host: host, port: port)
            self.username = username
            self.password = password
        }
    }

    /// Where reads go (writes always go to the slot's primary). Shard channel subscriptions
    /// (`SSUBSCRIBE`) follow it too: `.replica` puts each on a replica of its slot's shard.
    public enum ScaleReads: Sendable {
        /// Every command to the primary (default): reads see every acknowledged write.
        case primary
        /// Reads to a replica of the slot's shard (round robin), the primary when none is online.
        /// Replicas lag behind: a read may miss a write that was just acknowledged.
        case replica
        /// Reads spread over the primary and its replicas.
        case any
        /// Your choice among the shard's nodes (the primary first); nil means the primary.
        case custom(@Sendable (_ nodes: [ClusterTopology.Node], _ command: RedisCommand) -> ClusterEndpoint?)
    }

    /// Decides, after the `attempt`-th round of seeds all failed (1-based), how long to wait
    /// before the next round, or nil to give up. `errors` has each seed's cause.
    public typealias RetryStrategy = @Sendable (_ attempt: Int, _ errors: [NodeFailure]) -> TimeAmount?

    public var seeds: [Seed]
    /// Connection settings for every node (credentials, RESP version, timeouts, limits).
    ///
    /// Differs from a lone connection's defaults in two places, both because the replies read
    /// from one node issue commands to every node:
    /// - `earlyFlushThreshold` is 8 KiB. A lone connection sends early so that its server is
    ///   not idle while replies are decoded; here sending early to each node after every read
    ///   tripled the system calls (GET/SET over 3 primaries at 200 in flight: 0.066 → 0.026
    ///   sendmsg per command, as many as libvalkey's 0.025; each node still has commands
    ///   queued while others are decoded).
    /// - `tlsFlushHold` is on, with a 5 ms maximum wait (`defaultTLSFlushHold`): over TLS each
    ///   node otherwise received a small record after every read from any node, and Redis
    ///   spends a turn per record.
    public var node: RedisConnectionConfiguration = {
        var node = RedisConnectionConfiguration()
        node.earlyFlushThreshold = 8 * 1024
        node.tlsFlushHold = RedisClusterConfiguration.defaultTLSFlushHold
        return node
    }()
    /// The node connections' `tlsFlushHold` unless changed. The wait normally ends with the
    /// node's answer, well within 5 ms (a full pipeline of 200 commands in flight is answered
    /// in about 1.3 ms here); the bound only matters when a node keeps its answer back (a
    /// blocked or long-running command, whose successors it would not run before answering
    /// anyway, or replies switched off), and caps the delay that adds.
    public static let defaultTLSFlushHold = TLSFlushHold(maximumWait: .milliseconds(5))
    public var scaleReads: ScaleReads = .primary
    /// Redirects (`MOVED`, `ASK`) one command may follow before it fails with the chain it went
    /// through. Default 16. Retries after `TRYAGAIN`, `CLUSTERDOWN`, `LOADING` or `MASTERDOWN`
    /// are not counted (unless their delay is zero): they wait, at their delay, until
    /// `commandTimeout`, so a command outlives a failover (the cluster answers `CLUSTERDOWN`
    /// for about `cluster-node-timeout` + 1 s) instead of failing half-way through it.
    public var maxRedirections = 16
    public var retryDelayOnMoved: TimeAmount = .zero
    public var retryDelayOnTryAgain: TimeAmount = .milliseconds(100)
    public var retryDelayOnClusterDown: TimeAmount = .milliseconds(100)
    /// Also the wait after `LOADING`/`MASTERDOWN`, and between topology checks while commands
    /// wait for a lost primary's replacement.
    public var retryDelayOnFailover: TimeAmount = .milliseconds(100)
    /// From the moment a command is submitted to its reply, redirects and retries included.
    /// Default 10 s (`node.commandTimeout` is not used by the cluster client).
    public var commandTimeout: TimeAmount = .seconds(10)
    /// Periodic topology refresh. Default 5 s; nil turns it off.
    public var slotsRefreshInterval: TimeAmount? = .seconds(5)
    /// How long one node may take to answer a topology query. Default 1 s.
    public var slotsRefreshTimeout: TimeAmount = .seconds(1)
    /// The least time between two topology refreshes, whatever triggers them: a thousand
    /// `MOVED`s in one burst cause one refresh, not a thousand. Default 100 ms (ioredis has
    /// no such floor; its users see refresh storms during resharding).
    public var minimumRefreshInterval: TimeAmount = .milliseconds(100)
    /// How many nodes are asked for their view on each refresh (the majority view wins).
    /// Default 3.
    public var refreshQuorum = 3
    /// ioredis' default: `min(100 + 2·attempt, 2000)` ms. Unlike ioredis it gives up after 10
    /// rounds (about 1.1 s) so `connect()` ends with an error naming every seed instead of
    /// waiting forever; authentication refusals give up at once (retrying cannot fix them).
    public var clusterRetryStrategy: RetryStrategy = { attempt, _ in
        attempt > 10 ? nil : .milliseconds(Int64(min(100 + 2 * attempt, 2000)))
    }
    /// `connect()` waits until `CLUSTER INFO` says `cluster_state:ok`. Default on.
    public var enableReadyCheck = true
    /// Commands submitted before the topology is known (or while it is lost) wait in a queue
    /// instead of failing. Default on.
    public var enableOfflineQueue = true
    /// Commands waiting for a topology (offline queue, failover waits) at most; more fail at
    /// once with `offlineQueueFull`. Default 100,000.
    public var maxOfflineQueue = 100_000
    /// Maps an advertised address (`host:port` as the cluster announces it) to where to
    /// connect, for clusters behind NAT or in containers. Applied before `dnsLookup`.
    public var natMap: [ClusterEndpoint: ClusterEndpoint] = [:]
    /// The closure form of `natMap` (tried when the dictionary has no entry).
    public var natMapper: (@Sendable (ClusterEndpoint) -> ClusterEndpoint?)?
    /// Resolves a host name the cluster advertises to the address to connect to (runs on the
    /// loop: return quickly, e.g. from a table). Nil: the system resolver, off the loop.
    public var dnsLookup: (@Sendable (String) -> String?)?
    /// Reconnect backoff of one node: from `reconnectDelay` doubling up to `maxReconnectDelay`.
    public var reconnectDelay: TimeAmount = .milliseconds(50)
    public var maxReconnectDelay: TimeAmount = .seconds(2)

    /// Blocking commands (`BLPOP`, `XREAD BLOCK`…) run on connections of their own, at most
    /// this many per node (default 16); see `RedisClusterClient` "Blocking commands".
    public var maxBlockingConnectionsPerNode = 16
    /// Blocking commands that may wait for one of those connections per node (default 1,000);
    /// more fail at once with `blockingConnectionsBusy` (not sent).
    public var maxBlockingQueuePerNode = 1_000
    /// `transaction(watching:)` runs on connections of its own (a `WATCH` belongs to its
    /// connection), at most this many per node (default 8), kept open for the next call.
    public var maxWatchConnectionsPerNode = 8
    /// Transactions that may wait for one of those connections per node (default 1,000); more
    /// fail at once with `watchConnectionsBusy` (nothing sent).
    public var maxWatchQueuePerNode = 1_000
    /// Events one `subscribe` sequence holds while its reader is behind (default 10,000); past
    /// that, events are dropped and the reader is told how many with `PubSubEvent.dropped`.
    public var maxBufferedSubscriptionEvents = 10_000
    /// What the client reports through swift-metrics (redirects, refreshes, nodes, commands in
    /// flight, errors by kind: see `ClusterMetricsOptions` for the names). On by default, into
    /// `MetricsSystem.factory` (nothing without a bootstrapped backend); nil reports nothing.
    /// Sending a command costs the same either way: only events are counted and the gauges are
    /// sampled.
    public var metrics: ClusterMetricsOptions? = ClusterMetricsOptions()

    public init(seeds: [Seed]) {
        self.seeds = seeds
    }

    /// The address to dial for an advertised endpoint: `natMap`, then `natMapper`, then `dnsLookup`.
    public func connectAddress(for endpoint: ClusterEndpoint) -> ClusterEndpoint {
        var target = natMap[endpoint] ?? natMapper?(endpoint) ?? endpoint
        // An IPv4/IPv6 literal needs no lookup: SocketAddress parses exactly those.
        if let dnsLookup, (try? SocketAddress(ip: target.host, port: target.port)) == nil,
           let resolved = dnsLookup(target.host) {
            target.host = resolved
        }
        return target
    }
}
