import SwiftEV

/// A Swift type that can be built from a reply.
///
/// Conversions look through RESP3 attributes, and an error reply throws ``RESPServerError``
/// rather than a type mismatch, so callers can tell "the server said no" from "unexpected shape"
/// (a mismatch throws ``RESPDecodingError``).
///
/// ```swift
/// let n = try RESPValue.integer(3).decode(as: Int.self)                        // 3
/// let s = try RESPValue.bulkString(nil).decode(as: String?.self)               // nil
/// let h = try RESPValue.array(["a", "1"]).decode(as: [String: Int].self)       // ["a": 1]
/// ```
///
/// Conformances provided, and the replies they accept:
/// - `RESPValue`: any reply, unchanged (errors included; nothing is thrown).
/// - `String`, `ByteBuffer`, `[UInt8]`: simple, bulk and verbatim strings (the text), big numbers
///   (the digits), integers and doubles (their decimal text, since RESP2 and RESP3 disagree on
///   which commands answer with numbers). Invalid UTF-8 becomes U+FFFD in `String`; use
///   `ByteBuffer` for binary data.
/// - `Int`, `Int64`, `Int32`, `UInt`, `UInt64`, `UInt32`, `UInt8`: integers, and simple/bulk
///   strings or big numbers holding a decimal integer that fits. Doubles are refused.
/// - `Double`: doubles, integers, and strings or big numbers holding a number (`inf`, `nan` too).
/// - `Bool`: RESP3 booleans, and the integers 0 and 1 that RESP2 commands use.
/// - `Optional`: `nil` for RESP3 null and RESP2 null bulk string or array.
/// - `Array`: arrays, sets and pushes; a map flattens to key, value, key, value (the RESP2 shape).
/// - `Set`: arrays, sets and pushes.
/// - `Dictionary`: maps, and arrays of alternating keys and values (RESP2's `HGETALL`);
///   a repeated key keeps its last value.
public protocol RESPDecodable {
    /// Builds a value from `value`, throwing ``RESPServerError`` for error replies and
    /// ``RESPDecodingError`` for replies of the wrong shape.
    init(fromRESP value: RESPValue) throws
}

extension RESPValue {
    /// This reply converted to `type`; see ``RESPDecodable``.
    ///
    /// ```swift
    /// let members = try reply.decode(as: Set<String>.self)
    /// ```
    public func decode<T: RESPDecodable>(as type: T.Type = T.self) throws -> T {
        try T(fromRESP: self)
    }

    /// The value with attributes removed; throws the server error if it is an error reply.
    func unwrappedForDecoding() throws -> RESPValue {
        let value = withoutAttributes
        if let error = RESPServerError(value) { throw error }
        return value
    }
}
