import RESP
import SwiftEV
import XCTest
@testable import Redis

/// `CommandRole.of` reads one-digit headers (`*3\r\n$3\r\nSET`) without its general loop; both
/// ways must give the same role and argument count, whatever the header widths.
final class CommandRoleTests: XCTestCase {
    private func role(_ arguments: [any RESPArgument]) -> (CommandRole, Int) {
        let of = CommandRole.of(RedisCommand(arguments).bytes)
        return (of.role, of.arguments)
    }

    func testRolesAndArgumentCountsOnBothSidesOfTheOneDigitHeaders() {
        let channels: (Int) -> [any RESPArgument] = { n in (0..<n).map { "ch\($0)" } }
        let cases: [([any RESPArgument], CommandRole, Int)] = [
            (["GET", "k"], .plain, 1),
            (["set", "k", "v"], .plain, 2),
            (["EXEC"], .exec, 0),
            (["exec"], .exec, 0),
            (["MULTI"], .multi, 0),
            (["Reset"], .reset, 0),
            (["DISCARD"], .exec, 0),
            (["SUBSCRIBE"] + channels(1), .subscribe, 1),
            (["subscribe"] + channels(8), .subscribe, 8),
            // Ten parts: a two-digit count, read by the loop.
            (["SUBSCRIBE"] + channels(9), .subscribe, 9),
            (["SUBSCRIBE"] + channels(12), .subscribe, 12),
            // Names of ten bytes and more: a two-digit length.
            (["PSUBSCRIBE", "p*"], .psubscribe, 1),
            (["ssubscribe", "s"], .ssubscribe, 1),
            (["UNSUBSCRIBE"], .unsubscribe, 0),
            (["PUNSUBSCRIBE"] + channels(11), .punsubscribe, 11),
            (["SUNSUBSCRIBE", "s"], .sunsubscribe, 1),
            (["MSET"] + channels(20), .plain, 20),
            // Nine-byte names that are not a role.
            (["ZREVRANGE", "z", 0, 1], .plain, 3),
            (["SUBSCRIBX", "c"], .plain, 1),
        ]
        for (arguments, expectedRole, expectedCount) in cases {
            let (role, count) = role(arguments)
            XCTAssertEqual(role, expectedRole, "\(arguments)")
            XCTAssertEqual(count, expectedCount, "\(arguments)")
        }
    }

    func testHeadersThatAreNotACommandArePlainWithoutArguments() {
        for text in ["", "*", "*1\r\n", "*1\r\n$9\r\nEXEC", "*x\r\n$4\r\nEXEC\r\n", "+OK\r\n", "*1\r\n$4\r\nEXE"] {
            let of = CommandRole.of(ByteBuffer(bytes: Array(text.utf8)))
            XCTAssertEqual(of.role, .plain, text.debugDescription)
            XCTAssertEqual(of.arguments, 0, text.debugDescription)
        }
    }
}
