import SwiftEV

extension HTTPRequestParser {
    /// Validates the head line by line; returns it once its empty line has arrived.
    mutating func parseHead(_ buffer: inout ByteBuffer) throws(HTTPParseError) -> HTTPRequestPart? {
        while true {
            let start = scan.scanned
            let length: Int?
            if scan.requestLine == nil {
                length = try findLine(in: buffer, from: start, limit: limits.maxRequestLineLength,
                                      tooLong: .requestLineTooLong(limit: limits.maxRequestLineLength))
            } else {
                let room = max(limits.maxHeaderBytes - scan.fieldBytes - 2, 0)
                length = try findLine(in: buffer, from: start, limit: room,
                                      tooLong: .fieldSectionTooLarge(limit: limits.maxHeaderBytes))
            }
            guard let length else { return nil }
            scan.scanned += length + 2
            if scan.requestLine == nil {
                if length == 0 {
                    // RFC 9112 §2.2: ignore empty lines before a request line.
                    consume(2, of: &buffer)
                    scan.scanned = 0
                    continue
                }
                let line = buffer.withUnsafeReadableBytes { Self.parseRequestLine(UnsafeRawBufferPointer(rebasing: $0[start..<(start + length)])) }
                switch line {
                case .parsed(var requestLine):
                    requestLine.targetStart += start
                    scan.requestLine = requestLine
                case .refused(let kind):
                    throw failure(kind, at: start)
                }
            } else if length == 0 {
                return .head(try finishHead(&buffer))
            } else {
                scan.fieldCount += 1
                if scan.fieldCount > limits.maxHeaderCount { throw failure(.tooManyFields(limit: limits.maxHeaderCount), at: start) }
                let problem = buffer.withUnsafeReadableBytes { all in
                    Self.checkFieldLine(UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])) { name, value in
                        scan.framing.observe(name: name, value: value)
                    }
                }
                if let problem { throw failure(problem, at: start) }
            }
        }
    }

    /// `method SP request-target SP HTTP-version`, one space each.
    static func parseRequestLine(_ line: UnsafeRawBufferPointer) -> HeadScan.RequestLineResult {
        let n = line.count
        var i = 0
        while i < n, HTTPBytes.isTokenByte(line[i]) { i += 1 }
        guard i > 0, i < n, line[i] == HTTPBytes.space else { return .refused(.invalidMethod) }
        let method = HTTPMethod(token: UnsafeRawBufferPointer(rebasing: line[0..<i]))
        i += 1
        let targetStart = i
        while i < n, HTTPBytes.isTargetByte(line[i]) { i += 1 }
        guard i > targetStart, i < n, line[i] == HTTPBytes.space else { return .refused(.invalidTarget) }
        let targetLength = i - targetStart
        i += 1
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        guard n - i == 8, line[i] == UInt8(ascii: "H"), line[i + 1] == UInt8(ascii: "T"), line[i + 2] == UInt8(ascii: "T"),
              line[i + 3] == UInt8(ascii: "P"), line[i + 4] == UInt8(ascii: "/"), digits.contains(line[i + 5]),
              line[i + 6] == UInt8(ascii: "."), digits.contains(line[i + 7])
        else { return .refused(.invalidVersion) }
        let major = line[i + 5] - UInt8(ascii: "0"), minor = line[i + 7] - UInt8(ascii: "0")
        guard major == 1 else { return .refused(.unsupportedVersion(major: major, minor: minor)) }
        return .parsed(HeadScan.RequestLine(
            method: method, targetStart: targetStart, targetLength: targetLength,
            version: HTTPVersion(major: 1, minor: minor), length: n + 2))
    }

    /// Checks `name: OWS value OWS` (no CRLF) and hands the name and trimmed value to `observe`.
    static func checkFieldLine(
        _ line: UnsafeRawBufferPointer,
        observe: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> HTTPParseError.Kind?
    ) -> HTTPParseError.Kind? {
        let n = line.count
        if HTTPBytes.isSpace(line[0]) { return .obsoleteLineFolding }
        var i = 0
        while i < n, HTTPBytes.isTokenByte(line[i]) { i += 1 }
        guard i < n else { return .invalidFieldName(byte: nil) }
        if line[i] != HTTPBytes.colon {
            return HTTPBytes.isSpace(line[i]) ? .whitespaceBeforeColon : .invalidFieldName(byte: line[i])
        }
        guard i > 0 else { return .invalidFieldName(byte: nil) }
        let nameEnd = i
        var start = i + 1
        for j in start..<n where !HTTPBytes.isFieldValueByte(line[j]) { return .invalidFieldValue(byte: line[j]) }
        var end = n
        while start < end, HTTPBytes.isSpace(line[start]) { start += 1 }
        while end > start, HTTPBytes.isSpace(line[end - 1]) { end -= 1 }
        return observe(UnsafeRawBufferPointer(rebasing: line[0..<nameEnd]), UnsafeRawBufferPointer(rebasing: line[start..<end]))
    }

    /// The head is complete: checks framing as a whole, then hands it out as one slice.
    mutating func finishHead(_ buffer: inout ByteBuffer) throws(HTTPParseError) -> HTTPRequestHead {
        let line = scan.requestLine!
        var framing = scan.framing
        if framing.transferEncodingSeen {
            if line.version == .http1_0 { throw failure(.transferEncodingInHTTP10, at: 0) }
            if framing.contentLength != nil { throw failure(.contentLengthWithTransferEncoding, at: 0) }
            if !framing.chunked || framing.chunkedCount != 1 { throw failure(.invalidTransferEncoding, at: 0) }
            if framing.otherCoding { throw failure(.unsupportedTransferEncoding, at: 0) }
        }
        if line.version != .http1_0 && framing.hostCount == 0 { throw failure(.missingHost, at: 0) }
        if let length = framing.contentLength, length > limits.maxBodySize {
            throw failure(.bodyTooLarge(limit: limits.maxBodySize), at: 0)
        }
        // RFC 9110 §10.1.1: a 100-continue expectation in an HTTP/1.0 request is ignored, and
        // so is one for a request without a body (nothing to wait for).
        if line.version == .http1_0 || (framing.contentLength ?? 0 == 0 && !framing.chunked) { framing.expectsContinue = false }

        let headLength = scan.scanned
        let fieldsLength = headLength - line.length - 2
        let bytes = buffer.readSlice(length: headLength)!
        consumed &+= headLength
        let head = HTTPRequestHead(
            method: line.method,
            targetBytes: bytes.getSlice(at: line.targetStart, length: line.targetLength)!,
            version: line.version,
            headers: HTTPHeaders(validated: bytes.getSlice(at: line.length, length: fieldsLength)!, count: scan.fieldCount),
            framing: framing
        )
        scan = HeadScan()
        if framing.chunked {
            chunkedBytes = 0
            state = .chunkSize
        } else if let length = framing.contentLength, length > 0 {
            state = .fixedBody(remaining: length)
        } else {
            state = .end
        }
        return head
    }
}
