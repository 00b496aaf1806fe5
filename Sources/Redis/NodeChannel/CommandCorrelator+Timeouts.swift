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
        if !inFlight.isEmpty, inFlight[0].deadline + unresponsiveGrace <= now {
            // Hung: everything on it fails as the connection closes, with this cause.
            closeCause = RedisError(.nodeUnresponsive(.unknown), node: node,
                                    underlying: "no reply for \(unresponsiveGrace) past the deadline of the oldest command")
            context.close()
            return
        }
        // Settle every queue first, then call out: a completion may send or close.
        var expired: [(ReplyHandler, RedisError)] = []
        // Written commands keep their place (the reply may still come); they are only failed.
        for index in 0..<inFlight.count where !inFlight[index].abandoned && !inFlight[index].isInternal && inFlight[index].deadline <= now {
            inFlight[index].abandoned = true
            uncounted += 1
            expired.append((inFlight[index].pending.handler, RedisError(.timeout(.unknown), node: node, command: inFlight[index].pending.command.name)))
        }
        if waiting.firstIndex(where: { !$0.abandoned && $0.deadline <= now }) != nil {
            for var entry in waiting.removeAll() {
                guard !entry.abandoned, entry.deadline <= now else { waiting.append(entry); continue }
                if entry.inTransaction {
                    // Removing it would change what the transaction does: it will still be
                    // written, and its reply dropped.
                    entry.abandoned = true
                    uncounted += 1
                    expired.append((entry.pending.handler, RedisError(.timeout(.unknown), node: node, command: entry.pending.command.name)))
                    waiting.append(entry)
                } else {
                    expired.append((entry.pending.handler, RedisError(.timeout(.notSent), node: node, command: entry.pending.command.name)))
                }
            }
        }
        let timedOutWritten = expired.count { if case .timeout(.unknown) = $0.1.kind { return true } else { return false } }
        for (handler, error) in expired { handler.complete(.failure(error)) }
        if timedOutWritten > 0 { delegate?.nodeChannel(self, timedOut: timedOutWritten) }
        if !closed { armForEarliestDeadline(context) }
    }

    private func armForEarliestDeadline(_ context: Context) {
        var earliest = inFlight.isEmpty ? nil : inFlight[0].deadline + unresponsiveGrace
        for index in 0..<inFlight.count where !inFlight[index].abandoned && !inFlight[index].isInternal {
            earliest = min(earliest ?? inFlight[index].deadline, inFlight[index].deadline)
        }
        for index in 0..<waiting.count where !waiting[index].abandoned {
            earliest = min(earliest ?? waiting[index].deadline, waiting[index].deadline)
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
                let handler = waiting[index].pending.handler
                handler.complete(.failure(RedisError(.cancelled, node: node, command: waiting[index].pending.command.name)))
            } else {
                let entry = waiting.remove(at: index)
                entry.pending.handler.complete(.failure(CancellationError()))
            }
            return
        }
        if let index = inFlight.firstIndex(where: { $0.id == id && !$0.abandoned && !$0.isInternal }) {
            // Written: it keeps its place in the stream, so the replies stay in step.
            inFlight[index].abandoned = true
            uncounted += 1
            let handler = inFlight[index].pending.handler
            handler.complete(.failure(RedisError(.cancelled, node: node, command: inFlight[index].pending.command.name)))
        }
    }
}
