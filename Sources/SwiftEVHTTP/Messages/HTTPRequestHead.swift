import SwiftEV

/// The request line and header fields of a request, as received.
///
/// The target and the headers are slices of the buffer the head arrived in: nothing is copied
/// until you ask for a `String`.
///
/// ```swift
/// let head: HTTPRequestHead = request.head
/// head.method            // .GET
/// head.path              // "/v1/cache/k"
/// head.query             // "ttl=5"
/// head.headers.first(name: "Host")
/// ```
public struct HTTPRequestHead: Sendable {
    public var method: HTTPMethod
    public var version: HTTPVersion
    /// The request-target exactly as sent (origin form `/path?query` for normal requests).
    public var targetBytes: ByteBuffer
    public var headers: HTTPHeaders
    /// Whether the connection stays open after this exchange: HTTP/1.1 unless the client sent
    /// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`.
    public var keepAlive: Bool
    /// The client sent `Expect: 100-continue` and waits for `100 Continue` before the body.
    public var expectsContinue: Bool
    /// The declared body length (`Content-Length`), nil for a chunked body or no body.
    public var contentLength: Int?
    /// The body arrives with chunked transfer coding.
    public var isChunked: Bool

    public init(
        method: HTTPMethod, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = HTTPHeaders(),
        keepAlive: Bool = true, expectsContinue: Bool = false, contentLength: Int? = nil, isChunked: Bool = false
    ) {
        self.method = method
        self.targetBytes = ByteBuffer(string: target)
        self.version = version
        self.headers = headers
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
        self.contentLength = contentLength
        self.isChunked = isChunked
    }

    init(method: HTTPMethod, targetBytes: ByteBuffer, version: HTTPVersion, headers: HTTPHeaders, framing: HeadFraming) {
        self.method = method
        self.targetBytes = targetBytes
        self.version = version
        self.headers = headers
        self.keepAlive = framing.keepAlive(version: version)
        self.expectsContinue = framing.expectsContinue
        self.contentLength = framing.contentLength
        self.isChunked = framing.chunked
    }

    /// The request-target as a string.
    public var target: String { String(buffer: targetBytes) }

    /// The target up to `?` (still percent-encoded).
    public var path: String {
        guard let q = targetBytes.firstIndex(of: UInt8(ascii: "?")) else { return target }
        return targetBytes.getString(at: targetBytes.readerIndex, length: q - targetBytes.readerIndex)!
    }

    /// The path as a slice of the target (no copy).
    public var pathBytes: ByteBuffer {
        guard let q = targetBytes.firstIndex(of: UInt8(ascii: "?")) else { return targetBytes }
        return targetBytes.getSlice(at: targetBytes.readerIndex, length: q - targetBytes.readerIndex)!
    }

    /// The target after `?`, nil when there is no `?`.
    public var query: String? {
        guard let q = targetBytes.firstIndex(of: UInt8(ascii: "?")) else { return nil }
        return targetBytes.getString(at: q + 1, length: targetBytes.writerIndex - q - 1)
    }
}
