/// A set of hash slots (0..<16384) as a bit set: what a scan has verified, what a node owns.
///
/// ```swift
/// var set = SlotSet(0...99)
/// set.formUnion(SlotSet(200...299))
/// set.ranges          // [0...99, 200...299]
/// SlotSet.all.subtracting(set).count   // 16184
/// ```
public struct SlotSet: Sendable, Equatable {
    private var words = [UInt64](repeating: 0, count: HashSlot.count / 64)

    public init() {}

    public init(_ range: ClosedRange<Int>) { insert(range) }

    public static let all = SlotSet(0...(HashSlot.count - 1))

    public mutating func insert(_ slot: Int) {
        guard (0..<HashSlot.count).contains(slot) else { return }
        words[slot >> 6] |= 1 << UInt64(slot & 63)
    }

    public mutating func insert(_ range: ClosedRange<Int>) {
        for slot in range.clamped(to: 0...(HashSlot.count - 1)) { insert(slot) }
    }

    public func contains(_ slot: Int) -> Bool {
        (0..<HashSlot.count).contains(slot) && words[slot >> 6] & (1 << UInt64(slot & 63)) != 0
    }

    public var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }
    public var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    public mutating func formUnion(_ other: SlotSet) { for i in words.indices { words[i] |= other.words[i] } }
    public func union(_ other: SlotSet) -> SlotSet { var s = self; s.formUnion(other); return s }
    public func intersection(_ other: SlotSet) -> SlotSet {
        var s = self
        for i in words.indices { s.words[i] &= other.words[i] }
        return s
    }
    public func subtracting(_ other: SlotSet) -> SlotSet {
        var s = self
        for i in words.indices { s.words[i] &= ~other.words[i] }
        return s
    }

    /// The slots as sorted, maximal ranges.
    public var ranges: [ClosedRange<Int>] {
        var result: [ClosedRange<Int>] = []
        var start: Int?
        for slot in 0...HashSlot.count {
            let member = slot < HashSlot.count && contains(slot)
            if member, start == nil { start = slot }
            if !member, let first = start {
                result.append(first...(slot - 1))
                start = nil
            }
        }
        return result
    }
}
