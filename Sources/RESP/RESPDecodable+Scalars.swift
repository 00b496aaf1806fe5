import SwiftEV

extension RESPValue: RESPDecodable {
    /// The reply itself, unchanged; never throws.
    public init(fromRESP value: RESPValue) { self = value }
}

extension String: RESPDecodable {
    public init(fromRESP value: RESPValue) throws {
        let value = try value.unwrappedForDecoding()
        switch value {
        case .simpleString(let b), .bulkString(let b?), .bigNumber(let b), .verbatimString(_, let b):
            self = String(buffer: b)
        case .integer(let n):
            self = String(n)
        case .double(let d):
            self = d.description
        default:
            throw RESPDecodingError(String.self, from: value)
        }
    }
}

extension ByteBuffer: RESPDecodable {
    public init(fromRESP value: RESPValue) throws {
        let value = try value.unwrappedForDecoding()
        switch value {
        case .simpleString(let b), .bulkString(let b?), .bigNumber(let b), .verbatimString(_, let b):
            self = b
        case .integer(let n):
            self = ByteBuffer(string: String(n))
        case .double(let d):
            self = ByteBuffer(string: d.description)
        default:
            throw RESPDecodingError(ByteBuffer.self, from: value)
        }
    }
}

extension Double: RESPDecodable {
    public init(fromRESP value: RESPValue) throws {
        let value = try value.unwrappedForDecoding()
        switch value {
        case .double(let d):
            self = d
        case .integer(let n):
            self = Double(n)
        case .simpleString(let b), .bulkString(let b?), .bigNumber(let b):
            // RESP2 sends scores and INCRBYFLOAT results as strings.
            guard let d = b.withUnsafeReadableBytes({ RESPNumberParsing.parseDouble($0, 0..<$0.count) }) else {
                throw RESPDecodingError(Double.self, from: value, detail: "\"\(String(buffer: b))\" is not a number")
            }
            self = d
        default:
            throw RESPDecodingError(Double.self, from: value)
        }
    }
}

extension Bool: RESPDecodable {
    public init(fromRESP value: RESPValue) throws {
        let value = try value.unwrappedForDecoding()
        switch value {
        case .boolean(let flag):
            self = flag
        case .integer(0):
            self = false
        case .integer(1):
            self = true
        case .integer(let n):
            throw RESPDecodingError(Bool.self, from: value, detail: "\(n) is neither 0 nor 1")
        default:
            throw RESPDecodingError(Bool.self, from: value)
        }
    }
}

extension Int: RESPDecodable {}
extension Int64: RESPDecodable {}
extension Int32: RESPDecodable {}
extension UInt: RESPDecodable {}
extension UInt64: RESPDecodable {}
extension UInt32: RESPDecodable {}
extension UInt8: RESPDecodable {}

extension RESPDecodable where Self: FixedWidthInteger {
    /// An integer reply, or a string or big number holding a decimal integer, that fits `Self`.
    public init(fromRESP value: RESPValue) throws {
        let value = try value.unwrappedForDecoding()
        let wide: Int64
        switch value {
        case .integer(let n):
            wide = n
        case .simpleString(let b), .bulkString(let b?), .bigNumber(let b):
            let parsed = b.withUnsafeReadableBytes { RESPNumberParsing.parseInteger($0, 0..<$0.count) }
            guard case .value(let n) = parsed else {
                throw RESPDecodingError(Self.self, from: value, detail: "\"\(String(buffer: b))\" is not a 64-bit decimal integer")
            }
            wide = n
        default:
            throw RESPDecodingError(Self.self, from: value)
        }
        guard let exact = Self(exactly: wide) else {
            throw RESPDecodingError(Self.self, from: value, detail: "\(wide) is out of range")
        }
        self = exact
    }
}
