import Foundation
import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// A write with its `WAIT` as one unit while the scratch cluster reshards: after a real `ASK`
/// the write runs on the importing node, and the count is that node's replicas' (a `WAIT` sent
/// to the slot's owner afterwards would count the owner's). The base class restores the 3+3
/// layout; every key is flushed afterwards.
final class ReplicatedWriteClusterTests: ScratchClusterClientTestCase {
    func testTheCountIsTheImportingNodesAfterAskAndTheNewOwnersAfterMoved() async throws {
        // No periodic refresh: the client keeps its table and meets ASK and MOVED for sure.
        let client = try makeScratchClient { $0.slotsRefreshInterval = nil }
        try await client.connect()
        let slot = 9999
        for key in SlotKeys.keys(inSlot: slot, count: 20, prefix: "replicated") { try await client.send("SET", key, 1) }
        let owner = try await control.owner(ofSlot: slot)
        let importing = try await otherPrimary(than: owner.port)
        let migration = try await control.beginSlotMigration(slot, to: importing, keysPerStep: 5, stopHalfway: true)
        let nodes = try await control.nodes()
        let importingID = try XCTUnwrap(nodes.first { $0.port == importing }?.id)
        let importingReplica = try XCTUnwrap(nodes.first { !$0.isPrimary && $0.primaryID == importingID }?.port)

        // A key the owner does not have: it answers ASK, the importing node runs the write.
        let fresh = SlotKeys.keys(inSlot: slot, count: 3, prefix: "replicated-new")
        let confirmed = try await client.send(RedisCommand("SET", fresh[0], "a"), waitingForReplicas: 1, timeout: .seconds(5))
        XCTAssertEqual(confirmed.node, "127.0.0.1:\(importing)")
        XCTAssertEqual(try confirmed.replicas.get(), 1)
        // Confirmed: the importing node's replica holds it (SCAN is keyless: no redirect).
        let scan = try await control.send(importingReplica, ["SCAN", 0, "MATCH", fresh[0], "COUNT", 1000])
        XCTAssertTrue("\(scan)".contains(fresh[0]), "\(scan)")

        // With the importing node's replica stopped, its count is 0 (the owner's replica runs:
        // a WAIT on the owner's connection would have said 1).
        let unconfirmed = try await control.whileStopped(importingReplica) {
            try await client.send(RedisCommand("SET", fresh[1], "b"), waitingForReplicas: 1, timeout: .milliseconds(300))
        }
        XCTAssertEqual(unconfirmed.node, "127.0.0.1:\(importing)")
        XCTAssertEqual(try unconfirmed.replicas.get(), 0, "the importing node's replica was stopped")
        XCTAssertFalse(unconfirmed.isConfirmed(by: 1))
        var stats = await client.statistics()
        XCTAssertEqual(stats.askFollowed, 2)

        // The slot handed over for good: the old owner answers MOVED, both go to the new one.
        try await control.finish(migration)
        let moved = try await client.send(RedisCommand("INCR", fresh[2]), waitingForReplicas: 1, timeout: .seconds(5))
        XCTAssertEqual(moved.reply, .integer(1))
        XCTAssertEqual(moved.node, "127.0.0.1:\(importing)")
        XCTAssertEqual(try moved.replicas.get(), 1)
        stats = await client.statistics()
        XCTAssertEqual(stats.movedFollowed, 1)
        let values = try await client.send(RedisCommand("MGET", fresh[0], fresh[1], fresh[2])).decode(as: [String].self)
        XCTAssertEqual(values, ["a", "b", "1"], "each write ran once")
    }
}
