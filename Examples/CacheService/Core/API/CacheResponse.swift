import SwiftEV

/// An answer of the service as a plain value: the HTTP stage writes it.
public struct CacheResponse: Sendable {
    public enum ContentType: String, Sendable {
        case octetStream = "application/octet-stream"
        case json = "application/json"
        case text = "text/plain; charset=utf-8"
        case prometheus = "text/plain; version=0.0.4; charset=utf-8"
    }

    /// Whether a store failure may have changed the data: what a client needs to decide on a retry.
    public enum Outcome: String, Sendable {
        /// The command did not run: sending the request again is safe.
        case notApplied = "not_applied"
        /// It may or may not have run (a write sent, then no answer).
        case unknown
    }

    public var status: Int
    public var contentType: ContentType?
    /// For 405: the methods the path takes.
    public var allow: String?
    public var body: ByteBuffer

    public init(status: Int, contentType: ContentType? = nil, body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    public static let noContent = CacheResponse(status: 204)

    public static func text(_ status: Int, _ text: String) -> CacheResponse {
        CacheResponse(status: status, contentType: .text, body: ByteBuffer(string: text))
    }

    /// `{"error": "...", "outcome": "..."}` (outcome only for store failures).
    public static func error(status: Int, message: String, outcome: Outcome?) -> CacheResponse {
        var json = "{\"error\":\(JSONText.quoted(message))"
        if let outcome { json += ",\"outcome\":\"\(outcome.rawValue)\"" }
        json += "}"
        return CacheResponse(status: status, contentType: .json, body: ByteBuffer(string: json))
    }
}

enum JSONText {
    /// A JSON string literal (RFC 8259 escapes; server error texts may hold quotes).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
