import SwiftEV
import SwiftEVHTTP
import XCTest

/// A request part in a form tests can compare; body pieces of one request are merged, so
/// the same stream cut at different points yields equal lists.
enum Parsed: Equatable, CustomStringConvertible {
    case head(method: String, target: String, version: String, headers: [String], keepAlive: Bool, expectsContinue: Bool)
    case body(String)
    case end

    var description: String {
        switch self {
        case .head(let m, let t, let v, let h, let k, let e): "head(\(m) \(t) \(v) \(h) keepAlive=\(k) continue=\(e))"
        case .body(let b): "body(\(b.debugDescription))"
        case .end: "end"
        }
    }

    static func head(_ method: String, _ target: String, _ headers: [String], version: String = "HTTP/1.1", keepAlive: Bool = true, expectsContinue: Bool = false) -> Parsed {
        .head(method: method, target: target, version: version, headers: headers, keepAlive: keepAlive, expectsContinue: expectsContinue)
    }
}

/// The outcome of parsing a whole stream.
struct ParseOutcome: Equatable {
    var parts: [Parsed] = []
    var error: HTTPParseError?
    /// Bytes consumed when the stream ended without error.
    var consumed = 0
}

/// Parses `input` fed in pieces at `cuts` (offsets), like reads from a socket.
func parse(_ input: [UInt8], cuts: [Int] = [], limits: HTTPRequestParser.Limits = .default) -> ParseOutcome {
    var parser = HTTPRequestParser(limits: limits)
    var buffer = ByteBuffer()
    var outcome = ParseOutcome()
    var start = 0
    for end in cuts + [input.count] where end >= start {
        buffer.writeBytes(input[start..<end])
        start = end
        do {
            while let part = try parser.next(&buffer) { outcome.parts.append(summary(part)) }
        } catch {
            outcome.error = error
            return outcome
        }
    }
    outcome.consumed = parser.bytesConsumed
    outcome.parts = mergeBodies(outcome.parts)
    return outcome
}

func parse(_ input: String, cuts: [Int] = [], limits: HTTPRequestParser.Limits = .default) -> ParseOutcome {
    parse(Array(input.utf8), cuts: cuts, limits: limits)
}

func summary(_ part: HTTPRequestPart) -> Parsed {
    switch part {
    case .head(let head):
        return .head(method: head.method.description, target: head.target, version: head.version.description,
                     headers: head.headers.fields.map { "\($0.name): \($0.value)" },
                     keepAlive: head.keepAlive, expectsContinue: head.expectsContinue)
    case .body(let body):
        return .body(String(buffer: body))
    case .end:
        return .end
    }
}

func mergeBodies(_ parts: [Parsed]) -> [Parsed] {
    var merged: [Parsed] = []
    for part in parts {
        if case .body(let more) = part, case .body(let earlier)? = merged.last {
            merged[merged.count - 1] = .body(earlier + more)
        } else {
            merged.append(part)
        }
    }
    return merged
}

/// Asserts that `input` is refused with `kind`, and that the error names the status.
func assertRefused(
    _ input: String, _ kind: HTTPParseError.Kind, status: Int, limits: HTTPRequestParser.Limits = .default,
    file: StaticString = #filePath, line: UInt = #line
) {
    let outcome = parse(input, limits: limits)
    guard let error = outcome.error else {
        XCTFail("accepted: \(outcome.parts)", file: file, line: line)
        return
    }
    XCTAssertEqual(error.kind, kind, file: file, line: line)
    XCTAssertEqual(error.status.code, status, file: file, line: line)
}
