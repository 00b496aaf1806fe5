import Redis
import RESP
import SwiftEV

/// A write and its `WAIT` in flight: where they go next. Loop-confined.
final class ReplicatedWriteRun: NodeUnit {
    let write: RedisCommand
    let wait: RedisCommand
    let slot: Int?
    let deadline: Deadline
    /// `WAIT`'s own timeout: its reply may take that much longer than the write's.
    let waitTimeout: TimeAmount
    let completion: (Result<ReplicatedReply, any Error>) -> Void
    var redirections: [Redirection] = []
    var target: ClusterEndpoint?
    var asking = false
    var resends = 0
    var name: String { write.name }

    init(write: RedisCommand, slot: Int?, replicas: Int, waitTimeout: TimeAmount, deadline: Deadline,
         completion: @escaping (Result<ReplicatedReply, any Error>) -> Void) {
        self.write = write
        self.slot = slot
        let milliseconds = Self.waitMilliseconds(waitTimeout)
        self.wait = RedisCommand("WAIT", replicas, milliseconds)
        self.waitTimeout = .milliseconds(Int64(milliseconds))
        self.deadline = deadline
        self.completion = completion
    }

    func fail(_ error: any Error) { completion(.failure(error)) }

    /// `WAIT`'s timeout argument for `timeout`: whole milliseconds, rounded up, and at least 1.
    /// `WAIT n 0` waits until `n` replicas answer, however long that takes, and holds the
    /// shared connection (every command queued behind it) meanwhile; so a timeout under a
    /// millisecond, zero or negative included, is the shortest finite wait instead.
    static func waitMilliseconds(_ timeout: TimeAmount) -> Int {
        let nanoseconds = timeout.nanoseconds
        guard nanoseconds > 1_000_000 else { return 1 }
        return Int(nanoseconds / 1_000_000 + (nanoseconds % 1_000_000 == 0 ? 0 : 1))
    }
}

/// A write and `WAIT` right behind it, in one batch on the connection to the node that is to
/// run the write: `WAIT` counts the replicas that have this connection's writes, so only on
/// that connection does its answer say anything about this write. After an `ASK` or a `MOVED`
/// both go again to the node named (with `ASKING` before the write): the `WAIT` the old owner
/// answered is dropped.
extension ClusterCoordinator {
    func replicatedWrite(_ run: ReplicatedWriteRun) {
        let again = { [weak self] in self?.replicatedWrite(run) ?? () }
        guard let (endpoint, handle, connection) = connection(for: run, slot: run.slot, again: again) else { return }
        if !silentNodes.isEmpty, silentNodes.isSuspect(endpoint) {
            // It let a command time out: not written to until the other nodes confirmed who
            // serves its slots (as `route` parks single commands).
            return retry(run, after: configuration.retryDelayOnFailover, again)
        }
        let limit = handle.configuration.maxPendingCommands
        guard connection.pendingCommandCount + 2 <= limit else {
            return run.fail(RedisError(.tooManyPendingCommands(limit: limit), node: endpoint.description, command: run.name))
        }
        let collector = ReplyCollector(count: 2, on: loop) { [weak self] results in
            self?.finish(run, ReplicatedWriteOutcome(write: results[0], wait: results[1]), from: endpoint)
        }
        // Pinned, both: handed back (redirected, lost unwritten), they fail into the collector
        // instead of being routed apart; the outcome decides what to send again.
        var write = PendingCommand(command: run.write, handler: collector.handler(0), deadline: run.deadline, asking: run.asking)
        write.pinned = true
        var wait = PendingCommand(command: run.wait, handler: collector.handler(1), deadline: run.deadline + run.waitTimeout)
        wait.pinned = true
        connection.send(batch: [write, wait])
    }

    private func finish(_ run: ReplicatedWriteRun, _ outcome: ReplicatedWriteOutcome, from node: ClusterEndpoint) {
        let again = { [weak self] in self?.replicatedWrite(run) ?? () }
        switch outcome {
        case .confirmed(let reply, let replicas):
            run.completion(.success(ReplicatedReply(reply: reply, node: node.description, replicas: .success(replicas))))
        case .unconfirmed(let reply, let error):
            run.completion(.success(ReplicatedReply(reply: reply, node: node.description, replicas: .failure(error))))
        case .failed(let error):
            run.fail(error)
        case .notSent(let error):
            resend(run, notSentTo: node, error, again: again)
        case .notExecuted(let redirection):
            follow(redirection, of: run, from: node, again: again)
        }
    }
}
