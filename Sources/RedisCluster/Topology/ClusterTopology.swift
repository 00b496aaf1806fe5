/// One view of a cluster: its shards, their nodes, and which shard serves each of the 16384 slots.
///
/// A plain value: parsed from `CLUSTER SHARDS`/`CLUSTER SLOTS`, compared between nodes to elect
/// the majority view, patched on `MOVED`, and read on every command (`shardIndex(forSlot:)` is
/// one array load).
///
/// ```swift
/// let topology = try ShardsParser.parse(reply)
/// if let shard = topology.shard(forSlot: HashSlot.slot(forKey: "user:42")) { print(shard.primary.endpoint) }
/// ```
public struct ClusterTopology: Sendable, Equatable {
    /// A node as the cluster describes it.
    public struct Node: Hashable, Sendable {
        public enum Role: String, Sendable { case primary, replica }
        /// `online`, `loading` (a replica still syncing) or `failed`, from `CLUSTER SHARDS`' health.
        public enum Health: String, Sendable { case online, loading, failed }

        /// The node's 40-character ID; empty when the source did not say (old `CLUSTER SLOTS`).
        public var id: String
        public var endpoint: ClusterEndpoint
        public var role: Role
        public var health: Health

        public init(id: String, endpoint: ClusterEndpoint, role: Role, health: Health = .online) {
            self.id = id
            self.endpoint = endpoint
            self.role = role
            self.health = health
        }
    }

    /// A primary, its replicas and the slots they serve.
    public struct Shard: Hashable, Sendable {
        /// The shard ID (Redis 7.2+); nil when the server does not report one.
        public var id: String?
        /// Slot ranges, inclusive, sorted.
        public var slots: [ClosedRange<Int>]
        public var primary: Node
        public var replicas: [Node]

        public init(id: String? = nil, slots: [ClosedRange<Int>], primary: Node, replicas: [Node] = []) {
            self.id = id
            self.slots = slots
            self.primary = primary
            self.replicas = replicas
        }
    }

    public static let slotCount = 16384
    /// In `slotOwners`: no shard serves the slot.
    static let unassigned = UInt16.max

    /// Shards sorted by their first slot (slot-less shards are left out by the parsers).
    public private(set) var shards: [Shard]
    /// Slot → index into `shards`, or `unassigned`. The truth after `assign(slot:to:)`, which
    /// leaves the shards' `slots` lists as the server last reported them.
    private var slotOwners: [UInt16]

    public init(shards: [Shard]) {
        var shards = shards.filter { !$0.slots.isEmpty }
        shards.sort { ($0.slots.first?.lowerBound ?? .max) < ($1.slots.first?.lowerBound ?? .max) }
        var owners = [UInt16](repeating: Self.unassigned, count: Self.slotCount)
        for (index, shard) in shards.enumerated() {
            for range in shard.slots {
                for slot in range where (0..<Self.slotCount).contains(slot) { owners[slot] = UInt16(index) }
            }
        }
        self.shards = shards
        self.slotOwners = owners
    }

    /// The index in `shards` of the shard serving `slot`, or nil.
    public func shardIndex(forSlot slot: Int) -> Int? {
        let owner = slotOwners[slot]
        return owner == Self.unassigned ? nil : Int(owner)
    }

    public func shard(forSlot slot: Int) -> Shard? { shardIndex(forSlot: slot).map { shards[$0] } }

    /// Number of slots some shard serves (16384 when the cluster covers every slot).
    public var coveredSlots: Int { slotOwners.lazy.filter { $0 != Self.unassigned }.count }

    /// Every node of every shard.
    public var nodes: [Node] { shards.flatMap { [$0.primary] + $0.replicas } }

    /// After `MOVED slot endpoint`: the slot now belongs to the shard whose primary is at
    /// `endpoint`; a primary the view does not know becomes a shard of its own (its ID unknown
    /// until the next refresh). Returns whether the primary was known.
    @discardableResult
    public mutating func assign(slot: Int, to endpoint: ClusterEndpoint) -> Bool {
        precondition((0..<Self.slotCount).contains(slot), "slot out of range")
        if let index = shards.firstIndex(where: { $0.primary.endpoint == endpoint }) {
            slotOwners[slot] = UInt16(index)
            return true
        }
        shards.append(Shard(slots: [slot...slot], primary: Node(id: "", endpoint: endpoint, role: .primary)))
        slotOwners[slot] = UInt16(shards.count - 1)
        return false
    }

    /// Same shards, nodes and slots (ignores the order of replicas and health).
    public func sameLayout(as other: ClusterTopology) -> Bool {
        guard slotOwners.count == other.slotOwners.count, shards.count == other.shards.count else { return false }
        for (a, b) in zip(shards, other.shards) {
            guard a.slots == b.slots, a.primary.endpoint == b.primary.endpoint, a.primary.id == b.primary.id,
                  Set(a.replicas.map(\.endpoint)) == Set(b.replicas.map(\.endpoint)) else { return false }
        }
        return true
    }
}
