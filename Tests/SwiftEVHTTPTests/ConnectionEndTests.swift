import SwiftEV
import SwiftEVHTTP
import SwiftEVTesting
import XCTest

/// How a connection stops taking input: reading paused while too many answers are owed, and
/// the lingering close after an answer that ends the connection.
final class ConnectionEndTests: XCTestCase {
    private func gets(_ range: Range<Int>) -> String {
        range.map { "GET /\($0) HTTP/1.1\r\nHost: a\r\n\r\n" }.joined()
    }

    func testReadingPausesAtThePendingLimitAndResumesAsAnswersGoOut() {
        let harness = ServerHarness(configuration: HTTPServerConfiguration(maxPendingRequests: 2))
        XCTAssertFalse(harness.channel.isReadingPaused)
        harness.send(gets(1..<4))
        XCTAssertEqual(harness.requests.map(\.head.target), ["/1", "/2"])
        XCTAssertTrue(harness.channel.isReadingPaused, "two answers owed: the channel stops reading")
        harness.responders[0].respond(HTTPResponse(status: .noContent))
        XCTAssertEqual(harness.requests.map(\.head.target), ["/1", "/2", "/3"], "the kept request is parsed")
        XCTAssertTrue(harness.channel.isReadingPaused, "two owed again (/2, /3)")
        harness.responders[1].respond(HTTPResponse(status: .noContent))
        XCTAssertFalse(harness.channel.isReadingPaused, "one owed: reading again")
        harness.responders[2].respond(HTTPResponse(status: .noContent))
        XCTAssertEqual(harness.output().components(separatedBy: "204 No Content").count, 4)
        XCTAssertFalse(harness.channel.isReadingPaused)
    }

    func testARefusalIsAnsweredThenTheOutputShutsDownAndLingersUntilTheClientCloses() {
        let harness = ServerHarness()
        harness.send("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
        XCTAssertTrue(harness.output().hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        XCTAssertTrue(harness.channel.isOutputShutdown, "FIN after the answer")
        XCTAssertFalse(harness.channel.channel.isClosed, "still reading, so the close cannot reset the answer")
        harness.send(gets(0..<3) + "garbage")
        XCTAssertEqual(harness.output(), "", "what follows a refusal is read and dropped")
        XCTAssertTrue(harness.requests.isEmpty)
        harness.channel.channel.triggerUserEvent(ChannelEvent.inputClosed)
        XCTAssertTrue(harness.channel.channel.isClosed, "closed as soon as the client closes its side")
    }

    func testTheLingerEndsAfterItsTimeout() {
        var configuration = HTTPServerConfiguration()
        configuration.lingerTimeout = .seconds(2)
        let harness = ServerHarness(configuration: configuration)
        harness.send("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999\r\n\r\n")
        XCTAssertTrue(harness.output().hasPrefix("HTTP/1.1 413 "))
        harness.loop.advanceTime(by: .milliseconds(1999))
        XCTAssertFalse(harness.channel.channel.isClosed)
        harness.loop.advanceTime(by: .milliseconds(1))
        XCTAssertTrue(harness.channel.channel.isClosed)
    }

    func testAConnectionCloseAnswerLingersAndDropsThePipelinedRequestsAfterIt() {
        let harness = ServerHarness(autoAnswer: ServerHarness.echo)
        harness.send("GET /last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + gets(0..<2))
        XCTAssertEqual(harness.requests.map(\.head.target), ["/last"])
        XCTAssertTrue(harness.output().contains("connection: close\r\n"))
        XCTAssertTrue(harness.channel.isOutputShutdown)
        harness.send(gets(2..<4))
        XCTAssertEqual(harness.requests.count, 1)
        harness.channel.closeFromPeer()
        XCTAssertTrue(harness.channel.channel.isClosed)
    }

    func testWithoutALingerTimeoutTheConnectionClosesAtOnce() {
        var configuration = HTTPServerConfiguration()
        configuration.lingerTimeout = nil
        let harness = ServerHarness(configuration: configuration)
        harness.send("GET /\u{1} HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertTrue(harness.output().hasPrefix("HTTP/1.1 400 "))
        XCTAssertFalse(harness.channel.isOutputShutdown)
        XCTAssertTrue(harness.channel.channel.isClosed)
    }

    func testAPausedConnectionThatIsClosedByAnAnswerReadsAgainToDrain() {
        let harness = ServerHarness(configuration: HTTPServerConfiguration(maxPendingRequests: 2))
        harness.send(gets(0..<3))
        XCTAssertTrue(harness.channel.isReadingPaused)
        var closing = HTTPResponse(status: .noContent)
        closing.keepAlive = false
        harness.responders[0].respond(closing)
        _ = harness.output()
        XCTAssertTrue(harness.channel.isOutputShutdown)
        XCTAssertFalse(harness.channel.isReadingPaused, "draining needs reading")
    }
}
