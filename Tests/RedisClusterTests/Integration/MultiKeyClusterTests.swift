import Foundation
import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// Command policies on the main cluster: multi-key commands split per slot, fan-out with
/// merged replies, unsafe cross-slot commands refused before sending, one-slot transactions,
/// scripts and functions. Every test removes the keys (and scripts, functions) it made.
final class MultiKeyClusterTests: ClusterClientTestCase {
    /// Run before the clients close: each test's keys, scripts and functions go away even when
    /// it failed halfway.
    var cleanups: [() async -> Void] = []

    override func tearDown() async throws {
        for cleanup in cleanups.reversed() { await cleanup() }
        cleanups.removeAll()
        try await super.tearDown()
    }

    func cleanUp(_ client: RedisClusterClient, _ arguments: [any RESPArgument]) {
        let command = RedisCommand(arguments)
        cleanups.append { _ = try? await client.send(command) }
    }

    /// Keys spread over many slots and every shard, checked against the server's own
    /// `CLUSTER KEYSLOT`.
    func spreadKeys(_ prefix: String, count: Int, client: RedisClusterClient) async throws -> [String] {
        let keys = (0..<count).map { "\(prefix):\($0)" }
        var slots = Set<Int>()
        for key in keys { slots.insert(try await client.send("CLUSTER", "KEYSLOT", key, as: Int.self)) }
        XCTAssertGreaterThan(slots.count, count / 2, "keys spread over many slots")
        let topologyMaybe = await client.topology()
        let topology = try XCTUnwrap(topologyMaybe)
        XCTAssertEqual(Set(slots.compactMap { topology.shardIndex(forSlot: $0) }).count, topology.shards.count, "every shard has some")
        return keys
    }

    /// `cmdstat_<name>` of `INFO commandstats` on each primary (calls, rejected and failed
    /// counts included), to prove a command never reached a server.
    func commandStats(_ names: [String], client: RedisClusterClient) async throws -> [String] {
        var lines: [String] = []
        for port in try await primaryPorts(client) {
            let connection = try await node(port)
            defer { connection.close() }
            let info = try await connection.send("INFO", "commandstats", as: String.self)
            for name in names {
                lines.append("\(port) " + (info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("cmdstat_\(name):") }.map(String.init) ?? "none"))
            }
        }
        return lines
    }

    func primaryPorts(_ client: RedisClusterClient) async throws -> [Int] {
        let topologyMaybe = await client.topology()
        return try XCTUnwrap(topologyMaybe).shards.map(\.primary.endpoint.port)
    }

    func connectedClient() async throws -> RedisClusterClient {
        let client = makeClient(configuration(ports: try mainPorts()))
        try await client.connect()
        return client
    }

    func testMultiKeyCommandsSplitPerSlotAndEqualAPerKeyLoop() async throws {
        let client = try await connectedClient()
        let keys = try await spreadKeys("split:\(UUID().uuidString)", count: 100, client: client)
        let absent = "split-absent:\(UUID().uuidString)"
        cleanUp(client, ["DEL"] + keys)

        var mset: [any RESPArgument] = ["MSET"]
        for (index, key) in keys.enumerated() { mset += [key, "v\(index)"] }
        let ok = try await client.send(RedisCommand(mset))
        XCTAssertEqual(ok, .simpleString("OK"))

        // MGET in the caller's order, with a missing key and a repeated one, equals one GET per key.
        let asked = keys + [absent, keys[0]]
        let mget = try await client.send(RedisCommand(["MGET"] + asked)).decode(as: [String?].self)
        var loop: [String?] = []
        for key in asked { loop.append(try await client.send("GET", key, as: String?.self)) }
        XCTAssertEqual(mget, loop)
        XCTAssertEqual(mget.first, "v0")
        XCTAssertEqual(mget[keys.count], nil)

        // Counts are summed; a repeated key counts twice, as on one node.
        let exists = try await client.send(RedisCommand(["EXISTS"] + asked)).decode(as: Int.self)
        XCTAssertEqual(exists, keys.count + 1)
        let touched = try await client.send(RedisCommand(["TOUCH"] + keys + [absent])).decode(as: Int.self)
        XCTAssertEqual(touched, keys.count)
        let unlinked = try await client.send(RedisCommand(["UNLINK"] + keys.prefix(50) + [absent])).decode(as: Int.self)
        XCTAssertEqual(unlinked, 50)
        let deleted = try await client.send(RedisCommand(["DEL"] + keys)).decode(as: Int.self)
        XCTAssertEqual(deleted, keys.count - 50)
        let after = try await client.send(RedisCommand(["MGET"] + keys)).decode(as: [String?].self)
        XCTAssertEqual(after, Array(repeating: nil, count: keys.count))
    }

    func testUnsafeCrossSlotCommandsAreRefusedBeforeAnythingIsSent() async throws {
        let client = try await connectedClient()
        let (a, b) = ("{\(SlotKeys.tag(forSlot: 100))}a", "{\(SlotKeys.tag(forSlot: 12000))}b")
        let commands: [[any RESPArgument]] = [
            ["MSETNX", a, 1, b, 2], ["RENAME", a, b], ["SMOVE", a, b, "m"], ["SINTERSTORE", a, b], ["LMOVE", a, b, "LEFT", "RIGHT"],
            ["EVAL", "return 1", 2, a, b],
        ]
        let names = ["msetnx", "rename", "smove", "sinterstore", "lmove", "eval"]
        let before = try await commandStats(names, client: client)
        for arguments in commands {
            do {
                _ = try await client.send(RedisCommand(arguments))
                XCTFail("\(arguments[0]) across slots must be refused")
            } catch let error as RedisClusterError {
                guard case .crossSlot(let keys) = error.kind else { return XCTFail("\(error)") }
                XCTAssertEqual(keys.map(\.key), [a, b])
                XCTAssertEqual(keys.map(\.slot), [100, 12000])
                XCTAssertTrue(error.description.contains("CROSSSLOT") && error.description.contains("\(a) (slot 100)"), error.description)
            }
        }
        let after = try await commandStats(names, client: client)
        XCTAssertEqual(after, before, "no node saw any of them (calls, rejected and failed calls unchanged)")
    }

    func testFanOutMergesRepliesFromEveryPrimaryOrNode() async throws {
        let client = try await connectedClient()
        let prefix = "fan:\(UUID().uuidString)"
        let keys = try await spreadKeys(prefix, count: 30, client: client)
        cleanUp(client, ["DEL"] + keys)
        for key in keys { try await client.send("SET", key, 1) }

        // KEYS: every primary's keys, concatenated.
        let found = try await client.send("KEYS", "\(prefix):*").decode(as: [String].self)
        XCTAssertEqual(Set(found), Set(keys))
        XCTAssertEqual(found.count, keys.count)

        // DBSIZE: the sum of each primary's own count.
        let ports = try await primaryPorts(client)
        var sum = 0
        for port in ports {
            let connection = try await node(port)
            sum += try await connection.send("DBSIZE", as: Int.self)
            connection.close()
        }
        let dbsize = try await client.send("DBSIZE", as: Int.self)
        XCTAssertEqual(dbsize, sum)

        // SCRIPT LOAD goes to every node, replicas included; SCRIPT EXISTS is true everywhere.
        let script = RedisScript("return 'fan-out \(UUID().uuidString)'")
        let sha = try await client.send("SCRIPT", "LOAD", script.source, as: String.self)
        XCTAssertEqual(sha, script.sha1)
        for port in try mainPorts() {
            let connection = try await node(port)
            let exists = try await connection.send("SCRIPT", "EXISTS", sha).decode(as: [Int].self)
            connection.close()
            XCTAssertEqual(exists, [1], "node \(port) has the script")
        }
        let everywhere = try await client.send("SCRIPT", "EXISTS", sha, "0000000000000000000000000000000000000000").decode(as: [Int].self)
        XCTAssertEqual(everywhere, [1, 0])
        let pong = try await client.send("PING")
        XCTAssertEqual(pong, .simpleString("PONG"))
        // special (INFO): one reply per primary, by node.
        let info = try await client.send("INFO", "server")
        guard case .map(let perNode) = info else { return XCTFail("INFO: \(info)") }
        XCTAssertEqual(Set(perNode.compactMap { try? $0.key.decode(as: String.self) }), Set(ports.map { "127.0.0.1:\($0)" }))
    }

    func testTransactionRunsOnTheSlotOwnerAndCrossSlotIsRefusedWithoutARoundTrip() async throws {
        let client = try await connectedClient()
        let tag = "{tx:\(UUID().uuidString)}"
        cleanUp(client, ["DEL", "\(tag)n", "\(tag)l"])
        let results = try await client.transaction([
            RedisCommand("SET", "\(tag)n", 1),
            RedisCommand("INCRBY", "\(tag)n", 41),
            RedisCommand("RPUSH", "\(tag)n", "x"),  // WRONGTYPE at run time: its own failure only
            RedisCommand("RPUSH", "\(tag)l", "a", "b"),
            RedisCommand("GET", "\(tag)n"),
        ])
        XCTAssertEqual(results.count, 5)
        XCTAssertEqual(try results[0].get(), .simpleString("OK"))
        XCTAssertEqual(try results[1].get(), .integer(42))
        guard case .failure(let wrongType as RedisError) = results[2], case .server(let reply) = wrongType.kind else {
            return XCTFail("\(results[2])")
        }
        XCTAssertEqual(reply.code, "WRONGTYPE")
        XCTAssertEqual(try results[3].get(), .integer(2))
        XCTAssertEqual(try results[4].get().decode(as: String.self), "42")

        // A syntax error queued: the server refuses the whole transaction, nothing runs.
        do {
            _ = try await client.transaction([RedisCommand("SET", "\(tag)n", 7), RedisCommand("INCRBY", "\(tag)n")])
            XCTFail("EXECABORT expected")
        } catch let error as ClusterTransactionError {
            XCTAssertEqual(error.kind, .rejected)
        }
        let unchanged = try await client.send("GET", "\(tag)n", as: String.self)
        XCTAssertEqual(unchanged, "42")

        let before = try await commandStats(["multi", "exec", "set"], client: client)
        do {
            _ = try await client.transaction([RedisCommand("SET", "{a}x", 1), RedisCommand("SET", "{b}x", 1)])
            XCTFail("cross-slot transaction must be refused")
        } catch let error as RedisClusterError {
            guard case .crossSlot(let keys) = error.kind else { return XCTFail("\(error)") }
            XCTAssertEqual(keys.map(\.key), ["{a}x", "{b}x"])
        }
        let after = try await commandStats(["multi", "exec", "set"], client: client)
        XCTAssertEqual(after, before, "nothing of it reached a node")
    }

    func testEvalshaFallsBackToEvalAfterScriptFlushOnTheKeysNode() async throws {
        let client = try await connectedClient()
        let key = "script:\(UUID().uuidString)"
        cleanUp(client, ["DEL", key])
        let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1]) -- \(UUID().uuidString)")
        let got1 = try await client.send("SCRIPT", "LOAD", script.source, as: String.self)
        XCTAssertEqual(got1, script.sha1)
        let got2 = try await client.run(script, keys: [key], arguments: [2]).decode(as: Int.self)
        XCTAssertEqual(got2, 2)

        // The key's primary forgets every script (as a promoted replica that never loaded it would).
        let topologyMaybe = await client.topology()
        let owner = try XCTUnwrap(topologyMaybe?.shard(forSlot: HashSlot.slot(forKey: key))).primary.endpoint.port
        let direct = try await node(owner)
        defer { direct.close() }
        try await direct.send("SCRIPT", "FLUSH")
        let got3 = try await direct.send("SCRIPT", "EXISTS", script.sha1).decode(as: [Int].self)
        XCTAssertEqual(got3, [0])

        let got4 = try await client.run(script, keys: [key], arguments: [3]).decode(as: Int.self)
        XCTAssertEqual(got4, 5, "ran once more, not twice")
        let got5 = try await direct.send("SCRIPT", "EXISTS", script.sha1).decode(as: [Int].self)
        XCTAssertEqual(got5, [1], "EVAL cached it again")
        let got6 = try await client.send("GET", key, as: String.self)
        XCTAssertEqual(got6, "5")

        // The loop-local form takes the same fallback.
        try await direct.send("SCRIPT", "FLUSH")
        let promise = loop.makePromise(of: RESPValue.self)
        loop.execute { client.submit(script, keys: [key], arguments: [1]) { promise.completeWith($0) } }
        let got7 = try await promise.futureResult.get()
        XCTAssertEqual(got7, .integer(6))

        // Keys in different slots: refused before sending.
        do {
            _ = try await client.run(script, keys: ["{a}k", "{b}k"], arguments: [1])
            XCTFail("cross-slot script must be refused")
        } catch let error as RedisClusterError {
            guard case .crossSlot = error.kind else { return XCTFail("\(error)") }
        }
    }

    func testFunctionLoadReachesEveryPrimaryAndFcallRoutesByKey() async throws {
        let client = try await connectedClient()
        let library = "swiftev_\(UUID().uuidString.prefix(8).lowercased())"
        let function = "\(library)_echo"
        let code = "#!lua name=\(library)\nredis.register_function('\(function)', function(keys, args) return redis.call('SET', keys[1], args[1]) end)"
        let got8 = try await client.send("FUNCTION", "LOAD", code, as: String.self)
        XCTAssertEqual(got8, library)
        cleanUp(client, ["FUNCTION", "DELETE", library])
        for port in try await primaryPorts(client) {
            let connection = try await node(port)
            let listed = try await connection.send("FUNCTION", "LIST", "LIBRARYNAME", library).decode(as: [RESPValue].self)
            connection.close()
            XCTAssertEqual(listed.count, 1, "primary \(port) has the library")
        }
        let key = "fcall:\(UUID().uuidString)"
        cleanUp(client, ["DEL", key])
        let got9 = try await client.send("FCALL", function, 1, key, "hello")
        XCTAssertEqual(got9, .simpleString("OK"))
        let got10 = try await client.send("GET", key, as: String.self)
        XCTAssertEqual(got10, "hello")
        try await client.send("FUNCTION", "DELETE", library)
        for port in try await primaryPorts(client) {
            let connection = try await node(port)
            let listed = try await connection.send("FUNCTION", "LIST", "LIBRARYNAME", library).decode(as: [RESPValue].self)
            connection.close()
            XCTAssertEqual(listed.count, 0, "deleted on \(port)")
        }
    }

    func testWatchTransactionAbortsWhenAWatchedKeyChangesAndCommitsOtherwise() async throws {
        let client = try await connectedClient()
        let key = "{watch:\(UUID().uuidString)}:balance"
        cleanUp(client, ["DEL", key])
        try await client.send("SET", key, 10)

        // Someone else writes the key between our read and EXEC: nothing of ours runs.
        let aborted = try await client.transaction(watching: [key]) { connection in
            let balance = try await connection.send("GET", key, as: Int.self)
            try await client.send("SET", key, 100)
            return [RedisCommand("SET", key, balance + 1)]
        }
        XCTAssertNil(aborted)
        let untouched = try await client.send("GET", key, as: Int.self)
        XCTAssertEqual(untouched, 100)

        let committed = try await client.transaction(watching: [key]) { connection in
            let balance = try await connection.send("GET", key, as: Int.self)
            return [RedisCommand("SET", key, balance + 1), RedisCommand("GET", key)]
        }
        let results = try XCTUnwrap(committed)
        XCTAssertEqual(try results[0].get(), .simpleString("OK"))
        XCTAssertEqual(try results[1].get().decode(as: Int.self), 101)

        do {
            _ = try await client.transaction(watching: [key]) { _ in [RedisCommand("SET", "{elsewhere}x", 1)] }
            XCTFail("a command outside the watched slot must be refused")
        } catch let error as RedisClusterError {
            guard case .crossSlot(let keys) = error.kind else { return XCTFail("\(error)") }
            XCTAssertEqual(keys.map(\.key), [key, "{elsewhere}x"])
        }
        let exists = try await client.send("EXISTS", "{elsewhere}x", as: Int.self)
        XCTAssertEqual(exists, 0, "nothing of the refused transaction ran")
    }
}
