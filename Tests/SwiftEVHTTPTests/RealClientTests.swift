import Foundation
import SwiftEV
import SwiftEVHTTP
import XCTest

/// curl, Python's http.client and wrk against a real server over TCP.
final class RealClientTests: XCTestCase {
    var server: RealServer!

    override func setUpWithError() throws {
        var configuration = HTTPServerConfiguration()
        configuration.limits.maxBodySize = 1 << 20
        server = try RealServer(configuration: configuration)
    }

    override func tearDown() {
        server.stop()
    }

    private var base: String { "http://127.0.0.1:\(server.port)" }

    private static func sum(_ data: [UInt8]) -> Int { data.reduce(0) { $0 &+ Int($1) } }

    func testCurlReusesTheConnectionForSeveralRequests() throws {
        try requireTool("curl")
        let result = try runTool(["curl", "-sS", "-w", " %{http_code} %{num_connects}\n", "\(base)/echo?a=1", "\(base)/slow?ms=30", "\(base)/thread"])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.output, "GET /echo?a=1 len=0 sum=0 200 1\nGET /slow?ms=30 len=0 sum=0 200 0\nGET /thread len=0 sum=0 200 0\n")
    }

    func testCurlUploadWithExpectContinue() throws {
        try requireTool("curl")
        let body = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        // -H Expect makes curl wait for 100 Continue before sending the body.
        let result = try runTool(["curl", "-sS", "-X", "PUT", "-H", "Expect: 100-continue", "--data-binary", "@-", "-o", "/dev/stdout",
                              "-w", "\n%{http_code}", "\(base)/echo"], stdin: Data(body))
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.output, "PUT /echo len=300000 sum=\(Self.sum(body))\n200")
    }

    func testCurlChunkedUpload() throws {
        try requireTool("curl")
        let body = Array(repeating: UInt8(ascii: "c"), count: 70_000)
        let result = try runTool(["curl", "-sS", "-H", "Transfer-Encoding: chunked", "--data-binary", "@-", "\(base)/echo"], stdin: Data(body))
        XCTAssertEqual(result.output, "POST /echo len=70000 sum=\(Self.sum(body))")
    }

    func testCurlHeadAndRefusedUpload() throws {
        try requireTool("curl")
        let head = try runTool(["curl", "-sS", "-I", "\(base)/echo"])
        XCTAssertTrue(head.output.hasPrefix("HTTP/1.1 200 OK\r\n"), head.output)
        XCTAssertTrue(head.output.contains("content-length: 22\r\n"), head.output)
        let tooLarge = try runTool(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Expect: 100-continue",
                                "--data-binary", "@-", "\(base)/echo"], stdin: Data(count: (1 << 20) + 1))
        XCTAssertEqual(tooLarge.output, "413")
    }

    func testPythonHTTPClient() throws {
        try requireTool("python3")
        let script = """
        import http.client, socket, sys
        port = int(sys.argv[1])
        def read_until_closed(s):
            data = b""
            while chunk := s.recv(4096):
                data += chunk
            return data
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for path in ["/echo", "/slow?ms=20", "/thread"]:
            c.request("GET", path)
            r = c.getresponse()
            print(r.status, r.read().decode())
        c.request("POST", "/echo", body=iter([b"ab", b"cde"]), encode_chunked=True)
        r = c.getresponse()
        print(r.status, r.getheader("Content-Type"), r.read().decode())
        c.close()
        # Pipelined on a raw socket: 50 requests in one write, answers read back in order.
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"".join(b"GET /slow?ms=%d HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n" % ((50 - i) % 5) for i in range(50)))
        f = s.makefile("rb")
        order = []
        for i in range(50):
            assert f.readline().startswith(b"HTTP/1.1 200 OK")
            length = 0
            while True:
                line = f.readline()
                if line == b"\\r\\n":
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            order.append(f.read(length).decode().split()[1])
        print("in order" if order == ["/slow?ms=%d" % ((50 - i) % 5) for i in range(50)] else order)
        s.close()
        # Requests followed by a shutdown of the client's sending side are still answered.
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /slow?ms=30 HTTP/1.1\\r\\nHost: x\\r\\n\\r\\nGET /thread HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
        s.shutdown(socket.SHUT_WR)
        data = read_until_closed(s)
        print(data.count(b"HTTP/1.1 200 OK"), b"GET /thread len=0" in data)
        # A smuggling attempt is refused and the connection closed.
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 4\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n")
        data = read_until_closed(s)
        print(data.split(b"\\r\\n")[0].decode(), data.endswith(b"both Content-Length and Transfer-Encoding\\n"))
        """
        let result = try runTool(["python3", "-c", script, String(server.port)], mergingErrors: true)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(result.output, """
        200 GET /echo len=0 sum=0
        200 GET /slow?ms=20 len=0 sum=0
        200 GET /thread len=0 sum=0
        200 text/plain; charset=utf-8 POST /echo len=5 sum=\(Self.sum(Array("abcde".utf8)))
        in order
        2 True
        HTTP/1.1 400 Bad Request True

        """)
    }

    /// wrk's keep-alive connections, eight at once for a second, alternating a GET and a
    /// POST with a body: every answer is a 2xx whose body is the echo of a request it sent,
    /// and no connection saw a socket error. wrk prints error lines only when there are
    /// errors, so the script counts answers itself and prints its own summary.
    func testWrkKeepAliveLoadIsAnsweredWithoutErrors() throws {
        try requireTool("wrk")
        let script = """
        local threads = {}
        function setup(thread) table.insert(threads, thread) end
        local n, good, bad = 0, 0, 0
        function request()
            n = n + 1
            if n % 2 == 0 then return wrk.format("POST", "/echo", nil, "hello") end
            return wrk.format("GET", "/echo?n=" .. n)
        end
        function response(status, headers, body)
            if status == 200 and (body:match("^GET /echo%?n=%d+ len=0 sum=0$") or body == "POST /echo len=5 sum=532") then
                good = good + 1
            else
                bad = bad + 1
            end
            wrk.thread:set("good", good)
            wrk.thread:set("bad", bad)
        end
        function done(summary, latency, requests)
            local good, bad = 0, 0
            for _, thread in ipairs(threads) do
                good = good + (thread:get("good") or 0)
                bad = bad + (thread:get("bad") or 0)
            end
            local e = summary.errors
            io.write(string.format("answered=%d good=%d bad=%d socket_errors=%d non2xx=%d\\n",
                summary.requests, good, bad, e.connect + e.read + e.write + e.timeout, e.status))
        end
        """
        let scriptURL = FileManager.default.temporaryDirectory.appendingPathComponent("swiftev-wrk-\(getpid()).lua")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: scriptURL) }
        let result = try runTool(["wrk", "-t2", "-c8", "-d1s", "-s", scriptURL.path, "\(base)/"], mergingErrors: true)
        XCTAssertEqual(result.status, 0, result.output)
        let summary = result.output.split(separator: "\n").last { $0.hasPrefix("answered=") }.map(String.init)
        let fields = Dictionary(uniqueKeysWithValues: (summary ?? "").split(separator: " ").compactMap { field -> (String, Int)? in
            let parts = field.split(separator: "=")
            guard parts.count == 2, let value = Int(parts[1]) else { return nil }
            return (String(parts[0]), value)
        })
        XCTAssertGreaterThan(fields["answered"] ?? 0, 100, result.output)
        XCTAssertEqual(fields["good"], fields["answered"], result.output)
        XCTAssertEqual(fields["bad"], 0, result.output)
        XCTAssertEqual(fields["socket_errors"], 0, result.output)
        XCTAssertEqual(fields["non2xx"], 0, result.output)
    }

    /// A client that goes on sending a body the server refused still reads the refusal: the
    /// server lingers (reads and drops) instead of closing under unread bytes, which would
    /// reset the connection and destroy the answer.
    func testARefusedUploadIsReadByAClientThatKeepsSending() throws {
        try requireTool("python3")
        let script = """
        import socket, sys
        port = int(sys.argv[1])
        for head in [b"PUT /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 4194304\\r\\n\\r\\n",
                     b"PUT /echo HTTP/1.1\\r\\nHost: x\\r\\nX-Big: " + b"a" * 20000 + b"\\r\\nContent-Length: 4194304\\r\\n\\r\\n"]:
            s = socket.create_connection(("127.0.0.1", port))
            try:
                s.sendall(head + b"z" * 4194304)
                s.shutdown(socket.SHUT_WR)
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
                print(data.split(b"\\r\\n")[0].decode())
            except OSError as error:
                print("lost:", error.__class__.__name__)
            s.close()
        """
        let result = try runTool(["python3", "-c", script, String(server.port)], mergingErrors: true)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(result.output, "HTTP/1.1 413 Content Too Large\nHTTP/1.1 431 Request Header Fields Too Large\n")
    }

    /// A client pipelining far more than the server keeps unanswered (and more bytes than the
    /// decoder would hold while paused) is read as answers go out: every request is answered,
    /// in order, and the connection is not closed for overflowing.
    func testAPipelineFasterThanItsAnswersIsReadAsTheyGoOut() throws {
        try requireTool("python3")
        server.stop()
        var configuration = HTTPServerConfiguration(maxPendingRequests: 2)
        // The decoder closes a connection that buffers more than ~70 KiB while paused.
        configuration.limits = .init(maxRequestLineLength: 1024, maxHeaderBytes: 1024, maxBodySize: 1024)
        server = try RealServer(configuration: configuration)
        let script = """
        import socket, sys, threading
        port, count = int(sys.argv[1]), 6000
        s = socket.create_connection(("127.0.0.1", port))
        requests = b"".join(b"GET /slow?i=%d&ms=0 HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n" % i for i in range(count))
        writer = threading.Thread(target=lambda: s.sendall(requests))
        writer.start()
        f = s.makefile("rb")
        seen = []
        for i in range(count):
            status = f.readline()
            if not status.startswith(b"HTTP/1.1 200 OK"):
                print("answer", i, "was", status)
                break
            length = 0
            while (line := f.readline()) != b"\\r\\n":
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            seen.append(int(f.read(length).split()[1].split(b"i=")[1].split(b"&")[0]))
        writer.join()
        print(len(requests) > 200000, "in order" if seen == list(range(count)) else "answered %d" % len(seen))
        """
        let result = try runTool(["python3", "-c", script, String(server.port)], mergingErrors: true)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(result.output, "True in order\n")
    }
}
