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
    /// may run more than once. Costs one connect per call.
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
        var redirections: [Redirection] = []
        var target: ClusterEndpoint?
        var attempts = 0
        while true {
            attempts += 1
            guard attempts <= configuration.maxRedirections else {
                throw RedisClusterError(.tooManyRedirections(limit: configuration.maxRedirections), command: "WATCH", redirections: redirections)
            }
            let endpoint = try await watchNode(target, slot: slot)
            var settings = configuration.node
            settings.commandTimeout = configuration.commandTimeout
            let address = configuration.connectAddress(for: endpoint)
            let connection = try await RedisConnection.connect(host: address.host, port: address.port, configuration: settings, on: eventLoop)
            defer { connection.close() }
            let outcome: TransactionOutcome
            do {
                try await connection.send(watch)
                let commands = try await body(connection)
                let plan = try TransactionPlan(commands)
                if let other = plan.slot, other != slot {
                    throw RedisClusterError(.crossSlot(([watch] + commands).flatMap(CommandRouter.keySlots)), command: "MULTI")
                }
                let replies = await connection.pipeline([RedisCommand("MULTI")] + commands + [RedisCommand("EXEC")])
                outcome = TransactionOutcome(multi: replies[0], queued: Array(replies.dropFirst().dropLast()), exec: replies[replies.count - 1])
            } catch let error as RedisError {
                // WATCH (or a read in `body`) redirected: nothing was written.
                guard case .redirected(let redirection) = error.kind else { throw error }
                outcome = .notExecuted(redirection)
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
                guard attempts < configuration.maxRedirections else { throw error }
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
                    // ASK, TRYAGAIN, CLUSTERDOWN…: the slot is in motion; start over shortly.
                    target = nil
                    try await Task.sleep(for: .nanoseconds(configuration.retryDelayOnTryAgain.nanoseconds))
                }
            }
        }
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
