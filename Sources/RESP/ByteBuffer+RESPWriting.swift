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
        writeWithUnsafeMutableBytes(minimumWritableBytes: bytes.count + 26) { out in
            out[0] = type
            return 1 + Self.writeBulkRest(bytes, into: out, at: 1)
        }
    }

    /// Writes a command's array header and its name, `*<argumentCount + 1>\r\n$<n>\r\n<name>\r\n`,
    /// in one go (one capacity check, one pass over the name's bytes). Follow it with exactly
    /// `argumentCount` bulk strings:
    ///
    /// ```swift
    /// out.writeRESPCommandHead("SET", argumentCount: 2)
    /// out.writeRESPBulk(key); out.writeRESPBulk(value)
    /// ```
    public mutating func writeRESPCommandHead(_ name: String, argumentCount: Int) {
        precondition(argumentCount >= 0, "a command cannot have \(argumentCount) arguments")
        // The name's bytes in place (a small string's on the stack): no copy of the String and
        // so no retain and release of its storage, as `withUTF8` on a `var` copy costs.
        let done: Void? = name.utf8.withContiguousStorageIfAvailable {
            writeRESPCommandHead(nameBytes: UnsafeRawBufferPointer($0), argumentCount: argumentCount)
        }
        if done == nil {
            var copy = name
            copy.withUTF8 { writeRESPCommandHead(nameBytes: UnsafeRawBufferPointer($0), argumentCount: argumentCount) }
        }
    }

    @inline(__always)
    private mutating func writeRESPCommandHead(nameBytes: UnsafeRawBufferPointer, argumentCount: Int) {
        writeWithUnsafeMutableBytes(minimumWritableBytes: nameBytes.count &+ 50) { out in
            out[0] = UInt8(ascii: "*")
            // Indices stay below the 50 + name bytes reserved: wrapping arithmetic, no checks.
            let n = 1 &+ Self.writeDecimal(negative: false, magnitude: UInt64(argumentCount) &+ 1, into: out, at: 1)
            out[n] = UInt8(ascii: "\r")
            out[n &+ 1] = UInt8(ascii: "\n")
            out[n &+ 2] = UInt8(ascii: "$")
            return n &+ 3 &+ Self.writeBulkRest(nameBytes, into: out, at: n &+ 3)
        }
    }

    /// Writes what follows a bulk string's type byte, `<length>\r\n<bytes>\r\n`, at `index`
    /// (which has room for it and 24 bytes more); returns the number of bytes written.
    @inline(__always)
    static func writeBulkRest(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer, at index: Int) -> Int {
        // The caller reserved room for all of it: wrapping arithmetic, no overflow checks.
        let count = bytes.count
        var n = index &+ writeDecimal(negative: false, magnitude: UInt64(count), into: out, at: index)
        out[n] = UInt8(ascii: "\r")
        out[n &+ 1] = UInt8(ascii: "\n")
        n &+= 2
        copy(bytes, to: out.baseAddress! + n)
        n &+= count
        out[n] = UInt8(ascii: "\r")
        out[n &+ 1] = UInt8(ascii: "\n")
        return n &+ 2 &- index
    }

    /// Copies `source` to `target`. Arguments are mostly a few bytes (names, keys, small
    /// values), where a `memcpy` call costs more than the copy: up to 16 bytes are two
    /// overlapping loads and stores.
    @inline(__always)
    static func copy(_ source: UnsafeRawBufferPointer, to target: UnsafeMutableRawPointer) {
        guard let from = source.baseAddress else { return }
        let count = source.count
        if count >= 8 && count <= 16 {
            let head = from.loadUnaligned(as: UInt64.self)
            let tail = from.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            target.storeBytes(of: head, as: UInt64.self)
            target.storeBytes(of: tail, toByteOffset: count &- 8, as: UInt64.self)
        } else if count >= 4 && count < 8 {
            let head = from.loadUnaligned(as: UInt32.self)
            let tail = from.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
            target.storeBytes(of: head, as: UInt32.self)
            target.storeBytes(of: tail, toByteOffset: count &- 4, as: UInt32.self)
        } else if count > 0 && count < 4 {
            // First, middle and last byte: together every byte of 1, 2 or 3.
            target.storeBytes(of: from.load(as: UInt8.self), as: UInt8.self)
            target.storeBytes(of: from.load(fromByteOffset: count &>> 1, as: UInt8.self), toByteOffset: count &>> 1, as: UInt8.self)
            target.storeBytes(of: from.load(fromByteOffset: count &- 1, as: UInt8.self), toByteOffset: count &- 1, as: UInt8.self)
        } else if count > 16 {
            target.copyMemory(from: from, byteCount: count)
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
        // Lengths and counts are mostly one or two digits: no loops for them.
        if !negative && magnitude < 100 {
            if magnitude < 10 {
                out[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude)
                return 1
            }
            let tens = magnitude / 10
            out[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: tens)
            out[index &+ 1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude &- tens &* 10)
            return 2
        }
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
