import Synchronization
import XCTest
@testable import SwiftEV
#if canImport(Glibc)
import Glibc
#endif

/// Issue 7, item 5: the channel state that is public on a `Sendable` type is readable from
/// any thread, and the write counters keep what they once reported.
final class ChannelStateTests: XCTestCase {
    /// A write of which part went out must stay "started" after the connection closes: the
    /// counter is what tells "maybe ran" from "never sent". Closing used to drop it again.
    func testAPartlySentWriteStaysCountedAsStartedAfterClose() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        let (listener, port) = try plainListener()
        defer { close(listener) }
        nonisolated(unsafe) let stage = RecordingStage<ByteBuffer, ByteBuffer>()
        let channel = try TCPClient(group: group).connect(host: "127.0.0.1", port: port) { $0.adding(stage) }.wait()
        let peer = accept(listener, nil, nil)  // and never reads: the kernel takes only part
        defer { close(peer) }
        let loop = channel.eventLoop
        let written = try loop.submit { () -> EventLoopFuture<Void> in
            let promise = loop.makePromise(of: Void.self)
            stage.lastContext!.writeAndFlush(ByteBuffer(bytes: [UInt8](repeating: 1, count: 32 << 20)), promise: promise)
            return promise.futureResult
        }.wait()
        // The send happens before the loop blocks; a task queued after it sees its outcome.
        let (queued, started, pending) = try loop.submit {
            (channel.outboundWritesQueued, channel.outboundWritesStarted, channel.bufferedOutboundBytes)
        }.wait()
        XCTAssertEqual(queued, 1)
        XCTAssertEqual(started, 1, "part of the write has gone to the kernel")
        XCTAssertGreaterThan(pending, 0, "the kernel took only part of 32 MiB from a peer that reads nothing")
        XCTAssertFalse(written.isFulfilled, "a partly sent write is not complete")
        try channel.close().wait()
        XCTAssertThrowsError(try written.wait(), "the rest of the write was never sent")
        XCTAssertEqual(channel.outboundWritesStarted, 1, "still started after close (read from the test thread)")
        XCTAssertEqual(channel.outboundWritesQueued, 1)
    }

    func testStateIsReadableFromAnyThread() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        let server = try TCPServer(group: group).bind(host: "127.0.0.1", port: 0) { $0.adding(EchoStage()) }.wait()
        let channel = try TCPClient(group: group).connect(host: "127.0.0.1", port: server.localAddress!.port) { $0 }.wait()
        XCTAssertTrue(channel.isActive)
        XCTAssertTrue(channel.isWritable)
        XCTAssertFalse(channel.isClosed)
        channel.deferredFlushLimit = 4096
        XCTAssertEqual(try channel.eventLoop.submit { channel.deferredFlushLimit }.wait(), 4096, "set off the loop, seen on it")
        XCTAssertEqual(try channel.eventLoop.submit { channel.stageNames }.wait(), [])
        try channel.close().wait()
        XCTAssertFalse(channel.isActive)
        XCTAssertTrue(channel.isClosed)
        XCTAssertTrue(channel.closeFuture.isFulfilled)
    }
}
