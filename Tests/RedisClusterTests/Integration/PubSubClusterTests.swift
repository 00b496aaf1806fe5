import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// Subscriptions while the scratch cluster changes under them: a coordinated failover of the
/// channel's shard, a migration of the channel's slot, a lost subscription connection. Over
/// RESP3 and RESP2. The base class restores the layout before and after each test.
final class PubSubClusterTests: ScratchClusterClientTestCase {

    /// Everything a subscription delivered, for the test to wait on.
    actor EventLog {
        var events: [PubSubEvent] = []
        func append(_ event: PubSubEvent) { events.append(event) }
        var payloads: [String] {
            events.compactMap { if case .message(let m) = $0 { return String(buffer: m.payload) } else { return nil } }
        }
        var gaps: [PubSubGap] { events.compactMap { if case .gap(let g) = $0 { return g } else { return nil } } }
    }

    func makeClient(protocolVersion: Int) throws -> RedisClusterClient {
        try makeScratchClient(protocolVersion: protocolVersion, commandTimeout: .seconds(10))
    }

    func collect(_ subscription: ClusterSubscription) -> EventLog {
        let log = EventLog()
        Task { for await event in subscription { await log.append(event) } }
        return log
    }

    /// Publishes `prefix-0`, `prefix-1`… until one arrives (the subscription may be moving).
    @discardableResult
    func publishUntilReceived(_ client: RedisClusterClient, _ command: String, _ channel: String, _ prefix: String, _ log: EventLog) async throws -> String {
        for i in 0..<400 {
            _ = try? await client.send(command, channel, "\(prefix)-\(i)")
            try await Task.sleep(for: .milliseconds(50))
            if let got = await log.payloads.first(where: { $0.hasPrefix("\(prefix)-") }) { return got }
        }
        XCTFail("no \(prefix) message arrived on \(channel)")
        return ""
    }

    func waitForGaps(_ log: EventLog, atLeast count: Int, _ kind: PubSubKind) async throws -> [PubSubGap] {
        for _ in 0..<400 {
            let gaps = await log.gaps.filter { $0.keys.contains { $0.kind == kind } }
            if gaps.count >= count { return gaps }
            try await Task.sleep(for: .milliseconds(50))
        }
        return await log.gaps
    }

    /// Waits for a gap saying the shard channel is live on `port` (it may stop on the way: a
    /// demoted primary drops its shard subscribers, and a subscribe sent on a stale table may
    /// land on that node, now a replica, which serves it until the table catches up).
    func waitForShardGap(_ log: EventLog, on port: Int) async throws -> Int {
        for _ in 0..<400 {
            let gaps = await log.gaps.filter { $0.keys.contains { $0.kind == .shardChannel } }
            if gaps.contains(where: { $0.node.port == port }) { return gaps.count }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTFail("no gap for the shard channel on \(port); gaps: \(await log.gaps)")
        return 0
    }

    /// `slot` picks the shard to fail over: each test uses its own, because the primaries
    /// refuse to vote twice for the same shard's failover within two node timeouts, and the
    /// restore between tests fails the shard back.
    func runSurvivesFailoverAndSlotMigration(protocolVersion: Int, slot: Int) async throws {
        let client = try makeClient(protocolVersion: protocolVersion)
        try await client.connect()
        let shardChannel = "{\(SlotKeys.tag(forSlot: slot))}:orders"
        let channel = "news-\(protocolVersion)"
        let subscription = try await client.subscribe(channels: [channel], shardChannels: [shardChannel])
        let log = collect(subscription)

        try await publishUntilReceived(client, "SPUBLISH", shardChannel, "before", log)
        try await publishUntilReceived(client, "PUBLISH", channel, "classic-before", log)

        // 1. Coordinated failover of the shard that serves the channel's slot.
        let owner = try await control.owner(ofSlot: slot)
        let replicas = try await control.nodes().filter { $0.primaryID == owner.id }
        let replica = try XCTUnwrap(replicas.first)
        try await control.failover(replicaPort: replica.port)
        try await publishUntilReceived(client, "SPUBLISH", shardChannel, "after-failover", log)
        try await publishUntilReceived(client, "PUBLISH", channel, "classic-after-failover", log)
        let gapsAfterFailover = try await waitForShardGap(log, on: replica.port)
        XCTAssertGreaterThanOrEqual(gapsAfterFailover, 1, "the shard subscription moved to the new primary: a gap")

        // 2. The channel's slot migrates to another primary.
        let nodes = try await control.nodes()
        let target = try XCTUnwrap(nodes.first { $0.isPrimary && $0.port != replica.port && $0.slotCount > 0 })
        try await control.migrateSlot(slot, to: target.port)
        try await publishUntilReceived(client, "SPUBLISH", shardChannel, "after-migration", log)
        let gapsAfterMigration = try await waitForShardGap(log, on: target.port)
        XCTAssertGreaterThan(gapsAfterMigration, gapsAfterFailover, "moved again with the slot: another gap")
        try await publishUntilReceived(client, "PUBLISH", channel, "classic-after-migration", log)

        let payloads = await log.payloads
        XCTAssertTrue(payloads.contains { $0.hasPrefix("before-") })
        XCTAssertTrue(payloads.contains { $0.hasPrefix("after-failover-") })
        XCTAssertTrue(payloads.contains { $0.hasPrefix("after-migration-") })
        await subscription.unsubscribe()
    }

    func testShardedAndClassicSubscriptionsSurviveFailoverAndSlotMigrationRESP3() async throws {
        try await runSurvivesFailoverAndSlotMigration(protocolVersion: 3, slot: 7000)
    }

    func testShardedAndClassicSubscriptionsSurviveFailoverAndSlotMigrationRESP2() async throws {
        try await runSurvivesFailoverAndSlotMigration(protocolVersion: 2, slot: 12000)
    }

    func testClassicSubscriptionsMoveWhenTheirConnectionIsLost() async throws {
        let client = try makeClient(protocolVersion: 3)
        try await client.connect()
        let subscription = try await client.subscribe(channels: ["alerts"], patterns: ["metric:*"])
        let log = collect(subscription)
        try await publishUntilReceived(client, "PUBLISH", "alerts", "one", log)
        let classicNode = await client.classicNodeForTests()
        let first = try XCTUnwrap(classicNode)

        // The node drops every pub/sub client, as if it went away.
        try await control.send(first.port, "CLIENT", "KILL", "TYPE", "pubsub")
        _ = try await waitForGaps(log, atLeast: 1, .pattern)
        _ = try await waitForGaps(log, atLeast: 1, .channel)
        let gaps = await log.gaps
        XCTAssertEqual(Set(gaps.flatMap(\.keys)), [PubSubKey(.channel, "alerts"), PubSubKey(.pattern, "metric:*")],
                       "both kinds moved, each with a gap")
        for gap in gaps {
            XCTAssertTrue(gap.reason.contains("lost"), gap.reason)
            XCTAssertNotEqual(gap.node, first, "moved to another node")
        }
        try await publishUntilReceived(client, "PUBLISH", "alerts", "two", log)
        try await publishUntilReceived(client, "PUBLISH", "metric:cpu", "three", log)
        let events = await log.events
        let patternMessage = events.contains {
            if case .message(let m) = $0 { return m.kind == .pattern && m.pattern == "metric:*" && m.channel == "metric:cpu" } else { return false }
        }
        XCTAssertTrue(patternMessage, "pattern messages name the pattern and the channel")
    }

    /// With `scaleReads` `.replica` a shard channel lives on a replica of its slot's shard (the
    /// nodes' own `PUBSUB SHARDNUMSUB` say where), and follows the shard: after a failover to
    /// the demoted primary (now the replica), after a migration to the new shard's replica.
    func testShardSubscriptionsLiveOnReplicasWithScaleReadsAndFollowFailoverAndMigration() async throws {
        let client = try makeScratchClient(protocolVersion: 3, commandTimeout: .seconds(10)) { $0.scaleReads = .replica }
        try await client.connect()
        let slot = 3000
        let channel = "{\(SlotKeys.tag(forSlot: slot))}:replica-orders"
        let subscription = try await client.subscribe(shardChannels: [channel])
        let log = collect(subscription)
        let owner = try await control.owner(ofSlot: slot)
        let shardNodes = try await control.nodes()
        let replica = try XCTUnwrap(shardNodes.first { $0.primaryID == owner.id })
        try await waitForShardSubscriber(channel, onlyOn: replica.port)
        try await publishUntilReceived(client, "SPUBLISH", channel, "before", log)

        // The replica holding it is promoted: it moves to the demoted primary, the replica now.
        try await control.failover(replicaPort: replica.port)
        _ = try await waitForShardGap(log, on: owner.port)
        try await waitForShardSubscriber(channel, onlyOn: owner.port)
        try await publishUntilReceived(client, "SPUBLISH", channel, "after-failover", log)

        // The slot moves to another shard: the subscription moves to that shard's replica.
        let target = try await otherPrimary(than: replica.port)
        let nodes = try await control.nodes()
        let targetPrimary = try XCTUnwrap(nodes.first { $0.port == target })
        let targetReplica = try XCTUnwrap(nodes.first { $0.primaryID == targetPrimary.id })
        try await control.migrateSlot(slot, to: target)
        try await publishUntilReceived(client, "SPUBLISH", channel, "after-migration", log)
        _ = try await waitForShardGap(log, on: targetReplica.port)
        try await waitForShardSubscriber(channel, onlyOn: targetReplica.port)
        await subscription.unsubscribe()
    }

    /// Waits until `port` is the only node with a subscriber to `channel` (an old home drops
    /// its subscription once the new one is confirmed).
    func waitForShardSubscriber(_ channel: String, onlyOn port: Int) async throws {
        let ports = try ClusterTestPorts.list(ClusterTestPorts.scratch, count: 6)
        var counts: [Int: Int] = [:]
        for _ in 0..<200 {
            for node in ports {
                let reply = try await control.send(node, ["PUBSUB", "SHARDNUMSUB", channel])
                switch reply {
                case .array(let items?) where items.count == 2: counts[node] = try items[1].decode(as: Int.self)
                case .map(let pairs): counts[node] = try pairs.first.map { try $0.value.decode(as: Int.self) } ?? 0
                default: return XCTFail("PUBSUB SHARDNUMSUB on \(node): \(reply)")
                }
            }
            if counts.allSatisfy({ $0.value == ($0.key == port ? 1 : 0) }) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTFail("\(channel) should be subscribed on \(port) only; SHARDNUMSUB per node: \(counts)")
    }

    func testLoopLocalSubscriptionDeliversOnTheLoop() async throws {
        let client = try makeClient(protocolVersion: 3)
        try await client.connect()
        let received = EventLog()
        let loop = client.eventLoop
        let (id, ready) = try await loop.submit {
            client.subscribeOnLoop(shardChannels: ["loop-local"]) { event in
                loop.preconditionInEventLoop()
                Task { await received.append(event) }
            }
        }.get()
        try await ready.get()
        try await publishUntilReceived(client, "SPUBLISH", "loop-local", "hello", received)
        await client.unsubscribe(id)
        let live = try await loop.submit { client.coordinator.pubSubHub?.registry.entries.isEmpty ?? true }.get()
        XCTAssertTrue(live, "no subscription left after unsubscribe")
    }
}

extension RedisClusterClient {
    /// The node holding the classic subscriptions, for tests.
    func classicNodeForTests() async -> ClusterEndpoint? {
        try? await eventLoop.submit { [self] in coordinator.pubSubHub?.registry.classicNode }.get()
    }
}
