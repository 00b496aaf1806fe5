import Foundation
import SwiftEV

/// Scheduler figures of one thread of this process, to tell how busy an event loop was over a
/// phase: on a CPU or waiting for one nearly all the wall time, the loop (not the load offered
/// to it) is what limits the throughput.
public struct ChaosThreadCPU: Sendable {
    public var name: String
    public var tid: Int32

    /// The thread running `loop`, asked on the loop itself.
    public static func of(_ loop: any EventLoop, name: String) async throws -> ChaosThreadCPU {
        ChaosThreadCPU(name: name, tid: try await loop.submit { currentTID() }.get())
    }

    /// `/proc/thread-self` links to `<pid>/task/<tid>` (Glibc's `gettid` is not imported).
    static func currentTID() -> Int32 {
        var buffer = [CChar](repeating: 0, count: 64)
        let count = readlink("/proc/thread-self", &buffer, buffer.count - 1)
        guard count > 0 else { return -1 }
        let link = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return link.split(separator: "/").last.flatMap { Int32($0) } ?? -1
    }

    /// Seconds spent on a CPU and seconds spent runnable waiting for one, so far, from
    /// `/proc/self/task/<tid>/schedstat` (nil when the thread or /proc is gone). On a shared
    /// machine a loop that always has work is on a CPU only its share of the time, and waits
    /// the rest: the two together near the wall time mean the loop is saturated.
    public func seconds() -> (running: Double, waiting: Double)? {
        guard let text = try? String(contentsOfFile: "/proc/self/task/\(tid)/schedstat", encoding: .utf8) else { return nil }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 2, let running = Double(fields[0]), let waiting = Double(fields[1]) else { return nil }
        return (running / 1e9, waiting / 1e9)
    }
}
