import Redis

/// A command's key specs boiled down for the hot path: most commands (GET, SET, MGET, MSET,
/// DEL, HSET…) have one spec, "keys from index i to lastKey, every step", which routing can
/// follow with a few integer operations and no reference counting. Everything else (keyword
/// searches, key counts, several specs) takes `KeyFinder` over the full spec.
struct KeyRule: Sendable {
    enum Kind: UInt8, Sendable { case keyless, singleRange, general }

    var kind: Kind
    var begin: Int32 = 0
    var lastKey: Int32 = 0
    var step: Int32 = 0
    var limit: Int32 = 0

    init(_ spec: CommandSpec) {
        guard !spec.keySpecs.isEmpty else {
            kind = .keyless
            return
        }
        if spec.keySpecs.count == 1, let only = spec.keySpecs.first, !only.flags.contains(.incomplete),
           case .index(let begin) = only.beginSearch, case .range(let lastKey, let step, let limit) = only.findKeys {
            kind = .singleRange
            self.begin = Int32(begin)
            self.lastKey = Int32(lastKey)
            self.step = Int32(step)
            self.limit = Int32(limit)
        } else {
            kind = .general
        }
    }

    /// The index of a range key spec's last key: `lastKey` counts from the first key when
    /// ≥ 0, from the end when negative, and a `limit` > 1 keeps only that part of the rest
    /// (the server's own arithmetic).
    @inline(__always)
    static func lastKeyIndex(first: Int, lastKey: Int, limit: Int, argumentCount argc: Int) -> Int {
        if lastKey >= 0 { return first + lastKey }
        if limit <= 0 { return argc + lastKey }
        return first + ((argc - first) / limit + lastKey)
    }

    /// First and last key index and the step for `argc` arguments (the server's arithmetic),
    /// or nil when the arguments do not reach a key.
    @inline(__always)
    func range(argumentCount argc: Int) -> (first: Int, last: Int, step: Int)? {
        let first = Int(begin)
        let last = Self.lastKeyIndex(first: first, lastKey: Int(lastKey), limit: Int(limit), argumentCount: argc)
        guard step > 0, first >= 1, first <= last, last < argc else { return nil }
        return (first, last, Int(step))
    }

    /// One rule per `CommandTable.ID`, built once.
    static let table: [KeyRule] = CommandTable.allSpecs.map(KeyRule.init)
}
