/// Hands subscription events to a bounded buffer (an `AsyncStream` that keeps the oldest) and
/// counts what did not fit, so that the reader learns it fell behind instead of the buffer
/// growing without bound while nobody reads. A plain value; `offer` is told whether the buffer
/// took an event.
///
/// ```swift
/// var delivery = BoundedDelivery()
/// delivery.deliver(event) { continuation.yield($0).wasEnqueued }
/// ```
struct BoundedDelivery {
    /// Events dropped since the reader was last told.
    private(set) var dropped = 0

    /// Offers the pending `.dropped` notice first, then `event`; whatever the buffer refuses
    /// is counted for the next notice.
    mutating func deliver(_ event: PubSubEvent, offer: (PubSubEvent) -> Bool) {
        if dropped > 0 {
            guard offer(.dropped(dropped)) else {
                dropped += 1
                return
            }
            dropped = 0
        }
        if !offer(event) { dropped += 1 }
    }
}

extension AsyncStream.Continuation.YieldResult {
    var wasEnqueued: Bool {
        if case .enqueued = self { return true }
        return false
    }
}
