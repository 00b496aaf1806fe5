import SwiftEV

/// Answers one request. Call `respond` exactly once; later calls, and calls after the
/// connection closed, are ignored.
///
/// ```swift
/// func handle(_ request: HTTPRequest, responder: HTTPResponder) {
///     client.get(key) { result in           // a loop-local client's callback, same loop
///         responder.respond(HTTPResponse(status: .ok, body: result))
///     }
/// }
/// ```
///
/// A value of two words: passing it around allocates nothing.
/// `@unchecked Sendable`: the connection it points to is touched only on its event loop;
/// `respond` hops there when called from elsewhere.
public struct HTTPResponder: @unchecked Sendable {
    let connection: HTTPServerStage
    let sequence: Int

    /// The loop the request arrived on; answering from it costs no thread hop.
    public var eventLoop: any EventLoop { connection.eventLoop }

    /// Sends `response` once every earlier request of the connection has been answered.
    public func respond(_ response: HTTPResponse) {
        let loop: any EventLoop = connection.eventLoop
        if loop.inEventLoop {
            connection.complete(sequence, with: response)
        } else {
            loop.execute { self.connection.complete(self.sequence, with: response) }
        }
    }
}
