import SwiftEV

private let cr = UInt8(ascii: "\r")
private let lf = UInt8(ascii: "\n")

extension RESPDecoder {
    /// Outcome of reading one line-framed element.
    enum LineOutcome {
        case needMore
        /// An aggregate frame was pushed or a bulk payload is now pending.
        case started
        case value(RESPValue)
    }

    /// What the line at the reader index holds. Worked out in one pass over the readable bytes:
    /// each trip into the buffer's storage costs a dynamic exclusivity check, so the hot path
    /// makes exactly one. `length` is the content between the type byte and the CRLF.
    enum Line {
        case incomplete(scanned: Int)
        case malformed(RESPProtocolError.Kind, at: Int)
        /// `+`, `-` or a validated `(`.
        case text(type: UInt8, length: Int)
        case integer(Int64, length: Int)
        /// The count of a bulk string or aggregate header.
        case header(type: UInt8, count: Int64, length: Int)
        case double(Double, length: Int)
        case boolean(Bool)
        case null
    }

    /// Reads the line-framed element at the reader index: a scalar, or the header of a bulk
    /// string or aggregate.
    mutating func readLine(from buffer: inout ByteBuffer) throws(RESPProtocolError) -> LineOutcome {
        let maxLine = limits.maxLineLength
        let from = lineScanned
        var examined = 0
        let line = buffer.withUnsafeReadableBytes { Self.parseLine($0, from: from, maxLine: maxLine, examined: &examined) }
        bytesScanned &+= examined
        if case .incomplete(let scanned) = line {
            lineScanned = scanned
            return .needMore
        }
        lineScanned = 0

        switch line {
        case .incomplete:
            return .needMore // handled above
        case .malformed(let kind, let at):
            throw failure(kind, at: at)
        case .text(let type, let length):
            let text = buffer.getSlice(at: buffer.readerIndex + 1, length: length)!
            consume(length + 3, of: &buffer)
            switch type {
            case UInt8(ascii: "+"): return .value(.simpleString(text))
            case UInt8(ascii: "-"): return .value(.simpleError(text))
            default: return .value(.bigNumber(text))
            }
        case .integer(let n, let length):
            consume(length + 3, of: &buffer)
            return .value(.integer(n))
        case .double(let d, let length):
            consume(length + 3, of: &buffer)
            return .value(.double(d))
        case .boolean(let flag):
            consume(4, of: &buffer)
            return .value(.boolean(flag))
        case .null:
            consume(3, of: &buffer)
            return .value(.null)
        case .header(let type, let n, let length):
            return try readHeader(type: type, count: n, lineBytes: length + 3, from: &buffer)
        }
    }

    /// Acts on a bulk or aggregate header: checks the count against the limits, then either
    /// yields a null or empty value or records what is pending.
    private mutating func readHeader(type: UInt8, count n: Int64, lineBytes: Int, from buffer: inout ByteBuffer) throws(RESPProtocolError) -> LineOutcome {
        let isBulk = type == UInt8(ascii: "$") || type == UInt8(ascii: "!") || type == UInt8(ascii: "=")
        if n == -1 && (type == UInt8(ascii: "$") || type == UInt8(ascii: "*")) {
            consume(lineBytes, of: &buffer)
            return .value(isBulk ? .bulkString(nil) : .array(nil))
        }
        guard n >= 0 else { throw failure(.negativeLength(n), at: 1) }
        if isBulk {
            guard n <= Int64(limits.maxBulkLength) else {
                throw failure(.bulkTooLong(length: n, limit: limits.maxBulkLength), at: 1)
            }
            consume(lineBytes, of: &buffer)
            pendingBulk = PendingBulk(type: type, length: Int(n))
            return .started
        }
        guard n <= Int64(limits.maxAggregateLength) else {
            throw failure(.aggregateTooLong(count: n, limit: limits.maxAggregateLength), at: 1)
        }
        guard stack.count < limits.maxDepth else { throw failure(.tooDeep(limit: limits.maxDepth), at: 0) }
        var elements = Int(n)
        if type == UInt8(ascii: "%") || type == UInt8(ascii: "|") {
            // Keys and values arrive as separate elements; an attribute is followed by the value
            // it annotates.
            let (doubled, overflow) = elements.multipliedReportingOverflow(by: 2)
            guard !overflow, doubled < Int.max else {
                throw failure(.aggregateTooLong(count: n, limit: limits.maxAggregateLength), at: 1)
            }
            elements = type == UInt8(ascii: "|") ? doubled + 1 : doubled
        }
        consume(lineBytes, of: &buffer)
        if elements == 0 { return .value(Frame.emptyValue(type: type)) }
        stack.append(Frame(type: type, remaining: elements))
        return .started
    }

    /// Finds the end of the line in `bytes` (the readable bytes, type byte first), resuming the
    /// search at `from`, and parses its content according to the type byte.
    @inline(__always)
    static func parseLine(_ bytes: UnsafeRawBufferPointer, from: Int, maxLine: Int, examined: inout Int) -> Line {
        let length: Int
        switch scanLine(bytes, from: from, maxLine: maxLine, examined: &examined) {
        case .complete(let n): length = n
        case .incomplete(let scanned): return .incomplete(scanned: scanned)
        case .malformed(let kind, let at): return .malformed(kind, at: at)
        }
        let type = bytes[0]
        let content = 1..<(1 + length)
        switch type {
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            return .text(type: type, length: length)
        case UInt8(ascii: ":"), UInt8(ascii: "$"), UInt8(ascii: "!"), UInt8(ascii: "="),
             UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "%"), UInt8(ascii: "|"):
            switch RESPNumberParsing.parseInteger(bytes, content) {
            case .value(let n):
                return type == UInt8(ascii: ":") ? .integer(n, length: length) : .header(type: type, count: n, length: length)
            case .overflow:
                return .malformed(.integerOverflow, at: 1)
            case .invalid(let at?):
                return .malformed(.invalidInteger(byte: bytes[at]), at: at)
            case .invalid(nil):
                return .malformed(.invalidInteger(byte: nil), at: 1)
            }
        case UInt8(ascii: "_"):
            return length == 0 ? .null : .malformed(.invalidNull, at: 1)
        case UInt8(ascii: "#"):
            guard length == 1, bytes[1] == UInt8(ascii: "t") || bytes[1] == UInt8(ascii: "f") else {
                return .malformed(.invalidBoolean, at: 1)
            }
            return .boolean(bytes[1] == UInt8(ascii: "t"))
        case UInt8(ascii: ","):
            guard let d = RESPNumberParsing.parseDouble(bytes, content) else { return .malformed(.invalidDouble, at: 1) }
            return .double(d, length: length)
        default: // "(": scanLine has rejected every other type byte.
            guard RESPNumberParsing.isBigNumber(bytes, content) else { return .malformed(.invalidBigNumber, at: 1) }
            return .text(type: type, length: length)
        }
    }

    /// Outcome of searching for the end of the current line.
    enum LineScan {
        case incomplete(scanned: Int)
        /// Content length: the bytes between the type byte and the CRLF.
        case complete(length: Int)
        case malformed(RESPProtocolError.Kind, at: Int)
    }

    /// Searches `bytes` for the CRLF ending the line, resuming at `from`, and adds the number of
    /// bytes it looked at to `examined`.
    ///
    /// The type byte is checked first, so garbage fails at once instead of after a full line.
    /// A lone CR or LF is an error: RESP lines cannot contain them.
    @inline(__always)
    static func scanLine(_ bytes: UnsafeRawBufferPointer, from: Int, maxLine: Int, examined: inout Int) -> LineScan {
        let count = bytes.count
        guard count > 0 else { return .incomplete(scanned: 0) }
        guard isLineType(bytes[0]) else { return .malformed(.unknownType(byte: bytes[0]), at: 0) }
        let start = Swift.max(from, 1)
        // Content may be maxLine bytes, so a CR may sit at index maxLine + 1 and no later.
        let limited = maxLine <= count - 2
        let end = limited ? maxLine + 2 : count
        if let i = firstLineBreak(bytes, from: start, to: end) {
            if bytes[i] == cr {
                // A CR with nothing after it yet: resume at the CR itself.
                guard i + 1 < count else {
                    examined &+= i - start + 1
                    return .incomplete(scanned: i)
                }
                examined &+= i - start + 2
                let next = bytes[i + 1]
                guard next == lf else { return .malformed(.invalidTerminator(byte: next), at: i + 1) }
                return .complete(length: i - 1)
            }
            examined &+= i - start + 1
            return .malformed(.invalidTerminator(byte: lf), at: i)
        }
        let i = Swift.max(start, end)
        examined &+= i - start
        return limited ? .malformed(.lineTooLong(limit: maxLine), at: 0) : .incomplete(scanned: i)
    }

    @inline(__always)
    static func isLineType(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "$"), UInt8(ascii: "*"),
             UInt8(ascii: "_"), UInt8(ascii: "#"), UInt8(ascii: ","), UInt8(ascii: "("), UInt8(ascii: "!"),
             UInt8(ascii: "="), UInt8(ascii: "%"), UInt8(ascii: "~"), UInt8(ascii: "|"), UInt8(ascii: ">"):
            return true
        default:
            return false
        }
    }
}
