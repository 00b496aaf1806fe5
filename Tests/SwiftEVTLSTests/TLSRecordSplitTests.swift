@testable import SwiftEVTLS
import SwiftEV
import XCTest

final class TLSRecordSplitTests: XCTestCase {
    func testSmallFlushIsOneRecord() {
        XCTAssertEqual(TLSRecordSplit.recordSize(forFlushOf: 1), TLSRecordSplit.minimumRecord)
        XCTAssertEqual(TLSRecordSplit.recordSize(forFlushOf: TLSRecordSplit.minimumRecord), TLSRecordSplit.minimumRecord)
    }

    func testMidSizedFlushIsCutIntoAFewRecordsOfTheMinimumOrMore() {
        // 200 pipelined GET/SETs: about 12 KB.
        XCTAssertEqual(TLSRecordSplit.recordSize(forFlushOf: 12_000), 3_000)
        // Not cut below the minimum: two records, not four of 750 bytes.
        XCTAssertEqual(TLSRecordSplit.recordSize(forFlushOf: 3_000), TLSRecordSplit.minimumRecord)
    }

    func testLargeFlushUsesFullRecords() {
        XCTAssertEqual(TLSRecordSplit.recordSize(forFlushOf: 1 << 20), TLSRecordSplit.maximumRecord)
    }

    /// The stage really sends a 12 KB flush as four records, and the peer gets the bytes whole.
    func testStageSendsAFlushAsSeveralRecords() throws {
        let pair = TLSPair(client: try TLSTestCertificates.client(), server: try TLSTestCertificates.server())
        pair.start()
        // 200 commands of 56 bytes, as one flush.
        let message = ByteBuffer(bytes: (0..<11_200).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try pair.client.writeOutbound(message)
        let wire = TLSPair.drain(pair.client)
        let lengths = TLSPair.recordLengths(wire)
        XCTAssertEqual(lengths.count, 4, "records: \(lengths)")
        TLSPair.deliver(wire, to: pair.server)
        XCTAssertEqual(pair.serverRecorder.received, message)
    }
}
