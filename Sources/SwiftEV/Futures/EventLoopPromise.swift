/// The writable side of an `EventLoopFuture`: complete it once, from any thread.
///
/// ```swift
/// let promise = loop.makePromise(of: Int.self)
/// otherThread { promise.succeed(42) }   // hops to the loop
/// let value = try await promise.futureResult.get()
/// ```
///
/// Complete every promise you make. In debug builds a promise dropped without being completed
/// fails its future with `EventLoopError.leakedPromise("file:line")`, naming where it was made,
/// so a waiter learns of the bug instead of hanging (release builds do not pay for the check).
public struct EventLoopPromise<Value: Sendable>: Sendable {
    public let futureResult: EventLoopFuture<Value>
    #if DEBUG
    private let leakCheck: PromiseLeakCheck<Value>?
    #endif

    /// - Parameters: file, line: where the promise is made, for the leak report of debug builds.
    public init(eventLoop: any EventLoop, file: StaticString = #fileID, line: UInt = #line) {
        self.futureResult = EventLoopFuture(eventLoop: eventLoop)
        #if DEBUG
        self.leakCheck = PromiseLeakCheck(future: futureResult, file: file, line: line)
        #endif
    }

    /// A promise for a future that something else keeps from leaking unnoticed.
    init(uncheckedFuture future: EventLoopFuture<Value>) {
        self.futureResult = future
        #if DEBUG
        self.leakCheck = nil
        #endif
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
        other.eventLoop.preconditionInEventLoop()
        if let completed = other.cascade(to: self) { runCallbacks(startingAt: completed) }
    }
}

extension EventLoopPromise where Value == Void {
    public func succeed() { succeed(()) }
}

#if DEBUG
/// Shared by the copies of one promise; when the last copy goes, an uncompleted future is failed
/// (on its loop, later: the drop may happen anywhere, even inside a stage's own bookkeeping).
final class PromiseLeakCheck<Value: Sendable>: Sendable {
    let future: EventLoopFuture<Value>
    let file: StaticString
    let line: UInt

    init(future: EventLoopFuture<Value>, file: StaticString, line: UInt) {
        self.future = future
        self.file = file
        self.line = line
    }

    deinit {
        guard !future.isFulfilled else { return }
        let future = self.future
        let error = EventLoopError.leakedPromise("\(file):\(line)")
        // If the loop has shut down, nothing can run on it any more: nothing to fail.
        _ = future.eventLoop.tryExecute { future.complete(.failure(error)) }
    }
}
#endif
