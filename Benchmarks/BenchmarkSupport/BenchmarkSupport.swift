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
/// 10,000 heap strings per command, which measured ~7% of the client's time. The bulk string
/// is written in place, digits two at a time, so the harness's share of the client's figures
/// stays small (~400 instructions a key through a stack copy and a digit loop before).
public struct BenchmarkKey: RESPArgument {
    public var index: Int

    public init(index: Int) { self.index = index }

    /// `$16\r\nkey:` + 12 digits + CRLF.
    static var encodedCount: Int { 23 }

    public func writeRESPBulk(into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.encodedCount) { out in
            let p = out.baseAddress!
            let prefix: StaticString = "$16\r\nkey:"
            let digitPairs: StaticString = """
                00010203040506070809101112131415161718192021222324252627282930313233343536373839\
                40414243444546474849505152535455565758596061626364656667686970717273747576777879\
                8081828384858687888990919293949596979899
                """
            let head = UnsafeRawPointer(prefix.utf8Start), pairs = UnsafeRawPointer(digitPairs.utf8Start)
            p.storeBytes(of: head.loadUnaligned(as: UInt64.self), as: UInt64.self)
            p.storeBytes(of: head.load(fromByteOffset: 8, as: UInt8.self), toByteOffset: 8, as: UInt8.self)
            // The last 12 digits of the index, two at a time from the right (`%012d` below 10^12).
            var rest = UInt64(truncatingIfNeeded: index)
            var offset = 19
            while offset >= 9 {
                let pair = Int(truncatingIfNeeded: rest % 100)
                rest /= 100
                p.storeBytes(of: pairs.loadUnaligned(fromByteOffset: pair &* 2, as: UInt16.self),
                             toByteOffset: offset, as: UInt16.self)
                offset -= 2
            }
            p.storeBytes(of: UInt8(ascii: "\r"), toByteOffset: 21, as: UInt8.self)
            p.storeBytes(of: UInt8(ascii: "\n"), toByteOffset: 22, as: UInt8.self)
            return Self.encodedCount
        }
    }
}

/// Sleeps the calling thread (not a loop) for `seconds`.
public func sleep(seconds: Double) {
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}
