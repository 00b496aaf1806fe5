import ClusterChaosKit
import RESP
import Redis
import RedisCluster
import SwiftEV
import XCTest

/// How the load tells what happened to an operation: HTTP answers of the cache service cut
/// from a byte stream and classified, and `WAIT 1`'s answers after a write.
final class ChaosOutcomeTests: XCTestCase {
    func testResponsesAreCutFromAPipelinedStreamInPieces() throws {
        let stream = Array(("HTTP/1.1 204 No Content\r\ncontent-length: 0\r\nconnection: keep-alive\r\n\r\n"
            + "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: 5\r\n\r\nhello"
            + "HTTP/1.1 404 Not Found\r\n\r\n").utf8)
        var parser = ChaosHTTPResponseParser()
        var responses: [ChaosHTTPResponse] = []
        for chunk in stride(from: 0, to: stream.count, by: 7).map({ stream[$0..<min($0 + 7, stream.count)] }) {
            parser.feed(chunk)
            while let response = try parser.next() { responses.append(response) }
        }
        XCTAssertEqual(responses, [ChaosHTTPResponse(status: 204, body: []), ChaosHTTPResponse(status: 200, body: Array("hello".utf8)),
                                   ChaosHTTPResponse(status: 404, body: [])])
    }

    func testABodyStillArrivingIsNotAResponseYet() throws {
        var parser = ChaosHTTPResponseParser()
        parser.feed(Array("HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n12".utf8))
        XCTAssertNil(try parser.next())
        parser.feed(Array("34".utf8))
        XCTAssertEqual(try parser.next()?.text, "1234")
    }

    func testGarbageAndChunkedBodiesAreMalformed() {
        var garbage = ChaosHTTPResponseParser()
        garbage.feed(Array("SMTP ready\r\n\r\n".utf8))
        XCTAssertThrowsError(try garbage.next())
        var chunked = ChaosHTTPResponseParser()
        chunked.feed(Array("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".utf8))
        XCTAssertThrowsError(try chunked.next())
    }

    func response(_ status: Int, _ body: String = "") -> Result<ChaosHTTPResponse, ChaosHTTPLost> {
        .success(ChaosHTTPResponse(status: status, body: Array(body.utf8)))
    }

    func testServiceAnswersAreClassifiedByStatusAndOutcome() {
        XCTAssertEqual(ChaosHTTPDriver.outcome(response(204), "PUT"), .ok)
        XCTAssertEqual(ChaosHTTPDriver.outcome(response(200, "7"), "INCR"), .ok)
        XCTAssertEqual(ChaosHTTPDriver.outcome(response(404), "GET", notFoundIsAnAnswer: true), .ok)
        XCTAssertEqual(ChaosHTTPDriver.outcome(response(404), "PUT"), .failed("PUT 404"))
        XCTAssertEqual(ChaosHTTPDriver.outcome(response(503, #"{"error":"no reachable node","outcome":"not_applied"}"#), "PUT"),
                       .failed("PUT 503 unavailable (not_applied)"))
        XCTAssertEqual(ChaosHTTPDriver.outcome(response(504, #"{"error":"timed out","outcome":"unknown"}"#), "INCR"),
                       .unknown("INCR 504 timeout"))
        XCTAssertEqual(ChaosHTTPDriver.outcome(response(503, #"{"error":"closed","outcome":"unknown"}"#), "PUT"),
                       .unknown("PUT 503 unavailable"))
        XCTAssertEqual(ChaosHTTPDriver.outcome(.failure(ChaosHTTPLost(description: "HTTP connection lost")), "PUT"),
                       .unknown("PUT HTTP connection lost"))
        XCTAssertEqual(ChaosHTTPDriver.outcome(.failure(ChaosHTTPLost(description: "HTTP connect failed", mayHaveRun: false)), "INCR"),
                       .failed("INCR HTTP connect failed"), "never written: it did not run")
    }

    func testAWriteCountsAsAcknowledgedOnlyWhenAReplicaConfirmedIt() {
        func ran(_ replicas: Result<Int, any Error>) -> Result<ReplicatedReply, any Error> {
            .success(ReplicatedReply(reply: .simpleString("OK"), node: "127.0.0.1:1", replicas: replicas))
        }
        XCTAssertEqual(ChaosWaitDriver.outcome(ran(.success(1)), "SET"), .ok)
        XCTAssertEqual(ChaosWaitDriver.outcome(ran(.success(0)), "SET"), .unknown("SET applied, WAIT 1: no replica confirmed in time"))
        let closed = RedisError(.connectionClosed(.unknown), node: "127.0.0.1:1")
        XCTAssertEqual(ChaosWaitDriver.outcome(ran(.failure(closed)), "INCR"), .unknown("INCR applied, WAIT connection closed"))
        let notSent = RedisError(.connectionClosed(.notSent), node: "127.0.0.1:1")
        guard case .unknown = ChaosWaitDriver.outcome(ran(.failure(notSent)), "SET") else {
            return XCTFail("a write the primary acknowledged stays in doubt whatever happened to its WAIT")
        }
        // The write itself: as a plain command's error.
        XCTAssertEqual(ChaosWaitDriver.outcome(.failure(closed), "INCR"), .unknown("INCR connection closed"))
        XCTAssertEqual(ChaosWaitDriver.outcome(.failure(RedisClusterError(.slotNotCovered(5))), "SET"), .failed("SET slotNotCovered(5)"))
    }
}
