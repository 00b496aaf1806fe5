@testable import CacheServiceCore
import CAllocationCounter
import Redis
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

    /// The HTTP side of a large PUT, as `CacheHTTPHandler` and `CacheEngine` do it, without the
    /// cluster: the body is gathered into its `SET` frame and becomes the command.
    private final class PutToCommand: HTTPRequestHandler {
        var commands: [RedisCommand] = []
        func bodyBuffer(for head: HTTPRequestHead, length: Int) -> ByteBuffer? {
            CacheHTTPHandler.bodyBuffer(for: head, length: length, limit: 8 << 20)
        }
        func handle(_ request: HTTPRequest, responder: HTTPResponder) {
            let target = request.head.targetBytes.readableBytesArray
            guard case .success(let parsed) = RequestRouter.match(method: "PUT", target: target),
                  let command = StorePlan.command(for: parsed, value: request.body) else { return }
            commands.append(command)
            responder.respond(HTTPResponse(status: .noContent))
        }
    }

    /// A large PUT's value is copied once between the reads and the command sent to Redis:
    /// the bytes allocated on the way are about the value's size, where gathering the body
    /// and then encoding the command allocated over twice as much (and copied it twice).
    func testALargePutValueIsCopiedOnceIntoItsCommand() throws {
        try XCTSkipUnless(swiftev_allocation_counter_available(), "the allocation counter is off in sanitizer builds")
        let size = 4 << 20
        let value = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var reads = [ByteBuffer(string: "PUT /v1/cache/big?ttl=60 HTTP/1.1\r\nHost: a\r\nContent-Length: \(size)\r\n\r\n")]
        for start in stride(from: 0, to: size, by: 256 * 1024) {
            reads.append(ByteBuffer(bytes: value[start..<min(start + 256 * 1024, size)]))
        }
        let handler = PutToCommand()
        var http = HTTPServerConfiguration()
        http.limits.maxBodySize = 8 << 20  // the service's default value limit
        let channel = EmbeddedByteChannel<Never, Never> { [http] in $0.addingHTTPServer(configuration: http, handler: handler) }

        swiftev_allocation_counter_start()
        for read in reads { try channel.writeInbound(read) }
        _ = swiftev_allocation_counter_stop()
        let allocated = Int(swiftev_allocation_counter_bytes())

        let command = try XCTUnwrap(handler.commands.first)
        XCTAssertEqual(command.bytes, RedisCommand("SET", Array("big".utf8), ByteBuffer(bytes: value), "EX", 60).bytes)
        XCTAssertLessThan(allocated, size + size / 4, "bytes allocated from the reads to the command of a \(size)-byte value")
        XCTAssertGreaterThanOrEqual(allocated, size)
    }
}
