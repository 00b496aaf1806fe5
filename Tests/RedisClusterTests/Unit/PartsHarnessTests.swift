import Redis
import RESP
import SwiftEV
import SwiftEVTesting
import XCTest
@testable import RedisCluster

/// The coordinator's fan-outs and transactions against scripted nodes: what a real cluster
/// does not do on demand (a node returning one part, EXEC unanswered at a chosen moment).
final class PartsHarnessTests: XCTestCase {
    var cluster: ScriptedCluster!
    var coordinator: ClusterCoordinator!

    override func setUp() async throws {
        cluster = try ScriptedCluster()
        coordinator = cluster.readyCoordinator()
        XCTAssertNotNil(coordinator.topology)
    }

    var primaries: [ScriptedNode] { cluster.topology.shards.compactMap { cluster.nodes[$0.primary.endpoint] } }

    func testAReturnedFanOutPartFailsInsteadOfRunningOnAnotherNode() throws {
        var result: Result<RESPValue, any Error>?
        coordinator.submit(PendingCommand(command: RedisCommand("DBSIZE"), handler: .callback(on: cluster.loop) { result = $0 }))
        cluster.loop.run()
        let nodes = primaries
        XCTAssertEqual(nodes.count, 3)
        XCTAssertTrue(nodes[0].answer("DBSIZE", with: .integer(5)))
        XCTAssertTrue(nodes[1].redirect("DBSIZE", .tryAgain("busy")))
        // The third node's connection is lost with the part unsent.
        let part = try XCTUnwrap(nodes[2].take("DBSIZE"))
        nodes[2].delegate?.nodeChannel(nodes[2].correlator, returned: [part],
                                       cause: RedisError(.connectionClosed(.notSent), node: nodes[2].endpoint.description))
        cluster.loop.run()
        cluster.loop.advanceTime(by: .seconds(1))
        for node in nodes { XCTAssertNil(node.take("DBSIZE"), "no part sent again, anywhere: a shard counted twice is a wrong sum") }
        guard case .failure(let error as ClusterPartialFailure)? = result else { return XCTFail("\(String(describing: result))") }
        XCTAssertEqual(error.succeeded, [nodes[0].endpoint.description])
        XCTAssertEqual(Set(error.failures.map(\.target)), [nodes[1].endpoint.description, nodes[2].endpoint.description])
    }

    func testTransactionMovedIsResentWholeToTheNewOwner() throws {
        let key = "{t}k"
        let slot = HashSlot.slot(forKey: key)
        let owner = try XCTUnwrap(cluster.owner(ofSlot: slot))
        let target = try XCTUnwrap(primaries.first { $0 !== owner })
        var result: Result<(replies: [RESPValue]?, node: ClusterEndpoint), any Error>?
        coordinator.transaction(TransactionRun(plan: try TransactionPlan([RedisCommand("INCR", key)]),
                                               deadline: cluster.loop.now + .seconds(5)) { result = $0 })
        cluster.loop.run()
        let moved = Redirection.moved(slot: slot, host: target.endpoint.host, port: target.endpoint.port)
        XCTAssertTrue(owner.answer("MULTI", with: .simpleString("OK")))
        try fail(owner, "INCR", .redirectedInTransaction(moved))
        try fail(owner, "EXEC", .redirectedInTransaction(moved))
        cluster.loop.run()
        XCTAssertNil(result, "nothing ran: sent again")
        XCTAssertEqual(target.received.map(\.command.name), ["MULTI", "INCR", "EXEC"], "as one batch, in order")
        XCTAssertTrue(target.answer("MULTI", with: .simpleString("OK")))
        XCTAssertTrue(target.answer("INCR", with: .simpleString("QUEUED")))
        XCTAssertTrue(target.answer("EXEC", with: .array([.integer(1)])))
        guard case .success(let answer)? = result else { return XCTFail("\(String(describing: result))") }
        XCTAssertEqual(answer.replies, [.integer(1)])
        XCTAssertEqual(answer.node, target.endpoint)
        XCTAssertEqual(coordinator.topology?.shard(forSlot: slot)?.primary.endpoint, target.endpoint, "slot patched")
    }

    func testUnansweredExecIsUnknownAndNotResent() throws {
        let key = "{t}k"
        let owner = try XCTUnwrap(cluster.owner(ofSlot: HashSlot.slot(forKey: key)))
        var result: Result<(replies: [RESPValue]?, node: ClusterEndpoint), any Error>?
        coordinator.transaction(TransactionRun(plan: try TransactionPlan([RedisCommand("INCR", key)]),
                                               deadline: cluster.loop.now + .seconds(5)) { result = $0 })
        cluster.loop.run()
        XCTAssertTrue(owner.answer("MULTI", with: .simpleString("OK")))
        XCTAssertTrue(owner.answer("INCR", with: .simpleString("QUEUED")))
        try fail(owner, "EXEC", .connectionClosed(.unknown))
        cluster.loop.run()
        cluster.loop.advanceTime(by: .seconds(1))
        for node in primaries {
            // (Topology queries may come and go; no command of the transaction may.)
            XCTAssertEqual(node.received.map(\.command.name).filter { $0 != "CLUSTER" }, [], "nothing sent again")
        }
        guard case .failure(let error as ClusterTransactionError)? = result else { return XCTFail("\(String(describing: result))") }
        XCTAssertEqual(error.kind, .outcomeUnknown)
    }

    private func fail(_ node: ScriptedNode, _ word: String, _ kind: RedisError.Kind) throws {
        let pending = try XCTUnwrap(node.take(word))
        pending.handler.complete(.failure(RedisError(kind, node: node.endpoint.description, command: pending.command.name)))
    }
}
