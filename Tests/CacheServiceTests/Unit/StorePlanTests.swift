@testable import CacheServiceCore
import Redis
import RedisCluster
import RESP
import SwiftEV
import XCTest

final class StorePlanTests: XCTestCase {
    private let key = try! CacheKey(segment: Array("k".utf8))

    private func answer(_ request: CacheRequest, _ reply: RESPValue) -> StorePlan.Answer {
        StorePlan.response(for: request, reply: .success(reply))
    }

    private func answer(_ request: CacheRequest, _ error: any Error) -> StorePlan.Answer {
        StorePlan.response(for: request, reply: .failure(error))
    }

    private func status(_ answer: StorePlan.Answer) -> Int? {
        switch answer {
        case .done(let response): return response.status
        case .failed(let failure): return failure.status
        case .waitForReplicas: return nil
        }
    }

    private func body(_ answer: StorePlan.Answer) -> String {
        switch answer {
        case .done(let response): return String(buffer: response.body)
        case .failed(let failure): return String(buffer: failure.response.body)
        case .waitForReplicas: return ""
        }
    }

    func testCommandsForEachRequest() {
        func text(_ request: CacheRequest) -> String? {
            StorePlan.command(for: request, value: ByteBuffer(string: "v")).map { String(buffer: $0.bytes) }
        }
        XCTAssertEqual(text(.put(key, ttl: nil, wait: 0)), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")
        XCTAssertEqual(text(.put(key, ttl: 60, wait: 0)), "*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nEX\r\n$2\r\n60\r\n")
        XCTAssertEqual(text(.get(key)), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
        XCTAssertEqual(text(.delete(key)), "*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n")
        XCTAssertEqual(text(.increment(key, by: -3)), "*3\r\n$6\r\nINCRBY\r\n$1\r\nk\r\n$2\r\n-3\r\n")
        XCTAssertNil(text(.health))
    }

    /// A value gathered into its `SET` frame (as the HTTP stage does for a body over several
    /// reads) is the command, by moving indices: the same bytes as the usual encoding, at the
    /// frame's address. Anything else gets the usual encoding.
    func testAValueGatheredIntoItsSetFrameIsTheCommandWithoutACopy() throws {
        let value = (0..<5_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        for ttl in [nil, 60] as [Int?] {
            let request = CacheRequest.put(key, ttl: ttl, wait: 0)
            var frame = try XCTUnwrap(StorePlan.setFrame(for: request, length: value.count))
            XCTAssertEqual(frame.readableBytes, 0)
            XCTAssertGreaterThanOrEqual(frame.writableBytes, value.count)
            frame.writeBytes(value)
            let valueAddress = frame.withUnsafeReadableBytes { $0.baseAddress }
            let command = try XCTUnwrap(StorePlan.command(for: request, value: frame))
            let usual = try XCTUnwrap(StorePlan.command(for: request, value: ByteBuffer(bytes: value)))
            XCTAssertEqual(command.bytes, usual.bytes, "ttl \(String(describing: ttl))")
            XCTAssertEqual(command.bytes.withUnsafeReadableBytes { $0.baseAddress! + frame.readerIndex }, valueAddress, "the frame itself")
            XCTAssertFalse(command.isReadOnly)

            // The frame of another request (other key, ttl or length) is not taken for this one's.
            let other = CacheRequest.put(try CacheKey(segment: Array("j".utf8)), ttl: ttl, wait: 0)
            XCTAssertEqual(StorePlan.command(for: other, value: frame)?.bytes,
                           StorePlan.command(for: other, value: ByteBuffer(bytes: value))?.bytes)
            var short = frame
            short.moveWriterIndex(to: short.writerIndex - 1)
            XCTAssertEqual(StorePlan.command(for: request, value: short)?.bytes,
                           StorePlan.command(for: request, value: ByteBuffer(bytes: value.dropLast()))?.bytes)
        }
        XCTAssertNil(StorePlan.setFrame(for: .get(key), length: 10))
    }

    func testRepliesBecomeStatuses() {
        XCTAssertEqual(status(answer(.put(key, ttl: nil, wait: 0), .simpleString(ByteBuffer(string: "OK")))), 204)
        guard case .waitForReplicas(1) = answer(.put(key, ttl: nil, wait: 1), .simpleString(ByteBuffer(string: "OK"))) else {
            return XCTFail("a PUT with wait asks for WAIT")
        }
        XCTAssertEqual(status(answer(.get(key), .bulkString(ByteBuffer(string: "x")))), 200)
        XCTAssertEqual(body(answer(.get(key), .bulkString(ByteBuffer(string: "x")))), "x")
        XCTAssertEqual(status(answer(.get(key), .bulkString(nil))), 404)
        XCTAssertEqual(status(answer(.get(key), .null)), 404)
        XCTAssertEqual(status(answer(.delete(key), .integer(1))), 204)
        XCTAssertEqual(status(answer(.delete(key), .integer(0))), 404)
        XCTAssertEqual(body(answer(.increment(key, by: 1), .integer(-42))), "-42")
        // A reply of the wrong shape is a failure whose outcome is unknown, not a crash.
        XCTAssertEqual(status(answer(.delete(key), .bulkString(ByteBuffer(string: "?")))), 503)
    }

    func testConflictsAre409() {
        let wrongType = RedisError(.server(RESPServerError(text: "WRONGTYPE Operation against a key holding the wrong kind of value")), node: "n")
        let notInteger = RedisError(.server(RESPServerError(text: "ERR value is not an integer or out of range")), node: "n")
        let overflow = RedisError(.server(RESPServerError(text: "ERR increment or decrement would overflow")), node: "n")
        XCTAssertEqual(status(answer(.increment(key, by: 1), notInteger)), 409)
        XCTAssertEqual(status(answer(.increment(key, by: 1), overflow)), 409)
        XCTAssertEqual(status(answer(.get(key), wrongType)), 409)
        // The same error arriving as a value (not thrown) maps the same way.
        XCTAssertEqual(status(answer(.increment(key, by: 1), .simpleError(ByteBuffer(string: "ERR value is not an integer or out of range")))), 409)
        // Other server errors: refused, so not applied.
        let oom = RedisError(.server(RESPServerError(text: "OOM command not allowed")), node: "n")
        guard case .failed(let failure) = answer(.put(key, ttl: nil, wait: 0), oom) else { return XCTFail() }
        XCTAssertEqual(failure.status, 503)
        XCTAssertEqual(failure.outcome, .notApplied)
    }

    func testStoreFailuresSayWhetherTheWriteMayHaveRun() throws {
        let cases: [(any Error, Int, CacheResponse.Outcome)] = [
            (RedisError(.timeout(.unknown), node: "n", command: "SET"), 504, .unknown),
            (RedisError(.timeout(.notSent), node: "n", command: "SET"), 504, .notApplied),
            (RedisError(.nodeUnresponsive(.unknown), node: "n"), 504, .unknown),
            (RedisError(.connectionClosed(.unknown), node: "n"), 503, .unknown),
            (RedisError(.connectionClosed(.notSent), node: "n"), 503, .notApplied),
            (RedisError(.tooManyPendingCommands(limit: 1), node: "n"), 503, .notApplied),
            (RedisClusterError(.timedOutWaiting(for: "the topology")), 504, .notApplied),
            (RedisClusterError(.noReachableNode([])), 503, .notApplied),
            (RedisClusterError(.clientClosed), 503, .notApplied),
            (CancellationError(), 503, .unknown),
        ]
        for (error, expectedStatus, expectedOutcome) in cases {
            guard case .failed(let failure) = answer(.put(key, ttl: nil, wait: 0), error) else { XCTFail("\(error)"); continue }
            XCTAssertEqual(failure.status, expectedStatus, "\(error)")
            XCTAssertEqual(failure.outcome, expectedOutcome, "\(error)")
            let json = try JSONSerialization.jsonObject(with: Data(failure.response.body.readableBytesArray)) as? [String: String]
            XCTAssertEqual(json?["outcome"], expectedOutcome.rawValue)
            XCTAssertEqual(json?["error"], failure.message)
        }
    }

    func testWaitConfirmsOrReportsTheOutcomeUnknown() {
        XCTAssertEqual(status(StorePlan.waitResponse(wanted: 1, reply: .success(.integer(1)))), 204)
        guard case .failed(let short) = StorePlan.waitResponse(wanted: 2, reply: .success(.integer(1))) else { return XCTFail() }
        XCTAssertEqual(short.status, 504)
        XCTAssertEqual(short.outcome, .unknown)
        XCTAssertTrue(short.message.contains("1 of 2"), short.message)
        // Even a WAIT that never ran leaves the write applied: unknown, not "not applied".
        guard case .failed(let lost) = StorePlan.waitResponse(wanted: 1, reply: .failure(RedisClusterError(.slotNotCovered(1)))) else { return XCTFail() }
        XCTAssertEqual(lost.outcome, .unknown)
    }

    /// `PUT ?wait=N` sent as one unit: the write's reply first, then its node's WAIT count.
    func testReplicatedWritesAnswerFromTheWriteThenItsCount() {
        let ok = RESPValue.simpleString(ByteBuffer(string: "OK"))
        let put = CacheRequest.put(key, ttl: nil, wait: 1)
        func replicated(_ reply: RESPValue, _ replicas: Result<Int, any Error>) -> StorePlan.Answer {
            StorePlan.replicatedResponse(for: put, wanted: 1,
                                         result: .success(ReplicatedReply(reply: reply, node: "127.0.0.1:7001", replicas: replicas)))
        }
        XCTAssertEqual(status(replicated(ok, .success(1))), 204)
        guard case .failed(let short) = replicated(ok, .success(0)) else { return XCTFail("no replica confirmed") }
        XCTAssertEqual(short.status, 504)
        XCTAssertEqual(short.outcome, .unknown)
        guard case .failed(let noCount) = replicated(ok, .failure(RedisClusterError(.clientClosed))) else { return XCTFail("WAIT gave no count") }
        XCTAssertEqual(noCount.outcome, .unknown, "the write ran: whether a replica has it is not known")
        // The write's own error answers as it would without WAIT: WRONGTYPE is the key's fault.
        let wrongType = RESPValue.simpleError(ByteBuffer(string: "WRONGTYPE Operation against a key holding the wrong kind of value"))
        XCTAssertEqual(status(replicated(wrongType, .success(1))), 409)
        guard case .failed(let lost) = StorePlan.replicatedResponse(
            for: put, wanted: 1, result: .failure(RedisError(.connectionClosed(.unknown), node: "127.0.0.1:7001", command: "SET"))) else {
            return XCTFail("a write lost with its connection")
        }
        XCTAssertEqual(lost.outcome, .unknown)
    }

    func testErrorBodiesAreValidJSONWhateverTheText() throws {
        let response = CacheResponse.error(status: 503, message: "quote \" backslash \\ newline \n nul \u{0} é", outcome: .unknown)
        let json = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesArray)) as? [String: String]
        XCTAssertEqual(json?["error"], "quote \" backslash \\ newline \n nul \u{0} é")
        XCTAssertEqual(json?["outcome"], "unknown")
    }
}
