import SwiftEV

extension RESPValue: CustomStringConvertible {
    /// A one-line rendering in the style of `redis-cli`, with long strings cut short.
    ///
    /// ```swift
    /// RESPValue.array([.bulkString("a"), .integer(1), .null]).description
    /// // ["a", (integer) 1, (nil)]
    /// ```
    public var description: String {
        var out = ""
        describe(into: &out)
        return out
    }

    private func describe(into out: inout String) {
        switch self {
        case .simpleString(let s), .bulkString(let s?):
            Self.quote(s, into: &out)
        case .simpleError(let e), .bulkError(let e):
            out += "(error) "
            out += Self.escaped(e)
        case .integer(let i):
            out += "(integer) \(i)"
        case .bulkString(nil), .array(nil), .null:
            out += "(nil)"
        case .boolean(let b):
            out += b ? "(true)" : "(false)"
        case .double(let d):
            out += "(double) \(d)"
        case .bigNumber(let n):
            out += "(big number) " + String(buffer: n)
        case .verbatimString(let format, let text):
            out += "(verbatim \(format)) "
            Self.quote(text, into: &out)
        case .array(let elements?):
            Self.list(elements, open: "[", into: &out)
        case .set(let elements):
            Self.list(elements, open: "~[", into: &out)
        case .push(let elements):
            Self.list(elements, open: ">[", into: &out)
        case .map(let pairs):
            Self.pairs(pairs, into: &out)
        case .attribute(let pairs, let value):
            out += "(attributes "
            Self.pairs(pairs, into: &out)
            out += ") "
            value.describe(into: &out)
        }
    }

    private static func list(_ elements: [RESPValue], open: String, into out: inout String) {
        out += open
        for (i, element) in elements.enumerated() {
            if i > 0 { out += ", " }
            element.describe(into: &out)
        }
        out += "]"
    }

    private static func pairs(_ pairs: Pairs, into out: inout String) {
        out += "{"
        for (i, pair) in pairs.enumerated() {
            if i > 0 { out += ", " }
            pair.key.describe(into: &out)
            out += ": "
            pair.value.describe(into: &out)
        }
        out += "}"
    }

    private static func quote(_ buffer: ByteBuffer, into out: inout String) {
        out += "\""
        out += escaped(buffer)
        out += "\""
    }

    // Long payloads (a bulk string can be 512 MB) are cut so that logging a reply stays cheap.
    private static func escaped(_ buffer: ByteBuffer, limit: Int = 64) -> String {
        let shown = min(buffer.readableBytes, limit)
        let text = buffer.getString(at: buffer.readerIndex, length: shown) ?? ""
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += scalar.escaped(asASCII: true)
            default: out.unicodeScalars.append(scalar)
            }
        }
        if buffer.readableBytes > shown { out += "…(\(buffer.readableBytes) bytes)" }
        return out
    }
}
