/// A task scheduled on a loop; cancel it to stop it from running.
///
/// ```swift
/// let reminder = loop.scheduleTask(in: .seconds(5)) { print("5s passed") }
/// reminder.cancel()   // never prints; reminder.futureResult fails with EventLoopError.cancelled
/// ```
///
/// `@unchecked Sendable`: the timer and the cancelled flag are only touched on the loop;
/// `cancel()` from another thread hops there first.
public final class Scheduled<Value: Sendable>: @unchecked Sendable {
    private let promise: EventLoopPromise<Value>
    private var timer: (any LoopTimer)?
    private var cancelled = false

    init(promise: EventLoopPromise<Value>) {
        self.promise = promise
    }

    /// Completes with the task's result, or fails with `EventLoopError.cancelled`.
    public var futureResult: EventLoopFuture<Value> { promise.futureResult }

    var isCancelledOnLoop: Bool { cancelled }

    func attach(_ timer: any LoopTimer) { self.timer = timer }

    /// Prevents the task from running if it has not run yet. Callable from any thread.
    public func cancel() {
        let loop = promise.futureResult.eventLoop
        if loop.inEventLoop {
            cancelOnLoop()
        } else {
            loop.execute { self.cancelOnLoop() }
        }
    }

    private func cancelOnLoop() {
        guard !cancelled, !promise.futureResult.isFulfilled else { return }
        cancelled = true
        timer?.cancel()
        timer = nil
        promise.fail(EventLoopError.cancelled)
    }
}
