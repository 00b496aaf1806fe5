/// Walks `*N\r\n$len\r\n<bytes>\r\n…` in place. Nil on anything malformed: routing never
/// trusts the encoding more than the bytes allow.
struct EncodedCommandScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    init(_ raw: UnsafeRawBufferPointer) {
        self.init(raw.bindMemory(to: UInt8.self))
    }

    /// Reads `<prefix>digits\r\n` (at most 18 digits: no overflow check per digit needed).
    @inline(__always)
    private mutating func header(_ prefix: UInt8) -> Int? {
        let count = bytes.count
        var i = index
        guard i < count, bytes[i] == prefix else { return nil }
        i += 1
        // Most headers of a command are one or two digits (`$3\r\n`, `$12\r\n`: names and
        // keys): no loop for them. Same acceptance as the loop below (digits, then `\r`).
        if i &+ 3 < count {
            let digit = bytes[i] &- 48
            if digit <= 9 {
                if bytes[i &+ 1] == 13 {
                    index = i &+ 3
                    return Int(digit)
                }
                let second = bytes[i &+ 1] &- 48
                if second <= 9, bytes[i &+ 2] == 13 {
                    index = i &+ 4
                    return Int(digit) &* 10 &+ Int(second)
                }
            }
        }
        let firstDigit = i
        var value = 0
        while i < count {
            let digit = bytes[i] &- 48
            if digit > 9 { break }
            value = value &* 10 &+ Int(digit)
            i += 1
        }
        guard i > firstDigit, i - firstDigit <= 18, i + 1 < count, bytes[i] == 13 else { return nil }
        index = i + 2
        return value
    }

    @inline(__always)
    mutating func arrayCount() -> Int? { header(UInt8(ascii: "*")) }

    /// The next bulk string's position in `bytes`.
    @inline(__always)
    mutating func nextRange() -> Range<Int>? {
        // `header` leaves `index` within `bytes` and `length` below 10^18: no overflow checks.
        guard let length = header(UInt8(ascii: "$")), length <= bytes.count &- index &- 2 else { return nil }
        let start = index
        index = start &+ length &+ 2
        return Range(uncheckedBounds: (start, start &+ length))
    }

    @inline(__always)
    mutating func nextBulk() -> UnsafeBufferPointer<UInt8>? {
        nextRange().map { UnsafeBufferPointer(rebasing: bytes[$0]) }
    }
}

/// The arguments of an encoded command, by index (0 is the name), read in place.
struct EncodedArguments {
    let bytes: UnsafeBufferPointer<UInt8>
    let ranges: UnsafeBufferPointer<Range<Int>>

    var count: Int { ranges.count }

    subscript(index: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: bytes[ranges[index]]) }

    /// Indexes the arguments of `bytes` in a temporary (stack for small commands) buffer and
    /// calls `body`; nil when the encoding is malformed.
    static func withArguments<R>(of bytes: UnsafeBufferPointer<UInt8>, _ body: (EncodedArguments) -> R) -> R? {
        var scanner = EncodedCommandScanner(bytes)
        // The smallest argument, `$0\r\n\r\n`, is 6 bytes: a larger count is a lie.
        guard let count = scanner.arrayCount(), count >= 1, count <= bytes.count / 6 else { return nil }
        return withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: count) { ranges -> R? in
            for i in 0..<count {
                guard let range = scanner.nextRange() else {
                    ranges.baseAddress!.deinitialize(count: i)
                    return nil
                }
                (ranges.baseAddress! + i).initialize(to: range)
            }
            defer { ranges.baseAddress!.deinitialize(count: count) }
            return body(EncodedArguments(bytes: bytes, ranges: UnsafeBufferPointer(ranges)))
        }
    }
}
