#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A request method. The common ones are cases, so matching on them costs no string
/// comparison; any other token arrives as `.other`.
///
/// ```swift
/// switch request.head.method {
/// case .GET, .HEAD: serve()
/// case .other(let name): print("unusual method", name)
/// default: refuse()
/// }
/// ```
public enum HTTPMethod: Sendable, Hashable, CustomStringConvertible {
    case GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH, TRACE, CONNECT
    case other(String)

    /// Parses a method token the parser has already validated.
    init(token: UnsafeRawBufferPointer) {
        func match(_ name: StaticString) -> Bool {
            name.utf8CodeUnitCount == token.count
                && memcmp(name.utf8Start, token.baseAddress!, token.count) == 0
        }
        switch token.count {
        case 3 where match("GET"): self = .GET
        case 3 where match("PUT"): self = .PUT
        case 4 where match("HEAD"): self = .HEAD
        case 4 where match("POST"): self = .POST
        case 5 where match("PATCH"): self = .PATCH
        case 5 where match("TRACE"): self = .TRACE
        case 6 where match("DELETE"): self = .DELETE
        case 7 where match("OPTIONS"): self = .OPTIONS
        case 7 where match("CONNECT"): self = .CONNECT
        default: self = .other(String(decoding: token, as: UTF8.self))
        }
    }

    public var description: String {
        switch self {
        case .GET: "GET"
        case .HEAD: "HEAD"
        case .POST: "POST"
        case .PUT: "PUT"
        case .DELETE: "DELETE"
        case .OPTIONS: "OPTIONS"
        case .PATCH: "PATCH"
        case .TRACE: "TRACE"
        case .CONNECT: "CONNECT"
        case .other(let name): name
        }
    }
}
