import RESP
import SwiftEV

/// Commands for one connection whose replies all go to one `ReplyCollector` (a pipeline's
/// share for one node). The correlator queues a batch of small ordinary commands as one entry
/// that takes `count` replies, written as one buffer: per command, no queue entry, no write
/// through the stages, no handler (entries and writes were most of a pipeline's per-key cost).
///
/// ```swift
/// let collector = ReplyCollector(count: 2, on: loop) { results in print(results) }
/// let batch = CommandBatch(collector: collector, deadline: loop.now + .seconds(1))
/// batch.append(RedisCommand("SET", "k", "v"), place: 0)
/// batch.append(RedisCommand("GET", "k"), place: 1)
/// connection.send(batch)
/// ```
///
/// Each command still lives on its own when it must: a redirect hands `pending(i)` (its own
/// handler, the batch's deadline) to the delegate, and a lost connection expands the batch into
/// one entry per unanswered command. A batch the correlator cannot take whole (not ready, in a
/// transaction, a command with a role of its own, too large) goes as `pendingCommands`.
/// Loop-confined: built and consumed on the collector's loop.
public final class CommandBatch {
    public let collector: ReplyCollector
    /// The deadline of every command in the batch.
    public let deadline: Deadline
    // Loop-confined, and never accessed across a call that could reach the batch again, so
    // the dynamic exclusivity checks are skipped (they were ~390 instructions per key).
    @usableFromInline @exclusivity(unchecked) var commands: [RedisCommand] = []
    /// Each command's index in `collector`.
    @usableFromInline @exclusivity(unchecked) var places: [Int] = []
    @usableFromInline @exclusivity(unchecked) var bytes = 0
    /// Replies taken so far: the next reply is the answer to `commands[answered]`.
    @exclusivity(unchecked) var answered = 0
    /// Failed as a whole (timeout, cancellation): its later replies are read and dropped.
    @exclusivity(unchecked) var failed = false
    /// The correlator holding the batch, told when the batch fails as a whole (its pending count).
    weak var correlator: CommandCorrelator?

    public init(collector: ReplyCollector, deadline: Deadline, capacity: Int = 0) {
        self.collector = collector
        self.deadline = deadline
        commands.reserveCapacity(capacity)
        places.reserveCapacity(capacity)
    }

    /// Adds `command`, whose result goes to `place` in the collector.
    @inlinable
    public func append(_ command: RedisCommand, place: Int) {
        bytes &+= command.bytes.readableBytes
        commands.append(command)
        places.append(place)
    }

    public var count: Int { commands.count }
    public var isEmpty: Bool { commands.isEmpty }

    /// The command at `index` on its own: its collector handler and the batch's deadline.
    public func pending(_ index: Int) -> PendingCommand {
        PendingCommand(command: commands[index], handler: collector.handler(places[index]), deadline: deadline)
    }

    /// Every command on its own, for the per-command path.
    public var pendingCommands: [PendingCommand] { commands.indices.map(pending) }

    /// Answers the command at `index`.
    @inline(__always)
    func complete(_ index: Int, _ result: Result<RESPValue, any Error>) {
        collector.complete(places[index], result)
    }

    /// Fails every command not yet answered with `error` (named after each command), and marks
    /// the batch failed: what the correlator's timeout and cancellation do to an entry.
    @usableFromInline
    func failRemaining(_ error: any Error) {
        guard !failed else { return }
        failed = true
        correlator?.batchFailed(remaining: commands.count - answered)
        for index in answered..<commands.count {
            if var redisError = error as? RedisError {
                redisError.command = commands[index].name
                complete(index, .failure(redisError))
            } else {
                complete(index, .failure(error))
            }
        }
    }
}
