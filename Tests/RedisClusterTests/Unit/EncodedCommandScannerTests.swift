import Redis
import XCTest
@testable import RedisCluster

/// The scanner's header fast path (one- and two-digit lengths) and its limits on truncated input.
final class EncodedCommandScannerTests: XCTestCase {
    func scan(_ text: String) -> [String]? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            var scanner = EncodedCommandScanner(UnsafeBufferPointer(buffer))
            guard let count = scanner.arrayCount() else { return nil }
            var words: [String] = []
            for _ in 0..<count {
                guard let bulk = scanner.nextBulk() else { return nil }
                words.append(String(decoding: bulk, as: UTF8.self))
            }
            return words
        }
    }

    func testOneAndManyDigitLengths() {
        XCTAssertEqual(scan("*2\r\n$3\r\nGET\r\n$12\r\nkey:00000001\r\n"), ["GET", "key:00000001"])
        XCTAssertEqual(scan("*1\r\n$0\r\n\r\n"), [""])
        XCTAssertEqual(scan("*10\r\n" + String(repeating: "$1\r\nx\r\n", count: 10)), Array(repeating: "x", count: 10))
    }

    func testTruncatedOrMalformedHeadersAreRefused() {
        XCTAssertNil(scan("*2\r\n$3\r\nGET\r\n$1\r"), "header cut after its digit")
        XCTAssertNil(scan("*2\r\n$3\r\nGET\r\n$5\r\nab\r\n"), "bulk longer than the bytes left")
        XCTAssertNil(scan("*1\r\n$x\r\nGET\r\n"), "not a digit")
        XCTAssertNil(scan("*1\r\n$\r\n\r\n"), "no digit")
        XCTAssertNil(scan("$3\r\nGET\r\n"), "not an array")
    }

    func testTwoDigitFastPathAndTheLoopAgreeAtTheirEdges() {
        // 9, 10 and 99 take the fast path, 100 the loop: each reads exactly its bulk.
        for length in [9, 10, 11, 99, 100, 101, 1000] {
            let key = String(repeating: "k", count: length)
            XCTAssertEqual(scan("*2\r\n$3\r\nGET\r\n$\(length)\r\n\(key)\r\n"), ["GET", key], "length \(length)")
        }
        XCTAssertEqual(scan("*12\r\n" + String(repeating: "$2\r\nxy\r\n", count: 12)), Array(repeating: "xy", count: 12))
        XCTAssertEqual(scan("*1\r\n$05\r\nhello\r\n"), ["hello"], "a leading zero reads as the loop reads it")
        XCTAssertEqual(scan("*1\r\n$005\r\nhello\r\n"), ["hello"])
    }
    func testTwoDigitHeadersCutOrMalformedFallBackAndAreRefused() {
        XCTAssertNil(scan("*2\r\n$3\r\nGET\r\n$12\r"), "two-digit header cut before its \\n")
        XCTAssertNil(scan("*2\r\n$3\r\nGET\r\n$12"), "two-digit header cut after its digits")
        XCTAssertNil(scan("*1\r\n$1x\r\nabc\r\n"), "a digit, then neither a digit nor \\r")
        XCTAssertNil(scan("*1\r\n$12x\r\nkey:00000001\r\n"), "two digits, then not \\r")
        XCTAssertNil(scan("*1\r\n$10\r\nshort\r\n"), "two-digit length past the end")
        XCTAssertNil(scan("*1\r\n$-1\r\n"), "a null bulk is no argument")
        XCTAssertNil(scan("*1\r\n$1234567890123456789\r\nx\r\n"), "19 digits")
    }

    func testRoutesKeysOfEveryHeaderWidthLikeTheirSlot() {
        for length in [0, 1, 9, 10, 99, 100, 1000] {
            let key = String((0..<length).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
            XCTAssertEqual(CommandRouter.route(RedisCommand("GET", key)), .slot(HashSlot.slot(forKey: key)), "length \(length)")
            XCTAssertEqual(CommandRouter.route(RedisCommand("SET", key, key)), .slot(HashSlot.slot(forKey: key)), "length \(length)")
        }
    }
}
