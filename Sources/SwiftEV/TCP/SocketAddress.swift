#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An IPv4 or IPv6 address with a port.
///
/// ```swift
/// let a = try SocketAddress(ip: "127.0.0.1", port: 6379)
/// let b = try SocketAddress(ip: "::1", port: 6379)
/// print(a)   // 127.0.0.1:6379
/// print(b)   // [::1]:6379
/// ```
public enum SocketAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(ip: [UInt8], port: Int)
    case v6(ip: [UInt8], port: Int)

    /// Parses a numeric IPv4 or IPv6 address (no name resolution; see `TCPClient` for names).
    public init(ip: String, port: Int) throws {
        guard (0...65535).contains(port) else { throw SocketAddressError.invalidPort(port) }
        var v4 = in_addr()
        if inet_pton(AF_INET, ip, &v4) == 1 {
            self = .v4(ip: withUnsafeBytes(of: v4) { Array($0) }, port: port)
            return
        }
        var v6 = in6_addr()
        let unbracketed = ip.hasPrefix("[") && ip.hasSuffix("]") ? String(ip.dropFirst().dropLast()) : ip
        if inet_pton(AF_INET6, unbracketed, &v6) == 1 {
            self = .v6(ip: withUnsafeBytes(of: v6) { Array($0) }, port: port)
            return
        }
        throw SocketAddressError.notNumeric(ip)
    }

    public var port: Int {
        switch self {
        case .v4(_, let p), .v6(_, let p): return p
        }
    }

    /// The address without the port, as text.
    public var ipString: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch self {
        case .v4(let ip, _): _ = ip.withUnsafeBytes { inet_ntop(AF_INET, $0.baseAddress, &text, socklen_t(text.count)) }
        case .v6(let ip, _): _ = ip.withUnsafeBytes { inet_ntop(AF_INET6, $0.baseAddress, &text, socklen_t(text.count)) }
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var description: String {
        switch self {
        case .v4: return "\(ipString):\(port)"
        case .v6: return "[\(ipString)]:\(port)"
        }
    }

    var family: Int32 {
        switch self {
        case .v4: return AF_INET
        case .v6: return AF_INET6
        }
    }

    /// Calls `body` with this address as a `sockaddr`.
    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        switch self {
        case .v4(let ip, let port):
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = in_port_t(UInt16(port).bigEndian)
            withUnsafeMutableBytes(of: &sa.sin_addr) { $0.copyBytes(from: ip) }
            return try withUnsafePointer(to: &sa) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .v6(let ip, let port):
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = in_port_t(UInt16(port).bigEndian)
            withUnsafeMutableBytes(of: &sa.sin6_addr) { $0.copyBytes(from: ip) }
            return try withUnsafePointer(to: &sa) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }

    /// Reads an address out of a `sockaddr_storage` filled by the kernel.
    init?(storage: sockaddr_storage) {
        var s = storage
        switch Int32(s.ss_family) {
        case AF_INET:
            let sa = withUnsafePointer(to: &s) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee } }
            self = .v4(ip: withUnsafeBytes(of: sa.sin_addr) { Array($0) }, port: Int(UInt16(bigEndian: sa.sin_port)))
        case AF_INET6:
            let sa = withUnsafePointer(to: &s) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee } }
            self = .v6(ip: withUnsafeBytes(of: sa.sin6_addr) { Array($0) }, port: Int(UInt16(bigEndian: sa.sin6_port)))
        default:
            return nil
        }
    }
}

/// Why a `SocketAddress` could not be made.
public enum SocketAddressError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidPort(Int)
    case notNumeric(String)

    public var description: String {
        switch self {
        case .invalidPort(let p): return "invalid port \(p): must be 0...65535"
        case .notNumeric(let s): return "'\(s)' is not a numeric IPv4 or IPv6 address"
        }
    }
}
