import RESP
import SwiftEV
import SwiftEVTesting
import XCTest
@testable import Redis

/// The correlator's queues (`MoveRing`): order under growth and wrap-around, removal from the
/// middle, and commands handed back exactly as they were handed over.
final class CorrelatorQueueTests: XCTestCase {
    /// Replies arrive while more commands are sent, so the ring wraps, then grows while wrapped.
    func testRepliesStayInOrderAcrossWrapAroundAndGrowth() throws {
        let h = NodeHarness(handshake: false, maxPending: 1_000)
        var futures: [EventLoopFuture<RESPValue>] = []
        var answered = 0
        for round in 0..<6 {
            for index in 0..<(10 + round * 9) {
                futures.append(h.send(RedisCommand("GET", "k\(round)-\(index)")))
            }
            // Answer all but a few, so the next round's commands sit behind the head.
            let toAnswer = futures.count - answered - 3
            for _ in 0..<toAnswer {
                try h.reply(":\(answered)\r\n")
                answered += 1
            }
        }
        while answered < futures.count {
            try h.reply(":\(answered)\r\n")
            answered += 1
        }
        for (index, future) in futures.enumerated() {
            XCTAssertEqual(try future.result?.get(), .integer(Int64(index)), "reply \(index) went to its own command")
        }
        XCTAssertEqual(h.correlator.pendingCount, 0)
    }

    /// Held for the handshake, one command in the middle is cancelled: the others go out in order.
    func testCancellingAHeldCommandKeepsTheOthersInOrder() throws {
        let h = NodeHarness()
        _ = h.written()
        let cancellation = CommandCancellation()
        var futures: [EventLoopFuture<RESPValue>] = []
        for index in 0..<5 {
            let promise = h.loop.makePromise(of: RESPValue.self)
            let handler: ReplyHandler = index == 2 ? .promise(promise, cancellation: cancellation) : .promise(promise)
            h.correlator.send(RedisCommand("GET", "k\(index)"), handler: handler)
            futures.append(promise.futureResult)
        }
        cancellation.cancel()
        h.loop.run()
        guard case .failure(let error)? = futures[2].result, error is CancellationError else {
            return XCTFail("the held command was withdrawn: \(String(describing: futures[2].result))")
        }
        try h.reply("%2\r\n+proto\r\n:3\r\n+version\r\n+7.0.15\r\n")
        let sent = h.written().joined()
        XCTAssertEqual(sent, ["k0", "k1", "k3", "k4"].map { "*2\r\n$3\r\nGET\r\n$2\r\n\($0)\r\n" }.joined())
        for index in [0, 1, 3, 4] { try h.reply("$2\r\nv\(index)\r\n") }
        for index in [0, 1, 3, 4] {
            XCTAssertEqual(try futures[index].result?.get(), .bulkString(ByteBuffer(string: "v\(index)")))
        }
    }

    /// A pinned command (a topology probe, `WAIT` after a write) must come back pinned, with its
    /// redirections and deadline, or the cluster layer would send it to another node and take
    /// that node's answer for this one's.
    func testHandedBackCommandsKeepWhatTheyWereHandedOverWith() throws {
        let h = NodeHarness(handshake: false)
        let deadline = h.loop.now + .seconds(5)
        var moved = PendingCommand(command: RedisCommand("GET", "k"), handler: .discard, deadline: deadline,
                                   redirections: [.tryAgain("slot busy")])
        moved.pinned = true
        h.correlator.send(moved)
        try h.reply("-MOVED 1 127.0.0.1:7002\r\n")
        let redirected = try XCTUnwrap(h.delegate.redirected.first?.0)
        XCTAssertTrue(redirected.pinned)
        XCTAssertEqual(redirected.redirections, [.tryAgain("slot busy")])
        XCTAssertEqual(redirected.deadline, deadline)

        h.correlator.send(moved)
        h.channel.closeFromPeer()
        let returned = try XCTUnwrap(h.delegate.returned.first)
        XCTAssertEqual(returned.command.name, "GET")
        XCTAssertTrue(returned.pinned)
        XCTAssertTrue(returned.wasSent, "read-only, written, then lost")
        XCTAssertEqual(returned.redirections, [.tryAgain("slot busy")])
        XCTAssertEqual(returned.deadline, deadline)
    }

    /// An error reply that is a redirect goes to the delegate, its empty host read as the host
    /// connected to (the RedirectStage's "test"); any other error reply, even one that starts
    /// like a redirect, is the command's server error.
    func testSortsRedirectsFromServerErrors() throws {
        let h = NodeHarness(handshake: false)
        h.correlator.send(PendingCommand(command: RedisCommand("GET", "k"), handler: .discard))
        try h.reply("-MOVED 3999 :6380\r\n")
        XCTAssertEqual(h.delegate.redirected.first?.1, .moved(slot: 3999, host: "test", port: 6380))

        let failed = h.send(RedisCommand("GET", "k"))
        try h.reply("-MOVEDX 3999 :6380\r\n")
        XCTAssertThrowsError(try XCTUnwrap(failed.result).get()) { error in
            guard case .server(let reply)? = (error as? RedisError)?.kind else { return XCTFail("\(error)") }
            XCTAssertEqual(reply.code, "MOVEDX")
        }
        XCTAssertEqual(h.delegate.redirected.count, 1)
    }
}
