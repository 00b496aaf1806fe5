import Redis
import RESP

/// What became of a write sent with `WAIT` right behind it on the same connection, from the
/// two replies: the one place that decides whether the write ran, and whether a replica
/// confirmed it. A plain value.
///
/// ```swift
/// ReplicatedWriteOutcome(write: .success(ok), wait: .success(.integer(1)))     // .confirmed(ok, replicas: 1)
/// ReplicatedWriteOutcome(write: .failure(askError), wait: .success(.integer(1))) // .notExecuted(.ask…): that 1 counts nothing
/// ReplicatedWriteOutcome(write: .success(ok), wait: .failure(timeout))         // .unconfirmed(ok, timeout)
/// ```
public enum ReplicatedWriteOutcome: Sendable {
    /// The write ran; `WAIT` answered how many replicas have it (possibly fewer than asked
    /// for, when its timeout passed first).
    case confirmed(RESPValue, replicas: Int)
    /// The write ran, and `WAIT` got no count (the connection was lost, its deadline passed,
    /// the node refused it): whether a replica has the write is not known.
    case unconfirmed(RESPValue, any Error)
    /// A redirect or retry signal (`MOVED`, `ASK`, `TRYAGAIN`, `CLUSTERDOWN`…): the write did
    /// not run, and the `WAIT` behind it answered for other writes. Follow it, send both again.
    case notExecuted(Redirection)
    /// The write was never written (its connection was lost first): send both again.
    case notSent(any Error)
    /// The write failed: a server error (it did not run), or no reply (outcome unknown).
    case failed(any Error)

    public init(write: Result<RESPValue, any Error>, wait: Result<RESPValue, any Error>) {
        switch write {
        case .failure(let error):
            guard let error = error as? RedisError else {
                // The cluster client's own errors all mean the command was not sent.
                self = .notSent(error)
                return
            }
            switch error.kind {
            case .redirected(let redirection): self = .notExecuted(redirection)
            default: self = error.isSafeToRetry ? .notSent(error) : .failed(error)
            }
        case .success(let reply):
            switch wait {
            case .success(let count):
                if case .integer(let replicas) = count.withoutAttributes {
                    self = .confirmed(reply, replicas: Int(replicas))
                } else {
                    self = .unconfirmed(reply, UnexpectedWaitReply(reply: count))
                }
            case .failure(let error):
                self = .unconfirmed(reply, error)
            }
        }
    }
}

/// `WAIT` answered something other than a count.
public struct UnexpectedWaitReply: Error, Sendable, CustomStringConvertible {
    public var reply: RESPValue
    public var description: String { "WAIT answered \(reply), not a count of replicas" }
}
