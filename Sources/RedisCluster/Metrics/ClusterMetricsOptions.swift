import CoreMetrics
import SwiftEV

/// What a `RedisClusterClient` reports through swift-metrics (on by default; the factory
/// bootstrapped with `MetricsSystem.bootstrap` receives them, and without one they cost
/// nothing but a sample per second).
///
/// Every figure comes from an event the client handles anyway (a redirect, a refresh, a
/// failure) or from a sample taken every `sampleInterval` on the client's loop, so sending a
/// command costs nothing more with metrics on. Names, with `prefix` = `redis_cluster`:
///
/// | name | type | dimensions | what |
/// |---|---|---|---|
/// | `redis_cluster_redirects_total` | counter | `type`: `moved`, `ask` | redirects followed |
/// | `redis_cluster_retries_total` | counter | | commands sent again after `TRYAGAIN`, `CLUSTERDOWN`, `LOADING`, `MASTERDOWN` |
/// | `redis_cluster_waits_total` | counter | | commands parked for a topology or a node's replacement |
/// | `redis_cluster_topology_refreshes_total` | counter | | topology refreshes started |
/// | `redis_cluster_topology_changes_total` | counter | | refreshes that found another layout |
/// | `redis_cluster_command_errors_total` | counter | `kind` (see `RedisClusterError.Kind.metricName`) | commands the client failed itself |
/// | `redis_cluster_node_errors_total` | counter | `cause`: `unreachable`, `authentication_failed`, `tls`, `command_timeout`, … | node connections lost or refused, nodes that let written commands time out |
/// | `redis_cluster_nodes` | gauge | `role`: `primary`, `replica` | nodes of the topology (sampled) |
/// | `redis_cluster_commands_in_flight` | meter | | commands written or queued on node connections, not answered (sampled) |
/// | `redis_cluster_commands_waiting` | meter | | commands parked for a topology (sampled) |
///
/// Several clients with the same options (one per event loop) share the handles: counters and
/// the two meters add up (each client adds the change since its last sample); the node gauge
/// is the same cluster seen by each.
///
/// ```swift
/// MetricsSystem.bootstrap(PrometheusMetricsFactory())          // once, before the clients
/// var config = RedisClusterConfiguration(seeds: [.init(host: "127.0.0.1", port: 7000)])
/// config.metrics?.dimensions = [("cluster", "sessions")]       // told apart from other clusters
/// config.metrics = nil                                          // or: report nothing
/// ```
public struct ClusterMetricsOptions: Sendable {
    /// Prepended to every name with an underscore. Default `redis_cluster`.
    public var prefix = "redis_cluster"
    /// Added to every metric's dimensions (a cluster's name when an application talks to several).
    public var dimensions: [(String, String)] = []
    /// How often the gauges and meters are sampled on the client's loop. Default 1 s.
    public var sampleInterval: TimeAmount = .seconds(1)
    /// Where the metrics go; nil: `MetricsSystem.factory` as it is when the client is created.
    public var factory: (any MetricsFactory)?

    public init(prefix: String = "redis_cluster", dimensions: [(String, String)] = [],
                sampleInterval: TimeAmount = .seconds(1), factory: (any MetricsFactory)? = nil) {
        self.prefix = prefix
        self.dimensions = dimensions
        self.sampleInterval = sampleInterval
        self.factory = factory
    }
}
