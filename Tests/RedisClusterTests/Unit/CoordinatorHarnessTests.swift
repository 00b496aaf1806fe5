import Redis
import RESP
import SwiftEV
import SwiftEVTesting
import XCTest
@testable import RedisCluster

/// The coordinator itself, without sockets: scripted nodes on the in-memory loop, time moved
/// by hand. Covers what a real cluster will not do on demand.
final class CoordinatorHarnessTests: XCTestCase {
    var cluster: ScriptedCluster!
    var coordinator: ClusterCoordinator!
    var result: Result<RESPValue, any Error>?

    override func setUp() async throws {
        cluster = try ScriptedCluster()
    }

    func start(_ configure: (inout RedisClusterConfiguration) -> Void = { _ in }) {
        coordinator = cluster.makeCoordinator(configure)
        coordinator.start()
        cluster.answerTopologyQueries()
        cluster.answerTopologyQueries()  // the ready check follows the first answers
        XCTAssertNotNil(coordinator.topology, "ready from the scripted replies")
    }

    func submitGET(_ key: String) {
        result = nil
        coordinator.submit(PendingCommand(command: RedisCommand("GET", key), handler: .callback(on: cluster.loop) { [unowned self] in
            result = $0
        }))
        cluster.loop.run()
    }

    func testMovedBackToItsSenderRefreshesOnceThenFailsAsALoop() throws {
        start()
        let key = "user:42"
        let node = try XCTUnwrap(cluster.owner(ofSlot: HashSlot.slot(forKey: key)))
        submitGET(key)
        let refreshesBefore = coordinator.statistics.refreshes
        let toItself = Redirection.moved(slot: HashSlot.slot(forKey: key), host: node.endpoint.host, port: node.endpoint.port)
        XCTAssertTrue(node.redirect("GET", toItself))
        XCTAssertNil(result, "not failed at once: refresh and try again first")
        cluster.loop.advanceTime(by: .milliseconds(150))
        cluster.answerTopologyQueries()
        XCTAssertGreaterThan(coordinator.statistics.refreshes, refreshesBefore, "a refresh was asked for")
        XCTAssertTrue(node.redirect("GET", toItself), "sent again to the same node after the refresh")
        guard case .failure(let error as RedisClusterError)? = result else { return XCTFail("\(String(describing: result))") }
        XCTAssertEqual(error.kind, .redirectLoop(node.endpoint))
        XCTAssertEqual(error.redirections, [toItself, toItself])
    }

    func testTryAgainWaitsItsDelayOnTheClock() throws {
        start { $0.retryDelayOnTryAgain = .milliseconds(300) }
        let node = try XCTUnwrap(cluster.owner(ofSlot: HashSlot.slot(forKey: "k")))
        submitGET("k")
        XCTAssertTrue(node.redirect("GET", .tryAgain("Multiple keys request during rehashing of slot")))
        cluster.loop.advanceTime(by: .milliseconds(299))
        XCTAssertNil(node.take("GET"), "not before the delay")
        cluster.loop.advanceTime(by: .milliseconds(1))
        XCTAssertTrue(node.answer("GET", with: .bulkString(ByteBuffer(string: "v"))), "sent again once the delay passed")
        guard case .success(let value)? = result else { return XCTFail("\(String(describing: result))") }
        XCTAssertEqual(value, .bulkString(ByteBuffer(string: "v")))
        XCTAssertEqual(coordinator.statistics.retries, 1)
    }

    /// A node reached only through a redirect is outside the topology. The next refresh closes
    /// its connection once idle, also when the topology itself did not change (installing one
    /// retires only the nodes it sees leave).
    func testAConnectionARedirectOpenedOutsideTheTopologyIsClosedByTheNextRefresh() throws {
        start()
        let key = "user:42"
        let slot = HashSlot.slot(forKey: key)
        let owner = try XCTUnwrap(cluster.owner(ofSlot: slot))
        let outsider = ClusterEndpoint(host: "127.0.0.1", port: 7999)
        XCTAssertFalse(cluster.topology.nodes.contains { $0.endpoint == outsider })
        submitGET(key)
        XCTAssertTrue(owner.redirect("GET", .ask(slot: slot, host: outsider.host, port: outsider.port)))
        cluster.loop.run()
        let node = try XCTUnwrap(cluster.nodes[outsider], "the ASK was followed to a node of its own")
        _ = node.answer("ASKING", with: .simpleString(ByteBuffer(string: "OK")))
        XCTAssertTrue(node.answer("GET", with: .bulkString(ByteBuffer(string: "v"))))
        guard case .success = result else { return XCTFail("\(String(describing: result))") }
        XCTAssertFalse(node.isClosing, "kept until the next refresh: more redirects may point there")

        coordinator.requestRefresh(because: "test")
        cluster.loop.advanceTime(by: .seconds(1))
        cluster.answerTopologyQueries()
        XCTAssertTrue(node.isClosing, "the refresh found the same topology, without the outsider")
        XCTAssertNil(coordinator.pool.handles[outsider])
    }

    func testACommandForALostPrimaryWaitsThenFailsNamingWhatItWaitedFor() throws {
        start { $0.commandTimeout = .seconds(2) }
        let node = try XCTUnwrap(cluster.owner(ofSlot: HashSlot.slot(forKey: "k")))
        cluster.refused.insert(node.endpoint)
        node.close()
        cluster.loop.run()
        submitGET("k")
        XCTAssertNil(result, "waits for the primary or its replacement")
        XCTAssertEqual(coordinator.waiting.count, 1)
        // Refreshes keep finding the same layout (no failover happens here).
        for _ in 0..<19 {
            cluster.loop.advanceTime(by: .milliseconds(100))
            cluster.answerTopologyQueries()
        }
        XCTAssertNil(result, "still within its deadline")
        cluster.loop.advanceTime(by: .milliseconds(150))
        guard case .failure(let error as RedisClusterError)? = result, case .timedOutWaiting(let what) = error.kind else {
            return XCTFail("\(String(describing: result))")
        }
        XCTAssertTrue(what.contains(node.endpoint.description), what)
    }

    func testACommandForALostPrimaryGoesToItsReplacement() throws {
        start()
        let slot = HashSlot.slot(forKey: "k")
        let shard = try XCTUnwrap(cluster.topology.shard(forSlot: slot))
        let old = try XCTUnwrap(cluster.nodes[shard.primary.endpoint])
        cluster.refused.insert(old.endpoint)
        old.close()
        cluster.loop.run()
        submitGET("k")
        XCTAssertNil(result)
        // The replica is promoted: the next refresh says so, the command goes there.
        let replica = try XCTUnwrap(shard.replicas.first)
        let promoted = ClusterTopology(shards: cluster.topology.shards.map { s in
            s.primary.endpoint == old.endpoint ? .init(slots: s.slots, primary: .init(id: replica.id, endpoint: replica.endpoint, role: .primary)) : s
        })
        coordinator.install(promoted)
        coordinator.releaseWaiting()
        cluster.loop.run()
        let newPrimary = try XCTUnwrap(cluster.nodes[replica.endpoint])
        XCTAssertTrue(newPrimary.answer("GET", with: .null))
        guard case .success(.null)? = result else { return XCTFail("\(String(describing: result))") }
    }

    /// A server without `CLUSTER SHARDS` (before Redis 7) answers "unknown subcommand": the
    /// topology comes from `CLUSTER SLOTS` instead, asked of the same node. No real node here
    /// lacks SHARDS, hence the scripted one.
    func testWithoutClusterShardsTheTopologyComesFromClusterSlots() throws {
        coordinator = cluster.makeCoordinator()
        coordinator.start()
        cluster.loop.run()
        let expected = cluster.topology
        func endpointEntry(_ node: ClusterTopology.Node) -> RESPValue {
            .array([.bulkString(ByteBuffer(string: node.endpoint.host)), .integer(Int64(node.endpoint.port)),
                    .bulkString(ByteBuffer(string: node.id))])
        }
        let slots = RESPValue.array(expected.shards.flatMap { shard in
            shard.slots.map { range in
                .array([.integer(Int64(range.lowerBound)), .integer(Int64(range.upperBound)), endpointEntry(shard.primary)]
                       + shard.replicas.map(endpointEntry))
            }
        })
        var shardsRefused = 0, slotsAnswered = 0
        for _ in 0..<3 {  // the seed, then the nodes the ready check and refresh ask
            for (endpoint, node) in cluster.nodes {
                let id = expected.nodes.first { $0.endpoint == endpoint }?.id ?? ""
                while node.answer("MYID", with: .bulkString(ByteBuffer(string: id))) {}
                while let shards = node.take("SHARDS") {
                    shards.handler.complete(.failure(RedisError(.server(RESPServerError(text: "ERR unknown subcommand 'SHARDS'. Try CLUSTER HELP.")),
                                                                node: endpoint.description, command: "CLUSTER")))
                    shardsRefused += 1
                }
                cluster.loop.run()
                while node.answer("SLOTS", with: slots) { slotsAnswered += 1 }
                while node.answer("INFO", with: .verbatimString(format: "txt", text: ByteBuffer(string: "cluster_state:ok\r\n"))) {}
            }
            cluster.loop.run()
        }
        XCTAssertGreaterThan(shardsRefused, 0)
        XCTAssertEqual(slotsAnswered, shardsRefused, "each node that refused SHARDS was asked for SLOTS")
        let topology = try XCTUnwrap(coordinator.topology, "ready from CLUSTER SLOTS")
        XCTAssertEqual(topology.coveredSlots, 16384)
        XCTAssertTrue(topology.sameLayout(as: expected), "\(topology) against \(expected)")
    }
}
