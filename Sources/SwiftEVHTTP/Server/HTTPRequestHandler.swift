import SwiftEV

/// The application side of an HTTP server: gets each complete request on the connection's
/// loop and answers it through the responder, at once or later.
///
/// ```swift
/// final class Hello: HTTPRequestHandler {
///     func handle(_ request: HTTPRequest, responder: HTTPResponder) {
///         responder.respond(.text(.ok, "hello \(request.head.path)\n"))
///     }
/// }
/// ```
///
/// Threading: `handle` runs on the connection's event loop. Answer from that loop (a callback
/// of a loop-local client, a timer) at no cost; from another thread `respond` hops to the loop.
/// Requests of one connection arrive in order; their responses go out in that order whatever
/// order they are answered in.
public protocol HTTPRequestHandler: AnyObject {
    func handle(_ request: HTTPRequest, responder: HTTPResponder)

    /// Where to gather a body of `length` bytes (`Content-Length`) that arrives over several
    /// reads, or nil for a buffer of its size (the default). The body is written at the
    /// returned buffer's writer index and never past `length` bytes from there; the request's
    /// `body` is then that buffer, its reader index where the writer index was. So the bytes
    /// around the body's place are the handler's: it can frame the body for where it goes next
    /// (a protocol header before it, a trailer after it) and send the whole without copying
    /// the body again. Ignored when it has fewer than `length` writable bytes. Called on the
    /// connection's loop; a body that arrives in one read is a slice of it and never asks.
    ///
    /// ```swift
    /// func bodyBuffer(for head: HTTPRequestHead, length: Int) -> ByteBuffer? {
    ///     var framed = ByteBuffer(capacity: 16 + length)
    ///     framed.writeString("$\(length)\r\n")       // the body follows: one copy, into here
    ///     return framed
    /// }
    /// ```
    func bodyBuffer(for head: HTTPRequestHead, length: Int) -> ByteBuffer?
}

extension HTTPRequestHandler {
    public func bodyBuffer(for head: HTTPRequestHead, length: Int) -> ByteBuffer? { nil }
}

/// A handler from a closure (tests, small servers).
///
/// ```swift
/// let handler = HTTPClosureHandler { request, responder in
///     responder.respond(HTTPResponse(status: .noContent))
/// }
/// ```
public final class HTTPClosureHandler: HTTPRequestHandler {
    private let body: (HTTPRequest, HTTPResponder) -> Void

    public init(_ body: @escaping (HTTPRequest, HTTPResponder) -> Void) {
        self.body = body
    }

    public func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        body(request, responder)
    }
}
