/// Malformed input or a violated ``RESPDecoder/Limits`` value.
///
/// Once a ``RESPDecoder`` throws this it is poisoned: the byte stream can no longer be framed,
/// so every later call throws the same error and the connection must be closed.
///
/// ```swift
/// var decoder = RESPDecoder()
/// var input: ByteBuffer = ":12a\r\n"
/// do { _ = try decoder.decode(&input) } catch {
///     print(error.kind)   // invalidInteger(byte: 97)
///     print(error.offset) // 3, the stream offset of "a"
/// }
/// ```
public struct RESPProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// The first byte of a value is not a RESP2/RESP3 type marker.
        case unknownType(byte: UInt8)
        /// An integer or length line holds a byte that is not a digit (or is empty).
        case invalidInteger(byte: UInt8?)
        /// An integer or length does not fit in 64 bits.
        case integerOverflow
        /// A length below zero, other than the `-1` that means null for `$` and `*`.
        case negativeLength(Int64)
        /// A RESP3 double that is not a decimal number, `inf`, `-inf` or `nan`.
        case invalidDouble
        /// A RESP3 boolean other than `t` or `f`.
        case invalidBoolean
        /// A RESP3 null with content before its CRLF.
        case invalidNull
        /// A RESP3 big number that is not an optional `-` followed by digits.
        case invalidBigNumber
        /// A verbatim string shorter than four bytes, without `:` after its format, or whose format
        /// is not three ASCII bytes.
        case invalidVerbatimString
        /// A line or payload not terminated by CRLF (a lone CR or LF, or other bytes after a payload).
        case invalidTerminator(byte: UInt8)
        /// A line longer than ``RESPDecoder/Limits/maxLineLength``.
        case lineTooLong(limit: Int)
        /// A bulk string, bulk error or verbatim string longer than ``RESPDecoder/Limits/maxBulkLength``.
        case bulkTooLong(length: Int64, limit: Int)
        /// An aggregate with more entries than ``RESPDecoder/Limits/maxAggregateLength``.
        case aggregateTooLong(count: Int64, limit: Int)
        /// Aggregates nested deeper than ``RESPDecoder/Limits/maxDepth``.
        case tooDeep(limit: Int)
    }

    /// What went wrong.
    public var kind: Kind
    /// Offset of the offending byte (or of the line holding it) from the start of the stream the
    /// decoder has seen, counting every byte it consumed.
    public var offset: Int

    public init(_ kind: Kind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String {
        "RESP protocol error at stream offset \(offset): \(kindDescription)"
    }

    private var kindDescription: String {
        switch kind {
        case .unknownType(let byte): return "unknown type byte \(Self.show(byte))"
        case .invalidInteger(let byte?): return "invalid integer: unexpected byte \(Self.show(byte))"
        case .invalidInteger(nil): return "invalid integer: no digits"
        case .integerOverflow: return "integer does not fit in 64 bits"
        case .negativeLength(let n): return "negative length \(n)"
        case .invalidDouble: return "invalid double"
        case .invalidBoolean: return "invalid boolean (expected t or f)"
        case .invalidNull: return "invalid null (expected _\\r\\n)"
        case .invalidBigNumber: return "invalid big number"
        case .invalidVerbatimString: return "invalid verbatim string (expected xxx: prefix)"
        case .invalidTerminator(let byte): return "expected CRLF, found byte \(Self.show(byte))"
        case .lineTooLong(let limit): return "line longer than \(limit) bytes"
        case .bulkTooLong(let length, let limit): return "bulk length \(length) exceeds limit \(limit)"
        case .aggregateTooLong(let count, let limit): return "aggregate length \(count) exceeds limit \(limit)"
        case .tooDeep(let limit): return "aggregates nested deeper than \(limit)"
        }
    }

    private static func show(_ byte: UInt8) -> String {
        let hex = "0x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
        return byte >= 0x20 && byte < 0x7F ? "\(hex) '\(Character(Unicode.Scalar(byte)))'" : hex
    }
}
