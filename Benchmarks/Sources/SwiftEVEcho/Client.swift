import SwiftEV
#if canImport(Glibc)
import Glibc
#endif

struct ClientConfig: Sendable {
    var port: Int
    var conns: Int
    var depth: Int
    var size: Int
    var warmup: Double
    var seconds: Double
}

/// Loop-confined totals shared by every connection of the client.
final class Totals {
    var completed = 0
    var failed: String?
}

/// Keeps `depth` messages in flight: one more goes out for each `size` bytes that come back.
final class LoadStage: ChannelStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    private let size: Int
    private let depth: Int
    private let totals: Totals
    private let block: ByteBuffer
    private var partial = 0
    private var due = 0
    var measuring = true

    init(size: Int, depth: Int, totals: Totals) {
        self.size = size
        self.depth = depth
        self.totals = totals
        self.block = ByteBuffer(bytes: [UInt8](repeating: 0x61, count: size * depth))
    }

    func channelActive(context: Context) {
        context.writeAndFlush(block)
    }

    func channelRead(context: Context, data: ByteBuffer) {
        partial += data.readableBytes
        let done = partial / size
        partial -= done * size
        totals.completed += done
        due += done
    }

    func channelReadComplete(context: Context) {
        guard due > 0 else { return }
        // Everything that came due in this batch leaves in one write (a slice: no copy).
        context.writeAndFlush(block.getSlice(at: 0, length: due * size)!)
        due = 0
    }

    func channelInactive(context: Context) {
        if measuring && totals.failed == nil { totals.failed = "the server closed a connection" }
    }

    func errorCaught(context: Context, error: any Error) {
        if measuring && totals.failed == nil { totals.failed = "\(error)" }
        context.close()
    }
}

private func cpuMicros() -> (user: Int, system: Int) {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return (usage.ru_utime.tv_sec * 1_000_000 + Int(usage.ru_utime.tv_usec),
            usage.ru_stime.tv_sec * 1_000_000 + Int(usage.ru_stime.tv_usec))
}

private func mark(_ line: String) {
    emit(line, to: 1)
}

func runClient(_ config: ClientConfig) -> Int32 {
    let group = LibevEventLoopGroup(numberOfThreads: 1)
    let loop = group.next()
    let client = TCPClient(loop: loop)

    struct Sample: Sendable { var completed: Int; var clock: Deadline; var cpu: (user: Int, system: Int) }
    struct Outcome: Sendable { var start: Sample; var end: Sample; var failed: String?; var channels: [Channel] }

    let outcome = loop.submit { () -> EventLoopFuture<Outcome> in
        let totals = Totals()
        var stages: [LoadStage] = []
        var connecting: [EventLoopFuture<Channel>] = []
        for _ in 0..<config.conns {
            let stage = LoadStage(size: config.size, depth: config.depth, totals: totals)
            stages.append(stage)
            connecting.append(client.connect(on: loop, host: "127.0.0.1", port: config.port) { $0.adding(stage) })
        }
        let result = loop.makePromise(of: Outcome.self)
        var channels: [Channel] = []
        var remaining = connecting.count
        for future in connecting {
            future.whenComplete { connected in
                switch connected {
                case .failure(let error):
                    result.fail(error)
                case .success(let channel):
                    channels.append(channel)
                    remaining -= 1
                    guard remaining == 0 else { return }
                    // All connected: warm up, then measure.
                    loop.makeTimer {
                        let start = Sample(completed: totals.completed, clock: Deadline.now(), cpu: cpuMicros())
                        mark("MARK start")
                        loop.makeTimer {
                            let end = Sample(completed: totals.completed, clock: Deadline.now(), cpu: cpuMicros())
                            mark("MARK end")
                            for stage in stages { stage.measuring = false }
                            result.succeed(Outcome(start: start, end: end, failed: totals.failed, channels: channels))
                        }.arm(in: .fractionalSeconds(config.seconds), on: loop)
                    }.arm(in: .fractionalSeconds(config.warmup), on: loop)
                }
            }
        }
        return result.futureResult
    }
    do {
        let run = try outcome.wait().wait()
        if let failed = run.failed {
            emit("SwiftEVEcho client: \(failed)", to: 2)
            return 1
        }
        for channel in run.channels { _ = try? channel.close().wait() }
        try group.syncShutdown()
        let elapsed = run.end.clock - run.start.clock
        let line = "RESULT impl=swiftev mode=\(config.depth == 1 ? "pingpong" : "pipelined") conns=\(config.conns) depth=\(config.depth) size=\(config.size) msgs=\(run.end.completed - run.start.completed) seconds=\(String(format3(elapsed.seconds))) user_us=\(run.end.cpu.user - run.start.cpu.user) sys_us=\(run.end.cpu.system - run.start.cpu.system)"
        mark(line)
        return 0
    } catch {
        emit("SwiftEVEcho client: \(error)", to: 2)
        return 1
    }
}

private func format3(_ value: Double) -> String {
    let thousandths = Int((value * 1000).rounded())
    let frac = thousandths % 1000
    return "\(thousandths / 1000).\(frac < 10 ? "00" : frac < 100 ? "0" : "")\(frac)"
}
