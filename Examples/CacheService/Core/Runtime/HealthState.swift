import RedisCluster

/// What `/healthz` answers on one loop, kept up to date from its cluster client's events.
enum HealthState: Equatable {
    case discovering(lastError: String?)
    case ready
    case ended(String)
    case shuttingDown

    mutating func apply(_ event: ClusterEvent) {
        switch (self, event) {
        case (.shuttingDown, _): return
        case (_, .ready): self = .ready
        case (.discovering, .error(let error)): self = .discovering(lastError: error.description)
        case (_, .end): self = .ended("the cluster client stopped (closed, or gave up discovering the cluster; the next request starts over)")
        default: return
        }
    }

    var response: CacheResponse {
        switch self {
        case .ready: return .text(200, "ok\n")
        case .discovering(nil): return .text(503, "not ready: discovering the cluster\n")
        case .discovering(let error?): return .text(503, "not ready: discovering the cluster; last attempt: \(error)\n")
        case .ended(let why): return .text(503, "not ready: \(why)\n")
        case .shuttingDown: return .text(503, "shutting down\n")
        }
    }
}
