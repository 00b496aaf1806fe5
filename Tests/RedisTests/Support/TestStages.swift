import SwiftEV

/// Stands for a stage that gathers writes (a TLS stage filling a record): holds every write and
/// passes them on as one buffer when flushed.
final class MergingStage: ChannelStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    private var held: ByteBuffer?
    private(set) var mergedWrites = 0

    func write(context: Context, data: ByteBuffer, promise: EventLoopPromise<Void>?) {
        precondition(promise == nil, "the test stage does not carry promises")
        if var buffer = held {
            held = nil
            buffer.writeBuffer(data)
            held = buffer
        } else {
            held = data
        }
    }

    func flush(context: Context) {
        if let buffer = held {
            held = nil
            mergedWrites += 1
            context.write(buffer)
        }
        context.flush()
    }
}

/// Stands for a stage that cuts writes into pieces (TLS records, a size limit): each write
/// becomes two, the first flushed at once. `afterFirstPiece` runs between the two, so a test can
/// make the socket stop taking bytes there (a kernel buffer that just filled up).
final class SplittingStage: ChannelStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    var afterFirstPiece: (() -> Void)?

    func write(context: Context, data: ByteBuffer, promise: EventLoopPromise<Void>?) {
        precondition(promise == nil, "the test stage does not carry promises")
        var rest = data
        let half = max(1, rest.readableBytes / 2)
        let first = rest.readSlice(length: half)!
        context.write(first)
        context.flush()
        afterFirstPiece?()
        if rest.readableBytes > 0 { context.write(rest) }
    }
}
