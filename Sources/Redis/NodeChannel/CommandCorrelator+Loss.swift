import RESP
import SwiftEV

extension CommandCorrelator {
    public func channelInactive(context: Context) {
        closed = true
        timer?.cancel()
        armedAt = nil
        let started = context.channel.outboundWritesStarted
        let writtenEntries = expandingBatches(inFlight.removeAll())
        let written = writtenEntries.count
        let lost = writtenEntries + waiting.removeAll()
        uncounted = 0
        bytesInFlight = 0
        confirmations = []
        if !ready {
            readyPromise?.fail(closeCause ?? RedisError(.connectionClosed(.notSent), node: node, underlying: transportError.map { "\($0)" }))
        }
        let outcomes = Self.outcomes(of: lost, written: written, started: started)
        var returned: [PendingCommand] = []
        var failed: [(ReplyHandler, RedisError)] = []
        for (index, entry) in lost.enumerated() where !entry.abandoned && !entry.isInternal {
            let outcome = outcomes[index]
            // A transaction is one unit: none of its commands is handed back to run on its own.
            if !entry.inTransaction && (outcome == .notSent || entry.pending.command.isReadOnly) {
                var pending = entry.pending
                pending.wasSent = outcome == .unknown
                returned.append(pending)
            } else {
                failed.append((entry.pending.handler, lostError(outcome, entry.pending.command)))
            }
        }
        for (handler, error) in failed { handler.complete(.failure(error)) }
        if let delegate {
            // Called even with nothing to return: the delegate learns that the node channel
            // died, and why (a hung node with only timed-out commands on it included).
            let cause = closeCause ?? RedisError(.connectionClosed(.notSent), node: node, underlying: transportError.map { "\($0)" })
            delegate.nodeChannel(self, returned: returned, cause: cause)
        } else {
            for pending in returned {
                // Nobody retries them: the reason the connection failed says the most.
                let outcome: RedisError.Outcome = pending.wasSent ? .unknown : .notSent
                let error = closeCause.flatMap { cause -> RedisError? in
                    if case .nodeUnresponsive = cause.kind { return nil }
                    return rename(cause, pending.command)
                } ?? lostError(outcome, pending.command)
                pending.handler.complete(.failure(error))
            }
        }
    }

    /// Whether any byte of a command written when the transport had accepted `ticket` writes may
    /// have reached the socket, given that `started` writes have begun to leave.
    ///
    /// All of the command's bytes enter the transport in writes numbered after `ticket`,
    /// whatever the stages in between do (merge it with others, cut it in pieces, hold it until
    /// a flush, encrypt it), and the transport sends in order. So if none of those writes has
    /// started, no byte of the command has left: it certainly did not run. Otherwise it may have
    /// (conservative: the write that started may hold only earlier bytes).
    static func wasMaybeSent(ticket: UInt64, started: UInt64) -> Bool {
        started > ticket
    }

    /// Each lost entry's outcome. A transaction's commands share the outcome of its `EXEC`:
    /// nothing in it runs before `EXEC` does.
    static func outcomes(of lost: [Entry], written: Int, started: UInt64) -> [RedisError.Outcome] {
        var outcomes = [RedisError.Outcome](repeating: .notSent, count: lost.count)
        var transactionOutcome = RedisError.Outcome.notSent
        for index in lost.indices.reversed() {
            let entry = lost[index]
            let sent = index < written && wasMaybeSent(ticket: entry.ticket, started: started)
            guard entry.inTransaction else {
                outcomes[index] = sent ? .unknown : .notSent
                continue
            }
            if entry.role == .exec { transactionOutcome = sent ? .unknown : .notSent }
            outcomes[index] = transactionOutcome
            if entry.role == .multi { transactionOutcome = .notSent }
        }
        return outcomes
    }

    /// The error for a command lost with the connection.
    func lostError(_ outcome: RedisError.Outcome, _ command: RedisCommand) -> RedisError {
        guard let closeCause else {
            return RedisError(.connectionClosed(outcome), node: node, command: command.name, underlying: transportError.map { "\($0)" })
        }
        if case .nodeUnresponsive = closeCause.kind {
            return RedisError(.nodeUnresponsive(outcome), node: node, command: command.name, underlying: closeCause.underlying)
        }
        // Never sent: the reason it could not be (WRONGPASS, a protocol error) says the most.
        if outcome == .notSent { return rename(closeCause, command) }
        return RedisError(.connectionClosed(.unknown), node: node, command: command.name, underlying: "\(closeCause)")
    }
}
