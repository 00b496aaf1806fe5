import XCTest
@testable import RESP
import SwiftEV

final class RESPEncodingTests: XCTestCase {
    static let samples: [RESPValue] = [
        .simpleString("OK"), .simpleString(""), .simpleError("ERR unknown command 'FOO'"),
        .integer(0), .integer(-1), .integer(.max), .integer(.min),
        .bulkString("hello"), .bulkString(""), .bulkString(nil), .bulkString(ByteBuffer(bytes: [0, 13, 10, 255])),
        .array([]), .array(nil), .array([.integer(1), .array([.bulkString("x")])]),
        .null, .boolean(true), .boolean(false),
        .double(0), .double(-0.0), .double(1.5), .double(-1e-300), .double(1e300), .double(0.1), .double(.pi),
        .double(.infinity), .double(-.infinity), .double(.nan), .double(.leastNonzeroMagnitude),
        .bigNumber("123456789012345678901234567890"), .bigNumber("-1"),
        .bulkError("SYNTAX invalid syntax"), .verbatimString(format: "txt", text: "Some string"),
        .map([]), .map([(key: .simpleString("a"), value: .integer(1)), (key: .bulkString("b"), value: .map([]))]),
        .set([.integer(1), .simpleString("two")]), .set([]),
        .attribute([(key: .simpleString("ttl"), value: .integer(5))], value: .bulkString("v")),
        .push([.bulkString("invalidate"), .array([.bulkString("key")])]),
    ]

    func testRoundTrip() throws {
        for value in Self.samples {
            var out = ByteBuffer()
            value.encode(into: &out)
            XCTAssertEqual(try decodeAll(out.readableBytesArray), [value], String(buffer: out).debugDescription)
        }
        // All at once, back to back.
        var all = ByteBuffer()
        for value in Self.samples { value.encode(into: &all) }
        XCTAssertEqual(try decodeAll(all.readableBytesArray), Self.samples)
    }

    func testEncodedBytes() {
        XCTAssertEqual(encoded(.simpleString("OK")), "+OK\r\n")
        XCTAssertEqual(encoded(.integer(-5)), ":-5\r\n")
        XCTAssertEqual(encoded(.integer(.min)), ":-9223372036854775808\r\n")
        XCTAssertEqual(encoded(.bulkString(nil)), "$-1\r\n")
        XCTAssertEqual(encoded(.array(nil)), "*-1\r\n")
        XCTAssertEqual(encoded(.bulkString("")), "$0\r\n\r\n")
        XCTAssertEqual(encoded(.double(.infinity)), ",inf\r\n")
        XCTAssertEqual(encoded(.double(-.infinity)), ",-inf\r\n")
        XCTAssertEqual(encoded(.double(.nan)), ",nan\r\n")
        XCTAssertEqual(encoded(.double(1.5)), ",1.5\r\n")
        XCTAssertEqual(encoded(.boolean(true)), "#t\r\n")
        XCTAssertEqual(encoded(.null), "_\r\n")
        XCTAssertEqual(encoded(.verbatimString(format: "txt", text: "hi")), "=6\r\ntxt:hi\r\n")
        XCTAssertEqual(encoded(.map([(key: .simpleString("a"), value: .integer(1))])), "%1\r\n+a\r\n:1\r\n")
        XCTAssertEqual(encoded(.attribute([], value: .null)), "|0\r\n_\r\n")
        XCTAssertEqual(encoded(.push([.integer(1)])), ">1\r\n:1\r\n")
        XCTAssertEqual(encoded(.set([.integer(1)])), "~1\r\n:1\r\n")
        XCTAssertEqual(encoded(.bulkError("ERR x")), "!5\r\nERR x\r\n")
        XCTAssertEqual(encoded(.bigNumber("-12")), "(-12\r\n")
    }

    func testCommandWithParameterPack() {
        var out = ByteBuffer()
        out.writeRESPCommand("SET", "key", ByteBuffer(string: "value"), 42)
        XCTAssertEqual(String(buffer: out), "*4\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n$2\r\n42\r\n")
        out.clear()
        out.writeRESPCommand("PING")
        XCTAssertEqual(String(buffer: out), "*1\r\n$4\r\nPING\r\n")
    }

    func testArgumentKinds() {
        func bulk(_ argument: some RESPArgument) -> String {
            var out = ByteBuffer()
            out.writeRESPBulk(argument)
            return String(buffer: out)
        }
        XCTAssertEqual(bulk(""), "$0\r\n\r\n")
        XCTAssertEqual(bulk("héllo"), "$6\r\nhéllo\r\n")
        XCTAssertEqual(bulk("a:b:c".split(separator: ":")[1]), "$1\r\nb\r\n")
        var raw = ByteBuffer()
        raw.writeRESPBulk([UInt8]([0, 255, 13]))
        XCTAssertEqual(raw.readableBytesArray, Array("$3\r\n".utf8) + [0, 255, 13, 13, 10])
        XCTAssertEqual(bulk(Int.min), "$20\r\n-9223372036854775808\r\n")
        XCTAssertEqual(bulk(Int64(-1)), "$2\r\n-1\r\n")
        XCTAssertEqual(bulk(Int32(7)), "$1\r\n7\r\n")
        XCTAssertEqual(bulk(UInt64.max), "$20\r\n18446744073709551615\r\n")
        XCTAssertEqual(bulk(UInt32(0)), "$1\r\n0\r\n")
        XCTAssertEqual(bulk(UInt(10)), "$2\r\n10\r\n")
        XCTAssertEqual(bulk(2.5), "$3\r\n2.5\r\n")
        XCTAssertEqual(bulk(Double.infinity), "$3\r\ninf\r\n")
        XCTAssertEqual(bulk([UInt8]([1, 2])[1...]), "$1\r\n\u{2}\r\n")
    }

    func testDynamicCommandAndHeaderThenArguments() {
        var out = ByteBuffer()
        var args: [any RESPArgument] = ["DEL"]
        args.append(contentsOf: ["a", "b"] as [any RESPArgument])
        out.writeRESPCommand(args)
        XCTAssertEqual(String(buffer: out), "*3\r\n$3\r\nDEL\r\n$1\r\na\r\n$1\r\nb\r\n")

        out.clear()
        let ttl: Int? = 60
        out.writeRESPArrayHeader(count: 3 + (ttl == nil ? 0 : 2))
        out.writeRESPBulk("SET")
        out.writeRESPBulk("k")
        out.writeRESPBulk("v")
        if let ttl {
            out.writeRESPBulk("EX")
            out.writeRESPBulk(ttl)
        }
        XCTAssertEqual(String(buffer: out), "*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nEX\r\n$2\r\n60\r\n")
    }

    func testCommandDecodesAsArrayOfBulkStrings() throws {
        var out = ByteBuffer()
        let big = ByteBuffer(bytes: (0..<5000).map { UInt8(truncatingIfNeeded: $0) })
        out.writeRESPCommand("SET", "k", big)
        var decoder = RESPDecoder()
        XCTAssertEqual(try decoder.decode(&out), .array([.bulkString("SET"), .bulkString("k"), .bulkString(big)]))
    }
}
