// NIO echo server: one event loop, writes back every inbound buffer and
// flushes once per read burst (channelReadComplete), the usual fast NIO idiom.

import Dispatch
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

final class EchoServerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Pass the same buffer straight back; the flush happens once the
        // read burst is over.
        context.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ECONNRESET when a client goes away with data still in flight is
        // expected at the end of a run; just drop the connection.
        context.close(promise: nil)
    }
}

/// Runs the server until SIGTERM or SIGINT; returns the process exit code.
func runServer(port: Int) -> Int32 {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let bootstrap = ServerBootstrap(group: group)
        .serverChannelOption(.backlog, value: 1024)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(EchoServerHandler())
            }
        }

    let serverChannel: any Channel
    do {
        serverChannel = try bootstrap.bind(host: "127.0.0.1", port: port).wait()
    } catch {
        printError("server: impl=nio cannot listen on 127.0.0.1:\(port): \(error)")
        try? group.syncShutdownGracefully()
        return 1
    }
    printError("server: impl=nio listening on 127.0.0.1:\(port)")

    // SIGTERM/SIGINT close the listening channel; the main thread then shuts
    // the loop down (which closes the accepted connections) and exits 0.
    var sources: [any DispatchSourceSignal] = []
    for signalNumber in [SIGTERM, SIGINT] {
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        source.setEventHandler {
            serverChannel.close(promise: nil)
        }
        source.resume()
        sources.append(source)
    }

    try? serverChannel.closeFuture.wait()
    for source in sources { source.cancel() }
    do {
        try group.syncShutdownGracefully()
    } catch {
        printError("server: impl=nio shutdown failed: \(error)")
        return 1
    }
    printError("server: impl=nio stopped")
    return 0
}
