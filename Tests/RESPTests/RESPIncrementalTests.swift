import XCTest
@testable import RESP
import SwiftEV

final class RESPIncrementalTests: XCTestCase {
    /// One reply using every type, nested, with a bulk string of a few KB.
    static let bigReply: RESPValue = {
        let blob = ByteBuffer(bytes: (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        return .array([
            .simpleString("OK"),
            .integer(-1234567890123),
            .bulkString(blob),
            .bulkString(nil),
            .array([.array([.integer(1), .array([])]), .array(nil), .simpleError("ERR nested")]),
            .map([
                (key: .simpleString("name"), value: .bulkString("value")),
                (key: .integer(7), value: .set([.double(2.5), .double(-.infinity), .boolean(true)])),
                (key: .bulkString("deep"), value: .map([(key: .null, value: .push([.bigNumber("123456789012345678901234567890")]))])),
            ]),
            .verbatimString(format: "txt", text: "verbatim text"),
            .bulkError("SYNTAX bad"),
            .attribute([(key: .simpleString("ttl"), value: .integer(60))], value: .bulkString("annotated")),
            .double(.nan),
            .null,
        ])
    }()

    static var bigWire: [UInt8] {
        var out = ByteBuffer()
        bigReply.encode(into: &out)
        return out.readableBytesArray
    }

    func testEverySplitPoint() throws {
        let wire = Self.bigWire
        XCTAssertGreaterThan(wire.count, 3000)
        for k in 0...wire.count {
            var decoder = RESPDecoder()
            var buffer = ByteBuffer(bytes: wire[0..<k])
            let early = try decoder.decode(&buffer)
            if k < wire.count {
                XCTAssertNil(early, "value complete after only \(k) bytes")
                buffer.writeBytes(wire[k...])
                let value = try decoder.decode(&buffer)
                XCTAssertEqual(value, Self.bigReply, "split at \(k)")
            } else {
                XCTAssertEqual(early, Self.bigReply)
            }
            XCTAssertEqual(buffer.readableBytes, 0, "split at \(k)")
            XCTAssertEqual(decoder.bytesConsumed, wire.count)
            XCTAssertNil(try decoder.decode(&buffer))
        }
    }

    func testByteAtATime() throws {
        let wire = Self.bigWire
        var decoder = RESPDecoder()
        var buffer = ByteBuffer()
        var result: RESPValue?
        for (i, byte) in wire.enumerated() {
            buffer.writeInteger(byte)
            let value = try decoder.decode(&buffer)
            if i < wire.count - 1 {
                XCTAssertNil(value, "complete at byte \(i)")
                if value != nil { return }
            } else {
                result = value
            }
        }
        XCTAssertEqual(result, Self.bigReply)
        XCTAssertFalse(decoder.hasPartialValue)
    }

    func testConcatenatedRepliesDecodeInOrder() throws {
        var values = RESPEncodingTests.samples + [Self.bigReply]
        values += values.reversed()
        var all = ByteBuffer()
        for value in values { value.encode(into: &all) }
        let wire = all.readableBytesArray
        XCTAssertEqual(try decodeAll(wire), values)

        // Same stream in uneven chunks, compacting or moving to a fresh buffer between some.
        var decoder = RESPDecoder()
        var buffer = ByteBuffer()
        var decoded: [RESPValue] = []
        var offset = 0
        var round = 0
        while offset < wire.count {
            round += 1
            let size = min([1, 2, 3, 17, 256, 1000][round % 6], wire.count - offset)
            if round % 5 == 0 { buffer.discardReadBytes() }
            if round % 7 == 0 { buffer = ByteBuffer(bytes: buffer.readableBytesArray) }
            buffer.writeBytes(wire[offset..<(offset + size)])
            offset += size
            while let value = try decoder.decode(&buffer) { decoded.append(value) }
        }
        XCTAssertEqual(decoded, values)
        XCTAssertEqual(decoder.bytesConsumed, wire.count)
    }

    func testPartialStateIsVisible() throws {
        var decoder = RESPDecoder()
        var buffer: ByteBuffer = "*2\r\n:1\r\n"
        XCTAssertFalse(decoder.hasPartialValue)
        XCTAssertNil(try decoder.decode(&buffer))
        XCTAssertTrue(decoder.hasPartialValue)
        // Parsed elements are consumed as they complete, so the caller can compact freely.
        XCTAssertEqual(buffer.readableBytes, 0)
        XCTAssertEqual(decoder.bytesConsumed, 8)
        buffer.writeString("$3\r\nab")
        XCTAssertNil(try decoder.decode(&buffer))
        XCTAssertEqual(buffer.readableBytes, 2, "header consumed, payload waits")
        buffer.writeString("c\r\n")
        XCTAssertEqual(try decoder.decode(&buffer), .array([.integer(1), .bulkString("abc")]))
        XCTAssertFalse(decoder.hasPartialValue)
    }

    /// What a pending bulk still needs, so a reader can reserve its storage when the header arrives.
    func testPendingBulkBytesCountFromTheReaderIndex() throws {
        var decoder = RESPDecoder()
        var buffer: ByteBuffer = "*2\r\n$10\r\n0123"
        XCTAssertNil(decoder.pendingBulkBytes)
        XCTAssertNil(try decoder.decode(&buffer))
        XCTAssertEqual(decoder.pendingBulkBytes, 12, "the payload and its CRLF, from the payload's start")
        XCTAssertEqual(buffer.readableBytes, 4)
        buffer.writeString("456789\r\n$1000000\r\n")
        XCTAssertNil(try decoder.decode(&buffer))
        XCTAssertEqual(decoder.pendingBulkBytes, 1_000_002, "the next bulk's, once its header is read")
        buffer.writeBytes([UInt8](repeating: 7, count: 1_000_000) + Array("\r\n".utf8))
        XCTAssertNotNil(try decoder.decode(&buffer))
        XCTAssertNil(decoder.pendingBulkBytes)
        buffer.writeString(":5\r\n")
        XCTAssertEqual(try decoder.decode(&buffer), .integer(5))
        XCTAssertNil(decoder.pendingBulkBytes)
    }

    /// A large array arriving one byte at a time must cost work linear in its size: parsed
    /// elements are never read again.
    func testNoReparseOfLargeArrayFedByteByByte() throws {
        let count = 10_000
        var wire = ByteBuffer()
        wire.writeString("*\(count)\r\n")
        for i in 0..<count {
            switch i % 4 {
            case 0: wire.writeString(":\(i)\r\n")
            case 1: wire.writeString("$5\r\nvalue\r\n")
            case 2: wire.writeString("+OK\r\n")
            default: wire.writeString("*2\r\n:1\r\n$-1\r\n")
            }
        }
        let bytes = wire.readableBytesArray
        let expected = try decodeAll(bytes)
        XCTAssertEqual(expected.count, 1)

        var decoder = RESPDecoder()
        var buffer = ByteBuffer()
        var result: RESPValue?
        var calls = 0
        for byte in bytes {
            // Compacting keeps appends from copying storage that decoded slices still share.
            buffer.discardReadBytes()
            buffer.writeInteger(byte)
            calls += 1
            if let value = try decoder.decode(&buffer) { result = value }
        }
        XCTAssertEqual(result, expected.first)
        XCTAssertEqual(calls, bytes.count)
        XCTAssertLessThanOrEqual(decoder.bytesScanned, 3 * bytes.count, "re-scanned input: \(decoder.bytesScanned) for \(bytes.count) bytes")
        XCTAssertGreaterThanOrEqual(decoder.bytesScanned, bytes.count / 2, "counter not wired up")
    }

    func testLongLineFedByteByByteIsScannedOnce() throws {
        let text = String(repeating: "a", count: 60_000)
        let bytes = Array("+\(text)\r\n".utf8)
        var decoder = RESPDecoder()
        var buffer = ByteBuffer()
        var result: RESPValue?
        for byte in bytes {
            buffer.writeInteger(byte)
            if let value = try decoder.decode(&buffer) { result = value }
        }
        XCTAssertEqual(result, .simpleString(ByteBuffer(string: text)))
        XCTAssertLessThanOrEqual(decoder.bytesScanned, 2 * bytes.count)
    }
}
