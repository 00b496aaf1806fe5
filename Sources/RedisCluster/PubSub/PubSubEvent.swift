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
