import CAllocationCounter
import RESP
import SwiftEV
import SwiftEVTesting
import XCTest
@testable import Redis

/// A bulk reply larger than one read is gathered into storage of its own size, reserved when
/// its header arrives, so each of its bytes is copied once: appending read after read to a
/// buffer that grows by doubling copies it again at every step and allocates about twice its
/// size. Checked by the bytes allocated while the reads arrive.
final class LargeReplyGatheringTests: XCTestCase {
    private func decoding() -> EmbeddedByteChannel<RESPValue, ByteBuffer> {
        EmbeddedByteChannel { $0.adding(RESPDecodingStage(node: "test:1")) }
    }

    private func reads(of payload: [UInt8], chunk: Int, then trailer: String) -> [ByteBuffer] {
        var wire = ByteBuffer(capacity: payload.count + 64)
        wire.writeString("$\(payload.count)\r\n")
        wire.writeBytes(payload)
        wire.writeString("\r\n" + trailer)
        var reads: [ByteBuffer] = []
        while wire.readableBytes > 0 {
            // Each read in storage of its own, like the socket's.
            reads.append(ByteBuffer(bytes: wire.readSlice(length: min(chunk, wire.readableBytes))!.readableBytesArray))
        }
        return reads
    }

    func testALargeBulkReplyIsCopiedOnceIntoStorageOfItsSize() throws {
        try XCTSkipUnless(swiftev_allocation_counter_available(), "the allocation counter is off in sanitizer builds")
        let size = 4 << 20
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 131) }
        // The last read also carries the next reply: it must not make the reserved storage grow.
        let reads = reads(of: payload, chunk: 64 * 1024 + 7, then: "+OK\r\n")
        let channel = decoding()

        swiftev_allocation_counter_start()
        for read in reads { try channel.writeInbound(read) }
        _ = swiftev_allocation_counter_stop()
        let allocated = Int(swiftev_allocation_counter_bytes())

        let values = channel.readAllInbound()
        XCTAssertEqual(values, [.bulkString(ByteBuffer(bytes: payload)), .simpleString(ByteBuffer(string: "OK"))])
        // One buffer of the reply's size, plus small change; doubling allocates over 2x.
        XCTAssertLessThan(allocated, size + size / 4, "bytes allocated while gathering a \(size)-byte reply")
        XCTAssertGreaterThanOrEqual(allocated, size, "the reply's storage is allocated while it arrives")
    }

    func testABulkSplitInsideAnArrayIsGatheredWhole() throws {
        // The reservation only covers the pending bulk; the elements after it still decode.
        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0) }
        var wire = ByteBuffer()
        wire.writeString("*3\r\n$\(payload.count)\r\n")
        wire.writeBytes(payload)
        wire.writeString("\r\n:7\r\n$2\r\nok\r\n")
        let channel = decoding()
        for split in [10, 3_000, 99_990, 100_016] {
            var rest = wire
            try channel.writeInbound(ByteBuffer(bytes: rest.readSlice(length: split)!.readableBytesArray))
            XCTAssertTrue(channel.readAllInbound().isEmpty)
            try channel.writeInbound(ByteBuffer(bytes: rest.readableBytesArray))
            XCTAssertEqual(channel.readAllInbound(), [.array([.bulkString(ByteBuffer(bytes: payload)), .integer(7), .bulkString(ByteBuffer(string: "ok"))])],
                           "split at \(split)")
        }
    }
}
