import RESP
import SwiftEV

/// One command, encoded once into its wire form.
///
/// The bytes are kept so the command can be sent again unchanged (to another node after a
/// redirect, or after a reconnect) without re-encoding. Only the bytes and the read-only flag
/// are stored — a command is copied at every step between the caller and the socket, so it is
/// kept to one reference; `name` is read back from the bytes when an error needs it, and the
/// read-only table is consulted only when someone asks (a lost connection, not every send:
/// the lookup was ~3% of a pipelining client's CPU).
///
/// ```swift
/// let get = RedisCommand("GET", "user:42")          // read-only, from the command table
/// let set = RedisCommand("SET", "user:42", "Ada")
/// let raw = RedisCommand(["HSET", "h", "f", 1])      // arguments known at run time
/// ```
public struct RedisCommand: Sendable, CustomStringConvertible {
    /// The encoded command (`*N\r\n$…`).
    public let bytes: ByteBuffer
    /// Set by the caller, or nil: then the command table decides.
    @usableFromInline let readOnly: Bool?

    /// Whether the command only reads: such a command may be retried safely when its outcome
    /// is unknown (a connection lost after it was sent). From the generated `CommandTable`
    /// (Redis 7's `readonly` flag, subcommands resolved, plus side-effect-free connection
    /// commands such as PING) unless given when the command was made; unknown names count as
    /// writes.
    public var isReadOnly: Bool {
        readOnly ?? CommandTable.isReadOnly(bytes)
    }

    /// Encodes `name` and `arguments` (known at compile time: no array is built). Inlinable so
    /// the encoding is specialized for the argument types at the call site.
    @inlinable
    public init<each Argument: RESPArgument>(_ name: String, _ arguments: repeat each Argument, readOnly: Bool? = nil) {
        var bytes = ByteBuffer(capacity: 128)
        var count = 1
        for _ in repeat each arguments { count += 1 }
        bytes.writeRESPArrayHeader(count: count)
        bytes.writeRESPBulk(name)
        for argument in repeat each arguments { bytes.writeRESPBulk(argument) }
        self.bytes = bytes
        self.readOnly = readOnly
    }

    /// Encodes a command whose arguments are only known at run time; the first is the name.
    public init(_ arguments: [any RESPArgument], readOnly: Bool? = nil) {
        precondition(!arguments.isEmpty, "a command needs at least its name")
        var bytes = ByteBuffer(capacity: 128)
        bytes.writeRESPCommand(arguments)
        self.bytes = bytes
        self.readOnly = readOnly
    }

    /// A command from bytes that are already encoded.
    public init(bytes: ByteBuffer, isReadOnly: Bool) {
        self.bytes = bytes
        self.readOnly = isReadOnly
    }

    /// The command name in upper case (`GET`, `CLIENT`), read from the encoded bytes.
    public var name: String { RedisCommand.uppercased(RedisCommand.firstBulk(of: bytes)) }

    public var description: String { "\(name) (\(bytes.readableBytes) bytes)" }

    static func uppercased(_ name: String) -> String {
        String(decoding: name.utf8.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
    }

    /// The text of the first bulk string of an encoded command (`*N\r\n$n\r\n<text>\r\n…`).
    static func firstBulk(of bytes: ByteBuffer) -> String {
        var b = bytes
        guard let headerEnd = b.firstIndex(of: UInt8(ascii: "\n")) else { return "" }
        b.moveReaderIndex(to: headerEnd + 1)
        guard let lengthEnd = b.firstIndex(of: UInt8(ascii: "\r")),
              let length = b.getString(at: b.readerIndex + 1, length: lengthEnd - b.readerIndex - 1).flatMap({ Int($0) }) else {
            return ""
        }
        return b.getString(at: lengthEnd + 2, length: length) ?? ""
    }
}
