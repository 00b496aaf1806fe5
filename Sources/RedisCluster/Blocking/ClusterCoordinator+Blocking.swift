import Redis
import SwiftEV

extension ClusterCoordinator {
    /// A blocking command goes to its slot's primary, on a blocking connection; without a
    /// topology (or an owner for the slot) it waits like any other command.
    func routeBlocking(_ pending: consuming PendingCommand) {
        switch CommandRouter.route(pending.command) {
        case .slot(let slot):
            guard let index = topology?.shardIndex(forSlot: slot) else {
                requestRefresh(because: "slot \(slot) not covered")
                return park(pending, .uncoveredSlot(slot))
            }
            blockingPool.send(pending, to: topology!.shards[index].primary.endpoint)
        case .keyless:
            guard let first = topology?.shards.first?.primary.endpoint else { return park(pending, .topology) }
            blockingPool.send(pending, to: first)
        case .crossSlot(let keys):
            fail(pending, .crossSlot(keys))
        }
    }
}
