import Redis
import SwiftEV

/// Why a node is not connected, and what a command for it meets until the node is dialled
/// again. A plain value (the clock is passed in), carried out by `NodePool`.
///
/// Most failures pass (a restart, a failover): a command waits for the node or its replacement,
/// within its deadline. A refused handshake does not: credentials refused with `WRONGPASS`,
/// `NOAUTH` or `NOPERM`, or another step refused for good (`SELECT` in cluster mode, a refused
/// `READONLY`; not `LOADING` or `BUSY`, see `NodeFailure.Cause.isPersistentRefusal`) is refused
/// again, and nothing would replace the node. So its commands fail at once, not sent, with the
/// server's reason, instead of waiting out their deadline.
/// The node is still dialled again once its backoff is over, by the first command after it
/// (credentials can be fixed on the server, `ACL SETUSER`): one handshake per backoff interval
/// (`reconnectDelay` doubling up to `maxReconnectDelay`), however many commands arrive.
///
/// ```swift
/// let outage = NodeOutage(dialError: error, until: now + .milliseconds(50))  // WRONGPASS at HELLO
/// outage.admit(now: now)                         // .fail(.handshakeFailed(step: "HELLO", WRONGPASS …))
/// outage.admit(now: now + .milliseconds(50))     // .dial
/// outage.queued                                  // the commands that waited for that dial: .fail(…)
/// ```
struct NodeOutage: Equatable {
    enum Admission: Equatable {
        /// Dial the node again, this command first in its queue.
        case dial
        /// Hand the command back to be routed again: it waits for the node or its replacement.
        case bounce
        /// Fail the command now; it was not sent.
        case fail(RedisError.Kind)
    }

    /// The node is not dialled again before this.
    let until: Deadline
    let cause: NodeFailure.Cause
    /// The refused handshake (`handshakeFailed`, naming its step) when the refusal is
    /// persistent: what the node's commands fail with until it accepts a handshake.
    let refusal: RedisError.Kind?

    init(cause: NodeFailure.Cause, until: Deadline) {
        self.until = until
        self.cause = cause
        self.refusal = nil
    }

    /// After a failed dial: `error` is what the connect or the handshake failed with.
    init(dialError error: any Error, until: Deadline) {
        self.until = until
        self.cause = NodePool.classify(error)
        if cause.isPersistentRefusal, let error = error as? RedisError, case .handshakeFailed = error.kind {
            refusal = error.kind
        } else {
            refusal = nil
        }
    }

    /// A new command for the node, at `now`.
    func admit(now: Deadline) -> Admission {
        now >= until ? .dial : queued
    }

    /// The commands that waited for the dial that failed (never a new dial: with a zero
    /// backoff that would dial again at once, as often as commands arrive).
    var queued: Admission {
        refusal.map(Admission.fail) ?? .bounce
    }
}
