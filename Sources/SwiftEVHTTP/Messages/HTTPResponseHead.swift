/// What the response encoder needs to write a status line and header section.
///
/// The encoder writes the framing itself: `Content-Length` when `contentLength` is known,
/// otherwise `Transfer-Encoding: chunked` (HTTP/1.1) or a close-delimited body (HTTP/1.0);
/// `Connection` from `keepAlive`; and a `Date`. Fields of those names in `headers` are dropped.
///
/// ```swift
/// var head = HTTPResponseHead(status: .ok, contentLength: 5)
/// head.headers.add(name: "Content-Type", value: "text/plain")
/// ```
public struct HTTPResponseHead: Sendable {
    public var status: HTTPResponseStatus
    /// The version of the request being answered (decides the framing and `Connection`).
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// The body length; nil streams the body (chunked on HTTP/1.1).
    public var contentLength: Int?
    /// False writes `Connection: close` (the connection closes after this response).
    public var keepAlive: Bool
    /// Answers a `HEAD` request: the head is written with the framing a `GET` would get, and
    /// body parts are dropped.
    public var isHeadResponse: Bool

    public init(
        status: HTTPResponseStatus, version: HTTPVersion = .http1_1, headers: HTTPHeaders = HTTPHeaders(),
        contentLength: Int? = nil, keepAlive: Bool = true, isHeadResponse: Bool = false
    ) {
        self.status = status
        self.version = version
        self.headers = headers
        self.contentLength = contentLength
        self.keepAlive = keepAlive
        self.isHeadResponse = isHeadResponse
    }
}
