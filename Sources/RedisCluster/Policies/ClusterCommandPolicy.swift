import Redis

/// What the cluster client does with a command beyond routing it by its keys, from the
/// server's own `COMMAND` tips (`request_policy`, `response_policy`) in the generated table.
///
/// ```swift
/// ClusterCommandPolicy.of(RedisCommand("DBSIZE"))        // .fanOut(.allShards, .aggSum)
/// ClusterCommandPolicy.of(RedisCommand("MGET", "a"))     // .split(nil): split per slot when the keys span slots
/// ClusterCommandPolicy.of(RedisCommand("MSETNX", "a", 1)) // .route: across slots it is refused
/// ```
public enum ClusterCommandPolicy: Sendable, Equatable {
    /// Route by the keys (or to any primary when keyless); keys in different slots are refused.
    case route
    /// Send to every primary (`all_shards`) or every node (`all_nodes`) and merge the replies.
    case fanOut(FanOutTargets, CommandTips.ResponsePolicy?)
    /// Keys in different slots: one command per slot, sent concurrently, merged in the
    /// caller's order (not atomic across slots).
    case split(CommandTips.ResponsePolicy?)

    public enum FanOutTargets: Sendable, Equatable {
        /// Every primary.
        case allShards
        /// Every node, replicas included.
        case allNodes
    }

    /// Commands whose tips say `multi_shard` but whose meaning does not survive a split:
    /// `MSETNX` sets all keys or none, which two independent commands cannot promise.
    static let neverSplit: Set<String> = ["msetnx"]
    /// Fan-out tips left alone: `WAIT` blocks its connection (blocking commands get their own
    /// connections), `SCAN`'s cursor is per node (the cluster-wide scan handles it).
    static let neverFanOut: Set<String> = ["wait", "scan"]

    /// The policy of one spec (public for tests and tools; the client uses `of(_:)`).
    public static func of(spec: CommandSpec) -> ClusterCommandPolicy {
        switch spec.tips.requestPolicy {
        case .allShards? where !neverFanOut.contains(spec.name):
            return .fanOut(.allShards, spec.tips.responsePolicy)
        case .allNodes? where !neverFanOut.contains(spec.name):
            return .fanOut(.allNodes, spec.tips.responsePolicy)
        case .multiShard? where !neverSplit.contains(spec.name) && KeyRule(spec).kind == .singleRange:
            return .split(spec.tips.responsePolicy)
        default:
            return .route
        }
    }

    /// The policy of an encoded command (`.route` for names the table does not know).
    public static func of(_ command: RedisCommand) -> ClusterCommandPolicy {
        guard let id = CommandTable.id(of: command.bytes) else { return .route }
        return table[id.rawValue]
    }

    /// One policy per `CommandTable.ID`, built once.
    static let table: [ClusterCommandPolicy] = CommandTable.allSpecs.map { of(spec: $0) }

    /// Whether a command with this policy is fanned out (its parts go to fixed nodes and are
    /// never re-routed on their own).
    var isFanOut: Bool { if case .fanOut = self { return true } else { return false } }
}
