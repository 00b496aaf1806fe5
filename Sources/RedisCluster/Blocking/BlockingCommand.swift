import Redis
import SwiftEV

/// Which commands hold their connection until data arrives or their own timeout passes, and for
/// how long: `BLPOP`, `BRPOP`, `BRPOPLPUSH`, `BLMOVE`, `BLMPOP`, `BZPOPMIN`, `BZPOPMAX`,
/// `BZMPOP`, and `XREAD`/`XREADGROUP` with `BLOCK`. A plain value over the encoded command.
///
/// ```swift
/// BlockingCommand.wait(of: RedisCommand("BLPOP", "jobs", 5))           // .upTo(.seconds(5))
/// BlockingCommand.wait(of: RedisCommand("XREAD", "BLOCK", 0, "STREAMS", "s", "$"))  // .forever
/// BlockingCommand.wait(of: RedisCommand("GET", "k"))                    // nil
/// ```
///
/// `WAIT` is deliberately not one of them: it waits for the replicas to acknowledge the writes
/// made *on the same connection*, so on a separate connection it would acknowledge nothing.
enum BlockingCommand {
    enum Wait: Equatable, Sendable {
        /// A timeout of 0: blocks until data arrives.
        case forever
        case upTo(TimeAmount)
    }

    /// Where a command keeps its timeout.
    private enum TimeoutPosition {
        case lastSeconds, firstSeconds, blockMilliseconds
    }

    private static let positions: [String: TimeoutPosition] = [
        "BLPOP": .lastSeconds, "BRPOP": .lastSeconds, "BRPOPLPUSH": .lastSeconds, "BLMOVE": .lastSeconds,
        "BZPOPMIN": .lastSeconds, "BZPOPMAX": .lastSeconds,
        "BLMPOP": .firstSeconds, "BZMPOP": .firstSeconds,
        "XREAD": .blockMilliseconds, "XREADGROUP": .blockMilliseconds,
    ]

    /// How long the command may block; nil for a command that does not block. A timeout the
    /// server will refuse (negative, not a number) counts as `.forever`: the server answers at once.
    static func wait(of command: RedisCommand) -> Wait? {
        // Every other command is ruled out by its name, read in place without allocating.
        guard let position = position(of: command.bytes) else { return nil }
        let words = command.bytes.withUnsafeReadableBytes { raw in
            EncodedArguments.withArguments(of: raw.bindMemory(to: UInt8.self)) { arguments in
                (0..<arguments.count).map { String(decoding: arguments[$0], as: UTF8.self) }
            }
        }
        guard let words else { return nil }
        switch position {
        case .lastSeconds:
            return words.count > 2 ? seconds(words[words.count - 1]) : nil
        case .firstSeconds:
            return words.count > 1 ? seconds(words[1]) : nil
        case .blockMilliseconds:
            // Up to STREAMS: after it come key and ID names, which may spell "BLOCK".
            var index = 1
            while index + 1 < words.count, words[index].uppercased() != "STREAMS" {
                if words[index].uppercased() == "BLOCK" {
                    guard let ms = Int64(words[index + 1]), ms >= 0 else { return .forever }
                    return ms == 0 ? .forever : .upTo(.milliseconds(ms))
                }
                index += 1
            }
            return nil
        }
    }

    /// How much longer than the client's own timeout the command's deadline must be.
    static func extraTime(for command: RedisCommand) -> TimeAmount? {
        switch wait(of: command) {
        case nil: return nil
        case .forever: return .nanoseconds(Int64.max / 2)
        case .upTo(let amount): return amount
        }
    }

    private static func seconds(_ text: String) -> Wait {
        guard let value = Double(text), value.isFinite, value >= 0 else { return .forever }
        if value == 0 { return .forever }
        return .upTo(.nanoseconds(Int64(min(value, 1e9) * 1e9)))
    }

    /// The timeout position of a blocking command's name, read from `*N\r\n$L\r\nNAME…` in place.
    private static func position(of bytes: ByteBuffer) -> TimeoutPosition? {
        bytes.withUnsafeReadableBytes { raw -> TimeoutPosition? in
            var index = 0
            var newlines = 0
            while index < raw.count, newlines < 2 {
                if raw[index] == UInt8(ascii: "\n") { newlines += 1 }
                index += 1
            }
            guard newlines == 2 else { return nil }
            var end = index
            while end < raw.count, raw[end] != UInt8(ascii: "\r") { end += 1 }
            let length = end - index
            guard length >= 5, length <= 10 else { return nil }
            let first = raw[index] & 0xDF
            guard first == UInt8(ascii: "B") || first == UInt8(ascii: "X") else { return nil }
            var name = [UInt8](repeating: 0, count: length)
            for i in 0..<length { name[i] = raw[index + i] & 0xDF }
            return names[name]
        }
    }

    private static let names: [[UInt8]: TimeoutPosition] = Dictionary(uniqueKeysWithValues: positions.map { (Array($0.key.utf8), $0.value) })
}
