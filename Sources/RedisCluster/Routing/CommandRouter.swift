import Redis

/// Finds a command's keys in its encoded bytes, from the generated command table's key specs,
/// and the slot they hash to: once per command, without decoding, re-encoding or allocating
/// (the argument index lives in a stack buffer; only a CROSSSLOT answer allocates).
///
/// ```swift
/// CommandRouter.route(RedisCommand("GET", "user:42"))              // .slot(HashSlot.slot(forKey: "user:42"))
/// CommandRouter.route(RedisCommand("MGET", "{u1}a", "{u1}b"))       // .slot(…) — one hash tag
/// CommandRouter.route(RedisCommand("EVAL", "return 1", 0))          // .keyless
/// CommandRouter.route(RedisCommand("MSET", "a", 1, "b", 2))         // .crossSlot([a (slot 15495), b (slot 3300)])
/// CommandRouter.keyPositions(in: RedisCommand("XREAD", "STREAMS", "s1", "s2", "0", "0"))  // [2, 3]
/// ```
///
/// A name the table does not know, or a malformed encoding, routes as `.keyless` (the server
/// will say what is wrong). `SPUBLISH`/`SSUBSCRIBE` route by their shard channel's slot.
public enum CommandRouter {
    public static func route(_ command: RedisCommand) -> CommandRoute {
        command.bytes.withUnsafeReadableBytes { raw in
            route(encoded: raw.bindMemory(to: UInt8.self))
        }
    }

    /// `route`, but a cross-slot command answers `.crossSlot([])`: for the coordinator, which
    /// splits most such commands (`MGET` of 100 keys) and lists the keys only to refuse one.
    static func routeWithoutListing(_ command: RedisCommand) -> CommandRoute {
        command.bytes.withUnsafeReadableBytes { raw in
            route(encoded: raw.bindMemory(to: UInt8.self), listing: false)
        }
    }

    /// The argument indices (0 is the command name) of the command's keys, in key-spec order:
    /// what `COMMAND GETKEYS` answers (so without the shard channels that `route` hashes).
    public static func keyPositions(in command: RedisCommand) -> [Int] {
        var positions: [Int] = []
        forEachKey(in: command) { index, _ in positions.append(index) }
        return positions
    }

    /// The command's keys, in key-spec order.
    public static func keys(in command: RedisCommand) -> [[UInt8]] {
        var keys: [[UInt8]] = []
        forEachKey(in: command) { _, key in keys.append(Array(key)) }
        return keys
    }

    static func route(encoded bytes: UnsafeBufferPointer<UInt8>, listing: Bool = true) -> CommandRoute {
        // The hot path (one run of keys at fixed positions: GET, SET, MGET, MSET, HSET…) reads
        // the arguments in one forward pass, nothing stored; the rest index them first.
        var scanner = EncodedCommandScanner(bytes)
        guard let argc = scanner.arrayCount(), argc >= 1, let name = scanner.nextBulk() else { return .keyless }
        let second = argc > 1 ? scanner.nextBulk() : nil
        guard let id = CommandTable.id(name: name, subcommand: second) else { return .keyless }
        let rule = KeyRule.table[id.rawValue]
        switch rule.kind {
        case .keyless:
            return .keyless
        case .singleRange:
            guard let (first, last, step) = rule.range(argumentCount: argc) else { return .keyless }
            // Arguments 0 and 1 are read; `second` is argument 1.
            var position = 1
            var current = second
            while position < first {
                current = scanner.nextBulk()
                position += 1
            }
            guard let firstKey = current else { return .keyless }
            let slot = HashSlot.slot(forKey: firstKey)
            while position + step <= last {
                for _ in 0..<step { current = scanner.nextBulk() }
                position += step
                guard let key = current else { return .keyless }
                if HashSlot.slot(forKey: key) != slot { return listing ? routeIndexed(bytes) : .crossSlot([]) }
            }
            return .slot(slot)
        case .general:
            return routeIndexed(bytes, listing: listing)
        }
    }

    /// Any command, its arguments indexed first (a stack buffer for small commands).
    private static func routeIndexed(_ bytes: UnsafeBufferPointer<UInt8>, listing: Bool = true) -> CommandRoute {
        EncodedArguments.withArguments(of: bytes) { arguments -> CommandRoute in
            guard let spec = spec(of: arguments) else { return .keyless }
            var slot = -1
            var crossed = false
            KeyFinder.forEachKeyIndex(of: spec, in: arguments, includeNotKeys: true) { index in
                let keySlot = HashSlot.slot(forKey: arguments[index])
                if slot < 0 { slot = keySlot } else if keySlot != slot { crossed = true }
            }
            if slot < 0 { return .keyless }
            guard crossed else { return .slot(slot) }
            return listing ? crossSlot(spec, arguments) : .crossSlot([])
        } ?? .keyless
    }

    /// Every key with its slot, for the CROSSSLOT answer (the slow path allocates).
    private static func crossSlot(_ spec: CommandSpec, _ arguments: EncodedArguments) -> CommandRoute {
        var keys: [CommandRoute.KeySlot] = []
        KeyFinder.forEachKeyIndex(of: spec, in: arguments, includeNotKeys: true) { index in
            let key = arguments[index]
            keys.append(CommandRoute.KeySlot(key: String(decoding: key, as: UTF8.self), slot: HashSlot.slot(forKey: key)))
        }
        return .crossSlot(keys)
    }

    private static func forEachKey(in command: RedisCommand, _ body: (Int, UnsafeBufferPointer<UInt8>) -> Void) {
        command.bytes.withUnsafeReadableBytes { raw in
            _ = EncodedArguments.withArguments(of: raw.bindMemory(to: UInt8.self)) { arguments in
                guard let spec = spec(of: arguments) else { return }
                KeyFinder.forEachKeyIndex(of: spec, in: arguments, includeNotKeys: false) { body($0, arguments[$0]) }
            }
        }
    }

    private static func spec(of arguments: EncodedArguments) -> CommandSpec? {
        commandID(of: arguments).map { CommandTable.spec($0) }
    }

    private static func commandID(of arguments: EncodedArguments) -> CommandTable.ID? {
        CommandTable.id(name: arguments[0], subcommand: arguments.count > 1 ? arguments[1] : nil)
    }
}
