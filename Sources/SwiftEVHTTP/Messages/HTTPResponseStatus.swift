/// A status code with its reason phrase.
///
/// ```swift
/// let status: HTTPResponseStatus = .notFound          // 404 Not Found
/// let teapot = HTTPResponseStatus(code: 418, reason: "I'm a teapot")
/// ```
public struct HTTPResponseStatus: Sendable, Hashable, CustomStringConvertible {
    public var code: Int
    public var reason: String

    /// `code` must be 100...999 (three digits on the wire); others become 500.
    public init(code: Int, reason: String) {
        self.code = (100...999).contains(code) ? code : 500
        self.reason = reason
    }

    public var description: String { "\(code) \(reason)" }

    /// 1xx: an interim answer, followed by the real one.
    public var isInformational: Bool { code < 200 }
    /// 1xx, 204 and 304 carry no body (RFC 9110 §6.4.1).
    public var forbidsBody: Bool { code < 200 || code == 204 || code == 304 }

    public static let `continue` = HTTPResponseStatus(code: 100, reason: "Continue")
    public static let ok = HTTPResponseStatus(code: 200, reason: "OK")
    public static let created = HTTPResponseStatus(code: 201, reason: "Created")
    public static let accepted = HTTPResponseStatus(code: 202, reason: "Accepted")
    public static let noContent = HTTPResponseStatus(code: 204, reason: "No Content")
    public static let notModified = HTTPResponseStatus(code: 304, reason: "Not Modified")
    public static let badRequest = HTTPResponseStatus(code: 400, reason: "Bad Request")
    public static let notFound = HTTPResponseStatus(code: 404, reason: "Not Found")
    public static let methodNotAllowed = HTTPResponseStatus(code: 405, reason: "Method Not Allowed")
    public static let requestTimeout = HTTPResponseStatus(code: 408, reason: "Request Timeout")
    public static let conflict = HTTPResponseStatus(code: 409, reason: "Conflict")
    public static let payloadTooLarge = HTTPResponseStatus(code: 413, reason: "Content Too Large")
    public static let uriTooLong = HTTPResponseStatus(code: 414, reason: "URI Too Long")
    public static let expectationFailed = HTTPResponseStatus(code: 417, reason: "Expectation Failed")
    public static let requestHeaderFieldsTooLarge = HTTPResponseStatus(code: 431, reason: "Request Header Fields Too Large")
    public static let internalServerError = HTTPResponseStatus(code: 500, reason: "Internal Server Error")
    public static let notImplemented = HTTPResponseStatus(code: 501, reason: "Not Implemented")
    public static let serviceUnavailable = HTTPResponseStatus(code: 503, reason: "Service Unavailable")
    public static let gatewayTimeout = HTTPResponseStatus(code: 504, reason: "Gateway Timeout")
    public static let httpVersionNotSupported = HTTPResponseStatus(code: 505, reason: "HTTP Version Not Supported")
}
