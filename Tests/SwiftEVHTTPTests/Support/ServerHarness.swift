import SwiftEV
import SwiftEVHTTP
import SwiftEVTesting
import XCTest

/// An HTTP server pipeline on the in-memory channel, with a handler that records requests
/// and either answers at once (`autoAnswer`) or leaves the responders to the test.
final class ServerHarness {
    let loop = EmbeddedEventLoop()
    var channel: EmbeddedByteChannel<Never, Never>!
    var requests: [HTTPRequest] = []
    var responders: [HTTPResponder] = []
    /// Answers each request at once when set.
    var autoAnswer: ((HTTPRequest) -> HTTPResponse)?
    /// Errors that reached the end of the pipeline (refusals, timeouts).
    var errors: [any Error] = []

    init(configuration: HTTPServerConfiguration = .init(), autoAnswer: ((HTTPRequest) -> HTTPResponse)? = nil) {
        self.autoAnswer = autoAnswer
        let handler = HTTPClosureHandler { [unowned self] request, responder in
            requests.append(request)
            if let autoAnswer = self.autoAnswer { responder.respond(autoAnswer(request)) } else { responders.append(responder) }
        }
        channel = EmbeddedByteChannel(loop: loop) { $0.addingHTTPServer(configuration: configuration, handler: handler) }
    }

    /// Echoes the method and target as a text body.
    static func echo(_ request: HTTPRequest) -> HTTPResponse {
        .text(.ok, "\(request.head.method) \(request.head.target) \(request.body.readableBytes)")
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        do { try channel.writeInbound(ByteBuffer(bytes: bytes)) } catch { errors.append(error) }
        loop.run()
        drainErrors()
    }

    func drainErrors() {
        while true {
            do { try channel.throwIfErrorCaught(); return } catch { errors.append(error) }
        }
    }

    /// Everything written to the transport since the last call, with `date:` values masked.
    func output() -> String {
        loop.run()
        let text = channel.readAllOutbound().map { String(buffer: $0) }.joined()
        return text.replacing(/date: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n/, with: "date: *\r\n")
    }

    /// The server is done with the connection: closed, or its sending side shut down and
    /// lingering to drain what the client still sends (see `ConnectionEndTests`).
    var isClosed: Bool { channel.channel.isClosed || channel.isOutputShutdown }
}

/// The wire form of a response as the encoder writes it (date masked).
func wire(_ status: String, _ fields: [String] = [], body: String = "", close: Bool = false, contentLength: Int? = nil) -> String {
    var text = "HTTP/1.1 \(status)\r\n"
    for field in fields { text += field + "\r\n" }
    text += "content-length: \(contentLength ?? body.utf8.count)\r\n"
    if close { text += "connection: close\r\n" }
    return text + "date: *\r\n\r\n" + body
}

/// The wire form of the harness's echo answer.
func echoed(_ method: String, _ target: String, bodyBytes: Int = 0) -> String {
    wire("200 OK", ["Content-Type: text/plain; charset=utf-8"], body: "\(method) \(target) \(bodyBytes)")
}

func refusal(_ status: String, _ reason: String) -> String {
    wire(status, ["Content-Type: text/plain; charset=utf-8"], body: reason + "\n", close: true)
}
