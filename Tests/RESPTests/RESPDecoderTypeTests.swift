import XCTest
@testable import RESP
import SwiftEV

final class RESPDecoderTypeTests: XCTestCase {
    func testSimpleStringAndError() throws {
        XCTAssertEqual(try decodeOne("+OK\r\n"), .simpleString("OK"))
        XCTAssertEqual(try decodeOne("+\r\n"), .simpleString(""))
        let error = try decodeOne("-WRONGTYPE Operation against a key\r\n")
        XCTAssertEqual(error, .simpleError("WRONGTYPE Operation against a key"))
        XCTAssertEqual(error.errorCode, "WRONGTYPE")
        XCTAssertEqual(error.errorMessage, "Operation against a key")
        XCTAssertTrue(error.isError)
        XCTAssertEqual(try decodeOne("-ERR\r\n").errorMessage, "")
        XCTAssertNil(RESPValue.simpleString("ERR x").errorCode)
    }

    func testIntegers() throws {
        XCTAssertEqual(try decodeOne(":0\r\n"), .integer(0))
        XCTAssertEqual(try decodeOne(":1000\r\n"), .integer(1000))
        XCTAssertEqual(try decodeOne(":-42\r\n"), .integer(-42))
        XCTAssertEqual(try decodeOne(":+7\r\n"), .integer(7))
        XCTAssertEqual(try decodeOne(":9223372036854775807\r\n"), .integer(.max))
        XCTAssertEqual(try decodeOne(":-9223372036854775808\r\n"), .integer(.min))
    }

    func testBulkStrings() throws {
        XCTAssertEqual(try decodeOne("$5\r\nhello\r\n"), .bulkString("hello"))
        XCTAssertEqual(try decodeOne("$0\r\n\r\n"), .bulkString(""))
        XCTAssertEqual(try decodeOne("$-1\r\n"), .bulkString(nil))
        XCTAssertTrue(try decodeOne("$-1\r\n").isNull)
        // Payloads are binary: CR, LF and NUL inside are data.
        let binary = try decodeOne("$6\r\na\r\nb\0c\r\n")
        XCTAssertEqual(binary, .bulkString(ByteBuffer(bytes: [97, 13, 10, 98, 0, 99])))
    }

    func testArrays() throws {
        XCTAssertEqual(try decodeOne("*0\r\n"), .array([]))
        XCTAssertEqual(try decodeOne("*-1\r\n"), .array(nil))
        XCTAssertEqual(
            try decodeOne("*3\r\n:1\r\n$3\r\nfoo\r\n$-1\r\n"),
            .array([.integer(1), .bulkString("foo"), .bulkString(nil)])
        )
        XCTAssertEqual(
            try decodeOne("*2\r\n*2\r\n:1\r\n:2\r\n*0\r\n"),
            .array([.array([.integer(1), .integer(2)]), .array([])])
        )
    }

    func testNullAndBoolean() throws {
        XCTAssertEqual(try decodeOne("_\r\n"), .null)
        XCTAssertTrue(try decodeOne("_\r\n").isNull)
        XCTAssertEqual(try decodeOne("#t\r\n"), .boolean(true))
        XCTAssertEqual(try decodeOne("#f\r\n"), .boolean(false))
    }

    func testDoubles() throws {
        let cases: [(String, Double)] = [
            ("1.5", 1.5), ("-2", -2), ("10", 10), ("0", 0), ("3.14159", 3.14159), (".5", 0.5), ("5.", 5),
            ("1e3", 1000), ("1.5E-3", 0.0015), ("-1.2e+2", -120), ("1e-400", 0), ("1.7976931348623157e308", .greatestFiniteMagnitude),
            ("123456789012345678901234567890", 1.2345678901234568e29), ("0.1", 0.1),
            ("inf", .infinity), ("-inf", -.infinity), ("+inf", .infinity), ("INF", .infinity),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try decodeOne(",\(text)\r\n"), .double(expected), text)
        }
        guard case .double(let nan) = try decodeOne(",nan\r\n") else { return XCTFail("not a double") }
        XCTAssertTrue(nan.isNaN)
        guard case .double(let huge) = try decodeOne(",1e999\r\n") else { return XCTFail("not a double") }
        XCTAssertEqual(huge, .infinity)
    }

    func testBigNumber() throws {
        XCTAssertEqual(try decodeOne("(3492890328409238509324850943850943825024385\r\n"), .bigNumber("3492890328409238509324850943850943825024385"))
        XCTAssertEqual(try decodeOne("(-12\r\n"), .bigNumber("-12"))
    }

    func testBulkErrorAndVerbatim() throws {
        let error = try decodeOne("!21\r\nSYNTAX invalid syntax\r\n")
        XCTAssertEqual(error, .bulkError("SYNTAX invalid syntax"))
        XCTAssertEqual(error.errorCode, "SYNTAX")
        XCTAssertEqual(error.errorMessage, "invalid syntax")
        XCTAssertEqual(try decodeOne("=15\r\ntxt:Some string\r\n"), .verbatimString(format: "txt", text: "Some string"))
        XCTAssertEqual(try decodeOne("=4\r\nmkd:\r\n"), .verbatimString(format: "mkd", text: ""))
    }

    func testMapKeepsOrder() throws {
        let value = try decodeOne("%3\r\n+z\r\n:1\r\n+a\r\n:2\r\n$1\r\nm\r\n*1\r\n#t\r\n")
        guard case .map(let pairs) = value else { return XCTFail("not a map: \(value)") }
        XCTAssertEqual(pairs.map(\.key), [.simpleString("z"), .simpleString("a"), .bulkString("m")])
        XCTAssertEqual(pairs.map(\.value), [.integer(1), .integer(2), .array([.boolean(true)])])
        XCTAssertEqual(try decodeOne("%0\r\n"), .map([]))
    }

    func testSetAndPush() throws {
        XCTAssertEqual(try decodeOne("~3\r\n+a\r\n:1\r\n#f\r\n"), .set([.simpleString("a"), .integer(1), .boolean(false)]))
        XCTAssertEqual(try decodeOne("~0\r\n"), .set([]))
        XCTAssertEqual(
            try decodeOne(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"),
            .push([.bulkString("message"), .bulkString("ch"), .bulkString("hi")])
        )
        XCTAssertEqual(try decodeOne(">0\r\n"), .push([]))
    }

    func testAttributeWrapsFollowingValue() throws {
        let top = try decodeOne("|1\r\n+key-popularity\r\n*2\r\n$1\r\na\r\n,0.1923\r\n*2\r\n:2039123\r\n:9543892\r\n")
        XCTAssertEqual(top, .attribute(
            [(key: .simpleString("key-popularity"), value: .array([.bulkString("a"), .double(0.1923)]))],
            value: .array([.integer(2_039_123), .integer(9_543_892)])
        ))
        XCTAssertEqual(top.withoutAttributes, .array([.integer(2_039_123), .integer(9_543_892)]))
        // Inside an aggregate the attribute takes no element slot of its own.
        let nested = try decodeOne("*2\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n:2\r\n")
        XCTAssertEqual(nested, .array([.integer(1), .attribute([(key: .simpleString("ttl"), value: .integer(3600))], value: .integer(2))]))
        XCTAssertEqual(try decodeOne("|0\r\n+x\r\n"), .attribute([], value: .simpleString("x")))
    }

    func testDeeplyMixedNesting() throws {
        let wire = "*3\r\n%1\r\n+k\r\n~2\r\n:1\r\n*1\r\n_\r\n>1\r\n=7\r\ntxt:abc\r\n(1\r\n"
        let expected: RESPValue = .array([
            .map([(key: .simpleString("k"), value: .set([.integer(1), .array([.null])]))]),
            .push([.verbatimString(format: "txt", text: "abc")]),
            .bigNumber("1"),
        ])
        XCTAssertEqual(try decodeOne(wire), expected)
    }

    func testDescription() throws {
        XCTAssertEqual(RESPValue.array([.bulkString("a"), .integer(1), .null]).description, "[\"a\", (integer) 1, (nil)]")
        XCTAssertEqual(RESPValue.simpleError("ERR x").description, "(error) ERR x")
        XCTAssertEqual(RESPValue.map([(key: .simpleString("k"), value: .boolean(true))]).description, "{\"k\": (true)}")
        let long = RESPValue.bulkString(ByteBuffer(string: String(repeating: "x", count: 100)))
        XCTAssertTrue(long.description.hasSuffix("…(100 bytes)\""), long.description)
        XCTAssertEqual(RESPValue.bulkString("a\r\n").description, "\"a\\r\\n\"")
    }

    func testEqualityAndHashing() {
        XCTAssertNotEqual(RESPValue.simpleString("OK"), .bulkString("OK"))
        XCTAssertEqual(RESPValue.double(.nan), .double(.nan))
        XCTAssertEqual(RESPValue.double(.nan).hashValue, RESPValue.double(-.nan).hashValue)
        XCTAssertNotEqual(RESPValue.map([(key: .integer(1), value: .integer(2))]), .map([(key: .integer(2), value: .integer(1))]))
        let set: Set<RESPValue> = [.integer(1), .integer(1), .bulkString("x"), .bulkString(nil), .array(nil), .null]
        XCTAssertEqual(set.count, 5)
    }
}
