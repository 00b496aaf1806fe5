import Redis
import RESP
import SwiftEV

/// What the node pool hands back: redirected commands and commands a node could not take.
extension ClusterCoordinator {
    func nodePool(_ pool: NodePool, redirected command: PendingCommand, by redirection: Redirection, from node: ClusterEndpoint) {
        if case .fail(let kind) = HandBack.of(pinned: command.pinned, fanOut: ClusterCommandPolicy.of(command.command).isFanOut,
                                             redirection: redirection) {
            return failPinned(command, node: node, kind)
        }
        var pending = command
        let decision = policy.decide(redirection, history: pending.redirections, sender: node,
                                     knowsPrimary: { self.knowsPrimary($0) }, now: loop.now,
                                     deadline: pending.deadline ?? .distantFuture)
        pending.redirections.append(redirection)
        logger.trace("redirect", metadata: ["from": "\(node)", "signal": "\(redirection)", "decision": "\(decision)"])
        account(decision, for: redirection)
        switch decision {
        case .send(let target, let asking, let delay, _, _):
            pending.asking = asking
            let moving = pending
            after(delay) { [weak self] in
                guard let self, !self.isClosed else {
                    return moving.handler.complete(.failure(RedisClusterError(.clientClosed, command: moving.command.name)))
                }
                pool.send(moving, to: target)
            }
        case .reroute(let delay, _):
            pending.asking = false
            let moving = pending
            after(delay) { [weak self] in
                guard let self else { return moving.handler.complete(.failure(RedisClusterError(.clientClosed, command: moving.command.name))) }
                route(moving)
            }
        case .fail(let kind):
            fail(pending, kind)
        }
    }

    /// What following a decision means for the client itself, whatever follows it (a command,
    /// a transaction): counted, the slot table patched, a refresh asked for.
    func account(_ decision: RedirectPolicy.Decision, for redirection: Redirection) {
        switch decision {
        case .send(let target, let asking, _, let slot, let refresh):
            if asking { statistics.askFollowed += 1 } else { statistics.movedFollowed += 1 }
            if let slot { patch(slot: slot, to: target) }
            if refresh { requestRefresh(because: "MOVED to unknown \(target)") }
        case .reroute(_, let refresh):
            statistics.retries += 1
            if refresh { requestRefresh(because: "\(redirection)") }
        case .fail:
            break
        }
    }

    func nodePool(_ pool: NodePool, bounced commands: [PendingCommand], from node: ClusterEndpoint, cause: NodeFailure.Cause) {
        // Never written, or read-only (the node layer fails written writes with an unknown
        // outcome itself): safe to send again once the slot's owner is reachable.
        for pending in commands {
            switch HandBack.of(pinned: pending.pinned, fanOut: ClusterCommandPolicy.of(pending.command).isFanOut, wasSent: pending.wasSent) {
            case .fail(let kind): failPinned(pending, node: node, kind, underlying: cause.description)
            case .route: park(pending, .node(node, cause.description))
            }
        }
    }

    func nodePool(_ pool: NodePool, connected node: ClusterEndpoint) {
        logger.debug("node connected", metadata: ["node": "\(node)"])
        send(.connect(node))
    }

    func nodePool(_ pool: NodePool, lost node: ClusterEndpoint, cause: NodeFailure.Cause, retryIn delay: TimeAmount) {
        logger.warning("node unavailable", metadata: ["node": "\(node)", "cause": "\(cause)", "retry_in": "\(delay)"])
        metrics?.nodeFailed(cause.metricName)
        send(.nodeError(node, cause.description))
        send(.close(node))
        send(.reconnecting(node, delay: .nanoseconds(delay.nanoseconds)))
        // A node of the topology going away may be a failover starting: look again.
        if topology?.nodes.contains(where: { $0.endpoint == node }) == true {
            requestRefresh(because: "lost \(node)")
        }
    }
}
