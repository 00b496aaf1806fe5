import XCTest
@testable import RedisCluster

/// Slot sets, `CLUSTER NODES` parsing and what a scan may count as covered.
final class ScanCoverageTests: XCTestCase {
    let idA = String(repeating: "a", count: 40), idB = String(repeating: "b", count: 40), idC = String(repeating: "c", count: 40)

    func nodes(_ mySlotsA: String, _ slotsB: String, myself: String = "a") -> String {
        """
        \(idA) 127.0.0.1:7000@17000 \(myself == "a" ? "myself," : "")master - 0 0 1 connected \(mySlotsA)
        \(idB) 127.0.0.1:7001@17001 \(myself == "b" ? "myself," : "")master - 0 0 2 connected \(slotsB)
        \(idC) 127.0.0.1:7002@17002,node-c.example.invalid master,fail - 0 0 3 disconnected
        """
    }

    func testSlotSetRangesAndAlgebra() {
        var set = SlotSet(0...99)
        set.insert(200...201)
        set.insert(16383)
        XCTAssertEqual(set.ranges, [0...99, 200...201, 16383...16383])
        XCTAssertEqual(set.count, 103)
        XCTAssertEqual(SlotSet.all.subtracting(set).count, 16384 - 103)
        XCTAssertEqual(set.intersection(SlotSet(50...250)).ranges, [50...99, 200...201])
        XCTAssertFalse(set.contains(16384))
        XCTAssertTrue(SlotSet().isEmpty)
    }

    func testClusterNodesLinesWithMigratingAndImportingSlots() {
        let view = ClusterNodesView.parse(nodes("0-8191 [100->-\(idB)] 9000", "8192-8999 9001-16383 [100-<-\(idA)]"))
        XCTAssertEqual(view.nodes.count, 3)
        let me = try! XCTUnwrap(view.myself)
        XCTAssertEqual(me.id, idA)
        XCTAssertEqual(me.address, ClusterEndpoint(host: "127.0.0.1", port: 7000))
        XCTAssertEqual(me.slots.count, 8193)
        XCTAssertEqual(me.migrating.ranges, [100...100])
        XCTAssertFalse(me.stableSlots.contains(100))
        XCTAssertEqual(view.nodes[1].importing.ranges, [100...100])
        XCTAssertTrue(view.nodes[2].isFailing)
        XCTAssertEqual(view.owner(ofSlot: 9000)?.id, idA)
        XCTAssertEqual(view.owner(ofSlot: 9001)?.id, idB)
    }

    func testOnlySlotsStableAtBothEndsCountAsCovered() {
        let start = ClusterNodesView.parse(nodes("0-8191 [100->-\(idB)]", "8192-16383")).myself!
        // During the scan slot 100 finished moving to b and slot 200 started moving.
        let end = ClusterNodesView.parse(nodes("0-99 101-8191 [200->-\(idB)]", "100 8192-16383")).myself!
        var coverage = ScanCoverage()
        let verified = coverage.nodeScanned(start: start, end: end)
        XCTAssertEqual(verified.ranges, [0...99, 101...199, 201...8191])
        XCTAssertFalse(coverage.isComplete)
        let bStart = ClusterNodesView.parse(nodes("0-99 101-8191", "100 8192-16383", myself: "b")).myself!
        coverage.nodeScanned(start: bStart, end: bStart)
        XCTAssertEqual(coverage.uncovered.ranges, [200...200])
        let latest = ClusterNodesView.parse(nodes("0-199 201-8191", "200 8192-16383"))
        let next = coverage.nextNodes(view: latest)
        XCTAssertEqual(next.nodes.map(\.id), [idB], "slot 200 is rescanned on its new owner")
        XCTAssertTrue(next.orphaned.isEmpty)
    }

    func testAReplicaOrAnotherNodeAtTheEndCoversNothing() {
        let start = ClusterNodesView.parse(nodes("0-16383", "")).myself!
        var demoted = start
        demoted.isPrimary = false
        var coverage = ScanCoverage()
        XCTAssertTrue(coverage.nodeScanned(start: start, end: demoted).isEmpty, "failed over during the scan")
        var other = start
        other.id = idC
        XCTAssertTrue(coverage.nodeScanned(start: start, end: other).isEmpty, "a different node behind the address")
        XCTAssertEqual(coverage.nodeScanned(start: start, end: start).count, 16384)
        XCTAssertTrue(coverage.isComplete)
    }

    func testUncoveredSlotsNoLiveNodeServesAreOrphaned() {
        var coverage = ScanCoverage()
        let a = ClusterNodesView.parse(nodes("0-8191", "8192-16383")).myself!
        coverage.nodeScanned(start: a, end: a)
        let view = ClusterNodesView.parse(nodes("0-8191", ""))
        let next = coverage.nextNodes(view: view)
        XCTAssertTrue(next.nodes.isEmpty)
        XCTAssertEqual(next.orphaned.ranges, [8192...16383])
    }
}
