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
        // A bulk gathered in storage of its size (see `reserveForPendingBulk`) takes only the
        // bytes it still misses: the rest of the read, the next replies, would make that
        // storage grow, copying the whole bulk again.
        // (Sizes read in place: a binding of `buffer` would hold a second reference to its
        // storage, and the append would copy it.)
        if let needed = decoder.pendingBulkBytes, let readable = buffer?.readableBytes, let writable = buffer?.writableBytes,
           case let missing = needed - readable, missing > 0, data.readableBytes > missing, writable >= missing {
            var rest = data
            receive(rest.readSlice(length: missing)!, context: context)
            if !closed { receive(rest, context: context) }
            return
        }
        receive(data, context: context)
    }

    private func receive(_ data: ByteBuffer, context: Context) {
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
        reserveForPendingBulk()
    }

    /// A bulk string that cannot fit in the storage its start arrived in is moved, now, into
    /// storage of its exact size, and later reads are appended to that: each of its bytes is
    /// copied once. (Appending to the read buffer instead grows it by doubling, copying the
    /// bulk again at each step and allocating up to twice its size.) The size is bounded by
    /// the decoder's `maxBulkLength`.
    private func reserveForPendingBulk() {
        guard let needed = decoder.pendingBulkBytes, let pending = buffer,
              needed > pending.readableBytes + pending.writableBytes else { return }
        var whole = ByteBuffer(capacity: needed)
        whole.writeBuffer(pending)
        buffer = whole
    }

    public func channelInactive(context: Context) {
        closed = true
        context.fireInactive()
    }

    /// True while half a reply sits in the decoder (the server closing now truncates it).
    public var hasPartialReply: Bool { decoder.hasPartialValue || (buffer?.readableBytes ?? 0) > 0 }
}
