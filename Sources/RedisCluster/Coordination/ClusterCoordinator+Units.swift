import Redis
import RESP
import SwiftEV

/// Something sent to one node as one batch, nothing of another caller in between (a
/// transaction; a write and the `WAIT` behind it), and sent again whole when nothing of it
/// ran: where it goes next and the redirects it followed. Loop-confined.
protocol NodeUnit: AnyObject {
    /// For errors ("MULTI", the write's name).
    var name: String { get }
    var deadline: Deadline { get }
    var redirections: [Redirection] { get set }
    /// Set by `MOVED`/`ASK`: the node to use instead of the slot table's.
    var target: ClusterEndpoint? { get set }
    var asking: Bool { get set }
    /// Re-sends after a lost connection (nothing ran), bounded like redirects.
    var resends: Int { get set }
    /// Gives up with `error`.
    func fail(_ error: any Error)
}

extension ClusterCoordinator {
    /// The open connection `unit` goes out on (its redirect target, or `slot`'s primary), or
    /// nil when there is none yet: then `again` runs once a probe reached the node, or after
    /// a delay and a refresh when nobody serves the slot or the node is unreachable (the unit
    /// failed when it is past its deadline or the client closed).
    func connection(for unit: some NodeUnit, slot: Int?, again: @escaping () -> Void) -> (ClusterEndpoint, NodeHandle, any NodeConnection)? {
        guard !isClosed else {
            unit.fail(RedisClusterError(.clientClosed, command: unit.name))
            return nil
        }
        guard loop.now < unit.deadline else {
            unit.fail(RedisClusterError(.timedOutWaiting(for: "a node to run \(unit.name)"), command: unit.name, redirections: unit.redirections))
            return nil
        }
        guard let endpoint = unit.target ?? transactionNode(slot) else {
            // No topology, or nobody serves the slot yet: look again shortly.
            requestRefresh(because: "\(unit.name) waiting for its slot's owner")
            retry(unit, after: configuration.retryDelayOnFailover, again)
            return nil
        }
        let handle = pool.handles[endpoint] ?? pool.handle(for: endpoint)
        guard case .ready(let connection) = handle.state, !connection.isClosing else {
            // Only a connected node takes the batch: commands queued for a dial that then fails
            // would come back one by one and be routed apart, out of their unit.
            pool.probe(endpoint, RedisCommand("PING"), timeout: configuration.slotsRefreshTimeout) { [weak self] result in
                guard let self else { return }
                if case .failure = result {
                    unit.target = nil
                    unit.asking = false
                    requestRefresh(because: "\(unit.name) node \(endpoint) unreachable")
                    return retry(unit, after: configuration.retryDelayOnFailover, again)
                }
                again()
            }
            return nil
        }
        return (endpoint, handle, connection)
    }

    /// Runs `again` after `delay`, or fails `unit` when the client is gone by then.
    func retry(_ unit: some NodeUnit, after delay: TimeAmount, _ again: @escaping () -> Void) {
        after(delay) { [weak self] in
            guard self != nil else { return unit.fail(RedisClusterError(.clientClosed, command: unit.name)) }
            again()
        }
    }

    /// Nothing of `unit` ran because its connection was lost before it was written: send it
    /// again through the slot table, within the redirect budget.
    func resend(_ unit: some NodeUnit, notSentTo node: ClusterEndpoint, _ error: any Error, again: @escaping () -> Void) {
        unit.resends += 1
        guard unit.resends + policy.budgetUsed(by: unit.redirections) <= configuration.maxRedirections else { return unit.fail(error) }
        unit.target = nil
        unit.asking = false
        requestRefresh(because: "\(unit.name) not sent to \(node)")
        retry(unit, after: configuration.retryDelayOnFailover, again)
    }

    /// Nothing of `unit` ran because `node` answered a redirect or retry signal: follow it as
    /// `RedirectPolicy` decides.
    func follow(_ redirection: Redirection, of unit: some NodeUnit, from node: ClusterEndpoint, again: @escaping () -> Void) {
        let decision = policy.decide(redirection, history: unit.redirections, sender: node,
                                     knowsPrimary: { self.knowsPrimary($0) }, now: loop.now, deadline: unit.deadline)
        unit.redirections.append(redirection)
        account(decision, for: redirection)
        switch decision {
        case .send(let target, let asking, let delay, _, _):
            unit.target = target
            unit.asking = asking
            retry(unit, after: delay, again)
        case .reroute(let delay, _):
            unit.target = nil
            unit.asking = false
            retry(unit, after: delay, again)
        case .fail(let kind):
            unit.fail(RedisClusterError(kind, command: unit.name, redirections: unit.redirections))
        }
    }
}
