import SwiftEV
import SwiftEVTesting
import XCTest

/// Issue 7, item 4: long chains, results after shutdown, and promises dropped uncompleted.
final class FutureTests: XCTestCase {
    /// Completing the head of a long chain used to recurse once per link and overflow the stack.
    func testCompletingTwentyThousandMapsAtOnceDoesNotOverflowTheStack() throws {
        let loop = EmbeddedEventLoop()
        let promise = loop.makePromise(of: Int.self)
        var future = promise.futureResult
        for _ in 0..<20_000 { future = future.map { $0 + 1 } }
        promise.succeed(0)
        XCTAssertEqual(try future.result?.get(), 20_000)
    }

    func testLongFlatMapAndRecoverChainsCompleteToo() throws {
        let loop = EmbeddedEventLoop()
        let promise = loop.makePromise(of: Int.self)
        var future = promise.futureResult
        for i in 0..<20_000 {
            future = i % 2 == 0
                ? future.flatMap { loop.makeSucceededFuture($0 + 1) }
                : future.recover { _ in -1 }.map { $0 + 1 }
        }
        promise.succeed(0)
        XCTAssertEqual(try future.result?.get(), 20_000)

        let failing = loop.makePromise(of: Int.self)
        var failed = failing.futureResult
        for _ in 0..<20_000 { failed = failed.map { $0 + 1 } }
        failing.fail(EventLoopError.cancelled)
        XCTAssertThrowsError(try failed.result?.get()) { XCTAssertEqual($0 as? EventLoopError, .cancelled) }
    }

    func testCallbacksOfOneFutureRunInTheOrderRegistered() {
        let loop = EmbeddedEventLoop()
        let promise = loop.makePromise(of: Int.self)
        var order: [String] = []
        promise.futureResult.whenSuccess { _ in order.append("first") }
        promise.futureResult.map { $0 }.whenSuccess { _ in order.append("mapped") }
        promise.futureResult.whenSuccess { _ in order.append("third") }
        promise.succeed(1)
        XCTAssertEqual(order.filter { $0 != "mapped" }, ["first", "third"])
        XCTAssertEqual(Set(order), ["first", "mapped", "third"])
    }

    /// A result that arrived before the loop shut down is known: reading it must not fail.
    func testAFulfilledFutureCanBeReadAfterItsLoopShutDown() async throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        let future = group.next().submit { 42 }
        let before = try await future.get()
        XCTAssertEqual(before, 42)
        try await group.shutdownGracefully()
        XCTAssertTrue(future.isFulfilled, "readable from any thread")
        XCTAssertEqual(try future.result?.get(), 42)
        let after = try await future.get()
        XCTAssertEqual(after, 42)
        let waited = try await Task.detached { try future.wait() }.value
        XCTAssertEqual(waited, 42)
    }

    #if DEBUG
    /// Debug builds fail the future of a promise dropped without being completed, so whoever
    /// waits on it learns where the promise came from instead of hanging.
    func testADroppedPromiseFailsItsFutureInDebugBuilds() throws {
        let loop = EmbeddedEventLoop()
        var future: EventLoopFuture<Int>?
        do {
            let promise = loop.makePromise(of: Int.self)
            future = promise.futureResult
        }
        loop.run()
        guard case .failure(let error)? = future?.result else {
            return XCTFail("the future of a dropped promise must fail, got \(String(describing: future?.result))")
        }
        guard case .leakedPromise(let site)? = error as? EventLoopError else { return XCTFail("\(error)") }
        XCTAssertTrue(site.hasPrefix("SwiftEVTests/FutureTests.swift:"), site)
        XCTAssertTrue("\(error)".contains("dropped without being completed"), "\(error)")
    }

    func testACompletedPromiseIsNotReportedWhenDropped() throws {
        let loop = EmbeddedEventLoop()
        var future: EventLoopFuture<Int>?
        do {
            let promise = loop.makePromise(of: Int.self)
            future = promise.futureResult
            promise.succeed(7)
        }
        loop.run()
        XCTAssertEqual(try future?.result?.get(), 7)
    }
    #endif
}
