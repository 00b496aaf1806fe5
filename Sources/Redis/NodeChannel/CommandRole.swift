import SwiftEV

/// How the correlator must match a command to what the server sends back. Most commands take
/// exactly one reply (`plain`); the others change the connection's state or answer differently:
///
/// - `MULTI` opens a transaction, `EXEC`/`DISCARD` close it (`RESET` too): a redirect inside one
///   fails the transaction instead of moving one of its commands.
/// - The pub/sub family answers with one confirmation per channel (RESP3 push frames, RESP2
///   arrays) and no ordinary reply; an `UNSUBSCRIBE` without channels answers once per channel
///   the connection was subscribed to (once with a null channel when there were none).
enum CommandRole: UInt8, Sendable {
    case plain
    case multi
    /// `EXEC` or `DISCARD`.
    case exec
    case reset
    case subscribe, psubscribe, ssubscribe
    case unsubscribe, punsubscribe, sunsubscribe

    /// Reads the role and the number of arguments after the name from an encoded command
    /// (`*N\r\n$L\r\nNAME\r\n…`), without allocating: the name's length rules out almost every
    /// command before a byte of it is compared.
    static func of(_ bytes: ByteBuffer) -> (role: CommandRole, arguments: Int) {
        bytes.withUnsafeReadableBytes { raw -> (CommandRole, Int) in
            // Most commands: fewer than 10 parts and a name shorter than 10 bytes
            // (`*3\r\n$3\r\nSET\r\n…`), read without the general loop.
            // The six fixed bytes of `*N\r\n$L\r\n` checked as one word (bytes 1 and 5 masked out).
            if raw.count >= 10,
               UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)) & 0xFFFF_00FF_FFFF_00FF == 0x0A0D_0024_0A0D_002A {
                let count = Int(raw[1]) &- 48, length = Int(raw[5]) &- 48
                if count >= 1, count <= 9, length >= 0, length <= 9, 8 + length <= raw.count {
                    return (role(named: UnsafeRawBufferPointer(rebasing: raw[8..<8 + length])), count - 1)
                }
            }
            var scanner = EncodedCommandScanner(raw)
            guard let count = scanner.arrayCount(), let name = scanner.nextBulk() else { return (.plain, 0) }
            return (role(named: UnsafeRawBufferPointer(name)), max(0, count - 1))
        }
    }

    private static func role(named name: UnsafeRawBufferPointer) -> CommandRole {
        switch name.count {
        case 4: return matches(name, "EXEC") ? .exec : .plain
        case 5: return matches(name, "MULTI") ? .multi : matches(name, "RESET") ? .reset : .plain
        case 7: return matches(name, "DISCARD") ? .exec : .plain
        case 9: return matches(name, "SUBSCRIBE") ? .subscribe : .plain
        case 10: return matches(name, "PSUBSCRIBE") ? .psubscribe : matches(name, "SSUBSCRIBE") ? .ssubscribe : .plain
        case 11: return matches(name, "UNSUBSCRIBE") ? .unsubscribe : .plain
        case 12: return matches(name, "PUNSUBSCRIBE") ? .punsubscribe : matches(name, "SUNSUBSCRIBE") ? .sunsubscribe : .plain
        default: return .plain
        }
    }

    /// Case-insensitive comparison with an upper-case ASCII word of the same length.
    private static func matches(_ name: UnsafeRawBufferPointer, _ word: StaticString) -> Bool {
        let upper = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for i in 0..<upper.count where name[i] & 0xDF != upper[i] { return false }
        return true
    }

    /// The pub/sub family (channels, patterns, shard channels) a (un)subscribe command is about.
    var pubSubFamily: PubSubFamily? {
        switch self {
        case .subscribe, .unsubscribe: return .channels
        case .psubscribe, .punsubscribe: return .patterns
        case .ssubscribe, .sunsubscribe: return .shardChannels
        default: return nil
        }
    }

    var isSubscribe: Bool { self == .subscribe || self == .psubscribe || self == .ssubscribe }
}

/// The three independent kinds of subscription a connection can hold: channels
/// (`SUBSCRIBE`), patterns (`PSUBSCRIBE`) and shard channels (`SSUBSCRIBE`, Redis 7).
public enum PubSubFamily: Sendable, Hashable {
    case channels, patterns, shardChannels
}
