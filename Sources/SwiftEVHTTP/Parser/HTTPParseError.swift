/// A request the parser refuses, with the status to answer it with.
///
/// After one of these the stream cannot be framed any more (RFC 9112 asks a server to close
/// the connection after answering): the parser is poisoned and throws the same error again.
///
/// ```swift
/// var parser = HTTPRequestParser()
/// var input = ByteBuffer(string: "GET / HTTP/1.1\r\nHost : x\r\n\r\n")
/// do { _ = try parser.next(&input) } catch {
///     error.kind     // .whitespaceBeforeColon
///     error.status   // 400 Bad Request
/// }
/// ```
public struct HTTPParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The method is not a token or is not followed by one space.
        case invalidMethod
        /// The request-target is empty, holds a byte other than visible ASCII, or is not followed by one space.
        case invalidTarget
        /// The version is not `HTTP/<digit>.<digit>` ending the request line.
        case invalidVersion
        /// A version other than HTTP/1.x (505).
        case unsupportedVersion(major: UInt8, minor: UInt8)
        /// The request line is longer than the limit (414).
        case requestLineTooLong(limit: Int)
        /// A line ends in LF without CR before it.
        case bareLineFeed
        /// A field name is empty or holds a byte outside the token set (the byte, nil when the line has no colon).
        case invalidFieldName(byte: UInt8?)
        /// Whitespace between a field name and its colon (a request-smuggling vector, RFC 9112 §5.1).
        case whitespaceBeforeColon
        /// A field value holds a control character (CR, NUL, DEL…).
        case invalidFieldValue(byte: UInt8)
        /// A field line starts with whitespace: obsolete line folding (RFC 9112 §5.2).
        case obsoleteLineFolding
        /// More header (or trailer) fields than the limit (431).
        case tooManyFields(limit: Int)
        /// Header (or trailer) lines longer in total than the limit (431).
        case fieldSectionTooLarge(limit: Int)
        /// HTTP/1.1 without a `Host` field.
        case missingHost
        /// More than one `Host` field.
        case multipleHosts
        /// `Content-Length` is not a list of one decimal number.
        case invalidContentLength
        /// `Content-Length` fields (or list members) with different values.
        case conflictingContentLength
        /// Both `Content-Length` and `Transfer-Encoding`: the classic smuggling vector.
        case contentLengthWithTransferEncoding
        /// `Transfer-Encoding` on an HTTP/1.0 request.
        case transferEncodingInHTTP10
        /// `Transfer-Encoding` whose final coding is not `chunked`, or `chunked` twice.
        case invalidTransferEncoding
        /// A transfer coding other than `chunked` (501).
        case unsupportedTransferEncoding
        /// `Expect` with anything but `100-continue` (417).
        case unsupportedExpectation
        /// A body longer than the limit, declared or received (413).
        case bodyTooLarge(limit: Int)
        /// A chunk-size line that is not hex digits with optional extensions, or too large a size.
        case invalidChunkSize
        /// A chunk-size line longer than the limit.
        case chunkLineTooLong(limit: Int)
        /// Chunk data not followed by CRLF.
        case invalidChunkTerminator
    }

    public var kind: Kind
    /// Stream offset (bytes since the connection opened) of the line or byte at fault.
    public var offset: Int

    public init(_ kind: Kind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    /// The status a server answers this error with.
    public var status: HTTPResponseStatus {
        switch kind {
        case .requestLineTooLong: .uriTooLong
        case .tooManyFields, .fieldSectionTooLarge: .requestHeaderFieldsTooLarge
        case .bodyTooLarge: .payloadTooLarge
        case .unsupportedVersion: .httpVersionNotSupported
        case .unsupportedTransferEncoding: .notImplemented
        case .unsupportedExpectation: .expectationFailed
        default: .badRequest
        }
    }

    public var description: String { "HTTP request refused at stream offset \(offset): \(reason)" }

    /// One line naming the cause, for logs and for the body of the error response.
    public var reason: String {
        switch kind {
        case .invalidMethod: "invalid method"
        case .invalidTarget: "invalid request-target"
        case .invalidVersion: "invalid HTTP version"
        case .unsupportedVersion(let major, let minor): "HTTP/\(major).\(minor) is not supported"
        case .requestLineTooLong(let limit): "request line longer than \(limit) bytes"
        case .bareLineFeed: "line ends in LF without CR"
        case .invalidFieldName(let byte?): "invalid byte \(Self.show(byte)) in a field name"
        case .invalidFieldName(nil): "field line without a name or colon"
        case .whitespaceBeforeColon: "whitespace between a field name and its colon"
        case .invalidFieldValue(let byte): "control character \(Self.show(byte)) in a field value"
        case .obsoleteLineFolding: "obsolete line folding"
        case .tooManyFields(let limit): "more than \(limit) fields"
        case .fieldSectionTooLarge(let limit): "field section larger than \(limit) bytes"
        case .missingHost: "HTTP/1.1 request without Host"
        case .multipleHosts: "more than one Host field"
        case .invalidContentLength: "invalid Content-Length"
        case .conflictingContentLength: "conflicting Content-Length values"
        case .contentLengthWithTransferEncoding: "both Content-Length and Transfer-Encoding"
        case .transferEncodingInHTTP10: "Transfer-Encoding in an HTTP/1.0 request"
        case .invalidTransferEncoding: "Transfer-Encoding does not end in a single chunked"
        case .unsupportedTransferEncoding: "transfer coding other than chunked"
        case .unsupportedExpectation: "Expect other than 100-continue"
        case .bodyTooLarge(let limit): "body larger than \(limit) bytes"
        case .invalidChunkSize: "invalid chunk size line"
        case .chunkLineTooLong(let limit): "chunk size line longer than \(limit) bytes"
        case .invalidChunkTerminator: "chunk data not followed by CRLF"
        }
    }

    private static func show(_ byte: UInt8) -> String {
        let hex = "0x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
        return byte >= 0x20 && byte < 0x7F ? "\(hex) '\(Character(Unicode.Scalar(byte)))'" : hex
    }
}
