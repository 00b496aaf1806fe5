@testable import CacheServiceCore
import RESP
import SwiftEV
import SwiftEVHTTP
import SwiftEVTesting
import XCTest

/// A large value is answered from the bytes Redis sent: the reply's bulk string is a slice of
/// the read buffer, and the response body, the HTTP response and the buffer the HTTP stages
/// hand to the socket are that same slice, not copies. Checked by storage address, so a copy
/// anywhere on the way (a `[UInt8]` round trip, a gathered response) fails the test.
final class LargeValueTests: XCTestCase {
    private let key = try! CacheKey(segment: Array("big".utf8))

    private func address(_ buffer: ByteBuffer) -> UnsafeRawPointer? {
        buffer.withUnsafeReadableBytes { $0.baseAddress }
    }

    func testAGetReplyIsWrittenFromTheBytesRedisSentWithoutACopy() throws {
        let size = 1 << 20
        var read = ByteBuffer(capacity: size + 64)
        read.writeString("$\(size)\r\n")
        read.writeBytes((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        read.writeString("\r\n")
        var decoder = RESPDecoder()
        let reply = try XCTUnwrap(decoder.decode(&read))
        guard case .bulkString(let value?) = reply else { return XCTFail("not a bulk string: \(reply)") }

        guard case .done(let response) = StorePlan.response(for: .get(key), reply: .success(reply)) else {
            return XCTFail("GET of a present key is answered at once")
        }
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(address(response.body), address(value), "the response body is the reply's slice")
        let http = CacheHTTPHandler.httpResponse(response, keepAlive: true)
        let httpBody = try XCTUnwrap(http.body)
        XCTAssertEqual(address(httpBody), address(value), "the HTTP response keeps the same slice")

        // Through the server stages: the head goes out in one buffer, the body as its own.
        let channel = EmbeddedByteChannel<Never, Never> { pipeline in
            pipeline.addingHTTPServer(handler: HTTPClosureHandler { _, responder in responder.respond(http) })
        }
        try channel.writeInbound(ByteBuffer(string: "GET /v1/cache/big HTTP/1.1\r\nHost: a\r\n\r\n"))
        let written = channel.readAllOutbound()
        XCTAssertEqual(written.count, 2, "head, then the body apart")
        XCTAssertTrue(String(buffer: written[0]).hasPrefix("HTTP/1.1 200 OK\r\n"))
        XCTAssertTrue(String(buffer: written[0]).contains("content-length: \(size)\r\n"))
        let body = try XCTUnwrap(written.last)
        XCTAssertEqual(address(body), address(value), "the socket is handed the reply's bytes")
        XCTAssertEqual(body, value)
    }
}
