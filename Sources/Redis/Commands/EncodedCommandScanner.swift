/// Reads an encoded command (`*N\r\n$len\r\n<bytes>\r\n…`, what `RedisCommand.bytes` holds) in
/// place, one bulk string at a time, without copying or allocating. Every step answers nil on
/// anything malformed or truncated: nothing that reads a command back (its name for the command
/// table, its keys for routing and splitting) trusts the encoding more than the bytes allow.
///
/// ```swift
/// let command = RedisCommand("SET", "user:42", "Ada")
/// command.bytes.withUnsafeReadableBytes { raw in
///     var scanner = EncodedCommandScanner(raw)
///     let count = scanner.arrayCount()                  // 3
///     let name = scanner.nextBulk()                     // the bytes of "SET"
///     let key = scanner.nextBulk()                      // the bytes of "user:42"
/// }
/// ```
///
/// Public and inlinable because the cluster client (another module) runs it on every command
/// it routes: `package` declarations were not inlined across modules, which cost ~50
/// instructions per routed command (callgrind).
public struct EncodedCommandScanner {
    /// The encoded command; it must stay valid while the scanner is used.
    public let bytes: UnsafeBufferPointer<UInt8>
    /// Where the next header starts: after a `nextRange()`, the end of that bulk string's `\r\n`.
    @inlinable public var index: Int { position }
    @usableFromInline var position = 0

    @inlinable
    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    @inlinable
    public init(_ raw: UnsafeRawBufferPointer) {
        self.init(raw.bindMemory(to: UInt8.self))
    }

    /// Reads `<prefix>digits\r\n` (at most 18 digits: no overflow check per digit needed).
    @inlinable @inline(__always)
    mutating func header(_ prefix: UInt8) -> Int? {
        let count = bytes.count
        var i = position
        guard i < count, bytes[i] == prefix else { return nil }
        i += 1
        // Most headers of a command are one or two digits (`$3\r\n`, `$12\r\n`: names and
        // keys): no loop for them. Same acceptance as the loop below (digits, then `\r`).
        if i &+ 3 < count {
            let digit = bytes[i] &- 48
            if digit <= 9 {
                if bytes[i &+ 1] == 13 {
                    position = i &+ 3
                    return Int(digit)
                }
                let second = bytes[i &+ 1] &- 48
                if second <= 9, bytes[i &+ 2] == 13 {
                    position = i &+ 4
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
        position = i + 2
        return value
    }

    /// The `*N` header: how many bulk strings follow (the name counts). Call it first.
    @inlinable @inline(__always)
    public mutating func arrayCount() -> Int? { header(UInt8(ascii: "*")) }

    /// The next bulk string's content, as a range of `bytes` (its `$len\r\n` and `\r\n` left out).
    @inlinable @inline(__always)
    public mutating func nextRange() -> Range<Int>? {
        // `header` leaves `position` within `bytes` and `length` below 10^18: no overflow checks.
        guard let length = header(UInt8(ascii: "$")), length <= bytes.count &- position &- 2 else { return nil }
        let start = position
        position = start &+ length &+ 2
        return Range(uncheckedBounds: (start, start &+ length))
    }

    /// The next bulk string's content, pointing into `bytes`.
    @inlinable @inline(__always)
    public mutating func nextBulk() -> UnsafeBufferPointer<UInt8>? {
        nextRange().map { UnsafeBufferPointer(rebasing: bytes[$0]) }
    }
}
