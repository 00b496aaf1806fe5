import RESP
import SwiftEV

/// Where a command's reply goes: a callback on a given loop, a future, or a suspended task.
///
/// ```swift
/// // On `loop`, whatever connection (on whatever loop) ends up answering:
/// correlator.send(RedisCommand("GET", "k"), handler: .callback(on: loop) { result in print(result) })
/// ```
///
/// There is no callback form without a loop: a command handed to another connection (after a
/// redirect, a reconnect) may be answered on another loop, and the callback must still run
/// where its captured state lives.
///
/// Handlers are copied through the correlator's queues for every command, and each reference
/// in one costs a retain and a release per copy (even when nil), so the layout is a tag and
/// four references: the callback and its loop, the promise, and one object for the rest (a
/// continuation's box, a cancellation, a collector), plus a collector's index. An enum with
/// payloads would go through the runtime's value witnesses instead (measured at ~7% of the
/// client's CPU).
public struct ReplyHandler: @unchecked Sendable {
    // @unchecked: `callback` may capture state confined to `callbackLoop`; `complete` runs it
    // there (hopping when called on another thread), never anywhere else. Futures and
    // continuations are thread-safe themselves.
    @usableFromInline enum Kind: UInt8 {
        /// The reply is dropped (the correlator's own `ASKING`).
        case discard
        case callback
        /// `target` is nil or the `CommandCancellation`.
        case promise
        /// `target` is a `ContinuationBox`.
        case continuation
        /// `target` is a `ReplyCollector`, `index` the command's place in it.
        case collector
        /// `target` is a `CommandBatch`: one correlator entry for all its commands. Only a
        /// failure comes through here (a timeout, a cancellation): it fails the rest of the batch.
        case batch
    }

    @usableFromInline let kind: Kind
    @usableFromInline let callback: ((Result<RESPValue, any Error>) -> Void)?
    @usableFromInline let callbackLoop: (any EventLoop)?
    @usableFromInline let promise: EventLoopPromise<RESPValue>?
    @usableFromInline let target: AnyObject?
    @usableFromInline let index: Int

    @usableFromInline
    init(kind: Kind, callback: ((Result<RESPValue, any Error>) -> Void)? = nil, callbackLoop: (any EventLoop)? = nil,
         promise: EventLoopPromise<RESPValue>? = nil, target: AnyObject? = nil, index: Int = 0) {
        self.kind = kind
        self.callback = callback
        self.callbackLoop = callbackLoop
        self.promise = promise
        self.target = target
        self.index = index
    }

    /// Completes a future (on the future's loop). With `cancellation`, the sender can withdraw
    /// the command (see `CommandCancellation`).
    @inlinable
    public static func promise(_ promise: EventLoopPromise<RESPValue>, cancellation: CommandCancellation? = nil) -> ReplyHandler {
        ReplyHandler(kind: .promise, promise: promise, target: cancellation)
    }

    /// Calls `callback` on `loop`: at once when completed there, else by a hop to it.
    /// Inlinable, like `promise`: built in place in the caller's `PendingCommand` instead of
    /// by a call that returns the handler's seven words.
    @inlinable
    public static func callback(on loop: any EventLoop, _ callback: @escaping (Result<RESPValue, any Error>) -> Void) -> ReplyHandler {
        ReplyHandler(kind: .callback, callback: callback, callbackLoop: loop)
    }

    /// Resumes a suspended task. Pass `cancellation` to let the task withdraw the command.
    public static func continuation(_ continuation: CheckedContinuation<RESPValue, any Error>,
                                    cancellation: CommandCancellation? = nil) -> ReplyHandler {
        ReplyHandler(kind: .continuation, target: ContinuationBox(continuation, cancellation))
    }

    /// Puts the reply at `index` of `collector` (on the collector's loop). One of many commands
    /// answered together (a pipeline, the parts of a split command) without a closure each.
    public static func collector(_ collector: ReplyCollector, index: Int) -> ReplyHandler {
        ReplyHandler(kind: .collector, target: collector, index: index)
    }

    /// A batch's one correlator entry (see `CommandBatch`).
    static func batch(_ batch: CommandBatch) -> ReplyHandler {
        ReplyHandler(kind: .batch, target: batch)
    }

    /// Drops the reply.
    static let discard = ReplyHandler(kind: .discard)

    /// What lets the sender withdraw the command, if anything. Asked of every command (by the
    /// correlator, by a cluster client's router): inlined, a callback's answer is one compare.
    @inlinable
    public var cancellation: CommandCancellation? {
        switch kind {
        case .callback, .discard: return nil
        default: return targetCancellation
        }
    }

    @usableFromInline
    var targetCancellation: CommandCancellation? {
        switch kind {
        case .promise: return target.map { unsafeDowncast($0, to: CommandCancellation.self) }
        case .continuation: return unsafeDowncast(target!, to: ContinuationBox.self).cancellation
        case .collector: return unsafeDowncast(target!, to: ReplyCollector.self).cancellation
        case .batch: return unsafeDowncast(target!, to: CommandBatch.self).collector.cancellation
        default: return nil
        }
    }

    @inlinable
    public func complete(_ result: Result<RESPValue, any Error>) {
        switch kind {
        case .callback:
            // Asked in place: a copy of the loop (to a local) cost a retain and a release.
            if callbackLoop!.inEventLoop {
                callback!(result)
            } else {
                let confined = LoopConfinedCallback(callback!)
                // False only when the caller's loop has shut down: nobody is left to tell.
                _ = callbackLoop!.tryExecute { confined.callback(result) }
            }
        case .promise:
            promise!.completeWith(result)
        case .continuation:
            unsafeDowncast(target!, to: ContinuationBox.self).continuation.resume(with: result)
        case .collector:
            unsafeDowncast(target!, to: ReplyCollector.self).complete(index, result)
        case .batch:
            // Replies reach a batch's commands one by one through the correlator; a success
            // here would be for no command in particular.
            if case .failure(let error) = result { unsafeDowncast(target!, to: CommandBatch.self).failRemaining(error) }
        case .discard:
            break
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

/// A suspended task's continuation (a resilient type: held inline it would make every copy of a
/// handler go through the runtime's value witnesses), and its cancellation.
@usableFromInline
final class ContinuationBox: Sendable {
    @usableFromInline let continuation: CheckedContinuation<RESPValue, any Error>
    let cancellation: CommandCancellation?
    init(_ continuation: CheckedContinuation<RESPValue, any Error>, _ cancellation: CommandCancellation?) {
        self.continuation = continuation
        self.cancellation = cancellation
    }
}
