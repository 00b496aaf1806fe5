import Redis
import RESP
import SwiftEV

/// Installing a topology (from a refresh) or patching one slot (from MOVED), and the per-shard
/// primary handles that routing reads.
extension ClusterCoordinator {
    /// Installs a new topology (from a refresh, or patched by MOVED).
    func install(_ new: ClusterTopology) {
        let old = topology
        topology = new
        rebuildRoutes()
        let change = TopologyChange(from: old, to: new)
        let keep = Set(new.nodes.map(\.endpoint))
        for endpoint in change.addedNodes { emit(.nodeAdded(endpoint)) }
        for (endpoint, _) in pool.handles where !keep.contains(endpoint) {
            if old?.nodes.contains(where: { $0.endpoint == endpoint }) == true { emit(.nodeRemoved(endpoint)) }
            pool.retire(endpoint)
        }
        if old != nil && !change.isEmpty {
            logger.info("topology changed", metadata: ["change": "\(change)"])
            emit(.topologyChanged(change))
            metrics?.topologyChanged()
        }
        // Primaries are dialled at once: writes spread over every slot need all of them, and a
        // failover's new primary is then ready when the commands that waited for it are let go.
        // Replicas are dialled on first use: most deployments never read from them.
        for shard in new.shards { pool.connectIfIdle(shard.primary.endpoint) }
        pubSubHub?.topologyChanged()
    }

    func rebuildRoutes() {
        guard let topology else { primaryHandles = []; return }
        primaryHandles = topology.shards.map { pool.handle(for: $0.primary.endpoint) }
    }

    /// After `MOVED`: the slot's new owner, at once, before any refresh.
    func patch(slot: Int, to endpoint: ClusterEndpoint) {
        guard topology != nil else { return }
        let known = topology!.assign(slot: slot, to: endpoint)
        if !known { rebuildRoutes() }
        pubSubHub?.topologyChanged()
    }

    func knowsPrimary(_ endpoint: ClusterEndpoint) -> Bool {
        primaryHandles.contains { $0.endpoint == endpoint }
    }
}
