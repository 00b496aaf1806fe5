import SwiftEV

/// Nodes that let a written command pass its deadline unanswered, and when they may be written
/// to again.
///
/// A primary that hangs (stopped, swapping, cut off) past `cluster-node-timeout` is failed over
/// while it still believes it is the primary. When it resumes it acknowledges what waited on
/// its sockets, is demoted a moment later and drops those writes. So after a timeout the node
/// gets nothing more until (1) it has answered again, so it is running and has seen whatever
/// the cluster decided meanwhile, and (2) a refresh started after that, asking the other nodes,
/// says who serves its slots. Commands for its slots wait (within their deadlines) meanwhile.
///
/// A plain value: the coordinator reports timeouts, answers and finished refreshes, and asks
/// whether a node may be written to.
struct SilentNodes: Sendable, Equatable {
    enum State: Sendable, Equatable {
        /// A command timed out on it; it has not answered since.
        case silent
        /// It answered at this time; a refresh started after it will clear it.
        case answered(at: Deadline)
    }

    private(set) var nodes: [ClusterEndpoint: State] = [:]

    var isEmpty: Bool { nodes.isEmpty }

    /// Whether commands must not be sent to `endpoint` now.
    func isSuspect(_ endpoint: ClusterEndpoint) -> Bool { nodes[endpoint] != nil }

    /// The nodes to ask whether they are back.
    var silent: [ClusterEndpoint] { nodes.filter { $0.value == .silent }.map(\.key) }

    /// A written command timed out on `endpoint` (again: an earlier answer no longer counts).
    /// True when the node was trusted until now.
    @discardableResult
    mutating func timedOut(_ endpoint: ClusterEndpoint) -> Bool {
        defer { nodes[endpoint] = .silent }
        return nodes[endpoint] == nil
    }

    /// `endpoint` answered at `now`.
    mutating func answered(_ endpoint: ClusterEndpoint, at now: Deadline) {
        if nodes[endpoint] == .silent { nodes[endpoint] = .answered(at: now) }
    }

    /// A refresh that started at `startedAt` (asking other nodes than the suspects) installed
    /// its view: nodes that had answered before it started are trusted again, unless that view
    /// flags them failing (`failing`). Returns them.
    ///
    /// A hung primary that resumes answers at once, but while the others flag it failing its
    /// replica's election is under way: it would acknowledge writes and be demoted a moment
    /// later, dropping them (seen under load with `cluster-require-full-coverage no`: reads
    /// going back in time). It is trusted once the others no longer flag it.
    mutating func refreshed(startedAt: Deadline, failing: Set<ClusterEndpoint> = []) -> [ClusterEndpoint] {
        let cleared = nodes.filter {
            guard !failing.contains($0.key), case .answered(let at) = $0.value else { return false }
            return at <= startedAt
        }.map(\.key)
        for endpoint in cleared { nodes[endpoint] = nil }
        return cleared
    }

    /// Forgets nodes no longer in the topology.
    mutating func keepOnly(_ endpoints: Set<ClusterEndpoint>) {
        nodes = nodes.filter { endpoints.contains($0.key) }
    }
}
