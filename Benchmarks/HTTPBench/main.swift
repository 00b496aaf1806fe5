import SwiftEV
import SwiftEVHTTP
#if canImport(Glibc)
import Glibc
#endif

// Hello-world HTTP/1.1 server over the SwiftEVHTTP stages, for wrk (Benchmarks/run-http.sh).
//   HTTPBench --port P [--threads N]
// Every request gets `200 OK`, `Content-Type: text/plain`, body "Hello, World!". Runs until
// SIGTERM or SIGINT.

/// Answers every request with the same response; its body and headers share storage with
/// the prototype, so answering copies nothing.
final class HelloHandler: HTTPRequestHandler {
    let response: HTTPResponse = {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain")
        return HTTPResponse(status: .ok, headers: headers, body: ByteBuffer(string: "Hello, World!"))
    }()

    func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        responder.respond(response)
    }
}

func fail(_ message: String) -> Never {
    var line = "HTTPBench: \(message)\n"
    _ = line.withUTF8 { write(2, $0.baseAddress, $0.count) }
    exit(2)
}

var options: [String: Int] = ["threads": 1]
var arguments = Array(CommandLine.arguments.dropFirst())
while arguments.count >= 2, arguments[0].hasPrefix("--"), let value = Int(arguments[1]) {
    options[String(arguments[0].dropFirst(2))] = value
    arguments.removeFirst(2)
}
guard arguments.isEmpty, let port = options["port"], let threads = options["threads"], threads > 0, options.count == 2 else {
    fail("usage: HTTPBench --port P [--threads N]")
}

// SIGTERM/SIGINT are taken by this thread (sigwait), so block them everywhere first.
var stopSignals = sigset_t()
sigemptyset(&stopSignals)
sigaddset(&stopSignals, SIGTERM)
sigaddset(&stopSignals, SIGINT)
pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

let group = LibevEventLoopGroup(numberOfThreads: threads)
var configuration = HTTPServerConfiguration()
configuration.requestReadTimeout = .seconds(60)
let server: Channel
do {
    server = try TCPServer(group: group).bindHTTP(host: "127.0.0.1", port: port, configuration: configuration) { _ in HelloHandler() }.wait()
} catch {
    fail("cannot listen on 127.0.0.1:\(port): \(error)")
}
var received: Int32 = 0
sigwait(&stopSignals, &received)
_ = try? server.close().wait()
try? group.syncShutdown()
exit(0)
