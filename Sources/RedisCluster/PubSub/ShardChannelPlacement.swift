import Redis

/// Which nodes of a shard may hold a shard channel's subscription, by `scaleReads`: a plain
/// function of the shard, so every choice is tested without sockets.
///
/// A replica hears every `SPUBLISH` of its shard (the primary forwards them) and accepts
/// `SSUBSCRIBE` for its primary's slots, so with `.replica` or `.any` the subscriptions can
/// take their load off the primaries, as reads do.
///
/// The answer is every acceptable node, the preferred first. The registry keeps a subscription
/// where it is while its node stays acceptable: the choice among replicas must not move a live
/// subscription (and cost a gap) on every topology refresh.
///
/// ```swift
/// ShardChannelPlacement.nodes(for: "orders", in: shard, scaleReads: .replica)
/// // [replica B, replica A] — B preferred for this channel; the primary only if no replica is online
/// ```
enum ShardChannelPlacement {
    static func nodes(for channel: String, in shard: ClusterTopology.Shard,
                      scaleReads: RedisClusterConfiguration.ScaleReads) -> [ClusterEndpoint] {
        let primary = shard.primary.endpoint
        let replicas = shard.replicas.filter { $0.health == .online }.map(\.endpoint)
        switch scaleReads {
        case .primary:
            return [primary]
        case .replica:
            guard !replicas.isEmpty else { return [primary] }
            return spread(replicas, by: channel)
        case .any:
            return spread([primary] + replicas, by: channel)
        case .custom(let choose):
            let online = [shard.primary] + shard.replicas.filter { $0.health == .online }
            let choice = choose(online, RedisCommand("SSUBSCRIBE", channel)) ?? primary
            // A choice outside the shard would only meet MOVED: the primary instead.
            let preferred = online.contains { $0.endpoint == choice } ? choice : primary
            return [preferred] + online.map(\.endpoint).filter { $0 != preferred }
        }
    }

    /// `nodes` rotated so channels of different slots prefer different nodes (stable: the same
    /// channel always prefers the same node of the same list).
    private static func spread(_ nodes: [ClusterEndpoint], by channel: String) -> [ClusterEndpoint] {
        let start = HashSlot.slot(forKey: channel) % nodes.count
        return Array(nodes[start...] + nodes[..<start])
    }
}
