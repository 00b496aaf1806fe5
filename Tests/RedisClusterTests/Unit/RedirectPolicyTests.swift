import Redis
import SwiftEV
import XCTest
@testable import RedisCluster

final class RedirectPolicyTests: XCTestCase {
    let policy = RedirectPolicy()
    let a = ClusterEndpoint(host: "127.0.0.1", port: 7000)
    let b = ClusterEndpoint(host: "127.0.0.1", port: 7001)
    let now = Deadline(uptimeNanoseconds: 1_000_000_000)
    var later: Deadline { now + .seconds(5) }

    private func decide(_ r: Redirection, history: [Redirection] = [], sender: ClusterEndpoint? = nil,
                        known: Set<ClusterEndpoint> = [], deadline: Deadline? = nil) -> RedirectPolicy.Decision {
        policy.decide(r, history: history, sender: sender ?? a, knowsPrimary: { known.contains($0) },
                      now: now, deadline: deadline ?? later)
    }

    func testMovedToKnownPrimaryPatchesWithoutRefresh() {
        XCTAssertEqual(decide(.moved(slot: 42, host: "127.0.0.1", port: 7001), known: [b]),
                       .send(to: b, asking: false, after: .zero, patchSlot: 42, refresh: false))
    }

    func testMovedToUnknownNodeAlsoRefreshes() {
        XCTAssertEqual(decide(.moved(slot: 42, host: "127.0.0.1", port: 7001)),
                       .send(to: b, asking: false, after: .zero, patchSlot: 42, refresh: true))
    }

    func testAskSendsWithAskingAndLeavesTheTable() {
        XCTAssertEqual(decide(.ask(slot: 7, host: "127.0.0.1", port: 7001), known: [b]),
                       .send(to: b, asking: true, after: .zero, patchSlot: nil, refresh: false))
    }

    func testRetrySignalsWaitTheirDelay() {
        XCTAssertEqual(decide(.tryAgain("x")), .reroute(after: .milliseconds(100), refresh: false))
        XCTAssertEqual(decide(.clusterDown("x")), .reroute(after: .milliseconds(100), refresh: true))
        XCTAssertEqual(decide(.loading("x")), .reroute(after: .milliseconds(100), refresh: true))
        XCTAssertEqual(decide(.masterDown("x")), .reroute(after: .milliseconds(100), refresh: true))
    }

    func testBudgetRunsOut() {
        let history = Array(repeating: Redirection.tryAgain("x"), count: 16)
        XCTAssertEqual(decide(.moved(slot: 1, host: "127.0.0.1", port: 7001), history: history), .fail(.tooManyRedirections(limit: 16)))
        XCTAssertNotEqual(decide(.moved(slot: 1, host: "127.0.0.1", port: 7001), history: Array(history.dropLast())),
                          .fail(.tooManyRedirections(limit: 16)))
    }

    func testMovedBackToSenderRefreshesOnceThenFails() {
        let selfMove = Redirection.moved(slot: 3, host: "127.0.0.1", port: 7000)
        XCTAssertEqual(decide(selfMove, sender: a), .reroute(after: .milliseconds(100), refresh: true))
        XCTAssertEqual(decide(selfMove, history: [selfMove], sender: a), .fail(.redirectLoop(a)))
    }

    func testDelayPastDeadlineFailsInsteadOfWaiting() {
        let decision = decide(.tryAgain("x"), deadline: now + .milliseconds(50))
        guard case .fail(.timedOutWaiting) = decision else { return XCTFail("\(decision)") }
    }
}
