import SwiftEV

/// Every Redis command and subcommand the server knows, generated from redis-server's own
/// `COMMAND` / `COMMAND DOCS` output (`CommandData/`, regenerated with
/// `swift run RedisCommandGenerator`; see the README's "Command table").
///
/// Lookups take the name bytes of an encoded command, are case-insensitive, resolve a
/// container's subcommand from the second argument (`CLIENT KILL`, `XINFO STREAM`) and do not
/// allocate: names are packed into integers and found by binary search.
///
/// ```swift
/// CommandTable.spec(for: RedisCommand("GET", "k"))?.flags.contains(.readonly)   // true
/// CommandTable.spec(named: "xinfo stream")?.name                                // "xinfo|stream"
/// CommandTable.spec(named: "NOSUCHCOMMAND")                                     // nil
/// ```
public enum CommandTable {
    /// Every top-level command, sorted by name (subcommands are in each `subcommands`).
    public static var commands: [CommandSpec] { generatedCommands }

    /// The spec of `name`, with an optional subcommand: `"GET"`, `"client kill"`,
    /// `"CLIENT|KILL"`, or `spec(named: "CLIENT", subcommand: "KILL")`.
    public static func spec(named name: String, subcommand: String? = nil) -> CommandSpec? {
        var name = name
        var sub = subcommand
        if sub == nil, let split = name.firstIndex(where: { $0 == " " || $0 == "|" }) {
            sub = String(name[name.index(after: split)...])
            name = String(name[..<split])
        }
        return name.withUTF8 { nameBytes in
            guard var sub else { return spec(name: nameBytes, subcommand: nil) }
            return sub.withUTF8 { spec(name: nameBytes, subcommand: $0) }
        }
    }

    /// The spec of an encoded command, its subcommand resolved from the second argument; nil
    /// for a name the table does not know, or an unknown subcommand of a container.
    public static func spec(for command: RedisCommand) -> CommandSpec? {
        location(of: command.bytes).map { root.spec(at: $0) }
    }

    /// The spec of a command given its name bytes and, for containers, its second argument.
    /// A container asked without a subcommand gives the container's own spec.
    public static func spec(name: UnsafeBufferPointer<UInt8>, subcommand: UnsafeBufferPointer<UInt8>?) -> CommandSpec? {
        location(name: name, subcommand: subcommand).map { root.spec(at: $0) }
    }

    /// Whether the encoded command only reads, so re-sending it after an unknown outcome is
    /// harmless: the `readonly` flag, plus the connection-level commands without side effects
    /// that the server does not flag (`readOnlyExtras`). Unknown commands count as writes.
    static func isReadOnly(_ bytes: ByteBuffer) -> Bool {
        location(of: bytes).map { root.isReadOnly(at: $0) } ?? false
    }

    /// Read-only in effect though not flagged `readonly`: they read server state, never data.
    static let readOnlyExtras: Set<String> = [
        "ping", "echo", "info", "time", "lastsave",
        "memory|doctor", "memory|stats", "memory|malloc-stats", "memory|purge", "memory|help",
        "object|help", "xinfo|help",
    ]

    // MARK: - Lookup

    /// A command's place in the table: its top-level index and, for a subcommand, its index
    /// among the container's subcommands.
    struct Location: Equatable {
        var command: Int
        var subcommand: Int?
    }

    static let root = NameIndex(generatedCommands)

    static func location(name: UnsafeBufferPointer<UInt8>, subcommand: UnsafeBufferPointer<UInt8>?) -> Location? {
        guard let command = root.position(of: name) else { return nil }
        guard let children = root.children[command], let subcommand else { return Location(command: command) }
        guard let sub = children.position(of: subcommand) else { return nil }
        return Location(command: command, subcommand: sub)
    }

    static func location(of bytes: ByteBuffer) -> Location? {
        bytes.withUnsafeReadableBytes { raw in
            var reader = CommandNameReader(raw)
            guard let count = reader.arrayCount(), count >= 1, let name = reader.nextBulk() else { return nil }
            let subcommand = count >= 2 ? reader.nextBulk() : nil
            return location(name: name, subcommand: subcommand)
        }
    }

    /// Specs sorted by packed name, with each container's subcommands indexed the same way.
    struct NameIndex: Sendable {
        let keys: [PackedName]
        let specs: [CommandSpec]
        let readOnly: [Bool]
        let children: [NameIndex?]

        init(_ unsorted: [CommandSpec]) {
            let keyed = unsorted.compactMap { spec -> (PackedName, CommandSpec)? in
                // A subcommand is indexed by the part after `|`.
                var name = spec.name.split(separator: "|").last.map(String.init) ?? spec.name
                return name.withUTF8 { PackedName($0) }.map { ($0, spec) }
            }.sorted { $0.0 < $1.0 }
            keys = keyed.map(\.0)
            specs = keyed.map(\.1)
            readOnly = specs.map { $0.isReadOnly || CommandTable.readOnlyExtras.contains($0.name) }
            children = specs.map { $0.subcommands.isEmpty ? nil : NameIndex($0.subcommands) }
        }

        func position(of name: UnsafeBufferPointer<UInt8>) -> Int? {
            guard let key = PackedName(name) else { return nil }
            var low = 0, high = keys.count - 1
            while low <= high {
                let mid = (low + high) >> 1
                let probe = keys[mid]
                if probe == key { return mid }
                if probe < key { low = mid + 1 } else { high = mid - 1 }
            }
            return nil
        }

        func spec(at location: Location) -> CommandSpec {
            guard let sub = location.subcommand, let children = children[location.command] else { return specs[location.command] }
            return children.specs[sub]
        }

        func isReadOnly(at location: Location) -> Bool {
            guard let sub = location.subcommand, let children = children[location.command] else { return readOnly[location.command] }
            return children.readOnly[sub]
        }
    }

    /// Up to 24 bytes of a name, ASCII letters upper-cased, packed with the length so that two
    /// names compare as four integers.
    struct PackedName: Comparable, Sendable {
        var a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0, length = 0

        init?(_ name: UnsafeBufferPointer<UInt8>) {
            guard name.count <= 24 else { return nil }
            for i in 0..<name.count {
                let raw = name[i]
                let byte = UInt64(raw >= 0x61 && raw <= 0x7A ? raw - 0x20 : raw)
                let shift = UInt64((i & 7) &* 8)
                switch i >> 3 {
                case 0: a |= byte << shift
                case 1: b |= byte << shift
                default: c |= byte << shift
                }
            }
            length = name.count
        }

        static func < (l: PackedName, r: PackedName) -> Bool {
            (l.length, l.a, l.b, l.c) < (r.length, r.a, r.b, r.c)
        }
    }
}

/// Reads the first bulk strings of an encoded command (`*N\r\n$len\r\n<bytes>\r\n…`) in place.
struct CommandNameReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(_ raw: UnsafeRawBufferPointer) {
        bytes = raw.bindMemory(to: UInt8.self)
    }

    private mutating func header(_ prefix: UInt8) -> Int? {
        guard index < bytes.count, bytes[index] == prefix else { return nil }
        index += 1
        var value = 0
        while index < bytes.count, bytes[index] != UInt8(ascii: "\r") {
            let digit = Int(bytes[index]) &- 48
            guard digit >= 0, digit <= 9, value < Int.max / 10 - 9 else { return nil }
            value = value * 10 + digit
            index += 1
        }
        index += 2
        return index <= bytes.count ? value : nil
    }

    mutating func arrayCount() -> Int? { header(UInt8(ascii: "*")) }

    mutating func nextBulk() -> UnsafeBufferPointer<UInt8>? {
        guard let length = header(UInt8(ascii: "$")), length <= bytes.count - index - 2 else { return nil }
        defer { index += length + 2 }
        return UnsafeBufferPointer(rebasing: bytes[index..<(index + length)])
    }
}
