import RESP
import Redis
import XCTest

/// The test helper itself, against the real scratch cluster: every step it offers must leave
/// the cluster as it says.
final class ClusterControlTests: ScratchClusterTestCase {
    func testSlotKeysAgreeWithServer() async throws {
        let port = try ClusterTestPorts.list(ClusterTestPorts.main, count: 6)[0]
        let main = try ClusterControl.main()
        defer { main.shutdown() }
        var keys = ["", "foo", "{}", "{}x", "a{b}c", "{user1000}.following", "é∂🙂", "x{{y}}"]
        keys += (0..<200).map { "k\($0)-\(UInt64.random(in: 0...UInt64.max))" }
        for key in keys {
            let server = try await main.send(port, ["CLUSTER", "KEYSLOT", key]).decode(as: Int.self)
            XCTAssertEqual(SlotKeys.slot(of: key), server, "slot of \(key)")
        }
        for slot in [0, 1, 5460, 5461, 16383] {
            for key in SlotKeys.keys(inSlot: slot, count: 2) {
                try await expectEqual(try await main.send(port, ["CLUSTER", "KEYSLOT", key]).decode(as: Int.self), slot, key)
            }
        }
    }

    func testNodesShowTheOriginalLayout() async throws {
        let nodes = try await control.nodes()
        XCTAssertEqual(nodes.count, 6)
        for shard in control.originalLayout {
            let primary = try XCTUnwrap(nodes.first { $0.port == shard.primaryPort })
            XCTAssertTrue(primary.isPrimary, "\(primary)")
            XCTAssertEqual(primary.slots, [shard.slots])
            let replica = try XCTUnwrap(nodes.first { $0.port == shard.replicaPort })
            XCTAssertEqual(replica.primaryID, primary.id, "\(replica)")
            try await expectEqual(try await control.owner(ofSlot: shard.slots.upperBound).port, shard.primaryPort)
        }
    }

    func testHostnameClusterAnnouncesInvalidNames() async throws {
        let hostnames = try ClusterControl.hostname()
        defer { hostnames.shutdown() }
        let nodes = try await hostnames.waitUntilHealthy()
        XCTAssertEqual(nodes.count, 3)
        for (k, node) in nodes.enumerated() {
            XCTAssertEqual(node.hostname, "node-\(k).swiftev.invalid")
            XCTAssertEqual(node.ip, "127.0.0.1")
        }
        // The redirect names the host, not the address.
        let key = SlotKeys.keys(inSlot: 16000, count: 1)[0]
        do {
            let reply = try await hostnames.send(nodes[0].port, ["GET", key])
            XCTFail("GET of a key in slot 16000 on \(nodes[0].port) answered \(reply)")
        } catch let error as RedisError {
            guard case .redirected(.moved(let slot, let host, let port)) = error.kind else {
                return XCTFail("expected MOVED, got \(error)")
            }
            XCTAssertEqual(slot, 16000)
            XCTAssertEqual(host, "node-2.swiftev.invalid")
            XCTAssertEqual(port, nodes[2].port)
        }
    }

    func testMigrateSlotThereAndBackMovesItsKeys() async throws {
        let layout = control.originalLayout
        let slot = layout[0].slots.lowerBound + 7
        let (home, away) = (layout[0].primaryPort, layout[1].primaryPort)
        let keys = SlotKeys.keys(inSlot: slot, count: 250)
        for key in keys { try await control.send(home, ["SET", key, "v-\(key)"]) }

        try await control.migrateSlot(slot, to: away, keysPerStep: 64)
        try await expectEqual(try await control.owner(ofSlot: slot).port, away)
        try await expectEqual(try await control.send(home, ["CLUSTER", "COUNTKEYSINSLOT", slot]).decode(as: Int.self), 0)
        try await expectEqual(try await control.send(away, ["CLUSTER", "COUNTKEYSINSLOT", slot]).decode(as: Int.self), keys.count)
        try await expectEqual(try await control.send(away, ["GET", keys[123]]).decode(as: String.self), "v-\(keys[123])")

        try await control.migrateSlot(slot, to: home, keysPerStep: 1000)
        try await expectEqual(try await control.owner(ofSlot: slot).port, home)
        try await expectEqual(try await control.send(home, ["CLUSTER", "COUNTKEYSINSLOT", slot]).decode(as: Int.self), keys.count)
        try await expectEqual(try await control.send(home, ["GET", keys[0]]).decode(as: String.self), "v-\(keys[0])")
        try await control.waitUntilHealthy()
    }

    func testHalfwayMigrationAnswersAskUntilFinished() async throws {
        let layout = control.originalLayout
        let slot = layout[2].slots.upperBound - 3
        let (home, away) = (layout[2].primaryPort, layout[0].primaryPort)
        let keys = SlotKeys.keys(inSlot: slot, count: 10)
        for key in keys { try await control.send(home, ["SET", key, "1"]) }

        let migration = try await control.beginSlotMigration(slot, to: away, keysPerStep: 3)
        XCTAssertEqual(migration.keysMoved, 5)
        try await expectEqual(try await control.send(home, ["CLUSTER", "COUNTKEYSINSLOT", slot]).decode(as: Int.self), 5)
        // A key that moved: the source sends the client to the target with ASK.
        let movedKeys = try await control.send(away, ["CLUSTER", "GETKEYSINSLOT", slot, 100]).decode(as: [String].self)
        XCTAssertEqual(movedKeys.count, 5)
        let movedKey = try XCTUnwrap(movedKeys.first)
        do {
            let reply = try await control.send(home, ["GET", movedKey])
            XCTFail("GET \(movedKey) on the source answered \(reply)")
        } catch let error as RedisError {
            guard case .redirected(.ask(let askSlot, _, let port)) = error.kind else { return XCTFail("expected ASK, got \(error)") }
            XCTAssertEqual(askSlot, slot)
            XCTAssertEqual(port, away)
        }
        try await expectEqual(try await control.owner(ofSlot: slot).port, home, "the slot stays with the source until finish")

        try await control.finish(migration)
        try await expectEqual(try await control.owner(ofSlot: slot).port, away)
        try await expectEqual(try await control.send(away, ["CLUSTER", "COUNTKEYSINSLOT", slot]).decode(as: Int.self), keys.count)
    }

    func testFailoverAndFailBack() async throws {
        let shard = control.originalLayout[1]
        let replicaPort = try XCTUnwrap(shard.replicaPort)
        try await control.failover(replicaPort: replicaPort)
        var nodes = try await control.nodes()
        XCTAssertEqual(nodes.first { $0.port == replicaPort }?.slots, [shard.slots])
        XCTAssertEqual(nodes.first { $0.port == shard.primaryPort }?.role, .replica)

        try await control.failover(replicaPort: shard.primaryPort)
        nodes = try await control.waitUntilHealthy()
        XCTAssertTrue(control.isOriginalLayout(nodes), "\(nodes)")
    }

    func testKill9PrimaryThenRestartRejoinsAsReplica() async throws {
        let shard = control.originalLayout[0]
        let killed = try await control.kill9(port: shard.primaryPort)
        XCTAssertTrue(killed.wasPrimary)
        let promoted = try await control.waitForPromotion(replacing: killed)
        XCTAssertEqual(promoted.port, shard.replicaPort)
        // What Redis 7.0 says meanwhile: the dead primary is a shard of its own, no slots.
        let shards = try await control.shards(askingPort: promoted.port)
        let dead = try XCTUnwrap(shards.first { $0.members.contains { $0.id == killed.id } }, "\(shards)")
        XCTAssertEqual(dead.slots, [], "\(dead)")
        XCTAssertEqual(dead.members.map(\.health), ["fail"], "\(dead)")  // 7.0.15 says "fail"; the docs say "failed"
        XCTAssertEqual(shards.first { $0.members.contains { $0.port == promoted.port } }?.slots, killed.slots)

        let back = try await control.restart(port: shard.primaryPort)
        XCTAssertEqual(back.primaryID, promoted.id)
        XCTAssertEqual(back.id, killed.id, "restarted with its own nodes.conf")
    }

    func testAddAndRemoveShardWithTheSpareNodes() async throws {
        let spares = control.sparePorts
        let home = control.originalLayout[0].primaryPort
        let keys = SlotKeys.keys(inSlot: 3, count: 20)
        for key in keys { try await control.send(home, ["SET", key, "x"]) }

        let nodes = try await control.addShard(primaryPort: spares[0], replicaPort: spares[1], slots: [3, 4, 5])
        XCTAssertEqual(nodes.count, 8)
        let added = try XCTUnwrap(nodes.first { $0.port == spares[0] })
        XCTAssertEqual(added.slots, [3...5])
        XCTAssertEqual(nodes.first { $0.port == spares[1] }?.primaryID, added.id)
        try await expectEqual(try await control.send(spares[0], ["CLUSTER", "COUNTKEYSINSLOT", 3]).decode(as: Int.self), keys.count)

        let after = try await control.removeShard(primaryPort: spares[0], movingSlotsTo: home)
        XCTAssertEqual(after.count, 6)
        XCTAssertTrue(control.isOriginalLayout(after), "\(after)")
        try await expectEqual(try await control.send(home, ["CLUSTER", "COUNTKEYSINSLOT", 3]).decode(as: Int.self), keys.count)
        for spare in spares {
            try await expectEqual(try await control.nodes(askingPort: spare).count, 1, "spare \(spare) stands alone again")
        }
    }

    func testRestoreLayoutResetsWhenANodeIsDead() async throws {
        let replicaPort = try XCTUnwrap(control.originalLayout[2].replicaPort)
        try await control.kill9(port: replicaPort)
        try await control.restoreLayout()
        let nodes = try await control.waitUntilHealthy()
        XCTAssertTrue(control.isOriginalLayout(nodes), "\(nodes)")
    }

    func testDestructiveStepsAreRefusedOnTheMainCluster() async throws {
        let main = try ClusterControl.main()
        defer { main.shutdown() }
        let nodes = try await main.nodes()
        let replica = try XCTUnwrap(nodes.first { !$0.isPrimary })
        do {
            try await main.failover(replicaPort: replica.port)
            XCTFail("failover on the main cluster was not refused")
        } catch let error as ClusterControlError {
            XCTAssertTrue(error.detail.contains("refused"), "\(error)")
        }
    }
}

/// `XCTAssertEqual` for a value that needs `await`.
private func expectEqual<T: Equatable>(
    _ actual: @autoclosure () async throws -> T, _ expected: @autoclosure () throws -> T,
    _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) async throws {
    let value = try await actual()
    XCTAssertEqual(value, try expected(), message(), file: file, line: line)
}
