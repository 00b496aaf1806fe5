import Synchronization
import XCTest
@testable import SwiftEV

/// `LibevEventLoopGroup(busyPoll:)`: after activity the loop polls instead of blocking, still
/// runs everything it is given, and goes back to sleep once the window has passed.
final class BusyPollTests: XCTestCase {
    func testLoopPollsAfterActivityAndStillRunsTasksAndTimers() throws {
        // A window far longer than the test: once woken, the loop must still be polling.
        let group = LibevEventLoopGroup(numberOfThreads: 1, busyPoll: .seconds(3600))
        defer { try? group.syncShutdown() }
        let loop = group.loops[0]
        try loop.submit {}.wait()
        XCTAssertTrue(try loop.submit { loop.isBusyPolling }.wait(), "after an event the loop polls")

        // Work from other threads and timers are still seen while it polls.
        let ran = Atomic<Int>(0)
        for _ in 0..<1000 { loop.execute { ran.add(1, ordering: .relaxed) } }
        let timer = loop.scheduleTask(in: .milliseconds(20)) { "fired" }
        XCTAssertEqual(try timer.futureResult.wait(), "fired")
        try loop.submit {}.wait()
        XCTAssertEqual(ran.load(ordering: .relaxed), 1000)
    }

    func testLoopStopsPollingOnceTheWindowHasPassed() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1, busyPoll: .microseconds(1))
        defer { try? group.syncShutdown() }
        let loop = group.loops[0]
        try loop.submit {}.wait()
        // A check reads the state the loop was in when the check arrived (the check itself is
        // an event that restarts the window afterwards). After a pause far longer than the
        // window it must find the loop asleep; retried so a stalled test thread cannot fail it.
        var polling = true
        for _ in 0..<1000 where polling {
            usleep(1000)
            polling = try loop.submit { loop.isBusyPolling }.wait()
        }
        XCTAssertFalse(polling, "an idle loop must block again, not spin forever")
    }

    func testWithoutAWindowTheLoopNeverPolls() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        let loop = group.loops[0]
        try loop.submit {}.wait()
        XCTAssertFalse(try loop.submit { loop.isBusyPolling }.wait())
    }
}
