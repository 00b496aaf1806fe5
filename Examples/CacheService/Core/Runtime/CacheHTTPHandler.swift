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
        request.head.targetBytes.withUnsafeReadableBytes { target in
            engine.handle(method: request.head.method.description, target: target, body: request.body) { response in
                // Kept alive even while draining: answering `keepAlive: false` with pipelined
                // requests pending crashes HTTPServerStage (reported in notes/http-feedback.md);
                // the shutdown closes connections itself once the requests in flight are answered.
                responder.respond(Self.httpResponse(response, keepAlive: true))
            }
        }
    }

    static func httpResponse(_ response: CacheResponse, keepAlive: Bool) -> HTTPResponse {
        var headers = HTTPHeaders()
        if let type = response.contentType { _ = headers.add(name: "Content-Type", value: type.rawValue) }
        if let allow = response.allow { _ = headers.add(name: "Allow", value: allow) }
        return HTTPResponse(status: status(response.status), headers: headers,
                            body: response.status == 204 ? nil : response.body, keepAlive: keepAlive)
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
