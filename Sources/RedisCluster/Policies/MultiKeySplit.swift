import Redis
import RESP
import SwiftEV

/// A multi-key command (`MGET`, `MSET`, `DEL`, `EXISTS`, `UNLINK`, `TOUCH`) whose keys span
/// slots, cut into one command per slot: what the client sends, and how to put the replies
/// back together in the caller's order. A plain value, built without I/O.
///
/// ```swift
/// let split = MultiKeySplit(RedisCommand("MGET", "a", "b", "{a}c"))!
/// split.parts.map(\.slot)          // [15495, 3300]: "a" and "{a}c" share a slot
/// split.parts[0].keyIndices        // [0, 2]: where this part's replies go
/// split.merge([.success(.array([x, z])), .success(.array([y]))])   // .success(.array([x, y, z]))
/// ```
///
/// Not atomic: each part runs on its own; another client may see some parts done and others
/// not, and a failed part does not undo the others (`ClusterPartialFailure` says which ran).
public struct MultiKeySplit: Sendable {
    public struct Part: Sendable {
        public var slot: Int
        /// The command with only this slot's keys (and their values, for `MSET`).
        public var command: RedisCommand
        /// For each key of this part, in order, its index among the command's keys (a slice
        /// of one array shared by every part).
        public var keyIndices: ArraySlice<Int>
    }

    public let name: String
    public let parts: [Part]
    /// Keys of the whole command.
    public let keyCount: Int
    public let responsePolicy: CommandTips.ResponsePolicy?

    /// Splits `command` per slot; nil when its policy is not `.split` or its arguments do
    /// not fit its key spec (then the server says what is wrong).
    public init?(_ command: RedisCommand) {
        guard let id = CommandTable.id(of: command.bytes),
              case .split(let response) = ClusterCommandPolicy.table[id.rawValue] else { return nil }
        let rule = KeyRule.table[id.rawValue]
        let built: (parts: [Part], keys: Int)? = command.bytes.withUnsafeReadableBytes { raw in
            Self.split(raw.bindMemory(to: UInt8.self), rule: rule, readOnly: command.isReadOnly)
        }
        guard let built, !built.parts.isEmpty else { return nil }
        self.name = command.name
        self.parts = built.parts
        self.keyCount = built.keys
        self.responsePolicy = response
    }

    /// Every argument's encoded span (`$len\r\n…\r\n`) and content, then the key groups (a key
    /// and the arguments up to the next key: `MSET`'s value) bucketed by slot, in order of
    /// first appearance. Sub-commands copy the encoded spans: nothing is re-encoded.
    private static func split(_ bytes: UnsafeBufferPointer<UInt8>, rule: KeyRule, readOnly: Bool) -> (parts: [Part], keys: Int)? {
        var scanner = EncodedCommandScanner(bytes)
        guard let argc = scanner.arrayCount(), argc >= 2, argc <= bytes.count / 6,
              let (first, last, step) = rule.range(argumentCount: argc) else { return nil }
        var spans: [Range<Int>] = []
        var contents: [Range<Int>] = []
        spans.reserveCapacity(argc)
        contents.reserveCapacity(argc)
        for _ in 0..<argc {
            let start = scanner.index
            guard let content = scanner.nextRange() else { return nil }
            spans.append(start..<scanner.index)
            contents.append(content)
        }
        // The arguments of the last group run to its step (MSET's last value).
        let groupsEnd = min(argc, last + step)
        // Each key's part (slots numbered by first appearance), found in a small open-addressing
        // table keyed by the slot itself (CRC16 values are spread already): a Dictionary cost
        // ~650 instructions per key here (hashing, growing), this a few dozen.
        let keyCount = (last - first) / step + 1
        var mask = 15
        while mask < 2 * keyCount { mask = 2 * mask + 1 }
        var partInBucket = [Int32](repeating: -1, count: mask + 1)
        var slots: [Int] = []
        slots.reserveCapacity(keyCount)
        var partOfKey: [Int] = []
        partOfKey.reserveCapacity(keyCount)
        var position = first
        while position <= last {
            let slot = HashSlot.slot(forKey: UnsafeBufferPointer(rebasing: bytes[contents[position]]))
            var bucket = slot & mask
            while true {
                let part = Int(partInBucket[bucket])
                if part < 0 {
                    partInBucket[bucket] = Int32(slots.count)
                    partOfKey.append(slots.count)
                    slots.append(slot)
                    break
                }
                if slots[part] == slot {
                    partOfKey.append(part)
                    break
                }
                bucket = (bucket + 1) & mask
            }
            position += step
        }
        // Then the keys ordered by part in one flat array (a counting sort): a part's keys are a
        // slice of it, so the number of allocations does not grow with the number of parts.
        var starts = [Int](repeating: 0, count: slots.count + 1)
        for part in partOfKey { starts[part + 1] += 1 }
        for part in 0..<slots.count { starts[part + 1] += starts[part] }
        var ordered = [Int](repeating: 0, count: keyCount)
        var next = starts
        for (key, part) in partOfKey.enumerated() {
            ordered[next[part]] = key
            next[part] += 1
        }
        // Every part's encoding back to back in one buffer, each part's command a slice of it:
        // one allocation for all parts rather than one each. (Sliced only once it is all
        // written: a slice taken earlier would make the next write copy the buffer.)
        let prefix = 0..<first
        let suffix = groupsEnd..<argc
        var shared = 16
        for index in prefix { shared += spans[index].count }
        for index in suffix { shared += spans[index].count }
        var out = ByteBuffer(capacity: shared * slots.count + spans[first].lowerBound.distance(to: spans[groupsEnd - 1].upperBound))
        var ends: [Int] = []
        ends.reserveCapacity(slots.count)
        func copy(_ span: Range<Int>) {
            _ = out.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[span]))
        }
        for part in slots.indices {
            let keys = ordered[starts[part]..<starts[part + 1]]
            out.writeRESPArrayHeader(count: prefix.count + suffix.count + keys.count * step)
            for index in prefix { copy(spans[index]) }
            for key in keys {
                let start = first + key * step
                copy(spans[start].lowerBound..<spans[min(start + step, argc) - 1].upperBound)
            }
            for index in suffix { copy(spans[index]) }
            ends.append(out.writerIndex)
        }
        var parts: [Part] = []
        parts.reserveCapacity(slots.count)
        var begin = 0
        for (part, slot) in slots.enumerated() {
            let command = RedisCommand(bytes: out.getSlice(at: begin, length: ends[part] - begin)!, isReadOnly: readOnly)
            parts.append(Part(slot: slot, command: command, keyIndices: ordered[starts[part]..<starts[part + 1]]))
            begin = ends[part]
        }
        return (parts, keyCount)
    }

    /// The caller's reply from the parts' replies (in `parts` order): `MGET`'s values back in
    /// key order, counts summed (`DEL`, `EXISTS`, `UNLINK`, `TOUCH`), `OK` when every part said
    /// so (`MSET`). A failed part makes it a `ClusterPartialFailure` naming what ran; when the
    /// caller cancelled before any part was written, `CancellationError`.
    public func merge(_ results: [Result<RESPValue, any Error>]) -> Result<RESPValue, any Error> {
        precondition(results.count == parts.count, "one result per part")
        if ReplyMerger.cancelledUnsent(results) { return .failure(CancellationError()) }
        if results.contains(where: { if case .failure = $0 { return true } else { return false } }) {
            return .failure(ClusterPartialFailure(command: name, parts: zip(parts, results).map { part, result in
                ClusterPartialFailure.Part(target: "slot \(part.slot)", result: result)
            }))
        }
        switch responsePolicy {
        case nil:
            // One reply element per key, put back where the caller had the key. By index: no
            // copy of the parts or of the replies on the way (this runs per split command).
            var merged = [RESPValue](repeating: .null, count: keyCount)
            for part in parts.indices {
                guard case .success(.array(let elements?)) = results[part], elements.count == parts[part].keyIndices.count else {
                    return .failure(UnmergeableReply(command: name, target: "slot \(parts[part].slot)", reply: (try? results[part].get()) ?? .null))
                }
                var element = elements.startIndex
                for index in parts[part].keyIndices {
                    merged[index] = elements[element]
                    element += 1
                }
            }
            return .success(.array(merged))
        case let policy?:
            return ReplyMerger.aggregate(results.map { try! $0.get() }, policy: policy, command: name,
                                         targets: parts.map { "slot \($0.slot)" })
        }
    }
}
