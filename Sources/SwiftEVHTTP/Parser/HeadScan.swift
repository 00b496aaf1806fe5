/// The parser's progress on one request head: what it has validated so far.
struct HeadScan: Sendable {
    /// Bytes of complete, validated lines from the reader index.
    var scanned = 0
    var requestLine: RequestLine?
    var fieldCount = 0
    var framing = HeadFraming()

    struct RequestLine: Sendable {
        var method: HTTPMethod
        var targetStart: Int
        var targetLength: Int
        var version: HTTPVersion
        /// With its CRLF.
        var length: Int
    }

    enum RequestLineResult {
        case parsed(RequestLine)
        case refused(HTTPParseError.Kind)
    }

    /// Bytes of field lines so far (CRLFs included).
    var fieldBytes: Int { scanned - (requestLine?.length ?? 0) }
}
