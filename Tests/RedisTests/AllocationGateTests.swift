import CAllocationCounter
import Foundation
import Redis
import RESP
import SwiftEV
import XCTest

/// The allocation regression gate of one Redis command round trip on a real standalone node
/// (issue 7, "Also wanted"): heap allocations per `GET` sent through the loop-local API and
/// answered, against today's figure (debug build) plus a small margin. Counts, not times.
/// Needs `SWIFTEV_REDIS_STANDALONE_PORT` (scripts/test.sh sets it); fails without it.
final class RedisAllocationGateTests: XCTestCase {
    /// Measured 2.0 on 2026-12-02 in the debug build, steady from run to run: the command's
    /// bytes and the reply callback's context. (8.0 before the correlator's and the transport's
    /// queues moved from `Deque` to `MoveRing`: debug-only frames of its accessors; 3.0 when
    /// the correlator began flushing at the end of the loop iteration, until
    /// `LibevEventLoop.flushPending` stopped iterating its flusher list with a for-in, whose
    /// copy made `removeAll(keepingCapacity:)` allocate in the debug build.)
    static let commandRoundTripThreshold = 2.5

    func testCommandRoundTripAllocations() async throws {
        try XCTSkipUnless(swiftev_allocation_counter_available(), "the allocation counter is off in sanitizer builds")
        guard let text = ProcessInfo.processInfo.environment["SWIFTEV_REDIS_STANDALONE_PORT"], let port = Int(text) else {
            return XCTFail("SWIFTEV_REDIS_STANDALONE_PORT is not set: run the tests with scripts/test.sh")
        }
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let connection = try await RedisConnection.connect(host: "127.0.0.1", port: port, on: loop)
        _ = try await connection.send("SET", "swiftev:allocation-gate", "v")

        let driver = GetLoop(connection: connection)
        _ = try await driver.run(1_000, on: loop)  // warm-up
        let iterations = 2_000
        swiftev_allocation_counter_start()
        let replies = try await driver.run(iterations, on: loop)
        let perCommand = Double(swiftev_allocation_counter_stop()) / Double(iterations)
        XCTAssertEqual(replies, iterations, "every GET was answered with the value")
        print("allocation gate: Redis GET round trip: \(perCommand) allocations (threshold \(Self.commandRoundTripThreshold))")
        XCTAssertLessThanOrEqual(perCommand, Self.commandRoundTripThreshold, "allocations per command round trip")
        try await connection.close().get()
        try await group.shutdownGracefully()
    }
}

/// Sends `GET` on the loop, one at a time, each after the previous reply.
/// `@unchecked Sendable`: its state is touched only on the connection's loop.
private final class GetLoop: @unchecked Sendable {
    let connection: RedisConnection
    private var remaining = 0
    private var answered = 0
    private var done: EventLoopPromise<Int>?

    init(connection: RedisConnection) { self.connection = connection }

    func run(_ count: Int, on loop: any EventLoop) async throws -> Int {
        let done = loop.makePromise(of: Int.self)
        loop.execute {
            self.remaining = count
            self.answered = 0
            self.done = done
            self.next()
        }
        return try await done.futureResult.get()
    }

    private func next() {
        connection.submit(RedisCommand("GET", "swiftev:allocation-gate")) { [self] result in
            if case .success(.bulkString) = result { answered += 1 }
            remaining -= 1
            if remaining > 0 {
                next()
            } else {
                done?.succeed(answered)
                done = nil
            }
        }
    }
}
