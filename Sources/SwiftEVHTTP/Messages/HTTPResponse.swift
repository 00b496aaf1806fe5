import SwiftEV

/// A complete response for `HTTPResponder.respond`: status, headers and the whole body.
/// The server stage adds the framing (`Content-Length`, `Connection`, `Date`).
///
/// ```swift
/// responder.respond(HTTPResponse(status: .ok, body: ByteBuffer(string: "hello\n")))
/// var created = HTTPResponse(status: .created)
/// created.headers.add(name: "Location", value: "/v1/cache/k")
/// responder.respond(created)
/// ```
public struct HTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    /// Nil for no body.
    public var body: ByteBuffer?
    /// False closes the connection once this response is written, whatever the client asked.
    public var keepAlive: Bool

    public init(status: HTTPResponseStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: ByteBuffer? = nil, keepAlive: Bool = true) {
        self.status = status
        self.headers = headers
        self.body = body
        self.keepAlive = keepAlive
    }

    /// A plain-text response (`Content-Type: text/plain; charset=utf-8`).
    public static func text(_ status: HTTPResponseStatus, _ text: String) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        return HTTPResponse(status: status, headers: headers, body: ByteBuffer(string: text))
    }
}
