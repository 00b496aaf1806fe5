#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SwiftEV

/// The `Date` field line (RFC 9110 IMF-fixdate), formatted once per second.
struct HTTPDateCache {
    private var second = -1
    /// `date: Sun, 06 Nov 1994 08:49:37 GMT\r\n`, rewritten in place (this value is its only owner).
    private var line = ByteBuffer(capacity: 40)

    mutating func write(into buffer: inout ByteBuffer) {
        let now = time(nil)
        if now != second {
            second = now
            format(now)
        }
        buffer.writeBuffer(line)
    }

    private static let days: [StaticString] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months: [StaticString] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private mutating func format(_ seconds: time_t) {
        var t = seconds
        var parts = tm()
        gmtime_r(&t, &parts)
        line.clear()
        line.writeStaticString("date: ")
        line.writeStaticString(Self.days[Int(parts.tm_wday)])
        line.writeStaticString(", ")
        writeTwoDigits(Int(parts.tm_mday))
        line.writeStaticString(" ")
        line.writeStaticString(Self.months[Int(parts.tm_mon)])
        line.writeStaticString(" ")
        line.writeDecimal(Int(parts.tm_year) + 1900)
        line.writeStaticString(" ")
        writeTwoDigits(Int(parts.tm_hour))
        line.writeStaticString(":")
        writeTwoDigits(Int(parts.tm_min))
        line.writeStaticString(":")
        writeTwoDigits(Int(parts.tm_sec))
        line.writeStaticString(" GMT\r\n")
    }

    private mutating func writeTwoDigits(_ n: Int) {
        line.writeInteger(UInt8(ascii: "0") + UInt8(n / 10))
        line.writeInteger(UInt8(ascii: "0") + UInt8(n % 10))
    }
}

extension ByteBuffer {
    /// Writes a non-negative integer in decimal (or hex) without building a String.
    mutating func writeDecimal(_ value: Int, radix: Int = 10) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for any Int in either radix
        withUnsafeMutableBytes(of: &digits) { raw in
            var n = value
            var i = raw.count
            repeat {
                i -= 1
                let d = n % radix
                raw[i] = d < 10 ? UInt8(ascii: "0") + UInt8(d) : UInt8(ascii: "a") + UInt8(d - 10)
                n /= radix
            } while n > 0
            writeBytes(UnsafeRawBufferPointer(rebasing: raw[i...]))
        }
    }
}
