import SwiftEV

/// One RESP2 or RESP3 value, as sent by a Redis-compatible server.
///
/// Each case mirrors one wire type, so decoding and re-encoding a value loses nothing.
/// String-like payloads are `ByteBuffer` slices that share the memory of the buffer they were
/// decoded from: holding a value keeps that memory alive.
///
/// ```swift
/// var decoder = RESPDecoder()
/// var input: ByteBuffer = "*2\r\n$3\r\nfoo\r\n:42\r\n"
/// let value = try decoder.decode(&input)
/// // value == .array([.bulkString("foo"), .integer(42)])
/// ```
///
/// Equality is structural: `.simpleString("OK")` and `.bulkString("OK")` differ. Doubles compare
/// by value, except that NaN equals NaN so that a decoded `,nan` round-trips.
public enum RESPValue: Sendable {
    /// Ordered key/value pairs of a RESP3 map or attribute; the server's order is kept.
    public typealias Pairs = [(key: RESPValue, value: RESPValue)]

    /// `+OK\r\n`
    case simpleString(ByteBuffer)
    /// `-ERR message\r\n`; see ``errorCode`` and ``errorMessage``.
    case simpleError(ByteBuffer)
    /// `:42\r\n`
    case integer(Int64)
    /// `$3\r\nfoo\r\n`; `nil` is the RESP2 null bulk string `$-1\r\n`.
    case bulkString(ByteBuffer?)
    /// `*2\r\n...`; `nil` is the RESP2 null array `*-1\r\n`.
    case array([RESPValue]?)
    /// RESP3 `_\r\n`.
    case null
    /// RESP3 `#t\r\n` / `#f\r\n`.
    case boolean(Bool)
    /// RESP3 `,3.14\r\n`, including `inf`, `-inf` and `nan`.
    case double(Double)
    /// RESP3 `(3492890328409238509324850943850943825024385\r\n`: the decimal digits, with an
    /// optional leading `-`, kept as text because they may not fit any fixed-width integer.
    case bigNumber(ByteBuffer)
    /// RESP3 `!21\r\nSYNTAX invalid syntax\r\n`; see ``errorCode`` and ``errorMessage``.
    case bulkError(ByteBuffer)
    /// RESP3 `=15\r\ntxt:Some string\r\n`: a three-letter `format` such as `txt` or `mkd`, and the text.
    indirect case verbatimString(format: String, text: ByteBuffer)
    /// RESP3 `%1\r\n+key\r\n:1\r\n`.
    case map(Pairs)
    /// RESP3 `~2\r\n:1\r\n:2\r\n`; elements keep the server's order.
    case set([RESPValue])
    /// RESP3 `|1\r\n...` attributes and the value they annotate.
    ///
    /// The decoder wraps the value that follows an attribute map in this case, wherever it
    /// appears (top level or inside an aggregate), so the reply stays one tree. `RESPDecodable`
    /// conversions look through it; match it explicitly to read the attributes.
    indirect case attribute(Pairs, value: RESPValue)
    /// RESP3 `>3\r\n...`: out-of-band data such as pub/sub messages or invalidations.
    case push([RESPValue])
}
