import ClusterChaosKit
import Foundation
import XCTest

/// Short runs of every live topology scenario on the chaos cluster (its own, reset before each
/// run, so the order of the tests does not matter), asserting the promises of the README's
/// "What happens when the cluster changes": through the cluster client, through the cache
/// service over HTTP (`…OverHTTP`), and with writes confirmed by `WAIT 1` (`…AfterWait`).
/// Stalls and recovery times are measured by the ClusterChaos runner, not asserted here (no
/// timing assertions in tests).
final class LiveTopologyTests: XCTestCase {
    func runner() throws -> ChaosRunner {
        guard let text = ProcessInfo.processInfo.environment["SWIFTEV_CHAOS_BASE_PORT"], let base = Int(text) else {
            throw ChaosCluster.Failure(description: "SWIFTEV_CHAOS_BASE_PORT is not set: run the tests with scripts/test.sh, "
                                       + "which starts the chaos cluster (scripts/redis-cluster.sh --name chaos start)")
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/redis-cluster.sh").path
        var settings = ChaosSettings()
        settings.workers = 48
        settings.before = 1
        settings.after = 1
        // The runner moves a third of the slots; the test's short version 1,024 of them.
        settings.reshardSlots = 1024
        // The runner rebalances a quarter of the slots onto the new pair (redis-cli moving one
        // slot at a time: over a minute); the tests move an eighth, in batches (seconds), and
        // scale-in moves them back the same way. An eighth, so that with 96 keys the load is on
        // some of the moved slots (each run's keys are new: all missed with odds of 3 in a million).
        settings.scaleOutSlots = 2048
        return ChaosRunner(cluster: ChaosCluster(script: script, name: "chaos", basePort: base), settings: settings) { print($0) }
    }

    func run(_ scenario: ChaosScenario, via path: ChaosPath = .client) async throws -> ChaosFigures {
        let result = try await runner().run(scenario, via: path)
        print("\(scenario.rawValue) via \(path.rawValue): \(result.figures)")
        XCTAssertGreaterThan(result.figures.operations, 1000, "the load ran")
        XCTAssertGreaterThan(result.affectedWorkers, 0, "some workers' keys were on the slots the fault touched")
        return result.figures
    }

    /// Reshard, failover, scale out, scale in: nothing surfaces, nothing lost, nothing doubled.
    func assertNothingHappenedToTheCallers(_ figures: ChaosFigures, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(figures.errors, [:], "no error surfaced", file: file, line: line)
        XCTAssertEqual(figures.lostWrites, 0, "acknowledged writes lost", file: file, line: line)
        XCTAssertEqual(figures.appliedTwice, 0, "counters applied twice", file: file, line: line)
        XCTAssertEqual(figures.lostIncrements, 0, file: file, line: line)
        XCTAssertEqual(figures.staleReads, 0, "reads older than an acknowledged write", file: file, line: line)
    }

    func testReshardingSlotsUnderLoad() async throws {
        assertNothingHappenedToTheCallers(try await run(.reshard))
    }

    func testClusterFailover() async throws {
        assertNothingHappenedToTheCallers(try await run(.failover))
    }

    func testScaleOutByAPair() async throws {
        assertNothingHappenedToTheCallers(try await run(.scaleOut))
    }

    func testScaleInByAPair() async throws {
        assertNothingHappenedToTheCallers(try await run(.scaleIn))
    }

    /// kill -9 of a primary: only the commands in flight at the kill fail, as outcome unknown;
    /// nothing runs twice. (Writes Redis' asynchronous replication dropped can be lost: the
    /// runner reports how many.)
    func testKilledPrimary() async throws {
        assertOnlyInFlightCommandsFailed(try await run(.kill))
    }

    func assertOnlyInFlightCommandsFailed(_ figures: ChaosFigures, file: StaticString = #filePath, line: UInt = #line) {
        let notUnknown = figures.errors.filter { !$0.key.hasPrefix("unknown outcome") }
        XCTAssertEqual(notUnknown, [:], "only outcome-unknown errors", file: file, line: line)
        XCTAssertLessThanOrEqual(figures.errorCount, 48, "at most one command in flight per worker at the kill", file: file, line: line)
        XCTAssertEqual(figures.appliedTwice, 0, file: file, line: line)
    }

    /// A primary paused past cluster-node-timeout (commandTimeout below it): in-flight and
    /// waiting commands may fail as unknown or timed out, but no acknowledged write is lost and
    /// no read goes back in time.
    func testPausedPrimary() async throws {
        assertNoAcknowledgedWriteLostToAHang(try await run(.pause))
    }

    func assertNoAcknowledgedWriteLostToAHang(_ figures: ChaosFigures, file: StaticString = #filePath, line: UInt = #line) {
        let allowed = figures.errors.filter { $0.key.hasPrefix("unknown outcome") || $0.key.contains("timed out") || $0.key.contains("timeout") }
        XCTAssertEqual(allowed.count, figures.errors.count, "only unknown outcomes and timeouts: \(figures.errors)", file: file, line: line)
        XCTAssertEqual(figures.lostWrites, 0, "acknowledged writes lost", file: file, line: line)
        XCTAssertEqual(figures.appliedTwice, 0, file: file, line: line)
        XCTAssertEqual(figures.staleReads, 0, "reads older than an acknowledged write", file: file, line: line)
    }

    // MARK: Through the cache service over HTTP

    func testReshardingSlotsUnderLoadOverHTTP() async throws {
        assertNothingHappenedToTheCallers(try await run(.reshard, via: .http))
    }

    func testClusterFailoverOverHTTP() async throws {
        assertNothingHappenedToTheCallers(try await run(.failover, via: .http))
    }

    func testScaleOutByAPairOverHTTP() async throws {
        assertNothingHappenedToTheCallers(try await run(.scaleOut, via: .http))
    }

    func testScaleInByAPairOverHTTP() async throws {
        assertNothingHappenedToTheCallers(try await run(.scaleIn, via: .http))
    }

    /// The service answers the requests in flight at the kill 503/504 with outcome unknown.
    func testKilledPrimaryOverHTTP() async throws {
        assertOnlyInFlightCommandsFailed(try await run(.kill, via: .http))
    }

    func testPausedPrimaryOverHTTP() async throws {
        assertNoAcknowledgedWriteLostToAHang(try await run(.pause, via: .http))
    }

    // MARK: Writes acknowledged after WAIT 1

    /// Mid-reshard a write that follows an `ASK` runs on the importing node; its `WAIT 1` goes
    /// with it, so the confirmation is that node's replica's (not the old owner's).
    func testReshardingSlotsUnderLoadAfterWait() async throws {
        assertNothingHappenedToTheCallers(try await run(.reshard, via: .wait))
    }

    /// A manual failover waits for the replica to catch up before it switches, and the demoted
    /// primary becomes the new one's replica: writes confirmed on either side of the switch stay.
    /// While it waits, the old primary pauses writes and, paused, does not ask its replicas for
    /// acknowledgements (Redis' `beforeSleep`), so a write it ran just before the pause can see
    /// its `WAIT` time out with 0 (or be unblocked by the demotion): reported unknown, at most
    /// the one write in flight per worker, and never a write that did not run.
    func testClusterFailoverAfterWait() async throws {
        let figures = try await run(.failover, via: .wait)
        let notConfirmation = figures.errors.filter { !($0.key.hasPrefix("unknown outcome") && $0.key.contains(" applied, ")) }
        XCTAssertEqual(notConfirmation, [:], "only writes that ran and whose WAIT did not confirm them")
        XCTAssertLessThanOrEqual(figures.errorCount, 48, "at most the write in flight per worker at the pause")
        XCTAssertEqual(figures.lostWrites, 0, "acknowledged writes lost")
        XCTAssertEqual(figures.appliedTwice, 0, "counters applied twice")
        XCTAssertEqual(figures.lostIncrements, 0)
        XCTAssertEqual(figures.staleReads, 0, "reads older than an acknowledged write")
    }

    /// The new pair's replica is online before any slot moves onto its primary, so a write that
    /// lands there is confirmed like any other.
    func testScaleOutByAPairAfterWait() async throws {
        assertNothingHappenedToTheCallers(try await run(.scaleOut, via: .wait))
    }

    /// Slots leave the pair being removed before it stops; writes confirmed there moved with
    /// their slots (MIGRATE) and are read back from the new owners.
    func testScaleInByAPairAfterWait() async throws {
        assertNothingHappenedToTheCallers(try await run(.scaleIn, via: .wait))
    }

    /// With every write confirmed by a replica before it counts, a kill -9 loses none of them:
    /// the promoted replica has them all. Writes the new primary takes before its replica is
    /// back are reported unknown (no replica to confirm), never acknowledged.
    func testKilledPrimaryLosesNoWriteAcknowledgedAfterWait() async throws {
        let figures = try await run(.kill, via: .wait)
        let notUnknown = figures.errors.filter { !$0.key.hasPrefix("unknown outcome") }
        XCTAssertEqual(notUnknown, [:], "only outcome-unknown errors")
        XCTAssertEqual(figures.lostWrites, 0, "acknowledged writes lost")
        XCTAssertEqual(figures.lostIncrements, 0, "acknowledged increments lost")
        XCTAssertEqual(figures.appliedTwice, 0)
    }

    func testPausedPrimaryLosesNoWriteAcknowledgedAfterWait() async throws {
        let figures = try await run(.pause, via: .wait)
        assertNoAcknowledgedWriteLostToAHang(figures)
        XCTAssertEqual(figures.lostIncrements, 0, "acknowledged increments lost")
    }
}
