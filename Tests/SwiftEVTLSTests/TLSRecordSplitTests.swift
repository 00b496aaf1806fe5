@testable import SwiftEVTLS
import SwiftEV
import XCTest

final class TLSRecordSplitTests: XCTestCase {
    func testFlushBelowTwoMinimumsIsOneRecord() {
        XCTAssertEqual(TLSRecordSplit.recordSize(forFlushOf: 1), 1)
        XCTAssertEqual(TLSRecordSplit.recordSize(forFlushOf: TLSRecordSplit.minimumRecord), TLSRecordSplit.minimumRecord)
        // 100 GET/SETs answered together come back as one flush: it stays one record, so the
        // batches in flight keep their size instead of being cut smaller every round.
        let almostTwo = 2 * TLSRecordSplit.minimumRecord - 1
        XCTAssertEqual(TLSRecordSplit.recordSize(forFlushOf: almostTwo), almostTwo)
    }

    func testMidSizedFlushIsCutIntoEqualRecordsOfTheMinimumOrMore() {
        // 200 pipelined GET/SETs: about 12 KB, two records of 6,000.
        XCTAssertEqual(TLSRecordSplit.recordSize(forFlushOf: 12_000), 6_000)
        XCTAssertEqual(TLSRecordSplit.recordSize(forFlushOf: 2 * TLSRecordSplit.minimumRecord), TLSRecordSplit.minimumRecord)
        // At most `recordsPerFlush` records while they fit in the TLS maximum.
        let full = TLSRecordSplit.recordsPerFlush * TLSRecordSplit.minimumRecord * 3
        XCTAssertEqual(TLSRecordSplit.recordSize(forFlushOf: full), 3 * TLSRecordSplit.minimumRecord)
    }

    func testEveryRecordOfAFlushOfTheMinimumOrMoreReachesTheMinimum() {
        for bytes in stride(from: TLSRecordSplit.minimumRecord, through: 80_000, by: 997) {
            let size = TLSRecordSplit.recordSize(forFlushOf: bytes)
            let records = (bytes + size - 1) / size
            XCTAssertLessThanOrEqual(size, TLSRecordSplit.maximumRecord, "\(bytes)")
            XCTAssertGreaterThanOrEqual(size, TLSRecordSplit.minimumRecord, "\(bytes)")
            if size < TLSRecordSplit.maximumRecord {
                XCTAssertLessThanOrEqual(records, TLSRecordSplit.recordsPerFlush, "\(bytes)")
                // The last record takes the remainder: never a small tail.
                XCTAssertGreaterThanOrEqual(bytes - (records - 1) * size, TLSRecordSplit.minimumRecord - records, "\(bytes)")
            }
        }
    }

    func testLargeFlushUsesFullRecords() {
        XCTAssertEqual(TLSRecordSplit.recordSize(forFlushOf: 1 << 20), TLSRecordSplit.maximumRecord)
    }

    /// The stage really sends an 11 KB flush as two records, and the peer gets the bytes whole.
    func testStageSendsAFlushAsSeveralRecords() throws {
        let pair = TLSPair(client: try TLSTestCertificates.client(), server: try TLSTestCertificates.server())
        pair.start()
        // 200 commands of 56 bytes, as one flush.
        let message = ByteBuffer(bytes: (0..<11_200).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try pair.client.writeOutbound(message)
        let wire = TLSPair.drain(pair.client)
        let lengths = TLSPair.recordLengths(wire)
        XCTAssertEqual(lengths.count, 2, "records: \(lengths)")
        TLSPair.deliver(wire, to: pair.server)
        XCTAssertEqual(pair.serverRecorder.received, message)
    }
}
