import Redis

/// Where every subscription of a cluster client lives, and what to do when the cluster changes
/// under it. A plain value: the hub reports what happened (added, confirmed, refused, a node
/// lost, the server dropping a shard channel, a new topology) and carries out the actions.
///
/// - Classic channels and patterns all live on one node (`classicNode`): the cluster bus
///   delivers every `PUBLISH` to every node, so any node will do. When its connection is lost
///   they move, together, to another node.
/// - A shard channel lives on its slot's primary or, with `scaleReads`, on one of that shard's
///   replicas (`ShardChannelPlacement`). When that stops being right (a failover, a slot
///   migration, `MOVED` to a subscribe, the server's own `sunsubscribe`) it is subscribed on the
///   new owner first, and only once that is confirmed is the old subscription dropped: "make
///   before break", so no message is lost to the order of the two steps.
/// - Every time a confirmed subscription had to move, the confirmation of its new home comes
///   with a `gap` action: messages published in between may have been missed.
///
/// ```swift
/// var registry = PubSubRegistry()
/// let view = PubSubRegistry.View(owner: { _ in a }, nodes: [a, b])
/// registry.add([.init(.shardChannel, "orders")], view: view)   // [.subscribe(a, .shardChannel, ["orders"])]
/// registry.confirmed([.init(.shardChannel, "orders")], on: a)  // [] — now active on a
/// registry.topologyChanged(view: .init(owner: { _ in b }, nodes: [a, b]))
///                                                              // [.subscribe(b, …)]; then on b's
///                                                              // confirmation: [.unsubscribe(a, …), .gap(…)]
/// ```
struct PubSubRegistry {
    /// The nodes a subscription can be placed on, as the client's topology says now.
    struct View {
        /// The nodes that may hold a shard channel's subscription, the preferred first (its
        /// slot's primary, or with `scaleReads` its replicas: `ShardChannelPlacement`); empty
        /// when no shard serves the slot.
        var shardNodes: (_ channel: String) -> [ClusterEndpoint]
        /// Nodes for classic subscriptions, in order of preference.
        var nodes: [ClusterEndpoint]

        init(shardNodes: @escaping (_ channel: String) -> [ClusterEndpoint], nodes: [ClusterEndpoint]) {
            self.shardNodes = shardNodes
            self.nodes = nodes
        }

        /// Shard channels on their slot's owner only (`scaleReads` primary).
        init(owner: @escaping (_ slot: Int) -> ClusterEndpoint?, nodes: [ClusterEndpoint]) {
            self.init(shardNodes: { owner(HashSlot.slot(forKey: $0)).map { [$0] } ?? [] }, nodes: nodes)
        }
    }

    enum Placement: Equatable {
        /// Waiting for a node (none known, or the last one failed).
        case unplaced
        /// Subscribe sent, confirmation not yet in.
        case subscribing(ClusterEndpoint)
        case active(ClusterEndpoint)

        var node: ClusterEndpoint? {
            switch self {
            case .unplaced: return nil
            case .subscribing(let node), .active(let node): return node
            }
        }
    }

    struct Entry: Equatable {
        var placement: Placement = .unplaced
        /// The confirmed subscription this one replaces, dropped once the new one is confirmed.
        var replacing: ClusterEndpoint?
        /// It was confirmed somewhere and had to move since: a gap comes with the next confirmation.
        var moved = false
        var reason = ""
    }

    enum Action: Equatable {
        case subscribe(ClusterEndpoint, PubSubKind, [String])
        case unsubscribe(ClusterEndpoint, PubSubKind, [String])
        /// These subscriptions are live again on `node` after moving: messages in between may be lost.
        case gap([PubSubKey], node: ClusterEndpoint, reason: String)
        case refreshTopology
        /// Some subscriptions have no node now: call `retry(view:)` after a delay.
        case retryLater
    }

    private(set) var entries: [PubSubKey: Entry] = [:]
    private(set) var classicNode: ClusterEndpoint?
    /// Nodes whose subscription connection was lost and has not confirmed anything since:
    /// classic subscriptions go elsewhere while another node is available.
    private(set) var unavailable = Set<ClusterEndpoint>()

    // MARK: Events

    mutating func add(_ keys: [PubSubKey], view: View) -> [Action] {
        for key in keys where entries[key] == nil { entries[key] = Entry() }
        return sync(view: view)
    }

    mutating func remove(_ keys: [PubSubKey]) -> [Action] {
        var drops: [(ClusterEndpoint, PubSubKey)] = []
        for key in keys {
            guard let entry = entries.removeValue(forKey: key) else { continue }
            if let node = entry.placement.node { drops.append((node, key)) }
            if let old = entry.replacing { drops.append((old, key)) }
        }
        if !entries.keys.contains(where: { $0.kind != .shardChannel }) { classicNode = nil }
        return Self.grouped(drops, subscribe: false)
    }

    /// The node confirmed subscribing to `keys`.
    mutating func confirmed(_ keys: [PubSubKey], on node: ClusterEndpoint) -> [Action] {
        unavailable.remove(node)
        var drops: [(ClusterEndpoint, PubSubKey)] = []
        var gaps: [String: [PubSubKey]] = [:]
        for key in keys {
            guard var entry = entries[key], entry.placement.node == node else {
                // Nobody wants it here any more (removed, or moved on meanwhile): a stray.
                drops.append((node, key))
                continue
            }
            guard case .subscribing = entry.placement else { continue }
            entry.placement = .active(node)
            if let old = entry.replacing, old != node { drops.append((old, key)) }
            entry.replacing = nil
            if entry.moved { gaps[entry.reason, default: []].append(key) }
            entry.moved = false
            entries[key] = entry
        }
        var actions = Self.grouped(drops, subscribe: false)
        for (reason, keys) in gaps.sorted(by: { $0.key < $1.key }) {
            actions.append(.gap(keys.sorted(), node: node, reason: reason))
        }
        return actions
    }

    /// The node refused to subscribe `keys`. After `MOVED` (`redirected`, the view already
    /// patched) they go to the new owner at once; otherwise they wait for a retry.
    mutating func refused(_ keys: [PubSubKey], on node: ClusterEndpoint, redirected: Bool, view: View) -> [Action] {
        for key in keys {
            guard var entry = entries[key], entry.placement == .subscribing(node) else { continue }
            entry.placement = .unplaced
            entries[key] = entry
        }
        if redirected { return sync(view: view) }
        return [.refreshTopology, .retryLater]
    }

    /// The subscription connection to `node` was lost (or could not be opened).
    mutating func nodeLost(_ node: ClusterEndpoint) -> [Action] {
        unavailable.insert(node)
        if classicNode == node { classicNode = nil }
        var affected = false
        for (key, var entry) in entries {
            if entry.replacing == node { entry.replacing = nil }
            if entry.placement.node == node {
                if case .active = entry.placement { entry.moved = true; entry.reason = "connection to \(node) lost" }
                entry.placement = .unplaced
                affected = true
            }
            entries[key] = entry
        }
        // Not placed again at once: the topology may still name the lost node; after a delay
        // (and a refresh) `retry` places them, so a dead node is not dialled in a tight loop.
        return affected ? [.refreshTopology, .retryLater] : []
    }

    /// The server ended a shard channel subscription by itself (`sunsubscribe` push): its slot
    /// moved away from `node`.
    mutating func serverUnsubscribed(_ key: PubSubKey, on node: ClusterEndpoint, view: View) -> [Action] {
        guard var entry = entries[key] else { return [] }
        if entry.replacing == node { entry.replacing = nil }
        if entry.placement == .active(node) {
            entry.placement = .unplaced
            entry.moved = true
            entry.reason = "\(node) dropped the subscription (slot moved)"
        }
        entries[key] = entry
        // Placed at once: if the view is stale the subscribe meets MOVED, which patches it.
        var actions = sync(view: view)
        actions.append(.refreshTopology)
        return actions
    }

    mutating func topologyChanged(view: View) -> [Action] { sync(view: view) }

    mutating func retry(view: View) -> [Action] { sync(view: view) }

    // MARK: Placing

    /// Where `key` should live under `view`; `current` (where it is or is going) stays while
    /// the view accepts it.
    private mutating func target(_ key: PubSubKey, current: ClusterEndpoint?, view: View) -> ClusterEndpoint? {
        switch key.kind {
        case .shardChannel:
            let acceptable = view.shardNodes(key.name)
            if let current, acceptable.contains(current) { return current }
            return acceptable.first
        case .channel, .pattern:
            if let node = classicNode, view.nodes.contains(node) { return node }
            let candidates = view.nodes.filter { !unavailable.contains($0) }
            classicNode = candidates.first ?? view.nodes.first
            return classicNode
        }
    }

    /// Subscribes whatever is not where `view` says it should be.
    private mutating func sync(view: View) -> [Action] {
        var subscribes: [(ClusterEndpoint, PubSubKey)] = []
        var unplaced = false
        for key in entries.keys.sorted() {
            var entry = entries[key]!
            guard let target = target(key, current: entry.placement.node, view: view) else {
                if case .unplaced = entry.placement { unplaced = true }
                continue
            }
            switch entry.placement {
            case .unplaced:
                entry.placement = .subscribing(target)
                subscribes.append((target, key))
            case .subscribing(let node) where node != target:
                entry.placement = .subscribing(target)
                subscribes.append((target, key))
            case .active(let node) where node != target:
                entry.placement = .subscribing(target)
                entry.replacing = node
                entry.moved = true
                entry.reason = "moved from \(node) to \(target)"
                subscribes.append((target, key))
            default:
                break
            }
            entries[key] = entry
        }
        var actions = Self.grouped(subscribes, subscribe: true)
        if unplaced { actions += [.refreshTopology, .retryLater] }
        return actions
    }

    /// One command per node and kind, and for shard channels per slot (the server refuses a
    /// `SSUBSCRIBE` whose channels span slots).
    private static func grouped(_ items: [(ClusterEndpoint, PubSubKey)], subscribe: Bool) -> [Action] {
        struct Group: Hashable, Comparable {
            var node: ClusterEndpoint
            var kind: PubSubKind
            var slot: Int
            static func < (l: Group, r: Group) -> Bool { (l.node, l.kind, l.slot) < (r.node, r.kind, r.slot) }
        }
        var groups: [Group: [String]] = [:]
        for (node, key) in items {
            let slot = key.kind == .shardChannel ? HashSlot.slot(forKey: key.name) : -1
            groups[Group(node: node, kind: key.kind, slot: slot), default: []].append(key.name)
        }
        return groups.keys.sorted().map { group in
            let names = groups[group]!.sorted()
            return subscribe ? .subscribe(group.node, group.kind, names) : .unsubscribe(group.node, group.kind, names)
        }
    }
}

/// What a subscription is to: a channel (`SUBSCRIBE`), a pattern (`PSUBSCRIBE`) or a shard
/// channel (`SSUBSCRIBE`, Redis 7).
public enum PubSubKind: Int, Sendable, Hashable, Comparable, CustomStringConvertible {
    case channel, pattern, shardChannel

    public static func < (l: PubSubKind, r: PubSubKind) -> Bool { l.rawValue < r.rawValue }

    /// The node layer's name for the same kind (`PubSubFrame`'s family).
    init(_ family: PubSubFamily) {
        switch family {
        case .channels: self = .channel
        case .patterns: self = .pattern
        case .shardChannels: self = .shardChannel
        }
    }

    public var description: String {
        switch self {
        case .channel: return "channel"
        case .pattern: return "pattern"
        case .shardChannel: return "shard channel"
        }
    }

    var subscribeCommand: String {
        switch self {
        case .channel: return "SUBSCRIBE"
        case .pattern: return "PSUBSCRIBE"
        case .shardChannel: return "SSUBSCRIBE"
        }
    }

    var unsubscribeCommand: String {
        switch self {
        case .channel: return "UNSUBSCRIBE"
        case .pattern: return "PUNSUBSCRIBE"
        case .shardChannel: return "SUNSUBSCRIBE"
        }
    }
}

/// One subscription: its kind and its channel or pattern.
public struct PubSubKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var kind: PubSubKind
    public var name: String

    public init(_ kind: PubSubKind, _ name: String) {
        self.kind = kind
        self.name = name
    }

    public static func < (l: PubSubKey, r: PubSubKey) -> Bool { (l.kind, l.name) < (r.kind, r.name) }

    public var description: String { "\(kind) \(name)" }
}
