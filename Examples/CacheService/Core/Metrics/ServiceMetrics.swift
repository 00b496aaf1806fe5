import CoreMetrics
import Metrics

/// The service's figures, through swift-metrics (the executable bootstraps a Prometheus
/// factory; anything else works). One instance per loop: its handle caches are loop-confined,
/// so a request finds its counter with no lock; the handles behind them are the factory's
/// shared (atomic) ones. The cluster client's own figures (redirects, commands in flight, …)
/// come from the client itself (`ClusterMetricsOptions`).
///
/// ```swift
/// let metrics = ServiceMetrics(factory: PrometheusMetricsFactory(registry: registry))
/// metrics.requestFinished(route: .cache, status: 204, nanoseconds: 180_000)
/// ```
final class ServiceMetrics {
    static let requests = "http_requests_total"
    static let duration = "http_request_duration_seconds"
    static let storeErrors = "cache_store_errors_total"
    /// The statuses the service answers with, each with a slot in the counter table (others
    /// go to a dictionary).
    static let statuses = [200, 204, 400, 404, 405, 409, 413, 500, 503, 504]

    private let factory: any MetricsFactory
    /// Per request, indexed by route and status slot: no hashing on the request path.
    private var requestCounters: [Counter?]
    private var otherCounters: [RouteStatus: Counter] = [:]
    private var errorCounters: [String: Counter] = [:]
    private let timers: [Timer]

    private struct RouteStatus: Hashable {
        var route: Route
        var status: Int
    }

    init(factory: any MetricsFactory) {
        self.factory = factory
        requestCounters = Array(repeating: nil, count: Route.allCases.count * Self.statuses.count)
        timers = Route.allCases.map { Timer(label: Self.duration, dimensions: [("route", $0.rawValue)], factory: factory) }
    }

    func requestFinished(route: Route, status: Int, nanoseconds: Int64) {
        let routeIndex = route.index
        timers[routeIndex].recordNanoseconds(nanoseconds)
        guard let slot = Self.slot(of: status) else {
            let key = RouteStatus(route: route, status: status)
            return (otherCounters[key] ?? makeOtherCounter(key)).increment()
        }
        let index = routeIndex * Self.statuses.count + slot
        if let counter = requestCounters[index] { return counter.increment() }
        let counter = Self.requestCounter(route: route, status: status, factory: factory)
        requestCounters[index] = counter
        counter.increment()
    }

    private static func slot(of status: Int) -> Int? {
        switch status {
        case 200: return 0
        case 204: return 1
        case 400: return 2
        case 404: return 3
        case 405: return 4
        case 409: return 5
        case 413: return 6
        case 500: return 7
        case 503: return 8
        case 504: return 9
        default: return nil
        }
    }

    private static func requestCounter(route: Route, status: Int, factory: any MetricsFactory) -> Counter {
        Counter(label: requests, dimensions: [("route", route.rawValue), ("status", String(status))], factory: factory)
    }

    private func makeOtherCounter(_ key: RouteStatus) -> Counter {
        let counter = Self.requestCounter(route: key.route, status: key.status, factory: factory)
        otherCounters[key] = counter
        return counter
    }

    func storeError(kind: String) {
        if let counter = errorCounters[kind] { return counter.increment() }
        let counter = Counter(label: Self.storeErrors, dimensions: [("kind", kind)], factory: factory)
        errorCounters[kind] = counter
        counter.increment()
    }
}

private extension Route {
    /// Position in `allCases`.
    var index: Int {
        switch self {
        case .cache: return 0
        case .counter: return 1
        case .health: return 2
        case .metrics: return 3
        case .unknown: return 4
        }
    }
}
