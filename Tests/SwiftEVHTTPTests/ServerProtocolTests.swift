import SwiftEV
import SwiftEVHTTP
import SwiftEVTesting
import XCTest

/// Refusals, 100-continue and timeouts through the whole server pipeline.
final class ServerProtocolTests: XCTestCase {
    func testEachRefusalIsAnsweredWithItsStatusAndCloses() {
        var limits = HTTPRequestParser.Limits()
        limits.maxRequestLineLength = 32
        limits.maxHeaderCount = 3
        limits.maxHeaderBytes = 64
        limits.maxBodySize = 10
        let cases: [(String, String)] = [
            ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "400 Bad Request"),
            ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "400 Bad Request"),
            ("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n", "400 Bad Request"),
            ("GET / HTTP/1.1\r\nHost: a\r\nX Y: 1\r\n\r\n", "400 Bad Request"),
            ("GET / HTTP/1.1\r\nHost: a\u{1}\r\n\r\n", "400 Bad Request"),
            ("GET /" + String(repeating: "a", count: 40) + " HTTP/1.1\r\n\r\n", "414 URI Too Long"),
            ("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 1\r\nC: 1\r\n\r\n", "431 Request Header Fields Too Large"),
            ("GET / HTTP/1.1\r\nHost: a\r\nA: " + String(repeating: "v", count: 80) + "\r\n\r\n", "431 Request Header Fields Too Large"),
            ("PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", "413 Content Too Large"),
            ("PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "501 Not Implemented"),
            ("GET / HTTP/3.0\r\nHost: a\r\n\r\n", "505 HTTP Version Not Supported"),
            ("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 101-switch\r\nContent-Length: 1\r\n\r\n", "417 Expectation Failed"),
        ]
        for (input, status) in cases {
            let harness = ServerHarness(configuration: HTTPServerConfiguration(limits: limits), autoAnswer: ServerHarness.echo)
            harness.send(input)
            let output = harness.output()
            XCTAssertTrue(output.hasPrefix("HTTP/1.1 \(status)\r\n"), "\(input.debugDescription): \(output.debugDescription)")
            XCTAssertTrue(output.contains("connection: close\r\n"), output)
            XCTAssertTrue(harness.isClosed, input.debugDescription)
            XCTAssertTrue(harness.requests.isEmpty)
            XCTAssertTrue(harness.errors.contains { $0 is HTTPParseError }, "\(harness.errors)")
        }
    }

    func testRefusalWaitsForEarlierAnswersAndNamesTheCause() {
        let harness = ServerHarness()
        harness.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost : a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(harness.requests.map(\.head.target), ["/1"])
        XCTAssertEqual(harness.output(), "")
        XCTAssertFalse(harness.isClosed)
        harness.responders[0].respond(HTTPResponse(status: .noContent))
        XCTAssertEqual(harness.output(), "HTTP/1.1 204 No Content\r\ndate: *\r\n\r\n"
            + refusal("400 Bad Request", "whitespace between a field name and its colon"))
        XCTAssertTrue(harness.isClosed)
    }

    func testContinueIsSentWhenTheClientWaitsForIt() {
        let harness = ServerHarness(autoAnswer: ServerHarness.echo)
        harness.send("PUT /k HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
        XCTAssertEqual(harness.output(), "HTTP/1.1 100 Continue\r\n\r\n")
        harness.send("abc")
        XCTAssertEqual(harness.output(), echoed("PUT", "/k", bodyBytes: 3))
    }

    func testContinueIsNotSentWhenTheBodyCameAnyway() {
        let harness = ServerHarness(autoAnswer: ServerHarness.echo)
        harness.send("PUT /k HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc")
        XCTAssertEqual(harness.output(), echoed("PUT", "/k", bodyBytes: 3))
    }

    func testContinueWaitsBehindEarlierAnswers() {
        let harness = ServerHarness()
        harness.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPUT /k HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
        XCTAssertEqual(harness.output(), "")
        harness.responders[0].respond(HTTPResponse(status: .noContent))
        XCTAssertEqual(harness.output(), "HTTP/1.1 204 No Content\r\ndate: *\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n")
        harness.send("abc")
        harness.responders[1].respond(HTTPResponse(status: .created))
        XCTAssertEqual(harness.output(), "HTTP/1.1 201 Created\r\ncontent-length: 0\r\ndate: *\r\n\r\n")
    }

    func testTooLargeBodyWithContinueIsRefusedBeforeItIsSent() {
        let harness = ServerHarness(configuration: HTTPServerConfiguration(limits: .init(maxBodySize: 2)))
        harness.send("PUT /k HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
        XCTAssertEqual(harness.output(), refusal("413 Content Too Large", "body larger than 2 bytes"))
        XCTAssertTrue(harness.isClosed)
    }

    // MARK: Read timeout

    func testIdleConnectionIsClosedAfterTheReadTimeout() {
        let harness = ServerHarness(configuration: HTTPServerConfiguration(requestReadTimeout: .seconds(5)))
        harness.loop.advanceTime(by: .seconds(4))
        XCTAssertFalse(harness.isClosed)
        harness.loop.advanceTime(by: .seconds(1))
        XCTAssertTrue(harness.isClosed)
        harness.drainErrors()
        XCTAssertEqual(harness.errors.compactMap { $0 as? HTTPServerError }, [.requestReadTimeout])
        XCTAssertEqual(harness.loop.armedTimerCount, 0)
    }

    func testSlowClientSendingAHeadByteByByteIsClosed() {
        let harness = ServerHarness(configuration: HTTPServerConfiguration(requestReadTimeout: .seconds(5)))
        for byte in "GET / HTTP/1.1\r\nHost: a\r\n".utf8 {
            harness.send([byte])
            harness.loop.advanceTime(by: .milliseconds(200))
        }
        XCTAssertTrue(harness.isClosed)
        XCTAssertTrue(harness.requests.isEmpty)
    }

    func testTimeSpentAnsweringDoesNotCountAndTheTimerRestartsAfterTheAnswer() {
        let harness = ServerHarness(configuration: HTTPServerConfiguration(requestReadTimeout: .seconds(5)))
        harness.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        harness.loop.advanceTime(by: .seconds(60))
        XCTAssertFalse(harness.isClosed)
        harness.responders[0].respond(HTTPResponse(status: .noContent))
        harness.loop.advanceTime(by: .seconds(4))
        harness.send("GET /2 HTTP/1.1\r\nHost: a\r\n\r\n")  // in time: the next exchange starts
        harness.loop.advanceTime(by: .seconds(60))
        XCTAssertFalse(harness.isClosed)
        harness.responders[1].respond(HTTPResponse(status: .noContent))
        harness.loop.advanceTime(by: .seconds(5))
        XCTAssertTrue(harness.isClosed)
    }

    /// The timer is not moved per request: it fires at the deadline set when the connection
    /// first went idle, finds an exchange happened since, and waits out what is left.
    func testAnExchangeInBetweenGivesTheNextIdlePeriodItsFullTimeout() {
        let harness = ServerHarness(configuration: HTTPServerConfiguration(requestReadTimeout: .seconds(5)), autoAnswer: ServerHarness.echo)
        harness.loop.advanceTime(by: .seconds(3))
        harness.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")  // answered at once: idle again from t = 3 s
        harness.loop.advanceTime(by: .seconds(4))  // t = 7 s: past the first deadline, 4 s idle
        XCTAssertFalse(harness.isClosed)
        XCTAssertEqual(harness.loop.armedTimerCount, 1)
        harness.loop.advanceTime(by: .seconds(1))  // t = 8 s: 5 s idle
        XCTAssertTrue(harness.isClosed)
        XCTAssertEqual(harness.loop.armedTimerCount, 0)
    }

    func testNoTimerIsLeftAfterClose() throws {
        let harness = ServerHarness(configuration: HTTPServerConfiguration(requestReadTimeout: .seconds(5)))
        XCTAssertEqual(harness.loop.armedTimerCount, 1)
        try harness.channel.close()
        XCTAssertEqual(harness.loop.armedTimerCount, 0)
    }
}
