import RESP
import SwiftEV

/// A key argument of a typed command: text or binary bytes, sent as they are.
///
/// A separate type (rather than any `RESPArgument`) marks which arguments are keys, so the
/// methods say where a command's keys are. Making one from a `String` or `ByteBuffer` copies
/// nothing.
///
/// ```swift
/// try await redis.get("user:42")                       // a literal is a key
/// try await redis.get(RedisKey("user:\(id)"))          // so is a String
/// try await redis.del([RedisKey(binaryKey), "other"])  // and bytes
/// ```
public struct RedisKey: Sendable, Hashable, RESPArgument, ExpressibleByStringInterpolation, CustomStringConvertible {
    @usableFromInline
    enum Storage: Sendable {
        case string(String)
        case bytes(ByteBuffer)
    }

    @usableFromInline let storage: Storage

    @inlinable public init(_ string: String) { storage = .string(string) }
    @inlinable public init(_ bytes: ByteBuffer) { storage = .bytes(bytes) }
    @inlinable public init(stringLiteral value: String) { storage = .string(value) }
    @inlinable public init(stringInterpolation: DefaultStringInterpolation) { storage = .string(String(stringInterpolation: stringInterpolation)) }

    /// Inlinable: the typed encoders write every key through it.
    @inlinable
    public func writeRESPBulk(into buffer: inout ByteBuffer) {
        switch storage {
        case .string(let string): string.writeRESPBulk(into: &buffer)
        case .bytes(let bytes): bytes.writeRESPBulk(into: &buffer)
        }
    }

    /// The key as text (invalid UTF-8 shown as U+FFFD).
    public var description: String {
        switch storage {
        case .string(let string): return string
        case .bytes(let bytes): return String(buffer: bytes)
        }
    }

    /// Keys are equal when their bytes are, whichever form they were made from.
    public static func == (lhs: RedisKey, rhs: RedisKey) -> Bool {
        lhs.withBytes { a in rhs.withBytes { b in a.elementsEqual(b) } }
    }

    public func hash(into hasher: inout Hasher) {
        withBytes { hasher.combine(bytes: $0) }
    }

    private func withBytes<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T {
        switch storage {
        case .string(var string): return string.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        case .bytes(let bytes): return bytes.withUnsafeReadableBytes(body)
        }
    }
}
