import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// Generated typed methods round-trip against the real standalone node and the real cluster,
/// through the same code (`some RedisCommandSending`): one sample per reply shape — integer,
/// bulk, nil, array, map, double, simple string, verbatim, set, boolean, status, errors.
final class TypedCommandsClusterTests: ClusterClientTestCase {
    func testEveryReplyShapeOnTheStandaloneNode() async throws {
        let port = try ClusterTestPorts.list("SWIFTEV_REDIS_STANDALONE_PORT", count: 1)[0]
        let connection = try await node(port)
        try await roundTrip(connection, where: "standalone")
        try await connection.close().get()
    }

    func testEveryReplyShapeThroughTheClusterClient() async throws {
        let client = makeClient(configuration(ports: [try mainPorts()[0]]))
        try await client.connect()
        try await roundTrip(client, where: "cluster")
    }

    /// Keys share one hash tag so the multi-key commands stay in one slot on the cluster.
    func roundTrip(_ redis: some RedisCommandSending, where place: String) async throws {
        let tag = "{typed-\(UUID().uuidString.prefix(8))}"
        func key(_ name: String) -> RedisKey { RedisKey("\(tag):\(name)") }
        let (string, counter, list, hash, zset, set, stream, missing) =
            (key("s"), key("n"), key("l"), key("h"), key("z"), key("set"), key("x"), key("missing"))
        do {
            // Simple string (raw), then the status form of MSET (Void).
            let ok = try await redis.set(string, value: "v1", expiration: .seconds(60))
            XCTAssertEqual(ok, .simpleString("OK"), place)
            try await redis.mset([(key: key("m1"), value: "a"), (key: key("m2"), value: "b")])
            expect(try await redis.ping(), "PONG", place)
            // Bulk and nil.
            expect(try await redis.get(string), ByteBuffer(string: "v1"), place)
            let none = try await redis.get(missing)
            XCTAssertNil(none, place)
            expect(try await redis.mget([key("m1"), missing, key("m2")]),
                           [ByteBuffer(string: "a"), nil, ByteBuffer(string: "b")], place)
            // Integer and boolean.
            expect(try await redis.incrby(counter, increment: 41), 41, place)
            expect(try await redis.incr(counter), 42, place)
            expect(try await redis.expire(counter, seconds: 60), true, place)
            expect(try await redis.expire(missing, seconds: 60), false, place)
            expect(try await redis.exists([string, missing, counter]), 2, place)
            expect(try await redis.objectEncoding(counter), "int", place)
            // Array.
            expect(try await redis.rpush(list, elements: ["a", "b", "c"]), 3, place)
            expect(try await redis.lrange(list, start: 0, stop: -1).map { String(buffer: $0) }, ["a", "b", "c"], place)
            // Map (RESP3 map; RESP2 would be a flat array: the decoder takes both).
            expect(try await redis.hset(hash, fields: [(field: "f1", value: "1"), (field: "f2", value: "two")]), 2, place)
            let all = try await redis.hgetall(hash)
            XCTAssertEqual(all, [ByteBuffer(string: "f1"): ByteBuffer(string: "1"), ByteBuffer(string: "f2"): ByteBuffer(string: "two")], place)
            let rawMap = try await redis.send(.hgetall(hash))
            guard case .map = rawMap else { return XCTFail("\(place): HGETALL over RESP3 is a map, got \(rawMap)") }
            // Double, and a nil double.
            expect(try await redis.incrbyfloat(key("f"), increment: 1.5), 1.5, place)
            expect(try await redis.zadd(zset, members: [(score: 2.5, member: "m")]), .integer(1), place)
            expect(try await redis.zscore(zset, member: "m"), 2.5, place)
            let noScore = try await redis.zscore(zset, member: "nobody")
            XCTAssertNil(noScore, place)
            // Set (RESP3 set).
            expect(try await redis.sadd(set, members: ["x", "y", "x"]), 2, place)
            expect(try await redis.smembers(set), [ByteBuffer(string: "x"), ByteBuffer(string: "y")], place)
            let rawSet = try await redis.send(.smembers(set))
            guard case .set = rawSet else { return XCTFail("\(place): SMEMBERS over RESP3 is a set, got \(rawSet)") }
            expect(try await redis.smismember(set, members: ["y", "z"]), [true, false], place)
            // Verbatim string (RESP3 `=`): decoded to its text.
            switch try await redis.send(.info(["server"])) {
            case .verbatimString:
                expect(try await redis.info(["server"]).contains("redis_version:7."), true, place)
            case .map(let perNode) where place == "cluster":
                // INFO's COMMAND tips say request_policy:all_shards, response_policy:special: the
                // cluster client asks every primary and answers node → that node's own reply.
                XCTAssertEqual(perNode.count, 3, place)
                for (_, reply) in perNode {
                    guard case .verbatimString = reply else { return XCTFail("\(place): each node's INFO is verbatim, got \(reply)") }
                }
            case let other:
                return XCTFail("\(place): INFO over RESP3 is verbatim (a map of them from the cluster), got \(other)")
            }
            // A stream entry with an automatic id, and the raw form of a reply left untyped.
            let id = try await redis.xadd(stream, idOrAuto: .autoId, fields: [(field: "f", value: "v")])
            XCTAssertNotNil(id.map { String(buffer: $0) }?.firstIndex(of: "-"), place)
            expect(try await redis.xlen(stream), 1, place)
            let script = try await redis.eval(script: "return redis.call('GET', KEYS[1])", keys: [string])
            XCTAssertEqual(script, .bulkString(ByteBuffer(string: "v1")), place)
            // Server errors throw RedisError(.server), whatever the reply type.
            do {
                _ = try await redis.incr(string)
                XCTFail("\(place): INCR on a non-integer succeeded")
            } catch let error as RedisError {
                guard case .server(let reply) = error.kind else { return XCTFail("\(place): \(error)") }
                XCTAssertEqual(reply.code, "ERR", place)
            }
            do {
                _ = try await redis.lrange(string, start: 0, stop: -1)
                XCTFail("\(place): LRANGE on a string succeeded")
            } catch let error as RedisError {
                guard case .server(let reply) = error.kind else { return XCTFail("\(place): \(error)") }
                XCTAssertEqual(reply.code, "WRONGTYPE", place)
            }
        } catch {
            _ = try? await cleanUp(redis, tag: tag)
            throw error
        }
        expect(try await cleanUp(redis, tag: tag), 10, "\(place): every key the test wrote")
    }

    /// XCTAssertEqual for a value computed with `try await` (its autoclosures cannot await).
    private func expect<T: Equatable>(_ actual: T, _ expected: T, _ place: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual, expected, place, file: file, line: line)
    }

    private func cleanUp(_ redis: some RedisCommandSending, tag: String) async throws -> Int {
        let names = ["s", "n", "l", "h", "z", "set", "x", "m1", "m2", "f", "missing"]
        return try await redis.del(names.map { RedisKey("\(tag):\($0)") })
    }
}
