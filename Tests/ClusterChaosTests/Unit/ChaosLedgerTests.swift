import ClusterChaosKit
import XCTest

/// The accounting of a chaos run, fed by hand: what counts as a lost write, a double increment,
/// a stale read, a stall, and the recovery after the fault.
final class ChaosLedgerTests: XCTestCase {
    func testFinalValueOfLastAcknowledgedWriteIsNotLost() {
        var ledger = ChaosLedger(workers: 1)
        ledger.recordSet(worker: 0, seq: 1, .ok, submitted: 0, completed: 0.1)
        ledger.recordSet(worker: 0, seq: 2, .ok, submitted: 0.1, completed: 0.2)
        XCTAssertEqual(ledger.verify(finalValues: [2], finalCounters: [0]).lostWrites, 0)
    }

    func testOlderOrMissingFinalValueIsALostWrite() {
        var ledger = ChaosLedger(workers: 2)
        ledger.recordSet(worker: 0, seq: 1, .ok, submitted: 0, completed: 0.1)
        ledger.recordSet(worker: 0, seq: 2, .ok, submitted: 0.1, completed: 0.2)
        ledger.recordSet(worker: 1, seq: 1, .ok, submitted: 0, completed: 0.1)
        let figures = ledger.verify(finalValues: [1, nil], finalCounters: [0, 0])
        XCTAssertEqual(figures.lostWrites, 2, "worker 0 went back to seq 1, worker 1 lost its only value")
    }

    func testLaterWriteWithUnknownOutcomeMayBeTheFinalValue() {
        var ledger = ChaosLedger(workers: 1)
        ledger.recordSet(worker: 0, seq: 1, .ok, submitted: 0, completed: 0.1)
        ledger.recordSet(worker: 0, seq: 2, .unknown("SET timeout"), submitted: 0.1, completed: 1.1)
        XCTAssertEqual(ledger.verify(finalValues: [2], finalCounters: [0]).lostWrites, 0)
        XCTAssertEqual(ledger.verify(finalValues: [1], finalCounters: [0]).lostWrites, 0)
        XCTAssertEqual(ledger.verify(finalValues: [3], finalCounters: [0]).lostWrites, 1, "never written")
    }

    func testUnknownWriteOlderThanTheLastAcknowledgedOneIsALoss() {
        var ledger = ChaosLedger(workers: 1)
        ledger.recordSet(worker: 0, seq: 1, .unknown("SET timeout"), submitted: 0, completed: 1)
        ledger.recordSet(worker: 0, seq: 2, .ok, submitted: 1, completed: 1.1)
        XCTAssertEqual(ledger.verify(finalValues: [1], finalCounters: [0]).lostWrites, 1)
    }

    func testWriteThatFailedKnownNotExecutedIsNotExpected() {
        var ledger = ChaosLedger(workers: 1)
        ledger.recordSet(worker: 0, seq: 1, .ok, submitted: 0, completed: 0.1)
        ledger.recordSet(worker: 0, seq: 2, .failed("SET timed out waiting"), submitted: 0.1, completed: 1)
        XCTAssertEqual(ledger.verify(finalValues: [1], finalCounters: [0]).lostWrites, 0)
        XCTAssertEqual(ledger.verify(finalValues: [1], finalCounters: [0]).errors, ["SET timed out waiting": 1])
    }

    func testCounterAboveAcknowledgedPlusUnknownWasAppliedTwice() {
        var ledger = ChaosLedger(workers: 1)
        ledger.recordIncrement(worker: 0, .ok, submitted: 0, completed: 0.1)
        ledger.recordIncrement(worker: 0, .ok, submitted: 0.1, completed: 0.2)
        ledger.recordIncrement(worker: 0, .unknown("INCR connection closed"), submitted: 0.2, completed: 0.3)
        XCTAssertEqual(ledger.verify(finalValues: [nil], finalCounters: [3]).appliedTwice, 0)
        XCTAssertEqual(ledger.verify(finalValues: [nil], finalCounters: [2]).appliedTwice, 0, "the unknown one did not run")
        XCTAssertEqual(ledger.verify(finalValues: [nil], finalCounters: [4]).appliedTwice, 1)
        XCTAssertEqual(ledger.verify(finalValues: [nil], finalCounters: [1]).lostIncrements, 1)
    }

    func testReadOlderThanTheLastAcknowledgedValueIsStale() {
        var ledger = ChaosLedger(workers: 1)
        ledger.recordSet(worker: 0, seq: 5, .ok, submitted: 0, completed: 0.1)
        ledger.recordGet(worker: 0, seq: 5, .ok, submitted: 0.1, completed: 0.2)
        ledger.recordGet(worker: 0, seq: 4, .ok, submitted: 0.2, completed: 0.3)
        ledger.recordGet(worker: 0, seq: nil, .ok, submitted: 0.3, completed: 0.4)
        ledger.recordGet(worker: 0, seq: 3, .failed("GET timeout (not sent)"), submitted: 0.4, completed: 0.5)
        XCTAssertEqual(ledger.verify(finalValues: [5], finalCounters: [0]).staleReads, 2)
    }

    func testStallsAreTheLongestGapsBetweenSuccesses() {
        var ledger = ChaosLedger(workers: 2)
        ledger.recordSet(worker: 0, seq: 1, .ok, submitted: 0, completed: 1.0)
        ledger.recordSet(worker: 1, seq: 1, .ok, submitted: 0, completed: 1.2)
        ledger.recordGet(worker: 1, seq: 1, .failed("GET timeout (not sent)"), submitted: 1.2, completed: 2.0)
        ledger.recordGet(worker: 0, seq: 1, .ok, submitted: 1.0, completed: 1.5)
        ledger.recordGet(worker: 1, seq: 1, .ok, submitted: 2.0, completed: 3.7)
        let figures = ledger.verify(finalValues: [1, 1], finalCounters: [0, 0])
        XCTAssertEqual(figures.longestWorkerStall, 2.5, accuracy: 1e-9, "worker 1: 1.2 → 3.7")
        XCTAssertEqual(figures.longestStall, 2.2, accuracy: 1e-9, "nobody succeeded between 1.5 and 3.7")
    }

    func testRecoveryEndsTheLongestGapBetweenWritesOnAffectedWorkers() {
        var ledger = ChaosLedger(workers: 3)
        ledger.faultStarted(at: 10)
        ledger.recordSet(worker: 0, seq: 1, .ok, submitted: 9.9, completed: 10.1)    // submitted before the fault
        ledger.recordSet(worker: 0, seq: 2, .ok, submitted: 10.1, completed: 10.2)   // before the node died
        ledger.recordSet(worker: 1, seq: 1, .ok, submitted: 10.2, completed: 10.3)   // unaffected
        ledger.recordSet(worker: 2, seq: 1, .failed("x"), submitted: 10.2, completed: 11)
        ledger.recordSet(worker: 2, seq: 2, .ok, submitted: 11, completed: 12.5)     // first after the outage
        ledger.recordSet(worker: 0, seq: 3, .ok, submitted: 10.2, completed: 12.6)
        let figures = ledger.verify(finalValues: [3, 1, 2], finalCounters: [0, 0, 0], affected: [0, 2])
        XCTAssertEqual(figures.affectedStall, 2.3, accuracy: 1e-9, "10.2 → 12.5")
        XCTAssertEqual(try XCTUnwrap(figures.recovery), 2.5, accuracy: 1e-9)
    }

    /// A worker whose counter is on the failed shard but whose value key is not writes again
    /// as soon as its stuck INCR times out: its writes do not time the outage.
    func testOnlyWritesToTheAffectedSlotsTimeTheOutage() {
        var ledger = ChaosLedger(workers: 2)
        ledger.faultStarted(at: 10)
        ledger.recordSet(worker: 0, seq: 1, .ok, submitted: 10, completed: 10.1)
        ledger.recordSet(worker: 1, seq: 1, .ok, submitted: 10, completed: 10.1)
        ledger.recordSet(worker: 1, seq: 2, .ok, submitted: 11.1, completed: 11.2)  // value key healthy
        ledger.recordSet(worker: 0, seq: 2, .ok, submitted: 10.2, completed: 13.5)  // value key affected
        let all = ledger.verify(finalValues: [2, 2], finalCounters: [0, 0], affected: [0, 1])
        XCTAssertEqual(try XCTUnwrap(all.recovery), 3.5, accuracy: 1e-9)
        let writers = ledger.verify(finalValues: [2, 2], finalCounters: [0, 0], affected: [0, 1], affectedWriters: [0])
        XCTAssertEqual(writers.affectedStall, 3.4, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(writers.recovery), 3.5, accuracy: 1e-9)
        let wrong = ledger.verify(finalValues: [2, 2], finalCounters: [0, 0], affected: [0, 1], affectedWriters: [1])
        XCTAssertEqual(try XCTUnwrap(wrong.recovery), 1.2, accuracy: 1e-9, "the healthy shard's writes end no outage")
    }

    func testThroughputPerPhaseAndForUnaffectedWorkers() {
        var ledger = ChaosLedger(workers: 2)
        for i in 0..<10 { ledger.recordIncrement(worker: i % 2, .ok, submitted: 0, completed: Double(i) * 0.1) }
        ledger.faultStarted(at: 1)
        for i in 0..<4 { ledger.recordIncrement(worker: 1, .ok, submitted: 1, completed: 1 + Double(i) * 0.1) }
        ledger.faultEnded()
        for i in 0..<6 { ledger.recordIncrement(worker: 0, .ok, submitted: 2, completed: 2 + Double(i) * 0.1) }
        let figures = ledger.verify(finalValues: [nil, nil], finalCounters: [11, 9], affected: [0], phaseSeconds: [1, 2, 3])
        XCTAssertEqual(figures.opsPerSecond, [10, 2, 2])
        XCTAssertEqual(figures.unaffectedOpsPerSecond, [5, 2, 0])
        XCTAssertEqual(figures.operations, 20)
    }

    /// The healthy workers' throughput window by window: a stop (here 1.0–1.5 s) shows where
    /// it falls, to set beside Redis' CLUSTERDOWN window.
    func testSeriesShowsWhereTheUnaffectedWorkersStopped() {
        var ledger = ChaosLedger(workers: 2)
        for i in 0..<20 where !(10..<15).contains(i) {
            ledger.recordIncrement(worker: 0, .ok, submitted: 0, completed: 0.05 + Double(i) * 0.1)
        }
        for i in 0..<20 { ledger.recordIncrement(worker: 1, .ok, submitted: 0, completed: 0.05 + Double(i) * 0.1) }
        XCTAssertEqual(ledger.series(excluding: [1], from: 0.05, to: 2.05, step: 0.5), [10, 10, 0, 10])
        XCTAssertEqual(ledger.series(excluding: [], from: 0.05, to: 2.05, step: 0.5), [20, 20, 10, 20])
    }

    func testMergedLedgersKeepEveryWorker() {
        var first = ChaosLedger(workers: 1)
        first.recordSet(worker: 0, seq: 1, .ok, submitted: 0, completed: 0.1)
        var second = ChaosLedger(workers: 1)
        second.recordSet(worker: 0, seq: 7, .ok, submitted: 0, completed: 0.1)
        second.recordIncrement(worker: 0, .unknown("INCR timeout"), submitted: 0.1, completed: 1)
        first.merge(second)
        let figures = first.verify(finalValues: [1, 6], finalCounters: [0, 1])
        XCTAssertEqual(figures.lostWrites, 1, "the second ledger's worker lost seq 7")
        XCTAssertEqual(figures.unknownOutcomes, 1)
        XCTAssertEqual(figures.operations, 3)
    }

    func testValuesNameTheirSequence() {
        let value = ChaosLoad.value(worker: 12, seq: 345)
        XCTAssertEqual(value.utf8.count, 32)
        XCTAssertEqual(ChaosLoad.seq(of: value), 345)
        XCTAssertNil(ChaosLoad.seq(of: "something else"))
        XCTAssertNil(ChaosLoad.seq(of: nil))
    }
}
