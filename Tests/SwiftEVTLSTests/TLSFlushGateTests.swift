@testable import SwiftEVTLS
import SwiftEV
import XCTest

/// The flush hold's decisions, without a stage or a socket.
final class TLSFlushGateTests: XCTestCase {
    let wait = TimeAmount.milliseconds(5)
    let t0 = Deadline(uptimeNanoseconds: 1_000_000_000)

    private func gate() -> TLSFlushGate { TLSFlushGate(TLSFlushHold(maximumWait: wait)) }

    func testAFlushWithNothingUnansweredGoesOut() {
        var gate = gate()
        XCTAssertEqual(gate.flushWanted(now: t0), .send)
        gate.sent()
        XCTAssertTrue(gate.received() == false, "nothing was held")
        XCTAssertEqual(gate.flushWanted(now: t0), .send, "the answer came: the next flush goes at once")
    }

    func testAFlushWaitsForTheAnswerToThePreviousOneAndTheAnswerReleasesIt() {
        var gate = gate()
        gate.sent()
        XCTAssertEqual(gate.flushWanted(now: t0), .hold(armTimerAt: t0 + wait))
        XCTAssertTrue(gate.isHolding)
        // More flushes while held join it: the timer is already armed.
        XCTAssertEqual(gate.flushWanted(now: t0 + .microseconds(10)), .hold(armTimerAt: nil))
        XCTAssertTrue(gate.received(), "the answer releases the held flush")
        XCTAssertFalse(gate.isHolding)
        XCTAssertEqual(gate.flushWanted(now: t0 + .microseconds(20)), .send)
    }

    func testTheTimerSendsAFlushWhoseAnswerDoesNotCome() {
        var gate = gate()
        gate.sent()
        XCTAssertEqual(gate.flushWanted(now: t0), .hold(armTimerAt: t0 + wait))
        XCTAssertEqual(gate.timerFired(now: t0 + wait), .send)
        XCTAssertFalse(gate.isHolding)
        // It stops waiting for that answer: the flush it asks for is not held again.
        XCTAssertEqual(gate.flushWanted(now: t0 + wait), .send)
        gate.sent()
        // The next hold arms the timer again.
        XCTAssertEqual(gate.flushWanted(now: t0 + wait + .microseconds(1)), .hold(armTimerAt: t0 + wait + .microseconds(1) + wait))
    }

    func testATimerArmedForAnEarlierHoldIsArmedAgainForTheCurrentOne() {
        var gate = gate()
        gate.sent()
        XCTAssertEqual(gate.flushWanted(now: t0), .hold(armTimerAt: t0 + wait))
        XCTAssertTrue(gate.received())
        gate.sent()
        // A second hold while the first one's timer is still armed: no timer call.
        let later = t0 + .milliseconds(2)
        XCTAssertEqual(gate.flushWanted(now: later), .hold(armTimerAt: nil))
        XCTAssertEqual(gate.timerFired(now: t0 + wait), .rearm(at: later + wait), "not the second hold's full wait yet")
        XCTAssertTrue(gate.isHolding)
        XCTAssertEqual(gate.timerFired(now: later + wait), .send)
    }

    func testATimerWithNothingHeldDoesNothing() {
        var gate = gate()
        gate.sent()
        _ = gate.flushWanted(now: t0)
        XCTAssertTrue(gate.received())
        XCTAssertEqual(gate.timerFired(now: t0 + wait), .nothing)
        gate.sent()
        XCTAssertEqual(gate.flushWanted(now: t0 + wait), .hold(armTimerAt: t0 + wait + wait), "disarmed: armed again")
    }

    func testAHoldPastItsDeadlineIsReleasedByTheNextFlush() {
        // The timer may fire late on a busy loop; a flush asked for after the deadline goes.
        var gate = gate()
        gate.sent()
        XCTAssertEqual(gate.flushWanted(now: t0), .hold(armTimerAt: t0 + wait))
        XCTAssertEqual(gate.flushWanted(now: t0 + wait), .send)
        XCTAssertFalse(gate.isHolding)
    }

    func testNoWaitNeverHolds() {
        for wait in [TimeAmount.zero, .milliseconds(-1)] {
            var gate = TLSFlushGate(TLSFlushHold(maximumWait: wait))
            gate.sent()
            XCTAssertEqual(gate.flushWanted(now: t0), .send, "\(wait)")
            XCTAssertFalse(gate.isHolding)
        }
    }

    func testResetForgetsEverything() {
        var gate = gate()
        gate.sent()
        _ = gate.flushWanted(now: t0)
        gate.reset()
        XCTAssertFalse(gate.isHolding)
        XCTAssertFalse(gate.awaitingAnswer)
        XCTAssertFalse(gate.timerArmed)
        XCTAssertEqual(gate.flushWanted(now: t0), .send)
    }
}
