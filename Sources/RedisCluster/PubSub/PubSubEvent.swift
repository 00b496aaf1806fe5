import RESP
import SwiftEV

/// What a cluster subscription delivers: messages, and a gap each time a subscription had to
/// move to another node (a failover, a slot migration, a lost connection).
///
/// ```swift
/// for await event in subscription {
///     switch event {
///     case .message(let message): print(message.channel, String(buffer: message.payload))
///     case .gap(let gap): print("may have missed messages on \(gap.keys): \(gap.reason)")
///     }
/// }
/// ```
public enum PubSubEvent: Sendable, CustomStringConvertible {
    case message(PubSubMessage)
    case gap(PubSubGap)
    /// The reader fell behind: this many events were dropped because the sequence's buffer was
    /// full (`RedisClusterConfiguration.maxBufferedSubscriptionEvents`). Comes before the first
    /// event delivered after them. The loop-local form never drops.
    case dropped(Int)

    public var description: String {
        switch self {
        case .message(let message): return "message \(message)"
        case .gap(let gap): return "gap \(gap)"
        case .dropped(let count): return "dropped \(count) events (the reader fell behind)"
        }
    }
}

public struct PubSubMessage: Sendable, CustomStringConvertible {
    /// `.channel` (`message`), `.pattern` (`pmessage`) or `.shardChannel` (`smessage`).
    public var kind: PubSubKind
    /// The channel the message was published to.
    public var channel: String
    /// The pattern that matched, for `.pattern`.
    public var pattern: String?
    public var payload: ByteBuffer

    /// The subscription the message belongs to.
    public var key: PubSubKey { PubSubKey(kind, pattern ?? channel) }

    public var description: String { "\(channel)\(pattern.map { " (\($0))" } ?? ""): \(payload.readableBytes) bytes" }
}

/// Subscriptions that are live again on `node` after moving; messages published while they
/// moved may have been missed.
public struct PubSubGap: Sendable, CustomStringConvertible {
    public var keys: [PubSubKey]
    public var node: ClusterEndpoint
    public var reason: String

    public var description: String { "\(keys) now on \(node): \(reason)" }
}

/// A frame a subscription connection received outside a command's reply.
enum PubSubPush: Equatable {
    case message(kind: PubSubKind, channel: ByteBuffer, pattern: ByteBuffer?, payload: ByteBuffer)
    /// The server ended a subscription by itself (`sunsubscribe` after a slot moved).
    case unsubscribed(PubSubKind, ByteBuffer)

    /// Parses a RESP3 push or (RESP2) array; nil for anything else.
    init?(_ value: RESPValue) {
        let items: [RESPValue]
        switch value {
        case .push(let elements): items = elements
        case .array(let elements?): items = elements
        default: return nil
        }
        guard items.count >= 3, let first = Self.text(items[0]), let kind = Self.kind(first) else { return nil }
        switch kind {
        case .message(let family):
            if family == .pattern {
                guard items.count >= 4, let pattern = Self.text(items[1]), let c = Self.text(items[2]), let p = Self.text(items[3]) else { return nil }
                self = .message(kind: .pattern, channel: c, pattern: pattern, payload: p)
            } else {
                guard let c = Self.text(items[1]), let p = Self.text(items[2]) else { return nil }
                self = .message(kind: family, channel: c, pattern: nil, payload: p)
            }
        case .unsubscribed(let family):
            guard let c = Self.text(items[1]) else { return nil }
            self = .unsubscribed(family, c)
        }
    }

    private enum Word { case message(PubSubKind), unsubscribed(PubSubKind) }

    private static func text(_ value: RESPValue) -> ByteBuffer? {
        switch value {
        case .bulkString(let text): return text
        case .simpleString(let text): return text
        default: return nil
        }
    }

    /// The frame's first word, compared in place (this runs for every message delivered).
    private static func kind(_ word: ByteBuffer) -> Word? {
        word.withUnsafeReadableBytes { raw -> Word? in
            func equals(_ expected: StaticString) -> Bool {
                guard raw.count == expected.utf8CodeUnitCount else { return false }
                let bytes = UnsafeRawBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount)
                for i in 0..<raw.count where raw[i] | 0x20 != bytes[i] { return false }
                return true
            }
            if equals("smessage") { return .message(.shardChannel) }
            if equals("message") { return .message(.channel) }
            if equals("pmessage") { return .message(.pattern) }
            if equals("sunsubscribe") { return .unsubscribed(.shardChannel) }
            if equals("unsubscribe") { return .unsubscribed(.channel) }
            if equals("punsubscribe") { return .unsubscribed(.pattern) }
            return nil
        }
    }
}
