#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A point on a monotonic clock (nanoseconds since an arbitrary origin).
///
/// Loops report their own notion of now (`EventLoop.now`): the real monotonic clock for
/// `LibevEventLoop`, a manual clock for the test loop. Use `loop.now + .seconds(1)` rather
/// than `Deadline.now()` in stages so they stay testable.
public struct Deadline: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var uptimeNanoseconds: UInt64

    public init(uptimeNanoseconds: UInt64) { self.uptimeNanoseconds = uptimeNanoseconds }

    /// The current reading of the monotonic clock.
    public static func now() -> Deadline {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Deadline(uptimeNanoseconds: UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
    }

    public static let distantPast = Deadline(uptimeNanoseconds: 0)
    public static let distantFuture = Deadline(uptimeNanoseconds: UInt64(Int64.max))

    public static func < (l: Deadline, r: Deadline) -> Bool { l.uptimeNanoseconds < r.uptimeNanoseconds }

    public static func + (l: Deadline, r: TimeAmount) -> Deadline {
        if r.nanoseconds < 0 {
            let back = UInt64(-r.nanoseconds)
            return Deadline(uptimeNanoseconds: l.uptimeNanoseconds > back ? l.uptimeNanoseconds - back : 0)
        }
        let (sum, overflow) = l.uptimeNanoseconds.addingReportingOverflow(UInt64(r.nanoseconds))
        return overflow || sum > Deadline.distantFuture.uptimeNanoseconds ? .distantFuture : Deadline(uptimeNanoseconds: sum)
    }

    public static func - (l: Deadline, r: Deadline) -> TimeAmount {
        TimeAmount(nanoseconds: Int64(bitPattern: l.uptimeNanoseconds &- r.uptimeNanoseconds))
    }

    public var description: String { "Deadline(\(uptimeNanoseconds)ns)" }
}
