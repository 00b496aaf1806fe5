import RESP
import SwiftEV

/// A `CommandBatch` as one queue entry taking `count` replies (see `CommandBatch`). The entry
/// carries the batch in its handler (`ReplyHandler.batch`), so the correlator's timeout and
/// cancellation fail the rest of the batch as they would fail one command; only replies and a
/// lost connection look inside it.
extension CommandCorrelator {
    /// The most bytes copied into one write for a batch; a larger one goes command by command
    /// (copying large values would cost more than the entries it saves).
    static let batchByteLimit = 1 << 20

    /// Queues `batch` as one entry and one write when the connection is ready, outside a
    /// transaction, and every command in it is an ordinary one (one reply each); otherwise
    /// command by command, as `send(batch:)`. Must be called on the loop.
    public func send(_ batch: CommandBatch) {
        guard batch.count > 1, ready, !closed, let context, !transactionOpen, batch.bytes <= Self.batchByteLimit,
              pendingCount + batch.count <= maxPending, Self.allPlain(batch) else {
            return send(batch: batch.pendingCommands)
        }
        nextID &+= 1
        let id = nextID
        if let cancellation = batch.collector.cancellation, !cancellation.register(self, loop: context.eventLoop, id: id) {
            for index in 0..<batch.count { batch.complete(index, .failure(CancellationError())) }
            return
        }
        scheduleTimer(for: batch.deadline, context: context)
        var joined = ByteBuffer(capacity: batch.bytes)
        batch.commands.withUnsafeBufferPointer { commands in
            for index in commands.indices { joined.writeBuffer(commands[index].bytes) }
        }
        batch.correlator = self
        // One write: every command shares its ticket, so after a lost connection either none
        // of them was sent or all may have been (conservative, as `wasMaybeSent` requires).
        let ticket = beginWrite(joined, context: context)
        inFlight.append(Entry(PendingCommand(command: RedisCommand(bytes: joined, isReadOnly: false), handler: .batch(batch),
                                             deadline: batch.deadline),
                              deadline: batch.deadline, ticket: ticket, id: id, role: .plain))
        batchesInFlight += 1
        batchRepliesOwed += batch.count - 1
        batchRepliesPending += batch.count - 1
        context.write(joined)
        flushNow(context)
    }

    private static func allPlain(_ batch: CommandBatch) -> Bool {
        batch.commands.withUnsafeBufferPointer { commands in
            for index in commands.indices where CommandRole.of(commands[index].bytes).role != .plain { return false }
            return true
        }
    }

    /// Gives `value`, a reply, to the batch at the head of the queue; false when the head is not
    /// a batch. The batch's state is settled before any command is answered: an answer may send more.
    func takeBatchReply(_ value: RESPValue, context: Context) -> Bool {
        guard let (batch, index) = nextBatchAnswer(context) else { return false }
        if batch.failed { return true }
        let (result, late) = answer(value, to: batch.commands[index], deadline: batch.deadline, now: now)
        batch.complete(index, result)
        if late { delegate?.nodeChannel(self, timedOut: 1) }
        return true
    }

    /// `takeBatchReply` for a redirect: the command goes to the delegate, or fails without one.
    func takeBatchRedirect(_ redirection: Redirection, context: Context) -> Bool {
        guard let (batch, index) = nextBatchAnswer(context) else { return false }
        if batch.failed { return true }
        if let delegate {
            delegate.nodeChannel(self, redirected: batch.pending(index), by: redirection)
        } else {
            batch.complete(index, .failure(RedisError(.redirected(redirection), node: node, command: batch.commands[index].name)))
        }
        return true
    }

    /// The batch at the head of the queue and the index of the command the next answer is for,
    /// with the answer counted (the entry popped after its last); nil when the head is not a batch.
    private func nextBatchAnswer(_ context: Context) -> (batch: CommandBatch, index: Int)? {
        guard !inFlight.isEmpty, inFlight[0].pending.handler.kind == .batch else { return nil }
        let batch = unsafeDowncast(inFlight[0].pending.handler.target.unsafelyUnwrapped, to: CommandBatch.self)
        let index = batch.answered
        batch.answered = index + 1
        if batch.answered == batch.count {
            batchesInFlight -= 1
            _ = popOldest(context)
        } else {
            batchRepliesOwed -= 1
            if !batch.failed { batchRepliesPending -= 1 }
        }
        return (batch, index)
    }

    /// A batch failed as a whole (timeout, cancellation) with `remaining` replies still due:
    /// they no longer count as pending (its entry's own one is in `uncounted`).
    func batchFailed(remaining: Int) {
        batchRepliesPending -= max(0, remaining - 1)
    }

    /// The written entries with each batch replaced by one entry per command it has not
    /// answered (all with the batch's ticket), for a lost connection: each command then gets
    /// what a lone one would (returned when not sent or read-only, failed otherwise).
    func expandingBatches(_ entries: [Entry]) -> [Entry] {
        guard batchesInFlight > 0 else { return entries }
        batchesInFlight = 0
        batchRepliesOwed = 0
        batchRepliesPending = 0
        var expanded: [Entry] = []
        expanded.reserveCapacity(entries.count)
        for entry in entries {
            guard entry.pending.handler.kind == .batch else {
                expanded.append(entry)
                continue
            }
            let batch = unsafeDowncast(entry.pending.handler.target.unsafelyUnwrapped, to: CommandBatch.self)
            // Failed already: every caller was answered.
            if batch.failed { continue }
            batch.failed = true
            for index in batch.answered..<batch.count {
                expanded.append(Entry(PendingCommand(command: batch.commands[index], handler: batch.collector.handler(batch.places[index]),
                                                     deadline: batch.deadline),
                                      deadline: batch.deadline, ticket: entry.ticket, id: 0, role: .plain))
            }
        }
        return expanded
    }
}
