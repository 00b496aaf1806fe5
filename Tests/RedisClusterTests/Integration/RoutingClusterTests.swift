import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// Commands reach the node that owns their slot, reads go where `scaleReads` says, and a
/// burst of redirects causes one refresh.
final class RoutingClusterTests: ClusterClientTestCase {
    func testKeysInEverySlotLandOnTheirOwner() async throws {
        let ports = try mainPorts()
        let client = makeClient(configuration(ports: [ports[0]]))
        try await client.connect()
        let keys = Self.keysCoveringEverySlot(prefix: "route")
        // Other tests look for empty slots on the shared cluster: leave none of these behind.
        addTeardownBlock {
            _ = try await Self.runOnLoop(client, keys.values.sorted()) { key in RedisCommand("DEL", key) }
        }
        // 16384 SETs, 500 in flight at a time, from the loop (the loop-local API).
        let done = try await Self.runOnLoop(client, keys.values.sorted()) { key in RedisCommand("SET", key, key) }
        XCTAssertEqual(done, keys.count)
        // Each primary holds exactly the keys of its slots: ask it directly, no redirects.
        let topologyMaybe = await client.topology()
        let topology = try XCTUnwrap(topologyMaybe)
        var checked = 0
        for shard in topology.shards {
            let connection = try await node(shard.primary.endpoint.port)
            let own = keys.filter { slot, _ in shard.slots.contains { $0.contains(slot) } }
            for (slot, key) in own.prefix(300) {
                let count = try await connection.send("CLUSTER", "COUNTKEYSINSLOT", slot, as: Int.self)
                XCTAssertGreaterThanOrEqual(count, 1, "slot \(slot)")
                let value = try await connection.send("GET", key, as: String?.self)
                XCTAssertEqual(value, key, "slot \(slot) on \(shard.primary.endpoint)")
                checked += 1
            }
            try await connection.close().get()
        }
        XCTAssertEqual(checked, 900)
    }

    /// Sends `make(key)` for every key through `submit(_:onReply:)` on the client's loop,
    /// `window` at a time; returns how many succeeded (fails the test on the first error).
    static func runOnLoop(_ client: RedisClusterClient, _ keys: [String], window: Int = 500,
                   _ make: @escaping @Sendable (String) -> RedisCommand) async throws -> Int {
        let promise = client.eventLoop.makePromise(of: Int.self)
        client.eventLoop.execute {
            var next = 0, done = 0, failed = false
            func issue() {
                guard next < keys.count else { return }
                let key = keys[next]
                next += 1
                client.submit(make(key)) { result in
                    if case .failure(let error) = result, !failed {
                        failed = true
                        return promise.fail(error)
                    }
                    done += 1
                    if done == keys.count { promise.succeed(done) } else { issue() }
                }
            }
            for _ in 0..<min(window, keys.count) { issue() }
        }
        return try await promise.futureResult.get()
    }

    func testCrossSlotCommandsAreRefusedBeforeSending() async throws {
        let ports = try mainPorts()
        let client = makeClient(configuration(ports: [ports[0]]))
        try await client.connect()
        let (a, b) = ("{\(SlotKeys.tag(forSlot: 10))}a", "{\(SlotKeys.tag(forSlot: 9000))}b")
        do {
            _ = try await client.send("MSETNX", a, "1", b, "2")
            XCTFail("cross-slot MSETNX must fail")
        } catch let error as RedisClusterError {
            guard case .crossSlot(let keys) = error.kind else { return XCTFail("\(error)") }
            XCTAssertEqual(keys.map(\.slot), [10, 9000])
            XCTAssertTrue(error.description.contains("CROSSSLOT"), error.description)
        }
        // Same slot: fine.
        let c = "{\(SlotKeys.tag(forSlot: 10))}c"
        try await client.send("DEL", a, c)
        let set = try await client.send("MSETNX", a, "1", c, "2", as: Int.self)
        XCTAssertEqual(set, 1)
    }

    func testReadsGoToReplicasWithScaleReadsReplica() async throws {
        let ports = try mainPorts()
        var config = configuration(ports: [ports[0]])
        config.scaleReads = .replica
        let client = makeClient(config)
        try await client.connect()
        let topologyMaybe = await client.topology()
        let topology = try XCTUnwrap(topologyMaybe)
        let replicaPorts = topology.shards.flatMap(\.replicas).map(\.endpoint.port)
        let primaryPorts = topology.shards.map(\.primary.endpoint.port)
        XCTAssertEqual(replicaPorts.count, 3)
        func getCalls(_ port: Int) async throws -> Int {
            let connection = try await node(port)
            defer { connection.close() }
            let info = try await connection.send("INFO", "commandstats", as: String.self)
            guard let line = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("cmdstat_get:") }),
                  let calls = line.split(separator: ",").first?.split(separator: "=").last.flatMap({ Int($0) }) else { return 0 }
            return calls
        }
        var before: [Int: Int] = [:]
        for port in replicaPorts + primaryPorts { before[port] = try await getCalls(port) }
        let keys = (0..<300).map { "scale-reads:\($0)" }
        for key in keys { try await client.send("SET", key, "v") }
        for key in keys { _ = try await client.send("GET", key) }
        var replicaGets = 0, primaryGets = 0
        for port in replicaPorts { replicaGets += try await getCalls(port) - before[port]! }
        for port in primaryPorts { primaryGets += try await getCalls(port) - before[port]! }
        XCTAssertGreaterThanOrEqual(replicaGets, 300, "every GET served by a replica")
        XCTAssertEqual(primaryGets, 0, "no GET on a primary")
    }

    func testBurstOfMovedToUnknownOwnersCausesOneRefresh() async throws {
        let ports = try mainPorts()
        var config = configuration(ports: [ports[0]])
        config.slotsRefreshInterval = nil
        let client = makeClient(config)
        try await client.connect()
        let realMaybe = await client.topology()
        let real = try XCTUnwrap(realMaybe)
        // Make the client believe one primary serves every slot: commands for the other two
        // shards meet MOVED to primaries the (wrong) table does not know.
        let only = real.shards[0]
        var wrong = only
        wrong.slots = [0...16383]
        let fake = ClusterTopology(shards: [wrong])
        try await client.eventLoop.submit { [coordinator = client.coordinatorForTests] in coordinator.install(fake) }.get()
        let before = await client.statistics().refreshes
        let keys = Self.keysCoveringEverySlot(prefix: "storm").values.filter { key in
            !only.slots.contains { $0.contains(SlotKeys.slot(of: key)) }
        }.prefix(1000)
        XCTAssertEqual(keys.count, 1000)
        let done = try await Self.runOnLoop(client, Array(keys), window: 1000) { RedisCommand("SET", $0, "x") }
        XCTAssertEqual(done, 1000)
        let refreshes = await client.statistics().refreshes - before
        XCTAssertGreaterThanOrEqual(refreshes, 1)
        XCTAssertLessThanOrEqual(refreshes, 2, "one refresh for the burst (plus at most one that joined it)")
        let healed = await client.topology()
        XCTAssertEqual(healed?.shards.count, 3)
    }
}
