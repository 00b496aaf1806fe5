import SwiftEV

/// Bytes in, `HTTPRequestPart`s out; outbound response parts pass untouched.
///
/// Wraps `HTTPRequestParser`: a request split over many reads is parsed once, and when the
/// previous read was fully consumed the new read buffer is adopted as is (no copy), so head
/// fields and bodies are slices of it. A refused request is reported as an `HTTPParseError`
/// through `errorCaught` (the stage after it answers with `error.status` and closes); the
/// stage then drops everything that follows, as the stream can no longer be framed.
///
/// ```swift
/// pipeline
///     .adding(HTTPResponseEncoderStage())
///     .adding(HTTPRequestDecoderStage(limits: .default))
///     .adding(MyHTTPStage())      // HTTPRequestPart in, HTTPResponsePart out
/// ```
public final class HTTPRequestDecoderStage: InboundOnlyStage {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart

    // Loop-confined, and never accessed in overlapping ways: the dynamic exclusivity check
    // would only cost time (as in RESPDecodingStage).
    @exclusivity(unchecked) private var parser: HTTPRequestParser
    @exclusivity(unchecked) private var buffer: ByteBuffer?
    @exclusivity(unchecked) private var context: Context?
    /// The channel went inactive, or a request was refused: drop the rest.
    @exclusivity(unchecked) private var stopped = false
    @exclusivity(unchecked) private var paused = false
    @exclusivity(unchecked) private var decoding = false
    /// Bytes that may wait unparsed while paused before the connection is closed.
    private let maxPausedBytes: Int

    public init(limits: HTTPRequestParser.Limits = .default) {
        self.parser = HTTPRequestParser(limits: limits)
        // Room for one more complete request behind the ones waiting for answers.
        self.maxPausedBytes = limits.maxRequestLineLength + limits.maxHeaderBytes + limits.maxBodySize + 64 * 1024
    }

    public func stageAdded(context: Context) { self.context = context }
    public func stageRemoved(context: Context) {
        self.context = nil
        buffer = nil
    }

    public func channelRead(context: Context, data: ByteBuffer) {
        guard !stopped else { return }
        if var pending = buffer, pending.readableBytes > 0 {
            buffer = nil  // our reference would make the append below copy
            if pending.readerIndex > 4096 { pending.discardReadBytes() }
            pending.writeBuffer(data)
            buffer = pending
        } else {
            buffer = data
        }
        if paused {
            if buffer!.readableBytes > maxPausedBytes {
                stopped = true
                buffer = nil
                context.fireError(HTTPServerError.pipelinedInputOverflow(limit: maxPausedBytes))
                context.close()
            }
            return
        }
        decodeBuffered(context: context)
    }

    private func decodeBuffered(context: Context) {
        guard !decoding else { return }  // a resume from inside fireRead: the loop below goes on
        decoding = true
        defer { decoding = false }
        do {
            while !stopped, !paused, buffer != nil, let part = try parser.next(&buffer!) {
                context.fireRead(part)
            }
        } catch {
            stopped = true
            buffer = nil
            context.fireError(error)
            return
        }
        if buffer?.readableBytes == 0 { buffer = nil }
    }

    public func channelInactive(context: Context) {
        stopped = true
        context.fireInactive()
    }

    /// Stops parsing: bytes that arrive are kept (up to one more full request's worth, then
    /// the connection closes) until `resume`. For a server with many answers outstanding
    /// (`HTTPServerStage` also stops the channel reading, so little arrives meanwhile).
    public func pause() { paused = true }

    /// Parses what was kept while paused, and carries on. Called outside a read, it ends the
    /// parts it passes on with `channelReadComplete`, as a read would.
    public func resume() {
        guard paused else { return }
        paused = false
        // Inside our own read loop (an answer given synchronously), that loop goes on by itself.
        guard let context, !stopped, !decoding else { return }
        decodeBuffered(context: context)
        context.fireReadComplete()
    }

    /// Drops what was kept and everything that arrives from now on: the connection is ending
    /// (an answer with `Connection: close`) and nothing after it will be parsed.
    public func discardInput() {
        stopped = true
        buffer = nil
    }

    /// True while part of a request has been received.
    public var hasPartialRequest: Bool { parser.hasPartialRequest || (buffer?.readableBytes ?? 0) > 0 }
}
