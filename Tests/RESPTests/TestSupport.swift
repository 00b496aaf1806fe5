import XCTest
@testable import RESP
import SwiftEV

/// Decodes every complete value in `input` with a fresh decoder.
func decodeAll(_ input: String, limits: RESPDecoder.Limits = .default) throws -> [RESPValue] {
    try decodeAll(Array(input.utf8), limits: limits)
}

func decodeAll(_ input: [UInt8], limits: RESPDecoder.Limits = .default) throws -> [RESPValue] {
    var decoder = RESPDecoder(limits: limits)
    var buffer = ByteBuffer(bytes: input)
    var values: [RESPValue] = []
    while let value = try decoder.decode(&buffer) { values.append(value) }
    return values
}

/// Decodes exactly one value that must use up all of `input`.
func decodeOne(_ input: String, limits: RESPDecoder.Limits = .default, file: StaticString = #filePath, line: UInt = #line) throws -> RESPValue {
    var decoder = RESPDecoder(limits: limits)
    var buffer = ByteBuffer(string: input)
    let value = try XCTUnwrap(try decoder.decode(&buffer), "incomplete: \(input.debugDescription)", file: file, line: line)
    XCTAssertEqual(buffer.readableBytes, 0, "bytes left over", file: file, line: line)
    XCTAssertFalse(decoder.hasPartialValue, file: file, line: line)
    return value
}

/// The protocol error that decoding `input` throws, failing the test if it throws none.
func protocolError(_ input: String, limits: RESPDecoder.Limits = .default, file: StaticString = #filePath, line: UInt = #line) -> RESPProtocolError? {
    protocolError(Array(input.utf8), limits: limits, file: file, line: line)
}

func protocolError(_ input: [UInt8], limits: RESPDecoder.Limits = .default, file: StaticString = #filePath, line: UInt = #line) -> RESPProtocolError? {
    var decoder = RESPDecoder(limits: limits)
    var buffer = ByteBuffer(bytes: input)
    do {
        while try decoder.decode(&buffer) != nil {}
        XCTFail("no error for \(String(decoding: input, as: UTF8.self).debugDescription)", file: file, line: line)
        return nil
    } catch {
        return error
    }
}

func encoded(_ value: RESPValue) -> String {
    var out = ByteBuffer()
    value.encode(into: &out)
    return String(buffer: out)
}
