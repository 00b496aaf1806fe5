import Synchronization
import XCTest
@testable import SwiftEV
#if canImport(Glibc)
import Glibc
#endif

final class TCPTests: XCTestCase {
    private func echoServer(_ group: LibevEventLoopGroup, host: String = "127.0.0.1") throws -> Channel {
        try TCPServer(group: group).bind(host: host, port: 0) { $0.adding(EchoStage()) }.wait()
    }

    private func payload(_ size: Int, seed: Int) -> ByteBuffer {
        var buffer = ByteBuffer(capacity: size)
        var x = UInt32(truncatingIfNeeded: seed &* 2_654_435_761 | 1)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { ptr in
            for i in 0..<size {
                x ^= x << 13; x ^= x >> 17; x ^= x << 5
                ptr[i] = UInt8(truncatingIfNeeded: x)
            }
            return size
        }
        return buffer
    }

    func testEcho200ConcurrentConnectionsWithPipelinedMessages() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 2)
        defer { try? group.syncShutdown() }
        let server = try echoServer(group)
        let port = server.localAddress!.port
        XCTAssertNotEqual(port, 0, "port 0 must give the bound port back")

        var futures: [(ByteBuffer, EventLoopFuture<ByteBuffer>)] = []
        var channels: [Channel] = []
        for i in 0..<200 {
            let data = payload(64 * 100, seed: i)  // 100 messages of 64 bytes, written back to back
            let loop = group.next()
            let done = loop.makePromise(of: ByteBuffer.self)
            let channel = try TCPClient(loop: loop).connect(host: "127.0.0.1", port: port) {
                $0.adding(EchoCheckStage(payload: data, chunks: 100, done: done))
            }.wait()
            channels.append(channel)
            futures.append((data, done.futureResult))
        }
        for (sent, future) in futures {
            XCTAssertEqual(try future.wait(), sent, "every byte must come back, in order")
        }
        for channel in channels { try channel.close().wait() }
        try server.close().wait()
    }

    func testTenMegabytePayloadComesBackIntact() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 2)
        defer { try? group.syncShutdown() }
        let server = try echoServer(group)
        let data = payload(10 * 1024 * 1024, seed: 99)
        let loop = group.next()
        let done = loop.makePromise(of: ByteBuffer.self)
        let channel = try TCPClient(loop: loop).connect(host: "localhost", port: server.localAddress!.port) {
            $0.adding(EchoCheckStage(payload: data, chunks: 1, done: done))
        }.wait()
        let echoed = try done.futureResult.wait()
        XCTAssertEqual(echoed.readableBytes, data.readableBytes)
        XCTAssertEqual(echoed, data)
        try channel.close().wait()
    }

    func testEchoOverIPv6Loopback() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        let server: Channel
        do { server = try echoServer(group, host: "::1") } catch { throw XCTSkip("no IPv6 loopback here: \(error)") }
        XCTAssertEqual(server.localAddress?.ipString, "::1")
        let done = group.next().makePromise(of: ByteBuffer.self)
        let data = ByteBuffer(string: "over six")
        let channel = try TCPClient(group: group).connect(host: "::1", port: server.localAddress!.port) {
            $0.adding(EchoCheckStage(payload: data, chunks: 1, done: done))
        }.wait()
        XCTAssertEqual(try done.futureResult.wait(), data)
        XCTAssertEqual(channel.remoteAddress?.description, "[::1]:\(server.localAddress!.port)")
        try channel.close().wait()
    }

    func testConnectToClosedPortIsRefusedWithTheAddress() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        let port = try unusedPort()
        XCTAssertThrowsError(try TCPClient(group: group).connect(host: "127.0.0.1", port: port) { $0 }.wait()) { error in
            let socketError = error as? SocketError
            XCTAssertEqual(socketError?.kind, .connectionRefused)
            XCTAssertEqual(socketError?.address, "127.0.0.1:\(port)")
            XCTAssertEqual("\(error)", "connection refused by 127.0.0.1:\(port)")
        }
    }

    func testUnresolvableNameFailsWithResolutionError() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        XCTAssertThrowsError(try TCPClient(group: group).connect(host: "no-such-host.invalid", port: 80) { $0 }.wait()) { error in
            guard case .resolutionFailed? = (error as? SocketError)?.kind else {
                return XCTFail("expected resolutionFailed, got \(error)")
            }
            XCTAssertTrue("\(error)".contains("no-such-host.invalid:80"), "\(error)")
        }
    }

    func testConnectTimeoutWhenTheListenQueueIsFull() throws {
        // The kernel drops SYNs to a full listen queue: the connect neither succeeds nor fails.
        let (listener, port, fillers) = try fullListenQueue()
        defer { close(listener); fillers.forEach { close($0) } }
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        var client = TCPClient(group: group)
        client.connectTimeout = .milliseconds(300)
        XCTAssertThrowsError(try client.connect(host: "127.0.0.1", port: port) { $0 }.wait()) { error in
            XCTAssertEqual((error as? SocketError)?.kind, .connectTimeout)
            XCTAssertEqual("\(error)", "connect to 127.0.0.1:\(port) timed out")
        }
    }

    func testSlowReaderMakesWriterPauseAndResumeWithBoundedBacklog() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        // The slow reader: a plain socket the test drains only when it chooses.
        let (listener, port) = try plainListener()
        defer { close(listener) }

        let loop = group.next()
        // Handed to the loop once, then only touched there (and its promises read via wait()).
        nonisolated(unsafe) let producer = ProducerStage(chunk: 16 * 1024, total: 8 * 1024 * 1024, loop: loop)
        var client = TCPClient(loop: loop)
        client.options.writeBufferWaterMarks = .init(low: 16 * 1024, high: 64 * 1024)
        let channel = try client.connect(host: "127.0.0.1", port: port) { $0.adding(producer) }.wait()
        let peer = accept(listener, nil, nil)
        defer { close(peer) }
        try producer.pausedOnce.futureResult.wait()  // the kernel buffers filled up, then ours

        var received = 0
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        while received < producer.total {
            let n = read(peer, &chunk, chunk.count)
            XCTAssertGreaterThan(n, 0)
            if n <= 0 { break }
            received += n
        }
        let stats = try producer.finished.futureResult.wait()
        XCTAssertEqual(received, producer.total)
        XCTAssertGreaterThanOrEqual(stats.pauses, 1)
        XCTAssertEqual(stats.resumes, stats.pauses, "every pause must be followed by writable again")
        XCTAssertLessThanOrEqual(stats.maxBacklog, 64 * 1024 + 16 * 1024, "user-space backlog must stay near the high water mark")
        try channel.close().wait()
    }

    /// 400,000 small records (each its own index), all written and flushed at once: they leave
    /// gathered into blocks of many writes, the peer starts reading only once the buffers are
    /// full so sends come out partial, and every byte arrives once, in order.
    func testManySmallWritesToASlowReaderArriveExactlyInOrder() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        // Small socket buffers on both sides: otherwise the kernel takes all 2.6 MB at once,
        // and no send is ever partial.
        let (listener, port) = try plainListener(receiveBuffer: 16 * 1024)
        defer { close(listener) }
        let records = 400_000
        var expected = [UInt8]()
        for i in 0..<records { expected.append(contentsOf: "\(i)\n".utf8) }

        let channel = try TCPClient(group: group).connect(host: "127.0.0.1", port: port) {
            $0.adding(SendBufferStage(size: 16 * 1024)).adding(RecordWriterStage(count: records))
        }.wait()
        let peer = accept(listener, nil, nil)
        defer { close(peer) }
        // The writes were flushed in channelActive and sent before the loop blocked again; a
        // task queued now runs after that send. The peer has read nothing, so the kernel took
        // only part: what it left is the partial send this test is about.
        let (queued, started, backlog) = try channel.eventLoop.submit {
            (channel.outboundWritesQueued, channel.outboundWritesStarted, channel.bufferedOutboundBytes)
        }.wait()
        XCTAssertEqual(queued, UInt64(records))
        XCTAssertGreaterThan(started, 0, "the first writes left")
        XCTAssertLessThan(started, queued, "the socket buffers filled before the last write")
        XCTAssertGreaterThan(backlog, 0, "bytes wait in user space for the socket to drain")

        var received = [UInt8]()
        received.reserveCapacity(expected.count)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while received.count < expected.count {
            let n = read(peer, &chunk, chunk.count)
            XCTAssertGreaterThan(n, 0)
            if n <= 0 { break }
            received.append(contentsOf: chunk[..<n])
        }
        XCTAssertEqual(received.count, expected.count)
        XCTAssertTrue(received == expected, "the records must arrive exactly once, in order")
        try channel.close().wait()
    }

    func testHalfClosedPeerCanStillBeAnswered() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        var server = TCPServer(group: group)
        server.childOptions.allowHalfClosure = true
        let listening = try server.bind(host: "127.0.0.1", port: 0) { $0.adding(AnswerOnInputClosedStage()) }.wait()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        XCTAssertEqual(try SocketAddress(ip: "127.0.0.1", port: listening.localAddress!.port).withSockAddr { connect(fd, $0, $1) }, 0)
        _ = "abc".withCString { write(fd, $0, 3) }
        shutdown(fd, Int32(SHUT_WR))
        var answer = [UInt8](repeating: 0, count: 64)
        var total = 0
        while true {
            let n = answer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, 64 - total) }
            if n <= 0 { break }
            total += n
        }
        XCTAssertEqual(String(decoding: answer[..<total], as: UTF8.self), "got 3 bytes")
    }

    func testClosingLeavesNoDescriptorsAndReleasesChannelsAndStages() throws {
        let before = openDescriptors()
        weak var weakChannel: Channel?
        nonisolated(unsafe) weak var weakStage: EchoCheckStage?  // written on the loop before wait() returns
        do {
            let group = LibevEventLoopGroup(numberOfThreads: 2)
            let server = try echoServer(group)
            let loop = group.next()
            let done = loop.makePromise(of: ByteBuffer.self)
            let channel = try TCPClient(loop: loop).connect(host: "127.0.0.1", port: server.localAddress!.port) { pipeline in
                let stage = EchoCheckStage(payload: ByteBuffer(string: "ping"), chunks: 1, done: done)
                weakStage = stage
                return pipeline.adding(stage)
            }.wait()
            weakChannel = channel
            _ = try done.futureResult.wait()
            XCTAssertGreaterThan(openDescriptors(), before)
            try channel.close().wait()
            try group.syncShutdown()  // also closes the listener and the accepted socket
        }
        XCTAssertNil(weakStage, "stages must be released after close")
        XCTAssertNil(weakChannel, "channels must be released after close")
        XCTAssertEqual(openDescriptors(), before, "every descriptor (sockets, epoll, eventfd) must be closed")
    }

    func testPeerResetReachesStagesAsTypedError() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        let (listener, port) = try plainListener()
        defer { close(listener) }
        let loop = group.next()
        let done = loop.makePromise(of: ByteBuffer.self)
        let channel = try TCPClient(loop: loop).connect(host: "127.0.0.1", port: port) {
            $0.adding(EchoCheckStage(payload: ByteBuffer(string: "x"), chunks: 1, done: done))
        }.wait()
        let peer = accept(listener, nil, nil)
        closeWithReset(peer)
        XCTAssertThrowsError(try done.futureResult.wait()) { error in
            XCTAssertEqual((error as? SocketError)?.kind, .connectionReset, "\(error)")
        }
        try channel.closeFuture.wait()
    }

    func testShutdownDuringConnectFailsTheConnectInsteadOfHanging() throws {
        let (listener, port, fillers) = try fullListenQueue()
        defer { close(listener); fillers.forEach { close($0) } }
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        var client = TCPClient(group: group)
        client.connectTimeout = .seconds(60)
        let connecting = client.connect(host: "127.0.0.1", port: port) { $0 }
        // The connect task ran before this one (a numeric address needs no resolution): the
        // attempt is under way, and the full listen queue keeps it pending.
        try group.loops[0].submit {}.wait()
        XCTAssertFalse(connecting.isFulfilled, "the connect is still pending")
        try group.syncShutdown()
        XCTAssertTrue(connecting.isFulfilled, "the shutdown itself must fail the pending connect")
        XCTAssertThrowsError(try connecting.wait()) { XCTAssertEqual($0 as? EventLoopError, .shutDown) }
    }

    func testWriteProgressCountersTellSentFromQueued() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        let server = try echoServer(group)
        let loop = group.next()
        let done = loop.makePromise(of: ByteBuffer.self)
        let channel = try TCPClient(loop: loop).connect(host: "127.0.0.1", port: server.localAddress!.port) {
            $0.adding(EchoCheckStage(payload: ByteBuffer(string: "abcdef"), chunks: 3, done: done))
        }.wait()
        _ = try done.futureResult.wait()
        let (queued, started) = try loop.submit { (channel.outboundWritesQueued, channel.outboundWritesStarted) }.wait()
        XCTAssertEqual(queued, 3, "three writes went in")
        XCTAssertEqual(started, 3, "all three left once echoed back")
        try channel.close().wait()
        let afterClose = try loop.submit { channel.outboundWritesQueued }.wait()
        XCTAssertEqual(afterClose, 3, "the counters stay readable after close")
    }

    /// A stage may close its channel from `channelRead` and keep using its context until it
    /// returns (a protocol stage checks `context.channel.isClosed` before decoding the next
    /// message). When only the loop holds the channel, the close must not release the channel,
    /// its transport or its stages while that read is still on the stack.
    func testClosingFromChannelReadWhenOnlyTheLoopHoldsTheChannel() throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdown() }
        let server = try echoServer(group)
        let loop = group.next()
        let done = loop.makePromise(of: Bool.self)
        // The channel is not kept: once connected, the loop's registry holds the only reference.
        try loop.submit {
            TCPClient(loop: loop).connect(host: "127.0.0.1", port: server.localAddress!.port) {
                $0.adding(CloseOnReadStage(done: done))
            }.whenComplete { _ in }
        }.wait()
        XCTAssertTrue(try done.futureResult.wait(), "the stage sees its channel closed right after close()")
    }

    // MARK: helpers

    /// A listener that never accepts, with its queue full: connects to it hang until a timeout.
    private func fullListenQueue() throws -> (Int32, Int, [Int32]) {
        let (listener, port) = try plainListener(backlog: 0)
        var fillers: [Int32] = []
        for _ in 0..<8 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            _ = try SocketAddress(ip: "127.0.0.1", port: port).withSockAddr { connect(fd, $0, $1) }
            fillers.append(fd)
        }
        usleep(100_000)
        return (listener, port, fillers)
    }

    private func openDescriptors() -> Int {
        (try? FileManagerless.count("/proc/self/fd")) ?? -1
    }

    private func unusedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        _ = try SocketAddress(ip: "127.0.0.1", port: 0).withSockAddr { bind(fd, $0, $1) }
        return Sockets.localAddress(fd)!.port
    }
}

/// Counts directory entries without Foundation.
enum FileManagerless {
    static func count(_ path: String) throws -> Int {
        guard let dir = opendir(path) else { throw SocketError(errno: errno, call: "opendir", address: path) }
        defer { closedir(dir) }
        var n = 0
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { n += 1 }
        }
        return n - 1  // the directory stream itself
    }
}

/// Writes `total` bytes in `chunk`s, only while the channel is writable.
final class ProducerStage: ChannelStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    struct Stats: Sendable { var pauses = 0; var resumes = 0; var maxBacklog = 0 }

    let chunk: Int
    let total: Int
    let pausedOnce: EventLoopPromise<Void>
    let finished: EventLoopPromise<Stats>
    private var sent = 0
    private var unacknowledged = 0
    private var stats = Stats()
    private let block: ByteBuffer

    init(chunk: Int, total: Int, loop: any EventLoop) {
        self.chunk = chunk
        self.total = total
        self.pausedOnce = loop.makePromise()
        self.finished = loop.makePromise()
        self.block = ByteBuffer(bytes: [UInt8](repeating: UInt8(ascii: "z"), count: chunk))
    }

    func channelActive(context: Context) { produce(context) }

    func channelWritabilityChanged(context: Context) {
        if context.channel.isWritable {
            stats.resumes += 1
            produce(context)
        } else {
            stats.pauses += 1
            pausedOnce.succeed()
        }
    }

    private func produce(_ context: Context) {
        while context.channel.isWritable && sent < total {
            let size = min(chunk, total - sent)
            sent += size
            unacknowledged += size
            let promise = context.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenSuccess { [unowned self] in
                unacknowledged -= size
                if sent == total && unacknowledged == 0 { finished.succeed(stats) }
            }
            context.writeAndFlush(block.getSlice(at: 0, length: size)!, promise: promise)
            stats.maxBacklog = max(stats.maxBacklog, context.channel.bufferedOutboundBytes)
        }
    }
}

/// Waits for the peer's half-close, then answers with the byte count and closes.
final class AnswerOnInputClosedStage: ChannelStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    private var count = 0

    func channelRead(context: Context, data: ByteBuffer) { count += data.readableBytes }

    func userInboundEventTriggered(context: Context, event: Any) {
        guard (event as? ChannelEvent) == .inputClosed else { return context.fireUserEvent(event) }
        let done = context.eventLoop.makePromise(of: Void.self)
        let channel = context.channel
        done.futureResult.whenComplete { _ in channel.close() }
        context.writeAndFlush(ByteBuffer(string: "got \(count) bytes"), promise: done)
    }
}

/// Caps the socket's send buffer when the channel becomes active, before later stages write.
private final class SendBufferStage: InboundOnlyStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    let size: Int32
    init(size: Int32) { self.size = size }
    func channelActive(context: Context) {
        var size = self.size
        if let fd = context.channel.socketDescriptor {
            setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        context.fireActive()
    }
}
