import SwiftEV

extension RESPDecoder {
    /// Reads the payload of a bulk string, bulk error or verbatim string whose header is already
    /// consumed, once all of it and its CRLF are readable. The payload is a slice, not a copy.
    mutating func readBulkPayload(_ bulk: PendingBulk, from buffer: inout ByteBuffer) throws(RESPProtocolError) -> RESPValue? {
        let length = bulk.length
        // Subtracting on the readable side cannot overflow; length + 2 could, for huge limits.
        guard buffer.readableBytes - 2 >= length else { return nil }
        bytesScanned &+= 2
        // One trip into the storage for every check (see `Line`).
        let problem: (RESPProtocolError.Kind, Int)? = buffer.withUnsafeReadableBytes { bytes in
            if bytes[length] != UInt8(ascii: "\r") { return (.invalidTerminator(byte: bytes[length]), length) }
            if bytes[length + 1] != UInt8(ascii: "\n") { return (.invalidTerminator(byte: bytes[length + 1]), length + 1) }
            if bulk.type == UInt8(ascii: "=") && !Self.isVerbatimPrefix(bytes, length: length) {
                return (.invalidVerbatimString, 0)
            }
            return nil
        }
        if let (kind, at) = problem { throw failure(kind, at: at) }

        let start = buffer.readerIndex
        let value: RESPValue
        switch bulk.type {
        case UInt8(ascii: "$"):
            value = .bulkString(buffer.getSlice(at: start, length: length)!)
        case UInt8(ascii: "!"):
            value = .bulkError(buffer.getSlice(at: start, length: length)!)
        default:
            value = .verbatimString(
                format: buffer.getString(at: start, length: 3)!,
                text: buffer.getSlice(at: start + 4, length: length - 4)!
            )
        }
        consume(length + 2, of: &buffer)
        return value
    }

    /// A three-byte format, then `:`. The format must be ASCII because it becomes a `String`:
    /// that keeps it exact, so re-encoding gives back the same bytes.
    private static func isVerbatimPrefix(_ bytes: UnsafeRawBufferPointer, length: Int) -> Bool {
        length >= 4 && bytes[0] < 0x80 && bytes[1] < 0x80 && bytes[2] < 0x80 && bytes[3] == UInt8(ascii: ":")
    }
}
