import Synchronization
import SwiftEV

/// Lets the sender of a command withdraw it, from any thread, wherever the command is queued
/// (it follows the command across redirects and connections).
///
/// - Not yet written: it is removed and fails with `CancellationError`.
/// - Already written: it stays in the stream (the reply must still be read to keep replies and
///   commands in step), the reply is dropped, and the caller gets `RedisError.Kind.cancelled`
///   (outcome unknown).
/// - Inside `MULTI`, a command not yet written is treated as written: removing it would change
///   what the transaction does.
///
/// One cancellation may serve several commands (the parts of a split command, a pipeline,
/// through a `ReplyCollector`): each registers where it waits, and `cancel` withdraws them all.
///
/// ```swift
/// let cancellation = CommandCancellation()
/// try await withTaskCancellationHandler {
///     try await withCheckedThrowingContinuation { continuation in
///         loop.execute { connection.send(PendingCommand(command: command,
///             handler: .continuation(continuation, cancellation: cancellation))) }
///     }
/// } onCancel: { cancellation.cancel() }
/// ```
public final class CommandCancellation: Sendable {
    private struct Place: @unchecked Sendable {
        // @unchecked: `correlator` is loop-confined; it is only dereferenced in a task run on
        // `loop`, its own loop (see `cancel`).
        weak var correlator: CommandCorrelator?
        let loop: any EventLoop
        let id: UInt64
    }

    private struct State {
        var cancelled = false
        var place: Place?
        /// Further places: other commands sharing this cancellation, or the same command
        /// after a redirect (its old place then holds nothing, and cancelling there is a no-op).
        /// Empty, so no allocation, for one command that stays on its first connection.
        var morePlaces: [Place] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Withdraws the command (see the type's rules). Idempotent; callable from any thread.
    public func cancel() {
        let places = state.withLock { state -> [Place] in
            if state.cancelled { return [] }
            state.cancelled = true
            guard let place = state.place else { return [] }
            return [place] + state.morePlaces
        }
        // The correlator may have handed the command on meanwhile: then it finds nothing, and the
        // next one refuses it on arrival (`register` sees `cancelled`).
        for place in places {
            _ = place.loop.tryExecute { place.correlator?.cancel(id: place.id) }
        }
    }

    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Records where the command now waits; false if it was cancelled already.
    func register(_ correlator: CommandCorrelator, loop: any EventLoop, id: UInt64) -> Bool {
        state.withLock { state in
            if state.cancelled { return false }
            let place = Place(correlator: correlator, loop: loop, id: id)
            if state.place == nil { state.place = place } else { state.morePlaces.append(place) }
            return true
        }
    }
}
