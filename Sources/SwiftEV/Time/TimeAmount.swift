/// A span of time in nanoseconds.
///
/// ```swift
/// loop.scheduleTask(in: .milliseconds(250)) { print("later") }
/// ```
public struct TimeAmount: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static func nanoseconds(_ n: Int64) -> TimeAmount { TimeAmount(nanoseconds: n) }
    public static func microseconds(_ n: Int64) -> TimeAmount { TimeAmount(nanoseconds: n * 1_000) }
    public static func milliseconds(_ n: Int64) -> TimeAmount { TimeAmount(nanoseconds: n * 1_000_000) }
    public static func seconds(_ n: Int64) -> TimeAmount { TimeAmount(nanoseconds: n * 1_000_000_000) }
    public static func fractionalSeconds(_ s: Double) -> TimeAmount { TimeAmount(nanoseconds: Int64(s * 1e9)) }
    public static let zero = TimeAmount(nanoseconds: 0)

    /// The amount in (fractional) seconds.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    public static func < (l: TimeAmount, r: TimeAmount) -> Bool { l.nanoseconds < r.nanoseconds }
    public static func + (l: TimeAmount, r: TimeAmount) -> TimeAmount { TimeAmount(nanoseconds: l.nanoseconds + r.nanoseconds) }
    public static func - (l: TimeAmount, r: TimeAmount) -> TimeAmount { TimeAmount(nanoseconds: l.nanoseconds - r.nanoseconds) }
    public static func * (l: TimeAmount, r: Int64) -> TimeAmount { TimeAmount(nanoseconds: l.nanoseconds * r) }

    public var description: String {
        if nanoseconds % 1_000_000_000 == 0 { return "\(nanoseconds / 1_000_000_000)s" }
        if nanoseconds % 1_000_000 == 0 { return "\(nanoseconds / 1_000_000)ms" }
        return "\(nanoseconds)ns"
    }
}
