@testable import SwiftEVTLS
import SwiftEV
import XCTest

final class TLSRecordSplitTests: XCTestCase {
    let minimum = TLSRecordSplit.minimumRecord

    func testFlushBelowTwoMinimumsIsOneRecord() {
        let split = TLSRecordSplit()
        XCTAssertEqual(split.recordSize(forFlushOf: 1), TLSRecordSplit.maximumRecord)
        XCTAssertEqual(split.recordSize(forFlushOf: 2 * minimum - 1), TLSRecordSplit.maximumRecord)
    }

    func testFlushIsCutInTwoEqualRecordsWhileEverythingIsAnswered() {
        let split = TLSRecordSplit()
        // 200 pipelined GET/SETs: about 10 KB.
        XCTAssertEqual(split.recordSize(forFlushOf: 10_000), 5_000)
        XCTAssertEqual(split.recordSize(forFlushOf: 2 * minimum), minimum)
        XCTAssertEqual(split.recordSize(forFlushOf: 2 * minimum + 1), minimum + 1, "the second record takes the rest")
        // Two halves above the TLS maximum: full records.
        XCTAssertEqual(split.recordSize(forFlushOf: 1 << 20), TLSRecordSplit.maximumRecord)
    }

    func testFlushWhileRecordsAreUnansweredIsNotCut() {
        var split = TLSRecordSplit()
        split.sent(records: 2)
        // The answer to one of two batches releases the next: it stays one batch.
        split.received(records: 1)
        XCTAssertEqual(split.unanswered, 1)
        XCTAssertEqual(split.recordSize(forFlushOf: 10_000), TLSRecordSplit.maximumRecord)
        split.sent(records: 1)
        // Both answers read together: the batches merged, cut again.
        split.received(records: 2)
        XCTAssertEqual(split.unanswered, 0)
        XCTAssertEqual(split.recordSize(forFlushOf: 10_000), 5_000)
    }

    func testExtraAnswerRecordsDoNotCountAhead() {
        var split = TLSRecordSplit()
        split.sent(records: 1)
        // A large reply or a push: more records back than sent.
        split.received(records: 3)
        XCTAssertEqual(split.unanswered, 0)
        split.sent(records: 1)
        XCTAssertEqual(split.unanswered, 1, "the surplus is not credited to later records")
        XCTAssertEqual(split.recordSize(forFlushOf: 10_000), TLSRecordSplit.maximumRecord)
    }

    /// The stage cuts a flush in two while the server has answered everything, sends the next
    /// whole while records are unanswered, and cuts again once the answers have come back.
    func testStageCutsOnlyWhileTheServerHasAnsweredEverything() throws {
        let pair = TLSPair(client: try TLSTestCertificates.client(), server: try TLSTestCertificates.server())
        pair.start()
        // 200 commands of 56 bytes, as one flush.
        let message = ByteBuffer(bytes: (0..<11_200).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try pair.client.writeOutbound(message)
        let first = TLSPair.drain(pair.client)
        XCTAssertEqual(TLSPair.recordLengths(first).count, 2, "records: \(TLSPair.recordLengths(first))")
        try pair.client.writeOutbound(message)
        let second = TLSPair.drain(pair.client)
        XCTAssertEqual(TLSPair.recordLengths(second).count, 1, "two records unanswered: not cut")
        TLSPair.deliver(first, to: pair.server)
        TLSPair.deliver(second, to: pair.server)
        var expected = message
        expected.writeBuffer(message)
        XCTAssertEqual(pair.serverRecorder.received, expected)
        // Two answer records for three sent: still one unanswered.
        for answer in ["a", "b"] {
            try pair.server.writeOutbound(ByteBuffer(bytes: Array(answer.utf8)))
            TLSPair.deliver(TLSPair.drain(pair.server), to: pair.client)
        }
        try pair.client.writeOutbound(message)
        XCTAssertEqual(TLSPair.recordLengths(TLSPair.drain(pair.client)).count, 1)
        // The last two answers: everything answered, the next flush is cut again.
        for answer in ["c", "d"] {
            try pair.server.writeOutbound(ByteBuffer(bytes: Array(answer.utf8)))
            TLSPair.deliver(TLSPair.drain(pair.server), to: pair.client)
        }
        XCTAssertEqual(pair.clientRecorder.received, ByteBuffer(bytes: Array("abcd".utf8)))
        try pair.client.writeOutbound(message)
        XCTAssertEqual(TLSPair.recordLengths(TLSPair.drain(pair.client)).count, 2)
    }
}
