import SwiftEV
import SwiftEVTLS
import XCTest

/// `TLSStage` with a `TLSFlushHold`, on the in-memory pair.
final class TLSFlushHoldStageTests: XCTestCase {
    let wait = TimeAmount.milliseconds(5)

    private func startedPair() throws -> TLSPair {
        let pair = TLSPair(client: try TLSTestCertificates.client(), server: try TLSTestCertificates.server(),
                           clientFlushHold: TLSFlushHold(maximumWait: wait))
        pair.start()
        return pair
    }

    private func bytes(_ text: String) -> ByteBuffer { ByteBuffer(bytes: Array(text.utf8)) }

    func testWritesWaitForTheAnswerThenLeaveAsOneRecord() throws {
        let pair = try startedPair()
        try pair.client.writeOutbound(bytes("first"))
        let first = TLSPair.drain(pair.client)
        XCTAssertEqual(TLSPair.recordLengths(first).count, 1)
        // Unanswered: the next flushes wait, and gather.
        try pair.client.writeOutbound(bytes("second,"))
        try pair.client.writeOutbound(bytes("third"))
        XCTAssertEqual(TLSPair.drain(pair.client).readableBytes, 0, "held while the first is unanswered")
        TLSPair.deliver(first, to: pair.server)
        XCTAssertEqual(pair.serverRecorder.received, bytes("first"))
        // The server answers: that releases both, in one record.
        try pair.server.writeOutbound(bytes("answer"))
        TLSPair.deliver(TLSPair.drain(pair.server), to: pair.client)
        XCTAssertEqual(pair.clientRecorder.received, bytes("answer"))
        let released = TLSPair.drain(pair.client)
        XCTAssertEqual(TLSPair.recordLengths(released).count, 1)
        TLSPair.deliver(released, to: pair.server)
        XCTAssertEqual(pair.serverRecorder.received, bytes("firstsecond,third"))
    }

    /// Only application data answers: the first bytes of the answer's record decrypt to nothing,
    /// so the flush stays held until the record is whole.
    func testPartOfTheAnswersRecordDoesNotReleaseTheHold() throws {
        let pair = try startedPair()
        try pair.client.writeOutbound(bytes("first"))
        TLSPair.deliver(TLSPair.drain(pair.client), to: pair.server)
        try pair.client.writeOutbound(bytes("second"))
        try pair.server.writeOutbound(bytes("answer"))
        var answer = TLSPair.drain(pair.server)
        let head = answer.readSlice(length: 8)!
        TLSPair.deliver(head, to: pair.client)
        XCTAssertEqual(pair.clientRecorder.received.readableBytes, 0)
        XCTAssertEqual(TLSPair.drain(pair.client).readableBytes, 0, "held: part of a record is no answer")
        TLSPair.deliver(answer, to: pair.client)
        XCTAssertEqual(pair.clientRecorder.received, bytes("answer"))
        TLSPair.deliver(TLSPair.drain(pair.client), to: pair.server)
        XCTAssertEqual(pair.serverRecorder.received, bytes("firstsecond"), "released by the whole record")
    }

    func testAHeldFlushGoesOutAfterTheMaximumWait() throws {
        let pair = try startedPair()
        try pair.client.writeOutbound(bytes("first"))
        TLSPair.deliver(TLSPair.drain(pair.client), to: pair.server)
        try pair.client.writeOutbound(bytes("second"))
        pair.loop.advanceTime(by: wait - .microseconds(1))
        XCTAssertEqual(TLSPair.drain(pair.client).readableBytes, 0, "still waiting")
        pair.loop.advanceTime(by: .microseconds(1))
        TLSPair.deliver(TLSPair.drain(pair.client), to: pair.server)
        XCTAssertEqual(pair.serverRecorder.received, bytes("firstsecond"), "sent once the wait was over, with no answer")
    }

    func testAHeldFlushIsNotSplit() throws {
        let pair = try startedPair()
        // 200 commands of 56 bytes: two records without the hold, the first flush (TLSRecordSplitTests).
        let message = ByteBuffer(bytes: (0..<11_200).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try pair.client.writeOutbound(message)
        let wire = TLSPair.drain(pair.client)
        XCTAssertEqual(TLSPair.recordLengths(wire).count, 1)
        TLSPair.deliver(wire, to: pair.server)
        XCTAssertEqual(pair.serverRecorder.received, message)
    }

    func testCloseSendsWhatIsHeldBeforeCloseNotify() throws {
        let pair = try startedPair()
        try pair.client.writeOutbound(bytes("first"))
        TLSPair.deliver(TLSPair.drain(pair.client), to: pair.server)
        try pair.client.writeOutbound(bytes("second"))
        try pair.client.close()
        TLSPair.deliver(TLSPair.drain(pair.client), to: pair.server)
        XCTAssertEqual(pair.serverRecorder.received, bytes("firstsecond"))
        XCTAssertEqual(pair.loop.armedTimerCount, 0, "the hold timer is cancelled")
    }
}
