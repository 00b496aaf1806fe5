import DequeModule
import SwiftEV

/// Commands that cannot be routed now (no topology yet, the slot's owner is down, no shard
/// serves the slot), each with its deadline and what it waits for. Bounded: a client cut off
/// from its cluster fails new commands at once instead of growing without limit.
///
/// Generic over what is queued so it is tested with plain values.
struct WaitingQueue<Element> {
    struct Entry {
        var element: Element
        var deadline: Deadline
        /// What the command waits for, for the error if its deadline passes first.
        var reason: WaitReason
    }

    private(set) var entries = Deque<Entry>()
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    /// Queues `element`; false (not queued) when the queue is full.
    mutating func append(_ element: Element, deadline: Deadline, reason: WaitReason) -> Bool {
        guard entries.count < limit else { return false }
        entries.append(Entry(element: element, deadline: deadline, reason: reason))
        return true
    }

    /// Everything, oldest first, leaving the queue empty (to route it all again).
    mutating func takeAll() -> Deque<Entry> {
        defer { entries.removeAll() }
        return entries
    }

    /// Removes and returns the entries whose deadline is at or before `now`.
    mutating func takeExpired(now: Deadline) -> [Entry] {
        guard let earliest = earliestDeadline, earliest <= now else { return [] }
        var expired: [Entry] = []
        var kept = Deque<Entry>()
        for entry in entries {
            if entry.deadline <= now { expired.append(entry) } else { kept.append(entry) }
        }
        entries = kept
        return expired
    }

    var earliestDeadline: Deadline? { entries.lazy.map(\.deadline).min() }
}

/// Why a command waits instead of being sent.
enum WaitReason: Sendable, Equatable, CustomStringConvertible {
    /// The client has no topology yet (starting, or every node was lost).
    case topology
    /// The node serving the command's slot is unreachable; waiting for it or its replacement.
    case node(ClusterEndpoint, String)
    /// No shard serves the slot.
    case uncoveredSlot(Int)

    var description: String {
        switch self {
        case .topology: return "the cluster topology"
        case .node(let endpoint, let why): return "\(endpoint) or its replacement (\(why))"
        case .uncoveredSlot(let slot): return "a shard to serve slot \(slot)"
        }
    }
}
