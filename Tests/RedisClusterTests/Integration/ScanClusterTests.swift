import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// Cluster-wide SCAN on the scratch cluster while slots move under it. The keys are removed
/// and the layout restored after each test.
final class ScanClusterTests: ScratchClusterClientTestCase {
    func makeClient() async throws -> RedisClusterClient {
        let client = try makeScratchClient()
        try await client.connect()
        return client
    }

    /// Writes `keys`, one `MSET` per slot, pipelined per primary in batches (100,000 keys in
    /// about 16,000 commands).
    func create(_ keys: [String]) async throws {
        let nodes = try await control.nodes().filter(\.isPrimary)
        var ownerOfSlot = [Int](repeating: 0, count: HashSlot.count)
        for node in nodes { for range in node.slots { for slot in range { ownerOfSlot[slot] = node.port } } }
        var perSlot: [[String]] = Array(repeating: [], count: HashSlot.count)
        for key in keys { perSlot[HashSlot.slot(forKey: key)].append(key) }
        var perPort: [Int: [RedisCommand]] = [:]
        for (slot, slotKeys) in perSlot.enumerated() where !slotKeys.isEmpty {
            // Encoded by hand: building argument arrays for 100,000 keys is slow in a debug build.
            var bytes = ByteBuffer(capacity: 16 + slotKeys.count * 32)
            bytes.writeRESPArrayHeader(count: 1 + 2 * slotKeys.count)
            bytes.writeRESPBulk("MSET")
            for key in slotKeys {
                bytes.writeRESPBulk(key)
                bytes.writeRESPBulk("1")
            }
            perPort[ownerOfSlot[slot], default: []].append(RedisCommand(bytes: bytes, isReadOnly: false))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (port, commands) in perPort {
                group.addTask {
                    let connection = try await RedisConnection.connect(host: "127.0.0.1", port: port, on: Self.group.loops[0])
                    defer { connection.close() }
                    var start = 0
                    while start < commands.count {
                        let batch = Array(commands[start..<min(start + 2_000, commands.count)])
                        for result in await connection.pipeline(batch) { _ = try result.get() }
                        start += batch.count
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    func testScanFindsEveryOneOf100000KeysWhileASlotRangeMoves() async throws {
        let keys = (0..<100_000).map { "scan:\($0)" }
        try await create(keys)
        let client = try await makeClient()
        // Eight slots caught half-way through a migration when the scan starts; the migration
        // finishes while the scan is under way.
        let first = 3000
        let source = try await control.owner(ofSlot: first)
        let primaries = try await control.nodes().filter { $0.isPrimary && $0.slotCount > 0 }
        let target = try XCTUnwrap(primaries.first { $0.port != source.port })
        var migrations: [ClusterControl.SlotMigration] = []
        for slot in first..<(first + 8) {
            migrations.append(try await control.beginSlotMigration(slot, to: target.port, keysPerStep: 2, stopHalfway: true))
        }
        XCTAssertGreaterThan(migrations.reduce(0) { $0 + $1.keysMoved }, 0, "keys of those slots are on both nodes")

        var found = Set<String>()
        var delivered = 0
        var restarts: [String] = []
        var finished = false
        for try await event in client.scan(match: "scan:*", count: 100) {
            switch event {
            case .keys(let page, _):
                for key in page { found.insert(String(buffer: key)) }
                delivered += page.count
                if !finished && delivered >= 5_000 {
                    for migration in migrations { try await control.finish(migration) }
                    finished = true
                }
            case .restarted(_, let reason):
                restarts.append(reason)
            }
        }
        XCTAssertTrue(finished)
        XCTAssertEqual(found.count, keys.count, "every key found")
        XCTAssertEqual(found, Set(keys))
        XCTAssertFalse(restarts.isEmpty, "the moving slots were scanned again on their new owner")
        XCTAssertGreaterThanOrEqual(delivered, keys.count, "keys may repeat, never go missing")
    }

    func testMatchAndTypeAreAppliedOnEveryNode() async throws {
        let client = try await makeClient()
        for i in 0..<60 {
            try await client.send("SET", "typed:str:\(i)", "v")
            try await client.send("HSET", "typed:hash:\(i)", "f", "v")
        }
        try await client.send("SET", "other:\(1)", "v")
        var hashes = Set<String>()
        for try await key in client.scan(match: "typed:*", count: 10, type: "hash").keys {
            hashes.insert(String(buffer: key))
        }
        XCTAssertEqual(hashes, Set((0..<60).map { "typed:hash:\($0)" }))
    }
}
