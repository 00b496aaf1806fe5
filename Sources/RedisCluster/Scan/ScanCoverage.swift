/// Which slots a cluster-wide scan has really covered, and where to scan next. A plain value.
///
/// A node's `SCAN` returns every key the node held for the whole scan. It covers a slot only if
/// the node served that slot, not migrating it anywhere, both when its scan started and when it
/// ended (each read from the node itself, in order with the scan, with `CLUSTER NODES`): a slot
/// that moved in or out meanwhile may have lost keys to the other node before the cursor got
/// there. Slots not covered after a round are scanned again on whoever owns them then — a whole
/// node's `SCAN`, so keys already returned may come again — until every one of the 16384
/// slots is covered. Nothing is ever counted as covered on a guess.
///
/// ```swift
/// var coverage = ScanCoverage()
/// coverage.nodeScanned(start: viewBefore.myself!, end: viewAfter.myself!)
/// coverage.isComplete                      // every slot verified?
/// coverage.nextNodes(view: latestView)     // owners of the slots still missing
/// ```
struct ScanCoverage: Equatable {
    private(set) var covered = SlotSet()

    var uncovered: SlotSet { SlotSet.all.subtracting(covered) }
    var isComplete: Bool { covered.count == HashSlot.count }

    /// A node's scan finished: `start` and `end` are the node's own view of itself just before
    /// the first and just after the last `SCAN`. Returns the slots it covered.
    @discardableResult
    mutating func nodeScanned(start: ClusterNodesView.Node, end: ClusterNodesView.Node) -> SlotSet {
        guard start.id == end.id, start.isPrimary, end.isPrimary else { return SlotSet() }
        let stable = start.stableSlots.intersection(end.stableSlots)
        covered.formUnion(stable)
        return stable
    }

    /// The nodes to scan for the slots not covered yet, by `view`: their owners' IDs (so a node
    /// announced under a host name is found in the client's topology) with the address the
    /// view gives, and the uncovered slots no node in the view serves.
    func nextNodes(view: ClusterNodesView) -> (nodes: [(id: String, address: ClusterEndpoint?)], orphaned: SlotSet) {
        var nodes: [(id: String, address: ClusterEndpoint?)] = []
        let missing = uncovered
        var orphaned = missing
        for node in view.nodes where node.isPrimary && !node.isFailing {
            let mine = node.slots.intersection(missing)
            guard !mine.isEmpty else { continue }
            nodes.append((node.id, node.address))
            orphaned = orphaned.subtracting(mine)
        }
        return (nodes, orphaned)
    }
}
