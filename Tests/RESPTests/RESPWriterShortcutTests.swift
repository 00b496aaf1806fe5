import XCTest
@testable import RESP
import SwiftEV

/// The command head written in one go and short bulk strings copied without `memcpy` must be
/// the same bytes as the general writers give.
final class RESPWriterShortcutTests: XCTestCase {
    func testCommandHeadMatchesTheHeaderAndBulkWrittenApart() {
        let names = (0...40).map { String(repeating: "N", count: $0) } + ["é", "日本語のコマンド", String(repeating: "ü", count: 20)]
        for name in names {
            for count in [0, 1, 2, 8, 9, 10, 98, 99, 100, 12345] {
                var fused = ByteBuffer()
                fused.writeRESPCommandHead(name, argumentCount: count)
                var apart = ByteBuffer()
                apart.writeRESPArrayHeader(count: count + 1)
                apart.writeBytes(Array("$\(name.utf8.count)\r\n\(name)\r\n".utf8))
                XCTAssertEqual(fused, apart, "\(name.debugDescription), \(count) arguments")
            }
        }
    }

    func testBulkStringsOfEveryShortLengthAndAround100() {
        for length in Array(0...40) + [99, 100, 101, 1000] {
            let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            var out = ByteBuffer(capacity: 1)
            out.writeBytes([0xAA])  // an offset, so the copy starts unaligned
            payload.withUnsafeBytes { out.writeRESPBulk(bytes: $0) }
            XCTAssertEqual(out.readableBytesArray, [0xAA] + Array("$\(length)\r\n".utf8) + payload + [13, 10], "length \(length)")
        }
    }
}
