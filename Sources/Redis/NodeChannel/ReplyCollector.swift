import RESP
import SwiftEV

/// Gathers the replies of several commands answered together (a pipeline, the parts of a
/// split or fanned-out command) and calls `done` once, on its loop, with every result in
/// index order when the last one is in. Each command gets `handler(index)`: a reply handler
/// that writes into the collector's array, so a batch of N commands costs one object, not N
/// closures (the closure per command was the largest allocation of a cluster pipeline).
///
/// ```swift
/// let collector = ReplyCollector(count: commands.count, on: loop) { results in print(results) }
/// connection.send(batch: commands.enumerated().map { PendingCommand(command: $1, handler: collector.handler($0)) })
/// ```
///
/// With `cancellation`, every command of the batch can be withdrawn by it (see
/// `CommandCancellation`: each command registers where it waits).
public final class ReplyCollector: @unchecked Sendable {
    // @unchecked: `results`, `remaining` and `done` are only touched on `loop`: `complete` hops
    // there when called elsewhere (a command answered by a connection on another loop).
    public let loop: any EventLoop
    public let cancellation: CommandCancellation?
    // Loop-confined (see above), so the dynamic exclusivity checks are skipped. The results are
    // stored unwrapped, next to a flag per place, so the finished array is handed over as it
    // is: unwrapping a copy cost a retain and a release per reply.
    @exclusivity(unchecked) private var results: [Result<RESPValue, any Error>]
    @exclusivity(unchecked) private var answered: [Bool]
    @exclusivity(unchecked) private var remaining: Int
    @exclusivity(unchecked) private var done: (([Result<RESPValue, any Error>]) -> Void)?

    /// `done` runs on `loop`; at once when `count` is 0.
    public init(count: Int, on loop: any EventLoop, cancellation: CommandCancellation? = nil,
                done: @escaping ([Result<RESPValue, any Error>]) -> Void) {
        self.loop = loop
        self.cancellation = cancellation
        results = Array(repeating: .success(.null), count: count)
        answered = Array(repeating: false, count: count)
        remaining = count
        self.done = done
        if count == 0 { finish() }
    }

    /// The handler of the command whose result goes at `index`.
    @inlinable
    public func handler(_ index: Int) -> ReplyHandler { .collector(self, index: index) }

    @usableFromInline
    func complete(_ index: Int, _ result: Result<RESPValue, any Error>) {
        guard loop.inEventLoop else {
            _ = loop.tryExecute { self.complete(index, result) }
            return
        }
        // A handler completes once; a second answer for the same place is a bug elsewhere,
        // and must not end the batch early.
        guard !answered[index] else { return }
        answered[index] = true
        results[index] = result
        remaining -= 1
        if remaining == 0 { finish() }
    }

    private func finish() {
        let done = self.done
        self.done = nil
        let collected = results
        results = []
        done?(collected)
    }
}
