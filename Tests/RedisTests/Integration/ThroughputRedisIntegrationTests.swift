import RESP
import Synchronization
import SwiftEV
import XCTest
@testable import Redis

/// Large values, deep pipelines and concurrent tasks against real nodes: every reply must
/// reach the command it answers.
final class ThroughputRedisIntegrationTests: RedisIntegrationTestCase {
    // MARK: 1 MB values

    /// A random 1 MB binary value (CR, LF, NUL inside) comes back byte for byte, over RESP3 and
    /// RESP2, from the standalone node and every cluster node (replicas read it after WAIT).
    func testOneMegabyteBinaryValueRoundTripsOnEveryNode() async throws {
        for node in try await allNodes() {
            for proto in [3, 2] {
                let ctx = "\(node), RESP\(proto)"
                let value = randomBytes(1 << 20)
                let key = node.key("big:\(proto)")
                let writer = try await connect(port: node.primaryPort) { $0.protocolVersion = proto }
                try await expectEqual(await writer.send("SET", key, value), .simpleString("OK"), ctx)
                let reader: RedisConnection
                if node.role == .replica {
                    try await waitForReplica(writer)
                    reader = try await connect(port: node.port) { $0.protocolVersion = proto; $0.readOnly = true }
                } else {
                    reader = writer
                }
                let back = try await reader.send("GET", key, as: ByteBuffer.self)
                XCTAssertEqual(back.readableBytes, value.readableBytes, ctx)
                XCTAssertTrue(back == value, "\(ctx): the value read back differs")
                try await expectEqual(await reader.send("STRLEN", key, as: Int.self), 1 << 20, ctx)
                // Many large values in one pipeline, each to its own key, read back in one pipeline.
                if node.role != .replica {
                    let values = (0..<4).map { _ in randomBytes(1 << 20) }
                    let sets = await writer.pipeline(values.indices.map { RedisCommand("SET", node.key("big:\(proto):\($0)"), values[$0]) })
                    for reply in sets { XCTAssertEqual(try reply.get(), .simpleString("OK"), ctx) }
                    let gets = await writer.pipeline(values.indices.map { RedisCommand("GET", node.key("big:\(proto):\($0)")) })
                    for (reply, expected) in zip(gets, values) {
                        XCTAssertTrue(try reply.get().decode(as: ByteBuffer.self) == expected, "\(ctx): pipelined 1 MB value differs")
                    }
                }
                writer.close()
                reader.close()
            }
        }
    }

    // MARK: 10,000 in flight

    /// `pipeline` of 10,000 mixed commands (SET k_i i, GET k_i, INCR c): each reply is its own
    /// command's, in order. On the standalone node and on each cluster primary.
    func testPipelineOfTenThousandCommandsKeepsEveryReplyWithItsCommand() async throws {
        let nodes = try await allNodes().filter { $0.role != .replica }
        for node in nodes {
            let connection = try await connect(port: node.port)
            let counter = node.key("pipeline:counter")
            var commands: [RedisCommand] = []
            commands.reserveCapacity(10_000)
            var i = 0
            while commands.count < 10_000 {
                switch commands.count % 3 {
                case 0: commands.append(RedisCommand("SET", node.key("pipeline:\(i)"), "value-\(i)"))
                case 1: commands.append(RedisCommand("GET", node.key("pipeline:\(i)")))
                default: commands.append(RedisCommand("INCR", counter)); i += 1
                }
            }
            let replies = await connection.pipeline(commands)
            XCTAssertEqual(replies.count, 10_000)
            var increments = 0
            var mismatches = 0
            for (index, reply) in replies.enumerated() {
                let expected: RESPValue
                switch index % 3 {
                case 0: expected = .simpleString("OK")
                case 1: expected = .bulkString(ByteBuffer(string: "value-\(index / 3)"))
                default: increments += 1; expected = .integer(Int64(increments))
                }
                if (try? reply.get()) != expected {
                    mismatches += 1
                    if mismatches <= 5 { XCTFail("\(node): reply \(index) to \(commands[index].name) is \(reply), expected \(expected)") }
                }
            }
            XCTAssertEqual(mismatches, 0, "\(node)")
            try await expectEqual(await connection.send("GET", counter, as: Int.self), increments, "\(node)")
            try await expectEqual(await pendingCount(connection), 0)
            connection.close()
        }
    }

    /// A window of 500 commands kept full from the reply callbacks (each reply issues the next
    /// command while the rest of the read is still being decoded), 20,000 INCRs in all: with
    /// that much in flight the correlator sends early, in the middle of a read, and still every
    /// reply is its own command's: 1...20,000 in the order issued. A probe stage behind the
    /// decoder sees the channel's started-write count grow within one read batch: only an early
    /// send can do that (the deferred flush runs after the batch, at the end of the iteration).
    func testWindowRefilledFromReplyCallbacksSendsEarlyAndKeepsOrder() async throws {
        let (connection, probe) = try await connectWithReadBatchProbe(port: environment.standalonePort)
        let counter = "swiftev:it:\(runID):window:counter"
        let total = 20_000, window = 500

        final class Window: @unchecked Sendable {  // only touched on the loop
            var issued = 0
            var replies: [Int64] = []
        }
        let state = Window()
        let done = connection.eventLoop.makePromise(of: Void.self)
        try await connection.eventLoop.submit {
            func issue() {
                state.issued += 1
                connection.submit(RedisCommand("INCR", counter)) { result in
                    state.replies.append((try? result.get().decode(as: Int64.self)) ?? -1)
                    if state.issued < total { issue() }
                    if state.replies.count == total { done.succeed() }
                }
            }
            for _ in 0..<window { issue() }
        }.get()
        try await done.futureResult.get()

        let (replies, earlySends) = try await connection.eventLoop.submit { (state.replies, probe.sendsWithinReadBatches) }.get()
        XCTAssertEqual(replies.count, total)
        XCTAssertEqual(replies, (1...Int64(total)).map { $0 }, "each INCR reply in the order issued")
        XCTAssertGreaterThan(earlySends, 0, "with 500 in flight, commands must leave in the middle of a read batch")
        try await expectEqual(await pendingCount(connection), 0)
        connection.close()
    }

    /// Sees writes leave while a read batch is still being handled. Loop-confined.
    final class ReadBatchProbe: InboundOnlyStage, @unchecked Sendable {
        // @unchecked: created on the test's task before the channel exists, then only used on
        // the channel's loop.
        typealias InboundIn = RESPValue
        typealias OutboundIn = ByteBuffer

        private var startedAtBatchStart: UInt64?
        private(set) var sendsWithinReadBatches = 0

        func channelRead(context: Context, data: RESPValue) {
            let started = context.channel.outboundWritesStarted
            if let base = startedAtBatchStart, started > base { sendsWithinReadBatches += 1 }
            startedAtBatchStart = started
            context.fireRead(data)
        }

        func channelReadComplete(context: Context) {
            startedAtBatchStart = nil
            context.fireReadComplete()
        }
    }

    /// A `RedisConnection` whose pipeline has `ReadBatchProbe` right after the decoder.
    private func connectWithReadBatchProbe(port: Int) async throws -> (RedisConnection, ReadBatchProbe) {
        let loop = self.loop, host = self.host
        let probe = ReadBatchProbe()
        let connection = try await loop.submit { () -> EventLoopFuture<RedisConnection> in
            let node = "\(host):\(port)"
            let configuration = RedisConnectionConfiguration()
            let ready = loop.makePromise(of: RedisServerInfo.self)
            let correlator = CommandCorrelator(node: node, timeout: configuration.commandTimeout, ready: ready)
            let connected = TCPClient(loop: loop).connect(on: loop, host: host, port: port) { pipeline in
                pipeline
                    .adding(RESPDecodingStage(node: node))
                    .adding(probe)
                    .adding(HandshakeStage(configuration.handshake, node: node, timeout: configuration.commandTimeout))
                    .adding(RedirectStage(currentHost: host))
                    .adding(correlator)
            }
            return connected.flatMap { channel in
                ready.futureResult.map { info in
                    RedisConnection(eventLoop: loop, channel: channel, node: node, serverInfo: info, correlator: correlator)
                }
            }
        }.get().get()
        return (connection, probe)
    }

    /// 10,000 `submit` calls from the loop, all issued before any reply can be read (the loop is
    /// busy issuing them): half with the future API, half with the callback API, interleaved.
    /// INCR returns 1...10,000 in the order issued, and GET after SET sees each value.
    func testTenThousandSubmitsFromTheLoopBeforeAnyReply() async throws {
        let connection = try await connect(port: environment.standalonePort)
        let counter = "swiftev:it:\(runID):submit:counter"
        let key = "swiftev:it:\(runID):submit:k"
        let total = 10_000

        // Completions in the order they happen; only touched on the loop.
        final class Log: @unchecked Sendable {
            var completions: [(Int, RESPValue?)] = []
            var issuing = true
            var repliesWhileIssuing = 0
        }
        let log = Log()
        let done = connection.eventLoop.makePromise(of: Void.self)
        let (startedWhileIssuing, completedWhileIssuing, pendingAfterIssuing) = try await connection.eventLoop.submit { () -> (UInt64, Int, Int) in
            let startedBefore = connection.channel.outboundWritesStarted
            log.completions.reserveCapacity(total)
            func record(_ index: Int, _ result: Result<RESPValue, any Error>) {
                if log.issuing { log.repliesWhileIssuing += 1 }
                log.completions.append((index, try? result.get()))
                if log.completions.count == total { done.succeed() }
            }
            for index in 0..<total {
                let command = index % 4 == 3 ? RedisCommand("SET", key, index) : RedisCommand("INCR", counter)
                if index.isMultiple(of: 2) {
                    connection.submit(command).whenComplete { record(index, $0) }
                } else {
                    connection.submit(command) { record(index, $0) }
                }
            }
            log.issuing = false
            return (connection.channel.outboundWritesStarted - startedBefore, log.repliesWhileIssuing, connection.pendingCommandCount)
        }.get()
        // The loop cannot read a reply while it issues (one thread), so that needs no check; what
        // can fail is whether the commands already left while it was still issuing: the window is
        // far past the early-flush limit, so the server must get work before the last is queued.
        XCTAssertGreaterThan(startedWhileIssuing, 0, "commands were sent while the loop was still issuing")
        XCTAssertEqual(completedWhileIssuing, 0, "no command was refused at once (a refusal completes inside submit)")
        XCTAssertEqual(pendingAfterIssuing, total, "all 10,000 queued or in flight at once")

        try await done.futureResult.get()
        let completions = try await connection.eventLoop.submit { log.completions }.get()
        XCTAssertEqual(completions.map(\.0), Array(0..<total), "replies complete in the order the commands were issued")
        var increments: Int64 = 0
        var mismatches = 0
        for (index, reply) in completions {
            let expected: RESPValue
            if index % 4 == 3 {
                expected = .simpleString("OK")
            } else {
                increments += 1
                expected = .integer(increments)
            }
            if reply != expected {
                mismatches += 1
                if mismatches <= 5 { XCTFail("reply \(index) is \(String(describing: reply)), expected \(expected)") }
            }
        }
        XCTAssertEqual(mismatches, 0)
        try await expectEqual(await connection.send("GET", counter, as: Int64.self), increments)
        try await expectEqual(await connection.send("GET", key, as: Int.self), total - 1, "the last SET wins")
        connection.close()
    }

    // MARK: Concurrent tasks

    /// 8 tasks share one connection, each sending 1,000 commands one after the other (its own
    /// counter with INCR, and ECHO of a text naming the task and step). Every reply is its own.
    func testEightTasksSendingConcurrentlyOnOneConnectionEachGetTheirOwnReplies() async throws {
        let primary = try await clusterTestNodes().first { $0.role == .primary }!
        for (port, tag) in [(environment.standalonePort, nil), (primary.port, primary.tag)] as [(Int, String?)] {
            let node = tag == nil ? "standalone" : "cluster primary \(port)"
            let connection = try await connect(port: port)
            let wrong = try await withThrowingTaskGroup(of: [String].self) { group in
                for task in 0..<8 {
                    group.addTask {
                        var wrong: [String] = []
                        let counter = tag.map { "{\($0)}:it:\(runID):tasks:\(task)" } ?? "swiftev:it:\(runID):tasks:\(task)"
                        for step in 1...500 {
                            let n = try await connection.send("INCR", counter, as: Int.self)
                            if n != step { wrong.append("task \(task): INCR #\(step) returned \(n)") }
                            let text = "task \(task) step \(step)"
                            let echoed = try await connection.send("ECHO", text, as: String.self)
                            if echoed != text { wrong.append("task \(task): ECHO \(text) returned \(echoed)") }
                        }
                        return wrong
                    }
                }
                var all: [String] = []
                for try await wrong in group { all += wrong }
                return all
            }
            XCTAssertEqual(wrong, [], "\(node): \(wrong.prefix(5))")
            try await expectEqual(await pendingCount(connection), 0)
            connection.close()
        }
    }
}
