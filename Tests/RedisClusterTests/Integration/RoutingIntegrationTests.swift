import Foundation
import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// The hash slot and the key finder against a real cluster node: `CLUSTER KEYSLOT` and
/// `COMMAND GETKEYS` are the truth. Needs the nodes `scripts/test.sh` starts (it exports
/// SWIFTEV_CLUSTER_PORTS); a missing variable fails the test, never skips it.
final class RoutingIntegrationTests: XCTestCase {
    var group: LibevEventLoopGroup!

    override func setUp() {
        super.setUp()
        group = LibevEventLoopGroup(numberOfThreads: 1)
    }

    override func tearDownWithError() throws {
        try group?.syncShutdown()
        group = nil
        try super.tearDownWithError()
    }

    func connectToClusterNode() async throws -> RedisConnection {
        let list = ProcessInfo.processInfo.environment["SWIFTEV_CLUSTER_PORTS"] ?? ""
        guard let port = list.split(separator: ",").first.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
            throw MissingCluster(list: list)
        }
        return try await RedisConnection.connect(host: "127.0.0.1", port: port, configuration: RedisConnectionConfiguration(), on: group.next())
    }

    struct MissingCluster: Error, CustomStringConvertible {
        let list: String
        var description: String {
            "SWIFTEV_CLUSTER_PORTS='\(list)': run the integration tests with scripts/test.sh, which starts the cluster and exports it"
        }
    }

    /// Keys that stress the hash tag rules and the byte handling.
    static func randomKeys(count: Int) -> [[UInt8]] {
        var rng = SystemRandomNumberGenerator()
        let fragments: [[UInt8]] = [
            Array("{".utf8), Array("}".utf8), Array("{}".utf8), Array("{{".utf8), Array("}}".utf8),
            Array("user".utf8), Array(":".utf8), Array("é".utf8), Array("鍵".utf8), Array("🔑".utf8),
            [0], [0xFF], [13, 10], Array("tag".utf8),
        ]
        return (0..<count).map { i in
            var key: [UInt8] = []
            switch i % 5 {
            case 0: // binary: every byte value likely
                key = (0..<Int.random(in: 0...24, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            case 1: // a hash tag, maybe nested or empty, around random text
                let tag = (0..<Int.random(in: 0...4, using: &rng)).flatMap { _ in fragments.randomElement(using: &rng)! }
                key = Array("p".utf8) + Array("{".utf8) + tag + Array("}".utf8) + Array("s\(i)".utf8)
            case 2: // UTF-8
                key = Array("ключ:\(i):鍵🔑".utf8)
            default: // a random mix of fragments, braces included
                key = (0..<Int.random(in: 1...8, using: &rng)).flatMap { _ in fragments.randomElement(using: &rng)! }
                key += Array("\(i)".utf8)
            }
            return key
        }
        + [Array("{}".utf8), Array("{}{a}".utf8), Array("{{a}}".utf8), Array("a{b{c}d}".utf8), Array("}{x}".utf8), []]
    }

    func testHashSlotMatchesClusterKeyslotFor10000RandomKeys() async throws {
        let connection = try await connectToClusterNode()
        defer { connection.close() }
        let keys = Self.randomKeys(count: 10_000)
        var mismatches: [String] = []
        for start in stride(from: 0, to: keys.count, by: 1_000) {
            let batch = Array(keys[start..<min(start + 1_000, keys.count)])
            let replies = await connection.pipeline(batch.map { RedisCommand("CLUSTER", "KEYSLOT", $0) })
            XCTAssertEqual(replies.count, batch.count)
            for (key, reply) in zip(batch, replies) {
                let serverSlot = try reply.get().decode(as: Int.self)
                let slot = HashSlot.slot(forKey: key)
                let routed = CommandRouter.route(RedisCommand("GET", key))
                if slot != serverSlot || routed != .slot(serverSlot) {
                    mismatches.append("\(key): server \(serverSlot), HashSlot \(slot), route \(routed)")
                }
            }
        }
        XCTAssertEqual(mismatches, [], "\(mismatches.count) of \(keys.count) keys disagree")
    }

    func testKeyPositionsMatchCommandGetKeys() async throws {
        let connection = try await connectToClusterNode()
        defer { connection.close() }
        let samples: [[any RESPArgument]] = [
            ["GET", "k"], ["SET", "k", "v", "EX", 10, "GET"], ["GETEX", "k", "PERSIST"], ["MGET", "a", "b", "c"],
            ["MSET", "a", 1, "b", 2], ["MSETNX", "a", 1, "b", 2], ["DEL", "a", "b"], ["EXISTS", "a"], ["TOUCH", "a", "b"],
            ["UNLINK", "a", "b"], ["BLPOP", "a", "b", 0], ["BRPOPLPUSH", "a", "b", 0], ["LMOVE", "a", "b", "LEFT", "RIGHT"],
            ["RENAME", "a", "b"], ["COPY", "a", "b", "REPLACE"], ["SMOVE", "a", "b", "m"], ["BITOP", "AND", "d", "a", "b"],
            ["PFMERGE", "d", "a", "b"], ["PFCOUNT", "a", "b"], ["SINTERSTORE", "d", "a", "b"],
            ["XREAD", "COUNT", 2, "STREAMS", "s1", "s2", "0", "0"], ["XREAD", "BLOCK", 0, "STREAMS", "s", "$"],
            ["XREADGROUP", "GROUP", "g", "c", "COUNT", 1, "STREAMS", "s1", "s2", ">", ">"],
            ["XADD", "s", "*", "f", "v"], ["XGROUP", "CREATE", "s", "g", "$"], ["XINFO", "STREAM", "s"],
            ["EVAL", "return 1", 2, "a", "b", "x"], ["EVAL_RO", "return 1", 1, "a"], ["EVALSHA", "abc", 1, "k", "x"],
            ["FCALL", "f", 2, "a", "b", "x"], ["ZUNIONSTORE", "d", 2, "a", "b", "WEIGHTS", 1, 2],
            ["ZINTER", 2, "a", "b", "WITHSCORES"], ["ZDIFFSTORE", "d", 2, "a", "b"], ["ZRANGESTORE", "d", "a", 0, -1],
            ["LMPOP", 2, "a", "b", "LEFT", "COUNT", 2], ["BLMPOP", 0, 2, "a", "b", "RIGHT"], ["SINTERCARD", 2, "a", "b", "LIMIT", 1],
            ["ZMPOP", 1, "a", "MIN"], ["BZMPOP", 1, 2, "a", "b", "MAX"],
            ["GEORADIUS", "g", 0, 0, 1, "km", "STORE", "d"], ["GEORADIUS", "g", 0, 0, 1, "km", "STOREDIST", "d"],
            ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", 0, 0, "BYRADIUS", 1, "km"],
            ["OBJECT", "ENCODING", "k"], ["MEMORY", "USAGE", "k"], ["SORT", "k", "LIMIT", 0, 1, "STORE", "d"],
            ["SORT_RO", "k", "BY", "nosort"], ["MIGRATE", "127.0.0.1", 1, "", 0, 5000, "KEYS", "a", "b"],
            ["MIGRATE", "127.0.0.1", 1, "k", 0, 5000], ["WATCH", "a", "b"], ["LCS", "a", "b"],
            ["BITFIELD", "k", "GET", "u8", 0], ["XAUTOCLAIM", "s", "g", "c", 0, "0"], ["RESTORE", "k", 0, "x"],
        ]
        for arguments in samples {
            let command = RedisCommand(arguments)
            let expected: [[UInt8]]
            do {
                let reply = try await connection.send(RedisCommand(["COMMAND", "GETKEYS"] + arguments))
                guard case .array(let items?) = reply else { return XCTFail("\(command): COMMAND GETKEYS answered \(reply)") }
                expected = items.map { item in
                    if case .bulkString(let key?) = item { return key.readableBytesArray }
                    XCTFail("\(command): COMMAND GETKEYS listed \(item)")
                    return []
                }
            } catch let error as RedisError {
                // "The command has no key arguments" / "Invalid arguments specified": no keys.
                guard case .server = error.kind else { throw error }
                expected = []
            }
            XCTAssertEqual(CommandRouter.keys(in: command), expected, "\(arguments)")
        }
    }
}
