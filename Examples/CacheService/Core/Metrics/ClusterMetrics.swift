import CoreMetrics
import Metrics
import RedisCluster

/// The cluster clients' own figures as metrics: redirects, retries, topology refreshes (from
/// `ClusterStatistics`, summed over the loops' clients and reported as increments since the
/// last poll), known nodes, and node errors (from `ClusterEvent`s).
///
/// ```swift
/// let reporter = ClusterMetrics(clients: clients, factory: factory)
/// Task { await reporter.run(every: .seconds(1)) }
/// ```
final class ClusterMetrics: Sendable {
    private let clients: [RedisClusterClient]
    private let moved: Counter
    private let ask: Counter
    private let retries: Counter
    private let refreshes: Counter
    private let nodes: Gauge
    let nodeErrors: Counter

    init(clients: [RedisClusterClient], factory: any MetricsFactory) {
        self.clients = clients
        moved = Counter(label: "redis_redirects_total", dimensions: [("type", "moved")], factory: factory)
        ask = Counter(label: "redis_redirects_total", dimensions: [("type", "ask")], factory: factory)
        retries = Counter(label: "redis_retries_total", factory: factory)
        refreshes = Counter(label: "redis_topology_refreshes_total", factory: factory)
        nodes = Gauge(label: "redis_cluster_nodes", factory: factory)
        nodeErrors = Counter(label: "redis_node_errors_total", factory: factory)
    }

    /// Polls until the task is cancelled.
    func run(every interval: Duration) async {
        var last = [ClusterStatistics](repeating: ClusterStatistics(), count: clients.count)
        while !Task.isCancelled {
            await poll(&last)
            try? await Task.sleep(for: interval)
        }
    }

    func poll(_ last: inout [ClusterStatistics]) async {
        var nodeCount = 0
        for (index, client) in clients.enumerated() {
            let now = await client.statistics()
            let before = last[index]
            moved.increment(by: Int64(max(0, now.movedFollowed - before.movedFollowed)))
            ask.increment(by: Int64(max(0, now.askFollowed - before.askFollowed)))
            retries.increment(by: Int64(max(0, now.retries - before.retries)))
            refreshes.increment(by: Int64(max(0, now.refreshes - before.refreshes)))
            last[index] = now
            // Every client sees the same cluster; report the widest view.
            nodeCount = max(nodeCount, await client.topology()?.nodes.count ?? 0)
        }
        nodes.record(nodeCount)
    }
}
