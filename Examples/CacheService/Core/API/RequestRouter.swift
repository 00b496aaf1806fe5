/// Matches a method and request target against the API: the route, then the method (405 with
/// `Allow`), then the key and the query (400). Plain bytes in, a `CacheRequest` or a
/// `RequestError` out; no I/O.
///
/// ```swift
/// RequestRouter.match(method: "PUT", target: Array("/v1/cache/a?ttl=60".utf8))
/// // .success(.put(CacheKey("a"), ttl: 60, wait: 0))
/// RequestRouter.match(method: "POST", target: Array("/v1/cache/a".utf8))
/// // .failure(.methodNotAllowed(allow: "GET, HEAD, PUT, DELETE"))
/// ```
///
/// `HEAD` is answered wherever `GET` is (RFC 9110 §9.3.2): the same request, whose answer the
/// HTTP stage sends without its body.
public enum RequestRouter {
    static let cachePrefix = Array("/v1/cache/".utf8)
    static let counterPrefix = Array("/v1/counters/".utf8)
    static let counterSuffix = Array("/incr".utf8)
    static let cacheMethods = "GET, HEAD, PUT, DELETE"

    /// The route a target belongs to, for metrics, whether or not the request is valid.
    public static func route(of target: some Collection<UInt8>) -> Route {
        let path = Array(target.prefix { $0 != UInt8(ascii: "?") })
        if path.starts(with: cachePrefix), !path.dropFirst(cachePrefix.count).contains(UInt8(ascii: "/")) { return .cache }
        if path.starts(with: counterPrefix), path.count >= counterPrefix.count + counterSuffix.count,
           path.suffix(counterSuffix.count).elementsEqual(counterSuffix),
           !path.dropFirst(counterPrefix.count).dropLast(counterSuffix.count).contains(UInt8(ascii: "/")) { return .counter }
        if path.elementsEqual("/healthz".utf8) { return .health }
        if path.elementsEqual("/metrics".utf8) { return .metrics }
        return .unknown
    }

    public static func match(method: String, target: some Collection<UInt8>) -> Result<CacheRequest, RequestError> {
        do throws(RequestError) {
            return .success(try parse(method: method, target: Array(target)))
        } catch {
            return .failure(error)
        }
    }

    private static func parse(method given: String, target: [UInt8]) throws(RequestError) -> CacheRequest {
        let method = given == "HEAD" ? "GET" : given
        let question = target.firstIndex(of: UInt8(ascii: "?"))
        let path = target[..<(question ?? target.endIndex)]
        let query = question.map { target[(target.index(after: $0))...] } ?? []
        switch route(of: path) {
        case .cache:
            guard ["GET", "PUT", "DELETE"].contains(method) else { throw .methodNotAllowed(allow: cacheMethods) }
            let key = try CacheKey(segment: path.dropFirst(cachePrefix.count))
            switch method {
            case "PUT":
                let parameters = try QueryParameters(query, allowed: ["ttl", "wait"])
                return .put(key, ttl: try parameters.ttl(), wait: try parameters.wait())
            case "GET":
                _ = try QueryParameters(query, allowed: [])
                return .get(key)
            default:
                _ = try QueryParameters(query, allowed: [])
                return .delete(key)
            }
        case .counter:
            guard method == "POST" else { throw .methodNotAllowed(allow: "POST") }
            let key = try CacheKey(segment: path.dropFirst(counterPrefix.count).dropLast(counterSuffix.count))
            let parameters = try QueryParameters(query, allowed: ["by"])
            return .increment(key, by: try parameters.by())
        case .health, .metrics:
            guard method == "GET" else { throw .methodNotAllowed(allow: "GET, HEAD") }
            _ = try QueryParameters(query, allowed: [])
            return route(of: path) == .health ? .health : .metrics
        case .unknown:
            throw .notFound
        }
    }
}
