import XCTest
@testable import RedisCluster

/// The scanner's header fast path (one-digit lengths) and its limits on truncated input.
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
}
