import XCTest
@testable import SwiftEV

final class ByteBufferTests: XCTestCase {
    func testIntegersRoundTripInBothByteOrders() {
        var b = ByteBuffer()
        b.writeInteger(UInt32(0xDEADBEEF))
        b.writeInteger(Int16(-2), endianness: .little)
        XCTAssertEqual(b.readableBytes, 6)
        XCTAssertEqual(b.getInteger(at: 0, as: UInt8.self), 0xDE)
        XCTAssertEqual(b.readInteger(as: UInt32.self), 0xDEADBEEF)
        XCTAssertEqual(b.readInteger(endianness: .little, as: Int16.self), -2)
        XCTAssertNil(b.readInteger(as: UInt8.self))
    }

    func testGrowsAcrossManyWritesAndKeepsBytes() {
        var b = ByteBuffer(capacity: 4)
        for i in 0..<10_000 { b.writeInteger(UInt16(truncatingIfNeeded: i)) }
        XCTAssertEqual(b.readableBytes, 20_000)
        for i in 0..<10_000 { XCTAssertEqual(b.readInteger(as: UInt16.self), UInt16(truncatingIfNeeded: i)) }
    }

    func testSlicesShareStorageAndCopyOnWrite() {
        var b = ByteBuffer(string: "hello world")
        let before = b.storage
        var slice = b.readSlice(length: 5)!
        XCTAssertTrue(slice.storage === before, "a slice must not copy")
        XCTAssertEqual(String(buffer: slice), "hello")
        XCTAssertEqual(slice.readerIndex, 0)
        XCTAssertEqual(slice.capacity, 5)
        slice.writeString("!")
        XCTAssertFalse(slice.storage === before, "writing to a shared slice copies")
        XCTAssertEqual(String(buffer: slice), "hello!")
        XCTAssertEqual(b.readString(length: 6), " world")
    }

    func testCopyOnWriteLeavesOriginalIntact() {
        var a = ByteBuffer(string: "abc")
        var b = a
        b.writeString("def")
        XCTAssertEqual(String(buffer: a), "abc")
        XCTAssertEqual(String(buffer: b), "abcdef")
        a.writeString("X")
        XCTAssertEqual(String(buffer: a), "abcX")
    }

    func testClearReusesUniqueStorage() {
        var b = ByteBuffer(capacity: 1024)
        b.writeString("some bytes")
        let id = ObjectIdentifier(b.storage)  // an identifier, not a reference: storage stays unique
        b.clear()
        XCTAssertEqual(ObjectIdentifier(b.storage), id)
        XCTAssertEqual(b.readableBytes, 0)
        let keep = b
        b.clear()
        XCTAssertFalse(b.storage === keep.storage, "clearing shared storage must not disturb the other owner")
    }

    func testDiscardReadBytesCompacts() {
        var b = ByteBuffer(string: "0123456789")
        _ = b.readString(length: 4)
        b.discardReadBytes()
        XCTAssertEqual(b.readerIndex, 0)
        XCTAssertEqual(String(buffer: b), "456789")
    }

    func testFirstIndexAndBoundsChecks() {
        let b = ByteBuffer(string: "+OK\r\n")
        XCTAssertEqual(b.firstIndex(of: UInt8(ascii: "\r")), 3)
        XCTAssertNil(b.firstIndex(of: UInt8(ascii: "x")))
        XCTAssertNil(b.getSlice(at: 2, length: 10))
        XCTAssertNil(b.getString(at: -1, length: 1))
        XCTAssertEqual(b, ByteBuffer(string: "+OK\r\n"))
        XCTAssertNotEqual(b, ByteBuffer(string: "+OK\r"))
    }

    func testWriteWithUnsafeMutableBytes() {
        var b = ByteBuffer(capacity: 2)
        let n = b.writeWithUnsafeMutableBytes(minimumWritableBytes: 100) { ptr in
            for i in 0..<100 { ptr[i] = UInt8(i) }
            return 100
        }
        XCTAssertEqual(n, 100)
        XCTAssertEqual(b.readBytes(length: 100), Array(0..<100))
    }
}
