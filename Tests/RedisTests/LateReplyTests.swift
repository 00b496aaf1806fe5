import RESP
import SwiftEV
import SwiftEVTesting
import XCTest
@testable import Redis

/// A written command that passed its deadline is reported as timed out (outcome unknown), its
/// late reply never taken as an acknowledgement, and the delegate learns that the node was
/// silent (a cluster client then asks the other nodes who serves its slots).
final class LateReplyTests: XCTestCase {
    func testWrittenCommandsPastTheirDeadlineAreReportedToTheDelegate() throws {
        let h = NodeHarness(timeout: .seconds(1))
        try h.handshake()
        let first = h.send(RedisCommand("SET", "a", "1"))
        let second = h.send(RedisCommand("INCR", "n"))
        h.loop.advanceTime(by: .milliseconds(1001))
        XCTAssertEqual(redisError(first)?.kind, .timeout(.unknown))
        XCTAssertEqual(redisError(second)?.kind, .timeout(.unknown))
        XCTAssertEqual(h.delegate.timedOut, 2, "one report for the commands that expired together")
    }

    func testCommandsThatTimeOutUnsentAreNotReportedAsASilentNode() throws {
        let h = NodeHarness(timeout: .seconds(1))
        h.send(RedisCommand("GET", "a"))  // waits for the handshake, never written
        h.loop.advanceTime(by: .milliseconds(1001))
        XCTAssertEqual(h.delegate.returned.map(\.command.name), ["GET"], "handed back when the handshake timed out")
        XCTAssertEqual(h.delegate.timedOut, 0)
    }

    func testAReplyReadAtOrAfterTheDeadlineIsNotTakenAsAnAcknowledgement() throws {
        let h = NodeHarness(timeout: .seconds(1))
        try h.handshake()
        let promise = h.loop.makePromise(of: RESPValue.self)
        // The deadline is now: the reply below arrives before the loop runs the timer.
        h.correlator.send(PendingCommand(command: RedisCommand("SET", "a", "1"), handler: .promise(promise), deadline: h.loop.now))
        try h.reply("+OK\r\n")
        XCTAssertEqual(redisError(promise.futureResult)?.kind, .timeout(.unknown),
                       "a late OK is not an acknowledgement: the caller hears outcome unknown")
        XCTAssertEqual(h.delegate.timedOut, 1)
        let next = h.send(RedisCommand("GET", "a"))
        try h.reply("$1\r\n1\r\n")
        XCTAssertEqual(try next.result?.get(), .bulkString("1"), "correlation holds")
    }
}
