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

    /// How long the command may block; nil for a command that does not block. A timeout the
    /// server will refuse (negative, not a number) counts as `.forever`: the server answers at once.
    ///
    /// The first test, by the name's first letter, is inlined where this is called: it rules out
    /// almost every command there, without a call (asked twice per command on the routing path).
    @inline(__always)
    static func wait(of command: RedisCommand) -> Wait? {
        guard mayBlock(command.bytes) else { return nil }
        return blockingWait(of: command)
    }

    @inline(never)
    private static func blockingWait(of command: RedisCommand) -> Wait? {
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

    /// False for nearly every command in a few instructions (this runs for every command the
    /// cluster routes): with one-digit argument count and name length, `*N\r\n$L\r\n` puts the
    /// name at offset 8, and every blocking command's name starts with B or X. Other headers
    /// are left to `position(of:)`.
    @inline(__always)
    private static func mayBlock(_ bytes: ByteBuffer) -> Bool {
        bytes.withUnsafeReadableBytes { raw in
            guard raw.count > 8, raw[2] == UInt8(ascii: "\r"), raw[6] == UInt8(ascii: "\r") else { return true }
            let upper = raw[8] & 0xDF
            return upper == UInt8(ascii: "B") || upper == UInt8(ascii: "X")
        }
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
            let name = UnsafeRawBufferPointer(rebasing: raw[index..<end])
            // By length first, then letter by letter: no allocation on the routing path.
            switch name.count {
            case 5:
                if matches(name, "BLPOP") || matches(name, "BRPOP") { return .lastSeconds }
                return matches(name, "XREAD") ? .blockMilliseconds : nil
            case 6:
                if matches(name, "BLMOVE") { return .lastSeconds }
                return matches(name, "BLMPOP") || matches(name, "BZMPOP") ? .firstSeconds : nil
            case 8:
                return matches(name, "BZPOPMIN") || matches(name, "BZPOPMAX") ? .lastSeconds : nil
            case 10:
                if matches(name, "BRPOPLPUSH") { return .lastSeconds }
                return matches(name, "XREADGROUP") ? .blockMilliseconds : nil
            default:
                return nil
            }
        }
    }

    /// Case-insensitive comparison with an upper-case ASCII word of the same length.
    private static func matches(_ name: UnsafeRawBufferPointer, _ word: StaticString) -> Bool {
        let upper = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for i in 0..<upper.count where name[i] & 0xDF != upper[i] { return false }
        return true
    }
}
