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

    /// Outcome of searching for the end of the current line.
    enum LineScan {
        case incomplete(scanned: Int)
        /// Content length: the bytes between the type byte and the CRLF.
        case complete(length: Int)
        case malformed(RESPProtocolError.Kind, at: Int)
    }

    /// Reads the line-framed element at the reader index: a scalar, or the header of a bulk
    /// string or aggregate.
    mutating func readLine(from buffer: inout ByteBuffer) throws(RESPProtocolError) -> LineOutcome {
        let maxLine = limits.maxLineLength
        let from = lineScanned
        let (scan, examined) = buffer.withUnsafeReadableBytes { Self.scanLine($0, from: from, maxLine: maxLine) }
        bytesScanned &+= examined
        let length: Int
        switch scan {
        case .incomplete(let scanned):
            lineScanned = scanned
            return .needMore
        case .malformed(let kind, let at):
            throw failure(kind, at: at)
        case .complete(let n):
            length = n
        }
        lineScanned = 0
        let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self)!
        let content = 1..<(1 + length)
        let lineBytes = length + 3

        switch type {
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let text = buffer.getSlice(at: buffer.readerIndex + 1, length: length)!
            consume(lineBytes, of: &buffer)
            return .value(type == UInt8(ascii: "+") ? .simpleString(text) : .simpleError(text))

        case UInt8(ascii: ":"):
            let n = try parseInteger(buffer, content)
            consume(lineBytes, of: &buffer)
            return .value(.integer(n))

        case UInt8(ascii: "$"), UInt8(ascii: "!"), UInt8(ascii: "="):
            let n = try parseInteger(buffer, content)
            if n == -1 && type == UInt8(ascii: "$") {
                consume(lineBytes, of: &buffer)
                return .value(.bulkString(nil))
            }
            guard n >= 0 else { throw failure(.negativeLength(n), at: 1) }
            guard n <= Int64(limits.maxBulkLength) else {
                throw failure(.bulkTooLong(length: n, limit: limits.maxBulkLength), at: 1)
            }
            consume(lineBytes, of: &buffer)
            pendingBulk = PendingBulk(type: type, length: Int(n))
            return .started

        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "%"), UInt8(ascii: "|"):
            let n = try parseInteger(buffer, content)
            if n == -1 && type == UInt8(ascii: "*") {
                consume(lineBytes, of: &buffer)
                return .value(.array(nil))
            }
            guard n >= 0 else { throw failure(.negativeLength(n), at: 1) }
            guard n <= Int64(limits.maxAggregateLength) else {
                throw failure(.aggregateTooLong(count: n, limit: limits.maxAggregateLength), at: 1)
            }
            guard stack.count < limits.maxDepth else { throw failure(.tooDeep(limit: limits.maxDepth), at: 0) }
            var elements = Int(n)
            if type == UInt8(ascii: "%") || type == UInt8(ascii: "|") {
                // Keys and values arrive as separate elements; an attribute is followed by the
                // value it annotates.
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

        case UInt8(ascii: "_"):
            guard length == 0 else { throw failure(.invalidNull, at: 1) }
            consume(lineBytes, of: &buffer)
            return .value(.null)

        case UInt8(ascii: "#"):
            let flag = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self)
            guard length == 1, flag == UInt8(ascii: "t") || flag == UInt8(ascii: "f") else {
                throw failure(.invalidBoolean, at: 1)
            }
            consume(lineBytes, of: &buffer)
            return .value(.boolean(flag == UInt8(ascii: "t")))

        case UInt8(ascii: ","):
            let parsed = buffer.withUnsafeReadableBytes { RESPNumberParsing.parseDouble($0, content) }
            guard let d = parsed else { throw failure(.invalidDouble, at: 1) }
            consume(lineBytes, of: &buffer)
            return .value(.double(d))

        default: // "(": scanLine has rejected every other type byte.
            let valid = buffer.withUnsafeReadableBytes { RESPNumberParsing.isBigNumber($0, content) }
            guard valid else { throw failure(.invalidBigNumber, at: 1) }
            let digits = buffer.getSlice(at: buffer.readerIndex + 1, length: length)!
            consume(lineBytes, of: &buffer)
            return .value(.bigNumber(digits))
        }
    }

    private func parseInteger(_ buffer: ByteBuffer, _ content: Range<Int>) throws(RESPProtocolError) -> Int64 {
        switch buffer.withUnsafeReadableBytes({ RESPNumberParsing.parseInteger($0, content) }) {
        case .value(let n): return n
        case .overflow: throw failure(.integerOverflow, at: content.lowerBound)
        case .invalid(let at?): throw failure(.invalidInteger(byte: buffer.getInteger(at: buffer.readerIndex + at)), at: at)
        case .invalid(nil): throw failure(.invalidInteger(byte: nil), at: content.lowerBound)
        }
    }

    /// Searches `bytes` (the readable bytes, type byte first) for the CRLF ending the line,
    /// resuming at `from`. Also returns how many bytes it examined.
    ///
    /// The type byte is checked first, so garbage fails at once instead of after a full line.
    /// A lone CR or LF is an error: RESP lines cannot contain them.
    static func scanLine(_ bytes: UnsafeRawBufferPointer, from: Int, maxLine: Int) -> (LineScan, Int) {
        let count = bytes.count
        guard count > 0 else { return (.incomplete(scanned: 0), 0) }
        guard isLineType(bytes[0]) else { return (.malformed(.unknownType(byte: bytes[0]), at: 0), 1) }
        let start = Swift.max(from, 1)
        // Content may be maxLine bytes, so a CR may sit at index maxLine + 1 and no later.
        let limited = maxLine <= count - 2
        let end = limited ? maxLine + 2 : count
        var i = start
        while i < end {
            let b = bytes[i]
            if b == cr {
                // A CR with nothing after it yet: resume at the CR itself.
                guard i + 1 < count else { return (.incomplete(scanned: i), i - start + 1) }
                let next = bytes[i + 1]
                guard next == lf else { return (.malformed(.invalidTerminator(byte: next), at: i + 1), i - start + 2) }
                return (.complete(length: i - 1), i - start + 2)
            }
            if b == lf { return (.malformed(.invalidTerminator(byte: lf), at: i), i - start + 1) }
            i += 1
        }
        if limited { return (.malformed(.lineTooLong(limit: maxLine), at: 0), i - start) }
        return (.incomplete(scanned: i), i - start)
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
