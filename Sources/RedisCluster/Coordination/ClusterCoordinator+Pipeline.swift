import Redis
import RESP
import SwiftEV

/// A cluster pipeline: commands for any keys, grouped per node and sent as one batch per node;
/// each command then lives on its own (its own redirects, retries and result).
extension ClusterCoordinator {
    /// Sends `commands` and calls `completion` on the loop with one result per command, in
    /// call order, once the last is answered. With `cancellation`, cancelling withdraws the
    /// commands not written yet and abandons the others (each says which).
    ///
    /// Per command: one route, one queue entry; no closure, no future (the results go into
    /// one `ReplyCollector` by index).
    func pipeline(_ commands: [RedisCommand], cancellation: CommandCancellation? = nil,
                  completion: @escaping ([Result<RESPValue, any Error>]) -> Void) {
        let deadline = loop.now + configuration.commandTimeout
        let collector = ReplyCollector(count: commands.count, on: loop, cancellation: cancellation, done: completion)
        var batches = ShardBatches(self, expected: commands.count)
        for index in commands.indices {
            let pending = PendingCommand(command: commands[index], handler: collector.handler(index), deadline: deadline)
            if case .slot(let slot) = CommandRouter.routeWithoutListing(pending.command) {
                batches.add(pending, slot: slot)
            } else {
                // Keyless, fanned out, split, refused: the single-command path decides.
                route(pending)
            }
        }
        batches.send()
    }

    /// Whether a command for `slot` can join its shard primary's batch: the shard index, or
    /// nil when the single-command path must decide (no topology yet, slot not covered,
    /// replica reads, a primary that let a command time out, a blocking command).
    func batchShard(forSlot slot: Int) -> Int? {
        guard readsFromPrimaries, !primaryHandles.isEmpty, let shard = topology?.shardIndex(forSlot: slot),
              shard < primaryHandles.count else { return nil }
        if !silentNodes.isEmpty, silentNodes.isSuspect(primaryHandles[shard].endpoint) { return nil }
        return shard
    }
}

/// Commands grouped by shard primary, then handed to each primary's connection as one batch
/// (one flush per node). What cannot join a batch goes through `route` at once.
struct ShardBatches {
    private let coordinator: ClusterCoordinator
    private var batches: [[PendingCommand]]
    private let expected: Int

    init(_ coordinator: ClusterCoordinator, expected: Int) {
        self.coordinator = coordinator
        self.expected = expected
        batches = Array(repeating: [], count: coordinator.primaryHandles.count)
    }

    mutating func add(_ pending: consuming PendingCommand, slot: Int) {
        guard let shard = coordinator.batchShard(forSlot: slot), shard < batches.count,
              BlockingCommand.wait(of: pending.command) == nil else {
            return coordinator.route(pending)
        }
        if batches[shard].isEmpty {
            // Keys spread evenly over the shards; a little over a share each avoids regrowth.
            batches[shard].reserveCapacity(expected / batches.count + expected / (4 * batches.count) + 4)
        }
        batches[shard].append(pending)
    }

    /// Sends every batch, in shard order.
    mutating func send() {
        for shard in batches.indices where !batches[shard].isEmpty {
            let batch = batches[shard]
            batches[shard] = []
            coordinator.pool.send(batch: batch, via: coordinator.primaryHandles[shard])
        }
    }
}
