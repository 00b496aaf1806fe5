import Redis
import RESP
import SwiftEV

/// Commands sent in parts, as their `COMMAND` tips say: fanned out to every primary or node,
/// or split per slot. The decisions (which nodes, how to cut, how to merge) are plain values
/// (`ClusterCommandPolicy`, `MultiKeySplit`, `ReplyMerger`); this only sends and collects.
///
/// The parts share the caller's cancellation (through their `ReplyCollector`): cancelling the
/// caller's task drops the parts not written yet and abandons the written ones, each part
/// reporting which; the merge then says what may have run (see `ReplyMerger.cancelledUnsent`).
extension ClusterCoordinator {
    /// Sends the same command to every primary (or every online node) and merges the replies.
    /// Each part is pinned to its node: if that node cannot take it, the part fails (see
    /// `failPinned`) rather than running twice elsewhere (`DBSIZE` would count a shard twice).
    func fanOut(_ pending: consuming PendingCommand, _ targets: ClusterCommandPolicy.FanOutTargets,
                _ response: CommandTips.ResponsePolicy?) {
        let nodes = fanOutNodes(targets)
        let name = pending.command.name
        let handler = pending.handler
        let labels = nodes.map(\.description)
        let collector = ReplyCollector(count: nodes.count, on: loop, cancellation: handler.cancellation) { results in
            handler.complete(ReplyMerger.fanOut(Array(zip(labels, results)), policy: response, command: name))
        }
        for (index, node) in nodes.enumerated() {
            pool.send(PendingCommand(command: pending.command, handler: collector.handler(index), deadline: pending.deadline), to: node)
        }
    }

    func fanOutNodes(_ targets: ClusterCommandPolicy.FanOutTargets) -> [ClusterEndpoint] {
        guard let shards = topology?.shards else { return [] }
        switch targets {
        case .allShards:
            return shards.map(\.primary.endpoint)
        case .allNodes:
            // A failed or still-loading replica would only fail its part.
            return shards.flatMap { [$0.primary] + $0.replicas.filter { $0.health == .online } }.map(\.endpoint)
        }
    }

    /// Sends the per-slot parts of a split multi-key command as a pipeline would: grouped per
    /// primary, one batch (one flush) per node, each part following its own redirects. A part
    /// knows its slot: it is not routed (parsed) again.
    func send(_ pending: consuming PendingCommand, split: MultiKeySplit) {
        let handler = pending.handler
        let collector = ReplyCollector(count: split.parts.count, on: loop, cancellation: handler.cancellation) { results in
            handler.complete(split.merge(results))
        }
        let deadline = pending.deadline ?? loop.now + configuration.commandTimeout
        var batches = ShardBatches(self, collector: collector, deadline: deadline, expected: split.parts.count)
        for (index, part) in split.parts.enumerated() {
            batches.add(part.command, place: index, slot: part.slot)
        }
        batches.send()
    }

    /// A fanned-out part or a pinned command (see `HandBack`) that its node redirected or
    /// returned. Only parts of fan-outs ever reach the pool with a fan-out policy (the caller's
    /// command is split before): re-routing one would run it on another node, so it fails,
    /// naming what happened.
    func failPinned(_ pending: PendingCommand, node: ClusterEndpoint, _ kind: RedisError.Kind, underlying: String? = nil) {
        pending.handler.complete(.failure(RedisError(kind, node: node.description, command: pending.command.name, underlying: underlying)))
    }
}
