/// What a request asks the service to do, once its method, path and query have been checked.
public enum CacheRequest: Equatable, Sendable {
    /// `PUT /v1/cache/{key}?ttl=S&wait=N`: `SET key value [EX ttl]`, then `WAIT N` when N > 0.
    case put(CacheKey, ttl: Int?, wait: Int)
    case get(CacheKey)
    case delete(CacheKey)
    /// `POST /v1/counters/{key}/incr?by=N`: `INCRBY key N`.
    case increment(CacheKey, by: Int64)
    case health
    case metrics

    /// The route's name for metrics labels (never the key: unbounded label values would
    /// blow up the exporter).
    public var route: Route {
        switch self {
        case .put, .get, .delete: return .cache
        case .increment: return .counter
        case .health: return .health
        case .metrics: return .metrics
        }
    }

    /// Whether the request carries a value in its body (the others ignore a body).
    public var takesBody: Bool {
        if case .put = self { return true }
        return false
    }
}

/// The service's routes, as metrics label them.
public enum Route: String, CaseIterable, Sendable {
    case cache = "/v1/cache/{key}"
    case counter = "/v1/counters/{key}/incr"
    case health = "/healthz"
    case metrics = "/metrics"
    /// Anything else (404s).
    case unknown = "other"
}
