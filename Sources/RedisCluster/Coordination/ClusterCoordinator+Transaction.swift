import Redis
import RESP
import SwiftEV

/// A transaction in flight: where it goes next and the redirects it has followed. Loop-confined.
final class TransactionRun: NodeUnit {
    let plan: TransactionPlan
    let deadline: Deadline
    let completion: (Result<(replies: [RESPValue]?, node: ClusterEndpoint), any Error>) -> Void
    var redirections: [Redirection] = []
    var target: ClusterEndpoint?
    var asking = false
    var resends = 0
    var name: String { "MULTI" }

    init(plan: TransactionPlan, deadline: Deadline, completion: @escaping (Result<(replies: [RESPValue]?, node: ClusterEndpoint), any Error>) -> Void) {
        self.plan = plan
        self.deadline = deadline
        self.completion = completion
    }

    func fail(_ error: any Error) { completion(.failure(error)) }
}

/// `MULTI … EXEC` on the slot owner's connection as one unit (one batch, nothing of another
/// caller in between). Re-sent only when `TransactionOutcome` says nothing ran.
extension ClusterCoordinator {
    func transaction(_ run: TransactionRun) {
        guard let (endpoint, handle, connection) = connection(for: run, slot: run.plan.slot, again: { [weak self] in self?.transaction(run) }) else { return }
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
            resend(run, notSentTo: node, error) { [weak self] in self?.transaction(run) }
        case .notExecuted(let redirection):
            follow(redirection, of: run, from: node) { [weak self] in self?.transaction(run) }
        }
    }
}
