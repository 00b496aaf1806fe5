import Redis
import RESP
import SwiftEV

extension RedisClusterClient {
    /// Runs `commands` as one `MULTI … EXEC` on the node that owns their slot. Every key of
    /// every command must be in one slot (use a hash tag: `{user:42}:cart`); otherwise it
    /// throws `RedisClusterError` `.crossSlot` naming each key and its slot, before anything
    /// is sent. Returns one result per command: its reply, or its own error (a `WRONGTYPE`
    /// inside a transaction does not undo the others, as in Redis).
    ///
    /// ```swift
    /// let results = try await cluster.transaction([
    ///     RedisCommand("INCR", "{user:42}:visits"),
    ///     RedisCommand("SET", "{user:42}:seen", "now"),
    /// ])
    /// let visits = try results[0].get().decode(as: Int.self)
    /// ```
    ///
    /// A `MOVED`, `ASK` or `TRYAGAIN` discards the transaction on the server, so it is sent
    /// again to the new owner (nothing had run). When `EXEC` was sent and no reply came, it
    /// throws `ClusterTransactionError` `.outcomeUnknown` and is never re-sent. The commands
    /// go out in one batch on the node's shared connection, so no other caller's command
    /// lands inside; `WATCH` needs its own connection and is not offered here.
    public func transaction(_ commands: [RedisCommand]) async throws -> [Result<RESPValue, any Error>] {
        try await submitTransaction(commands).get()
    }

    /// `transaction(_:)` as a future completed on the client's loop. Callable from any thread.
    public func submitTransaction(_ commands: [RedisCommand]) -> EventLoopFuture<[Result<RESPValue, any Error>]> {
        let promise = eventLoop.makePromise(of: [Result<RESPValue, any Error>].self)
        let start: @Sendable () -> Void = { [self] in
            submitTransaction(commands) { promise.completeWith($0) }
        }
        if eventLoop.inEventLoop {
            start()
        } else if !eventLoop.tryExecute(start) {
            promise.fail(RedisClusterError(.clientClosed, command: "MULTI"))
        }
        return promise.futureResult
    }

    /// `transaction(_:)` for code on the client's loop; `onResult` runs there. Must be called
    /// on the loop.
    public func submitTransaction(_ commands: [RedisCommand],
                                  onResult: @escaping (Result<[Result<RESPValue, any Error>], any Error>) -> Void) {
        eventLoop.preconditionInEventLoop()
        let plan: TransactionPlan
        do { plan = try TransactionPlan(commands) } catch { return onResult(.failure(error)) }
        let run = TransactionRun(plan: plan, deadline: eventLoop.now + configuration.commandTimeout) { result in
            onResult(result.map { answer in
                // Without WATCH, EXEC never answers null; an empty reply list keeps the shape.
                Self.results(of: answer.replies ?? [], commands: commands, node: answer.node.description)
            })
        }
        coordinator.transaction(run)
    }

    /// Each EXEC reply as its command's result: error replies become that command's failure.
    static func results(of replies: [RESPValue], commands: [RedisCommand], node: String) -> [Result<RESPValue, any Error>] {
        replies.enumerated().map { index, reply in
            if let error = RESPServerError(reply) {
                return .failure(RedisError(.server(error), node: node, command: index < commands.count ? commands[index].name : nil))
            }
            return .success(reply)
        }
    }
}
