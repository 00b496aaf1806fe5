import SwiftEV

/// A value that can be sent to the server as one command argument (a bulk string).
///
/// Conform your own types to pass them straight to ``SwiftEV/ByteBuffer/writeRESPCommand(_:)``:
///
/// ```swift
/// struct UserID: RESPArgument {
///     var raw: Int
///     func writeRESPBulk(into buffer: inout ByteBuffer) {
///         "user:\(raw)".writeRESPBulk(into: &buffer)
///     }
/// }
/// buffer.writeRESPCommand("GET", UserID(raw: 7))
/// ```
public protocol RESPArgument {
    /// Writes `self` as one bulk string: `$<length>\r\n<bytes>\r\n`.
    func writeRESPBulk(into buffer: inout ByteBuffer)
}

extension String: RESPArgument {
    /// The UTF-8 bytes.
    public func writeRESPBulk(into buffer: inout ByteBuffer) {
        // Native strings expose their bytes without the copy that `withUTF8` may need.
        let done: Void? = utf8.withContiguousStorageIfAvailable { buffer.writeRESPBulk(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil {
            var copy = self
            copy.withUTF8 { buffer.writeRESPBulk(bytes: UnsafeRawBufferPointer($0)) }
        }
    }
}

extension Substring: RESPArgument {
    /// The UTF-8 bytes.
    public func writeRESPBulk(into buffer: inout ByteBuffer) {
        let done: Void? = utf8.withContiguousStorageIfAvailable { buffer.writeRESPBulk(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil {
            var copy = self
            copy.withUTF8 { buffer.writeRESPBulk(bytes: UnsafeRawBufferPointer($0)) }
        }
    }
}

extension ByteBuffer: RESPArgument {
    /// The readable bytes.
    public func writeRESPBulk(into buffer: inout ByteBuffer) {
        withUnsafeReadableBytes { buffer.writeRESPBulk(bytes: $0) }
    }
}

extension Array: RESPArgument where Element == UInt8 {
    /// The bytes, as binary data.
    public func writeRESPBulk(into buffer: inout ByteBuffer) {
        withUnsafeBytes { buffer.writeRESPBulk(bytes: $0) }
    }
}

extension ArraySlice: RESPArgument where Element == UInt8 {
    /// The bytes, as binary data.
    public func writeRESPBulk(into buffer: inout ByteBuffer) {
        withUnsafeBytes { buffer.writeRESPBulk(bytes: $0) }
    }
}

extension Double: RESPArgument {
    /// The shortest decimal form that reads back exactly; `inf`, `-inf` as Redis expects.
    public func writeRESPBulk(into buffer: inout ByteBuffer) {
        description.writeRESPBulk(into: &buffer)
    }
}

extension Int: RESPArgument {}
extension Int64: RESPArgument {}
extension Int32: RESPArgument {}
extension UInt: RESPArgument {}
extension UInt64: RESPArgument {}
extension UInt32: RESPArgument {}

extension RESPArgument where Self: FixedWidthInteger {
    /// The decimal digits, written without going through `String`.
    public func writeRESPBulk(into buffer: inout ByteBuffer) {
        let negative = self < 0
        let magnitude = UInt64(magnitude)
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes of scratch for up to 21 characters
        withUnsafeMutableBytes(of: &digits) { scratch in
            let n = ByteBuffer.writeDecimal(negative: negative, magnitude: magnitude, into: scratch, at: 0)
            buffer.writeRESPBulk(bytes: UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
        }
    }
}
