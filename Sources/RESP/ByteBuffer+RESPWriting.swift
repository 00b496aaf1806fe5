import SwiftEV

// Low-level writers shared by the command encoder and `RESPValue.encode(into:)`. Each reserves
// once and fills the bytes directly, so numbers never go through `String`.
extension ByteBuffer {
    /// Writes `type`, the decimal form of `value`, and CRLF: `:42\r\n`, `$5\r\n`, `*3\r\n`.
    @inline(__always)
    mutating func writeRESPLine(type: UInt8, _ value: Int64) {
        writeRESPLine(type: type, negative: value < 0, magnitude: value.magnitude)
    }

    @usableFromInline
    mutating func writeRESPLine(type: UInt8, negative: Bool, magnitude: UInt64) {
        writeWithUnsafeMutableBytes(minimumWritableBytes: 24) { out in
            out[0] = type
            var n = 1 + Self.writeDecimal(negative: negative, magnitude: magnitude, into: out, at: 1)
            out[n] = UInt8(ascii: "\r")
            out[n + 1] = UInt8(ascii: "\n")
            n += 2
            return n
        }
    }

    /// Writes `type` (`$` bulk string, `!` blob error, `=` verbatim string), the length
    /// header, `bytes` and CRLF. The way for a custom ``RESPArgument`` to write bytes it
    /// formats on the stack:
    ///
    /// ```swift
    /// withUnsafeBytes(of: &digits) { buffer.writeRESPBulk(bytes: $0) }
    /// ```
    public mutating func writeRESPBulk(type: UInt8 = UInt8(ascii: "$"), bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        writeWithUnsafeMutableBytes(minimumWritableBytes: count + 26) { out in
            out[0] = type
            var n = 1 + Self.writeDecimal(negative: false, magnitude: UInt64(count), into: out, at: 1)
            out[n] = UInt8(ascii: "\r")
            out[n + 1] = UInt8(ascii: "\n")
            n += 2
            if count > 0 {
                (out.baseAddress! + n).copyMemory(from: bytes.baseAddress!, byteCount: count)
            }
            n += count
            out[n] = UInt8(ascii: "\r")
            out[n + 1] = UInt8(ascii: "\n")
            return n + 2
        }
    }

    /// Writes a line of raw text after `type`, then CRLF: `+OK\r\n`, `-ERR x\r\n`.
    mutating func writeRESPLine(type: UInt8, text: UnsafeRawBufferPointer) {
        let count = text.count
        writeWithUnsafeMutableBytes(minimumWritableBytes: count + 3) { out in
            out[0] = type
            if count > 0 { (out.baseAddress! + 1).copyMemory(from: text.baseAddress!, byteCount: count) }
            out[count + 1] = UInt8(ascii: "\r")
            out[count + 2] = UInt8(ascii: "\n")
            return count + 3
        }
    }

    /// Writes the decimal digits (with a leading `-` if `negative`) at `index`; returns the
    /// number of bytes written, at most 20.
    @inline(__always)
    static func writeDecimal(negative: Bool, magnitude: UInt64, into out: UnsafeMutableRawBufferPointer, at index: Int) -> Int {
        var i = index
        if negative {
            out[i] = UInt8(ascii: "-")
            i += 1
        }
        var digits = 1
        var probe = magnitude
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        var rest = magnitude
        var j = i + digits - 1
        while j >= i {
            out[j] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
            j -= 1
        }
        return i + digits - index
    }
}
