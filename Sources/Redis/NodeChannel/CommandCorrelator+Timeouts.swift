import DequeModule
import RESP
import SwiftEV

extension CommandCorrelator {
    /// Arms the connection's one timer for `deadline` if that is earlier than what it waits for.
    func scheduleTimer(for deadline: Deadline, context: Context) {
        if let armedAt, armedAt <= deadline { return }
        if timer == nil {
            timer = context.eventLoop.makeTimer { [unowned self] in self.timerFired() }
        }
        armedAt = deadline
        timer?.arm(at: deadline)
    }

    func timerFired() {
        armedAt = nil
        guard let context, !closed else { return }
        let now = context.eventLoop.now
        if let oldest = inFlight.first, oldest.deadline + unresponsiveGrace <= now {
            // Hung: everything on it fails as the connection closes, with this cause.
            closeCause = RedisError(.nodeUnresponsive(.unknown), node: node,
                                    underlying: "no reply for \(unresponsiveGrace) past the deadline of the oldest command")
            context.close()
            return
        }
        // Settle every queue first, then call out: a completion may send or close.
        var expired: [(ReplyHandler, RedisError)] = []
        // Written commands keep their place (the reply may still come); they are only failed.
        for index in inFlight.indices where !inFlight[index].abandoned && !inFlight[index].isInternal && inFlight[index].deadline <= now {
            inFlight[index].abandoned = true
            uncounted += 1
            expired.append((inFlight[index].handler, RedisError(.timeout(.unknown), node: node, command: inFlight[index].command.name)))
        }
        if waiting.contains(where: { !$0.abandoned && $0.deadline <= now }) {
            var kept = Deque<Entry>()
            for var entry in waiting {
                guard !entry.abandoned, entry.deadline <= now else { kept.append(entry); continue }
                if entry.inTransaction {
                    // Removing it would change what the transaction does: it will still be
                    // written, and its reply dropped.
                    entry.abandoned = true
                    uncounted += 1
                    kept.append(entry)
                    expired.append((entry.handler, RedisError(.timeout(.unknown), node: node, command: entry.command.name)))
                } else {
                    expired.append((entry.handler, RedisError(.timeout(.notSent), node: node, command: entry.command.name)))
                }
            }
            waiting = kept
        }
        let timedOutWritten = expired.count { if case .timeout(.unknown) = $0.1.kind { return true } else { return false } }
        for (handler, error) in expired { handler.complete(.failure(error)) }
        if timedOutWritten > 0 { delegate?.nodeChannel(self, timedOut: timedOutWritten) }
        if !closed { armForEarliestDeadline(context) }
    }

    private func armForEarliestDeadline(_ context: Context) {
        var earliest = inFlight.first.map { $0.deadline + unresponsiveGrace }
        for entry in inFlight where !entry.abandoned && !entry.isInternal {
            earliest = min(earliest ?? entry.deadline, entry.deadline)
        }
        for entry in waiting where !entry.abandoned {
            earliest = min(earliest ?? entry.deadline, entry.deadline)
        }
        if let earliest { scheduleTimer(for: earliest, context: context) }
    }

    /// Withdraws the command registered under `id` (see `CommandCancellation`). On the loop.
    func cancel(id: UInt64) {
        guard !closed else { return }
        if let index = waiting.firstIndex(where: { $0.id == id && !$0.abandoned }) {
            if waiting[index].inTransaction {
                waiting[index].abandoned = true
                uncounted += 1
                let pending = waiting[index].pending
                pending.handler.complete(.failure(RedisError(.cancelled, node: node, command: pending.command.name)))
            } else {
                let entry = waiting.remove(at: index)
                entry.handler.complete(.failure(CancellationError()))
            }
            return
        }
        if let index = inFlight.firstIndex(where: { $0.id == id && !$0.abandoned && !$0.isInternal }) {
            // Written: it keeps its place in the stream, so the replies stay in step.
            inFlight[index].abandoned = true
            uncounted += 1
            let pending = inFlight[index].pending
            pending.handler.complete(.failure(RedisError(.cancelled, node: node, command: pending.command.name)))
        }
    }
}
