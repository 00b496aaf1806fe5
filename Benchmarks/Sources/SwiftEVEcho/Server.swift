import SwiftEV
#if canImport(Glibc)
import Glibc
#endif

/// Writes each inbound buffer straight back; one flush per read batch.
final class EchoStage: ChannelStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    func channelRead(context: Context, data: ByteBuffer) { context.write(data) }
    func channelReadComplete(context: Context) { context.flush() }
    func errorCaught(context: Context, error: any Error) { context.close() }
}

func runServer(port: Int) -> Never {
    // SIGTERM/SIGINT are taken by a waiting thread (sigwait), so block them everywhere else first.
    var stopSignals = sigset_t()
    sigemptyset(&stopSignals)
    sigaddset(&stopSignals, SIGTERM)
    sigaddset(&stopSignals, SIGINT)
    pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

    let group = LibevEventLoopGroup(numberOfThreads: 1)
    let server: Channel
    do {
        server = try TCPServer(group: group).bind(host: "127.0.0.1", port: port) { $0.adding(EchoStage()) }.wait()
    } catch {
        emit("SwiftEVEcho server: cannot listen on 127.0.0.1:\(port): \(error)", to: 2)
        exit(1)
    }
    var received: Int32 = 0
    sigwait(&stopSignals, &received)
    _ = try? server.close().wait()
    do {
        try group.syncShutdown()
    } catch {
        emit("SwiftEVEcho server: shutdown failed: \(error)", to: 2)
        exit(1)
    }
    exit(0)
}
