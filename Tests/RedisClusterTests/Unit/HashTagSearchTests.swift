import XCTest
@testable import RedisCluster

/// The word-at-a-time search for `{` and `}` against the obvious byte loop, for every length
/// around the 8-byte steps and the `memchr` cut-over, with the byte at every position.
final class HashTagSearchTests: XCTestCase {
    func testFindsTheFirstMatchWhereverItIs() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...80 {
            for _ in 0..<20 {
                // Bytes near the searched one (0x7A…0x7C, 0xFB) catch borrow mistakes.
                let alphabet: [UInt8] = [0x7A, 0x7B, 0x7C, 0x7D, 0xFB, 0x00, 0x01, 0x80, UInt8(ascii: "a")]
                let key = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
                for from in 0...length {
                    for byte: UInt8 in [0x7B, 0x7D] {
                        let expected = key[from...].firstIndex(of: byte)
                        let found = key.withUnsafeBufferPointer { HashSlot.firstIndex(of: byte, in: $0, from: from) }
                        XCTAssertEqual(found, expected, "key \(key), from \(from), byte \(byte)")
                    }
                }
            }
        }
    }

    func testSlotsWithTagsAtEveryPosition() {
        // The tag rules (first `{`, first `}` after it, non-empty) with the tag anywhere in keys
        // longer than one word: each key hashes like its tag alone.
        for prefix in 0...20 {
            for suffix in [0, 1, 7, 8, 9, 70] {
                let key = String(repeating: "p", count: prefix) + "{tag}" + String(repeating: "s", count: suffix)
                XCTAssertEqual(HashSlot.slot(forKey: key), HashSlot.slot(forKey: "tag"), key)
            }
            let empty = String(repeating: "p", count: prefix) + "{}x"
            XCTAssertEqual(HashSlot.slot(forKey: empty), bitwiseSlot(Array(empty.utf8)), "an empty tag hashes the whole key")
        }
    }

    func testFourTwoAndOneByteStepsAgainstTheBitwiseCRC() {
        // Every length around the four-byte steps and the two- and one-byte tails, whole keys and
        // tags starting at every alignment, over all byte values but the braces.
        var generator = SystemRandomNumberGenerator()
        let alphabet = (0...255).map(UInt8.init).filter { $0 != 0x7B && $0 != 0x7D }
        for length in 0...40 {
            for _ in 0..<10 {
                let key = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
                XCTAssertEqual(HashSlot.slot(forKey: key), bitwiseSlot(key), "key \(key)")
                guard length > 0 else { continue }
                for prefix in 0..<4 {
                    let tagged = Array(repeating: UInt8(ascii: "p"), count: prefix) + [0x7B] + key + [0x7D, 0x7D]
                    XCTAssertEqual(HashSlot.slot(forKey: tagged), bitwiseSlot(key), "tag \(key) after \(prefix) bytes")
                }
            }
        }
    }

    func testCRCTablesAreTheBitwiseCRC() {
        XCTAssertEqual(HashSlot.crcTables.count, 4 * 256)
        for zeros in 0..<4 {
            for byte in 0...255 {
                let expected = bitwiseCRC([UInt8(byte)] + Array(repeating: 0, count: zeros))
                XCTAssertEqual(HashSlot.crcTables[zeros * 256 + byte], expected, "byte \(byte), \(zeros) zero bytes")
            }
        }
    }

    /// CRC16-XMODEM one bit at a time, mod 16384: the specification's definition.
    private func bitwiseSlot(_ key: [UInt8]) -> Int {
        Int(bitwiseCRC(key) & 0x3FFF)
    }

    private func bitwiseCRC(_ key: [UInt8]) -> UInt16 {
        var crc: UInt16 = 0
        for byte in key {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        return crc
    }
}
