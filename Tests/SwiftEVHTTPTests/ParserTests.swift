import SwiftEV
import SwiftEVHTTP
import XCTest

final class ParserTests: XCTestCase {
    func testGetWithoutBody() {
        let outcome = parse("GET /v1/cache/k?ttl=5 HTTP/1.1\r\nHost: a\r\nUser-Agent:  x y \r\n\r\n")
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.parts, [.head("GET", "/v1/cache/k?ttl=5", ["Host: a", "User-Agent: x y"]), .end])
    }

    func testHeadFieldsAreSlicesAndLookupsIgnoreCase() throws {
        var parser = HTTPRequestParser()
        var input = ByteBuffer(string: "PUT /a%20b?x=1 HTTP/1.1\r\nHOST: h\r\nX-One: 1\r\nx-one: 2\r\n\r\n")
        guard case .head(let head)? = try parser.next(&input) else { return XCTFail("no head") }
        XCTAssertEqual(head.method, .PUT)
        XCTAssertEqual(head.path, "/a%20b")
        XCTAssertEqual(String(buffer: head.pathBytes), "/a%20b")
        XCTAssertEqual(head.query, "x=1")
        XCTAssertEqual(head.headers.count, 3)
        XCTAssertEqual(head.headers.first(name: "host"), "h")
        XCTAssertEqual(head.headers.values(name: "X-ONE"), ["1", "2"])
        XCTAssertNil(head.headers.first(name: "missing"))
        XCTAssertEqual(head.headers.firstBytes(name: "x-one").map { String(buffer: $0) }, "1")
    }

    func testContentLengthBody() {
        let outcome = parse("POST /n HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")
        XCTAssertEqual(outcome.parts, [.head("POST", "/n", ["Host: a", "Content-Length: 5"]), .body("hello"), .end])
    }

    func testIdenticalContentLengthsAreOne() {
        let outcome = parse("POST /n HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nhi")
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.parts.suffix(2), [.body("hi"), .end])
    }

    func testChunkedBodyWithExtensionsAndTrailers() {
        let input = "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\n"
        let outcome = parse(input)
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.parts.dropFirst(), [.body("helloabcdefghijklmnopqrstuvwxyz"), .end])
        XCTAssertEqual(outcome.consumed, input.utf8.count)
    }

    func testPipelinedRequestsAndLeadingEmptyLines() {
        let input = "\r\n\r\nGET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nxGET /3 HTTP/1.0\r\n\r\n"
        let outcome = parse(input)
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.parts, [
            .head("GET", "/1", ["Host: a"]), .end,
            .head("POST", "/2", ["Host: a", "Content-Length: 1"]), .body("x"), .end,
            .head("GET", "/3", [], version: "HTTP/1.0", keepAlive: false), .end,
        ])
    }

    func testKeepAliveRules() {
        XCTAssertEqual(keepAlive("HTTP/1.1", ""), true)
        XCTAssertEqual(keepAlive("HTTP/1.1", "Connection: close\r\n"), false)
        XCTAssertEqual(keepAlive("HTTP/1.1", "Connection: keep-alive, Close\r\n"), false)
        XCTAssertEqual(keepAlive("HTTP/1.0", ""), false)
        XCTAssertEqual(keepAlive("HTTP/1.0", "Connection: Keep-Alive\r\n"), true)
    }

    private func keepAlive(_ version: String, _ fields: String) -> Bool? {
        guard case .head(_, _, _, _, let keepAlive, _)? = parse("GET / \(version)\r\nHost: a\r\n\(fields)\r\n").parts.first else { return nil }
        return keepAlive
    }

    func testExpectContinue() {
        let withBody = parse("PUT /k HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n")
        XCTAssertEqual(withBody.parts, [.head("PUT", "/k", ["Host: a", "Expect: 100-Continue", "Content-Length: 1"], expectsContinue: true)])
        // Nothing to wait for without a body, and HTTP/1.0 ignores the expectation.
        let noBody = parse("GET /k HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n")
        XCTAssertEqual(noBody.parts.first, .head("GET", "/k", ["Host: a", "Expect: 100-continue"]))
        let old = parse("PUT /k HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n")
        XCTAssertEqual(old.parts.first, .head("PUT", "/k", ["Expect: 100-continue", "Content-Length: 1"], version: "HTTP/1.0", keepAlive: false))
    }

    func testUnknownMethodIsOther() {
        let outcome = parse("PURGE / HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(outcome.parts.first, .head("PURGE", "/", ["Host: a"]))
    }

    func testLimitsAtTheirExactSizeAreAccepted() {
        let limits = HTTPRequestParser.Limits(maxRequestLineLength: 16, maxHeaderCount: 2, maxHeaderBytes: 20, maxBodySize: 3)
        // "GET /abc HTTP/1.1" is 17 bytes; "GET /ab HTTP/1.1" is 16.
        XCTAssertNil(parse("GET /ab HTTP/1.1\r\nHost: a\r\nB: 12345\r\n\r\n", limits: limits).error)  // 9 + 10 = 19 field bytes
        XCTAssertNil(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", limits: .init(maxBodySize: 3)).error)
    }

    func testPoisonedParserRepeatsItsError() {
        var parser = HTTPRequestParser()
        var input = ByteBuffer(string: "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n")
        XCTAssertThrowsError(try parser.next(&input))
        var fresh = ByteBuffer(string: "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertThrowsError(try parser.next(&fresh)) { XCTAssertEqual(($0 as? HTTPParseError)?.kind, .whitespaceBeforeColon) }
    }

    func testErrorOffsetCountsEarlierRequests() {
        let first = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
        let outcome = parse(first + "GET / HTTP/1.1\r\nHost: a\r\n X\r\n\r\n")
        XCTAssertEqual(outcome.error?.kind, .obsoleteLineFolding)
        XCTAssertEqual(outcome.error?.offset, first.utf8.count + "GET / HTTP/1.1\r\nHost: a\r\n".utf8.count)
    }
}
