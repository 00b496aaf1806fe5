import SwiftEV

/// A resumable HTTP/1.1 request parser (RFC 9112), strict where leniency lets requests be
/// smuggled past a proxy.
///
/// Feed it a connection's bytes as they arrive; each call returns the next part of a request
/// or nil when more bytes are needed. Like `RESPDecoder` it never re-reads what it has
/// checked: it keeps how far the head has been validated, so a head arriving one byte at a
/// time costs time linear in its size. The head stays unconsumed in the buffer until it is
/// complete, then leaves in one slice that the target and header fields point into; body
/// parts are slices too.
///
/// ```swift
/// var parser = HTTPRequestParser()
/// var input = ByteBuffer(string: "POST /n HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi")
/// try parser.next(&input)   // .head(POST /n, contentLength 2)
/// try parser.next(&input)   // .body("hi")
/// try parser.next(&input)   // .end
/// try parser.next(&input)   // nil: waiting for the next request
/// ```
///
/// The next call may pass the same buffer with bytes appended, or any buffer whose readable
/// bytes continue the stream (after `discardReadBytes()`, say): the parser keeps only offsets
/// from the reader index. Refused input throws ``HTTPParseError``; the parser is then poisoned
/// and throws the same error on every later call.
public struct HTTPRequestParser: Sendable {
    public let limits: Limits

    enum State: Sendable {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case end
    }

    var state = State.head
    /// Progress on the head being received.
    var scan = HeadScan()
    /// How far past the current line's start a line feed was already looked for.
    var lineSearched = 0
    /// Body bytes of the current chunked request, and bytes of its trailer section.
    var chunkedBytes = 0
    var trailerBytes = 0
    var trailerCount = 0
    var consumed = 0
    var poison: HTTPParseError?

    public init(limits: Limits = .default) {
        self.limits = limits
    }

    /// Bytes consumed from the stream so far.
    public var bytesConsumed: Int { consumed }

    /// True while part of a request has been received (a timeout or a close now cuts it off).
    public var hasPartialRequest: Bool {
        if case .head = state { return scan.scanned > 0 || lineSearched > 0 }
        return true
    }

    /// The next part of a request from `buffer`'s readable bytes, or nil when more are needed.
    ///
    /// - Throws: ``HTTPParseError`` for a refused request, then on every later call.
    public mutating func next(_ buffer: inout ByteBuffer) throws(HTTPParseError) -> HTTPRequestPart? {
        if let poison { throw poison }
        do {
            return try parseNext(&buffer)
        } catch {
            poison = error
            throw error
        }
    }

    private mutating func parseNext(_ buffer: inout ByteBuffer) throws(HTTPParseError) -> HTTPRequestPart? {
        while true {
            switch state {
            case .head:
                return try parseHead(&buffer)
            case .fixedBody(let remaining):
                guard let slice = take(upTo: remaining, from: &buffer) else { return nil }
                state = slice.readableBytes == remaining ? .end : .fixedBody(remaining: remaining - slice.readableBytes)
                return .body(slice)
            case .chunkSize:
                guard try parseChunkSize(&buffer) else { return nil }
            case .chunkData(let remaining):
                guard let slice = take(upTo: remaining, from: &buffer) else { return nil }
                state = slice.readableBytes == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - slice.readableBytes)
                return .body(slice)
            case .chunkDataEnd:
                guard try parseChunkDataEnd(&buffer) else { return nil }
            case .trailers:
                guard try parseTrailer(&buffer) else { return nil }
            case .end:
                state = .head
                return .end
            }
        }
    }

    /// Up to `count` readable bytes as a slice, nil when none are readable.
    private mutating func take(upTo count: Int, from buffer: inout ByteBuffer) -> ByteBuffer? {
        let n = min(count, buffer.readableBytes)
        guard n > 0 else { return nil }
        consumed &+= n
        return buffer.readSlice(length: n)
    }

    @inline(__always)
    mutating func consume(_ count: Int, of buffer: inout ByteBuffer) {
        buffer.moveReaderIndex(forwardBy: count)
        consumed &+= count
    }

    func failure(_ kind: HTTPParseError.Kind, at index: Int) -> HTTPParseError {
        HTTPParseError(kind, offset: consumed &+ index)
    }

    /// The length (without CRLF) of the line starting `start` bytes past the reader index, or
    /// nil when its line feed has not arrived. A line longer than `limit` throws `tooLong`.
    mutating func findLine(
        in buffer: ByteBuffer, from start: Int, limit: Int, tooLong: HTTPParseError.Kind
    ) throws(HTTPParseError) -> Int? {
        let lineStart = buffer.readerIndex + start
        guard let lf = buffer.firstIndex(of: HTTPBytes.lf, from: lineStart + lineSearched) else {
            lineSearched = buffer.readableBytes - start
            // One byte of slack: the CR that may end a line of exactly `limit` bytes.
            if lineSearched > limit + 1 { throw failure(tooLong, at: start) }
            return nil
        }
        lineSearched = 0
        // The same verdict as when the line arrives in pieces: too long before anything else.
        if lf - lineStart > limit + 1 { throw failure(tooLong, at: start) }
        guard lf > lineStart, buffer.getInteger(at: lf - 1, as: UInt8.self) == HTTPBytes.cr else {
            throw failure(.bareLineFeed, at: lf - buffer.readerIndex)
        }
        let length = lf - 1 - lineStart
        if length > limit { throw failure(tooLong, at: start) }
        return length
    }
}
