import Foundation
import Redis
import RedisCluster
import RESP
import SwiftEV
import SwiftEVTLS
import XCTest

/// The cluster client over TLS with `tlsFlushHold` on (the node connections' default, set here
/// explicitly): held flushes keep every command, in order, with its own reply.
final class RedisTLSFlushHoldTests: XCTestCase {
    private typealias Env = TLSTestEnvironment
    private var clients: [RedisClusterClient] = []

    override func tearDown() async throws {
        for client in clients { await client.close() }
        clients.removeAll()
        try await super.tearDown()
    }

    private func client() async throws -> RedisClusterClient {
        var config = try Env.clusterConfiguration()
        config.node.tlsFlushHold = TLSFlushHold(maximumWait: .milliseconds(5))
        let client = RedisClusterClient(configuration: config, eventLoop: Env.loop)
        clients.append(client)
        try await client.connect()
        return client
    }

    /// Tags spread over the slot range, so every shard has several keys.
    private func keys(_ test: String) -> [String] {
        let run = UUID().uuidString.prefix(8)
        return (0..<30).map { "swiftev:tls:hold:\(test):\(run):{\($0 * 11)}" }
    }

    func testTheClusterClientHoldsByDefaultALoneConnectionDoesNot() throws {
        let cluster = try Env.clusterConfiguration()
        XCTAssertEqual(cluster.node.tlsFlushHold, RedisClusterConfiguration.defaultTLSFlushHold)
        XCTAssertEqual(RedisClusterConfiguration.defaultTLSFlushHold.maximumWait, .milliseconds(5))
        XCTAssertNil(RedisConnectionConfiguration().tlsFlushHold)
    }

    /// 200 in flight, each reply issuing the next command, like the benchmark: the replies from
    /// one node issue commands to every node, so the other nodes' flushes are held.
    func testTenThousandCommandsIssuedFromRepliesAcrossTheCluster() async throws {
        let client = try await client()
        let keys = keys("replies")
        let run = IncrementRun(client: client, keys: keys, total: 10_000, inFlight: 200)
        let outcome = try await Env.loop.submit { run.start() }.get().get()
        XCTAssertEqual(outcome.failures, [], "every command answered")
        let issued = keys.indices.map { index in (0..<10_000).filter { $0 % keys.count == index }.count }
        for (index, key) in keys.enumerated() {
            XCTAssertEqual(outcome.replies[index], Array(1...issued[index]), "\(key): each INCR's own reply, in order")
            let stored = try await client.send("GET", key, as: Int.self)
            XCTAssertEqual(stored, issued[index], "\(key): every INCR ran once")
        }
        for key in keys { try await client.send("DEL", key) }
    }

    func testTenThousandPipelinedCommands() async throws {
        let client = try await client()
        let keys = keys("pipeline")
        let commands = (0..<10_000).map { RedisCommand(["INCR", keys[$0 % keys.count]]) }
        let results = await client.pipeline(commands)
        XCTAssertEqual(results.count, 10_000)
        var seen = [Int](repeating: 0, count: keys.count)
        for (index, result) in results.enumerated() {
            seen[index % keys.count] += 1
            guard case .success(.integer(let n)) = result else { return XCTFail("command \(index): \(result)") }
            XCTAssertEqual(Int(n), seen[index % keys.count], "command \(index): its own reply")
        }
        for key in keys { try await client.send("DEL", key) }
    }
}

/// Keeps `inFlight` INCRs outstanding on the client's loop, over `keys` in turn, until `total`
/// were issued; collects each key's replies in the order they came. Loop-confined
/// (`@unchecked Sendable` only to be started through `loop.submit`).
private final class IncrementRun: @unchecked Sendable {
    struct Outcome: Sendable {
        var replies: [[Int]]
        var failures: [String] = []
    }

    let client: RedisClusterClient
    let keys: [String]
    let total: Int
    let inFlight: Int
    private var issued = 0
    private var outstanding = 0
    private var outcome: Outcome
    private var done: EventLoopPromise<Outcome>?

    init(client: RedisClusterClient, keys: [String], total: Int, inFlight: Int) {
        self.client = client
        self.keys = keys
        self.total = total
        self.inFlight = inFlight
        outcome = Outcome(replies: Array(repeating: [], count: keys.count))
    }

    func start() -> EventLoopFuture<Outcome> {
        let promise = Env.loop.makePromise(of: Outcome.self)
        done = promise
        for _ in 0..<inFlight { issue() }
        return promise.futureResult
    }

    private typealias Env = TLSTestEnvironment

    private func issue() {
        guard issued < total else {
            if outstanding == 0 { done?.succeed(outcome) }
            return
        }
        let index = issued % keys.count
        issued += 1
        outstanding += 1
        client.submit(RedisCommand(["INCR", keys[index]])) { [self] result in
            outstanding -= 1
            switch result {
            case .success(.integer(let n)): outcome.replies[index].append(Int(n))
            case .success(let other): outcome.failures.append("\(keys[index]): \(other)")
            case .failure(let error): outcome.failures.append("\(keys[index]): \(error)")
            }
            issue()
        }
    }
}
