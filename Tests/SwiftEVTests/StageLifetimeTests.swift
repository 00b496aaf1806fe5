import SwiftEV
import SwiftEVTesting
import XCTest

/// Records when a stage was freed, and whether that happened inside one of its own calls.
/// `@unchecked Sendable`: written on the loop only; the test reads it after a future from that loop.
final class LifetimeProbe: @unchecked Sendable {
    var freed = false
    /// Set by a stage right after it unlinked itself (closed the channel, removed itself), still
    /// inside that call: was it already freed then?
    var freedDuringCall: Bool?
}

/// Closes the channel from inside the call named by `closeIn`, then goes on using itself and its
/// context, as a stage may. Only the pipeline owns it.
final class SelfClosingStage: ChannelStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    enum Call { case read, write, flush }

    let closeIn: Call
    let probe: LifetimeProbe
    /// Sent once the channel is active (to get an answer to read from a socket's peer).
    let greeting: ByteBuffer?
    var calls = 0

    init(closeIn: Call, probe: LifetimeProbe, greeting: ByteBuffer? = nil) {
        self.closeIn = closeIn
        self.probe = probe
        self.greeting = greeting
    }

    deinit { probe.freed = true }

    func channelActive(context: Context) {
        if let greeting { context.writeAndFlush(greeting) }
        context.fireActive()
    }

    func channelRead(context: Context, data: ByteBuffer) {
        guard closeIn == .read else { return context.fireRead(data) }
        closeAndCarryOn(context: context)
        context.fireRead(data)  // reaches nothing: the pipeline is torn down
    }

    func write(context: Context, data: ByteBuffer, promise: EventLoopPromise<Void>?) {
        guard closeIn == .write else { return context.write(data, promise: promise) }
        closeAndCarryOn(context: context)
        context.write(data, promise: promise)  // fails: the channel is closed
    }

    func flush(context: Context) {
        guard closeIn == .flush else { return context.flush() }
        closeAndCarryOn(context: context)
        context.flush()
    }

    private func closeAndCarryOn(context: Context) {
        let probe = self.probe  // read before the close, so the check itself touches no freed memory
        context.close(promise: nil)
        probe.freedDuringCall = probe.freed
        calls += 1  // the stage's own state, after its channel is gone
    }
}

/// Removes itself on its first read and then keeps using itself and its context.
final class SelfRemovingStage: InboundOnlyStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    let probe: LifetimeProbe
    var reads = 0

    init(probe: LifetimeProbe) { self.probe = probe }
    deinit { probe.freed = true }

    func channelRead(context: Context, data: ByteBuffer) {
        let probe = self.probe
        context.removeStage()
        probe.freedDuringCall = probe.freed
        reads += 1
        context.fireRead(data)  // a removed context still reaches the stage after it
    }
}

/// The pipeline calls stages without taking a reference (see `StageContext`): a stage that
/// unlinks itself inside its own call must stay alive until that call has returned, and be freed
/// once the loop is idle.
final class StageLifetimeTests: XCTestCase {
    private func embedded(closingIn call: SelfClosingStage.Call, probe: LifetimeProbe) -> EmbeddedByteChannel<ByteBuffer, ByteBuffer> {
        EmbeddedChannel { $0.adding(SelfClosingStage(closeIn: call, probe: probe)) }
    }

    private func assertFreedOnlyAfterTheCall(_ probe: LifetimeProbe, loop: EmbeddedEventLoop, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(probe.freedDuringCall, false, "the stage was freed inside its own call", file: file, line: line)
        XCTAssertFalse(probe.freed, "freed before the loop was idle", file: file, line: line)
        loop.run()
        XCTAssertTrue(probe.freed, "the stage must be freed once the loop is idle", file: file, line: line)
    }

    func testClosingFromInsideChannelReadKeepsTheStageAliveUntilTheCallReturns() throws {
        let probe = LifetimeProbe()
        let channel = embedded(closingIn: .read, probe: probe)
        try channel.writeInbound(ByteBuffer(string: "x"))
        XCTAssertFalse(channel.isActive)
        XCTAssertNil(channel.readInbound(), "nothing passes a torn-down pipeline")
        assertFreedOnlyAfterTheCall(probe, loop: channel.loop)
    }

    func testClosingFromInsideWriteKeepsTheStageAliveUntilTheCallReturns() throws {
        let probe = LifetimeProbe()
        let channel = embedded(closingIn: .write, probe: probe)
        let written = channel.loop.makePromise(of: Void.self)
        try channel.writeOutbound(ByteBuffer(string: "x"), promise: written)
        XCTAssertThrowsError(try written.futureResult.result?.get()) { XCTAssertEqual($0 as? ChannelError, .ioOnClosedChannel) }
        XCTAssertNil(channel.readOutbound())
        assertFreedOnlyAfterTheCall(probe, loop: channel.loop)
    }

    func testClosingFromInsideFlushKeepsTheStageAliveUntilTheCallReturns() throws {
        let probe = LifetimeProbe()
        let channel = embedded(closingIn: .flush, probe: probe)
        try channel.writeOutbound(ByteBuffer(string: "x"))
        XCTAssertFalse(channel.isActive)
        XCTAssertNil(channel.readOutbound(), "the write was dropped by the close, not sent")
        assertFreedOnlyAfterTheCall(probe, loop: channel.loop)
    }

    func testRemovingItselfKeepsTheStageAliveUntilTheCallReturns() throws {
        let probe = LifetimeProbe()
        let after = RecordingStage<ByteBuffer, ByteBuffer>()
        let channel = EmbeddedChannel { $0.adding(SelfRemovingStage(probe: probe)).adding(after) }
        try channel.writeInbound(ByteBuffer(string: "a"))
        try channel.writeInbound(ByteBuffer(string: "b"))
        XCTAssertEqual(channel.readAllInbound().map(String.init(buffer:)), ["a", "b"])
        XCTAssertEqual(channel.channel.stageNames.count, 1)
        assertFreedOnlyAfterTheCall(probe, loop: channel.loop)
        try channel.writeOutbound(ByteBuffer(string: "out"))
        XCTAssertEqual(channel.readOutbound(), ByteBuffer(string: "out"), "the remaining pipeline still works")
    }

    /// An inbound-only stage that never removed itself: its relink closure held the stage before
    /// it, a cycle that kept both alive after close.
    func testClosedPipelineFreesInboundOnlyStagesThatStayed() throws {
        let probe = LifetimeProbe()
        weak var weakAfter: RecordingStage<ByteBuffer, ByteBuffer>?
        do {
            let before = RecordingStage<ByteBuffer, ByteBuffer>()
            let channel = EmbeddedChannel { pipeline in
                let after = RecordingStage<ByteBuffer, ByteBuffer>()
                weakAfter = after
                return pipeline.adding(before).adding(SelfRemovingStageNever(probe: probe)).adding(after)
            }
            try channel.close()
        }
        XCTAssertTrue(probe.freed)
        XCTAssertNil(weakAfter)
    }

    /// On a socket: the close inside a read callback frees the stage only after the callback.
    func testClosingFromInsideChannelReadOnASocket() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        let server = try TCPServer(group: group).bind(host: "127.0.0.1", port: 0) { $0.adding(EchoStage()) }.wait()
        let loop = group.next()
        let probe = LifetimeProbe()
        let channel = try TCPClient(loop: loop).connect(host: "127.0.0.1", port: server.localAddress!.port) {
            $0.adding(SelfClosingStage(closeIn: .read, probe: probe, greeting: ByteBuffer(string: "ping")))
        }.wait()
        try channel.closeFuture.wait()
        // A task queued now runs in a later iteration, after the idle release.
        let (duringCall, freed) = try loop.submit { (probe.freedDuringCall, probe.freed) }.wait()
        XCTAssertEqual(duringCall, false, "the stage was freed inside its own call")
        XCTAssertTrue(freed, "the stage must be freed once the loop is idle")
        try server.close().wait()
    }
}

/// An inbound-only stage that stays in the pipeline.
final class SelfRemovingStageNever: InboundOnlyStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    let probe: LifetimeProbe
    init(probe: LifetimeProbe) { self.probe = probe }
    deinit { probe.freed = true }
}
