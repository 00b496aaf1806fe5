// Shared by the benchmark executables: CPU and allocation snapshots, and keys written in place.
import Foundation
import RESP
import SwiftEV
#if canImport(Glibc)
import Glibc
#endif


/// The malloc counter of libmalloccount.so, when it is preloaded.
public let mallocCount: (@convention(c) () -> UInt64)? = {
    guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "swiftev_malloc_count") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) () -> UInt64).self)
}()

public struct Snapshot: Sendable {
    public var ops: UInt64
    public var errors: UInt64
    var allocations: UInt64?
    var user: Double  // seconds
    var system: Double
    var wall: Double

    public static func take(ops: UInt64, errors: UInt64) -> Snapshot {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return Snapshot(ops: ops, errors: errors, allocations: mallocCount?(), user: seconds(usage.ru_utime),
                        system: seconds(usage.ru_stime), wall: Double(now.tv_sec) + Double(now.tv_nsec) / 1e9)
    }
}

public struct BenchmarkMeasurement {
    public var opsPerSecond: Double
    public var userMicrosPerOp: Double
    public var systemMicrosPerOp: Double
    public var allocationsPerOp: Double?
    public var errors: UInt64
    public var cpuMicrosPerOp: Double { userMicrosPerOp + systemMicrosPerOp }

    public init(from a: Snapshot, to b: Snapshot) {
        let ops = Double(b.ops - a.ops)
        opsPerSecond = ops / (b.wall - a.wall)
        userMicrosPerOp = (b.user - a.user) * 1e6 / ops
        systemMicrosPerOp = (b.system - a.system) * 1e6 / ops
        allocationsPerOp = b.allocations.flatMap { end in a.allocations.map { Double(end - $0) / ops } }
        errors = b.errors - a.errors
    }

    /// Phases run one after another (redis-benchmark's `-t set,get`), combined as
    /// redis-benchmark combines them: as if each phase had run the same number of operations,
    /// so ops/s is their harmonic mean and the per-op figures their average.
    public init(combining phases: [BenchmarkMeasurement]) {
        precondition(!phases.isEmpty, "no phase measured")
        let n = Double(phases.count)
        opsPerSecond = n / phases.reduce(0) { $0 + 1 / $1.opsPerSecond }
        userMicrosPerOp = phases.reduce(0) { $0 + $1.userMicrosPerOp } / n
        systemMicrosPerOp = phases.reduce(0) { $0 + $1.systemMicrosPerOp } / n
        allocationsPerOp = phases.allSatisfy { $0.allocationsPerOp != nil }
            ? phases.reduce(0) { $0 + $1.allocationsPerOp! } / n : nil
        errors = phases.reduce(0) { $0 + $1.errors }
    }
}

/// `key:%012d`, written straight into the command like redis-benchmark's `-r` keys (it patches
/// random digits into a prepared command): no per-key `String`, so no cache miss on one of
/// 10,000 heap strings per command, which measured ~7% of the client's time.
public struct BenchmarkKey: RESPArgument {
    public var index: Int

    public init(index: Int) { self.index = index }

    public func writeRESPBulk(into buffer: inout ByteBuffer) {
        var text: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &text) { bytes in
            bytes.copyBytes(from: "key:".utf8)
            var rest = index
            for position in stride(from: 15, through: 4, by: -1) {
                bytes[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            buffer.writeRESPBulk(bytes: UnsafeRawBufferPointer(bytes))
        }
    }
}

/// Sleeps the calling thread (not a loop) for `seconds`.
public func sleep(seconds: Double) {
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}
