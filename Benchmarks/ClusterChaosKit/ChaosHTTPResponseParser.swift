/// Cuts a stream of HTTP/1.1 responses into status and body, as the cache service frames them
/// (`Content-Length`, or no body). A plain value: bytes in, responses out, no I/O.
///
/// ```swift
/// var parser = ChaosHTTPResponseParser()
/// parser.feed(Array("HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n".utf8))
/// try parser.next()   // ChaosHTTPResponse(status: 204, body: [])
/// ```
public struct ChaosHTTPResponseParser: Sendable {
    public struct Malformed: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    private var buffer: [UInt8] = []
    private var start = 0
    /// Past this the head is garbage, not a response still arriving.
    static let maximumHeadBytes = 16 * 1024

    public init() {}

    public mutating func feed(_ bytes: some Sequence<UInt8>) {
        // Drop what was consumed once it is most of the buffer, so feeding stays linear.
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete response, nil when more bytes are needed.
    public mutating func next() throws(Malformed) -> ChaosHTTPResponse? {
        guard let headEnd = endOfHead() else {
            if buffer.count - start > Self.maximumHeadBytes { throw Malformed(description: "no end of head in \(Self.maximumHeadBytes) bytes") }
            return nil
        }
        let head = String(decoding: buffer[start..<headEnd], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else {
            throw Malformed(description: "bad status line \"\(lines.first ?? "")\"")
        }
        var length = 0
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingPrefix(" ")
            if name == "content-length" {
                guard let parsed = Int(value), parsed >= 0 else { throw Malformed(description: "bad content-length \"\(value)\"") }
                length = parsed
            } else if name == "transfer-encoding" {
                throw Malformed(description: "transfer-encoding \(value) (the service frames bodies by length)")
            }
        }
        let bodyStart = headEnd + 4
        guard buffer.count - bodyStart >= length else { return nil }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        start = bodyStart + length
        return ChaosHTTPResponse(status: status, body: body)
    }

    private func endOfHead() -> Int? {
        var index = start
        while index + 3 < buffer.count {
            if buffer[index] == 13, buffer[index + 1] == 10, buffer[index + 2] == 13, buffer[index + 3] == 10 { return index }
            index += 1
        }
        return nil
    }
}

/// One answer of the service.
public struct ChaosHTTPResponse: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The `outcome` of a store failure's JSON body (`not_applied`, `unknown`), if any.
    public var outcome: String? {
        guard let range = text.range(of: "\"outcome\":\"") else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }
}
