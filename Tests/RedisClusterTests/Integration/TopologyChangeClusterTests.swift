import Foundation
import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// The cluster client while the scratch cluster changes under it: a slot moved by hand, a live
/// migration (real ASK), a coordinated failover and a killed primary, each under load. The
/// base class puts the scratch cluster back to its 3+3 layout before and after every test.
final class TopologyChangeClusterTests: ScratchClusterClientTestCase {
    func makeClient(refreshInterval: TimeAmount? = .seconds(5)) throws -> RedisClusterClient {
        try makeScratchClient { $0.slotsRefreshInterval = refreshInterval }
    }

    func testSlotMovedByHandIsFollowedAndPatched() async throws {
        let client = try makeClient(refreshInterval: nil)
        try await client.connect()
        let slot = 1234
        let key = "{\(SlotKeys.tag(forSlot: slot))}:moved"
        try await client.send("SET", key, "before")
        let owner = try await control.owner(ofSlot: slot)
        let target = try await otherPrimary(than: owner.port)
        try await control.migrateSlot(slot, to: target)
        let refreshesBefore = await client.statistics().refreshes

        let value = try await client.send("GET", key, as: String?.self)
        XCTAssertEqual(value, "before", "the key moved with its slot and the GET followed MOVED")
        let stats = await client.statistics()
        XCTAssertEqual(stats.movedFollowed, 1)
        let table = await client.topology()
        XCTAssertEqual(table?.shard(forSlot: slot)?.primary.endpoint.port, target, "slot patched at once")
        let refreshesAfter = await client.statistics().refreshes
        XCTAssertEqual(refreshesAfter, refreshesBefore, "MOVED to a known primary needs no refresh")
        // The next command goes straight to the new owner.
        try await client.send("SET", key, "after")
        let stillOne = await client.statistics().movedFollowed
        XCTAssertEqual(stillOne, 1)
    }

    func testLiveMigrationUnderLoadFollowsAskAndLosesNothing() async throws {
        let client = try makeClient(refreshInterval: nil)
        try await client.connect()
        let slot = 4321
        let keys = SlotKeys.keys(inSlot: slot, count: 200, prefix: "ask")
        for key in keys { try await client.send("SET", key, 0) }
        let load = try await IncrementLoad.start(client, keys: keys, window: 1)
        let owner = try await control.owner(ofSlot: slot)
        let target = try await otherPrimary(than: owner.port)
        let migration = try await control.beginSlotMigration(slot, to: target, keysPerStep: 10, stopHalfway: true)
        // Traffic meets the half-moved slot: keys already moved answer ASK at the source.
        try await waitForProgress(load, increments: 500)
        try await control.finish(migration)
        try await waitForProgress(load, increments: 500)
        try await load.stop()

        XCTAssertEqual(load.otherErrors, [], "no error surfaced during the migration")
        let unknown = try await client.eventLoop.submit { load.unknown.reduce(0, +) }.get()
        XCTAssertEqual(unknown, 0, "nothing was lost in flight")
        let problems = try await load.verify()
        XCTAssertEqual(problems, [], "every key holds exactly its acknowledged increments")
        let stats = await client.statistics()
        XCTAssertGreaterThan(stats.askFollowed, 0, "real ASK replies were followed")
        XCTAssertGreaterThan(stats.movedFollowed, 0, "and a MOVED once the slot was handed over")
    }

    func testCoordinatedFailoverUnderLoadSurfacesNoError() async throws {
        let client = try makeClient()
        try await client.connect()
        let keys = (0..<64).map { "failover:{\(SlotKeys.tag(forSlot: $0 * 256))}" }
        for key in keys { try await client.send("SET", key, 0) }
        let load = try await IncrementLoad.start(client, keys: keys, window: 1)
        try await waitForProgress(load, increments: 300)
        let nodes = try await control.nodes()
        let replica = try XCTUnwrap(nodes.first { !$0.isPrimary })
        try await control.failover(replicaPort: replica.port)
        try await waitForProgress(load, increments: 1000)
        try await load.stop()

        XCTAssertEqual(load.otherErrors, [], "a failover surfaces no error")
        let unknown = try await client.eventLoop.submit { load.unknown.reduce(0, +) }.get()
        XCTAssertEqual(unknown, 0, "a coordinated failover loses no connection")
        let problems = try await load.verify()
        XCTAssertEqual(problems, [], "every acknowledged write is there")
        let table = await client.topology()
        XCTAssertTrue(table?.shards.contains { $0.primary.endpoint.port == replica.port } ?? false,
                      "the promoted replica is a primary in the client's table")
    }

    func testKilledPrimaryUnderWriteLoadNeverAppliesAWriteTwice() async throws {
        let client = try makeClient()
        try await client.connect()
        let keys = (0..<64).map { "kill:{\(SlotKeys.tag(forSlot: $0 * 256 + 7))}" }
        for key in keys { try await client.send("SET", key, 0) }
        let load = try await IncrementLoad.start(client, keys: keys, window: 1)
        try await waitForProgress(load, increments: 300)
        let nodes = try await control.nodes()
        let victim = try XCTUnwrap(nodes.first { $0.isPrimary && $0.slotCount > 0 })
        let killed = try await control.kill9(port: victim.port)
        let duringOutage = try await load.ackedPerKey()
        let promoted = try await control.waitForPromotion(replacing: killed)
        let afterPromotion = try await load.ackedPerKey()
        // One dead shard does not stall the others: keys of the healthy shards kept being
        // written while the dead primary's slots waited for the promotion.
        let healthy = keys.indices.filter { index in
            !killed.slots.contains { $0.contains(SlotKeys.slot(of: keys[index])) }
        }
        XCTAssertFalse(healthy.isEmpty)
        let progressed = healthy.filter { afterPromotion[$0] > duringOutage[$0] }
        XCTAssertEqual(progressed.count, healthy.count, "every healthy shard's key progressed during the outage")
        try await waitForProgress(load, increments: 2000)
        try await load.stop()

        // In-flight writes on the dead node fail as "outcome unknown" (never retried); the
        // others wait for the promotion and succeed: no other error reaches the caller.
        XCTAssertEqual(load.otherErrors, [], "only unknown outcomes may fail")
        let problems = try await load.verify()
        XCTAssertEqual(problems, [], "no increment lost or applied twice")
        // Fully working again: a key in the dead primary's slots reads and writes.
        let slot = try XCTUnwrap(killed.slots.first?.lowerBound)
        let key = "{\(SlotKeys.tag(forSlot: slot))}:after-kill"
        try await client.send("SET", key, "ok")
        let value = try await client.send("GET", key, as: String?.self)
        XCTAssertEqual(value, "ok")
        let owner = await client.topology()?.shard(forSlot: slot)?.primary.endpoint.port
        XCTAssertEqual(owner, promoted.port)
        try await control.restart(port: killed.port)
    }

    func testScaleOutShardIsUsedAndScaleInClosesItsNodes() async throws {
        let client = try makeClient(refreshInterval: .milliseconds(200))
        try await client.connect()
        let events = EventLog()
        let reader = Task { for await event in client.events { events.append(event) } }
        defer { reader.cancel() }
        let (primary, replica) = (control.sparePorts[0], control.sparePorts[1])
        let slot = 100
        let key = "{\(SlotKeys.tag(forSlot: slot))}:scale"
        try await client.send("SET", key, "before")
        let owner = try await control.owner(ofSlot: slot)

        try await control.addShard(primaryPort: primary, replicaPort: replica, slots: [slot])
        try await waitForTopology(client) { $0.shards.count == 4 && $0.shard(forSlot: slot)?.primary.endpoint.port == primary }
        try await client.send("SET", key, "after")
        let onNewPrimary = try await control.send(primary, ["GET", key]).decode(as: String?.self)
        XCTAssertEqual(onNewPrimary, "after", "the write went to the new shard")
        XCTAssertTrue(events.contains { if case .nodeAdded(let node) = $0 { return node.port == primary } else { return false } })

        try await control.removeShard(primaryPort: primary, movingSlotsTo: owner.port)
        try await waitForTopology(client) { $0.shards.count == 3 }
        let value = try await client.send("GET", key, as: String?.self)
        XCTAssertEqual(value, "after", "the key moved back with its slot")
        XCTAssertTrue(events.contains { if case .nodeRemoved(let node) = $0 { return node.port == primary } else { return false } })
        // The removed node's connection is closed once idle: the node itself sees no client of ours.
        try await waitUntil("the removed primary has no client connection of ours") {
            let clients = try await self.control.send(primary, ["CLIENT", "LIST"]).decode(as: String.self)
            return clients.split(whereSeparator: \.isNewline).count <= 1  // only ClusterControl's own
        }
    }

    private func waitForTopology(_ client: RedisClusterClient, timeout: Duration = .seconds(15),
                                 _ condition: @escaping @Sendable (ClusterTopology) -> Bool) async throws {
        try await waitUntil("the client's topology to change") {
            guard let topology = await client.topology() else { return false }
            return condition(topology)
        }
    }

    private func waitUntil(_ what: String, timeout: Duration = .seconds(15), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else { return XCTFail("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits (bounded) until the load has `increments` more acknowledged increments.
    private func waitForProgress(_ load: IncrementLoad, increments: Int, timeout: Duration = .seconds(30)) async throws {
        let start = try await load.ackedTotal()
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while try await load.ackedTotal() < start + increments {
            if clock.now > deadline {
                let errors = try await Self.group.loops[0].submit { load.otherErrors.prefix(3) }.get()
                return XCTFail("load made no progress for \(timeout); errors: \(errors)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Events a client delivered, collected by a reading task.
final class EventLog: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var events: [ClusterEvent] = []
    func append(_ event: ClusterEvent) { lock.lock(); events.append(event); lock.unlock() }
    func contains(where predicate: (ClusterEvent) -> Bool) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return events.contains(where: predicate)
    }
}
