extension RESPDecoder {
    /// Bounds on what the decoder accepts, so that a broken or hostile peer cannot make it
    /// allocate without limit or recurse without end. Exceeding one throws a ``RESPProtocolError``.
    ///
    /// ```swift
    /// var decoder = RESPDecoder(limits: .init(maxBulkLength: 1 << 20))
    /// ```
    public struct Limits: Sendable, Hashable {
        /// Most aggregates open inside one another. Default 128: real replies nest a handful of
        /// levels (COMMAND DOCS, CLUSTER SHARDS stay under 10), and a `RESPValue` that deep is
        /// still safe to compare, hash, print and free recursively.
        public var maxDepth: Int
        /// Most entries announced by one aggregate: elements of an array, set or push; pairs of a
        /// map or attribute. Default 2^24 (16,777,216), enough for LRANGE or KEYS on large data
        /// sets. Space is reserved only as elements arrive, so a bogus count costs nothing by itself.
        public var maxAggregateLength: Int
        /// Longest bulk string, bulk error or verbatim string. Default 512 MiB, the server's own
        /// `proto-max-bulk-len`.
        public var maxBulkLength: Int
        /// Longest line (simple string, error, number, header), without type byte and CRLF.
        /// Default 64 KiB; it also bounds how long the decoder waits for a CRLF that never comes.
        public var maxLineLength: Int

        public init(
            maxDepth: Int = 128,
            maxAggregateLength: Int = 1 << 24,
            maxBulkLength: Int = 512 * 1024 * 1024,
            maxLineLength: Int = 64 * 1024
        ) {
            self.maxDepth = maxDepth
            self.maxAggregateLength = maxAggregateLength
            self.maxBulkLength = maxBulkLength
            self.maxLineLength = maxLineLength
        }

        /// The documented defaults.
        public static let `default` = Limits()
    }
}
