import Redis
import SwiftEV
import XCTest
@testable import RedisCluster

/// The small decision values around the coordinator: waiting queue, discovery retries,
/// reconnect backoff, node selection, topology diffs.
final class DecisionValuesTests: XCTestCase {
    let t0 = Deadline(uptimeNanoseconds: 10_000_000_000)
    let e0 = ClusterEndpoint(host: "127.0.0.1", port: 7000)

    func testNodeConnectionsSendEarlyLessOftenThanALoneConnection() {
        let lone = RedisConnectionConfiguration()
        let cluster = RedisClusterConfiguration(seeds: [.init(host: "127.0.0.1", port: 7000)])
        XCTAssertEqual(cluster.node.earlyFlushThreshold, 8 * 1024)
        XCTAssertGreaterThan(cluster.node.earlyFlushThreshold, lone.earlyFlushThreshold)
    }

    func testWaitingQueueIsBoundedAndExpiresByDeadline() {
        var q = WaitingQueue<Int>(limit: 3)
        XCTAssertTrue(q.append(1, deadline: t0 + .seconds(3), reason: .topology))
        XCTAssertTrue(q.append(2, deadline: t0 + .seconds(1), reason: .uncoveredSlot(5)))
        XCTAssertTrue(q.append(3, deadline: t0 + .seconds(2), reason: .topology))
        XCTAssertFalse(q.append(4, deadline: t0, reason: .topology), "full")
        XCTAssertEqual(q.earliestDeadline, t0 + .seconds(1))
        let expired = q.takeExpired(now: t0 + .seconds(2))
        XCTAssertEqual(expired.map(\.element), [2, 3])
        XCTAssertEqual(expired.first?.reason, .uncoveredSlot(5))
        XCTAssertEqual(q.takeAll().map(\.element), [1])
        XCTAssertTrue(q.isEmpty)
    }

    func testDiscoveryRetriesThenGivesUpNamingEverySeed() {
        var d = DiscoveryRetry(strategy: { attempt, _ in attempt > 2 ? nil : .milliseconds(Int64(100 + 2 * attempt)) })
        let failures = [NodeFailure(endpoint: e0, cause: .unreachable("connection refused")),
                        NodeFailure(endpoint: ClusterEndpoint(host: "127.0.0.1", port: 7001), cause: .timedOut)]
        XCTAssertEqual(d.roundFailed(failures), .retry(after: .milliseconds(102)))
        XCTAssertEqual(d.roundFailed(failures), .retry(after: .milliseconds(104)))
        guard case .giveUp(let error) = d.roundFailed(failures) else { return XCTFail("should give up") }
        XCTAssertEqual(error.kind, .noReachableNode(failures))
        XCTAssertTrue(error.description.contains("127.0.0.1:7000: unreachable: connection refused"), error.description)
        XCTAssertTrue(error.description.contains("127.0.0.1:7001: no topology reply in time"), error.description)
    }

    func testDiscoveryGivesUpAtOnceWhenEveryNodeRefusesCredentials() {
        var d = DiscoveryRetry(strategy: { _, _ in .milliseconds(100) })
        let refused = [NodeFailure(endpoint: e0, cause: .authenticationFailed(.init(code: "WRONGPASS", message: "invalid username-password pair")))]
        guard case .giveUp = d.roundFailed(refused) else { return XCTFail("auth failures are not retried") }
        let mixed = refused + [NodeFailure(endpoint: e0, cause: .timedOut)]
        XCTAssertEqual(d.roundFailed(mixed), .retry(after: .milliseconds(100)))
    }

    func testReconnectBackoffDoublesUpToTheCap() {
        var b = ReconnectBackoff(initial: .milliseconds(50), maximum: .milliseconds(300))
        XCTAssertEqual(b.failed(random: 0), .milliseconds(50))
        XCTAssertEqual(b.failed(random: 0), .milliseconds(100))
        XCTAssertEqual(b.failed(random: 0), .milliseconds(200))
        XCTAssertEqual(b.failed(random: 0), .milliseconds(300))
        XCTAssertEqual(b.failed(random: 0.999), .nanoseconds(300_000_000 + Int64(300_000_000.0 * 0.25 * 0.999)))
        b.succeeded()
        XCTAssertEqual(b.failed(random: 0), .milliseconds(50))
    }

    private func shard(_ primary: Int, replicas: [(Int, ClusterTopology.Node.Health)], slots: ClosedRange<Int>) -> ClusterTopology.Shard {
        ClusterTopology.Shard(
            slots: [slots],
            primary: .init(id: "p\(primary)", endpoint: .init(host: "127.0.0.1", port: primary), role: .primary),
            replicas: replicas.map { .init(id: "r\($0.0)", endpoint: .init(host: "127.0.0.1", port: $0.0), role: .replica, health: $0.1) })
    }

    func testNodeSelectorSendsWritesToPrimaryAndReadsByPolicy() {
        let s = shard(7000, replicas: [(7003, .online), (7004, .loading), (7005, .online)], slots: 0...100)
        var selector = NodeSelector()
        let get = RedisCommand("GET", "k")
        let set = RedisCommand("SET", "k", "v")
        XCTAssertEqual(selector.select(in: s, command: set, isReadOnly: false, scaleReads: .replica).port, 7000)
        XCTAssertEqual(selector.select(in: s, command: get, isReadOnly: true, scaleReads: .primary).port, 7000)
        var replicaPorts = Set<Int>()
        for _ in 0..<10 { replicaPorts.insert(selector.select(in: s, command: get, isReadOnly: true, scaleReads: .replica).port) }
        XCTAssertEqual(replicaPorts, [7003, 7005], "round robin over online replicas only")
        let custom = RedisClusterConfiguration.ScaleReads.custom { nodes, _ in nodes.last?.endpoint }
        XCTAssertEqual(selector.select(in: s, command: get, isReadOnly: true, scaleReads: custom).port, 7005)
        let lonely = shard(7001, replicas: [(7006, .failed)], slots: 0...1)
        XCTAssertEqual(selector.select(in: lonely, command: get, isReadOnly: true, scaleReads: .replica).port, 7001,
                       "no online replica: the primary")
    }

    func testTopologyPatchAndChange() {
        let before = ClusterTopology(shards: [shard(7000, replicas: [(7003, .online)], slots: 0...8191),
                                              shard(7001, replicas: [(7004, .online)], slots: 8192...16383)])
        XCTAssertEqual(before.coveredSlots, 16384)
        var after = before
        XCTAssertTrue(after.assign(slot: 5, to: .init(host: "127.0.0.1", port: 7001)))
        XCTAssertEqual(after.shard(forSlot: 5)?.primary.endpoint.port, 7001)
        XCTAssertFalse(after.assign(slot: 6, to: .init(host: "127.0.0.1", port: 7009)), "unknown primary")
        XCTAssertEqual(after.shard(forSlot: 6)?.primary.endpoint.port, 7009)
        let change = TopologyChange(from: before, to: after)
        XCTAssertEqual(change.movedSlots, 2)
        XCTAssertEqual(change.addedNodes, [.init(host: "127.0.0.1", port: 7009)])
        // A failover: the replica becomes the primary of the same slots.
        let failedOver = ClusterTopology(shards: [shard(7003, replicas: [], slots: 0...8191),
                                                  shard(7001, replicas: [(7004, .online)], slots: 8192...16383)])
        let failover = TopologyChange(from: before, to: failedOver)
        XCTAssertEqual(failover.promoted, [.init(host: "127.0.0.1", port: 7003)])
        XCTAssertEqual(failover.removedNodes, [.init(host: "127.0.0.1", port: 7000)])
        XCTAssertEqual(failover.movedSlots, 8192)
    }

    func testConnectAddressAppliesNatMapThenLookup() {
        var config = RedisClusterConfiguration(seeds: [.init(host: "127.0.0.1", port: 7000)])
        config.natMap = [.init(host: "node-1.swiftev.invalid", port: 6379): .init(host: "127.0.0.1", port: 7030)]
        config.dnsLookup = { $0.hasSuffix(".swiftev.invalid") ? "127.0.0.1" : nil }
        XCTAssertEqual(config.connectAddress(for: .init(host: "node-1.swiftev.invalid", port: 6379)), .init(host: "127.0.0.1", port: 7030))
        XCTAssertEqual(config.connectAddress(for: .init(host: "node-2.swiftev.invalid", port: 7031)), .init(host: "127.0.0.1", port: 7031))
        XCTAssertEqual(config.connectAddress(for: .init(host: "::1", port: 7000)), .init(host: "::1", port: 7000))
    }
}
