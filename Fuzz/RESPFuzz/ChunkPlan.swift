/// Chunk sizes for feeding one input, derived from the input's first bytes so that a crash
/// reproduces from the input file alone, while the fuzzer can still steer the split points.
struct ChunkPlan {
    private var state: UInt64

    init(seedFrom input: UnsafeBufferPointer<UInt8>) {
        var seed = UInt64(input.count) &* 0x9E37_79B9_7F4A_7C15
        for byte in input.prefix(8) { seed = (seed << 8 | seed >> 56) ^ UInt64(byte) }
        state = seed
    }

    /// splitmix64.
    private mutating func random() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next chunk size (mostly small, sometimes large) and whether to compact the buffer
    /// or move the unread bytes to a fresh buffer before appending it.
    mutating func next(remaining: Int) -> FuzzCheck.Step {
        let r = random()
        let size: Int
        switch r % 8 {
        case 0...4: size = Int((r >> 8) % 8) + 1
        case 5, 6: size = Int((r >> 8) % 64) + 1
        default: size = remaining
        }
        let handling = (r >> 32) % 16
        return FuzzCheck.Step(size: Swift.min(size, remaining), discard: handling == 0, rebuffer: handling == 1)
    }

    static func whole(remaining: Int) -> FuzzCheck.Step { .init(size: remaining, discard: false, rebuffer: false) }
    static func single(remaining: Int) -> FuzzCheck.Step { .init(size: Swift.min(1, remaining), discard: false, rebuffer: false) }
}
