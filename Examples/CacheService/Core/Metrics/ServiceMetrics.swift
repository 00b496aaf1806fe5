import CoreMetrics
import Metrics

/// The service's figures, through swift-metrics (the executable bootstraps a Prometheus
/// factory; anything else works). One instance per loop: its handle caches are loop-confined,
/// so a request looks up its counter in a small dictionary with no lock; the handles behind
/// them are the factory's shared (atomic) ones. The cluster client's own figures (redirects,
/// commands in flight, …) come from the client itself (`ClusterMetricsOptions`).
///
/// ```swift
/// let metrics = ServiceMetrics(factory: PrometheusMetricsFactory(registry: registry))
/// metrics.requestFinished(route: .cache, status: 204, nanoseconds: 180_000)
/// ```
final class ServiceMetrics {
    static let requests = "http_requests_total"
    static let duration = "http_request_duration_seconds"
    static let storeErrors = "cache_store_errors_total"

    private let factory: any MetricsFactory
    private var requestCounters: [RouteStatus: Counter] = [:]
    private var errorCounters: [String: Counter] = [:]
    private let timers: [Route: Timer]

    private struct RouteStatus: Hashable {
        var route: Route
        var status: Int
    }

    init(factory: any MetricsFactory) {
        self.factory = factory
        var timers: [Route: Timer] = [:]
        for route in Route.allCases {
            timers[route] = Timer(label: Self.duration, dimensions: [("route", route.rawValue)], factory: factory)
        }
        self.timers = timers
    }

    func requestFinished(route: Route, status: Int, nanoseconds: Int64) {
        let key = RouteStatus(route: route, status: status)
        let counter = requestCounters[key] ?? makeRequestCounter(key)
        counter.increment()
        timers[route]?.recordNanoseconds(nanoseconds)
    }

    private func makeRequestCounter(_ key: RouteStatus) -> Counter {
        let counter = Counter(label: Self.requests, dimensions: [("route", key.route.rawValue), ("status", String(key.status))], factory: factory)
        requestCounters[key] = counter
        return counter
    }

    func storeError(kind: String) {
        if let counter = errorCounters[kind] { return counter.increment() }
        let counter = Counter(label: Self.storeErrors, dimensions: [("kind", kind)], factory: factory)
        errorCounters[kind] = counter
        counter.increment()
    }
}
