import SwiftEV
import SwiftEVTesting
import XCTest

final class EmbeddedEventLoopTests: XCTestCase {
    func testTimersFireInDeadlineOrderOnlyWhenTimeAdvances() {
        let loop = EmbeddedEventLoop()
        nonisolated(unsafe) var fired: [Int] = []
        for delay in [30, 10, 20] as [Int64] {
            loop.scheduleTask(in: .milliseconds(delay)) { fired.append(Int(delay)) }
        }
        loop.advanceTime(by: .milliseconds(9))
        XCTAssertEqual(fired, [])
        loop.advanceTime(by: .milliseconds(25))
        XCTAssertEqual(fired, [10, 20, 30])
    }

    func testCancelledTaskNeverRunsAndItsFutureSaysCancelled() {
        let loop = EmbeddedEventLoop()
        nonisolated(unsafe) var ran = false
        let task = loop.scheduleTask(in: .seconds(1)) { ran = true }
        task.cancel()
        loop.advanceTime(by: .seconds(2))
        XCTAssertFalse(ran)
        XCTAssertThrowsError(try task.futureResult.result?.get()) { XCTAssertEqual($0 as? EventLoopError, .cancelled) }
        XCTAssertEqual(loop.armedTimerCount, 0)
    }

    func testReArmedTimerFiresOnceAtItsLatestDeadline() {
        let loop = EmbeddedEventLoop()
        var count = 0
        let timer = loop.makeTimer { count += 1 }
        timer.arm(in: .seconds(1), on: loop)
        loop.advanceTime(by: .milliseconds(500))
        timer.arm(in: .seconds(1), on: loop)
        loop.advanceTime(by: .milliseconds(900))
        XCTAssertEqual(count, 0)
        loop.advanceTime(by: .milliseconds(100))
        XCTAssertEqual(count, 1)
        XCTAssertFalse(timer.isArmed)
    }

    func testShutdownFailsPendingScheduledTasks() {
        let loop = EmbeddedEventLoop()
        let task = loop.scheduleTask(in: .seconds(10)) { 1 }
        loop.shutdown()
        XCTAssertThrowsError(try task.futureResult.result?.get()) { XCTAssertEqual($0 as? EventLoopError, .shutDown) }
        XCTAssertFalse(loop.tryExecute {})
    }

    func testFutureCombinators() throws {
        let loop = EmbeddedEventLoop()
        let promise = loop.makePromise(of: Int.self)
        let doubled = promise.futureResult.map { $0 * 2 }
        let chained = doubled.flatMap { loop.makeSucceededFuture("\($0)") }
        struct Boom: Error {}
        let recovered = loop.makeFailedFuture(Boom(), of: Int.self).recover { _ in -1 }
        promise.succeed(21)
        XCTAssertEqual(try chained.result?.get(), "42")
        XCTAssertEqual(try recovered.result?.get(), -1)
    }
}
