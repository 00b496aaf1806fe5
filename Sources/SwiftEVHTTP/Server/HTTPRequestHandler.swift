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
