import XCTest
@testable import RESP
@testable import SwiftEV

final class RESPZeroCopyTests: XCTestCase {
    func testBulkStringSharesInputStorage() throws {
        var buffer = ByteBuffer()
        buffer.writeString("$5\r\nhello\r\n")
        let storage = buffer.storage
        var decoder = RESPDecoder()
        guard case .bulkString(let slice?) = try decoder.decode(&buffer) else { return XCTFail("not a bulk string") }
        XCTAssertEqual(slice, "hello")
        XCTAssertTrue(slice.storage === storage, "bulk payload was copied")
    }

    func testLargeBulkInsideAggregateSharesStorage() throws {
        let payload = [UInt8](repeating: 0x5A, count: 1 << 20)
        var buffer = ByteBuffer()
        buffer.writeString("*2\r\n")
        buffer.writeRESPBulk(payload)
        buffer.writeString("=8\r\ntxt:text\r\n")
        let storage = buffer.storage
        var decoder = RESPDecoder()
        guard case .array(let elements?) = try decoder.decode(&buffer),
              case .bulkString(let big?) = elements[0],
              case .verbatimString(_, let text) = elements[1] else { return XCTFail("unexpected shape") }
        XCTAssertEqual(big.readableBytes, payload.count)
        XCTAssertTrue(big.storage === storage)
        XCTAssertTrue(text.storage === storage)
        XCTAssertEqual(text, "text")
    }

    func testSimpleStringsAreSlicesToo() throws {
        var buffer: ByteBuffer = "+OK\r\n-ERR no\r\n"
        let storage = buffer.storage
        var decoder = RESPDecoder()
        guard case .simpleString(let ok) = try decoder.decode(&buffer),
              case .simpleError(let err) = try decoder.decode(&buffer) else { return XCTFail("unexpected values") }
        XCTAssertTrue(ok.storage === storage)
        XCTAssertTrue(err.storage === storage)
    }
}
