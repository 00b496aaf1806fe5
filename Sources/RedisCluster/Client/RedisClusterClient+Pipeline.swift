import Redis
import RESP
import SwiftEV

extension RedisClusterClient {
    /// Sends `commands` — for any keys, on any nodes — as a pipeline: grouped per node, each
    /// node's share written in one flush, every command following its own redirects. Returns
    /// one result per command, in call order: a failed command does not hide the others.
    ///
    /// ```swift
    /// let results = await cluster.pipeline((0..<1000).map { RedisCommand("INCR", "counter:\($0)") })
    /// for case .failure(let error) in results { print(error) }
    /// let first = try results[0].get().decode(as: Int.self)
    /// ```
    ///
    /// Not a transaction: commands on different nodes run independently (see `transaction`).
    /// Multi-key and fan-out commands in it are split or fanned out as with `send`.
    ///
    /// Cancelling the task withdraws the commands as `send` does, each on its own: one not
    /// written yet fails with `CancellationError`, one written with `RedisError` `.cancelled`
    /// (it may have run); those already answered keep their results.
    public func pipeline(_ commands: [RedisCommand]) async -> [Result<RESPValue, any Error>] {
        let cancellation = CommandCancellation()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let queued = eventLoop.tryExecute { [coordinator] in
                    coordinator.pipeline(commands, cancellation: cancellation) { continuation.resume(returning: $0) }
                }
                if !queued {
                    continuation.resume(returning: commands.map { .failure(RedisClusterError(.clientClosed, command: $0.name)) })
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
    }

    /// `pipeline(_:)` as a future completed on the client's loop. Callable from any thread.
    public func submitPipeline(_ commands: [RedisCommand]) -> EventLoopFuture<[Result<RESPValue, any Error>]> {
        let promise = eventLoop.makePromise(of: [Result<RESPValue, any Error>].self)
        let start: @Sendable () -> Void = { [coordinator] in coordinator.pipeline(commands) { promise.succeed($0) } }
        if eventLoop.inEventLoop {
            start()
        } else if !eventLoop.tryExecute(start) {
            promise.fail(RedisClusterError(.clientClosed, command: "pipeline"))
        }
        return promise.futureResult
    }

    /// `pipeline(_:)` for code on the client's loop: `onReplies` runs there with every result
    /// in call order. Must be called on the loop.
    public func submitPipeline(_ commands: [RedisCommand], onReplies: @escaping ([Result<RESPValue, any Error>]) -> Void) {
        eventLoop.preconditionInEventLoop()
        coordinator.pipeline(commands, completion: onReplies)
    }
}
