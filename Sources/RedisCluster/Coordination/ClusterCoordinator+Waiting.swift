import Redis
import RESP
import SwiftEV

/// Commands that cannot be routed yet: parked with their deadline and reason, let go after
/// each refresh, failed with what they waited for when the deadline passes first.
extension ClusterCoordinator {
    /// Parks a command until a refresh may let it through, or its deadline passes.
    func park(_ pending: consuming PendingCommand, _ reason: WaitReason) {
        if case .topology = reason, !configuration.enableOfflineQueue { return fail(pending, .offline) }
        let deadline = pending.deadline ?? (loop.now + configuration.commandTimeout)
        if deadline <= loop.now { return expire(pending, reason) }
        let name = pending.command.name
        let redirections = pending.redirections
        let handler = pending.handler
        statistics.waited += 1
        guard waiting.append(pending, deadline: deadline, reason: reason) else {
            metrics?.commandFailed(.offlineQueueFull(limit: waiting.limit))
            handler.complete(.failure(RedisClusterError(.offlineQueueFull(limit: waiting.limit), command: name, redirections: redirections)))
            return
        }
        armWaitTimer()
        if case .topology = reason {} else { requestRefresh(because: "\(reason)") }
    }

    func armWaitTimer() {
        guard let earliest = waiting.earliestDeadline else { waitTimer?.cancel(); return }
        if waitTimer == nil { waitTimer = loop.makeTimer { [weak self] in self?.expireWaiting() } }
        waitTimer?.arm(at: earliest)
    }

    func expireWaiting() {
        for entry in waiting.takeExpired(now: loop.now) { expire(entry.element, entry.reason) }
        armWaitTimer()
    }

    func expire(_ pending: consuming PendingCommand, _ reason: WaitReason) {
        switch reason {
        case .topology where !lastFailures.isEmpty:
            fail(pending, .noReachableNode(lastFailures))
        case .uncoveredSlot(let slot):
            fail(pending, .slotNotCovered(slot))
        default:
            fail(pending, .timedOutWaiting(for: reason.description))
        }
    }

    /// Routes every parked command again (after a refresh).
    func releaseWaiting() {
        guard !waiting.isEmpty else { return }
        let entries = waiting.takeAll()
        waitTimer?.cancel()
        for entry in entries { route(entry.element) }
    }
}
