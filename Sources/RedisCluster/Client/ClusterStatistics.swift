/// Counters of what the cluster client had to do beyond sending commands: for tests that check
/// a redirect really happened, and for a look from code (the client reports them as metrics
/// itself: `RedisClusterConfiguration.metrics`).
///
/// ```swift
/// let stats = await cluster.statistics()
/// print(stats.movedFollowed, stats.refreshes)
/// ```
public struct ClusterStatistics: Sendable, Equatable {
    /// Topology refreshes started.
    public var refreshes = 0
    /// `MOVED` replies followed.
    public var movedFollowed = 0
    /// `ASK` replies followed.
    public var askFollowed = 0
    /// Commands retried after `TRYAGAIN`, `CLUSTERDOWN`, `LOADING` or `MASTERDOWN`.
    public var retries = 0
    /// Commands that had to wait for a topology or a lost node's replacement.
    public var waited = 0

    public init() {}
}
