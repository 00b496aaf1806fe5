import RESP
import SwiftEV
import SwiftEVTesting
import XCTest
@testable import Redis

/// The whole node pipeline on the in-memory harness: bytes in, bytes out, manual clock.
final class NodeChannelTests: XCTestCase {
    func testCommandsWaitForTheHandshakeThenFlowInOrder() throws {
        let h = NodeHarness(delegated: false)
        let first = h.send(RedisCommand("SET", "k", "v"))
        let second = h.send(RedisCommand("GET", "k"))
        try h.handshake()
        XCTAssertEqual(h.written(), ["*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"])
        try h.reply("+OK\r\n$1\r")
        XCTAssertEqual(try first.result?.get(), .simpleString("OK"))
        XCTAssertNil(second.result, "half a reply completes nothing")
        try h.reply("\nv\r\n")
        XCTAssertEqual(try second.result?.get(), .bulkString("v"))
        XCTAssertEqual(h.correlator.pendingCount, 0)
    }

    func testServerErrorReplyFailsOnlyItsCommandWithCode() throws {
        let h = NodeHarness(delegated: false)
        try h.handshake()
        let bad = h.send(RedisCommand("INCR", "s"))
        let good = h.send(RedisCommand("PING"))
        try h.reply("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n+PONG\r\n")
        guard case .server(let reply)? = redisError(bad)?.kind else { return XCTFail("expected a server error") }
        XCTAssertEqual(reply.code, "WRONGTYPE")
        XCTAssertEqual(redisError(bad)?.command, "INCR")
        XCTAssertEqual(try good.result?.get(), .simpleString("PONG"))
    }

    /// Only error replies are turned into server errors: a blob error and an error behind an
    /// attribute fail their command, a value behind an attribute does not.
    func testEveryErrorFormFailsItsCommandAndNothingElseDoes() throws {
        let h = NodeHarness(delegated: false)
        try h.handshake()
        let blob = h.send(RedisCommand("GET", "a"))
        let wrapped = h.send(RedisCommand("GET", "b"))
        let plain = h.send(RedisCommand("GET", "c"))
        try h.reply("!10\r\nERR blob x\r\n|1\r\n+key\r\n+val\r\n-ERR boom\r\n|1\r\n+key\r\n+val\r\n$2\r\nok\r\n")
        guard case .server(let blobError)? = redisError(blob)?.kind else { return XCTFail("expected a server error") }
        XCTAssertEqual(blobError.code, "ERR")
        XCTAssertEqual(blobError.message, "blob x")
        guard case .server(let wrappedError)? = redisError(wrapped)?.kind else { return XCTFail("expected a server error") }
        XCTAssertEqual(wrappedError.message, "boom")
        guard case .success(let value)? = plain.result else { return XCTFail("expected the value") }
        XCTAssertEqual(value.withoutAttributes, .bulkString("ok"))
    }

    func testRedirectGoesToTheDelegateNotTheCaller() throws {
        let h = NodeHarness(delegated: false)
        let delegate = RecordingDelegate()
        h.correlator.delegate = delegate
        try h.handshake()
        let moved = h.send(RedisCommand("GET", "foo"))
        try h.reply("-MOVED 12182 127.0.0.1:7002\r\n")
        XCTAssertNil(moved.result, "the coordinator decides what happens to a redirected command")
        XCTAssertEqual(delegate.redirected.count, 1)
        XCTAssertEqual(delegate.redirected.first?.1, .moved(slot: 12182, host: "127.0.0.1", port: 7002))
        XCTAssertEqual(delegate.redirected.first?.0.command.name, "GET")
    }

    /// A pinned command (meant for this node alone) is handed back pinned, redirected or
    /// returned unwritten: the delegate must not route it elsewhere like any other.
    func testPinnedCommandsAreHandedBackPinned() throws {
        let h = NodeHarness(delegated: false)
        let delegate = RecordingDelegate()
        h.correlator.delegate = delegate
        try h.handshake()
        var write = PendingCommand(command: RedisCommand("SET", "foo", "1"), handler: .discard)
        write.pinned = true
        h.correlator.send(batch: [write, PendingCommand(command: RedisCommand("GET", "foo"), handler: .discard)])
        try h.reply("-ASK 12182 127.0.0.1:7002\r\n-ASK 12182 127.0.0.1:7002\r\n")
        XCTAssertEqual(delegate.redirected.map(\.0.pinned), [true, false])
        h.channel.holdFlushes = true
        var stuck = PendingCommand(command: RedisCommand("WAIT", 1, 100), handler: .discard)
        stuck.pinned = true
        h.correlator.send(stuck)
        h.channel.closeFromPeer()
        XCTAssertEqual(delegate.returned.map(\.command.name), ["WAIT"])
        XCTAssertEqual(delegate.returned.map(\.pinned), [true])
    }

    func testRedirectWithoutDelegateFailsWithTypedSignal() throws {
        let h = NodeHarness(delegated: false)
        try h.handshake()
        let asked = h.send(RedisCommand("GET", "foo"))
        try h.reply("-ASK 1 :7005\r\n")
        guard case .redirected(.ask(1, "test", 7005))? = redisError(asked)?.kind else { return XCTFail("\(String(describing: asked.result))") }
    }

    func testPushFramesGoToTheirOwnConsumer() throws {
        let h = NodeHarness(delegated: false)
        try h.handshake()
        var pushes: [RESPValue] = []
        h.correlator.onPush = { pushes.append($0) }
        let get = h.send(RedisCommand("GET", "k"))
        try h.reply(">2\r\n+invalidate\r\n*1\r\n$1\r\nk\r\n$1\r\nv\r\n")
        XCTAssertEqual(pushes.count, 1)
        XCTAssertEqual(try get.result?.get(), .bulkString("v"))
    }

    func testTimeoutFailsOldestAndDropsItsLateReply() throws {
        let h = NodeHarness(delegated: false, timeout: .seconds(1))
        try h.handshake()
        let slow = h.send(RedisCommand("SET", "a", "1"))
        h.loop.advanceTime(by: .milliseconds(500))
        let later = h.send(RedisCommand("GET", "a"))
        h.loop.advanceTime(by: .milliseconds(600))
        guard case .timeout(.unknown)? = redisError(slow)?.kind else { return XCTFail("\(String(describing: slow.result))") }
        XCTAssertNil(later.result, "the next command has its own deadline")
        try h.reply("+OK\r\n$1\r\n1\r\n")
        XCTAssertEqual(try later.result?.get(), .bulkString("1"), "the late reply must be dropped, not given to the next command")
        XCTAssertEqual(h.loop.armedTimerCount, 1, "one timer per connection")
    }

    func testUnsentCommandsTimeOutAsNotSent() throws {
        let h = NodeHarness(delegated: false, timeout: .seconds(1))
        let stuck = h.send(RedisCommand("GET", "a"))  // the handshake never completes
        h.loop.advanceTime(by: .milliseconds(900))
        XCTAssertNil(stuck.result)
        h.loop.advanceTime(by: .milliseconds(200))
        guard case .timeout? = redisError(stuck)?.kind else { return XCTFail("\(String(describing: stuck.result))") }
        XCTAssertFalse(h.channel.isActive, "a handshake that never answers closes the connection")
    }

    func testConnectionLossSplitsNeverSentFromOutcomeUnknown() throws {
        let h = NodeHarness(delegated: false)
        let delegate = RecordingDelegate()
        h.correlator.delegate = delegate
        try h.handshake()
        let sentWrite = h.send(RedisCommand("SET", "a", "1"))
        let sentRead = h.send(RedisCommand("GET", "a"))
        h.channel.holdFlushes = true  // the socket takes nothing more: the next write stays queued
        let stuckWrite = h.send(RedisCommand("SET", "b", "2"))
        XCTAssertEqual(h.channel.unflushedOutboundCount, 1)
        struct Reset: Error {}
        h.channel.closeFromPeer(error: Reset())
        guard case .connectionClosed(.unknown)? = redisError(sentWrite)?.kind else { return XCTFail("\(String(describing: sentWrite.result))") }
        XCTAssertNil(sentRead.result, "a read-only command that was sent is returned for a retry")
        XCTAssertNil(stuckWrite.result, "a write that never left is returned for re-dispatch")
        XCTAssertEqual(delegate.returned.map(\.command.name), ["GET", "SET"])
        XCTAssertEqual(delegate.returned.map(\.wasSent), [true, false])
        XCTAssertTrue(delegate.cause.map { "\($0)".contains("Reset") } ?? false, "the cause names the transport error: \(String(describing: delegate.cause))")
    }

    func testCommandsNotYetSentAreReturnedForRedispatch() throws {
        let h = NodeHarness(delegated: false)
        let delegate = RecordingDelegate()
        h.correlator.delegate = delegate
        let waiting = h.send(RedisCommand("SET", "a", "1"))  // held: handshake not done
        h.channel.closeFromPeer()
        XCTAssertNil(waiting.result)
        XCTAssertEqual(delegate.returned.map(\.command.name), ["SET"])
        XCTAssertEqual(delegate.returned.first?.wasSent, false)
    }

    func testWithoutDelegateUnsentCommandsFailAsNotSent() throws {
        let h = NodeHarness(delegated: false)
        let waiting = h.send(RedisCommand("SET", "a", "1"))
        h.channel.closeFromPeer()
        guard case .connectionClosed(.notSent)? = redisError(waiting)?.kind else { return XCTFail("\(String(describing: waiting.result))") }
        XCTAssertTrue(redisError(waiting)!.isSafeToRetry)
        XCTAssertThrowsError(try h.ready.futureResult.result?.get())
    }

    func testHandshakeRefusalFailsReadyAndCommandsWithTheCause() throws {
        let h = NodeHarness(delegated: false, config: .init(password: "bad"))
        let waiting = h.send(RedisCommand("GET", "a"))
        _ = h.written()
        XCTAssertThrowsError(try h.reply("-WRONGPASS invalid username-password pair or user is disabled.\r\n"))
        guard case .handshakeFailed("HELLO", let reply)? = redisError(waiting)?.kind else { return XCTFail("\(String(describing: waiting.result))") }
        XCTAssertEqual(reply.code, "WRONGPASS")
        XCTAssertTrue(redisError(waiting)!.isSafeToRetry, "it waited for the handshake: never sent")
        XCTAssertTrue(redisError(waiting)!.description.hasPrefix("GET on "), "\(redisError(waiting)!)")
        XCTAssertTrue(redisError(waiting)!.description.hasSuffix("; not executed"), "\(redisError(waiting)!)")
        XCTAssertFalse(h.channel.isActive)
        guard case .failure(let e)? = h.ready.futureResult.result, case .handshakeFailed? = (e as? RedisError)?.kind else {
            return XCTFail("ready must fail with the handshake error")
        }
    }

    func testMalformedReplyIsAProtocolErrorAndCloses() throws {
        let h = NodeHarness(delegated: false)
        try h.handshake()
        let get = h.send(RedisCommand("GET", "a"))
        XCTAssertThrowsError(try h.reply("?what\r\n"))
        guard case .protocolError? = redisError(get)?.kind else { return XCTFail("\(String(describing: get.result))") }
        XCTAssertFalse(h.channel.isActive)
    }

    func testReplyWithNoCommandWaitingClosesTheConnection() throws {
        let h = NodeHarness(delegated: false)
        try h.handshake()
        try h.reply("+surprise\r\n")
        XCTAssertFalse(h.channel.isActive)
    }

    func testPendingCommandsAreBounded() throws {
        let h = NodeHarness(maxPending: 2)
        let a = h.send(RedisCommand("GET", "a"))
        let b = h.send(RedisCommand("GET", "b"))
        let c = h.send(RedisCommand("GET", "c"))
        XCTAssertNil(a.result)
        XCTAssertNil(b.result)
        guard case .tooManyPendingCommands(2)? = redisError(c)?.kind else { return XCTFail("\(String(describing: c.result))") }
    }

    func testCompletionMaySendMoreCommandsReentrantly() throws {
        let h = NodeHarness(delegated: false)
        try h.handshake()
        var second: EventLoopFuture<RESPValue>?
        h.send(RedisCommand("GET", "a")).whenSuccess { _ in second = h.send(RedisCommand("GET", "b")) }
        _ = h.written()
        try h.reply("$1\r\n1\r\n")
        XCTAssertEqual(h.written(), ["*2\r\n$3\r\nGET\r\n$1\r\nb\r\n"])
        try h.reply("$1\r\n2\r\n")
        XCTAssertEqual(try second?.result?.get(), .bulkString("2"))
    }
}
