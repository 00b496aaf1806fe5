import SwiftEV
import SwiftEVHTTP
import SwiftEVTesting
import XCTest

/// `HTTPRequestHandler.bodyBuffer`: a body that arrives over several reads is gathered into
/// the handler's storage, after the bytes the handler put there, so it can be sent on framed
/// without another copy. Checked by storage address.
final class BodyBufferTests: XCTestCase {
    /// Frames bodies as `<` body `>`, the `>` written past the writer index in advance.
    private final class Framing: HTTPRequestHandler {
        var asked: [(target: String, length: Int)] = []
        var frameAddress: UnsafeRawPointer?
        var bodies: [ByteBuffer] = []
        /// Hands out a buffer with no room at all (a slice of its one byte).
        var tooSmall = false

        func bodyBuffer(for head: HTTPRequestHead, length: Int) -> ByteBuffer? {
            asked.append((head.target, length))
            var frame = ByteBuffer(capacity: 1 + length + 1)
            frame.writeString("<")
            frameAddress = frame.withUnsafeReadableBytes { $0.baseAddress }
            return tooSmall ? frame.getSlice(at: 0, length: 1) : frame
        }

        func handle(_ request: HTTPRequest, responder: HTTPResponder) {
            bodies.append(request.body)
            responder.respond(HTTPResponse(status: .noContent))
        }
    }

    private func channel(_ handler: Framing) -> EmbeddedByteChannel<Never, Never> {
        EmbeddedByteChannel { $0.addingHTTPServer(handler: handler) }
    }

    private func address(_ buffer: ByteBuffer) -> UnsafeRawPointer? {
        buffer.withUnsafeReadableBytes { $0.baseAddress }
    }

    func testABodyInPiecesIsGatheredIntoTheHandlersBufferAfterItsBytes() throws {
        let handler = Framing()
        let channel = channel(handler)
        let body = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        try channel.writeInbound(ByteBuffer(string: "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: \(body.count)\r\n\r\n"))
        for start in stride(from: 0, to: body.count, by: 30_000) {
            try channel.writeInbound(ByteBuffer(bytes: body[start..<min(start + 30_000, body.count)]))
        }
        XCTAssertEqual(handler.asked.count, 1)
        XCTAssertEqual(handler.asked.first?.target, "/x")
        XCTAssertEqual(handler.asked.first?.length, body.count)
        let got = try XCTUnwrap(handler.bodies.first)
        XCTAssertEqual(got.readableBytesArray, body)
        XCTAssertEqual(got.readerIndex, 1, "the handler's byte before the body")
        XCTAssertEqual(address(got), handler.frameAddress.map { $0 + 1 }, "gathered in place, no copy")
        var framed = got
        framed.moveReaderIndex(to: 0)
        XCTAssertEqual(framed.getString(at: 0, length: 1), "<")
    }

    func testABodyInOneReadIsASliceAndTheHandlerIsNotAsked() throws {
        let handler = Framing()
        let channel = channel(handler)
        try channel.writeInbound(ByteBuffer(string: "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"))
        XCTAssertTrue(handler.asked.isEmpty)
        XCTAssertEqual(handler.bodies.map { String(buffer: $0) }, ["abc"])
    }

    func testABufferWithoutRoomForTheBodyIsNotUsed() throws {
        let handler = Framing()
        handler.tooSmall = true
        let channel = channel(handler)
        try channel.writeInbound(ByteBuffer(string: "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nabc"))
        try channel.writeInbound(ByteBuffer(string: "def"))
        XCTAssertEqual(handler.asked.count, 1)
        let got = try XCTUnwrap(handler.bodies.first)
        XCTAssertEqual(String(buffer: got), "abcdef")
        XCTAssertEqual(got.readerIndex, 0, "a buffer of the stage's own")
    }
}
