import RESP
import SwiftEV

/// Where a command's reply goes: a callback on a given loop, a future, or a suspended task.
///
/// ```swift
/// // On `loop`, whatever connection (on whatever loop) ends up answering:
/// correlator.send(RedisCommand("GET", "k"), handler: .callback(on: loop) { result in print(result) })
/// ```
///
/// A struct of optional references rather than an enum with three payloads: handlers are moved
/// through the correlator's queues for every command, and copying a multi-payload enum goes
/// through the runtime's value witnesses (measured at ~7% of the client's CPU per command);
/// copying this is a few retains the compiler inlines.
///
/// There is no callback form without a loop: a command handed to another connection (after a
/// redirect, a reconnect) may be answered on another loop, and the callback must still run
/// where its captured state lives.
public struct ReplyHandler: @unchecked Sendable {
    // @unchecked: `callback` may capture state confined to `callbackLoop`; `complete` runs it
    // there (hopping when called on another thread), never anywhere else. Promises and
    // continuations are thread-safe themselves. At most one of the three is set (none: the
    // reply is dropped, for the correlator's own `ASKING`).
    @usableFromInline let callback: ((Result<RESPValue, any Error>) -> Void)?
    @usableFromInline let callbackLoop: (any EventLoop)?
    @usableFromInline let promise: EventLoopPromise<RESPValue>?
    @usableFromInline let continuation: CheckedContinuation<RESPValue, any Error>?
    /// Lets the caller withdraw the command (Task cancellation); see `CommandCancellation`.
    public let cancellation: CommandCancellation?

    @usableFromInline
    init(callback: ((Result<RESPValue, any Error>) -> Void)?, callbackLoop: (any EventLoop)?,
         promise: EventLoopPromise<RESPValue>?, continuation: CheckedContinuation<RESPValue, any Error>?,
         cancellation: CommandCancellation?) {
        self.callback = callback
        self.callbackLoop = callbackLoop
        self.promise = promise
        self.continuation = continuation
        self.cancellation = cancellation
    }

    /// Completes a future (on the future's loop).
    public static func promise(_ promise: EventLoopPromise<RESPValue>, cancellation: CommandCancellation? = nil) -> ReplyHandler {
        ReplyHandler(callback: nil, callbackLoop: nil, promise: promise, continuation: nil, cancellation: cancellation)
    }

    /// Calls `callback` on `loop`: at once when completed there, else by a hop to it.
    public static func callback(on loop: any EventLoop, _ callback: @escaping (Result<RESPValue, any Error>) -> Void) -> ReplyHandler {
        ReplyHandler(callback: callback, callbackLoop: loop, promise: nil, continuation: nil, cancellation: nil)
    }

    /// Resumes a suspended task. Pass `cancellation` to let the task withdraw the command.
    public static func continuation(_ continuation: CheckedContinuation<RESPValue, any Error>,
                                    cancellation: CommandCancellation? = nil) -> ReplyHandler {
        ReplyHandler(callback: nil, callbackLoop: nil, promise: nil, continuation: continuation, cancellation: cancellation)
    }

    /// Drops the reply.
    static let discard = ReplyHandler(callback: nil, callbackLoop: nil, promise: nil, continuation: nil, cancellation: nil)

    @inlinable
    public func complete(_ result: Result<RESPValue, any Error>) {
        if let callback, let callbackLoop {
            if callbackLoop.inEventLoop {
                callback(result)
            } else {
                let confined = LoopConfinedCallback(callback)
                // False only when the caller's loop has shut down: nobody is left to tell.
                _ = callbackLoop.tryExecute { confined.callback(result) }
            }
        } else if let promise {
            promise.completeWith(result)
        } else {
            continuation?.resume(with: result)
        }
    }
}

/// Carries a callback to the loop it belongs to.
@usableFromInline
struct LoopConfinedCallback: @unchecked Sendable {
    // @unchecked: created only to be run by `callbackLoop.tryExecute`, i.e. on the loop the
    // callback is confined to.
    @usableFromInline let callback: (Result<RESPValue, any Error>) -> Void
    @usableFromInline init(_ callback: @escaping (Result<RESPValue, any Error>) -> Void) { self.callback = callback }
}
