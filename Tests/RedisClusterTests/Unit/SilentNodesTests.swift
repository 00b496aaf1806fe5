import Redis
import RESP
import SwiftEV
import SwiftEVTesting
import XCTest
@testable import RedisCluster

/// A node that let a written command time out gets nothing more until it has answered and a
/// later refresh, asking the other nodes, confirmed who serves its slots.
final class SilentNodesTests: XCTestCase {
    let a = ClusterEndpoint(host: "127.0.0.1", port: 1)
    let b = ClusterEndpoint(host: "127.0.0.1", port: 2)
    let t0 = Deadline(uptimeNanoseconds: 1_000_000_000)

    func testTrustedAgainOnlyByARefreshStartedAfterItAnswered() {
        var nodes = SilentNodes()
        XCTAssertTrue(nodes.timedOut(a))
        XCTAssertTrue(nodes.isSuspect(a))
        XCTAssertEqual(nodes.refreshed(startedAt: t0), [], "a refresh while it is silent proves nothing")
        nodes.answered(a, at: t0 + .milliseconds(10))
        XCTAssertEqual(nodes.refreshed(startedAt: t0 + .milliseconds(5)), [], "that refresh started before it answered")
        XCTAssertTrue(nodes.isSuspect(a))
        XCTAssertEqual(nodes.refreshed(startedAt: t0 + .milliseconds(20)), [a])
        XCTAssertFalse(nodes.isSuspect(a))
        XCTAssertTrue(nodes.isEmpty)
    }

    /// Resumed, it answers; but the others still flag it failing (its replica's election may
    /// be under way): it stays suspect until a view no longer flags it.
    func testANodeTheOthersFlagFailingIsNotTrustedAgain() {
        var nodes = SilentNodes()
        nodes.timedOut(a)
        nodes.answered(a, at: t0)
        XCTAssertEqual(nodes.refreshed(startedAt: t0 + .milliseconds(10), failing: [a]), [])
        XCTAssertTrue(nodes.isSuspect(a))
        XCTAssertEqual(nodes.refreshed(startedAt: t0 + .milliseconds(20), failing: [b]), [a])
        XCTAssertFalse(nodes.isSuspect(a))
    }

    func testANewTimeoutCancelsAnEarlierAnswer() {
        var nodes = SilentNodes()
        nodes.timedOut(a)
        nodes.answered(a, at: t0)
        XCTAssertFalse(nodes.timedOut(a), "already suspect")
        XCTAssertEqual(nodes.silent, [a])
        XCTAssertEqual(nodes.refreshed(startedAt: t0 + .seconds(1)), [])
    }

    func testNodesThatLeftAreForgotten() {
        var nodes = SilentNodes()
        nodes.timedOut(a)
        nodes.timedOut(b)
        nodes.keepOnly([b])
        XCTAssertFalse(nodes.isSuspect(a))
        XCTAssertTrue(nodes.isSuspect(b))
    }
}

/// The coordinator around a silent primary, on scripted nodes.
final class SilentPrimaryHarnessTests: XCTestCase {
    var cluster: ScriptedCluster!
    var coordinator: ClusterCoordinator!
    var results: [Result<RESPValue, any Error>] = []

    override func setUp() async throws {
        cluster = try ScriptedCluster()
        coordinator = cluster.makeCoordinator { $0.commandTimeout = .seconds(5) }
        coordinator.start()
        cluster.answerTopologyQueries()
        cluster.answerTopologyQueries()
        XCTAssertNotNil(coordinator.topology)
    }

    func submitSET(_ key: String) {
        coordinator.submit(PendingCommand(command: RedisCommand("SET", key, "v"), handler: .callback(on: cluster.loop) { [unowned self] in
            results.append($0)
        }))
        cluster.loop.run()
    }

    func testWritesWaitUntilTheSilentPrimaryAnswersAndTheOthersConfirmIt() throws {
        let key = "k"
        let node = try XCTUnwrap(cluster.owner(ofSlot: HashSlot.slot(forKey: key)))
        coordinator.nodePool(coordinator.pool, timedOutOn: node.endpoint)
        cluster.loop.run()
        submitSET(key)
        XCTAssertNil(node.take("SET"), "not written to a node that let a command time out")
        XCTAssertEqual(coordinator.waiting.count, 1)

        // Refreshes while it is silent: the others still name it; the write keeps waiting.
        cluster.loop.advanceTime(by: .milliseconds(150))
        cluster.answerTopologyQueries(except: node.endpoint)
        XCTAssertNil(node.take("SHARDS"), "the silent node is not asked for the topology")
        XCTAssertNil(node.take("SET"))
        XCTAssertTrue(results.isEmpty)

        // Its probe is answered by another node's ID (a probe handed back and sent elsewhere):
        // proves nothing.
        XCTAssertTrue(node.answer("MYID", with: .bulkString(ByteBuffer(string: "another node's id"))))
        cluster.loop.advanceTime(by: .milliseconds(150))
        cluster.answerTopologyQueries(except: node.endpoint)
        XCTAssertNil(node.take("SET"), "still silent")

        // It answers with its own ID; the next refresh (asking the others) lets the write through.
        let id = try XCTUnwrap(cluster.topology.nodes.first { $0.endpoint == node.endpoint }?.id)
        XCTAssertTrue(node.answer("MYID", with: .bulkString(ByteBuffer(string: id))))
        for _ in 0..<2 {
            cluster.loop.advanceTime(by: .milliseconds(150))
            cluster.answerTopologyQueries(except: node.endpoint)
        }
        XCTAssertTrue(node.answer("SET", with: .simpleString("OK")), "written once it is trusted again")
        guard case .success? = results.first else { return XCTFail("\(results)") }
        XCTAssertTrue(coordinator.silentNodes.isEmpty)
    }

    func testWritesGoToTheNewPrimaryWhenTheOthersSayItWasReplaced() throws {
        let key = "k"
        let slot = HashSlot.slot(forKey: key)
        let shard = try XCTUnwrap(cluster.topology.shard(forSlot: slot))
        let old = try XCTUnwrap(cluster.nodes[shard.primary.endpoint])
        coordinator.nodePool(coordinator.pool, timedOutOn: old.endpoint)
        submitSET(key)
        XCTAssertNil(old.take("SET"))
        // The other nodes now name the replica as the primary of that shard.
        let replica = try XCTUnwrap(shard.replicas.first)
        let promoted = ClusterTopology(shards: cluster.topology.shards.map { s in
            s.primary.endpoint == old.endpoint
                ? .init(slots: s.slots, primary: .init(id: replica.id, endpoint: replica.endpoint, role: .primary),
                        replicas: [.init(id: s.primary.id, endpoint: s.primary.endpoint, role: .replica)])
                : s
        })
        coordinator.install(promoted)
        coordinator.releaseWaiting()
        cluster.loop.run()
        let newPrimary = try XCTUnwrap(cluster.nodes[replica.endpoint])
        XCTAssertTrue(newPrimary.answer("SET", with: .simpleString("OK")))
        XCTAssertNil(old.take("SET"), "never written to the old primary")
        guard case .success? = results.first else { return XCTFail("\(results)") }
    }
}
