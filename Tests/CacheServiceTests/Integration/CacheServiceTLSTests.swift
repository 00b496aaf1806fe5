import Foundation
import Redis
import RedisCluster
import RESP
import SwiftEV
import SwiftEVTLS
import XCTest

/// The built service over TLS on both sides: towards the TLS-only cluster the test command
/// starts (`redis-cluster.sh --name tls`, nodes announcing node-K.tls.swiftev.invalid) and as
/// an HTTPS server that curl talks to.
final class CacheServiceTLSTests: XCTestCase {
    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    static func environment(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw Missing(description: "\(name) is not set: run with scripts/test.sh, which starts the TLS cluster and exports it")
        }
        return value
    }

    static func certificate(_ name: String) throws -> String { try environment("SWIFTEV_TLS_CERT_DIR") + "/" + name }

    static func tlsClusterSeeds() throws -> String {
        try environment("SWIFTEV_TLS_CLUSTER_PORTS").split(separator: ",").prefix(3).map { "127.0.0.1:\($0)" }.joined(separator: ",")
    }

    /// REDIS_TLS with the test CA; the advertised node names dialled at 127.0.0.1 (and verified
    /// as those names); HTTPS with the standalone server's certificate (it names 127.0.0.1).
    static func tlsEnvironment() throws -> [String: String] {
        [
            "REDIS_TLS": "1",
            "REDIS_TLS_CA_FILE": try certificate("ca.crt"),
            "REDIS_RESOLVE": "*.tls.swiftev.invalid=127.0.0.1",
            "CACHE_TLS_CERT": try certificate("server.crt"),
            "CACHE_TLS_KEY": try certificate("server.key"),
        ]
    }

    func testServiceOnTheTLSClusterAnswersHTTPS() async throws {
        let service = try ServiceProcess(redisHosts: Self.tlsClusterSeeds(), environment: Self.tlsEnvironment(), waitUntilReady: false)
        defer { XCTAssertEqual(service.terminate(), 0, "the service exits 0 on SIGTERM") }
        let curl = CurlClient(baseURL: "https://127.0.0.1:\(service.port)", caFile: try Self.certificate("ca.crt"))
        try waitForHealth(curl, service)

        let key = "cachetest-tls:\(UUID().uuidString.prefix(8)):greeting"
        XCTAssertEqual(try curl.request("PUT", "/v1/cache/\(key)?ttl=300", body: Array("over tls".utf8)).status, 204)
        let got = try curl.request("GET", "/v1/cache/\(key)")
        XCTAssertEqual(got.status, 200)
        XCTAssertEqual(got.text, "over tls")

        // The value is in the TLS cluster, read back by a client of the test's own.
        let stored = try await readFromTLSCluster(key)
        XCTAssertEqual(stored, Array("over tls".utf8))

        XCTAssertEqual(try curl.request("DELETE", "/v1/cache/\(key)").status, 204)
        XCTAssertEqual(try curl.request("GET", "/v1/cache/\(key)").status, 404)
    }

    func testHTTPSRefusesPlainHTTPAndCurlRejectsAnotherCA() throws {
        let service = try ServiceProcess(redisHosts: Self.tlsClusterSeeds(), environment: Self.tlsEnvironment(), waitUntilReady: false)
        defer { XCTAssertEqual(service.terminate(), 0, "the service exits 0 on SIGTERM") }
        // Plain HTTP on the HTTPS port is not TLS: the connection is closed without an HTTP answer.
        let plain = try HTTPTestClient(port: service.port, timeoutSeconds: 5)
        XCTAssertThrowsError(try plain.request("GET", "/healthz"))
        // A client that trusts another CA refuses the service's certificate.
        let wrongCA = CurlClient(baseURL: "https://127.0.0.1:\(service.port)", caFile: try Self.certificate("other-ca.crt"))
        XCTAssertThrowsError(try wrongCA.request("GET", "/healthz")) { error in
            XCTAssertTrue("\(error)".contains("certificate"), "\(error)")
        }
        // The service is still up and serving verified clients.
        let curl = CurlClient(baseURL: "https://127.0.0.1:\(service.port)", caFile: try Self.certificate("ca.crt"))
        try waitForHealth(curl, service)
    }

    func testABadCAPathIsRefusedAtStartUp() throws {
        var environment = try Self.tlsEnvironment()
        environment["REDIS_TLS_CA_FILE"] = "/nonexistent/swiftev/ca.crt"
        XCTAssertThrowsError(try ServiceProcess(redisHosts: Self.tlsClusterSeeds(), environment: environment, waitUntilReady: false)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("REDIS_TLS_CA_FILE") && text.contains("--redis-tls-ca-file"), text)
            XCTAssertTrue(text.contains("/nonexistent/swiftev/ca.crt") && text.contains("No such file"), text)
        }
    }

    func testACAFileThatIsNotPEMIsRefusedAtStartUp() throws {
        let bogus = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-ca-\(UUID().uuidString).crt")
        try Data("not a certificate\n".utf8).write(to: bogus)
        defer { try? FileManager.default.removeItem(at: bogus) }
        var environment = try Self.tlsEnvironment()
        environment["REDIS_TLS_CA_FILE"] = bogus.path
        XCTAssertThrowsError(try ServiceProcess(redisHosts: Self.tlsClusterSeeds(), environment: environment, waitUntilReady: false)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("REDIS_TLS_CA_FILE") && text.contains(bogus.path), text)
        }
    }

    // MARK: Helpers

    private func waitForHealth(_ curl: CurlClient, _ service: ServiceProcess) throws {
        var last = ""
        for _ in 0..<200 {
            do {
                let response = try curl.request("GET", "/healthz")
                if response.status == 200 { return }
                last = "status \(response.status): \(response.text)"
            } catch {
                last = "\(error)"
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw Missing(description: "the service did not become healthy over HTTPS: \(last); log: \(service.log)")
    }

    private func readFromTLSCluster(_ key: String) async throws -> [UInt8]? {
        var tls = TLSConfiguration.client
        tls.trustRoots = .file(try Self.certificate("ca.crt"))
        let seeds = try Self.environment("SWIFTEV_TLS_CLUSTER_PORTS").split(separator: ",").compactMap { Int($0) }
        var configuration = RedisClusterConfiguration(seeds: seeds.map { .init(host: "127.0.0.1", port: $0) })
        configuration.node.tls = try TLSContext(configuration: tls)
        configuration.dnsLookup = { $0.hasSuffix(".tls.swiftev.invalid") ? "127.0.0.1" : nil }
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        let client = RedisClusterClient(configuration: configuration, eventLoop: group.next())
        let reply: Result<RESPValue, any Error>
        do { reply = .success(try await client.send(RedisCommand("GET", Array(key.utf8)))) } catch { reply = .failure(error) }
        await client.close()
        try? await group.shutdownGracefully()
        if case .bulkString(let bytes?) = try reply.get() { return bytes.readableBytesArray }
        return nil
    }
}
