import SwiftEV

extension RESPValue {
    /// Appends the wire form of this value, in the RESP version its case belongs to.
    ///
    /// Decoding the output gives back an equal value. Simple strings and errors must not contain
    /// CR or LF (use bulk strings for arbitrary bytes); that is not checked.
    ///
    /// ```swift
    /// var out = ByteBuffer()
    /// RESPValue.map([(key: .simpleString("a"), value: .integer(1))]).encode(into: &out)
    /// // %1\r\n+a\r\n:1\r\n
    /// ```
    public func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .simpleString(let text):
            text.withUnsafeReadableBytes { buffer.writeRESPLine(type: UInt8(ascii: "+"), text: $0) }
        case .simpleError(let text):
            text.withUnsafeReadableBytes { buffer.writeRESPLine(type: UInt8(ascii: "-"), text: $0) }
        case .integer(let n):
            buffer.writeRESPLine(type: UInt8(ascii: ":"), n)
        case .bulkString(let bytes?):
            bytes.withUnsafeReadableBytes { buffer.writeRESPBulk(bytes: $0) }
        case .bulkString(nil):
            buffer.writeRESPLine(type: UInt8(ascii: "$"), -1)
        case .array(let elements?):
            Self.encode(type: UInt8(ascii: "*"), elements, into: &buffer)
        case .array(nil):
            buffer.writeRESPLine(type: UInt8(ascii: "*"), -1)
        case .null:
            buffer.writeString("_\r\n")
        case .boolean(let flag):
            buffer.writeString(flag ? "#t\r\n" : "#f\r\n")
        case .double(let d):
            // Swift prints the shortest text that reads back exactly, and inf/-inf/nan as RESP3 does.
            var text = d.description
            text.withUTF8 { buffer.writeRESPLine(type: UInt8(ascii: ","), text: UnsafeRawBufferPointer($0)) }
        case .bigNumber(let digits):
            digits.withUnsafeReadableBytes { buffer.writeRESPLine(type: UInt8(ascii: "("), text: $0) }
        case .bulkError(let text):
            text.withUnsafeReadableBytes { buffer.writeRESPBulk(type: UInt8(ascii: "!"), bytes: $0) }
        case .verbatimString(let format, let text):
            // Formats are three bytes by protocol; pad or cut so the frame stays well-formed.
            var formatBytes = Array(format.utf8.prefix(3))
            while formatBytes.count < 3 { formatBytes.append(UInt8(ascii: " ")) }
            buffer.writeRESPLine(type: UInt8(ascii: "="), Int64(text.readableBytes + 4))
            buffer.writeBytes(formatBytes)
            buffer.writeInteger(UInt8(ascii: ":"))
            buffer.writeBuffer(text)
            buffer.writeInteger(UInt16(0x0D0A))
        case .map(let pairs):
            Self.encode(type: UInt8(ascii: "%"), pairs, into: &buffer)
        case .set(let elements):
            Self.encode(type: UInt8(ascii: "~"), elements, into: &buffer)
        case .attribute(let pairs, let value):
            Self.encode(type: UInt8(ascii: "|"), pairs, into: &buffer)
            value.encode(into: &buffer)
        case .push(let elements):
            Self.encode(type: UInt8(ascii: ">"), elements, into: &buffer)
        }
    }

    private static func encode(type: UInt8, _ elements: [RESPValue], into buffer: inout ByteBuffer) {
        buffer.writeRESPLine(type: type, Int64(elements.count))
        for element in elements { element.encode(into: &buffer) }
    }

    private static func encode(type: UInt8, _ pairs: Pairs, into buffer: inout ByteBuffer) {
        buffer.writeRESPLine(type: type, Int64(pairs.count))
        for pair in pairs {
            pair.key.encode(into: &buffer)
            pair.value.encode(into: &buffer)
        }
    }
}
