import ClusterChaosKit
import Foundation
import XCTest

/// Redis' own timeline of a kill, read from the script's output and the nodes' logs, and the
/// throughput of any window of a run.
final class ChaosTimelineTests: XCTestCase {
    func logLine(_ epoch: Double, _ message: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "dd MMM yyyy HH:mm:ss.SSS"
        return "4242:S \(formatter.string(from: Date(timeIntervalSince1970: epoch))) # \(message)"
    }

    func testEventsAreTimedFromTheSignalTheScriptReports() throws {
        let kill = 1_796_161_416.863
        let script = ["kill: node 8510 (pid 6030, master) killed with SIGKILL at 1796161416863 ms",
                      "kill: replica 8513 promoted 3.5s after the kill"]
        let replica = [
            logLine(kill - 5, "Failover election won for epoch 3."),  // an earlier run: ignored
            logLine(kill + 2.2, "FAIL message received from abc about def"),
            logLine(kill + 2.2, "Cluster state changed: fail"),
            logLine(kill + 2.6, "Start of election delayed for 577 milliseconds (rank #0, offset 1234)."),
            logLine(kill + 3.25, "Failover election won for epoch 7."),
            logLine(kill + 3.3, "Cluster state changed: ok"),
        ].joined(separator: "\n")
        let other = [logLine(kill + 2.1, "Marking node def as failing (quorum reached)."),
                     logLine(kill + 2.15, "Cluster state changed: fail"),
                     logLine(kill + 3.4, "Cluster state changed: ok")].joined(separator: "\n")
        let timeline = try XCTUnwrap(ChaosTimeline(operationLog: script, logs: [replica, other], faultMarkEpoch: kill - 0.05))
        XCTAssertEqual(timeline.signalAfterMark, 0.05, accuracy: 1e-3)
        XCTAssertEqual(try XCTUnwrap(timeline.failureFlagged), 2.1, accuracy: 1e-3, "the first node to flag it")
        XCTAssertEqual(try XCTUnwrap(timeline.electionScheduled), 2.6, accuracy: 1e-3)
        XCTAssertEqual(try XCTUnwrap(timeline.promoted), 3.25, accuracy: 1e-3)
        let down = try XCTUnwrap(timeline.clusterDown)
        XCTAssertEqual(down[0], 2.15, accuracy: 1e-3, "the first node that refused keyed commands")
        XCTAssertEqual(down[1], 3.4, accuracy: 1e-3, "the last one to serve them again")
    }

    func testNoSignalNoTimeline() {
        XCTAssertNil(ChaosTimeline(operationLog: ["failover: replica 8513 took over from 8510 in 0.2s"], logs: [], faultMarkEpoch: 0))
    }

    func testThroughputOfAWindowCountsOnlyTheWorkersAsked() {
        var ledger = ChaosLedger(workers: 2)
        // Worker 0: 10 successes a second for 3 s; worker 1 stops after 1 s.
        for i in 0..<30 { ledger.recordIncrement(worker: 0, .ok, submitted: 0, completed: 100 + Double(i) * 0.1 + 0.05) }
        for i in 0..<10 { ledger.recordIncrement(worker: 1, .ok, submitted: 0, completed: 100 + Double(i) * 0.1 + 0.05) }
        XCTAssertEqual(ledger.opsPerSecond(excluding: [], from: 100, to: 101), 20, accuracy: 1e-9)
        XCTAssertEqual(ledger.opsPerSecond(excluding: [], from: 101, to: 103), 10, accuracy: 1e-9)
        XCTAssertEqual(ledger.opsPerSecond(excluding: [0], from: 101, to: 103), 0, accuracy: 1e-9)
    }
}
