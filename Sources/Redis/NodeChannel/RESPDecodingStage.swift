import RESP
import SwiftEV

/// Stage 1 of a node channel: bytes in, RESP values out; outbound bytes pass untouched.
///
/// The decoder resumes where it stopped, so a reply split over many reads is parsed once.
/// When the previous read was fully consumed the stage adopts the new read buffer as is (no
/// copy), and lets go of it once decoded so the socket can reuse its storage. Malformed input
/// is fatal to the stream: the stage reports `RedisError.protocolError` and closes the channel.
public final class RESPDecodingStage: InboundOnlyStage {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = RESPValue
    public typealias OutboundIn = ByteBuffer

    // Loop-confined; see CommandCorrelator for why the exclusivity checks are skipped.
    @exclusivity(unchecked) private var decoder: RESPDecoder
    @exclusivity(unchecked) private var buffer: ByteBuffer?
    /// Set by `channelInactive`; a stage after this one may close the channel while a read
    /// batch is being decoded, and the rest of the batch must then be dropped.
    @exclusivity(unchecked) private var closed = false
    private let node: String

    /// - Parameters:
    ///   - limits: bounds on depth, lengths and line size (the server's own defaults by default).
    ///   - node: `host:port`, for error messages.
    public init(limits: RESPDecoder.Limits = .default, node: String) {
        self.decoder = RESPDecoder(limits: limits)
        self.node = node
    }

    public func channelRead(context: Context, data: ByteBuffer) {
        if var pending = buffer, pending.readableBytes > 0 {
            buffer = nil  // drop our reference so the append below does not copy needlessly
            if pending.readerIndex > 4096 { pending.discardReadBytes() }
            pending.writeBuffer(data)
            buffer = pending
        } else {
            buffer = data
        }
        do {
            while !closed, let value = try decoder.decode(&buffer!) {
                context.fireRead(value)
            }
        } catch {
            buffer = nil
            context.fireError(RedisError(.protocolError("\(error)"), node: node))
            context.close()
            return
        }
        if buffer?.readableBytes == 0 { buffer = nil }
    }

    public func channelInactive(context: Context) {
        closed = true
        context.fireInactive()
    }

    /// True while half a reply sits in the decoder (the server closing now truncates it).
    public var hasPartialReply: Bool { decoder.hasPartialValue || (buffer?.readableBytes ?? 0) > 0 }
}
