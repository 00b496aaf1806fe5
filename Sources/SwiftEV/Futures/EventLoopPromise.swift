/// The writable side of an `EventLoopFuture`: complete it once, from any thread.
///
/// ```swift
/// let promise = loop.makePromise(of: Int.self)
/// otherThread { promise.succeed(42) }   // hops to the loop
/// let value = try await promise.futureResult.get()
/// ```
public struct EventLoopPromise<Value: Sendable>: Sendable {
    public let futureResult: EventLoopFuture<Value>

    public init(eventLoop: any EventLoop) {
        self.futureResult = EventLoopFuture(eventLoop: eventLoop)
    }

    public func succeed(_ value: Value) { completeWith(.success(value)) }

    public func fail(_ error: any Error) { completeWith(.failure(error)) }

    /// Completes with `result`; only the first completion counts. Callable from any thread.
    @inlinable
    public func completeWith(_ result: Result<Value, any Error>) {
        let future = futureResult
        if future.eventLoop.inEventLoop {
            future.complete(result)
        } else {
            future.eventLoop.execute { future.complete(result) }
        }
    }

    /// Completes with the other future's result when it arrives. Must be called on the loop of `other`.
    public func completeWith(_ other: EventLoopFuture<Value>) {
        other.whenComplete { self.completeWith($0) }
    }
}

extension EventLoopPromise where Value == Void {
    public func succeed() { succeed(()) }
}
