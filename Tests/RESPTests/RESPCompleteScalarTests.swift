import XCTest
@testable import RESP
import SwiftEV

/// Whole scalars decoded in one step (`decodeCompleteScalar`) must give exactly what the
/// line-by-line path gives: same values, same errors at the same offsets.
final class RESPCompleteScalarTests: XCTestCase {
    /// What decoding `input` yields: the values, then the error if one is thrown.
    private struct Outcome: Equatable {
        var values: [RESPValue] = []
        var error: RESPProtocolError?
    }

    /// All of `input` at once: whole scalars take the short cut.
    private func decodeWhole(_ input: [UInt8], limits: RESPDecoder.Limits) -> Outcome {
        var decoder = RESPDecoder(limits: limits)
        var buffer = ByteBuffer(bytes: input)
        var outcome = Outcome()
        do {
            while let value = try decoder.decode(&buffer) { outcome.values.append(value) }
        } catch {
            outcome.error = error
        }
        return outcome
    }

    /// One byte at a time: no scalar is ever whole when its line starts, so every one goes
    /// through the line-by-line path.
    private func decodeByteByByte(_ input: [UInt8], limits: RESPDecoder.Limits) -> Outcome {
        var decoder = RESPDecoder(limits: limits)
        var buffer = ByteBuffer()
        var outcome = Outcome()
        do {
            for byte in input {
                buffer.writeInteger(byte)
                while let value = try decoder.decode(&buffer) { outcome.values.append(value) }
            }
        } catch {
            outcome.error = error
        }
        return outcome
    }

    func testWholeScalarsDecodeAsTheLineByLinePathDoes() {
        let inputs = [
            "+OK\r\n", "-ERR wrong type\r\n", "+\r\n", "+a longer simple string than eight bytes\r\n",
            ":0\r\n", ":-1\r\n", ":+5\r\n", ":-0\r\n", ":123456789012345678\r\n", ":1234567890123456789\r\n",
            ":9223372036854775807\r\n", ":-9223372036854775808\r\n", ":9223372036854775808\r\n", ":\r\n", ":-\r\n", ":1x\r\n",
            "$-1\r\n", "$-2\r\n", "$-0\r\n\r\n", "$0\r\n\r\n", "$3\r\nabc\r\n", "$32\r\n" + String(repeating: "v", count: 32) + "\r\n",
            "$3\r\nabcX\n", "$3\r\nabc\rX", "$3\r\nab", "$12\r\n", "$1\r\n\r\r\n",
            "+a\nb\r\n", "+OK\rX", "+OK\r", "-E\n", "$\r\n", "$1 \r\nx\r\n",
            "+OK\r\n:1\r\n$-1\r\n$5\r\nhello\r\n*2\r\n+a\r\n$1\r\nb\r\n:7\r\n",
        ]
        let limitSets = [
            RESPDecoder.Limits(),
            RESPDecoder.Limits(maxBulkLength: 2, maxLineLength: 3),
            RESPDecoder.Limits(maxBulkLength: 0, maxLineLength: 1),
        ]
        for text in inputs {
            for limits in limitSets {
                let input = Array(text.utf8)
                XCTAssertEqual(decodeWhole(input, limits: limits), decodeByteByByte(input, limits: limits), "\(text.debugDescription) with \(limits)")
            }
        }
    }

    func testWholeScalarsAreCountedAsScanned() throws {
        var decoder = RESPDecoder()
        var buffer = ByteBuffer(string: "+OK\r\n:12\r\n$-1\r\n$3\r\nabc\r\n")
        while try decoder.decode(&buffer) != nil {}
        // Each line up to its LF (type byte excluded), each payload's CRLF.
        XCTAssertEqual(decoder.bytesScanned, 4 + 4 + 4 + (3 + 2))
        XCTAssertEqual(decoder.bytesConsumed, 24)
    }
}
