import SwiftEV

extension Optional: RESPDecodable where Wrapped: RESPDecodable {
    /// `nil` for RESP3 null and the RESP2 null bulk string and null array.
    public init(fromRESP value: RESPValue) throws {
        self = value.withoutAttributes.isNull ? nil : try Wrapped(fromRESP: value)
    }
}

extension Array: RESPDecodable where Element: RESPDecodable {
    /// Arrays, sets and pushes element by element; maps flattened to key, value, ....
    /// `[UInt8]` also takes string replies, as their bytes.
    public init(fromRESP value: RESPValue) throws {
        let value = try value.unwrappedForDecoding()
        switch value {
        case .array(let elements?), .set(let elements), .push(let elements):
            self = try elements.map { try Element(fromRESP: $0) }
        case .map(let pairs):
            var flat: [Element] = []
            flat.reserveCapacity(pairs.count * 2)
            for pair in pairs {
                flat.append(try Element(fromRESP: pair.key))
                flat.append(try Element(fromRESP: pair.value))
            }
            self = flat
        default:
            // [UInt8] cannot have a conformance of its own beside this one, so it is handled here.
            if Element.self == UInt8.self, let bytes = try? ByteBuffer(fromRESP: value) {
                self = bytes.readableBytesArray as! [Element]
                return
            }
            throw RESPDecodingError([Element].self, from: value)
        }
    }
}

extension Set: RESPDecodable where Element: RESPDecodable {
    /// Sets, arrays and pushes.
    public init(fromRESP value: RESPValue) throws {
        let value = try value.unwrappedForDecoding()
        switch value {
        case .set(let elements), .array(let elements?), .push(let elements):
            self = Set(try elements.map { try Element(fromRESP: $0) })
        default:
            throw RESPDecodingError(Set<Element>.self, from: value)
        }
    }
}

extension Dictionary: RESPDecodable where Key: RESPDecodable, Value: RESPDecodable {
    /// RESP3 maps, and RESP2 arrays of alternating keys and values. A repeated key keeps its
    /// last value.
    public init(fromRESP value: RESPValue) throws {
        let value = try value.unwrappedForDecoding()
        var result: [Key: Value] = [:]
        switch value {
        case .map(let pairs):
            result.reserveCapacity(pairs.count)
            for pair in pairs {
                result[try Key(fromRESP: pair.key)] = try Value(fromRESP: pair.value)
            }
        case .array(let flat?):
            guard flat.count.isMultiple(of: 2) else {
                throw RESPDecodingError([Key: Value].self, from: value, detail: "odd number of elements (\(flat.count))")
            }
            result.reserveCapacity(flat.count / 2)
            var i = 0
            while i < flat.count {
                result[try Key(fromRESP: flat[i])] = try Value(fromRESP: flat[i + 1])
                i += 2
            }
        default:
            throw RESPDecodingError([Key: Value].self, from: value)
        }
        self = result
    }
}
