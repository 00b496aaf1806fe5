#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A socket operation failed. Names the peer (`host:port`) and the cause.
///
/// ```swift
/// do { _ = try await client.connect(host: "127.0.0.1", port: 1) { $0 }.get() }
/// catch let error as SocketError where error.kind == .connectionRefused {
///     print(error)   // connection refused by 127.0.0.1:1
/// }
/// ```
public struct SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case connectionRefused
        case connectTimeout
        case resolutionFailed(String)
        case connectionReset
        case brokenPipe
        case hostUnreachable
        case addressInUse
        /// Any other errno, with the call that failed.
        case system(call: String, errno: Int32)
    }

    public var kind: Kind
    /// The peer or bind address, as given (`host:port`).
    public var address: String

    public init(kind: Kind, address: String) {
        self.kind = kind
        self.address = address
    }

    /// Classifies an errno from `call` against `address`.
    init(errno code: Int32, call: String, address: String) {
        let kind: Kind
        switch code {
        case ECONNREFUSED: kind = .connectionRefused
        case ECONNRESET: kind = .connectionReset
        case EPIPE: kind = .brokenPipe
        case EHOSTUNREACH, ENETUNREACH: kind = .hostUnreachable
        case ETIMEDOUT: kind = .connectTimeout
        case EADDRINUSE: kind = .addressInUse
        default: kind = .system(call: call, errno: code)
        }
        self.init(kind: kind, address: address)
    }

    public var description: String {
        switch kind {
        case .connectionRefused: return "connection refused by \(address)"
        case .connectTimeout: return "connect to \(address) timed out"
        case .resolutionFailed(let why): return "cannot resolve \(address): \(why)"
        case .connectionReset: return "connection to \(address) reset by peer"
        case .brokenPipe: return "broken pipe writing to \(address) (peer closed)"
        case .hostUnreachable: return "\(address) is unreachable"
        case .addressInUse: return "address \(address) already in use"
        case .system(let call, let code): return "\(call) failed for \(address): \(String(cString: strerror(code))) (errno \(code))"
        }
    }
}
