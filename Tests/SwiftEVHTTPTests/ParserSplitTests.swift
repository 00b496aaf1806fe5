import SwiftEV
import SwiftEVHTTP
import XCTest

/// A stream parsed whole and cut anywhere gives the same requests: the parser resumes exactly.
final class ParserSplitTests: XCTestCase {
    static let pipelined = "GET /1 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n"
        + "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"
        + "\r\nPUT /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nabcd\r\n10\r\n0123456789abcdef\r\n0\r\nT: v\r\n\r\n"
        + "DELETE /4 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"

    func testEverySingleSplitPoint() {
        let input = Array(Self.pipelined.utf8)
        let whole = parse(input)
        XCTAssertNil(whole.error)
        XCTAssertEqual(whole.parts.count, 10)
        XCTAssertEqual(whole.consumed, input.count)
        for cut in 0...input.count {
            XCTAssertEqual(parse(input, cuts: [cut]), whole, "cut at \(cut)")
        }
    }

    func testEveryPairOfSplitPoints() {
        let input = Array(Self.pipelined.utf8)
        let whole = parse(input)
        for first in stride(from: 0, through: input.count, by: 3) {
            for second in stride(from: first, through: input.count, by: 7) {
                XCTAssertEqual(parse(input, cuts: [first, second]), whole, "cuts at \(first), \(second)")
            }
        }
    }

    func testByteAtATime() {
        let input = Array(Self.pipelined.utf8)
        XCTAssertEqual(parse(input, cuts: Array(0...input.count)), parse(input))
    }

    func testRefusalIsTheSameWhereverTheStreamIsCut() {
        let input = Array((Self.pipelined + "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n").utf8)
        let whole = parse(input)
        XCTAssertEqual(whole.error?.kind, .contentLengthWithTransferEncoding)
        for cut in 0...input.count {
            XCTAssertEqual(parse(input, cuts: [cut]).error, whole.error, "cut at \(cut)")
        }
    }

    /// A head trickling in byte by byte is scanned once, not from its start at every byte.
    func testResumingAfterDiscardingReadBytes() throws {
        var parser = HTTPRequestParser()
        var buffer = ByteBuffer()
        var parts: [Parsed] = []
        for byte in Self.pipelined.utf8 {
            buffer.writeInteger(byte)
            while let part = try parser.next(&buffer) { parts.append(summary(part)) }
            // Move the unread bytes to a fresh buffer, as a stage that compacts would.
            buffer = ByteBuffer(bytes: buffer.readableBytesArray)
        }
        XCTAssertEqual(mergeBodies(parts), parse(Self.pipelined).parts)
    }

    /// Found by the fuzzer: a line over the limit that ends in a bare LF is "too long" whether
    /// its line feed arrives with it or later.
    func testOverlongLineWithBareLineFeedFailsTheSameWayInPieces() {
        let limits = HTTPRequestParser.Limits(maxRequestLineLength: 32)
        let input = Array(("GET /" + String(repeating: "a", count: 40) + "\nHost: a\r\n\r\n").utf8)
        let whole = parse(input, limits: limits)
        XCTAssertEqual(whole.error?.kind, .requestLineTooLong(limit: 32))
        XCTAssertEqual(parse(input, cuts: Array(0...input.count), limits: limits), whole)
    }
}
