// NIO echo client: C connections on one event loop, each keeping `depth`
// messages of `size` bytes in flight. Counts completed messages during the
// measured window only; prints `MARK start`, `MARK end`, then one `RESULT`
// line (see README.md).

import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Shared counters of the run. Every field is only touched on the client's
/// single event loop (handlers and scheduled tasks all run there), which is
/// why the unchecked Sendable conformance is sound.
final class ClientStats: @unchecked Sendable {
    var completed: Int = 0
    var stopping = false
    var failure: String?
}

/// A point in time as the RESULT line needs it.
struct Snapshot: Sendable {
    var completed: Int
    var nanos: UInt64
    var userMicros: Int
    var sysMicros: Int

    static func take(completed: Int) -> Snapshot {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Snapshot(
            completed: completed,
            nanos: NIODeadline.now().uptimeNanoseconds,
            userMicros: Int(usage.ru_utime.tv_sec) * 1_000_000 + Int(usage.ru_utime.tv_usec),
            sysMicros: Int(usage.ru_stime.tv_sec) * 1_000_000 + Int(usage.ru_stime.tv_usec)
        )
    }
}

final class EchoClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let size: Int
    private let depth: Int
    /// `depth * size` bytes; slices of it are written (no copy, no allocation
    /// of payload storage per write).
    private let payload: ByteBuffer
    private let stats: ClientStats
    /// Bytes of a message that has only partly come back.
    private var partial = 0
    /// Messages completed in this read burst, to be replaced on readComplete.
    private var due = 0

    init(size: Int, depth: Int, payload: ByteBuffer, stats: ClientStats) {
        self.size = size
        self.depth = depth
        self.payload = payload
        self.stats = stats
    }

    func channelActive(context: ChannelHandlerContext) {
        // Fill the window: `depth` messages in one write.
        context.writeAndFlush(wrapOutboundOut(payload), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let total = partial + unwrapInboundIn(data).readableBytes
        let done = total / size
        partial = total - done * size
        due += done
        stats.completed += done
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard due > 0, !stats.stopping else { return }
        // One write (and one flush) per read burst for everything that is due.
        var remaining = due
        due = 0
        while remaining > 0 {
            let count = min(remaining, depth)
            let slice = payload.getSlice(at: payload.readerIndex, length: count * size)!
            context.write(wrapOutboundOut(slice), promise: nil)
            remaining -= count
        }
        context.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !stats.stopping, stats.failure == nil {
            stats.failure = "connection closed by the server during the run"
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !stats.stopping, stats.failure == nil {
            stats.failure = "connection error during the run: \(error)"
        }
        context.close(promise: nil)
    }
}

func formatSeconds(nanos: UInt64) -> String {
    let millis = (nanos + 500_000) / 1_000_000
    let fraction = String(millis % 1000)
    return "\(millis / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
}

/// Runs the client; returns the process exit code.
func runClient(_ options: ClientOptions) -> Int32 {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop = group.next()
    let stats = ClientStats()
    let payload = ByteBuffer(repeating: UInt8(ascii: "x"), count: options.depth * options.size)

    let bootstrap = ClientBootstrap(group: loop)
        .channelOption(.socketOption(.tcp_nodelay), value: 1)
        .channelInitializer { [size = options.size, depth = options.depth] channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(
                    EchoClientHandler(size: size, depth: depth, payload: payload, stats: stats)
                )
            }
        }

    let channels: [any Channel]
    do {
        let futures = (0..<options.conns).map { _ in bootstrap.connect(host: "127.0.0.1", port: options.port) }
        channels = try EventLoopFuture.whenAllSucceed(futures, on: loop).wait()
    } catch {
        printError("client: impl=nio cannot connect to 127.0.0.1:\(options.port): \(error)")
        try? group.syncShutdownGracefully()
        return 1
    }

    // Warm-up, then the measured window; both timers run on the loop so the
    // snapshots see a consistent `completed`.
    let finished = loop.makePromise(of: (Snapshot, Snapshot).self)
    let warmupNanos = Int64(options.warmup * 1e9)
    let measureNanos = Int64(options.seconds * 1e9)
    loop.scheduleTask(in: .nanoseconds(warmupNanos)) {
        let start = Snapshot.take(completed: stats.completed)
        printLineFlushed("MARK start")
        loop.scheduleTask(in: .nanoseconds(measureNanos)) {
            let end = Snapshot.take(completed: stats.completed)
            printLineFlushed("MARK end")
            stats.stopping = true
            finished.succeed((start, end))
        }
    }

    let (start, end) = try! finished.futureResult.wait()
    let failure = try? loop.submit { stats.failure }.wait()
    _ = try? EventLoopFuture.andAllComplete(channels.map { $0.close() }, on: loop).wait()
    try? group.syncShutdownGracefully()

    if let failure = failure ?? nil {
        printError("client: impl=nio \(failure)")
        return 1
    }
    let mode = options.depth == 1 ? "pingpong" : "pipelined"
    printLineFlushed(
        "RESULT impl=nio mode=\(mode) conns=\(options.conns) depth=\(options.depth) size=\(options.size)"
            + " msgs=\(end.completed - start.completed) seconds=\(formatSeconds(nanos: end.nanos - start.nanos))"
            + " user_us=\(end.userMicros - start.userMicros) sys_us=\(end.sysMicros - start.sysMicros)"
    )
    return 0
}
