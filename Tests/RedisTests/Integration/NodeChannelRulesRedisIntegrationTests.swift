import RESP
import SwiftEV
import Synchronization
import XCTest
@testable import Redis

/// The correlation rules of issue 7 (pub/sub, transactions, deadlines, cancellation, hand-over
/// between connections) against real Redis nodes.
final class NodeChannelRulesRedisIntegrationTests: RedisIntegrationTestCase {
    final class Pushes: Sendable {
        let values = Mutex<[RESPValue]>([])
        var count: Int { values.withLock { $0.count } }
    }

    /// Waits (bounded) until `condition` holds, checking on every pass through the loop.
    private func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<500 {
            if try await condition() { return }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        XCTFail("timed out waiting until \(what)")
    }

    private func subscribeThenCommandsKeepTheirReplies(protocolVersion: Int) async throws {
        let what = "RESP\(protocolVersion)"
        let subscriber = try await connect(port: environment.standalonePort) { $0.protocolVersion = protocolVersion }
        let publisher = try await connect(port: environment.standalonePort)
        XCTAssertEqual(subscriber.serverInfo.protocolVersion, protocolVersion)
        let pushes = Pushes()
        try await subscriber.eventLoop.submit { subscriber.setPushHandler { push in pushes.values.withLock { $0.append(push) } } }.get()
        let a = "swiftev:it:\(runID):ps:a:\(protocolVersion)", b = "swiftev:it:\(runID):ps:b:\(protocolVersion)"

        let replies = await subscriber.pipeline([RedisCommand("SUBSCRIBE", a, b), RedisCommand("PING", "after")])
        let confirmations = try replies[0].get().decode(as: [RESPValue].self)
        XCTAssertEqual(confirmations.count, 2, "\(what): one confirmation per channel")
        // Over RESP2 a subscribed connection answers PING with [pong, text].
        let ping = try replies[1].get()
        XCTAssertTrue(ping == .bulkString("after") || ping == .array([.bulkString("pong"), .bulkString("after")]), "\(what): \(ping)")

        try await expectEqual(await publisher.send("PUBLISH", a, "hello", as: Int.self), 1)
        try await waitUntil("the message arrived") { pushes.count == 1 }
        let message = try XCTUnwrap(pushes.values.withLock { $0.first }).decode(as: [String].self)
        XCTAssertEqual(message, ["message", a, "hello"], what)

        let unsubscribe = try await subscriber.send("UNSUBSCRIBE").decode(as: [RESPValue].self)
        XCTAssertEqual(unsubscribe.count, 2, "\(what): unsubscribe-all confirms each channel")
        let again = try await subscriber.send("UNSUBSCRIBE").decode(as: [RESPValue].self)
        XCTAssertEqual(again.count, 1, "\(what): with nothing subscribed, one confirmation")
        try await expectEqual(await subscriber.send("ECHO", "in step", as: String.self), "in step", what)
        try await expectEqual(await pendingCount(subscriber), 0)
        XCTAssertEqual(pushes.count, 1, "\(what): confirmations never reach the push handler")
    }

    func testSubscribeAndUnsubscribeKeepTheStreamInStepOverRESP3() async throws {
        try await subscribeThenCommandsKeepTheirReplies(protocolVersion: 3)
    }

    func testSubscribeAndUnsubscribeKeepTheStreamInStepOverRESP2() async throws {
        try await subscribeThenCommandsKeepTheirReplies(protocolVersion: 2)
    }

    /// On a cluster primary, MULTI then a SET for a key another primary owns: the server answers
    /// MOVED for the SET and EXECABORT for EXEC. Both fail with redirectedInTransaction and the
    /// delegate is never asked to move the SET on its own.
    func testMovedInsideMultiFailsTheTransactionOnARealCluster() async throws {
        let primaries = try await clusterTestNodes().filter { $0.role == .primary }
        let here = primaries[0], elsewhere = primaries[1]
        final class Delegate: NodeChannelDelegate, @unchecked Sendable {  // only touched on the loop
            var redirected = 0
            func nodeChannel(_ correlator: CommandCorrelator, redirected command: PendingCommand, by redirection: Redirection) {
                redirected += 1
                command.handler.complete(.failure(RedisError(.redirected(redirection), node: correlator.node)))
            }
            func nodeChannel(_ correlator: CommandCorrelator, returned commands: [PendingCommand], cause: RedisError) {}
        }
        let delegate = Delegate()
        let loop = self.loop, host = self.host
        let connection = try await loop.submit {
            RedisConnection.connectOnLoop(host: host, port: here.port, delegate: delegate, on: loop)
        }.get().get()
        let key = elsewhere.key("multi")
        let replies = await connection.pipeline([RedisCommand("MULTI"), RedisCommand("SET", key, "v"), RedisCommand("EXEC")])
        XCTAssertEqual(try replies[0].get(), .simpleString("OK"))
        for (index, name) in [(1, "SET"), (2, "EXEC")] {
            guard case .failure(let error as RedisError) = replies[index], case .redirectedInTransaction(.moved(_, _, elsewhere.port)) = error.kind else {
                XCTFail("\(name): expected redirectedInTransaction(MOVED to \(elsewhere.port)), got \(replies[index])")
                continue
            }
            XCTAssertEqual(error.node, "127.0.0.1:\(here.port)")
        }
        try await expectEqual(await loop.submit { delegate.redirected }.get(), 0)
        // Outside a transaction, the same MOVED goes to the delegate.
        let outside = await expectRedisError("GET outside the transaction") { try await connection.send("GET", key) }
        guard case .redirected(.moved)? = outside?.kind else { return XCTFail("\(String(describing: outside))") }
        try await expectEqual(await loop.submit { delegate.redirected }.get(), 1)
        connection.close()
    }

    /// A MOVED followed by the delegate through a connection on another loop: the command keeps
    /// its deadline and history, and its callback runs on the loop that issued it.
    func testRedirectFollowedThroughAConnectionOnAnotherLoopCompletesOnTheCallersLoop() async throws {
        let primaries = try await clusterTestNodes().filter { $0.role == .primary }
        let here = primaries[0], owner = primaries[1]
        let two = LibevEventLoopGroup(numberOfThreads: 2)
        defer { try? two.syncShutdown() }
        let callerLoop = two.next(), otherLoop = two.next()
        XCTAssertFalse(callerLoop === otherLoop)
        let target = try await RedisConnection.connect(host: host, port: owner.port, on: otherLoop)
        try await target.send("SET", owner.key("handover"), "value")

        final class Follower: NodeChannelDelegate, @unchecked Sendable {  // set up before use, then only on the caller's loop
            let target: RedisConnection
            init(target: RedisConnection) { self.target = target }
            func nodeChannel(_ correlator: CommandCorrelator, redirected command: PendingCommand, by redirection: Redirection) {
                var moved = command
                moved.redirections.append(redirection)
                let target = self.target, handed = moved
                target.eventLoop.execute { target.send(handed) }
            }
            func nodeChannel(_ correlator: CommandCorrelator, returned commands: [PendingCommand], cause: RedisError) {}
        }
        let follower = Follower(target: target)
        let host = self.host
        let connection = try await callerLoop.submit {
            RedisConnection.connectOnLoop(host: host, port: here.port, delegate: follower, on: callerLoop)
        }.get().get()
        let result = Mutex<(onCallerLoop: Bool, value: String?)?>(nil)
        let done = callerLoop.makePromise(of: Void.self)
        try await callerLoop.submit {
            connection.correlator.send(RedisCommand("GET", owner.key("handover")), handler: .callback(on: callerLoop) { reply in
                let value = try? reply.get().decode(as: String.self)
                result.withLock { $0 = (callerLoop.inEventLoop, value) }
                done.succeed()
            })
        }.get()
        try await done.futureResult.get()
        XCTAssertEqual(result.withLock { $0?.onCallerLoop }, true, "completed on the caller's loop, not the target's")
        XCTAssertEqual(result.withLock { $0?.value }, "value")
        connection.close()
        target.close()
    }

    /// A task blocked in `BLPOP key 0` is cancelled: it throws `.cancelled` at once; the BLPOP
    /// stays in the stream and its late reply (after an LPUSH) is dropped, not given to the
    /// next command.
    func testCancellingATaskBlockedInBLPOPThrowsOutcomeUnknownAndKeepsTheStreamInStep() async throws {
        let victim = try await connect(port: environment.standalonePort)
        let other = try await connect(port: environment.standalonePort)
        let list = "swiftev:it:\(runID):cancel:list"
        let blocked = Task { try await victim.send("BLPOP", list, 0) }
        try await waitUntil("BLPOP blocks on the server") {
            try await other.send("CLIENT", "LIST", "ID", victim.serverInfo.connectionID, as: String.self).contains("cmd=blpop")
        }
        blocked.cancel()
        do {
            let value = try await blocked.value
            XCTFail("BLPOP returned \(value) after cancellation")
        } catch let error as RedisError {
            XCTAssertEqual(error.kind, .cancelled, "\(error)")
            XCTAssertEqual(error.command, "BLPOP")
        }
        let next = Task { try await victim.send("ECHO", "mine", as: String.self) }
        try await expectEqual(await other.send("LPUSH", list, "x", as: Int.self), 1)
        try await expectEqual(await next.value, "mine", "the BLPOP reply was dropped, ECHO got its own")
        try await expectEqual(await other.send("LLEN", list, as: Int.self), 0, "the cancelled BLPOP did run: the outcome really was unknown")
    }

    /// `DEBUG SLEEP 2` with a 200 ms timeout and a 300 ms grace: the command times out, then
    /// the connection is closed as unresponsive (long before the server wakes up), and a later
    /// command fails with nodeUnresponsive, not sent.
    func testANodeThatStopsAnsweringIsClosedAsUnresponsive() async throws {
        let connection = try await connect(port: environment.standalonePort) {
            $0.commandTimeout = .milliseconds(200)
            $0.unresponsiveNodeGrace = .milliseconds(300)
        }
        let first = await expectRedisError("DEBUG SLEEP") { try await connection.send("DEBUG", "SLEEP", 2) }
        XCTAssertEqual(first?.kind, .timeout(.unknown))
        try await waitUntil("the connection is closed") { try await !connection.eventLoop.submit { connection.channel.isActive }.get() }
        let later = await expectRedisError("GET after the close") { try await connection.send("GET", "k") }
        XCTAssertEqual(later?.kind, .nodeUnresponsive(.notSent), "\(String(describing: later))")
        XCTAssertEqual(later?.node, "127.0.0.1:\(environment.standalonePort)")
        XCTAssertTrue(later.map { "\($0)".contains("unresponsive") } ?? false)
        // Let the server finish its sleep before the next test uses it.
        let probe = try await connect(port: environment.standalonePort)
        try await expectEqual(await probe.send("PING"), .simpleString("PONG"))
    }
}
