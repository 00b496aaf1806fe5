import XCTest
@testable import RESP
import SwiftEV

final class RESPProtocolErrorTests: XCTestCase {
    private func expect(_ input: String, _ kind: RESPProtocolError.Kind, offset: Int? = nil, limits: RESPDecoder.Limits = .default,
                        file: StaticString = #filePath, line: UInt = #line) {
        guard let error = protocolError(input, limits: limits, file: file, line: line) else { return }
        XCTAssertEqual(error.kind, kind, input.debugDescription, file: file, line: line)
        if let offset { XCTAssertEqual(error.offset, offset, "offset", file: file, line: line) }
    }

    func testMalformedInput() {
        expect("?x\r\n", .unknownType(byte: UInt8(ascii: "?")), offset: 0)
        expect("GET key\r\n", .unknownType(byte: UInt8(ascii: "G")))
        expect(":12a\r\n", .invalidInteger(byte: UInt8(ascii: "a")), offset: 3)
        expect(":\r\n", .invalidInteger(byte: nil))
        expect(":-\r\n", .invalidInteger(byte: nil))
        expect(": 1\r\n", .invalidInteger(byte: UInt8(ascii: " ")))
        expect(":99999999999999999999\r\n", .integerOverflow)
        expect(":9223372036854775808\r\n", .integerOverflow)
        expect(":-9223372036854775809\r\n", .integerOverflow)
        expect("$99999999999999999999999\r\n", .integerOverflow)
        expect("$-5\r\n", .negativeLength(-5))
        expect("*-2\r\n", .negativeLength(-2))
        expect("%-1\r\n", .negativeLength(-1))
        expect("!-1\r\n", .negativeLength(-1))
        expect("$x\r\n", .invalidInteger(byte: UInt8(ascii: "x")))
        expect("#x\r\n", .invalidBoolean)
        expect("#tt\r\n", .invalidBoolean)
        expect("#\r\n", .invalidBoolean)
        expect("_x\r\n", .invalidNull)
        for bad in ["", "abc", "1.2.3", "1e", "1e+", "--1", "0x10", "infinity", " 1", "1 ", "e5", ".", "nan(1)"] {
            expect(",\(bad)\r\n", .invalidDouble)
        }
        expect("(12a\r\n", .invalidBigNumber)
        expect("(\r\n", .invalidBigNumber)
        expect("(-\r\n", .invalidBigNumber)
        expect("=3\r\ntxt\r\n", .invalidVerbatimString)
        expect("=5\r\ntxtxy\r\n", .invalidVerbatimString)
        expect("=5\r\nt\u{E9}:x\r\n", .invalidVerbatimString)
    }

    func testBadTerminators() {
        expect("+OK\rX", .invalidTerminator(byte: UInt8(ascii: "X")), offset: 4)
        expect("+OK\n", .invalidTerminator(byte: UInt8(ascii: "\n")), offset: 3)
        expect(":1\r\r\n", .invalidTerminator(byte: UInt8(ascii: "\r")))
        expect("$3\r\nabcde", .invalidTerminator(byte: UInt8(ascii: "d")), offset: 7)
        expect("$3\r\nabc\rx", .invalidTerminator(byte: UInt8(ascii: "x")), offset: 8)
        // Offsets count from the start of the stream, across earlier values.
        expect("+OK\r\n:1\r\n:x\r\n", .invalidInteger(byte: UInt8(ascii: "x")), offset: 10)
    }

    func testDepthLimit() throws {
        let limits = RESPDecoder.Limits(maxDepth: 3)
        XCTAssertEqual(try decodeOne("*1\r\n*1\r\n*1\r\n:1\r\n", limits: limits), .array([.array([.array([.integer(1)])])]))
        expect("*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", .tooDeep(limit: 3), offset: 12, limits: limits)
        expect("*1\r\n%1\r\n|1\r\n~0\r\n", .tooDeep(limit: 3), limits: limits)
        // Default: 128 levels decode, 129 do not.
        XCTAssertNoThrow(try decodeOne(String(repeating: "*1\r\n", count: 128) + ":1\r\n"))
        expect(String(repeating: "*1\r\n", count: 129) + ":1\r\n", .tooDeep(limit: 128))
    }

    func testAggregateLengthLimit() throws {
        let limits = RESPDecoder.Limits(maxAggregateLength: 4)
        XCTAssertNoThrow(try decodeOne("*4\r\n:1\r\n:2\r\n:3\r\n:4\r\n", limits: limits))
        expect("*5\r\n", .aggregateTooLong(count: 5, limit: 4), limits: limits)
        expect("~5\r\n", .aggregateTooLong(count: 5, limit: 4), limits: limits)
        expect(">5\r\n", .aggregateTooLong(count: 5, limit: 4), limits: limits)
        // Maps count pairs.
        XCTAssertNoThrow(try decodeOne("%4\r\n" + String(repeating: ":1\r\n", count: 8), limits: limits))
        expect("%5\r\n", .aggregateTooLong(count: 5, limit: 4), limits: limits)
        expect("*16777217\r\n", .aggregateTooLong(count: 16_777_217, limit: 1 << 24))
        expect("%9223372036854775807\r\n", .aggregateTooLong(count: .max, limit: .max), limits: .init(maxAggregateLength: .max))
    }

    func testBulkLengthLimit() throws {
        let limits = RESPDecoder.Limits(maxBulkLength: 10)
        XCTAssertNoThrow(try decodeOne("$10\r\n0123456789\r\n", limits: limits))
        expect("$11\r\n", .bulkTooLong(length: 11, limit: 10), limits: limits)
        expect("!11\r\n", .bulkTooLong(length: 11, limit: 10), limits: limits)
        expect("=11\r\n", .bulkTooLong(length: 11, limit: 10), limits: limits)
        expect("$536870913\r\n", .bulkTooLong(length: 536_870_913, limit: 536_870_912))
    }

    func testLineLengthLimit() throws {
        let limits = RESPDecoder.Limits(maxLineLength: 8)
        XCTAssertNoThrow(try decodeOne("+12345678\r\n", limits: limits))
        expect("+123456789\r\n", .lineTooLong(limit: 8), limits: limits)
        // No CRLF at all: fails once the limit is passed instead of waiting forever.
        expect("+123456789", .lineTooLong(limit: 8), limits: limits)
        expect(":" + String(repeating: "1", count: 20), .lineTooLong(limit: 8), limits: limits)
        expect("+" + String(repeating: "a", count: 65 * 1024), .lineTooLong(limit: 64 * 1024))
        // A line of exactly the limit whose CR has arrived but whose LF has not is still pending.
        var decoder = RESPDecoder(limits: limits)
        var buffer: ByteBuffer = "+12345678\r"
        XCTAssertNil(try decoder.decode(&buffer))
        buffer.writeString("\n")
        XCTAssertEqual(try decoder.decode(&buffer), .simpleString("12345678"))
    }

    func testDecoderIsPoisonedAfterAnError() throws {
        var decoder = RESPDecoder()
        var buffer: ByteBuffer = "+OK\r\n:1x\r\n"
        XCTAssertEqual(try decoder.decode(&buffer), .simpleString("OK"))
        var first: RESPProtocolError?
        XCTAssertThrowsError(try decoder.decode(&buffer)) { first = $0 as? RESPProtocolError }
        XCTAssertEqual(first?.kind, .invalidInteger(byte: UInt8(ascii: "x")))
        var fresh: ByteBuffer = "+OK\r\n"
        XCTAssertThrowsError(try decoder.decode(&fresh)) { XCTAssertEqual($0 as? RESPProtocolError, first) }
        XCTAssertEqual(fresh.readableBytes, 5, "a poisoned decoder consumes nothing")
    }

    func testErrorsAreDetectedWhateverTheChunking() throws {
        let wire = Array("*2\r\n$3\r\nabc\r\n:12a\r\n".utf8)
        let oneShot = protocolError(wire)
        var decoder = RESPDecoder()
        var buffer = ByteBuffer()
        var thrown: RESPProtocolError?
        for byte in wire {
            buffer.writeInteger(byte)
            do { _ = try decoder.decode(&buffer) } catch { thrown = error; break }
        }
        XCTAssertNotNil(oneShot)
        XCTAssertEqual(thrown, oneShot)
        XCTAssertEqual(thrown?.offset, 16)
    }

    func testDescriptionNamesByteAndOffset() {
        let error = RESPProtocolError(.invalidInteger(byte: UInt8(ascii: "a")), offset: 3)
        XCTAssertEqual(error.description, "RESP protocol error at stream offset 3: invalid integer: unexpected byte 0x61 'a'")
        XCTAssertTrue(RESPProtocolError(.unknownType(byte: 0), offset: 0).description.contains("0x00"))
    }
}
