import Foundation
import Redis
import RESP
import XCTest

/// Every row of the API table and every status, against the built executable on the real
/// cluster, through real TCP connections.
final class CacheServiceAPITests: XCTestCase {
    var service: ServiceProcess!
    var probe: ClusterProbe!
    var client: HTTPTestClient!
    /// Keys of this test (under a unique prefix), deleted afterwards.
    var keys: [[UInt8]] = []
    let prefix = "cachetest:\(UUID().uuidString.prefix(8)):"

    override func setUpWithError() throws {
        service = try ServiceProcess(arguments: ["--wait-timeout-ms", "200"])
        probe = try ClusterProbe()
        client = try HTTPTestClient(port: service.port)
    }

    override func tearDown() async throws {
        // Optional: setUp may have thrown before making them (no cluster configured).
        await probe?.delete(keys)
        await probe?.close()
        if let service { XCTAssertEqual(service.terminate(), 0, "the service exits 0 on SIGTERM") }
    }

    func key(_ name: String) -> String {
        keys.append(Array((prefix + name).utf8))
        return prefix + name
    }

    func testCacheRows() async throws {
        let k = key("greeting")
        XCTAssertEqual(try client.request("PUT", "/v1/cache/\(k)", body: Array("hello".utf8)).status, 204)
        let got = try client.request("GET", "/v1/cache/\(k)")
        XCTAssertEqual(got.status, 200)
        XCTAssertEqual(got.text, "hello")
        XCTAssertEqual(got.headers["content-type"], "application/octet-stream")
        // HEAD: GET's headers, no body (the next answer on the connection would be garbled otherwise).
        let head = try client.request("HEAD", "/v1/cache/\(k)")
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.headers["content-length"], "5")
        XCTAssertEqual(head.headers["content-type"], "application/octet-stream")
        XCTAssertEqual(head.body, [])
        XCTAssertEqual(try client.request("HEAD", "/v1/cache/\(k)absent").status, 404)
        let stored = try await probe.get(Array(k.utf8))
        XCTAssertEqual(stored, Array("hello".utf8), "stored verbatim under the key")
        XCTAssertEqual(try client.request("DELETE", "/v1/cache/\(k)").status, 204)
        XCTAssertEqual(try client.request("GET", "/v1/cache/\(k)").status, 404)
        XCTAssertEqual(try client.request("DELETE", "/v1/cache/\(k)").status, 404)
        // An empty value is a value.
        XCTAssertEqual(try client.request("PUT", "/v1/cache/\(k)", body: []).status, 204)
        XCTAssertEqual(try client.request("GET", "/v1/cache/\(k)").body, [])
    }

    func testPutWithTTLAndWait() async throws {
        let k = key("ttl")
        XCTAssertEqual(try client.request("PUT", "/v1/cache/\(k)?ttl=300", body: Array("v".utf8)).status, 204)
        let ttl = try await probe.ttl(Array(k.utf8))
        XCTAssertTrue((1...300).contains(ttl ?? -1), "TTL \(String(describing: ttl))")
        // Every shard of the test cluster has one replica: WAIT 1 is confirmed.
        let w = key("wait")
        XCTAssertEqual(try client.request("PUT", "/v1/cache/\(w)?wait=1", body: Array("v".utf8)).status, 204)
        // Two replicas cannot confirm: 504, the write applied on the primary, durable outcome unknown.
        let short = try client.request("PUT", "/v1/cache/\(w)?wait=2&ttl=60", body: Array("v2".utf8))
        XCTAssertEqual(short.status, 504)
        XCTAssertEqual(short.json()?["outcome"], "unknown")
        let afterShortWait = try await probe.get(Array(w.utf8))
        XCTAssertEqual(afterShortWait, Array("v2".utf8))
    }

    func testTTLExpires() async throws {
        let k = key("expiring")
        XCTAssertEqual(try client.request("PUT", "/v1/cache/\(k)?ttl=1", body: Array("soon gone".utf8)).status, 204)
        // Poll until it is gone (bounded); no assertion on how long it took.
        var status = 200
        for _ in 0..<100 where status == 200 {
            status = try client.request("GET", "/v1/cache/\(k)").status
            if status == 200 { try await Task.sleep(for: .milliseconds(100)) }
        }
        XCTAssertEqual(status, 404, "the value expired")
    }

    func testCounters() throws {
        let c = key("counter")
        XCTAssertEqual(try client.request("POST", "/v1/counters/\(c)/incr").text, "1")
        XCTAssertEqual(try client.request("POST", "/v1/counters/\(c)/incr?by=41").text, "42")
        let down = try client.request("POST", "/v1/counters/\(c)/incr?by=-50")
        XCTAssertEqual(down.status, 200)
        XCTAssertEqual(down.text, "-8")
        // Counters and values share the key space: a counter is readable as a value…
        XCTAssertEqual(try client.request("GET", "/v1/cache/\(c)").text, "-8")
        // …and a value that is not an integer cannot be incremented.
        let v = key("text")
        XCTAssertEqual(try client.request("PUT", "/v1/cache/\(v)", body: Array("abc".utf8)).status, 204)
        let conflict = try client.request("POST", "/v1/counters/\(v)/incr")
        XCTAssertEqual(conflict.status, 409)
        XCTAssertNotNil(conflict.json()?["error"])
        let max = key("max")
        XCTAssertEqual(try client.request("POST", "/v1/counters/\(max)/incr?by=9223372036854775807").status, 200)
        XCTAssertEqual(try client.request("POST", "/v1/counters/\(max)/incr").status, 409, "overflow")
    }

    func testHealthAndMetrics() throws {
        let health = try client.request("GET", "/healthz")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.text, "ok\n")
        let metrics = try client.request("GET", "/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.headers["content-type"]?.hasPrefix("text/plain") ?? false)
        XCTAssertTrue(metrics.text.contains("redis_cluster_nodes"), metrics.text)
    }

    func testRefusedRequests() throws {
        let k = key("refused")
        let cases: [(String, String, [UInt8]?, Int)] = [
            ("GET", "/v1/cache/%zz", nil, 400), ("GET", "/v1/cache/", nil, 400),
            ("GET", "/v1/cache/" + String(repeating: "k", count: 1025), nil, 400),
            ("PUT", "/v1/cache/\(k)?ttl=0", [1], 400), ("PUT", "/v1/cache/\(k)?ttl=x", [1], 400),
            ("PUT", "/v1/cache/\(k)?wait=-1", [1], 400), ("PUT", "/v1/cache/\(k)?colour=red", [1], 400),
            ("POST", "/v1/counters/\(k)/incr?by=1.5", nil, 400), ("POST", "/v1/counters/\(k)/incr?by=", nil, 400),
            ("GET", "/v2/cache/\(k)", nil, 404), ("GET", "/v1/cache/a/b", nil, 404), ("GET", "/", nil, 404),
            ("POST", "/v1/cache/\(k)", [1], 405), ("GET", "/v1/counters/\(k)/incr", nil, 405),
            ("POST", "/healthz", [], 405), ("DELETE", "/metrics", nil, 405),
        ]
        for (method, target, body, status) in cases {
            let response = try client.request(method, target, body: body)
            XCTAssertEqual(response.status, status, "\(method) \(target)")
            XCTAssertNotNil(response.json()?["error"], "\(method) \(target): JSON error body")
            if status == 405 { XCTAssertNotNil(response.headers["allow"], "\(method) \(target): Allow") }
        }
        XCTAssertEqual(try client.request("POST", "/v1/cache/\(k)").headers["allow"], "GET, HEAD, PUT, DELETE")
        // None of these wrote anything.
        XCTAssertEqual(try client.request("GET", "/v1/cache/\(k)").status, 404)
    }

    func testEightMiBValueAndOverTheLimit() throws {
        let k = key("big")
        let value = [UInt8](try XCTUnwrap(FileHandle(forReadingAtPath: "/dev/urandom")).readData(ofLength: 8 << 20))
        XCTAssertEqual(try client.request("PUT", "/v1/cache/\(k)", body: value).status, 204)
        let got = try client.request("GET", "/v1/cache/\(k)")
        XCTAssertEqual(got.status, 200)
        XCTAssertEqual(got.body.count, value.count)
        XCTAssertTrue(got.body == value, "the 8 MiB value comes back byte for byte")
        // One byte over: refused on its Content-Length, before the body is sent (the client
        // asked for 100-continue, as curl does for large bodies).
        let other = try HTTPTestClient(port: service.port)
        try other.write(Array("PUT /v1/cache/\(k) HTTP/1.1\r\nHost: x\r\nContent-Length: \((8 << 20) + 1)\r\nExpect: 100-continue\r\n\r\n".utf8))
        XCTAssertEqual(try other.readResponse().status, 413)
        XCTAssertEqual(try client.request("GET", "/v1/cache/\(k)").body.count, value.count, "the refused value did not replace the old one")
    }

    func testBinaryKeysAndValues() async throws {
        // Every byte value in the key (NUL, CR, LF, '/', '%', '{', non-UTF-8), stored verbatim.
        let rawKey = Array((prefix + "bin:").utf8) + (0...255).map { UInt8($0) }
        keys.append(rawKey)
        let value = (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let path = "/v1/cache/" + percentEncoded(rawKey)
        XCTAssertEqual(try client.request("PUT", path, body: value).status, 204)
        XCTAssertEqual(try client.request("GET", path).body, value)
        let stored = try await probe.get(rawKey)
        XCTAssertEqual(stored, value, "the Redis key is the decoded bytes")
        XCTAssertEqual(try client.request("DELETE", path).status, 204)
    }
}
