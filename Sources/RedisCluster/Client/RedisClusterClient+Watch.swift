import Redis
import RESP
import SwiftEV

extension RedisClusterClient {
    /// Optimistic locking: `WATCH keys`, your reads through `connection`, then `MULTI`, the
    /// commands `body` returns, `EXEC` — all on a connection of its own to the keys' slot owner
    /// (a `WATCH` on the shared connection could be cancelled by another caller's `EXEC`).
    /// Returns nil when a watched key changed (nothing ran: read again and retry if you like).
    ///
    /// ```swift
    /// let results = try await cluster.transaction(watching: ["{acct:7}:balance"]) { connection in
    ///     let balance = try await connection.send("GET", "{acct:7}:balance", as: Int?.self) ?? 0
    ///     return [RedisCommand("SET", "{acct:7}:balance", balance + 10)]
    /// }
    /// if results == nil { /* someone else wrote the balance first */ }
    /// ```
    ///
    /// Every key (watched and in the commands) must share one slot; otherwise it throws
    /// `RedisClusterError` `.crossSlot` (for the commands: after `body` ran, before `MULTI`).
    /// When the slot moves (`MOVED` on `WATCH` or on the transaction) nothing has run: the
    /// whole sequence, `body` included, runs again on the new owner. An `EXEC` sent without a
    /// reply throws `ClusterTransactionError` `.outcomeUnknown`. `body` should only read: it
    /// may run more than once.
    ///
    /// The connection comes from a per-node pool (`maxWatchConnectionsPerNode`) and goes back
    /// to it afterwards: reset with `DISCARD`/`UNWATCH` when the transaction was abandoned
    /// before `EXEC` answered, closed if that fails. Leave it as you found it (no `SELECT`,
    /// `SUBSCRIBE`, `CLIENT REPLY`), and do not keep it after `body` returns.
    public func transaction(watching keys: [any RESPArgument],
                            _ body: (_ connection: RedisConnection) async throws -> [RedisCommand])
        async throws -> [Result<RESPValue, any Error>]? {
        let watch = RedisCommand(["WATCH"] + keys)
        let slot: Int
        switch CommandRouter.route(watch) {
        case .slot(let keySlot): slot = keySlot
        case .crossSlot(let keySlots): throw RedisClusterError(.crossSlot(keySlots), command: "WATCH")
        case .keyless: throw ClusterTransactionError(.invalidCommand("WATCH without keys"))
        }
        // The same bounds as a single command's: redirects and lost connections count against
        // `maxRedirections`, "not now" signals (a failover's CLUSTERDOWN) are waited out until
        // `commandTimeout` from the first attempt.
        let policy = RedirectPolicy(configuration)
        let deadline = ContinuousClock.now + .nanoseconds(configuration.commandTimeout.nanoseconds)
        var redirections: [Redirection] = []
        var target: ClusterEndpoint?
        var notSent = 0
        func withinBudget() -> Bool { notSent + policy.budgetUsed(by: redirections) <= configuration.maxRedirections }
        while true {
            guard withinBudget() else {
                throw RedisClusterError(.tooManyRedirections(limit: configuration.maxRedirections), command: "WATCH", redirections: redirections)
            }
            let endpoint = try await watchNode(target, slot: slot)
            let connection = try await eventLoop.submit { [coordinator] in coordinator.watchPool.acquire(endpoint) }.get().get()
            let outcome: TransactionOutcome
            do {
                outcome = try await watchAndExecute(watch, slot: slot, on: connection, body)
            } catch {
                await giveBack(connection, needsReset: true)
                throw error
            }
            // Only an EXEC that ran or aborted leaves the connection without watches for sure.
            switch outcome {
            case .committed, .aborted: await giveBack(connection, needsReset: false)
            default: await giveBack(connection, needsReset: true)
            }
            switch outcome {
            case .committed(let replies):
                return Self.results(of: replies, commands: [], node: endpoint.description)
            case .aborted:
                return nil
            case .rejected(let error):
                throw ClusterTransactionError(.rejected, underlying: error, node: endpoint.description)
            case .unknown(let error):
                throw ClusterTransactionError(.outcomeUnknown, underlying: error, node: endpoint.description)
            case .notSent(let error):
                // The server drops a transaction whose connection closed before EXEC.
                notSent += 1
                guard withinBudget() else { throw error }
                target = nil
            case .notExecuted(let redirection):
                redirections.append(redirection)
                if case .moved(let movedSlot, let host, let port) = redirection {
                    let owner = ClusterEndpoint(host: host, port: port)
                    target = owner
                    eventLoop.execute { [coordinator] in
                        coordinator.statistics.movedFollowed += 1
                        coordinator.patch(slot: movedSlot, to: owner)
                    }
                } else {
                    // ASK, TRYAGAIN, CLUSTERDOWN…: the slot is in motion or the cluster is down
                    // for now; start over after the signal's delay.
                    target = nil
                    let delay = Duration.nanoseconds(policy.retryDelay(after: redirection).nanoseconds)
                    guard ContinuousClock.now + delay < deadline else {
                        throw RedisClusterError(.timedOutWaiting(for: "a retry after \(redirection)"), command: "WATCH", redirections: redirections)
                    }
                    try await Task.sleep(for: delay)
                }
            }
        }
    }

    /// One attempt on `connection`: WATCH, `body`, then MULTI … EXEC in one flush.
    private func watchAndExecute(_ watch: RedisCommand, slot: Int, on connection: RedisConnection,
                                 _ body: (_ connection: RedisConnection) async throws -> [RedisCommand]) async throws -> TransactionOutcome {
        do {
            try await connection.send(watch)
            let commands = try await body(connection)
            let plan = try TransactionPlan(commands)
            if let other = plan.slot, other != slot {
                throw RedisClusterError(.crossSlot(([watch] + commands).flatMap(CommandRouter.keySlots)), command: "MULTI")
            }
            let replies = await connection.pipeline([RedisCommand("MULTI")] + commands + [RedisCommand("EXEC")])
            return TransactionOutcome(multi: replies[0], queued: Array(replies.dropFirst().dropLast()), exec: replies[replies.count - 1])
        } catch let error as RedisError {
            // WATCH (or a read in `body`) redirected: nothing was written.
            guard case .redirected(let redirection) = error.kind else { throw error }
            return .notExecuted(redirection)
        }
    }

    /// Returns a WATCH connection to its pool. A reset is awaited, so the caller's next
    /// transaction finds the connection back (not a second one dialled meanwhile); a clean
    /// return needs no wait: the loop runs it before anything the caller sends next.
    private func giveBack(_ connection: RedisConnection, needsReset: Bool) async {
        guard needsReset else {
            eventLoop.execute { [coordinator] in _ = coordinator.watchPool.release(connection, needsReset: false) }
            return
        }
        _ = try? await eventLoop.submit { [coordinator] in coordinator.watchPool.release(connection, needsReset: true) }.get().get()
    }

    /// The node to watch on: the one a `MOVED` named, else the slot's primary (once known).
    private func watchNode(_ target: ClusterEndpoint?, slot: Int) async throws -> ClusterEndpoint {
        if let target { return target }
        try await connect()
        let owner = try await eventLoop.submit { [coordinator] in coordinator.transactionNode(slot) }.get()
        guard let owner else { throw RedisClusterError(.slotNotCovered(slot), command: "WATCH") }
        return owner
    }
}
