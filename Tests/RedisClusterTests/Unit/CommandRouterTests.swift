import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

final class CommandRouterTests: XCTestCase {
    func positions(_ arguments: any RESPArgument...) -> [Int] {
        CommandRouter.keyPositions(in: RedisCommand(arguments))
    }

    func route(_ arguments: any RESPArgument...) -> CommandRoute {
        CommandRouter.route(RedisCommand(arguments))
    }

    func testIndexWithARangeOfOne() {
        XCTAssertEqual(positions("GET", "k"), [1])
        XCTAssertEqual(route("get", "user:42"), .slot(HashSlot.slot(forKey: "user:42")))
        XCTAssertEqual(positions("SET", "k", "v", "EX", 10), [1])
        XCTAssertEqual(positions("OBJECT", "ENCODING", "k"), [2], "a subcommand's key spec")
        XCTAssertEqual(positions("XINFO", "STREAM", "s", "FULL"), [2])
    }

    func testRangeToTheEndAndWithAStep() {
        XCTAssertEqual(positions("MGET", "a", "b", "c"), [1, 2, 3])
        XCTAssertEqual(positions("DEL", "a"), [1])
        XCTAssertEqual(positions("MSET", "a", 1, "b", 2, "c", 3), [1, 3, 5])
        XCTAssertEqual(positions("BLPOP", "a", "b", 0), [1, 2], "lastkey -2: the timeout is not a key")
        XCTAssertEqual(positions("RENAME", "a", "b"), [1, 2], "two specs of one key each")
    }

    func testKeywordSearchWithALimit() {
        // XREAD … STREAMS k1 k2 id1 id2: half of what follows the keyword.
        XCTAssertEqual(positions("XREAD", "COUNT", 2, "STREAMS", "s1", "s2", "0", "0"), [4, 5])
        XCTAssertEqual(positions("xread", "streams", "s1", "0"), [2], "the keyword matches in any case")
        XCTAssertEqual(positions("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"), [5])
        XCTAssertEqual(positions("XREAD", "COUNT", 2), [], "no keyword, no keys")
    }

    func testKeywordSearchBackwardsFromTheEnd() {
        // MIGRATE host port "" db timeout KEYS k1 k2: searched from the end.
        XCTAssertEqual(positions("MIGRATE", "127.0.0.1", 1, "", 0, 5000, "KEYS", "a", "b"), [7, 8], "the \"\" placeholder is no key")
        XCTAssertEqual(positions("MIGRATE", "127.0.0.1", 1, "k", 0, 5000), [3])
    }

    func testKeyCountSpecs() {
        XCTAssertEqual(positions("EVAL", "return 1", 2, "a", "b", "arg"), [3, 4])
        XCTAssertEqual(positions("EVAL", "return 1", 0, "arg"), [], "numkeys 0")
        XCTAssertEqual(route("EVAL", "return 1", 0), .keyless)
        XCTAssertEqual(positions("ZUNIONSTORE", "dest", 2, "a", "b", "WEIGHTS", 1, 2), [1, 3, 4])
        XCTAssertEqual(positions("LMPOP", 2, "a", "b", "LEFT"), [2, 3])
        XCTAssertEqual(positions("EVAL", "return 1", "x", "a"), [], "a key count that is not a number")
        XCTAssertEqual(positions("EVAL", "return 1", 5, "a"), [], "more keys than arguments")
    }

    func testSortStoreAndNotKeys() {
        XCTAssertEqual(positions("SORT", "k", "BY", "store", "LIMIT", 0, 5, "STORE", "d"), [1, 8])
        XCTAssertEqual(positions("SORT", "k", "GET", "#"), [1])
        // Shard channels are not keys for COMMAND GETKEYS, but route by their slot.
        XCTAssertEqual(positions("SPUBLISH", "ch", "m"), [])
        XCTAssertEqual(route("SPUBLISH", "ch", "m"), .slot(HashSlot.slot(forKey: "ch")))
    }

    func testSlotsAgreeOrCross() {
        XCTAssertEqual(route("MGET", "{u1}a", "{u1}b"), .slot(HashSlot.slot(forKey: "u1")))
        XCTAssertEqual(route("MSET", "a", 1, "b", 2), .crossSlot([
            .init(key: "a", slot: HashSlot.slot(forKey: "a")), .init(key: "b", slot: HashSlot.slot(forKey: "b")),
        ]))
        XCTAssertEqual(route("PING"), .keyless)
        XCTAssertEqual(route("CLIENT", "KILL", "ID", 1), .keyless)
        XCTAssertEqual(route("NOSUCHCOMMAND", "k"), .keyless)
    }

    func testKeysAreReadBack() {
        XCTAssertEqual(CommandRouter.keys(in: RedisCommand("MSET", "a", 1, "b\r\n", 2)), [Array("a".utf8), Array("b\r\n".utf8)])
    }

    func testMalformedEncodingsRouteAsKeyless() {
        for text in ["", "*", "*2\r\n$3\r\nGET\r\n", "*2\r\n$3\r\nGET\r\n$5\r\nk\r\n", "*99999999999\r\n$3\r\nGET\r\n", "*2\r\n$3\r\nGET\r\n$-1\r\n"] {
            let command = RedisCommand(bytes: ByteBuffer(string: text), isReadOnly: false)
            XCTAssertEqual(CommandRouter.route(command), .keyless, text.debugDescription)
            XCTAssertEqual(CommandRouter.keyPositions(in: command), [], text.debugDescription)
        }
    }
}
