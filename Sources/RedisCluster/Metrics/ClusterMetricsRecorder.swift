import CoreMetrics
import SwiftEV

/// The handles of one client's metrics (see `ClusterMetricsOptions`), counted on the events
/// the coordinator handles anyway. Loop-confined: only the coordinator (on its loop) and its
/// sampler use it; the handles themselves are the factory's.
final class ClusterMetricsRecorder {
    let options: ClusterMetricsOptions
    private let factory: any MetricsFactory
    private let moved: Counter
    private let ask: Counter
    private let retries: Counter
    private let waits: Counter
    private let refreshes: Counter
    private let topologyChanges: Counter
    private var commandErrors: [String: Counter] = [:]
    private var nodeErrors: [String: Counter] = [:]
    let primaries: Gauge
    let replicas: Gauge
    let inFlight: Meter
    let waiting: Meter
    // Sampling (ClusterMetricsRecorder+Sampling.swift).
    weak var coordinator: ClusterCoordinator?
    var sampleTimer: (any LoopTimer)?
    var reportedInFlight = 0
    var reportedWaiting = 0

    init(_ options: ClusterMetricsOptions) {
        self.options = options
        let factory = options.factory ?? MetricsSystem.factory
        self.factory = factory
        func counter(_ name: String, _ dimensions: [(String, String)] = []) -> Counter {
            Counter(label: "\(options.prefix)_\(name)", dimensions: dimensions + options.dimensions, factory: factory)
        }
        moved = counter("redirects_total", [("type", "moved")])
        ask = counter("redirects_total", [("type", "ask")])
        retries = counter("retries_total")
        waits = counter("waits_total")
        refreshes = counter("topology_refreshes_total")
        topologyChanges = counter("topology_changes_total")
        primaries = Gauge(label: "\(options.prefix)_nodes", dimensions: [("role", "primary")] + options.dimensions, factory: factory)
        replicas = Gauge(label: "\(options.prefix)_nodes", dimensions: [("role", "replica")] + options.dimensions, factory: factory)
        inFlight = Meter(label: "\(options.prefix)_commands_in_flight", dimensions: options.dimensions, factory: factory)
        waiting = Meter(label: "\(options.prefix)_commands_waiting", dimensions: options.dimensions, factory: factory)
    }

    /// `ClusterStatistics` changed (a redirect, retry, wait or refresh): the counters follow.
    func counted(from old: ClusterStatistics, to new: ClusterStatistics) {
        if new.movedFollowed > old.movedFollowed { moved.increment(by: new.movedFollowed - old.movedFollowed) }
        if new.askFollowed > old.askFollowed { ask.increment(by: new.askFollowed - old.askFollowed) }
        if new.retries > old.retries { retries.increment(by: new.retries - old.retries) }
        if new.waited > old.waited { waits.increment(by: new.waited - old.waited) }
        if new.refreshes > old.refreshes { refreshes.increment(by: new.refreshes - old.refreshes) }
    }

    func topologyChanged() { topologyChanges.increment() }

    /// The client failed a command itself (it was not sent, or not sent again).
    func commandFailed(_ kind: RedisClusterError.Kind) {
        let name = kind.metricName
        if let counter = commandErrors[name] { return counter.increment() }
        let counter = Counter(label: "\(options.prefix)_command_errors_total", dimensions: [("kind", name)] + options.dimensions, factory: factory)
        commandErrors[name] = counter
        counter.increment()
    }

    /// A node connection was lost or refused, or a node let written commands time out.
    func nodeFailed(_ cause: String) {
        if let counter = nodeErrors[cause] { return counter.increment() }
        let counter = Counter(label: "\(options.prefix)_node_errors_total", dimensions: [("cause", cause)] + options.dimensions, factory: factory)
        nodeErrors[cause] = counter
        counter.increment()
    }
}

extension RedisClusterError.Kind {
    /// The `kind` dimension of `redis_cluster_command_errors_total`: the case name in snake case.
    public var metricName: String {
        switch self {
        case .noReachableNode: "no_reachable_node"
        case .tooManyRedirections: "too_many_redirections"
        case .redirectLoop: "redirect_loop"
        case .timedOutWaiting: "timed_out_waiting"
        case .crossSlot: "cross_slot"
        case .slotNotCovered: "slot_not_covered"
        case .offlineQueueFull: "offline_queue_full"
        case .offline: "offline"
        case .clientClosed: "client_closed"
        case .blockingConnectionsBusy: "blocking_connections_busy"
        case .watchConnectionsBusy: "watch_connections_busy"
        case .scanIncomplete: "scan_incomplete"
        }
    }
}

extension NodeFailure.Cause {
    /// The `cause` dimension of `redis_cluster_node_errors_total`.
    public var metricName: String {
        switch self {
        case .unreachable: "unreachable"
        case .authenticationFailed: "authentication_failed"
        case .handshakeRefused: "handshake_refused"
        case .notClusterNode: "not_cluster_node"
        case .timedOut: "timed_out"
        case .badReply: "bad_reply"
        case .rejectedView: "rejected_view"
        case .clusterNotReady: "cluster_not_ready"
        case .tls: "tls"
        case .other: "other"
        }
    }
}
