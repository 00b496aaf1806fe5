#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A growable run of bytes with separate reader and writer indices.
///
/// `ByteBuffer` is a value type with copy-on-write storage: copies are cheap, and a slice
/// (`readSlice`, `getSlice`) shares the memory of the buffer it came from until one of them is
/// written to. Bytes between `readerIndex` and `writerIndex` are *readable*; bytes between
/// `writerIndex` and `capacity` are *writable*.
///
/// ```swift
/// var buffer = ByteBuffer()
/// buffer.writeString("PING\r\n")
/// buffer.writeInteger(UInt16(7))
/// let line = buffer.readString(length: 6)   // "PING\r\n"
/// let n = buffer.readInteger(as: UInt16.self) // 7
/// ```
///
/// `@unchecked Sendable`: the storage (a `ManagedBuffer`, which opts out of `Sendable`) is only
/// mutated by a buffer that has proven with `isKnownUniquelyReferenced` that it is the sole
/// owner; storage shared between values, and so between threads, is never written.
public struct ByteBuffer: @unchecked Sendable {
    @usableFromInline var storage: Storage
    // Absolute offsets into `storage`. A slice is a window [lower, upper) of shared storage.
    @usableFromInline var lower: UInt32
    @usableFromInline var reader: UInt32
    @usableFromInline var writer: UInt32
    @usableFromInline var upper: UInt32

    /// An empty buffer with room for `capacity` bytes before it grows.
    public init(capacity: Int = 256) {
        self.storage = Storage.make(capacity: capacity)
        self.lower = 0
        self.reader = 0
        self.writer = 0
        self.upper = storage.byteCapacity
    }

    /// A buffer holding the UTF-8 bytes of `string`.
    public init(string: String) {
        self.init(capacity: string.utf8.count)
        writeString(string)
    }

    /// A buffer holding `bytes`.
    public init<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
        self.init(capacity: bytes.underestimatedCount)
        writeBytes(bytes)
    }

    @usableFromInline
    init(storage: Storage, lower: UInt32, reader: UInt32, writer: UInt32, upper: UInt32) {
        self.storage = storage
        self.lower = lower
        self.reader = reader
        self.writer = writer
        self.upper = upper
    }

    // MARK: Indices

    /// Offset of the next byte to read, from the start of this buffer.
    @inlinable public var readerIndex: Int { Int(reader &- lower) }
    /// Offset of the next byte to write, from the start of this buffer.
    @inlinable public var writerIndex: Int { Int(writer &- lower) }
    /// Bytes that can be written before the buffer must grow.
    @inlinable public var capacity: Int { Int(upper &- lower) }
    /// Number of bytes between the reader and the writer index.
    @inlinable public var readableBytes: Int { Int(writer &- reader) }
    /// Number of bytes that can be written without growing.
    @inlinable public var writableBytes: Int { Int(upper &- writer) }

    /// Moves the reader index forward; `offset` must not pass the writer index.
    @inlinable
    public mutating func moveReaderIndex(forwardBy offset: Int) {
        precondition(offset >= 0 && offset <= readableBytes, "moveReaderIndex(forwardBy: \(offset)) past the readable bytes (\(readableBytes))")
        reader &+= UInt32(offset)
    }

    /// Sets the reader index; it must lie between 0 and the writer index.
    @inlinable
    public mutating func moveReaderIndex(to index: Int) {
        precondition(index >= 0 && index <= writerIndex, "moveReaderIndex(to: \(index)) outside 0...\(writerIndex)")
        reader = lower &+ UInt32(index)
    }

    /// Marks `offset` more bytes as written (after filling them through `withUnsafeMutableWritableBytes`).
    @inlinable
    public mutating func moveWriterIndex(forwardBy offset: Int) {
        precondition(offset >= 0 && offset <= writableBytes, "moveWriterIndex(forwardBy: \(offset)) past the capacity")
        writer &+= UInt32(offset)
    }

    /// Sets the writer index; it must lie between the reader index and the capacity.
    @inlinable
    public mutating func moveWriterIndex(to index: Int) {
        precondition(index >= readerIndex && index <= capacity, "moveWriterIndex(to: \(index)) outside \(readerIndex)...\(capacity)")
        writer = lower &+ UInt32(index)
    }

    // MARK: Storage management

    /// Makes sure `count` bytes can be written, copying shared storage or growing as needed.
    @inlinable
    public mutating func reserveCapacity(minimumWritableBytes count: Int) {
        if _fastPath(isKnownUniquelyReferenced(&storage) && writableBytes >= count) { return }
        makeWritable(count)
    }

    @usableFromInline
    mutating func makeWritable(_ count: Int) {
        let needed = writerIndex + count
        var newCapacity = Swift.max(capacity, 64)
        while newCapacity < needed { newCapacity = newCapacity * 2 }
        // Copy the bytes this buffer can see into fresh storage, keeping indices (also when
        // unique: tail-allocated storage cannot grow in place, and doubling keeps copies O(n)).
        let fresh = Storage.make(capacity: newCapacity)
        fresh.bytes.copyMemory(from: storage.bytes + Int(lower), byteCount: writerIndex)
        let r = UInt32(readerIndex), w = UInt32(writerIndex)
        self = ByteBuffer(storage: fresh, lower: 0, reader: r, writer: w, upper: fresh.byteCapacity)
    }

    /// Empties the buffer. Keeps the storage when this buffer is its only owner, so a buffer that is
    /// cleared and refilled in a loop does not allocate.
    @inlinable
    public mutating func clear() {
        if isKnownUniquelyReferenced(&storage) {
            lower = 0
            reader = 0
            writer = 0
            upper = storage.byteCapacity
        } else {
            self = ByteBuffer(capacity: capacity)
        }
    }

    /// Drops the bytes already read, moving the readable bytes to the front.
    public mutating func discardReadBytes() {
        guard reader != lower else { return }
        let count = readableBytes
        if isKnownUniquelyReferenced(&storage) && lower == 0 {
            if count > 0 { storage.bytes.copyMemory(from: storage.bytes + Int(reader), byteCount: count) }
            reader = 0
            writer = UInt32(count)
        } else {
            var fresh = ByteBuffer(capacity: Swift.max(count, capacity - readerIndex))
            fresh.writeBuffer(self)
            self = fresh
        }
    }

    // MARK: Raw access

    /// Calls `body` with the readable bytes.
    @inlinable
    public func withUnsafeReadableBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage.bytes + Int(reader), count: readableBytes))
    }

    /// Calls `body` with the writable bytes (at least `minimumWritableBytes` of them); `body`
    /// returns how many it filled and the writer index moves by that much.
    @inlinable
    @discardableResult
    public mutating func writeWithUnsafeMutableBytes(
        minimumWritableBytes: Int,
        _ body: (UnsafeMutableRawBufferPointer) throws -> Int
    ) rethrows -> Int {
        reserveCapacity(minimumWritableBytes: minimumWritableBytes)
        let written = try body(UnsafeMutableRawBufferPointer(start: storage.bytes + Int(writer), count: writableBytes))
        moveWriterIndex(forwardBy: written)
        return written
    }

    // MARK: Writing

    /// Appends raw bytes.
    @inlinable
    @discardableResult
    public mutating func writeBytes(_ bytes: UnsafeRawBufferPointer) -> Int {
        let n = bytes.count
        reserveCapacity(minimumWritableBytes: n)
        if n > 0 { (storage.bytes + Int(writer)).copyMemory(from: bytes.baseAddress!, byteCount: n) }
        writer &+= UInt32(n)
        return n
    }

    /// Appends a sequence of bytes (arrays and other contiguous collections are copied in one go).
    @inlinable
    @discardableResult
    public mutating func writeBytes<Bytes: Sequence>(_ bytes: Bytes) -> Int where Bytes.Element == UInt8 {
        if let n = bytes.withContiguousStorageIfAvailable({ writeBytes(UnsafeRawBufferPointer($0)) }) { return n }
        var n = 0
        for byte in bytes { writeInteger(byte); n += 1 }
        return n
    }

    /// Appends the UTF-8 bytes of `string`.
    @inlinable
    @discardableResult
    public mutating func writeString(_ string: String) -> Int {
        var s = string
        return s.withUTF8 { writeBytes(UnsafeRawBufferPointer($0)) }
    }

    /// Appends the readable bytes of `other`, leaving `other` untouched.
    @inlinable
    @discardableResult
    public mutating func writeBuffer(_ other: ByteBuffer) -> Int {
        other.withUnsafeReadableBytes { writeBytes($0) }
    }

    /// Appends the readable bytes of `other` and marks them read there.
    @inlinable
    @discardableResult
    public mutating func writeBuffer(_ other: inout ByteBuffer) -> Int {
        let n = writeBuffer(other)
        other.moveReaderIndex(forwardBy: n)
        return n
    }

    /// Appends an integer in the given byte order (big-endian, network order, by default).
    @inlinable
    @discardableResult
    public mutating func writeInteger<T: FixedWidthInteger>(_ value: T, endianness: Endianness = .big) -> Int {
        let size = MemoryLayout<T>.size
        reserveCapacity(minimumWritableBytes: size)
        setIntegerUnchecked(value, atAbsolute: Int(writer), endianness: endianness)
        writer &+= UInt32(size)
        return size
    }

    /// Overwrites an integer at `index` (which must lie within the written bytes) without moving indices.
    @inlinable
    public mutating func setInteger<T: FixedWidthInteger>(_ value: T, at index: Int, endianness: Endianness = .big) {
        precondition(index >= 0 && index + MemoryLayout<T>.size <= writerIndex, "setInteger at \(index) outside the written bytes")
        reserveCapacity(minimumWritableBytes: 0)
        setIntegerUnchecked(value, atAbsolute: Int(lower) + index, endianness: endianness)
    }

    @inlinable
    mutating func setIntegerUnchecked<T: FixedWidthInteger>(_ value: T, atAbsolute offset: Int, endianness: Endianness) {
        let v = endianness == .big ? value.bigEndian : value.littleEndian
        (storage.bytes + offset).storeBytes(of: v, as: T.self)
    }

    // MARK: Reading

    /// Reads an integer, or returns nil (moving nothing) when not enough bytes are readable.
    @inlinable
    public mutating func readInteger<T: FixedWidthInteger>(endianness: Endianness = .big, as: T.Type = T.self) -> T? {
        guard let v = getInteger(at: readerIndex, endianness: endianness, as: T.self) else { return nil }
        reader &+= UInt32(MemoryLayout<T>.size)
        return v
    }

    /// The integer at `index` (from the start of the buffer), or nil when it is not within the readable bytes.
    @inlinable
    public func getInteger<T: FixedWidthInteger>(at index: Int, endianness: Endianness = .big, as: T.Type = T.self) -> T? {
        guard index >= readerIndex, index + MemoryLayout<T>.size <= writerIndex else { return nil }
        let raw = (storage.bytes + Int(lower) + index).loadUnaligned(as: T.self)
        return endianness == .big ? T(bigEndian: raw) : T(littleEndian: raw)
    }

    /// Reads `length` bytes into an array, or nil when not enough are readable.
    public mutating func readBytes(length: Int) -> [UInt8]? {
        guard let bytes = getBytes(at: readerIndex, length: length) else { return nil }
        reader &+= UInt32(length)
        return bytes
    }

    /// `length` bytes at `index` as an array, or nil when they are not all readable.
    public func getBytes(at index: Int, length: Int) -> [UInt8]? {
        guard length >= 0, index >= readerIndex, index + length <= writerIndex else { return nil }
        return Array(UnsafeRawBufferPointer(start: storage.bytes + Int(lower) + index, count: length))
    }

    /// Reads `length` bytes as a UTF-8 string, or nil when not enough are readable.
    public mutating func readString(length: Int) -> String? {
        guard let s = getString(at: readerIndex, length: length) else { return nil }
        reader &+= UInt32(length)
        return s
    }

    /// `length` bytes at `index` decoded as UTF-8 (invalid sequences are repaired), or nil when not all readable.
    public func getString(at index: Int, length: Int) -> String? {
        guard length >= 0, index >= readerIndex, index + length <= writerIndex else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: storage.bytes + Int(lower) + index, count: length), as: UTF8.self)
    }

    /// Reads `length` bytes as a buffer that shares this buffer's storage (no copy).
    @inlinable
    public mutating func readSlice(length: Int) -> ByteBuffer? {
        guard let slice = getSlice(at: readerIndex, length: length) else { return nil }
        reader &+= UInt32(length)
        return slice
    }

    /// A buffer sharing storage with this one that sees `length` bytes starting at `index`.
    @inlinable
    public func getSlice(at index: Int, length: Int) -> ByteBuffer? {
        guard length >= 0, index >= readerIndex, index + length <= writerIndex else { return nil }
        let start = lower &+ UInt32(index)
        let end = start &+ UInt32(length)
        return ByteBuffer(storage: storage, lower: start, reader: start, writer: end, upper: end)
    }

    /// Index (from the start of the buffer) of the first readable `byte` at or after `index`, or nil.
    @inlinable
    public func firstIndex(of byte: UInt8, from index: Int? = nil) -> Int? {
        let start = index ?? readerIndex
        guard start >= readerIndex, start < writerIndex else { return nil }
        let base = storage.bytes + Int(lower)
        guard let hit = memchr(base + start, Int32(byte), writerIndex - start) else { return nil }
        return base.distance(to: UnsafeMutableRawPointer(hit))
    }

    /// The readable bytes as an array (a copy).
    public var readableBytesArray: [UInt8] { getBytes(at: readerIndex, length: readableBytes) ?? [] }
}

/// Byte order for integer reads and writes.
public enum Endianness: Sendable {
    case big
    case little
}

extension ByteBuffer: Equatable {
    /// Two buffers are equal when their readable bytes are equal.
    public static func == (lhs: ByteBuffer, rhs: ByteBuffer) -> Bool {
        guard lhs.readableBytes == rhs.readableBytes else { return false }
        if lhs.storage === rhs.storage && lhs.reader == rhs.reader { return true }
        return lhs.withUnsafeReadableBytes { l in
            rhs.withUnsafeReadableBytes { r in l.count == 0 || memcmp(l.baseAddress!, r.baseAddress!, l.count) == 0 }
        }
    }
}

extension ByteBuffer: Hashable {
    public func hash(into hasher: inout Hasher) {
        withUnsafeReadableBytes { hasher.combine(bytes: $0) }
    }
}

extension ByteBuffer: CustomStringConvertible {
    /// Shows indices and up to 64 readable bytes, escaped.
    public var description: String {
        let shown = min(readableBytes, 64)
        let text = getString(at: readerIndex, length: shown) ?? ""
        let escaped = text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? String($0) : $0.escaped(asASCII: true) }.joined()
        return "ByteBuffer(readerIndex: \(readerIndex), writerIndex: \(writerIndex), capacity: \(capacity), bytes: \"\(escaped)\"\(readableBytes > shown ? "…" : ""))"
    }
}

extension ByteBuffer: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(string: value) }
}

extension String {
    /// The readable bytes of `buffer` decoded as UTF-8.
    public init(buffer: ByteBuffer) {
        self = buffer.withUnsafeReadableBytes { String(decoding: $0, as: UTF8.self) }
    }
}
