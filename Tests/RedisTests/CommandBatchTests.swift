import RESP
import SwiftEV
import SwiftEVTesting
import XCTest
@testable import Redis

/// A `CommandBatch` is one queue entry and one write, yet each of its commands keeps what a
/// lone command has: its own result or error, its own redirect, its own fate on a lost
/// connection; a timeout or a cancellation fails only what is still unanswered.
final class CommandBatchTests: XCTestCase {
    /// The collector's results once complete (nil until then), and the batch, with `places`
    /// (default: in order) as each command's index in the collector.
    private final class Sent {
        var results: [Result<RESPValue, any Error>]?
        var batch: CommandBatch!
    }

    private func sendBatch(_ h: NodeHarness, _ commands: [RedisCommand], places: [Int]? = nil,
                           cancellation: CommandCancellation? = nil, deadline: Deadline? = nil) -> Sent {
        let sent = Sent()
        let collector = ReplyCollector(count: commands.count, on: h.loop, cancellation: cancellation) { sent.results = $0 }
        let batch = CommandBatch(collector: collector, deadline: deadline ?? h.loop.now + .seconds(1))
        for (index, command) in commands.enumerated() { batch.append(command, place: places?[index] ?? index) }
        sent.batch = batch
        h.correlator.send(batch)
        return sent
    }

    private func error(_ result: Result<RESPValue, any Error>?) -> RedisError? {
        guard case .failure(let error)? = result else { return nil }
        return error as? RedisError
    }

    func testABatchIsOneWriteAndItsRepliesLandInTheirPlaces() throws {
        let h = NodeHarness()
        try h.handshake()
        let sent = sendBatch(h, [RedisCommand("SET", "a", "1"), RedisCommand("GET", "a"), RedisCommand("GET", "b")], places: [2, 0, 1])
        XCTAssertEqual(h.written(), ["*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\n"])
        XCTAssertEqual(h.correlator.pendingCount, 3)
        XCTAssertEqual(h.correlator.repliesOwed, 3)
        try h.reply("+OK\r\n$1\r\n1\r\n")
        XCTAssertNil(sent.results)
        XCTAssertEqual(h.correlator.pendingCount, 1)
        try h.reply("_\r\n")
        let results = try XCTUnwrap(sent.results)
        XCTAssertEqual(try results[2].get(), .simpleString("OK"))
        XCTAssertEqual(try results[0].get(), .bulkString("1"))
        XCTAssertEqual(try results[1].get(), .null)
        XCTAssertEqual(h.correlator.pendingCount, 0)
        XCTAssertEqual(h.correlator.repliesOwed, 0)
    }

    func testAnErrorInTheMiddleFailsOnlyItsCommandAndNamesIt() throws {
        let h = NodeHarness()
        try h.handshake()
        let sent = sendBatch(h, [RedisCommand("SET", "a", "1"), RedisCommand("INCR", "a"), RedisCommand("GET", "a")])
        let after = h.send(RedisCommand("GET", "z"))
        try h.reply("+OK\r\n-ERR value is not an integer or out of range\r\n$1\r\n1\r\n$1\r\nz\r\n")
        let results = try XCTUnwrap(sent.results)
        XCTAssertEqual(try results[0].get(), .simpleString("OK"))
        XCTAssertEqual(error(results[1])?.command, "INCR")
        guard case .server(let server)? = error(results[1])?.kind else { return XCTFail("\(results[1])") }
        XCTAssertEqual(server.code, "ERR")
        XCTAssertEqual(try results[2].get(), .bulkString("1"))
        XCTAssertEqual(try after.result?.get(), .bulkString("z"), "a command after the batch gets its own reply")
    }

    func testARedirectInTheMiddleHandsThatCommandAloneToTheDelegate() throws {
        let h = NodeHarness()
        try h.handshake()
        let deadline = h.loop.now + .milliseconds(700)
        let sent = sendBatch(h, [RedisCommand("GET", "a"), RedisCommand("GET", "b"), RedisCommand("GET", "c")], deadline: deadline)
        try h.reply("$1\r\n1\r\n-MOVED 3300 127.0.0.1:7001\r\n$1\r\n3\r\n")
        XCTAssertNil(sent.results, "the redirected command is not answered here")
        let (moved, redirection) = try XCTUnwrap(h.delegate.redirected.first)
        XCTAssertEqual(h.delegate.redirected.count, 1)
        XCTAssertEqual(moved.command.bytes, RedisCommand("GET", "b").bytes)
        XCTAssertEqual(moved.deadline, deadline, "the batch's deadline goes with it")
        XCTAssertEqual(redirection, .moved(slot: 3300, host: "127.0.0.1", port: 7001))
        XCTAssertEqual(h.correlator.pendingCount, 0)
        // The next node answers it through its own handler: the collector completes in order.
        moved.handler.complete(.success(.bulkString(ByteBuffer(string: "2"))))
        let results = try XCTUnwrap(sent.results)
        XCTAssertEqual(try results.map { try $0.get() }, ["1", "2", "3"].map { .bulkString(ByteBuffer(string: $0)) })
    }

    func testWithoutADelegateARedirectFailsItsCommandWithTheSignal() throws {
        let h = NodeHarness(delegated: false)
        try h.handshake()
        let sent = sendBatch(h, [RedisCommand("GET", "a"), RedisCommand("GET", "b")])
        try h.reply("-ASK 3300 127.0.0.1:7001\r\n$1\r\n2\r\n")
        let results = try XCTUnwrap(sent.results)
        guard case .redirected(.ask(slot: 3300, host: "127.0.0.1", port: 7001))? = error(results[0])?.kind else {
            return XCTFail("\(results[0])")
        }
        XCTAssertEqual(try results[1].get(), .bulkString(ByteBuffer(string: "2")))
    }

    func testATimeoutFailsWhatIsUnansweredAndTheLateRepliesAreDropped() throws {
        let h = NodeHarness(timeout: .seconds(1))
        try h.handshake()
        let sent = sendBatch(h, [RedisCommand("SET", "a", "1"), RedisCommand("INCR", "n"), RedisCommand("GET", "a")])
        try h.reply("+OK\r\n")
        h.loop.advanceTime(by: .milliseconds(1100))
        let results = try XCTUnwrap(sent.results)
        XCTAssertEqual(try results[0].get(), .simpleString("OK"), "answered before the deadline: kept")
        for (index, name) in [(1, "INCR"), (2, "GET")] {
            guard case .timeout(.unknown)? = error(results[index])?.kind else { return XCTFail("\(results[index])") }
            XCTAssertEqual(error(results[index])?.command, name)
        }
        XCTAssertEqual(h.delegate.timedOut, 1)
        XCTAssertEqual(h.correlator.pendingCount, 0, "its callers were answered")
        XCTAssertEqual(h.correlator.repliesOwed, 2, "the server still owes two replies")
        let next = h.send(RedisCommand("GET", "z"))
        try h.reply(":1\r\n$1\r\n1\r\n$1\r\nz\r\n")
        XCTAssertEqual(try next.result?.get(), .bulkString(ByteBuffer(string: "z")), "the late replies went nowhere")
        XCTAssertEqual(h.correlator.repliesOwed, 0)
    }

    func testCancellingFailsTheUnansweredAsCancelledAndKeepsTheStreamInStep() throws {
        let h = NodeHarness()
        try h.handshake()
        let cancellation = CommandCancellation()
        let sent = sendBatch(h, [RedisCommand("GET", "a"), RedisCommand("SET", "b", "1"), RedisCommand("GET", "c")],
                             cancellation: cancellation)
        try h.reply("$1\r\n1\r\n")
        cancellation.cancel()
        h.loop.run()
        let results = try XCTUnwrap(sent.results)
        XCTAssertEqual(try results[0].get(), .bulkString(ByteBuffer(string: "1")))
        XCTAssertEqual(error(results[1])?.kind, .cancelled)
        XCTAssertEqual(error(results[1])?.command, "SET")
        XCTAssertEqual(error(results[2])?.kind, .cancelled)
        XCTAssertEqual(h.correlator.pendingCount, 0)
        let next = h.send(RedisCommand("GET", "z"))
        try h.reply("+OK\r\n$1\r\n3\r\n$1\r\nz\r\n")
        XCTAssertEqual(try next.result?.get(), .bulkString(ByteBuffer(string: "z")))
    }

    func testALostConnectionReturnsTheReadsAndFailsTheWritesThatMayHaveRun() throws {
        let h = NodeHarness()
        try h.handshake()
        let sent = sendBatch(h, [RedisCommand("SET", "a", "1"), RedisCommand("GET", "a"), RedisCommand("SET", "b", "2")])
        try h.reply("+OK\r\n")
        h.channel.closeFromPeer()
        XCTAssertEqual(h.delegate.returned.map(\.command.name), ["GET"], "the read may run again elsewhere")
        XCTAssertEqual(h.delegate.returned.map(\.wasSent), [true])
        XCTAssertNil(sent.results, "the returned read is still unanswered")
        h.delegate.returned[0].handler.complete(.success(.bulkString(ByteBuffer(string: "1"))))
        let results = try XCTUnwrap(sent.results)
        XCTAssertEqual(try results[0].get(), .simpleString("OK"))
        XCTAssertEqual(try results[1].get(), .bulkString(ByteBuffer(string: "1")))
        guard case .connectionClosed(.unknown)? = error(results[2])?.kind else { return XCTFail("\(results[2])") }
        XCTAssertEqual(error(results[2])?.command, "SET")
    }

    func testABatchThatNeverLeftIsReturnedWholeAsNotSent() throws {
        let h = NodeHarness()
        try h.handshake()
        h.channel.holdFlushes = true
        let sent = sendBatch(h, [RedisCommand("SET", "a", "1"), RedisCommand("INCR", "b")])
        h.channel.closeFromPeer()
        XCTAssertEqual(h.delegate.returned.map(\.command.name), ["SET", "INCR"])
        XCTAssertEqual(h.delegate.returned.map(\.wasSent), [false, false])
        XCTAssertNil(sent.results)
    }

    func testCommandsWithARoleOfTheirOwnGoOneByOne() throws {
        let h = NodeHarness()
        try h.handshake()
        let sent = sendBatch(h, [RedisCommand("MULTI"), RedisCommand("INCR", "a"), RedisCommand("EXEC")])
        XCTAssertEqual(h.written().count, 3, "a transaction is not one batch entry")
        try h.reply("+OK\r\n+QUEUED\r\n*1\r\n:1\r\n")
        let results = try XCTUnwrap(sent.results)
        XCTAssertEqual(try results[2].get(), .array([.integer(1)]))
    }

    func testABatchBeforeTheHandshakeWaitsCommandByCommand() throws {
        let h = NodeHarness()
        let sent = sendBatch(h, [RedisCommand("GET", "a"), RedisCommand("GET", "b")])
        try h.handshake()
        XCTAssertEqual(h.written().count, 2)
        try h.reply("$1\r\n1\r\n$1\r\n2\r\n")
        XCTAssertEqual(try sent.results?.map { try $0.get() }, [.bulkString(ByteBuffer(string: "1")), .bulkString(ByteBuffer(string: "2"))])
    }

    func testABatchOverThePendingLimitFailsOnlyTheExcess() throws {
        let h = NodeHarness(maxPending: 2)
        try h.handshake()
        let sent = sendBatch(h, [RedisCommand("GET", "a"), RedisCommand("GET", "b"), RedisCommand("GET", "c")])
        try h.reply("$1\r\n1\r\n$1\r\n2\r\n")
        let results = try XCTUnwrap(sent.results)
        XCTAssertEqual(try results[1].get(), .bulkString(ByteBuffer(string: "2")))
        guard case .tooManyPendingCommands(limit: 2)? = error(results[2])?.kind else { return XCTFail("\(results[2])") }
    }
}
