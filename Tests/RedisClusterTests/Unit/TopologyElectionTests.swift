import XCTest
@testable import RedisCluster

final class TopologyElectionTests: XCTestCase {
    struct Refused: Error, CustomStringConvertible { var description: String { "connection refused" } }

    func endpoint(_ port: Int) -> ClusterEndpoint { ClusterEndpoint(host: "127.0.0.1", port: port) }

    func node(_ port: Int, _ role: ClusterTopology.Node.Role, id: String? = nil, health: ClusterTopology.Node.Health = .online) -> ClusterTopology.Node {
        ClusterTopology.Node(id: id ?? "id-\(port)", endpoint: endpoint(port), role: role, health: health)
    }

    /// 7000/7001/7002 primaries with replicas 7003/7004/7005.
    lazy var healthy = ClusterTopology(shards: [
        .init(slots: [0...5460], primary: node(7000, .primary), replicas: [node(7003, .replica)]),
        .init(slots: [5461...10922], primary: node(7001, .primary), replicas: [node(7004, .replica)]),
        .init(slots: [10923...16383], primary: node(7002, .primary), replicas: [node(7005, .replica)]),
    ])
    /// After 7002 died and 7005 took over.
    lazy var failedOver = ClusterTopology(shards: [
        .init(slots: [0...5460], primary: node(7000, .primary), replicas: [node(7003, .replica)]),
        .init(slots: [5461...10922], primary: node(7001, .primary), replicas: [node(7004, .replica)]),
        .init(slots: [10923...16383], primary: node(7005, .primary)),
    ])

    func view(_ port: Int, _ topology: ClusterTopology, id: String? = nil) -> TopologyElection.View {
        (node: endpoint(port), nodeID: id ?? "id-\(port)", result: .success(topology))
    }

    func reasons(_ outcome: TopologyElection.Outcome) -> [String] {
        outcome.rejected.map { "\($0.node.port): \($0.reason)" }
    }

    func testTheMajorityLayoutWinsAndTheStaleViewIsOutvoted() {
        let outcome = TopologyElection.elect([
            view(7000, failedOver), view(7002 + 3, failedOver), view(7001, healthy), view(7004, failedOver),
        ])
        XCTAssertEqual(outcome.topology, failedOver)
        XCTAssertEqual(outcome.agreeing, 3)
        XCTAssertEqual(outcome.voters.map(\.port), [7000, 7004, 7005])
        XCTAssertEqual(reasons(outcome), ["7001: its layout had 1 vote(s), the elected one 3"])
    }

    func testTiesGoToMoreCoveredSlotsThenMoreNodesWhateverTheOrder() {
        var partial = healthy
        partial = ClusterTopology(shards: Array(partial.shards.prefix(2)) + [.init(slots: [10923...16000], primary: node(7002, .primary))])
        let views = [view(7000, healthy), view(7001, partial), view(7003, healthy), view(7004, partial)]
        for input in [views, views.reversed()] {
            let outcome = TopologyElection.elect(input)
            XCTAssertEqual(outcome.topology, healthy, "16384 slots beat 16001")
            XCTAssertEqual(outcome.agreeing, 2)
        }
        let fewerNodes = ClusterTopology(shards: healthy.shards.map { var s = $0; s.replicas = []; return s })
        let byNodes = [view(7000, fewerNodes), view(7001, healthy), view(7002, fewerNodes), view(7003, healthy)]
        for input in [byNodes, byNodes.reversed()] {
            XCTAssertEqual(TopologyElection.elect(input).topology, healthy, "6 nodes beat 3")
        }
    }

    func testASplitBrainIsDecidedTheSameWayWhateverTheOrder() {
        // Two equally good layouts, two votes each: 7001 and 7002 swapped their slots.
        let swapped = ClusterTopology(shards: [
            .init(slots: [0...5460], primary: node(7000, .primary), replicas: [node(7003, .replica)]),
            .init(slots: [5461...10922], primary: node(7002, .primary), replicas: [node(7005, .replica)]),
            .init(slots: [10923...16383], primary: node(7001, .primary), replicas: [node(7004, .replica)]),
        ])
        let views = [view(7001, swapped), view(7002, healthy), view(7000, swapped), view(7005, healthy)]
        let first = TopologyElection.elect(views)
        let second = TopologyElection.elect(views.reversed())
        XCTAssertEqual(first.topology, second.topology)
        XCTAssertEqual(first.topology, swapped, "the voters of the lowest endpoint, 7000, win the tie")
        XCTAssertEqual(first.agreeing, 2)
        XCTAssertEqual(reasons(first), ["7002: its layout had 2 vote(s), the elected one 2", "7005: its layout had 2 vote(s), the elected one 2"])
    }

    func testAStaleSeedOfAnotherClusterIsRecognisedByItsNodeIDs() {
        // 7002's address now answers as a node of another cluster, which knows itself and
        // a peer under IDs the majority does not have.
        let other = ClusterTopology(shards: [
            .init(slots: [0...16383], primary: node(7002, .primary, id: "other-a"), replicas: [node(7010, .replica, id: "other-b")]),
        ])
        // A seed list pointing at a cluster with none of our addresses.
        let foreign = ClusterTopology(shards: [.init(slots: [0...16383], primary: node(9000, .primary, id: "x-1"))])
        let outcome = TopologyElection.elect([
            view(7000, healthy), view(7002, other, id: "other-a"), view(7001, healthy), view(9000, foreign, id: "x-1"),
        ])
        XCTAssertEqual(outcome.topology, healthy)
        XCTAssertEqual(outcome.agreeing, 2)
        XCTAssertEqual(reasons(outcome), [
            "7002: it knows 127.0.0.1:7002 as node other-a, the majority as node id-7002 (a re-used address or a node of another cluster)",
            "9000: none of its node IDs is in the majority view: a node of another cluster",
        ])
        guard case .conflictingNodeID(let at, let id, let elected)? = outcome.rejected.first?.reason else { return XCTFail("\(outcome.rejected)") }
        XCTAssertEqual([at.port], [7002])
        XCTAssertEqual([id, elected], ["other-a", "id-7002"])
    }

    func testViewsThatDoNotContainTheirSenderOrComeFromAnUnhealthyNodeAreNotCounted() {
        let loading = ClusterTopology(shards: [
            .init(slots: [0...16383], primary: node(7000, .primary), replicas: [node(7003, .replica, health: .loading)]),
        ])
        let outcome = TopologyElection.elect([
            view(7009, healthy),                                   // not in its own view
            (node: endpoint(7000), nodeID: "someone-else", result: .success(healthy)),  // ID not in the view
            view(7003, loading),                                   // reports itself loading
            view(7001, healthy),
        ])
        XCTAssertEqual(outcome.topology, healthy)
        XCTAssertEqual(outcome.agreeing, 1)
        XCTAssertEqual(reasons(outcome).map { $0.prefix(5) }, ["7009:", "7000:", "7003:"])
        XCTAssertTrue(outcome.rejected[0].description.contains("does not contain itself"), outcome.rejected[0].description)
        guard case .senderNotHealthy(.loading)? = outcome.rejected.last?.reason else { return XCTFail("\(outcome.rejected)") }
    }

    func testWithoutANodeIDTheSenderIsFoundByItsEndpoint() {
        let outcome = TopologyElection.elect([(node: endpoint(7004), nodeID: nil, result: .success(healthy))])
        XCTAssertEqual(outcome.topology, healthy)
        XCTAssertEqual(outcome.agreeing, 1)
    }

    func testAllFailedGivesNoTopologyAndEveryCause() {
        let outcome = TopologyElection.elect([
            (node: endpoint(7000), nodeID: nil, result: .failure(Refused())),
            (node: endpoint(7001), nodeID: nil, result: .failure(TopologyParseError(command: "CLUSTER SHARDS", location: "", reason: .serverError("ERR This instance has cluster support disabled")))),
        ])
        XCTAssertNil(outcome.topology)
        XCTAssertEqual(outcome.agreeing, 0)
        XCTAssertEqual(outcome.voters, [])
        XCTAssertEqual(outcome.rejected.map(\.description), [
            "127.0.0.1:7000: could not be asked: connection refused",
            "127.0.0.1:7001: could not be asked: CLUSTER SHARDS: the server answered an error: ERR This instance has cluster support disabled",
        ])
        XCTAssertNil(TopologyElection.elect([]).topology)
    }
}
