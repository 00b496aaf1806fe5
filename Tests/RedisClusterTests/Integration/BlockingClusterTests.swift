import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// Blocking commands on the main cluster: they run on connections of their own, so the node's
/// shared connection keeps serving everyone else. Keys are unique per test and deleted after.
final class BlockingClusterTests: ClusterClientTestCase {
    var keysToDelete: [String] = []

    override func tearDown() async throws {
        if !keysToDelete.isEmpty, let client = clients.first {
            for key in keysToDelete { _ = try? await client.send("DEL", key) }
        }
        keysToDelete = []
        try await super.tearDown()
    }

    func uniqueTag() -> String { "blk-\(UInt32.random(in: 0...UInt32.max))" }

    func testBLPOPWaitsWhileTenThousandGETsOnTheSameNodeComplete() async throws {
        let client = makeClient(configuration(ports: try mainPorts()))
        try await client.connect()
        let tag = uniqueTag()
        let list = "{\(tag)}:list", value = "{\(tag)}:value"
        keysToDelete = [list, value]
        try await client.send("SET", value, "v")
        let popped = Task { try await client.send("BLPOP", list, 30, as: [String]?.self) }
        // Wait until the node really holds the BLPOP (blocked_clients counts it).
        let owner = try await ClusterControl.main().owner(ofSlot: SlotKeys.slot(of: list))
        let direct = try await node(owner.port)
        defer { direct.close() }
        try await waitUntil("BLPOP blocked on \(owner.port)") {
            let info = try await direct.send("INFO", "clients", as: String.self)
            return !info.contains("blocked_clients:0\r")
        }

        // 10,000 GETs of a key in the same slot, 100 in flight at a time, through the same client.
        let completed = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<100 {
                group.addTask {
                    var ok = 0
                    for _ in 0..<100 where try await client.send("GET", value, as: String?.self) == "v" { ok += 1 }
                    _ = worker
                    return ok
                }
            }
            return try await group.reduce(0, +)
        }
        XCTAssertEqual(completed, 10_000, "every GET answered while BLPOP blocked")
        let blockingConnections = await client.blockingConnectionCountForTests()
        XCTAssertEqual(blockingConnections, 1, "the BLPOP has a connection of its own")

        try await client.send("RPUSH", list, "job")
        let result = try await popped.value
        XCTAssertEqual(result, [list, "job"], "the BLPOP was still waiting, and got the pushed element")
    }

    func testBlockingCommandDeadlineIsItsOwnTimeoutPlusTheClients() async throws {
        var config = configuration(ports: try mainPorts())
        config.commandTimeout = .milliseconds(300)
        let client = makeClient(config)
        try await client.connect()
        let list = "{\(uniqueTag())}:empty"
        // The server's timeout (1 s) passes first: a nil reply, not a client-side timeout.
        let result = try await client.send("BLPOP", list, "1", as: [String]?.self)
        XCTAssertNil(result)
    }

    func testPoolBoundQueuesThenRefusesAndHandsConnectionsOver() async throws {
        var config = configuration(ports: try mainPorts())
        config.maxBlockingConnectionsPerNode = 2
        config.maxBlockingQueuePerNode = 1
        let client = makeClient(config)
        try await client.connect()
        let tag = uniqueTag()
        let lists = (0..<4).map { "{\(tag)}:q\($0)" }
        keysToDelete = lists
        // Submitted in one loop turn, in order: two get connections, one queues, one is refused.
        let futures = try await client.eventLoop.submit {
            lists.map { client.submit(RedisCommand("BLPOP", $0, 20)) }
        }.get()
        do {
            _ = try await futures[3].get()
            XCTFail("a fourth blocking command must be refused")
        } catch let error as RedisClusterError {
            guard case .blockingConnectionsBusy(_, let limit, let queued) = error.kind else { return XCTFail("\(error)") }
            XCTAssertEqual(limit, 2)
            XCTAssertEqual(queued, 1)
        }
        // The queued one runs once a connection comes back.
        try await client.send("RPUSH", lists[0], "a")
        try await client.send("RPUSH", lists[2], "c")
        let first = try await futures[0].get()
        XCTAssertEqual(try first.decode(as: [String].self), [lists[0], "a"])
        let third = try await futures[2].get()
        XCTAssertEqual(try third.decode(as: [String].self), [lists[2], "c"], "the queued BLPOP got the freed connection")
        try await client.send("RPUSH", lists[1], "b")
        let second = try await futures[1].get()
        XCTAssertEqual(try second.decode(as: [String].self), [lists[1], "b"])
        let open = await client.blockingConnectionCountForTests()
        XCTAssertEqual(open, 2, "never more than the bound")
    }

    func waitUntil(_ what: String, _ check: () async throws -> Bool) async throws {
        for _ in 0..<200 {
            if try await check() { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        XCTFail("not reached: \(what)")
    }
}
