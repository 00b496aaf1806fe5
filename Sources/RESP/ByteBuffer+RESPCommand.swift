import SwiftEV

extension ByteBuffer {
    /// Writes a command, an array of bulk strings, with no intermediate array or string.
    ///
    /// ```swift
    /// var out = ByteBuffer()
    /// out.writeRESPCommand("SET", "key", 42)
    /// // *3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$2\r\n42\r\n
    /// ```
    @inlinable
    public mutating func writeRESPCommand<each Argument: RESPArgument>(_ arguments: repeat each Argument) {
        var count = 0
        for _ in repeat each arguments { count += 1 }
        writeRESPArrayHeader(count: count)
        repeat (each arguments).writeRESPBulk(into: &self)
    }

    /// Writes a command whose arguments are only known at run time.
    ///
    /// ```swift
    /// var args: [any RESPArgument] = ["DEL"]
    /// args.append(contentsOf: keys)
    /// out.writeRESPCommand(args)
    /// ```
    public mutating func writeRESPCommand(_ arguments: [any RESPArgument]) {
        writeRESPArrayHeader(count: arguments.count)
        for argument in arguments { argument.writeRESPBulk(into: &self) }
    }

    /// Writes an array header `*<count>\r\n`; follow it with exactly `count` elements, for
    /// instance with ``writeRESPBulk(_:)``. Suits generated commands with optional arguments:
    ///
    /// ```swift
    /// out.writeRESPArrayHeader(count: 3 + (ttl == nil ? 0 : 2))
    /// out.writeRESPBulk("SET"); out.writeRESPBulk(key); out.writeRESPBulk(value)
    /// if let ttl { out.writeRESPBulk("EX"); out.writeRESPBulk(ttl) }
    /// ```
    @inlinable
    public mutating func writeRESPArrayHeader(count: Int) {
        writeRESPLine(type: UInt8(ascii: "*"), negative: count < 0, magnitude: UInt64(count.magnitude))
    }

    /// Writes one argument as a bulk string.
    @inlinable
    public mutating func writeRESPBulk(_ argument: some RESPArgument) {
        argument.writeRESPBulk(into: &self)
    }
}
