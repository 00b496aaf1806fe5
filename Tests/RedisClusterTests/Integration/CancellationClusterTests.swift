import Foundation
import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// Cancelling the caller's task while a split command's parts or a pipeline's commands are on
/// their way, on the main cluster: one primary is held with `CLIENT PAUSE` so that its share is
/// either written and not yet run (`WRITE`: the server read it and postponed it) or not written
/// at all (`ALL`: a new connection's handshake waits, so the client holds the commands).
/// Parts not written must be dropped (and never run); parts written must be reported as
/// "may have run" (they do run once the pause ends), never as "not applied". Every test
/// unpauses and removes its keys, even when it fails halfway.
final class CancellationClusterTests: ClusterClientTestCase {
    var cleanups: [() async -> Void] = []

    override func tearDown() async throws {
        for cleanup in cleanups.reversed() { await cleanup() }
        cleanups.removeAll()
        try await super.tearDown()
    }

    /// `count` keys per shard (shard index → keys), and every shard's primary port.
    func keysPerShard(_ prefix: String, count: Int, client: RedisClusterClient) async throws -> (keys: [[String]], primaries: [Int]) {
        let topologyMaybe = await client.topology()
        let topology = try XCTUnwrap(topologyMaybe)
        var keys = Array(repeating: [String](), count: topology.shards.count)
        var i = 0
        while keys.contains(where: { $0.count < count }) {
            let key = "\(prefix):\(i)"
            i += 1
            let shard = try XCTUnwrap(topology.shardIndex(forSlot: HashSlot.slot(forKey: key)))
            if keys[shard].count < count { keys[shard].append(key) }
        }
        let all = keys.flatMap { $0 }
        cleanups.append { [weak self] in
            guard let self, let ports = try? self.mainPorts() else { return }
            // Through a fresh client: the test's own may be closed by now.
            let cleaner = RedisClusterClient(configuration: self.configuration(ports: ports), eventLoop: self.loop)
            for key in all { _ = try? await cleaner.send("DEL", key) }
            await cleaner.close()
        }
        return (keys, topology.shards.map(\.primary.endpoint.port))
    }

    /// How many of `keys` exist on the node at `port` (keys of one shard).
    func existing(_ keys: [String], port: Int) async throws -> Int {
        let connection = try await node(port)
        defer { connection.close() }
        var count = 0
        for key in keys { count += try await connection.send("EXISTS", key, as: Int.self) }
        return count
    }

    /// Waits until every one of `keys` exists on its shard's primary (the other parts ran).
    func waitUntilSet(_ keys: [[String]], on primaries: [Int], shards: [Int]) async throws {
        for _ in 0..<500 {
            var all = true
            for shard in shards {
                if try await existing(keys[shard], port: primaries[shard]) < keys[shard].count { all = false }
            }
            if all { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        XCTFail("the parts for the other shards did not run")
    }

    /// Answered, or written before the cancellation (its reply dropped: `RedisError.cancelled`).
    /// A part can have run on the server (its keys visible) while its reply is still unread
    /// when the task is cancelled, so the parts that were not held back may end either way.
    func ranOrMayHaveRun(_ result: Result<RESPValue, any Error>) -> Bool {
        switch result {
        case .success: return true
        case .failure(let error): return (error as? RedisError)?.kind == .cancelled
        }
    }

    /// The parts' names (`slot N`) of a split command with `keys`.
    func slots(of keys: some Sequence<String>) -> Set<String> {
        Set(keys.map { "slot \(HashSlot.slot(forKey: $0))" })
    }

    /// `MSET` of every key (value "v").
    func msetArguments(_ keys: [[String]]) -> [any RESPArgument] {
        var arguments: [any RESPArgument] = ["MSET"]
        for key in keys.joined() { arguments += [key, "v"] }
        return arguments
    }

    func pause(_ port: Int, milliseconds: Int, _ mode: String) async throws {
        let connection = try await node(port)
        defer { connection.close() }
        try await connection.send("CLIENT", "PAUSE", milliseconds, mode)
        if mode == "WRITE" {
            cleanups.append { [weak self] in
                guard let connection = try? await self?.node(port) else { return }
                _ = try? await connection.send("CLIENT", "UNPAUSE")
                connection.close()
            }
        }
    }

    func testCancelledSplitWriteReportsItsWrittenPartAsMaybeRunAndItRuns() async throws {
        let client = makeClient(configuration(ports: try mainPorts()))
        try await client.connect()
        let (keys, primaries) = try await keysPerShard("cancel:written", count: 4, client: client)
        // Every primary's connection up, so the paused one's part is written at once.
        for shardKeys in keys { _ = try await client.send("GET", shardKeys[0]) }
        try await pause(primaries[0], milliseconds: 30_000, "WRITE")

        let mset = RedisCommand(msetArguments(keys))
        let task = Task { try await client.send(mset) }
        try await waitUntilSet(keys, on: primaries, shards: Array(1..<keys.count))
        task.cancel()
        let result = await task.result

        guard case .failure(let error) = result, let partial = error as? ClusterPartialFailure else {
            return XCTFail("expected a ClusterPartialFailure, got \(result)")
        }
        let held = slots(of: keys[0])
        XCTAssertEqual(Set(partial.parts.map(\.target)), held.union(slots(of: keys[1...].joined())), "\(partial)")
        for part in partial.parts {
            if held.contains(part.target) {
                guard case .failure(let error) = part.result else { return XCTFail("\(part.target) cannot have been answered") }
                XCTAssertEqual((error as? RedisError)?.kind, .cancelled, "written before the cancellation: it may run, \(error)")
            } else {
                XCTAssertTrue(ranOrMayHaveRun(part.result), "\(part.target): \(part.result)")
            }
        }
        XCTAssertFalse(partial.isSafeToRetry)

        // And it does run: the server had it.
        let unpause = try await node(primaries[0])
        try await unpause.send("CLIENT", "UNPAUSE")
        unpause.close()
        try await waitUntilSet(keys, on: primaries, shards: [0])
    }

    func testCancelledSplitWriteDropsItsUnwrittenPartWhichNeverRuns() async throws {
        let probe = makeClient(configuration(ports: try mainPorts()))
        try await probe.connect()
        let (keys, primaries) = try await keysPerShard("cancel:unsent", count: 4, client: probe)
        await probe.close()
        // Paused before a new client first meets it: that client's handshake there waits for
        // the pause, and the part for it waits unwritten. Not shard 0, and no ready check
        // (which asks shard 0's primary), so the client becomes ready without it.
        let paused = keys.count - 1
        try await pause(primaries[paused], milliseconds: 6_000, "ALL")
        var config = configuration(ports: try mainPorts().filter { $0 != primaries[paused] })
        config.enableReadyCheck = false
        let client = makeClient(config)
        try await client.connect()

        let mset = RedisCommand(msetArguments(keys))
        let task = Task { try await client.send(mset) }
        try await waitUntilSet(keys, on: primaries, shards: Array(0..<paused))
        task.cancel()
        let result = await task.result

        guard case .failure(let error) = result, let partial = error as? ClusterPartialFailure else {
            return XCTFail("expected a ClusterPartialFailure, got \(result)")
        }
        let held = slots(of: keys[paused])
        XCTAssertEqual(Set(partial.parts.map(\.target)), held.union(slots(of: keys[..<paused].joined())), "\(partial)")
        for part in partial.parts {
            if held.contains(part.target) {
                guard case .failure(let error) = part.result else { return XCTFail("\(part.target) cannot have been answered") }
                XCTAssertTrue(error is CancellationError, "never written: withdrawn, \(error)")
            } else {
                XCTAssertTrue(ranOrMayHaveRun(part.result), "\(part.target): \(part.result)")
            }
        }
        XCTAssertFalse(partial.isSafeToRetry, "the other parts ran")

        // This waits for the pause to end; the withdrawn part never reached the server.
        let left = try await existing(keys[paused], port: primaries[paused])
        XCTAssertEqual(left, 0, "a part dropped before it was written must not run")
    }

    func testCancelledFanOutDropsItsUnwrittenPartWhichNeverRuns() async throws {
        let probe = makeClient(configuration(ports: try mainPorts()))
        try await probe.connect()
        let topologyMaybe = await probe.topology()
        let topology = try XCTUnwrap(topologyMaybe)
        await probe.close()
        let primaries = topology.shards.map(\.primary.endpoint.port)
        let paused = primaries[primaries.count - 1]
        // SCRIPT LOAD goes to every node: observable on the others, and on the paused one after.
        let script = RedisScript("return 'cancelled fan-out \(UUID().uuidString)'")
        cleanups.append { [weak self] in
            for port in (try? self?.mainPorts()) ?? [] {
                guard let connection = try? await self?.node(port) else { continue }
                _ = try? await connection.send("SCRIPT", "FLUSH")
                connection.close()
            }
        }
        try await pause(paused, milliseconds: 6_000, "ALL")
        var config = configuration(ports: try mainPorts().filter { $0 != paused })
        config.enableReadyCheck = false
        let client = makeClient(config)
        try await client.connect()

        let task = Task { try await client.send("SCRIPT", "LOAD", script.source) }
        for port in primaries.dropLast() {
            var loaded = false
            for _ in 0..<500 where !loaded {
                let connection = try await node(port)
                loaded = try await connection.send("SCRIPT", "EXISTS", script.sha1).decode(as: [Int].self) == [1]
                connection.close()
                if !loaded { try await Task.sleep(for: .milliseconds(10)) }
            }
            XCTAssertTrue(loaded, "the part for \(port) ran")
        }
        task.cancel()
        let result = await task.result

        guard case .failure(let error) = result, let partial = error as? ClusterPartialFailure else {
            return XCTFail("expected a ClusterPartialFailure, got \(result)")
        }
        let withdrawn = partial.failures.filter { $0.error is CancellationError }.map(\.target)
        XCTAssertTrue(withdrawn.contains("127.0.0.1:\(paused)"), "the paused node's part was never written: \(partial)")
        for port in primaries.dropLast() {
            let part = partial.parts.first { $0.target == "127.0.0.1:\(port)" }
            XCTAssertTrue(part.map { ranOrMayHaveRun($0.result) } ?? false, "ran on \(port): \(partial)")
        }
        // This waits for the pause to end; the withdrawn part never reached the server.
        let connection = try await node(paused)
        let there = try await connection.send("SCRIPT", "EXISTS", script.sha1).decode(as: [Int].self)
        connection.close()
        XCTAssertEqual(there, [0], "a part dropped before it was written must not run")
    }

    func testCancelledPipelineReportsEachCommandAsWrittenOrAnswered() async throws {
        let client = makeClient(configuration(ports: try mainPorts()))
        try await client.connect()
        let (keys, primaries) = try await keysPerShard("cancel:pipe", count: 3, client: client)
        for shardKeys in keys { _ = try await client.send("GET", shardKeys[0]) }
        try await pause(primaries[0], milliseconds: 30_000, "WRITE")

        let commands = keys.flatMap { $0 }.map { RedisCommand("SET", $0, "v") }
        let task = Task { await client.pipeline(commands) }
        try await waitUntilSet(keys, on: primaries, shards: Array(1..<keys.count))
        task.cancel()
        let results = await task.value

        XCTAssertEqual(results.count, commands.count)
        for (index, result) in results.enumerated() {
            if index < keys[0].count {
                guard case .failure(let error as RedisError) = result else { return XCTFail("#\(index): \(result)") }
                XCTAssertEqual(error.kind, .cancelled, "#\(index) was written: it may run")
            } else {
                XCTAssertTrue(ranOrMayHaveRun(result), "#\(index) ran: \(result)")
                if case .success(let value) = result { XCTAssertEqual(value, .simpleString("OK")) }
            }
        }
    }
}
