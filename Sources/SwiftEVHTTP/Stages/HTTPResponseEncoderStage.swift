import SwiftEV

/// `HTTPResponsePart`s in, bytes out; inbound bytes pass untouched.
///
/// Frames each body with `Content-Length` when the head gives its length, with chunked coding
/// otherwise (close-delimited for an HTTP/1.0 client); writes `Connection: close` when the
/// head says the connection ends, and a `Date` formatted once per second. Bodies of `HEAD`
/// answers and of 1xx/204/304 responses are dropped.
///
/// Heads and small bodies are gathered into one buffer until the next flush, so pipelined
/// responses leave in one write; the buffer's storage is reused once the transport has sent
/// it. Large bodies are passed on as they are (no copy).
///
/// ```swift
/// context.write(.head(HTTPResponseHead(status: .ok)))     // no length: chunked
/// context.write(.body(ByteBuffer(string: "part 1")))
/// context.writeAndFlush(.end)
/// ```
public final class HTTPResponseEncoderStage: ChannelStage {
    public typealias InboundIn = ByteBuffer
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = ByteBuffer

    enum Framing {
        /// Between responses, or dropping a body (HEAD, 204, 304).
        case none
        case length
        case chunked
        /// HTTP/1.0 without a length: the body runs until the connection closes.
        case untilClose
    }

    /// Bodies up to this size are copied into the head's buffer rather than written apart.
    static let copyLimit = 1024

    @exclusivity(unchecked) private var framing = Framing.none
    @exclusivity(unchecked) private var output = ByteBuffer(capacity: 1024)
    @exclusivity(unchecked) private var hasOutput = false
    @exclusivity(unchecked) private var date = HTTPDateCache()

    public init() {}

    public func write(context: Context, data: HTTPResponsePart, promise: EventLoopPromise<Void>?) {
        switch data {
        case .head(let head):
            encode(head)
        case .body(let body):
            writeBody(body, context: context)
        case .end:
            if case .chunked = framing {
                startOutput()
                output.writeStaticString("0\r\n\r\n")
            }
            framing = .none
        }
        if let promise { emit(context: context, promise: promise) }
    }

    public func flush(context: Context) {
        emit(context: context, promise: nil)
        context.flush()
    }

    /// Writes what was gathered; with a promise and nothing gathered, an empty write carries it.
    private func emit(context: Context, promise: EventLoopPromise<Void>?) {
        if hasOutput {
            hasOutput = false
            context.write(output, promise: promise)
        } else if let promise {
            context.write(ByteBuffer(capacity: 0), promise: promise)
        }
    }

    private func startOutput() {
        guard !hasOutput else { return }
        hasOutput = true
        output.clear()  // reuses the storage if the transport has let go of it
    }

    private func writeBody(_ body: ByteBuffer, context: Context) {
        let size = body.readableBytes
        guard size > 0 else { return }
        switch framing {
        case .none:
            return
        case .chunked:
            startOutput()
            output.writeDecimal(size, radix: 16)
            output.writeStaticString("\r\n")
        case .length, .untilClose:
            break
        }
        if size <= Self.copyLimit {
            startOutput()
            output.writeBuffer(body)
        } else {
            emit(context: context, promise: nil)
            context.write(body)
        }
        if case .chunked = framing {
            startOutput()
            output.writeStaticString("\r\n")
        }
    }

    private func encode(_ head: HTTPResponseHead) {
        startOutput()
        output.writeStaticString("HTTP/1.1 ")
        output.writeDecimal(head.status.code)
        output.writeStaticString(" ")
        output.writeString(head.status.reason)
        output.writeStaticString("\r\n")
        writeFields(head.headers)
        if head.status.isInformational {
            output.writeStaticString("\r\n")
            return  // an interim answer: the real one follows
        }
        var keepAlive = head.keepAlive
        if head.status.forbidsBody {
            framing = .none
        } else if let length = head.contentLength {
            output.writeStaticString("content-length: ")
            output.writeDecimal(length)
            output.writeStaticString("\r\n")
            framing = head.isHeadResponse ? .none : .length
        } else if head.version != .http1_0 {
            output.writeStaticString("transfer-encoding: chunked\r\n")
            framing = head.isHeadResponse ? .none : .chunked
        } else {
            keepAlive = false
            framing = head.isHeadResponse ? .none : .untilClose
        }
        if !keepAlive {
            output.writeStaticString("connection: close\r\n")
        } else if head.version == .http1_0 {
            output.writeStaticString("connection: keep-alive\r\n")
        }
        date.write(into: &output)
        output.writeStaticString("\r\n")
    }

    private func writeFields(_ headers: HTTPHeaders) {
        guard let bytes = headers.bytes else { return }
        guard headers.hasManagedField else {
            output.writeBuffer(bytes)
            return
        }
        headers.forEachField { name, value in
            if !HTTPHeaders.isManaged(name) {
                output.writeBytes(name)
                output.writeStaticString(": ")
                output.writeBytes(value)
                output.writeStaticString("\r\n")
            }
            return true
        }
    }
}
