import NIOCore
import NIOHTTP1
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

// The SwiftNIO peer of HTTPBench (Benchmarks/run-http.sh): the same hello-world answer over
// NIOHTTP1's standard server pipeline, written the way NIO's own examples do.
//   NIOHTTPHello --port P [--threads N]

final class HelloHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let body = ByteBuffer(string: "Hello, World!")
    private let headers = HTTPHeaders([("Content-Type", "text/plain"), ("Content-Length", "13")])
    private var keepAlive = true

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            keepAlive = head.isKeepAlive
        case .body:
            break
        case .end:
            var headers = self.headers
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            if keepAlive {
                context.write(wrapOutboundOut(.end(nil)), promise: nil)
            } else {
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }

    // One flush per read batch, as HTTPBench's server stage does.
    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }
}

func fail(_ message: String) -> Never {
    var line = "NIOHTTPHello: \(message)\n"
    _ = line.withUTF8 { write(2, $0.baseAddress, $0.count) }
    exit(2)
}

var options: [String: Int] = ["threads": 1]
var arguments = Array(CommandLine.arguments.dropFirst())
while arguments.count >= 2, arguments[0].hasPrefix("--"), let value = Int(arguments[1]) {
    options[String(arguments[0].dropFirst(2))] = value
    arguments.removeFirst(2)
}
guard arguments.isEmpty, let port = options["port"], let threads = options["threads"], threads > 0, options.count == 2 else {
    fail("usage: NIOHTTPHello --port P [--threads N]")
}

var stopSignals = sigset_t()
sigemptyset(&stopSignals)
sigaddset(&stopSignals, SIGTERM)
sigaddset(&stopSignals, SIGINT)
pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
let bootstrap = ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 256)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
            try channel.pipeline.syncOperations.addHandler(HelloHandler())
        }
    }
let server: Channel
do {
    server = try bootstrap.bind(host: "127.0.0.1", port: port).wait()
} catch {
    fail("cannot listen on 127.0.0.1:\(port): \(error)")
}
var received: Int32 = 0
sigwait(&stopSignals, &received)
try? server.close().wait()
try? group.syncShutdownGracefully()
exit(0)
