import XCTest
@testable import SwiftEV
#if canImport(Glibc)
import Glibc
#endif

/// `reusePort` + `bind(host:port:on:)`: one listener per loop on one port, each keeping the
/// connections it accepts (the cache service's share-nothing layout).
final class TCPServerReusePortTests: XCTestCase {
    /// Records the loop of every connection it sees.
    final class LoopRecorder: ChannelStage, @unchecked Sendable {
        // `@unchecked Sendable`: `loops` is only touched under `lock`.
        typealias InboundIn = ByteBuffer
        typealias OutboundIn = ByteBuffer
        private let lock = NSLock()
        private var loops: [ObjectIdentifier] = []
        func channelActive(context: Context) {
            let id = ObjectIdentifier(context.eventLoop as AnyObject)
            lock.withLock { loops.append(id) }
            context.fireActive()
        }
        var seen: [ObjectIdentifier] { lock.withLock { loops } }
    }

    func testListenersShareAPortAndKeepTheirConnections() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 2)
        defer { try? group.syncShutdown() }
        var server = TCPServer(group: group)
        server.reusePort = true
        let recorders = group.loops.map { _ in LoopRecorder() }
        let first = try server.bind(host: "127.0.0.1", port: 0, on: group.loops[0]) { [recorder = recorders[0]] in $0.adding(recorder) }.wait()
        let port = try XCTUnwrap(first.localAddress?.port)
        let second = try server.bind(host: "127.0.0.1", port: port, on: group.loops[1]) { [recorder = recorders[1]] in $0.adding(recorder) }.wait()
        XCTAssertTrue(first.eventLoop === group.loops[0])
        XCTAssertTrue(second.eventLoop === group.loops[1])

        // Without SO_REUSEPORT the second bind fails with EADDRINUSE.
        XCTAssertThrowsError(try TCPServer(group: group).bind(host: "127.0.0.1", port: port, on: group.loops[0]) { $0 }.wait())

        // Enough connections that the kernel's hash puts some on each listener.
        var sockets: [Int32] = []
        defer { for fd in sockets { close(fd) } }
        for _ in 0..<64 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            sockets.append(fd)
            XCTAssertEqual(try SocketAddress(ip: "127.0.0.1", port: port).withSockAddr { connect(fd, $0, $1) }, 0)
        }
        let deadline = Deadline.now() + .seconds(10)
        while recorders.map(\.seen.count).reduce(0, +) < 64, Deadline.now() < deadline { sched_yield() }
        for (index, recorder) in recorders.enumerated() {
            let own = ObjectIdentifier(group.loops[index])
            XCTAssertFalse(recorder.seen.isEmpty, "listener \(index) accepted some of the 64 connections")
            XCTAssertTrue(recorder.seen.allSatisfy { $0 == own }, "listener \(index)'s connections stay on its loop")
        }
        XCTAssertEqual(recorders.map(\.seen.count).reduce(0, +), 64)
    }
}
