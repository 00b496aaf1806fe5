import Redis
import RESP
import SwiftEV
import SwiftEVTesting
import XCTest
@testable import RedisCluster

/// Commands a node hands back unanswered: routed again by their keys, unless they were meant
/// for that node alone (topology queries, `WAIT`, fanned-out parts), which fail instead.
final class HandBackTests: XCTestCase {
    func testOnlyPinnedAndFannedOutCommandsFailWhenHandedBack() {
        XCTAssertEqual(HandBack.of(pinned: false, fanOut: false, wasSent: false), .route)
        XCTAssertEqual(HandBack.of(pinned: false, fanOut: false, wasSent: true), .route, "read-only, sent: safe to run again")
        XCTAssertEqual(HandBack.of(pinned: true, fanOut: false, wasSent: false), .fail(.connectionClosed(.notSent)))
        XCTAssertEqual(HandBack.of(pinned: false, fanOut: true, wasSent: true), .fail(.connectionClosed(.unknown)))
        XCTAssertEqual(HandBack.of(pinned: true, fanOut: false, redirection: .tryAgain("busy")), .fail(.redirected(.tryAgain("busy"))))
        XCTAssertEqual(HandBack.of(pinned: false, fanOut: false, redirection: .tryAgain("busy")), .route)
    }

    /// A refresh asks several nodes for `CLUSTER SHARDS`; one connection is lost before its
    /// query was written. The query must fail as that node's (the round goes on with the other
    /// answers at once), not wait to be sent to another node whose answer would then be taken
    /// for the lost node's view.
    func testATopologyQueryLostWithItsConnectionFailsAsThatNodesAndGoesNowhereElse() throws {
        let cluster = try ScriptedCluster()
        let coordinator = cluster.makeCoordinator()
        coordinator.start()
        cluster.answerTopologyQueries()
        cluster.answerTopologyQueries()  // the ready check
        XCTAssertNotNil(coordinator.topology)

        cluster.loop.advanceTime(by: .seconds(1))
        coordinator.requestRefresh(because: "test")
        cluster.loop.run()
        let asked = cluster.nodes.filter { $0.value.received.contains { String(buffer: $0.command.bytes).contains("SHARDS") } }
        XCTAssertGreaterThan(asked.count, 1, "a refresh asks several nodes")
        let lost = try XCTUnwrap(asked.first).value
        let query = try XCTUnwrap(lost.take("SHARDS"))
        XCTAssertTrue(query.pinned, "topology queries are pinned to their node")
        lost.delegate?.nodeChannel(lost.correlator, returned: [query],
                                   cause: RedisError(.connectionClosed(.notSent), node: lost.endpoint.description))
        cluster.answerTopologyQueries(except: lost.endpoint)

        XCTAssertFalse(coordinator.scheduler.isRunning, "the round concluded with the other answers, not after its timeout")
        XCTAssertEqual(coordinator.waiting.count, 0, "the query was not parked to be sent elsewhere")
        cluster.loop.advanceTime(by: .milliseconds(50))
        for (endpoint, node) in cluster.nodes where endpoint != lost.endpoint {
            XCTAssertNil(node.take("SHARDS"), "\(endpoint) was not asked in the lost node's place")
        }
    }

    /// `WAIT` about a connection's writes goes only to that connection: with none open to the
    /// slot's primary it fails, not sent, instead of running on a new connection (where it would
    /// count no write and confirm at once).
    func testWaitForASlotWhosePrimaryHasNoOpenConnectionFailsNotSent() throws {
        let cluster = try ScriptedCluster()
        let coordinator = cluster.readyCoordinator()
        let slot = HashSlot.slot(forKey: "k")
        let primary = try XCTUnwrap(cluster.owner(ofSlot: slot))
        cluster.refused.insert(primary.endpoint)
        primary.close()
        cluster.loop.run()
        var result: Result<RESPValue, any Error>?
        coordinator.submit(PendingCommand(command: RedisCommand("WAIT", 1, 100), handler: .callback(on: cluster.loop) { result = $0 }),
                           toPrimaryOf: slot)
        cluster.loop.run()
        guard case .failure(let error as RedisError)? = result else { return XCTFail("\(String(describing: result))") }
        XCTAssertEqual(error.kind, .connectionClosed(.notSent))
    }
}
