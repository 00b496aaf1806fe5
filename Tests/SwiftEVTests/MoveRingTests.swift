import XCTest
@testable import SwiftEV

/// `MoveRing` against an array model: order through wrap-around and growth, removal from the
/// middle, and every element released exactly once (by `removeFirst`, `removeAll` or the ring's
/// own end).
final class MoveRingTests: XCTestCase {
    final class Tracked {
        let value: Int
        let released: (Int) -> Void
        init(_ value: Int, released: @escaping (Int) -> Void) {
            self.value = value
            self.released = released
        }
        deinit { released(value) }
    }

    func testMatchesAnArrayModelThroughWrapAroundGrowthAndRemoval() {
        var released: [Int] = []
        var model: [Int] = []
        var made = 0
        var generator = SplitMix(seed: 42)
        do {
            var ring = MoveRing<Tracked>(capacity: 4)
            var next = 0
            for _ in 0..<5_000 {
                switch generator.next() % 10 {
                case 0..<5:
                    ring.append(Tracked(next) { released.append($0) })
                    made += 1
                    model.append(next)
                    next += 1
                case 5..<8 where !model.isEmpty:
                    XCTAssertEqual(ring.removeFirst().value, model.removeFirst())
                case 8 where !model.isEmpty:
                    let index = Int(generator.next() % UInt64(model.count))
                    XCTAssertEqual(ring.remove(at: index).value, model.remove(at: index))
                case 9 where !model.isEmpty:
                    ring[0] = Tracked(-ring[0].value - 1) { released.append($0) }
                    made += 1
                    model[0] = -model[0] - 1
                default:
                    break
                }
                XCTAssertEqual(ring.count, model.count)
                XCTAssertEqual(ring.firstIndex { $0.value == model.last }, model.isEmpty ? nil : model.count - 1)
            }
            XCTAssertEqual((0..<ring.count).map { ring[$0].value }, model, "oldest first")
            let half = ring.count / 2
            let drained = ring.removeAll()
            XCTAssertEqual(drained.map(\.value), model)
            XCTAssertTrue(ring.isEmpty)
            for value in model.prefix(half) {
                ring.append(Tracked(value + 1_000_000) { released.append($0) })
                made += 1
            }
        }
        // Everything made was released once: the drained array and the ring's leftovers included.
        XCTAssertEqual(released.count, made, "every element released once: drained, replaced, and left in the ring at its end")
    }

    /// A deterministic generator, so a failure replays.
    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
