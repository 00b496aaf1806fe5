import RESP

extension ReplyHandler {
    /// Suspends the calling task until the reply of a command arrives: `enqueue` receives the
    /// handler to send the command with (from any thread; it hops to its loop) and returns
    /// whether the command was taken; when not, this throws `refused()`. Cancelling the task
    /// withdraws the command as far as its outcome allows (see `CommandCancellation`).
    ///
    /// ```swift
    /// try await ReplyHandler.awaitReply(refused: MyError.closed) { handler in
    ///     loop.tryExecute { correlator.send(command, handler: handler) }
    /// }
    /// ```
    public static func awaitReply(refused: () -> any Error, _ enqueue: (ReplyHandler) -> Bool) async throws -> RESPValue {
        let cancellation = CommandCancellation()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if !enqueue(.continuation(continuation, cancellation: cancellation)) {
                    continuation.resume(throwing: refused())
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
    }
}
