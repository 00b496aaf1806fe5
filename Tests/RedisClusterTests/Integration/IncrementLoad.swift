import Redis
import RESP
import SwiftEV
@testable import RedisCluster

/// Continuous `INCR` traffic from the client's loop over a fixed set of keys, each key its own
/// chain of `window` commands in flight (so a key that waits for a failover does not hold up
/// the others), keeping per key how many increments were acknowledged and how many ended with
/// an unknown outcome. Afterwards each key's value must lie in [acked, acked + unknown]: nothing
/// lost, nothing applied twice. Loop-confined (`@unchecked Sendable` to be driven from a test
/// task through `loop.submit`).
final class IncrementLoad: @unchecked Sendable {
    let client: RedisClusterClient
    let keys: [String]
    let window: Int
    private(set) var acked: [Int]
    private(set) var unknown: [Int]
    /// Failures other than an unknown outcome, with the error's text.
    private(set) var otherErrors: [String] = []
    private(set) var issued = 0
    private var outstanding = 0
    private var stopping: EventLoopPromise<Void>?

    init(client: RedisClusterClient, keys: [String], window: Int) {
        self.client = client
        self.keys = keys
        self.window = window
        acked = Array(repeating: 0, count: keys.count)
        unknown = Array(repeating: 0, count: keys.count)
    }

    /// Starts the traffic (from any task).
    static func start(_ client: RedisClusterClient, keys: [String], window: Int = 1) async throws -> IncrementLoad {
        try await client.eventLoop.submit {
            let load = IncrementLoad(client: client, keys: keys, window: window)
            for index in keys.indices { for _ in 0..<window { load.issue(index) } }
            return load
        }.get()
    }

    /// Stops issuing and waits until every command in flight has an answer.
    func stop() async throws {
        let future = try await client.eventLoop.submit { [self] () -> EventLoopFuture<Void> in
            let promise = client.eventLoop.makePromise(of: Void.self)
            stopping = promise
            if outstanding == 0 { promise.succeed() }
            return promise.futureResult
        }.get()
        try await future.get()
    }

    /// Acknowledged increments so far (from any task).
    func ackedTotal() async throws -> Int {
        try await client.eventLoop.submit { [self] in acked.reduce(0, +) }.get()
    }

    /// Acknowledged increments per key so far (from any task).
    func ackedPerKey() async throws -> [Int] {
        try await client.eventLoop.submit { [self] in acked }.get()
    }

    private func issue(_ index: Int) {
        outstanding += 1
        issued += 1
        client.submit(RedisCommand("INCR", keys[index])) { [self] result in
            outstanding -= 1
            switch result {
            case .success: acked[index] += 1
            case .failure(let error as RedisError) where error.kind == .connectionClosed(.unknown) || error.kind == .timeout(.unknown):
                unknown[index] += 1
            case .failure(let error):
                otherErrors.append("\(error)")
            }
            if let stopping {
                if outstanding == 0 { stopping.succeed() }
            } else {
                issue(index)
            }
        }
    }

    /// Checks every key's value against what was acknowledged; returns the problems found.
    func verify() async throws -> [String] {
        let snapshot = try await client.eventLoop.submit { [self] in (acked, unknown) }.get()
        var problems: [String] = []
        for (index, key) in keys.enumerated() {
            let value = try await client.send("GET", key, as: Int?.self) ?? 0
            let low = snapshot.0[index], high = low + snapshot.1[index]
            if value < low || value > high {
                problems.append("\(key): value \(value) outside [\(low), \(high)] (acked \(low), unknown \(snapshot.1[index]))")
            }
        }
        return problems
    }
}
