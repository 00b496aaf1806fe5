import SwiftEV

/// One node's reconnect delays: doubling from `initial` up to `maximum`, with up to 25% added
/// at random so that clients that lost the same node do not come back in step. Reset by a
/// successful handshake.
struct ReconnectBackoff: Sendable, Equatable {
    let initial: TimeAmount
    let maximum: TimeAmount
    private(set) var failures = 0

    init(initial: TimeAmount, maximum: TimeAmount) {
        self.initial = initial
        self.maximum = maximum
    }

    /// Records a failed attempt; returns how long to wait before the next one. `random` in 0..<1.
    mutating func failed(random: Double) -> TimeAmount {
        failures += 1
        let shift = min(failures - 1, 20)
        let base = min(initial.nanoseconds << Int64(shift), maximum.nanoseconds)
        return .nanoseconds(base + Int64(Double(base) * 0.25 * random))
    }

    mutating func succeeded() { failures = 0 }
}
