import RESP
import SwiftEV
import XCTest
@testable import Redis

/// The generated encoders write exactly what the same command written word by word does:
/// tokens, optional parts, choices, repeated blocks, nested choices and computed counts.
final class TypedCommandEncodingTests: XCTestCase {
    func assertSame(_ typed: RedisCommand, _ raw: [any RESPArgument], file: StaticString = #filePath, line: UInt = #line) {
        let expected = RedisCommand(raw).bytes
        XCTAssertEqual(String(buffer: typed.bytes), String(buffer: expected), file: file, line: line)
    }

    func testPlainCommandsAndOptionalParts() {
        assertSame(.get("k"), ["GET", "k"])
        assertSame(.set("k", value: "v"), ["SET", "k", "v"])
        assertSame(.set("k", value: 42, condition: .nx, get: true, expiration: .milliseconds(1500)),
                   ["SET", "k", "42", "NX", "GET", "PX", 1500])
        assertSame(.set(RedisKey(ByteBuffer(string: "bin\r\nkey")), value: ByteBuffer(string: "v"), expiration: .keepttl),
                   ["SET", "bin\r\nkey", "v", "KEEPTTL"])
        assertSame(.lpos("l", element: "e", rank: -1, len: 10), ["LPOS", "l", "e", "RANK", -1, "MAXLEN", 10])
        assertSame(.zrange("z", start: "(1", stop: "+inf", sortby: .byscore, offsetCount: (offset: 0, count: 5), withscores: true),
                   ["ZRANGE", "z", "(1", "+inf", "BYSCORE", "LIMIT", 0, 5, "WITHSCORES"])
    }

    func testListsOfBlocksAndPerElementTokens() {
        assertSame(.hset("h", fields: [(field: "a", value: 1), (field: "b", value: 2)]), ["HSET", "h", "a", 1, "b", 2])
        assertSame(.mset([(key: "a", value: "1"), (key: "b", value: "2")]), ["MSET", "a", "1", "b", "2"])
        assertSame(.del(["a", "b", "c"]), ["DEL", "a", "b", "c"])
        assertSame(.zadd("z", condition: .xx, change: true, members: [(score: 1.5, member: "m")]), ["ZADD", "z", "XX", "CH", 1.5, "m"])
        assertSame(.sort("s", offsetCount: (offset: 1, count: 2), patterns: ["w_*", "#"], order: .desc, sorting: true, destination: "d"),
                   ["SORT", "s", "LIMIT", 1, 2, "GET", "w_*", "GET", "#", "DESC", "ALPHA", "STORE", "d"])
        assertSame(.xadd("s", nomkstream: true, trim: (strategy: .maxlen, operator: .approximately, threshold: "100", count: 10),
                         idOrAuto: .autoId, fields: [(field: "f", value: "v")]),
                   ["XADD", "s", "NOMKSTREAM", "MAXLEN", "~", "100", "LIMIT", 10, "*", "f", "v"])
        assertSame(.xread(count: 2, streams: (keys: ["a", "b"], ids: ["0", "$"])), ["XREAD", "COUNT", 2, "STREAMS", "a", "b", "0", "$"])
    }

    func testSubcommandsNestedChoicesAndComputedKeyCounts() {
        assertSame(.clientKill(.newFormats([.clientId(7), .normalMasterSlavePubsub(.pubsub), .yesNo("no")])),
                   ["CLIENT", "KILL", "ID", 7, "TYPE", "PUBSUB", "SKIPME", "no"])
        assertSame(.clientKill(.ipPort("127.0.0.1:1")), ["CLIENT", "KILL", "127.0.0.1:1"])
        assertSame(.bitfield("b", operations: [.encodingOffset(encoding: "u8", offset: 0),
                                               .write(wrapSatFail: .sat, writeOperation: .encodingOffsetIncrement(encoding: "i5", offset: 100, increment: 1))]),
                   ["BITFIELD", "b", "GET", "u8", 0, "OVERFLOW", "SAT", "INCRBY", "i5", 100, 1])
        assertSame(.eval(script: "return 1", keys: ["a", "b"], args: ["x"]), ["EVAL", "return 1", 2, "a", "b", "x"])
        assertSame(.eval(script: "return 1"), ["EVAL", "return 1", 0])
        assertSame(.configGet(["maxmemory", "port"]), ["CONFIG", "GET", "maxmemory", "port"])
        assertSame(.lmpop(["a", "b"], where: .left, count: 3), ["LMPOP", 2, "a", "b", "LEFT", "COUNT", 3])
        assertSame(.zunion(["a", "b"], weights: [1, 2], aggregate: .max, withscores: true),
                   ["ZUNION", 2, "a", "b", "WEIGHTS", 1, 2, "AGGREGATE", "MAX", "WITHSCORES"])
        assertSame(.geosearch("g", from: .longitudeLatitude(longitude: 15.0, latitude: 37.5), by: .box(width: 400, height: 300, unit: .km),
                              order: .asc, count: (count: 2, any: true), withdist: true),
                   ["GEOSEARCH", "g", "FROMLONLAT", 15.0, 37.5, "BYBOX", 400.0, 300.0, "KM", "ASC", "COUNT", 2, "ANY", "WITHDIST"])
        assertSame(.clusterSetslot(slot: 7, subcommand: .migrating("abc")), ["CLUSTER", "SETSLOT", 7, "MIGRATING", "abc"])
        assertSame(.clientList(id: [1, 2]), ["CLIENT", "LIST", "ID", 1, 2])
        assertSame(.objectEncoding("k"), ["OBJECT", "ENCODING", "k"])
    }

    func testReadOnlyComesFromTheCommandTableLikeTheRawForm() {
        XCTAssertTrue(RedisCommand.get("k").isReadOnly)
        XCTAssertTrue(RedisCommand.objectEncoding("k").isReadOnly)
        XCTAssertTrue(RedisCommand.ping().isReadOnly, "a side-effect-free connection command")
        XCTAssertFalse(RedisCommand.set("k", value: "v").isReadOnly)
        XCTAssertEqual(RedisCommand.clientKill(.ipPort("x")).name, "CLIENT")
    }

    func testKeysCompareByTheirBytes() {
        XCTAssertEqual(RedisKey("k"), RedisKey(ByteBuffer(string: "k")))
        XCTAssertEqual(Set<RedisKey>(["a", RedisKey(ByteBuffer(string: "a"))]).count, 1)
        XCTAssertNotEqual(RedisKey("a"), "b")
        XCTAssertEqual("\(RedisKey("user:\(7)"))", "user:7")
    }
}
