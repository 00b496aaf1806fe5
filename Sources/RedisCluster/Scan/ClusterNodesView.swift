/// One node's `CLUSTER NODES` answer, reduced to what a scan needs: who owns which slots, and
/// which slots are being migrated or imported right now (`[slot->-id]`, `[slot-<-id]`), which
/// `CLUSTER SHARDS` does not say. A plain value.
///
/// ```swift
/// let view = ClusterNodesView.parse(text)
/// view.myself?.stableSlots      // owned and not migrating: what a SCAN of this node covers
/// view.owner(ofSlot: 42)        // the node serving slot 42 in this view
/// ```
struct ClusterNodesView: Equatable {
    struct Node: Equatable {
        var id: String
        /// `ip:port` as the line gives it (nil for a node with no address, `:0`).
        var address: ClusterEndpoint?
        var isMyself: Bool
        var isPrimary: Bool
        var isFailing: Bool
        var slots = SlotSet()
        var migrating = SlotSet()
        var importing = SlotSet()

        /// The slots it serves that are not in the middle of a migration either way.
        var stableSlots: SlotSet { slots.subtracting(migrating).subtracting(importing) }
    }

    var nodes: [Node]

    var myself: Node? { nodes.first(where: \.isMyself) }

    func owner(ofSlot slot: Int) -> Node? {
        nodes.first { $0.isPrimary && !$0.isFailing && $0.slots.contains(slot) }
    }

    /// Lines it cannot read are skipped: a view with fewer nodes only makes a scan do more.
    static func parse(_ text: String) -> ClusterNodesView {
        var nodes: [Node] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 8 else { continue }
            let flags = fields[2].split(separator: ",")
            // `ip:port@cport[,hostname]`
            let address = fields[1].split(separator: "@").first.flatMap { ClusterEndpoint(String($0)) }
            var node = Node(id: String(fields[0]), address: address.flatMap { $0.port == 0 ? nil : $0 },
                            isMyself: flags.contains("myself"), isPrimary: flags.contains("master"),
                            isFailing: flags.contains("fail") || flags.contains("noaddr"))
            for field in fields.dropFirst(8) {
                if field.hasPrefix("[") {
                    // [slot->-id] migrating to id, [slot-<-id] importing from id.
                    let body = field.dropFirst().prefix { $0 != "]" }
                    let digits = body.prefix { $0.isNumber }
                    guard let slot = Int(digits) else { continue }
                    let arrow = body.dropFirst(digits.count).prefix(3)
                    if arrow == "->-" { node.migrating.insert(slot) } else if arrow == "-<-" { node.importing.insert(slot) }
                } else if let dash = field.firstIndex(of: "-"), let low = Int(field[..<dash]),
                          let high = Int(field[field.index(after: dash)...]), low <= high {
                    node.slots.insert(low...high)
                } else if let slot = Int(field) {
                    node.slots.insert(slot)
                }
            }
            nodes.append(node)
        }
        return ClusterNodesView(nodes: nodes)
    }
}
