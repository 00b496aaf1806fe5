import RESP
import SwiftEV

/// A pub/sub frame from the server: `[kind, channel, count]` confirmations and
/// `[message, channel, payload]` / `[pmessage, pattern, channel, payload]` deliveries, as RESP3
/// push frames or (RESP2) plain arrays. The one parser of these frames: the node channel uses
/// it to tell confirmations from replies, and the push handler's owner (the cluster client's
/// subscriptions) to read deliveries.
///
/// ```swift
/// connection.setPushHandler { value in
///     guard let frame = PubSubFrame(value), case .message = frame.kind, let payload = frame.payload else { return }
///     print(frame.channel.map { String(buffer: $0) } ?? "?", payload.readableBytes)
/// }
/// ```
public struct PubSubFrame: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `subscribe`/`psubscribe`/`ssubscribe` (`isSubscribe`) or their `unsubscribe` forms.
        case confirmation(PubSubFamily, isSubscribe: Bool)
        /// `message`, `pmessage`, `smessage`: a delivery, never a reply.
        case message(PubSubFamily)
    }

    public var kind: Kind
    /// A confirmation: the channel or pattern it is about (nil in "unsubscribed from nothing").
    /// A message: the channel it was published to.
    public var channel: ByteBuffer?
    /// A `pmessage`: the pattern that matched.
    public var pattern: ByteBuffer?
    /// A message: its payload (nil only in a malformed frame).
    public var payload: ByteBuffer?

    public init(kind: Kind, channel: ByteBuffer?, pattern: ByteBuffer? = nil, payload: ByteBuffer? = nil) {
        self.kind = kind
        self.channel = channel
        self.pattern = pattern
        self.payload = payload
    }

    /// Recognises a frame by its first word; nil for anything else (an invalidation, a reply).
    public init?(_ value: RESPValue) {
        let items: [RESPValue]
        switch value {
        case .push(let elements): items = elements
        case .array(let elements?): items = elements
        default: return nil
        }
        guard items.count >= 3, let word = Self.text(items[0]), let kind = Self.kind(word) else { return nil }
        self.kind = kind
        if case .message(.patterns) = kind {
            pattern = Self.text(items[1])
            channel = Self.text(items[2])
            payload = items.count > 3 ? Self.text(items[3]) : nil
        } else {
            channel = Self.text(items[1])
            if case .message = kind { payload = Self.text(items[2]) }
        }
    }

    private static func text(_ value: RESPValue) -> ByteBuffer? {
        switch value {
        case .bulkString(let text): return text
        case .simpleString(let text): return text
        default: return nil
        }
    }

    /// The frame's first word, compared in place without a copy (this runs for every message
    /// a subscription delivers).
    private static func kind(_ word: ByteBuffer) -> Kind? {
        word.withUnsafeReadableBytes { raw -> Kind? in
            func equals(_ expected: StaticString) -> Bool {
                guard raw.count == expected.utf8CodeUnitCount else { return false }
                let bytes = UnsafeRawBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount)
                for i in 0..<raw.count where raw[i] | 0x20 != bytes[i] { return false }
                return true
            }
            if equals("smessage") { return .message(.shardChannels) }
            if equals("message") { return .message(.channels) }
            if equals("pmessage") { return .message(.patterns) }
            if equals("subscribe") { return .confirmation(.channels, isSubscribe: true) }
            if equals("psubscribe") { return .confirmation(.patterns, isSubscribe: true) }
            if equals("ssubscribe") { return .confirmation(.shardChannels, isSubscribe: true) }
            if equals("unsubscribe") { return .confirmation(.channels, isSubscribe: false) }
            if equals("punsubscribe") { return .confirmation(.patterns, isSubscribe: false) }
            if equals("sunsubscribe") { return .confirmation(.shardChannels, isSubscribe: false) }
            return nil
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
