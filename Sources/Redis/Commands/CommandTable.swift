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
        id(of: command.bytes).map { spec($0) }
    }

    /// The spec of a command given its name bytes and, for containers, its second argument.
    /// A container asked without a subcommand gives the container's own spec.
    public static func spec(name: UnsafeBufferPointer<UInt8>, subcommand: UnsafeBufferPointer<UInt8>?) -> CommandSpec? {
        id(name: name, subcommand: subcommand).map { spec($0) }
    }

    /// A command's (or subcommand's) place in the table: a dense number, stable for one build
    /// of the table, so callers can keep their own per-command data in an array of `count`.
    ///
    /// ```swift
    /// let get = CommandTable.id(name: nameBytes, subcommand: nil)!   // no allocation, one probe
    /// CommandTable.spec(get).name                                      // "get"
    /// ```
    public struct ID: Hashable, Sendable {
        public let rawValue: Int
    }

    /// How many commands and subcommands the table holds: every `ID.rawValue` is below it.
    public static var count: Int { lookup.specs.count }

    /// Every command and subcommand in `ID` order.
    public static var allSpecs: [CommandSpec] { lookup.specs }

    public static func spec(_ id: ID) -> CommandSpec { lookup.specs[id.rawValue] }

    /// The ID of a command given its name bytes and, for a container, its second argument
    /// (case-insensitive; an unknown subcommand of a container is nil, a container without
    /// one is the container). Does not allocate.
    public static func id(name: UnsafeBufferPointer<UInt8>, subcommand: UnsafeBufferPointer<UInt8>?) -> ID? {
        guard let key = PackedName(name), let command = Self.lookup.commands.find(key, parent: -1) else { return nil }
        guard Self.lookup.hasSubcommands[command], let subcommand else { return ID(rawValue: command) }
        guard let subKey = PackedName(subcommand), let sub = Self.lookup.subcommands.find(subKey, parent: command) else { return nil }
        return ID(rawValue: sub)
    }

    /// The ID of an encoded command (`*N\r\n$len\r\nname\r\n…`), read in place.
    public static func id(of bytes: ByteBuffer) -> ID? {
        bytes.withUnsafeReadableBytes { raw in
            var reader = EncodedCommandScanner(raw)
            guard let count = reader.arrayCount(), count >= 1, let name = reader.nextBulk() else { return nil }
            let subcommand = count >= 2 ? reader.nextBulk() : nil
            return id(name: name, subcommand: subcommand)
        }
    }

    /// Whether the encoded command only reads, so re-sending it after an unknown outcome is
    /// harmless: the `readonly` flag, plus the connection-level commands without side effects
    /// that the server does not flag (`readOnlyExtras`). Unknown commands count as writes.
    static func isReadOnly(_ bytes: ByteBuffer) -> Bool {
        id(of: bytes).map { lookup.readOnly[$0.rawValue] } ?? false
    }

    /// Read-only in effect though not flagged `readonly`: they read server state, never data.
    static let readOnlyExtras: Set<String> = [
        "ping", "echo", "info", "time", "lastsave",
        "memory|doctor", "memory|stats", "memory|malloc-stats", "memory|purge", "memory|help",
        "object|help", "xinfo|help",
    ]

    // MARK: - Lookup

    static let lookup = Lookup(generatedCommands)

    /// The flat spec list and two open-addressing hash tables (names; `parent|sub` names),
    /// built once. A struct in a global `let`: read in place, no reference counting per lookup.
    struct Lookup: Sendable {
        let specs: [CommandSpec]
        let readOnly: [Bool]
        let hasSubcommands: [Bool]
        let commands: NameTable
        let subcommands: NameTable

        init(_ generated: [CommandSpec]) {
            var specs: [CommandSpec] = []
            var commandNames: [(PackedName, parent: Int, id: Int)] = []
            var subNames: [(PackedName, parent: Int, id: Int)] = []
            for command in generated {
                let parent = specs.count
                specs.append(command)
                if let key = PackedName(command.name) { commandNames.append((key, -1, parent)) }
                for sub in command.subcommands {
                    // A subcommand is found by the part after `|`, within its parent.
                    let short = sub.name.split(separator: "|").last.map(String.init) ?? sub.name
                    if let key = PackedName(short) { subNames.append((key, parent, specs.count)) }
                    specs.append(sub)
                }
            }
            self.specs = specs
            readOnly = specs.map { $0.isReadOnly || CommandTable.readOnlyExtras.contains($0.name) }
            hasSubcommands = specs.map { !$0.subcommands.isEmpty }
            commands = NameTable(commandNames)
            subcommands = NameTable(subNames)
        }
    }

    /// Open addressing, linear probing, at most a quarter full: a lookup is one hash and
    /// usually one probe.
    struct NameTable: Sendable {
        struct Entry: Sendable {
            var key: PackedName
            var parent: Int32
            var id: Int32
        }

        let entries: [Entry]
        let mask: Int

        init(_ names: [(PackedName, parent: Int, id: Int)]) {
            // At most a quarter full: at half full SET took three probes (GET one); a probe
            // costs more per command than the few KB the sparser table takes.
            var size = 16
            while size < names.count * 4 { size <<= 1 }
            var entries = [Entry](repeating: Entry(key: PackedName(), parent: -1, id: -1), count: size)
            for (key, parent, id) in names {
                var slot = key.hash(parent: parent) & (size - 1)
                while entries[slot].id >= 0 { slot = (slot + 1) & (size - 1) }
                entries[slot] = Entry(key: key, parent: Int32(parent), id: Int32(id))
            }
            self.entries = entries
            mask = size - 1
        }

        @inline(__always)
        func find(_ key: PackedName, parent: Int) -> Int? {
            var slot = key.hash(parent: parent) & mask
            while true {
                let entry = entries[slot]
                if entry.id < 0 { return nil }
                if entry.key == key, Int(entry.parent) == parent { return Int(entry.id) }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Up to 24 bytes of a name, ASCII letters upper-cased, packed with the length so that two
    /// names compare as four integers.
    struct PackedName: Equatable, Sendable {
        var a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0, length = 0

        init() {}

        init?(_ name: String) {
            var name = name
            guard let packed = name.withUTF8({ PackedName($0) }) else { return nil }
            self = packed
        }

        @inline(__always)
        init?(_ name: UnsafeBufferPointer<UInt8>) {
            let count = name.count
            guard count > 0, count <= 24, let base = name.baseAddress else { return nil }
            // Whole words where the name has them, never a byte past its end (it may end its
            // allocation): a few loads instead of a loop per byte.
            let raw = UnsafeRawPointer(base)
            if count <= 8 {
                a = Self.word(raw, count: count)
            } else {
                a = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
                if count <= 16 {
                    b = Self.word(raw + 8, count: count &- 8)
                } else {
                    b = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                    c = Self.word(raw + 16, count: count &- 16)
                }
            }
            // No command name has a byte above 0x7F; ASCII-only lets the case folding work on
            // eight bytes at once.
            guard (a | b | c) & 0x8080_8080_8080_8080 == 0 else { return nil }
            a = Self.uppercased(a)
            // Zero words stay zero; most names fit in `a`.
            if count > 8 {
                b = Self.uppercased(b)
                c = Self.uppercased(c)
            }
            length = count
        }

        /// The `count` (1...8) bytes at `bytes`, little-endian, zeros above them: two
        /// overlapping four-byte loads (equal bytes where they overlap) from four bytes up.
        @inline(__always) static func word(_ bytes: UnsafeRawPointer, count: Int) -> UInt64 {
            if count >= 4 {
                let low = UInt64(UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self)))
                let high = UInt64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)))
                return low | high &<< UInt64((count &- 4) &* 8)
            }
            var word = UInt64(bytes.load(as: UInt8.self))
            if count >= 2 { word |= UInt64(bytes.load(fromByteOffset: 1, as: UInt8.self)) &<< 8 }
            if count == 3 { word |= UInt64(bytes.load(fromByteOffset: 2, as: UInt8.self)) &<< 16 }
            return word
        }

        /// `a`…`z` → `A`…`Z` in each byte of an ASCII word: byte + 0x1F reaches 0x80 from `a`
        /// up, byte + 0x05 from `{` up; no byte carries into the next.
        @inline(__always) static func uppercased(_ word: UInt64) -> UInt64 {
            let fromA = word &+ 0x1F1F_1F1F_1F1F_1F1F
            let pastZ = word &+ 0x0505_0505_0505_0505
            return word &- (((fromA & ~pastZ) & 0x8080_8080_8080_8080) >> 2)
        }

        @inline(__always)
        func hash(parent: Int) -> Int {
            var h = a &* 0x9E37_79B9_7F4A_7C15
            h ^= (b &+ UInt64(bitPattern: Int64(parent))) &* 0xC2B2_AE3D_27D4_EB4F
            h ^= c &* 0x1656_67B1_9E37_79F9
            h ^= UInt64(length)
            return Int(truncatingIfNeeded: (h ^ (h >> 29)) >> 3)
        }
    }
}
