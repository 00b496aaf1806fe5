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
///
/// Every request goes through here, so it works on the target's bytes where they lie (no
/// array, no string per request): the only allocation is the decoded key's.
public enum RequestRouter {
    static let cachePrefix: StaticString = "/v1/cache/"
    static let counterPrefix: StaticString = "/v1/counters/"
    static let counterSuffix: StaticString = "/incr"
    static let cacheMethods = "GET, HEAD, PUT, DELETE"

    /// The methods the API tells apart; `HEAD` arrives as `get`.
    enum Method {
        case get, put, delete, post, other

        init(_ name: String) {
            switch name {
            case "GET", "HEAD": self = .get
            case "PUT": self = .put
            case "DELETE": self = .delete
            case "POST": self = .post
            default: self = .other
            }
        }
    }

    /// The route a target belongs to, for metrics, whether or not the request is valid.
    public static func route(of target: some Collection<UInt8>) -> Route {
        withBytes(target) { route(ofPath: path(of: $0)) }
    }

    public static func match(method: String, target: some Collection<UInt8>) -> Result<CacheRequest, RequestError> {
        withBytes(target) { match(Method(method), target: $0) }
    }

    /// The request and the route it belongs to (also for a refused request: metrics label it).
    static func match(_ method: Method, target: UnsafeRawBufferPointer) -> Result<CacheRequest, RequestError> {
        do throws(RequestError) {
            return .success(try parse(method, target: target))
        } catch {
            return .failure(error)
        }
    }

    private static func withBytes<R>(_ target: some Collection<UInt8>, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        if let result = target.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) { return result }
        return Array(target).withUnsafeBytes(body)
    }

    /// The target up to `?`.
    private static func path(of target: UnsafeRawBufferPointer) -> Slice<UnsafeRawBufferPointer> {
        target[..<(target.firstIndex(of: UInt8(ascii: "?")) ?? target.endIndex)]
    }

    static func route(ofPath path: Slice<UnsafeRawBufferPointer>) -> Route {
        if let key = segment(of: path, after: cachePrefix, before: nil) { return key.contains(UInt8(ascii: "/")) ? .unknown : .cache }
        if let key = segment(of: path, after: counterPrefix, before: counterSuffix), !key.contains(UInt8(ascii: "/")) { return .counter }
        if equals(path, "/healthz") { return .health }
        if equals(path, "/metrics") { return .metrics }
        return .unknown
    }

    /// What lies between `prefix` and `suffix` in `path`, nil when it does not have both.
    private static func segment(of path: Slice<UnsafeRawBufferPointer>, after prefix: StaticString,
                                before suffix: StaticString?) -> Slice<UnsafeRawBufferPointer>? {
        let head = prefix.utf8CodeUnitCount
        let tail = suffix?.utf8CodeUnitCount ?? 0
        guard path.count >= head + tail, equals(path.prefix(head), prefix) else { return nil }
        if let suffix, !equals(path.suffix(tail), suffix) { return nil }
        return path.dropFirst(head).dropLast(tail)
    }

    private static func equals(_ bytes: Slice<UnsafeRawBufferPointer>, _ text: StaticString) -> Bool {
        bytes.count == text.utf8CodeUnitCount
            && bytes.elementsEqual(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private static func parse(_ method: Method, target: UnsafeRawBufferPointer) throws(RequestError) -> CacheRequest {
        let path = path(of: target)
        let query = target[min(path.endIndex + 1, target.endIndex)...]
        switch route(ofPath: path) {
        case .cache:
            let segment = path.dropFirst(cachePrefix.utf8CodeUnitCount)
            switch method {
            case .put:
                let key = try CacheKey(segment: segment)
                let parameters = try QueryParameters(query, allowed: QueryParameters.putNames)
                return .put(key, ttl: try parameters.ttl(), wait: try parameters.wait())
            case .get:
                let key = try CacheKey(segment: segment)
                _ = try QueryParameters(query, allowed: [])
                return .get(key)
            case .delete:
                let key = try CacheKey(segment: segment)
                _ = try QueryParameters(query, allowed: [])
                return .delete(key)
            case .post, .other:
                throw .methodNotAllowed(allow: cacheMethods)
            }
        case .counter:
            guard method == .post else { throw .methodNotAllowed(allow: "POST") }
            let key = try CacheKey(segment: path.dropFirst(counterPrefix.utf8CodeUnitCount).dropLast(counterSuffix.utf8CodeUnitCount))
            let parameters = try QueryParameters(query, allowed: QueryParameters.incrementNames)
            return .increment(key, by: try parameters.by())
        case .health, .metrics:
            guard method == .get else { throw .methodNotAllowed(allow: "GET, HEAD") }
            _ = try QueryParameters(query, allowed: [])
            return route(ofPath: path) == .health ? .health : .metrics
        case .unknown:
            throw .notFound
        }
    }
}
