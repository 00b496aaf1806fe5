import Synchronization

/// The eventual result of work running on an event loop.
///
/// Callbacks (`whenComplete`, `map`, `flatMap`) run on the future's loop and must be
/// registered there: they may capture loop-confined state such as a stage, which is why they
/// are not `@Sendable`. From any other thread or task, use `get()`. Callbacks of one future run
/// in the order they were registered; a long chain of `map`s completes without recursing once
/// per link.
///
/// ```swift
/// // on the loop
/// connection.send(["GET", "k"]).whenComplete { result in print(result) }
/// // from a task
/// let reply = try await connection.send(["GET", "k"]).get()
/// ```
///
/// `@unchecked Sendable`: `value` is written once, on `eventLoop`'s thread, before `fulfilled`
/// is set with release ordering, and never again; other threads read it only after seeing
/// `fulfilled` (acquire). `callbacks` is only touched on the loop; completion from another
/// thread hops to the loop first, and `get()` registers its callback via `execute`.
public final class EventLoopFuture<Value: Sendable>: @unchecked Sendable {
    public let eventLoop: any EventLoop
    @exclusivity(unchecked) @usableFromInline var value: Result<Value, any Error>?
    @usableFromInline let fulfilled: Atomic<Bool>
    @exclusivity(unchecked) @usableFromInline var callbacks = CallbackList()

    @usableFromInline
    enum Callback {
        /// A user's callback.
        case user((Result<Value, any Error>) -> Void)
        /// A link of a chain (`map`, `flatMap`, …): it sets the next future's value and hands
        /// that future back, instead of running its callbacks from inside this one's.
        case chained((Result<Value, any Error>) -> (any CompletedFuture)?)
    }

    @usableFromInline
    struct CallbackList {
        // The common case has one callback: keep it inline so no array is allocated.
        var first: Callback?
        var rest: [Callback] = []
    }

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.fulfilled = Atomic(false)
    }

    init(eventLoop: any EventLoop, result: Result<Value, any Error>) {
        self.eventLoop = eventLoop
        self.value = result
        self.fulfilled = Atomic(true)
    }

    /// Whether the result is in. Callable from any thread.
    public var isFulfilled: Bool { fulfilled.load(ordering: .acquiring) }

    /// The result if it is in, else nil. Callable from any thread.
    public var result: Result<Value, any Error>? { fulfilled.load(ordering: .acquiring) ? value : nil }

    /// Sets the result once and runs the callbacks; later calls are ignored (the first
    /// completion wins). Loop-confined.
    @usableFromInline
    func complete(_ result: Result<Value, any Error>) {
        if let completed = setValue(result) { runCallbacks(startingAt: completed) }
    }

    /// Sets the result without running the callbacks; returns self when some are waiting.
    /// Loop-confined.
    func setValue(_ result: Result<Value, any Error>) -> (any CompletedFuture)? {
        guard value == nil else { return nil }
        // Settle before calling out: a callback may re-enter (e.g. register another callback).
        value = result
        fulfilled.store(true, ordering: .releasing)
        return callbacks.first == nil ? nil : self
    }

    /// Calls `callback` with the result, on the loop. Must be called on the loop.
    public func whenComplete(_ callback: @escaping (Result<Value, any Error>) -> Void) {
        eventLoop.preconditionInEventLoop()
        if let result = value {
            callback(result)
        } else {
            add(.user(callback))
        }
    }

    private func add(_ callback: Callback) {
        if callbacks.first == nil {
            callbacks.first = callback
        } else {
            callbacks.rest.append(callback)
        }
    }

    /// Registers a link of a chain; if the result is already in, runs it at once and returns
    /// what it completed, for the caller to run.
    func chain(_ link: @escaping (Result<Value, any Error>) -> (any CompletedFuture)?) -> (any CompletedFuture)? {
        if let result = value { return link(result) }
        add(.chained(link))
        return nil
    }

    /// Like `chain`, for a link registered from outside a chain (the caller runs the rest).
    private func chainAndRun(_ link: @escaping (Result<Value, any Error>) -> (any CompletedFuture)?) {
        eventLoop.preconditionInEventLoop()
        if let completed = chain(link) { runCallbacks(startingAt: completed) }
    }

    /// Makes `promise` complete with this future's result. Either may be on another loop.
    /// (The link holds the promise, so a promise waiting on a future is not a leaked one.)
    func cascade(to promise: EventLoopPromise<Value>) -> (any CompletedFuture)? {
        if eventLoop === promise.futureResult.eventLoop {
            return chain { promise.futureResult.setValue($0) }
        }
        let register: @Sendable () -> Void = { self.whenComplete { promise.completeWith($0) } }
        if eventLoop.inEventLoop {
            register()
        } else if !eventLoop.tryExecute(register) {
            promise.fail(EventLoopError.shutDown)
        }
        return nil
    }

    public func whenSuccess(_ callback: @escaping (Value) -> Void) {
        whenComplete { if case .success(let v) = $0 { callback(v) } }
    }

    public func whenFailure(_ callback: @escaping (any Error) -> Void) {
        whenComplete { if case .failure(let e) = $0 { callback(e) } }
    }

    /// A future of `transform` applied to this one's value. Must be called on the loop.
    public func map<New: Sendable>(_ transform: @escaping (Value) throws -> New) -> EventLoopFuture<New> {
        let next = EventLoopFuture<New>(eventLoop: eventLoop)
        chainAndRun { result in
            switch result {
            case .success(let v): return next.setValue(Result { try transform(v) })
            case .failure(let e): return next.setValue(.failure(e))
            }
        }
        return next
    }

    /// A future of the future `transform` returns. Must be called on the loop.
    public func flatMap<New: Sendable>(_ transform: @escaping (Value) -> EventLoopFuture<New>) -> EventLoopFuture<New> {
        let next = EventLoopFuture<New>(eventLoop: eventLoop)
        chainAndRun { result in
            switch result {
            case .success(let v): return transform(v).cascade(to: EventLoopPromise(uncheckedFuture: next))
            case .failure(let e): return next.setValue(.failure(e))
            }
        }
        return next
    }

    /// Turns a failure into a value. Must be called on the loop.
    public func recover(_ transform: @escaping (any Error) -> Value) -> EventLoopFuture<Value> {
        let next = EventLoopFuture<Value>(eventLoop: eventLoop)
        chainAndRun { result in
            switch result {
            case .success(let v): return next.setValue(.success(v))
            case .failure(let e): return next.setValue(.success(transform(e)))
            }
        }
        return next
    }

    /// Waits for the result without blocking a thread. Callable from any task.
    ///
    /// A result that is already in is returned even after the loop has shut down.
    public func get() async throws -> Value {
        if let known = result { return try known.get() }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
            let register: @Sendable () -> Void = { self.whenComplete { continuation.resume(with: $0) } }
            if eventLoop.inEventLoop {
                register()
            } else if !eventLoop.tryExecute(register) {
                // The loop is gone: a result set before it stopped is still known; otherwise
                // it can never arrive, so say why instead of hanging.
                continuation.resume(with: result ?? .failure(EventLoopError.shutDown))
            }
        }
    }
}

/// A future whose value has been set and whose callbacks have not run yet: the unit of work
/// of `runCallbacks(startingAt:)`. Type-erased so one loop can drive chains of mixed types.
@usableFromInline
protocol CompletedFuture: AnyObject {
    /// Runs this future's callbacks; the futures they complete in turn go to `next` (the
    /// first one) and `later` (the others, to run after it).
    func runOwnCallbacks(next: inout (any CompletedFuture)?, later: inout [any CompletedFuture])
}

extension EventLoopFuture: CompletedFuture {
    @usableFromInline
    func runOwnCallbacks(next: inout (any CompletedFuture)?, later: inout [any CompletedFuture]) {
        guard let result = value else { return }
        let pending = callbacks
        callbacks = CallbackList()
        if pending.rest.isEmpty {
            if let first = pending.first { next = Self.run(first, result) }
            return
        }
        var completed: [any CompletedFuture] = []
        if let first = pending.first, let c = Self.run(first, result) { completed.append(c) }
        for callback in pending.rest {
            if let c = Self.run(callback, result) { completed.append(c) }
        }
        // `later` is a stack: push in reverse so the first completed runs first.
        later.append(contentsOf: completed.reversed())
    }

    private static func run(_ callback: Callback, _ result: Result<Value, any Error>) -> (any CompletedFuture)? {
        switch callback {
        case .user(let body): body(result); return nil
        case .chained(let link): return link(result)
        }
    }
}

/// Runs the callbacks of `first` and of every future they complete, iteratively: the stack
/// stays flat however long the chain.
func runCallbacks(startingAt first: any CompletedFuture) {
    var next: (any CompletedFuture)? = first
    var later: [any CompletedFuture] = []
    while let future = next ?? later.popLast() {
        next = nil
        future.runOwnCallbacks(next: &next, later: &later)
    }
}
