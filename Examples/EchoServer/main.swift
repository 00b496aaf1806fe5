import SwiftEV

// An echo server on SwiftEV: every byte a client sends comes back.
//
//   swift run -c release EchoServer [port]
//   printf 'hello\n' | nc 127.0.0.1 9000

/// Writes every inbound buffer back. Flushing once per read batch (on `channelReadComplete`)
/// lets one `writev` carry everything that arrived in that batch.
final class EchoStage: ChannelStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    func channelRead(context: Context, data: ByteBuffer) {
        context.write(data)
    }

    func channelReadComplete(context: Context) {
        context.flush()
    }
}

/// Counts connections, to show a second stage composed in front of the echo.
final class ConnectionLogStage: ChannelStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    func channelActive(context: Context) {
        print("connected:", context.channel.remoteAddress.map(String.init(describing:)) ?? "?")
        context.fireActive()
    }

    func channelInactive(context: Context) {
        print("disconnected")
        context.fireInactive()
    }
}

let port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 9000 : 9000
let group = LibevEventLoopGroup()
let server = try TCPServer(group: group)
    .bind(host: "127.0.0.1", port: port) { $0.adding(ConnectionLogStage()).adding(EchoStage()) }
    .wait()
print("echo server listening on \(server.localAddress!) with \(group.loops.count) loops; Ctrl-C to stop")
try server.closeFuture.wait()
