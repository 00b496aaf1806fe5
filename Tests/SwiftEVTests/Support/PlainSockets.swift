@testable import SwiftEV
#if canImport(Glibc)
import Glibc
#endif

// Plain blocking sockets for the peer side of a test, when the test must control exactly when
// the peer reads, accepts or resets.

/// A blocking listener on a free loopback port, outside any loop (the test accepts, or not):
/// (descriptor, port). `receiveBuffer` caps the accepted sockets' receive buffer (and so the
/// window they offer), so a peer that does not read fills up after that much.
func plainListener(backlog: Int32 = 4, receiveBuffer: Int32? = nil) throws -> (Int32, Int) {
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    if var size = receiveBuffer {
        setsockopt(listener, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }
    _ = try SocketAddress(ip: "127.0.0.1", port: 0).withSockAddr { bind(listener, $0, $1) }
    listen(listener, backlog)
    return (listener, Sockets.localAddress(listener)!.port)
}

/// Closes `fd` with an RST instead of a FIN (SO_LINGER with a zero timeout).
func closeWithReset(_ fd: Int32) {
    var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    close(fd)
}
