import CAllocationCounter
import RESP
import SwiftEV
import XCTest

/// The allocation regression gate of the RESP decoder (issue 7, "Also wanted"): heap
/// allocations per decoded reply, against today's figures (debug build) plus a small margin.
final class RESPAllocationGateTests: XCTestCase {
    /// `$5\r\nhello\r\n`: the value is a slice of the read buffer (measured 0 on 2026-12-01).
    static let bulkStringThreshold = 0.05
    /// `*3` of three bulk strings: the array's storage only (measured 1 on 2026-12-01).
    static let arrayThreshold = 1.05

    func testDecodingOneBulkStringReplyAllocations() throws {
        let perReply = try allocationsPerReply("$5\r\nhello\r\n")
        print("allocation gate: decode bulk string reply: \(perReply) allocations (threshold \(Self.bulkStringThreshold))")
        XCTAssertLessThanOrEqual(perReply, Self.bulkStringThreshold)
    }

    func testDecodingOneArrayReplyAllocations() throws {
        let perReply = try allocationsPerReply("*3\r\n$3\r\nfoo\r\n$3\r\nbar\r\n$3\r\nbaz\r\n")
        print("allocation gate: decode array reply: \(perReply) allocations (threshold \(Self.arrayThreshold))")
        XCTAssertLessThanOrEqual(perReply, Self.arrayThreshold)
    }

    /// Decodes `reply` from the same received bytes many times (as a connection decodes each
    /// reply out of its read buffer) and returns the allocations per decode.
    private func allocationsPerReply(_ reply: String) throws -> Double {
        try XCTSkipUnless(swiftev_allocation_counter_available(), "the allocation counter is off in sanitizer builds")
        let received = ByteBuffer(string: reply)
        var decoder = RESPDecoder()
        func decode(_ count: Int) throws -> Int {
            var decoded = 0
            for _ in 0..<count {
                var buffer = received
                guard let value = try decoder.decode(&buffer) else { throw IncompleteReply() }
                decoded &+= withExtendedLifetime(value) { 1 }
            }
            return decoded
        }
        _ = try decode(100)  // warm-up
        let iterations = 10_000
        swiftev_allocation_counter_start()
        let decoded = try decode(iterations)
        let allocations = swiftev_allocation_counter_stop()
        XCTAssertEqual(decoded, iterations)
        return Double(allocations) / Double(iterations)
    }
}

private struct IncompleteReply: Error {}
