/// A single-threaded reactor: everything submitted to it runs on its one thread, in order.
///
/// State that belongs to a loop (a channel, its stages, a promise's callbacks) is only touched
/// on that loop's thread, so it needs no locks. Code on other threads reaches a loop through
/// `execute` (thread-safe) and gets results back through futures.
///
/// ```swift
/// let group = LibevEventLoopGroup(numberOfThreads: 2)
/// let loop = group.next()
/// loop.execute { print("on the loop thread") }
/// let answer = try await loop.submit { 6 * 7 }.get()
/// ```
public protocol EventLoop: AnyObject, Sendable {
    /// True when called on this loop's thread.
    var inEventLoop: Bool { get }

    /// The loop's clock. Stages should use it instead of `Deadline.now()` so tests can control time.
    var now: Deadline { get }

    /// Queues `task` to run on the loop thread after the work already queued, and returns true;
    /// returns false, without running it, when the loop has shut down. Callable from any thread.
    func tryExecute(_ task: @escaping @Sendable () -> Void) -> Bool

    /// A re-armable timer owned by this loop; must be called on the loop. `handler` runs on the loop.
    ///
    /// Cheaper than `scheduleTask` for deadlines that move often (a connection's oldest in-flight
    /// command): re-arming reuses one timer instead of allocating a task each time.
    func makeTimer(_ handler: @escaping () -> Void) -> any LoopTimer

    /// Calls `flusher.flushAtIterationEnd()` once the current loop iteration's events have all
    /// run, just before the loop sends what channels flushed and blocks; must be called on the
    /// loop. For a stage that transforms whole batches (TLS encrypts into records): writes that
    /// completions on *other* connections make during one iteration become one batch, as a
    /// socket's own writes already do. The default (loops without iterations, such as the
    /// embedded test loop) calls it at once.
    func flushAtIterationEnd(_ flusher: any IterationEndFlushing)
}

/// Work a stage batches until the end of the loop iteration (see `EventLoop.flushAtIterationEnd`).
public protocol IterationEndFlushing: AnyObject {
    func flushAtIterationEnd()
}

extension EventLoop {
    public func flushAtIterationEnd(_ flusher: any IterationEndFlushing) {
        flusher.flushAtIterationEnd()
    }
}

/// A one-shot timer bound to a loop; arm it again to reuse it. Loop-confined: call only on its loop.
public protocol LoopTimer: AnyObject {
    /// Called instead of the handler if the loop shuts down while the timer is armed.
    var onShutdown: (() -> Void)? { get set }
    /// Fires the handler once at `deadline` (re-arming replaces any earlier deadline).
    func arm(at deadline: Deadline)
    /// Stops the timer if armed. Safe to call when not armed.
    func cancel()
    /// Whether the timer is waiting to fire.
    var isArmed: Bool { get }
}

extension LoopTimer {
    /// Arms the timer `amount` from the loop's current time.
    public func arm(in amount: TimeAmount, on loop: any EventLoop) { arm(at: loop.now + amount) }
}

extension EventLoop {
    /// Runs `task` on the loop thread, after the work already queued. Callable from any thread.
    /// On a loop that has shut down the task does not run (use `tryExecute` to find out).
    public func execute(_ task: @escaping @Sendable () -> Void) {
        _ = tryExecute(task)
    }

    /// Stops with a clear message when called off this loop's thread.
    @inlinable
    public func preconditionInEventLoop(file: StaticString = #fileID, line: UInt = #line) {
        precondition(inEventLoop, "loop-confined state used off its event loop's thread", file: file, line: line)
    }

    /// A new promise whose future completes on this loop. (`file` and `line` name it in the
    /// leak report of debug builds; see `EventLoopPromise`.)
    public func makePromise<Value: Sendable>(
        of type: Value.Type = Value.self, file: StaticString = #fileID, line: UInt = #line
    ) -> EventLoopPromise<Value> {
        EventLoopPromise(eventLoop: self, file: file, line: line)
    }

    public func makeSucceededFuture<Value: Sendable>(_ value: Value) -> EventLoopFuture<Value> {
        EventLoopFuture(eventLoop: self, result: .success(value))
    }

    public func makeFailedFuture<Value: Sendable>(_ error: any Error, of type: Value.Type = Value.self) -> EventLoopFuture<Value> {
        EventLoopFuture(eventLoop: self, result: .failure(error))
    }

    /// Runs `task` on the loop and returns its result as a future. Callable from any thread.
    public func submit<Value: Sendable>(_ task: @escaping @Sendable () throws -> Value) -> EventLoopFuture<Value> {
        let promise = makePromise(of: Value.self)
        if !tryExecute({ promise.completeWith(Result(catching: task)) }) {
            return EventLoopFuture(eventLoop: self, result: .failure(EventLoopError.shutDown))
        }
        return promise.futureResult
    }

    /// Runs `task` at `deadline` on the loop, unless cancelled first. Callable from any thread.
    @discardableResult
    public func scheduleTask<Value: Sendable>(
        deadline: Deadline,
        _ task: @escaping @Sendable () throws -> Value
    ) -> Scheduled<Value> {
        let promise = makePromise(of: Value.self)
        let scheduled = Scheduled(promise: promise)
        let start: @Sendable () -> Void = {
            guard !scheduled.isCancelledOnLoop else { return }
            let timer = self.makeTimer { promise.completeWith(Result(catching: task)) }
            timer.onShutdown = { promise.fail(EventLoopError.shutDown) }
            scheduled.attach(timer)
            timer.arm(at: deadline)
        }
        if inEventLoop {
            start()
        } else if !tryExecute(start) {
            promise.fail(EventLoopError.shutDown)
        }
        return scheduled
    }

    /// Runs `task` after `delay` on the loop, unless cancelled first. Callable from any thread.
    @discardableResult
    public func scheduleTask<Value: Sendable>(
        in delay: TimeAmount,
        _ task: @escaping @Sendable () throws -> Value
    ) -> Scheduled<Value> {
        scheduleTask(deadline: now + delay, task)
    }
}

extension EventLoop {
    /// Keeps `objects` until the loop is between events, then lets them go: for what a pipeline
    /// unlinks while a call may still run on it (see `StageContext`). Must be called on the loop.
    func releaseWhenIdle(_ objects: [AnyObject]) {
        if let loop = self as? LibevEventLoop {
            loop.releasedWhenIdle.append(contentsOf: objects)
            return
        }
        // Other loops (the embedded test loop) run queued tasks only between events.
        let parcel = IdleParcel(objects)
        if !tryExecute({ withExtendedLifetime(parcel) {} }) {
            // A loop that runs no more tasks: better kept for good than freed under a running call.
            _ = Unmanaged.passRetained(parcel)
        }
    }
}

/// `@unchecked Sendable`: made on the loop and dropped by the task that runs on the same loop.
private final class IdleParcel: @unchecked Sendable {
    let objects: [AnyObject]
    init(_ objects: [AnyObject]) { self.objects = objects }
}
