import SwiftEV
import SwiftEVHTTP
import XCTest

/// Every rule that refuses a request, with the status it is answered with.
final class ParserRefusalTests: XCTestCase {
    func testRequestLine() {
        assertRefused("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidMethod, status: 400)
        assertRefused(" GET / HTTP/1.1\r\n\r\n", .invalidMethod, status: 400)
        assertRefused("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget, status: 400)
        assertRefused("GET /a\u{7F}b HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget, status: 400)
        assertRefused("GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget, status: 400)
        assertRefused("GET /é HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget, status: 400)
        assertRefused("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", .invalidVersion, status: 400)
        assertRefused("GET / http/1.1\r\nHost: a\r\n\r\n", .invalidVersion, status: 400)
        assertRefused("GET / HTTP/11\r\nHost: a\r\n\r\n", .invalidVersion, status: 400)
        assertRefused("GET /\r\n\r\n", .invalidTarget, status: 400)
        assertRefused("GET / HTTP/2.0\r\nHost: a\r\n\r\n", .unsupportedVersion(major: 2, minor: 0), status: 505)
        assertRefused("GET / HTTP/0.9\r\nHost: a\r\n\r\n", .unsupportedVersion(major: 0, minor: 9), status: 505)
    }

    func testLineEndings() {
        assertRefused("GET / HTTP/1.1\nHost: a\r\n\r\n", .bareLineFeed, status: 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a\n\r\n", .bareLineFeed, status: 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\n\n", .bareLineFeed, status: 400)
        // A bare CR inside a line is a control character.
        assertRefused("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", .invalidFieldValue(byte: 0x0D), status: 400)
        assertRefused("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget, status: 400)
    }

    func testFieldNamesAndValues() {
        assertRefused("GET / HTTP/1.1\r\nHost : a\r\n\r\n", .whitespaceBeforeColon, status: 400)
        assertRefused("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", .whitespaceBeforeColon, status: 400)
        assertRefused("GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", .invalidFieldName(byte: UInt8(ascii: "(")), status: 400)
        assertRefused("GET / HTTP/1.1\r\n: a\r\n\r\n", .invalidFieldName(byte: nil), status: 400)
        assertRefused("GET / HTTP/1.1\r\nNoColon\r\n\r\n", .invalidFieldName(byte: nil), status: 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a\u{0}b\r\n\r\n", .invalidFieldValue(byte: 0), status: 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a\u{7F}\r\n\r\n", .invalidFieldValue(byte: 0x7F), status: 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a\u{1B}\r\n\r\n", .invalidFieldValue(byte: 0x1B), status: 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n  folded\r\n\r\n", .obsoleteLineFolding, status: 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\n\tX: 1\r\n\r\n", .obsoleteLineFolding, status: 400)
    }

    func testHost() {
        assertRefused("GET / HTTP/1.1\r\nX: a\r\n\r\n", .missingHost, status: 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", .multipleHosts, status: 400)
    }

    func testContentLength() {
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", .invalidContentLength, status: 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", .invalidContentLength, status: 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n", .invalidContentLength, status: 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", .invalidContentLength, status: 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1,\r\n\r\n", .invalidContentLength, status: 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", .invalidContentLength, status: 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", .conflictingContentLength, status: 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\n", .conflictingContentLength, status: 400)
    }

    func testTransferEncoding() {
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
                      .contentLengthWithTransferEncoding, status: 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
                      .contentLengthWithTransferEncoding, status: 400)
        assertRefused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", .transferEncodingInHTTP10, status: 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", .invalidTransferEncoding, status: 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                      .invalidTransferEncoding, status: 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", .invalidTransferEncoding, status: 400)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .unsupportedTransferEncoding, status: 501)
    }

    func testExpect() {
        assertRefused("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\n", .unsupportedExpectation, status: 417)
    }

    func testLimits() {
        let limits = HTTPRequestParser.Limits(maxRequestLineLength: 16, maxHeaderCount: 2, maxHeaderBytes: 20, maxBodySize: 3)
        assertRefused("GET /abc HTTP/1.1\r\nHost: a\r\n\r\n", .requestLineTooLong(limit: 16), status: 414, limits: limits)
        // Refused before the line feed arrives: the line alone is already too long.
        assertRefused("GET /" + String(repeating: "a", count: 40), .requestLineTooLong(limit: 16), status: 414, limits: limits)
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\nB: 1\r\nC\r\n\r\n", .tooManyFields(limit: 2), status: 431, limits: limits)
        // 9 + 12 field bytes, one over.
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\nB: 1234567\r\n\r\n", .fieldSectionTooLarge(limit: 20), status: 431, limits: limits)
        assertRefused("GET / HTTP/1.1\r\nHost: " + String(repeating: "a", count: 40), .fieldSectionTooLarge(limit: 20), status: 431, limits: limits)
        let body = HTTPRequestParser.Limits(maxBodySize: 3)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n", .bodyTooLarge(limit: 3), status: 413, limits: body)
        assertRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\n", .bodyTooLarge(limit: 3), status: 413, limits: body)
    }

    func testChunkFraming() {
        let head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        assertRefused(head + "g\r\n", .invalidChunkSize, status: 400)
        assertRefused(head + "\r\n", .invalidChunkSize, status: 400)
        assertRefused(head + "-1\r\n", .invalidChunkSize, status: 400)
        assertRefused(head + "1 x\r\n", .invalidChunkSize, status: 400)
        assertRefused(head + "1;a\u{1}\r\n", .invalidChunkSize, status: 400)
        assertRefused(head + "1000000000000000\r\n", .invalidChunkSize, status: 400)
        assertRefused(head + "1\nx", .bareLineFeed, status: 400)
        assertRefused(head + "1\r\nxy\r\n", .invalidChunkTerminator, status: 400)
        assertRefused(head + "1\r\nx\ry", .invalidChunkTerminator, status: 400)
        assertRefused(head + "1;" + String(repeating: "e", count: 2000), .chunkLineTooLong(limit: 1024), status: 400)
        assertRefused(head + "0\r\nBad Trailer: x\r\n\r\n", .whitespaceBeforeColon, status: 400)
        assertRefused(head + "0\r\n folded\r\n\r\n", .obsoleteLineFolding, status: 400)
    }

    func testStatusOfEveryKindIsNamedInItsReason() {
        let error = HTTPParseError(.contentLengthWithTransferEncoding, offset: 7)
        XCTAssertEqual(error.status, .badRequest)
        XCTAssertTrue(error.description.contains("offset 7"))
        XCTAssertTrue(error.reason.contains("Content-Length and Transfer-Encoding"))
    }
}
