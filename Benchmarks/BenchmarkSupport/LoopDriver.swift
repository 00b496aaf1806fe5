import SwiftEV

/// A workload that runs on one loop and counts its operations (loop-confined; its members are
/// read through `loop.submit`).
public protocol LoopDriver: AnyObject, Sendable {
    var ops: UInt64 { get }
    var errors: UInt64 { get }
    var firstError: String? { get }
    /// Stops issuing; completes `promise` once every outstanding operation has finished.
    func stop(_ promise: EventLoopPromise<Void>)
}

/// Lets `driver` (already started on `loop`) warm up, measures `duration` seconds, stops it,
/// and returns the measurement, or the first failure with how many there were.
public func measure(_ driver: some LoopDriver, on loop: any EventLoop, warmup: Double, duration: Double) throws
    -> Result<BenchmarkMeasurement, BenchmarkFailure> {
    sleep(seconds: warmup)
    let start = try loop.submit { Snapshot.take(ops: driver.ops, errors: driver.errors) }.wait()
    sleep(seconds: duration)
    let end = try loop.submit { Snapshot.take(ops: driver.ops, errors: driver.errors) }.wait()
    try loop.submit { () -> EventLoopFuture<Void> in
        let stopped = loop.makePromise(of: Void.self)
        driver.stop(stopped)
        return stopped.futureResult
    }.wait().wait()
    if let failure = try loop.submit({ driver.firstError.map { BenchmarkFailure(count: driver.errors, first: $0) } }).wait() {
        return .failure(failure)
    }
    return .success(BenchmarkMeasurement(from: start, to: end))
}

/// Operations of a benchmark run that failed.
public struct BenchmarkFailure: Error, CustomStringConvertible {
    public var count: UInt64
    public var first: String
    public var description: String { "\(count) command(s) failed, the first with: \(first)" }
}
