import RESP
import SwiftEV
import XCTest
@testable import Redis

/// What cluster nodes answer a plain node connection: MOVED and ASK as typed redirections
/// (nobody follows them on a `RedisConnection`), and READONLY reads on replicas.
final class ClusterRedisIntegrationTests: RedisIntegrationTestCase {
    /// From every node (primaries and replicas, without READONLY), GET a key of every shard the
    /// node does not serve itself: `.redirected(.moved(slot, host, port))` with the key's slot
    /// (`CLUSTER KEYSLOT`) and the owning primary's address.
    func testMovedFromEveryNodeNamesTheKeySlotAndTheOwningPrimary() async throws {
        let nodes = try await clusterTestNodes()
        let primaries = nodes.filter { $0.role == .primary }
        let admin = try await connect(port: environment.clusterPorts[0])
        var checked = 0
        for node in nodes {
            let connection = try await connect(port: node.port)
            XCTAssertEqual(connection.serverInfo.mode, "cluster")
            for owner in primaries where owner.port != node.port {
                let key = owner.key("moved")
                let slot = try await admin.send("CLUSTER", "KEYSLOT", key, as: Int.self)
                let error = await expectRedisError("GET \(key) on \(node)") { try await connection.send("GET", key) }
                guard let redirection = error?.kind.redirection else {
                    XCTFail("GET \(key) on \(node): expected MOVED, got \(String(describing: error))")
                    continue
                }
                XCTAssertEqual(redirection, .moved(slot: slot, host: "127.0.0.1", port: owner.port), "GET on \(node)")
                XCTAssertEqual(error?.command, "GET")
                XCTAssertEqual(error?.node, "127.0.0.1:\(node.port)")
                XCTAssertEqual(error?.isSafeToRetry, true, "a redirected command did not run")
                checked += 1
            }
            // The connection stays usable; the key it does serve is answered directly.
            if node.role == .primary {
                try await expectEqual(await connection.send("SET", node.key("moved"), "here"), .simpleString("OK"), "\(node)")
                try await expectEqual(await connection.send("GET", node.key("moved"), as: String.self), "here", "\(node)")
            }
            connection.close()
        }
        XCTAssertEqual(checked, 3 * 2 + 3 * 3, "each primary checked against 2 others, each replica against all 3")
        admin.close()
    }

    /// A replica connection with `readOnly` (READONLY in the handshake) serves GET for a key
    /// of its primary once the write has replicated (`WAIT 1`); without it the replica answers
    /// MOVED to the primary.
    func testReadOnlyReplicaServesKeysOfItsPrimaryAfterReplication() async throws {
        for replica in try await clusterTestNodes() where replica.role == .replica {
            let ctx = "\(replica)"
            let primary = try await connect(port: replica.primaryPort)
            let key = replica.key("readonly")
            let value = "from-\(replica.primaryPort)"
            try await expectEqual(await primary.send("SET", key, value), .simpleString("OK"), ctx)
            try await waitForReplica(primary)

            let reader = try await connect(port: replica.port) { $0.readOnly = true }
            XCTAssertEqual(reader.serverInfo.role, "replica", ctx)
            try await expectEqual(await reader.send("GET", key, as: String?.self), value, ctx)

            let plain = try await connect(port: replica.port)
            let error = await expectRedisError("\(ctx): GET without READONLY") { try await plain.send("GET", key) }
            guard case .moved(_, _, let port)? = error?.kind.redirection else {
                XCTFail("\(ctx): expected MOVED, got \(String(describing: error))")
                continue
            }
            XCTAssertEqual(port, replica.primaryPort, ctx)
            for connection in [primary, reader, plain] { connection.close() }
        }
    }

    /// ASK, produced for real: an empty slot of primary A is marked MIGRATING to B (and
    /// IMPORTING on B). A GET of a missing key of that slot on A answers ASK to B; on B the key
    /// is served after ASKING and redirected back to A (MOVED) without it. The slot is made
    /// STABLE again on both nodes whatever happens.
    func testAskDuringASlotMigration() async throws {
        let nodes = try await clusterTestNodes()
        let primaries = nodes.filter { $0.role == .primary }
        let (source, target) = (primaries[0], primaries[1])
        let a = try await connect(port: source.port)
        let b = try await connect(port: target.port)

        // A key (no hash tag) in an empty slot of A.
        let sourceInfo = try await clusterNodes().first { $0.id == source.id }!
        var found: (key: String, slot: Int)?
        for attempt in 0..<1000 where found == nil {
            let candidate = "swiftev:it:\(runID):ask:\(attempt)"
            let slot = try await a.send("CLUSTER", "KEYSLOT", candidate, as: Int.self)
            if sourceInfo.owns(slot: slot), try await a.send("CLUSTER", "COUNTKEYSINSLOT", slot, as: Int.self) == 0 {
                found = (candidate, slot)
            }
        }
        guard let (key, slot) = found else { throw Failure("no empty slot of \(source) found") }

        var failure: (any Error)?
        do {
            try await expectEqual(await b.send("CLUSTER", "SETSLOT", slot, "IMPORTING", source.id), .simpleString("OK"))
            try await expectEqual(await a.send("CLUSTER", "SETSLOT", slot, "MIGRATING", target.id), .simpleString("OK"))

            let error = await expectRedisError("GET of a missing key in a migrating slot") { try await a.send("GET", key) }
            XCTAssertEqual(error?.kind.redirection, .ask(slot: slot, host: "127.0.0.1", port: target.port), "\(String(describing: error))")
            XCTAssertEqual(error?.isSafeToRetry, true)

            // On B: without ASKING the slot is still A's; with ASKING, B serves it.
            let moved = await expectRedisError("GET on the importing node without ASKING") { try await b.send("GET", key) }
            XCTAssertEqual(moved?.kind.redirection, .moved(slot: slot, host: "127.0.0.1", port: source.port))
            let afterAsking = await b.pipeline([RedisCommand("ASKING"), RedisCommand("GET", key)])
            XCTAssertEqual(try afterAsking[0].get(), .simpleString("OK"))
            XCTAssertEqual(try afterAsking[1].get(), .null, "the importing node serves the key after ASKING")
        } catch {
            failure = error
        }
        // Restore the slot on both nodes, then check nobody is left importing or migrating.
        try await expectEqual(await a.send("CLUSTER", "SETSLOT", slot, "STABLE"), .simpleString("OK"))
        try await expectEqual(await b.send("CLUSTER", "SETSLOT", slot, "STABLE"), .simpleString("OK"))
        for connection in [a, b] {
            let nodesText = try await connection.send("CLUSTER", "NODES", as: String.self)
            XCTAssertFalse(nodesText.contains("[\(slot)-"), "slot \(slot) still migrating/importing: \(nodesText)")
        }
        let error = await expectRedisError("GET after STABLE") { try await b.send("GET", key) }
        XCTAssertEqual(error?.kind.redirection, .moved(slot: slot, host: "127.0.0.1", port: source.port))
        try await expectEqual(await a.send("GET", key), .null, "A serves the slot again")
        if let failure { throw failure }
        a.close()
        b.close()
    }
}
