/// The eventual result of work running on an event loop.
///
/// Callbacks (`whenComplete`, `map`, `flatMap`) run on the future's loop and must be
/// registered there: they may capture loop-confined state such as a stage, which is why they
/// are not `@Sendable`. From any other thread or task, use `get()`.
///
/// ```swift
/// // on the loop
/// connection.send(["GET", "k"]).whenComplete { result in print(result) }
/// // from a task
/// let reply = try await connection.send(["GET", "k"]).get()
/// ```
///
/// `@unchecked Sendable`: `state` is only read or written on `eventLoop`'s thread; completion
/// from another thread hops to the loop first, and `get()` registers its callback via `execute`.
public final class EventLoopFuture<Value: Sendable>: @unchecked Sendable {
    public let eventLoop: any EventLoop
    @usableFromInline var value: Result<Value, any Error>?
    @usableFromInline var callbacks = CallbackList()

    @usableFromInline
    struct CallbackList {
        // The common case has one callback: keep it inline so no array is allocated.
        var first: ((Result<Value, any Error>) -> Void)?
        var rest: [(Result<Value, any Error>) -> Void] = []
    }

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    init(eventLoop: any EventLoop, result: Result<Value, any Error>) {
        self.eventLoop = eventLoop
        self.value = result
    }

    /// Whether the result is in. Loop-confined.
    public var isFulfilled: Bool { value != nil }

    /// The result if it is in, else nil. Loop-confined.
    public var result: Result<Value, any Error>? { value }

    /// Sets the result once; later calls are ignored (the first completion wins). Loop-confined.
    @usableFromInline
    func complete(_ result: Result<Value, any Error>) {
        guard value == nil else { return }
        // Settle before calling out: a callback may re-enter (e.g. register another callback).
        value = result
        let pending = callbacks
        callbacks = CallbackList()
        if let first = pending.first { first(result) }
        for callback in pending.rest { callback(result) }
    }

    /// Calls `callback` with the result, on the loop. Must be called on the loop.
    public func whenComplete(_ callback: @escaping (Result<Value, any Error>) -> Void) {
        eventLoop.preconditionInEventLoop()
        if let result = value {
            callback(result)
        } else if callbacks.first == nil {
            callbacks.first = callback
        } else {
            callbacks.rest.append(callback)
        }
    }

    public func whenSuccess(_ callback: @escaping (Value) -> Void) {
        whenComplete { if case .success(let v) = $0 { callback(v) } }
    }

    public func whenFailure(_ callback: @escaping (any Error) -> Void) {
        whenComplete { if case .failure(let e) = $0 { callback(e) } }
    }

    /// A future of `transform` applied to this one's value. Must be called on the loop.
    public func map<New: Sendable>(_ transform: @escaping (Value) throws -> New) -> EventLoopFuture<New> {
        let next = EventLoopPromise<New>(eventLoop: eventLoop)
        whenComplete { result in
            switch result {
            case .success(let v): next.completeWith(Result { try transform(v) })
            case .failure(let e): next.fail(e)
            }
        }
        return next.futureResult
    }

    /// A future of the future `transform` returns. Must be called on the loop.
    public func flatMap<New: Sendable>(_ transform: @escaping (Value) -> EventLoopFuture<New>) -> EventLoopFuture<New> {
        let next = EventLoopPromise<New>(eventLoop: eventLoop)
        whenComplete { result in
            switch result {
            case .success(let v): next.completeWith(transform(v))
            case .failure(let e): next.fail(e)
            }
        }
        return next.futureResult
    }

    /// Turns a failure into a value. Must be called on the loop.
    public func recover(_ transform: @escaping (any Error) -> Value) -> EventLoopFuture<Value> {
        let next = EventLoopPromise<Value>(eventLoop: eventLoop)
        whenComplete { result in
            switch result {
            case .success(let v): next.succeed(v)
            case .failure(let e): next.succeed(transform(e))
            }
        }
        return next.futureResult
    }

    /// Waits for the result without blocking a thread. Callable from any task.
    public func get() async throws -> Value {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
            let register: @Sendable () -> Void = { self.whenComplete { continuation.resume(with: $0) } }
            if eventLoop.inEventLoop {
                register()
            } else if !eventLoop.tryExecute(register) {
                // The loop is gone: the result can never arrive, so say why instead of hanging.
                continuation.resume(throwing: EventLoopError.shutDown)
            }
        }
    }
}
