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

    func testRedirectBudgetRunsOut() {
        let moved = Redirection.moved(slot: 1, host: "127.0.0.1", port: 7001)
        let history = Array(repeating: Redirection.ask(slot: 1, host: "127.0.0.1", port: 7001), count: 8)
            + Array(repeating: moved, count: 8)
        XCTAssertEqual(decide(moved, history: history), .fail(.tooManyRedirections(limit: 16)))
        XCTAssertEqual(decide(moved, history: Array(history.dropLast()), known: [b]),
                       .send(to: b, asking: false, after: .zero, patchSlot: 1, refresh: false))
    }

    /// A failover keeps the cluster down for seconds: retries after "cannot serve now" signals
    /// go on at their delay until the deadline, however many there were.
    func testUnavailableRetriesAreBoundedByTheDeadlineNotCounted() {
        let downs = Array(repeating: Redirection.clusterDown("The cluster is down"), count: 40)
        XCTAssertEqual(decide(.clusterDown("The cluster is down"), history: downs), .reroute(after: .milliseconds(100), refresh: true))
        XCTAssertEqual(decide(.loading("x"), history: downs), .reroute(after: .milliseconds(100), refresh: true))
        XCTAssertEqual(policy.budgetUsed(by: downs + [.ask(slot: 1, host: "h", port: 1)]), 1)
        // …and they leave the redirect budget whole for the MOVED that ends the failover.
        XCTAssertEqual(decide(.moved(slot: 1, host: "127.0.0.1", port: 7001), history: downs, known: [b]),
                       .send(to: b, asking: false, after: .zero, patchSlot: 1, refresh: false))
        guard case .fail(.timedOutWaiting) = decide(.clusterDown("x"), history: downs, deadline: now + .milliseconds(99)) else {
            return XCTFail("a retry past the deadline must fail")
        }
    }

    func testUnavailableRetriesWithoutADelayAreCountedSoTheyCannotSpin() {
        let eager = RedirectPolicy(retryDelayOnClusterDown: .zero)
        let downs = Array(repeating: Redirection.clusterDown("x"), count: 16)
        let decision = eager.decide(.clusterDown("x"), history: downs, sender: a, knowsPrimary: { _ in true }, now: now, deadline: later)
        XCTAssertEqual(decision, .fail(.tooManyRedirections(limit: 16)))
        XCTAssertEqual(eager.budgetUsed(by: downs + [.tryAgain("x")]), 16, "TRYAGAIN still has its 100 ms delay")
    }

    func testTheConfigurationsDelaysAreTheSignalsDelays() {
        var configuration = RedisClusterConfiguration(seeds: [.init(host: "127.0.0.1", port: 7000)])
        configuration.retryDelayOnTryAgain = .milliseconds(7)
        configuration.retryDelayOnClusterDown = .milliseconds(300)
        configuration.retryDelayOnFailover = .milliseconds(50)
        configuration.maxRedirections = 3
        let configured = RedirectPolicy(configuration)
        XCTAssertEqual(configured.maxRedirections, 3)
        XCTAssertEqual(configured.retryDelay(after: .clusterDown("x")), .milliseconds(300))
        XCTAssertEqual(configured.retryDelay(after: .tryAgain("x")), .milliseconds(7))
        XCTAssertEqual(configured.retryDelay(after: .ask(slot: 1, host: "h", port: 1)), .milliseconds(7))
        XCTAssertEqual(configured.retryDelay(after: .masterDown("x")), .milliseconds(50))
        XCTAssertEqual(configured.decide(.loading("x"), history: [], sender: a, knowsPrimary: { _ in true }, now: now, deadline: later),
                       .reroute(after: .milliseconds(50), refresh: true))
    }

    func testTheChainInAnErrorCountsRepeats() {
        let error = RedisClusterError(.timedOutWaiting(for: "a retry"), command: "INCR", redirections:
            [.moved(slot: 5, host: "h", port: 1)] + Array(repeating: .clusterDown("The cluster is down"), count: 23) + [.tryAgain("t")])
        XCTAssertTrue(error.description.hasSuffix(
            "(went through: MOVED slot 5 to h:1 → CLUSTERDOWN The cluster is down ×23 → TRYAGAIN t)"), error.description)
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
