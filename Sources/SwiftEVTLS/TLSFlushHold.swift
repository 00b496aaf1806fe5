import SwiftEV

/// A TLS client's flush waits while the peer has not answered the previous one (no
/// application data received since it went out), for at most `maximumWait`; the answer
/// releases it, together with everything written meanwhile, as one flush. With the hold on, a
/// flush is not cut into several records (`TLSRecordSplit`): each goes out in as few records as
/// TLS allows.
///
/// ```swift
/// let stage = TLSStage(client: context, serverName: "redis.example.com", peer: "10.0.0.1:6380",
///                      flushHold: TLSFlushHold(maximumWait: .milliseconds(5)))
/// ```
///
/// For a request/response peer that decrypts one record per event-loop turn, as Redis does,
/// when writes come from elsewhere than this connection's own replies: a Redis Cluster client
/// issues commands to every node from the replies of each, so without the hold each node
/// received a small record per loop iteration (one per reply batch read from any node) and
/// Redis spent a turn (`epoll_wait`, two `read`s, a `write`) on each. With it, each node gets
/// one record per answer of its own, like a pipelining client. It costs a round trip for the
/// commands that wait, which a peer answering in order could not have run earlier anyway.
/// A connection driven only by its own replies flushes after each answer and never waits.
public struct TLSFlushHold: Sendable, Hashable {
    /// How long a flush may wait for the answer to the previous one. The answer normally
    /// comes much sooner; the bound matters only when the peer keeps an answer back (a
    /// blocking command, a long script, replies switched off). Zero or less: never waits.
    public var maximumWait: TimeAmount

    public init(maximumWait: TimeAmount) {
        self.maximumWait = maximumWait
    }
}
