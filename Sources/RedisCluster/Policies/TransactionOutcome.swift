import Redis
import RESP

/// What became of a `MULTI … EXEC` sent as one unit, from the replies of its `MULTI`, its
/// queued commands and its `EXEC`: the one place that decides whether it ran, did not run,
/// or may have run. A plain value.
///
/// ```swift
/// TransactionOutcome(multi: ok, queued: [queued], exec: .success(.array([.integer(1)])))  // .committed
/// TransactionOutcome(multi: ok, queued: [moved], exec: .failure(redirectedInTransaction))   // .notExecuted(.moved…)
/// TransactionOutcome(multi: ok, queued: [queued], exec: .failure(connectionClosed(.unknown))) // .unknown
/// ```
public enum TransactionOutcome: Sendable {
    /// `EXEC` answered: one reply per queued command (error replies among them are that
    /// command's own failure; the others ran).
    case committed([RESPValue])
    /// `EXEC` answered null: a watched key changed, nothing ran.
    case aborted
    /// A redirect or retry signal (`MOVED`, `ASK`, `TRYAGAIN`…) discarded the transaction:
    /// nothing ran, and following the signal and sending it again is safe.
    case notExecuted(Redirection)
    /// `EXEC` was never written (the connection closed first): the server drops a
    /// transaction without its `EXEC`, so nothing ran.
    case notSent(any Error)
    /// The server refused it (`EXECABORT` after a queued command's syntax error, …): nothing
    /// ran, and sending it again would fail the same way. The error is the first refusal.
    case rejected(any Error)
    /// `EXEC` was written and no reply came (connection lost, timeout): it may or may not have
    /// run. Never re-sent.
    case unknown(any Error)

    public init(multi: Result<RESPValue, any Error>, queued: [Result<RESPValue, any Error>], exec: Result<RESPValue, any Error>) {
        switch exec {
        case .success(let reply):
            switch reply.withoutAttributes {
            case .array(let replies?): self = .committed(replies)
            case .null, .array(nil): self = .aborted
            default: self = .unknown(UnmergeableReply(command: "EXEC", target: "its node", reply: reply))
            }
        case .failure(let error):
            guard let error = error as? RedisError else {
                // The cluster client's own errors all mean the command was not sent.
                self = .notSent(error)
                return
            }
            switch error.kind {
            case .redirectedInTransaction(let redirection), .redirected(let redirection):
                self = .notExecuted(redirection)
            case .server:
                // EXECABORT (or EXEC refused outright): the first refusal is the real cause.
                let refusals = ([multi] + queued).compactMap { result -> (any Error)? in
                    if case .failure(let cause as RedisError) = result, case .server = cause.kind { return cause }
                    return nil
                }
                self = .rejected(refusals.first ?? error)
            default:
                self = error.isSafeToRetry ? .notSent(error) : .unknown(error)
            }
        }
    }
}
