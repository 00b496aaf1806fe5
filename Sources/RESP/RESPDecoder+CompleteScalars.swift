import SwiftEV

extension RESPDecoder {
    /// A whole scalar found at the reader index by `scanCompleteScalar`.
    enum CompleteScalar {
        /// `+` or `-`: `length` bytes of text after the type byte.
        case text(type: UInt8, length: Int)
        case integer(Int64, lineBytes: Int)
        /// `$-1`.
        case nullBulk(lineBytes: Int)
        /// `$<length>` and its payload, both readable.
        case bulk(headerBytes: Int, length: Int)
    }

    /// The replies most commands get (`+OK`, `:1`, `$-1`, `$5\r\nhello\r\n`), decoded in one
    /// trip into the buffer's storage when all of one is readable: no `Line`, no pending bulk,
    /// two-digit lengths without the general integer parser. Anything else, or anything
    /// unusual (an error to report, an incomplete line, a number that needs overflow checks),
    /// returns nil having consumed nothing, and the general path decides: this one changes the
    /// cost of a reply, never its outcome.
    @inline(__always)
    mutating func decodeCompleteScalar(_ buffer: inout ByteBuffer) -> RESPValue? {
        let maxLine = limits.maxLineLength, maxBulk = limits.maxBulkLength
        guard let scalar = buffer.withUnsafeReadableBytes({ Self.scanCompleteScalar($0, maxLine: maxLine, maxBulk: maxBulk) }) else {
            return nil
        }
        // Counted as the general path counts: the line up to its LF, a payload's CRLF.
        switch scalar {
        case .text(let type, let length):
            let text = buffer.getSlice(at: buffer.readerIndex &+ 1, length: length)!
            bytesScanned &+= length &+ 2
            consume(length &+ 3, of: &buffer)
            return type == UInt8(ascii: "+") ? .simpleString(text) : .simpleError(text)
        case .integer(let n, let lineBytes):
            bytesScanned &+= lineBytes &- 1
            consume(lineBytes, of: &buffer)
            return .integer(n)
        case .nullBulk(let lineBytes):
            bytesScanned &+= lineBytes &- 1
            consume(lineBytes, of: &buffer)
            return .bulkString(nil)
        case .bulk(let headerBytes, let length):
            let payload = buffer.getSlice(at: buffer.readerIndex &+ headerBytes, length: length)!
            bytesScanned &+= headerBytes &+ 1
            consume(headerBytes &+ length &+ 2, of: &buffer)
            return .bulkString(payload)
        }
    }

    /// Recognises a complete `+`/`-` line, a `:` integer of at most 18 digits, or a `$` bulk
    /// string (or `$-1`) whose payload and CRLF are readable, within the limits; nil otherwise.
    @inline(__always)
    static func scanCompleteScalar(_ bytes: UnsafeRawBufferPointer, maxLine: Int, maxBulk: Int) -> CompleteScalar? {
        let count = bytes.count
        guard count >= 4 else { return nil }
        let type = bytes[0]
        switch type {
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            // Content may be maxLine bytes, so its CR may sit at maxLine + 1 and no later.
            let end = maxLine <= count &- 2 ? maxLine &+ 2 : count
            guard let cr = firstLineBreak(bytes, from: 1, to: end), bytes[cr] == UInt8(ascii: "\r"),
                  cr &+ 1 < count, bytes[cr &+ 1] == UInt8(ascii: "\n") else { return nil }
            return .text(type: type, length: cr &- 1)
        case UInt8(ascii: ":"), UInt8(ascii: "$"):
            let negative = bytes[1] == UInt8(ascii: "-")
            let firstDigit = negative ? 2 : 1
            // 18 digits cannot overflow: no check per digit.
            let digitsEnd = Swift.min(count, firstDigit &+ 19)
            var i = firstDigit
            var magnitude: Int64 = 0
            while i < digitsEnd {
                let digit = bytes[i] &- UInt8(ascii: "0")
                if digit > 9 { break }
                magnitude = magnitude &* 10 &+ Int64(digit)
                i &+= 1
            }
            guard i > firstDigit, i &- firstDigit <= 18, i &- 1 <= maxLine, i &+ 1 < count,
                  bytes[i] == UInt8(ascii: "\r"), bytes[i &+ 1] == UInt8(ascii: "\n") else { return nil }
            let lineBytes = i &+ 2
            let value = negative ? -magnitude : magnitude
            if type == UInt8(ascii: ":") { return .integer(value, lineBytes: lineBytes) }
            if value == -1 { return .nullBulk(lineBytes: lineBytes) }
            guard value >= 0, value <= Int64(maxBulk), Int64(count &- lineBytes &- 2) >= value else { return nil }
            let length = Int(value)
            guard bytes[lineBytes &+ length] == UInt8(ascii: "\r"), bytes[lineBytes &+ length &+ 1] == UInt8(ascii: "\n") else { return nil }
            return .bulk(headerBytes: lineBytes, length: length)
        default:
            return nil
        }
    }

    /// The index of the first CR or LF in `bytes[from..<to]`, or nil: eight bytes per step in
    /// a register (replies' lines are short, where a `memchr` call costs more than the search).
    @inline(__always)
    static func firstLineBreak(_ bytes: UnsafeRawBufferPointer, from: Int, to end: Int) -> Int? {
        var i = from
        if let base = bytes.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let crs = ones &* UInt64(UInt8(ascii: "\r")), lfs = ones &* UInt64(UInt8(ascii: "\n"))
            while i &+ 8 <= end {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                // A zero byte in `word ^ pattern` is a match; the lowest flagged byte of each
                // test is exact (bits above it may be false positives), so is their union's.
                let cr = word ^ crs, lf = word ^ lfs
                let found = ((cr &- ones) & ~cr | (lf &- ones) & ~lf) & (ones &* 0x80)
                if found != 0 { return i &+ found.trailingZeroBitCount &>> 3 }
                i &+= 8
            }
        }
        while i < end {
            let b = bytes[i]
            if b == UInt8(ascii: "\r") || b == UInt8(ascii: "\n") { return i }
            i &+= 1
        }
        return nil
    }
}
