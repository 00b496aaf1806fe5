/// Why a request was refused before anything was sent to Redis: the status and the text of the
/// JSON body's `error`.
public enum RequestError: Error, Equatable, Sendable {
    /// 400: bad key, bad or unknown query parameter.
    case badRequest(String)
    /// 404: no such path.
    case notFound
    /// 405: a known path with another method; `allow` lists the methods it takes.
    case methodNotAllowed(allow: String)
    /// 413: the value is over the configured limit.
    case valueTooLarge(limit: Int)

    public var status: Int {
        switch self {
        case .badRequest: return 400
        case .notFound: return 404
        case .methodNotAllowed: return 405
        case .valueTooLarge: return 413
        }
    }

    public var message: String {
        switch self {
        case .badRequest(let why): return why
        case .notFound: return "no such path"
        case .methodNotAllowed(let allow): return "method not allowed; allowed: \(allow)"
        case .valueTooLarge(let limit): return "value over the limit of \(limit) bytes"
        }
    }

    public var response: CacheResponse {
        var response = CacheResponse.error(status: status, message: message, outcome: nil)
        if case .methodNotAllowed(let allow) = self { response.allow = allow }
        return response
    }
}
