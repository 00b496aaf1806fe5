/// A cache or counter key: one percent-decoded path segment, stored verbatim as the Redis key.
/// Any bytes are allowed (binary keys: `%00`, `%FF`, an encoded `/` as `%2F`); the length is
/// checked after decoding.
///
/// ```swift
/// try CacheKey(segment: Array("user%3A42".utf8)).bytes   // Array("user:42".utf8)
/// try CacheKey(segment: Array("%zz".utf8))               // throws: bad percent escape
/// ```
public struct CacheKey: Hashable, Sendable {
    /// Redis itself takes keys up to 512 MB; a URL path segment this long is a mistake or an attack.
    public static let maximumLength = 1024

    public let bytes: [UInt8]

    public init(segment: some Collection<UInt8>) throws(RequestError) {
        guard let decoded = PercentDecoding.decode(segment) else {
            throw RequestError.badRequest("bad key: a % is not followed by two hex digits")
        }
        guard !decoded.isEmpty else { throw RequestError.badRequest("bad key: empty (1 to \(Self.maximumLength) bytes)") }
        guard decoded.count <= Self.maximumLength else {
            throw RequestError.badRequest("bad key: \(decoded.count) bytes after decoding (at most \(Self.maximumLength))")
        }
        bytes = decoded
    }
}

/// `%XX` → one byte; everything else verbatim (`+` stays `+`: this is a path, not a form).
enum PercentDecoding {
    static func decode(_ input: some Collection<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = input.startIndex
        while index != input.endIndex {
            let byte = input[index]
            input.formIndex(after: &index)
            guard byte == UInt8(ascii: "%") else {
                output.append(byte)
                continue
            }
            guard index != input.endIndex, let high = hexValue(input[index]) else { return nil }
            input.formIndex(after: &index)
            guard index != input.endIndex, let low = hexValue(input[index]) else { return nil }
            input.formIndex(after: &index)
            output.append(high << 4 | low)
        }
        return output
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
