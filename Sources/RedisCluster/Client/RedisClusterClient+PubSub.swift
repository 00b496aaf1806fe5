import Redis
import RESP
import SwiftEV

/// Identifies one `subscribe` call, to end it with `unsubscribe(_:)`.
public struct SubscriptionID: Hashable, Sendable {
    let value: Int
}

/// The messages of one `subscribe` call, as an `AsyncSequence` of `PubSubEvent`s (messages,
/// and a `.gap` each time a subscription had to move). Ends after `unsubscribe()` or when the
/// client closes. While nobody reads, up to `maxBufferedSubscriptionEvents` events wait; past
/// that they are dropped and a `.dropped(count)` event says so.
///
/// ```swift
/// let orders = try await cluster.subscribe(shardChannels: ["orders"])
/// Task { for await event in orders { print(event) } }
/// try await cluster.send("SPUBLISH", "orders", "order 42")
/// await orders.unsubscribe()
/// ```
public final class ClusterSubscription: AsyncSequence, Sendable {
    public typealias Element = PubSubEvent
    public let id: SubscriptionID
    private let events: AsyncStream<PubSubEvent>
    private let client: RedisClusterClient

    init(id: SubscriptionID, events: AsyncStream<PubSubEvent>, client: RedisClusterClient) {
        self.id = id
        self.events = events
        self.client = client
    }

    public func makeAsyncIterator() -> AsyncStream<PubSubEvent>.Iterator { events.makeAsyncIterator() }

    /// Ends the subscriptions of this call (a channel another call also subscribed stays).
    public func unsubscribe() async { await client.unsubscribe(id) }
}

// MARK: Pub/Sub
//
// Classic channels and patterns live on one node's subscription connection (any node hears
// every PUBLISH); if that connection is lost they move to another node by themselves. Shard
// channels (Redis 7 `SSUBSCRIBE`) live on their slot's primary — with `scaleReads` `.replica`
// or `.any`, on a replica of it, which hears the shard's messages too — and follow it through
// failovers, slot migrations, `MOVED` and the server's own `sunsubscribe`, subscribing on the
// new owner before dropping the old one. Subscription connections are separate from the
// command connections over RESP3 as over RESP2. Publish with `send("PUBLISH", …)` or
// `send("SPUBLISH", …)` (routed to the shard channel's slot).
extension RedisClusterClient {
    /// Subscribes and returns once every subscription is confirmed by its node (throws after
    /// `commandTimeout`, or with the server's refusal, e.g. `NOPERM`).
    ///
    /// ```swift
    /// let subscription = try await cluster.subscribe(channels: ["news"], patterns: ["user:*"], shardChannels: ["orders"])
    /// for await case .message(let message) in subscription { print(message.channel) }
    /// ```
    public func subscribe(channels: [String] = [], patterns: [String] = [], shardChannels: [String] = []) async throws -> ClusterSubscription {
        let keys = Self.keys(channels, patterns, shardChannels)
        let (stream, continuation) = AsyncStream.makeStream(
            of: PubSubEvent.self, bufferingPolicy: .bufferingOldest(configuration.maxBufferedSubscriptionEvents))
        let started = try await eventLoop.submit { [self] in
            var delivery = BoundedDelivery()  // loop-confined: the hub delivers on the loop
            return coordinator.hub().add(keys, deliver: { event in
                delivery.deliver(event) { continuation.yield($0).wasEnqueued }
            }, finish: { continuation.finish() })
        }.get()
        let subscription = ClusterSubscription(id: SubscriptionID(value: started.0), events: stream, client: self)
        do {
            try await started.1.get()
        } catch {
            await subscription.unsubscribe()
            throw error
        }
        return subscription
    }

    /// The loop-local form: `onEvent` runs on the loop for every message and gap; the future
    /// succeeds once every subscription is confirmed. Must be called on the loop.
    ///
    /// ```swift
    /// let (id, ready) = cluster.subscribeOnLoop(shardChannels: ["orders"]) { event in handle(event) }
    /// ready.whenSuccess { cluster.submit(RedisCommand("SPUBLISH", "orders", "hi")) { _ in } }
    /// // later: cluster.unsubscribeOnLoop(id)
    /// ```
    public func subscribeOnLoop(channels: [String] = [], patterns: [String] = [], shardChannels: [String] = [],
                                onEvent: @escaping (PubSubEvent) -> Void) -> (SubscriptionID, EventLoopFuture<Void>) {
        eventLoop.preconditionInEventLoop()
        let (id, ready) = coordinator.hub().add(Self.keys(channels, patterns, shardChannels), deliver: onEvent, finish: {})
        return (SubscriptionID(value: id), ready)
    }

    /// Ends the subscriptions of one `subscribe` call. Callable from any task.
    public func unsubscribe(_ id: SubscriptionID) async {
        _ = try? await eventLoop.submit { [self] in coordinator.pubSubHub?.remove(id.value) }.get()
    }

    /// The loop-local form of `unsubscribe(_:)`. Must be called on the loop.
    public func unsubscribeOnLoop(_ id: SubscriptionID) {
        eventLoop.preconditionInEventLoop()
        coordinator.pubSubHub?.remove(id.value)
    }

    private static func keys(_ channels: [String], _ patterns: [String], _ shardChannels: [String]) -> [PubSubKey] {
        channels.map { PubSubKey(.channel, $0) } + patterns.map { PubSubKey(.pattern, $0) } + shardChannels.map { PubSubKey(.shardChannel, $0) }
    }
}

extension ClusterCoordinator {
    /// The pub/sub hub, made on first use.
    func hub() -> PubSubHub {
        if let pubSubHub { return pubSubHub }
        let hub = PubSubHub(coordinator: self)
        pubSubHub = hub
        return hub
    }
}
