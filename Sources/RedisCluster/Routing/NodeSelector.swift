import Redis

/// Picks the node of a shard that serves one command, by `scaleReads`: writes always go to the
/// primary; reads as configured. Round robin over replicas with a counter (no random number
/// per command); failed or loading replicas are skipped.
struct NodeSelector {
    private var counter = 0

    mutating func select(in shard: ClusterTopology.Shard, command: RedisCommand, isReadOnly: Bool,
                         scaleReads: RedisClusterConfiguration.ScaleReads) -> ClusterEndpoint {
        guard isReadOnly else { return shard.primary.endpoint }
        switch scaleReads {
        case .primary:
            return shard.primary.endpoint
        case .replica:
            return nextReplica(of: shard) ?? shard.primary.endpoint
        case .any:
            counter &+= 1
            let choices = shard.replicas.count + 1
            let pick = counter % choices
            if pick == 0 { return shard.primary.endpoint }
            let replica = shard.replicas[pick - 1]
            return replica.health == .online ? replica.endpoint : shard.primary.endpoint
        case .custom(let choose):
            return choose([shard.primary] + shard.replicas, command) ?? shard.primary.endpoint
        }
    }

    private mutating func nextReplica(of shard: ClusterTopology.Shard) -> ClusterEndpoint? {
        let count = shard.replicas.count
        guard count > 0 else { return nil }
        for _ in 0..<count {
            counter &+= 1
            let replica = shard.replicas[counter % count]
            if replica.health == .online { return replica.endpoint }
        }
        return nil
    }
}
