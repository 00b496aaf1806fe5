import SwiftEV
import XCTest
@testable import RedisCluster

/// A topology refresh round lives as long as its questions, not longer: it keeps its timer,
/// and a timer keeping its round was a cycle that leaked every round with the topologies it
/// gathered (the cache service's memory grew ~2 MiB a minute from the periodic refresh).
final class RefreshRoundLifetimeTests: XCTestCase {
    func testARoundIsFreedOnceItsAnswersAreIn() throws {
        let cluster = try ScriptedCluster()
        let coordinator = cluster.readyCoordinator()
        XCTAssertNotNil(coordinator.topology)

        weak var round: ClusterCoordinator.RefreshRound?
        do {
            let started = coordinator.startRefresh()
            round = started
            XCTAssertFalse(started.concluded)
        }
        XCTAssertNotNil(round, "held while its questions are out")
        cluster.answerTopologyQueries()
        XCTAssertNil(round, "concluded, and freed with its timer and views")
    }
}
