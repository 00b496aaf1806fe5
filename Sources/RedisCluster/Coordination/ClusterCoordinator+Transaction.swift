import Redis
import RESP
import SwiftEV

/// A transaction in flight: where it goes next and the redirects it has followed. Loop-confined.
final class TransactionRun {
    let plan: TransactionPlan
    let deadline: Deadline
    let completion: (Result<(replies: [RESPValue]?, node: ClusterEndpoint), any Error>) -> Void
    var redirections: [Redirection] = []
    /// Set by `MOVED`/`ASK`: the node to use instead of the slot table's.
    var target: ClusterEndpoint?
    var asking = false
    /// Re-sends after a lost connection (nothing ran), bounded like redirects.
    var resends = 0

    init(plan: TransactionPlan, deadline: Deadline, completion: @escaping (Result<(replies: [RESPValue]?, node: ClusterEndpoint), any Error>) -> Void) {
        self.plan = plan
        self.deadline = deadline
        self.completion = completion
    }
}

/// `MULTI … EXEC` on the slot owner's connection as one unit (one batch, nothing of another
/// caller in between). Re-sent only when `TransactionOutcome` says nothing ran.
extension ClusterCoordinator {
    func transaction(_ run: TransactionRun) {
        guard !isClosed else { return run.completion(.failure(RedisClusterError(.clientClosed, command: "MULTI"))) }
        guard loop.now < run.deadline else {
            return run.completion(.failure(RedisClusterError(.timedOutWaiting(for: "the transaction's node"), command: "MULTI",
                                                             redirections: run.redirections)))
        }
        guard let endpoint = run.target ?? transactionNode(run.plan.slot) else {
            // No topology, or nobody serves the slot yet: look again shortly.
            requestRefresh(because: "transaction waiting for its slot's owner")
            return retry(run, after: configuration.retryDelayOnFailover)
        }
        let handle = pool.handles[endpoint] ?? pool.handle(for: endpoint)
        guard case .ready(let connection) = handle.state, !connection.isClosing else {
            // Only a connected node takes the batch: commands queued for a dial that then fails
            // would come back one by one and be routed apart, out of their transaction.
            return pool.probe(endpoint, RedisCommand("PING"), timeout: configuration.slotsRefreshTimeout) { [weak self] result in
                guard let self else { return }
                if case .failure = result {
                    run.target = nil
                    run.asking = false
                    requestRefresh(because: "transaction node \(endpoint) unreachable")
                    return retry(run, after: configuration.retryDelayOnFailover)
                }
                transaction(run)
            }
        }
        let count = run.plan.commands.count + 2
        let limit = handle.configuration.maxPendingCommands
        guard connection.pendingCommandCount + count <= limit else {
            // All or nothing: a MULTI accepted without its EXEC would leave the shared
            // connection inside a transaction.
            return run.completion(.failure(RedisError(.tooManyPendingCommands(limit: limit), node: endpoint.description, command: "MULTI")))
        }
        let collector = ReplyCollector(count: count, on: loop) { [weak self] results in
            let outcome = TransactionOutcome(multi: results[0], queued: Array(results[1..<(count - 1)]), exec: results[count - 1])
            self?.finish(run, outcome, from: endpoint)
        }
        var batch: [PendingCommand] = []
        batch.reserveCapacity(count)
        func add(_ command: RedisCommand, asking: Bool = false) {
            batch.append(PendingCommand(command: command, handler: collector.handler(batch.count), deadline: run.deadline, asking: asking))
        }
        // ASKING before MULTI holds for the whole transaction (the server keeps the flag in MULTI).
        add(RedisCommand("MULTI"), asking: run.asking)
        for command in run.plan.commands { add(command) }
        add(RedisCommand("EXEC"))
        connection.send(batch: batch)
    }

    private func retry(_ run: TransactionRun, after delay: TimeAmount) {
        after(delay) { [weak self] in
            guard let self else { return run.completion(.failure(RedisClusterError(.clientClosed, command: "MULTI"))) }
            transaction(run)
        }
    }

    /// The slot's primary, or any primary for a keyless transaction.
    func transactionNode(_ slot: Int?) -> ClusterEndpoint? {
        guard topology != nil, !primaryHandles.isEmpty else { return nil }
        guard let slot else { return primaryHandles[0].endpoint }
        return topology?.shardIndex(forSlot: slot).map { primaryHandles[$0].endpoint }
    }

    private func finish(_ run: TransactionRun, _ outcome: TransactionOutcome, from node: ClusterEndpoint) {
        switch outcome {
        case .committed(let replies):
            run.completion(.success((replies, node)))
        case .aborted:
            run.completion(.success((nil, node)))
        case .rejected(let error):
            run.completion(.failure(ClusterTransactionError(.rejected, underlying: error, node: node.description)))
        case .unknown(let error):
            run.completion(.failure(ClusterTransactionError(.outcomeUnknown, underlying: error, node: node.description)))
        case .notSent(let error):
            run.resends += 1
            guard run.resends + run.redirections.count <= configuration.maxRedirections else {
                return run.completion(.failure(error))
            }
            run.target = nil
            run.asking = false
            requestRefresh(because: "transaction not sent to \(node)")
            retry(run, after: configuration.retryDelayOnFailover)
        case .notExecuted(let redirection):
            let decision = policy.decide(redirection, history: run.redirections, sender: node,
                                         knowsPrimary: { self.knowsPrimary($0) }, now: loop.now, deadline: run.deadline)
            run.redirections.append(redirection)
            account(decision, for: redirection)
            switch decision {
            case .send(let target, let asking, let delay, _, _):
                run.target = target
                run.asking = asking
                retry(run, after: delay)
            case .reroute(let delay, _):
                run.target = nil
                run.asking = false
                retry(run, after: delay)
            case .fail(let kind):
                run.completion(.failure(RedisClusterError(kind, command: "MULTI", redirections: run.redirections)))
            }
        }
    }
}
