import Redis
import RESP
import SwiftEV

/// A node that let a written command time out is routed around until it answers again and
/// the other nodes have said who serves its slots (`SilentNodes` says why).
extension ClusterCoordinator {
    func nodePool(_ pool: NodePool, timedOutOn node: ClusterEndpoint) {
        metrics?.nodeFailed("command_timeout")
        guard silentNodes.timedOut(node) else { return }
        logger.warning("node let a command time out; not written to until it answers and the other nodes confirm its slots",
                       metadata: ["node": "\(node)"])
        send(.nodeError(node, "a command timed out"))
        requestRefresh(because: "timeout on \(node)")
        probeSilentNodes()
    }

    /// Asks every silent node for its ID (through the pool: on its connection, behind what
    /// waits there, or on a new one), again every `retryDelayOnFailover` while any stays silent.
    func probeSilentNodes() {
        guard !isClosed else { return }
        let known = Set(topology?.nodes.map(\.endpoint) ?? [])
        silentNodes.keepOnly(known)
        let silent = silentNodes.silent
        guard !silent.isEmpty else { return }
        for endpoint in silent {
            // CLUSTER MYID rather than PING: a probe lost with its connection may be handed back
            // and answered by another node; only the node's own ID proves it is running.
            let id = topology?.nodes.first { $0.endpoint == endpoint }?.id ?? ""
            pool.probe(endpoint, RedisCommand("CLUSTER", "MYID"), timeout: configuration.slotsRefreshTimeout) { [weak self] result in
                guard let self, case .success(let reply) = result else { return }
                guard id.isEmpty || (try? reply.decode(as: String.self)) == id else { return }
                silentNodes.answered(endpoint, at: loop.now)
                requestRefresh(because: "\(endpoint) answers again")
            }
        }
        if silentProbeTimer == nil { silentProbeTimer = loop.makeTimer { [weak self] in self?.probeSilentNodes() } }
        silentProbeTimer?.arm(in: max(configuration.retryDelayOnFailover, .milliseconds(10)), on: loop)
    }

    /// After a refresh that asked the other nodes installed `topology`.
    func trustAgain(refreshStartedAt: Deadline, topology: ClusterTopology) {
        silentNodes.keepOnly(Set(topology.nodes.map(\.endpoint)))
        let failing = Set(topology.nodes.filter { $0.health == .failed }.map(\.endpoint))
        for endpoint in silentNodes.refreshed(startedAt: refreshStartedAt, failing: failing) {
            logger.info("node answers again and the cluster confirms its slots", metadata: ["node": "\(endpoint)"])
        }
    }
}
