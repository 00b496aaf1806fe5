import RESP
import SwiftEV

/// One command, encoded once into its wire form.
///
/// The bytes are kept so the command can be sent again unchanged (to another node after a
/// redirect, or after a reconnect) without re-encoding.
///
/// ```swift
/// let get = RedisCommand("GET", "user:42")          // read-only, from the command table
/// let set = RedisCommand("SET", "user:42", "Ada")
/// let raw = RedisCommand(["HSET", "h", "f", 1])      // arguments known at run time
/// ```
public struct RedisCommand: Sendable, CustomStringConvertible {
    /// The encoded command (`*N\r\n$…`).
    public let bytes: ByteBuffer
    /// The command name in upper case (`GET`, `CLIENT`), for routing, errors and logs.
    public let name: String
    /// Whether the command only reads: such a command may be retried safely when its outcome
    /// is unknown (a connection lost after it was sent).
    public let isReadOnly: Bool

    /// Encodes `name` and `arguments` (known at compile time: no array is built).
    public init<each Argument: RESPArgument>(_ name: String, _ arguments: repeat each Argument, readOnly: Bool? = nil) {
        var bytes = ByteBuffer(capacity: 64)
        var count = 1
        for _ in repeat each arguments { count += 1 }
        bytes.writeRESPArrayHeader(count: count)
        bytes.writeRESPBulk(name)
        for argument in repeat each arguments { bytes.writeRESPBulk(argument) }
        let upper = RedisCommand.uppercased(name)
        self.init(bytes: bytes, name: upper, isReadOnly: readOnly ?? ReadOnlyCommands.contains(upper))
    }

    /// Encodes a command whose arguments are only known at run time; the first is the name.
    public init(_ arguments: [any RESPArgument], readOnly: Bool? = nil) {
        precondition(!arguments.isEmpty, "a command needs at least its name")
        var bytes = ByteBuffer(capacity: 64)
        bytes.writeRESPCommand(arguments)
        var first = ByteBuffer()
        arguments[0].writeRESPBulk(into: &first)
        let name = RedisCommand.nameFromBulk(first)
        self.init(bytes: bytes, name: name, isReadOnly: readOnly ?? ReadOnlyCommands.contains(name))
    }

    /// A command from bytes that are already encoded.
    public init(bytes: ByteBuffer, name: String, isReadOnly: Bool) {
        self.bytes = bytes
        self.name = name
        self.isReadOnly = isReadOnly
    }

    public var description: String { "\(name) (\(bytes.readableBytes) bytes)" }

    /// ASCII upper case without allocating for short names (they fit a small string).
    static func uppercased(_ name: String) -> String {
        if name.utf8.allSatisfy({ $0 < 0x61 || $0 > 0x7A }) { return name }
        return String(decoding: name.utf8.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
    }

    /// The text of a `$n\r\n…\r\n` bulk string, upper-cased.
    private static func nameFromBulk(_ bulk: ByteBuffer) -> String {
        var b = bulk
        guard let cr = b.firstIndex(of: UInt8(ascii: "\r")) else { return "" }
        b.moveReaderIndex(to: cr + 2)
        let text = b.getString(at: b.readerIndex, length: max(0, b.readableBytes - 2)) ?? ""
        return uppercased(text)
    }
}
