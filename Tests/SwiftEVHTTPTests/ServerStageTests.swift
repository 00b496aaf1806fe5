import SwiftEV
import SwiftEVHTTP
import SwiftEVTesting
import XCTest

final class ServerStageTests: XCTestCase {
    func testAnswersGoOutInRequestOrderWhateverOrderTheyAreGivenIn() {
        let harness = ServerHarness()
        harness.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(harness.requests.map(\.head.target), ["/1", "/2", "/3"])
        harness.responders[2].respond(.text(.ok, "three"))
        XCTAssertEqual(harness.output(), "")
        harness.responders[0].respond(.text(.ok, "one"))
        let text = ["Content-Type: text/plain; charset=utf-8"]
        XCTAssertEqual(harness.output(), wire("200 OK", text, body: "one"))
        harness.responders[1].respond(.text(.notFound, "two"))
        XCTAssertEqual(harness.output(), wire("404 Not Found", text, body: "two") + wire("200 OK", text, body: "three"))
        XCTAssertFalse(harness.isClosed)
    }

    func testASecondAnswerAndAnAnswerAfterCloseAreIgnored() throws {
        let harness = ServerHarness()
        harness.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n")
        harness.responders[0].respond(HTTPResponse(status: .noContent))
        harness.responders[0].respond(HTTPResponse(status: .ok))
        XCTAssertEqual(harness.output(), "HTTP/1.1 204 No Content\r\ndate: *\r\n\r\n")
        harness.send("GET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
        try harness.channel.close()
        harness.responders[1].respond(HTTPResponse(status: .ok))
        XCTAssertEqual(harness.output(), "")
    }

    /// The same pipelined stream, cut at every byte: the same requests, the same answers.
    func testEverySplitPointOfAPipelinedStream() {
        let stream = Array(ParserSplitTests.pipelined.utf8)
        let expected = echoed("GET", "/1") + echoed("POST", "/2", bodyBytes: 11) + echoed("PUT", "/3", bodyBytes: 20)
            + wire("200 OK", ["Content-Type: text/plain; charset=utf-8"], body: "DELETE /4 0")
                .replacingOccurrences(of: "date:", with: "connection: keep-alive\r\ndate:")
        for cut in 0...stream.count {
            let harness = ServerHarness(autoAnswer: ServerHarness.echo)
            harness.send(Array(stream[..<cut]))
            harness.send(Array(stream[cut...]))
            XCTAssertEqual(harness.output(), expected, "cut at \(cut)")
            XCTAssertEqual(harness.requests.map { String(buffer: $0.body) }, ["", "hello world", "abcd0123456789abcdef", ""], "cut at \(cut)")
            XCTAssertTrue(harness.errors.isEmpty)
        }
    }

    func testBodyInOneReadIsASliceAndInPiecesIsGathered() {
        let harness = ServerHarness(autoAnswer: ServerHarness.echo)
        harness.send("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab")
        harness.send("cd")
        harness.send("POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nwxyz")
        XCTAssertEqual(harness.requests.map { String(buffer: $0.body) }, ["abcd", "wxyz"])
        XCTAssertEqual(harness.output(), echoed("POST", "/a", bodyBytes: 4) + echoed("POST", "/b", bodyBytes: 4))
    }

    func testConnectionCloseIsHonouredAndLaterRequestsIgnored() {
        let harness = ServerHarness(autoAnswer: ServerHarness.echo)
        harness.send("GET /1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(harness.requests.map(\.head.target), ["/1"])
        XCTAssertEqual(harness.output(), wire("200 OK", ["Content-Type: text/plain; charset=utf-8"], body: "GET /1 0", close: true))
        XCTAssertTrue(harness.isClosed)
    }

    func testHTTP10KeepAliveAndClose() {
        let harness = ServerHarness(autoAnswer: ServerHarness.echo)
        harness.send("GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertTrue(harness.output().contains("connection: keep-alive\r\n"))
        XCTAssertFalse(harness.isClosed)
        harness.send("GET /2 HTTP/1.0\r\n\r\n")
        XCTAssertTrue(harness.output().contains("connection: close\r\n"))
        XCTAssertTrue(harness.isClosed)
    }

    func testHeadAnswerHasTheLengthButNoBody() {
        let harness = ServerHarness { _ in .text(.ok, "twelve bytes") }
        harness.send("HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
        let text = ["Content-Type: text/plain; charset=utf-8"]
        XCTAssertEqual(harness.output(), wire("200 OK", text, contentLength: 12) + wire("200 OK", text, body: "twelve bytes"))
    }

    func testAnswerHeadersTheEncoderOwnsAreDropped() {
        let harness = ServerHarness { _ in
            var response = HTTPResponse(status: .ok, body: ByteBuffer(string: "x"))
            response.headers.add(name: "Content-Length", value: "99")
            response.headers.add(name: "X-Kept", value: "1")
            response.headers.add(name: "Connection", value: "close")
            XCTAssertFalse(response.headers.add(name: "X-Injected", value: "1\r\nSet-Cookie: a=b"))
            XCTAssertFalse(response.headers.add(name: "Bad Name", value: "1"))
            return response
        }
        harness.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(harness.output(), wire("200 OK", ["X-Kept: 1"], body: "x"))
    }

    func testDateIsAnIMFFixdate() {
        let harness = ServerHarness(autoAnswer: ServerHarness.echo)
        harness.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        let raw = harness.channel.readAllOutbound().map { String(buffer: $0) }.joined()
        XCTAssertNotNil(raw.firstMatch(of: /\r\ndate: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT\r\n/), raw)
    }

    func testPipelinedRequestsBeyondThePendingLimitWaitForAnswers() {
        let harness = ServerHarness(configuration: HTTPServerConfiguration(maxPendingRequests: 2))
        harness.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(harness.requests.map(\.head.target), ["/1", "/2"])
        harness.responders[0].respond(HTTPResponse(status: .noContent))
        XCTAssertEqual(harness.requests.map(\.head.target), ["/1", "/2", "/3"])
        harness.responders[1].respond(HTTPResponse(status: .noContent))
        harness.responders[2].respond(HTTPResponse(status: .noContent))
        XCTAssertEqual(harness.output().components(separatedBy: "204 No Content").count, 4)
    }

    func testAnswersGivenDuringOneReadLeaveInOneWrite() {
        let harness = ServerHarness(autoAnswer: ServerHarness.echo)
        harness.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n")
        let buffers = harness.channel.readAllOutbound()
        XCTAssertEqual(buffers.count, 1)
        XCTAssertEqual(buffers.first.map { String(buffer: $0) }?.components(separatedBy: "HTTP/1.1 200 OK").count, 4)
    }

    func testRequestsBeforeTheClientShutsDownItsSideAreAnsweredThenTheConnectionCloses() {
        let harness = ServerHarness()
        harness.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHo")
        harness.channel.channel.triggerUserEvent(ChannelEvent.inputClosed)
        XCTAssertFalse(harness.isClosed)
        harness.responders[1].respond(HTTPResponse(status: .noContent))
        harness.responders[0].respond(HTTPResponse(status: .noContent))
        XCTAssertEqual(harness.output(), "HTTP/1.1 204 No Content\r\ndate: *\r\n\r\nHTTP/1.1 204 No Content\r\nconnection: close\r\ndate: *\r\n\r\n")
        XCTAssertTrue(harness.isClosed)
        XCTAssertEqual(harness.requests.count, 2)
    }

    func testAClientThatShutsDownWithNothingOwedIsClosedAtOnce() {
        let harness = ServerHarness()
        harness.channel.channel.triggerUserEvent(ChannelEvent.inputClosed)
        XCTAssertTrue(harness.isClosed)
    }
}

/// Defects the cache service found (/work/notes/http-feedback.md), each failing before its fix.
final class ServerStageDefectTests: XCTestCase {
    /// An answer that closes the connection drops the answers still owed; a later answer to one
    /// of those requests is ignored (it used to index an emptied queue and crash the process).
    func testAnAnswerToARequestBehindAClosingAnswerIsIgnored() {
        let harness = ServerHarness()
        harness.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(harness.responders.count, 2)
        var closing = HTTPResponse(status: .noContent)
        closing.keepAlive = false
        harness.channel.holdFlushes = true  // the closing answer is still being sent: not closed yet
        harness.responders[0].respond(closing)
        harness.responders[1].respond(HTTPResponse(status: .ok))
        XCTAssertFalse(harness.isClosed)
        harness.channel.holdFlushes = false
        harness.channel.channel.flush()
        let output = harness.output()
        XCTAssertTrue(output.hasPrefix("HTTP/1.1 204 No Content\r\n"), output)
        XCTAssertFalse(output.contains("200 OK"), output)
        XCTAssertTrue(harness.isClosed)
    }

    /// More pipelined requests with bodies in one read than may be pending, answered later (as a
    /// Redis reply callback does): every one is answered, in order.
    func testMoreBodiesInOneReadThanMayBePendingAreAllAnsweredWhenAnsweredLater() {
        let harness = ServerHarness(configuration: HTTPServerConfiguration(maxPendingRequests: 4))
        let count = 9
        harness.send((0..<count).map { "PUT /k\($0) HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" }.joined())
        var answered = 0
        while answered < harness.responders.count {
            harness.responders[answered].respond(HTTPResponse(status: .noContent))
            answered += 1
            harness.loop.run()
        }
        XCTAssertEqual(harness.requests.map(\.head.target), (0..<count).map { "/k\($0)" })
        XCTAssertEqual(harness.output().components(separatedBy: "204 No Content").count, count + 1)
        XCTAssertFalse(harness.isClosed)
    }
}
