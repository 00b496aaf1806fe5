#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The cluster's key → slot function: CRC16-XMODEM of the key, or of its hash tag, mod 16384.
///
/// The hash tag is the part between the first `{` and the first `}` after it, when that part
/// is not empty: `{user:42}:cart` and `{user:42}:orders` share a slot; `{}x` hashes whole.
///
/// ```swift
/// HashSlot.slot(forKey: "user:42")          // 10185... whatever the server's CLUSTER KEYSLOT says
/// HashSlot.slot(forKey: Array("{a}b".utf8))
/// ```
public enum HashSlot {
    public static let count = 16384

    public static func slot(forKey key: String) -> Int {
        var key = key
        return key.withUTF8 { slot(forKey: $0) }
    }

    public static func slot<Bytes: Collection>(forKey key: Bytes) -> Int where Bytes.Element == UInt8, Bytes.Index == Int {
        if let contiguous = key.withContiguousStorageIfAvailable({ slot(forKey: $0) }) { return contiguous }
        return Array(key).withUnsafeBufferPointer { slot(forKey: $0) }
    }

    public static func slot(forKey key: UnsafeBufferPointer<UInt8>) -> Int {
        var start = 0, end = key.count
        if let open = firstIndex(of: UInt8(ascii: "{"), in: key, from: 0),
           let close = firstIndex(of: UInt8(ascii: "}"), in: key, from: open + 1), close > open + 1 {
            start = open + 1
            end = close
        }
        return crcTables.withUnsafeBufferPointer { tables in
            guard let base = key.baseAddress else { return 0 }
            // Four bytes per step (the latency chain is the table loads, and the instructions per
            // byte halve again against two per step): with x = crc << 16 ^ (b0 b1 b2 b3), the CRC
            // of the four bytes is the xor of four tables, table k giving a byte followed by k
            // zero bytes, by linearity. `&` operators: indices are bytes, no overflow possible.
            var crc: UInt32 = 0
            var i = start
            while i &+ 4 <= end {
                let x = crc &<< 16 ^ UInt32(bigEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt32.self))
                crc = UInt32(tables[768 &+ Int(x &>> 24)] ^ tables[512 &+ Int(x &>> 16 & 0xFF)]
                    ^ tables[256 &+ Int(x &>> 8 & 0xFF)] ^ tables[Int(x & 0xFF)])
                i &+= 4
            }
            if i &+ 2 <= end {
                let x = crc ^ (UInt32(base[i]) &<< 8 | UInt32(base[i &+ 1]))
                crc = UInt32(tables[256 &+ Int(x &>> 8)] ^ tables[Int(x & 0xFF)])
                i &+= 2
            }
            if i < end {
                crc = (crc &<< 8 & 0xFFFF) ^ UInt32(tables[Int(UInt8(truncatingIfNeeded: crc &>> 8) ^ base[i])])
            }
            return Int(crc & 0x3FFF)
        }
    }

    /// The first `byte` in `bytes[from...]`. Keys are mostly short: eight bytes per step in
    /// registers, where a `memchr` call would cost more than the search (measured with callgrind
    /// on `RoutingBench`); long keys still get `memchr`'s vector loop.
    @inline(__always)
    static func firstIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        if count - from > 64 {
            guard let found = memchr(base + from, Int32(byte), count - from) else { return nil }
            return UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
        }
        let pattern = 0x0101_0101_0101_0101 &* UInt64(byte)
        var i = from
        while i + 8 <= count {
            if let offset = match(pattern, at: base + i) { return i + offset }
            i += 8
        }
        if i < count, count - from >= 8 {
            // The tail in one more word, the last eight bytes: the ones it shares with the word
            // before were no match, so its first match is the first one.
            return match(pattern, at: base + count - 8).map { count - 8 + $0 }
        }
        while i < count {
            if base[i] == byte { return i }
            i += 1
        }
        return nil
    }

    /// The offset of the first byte equal to `pattern`'s in the eight bytes at `pointer`.
    @inline(__always)
    private static func match(_ pattern: UInt64, at pointer: UnsafePointer<UInt8>) -> Int? {
        let ones: UInt64 = 0x0101_0101_0101_0101
        // A zero byte in `word ^ pattern` is a match: the classic "has zero byte" test, whose
        // lowest set high bit is exact (bits above it may be false positives, never below).
        let word = UInt64(littleEndian: UnsafeRawPointer(pointer).loadUnaligned(as: UInt64.self)) ^ pattern
        let zeros = (word &- ones) & ~word & (ones &* 0x80)
        return zeros != 0 ? zeros.trailingZeroBitCount / 8 : nil
    }
}
