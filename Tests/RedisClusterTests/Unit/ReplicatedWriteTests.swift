import Redis
import RESP
import SwiftEV
import SwiftEVTesting
import XCTest
@testable import RedisCluster

/// A write with its `WAIT` as one unit (`submit(_:waitingForReplicas:timeout:onReply:)`): the
/// classification of the two replies as a plain value, and the coordinator on scripted nodes,
/// where a redirect sends both again to the node named and the old owner's count is dropped.
final class ReplicatedWriteTests: XCTestCase {
    let ok: Result<RESPValue, any Error> = .success(.simpleString("OK"))
    let ask = Redirection.ask(slot: 5, host: "127.0.0.1", port: 7002)

    func fail(_ kind: RedisError.Kind) -> Result<RESPValue, any Error> { .failure(RedisError(kind, node: "127.0.0.1:7000")) }

    func testOutcomes() {
        guard case .confirmed(let reply, let replicas) = ReplicatedWriteOutcome(write: ok, wait: .success(.integer(1))) else { return XCTFail() }
        XCTAssertEqual(reply, .simpleString("OK"))
        XCTAssertEqual(replicas, 1)
        guard case .confirmed(_, 0) = ReplicatedWriteOutcome(write: ok, wait: .success(.integer(0))) else { return XCTFail("timeout passed: 0") }
        // A redirected write did not run: the count the old owner gave is about other writes.
        guard case .notExecuted(let redirection) = ReplicatedWriteOutcome(write: fail(.redirected(ask)), wait: .success(.integer(1))) else {
            return XCTFail()
        }
        XCTAssertEqual(redirection, ask)
        guard case .notSent = ReplicatedWriteOutcome(write: fail(.connectionClosed(.notSent)), wait: fail(.connectionClosed(.notSent))) else {
            return XCTFail("never written: send again")
        }
        guard case .failed = ReplicatedWriteOutcome(write: fail(.connectionClosed(.unknown)), wait: fail(.connectionClosed(.notSent))) else {
            return XCTFail("written, no reply: outcome unknown, never re-sent")
        }
        guard case .failed = ReplicatedWriteOutcome(write: fail(.server(RESPServerError(text: "WRONGTYPE x"))), wait: .success(.integer(1))) else {
            return XCTFail()
        }
        guard case .unconfirmed = ReplicatedWriteOutcome(write: ok, wait: fail(.timeout(.unknown))) else { return XCTFail("ran, count unknown") }
        guard case .unconfirmed = ReplicatedWriteOutcome(write: ok, wait: .success(.simpleString("?"))) else { return XCTFail() }
    }

    /// `WAIT n 0` waits for ever on the shared connection: a timeout under a millisecond must
    /// not become 0. Whole milliseconds, rounded up, at least 1.
    func testWaitTimeoutIsAtLeastOneMillisecond() {
        func run(_ timeout: TimeAmount) -> ReplicatedWriteRun {
            ReplicatedWriteRun(write: RedisCommand("SET", "k", "v"), slot: nil, replicas: 2, waitTimeout: timeout,
                               deadline: Deadline.now() + .seconds(1)) { _ in }
        }
        let cases: [(TimeAmount, Int)] = [
            (.zero, 1), (.nanoseconds(-5), 1), (.milliseconds(-20), 1), (.microseconds(300), 1), (.milliseconds(1), 1),
            (.microseconds(1_500), 2), (.milliseconds(500), 500), (.seconds(3), 3_000),
        ]
        for (timeout, milliseconds) in cases {
            let made = run(timeout)
            XCTAssertEqual(made.wait.bytes, RedisCommand("WAIT", 2, milliseconds).bytes, "\(timeout)")
            // The reply deadline allows for the wait the server is actually asked for.
            XCTAssertEqual(made.waitTimeout, .milliseconds(Int64(milliseconds)), "\(timeout)")
        }
    }

    // MARK: On scripted nodes

    var cluster: ScriptedCluster!
    var coordinator: ClusterCoordinator!
    var result: Result<ReplicatedReply, any Error>?

    func start() throws {
        cluster = try ScriptedCluster()
        coordinator = cluster.readyCoordinator()
        XCTAssertNotNil(coordinator.topology)
    }

    func submit(_ write: RedisCommand, slot: Int) {
        coordinator.replicatedWrite(ReplicatedWriteRun(write: write, slot: slot, replicas: 1, waitTimeout: .milliseconds(500),
                                                       deadline: cluster.loop.now + .seconds(10)) { [unowned self] in result = $0 })
        cluster.loop.run()
    }

    /// The node's connection, once the coordinator dialled it (a probe `PING` answered).
    func connected(_ endpoint: ClusterEndpoint) throws -> ScriptedNode {
        cluster.loop.run()
        let node = try XCTUnwrap(cluster.nodes[endpoint], "\(endpoint) dialled")
        while node.answer("PING", with: .simpleString("PONG")) { cluster.loop.run() }
        return node
    }

    func testAfterAskBothGoToTheImportingNodeAndItsCountIsTheAnswer() throws {
        try start()
        let key = "user:42"
        let slot = HashSlot.slot(forKey: key)
        let owner = try XCTUnwrap(cluster.owner(ofSlot: slot))
        let importing = try XCTUnwrap(cluster.topology.shards.first { $0.primary.endpoint != owner.endpoint }?.primary.endpoint)
        submit(RedisCommand("SET", key, "v"), slot: slot)
        XCTAssertEqual(owner.received.map(\.command.name), ["SET", "WAIT"], "one batch on the owner's connection")
        XCTAssertTrue(owner.received.allSatisfy(\.pinned))

        let ask = Redirection.ask(slot: slot, host: importing.host, port: importing.port)
        XCTAssertTrue(owner.redirect("SET", ask))
        XCTAssertTrue(owner.answer("WAIT", with: .integer(1)), "the owner counts its connection's earlier writes")
        cluster.loop.run()
        XCTAssertNil(result, "not an answer: the write did not run there")

        let target = try connected(importing)
        XCTAssertEqual(target.received.map(\.command.name), ["SET", "WAIT"])
        XCTAssertEqual(target.received.first?.asking, true, "ASKING before the write")
        XCTAssertTrue(target.answer("SET", with: .simpleString("OK")))
        XCTAssertTrue(target.answer("WAIT", with: .integer(0)), "no replica of the importing node has it yet")
        cluster.loop.run()
        guard case .success(let answer)? = result else { return XCTFail("\(String(describing: result))") }
        XCTAssertEqual(answer.node, importing.description)
        XCTAssertEqual(try answer.replicas.get(), 0, "the importing node's count, not the owner's 1")
        XCTAssertFalse(answer.isConfirmed(by: 1))
        XCTAssertEqual(coordinator.statistics.askFollowed, 1)
    }

    func testAWriteLostAfterItWasWrittenIsUnknownAndNotSentAgain() throws {
        try start()
        let key = "counter"
        let slot = HashSlot.slot(forKey: key)
        let owner = try XCTUnwrap(cluster.owner(ofSlot: slot))
        submit(RedisCommand("INCR", key), slot: slot)
        let write = try XCTUnwrap(owner.take("INCR"))
        let wait = try XCTUnwrap(owner.take("WAIT"))
        write.handler.complete(.failure(RedisError(.connectionClosed(.unknown), node: owner.endpoint.description)))
        wait.handler.complete(.failure(RedisError(.connectionClosed(.notSent), node: owner.endpoint.description)))
        cluster.loop.advanceTime(by: .seconds(1))
        guard case .failure(let error as RedisError)? = result else { return XCTFail("\(String(describing: result))") }
        XCTAssertEqual(error.kind, .connectionClosed(.unknown))
        XCTAssertTrue(cluster.nodes.values.allSatisfy { $0.take("INCR") == nil }, "never sent again")
    }
}
