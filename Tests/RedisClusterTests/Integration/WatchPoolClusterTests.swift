import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// `transaction(watching:)` on the real cluster takes its connection from a per-node pool: the
/// same connection (the server's `CLIENT ID`) serves consecutive transactions, a connection
/// left with a `WATCH` or a `MULTI` is reset before the next caller gets it, and the pool's
/// bound makes callers wait their turn.
final class WatchPoolClusterTests: ClusterClientTestCase {
    struct Abandoned: Error {}

    /// Keys of one slot (one tag), deleted after the test.
    func keys(_ names: String...) -> [String] {
        let tag = "{watch-pool-\(UUID().uuidString.prefix(8))}"
        return names.map { "\(tag):\($0)" }
    }

    static func clientID(_ connection: RedisConnection) async throws -> Int {
        try await connection.send("CLIENT", "ID", as: Int.self)
    }

    /// Every transaction saw the same `CLIENT ID`, the pool holds that one connection, and
    /// `key` holds `value`; then deletes `key`.
    func expectOneConnection(_ client: RedisClusterClient, ids: [Int], thenDelete key: String, holding value: Int,
                             _ message: String, line: UInt = #line) async throws {
        XCTAssertEqual(Set(ids).count, 1, "\(message): \(ids)", line: line)
        let open = try await client.eventLoop.submit { client.coordinator.watchPool.openCount }.get()
        XCTAssertEqual(open, 1, message, line: line)
        let stored = try await client.send("GET", key, as: Int.self)
        XCTAssertEqual(stored, value, message, line: line)
        _ = try await client.send("DEL", key)
    }

    func testConsecutiveTransactionsUseTheSameConnection() async throws {
        let client = makeClient(configuration(ports: [try mainPorts()[0]]))
        try await client.connect()
        let k = keys("a")
        var ids: [Int] = []
        for value in 1...3 {
            let results = try await client.transaction(watching: [k[0]]) { connection in
                ids.append(try await Self.clientID(connection))
                return [RedisCommand("SET", k[0], value)]
            }
            XCTAssertEqual(try XCTUnwrap(results).count, 1)
        }
        try await expectOneConnection(client, ids: ids, thenDelete: k[0], holding: 3, "one connection for all three")
    }

    /// A transaction abandoned after `WATCH a` (the body threw): if the watch survived on the
    /// pooled connection, the next transaction on it (watching only `b`) would abort because
    /// `a` changed meanwhile. Likewise a `MULTI` the body left open would refuse the next WATCH.
    func testAbandonedWatchOrMultiIsResetBeforeReuse() async throws {
        let client = makeClient(configuration(ports: [try mainPorts()[0]]))
        try await client.connect()
        let k = keys("a", "b")
        var ids: [Int] = []
        do {
            _ = try await client.transaction(watching: [k[0]]) { connection in
                ids.append(try await Self.clientID(connection))
                throw Abandoned()
            }
            XCTFail("the body's error is rethrown")
        } catch is Abandoned {}
        try await client.send("SET", k[0], "changed by someone else")

        let afterWatch = try await client.transaction(watching: [k[1]]) { connection in
            ids.append(try await Self.clientID(connection))
            return [RedisCommand("SET", k[1], 1)]
        }
        XCTAssertNotNil(afterWatch, "the abandoned WATCH of \(k[0]) no longer holds")

        do {
            _ = try await client.transaction(watching: [k[0]]) { connection in
                ids.append(try await Self.clientID(connection))
                try await connection.send("MULTI")
                throw Abandoned()
            }
            XCTFail("the body's error is rethrown")
        } catch is Abandoned {}
        let afterMulti = try await client.transaction(watching: [k[1]]) { connection in
            ids.append(try await Self.clientID(connection))
            return [RedisCommand("INCR", k[1])]
        }
        XCTAssertEqual(try XCTUnwrap(afterMulti).first.map { try $0.get().decode(as: Int.self) }, 2,
                       "WATCH and EXEC ran normally after the open MULTI was discarded")
        XCTAssertEqual(ids.count, 4)
        XCTAssertEqual(Set(ids).count, 1, "reset and reused, not replaced: \(ids)")
        _ = try await client.send("DEL", k[0], k[1])
    }

    /// A body that leaves a command unanswered (a BLPOP still blocking, its task cancelled):
    /// the connection cannot be reset in order, so it is closed, and the next transaction gets
    /// a fresh one instead of waiting behind the BLPOP.
    func testConnectionWithARepliesOwedIsClosedNotReused() async throws {
        let client = makeClient(configuration(ports: [try mainPorts()[0]]))
        try await client.connect()
        let k = keys("a", "list")
        let topology = await client.topology()
        let owner = try XCTUnwrap(topology?.shard(forSlot: SlotKeys.slot(of: k[0]))?.primary.endpoint)
        let direct = try await node(owner.port)
        var ids: [Int] = []
        do {
            _ = try await client.transaction(watching: [k[0]]) { connection in
                let id = try await Self.clientID(connection)
                ids.append(id)
                let blocked = Task { try await connection.send("BLPOP", k[1], 5) }
                // Until the node shows it blocked: then its reply is owed on this connection.
                while try await !direct.send("CLIENT", "LIST", "ID", id, as: String.self).contains("cmd=blpop") {
                    try await Task.sleep(for: .milliseconds(10))
                }
                blocked.cancel()
                throw Abandoned()
            }
            XCTFail("the body's error is rethrown")
        } catch is Abandoned {}
        let results = try await client.transaction(watching: [k[0]]) { connection in
            ids.append(try await Self.clientID(connection))
            return [RedisCommand("SET", k[0], 1)]
        }
        XCTAssertNotNil(results)
        XCTAssertEqual(ids.count, 2)
        XCTAssertNotEqual(ids.first, ids.last, "a new connection, not the one with a BLPOP pending")
        // Closed by the pool: the node drops it once it reads the close (polled, bounded).
        var listed = ""
        for _ in 0..<200 {
            listed = try await direct.send("CLIENT", "LIST", "ID", ids[0], as: String.self)
            if !listed.contains("id=\(ids[0]) ") { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        XCTAssertFalse(listed.contains("id=\(ids[0]) "), "the abandoned connection was closed: \(listed)")
        _ = try await client.send("DEL", k[0])
        try await direct.close().get()
    }

    /// With one connection per node, two concurrent transactions take turns on it.
    func testTransactionsWaitForTheBoundedPool() async throws {
        var config = configuration(ports: [try mainPorts()[0]])
        config.maxWatchConnectionsPerNode = 1
        let client = makeClient(config)
        try await client.connect()
        let k = keys("counter")
        try await client.send("SET", k[0], 0)
        let ids = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    var id = 0
                    let results = try await client.transaction(watching: [k[0]]) { connection in
                        id = try await Self.clientID(connection)
                        let current = try await connection.send("GET", k[0], as: Int.self)
                        try await Task.sleep(for: .milliseconds(20))
                        return [RedisCommand("SET", k[0], current + 1)]
                    }
                    XCTAssertNotNil(results, "taking turns, neither saw the other's write between WATCH and EXEC")
                    return id
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        try await expectOneConnection(client, ids: ids, thenDelete: k[0], holding: 2, "one connection, used in turn")
    }
}
