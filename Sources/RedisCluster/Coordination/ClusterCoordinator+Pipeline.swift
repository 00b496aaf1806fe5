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
    /// Per command: one route and a place in its node's `CommandBatch`; no queue entry, no
    /// handler, no closure, no future (the results go into one `ReplyCollector` by index).
    func pipeline(_ commands: [RedisCommand], cancellation: CommandCancellation? = nil,
                  completion: @escaping ([Result<RESPValue, any Error>]) -> Void) {
        let deadline = loop.now + configuration.commandTimeout
        let collector = ReplyCollector(count: commands.count, on: loop, cancellation: cancellation, done: completion)
        var batches = ShardBatches(self, collector: collector, deadline: deadline, expected: commands.count)
        for index in commands.indices {
            if case .slot(let slot) = CommandRouter.routeWithoutListing(commands[index]) {
                batches.add(commands[index], place: index, slot: slot)
            } else {
                // Keyless, fanned out, split, refused: the single-command path decides.
                route(PendingCommand(command: commands[index], handler: collector.handler(index), deadline: deadline))
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
