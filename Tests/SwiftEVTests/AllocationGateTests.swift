import CAllocationCounter
import SwiftEV
import XCTest

/// The allocation regression gate of the framework's hot path (issue 7, "Also wanted"): counts
/// heap allocations, not time, so it is stable on a busy machine. The thresholds are today's
/// measured figures (debug build, as the test command builds) plus a small margin; a change
/// that allocates more per message fails here. Lower a threshold when you make the path cheaper.
final class AllocationGateTests: XCTestCase {
    /// Echo round trips of one 4-byte message between a client and an echo server on one loop,
    /// both pipelines and both sockets' write paths included. Measured 2.0 on 2026-12-02 in the
    /// debug build, steady from run to run (14.0 before the transport's pending writes moved
    /// from `Deque` to `MoveRing`: debug builds allocated a frame for each `Deque` accessor).
    static let echoRoundTripThreshold = 2.5

    func testEchoRoundTripAllocations() throws {
        try XCTSkipUnless(swiftev_allocation_counter_available(), "the allocation counter is off in sanitizer builds")
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        let server = try TCPServer(group: group).bind(host: "127.0.0.1", port: 0) { $0.adding(EchoStage()) }.wait()
        nonisolated(unsafe) let stage = PingPongStage()
        let client = try TCPClient(group: group).connect(host: "127.0.0.1", port: server.localAddress!.port) { $0.adding(stage) }.wait()
        let loop = client.eventLoop

        func roundTrips(_ count: Int) throws {
            let done = loop.makePromise(of: Void.self)
            loop.execute { stage.run(count, done: done) }
            try done.futureResult.wait()
        }
        try roundTrips(1_000)  // warm-up: buffers, read sizes and caches settle
        let iterations = 2_000
        swiftev_allocation_counter_start()
        try roundTrips(iterations)
        let perRoundTrip = Double(swiftev_allocation_counter_stop()) / Double(iterations)
        print("allocation gate: echo round trip: \(perRoundTrip) allocations (threshold \(Self.echoRoundTripThreshold))")
        XCTAssertLessThanOrEqual(perRoundTrip, Self.echoRoundTripThreshold, "allocations per echo round trip")
        try client.close().wait()
    }
}

/// Sends one message, waits for its echo, and repeats `count` times.
private final class PingPongStage: ChannelStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    private let message = ByteBuffer(string: "ping")
    private var context: Context?
    private var remaining = 0
    private var received = 0
    private var done: EventLoopPromise<Void>?

    func stageAdded(context: Context) { self.context = context }
    func stageRemoved(context: Context) { self.context = nil }

    func run(_ count: Int, done: EventLoopPromise<Void>) {
        remaining = count
        self.done = done
        context?.writeAndFlush(message)
    }

    func channelRead(context: Context, data: ByteBuffer) {
        received += data.readableBytes
        while received >= message.readableBytes && remaining > 0 {
            received -= message.readableBytes
            remaining -= 1
            if remaining > 0 {
                context.writeAndFlush(message)
            } else {
                let done = self.done
                self.done = nil
                done?.succeed()
            }
        }
    }

    func channelInactive(context: Context) {
        done?.fail(ChannelError.eof)
        done = nil
        context.fireInactive()
    }
}
