#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Turns a host name into addresses without blocking the loop.
///
/// Numeric addresses are parsed in place; names go to `getaddrinfo` on a short-lived thread
/// (the C resolver only blocks), and the answer comes back to the loop as a future.
enum Resolver {
    static func resolve(host: String, port: Int, on loop: any EventLoop) -> EventLoopFuture<[SocketAddress]> {
        if let numeric = try? SocketAddress(ip: host, port: port) {
            return loop.makeSucceededFuture([numeric])
        }
        guard (0...65535).contains(port) else {
            return loop.makeFailedFuture(SocketAddressError.invalidPort(port))
        }
        let promise = loop.makePromise(of: [SocketAddress].self)
        DetachedThread {
            promise.completeWith(Result { try lookUp(host: host, port: port) })
        }.start()
        return promise.futureResult
    }

    /// Blocking `getaddrinfo`, IPv4 and IPv6, in the resolver's order, without duplicates.
    static func lookUp(host: String, port: Int) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            let why = rc == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(rc))
            throw SocketError(kind: .resolutionFailed(why), address: "\(host):\(port)")
        }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let info = node {
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { dst in
                dst.copyMemory(from: UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(info.pointee.ai_addrlen)))
            }
            if let address = SocketAddress(storage: storage), !addresses.contains(address) {
                addresses.append(address)
            }
            node = info.pointee.ai_next
        }
        guard !addresses.isEmpty else {
            throw SocketError(kind: .resolutionFailed("no IPv4 or IPv6 address"), address: "\(host):\(port)")
        }
        return addresses
    }
}
