import XCTest
@testable import SwiftEV
#if canImport(Glibc)
import Glibc
#endif

/// Issue 7, item 6: a connection accepted for a loop that has already shut down is closed,
/// not leaked.
final class TCPServerChildLoopTests: XCTestCase {
    func testAConnectionHandedToAShutDownLoopIsClosed() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 2)
        defer { try? group.syncShutdown() }
        let listening = try TCPServer(group: group).bind(host: "127.0.0.1", port: 0) { $0.adding(EchoStage()) }.wait()
        XCTAssertTrue(listening.eventLoop === group.loops[0], "the listener took the first loop")
        // Shut the other loop down alone (the group joins it later): the next connection goes to it.
        let child = group.loops[1]
        XCTAssertTrue(child.tryExecute { child.requestShutdown() })
        let refused = Deadline.now() + .seconds(10)
        while child.tryExecute({}), Deadline.now() < refused { sched_yield() }
        XCTAssertFalse(child.tryExecute {}, "the child loop has shut down")

        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        XCTAssertEqual(try SocketAddress(ip: "127.0.0.1", port: listening.localAddress!.port).withSockAddr { connect(fd, $0, $1) }, 0)
        var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&ready, 1, 10_000), 1, "the server must close the connection it cannot serve")
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
        XCTAssertTrue(n == 0 || (n < 0 && errno == ECONNRESET), "end of stream (or reset): the descriptor was closed (\(n))")
    }
}
