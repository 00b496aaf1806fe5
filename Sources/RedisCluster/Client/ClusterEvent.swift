/// What happens to a cluster client and its nodes, as `RedisClusterClient.events` delivers it
/// (the names ioredis users know, plus `topologyChanged`).
///
/// ```swift
/// Task {
///     for await event in cluster.events {
///         if case .nodeError(let node, let error) = event { print(node, error) }
///     }
/// }
/// ```
public enum ClusterEvent: Sendable, CustomStringConvertible {
    /// A connection to a node is established (handshake done).
    case connect(ClusterEndpoint)
    /// The topology is known (and `CLUSTER INFO` said ok, with the ready check on).
    case ready
    /// A refresh or discovery round failed; the client keeps its last topology.
    case error(RedisClusterError)
    /// A node's connection closed.
    case close(ClusterEndpoint)
    /// A node will be dialled again after `delay`.
    case reconnecting(ClusterEndpoint, delay: Duration)
    /// The client was closed, or gave up discovering the cluster.
    case end
    case nodeAdded(ClusterEndpoint)
    case nodeRemoved(ClusterEndpoint)
    /// A node failed (connect, handshake, lost connection); commands were re-routed as the
    /// failure policy allows.
    case nodeError(ClusterEndpoint, String)
    /// A refresh found a different layout.
    case topologyChanged(TopologyChange)

    public var description: String {
        switch self {
        case .connect(let node): return "connect \(node)"
        case .ready: return "ready"
        case .error(let error): return "error: \(error)"
        case .close(let node): return "close \(node)"
        case .reconnecting(let node, let delay): return "reconnecting \(node) in \(delay)"
        case .end: return "end"
        case .nodeAdded(let node): return "node added \(node)"
        case .nodeRemoved(let node): return "node removed \(node)"
        case .nodeError(let node, let why): return "node error \(node): \(why)"
        case .topologyChanged(let change): return "topology changed: \(change)"
        }
    }
}

/// What a refresh changed.
public struct TopologyChange: Sendable, Equatable, CustomStringConvertible {
    /// Slots whose primary changed.
    public var movedSlots: Int
    public var addedNodes: [ClusterEndpoint]
    public var removedNodes: [ClusterEndpoint]
    /// Nodes that became primaries (failover).
    public var promoted: [ClusterEndpoint]

    public init(from old: ClusterTopology?, to new: ClusterTopology) {
        var moved = 0
        for slot in 0..<ClusterTopology.slotCount {
            let a = old?.shard(forSlot: slot)?.primary.endpoint
            if a != new.shard(forSlot: slot)?.primary.endpoint { moved += 1 }
        }
        let before = Set(old?.nodes.map(\.endpoint) ?? [])
        let after = Set(new.nodes.map(\.endpoint))
        let oldPrimaries = Set(old?.shards.map(\.primary.endpoint) ?? [])
        movedSlots = moved
        addedNodes = after.subtracting(before).sorted()
        removedNodes = before.subtracting(after).sorted()
        promoted = new.shards.map(\.primary.endpoint).filter { before.contains($0) && !oldPrimaries.contains($0) }.sorted()
    }

    public var isEmpty: Bool { movedSlots == 0 && addedNodes.isEmpty && removedNodes.isEmpty && promoted.isEmpty }

    public var description: String {
        "\(movedSlots) slots moved, added \(addedNodes), removed \(removedNodes), promoted \(promoted)"
    }
}
