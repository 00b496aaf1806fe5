import RESP
import SwiftEV
import SwiftEVTesting
import XCTest
@testable import Redis

/// One deadline per command; timed-out commands stop counting; a node that answers nothing is
/// closed; callers can cancel.
final class DeadlineTests: XCTestCase {
    func testTimedOutCommandsNoLongerCountAgainstMaxPending() throws {
        let h = NodeHarness(timeout: .seconds(1), maxPending: 2)
        try h.handshake()
        h.send(RedisCommand("GET", "a"))
        h.send(RedisCommand("GET", "b"))
        h.loop.advanceTime(by: .milliseconds(1100))
        let c = h.send(RedisCommand("GET", "c"))
        XCTAssertNil(c.result, "the two timed-out commands no longer take places")
        XCTAssertEqual(h.correlator.pendingCount, 1)
    }

    func testANodeThatAnswersNothingIsClosedAndReported() throws {
        let h = NodeHarness(timeout: .seconds(1))
        try h.handshake()
        let hung = h.send(RedisCommand("SET", "a", "1"))
        h.loop.advanceTime(by: .milliseconds(1100))
        guard case .timeout(.unknown)? = redisError(hung)?.kind else { return XCTFail("\(String(describing: hung.result))") }
        XCTAssertTrue(h.channel.isActive, "one late reply is not yet a hung node")
        h.channel.holdFlushes = true
        let unsent = h.send(RedisCommand("SET", "b", "2"))
        h.loop.advanceTime(by: .milliseconds(1000))  // the oldest is now 1 s (the grace) past its deadline
        XCTAssertFalse(h.channel.isActive, "a node that answers nothing is closed")
        XCTAssertNil(unsent.result, "never sent: handed back")
        XCTAssertEqual(h.delegate.returned.map(\.command.name), ["SET"])
        XCTAssertTrue(h.delegate.cause.map { "\($0)".contains("unresponsive") } ?? false, "\(String(describing: h.delegate.cause))")
    }
}
