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

    func testAHungNodeWithOnlyTimedOutCommandsIsStillReportedToTheDelegate() throws {
        let h = NodeHarness(timeout: .seconds(1))
        try h.handshake()
        h.send(RedisCommand("GET", "a"))
        h.loop.advanceTime(by: .seconds(2))
        XCTAssertFalse(h.channel.isActive)
        XCTAssertEqual(h.delegate.returned.count, 0)
        XCTAssertEqual(h.delegate.cause?.kind, .nodeUnresponsive(.unknown))
        XCTAssertEqual(h.correlator.closeCause?.kind, .nodeUnresponsive(.unknown))
        XCTAssertEqual(h.delegate.cause?.node, "test:1")
    }
}

/// The deadline belongs to the command, not to the connection it happens to sit on.
final class CommandDeadlineTests: XCTestCase {
    func testAGivenDeadlineIsKeptInsteadOfRestartingTheTimeout() throws {
        let h = NodeHarness(timeout: .seconds(1))
        try h.handshake()
        let promise = h.loop.makePromise(of: RESPValue.self)
        h.correlator.send(PendingCommand(command: RedisCommand("GET", "k"), handler: .promise(promise),
                                         deadline: h.loop.now + .milliseconds(300)))
        h.loop.advanceTime(by: .milliseconds(299))
        XCTAssertNil(promise.futureResult.result)
        h.loop.advanceTime(by: .milliseconds(1))
        guard case .timeout(.unknown)? = redisError(promise.futureResult)?.kind else {
            return XCTFail("\(String(describing: promise.futureResult.result))")
        }
    }

    func testARedirectedCommandCarriesTheDeadlineItGotOnFirstEnqueueToTheNextNode() throws {
        let first = NodeHarness(timeout: .seconds(1))
        try first.handshake()
        let get = first.send(RedisCommand("GET", "k"))
        let sentAt = first.loop.now
        first.loop.advanceTime(by: .milliseconds(600))
        try first.reply("-MOVED 1 127.0.0.1:7002\r\n")
        guard var moved = first.delegate.redirected.first?.0 else { return XCTFail("no redirect") }
        XCTAssertEqual(moved.deadline, sentAt + .seconds(1))
        moved.redirections.append(.moved(slot: 1, host: "127.0.0.1", port: 7002))

        // The next node (same manual clock, as one loop would have): 400 ms left, not 1 s.
        let second = NodeHarness(timeout: .seconds(1))
        second.loop.advanceTime(to: first.loop.now)
        try second.handshake()
        second.correlator.send(moved)
        second.loop.advanceTime(by: .milliseconds(399))
        XCTAssertNil(get.result)
        second.loop.advanceTime(by: .milliseconds(1))
        guard case .timeout(.unknown)? = redisError(get)?.kind else { return XCTFail("\(String(describing: get.result))") }
    }

    func testAskingIsWrittenRightBeforeTheCommandAndItsReplyConsumed() throws {
        let h = NodeHarness()
        let promise = h.loop.makePromise(of: RESPValue.self)
        h.correlator.send(PendingCommand(command: RedisCommand("GET", "k"), handler: .promise(promise), asking: true))
        XCTAssertEqual(h.correlator.pendingCount, 1)
        try h.handshake()
        XCTAssertEqual(h.written(), ["*1\r\n$6\r\nASKING\r\n", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"])
        try h.reply("+OK\r\n")
        XCTAssertNil(promise.futureResult.result, "ASKING's reply is not the command's")
        try h.reply("$1\r\nv\r\n")
        XCTAssertEqual(try promise.futureResult.result?.get(), .bulkString("v"))
        XCTAssertEqual(h.correlator.pendingCount, 0)
    }

    func testALostAskingCommandComesBackStillAsking() throws {
        let h = NodeHarness()
        try h.handshake()
        h.channel.holdFlushes = true
        let promise = h.loop.makePromise(of: RESPValue.self)
        h.correlator.send(PendingCommand(command: RedisCommand("SET", "k", "v"), handler: .promise(promise), asking: true))
        h.channel.closeFromPeer()
        XCTAssertEqual(h.delegate.returned.map(\.command.name), ["SET"], "ASKING itself is never handed back")
        XCTAssertEqual(h.delegate.returned.first?.asking, true)
    }
}

/// Task cancellation, through `CommandCancellation`.
final class CancellationTests: XCTestCase {
    private func send(_ h: NodeHarness, _ command: RedisCommand, _ cancellation: CommandCancellation) -> EventLoopFuture<RESPValue> {
        let promise = h.loop.makePromise(of: RESPValue.self)
        h.correlator.send(command, handler: .promise(promise, cancellation: cancellation))
        return promise.futureResult
    }

    func testACommandNotYetWrittenIsRemovedAndFailsWithCancellationError() throws {
        let h = NodeHarness()
        let cancellation = CommandCancellation()
        let set = send(h, RedisCommand("SET", "k", "v"), cancellation)
        cancellation.cancel()
        h.loop.run()
        guard case .failure(let error)? = set.result, error is CancellationError else { return XCTFail("\(String(describing: set.result))") }
        XCTAssertEqual(h.correlator.pendingCount, 0)
        try h.handshake()
        XCTAssertEqual(h.written(), [], "never written")
    }

    func testAWrittenCommandFailsAsOutcomeUnknownAndItsLateReplyIsDropped() throws {
        let h = NodeHarness()
        try h.handshake()
        let cancellation = CommandCancellation()
        let blocking = send(h, RedisCommand("BLPOP", "q", 0), cancellation)
        let next = h.send(RedisCommand("GET", "k"))
        cancellation.cancel()
        h.loop.run()
        XCTAssertEqual(redisError(blocking)?.kind, .cancelled)
        XCTAssertEqual(h.correlator.pendingCount, 1, "the cancelled command no longer counts")
        try h.reply("*2\r\n$1\r\nq\r\n$1\r\nx\r\n$1\r\nv\r\n")
        XCTAssertEqual(try next.result?.get(), .bulkString("v"), "the late BLPOP reply went nowhere")
    }

    func testCancelledBeforeQueuedFailsAtOnce() throws {
        let h = NodeHarness()
        try h.handshake()
        let cancellation = CommandCancellation()
        cancellation.cancel()
        let set = send(h, RedisCommand("SET", "k", "v"), cancellation)
        guard case .failure(let error)? = set.result, error is CancellationError else { return XCTFail("\(String(describing: set.result))") }
        XCTAssertEqual(h.written(), [])
    }

    func testACommandInsideMultiIsNotRemoved() throws {
        let h = NodeHarness()
        h.send(RedisCommand("MULTI"))
        let cancellation = CommandCancellation()
        let set = send(h, RedisCommand("SET", "k", "v"), cancellation)
        h.send(RedisCommand("EXEC"))
        cancellation.cancel()
        h.loop.run()
        XCTAssertEqual(redisError(set)?.kind, .cancelled, "it will still run with its transaction")
        try h.handshake()
        XCTAssertEqual(h.written().count, 3, "the transaction is written whole")
    }

    func testCancellationFollowsTheCommandToTheNextConnection() throws {
        let first = NodeHarness()
        try first.handshake()
        let cancellation = CommandCancellation()
        let get = send(first, RedisCommand("GET", "k"), cancellation)
        try first.reply("-MOVED 1 127.0.0.1:7002\r\n")
        let second = NodeHarness()
        second.correlator.send(first.delegate.redirected[0].0)  // held: handshake not done
        cancellation.cancel()
        second.loop.run()
        guard case .failure(let error)? = get.result, error is CancellationError else { return XCTFail("\(String(describing: get.result))") }
    }
}
