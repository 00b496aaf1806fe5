import SwiftEV

extension RESPValue {
    /// True for RESP3 `_` and for the RESP2 null bulk string and null array.
    public var isNull: Bool {
        switch self {
        case .null, .bulkString(nil), .array(nil): return true
        default: return false
        }
    }

    /// True for simple and bulk errors.
    public var isError: Bool {
        switch self {
        case .simpleError, .bulkError: return true
        default: return false
        }
    }

    /// The first word of an error reply, by Redis convention its code; nil for other values.
    ///
    /// ```swift
    /// RESPValue.simpleError("WRONGTYPE Operation against a key").errorCode // "WRONGTYPE"
    /// ```
    public var errorCode: String? {
        guard let text = errorText else { return nil }
        return String(text.prefix { $0 != " " })
    }

    /// The text after the error code (empty when there is none); nil for other values.
    ///
    /// ```swift
    /// RESPValue.simpleError("ERR unknown command").errorMessage // "unknown command"
    /// ```
    public var errorMessage: String? {
        guard let text = errorText else { return nil }
        guard let space = text.firstIndex(of: " ") else { return "" }
        return String(text[text.index(after: space)...])
    }

    /// The whole text of an error reply, nil for other values.
    public var errorText: String? {
        switch self {
        case .simpleError(let text), .bulkError(let text): return String(buffer: text)
        default: return nil
        }
    }

    /// The value an attribute annotates, or the value itself when it has no attributes.
    public var withoutAttributes: RESPValue {
        var value = self
        while case .attribute(_, let inner) = value { value = inner }
        return value
    }

    /// A short name of the wire type, as used in error messages ("bulk string", "null array", ...).
    public var typeName: String {
        switch self {
        case .simpleString: return "simple string"
        case .simpleError: return "simple error"
        case .integer: return "integer"
        case .bulkString(nil): return "null bulk string"
        case .bulkString: return "bulk string"
        case .array(nil): return "null array"
        case .array: return "array"
        case .null: return "null"
        case .boolean: return "boolean"
        case .double: return "double"
        case .bigNumber: return "big number"
        case .bulkError: return "bulk error"
        case .verbatimString: return "verbatim string"
        case .map: return "map"
        case .set: return "set"
        case .attribute: return "attribute"
        case .push: return "push"
        }
    }
}
