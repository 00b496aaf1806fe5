import Redis
import RESP
import SwiftEV

/// A cluster pipeline: commands for any keys, grouped per node and sent as one batch per node;
/// each command then lives on its own (its own redirects, retries and result).
extension ClusterCoordinator {
    /// Sends `commands` and calls `completion` on the loop with one result per command, in
    /// call order, once the last is answered.
    func pipeline(_ commands: [RedisCommand], completion: @escaping ([Result<RESPValue, any Error>]) -> Void) {
        let deadline = loop.now + configuration.commandTimeout
        let collector = PartCollector(count: commands.count, done: completion)
        // Batches by shard (primaries), in shard order; anything else is routed on its own.
        var batches: [[PendingCommand]] = topology == nil ? [] : Array(repeating: [], count: primaryHandles.count)
        for (index, command) in commands.enumerated() {
            let pending = PendingCommand(command: command, handler: .callback(on: loop) { collector.complete(index, $0) },
                                         deadline: deadline)
            if !batches.isEmpty, readsFromPrimaries, case .slot(let slot) = CommandRouter.route(command),
               let shard = topology?.shardIndex(forSlot: slot) {
                batches[shard].append(pending)
            } else {
                // Keyless, fanned out, split, refused, uncovered, replica reads, no topology yet:
                // the single-command path decides.
                route(pending)
            }
        }
        for (shard, batch) in batches.enumerated() where !batch.isEmpty {
            pool.send(batch: batch, via: primaryHandles[shard])
        }
    }
}
