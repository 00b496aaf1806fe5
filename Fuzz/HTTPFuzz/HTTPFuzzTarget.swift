import SwiftEV
import SwiftEVHTTP
import SwiftEVTesting

/// libFuzzer entry point. Parses the input whole, in chunks the input itself chooses, and a
/// byte at a time, with small and default limits, and traps when the outcomes disagree; then
/// runs it through the whole server pipeline, which must answer or close, never crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    guard size > 0 else { return 0 }
    for limits in [HTTPOutcome.smallLimits, .default] {
        let whole = HTTPOutcome(input, limits: limits) { $0 }
        var step = 0
        let chunked = HTTPOutcome(input, limits: limits) { remaining in
            // Sizes 1...16 from the input's own bytes, so a crash reproduces from the file alone.
            step += 1
            return min(remaining, Int(input[(step &* 7) % input.count] & 15) + 1)
        }
        whole.expectSame(chunked, "input-chosen chunks", input)
        if limits == HTTPOutcome.smallLimits {
            whole.expectSame(HTTPOutcome(input, limits: limits) { _ in 1 }, "byte at a time", input)
        }
    }
    serve(input)
    return 0
}

/// Everything observable about parsing one stream.
struct HTTPOutcome: Equatable {
    static let smallLimits = HTTPRequestParser.Limits(
        maxRequestLineLength: 32, maxHeaderCount: 4, maxHeaderBytes: 64, maxBodySize: 32, maxChunkLineLength: 16)

    /// Heads as text, body bytes merged per request, ends.
    var parts: [String] = []
    var error: HTTPParseError?
    var consumed = 0

    init(_ input: UnsafeBufferPointer<UInt8>, limits: HTTPRequestParser.Limits, nextSize: (Int) -> Int) {
        var parser = HTTPRequestParser(limits: limits)
        var buffer = ByteBuffer()
        var offset = 0
        var body: [UInt8] = []
        repeat {
            let size = nextSize(input.count - offset)
            // Compact now and then, as the decoder stage does, to check resumption from offsets.
            if offset % 3 == 0 { buffer.discardReadBytes() }
            buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: input[offset..<(offset + size)])))
            offset += size
            do {
                while let part = try parser.next(&buffer) {
                    switch part {
                    case .head(let head):
                        parts.append(Self.describe(head))
                    case .body(let piece):
                        body += piece.readableBytesArray
                    case .end:
                        parts.append("body \(body) end")
                        body = []
                    }
                }
            } catch {
                self.error = error
                do { _ = try parser.next(&buffer); trap("poisoned parser returned", input) } catch let again {
                    if again != error { trap("poisoned parser changed its error", input) }
                }
                break
            }
        } while offset < input.count
        if error == nil { consumed = parser.bytesConsumed }
    }

    /// Reads every field of the head the way an application would.
    static func describe(_ head: HTTPRequestHead) -> String {
        let fields = head.headers.fields
        if fields.count != head.headers.count { fatalError("field count \(head.headers.count) but \(fields.count) fields") }
        for field in fields where head.headers.first(name: field.name) == nil { fatalError("field \(field.name) not found by name") }
        return "\(head.method) \(head.target) \(head.path) \(head.query ?? "-") \(head.version) \(fields) "
            + "keepAlive=\(head.keepAlive) continue=\(head.expectsContinue) length=\(head.contentLength ?? -1) chunked=\(head.isChunked)"
    }

    func expectSame(_ other: HTTPOutcome, _ what: String, _ input: UnsafeBufferPointer<UInt8>) {
        if self != other { trap("\(what) disagrees with one-shot parsing:\n  one-shot: \(self)\n  \(what): \(other)", input) }
    }
}

/// The input as the bytes of one connection to a server that answers every request at once.
func serve(_ input: UnsafeBufferPointer<UInt8>) {
    let loop = EmbeddedEventLoop()
    var configuration = HTTPServerConfiguration(limits: HTTPOutcome.smallLimits)
    configuration.maxPendingRequests = 2
    let handler = HTTPClosureHandler { request, responder in
        responder.respond(HTTPResponse(status: .ok, body: request.body))
    }
    let channel = EmbeddedByteChannel<Never, Never>(loop: loop) { $0.addingHTTPServer(configuration: configuration, handler: handler) }
    var offset = 0
    while offset < input.count, !channel.channel.isClosed {
        let size = min(input.count - offset, Int(input[offset] & 31) + 1)
        _ = try? channel.writeInbound(ByteBuffer(bytes: UnsafeBufferPointer(rebasing: input[offset..<(offset + size)])))
        offset += size
    }
    loop.run()
    _ = channel.readAllOutbound()
    if !channel.channel.isClosed { try? channel.close() }
    loop.advanceTime(by: .seconds(60))
    if loop.armedTimerCount != 0 { trap("a timer outlived the connection", input) }
}

func trap(_ message: String, _ input: UnsafeBufferPointer<UInt8>) -> Never {
    fatalError("\(message)\ninput: \(Array(input))")
}
