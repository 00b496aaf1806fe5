import XCTest
@testable import RESP
import SwiftEV

final class RESPDecodableTests: XCTestCase {
    private func mismatch<T: RESPDecodable>(_ value: RESPValue, as type: T.Type, file: StaticString = #filePath, line: UInt = #line) -> RESPDecodingError? {
        do {
            let result = try value.decode(as: T.self)
            XCTFail("decoded \(result) from \(value)", file: file, line: line)
        } catch let error as RESPDecodingError {
            return error
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return nil
    }

    func testStrings() throws {
        XCTAssertEqual(try RESPValue.bulkString("héllo").decode(as: String.self), "héllo")
        XCTAssertEqual(try RESPValue.simpleString("OK").decode(as: String.self), "OK")
        XCTAssertEqual(try RESPValue.verbatimString(format: "txt", text: "v").decode(as: String.self), "v")
        XCTAssertEqual(try RESPValue.integer(-3).decode(as: String.self), "-3")
        XCTAssertEqual(try RESPValue.double(2.5).decode(as: String.self), "2.5")
        XCTAssertEqual(try RESPValue.bigNumber("123").decode(as: String.self), "123")
        XCTAssertEqual(try RESPValue.bulkString("raw").decode(as: ByteBuffer.self), "raw")
        XCTAssertEqual(try RESPValue.bulkString(ByteBuffer(bytes: [0, 255])).decode(as: [UInt8].self), [0, 255])
        XCTAssertEqual(try RESPValue.array([.integer(1), .integer(255)]).decode(as: [UInt8].self), [1, 255])
        let error = mismatch(.bulkString(nil), as: String.self)
        XCTAssertEqual(error?.expected, "String")
        XCTAssertEqual(error?.actual, "null bulk string")
        XCTAssertEqual(mismatch(.array([]), as: ByteBuffer.self)?.actual, "array")
        XCTAssertEqual(mismatch(.boolean(true), as: [UInt8].self)?.actual, "boolean")
    }

    func testIntegers() throws {
        XCTAssertEqual(try RESPValue.integer(42).decode(as: Int.self), 42)
        XCTAssertEqual(try RESPValue.integer(.min).decode(as: Int64.self), .min)
        XCTAssertEqual(try RESPValue.bulkString("-17").decode(as: Int.self), -17)
        XCTAssertEqual(try RESPValue.simpleString("5").decode(as: Int32.self), 5)
        XCTAssertEqual(try RESPValue.bigNumber("12").decode(as: UInt64.self), 12)
        XCTAssertEqual(try RESPValue.integer(255).decode(as: UInt8.self), 255)
        XCTAssertEqual(mismatch(.integer(300), as: UInt8.self)?.detail, "300 is out of range")
        XCTAssertNotNil(mismatch(.integer(-1), as: UInt.self))
        XCTAssertEqual(mismatch(.bulkString("abc"), as: Int.self)?.description, "cannot decode Int from bulk string: \"abc\" is not a 64-bit decimal integer")
        XCTAssertNotNil(mismatch(.bigNumber("99999999999999999999"), as: Int.self))
        XCTAssertEqual(mismatch(.double(1.0), as: Int.self)?.actual, "double")
    }

    func testDoublesAndBooleans() throws {
        XCTAssertEqual(try RESPValue.double(1.25).decode(as: Double.self), 1.25)
        XCTAssertEqual(try RESPValue.integer(3).decode(as: Double.self), 3)
        XCTAssertEqual(try RESPValue.bulkString("3.5").decode(as: Double.self), 3.5)
        XCTAssertEqual(try RESPValue.bulkString("-inf").decode(as: Double.self), -.infinity)
        XCTAssertNotNil(mismatch(.bulkString("x1"), as: Double.self))
        XCTAssertEqual(try RESPValue.boolean(true).decode(as: Bool.self), true)
        XCTAssertEqual(try RESPValue.integer(0).decode(as: Bool.self), false)
        XCTAssertEqual(try RESPValue.integer(1).decode(as: Bool.self), true)
        XCTAssertEqual(mismatch(.integer(2), as: Bool.self)?.detail, "2 is neither 0 nor 1")
        XCTAssertNotNil(mismatch(.simpleString("OK"), as: Bool.self))
    }

    func testOptionals() throws {
        XCTAssertNil(try RESPValue.null.decode(as: String?.self))
        XCTAssertNil(try RESPValue.bulkString(nil).decode(as: String?.self))
        XCTAssertNil(try RESPValue.array(nil).decode(as: [Int]?.self))
        XCTAssertEqual(try RESPValue.bulkString("x").decode(as: String?.self), "x")
        XCTAssertEqual(try RESPValue.array([.bulkString("a"), .bulkString(nil)]).decode(as: [String?].self), ["a", nil])
        XCTAssertNotNil(mismatch(.array(nil), as: [Int].self))
    }

    func testCollections() throws {
        XCTAssertEqual(try RESPValue.array([.integer(1), .integer(2)]).decode(as: [Int].self), [1, 2])
        XCTAssertEqual(try RESPValue.set([.bulkString("a"), .bulkString("b")]).decode(as: Set<String>.self), ["a", "b"])
        XCTAssertEqual(try RESPValue.array([.bulkString("a"), .bulkString("a")]).decode(as: Set<String>.self), ["a"])
        XCTAssertEqual(try RESPValue.push([.bulkString("message")]).decode(as: [String].self), ["message"])
        let map = RESPValue.map([(key: .bulkString("a"), value: .integer(1)), (key: .bulkString("b"), value: .integer(2))])
        XCTAssertEqual(try map.decode(as: [String: Int].self), ["a": 1, "b": 2])
        XCTAssertEqual(try map.decode(as: [String].self), ["a", "1", "b", "2"], "maps flatten like RESP2 replies")
        // RESP2 HGETALL: alternating keys and values.
        let flat = RESPValue.array([.bulkString("f1"), .bulkString("10"), .bulkString("f2"), .bulkString("20")])
        XCTAssertEqual(try flat.decode(as: [String: Int].self), ["f1": 10, "f2": 20])
        XCTAssertEqual(mismatch(.array([.bulkString("k")]), as: [String: String].self)?.detail, "odd number of elements (1)")
        let nested = RESPValue.map([(key: .simpleString("xs"), value: .array([.integer(1), .integer(2)]))])
        XCTAssertEqual(try nested.decode(as: [String: [Int]].self), ["xs": [1, 2]])
        XCTAssertEqual(mismatch(.integer(1), as: [Int].self)?.expected, "Array<Int>")
        XCTAssertNotNil(mismatch(.map([]), as: Set<Int>.self))
        XCTAssertNotNil(mismatch(.set([]), as: [String: Int].self))
    }

    func testServerErrorsAreThrownDistinctly() throws {
        let reply = RESPValue.simpleError("WRONGTYPE Operation against a key holding the wrong kind of value")
        XCTAssertThrowsError(try reply.decode(as: String.self)) { error in
            guard let server = error as? RESPServerError else { return XCTFail("not a server error: \(error)") }
            XCTAssertEqual(server.code, "WRONGTYPE")
            XCTAssertEqual(server.message, "Operation against a key holding the wrong kind of value")
            XCTAssertEqual(server.description, "WRONGTYPE Operation against a key holding the wrong kind of value")
        }
        XCTAssertThrowsError(try RESPValue.bulkError("SYNTAX bad").decode(as: Int?.self)) { error in
            XCTAssertEqual(error as? RESPServerError, RESPServerError(code: "SYNTAX", message: "bad"))
        }
        // Inside an aggregate the element's error surfaces.
        XCTAssertThrowsError(try RESPValue.array([.integer(1), .simpleError("ERR x")]).decode(as: [Int].self)) { error in
            XCTAssertEqual((error as? RESPServerError)?.code, "ERR")
        }
        // RESPValue itself keeps errors as values.
        XCTAssertEqual(try reply.decode(as: RESPValue.self), reply)
        XCTAssertEqual(RESPServerError(text: "LOADING").description, "LOADING")
        XCTAssertNil(RESPServerError(.simpleString("OK")))
    }

    func testAttributesAreLookedThrough() throws {
        let annotated = RESPValue.attribute([(key: .simpleString("ttl"), value: .integer(1))], value: .bulkString("7"))
        XCTAssertEqual(try annotated.decode(as: Int.self), 7)
        XCTAssertEqual(try annotated.decode(as: String?.self), "7")
        XCTAssertNil(try RESPValue.attribute([], value: .null).decode(as: Int?.self))
    }

    func testDecodingStraightFromTheWire() throws {
        let reply = try decodeOne("*3\r\n$1\r\na\r\n$-1\r\n$1\r\nc\r\n")
        XCTAssertEqual(try reply.decode(as: [String?].self), ["a", nil, "c"])
    }
}
