import SwiftEV
import SwiftEVHTTP
import SwiftEVTesting
import XCTest

final class ResponseEncoderTests: XCTestCase {
    private func encoder() -> EmbeddedChannel<ByteBuffer, ByteBuffer, ByteBuffer, HTTPResponsePart> {
        EmbeddedChannel(stage: HTTPResponseEncoderStage())
    }

    private func written(_ channel: EmbeddedChannel<ByteBuffer, ByteBuffer, ByteBuffer, HTTPResponsePart>) -> String {
        channel.readAllOutbound().map { String(buffer: $0) }.joined()
            .replacing(/date: [^\r]*\r\n/, with: "date: *\r\n")
    }

    func testStreamedBodyIsChunked() throws {
        let channel = encoder()
        var head = HTTPResponseHead(status: .ok)
        head.headers.add(name: "X-A", value: "1")
        try channel.writeOutbound(.head(head))
        try channel.writeOutbound(.body(ByteBuffer(string: "hello")))
        try channel.writeOutbound(.body(ByteBuffer(string: String(repeating: "z", count: 2000))))
        try channel.writeOutbound(.end)
        XCTAssertEqual(written(channel), "HTTP/1.1 200 OK\r\nX-A: 1\r\ntransfer-encoding: chunked\r\ndate: *\r\n\r\n"
            + "5\r\nhello\r\n7d0\r\n" + String(repeating: "z", count: 2000) + "\r\n0\r\n\r\n")
    }

    func testLargeBodyIsPassedOnWithoutACopy() throws {
        let channel = encoder()
        let body = ByteBuffer(string: String(repeating: "b", count: 4096))
        channel.holdFlushes = false
        try channel.writeOutbound(.head(HTTPResponseHead(status: .ok, contentLength: 4096)))
        try channel.writeOutbound(.body(body))
        try channel.writeOutbound(.end)
        let buffers = channel.readAllOutbound()
        XCTAssertEqual(buffers.count, 2)
        XCTAssertEqual(buffers.last, body)
    }

    func testNoBodyFor204And304AndHeadAnswers() throws {
        let channel = encoder()
        try channel.writeOutbound(.head(HTTPResponseHead(status: .noContent, contentLength: 3)))
        try channel.writeOutbound(.body(ByteBuffer(string: "abc")))
        try channel.writeOutbound(.end)
        try channel.writeOutbound(.head(HTTPResponseHead(status: .notModified)))
        try channel.writeOutbound(.end)
        try channel.writeOutbound(.head(HTTPResponseHead(status: .ok, contentLength: 3, isHeadResponse: true)))
        try channel.writeOutbound(.body(ByteBuffer(string: "abc")))
        try channel.writeOutbound(.end)
        XCTAssertEqual(written(channel), "HTTP/1.1 204 No Content\r\ndate: *\r\n\r\n"
            + "HTTP/1.1 304 Not Modified\r\ndate: *\r\n\r\n"
            + "HTTP/1.1 200 OK\r\ncontent-length: 3\r\ndate: *\r\n\r\n")
    }

    func testHTTP10WithoutLengthIsCloseDelimited() throws {
        let channel = encoder()
        try channel.writeOutbound(.head(HTTPResponseHead(status: .ok, version: .http1_0)))
        try channel.writeOutbound(.body(ByteBuffer(string: "raw")))
        try channel.writeOutbound(.end)
        XCTAssertEqual(written(channel), "HTTP/1.1 200 OK\r\nconnection: close\r\ndate: *\r\n\r\nraw")
    }
}
