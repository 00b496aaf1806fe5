import Logging

/// Settings of a socket channel.
///
/// ```swift
/// var options = ChannelOptions()
/// options.writeBufferWaterMarks = .init(low: 32 * 1024, high: 64 * 1024)
/// options.allowHalfClosure = true
/// ```
public struct ChannelOptions: Sendable {
    /// Outbound backlog levels: above `high` the channel turns unwritable, at or below `low`
    /// writable again. Producers pause on unwritable, so memory stays bounded.
    public struct WaterMarks: Sendable, Equatable {
        public var low: Int
        public var high: Int
        public init(low: Int, high: Int) {
            precondition(low >= 0 && low <= high, "water marks need 0 <= low <= high")
            self.low = low
            self.high = high
        }
    }

    public var writeBufferWaterMarks = WaterMarks(low: 32 * 1024, high: 64 * 1024)

    /// When the peer shuts down its sending side: true keeps the channel open (stages get
    /// `ChannelEvent.inputClosed` and may still write); false (default) closes the channel.
    public var allowHalfClosure = false

    /// Disables Nagle's algorithm, so small writes leave at once (default true).
    public var noDelay = true

    /// Bounds for the adaptive read buffer: it starts at `minimumReadSize`, doubles while reads
    /// fill it, up to `maximumReadSize`.
    public var minimumReadSize = 4 * 1024
    public var maximumReadSize = 256 * 1024

    /// Reads per readiness notification before yielding to other channels (fairness).
    public var maxReadsPerEvent = 4

    /// Flushed bytes at which a flush is sent at once rather than with the rest of the loop
    /// iteration's writes (default: never; see `Channel.deferredFlushLimit`).
    public var deferredFlushLimit = Int.max

    /// Where the channel reports what no stage handled: errors that reach the end of the
    /// pipeline (debug), accept failures (warning). swift-log's default handler prints nothing
    /// below `info`; bootstrap a handler to see them.
    public var logger = Logger(label: "swiftev.channel")

    public init() {}
}

/// User events the transports send into the pipeline.
public enum ChannelEvent: Equatable, Sendable {
    /// The peer shut down its sending side; the channel can still write (`allowHalfClosure`).
    case inputClosed
}
