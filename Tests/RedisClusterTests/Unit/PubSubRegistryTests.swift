import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// The pub/sub placement decisions, without sockets: where subscriptions go, make before break,
/// gaps, lost nodes, the server's own `sunsubscribe`.
final class PubSubRegistryTests: XCTestCase {
    let a = ClusterEndpoint(host: "127.0.0.1", port: 7000)
    let b = ClusterEndpoint(host: "127.0.0.1", port: 7001)
    let c = ClusterEndpoint(host: "127.0.0.1", port: 7002)
    let orders = PubSubKey(.shardChannel, "orders")
    let news = PubSubKey(.channel, "news")
    let users = PubSubKey(.pattern, "user:*")

    func view(_ owner: ClusterEndpoint?, nodes: [ClusterEndpoint]? = nil) -> PubSubRegistry.View {
        PubSubRegistry.View(owner: { _ in owner }, nodes: nodes ?? [a, b, c])
    }

    func testShardChannelGoesToItsSlotOwnerAndClassicToOneNode() {
        var registry = PubSubRegistry()
        let slotOwner: PubSubRegistry.View = .init(owner: { $0 == HashSlot.slot(forKey: "orders") ? self.b : self.c }, nodes: [a, b, c])
        let actions = registry.add([orders, news, users], view: slotOwner)
        XCTAssertEqual(actions, [.subscribe(a, .channel, ["news"]), .subscribe(a, .pattern, ["user:*"]),
                                 .subscribe(b, .shardChannel, ["orders"])])
        XCTAssertEqual(registry.classicNode, a)
        XCTAssertEqual(registry.entries[orders]?.placement, .subscribing(b))
        XCTAssertEqual(registry.confirmed([orders], on: b), [], "a first subscription is no gap")
        XCTAssertEqual(registry.entries[orders]?.placement, .active(b))
    }

    func testShardChannelsOfDifferentSlotsAreSubscribedSeparately() {
        var registry = PubSubRegistry()
        let x = PubSubKey(.shardChannel, "{t}x"), y = PubSubKey(.shardChannel, "{t}y"), z = PubSubKey(.shardChannel, "z")
        let actions = registry.add([x, y, z], view: view(a))
        XCTAssertEqual(actions.count, 2, "same hash tag: one SSUBSCRIBE; another slot: another")
        XCTAssertTrue(actions.contains(.subscribe(a, .shardChannel, ["{t}x", "{t}y"])))
        XCTAssertTrue(actions.contains(.subscribe(a, .shardChannel, ["z"])))
    }

    func testOwnerChangeSubscribesNewFirstThenDropsOldWithAGap() {
        var registry = PubSubRegistry()
        _ = registry.add([orders], view: view(a))
        _ = registry.confirmed([orders], on: a)
        XCTAssertEqual(registry.topologyChanged(view: view(b)), [.subscribe(b, .shardChannel, ["orders"])],
                       "subscribed on the new owner; the old one is not dropped yet")
        XCTAssertEqual(registry.entries[orders]?.replacing, a)
        let actions = registry.confirmed([orders], on: b)
        XCTAssertEqual(actions, [.unsubscribe(a, .shardChannel, ["orders"]),
                                 .gap([orders], node: b, reason: "moved from \(a) to \(b)")])
        XCTAssertEqual(registry.entries[orders], PubSubRegistry.Entry(placement: .active(b), replacing: nil, moved: false,
                                                                     reason: "moved from \(a) to \(b)"))
        XCTAssertEqual(registry.topologyChanged(view: view(b)), [], "nothing to do when nothing changed")
    }

    func testMovedReplyToSubscribeGoesToTheNewOwnerWithoutAGapForAFreshSubscription() {
        var registry = PubSubRegistry()
        _ = registry.add([orders], view: view(a))
        // The node said MOVED: the hub patched the table, so the view now says b.
        XCTAssertEqual(registry.refused([orders], on: a, redirected: true, view: view(b)), [.subscribe(b, .shardChannel, ["orders"])])
        XCTAssertEqual(registry.confirmed([orders], on: b), [], "never confirmed before: nothing was missed")
    }

    func testRefusalWithoutRedirectWaitsForARetry() {
        var registry = PubSubRegistry()
        _ = registry.add([orders], view: view(a))
        XCTAssertEqual(registry.refused([orders], on: a, redirected: false, view: view(a)), [.refreshTopology, .retryLater])
        XCTAssertEqual(registry.entries[orders]?.placement, .unplaced)
        XCTAssertEqual(registry.retry(view: view(a)), [.subscribe(a, .shardChannel, ["orders"])])
    }

    func testLostNodeMovesClassicSubscriptionsElsewhereAfterADelayWithAGap() {
        var registry = PubSubRegistry()
        _ = registry.add([news, users], view: view(nil))
        _ = registry.confirmed([news], on: a)
        _ = registry.confirmed([users], on: a)
        XCTAssertEqual(registry.nodeLost(a), [.refreshTopology, .retryLater], "not placed at once: no tight loop on a dead node")
        XCTAssertNil(registry.classicNode)
        // The topology still lists a (a restart, not yet noticed): the classic ones go to b.
        XCTAssertEqual(registry.retry(view: view(nil)), [.subscribe(b, .channel, ["news"]), .subscribe(b, .pattern, ["user:*"])])
        XCTAssertEqual(registry.confirmed([news], on: b), [.gap([news], node: b, reason: "connection to \(a) lost")])
        XCTAssertEqual(registry.confirmed([users], on: b), [.gap([users], node: b, reason: "connection to \(a) lost")])
        XCTAssertEqual(registry.classicNode, b)
    }

    func testLostOldNodeDuringAMoveIsNotUnsubscribed() {
        var registry = PubSubRegistry()
        _ = registry.add([orders], view: view(a))
        _ = registry.confirmed([orders], on: a)
        _ = registry.topologyChanged(view: view(b))
        _ = registry.nodeLost(a)
        let actions = registry.confirmed([orders], on: b)
        XCTAssertEqual(actions, [.gap([orders], node: b, reason: "moved from \(a) to \(b)")], "no UNSUBSCRIBE on a lost connection")
    }

    func testServerSunsubscribeResubscribesAtOnceAndReportsTheGap() {
        var registry = PubSubRegistry()
        _ = registry.add([orders], view: view(a))
        _ = registry.confirmed([orders], on: a)
        // The table is stale (still says a): the subscribe goes to a and meets MOVED.
        XCTAssertEqual(registry.serverUnsubscribed(orders, on: a, view: view(a)), [.subscribe(a, .shardChannel, ["orders"]), .refreshTopology])
        XCTAssertEqual(registry.refused([orders], on: a, redirected: true, view: view(b)), [.subscribe(b, .shardChannel, ["orders"])])
        XCTAssertEqual(registry.confirmed([orders], on: b), [.gap([orders], node: b, reason: "\(a) dropped the subscription (slot moved)")])
    }

    func testStrayConfirmationIsUnsubscribed() {
        var registry = PubSubRegistry()
        _ = registry.add([orders], view: view(a))
        _ = registry.topologyChanged(view: view(b))  // moved on before a confirmed
        XCTAssertEqual(registry.confirmed([orders], on: a), [.unsubscribe(a, .shardChannel, ["orders"])])
        XCTAssertEqual(registry.remove([orders]), [.unsubscribe(b, .shardChannel, ["orders"])])
        XCTAssertEqual(registry.confirmed([orders], on: b), [.unsubscribe(b, .shardChannel, ["orders"])], "removed meanwhile")
        XCTAssertTrue(registry.entries.isEmpty)
    }

    func testNoOwnerWaitsAndRetries() {
        var registry = PubSubRegistry()
        XCTAssertEqual(registry.add([orders], view: view(nil, nodes: [])), [.refreshTopology, .retryLater])
        XCTAssertEqual(registry.retry(view: view(c)), [.subscribe(c, .shardChannel, ["orders"])])
    }
}
