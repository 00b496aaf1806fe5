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

    public var description: String {
        switch self {
        case .message(let message): return "message \(message)"
        case .gap(let gap): return "gap \(gap)"
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
        let words: [ByteBuffer?] = items.map {
            switch $0 {
            case .bulkString(let text): return text
            case .simpleString(let text): return text
            default: return nil
            }
        }
        guard words.count >= 3, let first = words[0] else { return nil }
        switch String(buffer: first).lowercased() {
        case "message": guard let c = words[1], let p = words[2] else { return nil }; self = .message(kind: .channel, channel: c, pattern: nil, payload: p)
        case "smessage": guard let c = words[1], let p = words[2] else { return nil }; self = .message(kind: .shardChannel, channel: c, pattern: nil, payload: p)
        case "pmessage":
            guard words.count >= 4, let pattern = words[1], let c = words[2], let p = words[3] else { return nil }
            self = .message(kind: .pattern, channel: c, pattern: pattern, payload: p)
        case "sunsubscribe": guard let c = words[1] else { return nil }; self = .unsubscribed(.shardChannel, c)
        case "unsubscribe": guard let c = words[1] else { return nil }; self = .unsubscribed(.channel, c)
        case "punsubscribe": guard let c = words[1] else { return nil }; self = .unsubscribed(.pattern, c)
        default: return nil
        }
    }
}
