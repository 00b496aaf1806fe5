import XCTest
@testable import SwiftEV
#if canImport(Glibc)
import Glibc
#endif

/// `Channel.deferredFlushLimit`: flushes wait for the end of the loop iteration unless the
/// backlog reaches the limit; a write completed inside a send that flushes again does not
/// start a second, overlapping send.
final class FlushPolicyTests: XCTestCase {
    // The stage is loop-confined; the test only touches it inside `submit`, on its loop.
    private func connectedWriter(_ group: LibevEventLoopGroup) throws -> (server: Channel, client: Channel, writer: WriterStage) {
        let server = try TCPServer(group: group).bind(host: "127.0.0.1", port: 0) { $0.adding(EchoStage()) }.wait()
        nonisolated(unsafe) let writer = WriterStage()
        let client = try TCPClient(group: group).connect(host: "127.0.0.1", port: server.localAddress!.port) {
            $0.adding(writer)
        }.wait()
        return (server, client, writer)
    }

    func testFlushIsDeferredBelowTheLimitAndImmediateAtIt() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        let (server, client, stage) = try connectedWriter(group)
        nonisolated(unsafe) let writer = stage
        let expected = 2048 + 512 + 100
        let echoed = try writer.expect(expected, on: client.eventLoop)

        let backlogs = try client.eventLoop.submit { () -> [Int] in
            let context = writer.context!
            XCTAssertEqual(context.channel.deferredFlushLimit, Int.max, "the default never sends early")
            context.write(bytes(100, 1))
            context.flush()
            let deferredByDefault = context.channel.bufferedOutboundBytes
            context.channel.deferredFlushLimit = 1024
            context.write(bytes(2048, 2))
            context.flush()
            let atTheLimit = context.channel.bufferedOutboundBytes
            context.write(bytes(512, 3))
            context.flush()
            let belowTheLimit = context.channel.bufferedOutboundBytes
            return [deferredByDefault, atTheLimit, belowTheLimit]
        }.wait()

        XCTAssertEqual(backlogs[0], 100, "below the limit a flush waits for the end of the iteration")
        XCTAssertEqual(backlogs[1], 0, "at the limit the flush is sent at once, with what was waiting")
        XCTAssertEqual(backlogs[2], 512, "the next small flush waits again")
        let received = try echoed.wait()
        XCTAssertEqual(received, bytes(100, 1).appending(bytes(2048, 2)).appending(bytes(512, 3)))
        try client.close().wait()
        try server.close().wait()
    }

    func testWriteCompletedDuringAnEarlySendThatFlushesAgainKeepsTheByteOrder() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        let (server, client, stage) = try connectedWriter(group)
        nonisolated(unsafe) let writer = stage
        let echoed = try writer.expect(3 * 4096, on: client.eventLoop)

        try client.eventLoop.submit {
            let context = writer.context!
            context.channel.deferredFlushLimit = 1024
            let first = context.eventLoop.makePromise(of: Void.self)
            first.futureResult.whenSuccess {
                // Runs inside the send of a and b, after a was settled and before b was: c must
                // follow b, and b must not be sent a second time by a nested send.
                context.write(bytes(4096, 0xC))
                context.flush()
            }
            context.write(bytes(4096, 0xA), promise: first)
            context.write(bytes(4096, 0xB))
            context.flush()
        }.wait()

        let received = try echoed.wait()
        XCTAssertEqual(received, bytes(4096, 0xA).appending(bytes(4096, 0xB)).appending(bytes(4096, 0xC)))
        try client.close().wait()
        try server.close().wait()
    }
}

extension FlushPolicyTests {
    /// An early send that fails (the peer reset the connection) closes the channel from inside
    /// the stage's flush, while the loop's registry holds the only reference to the channel: the
    /// close completes, the write fails with the reset, the channel is released. (Run once under
    /// `--sanitize=address`: no use after free — the head of the pipeline holds the channel
    /// strongly for the length of the flush call.)
    func testEarlySendToAResetPeerClosesTheChannelCleanly() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        // The accepted side is a plain socket so the test can reset it.
        let (plain, port) = try plainListener()
        defer { close(plain) }
        nonisolated(unsafe) let writer = WriterStage()
        // Read on the loop only (after it was set here, before the channel was handed to it).
        nonisolated(unsafe) weak var weakChannel: Channel?
        let closed: EventLoopFuture<Void>
        let socket: Int32
        let loop = group.loops[0]
        do {
            let channel = try TCPClient(group: group).connect(host: "127.0.0.1", port: port) { $0.adding(writer) }.wait()
            weakChannel = channel
            closed = channel.closeFuture
            socket = try XCTUnwrap(try loop.submit { channel.socketDescriptor }.wait())
        }
        let peer = accept(plain, nil, nil)
        let paused = Semaphore(), reset = Semaphore()
        let written = loop.makePromise(of: Void.self)
        loop.execute {
            // Hold the loop so the reset is not seen by a read first: the send meets it.
            paused.signal()
            reset.wait()
            let context = writer.context!
            context.channel.deferredFlushLimit = 1024
            context.write(bytes(64 * 1024, 7), promise: written)
            context.flush()
        }
        paused.wait()
        closeWithReset(peer)
        // Wait until the RST has reached our socket (the loop is held, so only this thread
        // looks at it): the send the loop makes next meets it.
        var events = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&events, 1, 10_000), 1, "the reset arrives")
        XCTAssertNotEqual(Int32(events.revents) & Int32(POLLERR | POLLHUP), 0, "the socket reports the reset")
        reset.signal()

        XCTAssertThrowsError(try written.futureResult.wait()) { error in
            XCTAssertEqual((error as? SocketError)?.kind, .connectionReset, "the send met the reset: \(error)")
        }
        try closed.wait()
        // The loop dropped its reference when the close finished, before this task runs.
        XCTAssertTrue(try loop.submit { weakChannel == nil }.wait(), "the closed channel is released")
    }
}

/// Writes when told to (through its context) and collects what the echo server sends back.
private final class WriterStage: ChannelStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    var context: Context?
    private var received = ByteBuffer()
    private var expected = 0
    private var done: EventLoopPromise<ByteBuffer>?

    func expect(_ count: Int, on loop: any EventLoop) throws -> EventLoopFuture<ByteBuffer> {
        nonisolated(unsafe) let me = self
        return try loop.submit { () -> EventLoopFuture<ByteBuffer> in
            let `self` = me
            self.expected = count
            let promise = loop.makePromise(of: ByteBuffer.self)
            self.done = promise
            return promise.futureResult
        }.wait()
    }

    func stageAdded(context: Context) { self.context = context }

    func channelRead(context: Context, data: ByteBuffer) {
        received.writeBuffer(data)
        if received.readableBytes >= expected { done?.succeed(received) }
    }

    func channelInactive(context: Context) { done?.fail(ChannelError.eof) }
}

private extension ByteBuffer {
    func appending(_ other: ByteBuffer) -> ByteBuffer {
        var copy = self
        copy.writeBuffer(other)
        return copy
    }
}

private func bytes(_ count: Int, _ fill: UInt8) -> ByteBuffer {
    ByteBuffer(bytes: [UInt8](repeating: fill, count: count))
}
