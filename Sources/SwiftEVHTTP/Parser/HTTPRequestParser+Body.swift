import SwiftEV

extension HTTPRequestParser {
    /// `chunk-size [ chunk-ext ] CRLF`; returns false when the line is incomplete.
    mutating func parseChunkSize(_ buffer: inout ByteBuffer) throws(HTTPParseError) -> Bool {
        guard let length = try findLine(in: buffer, from: 0, limit: limits.maxChunkLineLength,
                                         tooLong: .chunkLineTooLong(limit: limits.maxChunkLineLength)) else { return false }
        let size = buffer.withUnsafeReadableBytes { Self.chunkSize(UnsafeRawBufferPointer(rebasing: $0[0..<length])) }
        guard let size else { throw failure(.invalidChunkSize, at: 0) }
        consume(length + 2, of: &buffer)
        if size == 0 {
            trailerBytes = 0
            trailerCount = 0
            state = .trailers
            return true
        }
        chunkedBytes += size
        if chunkedBytes > limits.maxBodySize { throw failure(.bodyTooLarge(limit: limits.maxBodySize), at: 0) }
        state = .chunkData(remaining: size)
        return true
    }

    /// The size of a chunk-size line, nil when it is not 1–15 hex digits followed by nothing
    /// or by extensions (`;…`, whose bytes must be field-value bytes; their content is ignored).
    static func chunkSize(_ line: UnsafeRawBufferPointer) -> Int? {
        var size = 0
        var i = 0
        while i < line.count, let digit = hexValue(line[i]) {
            guard i < 15 else { return nil }
            size = size << 4 | digit
            i += 1
        }
        guard i > 0 else { return nil }
        while i < line.count, HTTPBytes.isSpace(line[i]) { i += 1 }
        guard i < line.count else { return size }
        guard line[i] == UInt8(ascii: ";") else { return nil }
        for j in i..<line.count where !HTTPBytes.isFieldValueByte(line[j]) { return nil }
        return size
    }

    private static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// The CRLF after chunk data; returns false while it has not arrived.
    mutating func parseChunkDataEnd(_ buffer: inout ByteBuffer) throws(HTTPParseError) -> Bool {
        let r = buffer.readerIndex
        guard let first = buffer.getInteger(at: r, as: UInt8.self) else { return false }
        guard first == HTTPBytes.cr else { throw failure(.invalidChunkTerminator, at: 0) }
        guard let second = buffer.getInteger(at: r + 1, as: UInt8.self) else { return false }
        guard second == HTTPBytes.lf else { throw failure(.invalidChunkTerminator, at: 1) }
        consume(2, of: &buffer)
        state = .chunkSize
        return true
    }

    /// One trailer line, checked like a header field and then dropped; the empty line ends the
    /// request. Returns false when the line is incomplete.
    mutating func parseTrailer(_ buffer: inout ByteBuffer) throws(HTTPParseError) -> Bool {
        let room = max(limits.maxHeaderBytes - trailerBytes - 2, 0)
        guard let length = try findLine(in: buffer, from: 0, limit: room,
                                         tooLong: .fieldSectionTooLarge(limit: limits.maxHeaderBytes)) else { return false }
        if length == 0 {
            consume(2, of: &buffer)
            state = .end
            return true
        }
        trailerCount += 1
        if trailerCount > limits.maxHeaderCount { throw failure(.tooManyFields(limit: limits.maxHeaderCount), at: 0) }
        let problem = buffer.withUnsafeReadableBytes {
            Self.checkFieldLine(UnsafeRawBufferPointer(rebasing: $0[0..<length])) { _, _ in nil }
        }
        if let problem { throw failure(problem, at: 0) }
        consume(length + 2, of: &buffer)
        trailerBytes += length + 2
        return true
    }
}
