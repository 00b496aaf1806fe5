import Foundation
import Redis
import RESP
import XCTest

/// Pipelining, many connections, metrics moving, and what the store's failures look like.
final class CacheServiceLoadTests: XCTestCase {
    var service: ServiceProcess!
    var probe: ClusterProbe!
    var keys: [[UInt8]] = []
    let prefix = "cachetest:\(UUID().uuidString.prefix(8)):"

    override func setUpWithError() throws {
        probe = try ClusterProbe()
    }

    override func tearDown() async throws {
        // Optional: setUp may have thrown before making them (no cluster configured).
        await probe?.delete(keys)
        await probe?.close()
        if let service { XCTAssertEqual(service.terminate(), 0, "the service exits 0 on SIGTERM") }
    }

    func testThousandPipelinedRequestsAnsweredInOrder() throws {
        service = try ServiceProcess()
        let client = try HTTPTestClient(port: service.port)
        // 500 × (PUT k_i, GET k_i) in one write: keys spread over every shard, so the answers
        // come back from Redis out of order and the server must restore it.
        var bytes: [UInt8] = []
        for i in 0..<500 {
            let k = prefix + "p\(i)"
            keys.append(Array(k.utf8))
            bytes += HTTPTestClient.encode("PUT", "/v1/cache/\(k)", body: Array("value-\(i)".utf8))
            bytes += HTTPTestClient.encode("GET", "/v1/cache/\(k)")
        }
        try client.write(bytes)
        for i in 0..<500 {
            XCTAssertEqual(try client.readResponse().status, 204, "PUT \(i)")
            let get = try client.readResponse()
            XCTAssertEqual(get.status, 200)
            XCTAssertEqual(get.text, "value-\(i)", "response \(2 * i + 1) answers request \(2 * i + 1)")
        }
    }

    func testTwoHundredConcurrentConnections() throws {
        service = try ServiceProcess()
        let clients = try (0..<200).map { _ in try HTTPTestClient(port: service.port) }
        // All 200 requests are in flight at once before any answer is read.
        for (i, client) in clients.enumerated() {
            let k = prefix + "c\(i)"
            keys.append(Array(k.utf8))
            try client.write(HTTPTestClient.encode("PUT", "/v1/cache/\(k)", body: Array("from \(i)".utf8)))
        }
        for client in clients { XCTAssertEqual(try client.readResponse().status, 204) }
        for (i, client) in clients.enumerated() { try client.write(HTTPTestClient.encode("GET", "/v1/cache/\(prefix)c\(i)")) }
        for (i, client) in clients.enumerated() { XCTAssertEqual(try client.readResponse().text, "from \(i)") }
    }

    func testMetricsCountersMove() throws {
        service = try ServiceProcess()
        let client = try HTTPTestClient(port: service.port)
        func scrape() throws -> [String: Double] {
            let response = try client.request("GET", "/metrics")
            XCTAssertEqual(response.status, 200)
            return Self.parsePrometheus(response.text)
        }
        let putSeries = "http_requests_total{route=\"/v1/cache/{key}\",status=\"204\"}"
        let missSeries = "http_requests_total{route=\"/v1/cache/{key}\",status=\"404\"}"
        let before = try scrape()
        for i in 0..<5 {
            let k = prefix + "m\(i)"
            keys.append(Array(k.utf8))
            XCTAssertEqual(try client.request("PUT", "/v1/cache/\(k)", body: [1]).status, 204)
        }
        XCTAssertEqual(try client.request("GET", "/v1/cache/\(prefix)absent").status, 404)
        let after = try scrape()
        XCTAssertEqual((after[putSeries] ?? 0) - (before[putSeries] ?? 0), 5, "five 204s counted")
        XCTAssertEqual((after[missSeries] ?? 0) - (before[missSeries] ?? 0), 1, "one 404 counted")
        let countSeries = "http_request_duration_seconds_count{route=\"/v1/cache/{key}\"}"
        XCTAssertEqual((after[countSeries] ?? 0) - (before[countSeries] ?? 0), 6, "six latencies recorded")
        // The cluster client samples its figures every second: poll (bounded) for the first sample.
        func nodes(_ series: [String: Double]) -> [Double?] {
            [series["redis_cluster_nodes{role=\"primary\"}"], series["redis_cluster_nodes{role=\"replica\"}"]]
        }
        var sampled = after
        for _ in 0..<50 where nodes(sampled) != [3, 3] {
            Thread.sleep(forTimeInterval: 0.1)
            sampled = try scrape()
        }
        XCTAssertEqual(nodes(sampled), [3, 3], "the client reports its node count: 3 primaries + 3 replicas")
        XCTAssertNotNil(sampled["redis_cluster_commands_in_flight"], "commands in flight reported")
        XCTAssertNotNil(sampled["redis_cluster_topology_refreshes_total"], "refreshes counted")
    }

    /// `name{labels} value` lines (comments skipped) into a dictionary; a line that does not
    /// parse fails the test.
    static func parsePrometheus(_ text: String) -> [String: Double] {
        var series: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                XCTFail("not a Prometheus sample line: \(line)")
                continue
            }
            series[String(line[..<space])] = value
        }
        return series
    }

    func testStoreTimeoutIs504WithTheWritesOutcomeUnknown() async throws {
        service = try ServiceProcess(arguments: ["--redis-timeout-ms", "300"])
        let client = try HTTPTestClient(port: service.port)
        let k = prefix + "paused"
        keys.append(Array(k.utf8))
        // Writes on every primary held back (a real server state), then released.
        let primaries = try await probe.client.nodes(.primaries)
        XCTAssertFalse(primaries.isEmpty)
        for node in primaries { _ = try await node.send("CLIENT", "PAUSE", 5000, "WRITE") }
        let response: HTTPTestClient.Response
        do {
            response = try client.request("PUT", "/v1/cache/\(k)", body: Array("late".utf8))
        } catch {
            for node in primaries { _ = try? await node.send("CLIENT", "UNPAUSE") }
            throw error
        }
        for node in primaries { _ = try await node.send("CLIENT", "UNPAUSE") }
        XCTAssertEqual(response.status, 504)
        XCTAssertEqual(response.json()?["outcome"], "unknown", response.text)
        // Why "unknown" is the truth: the write was sent and runs once the pause ends.
        var stored: [UInt8]?
        for _ in 0..<50 where stored == nil {
            stored = try await probe.get(Array(k.utf8))
            if stored == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        XCTAssertEqual(stored, Array("late".utf8))
    }

    func testUnavailableClusterIs503NotAppliedAndUnhealthy() throws {
        // Port 1: nothing listens there; the seed is refused at once.
        service = try ServiceProcess(redisHosts: "127.0.0.1:1", waitUntilReady: false)
        let client = try HTTPTestClient(port: service.port)
        let health = try client.request("GET", "/healthz")
        XCTAssertEqual(health.status, 503)
        XCTAssertTrue(health.text.contains("not ready"), health.text)
        let response = try client.request("PUT", "/v1/cache/\(prefix)never", body: [1])
        XCTAssertEqual(response.status, 503)
        XCTAssertEqual(response.json()?["outcome"], "not_applied")
        XCTAssertTrue(response.json()?["error"]?.contains("127.0.0.1:1") ?? false, response.text)
    }
}
