import Redis

/// Where a command must go, from its keys.
public enum CommandRoute: Sendable, Equatable {
    /// Every key of the command hashes to this slot.
    case slot(Int)
    /// The command has no keys: any primary can serve it.
    case keyless
    /// The keys hash to different slots; the server would answer CROSSSLOT. Lists each key
    /// (lossily decoded for the message) with its slot.
    case crossSlot([KeySlot])

    public struct KeySlot: Sendable, Equatable, CustomStringConvertible {
        public var key: String
        public var slot: Int
        public var description: String { "\(key) (slot \(slot))" }
    }
}

/// Finds a command's keys in its encoded bytes and the slot they hash to, without decoding or
/// allocating.
///
/// PLACEHOLDER until the generated command table lands: treats argument 1 as the only key of
/// every command with arguments. Replaced by the table-driven version (key specs from
/// `COMMAND`), which knows keyless, multi-key and keys-after-numkeys commands.
public enum CommandRouter {
    public static func route(_ command: RedisCommand) -> CommandRoute {
        command.bytes.withUnsafeReadableBytes { raw in
            var scanner = EncodedCommandScanner(raw)
            guard let count = scanner.arrayCount(), count >= 2, scanner.skipBulk(),
                  let key = scanner.nextBulk() else { return .keyless }
            return .slot(HashSlot.slot(forKey: UnsafeBufferPointer(rebasing: key)))
        }
    }
}

/// Walks `*N\r\n$len\r\n<bytes>\r\n…` in place.
struct EncodedCommandScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(_ raw: UnsafeRawBufferPointer) {
        bytes = raw.bindMemory(to: UInt8.self)
    }

    /// Reads `<prefix>digits\r\n`.
    private mutating func header(_ prefix: UInt8) -> Int? {
        guard index < bytes.count, bytes[index] == prefix else { return nil }
        index += 1
        var value = 0
        while index < bytes.count, bytes[index] != UInt8(ascii: "\r") {
            let digit = Int(bytes[index]) - 48
            guard (0...9).contains(digit) else { return nil }
            value = value * 10 + digit
            index += 1
        }
        index += 2
        return index <= bytes.count ? value : nil
    }

    mutating func arrayCount() -> Int? { header(UInt8(ascii: "*")) }

    mutating func nextBulk() -> Slice<UnsafeBufferPointer<UInt8>>? {
        guard let length = header(UInt8(ascii: "$")), index + length + 2 <= bytes.count else { return nil }
        defer { index += length + 2 }
        return bytes[index..<(index + length)]
    }

    mutating func skipBulk() -> Bool { nextBulk() != nil }
}
