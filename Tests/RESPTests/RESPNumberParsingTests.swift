import XCTest
@testable import RESP
import SwiftEV

final class RESPNumberParsingTests: XCTestCase {
    private func parseDouble(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { RESPNumberParsing.parseDouble($0, 0..<$0.count) }
    }

    private func parseInteger(_ text: String) -> RESPNumberParsing.IntegerResult {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { RESPNumberParsing.parseInteger($0, 0..<$0.count) }
    }

    /// The hand-written fast path must agree bit for bit with the standard library's parser.
    func testDoublesAgreeWithStandardLibrary() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let d = Double(bitPattern: rng.next())
            guard d.isFinite else { continue }
            XCTAssertEqual(parseDouble(d.description)?.bitPattern, d.bitPattern, d.description)
        }
        for _ in 0..<20_000 {
            // Short decimals with exponents: the range the exact fast path covers.
            let mantissa = Int.random(in: -999_999_999...999_999_999, using: &rng)
            let exponent = Int.random(in: -30...30, using: &rng)
            let point = Int.random(in: 0...9, using: &rng)
            var digits = String(mantissa.magnitude)
            if point < digits.count { digits.insert(".", at: digits.index(digits.startIndex, offsetBy: point)) }
            let text = (mantissa < 0 ? "-" : "") + digits + "e\(exponent)"
            XCTAssertEqual(parseDouble(text)?.bitPattern, Double(text)?.bitPattern, text)
        }
    }

    func testDoubleEdgeCases() {
        XCTAssertEqual(parseDouble("9007199254740993"), 9_007_199_254_740_992) // 2^53 + 1 rounds to even
        XCTAssertEqual(parseDouble("0.000000000000000000000000000001"), 1e-30)
        XCTAssertEqual(parseDouble("-0")?.sign, .minus)
        XCTAssertEqual(parseDouble("1e-99999999"), 0)
        XCTAssertEqual(parseDouble("1e99999999"), .infinity)
        XCTAssertEqual(parseDouble(String(repeating: "1", count: 400)), Double(String(repeating: "1", count: 400)))
        XCTAssertNil(parseDouble("1e"))
        XCTAssertNil(parseDouble("in"))
    }

    func testIntegers() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let n = Int64(bitPattern: rng.next())
            XCTAssertEqual(parseInteger(String(n)), .value(n))
        }
        XCTAssertEqual(parseInteger("18446744073709551615"), .overflow)
        XCTAssertEqual(parseInteger("18446744073709551616"), .overflow)
        XCTAssertEqual(parseInteger("-0"), .value(0))
        XCTAssertEqual(parseInteger("1-"), .invalid(at: 1))
        XCTAssertEqual(parseInteger("+"), .invalid(at: nil))
    }

    func testDefaultLimitsAreTheDocumentedOnes() {
        let limits = RESPDecoder.Limits.default
        XCTAssertEqual(limits.maxDepth, 128)
        XCTAssertEqual(limits.maxAggregateLength, 16_777_216)
        XCTAssertEqual(limits.maxBulkLength, 536_870_912)
        XCTAssertEqual(limits.maxLineLength, 65_536)
        XCTAssertEqual(RESPDecoder().limits, limits)
    }
}
