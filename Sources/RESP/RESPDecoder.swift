import SwiftEV

/// A resumable, incremental RESP2/RESP3 decoder.
///
/// Feed it the bytes of a connection as they arrive. Each call returns the next complete value,
/// or `nil` when more bytes are needed. Work is never repeated: the decoder consumes each element
/// (moves the buffer's reader index past it) as soon as it is parsed and keeps partially built
/// aggregates on an explicit stack, so a reply that arrives one byte at a time costs time linear
/// in its size. Bulk payloads are zero-copy slices of the input buffer.
///
/// ```swift
/// var decoder = RESPDecoder()
/// var input = ByteBuffer()
/// input.writeString("*2\r\n$3\r\nfoo\r\n")
/// try decoder.decode(&input)              // nil: one element still missing
/// input.writeString(":42\r\n+OK\r\n")
/// try decoder.decode(&input)              // .array([.bulkString("foo"), .integer(42)])
/// try decoder.decode(&input)              // .simpleString("OK")
/// ```
///
/// The next call may pass the same buffer with more bytes appended, or any buffer whose readable
/// bytes continue the stream (for instance after `discardReadBytes()`); the decoder keeps no
/// absolute indices. Returned values share the buffer's storage, so appending to it while you
/// still hold values copies it: call `discardReadBytes()` before appending so that only the
/// unread tail is copied.
///
/// Malformed input and exceeded ``Limits`` throw ``RESPProtocolError``. The decoder is then
/// poisoned: the stream cannot be re-synchronised, every later call throws the same error, and
/// the connection must be closed.
public struct RESPDecoder: Sendable {
    /// The bounds this decoder enforces.
    public let limits: Limits

    /// Aggregates being filled, outermost first.
    var stack: [Frame] = []
    /// Set once a bulk header is consumed and until its payload is.
    var pendingBulk: PendingBulk?
    /// How far past the reader index the current line has been searched for its CRLF, so that a
    /// long line arriving in pieces is searched once.
    var lineScanned = 0
    /// Stream offset of the reader index: every byte consumed since creation.
    var consumed = 0
    /// The error that poisoned the decoder.
    var poison: RESPProtocolError?
    /// Test instrumentation: bytes examined while looking for line ends and terminators.
    var bytesScanned = 0

    /// A decoder enforcing `limits`.
    public init(limits: Limits = .default) {
        self.limits = limits
    }

    /// Bytes consumed from the stream so far.
    public var bytesConsumed: Int { consumed }

    /// True when part of a value has been read: a closed connection now truncates a reply.
    public var hasPartialValue: Bool { !stack.isEmpty || pendingBulk != nil || lineScanned > 0 }

    /// The bytes still needed from the reader index to finish the bulk string whose header was
    /// read last (its payload and CRLF), or nil when no bulk payload is pending. Lets a reader
    /// gathering a large reply over many reads reserve storage of its size when the header
    /// arrives (at most `limits.maxBulkLength` + 2), so the reply is copied once rather than
    /// through a buffer that grows by doubling.
    public var pendingBulkBytes: Int? { pendingBulk.map { $0.length + 2 } }

    /// Decodes the next complete value from `buffer`'s readable bytes, consuming them, or
    /// returns nil when more bytes are needed (having consumed and kept whatever it could).
    ///
    /// - Throws: ``RESPProtocolError`` on malformed input or an exceeded limit, then on every
    ///   later call.
    public mutating func decode(_ buffer: inout ByteBuffer) throws(RESPProtocolError) -> RESPValue? {
        if let poison { throw poison }
        do {
            return try decodeNext(&buffer)
        } catch {
            poison = error
            throw error
        }
    }

    private mutating func decodeNext(_ buffer: inout ByteBuffer) throws(RESPProtocolError) -> RESPValue? {
        nextElement: while true {
            var value: RESPValue
            if let bulk = pendingBulk {
                guard let payload = try readBulkPayload(bulk, from: &buffer) else { return nil }
                pendingBulk = nil
                value = payload
            } else if lineScanned == 0, let scalar = decodeCompleteScalar(&buffer) {
                value = scalar
            } else {
                switch try readLine(from: &buffer) {
                case .needMore: return nil
                case .started: continue nextElement
                case .value(let v): value = v
                }
            }
            // Hand the element to the innermost open aggregate; closing it may close its parents.
            while !stack.isEmpty {
                let top = stack.count - 1
                stack[top].elements.append(value)
                stack[top].remaining -= 1
                if stack[top].remaining > 0 { continue nextElement }
                value = stack.removeLast().makeValue()
            }
            return value
        }
    }

    /// Moves past `count` parsed bytes.
    @inline(__always)
    mutating func consume(_ count: Int, of buffer: inout ByteBuffer) {
        buffer.moveReaderIndex(forwardBy: count)
        consumed &+= count
    }

    /// An error at `index` bytes past the reader index.
    func failure(_ kind: RESPProtocolError.Kind, at index: Int) -> RESPProtocolError {
        RESPProtocolError(kind, offset: consumed &+ index)
    }
}
