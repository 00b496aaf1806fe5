import Synchronization
import XCTest
@testable import SwiftEV
import SwiftEVTesting

/// `EventLoop.flushAtIterationEnd`: the work a stage batches (TLS encrypts everything written in
/// one iteration as one record) runs after the iteration's events, not inside them.
final class IterationEndFlushTests: XCTestCase {
    final class Flusher: IterationEndFlushing, @unchecked Sendable {
        // Loop-confined: touched only on the loop (the test reads it through loop.submit).
        var calls = 0
        var ranOnLoop = true
        let loop: LibevEventLoop
        init(loop: LibevEventLoop) { self.loop = loop }
        func flushAtIterationEnd() {
            calls += 1
            ranOnLoop = ranOnLoop && loop.inEventLoop
        }
    }

    func testTheFlushRunsAfterTheEventsOfTheIterationOncePerRequest() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        let loop = group.loops[0]
        let flusher = Flusher(loop: loop)
        let callsDuringTheEvent = try loop.submit { () -> Int in
            loop.flushAtIterationEnd(flusher)
            loop.flushAtIterationEnd(flusher)
            return flusher.calls
        }.wait()
        XCTAssertEqual(callsDuringTheEvent, 0, "deferred to the end of the iteration")
        // A later task runs in a later iteration: by then the flushes have run.
        let (calls, onLoop) = try loop.submit { (flusher.calls, flusher.ranOnLoop) }.wait()
        XCTAssertEqual(calls, 2, "each request runs once (stages keep their own queued flag)")
        XCTAssertTrue(onLoop)
    }

    func testTheEmbeddedLoopRunsItAtOnce() {
        final class Counter: IterationEndFlushing {
            var calls = 0
            func flushAtIterationEnd() { calls += 1 }
        }
        let loop = EmbeddedEventLoop()
        let counter = Counter()
        loop.flushAtIterationEnd(counter)
        XCTAssertEqual(counter.calls, 1)
    }
}
