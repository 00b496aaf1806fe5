import RESP

/// Collects the results of a command sent in parts (fan-out, split, pipeline) and calls
/// `done` once, with every result in part order, when the last one arrives. Loop-confined
/// (its completions run on the coordinator's loop).
final class PartCollector {
    private var results: [Result<RESPValue, any Error>?]
    private var remaining: Int
    private let done: ([Result<RESPValue, any Error>]) -> Void

    init(count: Int, done: @escaping ([Result<RESPValue, any Error>]) -> Void) {
        results = Array(repeating: nil, count: count)
        remaining = count
        self.done = done
        if count == 0 { done([]) }
    }

    func complete(_ index: Int, _ result: Result<RESPValue, any Error>) {
        guard results[index] == nil else { return }
        results[index] = result
        remaining -= 1
        if remaining == 0 { done(results.map { $0! }) }
    }
}
