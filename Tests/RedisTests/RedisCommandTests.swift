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

    func testEveryTableEntryIsFoundAndTheTableIsSorted() {
        for name in ReadOnlyCommands.names {
            XCTAssertTrue(ReadOnlyCommands.contains(name), name)
            XCTAssertTrue(ReadOnlyCommands.contains(name.lowercased()), name)
        }
        XCTAssertEqual(ReadOnlyCommands.packed, ReadOnlyCommands.packed.sorted())
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
