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
        if let base = key.baseAddress, let open = memchr(base, Int32(UInt8(ascii: "{")), key.count) {
            let openIndex = UnsafePointer<UInt8>(open.assumingMemoryBound(to: UInt8.self)) - base
            if let close = memchr(base + openIndex + 1, Int32(UInt8(ascii: "}")), key.count - openIndex - 1) {
                let closeIndex = UnsafePointer<UInt8>(close.assumingMemoryBound(to: UInt8.self)) - base
                if closeIndex > openIndex + 1 {
                    start = openIndex + 1
                    end = closeIndex
                }
            }
        }
        return crcTables.withUnsafeBufferPointer { tables in
            // Two bytes per step (the latency chain is the table load, so halving the steps
            // halves the time): with x = crc ^ (b0 << 8 | b1), the CRC of the two bytes is
            // twoBytes[x >> 8] ^ oneByte[x & 0xFF], by linearity.
            var crc: UInt16 = 0
            var i = start
            while i + 1 < end {
                let x = crc ^ (UInt16(key[i]) << 8 | UInt16(key[i + 1]))
                crc = tables[256 + Int(x >> 8)] ^ tables[Int(x & 0xFF)]
                i += 2
            }
            if i < end {
                crc = (crc << 8) ^ tables[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ key[i])]
            }
            return Int(crc & 0x3FFF)
        }
    }

    /// CRC16-XMODEM (polynomial 0x1021, initial value 0), one entry per byte value.
    static let crcTable: [UInt16] = (0..<256).map { byte in
        var crc = UInt16(byte) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }

    /// `crcTable`, then the CRC of each byte value followed by a zero byte.
    static let crcTables: [UInt16] = crcTable + crcTable.map { ($0 << 8) ^ crcTable[Int($0 >> 8)] }
}
