import Redis

/// Finds the argument indices of a command's keys from its key specs, the way the server does
/// (`getKeysUsingKeySpecs`): a begin index or a keyword search, then a range (with step and
/// limit) or a key count read from the command.
///
/// Specs flagged `not_key` (the shard channels of `SPUBLISH`/`SSUBSCRIBE`) are not keys for
/// `COMMAND GETKEYS`, but hash to a slot like keys: `includeNotKeys` says whether to report
/// them. The only `unknown` specs of Redis 7 are `SORT`/`SORT_RO`'s: its `STORE` destination is
/// found as the server's own `sortGetKeys` does; its `BY`/`GET` patterns are not keys of this
/// command's slot and are left out. An argument list that does not fit a spec (too short, a bad
/// key count) yields no keys from that spec: the server reports the syntax error.
enum KeyFinder {
    static func forEachKeyIndex(
        of spec: CommandSpec, in arguments: EncodedArguments, includeNotKeys: Bool, _ body: (Int) -> Void
    ) {
        let argc = arguments.count
        for keySpec in spec.keySpecs where includeNotKeys || !keySpec.flags.contains(.notKey) {
            var first: Int
            switch keySpec.beginSearch {
            case .index(let index):
                first = index
            case .keyword(let keyword, let startFrom):
                guard let found = search(keyword, startFrom: startFrom, in: arguments) else { continue }
                first = found + 1
            case .unknown:
                if keySpec.flags.contains(.overwrite), spec.name == "sort", let store = sortStoreKey(in: arguments) { body(store) }
                continue
            }
            let last: Int, step: Int
            switch keySpec.findKeys {
            case .range(let lastKey, let keyStep, let limit):
                last = KeyRule.lastKeyIndex(first: first, lastKey: lastKey, limit: limit, argumentCount: argc)
                step = keyStep
            case .keyNum(let keyNumIndex, let firstKey, let keyStep):
                let countIndex = first + keyNumIndex
                guard countIndex >= 0, countIndex < argc, let keyCount = decimal(arguments[countIndex]) else { continue }
                first += firstKey
                last = first + keyCount - 1
                step = keyStep
            case .unknown:
                continue
            }
            guard step > 0, first >= 1, first <= last, last < argc else { continue }
            // MIGRATE's key is "" when the keys follow KEYS: a placeholder, as the server's own
            // migrateGetKeys knows.
            if first == 3, last == 3, arguments[3].isEmpty, spec.name == "migrate" { continue }
            var index = first
            while index <= last {
                body(index)
                index += step
            }
        }
    }

    /// `SORT key … STORE destination`: the last STORE's argument, skipping `LIMIT offset count`
    /// and the patterns of `BY`/`GET` (a pattern may well be the word "store").
    private static func sortStoreKey(in arguments: EncodedArguments) -> Int? {
        var found: Int?
        var index = 2
        while index < arguments.count {
            let argument = arguments[index]
            if equalsIgnoringCase(argument, "LIMIT") {
                index += 2
            } else if equalsIgnoringCase(argument, "GET") || equalsIgnoringCase(argument, "BY") {
                index += 1
            } else if equalsIgnoringCase(argument, "STORE"), index + 1 < arguments.count {
                found = index + 1
            }
            index += 1
        }
        return found
    }

    /// The index of `keyword` searched from `startFrom` forwards, or backwards from
    /// `argc + startFrom` when negative; the server's bounds (the last argument is not searched
    /// forwards: a keyword there has no key after it).
    private static func search(_ keyword: String, startFrom: Int, in arguments: EncodedArguments) -> Int? {
        let argc = arguments.count
        let start = startFrom > 0 ? startFrom : argc + startFrom
        let end = startFrom > 0 ? argc - 1 : 0
        let forwards = start <= end
        var index = start
        while index != end, index >= 1, index < argc {
            if equalsIgnoringCase(arguments[index], keyword) { return index }
            index += forwards ? 1 : -1
        }
        return nil
    }

    private static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ keyword: String) -> Bool {
        let utf8 = keyword.utf8
        guard bytes.count == utf8.count else { return false }
        var i = 0
        for expected in utf8 {
            let byte = bytes[i]
            let upper = byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte
            let wanted = expected >= 0x61 && expected <= 0x7A ? expected - 0x20 : expected
            guard upper == wanted else { return false }
            i += 1
        }
        return true
    }

    /// A non-negative decimal (a key count); nil for anything else.
    private static func decimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }
}
