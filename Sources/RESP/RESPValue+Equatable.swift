import SwiftEV

extension RESPValue: Equatable {
    public static func == (lhs: RESPValue, rhs: RESPValue) -> Bool {
        switch (lhs, rhs) {
        case let (.simpleString(a), .simpleString(b)),
             let (.simpleError(a), .simpleError(b)),
             let (.bigNumber(a), .bigNumber(b)),
             let (.bulkError(a), .bulkError(b)):
            return a == b
        case let (.integer(a), .integer(b)):
            return a == b
        case let (.bulkString(a), .bulkString(b)):
            return a == b
        case let (.array(a), .array(b)):
            return a == b
        case (.null, .null):
            return true
        case let (.boolean(a), .boolean(b)):
            return a == b
        case let (.double(a), .double(b)):
            // NaN == NaN so that values decoded from `,nan` compare equal to themselves.
            return a == b || (a.isNaN && b.isNaN)
        case let (.verbatimString(f1, t1), .verbatimString(f2, t2)):
            return f1 == f2 && t1 == t2
        case let (.map(a), .map(b)):
            return pairsEqual(a, b)
        case let (.set(a), .set(b)), let (.push(a), .push(b)):
            return a == b
        case let (.attribute(a1, v1), .attribute(a2, v2)):
            return v1 == v2 && pairsEqual(a1, a2)
        default:
            return false
        }
    }

    private static func pairsEqual(_ a: Pairs, _ b: Pairs) -> Bool {
        guard a.count == b.count else { return false }
        for i in a.indices where a[i].key != b[i].key || a[i].value != b[i].value { return false }
        return true
    }
}

extension RESPValue: Hashable {
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .simpleString(let b): hasher.combine(0); hasher.combine(b)
        case .simpleError(let b): hasher.combine(1); hasher.combine(b)
        case .integer(let i): hasher.combine(2); hasher.combine(i)
        case .bulkString(let b): hasher.combine(3); hasher.combine(b)
        case .array(let a): hasher.combine(4); hasher.combine(a)
        case .null: hasher.combine(5)
        case .boolean(let b): hasher.combine(6); hasher.combine(b)
        case .double(let d):
            // Every NaN hashes alike because every NaN is equal here.
            hasher.combine(7)
            if d.isNaN { hasher.combine(UInt64.max) } else { hasher.combine(d) }
        case .bigNumber(let b): hasher.combine(8); hasher.combine(b)
        case .bulkError(let b): hasher.combine(9); hasher.combine(b)
        case .verbatimString(let f, let t): hasher.combine(10); hasher.combine(f); hasher.combine(t)
        case .map(let pairs): hasher.combine(11); Self.hashPairs(pairs, into: &hasher)
        case .set(let a): hasher.combine(12); hasher.combine(a)
        case .attribute(let pairs, let v): hasher.combine(13); Self.hashPairs(pairs, into: &hasher); hasher.combine(v)
        case .push(let a): hasher.combine(14); hasher.combine(a)
        }
    }

    private static func hashPairs(_ pairs: Pairs, into hasher: inout Hasher) {
        hasher.combine(pairs.count)
        for pair in pairs {
            hasher.combine(pair.key)
            hasher.combine(pair.value)
        }
    }
}
