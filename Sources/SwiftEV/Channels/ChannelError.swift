/// Errors a channel reports to its stages and callers.
public enum ChannelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A write, flush or connect on a channel that is already closed.
    case ioOnClosedChannel
    /// `close` on a channel that is already closed.
    case alreadyClosed
    /// The peer closed its side; the channel closed with it.
    case eof
    /// A write could not be queued: the outbound backlog is above its hard limit.
    case outboundBacklogFull(bytes: Int)

    public var description: String {
        switch self {
        case .ioOnClosedChannel: return "I/O on a closed channel"
        case .alreadyClosed: return "the channel is already closed"
        case .eof: return "the peer closed the connection"
        case .outboundBacklogFull(let n): return "outbound backlog full (\(n) bytes pending)"
        }
    }
}
