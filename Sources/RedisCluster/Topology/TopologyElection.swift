/// Elects one topology from the views several nodes gave (`CLUSTER SHARDS`/`SLOTS` asked of
/// each): the layout most of them agree on wins; every other view is rejected with a reason.
///
/// A view is rejected before the vote when its fetch failed, when it does not contain the node
/// that sent it (matched by node ID when known, else by endpoint: a node outside any cluster,
/// or a slot-less node), or when that node reports itself `fail`/`loading`. After the vote, a
/// losing view whose node IDs contradict the winner's — an address the winner knows under
/// another ID (a re-used address), or no ID in common at all (a stale seed of another
/// cluster) — is rejected as such; other losers are outvoted (a view from before a failover).
///
/// Ties between layouts: more votes, then more covered slots, then more nodes, then the view
/// of the lowest endpoint (so the outcome never depends on the order of the input).
///
/// ```swift
/// let outcome = TopologyElection.elect([
///     (node: seedA, nodeID: idA, result: .success(viewA)),
///     (node: seedB, nodeID: nil, result: .failure(error)),
/// ])
/// if let topology = outcome.topology { print("\(outcome.agreeing) nodes agree") }
/// for rejection in outcome.rejected { logger.warning("\(rejection)") }
/// ```
public enum TopologyElection {
    public typealias View = (node: ClusterEndpoint, nodeID: String?, result: Result<ClusterTopology, any Error>)

    public struct Outcome: Sendable {
        /// The elected view, nil when no view was usable.
        public var topology: ClusterTopology?
        /// How many views had the elected layout.
        public var agreeing: Int
        /// The nodes whose views had the elected layout, sorted.
        public var voters: [ClusterEndpoint]
        /// Every other view with the reason it was not taken, in input order.
        public var rejected: [Rejection]
    }

    public struct Rejection: Sendable, CustomStringConvertible {
        public enum Reason: Sendable, CustomStringConvertible {
            /// The node could not be asked (refused, timed out, not a cluster node, a parse error…).
            case fetchFailed(any Error)
            /// The view does not contain the node that sent it.
            case senderNotInView
            /// The node that sent the view reports itself as `loading` or `failed`.
            case senderNotHealthy(ClusterTopology.Node.Health)
            /// The view knows `endpoint` as node `id`, the elected view as `electedID`: the
            /// address now belongs to another node, or the view is of another cluster.
            case conflictingNodeID(endpoint: ClusterEndpoint, id: String, electedID: String)
            /// No node ID of the view is in the elected view: another cluster.
            case foreignCluster
            /// A different layout that fewer nodes agreed on.
            case outvoted(votes: Int, electedVotes: Int)

            public var description: String {
                switch self {
                case .fetchFailed(let error): return "could not be asked: \(error)"
                case .senderNotInView: return "its view does not contain itself (not a member of this cluster, or serves no slots)"
                case .senderNotHealthy(let health): return "it reports itself as \(health.rawValue)"
                case .conflictingNodeID(let endpoint, let id, let electedID):
                    return "it knows \(endpoint) as node \(id), the majority as node \(electedID) (a re-used address or a node of another cluster)"
                case .foreignCluster: return "none of its node IDs is in the majority view: a node of another cluster"
                case .outvoted(let votes, let electedVotes): return "its layout had \(votes) vote(s), the elected one \(electedVotes)"
                }
            }
        }

        public var node: ClusterEndpoint
        public var nodeID: String?
        public var reason: Reason

        public var description: String { "\(node)\(nodeID.map { " (\($0))" } ?? ""): \(reason)" }
    }

    public static func elect(_ views: [View]) -> Outcome {
        var rejected: [(index: Int, Rejection)] = []
        var candidates: [(index: Int, node: ClusterEndpoint, topology: ClusterTopology)] = []
        for (index, view) in views.enumerated() {
            func reject(_ reason: Rejection.Reason) {
                rejected.append((index, Rejection(node: view.node, nodeID: view.nodeID, reason: reason)))
            }
            switch view.result {
            case .failure(let error):
                reject(.fetchFailed(error))
            case .success(let topology):
                let sender = topology.nodes.first { node in
                    if let id = view.nodeID, !id.isEmpty, !node.id.isEmpty { return node.id == id }
                    return node.endpoint == view.node
                }
                guard let sender else { reject(.senderNotInView); continue }
                guard sender.health == .online else { reject(.senderNotHealthy(sender.health)); continue }
                candidates.append((index, view.node, topology))
            }
        }

        // Group equal layouts; each group remembers its first topology and its voters.
        var groups: [(topology: ClusterTopology, members: [(index: Int, node: ClusterEndpoint)])] = []
        for candidate in candidates {
            if let g = groups.firstIndex(where: { $0.topology.sameLayout(as: candidate.topology) }) {
                groups[g].members.append((candidate.index, candidate.node))
            } else {
                groups.append((candidate.topology, [(candidate.index, candidate.node)]))
            }
        }
        func ranks(before a: (topology: ClusterTopology, members: [(index: Int, node: ClusterEndpoint)]),
                   _ b: (topology: ClusterTopology, members: [(index: Int, node: ClusterEndpoint)])) -> Bool {
            if a.members.count != b.members.count { return a.members.count > b.members.count }
            if a.topology.coveredSlots != b.topology.coveredSlots { return a.topology.coveredSlots > b.topology.coveredSlots }
            if a.topology.nodes.count != b.topology.nodes.count { return a.topology.nodes.count > b.topology.nodes.count }
            return a.members.map(\.node).min()! < b.members.map(\.node).min()!
        }
        guard let winner = groups.min(by: ranks) else {
            return Outcome(topology: nil, agreeing: 0, voters: [], rejected: rejected.sorted { $0.index < $1.index }.map(\.1))
        }

        // The elected view's IDs by endpoint, to tell a stale or foreign view from an old one.
        var electedIDs: [ClusterEndpoint: String] = [:]
        for node in winner.topology.nodes where !node.id.isEmpty { electedIDs[node.endpoint] = node.id }
        let knownIDs = Set(electedIDs.values)
        for group in groups where !group.topology.sameLayout(as: winner.topology) {
            let reason = conflict(in: group.topology, electedIDs: electedIDs, knownIDs: knownIDs)
                ?? .outvoted(votes: group.members.count, electedVotes: winner.members.count)
            for member in group.members {
                let view = views[member.index]
                rejected.append((member.index, Rejection(node: view.node, nodeID: view.nodeID, reason: reason)))
            }
        }
        return Outcome(
            topology: winner.topology, agreeing: winner.members.count, voters: winner.members.map(\.node).sorted(),
            rejected: rejected.sorted { $0.index < $1.index }.map(\.1)
        )
    }

    private static func conflict(
        in topology: ClusterTopology, electedIDs: [ClusterEndpoint: String], knownIDs: Set<String>
    ) -> Rejection.Reason? {
        let nodes = topology.nodes.filter { !$0.id.isEmpty }
        for node in nodes.sorted(by: { $0.endpoint < $1.endpoint }) {
            if let elected = electedIDs[node.endpoint], elected != node.id {
                return .conflictingNodeID(endpoint: node.endpoint, id: node.id, electedID: elected)
            }
        }
        if !nodes.isEmpty, !knownIDs.isEmpty, !nodes.contains(where: { knownIDs.contains($0.id) }) { return .foreignCluster }
        return nil
    }
}
