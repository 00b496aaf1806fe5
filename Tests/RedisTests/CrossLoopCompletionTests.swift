import RESP
import SwiftEV
import SwiftEVTesting
import XCTest
@testable import Redis

/// A handler may be completed by a connection on another loop (the cluster layer moves
/// commands between nodes): a callback still runs on the loop it was given.
final class CrossLoopCompletionTests: XCTestCase {
    func testACallbackCompletedOnAnotherLoopRunsOnItsOwn() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        let callerLoop = group.next()
        let h = NodeHarness()  // the answering connection, on the test's own (embedded) loop
        try h.handshake()
        let ran = expectation(description: "callback ran")
        final class Seen: @unchecked Sendable { var onCallerLoop: Bool?; var value: RESPValue? }  // written once, read after the wait
        let seen = Seen()
        h.correlator.send(RedisCommand("GET", "k"), handler: .callback(on: callerLoop) { result in
            seen.onCallerLoop = callerLoop.inEventLoop
            seen.value = try? result.get()
            ran.fulfill()
        })
        try h.reply("$1\r\nv\r\n")
        wait(for: [ran], timeout: 10)
        XCTAssertEqual(seen.onCallerLoop, true, "the callback ran on the caller's loop, not the connection's")
        XCTAssertEqual(seen.value, .bulkString("v"))
    }

    func testACallbackCompletedOnItsOwnLoopRunsAtOnce() throws {
        let h = NodeHarness()
        try h.handshake()
        var value: RESPValue?
        h.correlator.send(RedisCommand("GET", "k"), handler: .callback(on: h.loop) { value = try? $0.get() })
        try h.reply("$1\r\nv\r\n")
        XCTAssertEqual(value, .bulkString("v"), "no hop when already on the loop")
    }
}
