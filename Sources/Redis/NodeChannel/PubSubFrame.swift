import RESP
import SwiftEV

/// A pub/sub frame from the server: `[kind, channel, count]` confirmations and
/// `[message, channel, payload]` deliveries, as RESP3 push frames or (RESP2) plain arrays.
struct PubSubFrame {
    enum Kind {
        /// `subscribe`/`psubscribe`/`ssubscribe` (`isSubscribe`) or their `unsubscribe` forms.
        case confirmation(PubSubFamily, isSubscribe: Bool)
        /// `message`, `pmessage`, `smessage`: a delivery, never a reply.
        case message
    }

    var kind: Kind
    /// The channel or pattern a confirmation is about; nil in "unsubscribed from nothing".
    var channel: ByteBuffer?

    /// Recognises a frame by its first word; nil for anything else (an invalidation, a reply).
    init?(_ value: RESPValue) {
        let items: [RESPValue]
        switch value {
        case .push(let elements): items = elements
        case .array(let elements?): items = elements
        default: return nil
        }
        guard items.count >= 3 else { return nil }
        let word: ByteBuffer
        switch items[0] {
        case .bulkString(let text?), .simpleString(let text): word = text
        default: return nil
        }
        guard let kind = PubSubFrame.kind(word) else { return nil }
        self.kind = kind
        switch items[1] {
        case .bulkString(let text?), .simpleString(let text): channel = text
        default: channel = nil
        }
    }

    private static func kind(_ word: ByteBuffer) -> Kind? {
        switch String(buffer: word).lowercased() {
        case "subscribe": return .confirmation(.channels, isSubscribe: true)
        case "psubscribe": return .confirmation(.patterns, isSubscribe: true)
        case "ssubscribe": return .confirmation(.shardChannels, isSubscribe: true)
        case "unsubscribe": return .confirmation(.channels, isSubscribe: false)
        case "punsubscribe": return .confirmation(.patterns, isSubscribe: false)
        case "sunsubscribe": return .confirmation(.shardChannels, isSubscribe: false)
        case "message", "pmessage", "smessage": return .message
        default: return nil
        }
    }
}

/// What the connection is subscribed to, kept from the confirmations themselves (so it is the
/// server's view, in stream order): it tells how many confirmations an `UNSUBSCRIBE` without
/// arguments will bring, and (RESP2) whether an array starting with `message` is a delivery.
struct Subscriptions {
    private var channels = Set<ByteBuffer>()
    private var patterns = Set<ByteBuffer>()
    private var shardChannels = Set<ByteBuffer>()

    var isEmpty: Bool { channels.isEmpty && patterns.isEmpty && shardChannels.isEmpty }

    func count(_ family: PubSubFamily) -> Int {
        switch family {
        case .channels: return channels.count
        case .patterns: return patterns.count
        case .shardChannels: return shardChannels.count
        }
    }

    mutating func apply(_ family: PubSubFamily, isSubscribe: Bool, channel: ByteBuffer?) {
        guard let channel else { return }
        switch (family, isSubscribe) {
        case (.channels, true): channels.insert(channel)
        case (.channels, false): channels.remove(channel)
        case (.patterns, true): patterns.insert(channel)
        case (.patterns, false): patterns.remove(channel)
        case (.shardChannels, true): shardChannels.insert(channel)
        case (.shardChannels, false): shardChannels.remove(channel)
        }
    }

    mutating func removeAll() { self = Subscriptions() }
}
