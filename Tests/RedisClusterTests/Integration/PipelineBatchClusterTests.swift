import Foundation
import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// A cluster pipeline goes to each primary as one batch (one queue entry, one write): on the
/// main cluster, every command still gets its own result or error, in call order, and the
/// connections stay in step for what follows. The keys are removed afterwards.
final class PipelineBatchClusterTests: ClusterClientTestCase {
    /// Run before the clients close, also after a failure halfway.
    private var cleanups: [() async -> Void] = []

    override func tearDown() async throws {
        for cleanup in cleanups { await cleanup() }
        cleanups.removeAll()
        try await super.tearDown()
    }

    func testEveryCommandOfABatchGetsItsOwnResultOrErrorInCallOrder() async throws {
        let client = makeClient(configuration(ports: try mainPorts()))
        try await client.connect()
        let prefix = "batch:\(UUID().uuidString)"
        let keys = (0..<300).map { "\(prefix):\($0)" }
        let topologyMaybe = await client.topology()
        let topology = try XCTUnwrap(topologyMaybe)
        let shards = Set(keys.compactMap { topology.shardIndex(forSlot: HashSlot.slot(forKey: $0)) })
        XCTAssertEqual(shards.count, topology.shards.count, "every primary gets a share")
        cleanups.append { _ = try? await client.send(RedisCommand(["DEL"] + keys)) }

        // Per key: a write, a command the server refuses (INCR of a non-number), a read; a
        // keyless command in the middle goes its own way between the batches.
        var commands: [RedisCommand] = []
        for (index, key) in keys.enumerated() {
            commands += [RedisCommand("SET", key, "v\(index)"), RedisCommand("INCR", key), RedisCommand("GET", key)]
            if index == keys.count / 2 { commands.append(RedisCommand("PING")) }
        }
        let results = await client.pipeline(commands)
        XCTAssertEqual(results.count, commands.count)

        var wrong: [String] = []
        var position = 0
        for index in keys.indices {
            if case .success(.simpleString(let ok)) = results[position], String(buffer: ok) == "OK" {} else {
                wrong.append("SET #\(index): \(results[position])")
            }
            if case .failure(let error as RedisError) = results[position + 1], case .server(let server) = error.kind,
               server.code == "ERR", error.command == "INCR" {} else {
                wrong.append("INCR #\(index): \(results[position + 1])")
            }
            if (try? results[position + 2].get().decode(as: String.self)) != "v\(index)" {
                wrong.append("GET #\(index): \(results[position + 2])")
            }
            position += 3
            if index == keys.count / 2 {
                if (try? results[position].get()) != .simpleString("PONG") { wrong.append("PING: \(results[position])") }
                position += 1
            }
        }
        XCTAssertEqual(wrong, [], "first ones: \(wrong.prefix(5))")

        // Every connection still pairs replies with commands.
        for (index, key) in keys.enumerated().prefix(30) {
            let value = try await client.send("GET", key, as: String.self)
            XCTAssertEqual(value, "v\(index)")
        }
    }
}
