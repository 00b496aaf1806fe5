import Redis

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
