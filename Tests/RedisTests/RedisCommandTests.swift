import RESP
import SwiftEV
import XCTest
@testable import Redis

final class RedisCommandTests: XCTestCase {
    func testReadOnlyFlagComesFromTheCommandTableCaseInsensitively() {
        XCTAssertTrue(RedisCommand("GET", "k").isReadOnly)
        XCTAssertTrue(RedisCommand("get", "k").isReadOnly)
        XCTAssertTrue(RedisCommand("zRangeByScore", "k", 0, 1).isReadOnly)
        XCTAssertFalse(RedisCommand("SET", "k", "v").isReadOnly)
        XCTAssertFalse(RedisCommand("GETDEL", "k").isReadOnly, "a prefix of a read-only name is not read-only")
        XCTAssertFalse(RedisCommand("GE").isReadOnly)
        XCTAssertTrue(RedisCommand("GEORADIUSBYMEMBER_RO", "k", "m", 1, "km").isReadOnly)
        XCTAssertFalse(RedisCommand("GEORADIUSBYMEMBER", "k", "m", 1, "km").isReadOnly, "same first 16 letters, a write")
        XCTAssertFalse(RedisCommand("A_VERY_LONG_COMMAND_NAME_BEYOND_24").isReadOnly)
        XCTAssertTrue(RedisCommand("SET", "k", "v", readOnly: true).isReadOnly, "an explicit flag wins")
    }

    func testReadOnlyResolvesSubcommandsAndKeepsTheConnectionLevelExtras() {
        XCTAssertTrue(RedisCommand("OBJECT", "ENCODING", "k").isReadOnly)
        XCTAssertTrue(RedisCommand("xinfo", "stream", "s").isReadOnly)
        XCTAssertFalse(RedisCommand("CLIENT", "KILL", "ID", 1).isReadOnly)
        XCTAssertFalse(RedisCommand("XINFO").isReadOnly, "a container alone is not flagged")
        XCTAssertFalse(RedisCommand("OBJECT", "NOSUCHSUB", "k").isReadOnly, "an unknown subcommand counts as a write")
        for extra in ["PING", "ECHO", "INFO", "TIME", "LASTSAVE"] {
            XCTAssertTrue(RedisCommand([extra]).isReadOnly, "\(extra): not flagged readonly by the server, but side-effect free")
        }
        XCTAssertTrue(RedisCommand("MEMORY", "STATS").isReadOnly)
        XCTAssertFalse(RedisCommand("FLUSHALL").isReadOnly)
        XCTAssertFalse(RedisCommand("EVAL", "return 1", 0).isReadOnly)
        XCTAssertTrue(RedisCommand("EVAL_RO", "return 1", 0).isReadOnly)
    }

    func testEveryReadOnlyExtraNamesACommandOfTheTable() {
        for name in CommandTable.readOnlyExtras {
            XCTAssertNotNil(CommandTable.spec(named: name), name)
        }
    }

    func testEncodingAndNameReadBack() {
        let command = RedisCommand("hset", "h", "f", 42)
        XCTAssertEqual(String(buffer: command.bytes), "*4\r\n$4\r\nhset\r\n$1\r\nh\r\n$1\r\nf\r\n$2\r\n42\r\n")
        XCTAssertEqual(command.name, "HSET")
        XCTAssertEqual(RedisCommand(["client", "setname", "x"]).name, "CLIENT")
        XCTAssertFalse(RedisCommand(["client", "setname", "x"]).isReadOnly)
        XCTAssertEqual(RedisCommand(["TTL", "k"]).isReadOnly, true)
    }

    func testOneToThreeArgumentFormsEncodeLikeTheOthers() {
        let bytes = ByteBuffer(string: "b\r\nytes")
        let key = RedisKey("user:42")
        let forms: [(fixed: RedisCommand, array: RedisCommand)] = [
            (RedisCommand("GET", key), RedisCommand(["GET", key])),
            (RedisCommand("SET", "k", bytes), RedisCommand(["SET", "k", bytes])),
            (RedisCommand("HSET", "h", 1.5, [UInt8](repeating: 7, count: 40)), RedisCommand(["HSET", "h", 1.5, [UInt8](repeating: 7, count: 40)])),
            (RedisCommand("EXPIRE", Substring("k"), Int64(-3)), RedisCommand(["EXPIRE", Substring("k"), Int64(-3)])),
            (RedisCommand("PING"), RedisCommand(["PING"])),
            (RedisCommand("MSET", "a", 1, "b", 2), RedisCommand(["MSET", "a", 1, "b", 2])),
        ]
        for (fixed, array) in forms {
            XCTAssertEqual(fixed.bytes, array.bytes, String(buffer: array.bytes).debugDescription)
            XCTAssertEqual(fixed.isReadOnly, array.isReadOnly, fixed.name)
        }
        XCTAssertEqual(String(buffer: RedisCommand("SET", "k", bytes).bytes), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$7\r\nb\r\nytes\r\n")
        XCTAssertTrue(RedisCommand("SET", "k", "v", readOnly: true).isReadOnly, "the flag reaches the two-argument form")
        XCTAssertFalse(RedisCommand("GET", "k", readOnly: false).isReadOnly, "and the one-argument form")
        XCTAssertTrue(RedisCommand("HSET", "h", "f", "v", readOnly: true).isReadOnly, "and the three-argument form")
    }
}
