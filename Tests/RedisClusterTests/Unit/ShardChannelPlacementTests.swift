import Redis
import XCTest
@testable import RedisCluster

/// Where a shard channel's subscription may live under each `scaleReads`, and the registry
/// keeping a live subscription where it is while that node stays acceptable.
final class ShardChannelPlacementTests: XCTestCase {
    let p = ClusterEndpoint(host: "127.0.0.1", port: 7000)
    let r1 = ClusterEndpoint(host: "127.0.0.1", port: 7003)
    let r2 = ClusterEndpoint(host: "127.0.0.1", port: 7004)
    let orders = PubSubKey(.shardChannel, "orders")

    func shard(replicas: [(ClusterEndpoint, ClusterTopology.Node.Health)]) -> ClusterTopology.Shard {
        ClusterTopology.Shard(slots: [0...16383], primary: .init(id: "p", endpoint: p, role: .primary),
                              replicas: replicas.map { .init(id: "\($0.0.port)", endpoint: $0.0, role: .replica, health: $0.1) })
    }

    func testPrimaryPolicyUsesThePrimaryOnly() {
        XCTAssertEqual(ShardChannelPlacement.nodes(for: "orders", in: shard(replicas: [(r1, .online)]), scaleReads: .primary), [p])
    }

    func testReplicaPolicyUsesOnlineReplicasAndThePrimaryWhenNoneIsOnline() {
        let both = ShardChannelPlacement.nodes(for: "orders", in: shard(replicas: [(r1, .online), (r2, .online)]), scaleReads: .replica)
        XCTAssertEqual(Set(both), [r1, r2], "every online replica is acceptable, the primary is not")
        XCTAssertEqual(both.count, 2)
        XCTAssertEqual(ShardChannelPlacement.nodes(for: "orders", in: shard(replicas: [(r1, .loading), (r2, .online)]), scaleReads: .replica), [r2])
        XCTAssertEqual(ShardChannelPlacement.nodes(for: "orders", in: shard(replicas: [(r1, .failed)]), scaleReads: .replica), [p],
                       "no online replica: the primary")
        XCTAssertEqual(ShardChannelPlacement.nodes(for: "orders", in: shard(replicas: []), scaleReads: .replica), [p])
    }

    func testReplicaPolicySpreadsChannelsOfDifferentSlots() {
        let s = shard(replicas: [(r1, .online), (r2, .online)])
        // Channels whose slots differ in parity prefer different replicas; the same channel always the same one.
        let even = (0...).lazy.map { "c\($0)" }.first { HashSlot.slot(forKey: $0) % 2 == 0 }!
        let odd = (0...).lazy.map { "c\($0)" }.first { HashSlot.slot(forKey: $0) % 2 == 1 }!
        let first = ShardChannelPlacement.nodes(for: even, in: s, scaleReads: .replica).first
        XCTAssertNotEqual(first, ShardChannelPlacement.nodes(for: odd, in: s, scaleReads: .replica).first)
        XCTAssertEqual(first, ShardChannelPlacement.nodes(for: even, in: s, scaleReads: .replica).first)
    }

    func testAnyPolicyAcceptsThePrimaryAndOnlineReplicas() {
        let nodes = ShardChannelPlacement.nodes(for: "orders", in: shard(replicas: [(r1, .online), (r2, .failed)]), scaleReads: .any)
        XCTAssertEqual(Set(nodes), [p, r1])
    }

    func testCustomPolicyChoiceFirstAndOutsideChoicesFallBackToThePrimary() {
        let s = shard(replicas: [(r1, .online), (r2, .online)])
        let pickR2 = ShardChannelPlacement.nodes(for: "orders", in: s, scaleReads: .custom { nodes, command in
            XCTAssertEqual(command.name, "SSUBSCRIBE")
            return nodes.last?.endpoint
        })
        XCTAssertEqual(pickR2, [r2, p, r1])
        let elsewhere = ClusterEndpoint(host: "127.0.0.1", port: 7999)
        XCTAssertEqual(ShardChannelPlacement.nodes(for: "orders", in: s, scaleReads: .custom { _, _ in elsewhere }).first, p)
    }

    func testLiveSubscriptionStaysWhileItsReplicaIsAcceptableAndMovesWhenNot() {
        var registry = PubSubRegistry()
        func view(_ nodes: [ClusterEndpoint]) -> PubSubRegistry.View { .init(shardNodes: { _ in nodes }, nodes: [p]) }
        XCTAssertEqual(registry.add([orders], view: view([r1, r2])), [.subscribe(r1, .shardChannel, ["orders"])])
        _ = registry.confirmed([orders], on: r1)
        XCTAssertEqual(registry.topologyChanged(view: view([r2, r1])), [], "r1 is still acceptable: no move, no gap")
        // r1 is gone from the shard (failed, or the slot moved): make before break onto r2.
        XCTAssertEqual(registry.topologyChanged(view: view([r2])), [.subscribe(r2, .shardChannel, ["orders"])])
        XCTAssertEqual(registry.confirmed([orders], on: r2),
                       [.unsubscribe(r1, .shardChannel, ["orders"]), .gap([orders], node: r2, reason: "moved from \(r1) to \(r2)")])
    }
}
