import Redis
import RESP
import SwiftEV

/// Merges the replies of a command fanned out to several nodes, by its `response_policy` tip.
/// A plain function of the replies: no I/O.
///
/// ```swift
/// ReplyMerger.fanOut([("n1", .success(.integer(3))), ("n2", .success(.integer(4)))],
///                    policy: .aggSum, command: "DBSIZE")      // .success(.integer(7))
/// ```
///
/// - `one_succeeded`: the first success; a failure only when every node failed.
/// - `all_succeeded`: the first reply when all succeeded (they agree: `OK`, a SHA).
/// - `agg_sum`/`agg_min`/`agg_max`, `agg_logical_and`/`agg_logical_or`: over integers, or
///   element by element over arrays of integers (`SCRIPT EXISTS`).
/// - `special` (`INFO`, `MEMORY STATS`, `LATENCY DOCTOR`…): no general rule, so a map from
///   `host:port` to each node's reply.
/// - none: arrays concatenated (`KEYS`, `SLOWLOG GET`); single values (`RANDOMKEY`): the
///   first non-null one.
///
/// Except for `one_succeeded`, one failed node fails the command with a
/// `ClusterPartialFailure` listing every node's result; when every node failed with the same
/// server error (a bad `CONFIG SET` parameter), that error itself.
public enum ReplyMerger {
    public static func fanOut(_ results: [(target: String, result: Result<RESPValue, any Error>)],
                              policy: CommandTips.ResponsePolicy?, command: String) -> Result<RESPValue, any Error> {
        if cancelledUnsent(results.lazy.map(\.result)) { return .failure(CancellationError()) }
        if policy == .oneSucceeded, let success = results.first(where: { if case .success = $0.result { return true } else { return false } }) {
            return success.result
        }
        if results.contains(where: { if case .failure = $0.result { return true } else { return false } }) {
            return .failure(failure(results, command: command))
        }
        let values = results.map { try! $0.result.get() }
        let targets = results.map(\.target)
        switch policy {
        case nil:
            if values.allSatisfy({ $0.arrayElements != nil }) {
                return .success(.array(values.flatMap { $0.arrayElements! }))
            }
            return .success(values.first(where: { !$0.isNull }) ?? values.first ?? .null)
        case .special?:
            return .success(.map(zip(targets, values).map { (key: .bulkString(ByteBuffer(string: $0)), value: $1) }))
        case let policy?:
            return aggregate(values, policy: policy, command: command, targets: targets)
        }
    }

    /// Whether the caller cancelled before any part was written (every part failed with
    /// `CancellationError`): then the command as a whole did not run, and fails as a single
    /// command would, with `CancellationError`. A part written before the cancellation fails
    /// with `RedisError.cancelled` (it may have run) and keeps the `ClusterPartialFailure`.
    public static func cancelledUnsent(_ results: some Collection<Result<RESPValue, any Error>>) -> Bool {
        !results.isEmpty && results.allSatisfy { if case .failure(let error) = $0 { return error is CancellationError } else { return false } }
    }

    /// Combines replies that all succeeded by an aggregating policy (also used for split
    /// multi-key commands: `DEL`'s counts are summed).
    public static func aggregate(_ values: [RESPValue], policy: CommandTips.ResponsePolicy, command: String,
                                 targets: [String]) -> Result<RESPValue, any Error> {
        guard let first = values.first else { return .success(.null) }
        let combine: ((Int64, Int64) -> Int64)?
        switch policy {
        case .oneSucceeded, .allSucceeded, .special: return .success(first)
        case .aggSum: combine = { $0 &+ $1 }
        case .aggMin: combine = { min($0, $1) }
        case .aggMax: combine = { max($0, $1) }
        case .aggLogicalAnd: combine = { ($0 != 0 && $1 != 0) ? 1 : 0 }
        case .aggLogicalOr: combine = { ($0 != 0 || $1 != 0) ? 1 : 0 }
        }
        guard let combine else { return .success(first) }
        if let firstElements = first.arrayElements {
            // Element by element: every node must answer as many elements.
            var merged = try? firstElements.map(integer)
            for (index, value) in values.enumerated().dropFirst() {
                guard let elements = value.arrayElements, elements.count == firstElements.count, merged != nil,
                      let numbers = try? elements.map(integer) else {
                    return .failure(UnmergeableReply(command: command, target: targets[index], reply: value))
                }
                merged = zip(merged!, numbers).map(combine)
            }
            guard let merged else { return .failure(UnmergeableReply(command: command, target: targets[0], reply: first)) }
            return .success(.array(merged.map { .integer($0) }))
        }
        var total: Int64?
        for (index, value) in values.enumerated() {
            guard let number = try? integer(value) else {
                return .failure(UnmergeableReply(command: command, target: targets[index], reply: value))
            }
            total = total.map { combine($0, number) } ?? number
        }
        return .success(.integer(total ?? 0))
    }

    /// What a fan-out with failed nodes throws.
    static func failure(_ results: [(target: String, result: Result<RESPValue, any Error>)], command: String) -> any Error {
        let errors = results.compactMap { if case .failure(let error) = $0.result { return error } else { return nil } }
        if errors.count == results.count, let first = errors.first as? RedisError, case .server(let reply) = first.kind,
           errors.allSatisfy({ ($0 as? RedisError).map { if case .server(let other) = $0.kind { return other == reply } else { return false } } ?? false }) {
            return first
        }
        return ClusterPartialFailure(command: command, parts: results.map { ClusterPartialFailure.Part(target: $0.target, result: $0.result) })
    }

    private struct NotAnInteger: Error {}

    private static func integer(_ value: RESPValue) throws -> Int64 {
        switch value {
        case .integer(let number): return number
        case .boolean(let flag): return flag ? 1 : 0
        case .attribute(_, let inner): return try integer(inner)
        default: throw NotAnInteger()
        }
    }
}

extension RESPValue {
    /// The elements of an array or set reply; nil for anything else (a null array included).
    var arrayElements: [RESPValue]? {
        switch self {
        case .array(let elements?): return elements
        case .set(let elements): return elements
        case .attribute(_, let inner): return inner.arrayElements
        default: return nil
        }
    }

}
