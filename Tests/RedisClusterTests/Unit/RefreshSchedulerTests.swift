import SwiftEV
import XCTest
@testable import RedisCluster

final class RefreshSchedulerTests: XCTestCase {
    let t0 = Deadline(uptimeNanoseconds: 10_000_000_000)

    func testFirstRequestStartsAtOnce() {
        var s = RefreshScheduler(minimumInterval: .milliseconds(100), periodicInterval: .seconds(5), jitter: 0)
        XCTAssertEqual(s.request(now: t0, random: 0), .start)
        XCTAssertTrue(s.isRunning)
    }

    func testRequestsDuringARefreshJoinItAndCauseOneMore() {
        var s = RefreshScheduler(minimumInterval: .milliseconds(100), periodicInterval: .seconds(5), jitter: 0)
        XCTAssertEqual(s.request(now: t0, random: 0), .start)
        for i in 0..<1000 { XCTAssertEqual(s.request(now: t0 + .microseconds(Int64(i)), random: 0.5), .none) }
        let end = t0 + .milliseconds(10)
        XCTAssertEqual(s.finished(now: end, random: 0), .armTimer(at: end + .milliseconds(100)))
        XCTAssertEqual(s.timerFired(now: end + .milliseconds(50)), .none, "early timer does nothing")
        XCTAssertEqual(s.timerFired(now: end + .milliseconds(100)), .start)
    }

    func testThrottleAfterAFinishedRefresh() {
        var s = RefreshScheduler(minimumInterval: .milliseconds(100), periodicInterval: nil, jitter: 0)
        _ = s.request(now: t0, random: 0)
        XCTAssertEqual(s.finished(now: t0, random: 0), .none)
        XCTAssertEqual(s.request(now: t0 + .milliseconds(30), random: 0), .armTimer(at: t0 + .milliseconds(100)))
        XCTAssertEqual(s.request(now: t0 + .milliseconds(40), random: 0), .none, "timer already armed")
        XCTAssertEqual(s.request(now: t0 + .milliseconds(150), random: 0), .start)
    }

    func testPeriodicRefreshIsJitteredWithinBounds() {
        var s = RefreshScheduler(minimumInterval: .milliseconds(100), periodicInterval: .seconds(5), jitter: 0.2)
        _ = s.request(now: t0, random: 0)
        XCTAssertEqual(s.finished(now: t0, random: 0), .armTimer(at: t0 + .seconds(5)))
        _ = s.timerFired(now: t0 + .seconds(5))
        XCTAssertEqual(s.finished(now: t0 + .seconds(5), random: 1), .armTimer(at: t0 + .seconds(11)))
    }

    func testStoppedSchedulerDoesNothing() {
        var s = RefreshScheduler(minimumInterval: .milliseconds(100), periodicInterval: .seconds(5))
        s.stop()
        XCTAssertEqual(s.request(now: t0, random: 0), .none)
        XCTAssertEqual(s.timerFired(now: t0 + .seconds(60)), .none)
    }
}
