import RESP
import SwiftEV

/// libFuzzer entry point. Decodes the input at once and in several chunkings, and traps when
/// they disagree or when a decoded value does not survive encode-then-decode.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    for limits in [FuzzCheck.smallLimits, .default] {
        let whole = FuzzCheck.decode(input, limits: limits, nextStep: ChunkPlan.whole)
        var random = ChunkPlan(seedFrom: input)
        let chunked = FuzzCheck.decode(input, limits: limits) { random.next(remaining: $0) }
        FuzzCheck.expectSame(whole, chunked, "random chunks", input)
        if limits == FuzzCheck.smallLimits {
            let bytewise = FuzzCheck.decode(input, limits: limits, nextStep: ChunkPlan.single)
            FuzzCheck.expectSame(whole, bytewise, "byte at a time", input)
            whole.values.forEach(FuzzCheck.exercise)
        }
    }
    return 0
}
