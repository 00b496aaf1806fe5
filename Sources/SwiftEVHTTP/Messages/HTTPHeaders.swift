#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SwiftEV

/// Header fields in wire form: `name: value\r\n` lines in one buffer.
///
/// A request's headers are a slice of the read buffer that held its head (the parser has
/// validated every line), so receiving headers copies nothing and allocates nothing; a lookup
/// scans the lines, which for the dozen fields of a real request is cheaper than building an
/// index for each one. A response's headers are appended in wire form, so the encoder writes
/// them with one copy.
///
/// ```swift
/// var headers = HTTPHeaders()
/// headers.add(name: "Content-Type", value: "text/plain")
/// headers.first(name: "content-type")   // "text/plain" (names are case-insensitive)
/// ```
public struct HTTPHeaders: Sendable, CustomStringConvertible {
    /// Valid field lines, each ending in CRLF; nil while empty (no allocation).
    var bytes: ByteBuffer?
    public private(set) var count: Int
    /// Set when `add` took a field the response encoder writes itself (framing, `Date`), so
    /// the encoder knows it must filter instead of copying the lines as they are.
    private(set) var hasManagedField = false

    public init() {
        bytes = nil
        count = 0
    }

    /// Adds every pair in order (pairs that `add` refuses are left out).
    public init(_ fields: [(String, String)]) {
        self.init()
        for (name, value) in fields { add(name: name, value: value) }
    }

    /// Lines already validated by the parser.
    init(validated bytes: ByteBuffer, count: Int) {
        self.bytes = count == 0 ? nil : bytes
        self.count = count
    }

    /// Appends a field. Returns false and adds nothing when `name` is not a token or `value`
    /// holds a control character (CR, LF, NUL…): such a field would let the value inject
    /// headers or split the response, so it is refused rather than sent.
    @discardableResult
    public mutating func add(name: String, value: String) -> Bool {
        var name = name
        var value = value
        let valid = name.withUTF8 { n in
            value.withUTF8 { v in
                !n.isEmpty && n.allSatisfy(HTTPBytes.isTokenByte) && v.allSatisfy(HTTPBytes.isFieldValueByte)
            }
        }
        guard valid else { return false }
        if bytes == nil { bytes = ByteBuffer(capacity: 128) }
        bytes!.writeString(name)
        bytes!.writeStaticString(": ")
        bytes!.writeString(value)
        bytes!.writeStaticString("\r\n")
        count += 1
        if !hasManagedField, name.withUTF8({ HTTPHeaders.isManaged(UnsafeRawBufferPointer($0)) }) { hasManagedField = true }
        return true
    }

    /// The value of the first field called `name` (case-insensitive), without surrounding spaces.
    public func first(name: String) -> String? {
        firstBytes(name: name).map { String(buffer: $0) }
    }

    /// The value of the first field called `name`, as a slice of the headers' buffer (no copy).
    public func firstBytes(name: String) -> ByteBuffer? {
        var found: ByteBuffer?
        forEachField { fieldName, value in
            guard Self.equalsIgnoringCase(fieldName, name) else { return true }
            found = slice(value)
            return false
        }
        return found
    }

    /// Every value of the fields called `name`, in order.
    public func values(name: String) -> [String] {
        var found: [String] = []
        forEachField { fieldName, value in
            if Self.equalsIgnoringCase(fieldName, name) { found.append(String(decoding: value, as: UTF8.self)) }
            return true
        }
        return found
    }

    public func contains(name: String) -> Bool { firstBytes(name: name) != nil }

    /// Every field as strings, in order (allocates; for logs and tests).
    public var fields: [(name: String, value: String)] {
        var all: [(String, String)] = []
        all.reserveCapacity(count)
        forEachField { name, value in
            all.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
            return true
        }
        return all
    }

    public var description: String { fields.map { "\($0.name): \($0.value)" }.description }

    /// Calls `body` with the name and trimmed value of each field until it returns false.
    /// The pointers are valid only during the call.
    func forEachField(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool) {
        guard let bytes else { return }
        bytes.withUnsafeReadableBytes { all in
            guard let base = all.baseAddress else { return }
            var line = 0
            while line < all.count {
                // Every line holds a colon and ends in CRLF: the parser or `add` checked it.
                let colon = memchr(base + line, Int32(UInt8(ascii: ":")), all.count - line)!
                let colonAt = base.distance(to: colon)
                let lf = base.distance(to: memchr(colon, Int32(UInt8(ascii: "\n")), all.count - colonAt)!)
                var start = colonAt + 1
                var end = lf - 1  // before CR
                while start < end, HTTPBytes.isSpace(all[start]) { start += 1 }
                while end > start, HTTPBytes.isSpace(all[end - 1]) { end -= 1 }
                let name = UnsafeRawBufferPointer(rebasing: all[line..<colonAt])
                let value = UnsafeRawBufferPointer(rebasing: all[start..<end])
                if !body(name, value) { return }
                line = lf + 1
            }
        }
    }

    /// A slice of `bytes` covering `part`, which must point into it.
    private func slice(_ part: UnsafeRawBufferPointer) -> ByteBuffer {
        bytes!.withUnsafeReadableBytes { all in
            let offset = all.baseAddress!.distance(to: part.baseAddress ?? all.baseAddress!)
            return bytes!.getSlice(at: bytes!.readerIndex + offset, length: part.count)!
        }
    }

    static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ name: String) -> Bool {
        var name = name
        return name.withUTF8 { HTTPBytes.equalsIgnoringCase(bytes, UnsafeRawBufferPointer($0)) }
    }

    /// Fields the response encoder writes itself.
    static func isManaged(_ name: UnsafeRawBufferPointer) -> Bool {
        HTTPBytes.equalsIgnoringCase(name, "content-length") || HTTPBytes.equalsIgnoringCase(name, "transfer-encoding")
            || HTTPBytes.equalsIgnoringCase(name, "connection") || HTTPBytes.equalsIgnoringCase(name, "date")
    }
}

extension ByteBuffer {
    @inlinable
    mutating func writeStaticString(_ string: StaticString) {
        writeBytes(UnsafeRawBufferPointer(start: string.utf8Start, count: string.utf8CodeUnitCount))
    }
}
