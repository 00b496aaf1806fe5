import SwiftEV

extension RESPDecoder {
    /// Reads the payload of a bulk string, bulk error or verbatim string whose header is already
    /// consumed, once all of it and its CRLF are readable. The payload is a slice, not a copy.
    mutating func readBulkPayload(_ bulk: PendingBulk, from buffer: inout ByteBuffer) throws(RESPProtocolError) -> RESPValue? {
        let length = bulk.length
        // Subtracting on the readable side cannot overflow; length + 2 could, for huge limits.
        guard buffer.readableBytes - 2 >= length else { return nil }
        bytesScanned &+= 2
        let start = buffer.readerIndex
        let crByte = buffer.getInteger(at: start + length, as: UInt8.self)!
        guard crByte == UInt8(ascii: "\r") else { throw failure(.invalidTerminator(byte: crByte), at: length) }
        let lfByte = buffer.getInteger(at: start + length + 1, as: UInt8.self)!
        guard lfByte == UInt8(ascii: "\n") else { throw failure(.invalidTerminator(byte: lfByte), at: length + 1) }

        let value: RESPValue
        switch bulk.type {
        case UInt8(ascii: "$"):
            value = .bulkString(buffer.getSlice(at: start, length: length)!)
        case UInt8(ascii: "!"):
            value = .bulkError(buffer.getSlice(at: start, length: length)!)
        default: // "=": a three-byte format, a colon, then the text.
            guard length >= 4, buffer.getInteger(at: start + 3, as: UInt8.self) == UInt8(ascii: ":"),
                  Self.isASCII(buffer, at: start, count: 3) else {
                throw failure(.invalidVerbatimString, at: 0)
            }
            value = .verbatimString(
                format: buffer.getString(at: start, length: 3)!,
                text: buffer.getSlice(at: start + 4, length: length - 4)!
            )
        }
        consume(length + 2, of: &buffer)
        return value
    }

    // The format becomes a `String`; ASCII keeps that exact, so re-encoding gives the same bytes.
    private static func isASCII(_ buffer: ByteBuffer, at index: Int, count: Int) -> Bool {
        for i in index..<(index + count) where buffer.getInteger(at: i, as: UInt8.self)! >= 0x80 { return false }
        return true
    }
}
