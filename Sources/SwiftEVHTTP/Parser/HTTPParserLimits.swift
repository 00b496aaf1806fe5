extension HTTPRequestParser {
    /// Bounds on what the parser accepts, so a hostile client cannot make the server buffer
    /// without limit. Each one, exceeded, is refused with its own status.
    ///
    /// ```swift
    /// var limits = HTTPRequestParser.Limits()
    /// limits.maxBodySize = 8 << 20        // 8 MiB values
    /// ```
    public struct Limits: Sendable, Hashable {
        /// Longest request line, without its CRLF (414). Default 8 KiB, as nginx and RFC 9112's
        /// recommended minimum.
        public var maxRequestLineLength: Int
        /// Most header fields in one request, and most trailer fields (431). Default 100.
        public var maxHeaderCount: Int
        /// Most bytes of header field lines, CRLFs included, and separately of trailer lines
        /// (431). Default 16 KiB.
        public var maxHeaderBytes: Int
        /// Largest body, declared or received (413). Default 2 MiB.
        public var maxBodySize: Int
        /// Longest chunk-size line with its extensions, without CRLF (400). Default 1 KiB.
        public var maxChunkLineLength: Int

        public init(
            maxRequestLineLength: Int = 8 * 1024,
            maxHeaderCount: Int = 100,
            maxHeaderBytes: Int = 16 * 1024,
            maxBodySize: Int = 2 * 1024 * 1024,
            maxChunkLineLength: Int = 1024
        ) {
            self.maxRequestLineLength = maxRequestLineLength
            self.maxHeaderCount = maxHeaderCount
            self.maxHeaderBytes = maxHeaderBytes
            self.maxBodySize = maxBodySize
            self.maxChunkLineLength = maxChunkLineLength
        }

        /// The documented defaults.
        public static let `default` = Limits()
    }
}
