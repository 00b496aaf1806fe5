import SwiftEV

/// Server side: writes back every buffer, flushing once per read batch.
final class EchoStage: ChannelStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    func channelRead(context: Context, data: ByteBuffer) { context.write(data) }
    func channelReadComplete(context: Context) { context.flush() }
}

/// Client side: sends `payload` in `chunks` writes once active, collects what comes back and
/// succeeds `done` with it when `payload.readableBytes` bytes have arrived.
final class EchoCheckStage: ChannelStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    let payload: ByteBuffer
    let chunks: Int
    let done: EventLoopPromise<ByteBuffer>
    private var received: ByteBuffer

    init(payload: ByteBuffer, chunks: Int, done: EventLoopPromise<ByteBuffer>) {
        self.payload = payload
        self.chunks = chunks
        self.done = done
        self.received = ByteBuffer(capacity: payload.readableBytes)
    }

    func channelActive(context: Context) {
        var rest = payload
        let size = max(1, (payload.readableBytes + chunks - 1) / chunks)
        while rest.readableBytes > 0 {
            context.write(rest.readSlice(length: min(size, rest.readableBytes))!)
        }
        context.flush()
    }

    func channelRead(context: Context, data: ByteBuffer) {
        received.writeBuffer(data)
        if received.readableBytes >= payload.readableBytes { done.succeed(received) }
    }

    func channelInactive(context: Context) {
        done.fail(ChannelError.eof)
    }

    func errorCaught(context: Context, error: any Error) {
        done.fail(error)
    }
}

/// Client side: sends "ping" once active; on the first read closes the channel, then reports
/// whether `context.channel` says closed (touching the channel after the close).
final class CloseOnReadStage: ChannelStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    let done: EventLoopPromise<Bool>

    init(done: EventLoopPromise<Bool>) {
        self.done = done
    }

    func channelActive(context: Context) {
        context.writeAndFlush(ByteBuffer(string: "ping"))
    }

    func channelRead(context: Context, data: ByteBuffer) {
        context.close()
        done.succeed(context.channel.isClosed)
    }
}

/// Client side: once active, writes `count` records ("0\n", "1\n", …) each as its own buffer,
/// then flushes once.
final class RecordWriterStage: ChannelStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    let count: Int

    init(count: Int) { self.count = count }

    func channelActive(context: Context) {
        for i in 0..<count { context.write(ByteBuffer(string: "\(i)\n")) }
        context.flush()
    }
}
