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
}
