import CAllocationCounter
import SwiftEV
import SwiftEVHTTP
import SwiftEVTesting
import XCTest

/// The allocation regression gate of the HTTP stages: heap allocations per request, against
/// today's figures (debug build) plus a small margin.
final class HTTPAllocationGateTests: XCTestCase {
    static let request = "GET /v1/cache/key HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n"
    /// Head and end of a typical GET: the head is a slice of the read buffer (measured 0 on 2026-12-01).
    static let parseThreshold = 0.05
    /// The whole server pipeline on the in-memory channel, one request per read answered at
    /// once with a shared response. Measured 5.0 on 2026-12-01 in the debug build: the frames
    /// of the `_read`/`_modify` coroutines of the Deques (the server stage's answer queue, the
    /// in-memory transport's queues) that debug builds leave unspecialized and put on the heap,
    /// as in SwiftEVTests' echo gate. The release server allocates nothing per request
    /// (Benchmarks/run-http.sh counts it).
    static let serverThreshold = 5.5

    func testParsingAGetRequestAllocations() throws {
        let received = ByteBuffer(string: Self.request)
        var parser = HTTPRequestParser()
        func parse(_ count: Int) throws -> Int {
            var parts = 0
            for _ in 0..<count {
                var buffer = received
                while let part = try parser.next(&buffer) { parts &+= withExtendedLifetime(part) { 1 } }
            }
            return parts
        }
        let (perRequest, parts) = try measure(iterations: 10_000, warmUp: { _ = try parse(100) }, parse)
        XCTAssertEqual(parts, 20_000)
        print("allocation gate: parse GET request: \(perRequest) allocations (threshold \(Self.parseThreshold))")
        XCTAssertLessThanOrEqual(perRequest, Self.parseThreshold)
    }

    func testServingAGetRequestAllocations() throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain")
        let response = HTTPResponse(status: .ok, headers: headers, body: ByteBuffer(string: "Hello, World!"))
        let handler = HTTPClosureHandler { _, responder in responder.respond(response) }
        let channel = EmbeddedByteChannel<Never, Never> { $0.addingHTTPServer(handler: handler) }
        let received = ByteBuffer(string: Self.request)
        func serve(_ count: Int) throws -> Int {
            var answered = 0
            for _ in 0..<count {
                try channel.writeInbound(received)
                while let answer = channel.readOutbound() { answered &+= withExtendedLifetime(answer) { 1 } }
            }
            return answered
        }
        let (perRequest, answers) = try measure(iterations: 10_000, warmUp: { _ = try serve(100) }, serve)
        XCTAssertEqual(answers, 10_000)
        print("allocation gate: serve GET request: \(perRequest) allocations (threshold \(Self.serverThreshold))")
        XCTAssertLessThanOrEqual(perRequest, Self.serverThreshold)
    }

    /// Allocations per iteration of `body`, and what it returned.
    private func measure(iterations: Int, warmUp: () throws -> Void, _ body: (Int) throws -> Int) throws -> (Double, Int) {
        try XCTSkipUnless(swiftev_allocation_counter_available(), "the allocation counter is off in sanitizer builds")
        try warmUp()
        swiftev_allocation_counter_start()
        let result = try body(iterations)
        let allocations = swiftev_allocation_counter_stop()
        return (Double(allocations) / Double(iterations), result)
    }
}
