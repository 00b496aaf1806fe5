import Redis

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
