/// What the fields of a head say about its message framing and connection, gathered field by
/// field as the parser validates them.
struct HeadFraming: Sendable {
    var contentLength: Int?
    var transferEncodingSeen = false
    /// The last transfer coding seen is `chunked`.
    var chunked = false
    var chunkedCount = 0
    var otherCoding = false
    var close = false
    var keepAliveToken = false
    var hostCount = 0
    var expectsContinue = false

    func keepAlive(version: HTTPVersion) -> Bool {
        if close { return false }
        return version == .http1_0 ? keepAliveToken : true
    }

    /// Takes one field into account; returns why the request must be refused, if it must.
    mutating func observe(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> HTTPParseError.Kind? {
        switch name.count {
        case 4 where HTTPBytes.equalsIgnoringCase(name, "host"):
            hostCount += 1
            return hostCount > 1 ? .multipleHosts : nil
        case 6 where HTTPBytes.equalsIgnoringCase(name, "expect"):
            guard HTTPBytes.equalsIgnoringCase(value, "100-continue") else { return .unsupportedExpectation }
            expectsContinue = true
        case 10 where HTTPBytes.equalsIgnoringCase(name, "connection"):
            Self.forEachListMember(value) { token in
                if HTTPBytes.equalsIgnoringCase(token, "close") { close = true }
                else if HTTPBytes.equalsIgnoringCase(token, "keep-alive") { keepAliveToken = true }
                return true
            }
        case 14 where HTTPBytes.equalsIgnoringCase(name, "content-length"):
            return observeContentLength(value)
        case 17 where HTTPBytes.equalsIgnoringCase(name, "transfer-encoding"):
            transferEncodingSeen = true
            Self.forEachListMember(value) { coding in
                if HTTPBytes.equalsIgnoringCase(coding, "chunked") {
                    chunkedCount += 1
                    chunked = true
                } else {
                    otherCoding = true
                    chunked = false
                }
                return true
            }
        default:
            break
        }
        return nil
    }

    /// RFC 9112 §6.3: a list of identical values may stand for one; any difference is an error.
    private mutating func observeContentLength(_ value: UnsafeRawBufferPointer) -> HTTPParseError.Kind? {
        var problem: HTTPParseError.Kind?
        var members = 0
        Self.forEachListMember(value, skipEmpty: false) { member in
            members += 1
            guard let n = Self.decimal(member) else {
                problem = .invalidContentLength
                return false
            }
            if let known = contentLength, known != n {
                problem = .conflictingContentLength
                return false
            }
            contentLength = n
            return true
        }
        if members == 0 { return .invalidContentLength }
        return problem
    }

    /// Non-negative decimal digits only, nil when empty, not digits, or over 2^62.
    static func decimal(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var n = 0
        for b in bytes {
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
            n = n * 10 + Int(b - UInt8(ascii: "0"))
        }
        return n
    }

    /// Calls `body` with each comma-separated member, trimmed of spaces, until it returns false.
    static func forEachListMember(
        _ value: UnsafeRawBufferPointer, skipEmpty: Bool = true, _ body: (UnsafeRawBufferPointer) -> Bool
    ) {
        var start = 0
        while start <= value.count {
            var end = start
            while end < value.count, value[end] != UInt8(ascii: ",") { end += 1 }
            var s = start, e = end
            while s < e, HTTPBytes.isSpace(value[s]) { s += 1 }
            while e > s, HTTPBytes.isSpace(value[e - 1]) { e -= 1 }
            if s < e || !skipEmpty {
                if !body(UnsafeRawBufferPointer(rebasing: value[s..<e])) { return }
            }
            start = end + 1
        }
    }
}
