import SwiftEV
import SwiftEVHTTP

/// The HTTP side of one connection: hands each request to its loop's `CacheEngine` and turns
/// the engine's `CacheResponse` into an `HTTPResponse`. Runs on the connection's loop, which
/// is the engine's loop (listeners are per loop and keep their connections).
final class CacheHTTPHandler: HTTPRequestHandler {
    private let engine: CacheEngine

    init(engine: CacheEngine) {
        self.engine = engine
    }

    func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        let engine = self.engine
        let method = Self.method(request.head.method)
        request.head.targetBytes.withUnsafeReadableBytes { target in
            engine.handle(method, target: target, body: request.body, sink: responder)
        }
    }

    /// A `PUT` body too large for one read is gathered straight into its `SET` command (see
    /// `StorePlan.setFrame`): one copy of the value between the socket and Redis, not two.
    func bodyBuffer(for head: HTTPRequestHead, length: Int) -> ByteBuffer? {
        Self.bodyBuffer(for: head, length: length, limit: engine.configuration.maxValueBytes)
    }

    static func bodyBuffer(for head: HTTPRequestHead, length: Int, limit: Int) -> ByteBuffer? {
        guard length <= limit, head.method == .PUT else { return nil }
        return head.targetBytes.withUnsafeReadableBytes { target in
            guard case .success(let request) = RequestRouter.match(.put, target: target) else { return nil }
            return StorePlan.setFrame(for: request, length: length)
        }
    }

    static func method(_ method: HTTPMethod) -> RequestRouter.Method {
        switch method {
        case .GET, .HEAD: return .get
        case .PUT: return .put
        case .DELETE: return .delete
        case .POST: return .post
        default: return .other
        }
    }

    static func httpResponse(_ response: CacheResponse, keepAlive: Bool) -> HTTPResponse {
        var headers = response.contentType.map(Self.headers(for:)) ?? HTTPHeaders()
        if let allow = response.allow { _ = headers.add(name: "Allow", value: allow) }
        return HTTPResponse(status: status(response.status), headers: headers,
                            body: response.status == 204 ? nil : response.body, keepAlive: keepAlive)
    }

    // Built once: a response shares them (copy on write) instead of building and checking
    // its header line every time.
    private static let octetStreamHeaders = contentType(.octetStream)
    private static let jsonHeaders = contentType(.json)
    private static let textHeaders = contentType(.text)
    private static let prometheusHeaders = contentType(.prometheus)

    private static func contentType(_ type: CacheResponse.ContentType) -> HTTPHeaders {
        var headers = HTTPHeaders()
        _ = headers.add(name: "Content-Type", value: type.rawValue)
        return headers
    }

    static func headers(for type: CacheResponse.ContentType) -> HTTPHeaders {
        switch type {
        case .octetStream: return octetStreamHeaders
        case .json: return jsonHeaders
        case .text: return textHeaders
        case .prometheus: return prometheusHeaders
        }
    }

    static func status(_ code: Int) -> HTTPResponseStatus {
        switch code {
        case 200: return .ok
        case 204: return .noContent
        case 400: return .badRequest
        case 404: return .notFound
        case 405: return .methodNotAllowed
        case 409: return .conflict
        case 413: return .payloadTooLarge
        case 503: return .serviceUnavailable
        case 504: return .gatewayTimeout
        default: return .internalServerError
        }
    }
}

extension HTTPResponder: CacheAnswerSink {
    /// Kept alive even while draining: the shutdown closes connections itself once the
    /// requests in flight are answered (an answer that closes the connection would drop the
    /// pipelined requests behind it unanswered).
    func answer(_ response: CacheResponse) {
        respond(CacheHTTPHandler.httpResponse(response, keepAlive: true))
    }
}
