extension RESPDecoder {
    /// An aggregate whose header has been read but whose elements are still arriving. Elements
    /// already decoded live here, so resuming never re-reads their bytes.
    struct Frame: Sendable {
        /// The wire type byte: `*`, `~`, `>`, `%` or `|`.
        let type: UInt8
        /// Elements still to come; maps count keys and values, attributes add their value.
        var remaining: Int
        var elements: [RESPValue]

        init(type: UInt8, remaining: Int) {
            self.type = type
            self.remaining = remaining
            self.elements = []
            // Reserve up front only a little: the count is untrusted until the elements arrive.
            elements.reserveCapacity(Swift.min(remaining, 256))
        }

        /// The finished aggregate; call once `remaining` is zero.
        consuming func makeValue() -> RESPValue {
            switch type {
            case UInt8(ascii: "~"): return .set(elements)
            case UInt8(ascii: ">"): return .push(elements)
            case UInt8(ascii: "%"): return .map(Self.pairs(elements[...]))
            case UInt8(ascii: "|"): return .attribute(Self.pairs(elements.dropLast()), value: elements[elements.count - 1])
            default: return .array(elements)
            }
        }

        private static func pairs(_ flat: ArraySlice<RESPValue>) -> RESPValue.Pairs {
            var pairs = RESPValue.Pairs()
            pairs.reserveCapacity(flat.count / 2)
            var i = flat.startIndex
            while i + 1 < flat.endIndex {
                pairs.append((key: flat[i], value: flat[i + 1]))
                i += 2
            }
            return pairs
        }

        /// An aggregate announced with zero entries, which needs no frame.
        static func emptyValue(type: UInt8) -> RESPValue {
            switch type {
            case UInt8(ascii: "~"): return .set([])
            case UInt8(ascii: ">"): return .push([])
            case UInt8(ascii: "%"): return .map([])
            default: return .array([])
            }
        }
    }

    /// The header of a bulk string, bulk error or verbatim string has been read; its payload
    /// (and CRLF) has not fully arrived yet.
    struct PendingBulk: Sendable {
        let type: UInt8
        let length: Int
    }
}
