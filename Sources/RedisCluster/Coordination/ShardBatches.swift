import Redis
import SwiftEV

/// Commands grouped by shard primary into one `CommandBatch` each (one queue entry, one write,
/// one flush per node). What cannot join a batch goes through `route` at once.
struct ShardBatches {
    private let coordinator: ClusterCoordinator
    private let collector: ReplyCollector
    private let deadline: Deadline
    private var batches: [CommandBatch?]
    private let expected: Int
    /// The topology the slots are looked up in; nil when no command can join a batch.
    private let topology: ClusterTopology?
    /// Per shard: whether its primary takes batches (`batchShard`), asked once per shard.
    private var usable: [Usable]

    private enum Usable: UInt8 { case unknown, yes, no }

    init(_ coordinator: ClusterCoordinator, collector: ReplyCollector, deadline: Deadline, expected: Int) {
        self.coordinator = coordinator
        self.collector = collector
        self.deadline = deadline
        self.expected = expected
        let shards = coordinator.primaryHandles.count
        batches = Array(repeating: nil, count: shards)
        usable = Array(repeating: .unknown, count: shards)
        topology = coordinator.readsFromPrimaries && shards > 0 ? coordinator.topology : nil
    }

    /// Adds `command`, whose result goes to `place` in the collector and whose key is in `slot`.
    mutating func add(_ command: RedisCommand, place: Int, slot: Int) {
        guard let shard = shard(forSlot: slot), BlockingCommand.wait(of: command) == nil else {
            return coordinator.route(PendingCommand(command: command, handler: collector.handler(place), deadline: deadline))
        }
        if let batch = batches[shard] {
            batch.append(command, place: place)
        } else {
            // Keys spread evenly over the shards; a little over a share each avoids regrowth.
            let batch = CommandBatch(collector: collector, deadline: deadline,
                                     capacity: expected / batches.count + expected / (4 * batches.count) + 4)
            batch.append(command, place: place)
            batches[shard] = batch
        }
    }

    private mutating func shard(forSlot slot: Int) -> Int? {
        guard let shard = topology?.shardIndex(forSlot: slot), shard < usable.count else { return nil }
        switch usable[shard] {
        case .yes: return shard
        case .no: return nil
        case .unknown:
            let takes = coordinator.batchShard(forSlot: slot) == shard
            usable[shard] = takes ? .yes : .no
            return takes ? shard : nil
        }
    }

    /// Sends every batch, in shard order.
    mutating func send() {
        for shard in batches.indices {
            guard let batch = batches[shard] else { continue }
            batches[shard] = nil
            coordinator.pool.send(batch, via: coordinator.primaryHandles[shard])
        }
    }
}
